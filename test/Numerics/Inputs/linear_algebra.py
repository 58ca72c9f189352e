"""Products, convolutions, embedding and attention against PyTorch: conv2d
with and without bias under strides, padding and non-square kernels; linear
with and without bias on 2-D and 3-D inputs; matmul on matrices, batches and
broadcast batches; embedding; attention (causal, additive mask, scale)."""

import math

import numpy as np
import torch
import torch.nn.functional as F

from opcheck import Case, main, tensor_type

rng = np.random.default_rng(11)


def normal(*shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def ty(array):
    return tensor_type(array.shape, {"f4": "f32", "f8": "f64", "i4": "i32",
                                     "i8": "i64"}[array.dtype.str[1:]])


def pair(values):
    return f"array<i64: {values[0]}, {values[1]}>"


CASES = []

# conv2d: input [N, C, H, W], weight [O, C, KH, KW].
CONVS = [  # name, input shape, weight shape, stride, padding, bias
    ("conv-3x3", (2, 3, 6, 7), (4, 3, 3, 3), (1, 1), (0, 0), True),
    ("conv-3x3-nobias", (2, 3, 6, 7), (4, 3, 3, 3), (1, 1), (0, 0), False),
    ("conv-3x3-pad1", (2, 3, 6, 7), (4, 3, 3, 3), (1, 1), (1, 1), True),
    ("conv-3x3-stride2-pad1", (2, 3, 7, 8), (5, 3, 3, 3), (2, 2), (1, 1), True),
    ("conv-stride2-pad1-nobias", (1, 2, 8, 8), (3, 2, 3, 3), (2, 2), (1, 1),
     False),
    ("conv-2x3", (2, 2, 5, 6), (3, 2, 2, 3), (1, 1), (0, 0), True),
    ("conv-3x1-stride2x1-pad1x0", (2, 2, 7, 5), (3, 2, 3, 1), (2, 1), (1, 0),
     True),
    ("conv-1x4-stride1x3-pad0x2", (1, 3, 4, 9), (2, 3, 1, 4), (1, 3), (0, 2),
     True),
    ("conv-1x1", (2, 4, 3, 3), (6, 4, 1, 1), (1, 1), (0, 0), True),
    ("conv-5x5-stride3-pad2", (2, 1, 9, 10), (2, 1, 5, 5), (3, 3), (2, 2),
     False),
    ("conv-whole-image", (3, 2, 4, 4), (5, 2, 4, 4), (1, 1), (0, 0), True),
]
for name, xs, ws, stride, padding, bias in CONVS:
    inputs = {"x": normal(*xs), "w": normal(*ws, scale=0.5)}
    if bias:
        inputs["b"] = normal(ws[0])
    operands = ", ".join(f"%{k}" for k in inputs)
    types = ", ".join(ty(v) for v in inputs.values())
    CASES.append(Case(
        name, inputs,
        f"%y = dl.conv2d {operands} {{stride = {pair(stride)}, "
        f"padding = {pair(padding)}}} : {types}", ["y"],
        lambda x, w, b=None, s=stride, p=padding: F.conv2d(x, w, b, s, p)))
CASES.append(Case(
    "conv-default-attributes", {"x": normal(1, 2, 5, 5), "w": normal(3, 2, 3, 3)},
    "%y = dl.conv2d %x, %w : tensor<1x2x5x5xf32>, tensor<3x2x3x3xf32>", ["y"],
    lambda x, w: F.conv2d(x, w)))

# linear: x [..., in], weight [out, in], bias [out].
for name, xs, out, bias in (("linear-2d", (5, 7), 4, True),
                            ("linear-2d-nobias", (5, 7), 4, False),
                            ("linear-3d", (2, 3, 7), 6, True),
                            ("linear-3d-nobias", (2, 3, 7), 6, False),
                            ("linear-4d", (2, 2, 3, 5), 3, True),
                            ("linear-1d", (7,), 3, True),
                            ("linear-wide", (3, 300), 2, True)):
    inputs = {"x": normal(*xs), "w": normal(out, xs[-1])}
    if bias:
        inputs["b"] = normal(out)
    operands = ", ".join(f"%{k}" for k in inputs)
    types = ", ".join(ty(v) for v in inputs.values())
    CASES.append(Case(name, inputs, f"%y = dl.linear {operands} : {types}",
                      ["y"], lambda x, w, b=None: F.linear(x, w, b)))

# A layer whose weight and bias are parameters (dl.param), loaded with --init.
CASES.append(Case(
    "linear-params", {"x": normal(4, 6)}, "%y = dl.linear %x, %w, %b : "
    "tensor<4x6xf32>, tensor<3x6xf32>, tensor<3xf32>", ["y"], F.linear,
    params={"w": normal(3, 6), "b": normal(3)}))

# matmul: torch.matmul for rank >= 2.
for name, ls, rs in (("matmul-2d", (4, 5), (5, 3)),
                     ("matmul-batched", (3, 4, 5), (3, 5, 2)),
                     ("matmul-batched-4d", (2, 3, 4, 5), (2, 3, 5, 2)),
                     ("matmul-shared-rhs", (3, 4, 5), (5, 2)),
                     ("matmul-shared-lhs", (4, 5), (3, 5, 2)),
                     ("matmul-broadcast-batch", (2, 1, 4, 5), (3, 5, 6)),
                     ("matmul-broadcast-both", (1, 3, 4, 5), (2, 1, 5, 2)),
                     ("matmul-vector-like", (1, 6), (6, 1))):
    inputs = {"a": normal(*ls), "b": normal(*rs)}
    CASES.append(Case(name, inputs,
                      f"%y = dl.matmul %a, %b : {ty(inputs['a'])}, "
                      f"{ty(inputs['b'])}", ["y"], torch.matmul))

# embedding: indices of any shape, both index types; every row and the
# first and last.
TABLE = normal(10, 4)
for name, ids in (("embedding-1d", np.array([0, 9, 3, 3, 7], np.int32)),
                  ("embedding-2d", rng.integers(0, 10, (3, 4)).astype(np.int32)),
                  ("embedding-i64", np.array([[9, 0], [1, 2]], np.int64)),
                  ("embedding-scalar", np.array(4, np.int32))):
    element = "i64" if ids.dtype == np.int64 else "i32"
    CASES.append(Case(
        name, {"ids": ids, "table": TABLE},
        f"%y = dl.embedding %ids, %table : {tensor_type(ids.shape, element)}, "
        f"tensor<10x4xf32>", ["y"], lambda ids, table: F.embedding(ids, table)))


# attention: softmax(q k^T * scale + mask) v.
def attention(q, k, v, mask=None, causal=False, scale=None):
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    scores = q @ k.transpose(-1, -2) * scale
    if mask is not None:
        scores = scores + mask
    if causal:
        t, s = scores.shape[-2:]
        future = torch.ones(t, s, dtype=torch.bool).triu(1)
        scores = scores.masked_fill(future, -math.inf)
    return torch.softmax(scores, -1) @ v


def attention_case(name, q, k, v, mask=None, causal=False, scale=None):
    inputs = {"q": q, "k": k, "v": v}
    if mask is not None:
        inputs["m"] = mask
    attrs = []
    if causal:
        attrs.append("causal")
    if scale is not None:
        attrs.append(f"scale = {scale!r} : f64")
    attrs = f" {{{', '.join(attrs)}}}" if attrs else ""
    operands = ", ".join(f"%{k}" for k in inputs)
    types = ", ".join(ty(x) for x in inputs.values())
    CASES.append(Case(
        name, inputs, f"%y, %lse = dl.attention {operands}{attrs} : {types}", ["y"],
        lambda q, k, v, m=None: attention(q, k, v, m, causal, scale)))


attention_case("attention", normal(2, 5, 8), normal(2, 6, 8), normal(2, 6, 3))
attention_case("attention-causal", normal(2, 3, 6, 4), normal(2, 3, 6, 4),
               normal(2, 3, 6, 4), causal=True)
attention_case("attention-scale", normal(2, 4, 8, scale=3), normal(2, 4, 8),
               normal(2, 4, 8), scale=0.05)
mask = normal(5, 6)
mask[1, 2] = -math.inf
mask[3, :5] = -1e9
attention_case("attention-mask", normal(2, 5, 8), normal(2, 6, 8),
               normal(2, 6, 8), mask=mask)
attention_case("attention-mask-batch", normal(2, 2, 4, 4), normal(2, 2, 4, 4),
               normal(2, 2, 4, 4), mask=normal(2, 1, 4, 4))
attention_case("attention-causal-mask-scale", normal(2, 5, 4), normal(2, 5, 4),
               normal(2, 5, 4), mask=normal(5, 5), causal=True, scale=0.7)
attention_case("attention-large-scores", normal(1, 4, 8, scale=30),
               normal(1, 4, 8, scale=30), normal(1, 4, 8))
attention_case("attention-2d", normal(4, 8), normal(7, 8), normal(7, 2))

# f64 operands: products that the runtime's f32 GEMM does not take.
D = {"a": normal(2, 3, 4).astype(np.float64), "b": normal(4, 5).astype(np.float64)}
CASES.append(Case(
    "matmul-f64", D, "%y = dl.matmul %a, %b : tensor<2x3x4xf64>, tensor<4x5xf64>",
    {"y": "tensor<2x3x5xf64>"}, torch.matmul))
D = {"x": normal(3, 4).astype(np.float64), "w": normal(2, 4).astype(np.float64),
     "b": normal(2).astype(np.float64)}
CASES.append(Case(
    "linear-f64", D,
    "%y = dl.linear %x, %w, %b : tensor<3x4xf64>, tensor<2x4xf64>, tensor<2xf64>",
    {"y": "tensor<3x2xf64>"}, F.linear))
D = {"x": normal(1, 2, 5, 5).astype(np.float64),
     "w": normal(3, 2, 3, 3).astype(np.float64)}
CASES.append(Case(
    "conv-f64", D, "%y = dl.conv2d %x, %w {stride = array<i64: 2, 2>, "
    "padding = array<i64: 1, 1>} : tensor<1x2x5x5xf64>, tensor<3x2x3x3xf64>",
    {"y": "tensor<1x3x3x3xf64>"}, lambda x, w: F.conv2d(x, w, None, 2, 1)))
D = {"q": normal(2, 4, 3).astype(np.float64), "k": normal(2, 4, 3).astype(np.float64),
     "v": normal(2, 4, 3).astype(np.float64)}
CASES.append(Case(
    "attention-f64", D, "%y, %lse = dl.attention %q, %k, %v {causal} : "
    "tensor<2x4x3xf64>, tensor<2x4x3xf64>, tensor<2x4x3xf64>",
    {"y": "tensor<2x4x3xf64>"},
    lambda q, k, v: attention(q, k, v, causal=True)))

if __name__ == "__main__":
    main(CASES)
