"""Shape ops against PyTorch: transpose, reshape, broadcast, split, concat,
strided slices, positions, causal_mask, one_hot."""

import numpy as np
import torch
import torch.nn.functional as F

from opcheck import Case, main, tensor_type

rng = np.random.default_rng(5)


def normal(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def ints(*shape):
    return rng.integers(-50, 50, shape).astype(np.int32)


def ty(array):
    return tensor_type(array.shape, {"f": "f32", "i": "i32"}[array.dtype.kind])


def arr(values):
    return f"array<i64: {', '.join(str(v) for v in values)}>"


CASES = []

X = normal(2, 3, 4, 5)
for perm in ((0, 1, 3, 2), (3, 2, 1, 0), (0, 2, 1, 3), (1, 3, 0, 2),
             (0, 1, 2, 3)):
    CASES.append(Case(
        f"transpose-{''.join(map(str, perm))}", {"x": X},
        f"%y = dl.transpose %x {{permutation = {arr(perm)}}} : {ty(X)}",
        ["y"], lambda x, perm=perm: x.permute(*perm)))
I = ints(3, 4)
CASES.append(Case(
    "transpose-i32", {"x": I},
    f"%y = dl.transpose %x {{permutation = {arr((1, 0))}}} : {ty(I)}",
    {"y": "tensor<4x3xi32>"}, lambda x: x.t()))

for shape in ((6, 20), (120,), (2, 3, 2, 10), (1, 120, 1), (5, 4, 6)):
    CASES.append(Case(
        f"reshape-{'x'.join(map(str, shape))}", {"x": X},
        f"%y = dl.reshape %x : {ty(X)} -> {tensor_type(shape, 'f32')}",
        ["y"], lambda x, shape=shape: x.reshape(shape)))
CASES.append(Case(
    "reshape-to-scalar", {"x": normal(1, 1)},
    "%y = dl.reshape %x : tensor<1x1xf32> -> tensor<f32>", ["y"],
    lambda x: x.reshape(())))
CASES.append(Case(
    "reshape-from-scalar", {"x": normal()},
    "%y = dl.reshape %x : tensor<f32> -> tensor<1x1x1xf32>", ["y"],
    lambda x: x.reshape(1, 1, 1)))
CASES.append(Case(
    "reshape-i32", {"x": I},
    "%y = dl.reshape %x : tensor<3x4xi32> -> tensor<2x6xi32>",
    {"y": "tensor<2x6xi32>"}, lambda x: x.reshape(2, 6)))
# A reshape of a transposed tensor reads the elements in their new order.
CASES.append(Case(
    "reshape-after-transpose", {"x": normal(3, 4)},
    """%t = dl.transpose %x {permutation = array<i64: 1, 0>} : tensor<3x4xf32>
       %y = dl.reshape %t : tensor<4x3xf32> -> tensor<12xf32>""", ["y"],
    lambda x: x.t().reshape(12)))

for name, source, target in (("broadcast-row", (5,), (3, 4, 5)),
                             ("broadcast-column", (3, 1), (3, 6)),
                             ("broadcast-middle", (2, 1, 4), (2, 3, 4)),
                             ("broadcast-scalar", (), (2, 3)),
                             ("broadcast-ones", (1, 1), (4, 1, 3)),
                             ("broadcast-same", (2, 3), (2, 3))):
    x = normal(*source)
    CASES.append(Case(
        name, {"x": x},
        f"%y = dl.broadcast %x : {ty(x)} -> {tensor_type(target, 'f32')}",
        ["y"], lambda x, target=target: x.expand(*target)))

S = normal(3, 8, 5)
for axis, sizes in ((1, (3, 1, 4)), (0, (1, 2)), (2, (2, 3)), (-1, (1, 1, 3)),
                    (1, (8,))):
    names = [f"p{i}" for i in range(len(sizes))]
    shape = list(S.shape)
    types = []
    for size in sizes:
        shape[axis] = size
        types.append(tensor_type(shape, "f32"))
    CASES.append(Case(
        f"split-axis{axis}-{'_'.join(map(str, sizes))}", {"x": S},
        f"{', '.join('%' + n for n in names)} = dl.split %x "
        f"{{axis = {axis} : i64, sizes = {arr(sizes)}}} : {ty(S)}",
        dict(zip(names, types)),
        lambda x, axis=axis, sizes=sizes: tuple(torch.split(x, sizes, axis))))

for axis, shapes in ((0, ((1, 3, 4), (2, 3, 4))), (1, ((2, 1, 4), (2, 5, 4))),
                     (2, ((2, 3, 1), (2, 3, 2), (2, 3, 4))),
                     (-1, ((2, 3, 2), (2, 3, 2)))):
    inputs = {f"a{i}": normal(*s) for i, s in enumerate(shapes)}
    CASES.append(Case(
        f"concat-axis{axis}-{len(shapes)}", inputs,
        f"%y = dl.concat {', '.join('%' + n for n in inputs)} "
        f"{{axis = {axis} : i64}} : {', '.join(ty(a) for a in inputs.values())}",
        ["y"], lambda *parts, axis=axis: torch.cat(parts, axis)))
CASES.append(Case(
    "concat-i32", {"a": I, "b": ints(3, 2)},
    "%y = dl.concat %a, %b {axis = 1 : i64} : tensor<3x4xi32>, tensor<3x2xi32>",
    {"y": "tensor<3x6xi32>"}, lambda a, b: torch.cat([a, b], 1)))

# slices: starts, limits (exclusive) and strides per axis, as x[a:b:s].
T = normal(6, 7, 5)
for starts, limits, strides in (((0, 0, 0), (6, 7, 5), (1, 1, 1)),
                                ((1, 2, 0), (5, 7, 5), (1, 2, 1)),
                                ((0, 1, 1), (6, 6, 5), (2, 3, 2)),
                                ((5, 0, 4), (6, 7, 5), (1, 1, 1)),
                                ((1, 0, 0), (6, 7, 5), (4, 6, 5)),
                                ((0, 3, 2), (5, 4, 4), (3, 1, 1))):
    index = tuple(slice(a, b, s) for a, b, s in zip(starts, limits, strides))
    shape = np.empty(T.shape)[index].shape
    CASES.append(Case(
        "slice-" + "-".join(f"{a}_{b}_{s}" for a, b, s in
                            zip(starts, limits, strides)), {"x": T},
        f"%y = dl.slice %x {{starts = {arr(starts)}, limits = {arr(limits)}, "
        f"strides = {arr(strides)}}} : {ty(T)}", ["y"],
        lambda x, index=index: x[index]))
CASES.append(Case(
    "slice-i32", {"x": ints(8)},
    "%y = dl.slice %x {starts = array<i64: 1>, limits = array<i64: 8>, "
    "strides = array<i64: 3>} : tensor<8xi32>", {"y": "tensor<3xi32>"},
    lambda x: x[1:8:3]))

# Views feeding other ops: strided and offset buffers reach reshapes,
# products (the runtime's GEMM takes a row stride) and reductions.
QKV = normal(2, 3, 12)
CASES.append(Case(
    "split-reshape-transpose", {"x": QKV},
    """%q, %k, %v = dl.split %x {axis = 2 : i64, sizes = array<i64: 4, 4, 4>} : tensor<2x3x12xf32>
       %h = dl.reshape %k : tensor<2x3x4xf32> -> tensor<2x3x2x2xf32>
       %y = dl.transpose %h {permutation = array<i64: 0, 2, 1, 3>} : tensor<2x3x2x2xf32>""",
    ["y"], lambda x: x.split(4, 2)[1].reshape(2, 3, 2, 2).permute(0, 2, 1, 3)))
CASES.append(Case(
    "split-matmul", {"x": QKV},
    """%q, %k, %v = dl.split %x {axis = 2 : i64, sizes = array<i64: 4, 4, 4>} : tensor<2x3x12xf32>
       %t = dl.transpose %k {permutation = array<i64: 0, 2, 1>} : tensor<2x3x4xf32>
       %y = dl.matmul %q, %t : tensor<2x3x4xf32>, tensor<2x4x3xf32>""",
    ["y"], lambda x: x.split(4, 2)[0] @ x.split(4, 2)[1].transpose(1, 2)))
CASES.append(Case(
    "slice-reshape", {"x": T},
    """%s = dl.slice %x {starts = array<i64: 1, 0, 1>, limits = array<i64: 6, 7, 5>, strides = array<i64: 2, 3, 2>} : tensor<6x7x5xf32>
       %y = dl.reshape %s : tensor<3x3x2xf32> -> tensor<18xf32>""",
    ["y"], lambda x: x[1:6:2, 0:7:3, 1:5:2].reshape(18)))
CASES.append(Case(
    "slice-linear", {"x": normal(6, 8), "w": normal(3, 4)},
    """%s = dl.slice %x {starts = array<i64: 1, 2>, limits = array<i64: 5, 6>, strides = array<i64: 1, 1>} : tensor<6x8xf32>
       %y = dl.linear %s, %w : tensor<4x4xf32>, tensor<3x4xf32>""",
    ["y"], lambda x, w: F.linear(x[1:5, 2:6], w)))
CASES.append(Case(
    "slice-strided-matmul", {"x": normal(4, 10), "b": normal(5, 2)},
    """%s = dl.slice %x {starts = array<i64: 0, 1>, limits = array<i64: 4, 10>, strides = array<i64: 1, 2>} : tensor<4x10xf32>
       %y = dl.matmul %s, %b : tensor<4x5xf32>, tensor<5x2xf32>""",
    ["y"], lambda x, b: x[:, 1:10:2] @ b))
CASES.append(Case(
    "concat-softmax-sum", {"a": normal(3, 2), "b": normal(3, 5)},
    """%c = dl.concat %a, %b {axis = 1 : i64} : tensor<3x2xf32>, tensor<3x5xf32>
       %p = dl.softmax %c {axis = 0 : i64} : tensor<3x7xf32>
       %y = dl.sum %p {axes = array<i64: 1>} : tensor<3x7xf32>""",
    ["y"], lambda a, b: torch.softmax(torch.cat([a, b], 1), 0).sum(1)))
# positions and causal_mask take no input; each case reads a dummy one.
CASES.append(Case(
    "positions-i32", {}, "%y = dl.positions : tensor<7xi32>",
    {"y": "tensor<7xi32>"}, lambda: torch.arange(7)))
CASES.append(Case(
    "positions-i64", {}, "%y = dl.positions : tensor<5xi64>",
    {"y": "tensor<5xi64>"}, lambda: torch.arange(5)))
CASES.append(Case(
    "causal-mask", {}, "%y = dl.causal_mask : tensor<5x5xf32>", ["y"],
    lambda: torch.full((5, 5), -float("inf")).triu(1).double()))
CASES.append(Case(
    "causal-mask-f64", {}, "%y = dl.causal_mask : tensor<3x3xf64>",
    {"y": "tensor<3x3xf64>"},
    lambda: torch.full((3, 3), -float("inf")).triu(1).double()))
# The mask added to scores and a softmax: masked entries get probability 0.
CASES.append(Case(
    "causal-mask-softmax", {"s": normal(4, 4)},
    """%m = dl.causal_mask : tensor<4x4xf32>
       %a = dl.add %s, %m : tensor<4x4xf32>, tensor<4x4xf32>
       %y = dl.softmax %a : tensor<4x4xf32>""", ["y"],
    lambda s: torch.softmax(s.masked_fill(
        torch.ones(4, 4, dtype=torch.bool).triu(1), -float("inf")), -1)))

for name, ids, classes in (
        ("one-hot", np.array([0, 3, 9, 3, 1], np.int32), 10),
        ("one-hot-2d", rng.integers(0, 4, (3, 5)).astype(np.int32), 4),
        ("one-hot-i64", np.array([[2], [0]], np.int64), 3)):
    element = "i64" if ids.dtype == np.int64 else "i32"
    CASES.append(Case(
        name, {"ids": ids},
        f"%y = dl.one_hot %ids : {tensor_type(ids.shape, element)} -> "
        f"{tensor_type(ids.shape + (classes,), 'f32')}", ["y"],
        lambda ids, classes=classes: F.one_hot(ids, classes).double()))

if __name__ == "__main__":
    main(CASES)
