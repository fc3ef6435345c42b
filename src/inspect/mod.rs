//! What a trained network has learned, as plain numbers (no plotting dependency).
//!
//! Every function takes a `&Network<L>`, a batch `x` (`inputs × m`, **samples are columns**),
//! and where classes matter the labels (`&[usize]`, one per column) and the number of classes.
//! Layers are numbered like θ's weight layers: `layer = 0` is the first hidden layer (its
//! units see the input through `W_0`), `layer = num_layers() − 1` the output layer. Results
//! are `f64` whatever the network's scalar; the `plot` module (cargo feature `plot`, on by
//! default) draws them.
//!
//! | question | function |
//! |---|---|
//! | what does hidden unit j look for? | [`hidden_unit_images`] (first-layer weights, bias dropped, as images), [`maximizing_input`] (the input of norm ≤ 1 that excites a unit most) |
//! | which samples excite it most? | [`top_k_inputs`] |
//! | which classes does it prefer? | [`class_selectivity`] (class means, selectivity index, class- vs feature-selective) |
//! | what happens to one sample? | [`single_input`]; [`network_activity`] (the most active neurons and the strongest signals `|w·a|`); [`masked_filters`] (`x ⊙ w_j` of the units that fire); [`sample_panels`] (all the numbers of a dashboard) |
//! | how does a class read the hidden layer? | [`class_weights`] (hidden→output weights as a grid), [`incoming_weight_histogram`] |
//! | what do the activation functions look like? | [`builtin_activation_curves`], [`activation_curve`] |
//! | where does the network err? | [`crate::metrics::ConfusionMatrix`], [`misclassified`], [`predictions`] (confidence) |
//! | is it healthy? | [`weight_histograms`], [`activation_stats`] |
//!
//! # Examples
//!
//! ```
//! use deepmultinet::prelude::*;
//! use deepmultinet::inspect::{self, ImageShape};
//! use rand::SeedableRng;
//!
//! let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
//! let net = Network::builder(16)
//!     .hidden(4, Sigmoid)
//!     .output(3, SoftmaxCrossEntropy::<f64>::new())
//!     .build(&mut rng)?;
//! // 4 hidden units as 4×4 images (row-major pixels, like MNIST).
//! let images = inspect::hidden_unit_images(&net, ImageShape::row_major(4, 4))?;
//! assert_eq!(images.len(), 4);
//! // Pixel (row 1, column 2) of unit 3 is input 1·4 + 2 = 6 of W_0's row 3.
//! assert_eq!(images[3].get(1, 2), Some(net.weights(0)?[(3, 6)]));
//! # Ok::<(), deepmultinet::Error>(())
//! ```

mod activity;
mod curves;
mod health;
mod image;
mod max_input;
mod misclassified;
mod panels;
mod selectivity;
mod single_input;
mod top_k;
mod weights;

pub use crate::data::{ImageShape, PixelOrder};
pub use activity::{
    Activity, ActivityLayer, ActivityOptions, Connection, Neuron, network_activity,
};
pub use curves::{ActivationCurve, activation_curve, builtin_activation_curves};
pub use health::{
    ActivationStats, Histogram, Prediction, activation_stats, histogram, predictions,
    weight_histograms,
};
pub use image::{ColorMap, Image, Scaling, hidden_unit_images, normalise, sample_images};
pub use max_input::{
    AscentOptions, MaxInput, UnitResponse, maximizing_input, maximizing_inputs, unit_response,
};
pub use misclassified::{Misclassified, misclassified};
pub use panels::{SamplePanels, sample_panels};
pub use selectivity::{
    CLASS_SELECTIVE_THRESHOLD, ClassSelectivity, UnitPreference, UnitSelectivity,
    class_selectivity, selectivity_from_activations, selectivity_index,
};
pub use single_input::{SingleInput, single_input};
pub use top_k::{DEFAULT_TOP_K, TopInput, UnitTopInputs, top_k_from_activations, top_k_inputs};
pub use weights::{
    ClassWeights, MaskedFilter, class_weights, incoming_weight_histogram, masked_filters,
};

use crate::error::{Error, Result};
use crate::loss::OutputLoss;
use crate::network::Network;
use nalgebra::DMatrixView;

/// Checks one label per sample, each below `classes`.
pub(crate) fn check_labels(labels: &[usize], samples: usize, classes: usize) -> Result<()> {
    if labels.len() != samples {
        return Err(Error::shape(
            "number of labels (batch columns)",
            samples,
            labels.len(),
        ));
    }
    crate::targets::check_labels(labels, classes)
}

/// Checks `x`, one label `< classes` per sample and `layer`, then returns the activations
/// `A_{layer+1}` (`units × m`) of `x` as an owned matrix.
pub(crate) fn labelled_layer_output<L: OutputLoss>(
    net: &Network<L>,
    layer: usize,
    x: DMatrixView<'_, L::Scalar>,
    labels: &[usize],
    classes: usize,
    context: &'static str,
) -> Result<nalgebra::DMatrix<L::Scalar>> {
    let m = net.check_batch(&x, context)?;
    check_labels(labels, m, classes)?;
    net.layer_activation(x, layer)
}
