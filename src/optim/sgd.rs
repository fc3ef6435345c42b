//! Mini-batch stochastic gradient descent with momentum, Nesterov momentum and learning-rate
//! schedules.
//!
//! With learning rate `η_t`, momentum `μ` and gradient `g` (PyTorch's convention):
//!
//! * plain: `θ ← θ − η_t g`;
//! * momentum: `v ← μ v + g`, `θ ← θ − η_t v`;
//! * Nesterov: `v ← μ v + g`, `θ ← θ − η_t (g + μ v)`.
//!
//! `η_t` follows a [`Schedule`] of the step count `t` (steps taken before this one):
//! constant, step decay `η₀ · factor^⌊t / every⌋`, or inverse time `η₀ / (1 + decay · t)`.
//! For a per-epoch schedule, count `every` in steps (`epochs × batches per epoch`).
//!
//! # Examples
//!
//! ```
//! use deepmultinet::optim::{Schedule, Sgd, SgdConfig, StepOptimizer};
//! let mut sgd = Sgd::<f64>::new(SgdConfig { learning_rate: 0.1, ..Default::default() })?;
//! assert!(matches!(SgdConfig::default().schedule, Schedule::Constant));
//! let mut x = [1.0];
//! for _ in 0..100 {
//!     let g = [2.0 * x[0]]; // ∇ x²
//!     sgd.step(&mut x, &g)?;
//! }
//! assert!(x[0].abs() < 1e-9); // x ← 0.8 x each step
//! # Ok::<(), deepmultinet::Error>(())
//! ```

use super::StepOptimizer;
use crate::check;
use crate::error::{Error, Result};
use crate::linalg::par::for_each_chunk_mut;
use crate::scalar::Scalar;

/// A learning-rate schedule over the step count `t`.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Schedule {
    /// `η_t = η₀`.
    #[default]
    Constant,
    /// `η_t = η₀ · factor^⌊t / every⌋`.
    StepDecay {
        /// Steps between changes (≥ 1).
        every: usize,
        /// Multiplier applied at each change (> 0; below 1 to decay).
        factor: f64,
    },
    /// `η_t = η₀ / (1 + decay · t)`.
    InverseTime {
        /// Decay per step (≥ 0).
        decay: f64,
    },
}

impl Schedule {
    /// The learning rate at step `t` for base rate `lr0`.
    ///
    /// ```
    /// use deepmultinet::optim::Schedule;
    /// let s = Schedule::StepDecay { every: 10, factor: 0.5 };
    /// assert_eq!(s.rate(1.0, 9), 1.0);
    /// assert_eq!(s.rate(1.0, 25), 0.25);
    /// assert_eq!(Schedule::InverseTime { decay: 0.1 }.rate(1.0, 10), 0.5);
    /// ```
    pub fn rate(&self, lr0: f64, t: usize) -> f64 {
        match *self {
            Schedule::Constant => lr0,
            Schedule::StepDecay { every, factor } => {
                let k = (t / every.max(1)).min(i32::MAX as usize) as i32;
                lr0 * factor.powi(k)
            }
            Schedule::InverseTime { decay } => lr0 / (1.0 + decay * t as f64),
        }
    }

    fn check(&self) -> Result<()> {
        match *self {
            Schedule::Constant => Ok(()),
            Schedule::StepDecay { every, factor } => {
                check::at_least_one("every", every)?;
                check::positive("factor", factor)
            }
            Schedule::InverseTime { decay } => check::non_negative("decay", decay),
        }
    }
}

/// Configuration of [`Sgd`].
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct SgdConfig {
    /// Base learning rate η₀ (default 0.01).
    pub learning_rate: f64,
    /// Momentum μ in `[0, 1)` (default 0).
    pub momentum: f64,
    /// Nesterov momentum (default false; needs `momentum > 0`).
    pub nesterov: bool,
    /// Learning-rate schedule (default constant).
    pub schedule: Schedule,
}

impl Default for SgdConfig {
    fn default() -> Self {
        SgdConfig {
            learning_rate: 0.01,
            momentum: 0.0,
            nesterov: false,
            schedule: Schedule::Constant,
        }
    }
}

