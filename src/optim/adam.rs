//! Adam (Kingma & Ba, 2015) with optional decoupled weight decay (AdamW, Loshchilov &
//! Hutter, 2019).
//!
//! At step `t = 1, 2, ...` with gradient `g`:
//!
//! # Examples
//!
//! ```text
//! θ ← θ (1 − α_t λ_w)                     (AdamW only)
//! m ← β₁ m + (1 − β₁) g
//! v ← β₂ v + (1 − β₂) g²
//! θ ← θ − α_t · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
//! ```
//!
//! Defaults α = 10⁻³, β₁ = 0.9, β₂ = 0.999, ε = 10⁻⁸, λ_w = 0. Weight decay applies to every
//! parameter, biases included (PyTorch's `AdamW`); for L2 on weights only use the cost's λ.
//! `α_t` is the [`Schedule`]'s rate for base rate α after `t − 1` steps (constant by
//! default: `α_t = α`; a cosine schedule anneals the step size and, like PyTorch's
//! schedulers, the decoupled decay with it).
//!
//! # Arithmetic
//! The per-step constants are computed in `f64` and rounded once to `T`: `s = α_t/(1 − β₁ᵗ)`,
//! `c = 1/√(1 − β₂ᵗ)`, `d = 1 − α_t·λ_w`, and `β₁, 1−β₁, β₂, 1−β₂, ε`. Then, for every
//! coordinate, in `T`, each operation rounded once (no fused multiply-add):
//!
//! ```text
//! m ← β₁·m + (1−β₁)·g;    m ← 0 if |m| < f
//! v ← β₂·v + ((1−β₂)·g)·g; v ← 0 if v < N
//! θ ← θ·d − (s·m) / (√v·c + ε)          (θ·d only for AdamW)
//! ```
//!
//! where `N` is the smallest positive normal number of `T` and `f = N / min(s, 1)` (in
//! `f64`, rounded to `T`; `f = N` for a rate of 0). A coordinate whose gradient has become 0 (a ReLU unit that
//! stopped firing) has moments that decay geometrically, and without the two flushes they
//! spend hundreds (`m`) to thousands (`v`) of steps as subnormal numbers, or make `s·m`
//! one: this CPU computes with those several times slower (it made a batch-1 step 1.2–1.3×
//! slower). What the flushes drop is below the arithmetic's resolution: `√v·c < √N·c` is
//! below half an ulp of `ε` (for f32 with the default ε: 3.4·10⁻¹⁸ against 4.4·10⁻¹⁶), and
//! a flushed `m` moves θ by less than `N/ε` (10⁻³⁰ for f32).
//!
//! θ, m and v are updated in one pass, split across the thread pool for long vectors and
//! compiled for the process's SIMD family (AVX-512, AVX2 or baseline; the GEMM's
//! [`gemm_kernel`](crate::linalg::gemm_kernel)). Vector `+ − × ÷ √` are correctly rounded
//! like the scalar ones, so the result is **bit-identical** to evaluating the lines above
//! one coordinate at a time, whatever the family or thread count (tested).

use super::StepOptimizer;
use super::sgd::{Schedule, check_step_dims};
use crate::check;
use crate::error::Result;
use crate::linalg::par::{UPDATE_SPLIT_MIN, for_each_chunk_mut};
use crate::linalg::simd::vectorized;
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
    /// Learning-rate schedule over the steps (default constant), as for [`Sgd`](super::Sgd).
    pub schedule: Schedule,
}

