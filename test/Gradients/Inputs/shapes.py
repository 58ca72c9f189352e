"""Gradients of the shape ops, reductions and pooling against finite
differences (see test/lib/gradcheck.py): reshape, broadcast, transpose,
split (a piece unused), concat (negative axis), strided slices; sum, mean
and max over some or all axes, with and without keepdim, max with ties;
max and average pooling under strides, padding and overlapping windows, max
pooling with ties (routed to the first maximum, as PyTorch does)."""

import numpy as np

import gradcheck
from gradcheck import Case, rng, tensor_type as tt

r = rng(31)


def case(name, shape, body, values, x=None):
    return Case(name, params={"x": r.normal(0, 1, shape) if x is None else x},
                body=body, values=values)


CASES = [
    case("reshape", (2, 6),
         "%y = dl.reshape %x : tensor<2x6xf64> -> tensor<3x2x2xf64>",
         {"y": (3, 2, 2)}),
    case("broadcast", (3, 1),
         "%y = dl.broadcast %x : tensor<3x1xf64> -> tensor<2x3x4xf64>",
         {"y": (2, 3, 4)}),
    case("transpose", (2, 3, 4),
         "%y = dl.transpose %x {permutation = array<i64: 2, 0, 1>} : "
         "tensor<2x3x4xf64>", {"y": (4, 2, 3)}),
    case("split", (2, 6),
         "%a, %b, %c = dl.split %x {axis = 1 : i64, sizes = array<i64: 1, 3, 2>}"
         " : tensor<2x6xf64>", {"a": (2, 1), "c": (2, 2)}),
    case("split_negative_axis", (4, 3),
         "%a, %b = dl.split %x {axis = -2 : i64, sizes = array<i64: 3, 1>} : "
         "tensor<4x3xf64>", {"a": (3, 3), "b": (1, 3)}),
    Case("concat", params={"a": r.normal(0, 1, (2, 1)),
                           "b": r.normal(0, 1, (2, 3)),
                           "c": r.normal(0, 1, (2, 2))},
         body="%y = dl.concat %a, %b, %c {axis = -1 : i64} : tensor<2x1xf64>, "
              "tensor<2x3xf64>, tensor<2x2xf64>",
         values={"y": (2, 6)}),
    case("slice", (4, 5),
         "%y = dl.slice %x {starts = array<i64: 1, 0>, limits = array<i64: 4, 5>,"
         " strides = array<i64: 2, 2>} : tensor<4x5xf64>", {"y": (2, 3)}),
    case("slice_3d", (3, 4, 2),
         "%y = dl.slice %x {starts = array<i64: 0, 1, 1>, limits = array<i64: 3, 4, 2>,"
         " strides = array<i64: 1, 1, 1>} : tensor<3x4x2xf64>", {"y": (3, 3, 1)}),
]

# Reductions.
CASES += [
    case("sum_axis", (3, 4), "%y = dl.sum %x {axes = array<i64: 1>} : "
         "tensor<3x4xf64>", {"y": (3,)}),
    case("sum_all", (3, 4), "%y = dl.sum %x : tensor<3x4xf64>", {"y": ()}),
    case("mean_keepdim", (2, 3, 4), "%y = dl.mean %x {axes = array<i64: 0, 2>, "
         "keepdim} : tensor<2x3x4xf64>", {"y": (1, 3, 1)}),
    case("mean_negative_axis", (2, 3, 4), "%y = dl.mean %x {axes = array<i64: -1>}"
         " : tensor<2x3x4xf64>", {"y": (2, 3)}),
    case("max_axis", (3, 4), "%y = dl.max %x {axes = array<i64: 1>} : "
         "tensor<3x4xf64>", {"y": (3,)}),
    case("max_all_keepdim", (3, 4), "%y = dl.max %x {keepdim} : "
         "tensor<3x4xf64>", {"y": (1, 1)}),
    # Two elements of row 0 and of column 2 hold the maximum: amax shares
    # the gradient equally, the central difference of each.
    case("max_ties", (3, 4), "%y = dl.max %x {axes = array<i64: 1>} : "
         "tensor<3x4xf64>", {"y": (3,)},
         x=np.array([[0.5, 2.0, -1.0, 2.0],
                     [1.5, 0.25, 3.0, -0.5],
                     [-1.0, 0.75, 0.75, 0.5]])),
]


def pool(op, name, shape, kernel, stride, padding=(0, 0), x=None,
         routed_ties=()):
    oh = (shape[2] + 2 * padding[0] - kernel[0]) // stride[0] + 1
    ow = (shape[3] + 2 * padding[1] - kernel[1]) // stride[1] + 1
    attrs = (f"kernel = array<i64: {kernel[0]}, {kernel[1]}>, "
             f"stride = array<i64: {stride[0]}, {stride[1]}>, "
             f"padding = array<i64: {padding[0]}, {padding[1]}>")
    return Case(name, params={"x": r.normal(0, 1, shape) if x is None else x},
                body=f"%y = dl.{op} %x {{{attrs}}} : {tt(shape)}",
                values={"y": (shape[0], shape[1], oh, ow)},
                routed_ties=routed_ties)


# One window per 2x2 block; in the first block x[0,0,0,1] = x[0,0,1,0]
# share the maximum, in the last x[0,0,2,3] = x[0,0,3,3].
tied = np.array([[[[0.1, 0.9, -0.4, 0.3],
                   [0.9, -0.2, 0.6, 0.2],
                   [-0.7, 0.4, 0.5, 1.1],
                   [0.3, 0.0, -0.6, 1.1]]]])

CASES += [
    pool("maxpool2d", "maxpool2d", (1, 2, 4, 4), (2, 2), (2, 2)),
    pool("maxpool2d", "maxpool2d_stride_padding", (1, 2, 5, 5), (3, 3), (2, 2),
         (1, 1)),
    # Overlapping windows: an element can be the maximum of several.
    pool("maxpool2d", "maxpool2d_overlapping", (1, 1, 4, 5), (3, 2), (1, 1)),
    pool("maxpool2d", "maxpool2d_ties", (1, 1, 4, 4), (2, 2), (2, 2), x=tied,
         routed_ties=[("x", 1, 4), ("x", 11, 15)]),
    pool("avgpool2d", "avgpool2d", (1, 2, 4, 4), (2, 2), (2, 2)),
    # Padding counts in the divisor, as in PyTorch's default.
    pool("avgpool2d", "avgpool2d_stride_padding", (1, 2, 5, 5), (3, 3), (2, 2),
         (1, 1)),
    pool("avgpool2d", "avgpool2d_overlapping", (2, 1, 3, 4), (2, 3), (1, 1),
         (1, 1)),
]

if __name__ == "__main__":
    gradcheck.main(CASES)
