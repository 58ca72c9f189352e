"""Checks compiled dl ops, one forward at a time, against PyTorch in float64.

A case is a small forward function in the dl dialect: input arrays (each
becomes an argument named by `dl.input`), the body of the function (MLIR ops
that read the inputs as `%name`), the outputs it returns (`%name` and type,
named by `dl.outputs`) and a reference function written with PyTorch. The
check writes the module, compiles it with dlcc, writes the batch, runs
`prog --eval --data batch --outputs out` and compares every output with the
reference, which receives the same inputs (and params, in order) as float64
(floating) or int64 (integer) tensors and computes in float64.

Tolerance (strict): for every element,

    |got - ref| / max(|ref|, 1) <= 1e-5

that is, a relative error of 1e-5 for values above 1 in magnitude and an
absolute one of 1e-5 below. NaN must meet NaN and an infinity the same
infinity. Integer outputs must be equal. A case may ask for a looser
tolerance only with a stated reason (`tol=..., why=...`).

A case with `error=...` instead expects the program to stop while it runs:
exit status 1 and exactly one line on stderr, `<prog>: error: <error>`.

To keep the suite fast, the cases of a run are compiled into one module
(each case's values and names prefixed by the case's number; one module for
each set of dlcc options the cases ask for) and run once;
when that module does not compile or the program fails, each case is
compiled and run alone so that the report names the case at fault. Every
file stays in the work directory for inspection.

A script of cases ends with `opcheck.main(CASES)`:

    python3 cases.py --dlcc PATH [--case NAME]... WORKDIR
"""

import argparse
import os
import re
import subprocess
import sys

import numpy as np
import torch

from cases import select_cases, tensor_type
from safetensors_io import read_safetensors, write_safetensors

TOLERANCE = 1e-5

ELEMENT_TYPES = {np.dtype(np.float32): "f32", np.dtype(np.float64): "f64",
                 np.dtype(np.float16): "f16", np.dtype(np.int32): "i32",
                 np.dtype(np.int64): "i64"}


