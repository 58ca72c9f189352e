"""Data, references and checks for the runtime's training tests.

The hand-written models of test/Unit train on files written here:

    fake-model       x f32 (4, 3), target f32 (4, 2); SGD with momentum
    fake-classifier  image f32 (8, 2, 2), label i64 (8,); 3 classes; AdamW
    fake-lm          tokens, targets i32 (4, 8); 96 byte-level ids; AdamW,
                     clip, stat grad_norm

References recompute training in float64 with numpy from the same initial
weights and batch, and the learning-rate schedules from their formulas.

Usage:
    train_data.py write DIR               every data file, good and bad
    train_data.py sgd LOG PARAMS LR MOMENTUM SCHEDULE WARMUP MIN_LR STEPS
                                          fake-model on DIR/batch.safetensors
    train_data.py adamw LOG PARAMS STEPS  fake-classifier on its batch file
    train_data.py lr LOG LR SCHEDULE WARMUP MIN_LR TOTAL
                                          the logged lr of every step
    train_data.py same-log A B            equal but for the "time" fields
    train_data.py close-log A B RTOL      the train losses agree within RTOL
    train_data.py differ-log A B          the train losses differ
    train_data.py improves LOG            the last train loss is below the
                                          first, the eval accuracy above 0.9
    train_data.py kill-at LOG STEP CMD... run CMD, SIGKILL it once LOG has
                                          a record of STEP or later
    train_data.py svg FILE TRAIN EVAL     the plot has TRAIN points, EVAL dots
    train_data.py checkpoint FILE STEP    a checkpoint of STEP, params and
                                          optimizer state all finite
"""

import gzip
import json
import math
import os
import signal
import struct
import subprocess
import sys
import time
import xml.dom.minidom

import numpy as np

from safetensors_io import read_safetensors, write_safetensors


def npy(path, array):
    np.save(path, array, allow_pickle=False)


def idx(path, array, compress=True, magic=None):
    header = bytes([0, 0, 0x08, array.ndim])
    for extent in array.shape:
        header += struct.pack(">I", extent)
    if magic is not None:
        header = magic + header[4:]
    data = header + array.astype(np.uint8).tobytes()
    with (gzip.open if compress else open)(path, "wb") as f:
        f.write(data)


def classifier_examples(rng, count):
    """2x2 images: the pixel of the class bright, the others dim."""
    labels = rng.integers(0, 3, count)
    images = rng.integers(0, 60, (count, 4))
    images[np.arange(count), labels] += 180
    return images.reshape(count, 2, 2).astype(np.uint8), labels.astype(np.uint8)


CORPUS = ("the quick brown fox jumps over the lazy dog.\n"
          "a stitch in time saves nine.\tcaf\u00e9 au lait\n") * 30


