//===- FusionReport.cpp - The loop nests elementwise fusion made ----------===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#include "compiler/Pipelines/FusionReport.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Path.h"

using namespace mlir;

namespace {

/// `file:line:col` of the first file location in `loc`, with "(backward)"
/// or "(optimizer)" when autodiff or the optimizer named it so.
std::string describe(Location loc) {
  std::string where, stage;
  loc->walk([&](Location inner) {
    if (auto file = dyn_cast<FileLineColLoc>(inner); file && where.empty())
      where = (llvm::sys::path::filename(file.getFilename().getValue()) + ":" +
               Twine(file.getLine()) + ":" + Twine(file.getColumn()))
                  .str();
    if (auto name = dyn_cast<NameLoc>(inner))
      if (name.getName() == "backward" || name.getName() == "optimizer")
        stage = name.getName().str();
    return WalkResult::advance();
  });
  if (where.empty())
    where = "?";
  return stage.empty() ? where : where + " (" + stage + ")";
}

std::string shapeOf(linalg::GenericOp op) {
  std::string text;
  llvm::raw_string_ostream os(text);
  Type type = op->getNumResults() ? op->getResult(0).getType()
                                  : op.getDpsInits()[0].getType();
  auto shaped = cast<ShapedType>(type);
  llvm::interleave(shaped.getShape(), os, "x");
  if (shaped.getRank() == 0)
    os << "scalar";
  return text;
}

} // namespace

/// The entry points: dl_eval_step, dl_train_step, dl_gradient_step.
static SmallVector<func::FuncOp> entryPoints(ModuleOp module) {
  SmallVector<func::FuncOp> entries;
  for (auto fn : module.getOps<func::FuncOp>())
    if (!fn.isExternal() && fn.getName().starts_with("dl_"))
      entries.push_back(fn);
  return entries;
}

std::map<std::string, size_t> dlcc::countLoopNests(ModuleOp module) {
  std::map<std::string, size_t> counts;
  for (func::FuncOp fn : entryPoints(module)) {
    size_t &count = counts[fn.getName().str()];
    fn.walk([&](linalg::LinalgOp) { ++count; });
  }
  return counts;
}

void dlcc::printFusionGroups(ModuleOp module,
                             const std::map<std::string, size_t> &before,
                             raw_ostream &os) {
  std::map<std::string, size_t> after = countLoopNests(module);
  for (func::FuncOp fn : entryPoints(module)) {
    std::string name = fn.getName().str();
    auto was = before.find(name);
    os << name << ": " << after[name] << " loop nests";
    if (was != before.end())
      os << " (" << was->second << " before fusion)";
    os << "\n";
    fn.walk([&](linalg::GenericOp generic) {
      // The source locations of the ops a loop nest computes: each model op
      // lowers to body ops at its own location (the optimizer's all at the
      // train section's, so a fused update shows as one).
      llvm::SetVector<Location> sources;
      generic.getRegion().walk([&](Operation *op) {
        if (!isa<linalg::YieldOp>(op))
          sources.insert(op->getLoc());
      });
      if (sources.size() < 2)
        return;
      os << "  " << shapeOf(generic) << ":";
      // Distinct places, in body order.
      llvm::StringSet<> seen;
      for (Location loc : sources) {
        std::string place = describe(loc);
        if (seen.insert(place).second)
          os << " " << place;
      }
      os << "\n";
    });
  }
}
