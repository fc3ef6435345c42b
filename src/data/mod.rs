//! Datasets: a `features × samples` matrix (one sample per **column**) with class labels, and
//! the readers that fill one from the formats our users arrive with.
//!
//! | reader | format |
//! |---|---|
//! | [`idx`] | MNIST / Fashion-MNIST IDX files, gzip or raw (detected from the bytes) |
//! | [`mat`] | MATLAB 5.0 MAT-files (the course's `ex3weights.mat`, `ex4data1.mat` layout) |
//! | [`csv`] | rows of features then a label, optional header, gzip or raw |
//!
//! A reader allocates in proportion to the bytes it has read and checked, never to a size a
//! header claims; compressed input is inflated as it is parsed and capped, as is a CSV line
//! ([`limits`]). Bad input is an [`Error::Format`] naming the file, the byte offset (in
//! decompressed bytes for a gzip file, as the error says), what was expected and what was
//! found (quoted input cut after 64 characters); features must be finite in the scalar read.
//!
//! Datasets of pictures carry their [`ImageShape`] (height, width, [`PixelOrder`]), which
//! [`inspect`](crate::inspect) takes as it is.
//!
//! Samples are columns, so a mini-batch is a column range of the column-major matrix:
//! [`Dataset::batch`] returns a zero-copy view together with the matching labels.
//!
//! The training loops read [`Inputs`]: a matrix, or [`ByteSamples`] — images kept as their
//! bytes (a quarter of an `f32` matrix's memory, and of what each epoch reads), decoded into
//! each gathered batch through a 256-value table ([`ByteSamples::unit`]: the values
//! [`Dataset::from_u8`] gives).
//!
//! # Examples
//!
//! ```
//! use deepmultinet::data::Dataset;
//! use rand::SeedableRng;
//!
//! // Six 2-pixel "images" as bytes (sample-major), labels 0..3.
//! let pixels = [0u8, 255, 51, 102, 255, 0, 0, 0, 255, 255, 10, 20];
//! let mut ds = Dataset::<f32>::from_u8(2, &pixels, vec![0, 1, 2, 0, 1, 2], 3)?;
//! assert_eq!(ds.len(), 6);
//! assert_eq!(ds.features()[(1, 0)], 1.0); // 255 → 1.0
//! assert_eq!(ds.features()[(0, 1)], 0.2); // 51 → 0.2
//!
//! let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
//! ds.shuffle(&mut rng);
//! let (train, valid) = ds.split(0.5)?;
//! assert_eq!((train.len(), valid.len()), (3, 3));
//! let (x, y) = train.batch(0..2)?;
//! assert_eq!((x.nrows(), x.ncols(), y.len()), (2, 2, 2));
//! # Ok::<(), deepmultinet::Error>(())
//! ```

mod batch;
pub mod csv;
pub mod idx;
mod image;
mod inputs;
pub mod limits;
pub mod mat;
pub mod paths;

pub use batch::BatchBuffer;
pub use inputs::{ByteSamples, Inputs};
pub(crate) mod excerpt;
mod inflate;
pub(crate) mod source;
mod stream;

pub use image::{ImageShape, PixelOrder};

use crate::check;
use crate::error::{Error, Result};
use crate::memory;
use crate::scalar::Scalar;
use crate::targets::check_labels;
use nalgebra::{DMatrix, DMatrixView};
use rand::{Rng, RngExt};
use std::ops::Range;

/// The ten Fashion-MNIST classes, in label order 0..9.
pub const FASHION_MNIST_CLASSES: [&str; 10] = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
];

/// The most classes a [`Dataset`] (and a [`ConfusionMatrix`](crate::metrics::ConfusionMatrix)
/// or a class-selectivity table) may have: 2¹⁶ = 65,536.
///
/// Readers infer the number of classes from the largest label, so one wrong label (an
/// ID column read as the label, a label of 4294967294) would otherwise ask for billions of
/// classes, and every per-class table (`class_counts`, `one_hot`, a confusion matrix) would be
/// sized by it. The bound is fixed rather than relative to the number of samples, so that a
/// small subset of a data set with many classes still loads with all of them. 65,536 is far
/// above the class counts of the data sets this crate is made for (10 for MNIST, 1,000 for
/// ImageNet-1k, 21,841 for ImageNet-21k), and a per-class count table stays at 512 KiB.
/// More classes give [`Error::TooManyClasses`].
pub const MAX_CLASSES: usize = 1 << 16;

