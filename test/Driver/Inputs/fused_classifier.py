"""Gradients of test/Driver/Inputs/wide_classifier.dl with the fused
classifier (dl-fuse-classifier) against the same model built without it,
on one batch from the same initial weights; and the step temporaries of
each plan (here the forward sets the peak, with the logits and the product
before the bias: both [600, 1000]; the fused plan must not be larger).

Usage: fused_classifier.py DLCC WORKDIR"""

import json
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "lib"))
from safetensors_io import read_safetensors, write_safetensors  # noqa: E402

dlcc, work = sys.argv[1], sys.argv[2]
model = os.path.join(os.path.dirname(__file__), "wide_classifier.dl")


def run(args):
    return subprocess.run(args, check=True, capture_output=True,
                          text=True).stdout


rng = np.random.default_rng(7)
labels = rng.integers(0, 1000, 600).astype(np.int32)
labels[::50] = 3  # ignore_index: every 50th row counts for nothing
write_safetensors(os.path.join(work, "batch.safetensors"), {
    "x": rng.standard_normal((600, 16)).astype(np.float32),
    "label": labels})

grads, temporaries = {}, {}
for name, flags in (("fused", []), ("plain", ["--fuse-classifier=false"])):
    prog = os.path.join(work, name)
    report = run([dlcc, model, "--gradients", "-o", prog,
                  "--memory-report=json"] + flags)
    temporaries[name] = json.loads(report)["classes"]["step_temporaries"]
    llvm = run([dlcc, model, "--gradients", "--emit=llvm-dialect"] + flags)
    calls = llvm.count("llvm.call @dl_classifier_grad_f32(")
    # Once in the train step, once in the gradient step.
    assert calls == (2 if name == "fused" else 0), (name, calls)
    out = os.path.join(work, name + ".safetensors")
    run([prog, "--gradients", out, "--data",
         os.path.join(work, "batch.safetensors")])
    grads[name], _ = read_safetensors(out)

assert grads["fused"].keys() == grads["plain"].keys()
assert len(grads["fused"]) == 4, grads["fused"].keys()
for key, want in grads["plain"].items():
    got = grads["fused"][key]
    scale = float(np.abs(want).max())
    error = float(np.abs(got - want).max())
    print(f"{key}: largest difference {error:.3g} of {scale:.3g}")
    # f32 sums in another order (the weight's gradient block by block).
    assert scale > 0 and error <= 1e-5 * scale, (key, error, scale)

print(f"step temporaries: plain {temporaries['plain']}, fused "
      f"{temporaries['fused']}")
assert temporaries["fused"] <= temporaries["plain"], temporaries
