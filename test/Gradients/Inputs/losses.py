"""Gradients of every loss against finite differences (see
test/lib/gradcheck.py): cross_entropy (plain, label smoothing, ignore_index,
3-D logits, i64 labels, logits of +-1e4), binary_cross_entropy (logits and
target both params, logits of +-1e4), mse, l1 (with ties), contrastive (with
a short row)."""

import numpy as np

import gradcheck
from gradcheck import Case, rng, tensor_type as tt

r = rng(41)
SCALAR = {"l": ()}


def cross_entropy(name, logits, labels, attrs="", label_dtype=np.int32,
                  **options):
    label_type = tt(labels.shape, gradcheck.ELEMENT_TYPES[np.dtype(label_dtype)])
    return Case(name, params={"logits": logits},
                inputs={"labels": labels.astype(label_dtype)},
                body=f"%l = dl.cross_entropy %logits, %labels {attrs}: "
                     f"{tt(logits.shape)}, {label_type}",
                values=SCALAR, weighted=False, **options)


# Large logits: the loss is of order 1e4 and linear in the logits around
# the point (softmax saturated), so a larger step loses no accuracy.
big = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5e3], [0.0, 0.0, 1e4],
                [2e4, -3e3, 1e4]])
BIG_STEP = dict(step=1e-3, why="the loss is 1e4 and linear around the point: "
                               "a larger step keeps the rounding small")

CASES = [
    cross_entropy("cross_entropy", r.normal(0, 2, (4, 5)),
                  np.array([0, 3, 4, 1])),
    cross_entropy("cross_entropy_label_smoothing", r.normal(0, 2, (4, 5)),
                  np.array([2, 2, 0, 4]), "{label_smoothing = 0.1 : f64} "),
    cross_entropy("cross_entropy_ignore_index", r.normal(0, 2, (5, 3)),
                  np.array([1, -100, 0, 2, -100])),
    cross_entropy("cross_entropy_ignore_index_smoothing", r.normal(0, 2, (4, 3)),
                  np.array([1, 2, 0, 2]),
                  "{ignore_index = 2 : i64, label_smoothing = 0.25 : f64} "),
    cross_entropy("cross_entropy_3d", r.normal(0, 2, (2, 3, 4)),
                  np.array([[0, 3, 1], [2, 2, 0]])),
    cross_entropy("cross_entropy_i64_labels", r.normal(0, 2, (3, 4)),
                  np.array([3, -100, 1]), label_dtype=np.int64),
    cross_entropy("cross_entropy_large_logits", big, np.array([1, 0, 2, 1]),
                  **BIG_STEP),
    cross_entropy("cross_entropy_large_logits_smoothing", big,
                  np.array([1, 0, 2, 1]), "{label_smoothing = 0.2 : f64} ",
                  **BIG_STEP),
]


def pair(op, name, x, t, **options):
    return Case(name, params={"x": x, "t": t},
                body=f"%l = dl.{op} %x, %t : {tt(x.shape)}, {tt(t.shape)}",
                values=SCALAR, weighted=False, **options)


CASES += [
    pair("binary_cross_entropy", "binary_cross_entropy", r.normal(0, 2, (3, 4)),
         r.uniform(0, 1, (3, 4))),
    pair("binary_cross_entropy", "binary_cross_entropy_large_logits",
         np.array([[1e4, -1e4], [-2e4, 3e4]]), np.array([[0.0, 1.0], [0.25, 0.5]]),
         **BIG_STEP),
    pair("mse", "mse", r.normal(0, 1, (3, 4)), r.normal(0, 1, (3, 4))),
    pair("l1", "l1", r.normal(0, 1, (3, 4)), r.normal(0, 1, (3, 4))),
    # Where input and target are equal, |x - t| has PyTorch's gradient 0,
    # which is also its central difference.
    pair("l1", "l1_ties", np.array([[0.5, -1.0], [2.0, 0.25]]),
         np.array([[0.5, 1.0], [2.0, -0.75]])),
    Case("contrastive", params={"a": r.normal(0, 1, (4, 3)),
                                "b": r.normal(0, 1, (4, 3))},
         body="%l = dl.contrastive %a, %b {temperature = 0.5 : f64} : "
              "tensor<4x3xf64>, tensor<4x3xf64>",
         values=SCALAR, weighted=False),
    # A row of b is 100 times shorter: the loss does not depend on the
    # length of a row, so that row's gradient is 100 times larger and
    # orthogonal to it.
    Case("contrastive_scaled_rows",
         params={"a": rng(42).normal(0, 1, (3, 2)),
                 "b": rng(43).normal(0, 1, (3, 2)) *
                      np.array([[1.0], [1e-2], [1.0]])},
         body="%l = dl.contrastive %a, %b {temperature = 0.2 : f64} : "
              "tensor<3x2xf64>, tensor<3x2xf64>",
         values=SCALAR, weighted=False),
]

if __name__ == "__main__":
    gradcheck.main(CASES)
