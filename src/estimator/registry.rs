//! [`ActivationRegistry`]: your own activations by name, so a model file that names them
//! loads back.

use crate::activation::{self, Activation};
use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// Activations a model file may name besides the built-ins
/// ([`activation::from_name`](crate::activation::from_name): `relu`, `tanh`, `sigmoid`,
/// `identity`, `leaky_relu(α)`, `elu(α)`, `softmax`). A model file stores every hidden
/// layer's [`Activation::name`]; loading looks the name up here first, then among the
/// built-ins.
///
/// # Examples
///
/// ```
/// use deepmultinet::activation::{Elementwise, Pointwise};
/// use deepmultinet::estimator::ActivationRegistry;
/// use deepmultinet::Scalar;
/// #[derive(Debug, Clone, Copy)]
/// struct Softsign;
/// impl<T: Scalar> Elementwise<T> for Softsign {
///     fn name(&self) -> String { "softsign".into() }
///     fn f(&self, z: T) -> T { z / (T::one() + z.abs()) }
///     fn df(&self, z: T, _a: T) -> T { let d = T::one() + z.abs(); T::one() / (d * d) }
/// }
/// let reg = ActivationRegistry::new().with(Pointwise(Softsign));
/// assert_eq!(reg.get("softsign")?.name(), "softsign");
/// assert_eq!(reg.get("relu")?.name(), "relu"); // built-ins need no registration
/// assert!(reg.get("swish").unwrap_err().to_string().contains("register"));
/// # Ok::<(), deepmultinet::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct ActivationRegistry {
    by_name: BTreeMap<String, Arc<dyn Activation<f64>>>,
}

impl fmt::Debug for ActivationRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.by_name.keys()).finish()
    }
}

impl ActivationRegistry {
    /// A registry with only the built-ins.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `activation` under its [`Activation::name`] (replacing one of that name).
    pub fn with(self, activation: impl Activation<f64> + 'static) -> Self {
        self.with_shared(Arc::new(activation))
    }

    /// Registers a shared activation under its name.
    pub fn with_shared(mut self, activation: Arc<dyn Activation<f64>>) -> Self {
        self.by_name.insert(activation.name(), activation);
        self
    }

    /// The activation called `name`: a registered one, else a built-in.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] naming the registered activations and how to register one.
    pub fn get(&self, name: &str) -> Result<Arc<dyn Activation<f64>>> {
        if let Some(a) = self.by_name.get(name) {
            return Ok(a.clone());
        }
        activation::from_name::<f64>(name).map_err(|_| {
            let registered: Vec<&str> = self.by_name.keys().map(String::as_str).collect();
            Error::InvalidConfig(format!(
                "the model uses activation `{name}`, which is neither built in (relu, tanh, \
                 sigmoid, identity, leaky_relu(α), elu(α), softmax) nor registered \
                 (registered: {}); register yours: `Classifier::load_with(path, \
                 &ActivationRegistry::new().with(MyActivation))`, where its `name()` is \
                 `{name}`",
                if registered.is_empty() {
                    "none".to_string()
                } else {
                    registered.join(", ")
                }
            ))
        })
    }
}
