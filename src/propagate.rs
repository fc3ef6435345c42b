//! Batched forward and backward propagation (backprop) over θ.
//!
//! With samples as columns of `X` (`s_0 × m`) and `A_0 = X`:
//!
//! * forward: `Z_l = W_l · A_{l−1} + b_l 1ᵀ`, `A_l = g_l(Z_l)`, the last layer through the
//!   head's output activation;
//! * cost: `J = (1/m) Σ_samples cost(A_L, Y) + λ/(2m) Σ_l ‖W_l‖²` (biases never regularised);
//! * backward: `δ_L = ∂J/∂Z_L` from the head (`A_L − Y` for the cross-entropy heads),
//!   `δ_{l−1} = g'_{l−1} ⊙ (W_lᵀ δ_l)`;
//! * gradient: `∇W_l = δ_l A_{l−1}ᵀ / m + (λ/m) W_l`, `∇b_l = δ_l 1 / m` — the course's
//!   `D_l = Δ_l/m + (λ/m) Theta_l` with the bias column not regularised.
//!
//! Every product is a GEMM into a [`Workspace`] buffer; transposes are stride-swapped views.

use crate::activation::add_bias;
use crate::error::{Error, Result};
use crate::linalg::par::{DisjointMut, for_each_range};
use crate::linalg::{column_range, gemm_or_panic as gemm, transposed};
use crate::loss::OutputLoss;
use crate::network::Network;
use crate::scalar::Scalar;
use crate::targets::Targets;
use crate::workspace::{LayerBuffers, Workspace, view, view_mut};
use nalgebra::{DMatrix, DMatrixView};
use num_traits::{One, Zero};

/// Samples per chunk when predicting on a large data set (bounds the workspace's memory).
const PREDICT_CHUNK: usize = 2048;

/// Most parts a batch is split into (the GEMM pool's thread cap).
const MAX_PARTS: usize = 64;

/// A batch is split across threads only if every thread gets at least this many samples.
const MIN_COLUMNS_PER_THREAD: usize = 16;

impl<L: OutputLoss> Network<L> {
    fn check_batch(&self, x: &DMatrixView<'_, L::Scalar>, context: &'static str) -> Result<usize> {
        if x.nrows() != self.inputs() {
            return Err(Error::shape(
                format!("{context}: batch rows (network inputs)"),
                self.inputs(),
                x.nrows(),
            ));
        }
        if x.ncols() == 0 {
            return Err(Error::EmptyBatch { context });
        }
        Ok(x.ncols())
    }

    fn check_lambda(lambda: L::Scalar) -> Result<()> {
        crate::check::lambda(lambda)
    }

    /// Forward pass of `m` samples at parameters `theta`, leaving `Z_l`, `A_l` in `ws`.
    pub(crate) fn forward_raw(
        &self,
        theta: &[L::Scalar],
        x: &DMatrixView<'_, L::Scalar>,
        ws: &mut Workspace<L::Scalar>,
    ) {
        let m = x.ncols();
        ws.ensure(self.layout.sizes(), m);
        let sizes = self.layout.sizes();
        let nl = self.layout.num_layers();
        let one = L::Scalar::one();
        for l in 0..nl {
            let out = sizes[l + 1];
            let (prev, cur) = ws.layers.split_at_mut(l);
            let LayerBuffers { z, a, .. } = &mut cur[0];
            let w = self.layout.weights(theta, l);
            let bias = self.layout.bias(theta, l);
            let mut zv = view_mut(z, out, m);
            if l == 0 {
                gemm(one, &w, x, L::Scalar::zero(), &mut zv);
            } else {
                let input = view(&prev[l - 1].a, sizes[l], m);
                gemm(one, &w, &input, L::Scalar::zero(), &mut zv);
            }
            let av = view_mut(a, out, m);
            if l + 1 < nl {
                self.hidden[l].forward_biased(zv, bias, av);
            } else {
                add_bias(&mut zv, &bias);
                self.head.activate(zv.as_view(), av);
            }
        }
    }

