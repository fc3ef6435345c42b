//! What a minimisation ends with: a [`MinimizeReport`] and its [`StopReason`], and the stop
//! rule CG and L-BFGS share.

use super::objective::Objective;
use crate::error::{Error, Result};
use crate::scalar::Scalar;
use std::fmt;

/// Why a [`Minimizer`](super::Minimizer) stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
