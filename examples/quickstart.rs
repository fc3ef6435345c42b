//! Quickstart: no data files needed.
//!
//! Generates a 3-class spiral (300 points in 2-D), builds a 2-32-3 network (tanh hidden layer,
//! softmax + cross-entropy output), checks its gradients against central differences, trains
//! it with plain gradient descent written as a loop over `cost_grad` on the flat parameter
//! vector θ, and prints the training accuracy.
//!
//! ```text
//! cargo run --release --example quickstart [-- --seed 0 --iters 3000]
//! ```

mod common;

use deepmultinet::prelude::*;
use nalgebra::DMatrix;
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::time::Instant;

/// `points` samples per class of a `classes`-armed spiral (samples are columns).
fn spiral(
    points: usize,
    classes: usize,
    rng: &mut Xoshiro256PlusPlus,
) -> (DMatrix<f64>, Vec<usize>) {
    let m = points * classes;
    let mut x = DMatrix::zeros(2, m);
    let mut y = Vec::with_capacity(m);
    for c in 0..classes {
        for i in 0..points {
            let r = i as f64 / points as f64;
            let t = c as f64 * 4.0 + 4.0 * r + rng.random_range(-0.2..0.2);
            let j = c * points + i;
            x[(0, j)] = r * t.sin();
            x[(1, j)] = r * t.cos();
            y.push(c);
        }
    }
    (x, y)
}

fn arg(name: &str, default: u64) -> Result<u64> {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == name) {
        None => Ok(default),
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| Error::InvalidConfig(format!("{name} needs a non-negative integer"))),
    }
}

fn main() -> std::process::ExitCode {
    common::exit(main_result())
}

fn main_result() -> Result<()> {
    let seed = arg("--seed", 0)?;
    let threads = usize::try_from(arg("--threads", 0)?).unwrap_or(usize::MAX);
    deepmultinet::set_num_threads(threads);
    let iters = usize::try_from(arg("--iters", 3000)?).unwrap_or(usize::MAX);
    let iters = common::at_most("iters", iters, common::MAX_ITERS)?;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let (x, y) = spiral(100, 3, &mut rng);

    let mut net = Network::builder(2)
        .hidden(32, Tanh)
        .output(3, SoftmaxCrossEntropy::<f64>::new())
        .init(Init::Glorot)
        .build(&mut rng)?;
    println!(
        "network {:?}: {} parameters in one vector θ",
        net.sizes(),
        net.num_params()
    );

    // 1. Backprop against central differences on 20 samples, every parameter.
    let check = GradientCheck::new().run(&net, x.columns(0, 20), &y[..20], 1e-3)?;
    println!(
        "gradient check: relative difference {:.2e} over {} parameters",
        check.relative_difference,
        check.indices.len()
    );

    // 2. Plain gradient descent: θ ← θ − α ∇J(θ).
    let (alpha, lambda) = (1.0, 1e-3);
    let mut grad = vec![0.0; net.num_params()];
    let mut ws = net.workspace(x.ncols());
    let start = Instant::now();
    for it in 0..=iters {
        let cost = net.cost_grad(&mut ws, &x, &y, lambda, &mut grad)?;
        if it % (iters / 6).max(1) == 0 {
            println!("iteration {it:5}: cost {cost:.4}");
        }
        for (t, g) in net.params_mut().iter_mut().zip(&grad) {
            *t -= alpha * g;
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    let acc = net.accuracy(&x, &y)?;
    println!(
        "training accuracy {:.1} % after {iters} iterations ({seconds:.2} s)",
        acc * 100.0
    );
    println!(
        "result: train_acc={acc:.4} iters={iters} gradcheck={:.3e} seconds={seconds:.3} threads={} theta={}",
        check.relative_difference,
        deepmultinet::num_threads(),
        common::fingerprint(net.params())
    );
    Ok(())
}
