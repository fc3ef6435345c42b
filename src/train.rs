//! The training loop: epochs of shuffled mini-batches with a [`StepOptimizer`], or a
//! full-batch [`Minimizer`] (CG, L-BFGS), with validation, early stopping, a gradient-norm
//! tolerance, a divergence guard, a [`History`] and progress through an [`Observer`].
//!
//! **Mini-batch training** ([`Trainer::fit`]): each epoch reshuffles the sample order with the
//! caller's RNG (Fisher–Yates, `rand`'s `shuffle`), cuts it into batches of `batch_size`
//! (the last may be smaller), gathers each batch's columns into a preallocated
//! [`BatchBuffer`], computes cost and gradient in one backprop pass and takes one optimiser
//! step. Nothing is allocated per step. The epoch's training time covers exactly this loop;
//! evaluation (validation accuracy and cost) is timed separately.
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
//! (the only randomness is the caller's RNG; every reduction runs in a fixed order).
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

// `!(x > 0.0)` rejects NaN along with the bad values: deliberate throughout.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

mod batch;
mod history;
mod progress;

pub use batch::BatchBuffer;
pub use history::{EpochRecord, History, TrainStop};
pub use progress::{BarProgress, PrintProgress, epoch_line, iteration_line};

use crate::error::{Error, Result};
use crate::loss::OutputLoss;
use crate::network::Network;
use crate::observer::{Event, Observer};
use crate::optim::vecops::{all_finite, norm};
use crate::optim::{Minimizer, NetworkObjective, StepOptimizer};
use crate::scalar::Scalar;
use crate::targets::Targets;
use crate::workspace::{Workspace, view};
use nalgebra::DMatrixView;
use rand::Rng;
use rand::seq::SliceRandom;
use std::ops::ControlFlow;
use std::time::Instant;

/// Settings of a training run (unchecked; [`Trainer::new`] validates them).
#[derive(Clone, Copy, Debug, PartialEq)]
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
    /// [`Error::InvalidConfig`] for `epochs == 0`, `batch_size == 0`, a negative or
    /// non-finite λ, `min_delta` or `grad_tol`, `patience == Some(0)`, or a
    /// `divergence_factor` that is not > 1.
    pub fn check(&self) -> Result<()> {
        let bad = |what: String| Err(Error::InvalidConfig(format!("training: {what}")));
        if self.epochs == 0 {
            return bad("epochs must be at least 1".into());
        }
        if self.batch_size == 0 {
            return bad("batch size must be at least 1".into());
        }
        if !(self.lambda >= 0.0 && self.lambda.is_finite()) {
            return bad(format!("λ must be finite and ≥ 0, found {}", self.lambda));
        }
        if self.patience == Some(0) {
            return bad("patience must be at least 1".into());
        }
        if !(self.min_delta >= 0.0 && self.min_delta.is_finite()) {
            return bad(format!(
                "min_delta must be finite and ≥ 0, found {}",
                self.min_delta
            ));
        }
        if !(self.grad_tol >= 0.0 && self.grad_tol.is_finite()) {
            return bad(format!(
                "grad_tol must be finite and ≥ 0, found {}",
                self.grad_tol
            ));
        }
        if !(self.divergence_factor > 1.0) {
            return bad(format!(
                "divergence_factor must be > 1, found {}",
                self.divergence_factor
            ));
        }
        Ok(())
    }
}

/// The value early stopping watches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Monitor {
    /// The validation cost (lower is better), or the training cost without a validation set.
    #[default]
    Cost,
    /// The validation accuracy (higher is better; scikit-learn's choice), or the training
    /// accuracy without a validation set (the cost for dense targets). Cross-entropy often
    /// keeps rising on held-out data (over-confidence) while accuracy still improves.
    Accuracy,
}

/// Trains networks with a validated [`TrainConfig`] and an optional validation set.
#[derive(Clone, Debug)]
pub struct Trainer<'v, T: Scalar> {
    config: TrainConfig,
    validation: Option<(DMatrixView<'v, T>, &'v [usize])>,
}

/// Mini-batch training without validation or observer: `Trainer::new(*config)?.fit(...)`.
///
/// # Errors
/// As [`Trainer::new`] and [`Trainer::fit`].
pub fn fit<'d, L, O, R>(
    net: &mut Network<L>,
    optimizer: &mut O,
    x: impl Into<DMatrixView<'d, L::Scalar>>,
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

