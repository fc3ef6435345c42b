//! What an optimiser minimises: a function of θ that returns its cost and writes its gradient
//! in one call.
//!
//! * Any closure `|θ: &[T], grad: &mut [T]| -> T` is an [`Objective`] (of unknown dimension),
//!   so the optimisers work on any smooth function; [`FallibleFn`] wraps one that returns
//!   `Result<T>`.
//! * A network's cost on a data set is an objective too:
//!   [`NetworkObjective`](crate::network::NetworkObjective) and
//!   [`MiniBatchObjective`](crate::network::MiniBatchObjective) live with the network, which
//!   knows how to evaluate itself; this module knows only θ.
//!
//! # Examples
//!
//! ```
//! use deepmultinet::optim::Objective;
//! // A closure is an objective: cost returned, gradient written.
//! let mut f = |x: &[f64], g: &mut [f64]| { g[0] = 2.0 * x[0]; x[0] * x[0] };
//! let mut g = [0.0];
//! assert_eq!(Objective::cost_grad(&mut f, &[3.0], &mut g)?, 9.0);
//! assert_eq!((g[0], Objective::<f64>::dim(&f)), (6.0, None));
//! # Ok::<(), deepmultinet::Error>(())
//! ```

use crate::error::Result;
use crate::scalar::Scalar;

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
