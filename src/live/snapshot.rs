//! The numbers behind the panels, computed from the public API only (`Network::forward`,
//! `Workspace::activations`, `Network::weights`, `inspect::{histogram, normalise}`,
//! `metrics::ConfusionMatrix`), one small function per panel so each can be replaced by the
//! `inspect` function that computes the same numbers for the PNG dashboard.
//!
//! Definitions (the PNG dashboard uses the same):
//! * **network activity**: columns for the input, every hidden layer and the output. The
//!   input shows its `max_inputs` largest values (the most active pixels), a hidden layer its
//!   `max_units` units of largest |activation| when it is wider (marked as elided), the output
//!   every class up to `max_units.max(classes ≤ 20)`; within a column units keep their index
//!   order. A connection between shown units `i → j` of weight layer `l` has the strength of
//!   its signal `|W_l[j, i] · a_i|`; connections of strength 0 are left out.
//! * **layer summary**: mean and max activation over the units of each hidden layer and the
//!   output layer, for this one sample.
//! * **weights into the predicted unit**: row `predicted` of the last weight matrix, biases
//!   excluded, in `bins` equal-width bins (`inspect::histogram`).
//! * **hidden units as images**: row `j` of `W_0` as an image, divided by its largest
//!   magnitude (`inspect::normalise` with `PerTile` and `Diverging`), as signed bytes.

use crate::data::ImageShape;
use crate::error::{Error, Result};
use crate::inspect::{self, ColorMap, Histogram, Image, Scaling};
use crate::layout::Layout;
use crate::loss::OutputLoss;
use crate::network::{Network, Workspace, argmax};
use crate::scalar::Scalar;
use nalgebra::DMatrixView;

/// One sample's forward pass, as `f64`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Pass {
    /// The sample's features.
    pub(crate) input: Vec<f64>,
    /// `A_1 … A_L`: every hidden layer's activations, then the outputs.
    pub(crate) layers: Vec<Vec<f64>>,
    /// The largest output.
    pub(crate) predicted: usize,
}

impl Pass {
    /// The outputs (class probabilities for the cross-entropy heads).
    pub(crate) fn outputs(&self) -> &[f64] {
        self.layers.last().map_or(&[], Vec::as_slice)
    }
    /// The winning output's value.
    pub(crate) fn confidence(&self) -> f64 {
        self.outputs()
            .get(self.predicted)
            .copied()
            .unwrap_or(f64::NAN)
    }
}

/// Runs the one sample `x` (`inputs × 1`) through `net` in `ws`.
///
/// # Errors
/// As [`Network::forward`].
pub(crate) fn forward_one<L: OutputLoss>(
    net: &Network<L>,
    ws: &mut Workspace<L::Scalar>,
    x: DMatrixView<'_, L::Scalar>,
) -> Result<Pass> {
    net.forward(ws, x)?;
    let mut layers = Vec::with_capacity(net.num_layers());
    for l in 0..net.num_layers() {
        let a = ws.activations(l).ok_or(Error::IndexOutOfRange {
            what: "layer",
            index: l,
            len: net.num_layers(),
        })?;
        layers.push(a.iter().map(|v| v.as_f64()).collect::<Vec<f64>>());
    }
    let outputs = layers.last().map_or(&[][..], Vec::as_slice);
    Ok(Pass {
        input: x.iter().map(|v| v.as_f64()).collect(),
        predicted: argmax(outputs),
        layers,
    })
}

/// One column of the activity diagram.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Column {
    /// Units in the layer.
    pub(crate) units: usize,
    /// The shown units' indices, increasing.
    pub(crate) shown: Vec<usize>,
    /// Their activations.
    pub(crate) values: Vec<f64>,
    /// The largest |activation| in the whole layer (what shading is relative to).
    pub(crate) max_abs: f64,
}

impl Column {
    /// Whether units were left out.
    pub(crate) fn elided(&self) -> bool {
        self.shown.len() < self.units
    }
}

/// A connection between shown units of neighbouring columns.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Edge {
    /// The column it leaves (its weight layer).
    pub(crate) layer: usize,
    /// Position of the source in that column's `shown`.
    pub(crate) from: usize,
    /// Position of the target in the next column's `shown`.
    pub(crate) to: usize,
    /// `|w · a|`.
    pub(crate) strength: f64,
}

/// The network-activity diagram's numbers.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Activity {
    /// Input, hidden layers, output.
    pub(crate) columns: Vec<Column>,
    /// Connections by the strength of their signal.
    pub(crate) edges: Vec<Edge>,
}

/// The `k` indices of `values` with the largest |value| (ties to the lower index), in
/// increasing order.
pub(crate) fn top_k(values: &[f64], k: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..values.len()).collect();
    if k < values.len() {
        let key = |i: &usize| -values[*i].abs();
        idx.sort_by(|a, b| key(a).total_cmp(&key(b)).then(a.cmp(b)));
        idx.truncate(k);
        idx.sort_unstable();
    }
    idx
}

