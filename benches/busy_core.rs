//! Training runs while another process keeps one core busy (issue 12 item 7): with one core
//! taken, a run on every thread must take at most 1.25× its one-thread time, because a
//! split never waits for a worker the OS has descheduled (the pool's parts are claimed
//! dynamically).
//!
//! ```text
//! cargo bench --bench busy_core
//! scripts/bench-report            # prints the busy/one-thread ratios
//! ```
//!
//! Groups (each run once idle and once beside a spinning `sh` process, on 1 thread and on
//! every thread):
//! - `{idle,busy}_digits_fit/{1,all}_threads`: the estimator's defaults (100 ReLU units,
//!   Adam, batch 200) for 30 epochs on scikit-learn's 8×8 digits (1,797 samples);
//! - `{idle,busy}_iris_fit/…`: the same on iris (150 samples);
//! - `{idle,busy}_nielsen_epoch/…`: one epoch of 784-30-10 sigmoid SGD at batch 10 (Nielsen's
//!   network) on the 5,000 committed MNIST digits;
//! - `{idle,busy}_small_batch_steps/…`: 1,000 Adam steps of batch 1 through 784-128-64-10
//!   (ReLU) on the first 1,000 of those digits, where the first layer is split by the
//!   optimiser's ranges of θ (`network/owned.rs`) and every step makes three hand-offs.

use criterion::{Criterion, criterion_group, criterion_main};
use deepmultinet::activation::Sigmoid;
use deepmultinet::data::csv::{self, CsvOptions};
use deepmultinet::estimator::{Classifier, ClassifierBuilder, Samples, Scaling, Solver};
use nalgebra::DMatrix;
use std::hint::black_box;
use std::path::Path;
use std::process::{Child, Command};
use std::time::Duration;

/// Features (rows are samples) and labels of a scikit-learn fixture.
fn fixture(name: &str) -> (DMatrix<f64>, Vec<String>) {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/sklearn/{name}.csv"));
    let text = std::fs::read_to_string(&path).expect("fixture");
    let (mut values, mut labels, mut features) = (Vec::new(), Vec::new(), 0);
    for line in text.lines().skip(1).filter(|l| !l.is_empty()) {
        let fields: Vec<&str> = line.split(',').collect();
        let (label, row) = fields.split_last().expect("a label column");
        features = row.len();
        values.extend(row.iter().map(|v| v.parse::<f64>().expect("a number")));
        labels.push(label.to_string());
    }
    (
        DMatrix::from_row_slice(labels.len(), features, &values),
        labels,
    )
}

/// A process spinning on one core until dropped.
struct Spinner(Child);

impl Spinner {
    fn start() -> Self {
        let child = Command::new("sh")
            .args(["-c", "while :; do :; done"])
            .spawn()
            .expect("spawn a spinning sh");
        std::thread::sleep(Duration::from_millis(200));
        Spinner(child)
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Benchmarks `run` (one fit) as `group/id` with `samples` samples over `secs` seconds.
fn bench_fit(
    c: &mut Criterion,
    group: String,
    id: &str,
    samples: usize,
    secs: u64,
    run: impl Fn() -> bool,
) {
    let mut g = c.benchmark_group(group);
    g.sample_size(samples)
        .measurement_time(Duration::from_secs(secs));
    g.bench_function(id, |b| b.iter(|| black_box(run())));
    g.finish();
}

/// Fits a classifier made by `builder` (seed 0) on `x`, `y`; returns whether it is fitted.
fn fit<'a, C: Clone + Ord + std::fmt::Debug>(
    builder: ClassifierBuilder<C>,
    x: impl Into<Samples<'a>>,
    y: &[C],
) -> bool {
    let mut clf = builder.seed(0).build().expect("params");
    clf.fit(x, y).expect("fit");
    clf.is_fitted()
}

fn workloads(c: &mut Criterion, load: &str) {
    let (digits_x, digits_y) = fixture("digits");
    let (iris_x, iris_y) = fixture("iris");
    let mnist = csv::load::<f64>(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/mnist_5k.csv.gz"),
        &CsvOptions::pixels(),
    )
    .expect("examples/data/mnist_5k.csv.gz");
    let small = mnist.take(1000);
    let all = deepmultinet::num_threads();
    for threads in [1, all] {
        let id = if threads == 1 {
            "1_thread".to_string()
        } else {
            format!("{threads}_threads")
        };
        deepmultinet::set_num_threads(threads);
        bench_fit(c, format!("{load}_digits_fit"), &id, 10, 4, || {
            let b = Classifier::builder().max_epochs(30).early_stopping(false);
            fit(b, &digits_x, &digits_y)
        });
        bench_fit(c, format!("{load}_iris_fit"), &id, 20, 3, || {
            fit(Classifier::builder(), &iris_x, &iris_y)
        });
        bench_fit(c, format!("{load}_nielsen_epoch"), &id, 10, 4, || {
            let b = Classifier::builder()
                .hidden(&[30])
                .activation(Sigmoid)
                .solver(Solver::Sgd)
                .learning_rate(3.0)
                .momentum(0.0, false)
                .batch_size(10)
                .max_epochs(1)
                .early_stopping(false)
                .scaling(Scaling::None);
            fit(b, &mnist, mnist.labels())
        });
        bench_fit(c, format!("{load}_small_batch_steps"), &id, 10, 4, || {
            let b = Classifier::builder()
                .hidden(&[128, 64])
                .batch_size(1)
                .max_epochs(1)
                .early_stopping(false)
                .scaling(Scaling::None);
            fit(b, &small, small.labels())
        });
    }
    deepmultinet::set_num_threads(0);
}

fn busy_core(c: &mut Criterion) {
    workloads(c, "idle");
    let _spinner = Spinner::start();
    workloads(c, "busy");
}

criterion_group! {
    name = benches;
    // No plots: criterion's plotters backend needs system fonts this crate does not require.
    config = Criterion::default().without_plots().warm_up_time(Duration::from_secs(1));
    targets = busy_core
}
criterion_main!(benches);
