//! Running borrowed closures on every core without allocating per call — what splitting a
//! batch (or an optimiser's update of a long vector) across cores needs.
//!
//! There is one pool of worker threads in the crate, the GEMM's ([`super::pool`]), and one
//! knob, [`crate::set_num_threads`] (default: every core). [`run_parts`] publishes a closure
//! to it; while a thread works on one part of a split batch its own GEMMs run unsplit
//! ([`in_split`]), so the two levels of parallelism never compete for the same cores.
//! [`for_each_chunk_mut`] splits mutable slices across the threads safely: callers get
//! plain `&mut [T]` pieces and need no `unsafe`.

use super::pool;

thread_local! {
    /// Set while this thread works on one part of a split batch: its GEMMs then run on
    /// this thread alone (the other cores are busy with the other parts).
    static IN_SPLIT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether the current thread is working on a part of a split batch.
pub(crate) fn in_split() -> bool {
    IN_SPLIT.with(|f| f.get())
}

/// Runs `f` with this thread marked as working on a part of a split batch.
pub(crate) fn as_split_part<R>(f: impl FnOnce() -> R) -> R {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            IN_SPLIT.with(|c| c.set(self.0));
        }
    }
    let _reset = Reset(IN_SPLIT.with(|c| c.replace(true)));
    f()
}

/// How many parts work may be split into now: the configured thread count, or 1 inside a
/// part of a split batch.
pub(crate) fn available_parts() -> usize {
    if in_split() { 1 } else { pool::num_threads() }
}

/// Calls `f(0)`, …, `f(parts − 1)`, in parallel on the pool when it is free (part 0 on this
/// thread), else one after the other here. Parts must be independent of each other.
pub(crate) fn run_parts(parts: usize, f: &(dyn Fn(usize) + Sync)) {
    if parts <= 1 {
        f(0);
        return;
    }
    /// Calls the closure behind `data` for one part.
    ///
    /// # Safety
    /// `data` points to a live `&(dyn Fn(usize) + Sync)`.
    unsafe fn trampoline(data: *const (), part: usize, _parts: usize) {
        // SAFETY: `run_parts` passes a pointer to its `&dyn Fn` local, alive while `run` waits.
        let f = unsafe { &*(data as *const &(dyn Fn(usize) + Sync)) };
        f(part);
    }
    let closure: &(dyn Fn(usize) + Sync) = f;
    let data = &closure as *const &(dyn Fn(usize) + Sync) as *const ();
    // SAFETY: `f` is `Sync` and callable for distinct parts concurrently (the parts are
    // independent by this function's contract); `closure` outlives the call, which returns
    // only after every part has finished.
    let ran = unsafe { pool::run(parts, trampoline, data) };
    if !ran {
        for part in 0..parts {
            f(part);
        }
    }
}

/// [`run_parts`] where each thread first takes the part of its own place in the pool
/// ([`pool::home`]: the caller part 0, worker `w` part `w`) if that part is still free, and
/// only then any other: a split repeated call after call (an optimiser's ranges of θ, the
/// parts of a training batch) then keeps each part's data in one core's cache, while a
/// thread the OS has descheduled still leaves its part to the others. Which thread runs
/// which part never changes what a part computes.
pub(crate) fn run_homed(parts: usize, f: &(dyn Fn(usize) + Sync)) {
    if parts <= 1 || parts > u64::BITS as usize {
        run_parts(parts, f);
        return;
    }
    use std::sync::atomic::{AtomicU64, Ordering};
    // Bit `t` is set once part `t` is taken; `run_parts` makes exactly `parts` calls, and
    // each takes one free part, so every part runs exactly once.
    let taken = AtomicU64::new(0);
    run_parts(parts, &|_| {
        let home = pool::home() % parts;
        let part = (0..parts)
            .map(|i| (home + i) % parts)
            .find(|&t| taken.fetch_or(1 << t, Ordering::AcqRel) & (1 << t) == 0);
        if let Some(t) = part {
            f(t);
        }
    });
}

/// Most parts any split makes (the pool's thread cap).
pub(crate) const MAX_PARTS: usize = pool::MAX_THREADS;

/// Vectors at least this long are updated by the optimisers in one range per thread of
/// the pool ([`for_each_chunk_mut`] with this `min_len`; a 65,536-element Adam update takes
/// ~10 µs on one core: below it a hand-off to a worker does not pay). Small-batch gradients
/// of such a θ compute the first layer's share of each range on the thread that updates it
/// (`network::owned`).
pub(crate) const UPDATE_SPLIT_MIN: usize = 1 << 16;

