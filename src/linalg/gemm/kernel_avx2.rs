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

use super::driver::{Kernel, gemm_serial, pack, store};
use super::raw::{Product, RawMat, RawMatMut};
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
        unsafe fn $name(
            kc: usize,
            alpha: $t,
            a: *const $t,
            b: RawMat<$t>,
            beta: $t,
            c: RawMatMut<$t>,
        ) {
            let ((b, b_rs, b_cs), (c, rsc, csc)) = ((b.ptr, b.rs, b.cs), (c.ptr, c.rs, c.cs));
            const L: usize = $lanes;
            const MR: usize = 2 * L;
            const NR: usize = 6;
            let mut acc = [[$zero(); 2]; NR];
            let mut ap = a;
            // One step of `k`: the column of Ā at `ap` times the row of B̄ whose element `j`
            // is at `$b!(j)`.
            macro_rules! step {
                ($b:ident) => {
                    let a0 = $loadu(ap);
                    let a1 = $loadu(ap.add(L));
                    macro_rules! col {
                        ($j:expr) => {
                            let bj = $set1(*$b!($j));
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
                };
            }
            if b_rs == NR as isize && b_cs == 1 {
                let mut bp = b;
                macro_rules! packed {
                    ($j:expr) => {
                        bp.add($j)
                    };
                }
                for _ in 0..kc {
                    // SAFETY: the loop runs `kc` times and advances by one packed column of
                    // Ā (`MR` values) and one packed row of B̄ (`NR` values): all reads stay
                    // in the panels the caller vouches for.
                    unsafe {
                        step!(packed);
                        bp = bp.add(NR);
                    }
                }
            } else {
                let mut bp = b;
                let o = [0, b_cs, 2 * b_cs, 3 * b_cs, 4 * b_cs, 5 * b_cs];
                macro_rules! direct {
                    ($j:expr) => {
                        bp.offset(o[$j])
                    };
                }
                for _ in 0..kc {
                    // SAFETY: as above for Ā; B is read at `(p, j)` = `b + p·b_rs + j·b_cs`
                    // with `p < kc`, `j < NR`, inside the `kc × NR` panel the caller vouches
                    // for.
                    unsafe {
                        step!(direct);
                        bp = bp.offset(b_rs);
                    }
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

/// Packs a full `mr`-row panel (`mr` a multiple of 8) of a row-major A (`src` row `i` at
/// `src + i·rsa`, contiguous along `k`) into `dst[p·mr + i]`, transposing 8 × 8 blocks in
/// registers.
///
/// # Safety
/// `src` addresses `mr` rows of `kc` contiguous elements each; `dst` is valid for `mr·kc`
/// writes; the CPU supports AVX2.
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn pack_rows_f32(
    mr: usize,
    kc: usize,
    src: *const f32,
    rsa: isize,
    dst: *mut f32,
) {
    debug_assert!(mr.is_multiple_of(8));
    let mut p = 0;
    while p + 8 <= kc {
        for half in 0..mr / 8 {
            // SAFETY: rows `8·half .. 8·half + 8` ≤ mr and columns `p .. p + 8` ≤ kc are in
            // the source panel; the stores go to `dst[(p + t)·mr + 8·half ..][..8]`, t < 8.
            unsafe {
                let r =
                    |i: usize| _mm256_loadu_ps(src.offset((8 * half + i) as isize * rsa).add(p));
                let (r0, r1, r2, r3) = (r(0), r(1), r(2), r(3));
                let (r4, r5, r6, r7) = (r(4), r(5), r(6), r(7));
                let (t0, t1) = (_mm256_unpacklo_ps(r0, r1), _mm256_unpackhi_ps(r0, r1));
                let (t2, t3) = (_mm256_unpacklo_ps(r2, r3), _mm256_unpackhi_ps(r2, r3));
                let (t4, t5) = (_mm256_unpacklo_ps(r4, r5), _mm256_unpackhi_ps(r4, r5));
                let (t6, t7) = (_mm256_unpacklo_ps(r6, r7), _mm256_unpackhi_ps(r6, r7));
                let u0 = _mm256_shuffle_ps::<0x44>(t0, t2);
                let u1 = _mm256_shuffle_ps::<0xEE>(t0, t2);
                let u2 = _mm256_shuffle_ps::<0x44>(t1, t3);
                let u3 = _mm256_shuffle_ps::<0xEE>(t1, t3);
                let u4 = _mm256_shuffle_ps::<0x44>(t4, t6);
                let u5 = _mm256_shuffle_ps::<0xEE>(t4, t6);
                let u6 = _mm256_shuffle_ps::<0x44>(t5, t7);
                let u7 = _mm256_shuffle_ps::<0xEE>(t5, t7);
                let d = dst.add(p * mr + 8 * half);
                _mm256_storeu_ps(d, _mm256_permute2f128_ps::<0x20>(u0, u4));
                _mm256_storeu_ps(d.add(mr), _mm256_permute2f128_ps::<0x20>(u1, u5));
                _mm256_storeu_ps(d.add(2 * mr), _mm256_permute2f128_ps::<0x20>(u2, u6));
                _mm256_storeu_ps(d.add(3 * mr), _mm256_permute2f128_ps::<0x20>(u3, u7));
                _mm256_storeu_ps(d.add(4 * mr), _mm256_permute2f128_ps::<0x31>(u0, u4));
                _mm256_storeu_ps(d.add(5 * mr), _mm256_permute2f128_ps::<0x31>(u1, u5));
                _mm256_storeu_ps(d.add(6 * mr), _mm256_permute2f128_ps::<0x31>(u2, u6));
                _mm256_storeu_ps(d.add(7 * mr), _mm256_permute2f128_ps::<0x31>(u3, u7));
            }
        }
        p += 8;
    }
    for p in p..kc {
        for i in 0..mr {
            // SAFETY: `i < mr`, `p < kc`: inside the source panel and `dst`.
            unsafe { *dst.add(p * mr + i) = *src.offset(i as isize * rsa).add(p) };
        }
    }
}

/// Packs a full `mr`-row panel (`mr` a multiple of 4) of a row-major A into
/// `dst[p·mr + i]`, transposing 4 × 4 blocks in registers.
///
/// # Safety
/// As for [`pack_rows_f32`], with `f64`.
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn pack_rows_f64(
    mr: usize,
    kc: usize,
    src: *const f64,
    rsa: isize,
    dst: *mut f64,
) {
    debug_assert!(mr.is_multiple_of(4));
    let mut p = 0;
    while p + 4 <= kc {
        for half in 0..mr / 4 {
            // SAFETY: rows `4·half .. 4·half + 4` ≤ mr and columns `p .. p + 4` ≤ kc are in
            // the source panel; the stores go to `dst[(p + t)·mr + 4·half ..][..4]`, t < 4.
            unsafe {
                let r =
                    |i: usize| _mm256_loadu_pd(src.offset((4 * half + i) as isize * rsa).add(p));
                let (r0, r1, r2, r3) = (r(0), r(1), r(2), r(3));
                let (t0, t1) = (_mm256_unpacklo_pd(r0, r1), _mm256_unpackhi_pd(r0, r1));
                let (t2, t3) = (_mm256_unpacklo_pd(r2, r3), _mm256_unpackhi_pd(r2, r3));
                let d = dst.add(p * mr + 4 * half);
                _mm256_storeu_pd(d, _mm256_permute2f128_pd::<0x20>(t0, t2));
                _mm256_storeu_pd(d.add(mr), _mm256_permute2f128_pd::<0x20>(t1, t3));
                _mm256_storeu_pd(d.add(2 * mr), _mm256_permute2f128_pd::<0x31>(t0, t2));
                _mm256_storeu_pd(d.add(3 * mr), _mm256_permute2f128_pd::<0x31>(t1, t3));
            }
        }
        p += 4;
    }
    for p in p..kc {
        for i in 0..mr {
            // SAFETY: `i < mr`, `p < kc`: inside the source panel and `dst`.
            unsafe { *dst.add(p * mr + i) = *src.offset(i as isize * rsa).add(p) };
        }
    }
}

/// Generates [`Kernel::pack_a`] for an AVX2 or AVX-512 kernel: full panels of a row-major A
/// (`csa = 1`) through the register transpose `$rows`, everything else through the portable
/// [`pack`].
macro_rules! avx_pack_a {
    ($t:ty, $mr:expr, $rows:ident) => {
        #[inline(always)]
        unsafe fn pack_a(mc: usize, kc: usize, a: *const $t, rsa: isize, csa: isize, dst: *mut $t) {
            if csa != 1 {
                // SAFETY: forwarded contract.
                unsafe { pack($mr, mc, kc, a, rsa, csa, dst) };
                return;
            }
            let full = mc / $mr * $mr;
            let mut i0 = 0;
            while i0 < full {
                // SAFETY: rows `i0 .. i0 + MR` ≤ mc of the block and panel `i0/MR` of `dst`
                // (caller's contract); only reached on AVX2 CPUs (through the `sgemm`/`dgemm`
                // of this module or of `kernel_avx512`).
                unsafe { $rows($mr, kc, a.offset(i0 as isize * rsa), rsa, dst.add(i0 * kc)) };
                i0 += $mr;
            }
            if full < mc {
                // SAFETY: the remaining `mc − full < MR` rows and the last panel of `dst`.
                unsafe {
                    pack(
                        $mr,
                        mc - full,
                        kc,
                        a.offset(full as isize * rsa),
                        rsa,
                        1,
                        dst.add(full * kc),
                    )
                };
            }
        }
    };
}
pub(super) use avx_pack_a;

/// `f32` AVX2 kernel: 16 × 6 tiles.
pub(super) struct F32Avx2;

impl Kernel for F32Avx2 {
    type T = f32;
    const MR: usize = 16;
    const NR: usize = 6;
    const KC: usize = 256;
    const FUSED: bool = true;
    const MC: usize = 128;
    const NC: usize = 3072;

    avx_pack_a!(f32, 16, pack_rows_f32);

    #[inline(always)]
    unsafe fn tile(
        kc: usize,
        alpha: f32,
        a: *const f32,
        b: RawMat<f32>,
        beta: f32,
        c: RawMatMut<f32>,
    ) {
        // SAFETY: forwarded contract; this kernel is only reached through `sgemm`, which
        // runs only on CPUs with AVX2 and FMA.
        unsafe { tile_f32(kc, alpha, a, b, beta, c) }
    }
}

/// `f64` AVX2 kernel: 8 × 6 tiles.
pub(super) struct F64Avx2;

impl Kernel for F64Avx2 {
    type T = f64;
    const MR: usize = 8;
    const NR: usize = 6;
    const KC: usize = 256;
    const FUSED: bool = true;
    const MC: usize = 64;
    const NC: usize = 1536;

    avx_pack_a!(f64, 8, pack_rows_f64);

    #[inline(always)]
    unsafe fn tile(
        kc: usize,
        alpha: f64,
        a: *const f64,
        b: RawMat<f64>,
        beta: f64,
        c: RawMatMut<f64>,
    ) {
        // SAFETY: as for `F32Avx2::tile`, through `dgemm`.
        unsafe { tile_f64(kc, alpha, a, b, beta, c) }
    }
}

/// Single-threaded `f32` GEMM compiled for AVX2 + FMA.
///
/// # Safety
/// The contract of [`super::gemm`] with `m, n, k > 0`, and the CPU supports AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn sgemm(p: Product<f32>) {
    // SAFETY: forwarded contract.
    unsafe { gemm_serial::<F32Avx2>(p) }
}

/// Single-threaded `f64` GEMM compiled for AVX2 + FMA.
///
/// # Safety
/// As for [`sgemm`].
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn dgemm(p: Product<f64>) {
    // SAFETY: forwarded contract.
    unsafe { gemm_serial::<F64Avx2>(p) }
}
