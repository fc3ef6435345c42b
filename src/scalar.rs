//! The floating-point types a network can compute in: `f32` (speed) and `f64` (exactness).
//!
//! [`Scalar`] is sealed: it is implemented for `f32` and `f64` only, because the hot path
//! calls the crate's own GEMM kernels (`src/linalg/gemm/`) for each of them; `linalg`
//! chooses the kernels by type, so `Scalar` itself carries no GEMM.
//!
//! # Examples
//!
//! ```
//! use deepmultinet::Scalar;
//! fn mean<T: Scalar>(v: &[T]) -> f64 {
//!     v.iter().map(|x| x.as_f64()).sum::<f64>() / v.len() as f64
//! }
//! assert_eq!(mean(&[1.0f32, 2.0]), 1.5);
//! assert_eq!(f32::of(0.1), 0.1f32); // from f64, rounded
//! assert_eq!(<f64 as Scalar>::NAME, "f64");
//! ```

use nalgebra::RealField;
use std::fmt::{Debug, Display};

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// A real scalar the crate computes in (`f32` or `f64`).
///
/// Mathematical functions (`exp`, `ln`, `tanh`, ...) come from nalgebra's
/// [`RealField`]/`ComplexField`; conversions go through [`Scalar::of`] and
/// [`Scalar::as_f64`].
///
/// ```
/// use deepmultinet::Scalar;
/// assert_eq!(f32::of(0.5), 0.5f32);
/// assert_eq!(0.25f64.as_f64(), 0.25);
/// ```
pub trait Scalar:
    RealField + Copy + Default + Debug + Display + Send + Sync + 'static + sealed::Sealed
{
    /// `"f32"` or `"f64"`; stored in model files.
    const NAME: &'static str;
    /// Converts from `f64` (rounding for `f32`).
    fn of(x: f64) -> Self;
    /// Converts to `f64` (exact).
    fn as_f64(self) -> f64;
    /// Converts a byte (exact; a loop of it vectorises).
    fn of_u8(p: u8) -> Self;
    /// Converts a count or index.
    fn of_usize(n: usize) -> Self {
        Self::of(n as f64)
    }
    /// Largest finite value.
    fn max_finite() -> Self;
    /// Whether the value is NaN.
    fn is_nan(self) -> bool;
    /// Replaces a subnormal value by zero (keeps denormals out of the hot path).
    fn flush_denormal(self) -> Self;
    /// The smallest positive normal value (`f32::MIN_POSITIVE`, `f64::MIN_POSITIVE`).
    fn min_positive() -> Self;
    /// `eˣ` as the crate's logistic sigmoid computes it: branch-free, so a loop of it
    /// compiles to SIMD code, and within 1 ulp of the exact value; arguments below −708
    /// (f32: −86.5) give 0 and above 709.78 (f32: 88.72) `+∞`.
    ///
    /// ```
    /// use deepmultinet::Scalar;
    /// assert_eq!(0.0f64.exp_branchless(), 1.0);
    /// assert!((1.0f64.exp_branchless() - std::f64::consts::E).abs() <= 4.5e-16);
    /// assert_eq!((-800.0f32).exp_branchless(), 0.0);
    /// ```
    fn exp_branchless(self) -> Self;
    /// `ln(1 + self)` for `self` in `[0, 1]`, as the crate's sigmoid cross-entropy cost
    /// computes it (`softplus(x) = max(x, 0) + ln(1 + e^−|x|)`): branch-free, so a loop of it
    /// compiles to SIMD code, and within 2 ulp of the platform's `ln_1p`. Outside `[0, 1]` the
    /// result is unspecified (not an error, not a panic); use [`ln_1p`](nalgebra::ComplexField::ln_1p) there.
    ///
    /// ```
    /// use deepmultinet::Scalar;
    /// assert_eq!(0.0f64.ln_1p_unit(), 0.0);
    /// assert!((1.0f64.ln_1p_unit() - std::f64::consts::LN_2).abs() <= 1.2e-16);
    /// assert_eq!(1e-20f32.ln_1p_unit(), 1e-20);
    /// ```
    fn ln_1p_unit(self) -> Self;
}

macro_rules! impl_scalar {
    ($t:ty, $name:literal, $exp:path, $ln_1p_unit:path) => {
        impl Scalar for $t {
            const NAME: &'static str = $name;
            #[inline(always)]
            fn of(x: f64) -> Self {
                x as $t
            }
            #[inline(always)]
            fn as_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn of_u8(p: u8) -> Self {
                <$t>::from(p)
            }
            #[inline(always)]
            fn max_finite() -> Self {
                <$t>::MAX
            }
            #[inline(always)]
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
            #[inline(always)]
            fn min_positive() -> Self {
                <$t>::MIN_POSITIVE
            }
            #[inline(always)]
            fn exp_branchless(self) -> Self {
                $exp(self)
            }
            #[inline(always)]
            fn ln_1p_unit(self) -> Self {
                $ln_1p_unit(self)
            }
            #[inline(always)]
            fn flush_denormal(self) -> Self {
                if self.abs() < <$t>::MIN_POSITIVE {
                    0.0
                } else {
                    self
                }
            }
        }
    };
}

impl_scalar!(
    f32,
    "f32",
    crate::elementary::exp_f32,
    crate::elementary::ln_1p_unit_f32
);
impl_scalar!(
    f64,
    "f64",
    crate::elementary::exp_f64,
    crate::elementary::ln_1p_unit_f64
);