def write(d):
    rng = np.random.default_rng(7)
    # fake-model: a linear map plus noise.
    true_w = np.array([[1, -2, 0.5], [0.3, 0.2, -1]])
    for name, count in (("train", 22), ("eval", 8)):
        x = rng.normal(0, 1, (count, 3)).astype(np.float32)
        target = (x @ true_w.T + 0.5 + rng.normal(0, 0.1, (count, 2)))
        npy(f"{d}/{name}-x.npy", x)
        npy(f"{d}/{name}-target.npy", target.astype(np.float32))
    x = np.load(f"{d}/train-x.npy")
    npy(f"{d}/x-f64.npy", x.astype(np.float64))
    npy(f"{d}/x-wide.npy", np.zeros((22, 4), np.float32))
    npy(f"{d}/x-short.npy", x[:21])
    with open(f"{d}/train-x.npy", "rb") as f:
        good = f.read()
    with open(f"{d}/x-truncated.npy", "wb") as f:
        f.write(good[:-10])
    with open(f"{d}/x-magic.npy", "wb") as f:
        f.write(b"\x93NUMPZ" + good[6:])
    write_safetensors(f"{d}/batch.safetensors",
                      {"x": x[:4], "target": np.load(f"{d}/train-target.npy")[:4]})
    write_safetensors(f"{d}/weights.safetensors", {
        "fc.weight": rng.uniform(-0.5, 0.5, (2, 3)).astype(np.float32),
        "fc.bias": np.array([0.1, -0.2], np.float32),
        "output_scale": np.array(1.0, np.float32)})

    # fake-classifier: IDX files, gzip and raw, and bad ones.
    images, labels = classifier_examples(rng, 43)
    idx(f"{d}/train-images.gz", images)
    idx(f"{d}/train-labels.gz", labels)
    idx(f"{d}/train-images.raw", images, compress=False)
    idx(f"{d}/train-labels.raw", labels, compress=False)
    test_images, test_labels = classifier_examples(rng, 32)
    idx(f"{d}/test-images.gz", test_images)
    idx(f"{d}/test-labels.gz", test_labels)
    idx(f"{d}/magic-images.gz", images, magic=b"\x00\x00\x0d\x03")
    with open(f"{d}/train-images.gz", "rb") as f:
        packed = f.read()
    with open(f"{d}/truncated-images.gz", "wb") as f:
        f.write(packed[:len(packed) // 2])
    bad = labels.copy()
    bad[5] = 7
    idx(f"{d}/range-labels.gz", bad)
    npy(f"{d}/images.npy", (images.astype(np.float32) / 255 - 0.5) / 0.25)
    npy(f"{d}/labels.npy", labels.astype(np.int64))
    npy(f"{d}/labels-i32.npy", labels.astype(np.int32))
    write_safetensors(f"{d}/classifier-batch.safetensors", {
        "image": ((images[:8].astype(np.float32) / 255 - 0.5) / 0.25),
        "label": labels[:8].astype(np.int64)})
    write_safetensors(f"{d}/classifier-weights.safetensors", {
        "fc.weight": rng.normal(0, 0.1, (3, 4)).astype(np.float32),
        "fc.bias": np.zeros(3, np.float32)})

    # fake-lm: a text corpus with bytes outside printable ASCII, and the same
    # as token files.
    with open(f"{d}/corpus.txt", "wb") as f:
        f.write(CORPUS.encode("utf-8"))
    ids = [0 if c == "\n" else ord(" ") - 31 if c == "\t" else ord(c) - 31
           for c in CORPUS if c == "\n" or c == "\t" or 32 <= ord(c) <= 126]
    np.array(ids, "<u2").tofile(f"{d}/corpus.u16")
    np.array(ids, "<u4").tofile(f"{d}/corpus.u32")
    big = np.array(ids, "<u2")
    big[::5] = 500  # Every window holds one.
    big.tofile(f"{d}/big-ids.u16")
    with open(f"{d}/odd.u16", "wb") as f:
        f.write(b"\x01\x00\x02")


def read_log(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def fail(message):
    sys.exit(message)


def close(name, got, want, rtol=2e-5, atol=1e-6):
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    if not np.allclose(got, want, rtol=rtol, atol=atol):
        fail(f"{name}: got {got}, the reference says {want}")


def schedule_lr(lr, kind, warmup, min_lr, done, total):
    """The formulas of docs/runtime.md, written independently."""
    if kind != "constant" and done < warmup:
        return lr * done / warmup
    decay = max(1, total - warmup)
    if kind == "linear":
        return lr * max(0.0, (total - done) / decay)
    if kind == "cosine":
        progress = min(1.0, max(0.0, (done - warmup) / decay))
        return min_lr + (lr - min_lr) * 0.5 * (1 + math.cos(math.pi * progress))
    return lr


def check_sgd(log, params, lr, momentum, kind, warmup, min_lr, steps):
    d = os.path.dirname(os.path.abspath(log))
    batch, _ = read_safetensors(f"{d}/batch.safetensors")
    w, _ = read_safetensors(f"{d}/weights.safetensors")
    weight, bias = w["fc.weight"].astype(np.float64), w["fc.bias"].astype(np.float64)
    x, target = batch["x"].astype(np.float64), batch["target"].astype(np.float64)
    buf_w, buf_b = np.zeros_like(weight), np.zeros_like(bias)
    losses = []
    for step in range(1, steps + 1):
        rate = np.float32(schedule_lr(lr, kind, warmup, min_lr, step - 1, steps))
        prediction = x @ weight.T + bias
        losses.append(np.mean((prediction - target) ** 2))
        g = 2 * (prediction - target) / prediction.size
        grad_w, grad_b = g.T @ x, g.sum(0)
        buf_w = momentum * buf_w + grad_w
        buf_b = momentum * buf_b + grad_b
        weight, bias = weight - rate * buf_w, bias - rate * buf_b
    records = [r for r in read_log(log) if r["event"] == "train"]
    if [r["step"] for r in records] != list(range(1, steps + 1)):
        fail(f"expected a record of every step, got {[r['step'] for r in records]}")
    close("losses", [r["loss"] for r in records], losses)
    saved, _ = read_safetensors(params)
    close("fc.weight", saved["fc.weight"], weight)
    close("fc.bias", saved["fc.bias"], bias)


def check_adamw(log, params, steps):
    d = os.path.dirname(os.path.abspath(log))
    batch, _ = read_safetensors(f"{d}/classifier-batch.safetensors")
    w, _ = read_safetensors(f"{d}/classifier-weights.safetensors")
    p = {k: v.astype(np.float64) for k, v in w.items()}
    m = {k: np.zeros_like(v) for k, v in p.items()}
    v = {k: np.zeros_like(a) for k, a in p.items()}
    image = batch["image"].reshape(8, 4).astype(np.float64)
    label = batch["label"]
    lr, b1, b2, eps, wd = 0.05, 0.9, 0.999, 1e-8, 0.01
    losses = []
    for step in range(1, steps + 1):
        rate = float(np.float32(schedule_lr(lr, "linear", 2, 0, step - 1, steps)))
        logits = image @ p["fc.weight"].T + p["fc.bias"]
        logits -= logits.max(1, keepdims=True)
        prob = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
        losses.append(-np.mean(np.log(prob[np.arange(8), label])))
        g = prob.copy()
        g[np.arange(8), label] -= 1
        g /= 8
        grads = {"fc.weight": g.T @ image, "fc.bias": g.sum(0)}
        for k in p:
            p[k] *= 1 - rate * wd
            m[k] = b1 * m[k] + (1 - b1) * grads[k]
            v[k] = b2 * v[k] + (1 - b2) * grads[k] ** 2
            mhat, vhat = m[k] / (1 - b1 ** step), v[k] / (1 - b2 ** step)
            p[k] -= rate * mhat / (np.sqrt(vhat) + eps)
    records = [r for r in read_log(log) if r["event"] == "train"]
    if [r["step"] for r in records] != list(range(1, steps + 1)):
        fail(f"expected a record of every step, got {[r['step'] for r in records]}")
    close("losses", [r["loss"] for r in records], losses)
    saved, _ = read_safetensors(params)
    for k in p:
        close(k, saved[k], p[k], rtol=1e-4, atol=1e-6)


def check_lr(log, lr, kind, warmup, min_lr, total):
    records = [r for r in read_log(log) if r["event"] == "train"]
    if len(records) != total:
        fail(f"expected {total} train records, got {len(records)}")
    for r in records:
        want = float(np.float32(schedule_lr(lr, kind, warmup, min_lr,
                                            r["step"] - 1, total)))
        if r["lr"] != want:
            fail(f"step {r['step']}: lr {r['lr']!r}, the formula gives {want!r}")


def without_time(path):
    records = read_log(path)
    for r in records:
        if "time" not in r:
            fail(f"{path}: a record without time fields: {r}")
        del r["time"]
    return records


def same_log(a, b):
    ra, rb = without_time(a), without_time(b)
    if not ra:
        fail(f"{a} is empty")
    if ra != rb:
        for i, (x, y) in enumerate(zip(ra, rb)):
            if x != y:
                fail(f"line {i + 1} differs:\n  {x}\n  {y}")
        fail(f"{a} has {len(ra)} records, {b} {len(rb)}")


def close_log(a, b, rtol):
    la = [r["loss"] for r in read_log(a) if r["event"] == "train"]
    lb = [r["loss"] for r in read_log(b) if r["event"] == "train"]
    if not la or len(la) != len(lb):
        fail(f"{a} has {len(la)} train losses, {b} {len(lb)}")
    for i, (x, y) in enumerate(zip(la, lb)):
        if abs(x - y) > rtol * abs(y):
            fail(f"train record {i + 1}: loss {x} in {a}, {y} in {b}")


def differ_log(a, b):
    la = [r["loss"] for r in read_log(a) if r["event"] == "train"]
    lb = [r["loss"] for r in read_log(b) if r["event"] == "train"]
    if la == lb:
        fail(f"{a} and {b} have the same losses")


def improves(log):
    records = read_log(log)
    train = [r["loss"] for r in records if r["event"] == "train"]
    if not train[-1] < train[0]:
        fail(f"the train loss went from {train[0]} to {train[-1]}")
    evals = [r for r in records if r["event"] == "eval"]
    if evals and not evals[-1]["metrics"].get("accuracy", 1) > 0.9:
        fail(f"the last eval accuracy is {evals[-1]['metrics']}")


def kill_at(log, step, command):
    if os.path.exists(log):
        os.remove(log)
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        if process.poll() is not None:
            fail(f"the run ended (status {process.returncode}) before step {step}")
        try:
            with open(log) as f:
                steps = [json.loads(line)["step"] for line in f if line.endswith("\n")]
        except (OSError, ValueError):
            steps = []
        if steps and max(steps) >= step:
            process.send_signal(signal.SIGKILL)
            process.wait()
            if process.returncode != -signal.SIGKILL:
                fail(f"the run ended with status {process.returncode}, not SIGKILL")
            return
        time.sleep(0.005)
    process.kill()
    fail(f"no record of step {step} within a minute")


def check_svg(path, train, evals):
    svg = xml.dom.minidom.parse(path).documentElement
    if svg.tagName != "svg":
        fail(f"{path} is not an SVG document")
    lines = svg.getElementsByTagName("polyline")
    points = lines[0].getAttribute("points").split() if lines else []
    dots = len(svg.getElementsByTagName("circle")) - (1 if evals else 0)  # legend
    if len(points) != train or dots != evals:
        fail(f"{path}: {len(points)} train points and {dots} eval dots, "
             f"expected {train} and {evals}")


def check_checkpoint(path, step):
    tensors, metadata = read_safetensors(path)
    if metadata.get("step") != str(step) or metadata.get("dlcc_checkpoint") != "1":
        fail(f"{path}: metadata {metadata}")
    for name, value in tensors.items():
        if not np.all(np.isfinite(value)):
            fail(f"{path}: tensor {name} is not finite")
    if not any(name.startswith("optimizer.") for name in tensors):
        fail(f"{path} holds no optimizer state: {sorted(tensors)}")


def main(argv):
    command, args = (argv[0], argv[1:]) if argv else ("", [])
    if command == "write" and len(args) == 1:
        write(args[0])
    elif command == "sgd" and len(args) == 8:
        check_sgd(args[0], args[1], float(args[2]), float(args[3]), args[4],
                  int(args[5]), float(args[6]), int(args[7]))
    elif command == "adamw" and len(args) == 3:
        check_adamw(args[0], args[1], int(args[2]))
    elif command == "lr" and len(args) == 6:
        check_lr(args[0], float(args[1]), args[2], int(args[3]),
                 float(args[4]), int(args[5]))
    elif command == "same-log" and len(args) == 2:
        same_log(*args)
    elif command == "close-log" and len(args) == 3:
        close_log(args[0], args[1], float(args[2]))
    elif command == "differ-log" and len(args) == 2:
        differ_log(*args)
    elif command == "improves" and len(args) == 1:
        improves(args[0])
    elif command == "kill-at" and len(args) >= 3:
        kill_at(args[0], int(args[1]), args[2:])
    elif command == "svg" and len(args) == 3:
        check_svg(args[0], int(args[1]), int(args[2]))
    elif command == "checkpoint" and len(args) == 2:
        check_checkpoint(args[0], int(args[1]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
