//! The estimator's promises: labels of any type round-trip, binary problems with one sigmoid
//! or two softmax outputs, scaling without NaN, a model file that predicts bit for bit,
//! old plain files, the transposition hint, non-finite input and one-class errors.

use deepmultinet::Error;
use deepmultinet::estimator::{
    BinaryOutput, Classifier, ClassifierNetwork, Samples, Scaling, Solver,
};
use deepmultinet::nalgebra::DMatrix;
use deepmultinet::rand::{RngExt, SeedableRng};

/// `per_class` points around each of `centres` (rows are samples), with class indices.
fn blobs(centres: &[(f64, f64)], per_class: usize, seed: u64) -> (DMatrix<f64>, Vec<usize>) {
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
    let m = centres.len() * per_class;
    let mut x = DMatrix::zeros(m, 2);
    let mut y = Vec::with_capacity(m);
    for i in 0..m {
        let c = i % centres.len();
        x[(i, 0)] = centres[c].0 + rng.random_range(-0.3..0.3);
        x[(i, 1)] = centres[c].1 + rng.random_range(-0.3..0.3);
        y.push(c);
    }
    (x, y)
}

const THREE: [(f64, f64); 3] = [(0.0, 0.0), (2.0, 0.0), (1.0, 2.0)];
const TWO: [(f64, f64); 2] = [(0.0, 0.0), (2.0, 1.0)];

fn small() -> Classifier<String> {
    Classifier::builder()
        .hidden(&[8])
        .max_epochs(60)
        .learning_rate(0.02)
        .build()
        .unwrap()
}

#[test]
fn string_labels_round_trip_in_sorted_class_order() {
    let (x, idx) = blobs(&THREE, 30, 1);
    let names = ["zebra", "ant", "moose"];
    let y: Vec<String> = idx.iter().map(|&c| names[c].to_string()).collect();
    let mut clf = small();
    clf.fit(&x, &y).unwrap();
    assert_eq!(clf.classes(), &["ant", "moose", "zebra"]);
    assert_eq!(clf.predict(&x).unwrap(), y);
    let p = clf.predict_proba(&x).unwrap();
    assert_eq!(p.shape(), (90, 3));
    // Column k is classes()[k]: sample 0 is a zebra, the last class.
    assert!(p[(0, 2)] > 0.5);
    for r in 0..90 {
        assert!((p.row(r).sum() - 1.0).abs() < 1e-12);
    }
}

#[test]
fn integer_labels_keep_their_values_and_make_no_extra_classes() {
    let (x, idx) = blobs(&THREE, 30, 2);
    // Labels 1..=3 are three classes, not four (the old 0..K trap); negatives work.
    let y: Vec<i32> = idx.iter().map(|&c| [1, 2, 3][c]).collect();
    let mut clf = Classifier::builder()
        .hidden(&[8])
        .learning_rate(0.02)
        .max_epochs(60)
        .build()
        .unwrap();
    clf.fit(&x, &y).unwrap();
    assert_eq!(clf.classes(), &[1, 2, 3]);
    assert_eq!(clf.network().unwrap().outputs(), 3);
    assert_eq!(clf.predict(&x).unwrap(), y);
    let y: Vec<i32> = idx.iter().map(|&c| [-5, 0, 40][c]).collect();
    clf.fit(&x, &y).unwrap();
    assert_eq!(clf.predict(&x).unwrap(), y);
    let y: Vec<u8> = idx.iter().map(|&c| [9u8, 200, 3][c]).collect();
    let mut clf8 = Classifier::builder()
        .hidden(&[8])
        .learning_rate(0.02)
        .max_epochs(60)
        .build()
        .unwrap();
    clf8.fit(&x, &y).unwrap();
    assert_eq!(clf8.classes(), &[3, 9, 200]);
    assert_eq!(clf8.score(&x, &y).unwrap(), 1.0);
}

