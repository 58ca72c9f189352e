//===- ArenaLayout.h - Where each model tensor lives in the arena -*- C++
//-*-===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_TRANSFORMS_ARENALAYOUT_H
#define DLCC_TRANSFORMS_ARENALAYOUT_H

#include "DL/IR/DLOps.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringMap.h"

#include <string>
#include <vector>

namespace dlcc {

/// What a tensor of the arena is to the runtime (see ModelABI.h).
enum class TensorRole {
  Param,
  Buffer,
  Input,
  Output,
  Grad,
  State,
  Hyper,
  Stat
};

struct ArenaTensor {
  std::string name;
  TensorRole role;
  mlir::RankedTensorType type;
  int64_t offset = 0;
  int64_t bytes = 0;
  mlir::dl::InitAttr init; ///< Params and buffers only (state starts at 0).
  bool frozen = false;
};

/// The placement of every model tensor in the arena.
struct ArenaLayout {
  std::vector<ArenaTensor> tensors;
  llvm::StringMap<size_t> paramIndex; ///< Param/buffer/state name -> index.
  int64_t arenaBytes = 0;

  /// Appends a tensor at the next 64-byte aligned offset.
  ArenaTensor &add(std::string name, TensorRole role,
                   mlir::RankedTensorType type);
};

/// Every offset in the arena is a multiple of this (dlrt::kArenaAlignment).
constexpr int64_t kArenaAlignment = 64;

/// `bytes` rounded up to a multiple of kArenaAlignment.
inline int64_t alignToArena(int64_t bytes) {
  return (bytes + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment;
}

/// Bytes of one element of a tensor in the arena.
int64_t elementBytes(mlir::Type elementType);

/// Whether `a` and `b` are the same memory: one value, or views of one
/// arena at one constant offset with one type (dl-lower-to-arena makes a
/// view for each read and each write of a model tensor).
bool sameArenaBuffer(mlir::Value a, mlir::Value b);

/// The model descriptor (the JSON document of ModelABI.h) for `layout`.
std::string buildModelDescriptor(mlir::ModuleOp module,
                                 const ArenaLayout &layout,
                                 llvm::ArrayRef<std::string> outputNames);

} // namespace dlcc

#endif // DLCC_TRANSFORMS_ARENALAYOUT_H
