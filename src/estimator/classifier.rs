//! [`Classifier`]: fit on samples × features and labels of any ordered type, then
//! predict classes and probabilities.

use super::fit::{self, Columns, Plan};
use super::labels::LabelEncoder;
use super::model::ClassifierNetwork;
use super::params::{ClassifierBuilder, ClassifierParams};
use super::samples::Samples;
use super::scaler::Scaler;
use super::split;
use crate::error::{Error, Result};
use crate::train::History;
use nalgebra::DMatrix;
use rand::SeedableRng;
use std::fmt::{self, Debug};

/// Samples per forward pass when predicting (bounds the memory of a prediction).
const CHUNK: usize = 2048;

/// A feedforward network classifier in the manner of scikit-learn's `MLPClassifier`: give
/// it samples × features and one label per sample, of any type that is `Ord + Clone +
/// Debug` (`&str`, `String`, `i32`, `u8`, `bool`, your own enum …).
///
/// Fitting learns the classes (sorted, [`classes`](Self::classes)), fits the scaler on the
/// training features, builds the network and trains it; all of it is kept, and saved to one
/// file by [`save`](Self::save). See the [module docs](super) for the defaults.
///
/// # Examples
///
/// ```
/// use deepmultinet::estimator::Classifier;
/// // Two features, three classes: which of three corners a point is near.
/// let corners = [(0.0, 0.0, "left"), (1.0, 0.0, "right"), (0.5, 1.0, "top")];
/// let (mut x, mut y) = (Vec::new(), Vec::new());
/// for i in 0..60 {
///     let (cx, cy, name) = corners[i % 3];
///     let jitter = 0.1 * ((i as f64) * 0.7).sin();
///     x.extend_from_slice(&[cx + jitter, cy - jitter]);
///     y.push(name);
/// }
/// let x = nalgebra::DMatrix::from_row_slice(60, 2, &x); // rows are samples
/// let mut clf = Classifier::builder().hidden(&[16]).seed(1).build()?;
/// clf.fit(&x, &y)?;
/// assert_eq!(clf.classes(), &["left", "right", "top"]);
/// assert_eq!(clf.score(&x, &y)?, 1.0);
/// let p = clf.predict_proba(&x)?;            // samples × classes
/// assert_eq!(p.shape(), (60, 3));
/// assert_eq!(clf.predict(&x)?[..3], ["left", "right", "top"]);
/// # Ok::<(), deepmultinet::Error>(())
/// ```
#[derive(Clone)]
pub struct Classifier<C> {
    params: ClassifierParams,
    fitted: Option<Fitted<C>>,
}

/// What fitting produced.
#[derive(Clone, Debug)]
pub(super) struct Fitted<C> {
    pub(super) encoder: LabelEncoder<C>,
    pub(super) scaler: Scaler,
    pub(super) network: ClassifierNetwork,
    /// `None` for a loaded model.
    pub(super) history: Option<History>,
}

impl<C: Debug> Debug for Classifier<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Classifier");
        d.field("params", &self.params);
        match &self.fitted {
            Some(fit) => d
                .field("classes", &fit.encoder.classes())
                .field("scaling", &fit.scaler.kind())
                .field("sizes", &fit.network.sizes()),
            None => d.field("fitted", &false),
        };
        d.finish()
    }
}

impl<C> Default for Classifier<C> {
    /// An unfitted classifier with the default parameters.
    fn default() -> Self {
        Classifier::with_params(ClassifierParams::default())
    }
}

/// The error of a classifier used before it was fitted.
fn not_fitted() -> Error {
    Error::InvalidConfig(
        "the classifier is not fitted yet: call `fit(&x, &labels)` first (or load a fitted \
         model with `Classifier::load`)"
            .into(),
    )
}

impl<C> Classifier<C> {
    /// Starts the (unchecked) parameters; [`ClassifierBuilder::build`] checks them.
    pub fn builder() -> ClassifierBuilder<C> {
        ClassifierBuilder::default()
    }

    /// An unfitted classifier with validated parameters.
    pub fn with_params(params: ClassifierParams) -> Self {
        Classifier {
            params,
            fitted: None,
        }
    }

    /// The parameters.
    pub fn params(&self) -> &ClassifierParams {
        &self.params
    }

    /// Whether [`fit`](Self::fit) has succeeded (or the model was loaded).
    pub fn is_fitted(&self) -> bool {
        self.fitted.is_some()
    }

    /// The classes, sorted; `predict_proba`'s column `k` is `classes()[k]`. Empty before
    /// fitting.
    pub fn classes(&self) -> &[C] {
        self.fitted.as_ref().map_or(&[], |f| f.encoder.classes())
    }

