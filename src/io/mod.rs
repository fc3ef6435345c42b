//! Model files: save and load a [`Network`] as **safetensors** (cargo feature
//! `safetensors`, on by default), and import the course's `Theta1`, `Theta2`, ... from a
//! MAT-file (always available).
//!
//! ## Layout
//! One tensor per layer weight and bias, named and shaped as PyTorch stores an
//! `nn.Sequential(Linear, act, Linear, act, ..., Linear)` held in a `layers` attribute:
//! layer `l` (0-based) is `layers.{2l}.weight` (`s_{l+1} × s_l`, row-major: out × in) and
//! `layers.{2l}.bias` (`s_{l+1}`), the activation modules taking the odd indices. Our `W_l` is
//! column-major inside θ, so it is transposed on write and on read. The dtype is the network's
//! scalar (`F32` or `F64`).
//!
//! The `__metadata__` map holds the architecture, so [`load`] rebuilds the same network:
//!
//! | key | value |
//! |---|---|
//! | `library` | `deepmultinet` |
//! | `format_version` | `1` |
//! | `sizes` | JSON array, e.g. `[784,128,64,10]` |
//! | `hidden_activations` | JSON array of [`Activation::name`](crate::Activation::name)s, e.g. `["relu","relu"]` |
//! | `head` | [`OutputLoss::name`], e.g. `softmax_cross_entropy` |
//! | `output_activation` | [`OutputLoss::output_activation`], e.g. `softmax` |
//! | `scalar` | `f32` or `f64` |
//!
//! Files without metadata (written by PyTorch's `safetensors.torch.save_file(model.state_dict())`)
//! load into a network the caller builds with [`load_into`]: any tensor names of the form
//! `<prefix><index>.weight` / `<prefix><index>.bias` are accepted and ordered by index, their
//! shapes must match the caller's network, and `F32`/`F64` are converted to its scalar.
//!
//! Nothing is changed until the whole file has been checked: a load either succeeds or leaves
//! the network as it was. A round trip with the same scalar is bit-exact. Every parameter
//! must be finite in the network's scalar: a tensor holding a NaN or an infinity (or, loaded
//! into an `f32` network, an `F64` value beyond `f32`'s range) is refused, naming the tensor
//! and the value's index.
//!
//! Errors give real byte offsets in the file: 0 for the 8-byte header length, the offset of
//! a tensor's or a metadata key's quoted name in the JSON header (which starts at 8) for
//! problems with its entry, and `8 + header length + start` (the value itself for a
//! non-finite one) for problems with a tensor's data. Names and values quoted from the file
//! are cut after 64 characters.
//!
//! The course's MAT weights are imported by [`from_mat`], [`import_mat_into`] and
//! [`thetas_from_mat`].
//!
//! # Examples
//!
//! ```
//! # #[cfg(feature = "safetensors")] {
//! use deepmultinet::prelude::*;
//! use rand::SeedableRng;
//!
//! let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
//! let net = Network::builder(4)
//!     .hidden(5, Relu)
//!     .output(3, SoftmaxCrossEntropy::<f32>::new())
//!     .init(Init::He)
//!     .build(&mut rng)?;
//! let bytes = deepmultinet::io::to_bytes(&net)?;
//! let back: Network<SoftmaxCrossEntropy<f32>> = deepmultinet::io::from_bytes(&bytes, "m".as_ref())?;
//! assert_eq!(back.params(), net.params());
//! // The wrong head type is refused.
//! assert!(deepmultinet::io::from_bytes::<SigmoidCrossEntropy<f32>>(&bytes, "m".as_ref()).is_err());
//! # }
//! # Ok::<(), deepmultinet::Error>(())
//! ```

// Without the feature the model-file functions these docs link to do not exist.
#![cfg_attr(not(feature = "safetensors"), allow(rustdoc::broken_intra_doc_links))]

mod mat;
#[cfg(feature = "safetensors")]
mod metadata;
#[cfg(feature = "safetensors")]
mod offsets;
#[cfg(feature = "onnx")]
pub mod onnx;
#[cfg(feature = "safetensors")]
mod safetensors;

