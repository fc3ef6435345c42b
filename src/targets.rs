//! What a batch should produce: class labels, or a dense `outputs × m` target matrix.
//!
//! # Examples
//!
//! ```
//! use deepmultinet::prelude::*;
//! let net = Network::with_sizes(&[1, 2], Identity, SoftmaxCrossEntropy::<f64>::new())?;
//! let x = nalgebra::DMatrix::from_element(1, 2, 1.0);
//! // Labels (one-hot implied) and the same targets as a dense 2 × 2 matrix cost the same.
//! let labels = [1usize, 0];
//! let dense = Targets::<f64>::from(&labels).to_dense(2)?;
//! assert_eq!(net.cost(&x, &labels, 0.0)?, net.cost(&x, &dense, 0.0)?);
//! # Ok::<(), deepmultinet::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::scalar::Scalar;
use nalgebra::{DMatrix, DMatrixView};
use std::ops::Range;

/// Targets of a batch: class indices (one per sample, one-hot implied) or a dense
/// `outputs × m` matrix (samples are columns).
///
/// ```
/// use deepmultinet::Targets;
/// let labels = vec![2usize, 0, 1];
/// let y: Targets<f64> = (&labels).into();
/// assert_eq!(y.len(), 3);
/// assert_eq!(y.value(2, 0), 1.0);
/// assert_eq!(y.value(1, 0), 0.0);
/// ```
#[derive(Clone, Copy, Debug)]
pub enum Targets<'a, T: Scalar> {
    /// Class index per sample (`0..outputs`).
    Labels(&'a [usize]),
    /// `outputs × m` target values.
    Dense(DMatrixView<'a, T>),
}

impl<'a, T: Scalar> Targets<'a, T> {
    /// Number of samples.
    pub fn len(&self) -> usize {
        match self {
            Targets::Labels(l) => l.len(),
            Targets::Dense(m) => m.ncols(),
        }
    }
    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Target value for output `i` of sample `j` (1 or 0 for labels).
    #[inline(always)]
    pub fn value(&self, i: usize, j: usize) -> T {
        match self {
            Targets::Labels(l) => {
                if l[j] == i {
                    T::one()
                } else {
                    T::zero()
                }
            }
            Targets::Dense(m) => m[(i, j)],
        }
    }
    /// The targets of samples `range` (zero-copy).
    ///
    /// # Panics
    /// If the range is out of bounds.
    pub fn columns(&self, range: Range<usize>) -> Targets<'a, T> {
        match *self {
            Targets::Labels(l) => Targets::Labels(&l[range]),
            Targets::Dense(m) => Targets::Dense(crate::linalg::column_range(m, range)),
        }
    }
    /// Checks the targets against a network with `outputs` outputs and a batch of `m` samples.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] for a wrong count or row number; [`Error::LabelOutOfRange`].
    pub fn check(&self, outputs: usize, m: usize) -> Result<()> {
        if self.len() != m {
            return Err(Error::shape(
                "number of targets (batch columns)",
                m,
                self.len(),
            ));
        }
        match self {
            Targets::Labels(l) => check_labels(l, outputs)?,
            Targets::Dense(y) => {
                if y.nrows() != outputs {
                    return Err(Error::shape(
                        "target rows (network outputs)",
                        outputs,
                        y.nrows(),
                    ));
                }
            }
        }
        Ok(())
    }
    /// The targets as a dense one-hot (or copied) `outputs × m` matrix.
    ///
    /// # Errors
    /// As [`check`](Self::check) against `outputs`; [`Error::TooLarge`] if the matrix
    /// cannot be allocated.
    pub fn to_dense(&self, outputs: usize) -> Result<DMatrix<T>> {
        self.check(outputs, self.len())?;
        let mut y = crate::memory::try_zeros("dense targets", outputs, self.len())?;
        for j in 0..self.len() {
            for i in 0..outputs {
                y[(i, j)] = self.value(i, j);
            }
        }
        Ok(y)
    }
}

/// Every label below `classes`, else [`Error::LabelOutOfRange`] for the first that is not:
/// the one "label < classes" check of the crate (targets, datasets, inspection, metrics).
pub(crate) fn check_labels(labels: &[usize], classes: usize) -> Result<()> {
    match labels.iter().position(|&label| label >= classes) {
        Some(index) => Err(Error::LabelOutOfRange {
            label: labels[index],
            index,
            classes,
        }),
        None => Ok(()),
    }
}

impl<'a, T: Scalar> From<&'a [usize]> for Targets<'a, T> {
    fn from(l: &'a [usize]) -> Self {
        Targets::Labels(l)
    }
}
impl<'a, T: Scalar> From<&'a Vec<usize>> for Targets<'a, T> {
    fn from(l: &'a Vec<usize>) -> Self {
        Targets::Labels(l.as_slice())
    }
}
impl<'a, T: Scalar, const N: usize> From<&'a [usize; N]> for Targets<'a, T> {
    fn from(l: &'a [usize; N]) -> Self {
        Targets::Labels(l.as_slice())
    }
}
impl<'a, T: Scalar> From<DMatrixView<'a, T>> for Targets<'a, T> {
    fn from(m: DMatrixView<'a, T>) -> Self {
        Targets::Dense(m)
    }
}
impl<'a, T: Scalar> From<&'a DMatrix<T>> for Targets<'a, T> {
    fn from(m: &'a DMatrix<T>) -> Self {
        Targets::Dense(m.as_view())
    }
}
