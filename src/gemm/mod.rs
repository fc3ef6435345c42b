//! The crate's own GEMM, `C ← α·A·B + β·C` for `f32` and `f64` on arbitrarily strided
//! matrices, allocation-free after warm-up.
//!
//! # Why our own
//! `matrixmultiply` allocates its packing buffer on every call, so a training step that calls
//! it cannot be allocation-free. This module keeps its packing buffers in thread-local storage
//! ([`buffer`]) that grows to the largest problem seen and is then reused.
//!
//! # Scheme (BLIS / GotoBLAS)
//! See [`driver`] for the loop nest. In short: `B` is packed `kc × nc` at a time into
//! `NR`-column panels (`kc × NR` each, the panel the microkernel keeps in L1), `A` is packed
//! `mc × kc` at a time into `MR`-row panels (the block that stays in L2), and a register-tile
//! microkernel computes each `MR × NR` tile of `C` as `kc` rank-1 updates of SIMD
//! accumulators. Panels are zero-padded, so partial tiles run the same kernel into a stack
//! tile and are merged with the same arithmetic. Tile shapes on x86-64 with AVX2 + FMA
//! ([`kernel_avx2`]): `f32` 16 × 6, `f64` 8 × 6 (twelve `ymm` accumulators); elsewhere the
//! same shapes as plain loops ([`kernel_generic`]). Kernels are chosen once per process
//! ([`dispatch`]).
//!
//! Before blocking, a row-major-like `C` (`|csc| < |rsc|`) is handled as `Cᵀ = Bᵀ·Aᵀ`, so the
//! microkernel writes contiguous columns; `k = 0` or `α = 0` only scales `C` by `β` (A and B
//! are not read, as in BLAS).
//!
//! # Determinism
//! Every element of `C` is `Σ_p A[i,p]·B[p,j]`, accumulated in increasing `p` within each
//! `kc` block (one FMA per term on AVX2), the blocks combined in increasing order; `kc`
//! depends on `k` only. The result is therefore the same bits whatever the position of the
//! element in its tile, the split of `m` and `n` into blocks, or the number of threads.

mod buffer;
mod dispatch;
mod driver;
#[cfg(target_arch = "x86_64")]
mod kernel_avx2;
mod kernel_generic;
mod pool;
#[cfg(test)]
mod tests;

pub use pool::{num_threads, set_num_threads};

pub(crate) use driver::Element;

/// `C ← α·A·B + β·C` with `A` `m × k`, `B` `k × n`, `C` `m × n`; strides in elements.
/// When `β = 0`, `C` is not read (it may hold NaN); when `k = 0` or `α = 0`, `A` and `B`
/// are not read.
///
/// # Safety
/// `a` must address an `m × k` matrix with strides `(rsa, csa)`, `b` a `k × n` matrix with
/// strides `(rsb, csb)`, and `c` an `m × n` matrix with strides `(rsc, csc)` whose elements
/// are pairwise distinct and which does not overlap `a` or `b`.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn gemm<T: Element>(
    m: usize,
    k: usize,
    n: usize,
    alpha: T,
    a: *const T,
    rsa: isize,
    csa: isize,
    b: *const T,
    rsb: isize,
    csb: isize,
    beta: T,
    c: *mut T,
    rsc: isize,
    csc: isize,
) {
    // SAFETY: forwarded contract.
    unsafe {
        gemm_with(
            T::serial,
            num_threads(),
            m,
            k,
            n,
            alpha,
            a,
            rsa,
            csa,
            b,
            rsb,
            csb,
            beta,
            c,
            rsc,
            csc,
        )
    }
}

/// A single-threaded blocked GEMM for `m, n, k > 0` (one kernel family).
pub(crate) type SerialFn<T> = unsafe fn(
    usize,
    usize,
    usize,
    T,
    *const T,
    isize,
    isize,
    *const T,
    isize,
    isize,
    T,
    *mut T,
    isize,
    isize,
);

/// [`gemm`] with the single-threaded kernel family `serial` (tests pass the portable one),
/// split across up to `threads` threads.
///
/// # Safety
/// The contract of [`gemm`].
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn gemm_with<T: Element>(
    serial: SerialFn<T>,
    threads: usize,
    m: usize,
    k: usize,
    n: usize,
    alpha: T,
    a: *const T,
    rsa: isize,
    csa: isize,
    b: *const T,
    rsb: isize,
    csb: isize,
    beta: T,
    c: *mut T,
    rsc: isize,
    csc: isize,
) {
    if m == 0 || n == 0 {
        return;
    }
    if csc.unsigned_abs() < rsc.unsigned_abs() {
        // C row-major-like: compute Cᵀ (n × m, column-major-like) = Bᵀ·Aᵀ. Each element is
        // the same sum of the same products in the same order.
        // SAFETY: the transposed views address exactly the same elements.
        unsafe {
            gemm_with(
                serial, threads, n, k, m, alpha, b, csb, rsb, a, csa, rsa, beta, c, csc, rsc,
            )
        };
        return;
    }
    if k == 0 || alpha == T::ZERO {
        // SAFETY: `c` addresses an `m × n` matrix (caller).
        unsafe { scale(m, n, beta, c, rsc, csc) };
        return;
    }
    let task = Task {
        serial,
        m,
        k,
        n,
        alpha,
        a,
        rsa,
        csa,
        b,
        rsb,
        csb,
        beta,
        c,
        rsc,
        csc,
        split: Split::Rows,
        tiles: 0,
    };
    if let Some(task) = task.plan(threads) {
        let data = (&raw const task).cast::<()>();
        // SAFETY: `run_part` reads the task (alive until `pool::run` returns) and computes
        // disjoint row or column ranges of C for distinct parts.
        if unsafe { pool::run(task.parts(threads), run_part::<T>, data) } {
            return;
        }
    }
    // SAFETY: forwarded contract, `m, n, k > 0`.
    unsafe { serial(m, k, n, alpha, a, rsa, csa, b, rsb, csb, beta, c, rsc, csc) }
}

