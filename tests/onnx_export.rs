//! ONNX export checked by an independent runtime: every exported model is loaded with
//! `tract-onnx` (pure Rust) and run on real images; its outputs must match
//! `Network::predict_proba` to 1e-5 (float32), for every activation, every head and depths
//! 1–3, for random θ and for trained models.
//!
//! `onnx_check_files` also writes models with their inputs and our outputs as CSV for
//! `scripts/check-onnx.py` (ONNX Runtime), into `DEEPMULTINET_ONNX_CHECK_DIR` when set.
#![cfg(feature = "onnx")]

mod common;

use deepmultinet::activation::{Activation, Elementwise, Pointwise};
use deepmultinet::data::Dataset;
use deepmultinet::data::idx::{self, Split};
use deepmultinet::io::onnx;
use deepmultinet::optim::{Adam, AdamConfig};
use deepmultinet::prelude::*;
use deepmultinet::train::TrainConfig;
use nalgebra::DMatrix;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use std::sync::Arc;
use tract_onnx::prelude::*;

/// Samples of the test images run through both.
const SAMPLES: usize = 256;
const TOL: f64 = 1e-5;

/// The first `SAMPLES` Fashion-MNIST test images, or `None` (skip; a failure under CI).
fn fashion(test: &str) -> Option<Dataset<f32>> {
    let dir = common::fashion_file("t10k-images-idx3-ubyte.gz", test)?;
    let dir = dir.parent()?.to_path_buf();
    Some(
        idx::load_dir::<f32>(&dir, Split::Test)
            .unwrap()
            .take(SAMPLES),
    )
}

/// Samples as rows (`[N, features]`, row-major): our column-major `features × N` as it is.
fn rows<T: Scalar>(x: &DMatrix<T>) -> Vec<f32> {
    x.iter().map(|v| v.as_f64() as f32).collect()
}

/// Runs the ONNX `bytes` with tract on `x` (features × samples); the outputs as
/// `outputs × samples`, like ours. Also checks the graph's declared input/output.
fn run_tract(bytes: &[u8], x: &DMatrix<f32>, outputs: usize) -> DMatrix<f32> {
    let (features, n) = x.shape();
    let model = tract_onnx::onnx()
        .model_for_read(&mut &bytes[..])
        .expect("tract reads the model");
    assert_eq!(model.input_outlets().unwrap().len(), 1);
    let plan = model
        .into_optimized()
        .expect("tract optimises the model")
        .into_runnable()
        .expect("tract plans the model");
    let input = tract_ndarray::Array2::from_shape_vec((n, features), rows(x))
        .unwrap()
        .into_tensor();
    let out = plan.run(tvec!(input.into_tvalue())).expect("tract runs it");
    let view = out[0].to_plain_array_view::<f32>().unwrap();
    assert_eq!(view.shape(), &[n, outputs]);
    // Row-major [N, outputs] → our outputs × N.
    DMatrix::from_row_slice(n, outputs, view.as_slice().unwrap()).transpose()
}

/// Largest |ours − tract| over all outputs, after checking the model against `net`.
fn max_diff<L: OutputLoss>(net: &Network<L>, x: &DMatrix<L::Scalar>) -> f64 {
    let bytes = onnx::to_bytes(net).unwrap();
    let ours = net.predict_proba(x).unwrap();
    let x32 = DMatrix::from_iterator(x.nrows(), x.ncols(), x.iter().map(|v| v.as_f64() as f32));
    let theirs = run_tract(&bytes, &x32, net.outputs());
    assert_eq!(ours.shape(), theirs.shape());
    ours.iter()
        .zip(theirs.iter())
        .map(|(a, b)| (a.as_f64() - *b as f64).abs())
        .fold(0.0, f64::max)
}

fn activations() -> Vec<(&'static str, Arc<dyn Activation<f32>>)> {
    vec![
        ("sigmoid", Arc::new(Sigmoid)),
        ("tanh", Arc::new(Tanh)),
        ("relu", Arc::new(Relu)),
        ("leaky_relu(0.1)", Arc::new(LeakyRelu(0.1))),
        ("elu(0.7)", Arc::new(Elu(0.7))),
        ("softmax", Arc::new(Softmax)),
        ("identity", Arc::new(Identity)),
    ]
}

