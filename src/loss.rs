//! Output heads: the output activation together with the cost it is paired with.
//!
//! A head `L` fixes what the last layer computes (`A_L = h(Z_L)`), the cost `J` and the
//! output delta `δ_L = ∂J/∂Z_L`, and carries the scalar type. Costs and deltas here are
//! **summed** over the batch; the network divides by `m` and adds the L2 term
//! `λ/(2m) Σ W²` (weights only, never biases).
//!
//! | head | output | cost per sample | `δ_L` |
//! |---|---|---|---|
//! | [`SigmoidCrossEntropy`] (the course's ex4) | `σ(z)` | `Σ_k −y_k ln a_k − (1−y_k) ln(1−a_k)` | `a − y` |
//! | [`SoftmaxCrossEntropy`] | `softmax(z)` | `−Σ_k y_k ln a_k` | `a − y` |
//! | [`MeanSquaredError`] (Nielsen's quadratic cost) | `g(z)`, default identity | `½ Σ_k (a_k − y_k)²` | `(a − y) ⊙ g'(z)` |
//!
//! The logarithms are computed from `z` (`ln σ(z) = −softplus(−z)`, `ln softmax(z)_k =
//! z_k − logsumexp(z)`), so a saturated output gives a large finite cost, never NaN or ∞.
//!
//! # Examples
//!
//! ```
//! use deepmultinet::prelude::*;
//! // θ = 0: every logit is 0, so softmax gives ½ to each of 2 classes and the cost is ln 2;
//! // two independent sigmoids give ½ each, and the cost is 2 ln 2 (one term per output).
//! let x = nalgebra::DMatrix::from_element(3, 1, 1.0);
//! let soft = Network::with_sizes(&[3, 2], Identity, SoftmaxCrossEntropy::<f64>::new())?;
//! let sig = Network::with_sizes(&[3, 2], Identity, SigmoidCrossEntropy::<f64>::new())?;
//! assert!((soft.cost(&x, &[1usize], 0.0)? - 2f64.ln()).abs() < 1e-15);
//! assert!((sig.cost(&x, &[1usize], 0.0)? - 2.0 * 2f64.ln()).abs() < 1e-15);
//! assert_eq!(soft.head().name(), "softmax_cross_entropy");
//! # Ok::<(), deepmultinet::Error>(())
//! ```
//!
//! Each term of a cost is computed in the scalar type, and the sum over outputs and samples
//! is accumulated in `f64` ([`OutputLoss::cost_f64`]); the network adds the chunks' and
//! threads' sums and the L2 term in `f64` too and rounds `J` once. An `f32` network's cost
//! is then as exact as its logits allow (the course network on 5,000 digits: within 3e-8 of
//! the `f64` cost of the same θ and pixels, on one thread or two; an `f32` running sum was
//! off by 2.4e-5). For `f64` networks nothing changes.

use crate::activation::{Activation, Identity, Sigmoid, log_sum_exp, map_forward, softmax_column};
use crate::linalg::simd::{SimdLoop, run_vectorized};
use crate::scalar::Scalar;
use crate::targets::Targets;
use nalgebra::{DMatrixView, DMatrixViewMut};
use std::fmt::Debug;
use std::marker::PhantomData;
use std::sync::Arc;

