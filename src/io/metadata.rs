//! What a model file says about its network: [`ModelInfo`] (sizes, activations and head by
//! name, scalar) in the safetensors `__metadata__` map, and the heads that can be rebuilt from
//! those names ([`LoadableHead`]).

use super::offsets::Offsets;
use super::safetensors::FORMAT;
use crate::activation::{self, Activation};
use crate::data::excerpt;
use crate::data::source::format_error;
use crate::error::{Error, Result};
use crate::loss::{MeanSquaredError, OutputLoss, SigmoidCrossEntropy, SoftmaxCrossEntropy};
use crate::network::Network;
use crate::scalar::Scalar;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// An output head that can be rebuilt from the names stored in a model file.
///
/// Every value of the type has the same [`OutputLoss::name`]; a file's `head` is compared
/// with the name of the type's [`Default`] value. The default value is also the head of a
/// network built for a file that carries no metadata.
pub trait LoadableHead: OutputLoss + Default + Sized {
    /// The head with output activation `name`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] if this head cannot have that output activation.
    fn with_output_activation(name: &str) -> Result<Self>;
}

fn fixed_output<L: OutputLoss>(head: L, name: &str) -> Result<L> {
    let own = head.output_activation();
    if own == name {
        Ok(head)
    } else {
        Err(Error::InvalidConfig(format!(
            "the {} head has output activation `{own}`, not `{name}`",
            head.name()
        )))
    }
}

impl<T: Scalar> LoadableHead for SigmoidCrossEntropy<T> {
    fn with_output_activation(name: &str) -> Result<Self> {
        fixed_output(Self::new(), name)
    }
}
impl<T: Scalar> LoadableHead for SoftmaxCrossEntropy<T> {
    fn with_output_activation(name: &str) -> Result<Self> {
        fixed_output(Self::new(), name)
    }
}
impl<T: Scalar> LoadableHead for MeanSquaredError<T> {
    fn with_output_activation(name: &str) -> Result<Self> {
        Ok(Self::with_shared_activation(activation::from_name(name)?))
    }
}

/// The architecture recorded in a model file's metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelInfo {
    /// Layer sizes, inputs first.
    pub sizes: Vec<usize>,
    /// One activation name per hidden layer.
    pub hidden_activations: Vec<String>,
    /// The head's [`OutputLoss::name`].
    pub head: String,
    /// The head's output activation.
    pub output_activation: String,
    /// `"f32"` or `"f64"`.
    pub scalar: String,
}

impl ModelInfo {
    /// The architecture of `net`.
    pub fn of<L: OutputLoss>(net: &Network<L>) -> Self {
        ModelInfo {
            sizes: net.sizes().to_vec(),
            hidden_activations: net.hidden_activations().iter().map(|a| a.name()).collect(),
            head: net.head().name().to_string(),
            output_activation: net.head().output_activation(),
            scalar: <L::Scalar as Scalar>::NAME.to_string(),
        }
    }

    pub(super) fn to_metadata(&self) -> HashMap<String, String> {
        let mut m = HashMap::new();
        m.insert("library".into(), "deepmultinet".into());
        m.insert("format_version".into(), "1".into());
        m.insert(
            "sizes".into(),
            serde_json::Value::from(self.sizes.clone()).to_string(),
        );
        m.insert(
            "hidden_activations".into(),
            serde_json::Value::from(self.hidden_activations.clone()).to_string(),
        );
        m.insert("head".into(), self.head.clone());
        m.insert("output_activation".into(), self.output_activation.clone());
        m.insert("scalar".into(), self.scalar.clone());
        m
    }

    /// Reads the architecture from metadata; `None` if the file carries none of ours.
    pub(super) fn from_metadata(
        meta: &HashMap<String, String>,
        path: &Path,
        at: &Offsets<'_>,
    ) -> Result<Option<Self>> {
        if !meta.contains_key("sizes") && !meta.contains_key("head") {
            return Ok(None);
        }
        let bad = |key: &str, expected: &str, found: &str| {
            format_error(
                path,
                FORMAT,
                at.key(key),
                format!("metadata `{key}`: {expected}"),
                excerpt::quote(found),
            )
        };
        let get = |key: &str| {
            meta.get(key)
                .cloned()
                .ok_or_else(|| bad(key, "present", "missing"))
        };
        let sizes_s = get("sizes")?;
        let sizes: Vec<usize> = serde_json::from_str(&sizes_s)
            .map_err(|_| bad("sizes", "a JSON array of layer sizes", &sizes_s))?;
        let acts_s = get("hidden_activations")?;
        let hidden_activations: Vec<String> = serde_json::from_str(&acts_s)
            .map_err(|_| bad("hidden_activations", "a JSON array of names", &acts_s))?;
        Ok(Some(ModelInfo {
            sizes,
            hidden_activations,
            head: get("head")?,
            output_activation: get("output_activation")?,
            scalar: meta.get("scalar").cloned().unwrap_or_default(),
        }))
    }

    /// The head of type `L` this metadata names.
    ///
    /// # Errors
    /// [`Error::Format`] if the file records another head than `L`'s;
    /// [`Error::InvalidConfig`] if `L` cannot have the recorded output activation.
    pub(super) fn head<L: LoadableHead>(&self, path: &Path, at: &Offsets<'_>) -> Result<L> {
        let name = L::default().name();
        if self.head != name {
            return Err(format_error(
                path,
                FORMAT,
                at.key("head"),
                format!("a model with head `{name}` (the type requested)"),
                format!("head {}", excerpt::quote(&self.head)),
            ));
        }
        L::with_output_activation(&self.output_activation)
            .map_err(|e| short_name_error(e, "output activation", &self.output_activation))
    }

    /// The hidden activations, by name.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for an unknown activation name.
    pub(super) fn hidden<T: Scalar>(&self) -> Result<Vec<Arc<dyn Activation<T>>>> {
        self.hidden_activations
            .iter()
            .map(|n| {
                activation::from_name::<T>(n).map_err(|e| short_name_error(e, "activation", n))
            })
            .collect()
    }

    /// Checks that the metadata of a file describes the same network as `mine`.
    ///
    /// # Errors
    /// [`Error::Format`] if sizes, activations or head differ.
    pub(super) fn check_matches(
        &self,
        mine: &ModelInfo,
        path: &Path,
        at: &Offsets<'_>,
    ) -> Result<()> {
        let same = self.sizes == mine.sizes
            && self.hidden_activations == mine.hidden_activations
            && self.head == mine.head
            && self.output_activation == mine.output_activation;
        if same {
            return Ok(());
        }
        Err(format_error(
            path,
            FORMAT,
            at.key("sizes"),
            format!(
                "the given network's architecture: sizes {:?}, hidden {:?}, head {} ({})",
                mine.sizes, mine.hidden_activations, mine.head, mine.output_activation
            ),
            format!(
                "sizes {}, hidden {}, head {} ({})",
                excerpt::list(&self.sizes),
                excerpt::list(&self.hidden_activations),
                excerpt::clip(&self.head),
                excerpt::clip(&self.output_activation)
            ),
        ))
    }
}

/// `e`, or for a name too long to quote whole, the same complaint with the name cut short.
fn short_name_error(e: Error, what: &str, name: &str) -> Error {
    if name.chars().count() <= excerpt::MAX_CHARS {
        return e;
    }
    Error::InvalidConfig(format!("unknown {what} {}", excerpt::quote(name)))
}
