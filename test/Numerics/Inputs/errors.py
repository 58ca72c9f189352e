"""Indices out of range stop the program: exit status 1 and one line on
stderr naming the op and the value (dlrt_fail), not a crash or a silent
read outside the table."""

import numpy as np

from opcheck import Case, main

CASES = []


def error_case(name, body, inputs, outputs, error):
    CASES.append(Case(name, inputs, body, outputs, error=error))


TABLE = np.zeros((10, 4), np.float32)
error_case("embedding-index-too-large",
           "%y = dl.embedding %i, %t : tensor<3xi32>, tensor<10x4xf32>",
           {"i": np.array([1, 10, 2], np.int32), "t": TABLE},
           {"y": "tensor<3x4xf32>"}, "embedding: index out of range (got 10)")
error_case("embedding-index-negative",
           "%y = dl.embedding %i, %t : tensor<2x2xi64>, tensor<10x4xf32>",
           {"i": np.array([[1, 2], [-3, 9]], np.int64), "t": TABLE},
           {"y": "tensor<2x2x4xf32>"}, "embedding: index out of range (got -3)")
error_case("cross-entropy-label-too-large",
           "%l = dl.cross_entropy %x, %y : tensor<3x5xf32>, tensor<3xi32>",
           {"x": np.zeros((3, 5), np.float32),
            "y": np.array([0, 5, 1], np.int32)},
           {"l": "tensor<f32>"}, "cross_entropy: label out of range (got 5)")
# -100, the default ignore_index, is allowed; another negative label is not.
error_case("cross-entropy-label-negative",
           "%l = dl.cross_entropy %x, %y : tensor<3x5xf32>, tensor<3xi64>",
           {"x": np.zeros((3, 5), np.float32),
            "y": np.array([-100, -2, 1], np.int64)},
           {"l": "tensor<f32>"}, "cross_entropy: label out of range (got -2)")
error_case("cross-entropy-3d-label",
           "%l = dl.cross_entropy %x, %y {ignore_index = 0 : i64} : "
           "tensor<2x2x3xf32>, tensor<2x2xi32>",
           {"x": np.zeros((2, 2, 3), np.float32),
            "y": np.array([[0, 1], [7, 2]], np.int32)},
           {"l": "tensor<f32>"}, "cross_entropy: label out of range (got 7)")
error_case("one-hot-index-too-large",
           "%y = dl.one_hot %i : tensor<2xi32> -> tensor<2x3xf32>",
           {"i": np.array([2, 3], np.int32)}, {"y": "tensor<2x3xf32>"},
           "one_hot: class index out of range (got 3)")

if __name__ == "__main__":
    main(CASES)
