//! linfa (feature `linfa`): the estimator through linfa's `Fit` and `Predict`, with linfa's
//! k-fold cross-validation and metrics, on scikit-learn's wine data (178 samples, 13
//! features of very different ranges, 3 classes; `tests/fixtures/sklearn/wine.csv`).
//!
//! The rows are taken in a fixed shuffled order (`wine_cv_order.csv`: the CSV is sorted by
//! class, and linfa's folds are chunks of consecutive rows). The threshold comes from
//! scikit-learn on the very same folds (`tests/fixtures/sklearn/linfa_folds.py`, which wrote
//! that order; scikit-learn 1.9.1, numpy 2.4.6):
//!
//! ```text
//! wine 5-fold acc mean=0.9657 sd=0.0239 per fold=[0.9714, 0.9429, 0.9714, 1.0, 0.9429]
//! ```
//!
//! for `make_pipeline(StandardScaler(), MLPClassifier(random_state=k))`, our defaults'
//! counterpart. As in `tests/estimator_sklearn.rs`, our mean accuracy must reach at least
//! scikit-learn's mean minus one standard deviation, 0.9418 (one validation sample is
//! 0.0286 of a fold). Run with `--nocapture` for the accuracy of every fold.
#![cfg(feature = "linfa")]

use deepmultinet::Error;
use deepmultinet::estimator::{Classifier, ClassifierParams};
use linfa::prelude::*;
use ndarray::{Array1, Array2, Ix1};
use std::path::PathBuf;

/// scikit-learn's accuracy (mean, standard deviation) on the same five folds.
const SKLEARN_WINE: (f64, f64) = (0.9657, 0.0239);
const FOLDS: usize = 5;

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sklearn")
        .join(name);
    std::fs::read_to_string(path).unwrap()
}

/// Features (rows are samples) and the text labels of `<name>.csv`.
fn read(name: &str) -> (Vec<Vec<f64>>, Vec<String>) {
    let text = fixture(&format!("{name}.csv"));
    let (mut rows, mut labels) = (Vec::new(), Vec::new());
    for line in text.lines().skip(1).filter(|l| !l.is_empty()) {
        let fields: Vec<&str> = line.split(',').collect();
        let (label, row) = fields.split_last().unwrap();
        rows.push(row.iter().map(|v| v.parse::<f64>().unwrap()).collect());
        labels.push(label.to_string());
    }
    (rows, labels)
}

/// Wine as a linfa dataset with `usize` targets (`class_k` → k), its rows in the order of
/// `wine_cv_order.csv` (the folds scikit-learn was run on).
fn wine() -> Dataset<f64, usize, Ix1> {
    let (rows, labels) = read("wine");
    let order: Vec<usize> = fixture("wine_cv_order.csv")
        .trim()
        .split(',')
        .map(|v| v.parse().unwrap())
        .collect();
    let mut sorted = order.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (0..rows.len()).collect::<Vec<_>>(), "a permutation");
    let d = rows[0].len();
    let x = Array2::from_shape_fn((rows.len(), d), |(i, j)| rows[order[i]][j]);
    let y = Array1::from_shape_fn(rows.len(), |i| {
        labels[order[i]]
            .strip_prefix("class_")
            .unwrap()
            .parse()
            .unwrap()
    });
    Dataset::new(x, y)
}

fn params() -> ClassifierParams {
    Classifier::<usize>::builder().seed(0).check().unwrap()
}

