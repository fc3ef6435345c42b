//! The f32 cost is accumulated in f64: the course network (`ex3weights.mat`, 400-25-10
//! sigmoid) on the 5,000 digits of `digits5k_20x20.mat` gives, in f32, the f64 cost of the
//! same θ and pixels (widened exactly) to ~1e-7 relative, on one thread and on two (a split
//! batch), through `cost_grad` (λ = 0 and 1) and `cost`. Before the f64 accumulation the f32
//! cost was off by 2.4e-5 (one thread) and 4.6e-6 (two). Skipped with a printed reason when
//! the data is absent; required under CI. One test per binary: it sets the thread count.

mod common;

use deepmultinet::data::mat;
use deepmultinet::io;
use deepmultinet::prelude::*;
use nalgebra::DMatrix;
use std::sync::Arc;

/// Relative difference of an f32 figure from the f64 one.
fn rel(f32_value: f32, f64_value: f64) -> f64 {
    (f32_value as f64 - f64_value).abs() / f64_value.abs()
}

#[test]
fn f32_course_cost_matches_f64_to_1e7() {
    let Some(w) = common::shared_file("coursera-ex3/ex3weights.mat", "f32_cost") else {
        return;
    };
    let Some(d) = common::shared_file("coursera-ex4/digits5k_20x20.mat", "f32_cost") else {
        return;
    };
    let net32 = io::from_mat(&w, Arc::new(Sigmoid), SigmoidCrossEntropy::<f32>::new()).unwrap();
    let ds = mat::load_dataset::<f32>(&d).unwrap();
    let (x32, y) = (ds.features(), ds.labels());
    // The f64 reference computes on exactly the same numbers: θ and X widened from f32.
    let mut net64 = io::from_mat(&w, Arc::new(Sigmoid), SigmoidCrossEntropy::<f64>::new()).unwrap();
    for (t64, &t32) in net64.params_mut().iter_mut().zip(net32.params()) {
        *t64 = t32 as f64;
    }
    let x64: DMatrix<f64> = x32.map(|v| v as f64);
    assert_eq!((x32.nrows(), x32.ncols()), (400, 5000));

    let (mut g32, mut g64) = (
        vec![0f32; net32.num_params()],
        vec![0f64; net64.num_params()],
    );
    let (mut ws32, mut ws64) = (net32.workspace(5000), net64.workspace(5000));
    let mut worst: f64 = 0.0;
    for lambda in [0.0, 1.0] {
        deepmultinet::set_num_threads(1);
        let want = net64
            .cost_grad(&mut ws64, &x64, y, lambda, &mut g64)
            .unwrap();
        let want_cost = net64.cost(&x64, y, lambda).unwrap();
        assert!(rel(want_cost as f32, want) < 1e-12 || (want_cost - want).abs() < 1e-12);
        for threads in [1, 2] {
            deepmultinet::set_num_threads(threads);
            let got = net32
                .cost_grad(&mut ws32, x32, y, lambda as f32, &mut g32)
                .unwrap();
            let got_cost = net32.cost(x32, y, lambda as f32).unwrap();
            // The gradient, for scale: its error comes from the f32 GEMMs.
            let num: f64 = g32
                .iter()
                .zip(&g64)
                .map(|(&a, &b)| (a as f64 - b).powi(2))
                .sum();
            let den: f64 = g64.iter().map(|b| b * b).sum();
            eprintln!(
                "λ = {lambda}, {threads} thread(s): f64 J = {want:.12}, f32 cost_grad J = {got:.9} \
                 (rel {:.2e}), f32 cost J = {got_cost:.9} (rel {:.2e}); ‖Δgrad‖/‖grad‖ = {:.2e}",
                rel(got, want),
                rel(got_cost, want),
                (num / den).sqrt()
            );
            worst = worst.max(rel(got, want)).max(rel(got_cost, want));
        }
    }
    deepmultinet::set_num_threads(0);
    // Measured 2.8e-8 (λ = 0) and 7e-9 (λ = 1): the final rounding of J to f32 (half an ulp
    // is 6e-8 relative at J ≈ 0.59) dominates the f32 logits' own error.
    assert!(worst <= 1e-7, "f32 cost off by {worst:.2e} relative");
}