/// An output head: output activation + cost + output delta. The `L` of `Network<L>`.
pub trait OutputLoss: Clone + Debug + Send + Sync + 'static {
    /// The scalar the network computes in.
    type Scalar: Scalar;
    /// Name stored in model files: `"sigmoid_cross_entropy"`, `"softmax_cross_entropy"`,
    /// `"mse"` (with the output activation in [`output_activation`](Self::output_activation)).
    /// Every value of a type has the same name (loading a model file relies on it).
    fn name(&self) -> &'static str;
    /// Name of the output activation, e.g. `"sigmoid"`.
    fn output_activation(&self) -> String;
    /// `a ← h(z)` for the output layer (`z` already includes the bias).
    fn activate(&self, z: DMatrixView<'_, Self::Scalar>, a: DMatrixViewMut<'_, Self::Scalar>);
    /// Cost summed over the batch's samples (not divided by `m`, no regularisation).
    fn cost(
        &self,
        z: DMatrixView<'_, Self::Scalar>,
        a: DMatrixView<'_, Self::Scalar>,
        y: &Targets<'_, Self::Scalar>,
    ) -> Self::Scalar;
    /// [`cost`](Self::cost) as an `f64`, the sum accumulated in `f64` — what the network
    /// adds up across chunks and threads and divides by `m`, so that an `f32` network's
    /// cost is not limited by an `f32` running sum over `K·m` terms (each term is still
    /// computed in the scalar type). The built-in heads accumulate in `f64` (and their
    /// `cost` is this, rounded once); the default converts [`cost`](Self::cost).
    fn cost_f64(
        &self,
        z: DMatrixView<'_, Self::Scalar>,
        a: DMatrixView<'_, Self::Scalar>,
        y: &Targets<'_, Self::Scalar>,
    ) -> f64 {
        self.cost(z, a, y).as_f64()
    }
    /// `d ← ∂J/∂z` for the summed cost.
    fn delta(
        &self,
        z: DMatrixView<'_, Self::Scalar>,
        a: DMatrixView<'_, Self::Scalar>,
        y: &Targets<'_, Self::Scalar>,
        d: DMatrixViewMut<'_, Self::Scalar>,
    );
}

/// Bound on |z| inside the cost, so an overflowing logit still gives a finite cost.
#[inline(always)]
fn clamp_logit<T: Scalar>(z: T) -> T {
    let big = T::of(1e30);
    if z > big {
        big
    } else if z < -big {
        -big
    } else {
        z
    }
}

/// `ln(1 + e^x)` without overflow.
#[inline(always)]
fn softplus<T: Scalar>(x: T) -> T {
    let pos = if x > T::zero() { x } else { T::zero() };
    pos + (-x.abs()).exp_branchless().ln_1p_unit()
}

/// `Σ softplus(z)` over a matrix, each term in `T` and the sum in `f64`, compiled for the
/// process's SIMD family: the values are copied, column by column, into blocks of
/// [`SOFTPLUS_BLOCK`], and each block is summed into [`SOFTPLUS_LANES`] running `f64` sums
/// (lane `l` takes the block's elements `l, l + LANES, …`), added up in lane order at the
/// end with the last partial block's terms. The order depends on the matrix only, so the
/// sum has the same bits on every family.
struct SoftplusSum<'z, T: Scalar> {
    z: DMatrixView<'z, T>,
}

/// Values per block of [`SoftplusSum`].
const SOFTPLUS_BLOCK: usize = 64;
/// Running sums of [`SoftplusSum`].
const SOFTPLUS_LANES: usize = 8;

impl<T: Scalar> SimdLoop for SoftplusSum<'_, T> {
    type Output = f64;
    #[inline(always)]
    fn run(self) -> f64 {
        let mut buf = [T::zero(); SOFTPLUS_BLOCK];
        let mut acc = [0.0f64; SOFTPLUS_LANES];
        let mut n = 0;
        for zc in self.z.column_iter() {
            let mut s = zc.as_slice();
            while !s.is_empty() {
                let k = (SOFTPLUS_BLOCK - n).min(s.len());
                let (head, rest) = s.split_at(k);
                buf[n..n + k].copy_from_slice(head);
                (n, s) = (n + k, rest);
                if n == SOFTPLUS_BLOCK {
                    // The terms first (a map loop, which the compiler vectorises), then
                    // their sums by lane.
                    for v in buf.iter_mut() {
                        *v = softplus(clamp_logit(*v));
                    }
                    for chunk in buf.chunks_exact(SOFTPLUS_LANES) {
                        for (a, &t) in acc.iter_mut().zip(chunk) {
                            *a += t.as_f64();
                        }
                    }
                    n = 0;
                }
            }
        }
        let mut total = 0.0;
        for a in acc {
            total += a;
        }
        for &zi in &buf[..n] {
            total += softplus(clamp_logit(zi)).as_f64();
        }
        total
    }
}

