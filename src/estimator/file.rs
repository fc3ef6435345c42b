//! One model file for a fitted [`Classifier`]: the network as [`io::to_bytes`] writes it
//! (tensors and architecture metadata), plus the classes, the scaler and the parameters in
//! the same safetensors `__metadata__` map. Plain [`io::save`] files load too.
//!
//! | key | value |
//! |---|---|
//! | (every key of [`io`]'s table) | the network: sizes, hidden activations by name, head, scalar |
//! | `estimator` | `classifier` |
//! | `estimator.format_version` | `1` |
//! | `estimator.label_kind` | [`LabelKind::name`](super::LabelKind::name): `text`, `integer`, `bool` or `char` |
//! | `estimator.classes` | JSON array of the classes as text ([`StoredLabel::to_text`]), in class order |
//! | `estimator.scaling` | [`Scaling::name`]: `standard`, `min_max` or `none` |
//! | `estimator.scaler_offset`, `estimator.scaler_scale` | JSON arrays of numbers (exact: they round-trip bit for bit) |
//! | `estimator.params` | JSON object of the hyperparameters (`hidden`, `activation`, `solver`, `learning_rate`, …) |

use super::classifier::{Classifier, Fitted};
use super::labels::{LabelEncoder, StoredLabel, show_list};
use super::model::ClassifierNetwork;
use super::params::{BinaryOutput, ClassifierBuilder, ClassifierParams, Solver};
use super::registry::ActivationRegistry;
use super::scaler::{Scaler, Scaling};
use crate::activation::Activation;
use crate::data::source::{self, format_error};
use crate::error::{Error, Result};
use crate::io;
use crate::loss::{OutputLoss, SigmoidCrossEntropy, SoftmaxCrossEntropy};
use crate::network::Network;
use safetensors::SafeTensors;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

const FORMAT: &str = "safetensors";
const KIND: &str = "estimator";
const VERSION: &str = "1";

fn key(name: &str) -> String {
    format!("estimator.{name}")
}

/// `bytes` (as [`io::to_bytes`] wrote them) again, with `extra` added to the metadata.
fn with_metadata(bytes: &[u8], extra: HashMap<String, String>) -> Result<Vec<u8>> {
    let mem = Path::new("<memory>");
    let bad = |e: safetensors::SafeTensorError| format_error(mem, FORMAT, 0, "safetensors", e);
    let (_, header) = SafeTensors::read_metadata(bytes).map_err(bad)?;
    let mut meta = header.metadata().clone().unwrap_or_default();
    meta.extend(extra);
    let st = SafeTensors::deserialize(bytes).map_err(bad)?;
    safetensors::serialize(st.tensors(), Some(meta))
        .map_err(|e| Error::InvalidConfig(format!("safetensors serialisation: {e}")))
}

fn params_json(p: &ClassifierParams) -> Value {
    json!({
        "hidden": p.hidden,
        "activation": p.activation.name(),
        "solver": p.solver.name(),
        "learning_rate": p.learning_rate,
        "momentum": p.momentum,
        "nesterov": p.nesterov,
        "beta1": p.beta1,
        "beta2": p.beta2,
        "epsilon": p.epsilon,
        "alpha": p.alpha,
        "dropout": p.dropout,
        "batch_size": p.batch_size,
        "max_epochs": p.max_epochs,
        "max_evals": p.max_evals,
        "tol": p.tol,
        "n_iter_no_change": p.n_iter_no_change,
        "early_stopping": p.early_stopping,
        "validation_fraction": p.validation_fraction,
        "shuffle": p.shuffle,
        "scaling": p.scaling.name(),
        "binary_output": p.binary_output.name(),
        "seed": p.seed,
    })
}

