//! What the live dashboard costs a training run: one epoch of `Trainer::fit` (784-128-64-10
//! ReLU/softmax, `f32`, Adam, batch 64, 12,800 samples = 200 steps, validation on 1,280
//! samples after the epoch) with the observer `&mut ()`, and with a `live::Dashboard`
//! attached while a page reads its event stream — measured in the same run.
//!
//! ```text
//! cargo bench --features live --bench live_overhead
//! ```
//!
//! Group `epoch_784_128_64_10_adam_b64` (throughput = training samples):
//! - `observer_none`: `&mut ()`;
//! - `dashboard`: the dashboard with its defaults (batch points every 250 ms, an epoch
//!   message, the 64 first-layer units as images) and one client reading `/events`;
//! - `dashboard_confusion`: the same with `with_validation` on the trainer's validation set
//!   (one more forward pass over it per epoch for the confusion matrix);
//! - `observer_none_again`: `&mut ()` once more, to see how much the shared machine drifted.
//!
//! Group `observer_alone_per_epoch`: the events of one such epoch (start, 200 batch events,
//! the epoch's end with θ) replayed onto the dashboard without training — its own cost per
//! epoch, to set against an epoch's time (`dashboard`, `dashboard_confusion`).
//!
//! On a shared machine criterion's one-after-the-other groups drift by more than the
//! effect, so the bench ends with **paired rounds**: 15 rounds, each one epoch without and
//! one with the dashboard (order alternating), printing the median of the per-round ratios
//! (`paired: ... overhead ...`).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use deepmultinet::live::{Dashboard, DashboardConfig};
use deepmultinet::optim::{Adam, AdamConfig};
use deepmultinet::prelude::*;
use deepmultinet::train::Event;
use nalgebra::DMatrix;
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

type Net = Network<SoftmaxCrossEntropy<f32>>;

fn data(m: usize, seed: u64) -> (DMatrix<f32>, Vec<usize>) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let y: Vec<usize> = (0..m).map(|_| rng.random_range(0..10)).collect();
    // Learnable: each class brightens its own band of pixels.
    let x = DMatrix::from_fn(784, m, |i, j| {
        let band = (i / 78).min(9) == y[j];
        rng.random::<f32>() * 0.5 + if band { 0.5 } else { 0.0 }
    });
    (x, y)
}

/// A page reading the event stream on its own thread until the dashboard is dropped.
fn reader(addr: SocketAddr) -> std::thread::JoinHandle<usize> {
    std::thread::spawn(move || {
        let Ok(mut s) = TcpStream::connect(addr) else {
            return 0;
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(120)));
        let _ = write!(
            s,
            "GET /events HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\r\n",
            addr.port()
        );
        let mut buf = [0u8; 16 * 1024];
        let mut total = 0;
        while let Ok(n) = s.read(&mut buf) {
            if n == 0 {
                break;
            }
            total += n;
        }
        total
    })
}

