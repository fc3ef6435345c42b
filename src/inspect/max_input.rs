//! The input of norm at most 1 that excites a unit most.
//!
//! For unit `j` of layer `l` with pre-activation `z_j(x)` and activation `a_j = g(z_j)`, we
//! look for `x* = argmax_{‖x‖₂ ≤ 1} z_j(x)`. For the non-decreasing activations of this crate
//! (sigmoid, tanh, ReLU, leaky ReLU, ELU, identity) this also maximises `a_j`; the
//! pre-activation is used because it keeps a gradient where ReLU is flat. For an output unit
//! behind softmax, `z_j` is the class's logit.
//!
//! * **First layer** (`l = 0`): `z_j = w_j·x + b_j` is linear, so by Cauchy–Schwarz the
//!   maximiser is `x* = w_j / ‖w_j‖₂` (bias dropped), with `z_j(x*) = ‖w_j‖₂ + b_j` — the
//!   course's "visualising the hidden layer" picture. [`maximizing_input`] returns this
//!   exactly.
//! * **Deeper units**: projected gradient ascent. The gradient `∂z_j/∂x` comes from a small
//!   dedicated backward pass for one input ([`unit_response`]): start with row `j` of `W_l`,
//!   then for each layer below `g ← W_mᵀ · g'_m(z_m) ⊙ g`, using the activations' own
//!   `backward`. A step is `x ← P(x + s·∇/‖∇‖)` with `P(v) = v / max(1, ‖v‖)` the projection on
//!   the unit ball; `s` doubles (up to 2) after a step that raised `z_j` and halves after one
//!   that did not (which is then undone). Each restart costs up to `max_steps` forward and
//!   backward passes of one sample (≈ 4 × weights below the unit, in flops). Restart 0
//!   starts from the direction of the gradient at `x = 0`, the others from random unit
//!   vectors; the best result wins. The problem is not concave, so this finds a good local
//!   maximum, not a certified global one.

use crate::error::{Error, Result};
use crate::loss::OutputLoss;
use crate::network::Network;
use crate::scalar::Scalar;
use nalgebra::{ComplexField, DMatrix, DMatrixView, RealField};
use num_traits::Zero;
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use super::image::Image;
use crate::data::ImageShape;

/// A unit's response to one input and the gradient of its pre-activation.
#[derive(Clone, Debug, PartialEq)]
pub struct UnitResponse<T> {
    /// Pre-activation `z_j(x)`.
    pub pre_activation: T,
    /// Activation `a_j(x)` (for an output unit, the head's output, e.g. a probability).
    pub activation: T,
    /// `∂z_j/∂x`, one value per input.
    pub gradient: Vec<T>,
}

/// Settings of the projected gradient ascent.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AscentOptions {
    /// Steps per restart (default 300).
    pub max_steps: usize,
    /// Starting step length, in units of the ball's radius (default 0.5).
    pub initial_step: f64,
    /// Number of starts (default 4; at least 1 is used).
    pub restarts: usize,
    /// Stop a restart when the step length falls below this (default 1e-6).
    pub min_step: f64,
}

impl Default for AscentOptions {
    fn default() -> Self {
        AscentOptions {
            max_steps: 300,
            initial_step: 0.5,
            restarts: 4,
            min_step: 1e-6,
        }
    }
}

/// The input of norm ≤ 1 found to excite a unit most.
#[derive(Clone, Debug, PartialEq)]
pub struct MaxInput<T> {
    /// Weight layer of the unit (0 = first hidden layer).
    pub layer: usize,
    /// Unit index within the layer.
    pub unit: usize,
    /// The input `x*` (`‖x*‖₂ ≤ 1`).
    pub input: Vec<T>,
    /// `z_j(x*)`.
    pub pre_activation: f64,
    /// `a_j(x*)`.
    pub activation: f64,
    /// Ascent steps taken over all restarts (0 for the closed-form first layer).
    pub steps: usize,
}

impl<T: Scalar> MaxInput<T> {
    /// The input as an image of `shape`.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if `shape` does not hold the network's inputs.
    pub fn image(&self, shape: ImageShape) -> Result<Image> {
        Image::from_vector(&self.input, shape)
    }
}

fn check_unit<L: OutputLoss>(net: &Network<L>, layer: usize, unit: usize) -> Result<()> {
    net.check_layer(layer)?;
    crate::check::index("unit", unit, net.sizes()[layer + 1])
}

