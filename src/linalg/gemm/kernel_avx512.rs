//! x86-64 AVX-512F microkernels: `f32` 32 × 8 and `f64` 16 × 8 register tiles.
//!
//! A tile is `MV` SIMD vectors tall (`MV·16` `f32` or `MV·8` `f64` rows) and `NR` columns
//! wide: `MV·NR` `zmm` accumulators, `MV` registers for the current column of Ā and one
//! broadcast of B̄. Each step of `k` issues `MV` loads, `NR` broadcasts and `MV·NR` FMAs.
//!
//! **Why 2 × 8.** On this crate's machine (AMD EPYC, Zen 4) a 512-bit FMA issues at half
//! the rate of a 256-bit one, so the register peak in FLOP/s is the AVX2 one and a wider
//! tile can only save loads and instructions. Measured (one run, candidates interleaved,
//! best of 25, on the products of a 784-128-64-10 step at batch 64 and 256 and 512³–1024³):
//! 32 × 8 was 0–5 % faster than the AVX2 16 × 6 kernel (up to 30 % on thin and transposed
//! products), 16 × 8 about the same; 32 × 12 and 48 × 8 (24 accumulators) were up to 12 %
//! *slower* than AVX2 on the network's products, and 16 × 16 up to 2× slower once `k ≥ 1024`
//! — with B read in place each column of the tile is one more memory stream. Edge tiles of
//! at most 16 (`f64`: 8) rows compute one vector only (3× faster than a padded 32-row tile
//! on a 10-unit output layer).
//!
//! Everything here runs only after runtime detection of `avx512f` (and `avx2`, `fma`)
//! ([`super::dispatch`]); the whole blocked loop is compiled with those features
//! ([`sgemm`], [`dgemm`]).

use super::dispatch::{F32_512_MR, F32_512_NR, F64_512_MR, F64_512_NR};
use super::driver::{Kernel, gemm_serial, pack, store};
use super::kernel_avx2::{avx_pack_a, pack_rows_f32, pack_rows_f64};
use super::raw::{Product, RawMat, RawMatMut};
use std::arch::x86_64::*;

