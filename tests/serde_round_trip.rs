//! Serde (feature `serde`): every configuration, the training record and the confusion
//! matrix survive a JSON round trip unchanged; configs fill missing fields with their
//! defaults and refuse unknown ones; a malformed confusion matrix is refused.
#![cfg(feature = "serde")]

use deepmultinet::metrics::ConfusionMatrix;
use deepmultinet::optim::{
    AdamConfig, CgConfig, LbfgsConfig, LineSearch, Schedule, SgdConfig, StopReason,
};
use deepmultinet::train::{EpochRecord, History, Monitor, TrainConfig, TrainStop};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt::Debug;

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(value: &T) -> String {
    let json = serde_json::to_string(value).unwrap();
    let back: T = serde_json::from_str(&json).unwrap();
    assert_eq!(&back, value, "{json}");
    json
}

#[test]
fn configurations_round_trip() {
    round_trip(&TrainConfig::default());
    let json = round_trip(&TrainConfig {
        epochs: 7,
        batch_size: 128,
        lambda: 1e-4,
        shuffle: false,
        patience: Some(3),
        monitor: Monitor::Accuracy,
        min_delta: 1e-3,
        grad_tol: 1e-9,
        divergence_factor: f64::INFINITY, // the guard switched off
    });
    assert!(json.contains("\"divergence_factor\":\"inf\""), "{json}");
    round_trip(&AdamConfig {
        learning_rate: 3e-4,
        weight_decay: 0.01,
        ..Default::default()
    });
    for schedule in [
        Schedule::Constant,
        Schedule::StepDecay {
            every: 10,
            factor: 0.5,
        },
        Schedule::InverseTime { decay: 0.1 },
    ] {
        round_trip(&SgdConfig {
            learning_rate: 0.1,
            momentum: 0.9,
            nesterov: true,
            schedule,
        });
    }
    let ls = LineSearch {
        sigma: 0.4,
        max_evals: 30,
        ..Default::default()
    };
    round_trip(&CgConfig {
        max_iter: 50,
        max_evals: Some(400),
        grad_tol: 1e-6,
        line_search: ls,
    });
    round_trip(&LbfgsConfig {
        history: 5,
        line_search: ls,
        ..Default::default()
    });
    for m in [Monitor::Cost, Monitor::Accuracy] {
        round_trip(&m);
    }
}

#[test]
fn configs_take_defaults_for_missing_fields_and_refuse_unknown_ones() {
    let c: TrainConfig = serde_json::from_str(r#"{"epochs": 3}"#).unwrap();
    assert_eq!(
        c,
        TrainConfig {
            epochs: 3,
            ..Default::default()
        }
    );
    let a: AdamConfig = serde_json::from_str(r#"{"learning_rate": 0.01}"#).unwrap();
    assert_eq!((a.learning_rate, a.beta2), (0.01, 0.999));
    let err = serde_json::from_str::<SgdConfig>(r#"{"learning_rte": 0.1}"#).unwrap_err();
    assert!(err.to_string().contains("learning_rte"), "{err}");
}

#[test]
fn history_and_stop_reasons_round_trip() {
    for stop in [
        TrainStop::MaxEpochs,
        TrainStop::EarlyStopping { best_epoch: 4 },
        TrainStop::GradientTolerance,
        TrainStop::Observer,
        TrainStop::Minimizer(StopReason::MaxEvaluations),
    ] {
        round_trip(&stop);
    }
    for r in [
        StopReason::MaxIterations,
        StopReason::LineSearchFailed,
        StopReason::GradientTolerance,
        StopReason::Observer,
    ] {
        round_trip(&r);
    }
    let record = EpochRecord {
        epoch: 2,
        cost: 0.25,
        train_accuracy: Some(0.9),
        validation_accuracy: Some(0.85),
        validation_correct: Some(85),
        validation_samples: 100,
        validation_cost: Some(0.4),
        grad_norm: Some(1e-3),
        train_seconds: 0.5,
        eval_seconds: 0.01,
    };
    round_trip(&record);
    let h = History {
        epochs: vec![record.clone(), EpochRecord { epoch: 3, ..record }],
        iteration_costs: vec![],
        initial_cost: 2.3,
        iterations: 20,
        evaluations: 20,
        best_epoch: Some(2),
        stop: TrainStop::EarlyStopping { best_epoch: 2 },
    };
    round_trip(&h);
    assert_eq!(History::from_json(&h.to_json().unwrap()).unwrap(), h);
}

#[test]
fn a_real_training_history_round_trips_through_both_writers() {
    use deepmultinet::optim::{Sgd, SgdConfig};
    use deepmultinet::prelude::*;
    use rand::SeedableRng;
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
    let mut net = Network::builder(2)
        .hidden(4, Tanh)
        .output(2, SoftmaxCrossEntropy::<f64>::new())
        .init(Init::Glorot)
        .build(&mut rng)
        .unwrap();
    let x = nalgebra::DMatrix::from_column_slice(2, 4, &[0., 0., 0., 1., 1., 0., 1., 1.]);
    let y = [0usize, 1, 1, 0];
    let mut sgd = Sgd::new(SgdConfig {
        learning_rate: 0.5,
        ..Default::default()
    })
    .unwrap();
    let config = TrainConfig {
        epochs: 5,
        batch_size: 2,
        ..Default::default()
    };
    let h = Trainer::new(config)
        .unwrap()
        .with_validation(&x, &y)
        .unwrap()
        .fit(&mut net, &mut sgd, &x, &y, &mut rng, &mut ())
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    h.save_json(dir.path().join("h.json")).unwrap();
    h.save_csv(dir.path().join("h.csv")).unwrap();
    let json = std::fs::read_to_string(dir.path().join("h.json")).unwrap();
    assert_eq!(History::from_json(&json).unwrap(), h);
    let csv = std::fs::read_to_string(dir.path().join("h.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + h.epochs.len());
    assert_eq!(csv, h.to_csv());
}

#[test]
fn confusion_matrix_round_trips_and_is_checked() {
    let cm = ConfusionMatrix::from_labels(&[0, 0, 1, 2, 2], &[0, 1, 1, 2, 0], 3)
        .unwrap()
        .with_names(&["cat", "dog", "bird"])
        .unwrap();
    let json = round_trip(&cm);
    assert!(
        json.contains("\"counts\":[[1,1,0],[0,1,0],[1,0,1]]"),
        "{json}"
    );
    for bad in [
        r#"{"classes":2,"names":["a","b"],"counts":[[1,0]]}"#,
        r#"{"classes":2,"names":["a","b"],"counts":[[1,0],[0]]}"#,
        r#"{"classes":2,"names":["a"],"counts":[[1,0],[0,1]]}"#,
        r#"{"classes":0,"names":[],"counts":[]}"#,
    ] {
        assert!(
            serde_json::from_str::<ConfusionMatrix>(bad).is_err(),
            "{bad}"
        );
    }
}