/// `z_l` and `a_l` as one-column matrices, one per layer.
type Columns<T> = (Vec<DMatrix<T>>, Vec<DMatrix<T>>);

/// `z_l` and `a_l` of one input (of the network's input size) for layers `0..=layer`, from
/// the network's own forward pass.
fn forward_one<L: OutputLoss>(
    net: &Network<L>,
    x: &[L::Scalar],
    layer: usize,
) -> Result<Columns<L::Scalar>> {
    let mut ws = net.workspace(1);
    net.forward(&mut ws, DMatrixView::from_slice(x, x.len(), 1))?;
    let mut zs = Vec::with_capacity(layer + 1);
    let mut acts = Vec::with_capacity(layer + 1);
    for l in 0..=layer {
        let (Some(z), Some(a)) = (ws.pre_activations(l), ws.activations(l)) else {
            return Err(Error::IndexOutOfRange {
                what: "layer",
                index: l,
                len: net.num_layers(),
            });
        };
        zs.push(z.into_owned());
        acts.push(a.into_owned());
    }
    Ok((zs, acts))
}

/// Pre-activation, activation and input gradient `∂z_j/∂x` of unit `unit` of layer `layer`
/// for one input `x` (analytic: one forward and one backward pass).
///
/// ```
/// use deepmultinet::prelude::*;
/// use deepmultinet::inspect::unit_response;
/// let mut net = Network::with_sizes(&[2, 1, 1], Sigmoid, SigmoidCrossEntropy::<f64>::new())?;
/// // z = 3·x₀ − x₁ + 0.5 for the hidden unit
/// net.params_mut()[..3].copy_from_slice(&[0.5, 3.0, -1.0]);
/// let r = unit_response(&net, 0, 0, &[1.0, 2.0])?;
/// assert_eq!(r.pre_activation, 1.5);
/// assert_eq!(r.gradient, vec![3.0, -1.0]);
/// # Ok::<(), deepmultinet::Error>(())
/// ```
///
/// # Errors
/// [`Error::IndexOutOfRange`] for a bad layer or unit; [`Error::ShapeMismatch`] if `x` does not
/// have one value per input.
pub fn unit_response<L: OutputLoss>(
    net: &Network<L>,
    layer: usize,
    unit: usize,
    x: &[L::Scalar],
) -> Result<UnitResponse<L::Scalar>> {
    check_unit(net, layer, unit)?;
    if x.len() != net.inputs() {
        return Err(Error::shape(
            "unit_response: input length (network inputs)",
            net.inputs(),
            x.len(),
        ));
    }
    response_unchecked(net, layer, unit, x)
}

fn response_unchecked<L: OutputLoss>(
    net: &Network<L>,
    layer: usize,
    unit: usize,
    x: &[L::Scalar],
) -> Result<UnitResponse<L::Scalar>> {
    let (zs, acts) = forward_one(net, x, layer)?;
    let layout = net.layout();
    let theta = net.params();
    // ∂z_j/∂a_{layer−1} is row j of W_layer.
    let w = layout.weights(theta, layer);
    let mut g = DMatrix::from_iterator(w.ncols(), 1, w.row(unit).iter().copied());
    for m in (0..layer).rev() {
        net.hidden_activations()[m].backward(zs[m].as_view(), acts[m].as_view(), g.as_view_mut());
        g = layout.weights(theta, m).transpose() * g;
    }
    Ok(UnitResponse {
        pre_activation: zs[layer][(unit, 0)],
        activation: acts[layer][(unit, 0)],
        gradient: g.as_slice().to_vec(),
    })
}

fn norm<T: Scalar>(v: &[T]) -> T {
    v.iter().fold(T::zero(), |s, &x| s + x * x).sqrt()
}

