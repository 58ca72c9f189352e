"""Reductions, pooling and normalization against PyTorch: sum, mean and max
over each axis, several axes and all axes, with and without keepdim;
maxpool2d and avgpool2d under stride, padding and non-square windows;
layernorm, rmsnorm and batchnorm (evaluation and training)."""

import numpy as np
import torch
import torch.nn.functional as F

from opcheck import Case, main, tensor_type

rng = np.random.default_rng(7)


def normal(*shape, scale=1.0, mean=0.0):
    return (rng.standard_normal(shape) * scale + mean).astype(np.float32)


def ty(array):
    return tensor_type(array.shape, "f32")


CASES = []

# Reductions over a [3, 4, 5] tensor.
X = normal(3, 4, 5, scale=2)
X_NAN = X.copy()
X_NAN[1, 2, 3] = np.nan
REDUCTIONS = {
    "sum": lambda x, dims, keep: torch.sum(x, dim=dims, keepdim=keep),
    "mean": lambda x, dims, keep: torch.mean(x, dim=dims, keepdim=keep),
    "max": lambda x, dims, keep: torch.amax(x, dim=dims, keepdim=keep),
}
AXES = [(0,), (1,), (2,), (-1,), (0, 2), (2, 0), (-3, -2), ()]
for op, reference in REDUCTIONS.items():
    for axes in AXES:
        for keep in (False, True):
            dims = axes if axes else (0, 1, 2)
            name = (f"{op}-axes{'_'.join(str(a) for a in axes) or '-all'}"
                    f"{'-keepdim' if keep else ''}")
            attrs = [f"axes = array<i64{': ' if axes else ''}"
                     f"{', '.join(str(a) for a in axes)}>"]
            if keep:
                attrs.append("keepdim")
            CASES.append(Case(
                name, {"x": X},
                f"%y = dl.{op} %x {{{', '.join(attrs)}}} : tensor<3x4x5xf32>",
                ["y"], lambda x, dims=dims, keep=keep, reference=reference:
                reference(x, dims, keep)))
    CASES.append(Case(
        f"{op}-default-axes", {"x": X[0]}, f"%y = dl.{op} %x : tensor<4x5xf32>",
        ["y"], lambda x, reference=reference: reference(x, (0, 1), False)))
    CASES.append(Case(
        f"{op}-nan", {"x": X_NAN},
        f"%y = dl.{op} %x {{axes = array<i64: 2>}} : tensor<3x4x5xf32>",
        ["y"], lambda x, reference=reference: reference(x, (2,), False)))
# Rank 1 and a long row (accumulation error).
CASES.append(Case("sum-long", {"x": normal(4096, mean=3)},
                  "%y = dl.sum %x : tensor<4096xf32>", ["y"],
                  lambda x: x.sum()))
CASES.append(Case("mean-long", {"x": normal(2, 3000, mean=-5)},
                  "%y = dl.mean %x {axes = array<i64: 1>} : tensor<2x3000xf32>",
                  ["y"], lambda x: x.mean(1)))
CASES.append(Case("max-all-negative", {"x": -np.abs(normal(2, 6)) - 1e30},
                  "%y = dl.max %x {axes = array<i64: 1>} : tensor<2x6xf32>",
                  ["y"], lambda x: x.amax(1)))

# f64 reductions and norms.
X64 = X.astype(np.float64)
CASES.append(Case("sum-f64", {"x": X64},
                  "%y = dl.sum %x {axes = array<i64: 1>} : tensor<3x4x5xf64>",
                  {"y": "tensor<3x5xf64>"}, lambda x: x.sum(1)))
CASES.append(Case("max-f64", {"x": X64},
                  "%y = dl.max %x {axes = array<i64: 0, 2>, keepdim} : "
                  "tensor<3x4x5xf64>", {"y": "tensor<1x4x1xf64>"},
                  lambda x: x.amax((0, 2), keepdim=True)))
