//! Dropout in training steps: the gradient of the thinned network (finite differences with a
//! fixed mask), rate 0 bit-identical to no dropout, inference untouched, the dropped fraction,
//! inverted scaling, masks independent of the thread split, seeded reproducibility, and the
//! parameter checks. Own test binary: the thread count is a process-wide setting, so the
//! tests take turns.

use deepmultinet::network::{Dropout, NetworkObjective};
use deepmultinet::optim::{Adam, AdamConfig};
use deepmultinet::prelude::*;
use deepmultinet::train::{EpochRunner, evaluate};
use nalgebra::DMatrix;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use std::sync::{Arc, Mutex, MutexGuard};

static SERIAL: Mutex<()> = Mutex::new(());

fn turn() -> MutexGuard<'static, ()> {
    let guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    deepmultinet::set_num_threads(0);
    guard
}

type Net = Network<SoftmaxCrossEntropy<f64>>;

fn net(seed: u64, hidden: [Arc<dyn Activation<f64>>; 2]) -> Net {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    Network::builder(5)
        .hidden_shared(9, hidden[0].clone())
        .hidden_shared(7, hidden[1].clone())
        .output(4, SoftmaxCrossEntropy::<f64>::new())
        .init(Init::Glorot)
        .build(&mut rng)
        .unwrap()
}

fn smooth_net(seed: u64) -> Net {
    net(seed, [Arc::new(Tanh), Arc::new(Sigmoid)])
}

