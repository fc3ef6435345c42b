//! Training-step throughput at the batch sizes people use, and the GEMM peak of the same
//! kernels, so every figure can be reported as a fraction of the peak measured in the same
//! run (`scripts/bench-report` turns criterion's output into BENCHMARKS.md's tables).
//!
//! ```text
//! cargo bench --bench train_step                              # all cores (default)
//! DEEPMULTINET_THREADS=1 cargo bench --bench train_step       # one thread
//! ```
//!
//! Groups (criterion `Throughput::Elements` = samples, or FLOPs for `peak`):
//! - `step_784_128_64_10_relu_adam_f32/{1,10,64,256,1024}`: `cost_grad` + Adam update;
//! - `cost_grad_784_128_64_10_relu_f32/{1,64}` and `adam_update_f32/109386`: the two halves
//!   of that step (the gradient alone; the Adam update of its 109,386 parameters alone);
//! - `step_784_30_10_sigmoid_sgd_f32/10`: `cost_grad` + SGD update (Nielsen's network);
//! - `full_batch_400_25_10_sigmoid_f64/5000`: full-batch `cost_grad` (the course's size);
//! - `step_784_1024_1024_10_relu_adam_f32/256`, `step_784_2048_2048_10_relu_adam_f32/512`:
//!   wide networks, where the step is almost all GEMM;
//! - `forward_784_128_64_10_relu_f32/{1,1024}`: inference (`predict_proba`, which allocates
//!   its result); `forward_ws_784_128_64_10_relu_f32/{1,1024}`: `forward` into a held
//!   workspace (allocation-free);
//! - `epoch_60000_784_128_64_10_relu_adam_f32/{64,256}`: one shuffled epoch of 60,000
//!   samples through `EpochRunner` (for `epoch / (batches × step)`);
//!   `gather_60000_784_f32/{64,256}`: `BatchBuffer::gather` of one batch of random columns
//!   of the same 60,000-sample matrix (what an epoch adds to its steps); both again with
//!   `_from_bytes`: the same pixels kept as bytes (`ByteSamples`, a quarter of the memory);
//!   `steps_60000_784_128_64_10_relu_adam_f32/{64,256}`: the epoch's number of steps (938,
//!   235) run back to back on the step benchmark's warm batches — `batches × step` timed
//!   over as long a sample as an epoch; `paired_epochs_60000_784_128_64_10_relu_adam_f32/
//!   {64,256}`: rounds of those steps, the epoch from `f32` and the epoch from bytes back to
//!   back, whose per-round ratios go to `target/criterion/deepmultinet-paired.json`;
//! - `peak/{f32,f64}_{1_thread,all_threads}`: one 1024³ GEMM through `linalg::gemm`, with
//!   `set_num_threads(1)` and with every core (the product split across the pool);
//! - `peak/fma_{avx512,avx2}_{f32,f64}_{1_thread,all_threads}`: the machine's register FMA
//!   peak for every instruction set this CPU has (16 independent FMA chains on `zmm`/`ymm`
//!   registers, no memory; on one thread and on `num_threads()` threads at once).
//!
//! The run also writes `target/criterion/deepmultinet-run.json` (the GEMM kernel family and
//! thread count it ran with) for `scripts/bench-report`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use deepmultinet::optim::{Adam, AdamConfig, Sgd, SgdConfig, StepOptimizer};
use deepmultinet::prelude::*;
use nalgebra::{DMatrix, DMatrixView, DMatrixViewMut};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::hint::black_box;
use std::time::Duration;

#[path = "common/fma_peak.rs"]
mod fma_peak;

fn data<T: Scalar>(inputs: usize, classes: usize, m: usize, seed: u64) -> (DMatrix<T>, Vec<usize>) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let x = DMatrix::from_fn(inputs, m, |_, _| T::of(rng.random::<f64>()));
    let y = (0..m).map(|_| rng.random_range(0..classes)).collect();
    (x, y)
}

/// Samples a step benchmark cycles through (see `step_bench`).
const POOL: usize = 4096;