/// `a − y` into `d`.
fn a_minus_y<T: Scalar>(a: &DMatrixView<'_, T>, y: &Targets<'_, T>, d: &mut DMatrixViewMut<'_, T>) {
    match y {
        Targets::Labels(labels) => {
            for ((ac, mut dc), &l) in a.column_iter().zip(d.column_iter_mut()).zip(labels.iter()) {
                dc.copy_from(&ac);
                dc[l] -= T::one();
            }
        }
        Targets::Dense(yv) => {
            for ((ac, mut dc), yc) in a
                .column_iter()
                .zip(d.column_iter_mut())
                .zip(yv.column_iter())
            {
                for ((di, &ai), &yi) in dc.iter_mut().zip(ac.iter()).zip(yc.iter()) {
                    *di = ai - yi;
                }
            }
        }
    }
}

/// `new()` and `Default` for a head that holds nothing but its scalar type.
macro_rules! marker_head_constructors {
    ($head:ident) => {
        impl<T> $head<T> {
            /// The head.
            pub fn new() -> Self {
                $head(PhantomData)
            }
        }
        impl<T> Default for $head<T> {
            fn default() -> Self {
                Self::new()
            }
        }
    };
}

/// Sigmoid outputs with binary cross-entropy summed over the K outputs — the cost of the
/// course's exercise 4 (`nnCostFunction`). Labels are one-hot encoded implicitly.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SigmoidCrossEntropy<T>(PhantomData<T>);
marker_head_constructors!(SigmoidCrossEntropy);

impl<T: Scalar> OutputLoss for SigmoidCrossEntropy<T> {
    type Scalar = T;
    fn name(&self) -> &'static str {
        "sigmoid_cross_entropy"
    }
    fn output_activation(&self) -> String {
        "sigmoid".into()
    }
    fn activate(&self, z: DMatrixView<'_, T>, a: DMatrixViewMut<'_, T>) {
        map_forward(&Sigmoid, z, a);
    }
    fn cost(&self, z: DMatrixView<'_, T>, a: DMatrixView<'_, T>, y: &Targets<'_, T>) -> T {
        T::of(self.cost_f64(z, a, y))
    }
    fn cost_f64(&self, z: DMatrixView<'_, T>, _a: DMatrixView<'_, T>, y: &Targets<'_, T>) -> f64 {
        // −y ln σ(z) − (1−y) ln(1−σ(z)) = y·softplus(−z) + (1−y)·softplus(z)
        //                                = softplus(z) − y·z      (softplus(−z) = softplus(z) − z)
        // Σ softplus(z) by a vectorised pass (one branch-free exp and ln(1 + t) per output),
        // minus Σ y·z; each term in T, the sums in f64.
        let mut total = run_vectorized(SoftplusSum { z });
        match y {
            Targets::Labels(labels) => {
                for (j, &l) in labels.iter().enumerate() {
                    // A label outside the outputs matches none of them (costs nothing).
                    if let Some(&zl) = z.get((l, j)) {
                        total -= clamp_logit(zl).as_f64();
                    }
                }
            }
            Targets::Dense(yv) => {
                for (zc, yc) in z.column_iter().zip(yv.column_iter()) {
                    for (&zi, &yi) in zc.iter().zip(yc.iter()) {
                        total -= (yi * clamp_logit(zi)).as_f64();
                    }
                }
            }
        }
        total
    }
    fn delta(
        &self,
        _z: DMatrixView<'_, T>,
        a: DMatrixView<'_, T>,
        y: &Targets<'_, T>,
        mut d: DMatrixViewMut<'_, T>,
    ) {
        a_minus_y(&a, y, &mut d);
    }
}

/// Softmax outputs with categorical cross-entropy `−Σ_k y_k ln a_k`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SoftmaxCrossEntropy<T>(PhantomData<T>);
marker_head_constructors!(SoftmaxCrossEntropy);