fn data(m: usize) -> (DMatrix<f64>, Vec<usize>) {
    let x = DMatrix::from_fn(5, m, |i, j| ((i * 7 + j * 3) as f64 * 0.61).sin());
    let y = (0..m).map(|j| (j * 5 + j / 3) % 4).collect();
    (x, y)
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn the_dropout_gradient_matches_finite_differences_for_a_fixed_mask() {
    let _t = turn();
    let net = smooth_net(1);
    // 8 samples run on one thread; 64 are split across the pool's threads (when there are
    // two or more), whose parts must use the same mask.
    for m in [8, 64] {
        let (x, y) = data(m);
        let dropout = Dropout::new(&[0.5, 0.3], 11).unwrap();
        for step in [0, 5] {
            let mut f = NetworkObjective::new(&net, &x, &y, 0.3)
                .unwrap()
                .with_dropout(dropout.clone(), step)
                .unwrap();
            let all = (0..net.num_params()).collect();
            let check = GradientCheck::new()
                .run_objective(&mut f, net.params(), all)
                .unwrap();
            assert!(
                check.relative_difference < 1e-8,
                "m={m} step={step}: relative difference {:e}",
                check.relative_difference
            );
        }
        // The mask did change the objective: the thinned gradient is not the full one.
        let mut full = vec![0.0; net.num_params()];
        let mut thin = vec![0.0; net.num_params()];
        let mut ws = net.workspace(m);
        let j_full = net.cost_grad(&mut ws, &x, &y, 0.3, &mut full).unwrap();
        let j_thin = net
            .cost_grad_dropout(&mut ws, &x, &y, 0.3, dropout.mask(0), &mut thin)
            .unwrap();
        assert!((j_full - j_thin).abs() > 1e-3, "{j_full} vs {j_thin}");
        let diff: f64 = full.iter().zip(&thin).map(|(a, b)| (a - b).abs()).sum();
        assert!(diff > 1e-3);
    }
}

#[test]
fn relu_dropout_gradient_matches_finite_differences() {
    let _t = turn();
    // ReLU's kink: with 24 samples and Glorot weights no pre-activation is within ε = 1e-4 of
    // 0 (checked by the cost's smoothness: the difference would be about 1e-3, not 1e-9).
    let net = net(2, [Arc::new(Relu), Arc::new(Relu)]);
    let (x, y) = data(24);
    let mut f = NetworkObjective::new(&net, &x, &y, 0.0)
        .unwrap()
        .with_dropout(Dropout::new(&[0.4, 0.2], 5).unwrap(), 3)
        .unwrap();
    let all = (0..net.num_params()).collect();
    let check = GradientCheck::new()
        .run_objective(&mut f, net.params(), all)
        .unwrap();
    assert!(
        check.relative_difference < 1e-8,
        "{:e}",
        check.relative_difference
    );
}

#[test]
fn rate_zero_is_bit_identical_to_no_dropout() {
    let _t = turn();
    let net = smooth_net(3);
    for m in [8, 64] {
        let (x, y) = data(m);
        let mut ws = net.workspace(m);
        let mut g0 = vec![0.0; net.num_params()];
        let mut g1 = vec![0.0; net.num_params()];
        let j0 = net.cost_grad(&mut ws, &x, &y, 0.2, &mut g0).unwrap();
        let zero = Dropout::new(&[0.0, 0.0], 9).unwrap();
        assert!(zero.is_off());
        let j1 = net
            .cost_grad_dropout(&mut ws, &x, &y, 0.2, zero.mask(4), &mut g1)
            .unwrap();
        assert_eq!(j0.to_bits(), j1.to_bits());
        assert_eq!(bits(&g0), bits(&g1));
    }
    // A whole training run: rate 0 gives the θ of no dropout, bit for bit.
    let (x, y) = data(120);
    let train = |dropout: Option<Dropout>| {
        let mut net = smooth_net(4);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(8);
        let mut adam = Adam::new(AdamConfig {
            learning_rate: 0.01,
            ..Default::default()
        })
        .unwrap();
        let config = TrainConfig {
            epochs: 5,
            batch_size: 40,
            ..Default::default()
        };
        let trainer = Trainer::new(config).unwrap();
        let trainer = match dropout {
            Some(d) => trainer.with_dropout(d),
            None => trainer,
        };
        trainer
            .fit(&mut net, &mut adam, &x, &y, &mut rng, &mut ())
            .unwrap();
        net.into_params()
    };
    let plain = train(None);
    let zero = train(Some(Dropout::new(&[0.0, 0.0], 1).unwrap()));
    let half = train(Some(Dropout::new(&[0.0, 0.5], 1).unwrap()));
    assert_eq!(bits(&plain), bits(&zero));
    assert_ne!(bits(&plain), bits(&half));
}

#[test]
fn inference_is_unaffected_by_dropout_steps() {
    let _t = turn();
    let net = smooth_net(5);
    let (x, y) = data(40);
    let mut clean = net.workspace(40);
    let before = net.forward(&mut clean, &x).unwrap().into_owned();
    let cost_before = net.cost(&x, &y, 0.1).unwrap();
    let proba_before = net.predict_proba(&x).unwrap();
    // A dropout step in the same workspace, then inference through it.
    let mut ws = net.workspace(40);
    let mut g = vec![0.0; net.num_params()];
    let dropout = Dropout::new(&[0.5, 0.5], 2).unwrap();
    net.cost_grad_dropout(&mut ws, &x, &y, 0.1, dropout.mask(0), &mut g)
        .unwrap();
    let thinned = ws.outputs().into_owned();
    assert_ne!(thinned, before, "the training pass saw a thinned network");
    let after = net.forward(&mut ws, &x).unwrap().into_owned();
    assert_eq!(after, before);
    assert_eq!(
        net.cost(&x, &y, 0.1).unwrap().to_bits(),
        cost_before.to_bits()
    );
    assert_eq!(net.predict_proba(&x).unwrap(), proba_before);
    let eval = evaluate(&net, &mut ws, &x, &y, 0.1).unwrap();
    let eval_clean = evaluate(&net, &mut net.workspace(1), &x, &y, 0.1).unwrap();
    assert_eq!(eval.cost.to_bits(), eval_clean.cost.to_bits());
    // And the non-dropout gradient through a workspace that held a dropout pass.
    let (mut g0, mut g1) = (vec![0.0; net.num_params()], vec![0.0; net.num_params()]);
    net.cost_grad(&mut ws, &x, &y, 0.1, &mut g0).unwrap();
    net.cost_grad(&mut net.workspace(40), &x, &y, 0.1, &mut g1)
        .unwrap();
    assert_eq!(bits(&g0), bits(&g1));
}

/// A network whose gradient shows the mask of hidden layer 0 for a single sample: the hidden
/// layer is the identity with `A = 1` (zero weights, bias 1), so `∇W_1[0, u] = δ₀ · M[u]`.
fn mask_probe(units: usize) -> Net {
    let mut net =
        Network::with_sizes(&[1, units, 2], Identity, SoftmaxCrossEntropy::new()).unwrap();
    let layout = net.layout().clone();
    let range = layout.layer_range(0);
    // Layer 0: `Theta_0` is `units × 2`, column 0 the bias.
    for v in &mut net.params_mut()[range][..units] {
        *v = 1.0;
    }
    net
}

#[test]
fn the_dropped_fraction_is_p_and_kept_units_are_scaled_by_one_over_one_minus_p() {
    let _t = turn();
    let units = 256;
    let net = mask_probe(units);
    let x = DMatrix::from_element(1, 1, 0.0);
    let y = [1usize];
    let mut ws = net.workspace(1);
    let mut g = vec![0.0; net.num_params()];
    let w1 = net.layout().layer_range(1);
    for p in [0.1, 0.3, 0.5] {
        let dropout = Dropout::new(&[p], 17).unwrap();
        let (steps, mut dropped) = (400u64, 0usize);
        // θ has W_1 = 0: uniform outputs, δ₀ = 1/2 − 0 for class 0.
        let scaled = 0.5 / (1.0 - p);
        for step in 0..steps {
            let mask = dropout.mask(step);
            net.cost_grad_dropout(&mut ws, &x, &y, 0.0, mask, &mut g)
                .unwrap();
            // `Theta_1` is 2 × (units + 1), column-major: column 1 + u, row 0.
            let theta1 = &g[w1.clone()];
            for u in 0..units {
                let gw = theta1[2 * (1 + u)];
                if mask.keeps(0, 0, u) {
                    assert!(
                        (gw - scaled).abs() < 1e-12,
                        "p={p} step={step} unit={u}: {gw}"
                    );
                } else {
                    assert_eq!(gw, 0.0, "p={p} step={step} unit={u}");
                    dropped += 1;
                }
            }
        }
        let n = (steps as usize * units) as f64;
        let frac = dropped as f64 / n;
        let sigma = (p * (1.0 - p) / n).sqrt();
        assert!(
            (frac - p).abs() < 5.0 * sigma,
            "p={p}: dropped {frac:.5} of {n} (σ = {sigma:.5})"
        );
    }
}

#[test]
fn masks_are_independent_across_steps_layers_and_samples() {
    let _t = turn();
    let d = Dropout::new(&[0.5, 0.5], 3).unwrap();
    let pattern = |step: u64, layer: usize, sample: usize| -> Vec<bool> {
        (0..512)
            .map(|u| d.mask(step).keeps(layer, sample, u))
            .collect()
    };
    let agree = |a: &[bool], b: &[bool]| a.iter().zip(b).filter(|(x, y)| x == y).count();
    let base = pattern(0, 0, 0);
    // Pairs of independent fair coins agree on about half of 512 units (σ ≈ 11).
    for other in [pattern(1, 0, 0), pattern(0, 1, 0), pattern(0, 0, 1)] {
        let a = agree(&base, &other);
        assert!((200..312).contains(&a), "{a} of 512 agree");
    }
    // Another seed, other masks; the same seed, the same masks.
    let e = Dropout::new(&[0.5, 0.5], 4).unwrap();
    let other_seed: Vec<bool> = (0..512).map(|u| e.mask(0).keeps(0, 0, u)).collect();
    assert!((200..312).contains(&agree(&base, &other_seed)));
    assert_eq!(base, pattern(0, 0, 0));
}

#[test]
fn the_mask_does_not_depend_on_the_thread_split() {
    let _t = turn();
    let net = smooth_net(6);
    let (x, y) = data(96);
    let dropout = Dropout::new(&[0.5, 0.25], 21).unwrap();
    let run = |threads: usize, mask: bool| {
        deepmultinet::set_num_threads(threads);
        let mut ws = net.workspace(96);
        let mut g = vec![0.0; net.num_params()];
        let j = if mask {
            net.cost_grad_dropout(&mut ws, &x, &y, 0.0, dropout.mask(2), &mut g)
        } else {
            net.cost_grad(&mut ws, &x, &y, 0.0, &mut g)
        }
        .unwrap();
        (j, g)
    };
    // Split into 1 and 3 parts (96 samples: 32 per thread). Another split sums the gradient in
    // another order, so the results agree to rounding — as without dropout. A mask that
    // depended on the split would change them by far more.
    let (j1, g1) = run(1, true);
    let (j3, g3) = run(3, true);
    let (j_full, _) = run(1, false);
    deepmultinet::set_num_threads(0);
    assert!((j1 - j3).abs() < 1e-13, "{j1} vs {j3}");
    assert!((j1 - j_full).abs() > 1e-3, "the mask is on");
    for (a, b) in g1.iter().zip(&g3) {
        assert!((a - b).abs() < 1e-13, "{a} vs {b}");
    }
}

#[test]
fn dropout_training_is_reproducible_from_the_seed() {
    let _t = turn();
    let (x, y) = data(120);
    let train = |seed: u64| {
        let mut net = smooth_net(7);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(8);
        let mut adam = Adam::new(AdamConfig {
            learning_rate: 0.01,
            ..Default::default()
        })
        .unwrap();
        let config = TrainConfig {
            epochs: 3,
            batch_size: 40,
            ..Default::default()
        };
        let runner = EpochRunner::new(&net, &x, &y, &config).unwrap();
        let mut runner = runner
            .with_dropout(Dropout::new(&[0.3, 0.3], seed).unwrap())
            .unwrap();
        assert_eq!(runner.dropout().map(|d| d.seed()), Some(seed));
        let mut guard = deepmultinet::train::DivergenceGuard::new(1e6, net.params()).unwrap();
        for _ in 0..3 {
            runner
                .run_epoch(&mut net, &mut adam, &mut rng, &mut guard, &mut ())
                .unwrap();
        }
        net.into_params()
    };
    assert_eq!(bits(&train(1)), bits(&train(1)));
    assert_ne!(bits(&train(1)), bits(&train(2)));
}

#[test]
fn the_runner_uses_the_mask_of_each_step_number() {
    let _t = turn();
    use deepmultinet::optim::StepOptimizer;
    let (x, y) = data(120);
    let dropout = Dropout::new(&[0.3, 0.4], 13).unwrap();
    let adam = || {
        Adam::new(AdamConfig {
            learning_rate: 0.01,
            ..Default::default()
        })
        .unwrap()
    };
    // Two epochs of three unshuffled batches of 40 through the runner ...
    let mut net = smooth_net(10);
    let config = TrainConfig {
        batch_size: 40,
        shuffle: false,
        ..Default::default()
    };
    let mut runner = EpochRunner::new(&net, &x, &y, &config)
        .unwrap()
        .with_dropout(dropout.clone())
        .unwrap();
    let mut guard = deepmultinet::train::DivergenceGuard::new(1e6, net.params()).unwrap();
    let mut opt = adam();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(0);
    for _ in 0..2 {
        runner
            .run_epoch(&mut net, &mut opt, &mut rng, &mut guard, &mut ())
            .unwrap();
    }
    // ... are the six steps `cost_grad_dropout` with `mask(0)`, ..., `mask(5)`.
    let reference = smooth_net(10);
    let mut theta = reference.params().to_vec();
    let (mut ws, mut g, mut opt) = (reference.workspace(40), vec![0.0; theta.len()], adam());
    for step in 0..6u64 {
        let cols = (step as usize % 3) * 40;
        reference
            .cost_grad_dropout_at(
                &theta,
                &mut ws,
                x.columns(cols, 40),
                &y[cols..cols + 40],
                0.0,
                dropout.mask(step),
                &mut g,
            )
            .unwrap();
        opt.step(&mut theta, &g).unwrap();
    }
    assert_eq!(bits(net.params()), bits(&theta));
}

#[test]
fn the_workspace_grows_for_a_larger_dropout_batch() {
    let _t = turn();
    let net = smooth_net(8);
    let dropout = Dropout::new(&[0.2, 0.2], 0).unwrap();
    let mut ws = net.workspace(4);
    let mut g = vec![0.0; net.num_params()];
    for m in [4, 50, 7] {
        let (x, y) = data(m);
        let j = net
            .cost_grad_dropout(&mut ws, &x, &y, 0.0, dropout.mask(0), &mut g)
            .unwrap();
        // The same as a fresh workspace's.
        let mut g2 = vec![0.0; net.num_params()];
        let j2 = net
            .cost_grad_dropout(&mut net.workspace(m), &x, &y, 0.0, dropout.mask(0), &mut g2)
            .unwrap();
        assert_eq!(j.to_bits(), j2.to_bits(), "m={m}");
        assert_eq!(bits(&g), bits(&g2), "m={m}");
    }
}

#[test]
fn bad_rates_and_layer_counts_are_errors() {
    let _t = turn();
    for p in [1.0, 1.5, -0.1, f64::NAN, f64::INFINITY] {
        assert!(
            matches!(
                Dropout::new(&[0.1, p], 0),
                Err(Error::InvalidParameter {
                    name: "dropout",
                    ..
                })
            ),
            "p = {p}"
        );
        assert!(Dropout::uniform(p, 2, 0).is_err());
    }
    assert_eq!(Dropout::uniform(0.25, 3, 5).unwrap().rates(), &[0.25; 3]);
    let net = smooth_net(9);
    let (x, y) = data(8);
    let one_layer = Dropout::new(&[0.2], 0).unwrap();
    let mut g = vec![0.0; net.num_params()];
    let mut ws = net.workspace(8);
    assert!(matches!(
        net.cost_grad_dropout(&mut ws, &x, &y, 0.0, one_layer.mask(0), &mut g),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        NetworkObjective::new(&net, &x, &y, 0.0)
            .unwrap()
            .with_dropout(one_layer.clone(), 0),
        Err(Error::ShapeMismatch { .. })
    ));
    let runner = EpochRunner::new(&net, &x, &y, &TrainConfig::default()).unwrap();
    assert!(matches!(
        runner.with_dropout(one_layer.clone()),
        Err(Error::ShapeMismatch { .. })
    ));
    // The trainer reports it when `fit` starts, before θ changes.
    let mut net2 = net.clone();
    let mut adam = Adam::new(AdamConfig::default()).unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(0);
    let r = Trainer::new(TrainConfig::default())
        .unwrap()
        .with_dropout(one_layer)
        .fit(&mut net2, &mut adam, &x, &y, &mut rng, &mut ());
    assert!(matches!(r, Err(Error::ShapeMismatch { .. })));
    assert_eq!(net2.params(), net.params());
    // The usual batch checks come first as for cost_grad.
    let two = Dropout::new(&[0.2, 0.2], 0).unwrap();
    let mut short = vec![0.0; 3];
    assert!(
        net.cost_grad_dropout(&mut ws, &x, &y, 0.0, two.mask(0), &mut short)
            .is_err()
    );
    assert!(
        net.cost_grad_dropout(&mut ws, &x, &y, -1.0, two.mask(0), &mut g)
            .is_err()
    );
}
