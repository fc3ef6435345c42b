//! The numbers behind the dashboard's panels and the new pictures, against values computed
//! by hand on a 3-2-2 network.

use deepmultinet::inspect::{
    self, ActivityOptions, ImageShape, activation_curve, builtin_activation_curves,
};
use deepmultinet::prelude::*;
use nalgebra::DMatrix;
use std::sync::Arc;

/// 3 inputs → 2 ReLU units → 2 softmax outputs:
/// `W_0 = [[1, −2, 0.5], [0, 1, 1]]`, `b_0 = [0.1, −0.2]`, `W_1 = [[2, −1], [−1, 3]]`,
/// `b_1 = [0, 0.5]`; θ stores each `[b | W]` column by column.
fn net() -> Network<SoftmaxCrossEntropy<f64>> {
    #[rustfmt::skip]
    let theta = vec![
        0.1, -0.2, /* W_0 by columns */ 1.0, 0.0, -2.0, 1.0, 0.5, 1.0,
        0.0, 0.5, /* W_1 by columns */ 2.0, -1.0, -1.0, 3.0,
    ];
    Network::from_parts(
        &[3, 2, 2],
        vec![Arc::new(Relu)],
        SoftmaxCrossEntropy::new(),
        theta,
    )
    .unwrap()
}

/// Two samples; the second is `x = [2, 0.5, −1]`:
/// `z_1 = [0.1 + 2 − 1 − 0.5, −0.2 + 0.5 − 1] = [0.6, −0.7]`, `a_1 = [0.6, 0]`,
/// `z_2 = [1.2, −0.6 + 0.5] = [1.2, −0.1]`.
fn x() -> DMatrix<f64> {
    DMatrix::from_column_slice(3, 2, &[0.0, 0.0, 0.0, 2.0, 0.5, -1.0])
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

#[test]
fn network_activity_picks_the_most_active_neurons_and_the_strongest_signals() {
    let opts = ActivityOptions {
        inputs: 2,
        hidden: 25,
        outputs: 20,
        connections: 3,
    };
    let a = inspect::network_activity(&net(), &x(), 1, &opts).unwrap();
    assert_eq!(a.layers.len(), 3);
    // |x| = [2, 0.5, 1]: pixels 0 and 2, in index order.
    let input: Vec<(usize, f64)> = a.layers[0]
        .neurons
        .iter()
        .map(|n| (n.index, n.activation))
        .collect();
    assert_eq!(input, [(0, 2.0), (2, -1.0)]);
    assert_eq!((a.layers[0].size, a.layers[0].omitted()), (3, 1));
    let hidden: Vec<f64> = a.layers[1].neurons.iter().map(|n| n.activation).collect();
    assert!(close(hidden[0], 0.6) && hidden[1] == 0.0, "{hidden:?}");
    let p0 = 1.0 / (1.0 + (-1.3f64).exp());
    assert!(close(a.layers[2].neurons[0].activation, p0));
    assert!(close(a.layers[2].neurons[1].activation, 1.0 - p0));
    assert_eq!(a.predicted, 0);
    // Input → hidden signals W[j, i]·x_i: 0→0: 1·2 = 2, 0→1: 0·2 = 0, 2→0: 0.5·(−1),
    // 2→1: 1·(−1); the three strongest, strongest first.
    let c: Vec<(usize, usize, f64, f64)> = a.connections[0]
        .iter()
        .map(|c| (c.from, c.to, c.weight, c.signal))
        .collect();
    assert_eq!(c, [(0, 0, 1.0, 2.0), (2, 1, 1.0, -1.0), (2, 0, 0.5, -0.5)]);
    // Hidden → output: 0→0: 2·0.6, 0→1: −1·0.6, then the silent unit's zeros.
    let c1 = &a.connections[1];
    assert_eq!(c1.len(), 3);
    assert_eq!((c1[0].from, c1[0].to), (0, 0));
    assert!(close(c1[0].signal, 1.2));
    assert_eq!((c1[1].from, c1[1].to, c1[1].weight), (0, 1, -1.0));
    assert!(close(c1[1].signal, -0.6));
    assert_eq!(c1[2].signal, 0.0);

    // A narrow budget: one hidden unit (the active one), "⋮" for the other.
    let narrow = ActivityOptions { hidden: 1, ..opts };
    let a = inspect::network_activity(&net(), &x(), 1, &narrow).unwrap();
    assert_eq!(a.layers[1].neurons.len(), 1);
    assert_eq!(a.layers[1].neurons[0].index, 0);
    assert_eq!(a.layers[1].omitted(), 1);
    assert!(a.connections[0].iter().all(|c| c.to == 0));
}

#[test]
fn network_activity_checks_its_arguments() {
    let opts = ActivityOptions::default();
    assert!(matches!(
        inspect::network_activity(&net(), &x(), 2, &opts),
        Err(Error::IndexOutOfRange {
            what: "sample",
            index: 2,
            len: 2
        })
    ));
    let none = ActivityOptions { inputs: 0, ..opts };
    assert!(matches!(
        inspect::network_activity(&net(), &x(), 0, &none),
        Err(Error::InvalidParameter { name: "inputs", .. })
    ));
    let wrong = DMatrix::<f64>::zeros(4, 1);
    assert!(matches!(
        inspect::network_activity(&net(), &wrong, 0, &opts),
        Err(Error::ShapeMismatch { .. })
    ));
}

#[test]
fn class_weights_masked_filters_and_the_histogram_into_a_unit() {
    let net = net();
    let cw = inspect::class_weights(&net, 1).unwrap();
    assert_eq!(cw.weights, [-1.0, 3.0]);
    assert_eq!(cw.bias, 0.5);
    assert_eq!((cw.grid.height(), cw.grid.width()), (1, 2));
    assert!(matches!(
        inspect::class_weights(&net, 2),
        Err(Error::IndexOutOfRange { what: "class", .. })
    ));

    let shape = ImageShape::row_major(1, 3);
    // Only unit 0 (activation 0.6) reaches 0.5: x ⊙ w_0 = [2·1, 0.5·(−2), −1·0.5].
    let f = inspect::masked_filters(&net, &x(), 1, shape, 0.5).unwrap();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].unit, 0);
    assert!(close(f[0].activation, 0.6));
    assert_eq!(f[0].image.pixels(), &[2.0, -1.0, -0.5]);
    // At threshold 0 both fire, the stronger first; unit 1: [0, 0.5·1, −1·1].
    let f = inspect::masked_filters(&net, &x(), 1, shape, 0.0).unwrap();
    assert_eq!(f.iter().map(|m| m.unit).collect::<Vec<_>>(), [0, 1]);
    assert_eq!(f[1].image.pixels(), &[0.0, 0.5, -1.0]);
    assert!(
        inspect::masked_filters(&net, &x(), 1, ImageShape::row_major(2, 2), 0.5).is_err(),
        "4 pixels for 3 inputs"
    );
    assert!(inspect::masked_filters(&net, &x(), 1, shape, f64::NAN).is_err());

    // The weights into output 0 are [2, −1]: two bins [−1, 0.5) and [0.5, 2].
    let h = inspect::incoming_weight_histogram(&net, 1, 0, 2).unwrap();
    assert_eq!(h.edges, vec![-1.0, 0.5, 2.0]);
    assert_eq!(h.counts, vec![1, 1]);
    assert_eq!(h.layer, 1);
    assert!(inspect::incoming_weight_histogram(&net, 1, 2, 2).is_err());
    assert!(inspect::incoming_weight_histogram(&net, 2, 0, 2).is_err());
}

