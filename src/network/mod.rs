//! [`Network<L>`]: a [`Layout`], the hidden activations, an output head `L`, and one flat
//! parameter vector θ.
//!
//! # Examples
//!
//! ```
//! use deepmultinet::prelude::*;
//! use rand::SeedableRng;
//!
//! let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(0);
//! let net = Network::builder(4)
//!     .hidden(8, Relu)
//!     .hidden(6, Tanh)
//!     .output(3, SoftmaxCrossEntropy::<f64>::new())
//!     .init(Init::Glorot)
//!     .build(&mut rng)
//!     .unwrap();
//! assert_eq!(net.sizes(), &[4, 8, 6, 3]);
//! assert_eq!(net.num_params(), 8 * 5 + 6 * 9 + 3 * 7);
//! assert_eq!(net.theta_matrix(2).unwrap().shape(), (3, 7));
//! ```

mod backprop;
mod builder;
pub mod dropout;
mod forward;
mod objective;
mod owned;
mod split;
mod workspace;

pub use builder::NetworkBuilder;
pub use dropout::{Dropout, DropoutMask};
pub use forward::argmax;
pub use objective::{MiniBatchObjective, NetworkObjective};
pub use workspace::Workspace;

use crate::activation::Activation;
use crate::error::{Error, Result};
use crate::init::Init;
use crate::layout::Layout;
use crate::loss::OutputLoss;
use crate::memory;
use nalgebra::{DMatrix, DMatrixView, DMatrixViewMut, DVectorView};
use num_traits::Zero;
use rand::Rng;
use std::fmt;
use std::sync::Arc;

/// What θ is called in [`Error::TooLarge`].
const THETA: &str = "parameter vector θ";

/// A feedforward network whose output head (loss + output activation) is `L`.
///
/// `Network<SigmoidCrossEntropy<f64>>` is the course's network,
/// `Network<SoftmaxCrossEntropy<f32>>` a modern classifier.
#[derive(Clone)]
pub struct Network<L: OutputLoss> {
    layout: Layout,
    hidden: Vec<Arc<dyn Activation<L::Scalar>>>,
    head: L,
    theta: Vec<L::Scalar>,
}

impl<L: OutputLoss> fmt::Debug for Network<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Network")
            .field("sizes", &self.layout.sizes())
            .field(
                "hidden",
                &self.hidden.iter().map(|a| a.name()).collect::<Vec<_>>(),
            )
            .field("head", &self.head.name())
            .field("output_activation", &self.head.output_activation())
            .field("num_params", &self.theta.len())
            .finish()
    }
}

impl<L: OutputLoss> Network<L> {
    /// Starts a builder for a network with `inputs` inputs.
    pub fn builder(inputs: usize) -> NetworkBuilder<L> {
        NetworkBuilder {
            inputs,
            hidden: Vec::new(),
            output: None,
            init: Init::default(),
        }
    }

    /// A network with layer `sizes` (inputs first), one activation per hidden layer
    /// (`hidden.len() == sizes.len() - 2`), head `head` and parameters `theta`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for bad sizes or a wrong number of activations;
    /// [`Error::ParamLength`] if `theta` does not fit the sizes.
    pub fn from_parts(
        sizes: &[usize],
        hidden: Vec<Arc<dyn Activation<L::Scalar>>>,
        head: L,
        theta: Vec<L::Scalar>,
    ) -> Result<Self> {
        let layout = Layout::new(sizes)?;
        if hidden.len() != layout.num_layers() - 1 {
            return Err(Error::InvalidConfig(format!(
                "{} hidden layer(s) in sizes {sizes:?} but {} hidden activation(s)",
                layout.num_layers() - 1,
                hidden.len()
            )));
        }
        layout.check_params(theta.len())?;
        Ok(Network {
            layout,
            hidden,
            head,
            theta,
        })
    }

    /// A network with every hidden layer using `activation` and all parameters zero.
    ///
    /// # Errors
    /// As [`from_parts`](Self::from_parts); [`Error::TooLarge`] if θ cannot be allocated
    /// (a 10⁶ × 10⁶ layer needs 8 TB).
    pub fn with_sizes(
        sizes: &[usize],
        activation: impl Activation<L::Scalar> + 'static,
        head: L,
    ) -> Result<Self> {
        let layout = Layout::new(sizes)?;
        let act: Arc<dyn Activation<L::Scalar>> = Arc::new(activation);
        let hidden = vec![act; layout.num_layers() - 1];
        let theta = memory::try_vec(THETA, layout.num_params(), L::Scalar::zero())?;
        Self::from_parts(sizes, hidden, head, theta)
    }

    /// The layout (sizes and θ offsets).
    pub fn layout(&self) -> &Layout {
        &self.layout
    }
    /// Layer sizes, inputs first.
    pub fn sizes(&self) -> &[usize] {
        self.layout.sizes()
    }
    /// Number of inputs.
    pub fn inputs(&self) -> usize {
        self.layout.inputs()
    }
    /// Number of outputs (classes).
    pub fn outputs(&self) -> usize {
        self.layout.outputs()
    }
    /// Number of weight layers (hidden layers + 1).
    pub fn num_layers(&self) -> usize {
        self.layout.num_layers()
    }
    /// Length of θ.
    pub fn num_params(&self) -> usize {
        self.layout.num_params()
    }
    /// The hidden activations, one per hidden layer.
    pub fn hidden_activations(&self) -> &[Arc<dyn Activation<L::Scalar>>] {
        &self.hidden
    }
    /// The output head.
    pub fn head(&self) -> &L {
        &self.head
    }

