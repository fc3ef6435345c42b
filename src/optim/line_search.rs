//! The Wolfe–Powell line search shared by [`ConjugateGradient`](super::ConjugateGradient)
//! and [`Lbfgs`](super::Lbfgs).
//!
//! Along a descent direction `d` from `x₀`, with `φ(α) = J(x₀ + α d)` and `φ'(α) = ∇J·d`
//! (`φ'(0) < 0`), a step α is accepted when the **strong Wolfe conditions** hold
//! (Nocedal & Wright, *Numerical Optimization*, §3.1):
//!
//! * sufficient decrease: `φ(α) ≤ φ(0) + ρ α φ'(0)`,
//! * curvature: `|φ'(α)| ≤ −σ φ'(0)`.
//!
//! The search follows N&W's Algorithm 3.5/3.6 with the safeguards of Rasmussen's
//! `minimize`: it **extrapolates** while the slope is still steeply negative (to the minimiser
//! of the cubic through the last two points, at most `EXT` times the current step and at
//! least `INT` of the last interval further), and once a bracket holds a minimiser it
//! **interpolates** (cubic through both ends with their slopes, quadratic when the far end's
//! slope is unknown, bisection when its value is not finite), never evaluating within `INT`
//! of the bracket's width from either end. A non-finite cost or slope is treated as "too
//! far" and bracketed. At most `MAX` evaluations are spent; otherwise the search fails
//! (the caller keeps `x₀`).
//!
//! Defaults are Rasmussen's: ρ = 0.01, σ = 0.5, INT = 0.1, EXT = 3.0, MAX = 20, and the
//! slope-ratio cap RATIO = 100 that CG uses to choose the first trial step.
//!
//! # Examples
//!
//! ```
//! use deepmultinet::optim::LineSearch;
//! // φ(α) along dir = −∇f from x₀ = 2 for f(x) = x²: the minimum is at α = ½.
//! let mut f = |x: &[f64], g: &mut [f64]| { g[0] = 2.0 * x[0]; x[0] * x[0] };
//! let (x0, dir) = ([2.0], [-4.0]);
//! let (mut x, mut g) = ([0.0], [0.0]);
//! let out = LineSearch::default().search(&mut f, &x0, 4.0, -16.0, &dir, 0.1, 20, &mut x, &mut g)?;
//! assert!(out.accepted && out.cost < 4.0);
//! assert_eq!(x[0], x0[0] + out.step * dir[0]);
//! # Ok::<(), deepmultinet::Error>(())
//! ```

use super::objective::Objective;
use super::vecops::dot;
use crate::error::Result;
use crate::scalar::Scalar;

/// Parameters of the line search (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct LineSearch {
    /// ρ of the sufficient-decrease condition (default 0.01).
    pub rho: f64,
    /// σ of the curvature condition (default 0.5); `0 < ρ < σ < 1`.
    pub sigma: f64,
    /// Fraction of a bracket's width kept clear of its ends (default 0.1).
    pub int: f64,
    /// Largest factor by which one extrapolation grows the step (default 3.0).
    pub ext: f64,
    /// Evaluations allowed per line search (default 20).
    pub max_evals: usize,
    /// Cap on the growth of the first trial step from the ratio of slopes (default 100).
    pub ratio: f64,
}

impl Default for LineSearch {
    fn default() -> Self {
        LineSearch {
            rho: 0.01,
            sigma: 0.5,
            int: 0.1,
            ext: 3.0,
            max_evals: 20,
            ratio: 100.0,
        }
    }
}

/// The result of one line search.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LineSearchOutcome {
    /// Whether a step satisfying the strong Wolfe conditions was found. If so, the point
    /// and its gradient are in the buffers given to [`LineSearch::search`].
    pub accepted: bool,
    /// The accepted step α (the last one tried on failure).
    pub step: f64,
    /// `φ(α)`.
    pub cost: f64,
    /// `φ'(α)`.
    pub slope: f64,
    /// Evaluations spent.
    pub evals: usize,
}

/// A point on the line: step, value, slope.
#[derive(Clone, Copy, Debug)]
struct Pt {
    a: f64,
    f: f64,
    s: f64,
}

