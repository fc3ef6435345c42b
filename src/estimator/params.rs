//! The estimator's hyperparameters: an unchecked [`ClassifierBuilder`] whose
//! [`build`](ClassifierBuilder::build) validates every value once (linfa's checked params)
//! into [`ClassifierParams`].

use super::classifier::Classifier;
use super::scaler::Scaling;
use crate::activation::{Activation, Relu};
use crate::check;
use crate::error::{Error, Result};
use crate::network::Dropout;
use crate::optim::{Adam, AdamConfig, Sgd, SgdConfig};
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

/// How the weights are fitted (scikit-learn's `solver`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Solver {
    /// Mini-batch Adam (the default): [`optim::Adam`](crate::optim::Adam).
    #[default]
    Adam,
    /// Mini-batch SGD with momentum (Nesterov by default): [`optim::Sgd`](crate::optim::Sgd).
    Sgd,
    /// Full-batch L-BFGS: [`optim::Lbfgs`](crate::optim::Lbfgs). Often the best choice for
    /// small data sets (scikit-learn says so too).
    Lbfgs,
    /// Full-batch Polak–Ribière conjugate gradient (the course's `fmincg`):
    /// [`optim::ConjugateGradient`](crate::optim::ConjugateGradient).
    Cg,
}

impl Solver {
    /// The name stored in model files: `adam`, `sgd`, `lbfgs`, `cg`.
    pub fn name(&self) -> &'static str {
        match self {
            Solver::Adam => "adam",
            Solver::Sgd => "sgd",
            Solver::Lbfgs => "lbfgs",
            Solver::Cg => "cg",
        }
    }

    /// The solver called `name`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for another name.
    pub fn from_name(name: &str) -> Result<Self> {
        match name {
            "adam" => Ok(Solver::Adam),
            "sgd" => Ok(Solver::Sgd),
            "lbfgs" => Ok(Solver::Lbfgs),
            "cg" => Ok(Solver::Cg),
            _ => Err(Error::InvalidConfig(format!(
                "unknown solver `{name}`: expected `adam`, `sgd`, `lbfgs` or `cg`"
            ))),
        }
    }

    /// Whether the solver takes mini-batch steps (Adam, SGD) rather than minimising the
    /// full-batch cost (L-BFGS, CG).
    pub fn is_mini_batch(&self) -> bool {
        matches!(self, Solver::Adam | Solver::Sgd)
    }
}

/// The output layer of a two-class problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum BinaryOutput {
    /// One sigmoid unit with binary cross-entropy (the default): what scikit-learn's
    /// `MLPClassifier` does, so results compare one to one, and half the output weights.
    /// `predict_proba` still has two columns, `1 − p` and `p`.
    #[default]
    Sigmoid,
    /// Two softmax units with cross-entropy, like every problem with more classes. The same
    /// model family (a softmax of two logits is the sigmoid of their difference), with one
    /// redundant set of output weights.
    Softmax,
}

impl BinaryOutput {
    /// The name stored in model files: `sigmoid` or `softmax`.
    pub fn name(&self) -> &'static str {
        match self {
            BinaryOutput::Sigmoid => "sigmoid",
            BinaryOutput::Softmax => "softmax",
        }
    }

    /// The binary output called `name`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for another name.
    pub fn from_name(name: &str) -> Result<Self> {
        match name {
            "sigmoid" => Ok(BinaryOutput::Sigmoid),
            "softmax" => Ok(BinaryOutput::Softmax),
            _ => Err(Error::InvalidConfig(format!(
                "unknown binary output `{name}`: expected `sigmoid` or `softmax`"
            ))),
        }
    }
}

/// Validated hyperparameters of a [`Classifier`] (see the [module docs](super) for each
/// default next to scikit-learn's). Made by [`ClassifierBuilder::build`] or
/// [`ClassifierBuilder::check`]; read with the accessors.
#[derive(Clone)]
pub struct ClassifierParams {
    pub(super) hidden: Vec<usize>,
    pub(super) activation: Arc<dyn Activation<f64>>,
    pub(super) solver: Solver,
    pub(super) learning_rate: f64,
    pub(super) momentum: f64,
    pub(super) nesterov: bool,
    pub(super) beta1: f64,
    pub(super) beta2: f64,
    pub(super) epsilon: f64,
    pub(super) alpha: f64,
    pub(super) dropout: f64,
    pub(super) batch_size: Option<usize>,
    pub(super) max_epochs: usize,
    pub(super) max_evals: usize,
    pub(super) tol: f64,
    pub(super) n_iter_no_change: usize,
    pub(super) early_stopping: bool,
    pub(super) validation_fraction: f64,
    pub(super) shuffle: bool,
    pub(super) scaling: Scaling,
    pub(super) binary_output: BinaryOutput,
    pub(super) seed: u64,
}

