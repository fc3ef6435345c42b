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
    let x = x.into();
    let m = net.check_batch(&x, "single_input")?;
    crate::check::index("sample", column, m)?;
    let mut layers = net.layer_activations(x.columns(column, 1))?;
    let out = layers
        .pop()
        .ok_or_else(|| Error::InvalidConfig("network has no layers".into()))?;
    let outputs: Vec<L::Scalar> = out.iter().copied().collect();
    Ok(SingleInput {
        index: column,
        hidden: layers
            .iter()
            .map(|a| a.iter().map(|v| v.as_f64()).collect())
            .collect(),
        predicted: argmax(&outputs),
        outputs: outputs.iter().map(|v| v.as_f64()).collect(),
    })
}
