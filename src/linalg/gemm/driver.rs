//! The blocked GEMM loop nest (BLIS / GotoBLAS), generic over a microkernel.
//!
//! ```text
//! for jc in 0..n step NC            C[:, jc..] and B[:, jc..]    (B block: L3)
//!   for pc in 0..k step KC          rank-kc update
//!     pack B[pc.., jc..] → B̄        kc × nc as NR-column panels (unless B is column-major:
//!                                   then the kernel reads it in place)
//!     for ic in 0..m step MC
//!       pack A[ic.., pc..] → Ā      mc × kc as MR-row panels      (A block: L2)
//!       for jr in 0..nc step NR     one B̄ panel                   (kc × NR: L1)
//!         for ir in 0..mc step MR   one Ā panel, streamed from L2
//!           C[ir.., jr..] ← α·Ā_panel·B̄_panel + β'·C               (MR × NR in registers)
//! ```
//!
//! `β' = β` for the first `kc` block and `1` afterwards. Block sizes are balanced: `k` is cut
//! into `⌈k/KC⌉` nearly equal parts (784 = 4 × 196, not 3 × 256 + 16), and likewise `m` and `n`
//! (rounded up to `MR`, `NR`). Panels are zero-padded to full `MR`/`NR`, so the microkernel
//! always runs on full tiles; an edge tile is computed into a small stack tile with `α = 1,
//! β = 0` and then merged into `C` with exactly the arithmetic of a full tile
//! ([`store`]; the AVX-512 kernel stores the part with masks instead, same arithmetic), so
//! every element of `C` gets the same bits whichever tile it falls in.

use super::buffer::Packing;
use super::raw::{Product, RawMat, RawMatMut};
use std::ops::{Add, Mul};

/// Largest `MR × NR` of any kernel (size of the stack tile for edges).
const TILE_MAX: usize = 384;

/// The element types the GEMM is implemented for (`f32`, `f64`).
pub(crate) trait Element:
    Copy + PartialEq + Add<Output = Self> + Mul<Output = Self> + Send + Sync + 'static
{
    /// `0`.
    const ZERO: Self;
    /// `1`.
    const ONE: Self;

    /// `self·a + b` with one rounding (the hardware FMA where the kernel family uses it).
    fn fused_mul_add(self, a: Self, b: Self) -> Self;

    /// The register tile `(MR, NR)` of the kernel [`serial`](Self::serial) runs (chosen
    /// once per process): the granularity a parallel GEMM cuts `C` at.
    fn tile() -> (usize, usize);

    /// Single-threaded `C ← α·A·B + β·C` with the kernel family this process uses
    /// (selected once, see [`super::dispatch`]). Requires `m, n, k > 0`.
    ///
    /// # Safety
    /// The contract of [`super::gemm`].
    unsafe fn serial(p: Product<Self>);
}

/// Implements [`Element`] for one type: its dispatched serial GEMM and tile.
macro_rules! impl_element {
    ($t:ty, $double:literal, $serial:path) => {
        impl Element for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            #[inline(always)]
            fn fused_mul_add(self, a: Self, b: Self) -> Self {
                self.mul_add(a, b)
            }
            #[inline]
            fn tile() -> (usize, usize) {
                super::dispatch::tile($double)
            }
            #[inline]
            unsafe fn serial(p: Product<Self>) {
                // SAFETY: forwarded contract.
                unsafe { $serial(p) }
            }
        }
    };
}

impl_element!(f32, false, super::dispatch::sgemm_serial);
impl_element!(f64, true, super::dispatch::dgemm_serial);

/// A register-tile microkernel and the cache blocking that suits it.
pub(super) trait Kernel {
    /// Element type.
    type T: Element;
    /// Rows of the register tile (a multiple of the SIMD width).
    const MR: usize;
    /// Columns of the register tile.
    const NR: usize;
    /// Depth of a rank-k update (`kc`): a `kc × NR` panel of B̄ stays in L1.
    const KC: usize;
    /// Rows of a packed A block (`mc`, multiple of `MR`): `mc × kc` stays in L2.
    const MC: usize;
    /// Columns of a packed B block (`nc`, multiple of `NR`).
    const NC: usize;
    /// Whether the tile accumulates each product with a fused multiply-add (the SIMD
    /// kernels) or as `acc + a·b` with two roundings (the portable one): the matrix-vector
    /// path ([`gemv`]) does the same, so a product's bits do not depend on which path ran.
    const FUSED: bool = false;

