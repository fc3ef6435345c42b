//! [`Samples`]: the estimator's input, samples × features as every tool users come from
//! lays it out (rows are samples), read once into the network's columns.

use crate::data::Dataset;
use crate::error::{Error, Result};
use nalgebra::{DMatrix, DMatrixView};

/// A borrowed samples × features input (**rows are samples**, the convention of
/// scikit-learn, pandas and CSV files).
///
/// Made from a [`DMatrix`] or view (rows samples), from a row-major slice with its shape
/// ([`Samples::row_major`], numpy's C order), or from data already laid out as this crate's
/// networks want it, one sample per column ([`Samples::columns`], a [`Dataset`]). The
/// estimator transposes once, while it copies (and scales) the values.
///
/// # Examples
///
/// ```
/// use deepmultinet::estimator::Samples;
/// let x = nalgebra::DMatrix::from_row_slice(3, 2, &[1., 2., 3., 4., 5., 6.]);
/// let a = Samples::from(&x);
/// let flat = [1., 2., 3., 4., 5., 6.];
/// let b = Samples::row_major(&flat, 3, 2)?;
/// assert_eq!((a.samples(), a.features()), (3, 2));
/// assert_eq!((a.get(2, 1), b.get(2, 1)), (Some(6.0), Some(6.0)));
/// let t = x.transpose(); // features × samples
/// assert_eq!(Samples::columns(&t).get(2, 1), Some(6.0));
/// assert_eq!(a.get(3, 0), None);
/// # Ok::<(), deepmultinet::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Samples<'a> {
    /// The values; `transposed` tells which way round.
    view: DMatrixView<'a, f64>,
    /// `true`: `view` is features × samples (columns are samples).
    columns: bool,
}

impl<'a> Samples<'a> {
    /// A row-major `samples × features` slice (sample `i`'s features at
    /// `data[i * features..(i + 1) * features]`).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if `data.len() != samples · features`.
    pub fn row_major(data: &'a [f64], samples: usize, features: usize) -> Result<Self> {
        let expected = samples.checked_mul(features);
        if expected != Some(data.len()) {
            return Err(Error::shape(
                "row-major samples × features slice (length)",
                format!("{samples} × {features}"),
                format!("{} values", data.len()),
            ));
        }
        // Row-major samples × features is column-major features × samples: no copy.
        Ok(Samples {
            view: DMatrixView::from_slice(data, features, samples),
            columns: true,
        })
    }

    /// Data laid out as this crate's networks want it: `features × samples`, **one sample
    /// per column** (a [`Dataset`]'s features, a matrix fed to [`Network::predict`](crate::Network::predict)).
    pub fn columns(x: impl Into<DMatrixView<'a, f64>>) -> Self {
        Samples {
            view: x.into(),
            columns: true,
        }
    }

    /// Number of samples.
    pub fn samples(&self) -> usize {
        if self.columns {
            self.view.ncols()
        } else {
            self.view.nrows()
        }
    }

    /// Number of features.
    pub fn features(&self) -> usize {
        if self.columns {
            self.view.nrows()
        } else {
            self.view.ncols()
        }
    }

    /// Feature `feature` of sample `sample` (`None` past the end).
    pub fn get(&self, sample: usize, feature: usize) -> Option<f64> {
        if sample < self.samples() && feature < self.features() {
            Some(self.at(sample, feature))
        } else {
            None
        }
    }

    /// Feature `feature` of sample `sample`, both in range.
    pub(crate) fn at(&self, sample: usize, feature: usize) -> f64 {
        if self.columns {
            self.view[(feature, sample)]
        } else {
            self.view[(sample, feature)]
        }
    }

    /// The first value's address (the tests check that nothing was copied).
    #[cfg(all(test, feature = "ndarray"))]
    pub(crate) fn data_ptr(&self) -> *const f64 {
        self.view.as_ptr()
    }

    /// The rows and columns the caller passed, for messages.
    fn caller_shape(&self) -> (usize, usize) {
        (self.view.nrows(), self.view.ncols())
    }

