//! GEMM against a naive `f64` triple loop, for every kernel family this CPU runs (the others
//! are skipped with a printed reason): every stride layout, edge shapes around every tile
//! and block boundary of every kernel, α/β variants (α = 0, β = 0/1), `β = 0` over NaN,
//! writes confined to C's elements, bit-for-bit independence of tile position (what makes
//! threading deterministic), and bit-for-bit agreement of the AVX-512 and AVX2 kernels.

use super::dispatch::{GemmKernel, serial_f32, serial_f64};
use super::driver::Element;
use super::{Product, RawMat, RawMatMut, SerialFn, gemm_with};
use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// What the tests need of an element type.
trait TestElem: Element + std::fmt::Debug {
    const EPS: f64;
    fn from(x: f64) -> Self;
    fn to(self) -> f64;
    fn nan() -> Self;
    fn bits(self) -> u64;
    /// The dispatched single-threaded GEMM (the process's kernel family).
    fn fast() -> SerialFn<Self> {
        <Self as Element>::serial
    }
    /// Family `k`'s single-threaded GEMM, if this CPU runs it.
    fn family(k: GemmKernel) -> Option<SerialFn<Self>>;
    /// Every family this CPU runs (printing which are skipped and why).
    fn families() -> Vec<(GemmKernel, SerialFn<Self>)> {
        GemmKernel::ALL
            .into_iter()
            .filter_map(|k| {
                let f = Self::family(k);
                if f.is_none() {
                    eprintln!("skipped: the {k} kernels (this CPU cannot run them)");
                }
                Some((k, f?))
            })
            .collect()
    }
}

impl TestElem for f32 {
    const EPS: f64 = f32::EPSILON as f64;
    fn from(x: f64) -> Self {
        x as f32
    }
    fn to(self) -> f64 {
        self as f64
    }
    fn nan() -> Self {
        f32::NAN
    }
    fn bits(self) -> u64 {
        self.to_bits() as u64
    }
    fn family(k: GemmKernel) -> Option<SerialFn<Self>> {
        serial_f32(k)
    }
}

impl TestElem for f64 {
    const EPS: f64 = f64::EPSILON;
    fn from(x: f64) -> Self {
        x
    }
    fn to(self) -> f64 {
        self
    }
    fn nan() -> Self {
        f64::NAN
    }
    fn bits(self) -> u64 {
        self.to_bits()
    }
    fn family(k: GemmKernel) -> Option<SerialFn<Self>> {
        serial_f64(k)
    }
}

/// How a test matrix is laid out in its buffer.
#[derive(Clone, Copy, Debug)]
enum Layout {
    /// Column-major with 3 padding rows.
    Col,
    /// Row-major with 2 padding columns (a transposed view of a column-major matrix).
    Row,
    /// Both strides non-unit: rows interleaved with gaps.
    Strided,
    /// Column-major with the rows in reverse order (negative row stride).
    Reversed,
}

const LAYOUTS: [Layout; 4] = [Layout::Col, Layout::Row, Layout::Strided, Layout::Reversed];

/// A `rows × cols` matrix inside a larger buffer; cells outside it hold a sentinel.
struct Mat<T> {
    buf: Vec<T>,
    off: isize,
    rs: isize,
    cs: isize,
    rows: usize,
    cols: usize,
}

impl<T: TestElem> Mat<T> {
    fn new(rows: usize, cols: usize, layout: Layout, fill: T) -> Self {
        let (r, c) = (rows as isize, cols as isize);
        let (off, rs, cs, len) = match layout {
            Layout::Col => (0, 1, r + 3, (r + 3) * c.max(1)),
            Layout::Row => (0, c + 2, 1, (c + 2) * r.max(1)),
            Layout::Strided => (1, 2, 2 * r + 1, (2 * r + 1) * c.max(1) + 2),
            Layout::Reversed => (r - 1, -1, r, r * c),
        };
        Mat {
            buf: vec![fill; len.max(1) as usize],
            off: off.max(0),
            rs,
            cs,
            rows,
            cols,
        }
    }

    fn idx(&self, i: usize, j: usize) -> usize {
        (self.off + i as isize * self.rs + j as isize * self.cs) as usize
    }

    fn get(&self, i: usize, j: usize) -> T {
        self.buf[self.idx(i, j)]
    }

    fn set(&mut self, i: usize, j: usize, x: T) {
        let k = self.idx(i, j);
        self.buf[k] = x;
    }

