//! Which ONNX operator computes an activation: [`OnnxOp`], found from the activation's
//! [`name`](crate::Activation::name) and then confirmed by running both on probe values, so
//! a user-defined activation that merely borrows a built-in's name is refused too.

use super::proto::{ATTRIBUTE_FLOAT, ATTRIBUTE_INT, AttributeProto};
use crate::activation::{Activation, Elu, Identity, LeakyRelu, Relu, Sigmoid, Softmax, Tanh};
use crate::error::{Error, Result};
use crate::scalar::Scalar;
use nalgebra::DMatrix;
use std::sync::Arc;

/// An ONNX operator (default domain) that one of our activations maps to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum OnnxOp {
    Sigmoid,
    Tanh,
    Relu,
    /// `LeakyRelu` with attribute `alpha`.
    LeakyRelu(f64),
    /// `Elu` with attribute `alpha`.
    Elu(f64),
    /// `Softmax` over `axis = 1` (the units of a `[N, units]` tensor).
    Softmax,
    Identity,
}

impl OnnxOp {
    /// The operator for a built-in activation's name (the syntax of
    /// [`activation::from_name`](crate::activation::from_name)), `None` for any other name.
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        let name = name.trim().to_ascii_lowercase();
        let (base, param) = match name.split_once('(') {
            Some((b, rest)) => (b.trim(), Some(rest.strip_suffix(')')?.trim().parse().ok()?)),
            None => (name.as_str(), None),
        };
        Some(match (base, param) {
            ("sigmoid" | "logistic", None) => OnnxOp::Sigmoid,
            ("tanh", None) => OnnxOp::Tanh,
            ("relu", None) => OnnxOp::Relu,
            ("identity" | "linear", None) => OnnxOp::Identity,
            ("softmax", None) => OnnxOp::Softmax,
            ("leaky_relu", p) => OnnxOp::LeakyRelu(p.unwrap_or(0.01)),
            ("elu", p) => OnnxOp::Elu(p.unwrap_or(1.0)),
            _ => return None,
        })
    }

    /// The ONNX `op_type`.
    pub(crate) fn op_type(self) -> &'static str {
        match self {
            OnnxOp::Sigmoid => "Sigmoid",
            OnnxOp::Tanh => "Tanh",
            OnnxOp::Relu => "Relu",
            OnnxOp::LeakyRelu(_) => "LeakyRelu",
            OnnxOp::Elu(_) => "Elu",
            OnnxOp::Softmax => "Softmax",
            OnnxOp::Identity => "Identity",
        }
    }

    /// The node's attributes (`alpha` as a float; Softmax's `axis`).
    pub(crate) fn attributes(self) -> Vec<AttributeProto> {
        match self {
            OnnxOp::LeakyRelu(alpha) | OnnxOp::Elu(alpha) => vec![float_attribute("alpha", alpha)],
            OnnxOp::Softmax => vec![int_attribute("axis", 1)],
            _ => Vec::new(),
        }
    }

    /// Our built-in activation that this operator computes.
    fn builtin<T: Scalar>(self) -> Arc<dyn Activation<T>> {
        match self {
            OnnxOp::Sigmoid => Arc::new(Sigmoid),
            OnnxOp::Tanh => Arc::new(Tanh),
            OnnxOp::Relu => Arc::new(Relu),
            OnnxOp::LeakyRelu(a) => Arc::new(LeakyRelu(a)),
            OnnxOp::Elu(a) => Arc::new(Elu(a)),
            OnnxOp::Softmax => Arc::new(Softmax),
            OnnxOp::Identity => Arc::new(Identity),
        }
    }

    /// The operator for the activation `name` (of hidden layer `what`), checked to compute
    /// what `apply` computes on probe values.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] naming the activation if it is not a built-in one, or
    /// behaves unlike the built-in of its name.
    pub(crate) fn for_activation<T: Scalar>(
        name: &str,
        what: &str,
        apply: impl Fn(&DMatrix<T>, &mut DMatrix<T>),
    ) -> Result<Self> {
        let unsupported = |why: &str| {
            Error::InvalidConfig(format!(
                "ONNX export: the {what} activation `{name}` {why}; only the built-in \
                 activations (sigmoid, tanh, relu, leaky_relu(α), elu(α), softmax, identity) \
                 have ONNX operators"
            ))
        };
        let op = Self::from_name(name).ok_or_else(|| unsupported("is not a built-in one"))?;
        let z = probe::<T>();
        let mut ours = DMatrix::zeros(z.nrows(), z.ncols());
        let mut builtin = ours.clone();
        apply(&z, &mut ours);
        op.builtin::<T>()
            .forward(z.as_view(), builtin.as_view_mut());
        let close = ours.iter().zip(builtin.iter()).all(|(&a, &b)| {
            let (a, b) = (a.as_f64(), b.as_f64());
            (a - b).abs() <= 1e-6 * b.abs().max(1.0)
        });
        if close {
            Ok(op)
        } else {
            Err(unsupported(
                "computes something else than the built-in of that name (a user-defined \
                 activation?)",
            ))
        }
    }
}

/// Probe pre-activations: two columns (samples) of 7 units each, negative, zero and positive.
fn probe<T: Scalar>() -> DMatrix<T> {
    const Z: [f64; 14] = [
        -4.0, -1.5, -0.3, 0.0, 0.2, 1.0, 3.5, 2.0, -0.7, 0.05, -3.0, 0.9, -0.01, 1.7,
    ];
    DMatrix::from_iterator(7, 2, Z.iter().map(|&v| T::of(v)))
}

fn float_attribute(name: &str, value: f64) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: ATTRIBUTE_FLOAT,
        // ONNX stores float attributes as f32.
        f: value as f32,
        i: 0,
    }
}

fn int_attribute(name: &str, value: i64) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: ATTRIBUTE_INT,
        f: 0.0,
        i: value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::{Elementwise, Pointwise};

    #[test]
    fn names_map_to_operators() {
        assert_eq!(OnnxOp::from_name("relu"), Some(OnnxOp::Relu));
        assert_eq!(
            OnnxOp::from_name("leaky_relu(0.2)"),
            Some(OnnxOp::LeakyRelu(0.2))
        );
        assert_eq!(OnnxOp::from_name("elu"), Some(OnnxOp::Elu(1.0)));
        assert_eq!(OnnxOp::from_name("softsign"), None);
        assert_eq!(OnnxOp::from_name("elu(x)"), None);
        assert_eq!(OnnxOp::from_name("tanh(1)"), None);
    }

    /// A user-defined activation that calls itself "relu" but is not.
    #[derive(Debug)]
    struct Impostor;
    impl Elementwise<f32> for Impostor {
        fn name(&self) -> String {
            "relu".into()
        }
        fn f(&self, z: f32) -> f32 {
            z.abs()
        }
        fn df(&self, _z: f32, _a: f32) -> f32 {
            1.0
        }
    }

    #[test]
    fn a_borrowed_name_is_refused() {
        let act = Pointwise(Impostor);
        let err = OnnxOp::for_activation::<f32>("relu", "hidden layer 1", |z, a| {
            act.forward(z.as_view(), a.as_view_mut())
        })
        .unwrap_err();
        assert!(err.to_string().contains("something else"), "{err}");
        let ok = OnnxOp::for_activation::<f32>("relu", "hidden layer 1", |z, a| {
            Relu.forward(z.as_view(), a.as_view_mut())
        });
        assert_eq!(ok.unwrap(), OnnxOp::Relu);
    }
}
