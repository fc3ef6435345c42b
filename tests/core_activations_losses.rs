//! Activations and loss heads against closed-form values computed here independently.

use deepmultinet::activation::{Elementwise, from_name};
use deepmultinet::prelude::*;
use nalgebra::DMatrix;

fn apply(act: &dyn Activation<f64>, z: &DMatrix<f64>) -> DMatrix<f64> {
    let mut a = DMatrix::zeros(z.nrows(), z.ncols());
    act.forward(z.as_view(), a.as_view_mut());
    a
}

#[test]
fn sigmoid_derivative_at_zero_is_exactly_a_quarter() {
    let z = DMatrix::from_element(1, 1, 0.0f64);
    let a = apply(&Sigmoid, &z);
    assert_eq!(a[(0, 0)], 0.5);
    let mut g = DMatrix::from_element(1, 1, 1.0);
    Activation::backward(&Sigmoid, z.as_view(), a.as_view(), g.as_view_mut());
    assert_eq!(g[(0, 0)], 0.25);
    assert_eq!(Elementwise::<f32>::df(&Sigmoid, 0.0, 0.5), 0.25f32);
}

#[test]
fn elementwise_activations_match_their_formulas() {
    let zs = [-2.5f64, -0.3, 0.0, 0.7, 3.0];
    let z = DMatrix::from_row_slice(1, 5, &zs);
    type Case = (Box<dyn Activation<f64>>, fn(f64) -> f64, fn(f64) -> f64);
    let cases: Vec<Case> = vec![
        (
            Box::new(Sigmoid),
            |z| 1.0 / (1.0 + (-z).exp()),
            |z| {
                let s = 1.0 / (1.0 + (-z).exp());
                s * (1.0 - s)
            },
        ),
        (Box::new(Tanh), f64::tanh, |z| 1.0 / z.cosh().powi(2)),
        (
            Box::new(Relu),
            |z| z.max(0.0),
            |z| if z > 0.0 { 1.0 } else { 0.0 },
        ),
        (
            Box::new(LeakyRelu(0.1)),
            |z| if z > 0.0 { z } else { 0.1 * z },
            |z| if z > 0.0 { 1.0 } else { 0.1 },
        ),
        (
            Box::new(Elu(1.5)),
            |z| if z > 0.0 { z } else { 1.5 * (z.exp() - 1.0) },
            |z| if z > 0.0 { 1.0 } else { 1.5 * z.exp() },
        ),
        (Box::new(Identity), |z| z, |_| 1.0),
    ];
    for (act, f, df) in cases {
        let a = apply(act.as_ref(), &z);
        let mut g = DMatrix::from_element(1, 5, 2.0);
        act.backward(z.as_view(), a.as_view(), g.as_view_mut());
        for (j, &zj) in zs.iter().enumerate() {
            assert!((a[(0, j)] - f(zj)).abs() < 1e-14, "{} f({zj})", act.name());
            assert!(
                (g[(0, j)] - 2.0 * df(zj)).abs() < 1e-12,
                "{} df({zj})",
                act.name()
            );
        }
        // Names round-trip through the parser (used by model files).
        assert_eq!(from_name::<f64>(&act.name()).unwrap().name(), act.name());
    }
}

#[test]
fn softmax_is_stable_for_huge_logits() {
    let z = DMatrix::from_column_slice(
        3,
        3,
        &[
            1000.0, -1000.0, 0.0, 1000.0, 1000.0, 999.0, -1000.0, -1000.0, -1000.0f64,
        ],
    );
    let a = apply(&Softmax, &z);
    for col in a.column_iter() {
        assert!(col.iter().all(|v| v.is_finite() && *v >= 0.0));
        assert!((col.sum() - 1.0).abs() < 1e-15);
    }
    assert_eq!(a[(0, 0)], 1.0);
    let e = (-1.0f64).exp();
    assert!((a[(0, 1)] - 1.0 / (2.0 + e)).abs() < 1e-15);
    assert!((a[(0, 2)] - 1.0 / 3.0).abs() < 1e-15);
    let z32 = z.map(|v| v as f32);
    let mut a32 = DMatrix::zeros(3, 3);
    Activation::<f32>::forward(&Softmax, z32.as_view(), a32.as_view_mut());
    assert!(a32.iter().all(|v| v.is_finite()));
}