/// Generates an `(MV·LANES) × NR` tile function for one element type, storing the `mr × nr`
/// part of the tile that exists in `C`.
macro_rules! avx512_tile {
    (
        $name:ident, $finish:ident, $t:ty, $vec:ty, $lanes:expr, $mask:ty, $zero:ident, $loadu:ident,
        $storeu:ident, $maskz_loadu:ident, $mask_storeu:ident, $set1:ident, $fmadd:ident,
        $mul:ident, $add:ident
    ) => {
        /// One `(MV·LANES) × NR` tile: `C ← α·Ā·B̄ + β·C` on its first `mr` rows and `nr`
        /// columns (see [`Kernel::tile`], [`Kernel::tile_edge`]), reading the first
        /// `MV·LANES` rows of an Ā panel packed `a_rows` rows tall (`a_rows ≥ MV·LANES`: a
        /// thin edge tile of a taller kernel computes only the vectors it needs).
        ///
        /// # Safety
        /// The contract of [`Kernel::tile_edge`] (with `mr ≤ MV·LANES`, `nr ≤ NR`) for an Ā
        /// panel of `a_rows · kc` elements, and the CPU supports AVX-512F.
        #[target_feature(enable = "avx512f")]
        #[allow(clippy::too_many_arguments)]
        unsafe fn $name<const MV: usize, const NR: usize>(
            (mr, nr): (usize, usize),
            a_rows: usize,
            kc: usize,
            alpha: $t,
            a: *const $t,
            b: RawMat<$t>,
            beta: $t,
            c: RawMatMut<$t>,
        ) {
            const L: usize = $lanes;
            let (b, b_rs, b_cs) = (b.ptr, b.rs, b.cs);
            debug_assert!(a_rows >= MV * L && mr <= MV * L && nr <= NR);
            let mut acc = [[$zero(); MV]; NR];
            let mut ap = a;
            if b_rs == NR as isize && b_cs == 1 {
                let mut bp = b;
                for _ in 0..kc {
                    // SAFETY: the loop runs `kc` times and advances by one packed column of
                    // Ā (`a_rows` values, of which the first `MV·L` are read) and one packed
                    // row of B̄ (`NR` values): all reads stay in the panels the caller
                    // vouches for.
                    unsafe {
                        let mut av = [$zero(); MV];
                        for (v, x) in av.iter_mut().enumerate() {
                            *x = $loadu(ap.add(v * L));
                        }
                        for (j, col) in acc.iter_mut().enumerate() {
                            let bj = $set1(*bp.add(j));
                            for (x, &y) in col.iter_mut().zip(&av) {
                                *x = $fmadd(y, bj, *x);
                            }
                        }
                        ap = ap.add(a_rows);
                        bp = bp.add(NR);
                    }
                }
            } else {
                let mut bp = b;
                let mut o = [0isize; NR];
                for (j, x) in o.iter_mut().enumerate() {
                    *x = j as isize * b_cs;
                }
                for _ in 0..kc {
                    // SAFETY: as above for Ā; B is read at `(p, j)` = `b + p·b_rs + j·b_cs`
                    // with `p < kc`, `j < NR`, inside the `kc × NR` panel the caller vouches
                    // for.
                    unsafe {
                        let mut av = [$zero(); MV];
                        for (v, x) in av.iter_mut().enumerate() {
                            *x = $loadu(ap.add(v * L));
                        }
                        for (col, &oj) in acc.iter_mut().zip(&o) {
                            let bj = $set1(*bp.offset(oj));
                            for (x, &y) in col.iter_mut().zip(&av) {
                                *x = $fmadd(y, bj, *x);
                            }
                        }
                        ap = ap.add(a_rows);
                        bp = bp.offset(b_rs);
                    }
                }
            }
            // SAFETY: forwarded contract.
            unsafe { $finish::<MV, NR>(acc, (mr, nr), alpha, beta, c) }
        }

        /// Writes the `mr × nr` part of a tile of accumulators: `C ← α·acc + β·C`, with
        /// [`store`]'s three roundings. Out of line, so that the accumulators stay in
        /// registers during the `k` loop (they are passed by value).
        ///
        /// # Safety
        /// `c`'s `mr × nr` part is valid for writes (and reads when `β ≠ 0`); the CPU
        /// supports AVX-512F.
        #[target_feature(enable = "avx512f")]
        #[inline(never)]
        unsafe fn $finish<const MV: usize, const NR: usize>(
            acc: [[$vec; MV]; NR],
            (mr, nr): (usize, usize),
            alpha: $t,
            beta: $t,
            c: RawMatMut<$t>,
        ) {
            const L: usize = $lanes;
            let (c, rsc, csc) = (c.ptr, c.rs, c.cs);
            if rsc == 1 {
                let va = $set1(alpha);
                let vb = $set1(beta);
                // Rows `v·L ..` of the tile that exist: all `L`, a prefix, or none.
                let mut masks: [$mask; MV] = [0; MV];
                for (v, m) in masks.iter_mut().enumerate() {
                    let rows = mr.saturating_sub(v * L).min(L);
                    *m = ((1u32 << rows) - 1) as $mask;
                }
                // Constant-bound loops over the accumulators (a runtime bound would keep
                // them in memory during the `k` loop); the columns `≥ nr` are skipped.
                for (j, col) in acc.iter().enumerate() {
                    if j >= nr {
                        continue;
                    }
                    for (v, (&x, &m)) in col.iter().zip(&masks).enumerate() {
                        // SAFETY: column `j < nr` of the tile holds `mr` contiguous elements at
                        // `c + j·csc` (rsc = 1); the masked loads and stores touch only rows
                        // `< mr`, and C is read only when `β ≠ 0`.
                        unsafe {
                            let cp = c.offset(j as isize * csc).add(v * L);
                            let t = $mul(va, x);
                            if m == <$mask>::MAX {
                                if beta == 0.0 {
                                    $storeu(cp, t);
                                } else {
                                    $storeu(cp, $add(t, $mul(vb, $loadu(cp))));
                                }
                            } else if m != 0 {
                                if beta == 0.0 {
                                    $mask_storeu(cp, m, t);
                                } else {
                                    let old = $maskz_loadu(m, cp);
                                    $mask_storeu(cp, m, $add(t, $mul(vb, old)));
                                }
                            }
                        }
                    }
                }
            } else {
                // Strided C: through a stack tile and `store` (the same three roundings).
                let mut tmp = [[[0.0; L]; MV]; NR];
                for (tc, col) in tmp.iter_mut().zip(&acc) {
                    for (tv, &x) in tc.iter_mut().zip(col) {
                        // SAFETY: `tv` holds `L` elements.
                        unsafe { $storeu(tv.as_mut_ptr(), x) };
                    }
                }
                for (j, tc) in tmp.iter().enumerate().take(nr) {
                    for i in 0..mr {
                        // SAFETY: `(i, j)` with `i < mr`, `j < nr` lies in the part of the
                        // tile the caller vouches for.
                        unsafe {
                            let cp = c.offset(i as isize * rsc + j as isize * csc);
                            store(alpha, tc[i / L][i % L], beta, cp);
                        }
                    }
                }
            }
        }
    };
}

