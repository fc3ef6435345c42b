//! [`ClassifierNetwork`]: the fitted network inside a classifier, with either head, and
//! what its outputs mean as classes and probabilities.

use crate::error::Result;
use crate::loss::{SigmoidCrossEntropy, SoftmaxCrossEntropy};
use crate::network::{Network, Workspace, argmax};
use nalgebra::DMatrixView;

/// The network a [`Classifier`](super::Classifier) fitted (or loaded), in `f64`.
///
/// Its inputs are the **scaled** features, one sample per column
/// ([`Classifier::transform`](super::Classifier::transform) makes them), so it can be given
/// to [`inspect`](crate::inspect) and [`plot`](crate::plot) functions as it is.
///
/// # Examples
///
/// ```
/// use deepmultinet::estimator::{Classifier, ClassifierNetwork};
/// let x = nalgebra::DMatrix::from_row_slice(4, 1, &[0., 1., 2., 3.]);
/// let mut clf = Classifier::builder().hidden(&[3]).max_epochs(5).build()?;
/// clf.fit(&x, &["a", "a", "b", "b"])?;
/// match clf.network()? {
///     ClassifierNetwork::Sigmoid(net) => assert_eq!(net.sizes(), &[1, 3, 1]), // the default
///     ClassifierNetwork::Softmax(net) => assert_eq!(net.sizes(), &[1, 3, 2]),
/// }
/// # Ok::<(), deepmultinet::Error>(())
/// ```
#[derive(Clone, Debug)]
pub enum ClassifierNetwork {
    /// Softmax outputs, one per class.
    Softmax(Network<SoftmaxCrossEntropy<f64>>),
    /// Sigmoid outputs: one for a binary problem (the output is `P(classes()[1])`), or one
    /// per class for a one-vs-all network loaded from a plain model file (the course's).
    Sigmoid(Network<SigmoidCrossEntropy<f64>>),
}

impl ClassifierNetwork {
    /// Layer sizes, inputs first.
    pub fn sizes(&self) -> &[usize] {
        match self {
            ClassifierNetwork::Softmax(n) => n.sizes(),
            ClassifierNetwork::Sigmoid(n) => n.sizes(),
        }
    }

    /// Number of inputs (features).
    pub fn inputs(&self) -> usize {
        self.sizes()[0]
    }

    /// Number of output units.
    pub fn outputs(&self) -> usize {
        self.sizes()[self.sizes().len() - 1]
    }

    /// Number of classes the outputs stand for (2 for one sigmoid unit).
    pub fn classes(&self) -> usize {
        self.outputs().max(2)
    }

    /// θ, the flat parameter vector.
    pub fn params(&self) -> &[f64] {
        match self {
            ClassifierNetwork::Softmax(n) => n.params(),
            ClassifierNetwork::Sigmoid(n) => n.params(),
        }
    }

    /// A workspace for batches of up to `m` samples.
    pub(super) fn workspace(&self, m: usize) -> Workspace<f64> {
        match self {
            ClassifierNetwork::Softmax(n) => n.workspace(m),
            ClassifierNetwork::Sigmoid(n) => n.workspace(m),
        }
    }

    /// The output layer for the samples of `x` (`inputs × m`, scaled).
    pub(super) fn forward<'w>(
        &self,
        ws: &'w mut Workspace<f64>,
        x: DMatrixView<'_, f64>,
    ) -> Result<DMatrixView<'w, f64>> {
        match self {
            ClassifierNetwork::Softmax(n) => n.forward(ws, x),
            ClassifierNetwork::Sigmoid(n) => n.forward(ws, x),
        }
    }

    /// The class index of one sample's outputs: `p > ½` for one sigmoid unit (a tie goes
    /// to class 0, as in scikit-learn), the largest output otherwise.
    pub(super) fn class_of(&self, outputs: &[f64]) -> usize {
        if outputs.len() == 1 {
            usize::from(outputs[0] > 0.5)
        } else {
            argmax(outputs)
        }
    }

    /// One sample's class probabilities into `out` (`classes()` values): the softmax as it
    /// is; `[1 − p, p]` for one sigmoid unit; one-vs-all sigmoids divided by their sum.
    pub(super) fn probabilities(&self, outputs: &[f64], out: &mut [f64]) {
        match (self, outputs.len()) {
            (ClassifierNetwork::Sigmoid(_), 1) => {
                out[0] = 1.0 - outputs[0];
                out[1] = outputs[0];
            }
            (ClassifierNetwork::Sigmoid(_), _) => {
                let sum: f64 = outputs.iter().sum();
                let k = outputs.len() as f64;
                for (o, &p) in out.iter_mut().zip(outputs) {
                    *o = if sum > 0.0 { p / sum } else { 1.0 / k };
                }
            }
            (ClassifierNetwork::Softmax(_), _) => out.copy_from_slice(outputs),
        }
    }
}
