//! ONNX export of the estimator (feature `onnx`): the exported model takes **raw**
//! features (the scaler is in the graph) and its `probabilities` must match
//! `Classifier::predict_proba` to 1e-5 (float32), checked with tract-onnx on scikit-learn's
//! bundled data: wine (softmax, standard scaling of features from 0.1 to 1680), breast
//! cancer (one sigmoid unit → `[1 − p, p]`), digits (min-max scaling) and iris without
//! scaling; and a one-vs-all network loaded from a plain model file.
//!
//! `estimator_onnx_check_files` writes the wine model with its raw inputs and our
//! probabilities as CSV for `scripts/check-onnx.py` (ONNX Runtime), into
//! `DEEPMULTINET_ONNX_CHECK_DIR` when set.
#![cfg(feature = "onnx")]

use deepmultinet::Error;
use deepmultinet::Scalar;
use deepmultinet::activation::{Elementwise, Pointwise};
use deepmultinet::estimator::{Classifier, Scaling};
use nalgebra::DMatrix;
use std::path::PathBuf;
use tract_onnx::prelude::*;

const TOL: f64 = 1e-5;

/// Features (rows are samples) and the text labels of `<name>.csv`.
fn read(name: &str) -> (DMatrix<f64>, Vec<String>) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sklearn")
        .join(format!("{name}.csv"));
    let text = std::fs::read_to_string(path).unwrap();
    let (mut values, mut labels, mut features) = (Vec::new(), Vec::new(), 0);
    for line in text.lines().skip(1).filter(|l| !l.is_empty()) {
        let fields: Vec<&str> = line.split(',').collect();
        let (label, row) = fields.split_last().unwrap();
        features = row.len();
        values.extend(row.iter().map(|v| v.parse::<f64>().unwrap()));
        labels.push(label.to_string());
    }
    (
        DMatrix::from_row_slice(labels.len(), features, &values),
        labels,
    )
}

/// Runs the ONNX `bytes` with tract on the raw samples `x` (rows are samples, rounded to
/// float32); `[N, classes]` as a samples × classes matrix.
fn run_tract(bytes: &[u8], x: &DMatrix<f64>) -> DMatrix<f64> {
    let (n, d) = x.shape();
    let plan = tract_onnx::onnx()
        .model_for_read(&mut &bytes[..])
        .expect("tract reads the model")
        .into_optimized()
        .expect("tract optimises the model")
        .into_runnable()
        .expect("tract plans the model");
    let rows: Vec<f32> = (0..n)
        .flat_map(|i| (0..d).map(move |j| x[(i, j)] as f32))
        .collect();
    let input = tract_ndarray::Array2::from_shape_vec((n, d), rows)
        .unwrap()
        .into_tensor();
    let out = plan.run(tvec!(input.into_tvalue())).expect("tract runs it");
    let view = out[0].to_plain_array_view::<f32>().unwrap();
    assert_eq!(view.shape()[0], n);
    let k = view.shape()[1];
    DMatrix::from_fn(n, k, |i, c| f64::from(view[[i, c]]))
}

/// Largest |a − b| (∞ for another shape).
fn max_abs_diff(a: &DMatrix<f64>, b: &DMatrix<f64>) -> f64 {
    if a.shape() != b.shape() {
        return f64::INFINITY;
    }
    a.iter()
        .zip(b.iter())
        .map(|(p, q)| (p - q).abs())
        .fold(0.0, f64::max)
}

/// The decoded model.
fn proto(bytes: &[u8]) -> tract_onnx::pb::ModelProto {
    <tract_onnx::pb::ModelProto as prost::Message>::decode(bytes).unwrap()
}

/// Fits on `name` with `scaling`, exports, checks the graph's operators, and compares
/// tract's probabilities on the raw features with `predict_proba`; returns the largest
/// difference.
fn check(name: &str, scaling: Scaling, ops: &[&str]) -> f64 {
    let (x, y) = read(name);
    let mut clf = Classifier::builder()
        .scaling(scaling)
        .seed(3)
        .build()
        .unwrap();
    clf.fit(&x, &y).unwrap();
    let bytes = clf.to_onnx().unwrap();
    let graph = proto(&bytes).graph.unwrap();
    let got_ops: Vec<&str> = graph.node.iter().map(|n| n.op_type.as_str()).collect();
    assert_eq!(got_ops, ops, "{name}");
    assert_eq!(graph.input[0].name, "input");
    assert_eq!(graph.output[0].name, "probabilities");
    let want = clf.predict_proba(&x).unwrap();
    let got = run_tract(&bytes, &x);
    let diff = max_abs_diff(&got, &want);
    println!(
        "{name} ({scaling}, {} classes, sizes {:?}): tract max_abs_diff={diff:.3e} n={}",
        clf.classes().len(),
        clf.network().unwrap().sizes(),
        x.nrows()
    );
    assert!(
        diff <= TOL,
        "{name}: max |tract − predict_proba| = {diff:e}"
    );
    diff
}

