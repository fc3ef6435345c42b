//! # deepmultinet
//!
//! Feedforward neural networks that classify into many classes, with every weight and bias in
//! **one contiguous parameter vector θ** laid out exactly as MATLAB's
//! `[Theta1(:); Theta2(:); ...]`, vectorised batched backprop (GEMM, samples are columns),
//! pluggable activations and output heads, and a numerical gradient checker — and on top, a
//! [`Classifier`] in the manner of scikit-learn's `MLPClassifier`.
//!
//! In `Cargo.toml`:
//!
//! ```toml
//! [dependencies]
//! deepmultinet = "0.1"
//!
//! # Without this, a debug build of your crate builds this one unoptimised too, and it then
//! # trains ~50× slower: optimise it even in debug builds.
//! [profile.dev.package.deepmultinet]
//! opt-level = 3
//! ```
//!
//! [`nalgebra`] (matrices in and out) and [`rand`] (random numbers for initialisation and
//! shuffling) are re-exported, so a program uses the versions this crate's API takes:
//! `deepmultinet::nalgebra::DMatrix`, `deepmultinet::rand::SeedableRng`.
//!
//! # Examples
//!
//! ## The estimator: [`Classifier`]
//!
//! Samples × features in (rows are samples), labels of any ordered type, scikit-learn's
//! defaults, features standardised inside, one model file ([`estimator`] has the details):
//!
//! ```
//! use deepmultinet::Classifier;
//! use deepmultinet::nalgebra::DMatrix;
//!
//! // XOR, one sample per row, labelled with strings.
//! let x = DMatrix::from_row_slice(4, 2, &[0., 0., 0., 1., 1., 0., 1., 1.]);
//! let y = ["off", "on", "on", "off"];
//! let mut clf = Classifier::builder()
//!     .hidden(&[8])
//!     .solver(deepmultinet::estimator::Solver::Lbfgs)
//!     .alpha(0.0)
//!     .seed(3)
//!     .build()?;
//! clf.fit(&x, &y)?;
//! assert_eq!(clf.predict(&x)?, y);
//! assert_eq!(clf.classes(), &["off", "on"]);
//! let p = clf.predict_proba(&x)?; // samples × classes
//! assert!(p[(1, 1)] > 0.5);
//! # Ok::<(), deepmultinet::Error>(())
//! ```
//!
//! ## Below it: a [`Network`] and a [`Trainer`]
//!
//! A network built layer by layer (samples are **columns** from here down), an optimiser,
//! a [`TrainConfig`] and the trainer, which runs the epochs, validates, stops early and
//! guards against divergence ([`train`] has the open loop's pieces):
//!
//! ```
//! use deepmultinet::prelude::*;
//! use deepmultinet::optim::{Adam, AdamConfig};
//! use deepmultinet::rand::SeedableRng;
//!
//! let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
//! let mut net = Network::builder(2)
//!     .hidden(8, Tanh)
//!     .output(2, SoftmaxCrossEntropy::<f64>::new())
//!     .init(Init::Glorot)
//!     .build(&mut rng)?;
//! let x = nalgebra::DMatrix::from_column_slice(2, 4, &[0., 0., 0., 1., 1., 0., 1., 1.]);
//! let y = [0usize, 1, 1, 0];
//! let mut adam = Adam::new(AdamConfig { learning_rate: 0.05, ..Default::default() })?;
//! let config = TrainConfig { epochs: 300, batch_size: 4, ..Default::default() };
//! let history = Trainer::new(config)?
//!     .with_validation(&x, &y)?
//!     .fit(&mut net, &mut adam, &x, &y, &mut rng, &mut ())?; // `&mut ()`: no observer
//! assert_eq!(history.last().unwrap().validation_accuracy, Some(1.0));
//! # Ok::<(), deepmultinet::Error>(())
//! ```
//!
//! ## At the bottom: `cost_grad` on θ
//!
//! One call computes the cost and writes the gradient in θ's layout; any loop over it
//! trains — here plain gradient descent:
//!
//! ```
//! use deepmultinet::prelude::*;
//! use rand::SeedableRng;
//!
//! // 2 inputs → 8 tanh units → 2 classes (softmax + cross-entropy), f64.
//! let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
//! let mut net = Network::builder(2)
//!     .hidden(8, Tanh)
//!     .output(2, SoftmaxCrossEntropy::<f64>::new())
//!     .init(Init::Glorot)
//!     .build(&mut rng)?;
//! // XOR, one sample per column.
//! let x = nalgebra::DMatrix::from_column_slice(2, 4, &[0., 0., 0., 1., 1., 0., 1., 1.]);
//! let y = [0usize, 1, 1, 0];
//! let mut grad = vec![0.0; net.num_params()];
//! let mut ws = net.workspace(4);
//! for _ in 0..2000 {
//!     net.cost_grad(&mut ws, &x, &y, 0.0, &mut grad)?;
//!     for (t, g) in net.params_mut().iter_mut().zip(&grad) {
//!         *t -= 0.5 * g;
//!     }
//! }
//! assert_eq!(net.predict(&x)?, vec![0, 1, 1, 0]);
//! # Ok::<(), deepmultinet::Error>(())
//! ```
//!
//! # Modules
//!
//! From the engine room up (each imports only modules listed before it):
//!
//! | layer | modules |
//! |---|---|
//! | engine | `linalg` (GEMM, pool; the only `unsafe`), [`scalar`], [`error`] |
//! | solvers | [`optim`]: CG, L-BFGS, SGD, Adam on θ — knows only `&mut [T]` |
//! | model | [`layout`], [`activation`], [`loss`] (output heads), [`targets`], [`init`], [`network`] (forward, backprop, workspace, the network as an objective) |
//! | data | [`data`]: `Dataset`, IDX/MAT/CSV readers, mini-batch buffers |
//! | training | [`train`]: `Trainer`, and the open loop's pieces (`EpochRunner`, `evaluate`, `EarlyStopping`, `DivergenceGuard`, `WeightAverage`), events and progress |
//! | tools | [`gradcheck`], [`io`] (model files), [`metrics`], [`inspect`], `plot` (feature `plot`) |
//! | estimator | [`estimator`]: [`Classifier`], `Scaler`, `LabelEncoder` (uses training, data and io; nothing imports it) |
//!
//! Cargo features on by default: `plot` (PNG pictures), `progress` (an `indicatif`
//! bar in [`train::BarProgress`]; without it, plain lines), `safetensors` (model files in
//! [`io`]). Off by default: `onnx` (ONNX export, `io::onnx`) and `serde`
//! (`Serialize`/`Deserialize` for the configurations, [`History`] and
//! [`metrics::ConfusionMatrix`]; `History::to_json`).
#![warn(missing_docs)]
#![deny(unsafe_code)]

