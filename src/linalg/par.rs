//! Running borrowed closures on every core without allocating per call — what splitting a
//! batch (or an optimiser's update of a long vector) across cores needs.
//!
//! There is one pool of worker threads in the crate, the GEMM's ([`super::pool`]), and one
//! knob, [`crate::set_num_threads`] (default: every core). [`run_parts`] publishes a closure
//! to it; while a thread works on one part of a split batch its own GEMMs run unsplit
//! ([`in_split`]), so the two levels of parallelism never compete for the same cores.

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

/// Runs `f(range)` for contiguous ranges covering `0..len`: one range per thread of the pool
/// when `len ≥ min_len` (and more than one thread is configured), else `f(0..len)` here.
/// For elementwise updates of long vectors (optimiser steps); allocates nothing.
pub(crate) fn for_each_range(
    len: usize,
    min_len: usize,
    f: &(dyn Fn(std::ops::Range<usize>) + Sync),
) {
    let parts = if len >= min_len { available_parts() } else { 1 };
    if parts <= 1 {
        f(0..len);
        return;
    }
    run_parts(parts, &|t| {
        let (start, end) = (t * len / parts, (t + 1) * len / parts);
        if start < end {
            f(start..end);
        }
    });
}

/// A mutable slice handed out in disjoint pieces to the threads of [`for_each_range`].
pub(crate) struct DisjointMut<'a, T> {
    ptr: *mut T,
    len: usize,
    _borrow: std::marker::PhantomData<&'a mut [T]>,
}

// SAFETY: pieces handed out through `piece` never overlap (its contract), so sending the
// pointer to other threads is like sending disjoint `&mut [T]`.
unsafe impl<T: Send> Sync for DisjointMut<'_, T> {}

impl<'a, T> DisjointMut<'a, T> {
    /// Borrows `slice` for the duration of the parallel work.
    pub(crate) fn new(slice: &'a mut [T]) -> Self {
        DisjointMut {
            ptr: slice.as_mut_ptr(),
            len: slice.len(),
            _borrow: std::marker::PhantomData,
        }
    }

    /// The elements `range`.
    ///
    /// # Safety
    /// No two live pieces may overlap, and `range` must lie within the slice.
    #[allow(clippy::mut_from_ref)]
    pub(crate) unsafe fn piece(&self, range: std::ops::Range<usize>) -> &mut [T] {
        assert!(
            range.start <= range.end && range.end <= self.len,
            "piece out of range"
        );
        // SAFETY: in bounds (checked) and disjoint from every other live piece (contract).
        unsafe {
            std::slice::from_raw_parts_mut(self.ptr.add(range.start), range.end - range.start)
        }
    }
}
