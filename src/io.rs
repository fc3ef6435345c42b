//! Model files: save and load a [`Network`] as **safetensors**, and import the course's
//! `Theta1`, `Theta2`, ... from a MAT-file.
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
//! | `hidden_activations` | JSON array of [`Activation::name`]s, e.g. `["relu","relu"]` |
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
//! the network as it was. A round trip with the same scalar is bit-exact.
//!
//! ```
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
//! # Ok::<(), deepmultinet::Error>(())
//! ```

use crate::activation::{self, Activation};
use crate::data::mat::MatFile;
use crate::data::source::{self, format_error};
use crate::error::{Error, Result};
use crate::loss::{MeanSquaredError, OutputLoss, SigmoidCrossEntropy, SoftmaxCrossEntropy};
use crate::network::Network;
use crate::scalar::Scalar;
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

const FORMAT: &str = "safetensors";

/// An output head that can be rebuilt from the names stored in a model file.
pub trait LoadableHead: OutputLoss + Sized {
    /// The [`OutputLoss::name`] every value of this type has.
    fn head_name() -> &'static str;
    /// The head with output activation `name`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] if this head cannot have that output activation.
    fn with_output_activation(name: &str) -> Result<Self>;
}

fn fixed_output<L: OutputLoss>(head: L, name: &str) -> Result<L> {
    let own = head.output_activation();
    if own == name {
        Ok(head)
    } else {
        Err(Error::InvalidConfig(format!(
            "the {} head has output activation `{own}`, not `{name}`",
            head.name()
        )))
    }
}

impl<T: Scalar> LoadableHead for SigmoidCrossEntropy<T> {
    fn head_name() -> &'static str {
        "sigmoid_cross_entropy"
    }
    fn with_output_activation(name: &str) -> Result<Self> {
        fixed_output(Self::new(), name)
    }
}
impl<T: Scalar> LoadableHead for SoftmaxCrossEntropy<T> {
    fn head_name() -> &'static str {
        "softmax_cross_entropy"
    }
    fn with_output_activation(name: &str) -> Result<Self> {
        fixed_output(Self::new(), name)
    }
}
impl<T: Scalar> LoadableHead for MeanSquaredError<T> {
    fn head_name() -> &'static str {
        "mse"
    }
    fn with_output_activation(name: &str) -> Result<Self> {
        Ok(Self::with_shared_activation(activation::from_name(name)?))
    }
}

/// The architecture recorded in a model file's metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelInfo {
    /// Layer sizes, inputs first.
    pub sizes: Vec<usize>,
    /// One activation name per hidden layer.
    pub hidden_activations: Vec<String>,
    /// The head's [`OutputLoss::name`].
    pub head: String,
    /// The head's output activation.
    pub output_activation: String,
    /// `"f32"` or `"f64"`.
    pub scalar: String,
}

impl ModelInfo {
    /// The architecture of `net`.
    pub fn of<L: OutputLoss>(net: &Network<L>) -> Self {
        ModelInfo {
            sizes: net.sizes().to_vec(),
            hidden_activations: net.hidden_activations().iter().map(|a| a.name()).collect(),
            head: net.head().name().to_string(),
            output_activation: net.head().output_activation(),
            scalar: <L::Scalar as Scalar>::NAME.to_string(),
        }
    }

    fn to_metadata(&self) -> HashMap<String, String> {
        let mut m = HashMap::new();
        m.insert("library".into(), "deepmultinet".into());
        m.insert("format_version".into(), "1".into());
        m.insert(
            "sizes".into(),
            serde_json::Value::from(self.sizes.clone()).to_string(),
        );
        m.insert(
            "hidden_activations".into(),
            serde_json::Value::from(self.hidden_activations.clone()).to_string(),
        );
        m.insert("head".into(), self.head.clone());
        m.insert("output_activation".into(), self.output_activation.clone());
        m.insert("scalar".into(), self.scalar.clone());
        m
    }