impl<T: Scalar> OutputLoss for SoftmaxCrossEntropy<T> {
    type Scalar = T;
    fn name(&self) -> &'static str {
        "softmax_cross_entropy"
    }
    fn output_activation(&self) -> String {
        "softmax".into()
    }
    fn activate(&self, z: DMatrixView<'_, T>, mut a: DMatrixViewMut<'_, T>) {
        for (zc, mut ac) in z.column_iter().zip(a.column_iter_mut()) {
            softmax_column(zc.as_slice(), ac.as_mut_slice());
        }
    }
    fn cost(&self, z: DMatrixView<'_, T>, a: DMatrixView<'_, T>, y: &Targets<'_, T>) -> T {
        let total = T::of(self.cost_f64(z, a, y));
        // A sum beyond T's range is reported as the largest finite cost (see `cost_f64`).
        if total.is_finite() || total.is_nan() {
            total
        } else {
            T::max_finite()
        }
    }
    fn cost_f64(&self, z: DMatrixView<'_, T>, _a: DMatrixView<'_, T>, y: &Targets<'_, T>) -> f64 {
        // −Σ y_k (z_k − lse(z)): each term in T, the sum in f64.
        let mut total = 0.0;
        for (j, zc) in z.column_iter().enumerate() {
            let lse = log_sum_exp(zc.as_slice());
            match y {
                Targets::Labels(l) => total += (lse - zc[l[j]]).as_f64(),
                Targets::Dense(_) => {
                    for (i, &zi) in zc.iter().enumerate() {
                        let yi = y.value(i, j);
                        if yi != T::zero() {
                            total += (yi * (lse - zi)).as_f64();
                        }
                    }
                }
            }
        }
        // An infinite sum of finite terms (overflow, or an infinite term) is reported as the
        // largest finite cost of T; NaN (from NaN logits) is kept so divergence guards see it.
        if total.is_finite() || total.is_nan() {
            total
        } else {
            T::max_finite().as_f64()
        }
    }
    fn delta(
        &self,
        _z: DMatrixView<'_, T>,
        a: DMatrixView<'_, T>,
        y: &Targets<'_, T>,
        mut d: DMatrixViewMut<'_, T>,
    ) {
        a_minus_y(&a, y, &mut d);
    }
}

