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
//! constant, step decay `η₀ · factor^⌊t / every⌋`, inverse time `η₀ / (1 + decay · t)`, or
//! cosine annealing `η_min + ½ (η₀ − η_min)(1 + cos(π t / T))` after an optional linear
//! warmup. For a per-epoch schedule, count `every` and `T` in steps (`epochs × batches per
//! epoch`). [`Adam`](super::Adam) takes the same schedules.
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
//!
//! # Arithmetic
//! `η_t` and `μ` are computed in `f64` and rounded once to `T`; then, per coordinate, in
//! `T`, each operation rounded once (no fused multiply-add): `θ ← θ − η_t·g`;
//! `v ← μ·v + g`, `θ ← θ − η_t·v`; Nesterov `v ← μ·v + g`, `θ ← θ − η_t·(g + μ·v)`; with
//! momentum, `v ← 0` when `|v| < f = N / (μ·min(η_t, 1))` (in `f64`, rounded to `T`; `N` the
//! smallest positive normal number of `T`; `f = N/μ` for a rate of 0). The velocity of a
//! coordinate whose gradient has become 0 (a dead ReLU unit) decays geometrically, and
//! without the flush `v`, `μ·v`, `η_t·v` and `η_t·μ·v` would spend hundreds of steps as
//! subnormal numbers, which this CPU computes with several times slower (as for
//! [`Adam`](super::Adam)'s moments); a flushed `v` moves θ by less than `N·max(η_t, 1)/μ`,
//! below the arithmetic's resolution. θ and v are updated in one pass, split across the
//! thread pool for long vectors and compiled for the process's SIMD family (AVX-512, AVX2 or
//! baseline; see [`gemm_kernel`](crate::linalg::gemm_kernel)): the result is
//! **bit-identical** to the scalar formula whatever the family or thread count (vector
//! `+ − ×` round like scalar ones; tested).