    /// Reads the architecture from metadata; `None` if the file carries none of ours.
    fn from_metadata(meta: &HashMap<String, String>, path: &Path) -> Result<Option<Self>> {
        if !meta.contains_key("sizes") && !meta.contains_key("head") {
            return Ok(None);
        }
        let bad = |key: &str, expected: &str, found: &str| {
            format_error(
                path,
                FORMAT,
                8,
                format!("metadata `{key}`: {expected}"),
                format!("`{found}`"),
            )
        };
        let get = |key: &str| {
            meta.get(key)
                .cloned()
                .ok_or_else(|| bad(key, "present", "missing"))
        };
        let sizes_s = get("sizes")?;
        let sizes: Vec<usize> = serde_json::from_str(&sizes_s)
            .map_err(|_| bad("sizes", "a JSON array of layer sizes", &sizes_s))?;
        let acts_s = get("hidden_activations")?;
        let hidden_activations: Vec<String> = serde_json::from_str(&acts_s)
            .map_err(|_| bad("hidden_activations", "a JSON array of names", &acts_s))?;
        Ok(Some(ModelInfo {
            sizes,
            hidden_activations,
            head: get("head")?,
            output_activation: get("output_activation")?,
            scalar: meta.get("scalar").cloned().unwrap_or_default(),
        }))
    }
}

fn dtype_of<T: Scalar>() -> Dtype {
    if T::NAME == "f32" {
        Dtype::F32
    } else {
        Dtype::F64
    }
}

fn push_le<T: Scalar>(out: &mut Vec<u8>, v: T) {
    if T::NAME == "f32" {
        out.extend_from_slice(&(v.as_f64() as f32).to_le_bytes());
    } else {
        out.extend_from_slice(&v.as_f64().to_le_bytes());
    }
}

/// The tensor names of layer `l`: `layers.{2l}.weight` and `layers.{2l}.bias`.
pub fn tensor_names(l: usize) -> (String, String) {
    (
        format!("layers.{}.weight", 2 * l),
        format!("layers.{}.bias", 2 * l),
    )
}

/// Serialises `net` as safetensors bytes with its architecture in the metadata.
///
/// # Errors
/// [`Error::InvalidConfig`] if the serialiser rejects the data (it does not for valid
/// networks).
pub fn to_bytes<L: OutputLoss>(net: &Network<L>) -> Result<Vec<u8>> {
    let layout = net.layout();
    let mut buffers: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
    for l in 0..layout.num_layers() {
        let (out, inp) = (layout.sizes()[l + 1], layout.sizes()[l]);
        let w = layout.weights(net.params(), l);
        let size = std::mem::size_of::<L::Scalar>();
        let mut wb = Vec::with_capacity(out * inp * size);
        for i in 0..out {
            for j in 0..inp {
                push_le(&mut wb, w[(i, j)]);
            }
        }
        let mut bb = Vec::with_capacity(out * size);
        for &b in layout.bias(net.params(), l).iter() {
            push_le(&mut bb, b);
        }
        let (wn, bn) = tensor_names(l);
        buffers.push((wn, vec![out, inp], wb));
        buffers.push((bn, vec![out], bb));
    }
    let dtype = dtype_of::<L::Scalar>();
    let mut views = Vec::with_capacity(buffers.len());
    for (name, shape, data) in &buffers {
        let v = TensorView::new(dtype, shape.clone(), data)
            .map_err(|e| Error::InvalidConfig(format!("safetensors tensor {name}: {e}")))?;
        views.push((name.clone(), v));
    }
    safetensors::serialize(views, Some(ModelInfo::of(net).to_metadata()))
        .map_err(|e| Error::InvalidConfig(format!("safetensors serialisation: {e}")))
}

/// Saves `net` to `path` as safetensors (see the module docs for the layout).
///
/// # Errors
/// [`Error::Io`] if the file cannot be written.
pub fn save<L: OutputLoss>(net: &Network<L>, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    let bytes = to_bytes(net)?;
    std::fs::write(path, bytes).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn open<'a>(bytes: &'a [u8], path: &Path) -> Result<(SafeTensors<'a>, Option<ModelInfo>)> {
    let bad = |e: safetensors::SafeTensorError| {
        format_error(path, FORMAT, 0, "a valid safetensors file", e)
    };
    let (_, meta) = SafeTensors::read_metadata(bytes).map_err(bad)?;
    let info = match meta.metadata() {
        Some(m) => ModelInfo::from_metadata(m, path)?,
        None => None,
    };
    let st = SafeTensors::deserialize(bytes).map_err(bad)?;
    Ok((st, info))
}

/// The architecture stored in safetensors bytes, `None` for a file without our metadata.
///
/// # Errors
/// [`Error::Format`] if the bytes are not a valid safetensors file or the metadata is
/// malformed.
pub fn info_from_bytes(bytes: &[u8], path: &Path) -> Result<Option<ModelInfo>> {
    Ok(open(bytes, path)?.1)
}

