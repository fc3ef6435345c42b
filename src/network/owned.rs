//! The first layer of a small batch, split by the optimiser's ranges of θ.
//!
//! A batch too small to split by samples (`split.rs`) is computed on one thread, while the
//! optimiser then updates θ in one contiguous range per thread (`par::UPDATE_SPLIT_MIN`).
//! For a network whose first layer holds most of θ (784-128-64-10: 100,480 of 109,386
//! values), every step would then move half of `W_1` and of its gradient between the
//! cores: the update reads them on one core after the gradient wrote them on the other, and
//! the next forward pass reads the updated half back. Measured on a 2-core machine, that
//! traffic made a batch-1 step cost twice its parts.
//!
//! So for such a batch the first layer's two products follow the ranges instead:
//!
//! * forward: `Z_1 = Σ_t W_1[:, C_t] X[C_t, :]`, where thread `t` takes the input columns
//!   `C_t` of its range of θ and writes its own partial sum; the partial sums are added in
//!   the order of `t` (so the result does not depend on timing, but differs in the last
//!   bits from the unsplit product, as a split batch's gradient does);
//! * gradient: `∇W_1 = δ_1 Xᵀ/m + (λ/m) W_1`, where thread `t` writes exactly the elements
//!   of its range (each element gets the bits the unsplit product gives for the same `δ_1`;
//!   `δ_1` itself follows from the split forward pass, and the cost's `Σ W_1²` is summed
//!   part by part in order).
//!
//! The partial sums live in the workspace, allocated (fallibly) by the first such pass and
//! reused after it.
//!
//! The threads are homed ([`par::run_homed`]): thread `t` takes range `t` when it is free,
//! as the optimiser's update does, so `W_1`'s ranges, their gradient and the optimiser's
//! state stay in the cache of the core that updates them.

use super::Network;
use super::backprop::regularisation_start;
use crate::error::Result;
use crate::linalg::par::{self, UPDATE_SPLIT_MIN, for_each_column_range_mut, for_each_range_mut};
use crate::linalg::{gemm_or_panic as gemm, transposed};
use crate::loss::OutputLoss;
use crate::memory;
use nalgebra::{DMatrixView, DMatrixViewMut};
use num_traits::{One, Zero};
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

/// A first layer with fewer weights than this stays on one thread (too little work to
/// share out).
const MIN_WEIGHTS: usize = 1 << 15;

impl<L: OutputLoss> Network<L> {
    /// Into how many ranges a batch that is not split by samples computes its first layer:
    /// the optimiser's split of a θ of `n` values (one range per thread when θ is long
    /// enough to be split), or 1 when the first layer is small — or has so few inputs for
    /// so many threads that adding the `parts` partial sums (on one thread) would cost more
    /// than a quarter of a thread's share of the product (`4·parts² > inputs`).
    pub(super) fn owned_parts(&self, n: usize) -> usize {
        let sizes = self.layout.sizes();
        let parts = par::available_parts().min(par::MAX_PARTS);
        if parts < 2
            || n < UPDATE_SPLIT_MIN
            || sizes[0].saturating_mul(sizes[1]) < MIN_WEIGHTS
            || 4 * parts * parts > sizes[0]
        {
            1
        } else {
            parts
        }
    }

    /// Where range `t` of the `parts` ranges that θ (`n` values) is updated in starts,
    /// counted in elements of `W_1` (column-major, `s_1 × s_0`) and clamped to them, for
    /// `t ≤ parts` (`t = parts` gives the end).
    fn owned_weight_start(&self, t: usize, parts: usize, n: usize) -> usize {
        let w = self.layout.weight_range(0);
        let at = if t >= parts {
            n
        } else {
            par::part_range(t, parts, n).start
        };
        at.clamp(w.start, w.end) - w.start
    }

    /// The weights of `W_1` that part `t` of `parts` writes in the gradient.
    fn owned_weights(&self, t: usize, parts: usize, n: usize) -> Range<usize> {
        self.owned_weight_start(t, parts, n)..self.owned_weight_start(t + 1, parts, n)
    }

    /// The input columns of `W_1` part `t` of `parts` multiplies in the forward pass: its
    /// weights rounded to whole columns (the ranges tile `0..s_0`).
    pub(super) fn owned_columns(&self, t: usize, parts: usize, n: usize) -> Range<usize> {
        let (inputs, out) = (self.layout.sizes()[0], self.layout.sizes()[1]);
        let cut = |t: usize| ((self.owned_weight_start(t, parts, n) + out / 2) / out).min(inputs);
        cut(t)..cut(t + 1)
    }