    /// `C[0..MR, 0..NR] ← α·Ā·B̄ + β·C` on one packed `MR × kc` panel `a` of A and one
    /// `kc × NR` panel `b` of B (strides `(NR, 1)` when packed), finishing each element with
    /// [`store`]'s arithmetic.
    ///
    /// # Safety
    /// `a` valid for `MR·kc` reads, `b` for reads of its `kc × NR` panel, `c` an `MR × NR`
    /// tile valid for writes (and reads when `β ≠ 0`), not overlapping `a` or `b`.
    unsafe fn tile(
        kc: usize,
        alpha: Self::T,
        a: *const Self::T,
        b: RawMat<Self::T>,
        beta: Self::T,
        c: RawMatMut<Self::T>,
    );

    /// An edge tile: only its first `mr ≤ MR` rows and `nr ≤ NR` columns exist in `C`
    /// (`c` addresses those). The panels are full (zero-padded). By default the full tile is
    /// computed into a stack tile with `α = 1, β = 0` and merged with [`store`]; a kernel
    /// may store the part directly, with the same arithmetic.
    ///
    /// # Safety
    /// As for [`tile`](Self::tile), with `c` valid for the `mr × nr` part only.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    unsafe fn tile_edge(
        (mr, nr): (usize, usize),
        kc: usize,
        alpha: Self::T,
        a: *const Self::T,
        b: RawMat<Self::T>,
        beta: Self::T,
        c: RawMatMut<Self::T>,
    ) {
        const { assert!(Self::MR * Self::NR <= TILE_MAX) };
        let mut tmp = std::mem::MaybeUninit::<[Self::T; TILE_MAX]>::uninit();
        let tp = tmp.as_mut_ptr().cast::<Self::T>();
        // SAFETY: `tmp` is an `MR × NR` column-major tile (MR·NR ≤ TILE_MAX); with `β = 0`
        // the kernel writes every element of it without reading, so the reads below (of
        // `(i, j)`, `i < mr ≤ MR`, `j < nr ≤ NR`) see initialised values. `c`'s `mr × nr`
        // part is valid (caller).
        unsafe {
            let t = RawMatMut::new(tp, 1, Self::MR as isize);
            Self::tile(kc, Self::T::ONE, a, b, Self::T::ZERO, t);
            for j in 0..nr {
                for i in 0..mr {
                    store(alpha, *tp.add(i + j * Self::MR), beta, c.shifted(i, j).ptr);
                }
            }
        }
    }

    /// Packs an `mc × kc` block of A (strides `(rsa, csa)`) into `MR`-row panels (see
    /// [`pack`]); kernels override this with SIMD transposes for row-major A.
    ///
    /// # Safety
    /// As for [`pack`] with `width = MR`.
    #[inline(always)]
    unsafe fn pack_a(
        mc: usize,
        kc: usize,
        a: *const Self::T,
        rsa: isize,
        csa: isize,
        dst: *mut Self::T,
    ) {
        // SAFETY: forwarded contract.
        unsafe { pack(Self::MR, mc, kc, a, rsa, csa, dst) }
    }
}

/// Writes `α·x + β·c` to `c` (`α·x` when `β = 0`, without reading `c`): the one place the
/// final arithmetic of an element is defined (SIMD kernels do the same two roundings).
///
/// # Safety
/// `c` valid for writes, and for reads when `β ≠ 0`.
#[inline(always)]
pub(super) unsafe fn store<T: Element>(alpha: T, x: T, beta: T, c: *mut T) {
    let t = alpha * x;
    // SAFETY: caller's contract; `c` is read only when `β ≠ 0`.
    unsafe {
        *c = if beta == T::ZERO { t } else { t + beta * *c };
    }
}

/// Block size for a dimension of length `len`: split into `⌈len/max⌉` nearly equal parts,
/// rounded up to a multiple of `unit` (`max` is itself a multiple of `unit`).
#[inline(always)]
fn block(len: usize, max: usize, unit: usize) -> usize {
    let parts = len.div_ceil(max).max(1);
    len.div_ceil(parts).next_multiple_of(unit).min(max)
}