#[test]
fn binary_with_one_sigmoid_or_two_softmax_outputs() {
    let (x, idx) = blobs(&TWO, 40, 3);
    let y: Vec<&str> = idx.iter().map(|&c| ["no", "yes"][c]).collect();
    for (output, units) in [(BinaryOutput::Sigmoid, 1), (BinaryOutput::Softmax, 2)] {
        let mut clf = Classifier::builder()
            .hidden(&[6])
            .binary_output(output)
            .learning_rate(0.02)
            .max_epochs(80)
            .build()
            .unwrap();
        clf.fit(&x, &y).unwrap();
        let net = clf.network().unwrap();
        assert_eq!(net.outputs(), units, "{output:?}");
        match (output, net) {
            (BinaryOutput::Sigmoid, ClassifierNetwork::Sigmoid(_)) => {}
            (BinaryOutput::Softmax, ClassifierNetwork::Softmax(_)) => {}
            other => panic!("wrong head {other:?}"),
        }
        assert_eq!(clf.classes(), &["no", "yes"]);
        assert_eq!(clf.score(&x, &y).unwrap(), 1.0, "{output:?}");
        let p = clf.predict_proba(&x).unwrap();
        assert_eq!(p.shape(), (80, 2));
        for r in 0..80 {
            assert!((p[(r, 0)] + p[(r, 1)] - 1.0).abs() < 1e-12);
            assert_eq!(p[(r, 1)] > 0.5, y[r] == "yes");
        }
        // Early stopping's validation accuracy works for either head.
        let mut es = Classifier::builder()
            .hidden(&[6])
            .binary_output(output)
            .learning_rate(0.02)
            .early_stopping(true)
            .validation_fraction(0.2)
            .n_iter_no_change(3)
            .build()
            .unwrap();
        es.fit(&x, &y).unwrap();
        let h = es.history().unwrap();
        assert_eq!(h.epochs[0].validation_samples, 16);
        assert!(h.epochs.iter().all(|e| e.validation_accuracy.is_some()));
        assert!(h.best_epoch.is_some());
    }
}

#[test]
fn every_solver_fits() {
    let (x, idx) = blobs(&THREE, 20, 4);
    for solver in [Solver::Adam, Solver::Sgd, Solver::Lbfgs, Solver::Cg] {
        let lr = if solver == Solver::Sgd { 0.1 } else { 0.02 };
        let mut clf = Classifier::builder()
            .hidden(&[8])
            .solver(solver)
            .learning_rate(lr)
            .max_epochs(80)
            .build()
            .unwrap();
        clf.fit(&x, &idx).unwrap();
        assert!(clf.score(&x, &idx).unwrap() > 0.95, "{solver:?}");
    }
}

#[test]
fn same_seed_same_weights_other_seed_other_weights() {
    let (x, idx) = blobs(&THREE, 20, 5);
    let fit = |seed| {
        let mut c = Classifier::builder()
            .hidden(&[5])
            .max_epochs(5)
            .seed(seed)
            .build()
            .unwrap();
        c.fit(&x, &idx).unwrap();
        c.network().unwrap().params().to_vec()
    };
    assert_eq!(fit(1), fit(1));
    assert_ne!(fit(1), fit(2));
}

#[test]
fn dropout_trains_reproducibly_and_is_checked() {
    let (x, idx) = blobs(&THREE, 30, 6);
    let fit = |p: f64, seed: u64| {
        let mut c = Classifier::builder()
            .hidden(&[16, 8])
            .dropout(p)
            .learning_rate(0.02)
            .max_epochs(40)
            .seed(seed)
            .build()
            .unwrap();
        c.fit(&x, &idx).unwrap();
        assert_eq!(c.params().dropout(), p);
        assert!(c.score(&x, &idx).unwrap() > 0.95, "dropout {p}");
        c.network().unwrap().params().to_vec()
    };
    let dropped = fit(0.3, 1);
    assert_eq!(dropped, fit(0.3, 1)); // the masks follow the seed
    assert_ne!(dropped, fit(0.0, 1)); // and they drop something
    let refused = |builder: deepmultinet::estimator::ClassifierBuilder<usize>| {
        let e = builder.build().unwrap_err();
        matches!(
            e,
            Error::InvalidParameter {
                name: "dropout",
                ..
            }
        )
    };
    for bad in [1.0, -0.1, f64::NAN] {
        assert!(refused(Classifier::builder().dropout(bad)), "{bad}");
    }
    // Full-batch solvers take no mini-batch steps to drop units in.
    for solver in [Solver::Lbfgs, Solver::Cg] {
        assert!(
            refused(Classifier::builder().solver(solver).dropout(0.1)),
            "{solver:?}"
        );
    }
}

#[test]
fn constant_features_never_make_nan() {
    let (mut x, idx) = blobs(&THREE, 20, 6);
    let x = {
        x = x.insert_column(1, 5.0); // a constant feature between the two real ones
        x
    };
    for scaling in [Scaling::Standard, Scaling::MinMax, Scaling::None] {
        let mut clf = Classifier::builder()
            .hidden(&[8])
            .scaling(scaling)
            .learning_rate(0.02)
            .max_epochs(60)
            .build()
            .unwrap();
        clf.fit(&x, &idx).unwrap();
        let s = clf.scaler().unwrap();
        assert_eq!(s.kind(), scaling);
        assert_eq!(s.scale()[1], 1.0);
        let z = clf.transform(&x).unwrap();
        assert!(z.iter().all(|v| v.is_finite()), "{scaling:?}");
        if scaling != Scaling::None {
            assert!(z.row(1).iter().all(|&v| v == 0.0));
        }
        assert!(clf.predict_proba(&x).unwrap().iter().all(|v| v.is_finite()));
    }
}