    /// `Z_1 = W_1 X` (no bias) into `z` (`s_1 × m`), split into `parts` ranges of input
    /// columns (see the module docs); `partials` is grown to `parts · s_1 · m` values if it
    /// is shorter.
    ///
    /// # Errors
    /// [`Error::TooLarge`] if `partials` cannot grow.
    pub(super) fn first_layer_owned(
        &self,
        theta: &[L::Scalar],
        x: &DMatrixView<'_, L::Scalar>,
        parts: usize,
        partials: &mut Vec<L::Scalar>,
        z: &mut [L::Scalar],
    ) -> Result<()> {
        const WHAT: &str = "first layer's partial sums";
        let (zero, one) = (L::Scalar::zero(), L::Scalar::one());
        let out = self.layout.sizes()[1];
        let m = x.ncols();
        let len = z.len();
        let need = memory::product::<L::Scalar>(WHAT, parts, len)?;
        if partials.len() < need {
            *partials = memory::try_vec(WHAT, need, zero)?;
        }
        let n = theta.len();
        let w = self.layout.weights(theta, 0);
        for_each_column_range_mut(len, parts, parts, [&mut partials[..need]], &|r, [p]| {
            let cols = self.owned_columns(r.start, parts, n);
            if cols.is_empty() {
                p.fill(zero);
                return;
            }
            let mut pv = DMatrixViewMut::from_slice(p, out, m);
            let (wt, xt) = (w.columns_range(cols.clone()), x.rows_range(cols));
            par::as_split_part(|| gemm(one, &wt, &xt, zero, &mut pv));
        });
        let (first, rest) = partials[..need].split_at(len);
        z.copy_from_slice(first);
        for part in rest.chunks_exact(len) {
            for (zi, &p) in z.iter_mut().zip(part) {
                *zi += p;
            }
        }
        Ok(())
    }

    /// `∇W_1 = inv_m · δ_1 Xᵀ + reg · W_1` into `gw` (`s_1 × s_0`, column-major), each of
    /// the `parts` threads writing its range's elements (`reg · W_1` only when `regularise`;
    /// else `reg` is ignored). Returns `Σ W_1²` (0 unless `regularise`), summed in `f64`
    /// part by part in order.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn first_layer_grad_owned(
        &self,
        theta: &[L::Scalar],
        x: &DMatrixView<'_, L::Scalar>,
        delta: &DMatrixView<'_, L::Scalar>,
        inv_m: L::Scalar,
        reg: L::Scalar,
        regularise: bool,
        parts: usize,
        gw: &mut [L::Scalar],
    ) -> f64 {
        let out = self.layout.sizes()[1];
        let n = theta.len();
        let w = &theta[self.layout.weight_range(0)];
        let beta = if regularise {
            L::Scalar::one()
        } else {
            L::Scalar::zero()
        };
        let sums: [AtomicU64; par::MAX_PARTS] = std::array::from_fn(|_| AtomicU64::new(0));
        let range_of = |t: usize| self.owned_weights(t, parts, n);
        for_each_range_mut(gw.len(), parts, &range_of, [gw], &|t, r, [g]| {
            if regularise {
                let sum = regularisation_start(g, &w[r.clone()], reg);
                sums[t].store(sum.to_bits(), Ordering::Relaxed);
            }
            par::as_split_part(|| {
                // The range as a partial first column, whole columns and a partial last one.
                let (mut e, mut off) = (r.start, 0);
                while e < r.end {
                    let (c, row) = (e / out, e % out);
                    let whole = if row == 0 { (r.end - e) / out } else { 0 };
                    if whole > 0 {
                        let mut cv =
                            DMatrixViewMut::from_slice(&mut g[off..off + whole * out], out, whole);
                        let xc = x.rows_range(c..c + whole);
                        gemm(inv_m, delta, &transposed(&xc), beta, &mut cv);
                        (e, off) = (e + whole * out, off + whole * out);
                    } else {
                        let end = out.min(row + (r.end - e));
                        let rows = end - row;
                        let mut cv = DMatrixViewMut::from_slice(&mut g[off..off + rows], rows, 1);
                        let xc = x.rows_range(c..c + 1);
                        let dr = delta.rows_range(row..end);
                        gemm(inv_m, &dr, &transposed(&xc), beta, &mut cv);
                        (e, off) = (e + rows, off + rows);
                    }
                }
            });
        });
        sums.iter()
            .take(parts)
            .map(|s| f64::from_bits(s.load(Ordering::Relaxed)))
            .sum()
    }
}