/// The architecture stored in a model file, `None` for a file without our metadata.
///
/// # Errors
/// [`Error::Io`] if the file cannot be read; as [`info_from_bytes`] otherwise.
pub fn read_info(path: impl AsRef<Path>) -> Result<Option<ModelInfo>> {
    let path = path.as_ref();
    info_from_bytes(&source::read_file(path)?, path)
}

/// The dtype of the first weight tensor (`"f32"`, `"f64"`, or the safetensors name of
/// another dtype), for choosing a scalar when a file has no metadata.
///
/// # Errors
/// [`Error::Format`] if the bytes are not a valid safetensors file or hold no tensors.
pub fn weight_dtype(bytes: &[u8], path: &Path) -> Result<String> {
    let (st, _) = open(bytes, path)?;
    let mut names = st.names();
    names.sort();
    let first = names
        .first()
        .ok_or_else(|| format_error(path, FORMAT, 8, "at least one tensor", "none"))?;
    let t = st
        .tensor(first)
        .map_err(|e| format_error(path, FORMAT, 8, "readable tensors", e))?;
    Ok(match t.dtype() {
        Dtype::F32 => "f32".into(),
        Dtype::F64 => "f64".into(),
        other => format!("{other:?}"),
    })
}

/// Splits `name` into (index, is_weight) for names `<prefix><index>.weight|bias`.
fn layer_key(name: &str) -> Option<(usize, bool)> {
    let (stem, is_weight) = if let Some(s) = name.strip_suffix(".weight") {
        (s, true)
    } else {
        (name.strip_suffix(".bias")?, false)
    };
    let digits = stem.len() - stem.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 {
        return None;
    }
    let index = stem[stem.len() - digits..].parse().ok()?;
    Some((index, is_weight))
}

fn values<T: Scalar>(t: &TensorView<'_>, name: &str, path: &Path) -> Result<Vec<T>> {
    let data = t.data();
    let n: usize = t.shape().iter().product();
    let out: Option<Vec<T>> = match t.dtype() {
        Dtype::F32 if data.len() == n * 4 => Some(
            data.chunks_exact(4)
                .map(|c| T::of(f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]]))))
                .collect(),
        ),
        Dtype::F64 if data.len() == n * 8 => Some(
            data.chunks_exact(8)
                .map(|c| {
                    let mut b = [0u8; 8];
                    b.copy_from_slice(c);
                    T::of(f64::from_le_bytes(b))
                })
                .collect(),
        ),
        _ => None,
    };
    out.ok_or_else(|| {
        format_error(
            path,
            FORMAT,
            8,
            format!("tensor `{name}` as F32 or F64 with {n} values"),
            format!("{:?} with {} bytes", t.dtype(), data.len()),
        )
    })
}

/// Reads θ for `sizes` from the tensors, checking names, count and shapes.
fn theta_from_tensors<T: Scalar>(
    st: &SafeTensors<'_>,
    sizes: &[usize],
    path: &Path,
) -> Result<Vec<T>> {
    let layers = sizes.len().saturating_sub(1);
    // (index, weight name, bias name)
    let mut weights: Vec<(usize, String)> = Vec::new();
    let mut biases: Vec<(usize, String)> = Vec::new();
    for name in st.names() {
        match layer_key(name) {
            Some((i, true)) => weights.push((i, name.to_string())),
            Some((i, false)) => biases.push((i, name.to_string())),
            None => {
                return Err(format_error(
                    path,
                    FORMAT,
                    8,
                    "only Linear layer tensors named `<prefix><index>.weight` / `.bias`",
                    format!("tensor `{name}`"),
                ));
            }
        }
    }
    weights.sort();
    biases.sort();
    let w_idx: Vec<usize> = weights.iter().map(|w| w.0).collect();
    let b_idx: Vec<usize> = biases.iter().map(|b| b.0).collect();
    if weights.len() != layers || w_idx != b_idx {
        return Err(format_error(
            path,
            FORMAT,
            8,
            format!("{layers} weight/bias pair(s) for sizes {sizes:?}"),
            format!("weights at indices {w_idx:?}, biases at indices {b_idx:?}"),
        ));
    }
    // Check every tensor (shapes are bounded by the file's size) before allocating θ.
    let mut layers_data: Vec<(Vec<T>, Vec<T>)> = Vec::with_capacity(layers);
    for (l, ((_, wn), (_, bn))) in weights.iter().zip(&biases).enumerate() {
        let (out, inp) = (sizes[l + 1], sizes[l]);
        let get = |name: &str| {
            st.tensor(name)
                .map_err(|e| format_error(path, FORMAT, 8, format!("tensor `{name}`"), e))
        };
        let (wt, bt) = (get(wn)?, get(bn)?);
        let shape_err = |name: &str, expected: String, found: &[usize]| {
            format_error(
                path,
                FORMAT,
                8,
                format!("tensor `{name}` of shape {expected} (layer {l} of sizes {sizes:?})"),
                format!("shape {found:?}"),
            )
        };
        if wt.shape() != [out, inp] {
            return Err(shape_err(wn, format!("[{out}, {inp}]"), wt.shape()));
        }
        if bt.shape() != [out] {
            return Err(shape_err(bn, format!("[{out}]"), bt.shape()));
        }
        layers_data.push((values(&wt, wn, path)?, values(&bt, bn, path)?));
    }
    let layout = crate::layout::Layout::new(sizes)?;
    let mut theta = vec![T::zero(); layout.num_params()];
    for (l, (w, b)) in layers_data.iter().enumerate() {
        let (out, inp) = (sizes[l + 1], sizes[l]);
        theta[layout.bias_range(l)].copy_from_slice(b);
        let mut wv = layout.weights_mut(&mut theta, l);
        for i in 0..out {
            for j in 0..inp {
                wv[(i, j)] = w[i * inp + j];
            }
        }
    }
    Ok(theta)
}

