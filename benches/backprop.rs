//! Forward and `cost_grad` throughput (samples/s) for the course's 400-25-10 sigmoid network
//! (f64, full batch of 5,000) and a modern 784-128-64-10 ReLU/softmax network (f32, batches
//! of 64 and 256). Seeded synthetic data: throughput does not depend on the values.
//!
//! `cargo bench --bench backprop`

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use deepmultinet::prelude::*;
use nalgebra::DMatrix;
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::hint::black_box;

fn data<T: Scalar>(inputs: usize, classes: usize, m: usize, seed: u64) -> (DMatrix<T>, Vec<usize>) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let x = DMatrix::from_fn(inputs, m, |_, _| T::of(rng.random::<f64>()));
    let y = (0..m).map(|_| rng.random_range(0..classes)).collect();
    (x, y)
}

fn bench_net<L: OutputLoss>(
    c: &mut Criterion,
    name: &str,
    net: &Network<L>,
    m: usize,
    lambda: f64,
) {
    let (x, y) = data::<L::Scalar>(net.inputs(), net.outputs(), m, 1);
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(m as u64));
    let mut ws = net.workspace(m);
    let mut grad = vec![L::Scalar::of(0.0); net.num_params()];
    let lambda = L::Scalar::of(lambda);
    group.bench_function(BenchmarkId::new("cost_grad", m), |b| {
        b.iter(|| black_box(net.cost_grad(&mut ws, &x, &y, lambda, &mut grad).unwrap()))
    });
    group.bench_function(BenchmarkId::new("forward", m), |b| {
        b.iter(|| black_box(net.predict_proba(&x).unwrap()))
    });
    group.finish();
}

fn backprop(c: &mut Criterion) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(0);
    let course = Network::builder(400)
        .hidden(25, Sigmoid)
        .output(10, SigmoidCrossEntropy::<f64>::new())
        .build(&mut rng)
        .unwrap();
    bench_net(c, "course_400_25_10_sigmoid_f64", &course, 5000, 1.0);
    let modern = Network::builder(784)
        .hidden(128, Relu)
        .hidden(64, Relu)
        .output(10, SoftmaxCrossEntropy::<f32>::new())
        .init(Init::He)
        .build(&mut rng)
        .unwrap();
    for m in [64, 256] {
        bench_net(c, "mlp_784_128_64_10_relu_f32", &modern, m, 0.0);
    }
}

criterion_group! {
    name = benches;
    // No plots: criterion's plotters backend needs system fonts this crate does not require.
    config = Criterion::default().without_plots();
    targets = backprop
}
criterion_main!(benches);
