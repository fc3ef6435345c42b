//! The training loop on a small synthetic problem: three Gaussian blobs in the plane
//! (seeded), a 2-8-3 tanh network with a softmax head (and an identity-output MSE head for
//! the divergence tests).
//!
//! Run with `--nocapture` to see the numbers.

use deepmultinet::network::MiniBatchObjective;
use deepmultinet::optim::{
    Adam, AdamConfig, CgConfig, ConjugateGradient, Lbfgs, LbfgsConfig, Objective, Schedule, Sgd,
    SgdConfig, StopReason,
};
use deepmultinet::prelude::*;
use deepmultinet::train::{Event, Monitor, PrintProgress, TrainStop, fit};
use nalgebra::DMatrix;
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::ops::ControlFlow;

/// `n` samples per class around (0, 2), (−2, −1), (2, −1) with unit noise × `spread`.
fn blobs(n: usize, spread: f64, seed: u64) -> (DMatrix<f64>, Vec<usize>) {
    let centres = [(0.0, 2.0), (-2.0, -1.0), (2.0, -1.0)];
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut x = DMatrix::zeros(2, 3 * n);
    let mut y = Vec::with_capacity(3 * n);
    for j in 0..3 * n {
        let c = j % 3;
        let e0: f64 = StandardNormal.sample(&mut rng);
        let e1: f64 = StandardNormal.sample(&mut rng);
        x[(0, j)] = centres[c].0 + spread * e0;
        x[(1, j)] = centres[c].1 + spread * e1;
        y.push(c);
    }
    (x, y)
}

fn softmax_net(seed: u64) -> Network<SoftmaxCrossEntropy<f64>> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    Network::builder(2)
        .hidden(8, Tanh)
        .output(3, SoftmaxCrossEntropy::new())
        .init(Init::Glorot)
        .build(&mut rng)
        .unwrap()
}

fn mse_net(seed: u64) -> Network<MeanSquaredError<f64>> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    Network::builder(2)
        .hidden(8, Tanh)
        .output(3, MeanSquaredError::new())
        .init(Init::Glorot)
        .build(&mut rng)
        .unwrap()
}

fn bits(theta: &[f64]) -> Vec<u64> {
    theta.iter().map(|v| v.to_bits()).collect()
}

