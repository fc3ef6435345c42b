//! The one place where parameters and indices are checked, so that every check of the same
//! kind gives the same named error ([`Error::InvalidParameter`], [`Error::IndexOutOfRange`]).
//!
//! Each function returns `Ok(())` or the error; NaN fails every range check (comparisons are
//! written so that NaN falls on the error side).

use crate::error::{Error, Result};

/// `index < len`, else [`Error::IndexOutOfRange`] naming `what`.
pub(crate) fn index(what: &'static str, index: usize, len: usize) -> Result<()> {
    if index < len {
        Ok(())
    } else {
        Err(Error::IndexOutOfRange { what, index, len })
    }
}

/// The [`Error::InvalidParameter`] for `name = value`, which must be `expected`.
pub(crate) fn invalid(name: &'static str, value: f64, expected: &'static str) -> Error {
    Error::InvalidParameter {
        name,
        value,
        expected,
    }
}

/// `value` finite and `> 0` (learning rates, tolerances that must bite, ε).
pub(crate) fn positive(name: &'static str, value: f64) -> Result<()> {
    if value > 0.0 && value.is_finite() {
        Ok(())
    } else {
        Err(invalid(name, value, "finite and > 0"))
    }
}

/// `value` finite and `≥ 0` (λ, `min_delta`, tolerances where 0 means off).
pub(crate) fn non_negative(name: &'static str, value: f64) -> Result<()> {
    if value >= 0.0 && value.is_finite() {
        Ok(())
    } else {
        Err(invalid(name, value, "finite and ≥ 0"))
    }
}

/// `0 ≤ value < 1` (momentum, Adam's β₁ and β₂).
// Not called yet on this branch: the optimisers' checks move here on the optim branch.
#[allow(dead_code)]
pub(crate) fn unit_interval(name: &'static str, value: f64) -> Result<()> {
    if (0.0..1.0).contains(&value) {
        Ok(())
    } else {
        Err(invalid(name, value, "in [0, 1)"))
    }
}

/// `0 < value < 1` (a fraction of the samples that must leave some on both sides).
pub(crate) fn fraction(name: &'static str, value: f64) -> Result<()> {
    if value > 0.0 && value < 1.0 {
        Ok(())
    } else {
        Err(invalid(name, value, "in (0, 1)"))
    }
}

/// `value > 1` (factors that must grow, e.g. the divergence factor; +∞ switches it off).
pub(crate) fn above_one(name: &'static str, value: f64) -> Result<()> {
    if value > 1.0 {
        Ok(())
    } else {
        Err(invalid(name, value, "> 1"))
    }
}

/// A count of at least 1 (epochs, batch size, layer width, patience).
pub(crate) fn at_least_one(name: &'static str, value: usize) -> Result<()> {
    if value >= 1 {
        Ok(())
    } else {
        Err(invalid(name, 0.0, "at least 1"))
    }
}

/// λ of a cost, in the network's scalar type.
pub(crate) fn lambda<T: crate::Scalar>(lambda: T) -> Result<()> {
    non_negative("lambda", lambda.as_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_and_infinity_fail_every_range_check() {
        for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert!(positive("x", v).is_err());
            assert!(non_negative("x", v).is_err());
            assert!(unit_interval("x", v).is_err());
        }
    }

    #[test]
    fn boundaries_are_where_the_docs_say() {
        assert!(positive("x", 0.0).is_err());
        assert!(positive("x", f64::MIN_POSITIVE).is_ok());
        assert!(non_negative("x", 0.0).is_ok());
        assert!(non_negative("x", -0.0).is_ok());
        assert!(non_negative("x", -1e-300).is_err());
        assert!(unit_interval("x", 0.0).is_ok());
        assert!(unit_interval("x", 1.0).is_err());
        assert!(fraction("x", 0.0).is_err());
        assert!(fraction("x", 0.5).is_ok());
        assert!(fraction("x", 1.0).is_err());
        assert!(fraction("x", f64::NAN).is_err());
        assert!(at_least_one("n", 0).is_err());
        assert!(at_least_one("n", 1).is_ok());
        assert!(index("layer", 2, 3).is_ok());
        assert!(index("layer", 3, 3).is_err());
    }

    #[test]
    fn errors_name_the_parameter_its_value_and_the_expectation() {
        let e = positive("learning_rate", -0.5).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid parameter `learning_rate`: expected finite and > 0, found -0.5"
        );
        let e = index("layer", 4, 3).unwrap_err();
        assert_eq!(
            e.to_string(),
            "layer index 4 is out of range: expected less than 3"
        );
    }
}