#[test]
fn wine_softmax_with_standard_scaling_takes_raw_features() {
    check(
        "wine",
        Scaling::Standard,
        &["Sub", "Div", "Gemm", "Relu", "Gemm", "Softmax"],
    );
}

#[test]
fn breast_cancer_one_sigmoid_unit_gives_both_columns() {
    check(
        "breast_cancer",
        Scaling::Standard,
        &[
            "Sub", "Div", "Gemm", "Relu", "Gemm", "Sigmoid", "Sub", "Concat",
        ],
    );
}

#[test]
fn digits_with_min_max_scaling() {
    check(
        "digits",
        Scaling::MinMax,
        &["Sub", "Div", "Gemm", "Relu", "Gemm", "Softmax"],
    );
}

#[test]
fn iris_without_scaling_has_no_scaler_ops() {
    check("iris", Scaling::None, &["Gemm", "Relu", "Gemm", "Softmax"]);
}

/// Without the scaler in the graph the raw features would be far off: the scaler ops
/// are what makes the model take raw features (so the checks above can fail).
#[test]
fn the_scaler_in_the_graph_matters() {
    let (x, y) = read("wine");
    let mut clf = Classifier::builder().seed(3).build().unwrap();
    clf.fit(&x, &y).unwrap();
    let raw = run_tract(&clf.to_onnx().unwrap(), &x);
    let scaled = clf.transform(&x).unwrap().transpose(); // samples × features
    let on_scaled = run_tract(&clf.to_onnx().unwrap(), &scaled);
    assert!(max_abs_diff(&raw, &clf.predict_proba(&x).unwrap()) <= TOL);
    assert!(max_abs_diff(&on_scaled, &clf.predict_proba(&x).unwrap()) > 0.1);
}

