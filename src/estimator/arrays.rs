//! The estimator on [`ndarray`] arrays (cargo feature `ndarray`): samples × features
//! [`ArrayView2<f64>`] in, [`Array1`] labels and [`Array2`] probabilities out.
//!
//! A row-major (C order, `ndarray`'s default) `samples × features` array is, in memory,
//! exactly a column-major `features × samples` matrix, the network's layout: it is read in
//! place as a nalgebra view, **without a copy**. A column-major (Fortran order) array, such
//! as the transposed view `a.t()` of a row-major `features × samples` array, is read in
//! place too. Any other view (a column range `a.slice(s![.., 1..3])`, a step, a negative
//! stride) is not contiguous in either order and is **copied once** into a row-major
//! buffer first. Either way the values are then scaled into the network's input batch as
//! with every other [`Samples`].

use super::classifier::Classifier;
use super::samples::Samples;
use crate::error::{Error, Result};
use nalgebra::{DMatrix, DMatrixView};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, ShapeBuilder};
use std::borrow::Cow;
use std::fmt::Debug;

/// Calls `f` with `x` as [`Samples`]: in place for a C- or Fortran-contiguous view, else
/// from a row-major copy made once.
pub(crate) fn with_samples<R>(
    x: ArrayView2<'_, f64>,
    f: impl FnOnce(Samples<'_>) -> Result<R>,
) -> Result<R> {
    let (samples, features) = x.dim();
    if let Some(data) = x.to_slice() {
        // Row-major samples × features = column-major features × samples.
        return f(Samples::row_major(data, samples, features)?);
    }
    if let Some(data) = x.reversed_axes().to_slice() {
        // Column-major samples × features: a nalgebra matrix as it is, rows are samples.
        return f(Samples::from(DMatrixView::from_slice(
            data, samples, features,
        )));
    }
    let copy: Vec<f64> = x.iter().copied().collect(); // logical (row-major) order
    f(Samples::row_major(&copy, samples, features)?)
}

/// Labels as a slice: in place when contiguous, else copied.
fn label_slice<'a, C: Clone>(labels: &ArrayView1<'a, C>) -> Cow<'a, [C]> {
    match labels.to_slice() {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(labels.iter().cloned().collect()),
    }
}

/// A samples × columns nalgebra matrix as an ndarray array (column-major, no copy).
fn to_array2(m: DMatrix<f64>) -> Result<Array2<f64>> {
    let shape = m.shape();
    let data: Vec<f64> = m.data.into();
    Array2::from_shape_vec(shape.f(), data)
        .map_err(|e| Error::InvalidData(format!("ndarray result of shape {shape:?}: {e}")))
}

/// The estimator on ndarray arrays (feature `ndarray`): `x` is `samples × features`,
/// rows are samples, as everywhere in the estimator. Row-major and column-major views are
/// read in place; other views are copied once (see [`fit_array`](Self::fit_array)).
impl<C> Classifier<C> {
    /// [`predict_proba`](Self::predict_proba) on an ndarray view: `samples × classes`,
    /// columns in [`classes`](Self::classes) order (the array is column-major).
    ///
    /// # Errors
    /// As [`predict_proba`](Self::predict_proba).
    pub fn predict_proba_array(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        to_array2(with_samples(x, |s| self.predict_proba(s))?)
    }

    /// [`predict_indices`](Self::predict_indices) on an ndarray view: the class index of
    /// every sample.
    ///
    /// # Errors
    /// As [`predict`](Self::predict).
    pub fn predict_indices_array(&self, x: ArrayView2<'_, f64>) -> Result<Array1<usize>> {
        Ok(Array1::from_vec(with_samples(x, |s| {
            self.predict_indices(s)
        })?))
    }
}

