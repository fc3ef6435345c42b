//! Activation functions as numbers: `f(z)` and `f'(z)` on a grid of `z`, for the built-ins
//! or any [`Elementwise`] function.

use crate::activation::{Elementwise, Elu, Identity, LeakyRelu, Relu, Sigmoid, Tanh};
use crate::error::Result;

/// An activation function sampled on a grid.
#[derive(Clone, Debug, PartialEq)]
pub struct ActivationCurve {
    /// The function's name (as stored in model files, e.g. `"leaky_relu(0.01)"`).
    pub name: String,
    /// The grid of pre-activations, increasing.
    pub z: Vec<f64>,
    /// `f(z)` at each grid point.
    pub f: Vec<f64>,
    /// `f'(z)` at each grid point, as the backward pass computes it (`df(z, f(z))`).
    pub df: Vec<f64>,
}

/// Checks `lo < hi` (both finite) and `points ≥ 2`, and returns the grid.
fn grid((lo, hi): (f64, f64), points: usize) -> Result<Vec<f64>> {
    if !(lo.is_finite() && hi.is_finite()) || lo >= hi {
        return Err(crate::check::invalid(
            "range",
            hi - lo,
            "finite bounds with lo < hi",
        ));
    }
    if points < 2 {
        return Err(crate::check::invalid("points", points as f64, "at least 2"));
    }
    let step = (hi - lo) / (points - 1) as f64;
    Ok((0..points)
        .map(|i| {
            if i + 1 == points {
                hi
            } else {
                lo + step * i as f64
            }
        })
        .collect())
}

/// `f` and `f'` of `act` at `points` evenly spaced `z` in `range` (both ends included).
///
/// ```
/// use deepmultinet::inspect::activation_curve;
/// use deepmultinet::Sigmoid;
/// let c = activation_curve(&Sigmoid, (-1.0, 1.0), 3)?;
/// assert_eq!(c.z, [-1.0, 0.0, 1.0]);
/// assert_eq!((c.f[1], c.df[1]), (0.5, 0.25));
/// # Ok::<(), deepmultinet::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidParameter`](crate::Error::InvalidParameter) for a range that is not
/// finite and increasing, or fewer than 2 points.
pub fn activation_curve<E: Elementwise<f64> + ?Sized>(
    act: &E,
    range: (f64, f64),
    points: usize,
) -> Result<ActivationCurve> {
    let z = grid(range, points)?;
    let f: Vec<f64> = z.iter().map(|&v| act.f(v)).collect();
    let df = z.iter().zip(&f).map(|(&v, &a)| act.df(v, a)).collect();
    Ok(ActivationCurve {
        name: act.name(),
        z,
        f,
        df,
    })
}

/// [`activation_curve`] of every built-in elementwise activation with its default
/// parameters: sigmoid, tanh, ReLU, leaky ReLU (α = 0.01), ELU (α = 1), identity.
/// ([`Softmax`](crate::Softmax) is not elementwise: its output depends on the whole
/// column, so it has no curve.)
///
/// # Errors
/// As [`activation_curve`].
pub fn builtin_activation_curves(range: (f64, f64), points: usize) -> Result<Vec<ActivationCurve>> {
    let all: [&dyn Elementwise<f64>; 6] = [
        &Sigmoid,
        &Tanh,
        &Relu,
        &LeakyRelu::default(),
        &Elu::default(),
        &Identity,
    ];
    all.iter()
        .map(|a| activation_curve(*a, range, points))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivatives_match_central_differences_away_from_kinks() {
        let h = 1e-6;
        for c in builtin_activation_curves((-3.0, 3.0), 61).unwrap() {
            assert_eq!(c.z.len(), 61);
            for (i, &z) in c.z.iter().enumerate() {
                if z.abs() < 0.05 {
                    continue; // the kink of ReLU and its kin
                }
                let act: std::sync::Arc<dyn Elementwise<f64>> = match c.name.as_str() {
                    "sigmoid" => std::sync::Arc::new(Sigmoid),
                    "tanh" => std::sync::Arc::new(Tanh),
                    "relu" => std::sync::Arc::new(Relu),
                    "leaky_relu(0.01)" => std::sync::Arc::new(LeakyRelu::default()),
                    "elu(1)" => std::sync::Arc::new(Elu::default()),
                    "identity" => std::sync::Arc::new(Identity),
                    other => panic!("unexpected {other}"),
                };
                let num = (act.f(z + h) - act.f(z - h)) / (2.0 * h);
                assert!((num - c.df[i]).abs() < 1e-6, "{} at {z}", c.name);
            }
        }
        assert!(builtin_activation_curves((1.0, 1.0), 5).is_err());
        assert!(builtin_activation_curves((0.0, 1.0), 1).is_err());
        assert!(builtin_activation_curves((0.0, f64::NAN), 5).is_err());
    }
}
