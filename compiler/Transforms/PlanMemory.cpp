//===- PlanMemory.cpp - Temporaries of each step at planned arena offsets -===//
//
// Part of dlcc. Implements `dl-plan-memory`; see Passes.td.
//
// Liveness: the ops of an entry point's body run in order, so each
// temporary (a `memref.alloc` of static shape in the body, not inside a
// loop or branch) lives from its allocation to the last op of the body
// that uses it or any buffer derived from it (a use nested in a loop
// counts as its enclosing op in the body).
//
// Placement: greedy by size (as TensorFlow Lite's arena planner): the
// temporaries, largest first (ties: earliest first), each go to the lowest
// 64-byte aligned offset at which they overlap no temporary placed before
// them whose lifetime intersects theirs. The scratch region starts after
// the model's tensors; every entry point plans from its start, as only one
// step runs at a time.
//
// The plan itself (each temporary's offset, bytes, live interval and class)
// goes into the module attribute `dl.memory_plan` for `dlcc --memory-plot`,
// not into the runtime's descriptor, which the program carries (gpt's
// training step has 371 temporaries; larger models, thousands).
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/ArenaLayout.h"
#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/Support/JSON.h"

#include <map>

namespace dlcc {
#define GEN_PASS_DEF_DLPLANMEMORY
#include "compiler/Transforms/Passes.h.inc"
} // namespace dlcc

using namespace mlir;
using namespace dlcc;

namespace {

/// Where in a training step an op belongs, from the name dl-autodiff and
/// dl-expand-optimizer give their ops' locations.
enum class Stage { Forward, Backward, Optimizer };

Stage stageOf(Location loc) {
  Stage stage = Stage::Forward;
  loc->walk([&](Location inner) {
    if (auto name = dyn_cast<NameLoc>(inner)) {
      if (name.getName() == "backward")
        stage = Stage::Backward;
      else if (name.getName() == "optimizer")
        stage = Stage::Optimizer;
    }
    return stage == Stage::Forward ? WalkResult::advance()
                                   : WalkResult::interrupt();
  });
  return stage;
}

/// One temporary of an entry point.
struct Temporary {
  memref::AllocOp alloc;
  int64_t bytes = 0;
  size_t first = 0, last = 0; ///< Positions of the body's ops.
  int64_t offset = -1;        ///< In the scratch region.
  Stage stage = Stage::Forward;
};

/// The report's classes of temporaries, in the order of the indices that
/// `dl.memory_plan` records.
constexpr const char *kClassNames[] = {"activations", "forward_scratch",
                                       "backward", "optimizer"};

/// The report's class of a temporary, as an index into kClassNames: what
/// the forward keeps for the backward pass (it outlives the forward), the
/// forward's own scratch, the backward's (gradients and their
/// intermediates), the update's.
int32_t classIndexOf(const Temporary &t, size_t firstBackward) {
  switch (t.stage) {
  case Stage::Forward:
    return t.last >= firstBackward ? 0 : 1;
  case Stage::Backward:
    return 2;
  case Stage::Optimizer:
    return 3;
  }
  return 1;
}

const char *classOf(const Temporary &t, size_t firstBackward) {
  return kClassNames[classIndexOf(t, firstBackward)];
}

/// The position in `body` of the op that `op` is or is nested in.
size_t positionIn(Block &body, Operation *op,
                  const DenseMap<Operation *, size_t> &positions) {
  Operation *top = body.findAncestorOpInBlock(*op);
  return positions.lookup(top);
}

/// The last position at which `value` or a buffer that may alias it is
/// used.
size_t lastUse(Block &body, Value value,
               const DenseMap<Operation *, size_t> &positions) {
  size_t last = 0;
  // Buffers, and addresses taken of them: an address (for a runtime call)
  // is a use wherever it goes, and CSE may hand one address to several
  // calls, so everything computed from it counts.
  SmallVector<std::pair<Value, bool>> worklist{{value, false}};
  DenseSet<Value> seen;
  while (!worklist.empty()) {
    auto [v, isAddress] = worklist.pop_back_val();
    if (!seen.insert(v).second)
      continue;
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      if (isa<memref::DeallocOp>(user))
        continue; // Freeing is not using; the plan drops deallocations.
      last = std::max(last, positionIn(body, user, positions));
      bool takesAddress =
          isAddress || isa<memref::ExtractAlignedPointerAsIndexOp>(user);
      // Any buffer a user returns may be this one or a view of it: views,
      // casts, and loops that carry the buffer (scf.for iter_args).
      for (Value result : user->getResults())
        if (takesAddress || isa<BaseMemRefType>(result.getType()))
          worklist.push_back({result, takesAddress});
    }
  }
  return last;
}

