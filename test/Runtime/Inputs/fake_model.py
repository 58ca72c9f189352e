"""Inputs and checks for the runtime's end-to-end tests on fake-model.

fake-model (test/Unit/FakeModel.cpp) computes, from params fc.weight (2, 3),
fc.bias (2), buffer output_scale () and inputs x (4, 3), target (4, 2):

    prediction = (x @ fc.weight.T + fc.bias) * output_scale
    loss = mean((prediction - target) ** 2), mae = mean(|prediction - target|)

Safetensors files are written and read by hand (test/lib/safetensors_io.py),
so that the runtime is checked against an independent reader.

Usage:
    fake_model.py write DIR             write weights, a batch and bad files
    fake_model.py check DIR STDOUT      check a run on DIR's files
    fake_model.py check-init PARAMS     check params the model initialized
    fake_model.py status N CMD...       run CMD; expect exit status N and
                                        exactly one line on stderr
"""

import subprocess
import sys

import numpy as np

from safetensors_io import read_safetensors, write_safetensors


def weights():
    rng = np.random.default_rng(1234)
    return {"fc.weight": rng.uniform(-1, 1, (2, 3)).astype(np.float32),
            "fc.bias": np.array([0.25, -0.5], np.float32),
            "output_scale": np.array(1.5, np.float32)}


def batch():
    rng = np.random.default_rng(99)
    return {"x": rng.normal(0, 1, (4, 3)).astype(np.float32),
            "target": rng.normal(0, 1, (4, 2)).astype(np.float32)}


def reference(w, b):
    """The model in float64."""
    f = {k: v.astype(np.float64) for k, v in {**w, **b}.items()}
    prediction = (f["x"] @ f["fc.weight"].T + f["fc.bias"]) * f["output_scale"]
    diff = prediction - f["target"]
    return {"loss": np.mean(diff ** 2), "mae": np.mean(np.abs(diff)),
            "prediction": prediction}


def write(directory):
    w, b = weights(), batch()
    write_safetensors(f"{directory}/weights.safetensors", w, {"format": "pt"})
    write_safetensors(f"{directory}/batch.safetensors", b)
    write_safetensors(f"{directory}/wrong-shape.safetensors",
                      {**w, "fc.weight": w["fc.weight"].T.copy()})
    write_safetensors(f"{directory}/wrong-dtype.safetensors",
                      {**w, "fc.bias": w["fc.bias"].astype(np.float64)})
    write_safetensors(f"{directory}/missing-bias.safetensors",
                      {k: v for k, v in w.items() if k != "fc.bias"})
    write_safetensors(f"{directory}/extra.safetensors",
                      {**w, "fc2.weight": w["fc.weight"]})
    big = b["x"].copy()
    big.flat[4] = 1e9
    write_safetensors(f"{directory}/big-x.safetensors", {**b, "x": big})
    with open(f"{directory}/batch.safetensors", "rb") as f:
        good = f.read()
    with open(f"{directory}/truncated.safetensors", "wb") as f:
        f.write(good[:-7])


def close(name, got, want, rtol=1e-6):
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    if not np.allclose(got, want, rtol=rtol, atol=0):
        sys.exit(f"{name}: got {got}, numpy says {want}")


def check(directory, stdout):
    w, b = weights(), batch()
    want = reference(w, b)
    with open(stdout) as f:
        lines = f.read().splitlines()
    printed = dict(line.split(": ") for line in lines)
    if list(printed) != ["loss", "mae"]:
        sys.exit(f"expected the scalar outputs loss, mae in order; got {lines}")
    close("printed loss", float(printed["loss"]), want["loss"])
    close("printed mae", float(printed["mae"]), want["mae"])

    outputs, metadata = read_safetensors(f"{directory}/out.safetensors")
    if sorted(outputs) != ["loss", "mae", "prediction"]:
        sys.exit(f"outputs file holds {sorted(outputs)}")
    if metadata.get("format") != "pt" or metadata.get("model") != "fake":
        sys.exit(f"outputs file metadata {metadata}")
    for name in ("loss", "mae", "prediction"):
        close(f"written {name}", outputs[name], want[name])
    # The printed value is the written one, digit for digit (%.9g).
    if np.float32(printed["loss"]) != outputs["loss"]:
        sys.exit("the printed loss is not the written one")

    params, _ = read_safetensors(f"{directory}/params.safetensors")
    if sorted(params) != sorted(w):
        sys.exit(f"params file holds {sorted(params)}")
    for name, value in w.items():
        if params[name].dtype != value.dtype or params[name].shape != value.shape \
                or params[name].tobytes() != value.tobytes():
            sys.exit(f"param {name} was not written back as loaded")


def check_init(path):
    params, _ = read_safetensors(path)
    weight = params["fc.weight"]
    if weight.shape != (2, 3) or weight.dtype != np.float32:
        sys.exit(f"fc.weight is {weight.dtype} {weight.shape}")
    if not ((weight >= -0.5) & (weight <= 0.5)).all() or len(set(weight.flat)) != 6:
        sys.exit(f"fc.weight is not uniform(-0.5, 0.5): {weight}")
    if not (params["fc.bias"] == np.float32(0.1)).all():
        sys.exit(f"fc.bias is not constant 0.1: {params['fc.bias']}")
    if params["output_scale"] != 1:
        sys.exit(f"output_scale is not constant 1: {params['output_scale']}")


def status(expected, command):
    run = subprocess.run(command, capture_output=True, text=True)
    lines = run.stderr.splitlines()
    if run.returncode != expected or len(lines) != 1:
        sys.exit(f"{command}: exit status {run.returncode} (expected "
                 f"{expected}), stderr {lines!r}")


def main(argv):
    if argv[:1] == ["write"] and len(argv) == 2:
        write(argv[1])
    elif argv[:1] == ["check"] and len(argv) == 3:
        check(argv[1], argv[2])
    elif argv[:1] == ["check-init"] and len(argv) == 2:
        check_init(argv[1])
    elif argv[:1] == ["status"] and len(argv) >= 3:
        status(int(argv[1]), argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
