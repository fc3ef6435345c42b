//! Numerical gradient checking by central differences.
//!
//! For each checked index `i`: `num_i = (J(θ + εe_i) − J(θ − εe_i)) / (2ε)` with
//! ε = 1e-4 (the course's `computeNumericalGradient`), compared with backprop's `ana_i`
//! through the relative difference `‖num − ana‖ / ‖num + ana‖`. In `f64` a correct
//! backprop gives about 1e-11; a bug gives 1e-2 or worse.
//!
//! ```
//! use deepmultinet::prelude::*;
//! use rand::SeedableRng;
//! let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
//! let net = Network::builder(3).hidden(4, Tanh).output(2, SoftmaxCrossEntropy::<f64>::new())
//!     .build(&mut rng).unwrap();
//! let x = nalgebra::DMatrix::from_fn(3, 5, |i, j| ((i * 5 + j) as f64).sin());
//! let check = GradientCheck::new().run(&net, &x, &[0usize, 1, 1, 0, 1], 0.5).unwrap();
//! assert!(check.relative_difference < 1e-9);
//! ```

use crate::error::{Error, Result};
use crate::loss::OutputLoss;
use crate::network::Network;
use crate::scalar::Scalar;
use crate::targets::Targets;
use nalgebra::DMatrixView;
use num_traits::Zero;
use rand::{Rng, RngExt};

/// Which parameters to check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum CheckIndices {
    /// Every index of θ (two cost evaluations each).
    #[default]
    All,
    /// `k` distinct indices drawn uniformly (with the caller's RNG in [`GradientCheck::run_sampled`]).
    Random(usize),
}

/// Settings of a gradient check.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GradientCheck {
    /// Finite-difference step (default 1e-4).
    pub epsilon: f64,
}

impl Default for GradientCheck {
    fn default() -> Self {
        GradientCheck { epsilon: 1e-4 }
    }
}

/// What a gradient check found.
#[derive(Clone, Debug, PartialEq)]
pub struct GradientCheckReport<T> {
    /// The θ indices checked.
    pub indices: Vec<usize>,
    /// Central-difference gradient at those indices.
    pub numerical: Vec<T>,
    /// Backprop's gradient at those indices.
    pub analytic: Vec<T>,
    /// `‖num − ana‖ / ‖num + ana‖` (0 when both are zero).
    pub relative_difference: f64,
}

impl GradientCheck {
    /// Step ε = 1e-4.
    pub fn new() -> Self {
        Self::default()
    }
    /// With another step.
    pub fn with_epsilon(epsilon: f64) -> Self {
        GradientCheck { epsilon }
    }

    /// Checks every index of θ.
    ///
    /// # Errors
    /// As [`Network::cost_grad`], and [`Error::InvalidConfig`] for ε ≤ 0.
    pub fn run<'a, L: OutputLoss>(
        &self,
        net: &Network<L>,
        x: impl Into<DMatrixView<'a, L::Scalar>>,
        y: impl Into<Targets<'a, L::Scalar>>,
        lambda: L::Scalar,
    ) -> Result<GradientCheckReport<L::Scalar>> {
        let indices: Vec<usize> = (0..net.num_params()).collect();
        self.run_indices(net, x.into(), y.into(), lambda, indices)
    }

    /// Checks `k` distinct indices drawn from `rng` (all of them if `k ≥ num_params`).
    ///
    /// # Errors
    /// As [`run`](Self::run).
    pub fn run_sampled<'a, L: OutputLoss, R: Rng + ?Sized>(
        &self,
        net: &Network<L>,
        x: impl Into<DMatrixView<'a, L::Scalar>>,
        y: impl Into<Targets<'a, L::Scalar>>,
        lambda: L::Scalar,
        k: usize,
        rng: &mut R,
    ) -> Result<GradientCheckReport<L::Scalar>> {
        let n = net.num_params();
        let indices = if k >= n {
            (0..n).collect()
        } else {
            let mut v = rand::seq::index::sample(rng, n, k).into_vec();
            v.sort_unstable();
            let _: u8 = rng.random(); // keep the stream position independent of `sample`'s internals
            v
        };
        self.run_indices(net, x.into(), y.into(), lambda, indices)
    }

    /// Checks the given indices of θ.
    ///
    /// # Errors
    /// As [`run`](Self::run), and [`Error::InvalidConfig`] for an index out of range.
    pub fn run_indices<L: OutputLoss>(
        &self,
        net: &Network<L>,
        x: DMatrixView<'_, L::Scalar>,
        y: Targets<'_, L::Scalar>,
        lambda: L::Scalar,
        indices: Vec<usize>,
    ) -> Result<GradientCheckReport<L::Scalar>> {
        if self.epsilon.is_nan() || self.epsilon <= 0.0 || !self.epsilon.is_finite() {
            return Err(Error::InvalidConfig(format!(
                "gradient-check ε must be finite and > 0, found {}",
                self.epsilon
            )));
        }
        let n = net.num_params();
        if let Some(&bad) = indices.iter().find(|&&i| i >= n) {
            return Err(Error::InvalidConfig(format!(
                "gradient-check index {bad} out of range: θ has {n} parameters"
            )));
        }
        let mut ws = net.workspace(x.ncols());
        let mut grad = vec![L::Scalar::zero(); n];
        net.cost_grad(&mut ws, x, y, lambda, &mut grad)?;
        let eps = L::Scalar::of(self.epsilon);
        let two_eps = eps + eps;
        let mut theta = net.params().to_vec();
        let mut scratch = vec![L::Scalar::zero(); n];
        let mut numerical = Vec::with_capacity(indices.len());
        for &i in &indices {
            let orig = theta[i];
            theta[i] = orig + eps;
            let plus = net.cost_grad_at(&theta, &mut ws, x, y, lambda, &mut scratch)?;
            theta[i] = orig - eps;
            let minus = net.cost_grad_at(&theta, &mut ws, x, y, lambda, &mut scratch)?;
            theta[i] = orig;
            numerical.push((plus - minus) / two_eps);
        }
        let analytic: Vec<L::Scalar> = indices.iter().map(|&i| grad[i]).collect();
        let (mut diff, mut sum) = (0f64, 0f64);
        for (&a, &b) in numerical.iter().zip(&analytic) {
            let (a, b) = (a.as_f64(), b.as_f64());
            diff += (a - b) * (a - b);
            sum += (a + b) * (a + b);
        }
        let relative_difference = if sum == 0.0 {
            diff.sqrt()
        } else {
            diff.sqrt() / sum.sqrt()
        };
        Ok(GradientCheckReport {
            indices,
            numerical,
            analytic,
            relative_difference,
        })
    }
}