avx512_tile!(
    tile_f32,
    finish_f32,
    f32,
    __m512,
    16,
    u16,
    _mm512_setzero_ps,
    _mm512_loadu_ps,
    _mm512_storeu_ps,
    _mm512_maskz_loadu_ps,
    _mm512_mask_storeu_ps,
    _mm512_set1_ps,
    _mm512_fmadd_ps,
    _mm512_mul_ps,
    _mm512_add_ps
);
avx512_tile!(
    tile_f64,
    finish_f64,
    f64,
    __m512d,
    8,
    u8,
    _mm512_setzero_pd,
    _mm512_loadu_pd,
    _mm512_storeu_pd,
    _mm512_maskz_loadu_pd,
    _mm512_mask_storeu_pd,
    _mm512_set1_pd,
    _mm512_fmadd_pd,
    _mm512_mul_pd,
    _mm512_add_pd
);

/// An `f64` edge tile of `mr = 8·Q + R` rows (`0 < R < 8`) and `nr ≤ 8` columns, for
/// `NR = 8` and a B̄ whose rows are contiguous (`b.cs = 1`: packed, or a row-major B read in
/// place): its first `8·Q` rows as `Q` column vectors per column, like [`tile_f64`], and the
/// last `R` rows as one row vector each (the tile's 8 columns in one `zmm`: a broadcast
/// element of Ā times the row of B̄, one load). That is `8·Q + R` FMAs per step of `k` instead of the
/// `8·(Q + 1)` of a padded vector: a 25-row product (16 + 9) does 25 instead of 32. Every
/// element is the same `fma(a, b, acc)` chain over `p` as in a full tile, stored with
/// [`store`]'s roundings, so the bits are a full tile's.
///
/// # Safety
/// The contract of [`Kernel::tile_edge`] for `NR = 8`, `b.cs = 1`, an Ā panel of
/// `a_rows ≥ 8·Q + R` rows, `mr = 8·Q + R`, and the CPU supports AVX-512F.
#[target_feature(enable = "avx512f")]
#[inline(never)]
#[allow(clippy::too_many_arguments)]
unsafe fn tile_f64_rows<const Q: usize, const R: usize>(
    (mr, nr): (usize, usize),
    a_rows: usize,
    kc: usize,
    alpha: f64,
    a: *const f64,
    b: RawMat<f64>,
    beta: f64,
    c: RawMatMut<f64>,
) {
    const L: usize = 8;
    const NR: usize = 8;
    debug_assert!(mr == Q * L + R && R < L && nr <= NR && a_rows >= mr && b.cs == 1);
    let (b_rs, mut bp) = (b.rs, b.ptr);
    let mut acc = [[_mm512_setzero_pd(); Q]; NR];
    let mut rows = [_mm512_setzero_pd(); R];
    let mut ap = a;
    for _ in 0..kc {
        // SAFETY: the loop runs `kc` times and advances by one packed column of Ā (`a_rows`
        // values, of which the first `mr` are read) and one row of B̄ (NR contiguous values,
        // inside the `kc × NR` panel the caller vouches for).
        unsafe {
            let brow = _mm512_loadu_pd(bp);
            let mut av = [_mm512_setzero_pd(); Q];
            for (v, x) in av.iter_mut().enumerate() {
                *x = _mm512_loadu_pd(ap.add(v * L));
            }
            for (j, col) in acc.iter_mut().enumerate() {
                let bj = _mm512_set1_pd(*bp.add(j));
                for (x, &y) in col.iter_mut().zip(&av) {
                    *x = _mm512_fmadd_pd(y, bj, *x);
                }
            }
            for (i, row) in rows.iter_mut().enumerate() {
                *row = _mm512_fmadd_pd(_mm512_set1_pd(*ap.add(Q * L + i)), brow, *row);
            }
            ap = ap.add(a_rows);
            bp = bp.offset(b_rs);
        }
    }
    // Through a stack tile (column-major, 16 rows) and `store`: C ← α·acc + β·C.
    let mut tmp = [[0.0f64; 2 * L]; NR];
    for (tc, col) in tmp.iter_mut().zip(&acc) {
        for (v, &x) in col.iter().enumerate() {
            // SAFETY: `tc[v·L..]` holds `L` elements (`v < Q ≤ 1`).
            unsafe { _mm512_storeu_pd(tc.as_mut_ptr().add(v * L), x) };
        }
    }
    for (i, &row) in rows.iter().enumerate() {
        let mut r = [0.0f64; NR];
        // SAFETY: `r` holds `NR = L` elements.
        unsafe { _mm512_storeu_pd(r.as_mut_ptr(), row) };
        for (tc, &x) in tmp.iter_mut().zip(&r) {
            tc[Q * L + i] = x;
        }
    }
    let (cp, rsc, csc) = (c.ptr, c.rs, c.cs);
    for (j, tc) in tmp.iter().enumerate().take(nr) {
        for (i, &x) in tc.iter().enumerate().take(mr) {
            // SAFETY: `(i, j)` with `i < mr`, `j < nr` lies in the part of the tile the
            // caller vouches for.
            unsafe {
                store(
                    alpha,
                    x,
                    beta,
                    cp.offset(i as isize * rsc + j as isize * csc),
                )
            };
        }
    }
}