impl Default for ClassifierParams {
    fn default() -> Self {
        ClassifierParams {
            hidden: vec![100],
            activation: Arc::new(Relu),
            solver: Solver::Adam,
            learning_rate: 1e-3,
            momentum: 0.9,
            nesterov: true,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
            alpha: 1e-4,
            dropout: 0.0,
            batch_size: None,
            max_epochs: 200,
            max_evals: 15_000,
            tol: 1e-4,
            n_iter_no_change: 10,
            early_stopping: false,
            validation_fraction: 0.1,
            shuffle: true,
            scaling: Scaling::Standard,
            binary_output: BinaryOutput::Sigmoid,
            seed: 0,
        }
    }
}

impl fmt::Debug for ClassifierParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClassifierParams")
            .field("hidden", &self.hidden)
            .field("activation", &self.activation.name())
            .field("solver", &self.solver)
            .field("learning_rate", &self.learning_rate)
            .field("momentum", &self.momentum)
            .field("nesterov", &self.nesterov)
            .field("beta1", &self.beta1)
            .field("beta2", &self.beta2)
            .field("epsilon", &self.epsilon)
            .field("alpha", &self.alpha)
            .field("dropout", &self.dropout)
            .field("batch_size", &self.batch_size)
            .field("max_epochs", &self.max_epochs)
            .field("max_evals", &self.max_evals)
            .field("tol", &self.tol)
            .field("n_iter_no_change", &self.n_iter_no_change)
            .field("early_stopping", &self.early_stopping)
            .field("validation_fraction", &self.validation_fraction)
            .field("shuffle", &self.shuffle)
            .field("scaling", &self.scaling)
            .field("binary_output", &self.binary_output)
            .field("seed", &self.seed)
            .finish()
    }
}

impl ClassifierParams {
    /// Hidden layer widths (default `[100]`).
    pub fn hidden(&self) -> &[usize] {
        &self.hidden
    }
    /// The hidden layers' activation (default ReLU).
    pub fn activation(&self) -> &Arc<dyn Activation<f64>> {
        &self.activation
    }
    /// The solver (default Adam).
    pub fn solver(&self) -> Solver {
        self.solver
    }
    /// Step size of Adam and SGD (default 1e-3).
    pub fn learning_rate(&self) -> f64 {
        self.learning_rate
    }
    /// SGD's momentum (default 0.9) and whether it is Nesterov's (default true).
    pub fn momentum(&self) -> (f64, bool) {
        (self.momentum, self.nesterov)
    }
    /// Adam's β₁, β₂ and ε (defaults 0.9, 0.999, 1e-8).
    pub fn adam_betas(&self) -> (f64, f64, f64) {
        (self.beta1, self.beta2, self.epsilon)
    }
    /// L2 strength α = λ (default 1e-4).
    pub fn alpha(&self) -> f64 {
        self.alpha
    }
    /// The drop probability of every hidden unit in a training step (default 0: none).
    pub fn dropout(&self) -> f64 {
        self.dropout
    }
    /// The mini-batch size: the given one, or `min(200, samples)`, capped at `samples`.
    pub fn batch_size_for(&self, samples: usize) -> usize {
        self.batch_size.unwrap_or(200).min(samples).max(1)
    }
    /// Epochs at most (mini-batch solvers) or iterations at most (L-BFGS, CG); default 200.
    pub fn max_epochs(&self) -> usize {
        self.max_epochs
    }
    /// Cost/gradient evaluations at most for L-BFGS and CG (default 15,000).
    pub fn max_evals(&self) -> usize {
        self.max_evals
    }
    /// The improvement that counts (default 1e-4).
    pub fn tol(&self) -> f64 {
        self.tol
    }
    /// Epochs without such an improvement that are tolerated (default 10).
    pub fn n_iter_no_change(&self) -> usize {
        self.n_iter_no_change
    }
    /// Whether a validation split decides when to stop (default false).
    pub fn early_stopping(&self) -> bool {
        self.early_stopping
    }
    /// The validation split's share with early stopping (default 0.1).
    pub fn validation_fraction(&self) -> f64 {
        self.validation_fraction
    }
    /// Whether the samples are reshuffled every epoch (default true).
    pub fn shuffle(&self) -> bool {
        self.shuffle
    }
    /// The feature scaling (default standard).
    pub fn scaling(&self) -> Scaling {
        self.scaling
    }
    /// The output layer for two classes (default one sigmoid unit).
    pub fn binary_output(&self) -> BinaryOutput {
        self.binary_output
    }
    /// The seed of initialisation, validation split and shuffling (default 0).
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Checks every value.
    pub(super) fn check(&self) -> Result<()> {
        for &w in &self.hidden {
            check::at_least_one("hidden", w)?;
        }
        check::positive("learning_rate", self.learning_rate)?;
        check::unit_interval("momentum", self.momentum)?;
        check::unit_interval("beta1", self.beta1)?;
        check::unit_interval("beta2", self.beta2)?;
        check::positive("epsilon", self.epsilon)?;
        check::non_negative("alpha", self.alpha)?;
        // The rate is checked where dropout is defined (in [0, 1), NaN refused).
        drop(Dropout::new(&[self.dropout], self.seed)?);
        if self.dropout > 0.0 && !self.solver.is_mini_batch() {
            return Err(check::invalid(
                "dropout",
                self.dropout,
                "0 with a full-batch solver (L-BFGS, CG: dropout needs mini-batch steps)",
            ));
        }
        if let Some(b) = self.batch_size {
            check::at_least_one("batch_size", b)?;
        }
        check::at_least_one("max_epochs", self.max_epochs)?;
        check::at_least_one("max_evals", self.max_evals)?;
        check::non_negative("tol", self.tol)?;
        check::at_least_one("n_iter_no_change", self.n_iter_no_change)?;
        check::fraction("validation_fraction", self.validation_fraction)?;
        // The optimisers check their own configurations the same way (Nesterov needs
        // momentum > 0, ...): build them once here so `fit` cannot fail on them.
        match self.solver {
            Solver::Adam => drop(Adam::<f64>::new(self.adam_config())?),
            Solver::Sgd => drop(Sgd::<f64>::new(self.sgd_config())?),
            Solver::Lbfgs | Solver::Cg => {}
        }
        Ok(())
    }

