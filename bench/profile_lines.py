#!/usr/bin/python3
"""Where a compiled step spends its time, by .dl source location.

    bench/profile_lines.py PROGRAM [ARGS...]

PROGRAM must have been built with `dlcc -g`. Runs it under `perf record`,
then attributes each sample to the .dl line:col of the op whose code it hit
(through the line tables `-g` writes) or, outside the generated step, to the
function (OpenBLAS, the kernels, the kernel's scheduler). Prints a table:
share of all samples, of the samples in the generated step, location.
"""
import collections
import os
import subprocess
import sys
import tempfile

SYMBOLIZER = "/usr/lib/llvm-22/bin/llvm-symbolizer"
STEPS = ("dl_train_step", "dl_eval_step", "dl_gradient_step")


def symbol_addresses(program):
    out = subprocess.run(["nm", program], capture_output=True, text=True,
                         check=True).stdout
    addresses = {}
    for line in out.splitlines():
        parts = line.split()
        # The step functions and the parallel loops OpenMP outlined from
        # them (dl_train_step..omp_par.3).
        if len(parts) == 3 and parts[2].startswith(STEPS):
            addresses[parts[2]] = int(parts[0], 16)
    return addresses


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    program = sys.argv[1]
    addresses = symbol_addresses(program)
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "perf.data")
        subprocess.run(["perf", "record", "-q", "-o", data] + sys.argv[1:],
                       check=True, stdout=subprocess.DEVNULL)
        script = subprocess.run(
            ["perf", "script", "-i", data, "-F", "ip,sym,symoff"],
            capture_output=True, text=True).stdout
    others = collections.Counter()
    step_addresses = []
    for line in script.splitlines():
        fields = line.split(maxsplit=1)
        name, _, offset = (fields[1] if len(fields) > 1 else "").rpartition("+")
        if name in addresses and offset:
            step_addresses.append(hex(addresses[name] + int(offset, 16)))
        else:
            others[name or "[unknown]"] += 1
    symbolized = subprocess.run(
        [SYMBOLIZER, "--obj=" + program, "--no-inlines",
         "--relative-address"],
        input="\n".join(step_addresses), capture_output=True,
        text=True).stdout
    lines = collections.Counter()
    for line in symbolized.splitlines():
        if ":" in line and not line.startswith("dl_"):
            lines[os.path.basename(line)] += 1
    total = sum(others.values()) + len(step_addresses)
    in_step = max(len(step_addresses), 1)
    print(f"{total} samples, {len(step_addresses)} in the generated step")
    print(f"{'all':>6} {'step':>6}  where")
    for where, count in lines.most_common(25):
        print(f"{100 * count / total:5.1f}% {100 * count / in_step:5.1f}%  {where}")
    for where, count in others.most_common(12):
        print(f"{100 * count / total:5.1f}%         {where}")


if __name__ == "__main__":
    main()