/// The course's `nnCostFunction` cost, written as a plain loop over samples (independent of
/// the batched code): J = (1/m) Σ_i Σ_k −y log h − (1−y) log(1−h) + λ/(2m) Σ Θ² (no bias column).
fn course_cost(
    net: &Network<SigmoidCrossEntropy<f64>>,
    x: &DMatrix<f64>,
    y: &[usize],
    lambda: f64,
) -> f64 {
    let m = x.ncols();
    let t1 = net.theta_matrix(0).unwrap();
    let t2 = net.theta_matrix(1).unwrap();
    let sig = |v: f64| 1.0 / (1.0 + (-v).exp());
    let mut j = 0.0;
    for (i, &label) in y.iter().enumerate().take(m) {
        let mut a1 = vec![1.0];
        a1.extend(x.column(i).iter());
        let mut a2 = vec![1.0];
        for r in 0..t1.nrows() {
            a2.push(sig((0..a1.len()).map(|c| t1[(r, c)] * a1[c]).sum()));
        }
        for k in 0..t2.nrows() {
            let h = sig((0..a2.len()).map(|c| t2[(k, c)] * a2[c]).sum());
            let yk = if label == k { 1.0 } else { 0.0 };
            j += -yk * h.ln() - (1.0 - yk) * (1.0 - h).ln();
        }
    }
    let mut reg = 0.0;
    for t in [&t1, &t2] {
        for c in 1..t.ncols() {
            for r in 0..t.nrows() {
                reg += t[(r, c)] * t[(r, c)];
            }
        }
    }
    j / m as f64 + lambda / (2.0 * m as f64) * reg
}

#[test]
fn sigmoid_cross_entropy_is_the_course_cost_and_leaves_biases_unregularised() {
    use rand::SeedableRng;
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
    let net = Network::builder(6)
        .hidden(4, Sigmoid)
        .output(3, SigmoidCrossEntropy::<f64>::new())
        .init(Init::Uniform { epsilon: 1.0 })
        .build(&mut rng)
        .unwrap();
    let x = DMatrix::from_fn(6, 7, |i, j| ((i * 7 + j) as f64 * 0.37).sin());
    let y = vec![0, 1, 2, 2, 1, 0, 1];
    for lambda in [0.0, 1.0, 3.0] {
        let ours = net.cost(&x, &y, lambda).unwrap();
        let theirs = course_cost(&net, &x, &y, lambda);
        assert!(
            (ours - theirs).abs() < 1e-12,
            "λ={lambda}: {ours} vs {theirs}"
        );
    }
    // Regularisation never touches bias gradients.
    let mut g0 = vec![0.0; net.num_params()];
    let mut g3 = vec![0.0; net.num_params()];
    let mut ws = net.workspace(7);
    net.cost_grad(&mut ws, &x, &y, 0.0, &mut g0).unwrap();
    net.cost_grad(&mut ws, &x, &y, 3.0, &mut g3).unwrap();
    for i in 0..net.num_params() {
        let diff = g3[i] - g0[i];
        if net.layout().is_bias(i) {
            assert_eq!(diff, 0.0, "bias {i} regularised");
        } else {
            assert!((diff - 3.0 / 7.0 * net.params()[i]).abs() < 1e-14);
        }
    }
}

#[test]
fn saturated_outputs_give_a_large_finite_cost() {
    // Weights so large the outputs saturate to exactly 0/1 in floating point.
    let mut net = Network::with_sizes(&[2, 3], Sigmoid, SigmoidCrossEntropy::<f64>::new()).unwrap();
    let mut theta = vec![0.0; net.num_params()];
    for (i, t) in theta.iter_mut().enumerate() {
        *t = if i % 2 == 0 { 1e4 } else { -1e4 };
    }
    net.set_params(&theta).unwrap();
    let x = DMatrix::from_column_slice(2, 2, &[1.0, 0.0, 0.0, 1.0]);
    let p = net.predict_proba(&x).unwrap();
    assert!(p.iter().any(|&v| v == 1.0) && p.iter().any(|&v| v == 0.0));
    let j = net.cost(&x, &[0usize, 1], 0.0).unwrap();
    assert!(j.is_finite() && j > 1e3, "{j}");

    // Softmax: class 0's bias 1e4 makes its probability exactly 1; the labels say class 1.
    let mut soft =
        Network::with_sizes(&[2, 3], Sigmoid, SoftmaxCrossEntropy::<f32>::new()).unwrap();
    soft.params_mut()[0] = 1e4;
    let x32 = x.map(|v| v as f32);
    assert_eq!(soft.predict_proba(&x32).unwrap()[(1, 0)], 0.0);
    let j = soft.cost(&x32, &[1usize, 1], 0.0).unwrap();
    assert!(j.is_finite() && (j - 1e4).abs() < 1.0, "{j}");
    let mut g = vec![0f32; soft.num_params()];
    let mut ws = soft.workspace(2);
    soft.cost_grad(&mut ws, &x32, &[1usize, 1], 0.0, &mut g)
        .unwrap();
    assert!(g.iter().all(|v| v.is_finite()));
}

#[test]
fn mse_head_is_half_the_squared_error_averaged_over_samples() {
    let net = Network::with_sizes(&[2, 2], Identity, MeanSquaredError::<f64>::new()).unwrap();
    // θ = 0 → outputs 0; targets one-hot → per-sample cost ½·1.
    let x = DMatrix::from_column_slice(2, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    assert!((net.cost(&x, &[0usize, 1, 1], 0.0).unwrap() - 0.5).abs() < 1e-15);
    let y = DMatrix::from_column_slice(2, 3, &[1.0, 1.0, 2.0, 0.0, 0.0, 0.0]);
    // (1+1)/2 + 4/2 + 0 over 3 samples.
    assert!((net.cost(&x, &y, 0.0).unwrap() - 1.0).abs() < 1e-15);
}