fn epochs(c: &mut Criterion) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(0);
    let net: Net = Network::builder(784)
        .hidden(128, Relu)
        .hidden(64, Relu)
        .output(10, SoftmaxCrossEntropy::new())
        .init(Init::He)
        .build(&mut rng)
        .unwrap();
    let (x, y) = data(12_800, 1);
    let (xv, yv) = data(1_280, 2);
    let trainer = Trainer::new(TrainConfig {
        epochs: 1,
        batch_size: 64,
        ..TrainConfig::default()
    })
    .unwrap()
    .with_validation(&xv, &yv)
    .unwrap();

    let mut g = c.benchmark_group("epoch_784_128_64_10_adam_b64");
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(2));
    g.measurement_time(Duration::from_secs(12));
    g.throughput(Throughput::Elements(x.ncols() as u64));

    let mut run = |name: &str, observer: &mut dyn Observer<f32>| {
        let mut n = net.clone();
        let mut adam = Adam::new(AdamConfig::default()).unwrap();
        let mut r = Xoshiro256PlusPlus::seed_from_u64(3);
        g.bench_function(name, |b| {
            b.iter(|| {
                trainer
                    .fit(&mut n, &mut adam, &x, &y, &mut r, &mut *observer)
                    .unwrap()
            })
        });
    };

    run("observer_none", &mut ());

    let mut dash = Dashboard::new(DashboardConfig::default()).unwrap();
    let page = reader(dash.addr());
    run("dashboard", &mut dash);
    drop(dash);
    let _ = page.join();

    let mut dash = Dashboard::new(DashboardConfig::default())
        .unwrap()
        .with_validation(&net, &xv, &yv)
        .unwrap();
    let page = reader(dash.addr());
    run("dashboard_confusion", &mut dash);
    drop(dash);
    let _ = page.join();
    // Again without, to see the machine's drift over the run.
    run("observer_none_again", &mut ());
    g.finish();

    // The observer alone: the events of one epoch (start, 200 batches, the epoch's end
    // with θ) replayed onto it, without training — its own cost per epoch.
    let record = {
        let mut n = net.clone();
        let mut adam = Adam::new(AdamConfig::default()).unwrap();
        let mut r = Xoshiro256PlusPlus::seed_from_u64(5);
        let h = trainer
            .fit(&mut n, &mut adam, &x, &y, &mut r, &mut ())
            .unwrap();
        h.epochs[0].clone()
    };
    let mut g = c.benchmark_group("observer_alone_per_epoch");
    g.sample_size(30);
    let mut replay = |name: &str, dash: &mut Dashboard<f32>| {
        g.bench_function(name, |b| {
            b.iter(|| {
                let _ = dash.on_event(&Event::TrainingStarted {
                    epochs: 1,
                    batches_per_epoch: 200,
                    samples: 12_800,
                });
                for batch in 1..=200 {
                    let _ = dash.on_event(&Event::BatchFinished {
                        epoch: 1,
                        batch,
                        batches: 200,
                        cost: 1.0,
                    });
                }
                let _ = dash.on_event(&Event::EpochFinished {
                    record: &record,
                    params: net.params(),
                    layout: net.layout(),
                });
            })
        });
    };
    let mut dash = Dashboard::new(DashboardConfig::default()).unwrap();
    let page = reader(dash.addr());
    replay("dashboard", &mut dash);
    drop(dash);
    let _ = page.join();
    let mut dash = Dashboard::new(DashboardConfig::default())
        .unwrap()
        .with_validation(&net, &xv, &yv)
        .unwrap();
    let page = reader(dash.addr());
    replay("dashboard_confusion", &mut dash);
    drop(dash);
    let _ = page.join();
    g.finish();
    paired(&net, &trainer, &x, &y, &xv, &yv);
}

/// Alternating epochs with and without the dashboard; prints the median per-round ratios.
fn paired(
    net: &Net,
    trainer: &Trainer<'_, f32>,
    x: &DMatrix<f32>,
    y: &[usize],
    xv: &DMatrix<f32>,
    yv: &[usize],
) {
    let mut n = net.clone();
    let mut adam = Adam::new(AdamConfig::default()).unwrap();
    let mut r = Xoshiro256PlusPlus::seed_from_u64(4);
    let mut dash = Dashboard::new(DashboardConfig::default()).unwrap();
    let mut conf = Dashboard::new(DashboardConfig::default())
        .unwrap()
        .with_validation(net, xv, yv)
        .unwrap();
    let pages = [reader(dash.addr()), reader(conf.addr())];
    let mut epoch = |o: &mut dyn Observer<f32>| {
        let t = std::time::Instant::now();
        trainer.fit(&mut n, &mut adam, x, y, &mut r, o).unwrap();
        t.elapsed().as_secs_f64()
    };
    epoch(&mut ());
    let (mut with, mut with_conf) = (Vec::new(), Vec::new());
    for round in 0..15 {
        let (a, b, c) = if round % 2 == 0 {
            let a = epoch(&mut ());
            (a, epoch(&mut dash), epoch(&mut conf))
        } else {
            let c = epoch(&mut conf);
            let b = epoch(&mut dash);
            (epoch(&mut ()), b, c)
        };
        with.push(b / a);
        with_conf.push(c / a);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!(
        "paired (15 rounds, median of per-round ratios): dashboard overhead {:+.2} %, \
         dashboard + validation confusion {:+.2} %",
        100.0 * (median(&mut with) - 1.0),
        100.0 * (median(&mut with_conf) - 1.0)
    );
    drop(dash);
    drop(conf);
    for p in pages {
        let _ = p.join();
    }
}

criterion_group! {
    name = benches;
    // No plots: the machine may have no fonts for criterion's charts.
    config = Criterion::default().without_plots();
    targets = epochs
}
criterion_main!(benches);