class Case:
    """One forward to compile, run and compare.

    name: unique among the cases of a script (letters, digits, '_', '-').
    inputs: dict of input name -> numpy array (f32, f64, f16, i32 or i64).
    body: MLIR ops of the forward; inputs are `%name`.
    outputs: dict of output name -> its type, or a list of names: each type
      is then the shape of the reference's value with f32 elements. The
      output is the value `%name`.
    reference: function of the inputs, then the params and buffers (in their
      order, as torch tensors in float64 or int64) returning one tensor or
      number (one output) or a dict or tuple of them in the order of
      `outputs`.
    error: the message the program must stop with, instead of a reference.
    tol, why: a looser tolerance and the reason for it.
    flags: extra dlcc options, such as --forward-mode=train.
    params, buffers: dicts of name -> float array, declared as `dl.parameter`
      (buffers with `buffer`), read into `%name` with `dl.param` before the
      body, and loaded with --init; the body names them `@"name"` (in
      `dl.assign`).
    """

    def __init__(self, name, inputs, body, outputs, reference=None, error=None,
                 tol=TOLERANCE, why=None, flags=(), params=None, buffers=None):
        if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
            raise ValueError(f"case name {name!r}")
        if (reference is None) == (error is None):
            raise ValueError(f"{name}: give a reference or an error")
        if tol != TOLERANCE and not why:
            raise ValueError(f"{name}: a looser tolerance needs a reason")
        self.name, self.inputs, self.body = name, inputs, body
        self.outputs, self.reference, self.error = outputs, reference, error
        self.tol, self.flags = tol, tuple(flags)
        self.params, self.buffers = params or {}, buffers or {}
        if not isinstance(outputs, dict):
            self.outputs = dict.fromkeys(outputs)
            self.outputs = {name: tensor_type(value.shape, "f32")
                            for name, value in self.expected().items()}

    def function(self, prefix=""):
        """The case as `@forward`, or as a part of it when `prefix` is set:
        (parameter declarations, arguments, body lines, returned values,
        result types, output names)."""
        def rename(text):
            if not prefix:
                return text
            text = re.sub(r"%([A-Za-z_][\w$.-]*)", rf"%{prefix}\1", text)
            return re.sub(r'@"([^"]+)"', rf'@"{prefix}\1"', text)
        def type_of(array):
            return tensor_type(array.shape, ELEMENT_TYPES[array.dtype])
        args = [f"%{prefix}{name}: {type_of(a)} "
                f"{{dl.input = \"{prefix}{name}\"}}"
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
        values = [f"%{prefix}{name}" for name in self.outputs]
        names = [f"{prefix}{name}" for name in self.outputs]
        return decls, args, lines, values, list(self.outputs.values()), names

    def expected(self, dtype=torch.float64):
        """The reference outputs as float64 (or int64) numpy arrays, computed
        from inputs in `dtype`."""
        with torch.no_grad():
            args = {}
            for name, a in {**self.inputs, **self.params,
                            **self.buffers}.items():
                t = torch.from_numpy(np.array(a))
                args[name] = t.long() if a.dtype.kind == "i" else t.to(dtype)
            result = self.reference(*args.values())
        if isinstance(result, dict):
            values = [result[name] for name in self.outputs]
        elif isinstance(result, (tuple, list)):
            values = list(result)
        else:
            values = [result]
        if len(values) != len(self.outputs):
            raise ValueError(f"{self.name}: the reference gives {len(values)} "
                             f"values for {len(self.outputs)} outputs")
        out = []
        for v in values:
            v = torch.as_tensor(v)
            out.append(v.long().numpy() if not v.is_floating_point()
                       and v.dtype != torch.bool else v.double().numpy())
        return dict(zip(self.outputs, out))


def module_text(cases, prefixed):
    decls, args, lines, values, types, names = [], [], [], [], [], []
    for index, case in enumerate(cases):
        part = case.function(f"k{index}_" if prefixed else "")
        if prefixed:
            lines.append(f"// case {case.name}")
        for collected, new in zip((decls, args, lines, values, types, names),
                                  part):
            collected.extend(new)
    quoted = ", ".join(f'"{n}"' for n in names)
    body = "\n".join(f"    {line}" for line in lines)
    return (f'module attributes {{dl.model = "opcheck", dl.batch = 1 : i64}} {{\n'
            + "".join(f"  {decl}\n" for decl in decls) +
            f"  func.func @forward({', '.join(args)})\n"
            f"      -> ({', '.join(types)}) attributes {{dl.outputs = [{quoted}]}} {{\n"
            f"{body}\n"
            f"    return {', '.join(values)} : {', '.join(types)}\n"
            f"  }}\n}}\n")


def compare(got, want, tol):
    """None if `got` matches `want`, else a description of the worst element."""
    if got.shape != want.shape:
        return f"shape {list(got.shape)}, PyTorch's {list(want.shape)}"
    if want.dtype.kind == "i":
        if got.dtype.kind != "i":
            return f"dtype {got.dtype}, PyTorch gives integers"
        bad = np.argwhere(got != want)
        if len(bad):
            at = tuple(bad[0])
            return (f"{len(bad)} elements differ, first at {list(at)}: "
                    f"got {got[at]}, PyTorch {want[at]}")
        return None
    if got.size == 0:
        return None
    g, w = got.astype(np.float64).reshape(-1), want.reshape(-1)
    with np.errstate(invalid="ignore"):
        err = np.abs(g - w) / np.maximum(np.abs(w), 1.0)
    # NaN must meet NaN, an infinity the same infinity, a number a number.
    special = ~np.isfinite(w)
    wrong = np.where(np.isnan(w[special]), ~np.isnan(g[special]),
                     g[special] != w[special])
    err[special] = np.where(wrong, np.inf, 0.0)
    err[np.isfinite(w) & ~np.isfinite(g)] = np.inf
    worst = int(err.argmax())
    if err[worst] <= tol:
        return None
    at = np.unravel_index(worst, want.shape)
    where = f" at {[int(i) for i in at]}" if got.ndim else ""
    return (f"max error {err[worst]:.3g}{where}: got {g[worst]!r}, "
            f"PyTorch {w[worst]!r}")


def pytorch_f32_error(case):
    """For scale: how far PyTorch itself lands when it computes in f32."""
    try:
        errors = []
        in_f32 = case.expected(torch.float32)
        for name, want in case.expected().items():
            f32 = in_f32[name]
            if want.dtype.kind == "f" and f32.shape == want.shape and f32.size:
                with np.errstate(invalid="ignore"):
                    err = np.abs(f32 - want) / np.maximum(np.abs(want), 1.0)
                errors.append(f"{name} {np.nanmax(err):.3g}")
        return "(PyTorch in f32 errs by: " + ", ".join(errors) + ")"
    except Exception as e:  # a reference that only works in float64
        return f"(PyTorch in f32: {type(e).__name__})"


class Runner:
    def __init__(self, dlcc, work):
        self.dlcc, self.work = dlcc, work

    def build(self, stem, cases, prefixed):
        """Writes and compiles a module; returns the program or an error."""
        source = os.path.join(self.work, stem + ".mlir")
        program = os.path.join(self.work, stem)
        with open(source, "w") as f:
            f.write(module_text(cases, prefixed))
        run = subprocess.run([self.dlcc, source, "-o", program,
                              *cases[0].flags], capture_output=True, text=True)
        if run.returncode != 0:
            return None, f"dlcc failed on {source}:\n{run.stderr.strip()}"
        return program, None

    def run(self, stem, cases, prefixed, program):
        """Runs the program on the cases' inputs and params; returns
        (outputs, run)."""
        batch = os.path.join(self.work, stem + ".batch.safetensors")
        weights = os.path.join(self.work, stem + ".weights.safetensors")
        out = os.path.join(self.work, stem + ".out.safetensors")
        tensors, params = {}, {}
        for index, case in enumerate(cases):
            prefix = f"k{index}_" if prefixed else ""
            for name, array in case.inputs.items():
                tensors[prefix + name] = array
            for name, array in {**case.params, **case.buffers}.items():
                params[prefix + name] = array
        write_safetensors(batch, tensors)
        command = [program, "--eval", "--data", batch, "--outputs", out]
        if params:
            write_safetensors(weights, params)
            command += ["--init", weights]
        if os.path.exists(out):
            os.remove(out)
        run = subprocess.run(command, capture_output=True, text=True)
        outputs = read_safetensors(out)[0] if run.returncode == 0 else None
        return outputs, run

    def check_outputs(self, case, outputs, prefix):
        """The failures of one case, as lines."""
        failures = []
        for name, want in case.expected().items():
            got = outputs.get(prefix + name)
            if got is None:
                failures.append(f"{name}: missing from the outputs")
                continue
            problem = compare(got, want, case.tol)
            if problem:
                failures.append(f"{name}: {problem}")
        if failures:
            failures.append(pytorch_f32_error(case))
        return failures


    def check_error(self, case):
        program, problem = self.build(case.name, [case], prefixed=False)
        if problem:
            return [problem]
        _, run = self.run(case.name, [case], False, program)
        lines = run.stderr.splitlines()
        want = f"{os.path.basename(program)}: error: {case.error}"
        if run.returncode != 1 or lines != [want]:
            return [f"expected exit status 1 and the one line {want!r}; got "
                    f"status {run.returncode} and stderr {lines!r}"]
        return []

    def check_alone(self, case):
        program, problem = self.build(case.name, [case], prefixed=False)
        if problem:
            return [problem]
        outputs, run = self.run(case.name, [case], False, program)
        if outputs is None:
            return [f"{program} exited with status {run.returncode}: "
                    f"{run.stderr.strip()}"]
        return self.check_outputs(case, outputs, "")

    def check_together(self, cases, stem):
        """{case name: failures}; falls back to one program per case."""
        program, problem = self.build(stem, cases, prefixed=True)
        outputs = None
        if program:
            outputs, run = self.run(stem, cases, True, program)
            problem = None if outputs is not None else (
                f"{program} exited with status {run.returncode}: "
                f"{run.stderr.strip()}")
        if problem:
            print("note: the combined module failed, checking each case "
                  "alone:\n  " + "\n  ".join(problem.splitlines()[:4]))
            return {case.name: self.check_alone(case) for case in cases}
        return {case.name: self.check_outputs(case, outputs, f"k{i}_")
                for i, case in enumerate(cases)}


def main(cases):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dlcc", required=True, help="the dlcc driver")
    parser.add_argument("--case", action="append", default=[],
                        help="check only this case (repeatable)")
    parser.add_argument("work", help="a directory for the files of the check")
    args = parser.parse_args()

    cases = select_cases(cases, args.case)
    os.makedirs(args.work, exist_ok=True)
    runner = Runner(args.dlcc, args.work)

    stem = os.path.splitext(os.path.basename(sys.argv[0]))[0]
    results = {}
    # One program for the cases that compile with the same options.
    groups = {}
    for case in cases:
        if case.error is None:
            groups.setdefault(case.flags, []).append(case)
    for index, (flags, group) in enumerate(groups.items()):
        results.update(runner.check_together(
            group, stem if index == 0 else f"{stem}-{index}"))
    for case in cases:
        if case.error is not None:
            results[case.name] = runner.check_error(case)

    failed = [case.name for case in cases if results[case.name]]
    for name in failed:
        print(f"FAIL {name}")
        for failure in results[name]:
            for line in failure.splitlines():
                print(f"  {line}")
    print(f"{stem}: {len(cases) - len(failed)} of {len(cases)} cases pass")
    sys.exit(1 if failed else 0)
