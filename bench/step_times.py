"""Training-step times of the examples, dlcc against PyTorch, in one run.

For each of examples/mlp.dl, cnn.dl and gpt.dl (at the batch of its train
section):

1. compiles it with dlcc, timing the compile;
2. writes one batch as safetensors (Fashion-MNIST's first images,
   standardized as the examples do, or random tokens for gpt) and the
   program's initial weights (--save-params);
3. for several rounds, in turn: the compiled program trains K steps on
   that batch from those weights (--data, --init, --log_every=1), then
   PyTorch (bench/torch_steps.py) K steps of the same model on the same
   batch with 2 intra-op threads, then K with 1;
4. takes each side's median step time over the steps after the first W of
   every round, and the median over the rounds of each round's ratio
   (dlcc's median in the round over PyTorch's): the machine's phases
   (below) last seconds to minutes, so the sides of one round, a few
   seconds apart, run in the same phase more often than the whole runs
   do; and that median over the rounds whose cores were near, and over
   those whose cores were far apart. A compiled program's step time is the
   difference between the `time.elapsed_s` of consecutive records of its
   metrics log, so it includes the runtime's work around the step
   (copying the batch in, checking the outputs, writing the log line);
   its first step has no
   previous record and is never measured. PyTorch's is the wall time of
   forward, backward, clipping, optimizer and schedule steps. Each side's
   round starts after a pause of half a second, so that the threads of
   the side before it have stopped spinning.

Both sides use the 2 cores without oversubscription: OpenBLAS with 2
threads (OPENBLAS_NUM_THREADS=2) for both, and PyTorch's elementwise and
oneDNN work with 2 OpenMP threads or 1 (the faster is compared). PyTorch
calls BLAS outside its parallel regions, so with 2 threads its idle OpenMP
thread must not spin while OpenBLAS's threads work: OMP_WAIT_POLICY=PASSIVE
for PyTorch. dlcc's programs run their parallel loops on LLVM's OpenMP
runtime and set their own idle policy (runtime/Threads.h: OpenBLAS's
threads sleep at once, OpenMP's after 1 ms), so the variable is removed
for them. Both load the same
libopenblas.so.0 with the same kernels: OPENBLAS_L2_SIZE is unset, and so
is OPENBLAS_CORETYPE unless OpenBLAS then picks its SSE3 `Prescott`
kernels (0.3.21 does not know recent CPUs), in which case it is set to
SkylakeX (the AVX-512 kernels) for both. For gpt the step's GFLOP/s
(bench/gpt_flops.py) is set against a 2-thread sgemm peak measured in the
same run (bench/sgemm_peak.py), before and after the steps. So is the
memory bandwidth of one core (a 256 MB copy). This machine has slow phases,
seconds to minutes long, in which a compiled step takes about 1.45x its
time while PyTorch's barely moves and neither the bandwidth nor the 4096^3
peak changes (bench/RESULTS.md): the host then runs the two vCPUs on
cores that share no cache, and a cache line's round trip between them
takes ~330 ns instead of ~55. Before each round the benchmark measures that
round trip (bench/core_latency.c, built with cc) and reports the rounds
with the cores near and far apart separately.

Usage: /usr/bin/python3 bench/step_times.py [--dlcc PATH] [--dlcc-arg ARG]
           [--rounds R]
           [--steps mlp=K,cnn=K,gpt=K] [--warmup W] [MODEL ...]
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
sys.path.insert(0, os.path.join(ROOT, "test", "Models"))
sys.path.insert(0, os.path.join(ROOT, "test", "lib"))

from gpt_flops import GPT, gpt_step_flops  # noqa: E402
from safetensors_io import write_safetensors  # noqa: E402

MODELS = ("mlp", "cnn", "gpt")
BATCH = {"mlp": 128, "cnn": 64, "gpt": 16}
STEPS = {"mlp": 60, "cnn": 6, "gpt": 6}
# The goals for dlcc's step time as a fraction of PyTorch's.
GOAL = {"mlp": 0.5, "cnn": 0.5, "gpt": 0.75}
THREADS = (2, 1)
# Seconds of rest before each side's round (see settle()).
SETTLE_S = 0.5
# A cache line's round trip between the two cores below this many ns: the
# host runs them on cores that share a cache (bench/core_latency.c).
NEAR_NS = 150


def default_dlcc():
    build = os.environ.get("DLCC_BUILD_DIR", os.path.join(ROOT, "build"))
    return os.path.join(build, "bin", "dlcc")


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="*", metavar="MODEL",
                        help="mlp, cnn, gpt (default: all three)")
    parser.add_argument("--dlcc", default=default_dlcc(),
                        help="the compiler (default: $DLCC_BUILD_DIR/bin/dlcc "
                        "or build/bin/dlcc)")
    parser.add_argument("--dlcc-arg", action="append", default=[],
                        metavar="ARG", help="pass ARG to dlcc when compiling "
                        "(repeatable), e.g. --dlcc-arg=--cpu=native")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--steps", default="",
                        help="steps per round and side, e.g. mlp=60,gpt=5 "
                        f"(defaults: {STEPS})")
    parser.add_argument("--warmup", type=int, default=2,
                        help="steps left out at the start of every round")
    parser.add_argument("--work", help="keep the programs and files here "
                        "(default: a temporary folder, removed at the end)")
    args = parser.parse_args()
    if not os.access(args.dlcc, os.X_OK):
        parser.error(f"no dlcc at {args.dlcc}: build it (tools/build.sh) or "
                     "give --dlcc")
    args.models = args.models or list(MODELS)
    for model in args.models:
        if model not in MODELS:
            parser.error(f"unknown model {model} (mlp, cnn, gpt)")
    steps = dict(STEPS)
    for item in filter(None, args.steps.split(",")):
        name, _, count = item.partition("=")
        if name not in MODELS or not count.isdigit():
            parser.error(f"--steps: {item} is not MODEL=COUNT")
        steps[name] = int(count)
    args.steps = steps
    for model in args.models:
        if steps[model] <= args.warmup:
            parser.error(f"--steps {model}={steps[model]} leaves nothing "
                         f"after --warmup={args.warmup}")
    return args


def environment():
    """The threads and BLAS environment of both sides, and a line saying
    which kernels OpenBLAS uses and why."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENBLAS_L2_SIZE", "OPENBLAS_CORETYPE",
                        "OMP_NUM_THREADS")}
    env["OPENBLAS_NUM_THREADS"] = "2"
    env["OMP_WAIT_POLICY"] = "PASSIVE"
    probe = ("import ctypes; l = ctypes.CDLL('libopenblas.so.0'); "
             "l.openblas_get_corename.restype = ctypes.c_char_p; "
             "print(l.openblas_get_corename().decode())")
    core = subprocess.run([sys.executable, "-c", probe], env=env,
                          capture_output=True, text=True,
                          check=True).stdout.strip()
    if core.lower() != "prescott":
        return env, f"OPENBLAS_CORETYPE unset (OpenBLAS picks {core})"
    env["OPENBLAS_CORETYPE"] = "SkylakeX"
    return env, ("OPENBLAS_CORETYPE=SkylakeX for both (unset, OpenBLAS picks "
                 "its SSE3 Prescott kernels on this CPU)")


