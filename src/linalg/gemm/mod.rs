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
//! accumulators. A column-major `B` (unit row stride, e.g. a batch `X`) is not packed but
//! read in place by the microkernel, which is faster for the small `m` of a network layer.
//! Row-major `A` is packed with in-register transposes. Panels are zero-padded, so partial
//! tiles run the same kernel (into a stack tile merged with the same arithmetic, or, on
//! AVX-512, through masked stores).
//!
//! # Kernel families
//! Chosen once per process ([`dispatch`], [`GemmKernel`], `DEEPMULTINET_KERNEL`):
//! - AVX-512F ([`kernel_avx512`]): `f32` 32 × 8, `f64` 16 × 8 (sixteen `zmm` accumulators;
//!   why not more: see the kernel's docs);
//! - AVX2 + FMA ([`kernel_avx2`]): `f32` 16 × 6, `f64` 8 × 6 (twelve `ymm` accumulators);
//! - portable ([`kernel_generic`]): the AVX2 shapes as plain loops.
//!
//! Before blocking, a row-major-like `C` (`|csc| < |rsc|`) is handled as `Cᵀ = Bᵀ·Aᵀ`, so the
//! microkernel writes contiguous columns; `k = 0` or `α = 0` only scales `C` by `β` (A and B
//! are not read, as in BLAS).
//!
//! # Threads
//! A product with `m·k·n ≥ 2¹⁶` is split across [`num_threads`](super::pool::num_threads)
//! threads (the caller and workers of a persistent pool, [`pool`](super::pool)): C is cut
//! into tile-aligned row ranges (each thread packs only its rows of A; chosen when B is read
//! in place or is the smaller operand) or column ranges (each thread packs all of A), two
//! chunks per thread, claimed dynamically. Nothing is allocated per call. Inside a part of a
//! split batch ([`par::in_split`](super::par::in_split)) a product runs on its thread alone.
//!
//! # Determinism
//! Every element of `C` is `Σ_p A[i,p]·B[p,j]`, accumulated in increasing `p` within each
//! `kc` block (one FMA per term on AVX2 and AVX-512), the blocks combined in increasing
//! order; `kc` depends on `k` only (`KC = 256` for every kernel), and `α·x + β·c` is rounded
//! the same way everywhere ([`driver::store`]). The result is therefore the same bits
//! whatever the position of the element in its tile, the tile shape, the split of `m` and
//! `n` into blocks or chunks, or the number of threads (`tests/gemm_threads.rs` checks 1–4
//! threads bit for bit). Hence the AVX-512 and AVX2 kernels give identical results (tested
//! on every layout and edge shape); the portable kernels round differently (multiply, then
//! add: two roundings per term), so they differ in the last bits. One process always uses
//! one family.

mod buffer;
mod dispatch;
mod driver;
#[cfg(target_arch = "x86_64")]
mod kernel_avx2;
#[cfg(target_arch = "x86_64")]
mod kernel_avx512;
mod kernel_generic;
mod raw;
#[cfg(test)]
mod tests;

use super::pool;
use std::sync::atomic::{AtomicUsize, Ordering};

pub use dispatch::{GemmKernel, gemm_kernel, gemm_kernel_checked};
pub(crate) use driver::Element;
pub(crate) use raw::{Product, RawMat, RawMatMut};

/// `C ← α·A·B + β·C` (see [`Product`]); strides in elements. When `β = 0`, `C` is not read
/// (it may hold NaN); when `k = 0` or `α = 0`, `A` and `B` are not read.
///
/// # Safety
/// `p.a` must address an `m × k` matrix, `p.b` a `k × n` matrix, and `p.c` an `m × n`
/// matrix whose elements are pairwise distinct and which does not overlap `a` or `b`.
pub(crate) unsafe fn gemm<T: Element>(p: Product<T>) {
    let threads = if super::par::in_split() {
        1
    } else {
        pool::num_threads()
    };
    // SAFETY: forwarded contract.
    unsafe { gemm_with(T::serial, threads, p) }
}

/// A single-threaded blocked GEMM for `m, n, k > 0` (one kernel family).
pub(crate) type SerialFn<T> = unsafe fn(Product<T>);

/// [`gemm`] with the single-threaded kernel family `serial` (tests pass the portable one),
/// split across up to `threads` threads.
///
/// # Safety
/// The contract of [`gemm`].
pub(crate) unsafe fn gemm_with<T: Element>(serial: SerialFn<T>, threads: usize, p: Product<T>) {
    if p.m == 0 || p.n == 0 {
        return;
    }
    if p.c.cs.unsigned_abs() < p.c.rs.unsigned_abs() {
        // C row-major-like: compute Cᵀ (n × m, column-major-like) = Bᵀ·Aᵀ. Each element is
        // the same sum of the same products in the same order.
        // SAFETY: the transposed views address exactly the same elements.
        unsafe { gemm_with(serial, threads, p.transposed()) };
        return;
    }
    if p.k == 0 || p.alpha == T::ZERO {
        // SAFETY: `c` addresses an `m × n` matrix (caller).
        unsafe { scale(p.m, p.n, p.beta, p.c) };
        return;
    }
    let task = Task {
        serial,
        p,
        tile: T::tile(),
        split: Split::Rows,
        tiles: 0,
        chunks: 0,
        next: AtomicUsize::new(0),
    };
    if let Some(task) = task.plan(threads) {
        let data = (&raw const task).cast::<()>();
        let threads = threads.min(task.chunks);
        // SAFETY: `run_part` reads the task (alive until `pool::run` returns) and each chunk,
        // claimed by exactly one thread, covers a disjoint row or column range of C.
        if unsafe { pool::run(threads, run_part::<T>, data) } {
            return;
        }
    }
    // SAFETY: forwarded contract, `m, n, k > 0`.
    unsafe { serial(p) }
}