/// The input `x` with `‖x‖₂ ≤ 1` that maximises unit `unit` of layer `layer` (see the
/// module docs: closed form `w/‖w‖` in the first layer, projected gradient ascent deeper).
/// Draws random starting points from `rng` for deeper units only.
///
/// # Errors
/// [`Error::IndexOutOfRange`] for a bad layer or unit.
pub fn maximizing_input<L: OutputLoss, R: Rng + ?Sized>(
    net: &Network<L>,
    layer: usize,
    unit: usize,
    options: &AscentOptions,
    rng: &mut R,
) -> Result<MaxInput<L::Scalar>> {
    check_unit(net, layer, unit)?;
    if layer == 0 {
        let w: Vec<L::Scalar> = net.weights(0)?.row(unit).iter().copied().collect();
        let n = norm(&w);
        let input: Vec<L::Scalar> = if n > L::Scalar::zero() {
            w.iter().map(|&v| v / n).collect()
        } else {
            w
        };
        let r = response_unchecked(net, 0, unit, &input)?;
        return Ok(MaxInput {
            layer,
            unit,
            input,
            pre_activation: r.pre_activation.as_f64(),
            activation: r.activation.as_f64(),
            steps: 0,
        });
    }
    let ascent = ascend(net, layer, unit, options, rng)?;
    let r = response_unchecked(net, layer, unit, &ascent.0)?;
    Ok(MaxInput {
        layer,
        unit,
        input: ascent.0,
        pre_activation: r.pre_activation.as_f64(),
        activation: r.activation.as_f64(),
        steps: ascent.1,
    })
}

/// [`maximizing_input`] for every unit of `layer`.
///
/// # Errors
/// [`Error::IndexOutOfRange`] for a bad layer.
pub fn maximizing_inputs<L: OutputLoss, R: Rng + ?Sized>(
    net: &Network<L>,
    layer: usize,
    options: &AscentOptions,
    rng: &mut R,
) -> Result<Vec<MaxInput<L::Scalar>>> {
    net.check_layer(layer)?;
    (0..net.sizes()[layer + 1])
        .map(|j| maximizing_input(net, layer, j, options, rng))
        .collect()
}

fn project<T: Scalar>(v: &mut [T]) {
    let n = norm(v);
    if n > T::one() {
        for x in v.iter_mut() {
            *x /= n;
        }
    }
}