def use_environment(env):
    """Runs this script again under `env` unless it already runs so: NumPy
    loads OpenBLAS on import, which reads its environment only then."""
    if env != dict(os.environ):
        os.execve(sys.executable, [sys.executable] + sys.argv, env)


def run(command, env=None):
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({result.returncode}):\n"
                 f"{result.stdout}{result.stderr}")
    return result.stdout


def make_batch(model):
    """One batch of the example's inputs, as numpy arrays."""
    import forward_parity
    if model == "gpt":
        rng = np.random.default_rng(7)
        shape = (BATCH["gpt"], GPT["context"] + 1)
        tokens = rng.integers(0, GPT["vocab"], shape).astype(np.int32)
        return {"tokens": tokens[:, :-1].copy(),
                "targets": tokens[:, 1:].copy()}
    images, labels = forward_parity.fashion_batch(BATCH[model])
    images = (images - 0.286) / 0.353
    if model == "cnn":
        images = images.reshape(-1, 1, 28, 28)
    return {"image": images.astype(np.float32), "label": labels}


def prepare(model, dlcc, dlcc_args, work):
    """Compiles the example and writes its batch and initial weights;
    returns the compile's seconds, the program and the two files."""
    prog = os.path.join(work, model)
    start = time.perf_counter()
    run([dlcc, os.path.join(ROOT, "examples", model + ".dl"), "-o", prog] +
        dlcc_args)
    compile_s = time.perf_counter() - start
    batch, weights = (os.path.join(work, f"{model}-{name}.safetensors")
                      for name in ("batch", "init"))
    write_safetensors(batch, make_batch(model))
    run([prog, "--eval", "--data", batch, "--save-params", weights])
    return compile_s, prog, batch, weights


def dlcc_steps(prog, batch, weights, steps, work):
    """Trains `steps` steps; returns the times of steps 2.. and the loss of
    step 1, from the metrics log."""
    log = os.path.join(work, "steps.jsonl")
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    run([prog, "--data", batch, "--init", weights, f"--steps={steps}",
         "--eval=none", "--log", log, "--log_every=1", "--seed=1",
         "--checkpoint", os.path.join(work, "steps.ckpt")], env=env)
    with open(log) as f:
        records = [r for r in map(json.loads, f) if r["event"] == "train"]
    elapsed = [r["time"]["elapsed_s"] for r in records]
    assert [r["step"] for r in records] == list(range(1, steps + 1))
    return [b - a for a, b in zip(elapsed, elapsed[1:])], records[0]["loss"]