/// Rebuilds a network from safetensors bytes carrying our metadata; `path` names the source
/// in errors.
///
/// # Errors
/// [`Error::Format`] if the bytes are not valid safetensors, carry no architecture metadata
/// (use [`load_into`] then), record a head other than `L`'s, or hold tensors whose names or
/// shapes disagree with the metadata; [`Error::InvalidConfig`] for an unknown activation.
pub fn from_bytes<L: LoadableHead>(bytes: &[u8], path: &Path) -> Result<Network<L>> {
    let (st, info) = open(bytes, path)?;
    let info = info.ok_or_else(|| {
        format_error(
            path,
            FORMAT,
            8,
            "architecture metadata (sizes, activations, head); for a file without it, build \
             the network and use io::load_into",
            "no deepmultinet metadata",
        )
    })?;
    if info.head != L::head_name() {
        return Err(format_error(
            path,
            FORMAT,
            8,
            format!(
                "a model with head `{}` (the type requested)",
                L::head_name()
            ),
            format!("head `{}`", info.head),
        ));
    }
    let head = L::with_output_activation(&info.output_activation)?;
    let hidden = info
        .hidden_activations
        .iter()
        .map(|n| activation::from_name::<L::Scalar>(n))
        .collect::<Result<Vec<Arc<dyn Activation<L::Scalar>>>>>()?;
    let theta = theta_from_tensors::<L::Scalar>(&st, &info.sizes, path)?;
    Network::from_parts(&info.sizes, hidden, head, theta)
}

/// Loads a model file saved by [`save`] as a `Network<L>`.
///
/// # Errors
/// [`Error::Io`] if the file cannot be read; as [`from_bytes`] otherwise.
pub fn load<L: LoadableHead>(path: impl AsRef<Path>) -> Result<Network<L>> {
    let path = path.as_ref();
    from_bytes(&source::read_file(path)?, path)
}

/// Loads the weights of safetensors bytes into `net`, whose architecture the caller built (for
/// files without metadata, such as PyTorch's). If the bytes do carry our metadata it must agree
/// with `net`. `net` is unchanged on error.
///
/// # Errors
/// [`Error::Format`] if the bytes are not valid safetensors, the metadata disagrees with
/// `net`, or the tensors' names or shapes do not fit `net`'s sizes.
pub fn from_bytes_into<L: OutputLoss>(
    net: &mut Network<L>,
    bytes: &[u8],
    path: &Path,
) -> Result<()> {
    let (st, info) = open(bytes, path)?;
    if let Some(info) = info {
        let mine = ModelInfo::of(net);
        let same = info.sizes == mine.sizes
            && info.hidden_activations == mine.hidden_activations
            && info.head == mine.head
            && info.output_activation == mine.output_activation;
        if !same {
            return Err(format_error(
                path,
                FORMAT,
                8,
                format!(
                    "the given network's architecture: sizes {:?}, hidden {:?}, head {} ({})",
                    mine.sizes, mine.hidden_activations, mine.head, mine.output_activation
                ),
                format!(
                    "sizes {:?}, hidden {:?}, head {} ({})",
                    info.sizes, info.hidden_activations, info.head, info.output_activation
                ),
            ));
        }
    }
    let theta = theta_from_tensors::<L::Scalar>(&st, net.sizes(), path)?;
    net.set_params(&theta)
}

