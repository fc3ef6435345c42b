//! Cost and correct predictions of a network on a data set, in one forward pass over chunks
//! of at most 2048 samples — what the trainer measures after every epoch, written with the
//! public [`Network::forward`] alone.

use crate::error::{Error, Result};
use crate::loss::OutputLoss;
use crate::network::{Network, Workspace, argmax};
use crate::scalar::Scalar;
use crate::targets::Targets;
use nalgebra::DMatrixView;

/// Samples per forward pass of an evaluation.
const CHUNK: usize = 2048;

/// What [`evaluate`] measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Evaluation {
    /// The cost `J` (data term averaged over the samples, plus `λ/(2m) Σ W²`).
    pub cost: f64,
    /// Samples whose predicted class is their label (`None` for dense targets).
    pub correct: Option<usize>,
    /// Samples evaluated.
    pub samples: usize,
}

impl Evaluation {
    /// `correct / samples` (`None` for dense targets).
    pub fn accuracy(&self) -> Option<f64> {
        self.correct.map(|c| c as f64 / self.samples.max(1) as f64)
    }
}

/// The cost (with L2 strength `lambda`) and correct count of `net` on `x` (`inputs × m`)
/// with targets `y`, through `ws` (which grows to at most 2048 samples).
///
/// # Errors
/// [`Error::ShapeMismatch`](crate::Error::ShapeMismatch),
/// [`Error::EmptyBatch`](crate::Error::EmptyBatch) or
/// [`Error::LabelOutOfRange`](crate::Error::LabelOutOfRange) for data that does not fit.
///
/// ```
/// use deepmultinet::prelude::*;
/// use deepmultinet::train::evaluate;
/// let net = Network::with_sizes(&[2, 2], Identity, SoftmaxCrossEntropy::<f64>::new())?;
/// let x = nalgebra::DMatrix::from_element(2, 3, 1.0);
/// let mut ws = net.workspace(3);
/// let e = evaluate(&net, &mut ws, &x, &[0usize, 0, 1], 0.0)?;
/// assert!((e.cost - 2f64.ln()).abs() < 1e-12); // θ = 0: p = ½ for both classes
/// assert_eq!((e.correct, e.samples), (Some(2), 3)); // ties go to class 0
/// # Ok::<(), deepmultinet::Error>(())
/// ```
pub fn evaluate<'a, L: OutputLoss>(
    net: &Network<L>,
    ws: &mut Workspace<L::Scalar>,
    x: impl Into<DMatrixView<'a, L::Scalar>>,
    y: impl Into<Targets<'a, L::Scalar>>,
    lambda: L::Scalar,
) -> Result<Evaluation> {
    let (x, y) = (x.into(), y.into());
    let m = x.ncols();
    if m == 0 {
        return Err(Error::EmptyBatch {
            context: "evaluate",
        });
    }
    y.check(net.outputs(), m)?;
    let mut total = 0.0f64;
    let mut correct = 0usize;
    for start in (0..m).step_by(CHUNK) {
        let end = (start + CHUNK).min(m);
        net.forward(ws, x.columns_range(start..end))?;
        let yc = y.columns(start..end);
        total += net.head().cost_f64(ws.logits(), ws.outputs(), &yc);
        if let Targets::Labels(l) = yc {
            correct += count_correct(ws.outputs(), l);
        }
    }
    let mut reg = 0.0;
    for l in 0..net.num_layers() {
        reg += net.weights(l)?.norm_squared().as_f64();
    }
    let inv_m = 1.0 / m as f64;
    Ok(Evaluation {
        cost: total * inv_m + 0.5 * lambda.as_f64() * inv_m * reg,
        correct: matches!(y, Targets::Labels(_)).then_some(correct),
        samples: m,
    })
}

/// Columns of `a` whose largest entry is at the row of the label.
pub(crate) fn count_correct<T: Scalar>(a: DMatrixView<'_, T>, labels: &[usize]) -> usize {
    a.column_iter()
        .zip(labels)
        .filter(|(col, label)| argmax(col.as_slice()) == **label)
        .count()
}