fn step_bench<L: OutputLoss>(
    c: &mut Criterion,
    group: &str,
    net: &Network<L>,
    batches: &[usize],
    mut opt: impl StepOptimizer<L::Scalar>,
) {
    let mut g = c.benchmark_group(group);
    if net.num_params() > 1 << 20 {
        // Tens of milliseconds per step: criterion's minimum of 10 samples suffices.
        g.sample_size(10);
    }
    for &m in batches {
        // The steps cycle through the batches of a pool of at least 4,096 samples (in the
        // cache, like a freshly gathered batch), so the network cannot memorise them.
        let batches = POOL.div_ceil(m);
        let (x, y) = data::<L::Scalar>(net.inputs(), net.outputs(), m * batches, m as u64);
        let mut net = net.clone();
        let mut ws = net.workspace(m);
        let mut grad = vec![L::Scalar::of(0.0); net.num_params()];
        let mut next = 0;
        g.throughput(Throughput::Elements(m as u64));
        g.bench_function(BenchmarkId::from_parameter(m), |b| {
            b.iter(|| {
                let j = next;
                next = (next + 1) % batches;
                let (xb, yb) = (x.columns(j * m, m), &y[j * m..(j + 1) * m]);
                let cost = net
                    .cost_grad(&mut ws, xb, yb, L::Scalar::of(0.0), &mut grad)
                    .unwrap();
                opt.step(net.params_mut(), &grad).unwrap();
                black_box(cost)
            })
        });
        let (x, y) = (x.columns(0, m), &y[..m]);
        // A step on a batch the network has memorised is not a training step: with zero
        // gradients Adam's moments decay into subnormals, which take this CPU twice as
        // long (`adam_update_f32/zero_grad`).
        let cost = net
            .cost_grad(&mut ws, x, y, L::Scalar::of(0.0), &mut grad)
            .unwrap()
            .as_f64();
        assert!(
            cost > 0.1,
            "{group}/{m}: the benchmark memorised its batch (cost {cost})"
        );
    }
    g.finish();
}

