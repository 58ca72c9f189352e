//===- ParameterTable.cpp - The parameters of a dl module as a table ------===//
//
// Part of dlcc, an ahead-of-time compiler for training deep networks.
//
//===----------------------------------------------------------------------===//
//
// `dlcc model.dl --emit=params`: one line per parameter and buffer, then the
// total, counted as PyTorch's `sum(p.numel() for p in model.parameters())`
// does (buffers are not parameters):
//
//   name          shape       dtype  init                       count
//   linear.weight [256, 784]  f32    uniform(-0.0357, 0.0357)  200,704
//   ...
//   total: 269,322 parameters
//
//===----------------------------------------------------------------------===//

#include "compiler/Frontend/MLIRGen.h"

#include "DL/IR/DLOps.h"

#include "llvm/Support/Format.h"

using namespace dlcc;

std::string dlcc::formatCount(int64_t N) {
  std::string Digits = std::to_string(N < 0 ? -N : N);
  std::string Out;
  for (size_t I = 0; I < Digits.size(); ++I) {
    if (I != 0 && (Digits.size() - I) % 3 == 0)
      Out += ',';
    Out += Digits[I];
  }
  return N < 0 ? "-" + Out : Out;
}

/// `uniform(-0.0357, 0.0357)`, `normal(0, 1)`, `constant(1)`.
static std::string formatInit(mlir::dl::InitAttr Init) {
  std::string S;
  llvm::raw_string_ostream OS(S);
  OS << mlir::dl::stringifyInitKind(Init.getKind()) << '('
     << llvm::format("%.6g", Init.first());
  if (Init.getKind() != mlir::dl::InitKind::constant)
    OS << ", " << llvm::format("%.6g", Init.second());
  OS << ')';
  return S;
}

void dlcc::printParameterTable(mlir::ModuleOp Module, llvm::raw_ostream &OS) {
  struct Row {
    std::string Cells[6];
  };
  std::vector<Row> Rows;
  Rows.push_back({{"name", "shape", "dtype", "init", "count", ""}});
  int64_t Trainable = 0, Frozen = 0, Buffers = 0;
  for (auto Param : Module.getOps<mlir::dl::ParameterOp>()) {
    mlir::RankedTensorType Type = Param.getTensorType();
    int64_t Count = Type.getNumElements();
    std::string DType;
    llvm::raw_string_ostream(DType) << Type.getElementType();
    const char *Kind = "";
    if (Param.getBuffer()) {
      Kind = "buffer";
      Buffers += Count;
    } else if (Param.getFrozen()) {
      Kind = "frozen";
      Frozen += Count;
    } else {
      Trainable += Count;
    }
    Rows.push_back(
        {{Param.getSymName().str(), mlir::dl::formatShape(Type.getShape()),
          DType, formatInit(Param.getInit()), formatCount(Count), Kind}});
  }

  size_t Widths[6] = {};
  for (const Row &R : Rows)
    for (unsigned I = 0; I != 6; ++I)
      Widths[I] = std::max(Widths[I], R.Cells[I].size());
  for (const Row &R : Rows) {
    std::string Line;
    for (unsigned I = 0; I != 6; ++I) {
      const std::string &Cell = R.Cells[I];
      if (I == 4) // Counts are right-aligned.
        Line += std::string(Widths[I] - Cell.size(), ' ') + Cell;
      else
        Line += Cell + std::string(Widths[I] - Cell.size(), ' ');
      if (I != 5)
        Line += "  ";
    }
    OS << llvm::StringRef(Line).rtrim() << '\n';
  }
  OS << "total: " << formatCount(Trainable + Frozen) << " parameters";
  if (Frozen)
    OS << " (" << formatCount(Trainable) << " trainable, "
       << formatCount(Frozen) << " frozen)";
  OS << '\n';
  if (Buffers)
    OS << "buffers: " << formatCount(Buffers) << " elements\n";
}
