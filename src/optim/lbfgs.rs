//! Limited-memory BFGS on θ (scikit-learn's default solver for small data sets).
//!
//! From Nocedal & Wright, *Numerical Optimization*, §7.2: keep the last `m` pairs
//! `s_k = x_{k+1} − x_k`, `y_k = g_{k+1} − g_k` and compute the direction `d = −H g` by the
//! two-loop recursion (Algorithm 7.4) with the initial matrix `H₀ = γ I`,
//! `γ = s·y / y·y` of the newest pair (eq. 7.20). Steps come from the same Wolfe–Powell
//! [`LineSearch`] as CG, first trying `α = 1` (the quasi-Newton step) — `1/‖g‖`, capped at 1,
//! on the first iteration and after a restart. A pair with `s·y ≤ 10⁻¹⁰ ‖y‖²` (no positive
//! curvature) is skipped. A failed line search (or an ascent direction) clears the memory
//! and restarts from steepest descent; two failures in a row stop the run.
//!
//! # Examples
//!
//! ```
//! use deepmultinet::optim::{Lbfgs, LbfgsConfig, Minimizer};
//! // f(x) = Σ (xᵢ − i)², minimum at (0, 1, 2).
//! let mut f = |x: &[f64], g: &mut [f64]| {
//!     let mut cost = 0.0;
//!     for (i, (xi, gi)) in x.iter().zip(g.iter_mut()).enumerate() {
//!         *gi = 2.0 * (xi - i as f64);
//!         cost += (xi - i as f64).powi(2);
//!     }
//!     cost
//! };
//! let mut lbfgs = Lbfgs::new(LbfgsConfig { max_iter: 50, grad_tol: 1e-10, ..Default::default() })?;
//! let mut x = [5.0, 5.0, 5.0];
//! let report = lbfgs.minimize(&mut f, &mut x, &mut ())?;
//! assert!(report.cost < 1e-18 && report.iterations <= 5);
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

/// Configuration of [`Lbfgs`].
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct LbfgsConfig {
    /// Correction pairs kept (default 10).
    pub history: usize,
    /// Line searches to make at most (default 100).
    pub max_iter: usize,
    /// Cost/gradient evaluations allowed in total (default `None`).
    pub max_evals: Option<usize>,
    /// Stop when the gradient's Euclidean norm is at most this (default 0: never).
    pub grad_tol: f64,
    /// The line search (the same defaults as CG).
    pub line_search: LineSearch,
}

impl Default for LbfgsConfig {
    fn default() -> Self {
        LbfgsConfig {
            history: 10,
            max_iter: 100,
            max_evals: None,
            grad_tol: 0.0,
            line_search: LineSearch::default(),
        }
    }
}

/// L-BFGS (see the module docs). Build with [`Lbfgs::new`].
///
/// ```
/// use deepmultinet::optim::{Lbfgs, LbfgsConfig, Minimizer};
/// let mut f = |x: &[f64], g: &mut [f64]| {
///     g[0] = 2.0 * (x[0] - 3.0);
///     g[1] = 20.0 * (x[1] + 1.0);
///     (x[0] - 3.0).powi(2) + 10.0 * (x[1] + 1.0).powi(2)
/// };
/// let mut x = [0.0, 0.0];
/// let r = Lbfgs::new(LbfgsConfig { grad_tol: 1e-10, ..Default::default() })?
///     .minimize(&mut f, &mut x, &mut ())?;
/// assert!((x[0] - 3.0).abs() < 1e-9 && (x[1] + 1.0).abs() < 1e-9, "{x:?} {r:?}");
/// # Ok::<(), deepmultinet::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Lbfgs {
    config: LbfgsConfig,
}

impl Lbfgs {
    /// A validated L-BFGS minimiser.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) for `history == 0`, a bad line search, a negative or
    /// non-finite `grad_tol`, or an evaluation budget of 0.
    pub fn new(config: LbfgsConfig) -> Result<Self> {
        crate::check::at_least_one("history", config.history)?;
        check_limits(&config.line_search, config.grad_tol, config.max_evals)?;
        Ok(Lbfgs { config })
    }

    /// The configuration.
    pub fn config(&self) -> &LbfgsConfig {
        &self.config
    }
}

/// The correction pairs, a ring buffer of `m` vectors of length `n` each.
struct Memory<T> {
    n: usize,
    s: Vec<T>,
    y: Vec<T>,
    rho: Vec<f64>,
    alpha: Vec<f64>,
    /// Index of the oldest pair.
    start: usize,
    len: usize,
}

