//===- CheckpointSearch.cpp - Choosing what to recompute under a budget ---===//
//
// Part of dlcc.
//
// The search. The exact peak of a choice is known only after the memory
// plan, which takes the whole front of the pipeline (seconds for gpt), so
// a model of it chooses and the plan verifies:
//
//  1. Plan with every block call checkpointed (the smallest arena; above
//     the budget, the budget is infeasible) and with none (within the
//     budget, nothing needs recomputing).
//  2. For each block call k, from the training step after autodiff: A_k,
//     the bytes of its values the backward pass reads (what checkpointing
//     it stops keeping), and c_k, the bytes all its ops produce (the work
//     recomputing it repeats).
//  3. Model: arena(S) = arena(all) + sum of A_k over the calls k not in S.
//     Choose S with arena(S) <= target and the least sum of c_k over S:
//     every subset when there are at most 16 calls (a 0/1 knapsack small
//     enough to enumerate), else greedily by A_k / c_k.
//  4. Plan S. Over the budget (the model ignores how the plan packs),
//     lower the target by the excess and go back to 3, at most four times;
//     then checkpoint every call, which fits (step 1).
//  5. Within the budget, the model may have asked for more than needed (it
//     counts every kept value as live at once): give calls back, the most
//     expensive to recompute first, while the plan still fits (at most 8
//     more plans).
//
// So the chosen arena never exceeds the budget.
//
//===----------------------------------------------------------------------===//

#include "compiler/Pipelines/CheckpointSearch.h"
#include "compiler/Pipelines/MemoryReport.h"

#include "DL/IR/DLOps.h"
#include "DL/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassManager.h"

#include <map>

using namespace mlir;

namespace dlcc {

namespace {

/// The planned arena of `module` after the front of the pipeline, with the
/// block calls `blocks` checkpointed.
FailureOr<uint64_t> plannedArena(ModuleOp module, StepOptions step, bool cuda,
                                 ArrayRef<int64_t> blocks) {
  step.checkpoint = blocks.empty() ? "none" : "blocks";
  step.checkpointBlocks.assign(blocks.begin(), blocks.end());
  std::optional<llvm::json::Object> root = planClone(module, step, cuda);
  std::optional<int64_t> bytes =
      root ? root->getInteger("arena_bytes") : std::nullopt;
  if (!bytes)
    return failure();
  return uint64_t(*bytes);
}

uint64_t tensorBytes(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor || !tensor.hasStaticShape())
    return 0;
  return uint64_t(tensor.getNumElements()) *
         ((tensor.getElementTypeBitWidth() + 7) / 8);
}

struct BlockCosts {
  uint64_t kept = 0;       ///< A_k: bytes the backward reads.
  uint64_t recompute = 0;  ///< c_k: bytes its ops produce.
};

/// A_k and c_k of every block call, from the training step dl-autodiff
/// builds.
FailureOr<std::map<int64_t, BlockCosts>> blockCosts(ModuleOp module) {
  OwningOpRef<ModuleOp> copy = module.clone();
  PassManager pm(module.getContext());
  pm.addPass(dl::createDLAutodiff());
  if (failed(pm.run(*copy)))
    return failure();
  auto step = copy->lookupSymbol<func::FuncOp>("train_step");
  if (!step)
    return failure();
  std::map<int64_t, BlockCosts> costs;
  step.walk([&](Operation *op) {
    auto index = op->getAttrOfType<IntegerAttr>("dl.block");
    if (!index)
      return;
    BlockCosts &block = costs[index.getInt()];
    for (Value result : op->getResults()) {
      uint64_t bytes = tensorBytes(result.getType());
      block.recompute += bytes;
      if (llvm::any_of(result.getUsers(), [](Operation *user) {
            auto name = dyn_cast<NameLoc>(user->getLoc());
            return name && name.getName() == "backward";
          }))
        block.kept += bytes;
    }
  });
  return costs;
}

/// The cheapest set of calls whose modelled arena fits `target`.
std::vector<int64_t> cheapestFit(const std::map<int64_t, BlockCosts> &costs,
                                 uint64_t allArena, uint64_t target) {
  std::vector<int64_t> ids;
  std::vector<BlockCosts> blocks;
  for (const auto &[id, cost] : costs) {
    ids.push_back(id);
    blocks.push_back(cost);
  }
  size_t n = ids.size();
  auto modelled = [&](auto checkpointed) {
    uint64_t arena = allArena;
    for (size_t k = 0; k < n; ++k)
      if (!checkpointed(k))
        arena += blocks[k].kept;
    return arena;
  };
  std::vector<int64_t> chosen(ids);
  if (n <= 16) {
    uint64_t bestCost = UINT64_MAX;
    for (uint32_t mask = 0; mask < (1u << n); ++mask) {
      auto in = [&](size_t k) { return (mask >> k & 1) != 0; };
      if (modelled(in) > target)
        continue;
      uint64_t cost = 0;
      for (size_t k = 0; k < n; ++k)
        if (in(k))
          cost += blocks[k].recompute;
      if (cost < bestCost) {
        bestCost = cost;
        chosen.clear();
        for (size_t k = 0; k < n; ++k)
          if (in(k))
            chosen.push_back(ids[k]);
      }
    }
    return chosen;
  }
  // Greedily: the most memory saved per byte recomputed first.
  std::vector<size_t> order(n);
  for (size_t k = 0; k < n; ++k)
    order[k] = k;
  llvm::sort(order, [&](size_t a, size_t b) {
    return blocks[a].kept * std::max<uint64_t>(blocks[b].recompute, 1) >
           blocks[b].kept * std::max<uint64_t>(blocks[a].recompute, 1);
  });
  std::vector<bool> in(n, false);
  chosen.clear();
  for (size_t k : order) {
    if (modelled([&](size_t j) { return bool(in[j]); }) <= target)
      break;
    in[k] = true;
    chosen.push_back(ids[k]);
  }
  llvm::sort(chosen);
  return chosen;
}

/// The model overestimates (not every kept value is live at the peak), so
/// a fitting choice may recompute more than it needs: give calls back, the
/// most expensive to recompute first, while the plan still fits. At most
/// kMaxRefinements more plans.
constexpr int kMaxRefinements = 8;

FailureOr<CheckpointChoice>
refine(ModuleOp module, const StepOptions &step, bool cuda, uint64_t budget,
       const std::map<int64_t, BlockCosts> &costs, CheckpointChoice choice) {
  std::vector<int64_t> order = choice.blocks;
  llvm::sort(order, [&](int64_t a, int64_t b) {
    return costs.at(a).recompute > costs.at(b).recompute;
  });
  int tries = 0;
  for (int64_t block : order) {
    if (tries++ == kMaxRefinements)
      break;
    std::vector<int64_t> fewer;
    for (int64_t other : choice.blocks)
      if (other != block)
        fewer.push_back(other);
    FailureOr<uint64_t> arena = plannedArena(module, step, cuda, fewer);
    if (failed(arena))
      return failure();
    if (*arena <= budget) {
      choice.blocks = fewer;
      choice.arenaBytes = *arena;
    }
  }
  return choice;
}

} // namespace

