//! The training loop: epochs of shuffled mini-batches with a [`StepOptimizer`], or a
//! full-batch [`Minimizer`] (CG, L-BFGS), with validation, early stopping, a gradient-norm
//! tolerance, a divergence guard, a [`History`] and progress through an [`Observer`].
//!
//! **Mini-batch training** ([`Trainer::fit`]): each epoch reshuffles the sample order with the
//! caller's RNG (Fisher–Yates, `rand`'s `shuffle`), cuts it into batches of `batch_size`
//! (the last may be smaller), gathers each batch's columns into a preallocated
//! [`BatchBuffer`](crate::data::BatchBuffer), computes cost and gradient in one backprop pass
//! and takes one optimiser step. Nothing is allocated per step. The epoch's training time
//! covers exactly this loop; evaluation (validation accuracy and cost) is timed separately.
//!
//! **The loop is open**: `fit` is a short loop over public pieces that a custom loop can use
//! directly — [`EpochRunner`] (one epoch of steps), [`evaluate`], [`EarlyStopping`] (keeps
//! the best θ), [`DivergenceGuard`] (keeps the last good θ) and [`WeightAverage`]. An
//! [`Observer`] sees θ at every epoch's end (`Event::EpochFinished { params, .. }`); see
//! [`EpochRunner`] for a custom loop.
//!
//! **Divergence guard**: a mini-batch cost that is not finite or exceeds
//! `divergence_factor × max(first cost, 1)`, or parameters that are not finite at the end of
//! an epoch, stop training with [`Error::Diverged`]; the network is given back the **last
//! good θ** — the parameters at the end of the last completed epoch (the initial parameters
//! if the first epoch diverged).
//!
//! **Early stopping** (`patience = Some(p)`): the [`Monitor`]ed value is the validation cost
//! (or accuracy), or the training cost (or accuracy) without a validation set; after `p`
//! epochs without an improvement of more than `min_delta`, training stops. With early stopping on, the network always ends
//! with the best epoch's θ.
//!
//! **Reproducibility**: the same seed, data, configuration and build give bit-identical θ
//! (the only randomness is the caller's RNG and, with dropout, the [`Dropout`]'s seed, whose
//! masks are a function of the step, layer, sample and unit; every reduction runs in a
//! fixed order).
//!
//! **Dropout** ([`Trainer::with_dropout`], [`EpochRunner::with_dropout`]): hidden units are
//! dropped in the training steps only, with inverted scaling; validation, `evaluate` and
//! the network's `forward`, `predict` and `cost` see the whole network.
//!
//! # Examples
//!
//! ```
//! use deepmultinet::prelude::*;
//! use deepmultinet::optim::{Sgd, SgdConfig};
//! use deepmultinet::train::{TrainConfig, Trainer};
//! use rand::SeedableRng;
//!
//! let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
//! let mut net = Network::builder(2)
//!     .hidden(8, Tanh)
//!     .output(2, SoftmaxCrossEntropy::<f64>::new())
//!     .init(Init::Glorot)
//!     .build(&mut rng)?;
//! let x = nalgebra::DMatrix::from_column_slice(2, 4, &[0., 0., 0., 1., 1., 0., 1., 1.]);
//! let y = [0usize, 1, 1, 0];
//! let mut sgd = Sgd::new(SgdConfig { learning_rate: 0.5, momentum: 0.9, ..Default::default() })?;
//! let config = TrainConfig { epochs: 300, batch_size: 2, ..Default::default() };
//! let history = Trainer::new(config)?
//!     .with_validation(&x, &y)?
//!     .fit(&mut net, &mut sgd, &x, &y, &mut rng, &mut ())?;
//! assert_eq!(history.last().unwrap().validation_accuracy, Some(1.0));
//! # Ok::<(), deepmultinet::Error>(())
//! ```

mod averaging;
mod config;
mod early_stopping;
mod epoch;
mod evaluate;
mod event;
mod guard;
mod history;
mod history_io;
mod progress;

pub use averaging::WeightAverage;
pub use config::{Monitor, TrainConfig};
pub use early_stopping::EarlyStopping;
pub use epoch::{EpochRunner, EpochSummary};
pub use evaluate::{Evaluation, evaluate};
pub use event::{Event, Observer};
pub use guard::DivergenceGuard;
pub use history::{EpochRecord, History, TrainStop};
pub use progress::{BarProgress, PrintProgress};

