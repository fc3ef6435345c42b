//! Preallocated per-layer buffers for batched forward and backward passes.
//!
//! A [`Workspace`] holds, for every layer, `Z_l`, `A_l` and the delta `δ_l`, each sized
//! `s_{l+1} × capacity`. It grows (allocates) only when a batch larger than any before
//! arrives; after that, [`Network::forward`](crate::Network::forward) and
//! [`Network::cost_grad`](crate::Network::cost_grad) perform no heap allocation.
//!
//! After a pass, [`outputs`](Workspace::outputs) and [`logits`](Workspace::logits) hold the
//! output layer's `A_L` and `Z_L` for the whole batch, in sample order — also when
//! `cost_grad` split the batch across threads (each thread's share is copied back).

use crate::error::Result;
use crate::memory;
use crate::scalar::Scalar;
use nalgebra::{DMatrixView, DMatrixViewMut};

/// One layer's buffers (column-major, `units × capacity`).
#[derive(Clone, Debug, Default)]
pub(super) struct LayerBuffers<T> {
    pub(super) z: Vec<T>,
    pub(super) a: Vec<T>,
    pub(super) d: Vec<T>,
    /// A hidden layer's dropped activations `M ⊙ A` in a training step with dropout (empty
    /// until the first such step; see `dropout.rs`).
    pub(super) dropped: Vec<T>,
}

impl<T: Scalar> LayerBuffers<T> {
    /// The layer's output as the next layer sees it in a pass: `M ⊙ A` when `dropped` says
    /// the pass dropped units of this layer, else `A` (`units × m`).
    pub(super) fn output(&self, units: usize, m: usize, dropped: bool) -> DMatrixView<'_, T> {
        view(if dropped { &self.dropped } else { &self.a }, units, m)
    }
}

/// Buffers for batched passes through a network of a given layout.
///
/// Make one with [`Network::workspace`](crate::Network::workspace) and reuse it across calls.
///
/// ```
/// use deepmultinet::prelude::*;
/// let net = Network::with_sizes(&[2, 3, 2], Tanh, SoftmaxCrossEntropy::<f64>::new())?;
/// let x = nalgebra::DMatrix::from_element(2, 5, 0.5);
/// let mut ws = net.workspace(5);
/// let p = net.forward(&mut ws, &x)?; // θ = 0: every class equally likely
/// assert_eq!(p.shape(), (2, 5));
/// assert!(p.iter().all(|&v| (v - 0.5).abs() < 1e-15));
/// assert_eq!(ws.batch_len(), 5);
/// assert!(ws.activations(0).is_some()); // the hidden layer, kept by `forward`
/// # Ok::<(), deepmultinet::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct Workspace<T> {
    pub(super) sizes: Vec<usize>,
    pub(super) capacity: usize,
    pub(super) layers: Vec<LayerBuffers<T>>,
    /// Buffers of the other threads when a batch is split across the pool.
    pub(super) parts: Vec<std::sync::Mutex<Part<T>>>,
    /// The threads' partial sums of `Z_1` when a small batch's first layer is split by
    /// ranges of θ (`owned.rs`).
    pub(super) partials: Vec<T>,
    /// Samples of the last pass (0 before the first, or after a pass that failed).
    pub(super) last_m: usize,
    /// Whether the hidden layers' buffers hold the whole last batch (false after a pass
    /// that was split across threads: each part kept its own share).
    pub(super) hidden_whole: bool,
}

/// One extra thread's share of a split batch: its buffers, gradient and summed cost.
#[derive(Debug, Default)]
pub(super) struct Part<T> {
    pub(super) ws: Workspace<T>,
    pub(super) grad: Vec<T>,
    pub(super) cost: f64,
}

impl<T: Clone> Clone for Workspace<T> {
    /// A copy of the buffers and of the last pass's results; the per-thread parts of a
    /// split batch are not copied (they are rebuilt on demand).
    fn clone(&self) -> Self {
        Workspace {
            sizes: self.sizes.clone(),
            capacity: self.capacity,
            layers: self.layers.clone(),
            parts: Vec::new(),
            partials: Vec::new(),
            last_m: self.last_m,
            hidden_whole: self.hidden_whole,
        }
    }
}

impl<T: Scalar> Workspace<T> {
    /// Buffers for a network with layer sizes `sizes` and batches of up to `capacity` samples.
    ///
    /// The preallocation is best effort: buffers that cannot be allocated (see
    /// [`try_new`](Self::try_new)) leave the workspace empty, and the first pass that needs
    /// them returns the [`Error::TooLarge`](crate::Error::TooLarge).
    pub fn new(sizes: &[usize], capacity: usize) -> Self {
        let mut ws = Workspace::default();
        // Best effort by design: on failure `ws` stays empty and the pass reports the error.
        let _ = ws.ensure(sizes, capacity);
        ws
    }

    /// Buffers for layer sizes `sizes` and batches of up to `capacity` samples, allocated now.
    ///
    /// # Errors
    /// [`Error::TooLarge`](crate::Error::TooLarge) if the buffers
    /// (`3 · capacity · Σ_{l≥1} s_l` values) overflow or cannot be allocated.
    pub fn try_new(sizes: &[usize], capacity: usize) -> Result<Self> {
        let mut ws = Workspace::default();
        ws.ensure(sizes, capacity)?;
        Ok(ws)
    }

    /// Largest batch the buffers hold without growing.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Samples of the last successful pass (0 before the first).
    pub fn batch_len(&self) -> usize {
        self.last_m
    }

