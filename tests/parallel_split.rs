//! Splitting a batch across threads gives the same cost and gradient as one thread (up to
//! rounding), and bit-identical results run to run for a fixed thread count.
//! Own test binary: the thread count is a process-wide setting.

use deepmultinet::prelude::*;
use nalgebra::DMatrix;
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

fn run(
    threads: usize,
    net: &Network<SoftmaxCrossEntropy<f64>>,
    x: &DMatrix<f64>,
    y: &[usize],
) -> (f64, Vec<f64>) {
    deepmultinet::set_num_threads(threads);
    let mut ws = net.workspace(x.ncols());
    let mut g = vec![0.0; net.num_params()];
    let c = net.cost_grad(&mut ws, x, y, 0.7, &mut g).unwrap();
    // A second call through the same (now split) workspace gives the same bits.
    let mut g2 = vec![0.0; net.num_params()];
    let c2 = net.cost_grad(&mut ws, x, y, 0.7, &mut g2).unwrap();
    assert_eq!(c.to_bits(), c2.to_bits());
    assert_eq!(g, g2);
    (c, g)
}

#[test]
fn split_batches_match_one_thread() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    let net = Network::builder(30)
        .hidden(20, Tanh)
        .hidden(12, Relu)
        .output(5, SoftmaxCrossEntropy::<f64>::new())
        .init(Init::Glorot)
        .build(&mut rng)
        .unwrap();
    for m in [7, 64, 101, 256] {
        let x = DMatrix::from_fn(30, m, |_, _| rng.random_range(-1.0..1.0));
        let y: Vec<usize> = (0..m).map(|_| rng.random_range(0..5)).collect();
        let (c1, g1) = run(1, &net, &x, &y);
        for threads in [2, 3, 4] {
            let (c, g) = run(threads, &net, &x, &y);
            assert!(
                (c - c1).abs() <= 1e-12 * c1.abs(),
                "m={m} threads={threads}: {c} vs {c1}"
            );
            let scale = g1.iter().fold(0.0f64, |a, v| a.max(v.abs()));
            for (a, b) in g.iter().zip(&g1) {
                assert!(
                    (a - b).abs() <= 1e-12 * scale,
                    "m={m} threads={threads}: {a} vs {b}"
                );
            }
        }
    }
    deepmultinet::set_num_threads(0);
}
