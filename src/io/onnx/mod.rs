//! ONNX export (cargo feature `onnx`): any [`Network`] whose activations are built-in,
//! written as a standard ONNX model that ONNX Runtime, tract, OpenVINO, TensorRT, ... run.
//!
//! | | |
//! |---|---|
//! | IR version | [`IR_VERSION`] = 7 (ONNX 1.8 and later read it) |
//! | operator set | [`OPSET_VERSION`] = 13 of the default domain (`ai.onnx`) |
//! | input | [`INPUT_NAME`] = `input`, float32 `[N, inputs]`, `N` ([`BATCH_DIM`]) symbolic |
//! | output | [`OUTPUT_NAME`] = `probabilities`, float32 `[N, outputs]` |
//! | weights | initializers `layers.{2l}.weight` (`[out, in]`, row-major) and `layers.{2l}.bias` (`[out]`): PyTorch's names, as in the safetensors files |
//! | metadata | `metadata_props`: `library`, `sizes`, `hidden_activations`, `head`, `output_activation`, `scalar` (the values of the safetensors metadata) |
//!
//! Samples are **rows** in ONNX (`[N, features]`, as in PyTorch and scikit-learn), where
//! [`Network::forward`] takes them as columns. Each layer `l` becomes
//! `Gemm(A, layers.{2l}.weight, layers.{2l}.bias; transB = 1)` (`A·Wᵀ + b`) followed by its
//! activation, the last layer by the head's output activation:
//!
//! | activation | ONNX operator (opset 13) |
//! |---|---|
//! | [`Sigmoid`](crate::Sigmoid) (and [`SigmoidCrossEntropy`](crate::SigmoidCrossEntropy)'s output) | `Sigmoid` |
//! | [`Tanh`](crate::Tanh) | `Tanh` |
//! | [`Relu`](crate::Relu) | `Relu` |
//! | [`LeakyRelu(α)`](crate::LeakyRelu) | `LeakyRelu`, `alpha = α` |
//! | [`Elu(α)`](crate::Elu) | `Elu`, `alpha = α` |
//! | [`Softmax`](crate::Softmax) (and [`SoftmaxCrossEntropy`](crate::SoftmaxCrossEntropy)'s output) | `Softmax`, `axis = 1` |
//! | [`Identity`](crate::Identity) (and [`MeanSquaredError`](crate::MeanSquaredError)'s default output) | `Identity` |
//!
//! [`MeanSquaredError`](crate::MeanSquaredError) exports whatever output activation it has
//! (identity, sigmoid, ...); its `probabilities` are then the network's outputs. A
//! user-defined activation has no ONNX operator: the export fails with
//! [`Error::InvalidConfig`](crate::Error::InvalidConfig) naming the layer. Activations are
//! recognised by [`name`](crate::Activation::name) and confirmed by running ours and the
//! built-in on probe values, so one that borrows a built-in's name is refused as well.
//!
//! The model is **float32** whatever the network's scalar (`f64` weights are rounded to the
//! nearest `f32`), since every runtime has float32 kernels for these operators and some
//! have no double ones (ONNX Runtime's `LeakyRelu` and `Elu`). The protobuf is encoded
//! with [`prost`](https://docs.rs/prost).
//!
//! ```
//! use deepmultinet::prelude::*;
//! use rand::SeedableRng;
//!
//! let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
//! let net = Network::builder(4)
//!     .hidden(8, LeakyRelu(0.1))
//!     .output(3, SoftmaxCrossEntropy::<f32>::new())
//!     .init(Init::He)
//!     .build(&mut rng)?;
//! let bytes = deepmultinet::io::onnx::to_bytes(&net)?;
//! assert!(!bytes.is_empty());
//! let dir = tempfile::tempdir().unwrap();
//! deepmultinet::io::onnx::save(&net, dir.path().join("model.onnx"))?;
//! # Ok::<(), deepmultinet::Error>(())
//! ```

mod graph;
mod ops;
mod proto;

pub(crate) use graph::{Probabilities, Wrap};

use crate::error::Result;
use crate::loss::OutputLoss;
use crate::network::Network;
use prost::Message;
use std::path::Path;

/// The ONNX IR version written (7: ONNX 1.8).
pub const IR_VERSION: i64 = 7;
/// The version of the default ONNX operator set (`ai.onnx`) the model imports.
pub const OPSET_VERSION: i64 = 13;
/// Name of the model's input, float32 `[N, inputs]`.
pub const INPUT_NAME: &str = "input";
/// Name of the model's output, float32 `[N, outputs]`.
pub const OUTPUT_NAME: &str = "probabilities";
/// Name of the symbolic batch dimension of the input and output.
pub const BATCH_DIM: &str = "N";

/// `net` as the bytes of an ONNX model file (see the module docs for the graph).
///
/// # Errors
/// [`Error::InvalidConfig`](crate::Error::InvalidConfig) if an activation (hidden or the
/// head's output activation) is not a built-in one.
///
/// # Examples
/// ```
/// use deepmultinet::prelude::*;
/// let net = Network::with_sizes(&[3, 4, 2], Tanh, SigmoidCrossEntropy::<f64>::new())?;
/// let bytes = deepmultinet::io::onnx::to_bytes(&net)?;
/// assert!(bytes.len() > 4 * (4 * 4 + 2 * 5));
/// # Ok::<(), deepmultinet::Error>(())
/// ```
pub fn to_bytes<L: OutputLoss>(net: &Network<L>) -> Result<Vec<u8>> {
    Ok(graph::model(net)?.encode_to_vec())
}

/// `net` as ONNX bytes with what an estimator adds around it: its scaler before the first
/// layer, its probabilities after the last (`Classifier::to_onnx` in the estimator).
///
/// # Errors
/// As [`to_bytes`]; [`Error::ShapeMismatch`](crate::Error::ShapeMismatch) for a scaler of
/// another width than the network's inputs.
pub(crate) fn wrapped_to_bytes<L: OutputLoss>(
    net: &Network<L>,
    wrap: &Wrap<'_>,
) -> Result<Vec<u8>> {
    Ok(graph::model_with(net, wrap)?.encode_to_vec())
}

/// Writes `net` to `path` as an ONNX model (see the module docs), atomically: a temporary
/// file in the same directory, synced, then renamed over `path`.
///
/// # Errors
/// As [`to_bytes`]; [`Error::Io`](crate::Error::Io) if the file cannot be written (the file
/// that was there stays intact).
///
/// # Examples
/// ```
/// use deepmultinet::prelude::*;
/// let net = Network::with_sizes(&[3, 2], Identity, MeanSquaredError::<f32>::new())?;
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("linear.onnx");
/// deepmultinet::io::onnx::save(&net, &path)?;
/// assert!(path.exists());
/// # Ok::<(), deepmultinet::Error>(())
/// ```
pub fn save<L: OutputLoss>(net: &Network<L>, path: impl AsRef<Path>) -> Result<()> {
    let bytes = to_bytes(net)?;
    crate::files::write_atomic(path.as_ref(), &bytes)
}