fn training_steps(c: &mut Criterion) {
    // `DEEPMULTINET_THREADS=1 cargo bench --bench train_step` measures the one-thread figures.
    if let Some(n) = std::env::var("DEEPMULTINET_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        deepmultinet::set_num_threads(n);
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(0);
    let modern = Network::builder(784)
        .hidden(128, Relu)
        .hidden(64, Relu)
        .output(10, SoftmaxCrossEntropy::<f32>::new())
        .init(Init::He)
        .build(&mut rng)
        .unwrap();
    // The steps' Adam moves θ by at most ~10⁻⁶ per step: with the pool of batches (see
    // `step_bench`) the cost stays near where it started, as early in training (the
    // arithmetic of a step does not depend on the rate).
    let adam = Adam::new(AdamConfig {
        learning_rate: 1e-6,
        ..AdamConfig::default()
    })
    .unwrap();
    step_bench(
        c,
        "step_784_128_64_10_relu_adam_f32",
        &modern,
        &[1, 10, 64, 256, 1024],
        adam.clone(),
    );

    // The two halves of a batch-1 step: the gradient alone, and the Adam update alone.
    let mut g = c.benchmark_group("cost_grad_784_128_64_10_relu_f32");
    for m in [1, 64] {
        let (x, y) = data::<f32>(784, 10, m, m as u64);
        let mut ws = modern.workspace(m);
        let mut grad = vec![0.0f32; modern.num_params()];
        g.throughput(Throughput::Elements(m as u64));
        g.bench_function(BenchmarkId::from_parameter(m), |b| {
            b.iter(|| black_box(modern.cost_grad(&mut ws, &x, &y, 0.0, &mut grad).unwrap()))
        });
    }
    g.finish();
    let mut g = c.benchmark_group("adam_update_f32");
    let n = modern.num_params();
    let (mut theta, mut adam) = (modern.params().to_vec(), adam.clone());
    let grad: Vec<f32> = (0..n).map(|i| ((i % 97) as f32 - 48.0) * 1e-3).collect();
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function(BenchmarkId::from_parameter(n), |b| {
        b.iter(|| {
            adam.step(&mut theta, &grad).unwrap();
            black_box(theta[0])
        })
    });
    // With zero gradients the moments decay into subnormals (m by 0.9 a step): what a
    // benchmark that memorises its one batch would measure.
    let zero = vec![0.0f32; n];
    g.bench_function("zero_grad", |b| {
        b.iter(|| {
            adam.step(&mut theta, &zero).unwrap();
            black_box(theta[0])
        })
    });
    g.finish();

    let nielsen = Network::builder(784)
        .hidden(30, Sigmoid)
        .output(10, MeanSquaredError::<f32>::sigmoid())
        .build(&mut rng)
        .unwrap();
    let sgd = Sgd::new(SgdConfig {
        learning_rate: 3.0,
        ..Default::default()
    })
    .unwrap();
    step_bench(c, "step_784_30_10_sigmoid_sgd_f32", &nielsen, &[10], sgd);

    for (hidden, batch) in [(1024, 256), (2048, 512)] {
        let wide = Network::builder(784)
            .hidden(hidden, Relu)
            .hidden(hidden, Relu)
            .output(10, SoftmaxCrossEntropy::<f32>::new())
            .init(Init::He)
            .build(&mut rng)
            .unwrap();
        let adam = Adam::new(AdamConfig {
            learning_rate: 1e-6,
            ..AdamConfig::default()
        })
        .unwrap();
        let group = format!("step_784_{hidden}_{hidden}_10_relu_adam_f32");
        step_bench(c, &group, &wide, &[batch], adam);
    }

    let course = Network::builder(400)
        .hidden(25, Sigmoid)
        .output(10, SigmoidCrossEntropy::<f64>::new())
        .build(&mut rng)
        .unwrap();
    let (x, y) = data::<f64>(400, 10, 5000, 3);
    let mut ws = course.workspace(5000);
    let mut grad = vec![0.0; course.num_params()];
    let mut g = c.benchmark_group("full_batch_400_25_10_sigmoid_f64");
    g.throughput(Throughput::Elements(5000));
    g.bench_function(BenchmarkId::from_parameter(5000), |b| {
        b.iter(|| black_box(course.cost_grad(&mut ws, &x, &y, 1.0, &mut grad).unwrap()))
    });
    g.finish();

    let mut g = c.benchmark_group("forward_784_128_64_10_relu_f32");
    for m in [1, 1024] {
        let (x, _) = data::<f32>(784, 10, m, 4);
        g.throughput(Throughput::Elements(m as u64));
        g.bench_function(BenchmarkId::from_parameter(m), |b| {
            b.iter(|| black_box(modern.predict_proba(&x).unwrap()))
        });
    }
    g.finish();

    // Inference into a held workspace (no allocation): what a serving loop calls.
    let mut g = c.benchmark_group("forward_ws_784_128_64_10_relu_f32");
    for m in [1, 1024] {
        let (x, _) = data::<f32>(784, 10, m, 4);
        let mut ws = modern.workspace(m);
        g.throughput(Throughput::Elements(m as u64));
        g.bench_function(BenchmarkId::from_parameter(m), |b| {
            b.iter(|| black_box(modern.forward(&mut ws, &x).unwrap()[(0, 0)]))
        });
    }
    g.finish();

    epochs(c, &modern);
}

/// Adam steps on the step benchmarks' warm pool of batches (see `step_bench`).
struct PoolSteps {
    net: Network<SoftmaxCrossEntropy<f32>>,
    ws: deepmultinet::network::Workspace<f32>,
    grad: Vec<f32>,
    adam: Adam<f32>,
    x: DMatrix<f32>,
    y: Vec<usize>,
    batch: usize,
    next: usize,
}

impl PoolSteps {
    fn new(net: &Network<SoftmaxCrossEntropy<f32>>, batch: usize) -> Self {
        let (x, y) = data::<f32>(784, 10, batch * POOL.div_ceil(batch), batch as u64);
        PoolSteps {
            net: net.clone(),
            ws: net.workspace(batch),
            grad: vec![0.0; net.num_params()],
            adam: bench_adam(),
            x,
            y,
            batch,
            next: 0,
        }
    }

    /// `steps` steps, cycling through the pool; the sum of their costs.
    fn run(&mut self, steps: usize) -> f32 {
        let (m, batches) = (self.batch, self.y.len() / self.batch);
        let mut cost = 0.0;
        for _ in 0..steps {
            let j = self.next;
            self.next = (j + 1) % batches;
            let (xb, yb) = (self.x.columns(j * m, m), &self.y[j * m..][..m]);
            cost += self
                .net
                .cost_grad(&mut self.ws, xb, yb, 0.0, &mut self.grad)
                .unwrap();
            self.adam.step(self.net.params_mut(), &self.grad).unwrap();
        }
        cost
    }
}

/// The step benchmarks' Adam: a rate of 10⁻⁶ keeps a pool of batches from being memorised
/// (the arithmetic of a step does not depend on the rate).
fn bench_adam() -> Adam<f32> {
    Adam::new(AdamConfig {
        learning_rate: 1e-6,
        ..AdamConfig::default()
    })
    .unwrap()
}

/// One shuffled epoch per call through `EpochRunner` (its own network, optimiser, guard
/// and shuffling RNG); returns the epoch's cost.
fn epoch_runner<'d>(
    net: &Network<SoftmaxCrossEntropy<f32>>,
    inputs: deepmultinet::data::Inputs<'d, f32>,
    y: &'d [usize],
    batch: usize,
) -> impl FnMut() -> f64 + 'd {
    use deepmultinet::train::{DivergenceGuard, EpochRunner, TrainConfig};
    let mut net = net.clone();
    let config = TrainConfig {
        batch_size: batch,
        ..Default::default()
    };
    let mut runner = EpochRunner::new(&net, inputs, y, &config).unwrap();
    let mut guard = DivergenceGuard::new(config.divergence_factor, net.params()).unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(6);
    let mut adam = bench_adam();
    move || {
        runner
            .run_epoch(&mut net, &mut adam, &mut rng, &mut guard, &mut ())
            .unwrap()
            .cost
    }
}

