//! After one warm-up call per shape, the crate's GEMM performs no heap allocation: its
//! packing buffers are thread-local and reused (a counting global allocator proves it).
//!
//! This binary holds a single test and no test harness (Cargo.toml: `harness = false`), so
//! that nothing else allocates while it counts.

use deepmultinet::linalg::gemm;
use deepmultinet::{Scalar, set_num_threads};
use nalgebra::{DMatrixView, DMatrixViewMut};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator, counting every allocation and reallocation.
struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: caller's contract, forwarded.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: caller's contract, forwarded.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: caller's contract, forwarded.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: caller's contract, forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// One product of the shapes a training step uses: `(m, k, n)`, whether A and B are
/// transposed views (row-major strides), and β.
type Case = (usize, usize, usize, bool, bool, f64);

const CASES: &[Case] = &[
    (128, 784, 64, false, false, 0.0),  // Z = W·X
    (128, 64, 784, false, true, 0.5),   // ∇W = δ·Xᵀ (+ β·∇W)
    (784, 128, 64, true, false, 0.0),   // Wᵀ·δ
    (10, 64, 64, false, false, 0.0),    // small layer
    (1, 1, 1, false, false, 1.0),       // scalar
    (300, 1100, 50, false, false, 0.0), // several kc and mc blocks
];

/// Runs every case once on storage allocated beforehand.
fn run_all<T: Scalar>(bufs: &mut [(Vec<T>, Vec<T>, Vec<T>)]) {
    for (&(m, k, n, ta, tb, beta), (a, b, c)) in CASES.iter().zip(bufs.iter_mut()) {
        let (rsa, csa) = if ta { (k, 1) } else { (1, m) };
        let (rsb, csb) = if tb { (n, 1) } else { (1, k) };
        // Views of the buffers (a transposed operand has swapped strides): no allocation.
        let a = DMatrixView::from_slice_with_strides(a, m, k, rsa, csa);
        let b = DMatrixView::from_slice_with_strides(b, k, n, rsb, csb);
        let mut c = DMatrixViewMut::from_slice(c, m, n);
        gemm(T::one(), &a, &b, T::of(beta), &mut c).unwrap();
    }
}

fn buffers<T: Scalar>() -> Vec<(Vec<T>, Vec<T>, Vec<T>)> {
    CASES
        .iter()
        .map(|&(m, k, n, ..)| {
            let fill = |len: usize| (0..len).map(|i| T::of((i % 7) as f64 - 3.0)).collect();
            (fill(m * k), fill(k * n), vec![T::zero(); m * n])
        })
        .collect()
}

fn gemm_allocates_nothing_after_warm_up() {
    let mut b32 = buffers::<f32>();
    let mut b64 = buffers::<f64>();
    let mut after = 0;
    // One thread, then split across the worker pool (3 threads, whatever the core count).
    for threads in [1, 3] {
        set_num_threads(threads);
        // Warm-up: spawns the workers and grows every thread's packing buffers. Threads
        // claim a split product's chunks dynamically, so a worker the OS delays may take no
        // chunk of one call (and grow its buffers on a later one): warm up over many calls.
        for _ in 0..25 {
            run_all(&mut b32);
            run_all(&mut b64);
        }
        let before = ALLOCS.load(Ordering::SeqCst);
        for _ in 0..3 {
            run_all(&mut b32);
            run_all(&mut b64);
        }
        after = ALLOCS.load(Ordering::SeqCst);
        assert_eq!(
            after - before,
            0,
            "allocations in warmed-up GEMM calls, {threads} threads"
        );
    }
    // The counter does see allocations (the test would be vacuous otherwise).
    let v = std::hint::black_box(vec![0u8; 16]);
    drop(v);
    assert!(ALLOCS.load(Ordering::SeqCst) > after);
}

/// No test harness (see Cargo.toml): nothing but this test allocates in the process.
fn main() {
    gemm_allocates_nothing_after_warm_up();
    println!("test gemm_allocates_nothing_after_warm_up ... ok");
}
