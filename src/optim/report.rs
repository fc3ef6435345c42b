//! What a minimisation ends with: a [`MinimizeReport`] and its [`StopReason`], and the stop
//! rule CG and L-BFGS share.
//!
//! # Examples
//!
//! ```
//! use deepmultinet::optim::{CgConfig, ConjugateGradient, Minimizer, StopReason};
//! let mut f = |x: &[f64], g: &mut [f64]| { g[0] = 2.0 * x[0]; x[0] * x[0] };
//! let mut cg = ConjugateGradient::new(CgConfig { max_iter: 3, ..Default::default() })?;
//! let report = cg.minimize(&mut f, &mut [4.0], &mut ())?;
//! assert_eq!(report.initial_cost, 16.0);
//! assert!(report.iterations <= 3 && report.evaluations >= 2);
//! assert!(matches!(report.stop, StopReason::MaxIterations | StopReason::LineSearchFailed));
//! println!("stopped because {}", report.stop); // Display says why in words
//! # Ok::<(), deepmultinet::Error>(())
//! ```

use super::objective::Objective;
use super::observe::{Iteration, IterationObserver};
use super::vecops::norm;
use crate::error::{Error, Result};
use crate::scalar::Scalar;
use std::fmt;

/// Why a [`Minimizer`](super::Minimizer) stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum StopReason {
    /// `max_iter` line searches were made.
    MaxIterations,
    /// The budget of cost/gradient evaluations is spent.
    MaxEvaluations,
    /// Two line searches in a row found no acceptable point (the second from steepest
    /// descent): nothing more can be gained at this precision.
    LineSearchFailed,
    /// The gradient's Euclidean norm fell to the tolerance.
    GradientTolerance,
    /// The observer asked to stop.
    Observer,
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StopReason::MaxIterations => "the iteration limit was reached",
            StopReason::MaxEvaluations => "the evaluation budget was spent",
            StopReason::LineSearchFailed => "two line searches in a row found no better point",
            StopReason::GradientTolerance => "the gradient norm reached the tolerance",
            StopReason::Observer => "the observer asked to stop",
        })
    }
}

/// What a [`Minimizer`](super::Minimizer) did. The final point is left in the `theta` it was given.
#[derive(Clone, Debug, PartialEq)]
pub struct MinimizeReport {
    /// Cost at the final point.
    pub cost: f64,
    /// Cost at the starting point.
    pub initial_cost: f64,
    /// Cost after each successful line search (fmincg's `fX`).
    pub costs: Vec<f64>,
    /// Line searches made (successful or not).
    pub iterations: usize,
    /// Cost/gradient evaluations, the one at the start included.
    pub evaluations: usize,
    /// Euclidean norm of the gradient at the final point.
    pub grad_norm: f64,
    /// Why the run stopped.
    pub stop: StopReason,
}

/// The stop rule CG and L-BFGS share, checked before each line search: the gradient norm
/// at or under `grad_tol` (when > 0), then `max_iter` line searches done, then `max_evals`
/// cost/gradient evaluations spent. `limits` is `(grad_tol, max_iter, max_evals)`.
pub(crate) fn budget_spent(
    limits: (f64, usize, usize),
    grad_norm: f64,
    iterations: usize,
    evaluations: usize,
) -> Option<StopReason> {
    let (grad_tol, max_iter, max_evals) = limits;
    if grad_tol > 0.0 && grad_norm <= grad_tol {
        Some(StopReason::GradientTolerance)
    } else if iterations >= max_iter {
        Some(StopReason::MaxIterations)
    } else if evaluations >= max_evals {
        Some(StopReason::MaxEvaluations)
    } else {
        None
    }
}

/// Checks what CG and L-BFGS share in their configurations: the line search, a finite
/// `grad_tol ≥ 0` and an evaluation budget of at least 1.
pub(crate) fn check_limits(
    line_search: &super::LineSearch,
    grad_tol: f64,
    max_evals: Option<usize>,
) -> Result<()> {
    line_search.check()?;
    crate::check::non_negative("grad_tol", grad_tol)?;
    match max_evals {
        Some(n) => crate::check::at_least_one("max_evals", n),
        None => Ok(()),
    }
}

/// Checks that an objective of known dimension fits θ.
pub(crate) fn check_dim<T: Scalar>(f: &dyn Objective<T>, n: usize) -> Result<()> {
    if let Some(d) = f.dim()
        && d != n
    {
        return Err(Error::shape(
            "parameter vector length (objective dimension)",
            d,
            n,
        ));
    }
    Ok(())
}

/// The bookkeeping CG and L-BFGS share: the first evaluation, the cost after each accepted
/// line search, the iteration and evaluation counts, the observer, the "two failed line
/// searches in a row" rule and the final report.
pub(crate) struct Run {
    /// Cost at the current point.
    pub(crate) cost: f64,
    initial_cost: f64,
    costs: Vec<f64>,
    /// Line searches started.
    pub(crate) iterations: usize,
    /// Cost/gradient evaluations made.
    pub(crate) evaluations: usize,
    failed_last: bool,
}

impl Run {
    /// Evaluates `f` at `theta` (gradient into `g`).
    ///
    /// # Errors
    /// [`Error::Diverged`] if the starting cost is not finite; any error of `f`.
    pub(crate) fn start<T: Scalar>(
        f: &mut dyn Objective<T>,
        theta: &[T],
        g: &mut [T],
        max_iter: usize,
    ) -> Result<Run> {
        let cost = f.cost_grad(theta, g)?.as_f64();
        if !cost.is_finite() {
            return Err(Error::Diverged {
                epoch: 0,
                cost,
                why: crate::error::Divergence::Cost,
            });
        }
        Ok(Run {
            cost,
            initial_cost: cost,
            costs: Vec::with_capacity(max_iter.min(1 << 16)),
            iterations: 0,
            evaluations: 1,
            failed_last: false,
        })
    }

    /// An accepted line search moved θ to a point of cost `cost` with gradient `g`: records
    /// it and tells the observer; `true` if the observer asks to stop.
    pub(crate) fn accepted<T: Scalar>(
        &mut self,
        cost: f64,
        g: &[T],
        theta: &[T],
        observer: &mut dyn IterationObserver<T>,
    ) -> bool {
        self.cost = cost;
        self.costs.push(cost);
        self.failed_last = false;
        let event = Iteration {
            iteration: self.iterations,
            cost,
            grad_norm: norm(g),
            evaluations: self.evaluations,
            params: theta,
        };
        observer.on_iteration(&event).is_break()
    }

    /// A line search failed; `true` if the one before failed too (time to stop).
    pub(crate) fn rejected(&mut self) -> bool {
        std::mem::replace(&mut self.failed_last, true)
    }

    /// The report, with the gradient `g` at the final point.
    pub(crate) fn finish<T: Scalar>(self, g: &[T], stop: StopReason) -> MinimizeReport {
        MinimizeReport {
            cost: self.cost,
            initial_cost: self.initial_cost,
            costs: self.costs,
            iterations: self.iterations,
            evaluations: self.evaluations,
            grad_norm: norm(g),
            stop,
        }
    }
}