pub mod activation;
mod check;
pub mod data;
mod elementary;
pub mod error;
pub mod estimator;
mod files;
pub mod gradcheck;
pub mod init;
pub mod inspect;
pub mod io;
pub mod layout;
#[allow(unsafe_code)]
pub mod linalg;
#[cfg(feature = "live")]
pub mod live;
pub mod loss;
mod memory;
pub mod metrics;
pub mod network;
pub mod optim;
#[cfg(feature = "plot")]
pub mod plot;
pub mod scalar;
#[cfg(feature = "serde")]
mod serde_float;
pub mod targets;
pub mod train;

pub use activation::{
    Activation, Elementwise, Elu, Identity, LeakyRelu, Relu, Sigmoid, Softmax, Tanh,
};
pub use error::{Divergence, Error, Result};
pub use estimator::Classifier;
pub use gradcheck::{CheckIndices, GradientCheck, GradientCheckReport};
pub use init::Init;
pub use layout::Layout;
pub use linalg::pool::{num_threads, set_num_threads};
pub use loss::{MeanSquaredError, OutputLoss, SigmoidCrossEntropy, SoftmaxCrossEntropy};
pub use network::{Network, NetworkBuilder, Workspace};
pub use scalar::Scalar;
pub use targets::Targets;
pub use train::{Event, History, Observer, TrainConfig, Trainer};

/// The matrix crate of the public API (`nalgebra::DMatrix` in and out), re-exported so that
/// a program uses the same version: `deepmultinet::nalgebra::DMatrix`.
pub use nalgebra;
/// The random-number crate of the public API (`rand::Rng` for initialisation and
/// shuffling), re-exported so that a program uses the same version.
pub use rand;

/// The traits whose methods a program calls, and the types every program names:
/// `use deepmultinet::prelude::*;`. Configurations, progress displays and readers are
/// imported from their modules.
///
/// # Examples
///
/// ```
/// use deepmultinet::prelude::*;
/// let net = Network::with_sizes(&[3, 2], Identity, SoftmaxCrossEntropy::<f64>::new())?;
/// let clf: Classifier<String> = Classifier::builder().build()?;
/// assert_eq!((net.num_params(), clf.is_fitted()), (8, false));
/// # Ok::<(), deepmultinet::Error>(())
/// ```
pub mod prelude {
    pub use crate::activation::{
        Activation, Elementwise, Elu, Identity, LeakyRelu, Relu, Sigmoid, Softmax, Tanh,
    };
    pub use crate::data::Dataset;
    pub use crate::error::{Error, Result};
    pub use crate::estimator::Classifier;
    pub use crate::gradcheck::GradientCheck;
    pub use crate::init::Init;
    pub use crate::loss::{MeanSquaredError, OutputLoss, SigmoidCrossEntropy, SoftmaxCrossEntropy};
    pub use crate::network::{Network, Workspace};
    pub use crate::optim::{Minimizer, Objective, StepOptimizer};
    pub use crate::scalar::Scalar;
    pub use crate::targets::Targets;
    pub use crate::train::{History, Observer, TrainConfig, Trainer};
}

/// The README's code blocks run as doc tests, so the README stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