def settle():
    """Waits until the threads of the side that ran last have gone to
    sleep: OpenBLAS's workers in this process spin for a while after
    PyTorch's last product (2^28 cycles, ~0.1 s, by default) and would take
    a core from the compiled program that starts next."""
    time.sleep(SETTLE_S)


def core_latency(probe):
    """The cores' round trip in ns (bench/core_latency.c), or None."""
    if not probe:
        return None
    return float(run([probe]).strip())


def build_latency_probe(work):
    """bench/core_latency.c built into `work`, or None without a C
    compiler."""
    compiler = shutil.which("cc")
    if not compiler:
        progress("no cc: the cores' round trip is not measured")
        return None
    probe = os.path.join(work, "core_latency")
    run([compiler, "-O2", "-pthread", os.path.join(BENCH, "core_latency.c"),
         "-o", probe])
    return probe


def measure(model, prog, batch, weights, args, work, probe):
    """Alternates the two sides for the rounds; returns per side (dlcc, or
    PyTorch's thread count) the step times kept in each round, each side's
    first loss, and the cores' round trip before each round."""
    from torch_steps import Trainer
    from safetensors_io import read_safetensors
    steps, warmup = args.steps[model], args.warmup
    arrays, _ = read_safetensors(batch)
    trainer = Trainer(model, weights, arrays, args.rounds * len(THREADS) *
                      steps)
    times = {"dlcc": [], **{threads: [] for threads in THREADS}}
    first_loss, latencies = {}, []
    for _ in range(args.rounds):
        settle()
        latencies.append(core_latency(probe))
        step_times, loss = dlcc_steps(prog, batch, weights, steps, work)
        # The list starts at step 2.
        times["dlcc"].append(step_times[max(warmup - 1, 0):])
        first_loss.setdefault("dlcc", loss)
        for threads in THREADS:
            settle()
            step_times, _ = trainer.timed_steps(steps, threads)
            first_loss.setdefault("PyTorch", trainer.first_loss)
            times[threads].append(step_times[warmup:])
    return times, first_loss, latencies


def torch_blas():
    """PyTorch's version, what it says of its BLAS, and the BLAS libraries
    this process loaded."""
    import torch
    info = re.findall(r"(?:BLAS|LAPACK)_INFO=\w+", torch.__config__.show())
    with open("/proc/self/maps") as f:
        libraries = sorted({os.path.basename(line.split()[-1])
                            for line in f if "blas" in line or "lapack" in line})
    return (f"PyTorch {torch.__version__}: {', '.join(info)}; loaded: "
            f"{', '.join(libraries)}")


def cpu_seconds():
    """The machine's busy CPU seconds so far, and this process's (with its
    children's): their difference over the run is what others used."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]          # idle, iowait
    busy = (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")
    own = os.times()
    return busy, own.user + own.system + own.children_user + own.children_system


def sgemm_peak():
    import sgemm_peak as peak
    lib = peak.openblas()
    return peak.describe(lib), peak.sgemm_gflops(lib, 4096, 4)


def copy_bandwidth():
    """GB/s read and written by the best of five 256 MB copies on one
    core."""
    source = np.ones(64 << 20, np.float32)
    target = np.empty_like(source)
    best = 0.0
    for _ in range(5):
        start = time.perf_counter()
        np.copyto(target, source)
        best = max(best, 2 * source.nbytes / (time.perf_counter() - start))
    return best / 1e9


def all_steps(rounds):
    return [t for steps in rounds for t in steps]


def round_ratios(times, best):
    """Each round's dlcc median over PyTorch's (at `best` threads), in the
    rounds' order."""
    return [statistics.median(ours) / statistics.median(theirs)
            for ours, theirs in zip(times["dlcc"], times[best])]