#[test]
fn five_fold_cross_validation_on_wine_reaches_sklearns_accuracy() {
    let mut ds = wine();
    // linfa's folds, fitted with linfa's `Fit` and scored with its confusion matrix.
    let mut accuracies = Vec::new();
    for (k, (train, valid)) in ds.fold(FOLDS).into_iter().enumerate() {
        let model = params().fit(&train).unwrap();
        let pred: Array1<usize> = Predict::predict(&model, &valid);
        let cm = pred.confusion_matrix(&valid).unwrap();
        let acc = f64::from(cm.accuracy());
        println!(
            "fold {k}: train={} valid={} accuracy={acc:.4}",
            train.nsamples(),
            valid.nsamples()
        );
        accuracies.push(acc);
    }
    let mean = accuracies.iter().sum::<f64>() / FOLDS as f64;
    let (sk_mean, sk_sd) = SKLEARN_WINE;
    println!(
        "wine {FOLDS}-fold mean accuracy {mean:.4} (scikit-learn {sk_mean} ± {sk_sd}, \
         threshold {:.4})",
        sk_mean - sk_sd
    );
    assert!(
        mean >= sk_mean - sk_sd,
        "mean accuracy {mean:.4} below scikit-learn's {sk_mean} − {sk_sd}"
    );

    // linfa's own cross-validation loop, with the unchecked builder as its parameters
    // (linfa's `ParamGuard`). Its folds hold the same validation samples, but it hands the
    // training samples over in another order (so other mini-batches): close, not equal.
    let builders = [Classifier::<usize>::builder().seed(0)];
    let cv = ds
        .cross_validate_single(FOLDS, &builders, |pred, truth| {
            Ok(pred.confusion_matrix(truth)?.accuracy())
        })
        .unwrap();
    let cv = f64::from(cv[0]);
    println!("cross_validate_single: mean accuracy {cv:.4}");
    assert!(
        cv >= sk_mean - sk_sd,
        "cross_validate_single: mean accuracy {cv:.4} below scikit-learn's {sk_mean} − {sk_sd}"
    );
}

#[test]
fn linfa_fit_refuses_bad_parameters_and_data_with_our_errors() {
    let ds = wine();
    // The builder's check runs inside linfa's Fit.
    let bad = Classifier::<usize>::builder().learning_rate(-1.0);
    let e = bad.fit(&ds).unwrap_err();
    assert!(
        matches!(
            e,
            Error::InvalidParameter {
                name: "learning_rate",
                ..
            }
        ),
        "{e}"
    );
    // One class only.
    let one = Dataset::new(Array2::zeros((4, 2)), Array1::from_elem(4, 3usize));
    let e = params().fit(&one).unwrap_err();
    assert!(e.to_string().contains("only one class"), "{e}");
    // A NaN feature is refused by fit; linfa's Predict cannot fail and leaves the default
    // targets (the first class), where predict_array says what is wrong.
    let model = params().fit(&ds).unwrap();
    let mut x = ds.records().slice(ndarray::s![..3, ..]).to_owned();
    x[(1, 4)] = f64::NAN;
    let pred: Array1<usize> = Predict::predict(&model, &x);
    assert_eq!(pred, Array1::from_elem(3, 0));
    let e = model.predict_array(x.view()).unwrap_err();
    assert!(
        matches!(
            e,
            Error::NonFinite {
                sample: 1,
                feature: 4,
                ..
            }
        ),
        "{e}"
    );
    // linfa's own errors convert into ours.
    let e: Error = linfa::Error::NotEnoughSamples.into();
    assert!(e.to_string().contains("linfa: not enough samples"), "{e}");
}

#[test]
fn linfa_predict_gives_the_estimators_labels_of_any_type() {
    let (rows, labels) = read("iris");
    let x = Array2::from_shape_fn((rows.len(), 4), |(i, j)| rows[i][j]);
    let y = Array1::from_vec(labels);
    let ds = Dataset::new(x, y.clone());
    let model = Classifier::<String>::builder().seed(1).fit(&ds).unwrap();
    let pred: Array1<String> = Predict::predict(&model, ds.records());
    assert_eq!(pred, model.predict_array(ds.records().view()).unwrap());
    let acc = pred.confusion_matrix(&y).unwrap().accuracy();
    assert!(acc > 0.95, "training accuracy {acc}");
    assert_eq!(model.classes(), &["setosa", "versicolor", "virginica"]);
}