use super::StepOptimizer;
use crate::check;
use crate::error::{Error, Result};
use crate::linalg::par::{UPDATE_SPLIT_MIN, for_each_chunk_mut};
use crate::linalg::simd::vectorized;
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
    /// Cosine annealing (Loshchilov & Hutter, 2017, without restarts; PyTorch's
    /// `CosineAnnealingLR`) after an optional linear warmup of `W = warmup_steps` steps:
    ///
    /// ```text
    /// η_t = η₀ (t + 1) / W                                       for t < W
    /// η_t = η_min + ½ (η₀ − η_min) (1 + cos(π (t − W) / (T − W)))  for W ≤ t ≤ T
    /// η_t = η_min                                                for t > T
    /// ```
    ///
    /// with `T = total_steps` and `η_min = min_lr`. Without warmup this is
    /// `η_min + ½ (η₀ − η_min)(1 + cos(π t / T))`: η₀ at the first step, η_min after `T`.
    /// For a run of `E` epochs of `B` batches, `total_steps = E · B` makes the last step's
    /// rate just above η_min.
    Cosine {
        /// Length `T` of the schedule in steps, warmup included (≥ 1).
        total_steps: usize,
        /// The final rate η_min (finite, ≥ 0 and at most the base rate η₀).
        min_lr: f64,
        /// Steps `W` of linear warmup from η₀/W to η₀ (0 for none; below `total_steps`).
        warmup_steps: usize,
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
            Schedule::Cosine {
                total_steps,
                min_lr,
                warmup_steps,
            } => {
                if t < warmup_steps {
                    return lr0 * (t + 1) as f64 / warmup_steps as f64;
                }
                let span = total_steps.saturating_sub(warmup_steps).max(1);
                let progress = (t - warmup_steps).min(span) as f64 / span as f64;
                min_lr + 0.5 * (lr0 - min_lr) * (1.0 + (std::f64::consts::PI * progress).cos())
            }
        }
    }

    /// Checks the schedule's parameters for base rate `lr0`.
    pub(crate) fn check(&self, lr0: f64) -> Result<()> {
        match *self {
            Schedule::Constant => Ok(()),
            Schedule::StepDecay { every, factor } => {
                check::at_least_one("every", every)?;
                check::positive("factor", factor)
            }
            Schedule::InverseTime { decay } => check::non_negative("decay", decay),
            Schedule::Cosine {
                total_steps,
                min_lr,
                warmup_steps,
            } => {
                check::at_least_one("total_steps", total_steps)?;
                if warmup_steps >= total_steps {
                    return Err(check::invalid(
                        "warmup_steps",
                        warmup_steps as f64,
                        "below total_steps",
                    ));
                }
                check::non_negative("min_lr", min_lr)?;
                if min_lr > lr0 {
                    return Err(check::invalid(
                        "min_lr",
                        min_lr,
                        "at most the base learning rate",
                    ));
                }
                Ok(())
            }
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

/// `θ ← θ − η·g` (run through [`vectorized`]).
#[inline(always)]
fn plain<T: Scalar>(lr: T, x: &mut [T], g: &[T]) {
    let n = x.len().min(g.len());
    let (x, g) = (&mut x[..n], &g[..n]);
    for i in 0..n {
        x[i] -= lr * g[i];
    }
}

/// `v ← μ·v + g` (0 below `floor`), then `θ ← θ − η·v`, or with `NESTEROV`
/// `θ ← θ − η·(g + μ·v)` (run through [`vectorized`]).
#[inline(always)]
fn momentum<T: Scalar, const NESTEROV: bool>(
    (lr, mu, floor): (T, T, T),
    x: &mut [T],
    v: &mut [T],
    g: &[T],
) {
    let n = x.len().min(v.len()).min(g.len());
    let (x, v, g) = (&mut x[..n], &mut v[..n], &g[..n]);
    for i in 0..n {
        let vi = mu * v[i] + g[i];
        let vi = if vi.abs() < floor { T::zero() } else { vi };
        v[i] = vi;
        if NESTEROV {
            x[i] -= lr * (g[i] + mu * vi);
        } else {
            x[i] -= lr * vi;
        }
    }
}

/// `f = N / (μ·min(η, 1))` of the module docs: the velocity below which `v`, `μ·v`, `η·v`
/// or `η·μ·v` would be subnormal.
fn velocity_floor<T: Scalar>(lr: T, mu: T) -> T {
    // A rate of 0 (a cosine schedule's end with `min_lr = 0`) makes `η·v = 0`, never
    // subnormal: only `μ·v` counts then (f = N/μ), so the velocity is kept.
    let e = lr.as_f64();
    let e = if e > 0.0 { e.min(1.0) } else { 1.0 };
    let f = T::min_positive().as_f64() / (mu.as_f64() * e);
    T::of(f.min(T::max_finite().as_f64()))
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
    /// non-finite `decay`; a cosine `total_steps` of 0, `warmup_steps ≥ total_steps`, or a
    /// `min_lr` that is negative, not finite or above `learning_rate`).
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
        config.schedule.check(config.learning_rate)?;
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
        // One pass per chunk, vectorised for the process's SIMD family; long vectors are
        // updated on every thread, in disjoint ranges (see the module docs' arithmetic).
        if self.config.momentum == 0.0 {
            for_each_chunk_mut(grad.len(), UPDATE_SPLIT_MIN, [theta], &|r, [x]| {
                let g = &grad[r];
                vectorized(|| plain(lr, x, g));
            });
            return Ok(());
        }
        if self.velocity.len() != theta.len() {
            self.velocity = vec![T::zero(); theta.len()];
        }
        let mu = T::of(self.config.momentum);
        let k = (lr, mu, velocity_floor(lr, mu));
        let nesterov = self.config.nesterov;
        for_each_chunk_mut(
            grad.len(),
            UPDATE_SPLIT_MIN,
            [theta, &mut self.velocity],
            &|r, [x, v]| {
                let g = &grad[r];
                if nesterov {
                    vectorized(|| momentum::<T, true>(k, x, v, g));
                } else {
                    vectorized(|| momentum::<T, false>(k, x, v, g));
                }
            },
        );
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::GemmKernel;
    use crate::linalg::simd::vectorized_as;
    use crate::optim::adam::tests::values;

    fn bits<T: Scalar>(v: &[T]) -> Vec<u64> {
        v.iter().map(|x| x.as_f64().to_bits()).collect()
    }

    /// The module docs' arithmetic, one coordinate at a time (`nesterov: None` = plain).
    #[inline(never)]
    fn scalar_reference<T: Scalar>(
        lr: T,
        mu: T,
        nesterov: Option<bool>,
        x: &mut [T],
        v: &mut [T],
        g: &[T],
    ) {
        use std::hint::black_box as b;
        // f = N / (μ·min(η, 1)), as the docs write it (the tests' rates are > 0).
        let floor = T::min_positive().as_f64() / (mu.as_f64() * lr.as_f64().min(1.0));
        let floor = T::of(floor);
        for i in 0..x.len() {
            match nesterov {
                None => x[i] -= b(lr * g[i]),
                Some(nag) => {
                    let vi = b(mu * v[i]) + g[i];
                    v[i] = if vi.abs() < floor { T::zero() } else { vi };
                    let d = if nag { g[i] + b(mu * v[i]) } else { v[i] };
                    x[i] -= b(lr * d);
                }
            }
        }
    }

    /// Plain, momentum and Nesterov updates compiled for every SIMD family this CPU runs
    /// give exactly the scalar formula's bits (n = 1037: every vector width's tail).
    fn update_bits<T: Scalar>() {
        let n = 1037;
        let (lr, mu) = (T::of(0.3), T::of(0.9));
        for family in GemmKernel::ALL {
            if !family.is_available() {
                eprintln!("skipped: the {family} family (this CPU cannot run it)");
                continue;
            }
            for nesterov in [None, Some(false), Some(true)] {
                let (x0, v0, g) = (
                    values::<T>(n, 1, false),
                    values::<T>(n, 2, false),
                    values::<T>(n, 3, false),
                );
                let (mut x, mut v) = (x0.clone(), v0.clone());
                let k = (lr, mu, velocity_floor(lr, mu));
                vectorized_as(family, || match nesterov {
                    None => plain(lr, &mut x, &g),
                    Some(false) => momentum::<T, false>(k, &mut x, &mut v, &g),
                    Some(true) => momentum::<T, true>(k, &mut x, &mut v, &g),
                });
                let (mut xr, mut vr) = (x0, v0);
                scalar_reference(lr, mu, nesterov, &mut xr, &mut vr, &g);
                let what = format!("{} {family} {nesterov:?}", T::NAME);
                assert_eq!(bits(&x), bits(&xr), "θ, {what}");
                assert_eq!(bits(&v), bits(&vr), "v, {what}");
            }
        }
    }

    /// A velocity decaying towards the subnormal range is stored as 0 once below
    /// `f = N / (μ·min(η, 1))` (the module docs' flush), on every family, and then moves θ
    /// by nothing.
    #[test]
    fn velocities_that_would_be_subnormal_are_stored_as_zero() {
        let (lr, mu) = (0.5f32, 0.25f32);
        let floor = f32::MIN_POSITIVE / (0.25 * 0.5);
        // A rate of 0 (η·v = 0 exactly): only μ·v must stay normal, f = N/μ.
        assert_eq!(velocity_floor(0.0f32, mu), f32::MIN_POSITIVE / 0.25);
        for family in GemmKernel::ALL.into_iter().filter(|f| f.is_available()) {
            for nesterov in [false, true] {
                // A gradient of 0: v ← μv, kept when |μv| ≥ f (the third is 4N: normal).
                let v0 = [8.0 * floor, -8.0 * floor, 2.0 * floor, -2.0 * floor, 0.0];
                let (mut x, mut v) = ([0.0f32; 5], v0);
                let k = (lr, mu, velocity_floor(lr, mu));
                vectorized_as(family, || {
                    if nesterov {
                        momentum::<f32, true>(k, &mut x, &mut v, &[0.0; 5])
                    } else {
                        momentum::<f32, false>(k, &mut x, &mut v, &[0.0; 5])
                    }
                });
                assert_eq!(v, [2.0 * floor, -2.0 * floor, 0.0, 0.0, 0.0], "{family}");
                // θ −= η·v, or η·μ·v with Nesterov's look-ahead (g = 0): normal numbers.
                let moved = if nesterov { lr * mu * v[0] } else { lr * v[0] };
                assert!(moved >= f32::MIN_POSITIVE);
                assert_eq!(x, [-moved, moved, 0.0, 0.0, 0.0], "θ, {family}");
            }
        }
    }

    #[test]
    fn the_fused_updates_are_bit_identical_to_the_scalar_formula_on_every_family() {
        update_bits::<f32>();
        update_bits::<f64>();
    }

    /// Whole steps of vectors long enough to be split across the pool, with a schedule.
    fn steps_bits<T: Scalar>(momentum: f64, nesterov: bool) {
        let n = 40_000;
        let config = SgdConfig {
            learning_rate: 0.5,
            momentum,
            nesterov,
            schedule: Schedule::InverseTime { decay: 0.3 },
        };
        let mut sgd = Sgd::<T>::new(config).unwrap();
        let mut x = values::<T>(n, 5, false);
        let (mut xr, mut v) = (x.clone(), vec![T::zero(); n]);
        for t in 0..4 {
            let g = values::<T>(n, 10 + t as u64, false);
            sgd.step(&mut x, &g).unwrap();
            let lr = T::of(config.schedule.rate(config.learning_rate, t));
            let kind = (momentum > 0.0).then_some(nesterov);
            scalar_reference(lr, T::of(momentum), kind, &mut xr, &mut v, &g);
            assert_eq!(
                bits(&x),
                bits(&xr),
                "{} μ={momentum} nesterov={nesterov} step {t}",
                T::NAME
            );
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-15 * b.abs().max(1.0)
    }

    #[test]
    fn cosine_rates_match_hand_computed_values() {
        // T = 4, η₀ = 1, η_min = 0: ½(1 + cos(π t / 4)) = 1, (2 + √2)/4, 1/2, (2 − √2)/4, 0.
        let s = Schedule::Cosine {
            total_steps: 4,
            min_lr: 0.0,
            warmup_steps: 0,
        };
        let want = [
            1.0,
            0.853_553_390_593_273_8,
            0.5,
            0.146_446_609_406_726_2,
            0.0,
            0.0,
            0.0,
        ];
        for (t, &w) in want.iter().enumerate() {
            assert!(close(s.rate(1.0, t), w), "t={t}: {} vs {w}", s.rate(1.0, t));
        }
        assert_eq!(s.rate(1.0, usize::MAX), 0.0);
        // η₀ = 0.5, η_min = 0.1, T = 2: 0.5, 0.1 + 0.2 · (1 + cos(π/2)) = 0.3, then 0.1.
        let s = Schedule::Cosine {
            total_steps: 2,
            min_lr: 0.1,
            warmup_steps: 0,
        };
        for (t, w) in [(0, 0.5), (1, 0.3), (2, 0.1), (9, 0.1)] {
            assert!(close(s.rate(0.5, t), w), "t={t}: {}", s.rate(0.5, t));
        }
        // Warmup W = 2 of T = 6 (η₀ = 2): 1, 2, then cosine over 4 steps: 2, 1 + √2/2, 1,
        // 1 − √2/2, 0.
        let s = Schedule::Cosine {
            total_steps: 6,
            min_lr: 0.0,
            warmup_steps: 2,
        };
        let want = [
            1.0,
            2.0,
            2.0,
            1.707_106_781_186_547_5,
            1.0,
            0.292_893_218_813_452_5,
            0.0,
        ];
        for (t, &w) in want.iter().enumerate() {
            assert!(close(s.rate(2.0, t), w), "t={t}: {} vs {w}", s.rate(2.0, t));
        }
    }

    #[test]
    fn bad_cosine_schedules_are_rejected() {
        let sgd = |schedule| {
            Sgd::<f64>::new(SgdConfig {
                learning_rate: 0.1,
                schedule,
                ..Default::default()
            })
        };
        let cosine = |total_steps, min_lr, warmup_steps| Schedule::Cosine {
            total_steps,
            min_lr,
            warmup_steps,
        };
        let name = |r: Result<Sgd<f64>>| match r {
            Err(Error::InvalidParameter { name, .. }) => name,
            other => panic!("expected InvalidParameter, got {other:?}"),
        };
        assert_eq!(name(sgd(cosine(0, 0.0, 0))), "total_steps");
        assert_eq!(name(sgd(cosine(10, 0.0, 10))), "warmup_steps");
        assert_eq!(name(sgd(cosine(10, -0.01, 0))), "min_lr");
        assert_eq!(name(sgd(cosine(10, f64::NAN, 0))), "min_lr");
        assert_eq!(name(sgd(cosine(10, 0.2, 0))), "min_lr"); // above η₀ = 0.1
        assert!(sgd(cosine(10, 0.1, 9)).is_ok());
        let adam = crate::optim::Adam::<f64>::new(crate::optim::AdamConfig {
            schedule: cosine(5, 0.0, 5),
            ..Default::default()
        });
        assert!(matches!(
            adam,
            Err(Error::InvalidParameter {
                name: "warmup_steps",
                ..
            })
        ));
    }

    #[test]
    fn sgd_follows_the_cosine_schedule() {
        // g = 1 every step, T = 2, η₀ = 1: steps of 1, ½(1 + cos(π/2)) = ½, then 0.
        let mut sgd = Sgd::<f64>::new(SgdConfig {
            learning_rate: 1.0,
            schedule: Schedule::Cosine {
                total_steps: 2,
                min_lr: 0.0,
                warmup_steps: 0,
            },
            ..Default::default()
        })
        .unwrap();
        let mut x = [0.0];
        for want in [-1.0, -1.5, -1.5, -1.5] {
            sgd.step(&mut x, &[1.0]).unwrap();
            assert!((x[0] - want).abs() < 1e-15, "{} vs {want}", x[0]);
        }
    }

    #[test]
    fn adam_follows_the_cosine_schedule() {
        // A constant gradient makes every bias-corrected Adam step α_t · 1/(1 + ε): with
        // α = 0.1, T = 2 and a warmup-free cosine the steps are 0.1, 0.05, then 0.
        let mut adam = crate::optim::Adam::<f64>::new(crate::optim::AdamConfig {
            learning_rate: 0.1,
            schedule: Schedule::Cosine {
                total_steps: 2,
                min_lr: 0.0,
                warmup_steps: 0,
            },
            ..Default::default()
        })
        .unwrap();
        let mut x = [0.0];
        for want in [-0.1, -0.15, -0.15] {
            adam.step(&mut x, &[3.0]).unwrap();
            assert!((x[0] - want).abs() < 1e-8, "{} vs {want}", x[0]);
        }
    }

    #[test]
    fn sgd_steps_are_bit_identical_to_the_scalar_formula() {
        for (mu, nag) in [(0.0, false), (0.9, false), (0.9, true)] {
            steps_bits::<f32>(mu, nag);
            steps_bits::<f64>(mu, nag);
        }
    }
}
