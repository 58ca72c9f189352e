"""checkpoint = auto(budget) over a sweep of budgets.

Compiles a small gpt with `dlcc --checkpoint=auto --checkpoint-budget=B
--memory-report` for budgets from below the smallest feasible arena (every
block call checkpointed) to above the largest (none), and checks that each
feasible budget gives a planned arena within it, that more budget never
recomputes more, and that an infeasible one is an error naming the
smallest feasible budget.

Usage: checkpoint_budget.py --dlcc DLCC --gpt examples/gpt.dl
"""

import argparse
import re
import subprocess
import sys

SMALL = ["--set=width=32", "--set=layers=4", "--set=context=16", "--batch=4"]


def compile_with(dlcc, gpt, budget):
    result = subprocess.run(
        [dlcc, gpt, *SMALL, "--checkpoint=auto", f"--checkpoint-budget={budget}",
         "--memory-report", "--emit=llvm-dialect", "-o", "/dev/null"],
        capture_output=True, text=True)
    return result.returncode, result.stdout, result.stderr


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dlcc", required=True)
    parser.add_argument("--gpt", required=True)
    args = parser.parse_args()

    # A generous budget: no recomputation; the note gives both extremes.
    status, out, err = compile_with(args.dlcc, args.gpt, "1 GiB")
    if status != 0:
        sys.exit(err)
    note = re.search(r"planned arena (\d+) bytes \(every call (\d+), none (\d+)\)", out)
    smallest, largest = int(note.group(2)), int(note.group(3))
    print(f"arena with every block call checkpointed: {smallest}, with none: {largest}")

    failures = 0
    previous = None
    steps = 8
    for i in range(steps + 1):
        budget = smallest + (largest - smallest) * i // steps
        status, out, err = compile_with(args.dlcc, args.gpt, str(budget))
        if status != 0:
            print(f"budget {budget}: dlcc failed: {err.strip()}")
            failures += 1
            continue
        chosen = re.search(r"(\d+) of (\d+) block calls recomputed", out)
        arena = int(re.search(r"arena \(allocated once\) +([0-9,]+) bytes",
                              out).group(1).replace(",", ""))
        recomputed = int(chosen.group(1))
        ok = arena <= budget and (previous is None or recomputed <= previous)
        failures += not ok
        previous = recomputed
        print(f"budget {budget}: {recomputed} recomputed, arena {arena}: "
              f"{'within' if ok else 'OVER BUDGET OR MORE RECOMPUTATION'}")

    status, out, err = compile_with(args.dlcc, args.gpt, str(smallest - 1))
    print(f"budget {smallest - 1}: exit {status}: {err.strip()}")
    failures += status == 0
    print(f"{failures} failures")


if __name__ == "__main__":
    main()