/// Single-threaded blocked GEMM with kernel `K` (see the module docs). Requires
/// `m, n, k > 0`.
///
/// # Safety
/// The contract of [`super::gemm`].
#[inline(always)]
pub(super) unsafe fn gemm_serial<K: Kernel>(p: Product<K::T>) {
    let Product {
        m,
        k,
        n,
        alpha,
        a,
        b,
        beta,
        c,
    } = p;
    if n == 1 && a.rs == 1 && c.rs == 1 {
        // SAFETY: forwarded contract, and the layout `gemv` requires.
        unsafe { gemv::<K>(p) };
        return;
    }
    let kc_max = block(k, K::KC, 1);
    let mc_max = block(m, K::MC, K::MR);
    let nc_max = block(n, K::NC, K::NR);
    // A column-major B (unit row stride) is read in place by the microkernel: packing it is a
    // transpose whose cost is not repaid when `m` is small (measured: 25×400×5000 f64 went
    // from 18 to 33 GFLOP/s, 128×784×64 f32 from 76 to 84). Only edge panels (fewer than NR
    // columns) are packed, one at a time, into a panel-sized buffer. A row-major B is packed
    // (reading it in place measured slower) unless `m < 2·max(MR, 16)`: then each packed
    // panel would serve a few tiles, and the packing is most of the work (the course's weight
    // gradient δ₁·Xᵀ, 25 × 5000 × 401 f64: packing Xᵀ took a quarter of the AVX-512 product's
    // time; the AVX2 kernels' 8-row tiles gained 8 % on the whole cost_grad from reading it in
    // place too). Its rows are contiguous, like a packed panel's; only their stride differs.
    let direct_b = (b.rs == 1 && b.cs != 0) || (b.cs == 1 && b.rs != 0 && m < 2 * K::MR.max(16));
    let b_len = if direct_b {
        kc_max * K::NR
    } else {
        kc_max * nc_max
    };
    let mut packing = Packing::take();
    let (ap, bp) = packing.regions::<K::T>(mc_max * kc_max, b_len);
    let mut jc = 0;
    while jc < n {
        let nc = nc_max.min(n - jc);
        let mut pc = 0;
        while pc < k {
            let kc = kc_max.min(k - pc);
            let beta = if pc == 0 { beta } else { K::T::ONE };
            // SAFETY: `pc < k`, `jc < n`: the offset addresses B[pc, jc] and the `kc × nc`
            // block from there lies inside B.
            let bsrc = unsafe { b.shifted(pc, jc) };
            let bblk = if direct_b {
                BBlock::Direct { b: bsrc, buf: bp }
            } else {
                // SAFETY: `bp` holds `kc_max · nc_max ≥ kc · ⌈nc⌉_NR` elements.
                unsafe { pack::<K::T>(K::NR, nc, kc, bsrc.ptr, b.cs, b.rs, bp) };
                BBlock::Packed(bp)
            };
            let mut ic = 0;
            while ic < m {
                let mc = mc_max.min(m - ic);
                // SAFETY: as for B, with A[ic, pc] and the `mc × kc` block; `ap` holds
                // `mc_max · kc_max ≥ ⌈mc⌉_MR · kc`. The C block `mc × nc` at C[ic, jc] lies in
                // C, which does not overlap A, B or the packing buffers.
                unsafe {
                    K::pack_a(mc, kc, a.shifted(ic, pc).ptr, a.rs, a.cs, ap);
                    let cblk = c.shifted(ic, jc);
                    macro_kernel::<K>((mc, nc), kc, alpha, ap, bblk, beta, cblk);
                }
                ic += mc;
            }
            pc += kc;
        }
        jc += nc;
    }
}

/// Where the microkernel finds a `kc × nc` block of B.
/// Rows of `C` one pass of [`gemv`] keeps in its accumulators.
const GEMV_ROWS: usize = 64;

