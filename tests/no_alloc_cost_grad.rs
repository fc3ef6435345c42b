//! `cost_grad` performs no heap allocation once the workspace exists: a counting global
//! allocator (this test binary only) counts every allocation made inside the call.

use deepmultinet::prelude::*;
use nalgebra::DMatrix;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator, only counting calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::SeqCst);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::SeqCst);
        unsafe { System.alloc_zeroed(l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::SeqCst);
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_in<F: FnMut()>(mut f: F) -> usize {
    let before = ALLOCS.load(Ordering::SeqCst);
    f();
    ALLOCS.load(Ordering::SeqCst) - before
}

fn count_for<L: OutputLoss>(net: &Network<L>, m: usize, lambda: f64) -> (usize, usize) {
    use deepmultinet::optim::{Adam, AdamConfig, StepOptimizer};
    let x = DMatrix::from_fn(net.inputs(), m, |i, j| {
        L::Scalar::of(((i * 7 + j) % 11) as f64 / 11.0)
    });
    let y: Vec<usize> = (0..m).map(|j| j % net.outputs()).collect();
    let mut grad = vec![L::Scalar::of(0.0); net.num_params()];
    let mut ws = net.workspace(m);
    let lambda = L::Scalar::of(lambda);
    // First call on a fresh workspace, then steady state on a smaller and the full batch.
    let first = allocations_in(|| {
        net.cost_grad(&mut ws, &x, &y, lambda, &mut grad).unwrap();
    });
    // The whole training step: cost_grad + an Adam update of θ (its state exists after the
    // first step).
    let mut adam = Adam::new(AdamConfig::default()).unwrap();
    let mut theta = net.params().to_vec();
    adam.step(&mut theta, &grad).unwrap();
    // Warm-up of both batch sizes, not counted: a split GEMM's chunks are claimed
    // dynamically, so a worker the OS delays may first take one (and grow its thread's
    // packing buffer) only on a later call.
    let mut warm_theta = theta.clone();
    for _ in 0..10 {
        for cols in [m, m / 2] {
            net.cost_grad_at(
                &warm_theta,
                &mut ws,
                x.columns(0, cols),
                &y[..cols],
                lambda,
                &mut grad,
            )
            .unwrap();
            adam.step(&mut warm_theta, &grad).unwrap();
        }
    }
    let steady = allocations_in(|| {
        for _ in 0..3 {
            net.cost_grad_at(&theta, &mut ws, &x, &y, lambda, &mut grad)
                .unwrap();
            adam.step(&mut theta, &grad).unwrap();
            net.cost_grad_at(
                &theta,
                &mut ws,
                x.columns(0, m / 2),
                &y[..m / 2],
                lambda,
                &mut grad,
            )
            .unwrap();
            adam.step(&mut theta, &grad).unwrap();
        }
    });
    (first, steady)
}

/// Steady-state allocations of training steps with dropout on every hidden layer
/// (`cost_grad_dropout` + Adam), after warm-up steps of both batch sizes.
fn count_dropout_for<L: OutputLoss>(net: &Network<L>, m: usize) -> usize {
    use deepmultinet::network::Dropout;
    use deepmultinet::optim::{Adam, AdamConfig, StepOptimizer};
    let x = DMatrix::from_fn(net.inputs(), m, |i, j| {
        L::Scalar::of(((i * 5 + j) % 13) as f64 / 13.0)
    });
    let y: Vec<usize> = (0..m).map(|j| j % net.outputs()).collect();
    let dropout = Dropout::uniform(0.3, net.num_layers() - 1, 7).unwrap();
    let mut grad = vec![L::Scalar::of(0.0); net.num_params()];
    let mut ws = net.workspace(m);
    let mut adam = Adam::new(AdamConfig::default()).unwrap();
    let mut theta = net.params().to_vec();
    let lambda = L::Scalar::of(0.1);
    let mut step = 0u64;
    let mut one = |theta: &mut Vec<L::Scalar>, cols: usize| {
        net.cost_grad_dropout_at(
            theta,
            &mut ws,
            x.columns(0, cols),
            &y[..cols],
            lambda,
            dropout.mask(step),
            &mut grad,
        )
        .unwrap();
        adam.step(theta, &grad).unwrap();
        step += 1;
    };
    for _ in 0..10 {
        one(&mut theta, m);
        one(&mut theta, m / 2);
    }
    allocations_in(|| {
        for _ in 0..3 {
            one(&mut theta, m);
            one(&mut theta, m / 2);
        }
    })
}

/// One test function only, without the test harness (Cargo.toml): the counter is
/// process-wide, so a concurrently running test or the harness's thread would add its
/// allocations to ours.
fn cost_grad_allocates_nothing_after_the_workspace_exists() {
    // Guards against a counter that never counts (the checks below would pass vacuously).
    let n = allocations_in(|| {
        let v: Vec<u8> = Vec::with_capacity(std::hint::black_box(64));
        std::hint::black_box(v);
    });
    assert!(n >= 1);
    for threads in [1, 2] {
        deepmultinet::set_num_threads(threads);
        println!("{threads} thread(s):");
        check_all_heads();
    }
    deepmultinet::set_num_threads(0);
}

fn check_all_heads() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(0);
    let course = Network::builder(400)
        .hidden(25, Sigmoid)
        .output(10, SigmoidCrossEntropy::<f64>::new())
        .build(&mut rng)
        .unwrap();
    let modern = Network::builder(784)
        .hidden(128, Relu)
        .hidden(64, Relu)
        .output(10, SoftmaxCrossEntropy::<f32>::new())
        .init(Init::He)
        .build(&mut rng)
        .unwrap();
    let mse = Network::builder(20)
        .hidden(7, Tanh)
        .hidden(5, Softmax)
        .output(3, MeanSquaredError::<f64>::sigmoid())
        .build(&mut rng)
        .unwrap();
    for (name, (first, steady)) in [
        ("400-25-10 sigmoid f64 λ=1", count_for(&course, 500, 1.0)),
        (
            "784-128-64-10 relu/softmax f32 λ=0",
            count_for(&modern, 256, 0.0),
        ),
        (
            "20-7-5-3 tanh/softmax/mse f64 λ=0.5",
            count_for(&mse, 64, 0.5),
        ),
        (
            "784-128-64-10 relu/softmax f32 λ=0.5, batches of 8 and 4 (first layer split by θ's ranges)",
            count_for(&modern, 8, 0.5),
        ),
    ] {
        println!(
            "{name}: {first} allocation(s) in the first call, {steady} in 6 later steps (cost_grad + Adam)"
        );
        assert_eq!(
            steady, 0,
            "{name}: cost_grad allocated after the workspace existed"
        );
    }
    for (name, steady) in [
        (
            "784-128-64-10 relu/softmax f32, dropout 0.3",
            count_dropout_for(&modern, 256),
        ),
        (
            "20-7-5-3 tanh/softmax/mse f64, dropout 0.3",
            count_dropout_for(&mse, 64),
        ),
        (
            "784-128-64-10 relu/softmax f32, dropout 0.3, batches of 8 and 4",
            count_dropout_for(&modern, 8),
        ),
    ] {
        println!("{name}: {steady} allocation(s) in 6 later steps (cost_grad_dropout + Adam)");
        assert_eq!(steady, 0, "{name}: a dropout step allocated");
    }
}

/// No test harness (see Cargo.toml): nothing but this test allocates in the process.
fn main() {
    cost_grad_allocates_nothing_after_the_workspace_exists();
    println!("test cost_grad_allocates_nothing_after_the_workspace_exists ... ok");
}
