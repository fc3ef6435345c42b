//! Optimisers on the unrolled parameter vector θ.
//!
//! Optimisers never see layers: they see `&mut [T]` and an [`Objective`] that returns the
//! cost and writes the gradient in one call. Two families:
//!
//! * [`Minimizer`]s run a whole minimisation with a line search — [`ConjugateGradient`]
//!   (Polak–Ribière, the behaviour of Rasmussen's `minimize`/`fmincg` that the course uses)
//!   and [`Lbfgs`]. Both share the Wolfe–Powell [`LineSearch`]. They return a
//!   [`MinimizeReport`]: the cost after each iteration, the iteration and evaluation counts
//!   and a [`StopReason`].
//! * [`StepOptimizer`]s take one step from a (mini-batch) gradient — [`Sgd`] (momentum,
//!   Nesterov, learning-rate [`Schedule`]s) and [`Adam`] (with decoupled weight decay, AdamW).
//!   A step performs no heap allocation (state is allocated on the first step).
//!
//! Configurations are plain structs with `Default` (unchecked); the constructors
//! (`ConjugateGradient::new`, `Sgd::new`, ...) validate them once and return
//! [`Error::InvalidParameter`](crate::Error::InvalidParameter) naming a bad value.
//!
//! # Examples
//!
//! ```
//! use deepmultinet::optim::{CgConfig, ConjugateGradient, Minimizer};
//! // Rosenbrock's function f(x, y) = (1 − x)² + 100 (y − x²)², a plain closure.
//! let mut rosenbrock = |p: &[f64], g: &mut [f64]| {
//!     let (x, y) = (p[0], p[1]);
//!     g[0] = -2.0 * (1.0 - x) - 400.0 * x * (y - x * x);
//!     g[1] = 200.0 * (y - x * x);
//!     (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2)
//! };
//! let mut cg = ConjugateGradient::new(CgConfig { max_iter: 200, ..Default::default() })?;
//! let mut p = [-1.2, 1.0];
//! let report = cg.minimize(&mut rosenbrock, &mut p, &mut ())?;
//! assert!((p[0] - 1.0).abs() < 1e-6 && (p[1] - 1.0).abs() < 1e-6);
//! assert!(report.cost < 1e-12);
//! # Ok::<(), deepmultinet::Error>(())
//! ```

// `!(x > 0.0)` rejects NaN along with the bad values: deliberate throughout.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

pub mod adam;
pub mod cg;
pub mod lbfgs;
pub mod line_search;
pub mod objective;
pub mod observe;
pub mod report;
pub mod sgd;
pub(crate) mod vecops;

pub use adam::{Adam, AdamConfig};
pub use cg::{CgConfig, ConjugateGradient};
pub use lbfgs::{Lbfgs, LbfgsConfig};
pub use line_search::{LineSearch, LineSearchOutcome};
pub use objective::{FallibleFn, Objective};
pub use observe::{Iteration, IterationObserver};
pub use report::{MinimizeReport, StopReason};
pub use sgd::{Schedule, Sgd, SgdConfig};

use crate::error::Result;
use crate::scalar::Scalar;

/// One update of θ from a gradient: the interface of mini-batch optimisers.
pub trait StepOptimizer<T: Scalar> {
    /// `θ ← update(θ, ∇J)`. Allocation-free after the first call.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`](crate::Error::ShapeMismatch) if `grad` and `theta` differ in
    /// length or the length changed since the first step.
    fn step(&mut self, theta: &mut [T], grad: &[T]) -> Result<()>;
    /// The base learning rate (before any schedule).
    fn learning_rate(&self) -> f64;
    /// Sets the base learning rate.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) unless `lr` is finite and > 0.
    fn set_learning_rate(&mut self, lr: f64) -> Result<()>;
    /// Forgets the state (momentum, moment estimates, step count).
    fn reset(&mut self);
}

/// A whole minimisation with a line search: conjugate gradient, L-BFGS.
pub trait Minimizer<T: Scalar> {
    /// Minimises `f` starting from `theta`, leaving the final point in `theta`.
    ///
    /// `observer` receives an [`Iteration`] after every successful line search and may stop
    /// the run (`&mut ()` observes nothing).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`](crate::Error::ShapeMismatch) if `f.dim()` differs from
    /// `theta.len()`; [`Error::Diverged`](crate::Error::Diverged) if the cost at the start is
    /// not finite; any error of the objective.
    fn minimize(
        &mut self,
        f: &mut dyn Objective<T>,
        theta: &mut [T],
        observer: &mut dyn IterationObserver<T>,
    ) -> Result<MinimizeReport>;
}