use crate::data::Inputs;
use crate::error::{Divergence, Error, Result};
use crate::loss::OutputLoss;
use crate::network::{Dropout, Network, NetworkObjective};
use crate::optim::{Iteration, IterationObserver, Minimizer, StepOptimizer};
use crate::scalar::Scalar;
use crate::targets::Targets;
use nalgebra::DMatrixView;
use rand::Rng;
use std::ops::ControlFlow;
use std::time::Instant;

/// Trains networks with a validated [`TrainConfig`] and an optional validation set.
#[derive(Clone, Debug)]
pub struct Trainer<'v, T: Scalar> {
    config: TrainConfig,
    validation: Option<(DMatrixView<'v, T>, &'v [usize])>,
    dropout: Option<Dropout>,
}

/// Mini-batch training without validation or observer: `Trainer::new(*config)?.fit(...)`.
///
/// # Errors
/// As [`Trainer::new`] and [`Trainer::fit`].
///
/// # Examples
///
/// ```
/// use deepmultinet::prelude::*;
/// use deepmultinet::optim::{Adam, AdamConfig};
/// use rand::SeedableRng;
/// let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(2);
/// let mut net = Network::builder(1).hidden(4, Tanh)
///     .output(2, SoftmaxCrossEntropy::<f64>::new()).init(Init::Glorot).build(&mut rng)?;
/// let x = nalgebra::DMatrix::from_row_slice(1, 6, &[-3., -2., -1., 1., 2., 3.]);
/// let y = [0usize, 0, 0, 1, 1, 1];
/// let mut adam = Adam::new(AdamConfig { learning_rate: 0.05, ..Default::default() })?;
/// let config = TrainConfig { epochs: 100, batch_size: 3, ..Default::default() };
/// let history = deepmultinet::train::fit(&mut net, &mut adam, &x, &y, &config, &mut rng)?;
/// assert_eq!(history.epochs.len(), 100);
/// assert_eq!(net.predict(&x)?, y);
/// # Ok::<(), deepmultinet::Error>(())
/// ```
pub fn fit<'d, L, O, R>(
    net: &mut Network<L>,
    optimizer: &mut O,
    x: impl Into<Inputs<'d, L::Scalar>>,
    y: impl Into<Targets<'d, L::Scalar>>,
    config: &TrainConfig,
    rng: &mut R,
) -> Result<History>
where
    L: OutputLoss,
    O: StepOptimizer<L::Scalar> + ?Sized,
    R: Rng + ?Sized,
{
    Trainer::new(*config)?.fit(net, optimizer, x, y, rng, &mut ())
}

/// Passes a minimiser's iterations on as events, and breaks when its gradient reaches the
/// tolerance.
struct GradTol<'o, T: Scalar> {
    inner: &'o mut dyn Observer<T>,
    tol: f64,
    hit: bool,
}

impl<T: Scalar> IterationObserver<T> for GradTol<'_, T> {
    fn on_iteration(&mut self, it: &Iteration<'_, T>) -> ControlFlow<()> {
        self.inner.on_event(&Event::Iteration(*it))?;
        if self.tol > 0.0 && it.grad_norm <= self.tol {
            self.hit = true;
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }
}

impl<'v, T: Scalar> Trainer<'v, T> {
    /// A trainer with a validated configuration.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] as [`TrainConfig::check`].
    pub fn new(config: TrainConfig) -> Result<Self> {
        config.check()?;
        Ok(Trainer {
            config,
            validation: None,
            dropout: None,
        })
    }

    /// Mini-batch training ([`fit`](Self::fit)) drops hidden units with `dropout` in every
    /// step (see [`EpochRunner::with_dropout`]); validation and the network's predictions
    /// never do. Full-batch training ignores it.
    ///
    /// ```
    /// use deepmultinet::prelude::*;
    /// use deepmultinet::network::Dropout;
    /// use deepmultinet::optim::{Adam, AdamConfig};
    /// use rand::SeedableRng;
    /// let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(2);
    /// let mut net = Network::builder(1).hidden(16, Relu)
    ///     .output(2, SoftmaxCrossEntropy::<f64>::new()).init(Init::He).build(&mut rng)?;
    /// let x = nalgebra::DMatrix::from_row_slice(1, 6, &[-3., -2., -1., 1., 2., 3.]);
    /// let y = [0usize, 0, 0, 1, 1, 1];
    /// let mut adam = Adam::new(AdamConfig { learning_rate: 0.05, ..Default::default() })?;
    /// let config = TrainConfig { epochs: 100, batch_size: 3, ..Default::default() };
    /// Trainer::new(config)?
    ///     .with_dropout(Dropout::new(&[0.2], 7)?)
    ///     .fit(&mut net, &mut adam, &x, &y, &mut rng, &mut ())?;
    /// assert_eq!(net.predict(&x)?, y);
    /// # Ok::<(), deepmultinet::Error>(())
    /// ```
    pub fn with_dropout(mut self, dropout: Dropout) -> Self {
        self.dropout = Some(dropout);
        self
    }