impl<C: Ord + Clone + Debug> Classifier<C> {
    /// [`fit`](Self::fit) on an ndarray view of `samples × features` and one label per
    /// sample.
    ///
    /// A row-major view (ndarray's default layout) is read in place: it is, in memory, the
    /// network's `features × samples` column-major layout. A column-major one (`a.t()` of a
    /// row-major `features × samples` array) is read in place too. Any other view — a
    /// column range, a step, a reversed axis — is copied once first. Labels are read in
    /// place when contiguous.
    ///
    /// # Errors
    /// As [`fit`](Self::fit).
    ///
    /// # Examples
    ///
    /// ```
    /// use deepmultinet::estimator::{Classifier, Solver};
    /// use ndarray::{array, s};
    /// let x = array![[0., 0.], [0., 1.], [1., 0.], [1., 1.]]; // rows are samples
    /// let y = array!["off", "on", "on", "off"];
    /// let mut clf = Classifier::builder()
    ///     .hidden(&[8])
    ///     .solver(Solver::Lbfgs)
    ///     .alpha(0.0)
    ///     .seed(3)
    ///     .build()?;
    /// clf.fit_array(x.view(), y.view())?;
    /// assert_eq!(clf.predict_array(x.view())?, y);
    /// assert_eq!(clf.score_array(x.view(), y.view())?, 1.0);
    /// let p = clf.predict_proba_array(x.view())?; // samples × classes
    /// assert_eq!(p.dim(), (4, 2));
    /// // A view that is contiguous in neither order (every other sample) is copied once.
    /// assert_eq!(clf.predict_array(x.slice(s![..;2, ..]))?, array!["off", "on"]);
    /// # Ok::<(), deepmultinet::Error>(())
    /// ```
    pub fn fit_array(
        &mut self,
        x: ArrayView2<'_, f64>,
        labels: ArrayView1<'_, C>,
    ) -> Result<&mut Self> {
        let labels = label_slice(&labels);
        with_samples(x, |s| self.fit(s, &labels).map(|_| ()))?;
        Ok(self)
    }

    /// [`predict`](Self::predict) on an ndarray view: the predicted label of every sample.
    ///
    /// # Errors
    /// As [`predict`](Self::predict).
    pub fn predict_array(&self, x: ArrayView2<'_, f64>) -> Result<Array1<C>> {
        Ok(Array1::from_vec(with_samples(x, |s| self.predict(s))?))
    }

    /// [`score`](Self::score) (accuracy) on an ndarray view and its labels.
    ///
    /// # Errors
    /// As [`score`](Self::score).
    pub fn score_array(&self, x: ArrayView2<'_, f64>, labels: ArrayView1<'_, C>) -> Result<f64> {
        let labels = label_slice(&labels);
        with_samples(x, |s| self.score(s, &labels))
    }
}

#[cfg(test)]
mod tests {
    use super::with_samples;
    use crate::error::Result;
    use ndarray::{Array2, ShapeBuilder, s};

    /// Whether `with_samples` read `x` in place, and its value at (sample 1, feature 2).
    fn read(x: ndarray::ArrayView2<'_, f64>) -> Result<(bool, f64)> {
        let first = x.as_ptr();
        with_samples(x, |s| Ok((s.data_ptr() == first, s.at(1, 2))))
    }

    #[test]
    fn contiguous_views_are_read_in_place_and_others_copied() -> Result<()> {
        let c = Array2::from_shape_fn((4, 3), |(i, j)| (10 * i + j) as f64);
        let f = Array2::from_shape_fn((4, 3).f(), |(i, j)| (10 * i + j) as f64);
        let t = Array2::from_shape_fn((3, 4), |(j, i)| (10 * i + j) as f64);
        assert_eq!(read(c.view())?, (true, 12.0));
        assert_eq!(read(f.view())?, (true, 12.0));
        assert_eq!(read(t.t())?, (true, 12.0));
        // Rows 1.. of a row-major array are still contiguous.
        assert_eq!(read(c.slice(s![1.., ..]))?, (true, 22.0));
        let wide = Array2::from_shape_fn((4, 5), |(i, j)| (10 * i + j) as f64);
        assert_eq!(read(wide.slice(s![.., 1..4]))?, (false, 13.0));
        assert_eq!(read(c.slice(s![..;2, ..]))?, (false, 22.0));
        let mut rev = c.view();
        rev.invert_axis(ndarray::Axis(0));
        assert_eq!(read(rev)?, (false, 22.0));
        Ok(())
    }
}
