//! Evaluate a saved model on a dataset and print its accuracy.
//!
//! ```text
//! cargo run --release --example evaluate -- --model M.safetensors --data DIR
//! cargo run --release --example evaluate -- --model M.safetensors --data digits.mat
//! cargo run --release --example evaluate -- --model M.safetensors --data mnist_5k.csv.gz
//! cargo run --release --example evaluate -- --model pytorch.safetensors --data DIR \
//!     --arch 784-128-64-10 --hidden-activation relu --loss softmax
//! cargo run --release --example evaluate -- --model ex3weights.mat --data digits5k_20x20.mat
//! cargo run --release --features onnx --example evaluate -- --model M.safetensors \
//!     --export-onnx M.onnx
//! ```
//!
//! * `--model`: a safetensors file written by `deepmultinet::io::save` (its metadata gives the
//!   architecture), a safetensors file without metadata (PyTorch's `save_file(state_dict())`
//!   of an `nn.Sequential` of Linear layers: give `--arch`, `--hidden-activation`, `--loss`),
//!   or a course MAT-file with `Theta1`, `Theta2`, ... (sigmoid units, sigmoid output).
//! * `--data`: an IDX directory (its test split, `t10k-*`), a `.mat` file in the course's
//!   layout (`X`, `y` with labels 1..K), or a CSV file (features then label; pixel values are
//!   divided by `--csv-divide`, default 255).
//! * `--scalar f32|f64`: for files without metadata (default: the tensors' dtype).
//! * `--export-onnx PATH` (cargo feature `onnx`): writes the loaded model as ONNX
//!   (`deepmultinet::io::onnx::save`); `--data` is then optional.
//!
//! Prints `result: test_acc=<fraction> n=<samples>`, and `result: exported=<PATH>` for an
//! export without `--data`.

use deepmultinet::data::csv::{self, CsvOptions};
use deepmultinet::data::idx::{self, Split};
use deepmultinet::data::{Dataset, mat};
use deepmultinet::io::{self, LoadableHead};
use deepmultinet::prelude::*;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

type BoxResult<T> = std::result::Result<T, Box<dyn std::error::Error>>;

#[derive(Debug)]
struct Args {
    model: PathBuf,
    data: Option<PathBuf>,
    export_onnx: Option<PathBuf>,
    arch: Option<Vec<usize>>,
    hidden_activation: String,
    loss: String,
    scalar: Option<String>,
    csv_divide: f64,
}

const USAGE: &str = "usage: evaluate --model FILE --data DIR|FILE.mat|FILE.csv[.gz] \
[--arch 784-128-64-10 --hidden-activation relu --loss softmax|sigmoid|mse] [--scalar f32|f64] \
[--csv-divide 255] [--export-onnx FILE.onnx]";

fn parse_args() -> BoxResult<Args> {
    let mut model = None;
    let mut data = None;
    let mut export_onnx = None;
    let mut arch = None;
    let mut hidden_activation = "relu".to_string();
    let mut loss = "softmax".to_string();
    let mut scalar = None;
    let mut csv_divide = 255.0;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "-h" || flag == "--help" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let value = it
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        match flag.as_str() {
            "--model" => model = Some(PathBuf::from(value)),
            "--data" => data = Some(PathBuf::from(value)),
            "--export-onnx" => export_onnx = Some(PathBuf::from(value)),
            "--arch" => {
                let sizes = value
                    .split(['-', ','])
                    .map(|s| s.trim().parse::<usize>())
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .map_err(|_| format!("--arch {value}: expected sizes like 784-128-64-10"))?;
                arch = Some(sizes);
            }
            "--hidden-activation" => hidden_activation = value,
            "--loss" => loss = value,
            "--scalar" => scalar = Some(value),
            "--csv-divide" => {
                csv_divide = value
                    .parse()
                    .map_err(|_| format!("--csv-divide {value}: expected a number"))?
            }
            other => return Err(format!("unknown flag {other}\n{USAGE}").into()),
        }
    }
    Ok(Args {
        model: model.ok_or(format!("--model is required\n{USAGE}"))?,
        data: if data.is_none() && export_onnx.is_none() {
            return Err(format!("--data is required (unless --export-onnx)\n{USAGE}").into());
        } else {
            data
        },
        export_onnx,
        arch,
        hidden_activation,
        loss,
        scalar,
        csv_divide,
    })
}

