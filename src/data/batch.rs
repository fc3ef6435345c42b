//! A preallocated mini-batch: selected columns of a data set copied into fixed buffers.
//!
//! Shuffled mini-batches are not column ranges of the data, so they are gathered: sample
//! `indices[j]` of the data becomes column `j` of the batch. The buffers are allocated once
//! for the largest batch; gathering then only copies.

use crate::data::Inputs;
use crate::error::{Error, Result};
use crate::linalg::par;
use crate::linalg::simd::prefetch;
use crate::memory;
use crate::scalar::Scalar;
use crate::targets::Targets;
use nalgebra::{DMatrix, DMatrixView};

/// Batches of at least this many values are gathered on every thread of the pool (smaller
/// ones are not worth a hand-off).
pub(super) const PARALLEL_GATHER: usize = 1 << 14;

/// Buffers for one mini-batch: `inputs × capacity` samples and their targets (labels, or an
/// `outputs × capacity` dense matrix when the data's targets are dense).
///
/// ```
/// use deepmultinet::data::BatchBuffer;
/// use deepmultinet::Targets;
/// let x = nalgebra::DMatrix::from_column_slice(2, 3, &[0.0, 0.1, 1.0, 1.1, 2.0, 2.1]);
/// let labels = [7usize, 8, 9];
/// let y: Targets<f64> = (&labels).into();
/// let mut b = BatchBuffer::new(2, 10, 2, &y);
/// b.gather(&x, &y, &[2, 0])?;
/// assert_eq!(b.x().column(0)[1], 2.1);
/// assert_eq!(b.labels(), Some(&[9usize, 7][..]));
/// # Ok::<(), deepmultinet::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct BatchBuffer<T: Scalar> {
    /// `inputs × capacity` once allocated (`inputs × 0` before).
    x: DMatrix<T>,
    labels: Vec<usize>,
    /// `outputs × capacity` once allocated (`outputs × 0` before) for dense targets.
    dense: Option<DMatrix<T>>,
    capacity: usize,
    len: usize,
}

impl<T: Scalar> BatchBuffer<T> {
    /// Buffers for up to `capacity` samples of `inputs` features, with targets of the same
    /// kind as `like` (labels, or dense with `outputs` rows).
    ///
    /// Never fails: if the buffers cannot be allocated now (a huge `capacity`), the first
    /// [`gather`](Self::gather) tries again and returns the
    /// [`Error::TooLarge`]; [`try_new`](Self::try_new) reports it at once.
    pub fn new(inputs: usize, outputs: usize, capacity: usize, like: &Targets<'_, T>) -> Self {
        let mut b = Self::empty(inputs, outputs, capacity, like);
        // Best effort by design: on failure `gather` allocates and reports the error.
        let _ = b.allocate();
        b
    }

    /// Buffers for up to `capacity` samples, allocated now (see [`new`](Self::new)).
    ///
    /// # Errors
    /// [`Error::TooLarge`] if the buffers overflow or cannot be allocated.
    pub fn try_new(
        inputs: usize,
        outputs: usize,
        capacity: usize,
        like: &Targets<'_, T>,
    ) -> Result<Self> {
        let mut b = Self::empty(inputs, outputs, capacity, like);
        b.allocate()?;
        Ok(b)
    }

    fn empty(inputs: usize, outputs: usize, capacity: usize, like: &Targets<'_, T>) -> Self {
        BatchBuffer {
            x: DMatrix::zeros(inputs, 0),
            labels: Vec::new(),
            dense: matches!(like, Targets::Dense(_)).then(|| DMatrix::zeros(outputs, 0)),
            capacity,
            len: 0,
        }
    }

    /// Allocates the buffers for `capacity` samples unless they are there (both reserved
    /// before either is filled).
    fn allocate(&mut self) -> Result<()> {
        const WHAT: &str = "mini-batch buffer";
        if self.x.ncols() == self.capacity {
            return Ok(());
        }
        let (inputs, cap) = (self.x.nrows(), self.capacity);
        let nx = memory::product::<T>(WHAT, inputs, cap)?;
        let mut x = memory::try_with_capacity(WHAT, nx)?;
        match &mut self.dense {
            None => {
                let mut labels = memory::try_with_capacity(WHAT, cap)?;
                labels.resize(cap, 0);
                self.labels = labels;
            }
            Some(d) => {
                let outputs = d.nrows();
                let n = memory::product::<T>(WHAT, outputs, cap)?;
                let mut dense = memory::try_with_capacity(WHAT, n)?;
                dense.resize(n, T::zero());
                *d = DMatrix::from_vec(outputs, cap, dense);
            }
        }
        x.resize(nx, T::zero());
        self.x = DMatrix::from_vec(inputs, cap, x);
        Ok(())
    }

