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
        self.layers = sizes[1..]
            .iter()
            .map(|&s| LayerBuffers {
                z: vec![T::zero(); s * cap],
                a: vec![T::zero(); s * cap],
                d: vec![T::zero(); s * cap],
            })
            .collect();
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
