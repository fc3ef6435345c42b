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
#[cfg(test)]
mod tests;

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

/// [`gemm`] with the single-threaded kernel family `serial` (tests pass the portable one).
///
/// # Safety
/// The contract of [`gemm`].
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn gemm_with<T: Element>(
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
                serial, n, k, m, alpha, b, csb, rsb, a, csa, rsa, beta, c, csc, rsc,
            )
        };
        return;
    }
    if k == 0 || alpha == T::ZERO {
        // SAFETY: `c` addresses an `m × n` matrix (caller).
        unsafe { scale(m, n, beta, c, rsc, csc) };
        return;
    }
    // SAFETY: forwarded contract, `m, n, k > 0`.
    unsafe { serial(m, k, n, alpha, a, rsa, csa, b, rsb, csb, beta, c, rsc, csc) }
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
