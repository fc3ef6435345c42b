//! The ONNX graph of a [`Network`]: one `Gemm` per layer (`Y = X·Wᵀ + b`, weights stored as
//! PyTorch stores them, `[out, in]` row-major, with `transB = 1`) followed by the layer's
//! activation operator; the last activation is the head's output activation.

use super::ops::OnnxOp;
use super::proto::{
    ATTRIBUTE_INT, AttributeProto, DATA_TYPE_FLOAT, DATA_TYPE_INT64, Dimension, DimensionValue,
    GraphProto, ModelProto, NodeProto, OperatorSetIdProto, StringStringEntryProto, TensorProto,
    TensorShapeProto, TensorTypeProto, TypeProto, TypeValue, ValueInfoProto,
};
use super::{BATCH_DIM, INPUT_NAME, IR_VERSION, OPSET_VERSION, OUTPUT_NAME};
use crate::error::{Error, Result};
use crate::loss::OutputLoss;
use crate::network::Network;
use crate::scalar::Scalar;

/// The operators of `net`'s activations: one per hidden layer, then the output's.
///
/// # Errors
/// [`Error::InvalidConfig`] for an activation without an ONNX operator.
pub(crate) fn activation_ops<L: OutputLoss>(net: &Network<L>) -> Result<Vec<OnnxOp>> {
    let mut ops = Vec::with_capacity(net.num_layers());
    for (l, act) in net.hidden_activations().iter().enumerate() {
        let what = format!("hidden layer {}", l + 1);
        ops.push(OnnxOp::for_activation::<L::Scalar>(
            &act.name(),
            &what,
            |z, a| act.forward(z.as_view(), a.as_view_mut()),
        )?);
    }
    let head = net.head();
    ops.push(OnnxOp::for_activation::<L::Scalar>(
        &head.output_activation(),
        "output",
        |z, a| head.activate(z.as_view(), a.as_view_mut()),
    )?);
    Ok(ops)
}

/// What an estimator puts around its network in the exported graph (all of it optional:
/// [`Wrap::default`] is the plain network).
#[derive(Debug, Default)]
pub(crate) struct Wrap<'a> {
    /// Per-feature `(offset, scale)`: the graph computes `(input − offset) / scale` (`Sub`,
    /// then `Div`) before the first `Gemm`, so it takes raw features.
    pub scaler: Option<(&'a [f64], &'a [f64])>,
    /// How the output activation becomes the `probabilities` output.
    pub probabilities: Probabilities,
    /// More `metadata_props` entries.
    pub metadata: Vec<(String, String)>,
}

/// How the last activation becomes the `probabilities` output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Probabilities {
    /// The output activation as it is.
    #[default]
    AsIs,
    /// One sigmoid unit `p` → `[1 − p, p]` (`Sub` from a constant 1, `Concat` on axis 1).
    BinaryPair,
    /// One-vs-all sigmoid units divided by their sum (`ReduceSum` on axis 1, `Div`), `1/K`
    /// where the sum is 0 (`Greater`, `Where`).
    Normalise,
}

/// A node of the default domain.
fn node(name: String, op: &str, input: Vec<String>, output: String) -> NodeProto {
    NodeProto {
        input,
        output: vec![output],
        name,
        op_type: op.into(),
        domain: String::new(),
        attribute: Vec::new(),
    }
}

/// An integer attribute.
fn int_attribute(name: &str, i: i64) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: ATTRIBUTE_INT,
        f: 0.0,
        i,
    }
}

/// The whole model: `net` as an ONNX graph with its architecture in `metadata_props`.
///
/// # Errors
/// [`Error::InvalidConfig`] for an activation without an ONNX operator, or a layer too large
/// for ONNX's 64-bit dimensions.
pub(crate) fn model<L: OutputLoss>(net: &Network<L>) -> Result<ModelProto> {
    model_with(net, &Wrap::default())
}