impl<C: StoredLabel> Classifier<C> {
    /// The fitted classifier as safetensors bytes, as [`save`](Self::save) writes them.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] before fitting (or if the serialiser fails, which it does not
    /// for valid models).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let fit = self.fitted()?;
        let net_bytes = match &fit.network {
            ClassifierNetwork::Softmax(n) => io::to_bytes(n)?,
            ClassifierNetwork::Sigmoid(n) => io::to_bytes(n)?,
        };
        let classes: Vec<String> = fit.encoder.classes().iter().map(C::to_text).collect();
        let mut m = HashMap::new();
        m.insert(KIND.to_string(), "classifier".to_string());
        m.insert(key("format_version"), VERSION.to_string());
        m.insert(key("label_kind"), C::KIND.name().to_string());
        m.insert(key("classes"), Value::from(classes).to_string());
        m.insert(key("scaling"), fit.scaler.kind().name().to_string());
        m.insert(key("scaler_offset"), json!(fit.scaler.offset()).to_string());
        m.insert(key("scaler_scale"), json!(fit.scaler.scale()).to_string());
        m.insert(key("params"), params_json(self.params()).to_string());
        with_metadata(&net_bytes, m)
    }

    /// Saves the fitted classifier — network, activations by name, head, scaler, classes and
    /// parameters — to one safetensors file, atomically (a failure leaves the old file).
    ///
    /// The tensors and the architecture metadata are [`io::save`]'s (so [`io::load`] reads
    /// the network of this file too); the estimator adds these keys to the `__metadata__` map:
    ///
    /// | key | value |
    /// |---|---|
    /// | (every key of [`io`]'s table) | the network: sizes, hidden activations by name, head, scalar |
    /// | `estimator` | `classifier` |
    /// | `estimator.format_version` | `1` |
    /// | `estimator.label_kind` | [`LabelKind::name`](super::LabelKind::name): `text`, `integer`, `bool` or `char` |
    /// | `estimator.classes` | JSON array of the classes as text ([`StoredLabel::to_text`]), in class order |
    /// | `estimator.scaling` | [`Scaling::name`]: `standard`, `min_max` or `none` |
    /// | `estimator.scaler_offset`, `estimator.scaler_scale` | JSON arrays of numbers (exact: they round-trip bit for bit) |
    /// | `estimator.params` | JSON object of the hyperparameters (`hidden`, `activation`, `solver`, `learning_rate`, …) |
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] before fitting; [`Error::Io`] if the file cannot be written.
    ///
    /// # Examples
    ///
    /// ```
    /// use deepmultinet::estimator::Classifier;
    /// let x = nalgebra::DMatrix::from_row_slice(4, 2, &[0., 0., 0., 1., 1., 0., 1., 1.]);
    /// let y = ["no", "yes", "yes", "yes"];
    /// let mut clf = Classifier::builder().hidden(&[4]).max_epochs(20).build()?;
    /// clf.fit(&x, &y)?;
    /// let dir = tempfile::tempdir().map_err(|e| deepmultinet::Error::Io { path: ".".into(), source: e })?;
    /// let path = dir.path().join("model.safetensors");
    /// clf.save(&path)?;
    /// let back = Classifier::<String>::load(&path)?; // &str labels load as String
    /// assert_eq!(back.classes(), &["no", "yes"]);
    /// assert_eq!(back.predict_proba(&x)?, clf.predict_proba(&x)?); // bit for bit
    /// # Ok::<(), deepmultinet::Error>(())
    /// ```
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::files::write_atomic(path.as_ref(), &self.to_bytes()?)
    }

    /// Loads a classifier saved by [`save`](Self::save), or a plain network file written
    /// by [`io::save`] (its classes are then `0..K`, it has no scaler), whose activations are
    /// all built in.
    ///
    /// # Errors
    /// As [`from_bytes_with`](Self::from_bytes_with), and [`Error::Io`].
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        Self::load_with(path, &ActivationRegistry::new())
    }

    /// [`load`](Self::load), looking activations up in `registry` first.
    ///
    /// # Errors
    /// As [`from_bytes_with`](Self::from_bytes_with), and [`Error::Io`].
    pub fn load_with(path: impl AsRef<Path>, registry: &ActivationRegistry) -> Result<Self> {
        let path = path.as_ref();
        Self::from_bytes_with(&source::read_file(path)?, path, registry)
    }

    /// A classifier from model-file bytes (`path` names them in errors).
    ///
    /// # Errors
    /// [`Error::Format`] for bytes that are not a model file, metadata that is malformed or
    /// disagrees with the tensors, or a file without architecture metadata;
    /// [`Error::InvalidConfig`] for an activation that is neither built in nor in
    /// `registry`, a regression head, or classes of another kind than `C` (the message
    /// names the type to load them as).
    pub fn from_bytes_with(
        bytes: &[u8],
        path: &Path,
        registry: &ActivationRegistry,
    ) -> Result<Self> {
        let info = io::info_from_bytes(bytes, path)?.ok_or_else(|| {
            format_error(
                path,
                FORMAT,
                8,
                "a model file with architecture metadata (written by `Classifier::save` or \
                 `io::save`); a file without it holds weights only: build a `Network` and use \
                 `io::load_into`",
                "no deepmultinet metadata",
            )
        })?;
        let hidden: Vec<Arc<dyn Activation<f64>>> = info
            .hidden_activations
            .iter()
            .map(|n| registry.get(n))
            .collect::<Result<_>>()?;
        let network = match info.head.as_str() {
            "softmax_cross_entropy" => ClassifierNetwork::Softmax(weights(
                &info.sizes,
                hidden.clone(),
                SoftmaxCrossEntropy::new(),
                bytes,
                path,
            )?),
            "sigmoid_cross_entropy" => ClassifierNetwork::Sigmoid(weights(
                &info.sizes,
                hidden.clone(),
                SigmoidCrossEntropy::new(),
                bytes,
                path,
            )?),
            other => {
                return Err(Error::InvalidConfig(format!(
                    "{}: the model's head is `{other}`, not a classifier's (softmax or sigmoid \
                     cross-entropy); load it with `io::load::<MeanSquaredError<f64>>`",
                    path.display()
                )));
            }
        };
        let meta = metadata(bytes, path)?;
        if meta.get(KIND).map(String::as_str) != Some("classifier") {
            return plain(network, hidden);
        }
        let file = Meta { meta: &meta, path };
        let version = file.get("format_version")?;
        if version != VERSION {
            return Err(file.bad("format_version", "1", version));
        }
        let encoder = file.classes::<C>()?;
        let scaler = file.scaler()?;
        let params = file.params::<C>(registry)?;
        let (k, d) = (network.classes(), network.inputs());
        if encoder.len() != k || scaler.features() != d {
            return Err(format_error(
                path,
                FORMAT,
                8,
                format!("{k} classes and {d} scaler features, as the network has"),
                format!(
                    "{} classes, {} scaler features",
                    encoder.len(),
                    scaler.features()
                ),
            ));
        }
        Ok(Classifier::from_fitted(
            params,
            Fitted {
                encoder,
                scaler,
                network,
                history: None,
            },
        ))
    }
}

