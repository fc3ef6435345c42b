//! The backward pass and [`Network::cost_grad`]: cost and gradient in one pass.
//!
//! * cost: `J = (1/m) Σ_samples cost(A_L, Y) + λ/(2m) Σ_l ‖W_l‖²` (biases never regularised);
//! * backward: `δ_L = ∂J/∂Z_L` from the head (`A_L − Y` for the cross-entropy heads),
//!   `δ_{l−1} = g'_{l−1} ⊙ (W_lᵀ δ_l)`;
//! * gradient: `∇W_l = δ_l A_{l−1}ᵀ / m + (λ/m) W_l`, `∇b_l = δ_l 1 / m` — the course's
//!   `D_l = Δ_l/m + (λ/m) Theta_l` with the bias column not regularised.
//!
//! Every product is a GEMM into a [`Workspace`] buffer; transposes are stride-swapped views.
//! A large batch is split across the thread pool (`split.rs`).

use super::Network;
use super::dropout::DropoutMask;
use super::workspace::{LayerBuffers, Workspace, view, view_mut};
use crate::error::{Error, Result};
use crate::linalg::{gemm_or_panic as gemm, transposed};
use crate::loss::OutputLoss;
use crate::scalar::Scalar;
use crate::targets::Targets;
use nalgebra::DMatrixView;
use num_traits::{One, Zero};

/// Writes `reg · w` into `g` (the regularisation term a weight gradient's GEMM then adds to
/// with β = 1) and returns `Σ w²`, summed in `f64` in element order.
pub(super) fn regularisation_start<T: Scalar>(g: &mut [T], w: &[T], reg: T) -> f64 {
    let mut sum = 0.0;
    for (gi, &wi) in g.iter_mut().zip(w) {
        *gi = reg * wi;
        let wi = wi.as_f64();
        sum += wi * wi;
    }
    sum
}

