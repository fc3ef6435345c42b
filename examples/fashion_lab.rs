//! A lab on Fashion-MNIST in the course's style: a 784-25-10 sigmoid network trained two
//! ways on the same data and compared on held-out images.
//!
//! ```text
//! cargo run --release --example fashion_lab [-- --seed 0 --subset 10000 --lambda 1
//!     --iters 100 --epochs 40 --batch 100 --lr 0.5 --grad-tol 1e-3 --data DIR --out DIR]
//! ```
//!
//! * Data: the **first 10,000** of Fashion-MNIST's 60,000 training images (`--subset`),
//!   shuffled with the seed and split 80/20 into 8,000 training and 2,000 validation images.
//!   (`--data DIR` holds the IDX files; default Debian's `/usr/share/datasets/fashion-mnist`.)
//! * Network: 784-25-10, sigmoid hidden and output units, the course's cross-entropy cost with
//!   L2 λ = 1 (`--lambda`), θ uniform in ±0.12 — both runs start from the same θ.
//! * **Conjugate gradient**, full batch, `--iters` (100) line searches, stopping early if the
//!   gradient norm falls under `--grad-tol`.
//! * **Mini-batch gradient descent**: plain SGD, batch `--batch` (100), step `--lr` (0.5),
//!   `--epochs` (40), stopping when the norm of the epoch's mean mini-batch gradient falls
//!   under `--grad-tol`, with the **divergence guard** on: a non-finite or exploding cost stops
//!   the run with `Error::Diverged` and gives the network back the last good epoch's θ — try
//!   `--lr 1000` to see it; the example then carries on with the restored θ.
//! * Pictures of the better run (`--out`, default `out/fashion_lab/`): the first 25 misclassified
//!   validation images with true and predicted class, the 25 hidden units' weights, one
//!   validation image's path through the network (hidden activations, output probabilities),
//!   the seven-panel dashboard (`plot::dashboard`) for three validation images and, for the
//!   first of them, the network-activity diagram, the hidden→output weights of its true and
//!   predicted class as 5×5 grids, the hidden units' filters masked by it, and the activation
//!   functions.
//!
//! Ends with `result: cg_val_acc=… gd_val_acc=… cg_seconds=… gd_seconds=… …`.

mod common;
mod pictures;

use common::Args;
use deepmultinet::data::idx::load_fashion_mnist;
use deepmultinet::data::{FASHION_MNIST_CLASSES, paths};
use deepmultinet::inspect;
use deepmultinet::metrics::ConfusionMatrix;
use deepmultinet::optim::{CgConfig, ConjugateGradient, Sgd, SgdConfig};
use deepmultinet::plot::{self, GridOptions, SingleInputOptions};
use deepmultinet::prelude::*;
use deepmultinet::train::BarProgress;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use std::path::PathBuf;

type Net = Network<SigmoidCrossEntropy<f64>>;

fn class(k: usize) -> String {
    FASHION_MNIST_CLASSES
        .get(k)
        .map_or_else(|| k.to_string(), |s| s.to_string())
}

/// Short class names for captions under small tiles.
const SHORT: [&str; 10] = [
    "Top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Boot",
];

fn short(k: usize) -> String {
    SHORT
        .get(k)
        .map_or_else(|| k.to_string(), |s| s.to_string())
}

fn main() -> std::process::ExitCode {
    common::exit(main_result())
}

