//! The numbers behind the seven panels of a dashboard for one sample, computed in one call
//! so that a PNG (`plot::dashboard`, feature `plot`) and a live
//! page show the same values.

use super::activity::{Activity, ActivityOptions, network_activity};
use super::health::{ActivationStats, Histogram, activation_stats};
use super::single_input::{SingleInput, single_input};
use super::weights::incoming_weight_histogram;
use crate::error::Result;
use crate::loss::OutputLoss;
use crate::network::Network;
use crate::scalar::Scalar;
use nalgebra::DMatrixView;

/// What [`sample_panels`] computes; the confusion matrix and the recent confidences are
/// kept by the caller across samples
/// ([`ConfusionMatrix`](crate::metrics::ConfusionMatrix), a slice of
/// [`Prediction`](super::Prediction)s).
#[derive(Clone, Debug, PartialEq)]
pub struct SamplePanels {
    /// The sample's values (panel 1 draws them as an image).
    pub input: Vec<f64>,
    /// Every layer's activations, the outputs and the prediction (panels 1 and 2).
    pub view: SingleInput,
    /// The network-activity diagram's neurons and connections (panel 3).
    pub activity: Activity,
    /// Mean, min and max activation of each layer on this sample (panel 5).
    pub layers: Vec<ActivationStats>,
    /// The weights into the predicted output unit (panel 6).
    pub predicted_weights: Histogram,
}

impl SamplePanels {
    /// The predicted class's output (its probability for the cross-entropy heads).
    pub fn confidence(&self) -> f64 {
        self.view
            .outputs
            .get(self.view.predicted)
            .copied()
            .unwrap_or(f64::NAN)
    }
}

/// The per-sample numbers of the dashboard for sample `column` of `x`: the activations, the
/// activity diagram ([`network_activity`] with `activity`), the per-layer statistics
/// ([`activation_stats`] of this one sample) and the histogram of the weights into the
/// predicted output unit in `bins` bins ([`incoming_weight_histogram`]).
///
/// ```
/// use deepmultinet::prelude::*;
/// use deepmultinet::inspect::{sample_panels, ActivityOptions};
/// let net = Network::with_sizes(&[4, 3, 2], Sigmoid, SoftmaxCrossEntropy::<f64>::new())?;
/// let x = nalgebra::DMatrix::from_element(4, 2, 1.0);
/// let p = sample_panels(&net, &x, 1, &ActivityOptions::default(), 10)?;
/// assert_eq!(p.input, vec![1.0; 4]);
/// assert_eq!(p.confidence(), 0.5);
/// assert_eq!(p.predicted_weights.total(), 3);
/// # Ok::<(), deepmultinet::Error>(())
/// ```
///
/// # Errors
/// As [`network_activity`]; [`Error::InvalidParameter`](crate::Error::InvalidParameter)
/// if `bins == 0`.
pub fn sample_panels<'a, L: OutputLoss>(
    net: &Network<L>,
    x: impl Into<DMatrixView<'a, L::Scalar>>,
    column: usize,
    activity: &ActivityOptions,
    bins: usize,
) -> Result<SamplePanels> {
    let x = x.into();
    let view = single_input(net, x, column)?;
    let activity = network_activity(net, x, column, activity)?;
    let one = x.columns(column, 1);
    let layers = activation_stats(net, one)?;
    let predicted_weights =
        incoming_weight_histogram(net, net.num_layers() - 1, view.predicted, bins)?;
    Ok(SamplePanels {
        input: one.iter().map(|v| v.as_f64()).collect(),
        view,
        activity,
        layers,
        predicted_weights,
    })
}
