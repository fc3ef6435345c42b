//! The seven panels for one sample in one PNG: what a live dashboard shows, as a file.
//!
//! ```text
//! ┌ (1) input ┬ (2) output probabilities ┬ (3) network activity ───────────┐
//! ├ (4) confusion matrix ┬ (5) activation per layer ┬ (6) weights into the ┬ (7) recent ┤
//! │                      │                          │  predicted unit      │ confidence │
//! ```
//!
//! The per-sample numbers come from [`inspect::sample_panels`](crate::inspect::sample_panels)
//! (so a live page can show exactly the same values); the confusion matrix and the recent
//! predictions are what the caller has gathered so far.

use super::activity::draw_activity;
use super::bars::{draw_activation_stats, draw_histogram};
use super::canvas::{Area, class_name, render, title};
use super::panels::{caption, draw_confusion, draw_input, draw_recent};
use super::single::draw_output_bars;
use crate::data::ImageShape;
use crate::error::Result;
use crate::inspect::{ActivityOptions, Image, Prediction, sample_panels};
use crate::loss::OutputLoss;
use crate::metrics::ConfusionMatrix;
use crate::network::Network;
use crate::scalar::Scalar;
use nalgebra::DMatrixView;
use plotters::prelude::*;
use std::path::Path;

fn pad<'a>(a: &Area<'a>) -> Area<'a> {
    a.margin(4, 4, 4, 4)
}

/// Draws `text` as the panel's caption; returns the caption strip and the area below it.
fn captioned<'a>(
    a: &Area<'a>,
    text: &str,
) -> std::result::Result<(Area<'a>, Area<'a>), Box<dyn std::error::Error>> {
    caption(a, text)?;
    Ok(a.split_vertically(28))
}

/// Width and height of a dashboard picture, in pixels.
pub const DASHBOARD_SIZE: (u32, u32) = (1800, 1000);

/// The sample and what was gathered about earlier samples: fill with
/// [`DashboardInput::new`] and the setters.
#[derive(Clone, Copy, Debug)]
pub struct DashboardInput<'a, T: Scalar> {
    /// Samples as columns (e.g. the test set).
    pub x: DMatrixView<'a, T>,
    /// The sample shown: a column of `x`.
    pub column: usize,
    /// Its true label, if known.
    pub label: Option<usize>,
    /// How a sample forms an image (e.g. [`Dataset::image_shape`](crate::data::Dataset::image_shape)).
    pub shape: ImageShape,
    /// The confusion matrix so far (panel 4), e.g. of the test set; its class names are
    /// used when [`DashboardOptions::class_names`] is empty.
    pub confusion: Option<&'a ConfusionMatrix>,
    /// Recent predictions, oldest first (panel 7 shows the last
    /// [`DashboardOptions::recent`] of them), e.g. from
    /// [`inspect::predictions`](crate::inspect::predictions).
    pub recent: &'a [Prediction],
    /// The true labels of `recent` (same length) to colour them right/wrong; empty if
    /// unknown.
    pub recent_labels: &'a [usize],
}

impl<'a, T: Scalar> DashboardInput<'a, T> {
    /// Sample `column` of `x`, whose samples are images of `shape`; no label, confusion
    /// matrix or recent predictions yet.
    pub fn new(x: impl Into<DMatrixView<'a, T>>, column: usize, shape: ImageShape) -> Self {
        DashboardInput {
            x: x.into(),
            column,
            label: None,
            shape,
            confusion: None,
            recent: &[],
            recent_labels: &[],
        }
    }
    /// Sets the true label.
    pub fn label(mut self, label: usize) -> Self {
        self.label = Some(label);
        self
    }
    /// Sets the confusion matrix.
    pub fn confusion(mut self, cm: &'a ConfusionMatrix) -> Self {
        self.confusion = Some(cm);
        self
    }
    /// Sets the recent predictions and their labels (`labels` empty if unknown).
    pub fn recent(mut self, predictions: &'a [Prediction], labels: &'a [usize]) -> Self {
        self.recent = predictions;
        self.recent_labels = labels;
        self
    }
}

/// How the dashboard is drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct DashboardOptions {
    /// Title above the panels (default: the sample, its verdict and the network's sizes).
    pub title: Option<String>,
    /// Class names; when empty, the confusion matrix's names (or numbers).
    pub class_names: Vec<String>,
    /// Which neurons and connections panel 3 shows.
    pub activity: ActivityOptions,
    /// Bins of the weight histogram (panel 6), default 30.
    pub bins: usize,
    /// How many recent predictions panel 7 shows, default 50.
    pub recent: usize,
}

impl Default for DashboardOptions {
    fn default() -> Self {
        DashboardOptions {
            title: None,
            class_names: Vec::new(),
            activity: ActivityOptions::default(),
            bins: 30,
            recent: 50,
        }
    }
}

