//! Model files: safetensors round trips, PyTorch-layout files without metadata, architecture
//! checks, bad bytes, and importing the course's `Theta1`, `Theta2` from a MAT-file.

mod fixtures;

use deepmultinet::io;
use deepmultinet::prelude::*;
use std::sync::Arc;

// Everything but the MAT import needs the `safetensors` feature.
#[cfg(feature = "safetensors")]
use {
    deepmultinet::io::ModelInfo,
    nalgebra::DMatrix,
    proptest::prelude::*,
    rand::{RngExt, SeedableRng},
    rand_xoshiro::Xoshiro256PlusPlus,
    safetensors::tensor::{Dtype, TensorView},
    std::collections::HashMap,
    std::path::Path,
};

#[cfg(feature = "safetensors")]
fn p(name: &str) -> &Path {
    Path::new(name)
}

#[cfg(feature = "safetensors")]
fn rng(seed: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(seed)
}

#[cfg(feature = "safetensors")]
fn softmax_net() -> Network<SoftmaxCrossEntropy<f32>> {
    Network::builder(6)
        .hidden(5, Relu)
        .hidden(4, LeakyRelu(0.05))
        .output(3, SoftmaxCrossEntropy::<f32>::new())
        .init(Init::He)
        .build(&mut rng(1))
        .unwrap()
}

#[cfg(feature = "safetensors")]
fn random_batch<T: Scalar>(rows: usize, cols: usize, seed: u64) -> DMatrix<T> {
    let mut r = rng(seed);
    DMatrix::from_fn(rows, cols, |_, _| T::of(r.random::<f64>() * 2.0 - 1.0))
}

#[cfg(feature = "safetensors")]
fn bits<T: Scalar>(v: &[T]) -> Vec<u64> {
    v.iter().map(|x| x.as_f64().to_bits()).collect()
}

#[cfg(feature = "safetensors")]
#[test]
fn round_trip_is_bit_exact_for_each_head_and_scalar() {
    // f32 softmax with two different hidden activations.
    let net = softmax_net();
    let back: Network<SoftmaxCrossEntropy<f32>> =
        io::from_bytes(&io::to_bytes(&net).unwrap(), p("m")).unwrap();
    assert_eq!(bits(back.params()), bits(net.params()));
    assert_eq!(ModelInfo::of(&back), ModelInfo::of(&net));
    let x = random_batch::<f32>(6, 20, 2);
    assert_eq!(
        back.predict_proba(&x).unwrap(),
        net.predict_proba(&x).unwrap()
    );

    // f64 sigmoid (the course's network).
    let net = Network::builder(4)
        .hidden(3, Sigmoid)
        .output(2, SigmoidCrossEntropy::<f64>::new())
        .build(&mut rng(3))
        .unwrap();
    let back: Network<SigmoidCrossEntropy<f64>> =
        io::from_bytes(&io::to_bytes(&net).unwrap(), p("m")).unwrap();
    assert_eq!(bits(back.params()), bits(net.params()));

    // MSE with a sigmoid output activation and tanh hidden units.
    let net = Network::builder(3)
        .hidden(4, Tanh)
        .output(2, MeanSquaredError::<f64>::sigmoid())
        .build(&mut rng(4))
        .unwrap();
    let back: Network<MeanSquaredError<f64>> =
        io::from_bytes(&io::to_bytes(&net).unwrap(), p("m")).unwrap();
    assert_eq!(bits(back.params()), bits(net.params()));
    assert_eq!(back.head().output_activation(), "sigmoid");
    let x = random_batch::<f64>(3, 7, 5);
    assert_eq!(
        back.predict_proba(&x).unwrap(),
        net.predict_proba(&x).unwrap()
    );
}

