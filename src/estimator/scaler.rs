//! [`Scaler`]: per-feature standardisation (scikit-learn's `StandardScaler`) or min-max
//! scaling (`MinMaxScaler`), fitted on training data and kept with the model.

use super::samples::Samples;
use crate::error::{Error, Result};
use nalgebra::DMatrix;
use std::fmt;

/// How the estimator scales each feature before the network sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Scaling {
    /// Standardise: `(x − mean) / std` per feature (population std, as scikit-learn's
    /// `StandardScaler`). The default.
    #[default]
    Standard,
    /// Min-max: `(x − min) / (max − min)`, the training range onto `[0, 1]` (scikit-learn's
    /// `MinMaxScaler`); pixels 0..255 become 0..1.
    MinMax,
    /// The features as given.
    None,
}

impl Scaling {
    /// The name stored in model files: `standard`, `min_max`, `none`.
    pub fn name(&self) -> &'static str {
        match self {
            Scaling::Standard => "standard",
            Scaling::MinMax => "min_max",
            Scaling::None => "none",
        }
    }

    /// The scaling called `name` (as [`name`](Self::name) writes it).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for another name.
    pub fn from_name(name: &str) -> Result<Self> {
        match name {
            "standard" => Ok(Scaling::Standard),
            "min_max" => Ok(Scaling::MinMax),
            "none" => Ok(Scaling::None),
            _ => Err(Error::InvalidConfig(format!(
                "unknown scaling `{name}`: expected `standard`, `min_max` or `none`"
            ))),
        }
    }
}

impl fmt::Display for Scaling {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A fitted per-feature affine map `x ↦ (x − offset) / scale`.
///
/// [`Scaling::Standard`]: offset the training mean, scale the population standard
/// deviation; [`Scaling::MinMax`]: offset the training minimum, scale the range. A constant
/// feature (scale below `10 · ε · max(1, |offset|)`) gets scale 1, as scikit-learn does, so
/// it becomes 0 — never NaN.
///
/// # Examples
///
/// ```
/// use deepmultinet::estimator::{Samples, Scaler, Scaling};
/// // Three samples of two features; the second feature is constant.
/// let x = nalgebra::DMatrix::from_row_slice(3, 2, &[1., 7., 2., 7., 3., 7.]);
/// let s = Scaler::fit(Scaling::Standard, &x)?;
/// assert_eq!(s.offset(), &[2.0, 7.0]);
/// assert_eq!(s.scale()[1], 1.0); // constant: no division by 0
/// let z = s.transform(&x)?;      // samples × features again
/// assert_eq!(z.column(1).iter().copied().collect::<Vec<_>>(), vec![0.0; 3]);
/// assert!((z[(2, 0)] - 1.5f64.sqrt()).abs() < 1e-15);
/// # Ok::<(), deepmultinet::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Scaler {
    kind: Scaling,
    offset: Vec<f64>,
    scale: Vec<f64>,
}

impl Scaler {
    /// Fits `kind` on `x` (rows are samples, see [`Samples`]).
    ///
    /// # Errors
    /// [`Error::EmptyBatch`] for no samples; [`Error::NonFinite`] for a NaN or ±∞ value.
    pub fn fit<'a>(kind: Scaling, x: impl Into<Samples<'a>>) -> Result<Self> {
        let x = x.into();
        if x.samples() == 0 {
            return Err(Error::EmptyBatch {
                context: "Scaler::fit",
            });
        }
        x.check_finite("Scaler::fit")?;
        let (m, d) = (x.samples(), x.features());
        let (offset, scale): (Vec<f64>, Vec<f64>) = (0..d)
            .map(|f| {
                let column = (0..m).map(|i| x.at(i, f));
                match kind {
                    Scaling::None => (0.0, 1.0),
                    Scaling::Standard => {
                        let mean = column.clone().sum::<f64>() / m as f64;
                        let var = column.map(|v| (v - mean) * (v - mean)).sum::<f64>() / m as f64;
                        (mean, guard_zero(var.sqrt(), mean))
                    }
                    Scaling::MinMax => {
                        let (lo, hi) = column
                            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
                                (l.min(v), h.max(v))
                            });
                        (lo, guard_zero(hi - lo, lo))
                    }
                }
            })
            .unzip();
        Ok(Scaler {
            kind,
            offset,
            scale,
        })
    }

    /// The identity on `features` features ([`Scaling::None`]).
    pub fn identity(features: usize) -> Self {
        Scaler {
            kind: Scaling::None,
            offset: vec![0.0; features],
            scale: vec![1.0; features],
        }
    }

    /// A scaler from stored parts (a model file).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if the lengths differ; [`Error::InvalidData`] for a scale
    /// that is not finite and > 0 or an offset that is not finite.
    pub fn from_parts(kind: Scaling, offset: Vec<f64>, scale: Vec<f64>) -> Result<Self> {
        if offset.len() != scale.len() {
            return Err(Error::shape(
                "scaler offsets and scales",
                offset.len(),
                scale.len(),
            ));
        }
        let bad_scale = scale.iter().any(|s| !(s.is_finite() && *s > 0.0));
        if bad_scale || offset.iter().any(|o| !o.is_finite()) {
            return Err(Error::InvalidData(
                "a scaler needs finite offsets and finite scales > 0".into(),
            ));
        }
        Ok(Scaler {
            kind,
            offset,
            scale,
        })
    }

    /// Which scaling this is.
    pub fn kind(&self) -> Scaling {
        self.kind
    }
    /// Number of features.
    pub fn features(&self) -> usize {
        self.offset.len()
    }
    /// Per-feature offsets (means or minima).
    pub fn offset(&self) -> &[f64] {
        &self.offset
    }
    /// Per-feature scales (standard deviations or ranges; 1 for constant features).
    pub fn scale(&self) -> &[f64] {
        &self.scale
    }

    /// Feature `f`'s value `v`, scaled.
    #[inline(always)]
    pub(crate) fn apply(&self, f: usize, v: f64) -> f64 {
        match self.kind {
            Scaling::None => v,
            _ => (v - self.offset[f]) / self.scale[f],
        }
    }

    /// `x` scaled, as a new `samples × features` matrix.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] for another number of features (with a transposition hint);
    /// [`Error::NonFinite`] for a NaN or ±∞ value.
    pub fn transform<'a>(&self, x: impl Into<Samples<'a>>) -> Result<DMatrix<f64>> {
        let x = x.into();
        x.check_features(self.features(), "Scaler::transform")?;
        Ok(self.transform_columns(&x, "Scaler::transform")?.transpose())
    }

    /// `x` scaled into a `features × samples` matrix (one sample per column, the network's
    /// layout).
    pub(crate) fn transform_columns(
        &self,
        x: &Samples<'_>,
        context: &'static str,
    ) -> Result<DMatrix<f64>> {
        let rows: Vec<usize> = (0..x.samples()).collect();
        let mut out = DMatrix::zeros(x.features(), rows.len());
        x.gather(&rows, &mut out, |f, v| self.apply(f, v), context)?;
        Ok(out)
    }
}

/// `scale`, or 1 when it is too small to divide by (a constant feature).
fn guard_zero(scale: f64, offset: f64) -> f64 {
    if scale > 10.0 * f64::EPSILON * offset.abs().max(1.0) {
        scale
    } else {
        1.0
    }
}
