//! [`EpochRunner`]: one epoch of shuffled mini-batch steps at a time — the inside of
//! [`Trainer::fit`](super::Trainer::fit), public so that a custom loop can do between
//! epochs whatever it needs (weight averaging, schedules, snapshots, its own stopping rule).

use super::config::TrainConfig;
use super::evaluate::count_correct;
use super::event::{Event, Observer};
use super::guard::DivergenceGuard;
use crate::data::{BatchBuffer, Inputs};
use crate::error::{Divergence, Error, Result};
use crate::loss::OutputLoss;
use crate::network::{Dropout, Network, Workspace};
use crate::optim::StepOptimizer;
use crate::optim::vecops::norm;
use crate::scalar::Scalar;
use crate::targets::Targets;
use nalgebra::DMatrixView;
use rand::Rng;
use rand::seq::SliceRandom;
use std::time::Instant;

/// What one epoch of mini-batch steps measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpochSummary {
    /// The epoch's number (1-based, counting this runner's epochs).
    pub epoch: usize,
    /// Mean of the mini-batch costs, each taken before its step.
    pub cost: f64,
    /// Fraction of samples classified correctly by the θ in force when their batch was
    /// evaluated (`None` for dense targets).
    pub train_accuracy: Option<f64>,
    /// Norm of the epoch's mean mini-batch gradient, when the configuration's `grad_tol` is
    /// set (it costs a pass over θ per step).
    pub grad_norm: Option<f64>,
    /// Optimiser steps taken in this epoch.
    pub steps: usize,
    /// Wall time of the steps (shuffling, gathering, gradients, updates), seconds.
    pub train_seconds: f64,
    /// Whether the observer asked to stop during the epoch (the epoch ended early).
    pub stopped: bool,
}

/// Runs epochs of shuffled mini-batch steps on one data set, with every buffer allocated
/// once: the sample order, the gathered batch, the workspace and the gradient.
///
/// Each [`run_epoch`](Self::run_epoch) reshuffles the order (Fisher–Yates with the caller's
/// RNG, continuing from the previous epoch's order) when `shuffle` is on, cuts it into
/// batches of `batch_size` (the last may be smaller), and for each batch computes cost and
/// gradient in one backprop pass, checks the cost with the [`DivergenceGuard`] and takes
/// one optimiser step. Nothing is allocated per step.
///
/// A custom loop, written with public API only — validation, early stopping and weight
/// averaging between epochs:
///
/// ```
/// use deepmultinet::prelude::*;
/// use deepmultinet::optim::{Adam, AdamConfig};
/// use deepmultinet::train::{evaluate, DivergenceGuard, EarlyStopping, EpochRunner, Monitor, WeightAverage};
/// use rand::SeedableRng;
///
/// let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
/// let x = nalgebra::DMatrix::from_fn(2, 200, |i, j| ((j * (i + 3)) as f64 * 0.37).sin());
/// let y: Vec<usize> = (0..200).map(|j| usize::from(x[(0, j)] * x[(1, j)] > 0.0)).collect();
/// let mut net = Network::builder(2).hidden(16, Tanh)
///     .output(2, SoftmaxCrossEntropy::<f64>::new()).init(Init::Glorot).build(&mut rng)?;
/// let config = TrainConfig { batch_size: 20, ..Default::default() };
/// let mut runner = EpochRunner::new(&net, &x, &y, &config)?;
/// let mut adam = Adam::new(AdamConfig { learning_rate: 0.02, ..Default::default() })?;
/// let mut guard = DivergenceGuard::new(config.divergence_factor, net.params())?;
/// let mut early = EarlyStopping::new(5, 0.0, Monitor::Cost)?;
/// let mut average = WeightAverage::from_epoch(20);
/// let mut ws = net.workspace(200);
/// for epoch in 1..=60 {
///     let summary = runner.run_epoch(&mut net, &mut adam, &mut rng, &mut guard, &mut ())?;
///     let eval = evaluate(&net, &mut ws, &x, &y, 0.0)?;
///     let record = summary.record(Some(&eval));
///     if epoch >= average.first_epoch() {
///         average.add(net.params());
///     }
///     if early.update(&record, net.params()) {
///         break;
///     }
/// }
/// if !average.apply(&mut net)? {
///     early.restore(&mut net)?; // stopped before averaging began: the best epoch's θ
/// }
/// assert!(net.accuracy(&x, &y)? > 0.9);
/// # Ok::<(), deepmultinet::Error>(())
/// ```
#[derive(Debug)]
pub struct EpochRunner<'d, T: Scalar> {
    x: Inputs<'d, T>,
    y: Targets<'d, T>,
    lambda: T,
    batch_size: usize,
    shuffle: bool,
    track_grad: bool,
    order: Vec<usize>,
    buf: BatchBuffer<T>,
    ws: Workspace<T>,
    grad: Vec<T>,
    grad_sum: Vec<T>,
    epochs: usize,
    steps: usize,
    evaluations: usize,
    hidden_layers: usize,
    dropout: Option<Dropout>,
}

