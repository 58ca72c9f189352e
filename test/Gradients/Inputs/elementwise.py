"""Gradients of the elementwise dl ops against finite differences (see
test/lib/gradcheck.py): every unary op, gelu exact and tanh, the binary ops
under broadcasting, maximum and minimum with ties, where, casts, softmax and
log_softmax over each axis, and dropout."""

import numpy as np

import gradcheck
from gradcheck import Case, rng, tensor_type

T = tensor_type((2, 3))
T48 = tensor_type((4, 8))


def unary(op, values, attrs=""):
    return Case(f"unary_{op}" + ("_tanh" if "tanh" in attrs else ""),
                params={"x": values},
                body=f"%y = dl.{op} %x {attrs}: {T}",
                values={"y": (2, 3)})


normal = rng(1).normal(0, 1, (2, 3))
positive = rng(2).uniform(0.5, 2.0, (2, 3))
# Away from the kinks of relu and abs.
signed = np.array([[-1.5, 0.7, -0.3], [0.4, -0.8, 1.2]])

CASES = [
    unary("relu", signed),
    unary("silu", normal),
    unary("sigmoid", normal),
    unary("tanh", normal),
    unary("exp", normal),
    unary("log", positive),
    unary("sqrt", positive),
    unary("rsqrt", positive),
    unary("abs", signed),
    unary("erf", normal),
    unary("neg", normal),
    unary("gelu", normal),
    unary("gelu", normal, "{approximate = #dl<gelu_approximation tanh>} "),
]


def binary(op, lhs, rhs, suffix=""):
    shape = np.broadcast_shapes(lhs.shape, rhs.shape)
    return Case(f"binary_{op}{suffix}", params={"a": lhs, "b": rhs},
                body=f"%y = dl.{op} %a, %b : {tensor_type(lhs.shape)}, "
                     f"{tensor_type(rhs.shape)}",
                values={"y": shape})


r = rng(3)
CASES += [
    binary("add", r.normal(0, 1, (2, 3)), r.normal(0, 1, (3,))),
    binary("sub", r.normal(0, 1, (2, 1)), r.normal(0, 1, (2, 3))),
    binary("mul", r.normal(0, 1, (2, 3)), r.normal(0, 1, (2, 1))),
    binary("div", r.normal(0, 1, (2, 3)), r.uniform(0.5, 2, (3,))),
    binary("div", r.normal(0, 1, ()), r.uniform(-2, -0.5, (2, 3)), "_scalar"),
    binary("pow", r.uniform(0.5, 2, (2, 3)), r.normal(0, 1, (3,))),
    binary("maximum", r.normal(0, 1, (2, 3)), r.normal(0, 1, (3,))),
    binary("minimum", r.normal(0, 1, (2, 1)), r.normal(0, 1, (2, 3))),
    # Ties share the gradient equally: the central difference of each.
    binary("maximum", np.array([0.5, -1.0, 2.0, 0.25]),
           np.array([0.5, 0.3, 2.0, -0.75]), "_ties"),
    binary("minimum", np.array([0.5, -1.0, 2.0, 0.25]),
           np.array([0.5, 0.3, 2.0, -0.75]), "_ties"),
    # The same param read twice: both reads' gradients add up.
    Case("param_read_twice", params={"a": r.normal(0, 1, (2, 3))},
         body=f"""
           %again = dl.param @"a" : {T}
           %y = dl.mul %a, %again : {T}, {T}""",
         values={"y": (2, 3)}),
    # The same param on both sides: both gradients add up.
    Case("binary_maximum_self", params={"a": r.normal(0, 1, (4,))},
         body="%y = dl.maximum %a, %a : tensor<4xf64>, tensor<4xf64>",
         values={"y": (4,)}),
]

CASES += [
    # where: no gradient for the condition, each branch where it is chosen,
    # the broadcast branch summed back.
    Case("where", params={"a": r.normal(0, 1, (2, 3)), "b": r.normal(0, 1, (3,))},
         inputs={"c": np.array([[1.0, -1.0, 2.0], [-2.0, 0.5, -0.5]])},
         body=f"""
           %zero = arith.constant dense<0.0> : tensor<f64>
           %cond = dl.compare gt, %c, %zero : {T}, tensor<f64>
           %y = dl.where %cond, %a, %b : tensor<2x3xi1>, {T}, tensor<3xf64>""",
         values={"y": (2, 3)}),
    # A condition that depends on a param still carries no gradient.
    Case("where_param_condition", params={"a": r.normal(0, 1, (2, 3))},
         body=f"""
           %zero = arith.constant dense<0.0> : tensor<f64>
           %cond = dl.compare gt, %a, %zero : {T}, tensor<f64>
           %sq = dl.mul %a, %a : {T}, {T}
           %y = dl.where %cond, %sq, %a : tensor<2x3xi1>, {T}, {T}""",
         values={"y": (2, 3)}),
    # An f32 param used in f64: the gradient comes back in f32.
    Case("cast_f32_to_f64", params={"x": r.normal(0, 1, (2, 3)).astype(np.float32)},
         body=f"""
           %w = dl.cast %x : tensor<2x3xf32> -> {T}
           %y = dl.tanh %w : {T}""",
         values={"y": (2, 3)}),
    # Through f32 and back: the loss is linear in x apart from the rounding
    # to f32, so a large step keeps the difference exact enough.
    Case("cast_f64_to_f32", params={"x": r.normal(0, 1, (2, 3))},
         body=f"""
           %n = dl.cast %x : {T} -> tensor<2x3xf32>
           %y = dl.cast %n : tensor<2x3xf32> -> {T}""",
         values={"y": (2, 3)}, step=1e-2, rtol=1e-5,
         why="the f32 rounding of x (2^-24 relative) divided by the step"),
    # Dropout's rule reapplies the op (same key, so the same mask) to the
    # gradient; the training forward keeps the mask fixed for a given seed
    # and step, so the central differences see the same one.
    Case("dropout", params={"x": r.normal(0, 1, (2, 3))},
         body=f"""
           %d = dl.dropout %x {{rate = 0.0 : f64, key = 7 : i64}} : {T}
           %y = dl.mul %d, %d : {T}, {T}""",
         values={"y": (2, 3)}),
    Case("dropout_training", params={"x": r.normal(0, 1, (4, 8))},
         body=f"""
           %d = dl.dropout %x {{rate = 0.5 : f64, key = 7 : i64}} : {T48}
           %y = dl.mul %d, %d : {T48}, {T48}""",
         values={"y": (4, 8)}, training=True),
]

for op in ("softmax", "log_softmax"):
    for axis in (0, -1):
        CASES.append(Case(
            f"{op}_axis{axis}".replace("-", "m"),
            params={"x": r.normal(0, 2, (3, 4))},
            body=f"%y = dl.{op} %x {{axis = {axis} : i64}} : tensor<3x4xf64>",
            values={"y": (3, 4)}))

if __name__ == "__main__":
    gradcheck.main(CASES)