impl<T: Scalar> Memory<T> {
    fn new(m: usize, n: usize) -> Result<Self> {
        let what = "L-BFGS correction pairs";
        let mn = crate::memory::product::<T>(what, m, n)?;
        Ok(Memory {
            n,
            s: crate::memory::try_vec(what, mn, T::zero())?,
            y: crate::memory::try_vec(what, mn, T::zero())?,
            rho: crate::memory::try_vec(what, m, 0.0)?,
            alpha: crate::memory::try_vec(what, m, 0.0)?,
            start: 0,
            len: 0,
        })
    }
    fn cap(&self) -> usize {
        self.rho.len()
    }
    fn slot(&self, k: usize) -> usize {
        (self.start + k) % self.cap()
    }
    fn s(&self, slot: usize) -> &[T] {
        &self.s[slot * self.n..(slot + 1) * self.n]
    }
    fn y(&self, slot: usize) -> &[T] {
        &self.y[slot * self.n..(slot + 1) * self.n]
    }
    fn clear(&mut self) {
        self.start = 0;
        self.len = 0;
    }
    /// Stores `s = x_new − x`, `y = g_new − g` unless the curvature `s·y` is not positive
    /// (then the memory is left as it was).
    fn push(&mut self, x: &[T], x_new: &[T], g: &[T], g_new: &[T]) {
        let (mut sy, mut yy) = (0.0, 0.0);
        for i in 0..self.n {
            let si = (x_new[i] - x[i]).as_f64();
            let yi = (g_new[i] - g[i]).as_f64();
            sy += si * yi;
            yy += yi * yi;
        }
        if !(sy > 1e-10 * yy && sy.is_finite()) {
            return;
        }
        let slot = if self.len < self.cap() {
            self.len += 1;
            self.slot(self.len - 1)
        } else {
            let oldest = self.start;
            self.start = (self.start + 1) % self.cap();
            oldest
        };
        let n = self.n;
        let sv = &mut self.s[slot * n..(slot + 1) * n];
        for (v, (&a, &b)) in sv.iter_mut().zip(x_new.iter().zip(x)) {
            *v = a - b;
        }
        let yv = &mut self.y[slot * n..(slot + 1) * n];
        for (v, (&a, &b)) in yv.iter_mut().zip(g_new.iter().zip(g)) {
            *v = a - b;
        }
        self.rho[slot] = 1.0 / sy;
    }
    /// `d ← −H g` by the two-loop recursion.
    fn direction(&mut self, g: &[T], d: &mut [T]) {
        d.copy_from_slice(g);
        for k in (0..self.len).rev() {
            let i = self.slot(k);
            let a = self.rho[i] * dot(self.s(i), d);
            self.alpha[i] = a;
            let at = T::of(a);
            for (di, &yi) in d.iter_mut().zip(self.y(i)) {
                *di -= at * yi;
            }
        }
        if self.len > 0 {
            let i = self.slot(self.len - 1);
            let gamma = 1.0 / (self.rho[i] * dot(self.y(i), self.y(i)));
            let gt = T::of(gamma);
            for di in d.iter_mut() {
                *di *= gt;
            }
        }
        for k in 0..self.len {
            let i = self.slot(k);
            let b = self.rho[i] * dot(self.y(i), d);
            let c = T::of(self.alpha[i] - b);
            for (di, &si) in d.iter_mut().zip(self.s(i)) {
                *di += c * si;
            }
        }
        for di in d.iter_mut() {
            *di = -*di;
        }
    }
}

impl<T: Scalar> Minimizer<T> for Lbfgs {
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
        let mut mem = Memory::new(cfg.history, n)?;

        let mut run = Run::start(f, theta, &mut g, cfg.max_iter)?;

        let stop = loop {
            let gnorm = norm(&g);
            let limits = (cfg.grad_tol, cfg.max_iter, max_evals);
            if let Some(reason) = budget_spent(limits, gnorm, run.iterations, run.evaluations) {
                break reason;
            }
            run.iterations += 1;
            mem.direction(&g, &mut d);
            let mut slope = dot(&g, &d);
            if !(slope < 0.0) || mem.len == 0 {
                mem.clear();
                for (di, &gi) in d.iter_mut().zip(&g) {
                    *di = -gi;
                }
                slope = -gnorm * gnorm;
            }
            let alpha = if mem.len == 0 {
                (1.0 / gnorm).min(1.0)
            } else {
                1.0
            };
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
                mem.push(theta, &x_new, &g, &g_new);
                theta.copy_from_slice(&x_new);
                std::mem::swap(&mut g, &mut g_new);
                if run.accepted(out.cost, &g, theta, observer) {
                    break StopReason::Observer;
                }
            } else {
                if run.rejected() {
                    break StopReason::LineSearchFailed;
                }
                mem.clear();
            }
        };
        Ok(run.finish(&g, stop))
    }
}