/// Places `temps` (greedy by size); returns the bytes of the region.
int64_t place(MutableArrayRef<Temporary> temps) {
  SmallVector<Temporary *> order;
  for (Temporary &t : temps)
    order.push_back(&t);
  llvm::stable_sort(order, [](const Temporary *a, const Temporary *b) {
    return a->bytes != b->bytes ? a->bytes > b->bytes : a->first < b->first;
  });
  SmallVector<Temporary *> placed;
  int64_t size = 0;
  for (Temporary *t : order) {
    // The placed temporaries alive with t, by offset.
    SmallVector<Temporary *> conflicts;
    for (Temporary *p : placed)
      if (p->first <= t->last && t->first <= p->last)
        conflicts.push_back(p);
    llvm::sort(conflicts, [](const Temporary *a, const Temporary *b) {
      return a->offset < b->offset;
    });
    int64_t offset = 0;
    for (Temporary *c : conflicts) {
      if (offset + t->bytes <= c->offset)
        break; // The gap before c fits.
      offset = std::max(offset, alignToArena(c->offset + c->bytes));
    }
    t->offset = offset;
    size = std::max(size, offset + t->bytes);
    placed.push_back(t);
  }
  return alignToArena(size);
}

/// The bytes in use at the fullest position, and that position.
std::pair<int64_t, size_t> peakOf(ArrayRef<Temporary> temps) {
  std::map<size_t, int64_t> change;
  for (const Temporary &t : temps) {
    change[t.first] += t.bytes;
    change[t.last + 1] -= t.bytes;
  }
  int64_t live = 0, peak = 0;
  size_t at = 0;
  for (auto [position, delta] : change) {
    live += delta;
    if (live > peak) {
      peak = live;
      at = position;
    }
  }
  return {peak, at};
}

