//! Steps allocate nothing: a counting global allocator around SGD/Adam steps, and a whole
//! `fit` whose allocations per step must be exactly those of the network's `cost_grad` (the
//! training loop — shuffling, gathering, bookkeeping, the step — adds none).
//! (`cost_grad` itself allocates nothing on a warm workspace: `tests/no_alloc_cost_grad.rs`.)

use deepmultinet::optim::{Adam, AdamConfig, Sgd, SgdConfig, StepOptimizer};
use deepmultinet::prelude::*;
use deepmultinet::train::fit;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// Counts allocations per thread (the test harness allocates on other threads meanwhile).
struct Counting;
thread_local! {
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

fn bump() {
    let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        bump();
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        bump();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_in(f: impl FnOnce()) -> usize {
    let before = ALLOCS.with(Cell::get);
    f();
    ALLOCS.with(Cell::get) - before
}

#[test]
fn optimizer_steps_do_not_allocate() {
    let n = 10_000;
    let mut theta = vec![0.5f32; n];
    let grad = vec![0.1f32; n];
    let mut opts: Vec<Box<dyn StepOptimizer<f32>>> = vec![
        Box::new(Sgd::new(SgdConfig::default()).unwrap()),
        Box::new(
            Sgd::new(SgdConfig {
                momentum: 0.9,
                nesterov: true,
                ..Default::default()
            })
            .unwrap(),
        ),
        Box::new(
            Adam::new(AdamConfig {
                weight_decay: 0.01,
                ..Default::default()
            })
            .unwrap(),
        ),
    ];
    for opt in &mut opts {
        opt.step(&mut theta, &grad).unwrap(); // first step may allocate state
        let count = allocations_in(|| {
            for _ in 0..100 {
                opt.step(&mut theta, &grad).unwrap();
            }
        });
        assert_eq!(count, 0);
    }
}

#[test]
fn fit_allocations_do_not_grow_with_steps() {
    let m = 200;
    let x = nalgebra::DMatrix::from_fn(4, m, |i, j| ((i * 7 + j * 13) % 17) as f32 / 17.0);
    let y: Vec<usize> = (0..m).map(|j| j % 3).collect();
    let count = |epochs: usize, batch_size: usize| {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(0);
        let mut net = Network::builder(4)
            .hidden(16, Relu)
            .output(3, SoftmaxCrossEntropy::<f32>::new())
            .init(Init::He)
            .build(&mut rng)
            .unwrap();
        let mut adam = Adam::new(AdamConfig::default()).unwrap();
        let config = TrainConfig {
            epochs,
            batch_size,
            ..Default::default()
        };
        allocations_in(|| {
            fit(&mut net, &mut adam, &x, &y, &config, &mut rng).unwrap();
        })
    };
    // Allocations of one cost_grad call on a warm workspace, for batches of 10 and 5.
    let per_call = |batch: usize| {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(0);
        let net = Network::builder(4)
            .hidden(16, Relu)
            .output(3, SoftmaxCrossEntropy::<f32>::new())
            .build(&mut rng)
            .unwrap();
        let xb = x.columns(0, batch);
        let mut ws = net.workspace(batch);
        let mut g = vec![0.0; net.num_params()];
        net.cost_grad(&mut ws, xb, &y[..batch], 0.0, &mut g)
            .unwrap();
        allocations_in(|| {
            net.cost_grad(&mut ws, xb, &y[..batch], 0.0, &mut g)
                .unwrap();
        })
    };
    let (k10, k5) = (per_call(10), per_call(5));
    count(1, 10); // warm up one-time lazy initialisation (thread-locals, ...)
    let (a, b, c) = (count(2, 10), count(8, 10), count(8, 5));
    println!(
        "fit allocations: 2 epochs × 20 steps: {a}; 8 × 20: {b}; 8 × 40: {c}; one cost_grad call: {k10} (batch 10), {k5} (batch 5)"
    );
    // 120 more steps cost exactly 120 cost_grad calls' allocations, nothing more.
    assert_eq!(b - a, 120 * k10);
    // Twice the steps per epoch: the same fixed part, plus the extra calls.
    assert_eq!(c - (a - 40 * k10), 320 * k5);
}
