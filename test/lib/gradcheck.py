"""Checks the gradients dlcc builds against central finite differences in f64.

A case is a small model in the dl dialect: params (each a `dl.parameter`,
read into `%name` before the body), batch inputs (each an argument named by
`dl.input`), the body (MLIR ops) and the values it produces. The case's loss
is `sum(value * weights)` over its values, with fixed random weights (batch
inputs too), or the value itself when the case says `weighted=False` (a loss
op). The check compiles the module with `dlcc --gradients`, runs
`prog --gradients grads --init params --data batch` once, then
`prog --eval --init perturbed --data batch` on perturbed params, and compares
every element of every param's gradient with the central difference

    fd = (L(p + h e_i) - L(p - h e_i)) / (p_i^+ - p_i^-)

(the denominator from the values actually stored, so that params of any
float type are perturbed exactly as the program sees them).

Tolerance: for every element,

    |grad - fd| <= RTOL |fd| + ATOL,   RTOL = 1e-6,
    ATOL = 100 eps max(1, |L|) / h,    eps = 2^-52, h = 1e-6 by default

that is, a relative error of 1e-6, with an absolute allowance for the
rounding of the loss in f64 (a hundred ulps of the loss, divided by the
step; 2.2e-8 for a loss of order 1 and the default step). The truncation
error of a central difference, h^2 f''' / 6, is far below both at h = 1e-6
for values of order 1 (cases keep their values there, away from kinks).
A case may use another step (for instance where the loss is large and
nearly linear) or a looser tolerance only with a stated reason.

Where the loss is not differentiable, at ties, the expectation is PyTorch's
choice of subgradient, written in terms of the one-sided behavior that the
central difference sees: `maximum`/`max` share the gradient equally among
two tied elements, which is exactly the central difference of each; a max
pooling routes a window's gradient to its first maximum, so for each group
of tied elements listed in `routed_ties` the expected gradient is the sum of
the group's central differences on its first element and zero on the others.

To keep the suite fast, all the cases of a script are compiled into one
module (names prefixed by the case's number; one module per set of dlcc
options), whose loss is the sum of the case losses and whose other outputs
are the case losses themselves; and the perturbations are batched: run j
perturbs element j of one param of every case at once (a case's loss does
not depend on the others' params), so a script needs 2 max(params per case)
runs of one program. When the module fails to compile or run, each case is
compiled alone so that the report names the case at fault. Every file stays
in the work directory.

A script of cases ends with `gradcheck.main(CASES)`:

    python3 cases.py --dlcc PATH [--case NAME]... WORKDIR
"""

import argparse
import concurrent.futures
import os
import re
import subprocess
import sys

import numpy as np

from cases import select_cases, tensor_type
from safetensors_io import read_safetensors, write_safetensors

RTOL = 1e-6
STEP = 1e-6
EPS = np.finfo(np.float64).eps

ELEMENT_TYPES = {np.dtype(np.float32): "f32", np.dtype(np.float64): "f64",
                 np.dtype(np.int32): "i32", np.dtype(np.int64): "i64"}


def type_of(array):
    return tensor_type(array.shape, ELEMENT_TYPES[array.dtype])


def rng(seed):
    return np.random.default_rng(seed)