/// Stochastic gradient descent (see the module docs). The velocity is allocated on the
/// first step; later steps allocate nothing.
///
/// ```
/// use deepmultinet::optim::{Sgd, SgdConfig, StepOptimizer};
/// let mut sgd = Sgd::<f64>::new(SgdConfig { learning_rate: 0.1, momentum: 0.9, ..Default::default() })?;
/// let mut x = [1.0f64];
/// sgd.step(&mut x, &[1.0])?; // v = 1,          x = 1 − 0.1
/// sgd.step(&mut x, &[1.0])?; // v = 0.9 + 1,    x = 0.9 − 0.19
/// assert!((x[0] - 0.71).abs() < 1e-15);
/// assert!(Sgd::<f64>::new(SgdConfig { learning_rate: -1.0, ..Default::default() }).is_err());
/// # Ok::<(), deepmultinet::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Sgd<T> {
    config: SgdConfig,
    velocity: Vec<T>,
    dim: Option<usize>,
    t: usize,
}

fn check_lr(lr: f64) -> Result<()> {
    check::positive("learning_rate", lr)
}

/// Checks a step's lengths and fixes the dimension on the first step.
pub(crate) fn check_step_dims(dim: &mut Option<usize>, theta: usize, grad: usize) -> Result<()> {
    if theta != grad {
        return Err(Error::shape("gradient length (parameters)", theta, grad));
    }
    match *dim {
        Some(n) if n != theta => Err(Error::shape(
            "parameter vector length (fixed at the first step)",
            n,
            theta,
        )),
        _ => {
            *dim = Some(theta);
            Ok(())
        }
    }
}

impl<T: Scalar> Sgd<T> {
    /// A validated SGD optimiser.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the first bad value: a `learning_rate` that is not
    /// finite and > 0, a `momentum` outside `[0, 1)` (or 0 with Nesterov momentum), or a bad
    /// schedule (`every` of 0, a `factor` that is not finite and > 0, a negative or
    /// non-finite `decay`).
    pub fn new(config: SgdConfig) -> Result<Self> {
        check_lr(config.learning_rate)?;
        check::unit_interval("momentum", config.momentum)?;
        if config.nesterov && config.momentum == 0.0 {
            return Err(check::invalid(
                "momentum",
                config.momentum,
                "> 0 with Nesterov momentum",
            ));
        }
        config.schedule.check()?;
        Ok(Sgd {
            config,
            velocity: Vec::new(),
            dim: None,
            t: 0,
        })
    }

    /// The configuration (with the current base learning rate).
    pub fn config(&self) -> &SgdConfig {
        &self.config
    }

    /// Steps taken.
    pub fn steps(&self) -> usize {
        self.t
    }
}

impl<T: Scalar> StepOptimizer<T> for Sgd<T> {
    fn step(&mut self, theta: &mut [T], grad: &[T]) -> Result<()> {
        check_step_dims(&mut self.dim, theta.len(), grad.len())?;
        let lr = T::of(self.config.schedule.rate(self.config.learning_rate, self.t));
        self.t += 1;
        if self.config.momentum == 0.0 {
            // Long vectors are updated on every thread, in disjoint ranges.
            for_each_chunk_mut(grad.len(), 1 << 14, [theta], &|r, [x]| {
                for (x, &g) in x.iter_mut().zip(&grad[r]) {
                    *x -= lr * g;
                }
            });
            return Ok(());
        }
        if self.velocity.len() != theta.len() {
            self.velocity = vec![T::zero(); theta.len()];
        }
        let mu = T::of(self.config.momentum);
        if self.config.nesterov {
            for ((x, v), &g) in theta.iter_mut().zip(&mut self.velocity).zip(grad) {
                *v = mu * *v + g;
                *x -= lr * (g + mu * *v);
            }
        } else {
            for ((x, v), &g) in theta.iter_mut().zip(&mut self.velocity).zip(grad) {
                *v = mu * *v + g;
                *x -= lr * *v;
            }
        }
        Ok(())
    }

    fn learning_rate(&self) -> f64 {
        self.config.learning_rate
    }

    /// # Errors
    /// [`Error::InvalidParameter`] (`learning_rate`) unless `lr` is finite and > 0.
    fn set_learning_rate(&mut self, lr: f64) -> Result<()> {
        check_lr(lr)?;
        self.config.learning_rate = lr;
        Ok(())
    }

    fn reset(&mut self) {
        self.velocity.iter_mut().for_each(|v| *v = T::zero());
        self.dim = None;
        self.t = 0;
    }
}