    fn random(rows: usize, cols: usize, layout: Layout, rng: &mut Xoshiro256PlusPlus) -> Self {
        let mut m = Self::new(rows, cols, layout, T::from(1e30));
        for j in 0..cols {
            for i in 0..rows {
                m.set(i, j, T::from(rng.random_range(-1.0..1.0)));
            }
        }
        m
    }

    fn raw(&self) -> RawMat<T> {
        RawMat::new(
            self.buf.as_ptr().wrapping_offset(self.off),
            self.rs,
            self.cs,
        )
    }

    fn raw_mut(&mut self) -> RawMatMut<T> {
        RawMatMut::new(
            self.buf.as_mut_ptr().wrapping_offset(self.off),
            self.rs,
            self.cs,
        )
    }

    /// For each buffer cell, whether it holds an element of the matrix.
    fn mask(&self) -> Vec<bool> {
        let mut mask = vec![false; self.buf.len()];
        for j in 0..self.cols {
            for i in 0..self.rows {
                mask[self.idx(i, j)] = true;
            }
        }
        mask
    }
}

/// One GEMM case: runs `serial` through [`gemm_with`] and checks every element of C against
/// the `f64` reference within a rounding-error bound, and that no cell outside C changed.
fn check<T: TestElem>(
    (serial, threads): (SerialFn<T>, usize),
    (m, k, n): (usize, usize, usize),
    (la, lb, lc): (Layout, Layout, Layout),
    alpha: f64,
    beta: f64,
    c_nan: bool,
    seed: u64,
) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let a = Mat::<T>::random(m, k, la, &mut rng);
    let b = Mat::<T>::random(k, n, lb, &mut rng);
    let mut c = Mat::<T>::random(m, n, lc, &mut rng);
    if c_nan {
        for j in 0..n {
            for i in 0..m {
                c.set(i, j, T::nan());
            }
        }
    }
    let c0: Vec<T> = c.buf.clone();
    // SAFETY: each Mat addresses its `rows × cols` elements inside its own buffer; C's
    // elements are distinct and C does not overlap A or B.
    unsafe {
        let p = Product {
            m,
            k,
            n,
            alpha: T::from(alpha),
            a: a.raw(),
            b: b.raw(),
            beta: T::from(beta),
            c: c.raw_mut(),
        };
        gemm_with(serial, threads, p);
    }
    let (alpha_t, beta_t) = (T::from(alpha).to(), T::from(beta).to());
    for j in 0..n {
        for i in 0..m {
            let (mut dot, mut mag) = (0.0, 0.0);
            for p in 0..k {
                let t = a.get(i, p).to() * b.get(p, j).to();
                dot += t;
                mag += t.abs();
            }
            let old = c0[c.idx(i, j)].to();
            let (want, bound) = if beta_t == 0.0 {
                (alpha_t * dot, alpha_t.abs() * mag)
            } else {
                (
                    alpha_t * dot + beta_t * old,
                    alpha_t.abs() * mag + (beta_t * old).abs(),
                )
            };
            // |fl(Σ) − Σ| ≤ γ_k Σ|a·b| for the sum (k·ε to first order), plus the roundings of
            // α·x, β·c and their sum: (k + 3)·ε relative to the magnitudes involved; the
            // reference's own f64 rounding adds up to (k + 2)·ε_f64 of the same.
            let tol = ((k as f64 + 3.0) * T::EPS + (k as f64 + 2.0) * f64::EPSILON) * bound
                + f64::MIN_POSITIVE;
            let got = c.get(i, j).to();
            assert!(
                (got - want).abs() <= tol,
                "C[{i},{j}] = {got}, want {want} ± {tol}; m={m} k={k} n={n} layouts \
                 {la:?}/{lb:?}/{lc:?} α={alpha} β={beta}"
            );
        }
    }
    let mask = c.mask();
    for (idx, (now, before)) in c.buf.iter().zip(&c0).enumerate() {
        if !mask[idx] {
            assert_eq!(
                now.bits(),
                before.bits(),
                "cell {idx} outside C was written"
            );
        }
    }
}

/// Shapes around every tile and block boundary of every kernel: tiles 16 × 6 and 8 × 6
/// (AVX2, portable), 32 × 8 and 16 × 8 (AVX-512, whose edges of ≤ 16 / ≤ 8 rows compute
/// one vector); `k` across `KC = 256`.
const SHAPES: &[(usize, usize, usize)] = &[
    (1, 1, 1),
    (1, 7, 1),
    (2, 3, 5),
    (8, 4, 6),
    (16, 9, 6),
    (17, 5, 7),
    (15, 1, 13),
    (7, 0, 5),
    (0, 4, 5),
    (5, 4, 0),
    (16, 3, 12),
    (32, 6, 12),
    (31, 2, 11),
    (33, 5, 13),
    (9, 11, 25),
    (17, 4, 9),
    (48, 6, 16),
    (33, 300, 19),
    (129, 40, 50),
    (40, 257, 3),
    (65, 513, 37),
    // f64 AVX-512 edges of 3, 4, 11 and 12 rows (row vectors past whole vectors), with B
    // row-major read in place (m < 2·MR) and partial panels.
    (3, 7, 10),
    (12, 9, 17),
    (20, 300, 9),
    (27, 5, 8),
];

