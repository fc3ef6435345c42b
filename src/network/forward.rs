//! The forward pass, and everything computed from it alone: [`Network::forward`] into a
//! caller's [`Workspace`], `cost`, `predict_proba`, `predict`, `accuracy` and
//! `layer_activations` (each over chunks of at most 2048 samples, so memory stays bounded
//! for any data set).
//!
//! With samples as columns of `X` (`s_0 × m`) and `A_0 = X`:
//! `Z_l = W_l · A_{l−1} + b_l 1ᵀ`, `A_l = g_l(Z_l)`, the last layer through the head's output
//! activation. Every product is a GEMM into a workspace buffer.

use super::Network;
use super::dropout::{self, DropoutMask};
use super::workspace::{LayerBuffers, Workspace};
use crate::activation::add_bias;
use crate::error::{Error, Result};
use crate::linalg::gemm_or_panic as gemm;
use crate::linalg::par;
use crate::loss::OutputLoss;
use crate::memory;
use crate::scalar::Scalar;
use crate::targets::Targets;
use nalgebra::{DMatrix, DMatrixView, DMatrixViewMut};
use num_traits::{One, Zero};

/// Fewest samples per thread when one layer of a forward pass is split across the pool.
const FORWARD_MIN_COLUMNS: usize = 16;

/// Smallest `inputs · outputs · m` of a layer worth splitting (as for a GEMM).
const FORWARD_MIN_WORK: usize = 1 << 16;

/// How many threads a layer of `inputs → outputs` units takes for a batch of `m` samples:
/// one per [`FORWARD_MIN_COLUMNS`] samples up to the pool's size, and one for little work.
fn forward_parts(m: usize, inputs: usize, outputs: usize) -> usize {
    if inputs.saturating_mul(outputs).saturating_mul(m) < FORWARD_MIN_WORK {
        return 1;
    }
    par::available_parts().min(m / FORWARD_MIN_COLUMNS).max(1)
}

/// Samples per chunk when a whole data set goes through the network (bounds the
/// workspace's memory).
pub(crate) const CHUNK: usize = 2048;