    /// The label encoder (`None` before fitting).
    pub fn encoder(&self) -> Option<&LabelEncoder<C>> {
        self.fitted.as_ref().map(|f| &f.encoder)
    }

    /// The training run's record, one entry per epoch (scikit-learn's `loss_curve_` is
    /// `history.epochs[..].cost`); `None` before fitting and for a loaded model.
    pub fn history(&self) -> Option<&History> {
        self.fitted.as_ref().and_then(|f| f.history.as_ref())
    }

    /// The fitted feature scaler (`None` before fitting).
    pub fn scaler(&self) -> Option<&Scaler> {
        self.fitted.as_ref().map(|f| &f.scaler)
    }

    /// Number of features seen at fit (`None` before fitting).
    pub fn n_features(&self) -> Option<usize> {
        self.fitted.as_ref().map(|f| f.network.inputs())
    }

    /// The fitted network, whose inputs are the scaled features as columns
    /// ([`transform`](Self::transform)).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] before fitting.
    pub fn network(&self) -> Result<&ClassifierNetwork> {
        self.fitted().map(|f| &f.network)
    }

    pub(super) fn fitted(&self) -> Result<&Fitted<C>> {
        self.fitted.as_ref().ok_or_else(not_fitted)
    }

    #[cfg_attr(not(feature = "safetensors"), allow(dead_code))]
    pub(super) fn from_fitted(params: ClassifierParams, fitted: Fitted<C>) -> Self {
        Classifier {
            params,
            fitted: Some(fitted),
        }
    }

    /// `x` scaled as at fit and laid out as the network takes it: `features × samples`,
    /// one sample per column — for [`inspect`](crate::inspect) and [`plot`](crate::plot)
    /// with [`network`](Self::network).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] before fitting; as [`predict`](Self::predict).
    pub fn transform<'a>(&self, x: impl Into<Samples<'a>>) -> Result<DMatrix<f64>> {
        let fit = self.fitted()?;
        let x = x.into();
        x.check_features(fit.network.inputs(), "Classifier::transform")?;
        fit.scaler.transform_columns(&x, "Classifier::transform")
    }

    /// Runs the network over `x` in chunks, calling `f(sample, outputs)` for every sample.
    fn for_each_output<'a>(
        &self,
        x: impl Into<Samples<'a>>,
        context: &'static str,
        mut f: impl FnMut(&ClassifierNetwork, usize, &[f64]),
    ) -> Result<()> {
        let fit = self.fitted()?;
        let x = x.into();
        let net = &fit.network;
        x.check_features(net.inputs(), context)?;
        let m = x.samples();
        let mut ws = net.workspace(m.min(CHUNK));
        let mut rows = Vec::with_capacity(m.min(CHUNK));
        let mut buf = DMatrix::zeros(0, 0);
        for start in (0..m).step_by(CHUNK) {
            rows.clear();
            rows.extend(start..(start + CHUNK).min(m));
            x.gather(&rows, &mut buf, |j, v| fit.scaler.apply(j, v), context)?;
            let out = net.forward(&mut ws, buf.as_view())?;
            for (j, col) in out.column_iter().enumerate() {
                f(net, start + j, col.as_slice());
            }
        }
        Ok(())
    }

    /// The class index (into [`classes`](Self::classes)) of every sample of `x`.
    ///
    /// # Errors
    /// As [`predict`](Self::predict).
    pub fn predict_indices<'a>(&self, x: impl Into<Samples<'a>>) -> Result<Vec<usize>> {
        let mut pred = Vec::new();
        self.for_each_output(x, "Classifier::predict", |net, _, out| {
            pred.push(net.class_of(out))
        })?;
        Ok(pred)
    }

    /// Class probabilities, `samples × classes` with columns in [`classes`](Self::classes)
    /// order; each row sums to 1.
    ///
    /// # Errors
    /// As [`predict`](Self::predict).
    pub fn predict_proba<'a>(&self, x: impl Into<Samples<'a>>) -> Result<DMatrix<f64>> {
        let x = x.into();
        let k = self.fitted()?.network.classes();
        let mut proba = DMatrix::zeros(x.samples(), k);
        let mut row = vec![0.0; k];
        self.for_each_output(x, "Classifier::predict_proba", |net, i, out| {
            net.probabilities(out, &mut row);
            for (c, &p) in row.iter().enumerate() {
                proba[(i, c)] = p;
            }
        })?;
        Ok(proba)
    }
}

