"""Elementwise dl ops against PyTorch: every unary op (gelu exact and tanh),
the binary ops with broadcasting, compare (every predicate) and where, cast,
softmax and log_softmax over each axis, dropout in evaluation."""

import numpy as np
import torch
import torch.nn.functional as F

from opcheck import Case, main, tensor_type

rng = np.random.default_rng(20240601)


def f32(*values):
    return np.array(values, np.float32)


def normal(*shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def ty(array, element=None):
    return tensor_type(array.shape, element or
                       {"f4": "f32", "f8": "f64", "i4": "i32",
                        "i8": "i64"}[array.dtype.str[1:]])


# Values every unary op sees: signed zeros, tiny, moderate and large
# magnitudes, then random ones.
EDGES = f32(0.0, -0.0, 1e-30, -1e-30, 1e-3, -1e-3, 0.5, -0.5, 1, -1, 2.5,
            -2.5, 10, -10, 30, -30, 80, -80, -100, 100)
GENERAL = np.concatenate([EDGES, normal(44, scale=3)]).reshape(4, 16)
POSITIVE = np.concatenate([f32(0.0, 1e-30, 1e-3, 0.5, 1, 2, 1e3, 1e30,
                               -1.0, -1e-3),
                           np.abs(normal(54, scale=4))]).reshape(4, 16)
# Below the f32 overflow of exp (88.7).
EXP_RANGE = np.concatenate([f32(0, -0.0, 1, -1, 80, -80, -100, 88, -88, 50),
                            normal(54, scale=10)]).reshape(4, 16)

CASES = []


def unary(op, x, reference, attrs="", name=None):
    CASES.append(Case(name or op, {"x": x},
                      f"%y = dl.{op} %x {attrs} : {ty(x)}", {"y": ty(x)},
                      reference))


unary("relu", GENERAL, F.relu)
unary("silu", GENERAL, F.silu)
unary("sigmoid", GENERAL, torch.sigmoid)
unary("tanh", GENERAL, torch.tanh)
unary("exp", EXP_RANGE, torch.exp)
unary("log", POSITIVE, torch.log)
unary("sqrt", POSITIVE, torch.sqrt)
unary("rsqrt", POSITIVE, torch.rsqrt)
unary("abs", GENERAL, torch.abs)
unary("neg", GENERAL, torch.neg)
unary("gelu", GENERAL, F.gelu, name="gelu-exact")
unary("gelu", GENERAL, F.gelu, "{approximate = #dl<gelu_approximation none>}",
      name="gelu-none-explicit")
unary("gelu", GENERAL, lambda x: F.gelu(x, approximate="tanh"),
      "{approximate = #dl<gelu_approximation tanh>}", name="gelu-tanh")
# erf's f32 approximation (dl-approximate-math) across its whole range, in
# steps of 1/256, tighter than the suite's bound.
DENSE = np.arange(-5.0, 5.0, 1 / 256, dtype=np.float32).reshape(20, 128)
CASES.append(Case("gelu-dense", {"x": DENSE},
                  f"%y = dl.gelu %x : {ty(DENSE)}", {"y": ty(DENSE)}, F.gelu,
                  tol=1e-6, why="a tighter bound: erf's approximation must "
                  "stay within a few f32 ulps"))
# Every unary op on f64 (other libm routines, other constants).
for op, x, reference, attrs in (
        ("relu", GENERAL, F.relu, ""), ("silu", GENERAL, F.silu, ""),
        ("sigmoid", GENERAL, torch.sigmoid, ""), ("tanh", GENERAL, torch.tanh, ""),
        ("exp", EXP_RANGE, torch.exp, ""), ("log", POSITIVE, torch.log, ""),
        ("sqrt", POSITIVE, torch.sqrt, ""), ("rsqrt", POSITIVE, torch.rsqrt, ""),
        ("abs", GENERAL, torch.abs, ""), ("neg", GENERAL, torch.neg, ""),
        ("gelu", GENERAL, F.gelu, ""),
        ("gelu", GENERAL, lambda x: F.gelu(x, approximate="tanh"),
         "{approximate = #dl<gelu_approximation tanh>}")):
    unary(op, x.astype(np.float64), reference, attrs,
          name=f"{op}{'-tanh' if attrs else ''}-f64")
# A rank-3 and a rank-0 operand.
unary("tanh", normal(2, 3, 4), torch.tanh, name="tanh-rank3")
unary("exp", f32(1.5).reshape(()), torch.exp, name="exp-rank0")


# Binary ops: each shape pair broadcasts in another way.
BROADCASTS = {
    "same": ((4, 8), (4, 8)),
    "scalar": ((4, 8), ()),
    "scalar-lhs": ((), (4, 8)),
    "row": ((4, 8), (8,)),
    "column": ((4, 8), (4, 1)),
    "both": ((4, 1), (1, 8)),
    "rank-extending": ((2, 3, 4), (3, 1)),
    "rank-extending-lhs": ((4,), (2, 3, 4)),
    "middle": ((2, 1, 4), (2, 3, 1)),
}
BINARY = {
    "add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div,
    "maximum": torch.maximum, "minimum": torch.minimum,
}


def binary(op, lhs, rhs, reference, name):
    out = tensor_type(torch.broadcast_shapes(lhs.shape, rhs.shape), "f32")
    CASES.append(Case(name, {"a": lhs, "b": rhs},
                      f"%y = dl.{op} %a, %b : {ty(lhs)}, {ty(rhs)}",
                      {"y": out}, lambda a, b: reference(a, b)))


for op, reference in BINARY.items():
    for kind, (ls, rs) in BROADCASTS.items():
        lhs, rhs = normal(*ls), normal(*rs)
        if op == "div":
            rhs = np.where(np.abs(rhs) < 0.1, 0.5, rhs).astype(np.float32)
        binary(op, lhs, rhs, reference, f"{op}-{kind}")

# Special values: division by zero, NaN propagation of maximum and minimum.
SPECIAL_A = f32(1, -1, 0, 0, np.nan, 2, np.inf, -np.inf)
SPECIAL_B = f32(0, 0, 0, -0.0, 1, np.nan, 1, np.inf)
for op, reference in BINARY.items():
    binary(op, SPECIAL_A, SPECIAL_B, reference, f"{op}-special")

# pow: positive bases with any exponent, negative bases with integer ones,
# and 0^0, 0^-1, (-2)^0.5.
base = np.concatenate([np.abs(normal(20)) + 0.1,
                       f32(-2, -2, -3, -0.5, 0, 0, -2, 1)])
exponent = np.concatenate([normal(20), f32(3, 2, -1, 4, 0, -1, 0.5, 1e6)])
binary("pow", base.reshape(4, 7), exponent.reshape(4, 7), torch.pow,
       "pow-special")
binary("pow", np.abs(normal(4, 8)) + 0.1, f32(2.0).reshape(()), torch.pow,
       "pow-scalar")
binary("pow", np.abs(normal(3, 1)) + 0.1, normal(5), torch.pow, "pow-both")

# compare: every predicate, cast from i1 to f32 to be written out; equal
# elements, NaN (unordered: only ne holds) and broadcasting.
CMP_A = f32(1, 2, 3, 3, np.nan, -0.0, np.inf, -1).reshape(2, 4)
CMP_B = f32(3, 2, 1, 3, 1, 0, np.inf, np.nan).reshape(2, 4)
PREDICATES = {"eq": torch.eq, "ne": torch.ne, "lt": torch.lt, "le": torch.le,
              "gt": torch.gt, "ge": torch.ge}


def compare_case(pred, lhs, rhs, name):
    shape = torch.broadcast_shapes(lhs.shape, rhs.shape)
    CASES.append(Case(
        name, {"a": lhs, "b": rhs},
        f"""%m = dl.compare {pred}, %a, %b : {ty(lhs)}, {ty(rhs)}
            %y = dl.cast %m : {tensor_type(shape, 'i1')} -> {tensor_type(shape, 'f32')}""",
        {"y": tensor_type(shape, "f32")},
        lambda a, b: PREDICATES[pred](a, b).double()))


for pred in PREDICATES:
    compare_case(pred, CMP_A, CMP_B, f"compare-{pred}")
    compare_case(pred, normal(3, 4).round(), normal(4).round(),
                 f"compare-{pred}-row")
    compare_case(pred, np.array([[1, 5, -2], [7, 0, 3]], np.int32),
                 np.array([[3], [0]], np.int32), f"compare-{pred}-i32")
compare_case("gt", normal(2, 3), f32(0).reshape(()), "compare-gt-scalar")

# where: the condition, the branches and the result broadcast together.
CASES.append(Case(
    "where", {"a": normal(3, 4), "b": normal(4), "c": normal(3, 1)},
    """%m = dl.compare gt, %a, %b : tensor<3x4xf32>, tensor<4xf32>
       %y = dl.where %m, %b, %c : tensor<3x4xi1>, tensor<4xf32>, tensor<3x1xf32>""",
    {"y": "tensor<3x4xf32>"}, lambda a, b, c: torch.where(a > b, b, c)))
CASES.append(Case(
    "where-scalar", {"a": normal(2, 3, 4), "b": normal(3, 4), "s": f32(-7).reshape(())},
    """%m = dl.compare lt, %b, %s : tensor<3x4xf32>, tensor<f32>
       %y = dl.where %m, %a, %s : tensor<3x4xi1>, tensor<2x3x4xf32>, tensor<f32>""",
    {"y": "tensor<2x3x4xf32>"}, lambda a, b, s: torch.where(b < s, a, s)))
CASES.append(Case(
    "where-condition-broadcasts",
    {"a": normal(4, 1), "b": normal(4, 5), "c": normal(4, 5)},
    """%s = dl.sum %c {axes = array<i64: 0, 1>} : tensor<4x5xf32>
       %m = dl.compare gt, %a, %s : tensor<4x1xf32>, tensor<f32>
       %y = dl.where %m, %b, %c : tensor<4x1xi1>, tensor<4x5xf32>, tensor<4x5xf32>""",
    {"y": "tensor<4x5xf32>"},
    lambda a, b, c: torch.where(a > c.sum(), b, c)))

# cast: f32 -> bf16 -> f32 rounds to nearest, ties to even; NaN stays NaN,
# the overflow goes to infinity, subnormals round too.
ULP = 2.0 ** -7  # of bf16 at 1
BF16_CASES = f32(1 + ULP / 2, 1 + 3 * ULP / 2, 1 + ULP / 2 + 2 ** -20,
                 1 + ULP / 2 - 2 ** -20, -(1 + ULP / 2), -(1 + 3 * ULP / 2),
                 3.3961e38, 3.38e38, -3.3961e38, np.inf, -np.inf, np.nan,
                 0.0, -0.0, 1e-40, -1e-40, 9.2e-41, 1.0e-45, 65504.0, 0.1)
BF16_INPUT = np.concatenate([BF16_CASES, normal(12, scale=100)]).reshape(4, 8)
CASES.append(Case(
    "cast-bf16-round-trip", {"x": BF16_INPUT},
    """%b = dl.cast %x : tensor<4x8xf32> -> tensor<4x8xbf16>
       %y = dl.cast %b : tensor<4x8xbf16> -> tensor<4x8xf32>""",
    {"y": "tensor<4x8xf32>", "b": "tensor<4x8xbf16>"},
    lambda x: (x.float().bfloat16().double(), x.float().bfloat16().double())))
CASES.append(Case(
    "cast-f16-round-trip",
    {"x": np.concatenate([f32(1 + 2 ** -11, 1 + 3 * 2 ** -11, 65504, 65520,
                              70000, 6e-8, 1e-8, np.nan), normal(8)]).reshape(2, 8)},
    """%h = dl.cast %x : tensor<2x8xf32> -> tensor<2x8xf16>
       %y = dl.cast %h : tensor<2x8xf16> -> tensor<2x8xf32>""",
    {"y": "tensor<2x8xf32>"}, lambda x: x.float().half().double()))
CASES.append(Case(
    "cast-f64",
    {"x": np.array([1 + 2 ** -9 + 2 ** -40, 1e300, -1e-300, 0.1, np.pi,
                    1 + 2 ** -8, 1 + 3 * 2 ** -8, 1 + 2 ** -8 + 2 ** -30],
                   np.float64)},
    """%f = dl.cast %x : tensor<8xf64> -> tensor<8xf32>
       %b = dl.cast %x : tensor<8xf64> -> tensor<8xbf16>
       %w = dl.cast %b : tensor<8xbf16> -> tensor<8xf64>
       %h = dl.cast %x : tensor<8xf64> -> tensor<8xf16>
       %g = dl.cast %h : tensor<8xf16> -> tensor<8xbf16>""",
    {"f": "tensor<8xf32>", "w": "tensor<8xf64>", "g": "tensor<8xbf16>"},
    lambda x: (x.float().double(), x.bfloat16().double(),
               x.half().bfloat16().double())))
CASES.append(Case(
    "cast-integers", {"i": np.array([0, 1, -1, 2 ** 24 + 1, -(2 ** 31), 2 ** 31 - 1], np.int32),
                      "j": np.array([2 ** 53 + 1, -5], np.int64)},
    """%f = dl.cast %i : tensor<6xi32> -> tensor<6xf32>
       %d = dl.cast %i : tensor<6xi32> -> tensor<6xf64>
       %e = dl.cast %j : tensor<2xi64> -> tensor<2xf64>""",
    {"f": "tensor<6xf32>", "d": "tensor<6xf64>", "e": "tensor<2xf64>"},
    lambda i, j: (i.float().double(), i.double(), j.double())))

# Arithmetic on bf16 and f16 tensors rounds each result, as PyTorch does.
CASES.append(Case(
    "bf16-arithmetic", {"a": normal(4, 8), "b": normal(4, 8)},
    """%x = dl.cast %a : tensor<4x8xf32> -> tensor<4x8xbf16>
       %z = dl.cast %b : tensor<4x8xf32> -> tensor<4x8xbf16>
       %s = dl.mul %x, %z : tensor<4x8xbf16>, tensor<4x8xbf16>
       %t = dl.add %s, %x : tensor<4x8xbf16>, tensor<4x8xbf16>
       %e = dl.exp %t : tensor<4x8xbf16>
       %y = dl.cast %e : tensor<4x8xbf16> -> tensor<4x8xf32>""",
    {"y": "tensor<4x8xf32>"},
    lambda a, b: torch.exp(a.bfloat16() * b.bfloat16() + a.bfloat16()).double()))
CASES.append(Case(
    "f16-arithmetic", {"a": normal(4, 8), "b": normal(4, 8)},
    """%x = dl.cast %a : tensor<4x8xf32> -> tensor<4x8xf16>
       %z = dl.cast %b : tensor<4x8xf32> -> tensor<4x8xf16>
       %s = dl.mul %x, %z : tensor<4x8xf16>, tensor<4x8xf16>
       %t = dl.add %s, %x : tensor<4x8xf16>, tensor<4x8xf16>
       %y = dl.cast %t : tensor<4x8xf16> -> tensor<4x8xf32>""",
    {"y": "tensor<4x8xf32>"},
    lambda a, b: (a.half().float() * b.half().float()).half().float()
    .add(a.half().float()).half().double()))

# softmax and log_softmax over each axis, with logits of +-1e4 that overflow
# exp unless the maximum is subtracted first.
LOGITS = normal(3, 4, 5, scale=3)
LOGITS[0, 0, :] = [1e4, -1e4, 0, 1e4, 5]
LOGITS[1, :, 2] = [-1e4, -1e4, -1e4, -1e4]
LOGITS[2, 3, :] = [1e4, 1e4 - 1, 1e4 - 2, -1e4, 1e4]
for op, reference in (("softmax", F.softmax), ("log_softmax", F.log_softmax)):
    for axis in (0, 1, 2, -1, -3):
        CASES.append(Case(
            f"{op}-axis{axis}", {"x": LOGITS},
            f"%y = dl.{op} %x {{axis = {axis} : i64}} : tensor<3x4x5xf32>",
            {"y": "tensor<3x4x5xf32>"},
            lambda x, axis=axis, reference=reference: reference(x, dim=axis)))
    CASES.append(Case(
        f"{op}-f64", {"x": LOGITS.astype(np.float64)},
        f"%y = dl.{op} %x {{axis = 1 : i64}} : tensor<3x4x5xf64>",
        {"y": "tensor<3x4x5xf64>"},
        lambda x, reference=reference: reference(x, dim=1)))
    CASES.append(Case(
        f"{op}-default-axis", {"x": LOGITS[0]},
        f"%y = dl.{op} %x : tensor<4x5xf32>", {"y": "tensor<4x5xf32>"},
        lambda x, reference=reference: reference(x, dim=-1)))

# dropout is the identity in evaluation.
CASES.append(Case(
    "dropout-eval", {"x": normal(4, 8)},
    "%y = dl.dropout %x {rate = 5.0e-01 : f64, key = 3 : i64} : tensor<4x8xf32>",
    {"y": "tensor<4x8xf32>"},
    lambda x: F.dropout(x, p=0.5, training=False)))

if __name__ == "__main__":
    main(CASES)