/// `1 ≤ classes ≤ MAX_CLASSES`: [`Error::InvalidParameter`] naming `name` for 0,
/// [`Error::TooManyClasses`] above the limit.
pub(crate) fn check_class_count(name: &'static str, classes: usize) -> Result<()> {
    check::at_least_one(name, classes)?;
    if classes > MAX_CLASSES {
        return Err(Error::TooManyClasses {
            classes,
            limit: MAX_CLASSES,
        });
    }
    Ok(())
}

/// The ten MNIST classes, in label order 0..9 (the digits themselves).
pub const MNIST_CLASSES: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

/// Features (`features × samples`, one sample per column) and a class label per sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset<T: Scalar> {
    features: DMatrix<T>,
    labels: Vec<usize>,
    num_classes: usize,
    image: Option<ImageShape>,
    class_names: Option<Vec<String>>,
}

impl<T: Scalar> Dataset<T> {
    /// A dataset from a `features × samples` matrix and one label per column.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if `labels.len()` differs from the number of columns;
    /// [`Error::LabelOutOfRange`] if a label is not below `num_classes`;
    /// [`Error::InvalidParameter`] if `num_classes` is 0; [`Error::TooManyClasses`] if it is
    /// above [`MAX_CLASSES`] (the readers pass the largest label + 1 when the number of
    /// classes is not given).
    pub fn new(features: DMatrix<T>, labels: Vec<usize>, num_classes: usize) -> Result<Self> {
        check_class_count("num_classes", num_classes)?;
        if labels.len() != features.ncols() {
            return Err(Error::shape(
                "dataset labels (one per sample column)",
                features.ncols(),
                labels.len(),
            ));
        }
        check_labels(&labels, num_classes)?;
        Ok(Dataset {
            features,
            labels,
            num_classes,
            image: None,
            class_names: None,
        })
    }

    /// A dataset from bytes (pixels 0..255), scaled to `[0, 1]` by dividing by 255
    /// (`p / 255` computed in `f64`, then converted to `T`).
    /// `pixels` holds the samples one after another, `features` bytes each.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if `pixels.len() != features · labels.len()`; as
    /// [`new`](Self::new) otherwise.
    pub fn from_u8(
        features: usize,
        pixels: &[u8],
        labels: Vec<usize>,
        num_classes: usize,
    ) -> Result<Self> {
        let expected = features.checked_mul(labels.len()).ok_or_else(|| {
            Error::InvalidConfig(format!(
                "{features} features × {} samples overflows",
                labels.len()
            ))
        })?;
        if pixels.len() != expected {
            return Err(Error::shape(
                format!(
                    "pixel bytes ({features} per sample × {} samples)",
                    labels.len()
                ),
                expected,
                pixels.len(),
            ));
        }
        // p / 255 correctly rounded in f64, then converted: a 256-entry table.
        let table = inputs::unit_table::<T>();
        let data: Vec<T> = pixels.iter().map(|&p| table[usize::from(p)]).collect();
        let m = labels.len();
        Self::new(DMatrix::from_vec(features, m, data), labels, num_classes)
    }

    /// The features as bytes, samples one after another: the inverse of
    /// [`from_u8`](Self::from_u8), for training from [`ByteSamples`] (a quarter of an `f32`
    /// matrix's memory; the same values, so the same θ).
    ///
    /// ```
    /// use deepmultinet::data::{ByteSamples, Dataset};
    /// let pixels = [0u8, 255, 51, 102];
    /// let ds = Dataset::<f32>::from_u8(2, &pixels, vec![0, 1], 2)?;
    /// let bytes = ds.to_u8()?;
    /// assert_eq!(bytes, pixels);
    /// assert_eq!(&ByteSamples::<f32>::unit(2, &bytes)?.to_matrix()?, ds.features());
    /// # Ok::<(), deepmultinet::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a feature that is not `p / 255` (as `from_u8` makes
    /// it) for a byte `p`; [`Error::TooLarge`] if the bytes cannot be allocated.
    pub fn to_u8(&self) -> Result<Vec<u8>> {
        let table = inputs::unit_table::<T>();
        let mut bytes = memory::try_with_capacity("dataset bytes", self.features.len())?;
        for &v in self.features.iter() {
            let p = (v.as_f64() * 255.0).round();
            match (0.0..=255.0).contains(&p).then_some(p as u8) {
                // Bits, not `==`: −0 is not what `from_u8` makes of byte 0.
                Some(p) if table[usize::from(p)].as_f64().to_bits() == v.as_f64().to_bits() => {
                    bytes.push(p)
                }
                _ => {
                    return Err(check::invalid(
                        "dataset feature",
                        v.as_f64(),
                        "p / 255 for a byte p (as Dataset::from_u8 makes it)",
                    ));
                }
            }
        }
        Ok(bytes)
    }

