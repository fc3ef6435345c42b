//! The tensors of a model file: their names (`layers.{2l}.weight` / `.bias`), the row-major
//! transposition of each column-major `W_l`, and the dtype (the network's scalar on write;
//! `F32` or `F64`, converted, on read).

use super::metadata::ModelInfo;
use super::offsets::{HEADER, Offsets};
use crate::data::excerpt;
use crate::data::source::format_error;
use crate::error::{Error, Result};
use crate::loss::OutputLoss;
use crate::network::Network;
use crate::scalar::Scalar;
use safetensors::tensor::{Dtype, Metadata, SafeTensors, TensorView};
use std::collections::HashMap;
use std::path::Path;

/// The format name in [`Error::Format`].
pub(super) const FORMAT: &str = "safetensors";

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
pub(crate) fn tensor_names(l: usize) -> (String, String) {
    (
        format!("layers.{}.weight", 2 * l),
        format!("layers.{}.bias", 2 * l),
    )
}

/// `net`'s weights and biases as safetensors bytes, with `metadata`.
///
/// # Errors
/// [`Error::InvalidConfig`] if the serialiser rejects the data.
pub(super) fn serialize<L: OutputLoss>(
    net: &Network<L>,
    metadata: HashMap<String, String>,
) -> Result<Vec<u8>> {
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
    safetensors::serialize(views, Some(metadata))
        .map_err(|e| Error::InvalidConfig(format!("safetensors serialisation: {e}")))
}

/// A safetensors file whose header the `safetensors` crate has checked: its tensors, where
/// things are in it, and our metadata if it carries it.
pub(super) struct Opened<'a> {
    pub(super) tensors: SafeTensors<'a>,
    pub(super) info: Option<ModelInfo>,
    pub(super) at: Offsets<'a>,
    meta: Metadata,
}

impl Opened<'_> {
    /// Offset of the data of tensor `name`.
    fn data_offset(&self, name: &str) -> u64 {
        let start = self.meta.info(name).map_or(0, |i| i.data_offsets.0 as u64);
        self.at.data().saturating_add(start)
    }
}

/// Opens the safetensors file `bytes`.
pub(super) fn open<'a>(bytes: &'a [u8], path: &Path) -> Result<Opened<'a>> {
    let at = Offsets::new(bytes);
    let (_, meta) = SafeTensors::read_metadata(bytes).map_err(|e| at.crate_error(path, e))?;
    let info = match meta.metadata() {
        Some(m) => ModelInfo::from_metadata(m, path, &at)?,
        None => None,
    };
    let tensors = SafeTensors::deserialize(bytes).map_err(|e| at.crate_error(path, e))?;
    Ok(Opened {
        tensors,
        info,
        at,
        meta,
    })
}

/// The dtype of the first tensor by name: `"f32"`, `"f64"`, or the safetensors name of
/// another dtype.
pub(super) fn first_dtype(file: &Opened<'_>, path: &Path) -> Result<String> {
    let mut names = file.tensors.names();
    names.sort();
    let first = names
        .first()
        .ok_or_else(|| format_error(path, FORMAT, HEADER, "at least one tensor", "none"))?;
    let t = file
        .tensors
        .tensor(first)
        .map_err(|e| file.at.crate_error(path, e))?;
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

/// Decodes one little-endian value of a float dtype.
type Decode = fn(&[u8]) -> f64;

fn decode_f32(c: &[u8]) -> f64 {
    f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
}

fn decode_f64(c: &[u8]) -> f64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(c);
    f64::from_le_bytes(b)
}

/// The values of tensor `name` converted to `T`, every one finite.
fn values<T: Scalar>(
    file: &Opened<'_>,
    t: &TensorView<'_>,
    name: &str,
    path: &Path,
) -> Result<Vec<T>> {
    let data = t.data();
    let start = file.data_offset(name);
    let n = t
        .shape()
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d));
    let (size, decode): (usize, Decode) = match t.dtype() {
        Dtype::F32 => (4, decode_f32),
        Dtype::F64 => (8, decode_f64),
        _ => (0, decode_f64),
    };
    if size == 0 || n.and_then(|n| n.checked_mul(size)) != Some(data.len()) {
        return Err(format_error(
            path,
            FORMAT,
            start,
            format!(
                "tensor {} as F32 or F64 with {} values",
                excerpt::quote(name),
                n.map_or("too many".into(), |n| n.to_string())
            ),
            format!("{:?} with {} bytes", t.dtype(), data.len()),
        ));
    }
    let mut out = Vec::new();
    out.try_reserve_exact(data.len() / size)
        .map_err(|e| crate::data::source::out_of_memory(path, e))?;
    for (i, c) in data.chunks_exact(size).enumerate() {
        let x = decode(c);
        let v = T::of(x);
        if !v.as_f64().is_finite() {
            let what = if x.is_finite() {
                format!("{x:?}, beyond {}'s range,", T::NAME)
            } else {
                format!("{x:?}")
            };
            return Err(format_error(
                path,
                FORMAT,
                start.saturating_add((i * size) as u64),
                format!(
                    "finite parameters in {} (a model with NaN or infinite parameters is not \
                     loaded)",
                    T::NAME
                ),
                format!("{what} at index {i} of tensor {}", excerpt::quote(name)),
            ));
        }
        out.push(v);
    }
    Ok(out)
}

/// Reads θ for `sizes` from the tensors, checking names, count, shapes and values.
pub(super) fn theta_from_tensors<T: Scalar>(
    file: &Opened<'_>,
    sizes: &[usize],
    path: &Path,
) -> Result<Vec<T>> {
    let st = &file.tensors;
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
                    file.at.key(name),
                    "only Linear layer tensors named `<prefix><index>.weight` / `.bias`",
                    format!("tensor {}", excerpt::quote(name)),
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
            HEADER,
            format!(
                "{layers} weight/bias pair(s) for sizes {}",
                excerpt::list(sizes)
            ),
            format!(
                "weights at indices {}, biases at indices {}",
                excerpt::list(&w_idx),
                excerpt::list(&b_idx)
            ),
        ));
    }
    // Check every tensor (shapes are bounded by the file's size) before allocating θ.
    let mut layers_data: Vec<(Vec<T>, Vec<T>)> = Vec::with_capacity(layers);
    for (l, ((_, wn), (_, bn))) in weights.iter().zip(&biases).enumerate() {
        let (out, inp) = (sizes[l + 1], sizes[l]);
        let get = |name: &str| st.tensor(name).map_err(|e| file.at.crate_error(path, e));
        let (wt, bt) = (get(wn)?, get(bn)?);
        let shape_err = |name: &str, expected: String, found: &[usize]| {
            format_error(
                path,
                FORMAT,
                file.at.key(name),
                format!(
                    "tensor {} of shape {expected} (layer {l} of sizes {})",
                    excerpt::quote(name),
                    excerpt::list(sizes)
                ),
                format!("shape {}", excerpt::list(found)),
            )
        };
        if wt.shape() != [out, inp] {
            return Err(shape_err(wn, format!("[{out}, {inp}]"), wt.shape()));
        }
        if bt.shape() != [out] {
            return Err(shape_err(bn, format!("[{out}]"), bt.shape()));
        }
        layers_data.push((values(file, &wt, wn, path)?, values(file, &bt, bn, path)?));
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
