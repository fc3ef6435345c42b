//! What a training loop reads its samples from: a matrix of scalars, or bytes that each stand
//! for a value of a 256-entry table ([`ByteSamples`]: images kept as their pixels).
//!
//! An epoch gathers every sample once, in shuffled order, from wherever the data lies. For
//! a data set larger than the cache that is a trip to memory per sample, and bytes make it a
//! quarter of an `f32` matrix's (Fashion-MNIST's 60,000 training images are 47 MB as bytes,
//! 188 MB as `f32`, 376 MB as `f64`). The values a batch holds are the same either way.

use crate::error::{Error, Result};
use crate::linalg::simd::{SimdLoop, run_vectorized};
use crate::scalar::Scalar;
use nalgebra::{DMatrix, DMatrixView, Dim, Matrix, RawStorage, U1};

/// The value `p / 255` of every byte `p` (computed in `f64`, then converted to `T`): the
/// scaling of [`Dataset::from_u8`](super::Dataset::from_u8) and [`ByteSamples::unit`].
pub(crate) fn unit_table<T: Scalar>() -> [T; 256] {
    std::array::from_fn(|p| T::of(p as f64 / 255.0))
}

/// `p / 255` computed in `T` (correctly rounded, so for `f32` and `f64` the value of
/// [`unit_table`]; [`ByteSamples`] checks that before it uses it).
#[inline(always)]
fn unit_value<T: Scalar>(p: u8) -> T {
    T::of_u8(p) / T::of(255.0)
}

/// `dst[i] = src[i] / 255` as a [`SimdLoop`] (vector division is correctly rounded, so every
/// SIMD family gives the same values).
struct UnitDecode<'a, T> {
    src: &'a [u8],
    dst: &'a mut [T],
}

impl<T: Scalar> SimdLoop for UnitDecode<'_, T> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        for (d, &p) in self.dst.iter_mut().zip(self.src) {
            *d = unit_value(p);
        }
    }
}

/// Samples stored as bytes, one byte per feature, samples one after another (the layout of
/// an IDX image file), each byte standing for the value `table[byte]`.
///
/// Training from bytes gives the same batches, hence the same θ bit for bit, as training from
/// the matrix of their values (for example [`Dataset::from_u8`](super::Dataset::from_u8)
/// with [`unit`](Self::unit)), while an epoch reads a quarter of the memory an `f32` matrix
/// takes.
///
/// ```
/// use deepmultinet::data::{ByteSamples, Dataset};
/// let pixels = [0u8, 255, 51, 102, 255, 0];
/// let x = ByteSamples::<f32>::unit(2, &pixels)?;
/// assert_eq!((x.features(), x.samples()), (2, 3));
/// assert_eq!(x.value(51), 0.2);
/// let same = Dataset::<f32>::from_u8(2, &pixels, vec![0, 1, 0], 2)?;
/// assert_eq!(&x.to_matrix()?, same.features());
/// # Ok::<(), deepmultinet::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq)]
pub struct ByteSamples<'d, T: Scalar> {
    bytes: &'d [u8],
    features: usize,
    table: [T; 256],
    /// Whether `table[p]` is `p / 255` computed in `T` for every byte (then a batch is
    /// decoded by a vectorised division instead of a look-up per byte: the same values).
    pub(super) unit: bool,
}

impl<'d, T: Scalar> ByteSamples<'d, T> {
    /// `bytes` as samples of `features` bytes each, byte `p` standing for `p / 255` (in
    /// `f64`, then converted: the values of [`Dataset::from_u8`](super::Dataset::from_u8)).
    ///
    /// # Errors
    /// As [`with_table`](Self::with_table).
    pub fn unit(features: usize, bytes: &'d [u8]) -> Result<Self> {
        Self::with_table(features, bytes, unit_table())
    }

    /// `bytes` as samples of `features` bytes each, byte `p` standing for `table[p]` (for
    /// example a standardisation `(p / 255 − μ) / σ`).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for 0 features or a value of `table` that is not finite;
    /// [`Error::ShapeMismatch`] unless `bytes` holds a whole, non-zero number of samples.
    pub fn with_table(features: usize, bytes: &'d [u8], table: [T; 256]) -> Result<Self> {
        crate::check::at_least_one("byte samples' features", features)?;
        if bytes.is_empty() || !bytes.len().is_multiple_of(features) {
            return Err(Error::shape(
                format!("bytes of {features}-feature samples (a non-zero multiple of {features})"),
                features * (bytes.len() / features).max(1),
                bytes.len(),
            ));
        }
        if let Some(v) = table.iter().find(|v| !v.as_f64().is_finite()) {
            return Err(crate::check::invalid(
                "byte table value",
                v.as_f64(),
                "finite values",
            ));
        }
        // Bits, not `==`: a table's −0 must not be decoded as +0.
        let unit = (0..=255u8).all(|p| {
            table[usize::from(p)].as_f64().to_bits() == unit_value::<T>(p).as_f64().to_bits()
        });
        Ok(ByteSamples {
            bytes,
            features,
            table,
            unit,
        })
    }