/// [`model`] with what an estimator adds around the network ([`Wrap`]).
///
/// # Errors
/// As [`model`]; [`Error::ShapeMismatch`] if the scaler's lengths are not the network's
/// inputs, [`Error::InvalidConfig`] if `probabilities` does not fit the outputs.
pub(crate) fn model_with<L: OutputLoss>(net: &Network<L>, wrap: &Wrap<'_>) -> Result<ModelProto> {
    let ops = activation_ops(net)?;
    let mut nodes = Vec::with_capacity(2 * net.num_layers() + 3);
    let mut initializers = Vec::with_capacity(2 * net.num_layers() + 2);
    let mut previous = INPUT_NAME.to_string();
    if let Some((offset, scale)) = wrap.scaler {
        let d = net.inputs();
        if offset.len() != d || scale.len() != d {
            return Err(Error::shape(
                "ONNX export: scaler offsets and scales, one per network input",
                d,
                format!("{} offsets, {} scales", offset.len(), scale.len()),
            ));
        }
        let n = dim(d)?;
        initializers.push(float_tensor(
            "scaler.offset",
            vec![n],
            offset.iter().copied(),
        ));
        initializers.push(float_tensor("scaler.scale", vec![n], scale.iter().copied()));
        let centred = "scaler.centred".to_string();
        nodes.push(node(
            "scaler.sub".into(),
            "Sub",
            vec![previous, "scaler.offset".into()],
            centred.clone(),
        ));
        let scaled = "scaler.output".to_string();
        nodes.push(node(
            "scaler.div".into(),
            "Div",
            vec![centred, "scaler.scale".into()],
            scaled.clone(),
        ));
        previous = scaled;
    }
    let outputs = net.outputs();
    let probability_width = match wrap.probabilities {
        Probabilities::AsIs | Probabilities::Normalise => outputs,
        Probabilities::BinaryPair if outputs == 1 => 2,
        Probabilities::BinaryPair => {
            return Err(Error::InvalidConfig(format!(
                "ONNX export: a [1 − p, p] output needs one output unit, the network has \
                 {outputs}"
            )));
        }
    };
    for (l, &op) in ops.iter().enumerate() {
        // PyTorch's names for an nn.Sequential in `layers` (as in the safetensors files).
        let linear = format!("layers.{}", 2 * l);
        let weight = format!("{linear}.weight");
        let bias = format!("{linear}.bias");
        let w = net.weights(l)?;
        let b = net.bias(l)?;
        let (rows, cols) = (dim(w.nrows())?, dim(w.ncols())?);
        // Row-major [out, in]: row o holds unit o's incoming weights.
        let (out, inp) = w.shape();
        let row_major = (0..out).flat_map(|o| (0..inp).map(move |i| w[(o, i)]));
        initializers.push(float_tensor(&weight, vec![rows, cols], row_major));
        initializers.push(float_tensor(&bias, vec![rows], b.iter().copied()));
        let z = format!("{linear}.output");
        let mut gemm = node(
            format!("{linear}.gemm"),
            "Gemm",
            vec![previous, weight, bias],
            z.clone(),
        );
        gemm.attribute.push(int_attribute("transB", 1));
        nodes.push(gemm);
        let last = l + 1 == ops.len();
        let a = if last && wrap.probabilities == Probabilities::AsIs {
            OUTPUT_NAME.to_string()
        } else {
            format!("layers.{}.output", 2 * l + 1)
        };
        let mut act = node(
            format!("layers.{}.{}", 2 * l + 1, op.op_type().to_ascii_lowercase()),
            op.op_type(),
            vec![z],
            a.clone(),
        );
        act.attribute = op.attributes();
        nodes.push(act);
        previous = a;
    }
    match wrap.probabilities {
        Probabilities::AsIs => {}
        Probabilities::BinaryPair => {
            initializers.push(float_tensor(
                "probabilities.one",
                vec![1],
                [1.0f64].into_iter(),
            ));
            let other = "probabilities.class0".to_string();
            nodes.push(node(
                "probabilities.complement".into(),
                "Sub",
                vec!["probabilities.one".into(), previous.clone()],
                other.clone(),
            ));
            let mut concat = node(
                "probabilities.concat".into(),
                "Concat",
                vec![other, previous],
                OUTPUT_NAME.into(),
            );
            concat.attribute.push(int_attribute("axis", 1));
            nodes.push(concat);
        }
        Probabilities::Normalise => {
            initializers.push(TensorProto {
                dims: vec![1],
                data_type: DATA_TYPE_INT64,
                name: "probabilities.axes".into(),
                raw_data: 1i64.to_le_bytes().to_vec(),
            });
            let sum = "probabilities.sum".to_string();
            let mut reduce = node(
                "probabilities.reduce_sum".into(),
                "ReduceSum",
                vec![previous.clone(), "probabilities.axes".into()],
                sum.clone(),
            );
            reduce.attribute.push(int_attribute("keepdims", 1));
            nodes.push(reduce);
            let ratio = "probabilities.ratio".to_string();
            nodes.push(node(
                "probabilities.normalise".into(),
                "Div",
                vec![previous, sum.clone()],
                ratio.clone(),
            ));
            // A row whose float32 sigmoids all underflow to 0 has the sum 0 and ratios NaN:
            // it gets 1/K instead, as `predict_proba` gives a row whose sum is 0.
            initializers.push(float_tensor(
                "probabilities.zero",
                vec![1],
                [0.0f64].into_iter(),
            ));
            initializers.push(float_tensor(
                "probabilities.uniform",
                vec![1],
                [1.0 / outputs as f64].into_iter(),
            ));
            let positive = "probabilities.positive".to_string();
            nodes.push(node(
                "probabilities.sum_is_positive".into(),
                "Greater",
                vec![sum, "probabilities.zero".into()],
                positive.clone(),
            ));
            nodes.push(node(
                "probabilities.select".into(),
                "Where",
                vec![positive, ratio, "probabilities.uniform".into()],
                OUTPUT_NAME.into(),
            ));
        }
    }
    let mut doc_string = format!("feedforward network, layer sizes {:?}", net.sizes());
    if wrap.scaler.is_some() {
        doc_string.push_str("; the input is scaled in the graph, (x − offset) / scale");
    }
    let graph = GraphProto {
        node: nodes,
        name: "deepmultinet".into(),
        initializer: initializers,
        doc_string,
        input: vec![batch_tensor(
            INPUT_NAME,
            net.inputs(),
            if wrap.scaler.is_some() {
                "samples × features (raw: the graph scales them)"
            } else {
                "samples × features"
            },
        )?],
        output: vec![batch_tensor(
            OUTPUT_NAME,
            probability_width,
            match wrap.probabilities {
                Probabilities::AsIs => "samples × outputs (the head's output activation)",
                _ => "samples × classes (class probabilities)",
            },
        )?],
    };
    let mut metadata_props = metadata(net);
    metadata_props.extend(
        wrap.metadata
            .iter()
            .map(|(key, value)| StringStringEntryProto {
                key: key.clone(),
                value: value.clone(),
            }),
    );
    Ok(ModelProto {
        ir_version: IR_VERSION,
        opset_import: vec![OperatorSetIdProto {
            domain: String::new(),
            version: OPSET_VERSION,
        }],
        producer_name: "deepmultinet".into(),
        producer_version: env!("CARGO_PKG_VERSION").into(),
        domain: String::new(),
        model_version: 1,
        doc_string: String::new(),
        graph: Some(graph),
        metadata_props,
    })
}

