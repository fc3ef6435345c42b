//! Numerical gradient checking by central differences.
//!
//! For each checked index `i`: `num_i = (J(θ + εe_i) − J(θ − εe_i)) / (2ε)` with
//! ε = 1e-4 (the course's `computeNumericalGradient`), compared with backprop's `ana_i`
//! through the relative difference `‖num − ana‖ / ‖num + ana‖`. In `f64` a correct
//! backprop gives about 1e-11; a bug gives 1e-2 or worse.
//!
//! The check works on any [`Objective`] ([`GradientCheck::run_objective`]); `run`,
//! `run_sampled` and `run_indices` are the shortcuts for a network on a data set.
//!
//! # Examples
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

use crate::check;
use crate::error::Result;
use crate::loss::OutputLoss;
use crate::network::{Network, NetworkObjective};
use crate::optim::Objective;
use crate::scalar::Scalar;
use crate::targets::Targets;
use nalgebra::DMatrixView;
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
    /// As [`Network::cost_grad`], and [`Error::InvalidParameter`](crate::Error::InvalidParameter)
    /// for ε ≤ 0.
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
    /// As [`run`](Self::run), and [`Error::IndexOutOfRange`](crate::Error::IndexOutOfRange)
    /// for an index past θ.
    pub fn run_indices<L: OutputLoss>(
        &self,
        net: &Network<L>,
        x: DMatrixView<'_, L::Scalar>,
        y: Targets<'_, L::Scalar>,
        lambda: L::Scalar,
        indices: Vec<usize>,
    ) -> Result<GradientCheckReport<L::Scalar>> {
        let mut objective = NetworkObjective::new(net, x, y, lambda)?;
        self.run_objective(&mut objective, net.params(), indices)
    }

    /// Checks the gradient of any objective at `theta`, at the given indices.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) for ε ≤ 0,
    /// [`Error::IndexOutOfRange`](crate::Error::IndexOutOfRange) for an index past θ,
    /// [`Error::ShapeMismatch`](crate::Error::ShapeMismatch) if the objective's dimension is
    /// not θ's; any error of the objective.
    ///
    /// ```
    /// use deepmultinet::GradientCheck;
    /// // f(a, b) = a²b, ∇f = (2ab, a²)
    /// let mut f = |p: &[f64], g: &mut [f64]| {
    ///     g[0] = 2.0 * p[0] * p[1];
    ///     g[1] = p[0] * p[0];
    ///     p[0] * p[0] * p[1]
    /// };
    /// let report = GradientCheck::new().run_objective(&mut f, &[1.5, -2.0], vec![0, 1])?;
    /// assert!(report.relative_difference < 1e-9);
    /// # Ok::<(), deepmultinet::Error>(())
    /// ```
    pub fn run_objective<T: Scalar>(
        &self,
        f: &mut dyn Objective<T>,
        theta: &[T],
        indices: Vec<usize>,
    ) -> Result<GradientCheckReport<T>> {
        check::positive("epsilon", self.epsilon)?;
        let n = theta.len();
        if let Some(d) = f.dim()
            && d != n
        {
            return Err(crate::Error::shape(
                "parameter vector length (objective dimension)",
                d,
                n,
            ));
        }
        if let Some(&bad) = indices.iter().find(|&&i| i >= n) {
            check::index("parameter", bad, n)?;
        }
        let mut grad = vec![T::zero(); n];
        f.cost_grad(theta, &mut grad)?;
        let eps = T::of(self.epsilon);
        let two_eps = eps + eps;
        let mut theta = theta.to_vec();
        let mut scratch = vec![T::zero(); n];
        let mut numerical = Vec::with_capacity(indices.len());
        for &i in &indices {
            let orig = theta[i];
            theta[i] = orig + eps;
            let plus = f.cost_grad(&theta, &mut scratch)?;
            theta[i] = orig - eps;
            let minus = f.cost_grad(&theta, &mut scratch)?;
            theta[i] = orig;
            numerical.push((plus - minus) / two_eps);
        }
        let analytic: Vec<T> = indices.iter().map(|&i| grad[i]).collect();
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