impl<'d, T: Scalar> EpochRunner<'d, T> {
    /// A runner for `net`'s architecture on samples `x` (`inputs × m`, one per column) with
    /// targets `y`, taking `batch_size`, `lambda`, `shuffle` and `grad_tol` from `config`
    /// (the other fields belong to the loop around it).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a bad configuration; [`Error::ShapeMismatch`],
    /// [`Error::EmptyBatch`] or [`Error::LabelOutOfRange`] for data that does not fit `net`.
    pub fn new<L: OutputLoss<Scalar = T>>(
        net: &Network<L>,
        x: impl Into<Inputs<'d, T>>,
        y: impl Into<Targets<'d, T>>,
        config: &TrainConfig,
    ) -> Result<Self> {
        config.check()?;
        let (x, y) = (x.into(), y.into());
        check_inputs(net, &x, &y, "training")?;
        let m = x.samples();
        let bs = config.batch_size.min(m);
        let track_grad = config.grad_tol > 0.0;
        let n = net.num_params();
        Ok(EpochRunner {
            x,
            y,
            lambda: T::of(config.lambda),
            batch_size: bs,
            shuffle: config.shuffle,
            track_grad,
            order: (0..m).collect(),
            buf: BatchBuffer::try_new(net.inputs(), net.outputs(), bs, &y)?,
            ws: net.try_workspace(bs)?,
            grad: vec![T::zero(); n],
            grad_sum: vec![T::zero(); if track_grad { n } else { 0 }],
            epochs: 0,
            steps: 0,
            evaluations: 0,
            hidden_layers: net.num_layers() - 1,
            dropout: None,
        })
    }

    /// Trains with `dropout`: every step computes the gradient of the thinned network that
    /// the mask of its step number leaves
    /// ([`Network::cost_grad_dropout`](crate::Network::cost_grad_dropout) with
    /// `dropout.mask(steps())`, counting this runner's steps from 0), so the masks follow
    /// from the dropout's seed alone. The epoch's cost and training accuracy are then the
    /// thinned networks'; evaluation ([`evaluate`](super::evaluate)) uses the whole network.
    ///
    /// ```
    /// use deepmultinet::prelude::*;
    /// use deepmultinet::network::Dropout;
    /// use deepmultinet::train::EpochRunner;
    /// let net = Network::with_sizes(&[2, 8, 8, 2], Relu, SoftmaxCrossEntropy::<f64>::new())?;
    /// let x = nalgebra::DMatrix::from_element(2, 10, 0.5);
    /// let y = [0usize; 10];
    /// let runner = EpochRunner::new(&net, &x, &y, &TrainConfig::default())?;
    /// assert!(runner.with_dropout(Dropout::new(&[0.2], 0)?).is_err()); // two hidden layers
    /// # Ok::<(), deepmultinet::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] unless `dropout` has one rate per hidden layer of the
    /// network the runner was made for.
    pub fn with_dropout(mut self, dropout: Dropout) -> Result<Self> {
        dropout.check_layers(self.hidden_layers)?;
        self.dropout = Some(dropout);
        Ok(self)
    }

    /// The dropout of the training steps, if any.
    pub fn dropout(&self) -> Option<&Dropout> {
        self.dropout.as_ref()
    }

    /// Training samples.
    pub fn samples(&self) -> usize {
        self.x.samples()
    }

    /// Steps per epoch.
    pub fn batches_per_epoch(&self) -> usize {
        self.samples().div_ceil(self.batch_size)
    }

    /// Epochs run so far.
    pub fn epochs(&self) -> usize {
        self.epochs
    }

    /// Optimiser steps taken so far (over all epochs).
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// Cost/gradient evaluations made so far.
    pub fn evaluations(&self) -> usize {
        self.evaluations
    }