/// Best input over all restarts and the total number of steps.
fn ascend<L: OutputLoss, R: Rng + ?Sized>(
    net: &Network<L>,
    layer: usize,
    unit: usize,
    opts: &AscentOptions,
    rng: &mut R,
) -> Result<(Vec<L::Scalar>, usize)> {
    let n_in = net.inputs();
    let mut best: Option<(Vec<L::Scalar>, L::Scalar)> = None;
    let mut steps = 0;
    for restart in 0..opts.restarts.max(1) {
        let mut x: Vec<L::Scalar> = if restart == 0 {
            response_unchecked(net, layer, unit, &vec![L::Scalar::zero(); n_in])?.gradient
        } else {
            vec![L::Scalar::zero(); n_in]
        };
        let n0 = norm(&x);
        let usable = n0 > L::Scalar::zero() && n0.is_finite();
        if !usable {
            for v in x.iter_mut() {
                let s: f64 = StandardNormal.sample(rng);
                *v = L::Scalar::of(s);
            }
        }
        let n = norm(&x);
        if n > L::Scalar::zero() {
            for v in x.iter_mut() {
                *v /= n;
            }
        }
        let mut r = response_unchecked(net, layer, unit, &x)?;
        let mut step = L::Scalar::of(opts.initial_step);
        let min_step = L::Scalar::of(opts.min_step);
        let two = L::Scalar::of(2.0);
        let mut cand = vec![L::Scalar::zero(); n_in];
        for _ in 0..opts.max_steps {
            let gn = norm(&r.gradient);
            let ascending = gn > L::Scalar::zero() && gn.is_finite() && step >= min_step;
            if !ascending {
                break;
            }
            steps += 1;
            for ((c, &xi), &gi) in cand.iter_mut().zip(&x).zip(&r.gradient) {
                *c = xi + step * gi / gn;
            }
            project(&mut cand);
            let rc = response_unchecked(net, layer, unit, &cand)?;
            if rc.pre_activation > r.pre_activation {
                std::mem::swap(&mut x, &mut cand);
                r = rc;
                step = RealField::min(step * two, two);
            } else {
                step /= two;
            }
        }
        if best.as_ref().is_none_or(|(_, z)| r.pre_activation > *z) {
            best = Some((x, r.pre_activation));
        }
    }
    Ok((best.map(|b| b.0).unwrap_or_default(), steps))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::{Relu, Sigmoid, Tanh};
    use crate::init::Init;
    use crate::loss::{SigmoidCrossEntropy, SoftmaxCrossEntropy};
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn deep_net(seed: u64) -> Network<SoftmaxCrossEntropy<f64>> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        Network::builder(12)
            .hidden(7, Tanh)
            .hidden(5, Sigmoid)
            .hidden(4, Relu)
            .output(3, SoftmaxCrossEntropy::new())
            .init(Init::Glorot)
            .build(&mut rng)
            .unwrap()
    }

    #[test]
    fn gradient_matches_central_differences() {
        let net = deep_net(3);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
        let x: Vec<f64> = (0..12)
            .map(|_| StandardNormal.sample(&mut rng))
            .map(|v: f64| v * 0.3)
            .collect();
        for (layer, unit) in [(0, 6), (1, 4), (2, 3), (3, 1)] {
            let r = unit_response(&net, layer, unit, &x).unwrap();
            let h = 1e-6;
            for i in 0..12 {
                let mut xp = x.clone();
                xp[i] += h;
                let mut xm = x.clone();
                xm[i] -= h;
                let zp = unit_response(&net, layer, unit, &xp)
                    .unwrap()
                    .pre_activation;
                let zm = unit_response(&net, layer, unit, &xm)
                    .unwrap()
                    .pre_activation;
                let num = (zp - zm) / (2.0 * h);
                assert!(
                    (num - r.gradient[i]).abs() < 1e-7 * (1.0 + num.abs()),
                    "layer {layer} unit {unit} input {i}: numeric {num} analytic {}",
                    r.gradient[i]
                );
            }
        }
    }

    #[test]
    fn first_layer_maximiser_is_the_normalised_weight_vector() {
        let net = deep_net(4);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(0);
        let m = maximizing_input(&net, 0, 5, &AscentOptions::default(), &mut rng).unwrap();
        // Independent: W_0[5, i] at θ index s1 + i·s1 + 5 with s1 = 7.
        let w: Vec<f64> = (0..12).map(|i| net.params()[7 + i * 7 + 5]).collect();
        let n = w.iter().map(|v| v * v).sum::<f64>().sqrt();
        for (got, wi) in m.input.iter().zip(&w) {
            assert!((got - wi / n).abs() < 1e-14);
        }
        let b = net.params()[5];
        assert!((m.pre_activation - (n + b)).abs() < 1e-12);

        // Gradient ascent on the same (linear) unit must find the same point.
        let x = ascend(&net, 0, 5, &AscentOptions::default(), &mut rng)
            .unwrap()
            .0;
        for (got, wi) in x.iter().zip(&w) {
            assert!((got - wi / n).abs() < 1e-5, "{got} vs {}", wi / n);
        }
    }

    #[test]
    fn ascent_beats_random_unit_inputs_for_deeper_units() {
        let net = deep_net(5);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        for (layer, unit) in [(1, 0), (1, 3), (2, 2), (3, 0)] {
            let m =
                maximizing_input(&net, layer, unit, &AscentOptions::default(), &mut rng).unwrap();
            let nx = m.input.iter().map(|v| v * v).sum::<f64>().sqrt();
            assert!(nx <= 1.0 + 1e-12, "norm {nx}");
            for _ in 0..500 {
                let mut x: Vec<f64> = (0..12).map(|_| StandardNormal.sample(&mut rng)).collect();
                let n = x.iter().map(|v| v * v).sum::<f64>().sqrt();
                x.iter_mut().for_each(|v| *v /= n);
                let r = unit_response(&net, layer, unit, &x).unwrap();
                assert!(
                    m.pre_activation >= r.pre_activation.as_f64() - 1e-12,
                    "layer {layer} unit {unit}: ascent {} < random {}",
                    m.pre_activation,
                    r.pre_activation
                );
                if layer < 3 {
                    assert!(m.activation >= r.activation - 1e-12);
                }
            }
        }
    }

    #[test]
    fn bad_unit_and_input_are_errors() {
        let net =
            Network::with_sizes(&[3, 2, 2], Sigmoid, SigmoidCrossEntropy::<f32>::new()).unwrap();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(0);
        let o = AscentOptions::default();
        for (layer, unit, bad) in [(0, 2, "unit"), (2, 0, "layer")] {
            assert!(matches!(
                maximizing_input(&net, layer, unit, &o, &mut rng),
                Err(Error::IndexOutOfRange { what, index: 2, len: 2 }) if what == bad
            ));
        }
        assert!(matches!(
            maximizing_inputs(&net, 2, &o, &mut rng),
            Err(Error::IndexOutOfRange { what: "layer", .. })
        ));
        assert!(unit_response(&net, 1, 0, &[0.0; 2]).is_err());
        // All-zero weights: the maximiser is 0 and nothing panics.
        let m = maximizing_input(&net, 1, 1, &o, &mut rng).unwrap();
        assert_eq!(m.input.len(), 3);
    }
}