pub use mat::{from_mat, import_mat_into, thetas_from_mat};
#[cfg(feature = "safetensors")]
pub use metadata::{LoadableHead, ModelInfo};

#[cfg(feature = "safetensors")]
use self::offsets::HEADER;
#[cfg(feature = "safetensors")]
use self::safetensors::{FORMAT, open, theta_from_tensors};
#[cfg(feature = "safetensors")]
use crate::{
    data::source::{self, format_error},
    error::Result,
    loss::OutputLoss,
    network::Network,
};
#[cfg(feature = "safetensors")]
use std::path::Path;

/// Serialises `net` as safetensors bytes with its architecture in the metadata.
///
/// # Errors
/// [`Error::InvalidConfig`](crate::Error::InvalidConfig) if the serialiser rejects the data (it does not for valid
/// networks).
#[cfg(feature = "safetensors")]
pub fn to_bytes<L: OutputLoss>(net: &Network<L>) -> Result<Vec<u8>> {
    self::safetensors::serialize(net, ModelInfo::of(net).to_metadata())
}

/// Saves `net` to `path` as safetensors (see the module docs for the layout).
///
/// The file is written atomically: to a temporary file in the same directory, flushed to the
/// disk, then renamed over `path`. A full disk, an error or a kill at any moment leaves the
/// file that was there before intact.
///
/// # Errors
/// [`Error::Io`](crate::Error::Io) if the file cannot be written.
///
/// # Examples
///
/// ```
/// use deepmultinet::prelude::*;
/// let net = Network::with_sizes(&[4, 3, 2], Relu, SoftmaxCrossEntropy::<f64>::new())?;
/// let dir = tempfile::tempdir().map_err(|e| Error::Io { path: ".".into(), source: e })?;
/// let path = dir.path().join("net.safetensors");
/// deepmultinet::io::save(&net, &path)?;
/// let info = deepmultinet::io::read_info(&path)?.expect("our metadata");
/// assert_eq!(info.sizes, vec![4, 3, 2]);
/// assert_eq!(info.hidden_activations, vec!["relu".to_string()]);
/// # Ok::<(), deepmultinet::Error>(())
/// ```
#[cfg(feature = "safetensors")]
pub fn save<L: OutputLoss>(net: &Network<L>, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    let bytes = to_bytes(net)?;
    crate::files::write_atomic(path, &bytes)
}

/// The architecture stored in safetensors bytes, `None` for a file without our metadata.
///
/// # Errors
/// [`Error::Format`](crate::Error::Format) if the bytes are not a valid safetensors file or the metadata is
/// malformed.
#[cfg(feature = "safetensors")]
pub fn info_from_bytes(bytes: &[u8], path: &Path) -> Result<Option<ModelInfo>> {
    Ok(open(bytes, path)?.info)
}

/// The architecture stored in a model file, `None` for a file without our metadata.
///
/// # Errors
/// [`Error::Io`](crate::Error::Io) if the file cannot be read; as [`info_from_bytes`] otherwise.
#[cfg(feature = "safetensors")]
pub fn read_info(path: impl AsRef<Path>) -> Result<Option<ModelInfo>> {
    let path = path.as_ref();
    info_from_bytes(&source::read_file(path)?, path)
}

/// The dtype of the first weight tensor (`"f32"`, `"f64"`, or the safetensors name of
/// another dtype), for choosing a scalar when a file has no metadata.
///
/// # Errors
/// [`Error::Format`](crate::Error::Format) if the bytes are not a valid safetensors file or hold no tensors.
#[cfg(feature = "safetensors")]
pub fn weight_dtype(bytes: &[u8], path: &Path) -> Result<String> {
    self::safetensors::first_dtype(&open(bytes, path)?, path)
}