    /// The images of an IDX image file (`[n, rows, cols]`, or any `[n, …]`): one sample per
    /// image, byte `p` standing for `p / 255`.
    ///
    /// ```
    /// use deepmultinet::data::{idx::IdxArray, ByteSamples};
    /// let images = IdxArray { dims: vec![2, 2, 2], data: vec![0, 255, 0, 255, 51, 51, 51, 51] };
    /// let x = ByteSamples::<f64>::from_idx(&images)?;
    /// assert_eq!((x.features(), x.samples()), (4, 2));
    /// # Ok::<(), deepmultinet::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] for an array of fewer than two dimensions or whose data does
    /// not match them; as [`unit`](Self::unit) otherwise.
    pub fn from_idx(images: &'d super::idx::IdxArray) -> Result<Self> {
        let Some((&n, sizes)) = images.dims.split_first().filter(|(_, s)| !s.is_empty()) else {
            return Err(Error::shape(
                "IDX image dimensions ([samples, …])",
                "at least 2",
                images.dims.len(),
            ));
        };
        let features = sizes.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
        let total = features.and_then(|f| f.checked_mul(n));
        match (features, total) {
            (Some(f), Some(t)) if t == images.data.len() => Self::unit(f, &images.data),
            _ => Err(Error::shape(
                format!("IDX image bytes ({:?})", images.dims),
                total.map_or_else(|| "an overflowing product".to_string(), |t| t.to_string()),
                images.data.len(),
            )),
        }
    }

    /// Features per sample (bytes per sample).
    pub fn features(&self) -> usize {
        self.features
    }
    /// Number of samples.
    pub fn samples(&self) -> usize {
        self.bytes.len() / self.features
    }
    /// The value byte `p` stands for.
    pub fn value(&self, p: u8) -> T {
        self.table[usize::from(p)]
    }
    /// The bytes of sample `j` (`None` past the last).
    pub fn sample(&self, j: usize) -> Option<&'d [u8]> {
        let start = j.checked_mul(self.features)?;
        self.bytes.get(start..start.checked_add(self.features)?)
    }

    /// Writes the values of sample `j` into `dst` (`features` long; the caller's invariants).
    pub(crate) fn decode(&self, j: usize, dst: &mut [T]) {
        let src = &self.bytes[j * self.features..][..self.features];
        if self.unit {
            // A look-up per byte runs at about one value per cycle; the division, 8 or 16
            // at a time on AVX2 or AVX-512, is the same correctly rounded `p / 255`.
            run_vectorized(UnitDecode { src, dst });
        } else {
            for (d, &p) in dst.iter_mut().zip(src) {
                *d = self.table[usize::from(p)];
            }
        }
    }

    /// The `features × samples` matrix of the values.
    ///
    /// # Errors
    /// [`Error::TooLarge`] if it cannot be allocated.
    pub fn to_matrix(&self) -> Result<DMatrix<T>> {
        let mut v = crate::memory::try_with_capacity("byte samples' matrix", self.bytes.len())?;
        v.extend(self.bytes.iter().map(|&p| self.table[usize::from(p)]));
        Ok(DMatrix::from_vec(self.features, self.samples(), v))
    }
}

/// The shape and scaling, not the bytes (a data set's worth of them).
impl<T: Scalar> std::fmt::Debug for ByteSamples<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ByteSamples")
            .field("features", &self.features)
            .field("samples", &self.samples())
            .field("unit", &self.unit)
            .finish_non_exhaustive()
    }
}

/// Where a training loop reads its samples (`inputs × m`, one per column): a matrix, or
/// bytes standing for values. Made with `.into()` from a `&DMatrix`, a `DMatrixView` (or a
/// reference to one, or any matrix with contiguous columns) or [`ByteSamples`], so the
/// training functions take any of them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Inputs<'d, T: Scalar> {
    /// A matrix, one sample per column.
    Matrix(DMatrixView<'d, T>),
    /// Bytes, one sample after another.
    Bytes(ByteSamples<'d, T>),
}

impl<T: Scalar> Inputs<'_, T> {
    /// Features per sample (the matrix's rows).
    pub fn features(&self) -> usize {
        match self {
            Inputs::Matrix(x) => x.nrows(),
            Inputs::Bytes(b) => b.features(),
        }
    }
    /// Number of samples (the matrix's columns).
    pub fn samples(&self) -> usize {
        match self {
            Inputs::Matrix(x) => x.ncols(),
            Inputs::Bytes(b) => b.samples(),
        }
    }
}

impl<'d, T: Scalar> From<DMatrixView<'d, T>> for Inputs<'d, T> {
    fn from(x: DMatrixView<'d, T>) -> Self {
        Inputs::Matrix(x)
    }
}
/// Any matrix or view with contiguous columns (`&DMatrix`, `&DMatrixView`, `&SMatrix`,
/// `&DVector`, …), as the other functions that take `impl Into<DMatrixView>` accept it.
impl<'a, T: Scalar, R: Dim, C: Dim, S: RawStorage<T, R, C, RStride = U1>>
    From<&'a Matrix<T, R, C, S>> for Inputs<'a, T>
where
    DMatrixView<'a, T>: From<&'a Matrix<T, R, C, S>>,
{
    fn from(x: &'a Matrix<T, R, C, S>) -> Self {
        Inputs::Matrix(x.into())
    }
}
/// A mutable borrow read as a view.
impl<'a, T: Scalar, R: Dim, C: Dim, S: RawStorage<T, R, C, RStride = U1>>
    From<&'a mut Matrix<T, R, C, S>> for Inputs<'a, T>
where
    DMatrixView<'a, T>: From<&'a Matrix<T, R, C, S>>,
{
    fn from(x: &'a mut Matrix<T, R, C, S>) -> Self {
        Inputs::Matrix((&*x).into())
    }
}
impl<'d, T: Scalar> From<ByteSamples<'d, T>> for Inputs<'d, T> {
    fn from(x: ByteSamples<'d, T>) -> Self {
        Inputs::Bytes(x)
    }
}
impl<'d, T: Scalar> From<&ByteSamples<'d, T>> for Inputs<'d, T> {
    fn from(x: &ByteSamples<'d, T>) -> Self {
        Inputs::Bytes(*x)
    }
}