fn column(values: &[f64], k: usize) -> Column {
    let shown = top_k(values, k);
    Column {
        units: values.len(),
        values: shown.iter().map(|&i| values[i]).collect(),
        shown,
        max_abs: values
            .iter()
            .filter(|v| v.is_finite())
            .fold(0.0, |m, v| m.max(v.abs())),
    }
}

/// The activity diagram of `pass` through `net` (see the module docs).
///
/// # Errors
/// [`Error::ShapeMismatch`] if `pass` does not come from a network of `net`'s sizes.
pub(crate) fn network_activity<L: OutputLoss>(
    net: &Network<L>,
    pass: &Pass,
    max_inputs: usize,
    max_units: usize,
) -> Result<Activity> {
    let sizes = net.sizes();
    let got: Vec<usize> = std::iter::once(pass.input.len())
        .chain(pass.layers.iter().map(Vec::len))
        .collect();
    if got != sizes {
        return Err(Error::shape(
            "network activity: layer sizes of the pass",
            format!("{sizes:?}"),
            format!("{got:?}"),
        ));
    }
    let nl = net.num_layers();
    let mut columns = Vec::with_capacity(nl + 1);
    columns.push(column(&pass.input, max_inputs));
    for (l, a) in pass.layers.iter().enumerate() {
        let k = if l + 1 == nl {
            max_units.max(a.len().min(20))
        } else {
            max_units
        };
        columns.push(column(a, k));
    }
    let mut edges = Vec::new();
    for l in 0..nl {
        let w = net.weights(l)?;
        let (src, dst) = (&columns[l], &columns[l + 1]);
        for (from, (&i, &a)) in src.shown.iter().zip(&src.values).enumerate() {
            for (to, &j) in dst.shown.iter().enumerate() {
                let strength = (w[(j, i)].as_f64() * a).abs();
                if strength > 0.0 && strength.is_finite() {
                    edges.push(Edge {
                        layer: l,
                        from,
                        to,
                        strength,
                    });
                }
            }
        }
    }
    Ok(Activity { columns, edges })
}

/// Mean and max activation of every hidden layer and the output layer.
pub(crate) fn layer_summary(pass: &Pass) -> Vec<(f64, f64)> {
    pass.layers
        .iter()
        .map(|a| {
            let mean = a.iter().sum::<f64>() / a.len().max(1) as f64;
            let max = a.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            (mean, max)
        })
        .collect()
}

/// Histogram of the weights into output unit `class` (row `class` of the last `W`).
///
/// # Errors
/// [`Error::IndexOutOfRange`] for a class past the outputs; as [`inspect::histogram`].
pub(crate) fn weights_into<L: OutputLoss>(
    net: &Network<L>,
    class: usize,
    bins: usize,
) -> Result<Histogram> {
    let last = net.num_layers() - 1;
    let w = net.weights(last)?;
    if class >= w.nrows() {
        return Err(Error::IndexOutOfRange {
            what: "class",
            index: class,
            len: w.nrows(),
        });
    }
    inspect::histogram(w.row(class).iter().map(|v| v.as_f64()), bins, last)
}

/// The first `max` first-layer units of θ as images of `shape`, each divided by its own
/// largest magnitude, as signed bytes (`round(127 v)`), unit after unit, row by row.
///
/// # Errors
/// [`Error::ShapeMismatch`] if `shape` does not have one pixel per input.
pub(crate) fn hidden_units<T: Scalar>(
    layout: &Layout,
    params: &[T],
    shape: ImageShape,
    max: usize,
) -> Result<(usize, Vec<u8>)> {
    layout.check_params(params.len())?;
    shape.check(layout.inputs(), "live dashboard: hidden units")?;
    let w = layout.weights(params, 0);
    let n = w.nrows().min(max);
    let mut row = Vec::with_capacity(w.ncols());
    let mut images = Vec::with_capacity(n);
    for j in 0..n {
        row.clear();
        row.extend(w.row(j).iter().copied());
        images.push(Image::from_vector(&row, shape)?);
    }
    let scaled = inspect::normalise(&images, Scaling::PerTile, ColorMap::Diverging);
    let bytes = scaled
        .iter()
        .flat_map(|im| im.pixels().iter())
        .map(|&v| {
            let v = if v.is_finite() { v } else { 0.0 };
            ((v * 127.0).round() as i8) as u8
        })
        .collect();
    Ok((n, bytes))
}

/// A sample as a grey image (its own `[min, max]` to `0..=255`), row by row.
///
/// # Errors
/// [`Error::ShapeMismatch`] if `shape` does not fit the sample.
pub(crate) fn grey_image(values: &[f64], shape: ImageShape) -> Result<Vec<u8>> {
    let img = Image::from_vector(values, shape)?;
    let scaled = inspect::normalise(&[img], Scaling::PerTile, ColorMap::Grey);
    Ok(scaled
        .iter()
        .flat_map(|im| im.pixels().iter())
        .map(|&v| (v.clamp(0.0, 1.0) * 255.0).round() as u8)
        .collect())
}

