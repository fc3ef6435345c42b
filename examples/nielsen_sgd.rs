//! Chapter 1 of Michael Nielsen's *Neural Networks and Deep Learning*: a 784-30-10 sigmoid
//! network trained by mini-batch stochastic gradient descent (batch 10, η = 3.0, 30 epochs)
//! with the quadratic cost, printing `Epoch k: n / 10000, took s` after every epoch.
//!
//! ```text
//! cargo run --release --example nielsen_sgd [-- --seed 0 --epochs 30 --batch 10 --lr 3.0
//!     --lambda 0 --hidden 30 --loss mse|xent --init scaled|randn --data DIR --out DIR]
//! ```
//!
//! * Training data: the 5,000 MNIST training digits of `mnist5k/mnist_5k.csv.gz` (500 per
//!   class; the book uses 50,000). Test data: the 10,000 MNIST test digits (`mnist/`, IDX).
//!   As in the book, the test set is evaluated after every epoch only to print the count of
//!   correctly classified digits; nothing is selected or stopped on it.
//! * Network: 784 inputs, 30 sigmoid units, 10 sigmoid outputs, `f64`. θ is drawn as the
//!   book's `network2.py` does by default (`--init scaled`): weights from N(0, 1/n_in), biases
//!   from N(0, 1). `--init randn` draws everything from N(0, 1) as chapter 1's `network.py`;
//!   with only 5,000 training digits that start saturates many units and is fragile (test
//!   accuracy 0.9027, 0.8201, 0.8603, 0.9011, 0.9042 for seeds 0–4, against 0.9238, 0.9245,
//!   0.9266, 0.9260, 0.9271 with the scaled start).
//! * Cost: `--loss mse` (default) is the book's quadratic cost `(1/2m) Σ ‖a − y‖²`
//!   ([`MeanSquaredError::sigmoid`]); `--loss xent` the cross-entropy of chapter 3
//!   ([`SigmoidCrossEntropy`], default η = 0.5 as in the book's chapter 3). The update is the book's `w ← w − (η/m) Σ ∇C_x`: our cost is
//!   the batch mean, so the learning rate is η itself.
//! * Pictures (`--out`, default `out/nielsen_sgd/`): the hidden units' weights as 28×28
//!   heatmaps, the 8 test digits that excite each hidden unit most, the class selectivity of
//!   each hidden unit (bars) and the units × classes mean activations (heatmap).
//!
//! Ends with `result: test_acc=… epochs=… seconds=… seconds_per_epoch=…` (`seconds` is the
//! whole training run including the per-epoch test evaluation; `seconds_per_epoch` the median
//! time of an epoch's training loop alone).

mod common;

use common::Args;
use deepmultinet::data::csv::{self, CsvOptions};
use deepmultinet::data::idx::{self, Split};
use deepmultinet::data::{MNIST_CLASSES, paths};
use deepmultinet::inspect;
use deepmultinet::optim::{Sgd, SgdConfig};
use deepmultinet::plot::{self, GridOptions};
use deepmultinet::prelude::*;
use deepmultinet::train::BarProgress;
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::path::PathBuf;
use std::time::Instant;

struct Settings {
    seed: u64,
    epochs: usize,
    batch: usize,
    lr: f64,
    lambda: f64,
    hidden: usize,
    init: BookInit,
    data: PathBuf,
    out: PathBuf,
}

/// How the book draws θ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BookInit {
    /// Chapter 1's `network.py`: every weight and bias from N(0, 1).
    Randn,
    /// Chapter 3's `network2.py` default: weights from N(0, 1/n_in), biases from N(0, 1),
    /// so a unit's input sum starts at about unit variance instead of saturating the sigmoid.
    Scaled,
}

/// Draws θ layer by layer in θ order (each `Theta_l` column-major, column 0 the biases).
fn book_init<L: OutputLoss>(
    net: &mut Network<L>,
    init: BookInit,
    rng: &mut Xoshiro256PlusPlus,
) -> Result<()> {
    let layout = net.layout().clone();
    let theta = net.params_mut();
    for l in 0..layout.num_layers() {
        let fan_in = layout.sizes()[l] as f64;
        let weight_sd = match init {
            BookInit::Randn => 1.0,
            BookInit::Scaled => 1.0 / fan_in.sqrt(),
        };
        let biases = layout.bias_range(l);
        for i in layout.layer_range(l) {
            let z: f64 = StandardNormal.sample(rng);
            let sd = if biases.contains(&i) { 1.0 } else { weight_sd };
            if let Some(t) = theta.get_mut(i) {
                *t = L::Scalar::of(sd * z);
            }
        }
    }
    Ok(())
}

