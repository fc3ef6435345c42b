//! Splitting a batch across threads gives the same cost and gradient as one thread (up to
//! rounding), and bit-identical results run to run for a fixed thread count.
//! Own test binary: the thread count is a process-wide setting.

use deepmultinet::prelude::*;
use nalgebra::DMatrix;
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::sync::Mutex;

/// The thread count is process-wide: tests in this binary take turns.
static SERIAL: Mutex<()> = Mutex::new(());

fn run(
    threads: usize,
    net: &Network<SoftmaxCrossEntropy<f64>>,
    x: &DMatrix<f64>,
    y: &[usize],
    lambda: f64,
) -> (f64, Vec<f64>) {
    deepmultinet::set_num_threads(threads);
    let mut ws = net.workspace(x.ncols());
    let mut g = vec![0.0; net.num_params()];
    let c = net.cost_grad(&mut ws, x, y, lambda, &mut g).unwrap();
    // A second call through the same (now split) workspace gives the same bits.
    let mut g2 = vec![0.0; net.num_params()];
    let c2 = net.cost_grad(&mut ws, x, y, lambda, &mut g2).unwrap();
    assert_eq!(c.to_bits(), c2.to_bits());
    assert_eq!(g, g2);
    (c, g)
}

/// For random batches of each size in `batches`, with λ = 0.7 and 0: the cost and gradient
/// on 2, 3 and 4 threads within `tol` of one thread's (see [`assert_close`]), each bit-identical run to run.
fn matches_one_thread(
    net: &Network<SoftmaxCrossEntropy<f64>>,
    batches: &[usize],
    tol: f64,
    rng: &mut Xoshiro256PlusPlus,
) {
    let (inputs, classes) = (net.inputs(), net.outputs());
    for &m in batches {
        let x = DMatrix::from_fn(inputs, m, |_, _| rng.random_range(-1.0..1.0));
        let y: Vec<usize> = (0..m).map(|_| rng.random_range(0..classes)).collect();
        for lambda in [0.7, 0.0] {
            let (c1, g1) = run(1, net, &x, &y, lambda);
            for threads in [2, 3, 4] {
                let (c, g) = run(threads, net, &x, &y, lambda);
                let what = format!("m={m} λ={lambda} threads={threads}");
                assert_close((c, &g), (c1, &g1), tol, &what);
            }
        }
    }
}

/// A cost and gradient within `tol` (relative to the cost, and to the largest gradient
/// value) of the one-thread reference.
fn assert_close(got: (f64, &[f64]), want: (f64, &[f64]), tol: f64, what: &str) {
    let ((c, g), (c1, g1)) = (got, want);
    assert!((c - c1).abs() <= tol * c1.abs(), "{what}: {c} vs {c1}");
    let scale = g1.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    for (i, (a, b)) in g.iter().zip(g1).enumerate() {
        assert!((a - b).abs() <= tol * scale, "{what} θ[{i}]: {a} vs {b}");
    }
}

#[test]
fn split_batches_match_one_thread() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    let net = Network::builder(30)
        .hidden(20, Tanh)
        .hidden(12, Relu)
        .output(5, SoftmaxCrossEntropy::<f64>::new())
        .init(Init::Glorot)
        .build(&mut rng)
        .unwrap();
    matches_one_thread(&net, &[7, 64, 101, 256], 1e-12, &mut rng);
    deepmultinet::set_num_threads(0);
}

/// A batch too small to split by samples, with a first layer large enough that its two
/// products follow the optimiser's ranges of θ (one per thread): the same cost and gradient
/// as one thread (up to the rounding of the forward pass's partial sums), bit-identical run
/// to run. 229 hidden units put every range's bounds inside a column of `W_1`, so the
/// gradient's partial first and last columns are exercised for 2, 3 and 4 threads.
#[test]
fn small_batches_split_by_ranges_of_theta_match_one_thread() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(13);
    let net = Network::builder(300)
        .hidden(229, Tanh)
        .output(7, SoftmaxCrossEntropy::<f64>::new())
        .init(Init::Glorot)
        .build(&mut rng)
        .unwrap();
    assert!(
        net.num_params() >= 1 << 16,
        "θ must be long enough to be split"
    );
    matches_one_thread(&net, &[1, 5, 31], 1e-13, &mut rng);
    deepmultinet::set_num_threads(0);
}

/// The running training accuracy of an epoch counts every sample of every batch, also when a
/// batch was split across threads (regression: only the first thread's share was counted).
#[test]
fn running_training_accuracy_counts_split_batches() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    use deepmultinet::optim::{Sgd, SgdConfig};
    use deepmultinet::train::{TrainConfig, fit};
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    let mut net = Network::builder(8)
        .hidden(6, Tanh)
        .output(3, SoftmaxCrossEntropy::<f64>::new())
        .init(Init::Uniform { epsilon: 1.0 })
        .build(&mut rng)
        .unwrap();
    let x = DMatrix::from_fn(8, 512, |_, _| rng.random_range(-1.0..1.0));
    let y: Vec<usize> = (0..512).map(|_| rng.random_range(0..3)).collect();
    let before = net.accuracy(&x, &y).unwrap();
    // A learning rate so small that θ does not move in f64: the running accuracy must equal
    // the accuracy of the (unchanged) network on the whole training set.
    let mut sgd = Sgd::new(SgdConfig {
        learning_rate: 1e-300,
        ..Default::default()
    })
    .unwrap();
    let config = TrainConfig {
        epochs: 1,
        batch_size: 128,
        ..Default::default()
    };
    for threads in [1, 2] {
        deepmultinet::set_num_threads(threads);
        let h = fit(&mut net, &mut sgd, &x, &y, &config, &mut rng).unwrap();
        let acc = h.epochs[0].train_accuracy.unwrap();
        assert_eq!(acc, before, "threads = {threads}");
    }
    deepmultinet::set_num_threads(0);
}

/// A forward pass split by columns across threads (each thread takes a range of samples
/// through a layer) gives every layer's activations the bits of one thread, and a sample
/// alone in its batch (the matrix-vector path) gets the bits it gets inside a batch.
#[test]
fn split_forward_passes_give_the_bits_of_one_thread() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(12);
    let net = Network::builder(100)
        .hidden(70, Tanh)
        .hidden(40, Relu)
        .output(6, SoftmaxCrossEntropy::<f32>::new())
        .init(Init::Glorot)
        .build(&mut rng)
        .unwrap();
    let m = 301;
    let x = DMatrix::from_fn(100, m, |_, _| rng.random_range(-1.0f32..1.0));
    let layers = |threads: usize| {
        deepmultinet::set_num_threads(threads);
        let mut ws = net.workspace(m);
        net.forward(&mut ws, &x).unwrap();
        (0..net.num_layers())
            .map(|l| {
                ws.activations(l)
                    .unwrap()
                    .iter()
                    .map(|v| v.to_bits())
                    .collect()
            })
            .collect::<Vec<Vec<u32>>>()
    };
    let one = layers(1);
    for threads in [2, 3, 4] {
        assert_eq!(layers(threads), one, "{threads} threads");
    }
    // One sample at a time (n = 1 products) against its column of the batch.
    deepmultinet::set_num_threads(1);
    let proba = net.predict_proba(&x).unwrap();
    for j in [0, 1, 150, 300] {
        let alone = net.predict_proba(x.columns(j, 1)).unwrap();
        for (a, b) in alone.iter().zip(proba.column(j).iter()) {
            assert_eq!(a.to_bits(), b.to_bits(), "sample {j}");
        }
    }
    deepmultinet::set_num_threads(0);
}