/// A network of `sizes` with the file's weights.
fn weights<L: OutputLoss<Scalar = f64>>(
    sizes: &[usize],
    hidden: Vec<Arc<dyn Activation<f64>>>,
    head: L,
    bytes: &[u8],
    path: &Path,
) -> Result<Network<L>> {
    let layout = crate::layout::Layout::new(sizes)?;
    let mut net = Network::from_parts(sizes, hidden, head, vec![0.0; layout.num_params()])?;
    io::from_bytes_into(&mut net, bytes, path)?;
    Ok(net)
}

/// The file's metadata map.
fn metadata(bytes: &[u8], path: &Path) -> Result<HashMap<String, String>> {
    let (_, header) = SafeTensors::read_metadata(bytes)
        .map_err(|e| format_error(path, FORMAT, 0, "a valid safetensors file", e))?;
    Ok(header.metadata().clone().unwrap_or_default())
}

/// A classifier around a plain [`io::save`] network: classes `0..K`, no scaling.
fn plain<C: StoredLabel>(
    network: ClassifierNetwork,
    hidden: Vec<Arc<dyn Activation<f64>>>,
) -> Result<Classifier<C>> {
    let k = network.classes();
    let classes: Option<Vec<C>> = (0..k).map(|c| C::from_text(&c.to_string())).collect();
    let classes = classes.ok_or_else(|| {
        Error::InvalidConfig(format!(
            "a plain network file (io::save) names no classes, so they are 0..={}: load it as \
             `Classifier<usize>` (or another integer type), not `Classifier<{}>`",
            k - 1,
            std::any::type_name::<C>()
        ))
    })?;
    let sizes = network.sizes();
    let mut builder = ClassifierBuilder::<C>::default()
        .hidden(&sizes[1..sizes.len() - 1])
        .scaling(Scaling::None)
        .binary_output(if network.outputs() == 1 {
            BinaryOutput::Sigmoid
        } else {
            BinaryOutput::Softmax
        });
    if let Some(a) = hidden.first() {
        builder = builder.activation_shared(a.clone());
    }
    let scaler = Scaler::identity(network.inputs());
    Ok(Classifier::from_fitted(
        builder.check()?,
        Fitted {
            encoder: LabelEncoder::from_classes(classes)?,
            scaler,
            network,
            history: None,
        },
    ))
}

/// The estimator's part of a file's metadata.
struct Meta<'a> {
    meta: &'a HashMap<String, String>,
    path: &'a Path,
}