fn main_result() -> Result<()> {
    let args = Args::parse(
        &[
            "seed", "subset", "lambda", "iters", "epochs", "batch", "lr", "grad-tol", "data", "out",
        ],
        &[],
    )?;
    let seed: u64 = args.get("seed", 0)?;
    let subset: usize = args.get("subset", 10_000)?;
    let lambda: f64 = args.get("lambda", 1.0)?;
    let iters: usize = args.count("iters", 100, common::MAX_ITERS)?;
    let epochs: usize = args.count("epochs", 40, common::MAX_EPOCHS)?;
    let batch: usize = args.get("batch", 100)?;
    let lr: f64 = args.get("lr", 0.5)?;
    let grad_tol: f64 = args.get("grad-tol", 1e-3)?;
    let data: PathBuf = args.get("data", paths::fashion_dir())?;
    let out = args.out_dir("fashion_lab")?;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);

    let (train, _test) = load_fashion_mnist::<f64>(Some(&data))?;
    let mut ds = train.take(subset);
    ds.shuffle(&mut rng);
    let (tr, va) = ds.split(0.8)?;
    println!(
        "Fashion-MNIST from {}: the first {} training images, {} to train, {} to validate",
        data.display(),
        ds.len(),
        tr.len(),
        va.len()
    );
    let (x, y) = (tr.features(), tr.labels());
    let (xv, yv) = (va.features(), va.labels());

    let start: Net = Network::builder(784)
        .hidden(25, Sigmoid)
        .output(10, SigmoidCrossEntropy::<f64>::new())
        .init(Init::default())
        .build(&mut rng)?;
    let config = TrainConfig {
        epochs,
        batch_size: batch,
        lambda,
        grad_tol,
        ..TrainConfig::default()
    };
    let trainer = Trainer::new(config)?.with_validation(xv, yv)?;
    // A mini-batch cost divides the L2 term by the batch size, λ/(2·batch)·‖W‖², not by the
    // number of samples: λ·batch/m makes each batch's cost an unbiased estimate of the same
    // J(θ) that CG minimises.
    let batch_lambda = lambda * batch.min(tr.len()) as f64 / tr.len() as f64;
    let gd_trainer = Trainer::new(TrainConfig {
        lambda: batch_lambda,
        ..config
    })?
    .with_validation(xv, yv)?;

    // 1. Conjugate gradient, full batch.
    println!(
        "\n== conjugate gradient: {iters} iterations at most, λ = {lambda}, ‖∇J‖ tolerance {grad_tol}"
    );
    let mut cg_net = start.clone();
    let mut cg = ConjugateGradient::new(CgConfig {
        max_iter: iters,
        ..CgConfig::default()
    })?;
    let mut bar = BarProgress::new();
    let cg_hist = trainer.fit_full_batch(&mut cg_net, &mut cg, x, y, &mut bar)?;
    let cg_rec = cg_hist
        .last()
        .ok_or_else(|| Error::InvalidConfig("CG produced no record".into()))?;
    let cg_val = cg_net.accuracy(xv, yv)?;
    let cg_train = cg_net.accuracy(x, y)?;
    println!(
        "CG: {} iterations, {} evaluations, {:.2} s, stop {:?}; cost {:.4}, ‖∇J‖ {:.2e}; \
         training accuracy {:.4}, validation accuracy {cg_val:.4}",
        cg_hist.iterations,
        cg_hist.evaluations,
        cg_rec.train_seconds,
        cg_hist.stop,
        cg_rec.cost,
        cg_rec.grad_norm.unwrap_or(f64::NAN),
        cg_train
    );

    // 2. Mini-batch gradient descent with the divergence guard.
    println!(
        "\n== mini-batch gradient descent: batch {batch}, step {lr}, {epochs} epochs at most, \
         λ = {lambda} (λ = {batch_lambda} per batch), ‖∇J‖ tolerance {grad_tol}"
    );
    let mut gd_net = start.clone();
    let mut sgd = Sgd::new(SgdConfig {
        learning_rate: lr,
        ..SgdConfig::default()
    })?;
    let mut bar = BarProgress::new();
    let (gd_epochs, gd_seconds, gd_stop) =
        match gd_trainer.fit(&mut gd_net, &mut sgd, x, y, &mut rng, &mut bar) {
            Ok(h) => (
                h.epochs.len(),
                h.total_train_seconds(),
                format!("{:?}", h.stop),
            ),
            Err(Error::Diverged { epoch, cost, .. }) => {
                let restored = if epoch <= 1 {
                    "the initial θ".to_string()
                } else {
                    format!("θ at the end of epoch {}", epoch - 1)
                };
                println!(
                    "GD diverged in epoch {epoch} (cost {cost:.3e}); the network holds the last \
                     good θ ({restored}), carrying on with it"
                );
                (epoch, f64::NAN, "Diverged".to_string())
            }
            Err(e) => return Err(e),
        };
    let gd_val = gd_net.accuracy(xv, yv)?;
    let gd_train = gd_net.accuracy(x, y)?;
    println!(
        "GD: {gd_epochs} epochs, {gd_seconds:.2} s of training, stop {gd_stop}; cost {:.4}; \
         training accuracy {gd_train:.4}, validation accuracy {gd_val:.4}",
        gd_net.cost(x, y, lambda)?
    );

    // 3. Pictures of the better network.
    let (name, best) = if cg_val >= gd_val {
        ("CG", &cg_net)
    } else {
        ("GD", &gd_net)
    };
    let shape = va.image_shape()?; // 28×28, row-major (IDX)
    let mut pictures = Vec::new();

    let wrong = inspect::misclassified(best, xv, yv, 25)?;
    let idx: Vec<usize> = wrong.iter().map(|w| w.index).collect();
    let tiles = inspect::sample_images(xv, &idx, shape)?;
    let captions = wrong
        .iter()
        .map(|w| format!("{}→{}", short(w.label), short(w.predicted)))
        .collect();
    let p = out.join("misclassified.png");
    plot::image_grid(
        &p,
        &tiles,
        &GridOptions::grey()
            .title(format!(
                "First {} misclassified validation images ({name}): true → predicted",
                wrong.len()
            ))
            .columns(5)
            .scale(4)
            .captions(captions),
    )?;
    pictures.push(p);

    let units = inspect::hidden_unit_images(best, shape)?;
    let p = out.join("hidden_units.png");
    plot::image_grid(
        &p,
        &units,
        &GridOptions::diverging()
            .title(format!("Hidden units of the 784-25-10 ({name})"))
            .columns(5)
            .captions((0..units.len()).map(|j| format!("unit {j}")).collect()),
    )?;
    pictures.push(p);

    let j = 0;
    let view = inspect::single_input(best, xv, j)?;
    let image = inspect::sample_images(xv, &[j], shape)?.into_iter().next();
    let p = out.join("single_input.png");
    plot::single_input(
        &p,
        &view,
        &SingleInputOptions {
            image,
            label: yv.get(j).copied(),
            class_names: FASHION_MNIST_CLASSES
                .iter()
                .map(|s| s.to_string())
                .collect(),
        },
    )?;
    pictures.push(p);
    println!(
        "\nvalidation image {j}: a {}, predicted {} ({:.3})",
        class(yv.get(j).copied().unwrap_or(usize::MAX)),
        class(view.predicted),
        view.outputs
            .get(view.predicted)
            .copied()
            .unwrap_or(f64::NAN)
    );
    let cm = ConfusionMatrix::from_network(best, xv, yv)?.with_names(&FASHION_MNIST_CLASSES)?;
    let preds = inspect::predictions(best, xv.columns(0, 300.min(va.len())))?;
    let set = pictures::SampleSet {
        name: "validation",
        x: xv.into(),
        y: yv,
        shape,
        confusion: &cm,
        predictions: &preds,
    };
    pictures.extend(pictures::draw(&out, best, &set, &pictures::choose(&set))?);
    for p in &pictures {
        println!("picture: {}", p.display());
    }
    println!(
        "result: cg_val_acc={cg_val:.4} gd_val_acc={gd_val:.4} cg_train_acc={cg_train:.4} \
         gd_train_acc={gd_train:.4} cg_iters={} cg_evals={} cg_seconds={:.2} gd_epochs={gd_epochs} \
         gd_seconds={gd_seconds:.2} gd_stop={gd_stop} train={} val={} seed={seed} threads={} cg_theta={} gd_theta={}",
        cg_hist.iterations,
        cg_hist.evaluations,
        cg_rec.train_seconds,
        tr.len(),
        va.len(),
        deepmultinet::num_threads(),
        common::fingerprint(cg_net.params()),
        common::fingerprint(gd_net.params())
    );
    Ok(())
}
