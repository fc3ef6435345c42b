//! How a [`Minimizer`](super::Minimizer) reports its progress: an [`Iteration`] after every
//! successful line search, to an [`IterationObserver`] that may stop the run.
//!
//! This is the optimisers' own small vocabulary: it knows θ and numbers, never a network
//! or a training loop. The training loop's [`Event`](crate::train::Event) wraps it
//! (`Event::Iteration`), so one observer can follow both.
//!
//! # Examples
//!
//! ```
//! use deepmultinet::optim::{CgConfig, ConjugateGradient, Iteration, IterationObserver, Minimizer};
//! use std::ops::ControlFlow;
//!
//! /// Stops once the cost is below a threshold, remembering the iterations seen.
//! struct StopBelow(f64, usize);
//! impl IterationObserver<f64> for StopBelow {
//!     fn on_iteration(&mut self, it: &Iteration<'_, f64>) -> ControlFlow<()> {
//!         self.1 = it.iteration;
//!         if it.cost < self.0 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
//!     }
//! }
//! let mut bowl = |p: &[f64], g: &mut [f64]| { g[0] = 2.0 * p[0]; p[0] * p[0] };
//! let mut stop = StopBelow(1e-6, 0);
//! let mut p = [3.0];
//! let report = ConjugateGradient::new(CgConfig::default())?.minimize(&mut bowl, &mut p, &mut stop)?;
//! assert_eq!(report.stop, deepmultinet::optim::StopReason::Observer);
//! assert_eq!(stop.1, report.iterations);
//! # Ok::<(), deepmultinet::Error>(())
//! ```

use crate::scalar::Scalar;
use std::ops::ControlFlow;

/// A minimiser's state after a successful line search.
#[derive(Clone, Copy, Debug)]
pub struct Iteration<'a, T> {
    /// Line searches so far (1-based).
    pub iteration: usize,
    /// Cost at the new point.
    pub cost: f64,
    /// Euclidean norm of the gradient there.
    pub grad_norm: f64,
    /// Cost/gradient evaluations so far.
    pub evaluations: usize,
    /// The new point θ.
    pub params: &'a [T],
}

/// Receives a minimiser's [`Iteration`]s; returning [`ControlFlow::Break`] stops the run
/// (with [`StopReason::Observer`](super::StopReason::Observer)). `()` observes nothing.
pub trait IterationObserver<T: Scalar> {
    /// Called after every successful line search.
    fn on_iteration(&mut self, iteration: &Iteration<'_, T>) -> ControlFlow<()>;
}

impl<T: Scalar> IterationObserver<T> for () {
    fn on_iteration(&mut self, _: &Iteration<'_, T>) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }
}

impl<T: Scalar, O: IterationObserver<T> + ?Sized> IterationObserver<T> for &mut O {
    fn on_iteration(&mut self, iteration: &Iteration<'_, T>) -> ControlFlow<()> {
        (**self).on_iteration(iteration)
    }
}
