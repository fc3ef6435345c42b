//! Portable microkernel: the same `MR × NR` register-tile contract as the SIMD kernels,
//! written as plain loops (the compiler vectorises what it can for the baseline target).

use super::driver::{Element, Kernel, store};
use super::raw::{RawMat, RawMatMut};

/// `C[0..MR, 0..NR] ← α·(Ā·B̄) + β·C` for one packed `MR × kc` panel `a` and one `kc × NR`
/// panel `b`. Each product is accumulated as `acc + a·b` (two roundings).
///
/// # Safety
/// The contract of [`Kernel::tile`].
#[inline(always)]
pub(super) unsafe fn kernel<T: Element, const MR: usize, const NR: usize>(
    kc: usize,
    alpha: T,
    a: *const T,
    b: RawMat<T>,
    beta: T,
    c: RawMatMut<T>,
) {
    let ((b, b_rs, b_cs), (c, rsc, csc)) = ((b.ptr, b.rs, b.cs), (c.ptr, c.rs, c.cs));
    let mut acc = [[T::ZERO; MR]; NR];
    for p in 0..kc {
        // SAFETY: `p < kc`, so the `MR` values at `a + p·MR` and row `p` of the B panel lie
        // inside the panels (caller's contract).
        let (ap, bp) = unsafe { (a.add(p * MR), b.offset(p as isize * b_rs)) };
        for (j, col) in acc.iter_mut().enumerate() {
            // SAFETY: `j < NR`, inside the B panel (see above).
            let bj = unsafe { *bp.offset(j as isize * b_cs) };
            for (i, x) in col.iter_mut().enumerate() {
                // SAFETY: `i < MR`, inside the packed `A` column (see above).
                *x = *x + unsafe { *ap.add(i) } * bj;
            }
        }
    }
    for (j, col) in acc.iter().enumerate() {
        for (i, &x) in col.iter().enumerate() {
            // SAFETY: `(i, j)` lies inside the `MR × NR` tile the caller vouches for.
            unsafe {
                store(
                    alpha,
                    x,
                    beta,
                    c.offset(i as isize * rsc + j as isize * csc),
                );
            }
        }
    }
}

/// Portable `f32` kernel: the AVX2 tile shape (16 × 6), plain loops.
pub(super) struct F32Generic;

impl Kernel for F32Generic {
    type T = f32;
    const MR: usize = 16;
    const NR: usize = 6;
    const KC: usize = 256;
    const MC: usize = 128;
    const NC: usize = 3072;

    #[inline(always)]
    unsafe fn tile(
        kc: usize,
        alpha: f32,
        a: *const f32,
        b: RawMat<f32>,
        beta: f32,
        c: RawMatMut<f32>,
    ) {
        // SAFETY: forwarded contract.
        unsafe { kernel::<f32, { Self::MR }, { Self::NR }>(kc, alpha, a, b, beta, c) }
    }
}

/// Portable `f64` kernel: 8 × 6 tiles, plain loops.
pub(super) struct F64Generic;

impl Kernel for F64Generic {
    type T = f64;
    const MR: usize = 8;
    const NR: usize = 6;
    const KC: usize = 256;
    const MC: usize = 64;
    const NC: usize = 1536;

    #[inline(always)]
    unsafe fn tile(
        kc: usize,
        alpha: f64,
        a: *const f64,
        b: RawMat<f64>,
        beta: f64,
        c: RawMatMut<f64>,
    ) {
        // SAFETY: forwarded contract.
        unsafe { kernel::<f64, { Self::MR }, { Self::NR }>(kc, alpha, a, b, beta, c) }
    }
}
