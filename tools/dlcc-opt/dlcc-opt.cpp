//===- dlcc-opt.cpp - mlir-opt with every dialect and pass of dlcc --------===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#include "compiler/InitDLCC.h"

#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  dlcc::registerAllDialects(registry);
  dlcc::registerAllPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "dlcc optimizer driver\n", registry));
}
