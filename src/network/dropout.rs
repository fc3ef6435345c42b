//! Dropout of hidden units in training steps (Srivastava et al., 2014), with inverted
//! scaling: in a training step every unit of hidden layer `l` is dropped (its activation set
//! to 0) with probability `p_l`, and every kept unit's activation is multiplied by
//! `1 / (1 − p_l)`, so that the expected input of the next layer is the one the full network
//! sees. Inference ([`Network::forward`](crate::Network::forward), `predict`, `cost`,
//! evaluation) never drops anything and needs no rescaling.
//!
//! **The mask is a pure function** of `(seed, step, layer, sample, unit)` — a counter-based
//! hash (SplitMix64's finaliser), not a stream of draws — so one training step's mask does
//! not depend on how the batch was split across threads, on the thread count or on the
//! order the parts ran in, and it is recomputed in the backward pass instead of being
//! stored. The sample is the column of the mini-batch (`0..m`), the step the optimiser's
//! step count. The same seed gives the same masks in every run.
//!
//! In the backward pass `δ_l = M_l ⊙ g'_l(Z_l) ⊙ (W_{l+1}ᵀ δ_{l+1})` with the same mask
//! `M_l` (0 or `1/(1 − p_l)`), and `∇W_{l+1}` uses the dropped activations `M_l ⊙ A_l`: the
//! gradient of the thinned network's cost, which a gradient check confirms for a fixed
//! mask ([`NetworkObjective::with_dropout`](crate::network::NetworkObjective::with_dropout)).
//!
//! # Examples
//!
//! ```
//! use deepmultinet::prelude::*;
//! use deepmultinet::network::Dropout;
//! use rand::SeedableRng;
//!
//! let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(0);
//! let net = Network::builder(4).hidden(32, Relu).hidden(16, Relu)
//!     .output(3, SoftmaxCrossEntropy::<f64>::new()).init(Init::He).build(&mut rng)?;
//! let dropout = Dropout::new(&[0.2, 0.1], 7)?; // one rate per hidden layer, and a seed
//! let x = nalgebra::DMatrix::from_fn(4, 8, |i, j| ((i + 2 * j) as f64).sin());
//! let y = [0usize, 1, 2, 0, 1, 2, 0, 1];
//! let mut ws = net.workspace(8);
//! let mut grad = vec![0.0; net.num_params()];
//! let step = 0; // the optimiser's step count: another mask every step
//! let j = net.cost_grad_dropout(&mut ws, &x, &y, 0.0, dropout.mask(step), &mut grad)?;
//! assert!(j.is_finite());
//! // The mask is a function of its coordinates: (layer, sample, unit) in step 0.
//! let kept = (0..32).filter(|&u| dropout.mask(step).keeps(0, 3, u)).count();
//! assert!(kept < 32 && kept > 16);
//! assert!(Dropout::new(&[1.0], 0).is_err()); // p must be in [0, 1)
//! # Ok::<(), deepmultinet::Error>(())
//! ```

use crate::check;
use crate::error::{Error, Result};
use crate::memory;
use crate::scalar::Scalar;

/// Drop probabilities of the hidden layers and the seed of their masks (see the
/// [module docs](self)).
///
/// Validated at construction: every rate is in `[0, 1)`. A rate of 0 leaves its layer alone
/// (bit for bit: the pass does not touch it), so `Dropout::new(&[0.0; n], s)` trains exactly
/// like no dropout.
#[derive(Clone, Debug, PartialEq)]
pub struct Dropout {
    rates: Vec<f64>,
    seed: u64,
}

impl Dropout {
    /// Drop probability `rates[l]` for hidden layer `l` (one rate per hidden layer, in the
    /// network's order), masks drawn from `seed`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] (`dropout`) for a rate outside `[0, 1)` (NaN included).
    pub fn new(rates: &[f64], seed: u64) -> Result<Self> {
        for &p in rates {
            if !(0.0..1.0).contains(&p) {
                return Err(check::invalid("dropout", p, "in [0, 1)"));
            }
        }
        Ok(Dropout {
            rates: rates.to_vec(),
            seed,
        })
    }

    /// The same rate `p` for each of `hidden_layers` hidden layers.
    ///
    /// # Errors
    /// As [`new`](Self::new).
    pub fn uniform(p: f64, hidden_layers: usize, seed: u64) -> Result<Self> {
        Self::new(&vec![p; hidden_layers], seed)
    }

    /// The drop probability of every hidden layer.
    pub fn rates(&self) -> &[f64] {
        &self.rates
    }

    /// The seed of the masks.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Whether no unit is ever dropped (every rate is 0).
    pub fn is_off(&self) -> bool {
        self.rates.iter().all(|&p| p == 0.0)
    }

    /// The mask of training step `step` (a different one every step).
    pub fn mask(&self, step: u64) -> DropoutMask<'_> {
        DropoutMask {
            dropout: self,
            key: mix(self.seed ^ mix(step.wrapping_add(0x5851_f42d_4c95_7f2d))),
            offset: 0,
        }
    }

    /// [`Error::ShapeMismatch`] unless there is one rate per hidden layer of a network with
    /// `hidden_layers` hidden layers.
    pub(crate) fn check_layers(&self, hidden_layers: usize) -> Result<()> {
        if self.rates.len() == hidden_layers {
            Ok(())
        } else {
            Err(Error::shape(
                "dropout rates (one per hidden layer)",
                hidden_layers,
                self.rates.len(),
            ))
        }
    }
}