/// How many ranges [`for_each_chunk_mut`] cuts `0..len` into: one per thread of the pool
/// when `len ≥ min_len` (and more than one thread is configured), else one.
fn range_parts(len: usize, min_len: usize) -> usize {
    if len >= min_len { available_parts() } else { 1 }
}

/// Range `t` of `parts` nearly equal contiguous ranges covering `0..len`.
pub(crate) fn part_range(t: usize, parts: usize, len: usize) -> std::ops::Range<usize> {
    t * len / parts..(t + 1) * len / parts
}

/// What [`for_each_chunk_mut`] runs for each range: the range and that range of every slice.
pub(crate) type ChunkFn<'f, T, const N: usize> =
    dyn Fn(std::ops::Range<usize>, [&mut [T]; N]) + Sync + 'f;

/// What [`for_each_range_mut`] runs for each part: the part's index, its range and that range
/// of every slice.
pub(crate) type PartFn<'f, T, const N: usize> =
    dyn Fn(usize, std::ops::Range<usize>, [&mut [T]; N]) + Sync + 'f;

/// Runs `f(range, pieces)` for contiguous ranges covering `0..len` (see [`range_parts`];
/// `f(0..len, slices)` on this thread when there is one), handing each call its own
/// sub-slices `slice[range]` of every slice in `slices` (each of length `len`): the safe way
/// to update several long vectors elementwise on every thread of the pool (optimiser
/// steps). Allocates nothing.
///
/// ```text
/// for_each_chunk_mut(g.len(), 1 << 14, [theta, m], &|r, [x, m]| { /* x, m: &mut [T] */ });
/// ```
///
/// # Panics
/// If a slice's length is not `len`.
pub(crate) fn for_each_chunk_mut<T: Send, const N: usize>(
    len: usize,
    min_len: usize,
    slices: [&mut [T]; N],
    f: &ChunkFn<'_, T, N>,
) {
    let parts = range_parts(len, min_len);
    split_mut(len, 1, parts, slices, f);
}

/// Runs `f(columns, pieces)` for `parts` contiguous ranges of columns covering `0..cols`
/// (nearly equal; in parallel on the pool when it is free, part 0 on this thread), where
/// every slice in `slices` is a column-major `rows × cols` matrix (length `rows·cols`) and
/// each call gets the columns `columns` of every one: how a batch's layer buffers are shared
/// out between threads. Allocates nothing.
///
/// # Panics
/// If a slice's length is not `rows·cols`.
pub(crate) fn for_each_column_range_mut<T: Send, const N: usize>(
    rows: usize,
    cols: usize,
    parts: usize,
    slices: [&mut [T]; N],
    f: &ChunkFn<'_, T, N>,
) {
    split_mut(cols, rows, parts.max(1), slices, f);
}

/// The engine of [`for_each_chunk_mut`] and [`for_each_column_range_mut`]: `parts` ranges of
/// `units` units of `unit` elements each; `f` gets the range in units and the pieces.
fn split_mut<T: Send, const N: usize>(
    units: usize,
    unit: usize,
    parts: usize,
    slices: [&mut [T]; N],
    f: &ChunkFn<'_, T, N>,
) {
    split_mut_by(
        units,
        unit,
        parts,
        &|t| part_range(t, parts, units),
        slices,
        &|_, r, pieces| f(r, pieces),
    );
}

/// Runs `f(t, range_of(t), pieces)` for `t < parts` (on the pool, homed: [`run_homed`]),
/// where the ranges must be ordered, disjoint and inside `0..len` (checked: a bad range
/// panics before anything runs; `range_of` is called once per part, and the checked ranges
/// are the ones used); each call gets those elements of every slice in `slices`. How work
/// is split along uneven bounds (the first layer's share of each thread's range of θ, say).
/// Allocates nothing.
///
/// # Panics
/// If a slice's length is not `len`, if `parts > MAX_PARTS`, or if the ranges overlap or
/// leave `0..len`.
pub(crate) fn for_each_range_mut<T: Send, const N: usize>(
    len: usize,
    parts: usize,
    range_of: &dyn Fn(usize) -> std::ops::Range<usize>,
    slices: [&mut [T]; N],
    f: &PartFn<'_, T, N>,
) {
    assert!(
        parts <= MAX_PARTS,
        "for_each_range_mut: more parts than threads"
    );
    let ranges: [std::ops::Range<usize>; MAX_PARTS] =
        std::array::from_fn(|t| if t < parts { range_of(t) } else { len..len });
    let mut end = 0;
    for r in &ranges[..parts] {
        assert!(
            r.start >= end && r.start <= r.end && r.end <= len,
            "for_each_range_mut: ranges must be ordered, disjoint and inside the slices"
        );
        end = r.end;
    }
    if parts == 0 {
        return;
    }
    split_mut_by(len, 1, parts, &|t| ranges[t].clone(), slices, f);
}