    /// Runs one epoch (see the type's docs), reporting `BatchFinished` events to
    /// `observer`, which may end the epoch early. At its end the guard's last good θ
    /// becomes the network's θ.
    ///
    /// # Errors
    /// [`Error::Diverged`] when a cost is rejected by `guard` or θ is not finite or too
    /// large at the end of the epoch ([`DivergenceGuard::check_params`]): `net` is given the guard's last good θ back first. Shape errors if
    /// `net` is not the architecture the runner was made for.
    pub fn run_epoch<L, O, R>(
        &mut self,
        net: &mut Network<L>,
        optimizer: &mut O,
        rng: &mut R,
        guard: &mut DivergenceGuard<T>,
        observer: &mut dyn Observer<T>,
    ) -> Result<EpochSummary>
    where
        L: OutputLoss<Scalar = T>,
        O: StepOptimizer<T> + ?Sized,
        R: Rng + ?Sized,
    {
        let t0 = Instant::now();
        self.epochs += 1;
        let epoch = self.epochs;
        if self.shuffle {
            self.order.shuffle(rng);
        }
        let batches = self.batches_per_epoch();
        let mut cost_sum = 0.0;
        let mut correct = 0usize;
        let mut seen = 0usize;
        let mut steps = 0usize;
        let mut stopped = false;
        self.grad_sum.fill(T::zero());
        for (b, idx) in self.order.chunks(self.batch_size).enumerate() {
            self.buf.gather_from(&self.x, &self.y, idx)?;
            let (ws, x, y) = (&mut self.ws, self.buf.x(), self.buf.targets());
            let cost = match &self.dropout {
                None => net.cost_grad(ws, x, y, self.lambda, &mut self.grad)?,
                Some(d) => {
                    let mask = d.mask(self.steps as u64);
                    net.cost_grad_dropout(ws, x, y, self.lambda, mask, &mut self.grad)?
                }
            }
            .as_f64();
            self.evaluations += 1;
            if !guard.accepts(cost) {
                guard.restore(net)?;
                return Err(Error::Diverged {
                    epoch,
                    cost,
                    why: Divergence::Cost,
                });
            }
            cost_sum += cost * idx.len() as f64;
            seen += idx.len();
            if let Some(labels) = self.buf.labels() {
                correct += count_correct(self.ws.outputs(), labels);
            }
            if self.track_grad {
                for (s, &g) in self.grad_sum.iter_mut().zip(&self.grad) {
                    *s += g;
                }
            }
            optimizer.step(net.params_mut(), &self.grad)?;
            self.steps += 1;
            steps += 1;
            let event = Event::BatchFinished {
                epoch,
                batch: b + 1,
                batches,
                cost,
            };
            if observer.on_event(&event).is_break() {
                stopped = true;
                break;
            }
        }
        let train_seconds = t0.elapsed().as_secs_f64();
        let mean_cost = cost_sum / seen.max(1) as f64;
        if let Err(why) = guard.check_params(net.params()) {
            guard.restore(net)?;
            return Err(Error::Diverged {
                epoch,
                cost: mean_cost,
                why,
            });
        }
        guard.commit(net.params());
        Ok(EpochSummary {
            epoch,
            cost: mean_cost,
            train_accuracy: self
                .buf
                .labels()
                .map(|_| correct as f64 / seen.max(1) as f64),
            grad_norm: self
                .track_grad
                .then(|| norm(&self.grad_sum) / steps.max(1) as f64),
            steps,
            train_seconds,
            stopped,
        })
    }
}

impl EpochSummary {
    /// The epoch's [`EpochRecord`](super::EpochRecord), with the validation figures of
    /// `validation` (an [`evaluate`](super::evaluate) of the end-of-epoch θ) if given.
    pub fn record(&self, validation: Option<&super::Evaluation>) -> super::EpochRecord {
        super::EpochRecord {
            epoch: self.epoch,
            cost: self.cost,
            train_accuracy: self.train_accuracy,
            validation_accuracy: validation.and_then(|v| v.accuracy()),
            validation_correct: validation.and_then(|v| v.correct),
            validation_samples: validation.map_or(0, |v| v.samples),
            validation_cost: validation.map(|v| v.cost),
            grad_norm: self.grad_norm,
            train_seconds: self.train_seconds,
            eval_seconds: 0.0,
        }
    }
}

/// Checks that a data set fits `net` (rows, at least one sample, targets).
pub(super) fn check_data<L: OutputLoss>(
    net: &Network<L>,
    x: &DMatrixView<'_, L::Scalar>,
    y: &Targets<'_, L::Scalar>,
    context: &'static str,
) -> Result<()> {
    let m = net.check_batch(x, context)?;
    y.check(net.outputs(), m)
}

/// Checks that training inputs fit `net` (features, at least one sample, targets).
fn check_inputs<L: OutputLoss>(
    net: &Network<L>,
    x: &Inputs<'_, L::Scalar>,
    y: &Targets<'_, L::Scalar>,
    context: &'static str,
) -> Result<()> {
    match x {
        Inputs::Matrix(x) => check_data(net, x, y, context),
        Inputs::Bytes(b) => {
            // A `ByteSamples` holds at least one sample; only the features can differ.
            if b.features() != net.inputs() {
                return Err(Error::shape(
                    format!("{context}: sample features (network inputs)"),
                    net.inputs(),
                    b.features(),
                ));
            }
            y.check(net.outputs(), b.samples())
        }
    }
}
