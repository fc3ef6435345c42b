//! Watch a network learn Fashion-MNIST in the browser, then watch it classify.
//!
//! ```text
//! cargo run --release --features live --example live_dashboard [-- --port 0 --rate 2
//!     --epochs 10 --seed 0 --data DIR --classify-seconds 60 --validation 0.1
//!     --wait-for-browser 0 --linger 0]
//! ```
//!
//! * Prints the page's address (`--port`, default 0: any free port, on 127.0.0.1 only) —
//!   open it in a browser; a page opened late replays the run so far.
//! * Trains 784-128-64-10 (ReLU hidden layers, softmax, `f32`, He initialisation) with Adam
//!   (α = 10⁻³) on mini-batches of 64 for `--epochs` (10) epochs on Fashion-MNIST's training
//!   images less `--validation` (10 %, seeded shuffle) held out: the page shows the cost per
//!   batch and per epoch, the accuracy curves, each epoch's time and samples per second, the
//!   first layer's hidden units and the validation confusion matrix.
//! * Then steps through the test images, `--rate` (2) per second for `--classify-seconds`
//!   (60) seconds, showing each one's seven panels (input, probabilities, network activity,
//!   confusion matrix of the images shown, activation per layer, weights into the predicted
//!   unit, confidence of the last 50).
//! * `--wait-for-browser S` waits up to S seconds for a page to connect before training;
//!   `--linger S` keeps serving the final state S seconds before exiting. The dashboard stops
//!   when the program ends.
//!
//! Data: `--data DIR` with the four IDX files (default Debian's
//! `/usr/share/datasets/fashion-mnist`, or `$DEEPMULTINET_FASHION`).
//!
//! Ends with `result: test_acc=… val_acc=… epochs=… classified=… classify_acc=…
//! seconds_per_epoch=… url=…`.

mod common;

use common::Args;
use deepmultinet::data::idx::load_fashion_mnist;
use deepmultinet::data::{FASHION_MNIST_CLASSES, ImageShape, paths};
use deepmultinet::live::{Dashboard, DashboardConfig};
use deepmultinet::optim::{Adam, AdamConfig};
use deepmultinet::prelude::*;
use deepmultinet::train::PrintProgress;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn main() -> Result<()> {
    let args = Args::parse(
        &[
            "port",
            "rate",
            "epochs",
            "seed",
            "data",
            "classify-seconds",
            "validation",
            "wait-for-browser",
            "linger",
        ],
        &[],
    )?;
    let port: u16 = args.get("port", 0)?;
    let rate: f64 = args.get("rate", 2.0)?;
    let epochs: usize = args.get("epochs", 10)?;
    let seed: u64 = args.get("seed", 0)?;
    let data: PathBuf = args.get("data", paths::fashion_dir())?;
    let classify_seconds: f64 = args.get("classify-seconds", 60.0)?;
    let validation: f64 = args.get("validation", 0.1)?;
    let wait_for_browser: f64 = args.get("wait-for-browser", 0.0)?;
    let linger: f64 = args.get("linger", 0.0)?;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);

    let (mut train, test) = load_fashion_mnist::<f32>(Some(&data))?;
    train.shuffle(&mut rng);
    let (fit_set, val_set) = train.split(1.0 - validation)?;
    println!(
        "Fashion-MNIST from {}: {} training, {} validation, {} test images",
        data.display(),
        fit_set.len(),
        val_set.len(),
        test.len()
    );

    let mut net = Network::builder(784)
        .hidden(128, Relu)
        .hidden(64, Relu)
        .output(10, SoftmaxCrossEntropy::<f32>::new())
        .init(Init::He)
        .build(&mut rng)?;
    let config = DashboardConfig {
        port,
        title: "Fashion-MNIST · 784-128-64-10 · Adam".into(),
        class_names: FASHION_MNIST_CLASSES
            .iter()
            .map(|s| s.to_string())
            .collect(),
        image: Some(ImageShape::row_major(28, 28)),
        ..DashboardConfig::default()
    };
    let mut dash =
        Dashboard::new(config)?.with_validation(&net, val_set.features(), val_set.labels())?;
    println!("live dashboard: open {} in a browser", dash.url());

    let waited = Instant::now();
    while dash.clients() == 0 && waited.elapsed().as_secs_f64() < wait_for_browser {
        std::thread::sleep(Duration::from_millis(50));
    }

    let mut adam = Adam::new(AdamConfig::default())?;
    let trainer = Trainer::new(TrainConfig {
        epochs,
        batch_size: 64,
        ..TrainConfig::default()
    })?
    .with_validation(val_set.features(), val_set.labels())?;
    let mut observers = (&mut dash, PrintProgress::new());
    let history = trainer.fit(
        &mut net,
        &mut adam,
        fit_set.features(),
        fit_set.labels(),
        &mut rng,
        &mut observers,
    )?;
    let val_acc = history
        .last()
        .and_then(|e| e.validation_accuracy)
        .unwrap_or(f64::NAN);

    let samples = (rate * classify_seconds).ceil().max(0.0) as usize;
    println!(
        "classifying {samples} test images at {rate} per second (watch {})",
        dash.url()
    );
    let report = dash.classify(&net, test.features(), test.labels(), rate, samples)?;
    let test_acc = net.accuracy(test.features(), test.labels())?;
    dash.finish();
    if linger > 0.0 {
        println!("serving the final state for {linger} s");
        std::thread::sleep(Duration::from_secs_f64(linger));
    }
    println!(
        "result: test_acc={test_acc:.4} val_acc={val_acc:.4} epochs={} classified={} \
         classify_acc={:.4} seconds_per_epoch={:.2} url={}",
        history.epochs.len(),
        report.samples,
        report.accuracy(),
        history.median_train_seconds().unwrap_or(0.0),
        dash.url()
    );
    Ok(())
}