    /// Copies samples `rows` (in that order) into the columns of `out` (`features ×
    /// rows.len()`), each value passed through `map(feature, value)`; a value that is not
    /// finite is an [`Error::NonFinite`] naming `context`.
    pub(crate) fn gather(
        &self,
        rows: &[usize],
        out: &mut DMatrix<f64>,
        map: impl Fn(usize, f64) -> f64,
        context: &'static str,
    ) -> Result<()> {
        let d = self.features();
        if out.nrows() != d || out.ncols() != rows.len() {
            *out = DMatrix::zeros(d, rows.len());
        }
        for (j, &i) in rows.iter().enumerate() {
            let mut dst = out.column_mut(j);
            let mut put = |f: usize, v: f64| {
                if !v.is_finite() {
                    return Err(Error::NonFinite {
                        context,
                        sample: i,
                        feature: f,
                        value: v,
                    });
                }
                dst[f] = map(f, v);
                Ok(())
            };
            if self.columns {
                for (f, &v) in self.view.column(i).iter().enumerate() {
                    put(f, v)?;
                }
            } else {
                for (f, &v) in self.view.row(i).iter().enumerate() {
                    put(f, v)?;
                }
            }
        }
        Ok(())
    }

    /// The first value that is not finite, as an [`Error::NonFinite`] naming `context`.
    pub(crate) fn check_finite(&self, context: &'static str) -> Result<()> {
        let bad = self.view.iter().position(|v| !v.is_finite());
        match bad {
            None => Ok(()),
            Some(k) => {
                let (r, c) = (k % self.view.nrows(), k / self.view.nrows());
                let (sample, feature) = if self.columns { (c, r) } else { (r, c) };
                Err(Error::NonFinite {
                    context,
                    sample,
                    feature,
                    value: self.view[(r, c)],
                })
            }
        }
    }

    /// Checks that the samples fit `labels` labels (at `fit`), with a hint when the matrix
    /// only fits the other way round.
    pub(crate) fn check_labels(&self, labels: usize, context: &'static str) -> Result<()> {
        if self.samples() == 0 {
            return Err(Error::EmptyBatch { context });
        }
        if self.samples() == labels {
            return Ok(());
        }
        let (r, c) = self.caller_shape();
        let hint = if self.features() == labels {
            "; the samples look like columns: pass `x.transpose()` (rows are samples), or \
             `Samples::columns(&x)` for data laid out one sample per column"
        } else {
            ""
        };
        Err(Error::shape(
            format!("{context}: one label per sample (row) of the {r} × {c} input{hint}"),
            format!("{} labels", self.samples()),
            format!("{labels} labels"),
        ))
    }

    /// Checks the number of features against a fitted model's, with the same hint.
    pub(crate) fn check_features(&self, features: usize, context: &'static str) -> Result<()> {
        if self.samples() == 0 {
            return Err(Error::EmptyBatch { context });
        }
        if self.features() == features {
            return Ok(());
        }
        let (r, c) = self.caller_shape();
        let hint = if self.samples() == features {
            "; the samples look like columns: pass `x.transpose()` (rows are samples), or \
             `Samples::columns(&x)` for data laid out one sample per column"
        } else {
            ""
        };
        Err(Error::shape(
            format!("{context}: features (columns) of the {r} × {c} input{hint}"),
            format!("{features} features, as in fit"),
            format!("{} features", self.features()),
        ))
    }
}

impl<'a> From<&'a DMatrix<f64>> for Samples<'a> {
    /// A `samples × features` matrix (rows are samples).
    fn from(x: &'a DMatrix<f64>) -> Self {
        Samples {
            view: x.as_view(),
            columns: false,
        }
    }
}

impl<'a> From<DMatrixView<'a, f64>> for Samples<'a> {
    /// A `samples × features` view (rows are samples).
    fn from(x: DMatrixView<'a, f64>) -> Self {
        Samples {
            view: x,
            columns: false,
        }
    }
}

impl<'a> From<&'a Dataset<f64>> for Samples<'a> {
    /// A dataset's features (one sample per column, as [`Dataset`] stores them).
    fn from(ds: &'a Dataset<f64>) -> Self {
        Samples::columns(ds.features())
    }
}