#[test]
fn row_major_slices_and_columns_give_the_same_model() {
    let (x, idx) = blobs(&THREE, 10, 7);
    let flat: Vec<f64> = x.transpose().iter().copied().collect(); // row-major
    let cols = x.transpose();
    let fit = |s: Samples<'_>| {
        let mut c = Classifier::builder()
            .hidden(&[4])
            .max_epochs(3)
            .build()
            .unwrap();
        c.fit(s, &idx).unwrap();
        c.network().unwrap().params().to_vec()
    };
    let a = fit(Samples::from(&x));
    assert_eq!(a, fit(Samples::row_major(&flat, 30, 2).unwrap()));
    assert_eq!(a, fit(Samples::columns(&cols)));
    assert!(Samples::row_major(&flat, 31, 2).is_err());
}

#[test]
fn a_transposed_matrix_gets_a_hint() {
    let (x, idx) = blobs(&THREE, 10, 8);
    let mut clf = small();
    let y: Vec<String> = idx.iter().map(|c| c.to_string()).collect();
    let e = clf.fit(&x.transpose(), &y).unwrap_err();
    assert!(matches!(e, Error::ShapeMismatch { .. }));
    let msg = e.to_string();
    assert!(
        msg.contains("x.transpose()") && msg.contains("rows are samples"),
        "{msg}"
    );
    clf.fit(&x, &y).unwrap();
    // At predict time: 2 features expected; a 2 × 30 matrix fits only transposed.
    let msg = clf.predict(&x.transpose()).unwrap_err().to_string();
    assert!(msg.contains("x.transpose()"), "{msg}");
    // A shape that fits neither way gets no hint.
    let msg = clf.predict(&DMatrix::zeros(4, 3)).unwrap_err().to_string();
    assert!(
        !msg.contains("transpose") && msg.contains("2 features"),
        "{msg}"
    );
}

#[test]
fn non_finite_input_is_an_error_naming_sample_and_feature() {
    let (x, idx) = blobs(&THREE, 10, 9);
    let mut clf = Classifier::builder()
        .hidden(&[4])
        .max_epochs(3)
        .build()
        .unwrap();
    clf.fit(&x, &idx).unwrap();
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let mut xb = x.clone();
        xb[(7, 1)] = bad;
        for e in [
            clf.predict(&xb).unwrap_err(),
            clf.predict_proba(&xb).unwrap_err(),
            clf.clone().fit(&xb, &idx).unwrap_err(),
        ] {
            match &e {
                Error::NonFinite {
                    sample: 7,
                    feature: 1,
                    value,
                    ..
                } => {
                    assert_eq!(value.is_nan(), bad.is_nan())
                }
                other => panic!("{other:?}"),
            }
            assert!(e.to_string().contains("feature 1 of sample 7"), "{e}");
        }
    }
    // The failed fits (on clones) and predictions left the model usable.
    assert!(clf.predict(&x).is_ok());
}

#[test]
fn one_class_and_unseen_labels_read_well() {
    let (x, _) = blobs(&THREE, 10, 10);
    let cats = vec!["cat"; 30];
    let e = small_str().fit(&x, &cats).unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid data: the training labels hold only one class (`cat`); a classifier needs at \
         least two: check that the labels were read from the right column and that the \
         training rows were not filtered or sorted down to one class"
    );
    // Not fitted yet.
    let e = small_str().predict(&x).unwrap_err().to_string();
    assert!(e.contains("not fitted yet: call `fit"), "{e}");
    // A label never seen at fit counts as wrong in `score`.
    let mut clf = small_str();
    let y: Vec<&str> = (0..30).map(|i| ["a", "b", "c"][i % 3]).collect();
    clf.fit(&x, &y).unwrap();
    let other = vec!["dog"; 30];
    assert_eq!(clf.score(&x, &other).unwrap(), 0.0);
    let e = clf
        .encoder()
        .unwrap()
        .encode(&["dog"])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(
            "label `dog` of sample 0 is not one of the 3 classes seen at fit (`a`, `b`, `c`)"
        ),
        "{e}"
    );
}

fn small_str() -> Classifier<&'static str> {
    Classifier::builder()
        .hidden(&[4])
        .max_epochs(3)
        .build()
        .unwrap()
}

