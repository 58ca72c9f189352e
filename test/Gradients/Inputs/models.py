"""Gradients of whole models against finite differences (see
test/lib/gradcheck.py): the mlp of examples/mlp.dl as dlcc's front end
builds it (hidden and classes made small, a batch of 4), in f64, with 24
elements of each large param checked; and the same network written in the
dl dialect with every element checked. Both have an accuracy metric beside
the cross-entropy loss."""

import os

import numpy as np

import gradcheck
from gradcheck import Case, from_program, rng, tensor_type as tt

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "examples")
r = rng(51)
B, F, H, C = 4, 6, 5, 3
labels = np.array([2, 0, 1, 2], np.int32)


def mlp_example(dlcc):
    def init(name, shape):
        # PyTorch's default bound for the weights of each layer's fan-in,
        # wider so that the relus are not all saturated by the few classes.
        return r.uniform(-0.5, 0.5, shape)
    return from_program(
        "mlp_example", dlcc, os.path.join(EXAMPLES, "mlp.dl"),
        ["--set", f"hidden={H}", "--set", f"classes={C}", f"--batch={B}"],
        inputs={"image": r.uniform(0, 1, (B, 784)), "label": labels},
        init=init, sample=24)


# The same network, 6 features -> 5 -> 5 -> 3 classes, written out.
MLP = f"""
  %h1 = dl.linear %image, %w1, %b1 : {tt((B, F))}, {tt((H, F))}, {tt((H,))}
  %a1 = dl.relu %h1 : {tt((B, H))}
  %h2 = dl.linear %a1, %w2, %b2 : {tt((B, H))}, {tt((H, H))}, {tt((H,))}
  %a2 = dl.relu %h2 : {tt((B, H))}
  %logits = dl.linear %a2, %w3, %b3 : {tt((B, H))}, {tt((C, H))}, {tt((C,))}
  %l = dl.cross_entropy %logits, %label : {tt((B, C))}, {tt((B,), "i32")}
  %accuracy = dl.accuracy %logits, %label : {tt((B, C))}, {tt((B,), "i32")}
"""

CASES = [
    mlp_example,
    Case("mlp_small", body=MLP, values={"l": ()}, weighted=False,
         params={"w1": r.uniform(-0.6, 0.6, (H, F)),
                 "b1": r.uniform(-0.4, 0.4, (H,)),
                 "w2": r.uniform(-0.6, 0.6, (H, H)),
                 "b2": r.uniform(-0.4, 0.4, (H,)),
                 "w3": r.uniform(-0.6, 0.6, (C, H)),
                 "b3": r.uniform(-0.4, 0.4, (C,))},
         inputs={"image": r.uniform(0, 1, (B, F)), "label": labels},
         metrics={"accuracy": "tensor<f64>"}),
]

if __name__ == "__main__":
    gradcheck.main(CASES)