fn all_layouts<T: TestElem>(serial: SerialFn<T>, shapes: &[(usize, usize, usize)]) {
    for (s, &shape) in shapes.iter().enumerate() {
        for la in LAYOUTS {
            for lb in LAYOUTS {
                for lc in LAYOUTS {
                    check::<T>((serial, 1), shape, (la, lb, lc), 1.0, 0.0, false, s as u64);
                }
            }
        }
    }
}

#[test]
fn f32_all_layouts_against_naive() {
    for (k, serial) in f32::families() {
        eprintln!("f32, {k} kernels");
        all_layouts::<f32>(serial, SHAPES);
    }
}

#[test]
fn f64_all_layouts_against_naive() {
    for (k, serial) in f64::families() {
        eprintln!("f64, {k} kernels");
        all_layouts::<f64>(serial, SHAPES);
    }
}

/// The AVX-512 and AVX2 kernels compute each element as the same FMA sequence with the same
/// `k` blocking: their results agree bit for bit, on every layout and edge shape.
#[test]
fn avx512_and_avx2_kernels_give_the_same_bits() {
    fn same<T: TestElem>() {
        let (Some(wide), Some(narrow)) =
            (T::family(GemmKernel::Avx512), T::family(GemmKernel::Avx2))
        else {
            eprintln!("skipped: this CPU does not run both the avx512 and the avx2 kernels");
            return;
        };
        let mut shapes = SHAPES.to_vec();
        shapes.extend([(257, 1031, 67), (130, 600, 7), (25, 400, 500)]);
        for (s, &(m, k, n)) in shapes.iter().enumerate() {
            for (la, lb, lc) in [
                (Layout::Col, Layout::Col, Layout::Col),
                (Layout::Row, Layout::Col, Layout::Col),
                (Layout::Col, Layout::Row, Layout::Col),
                (Layout::Strided, Layout::Reversed, Layout::Row),
                (Layout::Col, Layout::Col, Layout::Strided),
            ] {
                for (alpha, beta) in [(1.0, 0.0), (0.5, 1.0), (-1.5, 0.25)] {
                    let run = |serial: SerialFn<T>| {
                        let mut rng = Xoshiro256PlusPlus::seed_from_u64(s as u64);
                        let a = Mat::<T>::random(m, k, la, &mut rng);
                        let b = Mat::<T>::random(k, n, lb, &mut rng);
                        let mut c = Mat::<T>::random(m, n, lc, &mut rng);
                        // SAFETY: as in `check`.
                        unsafe {
                            let p = Product {
                                m,
                                k,
                                n,
                                alpha: T::from(alpha),
                                a: a.raw(),
                                b: b.raw(),
                                beta: T::from(beta),
                                c: c.raw_mut(),
                            };
                            gemm_with(serial, 1, p);
                        }
                        c.buf.iter().map(|x| x.bits()).collect::<Vec<_>>()
                    };
                    assert!(
                        run(wide) == run(narrow),
                        "{m}×{k}×{n} {la:?}/{lb:?}/{lc:?} α={alpha} β={beta}"
                    );
                }
            }
        }
    }
    same::<f32>();
    same::<f64>();
}

#[test]
fn alpha_beta_variants_and_nan_c() {
    let cases = [
        (1.0, 0.0, true),
        (-0.5, 0.0, true),
        (1.0, 1.0, false),
        (0.25, 0.75, false),
        (2.0, -1.0, false),
        (0.0, 0.5, false),
        (0.0, 0.0, true),
    ];
    let (f32s, f64s) = (f32::families(), f64::families());
    for (i, &(alpha, beta, nan)) in cases.iter().enumerate() {
        for &shape in &[(1, 1, 1), (17, 5, 7), (33, 300, 19), (9, 0, 4), (35, 7, 14)] {
            for lc in LAYOUTS {
                let l = (Layout::Col, Layout::Row, lc);
                for &(_, serial) in &f32s {
                    check::<f32>((serial, 1), shape, l, alpha, beta, nan, i as u64);
                }
                for &(_, serial) in &f64s {
                    check::<f64>((serial, 1), shape, l, alpha, beta, nan, i as u64);
                }
            }
        }
    }
}

