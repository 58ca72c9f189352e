# -*- Python -*-
# lit configuration for the dlcc test suites.

import os
import shutil

import lit.formats
from lit.llvm import llvm_config

config.name = "DLCC"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".dl", ".test"]
config.excludes = ["CMakeLists.txt", "README.md", "Inputs", "Unit", "lib",
                   "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
# A test that hangs (a crash whose handler deadlocks, a run that never
# ends) fails after 15 minutes instead of stalling the suite (needs
# python3-psutil).
lit_config.maxIndividualTestTime = 900
config.test_exec_root = os.path.join(config.dlcc_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%dlcc_src_root", config.dlcc_src_root))
# Debian's PyTorch and NumPy live under the system interpreter; the modules
# the test scripts share (test/lib) are on its path.
config.substitutions.append(("%python_ref", "/usr/bin/python3"))
config.environment["PYTHONPATH"] = os.path.join(config.test_source_root, "lib")
# Python writes no bytecode into the source tree.
config.environment["PYTHONDONTWRITEBYTECODE"] = "1"

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP",
                                     "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"])
llvm_config.use_default_substitutions()

if config.have_cuda:
    config.available_features.add("cuda")
    config.substitutions.append(
        ("%ptxas", os.path.join(config.cuda_bin_dir, "ptxas")))
# A machine with an NVIDIA GPU and its driver: CUDA programs run there.
if os.path.exists("/dev/nvidiactl"):
    config.available_features.add("gpu")
# libxml2's xmllint checks that the SVG pictures dlcc writes are valid XML.
if shutil.which("xmllint"):
    config.available_features.add("xmllint")
config.substitutions.append(
    ("%kernels_dir", os.path.join(config.dlcc_obj_root, "kernels")))

# A model written by hand and linked with the runtime's main(), for the
# runtime's end-to-end tests (test/Unit/FakeModel.cpp).
config.substitutions.append(
    ("%fake_model", os.path.join(config.dlcc_obj_root, "test", "Unit",
                                 "fake-model")))

tool_dirs = [config.dlcc_tools_dir, config.llvm_tools_dir]
llvm_config.add_tool_substitutions(["dlcc", "dlcc-opt", "dlcc-parse"], tool_dirs)
# The tests verify the IR after every pass (dlcc verifies it once, at the
# end, unless asked), the scripts' dlcc calls too.
config.environment["DLCC_OPTIONS"] = "--verify-each"
llvm_config.with_environment("PATH", config.dlcc_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
