//! The README's first command: a classifier on 5,000 handwritten digits that ship with the
//! repository, in a dozen lines of estimator code.
//!
//! ```text
//! cargo run --release --example digits [-- --data examples/data/mnist_5k.csv.gz --seed 0
//!     --hidden 100 --epochs 200 --test 0.2 --out DIR]
//! ```
//!
//! * Data: `examples/data/mnist_5k.csv.gz` (5,000 MNIST training digits, 500 per class, 28×28
//!   pixels 0..255 then the label; see `examples/data/README.md`), or `--data PATH` for
//!   another file of that layout. A stratified 80/20 split (`--test`) holds out 1,000 digits.
//! * Model: `deepmultinet::Classifier` with scikit-learn's `MLPClassifier` defaults — one
//!   hidden layer of 100 ReLU units, Adam with learning rate 1e-3, L2 α = 1e-4, batches of
//!   200, at most 200 epochs — and early stopping on a 10 % validation split of the training
//!   digits. Pixels are divided by 255 when read; the estimator then standardises each pixel
//!   (fitted on the training digits, kept with the model).
//! * Output (`--out`, default `out/digits/`): the model file (`model.safetensors`, loaded
//!   back to check that it predicts the same), the hidden units' input weights as 28×28
//!   images, the test confusion matrix, and one test digit through the network (the first
//!   misclassified one): its pixels, the hidden activations and the class probabilities.
//!
//! Ends with `result: test_acc=… seconds=… theta=…` (`seconds`: the `fit` call; `theta`: a
//! fingerprint of the trained parameters).

mod common;

use common::Args;
use deepmultinet::data::csv::{self, CsvOptions};
use deepmultinet::data::{Dataset, MNIST_CLASSES};
use deepmultinet::estimator::{Classifier, ClassifierNetwork, Scaling, train_test_split};
use deepmultinet::inspect::{self, Image};
use deepmultinet::metrics::ConfusionMatrix;
use deepmultinet::plot::{self, GridOptions, SingleInputOptions};
use deepmultinet::{Error, Result};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// The digits that come with the repository (relative to the crate root).
const DEFAULT_DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/mnist_5k.csv.gz");

fn read(path: &Path) -> Result<Dataset<f64>> {
    if !path.exists() {
        return Err(Error::Io {
            path: path.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "not found; the 5,000 digits ship with the repository as \
                 examples/data/mnist_5k.csv.gz (a packaged crate leaves them out): pass \
                 --data PATH to a CSV of 784 pixels then the label, such as \
                 $DEEPMULTINET_DATA/mnist5k/mnist_5k.csv.gz",
            ),
        });
    }
    csv::load::<f64>(path, &CsvOptions::pixels())
}

fn run() -> Result<()> {
    let args = Args::parse(
        &["data", "seed", "hidden", "epochs", "test", "scaling", "out"],
        &["no-early-stopping"],
    )?;
    let data = args
        .value("data")
        .map_or_else(|| PathBuf::from(DEFAULT_DATA), PathBuf::from);
    let seed: u64 = args.get("seed", 0)?;
    let hidden: usize = args.get("hidden", 100)?;
    let epochs: usize = args.get("epochs", 200)?;
    let test_fraction: f64 = args.get("test", 0.2)?;
    let scaling = Scaling::from_name(args.value("scaling").unwrap_or("standard"))?;
    let out = args.out_dir("digits")?;

    // ---- The estimator: read, split, fit, score. ----
    let digits = read(&data)?;
    let (train_rows, test_rows) = train_test_split(digits.labels(), test_fraction, seed)?;
    let (train, test) = (digits.select(&train_rows)?, digits.select(&test_rows)?);
    let mut clf = Classifier::builder()
        .hidden(&[hidden])
        .max_epochs(epochs)
        .early_stopping(!args.on("no-early-stopping"))
        .scaling(scaling)
        .seed(seed)
        .build()?;
    let t0 = Instant::now();
    clf.fit(&train, train.labels())?;
    let seconds = t0.elapsed().as_secs_f64();
    let test_acc = clf.score(&test, test.labels())?;
    // ---- That is all a program needs; the rest looks inside. ----

    let history = clf
        .history()
        .ok_or_else(|| Error::InvalidConfig("no history".into()))?;
    println!(
        "{} training digits ({} of them for early stopping), {} test digits, {} pixels each",
        train.len(),
        history.epochs.first().map_or(0, |e| e.validation_samples),
        test.len(),
        digits.num_features()
    );
    println!(
        "fit: {} epochs in {seconds:.2} s ({}); network {:?}",
        history.epochs.len(),
        history.stop,
        clf.network()?.sizes()
    );
    println!(
        "test accuracy: {:.2} % ({} digits)",
        100.0 * test_acc,
        test.len()
    );

    let model = out.join("model.safetensors");
    clf.save(&model)?;
    let back = Classifier::<usize>::load(&model)?;
    let same = back.predict_proba(&test)? == clf.predict_proba(&test)?;
    println!(
        "model: {} (loaded back: {} predictions)",
        model.display(),
        if same { "identical" } else { "DIFFERENT" }
    );

    let pictures = pictures(&clf, &test, &out)?;
    for p in &pictures {
        println!("wrote {}", p.display());
    }
    println!(
        "result: test_acc={test_acc:.4} seconds={seconds:.2} threads={} theta={}",
        deepmultinet::num_threads(),
        common::fingerprint(clf.network()?.params())
    );
    Ok(())
}

/// The hidden units, the confusion matrix and one test digit through the network.
fn pictures(clf: &Classifier<usize>, test: &Dataset<f64>, out: &Path) -> Result<Vec<PathBuf>> {
    let ClassifierNetwork::Softmax(net) = clf.network()? else {
        return Err(Error::InvalidConfig(
            "ten classes train a softmax network".into(),
        ));
    };
    let shape = test.image_shape()?;
    let mut written = Vec::new();

    let units = inspect::hidden_unit_images(net, shape)?;
    let p = out.join("hidden_units.png");
    plot::image_grid(
        &p,
        &units,
        &GridOptions::diverging().columns(10).title(format!(
            "Input weights of the {} hidden units (28×28 on standardised pixels; red negative, blue positive)",
            units.len()
        )),
    )?;
    written.push(p);

    let predicted = clf.predict_indices(test)?;
    let cm =
        ConfusionMatrix::from_labels(test.labels(), &predicted, 10)?.with_names(&MNIST_CLASSES)?;
    let p = out.join("confusion_matrix.png");
    plot::confusion_matrix(&p, &cm, false)?;
    written.push(p);

    // The first misclassified test digit (or the first digit if none is).
    let j = (0..test.len())
        .find(|&j| predicted[j] != test.labels()[j])
        .unwrap_or(0);
    let xs = clf.transform(test)?; // scaled, one digit per column: what the network sees
    let view = inspect::single_input(net, &xs, j)?;
    let pixels: Vec<f64> = test.features().column(j).iter().copied().collect();
    let p = out.join("single_input.png");
    plot::single_input(
        &p,
        &view,
        &SingleInputOptions {
            image: Some(Image::from_vector(&pixels, shape)?),
            label: Some(test.labels()[j]),
            class_names: MNIST_CLASSES.iter().map(|s| s.to_string()).collect(),
        },
    )?;
    written.push(p);
    Ok(written)
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
