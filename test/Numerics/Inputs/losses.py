"""Losses and metrics against PyTorch: cross_entropy (plain, label
smoothing, ignore_index, 3-D logits, logits of +-1e4), binary_cross_entropy
with logits of +-1e4, mse, l1, contrastive (symmetric InfoNCE), accuracy
(ties go to the first maximum, as torch.argmax)."""

import numpy as np
import torch
import torch.nn.functional as F

from opcheck import Case, main, tensor_type

rng = np.random.default_rng(3)


def normal(*shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def labels(high, *shape, dtype=np.int32):
    return rng.integers(0, high, shape).astype(dtype)


def ty(array):
    return tensor_type(array.shape, {"f": "f32", "i": {4: "i32", 8: "i64"}
                                     [array.dtype.itemsize]}[array.dtype.kind]
                       if array.dtype.kind == "i" else "f32")


CASES = []


def cross_entropy(name, logits, target, smoothing=None, ignore=None):
    attrs = []
    if smoothing is not None:
        attrs.append(f"label_smoothing = {smoothing!r} : f64")
    if ignore is not None:
        attrs.append(f"ignore_index = {ignore} : i64")
    attrs = f" {{{', '.join(attrs)}}}" if attrs else ""

    def reference(x, y):
        return F.cross_entropy(
            x.reshape(-1, x.shape[-1]), y.reshape(-1),
            ignore_index=-100 if ignore is None else ignore,
            label_smoothing=0.0 if smoothing is None else smoothing)

    CASES.append(Case(
        name, {"x": logits, "y": target},
        f"%l = dl.cross_entropy %x, %y{attrs} : {ty(logits)}, {ty(target)}",
        ["l"], reference))


cross_entropy("ce", normal(8, 5, scale=2), labels(5, 8))
cross_entropy("ce-i64", normal(8, 5, scale=2), labels(5, 8, dtype=np.int64))
CASES.append(Case(
    "ce-f64", {"x": normal(4, 3).astype(np.float64), "y": labels(3, 4)},
    "%l = dl.cross_entropy %x, %y {label_smoothing = 0.1 : f64} : "
    "tensor<4x3xf64>, tensor<4xi32>", {"l": "tensor<f64>"},
    lambda x, y: F.cross_entropy(x, y, label_smoothing=0.1)))
cross_entropy("ce-smoothing", normal(8, 5, scale=2), labels(5, 8),
              smoothing=0.1)
cross_entropy("ce-smoothing-large", normal(6, 7, scale=3), labels(7, 6),
              smoothing=0.9)
with_ignored = labels(5, 8)
with_ignored[[1, 4, 5]] = -100
cross_entropy("ce-ignore-default", normal(8, 5), with_ignored)
with_ignored = labels(5, 8)
with_ignored[[0, 7]] = 3
cross_entropy("ce-ignore-index", normal(8, 5), with_ignored, ignore=3)
with_ignored = labels(5, 8)
with_ignored[[2, 3]] = -1
cross_entropy("ce-ignore-smoothing", normal(8, 5), with_ignored,
              smoothing=0.2, ignore=-1)
cross_entropy("ce-all-ignored", normal(3, 4), np.full(3, -100, np.int32))
cross_entropy("ce-3d", normal(2, 6, 9, scale=2), labels(9, 2, 6))
target = labels(9, 2, 6)
target[0, :3] = -100
cross_entropy("ce-3d-ignore-smoothing", normal(2, 6, 9), target,
              smoothing=0.05)
big = normal(6, 4)
big[0] = [1e4, -1e4, 0, 1e4]
big[1] = [-1e4, -1e4, -1e4, 1e4]
big[2] = [1e4, 1e4, 1e4, 1e4]
big[3] = [-1e4, 1e4, 0, 0]
cross_entropy("ce-large-logits", big, np.array([1, 0, 2, 0, 1, 3], np.int32))
cross_entropy("ce-large-logits-smoothing", big,
              np.array([0, 3, 2, 1, 1, 3], np.int32), smoothing=0.1)


def pair_loss(op, name, x, t, reference):
    CASES.append(Case(name, {"x": x, "t": t},
                      f"%l = dl.{op} %x, %t : {ty(x)}, {ty(t)}", ["l"],
                      reference))


extreme = np.concatenate([np.float32([1e4, -1e4, 1e4, -1e4, 0, 0, 30, -30, 1e4,
                                      -1e4]), normal(14, scale=3)]).reshape(4, 6)
extreme_targets = np.concatenate([np.float32([1, 0, 0, 1, 1, 0, 0, 1, 0.3,
                                              0.7]),
                                  rng.uniform(0, 1, 14).astype(np.float32)]
                                 ).reshape(4, 6)
pair_loss("binary_cross_entropy", "bce", normal(5, 3, scale=2),
          rng.integers(0, 2, (5, 3)).astype(np.float32),
          F.binary_cross_entropy_with_logits)
pair_loss("binary_cross_entropy", "bce-extreme-logits", extreme,
          extreme_targets, F.binary_cross_entropy_with_logits)
pair_loss("binary_cross_entropy", "bce-rank1", normal(7),
          rng.uniform(0, 1, 7).astype(np.float32),
          F.binary_cross_entropy_with_logits)
pair_loss("mse", "mse", normal(4, 6), normal(4, 6), F.mse_loss)
pair_loss("mse", "mse-3d", normal(2, 3, 4, scale=100), normal(2, 3, 4),
          F.mse_loss)
pair_loss("l1", "l1", normal(4, 6), normal(4, 6), F.l1_loss)
pair_loss("l1", "l1-3d", normal(2, 3, 4, scale=100), normal(2, 3, 4),
          F.l1_loss)


def info_nce(a, b, temperature):
    a, b = F.normalize(a, dim=1), F.normalize(b, dim=1)
    logits = a @ b.t() / temperature
    target = torch.arange(a.shape[0])
    return (F.cross_entropy(logits, target)
            + F.cross_entropy(logits.t(), target)) / 2


for name, a, b, temperature in (
        ("contrastive", normal(6, 8), normal(6, 8), None),
        ("contrastive-temperature", normal(4, 5, scale=10), normal(4, 5), 0.5),
        ("contrastive-aligned", None, None, 0.01)):
    if a is None:  # b close to a: a confident, near-zero loss
        a = normal(5, 6)
        b = (a + normal(5, 6, scale=0.01)).astype(np.float32)
    attrs = f" {{temperature = {temperature!r} : f64}}" if temperature else ""
    CASES.append(Case(
        name, {"a": a, "b": b},
        f"%l = dl.contrastive %a, %b{attrs} : {ty(a)}, {ty(b)}", ["l"],
        lambda a, b, t=temperature or 0.07: info_nce(a, b, t)))
zero_row = normal(4, 3)
zero_row[2] = 0
CASES.append(Case(
    "contrastive-zero-row", {"a": zero_row, "b": normal(4, 3)},
    "%l = dl.contrastive %a, %b : tensor<4x3xf32>, tensor<4x3xf32>", ["l"],
    lambda a, b: info_nce(a, b, 0.07)))


def accuracy(name, logits, target):
    CASES.append(Case(
        name, {"x": logits, "y": target},
        f"%a = dl.accuracy %x, %y : {ty(logits)}, {ty(target)}", ["a"],
        lambda x, y: (x.argmax(-1) == y).double().mean()))


accuracy("accuracy", normal(16, 5), labels(5, 16))
ties = np.float32([[1, 3, 3, 0], [2, 2, 2, 2], [0, 5, 1, 5], [-1, -1, -2, -3],
                   [7, 1, 7, 7], [0, 0, 0, 1]])
accuracy("accuracy-ties-first", ties, np.array([1, 0, 1, 0, 0, 3], np.int32))
accuracy("accuracy-ties-later", ties, np.array([2, 3, 3, 1, 2, 0], np.int32))
accuracy("accuracy-3d-i64", normal(2, 5, 3), labels(3, 2, 5, dtype=np.int64))
accuracy("accuracy-label-outside", normal(4, 3),
         np.array([0, 5, -1, 2], np.int32))
nan_rows = normal(3, 4)
nan_rows[0, 2] = np.nan
nan_rows[1, [1, 3]] = np.nan
accuracy("accuracy-nan-is-max", nan_rows, np.array([2, 1, 0], np.int32))

if __name__ == "__main__":
    main(CASES)