    /// Largest batch the buffers hold.
    pub fn capacity(&self) -> usize {
        self.capacity
    }
    /// Number of samples in the current batch.
    pub fn len(&self) -> usize {
        self.len
    }
    /// Whether the current batch is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Copies samples `indices` of `x`/`y` into the buffers (no allocation once they exist).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for an empty selection or more indices than the capacity,
    /// [`Error::IndexOutOfRange`] for an index past the data; [`Error::ShapeMismatch`] if
    /// `x`'s rows, `y`'s kind or rows, or the sample counts of `x` and `y` do not fit the
    /// buffers; [`Error::TooLarge`] if [`new`](Self::new) could not allocate them and they
    /// still cannot be.
    pub fn gather<'x>(
        &mut self,
        x: impl Into<Inputs<'x, T>>,
        y: &Targets<'_, T>,
        indices: &[usize],
    ) -> Result<()> {
        self.gather_from(&x.into(), y, indices)
    }

    /// [`gather`](Self::gather) from inputs held by reference (the epoch loop's, every
    /// step: the table of [`ByteSamples`](crate::data::ByteSamples) is not copied).
    pub(crate) fn gather_from(
        &mut self,
        x: &Inputs<'_, T>,
        y: &Targets<'_, T>,
        indices: &[usize],
    ) -> Result<()> {
        let (rows, cols) = (x.features(), x.samples());
        if indices.is_empty() || indices.len() > self.capacity() {
            return Err(crate::check::invalid(
                "number of batch indices",
                indices.len() as f64,
                "at least 1 and at most the buffer's capacity",
            ));
        }
        if rows != self.x.nrows() {
            return Err(Error::shape(
                "mini-batch rows (inputs)",
                self.x.nrows(),
                rows,
            ));
        }
        if y.len() != cols {
            return Err(Error::shape("number of targets", cols, y.len()));
        }
        if let Some(&bad) = indices.iter().find(|&&i| i >= cols) {
            crate::check::index("sample", bad, cols)?;
        }
        self.allocate()?;
        let len = indices.len();
        // Column by column (a `memcpy` each, or each byte decoded). The columns are
        // scattered over the whole data set, so each one is a fresh trip to memory: large
        // batches are gathered on every thread (more trips in flight), and each part
        // prefetches the column `AHEAD` places on, to overlap those trips with its copying.
        let parts = if rows.saturating_mul(len) >= PARALLEL_GATHER {
            par::available_parts()
        } else {
            1
        };
        let dst = &mut self.x.as_mut_slice()[..rows * len];
        match x {
            Inputs::Matrix(x) => gather_columns(
                rows,
                indices,
                parts,
                dst,
                |i, dst| dst.copy_from_slice(x.column(i).as_slice()),
                |i| prefetch(x.column(i).as_slice()),
            ),
            Inputs::Bytes(b) => gather_columns(
                rows,
                indices,
                parts,
                dst,
                |i, dst| b.decode(i, dst),
                |i| prefetch(b.sample(i).unwrap_or_default()),
            ),
        }
        match (y, &mut self.dense) {
            (Targets::Labels(l), None) => {
                for (dst, &i) in self.labels.iter_mut().zip(indices) {
                    *dst = l[i];
                }
            }
            (Targets::Dense(m), Some(d)) => {
                if m.nrows() != d.nrows() {
                    return Err(Error::shape("mini-batch target rows", d.nrows(), m.nrows()));
                }
                for (j, &i) in indices.iter().enumerate() {
                    d.column_mut(j).copy_from(&m.column(i));
                }
            }
            _ => {
                return Err(Error::shape(
                    "mini-batch target kind",
                    if self.dense.is_some() {
                        "dense"
                    } else {
                        "labels"
                    },
                    if matches!(y, Targets::Dense(_)) {
                        "dense"
                    } else {
                        "labels"
                    },
                ));
            }
        }
        self.len = indices.len();
        Ok(())
    }

    /// The current batch's samples (`inputs × len`).
    pub fn x(&self) -> DMatrixView<'_, T> {
        self.x.columns(0, self.len)
    }
    /// The current batch's targets.
    pub fn targets(&self) -> Targets<'_, T> {
        match &self.dense {
            None => Targets::Labels(&self.labels[..self.len]),
            Some(d) => Targets::Dense(d.columns(0, self.len)),
        }
    }
    /// The current batch's labels (`None` for dense targets).
    pub fn labels(&self) -> Option<&[usize]> {
        match self.dense {
            None => Some(&self.labels[..self.len]),
            Some(_) => None,
        }
    }
}

/// Fills the `rows × indices.len()` column-major `dst` with the samples `indices` of the data,
/// in `parts` column ranges: `copy(i, column)` writes sample `i`'s values, `ahead(i)` starts
/// loading its data.
fn gather_columns<T: Scalar>(
    rows: usize,
    indices: &[usize],
    parts: usize,
    dst: &mut [T],
    copy: impl Fn(usize, &mut [T]) + Sync,
    ahead: impl Fn(usize) + Sync,
) {
    // Measured: prefetching 15 columns of bytes ahead instead of 4 gathers no faster.
    const AHEAD: usize = 4;
    par::for_each_column_range_mut(rows, indices.len(), parts, [dst], &|cols, [dst]| {
        let idx = &indices[cols];
        for &i in idx.iter().take(AHEAD) {
            ahead(i);
        }
        for (j, dst) in dst.chunks_exact_mut(rows.max(1)).enumerate() {
            let Some(&i) = idx.get(j) else { break };
            if let Some(&next) = idx.get(j + AHEAD) {
                ahead(next);
            }
            copy(i, dst);
        }
    });
}