impl<C: Ord + Clone + Debug> Classifier<C> {
    /// Fits the classifier to samples `x` (rows are samples; see [`Samples`]) and one label
    /// per sample: learns the classes, fits the scaler, builds and trains a new network.
    /// On error the classifier keeps what it had before.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if the label count is not the number of rows (with a hint
    /// when the matrix fits transposed); [`Error::EmptyBatch`] for no samples;
    /// [`Error::InvalidData`] for labels of one class only, or an early-stopping split that
    /// leaves no validation sample; [`Error::NonFinite`] for a NaN or ±∞ feature;
    /// [`Error::Diverged`] if training diverged.
    ///
    /// # Examples
    ///
    /// ```
    /// use deepmultinet::estimator::{Classifier, Solver};
    /// let x = nalgebra::DMatrix::from_row_slice(6, 1, &[0., 1., 2., 10., 11., 12.]);
    /// let labels = [7i32, 7, 7, -1, -1, -1];
    /// let mut clf = Classifier::builder().solver(Solver::Lbfgs).build()?;
    /// let acc = clf.fit(&x, &labels)?.score(&x, &labels)?;
    /// assert_eq!(acc, 1.0);
    /// assert_eq!(clf.classes(), &[-1, 7]);
    /// // The shape only fits transposed: the error says so.
    /// let e = clf.fit(&x.transpose(), &labels).unwrap_err();
    /// assert!(e.to_string().contains("x.transpose()"), "{e}");
    /// # Ok::<(), deepmultinet::Error>(())
    /// ```
    pub fn fit<'a>(&mut self, x: impl Into<Samples<'a>>, labels: &[C]) -> Result<&mut Self> {
        const CONTEXT: &str = "Classifier::fit";
        let x = x.into();
        x.check_labels(labels.len(), CONTEXT)?;
        let encoder = LabelEncoder::fit(labels)?;
        let y = encoder.encode(labels)?;
        let scaler = Scaler::fit(self.params.scaling, x)?;
        let p = &self.params;
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(p.seed);
        let all: Vec<usize> = (0..y.len()).collect();
        let (train_rows, val_rows) = if p.early_stopping && p.solver.is_mini_batch() {
            let (t, v) = split::validation(&y, &encoder, p.validation_fraction, &mut rng)?;
            (t, Some(v))
        } else {
            (all, None)
        };
        let columns = |rows: &[usize]| -> Result<(DMatrix<f64>, Vec<usize>)> {
            let mut xc = DMatrix::zeros(x.features(), rows.len());
            x.gather(rows, &mut xc, |j, v| scaler.apply(j, v), CONTEXT)?;
            Ok((xc, rows.iter().map(|&i| y[i]).collect()))
        };
        let (xt, yt) = columns(&train_rows)?;
        drop(train_rows);
        let val = val_rows.as_deref().map(columns).transpose()?;
        let mut plan = Plan {
            params: p,
            classes: encoder.len(),
            rng,
        };
        let (network, history) = fit::train(
            &mut plan,
            Columns {
                x: xt.as_view(),
                y: &yt,
            },
            val.as_ref().map(|(xv, yv)| Columns {
                x: xv.as_view(),
                y: yv,
            }),
        )?;
        self.fitted = Some(Fitted {
            encoder,
            scaler,
            network,
            history: Some(history),
        });
        Ok(self)
    }

    /// The predicted label of every sample of `x` (rows are samples).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] before fitting; [`Error::ShapeMismatch`] for another number
    /// of features than at fit (with a hint when the matrix fits transposed);
    /// [`Error::EmptyBatch`] for no samples; [`Error::NonFinite`] for a NaN or ±∞ feature.
    pub fn predict<'a>(&self, x: impl Into<Samples<'a>>) -> Result<Vec<C>> {
        let fit = self.fitted()?;
        let idx = self.predict_indices(x)?;
        idx.iter()
            .map(|&k| {
                fit.encoder
                    .decode(k)
                    .cloned()
                    .ok_or(Error::IndexOutOfRange {
                        what: "class",
                        index: k,
                        len: fit.encoder.len(),
                    })
            })
            .collect()
    }

    /// The fraction of samples of `x` whose predicted label is `labels`' (accuracy; a label
    /// never seen at fit counts as wrong).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if the label count is not the number of rows; as
    /// [`predict`](Self::predict).
    pub fn score<'a>(&self, x: impl Into<Samples<'a>>, labels: &[C]) -> Result<f64> {
        let x = x.into();
        x.check_labels(labels.len(), "Classifier::score")?;
        let pred = self.predict(x)?;
        let right = pred.iter().zip(labels).filter(|(p, l)| p == l).count();
        Ok(right as f64 / labels.len() as f64)
    }
}
