//! Training a [`ClassifierNetwork`] with the library's own pieces: the network builder,
//! [`EpochRunner`] with [`DivergenceGuard`], [`EarlyStopping`] and [`evaluate`] between
//! epochs for Adam and SGD, [`Trainer::fit_full_batch`] for L-BFGS and CG.

use super::model::ClassifierNetwork;
use super::params::{BinaryOutput, ClassifierParams, Solver};
use crate::error::Result;
use crate::init::Init;
use crate::loss::{OutputLoss, SigmoidCrossEntropy, SoftmaxCrossEntropy};
use crate::network::{Dropout, Network};
use crate::optim::{
    Adam, CgConfig, ConjugateGradient, Lbfgs, LbfgsConfig, Minimizer, Sgd, StepOptimizer,
};
use crate::targets::Targets;
use crate::train::{
    DivergenceGuard, EarlyStopping, EpochRunner, Evaluation, History, Monitor, TrainConfig,
    TrainStop, Trainer, evaluate,
};
use nalgebra::{DMatrix, DMatrixView};
use rand::Rng;
use std::time::Instant;

/// Scaled samples as columns with their class indices.
pub(super) struct Columns<'a> {
    pub x: DMatrixView<'a, f64>,
    pub y: &'a [usize],
}

/// What a run needs besides the data: the classes and the random numbers.
pub(super) struct Plan<'p, R> {
    pub params: &'p ClassifierParams,
    pub classes: usize,
    pub rng: R,
}

/// Targets for the head: labels for softmax, a `1 × m` matrix of 0/1 for one sigmoid unit.
fn dense_binary(y: &[usize]) -> DMatrix<f64> {
    DMatrix::from_iterator(
        1,
        y.len(),
        y.iter().map(|&c| if c == 1 { 1.0 } else { 0.0 }),
    )
}

/// Trains a new network on `train` (validating on `validation` between epochs, if given).
pub(super) fn train<R: Rng>(
    plan: &mut Plan<'_, R>,
    train: Columns<'_>,
    validation: Option<Columns<'_>>,
) -> Result<(ClassifierNetwork, History)> {
    let p = plan.params;
    let sigmoid = plan.classes == 2 && p.binary_output == BinaryOutput::Sigmoid;
    let inputs = train.x.nrows();
    if sigmoid {
        let mut net = build(p, inputs, 1, SigmoidCrossEntropy::new(), &mut plan.rng)?;
        let yd = dense_binary(train.y);
        let vd = validation.as_ref().map(|v| dense_binary(v.y));
        let val = validation
            .as_ref()
            .zip(vd.as_ref())
            .map(|(v, d)| Validation {
                x: v.x,
                labels: v.y,
                targets: Targets::Dense(d.as_view()),
            });
        let history = run(
            p,
            &mut net,
            train.x,
            Targets::Dense(yd.as_view()),
            val,
            plan,
        )?;
        Ok((ClassifierNetwork::Sigmoid(net), history))
    } else {
        let k = plan.classes;
        let mut net = build(p, inputs, k, SoftmaxCrossEntropy::new(), &mut plan.rng)?;
        let val = validation.as_ref().map(|v| Validation {
            x: v.x,
            labels: v.y,
            targets: Targets::Labels(v.y),
        });
        let history = run(p, &mut net, train.x, Targets::Labels(train.y), val, plan)?;
        Ok((ClassifierNetwork::Softmax(net), history))
    }
}

/// The network: the hidden widths with the chosen activation, scikit-learn's Glorot-uniform
/// initialisation.
fn build<L: OutputLoss<Scalar = f64>, R: Rng>(
    p: &ClassifierParams,
    inputs: usize,
    outputs: usize,
    head: L,
    rng: &mut R,
) -> Result<Network<L>> {
    Network::builder(inputs)
        .hidden_layers(&p.hidden, p.activation.clone())
        .output(outputs, head)
        .init(Init::Glorot)
        .build(rng)
}

/// A validation set: scaled columns, class indices, and the head's targets.
struct Validation<'a> {
    x: DMatrixView<'a, f64>,
    labels: &'a [usize],
    targets: Targets<'a, f64>,
}

