//! [`NetworkBuilder`]: a network layer by layer, validated once at `build`.

use super::Network;
use crate::activation::Activation;
use crate::error::{Error, Result};
use crate::init::Init;
use crate::layout::Layout;
use crate::loss::OutputLoss;
use crate::memory;
use num_traits::Zero;
use rand::Rng;
use std::fmt;
use std::sync::Arc;

/// A hidden layer's width and activation, as the builder collects them.
type HiddenLayer<T> = (usize, Arc<dyn Activation<T>>);

/// Builds a [`Network`] layer by layer: `Network::builder(784).hidden(128, Relu)
/// .output(10, SoftmaxCrossEntropy::new()).init(Init::He).build(&mut rng)`.
#[must_use = "a builder does nothing until `build` is called"]
pub struct NetworkBuilder<L: OutputLoss> {
    pub(super) inputs: usize,
    pub(super) hidden: Vec<HiddenLayer<L::Scalar>>,
    pub(super) output: Option<(usize, L)>,
    pub(super) init: Init,
}

impl<L: OutputLoss> fmt::Debug for NetworkBuilder<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NetworkBuilder")
            .field("inputs", &self.inputs)
            .field(
                "hidden",
                &self
                    .hidden
                    .iter()
                    .map(|(n, a)| (*n, a.name()))
                    .collect::<Vec<_>>(),
            )
            .field("outputs", &self.output.as_ref().map(|o| o.0))
            .field("init", &self.init)
            .finish()
    }
}

impl<L: OutputLoss> NetworkBuilder<L> {
    /// Adds a hidden layer of `units` units with `activation`.
    pub fn hidden(self, units: usize, activation: impl Activation<L::Scalar> + 'static) -> Self {
        self.hidden_shared(units, Arc::new(activation))
    }
    /// Adds a hidden layer with a shared (e.g. parsed-by-name) activation.
    pub fn hidden_shared(
        mut self,
        units: usize,
        activation: Arc<dyn Activation<L::Scalar>>,
    ) -> Self {
        self.hidden.push((units, activation));
        self
    }
    /// Adds hidden layers of the given widths, all with `activation` (e.g. from `--hidden 128,64`).
    pub fn hidden_layers(
        mut self,
        widths: &[usize],
        activation: Arc<dyn Activation<L::Scalar>>,
    ) -> Self {
        for &w in widths {
            self.hidden.push((w, activation.clone()));
        }
        self
    }
    /// Sets the output layer: `outputs` units (classes) and the head.
    pub fn output(mut self, outputs: usize, head: L) -> Self {
        self.output = Some((outputs, head));
        self
    }
    /// Chooses the initialisation (default [`Init::Uniform`] with ε = 0.12).
    pub fn init(mut self, init: Init) -> Self {
        self.init = init;
        self
    }

    fn assemble(self) -> Result<Network<L>> {
        let (outputs, head) = self.output.ok_or_else(|| {
            Error::InvalidConfig("the builder has no output layer: call `.output(n, head)`".into())
        })?;
        let mut sizes = vec![self.inputs];
        sizes.extend(self.hidden.iter().map(|(n, _)| *n));
        sizes.push(outputs);
        let layout = Layout::new(&sizes)?;
        let theta = memory::try_vec(super::THETA, layout.num_params(), L::Scalar::zero())?;
        let hidden = self.hidden.into_iter().map(|(_, a)| a).collect();
        Network::from_parts(&sizes, hidden, head, theta)
    }

    /// Builds the network, drawing θ from `rng` with the chosen initialisation.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] if there is no output layer, a size is 0 or the parameter
    /// count overflows; [`Error::TooLarge`] if θ cannot be allocated (a 10⁶ × 10⁶ layer
    /// needs 8 TB) — checked before any value is drawn.
    pub fn build<R: Rng + ?Sized>(self, rng: &mut R) -> Result<Network<L>> {
        let init = self.init;
        let mut net = self.assemble()?;
        net.initialize(init, rng);
        Ok(net)
    }

    /// Builds the network with θ = 0 (to be set with [`Network::set_params`]).
    ///
    /// # Errors
    /// As [`build`](Self::build).
    pub fn build_zeroed(self) -> Result<Network<L>> {
        self.assemble()
    }
}