/// Runs `tile_f64_rows::<Q, R>` for an edge of `mr = 8·Q + R` rows with `Q ≤ 1` and
/// `1 ≤ R ≤ 4` (where the row vectors save the most) when B̄'s rows are contiguous; `false`
/// for any other edge.
///
/// # Safety
/// As for [`tile_f64_rows`] (with `NR = 8`).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn try_tile_f64_rows(
    part: (usize, usize),
    a_rows: usize,
    kc: usize,
    alpha: f64,
    a: *const f64,
    b: RawMat<f64>,
    beta: f64,
    c: RawMatMut<f64>,
) -> bool {
    if b.cs != 1 {
        return false;
    }
    // SAFETY: forwarded contract, with `b.cs = 1` and `mr = 8·Q + R` as each arm requires.
    unsafe {
        match part.0 {
            1 => tile_f64_rows::<0, 1>(part, a_rows, kc, alpha, a, b, beta, c),
            2 => tile_f64_rows::<0, 2>(part, a_rows, kc, alpha, a, b, beta, c),
            3 => tile_f64_rows::<0, 3>(part, a_rows, kc, alpha, a, b, beta, c),
            4 => tile_f64_rows::<0, 4>(part, a_rows, kc, alpha, a, b, beta, c),
            9 => tile_f64_rows::<1, 1>(part, a_rows, kc, alpha, a, b, beta, c),
            10 => tile_f64_rows::<1, 2>(part, a_rows, kc, alpha, a, b, beta, c),
            11 => tile_f64_rows::<1, 3>(part, a_rows, kc, alpha, a, b, beta, c),
            12 => tile_f64_rows::<1, 4>(part, a_rows, kc, alpha, a, b, beta, c),
            _ => return false,
        }
    }
    true
}

/// `f32` AVX-512 kernel: `(16·MV) × NR` tiles.
pub(super) struct F32Avx512<const MV: usize, const NR: usize, const KC: usize = 256>;

impl<const MV: usize, const NR: usize, const KC: usize> Kernel for F32Avx512<MV, NR, KC> {
    type T = f32;
    const MR: usize = 16 * MV;
    const NR: usize = NR;
    // The AVX2 kernel's depth: the same blocking of `k`, hence the same bits.
    const KC: usize = KC;
    const FUSED: bool = true;
    const MC: usize = 128_usize.next_multiple_of(16 * MV);
    const NC: usize = 3072_usize.next_multiple_of(NR);

    avx_pack_a!(f32, 16 * MV, pack_rows_f32);

