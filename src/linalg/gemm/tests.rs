//! GEMM against a naive `f64` triple loop: every stride layout, edge shapes, α/β variants,
//! `β = 0` over NaN, writes confined to C's elements, and bit-for-bit independence of tile
//! position (what makes threading deterministic).

use super::driver::{Element, gemm_serial};
use super::kernel_generic::{F32Generic, F64Generic};
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
    /// The dispatched (fastest available) single-threaded GEMM.
    fn fast() -> SerialFn<Self>;
    /// The portable one.
    fn portable() -> SerialFn<Self>;
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
    fn fast() -> SerialFn<Self> {
        <f32 as Element>::serial
    }
    fn portable() -> SerialFn<Self> {
        gemm_serial::<F32Generic>
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
    fn fast() -> SerialFn<Self> {
        <f64 as Element>::serial
    }
    fn portable() -> SerialFn<Self> {
        gemm_serial::<F64Generic>
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

/// Shapes around every tile and block boundary of both kernels.
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
    (33, 300, 19),
    (129, 40, 50),
    (40, 257, 3),
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
    all_layouts::<f32>(f32::fast(), SHAPES);
}

#[test]
fn f64_all_layouts_against_naive() {
    all_layouts::<f64>(f64::fast(), SHAPES);
}

#[test]
fn portable_kernels_against_naive() {
    all_layouts::<f32>(f32::portable(), &SHAPES[..10]);
    all_layouts::<f64>(f64::portable(), &SHAPES[..10]);
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
    for (i, &(alpha, beta, nan)) in cases.iter().enumerate() {
        for &shape in &[(1, 1, 1), (17, 5, 7), (33, 300, 19), (9, 0, 4)] {
            for lc in LAYOUTS {
                let l = (Layout::Col, Layout::Row, lc);
                check::<f32>((f32::fast(), 1), shape, l, alpha, beta, nan, i as u64);
                check::<f64>((f64::fast(), 1), shape, l, alpha, beta, nan, i as u64);
                check::<f32>((f32::portable(), 1), shape, l, alpha, beta, nan, i as u64);
            }
        }
    }
}

#[test]
fn big_shapes() {
    let l = (Layout::Col, Layout::Row, Layout::Col);
    for &shape in &[(257, 1031, 67), (257, 67, 1031), (130, 600, 7)] {
        check::<f32>((f32::fast(), 1), shape, l, 1.0, 0.5, false, 1);
        check::<f64>((f64::fast(), 1), shape, l, -1.0, 0.0, true, 2);
    }
    // Several `nc` blocks for B (f64 NC = 1536) and a transposed A.
    let l = (Layout::Row, Layout::Col, Layout::Col);
    check::<f64>((f64::fast(), 1), (9, 3, 3100), l, 1.0, 1.0, false, 3);
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

#[test]
fn results_do_not_depend_on_tile_position() {
    tile_position_independence::<f32>(f32::fast());
    tile_position_independence::<f64>(f64::fast());
    tile_position_independence::<f32>(f32::portable());
}

#[test]
fn threaded_against_naive() {
    // The pool may be busy with another test's call (then the call runs serially); either
    // way the result must be right. Bitwise equality with 1 thread: tests/gemm_threads.rs.
    for threads in [2, 3, 5] {
        for &shape in &[(130, 70, 40), (40, 70, 130), (9, 200, 300), (257, 67, 31)] {
            for la in LAYOUTS {
                let l = (la, Layout::Col, Layout::Col);
                check::<f32>((f32::fast(), threads), shape, l, 1.0, 0.0, true, 4);
                let l = (Layout::Col, la, Layout::Row);
                check::<f64>((f64::fast(), threads), shape, l, 0.5, 2.0, false, 5);
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
        check::<f32>((f32::fast(), 1), (m, k, n), (la, lb, lc), 1.5, beta, beta == 0.0, seed);
        check::<f64>((f64::fast(), 1), (m, k, n), (la, lb, lc), -0.5, beta, false, seed);
    }
}
