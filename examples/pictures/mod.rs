//! The pictures of single samples that `mnist_adam` and `fashion_lab` both draw once training
//! is over (they only read the network): the seven-panel dashboard for a few samples, and for
//! the first of them the network-activity diagram, the hidden→output weights of its true and
//! predicted class, the first layer's filters masked by it, plus the activation functions.
#![allow(dead_code)]

use deepmultinet::data::ImageShape;
use deepmultinet::inspect::{self, ActivityOptions, Prediction};
use deepmultinet::metrics::ConfusionMatrix;
use deepmultinet::plot::{self, DashboardInput, DashboardOptions, GridOptions};
use deepmultinet::prelude::*;
use nalgebra::DMatrixView;
use std::path::{Path, PathBuf};

/// Recent predictions shown in the dashboard's last panel.
const RECENT: usize = 50;

/// A labelled set of samples and what is known about the network on it.
pub struct SampleSet<'a, T: Scalar> {
    /// "test" or "validation", used in file names.
    pub name: &'a str,
    /// Samples as columns.
    pub x: DMatrixView<'a, T>,
    /// Their labels.
    pub y: &'a [usize],
    /// How a sample forms an image.
    pub shape: ImageShape,
    /// The confusion matrix on the whole set (with class names).
    pub confusion: &'a ConfusionMatrix,
    /// Predictions of the first `predictions.len()` samples, in order.
    pub predictions: &'a [Prediction],
}

/// Samples to show: two in a row once `RECENT` predictions came before them, and the first
/// misclassified one after those (if any).
pub fn choose<T: Scalar>(set: &SampleSet<'_, T>) -> Vec<usize> {
    let n = set.predictions.len();
    let mut chosen: Vec<usize> = (RECENT + 10..RECENT + 12).filter(|&j| j < n).collect();
    if let Some(j) = (RECENT + 12..n).find(|&j| set.predictions[j].class != set.y[j]) {
        chosen.push(j);
    }
    chosen
}

/// Draws the pictures (see the module docs) into `out`; returns their paths.
pub fn draw<L: OutputLoss>(
    out: &Path,
    net: &Network<L>,
    set: &SampleSet<'_, L::Scalar>,
    samples: &[usize],
) -> Result<Vec<PathBuf>> {
    let names = set.confusion.names().to_vec();
    let mut pictures = Vec::new();
    let opts = DashboardOptions {
        class_names: names.clone(),
        ..DashboardOptions::default()
    };
    for &j in samples {
        let start = (j + 1).saturating_sub(RECENT);
        let end = (j + 1).min(set.predictions.len());
        let input = DashboardInput::new(set.x, j, set.shape)
            .label(set.y[j])
            .confusion(set.confusion)
            .recent(&set.predictions[start..end], &set.y[start..end]);
        let p = out.join(format!("dashboard_{}_{j}.png", set.name));
        plot::dashboard(&p, net, &input, &opts)?;
        pictures.push(p);
    }
    let Some(&j) = samples.first() else {
        return Ok(pictures);
    };
    let activity = inspect::network_activity(net, set.x, j, &ActivityOptions::default())?;
    let p = out.join(format!("network_activity_{}_{j}.png", set.name));
    plot::network_activity(&p, &activity, &names)?;
    pictures.push(p);

    let (truth, predicted) = (set.y[j], activity.predicted);
    let (grids, tags) = if truth == predicted {
        (
            vec![inspect::class_weights(net, truth)?],
            vec!["true and predicted"],
        )
    } else {
        (
            vec![
                inspect::class_weights(net, truth)?,
                inspect::class_weights(net, predicted)?,
            ],
            vec!["true class", "predicted"],
        )
    };
    let p = out.join(format!("class_weights_{}_{j}.png", set.name));
    plot::class_weights(&p, &grids, &names, &tags)?;
    pictures.push(p);

    let fired = inspect::masked_filters(net, set.x, j, set.shape, 0.5)?;
    let image = inspect::sample_images(set.x, &[j], set.shape)?;
    if let Some(input) = image.first() {
        let p = out.join(format!("masked_filters_{}_{j}.png", set.name));
        let title = format!(
            "{} image {j}: x ⊙ w of the {} first-layer units with activation ≥ 0.5",
            set.name,
            fired.len()
        );
        plot::masked_filters(&p, input, &fired, &GridOptions::diverging().title(title))?;
        pictures.push(p);
    }

    let p = out.join("activation_functions.png");
    plot::activation_functions(&p, &inspect::builtin_activation_curves((-4.0, 4.0), 161)?)?;
    pictures.push(p);
    Ok(pictures)
}