impl Default for AdamConfig {
    fn default() -> Self {
        AdamConfig {
            learning_rate: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
            weight_decay: 0.0,
            schedule: Schedule::Constant,
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
    /// decay multiplies θ by `1 − α_t·λ_w` each step), and the schedule as for
    /// [`Sgd::new`](super::Sgd::new).
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
        c.schedule.check(c.learning_rate)?;
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
        let lr = c.schedule.rate(c.learning_rate, self.t);
        self.t += 1;
        self.beta1_t *= c.beta1;
        self.beta2_t *= c.beta2;
        let step = T::of(lr / (1.0 - self.beta1_t));
        let inv_sqrt_bc2 = T::of(1.0 / (1.0 - self.beta2_t).sqrt());
        let (b1, b2) = (T::of(c.beta1), T::of(c.beta2));
        let (one_b1, one_b2) = (T::of(1.0 - c.beta1), T::of(1.0 - c.beta2));
        let eps = T::of(c.epsilon);
        let decay = T::of(1.0 - lr * c.weight_decay);
        let decoupled = c.weight_decay > 0.0;
        let k = AdamStep {
            b1,
            b2,
            one_b1,
            one_b2,
            m_floor: moment_floor(step),
            step,
            inv_sqrt_bc2,
            eps,
            decay,
        };
        // One fused pass over θ, m, v and g, vectorised for the process's SIMD family; long
        // vectors are updated on every thread of the pool, in disjoint ranges (the result
        // depends neither on the split nor on the family: see the module docs).
        for_each_chunk_mut(
            grad.len(),
            UPDATE_SPLIT_MIN,
            [theta, &mut self.m, &mut self.v],
            &|r, [x, m, v]| {
                let g = &grad[r];
                if decoupled {
                    vectorized(|| k.update::<true>(x, m, v, g));
                } else {
                    vectorized(|| k.update::<false>(x, m, v, g));
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

/// `f = N / min(s, 1)` of the module docs: the first moment below which `s·m` would be
/// subnormal.
fn moment_floor<T: Scalar>(step: T) -> T {
    // A rate of 0 (a cosine schedule's end with `min_lr = 0`) makes `s·m = 0`, never
    // subnormal: the floor is then N, so the moments are kept for the steps after it.
    let s = step.as_f64();
    let f = T::min_positive().as_f64() / if s > 0.0 { s.min(1.0) } else { 1.0 };
    T::of(f.min(T::max_finite().as_f64()))
}

/// The per-step constants of an Adam update.
#[derive(Clone, Copy)]
struct AdamStep<T> {
    b1: T,
    b2: T,
    one_b1: T,
    one_b2: T,
    /// `m` is stored as 0 below this (see the module docs).
    m_floor: T,
    step: T,
    inv_sqrt_bc2: T,
    eps: T,
    decay: T,
}

impl<T: Scalar> AdamStep<T> {
    /// `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`, `x ← x·decay? − step·m/(√v/√(1−β₂ᵗ) + ε)`
    /// (the module docs' arithmetic), written as a branch-free loop the compiler vectorises
    /// (run it through [`vectorized`]).
    #[inline(always)]
    fn update<const DECOUPLED: bool>(&self, x: &mut [T], m: &mut [T], v: &mut [T], g: &[T]) {
        let n = x.len().min(m.len()).min(v.len()).min(g.len());
        let (x, m, v, g) = (&mut x[..n], &mut m[..n], &mut v[..n], &g[..n]);
        for i in 0..n {
            let gi = g[i];
            let mi = self.b1 * m[i] + self.one_b1 * gi;
            let mi = if mi.abs() < self.m_floor {
                T::zero()
            } else {
                mi
            };
            let vi = (self.b2 * v[i] + self.one_b2 * gi * gi).flush_denormal();
            m[i] = mi;
            v[i] = vi;
            let xi = if DECOUPLED { x[i] * self.decay } else { x[i] };
            x[i] = xi - self.step * mi / (vi.sqrt() * self.inv_sqrt_bc2 + self.eps);
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::linalg::GemmKernel;
    use crate::linalg::simd::vectorized_as;
    use rand::{RngExt, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// Values over many magnitudes and both signs, with exact zeros.
    pub(crate) fn values<T: Scalar>(n: usize, seed: u64, positive: bool) -> Vec<T> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        (0..n)
            .map(|i| {
                if i % 17 == 0 {
                    return T::zero();
                }
                let mag = 10f64.powf(rng.random_range(-12.0..6.0));
                let sign = if positive || rng.random::<bool>() {
                    1.0
                } else {
                    -1.0
                };
                T::of(sign * mag * rng.random_range(1.0..2.0))
            })
            .collect()
    }

    /// The module docs' arithmetic, one coordinate at a time, kept out of line and away from
    /// the vectoriser (`black_box` between the operations changes nothing about rounding).
    #[inline(never)]
    fn scalar_reference<T: Scalar>(
        k: &AdamStep<T>,
        decoupled: bool,
        x: &mut [T],
        m: &mut [T],
        v: &mut [T],
        g: &[T],
    ) {
        use std::hint::black_box as b;
        for i in 0..x.len() {
            let mi = b(k.b1 * m[i]) + b(k.one_b1 * g[i]);
            let mi = if mi.abs() < k.m_floor { T::zero() } else { mi };
            let vi = b(k.b2 * v[i]) + b(b(k.one_b2 * g[i]) * g[i]);
            let vi = if vi < T::min_positive() {
                T::zero()
            } else {
                vi
            };
            m[i] = mi;
            v[i] = vi;
            let xi = if decoupled { b(x[i] * k.decay) } else { x[i] };
            let den = b(b(vi.sqrt()) * k.inv_sqrt_bc2) + k.eps;
            x[i] = xi - b(b(k.step * mi) / den);
        }
    }

    fn bits<T: Scalar>(v: &[T]) -> Vec<u64> {
        v.iter().map(|x| x.as_f64().to_bits()).collect()
    }

    /// The step constants at step `t`, as the docs define them (`βᵗ` by repeated
    /// multiplication in `f64`).
    fn constants<T: Scalar>(t: i32) -> AdamStep<T> {
        let c = AdamConfig {
            weight_decay: 0.01,
            ..Default::default()
        };
        let (mut b1t, mut b2t) = (1.0, 1.0);
        for _ in 0..t {
            b1t *= c.beta1;
            b2t *= c.beta2;
        }
        let step = T::of(c.learning_rate / (1.0 - b1t));
        AdamStep {
            b1: T::of(c.beta1),
            b2: T::of(c.beta2),
            one_b1: T::of(1.0 - c.beta1),
            one_b2: T::of(1.0 - c.beta2),
            m_floor: T::of(T::min_positive().as_f64() / step.as_f64().min(1.0)), // s > 0
            step,
            inv_sqrt_bc2: T::of(1.0 / (1.0 - b2t).sqrt()),
            eps: T::of(c.epsilon),
            decay: T::of(1.0 - c.learning_rate * c.weight_decay),
        }
    }

    /// The fused update, compiled for every SIMD family this CPU runs, gives exactly the
    /// bits of the scalar formula (tails of every vector width included: n = 1037).
    fn update_bits<T: Scalar>() {
        let n = 1037;
        let k = constants::<T>(3);
        for family in GemmKernel::ALL {
            if !family.is_available() {
                eprintln!("skipped: the {family} family (this CPU cannot run it)");
                continue;
            }
            for decoupled in [false, true] {
                let (x0, m0) = (values::<T>(n, 1, false), values::<T>(n, 2, false));
                let (v0, g) = (values::<T>(n, 3, true), values::<T>(n, 4, false));
                let (mut x, mut m, mut v) = (x0.clone(), m0.clone(), v0.clone());
                vectorized_as(family, || {
                    if decoupled {
                        k.update::<true>(&mut x, &mut m, &mut v, &g)
                    } else {
                        k.update::<false>(&mut x, &mut m, &mut v, &g)
                    }
                });
                let (mut xr, mut mr, mut vr) = (x0, m0, v0);
                scalar_reference(&k, decoupled, &mut xr, &mut mr, &mut vr, &g);
                let what = format!("{} {family} decoupled={decoupled}", T::NAME);
                assert_eq!(bits(&x), bits(&xr), "θ, {what}");
                assert_eq!(bits(&m), bits(&mr), "m, {what}");
                assert_eq!(bits(&v), bits(&vr), "v, {what}");
            }
        }
    }

    #[test]
    fn the_fused_update_is_bit_identical_to_the_scalar_formula_on_every_family() {
        update_bits::<f32>();
        update_bits::<f64>();
    }

    /// Moments decaying into the subnormal range are stored as 0 (the module docs' flushes),
    /// on every family, and the θ they would have moved is unchanged.
    #[test]
    fn moments_that_would_be_subnormal_are_stored_as_zero() {
        let k = constants::<f32>(3);
        let (floor, n) = (k.m_floor, f32::MIN_POSITIVE);
        assert!(floor > n, "s < 1, so f = N/s > N");
        // A rate of 0 (s·m = 0 exactly) keeps every normal moment: f = N.
        assert_eq!(moment_floor(0.0f32), n);
        assert_eq!(moment_floor(0.0f64), f64::MIN_POSITIVE);
        for family in GemmKernel::ALL.into_iter().filter(|f| f.is_available()) {
            // A gradient of 0: m ← β₁m, v ← β₂v.
            let m0 = [2.0 * floor, -2.0 * floor, 0.5 * floor, -0.5 * floor, 0.0];
            let v0 = [4.0 * n, 4.0 * n, 0.5 * n, n / 8.0, 0.0];
            let (mut x, mut m, mut v) = ([1.0f32; 5], m0, v0);
            vectorized_as(family, || {
                k.update::<false>(&mut x, &mut m, &mut v, &[0.0; 5])
            });
            assert_eq!(
                m,
                [k.b1 * m0[0], k.b1 * m0[1], 0.0, 0.0, 0.0],
                "m, {family}"
            );
            assert_eq!(
                v,
                [k.b2 * v0[0], k.b2 * v0[1], 0.0, 0.0, 0.0],
                "v, {family}"
            );
            assert_eq!(x, [1.0; 5], "θ, {family}");
        }
    }

    /// Whole steps (long enough to be split across the pool) against the documented formula
    /// with the step constants computed as the docs say.
    fn steps_bits<T: Scalar>(weight_decay: f64) {
        let n = 40_000;
        let config = AdamConfig {
            weight_decay,
            ..Default::default()
        };
        let mut adam = Adam::<T>::new(config).unwrap();
        let mut x = values::<T>(n, 5, false);
        let (mut xr, mut m, mut v) = (x.clone(), vec![T::zero(); n], vec![T::zero(); n]);
        for t in 1..=4 {
            let g = values::<T>(n, 10 + t as u64, false);
            adam.step(&mut x, &g).unwrap();
            let mut k = constants::<T>(t);
            k.decay = T::of(1.0 - config.learning_rate * weight_decay);
            scalar_reference(&k, weight_decay > 0.0, &mut xr, &mut m, &mut v, &g);
            assert_eq!(bits(&x), bits(&xr), "{} step {t}", T::NAME);
        }
    }

    #[test]
    fn adam_and_adamw_steps_are_bit_identical_to_the_scalar_formula() {
        steps_bits::<f32>(0.0);
        steps_bits::<f32>(0.01);
        steps_bits::<f64>(0.0);
        steps_bits::<f64>(0.01);
    }
}