/// A random network 784 → `hidden` → 10 with head `head`, θ drawn with Glorot from `seed`.
fn random_net<L: OutputLoss<Scalar = f32>>(
    hidden: &[(usize, Arc<dyn Activation<f32>>)],
    head: L,
    seed: u64,
) -> Network<L> {
    let mut b = Network::builder(784);
    for (units, act) in hidden {
        b = b.hidden_shared(*units, act.clone());
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    b.output(10, head)
        .init(Init::Glorot)
        .build(&mut rng)
        .unwrap()
}

/// Every activation at depths 2 and 3 (and depth 1) with head `head`; returns the worst
/// difference after printing every case.
fn check_head<L: OutputLoss<Scalar = f32>>(name: &str, head: L, x: &DMatrix<f32>) -> f64 {
    let acts = activations();
    let mut worst = 0.0f64;
    let mut report = |case: String, d: f64| {
        println!("tract: head={name} {case} max_abs_diff={d:.3e}");
        assert!(
            d <= TOL,
            "head {name}, {case}: max |ours − tract| = {d:e} > {TOL:e}"
        );
        worst = worst.max(d);
    };
    report(
        "depth=1".into(),
        max_diff(&random_net(&[], head.clone(), 1), x),
    );
    for (i, (a, act)) in acts.iter().enumerate() {
        let net = random_net(&[(32, act.clone())], head.clone(), 10 + i as u64);
        report(format!("depth=2 hidden=[{a}]"), max_diff(&net, x));
        // Depth 3: this activation, then the next one in the list.
        let (b, next) = &acts[(i + 1) % acts.len()];
        let net = random_net(
            &[(32, act.clone()), (16, next.clone())],
            head.clone(),
            20 + i as u64,
        );
        report(format!("depth=3 hidden=[{a},{b}]"), max_diff(&net, x));
    }
    worst
}

#[test]
fn every_activation_and_depth_matches_tract_softmax_head() {
    let Some(ds) = fashion("onnx softmax head") else {
        return;
    };
    check_head(
        "softmax_cross_entropy",
        SoftmaxCrossEntropy::new(),
        ds.features(),
    );
}

#[test]
fn every_activation_and_depth_matches_tract_sigmoid_head() {
    let Some(ds) = fashion("onnx sigmoid head") else {
        return;
    };
    check_head(
        "sigmoid_cross_entropy",
        SigmoidCrossEntropy::new(),
        ds.features(),
    );
}

#[test]
fn every_activation_and_depth_matches_tract_mse_heads() {
    let Some(ds) = fashion("onnx mse heads") else {
        return;
    };
    check_head("mse(identity)", MeanSquaredError::new(), ds.features());
    check_head("mse(sigmoid)", MeanSquaredError::sigmoid(), ds.features());
    check_head(
        "mse(tanh)",
        MeanSquaredError::with_activation(Tanh),
        ds.features(),
    );
}

/// A network trained for one epoch on 6000 Fashion-MNIST training images.
fn trained_fashion_net() -> Option<Network<SoftmaxCrossEntropy<f32>>> {
    let dir = common::fashion_file("train-images-idx3-ubyte.gz", "onnx trained")?;
    let train = idx::load_dir::<f32>(dir.parent()?, Split::Train)
        .unwrap()
        .take(6000);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(42);
    let mut net = Network::builder(784)
        .hidden(64, Relu)
        .hidden(32, Tanh)
        .output(10, SoftmaxCrossEntropy::<f32>::new())
        .init(Init::He)
        .build(&mut rng)
        .unwrap();
    let mut adam = Adam::new(AdamConfig::default()).unwrap();
    let config = TrainConfig {
        epochs: 2,
        batch_size: 64,
        ..Default::default()
    };
    deepmultinet::train::fit(
        &mut net,
        &mut adam,
        train.features(),
        train.labels(),
        &config,
        &mut rng,
    )
    .unwrap();
    Some(net)
}

#[test]
fn trained_models_match_tract() {
    if let (Some(net), Some(test)) = (trained_fashion_net(), fashion("onnx trained")) {
        let d = max_diff(&net, test.features());
        let acc = net.accuracy(test.features(), test.labels()).unwrap();
        println!(
            "tract: trained fashion 784-64(relu)-32(tanh)-10 softmax acc={acc:.3} max_abs_diff={d:.3e}"
        );
        assert!(acc > 0.6, "{acc}");
        assert!(d <= TOL, "{d:e}");
    }
    // The course's pretrained ex3 network (f64, 400-25-10 sigmoid) on its digits.
    let (Some(w), Some(d)) = (
        common::shared_file("coursera-ex3/ex3weights.mat", "onnx ex3"),
        common::shared_file("coursera-ex4/digits5k_20x20.mat", "onnx ex3"),
    ) else {
        return;
    };
    let net = deepmultinet::io::from_mat(&w, Arc::new(Sigmoid), SigmoidCrossEntropy::<f64>::new())
        .unwrap();
    let digits = deepmultinet::data::mat::load_dataset::<f64>(&d)
        .unwrap()
        .take(SAMPLES * 4);
    let diff = max_diff(&net, digits.features());
    println!(
        "tract: course ex3weights 400-25(sigmoid)-10 sigmoid, f64 → f32 max_abs_diff={diff:.3e}"
    );
    assert!(diff <= TOL, "{diff:e}");
}

#[test]
fn the_batch_dimension_is_symbolic() {
    let net = random_net(&[(8, Arc::new(Tanh))], SoftmaxCrossEntropy::new(), 5);
    let bytes = onnx::to_bytes(&net).unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(6);
    for n in [1, 3, 17] {
        let x = DMatrix::<f32>::from_fn(784, n, |_, _| rand::RngExt::random::<f32>(&mut rng));
        let theirs = run_tract(&bytes, &x, 10);
        let ours = net.predict_proba(&x).unwrap();
        assert!((ours - theirs).amax() <= 1e-5);
    }
}

#[test]
fn the_graph_is_declared_as_documented() {
    let net = random_net(&[(8, Arc::new(Elu(0.5)))], SigmoidCrossEntropy::new(), 7);
    let bytes = onnx::to_bytes(&net).unwrap();
    let model = <tract_onnx::pb::ModelProto as prost::Message>::decode(&bytes[..]).unwrap();
    assert_eq!(model.ir_version, onnx::IR_VERSION);
    assert_eq!(model.opset_import.len(), 1);
    assert_eq!(model.opset_import[0].version, onnx::OPSET_VERSION);
    assert_eq!(model.opset_import[0].domain, "");
    let g = model.graph.unwrap();
    let ops: Vec<&str> = g.node.iter().map(|n| n.op_type.as_str()).collect();
    assert_eq!(ops, ["Gemm", "Elu", "Gemm", "Sigmoid"]);
    let alpha = &g.node[1].attribute[0];
    assert_eq!((alpha.name.as_str(), alpha.f), ("alpha", 0.5));
    assert_eq!(g.input[0].name, onnx::INPUT_NAME);
    assert_eq!(g.output[0].name, onnx::OUTPUT_NAME);
    let names: Vec<&str> = g.initializer.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "layers.0.weight",
            "layers.0.bias",
            "layers.2.weight",
            "layers.2.bias"
        ]
    );
    assert_eq!(g.initializer[0].dims, [8, 784]);
    let meta: Vec<(&str, &str)> = model
        .metadata_props
        .iter()
        .map(|p| (p.key.as_str(), p.value.as_str()))
        .collect();
    assert!(meta.contains(&("sizes", "[784,8,10]")), "{meta:?}");
    assert!(
        meta.contains(&("hidden_activations", "[\"elu(0.5)\"]")),
        "{meta:?}"
    );
}