struct DLPlanMemoryPass : dlcc::impl::DLPlanMemoryBase<DLPlanMemoryPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto descriptor = module.lookupSymbol<LLVM::GlobalOp>("dl_model_json");
    auto text = descriptor ? dyn_cast_or_null<StringAttr>(descriptor.getValueOrNull())
                           : StringAttr();
    if (!text) {
      module.emitError("dl-plan-memory needs the model descriptor "
                       "dl_model_json of dl-lower-to-arena");
      return signalPassFailure();
    }
    StringRef json = text.getValue();
    json.consume_back(StringRef("\0", 1));
    llvm::Expected<llvm::json::Value> parsed = llvm::json::parse(json);
    llvm::json::Object *root = parsed ? parsed->getAsObject() : nullptr;
    std::optional<int64_t> tensorBytes =
        root ? root->getInteger("arena_bytes") : std::nullopt;
    if (!tensorBytes) {
      if (!parsed)
        llvm::consumeError(parsed.takeError());
      module.emitError("the model descriptor has no arena_bytes");
      return signalPassFailure();
    }

    int64_t scratchBytes = 0;
    llvm::json::Object steps;
    SmallVector<NamedAttribute> plans;
    for (auto fn : module.getOps<func::FuncOp>()) {
      if (!fn.getSymName().starts_with("dl_") || fn.isExternal() ||
          fn.getNumArguments() != 1)
        continue;
      int64_t bytes = planFunction(fn, *tensorBytes, steps, plans);
      scratchBytes = std::max(scratchBytes, bytes);
    }

    // The plan for drawing; the LLVM translation ignores it (the dl dialect
    // has no translation interface), so it stays out of the program.
    Builder builder(&getContext());
    SmallVector<Attribute> classNames;
    for (const char *name : kClassNames)
      classNames.push_back(builder.getStringAttr(name));
    module->setAttr(
        "dl.memory_plan",
        builder.getDictionaryAttr(
            {builder.getNamedAttr("scratch_offset",
                                  builder.getI64IntegerAttr(*tensorBytes)),
             builder.getNamedAttr("class_names",
                                  builder.getArrayAttr(classNames)),
             builder.getNamedAttr("steps", builder.getDictionaryAttr(plans))}));

    // The arena grows by the scratch region; the descriptor says so.
    int64_t arenaBytes = *tensorBytes + scratchBytes;
    for (auto fn : module.getOps<func::FuncOp>()) {
      if (!fn.getSymName().starts_with("dl_") || fn.isExternal() ||
          fn.getNumArguments() != 1)
        continue;
      auto type = MemRefType::get({arenaBytes},
                                  IntegerType::get(&getContext(), 8));
      fn.getArgument(0).setType(type);
      fn.setType(FunctionType::get(&getContext(), {type}, {}));
    }
    (*root)["arena_bytes"] = arenaBytes;
    (*root)["scratch"] = llvm::json::Object{{"offset", *tensorBytes},
                                            {"bytes", scratchBytes},
                                            {"steps", std::move(steps)}};
    std::string out;
    llvm::raw_string_ostream os(out);
    os << llvm::json::Value(std::move(*root));
    out.push_back('\0');
    OpBuilder b(descriptor);
    descriptor.setGlobalType(LLVM::LLVMArrayType::get(b.getI8Type(), out.size()));
    descriptor.setValueAttr(b.getStringAttr(out));
  }

  /// Plans the temporaries of `fn` in the scratch region at `base`; returns
  /// the region's bytes, records the plan's figures in `steps` and the
  /// temporaries, as columns, in `plans`.
  int64_t planFunction(func::FuncOp fn, int64_t base, llvm::json::Object &steps,
                       SmallVectorImpl<NamedAttribute> &plans) {
    Block &body = fn.getBody().front();
    DenseMap<Operation *, size_t> positions;
    for (auto [i, op] : llvm::enumerate(body))
      positions[&op] = i;

    SmallVector<Temporary> temps;
    for (auto alloc : body.getOps<memref::AllocOp>()) {
      MemRefType type = alloc.getType();
      if (!type.hasStaticShape() || !type.getLayout().isIdentity() ||
          !type.getElementType().isIntOrFloat())
        continue;
      Temporary t;
      t.alloc = alloc;
      t.bytes = alignToArena(std::max<int64_t>(
          type.getNumElements() *
              llvm::divideCeil(type.getElementTypeBitWidth(), 8),
          1));
      t.first = positions.lookup(alloc);
      t.last = std::max(t.first, lastUse(body, alloc, positions));
      t.stage = stageOf(alloc.getLoc());
      temps.push_back(t);
    }
    int64_t bytes = place(temps);
    auto [peak, at] = peakOf(temps);
    llvm::json::Object figures{{"scratch_bytes", bytes},
                               {"peak_live_bytes", peak},
                               {"temporaries", int64_t(temps.size())}};

    // What the bytes live at the peak are, by class.
    size_t firstBackward = body.getOperations().size();
    for (auto [i, op] : llvm::enumerate(body))
      if (stageOf(op.getLoc()) != Stage::Forward) {
        firstBackward = i;
        break;
      }
    llvm::json::Object atPeak{{"activations", int64_t(0)},
                              {"forward_scratch", int64_t(0)},
                              {"backward", int64_t(0)},
                              {"optimizer", int64_t(0)}};
    for (const Temporary &t : temps)
      if (t.first <= at && at <= t.last) {
        llvm::json::Value &sum = atPeak[classOf(t, firstBackward)];
        sum = *sum.getAsInteger() + t.bytes;
      }
    figures["peak_by_class"] = std::move(atPeak);

    // Every temporary, a column per field (offsets in the scratch region,
    // live intervals in positions of the body's ops).
    SmallVector<int64_t> offsets, sizes, firsts, lasts;
    SmallVector<int32_t> classes;
    for (const Temporary &t : temps) {
      offsets.push_back(t.offset);
      sizes.push_back(t.bytes);
      firsts.push_back(int64_t(t.first));
      lasts.push_back(int64_t(t.last));
      classes.push_back(classIndexOf(t, firstBackward));
    }
    Builder builder(fn.getContext());
    SmallVector<NamedAttribute> plan{
        builder.getNamedAttr(
            "ops", builder.getI64IntegerAttr(body.getOperations().size())),
        builder.getNamedAttr("scratch_bytes", builder.getI64IntegerAttr(bytes)),
        builder.getNamedAttr("peak_live_bytes",
                             builder.getI64IntegerAttr(peak)),
        builder.getNamedAttr("peak_position",
                             builder.getI64IntegerAttr(int64_t(at))),
        builder.getNamedAttr("offset", builder.getDenseI64ArrayAttr(offsets)),
        builder.getNamedAttr("bytes", builder.getDenseI64ArrayAttr(sizes)),
        builder.getNamedAttr("first", builder.getDenseI64ArrayAttr(firsts)),
        builder.getNamedAttr("last", builder.getDenseI64ArrayAttr(lasts)),
        builder.getNamedAttr("class", builder.getDenseI32ArrayAttr(classes))};
    if (!temps.empty()) {
      // The op that computes into the temporary that makes the peak.
      Operation *peakOp = &*std::next(body.begin(), at);
      while (peakOp->getNextNode() &&
             isa<memref::AllocOp, arith::ConstantOp, ViewLikeOpInterface>(
                 peakOp))
        peakOp = peakOp->getNextNode();
      std::string where;
      llvm::raw_string_ostream os(where);
      if (auto at = peakOp->getLoc()->findInstanceOf<FileLineColLoc>())
        os << at.getFilename().getValue() << ":" << at.getLine() << ":"
           << at.getColumn();
      figures["peak_op"] = peakOp->getName().getStringRef().str();
      Stage stage = stageOf(peakOp->getLoc());
      figures["peak_stage"] = stage == Stage::Forward    ? "forward"
                              : stage == Stage::Backward ? "backward"
                                                         : "optimizer";
      figures["peak_loc"] = where;
      plan.push_back(builder.getNamedAttr(
          "peak_op", builder.getStringAttr(peakOp->getName().getStringRef())));
      plan.push_back(
          builder.getNamedAttr("peak_loc", builder.getStringAttr(where)));
    }
    steps[fn.getSymName()] = std::move(figures);
    plans.push_back(
        builder.getNamedAttr(fn.getSymName(), builder.getDictionaryAttr(plan)));

    Value arena = fn.getArgument(0);
    for (Temporary &t : temps) {
      // Each memref.dealloc the bufferization left goes with its alloc.
      for (Operation *user : llvm::make_early_inc_range(t.alloc->getUsers()))
        if (isa<memref::DeallocOp>(user))
          user->erase();
      OpBuilder b(t.alloc);
      Value offset =
          arith::ConstantIndexOp::create(b, t.alloc.getLoc(), base + t.offset);
      Value view = memref::ViewOp::create(b, t.alloc.getLoc(), t.alloc.getType(),
                                          arena, offset, ValueRange{});
      t.alloc.replaceAllUsesWith(view);
      t.alloc.erase();
    }
    return bytes;
  }
};

} // namespace