    /// θ, laid out as MATLAB's `[Theta1(:); Theta2(:); ...]`.
    pub fn params(&self) -> &[L::Scalar] {
        &self.theta
    }
    /// θ, mutable (its length is fixed).
    pub fn params_mut(&mut self) -> &mut [L::Scalar] {
        &mut self.theta
    }
    /// Replaces θ by a copy of `theta`.
    ///
    /// # Errors
    /// [`Error::ParamLength`] if the length differs from [`num_params`](Self::num_params).
    pub fn set_params(&mut self, theta: &[L::Scalar]) -> Result<()> {
        self.layout.check_params(theta.len())?;
        self.theta.copy_from_slice(theta);
        Ok(())
    }
    /// Consumes the network, returning θ.
    pub fn into_params(self) -> Vec<L::Scalar> {
        self.theta
    }

    pub(crate) fn check_layer(&self, l: usize) -> Result<()> {
        crate::check::index("layer", l, self.num_layers())
    }
    /// Zero-copy view of layer `l`'s weights `W_l` (`s_{l+1} × s_l`, bias excluded).
    ///
    /// # Errors
    /// [`Error::IndexOutOfRange`] if `l` is not a layer index.
    pub fn weights(&self, l: usize) -> Result<DMatrixView<'_, L::Scalar>> {
        self.check_layer(l)?;
        Ok(self.layout.weights(&self.theta, l))
    }
    /// Zero-copy mutable view of `W_l`.
    ///
    /// # Errors
    /// [`Error::IndexOutOfRange`] if `l` is not a layer index.
    pub fn weights_mut(&mut self, l: usize) -> Result<DMatrixViewMut<'_, L::Scalar>> {
        self.check_layer(l)?;
        Ok(self.layout.weights_mut(&mut self.theta, l))
    }
    /// Zero-copy view of layer `l`'s bias `b_l` (`s_{l+1}` values).
    ///
    /// # Errors
    /// [`Error::IndexOutOfRange`] if `l` is not a layer index.
    pub fn bias(&self, l: usize) -> Result<DVectorView<'_, L::Scalar>> {
        self.check_layer(l)?;
        Ok(self.layout.bias(&self.theta, l))
    }
    /// Zero-copy view of `Theta_l` (`s_{l+1} × (s_l + 1)`, column 0 the bias).
    ///
    /// # Errors
    /// [`Error::IndexOutOfRange`] if `l` is not a layer index.
    pub fn theta_view(&self, l: usize) -> Result<DMatrixView<'_, L::Scalar>> {
        self.check_layer(l)?;
        Ok(self.layout.theta(&self.theta, l))
    }
    /// `Theta_l` copied into an owned matrix (for pictures and comparison with other tools).
    ///
    /// # Errors
    /// [`Error::IndexOutOfRange`] if `l` is not a layer index.
    pub fn theta_matrix(&self, l: usize) -> Result<DMatrix<L::Scalar>> {
        Ok(self.theta_view(l)?.into_owned())
    }

    /// Redraws θ with `init` from `rng`.
    pub fn initialize<R: Rng + ?Sized>(&mut self, init: Init, rng: &mut R) {
        init.fill(&self.layout, &mut self.theta, rng);
    }

    /// A workspace for batches of up to `max_batch` samples (it grows if needed).
    ///
    /// Never fails: the preallocation is best effort. If the buffers cannot be allocated
    /// (a huge `max_batch`), the workspace starts empty and the first
    /// [`forward`](Self::forward) or [`cost_grad`](Self::cost_grad) that needs them returns
    /// [`Error::TooLarge`]. [`try_workspace`](Self::try_workspace) reports it at once.
    pub fn workspace(&self, max_batch: usize) -> Workspace<L::Scalar> {
        Workspace::new(self.layout.sizes(), max_batch)
    }

    /// A workspace for batches of up to `max_batch` samples, allocated now.
    ///
    /// # Errors
    /// [`Error::TooLarge`] if its buffers (`3 · max_batch` values per unit of every layer
    /// after the inputs) overflow or cannot be allocated.
    ///
    /// ```
    /// use deepmultinet::prelude::*;
    /// let net = Network::with_sizes(&[784, 30, 10], Sigmoid, SigmoidCrossEntropy::<f64>::new())?;
    /// assert_eq!(net.try_workspace(100)?.capacity(), 100);
    /// assert!(matches!(net.try_workspace(usize::MAX), Err(Error::TooLarge { .. })));
    /// # Ok::<(), deepmultinet::Error>(())
    /// ```
    pub fn try_workspace(&self, max_batch: usize) -> Result<Workspace<L::Scalar>> {
        Workspace::try_new(self.layout.sizes(), max_batch)
    }
}