    #[inline(always)]
    unsafe fn tile(
        kc: usize,
        alpha: f32,
        a: *const f32,
        b: RawMat<f32>,
        beta: f32,
        c: RawMatMut<f32>,
    ) {
        // SAFETY: forwarded contract (a full tile); this kernel is only reached through
        // `sgemm`, which runs only on CPUs with AVX-512F.
        unsafe { tile_f32::<MV, NR>((16 * MV, NR), 16 * MV, kc, alpha, a, b, beta, c) }
    }

    #[inline(always)]
    unsafe fn tile_edge(
        part: (usize, usize),
        kc: usize,
        alpha: f32,
        a: *const f32,
        b: RawMat<f32>,
        beta: f32,
        c: RawMatMut<f32>,
    ) {
        // SAFETY: as for `tile`, on the `mr × nr` part (`mr ≤ LANES` rows need one vector
        // of the `MR`-row panel). An edge of at most one vector's rows computes that vector only.
        unsafe {
            if MV > 1 && part.0 <= 16 {
                tile_f32::<1, NR>(part, 16 * MV, kc, alpha, a, b, beta, c)
            } else {
                tile_f32::<MV, NR>(part, 16 * MV, kc, alpha, a, b, beta, c)
            }
        }
    }
}

/// `f64` AVX-512 kernel: `(8·MV) × NR` tiles.
pub(super) struct F64Avx512<const MV: usize, const NR: usize, const KC: usize = 256>;

impl<const MV: usize, const NR: usize, const KC: usize> Kernel for F64Avx512<MV, NR, KC> {
    type T = f64;
    const MR: usize = 8 * MV;
    const NR: usize = NR;
    const KC: usize = KC;
    const FUSED: bool = true;
    const MC: usize = 64_usize.next_multiple_of(8 * MV);
    const NC: usize = 1536_usize.next_multiple_of(NR);

    avx_pack_a!(f64, 8 * MV, pack_rows_f64);

    #[inline(always)]
    unsafe fn tile(
        kc: usize,
        alpha: f64,
        a: *const f64,
        b: RawMat<f64>,
        beta: f64,
        c: RawMatMut<f64>,
    ) {
        // SAFETY: as for `F32Avx512::tile`, through `dgemm`.
        unsafe { tile_f64::<MV, NR>((8 * MV, NR), 8 * MV, kc, alpha, a, b, beta, c) }
    }

    #[inline(always)]
    unsafe fn tile_edge(
        part: (usize, usize),
        kc: usize,
        alpha: f64,
        a: *const f64,
        b: RawMat<f64>,
        beta: f64,
        c: RawMatMut<f64>,
    ) {
        // SAFETY: as for `tile`, on the `mr × nr` part (`mr ≤ LANES` rows need one vector
        // of the `MR`-row panel). An edge of at most one vector's rows computes that vector
        // only; a few rows past whole vectors are row vectors (`tile_f64_rows`, 8 columns).
        unsafe {
            if NR == 8 && try_tile_f64_rows(part, 8 * MV, kc, alpha, a, b, beta, c) {
                return;
            }
            if MV > 1 && part.0 <= 8 {
                tile_f64::<1, NR>(part, 8 * MV, kc, alpha, a, b, beta, c)
            } else {
                tile_f64::<MV, NR>(part, 8 * MV, kc, alpha, a, b, beta, c)
            }
        }
    }
}

/// The `f32` kernel the process uses (the shape `dispatch` reports).
pub(super) type F32Tile = F32Avx512<{ F32_512_MR / 16 }, F32_512_NR>;
/// The `f64` kernel the process uses.
pub(super) type F64Tile = F64Avx512<{ F64_512_MR / 8 }, F64_512_NR>;

/// Single-threaded `f32` GEMM compiled for AVX-512F.
///
/// # Safety
/// The contract of [`super::gemm`] with `m, n, k > 0`, and the CPU supports AVX-512F, AVX2
/// and FMA.
#[target_feature(enable = "avx512f,avx2,fma")]
pub(super) unsafe fn sgemm(p: Product<f32>) {
    // SAFETY: forwarded contract.
    unsafe { gemm_serial::<F32Tile>(p) }
}

/// Single-threaded `f64` GEMM compiled for AVX-512F.
///
/// # Safety
/// As for [`sgemm`].
#[target_feature(enable = "avx512f,avx2,fma")]
pub(super) unsafe fn dgemm(p: Product<f64>) {
    // SAFETY: forwarded contract.
    unsafe { gemm_serial::<F64Tile>(p) }
}
