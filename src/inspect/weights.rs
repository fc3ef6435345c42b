//! Weights seen from one unit: the hidden→output weights of a class laid out like the hidden
//! layer, the first layer's filters masked by one input, and the histogram of the weights
//! into a unit.

use super::health::{Histogram, histogram};
use super::image::Image;
use super::single_input::layer_values;
use crate::data::ImageShape;
use crate::error::Result;
use crate::loss::OutputLoss;
use crate::network::Network;
use crate::scalar::Scalar;
use nalgebra::DMatrixView;

/// The weights from the last hidden layer into one output unit.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassWeights {
    /// The output unit (class).
    pub class: usize,
    /// `W_last[class, j]` for every unit `j` of the last hidden layer (of the input when the
    /// network has no hidden layer).
    pub weights: Vec<f64>,
    /// The unit's bias.
    pub bias: f64,
    /// `weights` laid out row by row in a near-square grid, unit 0 top left
    /// ([`Image::grid_of`]: 5×5 for 25 units, padding `NaN`).
    pub grid: Image,
}

/// The hidden→output weights of output unit `class` (see [`ClassWeights`]).
///
/// ```
/// use deepmultinet::prelude::*;
/// use deepmultinet::inspect::class_weights;
/// let mut net = Network::with_sizes(&[2, 4, 3], Sigmoid, SoftmaxCrossEntropy::<f64>::new())?;
/// net.weights_mut(1)?[(2, 3)] = 0.5; // hidden unit 3 → class 2
/// let cw = class_weights(&net, 2)?;
/// assert_eq!(cw.weights, [0.0, 0.0, 0.0, 0.5]);
/// assert_eq!((cw.grid.height(), cw.grid.width()), (2, 2));
/// assert_eq!(cw.grid.get(1, 1), Some(0.5));
/// # Ok::<(), deepmultinet::Error>(())
/// ```
///
/// # Errors
/// [`Error::IndexOutOfRange`](crate::Error::IndexOutOfRange) if `class ≥ outputs()`.
pub fn class_weights<L: OutputLoss>(net: &Network<L>, class: usize) -> Result<ClassWeights> {
    crate::check::index("class", class, net.outputs())?;
    let l = net.num_layers() - 1;
    let weights: Vec<f64> = net
        .weights(l)?
        .row(class)
        .iter()
        .map(|v| v.as_f64())
        .collect();
    Ok(ClassWeights {
        class,
        bias: net.bias(l)?[class].as_f64(),
        grid: Image::grid_of(&weights)?,
        weights,
    })
}

/// A first-layer unit that fires for an input, and its filter masked by that input.
#[derive(Clone, Debug, PartialEq)]
pub struct MaskedFilter {
    /// The unit of the first hidden layer.
    pub unit: usize,
    /// Its activation on the input.
    pub activation: f64,
    /// `x ⊙ w_unit` (the input times the unit's incoming weights, pixel by pixel) as an
    /// image: the part of the filter this input lights up; summed, plus the bias, it is the
    /// unit's pre-activation.
    pub image: Image,
}

/// The first layer's filters masked by sample `column` of `x`: `x ⊙ w_j` for every unit `j`
/// whose activation is `≥ threshold` (0.5 in the issue's pictures), strongest activation
/// first.
///
/// ```
/// use deepmultinet::prelude::*;
/// use deepmultinet::inspect::{masked_filters, ImageShape};
/// let mut net = Network::with_sizes(&[2, 2, 2], Relu, SoftmaxCrossEntropy::<f64>::new())?;
/// { let mut w = net.weights_mut(0)?; w[(0, 0)] = 1.0; w[(0, 1)] = -1.0; w[(1, 1)] = 3.0; }
/// let x = nalgebra::DMatrix::from_column_slice(2, 1, &[2.0, 0.5]);
/// // unit 0: relu(2 − 0.5) = 1.5; unit 1: relu(1.5) = 1.5 — both fire, ties keep unit order.
/// let f = masked_filters(&net, &x, 0, ImageShape::row_major(1, 2), 0.5)?;
/// assert_eq!(f[0].unit, 0);
/// assert_eq!(f[0].image.pixels(), &[2.0, -0.5]);
/// assert_eq!(f[1].image.pixels(), &[0.0, 1.5]);
/// # Ok::<(), deepmultinet::Error>(())
/// ```
///
/// # Errors
/// [`Error::ShapeMismatch`](crate::Error::ShapeMismatch) if `shape.pixels()` is not the
/// number of inputs, and for a bad `x`; [`Error::IndexOutOfRange`](crate::Error::IndexOutOfRange)
/// for a bad `column`; [`Error::InvalidParameter`](crate::Error::InvalidParameter) for a
/// threshold that is not finite.
pub fn masked_filters<'a, L: OutputLoss>(
    net: &Network<L>,
    x: impl Into<DMatrixView<'a, L::Scalar>>,
    column: usize,
    shape: ImageShape,
    threshold: f64,
) -> Result<Vec<MaskedFilter>> {
    if !threshold.is_finite() {
        return Err(crate::check::invalid("threshold", threshold, "finite"));
    }
    shape.check(net.inputs(), "masked_filters")?;
    let values = layer_values(net, x.into(), column, "masked_filters")?;
    let (input, first) = (&values[0], &values[1]);
    let w = net.weights(0)?;
    let mut units: Vec<usize> = (0..first.len())
        .filter(|&j| first[j] >= threshold)
        .collect();
    units.sort_by(|&i, &j| first[j].total_cmp(&first[i]).then(i.cmp(&j)));
    let mut masked = vec![0.0; input.len()];
    units
        .into_iter()
        .map(|j| {
            for (i, m) in masked.iter_mut().enumerate() {
                *m = input[i] * w[(j, i)].as_f64();
            }
            Ok(MaskedFilter {
                unit: j,
                activation: first[j],
                image: Image::from_vector(&masked, shape)?,
            })
        })
        .collect()
}

/// A histogram (`bins` bins) of the weights into unit `unit` of layer `layer` (row `unit`
/// of `W_layer`, the bias left out) — e.g. into the predicted output unit.
///
/// # Errors
/// [`Error::IndexOutOfRange`](crate::Error::IndexOutOfRange) for a bad layer or unit;
/// [`Error::InvalidParameter`](crate::Error::InvalidParameter) if `bins == 0`.
pub fn incoming_weight_histogram<L: OutputLoss>(
    net: &Network<L>,
    layer: usize,
    unit: usize,
    bins: usize,
) -> Result<Histogram> {
    let w = net.weights(layer)?;
    crate::check::index("unit", unit, w.nrows())?;
    let row = w.row(unit);
    histogram(row.iter().map(|v| v.as_f64()), bins, layer)
}
