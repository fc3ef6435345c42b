//! Nonlinear conjugate gradient (Polak–Ribière) with the behaviour of Rasmussen's
//! `minimize`/`fmincg`, the minimiser the course uses.
//!
//! Written from Nocedal & Wright, *Numerical Optimization*, ch. 5 (§5.2): from `x₀` with
//! gradient `g₀` and `d₀ = −g₀`, each iteration runs the Wolfe–Powell [`LineSearch`] along
//! `d_k`, then
//!
//! * `β = g_{k+1}·(g_{k+1} − g_k) / (g_k·g_k)` (Polak–Ribière),
//! * `d_{k+1} = −g_{k+1} + β d_k`, restarted as steepest descent `−g_{k+1}` when it is not a
//!   descent direction (`g_{k+1}·d_{k+1} ≥ 0`),
//! * the next first trial step is `α_k · min(RATIO, (g_k·d_k) / (g_{k+1}·d_{k+1}))` (N&W
//!   eq. 3.60, capped); the very first is `1 / (1 − g₀·d₀)`.
//!
//! A failed line search leaves the point unchanged and restarts from steepest descent; a
//! second failure in a row stops the run. The run also stops after `max_iter` line searches,
//! when the evaluation budget is spent or when `‖g‖ ≤ grad_tol`.
//!
//! # Examples
//!
//! ```
//! use deepmultinet::optim::{CgConfig, ConjugateGradient, Minimizer, StopReason};
//! // f(x) = Σ (xᵢ − i)², minimum at (0, 1, 2).
//! let mut f = |x: &[f64], g: &mut [f64]| {
//!     let mut cost = 0.0;
//!     for (i, (xi, gi)) in x.iter().zip(g.iter_mut()).enumerate() {
//!         *gi = 2.0 * (xi - i as f64);
//!         cost += (xi - i as f64).powi(2);
//!     }
//!     cost
//! };
//! let mut cg = ConjugateGradient::new(CgConfig { max_iter: 50, grad_tol: 1e-10, ..Default::default() })?;
//! let mut x = [5.0, 5.0, 5.0];
//! let report = cg.minimize(&mut f, &mut x, &mut ())?;
//! assert_eq!(report.stop, StopReason::GradientTolerance);
//! assert!((x[2] - 2.0).abs() < 1e-9);
//! # Ok::<(), deepmultinet::Error>(())
//! ```

use super::Minimizer;
use super::line_search::LineSearch;
use super::objective::Objective;
use super::observe::IterationObserver;
use super::report::{MinimizeReport, Run, StopReason, budget_spent, check_dim, check_limits};
use super::vecops::{dot, norm};
use crate::error::Result;
use crate::scalar::Scalar;

/// Configuration of [`ConjugateGradient`].
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct CgConfig {
    /// Line searches to make at most (fmincg's `MaxIter`; default 100).
    pub max_iter: usize,
    /// Cost/gradient evaluations allowed in total (default `None`: no limit besides
    /// `max_iter × line_search.max_evals + 1`).
    pub max_evals: Option<usize>,
    /// Stop when the gradient's Euclidean norm is at most this (default 0: never).
    pub grad_tol: f64,
    /// The line search.
    pub line_search: LineSearch,
}

impl Default for CgConfig {
    fn default() -> Self {
        CgConfig {
            max_iter: 100,
            max_evals: None,
            grad_tol: 0.0,
            line_search: LineSearch::default(),
        }
    }
}

/// Polak–Ribière conjugate gradient (see the module docs). Build with
/// [`ConjugateGradient::new`], which validates the configuration.
#[derive(Clone, Debug)]
pub struct ConjugateGradient {
    config: CgConfig,
}

impl ConjugateGradient {
    /// A validated CG minimiser.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) for a bad line search, a negative or non-finite `grad_tol`,
    /// or an evaluation budget of 0.
    pub fn new(config: CgConfig) -> Result<Self> {
        check_limits(&config.line_search, config.grad_tol, config.max_evals)?;
        Ok(ConjugateGradient { config })
    }

    /// The configuration.
    pub fn config(&self) -> &CgConfig {
        &self.config
    }
}

impl<T: Scalar> Minimizer<T> for ConjugateGradient {
    fn minimize(
        &mut self,
        f: &mut dyn Objective<T>,
        theta: &mut [T],
        observer: &mut dyn IterationObserver<T>,
    ) -> Result<MinimizeReport> {
        let n = theta.len();
        check_dim(f, n)?;
        let cfg = self.config;
        let ls = cfg.line_search;
        let max_evals = cfg.max_evals.unwrap_or(usize::MAX);

        let zero = T::zero();
        let mut g = vec![zero; n];
        let mut d = vec![zero; n];
        let mut x_new = vec![zero; n];
        let mut g_new = vec![zero; n];

        let mut run = Run::start(f, theta, &mut g, cfg.max_iter)?;
        let steepest = |d: &mut [T], g: &[T]| {
            for (di, &gi) in d.iter_mut().zip(g) {
                *di = -gi;
            }
            -dot(g, g)
        };
        let mut slope = steepest(&mut d, &g);
        let mut alpha = 1.0 / (1.0 - slope);

        let stop = loop {
            let limits = (cfg.grad_tol, cfg.max_iter, max_evals);
            if let Some(reason) = budget_spent(limits, norm(&g), run.iterations, run.evaluations) {
                break reason;
            }
            run.iterations += 1;
            let out = ls.search(
                f,
                theta,
                run.cost,
                slope,
                &d,
                alpha,
                max_evals - run.evaluations,
                &mut x_new,
                &mut g_new,
            )?;
            run.evaluations += out.evals;
            if out.accepted {
                let gg = dot(&g, &g);
                let beta = (dot(&g_new, &g_new) - dot(&g_new, &g)) / gg;
                theta.copy_from_slice(&x_new);
                std::mem::swap(&mut g, &mut g_new);
                let bt = T::of(if beta.is_finite() { beta } else { 0.0 });
                for (di, &gi) in d.iter_mut().zip(&g) {
                    *di = bt * *di - gi;
                }
                let mut new_slope = dot(&g, &d);
                if !(new_slope < 0.0) {
                    new_slope = steepest(&mut d, &g);
                }
                alpha = out.step * ls.ratio.min(slope / (new_slope - f64::MIN_POSITIVE));
                slope = new_slope;
                if run.accepted(out.cost, &g, theta, observer) {
                    break StopReason::Observer;
                }
            } else {
                // θ still holds the point before the search.
                if run.rejected() {
                    break StopReason::LineSearchFailed;
                }
                slope = steepest(&mut d, &g);
                alpha = 1.0 / (1.0 - slope);
            }
        };
        Ok(run.finish(&g, stop))
    }
}