    pub(super) fn adam_config(&self) -> AdamConfig {
        AdamConfig {
            learning_rate: self.learning_rate,
            beta1: self.beta1,
            beta2: self.beta2,
            epsilon: self.epsilon,
            weight_decay: 0.0,
            ..Default::default()
        }
    }

    pub(super) fn sgd_config(&self) -> SgdConfig {
        SgdConfig {
            learning_rate: self.learning_rate,
            momentum: self.momentum,
            nesterov: self.nesterov,
            ..Default::default()
        }
    }
}

/// Unchecked hyperparameters of a [`Classifier`]; every setter takes any value, and
/// [`build`](Self::build) checks them all once. Start with [`Classifier::builder`].
///
/// # Examples
///
/// ```
/// use deepmultinet::estimator::{Classifier, Solver};
/// use deepmultinet::{Error, Tanh};
/// let clf = Classifier::<String>::builder()
///     .hidden(&[64, 32])
///     .activation(Tanh)
///     .solver(Solver::Lbfgs)
///     .max_epochs(500)
///     .seed(7)
///     .build()?;
/// assert_eq!(clf.params().hidden(), &[64, 32]);
/// let bad = Classifier::<String>::builder().learning_rate(0.0).build();
/// assert!(matches!(bad, Err(Error::InvalidParameter { name: "learning_rate", .. })));
/// # Ok::<(), deepmultinet::Error>(())
/// ```
#[must_use = "a builder does nothing until `build` is called"]
pub struct ClassifierBuilder<C> {
    params: ClassifierParams,
    labels: PhantomData<fn() -> C>,
}

impl<C> Clone for ClassifierBuilder<C> {
    fn clone(&self) -> Self {
        ClassifierBuilder {
            params: self.params.clone(),
            labels: PhantomData,
        }
    }
}

impl<C> fmt::Debug for ClassifierBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ClassifierBuilder")
            .field(&self.params)
            .finish()
    }
}

impl<C> Default for ClassifierBuilder<C> {
    fn default() -> Self {
        ClassifierBuilder {
            params: ClassifierParams::default(),
            labels: PhantomData,
        }
    }
}

macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident: $t:ty;)*) => {$(
        $(#[$doc])*
        pub fn $name(mut self, value: $t) -> Self {
            self.params.$name = value;
            self
        }
    )*};
}

impl<C> ClassifierBuilder<C> {
    /// Hidden layer widths, inputs to outputs (scikit-learn's `hidden_layer_sizes`;
    /// default `&[100]`; `&[]` is multinomial logistic regression).
    pub fn hidden(mut self, widths: &[usize]) -> Self {
        self.params.hidden = widths.to_vec();
        self
    }

