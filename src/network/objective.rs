//! The network as an [`Objective`] of θ for the optimisers in [`crate::optim`] — the one
//! place where the model meets the solvers (the optimisers themselves know only `&mut [T]`).
//!
//! * [`NetworkObjective`]: a network, a data set (`inputs × m`, samples are columns), its
//!   targets and λ — the full-batch cost `J(θ)` that CG and L-BFGS minimise. It owns the
//!   [`Workspace`], so evaluations allocate nothing after the first.
//! * [`MiniBatchObjective`]: the same cost on a chosen subset of the samples, gathered into a
//!   preallocated [`BatchBuffer`].

use super::Network;
use super::dropout::Dropout;
use super::workspace::Workspace;
use crate::data::BatchBuffer;
use crate::error::Result;
use crate::loss::OutputLoss;
use crate::optim::Objective;
use crate::targets::Targets;
use nalgebra::DMatrixView;

/// Checks a network's data once, so per-evaluation errors can only be internal.
fn check_data<L: OutputLoss>(
    net: &Network<L>,
    x: &DMatrixView<'_, L::Scalar>,
    y: &Targets<'_, L::Scalar>,
    lambda: L::Scalar,
) -> Result<()> {
    let m = net.check_batch(x, "network objective")?;
    y.check(net.outputs(), m)?;
    crate::check::lambda(lambda)
}

/// The full-batch cost of a network on a data set: `J(θ) = (1/m) Σ cost + λ/(2m) Σ W²`.
///
/// ```
/// use deepmultinet::prelude::*;
/// use deepmultinet::network::NetworkObjective;
/// use deepmultinet::optim::Objective;
/// let net = Network::with_sizes(&[2, 3, 2], Sigmoid, SigmoidCrossEntropy::<f64>::new())?;
/// let x = nalgebra::DMatrix::from_column_slice(2, 2, &[0.0, 1.0, 1.0, 0.0]);
/// let labels = [0usize, 1];
/// let mut f = NetworkObjective::new(&net, &x, &labels, 0.0)?;
/// let mut grad = vec![0.0; net.num_params()];
/// let j = f.cost_grad(net.params(), &mut grad)?;
/// assert!((j - 2.0 * 2f64.ln()).abs() < 1e-12); // θ = 0: every output is 1/2
/// assert_eq!(f.dim(), Some(net.num_params()));
/// # Ok::<(), deepmultinet::Error>(())
/// ```
#[derive(Debug)]
pub struct NetworkObjective<'a, L: OutputLoss> {
    net: &'a Network<L>,
    x: DMatrixView<'a, L::Scalar>,
    y: Targets<'a, L::Scalar>,
    lambda: L::Scalar,
    ws: Workspace<L::Scalar>,
    /// A fixed dropout mask (the dropout and the step it was drawn for), if any.
    dropout: Option<(Dropout, u64)>,
}

impl<'a, L: OutputLoss> NetworkObjective<'a, L> {
    /// The cost of `net`'s architecture on samples `x` (`inputs × m`) with targets `y` and
    /// L2 strength `lambda`. Evaluations use the θ they are given, not the network's own.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`](crate::Error::ShapeMismatch),
    /// [`Error::EmptyBatch`](crate::Error::EmptyBatch),
    /// [`Error::LabelOutOfRange`](crate::Error::LabelOutOfRange),
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) (λ),
    /// [`Error::TooLarge`](crate::Error::TooLarge) if the workspace cannot be allocated.
    pub fn new(
        net: &'a Network<L>,
        x: impl Into<DMatrixView<'a, L::Scalar>>,
        y: impl Into<Targets<'a, L::Scalar>>,
        lambda: L::Scalar,
    ) -> Result<Self> {
        let (x, y) = (x.into(), y.into());
        check_data(net, &x, &y, lambda)?;
        let ws = net.try_workspace(x.ncols())?;
        Ok(NetworkObjective {
            net,
            x,
            y,
            lambda,
            ws,
            dropout: None,
        })
    }

    /// The cost of the thinned network that step `step`'s mask of `dropout` leaves: every
    /// evaluation drops the same units of the same samples, so the objective is a fixed,
    /// smooth function of θ (for ReLU away from its kink) — what a gradient check of the
    /// dropout backward pass needs. Training draws a new mask every step instead
    /// ([`train::EpochRunner::with_dropout`](crate::train::EpochRunner::with_dropout)).
    ///
    /// ```
    /// use deepmultinet::prelude::*;
    /// use deepmultinet::network::{Dropout, NetworkObjective};
    /// use rand::SeedableRng;
    /// let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
    /// let net = Network::builder(3).hidden(6, Tanh).output(2, SoftmaxCrossEntropy::<f64>::new())
    ///     .init(Init::Glorot).build(&mut rng)?;
    /// let x = nalgebra::DMatrix::from_fn(3, 5, |i, j| ((i * 5 + j) as f64).sin());
    /// let y = [0usize, 1, 1, 0, 1];
    /// let mut f = NetworkObjective::new(&net, &x, &y, 0.1)?
    ///     .with_dropout(Dropout::new(&[0.5], 3)?, 0)?;
    /// let all = (0..net.num_params()).collect();
    /// let check = GradientCheck::new().run_objective(&mut f, net.params(), all)?;
    /// assert!(check.relative_difference < 1e-8); // 1.5e-9 (1.3e-9 without dropout)
    /// # Ok::<(), deepmultinet::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`](crate::Error::ShapeMismatch) unless `dropout` has one rate
    /// per hidden layer.
    pub fn with_dropout(mut self, dropout: Dropout, step: u64) -> Result<Self> {
        dropout.check_layers(self.net.num_layers() - 1)?;
        self.dropout = Some((dropout, step));
        Ok(self)
    }

    /// Number of samples.
    pub fn samples(&self) -> usize {
        self.x.ncols()
    }
}