/// Smallest `m·k·n` worth splitting across threads: below it, waking a worker (several
/// microseconds) costs more than it saves.
const PARALLEL_MIN_MKN: usize = 1 << 18;

/// Which dimension of C a parallel GEMM splits.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Split {
    /// Row ranges (multiples of `MR`): each thread packs its rows of A.
    Rows,
    /// Column ranges (multiples of `NR`): each thread packs all of A.
    Cols,
}

/// A GEMM and how it is split: what each thread of a parallel call reads.
struct Task<T: Element> {
    serial: SerialFn<T>,
    m: usize,
    k: usize,
    n: usize,
    alpha: T,
    a: *const T,
    rsa: isize,
    csa: isize,
    b: *const T,
    rsb: isize,
    csb: isize,
    beta: T,
    c: *mut T,
    rsc: isize,
    csc: isize,
    split: Split,
    /// Register tiles along the split dimension.
    tiles: usize,
}

impl<T: Element> Task<T> {
    /// Chooses the split for `threads` threads, or `None` to stay single-threaded.
    ///
    /// Splitting columns makes every thread pack all of A (`m·k` extra work); splitting rows
    /// makes every thread pack all of B (`k·n`) unless B is column-major and read in place
    /// (then nothing). The cheaper split with enough tiles for every thread wins.
    fn plan(mut self, threads: usize) -> Option<Self> {
        if threads < 2 || self.m.saturating_mul(self.n).saturating_mul(self.k) < PARALLEL_MIN_MKN {
            return None;
        }
        let row_tiles = self.m.div_ceil(T::MR);
        let col_tiles = self.n.div_ceil(T::NR);
        let b_in_place = self.rsb == 1 && self.csb != 0;
        let rows_cost = if b_in_place { 0 } else { self.k * self.n };
        let cols_cost = self.m * self.k;
        let rows_ok = row_tiles >= 2;
        let cols_ok = col_tiles >= 2;
        (self.split, self.tiles) = match (rows_ok, cols_ok) {
            (true, true) if rows_cost <= cols_cost => (Split::Rows, row_tiles),
            (true, false) => (Split::Rows, row_tiles),
            (_, true) => (Split::Cols, col_tiles),
            (false, false) => return None,
        };
        Some(self)
    }

    /// Number of parts for `threads` threads (at most one tile each).
    fn parts(&self, threads: usize) -> usize {
        threads.min(self.tiles).min(pool::MAX_THREADS)
    }
}

/// Computes part `part` of `parts` of the task at `data`: a contiguous, tile-aligned range
/// of C's rows or columns.
///
/// # Safety
/// `data` points to a live `Task<T>` satisfying [`gemm`]'s contract, made by `Task::plan`.
unsafe fn run_part<T: Element>(data: *const (), part: usize, parts: usize) {
    // SAFETY: caller's contract.
    let t = unsafe { &*data.cast::<Task<T>>() };
    let (lo, hi) = (t.tiles * part / parts, t.tiles * (part + 1) / parts);
    // SAFETY: the range `[lo, hi)` of tiles is inside the split dimension (clamped to its
    // length), so the offset sub-matrices of A, B and C are inside the originals, and
    // distinct parts write disjoint parts of C.
    unsafe {
        match t.split {
            Split::Rows => {
                let (r0, r1) = (lo * T::MR, (hi * T::MR).min(t.m));
                if r0 < r1 {
                    (t.serial)(
                        r1 - r0,
                        t.k,
                        t.n,
                        t.alpha,
                        t.a.offset(r0 as isize * t.rsa),
                        t.rsa,
                        t.csa,
                        t.b,
                        t.rsb,
                        t.csb,
                        t.beta,
                        t.c.offset(r0 as isize * t.rsc),
                        t.rsc,
                        t.csc,
                    );
                }
            }
            Split::Cols => {
                let (c0, c1) = (lo * T::NR, (hi * T::NR).min(t.n));
                if c0 < c1 {
                    (t.serial)(
                        t.m,
                        t.k,
                        c1 - c0,
                        t.alpha,
                        t.a,
                        t.rsa,
                        t.csa,
                        t.b.offset(c0 as isize * t.csb),
                        t.rsb,
                        t.csb,
                        t.beta,
                        t.c.offset(c0 as isize * t.csc),
                        t.rsc,
                        t.csc,
                    );
                }
            }
        }
    }
}

/// `C ← β·C` (`C ← 0` without reading `C` when `β = 0`).
///
/// # Safety
/// `c` addresses a valid `m × n` matrix with strides `(rsc, csc)`.
unsafe fn scale<T: Element>(m: usize, n: usize, beta: T, c: *mut T, rsc: isize, csc: isize) {
    for j in 0..n {
        for i in 0..m {
            // SAFETY: `(i, j)` lies inside C.
            unsafe {
                let cp = c.offset(i as isize * rsc + j as isize * csc);
                *cp = if beta == T::ZERO { T::ZERO } else { beta * *cp };
            }
        }
    }
}
