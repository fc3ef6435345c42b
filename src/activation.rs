//! Hidden-layer activations, chosen per layer at run time.
//!
//! An activation maps the pre-activation `Z = W·A + b1ᵀ` of a whole batch (`units × m`,
//! samples are columns) to `A = g(Z)`, and in the backward pass turns `∂J/∂A` into
//! `∂J/∂Z` in place. Built-ins: [`Sigmoid`], [`Tanh`], [`Relu`], [`LeakyRelu`], [`Elu`],
//! [`Softmax`] (column-wise, numerically stable) and [`Identity`].
//!
//! Your own activation: implement [`Elementwise`] (a scalar function and its derivative)
//! and wrap it in [`Pointwise`] to get an [`Activation`], or implement [`Activation`] for
//! full control.
//!
//! # Examples
//!
//! ```
//! use deepmultinet::activation::{Activation, Elementwise, Pointwise};
//! use deepmultinet::Scalar;
//! /// softsign(z) = z / (1 + |z|)
//! #[derive(Debug, Clone, Copy)]
//! struct Softsign;
//! impl<T: Scalar> Elementwise<T> for Softsign {
//!     fn name(&self) -> String { "softsign".into() }
//!     fn f(&self, z: T) -> T { z / (T::one() + z.abs()) }
//!     fn df(&self, z: T, _a: T) -> T { let d = T::one() + z.abs(); T::one() / (d * d) }
//! }
//! assert_eq!(Elementwise::<f64>::f(&Softsign, 1.0), 0.5);
//! let act: &dyn Activation<f64> = &Pointwise(Softsign);
//! assert_eq!(act.name(), "softsign");
//! ```

use crate::error::{Error, Result};
use crate::linalg::simd::{SimdLoop, run_vectorized};
use crate::scalar::Scalar;
use nalgebra::{DMatrixView, DMatrixViewMut, DVectorView};
use std::fmt::Debug;
use std::sync::Arc;