    /// The output layer's activations `A_L` (`outputs × batch_len`) of the last pass:
    /// class probabilities for the cross-entropy heads, in sample order.
    pub fn outputs(&self) -> DMatrixView<'_, T> {
        self.layer_view(self.layers.len().saturating_sub(1), |b| &b.a)
    }

    /// The output layer's pre-activations `Z_L` (`outputs × batch_len`) of the last pass
    /// (what the heads compute their cost from, see
    /// [`OutputLoss::cost`](crate::OutputLoss::cost)).
    pub fn logits(&self) -> DMatrixView<'_, T> {
        self.layer_view(self.layers.len().saturating_sub(1), |b| &b.z)
    }

    /// Activations `A_l` of layer `l` (`0..L`; `L − 1` is the output layer) for the whole
    /// last batch. `None` if `l` is not a layer, or for a hidden layer after a
    /// [`cost_grad`](crate::Network::cost_grad) that split the batch across threads (its
    /// hidden activations stay with the threads); [`Network::forward`](crate::Network::forward)
    /// always keeps every layer.
    pub fn activations(&self, l: usize) -> Option<DMatrixView<'_, T>> {
        let last = self.layers.len().checked_sub(1)?;
        if l > last || (l < last && !self.hidden_whole) {
            return None;
        }
        Some(self.layer_view(l, |b| &b.a))
    }

    /// Pre-activations `Z_l` of layer `l` for the whole last batch, under the same rules as
    /// [`activations`](Self::activations).
    pub fn pre_activations(&self, l: usize) -> Option<DMatrixView<'_, T>> {
        let last = self.layers.len().checked_sub(1)?;
        if l > last || (l < last && !self.hidden_whole) {
            return None;
        }
        Some(self.layer_view(l, |b| &b.z))
    }

    fn layer_view(
        &self,
        l: usize,
        pick: impl Fn(&LayerBuffers<T>) -> &Vec<T>,
    ) -> DMatrixView<'_, T> {
        match (self.layers.get(l), self.sizes.get(l + 1)) {
            (Some(b), Some(&s)) => view(pick(b), s, self.last_m),
            _ => DMatrixView::from_slice(&[], 0, 0),
        }
    }

    /// Makes the buffers fit `sizes` and at least `m` samples (allocates only if they don't).
    /// On failure the workspace is left as it was.
    pub(super) fn ensure(&mut self, sizes: &[usize], m: usize) -> Result<()> {
        if self.sizes == sizes && self.capacity >= m {
            return Ok(());
        }
        let cap = m.max(self.capacity);
        self.layers = allocate_layers(sizes.get(1..).unwrap_or(&[]), cap)?;
        self.sizes = sizes.to_vec();
        self.capacity = cap;
        self.last_m = 0;
        Ok(())
    }

    /// Copies another thread's output layer (`Z_L`, `A_L` of `cols` samples) into columns
    /// `start..start + cols` of this workspace's output buffers.
    pub(super) fn copy_outputs_from(&mut self, other: &Workspace<T>, start: usize, cols: usize) {
        let (Some(mine), Some(theirs), Some(&k)) = (
            self.layers.last_mut(),
            other.layers.last(),
            self.sizes.last(),
        ) else {
            return;
        };
        let (from, to) = (k * start, k * (start + cols));
        mine.z[from..to].copy_from_slice(&theirs.z[..k * cols]);
        mine.a[from..to].copy_from_slice(&theirs.a[..k * cols]);
    }
}

/// `Z`, `A` and `δ` of `cap` samples for layers of `units` units, or
/// [`Error::TooLarge`](crate::Error::TooLarge) for the whole workspace when they overflow or
/// cannot be allocated. Every buffer is reserved before any is filled, so a refusal comes
/// before a byte is written.
fn allocate_layers<T: Scalar>(units: &[usize], cap: usize) -> Result<Vec<LayerBuffers<T>>> {
    const WHAT: &str = "network workspace (Z, A and δ of every layer)";
    let total = units.iter().map(|&s| s as u128).sum::<u128>();
    let requested = memory::bytes_of::<T>(total.saturating_mul(cap as u128).saturating_mul(3));
    let too_large = || memory::too_large(WHAT, requested);
    let mut layers = memory::try_with_capacity(WHAT, units.len()).map_err(|_| too_large())?;
    for &s in units {
        let n = s.checked_mul(cap).ok_or_else(too_large)?;
        let reserve = || memory::try_with_capacity(WHAT, n).map_err(|_| too_large());
        layers.push(LayerBuffers {
            z: reserve()?,
            a: reserve()?,
            d: reserve()?,
            dropped: Vec::new(),
        });
    }
    for (b, &s) in layers.iter_mut().zip(units) {
        let n = s.checked_mul(cap).ok_or_else(too_large)?;
        for buf in [&mut b.z, &mut b.a, &mut b.d] {
            buf.resize(n, T::zero());
        }
    }
    Ok(layers)
}

/// `rows × m` view of the front of `buf`.
pub(super) fn view<T: Scalar>(buf: &[T], rows: usize, m: usize) -> DMatrixView<'_, T> {
    DMatrixView::from_slice(&buf[..rows * m], rows, m)
}

/// `rows × m` mutable view of the front of `buf`.
pub(super) fn view_mut<T: Scalar>(buf: &mut [T], rows: usize, m: usize) -> DMatrixViewMut<'_, T> {
    DMatrixViewMut::from_slice(&mut buf[..rows * m], rows, m)
}