/// The picture shape of `inputs` values: `wanted` if it fits, else a square if `inputs` is
/// a perfect square (row-major, as the IDX files), else none.
pub(crate) fn image_shape(wanted: Option<ImageShape>, inputs: usize) -> Option<ImageShape> {
    match wanted {
        Some(s) if s.pixels() == inputs => Some(s),
        Some(_) => None,
        None => ImageShape::square(inputs, crate::data::PixelOrder::RowMajor).ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::Relu;
    use crate::loss::SoftmaxCrossEntropy;
    use nalgebra::DMatrix;

    fn net() -> Network<SoftmaxCrossEntropy<f64>> {
        // 4 inputs → 3 ReLU → 2 outputs with hand-set weights.
        let mut n = Network::with_sizes(&[4, 3, 2], Relu, SoftmaxCrossEntropy::new()).unwrap();
        let w0 = [1.0, 0.0, -1.0, 0.5, 2.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0];
        for (k, v) in w0.iter().enumerate() {
            n.weights_mut(0).unwrap()[(k / 4, k % 4)] = *v;
        }
        let w1 = [1.0, -1.0, 0.5, -2.0, 2.0, 0.0];
        for (k, v) in w1.iter().enumerate() {
            n.weights_mut(1).unwrap()[(k / 3, k % 3)] = *v;
        }
        n
    }

    #[test]
    fn a_pass_and_its_activity() {
        let net = net();
        let x = DMatrix::from_column_slice(4, 1, &[1.0, 0.0, 0.5, 0.25]);
        let mut ws = net.workspace(1);
        let pass = forward_one(&net, &mut ws, x.as_view()).unwrap();
        // z = W0 x = [1 − 0.5 + 0.125, 2, 1.75] (bias 0), all positive.
        assert_eq!(pass.layers[0], vec![0.625, 2.0, 1.75]);
        assert_eq!(pass.layers[1].len(), 2);
        assert!((pass.outputs().iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert_eq!(pass.predicted, argmax(pass.outputs()));
        let act = network_activity(&net, &pass, 2, 2).unwrap();
        // Input: the two largest pixels, in index order; hidden: units 1 and 2.
        assert_eq!(act.columns[0].shown, vec![0, 2]);
        assert_eq!(act.columns[1].shown, vec![1, 2]);
        assert!(act.columns[1].elided() && !act.columns[2].elided());
        assert_eq!(act.columns[1].max_abs, 2.0);
        // Input 0 (a = 1) → hidden 1: |W0[1,0] · 1| = 2; input 2 → hidden 1: w = 0, left out.
        let e = act
            .edges
            .iter()
            .find(|e| e.layer == 0 && e.from == 0 && e.to == 0);
        assert_eq!(e.map(|e| e.strength), Some(2.0));
        assert!(
            !act.edges
                .iter()
                .any(|e| e.layer == 0 && e.from == 1 && e.to == 0)
        );
        // Hidden 2 (a = 1.75) → output 0: |0.5 · 1.75|.
        let e = act
            .edges
            .iter()
            .find(|e| e.layer == 1 && e.from == 1 && e.to == 0);
        assert_eq!(e.map(|e| e.strength), Some(0.875));
        let s = layer_summary(&pass);
        assert!((s[0].0 - 4.375 / 3.0).abs() < 1e-12 && s[0].1 == 2.0);
    }

    #[test]
    fn histograms_images_and_shapes() {
        let net = net();
        let h = weights_into(&net, 1, 4).unwrap();
        assert_eq!(h.total(), 3);
        assert_eq!(h.edges.first(), Some(&-2.0));
        assert!(weights_into(&net, 2, 4).is_err());
        let (n, bytes) =
            hidden_units(net.layout(), net.params(), ImageShape::row_major(2, 2), 2).unwrap();
        assert_eq!((n, bytes.len()), (2, 8));
        // Unit 0 = [1, 0, -1, 0.5] / 1 → [127, 0, -127, 64] as bytes.
        assert_eq!(&bytes[..4], &[127, 0, 129, 64]);
        assert!(hidden_units(net.layout(), net.params(), ImageShape::row_major(3, 1), 2).is_err());
        assert_eq!(
            grey_image(&[0.0, 1.0, 0.5, 0.5], ImageShape::row_major(2, 2)).unwrap(),
            vec![0, 255, 128, 128]
        );
        assert_eq!(image_shape(None, 784), Some(ImageShape::row_major(28, 28)));
        assert_eq!(image_shape(None, 10), None);
        assert_eq!(
            image_shape(Some(ImageShape::column_major(2, 5)), 10),
            Some(ImageShape::column_major(2, 5))
        );
        assert_eq!(top_k(&[0.1, -3.0, 2.0, 2.0], 2), vec![1, 2]);
        assert_eq!(top_k(&[1.0], 5), vec![0]);
    }
}