    /// The activation of every hidden layer (default [`Relu`]); any [`Activation`],
    /// your own too. To load a saved model with your own activation, register it:
    /// [`ActivationRegistry`](super::ActivationRegistry).
    pub fn activation(mut self, activation: impl Activation<f64> + 'static) -> Self {
        self.params.activation = Arc::new(activation);
        self
    }

    /// The hidden activation as a shared value (e.g. from
    /// [`activation::from_name`](crate::activation::from_name)).
    pub fn activation_shared(mut self, activation: Arc<dyn Activation<f64>>) -> Self {
        self.params.activation = activation;
        self
    }

    /// The mini-batch size (default `min(200, samples)`).
    pub fn batch_size(mut self, samples: usize) -> Self {
        self.params.batch_size = Some(samples);
        self
    }

    /// SGD's momentum and whether it is Nesterov's (defaults 0.9, true).
    pub fn momentum(mut self, momentum: f64, nesterov: bool) -> Self {
        self.params.momentum = momentum;
        self.params.nesterov = nesterov;
        self
    }

    /// Adam's β₁, β₂ and ε (defaults 0.9, 0.999, 1e-8).
    pub fn adam_betas(mut self, beta1: f64, beta2: f64, epsilon: f64) -> Self {
        self.params.beta1 = beta1;
        self.params.beta2 = beta2;
        self.params.epsilon = epsilon;
        self
    }

    setters! {
        /// How the weights are fitted (default [`Solver::Adam`]).
        solver: Solver;
        /// Step size of Adam and SGD (scikit-learn's `learning_rate_init`; default 1e-3).
        learning_rate: f64;
        /// L2 strength α ≥ 0 (default 1e-4): the cost gains `α/(2m) Σ W²`, biases excluded.
        alpha: f64;
        /// Drop probability `p ∈ [0, 1)` of every hidden unit in each Adam or SGD step
        /// (default 0: none; see [`network::Dropout`](crate::network::Dropout): inverted
        /// scaling, masks seeded from `seed`, the whole network at inference). Not for
        /// L-BFGS or CG, which take whole-batch steps.
        dropout: f64;
        /// Epochs at most for Adam and SGD; iterations (line searches) at most for L-BFGS
        /// and CG (scikit-learn's `max_iter`; default 200).
        max_epochs: usize;
        /// Cost/gradient evaluations at most for L-BFGS and CG (scikit-learn's `max_fun`;
        /// default 15,000).
        max_evals: usize;
        /// The improvement that counts (default 1e-4): of the training cost, or with early
        /// stopping of the validation accuracy; for L-BFGS and CG the gradient-norm
        /// tolerance. See the module docs.
        tol: f64;
        /// Stop after more than this many epochs in a row without an improvement of `tol`
        /// (default 10).
        n_iter_no_change: usize;
        /// Hold out `validation_fraction` of the training data (stratified) and stop when
        /// its accuracy stops improving, keeping the best epoch's weights (default false).
        early_stopping: bool;
        /// The held-out share with early stopping, in (0, 1) (default 0.1).
        validation_fraction: f64;
        /// Reshuffle the samples every epoch (default true).
        shuffle: bool;
        /// Feature scaling fitted on the training data and kept with the model (default
        /// [`Scaling::Standard`]).
        scaling: Scaling;
        /// The output layer of a two-class problem (default [`BinaryOutput::Sigmoid`]).
        binary_output: BinaryOutput;
        /// Seed of the initial weights, the validation split and the shuffling (default 0:
        /// the same seed and data give bit-identical weights on the same build and thread
        /// count).
        seed: u64;
    }

    /// Checks every value without consuming the builder (linfa's `check_ref`).
    #[cfg(feature = "linfa")]
    pub(super) fn check_values(&self) -> Result<()> {
        self.params.check()
    }

    /// The parameters as set, checked or not.
    #[cfg(feature = "linfa")]
    pub(super) fn unchecked(&self) -> &ClassifierParams {
        &self.params
    }

    /// Checks every value and returns the validated parameters.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the first bad value: a hidden width of 0, a
    /// learning rate that is not finite and > 0, a momentum or β outside `[0, 1)`, a negative
    /// or non-finite `alpha` or `tol`, a batch size, `max_epochs`, `max_evals` or
    /// `n_iter_no_change` of 0, a `validation_fraction` outside (0, 1); the optimiser's own
    /// check (Nesterov without momentum).
    pub fn check(self) -> Result<ClassifierParams> {
        self.params.check()?;
        Ok(self.params)
    }

    /// Checks every value (as [`check`](Self::check)) and returns an unfitted classifier.
    ///
    /// # Errors
    /// As [`check`](Self::check).
    pub fn build(self) -> Result<Classifier<C>> {
        Ok(Classifier::with_params(self.check()?))
    }
}