/// Draws the seven panels for one sample into one PNG of [`DASHBOARD_SIZE`]: (1) the input
/// image with its true label, the prediction and the confidence; (2) the output
/// probabilities as bars, the winner highlighted, every class named; (3) the network
/// activity ([`network_activity`](super::network_activity)); (4) the confusion matrix with
/// its accuracy; (5) the mean and max activation of each layer on this sample; (6) the
/// histogram of the weights into the predicted output unit, with a line at 0; (7) the
/// confidence of the last 50 predictions with lines at 50 % and 90 %. Panels 4 and 7 say
/// so when their data is missing.
///
/// ```no_run
/// use deepmultinet::inspect;
/// use deepmultinet::metrics::ConfusionMatrix;
/// use deepmultinet::plot::{self, DashboardInput, DashboardOptions};
/// # fn f(net: &deepmultinet::Network<deepmultinet::SoftmaxCrossEntropy<f32>>, test: &deepmultinet::data::Dataset<f32>) -> deepmultinet::Result<()> {
/// let (x, y) = (test.features(), test.labels());
/// let cm = ConfusionMatrix::from_network(net, x, y)?;
/// let j = 60; // the sample shown; the 50 before it and itself are the recent predictions
/// let recent = inspect::predictions(net, x.columns(j - 50, 51))?;
/// let input = DashboardInput::new(x, j, test.image_shape()?)
///     .label(y[j])
///     .confusion(&cm)
///     .recent(&recent, &y[j - 50..=j]);
/// plot::dashboard("dashboard.png", net, &input, &DashboardOptions::default())?;
/// # Ok(()) }
/// ```
///
/// # Errors
/// As [`inspect::sample_panels`](crate::inspect::sample_panels);
/// [`Error::ShapeMismatch`](crate::Error::ShapeMismatch) if `shape` does not fit the
/// inputs; [`Error::Plot`](crate::Error::Plot) / [`Error::Io`](crate::Error::Io) if drawing
/// or writing fails.
pub fn dashboard<L: OutputLoss>(
    path: impl AsRef<Path>,
    net: &Network<L>,
    input: &DashboardInput<'_, L::Scalar>,
    opts: &DashboardOptions,
) -> Result<()> {
    let p = sample_panels(net, input.x, input.column, &opts.activity, opts.bins)?;
    let image = Image::from_vector(&p.input, input.shape)?;
    let names: Vec<String> = if opts.class_names.is_empty() {
        input
            .confusion
            .map(|cm| cm.names().to_vec())
            .unwrap_or_default()
    } else {
        opts.class_names.clone()
    };
    let predicted = p.view.predicted;
    let confidence = p.confidence();
    let heading = opts.title.clone().unwrap_or_else(|| {
        let verdict = match input.label {
            Some(l) if l == predicted => format!(", true {} (right)", class_name(&names, l)),
            Some(l) => format!(", true {} (wrong)", class_name(&names, l)),
            None => String::new(),
        };
        format!(
            "Sample {}: predicted {} ({:.1}%){verdict} — network {:?}",
            input.column,
            class_name(&names, predicted),
            100.0 * confidence,
            net.sizes()
        )
    });
    let last = p.layers.len().saturating_sub(1);
    let layer_labels: Vec<String> = p
        .layers
        .iter()
        .map(|s| {
            if s.layer == last {
                format!("output ({})", s.units)
            } else {
                format!("hidden {} ({})", s.layer + 1, s.units)
            }
        })
        .collect();
    let hist_caption = format!(
        "Weights into the predicted unit ({})",
        class_name(&names, predicted)
    );
    render(path.as_ref(), DASHBOARD_SIZE, |root: &Area<'_>| {
        title(root, &heading)?;
        let (_, body) = root.split_vertically(40);
        let (top, bottom) = body.split_vertically(500);
        let top = top.split_by_breakpoints([330, 860], [] as [u32; 0]);
        let bottom = bottom.split_by_breakpoints([520, 920, 1360], [] as [u32; 0]);
        let frame = |a: &Area<'_>| -> super::canvas::DrawResult {
            let (w, h) = a.dim_in_pixel();
            a.draw(&Rectangle::new(
                [(0, 0), (w as i32 - 1, h as i32 - 1)],
                RGBColor(220, 220, 220).stroke_width(1),
            ))?;
            Ok(())
        };
        for a in top.iter().chain(bottom.iter()) {
            frame(a)?;
        }
        draw_input(
            &pad(&top[0]),
            &image,
            input.label,
            predicted,
            confidence,
            &names,
        )?;
        let (_, bars) = captioned(&pad(&top[1]), "Output probabilities")?;
        draw_output_bars(&bars, &p.view.outputs, predicted, input.label, &names, None)?;
        let (_, act) = captioned(&pad(&top[2]), "Network activity")?;
        draw_activity(&act, &p.activity, &names)?;
        match input.confusion {
            Some(cm) => draw_confusion(&pad(&bottom[0]), cm)?,
            None => caption(&pad(&bottom[0]), "Confusion matrix: none given")?,
        }
        let (_, stats) = captioned(&pad(&bottom[1]), "Activation per layer (this sample)")?;
        draw_activation_stats(&stats, &p.layers, &layer_labels, None)?;
        let (_, hist) = captioned(&pad(&bottom[2]), &hist_caption)?;
        draw_histogram(&hist, &p.predicted_weights, None, true)?;
        if input.recent.is_empty() {
            caption(&pad(&bottom[3]), "Recent confidence: no predictions given")?;
        } else {
            draw_recent(
                &pad(&bottom[3]),
                input.recent,
                input.recent_labels,
                opts.recent.max(1),
            )?;
        }
        Ok(())
    })
}