/// softsign, which ONNX has no operator for (as a hidden or an output activation).
#[derive(Debug)]
struct Softsign;
impl Elementwise<f32> for Softsign {
    fn name(&self) -> String {
        "softsign".into()
    }
    fn f(&self, z: f32) -> f32 {
        z / (1.0 + z.abs())
    }
    fn df(&self, z: f32, _a: f32) -> f32 {
        1.0 / (1.0 + z.abs()).powi(2)
    }
}

#[test]
fn a_custom_activation_is_a_clear_error() {
    let net = random_net(
        &[(8, Arc::new(Relu)), (8, Arc::new(Pointwise(Softsign)))],
        SoftmaxCrossEntropy::new(),
        8,
    );
    let err = onnx::to_bytes(&net).unwrap_err();
    assert!(
        matches!(err, deepmultinet::Error::InvalidConfig(_)),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("hidden layer 2") && msg.contains("softsign"),
        "{msg}"
    );
    let head = MeanSquaredError::with_activation(Pointwise(Softsign));
    let err = onnx::to_bytes(&random_net(&[], head, 9)).unwrap_err();
    assert!(
        err.to_string().contains("output activation `softsign`"),
        "{err}"
    );
    // Nothing is written on error.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.onnx");
    assert!(onnx::save(&net, &path).is_err());
    assert!(!path.exists());
}