/// Minimiser of the cubic matching values and slopes at `p` and `q` (N&W eq. 3.59), if the
/// cubic has one.
fn cubic_min(p: Pt, q: Pt) -> Option<f64> {
    let d1 = p.s + q.s - 3.0 * (p.f - q.f) / (p.a - q.a);
    let disc = d1 * d1 - p.s * q.s;
    if !(disc >= 0.0) {
        return None;
    }
    let d2 = (q.a - p.a).signum() * disc.sqrt();
    let t = q.a - (q.a - p.a) * (q.s + d2 - d1) / (q.s - p.s + 2.0 * d2);
    t.is_finite().then_some(t)
}

/// Minimiser of the quadratic matching value and slope at `p` and the value at `q`.
fn quadratic_min(p: Pt, q: Pt) -> Option<f64> {
    let h = q.a - p.a;
    let curv = q.f - p.f - p.s * h;
    if !(curv > 0.0) {
        return None;
    }
    let t = p.a - p.s * h * h / (2.0 * curv);
    t.is_finite().then_some(t)
}

impl LineSearch {
    /// Checks `0 < ρ < σ < 1`, `0 < INT < 0.5`, `EXT > 1`, `MAX ≥ 1`, `RATIO ≥ 1`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) naming the first bad value.
    pub fn check(&self) -> Result<()> {
        use crate::check::{at_least_one, invalid};
        let rule = "0 < rho < sigma < 1";
        if !(self.rho > 0.0 && self.rho < self.sigma) {
            return Err(invalid("rho", self.rho, rule));
        }
        if !(self.sigma < 1.0) {
            return Err(invalid("sigma", self.sigma, rule));
        }
        if !(self.int > 0.0 && self.int < 0.5) {
            return Err(invalid("int", self.int, "0 < int < 0.5"));
        }
        if !(self.ext > 1.0 && self.ext.is_finite()) {
            return Err(invalid("ext", self.ext, "finite and > 1"));
        }
        at_least_one("max_evals", self.max_evals)?;
        if !(self.ratio >= 1.0 && self.ratio.is_finite()) {
            return Err(invalid("ratio", self.ratio, "finite and ≥ 1"));
        }
        Ok(())
    }

    fn sufficient_decrease(&self, p: Pt, f0: f64, slope0: f64) -> bool {
        p.f <= f0 + self.rho * p.a * slope0
    }

    fn curvature(&self, p: Pt, slope0: f64) -> bool {
        p.s.abs() <= -self.sigma * slope0
    }