impl Meta<'_> {
    fn bad(&self, name: &str, expected: &str, found: &str) -> Error {
        format_error(
            self.path,
            FORMAT,
            8,
            format!("metadata `{}`: {expected}", key(name)),
            format!("`{found}`"),
        )
    }

    fn get(&self, name: &str) -> Result<&str> {
        self.meta
            .get(&key(name))
            .map(String::as_str)
            .ok_or_else(|| self.bad(name, "present", "missing"))
    }

    fn json(&self, name: &str, expected: &str) -> Result<Value> {
        let text = self.get(name)?;
        serde_json::from_str(text).map_err(|_| self.bad(name, expected, text))
    }

    fn strings(&self, name: &str) -> Result<Vec<String>> {
        let expected = "a JSON array of strings";
        serde_json::from_value(self.json(name, expected)?)
            .map_err(|_| self.bad(name, expected, self.get(name).unwrap_or_default()))
    }

    fn numbers(&self, name: &str) -> Result<Vec<f64>> {
        let expected = "a JSON array of numbers";
        serde_json::from_value(self.json(name, expected)?)
            .map_err(|_| self.bad(name, expected, self.get(name).unwrap_or_default()))
    }

    fn classes<C: StoredLabel>(&self) -> Result<LabelEncoder<C>> {
        let kind = self.get("label_kind")?;
        let texts = self.strings("classes")?;
        if kind != C::KIND.name() {
            let file_kind = [
                super::labels::LabelKind::Text,
                super::labels::LabelKind::Integer,
                super::labels::LabelKind::Bool,
                super::labels::LabelKind::Char,
            ]
            .into_iter()
            .find(|k| k.name() == kind);
            let hint = file_kind.map_or_else(String::new, |k| {
                format!("; load it as `Classifier<{}>`", k.rust_type())
            });
            return Err(Error::InvalidConfig(format!(
                "{}: the model's classes are {kind} labels ({}), which `Classifier<{}>` cannot \
                 hold{hint}",
                self.path.display(),
                show_list(&texts, 5),
                std::any::type_name::<C>()
            )));
        }
        let classes: Vec<C> = texts
            .iter()
            .map(|t| {
                C::from_text(t).ok_or_else(|| {
                    Error::InvalidConfig(format!(
                        "{}: class `{t}` does not fit the label type `{}`{}",
                        self.path.display(),
                        std::any::type_name::<C>(),
                        if C::KIND == super::labels::LabelKind::Text {
                            "; load text labels as `Classifier<String>`"
                        } else {
                            ""
                        }
                    ))
                })
            })
            .collect::<Result<_>>()?;
        LabelEncoder::from_classes(classes)
    }

    fn scaler(&self) -> Result<Scaler> {
        let kind = Scaling::from_name(self.get("scaling")?)?;
        let offset = self.numbers("scaler_offset")?;
        let scale = self.numbers("scaler_scale")?;
        Scaler::from_parts(kind, offset, scale)
    }

    fn params<C>(&self, registry: &ActivationRegistry) -> Result<ClassifierParams> {
        let v = self.json("params", "a JSON object")?;
        let d = ClassifierParams::default();
        let f = |name: &str, default: f64| v.get(name).and_then(Value::as_f64).unwrap_or(default);
        let u = |name: &str, default: usize| {
            v.get(name)
                .and_then(Value::as_u64)
                .map_or(default, |x| x as usize)
        };
        let b = |name: &str, default: bool| v.get(name).and_then(Value::as_bool).unwrap_or(default);
        let s = |name: &str| v.get(name).and_then(Value::as_str);
        let hidden: Vec<usize> = v
            .get("hidden")
            .and_then(|h| serde_json::from_value::<Vec<usize>>(h.clone()).ok())
            .unwrap_or(d.hidden.clone());
        let mut builder = ClassifierBuilder::<C>::default()
            .hidden(&hidden)
            .solver(s("solver").map_or(Ok(d.solver), Solver::from_name)?)
            .learning_rate(f("learning_rate", d.learning_rate))
            .momentum(f("momentum", d.momentum), b("nesterov", d.nesterov))
            .adam_betas(
                f("beta1", d.beta1),
                f("beta2", d.beta2),
                f("epsilon", d.epsilon),
            )
            .alpha(f("alpha", d.alpha))
            .dropout(f("dropout", d.dropout))
            .max_epochs(u("max_epochs", d.max_epochs))
            .max_evals(u("max_evals", d.max_evals))
            .tol(f("tol", d.tol))
            .n_iter_no_change(u("n_iter_no_change", d.n_iter_no_change))
            .early_stopping(b("early_stopping", d.early_stopping))
            .validation_fraction(f("validation_fraction", d.validation_fraction))
            .shuffle(b("shuffle", d.shuffle))
            .scaling(s("scaling").map_or(Ok(d.scaling), Scaling::from_name)?)
            .binary_output(s("binary_output").map_or(Ok(d.binary_output), BinaryOutput::from_name)?)
            .seed(v.get("seed").and_then(Value::as_u64).unwrap_or(d.seed));
        if let Some(b) = v.get("batch_size").and_then(Value::as_u64) {
            builder = builder.batch_size(b as usize);
        }
        if let Some(a) = s("activation") {
            builder = builder.activation_shared(registry.get(a)?);
        }
        builder.check()
    }
}
