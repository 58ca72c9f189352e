"""Cases that must fail, to show that opcheck reports what is wrong: a wrong
reference, NaN against a number, a module that does not compile, a program
that stops with another message than expected; and one good case, which
passes although the combined module does not compile."""

import numpy as np
import torch

from opcheck import Case, main

X = np.array([[1.0, -1.0, 2.0], [-3.0, 0.5, 0.0]], np.float32)

CASES = [
    Case("good", {"x": X}, "%y = dl.relu %x : tensor<2x3xf32>", ["y"],
         torch.relu),
    Case("wrong-reference", {"x": X}, "%y = dl.relu %x : tensor<2x3xf32>",
         ["y"], lambda x: x),
    Case("nan-for-a-number", {"x": X}, "%y = dl.log %x : tensor<2x3xf32>",
         ["y"], lambda x: torch.log(x.abs())),
    Case("does-not-compile", {"x": X}, "%y = dl.relu %x : tensor<3x2xf32>",
         {"y": "tensor<2x3xf32>"}, torch.relu),
    Case("other-error", {"i": np.array([4], np.int32)},
         "%y = dl.one_hot %i : tensor<1xi32> -> tensor<1x3xf32>",
         {"y": "tensor<1x3xf32>"}, error="one_hot: index out of range (got 4)"),
]

if __name__ == "__main__":
    main(CASES)