/// Passes events on, and breaks when a full-batch minimiser's gradient reaches the tolerance.
struct GradTol<'o> {
    inner: &'o mut dyn Observer,
    tol: f64,
    hit: bool,
}

impl Observer for GradTol<'_> {
    fn on_event(&mut self, event: &Event<'_>) -> ControlFlow<()> {
        self.inner.on_event(event)?;
        if let Event::Iteration { grad_norm, .. } = event
            && self.tol > 0.0
            && *grad_norm <= self.tol
        {
            self.hit = true;
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }
}

/// Correct predictions and cost of a data set, in one forward pass over chunks.
struct Evaluation {
    correct: Option<usize>,
    cost: f64,
}

const EVAL_CHUNK: usize = 2048;

fn evaluate<L: OutputLoss>(
    net: &Network<L>,
    ws: &mut Workspace<L::Scalar>,
    x: &DMatrixView<'_, L::Scalar>,
    y: &Targets<'_, L::Scalar>,
    lambda: L::Scalar,
) -> Evaluation {
    let m = x.ncols();
    let nl = net.num_layers();
    let k = net.outputs();
    let mut total = L::Scalar::zero();
    let mut correct = 0usize;
    for start in (0..m).step_by(EVAL_CHUNK) {
        let end = (start + EVAL_CHUNK).min(m);
        let mc = end - start;
        net.forward_raw(net.params(), &x.columns_range(start..end), ws);
        let lb = &ws.layers[nl - 1];
        let (z, a) = (view(&lb.z, k, mc), view(&lb.a, k, mc));
        let yc = y.columns(start..end);
        total += net.head().cost(z, a, &yc);
        if let Targets::Labels(l) = yc {
            correct += count_correct(a, l);
        }
    }
    let mut reg = 0.0;
    for l in 0..nl {
        reg += net
            .layout()
            .weights(net.params(), l)
            .norm_squared()
            .as_f64();
    }
    let inv_m = 1.0 / m as f64;
    Evaluation {
        correct: matches!(y, Targets::Labels(_)).then_some(correct),
        cost: total.as_f64() * inv_m + 0.5 * lambda.as_f64() * inv_m * reg,
    }
}

/// The running training accuracy of an epoch (`None` for dense targets).
fn history_train_accuracy<T: Scalar>(
    buf: &BatchBuffer<T>,
    correct: usize,
    seen: usize,
) -> Option<f64> {
    buf.labels().map(|_| correct as f64 / seen.max(1) as f64)
}

/// Columns of `a` whose largest entry is at the row of the label.
fn count_correct<T: Scalar>(a: DMatrixView<'_, T>, labels: &[usize]) -> usize {
    a.column_iter()
        .zip(labels)
        .filter(|(col, label)| crate::propagate::argmax(col.as_slice()) == **label)
        .count()
}

use num_traits::Zero;