#[test]
fn metadata_names_the_classes_and_the_scaling() {
    let x = DMatrix::from_row_slice(4, 1, &[0., 1., 2., 3.]);
    let mut clf = Classifier::builder()
        .hidden(&[3])
        .max_epochs(5)
        .build()
        .unwrap();
    clf.fit(
        &x,
        &["a \"quoted\" one", "a \"quoted\" one", "b\\c", "b\\c"],
    )
    .unwrap();
    let bytes = clf.to_onnx().unwrap();
    let model = proto(&bytes);
    let meta: Vec<(String, String)> = model
        .metadata_props
        .iter()
        .map(|e| (e.key.clone(), e.value.clone()))
        .collect();
    let get = |k: &str| {
        meta.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(get("estimator"), Some("classifier"));
    assert_eq!(get("estimator.scaling"), Some("standard"));
    assert_eq!(
        get("estimator.classes"),
        Some(r#"["a \"quoted\" one","b\\c"]"#)
    );
    assert_eq!(get("sizes"), Some("[1,3,1]"));
}

#[test]
fn unfitted_and_custom_activations_are_refused() {
    let e = Classifier::<String>::default().to_onnx().unwrap_err();
    assert!(matches!(e, Error::InvalidConfig(_)), "{e}");
    #[derive(Debug, Clone, Copy)]
    struct Softsign;
    impl<T: Scalar> Elementwise<T> for Softsign {
        fn name(&self) -> String {
            "softsign".into()
        }
        fn f(&self, z: T) -> T {
            z / (T::one() + z.abs())
        }
        fn df(&self, z: T, _a: T) -> T {
            let d = T::one() + z.abs();
            T::one() / (d * d)
        }
    }
    let x = DMatrix::from_row_slice(4, 1, &[0., 1., 2., 3.]);
    let mut clf = Classifier::builder()
        .hidden(&[3])
        .activation(Pointwise(Softsign))
        .max_epochs(5)
        .build()
        .unwrap();
    clf.fit(&x, &[0, 0, 1, 1]).unwrap();
    let e = clf.to_onnx().unwrap_err();
    assert!(e.to_string().contains("hidden layer 1"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("refused.onnx");
    assert!(clf.save_onnx(&path).is_err());
    assert!(!path.exists());
}

/// A plain network file (the course's one-vs-all sigmoid outputs) loaded as a classifier
/// exports its outputs divided by their sum, as `predict_proba` does.
#[cfg(feature = "safetensors")]
#[test]
fn a_loaded_one_vs_all_network_exports_normalised_probabilities() {
    use deepmultinet::prelude::*;
    use rand::SeedableRng;
    let (x, _) = read("iris");
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(8);
    let net = Network::builder(4)
        .hidden(6, Sigmoid)
        .output(3, SigmoidCrossEntropy::<f64>::new())
        .build(&mut rng)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("one_vs_all.safetensors");
    deepmultinet::io::save(&net, &path).unwrap();
    let clf = Classifier::<usize>::load(&path).unwrap();
    let graph = proto(&clf.to_onnx().unwrap()).graph.unwrap();
    let ops: Vec<&str> = graph.node.iter().map(|n| n.op_type.as_str()).collect();
    assert_eq!(
        ops,
        [
            "Gemm",
            "Sigmoid",
            "Gemm",
            "Sigmoid",
            "ReduceSum",
            "Div",
            "Greater",
            "Where"
        ]
    );
    let want = clf.predict_proba(&x).unwrap();
    let got = run_tract(&clf.to_onnx().unwrap(), &x);
    let diff = max_abs_diff(&got, &want);
    println!("one-vs-all: tract max_abs_diff={diff:.3e}");
    assert!(diff <= TOL, "{diff:e}");
    // The rows sum to 1 (the raw sigmoids do not).
    let raw = net.predict_proba(&x.transpose()).unwrap();
    assert!((raw.column(0).sum() - 1.0).abs() > 1e-3);
}

/// Where the `*_onnx_check_files` tests write: `DEEPMULTINET_ONNX_CHECK_DIR` (created), else
/// the temporary directory `tmp`.
fn check_dir(tmp: &tempfile::TempDir) -> PathBuf {
    let dir = std::env::var_os("DEEPMULTINET_ONNX_CHECK_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A matrix as CSV, one row per line, every value exact (`{:?}`).
fn csv(m: &DMatrix<f64>) -> String {
    let mut s = String::new();
    for i in 0..m.nrows() {
        let line: Vec<String> = m.row(i).iter().map(|v| format!("{v:?}")).collect();
        s.push_str(&line.join(","));
        s.push('\n');
    }
    s
}

/// Writes `estimator.onnx` (wine, raw features in) with `estimator.input.csv` and
/// `estimator.expected.csv` for `scripts/check-onnx.py`, into `DEEPMULTINET_ONNX_CHECK_DIR`
/// (a temporary directory without it).
#[test]
fn estimator_onnx_check_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = check_dir(&tmp);
    let (x, y) = read("wine");
    let mut clf = Classifier::builder().seed(3).build().unwrap();
    clf.fit(&x, &y).unwrap();
    let model = dir.join("estimator.onnx");
    clf.save_onnx(&model).unwrap();
    // The inputs as float32 values (what the model is given), our probabilities on them.
    let x32 = x.map(|v| f64::from(v as f32));
    std::fs::write(dir.join("estimator.input.csv"), csv(&x32)).unwrap();
    let want = clf.predict_proba(&x32).unwrap();
    std::fs::write(dir.join("estimator.expected.csv"), csv(&want)).unwrap();
    // The file is what to_onnx gives, and tract agrees with the CSV.
    assert_eq!(std::fs::read(&model).unwrap(), clf.to_onnx().unwrap());
    assert!(max_abs_diff(&run_tract(&clf.to_onnx().unwrap(), &x32), &want) <= TOL);
    println!("wrote {}", model.display());
}

/// Writes `one_vs_all.onnx` with its input and expected CSVs for `scripts/check-onnx.py`
/// (like [`estimator_onnx_check_files`]): a loaded one-vs-all network whose three outputs
/// all have the logit `−x₀`, on iris and on rows with `x₀` from 90 to 10³⁰, where float32
/// sigmoids underflow to 0 (in ONNX Runtime; tract clamps its sigmoid's argument) and the
/// graph's row sum is 0. `predict_proba` gives 1/3 for every row, so must the graph (a
/// plain `Div` gave NaN there).
#[cfg(feature = "safetensors")]
#[test]
fn one_vs_all_onnx_check_files() {
    use deepmultinet::prelude::*;
    let tmp = tempfile::tempdir().unwrap();
    let dir = check_dir(&tmp);
    let mut net =
        Network::with_sizes(&[4, 3], Identity, SigmoidCrossEntropy::<f64>::new()).unwrap();
    // Θ is 3 × 5, column-major, biases first: weights −1 on x₀, 0 elsewhere.
    let theta = net.params_mut();
    theta.fill(0.0);
    theta[3..6].fill(-1.0);
    let path = tmp.path().join("one_vs_all.safetensors");
    deepmultinet::io::save(&net, &path).unwrap();
    let clf = Classifier::<usize>::load(&path).unwrap();
    let (iris, _) = read("iris");
    let far = [90.0, 100.0, 200.0, 1e3, 1e30];
    let x = DMatrix::from_fn(iris.nrows() + far.len(), 4, |i, j| {
        if i < iris.nrows() {
            iris[(i, j)]
        } else if j == 0 {
            far[i - iris.nrows()]
        } else {
            1.0
        }
    });
    let x32 = x.map(|v| f64::from(v as f32));
    let want = clf.predict_proba(&x32).unwrap();
    assert!(want.iter().all(|&p| (p - 1.0 / 3.0).abs() < 1e-15));
    let model = dir.join("one_vs_all.onnx");
    clf.save_onnx(&model).unwrap();
    std::fs::write(dir.join("one_vs_all.input.csv"), csv(&x32)).unwrap();
    std::fs::write(dir.join("one_vs_all.expected.csv"), csv(&want)).unwrap();
    assert!(max_abs_diff(&run_tract(&clf.to_onnx().unwrap(), &x32), &want) <= TOL);
    println!("wrote {}", model.display());
}
