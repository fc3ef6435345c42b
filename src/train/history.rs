//! What a training run records: one [`EpochRecord`] per epoch, the per-iteration costs of a
//! full-batch minimiser, and why the run stopped.

use crate::optim::StopReason;
use std::fmt;

/// Measurements of one epoch (for full-batch training: of the whole minimisation).
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct EpochRecord {
    /// Epoch number (1-based).
    pub epoch: usize,
    /// Training cost: the mean of the epoch's mini-batch costs, each taken before its step
    /// (scikit-learn's `loss_curve_`); for full-batch training the final cost.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_float"))]
    pub cost: f64,
    /// Training accuracy: for mini-batches, the fraction of samples classified correctly by
    /// the parameters in force when their batch was evaluated (a free by-product of the
    /// forward pass); for full-batch training, the accuracy of the final parameters.
    /// `None` for dense targets.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_float::option"))]
    pub train_accuracy: Option<f64>,
    /// Validation accuracy at the end of the epoch.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_float::option"))]
    pub validation_accuracy: Option<f64>,
    /// Validation samples classified correctly.
    pub validation_correct: Option<usize>,
    /// Number of validation samples (0 without a validation set).
    pub validation_samples: usize,
    /// Validation cost (with the training λ) at the end of the epoch.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_float::option"))]
    pub validation_cost: Option<f64>,
    /// Euclidean norm of the mean of the epoch's mini-batch gradients (for full-batch
    /// training: of the final gradient). Computed only when a gradient tolerance is set or
    /// for full-batch training, since it costs a pass over θ per step.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_float::option"))]
    pub grad_norm: Option<f64>,
    /// Wall time of the training loop (shuffling, gathering, gradients and steps), seconds.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_float"))]
    pub train_seconds: f64,
    /// Wall time of the evaluation after the training loop, seconds.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_float"))]
    pub eval_seconds: f64,
}

impl EpochRecord {
    /// The epoch's whole wall time (training plus evaluation), seconds.
    pub fn seconds(&self) -> f64 {
        self.train_seconds + self.eval_seconds
    }
}

/// Why training stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum TrainStop {
    /// All epochs were run.
    MaxEpochs,
    /// The monitored cost did not improve for `patience` epochs; the best parameters (from
    /// epoch `best_epoch`) were restored.
    EarlyStopping {
        /// The epoch whose parameters were restored.
        best_epoch: usize,
    },
    /// The gradient norm fell to the tolerance.
    GradientTolerance,
    /// The observer asked to stop.
    Observer,
    /// A full-batch minimiser stopped for this reason.
    Minimizer(StopReason),
}

impl fmt::Display for TrainStop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrainStop::MaxEpochs => f.write_str("all epochs were run"),
            TrainStop::EarlyStopping { best_epoch } => write!(
                f,
                "early stopping: no improvement for `patience` epochs (θ of epoch {best_epoch} restored)"
            ),
            TrainStop::GradientTolerance => f.write_str("the gradient norm reached the tolerance"),
            TrainStop::Observer => f.write_str("the observer asked to stop"),
            TrainStop::Minimizer(reason) => write!(f, "the minimiser stopped: {reason}"),
        }
    }
}

/// The record of a training run.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct History {
    /// One record per completed epoch (one for a full-batch run).
    pub epochs: Vec<EpochRecord>,
    /// The cost after each iteration of a full-batch minimiser (empty for mini-batches).
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_float::vec"))]
    pub iteration_costs: Vec<f64>,
    /// Cost of the initial parameters on the first batch (the whole set for full-batch).
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_float"))]
    pub initial_cost: f64,
    /// Optimiser steps (mini-batch) or line searches (full-batch) made.
    pub iterations: usize,
    /// Cost/gradient evaluations made.
    pub evaluations: usize,
    /// The epoch with the best monitored cost, when early stopping is on.
    pub best_epoch: Option<usize>,
    /// Why training stopped.
    pub stop: TrainStop,
}

impl History {
    /// An empty history of a run planned for `epochs` epochs (room for that many records,
    /// up to 65,536; more grow as needed).
    pub fn new(epochs: usize) -> Self {
        History {
            epochs: Vec::with_capacity(epochs.min(1 << 16)),
            iteration_costs: Vec::new(),
            initial_cost: f64::NAN,
            iterations: 0,
            evaluations: 0,
            best_epoch: None,
            stop: TrainStop::MaxEpochs,
        }
    }

    /// The last epoch's record.
    pub fn last(&self) -> Option<&EpochRecord> {
        self.epochs.last()
    }

    /// Median training-loop time of an epoch, seconds (what examples print as
    /// `seconds_per_epoch`).
    ///
    /// ```
    /// # use deepmultinet::train::{EpochRecord, History, TrainStop};
    /// # let rec = |s| EpochRecord { epoch: 1, cost: 0.0, train_accuracy: None,
    /// #     validation_accuracy: None, validation_correct: None, validation_samples: 0,
    /// #     validation_cost: None, grad_norm: None, train_seconds: s, eval_seconds: 9.0 };
    /// let h = History { epochs: vec![rec(3.0), rec(1.0), rec(2.0), rec(10.0)],
    ///     iteration_costs: vec![], initial_cost: 0.0, iterations: 0, evaluations: 0,
    ///     best_epoch: None, stop: TrainStop::MaxEpochs };
    /// assert_eq!(h.median_train_seconds(), Some(2.5));
    /// assert_eq!(h.total_train_seconds(), 16.0);
    /// ```
    pub fn median_train_seconds(&self) -> Option<f64> {
        let mut t: Vec<f64> = self.epochs.iter().map(|e| e.train_seconds).collect();
        if t.is_empty() {
            return None;
        }
        t.sort_by(f64::total_cmp);
        let n = t.len();
        Some(if n % 2 == 1 {
            t[n / 2]
        } else {
            0.5 * (t[n / 2 - 1] + t[n / 2])
        })
    }

    /// Total training-loop time, seconds.
    pub fn total_train_seconds(&self) -> f64 {
        self.epochs.iter().map(|e| e.train_seconds).sum()
    }

    /// Total wall time of all epochs (training and evaluation), seconds.
    pub fn total_seconds(&self) -> f64 {
        self.epochs.iter().map(|e| e.seconds()).sum()
    }
}