impl<'v, T: Scalar> Trainer<'v, T> {
    /// A trainer with a validated configuration.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] as [`TrainConfig::check`].
    pub fn new(config: TrainConfig) -> Result<Self> {
        config.check()?;
        Ok(Trainer {
            config,
            validation: None,
        })
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

    fn check_data<L: OutputLoss<Scalar = T>>(
        &self,
        net: &Network<L>,
        x: &DMatrixView<'_, T>,
        y: &Targets<'_, T>,
    ) -> Result<()> {
        if x.nrows() != net.inputs() {
            return Err(Error::shape(
                "training data rows (network inputs)",
                net.inputs(),
                x.nrows(),
            ));
        }
        if x.ncols() == 0 {
            return Err(Error::EmptyBatch {
                context: "training set",
            });
        }
        y.check(net.outputs(), x.ncols())?;
        if let Some((xv, lv)) = &self.validation {
            if xv.nrows() != net.inputs() {
                return Err(Error::shape(
                    "validation data rows (network inputs)",
                    net.inputs(),
                    xv.nrows(),
                ));
            }
            Targets::<T>::Labels(lv).check(net.outputs(), xv.ncols())?;
        }
        Ok(())
    }

    /// Validation accuracy, correct count and cost (or `None`s).
    fn validate<L: OutputLoss<Scalar = T>>(
        &self,
        net: &Network<L>,
        ws: &mut Workspace<T>,
    ) -> (Option<f64>, Option<usize>, usize, Option<f64>) {
        match &self.validation {
            Some((xv, lv)) => {
                let e = evaluate(net, ws, xv, &Targets::Labels(lv), T::of(self.config.lambda));
                let c = e.correct.unwrap_or(0);
                (
                    Some(c as f64 / lv.len() as f64),
                    Some(c),
                    lv.len(),
                    Some(e.cost),
                )
            }
            None => (None, None, 0, None),
        }
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
        x: impl Into<DMatrixView<'d, T>>,
        y: impl Into<Targets<'d, T>>,
        rng: &mut R,
        observer: &mut dyn Observer,
    ) -> Result<History>
    where
        L: OutputLoss<Scalar = T>,
        O: StepOptimizer<T> + ?Sized,
        R: Rng + ?Sized,
    {
        let (x, y) = (x.into(), y.into());
        self.check_data(net, &x, &y)?;
        let c = self.config;
        let lambda = T::of(c.lambda);
        let m = x.ncols();
        let bs = c.batch_size.min(m);
        let batches = m.div_ceil(bs);
        let n = net.num_params();
        let k = net.outputs();
        let track_grad = c.grad_tol > 0.0;

        let mut order: Vec<usize> = (0..m).collect();
        let mut buf = BatchBuffer::new(net.inputs(), k, bs, &y);
        let mut ws = net.workspace(bs);
        let mut eval_ws = net.workspace(1);
        let mut grad = vec![T::zero(); n];
        let mut grad_sum = vec![T::zero(); if track_grad { n } else { 0 }];
        let mut last_good = net.params().to_vec();
        let mut best: Option<(f64, usize, Vec<T>)> = None;
        let mut since_best = 0usize;
        let mut history = History {
            epochs: Vec::with_capacity(c.epochs.min(1 << 16)),
            iteration_costs: Vec::new(),
            initial_cost: f64::NAN,
            iterations: 0,
            evaluations: 0,
            best_epoch: None,
            stop: TrainStop::MaxEpochs,
        };
        let mut limit = f64::INFINITY;

        let _ = observer.on_event(&Event::TrainingStarted {
            epochs: c.epochs,
            batches_per_epoch: batches,
            samples: m,
        });
        for epoch in 1..=c.epochs {
            let t0 = Instant::now();
            if c.shuffle {
                order.shuffle(rng);
            }
            let mut cost_sum = 0.0;
            let mut correct = 0usize;
            let mut seen = 0usize;
            let mut steps = 0usize;
            grad_sum.fill(T::zero());
            let mut stop_now = false;
            for (b, idx) in order.chunks(bs).enumerate() {
                buf.gather(&x, &y, idx)?;
                let cost = net
                    .cost_grad(&mut ws, buf.x(), buf.targets(), lambda, &mut grad)?
                    .as_f64();
                history.evaluations += 1;
                if history.iterations == 0 && cost.is_finite() {
                    history.initial_cost = cost;
                    limit = c.divergence_factor * cost.max(1.0);
                }
                if !cost.is_finite() || cost > limit {
                    return self.diverged(net, &last_good, &history, observer, epoch, cost);
                }
                cost_sum += cost * idx.len() as f64;
                seen += idx.len();
                if let Some(labels) = buf.labels() {
                    // The batch may have been split across threads: visit every part.
                    ws.visit_outputs(|start, a| {
                        correct += count_correct(a, &labels[start..start + a.ncols()]);
                    });
                }
                if track_grad {
                    for (s, &g) in grad_sum.iter_mut().zip(&grad) {
                        *s += g;
                    }
                }
                optimizer.step(net.params_mut(), &grad)?;
                history.iterations += 1;
                steps += 1;
                let event = Event::BatchFinished {
                    epoch,
                    batch: b + 1,
                    batches,
                    cost,
                };
                if observer.on_event(&event).is_break() {
                    stop_now = true;
                    break;
                }
            }
            let train_seconds = t0.elapsed().as_secs_f64();
            let mean_cost = cost_sum / seen.max(1) as f64;
            if !all_finite(net.params()) {
                return self.diverged(net, &last_good, &history, observer, epoch, f64::NAN);
            }

            let t1 = Instant::now();
            let (validation_accuracy, validation_correct, validation_samples, validation_cost) =
                self.validate(net, &mut eval_ws);
            let grad_norm = track_grad.then(|| norm(&grad_sum) / steps.max(1) as f64);
            let record = EpochRecord {
                epoch,
                cost: mean_cost,
                train_accuracy: history_train_accuracy(&buf, correct, seen),
                validation_accuracy,
                validation_correct,
                validation_samples,
                validation_cost,
                grad_norm,
                train_seconds,
                eval_seconds: t1.elapsed().as_secs_f64(),
            };
            last_good.copy_from_slice(net.params());
            if observer.on_event(&Event::EpochFinished(&record)).is_break() {
                stop_now = true;
            }
            history.epochs.push(record);
            if stop_now {
                history.stop = TrainStop::Observer;
            }

            if let Some(patience) = c.patience {
                // Lower is better.
                let monitored = match c.monitor {
                    Monitor::Cost => validation_cost.unwrap_or(mean_cost),
                    Monitor::Accuracy => validation_accuracy
                        .or(history_train_accuracy(&buf, correct, seen))
                        .map_or(mean_cost, |a| -a),
                };
                match &mut best {
                    Some((b, e, theta)) if !(monitored < *b - c.min_delta) => {
                        since_best += 1;
                        if since_best >= patience && !stop_now {
                            history.stop = TrainStop::EarlyStopping { best_epoch: *e };
                            stop_now = true;
                        }
                        let _ = theta;
                    }
                    Some((b, e, theta)) => {
                        *b = monitored;
                        *e = epoch;
                        theta.copy_from_slice(net.params());
                        since_best = 0;
                    }
                    None => {
                        best = Some((monitored, epoch, net.params().to_vec()));
                        since_best = 0;
                    }
                }
            }
            if !stop_now && grad_norm.is_some_and(|g| g <= c.grad_tol) {
                history.stop = TrainStop::GradientTolerance;
                stop_now = true;
            }
            if stop_now {
                break;
            }
        }
        if let Some((_, e, theta)) = &best {
            net.set_params(theta)?;
            history.best_epoch = Some(*e);
        }
        let _ = observer.on_event(&Event::TrainingFinished(&history));
        Ok(history)
    }

    /// Restores `last_good`, tells the observer, and returns the divergence error.
    fn diverged<L: OutputLoss<Scalar = T>>(
        &self,
        net: &mut Network<L>,
        last_good: &[T],
        history: &History,
        observer: &mut dyn Observer,
        epoch: usize,
        cost: f64,
    ) -> Result<History> {
        net.set_params(last_good)?;
        let _ = observer.on_event(&Event::TrainingFinished(history));
        Err(Error::Diverged { epoch, cost })
    }

    /// Full-batch training: `minimizer` (CG, L-BFGS) minimises the cost on all of `x`/`y`
    /// with λ from the configuration, then the network gets the final θ. The history has
    /// one [`EpochRecord`] (final cost, training and validation accuracy, the run's time in
    /// `train_seconds`) and the cost after every iteration in `iteration_costs`.
    /// `epochs`, `batch_size`, `shuffle` and `patience` do not apply; `grad_tol` does.
    ///
    /// # Errors
    /// [`Error::Diverged`] if the cost is not finite (θ is left as it was); shape, label
    /// and configuration errors of the data.
    pub fn fit_full_batch<'d, L, M>(
        &self,
        net: &mut Network<L>,
        minimizer: &mut M,
        x: impl Into<DMatrixView<'d, T>>,
        y: impl Into<Targets<'d, T>>,
        observer: &mut dyn Observer,
    ) -> Result<History>
    where
        L: OutputLoss<Scalar = T>,
        M: Minimizer<T> + ?Sized,
    {
        let (x, y) = (x.into(), y.into());
        self.check_data(net, &x, &y)?;
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
        if !report.cost.is_finite() || !all_finite(&theta) {
            return Err(Error::Diverged {
                epoch: report.iterations,
                cost: report.cost,
            });
        }
        net.set_params(&theta)?;

        let t1 = Instant::now();
        let mut ws = net.workspace(1);
        let train = evaluate(net, &mut ws, &x, &y, lambda);
        let (validation_accuracy, validation_correct, validation_samples, validation_cost) =
            self.validate(net, &mut ws);
        let record = EpochRecord {
            epoch: 1,
            cost: report.cost,
            train_accuracy: train.correct.map(|c| c as f64 / x.ncols() as f64),
            validation_accuracy,
            validation_correct,
            validation_samples,
            validation_cost,
            grad_norm: Some(report.grad_norm),
            train_seconds,
            eval_seconds: t1.elapsed().as_secs_f64(),
        };
        let _ = observer.on_event(&Event::EpochFinished(&record));
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
