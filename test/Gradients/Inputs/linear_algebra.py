"""Gradients of the products, convolutions, embeddings and attention against
finite differences (see test/lib/gradcheck.py): matmul on matrices, batches
and broadcast batches; linear with and without bias on 1-D to 3-D inputs;
conv2d with and without bias under strides, padding and non-square kernels
(input and weight both params); embedding with repeated and unused rows and
i32/i64 indices; attention plain, causal, with an additive mask (a param),
with a scale, with fewer queries than keys, and as self-attention on one
param."""

import numpy as np

import gradcheck
from gradcheck import Case, rng, tensor_type as tt

r = rng(11)


def matmul(name, a, b):
    out = (a @ b).shape
    return Case(name, params={"a": r.normal(0, 1, a.shape),
                              "b": r.normal(0, 1, b.shape)},
                body=f"%y = dl.matmul %a, %b : {tt(a.shape)}, {tt(b.shape)}",
                values={"y": out})


def linear(name, x, out, bias=True):
    w = (out, x[-1])
    params = {"x": r.normal(0, 1, x), "w": r.normal(0, 1, w)}
    operands, types = "%x, %w", f"{tt(x)}, {tt(w)}"
    if bias:
        params["b"] = r.normal(0, 1, (out,))
        operands, types = operands + ", %b", types + f", {tt((out,))}"
    return Case(name, params=params,
                body=f"%y = dl.linear {operands} : {types}",
                values={"y": x[:-1] + (out,)})


def conv(name, x, w, stride=(1, 1), padding=(0, 0), bias=True):
    oh = (x[2] + 2 * padding[0] - w[2]) // stride[0] + 1
    ow = (x[3] + 2 * padding[1] - w[3]) // stride[1] + 1
    params = {"x": r.normal(0, 1, x), "w": r.normal(0, 1, w)}
    operands, types = "%x, %w", f"{tt(x)}, {tt(w)}"
    if bias:
        params["b"] = r.normal(0, 1, (w[0],))
        operands, types = operands + ", %b", types + f", {tt((w[0],))}"
    attrs = (f"{{stride = array<i64: {stride[0]}, {stride[1]}>, "
             f"padding = array<i64: {padding[0]}, {padding[1]}>}}")
    return Case(name, params=params,
                body=f"%y = dl.conv2d {operands} {attrs} : {types}",
                values={"y": (x[0], w[0], oh, ow)})


CASES = [
    matmul("matmul", np.zeros((3, 4)), np.zeros((4, 2))),
    matmul("matmul_batched", np.zeros((2, 3, 4)), np.zeros((2, 4, 2))),
    matmul("matmul_shared_rhs", np.zeros((2, 3, 4)), np.zeros((4, 2))),
    matmul("matmul_broadcast_batch", np.zeros((2, 1, 2, 3)),
           np.zeros((3, 3, 2))),
    linear("linear", (4, 3), 2),
    linear("linear_no_bias", (4, 3), 2, bias=False),
    linear("linear_1d", (3,), 2),
    linear("linear_3d", (2, 2, 3), 4),
    conv("conv2d", (2, 2, 4, 4), (2, 2, 3, 3)),
    conv("conv2d_no_bias", (1, 2, 4, 4), (3, 2, 2, 2), bias=False),
    conv("conv2d_stride_padding", (1, 2, 5, 5), (2, 2, 3, 3), stride=(2, 2),
         padding=(1, 1)),
    conv("conv2d_rectangular", (1, 1, 5, 6), (2, 1, 2, 3), stride=(1, 2),
         padding=(1, 0)),
    # A stride that skips input rows and columns: they get zero gradient.
    conv("conv2d_stride_skips", (1, 1, 6, 6), (2, 1, 2, 2), stride=(3, 3)),
]

# Embedding: row 1 is looked up three times, row 4 never.
for index_type in (np.int32, np.int64):
    CASES.append(Case(
        f"embedding_{np.dtype(index_type).name}",
        params={"table": r.normal(0, 1, (5, 3))},
        inputs={"ids": np.array([[1, 0, 3], [1, 2, 1]], index_type)},
        body=f"%y = dl.embedding %ids, %table : "
             f"{tt((2, 3), gradcheck.ELEMENT_TYPES[np.dtype(index_type)])}, "
             f"tensor<5x3xf64>",
        values={"y": (2, 3, 3)}))


def attention(name, q, k, v, attrs="", mask=None):
    params = {"q": r.normal(0, 1, q), "k": r.normal(0, 1, k),
              "v": r.normal(0, 1, v)}
    operands, types = "%q, %k, %v", f"{tt(q)}, {tt(k)}, {tt(v)}"
    if mask is not None:
        params["mask"] = r.normal(0, 1, mask)
        operands, types = operands + ", %mask", types + f", {tt(mask)}"
    return Case(name, params=params,
                body=f"%y, %lse = dl.attention {operands} {attrs}: {types}",
                values={"y": q[:-1] + (v[-1],)})


CASES += [
    attention("attention", (1, 2, 3, 4), (1, 2, 3, 4), (1, 2, 3, 2)),
    attention("attention_causal", (2, 3, 4), (2, 3, 4), (2, 3, 3),
              "{causal} "),
    attention("attention_mask", (2, 3, 2), (2, 4, 2), (2, 4, 3),
              mask=(3, 4)),
    attention("attention_causal_mask_scale", (1, 3, 2), (1, 3, 2), (1, 3, 2),
              "{causal, scale = 0.75 : f64} ", mask=(1, 1, 3)),
    # Self-attention on one param: its three gradients add up (the rule
    # builds them out of operand order).
    Case("attention_self", params={"x": r.normal(0, 1, (2, 3, 2))},
         body="%y, %lse = dl.attention %x, %x, %x {causal} : tensor<2x3x2xf64>, "
              "tensor<2x3x2xf64>, tensor<2x3x2xf64>",
         values={"y": (2, 3, 2)}),
]

if __name__ == "__main__":
    gradcheck.main(CASES)
