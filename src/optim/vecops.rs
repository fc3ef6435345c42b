//! Small vector kernels on θ-shaped slices, accumulating in `f64`.

use crate::scalar::Scalar;

/// `Σ aᵢ bᵢ` accumulated in `f64`.
pub(crate) fn dot<T: Scalar>(a: &[T], b: &[T]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x.as_f64() * y.as_f64()).sum()
}

/// Euclidean norm, accumulated in `f64`.
pub(crate) fn norm<T: Scalar>(a: &[T]) -> f64 {
    dot(a, a).sqrt()
}
