//! Property test: backprop agrees with central differences for random depths (1–3 hidden
//! layers), sizes, every activation, every loss head and λ ∈ [0, 2], in f64.

use deepmultinet::prelude::*;
use nalgebra::DMatrix;
use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::sync::Arc;

fn activation(i: usize) -> Arc<dyn Activation<f64>> {
    match i {
        0 => Arc::new(Sigmoid),
        1 => Arc::new(Tanh),
        2 => Arc::new(Relu),
        3 => Arc::new(LeakyRelu(0.1)),
        4 => Arc::new(Elu(1.0)),
        5 => Arc::new(Softmax),
        _ => Arc::new(Identity),
    }
}

fn check<L: OutputLoss<Scalar = f64>>(
    head: L,
    sizes: &[usize],
    acts: &[usize],
    lambda: f64,
    m: usize,
    seed: u64,
) -> f64 {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let hidden = acts.iter().map(|&a| activation(a)).collect();
    let layout = deepmultinet::Layout::new(sizes).unwrap();
    let mut theta = vec![0.0; layout.num_params()];
    Init::Uniform { epsilon: 0.5 }.fill(&layout, &mut theta, &mut rng);
    let net = Network::from_parts(sizes, hidden, head, theta).unwrap();
    let x = DMatrix::from_fn(sizes[0], m, |_, _| rng.random_range(-1.0..1.0));
    let k = *sizes.last().unwrap();
    let y: Vec<usize> = (0..m).map(|_| rng.random_range(0..k)).collect();
    if near_kink(&net, &x, acts) {
        return f64::NAN; // rejected by the caller
    }
    let r = GradientCheck::new().run(&net, &x, &y, lambda).unwrap();
    r.relative_difference
}

/// Whether a ReLU, leaky-ReLU or ELU layer has a pre-activation within 1e-3 of its kink at
/// 0, where a central difference with ε = 1e-4 could straddle the kink (ELU's first
/// derivative is continuous there but its second is not, which makes the central
/// difference's error O(ε) instead of O(ε²): about 1e-6 relative, found by CI). `Z_l` is recomputed
/// here from the layer activations and the weights, independently of backprop.
fn near_kink<L: OutputLoss<Scalar = f64>>(
    net: &Network<L>,
    x: &DMatrix<f64>,
    acts: &[usize],
) -> bool {
    let a = net.layer_activations(x).unwrap();
    for (l, &act) in acts.iter().enumerate() {
        if !matches!(act, 2..=4) {
            continue;
        }
        let input = if l == 0 { x.clone() } else { a[l - 1].clone() };
        let mut z = net.weights(l).unwrap() * input;
        for mut col in z.column_iter_mut() {
            col += net.bias(l).unwrap();
        }
        if z.iter().any(|v| v.abs() < 1e-3) {
            return true;
        }
    }
    false
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn backprop_matches_central_differences(
        inputs in 1usize..6,
        widths in prop::collection::vec(1usize..7, 1..=3),
        outputs in 2usize..5,
        act_seed in prop::collection::vec(0usize..7, 3),
        head in 0usize..4,
        lambda in 0.0f64..2.0,
        m in 1usize..6,
        seed in any::<u64>(),
    ) {
        let mut sizes = vec![inputs];
        sizes.extend(&widths);
        sizes.push(outputs);
        let acts = &act_seed[..widths.len()];
        let rel = match head {
            0 => check(SigmoidCrossEntropy::new(), &sizes, acts, lambda, m, seed),
            1 => check(SoftmaxCrossEntropy::new(), &sizes, acts, lambda, m, seed),
            2 => check(MeanSquaredError::new(), &sizes, acts, lambda, m, seed),
            _ => check(MeanSquaredError::sigmoid(), &sizes, acts, lambda, m, seed),
        };
        // Draws with a pre-activation next to a kink are rejected (NaN), not hidden
        // by a loose bound.
        prop_assume!(!rel.is_nan());
        prop_assert!(rel < 1e-7, "sizes {:?} acts {:?} head {} λ {} m {}: {}", sizes, acts, head, lambda, m, rel);
    }
}