class Case:
    """One model whose gradients are checked.

    name: unique among the cases of a script (letters, digits, '_').
    params: dict of name -> float array (f64, or f32), the trained params.
    body: MLIR ops; params and inputs are `%name`, `@"name"` a param symbol.
    values: dict of value name -> shape of the f64 values the body produces
      and the loss weighs (or one scalar value when `weighted` is False).
    inputs: dict of name -> array (f64, f32, i32, i64): the batch.
    buffers: dict of name -> float array, declared as buffers.
    metrics: dict of value name -> type of further outputs (not checked).
    weighted: False when the single value is the loss itself.
    step: the finite-difference step h; rtol, why: a looser tolerance and
      the reason for it (also required for another step).
    routed_ties: groups of (param name, flat index...) whose gradient goes
      to the first element (see the module's docstring).
    flags: extra dlcc options.
    training: the perturbed losses come from the training forward (the
      program's --gradients) rather than evaluation, for ops such as
      dropout that differ between the two.
    sample: check at most this many elements of each param (chosen at
      random, with a fixed seed), for the large params of whole models.
    """

    def __init__(self, name, params, body, values, inputs=None, buffers=None,
                 metrics=None, weighted=True, step=STEP, rtol=RTOL, why=None,
                 routed_ties=(), flags=(), seed=0, sample=None,
                 training=False):
        if not re.fullmatch(r"[A-Za-z0-9_]+", name):
            raise ValueError(f"case name {name!r}")
        if (step != STEP or rtol != RTOL) and not why:
            raise ValueError(f"{name}: another step or tolerance needs a reason")
        if not weighted and (len(values) != 1 or
                             tuple(next(iter(values.values()))) != ()):
            raise ValueError(f"{name}: an unweighted case has one scalar value")
        self.name, self.params, self.body = name, params, body
        self.values, self.inputs = values, dict(inputs or {})
        self.buffers, self.metrics = buffers or {}, metrics or {}
        self.weighted, self.step, self.rtol = weighted, step, rtol
        self.routed_ties, self.flags = routed_ties, tuple(flags)
        self.training = training
        self.checked = {}
        for index, (name, a) in enumerate(params.items()):
            flat = np.arange(a.size)
            if sample is not None and a.size > sample:
                flat = np.sort(rng(2000 + seed + index).choice(
                    a.size, sample, replace=False))
            self.checked[name] = flat
        if weighted:
            r = rng(1000 + seed)
            for value, shape in values.items():
                self.inputs[f"{value}_weights"] = r.normal(0, 1, shape)

    def function(self, prefix):
        """(declarations, arguments, body lines, loss value, metric values
        and types) with every name prefixed."""
        def rename(text):
            text = re.sub(r"%([\w$.-]+)", rf"%{prefix}\1", text)
            return re.sub(r'@"([^"]+)"', rf'@"{prefix}\1"', text)
        args = [f'%{prefix}{name}: {type_of(a)} {{dl.input = "{prefix}{name}"}}'
                for name, a in self.inputs.items()]
        decls, lines = [], []
        for kind, tensors in (("", self.params), (" buffer", self.buffers)):
            for name, a in tensors.items():
                decls.append(f'dl.parameter @"{prefix}{name}" : {type_of(a)} = '
                             f"#dl.init<constant(0.0)>{kind}")
                lines.append(f'%{prefix}{name} = dl.param @"{prefix}{name}" : '
                             f"{type_of(a)}")
        lines += [rename(line.strip()) for line in self.body.strip().splitlines()
                  if line.strip()]
        loss = f"%{prefix}loss"
        if not self.weighted:
            lines.append(f"{loss} = dl.add %{prefix}{next(iter(self.values))}, "
                         f"%{prefix}zero : tensor<f64>, tensor<f64>")
            lines.insert(0, f"%{prefix}zero = arith.constant dense<0.0> : "
                            "tensor<f64>")
        else:
            terms = []
            for value, shape in self.values.items():
                t = tensor_type(shape)
                v, w = f"%{prefix}{value}", f"%{prefix}{value}_weights"
                lines.append(f"{v}_weighted = dl.mul {v}, {w} : {t}, {t}")
                lines.append(f"{v}_term = dl.sum {v}_weighted : {t}")
                terms.append(f"{v}_term")
            lines += sum_lines(terms, loss)
        metrics = [(f"%{prefix}{name}", t) for name, t in self.metrics.items()]
        return decls, args, lines, loss, metrics


def from_program(name, dlcc, program, options, inputs, init, **case_options):
    """A case of the whole model of a .dl `program`, as dlcc's front end
    builds it (with `options`) but in f64: its loss is the case's (not
    weighted), its other outputs metrics, its params initialized by
    `init(name, shape)`; `inputs` gives the batch by input name."""
    run = subprocess.run([dlcc, program, "--emit=dl", *options],
                         capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"dlcc failed on {program}:\n{run.stderr.strip()}")
    text = run.stdout.replace("f32", "f64")
    def shape(type_text):
        dims = re.fullmatch(r"tensor<([\dx]*)f64>", type_text).group(1)
        return tuple(int(d) for d in dims.split("x") if d)
    params = {m.group(1): init(m.group(1), shape(m.group(2))) for m in
              re.finditer(r'dl\.parameter @"?([\w.]+)"? : (tensor<[^>]*>)',
                          text)}
    head = re.search(r"func\.func @forward\((.*?)\) ->", text, re.S).group(1)
    args = re.findall(r'(%\w+): [^{]*\{dl\.input = "(\w+)"\}', head)
    body = text[text.index("\n", text.index("func.func @forward")) + 1:]
    lines = body[:body.index("return")].strip().splitlines()
    ret = re.search(r"return (.*?) :", body).group(1).split(", ")
    lines = [re.sub(r'@"?([\w.]+)"?', r'@"\1"', line) for line in lines]
    source = "\n".join(lines)
    for arg, input_name in args:
        source = re.sub(rf"{arg}\b", f"%{input_name}", source)
    # The model's other outputs are scalar metrics (f64 like the rest).
    metrics = {v[1:]: "tensor<f64>" for v in ret[1:]}
    return Case(name, params=params, body=source, values={ret[0][1:]: ()},
                inputs=inputs, metrics=metrics, weighted=False, **case_options)