#[test]
fn bad_parameters_are_named_at_build() {
    let e = |b: deepmultinet::estimator::ClassifierBuilder<u8>| match b.build() {
        Err(Error::InvalidParameter { name, .. }) => name,
        other => panic!("{other:?}"),
    };
    assert_eq!(e(Classifier::builder().hidden(&[10, 0])), "hidden");
    assert_eq!(e(Classifier::builder().alpha(-1.0)), "alpha");
    assert_eq!(e(Classifier::builder().tol(f64::NAN)), "tol");
    assert_eq!(
        e(Classifier::builder().validation_fraction(1.0)),
        "validation_fraction"
    );
    assert_eq!(
        e(Classifier::builder().n_iter_no_change(0)),
        "n_iter_no_change"
    );
    assert_eq!(e(Classifier::builder().batch_size(0)), "batch_size");
    assert_eq!(e(Classifier::builder().max_epochs(0)), "max_epochs");
    assert_eq!(e(Classifier::builder().momentum(1.0, true)), "momentum");
}

#[cfg(feature = "safetensors")]
mod files {
    use super::*;
    use deepmultinet::Tanh;
    use deepmultinet::estimator::ActivationRegistry;

    fn tempdir() -> tempfile::TempDir {
        tempfile::tempdir().unwrap()
    }
    use deepmultinet::activation::{Elementwise, Pointwise};
    use deepmultinet::{Network, Relu, Scalar, SoftmaxCrossEntropy};

    fn bits(m: &DMatrix<f64>) -> Vec<u64> {
        m.iter().map(|v| v.to_bits()).collect()
    }

    #[test]
    fn save_and_load_predict_bit_identically() {
        let (x, idx) = blobs(&THREE, 30, 11);
        let y: Vec<i32> = idx.iter().map(|&c| [10, -3, 7][c]).collect();
        let mut clf = Classifier::builder()
            .hidden(&[7, 5])
            .activation(Tanh)
            .scaling(Scaling::MinMax)
            .learning_rate(0.01)
            .dropout(0.1)
            .max_epochs(30)
            .build()
            .unwrap();
        clf.fit(&x, &y).unwrap();
        let dir = tempdir();
        let path = dir.path().join("clf.safetensors");
        clf.save(&path).unwrap();
        let back = Classifier::<i32>::load(&path).unwrap();
        assert_eq!(back.classes(), clf.classes());
        assert_eq!(back.scaler(), clf.scaler());
        assert_eq!(
            bits(&back.predict_proba(&x).unwrap()),
            bits(&clf.predict_proba(&x).unwrap())
        );
        assert_eq!(back.predict(&x).unwrap(), clf.predict(&x).unwrap());
        assert_eq!(back.params().hidden(), &[7, 5]);
        assert_eq!(back.params().activation().name(), "tanh");
        assert_eq!(back.params().scaling(), Scaling::MinMax);
        assert_eq!(back.params().dropout(), 0.1);
        assert!(back.history().is_none());
        // The same file holds a plain network for io::load.
        let net: Network<SoftmaxCrossEntropy<f64>> = deepmultinet::io::load(&path).unwrap();
        assert_eq!(net.sizes(), &[2, 7, 5, 3]);
        // Another label type is refused with the type to use.
        let e = Classifier::<String>::load(&path).unwrap_err().to_string();
        assert!(
            e.contains("integer labels") && e.contains("Classifier<i64"),
            "{e}"
        );
        // u8 cannot hold −3.
        let e = Classifier::<u8>::load(&path).unwrap_err().to_string();
        assert!(
            e.contains("class `-3` does not fit the label type `u8`"),
            "{e}"
        );
    }

    #[test]
    fn binary_sigmoid_models_save_too() {
        let (x, idx) = blobs(&TWO, 30, 12);
        let y: Vec<bool> = idx.iter().map(|&c| c == 1).collect();
        let mut clf = Classifier::builder()
            .hidden(&[5])
            .max_epochs(20)
            .build()
            .unwrap();
        clf.fit(&x, &y).unwrap();
        let bytes = clf.to_bytes().unwrap();
        let back =
            Classifier::<bool>::from_bytes_with(&bytes, "m".as_ref(), &ActivationRegistry::new())
                .unwrap();
        assert_eq!(back.network().unwrap().outputs(), 1);
        assert_eq!(
            bits(&back.predict_proba(&x).unwrap()),
            bits(&clf.predict_proba(&x).unwrap())
        );
    }

