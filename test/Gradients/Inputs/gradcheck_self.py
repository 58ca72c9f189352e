"""Cases that must fail, to show that gradcheck reports a gradient that
differs from the finite differences: relu at its kink (PyTorch's gradient 0
against the central difference 1/2), max pooling ties without their routing
and maximum ties with a routing they do not have, and a module that does not
compile; one good case passes although the combined module does not
compile."""

import numpy as np

from gradcheck import Case, main

X = np.array([[1.0, 0.0, -2.0], [-3.0, 0.5, 0.25]])
TIES = np.array([[[[0.5, 0.5], [-1.0, 0.25]]]])

CASES = [
    Case("good", params={"x": X}, body="%y = dl.tanh %x : tensor<2x3xf64>",
         values={"y": (2, 3)}),
    Case("relu_at_kink", params={"x": X},
         body="%y = dl.relu %x : tensor<2x3xf64>", values={"y": (2, 3)}),
    Case("maxpool_ties_unrouted", params={"x": TIES},
         body="%y = dl.maxpool2d %x {kernel = array<i64: 2, 2>, stride = "
              "array<i64: 2, 2>} : tensor<1x1x2x2xf64>",
         values={"y": (1, 1, 1, 1)}),
    Case("maximum_ties_routed", params={"a": np.array([0.5, 1.0]),
                                        "b": np.array([0.5, -1.0])},
         body="%y = dl.maximum %a, %b : tensor<2xf64>, tensor<2xf64>",
         values={"y": (2,)}, routed_ties=[("a", 0, 1)]),
    Case("does_not_compile", params={"x": X},
         body="%y = dl.relu %x : tensor<3x2xf64>", values={"y": (2, 3)}),
]

if __name__ == "__main__":
    main(CASES)