    /// Backward pass after [`forward_raw`](Self::forward_raw) over this part's samples.
    ///
    /// Writes `Δ/m_total + (λ/m_total)·W` into `grad` (θ's layout), with `inv_m = 1/m_total`
    /// so that parts of one batch can be summed. Returns the part's summed data cost and
    /// `Σ W²` (0 when `lambda` is 0).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn backward_raw(
        &self,
        theta: &[L::Scalar],
        x: &DMatrixView<'_, L::Scalar>,
        y: &Targets<'_, L::Scalar>,
        inv_m: L::Scalar,
        lambda: L::Scalar,
        ws: &mut Workspace<L::Scalar>,
        grad: &mut [L::Scalar],
    ) -> (L::Scalar, L::Scalar) {
        let m = x.ncols();
        let sizes = self.layout.sizes();
        let nl = self.layout.num_layers();
        let zero = L::Scalar::zero();
        let one = L::Scalar::one();
        let reg = lambda * inv_m;

        let k = sizes[nl];
        let data_cost = {
            let LayerBuffers { z, a, d } = &mut ws.layers[nl - 1];
            let (zv, av) = (view(z, k, m), view(a, k, m));
            self.head.delta(zv, av, y, view_mut(d, k, m));
            self.head.cost(zv, av, y)
        };

        let mut reg_sum = zero;
        for l in (0..nl).rev() {
            let (out, inp) = (sizes[l + 1], sizes[l]);
            let (prev, cur) = ws.layers.split_at_mut(l);
            let delta = view(&cur[0].d, out, m);
            let w = self.layout.weights(theta, l);

            let (gb, gw) = grad[self.layout.layer_range(l)].split_at_mut(out);
            let mut gw = nalgebra::DMatrixViewMut::from_slice(gw, out, inp);
            let beta = if lambda > zero {
                for (g, &wi) in gw.iter_mut().zip(w.iter()) {
                    *g = reg * wi;
                    reg_sum += wi * wi;
                }
                one
            } else {
                zero
            };
            if l == 0 {
                gemm(inv_m, &delta, &transposed(x), beta, &mut gw);
            } else {
                let input = view(&prev[l - 1].a, inp, m);
                gemm(inv_m, &delta, &transposed(&input), beta, &mut gw);
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
                let LayerBuffers { z, a, d } = &mut prev[l - 1];
                let mut g = view_mut(d, inp, m);
                gemm(one, &transposed(&w), &delta, zero, &mut g);
                self.hidden[l - 1].backward(view(z, inp, m), view(a, inp, m), g);
            }
        }
        (data_cost, reg_sum)
    }

    /// Forward + backward over one batch, split across the thread pool when it pays.
    #[allow(clippy::too_many_arguments)]
    fn cost_grad_split(
        &self,
        theta: &[L::Scalar],
        ws: &mut Workspace<L::Scalar>,
        x: &DMatrixView<'_, L::Scalar>,
        y: &Targets<'_, L::Scalar>,
        lambda: L::Scalar,
        grad: &mut [L::Scalar],
    ) -> L::Scalar {
        let m = x.ncols();
        let zero = L::Scalar::zero();
        let inv_m = L::Scalar::one() / L::Scalar::of_usize(m);
        let parts = crate::linalg::par::available_parts()
            .min(m / MIN_COLUMNS_PER_THREAD)
            .clamp(1, MAX_PARTS);
        // Recorded only once the pass has succeeded (a panicking user activation must not
        // leave `visit_outputs` pointing at parts that were never put back).
        ws.last_m = 0;
        let (data_cost, reg_sum) = match parts {
            2.. => {
                let mut extra = std::mem::take(&mut ws.parts);
                while extra.len() < parts - 1 {
                    extra.push(std::sync::Mutex::new(Default::default()));
                }
                let bounds = |t: usize| (t * m / parts, (t + 1) * m / parts);
                let main = std::sync::Mutex::new((&mut *ws, &mut *grad, zero, zero));
                let job = |t: usize| {
                    crate::linalg::par::as_split_part(|| {
                        if t >= parts {
                            return;
                        }
                        let (start, end) = bounds(t);
                        let xt = column_range(*x, start..end);
                        let yt = y.columns(start..end);
                        if t == 0 {
                            let mut guard = main.lock().unwrap_or_else(|e| e.into_inner());
                            let (w, g, c, r) = &mut *guard;
                            self.forward_raw(theta, &xt, w);
                            (*c, *r) = self.backward_raw(theta, &xt, &yt, inv_m, lambda, w, g);
                        } else {
                            let mut part = extra[t - 1].lock().unwrap_or_else(|e| e.into_inner());
                            let part = &mut *part;
                            if part.grad.len() != theta.len() {
                                part.grad = vec![zero; theta.len()];
                            }
                            self.forward_raw(theta, &xt, &mut part.ws);
                            (part.cost, _) = self.backward_raw(
                                theta,
                                &xt,
                                &yt,
                                inv_m,
                                zero,
                                &mut part.ws,
                                &mut part.grad,
                            );
                        }
                    })
                };
                crate::linalg::par::run_parts(parts, &job);
                let (_, _, mut cost, reg_sum) =
                    main.into_inner().unwrap_or_else(|e| e.into_inner());
                // Sum the parts' gradients into `grad` (in part order, so the result does
                // not depend on timing), each thread of the pool taking a range of θ.
                let mut others: [&[L::Scalar]; MAX_PARTS] = [&[]; MAX_PARTS];
                for (slot, part) in others.iter_mut().zip(extra.iter_mut().take(parts - 1)) {
                    let part = part.get_mut().unwrap_or_else(|e| e.into_inner());
                    cost += part.cost;
                    *slot = &part.grad;
                }
                let others = &others[..(parts - 1).min(MAX_PARTS)];
                let total = DisjointMut::new(grad);
                for_each_range(theta.len(), 1 << 14, &|r| {
                    // SAFETY: `for_each_range` hands out disjoint ranges.
                    let g = unsafe { total.piece(r.clone()) };
                    for other in others {
                        for (gi, &p) in g.iter_mut().zip(&other[r.clone()]) {
                            *gi += p;
                        }
                    }
                });
                ws.parts = extra;
                (cost, reg_sum)
            }
            _ => {
                self.forward_raw(theta, x, ws);
                self.backward_raw(theta, x, y, inv_m, lambda, ws, grad)
            }
        };
        ws.last_m = m;
        ws.last_parts = parts;
        data_cost * inv_m + reg_sum * lambda * inv_m * L::Scalar::of(0.5)
    }

    /// Cost `J` and its gradient at the network's own θ, written into `grad` (θ's layout).
    ///
    /// `x` is `inputs × m` (samples are columns), `y` class labels or an `outputs × m`
    /// matrix, `lambda` the L2 strength. No heap allocation once `ws` has seen a batch this
    /// large.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`], [`Error::EmptyBatch`], [`Error::LabelOutOfRange`],
    /// [`Error::ParamLength`] (for `grad`), [`Error::InvalidConfig`] (for λ).
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
        let x = x.into();
        let y = y.into();
        let m = self.check_batch(&x, "cost_grad")?;
        y.check(self.outputs(), m)?;
        self.layout.check_params(theta.len())?;
        if grad.len() != theta.len() {
            return Err(Error::shape(
                "gradient length (number of parameters)",
                theta.len(),
                grad.len(),
            ));
        }
        Self::check_lambda(lambda)?;
        Ok(self.cost_grad_split(theta, ws, &x, &y, lambda, grad))
    }

    /// Cost `J` (data term averaged over samples, plus `λ/(2m) Σ W²`) at the network's θ.
    ///
    /// # Errors
    /// As [`cost_grad`](Self::cost_grad).
    pub fn cost<'a>(
        &self,
        x: impl Into<DMatrixView<'a, L::Scalar>>,
        y: impl Into<Targets<'a, L::Scalar>>,
        lambda: L::Scalar,
    ) -> Result<L::Scalar> {
        let x = x.into();
        let y = y.into();
        let m = self.check_batch(&x, "cost")?;
        y.check(self.outputs(), m)?;
        Self::check_lambda(lambda)?;
        let nl = self.num_layers();
        let k = self.outputs();
        let mut ws = self.workspace(m.min(PREDICT_CHUNK));
        let mut total = L::Scalar::zero();
        for start in (0..m).step_by(PREDICT_CHUNK) {
            let end = (start + PREDICT_CHUNK).min(m);
            let xc = x.columns_range(start..end);
            let mc = end - start;
            self.forward_raw(&self.theta, &xc, &mut ws);
            let lb = &ws.layers[nl - 1];
            total += self.head.cost(
                view(&lb.z, k, mc),
                view(&lb.a, k, mc),
                &y.columns(start..end),
            );
        }
        let mut reg_sum = L::Scalar::zero();
        for l in 0..nl {
            reg_sum += self.layout.weights(&self.theta, l).norm_squared();
        }
        let inv_m = L::Scalar::one() / L::Scalar::of_usize(m);
        Ok(total * inv_m + lambda * inv_m * L::Scalar::of(0.5) * reg_sum)
    }

    /// Output activations `A_L` (`outputs × m`): class probabilities for the
    /// cross-entropy heads.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] or [`Error::EmptyBatch`] for a bad `x`.
    pub fn predict_proba<'a>(
        &self,
        x: impl Into<DMatrixView<'a, L::Scalar>>,
    ) -> Result<DMatrix<L::Scalar>> {
        let x = x.into();
        let m = self.check_batch(&x, "predict_proba")?;
        let mut out = DMatrix::zeros(self.outputs(), m);
        let mut ws = self.workspace(m.min(PREDICT_CHUNK));
        let nl = self.num_layers();
        for start in (0..m).step_by(PREDICT_CHUNK) {
            let end = (start + PREDICT_CHUNK).min(m);
            self.forward_raw(&self.theta, &x.columns_range(start..end), &mut ws);
            out.columns_range_mut(start..end)
                .copy_from(&ws.activations(nl - 1, end - start));
        }
        Ok(out)
    }

    /// The predicted class (index of the largest output) of every sample.
    ///
    /// # Errors
    /// As [`predict_proba`](Self::predict_proba).
    pub fn predict<'a>(&self, x: impl Into<DMatrixView<'a, L::Scalar>>) -> Result<Vec<usize>> {
        let p = self.predict_proba(x)?;
        Ok(p.column_iter().map(|c| argmax(c.as_slice())).collect())
    }

    /// Fraction of samples whose predicted class equals the label.
    ///
    /// # Errors
    /// As [`predict_proba`](Self::predict_proba), plus a mismatch between label and sample counts.
    pub fn accuracy<'a>(
        &self,
        x: impl Into<DMatrixView<'a, L::Scalar>>,
        labels: &[usize],
    ) -> Result<f64> {
        let x = x.into();
        if labels.len() != x.ncols() {
            return Err(Error::shape(
                "number of labels (batch columns)",
                x.ncols(),
                labels.len(),
            ));
        }
        let pred = self.predict(x)?;
        let right = pred.iter().zip(labels).filter(|(p, l)| p == l).count();
        Ok(right as f64 / labels.len() as f64)
    }

    /// Every layer's activations `[A_1, ..., A_L]` for the samples of `x` (for inspection).
    ///
    /// # Errors
    /// As [`predict_proba`](Self::predict_proba).
    pub fn layer_activations<'a>(
        &self,
        x: impl Into<DMatrixView<'a, L::Scalar>>,
    ) -> Result<Vec<DMatrix<L::Scalar>>> {
        let x = x.into();
        let m = self.check_batch(&x, "layer_activations")?;
        let nl = self.num_layers();
        let mut outs: Vec<DMatrix<L::Scalar>> = self.sizes()[1..]
            .iter()
            .map(|&s| DMatrix::zeros(s, m))
            .collect();
        let mut ws = self.workspace(m.min(PREDICT_CHUNK));
        for start in (0..m).step_by(PREDICT_CHUNK) {
            let end = (start + PREDICT_CHUNK).min(m);
            self.forward_raw(&self.theta, &x.columns_range(start..end), &mut ws);
            for (l, o) in outs.iter_mut().enumerate().take(nl) {
                o.columns_range_mut(start..end)
                    .copy_from(&ws.activations(l, end - start));
            }
        }
        Ok(outs)
    }
}

/// Index of the largest value (the first on ties; NaN never wins).
pub fn argmax<T: Scalar>(v: &[T]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] || v[best].is_nan() {
            best = i;
        }
    }
    best
}
