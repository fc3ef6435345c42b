//! Adam (Kingma & Ba, 2015) with optional decoupled weight decay (AdamW, Loshchilov &
//! Hutter, 2019).
//!
//! At step `t = 1, 2, ...` with gradient `g`:
//!
//! # Examples
//!
//! ```text
//! θ ← θ (1 − α λ_w)                       (AdamW only)
//! m ← β₁ m + (1 − β₁) g
//! v ← β₂ v + (1 − β₂) g²
//! θ ← θ − α · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
//! ```
//!
//! Defaults α = 10⁻³, β₁ = 0.9, β₂ = 0.999, ε = 10⁻⁸, λ_w = 0. Weight decay applies to every
//! parameter, biases included (PyTorch's `AdamW`); for L2 on weights only use the cost's λ.

use super::StepOptimizer;
use super::sgd::check_step_dims;
use crate::check;
use crate::error::Result;
use crate::linalg::par::for_each_chunk_mut;
use crate::scalar::Scalar;

/// Configuration of [`Adam`].
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct AdamConfig {
    /// Step size α (default 1e-3).
    pub learning_rate: f64,
    /// Decay of the first-moment estimate β₁ (default 0.9).
    pub beta1: f64,
    /// Decay of the second-moment estimate β₂ (default 0.999).
    pub beta2: f64,
    /// ε added to the denominator (default 1e-8).
    pub epsilon: f64,
    /// Decoupled weight decay λ_w (default 0; > 0 makes this AdamW).
    pub weight_decay: f64,
}

impl Default for AdamConfig {
    fn default() -> Self {
        AdamConfig {
            learning_rate: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
            weight_decay: 0.0,
        }
    }
}

/// Adam / AdamW (see the module docs). Moment buffers are allocated on the first step.
///
/// ```
/// use deepmultinet::optim::{Adam, AdamConfig, StepOptimizer};
/// let mut adam = Adam::new(AdamConfig::default())?;
/// let mut x = [0.0f32];
/// adam.step(&mut x, &[123.0])?;
/// // the first step moves every coordinate by ≈ α against the gradient's sign
/// assert!((x[0] + 1e-3).abs() < 1e-7);
/// # Ok::<(), deepmultinet::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Adam<T> {
    config: AdamConfig,
    m: Vec<T>,
    v: Vec<T>,
    dim: Option<usize>,
    t: usize,
    beta1_t: f64,
    beta2_t: f64,
}

impl<T: Scalar> Adam<T> {
    /// A validated Adam optimiser.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) naming the first bad
    /// field: `learning_rate` and `epsilon` must be finite and > 0, `beta1` and `beta2` in
    /// `[0, 1)`, `weight_decay` finite, ≥ 0 and at most `1 / learning_rate` (the decoupled
    /// decay multiplies θ by `1 − α·λ_w` each step).
    pub fn new(config: AdamConfig) -> Result<Self> {
        let c = &config;
        check::positive("learning_rate", c.learning_rate)?;
        check::unit_interval("beta1", c.beta1)?;
        check::unit_interval("beta2", c.beta2)?;
        check::positive("epsilon", c.epsilon)?;
        check::non_negative("weight_decay", c.weight_decay)?;
        if c.learning_rate * c.weight_decay > 1.0 {
            return Err(check::invalid(
                "weight_decay",
                c.weight_decay,
                "at most 1 / learning_rate",
            ));
        }
        Ok(Adam {
            config,
            m: Vec::new(),
            v: Vec::new(),
            dim: None,
            t: 0,
            beta1_t: 1.0,
            beta2_t: 1.0,
        })
    }

    /// The configuration (with the current learning rate).
    pub fn config(&self) -> &AdamConfig {
        &self.config
    }

    /// Steps taken.
    pub fn steps(&self) -> usize {
        self.t
    }
}