/// The dropout mask of one training step: which units of which samples are kept.
/// Made by [`Dropout::mask`]; cheap to copy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DropoutMask<'a> {
    dropout: &'a Dropout,
    /// `(seed, step)` mixed into one key.
    key: u64,
    /// The batch column of this part's first column (0 but in a split batch's parts).
    offset: usize,
}

impl<'a> DropoutMask<'a> {
    /// The dropout configuration this mask belongs to.
    pub fn dropout(&self) -> &'a Dropout {
        self.dropout
    }

    /// Whether unit `unit` of hidden layer `layer` is kept for sample (batch column)
    /// `sample`. Always true for a layer with rate 0 or beyond the configured layers.
    pub fn keeps(&self, layer: usize, sample: usize, unit: usize) -> bool {
        let p = self.dropout.rates.get(layer).copied().unwrap_or(0.0);
        p == 0.0
            || self
                .column(layer, self.offset + sample)
                .keeps(threshold(p), unit)
    }

    /// The generator of one layer's mask for one sample.
    fn column(&self, layer: usize, sample: usize) -> Column {
        let layer_key = mix(self.key ^ (layer as u64).wrapping_mul(0xd1b5_4a32_d192_ed03));
        Column(mix(layer_key.wrapping_add(
            (sample as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15),
        )))
    }

    /// Applies layer `layer`'s mask to a `units × m` buffer of this part's batch columns:
    /// `out = a ⊙ M` (kept values scaled by `1/(1 − p)`, dropped ones 0). Does nothing for a
    /// rate of 0 (the caller then reads `a`).
    pub(super) fn apply<T: Scalar>(&self, layer: usize, units: usize, a: &[T], out: &mut [T]) {
        let p = self.rate(layer);
        if p == 0.0 || units == 0 {
            return;
        }
        let (t, scale) = (threshold(p), T::of(1.0 / (1.0 - p)));
        let columns = a.chunks_exact(units).zip(out.chunks_exact_mut(units));
        for (j, (src, dst)) in columns.enumerate() {
            let generator = self.column(layer, self.offset + j);
            for (u, (&s, d)) in src.iter().zip(dst.iter_mut()).enumerate() {
                *d = if generator.keeps(t, u) {
                    s * scale
                } else {
                    T::zero()
                };
            }
        }
    }

    /// Multiplies the `units × m` buffer `d` (layer `layer`'s δ of this part's batch
    /// columns) by the mask, in place. Does nothing for a rate of 0.
    pub(super) fn apply_in_place<T: Scalar>(&self, layer: usize, units: usize, d: &mut [T]) {
        let p = self.rate(layer);
        if p == 0.0 || units == 0 {
            return;
        }
        let (t, scale) = (threshold(p), T::of(1.0 / (1.0 - p)));
        for (j, col) in d.chunks_exact_mut(units).enumerate() {
            let generator = self.column(layer, self.offset + j);
            for (u, v) in col.iter_mut().enumerate() {
                *v = if generator.keeps(t, u) {
                    *v * scale
                } else {
                    T::zero()
                };
            }
        }
    }

    /// The same mask for a part of the batch that starts at column `start` (a thread's
    /// share of a split batch): its column `j` is the batch's column `start + j`.
    pub(super) fn shifted(self, start: usize) -> Self {
        DropoutMask {
            offset: self.offset + start,
            ..self
        }
    }

    /// The drop probability of hidden layer `layer` (0 beyond the configured layers).
    pub(super) fn rate(&self, layer: usize) -> f64 {
        self.dropout.rates.get(layer).copied().unwrap_or(0.0)
    }

    /// Whether hidden layer `layer` drops anything in this step.
    pub(super) fn active(&self, layer: usize) -> bool {
        self.rate(layer) > 0.0
    }
}

/// One layer's mask generator for one sample.
#[derive(Clone, Copy)]
struct Column(u64);

impl Column {
    /// Unit `unit` is dropped when its hash falls below `threshold` (`p · 2⁶⁴`).
    #[inline(always)]
    fn keeps(self, threshold: u64, unit: usize) -> bool {
        mix(self
            .0
            .wrapping_add((unit as u64).wrapping_mul(0xbf58_476d_1ce4_e5b9)))
            >= threshold
    }
}

/// `p · 2⁶⁴` rounded down: a uniform 64-bit hash is below it with probability `p` (to within
/// 2⁻⁵³, the rounding of `p`).
fn threshold(p: f64) -> u64 {
    // p < 1, so the product is below 2⁶⁴; `as` saturates in any case.
    (p * 18_446_744_073_709_551_616.0) as u64
}

/// SplitMix64's finaliser (Steele, Lea & Flood 2014): a bijection of `u64` whose output
/// bits each depend on every input bit.
#[inline(always)]
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Makes `buf` hold at least `n` values (allocating fallibly, only when it is too short).
pub(super) fn ensure_len<T: Scalar>(buf: &mut Vec<T>, n: usize) -> Result<()> {
    if buf.len() < n {
        let mut fresh = memory::try_vec("dropout buffer (dropped activations)", n, T::zero())?;
        std::mem::swap(buf, &mut fresh);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_of_simple_rates() {
        assert_eq!(threshold(0.0), 0);
        assert_eq!(threshold(0.5), 1 << 63);
        assert_eq!(threshold(0.25), 1 << 62);
    }

    #[test]
    fn mix_is_splitmix64s_finaliser() {
        // SplitMix64 seeded with 0: its first output is mix(0x9e3779b97f4a7c15).
        assert_eq!(mix(0x9e37_79b9_7f4a_7c15), 0xe220_a839_7b1d_cdaf);
    }
}
