//! Serde for `f64` fields that may hold NaN or ±∞ (a fresh [`History`](crate::History)'s
//! initial cost is NaN, a diverged run's cost ∞). JSON has no such numbers (`serde_json`
//! would write `null` and then refuse to read it back), so human-readable formats get the
//! strings `"NaN"`, `"inf"` and `"-inf"` for them and plain numbers otherwise; binary formats
//! get the `f64` itself. Reading accepts a number, one of those strings, or `null` (NaN).
//!
//! Used as `#[serde(with = "crate::serde_float")]`, `with = "crate::serde_float::option"`
//! and `with = "crate::serde_float::vec"`.

use serde::de::{self, Deserializer, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An `f64` that survives every format.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Float(pub f64);

impl Serialize for Float {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v = self.0;
        if v.is_finite() || !s.is_human_readable() {
            s.serialize_f64(v)
        } else if v.is_nan() {
            s.serialize_str("NaN")
        } else if v > 0.0 {
            s.serialize_str("inf")
        } else {
            s.serialize_str("-inf")
        }
    }
}

impl<'de> Deserialize<'de> for Float {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            d.deserialize_any(FloatVisitor)
        } else {
            f64::deserialize(d).map(Float)
        }
    }
}

struct FloatVisitor;

impl Visitor<'_> for FloatVisitor {
    type Value = Float;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number, \"NaN\", \"inf\", \"-inf\" or null")
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Float, E> {
        Ok(Float(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Float, E> {
        Ok(Float(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Float, E> {
        Ok(Float(v as f64))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Float, E> {
        match v.trim().to_ascii_lowercase().as_str() {
            "nan" => Ok(Float(f64::NAN)),
            "inf" | "+inf" | "infinity" | "+infinity" => Ok(Float(f64::INFINITY)),
            "-inf" | "-infinity" => Ok(Float(f64::NEG_INFINITY)),
            _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
        }
    }
    fn visit_unit<E: de::Error>(self) -> Result<Float, E> {
        Ok(Float(f64::NAN))
    }
    fn visit_none<E: de::Error>(self) -> Result<Float, E> {
        Ok(Float(f64::NAN))
    }
}

/// `serialize_with` for an `f64`.
pub(crate) fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    Float(*v).serialize(s)
}

/// `deserialize_with` for an `f64`.
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Float::deserialize(d).map(|f| f.0)
}

/// For an `Option<f64>` (`None` is `null`; `Some(NaN)` is `"NaN"`).
pub(crate) mod option {
    use super::Float;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// `serialize_with` for an `Option<f64>`.
    pub(crate) fn serialize<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        v.map(Float).serialize(s)
    }

    /// `deserialize_with` for an `Option<f64>`.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        Ok(Option::<Float>::deserialize(d)?.map(|f| f.0))
    }
}

/// For a `Vec<f64>`.
pub(crate) mod vec {
    use super::Float;
    use serde::{Deserialize, Deserializer, Serializer};

    /// `serialize_with` for a `Vec<f64>`.
    pub(crate) fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|&x| Float(x)))
    }

    /// `deserialize_with` for a `Vec<f64>`.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        Ok(Vec::<Float>::deserialize(d)?
            .into_iter()
            .map(|f| f.0)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::Float;

    #[test]
    fn non_finite_values_round_trip_through_json() {
        for v in [0.0, -1.5, 1e300, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let json = serde_json::to_string(&Float(v)).unwrap();
            let back: Float = serde_json::from_str(&json).unwrap();
            assert!(
                back.0 == v || (v.is_nan() && back.0.is_nan()),
                "{v} → {json}"
            );
        }
        assert_eq!(serde_json::to_string(&Float(f64::NAN)).unwrap(), "\"NaN\"");
        assert!(serde_json::from_str::<Float>("null").unwrap().0.is_nan());
        assert_eq!(serde_json::from_str::<Float>("3").unwrap().0, 3.0);
        assert!(serde_json::from_str::<Float>("\"many\"").is_err());
    }
}