impl<T: Scalar> StepOptimizer<T> for Adam<T> {
    fn step(&mut self, theta: &mut [T], grad: &[T]) -> Result<()> {
        check_step_dims(&mut self.dim, theta.len(), grad.len())?;
        if self.m.len() != theta.len() {
            self.m = vec![T::zero(); theta.len()];
            self.v = vec![T::zero(); theta.len()];
        }
        let c = self.config;
        self.t += 1;
        self.beta1_t *= c.beta1;
        self.beta2_t *= c.beta2;
        let step = T::of(c.learning_rate / (1.0 - self.beta1_t));
        let inv_sqrt_bc2 = T::of(1.0 / (1.0 - self.beta2_t).sqrt());
        let (b1, b2) = (T::of(c.beta1), T::of(c.beta2));
        let (one_b1, one_b2) = (T::of(1.0 - c.beta1), T::of(1.0 - c.beta2));
        let eps = T::of(c.epsilon);
        let decay = T::of(1.0 - c.learning_rate * c.weight_decay);
        let decoupled = c.weight_decay > 0.0;
        let k = AdamStep {
            b1,
            b2,
            one_b1,
            one_b2,
            step,
            inv_sqrt_bc2,
            eps,
            decay,
        };
        // Long vectors are updated on every thread of the pool, in disjoint ranges (the
        // result does not depend on the split: each element's update is independent).
        for_each_chunk_mut(
            grad.len(),
            PARALLEL_MIN,
            [theta, &mut self.m, &mut self.v],
            &|r, [x, m, v]| {
                if decoupled {
                    k.update::<true>(x, m, v, &grad[r]);
                } else {
                    k.update::<false>(x, m, v, &grad[r]);
                }
            },
        );
        Ok(())
    }

    fn learning_rate(&self) -> f64 {
        self.config.learning_rate
    }

    /// # Errors
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) (`learning_rate`) unless
    /// `lr` is finite, > 0 and at most `1 / weight_decay`.
    fn set_learning_rate(&mut self, lr: f64) -> Result<()> {
        check::positive("learning_rate", lr)?;
        if lr * self.config.weight_decay > 1.0 {
            return Err(check::invalid(
                "learning_rate",
                lr,
                "at most 1 / weight_decay",
            ));
        }
        self.config.learning_rate = lr;
        Ok(())
    }

    fn reset(&mut self) {
        self.m.iter_mut().for_each(|v| *v = T::zero());
        self.v.iter_mut().for_each(|v| *v = T::zero());
        self.dim = None;
        self.t = 0;
        self.beta1_t = 1.0;
        self.beta2_t = 1.0;
    }
}

/// Vectors shorter than this are updated on the calling thread only.
const PARALLEL_MIN: usize = 1 << 14;

/// The per-step constants of an Adam update.
#[derive(Clone, Copy)]
struct AdamStep<T> {
    b1: T,
    b2: T,
    one_b1: T,
    one_b2: T,
    step: T,
    inv_sqrt_bc2: T,
    eps: T,
    decay: T,
}

impl<T: Scalar> AdamStep<T> {
    /// `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`, `x ← x·decay? − step·m/(√v/√(1−β₂ᵗ) + ε)`,
    /// written as a branch-free loop the compiler vectorises.
    #[inline(always)]
    fn update<const DECOUPLED: bool>(&self, x: &mut [T], m: &mut [T], v: &mut [T], g: &[T]) {
        let n = x.len().min(m.len()).min(v.len()).min(g.len());
        let (x, m, v, g) = (&mut x[..n], &mut m[..n], &mut v[..n], &g[..n]);
        for i in 0..n {
            let gi = g[i];
            let mi = self.b1 * m[i] + self.one_b1 * gi;
            let vi = self.b2 * v[i] + self.one_b2 * gi * gi;
            m[i] = mi;
            v[i] = vi;
            let xi = if DECOUPLED { x[i] * self.decay } else { x[i] };
            x[i] = xi - self.step * mi / (vi.sqrt() * self.inv_sqrt_bc2 + self.eps);
        }
    }
}
