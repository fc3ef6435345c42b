//! linfa's traits on the estimator (cargo feature `linfa`): [`ClassifierParams`] and
//! [`ClassifierBuilder`] implement [`Fit`](linfa::traits::Fit) on a
//! [`DatasetBase`](linfa::DatasetBase) of `samples × features` records and one label per
//! sample, and the fitted [`Classifier`] implements
//! [`PredictInplace`](linfa::traits::PredictInplace) (so linfa's
//! [`Predict`](linfa::traits::Predict) too). linfa's cross-validation
//! ([`DatasetBase::fold`](linfa::DatasetBase::fold),
//! [`cross_validate`](linfa::DatasetBase::cross_validate)) and metrics
//! ([`ToConfusionMatrix`](linfa::metrics::ToConfusionMatrix)) then work with it.
//!
//! Labels may be of any type the estimator takes (`Ord + Clone + Debug`); linfa's metrics
//! want its [`Label`](linfa::Label) types (`usize`, `String`, `bool`), and its folds want
//! labels that are `Copy` (`usize`, `bool`, `&str`).
//!
//! **linfa's `Predict` cannot fail** (it returns the targets, not a `Result`). Input that
//! [`Classifier::predict`] refuses — a NaN or ±∞ feature, another number of features than
//! at fit, an unfitted classifier — leaves the targets as
//! [`default_target`](linfa::traits::PredictInplace::default_target) made them: every
//! sample the first class (an empty array for an unfitted classifier). Use
//! [`Classifier::predict_array`] where such input can occur: it says what is wrong.
//!
//! # Examples
//!
//! ```
//! use deepmultinet::estimator::Classifier;
//! use linfa::prelude::*;
//! use ndarray::{Array1, Array2};
//!
//! // Two blobs of 20 points each, interleaved (linfa's folds are contiguous chunks).
//! let x = Array2::from_shape_fn((40, 2), |(i, j)| (i % 2) as f64 * 3.0 + (i * (j + 1)) as f64 * 0.01);
//! let y = Array1::from_shape_fn(40, |i| i % 2);
//! let mut ds = Dataset::new(x, y);
//! let params = Classifier::<usize>::builder().hidden(&[8]).seed(1);
//! // Fit and predict, then linfa's metrics.
//! let model = params.fit(&ds)?;
//! // linfa's `predict` by its trait: `model.predict(..)` is the estimator's own.
//! let pred: Array1<usize> = Predict::predict(&model, ds.records());
//! assert_eq!(pred.confusion_matrix(&ds)?.accuracy(), 1.0);
//! // 4-fold cross-validation: the mean accuracy over the folds.
//! let acc = ds.cross_validate_single(4, &[params], |pred, truth| {
//!     Ok(pred.confusion_matrix(truth)?.accuracy())
//! })?;
//! assert_eq!(acc[0], 1.0);
//! # Ok::<(), deepmultinet::Error>(())
//! ```

use super::arrays::with_samples;
use super::classifier::Classifier;
use super::params::{ClassifierBuilder, ClassifierParams};
use crate::error::{Error, Result};
use linfa::dataset::DatasetBase;
use linfa::param_guard::ParamGuard;
use linfa::traits::{Fit, PredictInplace};
use ndarray::{Array1, ArrayBase, Data, Ix1, Ix2};
use std::fmt::Debug;

impl From<linfa::Error> for Error {
    /// linfa's own errors (its datasets and metrics) as [`Error::InvalidData`].
    fn from(e: linfa::Error) -> Self {
        Error::InvalidData(format!("linfa: {e}"))
    }
}

impl<C, D, S> Fit<ArrayBase<D, Ix2>, ArrayBase<S, Ix1>, Error> for ClassifierParams
where
    C: Ord + Clone + Debug,
    D: Data<Elem = f64>,
    S: Data<Elem = C>,
{
    type Object = Classifier<C>;

    /// A new classifier with these parameters, fitted to the dataset's records (rows are
    /// samples) and targets (one label per sample), as [`Classifier::fit`].
    ///
    /// # Errors
    /// As [`Classifier::fit`].
    fn fit(
        &self,
        dataset: &DatasetBase<ArrayBase<D, Ix2>, ArrayBase<S, Ix1>>,
    ) -> Result<Classifier<C>> {
        let mut clf = Classifier::with_params(self.clone());
        clf.fit_array(dataset.records.view(), dataset.targets.view())?;
        Ok(clf)
    }
}

impl<C> ParamGuard for ClassifierBuilder<C> {
    type Checked = ClassifierParams;
    type Error = Error;

    /// Checks every value, as [`ClassifierBuilder::check`].
    fn check_ref(&self) -> Result<&ClassifierParams> {
        self.check_values()?;
        Ok(self.unchecked())
    }

    /// Checks every value, as [`ClassifierBuilder::check`].
    fn check(self) -> Result<ClassifierParams> {
        ClassifierBuilder::check(self)
    }
}

impl<C, D> PredictInplace<ArrayBase<D, Ix2>, Array1<C>> for Classifier<C>
where
    C: Ord + Clone + Debug,
    D: Data<Elem = f64>,
{
    /// The predicted label of every sample (row) of `x` into `y`. linfa's `Predict` cannot
    /// fail: input that [`Classifier::predict`] refuses (a NaN or ±∞ feature, another
    /// number of features than at fit) leaves `y` as it is, as
    /// [`default_target`](Self::default_target) made it — use
    /// [`Classifier::predict_array`] where such input can occur.
    fn predict_inplace(&self, x: &ArrayBase<D, Ix2>, y: &mut Array1<C>) {
        if let Ok(pred) = with_samples(x.view(), |s| self.predict(s))
            && pred.len() == y.len()
        {
            for (t, p) in y.iter_mut().zip(pred) {
                *t = p;
            }
        }
    }

    /// One target per sample of `x`: the first class (empty if the classifier is not
    /// fitted).
    fn default_target(&self, x: &ArrayBase<D, Ix2>) -> Array1<C> {
        match self.classes().first() {
            Some(c) => Array1::from_elem(x.nrows(), c.clone()),
            None => Array1::from_vec(Vec::new()),
        }
    }
}
