"""What the compile-and-compare checkers (opcheck.py, gradcheck.py) share."""

import sys


def tensor_type(shape, element="f64"):
    """'tensor<2x3xf32>' for shape (2, 3) and element 'f32' (the gradient
    checks work in f64, the default)."""
    return "tensor<" + "".join(f"{d}x" for d in shape) + element + ">"


def select_cases(cases, wanted):
    """The cases named in `wanted` (all when empty); exits on duplicate or
    unknown names and when nothing is left."""
    names = [case.name for case in cases]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        sys.exit(f"duplicate case names: {sorted(duplicates)}")
    if wanted:
        unknown = set(wanted) - set(names)
        if unknown:
            sys.exit(f"no such case: {sorted(unknown)}")
        cases = [case for case in cases if case.name in wanted]
    if not cases:
        sys.exit("no cases")
    return cases
