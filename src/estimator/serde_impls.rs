//! Serde for the estimator's parts (cargo feature `serde`): [`Scaler`], [`LabelEncoder`]
//! and [`ClassifierParams`] (with [`Scaling`], [`Solver`] and [`BinaryOutput`], derived
//! beside them). Reading checks what the constructors check — a scaler's lengths, finite
//! offsets and positive scales ([`Scaler::from_parts`]); an encoder's classes sorted,
//! distinct and at least two ([`LabelEncoder::from_classes`]); every parameter
//! ([`ClassifierBuilder::check`](super::ClassifierBuilder::check)) — so a value read back
//! is one the estimator could have made. Missing parameters take their defaults, unknown
//! fields are refused. The hidden activation is written by its
//! [`name`](crate::Activation::name) and read back among the built-ins
//! ([`activation::from_name`](crate::activation::from_name)); a parameter set with your own
//! activation writes its name but reads back only through the builder
//! ([`activation`](super::ClassifierBuilder::activation)).

use super::labels::LabelEncoder;
use super::params::{BinaryOutput, ClassifierParams, Solver};
use super::scaler::{Scaler, Scaling};
use crate::activation;
use serde::de::{self, Deserializer};
use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};
use std::fmt::Debug;

impl Serialize for Scaler {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Scaler", 3)?;
        st.serialize_field("kind", &self.kind())?;
        st.serialize_field("offset", self.offset())?;
        st.serialize_field("scale", self.scale())?;
        st.end()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScalerRepr {
    kind: Scaling,
    offset: Vec<f64>,
    scale: Vec<f64>,
}

impl<'de> Deserialize<'de> for Scaler {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = ScalerRepr::deserialize(d)?;
        Scaler::from_parts(r.kind, r.offset, r.scale).map_err(de::Error::custom)
    }
}

impl<C: Serialize> Serialize for LabelEncoder<C> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("LabelEncoder", 1)?;
        st.serialize_field("classes", self.classes())?;
        st.end()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EncoderRepr<C> {
    classes: Vec<C>,
}

impl<'de, C: Deserialize<'de> + Ord + Clone + Debug> Deserialize<'de> for LabelEncoder<C> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = EncoderRepr::<C>::deserialize(d)?;
        LabelEncoder::from_classes(r.classes).map_err(de::Error::custom)
    }
}

/// [`ClassifierParams`] as written: every field, the activation by name.
#[derive(Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct ParamsRepr {
    hidden: Vec<usize>,
    activation: String,
    solver: Solver,
    learning_rate: f64,
    momentum: f64,
    nesterov: bool,
    beta1: f64,
    beta2: f64,
    epsilon: f64,
    alpha: f64,
    dropout: f64,
    batch_size: Option<usize>,
    max_epochs: usize,
    max_evals: usize,
    tol: f64,
    n_iter_no_change: usize,
    early_stopping: bool,
    validation_fraction: f64,
    shuffle: bool,
    scaling: Scaling,
    binary_output: BinaryOutput,
    seed: u64,
}

impl From<&ClassifierParams> for ParamsRepr {
    fn from(p: &ClassifierParams) -> Self {
        ParamsRepr {
            hidden: p.hidden.clone(),
            activation: p.activation.name(),
            solver: p.solver,
            learning_rate: p.learning_rate,
            momentum: p.momentum,
            nesterov: p.nesterov,
            beta1: p.beta1,
            beta2: p.beta2,
            epsilon: p.epsilon,
            alpha: p.alpha,
            dropout: p.dropout,
            batch_size: p.batch_size,
            max_epochs: p.max_epochs,
            max_evals: p.max_evals,
            tol: p.tol,
            n_iter_no_change: p.n_iter_no_change,
            early_stopping: p.early_stopping,
            validation_fraction: p.validation_fraction,
            shuffle: p.shuffle,
            scaling: p.scaling,
            binary_output: p.binary_output,
            seed: p.seed,
        }
    }
}

impl Default for ParamsRepr {
    fn default() -> Self {
        ParamsRepr::from(&ClassifierParams::default())
    }
}

impl Serialize for ClassifierParams {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ParamsRepr::from(self).serialize(s)
    }
}

impl<'de> Deserialize<'de> for ClassifierParams {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = ParamsRepr::deserialize(d)?;
        let params = ClassifierParams {
            hidden: r.hidden,
            activation: activation::from_name::<f64>(&r.activation).map_err(de::Error::custom)?,
            solver: r.solver,
            learning_rate: r.learning_rate,
            momentum: r.momentum,
            nesterov: r.nesterov,
            beta1: r.beta1,
            beta2: r.beta2,
            epsilon: r.epsilon,
            alpha: r.alpha,
            dropout: r.dropout,
            batch_size: r.batch_size,
            max_epochs: r.max_epochs,
            max_evals: r.max_evals,
            tol: r.tol,
            n_iter_no_change: r.n_iter_no_change,
            early_stopping: r.early_stopping,
            validation_fraction: r.validation_fraction,
            shuffle: r.shuffle,
            scaling: r.scaling,
            binary_output: r.binary_output,
            seed: r.seed,
        };
        params.check().map_err(de::Error::custom)?;
        Ok(params)
    }
}