    /// Evaluates accuracy and cost on `x` (`inputs × m_v`) with `labels` after every epoch.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if the label count differs from the columns;
    /// [`Error::EmptyBatch`] for an empty set.
    pub fn with_validation(
        mut self,
        x: impl Into<DMatrixView<'v, T>>,
        labels: &'v [usize],
    ) -> Result<Self> {
        let x = x.into();
        if x.ncols() == 0 {
            return Err(Error::EmptyBatch {
                context: "validation set",
            });
        }
        if labels.len() != x.ncols() {
            return Err(Error::shape(
                "validation labels (columns)",
                x.ncols(),
                labels.len(),
            ));
        }
        self.validation = Some((x, labels));
        Ok(self)
    }

    /// The configuration.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    fn check_validation<L: OutputLoss<Scalar = T>>(&self, net: &Network<L>) -> Result<()> {
        match &self.validation {
            Some((xv, lv)) => epoch::check_data(net, xv, &Targets::Labels(lv), "validation"),
            None => Ok(()),
        }
    }

    /// The epoch's record: the summary plus validation (timed as evaluation).
    fn record<L: OutputLoss<Scalar = T>>(
        &self,
        net: &Network<L>,
        ws: &mut crate::network::Workspace<T>,
        summary: &EpochSummary,
    ) -> Result<EpochRecord> {
        let t1 = Instant::now();
        let validation = match &self.validation {
            Some((xv, lv)) => Some(evaluate(net, ws, *xv, *lv, T::of(self.config.lambda))?),
            None => None,
        };
        let mut record = summary.record(validation.as_ref());
        record.eval_seconds = t1.elapsed().as_secs_f64();
        Ok(record)
    }

    /// Mini-batch training of `net` on samples `x` (`inputs × m`, columns) with targets `y`,
    /// taking steps with `optimizer`, shuffling with `rng`, reporting to `observer` (`&mut ()`
    /// for none). See the module docs for the loop, the guard and early stopping.
    ///
    /// # Errors
    /// [`Error::Diverged`] (θ restored to the last good epoch's); shape, label and
    /// configuration errors of the data before anything is changed.
    pub fn fit<'d, L, O, R>(
        &self,
        net: &mut Network<L>,
        optimizer: &mut O,
        x: impl Into<Inputs<'d, T>>,
        y: impl Into<Targets<'d, T>>,
        rng: &mut R,
        observer: &mut dyn Observer<T>,
    ) -> Result<History>
    where
        L: OutputLoss<Scalar = T>,
        O: StepOptimizer<T> + ?Sized,
        R: Rng + ?Sized,
    {
        let c = self.config;
        let mut runner = EpochRunner::new(net, x, y, &c)?;
        if let Some(d) = &self.dropout {
            runner = runner.with_dropout(d.clone())?;
        }
        self.check_validation(net)?;
        let mut guard = DivergenceGuard::new(c.divergence_factor, net.params())?;
        let mut early = c
            .patience
            .map(|p| EarlyStopping::new(p, c.min_delta, c.monitor))
            .transpose()?;
        let mut eval_ws = net.workspace(1);
        let mut history = History::new(c.epochs);
        let _ = observer.on_event(&Event::TrainingStarted {
            epochs: c.epochs,
            batches_per_epoch: runner.batches_per_epoch(),
            samples: runner.samples(),
        });
        for _ in 0..c.epochs {
            let ran = runner.run_epoch(net, optimizer, rng, &mut guard, observer);
            history.iterations = runner.steps();
            history.evaluations = runner.evaluations();
            history.initial_cost = guard.initial_cost().unwrap_or(f64::NAN);
            let summary = match ran {
                Ok(s) => s,
                Err(e) => {
                    let _ = observer.on_event(&Event::TrainingFinished(&history));
                    return Err(e);
                }
            };
            let record = self.record(net, &mut eval_ws, &summary)?;
            let event = Event::EpochFinished {
                record: &record,
                params: net.params(),
                layout: net.layout(),
            };
            let mut stop_now = summary.stopped | observer.on_event(&event).is_break();
            if stop_now {
                history.stop = TrainStop::Observer;
            }
            let patience_out = early
                .as_mut()
                .is_some_and(|es| es.update(&record, net.params()));
            history.epochs.push(record);
            if patience_out && !stop_now {
                history.stop = TrainStop::EarlyStopping {
                    best_epoch: early.as_ref().and_then(|e| e.best_epoch()).unwrap_or(0),
                };
                stop_now = true;
            }
            if !stop_now && summary.grad_norm.is_some_and(|g| g <= c.grad_tol) {
                history.stop = TrainStop::GradientTolerance;
                stop_now = true;
            }
            if stop_now {
                break;
            }
        }
        if let Some(es) = &early {
            es.restore(net)?;
            history.best_epoch = es.best_epoch();
        }
        let _ = observer.on_event(&Event::TrainingFinished(&history));
        Ok(history)
    }

    /// Full-batch training: `minimizer` (CG, L-BFGS) minimises the cost on all of `x`/`y`
    /// with λ from the configuration, then the network gets the final θ. The history has
    /// one [`EpochRecord`] (final cost, training and validation accuracy, the run's time in
    /// `train_seconds`) and the cost after every iteration in `iteration_costs`.
    /// `epochs`, `batch_size`, `shuffle` and `patience` do not apply; `grad_tol` does.
    ///
    /// # Errors
    /// [`Error::Diverged`] if the cost is not finite or θ ran away (beyond
    /// `divergence_factor × max(max |θ₀ᵢ|, 1)`; θ is left as it was); shape, label and
    /// configuration errors of the data.
    pub fn fit_full_batch<'d, L, M>(
        &self,
        net: &mut Network<L>,
        minimizer: &mut M,
        x: impl Into<DMatrixView<'d, T>>,
        y: impl Into<Targets<'d, T>>,
        observer: &mut dyn Observer<T>,
    ) -> Result<History>
    where
        L: OutputLoss<Scalar = T>,
        M: Minimizer<T> + ?Sized,
    {
        let (x, y) = (x.into(), y.into());
        epoch::check_data(net, &x, &y, "training")?;
        self.check_validation(net)?;
        let lambda = T::of(self.config.lambda);
        let t0 = Instant::now();
        let mut theta = net.params().to_vec();
        let mut guard = GradTol {
            inner: observer,
            tol: self.config.grad_tol,
            hit: false,
        };
        let report = {
            let mut objective = NetworkObjective::new(net, x, y, lambda)?;
            minimizer.minimize(&mut objective, &mut theta, &mut guard)?
        };
        let train_seconds = t0.elapsed().as_secs_f64();
        let observer = guard.inner;
        let bounds = DivergenceGuard::new(self.config.divergence_factor, net.params())?;
        let why = if report.cost.is_finite() {
            bounds.check_params(&theta).err()
        } else {
            Some(Divergence::Cost)
        };
        if let Some(why) = why {
            return Err(Error::Diverged {
                epoch: report.iterations,
                cost: report.cost,
                why,
            });
        }
        net.set_params(&theta)?;

        let t1 = Instant::now();
        let mut ws = net.workspace(1);
        let train = evaluate(net, &mut ws, x, y, lambda)?;
        let summary = EpochSummary {
            epoch: 1,
            cost: report.cost,
            train_accuracy: train.accuracy(),
            grad_norm: Some(report.grad_norm),
            steps: report.iterations,
            train_seconds,
            stopped: false,
        };
        let mut record = self.record(net, &mut ws, &summary)?;
        record.eval_seconds = t1.elapsed().as_secs_f64();
        let _ = observer.on_event(&Event::EpochFinished {
            record: &record,
            params: net.params(),
            layout: net.layout(),
        });
        let history = History {
            epochs: vec![record],
            iteration_costs: report.costs,
            initial_cost: report.initial_cost,
            iterations: report.iterations,
            evaluations: report.evaluations,
            best_epoch: None,
            stop: if guard.hit {
                TrainStop::GradientTolerance
            } else {
                TrainStop::Minimizer(report.stop)
            },
        };
        let _ = observer.on_event(&Event::TrainingFinished(&history));
        Ok(history)
    }
}
