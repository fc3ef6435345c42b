//! The estimator on ndarray arrays (feature `ndarray`): row-major, column-major and
//! non-contiguous views of the same samples give bit for bit what the nalgebra input gives,
//! for fitting and for every prediction; errors name the sample and feature of the view.
#![cfg(feature = "ndarray")]

use deepmultinet::Error;
use deepmultinet::estimator::{Classifier, Solver};
use nalgebra::DMatrix;
use ndarray::{Array1, Array2, ArrayView2, Axis, ShapeBuilder, s};
use std::path::PathBuf;

/// Iris: features (rows are samples) as a nalgebra matrix, and the labels.
fn iris() -> (DMatrix<f64>, Vec<String>) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sklearn/iris.csv");
    let text = std::fs::read_to_string(path).unwrap();
    let (mut values, mut labels) = (Vec::new(), Vec::new());
    for line in text.lines().skip(1).filter(|l| !l.is_empty()) {
        let fields: Vec<&str> = line.split(',').collect();
        let (label, row) = fields.split_last().unwrap();
        values.extend(row.iter().map(|v| v.parse::<f64>().unwrap()));
        labels.push(label.to_string());
    }
    (DMatrix::from_row_slice(labels.len(), 4, &values), labels)
}

fn classifier() -> Classifier<String> {
    Classifier::builder()
        .hidden(&[10])
        .solver(Solver::Lbfgs)
        .max_epochs(100)
        .seed(5)
        .build()
        .unwrap()
}

/// The same samples × features values in several layouts; the owners are returned so
/// that the views can borrow them.
struct Layouts {
    c_order: Array2<f64>,
    f_order: Array2<f64>,
    /// features × samples, row-major: its transposed view is column-major.
    transposed: Array2<f64>,
    /// The values in columns 2..6 of a wider array: a column range is not contiguous.
    wide: Array2<f64>,
    /// Every other row holds a sample (rows 0, 2, 4, ...): a step.
    spaced: Array2<f64>,
    /// Rows in reverse order: a negative stride once the axis is inverted.
    reversed: Array2<f64>,
}

impl Layouts {
    fn new(x: &DMatrix<f64>) -> Self {
        let (n, d) = x.shape();
        let c_order = Array2::from_shape_fn((n, d), |(i, j)| x[(i, j)]);
        let f_order = Array2::from_shape_fn((n, d).f(), |(i, j)| x[(i, j)]);
        let transposed = Array2::from_shape_fn((d, n), |(j, i)| x[(i, j)]);
        let wide = Array2::from_shape_fn((n, d + 4), |(i, j)| {
            if (2..2 + d).contains(&j) {
                x[(i, j - 2)]
            } else {
                f64::NAN // never read
            }
        });
        let spaced = Array2::from_shape_fn((2 * n, d), |(i, j)| {
            if i % 2 == 0 { x[(i / 2, j)] } else { f64::NAN }
        });
        let reversed = Array2::from_shape_fn((n, d), |(i, j)| x[(n - 1 - i, j)]);
        Layouts {
            c_order,
            f_order,
            transposed,
            wide,
            spaced,
            reversed,
        }
    }

    /// (name, view, whether the view is read in place).
    fn views(&self) -> Vec<(&'static str, ArrayView2<'_, f64>, bool)> {
        let d = self.c_order.ncols();
        let mut reversed = self.reversed.view();
        reversed.invert_axis(Axis(0));
        vec![
            ("row-major", self.c_order.view(), true),
            ("column-major", self.f_order.view(), true),
            ("transposed", self.transposed.t(), true),
            ("column range", self.wide.slice(s![.., 2..2 + d]), false),
            ("row step", self.spaced.slice(s![..;2, ..]), false),
            ("negative stride", reversed, false),
        ]
    }
}

