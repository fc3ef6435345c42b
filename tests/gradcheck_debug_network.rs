//! The course's `checkNNGradients` debug network: 3 inputs, 5 hidden, 3 classes, m = 5.
//!
//! `debugInitializeWeights(fan_out, fan_in)` is `reshape(sin(1:numel(W)), size(W)) / 10`
//! with `W` of size `fan_out × (1 + fan_in)` — column-major, the bias column included — and
//! `X = debugInitializeWeights(m, input_layer_size - 1)` (so `X` is `m × 3`, one sample per
//! row in Octave; here one sample per column). Labels `y = 1 + mod(1:m, 3)` are 1-based
//! classes 2, 3, 1, 2, 3, i.e. 0-based 1, 2, 0, 1, 2.

use deepmultinet::prelude::*;
use nalgebra::DMatrix;

fn debug_initialize_weights(fan_out: usize, fan_in: usize) -> Vec<f64> {
    (1..=fan_out * (1 + fan_in))
        .map(|i| (i as f64).sin() / 10.0)
        .collect()
}

fn debug_problem() -> (Network<SigmoidCrossEntropy<f64>>, DMatrix<f64>, Vec<usize>) {
    let (input, hidden, labels, m) = (3, 5, 3, 5);
    let mut theta = debug_initialize_weights(hidden, input);
    theta.extend(debug_initialize_weights(labels, hidden));
    let mut net = Network::with_sizes(
        &[input, hidden, labels],
        Sigmoid,
        SigmoidCrossEntropy::new(),
    )
    .unwrap();
    net.set_params(&theta).unwrap();
    // Octave's X is m × (input_layer_size − 1 + 1) = 5 × 3 column-major; our X is its transpose.
    let xs = debug_initialize_weights(m, input - 1);
    let x_octave = DMatrix::from_column_slice(m, input, &xs);
    let x = x_octave.transpose();
    let y: Vec<usize> = (1..=m).map(|i| i % 3).collect(); // 1 + mod(i,3), minus 1
    (net, x, y)
}

#[test]
fn debug_network_labels_match_the_course() {
    let (_, x, y) = debug_problem();
    assert_eq!(y, vec![1, 2, 0, 1, 2]);
    // X(1, :) in Octave = sin([1 6 11]) / 10 (column-major 5×3).
    assert!((x[(0, 0)] - 1f64.sin() / 10.0).abs() < 1e-15);
    assert!((x[(1, 0)] - 6f64.sin() / 10.0).abs() < 1e-15);
    assert!((x[(2, 0)] - 11f64.sin() / 10.0).abs() < 1e-15);
}

#[test]
fn debug_network_relative_difference_below_1e9() {
    let (net, x, y) = debug_problem();
    for lambda in [0.0, 3.0] {
        let report = GradientCheck::new().run(&net, &x, &y, lambda).unwrap();
        println!(
            "debug network λ = {lambda}: relative difference {:.3e} over {} parameters",
            report.relative_difference,
            report.indices.len()
        );
        assert_eq!(report.indices.len(), 5 * 4 + 3 * 6);
        assert!(
            report.relative_difference < 1e-9,
            "λ = {lambda}: {}",
            report.relative_difference
        );
    }
}

/// An activation whose derivative is deliberately wrong (2× the true one).
#[derive(Debug)]
struct WrongDerivative;
impl Activation<f64> for WrongDerivative {
    fn name(&self) -> String {
        "wrong".into()
    }
    fn forward(&self, z: nalgebra::DMatrixView<'_, f64>, mut a: nalgebra::DMatrixViewMut<'_, f64>) {
        a.zip_apply(&z, |ai, zi| *ai = zi.tanh());
    }
    fn backward(
        &self,
        _z: nalgebra::DMatrixView<'_, f64>,
        a: nalgebra::DMatrixView<'_, f64>,
        mut g: nalgebra::DMatrixViewMut<'_, f64>,
    ) {
        g.zip_apply(&a, |gi, ai| *gi *= 2.0 * (1.0 - ai * ai));
    }
}

#[test]
fn gradient_check_detects_a_wrong_backward_pass() {
    let (net, x, y) = debug_problem();
    let broken = Network::from_parts(
        net.sizes(),
        vec![std::sync::Arc::new(WrongDerivative)],
        SigmoidCrossEntropy::new(),
        net.params().to_vec(),
    )
    .unwrap();
    let report = GradientCheck::new().run(&broken, &x, &y, 0.0).unwrap();
    assert!(
        report.relative_difference > 1e-3,
        "{}",
        report.relative_difference
    );
    // The output layer's gradient does not pass through the broken derivative: still exact.
    let out = broken.layout().layer_range(1);
    for (k, &i) in report.indices.iter().enumerate() {
        if out.contains(&i) {
            assert!((report.numerical[k] - report.analytic[k]).abs() < 1e-9);
        }
    }
}