impl<L: OutputLoss> Network<L> {
    /// Checks that `x` is a non-empty batch of this network's inputs; returns its samples.
    pub(crate) fn check_batch(
        &self,
        x: &DMatrixView<'_, L::Scalar>,
        context: &'static str,
    ) -> Result<usize> {
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

    /// Forward pass of `m` samples at parameters `theta`, leaving `Z_l`, `A_l` in the front
    /// columns of `ws`'s buffers (shapes are the caller's invariants), and with `dropout`
    /// (training steps only) a hidden layer's `M ⊙ A` in its `dropped` buffer, which the
    /// next layer reads instead of `A`. With `owned > 1` the first layer's product is
    /// split into that many ranges of θ (`owned.rs`). Fails only if `ws` must grow and
    /// cannot.
    pub(super) fn forward_raw(
        &self,
        theta: &[L::Scalar],
        x: &DMatrixView<'_, L::Scalar>,
        ws: &mut Workspace<L::Scalar>,
        dropout: Option<DropoutMask<'_>>,
        owned: usize,
    ) -> Result<()> {
        let m = x.ncols();
        ws.ensure(self.layout.sizes(), m)?;
        let sizes = self.layout.sizes();
        let nl = self.layout.num_layers();
        let one = L::Scalar::one();
        let dropped = |l: usize| dropout.is_some_and(|d| d.active(l));
        for l in (0..nl - 1).filter(|&l| dropped(l)) {
            dropout::ensure_len(&mut ws.layers[l].dropped, sizes[l + 1] * m)?;
        }
        for l in 0..nl {
            let out = sizes[l + 1];
            let (prev, cur) = ws.layers.split_at_mut(l);
            let LayerBuffers {
                z, a, dropped: da, ..
            } = &mut cur[0];
            let w = self.layout.weights(theta, l);
            let bias = self.layout.bias(theta, l);
            let input = if l == 0 {
                *x
            } else {
                prev[l - 1].output(sizes[l], m, dropped(l - 1))
            };
            let last = l + 1 == nl;
            // Bias and activation of `n` columns whose `W_l A_{l−1}` is in `z`.
            let finish = |n: usize, z: &mut [L::Scalar], a: &mut [L::Scalar]| {
                let mut zv = DMatrixViewMut::from_slice(z, out, n);
                let av = DMatrixViewMut::from_slice(a, out, n);
                if last {
                    add_bias(&mut zv, &bias);
                    self.head.activate(zv.as_view(), av);
                } else {
                    self.hidden[l].forward_biased(zv, bias, av);
                }
            };
            // One layer on the columns `cols` of the batch.
            let layer = |cols: std::ops::Range<usize>, z: &mut [L::Scalar], a: &mut [L::Scalar]| {
                let n = cols.len();
                let mut zv = DMatrixViewMut::from_slice(&mut *z, out, n);
                gemm(
                    one,
                    &w,
                    &input.columns_range(cols),
                    L::Scalar::zero(),
                    &mut zv,
                );
                finish(n, z, a);
            };
            // Training steps (the only passes with dropout) are split by the caller.
            let parts = if dropout.is_some() {
                1
            } else {
                forward_parts(m, sizes[l], out)
            };
            let (z, a) = (&mut z[..out * m], &mut a[..out * m]);
            if l == 0 && owned > 1 {
                self.first_layer_owned(theta, x, owned, &mut ws.partials, z)?;
                finish(m, z, a);
            } else if parts > 1 {
                // Each thread takes a range of columns through this layer (its GEMM, bias
                // and activation), writing its own columns of `Z_l`, `A_l`: every column
                // gets the bits it would get unsplit.
                par::for_each_column_range_mut(
                    out,
                    m,
                    parts,
                    [&mut *z, &mut *a],
                    &|cols, [z, a]| par::as_split_part(|| layer(cols, z, a)),
                );
            } else {
                layer(0..m, z, a);
            }
            if let Some(mask) = dropout.filter(|_| !last && dropped(l)) {
                mask.apply(l, out, a, &mut da[..out * m]);
            }
        }
        Ok(())
    }

    /// The forward pass of the samples `x` (`inputs × m`, one per column) at the network's
    /// θ, into `ws`: returns the outputs `A_L` (`outputs × m`; class probabilities for the
    /// cross-entropy heads). Every layer's activations stay readable through
    /// [`Workspace::activations`], and `Z_L` through [`Workspace::logits`]. No heap
    /// allocation once `ws` has held a batch this large.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] or [`Error::EmptyBatch`] for a bad `x`;
    /// [`Error::TooLarge`] if `ws` must grow for this batch and cannot.
    ///
    /// ```
    /// use deepmultinet::prelude::*;
    /// let net = Network::with_sizes(&[2, 3], Identity, SigmoidCrossEntropy::<f64>::new())?;
    /// let mut ws = net.workspace(4);
    /// let x = nalgebra::DMatrix::from_element(2, 4, 1.0);
    /// let a = net.forward(&mut ws, &x)?;
    /// assert_eq!(a.shape(), (3, 4));
    /// assert!(a.iter().all(|&p| p == 0.5)); // θ = 0: σ(0)
    /// # Ok::<(), deepmultinet::Error>(())
    /// ```
    pub fn forward<'w, 'a>(
        &self,
        ws: &'w mut Workspace<L::Scalar>,
        x: impl Into<DMatrixView<'a, L::Scalar>>,
    ) -> Result<DMatrixView<'w, L::Scalar>> {
        let x = x.into();
        self.check_batch(&x, "forward")?;
        ws.last_m = 0;
        self.forward_raw(&self.theta, &x, ws, None, 1)?;
        ws.last_m = x.ncols();
        ws.hidden_whole = true;
        Ok(ws.outputs())
    }

    /// Runs [`forward`](Self::forward) over `x` in chunks of at most [`CHUNK`] samples,
    /// calling `f(first_sample, ws)` after each.
    pub(crate) fn forward_chunks(
        &self,
        x: &DMatrixView<'_, L::Scalar>,
        ws: &mut Workspace<L::Scalar>,
        mut f: impl FnMut(usize, &Workspace<L::Scalar>),
    ) -> Result<()> {
        let m = x.ncols();
        for start in (0..m).step_by(CHUNK) {
            let end = start.saturating_add(CHUNK).min(m);
            self.forward(ws, x.columns_range(start..end))?;
            f(start, ws);
        }
        Ok(())
    }