impl<L: OutputLoss> Network<L> {
    /// Backward pass after [`forward_raw`](Self::forward_raw) over this part's samples.
    ///
    /// Writes `Δ/m_total + (λ/m_total)·W` into `grad` (θ's layout), with `inv_m = 1/m_total`
    /// so that parts of one batch can be summed. Returns the part's summed data cost and
    /// `Σ W²` (0 when `lambda` is 0), both accumulated in `f64`. `dropout` must be the mask
    /// the forward pass used: `∇W_l` then reads the dropped activations `M ⊙ A_{l−1}`, and
    /// each hidden δ is multiplied by its layer's mask. With `owned > 1`, `∇W_1` is written
    /// by that many threads, one range of θ each (`owned.rs`).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn backward_raw(
        &self,
        theta: &[L::Scalar],
        x: &DMatrixView<'_, L::Scalar>,
        y: &Targets<'_, L::Scalar>,
        inv_m: L::Scalar,
        lambda: L::Scalar,
        ws: &mut Workspace<L::Scalar>,
        grad: &mut [L::Scalar],
        dropout: Option<DropoutMask<'_>>,
        owned: usize,
    ) -> (f64, f64) {
        let m = x.ncols();
        let sizes = self.layout.sizes();
        let nl = self.layout.num_layers();
        let zero = L::Scalar::zero();
        let one = L::Scalar::one();
        let reg = lambda * inv_m;

        let k = sizes[nl];
        let data_cost = {
            let LayerBuffers { z, a, d, .. } = &mut ws.layers[nl - 1];
            let (zv, av) = (view(z, k, m), view(a, k, m));
            self.head.delta(zv, av, y, view_mut(d, k, m));
            self.head.cost_f64(zv, av, y)
        };

        let mut reg_sum = 0.0;
        for l in (0..nl).rev() {
            let (out, inp) = (sizes[l + 1], sizes[l]);
            let (prev, cur) = ws.layers.split_at_mut(l);
            let delta = view(&cur[0].d, out, m);
            let w = self.layout.weights(theta, l);

            let (gb, gw) = grad[self.layout.layer_range(l)].split_at_mut(out);
            if l == 0 && owned > 1 {
                reg_sum += self.first_layer_grad_owned(
                    theta,
                    x,
                    &delta,
                    inv_m,
                    reg,
                    lambda > zero,
                    owned,
                    gw,
                );
            } else {
                let beta = if lambda > zero {
                    reg_sum += regularisation_start(gw, &theta[self.layout.weight_range(l)], reg);
                    one
                } else {
                    zero
                };
                let mut gw = nalgebra::DMatrixViewMut::from_slice(gw, out, inp);
                if l == 0 {
                    gemm(inv_m, &delta, &transposed(x), beta, &mut gw);
                } else {
                    let dropped = dropout.is_some_and(|d| d.active(l - 1));
                    let input = prev[l - 1].output(inp, m, dropped);
                    gemm(inv_m, &delta, &transposed(&input), beta, &mut gw);
                }
            }
            gb.fill(zero);
            for col in delta.column_iter() {
                for (g, &d) in gb.iter_mut().zip(col.iter()) {
                    *g += d;
                }
            }
            for g in gb.iter_mut() {
                *g *= inv_m;
            }

            if l > 0 {
                let LayerBuffers { z, a, d, .. } = &mut prev[l - 1];
                let mut g = view_mut(d, inp, m);
                gemm(one, &transposed(&w), &delta, zero, &mut g);
                self.hidden[l - 1].backward(view(z, inp, m), view(a, inp, m), g);
                if let Some(mask) = dropout {
                    mask.apply_in_place(l - 1, inp, &mut d[..inp * m]);
                }
            }
        }
        (data_cost, reg_sum)
    }

    /// Cost `J` and its gradient at the network's own θ, written into `grad` (θ's layout).
    ///
    /// `x` is `inputs × m` (samples are columns), `y` class labels or an `outputs × m`
    /// matrix, `lambda` the L2 strength. No heap allocation once `ws` has seen a batch this
    /// large.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`], [`Error::EmptyBatch`], [`Error::LabelOutOfRange`],
    /// [`Error::ParamLength`] (for `grad`), [`Error::InvalidParameter`] (for λ);
    /// [`Error::TooLarge`] if `ws` must grow for this batch and cannot (it is left as it was).
    ///
    /// ```
    /// use deepmultinet::prelude::*;
    /// let net = Network::with_sizes(&[2, 3, 2], Sigmoid, SigmoidCrossEntropy::<f64>::new()).unwrap();
    /// let x = nalgebra::DMatrix::from_column_slice(2, 2, &[0.0, 1.0, 1.0, 0.0]);
    /// let mut grad = vec![0.0; net.num_params()];
    /// let mut ws = net.workspace(2);
    /// let j = net.cost_grad(&mut ws, &x, &[0usize, 1], 0.0, &mut grad).unwrap();
    /// // all-zero θ: every output is σ(0) = 1/2, so J = K·ln 2 with K = 2 outputs
    /// assert!((j - 2.0 * 2f64.ln()).abs() < 1e-12);
    /// ```
    pub fn cost_grad<'a>(
        &self,
        ws: &mut Workspace<L::Scalar>,
        x: impl Into<DMatrixView<'a, L::Scalar>>,
        y: impl Into<Targets<'a, L::Scalar>>,
        lambda: L::Scalar,
        grad: &mut [L::Scalar],
    ) -> Result<L::Scalar> {
        self.cost_grad_at(&self.theta, ws, x, y, lambda, grad)
    }

    /// [`cost_grad`](Self::cost_grad) at parameters `theta` instead of the network's own —
    /// what an optimiser calls.
    ///
    /// # Errors
    /// As [`cost_grad`](Self::cost_grad), and [`Error::ParamLength`] for `theta`.
    pub fn cost_grad_at<'a>(
        &self,
        theta: &[L::Scalar],
        ws: &mut Workspace<L::Scalar>,
        x: impl Into<DMatrixView<'a, L::Scalar>>,
        y: impl Into<Targets<'a, L::Scalar>>,
        lambda: L::Scalar,
        grad: &mut [L::Scalar],
    ) -> Result<L::Scalar> {
        self.checked_cost_grad(theta, ws, x.into(), y.into(), lambda, grad, None)
    }

    /// [`cost_grad`](Self::cost_grad) of a training step with dropout: the cost and gradient
    /// of the thinned network that `mask` (one step's mask of a
    /// [`Dropout`](super::Dropout)) leaves — hidden units dropped, the kept ones scaled by
    /// `1/(1 − p)` (see [`network::dropout`](super::dropout)). With every rate 0 the result
    /// is bit-identical to `cost_grad`'s. Like `cost_grad`, no heap allocation once `ws` has
    /// seen a batch this large with dropout; the mask does not depend on how the batch is
    /// split across threads.
    ///
    /// After the pass, [`Workspace::outputs`] holds the thinned network's outputs and
    /// [`Workspace::activations`] the hidden activations before dropping.
    ///
    /// # Errors
    /// As [`cost_grad`](Self::cost_grad), and [`Error::ShapeMismatch`] unless the dropout
    /// has one rate per hidden layer.
    pub fn cost_grad_dropout<'a>(
        &self,
        ws: &mut Workspace<L::Scalar>,
        x: impl Into<DMatrixView<'a, L::Scalar>>,
        y: impl Into<Targets<'a, L::Scalar>>,
        lambda: L::Scalar,
        mask: DropoutMask<'_>,
        grad: &mut [L::Scalar],
    ) -> Result<L::Scalar> {
        self.cost_grad_dropout_at(&self.theta, ws, x, y, lambda, mask, grad)
    }

    /// [`cost_grad_dropout`](Self::cost_grad_dropout) at parameters `theta`.
    ///
    /// # Errors
    /// As [`cost_grad_dropout`](Self::cost_grad_dropout), and [`Error::ParamLength`] for
    /// `theta`.
    #[allow(clippy::too_many_arguments)]
    pub fn cost_grad_dropout_at<'a>(
        &self,
        theta: &[L::Scalar],
        ws: &mut Workspace<L::Scalar>,
        x: impl Into<DMatrixView<'a, L::Scalar>>,
        y: impl Into<Targets<'a, L::Scalar>>,
        lambda: L::Scalar,
        mask: DropoutMask<'_>,
        grad: &mut [L::Scalar],
    ) -> Result<L::Scalar> {
        mask.dropout().check_layers(self.num_layers() - 1)?;
        self.checked_cost_grad(theta, ws, x.into(), y.into(), lambda, grad, Some(mask))
    }

    /// The checks every public `cost_grad*` makes (batch, targets, θ and gradient lengths,
    /// λ), then the pass, with `dropout` if given.
    #[allow(clippy::too_many_arguments)]
    fn checked_cost_grad(
        &self,
        theta: &[L::Scalar],
        ws: &mut Workspace<L::Scalar>,
        x: DMatrixView<'_, L::Scalar>,
        y: Targets<'_, L::Scalar>,
        lambda: L::Scalar,
        grad: &mut [L::Scalar],
        dropout: Option<DropoutMask<'_>>,
    ) -> Result<L::Scalar> {
        let context = if dropout.is_some() {
            "cost_grad_dropout"
        } else {
            "cost_grad"
        };
        let m = self.check_batch(&x, context)?;
        y.check(self.outputs(), m)?;
        self.layout.check_params(theta.len())?;
        if grad.len() != theta.len() {
            return Err(Error::shape(
                "gradient length (number of parameters)",
                theta.len(),
                grad.len(),
            ));
        }
        crate::check::lambda(lambda)?;
        self.cost_grad_split(theta, ws, &x, &y, lambda, grad, dropout)
    }
}