def report(results, compile_times, peaks, bandwidths, args):
    ms = lambda rounds: 1000 * statistics.median(all_steps(rounds))
    # PyTorch's faster thread count for each model.
    best = {model: min(THREADS, key=lambda t: ms(times[t]))
            for model, (times, _, _) in results.items()}
    print(f"\n{'model':5} {'compile':>8} {'dlcc':>10} {'PyTorch 2t':>11} "
          f"{'PyTorch 1t':>11} {'dlcc/PyTorch':>13} {'by round':>9} "
          f"{'goal':>5} {'loss at step 1 (dlcc, PyTorch)':>32}")
    for model, (times, first_loss, _) in results.items():
        ratio = ms(times["dlcc"]) / ms(times[best[model]])
        paired = statistics.median(round_ratios(times, best[model]))
        print(f"{model:5} {compile_times[model]:7.1f}s "
              f"{ms(times['dlcc']):7.2f} ms "
              + " ".join(f"{ms(times[t]):8.2f} ms" for t in THREADS)
              + f" {ratio:8.2f}x ({best[model]}t) {paired:8.2f}x {GOAL[model]:4.2f}x "
              f"{first_loss['dlcc']:15.6f} {first_loss['PyTorch']:10.6f}")
    print("memory copy on one core: "
          + ", ".join(f"{b:.1f}" for b in bandwidths)
          + " GB/s (before and after the steps)")
    for model, (times, _, latencies) in results.items():
        steps = all_steps(times["dlcc"])
        ratios = round_ratios(times, best[model])
        print(f"  {model}: {len(steps)} steps measured a side; dlcc "
              f"min {1000 * min(steps):.2f} ms, max {1000 * max(steps):.2f} "
              "ms; ratios by round " + " ".join(
                  f"{r:.2f}" for r in sorted(ratios)))
        if None in latencies:
            continue
        for kind, near, bound in (("near", True, "<"), ("far", False, ">=")):
            kept = [r for r, l in zip(ratios, latencies)
                    if (l < NEAR_NS) == near]
            if kept:
                print(f"    cores {kind} ({bound} {NEAR_NS} ns round trip): "
                      f"{len(kept)} rounds, median ratio "
                      f"{statistics.median(kept):.2f}x")
        print("    round trips (ns): "
              + " ".join(f"{l:.0f}" for l in latencies))
    if "gpt" in results:
        times, _, latencies = results["gpt"]
        flops = gpt_step_flops(BATCH["gpt"], **GPT)
        peak = max(gflops for _, gflops in peaks)
        print(f"\ngpt: {flops / 1e9:.2f} GFLOP a step (bench/gpt_flops.py); "
              f"2-thread sgemm peak {peak:.0f} GFLOP/s (4096^3, best of "
              f"the measurements before and after: "
              + ", ".join(f"{g:.0f}" for _, g in peaks) + ")")
        for side in ("dlcc",) + THREADS:
            rate = flops / statistics.median(all_steps(times[side])) / 1e9
            name = side if side == "dlcc" else f"PyTorch {side}t"
            print(f"  {name:11} {rate:6.1f} GFLOP/s = {100 * rate / peak:4.1f} "
                  "% of peak")
        near = [steps for steps, l in zip(times["dlcc"], latencies)
                if l is not None and l < NEAR_NS]
        if near:
            rate = flops / statistics.median(all_steps(near)) / 1e9
            print(f"  dlcc in the {len(near)} rounds with the cores near: "
                  f"{rate:.1f} GFLOP/s = {100 * rate / peak:.1f} % of peak")


def progress(text):
    print(text, file=sys.stderr, flush=True)


def main():
    args = parse_args()
    env, blas_choice = environment()
    use_environment(env)
    work = args.work or tempfile.mkdtemp(prefix="step_times.")
    os.makedirs(work, exist_ok=True)
    start_wall, start_cpu = time.time(), cpu_seconds()
    compile_times, prepared = {}, {}
    for model in args.models:
        progress(f"compiling {model}")
        compile_times[model], *prepared[model] = prepare(
            model, args.dlcc, args.dlcc_arg, work)
    progress("sgemm peak")
    peaks, bandwidths = [sgemm_peak()], [copy_bandwidth()]
    results = {}
    probe = build_latency_probe(work)
    for model in args.models:
        progress(f"timing {model}")
        results[model] = measure(model, *prepared[model], args, work, probe)
    progress("sgemm peak")
    peaks.append(sgemm_peak())
    bandwidths.append(copy_bandwidth())
    print(f"dlcc: {' '.join([args.dlcc] + args.dlcc_arg)}; {args.rounds} rounds of dlcc, PyTorch with 2 "
          f"threads, PyTorch with 1 thread; steps per round {args.steps}, the "
          f"first {args.warmup} of each left out; median step times")
    print(f"BLAS: {blas_choice}; OPENBLAS_NUM_THREADS=2, "
          f"OMP_WAIT_POLICY=PASSIVE for PyTorch; {peaks[0][0]}")
    print(torch_blas())
    (busy, own), (busy0, own0) = cpu_seconds(), start_cpu
    wall = time.time() - start_wall
    print(f"run: {wall:.0f} s; other processes used "
          f"{max(0.0, busy - busy0 - (own - own0)):.1f} CPU-seconds of the "
          f"{os.cpu_count() * wall:.0f} of the cores")
    report(results, compile_times, peaks, bandwidths, args)
    if not args.work:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