    /// Sets the image shape of each sample.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if `height · width` differs from the number of features.
    pub fn with_image_shape(mut self, shape: ImageShape) -> Result<Self> {
        if shape.pixels() != self.num_features() {
            return Err(Error::shape(
                "image shape (height × width = features)",
                self.num_features(),
                format!("{} × {} = {}", shape.height, shape.width, shape.pixels()),
            ));
        }
        self.image = Some(shape);
        Ok(self)
    }

    /// Sets the class names (one per class).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if the number of names differs from the number of classes.
    pub fn with_class_names<S: Into<String>>(
        mut self,
        names: impl IntoIterator<Item = S>,
    ) -> Result<Self> {
        let names: Vec<String> = names.into_iter().map(Into::into).collect();
        if names.len() != self.num_classes {
            return Err(Error::shape(
                "class names (one per class)",
                self.num_classes,
                names.len(),
            ));
        }
        self.class_names = Some(names);
        Ok(self)
    }

    /// The `features × samples` matrix.
    pub fn features(&self) -> &DMatrix<T> {
        &self.features
    }
    /// One label per sample, in `0..num_classes()`.
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }
    /// Number of classes.
    pub fn num_classes(&self) -> usize {
        self.num_classes
    }
    /// Number of features (rows).
    pub fn num_features(&self) -> usize {
        self.features.nrows()
    }
    /// Number of samples (columns).
    pub fn len(&self) -> usize {
        self.labels.len()
    }
    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
    /// The image shape, for datasets of pictures: what `inspect` and `plot` take, e.g.
    /// `inspect::hidden_unit_images(&net, ds.image_shape()?)`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] if the dataset has no image shape (set one with
    /// [`with_image_shape`](Self::with_image_shape)).
    pub fn image_shape(&self) -> Result<ImageShape> {
        self.image.ok_or_else(|| {
            Error::InvalidConfig(
                "the dataset has no image shape (set one with Dataset::with_image_shape)".into(),
            )
        })
    }
    /// The class names, when known.
    pub fn class_names(&self) -> Option<&[String]> {
        self.class_names.as_deref()
    }
    /// Name of class `k` (its number when no names are set).
    pub fn class_name(&self, k: usize) -> String {
        self.class_names
            .as_ref()
            .and_then(|n| n.get(k).cloned())
            .unwrap_or_else(|| k.to_string())
    }
    /// Number of samples of each class (at most [`MAX_CLASSES`] entries).
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.num_classes];
        for &l in &self.labels {
            if let Some(c) = counts.get_mut(l) {
                *c += 1;
            }
        }
        counts
    }
    /// Splits into the features matrix and the labels.
    pub fn into_parts(self) -> (DMatrix<T>, Vec<usize>) {
        (self.features, self.labels)
    }

    /// Sample `j`'s pixels as a `height × width` image, if the dataset has an image shape and `j`
    /// is a sample index.
    pub fn image(&self, j: usize) -> Option<DMatrix<T>> {
        let shape = self.image?;
        let col = (j < self.len()).then(|| self.features.column(j))?;
        Some(DMatrix::from_fn(shape.height, shape.width, |r, c| {
            col[shape.index(r, c)]
        }))
    }

    fn with_columns(&self, features: DMatrix<T>, labels: Vec<usize>) -> Self {
        Dataset {
            features,
            labels,
            num_classes: self.num_classes,
            image: self.image,
            class_names: self.class_names.clone(),
        }
    }

    /// The first `n` samples (all of them if there are fewer), copied.
    pub fn take(&self, n: usize) -> Self {
        let n = n.min(self.len());
        self.with_columns(
            self.features.columns(0, n).into_owned(),
            self.labels[..n].to_vec(),
        )
    }

    /// The samples at `indices`, in that order, copied.
    ///
    /// # Errors
    /// [`Error::IndexOutOfRange`] if an index is not a sample index.
    pub fn select(&self, indices: &[usize]) -> Result<Self> {
        for &i in indices {
            check::index("sample", i, self.len())?;
        }
        let features = self.features.select_columns(indices);
        let labels = indices.iter().map(|&i| self.labels[i]).collect();
        Ok(self.with_columns(features, labels))
    }

    /// Shuffles the samples in place (Fisher–Yates, one `random_range` draw per sample from
    /// the last down), keeping each label with its column. Same seed, same order.
    pub fn shuffle<R: Rng + ?Sized>(&mut self, rng: &mut R) {
        for i in (1..self.len()).rev() {
            let j = rng.random_range(0..=i);
            if i != j {
                self.features.swap_columns(i, j);
                self.labels.swap(i, j);
            }
        }
    }

    /// Splits into `(first, rest)` where `first` holds `round(fraction · len)` samples:
    /// `split(0.8)` gives the usual 80 % train / 20 % validation (shuffle first).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] unless `0 ≤ fraction ≤ 1`.
    pub fn split(&self, fraction: f64) -> Result<(Self, Self)> {
        if !(0.0..=1.0).contains(&fraction) {
            return Err(check::invalid("fraction", fraction, "in [0, 1]"));
        }
        let n = ((self.len() as f64) * fraction).round() as usize;
        let n = n.min(self.len());
        let m = self.len() - n;
        let first = self.with_columns(
            self.features.columns(0, n).into_owned(),
            self.labels[..n].to_vec(),
        );
        let rest = self.with_columns(
            self.features.columns(n, m).into_owned(),
            self.labels[n..].to_vec(),
        );
        Ok((first, rest))
    }

    /// Samples `range` as a zero-copy `features × len` view and their labels.
    ///
    /// # Errors
    /// [`Error::IndexOutOfRange`] if the range reaches past the last sample (the index
    /// reported is the range's last sample, or its start for an empty range);
    /// [`Error::InvalidConfig`] if it ends before it starts.
    pub fn batch(&self, range: Range<usize>) -> Result<(DMatrixView<'_, T>, &[usize])> {
        if range.start > range.end {
            return Err(Error::InvalidConfig(format!(
                "batch {range:?} ends before it starts"
            )));
        }
        if range.end > self.len() {
            let last = (range.end - 1).max(range.start);
            check::index("sample", last, self.len())?;
        }
        let x = self.features.columns(range.start, range.end - range.start);
        Ok((x, &self.labels[range]))
    }

    /// Consecutive batches of `size` samples (the last may be shorter), zero-copy.
    /// A `size` of 0 is treated as 1.
    pub fn batches(&self, size: usize) -> impl Iterator<Item = (DMatrixView<'_, T>, &[usize])> {
        let size = size.max(1);
        (0..self.len()).step_by(size).map(move |start| {
            let end = (start + size).min(self.len());
            (
                self.features.columns(start, end - start),
                &self.labels[start..end],
            )
        })
    }

    /// One-hot targets: a `num_classes × len` matrix with a 1 in row `label` of each column.
    ///
    /// # Errors
    /// [`Error::TooLarge`] if the matrix cannot be allocated (65,536 classes × 60,000
    /// samples of `f64` are 31 GB).
    pub fn one_hot(&self) -> Result<DMatrix<T>> {
        let mut y = memory::try_zeros("one-hot targets", self.num_classes, self.len())?;
        for (j, &l) in self.labels.iter().enumerate() {
            if let Some(v) = y.get_mut((l, j)) {
                *v = T::one();
            }
        }
        Ok(y)
    }

    /// The same dataset in another scalar type (`f64 → f32` rounds).
    pub fn cast<U: Scalar>(&self) -> Dataset<U> {
        Dataset {
            features: self.features.map(|v| U::of(v.as_f64())),
            labels: self.labels.clone(),
            num_classes: self.num_classes,
            image: self.image,
            class_names: self.class_names.clone(),
        }
    }
}

#[cfg(test)]
mod tests;