    /// Searches along `dir` from `x0` (cost `f0`, slope `slope0 = ∇J(x0)·dir < 0`), first
    /// trying step `alpha0`, spending at most `min(max_evals, self.max_evals)` evaluations.
    /// Trial points are written to `x` and their gradients to `g`; when the search accepts a
    /// step they hold that point and its gradient.
    ///
    /// A direction that is not a descent direction (`slope0 ≥ 0`) fails at once.
    ///
    /// # Errors
    /// Any error of the objective.
    #[allow(clippy::too_many_arguments)]
    pub fn search<T: Scalar>(
        &self,
        f: &mut dyn Objective<T>,
        x0: &[T],
        f0: f64,
        slope0: f64,
        dir: &[T],
        alpha0: f64,
        max_evals: usize,
        x: &mut [T],
        g: &mut [T],
    ) -> Result<LineSearchOutcome> {
        let budget = max_evals.min(self.max_evals);
        let mut evals = 0usize;
        let fail = |p: Pt, evals| LineSearchOutcome {
            accepted: false,
            step: p.a,
            cost: p.f,
            slope: p.s,
            evals,
        };
        let accept = |p: Pt, evals| LineSearchOutcome {
            accepted: true,
            step: p.a,
            cost: p.f,
            slope: p.s,
            evals,
        };
        let start = Pt {
            a: 0.0,
            f: f0,
            s: slope0,
        };
        if !(slope0 < 0.0) || !f0.is_finite() {
            return Ok(fail(start, 0));
        }
        let mut eval = |a: f64, x: &mut [T], g: &mut [T]| -> Result<Pt> {
            let at = T::of(a);
            for ((xi, &x0i), &di) in x.iter_mut().zip(x0).zip(dir) {
                *xi = x0i + at * di;
            }
            let c = f.cost_grad(x, g)?.as_f64();
            Ok(Pt {
                a,
                f: c,
                s: dot(g, dir),
            })
        };
        let too_far = |a: f64| Pt {
            a,
            f: f64::INFINITY,
            s: f64::NAN,
        };

        // Phase 1: extrapolate until a bracket [lo, hi] holds an acceptable step.
        let mut a = if alpha0 > 0.0 && alpha0.is_finite() {
            alpha0
        } else {
            1.0 / (1.0 - slope0)
        };
        let mut prev = start;
        let (mut lo, mut hi) = loop {
            if evals >= budget {
                return Ok(fail(prev, evals));
            }
            let p = eval(a, x, g)?;
            evals += 1;
            if !p.f.is_finite() || !p.s.is_finite() {
                break (prev, too_far(a));
            }
            if !self.sufficient_decrease(p, f0, slope0) || (prev.a > 0.0 && p.f >= prev.f) {
                break (prev, p);
            }
            if self.curvature(p, slope0) {
                return Ok(accept(p, evals));
            }
            if p.s >= 0.0 {
                break (p, prev);
            }
            let lower = p.a + self.int * (p.a - prev.a);
            let upper = p.a * self.ext;
            a = match cubic_min(prev, p) {
                Some(t) if t > p.a => t.clamp(lower, upper),
                _ => upper,
            };
            prev = p;
        };

        // Phase 2: interpolate inside the bracket. `lo` satisfies sufficient decrease and has
        // the lowest cost seen; the bracket's other end is `hi`.
        loop {
            if evals >= budget {
                return Ok(fail(lo, evals));
            }
            let (l, r) = (lo.a.min(hi.a), lo.a.max(hi.a));
            let width = r - l;
            if !(width > f64::EPSILON * r) {
                return Ok(fail(lo, evals));
            }
            let guess = if hi.f.is_finite() && hi.s.is_finite() {
                cubic_min(lo, hi).or_else(|| quadratic_min(lo, hi))
            } else if hi.f.is_finite() {
                quadratic_min(lo, hi)
            } else {
                None
            };
            let t = guess
                .unwrap_or(0.5 * (l + r))
                .clamp(l + self.int * width, r - self.int * width);
            let p = eval(t, x, g)?;
            evals += 1;
            if !p.f.is_finite() || !p.s.is_finite() {
                hi = too_far(t);
                continue;
            }
            if !self.sufficient_decrease(p, f0, slope0) || p.f >= lo.f {
                hi = p;
            } else {
                if self.curvature(p, slope0) {
                    return Ok(accept(p, evals));
                }
                if p.s * (hi.a - lo.a) >= 0.0 {
                    hi = lo;
                }
                lo = p;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    #[test]
    fn cubic_recovers_the_minimiser_of_a_cubic() {
        // φ(α) = α³ − 3α (minimum at α = 1): values and slopes at 0 and 2.
        let phi = |a: f64| (a * a * a - 3.0 * a, 3.0 * a * a - 3.0);
        let (f0, s0) = phi(0.0);
        let (f2, s2) = phi(2.0);
        let t = cubic_min(
            Pt {
                a: 0.0,
                f: f0,
                s: s0,
            },
            Pt {
                a: 2.0,
                f: f2,
                s: s2,
            },
        )
        .unwrap();
        assert!((t - 1.0).abs() < 1e-12, "{t}");
    }

    #[test]
    fn quadratic_recovers_the_minimiser_of_a_parabola() {
        // φ(α) = (α − 0.3)²: value and slope at 0, value at 1.
        let t = quadratic_min(
            Pt {
                a: 0.0,
                f: 0.09,
                s: -0.6,
            },
            Pt {
                a: 1.0,
                f: 0.49,
                s: f64::NAN,
            },
        )
        .unwrap();
        assert!((t - 0.3).abs() < 1e-12, "{t}");
    }

    #[test]
    fn rejects_bad_parameters() {
        let ok = LineSearch::default();
        assert!(ok.check().is_ok());
        for bad in [
            LineSearch { rho: 0.6, ..ok },
            LineSearch { sigma: 1.0, ..ok },
            LineSearch { int: 0.5, ..ok },
            LineSearch { ext: 1.0, ..ok },
            LineSearch { max_evals: 0, ..ok },
            LineSearch {
                ratio: f64::NAN,
                ..ok
            },
        ] {
            assert!(
                matches!(bad.check(), Err(Error::InvalidParameter { .. })),
                "{bad:?}"
            );
        }
    }
}
