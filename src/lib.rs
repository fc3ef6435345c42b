//! # deepmultinet
//!
//! Feedforward neural networks that classify into many classes, with every weight and bias in
//! **one contiguous parameter vector θ** laid out exactly as MATLAB's
//! `[Theta1(:); Theta2(:); ...]`, vectorised batched backprop (GEMM, samples are columns),
//! pluggable activations and output heads, and a numerical gradient checker.
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
//! Modules, from the engine room up (each imports only modules listed before it):
//!
//! | layer | modules |
//! |---|---|
//! | engine | `linalg` (GEMM, pool; the only `unsafe`), [`scalar`], [`error`] |
//! | solvers | [`optim`]: CG, L-BFGS, SGD, Adam on θ — knows only `&mut [T]` |
//! | model | [`layout`], [`activation`], [`loss`] (output heads), [`targets`], [`init`], [`network`] (forward, backprop, workspace, the network as an objective) |
//! | data | [`data`]: `Dataset`, IDX/MAT/CSV readers, mini-batch buffers |
//! | training | [`train`]: `Trainer`, and the open loop's pieces (`EpochRunner`, `evaluate`, `EarlyStopping`, `DivergenceGuard`, `WeightAverage`), events and progress |
//! | tools | [`gradcheck`], [`io`] (model files), [`metrics`], [`inspect`], `plot` (feature `plot`) |
//!
//! Cargo features (all on by default): `plot` (PNG pictures), `progress` (an `indicatif`
//! bar in [`train::BarProgress`]; without it, plain lines), `safetensors` (model files in
//! [`io`]).
#![warn(missing_docs)]
#![deny(unsafe_code)]

pub mod activation;
mod check;
pub mod data;
pub mod error;
#[cfg(any(feature = "plot", feature = "safetensors"))]
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
pub mod metrics;
pub mod network;
pub mod optim;
#[cfg(feature = "plot")]
pub mod plot;
pub mod scalar;
pub mod targets;
pub mod train;

pub use activation::{
    Activation, Elementwise, Elu, Identity, LeakyRelu, Relu, Sigmoid, Softmax, Tanh,
};
pub use error::{Divergence, Error, Result};
pub use gradcheck::{CheckIndices, GradientCheck, GradientCheckReport};
pub use init::Init;
pub use layout::Layout;
pub use linalg::pool::{num_threads, set_num_threads};
pub use loss::{MeanSquaredError, OutputLoss, SigmoidCrossEntropy, SoftmaxCrossEntropy};
pub use network::{Network, NetworkBuilder, Workspace};
pub use scalar::Scalar;
pub use targets::Targets;
pub use train::{Event, History, Observer, TrainConfig, Trainer};

/// The traits whose methods a program calls, and the types every program names:
/// `use deepmultinet::prelude::*;`. Configurations, progress displays and readers are
/// imported from their modules.
pub mod prelude {
    pub use crate::activation::{
        Activation, Elementwise, Elu, Identity, LeakyRelu, Relu, Sigmoid, Softmax, Tanh,
    };
    pub use crate::data::Dataset;
    pub use crate::error::{Error, Result};
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
