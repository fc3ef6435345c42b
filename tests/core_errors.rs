//! Bad input gives an `Error` naming both sizes, never a panic.

use deepmultinet::prelude::*;
use nalgebra::DMatrix;

fn net() -> Network<SoftmaxCrossEntropy<f64>> {
    Network::with_sizes(&[4, 3, 2], Relu, SoftmaxCrossEntropy::new()).unwrap()
}

fn contains_both(e: &Error, a: usize, b: usize) {
    let s = e.to_string();
    assert!(
        s.contains(&a.to_string()) && s.contains(&b.to_string()),
        "{s}"
    );
}

#[test]
fn batch_with_wrong_row_count() {
    let net = net();
    let x = DMatrix::<f64>::zeros(5, 3);
    let mut g = vec![0.0; net.num_params()];
    let mut ws = net.workspace(3);
    let e = net
        .cost_grad(&mut ws, &x, &[0usize, 1, 0], 0.0, &mut g)
        .unwrap_err();
    assert!(matches!(e, Error::ShapeMismatch { .. }));
    contains_both(&e, 4, 5);
    assert!(net.predict(&x).is_err());
    assert!(net.cost(&x, &[0usize, 1, 0], 0.0).is_err());
}

#[test]
fn labels_out_of_range_and_wrong_count() {
    let net = net();
    let x = DMatrix::<f64>::zeros(4, 3);
    let e = net.cost(&x, &[0usize, 2, 1], 0.0).unwrap_err();
    assert!(matches!(
        e,
        Error::LabelOutOfRange {
            label: 2,
            index: 1,
            classes: 2
        }
    ));
    contains_both(&e, 2, 1);
    let e = net.cost(&x, &[0usize, 1], 0.0).unwrap_err();
    contains_both(&e, 3, 2);
    let e = net.accuracy(&x, &[0usize]).unwrap_err();
    contains_both(&e, 3, 1);
}

#[test]
fn theta_and_gradient_of_wrong_length() {
    let net = net();
    let x = DMatrix::<f64>::zeros(4, 2);
    let mut ws = net.workspace(2);
    let n = net.num_params();
    let mut g = vec![0.0; n];
    let e = net
        .cost_grad_at(&vec![0.0; n + 1], &mut ws, &x, &[0usize, 1], 0.0, &mut g)
        .unwrap_err();
    assert!(matches!(e, Error::ParamLength { .. }));
    contains_both(&e, n, n + 1);
    let mut short = vec![0.0; n - 1];
    let e = net
        .cost_grad(&mut ws, &x, &[0usize, 1], 0.0, &mut short)
        .unwrap_err();
    contains_both(&e, n, n - 1);
}

#[test]
fn empty_batch_and_bad_lambda() {
    let net = net();
    let x = DMatrix::<f64>::zeros(4, 0);
    let e = net.cost(&x, &[] as &[usize], 0.0).unwrap_err();
    assert!(matches!(e, Error::EmptyBatch { .. }));
    assert!(e.to_string().contains('0'));
    assert!(net.predict_proba(&x).is_err());
    let x = DMatrix::<f64>::zeros(4, 1);
    assert!(net.cost(&x, &[0usize], -1.0).is_err());
    assert!(net.cost(&x, &[0usize], f64::NAN).is_err());
}

#[test]
fn bad_configurations() {
    assert!(
        Network::<SoftmaxCrossEntropy<f32>>::builder(4)
            .hidden(3, Relu)
            .build_zeroed()
            .is_err()
    );
    assert!(
        Network::builder(0)
            .output(2, SoftmaxCrossEntropy::<f32>::new())
            .build_zeroed()
            .is_err()
    );
    assert!(
        Network::from_parts(
            &[2, 3, 2],
            vec![],
            SoftmaxCrossEntropy::<f32>::new(),
            vec![0.0; 17]
        )
        .is_err()
    );
    assert!(deepmultinet::activation::from_name::<f32>("leaky_relu(x)").is_err());
    assert!(deepmultinet::activation::from_name::<f32>("elu(1").is_err());
}
