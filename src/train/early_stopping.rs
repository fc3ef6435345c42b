//! [`EarlyStopping`]: stop when the monitored value has not improved for `patience` epochs,
//! keeping the best epoch's θ.

use super::config::Monitor;
use super::history::EpochRecord;
use crate::check;
use crate::error::Result;
use crate::loss::OutputLoss;
use crate::network::Network;
use crate::scalar::Scalar;

/// Early stopping with a keeper of the best parameters.
///
/// After every epoch, [`update`](Self::update) reads the monitored value from the epoch's
/// record — the validation cost (or accuracy), or the training cost (or accuracy) without a
/// validation set — and keeps a copy of θ when it improved by more than `min_delta`. It
/// answers `true` once `patience` epochs in a row brought no such improvement;
/// [`restore`](Self::restore) then gives the network the best epoch's θ.
///
/// (scikit-learn's `n_iter_no_change` is `patience`; its `tol` is `min_delta`; its
/// `early_stopping=True` monitors the validation accuracy: [`Monitor::Accuracy`].)
///
/// ```
/// use deepmultinet::train::{EarlyStopping, EpochRecord, Monitor};
/// let rec = |epoch, cost| EpochRecord { epoch, cost, train_accuracy: None,
///     validation_accuracy: None, validation_correct: None, validation_samples: 0,
///     validation_cost: None, grad_norm: None, train_seconds: 0.0, eval_seconds: 0.0 };
/// let mut es = EarlyStopping::new(2, 0.0, Monitor::Cost)?;
/// assert!(!es.update(&rec(1, 0.5), &[1.0f64]));
/// assert!(!es.update(&rec(2, 0.4), &[2.0]));  // better: θ of epoch 2 kept
/// assert!(!es.update(&rec(3, 0.45), &[3.0]));
/// assert!(es.update(&rec(4, 0.41), &[4.0]));  // two epochs without improvement
/// assert_eq!(es.best_epoch(), Some(2));
/// assert_eq!(es.best_params(), Some(&[2.0][..]));
/// # Ok::<(), deepmultinet::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct EarlyStopping<T> {
    patience: usize,
    min_delta: f64,
    monitor: Monitor,
    /// The best monitored value (lower is better) and its epoch.
    best: Option<(f64, usize)>,
    best_params: Vec<T>,
    since_best: usize,
}

impl<T: Scalar> EarlyStopping<T> {
    /// Stops after `patience` (≥ 1) epochs without an improvement of more than `min_delta`
    /// (finite, ≥ 0) in `monitor`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) for `patience == 0` or a
    /// bad `min_delta`.
    pub fn new(patience: usize, min_delta: f64, monitor: Monitor) -> Result<Self> {
        check::at_least_one("patience", patience)?;
        check::non_negative("min_delta", min_delta)?;
        Ok(EarlyStopping {
            patience,
            min_delta,
            monitor,
            best: None,
            best_params: Vec::new(),
            since_best: 0,
        })
    }

    /// The monitored value of an epoch, as a cost (lower is better; accuracies negated).
    fn monitored(&self, r: &EpochRecord) -> f64 {
        match self.monitor {
            Monitor::Cost => r.validation_cost.unwrap_or(r.cost),
            Monitor::Accuracy => r
                .validation_accuracy
                .or(r.train_accuracy)
                .map_or(r.cost, |a| -a),
        }
    }

    /// Takes the epoch's record and its end-of-epoch θ; returns whether patience has run
    /// out (training should stop).
    pub fn update(&mut self, record: &EpochRecord, params: &[T]) -> bool {
        let value = self.monitored(record);
        let improved = match self.best {
            None => true,
            Some((best, _)) => value < best - self.min_delta, // NaN never improves
        };
        if improved {
            self.best = Some((value, record.epoch));
            self.best_params.clear();
            self.best_params.extend_from_slice(params);
            self.since_best = 0;
            false
        } else {
            self.since_best += 1;
            self.since_best >= self.patience
        }
    }

    /// The epoch whose θ is kept (`None` before the first update).
    pub fn best_epoch(&self) -> Option<usize> {
        self.best.map(|(_, e)| e)
    }

    /// The best epoch's θ (`None` before the first update).
    pub fn best_params(&self) -> Option<&[T]> {
        self.best.map(|_| &self.best_params[..])
    }

    /// Gives `net` the best epoch's θ (nothing before the first update).
    ///
    /// # Errors
    /// [`Error::ParamLength`](crate::Error::ParamLength) if the kept θ does not fit `net`.
    pub fn restore<L: OutputLoss<Scalar = T>>(&self, net: &mut Network<L>) -> Result<()> {
        match self.best_params() {
            Some(theta) => net.set_params(theta),
            None => Ok(()),
        }
    }
}
