//! One sample through the network: every layer's activations and the output probabilities.

use crate::error::{Error, Result};
use crate::loss::OutputLoss;
use crate::network::Network;
use crate::network::argmax;
use crate::scalar::Scalar;
use nalgebra::DMatrixView;

/// What the network does with one sample.
#[derive(Clone, Debug, PartialEq)]
pub struct SingleInput {
    /// Sample (column) index in the batch it came from.
    pub index: usize,
    /// Activations of each hidden layer (`hidden[l]` has `sizes()[l + 1]` values).
    pub hidden: Vec<Vec<f64>>,
    /// The output layer's values (class probabilities for the cross-entropy heads).
    pub outputs: Vec<f64>,
    /// The predicted class (largest output).
    pub predicted: usize,
}

/// Runs sample `column` of `x` (`inputs × m`) through `net`, keeping every layer.
///
/// ```
/// use deepmultinet::prelude::*;
/// use deepmultinet::inspect::single_input;
/// let net = Network::with_sizes(&[3, 4, 2], Sigmoid, SoftmaxCrossEntropy::<f64>::new())?;
/// let x = nalgebra::DMatrix::from_element(3, 5, 1.0);
/// let v = single_input(&net, &x, 4)?;
/// assert_eq!(v.hidden[0], vec![0.5; 4]); // σ(0) with θ = 0
/// assert_eq!(v.outputs, vec![0.5, 0.5]);
/// # Ok::<(), deepmultinet::Error>(())
/// ```
///
/// # Errors
/// [`Error::ShapeMismatch`] / [`Error::EmptyBatch`] for a bad `x`;
/// [`Error::IndexOutOfRange`] if `column ≥ m`.
pub fn single_input<'a, L: OutputLoss>(
    net: &Network<L>,
    x: impl Into<DMatrixView<'a, L::Scalar>>,
    column: usize,
) -> Result<SingleInput> {
    let mut layers = layer_values(net, x.into(), column, "single_input")?;
    let outputs = layers
        .pop()
        .ok_or_else(|| Error::InvalidConfig("network has no layers".into()))?;
    // Drop the input layer; what remains are the hidden layers.
    layers.remove(0);
    Ok(SingleInput {
        index: column,
        hidden: layers,
        predicted: argmax(&outputs),
        outputs,
    })
}

/// Sample `column` of `x` and every layer's activations on it, as `f64`: `[x, A_1, ...,
/// A_L]` (`sizes().len()` vectors, the last the outputs).
pub(crate) fn layer_values<L: OutputLoss>(
    net: &Network<L>,
    x: DMatrixView<'_, L::Scalar>,
    column: usize,
    context: &'static str,
) -> Result<Vec<Vec<f64>>> {
    let m = net.check_batch(&x, context)?;
    crate::check::index("sample", column, m)?;
    let one = x.columns(column, 1);
    let layers = net.layer_activations(one)?;
    let mut out = Vec::with_capacity(layers.len() + 1);
    out.push(one.iter().map(|v| v.as_f64()).collect());
    out.extend(
        layers
            .iter()
            .map(|a| a.iter().map(|v| v.as_f64()).collect::<Vec<f64>>()),
    );
    Ok(out)
}
