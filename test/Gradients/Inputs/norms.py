"""Gradients of the normalization layers against finite differences (see
test/lib/gradcheck.py): layernorm and rmsnorm on 2-D and 3-D inputs (input,
weight and bias all params), batch norm in training (batch statistics, on
[N, C] and [N, C, H, W], its running statistics assigned as models do) and
in evaluation (running statistics)."""

import numpy as np

import gradcheck
from gradcheck import Case, rng, tensor_type as tt

r = rng(21)


def layernorm(name, shape, eps=1e-5):
    d = shape[-1]
    return Case(name, params={"x": r.normal(0, 1, shape),
                              "w": r.normal(1, 0.5, (d,)),
                              "b": r.normal(0, 0.5, (d,))},
                body=f"%y = dl.layernorm %x, %w, %b {{eps = {eps:.6e} : f64}} : "
                     f"{tt(shape)}, {tt((d,))}, {tt((d,))}",
                values={"y": shape})


def rmsnorm(name, shape, eps=1e-6):
    d = shape[-1]
    return Case(name, params={"x": r.normal(0, 1, shape),
                              "w": r.normal(1, 0.5, (d,))},
                body=f"%y = dl.rmsnorm %x, %w {{eps = {eps:.6e} : f64}} : "
                     f"{tt(shape)}, {tt((d,))}",
                values={"y": shape})


def batchnorm(name, shape, training):
    c = shape[1]
    vec = tt((c,))
    types = f"{tt(shape)}, {vec}, {vec}, {vec}, {vec}"
    attrs = "{training, momentum = 0.25 : f64}" if training else ""
    body = (f"%y, %m, %v = dl.batchnorm %x, %w, %b, %rm, %rv {attrs} : "
            f"{types}")
    if training:
        body += (f'\ndl.assign @"rm", %m : {vec}'
                 f'\ndl.assign @"rv", %v : {vec}')
    return Case(name, params={"x": r.normal(0.5, 2, shape),
                              "w": r.normal(1, 0.5, (c,)),
                              "b": r.normal(0, 0.5, (c,))},
                buffers={"rm": r.normal(0, 0.5, (c,)),
                         "rv": r.uniform(0.5, 2, (c,))},
                body=body, values={"y": shape},
                # The central differences run --eval: the training forward.
                flags=("--forward-mode=train",) if training else ())


CASES = [
    layernorm("layernorm", (3, 4)),
    layernorm("layernorm_3d", (2, 2, 3), eps=1e-3),
    rmsnorm("rmsnorm", (3, 4)),
    rmsnorm("rmsnorm_3d", (2, 2, 3), eps=1e-2),
    batchnorm("batchnorm_training", (4, 3), training=True),
    batchnorm("batchnorm_training_4d", (2, 2, 2, 3), training=True),
    batchnorm("batchnorm_eval", (4, 3), training=False),
    batchnorm("batchnorm_eval_4d", (2, 2, 2, 2), training=False),
]

if __name__ == "__main__":
    gradcheck.main(CASES)