/// Writes `rows` of `x` (features × samples) as CSV, one sample per line.
fn write_csv<T: Scalar>(path: &std::path::Path, x: &DMatrix<T>) {
    let mut s = String::new();
    for j in 0..x.ncols() {
        let line: Vec<String> = x
            .column(j)
            .iter()
            .map(|v| format!("{:?}", v.as_f64() as f32))
            .collect();
        s.push_str(&line.join(","));
        s.push('\n');
    }
    std::fs::write(path, s).unwrap();
}

/// Models, inputs and our outputs for `scripts/check-onnx.py`: `trained.onnx` (the trained
/// Fashion-MNIST network) and `every_op.onnx` (every activation in one network), each with
/// `NAME.input.csv` and `NAME.expected.csv`.
#[test]
fn onnx_check_files() {
    let Some(test) = fashion("onnx check files") else {
        return;
    };
    let dir = std::env::var_os("DEEPMULTINET_ONNX_CHECK_DIR").map(std::path::PathBuf::from);
    let tmp = tempfile::tempdir().unwrap();
    let dir = dir.unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&dir).unwrap();
    let every: Vec<(usize, Arc<dyn Activation<f32>>)> =
        activations().into_iter().map(|(_, a)| (24, a)).collect();
    let every_op = random_net(&every, SigmoidCrossEntropy::new(), 99);
    let x = test.features();
    let write = |name: &str, bytes_of: &dyn Fn(&std::path::Path), expected: DMatrix<f32>| {
        bytes_of(&dir.join(format!("{name}.onnx")));
        write_csv(&dir.join(format!("{name}.input.csv")), x);
        write_csv(&dir.join(format!("{name}.expected.csv")), &expected);
        println!("wrote {}", dir.join(format!("{name}.onnx")).display());
    };
    write(
        "every_op",
        &|p| onnx::save(&every_op, p).unwrap(),
        every_op.predict_proba(x).unwrap(),
    );
    if let Some(net) = trained_fashion_net() {
        write(
            "trained",
            &|p| onnx::save(&net, p).unwrap(),
            net.predict_proba(x).unwrap(),
        );
    }
}

/// What `evaluate --model M.safetensors --export-onnx` does: a model file read back exports
/// the same ONNX bytes as the network that was saved.
#[cfg(feature = "safetensors")]
#[test]
fn a_saved_model_file_exports_the_same_onnx() {
    let net = random_net(
        &[(16, Arc::new(Elu(1.0))), (8, Arc::new(Relu))],
        SoftmaxCrossEntropy::new(),
        11,
    );
    let dir = tempfile::tempdir().unwrap();
    let st = dir.path().join("m.safetensors");
    deepmultinet::io::save(&net, &st).unwrap();
    let back: Network<SoftmaxCrossEntropy<f32>> = deepmultinet::io::load(&st).unwrap();
    let path = dir.path().join("m.onnx");
    onnx::save(&back, &path).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), onnx::to_bytes(&net).unwrap());
}