CASES.append(Case(
    "layernorm-f64", {"x": X64, "w": normal(5).astype(np.float64),
                      "b": normal(5).astype(np.float64)},
    "%y = dl.layernorm %x, %w, %b : tensor<3x4x5xf64>, tensor<5xf64>, "
    "tensor<5xf64>", {"y": "tensor<3x4x5xf64>"},
    lambda x, w, b: F.layer_norm(x, (5,), w, b)))
CASES.append(Case(
    "maxpool-f64", {"x": -np.abs(normal(1, 2, 5, 5)).astype(np.float64)},
    "%y = dl.maxpool2d %x {kernel = array<i64: 3, 3>, stride = array<i64: 2, 2>, "
    "padding = array<i64: 1, 1>} : tensor<1x2x5x5xf64>",
    {"y": "tensor<1x2x3x3xf64>"}, lambda x: F.max_pool2d(x, 3, 2, 1)))

# Pooling over [2, 3, 7, 6] inputs, all negative for max pooling so that a
# padding that won would show.
IMAGE = normal(2, 3, 7, 6)
NEGATIVE = -np.abs(IMAGE) - 1
POOLS = [  # kernel, stride, padding
    ((2, 2), (2, 2), (0, 0)),
    ((3, 3), (1, 1), (1, 1)),
    ((3, 3), (2, 2), (1, 1)),
    ((2, 3), (1, 2), (1, 0)),
    ((3, 2), (2, 1), (0, 1)),
    ((1, 1), (2, 3), (0, 0)),
    ((7, 6), (1, 1), (0, 0)),
    ((2, 2), (3, 3), (1, 1)),
]


def pair(values):
    return f"array<i64: {values[0]}, {values[1]}>"


for kernel, stride, padding in POOLS:
    suffix = (f"k{kernel[0]}x{kernel[1]}-s{stride[0]}x{stride[1]}"
              f"-p{padding[0]}x{padding[1]}")
    attrs = (f"{{kernel = {pair(kernel)}, stride = {pair(stride)}, "
             f"padding = {pair(padding)}}}")
    CASES.append(Case(
        f"maxpool-{suffix}", {"x": NEGATIVE},
        f"%y = dl.maxpool2d %x {attrs} : {ty(NEGATIVE)}", ["y"],
        lambda x, k=kernel, s=stride, p=padding: F.max_pool2d(x, k, s, p)))
    CASES.append(Case(
        f"avgpool-{suffix}", {"x": IMAGE},
        f"%y = dl.avgpool2d %x {attrs} : {ty(IMAGE)}", ["y"],
        lambda x, k=kernel, s=stride, p=padding: F.avg_pool2d(x, k, s, p)))
CASES.append(Case(
    "maxpool-default-padding", {"x": IMAGE},
    f"%y = dl.maxpool2d %x {{kernel = {pair((2, 2))}, stride = {pair((1, 1))}}}"
    f" : {ty(IMAGE)}", ["y"], lambda x: F.max_pool2d(x, 2, 1)))

# layernorm over the last dimension, rank 2 and 3; a large mean (variance
# computed from centered values) and an explicit eps.
for name, x, eps in (("layernorm", normal(4, 16), None),
                     ("layernorm-rank3", normal(2, 3, 8, scale=3), None),
                     ("layernorm-large-mean", normal(3, 32, mean=30), None),
                     ("layernorm-eps", normal(2, 5, scale=0.01), 0.1)):
    d = x.shape[-1]
    attrs = f" {{eps = {eps:e} : f64}}" if eps is not None else ""
    CASES.append(Case(
        name, {"x": x, "w": normal(d), "b": normal(d)},
        f"%y = dl.layernorm %x, %w, %b{attrs} : {ty(x)}, tensor<{d}xf32>, "
        f"tensor<{d}xf32>", ["y"],
        lambda x, w, b, d=d, eps=eps: F.layer_norm(
            x, (d,), w, b, 1e-5 if eps is None else eps)))


def rms_norm(x, w, eps):
    return x / torch.sqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


