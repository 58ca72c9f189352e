//===- CheckpointSearch.h - What to recompute under a budget --*- C++ -*-===//
//
// Part of dlcc. `checkpoint = auto(budget = "...")`: which block calls to
// checkpoint so that the planned arena fits the budget with the least
// recomputation.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_PIPELINES_CHECKPOINTSEARCH_H
#define DLCC_PIPELINES_CHECKPOINTSEARCH_H

#include "compiler/Pipelines/CommonPipeline.h"

#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <vector>

namespace dlcc {

struct CheckpointChoice {
  /// The block calls to checkpoint (dl.block indices); empty: none.
  std::vector<int64_t> blocks;
  int64_t blockCount = 0;     ///< Block calls the model makes.
  uint64_t arenaBytes = 0;    ///< The planned arena with this choice.
  uint64_t smallestArena = 0; ///< With every block checkpointed.
  uint64_t largestArena = 0;  ///< With none.
};

/// Chooses the block calls to checkpoint so that the planned arena (the
/// model's tensors and the step temporaries: all the memory the program's
/// steps use) is at most `budget` bytes, recomputing as little as
/// possible. `step` and `cuda` give the pipeline the plans are made with.
/// Fails, with `error` saying the smallest feasible budget, when even
/// checkpointing every block does not fit.
mlir::FailureOr<CheckpointChoice>
chooseCheckpoints(mlir::ModuleOp module, const StepOptions &step, bool cuda,
                  uint64_t budget, std::string &error);

} // namespace dlcc

#endif // DLCC_PIPELINES_CHECKPOINTSEARCH_H
