//! x86-64 AVX2 + FMA microkernels: `f32` 16 × 6 and `f64` 8 × 6 register tiles.
//!
//! A tile is two SIMD vectors tall and six columns wide: twelve `ymm` accumulators, two for
//! the current column of Ā and one broadcast of B̄ — 15 of the 16 `ymm` registers. Each step
//! of `k` issues 2 loads, 6 broadcasts and 12 FMAs, enough independent FMAs to cover the
//! 4-cycle FMA latency on both FMA pipes.
//!
//! Everything here runs only after runtime detection of `avx2` and `fma`
//! ([`super::dispatch`]); the whole blocked loop is compiled with those features
//! ([`sgemm`], [`dgemm`]) so packing is vectorised too.

use super::driver::{Kernel, gemm_serial, store};
use std::arch::x86_64::*;

/// Generates a `2·LANES × 6` tile function for one element type.
macro_rules! avx_tile {
    (
        $name:ident, $t:ty, $lanes:expr, $zero:ident, $loadu:ident, $storeu:ident,
        $set1:ident, $fmadd:ident, $mul:ident, $add:ident
    ) => {
        /// One `2·LANES × 6` tile: `C ← α·Ā·B̄ + β·C` (see [`Kernel::tile`]).
        ///
        /// # Safety
        /// The contract of [`Kernel::tile`], and the CPU supports AVX2 and FMA.
        #[target_feature(enable = "avx2,fma")]
        #[allow(clippy::too_many_arguments)]
        unsafe fn $name(
            kc: usize,
            alpha: $t,
            a: *const $t,
            b: *const $t,
            beta: $t,
            c: *mut $t,
            rsc: isize,
            csc: isize,
        ) {
            const L: usize = $lanes;
            const MR: usize = 2 * L;
            const NR: usize = 6;
            let mut acc = [[$zero(); 2]; NR];
            let (mut ap, mut bp) = (a, b);
            for _ in 0..kc {
                // SAFETY: the loop runs `kc` times and advances by one packed column of Ā
                // (`MR` values) and one packed row of B̄ (`NR` values): all reads stay in the
                // panels the caller vouches for.
                unsafe {
                    let a0 = $loadu(ap);
                    let a1 = $loadu(ap.add(L));
                    macro_rules! col {
                        ($j:expr) => {
                            let bj = $set1(*bp.add($j));
                            acc[$j][0] = $fmadd(a0, bj, acc[$j][0]);
                            acc[$j][1] = $fmadd(a1, bj, acc[$j][1]);
                        };
                    }
                    col!(0);
                    col!(1);
                    col!(2);
                    col!(3);
                    col!(4);
                    col!(5);
                    ap = ap.add(MR);
                    bp = bp.add(NR);
                }
            }
            if rsc == 1 {
                let va = $set1(alpha);
                let vb = $set1(beta);
                for (j, col) in acc.iter().enumerate() {
                    // SAFETY: column `j < NR` of the tile holds `MR` contiguous elements at
                    // `c + j·csc` (rsc = 1); `c` is read only when `β ≠ 0`.
                    unsafe {
                        let cp = c.offset(j as isize * csc);
                        let (t0, t1) = ($mul(va, col[0]), $mul(va, col[1]));
                        if beta == 0.0 {
                            $storeu(cp, t0);
                            $storeu(cp.add(L), t1);
                        } else {
                            $storeu(cp, $add(t0, $mul(vb, $loadu(cp))));
                            $storeu(cp.add(L), $add(t1, $mul(vb, $loadu(cp.add(L)))));
                        }
                    }
                }
            } else {
                let mut tmp = [0.0; MR * NR];
                for (j, col) in acc.iter().enumerate() {
                    // SAFETY: `tmp` holds `MR · NR` elements; column `j` starts at `j·MR`.
                    unsafe {
                        $storeu(tmp.as_mut_ptr().add(j * MR), col[0]);
                        $storeu(tmp.as_mut_ptr().add(j * MR + L), col[1]);
                    }
                }
                for j in 0..NR {
                    for i in 0..MR {
                        // SAFETY: `(i, j)` lies in the tile the caller vouches for.
                        unsafe {
                            let cp = c.offset(i as isize * rsc + j as isize * csc);
                            store(alpha, tmp[i + j * MR], beta, cp);
                        }
                    }
                }
            }
        }
    };
}

avx_tile!(
    tile_f32,
    f32,
    8,
    _mm256_setzero_ps,
    _mm256_loadu_ps,
    _mm256_storeu_ps,
    _mm256_set1_ps,
    _mm256_fmadd_ps,
    _mm256_mul_ps,
    _mm256_add_ps
);
avx_tile!(
    tile_f64,
    f64,
    4,
    _mm256_setzero_pd,
    _mm256_loadu_pd,
    _mm256_storeu_pd,
    _mm256_set1_pd,
    _mm256_fmadd_pd,
    _mm256_mul_pd,
    _mm256_add_pd
);

/// `f32` AVX2 kernel: 16 × 6 tiles.
pub(super) struct F32Avx2;

impl Kernel for F32Avx2 {
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
        b: *const f32,
        beta: f32,
        c: *mut f32,
        rsc: isize,
        csc: isize,
    ) {
        // SAFETY: forwarded contract; this kernel is only reached through `sgemm`, which
        // runs only on CPUs with AVX2 and FMA.
        unsafe { tile_f32(kc, alpha, a, b, beta, c, rsc, csc) }
    }
}

/// `f64` AVX2 kernel: 8 × 6 tiles.
pub(super) struct F64Avx2;

impl Kernel for F64Avx2 {
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
        b: *const f64,
        beta: f64,
        c: *mut f64,
        rsc: isize,
        csc: isize,
    ) {
        // SAFETY: as for `F32Avx2::tile`, through `dgemm`.
        unsafe { tile_f64(kc, alpha, a, b, beta, c, rsc, csc) }
    }
}

/// Single-threaded `f32` GEMM compiled for AVX2 + FMA.
///
/// # Safety
/// The contract of [`super::gemm`] with `m, n, k > 0`, and the CPU supports AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
pub(super) unsafe fn sgemm(
    m: usize,
    k: usize,
    n: usize,
    alpha: f32,
    a: *const f32,
    rsa: isize,
    csa: isize,
    b: *const f32,
    rsb: isize,
    csb: isize,
    beta: f32,
    c: *mut f32,
    rsc: isize,
    csc: isize,
) {
    // SAFETY: forwarded contract.
    unsafe { gemm_serial::<F32Avx2>(m, k, n, alpha, a, rsa, csa, b, rsb, csb, beta, c, rsc, csc) }
}

/// Single-threaded `f64` GEMM compiled for AVX2 + FMA.
///
/// # Safety
/// As for [`sgemm`].
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
pub(super) unsafe fn dgemm(
    m: usize,
    k: usize,
    n: usize,
    alpha: f64,
    a: *const f64,
    rsa: isize,
    csa: isize,
    b: *const f64,
    rsb: isize,
    csb: isize,
    beta: f64,
    c: *mut f64,
    rsc: isize,
    csc: isize,
) {
    // SAFETY: forwarded contract.
    unsafe { gemm_serial::<F64Avx2>(m, k, n, alpha, a, rsa, csa, b, rsb, csb, beta, c, rsc, csc) }
}