fn run<L: OutputLoss<Scalar = f64>, R: Rng>(
    p: &ClassifierParams,
    net: &mut Network<L>,
    x: DMatrixView<'_, f64>,
    y: Targets<'_, f64>,
    validation: Option<Validation<'_>>,
    plan: &mut Plan<'_, R>,
) -> Result<History> {
    let config = TrainConfig {
        epochs: p.max_epochs,
        batch_size: p.batch_size_for(x.ncols()),
        lambda: p.alpha,
        shuffle: p.shuffle,
        ..TrainConfig::default()
    };
    match p.solver {
        Solver::Adam => epochs(
            p,
            net,
            &mut Adam::new(p.adam_config())?,
            x,
            y,
            validation,
            &config,
            &mut plan.rng,
        ),
        Solver::Sgd => epochs(
            p,
            net,
            &mut Sgd::new(p.sgd_config())?,
            x,
            y,
            validation,
            &config,
            &mut plan.rng,
        ),
        Solver::Lbfgs => {
            let cfg = LbfgsConfig {
                max_iter: p.max_epochs,
                max_evals: Some(p.max_evals),
                grad_tol: p.tol,
                ..LbfgsConfig::default()
            };
            full_batch(net, &mut Lbfgs::new(cfg)?, x, y, &config)
        }
        Solver::Cg => {
            let cfg = CgConfig {
                max_iter: p.max_epochs,
                max_evals: Some(p.max_evals),
                grad_tol: p.tol,
                ..CgConfig::default()
            };
            full_batch(net, &mut ConjugateGradient::new(cfg)?, x, y, &config)
        }
    }
}

fn full_batch<L: OutputLoss<Scalar = f64>, M: Minimizer<f64>>(
    net: &mut Network<L>,
    minimizer: &mut M,
    x: DMatrixView<'_, f64>,
    y: Targets<'_, f64>,
    config: &TrainConfig,
) -> Result<History> {
    Trainer::new(*config)?.fit_full_batch(net, minimizer, x, y, &mut ())
}

/// Epochs of mini-batch steps with scikit-learn's stopping rule (see the module docs of
/// [`estimator`](super)): [`EarlyStopping`] with `patience = n_iter_no_change + 1` and
/// `min_delta = tol` on the validation accuracy, or on the training cost without
/// validation.
#[allow(clippy::too_many_arguments)]
fn epochs<L: OutputLoss<Scalar = f64>, O: StepOptimizer<f64>, R: Rng>(
    p: &ClassifierParams,
    net: &mut Network<L>,
    optimizer: &mut O,
    x: DMatrixView<'_, f64>,
    y: Targets<'_, f64>,
    validation: Option<Validation<'_>>,
    config: &TrainConfig,
    rng: &mut R,
) -> Result<History> {
    let monitor = if validation.is_some() {
        Monitor::Accuracy
    } else {
        Monitor::Cost
    };
    let mut runner = EpochRunner::new(net, x, y, config)?;
    if p.dropout > 0.0 {
        let hidden = net.num_layers() - 1;
        runner = runner.with_dropout(Dropout::uniform(p.dropout, hidden, p.seed)?)?;
    }
    let mut guard = DivergenceGuard::new(config.divergence_factor, net.params())?;
    let mut early = EarlyStopping::new(p.n_iter_no_change + 1, p.tol, monitor)?;
    let mut ws = net.workspace(validation.as_ref().map_or(1, |v| v.x.ncols().min(2048)));
    let mut history = History::new(config.epochs);
    for _ in 0..config.epochs {
        let ran = runner.run_epoch(net, optimizer, rng, &mut guard, &mut ());
        history.iterations = runner.steps();
        history.evaluations = runner.evaluations();
        history.initial_cost = guard.initial_cost().unwrap_or(f64::NAN);
        let summary = ran?;
        let t1 = Instant::now();
        let eval = match &validation {
            Some(v) => Some(validate(net, &mut ws, v, config.lambda)?),
            None => None,
        };
        let mut record = summary.record(eval.as_ref());
        record.eval_seconds = t1.elapsed().as_secs_f64();
        let out_of_patience = early.update(&record, net.params());
        history.epochs.push(record);
        if out_of_patience {
            history.stop = TrainStop::EarlyStopping {
                best_epoch: early.best_epoch().unwrap_or(0),
            };
            break;
        }
    }
    // With a validation set the best epoch's θ is kept however the run ended (as
    // scikit-learn does); on the training cost, only when patience ran out.
    if validation.is_some() || history.stop != TrainStop::MaxEpochs {
        early.restore(net)?;
        history.best_epoch = early.best_epoch();
    }
    Ok(history)
}

/// The validation cost and accuracy, the accuracy also for one sigmoid unit (where
/// [`evaluate`] counts nothing: its targets are dense).
fn validate<L: OutputLoss<Scalar = f64>>(
    net: &Network<L>,
    ws: &mut crate::network::Workspace<f64>,
    v: &Validation<'_>,
    lambda: f64,
) -> Result<Evaluation> {
    let mut e = evaluate(net, ws, v.x, v.targets, lambda)?;
    if e.correct.is_none() {
        let mut correct = 0;
        for start in (0..v.x.ncols()).step_by(2048) {
            let end = (start + 2048).min(v.x.ncols());
            let out = net.forward(ws, v.x.columns_range(start..end))?;
            for (col, &label) in out.column_iter().zip(&v.labels[start..end]) {
                correct += usize::from(usize::from(col[0] > 0.5) == label);
            }
        }
        e.correct = Some(correct);
    }
    Ok(e)
}