/// Rebuilds a network from safetensors bytes carrying our metadata; `path` names the source
/// in errors.
///
/// # Errors
/// [`Error::Format`](crate::Error::Format) if the bytes are not valid safetensors, carry no architecture metadata
/// (use [`load_into`] then), record a head other than `L`'s, hold tensors whose names or
/// shapes disagree with the metadata, or hold a parameter that is not finite in `L`'s
/// scalar; [`Error::InvalidConfig`](crate::Error::InvalidConfig) for an unknown activation.
#[cfg(feature = "safetensors")]
pub fn from_bytes<L: LoadableHead>(bytes: &[u8], path: &Path) -> Result<Network<L>> {
    let file = open(bytes, path)?;
    let info = file.info.as_ref().ok_or_else(|| {
        format_error(
            path,
            FORMAT,
            HEADER,
            "architecture metadata (sizes, activations, head); for a file without it, build \
             the network and use io::load_into",
            "no deepmultinet metadata",
        )
    })?;
    let head = info.head::<L>(path, &file.at)?;
    let hidden = info.hidden::<L::Scalar>()?;
    let theta = theta_from_tensors::<L::Scalar>(&file, &info.sizes, path)?;
    Network::from_parts(&info.sizes, hidden, head, theta)
}

/// Loads a model file saved by [`save`] as a `Network<L>`. A file without our metadata (a
/// PyTorch `state_dict`) loads with [`load_into`] into a network you build.
///
/// # Errors
/// [`Error::Io`](crate::Error::Io) if the file cannot be read; as [`from_bytes`] otherwise.
///
/// # Examples
///
/// ```
/// use deepmultinet::prelude::*;
/// use rand::SeedableRng;
/// let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
/// let net = Network::builder(4).hidden(3, Tanh)
///     .output(2, SigmoidCrossEntropy::<f32>::new()).init(Init::He).build(&mut rng)?;
/// let dir = tempfile::tempdir().map_err(|e| Error::Io { path: ".".into(), source: e })?;
/// let path = dir.path().join("net.safetensors");
/// deepmultinet::io::save(&net, &path)?;
/// let back: Network<SigmoidCrossEntropy<f32>> = deepmultinet::io::load(&path)?;
/// assert_eq!(back.params(), net.params()); // bit for bit
/// // Asking for another head is an error that names both.
/// let e = deepmultinet::io::load::<SoftmaxCrossEntropy<f32>>(&path).unwrap_err();
/// assert!(e.to_string().contains("sigmoid_cross_entropy"), "{e}");
/// # Ok::<(), deepmultinet::Error>(())
/// ```
#[cfg(feature = "safetensors")]
pub fn load<L: LoadableHead>(path: impl AsRef<Path>) -> Result<Network<L>> {
    let path = path.as_ref();
    from_bytes(&source::read_file(path)?, path)
}

/// Loads the weights of safetensors bytes into `net`, whose architecture the caller built (for
/// files without metadata, such as PyTorch's). If the bytes do carry our metadata it must agree
/// with `net`. `net` is unchanged on error.
///
/// # Errors
/// [`Error::Format`](crate::Error::Format) if the bytes are not valid safetensors, the metadata disagrees with
/// `net`, the tensors' names or shapes do not fit `net`'s sizes, or a parameter is not
/// finite in `net`'s scalar.
#[cfg(feature = "safetensors")]
pub fn from_bytes_into<L: OutputLoss>(
    net: &mut Network<L>,
    bytes: &[u8],
    path: &Path,
) -> Result<()> {
    let file = open(bytes, path)?;
    if let Some(info) = &file.info {
        info.check_matches(&ModelInfo::of(net), path, &file.at)?;
    }
    let theta = theta_from_tensors::<L::Scalar>(&file, net.sizes(), path)?;
    net.set_params(&theta)
}

/// Loads a model file's weights into `net` (see [`from_bytes_into`]).
///
/// # Errors
/// [`Error::Io`](crate::Error::Io) if the file cannot be read; as [`from_bytes_into`] otherwise.
#[cfg(feature = "safetensors")]
pub fn load_into<L: OutputLoss>(net: &mut Network<L>, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    from_bytes_into(net, &source::read_file(path)?, path)
}