/// The engine of the splitting functions: `range_of(t)` (in units of `unit` elements, ordered
/// and disjoint inside `0..units`, and the same on every call — as both callers guarantee:
/// `part_range`, or the ranges `for_each_range_mut` checked and stored) for `t < parts`.
fn split_mut_by<T: Send, const N: usize>(
    units: usize,
    unit: usize,
    parts: usize,
    range_of: &(dyn Fn(usize) -> std::ops::Range<usize> + Sync),
    slices: [&mut [T]; N],
    f: &PartFn<'_, T, N>,
) {
    let len = units.saturating_mul(unit);
    for s in &slices {
        assert_eq!(s.len(), len, "for_each_chunk_mut: slice length");
    }
    if parts <= 1 {
        // One part runs here, even when empty (as an unsplit call always did).
        let r = if parts == 1 { range_of(0) } else { 0..units };
        if r.start <= r.end && r.end <= units {
            let (start, end) = (r.start * unit, r.end * unit);
            f(0, r, slices.map(|s| &mut s[start..end]));
        }
        return;
    }
    /// The slices' base pointers, shared with the threads of one call.
    struct Bases<T, const N: usize>([*mut T; N]);
    // SAFETY: each thread makes `&mut` sub-slices of ranges no other thread touches (see
    // below), which is like sending disjoint `&mut [T]` to it; `T: Send` allows that.
    unsafe impl<T: Send, const N: usize> Sync for Bases<T, N> {}
    let bases = Bases(slices.map(|s| s.as_mut_ptr()));
    let bases = &bases;
    run_homed(parts, &|t| {
        let range = range_of(t);
        if !range.is_empty() && range.end <= units {
            let (start, end) = (range.start * unit, range.end * unit);
            // SAFETY: `start < end ≤ len` lies inside every slice (lengths checked above),
            // whose exclusive borrows this call holds until it returns; `run_homed` calls
            // each part at most once, and distinct parts get disjoint ranges (`part_range`'s,
            // or checked by `for_each_range_mut`; this function is private), so no two live
            // pieces overlap. The pieces cannot outlive this closure call (`f` must accept
            // any lifetime for them).
            let pieces = bases
                .0
                .map(|p| unsafe { std::slice::from_raw_parts_mut(p.add(start), end - start) });
            f(t, range, pieces);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Every element of every slice is visited exactly once, with the pieces of the range
    /// the call was given, and the ranges are `part_range`'s (what the optimisers' results
    /// and the gradient reduction's order were always computed over).
    #[test]
    fn chunks_cover_each_slice_once_in_the_planned_ranges() {
        for len in [0, 1, 5, 1000, 40_000] {
            let parts = range_parts(len, 7);
            let want = Mutex::new(if parts <= 1 {
                std::iter::once(0..len).collect::<Vec<_>>()
            } else {
                (0..parts)
                    .map(|t| part_range(t, parts, len))
                    .filter(|r| !r.is_empty())
                    .collect()
            });
            let got = Mutex::new(Vec::new());
            let (mut a, mut b) = (vec![0u32; len], vec![0u32; len]);
            for_each_chunk_mut(len, 7, [&mut a, &mut b], &|r, [x, y]| {
                assert_eq!((x.len(), y.len()), (r.len(), r.len()));
                for (i, (x, y)) in x.iter_mut().zip(y.iter_mut()).enumerate() {
                    *x += (r.start + i) as u32;
                    *y += 1;
                }
                got.lock().unwrap().push(r);
            });
            assert!(a.iter().enumerate().all(|(i, &x)| x == i as u32));
            assert!(b.iter().all(|&y| y == 1));
            let (mut got, mut want) = (got.into_inner().unwrap(), want.into_inner().unwrap());
            got.sort_by_key(|r| r.start);
            want.sort_by_key(|r| r.start);
            assert_eq!(got, want);
        }
    }

    #[test]
    #[should_panic(expected = "slice length")]
    fn slices_of_another_length_panic() {
        let (mut a, mut b) = ([0.0f64; 4], [0.0f64; 3]);
        for_each_chunk_mut(4, 1, [&mut a[..], &mut b[..]], &|_, _| {});
    }
}