/// Loads a model file's weights into `net` (see [`from_bytes_into`]).
///
/// # Errors
/// [`Error::Io`] if the file cannot be read; as [`from_bytes_into`] otherwise.
pub fn load_into<L: OutputLoss>(net: &mut Network<L>, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    from_bytes_into(net, &source::read_file(path)?, path)
}

/// θ from the MAT variables `Theta1`, `Theta2`, ..., `ThetaL` (each `s_{l+1} × (s_l + 1)`,
/// column 0 the bias): exactly `[Theta1(:); Theta2(:); ...]`, with the sizes they imply.
///
/// # Errors
/// [`Error::Format`] if `Theta1` is missing, a matrix is not numeric, or consecutive
/// matrices do not chain (`Theta_{l+1}` must have `rows(Theta_l) + 1` columns).
pub fn thetas_from_mat<T: Scalar>(mat: &MatFile) -> Result<(Vec<usize>, Vec<T>)> {
    let mut sizes = Vec::new();
    let mut theta = Vec::new();
    let mut l = 1;
    while l == 1 || mat.get(&format!("Theta{l}")).is_some() {
        let name = format!("Theta{l}");
        let m = mat.matrix::<T>(&name)?;
        let offset = mat.get(&name).map_or(0, |v| v.offset);
        if m.ncols() < 2 || m.nrows() == 0 {
            return Err(Error::Format {
                path: mat_path(mat),
                format: "MAT",
                offset,
                expected: format!("`{name}` with at least 1 row and 2 columns (bias + weights)"),
                found: format!("{} × {}", m.nrows(), m.ncols()),
            });
        }
        if let Some(&prev) = sizes.last()
            && m.ncols() != prev + 1
        {
            return Err(Error::Format {
                path: mat_path(mat),
                format: "MAT",
                offset,
                expected: format!(
                    "`{name}` with {} columns (1 + rows of Theta{})",
                    prev + 1,
                    l - 1
                ),
                found: format!("{} × {}", m.nrows(), m.ncols()),
            });
        }
        if sizes.is_empty() {
            sizes.push(m.ncols() - 1);
        }
        sizes.push(m.nrows());
        theta.extend(m.iter().copied());
        l += 1;
    }
    Ok((sizes, theta))
}

fn mat_path(mat: &MatFile) -> std::path::PathBuf {
    mat.path().to_path_buf()
}

/// A network from the course's MAT weights (`Theta1`, `Theta2`, ...), every hidden layer using
/// `hidden`, with head `head`: `from_mat(path, Arc::new(Sigmoid), SigmoidCrossEntropy::new())`
/// is the course's network, predicting as it does in Octave (output unit `k` is MATLAB label
/// `k + 1`).
///
/// # Errors
/// [`Error::Io`] / [`Error::Format`] as [`MatFile::read`] and [`thetas_from_mat`].
pub fn from_mat<L: OutputLoss>(
    path: impl AsRef<Path>,
    hidden: Arc<dyn Activation<L::Scalar>>,
    head: L,
) -> Result<Network<L>> {
    let mat = MatFile::read(path)?;
    let (sizes, theta) = thetas_from_mat::<L::Scalar>(&mat)?;
    let acts = vec![hidden; sizes.len().saturating_sub(2)];
    Network::from_parts(&sizes, acts, head, theta)
}

/// Copies `Theta1`, `Theta2`, ... from a MAT-file into `net`, whose sizes must match.
/// `net` is unchanged on error.
///
/// # Errors
/// As [`thetas_from_mat`]; [`Error::ShapeMismatch`] if the sizes differ from `net`'s.
pub fn import_mat_into<L: OutputLoss>(net: &mut Network<L>, path: impl AsRef<Path>) -> Result<()> {
    let mat = MatFile::read(path)?;
    let (sizes, theta) = thetas_from_mat::<L::Scalar>(&mat)?;
    if sizes != net.sizes() {
        return Err(Error::shape(
            format!(
                "layer sizes implied by the Theta matrices of {}",
                mat.path().display()
            ),
            format!("{:?}", net.sizes()),
            format!("{sizes:?}"),
        ));
    }
    net.set_params(&theta)
}