/// A hidden-layer activation acting on a whole batch (samples are columns).
pub trait Activation<T: Scalar>: Debug + Send + Sync {
    /// Name stored in model files, e.g. `"relu"` or `"leaky_relu(0.01)"`.
    fn name(&self) -> String;
    /// `a ← g(z)`; `z` and `a` have the same shape.
    fn forward(&self, z: DMatrixView<'_, T>, a: DMatrixViewMut<'_, T>);
    /// Turns `g = ∂J/∂a` into `∂J/∂z` in place, given this layer's `z` and `a = g(z)`.
    fn backward(&self, z: DMatrixView<'_, T>, a: DMatrixView<'_, T>, g: DMatrixViewMut<'_, T>);
    /// `z ← z + b1ᵀ` then `a ← g(z)`. Built-ins fuse both into one pass; the default
    /// adds the bias and calls [`forward`](Self::forward).
    fn forward_biased(
        &self,
        mut z: DMatrixViewMut<'_, T>,
        bias: DVectorView<'_, T>,
        a: DMatrixViewMut<'_, T>,
    ) {
        add_bias(&mut z, &bias);
        self.forward(z.as_view(), a);
    }
}

/// Adds `bias` to every column of `z`.
pub(crate) fn add_bias<T: Scalar>(z: &mut DMatrixViewMut<'_, T>, bias: &DVectorView<'_, T>) {
    let b = bias.as_slice();
    for mut col in z.column_iter_mut() {
        for (v, &bi) in col.iter_mut().zip(b) {
            *v += bi;
        }
    }
}

/// A scalar activation `a = f(z)` applied element by element, with its derivative.
///
/// Wrap it in [`Pointwise`] to use it as an [`Activation`] (fused bias + activation in one
/// pass); the built-in elementwise activations already are.
pub trait Elementwise<T: Scalar>: Debug + Send + Sync {
    /// Name stored in model files.
    fn name(&self) -> String;
    /// `f(z)`.
    fn f(&self, z: T) -> T;
    /// `f'(z)`, given also `a = f(z)` (often cheaper to use).
    fn df(&self, z: T, a: T) -> T;
}

/// An [`Elementwise`] function used as an [`Activation`].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Pointwise<E>(pub E);

impl<T: Scalar, E: Elementwise<T>> Elementwise<T> for Pointwise<E> {
    fn name(&self) -> String {
        self.0.name()
    }
    #[inline(always)]
    fn f(&self, z: T) -> T {
        self.0.f(z)
    }
    #[inline(always)]
    fn df(&self, z: T, a: T) -> T {
        self.0.df(z, a)
    }
}

macro_rules! elementwise_activation {
    ($($ty:ty),*) => {$(
        impl<T: Scalar> Activation<T> for $ty {
            fn name(&self) -> String {
                Elementwise::<T>::name(self)
            }
            fn forward(&self, z: DMatrixView<'_, T>, a: DMatrixViewMut<'_, T>) {
                map_forward(self, z, a)
            }
            fn backward(&self, z: DMatrixView<'_, T>, a: DMatrixView<'_, T>, g: DMatrixViewMut<'_, T>) {
                map_backward(self, z, a, g)
            }
            fn forward_biased(
                &self,
                z: DMatrixViewMut<'_, T>,
                bias: DVectorView<'_, T>,
                a: DMatrixViewMut<'_, T>,
            ) {
                map_forward_biased(self, z, bias, a)
            }
        }
    )*};
}

elementwise_activation!(Sigmoid, Tanh, Relu, LeakyRelu, Elu, Identity);

impl<T: Scalar, E: Elementwise<T>> Activation<T> for Pointwise<E> {
    fn name(&self) -> String {
        self.0.name()
    }
    fn forward(&self, z: DMatrixView<'_, T>, a: DMatrixViewMut<'_, T>) {
        map_forward(self, z, a)
    }
    fn backward(&self, z: DMatrixView<'_, T>, a: DMatrixView<'_, T>, g: DMatrixViewMut<'_, T>) {
        map_backward(self, z, a, g)
    }
    fn forward_biased(
        &self,
        z: DMatrixViewMut<'_, T>,
        bias: DVectorView<'_, T>,
        a: DMatrixViewMut<'_, T>,
    ) {
        map_forward_biased(self, z, bias, a)
    }
}

/// `a ← f(z)` elementwise (the loss heads' output activations use it too), compiled for
/// the process's SIMD family (the arithmetic is the same on all).
#[inline]
pub(crate) fn map_forward<T: Scalar, E: Elementwise<T> + ?Sized>(
    e: &E,
    z: DMatrixView<'_, T>,
    a: DMatrixViewMut<'_, T>,
) {
    run_vectorized(Forward { e, z, a })
}

/// `a ← f(z)` as a [`SimdLoop`].
struct Forward<'a, 'z, T: Scalar, E: ?Sized> {
    e: &'a E,
    z: DMatrixView<'z, T>,
    a: DMatrixViewMut<'z, T>,
}

impl<T: Scalar, E: Elementwise<T> + ?Sized> SimdLoop for Forward<'_, '_, T, E> {
    type Output = ();
    #[inline(always)]
    fn run(mut self) {
        for (zc, mut ac) in self.z.column_iter().zip(self.a.column_iter_mut()) {
            for (&zi, ai) in zc.as_slice().iter().zip(ac.as_mut_slice()) {
                *ai = self.e.f(zi);
            }
        }
    }
}

/// `g ← g ∘ f'(z)`, compiled for the process's SIMD family.
#[inline]
fn map_backward<T: Scalar, E: Elementwise<T> + ?Sized>(
    e: &E,
    z: DMatrixView<'_, T>,
    a: DMatrixView<'_, T>,
    g: DMatrixViewMut<'_, T>,
) {
    run_vectorized(Backward { e, z, a, g })
}

/// `g ← g ∘ f'(z)` as a [`SimdLoop`].
struct Backward<'a, 'z, T: Scalar, E: ?Sized> {
    e: &'a E,
    z: DMatrixView<'z, T>,
    a: DMatrixView<'z, T>,
    g: DMatrixViewMut<'z, T>,
}

impl<T: Scalar, E: Elementwise<T> + ?Sized> SimdLoop for Backward<'_, '_, T, E> {
    type Output = ();
    #[inline(always)]
    fn run(mut self) {
        let columns = self.z.column_iter().zip(self.a.column_iter());
        for ((zc, ac), mut gc) in columns.zip(self.g.column_iter_mut()) {
            let (zc, ac) = (zc.as_slice(), ac.as_slice());
            for ((&zi, &ai), gi) in zc.iter().zip(ac).zip(gc.as_mut_slice()) {
                *gi *= self.e.df(zi, ai);
            }
        }
    }
}

/// `z ← z + b`, `a ← f(z)`, compiled for the process's SIMD family.
#[inline]
fn map_forward_biased<T: Scalar, E: Elementwise<T> + ?Sized>(
    e: &E,
    z: DMatrixViewMut<'_, T>,
    bias: DVectorView<'_, T>,
    a: DMatrixViewMut<'_, T>,
) {
    run_vectorized(ForwardBiased { e, z, bias, a })
}

/// `z ← z + b`, `a ← f(z)` as a [`SimdLoop`].
struct ForwardBiased<'a, 'z, T: Scalar, E: ?Sized> {
    e: &'a E,
    z: DMatrixViewMut<'z, T>,
    bias: DVectorView<'z, T>,
    a: DMatrixViewMut<'z, T>,
}

impl<T: Scalar, E: Elementwise<T> + ?Sized> SimdLoop for ForwardBiased<'_, '_, T, E> {
    type Output = ();
    #[inline(always)]
    fn run(mut self) {
        let b = self.bias.as_slice();
        for (mut zc, mut ac) in self.z.column_iter_mut().zip(self.a.column_iter_mut()) {
            let (zc, ac) = (zc.as_mut_slice(), ac.as_mut_slice());
            for ((zi, ai), &bi) in zc.iter_mut().zip(ac.iter_mut()).zip(b) {
                let v = *zi + bi;
                *zi = v;
                *ai = self.e.f(v);
            }
        }
    }
}

/// Logistic sigmoid `1 / (1 + e^{-z})`; `σ'(z) = σ(z)(1 − σ(z))`, so `σ'(0) = 0.25` exactly.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Sigmoid;
impl<T: Scalar> Elementwise<T> for Sigmoid {
    fn name(&self) -> String {
        "sigmoid".into()
    }
    #[inline(always)]
    fn f(&self, z: T) -> T {
        sigmoid(z)
    }
    #[inline(always)]
    fn df(&self, _z: T, a: T) -> T {
        a * (T::one() - a)
    }
}

/// The logistic function, flushing subnormal results to zero.
#[inline(always)]
pub fn sigmoid<T: Scalar>(z: T) -> T {
    (T::one() / (T::one() + (-z).exp_branchless())).flush_denormal()
}

/// Hyperbolic tangent; `tanh'(z) = 1 − tanh²(z)`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tanh;
impl<T: Scalar> Elementwise<T> for Tanh {
    fn name(&self) -> String {
        "tanh".into()
    }
    #[inline(always)]
    fn f(&self, z: T) -> T {
        z.tanh()
    }
    #[inline(always)]
    fn df(&self, _z: T, a: T) -> T {
        T::one() - a * a
    }
}

/// Rectified linear unit `max(z, 0)`; the derivative at 0 is taken as 0.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Relu;
impl<T: Scalar> Elementwise<T> for Relu {
    fn name(&self) -> String {
        "relu".into()
    }
    #[inline(always)]
    fn f(&self, z: T) -> T {
        if z > T::zero() { z } else { T::zero() }
    }
    #[inline(always)]
    fn df(&self, z: T, _a: T) -> T {
        if z > T::zero() { T::one() } else { T::zero() }
    }
}

/// Leaky ReLU: `z` for `z > 0`, `α·z` otherwise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LeakyRelu(pub f64);
impl Default for LeakyRelu {
    /// α = 0.01.
    fn default() -> Self {
        LeakyRelu(0.01)
    }
}
impl<T: Scalar> Elementwise<T> for LeakyRelu {
    fn name(&self) -> String {
        format!("leaky_relu({})", self.0)
    }
    #[inline(always)]
    fn f(&self, z: T) -> T {
        if z > T::zero() { z } else { T::of(self.0) * z }
    }
    #[inline(always)]
    fn df(&self, z: T, _a: T) -> T {
        if z > T::zero() {
            T::one()
        } else {
            T::of(self.0)
        }
    }
}

/// Exponential linear unit: `z` for `z > 0`, `α(e^z − 1)` otherwise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Elu(pub f64);
impl Default for Elu {
    /// α = 1.
    fn default() -> Self {
        Elu(1.0)
    }
}
impl<T: Scalar> Elementwise<T> for Elu {
    fn name(&self) -> String {
        format!("elu({})", self.0)
    }
    #[inline(always)]
    fn f(&self, z: T) -> T {
        if z > T::zero() {
            z
        } else {
            T::of(self.0) * z.exp_m1()
        }
    }
    #[inline(always)]
    fn df(&self, z: T, a: T) -> T {
        if z > T::zero() {
            T::one()
        } else {
            a + T::of(self.0)
        }
    }
}

/// The identity `a = z` (a linear layer).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Identity;
impl<T: Scalar> Elementwise<T> for Identity {
    fn name(&self) -> String {
        "identity".into()
    }
    #[inline(always)]
    fn f(&self, z: T) -> T {
        z
    }
    #[inline(always)]
    fn df(&self, _z: T, _a: T) -> T {
        T::one()
    }
}

/// Column-wise softmax `a_i = e^{z_i − max z} / Σ_j e^{z_j − max z}` (stable for any finite
/// logits). Backward: `∂J/∂z = a ⊙ (g − aᵀg)` per column.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Softmax;
impl<T: Scalar> Activation<T> for Softmax {
    fn name(&self) -> String {
        "softmax".into()
    }
    fn forward(&self, z: DMatrixView<'_, T>, mut a: DMatrixViewMut<'_, T>) {
        for (zc, mut ac) in z.column_iter().zip(a.column_iter_mut()) {
            softmax_column(zc.as_slice(), ac.as_mut_slice());
        }
    }
    fn backward(
        &self,
        _z: DMatrixView<'_, T>,
        a: DMatrixView<'_, T>,
        mut g: DMatrixViewMut<'_, T>,
    ) {
        for (ac, mut gc) in a.column_iter().zip(g.column_iter_mut()) {
            let dot = ac.dot(&gc);
            for (&ai, gi) in ac.iter().zip(gc.iter_mut()) {
                *gi = ai * (*gi - dot);
            }
        }
    }
}

/// Stable softmax of one column: subtracts the maximum before exponentiating.
pub(crate) fn softmax_column<T: Scalar>(z: &[T], a: &mut [T]) {
    let max = z
        .iter()
        .copied()
        .fold(-T::max_finite(), |m, v| if v > m { v } else { m });
    let mut sum = T::zero();
    for (&zi, ai) in z.iter().zip(a.iter_mut()) {
        let e = (zi - max).exp();
        *ai = e;
        sum += e;
    }
    let inv = T::one() / sum;
    for ai in a.iter_mut() {
        *ai = (*ai * inv).flush_denormal();
    }
}

/// `ln Σ_i e^{z_i}`, computed stably.
pub(crate) fn log_sum_exp<T: Scalar>(z: &[T]) -> T {
    let max = z
        .iter()
        .copied()
        .fold(-T::max_finite(), |m, v| if v > m { v } else { m });
    let mut sum = T::zero();
    for &zi in z {
        sum += (zi - max).exp();
    }
    max + sum.ln()
}

/// Builds a built-in activation from its [`Activation::name`], e.g. `"relu"`, `"tanh"`,
/// `"leaky_relu(0.05)"`, `"elu(1)"` (`"leaky_relu"` and `"elu"` alone take the defaults).
///
/// # Errors
/// [`Error::InvalidConfig`] for an unknown name or a malformed parameter.
///
/// ```
/// let relu = deepmultinet::activation::from_name::<f32>("relu").unwrap();
/// assert_eq!(relu.name(), "relu");
/// assert!(deepmultinet::activation::from_name::<f32>("swish").is_err());
/// ```
pub fn from_name<T: Scalar>(name: &str) -> Result<Arc<dyn Activation<T>>> {
    let name = name.trim().to_ascii_lowercase();
    let (base, param) = match name.split_once('(') {
        Some((b, rest)) => {
            let p = rest
                .strip_suffix(')')
                .ok_or_else(|| Error::InvalidConfig(format!("activation `{name}`: missing `)`")))?;
            let v: f64 = p.trim().parse().map_err(|_| {
                Error::InvalidConfig(format!(
                    "activation `{name}`: parameter `{p}` is not a number"
                ))
            })?;
            (b.trim().to_string(), Some(v))
        }
        None => (name.clone(), None),
    };
    let act: Arc<dyn Activation<T>> = match (base.as_str(), param) {
        ("sigmoid" | "logistic", None) => Arc::new(Sigmoid),
        ("tanh", None) => Arc::new(Tanh),
        ("relu", None) => Arc::new(Relu),
        ("identity" | "linear", None) => Arc::new(Identity),
        ("softmax", None) => Arc::new(Softmax),
        ("leaky_relu", p) => Arc::new(LeakyRelu(p.unwrap_or(0.01))),
        ("elu", p) => Arc::new(Elu(p.unwrap_or(1.0))),
        _ => {
            return Err(Error::InvalidConfig(format!(
                "unknown activation `{name}`; expected one of sigmoid, tanh, relu, \
                 leaky_relu(α), elu(α), softmax, identity"
            )));
        }
    };
    Ok(act)
}