    /// `Σ_l ‖W_l‖²` (biases excluded), the L2 term's sum, accumulated in `f64`.
    pub(crate) fn weights_norm_squared(&self) -> f64 {
        let mut reg_sum = 0.0;
        for l in 0..self.num_layers() {
            for &w in self.layout.weights(&self.theta, l).iter() {
                let w = w.as_f64();
                reg_sum += w * w;
            }
        }
        reg_sum
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
        crate::check::lambda(lambda)?;
        let mut ws = self.try_workspace(m.min(CHUNK))?;
        // Summed in f64 across chunks (and inside each, `cost_f64`), rounded once to T.
        let mut total = 0.0;
        self.forward_chunks(&x, &mut ws, |start, ws| {
            let yc = y.columns(start..start + ws.batch_len());
            total += self.head.cost_f64(ws.logits(), ws.outputs(), &yc);
        })?;
        let inv_m = 1.0 / m as f64;
        let reg = lambda.as_f64() * inv_m * 0.5 * self.weights_norm_squared();
        Ok(L::Scalar::of(total * inv_m + reg))
    }

    /// Output activations `A_L` (`outputs × m`): class probabilities for the
    /// cross-entropy heads. Allocates the result; [`forward`](Self::forward) is the
    /// allocation-free form.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] or [`Error::EmptyBatch`] for a bad `x`; [`Error::TooLarge`]
    /// if the result or the workspace cannot be allocated.
    pub fn predict_proba<'a>(
        &self,
        x: impl Into<DMatrixView<'a, L::Scalar>>,
    ) -> Result<DMatrix<L::Scalar>> {
        let x = x.into();
        let m = self.check_batch(&x, "predict_proba")?;
        let mut out = memory::try_zeros("predicted outputs", self.outputs(), m)?;
        let mut ws = self.try_workspace(m.min(CHUNK))?;
        self.forward_chunks(&x, &mut ws, |start, ws| {
            out.columns_range_mut(start..start + ws.batch_len())
                .copy_from(&ws.outputs());
        })?;
        Ok(out)
    }

    /// The predicted class (index of the largest output) of every sample.
    ///
    /// # Errors
    /// As [`predict_proba`](Self::predict_proba).
    pub fn predict<'a>(&self, x: impl Into<DMatrixView<'a, L::Scalar>>) -> Result<Vec<usize>> {
        let x = x.into();
        let m = self.check_batch(&x, "predict")?;
        let mut pred = memory::try_with_capacity("predicted classes", m)?;
        let mut ws = self.try_workspace(m.min(CHUNK))?;
        self.forward_chunks(&x, &mut ws, |_, ws| {
            pred.extend(ws.outputs().column_iter().map(|c| argmax(c.as_slice())));
        })?;
        Ok(pred)
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

    /// Layer `layer`'s activations (`A_{layer+1}`, `units × m`; `layer` in `0..L`) for the
    /// samples of `x`, in chunks (for inspection: only this layer is kept).
    ///
    /// # Errors
    /// [`Error::IndexOutOfRange`] for a bad layer; as [`predict_proba`](Self::predict_proba).
    pub fn layer_activation<'a>(
        &self,
        x: impl Into<DMatrixView<'a, L::Scalar>>,
        layer: usize,
    ) -> Result<DMatrix<L::Scalar>> {
        let x = x.into();
        self.check_layer(layer)?;
        let m = self.check_batch(&x, "layer_activation")?;
        let mut out = memory::try_zeros("layer activations", self.sizes()[layer + 1], m)?;
        let mut ws = self.try_workspace(m.min(CHUNK))?;
        self.forward_chunks(&x, &mut ws, |start, ws| {
            if let Some(a) = ws.activations(layer) {
                out.columns_range_mut(start..start + ws.batch_len())
                    .copy_from(&a);
            }
        })?;
        Ok(out)
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
        let mut outs: Vec<DMatrix<L::Scalar>> = self.sizes()[1..]
            .iter()
            .map(|&s| memory::try_zeros("layer activations", s, m))
            .collect::<Result<_>>()?;
        let mut ws = self.try_workspace(m.min(CHUNK))?;
        self.forward_chunks(&x, &mut ws, |start, ws| {
            let end = start + ws.batch_len();
            for (l, o) in outs.iter_mut().enumerate() {
                if let Some(a) = ws.activations(l) {
                    o.columns_range_mut(start..end).copy_from(&a);
                }
            }
        })?;
        Ok(outs)
    }
}

/// Index of the largest value (the first on ties; NaN never wins).
///
/// ```
/// assert_eq!(deepmultinet::network::argmax(&[0.1, 0.7, 0.7, f64::NAN]), 1);
/// ```
pub fn argmax<T: Scalar>(v: &[T]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] || v[best].is_nan() {
            best = i;
        }
    }
    best
}