#[cfg(feature = "safetensors")]
#[test]
fn saved_tensors_have_pytorch_names_shapes_and_row_major_weights() {
    let net = softmax_net();
    let bytes = io::to_bytes(&net).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let mut names = st.names();
    names.sort();
    assert_eq!(
        names,
        vec![
            "layers.0.bias",
            "layers.0.weight",
            "layers.2.bias",
            "layers.2.weight",
            "layers.4.bias",
            "layers.4.weight"
        ]
    );
    let w = st.tensor("layers.2.weight").unwrap();
    assert_eq!(w.shape(), &[4, 5]);
    assert_eq!(w.dtype(), Dtype::F32);
    // Row-major out × in: element (i, j) at i*5 + j.
    let (i, j) = (3, 1);
    let at = (i * 5 + j) * 4;
    let d = w.data();
    let v = f32::from_le_bytes([d[at], d[at + 1], d[at + 2], d[at + 3]]);
    assert_eq!(v, net.weights(1).unwrap()[(i, j)]);
    let (_, meta) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
    let meta = meta.metadata().as_ref().unwrap();
    assert_eq!(meta["sizes"], "[6,5,4,3]");
    assert_eq!(meta["hidden_activations"], r#"["relu","leaky_relu(0.05)"]"#);
    assert_eq!(meta["head"], "softmax_cross_entropy");
    assert_eq!(meta["scalar"], "f32");
}

#[cfg(feature = "safetensors")]
/// A file as PyTorch's `save_file(model.state_dict())` writes it for
/// `layers = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2))`: F32, no metadata,
/// weights out × in row-major. W1[i][j] = i − j/2, b1 = [0.5, −1, 0.25],
/// W2[i][j] = (i+1)(j−1), b2 = [0.125, −0.5].
fn pytorch_file() -> Vec<u8> {
    let w1: Vec<f32> = (0..3)
        .flat_map(|i| (0..2).map(move |j| i as f32 - j as f32 / 2.0))
        .collect();
    let b1 = [0.5f32, -1.0, 0.25];
    let w2: Vec<f32> = (0..2)
        .flat_map(|i| (0..3).map(move |j| (i as f32 + 1.0) * (j as f32 - 1.0)))
        .collect();
    let b2 = [0.125f32, -0.5];
    let le = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let (w1b, b1b, w2b, b2b) = (le(&w1), le(&b1), le(&w2), le(&b2));
    let tensors = vec![
        (
            "layers.0.weight",
            TensorView::new(Dtype::F32, vec![3, 2], &w1b).unwrap(),
        ),
        (
            "layers.0.bias",
            TensorView::new(Dtype::F32, vec![3], &b1b).unwrap(),
        ),
        (
            "layers.2.weight",
            TensorView::new(Dtype::F32, vec![2, 3], &w2b).unwrap(),
        ),
        (
            "layers.2.bias",
            TensorView::new(Dtype::F32, vec![2], &b2b).unwrap(),
        ),
    ];
    safetensors::serialize(tensors, None).unwrap()
}

#[cfg(feature = "safetensors")]
#[test]
fn pytorch_file_without_metadata_loads_into_a_given_architecture() {
    let bytes = pytorch_file();
    assert_eq!(io::info_from_bytes(&bytes, p("pt")).unwrap(), None);
    // `load` needs metadata and says what to do instead.
    let e = io::from_bytes::<MeanSquaredError<f64>>(&bytes, p("pt.safetensors")).unwrap_err();
    assert!(e.to_string().contains("load_into"), "{e}");

    // Identity outputs, so predict_proba is the raw output W2·relu(W1·x + b1) + b2.
    let mut net = Network::builder(2)
        .hidden(3, Relu)
        .output(2, MeanSquaredError::<f64>::new())
        .build_zeroed()
        .unwrap();
    io::from_bytes_into(&mut net, &bytes, p("pt")).unwrap();
    assert_eq!(net.weights(0).unwrap()[(2, 1)], 2.0 - 0.5);
    assert_eq!(net.bias(0).unwrap()[1], -1.0);
    assert_eq!(net.weights(1).unwrap()[(1, 0)], -2.0);

    // By hand for x = (1, 2): z1_i = i·1 + (i − ½)·2 + b1_i = 3i − 1 + b1_i
    //   = (−0.5, 1, 5.25), a1 = relu = (0, 1, 5.25); W2 rows (−1, 0, 1), (−2, 0, 2):
    // out = (0.125 + 5.25, −0.5 + 10.5) = (5.375, 10.0).
    let x = DMatrix::from_column_slice(2, 1, &[1.0, 2.0]);
    let out = net.predict_proba(&x).unwrap();
    assert_eq!(out.as_slice(), &[5.375, 10.0]);

    // The wrong architecture is refused and leaves the network unchanged.
    let mut wrong = Network::builder(2)
        .hidden(4, Relu)
        .output(2, MeanSquaredError::<f64>::new())
        .build(&mut rng(8))
        .unwrap();
    let before = wrong.params().to_vec();
    let e = io::from_bytes_into(&mut wrong, &bytes, p("pt.safetensors")).unwrap_err();
    assert!(
        e.to_string().contains("[4, 2]") && e.to_string().contains("[3, 2]"),
        "{e}"
    );
    assert_eq!(wrong.params(), &before[..]);
}

#[cfg(feature = "safetensors")]
#[test]
fn head_mismatch_and_metadata_mismatch_are_errors() {
    let bytes = io::to_bytes(&softmax_net()).unwrap();
    let e = io::from_bytes::<SigmoidCrossEntropy<f32>>(&bytes, p("m.safetensors")).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("m.safetensors")
            && msg.contains("sigmoid_cross_entropy")
            && msg.contains("head `softmax_cross_entropy`"),
        "{msg}"
    );
    // load_into a network of another architecture whose tensor shapes would still fit:
    // same sizes, different hidden activations.
    let mut other = Network::builder(6)
        .hidden(5, Tanh)
        .hidden(4, Tanh)
        .output(3, SoftmaxCrossEntropy::<f32>::new())
        .build(&mut rng(9))
        .unwrap();
    let before = other.params().to_vec();
    assert!(io::from_bytes_into(&mut other, &bytes, p("m")).is_err());
    assert_eq!(other.params(), &before[..]);
}

