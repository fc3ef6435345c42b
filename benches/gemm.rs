//! The crate's GEMM against `matrixmultiply` (single-threaded) on the products a training
//! step performs and on a 1024³ peak problem, then the crate's GEMM on all cores
//! (`deepmultinet-mt`). Throughput is in FLOPs (`2·m·k·n` elements), so criterion's
//! `Gelem/s` reads as GFLOP/s.
//!
//! `cargo bench --bench gemm -- --warm-up-time 1 --measurement-time 3`

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use deepmultinet::linalg::gemm;
use deepmultinet::{Scalar, set_num_threads};
use nalgebra::{DMatrixView, DMatrixViewMut};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::hint::black_box;

/// `(label, m, k, n, A transposed, B transposed)`: a transposed operand is a stride-swapped
/// view of a column-major matrix (row-major strides), as in the backward pass.
type Shape = (&'static str, usize, usize, usize, bool, bool);

const F32_SHAPES: &[Shape] = &[
    ("fwd W·X 128x784x64", 128, 784, 64, false, false),
    ("grad δ·Xᵀ 128x64x784", 128, 64, 784, false, true),
    ("bwd Wᵀ·δ 784x128x64", 784, 128, 64, true, false),
    ("fwd W·X 128x784x256", 128, 784, 256, false, false),
    ("grad δ·Xᵀ 128x256x784", 128, 256, 784, false, true),
    ("bwd Wᵀ·δ 784x128x256", 784, 128, 256, true, false),
    ("peak 1024³", 1024, 1024, 1024, false, false),
];

const F64_SHAPES: &[Shape] = &[
    ("fwd W·X 25x400x5000", 25, 400, 5000, false, false),
    ("grad δ·Xᵀ 25x5000x400", 25, 5000, 400, false, true),
    ("peak 1024³", 1024, 1024, 1024, false, false),
];

/// Column-major-or-transposed operands and a column-major C.
struct Problem<T> {
    m: usize,
    k: usize,
    n: usize,
    a: Vec<T>,
    b: Vec<T>,
    c: Vec<T>,
    sa: (usize, usize),
    sb: (usize, usize),
}

impl<T: Scalar> Problem<T> {
    fn new(&(_, m, k, n, ta, tb): &Shape) -> Self {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(42);
        let mut fill = |len: usize| -> Vec<T> {
            (0..len)
                .map(|_| T::of(rng.random_range(-1.0..1.0)))
                .collect()
        };
        Problem {
            m,
            k,
            n,
            a: fill(m * k),
            b: fill(k * n),
            c: vec![T::zero(); m * n],
            sa: if ta { (k, 1) } else { (1, m) },
            sb: if tb { (n, 1) } else { (1, k) },
        }
    }

    fn flops(&self) -> u64 {
        2 * (self.m * self.k * self.n) as u64
    }
}

/// `matrixmultiply::{s,d}gemm`'s signature.
type RawGemm<T> = unsafe fn(
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

/// The crate's GEMM, through its safe view-based entry (a transposed operand is a
/// stride-swapped view).
fn ours<T: Scalar>(p: &mut Problem<T>) {
    let a = DMatrixView::from_slice_with_strides(&p.a, p.m, p.k, p.sa.0, p.sa.1);
    let b = DMatrixView::from_slice_with_strides(&p.b, p.k, p.n, p.sb.0, p.sb.1);
    let mut c = DMatrixViewMut::from_slice(&mut p.c, p.m, p.n);
    gemm(T::one(), &a, &b, T::zero(), &mut c).unwrap();
    black_box(&p.c);
}

/// `matrixmultiply` on the same problem.
fn theirs<T: Scalar>(f: RawGemm<T>, p: &mut Problem<T>) {
    // SAFETY: the buffers hold exactly the m×k, k×n, m×n matrices the strides describe;
    // `c` is a distinct buffer.
    unsafe {
        f(
            p.m,
            p.k,
            p.n,
            T::one(),
            p.a.as_ptr(),
            p.sa.0 as isize,
            p.sa.1 as isize,
            p.b.as_ptr(),
            p.sb.0 as isize,
            p.sb.1 as isize,
            T::zero(),
            p.c.as_mut_ptr(),
            1,
            p.m as isize,
        );
    }
    black_box(&p.c);
}

fn group<T: Scalar>(c: &mut Criterion, name: &str, shapes: &[Shape], mm: RawGemm<T>) {
    let mut g = c.benchmark_group(name);
    for shape in shapes {
        let mut p = Problem::<T>::new(shape);
        g.throughput(Throughput::Elements(p.flops()));
        if p.flops() > 1 << 30 {
            g.sample_size(10);
        } else {
            g.sample_size(50);
        }
        set_num_threads(1);
        g.bench_function(BenchmarkId::new("deepmultinet", shape.0), |bch| {
            bch.iter(|| ours(&mut p))
        });
        g.bench_function(BenchmarkId::new("matrixmultiply", shape.0), |bch| {
            bch.iter(|| theirs(mm, &mut p))
        });
        set_num_threads(0);
        g.bench_function(BenchmarkId::new("deepmultinet-mt", shape.0), |bch| {
            bch.iter(|| ours(&mut p))
        });
    }
    g.finish();
}

fn gemm_f32(c: &mut Criterion) {
    group::<f32>(c, "gemm_f32", F32_SHAPES, matrixmultiply::sgemm);
}

fn gemm_f64(c: &mut Criterion) {
    group::<f64>(c, "gemm_f64", F64_SHAPES, matrixmultiply::dgemm);
}

criterion_group!(benches, gemm_f32, gemm_f64);
criterion_main!(benches);