/// The architecture, with the keys and values of the safetensors metadata.
fn metadata<L: OutputLoss>(net: &Network<L>) -> Vec<StringStringEntryProto> {
    let list = |items: Vec<String>| format!("[{}]", items.join(","));
    let entry = |key: &str, value: String| StringStringEntryProto {
        key: key.into(),
        value,
    };
    vec![
        entry("library", "deepmultinet".into()),
        entry(
            "sizes",
            list(net.sizes().iter().map(|s| s.to_string()).collect()),
        ),
        entry(
            "hidden_activations",
            list(
                net.hidden_activations()
                    .iter()
                    .map(|a| format!("{:?}", a.name()))
                    .collect(),
            ),
        ),
        entry("head", net.head().name().into()),
        entry("output_activation", net.head().output_activation()),
        entry("scalar", <L::Scalar as Scalar>::NAME.into()),
    ]
}

/// A tensor size as ONNX's `int64`.
fn dim(n: usize) -> Result<i64> {
    i64::try_from(n).map_err(|_| {
        Error::InvalidConfig(format!(
            "ONNX export: size {n} does not fit a 64-bit dimension"
        ))
    })
}

/// A float32 constant tensor named `name` (values in row-major order).
fn float_tensor<T: Scalar>(
    name: &str,
    dims: Vec<i64>,
    values: impl Iterator<Item = T>,
) -> TensorProto {
    let raw_data = values
        .flat_map(|v| (v.as_f64() as f32).to_le_bytes())
        .collect();
    TensorProto {
        dims,
        data_type: DATA_TYPE_FLOAT,
        name: name.into(),
        raw_data,
    }
}

/// A float32 graph input or output of shape `[N, width]` (`N` symbolic).
fn batch_tensor(name: &str, width: usize, doc: &str) -> Result<ValueInfoProto> {
    let dims = vec![
        Dimension {
            value: Some(DimensionValue::DimParam(BATCH_DIM.into())),
        },
        Dimension {
            value: Some(DimensionValue::DimValue(dim(width)?)),
        },
    ];
    Ok(ValueInfoProto {
        name: name.into(),
        r#type: Some(TypeProto {
            value: Some(TypeValue::TensorType(TensorTypeProto {
                elem_type: DATA_TYPE_FLOAT,
                shape: Some(TensorShapeProto { dim: dims }),
            })),
        }),
        doc_string: doc.into(),
    })
}