FailureOr<CheckpointChoice> chooseCheckpoints(ModuleOp module,
                                              const StepOptions &step,
                                              bool cuda, uint64_t budget,
                                              std::string &error) {
  FailureOr<std::map<int64_t, BlockCosts>> costs = blockCosts(module);
  if (failed(costs))
    return failure();
  CheckpointChoice choice;
  choice.blockCount = int64_t(costs->size());
  std::vector<int64_t> all;
  for (const auto &entry : *costs)
    all.push_back(entry.first);

  FailureOr<uint64_t> smallest = plannedArena(module, step, cuda, all);
  FailureOr<uint64_t> largest = plannedArena(module, step, cuda, {});
  if (failed(smallest) || failed(largest))
    return failure();
  choice.smallestArena = *smallest;
  choice.largestArena = *largest;
  if (*smallest > budget) {
    error = "checkpoint = auto(budget = " + std::to_string(budget) +
            " bytes) cannot be met: the smallest planned arena, with every "
            "one of the " +
            std::to_string(all.size()) + " block calls checkpointed, is " +
            std::to_string(*smallest) + " bytes";
    return failure();
  }
  if (*largest <= budget) {
    choice.arenaBytes = *largest;
    return choice;
  }

  uint64_t target = budget;
  for (int attempt = 0; attempt < 4; ++attempt) {
    std::vector<int64_t> candidate = cheapestFit(*costs, *smallest, target);
    FailureOr<uint64_t> arena = plannedArena(module, step, cuda, candidate);
    if (failed(arena))
      return failure();
    if (*arena <= budget) {
      choice.blocks = candidate;
      choice.arenaBytes = *arena;
      return refine(module, step, cuda, budget, *costs, choice);
    }
    uint64_t excess = *arena - budget;
    if (excess >= target)
      break;
    target -= excess;
  }
  choice.blocks = all;
  choice.arenaBytes = *smallest;
  return choice;
}

} // namespace dlcc