#[test]
fn big_shapes() {
    let l = (Layout::Col, Layout::Row, Layout::Col);
    for &shape in &[(257, 1031, 67), (257, 67, 1031), (130, 600, 7)] {
        for (_, serial) in f32::families() {
            check::<f32>((serial, 1), shape, l, 1.0, 0.5, false, 1);
        }
        for (_, serial) in f64::families() {
            check::<f64>((serial, 1), shape, l, -1.0, 0.0, true, 2);
        }
    }
    // Several `nc` blocks for B (f32 NC = 3072, f64 NC = 1536) and a transposed A.
    let l = (Layout::Row, Layout::Col, Layout::Col);
    for (_, serial) in f64::families() {
        check::<f64>((serial, 1), (9, 3, 3100), l, 1.0, 1.0, false, 3);
    }
    for (_, serial) in f32::families() {
        check::<f32>((serial, 1), (40, 3, 6200), l, 1.0, 1.0, false, 3);
    }
}

/// Computes a 70 × 50 product whole and as four blocks cut at offsets that are not multiples
/// of any tile size; the elements must agree bit for bit.
fn tile_position_independence<T: TestElem>(serial: SerialFn<T>) {
    let (m, k, n) = (70, 600, 50);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
    let a = Mat::<T>::random(m, k, Layout::Col, &mut rng);
    let b = Mat::<T>::random(k, n, Layout::Row, &mut rng);
    let c_init = Mat::<T>::random(m, n, Layout::Col, &mut rng);
    let run = |rows: std::ops::Range<usize>, cols: std::ops::Range<usize>, c: &mut Mat<T>| {
        // SAFETY: the sub-views start at in-bounds elements of A, B, C and have the shapes
        // of the ranges; C does not overlap A or B.
        unsafe {
            let p = Product {
                m: rows.len(),
                k,
                n: cols.len(),
                alpha: T::from(0.5),
                a: a.raw().shifted(rows.start, 0),
                b: b.raw().shifted(0, cols.start),
                beta: T::from(0.75),
                c: c.raw_mut().shifted(rows.start, cols.start),
            };
            gemm_with(serial, 1, p)
        }
    };
    let mut whole = Mat::<T>::new(m, n, Layout::Col, T::ZERO);
    whole.buf.clone_from(&c_init.buf);
    run(0..m, 0..n, &mut whole);
    let mut parts = Mat::<T>::new(m, n, Layout::Col, T::ZERO);
    parts.buf.clone_from(&c_init.buf);
    for rows in [0..13, 13..m] {
        for cols in [0..29, 29..n] {
            run(rows.clone(), cols, &mut parts);
        }
    }
    for (x, y) in whole.buf.iter().zip(&parts.buf) {
        assert_eq!(x.bits(), y.bits());
    }
}

/// What `gemm` runs is the family `gemm_kernel()` reports (`DEEPMULTINET_KERNEL` or the
/// widest available), and its tile is the one parallel splits are cut at.
#[test]
fn the_dispatched_gemm_is_the_chosen_family() {
    let chosen = super::gemm_kernel();
    eprintln!("this process's GEMM kernels: {chosen}");
    assert_eq!(<f32 as Element>::tile(), chosen.tile(false));
    assert_eq!(<f64 as Element>::tile(), chosen.tile(true));
    fn run<T: TestElem>(serial: SerialFn<T>) -> Vec<u64> {
        let (m, k, n) = (45, 300, 29);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        let a = Mat::<T>::random(m, k, Layout::Col, &mut rng);
        let b = Mat::<T>::random(k, n, Layout::Row, &mut rng);
        let mut c = Mat::<T>::random(m, n, Layout::Col, &mut rng);
        // SAFETY: as in `check`.
        unsafe {
            let p = Product {
                m,
                k,
                n,
                alpha: T::from(0.5),
                a: a.raw(),
                b: b.raw(),
                beta: T::from(1.0),
                c: c.raw_mut(),
            };
            gemm_with(serial, 1, p);
        }
        c.buf.iter().map(|x| x.bits()).collect()
    }
    assert_eq!(run(f32::fast()), run(f32::family(chosen).unwrap()));
    assert_eq!(run(f64::fast()), run(f64::family(chosen).unwrap()));
}

#[test]
fn results_do_not_depend_on_tile_position() {
    for (_, serial) in f32::families() {
        tile_position_independence::<f32>(serial);
    }
    for (_, serial) in f64::families() {
        tile_position_independence::<f64>(serial);
    }
}