/// Smallest `m·k·n` worth splitting across threads: below it (≈ 4 MFLOP, some 30 µs on one
/// core), handing half to a worker saves less than the hand-off risks — measured on
/// Nielsen's 784-30-10 at batch 10, whose split products made an epoch no faster on an idle
/// machine and 1.4–1.6× slower beside a busy process.
const PARALLEL_MIN_MKN: usize = 1 << 21;

/// Smallest `m·k` of a matrix-vector product (`n = 1`) worth splitting: it reads A once
/// without packing (a 128 × 784 `W·x` takes a few microseconds on one core, about what a
/// hand-off to a worker costs).
const PARALLEL_MIN_GEMV: usize = 1 << 20;

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
    p: Product<T>,
    /// The register tile `(MR, NR)` of the process's kernel: chunks are cut at multiples.
    tile: (usize, usize),
    split: Split,
    /// Register tiles along the split dimension.
    tiles: usize,
    /// Number of tile-aligned chunks the split dimension is cut into.
    chunks: usize,
    /// Next chunk to claim: threads take chunks dynamically, so a thread delayed by the OS
    /// (a shared machine) leaves its share to the others instead of stalling the call.
    next: AtomicUsize,
}

impl<T: Element> Task<T> {
    /// Chooses the split for `threads` threads, or `None` to stay single-threaded.
    ///
    /// Splitting columns makes every thread pack all of A (`m·k` extra work); splitting rows
    /// makes every thread pack all of B (`k·n`) unless B is column-major and read in place
    /// (then nothing). The cheaper split with enough tiles for every thread wins.
    fn plan(mut self, threads: usize) -> Option<Self> {
        let Product { m, k, n, b, .. } = self.p;
        if threads < 2 || m.saturating_mul(n).saturating_mul(k) < PARALLEL_MIN_MKN {
            return None;
        }
        if n == 1 && m.saturating_mul(k) < PARALLEL_MIN_GEMV {
            return None; // a matrix-vector product this small is done before a worker wakes
        }
        let row_tiles = m.div_ceil(self.tile.0);
        let col_tiles = n.div_ceil(self.tile.1);
        let b_in_place = b.rs == 1 && b.cs != 0;
        let rows_cost = if b_in_place { 0 } else { k * n };
        let cols_cost = m * k;
        let rows_ok = row_tiles >= 2;
        let cols_ok = col_tiles >= 2;
        (self.split, self.tiles) = match (rows_ok, cols_ok) {
            (true, true) if rows_cost <= cols_cost => (Split::Rows, row_tiles),
            (true, false) => (Split::Rows, row_tiles),
            (_, true) => (Split::Cols, col_tiles),
            (false, false) => return None,
        };
        self.chunks = self
            .tiles
            .min(CHUNKS_PER_THREAD * threads.min(pool::MAX_THREADS));
        Some(self)
    }
}

/// Chunks per thread in a parallel GEMM: enough to rebalance when one thread is delayed,
/// few enough that each chunk keeps several register tiles (reuse of the packed panels).
const CHUNKS_PER_THREAD: usize = 2;

/// One thread's share of the task at `data`: claims and computes chunks until none is left.
///
/// # Safety
/// `data` points to a live `Task<T>` satisfying [`gemm`]'s contract, made by `Task::plan`.
unsafe fn run_part<T: Element>(data: *const (), _part: usize, _parts: usize) {
    // SAFETY: caller's contract.
    let t = unsafe { &*data.cast::<Task<T>>() };
    loop {
        let chunk = t.next.fetch_add(1, Ordering::Relaxed);
        if chunk >= t.chunks {
            return;
        }
        // SAFETY: caller's contract; `chunk` was claimed by this thread only.
        unsafe { run_chunk(t, chunk) };
    }
}

/// Computes chunk `chunk` of the task: a contiguous, tile-aligned range of C's rows or
/// columns.
///
/// # Safety
/// `t` satisfies [`gemm`]'s contract and `chunk < t.chunks` is computed by no other thread.
unsafe fn run_chunk<T: Element>(t: &Task<T>, chunk: usize) {
    let (lo, hi) = (t.tiles * chunk / t.chunks, t.tiles * (chunk + 1) / t.chunks);
    // SAFETY: the range `[lo, hi)` of tiles is inside the split dimension (clamped to its
    // length), so the offset sub-matrices of A, B and C are inside the originals, and
    // distinct chunks write disjoint parts of C.
    unsafe {
        match t.split {
            Split::Rows => {
                let (r0, r1) = (lo * t.tile.0, (hi * t.tile.0).min(t.p.m));
                if r0 < r1 {
                    (t.serial)(t.p.rows(r0, r1));
                }
            }
            Split::Cols => {
                let (c0, c1) = (lo * t.tile.1, (hi * t.tile.1).min(t.p.n));
                if c0 < c1 {
                    (t.serial)(t.p.cols(c0, c1));
                }
            }
        }
    }
}

/// `C ← β·C` (`C ← 0` without reading `C` when `β = 0`).
///
/// # Safety
/// `c` addresses a valid `m × n` matrix.
unsafe fn scale<T: Element>(m: usize, n: usize, beta: T, c: RawMatMut<T>) {
    for j in 0..n {
        for i in 0..m {
            // SAFETY: `(i, j)` lies inside C.
            unsafe {
                let cp = c.ptr.offset(i as isize * c.rs + j as isize * c.cs);
                *cp = if beta == T::ZERO { T::ZERO } else { beta * *cp };
            }
        }
    }
}