fn run<L: OutputLoss>(s: &Settings, head: L) -> Result<()> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(s.seed);
    let train_file = s.data.join("mnist5k/mnist_5k.csv.gz");
    let train = csv::load::<L::Scalar>(&train_file, &CsvOptions::pixels())?;
    let test = idx::load_dir::<L::Scalar>(s.data.join("mnist"), Split::Test)?;
    println!(
        "training on {} digits ({}), testing on {} digits",
        train.len(),
        train_file.display(),
        test.len()
    );

    let mut net = Network::builder(784)
        .hidden(s.hidden, Sigmoid)
        .output(10, head)
        .init(Init::Zeros)
        .build(&mut rng)?;
    book_init(&mut net, s.init, &mut rng)?;
    println!(
        "network {:?}, {} output head, {:?} init, SGD batch {} η = {} λ = {}, {} epochs",
        net.sizes(),
        net.head().name(),
        s.init,
        s.batch,
        s.lr,
        s.lambda,
        s.epochs
    );

    let trainer = Trainer::new(TrainConfig {
        epochs: s.epochs,
        batch_size: s.batch,
        lambda: s.lambda,
        ..TrainConfig::default()
    })?
    .with_validation(test.features(), test.labels())?;
    let mut sgd = Sgd::new(SgdConfig {
        learning_rate: s.lr,
        ..SgdConfig::default()
    })?;
    let t0 = Instant::now();
    let history = trainer.fit(
        &mut net,
        &mut sgd,
        train.features(),
        train.labels(),
        &mut rng,
        &mut BarProgress::new(),
    )?;
    let seconds = t0.elapsed().as_secs_f64();
    let per_epoch = history.median_train_seconds().unwrap_or(0.0);
    let test_acc = net.accuracy(test.features(), test.labels())?;
    println!(
        "test accuracy {:.2} % after {} epochs ({seconds:.1} s, {per_epoch:.3} s per epoch of training)",
        100.0 * test_acc,
        history.epochs.len()
    );

    // Pictures.
    let shape = test.image_shape()?; // 28×28, row-major (IDX)
    let (xt, yt) = (test.features(), test.labels());
    let mut pictures = Vec::new();

    let units = inspect::hidden_unit_images(&net, shape)?;
    let p = s.out.join("hidden_units.png");
    plot::image_grid(
        &p,
        &units,
        &GridOptions::diverging()
            .title(format!(
                "Weights of the {} hidden units (28×28, red negative, blue positive)",
                units.len()
            ))
            .captions((0..units.len()).map(|j| format!("unit {j}")).collect()),
    )?;
    pictures.push(p);

    let top = inspect::top_k_inputs(&net, 0, xt, yt, 10, inspect::DEFAULT_TOP_K)?;
    let p = s.out.join("top8_inputs.png");
    plot::top_inputs(
        &p,
        &top,
        xt,
        shape,
        &MNIST_CLASSES,
        &GridOptions::grey().title("The 8 test digits that excite each hidden unit most"),
    )?;
    pictures.push(p);

    let sel = inspect::class_selectivity(&net, 0, xt, yt, 10)?;
    let p = s.out.join("selectivity_bars.png");
    plot::selectivity_bars(&p, &sel, &MNIST_CLASSES)?;
    pictures.push(p);
    let p = s.out.join("selectivity_heatmap.png");
    plot::selectivity_heatmap(&p, &sel, &MNIST_CLASSES)?;
    pictures.push(p);
    let selective = sel.class_selective_units();
    println!(
        "{} of {} hidden units are class-selective (index ≥ {}): {}",
        selective.len(),
        sel.units.len(),
        sel.threshold,
        selective
            .iter()
            .map(|(u, c)| format!("unit {u} → {c}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for p in &pictures {
        println!("picture: {}", p.display());
    }

    println!(
        "result: test_acc={test_acc:.4} epochs={} seconds={seconds:.2} seconds_per_epoch={per_epoch:.3} \
         loss={} seed={} threads={} theta={}",
        history.epochs.len(),
        net.head().name(),
        s.seed,
        deepmultinet::num_threads(),
        common::fingerprint(net.params())
    );
    Ok(())
}

fn main() -> std::process::ExitCode {
    common::exit(main_result())
}

fn main_result() -> Result<()> {
    let args = Args::parse(
        &[
            "seed", "epochs", "batch", "lr", "lambda", "hidden", "loss", "init", "data", "out",
        ],
        &[],
    )?;
    let xent = match args.value("loss").unwrap_or("mse") {
        "mse" | "quadratic" => false,
        "xent" | "cross-entropy" => true,
        other => {
            return Err(Error::InvalidConfig(format!(
                "--loss {other}: expected mse (the book's quadratic cost) or xent"
            )));
        }
    };
    let s = Settings {
        seed: args.get("seed", 0)?,
        epochs: args.count("epochs", 30, common::MAX_EPOCHS)?,
        batch: args.get("batch", 10)?,
        // The book's rates: η = 3.0 for the quadratic cost (chapter 1), 0.5 for cross-entropy
        // (chapter 3), whose gradient is not damped by σ'(z) at the output.
        lr: args.get("lr", if xent { 0.5 } else { 3.0 })?,
        lambda: args.get("lambda", 0.0)?,
        hidden: args.get("hidden", 30)?,
        init: match args.value("init").unwrap_or("scaled") {
            "scaled" => BookInit::Scaled,
            "randn" => BookInit::Randn,
            other => {
                return Err(Error::InvalidConfig(format!(
                    "--init {other}: expected scaled (N(0, 1/n_in) weights) or randn (N(0, 1))"
                )));
            }
        },
        data: args.get("data", paths::data_dir())?,
        out: args.out_dir("nielsen_sgd")?,
    };
    if xent {
        run(&s, SigmoidCrossEntropy::<f64>::new())
    } else {
        run(&s, MeanSquaredError::<f64>::sigmoid())
    }
}