for name, x, eps in (("rmsnorm", normal(4, 16), None),
                     ("rmsnorm-rank3", normal(2, 3, 8, scale=5), None),
                     ("rmsnorm-eps", normal(2, 6, scale=0.01), 1e-2)):
    d = x.shape[-1]
    attrs = f" {{eps = {eps:e} : f64}}" if eps is not None else ""
    CASES.append(Case(
        name, {"x": x, "w": normal(d)},
        f"%y = dl.rmsnorm %x, %w{attrs} : {ty(x)}, tensor<{d}xf32>", ["y"],
        lambda x, w, eps=eps: rms_norm(x, w, 1e-6 if eps is None else eps)))


# batchnorm: [N, C] and [N, C, H, W], running statistics as inputs.
def batchnorm_case(name, x, training, momentum=None, eps=None,
                   marked_training=None):
    """A batch norm; in training, compiled to run the forward as
    model.train() does. The op is marked `training` unless `marked_training`
    says otherwise."""
    c = x.shape[1]
    attrs = []
    if training if marked_training is None else marked_training:
        attrs.append("training")
    if momentum is not None:
        attrs.append(f"momentum = {momentum:e} : f64")
    if eps is not None:
        attrs.append(f"eps = {eps:e} : f64")
    attrs = f" {{{', '.join(attrs)}}}" if attrs else ""
    vec = f"tensor<{c}xf32>"

    def reference(x, w, b, rm, rv):
        rm, rv = rm.clone(), rv.clone()
        y = F.batch_norm(x, rm, rv, w, b, training=training,
                         momentum=0.1 if momentum is None else momentum,
                         eps=1e-5 if eps is None else eps)
        return y, rm, rv  # F.batch_norm updates rm and rv in place

    CASES.append(Case(
        name, {"x": x, "w": normal(c), "b": normal(c), "rm": normal(c),
               "rv": np.abs(normal(c)) + 0.5},
        f"%y, %m, %v = dl.batchnorm %x, %w, %b, %rm, %rv{attrs} : {ty(x)}, "
        f"{vec}, {vec}, {vec}, {vec}", ["y", "m", "v"], reference,
        flags=["--forward-mode=train"] if training else []))


batchnorm_case("batchnorm-eval-2d", normal(6, 4, scale=2, mean=1), False)
batchnorm_case("batchnorm-eval-4d", normal(2, 3, 4, 5), False, eps=1e-3)
batchnorm_case("batchnorm-train-2d", normal(6, 4, scale=2, mean=1), True)
batchnorm_case("batchnorm-train-4d", normal(2, 3, 4, 5, mean=3), True,
               momentum=0.3)
batchnorm_case("batchnorm-train-large-mean", normal(4, 3, 2, 2, mean=30),
               True, eps=1e-3)
# As a model holds them: weight and bias are params, the running statistics
# buffers that the forward assigns (which evaluation skips).
for training in (False, True):
    def reference(x, w, b, rm, rv, training=training):
        rm, rv = rm.clone(), rv.clone()
        return F.batch_norm(x, rm, rv, w, b, training=training), rm, rv
    CASES.append(Case(
        f"batchnorm-buffers-{'train' if training else 'eval'}",
        {"x": normal(4, 3, 2, 2)},
        """%y, %m, %v = dl.batchnorm %x, %w, %b, %rm, %rv {training} : tensor<4x3x2x2xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
           dl.assign @"rm", %m : tensor<3xf32>
           dl.assign @"rv", %v : tensor<3xf32>""",
        ["y", "m", "v"], reference,
        params={"w": normal(3), "b": normal(3)},
        buffers={"rm": normal(3), "rv": np.abs(normal(3)) + 0.5},
        flags=["--forward-mode=train"] if training else []))
# A training batch norm still uses its running statistics in evaluation.
batchnorm_case("batchnorm-train-op-in-eval", normal(5, 3, 2, 2), False,
               marked_training=True)

if __name__ == "__main__":
    main(CASES)