/// FNV-1a over the bit patterns (to print a short fingerprint of θ).
fn fingerprint(theta: &[f64]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in bits(theta) {
        for byte in b.to_le_bytes() {
            h ^= byte as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    h
}

#[test]
fn cg_full_batch_decreases_the_cost_every_iteration() {
    let (x, y) = blobs(50, 0.8, 1);
    let mut net = softmax_net(2);
    let initial = net.cost(&x, &y, 0.1).unwrap();
    let mut cg = ConjugateGradient::new(CgConfig {
        max_iter: 50,
        ..Default::default()
    })
    .unwrap();
    let trainer = Trainer::new(TrainConfig {
        lambda: 0.1,
        ..Default::default()
    })
    .unwrap();
    let h = trainer
        .fit_full_batch(&mut net, &mut cg, &x, &y, &mut ())
        .unwrap();
    let rec = h.last().unwrap();
    println!(
        "CG 2-8-3 on blobs: cost {initial:.6} -> {:.6} in {} iterations, {} evaluations, train acc {:.4}, stop {:?}",
        rec.cost,
        h.iterations,
        h.evaluations,
        rec.train_accuracy.unwrap(),
        h.stop
    );
    // `cost` runs on one thread, training may split the batch across threads: same value up
    // to the order of the additions.
    assert!((h.initial_cost - initial).abs() <= 1e-12 * initial);
    assert_eq!(h.iteration_costs.len(), 50);
    assert_eq!(h.stop, TrainStop::Minimizer(StopReason::MaxIterations));
    assert!(h.iteration_costs[0] < initial);
    for w in h.iteration_costs.windows(2) {
        assert!(w[1] < w[0], "cost went up: {w:?}");
    }
    // The network holds the final θ: its cost is the last iteration's.
    let final_cost = net.cost(&x, &y, 0.1).unwrap();
    assert!((final_cost - rec.cost).abs() < 1e-12);
    assert!(rec.train_accuracy.unwrap() > 0.9);
}

#[test]
fn lbfgs_full_batch_fits_the_blobs() {
    let (x, y) = blobs(50, 0.8, 1);
    let (xv, yv) = blobs(100, 0.8, 11);
    let mut net = softmax_net(2);
    let mut lb = Lbfgs::new(LbfgsConfig {
        max_iter: 100,
        ..Default::default()
    })
    .unwrap();
    let h = Trainer::new(TrainConfig {
        lambda: 0.1,
        ..Default::default()
    })
    .unwrap()
    .with_validation(&xv, &yv)
    .unwrap()
    .fit_full_batch(&mut net, &mut lb, &x, &y, &mut ())
    .unwrap();
    let rec = h.last().unwrap();
    println!(
        "L-BFGS 2-8-3 on blobs: cost {:.6} after {} iterations ({} evaluations), train acc {:.4}, validation acc {:.4}, stop {:?}",
        rec.cost,
        h.iterations,
        h.evaluations,
        rec.train_accuracy.unwrap(),
        rec.validation_accuracy.unwrap(),
        h.stop
    );
    assert!(h.iteration_costs.windows(2).all(|w| w[1] < w[0]));
    assert!(rec.validation_accuracy.unwrap() > 0.9);
    assert_eq!(
        rec.validation_accuracy.unwrap(),
        net.accuracy(&xv, &yv).unwrap()
    );
}

#[test]
fn same_seed_gives_bit_identical_parameters() {
    let (x, y) = blobs(50, 1.0, 3);
    let run = |seed: u64| {
        let mut net = softmax_net(seed);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut adam = Adam::new(AdamConfig {
            learning_rate: 1e-2,
            ..Default::default()
        })
        .unwrap();
        let config = TrainConfig {
            epochs: 5,
            batch_size: 16,
            ..Default::default()
        };
        fit(&mut net, &mut adam, &x, &y, &config, &mut rng).unwrap();
        net.into_params()
    };
    let (a, b, c) = (run(7), run(7), run(8));
    println!(
        "reproducibility: seed 7 twice -> θ fingerprints {:016x} and {:016x}; seed 8 -> {:016x}",
        fingerprint(&a),
        fingerprint(&b),
        fingerprint(&c)
    );
    assert_eq!(bits(&a), bits(&b));
    assert_ne!(bits(&a), bits(&c));
}

#[test]
fn huge_learning_rate_diverges_and_restores_the_initial_parameters() {
    let (x, y) = blobs(50, 1.0, 4);
    let mut net = mse_net(5);
    let before = net.params().to_vec();
    let mut sgd = Sgd::new(SgdConfig {
        learning_rate: 1e3,
        ..Default::default()
    })
    .unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(0);
    let config = TrainConfig {
        epochs: 10,
        batch_size: 10,
        ..Default::default()
    };
    let err = fit(&mut net, &mut sgd, &x, &y, &config, &mut rng).unwrap_err();
    println!("divergence (lr 1e3): {err}");
    match err {
        Error::Diverged { epoch, cost, .. } => {
            assert_eq!(epoch, 1);
            assert!(!cost.is_finite() || cost > 1e6);
        }
        other => panic!("expected Diverged, got {other:?}"),
    }
    // Nothing lost: the last good θ (here the initial one) is back in the network.
    assert_eq!(bits(net.params()), bits(&before));
}

#[test]
fn divergence_in_a_later_epoch_restores_the_last_good_epoch() {
    let (x, y) = blobs(50, 1.0, 4);
    // The learning rate grows 10⁴× every 2 epochs (15 steps per epoch): epochs 1–2 train
    // normally at 0.05, epoch 3 runs at 500 and blows up.
    let config = TrainConfig {
        epochs: 10,
        batch_size: 10,
        ..Default::default()
    };
    let sgd = || {
        Sgd::new(SgdConfig {
            learning_rate: 0.05,
            schedule: Schedule::StepDecay {
                every: 30,
                factor: 1e4,
            },
            ..Default::default()
        })
        .unwrap()
    };
    let mut net = mse_net(5);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
    let err = fit(&mut net, &mut sgd(), &x, &y, &config, &mut rng).unwrap_err();
    let Error::Diverged { epoch, cost, .. } = err else {
        panic!("expected Diverged, got {err:?}");
    };
    println!(
        "divergence at epoch {epoch} (cost {cost:e}); θ restored to the end of epoch {}",
        epoch - 1
    );
    assert_eq!(epoch, 3);
    // Reference: the same run stopped after the last good epoch.
    let mut reference = mse_net(5);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
    let config2 = TrainConfig {
        epochs: epoch - 1,
        ..config
    };
    fit(&mut reference, &mut sgd(), &x, &y, &config2, &mut rng).unwrap();
    assert_eq!(bits(net.params()), bits(reference.params()));
    assert_ne!(bits(net.params()), bits(mse_net(5).params()));
}

#[test]
fn early_stopping_restores_the_best_parameters() {
    let (x, y) = blobs(50, 1.0, 6);
    // Validate against deliberately wrong labels: the better the fit to `y`, the worse the
    // validation cost, so the best epoch is early and training must stop `patience` later.
    let (xv, yv) = blobs(30, 1.0, 16);
    let wrong: Vec<usize> = yv.iter().map(|c| (c + 1) % 3).collect();
    let config = TrainConfig {
        epochs: 50,
        batch_size: 10,
        patience: Some(3),
        lambda: 0.01,
        ..Default::default()
    };
    let sgd = || {
        Sgd::new(SgdConfig {
            learning_rate: 0.1,
            momentum: 0.5,
            ..Default::default()
        })
        .unwrap()
    };
    let mut net = softmax_net(3);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    let h = Trainer::new(config)
        .unwrap()
        .with_validation(&xv, &wrong)
        .unwrap()
        .fit(&mut net, &mut sgd(), &x, &y, &mut rng, &mut ())
        .unwrap();
    let TrainStop::EarlyStopping { best_epoch } = h.stop else {
        panic!("expected early stopping, got {:?}", h.stop);
    };
    let val: Vec<f64> = h
        .epochs
        .iter()
        .map(|e| e.validation_cost.unwrap())
        .collect();
    println!(
        "early stopping: validation costs {val:.4?}, best epoch {best_epoch}, stopped after {}",
        h.epochs.len()
    );
    assert_eq!(h.best_epoch, Some(best_epoch));
    assert_eq!(h.epochs.len(), best_epoch + 3);
    let best = val[best_epoch - 1];
    assert!(val.iter().all(|&v| v >= best));
    // The restored θ is the best epoch's: its validation cost, and a run of that length.
    let restored = net.cost(&xv, &wrong, 0.01).unwrap();
    assert!((restored - best).abs() < 1e-12, "{restored} vs {best}");
    let mut reference = softmax_net(3);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    let config2 = TrainConfig {
        epochs: best_epoch,
        patience: None,
        ..config
    };
    fit(&mut reference, &mut sgd(), &x, &y, &config2, &mut rng).unwrap();
    assert_eq!(bits(net.params()), bits(reference.params()));
}

#[test]
fn gradient_tolerance_stops_full_batch_gradient_descent() {
    let (x, y) = blobs(20, 1.0, 8);
    let mut net = softmax_net(4);
    let mut sgd = Sgd::new(SgdConfig {
        learning_rate: 0.5,
        momentum: 0.9,
        ..Default::default()
    })
    .unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(0);
    let config = TrainConfig {
        epochs: 100_000,
        batch_size: 60,
        lambda: 0.5,
        grad_tol: 1e-4,
        ..Default::default()
    };
    let h = fit(&mut net, &mut sgd, &x, &y, &config, &mut rng).unwrap();
    let g_last = h.last().unwrap().grad_norm.unwrap();
    // Independent check: the full gradient at the returned θ.
    let mut grad = vec![0.0; net.num_params()];
    let mut ws = net.workspace(60);
    net.cost_grad(&mut ws, &x, &y, 0.5, &mut grad).unwrap();
    let g_now = grad.iter().map(|g| g * g).sum::<f64>().sqrt();
    println!(
        "gradient tolerance: stopped after {} epochs (full batch), last ‖g‖ {g_last:.2e}, ‖g‖ at returned θ {g_now:.2e}",
        h.epochs.len()
    );
    assert_eq!(h.stop, TrainStop::GradientTolerance);
    assert!(h.epochs.len() < 100_000);
    assert!(g_last <= 1e-4);
    assert!(g_now <= 2e-4);
}

#[test]
fn observer_sees_every_batch_and_can_stop_training() {
    struct Counter {
        batches: usize,
        epochs: usize,
        started: bool,
        finished: bool,
    }
    impl Observer<f64> for Counter {
        fn on_event(&mut self, e: &Event<'_, f64>) -> ControlFlow<()> {
            match e {
                Event::TrainingStarted {
                    batches_per_epoch, ..
                } => {
                    assert_eq!(*batches_per_epoch, 4); // 45 samples in batches of 12
                    self.started = true;
                }
                Event::BatchFinished { .. } => self.batches += 1,
                Event::EpochFinished { .. } => {
                    self.epochs += 1;
                    if self.epochs == 2 {
                        return ControlFlow::Break(());
                    }
                }
                Event::TrainingFinished(_) => self.finished = true,
                _ => {}
            }
            ControlFlow::Continue(())
        }
    }
    let (x, y) = blobs(15, 1.0, 2);
    let mut net = softmax_net(1);
    let mut obs = Counter {
        batches: 0,
        epochs: 0,
        started: false,
        finished: false,
    };
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(0);
    let h = Trainer::new(TrainConfig {
        epochs: 10,
        batch_size: 12,
        ..Default::default()
    })
    .unwrap()
    .fit(
        &mut net,
        &mut Sgd::new(SgdConfig::default()).unwrap(),
        &x,
        &y,
        &mut rng,
        &mut obs,
    )
    .unwrap();
    assert!(obs.started && obs.finished);
    assert_eq!((obs.epochs, obs.batches), (2, 8));
    assert_eq!(h.stop, TrainStop::Observer);
    assert_eq!(h.epochs.len(), 2);
    assert_eq!(h.iterations, 8);
}

#[test]
fn plain_progress_prints_one_line_per_epoch() {
    let (x, y) = blobs(20, 0.5, 2);
    let (xv, yv) = blobs(10, 0.5, 12);
    let mut net = softmax_net(1);
    let mut out = PrintProgress::to_writer(Vec::new());
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(0);
    let h = Trainer::new(TrainConfig {
        epochs: 3,
        batch_size: 10,
        ..Default::default()
    })
    .unwrap()
    .with_validation(&xv, &yv)
    .unwrap()
    .fit(
        &mut net,
        &mut Sgd::new(SgdConfig {
            learning_rate: 0.5,
            ..Default::default()
        })
        .unwrap(),
        &x,
        &y,
        &mut rng,
        &mut out,
    )
    .unwrap();
    let text = String::from_utf8(out.into_inner()).unwrap();
    print!("{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3);
    for (i, (line, rec)) in lines.iter().zip(&h.epochs).enumerate() {
        let c = rec.validation_correct.unwrap();
        assert!(
            line.starts_with(&format!("Epoch {}: {c} / 30, took ", i + 1)),
            "{line}"
        );
        assert!(line.ends_with(" s"));
        assert_eq!(rec.validation_accuracy.unwrap(), c as f64 / 30.0);
        assert!(rec.train_seconds > 0.0);
    }
    assert!(h.median_train_seconds().unwrap() > 0.0);
}

#[test]
fn dense_targets_train_like_labels() {
    let (x, y) = blobs(20, 1.0, 5);
    let dense = DMatrix::from_fn(3, y.len(), |i, j| if y[j] == i { 1.0 } else { 0.0 });
    let config = TrainConfig {
        epochs: 3,
        batch_size: 8,
        ..Default::default()
    };
    let train = |dense_targets: bool| {
        let mut net = softmax_net(6);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(2);
        let mut sgd = Sgd::new(SgdConfig {
            learning_rate: 0.3,
            ..Default::default()
        })
        .unwrap();
        let h = if dense_targets {
            fit(&mut net, &mut sgd, &x, &dense, &config, &mut rng).unwrap()
        } else {
            fit(&mut net, &mut sgd, &x, &y, &config, &mut rng).unwrap()
        };
        (net.into_params(), h)
    };
    let (a, ha) = train(false);
    let (b, hb) = train(true);
    for (p, q) in a.iter().zip(&b) {
        assert!((p - q).abs() < 1e-12);
    }
    assert!(ha.last().unwrap().train_accuracy.is_some());
    assert!(hb.last().unwrap().train_accuracy.is_none());
}

#[test]
fn mini_batch_objective_matches_the_network_on_the_same_columns() {
    let (x, y) = blobs(10, 1.0, 9);
    let net = softmax_net(2);
    let idx = [3usize, 17, 0, 29, 8];
    let mut f = MiniBatchObjective::new(&net, &x, &y, 0.2, 5).unwrap();
    f.select(&idx).unwrap();
    let mut g1 = vec![0.0; net.num_params()];
    let c1 = f.cost_grad(net.params(), &mut g1).unwrap();
    let xb = DMatrix::from_fn(2, 5, |i, j| x[(i, idx[j])]);
    let yb: Vec<usize> = idx.iter().map(|&i| y[i]).collect();
    let mut g2 = vec![0.0; net.num_params()];
    let mut ws = net.workspace(5);
    let c2 = net.cost_grad(&mut ws, &xb, &yb, 0.2, &mut g2).unwrap();
    assert_eq!(c1, c2);
    assert_eq!(g1, g2);
    assert!(f.select(&[30]).is_err());
}

#[test]
fn bad_training_input_is_an_error_not_a_panic() {
    let (x, y) = blobs(5, 1.0, 0);
    let mut net = softmax_net(0);
    let mut sgd = Sgd::new(SgdConfig::default()).unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(0);
    for bad in [
        TrainConfig {
            epochs: 0,
            ..Default::default()
        },
        TrainConfig {
            batch_size: 0,
            ..Default::default()
        },
        TrainConfig {
            lambda: -1.0,
            ..Default::default()
        },
        TrainConfig {
            patience: Some(0),
            ..Default::default()
        },
        TrainConfig {
            divergence_factor: f64::NAN,
            ..Default::default()
        },
    ] {
        assert!(matches!(
            fit(&mut net, &mut sgd, &x, &y, &bad, &mut rng),
            Err(Error::InvalidParameter { .. })
        ));
    }
    let config = TrainConfig::default();
    assert!(fit(&mut net, &mut sgd, &x, &y[..10], &config, &mut rng).is_err());
    let bad_labels = vec![5usize; 15];
    assert!(matches!(
        fit(&mut net, &mut sgd, &x, &bad_labels, &config, &mut rng),
        Err(Error::LabelOutOfRange { .. })
    ));
    let x3 = DMatrix::<f64>::zeros(3, 15);
    assert!(fit(&mut net, &mut sgd, &x3, &y, &config, &mut rng).is_err());
    assert!(
        Trainer::<f64>::new(config)
            .unwrap()
            .with_validation(&x, &y[..3])
            .is_err()
    );
}

#[test]
fn early_stopping_on_validation_accuracy() {
    let (x, y) = blobs(50, 1.5, 6);
    let (xv, yv) = blobs(30, 1.5, 16);
    let wrong: Vec<usize> = yv.iter().map(|c| (c + 1) % 3).collect();
    let config = TrainConfig {
        epochs: 50,
        batch_size: 10,
        patience: Some(4),
        monitor: Monitor::Accuracy,
        ..Default::default()
    };
    let mut net = softmax_net(3);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    let mut sgd = Sgd::new(SgdConfig {
        learning_rate: 0.1,
        ..Default::default()
    })
    .unwrap();
    let h = Trainer::new(config)
        .unwrap()
        .with_validation(&xv, &wrong)
        .unwrap()
        .fit(&mut net, &mut sgd, &x, &y, &mut rng, &mut ())
        .unwrap();
    let TrainStop::EarlyStopping { best_epoch } = h.stop else {
        panic!("expected early stopping, got {:?}", h.stop);
    };
    let acc: Vec<f64> = h
        .epochs
        .iter()
        .map(|e| e.validation_accuracy.unwrap())
        .collect();
    println!("early stopping on accuracy: {acc:.3?}, best epoch {best_epoch}");
    assert_eq!(h.epochs.len(), best_epoch + 4);
    let best = acc[best_epoch - 1];
    // The first epoch with the highest accuracy (later ties are no improvement).
    assert!(acc[..best_epoch - 1].iter().all(|&a| a < best));
    assert!(acc[best_epoch..].iter().all(|&a| a <= best));
    assert_eq!(net.accuracy(&xv, &wrong).unwrap(), best);
}

/// A sigmoid + MSE head saturates: a runaway learning rate drives θ to huge values while
/// every cost stays bounded (at most 1 per output). Only the parameters show the
/// divergence, and the guard must see them.
#[test]
fn a_saturating_head_with_a_runaway_learning_rate_is_caught_by_the_parameters() {
    let (x, y) = blobs(50, 1.0, 4);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    let mut net = Network::builder(2)
        .hidden(8, Sigmoid)
        .output(3, MeanSquaredError::<f64>::sigmoid())
        .init(Init::Glorot)
        .build(&mut rng)
        .unwrap();
    let before = net.params().to_vec();
    let mut sgd = Sgd::new(SgdConfig {
        learning_rate: 1e9,
        ..Default::default()
    })
    .unwrap();
    let config = TrainConfig {
        epochs: 5,
        batch_size: 10,
        ..Default::default()
    };
    let err = fit(&mut net, &mut sgd, &x, &y, &config, &mut rng).unwrap_err();
    println!("saturating divergence: {err}");
    let Error::Diverged { epoch, cost, why } = err else {
        panic!("expected Diverged, got {err:?}");
    };
    assert_eq!(epoch, 1);
    assert!(
        cost.is_finite() && cost <= 3.0,
        "the cost stayed bounded: {cost}"
    );
    let deepmultinet::Divergence::Parameters { max_abs, limit } = why else {
        panic!("expected a parameter divergence, got {why:?}");
    };
    assert!(max_abs > limit && limit >= 1e6, "{max_abs:e} vs {limit:e}");
    assert_eq!(bits(net.params()), bits(&before), "the last good θ is back");
}

/// Training from pixels kept as bytes (`ByteSamples`) gives the θ of training from the
/// matrix of their values (`Dataset::from_u8`), bit for bit: the same batches, in the same
/// order, hold the same values. Samples of the wrong width are an error before any step.
#[test]
fn training_from_bytes_matches_training_from_their_values() {
    use deepmultinet::data::{ByteSamples, Dataset};
    let (features, m) = (49, 600);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    let labels: Vec<usize> = (0..m).map(|j| j % 3).collect();
    // Class k brightens its third of the pixels.
    let pixels: Vec<u8> = (0..features * m)
        .map(|k| {
            let (j, r) = (k / features, k % features);
            let base = if r * 3 / features == labels[j] {
                160.0
            } else {
                40.0
            };
            let e: f64 = StandardNormal.sample(&mut rng);
            (base + 40.0 * e).clamp(0.0, 255.0) as u8
        })
        .collect();
    let bytes = ByteSamples::<f32>::unit(features, &pixels).unwrap();
    let values = Dataset::<f32>::from_u8(features, &pixels, labels.clone(), 3).unwrap();
    let config = TrainConfig {
        epochs: 4,
        batch_size: 32,
        ..Default::default()
    };
    let run = |x: deepmultinet::data::Inputs<'_, f32>| {
        let mut net = Network::builder(features)
            .hidden(20, Relu)
            .output(3, SoftmaxCrossEntropy::<f32>::new())
            .init(Init::He)
            .build(&mut Xoshiro256PlusPlus::seed_from_u64(5))
            .unwrap();
        let mut adam = Adam::new(AdamConfig::default()).unwrap();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(6);
        fit(&mut net, &mut adam, x, &labels, &config, &mut rng).unwrap();
        net
    };
    let (a, b) = (run(bytes.into()), run(values.features().into()));
    let f32_bits = |n: &Network<SoftmaxCrossEntropy<f32>>| -> Vec<u32> {
        n.params().iter().map(|v| v.to_bits()).collect()
    };
    assert_eq!(f32_bits(&a), f32_bits(&b));
    assert!(a.accuracy(values.features(), &labels).unwrap() > 0.9);

    let narrow = ByteSamples::<f32>::unit(features - 1, &pixels[..(features - 1) * m]).unwrap();
    let mut net = a.clone();
    let mut adam = Adam::new(AdamConfig::default()).unwrap();
    let err = fit(&mut net, &mut adam, narrow, &labels, &config, &mut rng).unwrap_err();
    assert!(matches!(err, Error::ShapeMismatch { .. }), "{err}");
    assert_eq!(f32_bits(&net), f32_bits(&a));
}

/// The training functions take what the other functions taking samples take: a `&DMatrix`,
/// a `&mut DMatrix`, a view, or a statically sized matrix with contiguous columns — with
/// the same θ for the same values.
#[test]
fn training_takes_any_matrix_with_contiguous_columns() {
    let (x, y) = blobs(20, 1.0, 4);
    let fixed = nalgebra::Matrix2xX::from_column_slice(x.as_slice());
    let mut copy = x.clone();
    let config = TrainConfig {
        epochs: 2,
        batch_size: 8,
        ..Default::default()
    };
    let run = |inputs: deepmultinet::data::Inputs<'_, f64>| {
        let mut net = softmax_net(2);
        let mut adam = Adam::new(AdamConfig::default()).unwrap();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        fit(&mut net, &mut adam, inputs, &y, &config, &mut rng).unwrap();
        bits(net.params())
    };
    let expected = run((&x).into());
    assert_eq!(run((&fixed).into()), expected);
    assert_eq!(run((&mut copy).into()), expected);
    assert_eq!(run(x.columns(0, 60).into()), expected);
    let view: nalgebra::DMatrixView<'_, f64> = x.as_view();
    assert_eq!(run((&view).into()), expected);
    // And directly, without naming `Inputs`.
    let mut net = softmax_net(2);
    let mut adam = Adam::new(AdamConfig::default()).unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
    fit(&mut net, &mut adam, &fixed, &y, &config, &mut rng).unwrap();
    assert_eq!(bits(net.params()), expected);
}
