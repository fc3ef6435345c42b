//! What an optimiser minimises: a function of θ that returns its cost and writes its gradient
//! in one call.
//!
//! * Any closure `|θ: &[T], grad: &mut [T]| -> T` is an [`Objective`] (of unknown dimension),
//!   so the optimisers work on any smooth function; [`FallibleFn`] wraps one that returns
//!   `Result<T>`.
//! * [`NetworkObjective`]: a network, a data set (`inputs × m`, samples are columns), its
//!   targets and λ — the full-batch cost `J(θ)` that CG and L-BFGS minimise. It owns the
//!   [`Workspace`], so evaluations allocate nothing after the first.
//! * [`MiniBatchObjective`]: the same cost on a chosen subset of the samples, gathered into a
//!   preallocated [`BatchBuffer`].

use crate::error::{Error, Result};
use crate::loss::OutputLoss;
use crate::network::Network;
use crate::scalar::Scalar;
use crate::targets::Targets;
use crate::train::BatchBuffer;
use crate::workspace::Workspace;
use nalgebra::DMatrixView;

/// A differentiable function of θ.
pub trait Objective<T: Scalar> {
    /// Number of parameters, if the objective knows it (closures do not).
    fn dim(&self) -> Option<usize>;
    /// Returns `J(θ)` and writes `∇J(θ)` into `grad` (same length as `theta`).
    ///
    /// # Errors
    /// Whatever the underlying function reports (e.g. a shape error of a network).
    fn cost_grad(&mut self, theta: &[T], grad: &mut [T]) -> Result<T>;
}

impl<T: Scalar, F> Objective<T> for F
where
    F: FnMut(&[T], &mut [T]) -> T,
{
    fn dim(&self) -> Option<usize> {
        None
    }
    fn cost_grad(&mut self, theta: &[T], grad: &mut [T]) -> Result<T> {
        Ok(self(theta, grad))
    }
}

/// A closure that can fail, `|θ, grad| -> Result<T>`, as an [`Objective`] of known dimension.
///
/// ```
/// use deepmultinet::optim::{FallibleFn, Objective};
/// let mut f = FallibleFn::new(1, |x: &[f64], g: &mut [f64]| {
///     g[0] = 2.0 * x[0];
///     Ok(x[0] * x[0])
/// });
/// let mut g = [0.0];
/// assert_eq!(f.cost_grad(&[3.0], &mut g)?, 9.0);
/// assert_eq!(g[0], 6.0);
/// # Ok::<(), deepmultinet::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct FallibleFn<F> {
    dim: usize,
    f: F,
}

impl<F> FallibleFn<F> {
    /// Wraps `f`, a function of `dim` parameters.
    pub fn new(dim: usize, f: F) -> Self {
        FallibleFn { dim, f }
    }
}

impl<T: Scalar, F> Objective<T> for FallibleFn<F>
where
    F: FnMut(&[T], &mut [T]) -> Result<T>,
{
    fn dim(&self) -> Option<usize> {
        Some(self.dim)
    }
    fn cost_grad(&mut self, theta: &[T], grad: &mut [T]) -> Result<T> {
        (self.f)(theta, grad)
    }
}

/// Checks a network's data once, so per-evaluation errors can only be internal.
fn check_data<L: OutputLoss>(
    net: &Network<L>,
    x: &DMatrixView<'_, L::Scalar>,
    y: &Targets<'_, L::Scalar>,
    lambda: L::Scalar,
) -> Result<()> {
    if x.nrows() != net.inputs() {
        return Err(Error::shape(
            "objective data rows (network inputs)",
            net.inputs(),
            x.nrows(),
        ));
    }
    if x.ncols() == 0 {
        return Err(Error::EmptyBatch {
            context: "network objective",
        });
    }
    y.check(net.outputs(), x.ncols())?;
    if !(lambda.as_f64() >= 0.0 && lambda.as_f64().is_finite()) {
        return Err(Error::InvalidConfig(format!(
            "regularisation λ must be finite and ≥ 0, found {lambda}"
        )));
    }
    Ok(())
}

/// The full-batch cost of a network on a data set: `J(θ) = (1/m) Σ cost + λ/(2m) Σ W²`.
///
/// ```
/// use deepmultinet::prelude::*;
/// use deepmultinet::optim::{NetworkObjective, Objective};
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
}

impl<'a, L: OutputLoss> NetworkObjective<'a, L> {
    /// The cost of `net`'s architecture on samples `x` (`inputs × m`) with targets `y` and
    /// L2 strength `lambda`. Evaluations use the θ they are given, not the network's own.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`], [`Error::EmptyBatch`], [`Error::LabelOutOfRange`],
    /// [`Error::InvalidConfig`] (λ).
    pub fn new(
        net: &'a Network<L>,
        x: impl Into<DMatrixView<'a, L::Scalar>>,
        y: impl Into<Targets<'a, L::Scalar>>,
        lambda: L::Scalar,
    ) -> Result<Self> {
        let (x, y) = (x.into(), y.into());
        check_data(net, &x, &y, lambda)?;
        let ws = net.workspace(x.ncols());
        Ok(NetworkObjective {
            net,
            x,
            y,
            lambda,
            ws,
        })
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
        self.net
            .cost_grad_at(theta, &mut self.ws, self.x, self.y, self.lambda, grad)
    }
}

/// The cost of a network on a selected mini-batch of a data set. Choose the samples with
/// [`select`](Self::select); they are copied into a preallocated buffer, so selecting and
/// evaluating allocate nothing.
///
/// ```
/// use deepmultinet::prelude::*;
/// use deepmultinet::optim::{MiniBatchObjective, Objective};
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
    /// As [`NetworkObjective::new`], and [`Error::InvalidConfig`] for `batch_size == 0`.
    pub fn new(
        net: &'a Network<L>,
        x: impl Into<DMatrixView<'a, L::Scalar>>,
        y: impl Into<Targets<'a, L::Scalar>>,
        lambda: L::Scalar,
        batch_size: usize,
    ) -> Result<Self> {
        let (x, y) = (x.into(), y.into());
        check_data(net, &x, &y, lambda)?;
        if batch_size == 0 {
            return Err(Error::InvalidConfig("batch size must be at least 1".into()));
        }
        let cap = batch_size.min(x.ncols());
        let mut batch = BatchBuffer::new(net.inputs(), net.outputs(), cap, &y);
        let first: Vec<usize> = (0..cap).collect();
        batch.gather(&x, &y, &first)?;
        let ws = net.workspace(cap);
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
    /// [`Error::InvalidConfig`] for an empty selection, more indices than the batch size, or
    /// an index past the data.
    pub fn select(&mut self, indices: &[usize]) -> Result<()> {
        self.batch.gather(&self.x, &self.y, indices)
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