#[cfg(feature = "safetensors")]
#[test]
fn shapes_that_disagree_with_metadata_are_errors() {
    // Metadata says 2-3-2 but the tensors are a 2-4-2 network.
    let net = Network::builder(2)
        .hidden(4, Relu)
        .output(2, SoftmaxCrossEntropy::<f32>::new())
        .build(&mut rng(10))
        .unwrap();
    let bytes = io::to_bytes(&net).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let mut meta: HashMap<String, String> = safetensors::SafeTensors::read_metadata(&bytes)
        .unwrap()
        .1
        .metadata()
        .clone()
        .unwrap();
    meta.insert("sizes".into(), "[2,3,2]".into());
    let forged = safetensors::serialize(st.tensors(), Some(meta)).unwrap();
    let e = io::from_bytes::<SoftmaxCrossEntropy<f32>>(&forged, p("forged.safetensors"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("forged.safetensors") && e.contains("shape [3, 2]") && e.contains("[4, 2]"),
        "{e}"
    );
}

#[cfg(feature = "safetensors")]
#[test]
fn truncated_and_corrupted_model_files_never_panic_or_half_load() {
    let bytes = io::to_bytes(&softmax_net()).unwrap();
    let mut target = softmax_net();
    target.params_mut().iter_mut().for_each(|t| *t = 7.0);
    for len in 0..bytes.len() {
        assert!(io::from_bytes::<SoftmaxCrossEntropy<f32>>(&bytes[..len], p("t")).is_err());
        assert!(io::from_bytes_into(&mut target, &bytes[..len], p("t")).is_err());
        assert!(
            target.params().iter().all(|&t| t == 7.0),
            "half-loaded at {len}"
        );
    }
    let mut r = rng(11);
    for _ in 0..500 {
        let mut b = bytes.clone();
        let i = r.random_range(0..b.len());
        b[i] = r.random();
        let _ = io::from_bytes::<SoftmaxCrossEntropy<f32>>(&b, p("c"));
        if io::from_bytes_into(&mut target, &b, p("c")).is_err() {
            assert!(target.params().iter().all(|&t| t == 7.0));
        } else {
            target.params_mut().iter_mut().for_each(|t| *t = 7.0);
        }
    }
}

#[cfg(feature = "safetensors")]
#[test]
fn save_and_load_files() {
    let dir = std::env::temp_dir().join(format!("deepmultinet-io-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("net.safetensors");
    let net = softmax_net();
    io::save(&net, &path).unwrap();
    let back: Network<SoftmaxCrossEntropy<f32>> = io::load(&path).unwrap();
    assert_eq!(bits(back.params()), bits(net.params()));
    let info = io::read_info(&path).unwrap().unwrap();
    assert_eq!(info.sizes, vec![6, 5, 4, 3]);
    let missing = dir.join("missing.safetensors");
    assert!(matches!(
        io::load::<SoftmaxCrossEntropy<f32>>(&missing),
        Err(Error::Io { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn course_thetas_import_from_mat() {
    use fixtures::{Var, mat};
    // Theta1: 3 × 3 (2 inputs → 3 units), Theta2: 2 × 4; values column-major 1, 2, ...
    let t1: Vec<f64> = (1..=9).map(f64::from).collect();
    let t2: Vec<f64> = (10..=17).map(f64::from).collect();
    let file = mat(
        &[
            Var::double("Theta1", 3, 3, &t1),
            Var::double("Theta2", 2, 4, &t2),
        ],
        true,
        false,
    );
    let dir = std::env::temp_dir().join(format!("deepmultinet-mat-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("w.mat");
    std::fs::write(&path, &file).unwrap();

    let net = io::from_mat(&path, Arc::new(Sigmoid), SigmoidCrossEntropy::<f64>::new()).unwrap();
    assert_eq!(net.sizes(), &[2, 3, 2]);
    let expected: Vec<f64> = (1..=17).map(f64::from).collect();
    assert_eq!(net.params(), &expected[..]); // [Theta1(:); Theta2(:)]
    assert_eq!(net.bias(1).unwrap().as_slice(), &[10.0, 11.0]);

    let mut wrong =
        Network::with_sizes(&[2, 4, 2], Sigmoid, SigmoidCrossEntropy::<f64>::new()).unwrap();
    assert!(matches!(
        io::import_mat_into(&mut wrong, &path),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(wrong.params().iter().all(|&t| t == 0.0));

    // Thetas that do not chain: Theta2 needs 4 columns.
    let bad = mat(
        &[
            Var::double("Theta1", 3, 3, &t1),
            Var::double("Theta2", 2, 3, &t2[..6]),
        ],
        false,
        false,
    );
    std::fs::write(&path, &bad).unwrap();
    let e = io::from_mat(&path, Arc::new(Sigmoid), SigmoidCrossEntropy::<f64>::new())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("Theta2") && e.contains("4 columns") && e.contains("2 × 3"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(feature = "safetensors")]
proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = io::from_bytes::<SoftmaxCrossEntropy<f32>>(&bytes, p("a"));
        let _ = io::info_from_bytes(&bytes, p("a"));
    }

    #[test]
    fn valid_header_length_arbitrary_json(body in "\\PC{0,200}") {
        let mut bytes = (body.len() as u64).to_le_bytes().to_vec();
        bytes.extend_from_slice(body.as_bytes());
        let _ = io::from_bytes::<MeanSquaredError<f64>>(&bytes, p("a"));
    }
}