/// Quadratic cost `½ Σ_k (a_k − y_k)²` per sample (averaged over `m` by the network, as in
/// Nielsen's book), with any output activation (identity by default; the book's uses
/// [`MeanSquaredError::sigmoid`]).
#[derive(Debug, Clone)]
pub struct MeanSquaredError<T: Scalar> {
    output: Arc<dyn Activation<T>>,
}
impl<T: Scalar> MeanSquaredError<T> {
    /// Linear outputs (`a = z`).
    pub fn new() -> Self {
        Self::with_activation(Identity)
    }
    /// Sigmoid outputs, as in Nielsen's `network.py`.
    pub fn sigmoid() -> Self {
        Self::with_activation(Sigmoid)
    }
    /// Any output activation.
    pub fn with_activation(act: impl Activation<T> + 'static) -> Self {
        MeanSquaredError {
            output: Arc::new(act),
        }
    }
    /// From a shared activation (e.g. from [`crate::activation::from_name`]).
    pub fn with_shared_activation(output: Arc<dyn Activation<T>>) -> Self {
        MeanSquaredError { output }
    }
}
impl<T: Scalar> Default for MeanSquaredError<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Scalar> OutputLoss for MeanSquaredError<T> {
    type Scalar = T;
    fn name(&self) -> &'static str {
        "mse"
    }
    fn output_activation(&self) -> String {
        self.output.name()
    }
    fn activate(&self, z: DMatrixView<'_, T>, a: DMatrixViewMut<'_, T>) {
        self.output.forward(z, a);
    }
    fn cost(&self, z: DMatrixView<'_, T>, a: DMatrixView<'_, T>, y: &Targets<'_, T>) -> T {
        T::of(self.cost_f64(z, a, y))
    }
    fn cost_f64(&self, _z: DMatrixView<'_, T>, a: DMatrixView<'_, T>, y: &Targets<'_, T>) -> f64 {
        // Each squared error in T, the sum in f64.
        let mut total = 0.0;
        for (j, ac) in a.column_iter().enumerate() {
            for (i, &ai) in ac.iter().enumerate() {
                let e = ai - y.value(i, j);
                total += (e * e).as_f64();
            }
        }
        total * 0.5
    }
    fn delta(
        &self,
        z: DMatrixView<'_, T>,
        a: DMatrixView<'_, T>,
        y: &Targets<'_, T>,
        mut d: DMatrixViewMut<'_, T>,
    ) {
        a_minus_y(&a, y, &mut d);
        self.output.backward(z, a, d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::GemmKernel;
    use crate::linalg::simd::run_vectorized_as;
    use nalgebra::DMatrix;

    /// Logits of magnitudes 0.01 to 10 and both signs, with exact zeros (every term is at
    /// least softplus(−10) ≈ 4.5·10⁻⁵, so a lost term shows), as rows 1..=10 of a 12-row
    /// matrix (columns that are not contiguous with each other).
    fn logits<T: Scalar>(cols: usize) -> DMatrix<T> {
        DMatrix::from_fn(12, cols, |i, j| {
            let k = (i * 7919 + j * 104_729) % 1000;
            let mag = 10f64.powf(k as f64 / 1000.0 * 3.0 - 2.0);
            let sign = if (i + j) % 3 == 0 { -1.0 } else { 1.0 };
            if (i + 5 * j) % 41 == 0 {
                T::zero()
            } else {
                T::of(sign * mag)
            }
        })
    }

    /// `Σ max(z, 0) + ln(1 + e^−|z|)` by the platform's functions, in f64, with the clamp.
    fn reference<T: Scalar>(z: &DMatrixView<'_, T>) -> f64 {
        z.iter()
            .map(|&zi| {
                let x = zi.as_f64().clamp(-1e30, 1e30);
                x.max(0.0) + (-x.abs()).exp().ln_1p()
            })
            .sum()
    }

    fn check<T: Scalar>(rel: f64) {
        // 1030 values: 16 full blocks and a tail of 6.
        let all = logits::<T>(103);
        let z = all.rows(1, 10);
        let want = reference(&z);
        let mut bits = None;
        for family in GemmKernel::ALL {
            if !family.is_available() {
                eprintln!("skipped: the {family} family (this CPU cannot run it)");
                continue;
            }
            let got = run_vectorized_as(family, SoftplusSum { z });
            assert!(
                ((got - want) / want).abs() <= rel,
                "{} {family}: Σ softplus = {got:e}, platform functions {want:e}",
                T::NAME
            );
            let b = *bits.get_or_insert(got.to_bits());
            assert_eq!(got.to_bits(), b, "{} {family}: other bits", T::NAME);
        }
    }

    /// The vectorised `Σ softplus(z)` of the sigmoid cross-entropy gives the same bits on
    /// every SIMD family this CPU runs and agrees with the platform's `exp` and `ln_1p`;
    /// logits past ±10³⁰ count as ±10³⁰.
    #[test]
    fn the_softplus_sum_is_exact_and_the_same_on_every_family() {
        check::<f64>(1e-14);
        check::<f32>(1e-6);
        let z = DMatrix::from_column_slice(3, 1, &[3e30f64, -3e30, 0.0]);
        let got = run_vectorized(SoftplusSum { z: z.as_view() });
        assert_eq!(got, 1e30 + std::f64::consts::LN_2);
    }

    /// The cost from logits equals `Σ softplus(z) − Σ y·z` with labels and with the same
    /// targets as a dense one-hot matrix, and a label past the outputs costs nothing.
    #[test]
    fn the_sigmoid_cross_entropy_cost_subtracts_the_labelled_logits() {
        let all = logits::<f64>(7);
        let z = all.rows(1, 10);
        let labels = [3usize, 0, 9, 9, 4, 1, 2];
        let one_hot = DMatrix::from_fn(10, 7, |i, j| if labels[j] == i { 1.0 } else { 0.0 });
        let head = SigmoidCrossEntropy::<f64>::new();
        let want = reference(&z)
            - labels
                .iter()
                .enumerate()
                .map(|(j, &l)| z[(l, j)].clamp(-1e30, 1e30))
                .sum::<f64>();
        for y in [Targets::Labels(&labels), Targets::Dense(one_hot.as_view())] {
            let got = head.cost_f64(z, z, &y);
            assert!(
                ((got - want) / want).abs() < 1e-14,
                "{got:e} against {want:e}"
            );
        }
        let past = [3usize, 0, 9, 9, 4, 1, 10];
        let got = head.cost_f64(z, z, &Targets::Labels(&past));
        let want_past = want + z[(2, 6)];
        assert!(((got - want_past) / want_past).abs() < 1e-14);
    }
}
