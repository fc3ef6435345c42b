//! Preallocated per-layer buffers for batched forward and backward passes.
//!
//! A [`Workspace`] holds, for every layer, `Z_l`, `A_l` and the delta `δ_l`, each sized
//! `s_{l+1} × capacity`. It grows (allocates) only when a batch larger than any before
//! arrives; after that, `cost_grad` performs no heap allocation.

use crate::scalar::Scalar;
use nalgebra::{DMatrixView, DMatrixViewMut};

/// One layer's buffers (column-major, `units × capacity`).
#[derive(Clone, Debug, Default)]
pub(crate) struct LayerBuffers<T> {
    pub(crate) z: Vec<T>,
    pub(crate) a: Vec<T>,
    pub(crate) d: Vec<T>,
}

/// Buffers for batched passes through a network of a given layout.
///
/// Make one with [`Network::workspace`](crate::Network::workspace) and reuse it across calls.
#[derive(Debug, Default)]
pub struct Workspace<T> {
    pub(crate) sizes: Vec<usize>,
    pub(crate) capacity: usize,
    pub(crate) layers: Vec<LayerBuffers<T>>,
    /// Buffers of the other threads when a batch is split across the pool.
    pub(crate) parts: Vec<std::sync::Mutex<Part<T>>>,
    /// Samples of the last `cost_grad` and how many parts it was split into.
    pub(crate) last_m: usize,
    pub(crate) last_parts: usize,
}

/// One extra thread's share of a split batch: its buffers, gradient and summed cost.
#[derive(Debug, Default)]
pub(crate) struct Part<T> {
    pub(crate) ws: Workspace<T>,
    pub(crate) grad: Vec<T>,
    pub(crate) cost: T,
}

impl<T: Clone> Clone for Workspace<T> {
    fn clone(&self) -> Self {
        Workspace {
            sizes: self.sizes.clone(),
            capacity: self.capacity,
            layers: self.layers.clone(),
            parts: Vec::new(),
            last_m: 0,
            last_parts: 0,
        }
    }
}

impl<T: Scalar> Workspace<T> {
    /// Buffers for a network with layer sizes `sizes` and batches of up to `capacity` samples.
    pub fn new(sizes: &[usize], capacity: usize) -> Self {
        let mut ws = Workspace {
            sizes: Vec::new(),
            capacity: 0,
            layers: Vec::new(),
            parts: Vec::new(),
            last_m: 0,
            last_parts: 0,
        };
        ws.ensure(sizes, capacity);
        ws
    }

    /// Largest batch the buffers hold without growing.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Makes the buffers fit `sizes` and at least `m` samples (allocates only if they don't).
    pub(crate) fn ensure(&mut self, sizes: &[usize], m: usize) {
        if self.sizes == sizes && self.capacity >= m {
            return;
        }
        let cap = m.max(self.capacity);
        self.sizes = sizes.to_vec();
        self.capacity = cap;
        self.layers = sizes
            .get(1..)
            .unwrap_or(&[])
            .iter()
            .map(|&s| LayerBuffers {
                z: vec![T::zero(); s * cap],
                a: vec![T::zero(); s * cap],
                d: vec![T::zero(); s * cap],
            })
            .collect();
    }

    /// Visits the output activations `A_L` of the last [`cost_grad`](crate::Network::cost_grad)
    /// through this workspace, in sample order: `f(first_sample, block)` once per block (one
    /// block per thread the batch was split across). Allocates nothing.
    ///
    /// ```
    /// use deepmultinet::prelude::*;
    /// let net = Network::with_sizes(&[2, 3], Identity, SoftmaxCrossEntropy::<f64>::new()).unwrap();
    /// let x = nalgebra::DMatrix::from_element(2, 100, 0.5);
    /// let mut ws = net.workspace(100);
    /// let mut g = vec![0.0; net.num_params()];
    /// net.cost_grad(&mut ws, &x, &vec![0usize; 100], 0.0, &mut g).unwrap();
    /// let mut seen = 0;
    /// ws.visit_outputs(|start, a| { assert_eq!(start, seen); seen += a.ncols(); });
    /// assert_eq!(seen, 100);
    /// ```
    pub fn visit_outputs(&self, mut f: impl FnMut(usize, DMatrixView<'_, T>)) {
        let (m, parts) = (self.last_m, self.last_parts.max(1));
        if m == 0 || self.layers.is_empty() {
            return;
        }
        let last = self.layers.len() - 1;
        for t in 0..parts {
            let (start, end) = (t * m / parts, (t + 1) * m / parts);
            if t == 0 {
                f(start, self.activations(last, end - start));
            } else if let Some(part) = self.parts.get(t - 1) {
                let part = part.lock().unwrap_or_else(|e| e.into_inner());
                f(start, part.ws.activations(last, end - start));
            }
        }
    }

    /// Activations `A_l` (layer `l`'s output, `0..L`) of the last forward pass over `m` samples.
    pub(crate) fn activations(&self, l: usize, m: usize) -> DMatrixView<'_, T> {
        let s = self.sizes[l + 1];
        DMatrixView::from_slice(&self.layers[l].a[..s * m], s, m)
    }
}

/// `rows × m` view of the front of `buf`.
pub(crate) fn view<T: Scalar>(buf: &[T], rows: usize, m: usize) -> DMatrixView<'_, T> {
    DMatrixView::from_slice(&buf[..rows * m], rows, m)
}

/// `rows × m` mutable view of the front of `buf`.
pub(crate) fn view_mut<T: Scalar>(buf: &mut [T], rows: usize, m: usize) -> DMatrixViewMut<'_, T> {
    DMatrixViewMut::from_slice(&mut buf[..rows * m], rows, m)
}
