//! The tensors of a model file: their names (`layers.{2l}.weight` / `.bias`), the row-major
//! transposition of each column-major `W_l`, and the dtype (the network's scalar on write;
//! `F32` or `F64`, converted, on read).

use super::metadata::ModelInfo;
use crate::data::source::format_error;
use crate::error::{Error, Result};
use crate::loss::OutputLoss;
use crate::network::Network;
use crate::scalar::Scalar;
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
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

/// The tensors of `bytes` and our metadata, if the file carries it.
pub(super) fn open<'a>(
    bytes: &'a [u8],
    path: &Path,
) -> Result<(SafeTensors<'a>, Option<ModelInfo>)> {
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

/// The dtype of the first tensor by name: `"f32"`, `"f64"`, or the safetensors name of
/// another dtype.
pub(super) fn first_dtype(st: &SafeTensors<'_>, path: &Path) -> Result<String> {
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
pub(super) fn theta_from_tensors<T: Scalar>(
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