/// `c ← α·A·b + β·c` for one column `b` (`n = 1`) with A column-major (`a.rs = 1`) and `c`
/// contiguous (`c.rs = 1`), without packing anything: the product that dominates a batch-1
/// forward pass (`W·x`), where packing A would copy all of it for a single use.
///
/// Every element gets exactly the arithmetic of the blocked loop nest: `k` is cut into the
/// same `kc` blocks, each block's sum starts from zero and adds `a_ip·b_p` in `p` order
/// (fused when [`Kernel::FUSED`]), and is merged into `c` with [`store`]'s `α·t + β'·c`
/// (`β' = β` for the first block, `1` after). So a sample's outputs have the same bits in a
/// batch of one as in any other batch.
///
/// # Safety
/// The contract of [`super::gemm`] with `n = 1`, `m, k > 0`, `a.rs = 1` and `c.rs = 1`.
#[inline(always)]
unsafe fn gemv<K: Kernel>(p: Product<K::T>) {
    let Product {
        m,
        k,
        alpha,
        a,
        b,
        beta,
        c,
        ..
    } = p;
    let kc_max = block(k, K::KC, 1);
    let mut acc = [K::T::ZERO; GEMV_ROWS];
    let mut i0 = 0;
    while i0 < m {
        let rows = GEMV_ROWS.min(m - i0);
        let mut pc = 0;
        while pc < k {
            let kc = kc_max.min(k - pc);
            let beta = if pc == 0 { beta } else { K::T::ONE };
            if let Ok(full) = <&mut [K::T; GEMV_ROWS]>::try_from(&mut acc[..rows]) {
                // A full block of rows: a fixed-size accumulator the compiler keeps in
                // registers (the same operations, element by element, as the loop below).
                // SAFETY: as below, with `rows = GEMV_ROWS`.
                unsafe { gemv_block::<K>(full, a.shifted(i0, 0), b, pc, kc) };
                for (i, &t) in full.iter().enumerate() {
                    // SAFETY: `(i0 + i, 0)` lies inside C (`i < rows`).
                    unsafe { store(alpha, t, beta, c.shifted(i0 + i, 0).ptr) };
                }
                pc += kc;
                continue;
            }
            let acc = &mut acc[..rows];
            acc.fill(K::T::ZERO);
            for q in pc..pc + kc {
                // SAFETY: `q < k` and `i0 + rows ≤ m`: column `q` of A holds the `rows`
                // contiguous elements (a.rs = 1) at `(i0, q)`, and `b`'s element `q` exists.
                let (col, bq) = unsafe {
                    (
                        std::slice::from_raw_parts(a.shifted(i0, q).ptr, rows),
                        *b.shifted(q, 0).ptr,
                    )
                };
                if K::FUSED {
                    for (s, &x) in acc.iter_mut().zip(col) {
                        *s = x.fused_mul_add(bq, *s);
                    }
                } else {
                    for (s, &x) in acc.iter_mut().zip(col) {
                        *s = *s + x * bq;
                    }
                }
            }
            for (i, &t) in acc.iter().enumerate() {
                // SAFETY: `(i0 + i, 0)` lies inside C (`i < rows`).
                unsafe { store(alpha, t, beta, c.shifted(i0 + i, 0).ptr) };
            }
            pc += kc;
        }
        i0 += rows;
    }
}

/// `acc = Σ_{q ∈ pc..pc+kc} A[0..GEMV_ROWS, q] · b_q`, from zero, in `q` order (fused when
/// [`Kernel::FUSED`]): [`gemv`]'s inner loop for a full block of rows.
///
/// # Safety
/// Columns `pc..pc + kc` of `a` hold `GEMV_ROWS` contiguous elements each (`a.rs = 1`), and
/// `b` has elements `pc..pc + kc` (`b.rs = 1`).
#[inline(always)]
unsafe fn gemv_block<K: Kernel>(
    acc: &mut [K::T; GEMV_ROWS],
    a: RawMat<K::T>,
    b: RawMat<K::T>,
    pc: usize,
    kc: usize,
) {
    let mut sum = [K::T::ZERO; GEMV_ROWS];
    for q in pc..pc + kc {
        // SAFETY: the caller's contract.
        let (col, bq) = unsafe {
            (
                &*(a.shifted(0, q).ptr as *const [K::T; GEMV_ROWS]),
                *b.shifted(q, 0).ptr,
            )
        };
        for i in 0..GEMV_ROWS {
            sum[i] = if K::FUSED {
                col[i].fused_mul_add(bq, sum[i])
            } else {
                sum[i] + col[i] * bq
            };
        }
    }
    *acc = sum;
}

#[derive(Clone, Copy)]
enum BBlock<T> {
    /// Packed into `NR`-column panels (`⌈nc/NR⌉` panels of `kc·NR` elements).
    Packed(*const T),
    /// In place; `buf` has room for one packed panel (used for a partial last panel).
    Direct { b: RawMat<T>, buf: *mut T },
}