#[test]
fn sample_panels_gathers_the_same_numbers_as_the_single_functions() {
    let (net, x) = (net(), x());
    let opts = ActivityOptions::default();
    let p = inspect::sample_panels(&net, &x, 1, &opts, 5).unwrap();
    assert_eq!(p.input, vec![2.0, 0.5, -1.0]);
    assert_eq!(p.view, inspect::single_input(&net, &x, 1).unwrap());
    assert_eq!(
        p.activity,
        inspect::network_activity(&net, &x, 1, &opts).unwrap()
    );
    assert_eq!(
        p.layers,
        inspect::activation_stats(&net, x.columns(1, 1)).unwrap()
    );
    // Hidden layer on this sample: mean (0.6 + 0) / 2, max 0.6, unit 1 dead.
    assert!(close(p.layers[0].mean, 0.3) && close(p.layers[0].max, 0.6));
    assert_eq!(p.layers[0].dead_fraction, 0.5);
    assert_eq!(
        p.predicted_weights,
        inspect::incoming_weight_histogram(&net, 1, 0, 5).unwrap()
    );
    assert!(close(p.confidence(), 1.0 / (1.0 + (-1.3f64).exp())));
    assert!(inspect::sample_panels(&net, &x, 1, &opts, 0).is_err());
}

#[test]
fn activation_curves_have_the_known_values() {
    let all = builtin_activation_curves((-2.0, 2.0), 5).unwrap();
    let names: Vec<&str> = all.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "sigmoid",
            "tanh",
            "relu",
            "leaky_relu(0.01)",
            "elu(1)",
            "identity"
        ]
    );
    for c in &all {
        assert_eq!(c.z, [-2.0, -1.0, 0.0, 1.0, 2.0]);
        assert_eq!((c.f.len(), c.df.len()), (5, 5));
    }
    let by = |n: &str| all.iter().find(|c| c.name == n).unwrap();
    assert_eq!(by("relu").f, [0.0, 0.0, 0.0, 1.0, 2.0]);
    assert_eq!(by("relu").df, [0.0, 0.0, 0.0, 1.0, 1.0]);
    assert_eq!(by("leaky_relu(0.01)").f[0], -0.02);
    assert_eq!(by("tanh").df[2], 1.0);
    assert!(close(by("elu(1)").f[1], (-1.0f64).exp() - 1.0));
    assert!(close(by("elu(1)").df[1], (-1.0f64).exp()));
    assert_eq!(by("identity").df, [1.0; 5]);
    let s = activation_curve(&Sigmoid, (0.0, 1.0), 2).unwrap();
    assert_eq!((s.f[0], s.df[0]), (0.5, 0.25));
}