fn has_ext(p: &Path, ext: &str) -> bool {
    p.extension().is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

fn load_data<T: Scalar>(d: &Path, args: &Args) -> BoxResult<Dataset<T>> {
    let name = d.to_string_lossy().to_ascii_lowercase();
    Ok(if d.is_dir() {
        idx::load_dir(d, Split::Test)?
    } else if has_ext(d, "mat") {
        mat::load_dataset(d)?
    } else if name.ends_with(".csv") || name.ends_with(".csv.gz") {
        let opts = CsvOptions {
            divide_by: args.csv_divide,
            ..CsvOptions::default()
        };
        csv::load(d, &opts)?
    } else {
        return Err(format!(
            "--data {}: expected an IDX directory, a .mat file or a .csv(.gz) file",
            d.display()
        )
        .into());
    })
}

/// What the run did: the accuracy on `--data`, or only the export.
enum Outcome {
    Evaluated { acc: f64, n: usize },
    Exported(PathBuf),
}

/// Writes `net` as ONNX to `--export-onnx` (if given), then evaluates it on `--data` (if
/// given).
fn finish<L: OutputLoss>(net: &Network<L>, args: &Args) -> BoxResult<Outcome> {
    if let Some(path) = &args.export_onnx {
        export_onnx(net, path)?;
        eprintln!("wrote {} (ONNX)", path.display());
    }
    match (&args.data, &args.export_onnx) {
        (Some(d), _) => {
            let (acc, n) = evaluate(net, d, args)?;
            Ok(Outcome::Evaluated { acc, n })
        }
        (None, Some(path)) => Ok(Outcome::Exported(path.clone())),
        (None, None) => Err(USAGE.into()),
    }
}

#[cfg(feature = "onnx")]
fn export_onnx<L: OutputLoss>(net: &Network<L>, path: &Path) -> BoxResult<()> {
    Ok(deepmultinet::io::onnx::save(net, path)?)
}

#[cfg(not(feature = "onnx"))]
fn export_onnx<L: OutputLoss>(_net: &Network<L>, _path: &Path) -> BoxResult<()> {
    Err(
        "--export-onnx needs the `onnx` feature: cargo run --features onnx --example evaluate"
            .into(),
    )
}

fn evaluate<L: OutputLoss>(net: &Network<L>, data: &Path, args: &Args) -> BoxResult<(f64, usize)> {
    let ds = load_data::<L::Scalar>(data, args)?;
    if ds.num_features() != net.inputs() {
        return Err(format!(
            "the data has {} features per sample but the model {:?} takes {} inputs",
            ds.num_features(),
            net.sizes(),
            net.inputs()
        )
        .into());
    }
    let acc = net.accuracy(ds.features(), ds.labels())?;
    Ok((acc, ds.len()))
}

/// Loads a safetensors model as `Network<L>` (from its metadata, or from `--arch` when it has
/// none) and evaluates it.
fn run<L: LoadableHead>(bytes: &[u8], has_meta: bool, args: &Args) -> BoxResult<Outcome> {
    let net: Network<L> = if has_meta {
        io::from_bytes(bytes, &args.model)?
    } else {
        let sizes = args.arch.as_ref().ok_or(
            "this model file carries no architecture: give --arch, --hidden-activation, --loss",
        )?;
        let (&inputs, rest) = sizes.split_first().ok_or("--arch is empty")?;
        let (&outputs, hidden) = rest.split_last().ok_or("--arch needs at least 2 sizes")?;
        let act = deepmultinet::activation::from_name::<L::Scalar>(&args.hidden_activation)?;
        // The head's default output activation: sigmoid, softmax, identity (MSE).
        let mut net = Network::builder(inputs)
            .hidden_layers(hidden, act)
            .output(outputs, L::default())
            .build_zeroed()?;
        io::from_bytes_into(&mut net, bytes, &args.model)?;
        net
    };
    eprintln!(
        "model: sizes {:?}, head {} ({}), scalar {}",
        net.sizes(),
        net.head().name(),
        net.head().output_activation(),
        <L::Scalar as Scalar>::NAME
    );
    finish(&net, args)
}

fn main_result() -> BoxResult<Outcome> {
    let args = parse_args()?;
    if has_ext(&args.model, "mat") {
        let net = io::from_mat(
            &args.model,
            Arc::new(Sigmoid),
            SigmoidCrossEntropy::<f64>::new(),
        )?;
        eprintln!(
            "model: course Theta matrices, sizes {:?}, sigmoid",
            net.sizes()
        );
        return finish(&net, &args);
    }
    let bytes = std::fs::read(&args.model)
        .map_err(|e| format!("cannot read {}: {e}", args.model.display()))?;
    let info = io::info_from_bytes(&bytes, &args.model)?;
    let (head, scalar) = match &info {
        Some(i) => (i.head.clone(), i.scalar.clone()),
        None => {
            let head = match args.loss.as_str() {
                "softmax" | "softmax_cross_entropy" => "softmax_cross_entropy",
                "sigmoid" | "sigmoid_cross_entropy" => "sigmoid_cross_entropy",
                "mse" => "mse",
                other => {
                    return Err(format!("--loss {other}: expected softmax, sigmoid or mse").into());
                }
            };
            let scalar = match &args.scalar {
                Some(s) => s.clone(),
                None => io::weight_dtype(&bytes, &args.model)?,
            };
            (head.to_string(), scalar)
        }
    };
    let has_meta = info.is_some();
    match (head.as_str(), scalar.as_str()) {
        ("softmax_cross_entropy", "f32") => {
            run::<SoftmaxCrossEntropy<f32>>(&bytes, has_meta, &args)
        }
        ("softmax_cross_entropy", "f64") => {
            run::<SoftmaxCrossEntropy<f64>>(&bytes, has_meta, &args)
        }
        ("sigmoid_cross_entropy", "f32") => {
            run::<SigmoidCrossEntropy<f32>>(&bytes, has_meta, &args)
        }
        ("sigmoid_cross_entropy", "f64") => {
            run::<SigmoidCrossEntropy<f64>>(&bytes, has_meta, &args)
        }
        ("mse", "f32") => run::<MeanSquaredError<f32>>(&bytes, has_meta, &args),
        ("mse", "f64") => run::<MeanSquaredError<f64>>(&bytes, has_meta, &args),
        (h, s) => Err(format!("unsupported model: head `{h}`, scalar `{s}`").into()),
    }
}

fn main() -> ExitCode {
    match main_result() {
        Ok(Outcome::Evaluated { acc, n }) => {
            println!("result: test_acc={acc:.4} n={n}");
            ExitCode::SUCCESS
        }
        Ok(Outcome::Exported(path)) => {
            println!("result: exported={}", path.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