def sum_lines(terms, result):
    """MLIR lines computing `result` = the sum of the scalar `terms`."""
    if len(terms) == 1:
        zero = result + "_zero"
        return [f"{zero} = arith.constant dense<0.0> : tensor<f64>",
                f"{result} = dl.add {terms[0]}, {zero} : tensor<f64>, "
                "tensor<f64>"]
    lines, acc = [], terms[0]
    for i, term in enumerate(terms[1:]):
        out = result if i == len(terms) - 2 else f"{result}_partial{i}"
        lines.append(f"{out} = dl.add {acc}, {term} : tensor<f64>, tensor<f64>")
        acc = out
    return lines


def prefix_of(index):
    return f"k{index}_"


def module_text(cases):
    """One module for `cases`: its loss is the sum of theirs; the other
    outputs are each case's loss, then its metrics."""
    decls, args, lines, losses, outputs = [], [], [], [], []
    for index, case in enumerate(cases):
        d, a, body, loss, metrics = case.function(prefix_of(index))
        decls += d
        args += a
        lines.append(f"// case {case.name}")
        lines += body
        losses.append(loss)
        outputs.append((loss, "tensor<f64>"))
        outputs += metrics
    lines += sum_lines(losses, "%total")
    results = [("%total", "tensor<f64>")] + outputs
    names = ", ".join(['"loss"'] + [f'"{v[1:]}"' for v, _ in outputs])
    body = "\n".join(f"    {line}" for line in lines)
    return (f'module attributes {{dl.model = "gradcheck", dl.batch = 1 : i64}} {{\n'
            + "".join(f"  {decl}\n" for decl in decls) +
            f"  func.func @forward({', '.join(args)})\n"
            f"      -> ({', '.join(t for _, t in results)}) "
            f"attributes {{dl.outputs = [{names}]}} {{\n"
            f"{body}\n"
            f"    return {', '.join(v for v, _ in results)} : "
            f"{', '.join(t for _, t in results)}\n"
            f"  }}\n}}\n")


def elements(case):
    """(param name, flat index) of every element of the case's params that
    the check perturbs."""
    return [(name, int(i)) for name, flat in case.checked.items()
            for i in flat]


def compare(case, name, grad, fd, loss):
    """Failure lines for one param."""
    want = fd.copy().reshape(-1)
    for group in case.routed_ties:
        if group[0] != name:
            continue
        flat = list(group[1:])
        total = want[flat].sum()
        want[flat] = 0
        want[flat[0]] = total
    got = grad.astype(np.float64).reshape(-1)
    atol = 100 * EPS * max(1.0, abs(loss)) / case.step
    checked = case.checked[name]
    err = np.abs(got - want)[checked]
    allowed = case.rtol * np.abs(want[checked]) + atol
    bad = np.flatnonzero(~(err <= allowed))
    if not len(bad):
        return []
    worst = checked[bad[np.argmax((err / allowed)[bad])]]
    at = [int(i) for i in np.unravel_index(worst, grad.shape)] if grad.ndim else []
    return [f"{name}: {len(bad)} of {len(checked)} elements differ; worst at {at}: "
            f"gradient {got[worst]!r}, finite difference {want[worst]!r} "
            f"(allowed error {allowed[worst]:.3g})"]