#[test]
fn every_layout_fits_and_predicts_as_the_nalgebra_input() {
    let (x, labels) = iris();
    let mut reference = classifier();
    reference.fit(&x, &labels).unwrap();
    let want_proba = reference.predict_proba(&x).unwrap();
    let want_pred = reference.predict(&x).unwrap();
    let want_score = reference.score(&x, &labels).unwrap();
    assert!(want_score > 0.95, "{want_score}");
    let y = Array1::from_vec(labels.clone());
    let layouts = Layouts::new(&x);
    for (name, view, in_place) in layouts.views() {
        assert_eq!(view.dim(), x.shape(), "{name}");
        assert_eq!(
            view.is_standard_layout() || view.t().is_standard_layout(),
            in_place,
            "{name}"
        );
        // Predictions of the reference model.
        let proba = reference.predict_proba_array(view).unwrap();
        assert_eq!(proba.dim(), (150, 3), "{name}");
        for i in 0..150 {
            for k in 0..3 {
                assert_eq!(proba[(i, k)], want_proba[(i, k)], "{name} ({i}, {k})");
            }
        }
        assert_eq!(
            reference.predict_array(view).unwrap().to_vec(),
            want_pred,
            "{name}"
        );
        let idx = reference.predict_indices_array(view).unwrap();
        assert_eq!(
            idx.to_vec(),
            reference.predict_indices(&x).unwrap(),
            "{name}"
        );
        assert_eq!(
            reference.score_array(view, y.view()).unwrap(),
            want_score,
            "{name}"
        );
        // Fitting on the view: the same model, bit for bit.
        let mut clf = classifier();
        clf.fit_array(view, y.view()).unwrap();
        assert_eq!(
            clf.network().unwrap().params(),
            reference.network().unwrap().params(),
            "{name}"
        );
        assert_eq!(clf.scaler(), reference.scaler(), "{name}");
    }
}

#[test]
fn labels_may_be_a_non_contiguous_view_too() {
    let (x, labels) = iris();
    let mut reference = classifier();
    reference.fit(&x, &labels).unwrap();
    // The labels in every other slot of a longer array.
    let spaced = Array1::from_shape_fn(300, |i| {
        if i % 2 == 0 {
            labels[i / 2].clone()
        } else {
            "not a label".to_string()
        }
    });
    let y = spaced.slice(s![..;2]);
    let layouts = Layouts::new(&x);
    let mut clf = classifier();
    clf.fit_array(layouts.c_order.view(), y).unwrap();
    assert_eq!(clf.classes(), reference.classes());
    assert_eq!(
        clf.network().unwrap().params(),
        reference.network().unwrap().params()
    );
    assert_eq!(
        clf.score_array(layouts.c_order.view(), y).unwrap(),
        reference.score(&x, &labels).unwrap()
    );
}

#[test]
fn errors_name_the_sample_and_feature_of_the_view() {
    let (x, labels) = iris();
    let y = Array1::from_vec(labels.clone());
    let unfitted = classifier();
    let layouts = Layouts::new(&x);
    let e = unfitted.predict_array(layouts.c_order.view()).unwrap_err();
    assert!(matches!(e, Error::InvalidConfig(_)), "{e}");
    let mut clf = classifier();
    clf.fit_array(layouts.c_order.view(), y.view()).unwrap();
    // A NaN at sample 7, feature 3 of each layout.
    let mut bad = Layouts::new(&x);
    bad.c_order[(7, 3)] = f64::NAN;
    bad.f_order[(7, 3)] = f64::NAN;
    bad.transposed[(3, 7)] = f64::NAN;
    bad.wide[(7, 5)] = f64::NAN;
    bad.spaced[(14, 3)] = f64::NAN;
    bad.reversed[(149 - 7, 3)] = f64::NAN;
    for (name, view, _) in bad.views() {
        let e = clf.predict_proba_array(view).unwrap_err();
        assert!(
            matches!(
                e,
                Error::NonFinite {
                    sample: 7,
                    feature: 3,
                    ..
                }
            ),
            "{name}: {e}"
        );
        let e = classifier().fit_array(view, y.view()).unwrap_err();
        assert!(
            matches!(
                e,
                Error::NonFinite {
                    sample: 7,
                    feature: 3,
                    ..
                }
            ),
            "{name}: {e}"
        );
    }
    // Features as rows: the shape error says to transpose.
    let e = clf.predict_array(layouts.transposed.view()).unwrap_err();
    assert!(e.to_string().contains("x.transpose()"), "{e}");
    // One label short.
    let e = classifier()
        .fit_array(layouts.c_order.view(), y.slice(s![..149]))
        .unwrap_err();
    assert!(matches!(e, Error::ShapeMismatch { .. }), "{e}");
    let e = clf
        .score_array(layouts.c_order.view(), y.slice(s![1..]))
        .unwrap_err();
    assert!(matches!(e, Error::ShapeMismatch { .. }), "{e}");
}
