"""Counts the temporaries of one size in the memory plan of a step.

Reads the `dl.memory_plan` module attribute that dl-plan-memory writes (in
dlcc --emit=llvm-dialect output) and prints, for the step named, how many
of its planned temporaries have exactly the given number of bytes.

Usage: planned_buffers.py MODULE.mlir STEP BYTES
"""

import re
import sys


def main():
    path, step, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
    text = open(path).read()
    match = re.search(step + r" = \{bytes = array<i64: ([0-9, ]+)>", text)
    if not match:
        sys.exit(f"no memory plan of {step} in {path}")
    sizes = [int(b) for b in match.group(1).split(",")]
    count = sum(1 for b in sizes if b == size)
    print(f"{step}: {count} of {len(sizes)} temporaries have {size} bytes")


if __name__ == "__main__":
    main()