/// Runs the microkernel over every `MR × NR` tile of an `mc × nc` block of C.
///
/// # Safety
/// `ap` holds `⌈mc/MR⌉` packed panels of depth `kc`, `bp` holds `⌈nc/NR⌉`; `c` addresses an
/// `mc × nc` block not overlapping them.
#[inline(always)]
unsafe fn macro_kernel<K: Kernel>(
    (mc, nc): (usize, usize),
    kc: usize,
    alpha: K::T,
    ap: *const K::T,
    b: BBlock<K::T>,
    beta: K::T,
    c: RawMatMut<K::T>,
) {
    let mut jr = 0;
    while jr < nc {
        let nr = K::NR.min(nc - jr);
        let packed = |panel: *const K::T| RawMat::new(panel, K::NR as isize, 1);
        // SAFETY: panel `jr/NR` of a packed block starts at `jr·kc`; in place, columns
        // `jr..jr+NR` of the block start at column `jr` and exist when `nr = NR`; a partial
        // panel is packed into `buf` (room for `kc·NR`).
        let b_panel = unsafe {
            match b {
                BBlock::Packed(bp) => packed(bp.add(jr * kc)),
                BBlock::Direct { b, .. } if nr == K::NR => b.shifted(0, jr),
                BBlock::Direct { b, buf } => {
                    pack_panel(K::NR, nr, kc, b.shifted(0, jr).ptr, b.cs, b.rs, buf);
                    packed(buf.cast_const())
                }
            }
        };
        let mut ir = 0;
        while ir < mc {
            let mr = K::MR.min(mc - ir);
            // SAFETY: panel `ir/MR` of Ā starts at `ir·kc` (each is `MR·kc` long); the B
            // panel is as above; tile `(ir, jr)` of C lies in the block (its `mr × nr` part
            // for an edge tile).
            unsafe {
                let a_panel = ap.add(ir * kc);
                let ct = c.shifted(ir, jr);
                if mr == K::MR && nr == K::NR {
                    K::tile(kc, alpha, a_panel, b_panel, beta, ct);
                } else {
                    K::tile_edge((mr, nr), kc, alpha, a_panel, b_panel, beta, ct);
                }
            }
            ir += K::MR;
        }
        jr += K::NR;
    }
}

/// Packs `w ≤ width`-wide strips of a `len × kc` source into panels of `width × kc`, stored
/// `dst[panel·width·kc + p·width + i]` and zero-padded to full `width`. The source element
/// `(i, p)` is at `src + i·s_w + p·s_k`. For A: `width = MR`, `s_w = rsa`, `s_k = csa`; for B:
/// `width = NR`, `s_w = csb`, `s_k = rsb`.
///
/// # Safety
/// `src` addresses a valid `len × kc` matrix with those strides; `dst` is valid for
/// `⌈len/width⌉·width·kc` writes and does not overlap it.
#[inline(always)]
pub(super) unsafe fn pack<T: Element>(
    width: usize,
    len: usize,
    kc: usize,
    src: *const T,
    s_w: isize,
    s_k: isize,
    dst: *mut T,
) {
    let mut i0 = 0;
    while i0 < len {
        let w = width.min(len - i0);
        // SAFETY: strip `i0..i0+w` of the source and panel `i0/width` of `dst` (caller).
        unsafe {
            let s = src.offset(i0 as isize * s_w);
            let d = dst.add(i0 * kc);
            pack_panel(width, w, kc, s, s_w, s_k, d);
        }
        i0 += width;
    }
}

/// One panel of [`pack`]: `dst[p·width + i] = src[i·s_w + p·s_k]` for `i < w`, zero for
/// `w ≤ i < width`.
///
/// # Safety
/// As for [`pack`], for one strip.
#[inline(always)]
unsafe fn pack_panel<T: Element>(
    width: usize,
    w: usize,
    kc: usize,
    src: *const T,
    s_w: isize,
    s_k: isize,
    dst: *mut T,
) {
    // SAFETY: every read is `(i, p)` with `i < w`, `p < kc` inside the strip; every write is
    // `p·width + i < width·kc` inside the panel.
    unsafe {
        if w == width && s_w == 1 {
            // Contiguous along the panel width: one short copy per `p`.
            for p in 0..kc {
                std::ptr::copy_nonoverlapping(
                    src.offset(p as isize * s_k),
                    dst.add(p * width),
                    width,
                );
            }
        } else if s_k == 1 {
            // Contiguous along k: read rows, write with stride `width`.
            for i in 0..w {
                let row = src.offset(i as isize * s_w);
                for p in 0..kc {
                    *dst.add(p * width + i) = *row.add(p);
                }
            }
            for i in w..width {
                for p in 0..kc {
                    *dst.add(p * width + i) = T::ZERO;
                }
            }
        } else {
            for p in 0..kc {
                let col = src.offset(p as isize * s_k);
                let d = dst.add(p * width);
                for i in 0..w {
                    *d.add(i) = *col.offset(i as isize * s_w);
                }
                for i in w..width {
                    *d.add(i) = T::ZERO;
                }
            }
        }
    }
}