    /// softsign(z) = z / (1 + |z|)
    #[derive(Debug, Clone, Copy)]
    struct Softsign;
    impl<T: Scalar> Elementwise<T> for Softsign {
        fn name(&self) -> String {
            "softsign".into()
        }
        fn f(&self, z: T) -> T {
            z / (T::one() + z.abs())
        }
        fn df(&self, z: T, _a: T) -> T {
            let d = T::one() + z.abs();
            T::one() / (d * d)
        }
    }

    #[test]
    fn custom_activations_load_by_their_registered_name() {
        let (x, idx) = blobs(&THREE, 20, 13);
        let mut clf = Classifier::builder()
            .hidden(&[6])
            .activation(Pointwise(Softsign))
            .max_epochs(10)
            .build()
            .unwrap();
        clf.fit(&x, &idx).unwrap();
        let bytes = clf.to_bytes().unwrap();
        let e = Classifier::<usize>::from_bytes_with(
            &bytes,
            "m.safetensors".as_ref(),
            &ActivationRegistry::new(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("activation `softsign`") && e.contains("register"),
            "{e}"
        );
        let reg = ActivationRegistry::new().with(Pointwise(Softsign));
        let back = Classifier::<usize>::from_bytes_with(&bytes, "m".as_ref(), &reg).unwrap();
        assert_eq!(back.params().activation().name(), "softsign");
        assert_eq!(
            bits(&back.predict_proba(&x).unwrap()),
            bits(&clf.predict_proba(&x).unwrap())
        );
    }

    #[test]
    fn plain_io_files_load_with_classes_zero_to_k() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(14);
        let net = Network::builder(3)
            .hidden(4, Relu)
            .output(5, SoftmaxCrossEntropy::<f64>::new())
            .init(deepmultinet::Init::He)
            .build(&mut rng)
            .unwrap();
        let dir = tempdir();
        let path = dir.path().join("plain.safetensors");
        deepmultinet::io::save(&net, &path).unwrap();
        let clf = Classifier::<usize>::load(&path).unwrap();
        assert_eq!(clf.classes(), &[0, 1, 2, 3, 4]);
        assert_eq!(clf.scaler().unwrap().kind(), Scaling::None);
        let x = DMatrix::from_fn(9, 3, |i, j| (i as f64 - 4.0) * (j as f64 + 0.5));
        assert_eq!(
            clf.predict(&x).unwrap(),
            net.predict(&x.transpose()).unwrap()
        );
        let p = clf.predict_proba(&x).unwrap();
        assert_eq!(p.transpose(), net.predict_proba(&x.transpose()).unwrap());
        // String labels work for plain files too ("0".."4"); bool cannot hold 5 classes.
        let s = Classifier::<String>::load(&path).unwrap();
        assert_eq!(s.classes()[4], "4");
        let e = Classifier::<bool>::load(&path).unwrap_err().to_string();
        assert!(e.contains("load it as `Classifier<usize>`"), "{e}");
        // The course's one-vs-all sigmoid networks load as well.
        let ova = Network::builder(3)
            .hidden(4, Relu)
            .output(4, deepmultinet::SigmoidCrossEntropy::<f64>::new())
            .build(&mut rng)
            .unwrap();
        deepmultinet::io::save(&ova, &path).unwrap();
        let clf = Classifier::<u8>::load(&path).unwrap();
        let p = clf.predict_proba(&x).unwrap();
        assert_eq!(p.ncols(), 4);
        for r in 0..9 {
            assert!((p.row(r).sum() - 1.0).abs() < 1e-12);
        }
        assert_eq!(
            clf.predict(&x)
                .unwrap()
                .iter()
                .map(|&c| c as usize)
                .collect::<Vec<_>>(),
            ova.predict(&x.transpose()).unwrap()
        );
    }

    #[test]
    fn scaler_numbers_round_trip_exactly() {
        // Values whose shortest decimal needs all 17 digits.
        let (mut x, idx) = blobs(&THREE, 20, 15);
        for v in x.iter_mut() {
            *v = *v * std::f64::consts::PI + 1e-7 / 3.0;
        }
        let mut clf = Classifier::builder()
            .hidden(&[3])
            .max_epochs(2)
            .build()
            .unwrap();
        clf.fit(&x, &idx).unwrap();
        let back = Classifier::<usize>::from_bytes_with(
            &clf.to_bytes().unwrap(),
            "m".as_ref(),
            &ActivationRegistry::new(),
        )
        .unwrap();
        let (a, b) = (clf.scaler().unwrap(), back.scaler().unwrap());
        let to_bits = |v: &[f64]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
        assert_eq!(to_bits(a.offset()), to_bits(b.offset()));
        assert_eq!(to_bits(a.scale()), to_bits(b.scale()));
    }
}
