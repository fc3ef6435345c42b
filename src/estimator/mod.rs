//! A ready-made classifier in the manner of scikit-learn's `MLPClassifier`: samples ×
//! features in, labels of any ordered type, feature scaling, validated parameters, one model
//! file.
//!
//! [`Classifier`] is a thin layer over the rest of the crate: it builds a [`Network`] with
//! the network builder, trains it with [`train::EpochRunner`](crate::train::EpochRunner) and
//! [`train::EarlyStopping`](crate::train::EarlyStopping) (Adam, SGD) or
//! [`Trainer::fit_full_batch`](crate::train::Trainer::fit_full_batch) (L-BFGS, CG), and saves
//! with [`io`]. What it adds:
//!
//! * **Rows are samples.** Input is `samples × features` ([`Samples`]: a [`DMatrix`], a
//!   row-major slice with its shape, or data already one sample per column such as a
//!   [`Dataset`](crate::data::Dataset)); the values are transposed once, while they are
//!   copied and scaled. A matrix whose shape only fits the other way round is an error
//!   that says to transpose.
//! * **Labels of any type** `Ord + Clone + Debug` (`&str`, `String`, `i32`, `u8`, …): a
//!   [`LabelEncoder`] maps the sorted distinct labels to classes `0..K` and is kept with the
//!   model; `predict` answers in labels, `predict_proba` has one column per class in
//!   [`classes`](Classifier::classes) order.
//! * **Two classes** train one sigmoid unit by default ([`BinaryOutput::Sigmoid`], what
//!   `MLPClassifier` does, so figures compare one to one, with half the output weights), or
//!   two softmax units ([`BinaryOutput::Softmax`]).
//! * **Scaling by default.** scikit-learn's `MLPClassifier` does not scale its input — its
//!   users put a `StandardScaler` in front of it in a `Pipeline`, because a network trains
//!   badly on features of very different ranges. We do that by default:
//!   [`Scaling::Standard`] is fitted on the training features and stored with the model
//!   ([`Scaling::MinMax`] and [`Scaling::None`] on request). Constant features get scale 1,
//!   never a NaN.
//! * **Guards.** A NaN or ±∞ feature given to `fit` or `predict` is an
//!   [`Error::NonFinite`](crate::Error::NonFinite) naming the sample and the feature (ReLU
//!   would map NaN to 0 and predict with confidence); training labels of one class are an
//!   [`Error::InvalidData`](crate::Error::InvalidData) that says so
//!   ("the training labels hold only one class (`cat`); a classifier needs at least two…").
//! * **One model file** ([`Classifier::save`], [`Classifier::load`]): network, activations by
//!   name (your own through an [`ActivationRegistry`]), head, scaler, classes and parameters;
//!   a loaded classifier predicts bit for bit as the saved one. Plain [`io::save`] files
//!   load too (classes `0..K`, no scaling).
//!
//! ## Other crates' types (cargo features)
//!
//! * **`ndarray`**: `Classifier::fit_array`, `predict_array`, `predict_indices_array`,
//!   `predict_proba_array` and `score_array` take an `ndarray::ArrayView2<f64>` of samples ×
//!   features (and `ArrayView1` labels) and answer with `Array1` / `Array2`. A row-major
//!   view (ndarray's default) is, in memory, the network's column-major features × samples
//!   layout and is read in place, as is a column-major one; any other view (a column range,
//!   a step, a negative stride) is copied once.
//! * **`linfa`** (implies `ndarray`): [`ClassifierParams`] and [`ClassifierBuilder`]
//!   implement linfa's `Fit` on a `DatasetBase` (the builder through linfa's `ParamGuard`,
//!   so its check runs inside `fit`), and a fitted [`Classifier`] implements linfa's
//!   `PredictInplace` and so `Predict`: linfa's `fold`, `cross_validate` and confusion
//!   matrices take the estimator. linfa's `Predict` cannot return an error: input that
//!   [`Classifier::predict`] refuses (a NaN, another feature count) leaves linfa's default
//!   targets, every sample the first class — use `predict_array` where that can happen.
//!   Call linfa's `predict` as `Predict::predict(&model, &x)`: `model.predict(..)` is the
//!   estimator's own.
//! * **`serde`**: [`Scaler`], [`Scaling`], [`LabelEncoder`], [`ClassifierParams`],
//!   [`Solver`] and [`BinaryOutput`] are `Serialize` and `Deserialize`; reading checks what
//!   their constructors and [`ClassifierBuilder::check`] check, and parameters take their
//!   defaults for missing fields (the activation is stored by name: built-ins only).
//! * **`onnx`**: `Classifier::to_onnx` and `Classifier::save_onnx` export the fitted
//!   estimator with its scaler in the graph, so the ONNX model takes raw features and
//!   outputs [`predict_proba`](Classifier::predict_proba)'s probabilities.
//!
//! ## Parameters next to scikit-learn's
//!
//! | [`ClassifierBuilder`] | default | `MLPClassifier` | its default | notes |
//! |---|---|---|---|---|
//! | `hidden(&[..])` | `[100]` | `hidden_layer_sizes` | `(100,)` | `&[]`: multinomial logistic regression |
//! | `activation(..)` | [`Relu`](crate::Relu) | `activation` | `'relu'` | [`Tanh`](crate::Tanh), [`Sigmoid`](crate::Sigmoid) (`'logistic'`), [`Identity`](crate::Identity), or any [`Activation`](crate::Activation) |
//! | `solver(..)` | [`Solver::Adam`] | `solver` | `'adam'` | [`Solver::Sgd`], [`Solver::Lbfgs`]; [`Solver::Cg`] in addition |
//! | `alpha(..)` | `1e-4` | `alpha` | `0.0001` | the same L2 term: `α/(2m) Σ W²` per batch of `m`, biases excluded |
//! | `dropout(..)` | `0` | — | no dropout | every hidden unit dropped with probability `p` in each Adam/SGD step ([`Dropout`](crate::network::Dropout)) |
//! | `batch_size(..)` | `min(200, n)` | `batch_size` | `'auto'` = `min(200, n)` | Adam and SGD |
//! | `learning_rate(..)` | `1e-3` | `learning_rate_init` | `0.001` | constant (no `'invscaling'`/`'adaptive'`) |
//! | `momentum(μ, nesterov)` | `0.9`, `true` | `momentum`, `nesterovs_momentum` | `0.9`, `True` | SGD |
//! | `adam_betas(β₁, β₂, ε)` | `0.9`, `0.999`, `1e-8` | `beta_1`, `beta_2`, `epsilon` | the same | Adam |
//! | `max_epochs(..)` | `200` | `max_iter` | `200` | epochs for Adam/SGD, iterations for L-BFGS/CG |
//! | `max_evals(..)` | `15000` | `max_fun` | `15000` | L-BFGS/CG |
//! | `tol(..)` | `1e-4` | `tol` | `1e-4` | see below |
//! | `n_iter_no_change(..)` | `10` | `n_iter_no_change` | `10` | see below |
//! | `early_stopping(..)` | `false` | `early_stopping` | `False` | Adam and SGD |
//! | `validation_fraction(..)` | `0.1` | `validation_fraction` | `0.1` | a stratified split, as scikit-learn's |
//! | `shuffle(..)` | `true` | `shuffle` | `True` | every epoch |
//! | `seed(..)` | `0` | `random_state` | `None` (fresh randomness) | reproducible by default: same seed, data, build and thread count → bit-identical weights |
//! | `scaling(..)` | [`Scaling::Standard`] | — | no scaling | scikit-learn users add `StandardScaler` in a `Pipeline` |
//! | `binary_output(..)` | [`BinaryOutput::Sigmoid`] | — | one logistic unit | |
//! | (initialisation) | Glorot uniform `±√6/√(fan_in + fan_out)`, biases too | — | the same (`√2` instead of `√6` for `'logistic'`) | [`Init::Glorot`](crate::Init::Glorot) |
//!
//! **`tol` and `n_iter_no_change` (Adam, SGD).** scikit-learn, after every epoch, counts an
//! epoch "without improvement" when its value is not better than the best so far by at
//! least `tol`, and stops once more than `n_iter_no_change` such epochs follow each other —
//! after `n_iter_no_change + 1`. The value is the training loss, or with `early_stopping` the
//! accuracy on the validation split, whose best epoch's weights are kept. This is
//! [`EarlyStopping`](crate::train::EarlyStopping) with
//!
//! | `EarlyStopping` | from |
//! |---|---|
//! | `patience` | `n_iter_no_change + 1` |
//! | `min_delta` | `tol` |
//! | [`Monitor`](crate::train::Monitor) | `Monitor::Cost` on the training cost, or with early stopping `Monitor::Accuracy` on the validation split |
//!
//! Two differences remain: `EarlyStopping`'s reference value moves only with an improvement
//! larger than `tol` (scikit-learn's with any improvement), so small improvements add up until
//! they count; and when patience runs out on the training cost we keep the weights of the last
//! epoch that improved, where scikit-learn keeps the final epoch's. With early stopping
//! both keep the best validation epoch's weights, however the run ends.
//! [`Classifier::history`] says why training stopped
//! ([`TrainStop`](crate::train::TrainStop)).
//!
//! **L-BFGS and CG** minimise the full-batch cost: at most `max_epochs` iterations and
//! `max_evals` evaluations, and they stop when the gradient's Euclidean norm is at most
//! `tol` (scikit-learn hands `tol` to SciPy as `gtol`, a bound on the largest gradient
//! component, so ours is at least as strict). `early_stopping` and `n_iter_no_change` do not
//! apply to them, as in scikit-learn.
//!
//! # Examples
//!
//! ```
//! use deepmultinet::estimator::{Classifier, Solver};
//! // XOR, labelled with strings; rows are samples.
//! let x = nalgebra::DMatrix::from_row_slice(4, 2, &[0., 0., 0., 1., 1., 0., 1., 1.]);
//! let y = ["off", "on", "on", "off"];
//! let mut clf = Classifier::builder()
//!     .hidden(&[8])
//!     .solver(Solver::Lbfgs)
//!     .alpha(0.0)
//!     .seed(3)
//!     .build()?;
//! clf.fit(&x, &y)?;
//! assert_eq!(clf.predict(&x)?, y);
//! assert_eq!(clf.classes(), &["off", "on"]);
//! assert_eq!(clf.predict_proba(&x)?.shape(), (4, 2)); // samples × classes
//! # Ok::<(), deepmultinet::Error>(())
//! ```

#[cfg(feature = "ndarray")]
mod arrays;
mod classifier;
#[cfg(feature = "safetensors")]
mod file;
mod fit;
mod labels;
#[cfg(feature = "linfa")]
mod linfa_traits;
mod model;
#[cfg(feature = "onnx")]
mod onnx;
mod params;
mod registry;
mod samples;
mod scaler;
#[cfg(feature = "serde")]
mod serde_impls;
mod split;

pub use classifier::Classifier;
pub use labels::{LabelEncoder, LabelKind, StoredLabel};
pub use model::ClassifierNetwork;
pub use params::{BinaryOutput, ClassifierBuilder, ClassifierParams, Solver};
pub use registry::ActivationRegistry;
pub use samples::Samples;
pub use scaler::{Scaler, Scaling};
pub use split::train_test_split;

#[cfg(doc)]
use crate::{io, network::Network};
#[cfg(doc)]
use nalgebra::DMatrix;
