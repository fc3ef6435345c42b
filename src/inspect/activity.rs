//! Network activity for one sample, as numbers: which neurons a diagram shows, how strongly
//! each fires, and the strongest signals between them.
//!
//! A diagram of a 784-128-64-10 network cannot show 986 neurons and 109,000 connections, so
//! [`network_activity`] chooses: in the input layer the [`ActivityOptions::inputs`] most
//! active pixels, in each hidden layer the [`ActivityOptions::hidden`] most active units
//! (all of them when the layer is narrower), the output units (all of them up to
//! [`ActivityOptions::outputs`]). "Most active" means the largest magnitude `|a|` (ties go
//! to the lower index); the chosen neurons are listed in index order.
//!
//! Between two consecutive layers, the connection from shown neuron `i` to shown neuron
//! `j` carries the **signal** `W[j, i] · a_i` — what `i` adds to `j`'s pre-activation on
//! this sample. The [`ActivityOptions::connections`] strongest `|signal|` are kept,
//! strongest first.

use super::single_input::layer_values;
use crate::error::Result;
use crate::loss::OutputLoss;
use crate::network::{Network, argmax};
use crate::scalar::Scalar;
use nalgebra::DMatrixView;

/// How many neurons and connections [`network_activity`] keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ActivityOptions {
    /// Input pixels shown, the most active first chosen (default 15).
    pub inputs: usize,
    /// Units shown per hidden layer (default 25); a wider layer shows its most active units.
    pub hidden: usize,
    /// Output units shown (default 20): every class of a usual classifier.
    pub outputs: usize,
    /// Connections kept between two consecutive layers, strongest `|w·a|` first
    /// (default 40; 0 keeps none).
    pub connections: usize,
}

impl Default for ActivityOptions {
    fn default() -> Self {
        ActivityOptions {
            inputs: 15,
            hidden: 25,
            outputs: 20,
            connections: 40,
        }
    }
}

/// One neuron of a layer and its activation on the sample.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Neuron {
    /// Unit (or input pixel) index within its layer.
    pub index: usize,
    /// Its activation (for the input layer, the sample's value).
    pub activation: f64,
}

/// The shown neurons of one layer.
#[derive(Clone, Debug, PartialEq)]
pub struct ActivityLayer {
    /// Units in the whole layer.
    pub size: usize,
    /// The neurons shown, in index order.
    pub neurons: Vec<Neuron>,
}

impl ActivityLayer {
    /// Units of the layer not shown (a diagram draws "⋮" for them).
    pub fn omitted(&self) -> usize {
        self.size - self.neurons.len()
    }
    /// Position of unit `index` among the shown neurons, if it is shown.
    pub fn position(&self, index: usize) -> Option<usize> {
        self.neurons.binary_search_by_key(&index, |n| n.index).ok()
    }
}

/// A connection between shown neurons of consecutive layers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Connection {
    /// Unit index in the source layer.
    pub from: usize,
    /// Unit index in the target layer.
    pub to: usize,
    /// The weight `W[to, from]`.
    pub weight: f64,
    /// The signal `weight · a_from` it carries on this sample.
    pub signal: f64,
}

/// What [`network_activity`] found (see the module docs).
#[derive(Clone, Debug, PartialEq)]
pub struct Activity {
    /// The input layer, each hidden layer, the output layer (`sizes().len()` layers).
    pub layers: Vec<ActivityLayer>,
    /// `connections[l]` go from `layers[l]` to `layers[l + 1]`, strongest `|signal|` first.
    pub connections: Vec<Vec<Connection>>,
    /// The predicted class (largest output).
    pub predicted: usize,
}

