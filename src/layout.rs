//! Layer shapes and where each layer lives inside the flat parameter vector θ.
//!
//! Layer `l` maps `s_l` inputs to `s_{l+1}` outputs with `Theta_l`, a column-major
//! `s_{l+1} × (s_l + 1)` matrix whose column 0 is the bias. θ concatenates every `Theta_l`
//! in column-major order — MATLAB's `[Theta1(:); Theta2(:); ...]`. Inside layer `l`'s slice
//! the first `s_{l+1}` values are therefore the bias and the rest is the weight matrix
//! `W_l` (`s_{l+1} × s_l`, column-major), so both are zero-copy views.
//!
//! # Examples
//!
//! ```
//! use deepmultinet::Layout;
//! let layout = Layout::new(&[400, 25, 10]).unwrap();
//! assert_eq!(layout.num_params(), 25 * 401 + 10 * 26);
//! assert_eq!(layout.theta_shape(1), (10, 26));
//! assert_eq!(layout.layer_range(1), 25 * 401..25 * 401 + 10 * 26);
//! ```

use crate::error::{Error, Result};
use nalgebra::{DMatrixView, DMatrixViewMut, DVectorView};
use std::ops::Range;

/// Layer sizes `[s_0 (inputs), s_1, ..., s_L (outputs)]` and the offset of each `Theta_l` in θ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    sizes: Vec<usize>,
    offsets: Vec<usize>,
}

impl Layout {
    /// A layout from layer sizes, inputs first and outputs last (at least two sizes, none 0).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for fewer than two sizes, a size of 0, or a parameter count
    /// that overflows `usize`.
    pub fn new(sizes: &[usize]) -> Result<Self> {
        if sizes.len() < 2 {
            return Err(Error::InvalidConfig(format!(
                "a network needs at least an input and an output size, found {} size(s)",
                sizes.len()
            )));
        }
        if let Some(i) = sizes.iter().position(|&s| s == 0) {
            return Err(Error::InvalidConfig(format!(
                "layer {i} has size 0 (sizes {sizes:?})"
            )));
        }
        let mut offsets = Vec::with_capacity(sizes.len());
        let mut off = 0usize;
        offsets.push(0);
        for w in sizes.windows(2) {
            let n = (w[0].checked_add(1))
                .and_then(|c| c.checked_mul(w[1]))
                .and_then(|n| n.checked_add(off))
                .ok_or_else(|| {
                    Error::InvalidConfig(format!("parameter count overflows for sizes {sizes:?}"))
                })?;
            off = n;
            offsets.push(off);
        }
        Ok(Layout {
            sizes: sizes.to_vec(),
            offsets,
        })
    }

    /// Layer sizes, inputs first.
    pub fn sizes(&self) -> &[usize] {
        &self.sizes
    }
    /// Number of inputs `s_0`.
    pub fn inputs(&self) -> usize {
        self.sizes[0]
    }
    /// Number of outputs (classes) `s_L`.
    pub fn outputs(&self) -> usize {
        self.sizes[self.sizes.len() - 1]
    }
    /// Number of weight layers `L` (one more than the number of hidden layers).
    pub fn num_layers(&self) -> usize {
        self.sizes.len() - 1
    }
    /// Length of θ.
    pub fn num_params(&self) -> usize {
        self.offsets[self.offsets.len() - 1]
    }
    /// Largest layer size (inputs excluded).
    pub fn max_width(&self) -> usize {
        self.sizes[1..].iter().copied().max().unwrap_or(0)
    }
    /// Shape `(s_{l+1}, s_l + 1)` of `Theta_l` (0-based `l`).
    ///
    /// # Panics
    /// If `l >= num_layers()`.
    pub fn theta_shape(&self, l: usize) -> (usize, usize) {
        (self.sizes[l + 1], self.sizes[l] + 1)
    }
    /// Range of θ holding `Theta_l` (0-based `l`).
    ///
    /// # Panics
    /// If `l >= num_layers()`.
    pub fn layer_range(&self, l: usize) -> Range<usize> {
        self.offsets[l]..self.offsets[l + 1]
    }
    /// Range of θ holding layer `l`'s bias (`s_{l+1}` values).
    pub fn bias_range(&self, l: usize) -> Range<usize> {
        self.offsets[l]..self.offsets[l] + self.sizes[l + 1]
    }
    /// Range of θ holding layer `l`'s weight matrix `W_l` (`s_{l+1} × s_l`, column-major).
    pub fn weight_range(&self, l: usize) -> Range<usize> {
        self.offsets[l] + self.sizes[l + 1]..self.offsets[l + 1]
    }
    /// Whether θ index `i` is a bias (never regularised).
    pub fn is_bias(&self, i: usize) -> bool {
        (0..self.num_layers()).any(|l| self.bias_range(l).contains(&i))
    }

    /// Checks that `theta` has exactly [`num_params`](Self::num_params) values.
    ///
    /// # Errors
    /// [`Error::ParamLength`] naming both lengths.
    pub fn check_params(&self, len: usize) -> Result<()> {
        if len != self.num_params() {
            return Err(Error::ParamLength {
                expected: self.num_params(),
                found: len,
            });
        }
        Ok(())
    }

    /// Zero-copy view of `W_l` inside `theta` (which must have the layout's length).
    pub fn weights<'a, T: nalgebra::Scalar>(&self, theta: &'a [T], l: usize) -> DMatrixView<'a, T> {
        DMatrixView::from_slice(
            &theta[self.weight_range(l)],
            self.sizes[l + 1],
            self.sizes[l],
        )
    }
    /// Zero-copy mutable view of `W_l` inside `theta`.
    pub fn weights_mut<'a, T: nalgebra::Scalar>(
        &self,
        theta: &'a mut [T],
        l: usize,
    ) -> DMatrixViewMut<'a, T> {
        let (r, c) = (self.sizes[l + 1], self.sizes[l]);
        DMatrixViewMut::from_slice(&mut theta[self.weight_range(l)], r, c)
    }
    /// Zero-copy view of layer `l`'s bias inside `theta`.
    pub fn bias<'a, T: nalgebra::Scalar>(&self, theta: &'a [T], l: usize) -> DVectorView<'a, T> {
        DVectorView::from_slice(&theta[self.bias_range(l)], self.sizes[l + 1])
    }
    /// Zero-copy view of the whole `Theta_l` (bias column first) inside `theta`.
    pub fn theta<'a, T: nalgebra::Scalar>(&self, theta: &'a [T], l: usize) -> DMatrixView<'a, T> {
        let (r, c) = self.theta_shape(l);
        DMatrixView::from_slice(&theta[self.layer_range(l)], r, c)
    }
}
