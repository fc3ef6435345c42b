//! Parameter initialisation from a caller's random number generator.
//!
//! | scheme | weights | biases |
//! |---|---|---|
//! | [`Init::Uniform`] (default ε = 0.12, the course's `randInitializeWeights`) | U(−ε, ε) | U(−ε, ε) |
//! | [`Init::Glorot`] | U(−ε_l, ε_l), ε_l = √6/√(s_l + s_{l+1}) | U(−ε_l, ε_l) (as the course suggests) |
//! | [`Init::He`] | N(0, 2/s_l) | 0 |
//! | [`Init::Zeros`] | 0 | 0 |
//!
//! Values are drawn in θ order (layer by layer, each `Theta_l` column-major, as MATLAB's
//! `rand(out, 1 + in)`) from `f64` draws, so the same seed gives the same θ, and an `f32`
//! network gets the rounded values of the `f64` one.
//!
//! # Examples
//!
//! ```
//! use deepmultinet::{Init, Network, Relu, SoftmaxCrossEntropy};
//! use rand::SeedableRng;
//! let build = |seed| {
//!     let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
//!     Network::builder(4).hidden(3, Relu).output(2, SoftmaxCrossEntropy::<f64>::new())
//!         .init(Init::Glorot).build(&mut rng)
//! };
//! let (a, b) = (build(7)?, build(7)?);
//! assert_eq!(a.params(), b.params()); // same seed, same θ
//! let eps = 6f64.sqrt() / 7f64.sqrt(); // layer 0: fan_in 4 + fan_out 3
//! assert!(a.theta_view(0)?.iter().all(|w| w.abs() <= eps));
//! # Ok::<(), deepmultinet::Error>(())
//! ```

use crate::layout::Layout;
use crate::scalar::Scalar;
use rand::{Rng, RngExt};
use rand_distr::{Distribution, StandardNormal};

/// How to draw the initial parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Init {
    /// Every parameter uniform in `[−epsilon, epsilon]`.
    Uniform {
        /// Half-width of the interval.
        epsilon: f64,
    },
    /// Glorot/Xavier uniform: `ε_l = √6 / √(fan_in + fan_out)` per layer, biases included.
    Glorot,
    /// He normal: weights `N(0, 2 / fan_in)`, biases zero (for ReLU layers).
    He,
    /// All zeros (useful for tests; a network cannot break symmetry from here).
    Zeros,
}

impl Default for Init {
    /// `Uniform { epsilon: 0.12 }`, the course's choice.
    fn default() -> Self {
        Init::Uniform { epsilon: 0.12 }
    }
}

impl Init {
    /// Fills `theta` (laid out by `layout`) from `rng`.
    ///
    /// # Panics
    /// If `theta.len() != layout.num_params()` (an internal invariant of the callers).
    pub fn fill<T: Scalar, R: Rng + ?Sized>(&self, layout: &Layout, theta: &mut [T], rng: &mut R) {
        assert_eq!(theta.len(), layout.num_params(), "theta length");
        for l in 0..layout.num_layers() {
            let fan_in = layout.sizes()[l] as f64;
            let fan_out = layout.sizes()[l + 1] as f64;
            match *self {
                Init::Uniform { epsilon } => {
                    uniform(&mut theta[layout.layer_range(l)], epsilon, rng)
                }
                Init::Glorot => {
                    let eps = 6f64.sqrt() / (fan_in + fan_out).sqrt();
                    uniform(&mut theta[layout.layer_range(l)], eps, rng);
                }
                Init::He => {
                    let std = (2.0 / fan_in).sqrt();
                    theta[layout.bias_range(l)].fill(T::zero());
                    for v in &mut theta[layout.weight_range(l)] {
                        let n: f64 = StandardNormal.sample(rng);
                        *v = T::of(n * std);
                    }
                }
                Init::Zeros => theta[layout.layer_range(l)].fill(T::zero()),
            }
        }
    }
}

fn uniform<T: Scalar, R: Rng + ?Sized>(out: &mut [T], eps: f64, rng: &mut R) {
    for v in out {
        let u: f64 = rng.random();
        *v = T::of(u * 2.0 * eps - eps);
    }
}