/// The neurons, activations and strongest signals of sample `column` of `x` (see the
/// module docs).
///
/// ```
/// use deepmultinet::prelude::*;
/// use deepmultinet::inspect::{network_activity, ActivityOptions};
/// use std::sync::Arc;
/// // 3 inputs → 2 ReLU units → 2 outputs; W_0 = [[1, 0, 2], [0, 1, 0]], W_1 = [[1, -1], [0, 3]].
/// let theta = vec![
///     0.0, 0.0, /* W_0 by columns */ 1.0, 0.0, 0.0, 1.0, 2.0, 0.0,
///     0.0, 0.0, /* W_1 by columns */ 1.0, 0.0, -1.0, 3.0,
/// ];
/// let net = Network::from_parts(&[3, 2, 2], vec![Arc::new(Relu)], SoftmaxCrossEntropy::<f64>::new(), theta)?;
/// let x = nalgebra::DMatrix::from_column_slice(3, 1, &[0.5, 0.25, 1.0]);
/// let opts = ActivityOptions { inputs: 2, ..ActivityOptions::default() };
/// let a = network_activity(&net, &x, 0, &opts)?;
/// // The two most active inputs are pixels 0 (0.5) and 2 (1.0), listed in index order.
/// let shown: Vec<usize> = a.layers[0].neurons.iter().map(|n| n.index).collect();
/// assert_eq!(shown, [0, 2]);
/// // Hidden unit 0 = relu(0.5 + 2·1) = 2.5; its signal to output 1 is 0 · 2.5, to output 0 it is 2.5.
/// assert_eq!(a.layers[1].neurons[0].activation, 2.5);
/// // Strongest signal first: input 2 → hidden 0 carries 2 · 1.0.
/// assert_eq!((a.connections[0][0].from, a.connections[0][0].to, a.connections[0][0].signal), (2, 0, 2.0));
/// # Ok::<(), deepmultinet::Error>(())
/// ```
///
/// # Errors
/// [`Error::ShapeMismatch`](crate::Error::ShapeMismatch) /
/// [`Error::EmptyBatch`](crate::Error::EmptyBatch) for a bad `x`;
/// [`Error::IndexOutOfRange`](crate::Error::IndexOutOfRange) if `column` is not a column of
/// `x`; [`Error::InvalidParameter`](crate::Error::InvalidParameter) if `inputs`, `hidden`
/// or `outputs` is 0.
pub fn network_activity<'a, L: OutputLoss>(
    net: &Network<L>,
    x: impl Into<DMatrixView<'a, L::Scalar>>,
    column: usize,
    opts: &ActivityOptions,
) -> Result<Activity> {
    crate::check::at_least_one("inputs", opts.inputs)?;
    crate::check::at_least_one("hidden", opts.hidden)?;
    crate::check::at_least_one("outputs", opts.outputs)?;
    let values = layer_values(net, x.into(), column, "network_activity")?;
    let last = values.len() - 1;
    let layers: Vec<ActivityLayer> = values
        .iter()
        .enumerate()
        .map(|(l, a)| {
            let keep = match l {
                0 => opts.inputs,
                l if l == last => opts.outputs,
                _ => opts.hidden,
            };
            choose(a, keep)
        })
        .collect();
    let mut connections = Vec::with_capacity(last);
    for l in 0..last {
        let w = net.weights(l)?;
        let mut kept = Vec::with_capacity(layers[l].neurons.len() * layers[l + 1].neurons.len());
        for to in &layers[l + 1].neurons {
            for from in &layers[l].neurons {
                let weight = w[(to.index, from.index)].as_f64();
                kept.push(Connection {
                    from: from.index,
                    to: to.index,
                    weight,
                    signal: weight * from.activation,
                });
            }
        }
        // Strongest first; a stable sort keeps ties in (to, from) order.
        kept.sort_by(|a, b| b.signal.abs().total_cmp(&a.signal.abs()));
        kept.truncate(opts.connections);
        connections.push(kept);
    }
    Ok(Activity {
        predicted: argmax(&values[last]),
        layers,
        connections,
    })
}

/// The `keep` neurons of largest `|a|` (ties: lower index), in index order.
fn choose(a: &[f64], keep: usize) -> ActivityLayer {
    let mut order: Vec<usize> = (0..a.len()).collect();
    if keep < a.len() {
        // NaN sorts as the largest magnitude under total_cmp; show it rather than hide it.
        order.sort_by(|&i, &j| a[j].abs().total_cmp(&a[i].abs()).then(i.cmp(&j)));
        order.truncate(keep);
        order.sort_unstable();
    }
    ActivityLayer {
        size: a.len(),
        neurons: order
            .into_iter()
            .map(|index| Neuron {
                index,
                activation: a[index],
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choose_keeps_the_largest_magnitudes_in_index_order() {
        let l = choose(&[0.1, -3.0, 2.0, 0.0, 2.0], 3);
        let idx: Vec<usize> = l.neurons.iter().map(|n| n.index).collect();
        assert_eq!(idx, [1, 2, 4]);
        assert_eq!((l.size, l.omitted()), (5, 2));
        assert_eq!(l.position(4), Some(2));
        assert_eq!(l.position(0), None);
        assert_eq!(choose(&[1.0, 2.0], 5).neurons.len(), 2);
    }
}