impl<L: OutputLoss> Objective<L::Scalar> for NetworkObjective<'_, L> {
    fn dim(&self) -> Option<usize> {
        Some(self.net.num_params())
    }
    fn cost_grad(&mut self, theta: &[L::Scalar], grad: &mut [L::Scalar]) -> Result<L::Scalar> {
        let (x, y, lambda, ws) = (self.x, self.y, self.lambda, &mut self.ws);
        match &self.dropout {
            None => self.net.cost_grad_at(theta, ws, x, y, lambda, grad),
            Some((dropout, step)) => {
                let mask = dropout.mask(*step);
                self.net
                    .cost_grad_dropout_at(theta, ws, x, y, lambda, mask, grad)
            }
        }
    }
}

/// The cost of a network on a selected mini-batch of a data set. Choose the samples with
/// [`select`](Self::select); they are copied into a preallocated buffer, so selecting and
/// evaluating allocate nothing.
///
/// ```
/// use deepmultinet::prelude::*;
/// use deepmultinet::network::MiniBatchObjective;
/// use deepmultinet::optim::Objective;
/// let net = Network::with_sizes(&[2, 3, 2], Sigmoid, SigmoidCrossEntropy::<f64>::new())?;
/// let x = nalgebra::DMatrix::from_column_slice(2, 4, &[0., 0., 0., 1., 1., 0., 1., 1.]);
/// let labels = [0usize, 1, 1, 0];
/// let mut f = MiniBatchObjective::new(&net, &x, &labels, 0.0, 2)?;
/// f.select(&[3, 1])?;
/// let mut grad = vec![0.0; net.num_params()];
/// let j = f.cost_grad(net.params(), &mut grad)?;
/// assert!((j - 2.0 * 2f64.ln()).abs() < 1e-12);
/// assert!(f.select(&[0, 1, 2]).is_err()); // more than the batch capacity
/// # Ok::<(), deepmultinet::Error>(())
/// ```
#[derive(Debug)]
pub struct MiniBatchObjective<'a, L: OutputLoss> {
    net: &'a Network<L>,
    x: DMatrixView<'a, L::Scalar>,
    y: Targets<'a, L::Scalar>,
    lambda: L::Scalar,
    batch: BatchBuffer<L::Scalar>,
    ws: Workspace<L::Scalar>,
}

impl<'a, L: OutputLoss> MiniBatchObjective<'a, L> {
    /// Mini-batches of up to `batch_size` samples of `x` (`inputs × m`) with targets `y`.
    /// The first `min(batch_size, m)` samples are selected until [`select`](Self::select).
    ///
    /// # Errors
    /// As [`NetworkObjective::new`], and
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) for `batch_size == 0`.
    pub fn new(
        net: &'a Network<L>,
        x: impl Into<DMatrixView<'a, L::Scalar>>,
        y: impl Into<Targets<'a, L::Scalar>>,
        lambda: L::Scalar,
        batch_size: usize,
    ) -> Result<Self> {
        let (x, y) = (x.into(), y.into());
        check_data(net, &x, &y, lambda)?;
        crate::check::at_least_one("batch_size", batch_size)?;
        let cap = batch_size.min(x.ncols());
        let mut batch = BatchBuffer::try_new(net.inputs(), net.outputs(), cap, &y)?;
        let first: Vec<usize> = (0..cap).collect();
        batch.gather(x, &y, &first)?;
        let ws = net.try_workspace(cap)?;
        Ok(MiniBatchObjective {
            net,
            x,
            y,
            lambda,
            batch,
            ws,
        })
    }

    /// Makes the samples `indices` (columns of the data) the current mini-batch.
    ///
    /// # Errors
    /// As [`BatchBuffer::gather`].
    pub fn select(&mut self, indices: &[usize]) -> Result<()> {
        self.batch.gather(self.x, &self.y, indices)
    }

    /// Number of samples in the current mini-batch.
    pub fn batch_len(&self) -> usize {
        self.batch.len()
    }
}

impl<L: OutputLoss> Objective<L::Scalar> for MiniBatchObjective<'_, L> {
    fn dim(&self) -> Option<usize> {
        Some(self.net.num_params())
    }
    fn cost_grad(&mut self, theta: &[L::Scalar], grad: &mut [L::Scalar]) -> Result<L::Scalar> {
        self.net.cost_grad_at(
            theta,
            &mut self.ws,
            self.batch.x(),
            self.batch.targets(),
            self.lambda,
            grad,
        )
    }
}
