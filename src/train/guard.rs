//! [`DivergenceGuard`]: watches the mini-batch costs of a run and keeps the last good θ.

use crate::check;
use crate::error::{Divergence, Result};
use crate::loss::OutputLoss;
use crate::network::Network;
use crate::scalar::Scalar;

/// The divergence guard of a training run.
///
/// A cost that is not finite, or that exceeds `factor × max(first cost, 1)` (the first
/// finite cost the guard sees sets the limit), counts as divergence; so do parameters at the
/// end of an epoch that are not finite or whose largest magnitude exceeds
/// `factor × max(max |θ₀ᵢ|, 1)` — a saturating head (sigmoid + MSE) keeps the cost bounded
/// while a runaway learning rate drives θ to 10¹¹, and only the parameters show it. The guard keeps the **last good θ** — the
/// parameters at the last [`commit`](Self::commit) (the initial parameters before the first)
/// — and [`restore`](Self::restore) gives them back to the network.
///
/// ```
/// use deepmultinet::train::DivergenceGuard;
/// let mut guard = DivergenceGuard::new(10.0, &[1.0f64, 2.0])?;
/// assert!(guard.accepts(3.0)); // the first cost: the limit becomes 10 × 3
/// assert!(guard.accepts(29.0));
/// assert!(!guard.accepts(31.0));
/// assert!(!guard.accepts(f64::NAN));
/// guard.commit(&[5.0, 6.0]);
/// assert_eq!(guard.last_good(), &[5.0, 6.0]);
/// // |θ| may grow to 10 × max(max |θ₀ᵢ|, 1) = 20
/// assert!(guard.check_params(&[19.0, -20.0]).is_ok());
/// assert!(guard.check_params(&[1.0, -20.5]).is_err());
/// assert!(guard.check_params(&[f64::INFINITY, 0.0]).is_err());
/// # Ok::<(), deepmultinet::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct DivergenceGuard<T> {
    factor: f64,
    limit: f64,
    param_limit: f64,
    initial_cost: Option<f64>,
    last_good: Vec<T>,
}

impl<T: Scalar> DivergenceGuard<T> {
    /// A guard with divergence factor `factor` (> 1; +∞ accepts every finite cost) whose
    /// last good θ is `theta`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) unless `factor > 1`.
    pub fn new(factor: f64, theta: &[T]) -> Result<Self> {
        check::above_one("divergence_factor", factor)?;
        Ok(DivergenceGuard {
            factor,
            limit: f64::INFINITY,
            param_limit: factor * max_abs(theta).max(1.0),
            initial_cost: None,
            last_good: theta.to_vec(),
        })
    }

    /// Whether `cost` is acceptable (finite and within the limit). The first finite cost
    /// seen sets the limit to `factor × max(cost, 1)`.
    pub fn accepts(&mut self, cost: f64) -> bool {
        if self.initial_cost.is_none() && cost.is_finite() {
            self.initial_cost = Some(cost);
            self.limit = self.factor * cost.max(1.0);
        }
        cost.is_finite() && cost <= self.limit
    }

    /// `Ok` if every parameter is finite and within the limit; else what was wrong, for
    /// [`Error::Diverged`](crate::Error::Diverged).
    pub fn check_params(&self, theta: &[T]) -> Result<(), Divergence> {
        let m = max_abs(theta);
        if m <= self.param_limit {
            Ok(())
        } else {
            Err(Divergence::Parameters {
                max_abs: m,
                limit: self.param_limit,
            })
        }
    }

    /// The limit on the largest parameter magnitude.
    pub fn param_limit(&self) -> f64 {
        self.param_limit
    }

    /// Makes `theta` the last good parameters (allocation-free for the same length).
    pub fn commit(&mut self, theta: &[T]) {
        self.last_good.clear();
        self.last_good.extend_from_slice(theta);
    }

    /// The last good parameters.
    pub fn last_good(&self) -> &[T] {
        &self.last_good
    }

    /// The first finite cost seen (the run's initial cost).
    pub fn initial_cost(&self) -> Option<f64> {
        self.initial_cost
    }

    /// Gives `net` the last good θ back.
    ///
    /// # Errors
    /// [`Error::ParamLength`](crate::Error::ParamLength) if the guard's θ does not fit `net`.
    pub fn restore<L: OutputLoss<Scalar = T>>(&self, net: &mut Network<L>) -> Result<()> {
        net.set_params(&self.last_good)
    }
}

/// The largest `|θᵢ|` (NaN if any is NaN, so that it fails every limit).
fn max_abs<T: Scalar>(theta: &[T]) -> f64 {
    let mut m = 0.0f64;
    for &t in theta {
        let a = t.as_f64().abs();
        if a.is_nan() {
            return f64::NAN;
        }
        m = m.max(a);
    }
    m
}