#[test]
fn threaded_against_naive() {
    // The pool may be busy with another test's call (then the call runs serially); either
    // way the result must be right. Bitwise equality with 1 thread: tests/gemm_threads.rs.
    // The split granularity is the process's kernel tile, whatever kernel runs the parts.
    let (f32s, f64s) = (f32::families(), f64::families());
    for threads in [2, 3, 5] {
        for &shape in &[
            (130, 70, 240),
            (40, 70, 800),
            (9, 200, 1200),
            (257, 67, 130),
        ] {
            for la in LAYOUTS {
                for &(_, serial) in &f32s {
                    let l = (la, Layout::Col, Layout::Col);
                    check::<f32>((serial, threads), shape, l, 1.0, 0.0, true, 4);
                }
                for &(_, serial) in &f64s {
                    let l = (Layout::Col, la, Layout::Row);
                    check::<f64>((serial, threads), shape, l, 0.5, 2.0, false, 5);
                }
            }
        }
    }
}

fn layout_strategy() -> impl Strategy<Value = Layout> {
    prop_oneof![
        Just(Layout::Col),
        Just(Layout::Row),
        Just(Layout::Strided),
        Just(Layout::Reversed)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]
    #[test]
    fn proptest_shapes_and_strides(
        m in 0usize..40,
        k in 0usize..70,
        n in 0usize..40,
        la in layout_strategy(),
        lb in layout_strategy(),
        lc in layout_strategy(),
        beta in prop_oneof![Just(0.0), Just(1.0), -1.0..1.0f64],
        seed in any::<u64>(),
    ) {
        for fam in GemmKernel::ALL {
            if let Some(serial) = f32::family(fam) {
                check::<f32>((serial, 1), (m, k, n), (la, lb, lc), 1.5, beta, beta == 0.0, seed);
            }
            if let Some(serial) = f64::family(fam) {
                check::<f64>((serial, 1), (m, k, n), (la, lb, lc), -0.5, beta, false, seed);
            }
        }
    }
}

/// The matrix-vector path (`n = 1`, A column-major, C contiguous: no packing) gives every
/// element the bits of the blocked loop nest, on every family: a sample's outputs do not
/// depend on whether it was alone in its batch. The blocked result is the first column of
/// the same product with `B = [b, b]` (`n = 2` never takes the matrix-vector path).
#[test]
fn a_matrix_vector_product_has_the_bits_of_the_blocked_loop_nest() {
    fn run<T: TestElem>(serial: SerialFn<T>, family: GemmKernel) {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        for (m, k) in [
            (1, 1),
            (7, 3),
            (64, 255),
            (65, 256),
            (130, 257),
            (128, 784),
            (10, 64),
        ] {
            for (alpha, beta) in [(1.0, 0.0), (0.5, 0.0), (1.0, 1.0), (-2.0, 0.75)] {
                let a = Mat::<T>::random(m, k, Layout::Col, &mut rng);
                let b = Mat::<T>::random(k, 1, Layout::Col, &mut rng);
                let mut b2 = Mat::<T>::new(k, 2, Layout::Col, T::ZERO);
                for p in 0..k {
                    b2.set(p, 0, b.get(p, 0));
                    b2.set(p, 1, b.get(p, 0));
                }
                let c0 = Mat::<T>::random(m, 2, Layout::Col, &mut rng);
                let (mut c1, mut c2) = (Mat::<T>::new(m, 1, Layout::Col, T::ZERO), c0);
                for i in 0..m {
                    c1.set(i, 0, c2.get(i, 0));
                }
                // SAFETY: each Mat addresses its elements inside its own buffer; the Cs
                // do not overlap A or B.
                unsafe {
                    let (alpha, beta) = (T::from(alpha), T::from(beta));
                    let (a, b, b2) = (a.raw(), b.raw(), b2.raw());
                    let c = c1.raw_mut();
                    serial(Product {
                        m,
                        k,
                        n: 1,
                        alpha,
                        a,
                        b,
                        beta,
                        c,
                    });
                    let c = c2.raw_mut();
                    serial(Product {
                        m,
                        k,
                        n: 2,
                        alpha,
                        a,
                        b: b2,
                        beta,
                        c,
                    });
                }
                for i in 0..m {
                    assert_eq!(
                        c1.get(i, 0).bits(),
                        c2.get(i, 0).bits(),
                        "{family}: C[{i}] m={m} k={k} α={alpha} β={beta}"
                    );
                }
            }
        }
    }
    for (family, serial) in f32::families() {
        run::<f32>(serial, family);
    }
    for (family, serial) in f64::families() {
        run::<f64>(serial, family);
    }
}
