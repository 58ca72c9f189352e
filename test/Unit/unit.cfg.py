# -*- Python -*-
# The runtime's GoogleTest unit tests, one executable per *Test.

import os

import lit.formats

config.name = "DLCC-Unit"
config.suffixes = []
config.test_source_root = os.path.join(config.dlcc_obj_root, "test", "Unit")
config.test_exec_root = config.test_source_root
config.test_format = lit.formats.GoogleTest(".", "Test")
for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "HOME", "TMP"):
    if var in os.environ:
        config.environment[var] = os.environ[var]
