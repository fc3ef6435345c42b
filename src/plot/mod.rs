//! PNG pictures of what a network learned (feature `plot`, on by default).
//!
//! Every function draws one picture from numbers computed by [`crate::inspect`] or
//! [`crate::metrics`] (or plain slices) and writes it to the given path as an 8-bit RGB PNG,
//! returning `Result<()>`: [`Error::Io`](crate::Error::Io) if the file cannot be written,
//! [`Error::Plot`](crate::Error::Plot) if drawing fails, and shape/config errors for
//! inconsistent inputs.
//!
//! **How it is drawn.** [plotters](https://docs.rs/plotters) renders into an in-memory RGB
//! buffer (its bitmap backend), and the [`png`](https://docs.rs/png) crate encodes the file.
//! Text uses plotters' `ab_glyph` renderer with DejaVu Sans compiled in from the `dejavu`
//! crate, so no system font, fontconfig or other `-dev` package is needed: it builds on a
//! fresh machine with only cargo. Build with `--no-default-features` to leave all of this out.
//!
//! | picture | function | data from |
//! |---|---|---|
//! | grid of samples (`displayData`), hidden units, maximising inputs, misclassified samples | [`image_grid`] | [`inspect::sample_images`](crate::inspect::sample_images), [`inspect::hidden_unit_images`](crate::inspect::hidden_unit_images), [`inspect::MaxInput::image`](crate::inspect::MaxInput::image) |
//! | top-k inputs per unit (rows units, columns ranks) | [`top_inputs`] | [`inspect::top_k_inputs`](crate::inspect::top_k_inputs) |
//! | selectivity per unit; units × classes means | [`selectivity_bars`], [`selectivity_heatmap`] | [`inspect::class_selectivity`](crate::inspect::class_selectivity) |
//! | one input: image, hidden activations, output probabilities | [`single_input`] | [`inspect::single_input`](crate::inspect::single_input) |
//! | confusion matrix; per-class accuracy | [`confusion_matrix`], [`per_class_accuracy`] | [`metrics::ConfusionMatrix`](crate::metrics::ConfusionMatrix) |
//! | weight histograms per layer; activation statistics | [`weight_histograms`], [`activation_stats`] | [`inspect::weight_histograms`](crate::inspect::weight_histograms), [`inspect::activation_stats`](crate::inspect::activation_stats) |
//! | training curves (cost, accuracies per epoch) | [`training_curves`] | any `&[f64]` series |
//! | prediction confidence over a sequence | [`confidence`] | [`inspect::predictions`](crate::inspect::predictions) |
//! | the seven panels for one sample (input, probabilities, activity, confusion, layers, weights into the winner, recent confidence) | [`dashboard`] | [`inspect::sample_panels`](crate::inspect::sample_panels), [`metrics::ConfusionMatrix`](crate::metrics::ConfusionMatrix), [`inspect::predictions`](crate::inspect::predictions) |
//! | network activity: neurons shaded by activation, connections by `\|w·a\|` | [`network_activity`] | [`inspect::network_activity`](crate::inspect::network_activity) |
//! | hidden→output weights of a class, as a grid shaped like the hidden layer | [`class_weights`] | [`inspect::class_weights`](crate::inspect::class_weights) |
//! | first-layer filters masked by one input (`x ⊙ w_j` of the units that fire) | [`masked_filters`] | [`inspect::masked_filters`](crate::inspect::masked_filters) |
//! | feature learning over time: the hidden-unit grid as an animated GIF, one frame per epoch or per k iterations | [`HiddenUnitsRecorder`] (an observer) | θ at `Event::EpochFinished` / `Event::Iteration` |
//! | activation functions and their derivatives | [`activation_functions`] | [`inspect::builtin_activation_curves`](crate::inspect::builtin_activation_curves) |
//!
//! # Examples
//!
//! ```
//! use deepmultinet::plot::{self, Series};
//! let cost = [0.9, 0.5, 0.35, 0.3];
//! let accuracy = [0.6, 0.8, 0.85, 0.9];
//! let dir = tempfile::tempdir().map_err(|e| deepmultinet::Error::Io { path: ".".into(), source: e })?;
//! let path = dir.path().join("curves.png");
//! plot::training_curves(&path, &[Series::new("cost", &cost)], &[Series::new("accuracy", &accuracy)])?;
//! assert!(path.exists());
//! # Ok::<(), deepmultinet::Error>(())
//! ```

mod activations;
mod activity;
mod bars;
mod canvas;
mod color;
mod curves;
mod dashboard;
mod gif;
mod grid;
mod heatmap;
mod palette;
mod panels;
mod single;
mod weights;

pub use activations::activation_functions;
pub use activity::network_activity;

pub use bars::{activation_stats, per_class_accuracy, selectivity_bars, weight_histograms};
pub use curves::{Series, confidence, training_curves};
pub use dashboard::{DASHBOARD_SIZE, DashboardInput, DashboardOptions, dashboard};
pub use gif::{HiddenUnitsRecorder, Step};
pub use grid::{GridOptions, image_grid, top_inputs};
pub use heatmap::{confusion_matrix, selectivity_heatmap};
pub use single::{SingleInputOptions, single_input};
pub use weights::{class_weights, masked_filters};
