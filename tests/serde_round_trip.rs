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

mod estimator_parts {
    use super::round_trip;
    use deepmultinet::LeakyRelu;
    use deepmultinet::estimator::{
        BinaryOutput, Classifier, ClassifierParams, LabelEncoder, Scaler, Scaling, Solver,
    };
    use nalgebra::DMatrix;

    /// Three samples of three features: one with a wide range, one tiny, one constant.
    fn x() -> DMatrix<f64> {
        DMatrix::from_row_slice(
            3,
            3,
            &[1250.0, 1e-7, 4.0, 735.5, 3e-7, 4.0, 0.1, 2.5e-7, 4.0],
        )
    }

    #[test]
    fn fitted_scalers_round_trip_bit_for_bit() {
        for kind in [Scaling::Standard, Scaling::MinMax, Scaling::None] {
            let s = Scaler::fit(kind, &x()).unwrap();
            let json = round_trip(&s);
            assert!(
                json.contains(&format!("\"kind\":\"{}\"", kind.name())),
                "{json}"
            );
            let back: Scaler = serde_json::from_str(&json).unwrap();
            assert_eq!(back.transform(&x()).unwrap(), s.transform(&x()).unwrap());
        }
        round_trip(&Scaler::identity(5));
    }

    #[test]
    fn scalers_are_checked_when_read() {
        let read = |json: &str| serde_json::from_str::<Scaler>(json);
        assert!(read(r#"{"kind":"standard","offset":[0.5],"scale":[2.0]}"#).is_ok());
        for bad in [
            r#"{"kind":"standard","offset":[0.5, 1.0],"scale":[2.0]}"#, // lengths
            r#"{"kind":"standard","offset":[0.5],"scale":[0.0]}"#,      // scale 0
            r#"{"kind":"min_max","offset":[0.5],"scale":[-1.0]}"#,      // negative
            r#"{"kind":"standard","offset":[0.5],"scale":[2.0],"x":1}"#, // unknown field
            r#"{"kind":"robust","offset":[0.5],"scale":[2.0]}"#,        // unknown kind
            r#"{"kind":"standard","offset":[0.5]}"#,                    // missing
        ] {
            assert!(read(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn label_encoders_round_trip_and_are_checked() {
        let text = LabelEncoder::fit(&["dog", "cat", "emu"]).unwrap();
        let json = round_trip(
            &LabelEncoder::from_classes(text.classes().iter().map(|c| c.to_string()).collect())
                .unwrap(),
        );
        assert_eq!(json, r#"{"classes":["cat","dog","emu"]}"#);
        round_trip(&LabelEncoder::fit(&[3i32, -1, 7, 3]).unwrap());
        round_trip(&LabelEncoder::fit(&[true, false]).unwrap());
        round_trip(&LabelEncoder::fit(&['x', 'a']).unwrap());
        // Borrowed &str labels read back from the JSON text.
        let borrowed: LabelEncoder<&str> = serde_json::from_str(&json).unwrap();
        assert_eq!(borrowed, text);
        for bad in [
            r#"{"classes":["b","a"]}"#, // not sorted
            r#"{"classes":["a","a"]}"#, // not distinct
            r#"{"classes":["a"]}"#,     // one class
            r#"{"classes":["a","b"],"more":0}"#,
        ] {
            let e = serde_json::from_str::<LabelEncoder<String>>(bad);
            assert!(e.is_err(), "{bad} was accepted");
        }
    }

    /// Parameters have no `PartialEq` (the activation is a trait object): compare the JSON
    /// written again and the `Debug` text.
    fn params_round_trip(p: &ClassifierParams) -> String {
        let json = serde_json::to_string(p).unwrap();
        let back: ClassifierParams = serde_json::from_str(&json).unwrap();
        assert_eq!(serde_json::to_string(&back).unwrap(), json);
        assert_eq!(format!("{back:?}"), format!("{p:?}"));
        json
    }

    #[test]
    fn classifier_params_round_trip_and_are_checked() {
        let json = params_round_trip(&ClassifierParams::default());
        assert!(json.contains(r#""activation":"relu""#), "{json}");
        assert!(json.contains(r#""solver":"adam""#), "{json}");
        let p = Classifier::<String>::builder()
            .hidden(&[64, 32])
            .activation(LeakyRelu(0.05))
            .solver(Solver::Sgd)
            .momentum(0.8, false)
            .batch_size(32)
            .early_stopping(true)
            .validation_fraction(0.2)
            .scaling(Scaling::MinMax)
            .binary_output(BinaryOutput::Softmax)
            .alpha(0.1 + 0.2) // not a short decimal: must come back bit for bit
            .seed(u64::MAX)
            .check()
            .unwrap();
        let json = params_round_trip(&p);
        assert!(json.contains(r#""scaling":"min_max""#), "{json}");
        assert!(json.contains(r#""binary_output":"softmax""#), "{json}");
        let back: ClassifierParams = serde_json::from_str(&json).unwrap();
        assert_eq!(back.alpha(), 0.1 + 0.2);
        assert_eq!(back.activation().name(), "leaky_relu(0.05)");
        // Missing fields take the defaults.
        let some: ClassifierParams =
            serde_json::from_str(r#"{"hidden":[7],"solver":"lbfgs"}"#).unwrap();
        assert_eq!((some.hidden(), some.solver()), (&[7][..], Solver::Lbfgs));
        assert_eq!(some.max_epochs(), ClassifierParams::default().max_epochs());
        // What the builder refuses, reading refuses.
        for bad in [
            r#"{"learning_rate":0.0}"#,
            r#"{"hidden":[0]}"#,
            r#"{"validation_fraction":1.5}"#,
            r#"{"activation":"swish"}"#,
            r#"{"solver":"newton"}"#,
            r#"{"momentum":0.0,"solver":"sgd"}"#, // Nesterov without momentum
            r#"{"learning_rat":0.1}"#,            // unknown field
        ] {
            let e = serde_json::from_str::<ClassifierParams>(bad);
            assert!(e.is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn a_fitted_classifiers_parts_rebuild_it() {
        let x = x();
        let y = ["a", "b", "a"];
        let mut clf = Classifier::builder()
            .hidden(&[4])
            .max_epochs(20)
            .build()
            .unwrap();
        clf.fit(&x, &y).unwrap();
        let scaler: Scaler =
            serde_json::from_str(&serde_json::to_string(clf.scaler().unwrap()).unwrap()).unwrap();
        assert_eq!(Some(&scaler), clf.scaler());
        let enc: LabelEncoder<String> =
            serde_json::from_str(&serde_json::to_string(clf.encoder().unwrap()).unwrap()).unwrap();
        assert_eq!(enc.classes(), &["a", "b"]);
        params_round_trip(clf.params());
    }
}
