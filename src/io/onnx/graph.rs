//! The ONNX graph of a [`Network`]: one `Gemm` per layer (`Y = X·Wᵀ + b`, weights stored as
//! PyTorch stores them, `[out, in]` row-major, with `transB = 1`) followed by the layer's
//! activation operator; the last activation is the head's output activation.

use super::ops::OnnxOp;
use super::proto::{
    ATTRIBUTE_INT, AttributeProto, DATA_TYPE_FLOAT, Dimension, DimensionValue, GraphProto,
    ModelProto, NodeProto, OperatorSetIdProto, StringStringEntryProto, TensorProto,
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

/// The whole model: `net` as an ONNX graph with its architecture in `metadata_props`.
///
/// # Errors
/// [`Error::InvalidConfig`] for an activation without an ONNX operator, or a layer too large
/// for ONNX's 64-bit dimensions.
pub(crate) fn model<L: OutputLoss>(net: &Network<L>) -> Result<ModelProto> {
    let ops = activation_ops(net)?;
    let mut nodes = Vec::with_capacity(2 * net.num_layers());
    let mut initializers = Vec::with_capacity(2 * net.num_layers());
    let mut previous = INPUT_NAME.to_string();
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
        nodes.push(NodeProto {
            input: vec![previous, weight, bias],
            output: vec![z.clone()],
            name: format!("{linear}.gemm"),
            op_type: "Gemm".into(),
            domain: String::new(),
            attribute: vec![AttributeProto {
                name: "transB".into(),
                r#type: ATTRIBUTE_INT,
                f: 0.0,
                i: 1,
            }],
        });
        let last = l + 1 == ops.len();
        let a = if last {
            OUTPUT_NAME.to_string()
        } else {
            format!("layers.{}.output", 2 * l + 1)
        };
        nodes.push(NodeProto {
            input: vec![z],
            output: vec![a.clone()],
            name: format!("layers.{}.{}", 2 * l + 1, op.op_type().to_ascii_lowercase()),
            op_type: op.op_type().into(),
            domain: String::new(),
            attribute: op.attributes(),
        });
        previous = a;
    }
    let graph = GraphProto {
        node: nodes,
        name: "deepmultinet".into(),
        initializer: initializers,
        doc_string: format!("feedforward network, layer sizes {:?}", net.sizes()),
        input: vec![batch_tensor(
            INPUT_NAME,
            net.inputs(),
            "samples × features",
        )?],
        output: vec![batch_tensor(
            OUTPUT_NAME,
            net.outputs(),
            "samples × outputs (the head's output activation)",
        )?],
    };
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
        metadata_props: metadata(net),
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
