#!/usr/bin/env python3
"""Checks an ONNX model exported by deepmultinet with ONNX Runtime, an independent runtime.

    scripts/check-onnx.py MODEL.onnx INPUT.csv EXPECTED.csv [--tol 1e-5]

INPUT.csv holds one sample per line (the model's `input`, float32 [N, inputs]); EXPECTED.csv
our outputs for them (`probabilities`, [N, outputs]), as written by the `onnx_check_files`
tests (`DEEPMULTINET_ONNX_CHECK_DIR=DIR cargo test --release --features onnx --test
onnx_export --test onnx_estimator onnx_check_files`): `every_op` and `trained` are networks,
`estimator` a fitted `Classifier` whose input is the raw features (its scaler is in the
graph) and whose output is `predict_proba`'s, `one_vs_all` a loaded one-vs-all network
with rows whose float32 sigmoids underflow. A NaN output fails. Needs `onnxruntime` and `numpy` (a throwaway venv will do).
Prints `onnxruntime: MODEL max_abs_diff=... n=...` and exits 1 if the difference is above
the tolerance or the model's declared input/output are not as documented.
"""
import argparse
import sys

import numpy as np
import onnxruntime as ort


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("model")
    p.add_argument("input")
    p.add_argument("expected")
    p.add_argument("--tol", type=float, default=1e-5)
    a = p.parse_args()

    x = np.loadtxt(a.input, delimiter=",", dtype=np.float32, ndmin=2)
    want = np.loadtxt(a.expected, delimiter=",", dtype=np.float64, ndmin=2)
    sess = ort.InferenceSession(a.model, providers=["CPUExecutionProvider"])
    (inp,) = sess.get_inputs()
    (out,) = sess.get_outputs()
    problems = []
    if inp.name != "input" or out.name != "probabilities":
        problems.append(f"names {inp.name!r} -> {out.name!r}, expected 'input' -> 'probabilities'")
    if isinstance(inp.shape[0], int) or inp.shape[1] != x.shape[1]:
        problems.append(f"input shape {inp.shape}, expected [N, {x.shape[1]}] with N symbolic")
    (got,) = sess.run(["probabilities"], {inp.name: x})
    if got.shape != want.shape:
        problems.append(f"output shape {got.shape}, expected {want.shape}")
        diff = float("inf")
    else:
        diff = float(np.max(np.abs(got.astype(np.float64) - want)))
    print(f"onnxruntime {ort.__version__}: {a.model} max_abs_diff={diff:.3e} n={x.shape[0]}")
    if not diff <= a.tol:  # NaN fails too
        problems.append(f"max |onnxruntime - deepmultinet| = {diff:e} > {a.tol:e}")
    for msg in problems:
        print(f"FAILED: {msg}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