class Runner:
    def __init__(self, dlcc, work, jobs):
        self.dlcc, self.work, self.jobs = dlcc, work, jobs

    def build(self, stem, cases):
        """Writes and compiles a module; returns (program, problem)."""
        source = os.path.join(self.work, stem + ".mlir")
        program = os.path.join(self.work, stem)
        with open(source, "w") as f:
            f.write(module_text(cases))
        run = subprocess.run([self.dlcc, source, "--gradients", "-o", program,
                              *cases[0].flags], capture_output=True, text=True)
        if run.returncode != 0:
            return None, f"dlcc failed on {source}:\n{run.stderr.strip()}"
        return program, None

    def execute(self, command):
        run = subprocess.run(command, capture_output=True, text=True,
                             env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
        if run.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} exited with status "
                               f"{run.returncode}: {run.stderr.strip()}")
        return dict(line.split(": ", 1) for line in run.stdout.splitlines())

    def check(self, stem, cases):
        """{case name: failure lines}."""
        program, problem = self.build(stem, cases)
        if problem:
            raise RuntimeError(problem)
        path = lambda suffix: os.path.join(self.work, f"{stem}.{suffix}")
        batch, params = {}, {}
        for index, case in enumerate(cases):
            p = prefix_of(index)
            batch.update({p + n: a for n, a in case.inputs.items()})
            params.update({p + n: a for n, a in
                           {**case.params, **case.buffers}.items()})
        write_safetensors(path("batch.safetensors"), batch)
        write_safetensors(path("params.safetensors"), params)
        common = ["--data", path("batch.safetensors")]
        printed = self.execute([program, "--gradients",
                                path("grads.safetensors"), "--init",
                                path("params.safetensors"), *common])
        grads, _ = read_safetensors(path("grads.safetensors"))

        # Run j, sign s: element j of every case's params moved by s h.
        coordinates = [elements(case) for case in cases]
        runs = max(len(c) for c in coordinates)
        moved = {}  # (j, s) -> {case index: actual value}
        commands = []
        for j in range(runs):
            for s in (1, -1):
                perturbed = dict(params)
                moved[j, s] = {}
                for index, (case, coords) in enumerate(zip(cases, coordinates)):
                    if j >= len(coords):
                        continue
                    name, i = coords[j]
                    key = prefix_of(index) + name
                    array = params[key].copy()
                    flat = array.reshape(-1)
                    flat[i] = flat[i] + s * case.step
                    moved[j, s][index] = float(flat[i])
                    perturbed[key] = array
                weights = path(f"run{j}{'+' if s > 0 else '-'}.safetensors")
                write_safetensors(weights, perturbed)
                # The loss as the gradient step computes it (dropout kept)
                # or as evaluation does.
                mode = ([program, "--gradients", weights + ".grads"]
                        if cases[0].training else [program, "--eval"])
                commands.append(((j, s), mode + ["--init", weights, *common]))
        with concurrent.futures.ThreadPoolExecutor(self.jobs) as pool:
            losses = dict(zip([k for k, _ in commands],
                              pool.map(self.execute, [c for _, c in commands])))

        results = {}
        for index, (case, coords) in enumerate(zip(cases, coordinates)):
            p = prefix_of(index)
            loss = float(printed[f"{p}loss"])
            fd = {name: np.zeros(a.shape) for name, a in case.params.items()}
            for j, (name, i) in enumerate(coords):
                up = float(losses[j, 1][f"{p}loss"])
                down = float(losses[j, -1][f"{p}loss"])
                fd[name].reshape(-1)[i] = (up - down) / (
                    moved[j, 1][index] - moved[j, -1][index])
            failures = []
            for name in case.params:
                grad = grads.get(f"{p}{name}.grad")
                if grad is None:
                    failures.append(f"{name}: no gradient written")
                elif grad.shape != case.params[name].shape:
                    failures.append(f"{name}: gradient of shape "
                                    f"{list(grad.shape)}")
                else:
                    failures += compare(case, name, grad, fd[name], loss)
            results[case.name] = failures
        return results


def main(cases):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dlcc", required=True, help="the dlcc driver")
    parser.add_argument("--case", action="append", default=[],
                        help="check only this case (repeatable)")
    parser.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1),
                        help="programs run at once")
    parser.add_argument("work", help="a directory for the files of the check")
    args = parser.parse_args()
    # A case may be a function of the dlcc driver (to generate its body).
    cases = [case(args.dlcc) if callable(case) else case for case in cases]

    cases = select_cases(cases, args.case)
    os.makedirs(args.work, exist_ok=True)
    runner = Runner(args.dlcc, args.work, args.jobs)

    stem = os.path.splitext(os.path.basename(sys.argv[0]))[0]
    groups = {}
    for case in cases:
        groups.setdefault((case.flags, case.training), []).append(case)
    results = {}
    for index, group in enumerate(groups.values()):
        name = stem if index == 0 else f"{stem}-{index}"
        try:
            results.update(runner.check(name, group))
        except RuntimeError as error:
            print("note: the combined module failed, checking each case "
                  "alone:\n  " + "\n  ".join(str(error).splitlines()[:6]))
            for case in group:
                try:
                    results.update(runner.check(case.name, [case]))
                except RuntimeError as alone:
                    results[case.name] = str(alone).splitlines()[:12]

    failed = [case.name for case in cases if results[case.name]]
    for name in failed:
        print(f"FAIL {name}")
        for failure in results[name]:
            print(f"  {failure}")
    print(f"{stem}: {len(cases) - len(failed)} of {len(cases)} cases pass")
    sys.exit(1 if failed else 0)