/// Shuffled epochs over 60,000 samples (Fashion-MNIST's size, random pixels) through the
/// library's `EpochRunner`, from an `f32` matrix and from the same pixels kept as bytes, and
/// the epoch's number of steps on the warm pool: with the step benchmarks of the same run,
/// `scripts/bench-report` prints `epoch / (batches × step)`.
fn epochs(c: &mut Criterion, net: &Network<SoftmaxCrossEntropy<f32>>) {
    use deepmultinet::data::{BatchBuffer, ByteSamples, Inputs};
    const M: usize = 60_000;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    let pixels: Vec<u8> = (0..784 * M).map(|_| rng.random::<u8>()).collect();
    let y: Vec<usize> = (0..M).map(|_| rng.random_range(0..10)).collect();
    let bytes = ByteSamples::<f32>::unit(784, &pixels).unwrap();
    let x = bytes.to_matrix().unwrap();
    let sources: [(&str, Inputs<'_, f32>); 2] = [("f32", (&x).into()), ("bytes", bytes.into())];
    let epoch_on = |inputs, batch| epoch_runner(net, inputs, &y, batch);

    // `batches × step` timed as one run of that many steps.
    let mut g = c.benchmark_group("steps_60000_784_128_64_10_relu_adam_f32");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    g.throughput(Throughput::Elements(M as u64));
    for batch in [64, 256] {
        let mut steps = PoolSteps::new(net, batch);
        g.bench_function(BenchmarkId::from_parameter(batch), |b| {
            b.iter(|| black_box(steps.run(M.div_ceil(batch))))
        });
    }
    g.finish();

    for (kind, inputs) in sources {
        let name = match kind {
            "f32" => "epoch_60000_784_128_64_10_relu_adam_f32".to_string(),
            _ => format!("epoch_60000_784_128_64_10_relu_adam_f32_from_{kind}"),
        };
        let mut g = c.benchmark_group(name);
        g.sample_size(10).measurement_time(Duration::from_secs(8));
        g.throughput(Throughput::Elements(M as u64));
        for batch in [64, 256] {
            let mut epoch = epoch_on(inputs, batch);
            g.bench_function(BenchmarkId::from_parameter(batch), |b| {
                b.iter(|| black_box(epoch()))
            });
        }
        g.finish();
    }

    // Paired rounds: criterion's groups run one after another, minutes apart, and this
    // machine drifts by more than the 5 % in question. Each round runs the steps, the epoch
    // from `f32` and the epoch from bytes back to back (in rotating order); the per-round
    // ratios go to `target/criterion/deepmultinet-paired.json` for `scripts/bench-report`
    // (`write_run_info` removes an older one). Criterion's warm-up rounds are recorded too:
    // they follow the untimed round, so they are warm. (Criterion's own figure for this
    // group is the round's total time.)
    let mut g = c.benchmark_group("paired_epochs_60000_784_128_64_10_relu_adam_f32");
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(1))
        .sampling_mode(criterion::SamplingMode::Flat);
    let mut ratios: Vec<(usize, &str, f64)> = Vec::new();
    for batch in [64, 256] {
        let mut steps = PoolSteps::new(net, batch);
        let mut from_f32 = epoch_on(sources[0].1, batch);
        let mut from_bytes = epoch_on(sources[1].1, batch);
        // One untimed round first: the first epoch of a runner faults its buffers in.
        black_box((steps.run(M.div_ceil(batch)), from_f32(), from_bytes()));
        let mut round = 0usize;
        g.bench_function(BenchmarkId::from_parameter(batch), |b| {
            b.iter_custom(|iters| {
                let t0 = std::time::Instant::now();
                for _ in 0..iters {
                    // All six orders in turn, so each runs after each of the others.
                    const ORDERS: [[usize; 3]; 6] = [
                        [0, 1, 2],
                        [0, 2, 1],
                        [1, 0, 2],
                        [1, 2, 0],
                        [2, 0, 1],
                        [2, 1, 0],
                    ];
                    let mut secs = [0.0f64; 3];
                    for which in ORDERS[round % 6] {
                        let t = std::time::Instant::now();
                        black_box(match which {
                            0 => f64::from(steps.run(M.div_ceil(batch))),
                            1 => from_f32(),
                            _ => from_bytes(),
                        });
                        secs[which] = t.elapsed().as_secs_f64();
                    }
                    round += 1;
                    ratios.push((batch, "f32", secs[1] / secs[0]));
                    ratios.push((batch, "bytes", secs[2] / secs[0]));
                }
                t0.elapsed()
            })
        });
    }
    g.finish();
    if !ratios.is_empty() {
        let rows: Vec<String> = ratios
            .iter()
            .map(|(b, k, r)| format!("{{\"batch\": {b}, \"inputs\": \"{k}\", \"ratio\": {r}}}"))
            .collect();
        let _ = std::fs::write(
            criterion_dir().join("deepmultinet-paired.json"),
            format!("[\n{}\n]\n", rows.join(",\n")),
        );
    }

    // What an epoch adds to its steps: gathering each batch's random columns of the 188 MB
    // matrix, or of the 47 MB of bytes (the steps above reuse warm batches).
    let targets: Targets<'_, f32> = (&y).into();
    for (kind, inputs) in sources {
        let name = match kind {
            "f32" => "gather_60000_784_f32".to_string(),
            _ => format!("gather_60000_784_f32_from_{kind}"),
        };
        let mut g = c.benchmark_group(name);
        for batch in [64, 256] {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
            let mut order: Vec<usize> = (0..M).collect();
            rand::seq::SliceRandom::shuffle(&mut order[..], &mut rng);
            let mut buf = BatchBuffer::new(784, 10, batch, &targets);
            let mut chunks = order.chunks_exact(batch).cycle();
            g.throughput(Throughput::Elements(batch as u64));
            g.bench_function(BenchmarkId::from_parameter(batch), |b| {
                b.iter(|| {
                    let idx = chunks.next().unwrap_or(&[0]);
                    buf.gather(inputs, &targets, idx).unwrap();
                    black_box(buf.x()[(0, 0)])
                })
            });
        }
        g.finish();
    }
}

/// One n³ product through the crate's GEMM kernel (split across the pool's threads when
/// more than one is configured — exactly what a training step's GEMMs get).
fn gemm_once<T: Scalar>(n: usize, a: &[T], b: &[T], c: &mut [T]) {
    let (a, b) = (
        DMatrixView::from_slice(a, n, n),
        DMatrixView::from_slice(b, n, n),
    );
    let mut c = DMatrixViewMut::from_slice(c, n, n);
    deepmultinet::linalg::gemm(T::of(1.0), &a, &b, T::of(0.0), &mut c).unwrap();
}

fn peak_for<T: Scalar>(g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    let n = 1024;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
    let a: Vec<T> = (0..n * n).map(|_| T::of(rng.random::<f64>())).collect();
    let b: Vec<T> = (0..n * n).map(|_| T::of(rng.random::<f64>())).collect();
    let mut c = vec![T::of(0.0); n * n];
    g.throughput(Throughput::Elements((2 * n * n * n) as u64));
    for (threads, name) in [(1, "1_thread"), (0, "all_threads")] {
        deepmultinet::set_num_threads(threads);
        g.bench_function(format!("{}_{name}", T::NAME), |bch| {
            bch.iter(|| gemm_once::<T>(n, &a, &b, &mut c))
        });
    }
    deepmultinet::set_num_threads(0);
}

/// The register FMA peak of every instruction set this CPU has, on one thread and on all.
fn fma_peaks(g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    // ~5 ms per call at ~100 GFLOP/s: thread start-up (tens of µs) is below 1 %.
    const ITERS: u64 = 1 << 20;
    let all = deepmultinet::num_threads();
    for isa in fma_peak::Isa::available_all() {
        for (double, scalar) in [(false, "f32"), (true, "f64")] {
            g.throughput(Throughput::Elements(isa.flops(double, ITERS)));
            g.bench_function(format!("fma_{}_{scalar}_1_thread", isa.name()), |b| {
                b.iter(|| black_box(fma_peak::run(isa, double, ITERS)))
            });
            g.throughput(Throughput::Elements(isa.flops(double, ITERS) * all as u64));
            g.bench_function(format!("fma_{}_{scalar}_all_threads", isa.name()), |b| {
                b.iter(|| black_box(fma_peak::run_threads(isa, double, ITERS, all)))
            });
        }
    }
}

/// Where criterion writes its results (`$CARGO_TARGET_DIR/criterion`, else
/// `target/criterion`).
fn criterion_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from("target"))
        .join("criterion")
}

/// Records what this run measured with, for `scripts/bench-report`.
fn write_run_info() {
    let dir = criterion_dir();
    let kernel = deepmultinet::linalg::gemm_kernel();
    let info = format!(
        "{{\"gemm_kernel\": \"{kernel}\", \"threads\": {}, \"kernel_request_ok\": {}}}\n",
        deepmultinet::num_threads(),
        deepmultinet::linalg::gemm_kernel_checked().is_ok()
    );
    if std::fs::create_dir_all(&dir).is_ok() {
        let _ = std::fs::write(dir.join("deepmultinet-run.json"), info);
    }
    // Paired rounds of an earlier run are not this run's.
    let _ = std::fs::remove_file(dir.join("deepmultinet-paired.json"));
}

fn peak(c: &mut Criterion) {
    write_run_info();
    let mut g = c.benchmark_group("peak");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    fma_peaks(&mut g);
    peak_for::<f32>(&mut g);
    peak_for::<f64>(&mut g);
    g.finish();
}

criterion_group! {
    name = benches;
    // No plots: criterion's plotters backend needs system fonts this crate does not require.
    config = Criterion::default().without_plots();
    targets = peak, training_steps
}
criterion_main!(benches);
