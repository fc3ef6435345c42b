//! [`TrainConfig`]: the settings of a training run, checked once by [`TrainConfig::check`].

use crate::check;
use crate::error::Result;

/// Settings of a training run (unchecked; [`Trainer::new`](super::Trainer::new) and
/// [`EpochRunner::new`](super::EpochRunner::new) validate them).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct TrainConfig {
    /// Epochs to run at most (default 10; ignored by full-batch training).
    pub epochs: usize,
    /// Samples per mini-batch (default 32; capped at the number of samples).
    pub batch_size: usize,
    /// L2 strength λ of the cost (default 0).
    pub lambda: f64,
    /// Reshuffle the samples every epoch (default true).
    pub shuffle: bool,
    /// Early stopping: epochs without improvement before stopping (default `None`: off).
    pub patience: Option<usize>,
    /// What early stopping watches (default [`Monitor::Cost`]).
    pub monitor: Monitor,
    /// Smallest improvement of the monitored value that counts (default 0).
    pub min_delta: f64,
    /// Stop when the gradient norm is at most this (default 0: never). For mini-batches the
    /// norm of the epoch's mean mini-batch gradient; for full-batch the exact gradient.
    pub grad_tol: f64,
    /// A mini-batch cost above `divergence_factor × max(first cost, 1)` counts as divergence
    /// (default 1e6).
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_float"))]
    pub divergence_factor: f64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            epochs: 10,
            batch_size: 32,
            lambda: 0.0,
            shuffle: true,
            patience: None,
            monitor: Monitor::Cost,
            min_delta: 0.0,
            grad_tol: 0.0,
            divergence_factor: 1e6,
        }
    }
}

impl TrainConfig {
    /// Checks every value.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) naming the first bad
    /// value: `epochs == 0`, `batch_size == 0`, a negative or non-finite `lambda`,
    /// `min_delta` or `grad_tol`, `patience == Some(0)`, or a `divergence_factor` that is
    /// not > 1.
    ///
    /// ```
    /// use deepmultinet::train::TrainConfig;
    /// let bad = TrainConfig { lambda: -1.0, ..Default::default() };
    /// assert!(matches!(
    ///     bad.check(),
    ///     Err(deepmultinet::Error::InvalidParameter { name: "lambda", .. })
    /// ));
    /// ```
    pub fn check(&self) -> Result<()> {
        check::at_least_one("epochs", self.epochs)?;
        check::at_least_one("batch_size", self.batch_size)?;
        check::non_negative("lambda", self.lambda)?;
        if let Some(p) = self.patience {
            check::at_least_one("patience", p)?;
        }
        check::non_negative("min_delta", self.min_delta)?;
        check::non_negative("grad_tol", self.grad_tol)?;
        check::above_one("divergence_factor", self.divergence_factor)
    }
}

/// The value early stopping watches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Monitor {
    /// The validation cost (lower is better), or the training cost without a validation set.
    #[default]
    Cost,
    /// The validation accuracy (higher is better; scikit-learn's choice), or the training
    /// accuracy without a validation set (the cost for dense targets). Cross-entropy often
    /// keeps rising on held-out data (over-confidence) while accuracy still improves.
    Accuracy,
}
