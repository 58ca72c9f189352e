//===- MergeLoopNests.cpp - One function for loop nests alike -------------===//
//
// Part of dlcc. Implements `dl-merge-loop-nests`; see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "compiler/Transforms/SinkDefinitions.h"

#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/MapVector.h"

namespace dlcc {
#define GEN_PASS_DEF_DLMERGELOOPNESTS
#include "compiler/Transforms/Passes.h.inc"
} // namespace dlcc

using namespace mlir;

namespace {

/// Bytes of a static memref of integers or floats; nullopt otherwise.
std::optional<int64_t> byteSize(MemRefType type) {
  if (!type.hasStaticShape() || !type.getElementType().isIntOrFloat())
    return std::nullopt;
  return type.getNumElements() *
         llvm::divideCeil(type.getElementTypeBitWidth(), 8);
}

/// Whether every use of `argument` is a view with a constant offset and no
/// dynamic sizes: the arena, as the outlined loop nests see it.
bool onlyViewedAtConstantOffsets(BlockArgument argument) {
  auto type = dyn_cast<MemRefType>(argument.getType());
  if (!type || !type.getElementType().isInteger(8) || argument.use_empty())
    return false;
  return llvm::all_of(argument.getUsers(), [&](Operation *user) {
    auto view = dyn_cast<memref::ViewOp>(user);
    return view && view.getSource() == argument && view.getSizes().empty() &&
           getConstantIntValue(view.getByteShift()) && byteSize(view.getType());
  });
}

/// A span of an arena that a loop nest reads or writes through views.
struct Slot {
  unsigned arena; // index of the arena argument
  int64_t offset;
  int64_t bytes;
};

/// Makes `function`'s arena arguments into one argument per distinct view
/// offset (a slot, `memref<bytes x i8>`, viewed at offset 0 inside), and
/// the one call of it pass those slots, viewed out of the arena at the old
/// offsets. A slot that overlaps no other is marked `llvm.noalias`, which
/// keeps what LLVM knew from the constant offsets: the buffers are
/// disjoint. Returns false, changing nothing, where the function's memrefs
/// are not all such arenas.
bool passSlots(func::FuncOp function, func::CallOp call) {
  Block &entry = function.getBody().front();
  SmallVector<unsigned> arenas;
  for (BlockArgument argument : entry.getArguments()) {
    if (onlyViewedAtConstantOffsets(argument))
      arenas.push_back(argument.getArgNumber());
    else if (isa<MemRefType>(argument.getType()))
      return false; // a buffer the slots' noalias would not know about
  }
  if (arenas.empty())
    return false;

  // Slots in the order the body first views them, so that functions alike
  // get their slots in the same order.
  llvm::MapVector<std::pair<unsigned, int64_t>, Slot> slots;
  SmallVector<std::pair<memref::ViewOp, unsigned>> views;
  function.walk([&](memref::ViewOp view) {
    auto argument = dyn_cast<BlockArgument>(view.getSource());
    if (!argument || argument.getOwner() != &entry ||
        !llvm::is_contained(arenas, argument.getArgNumber()))
      return;
    int64_t offset = *getConstantIntValue(view.getByteShift());
    auto key = std::make_pair(argument.getArgNumber(), offset);
    auto [it, inserted] =
        slots.insert({key, Slot{argument.getArgNumber(), offset, 0}});
    it->second.bytes = std::max(it->second.bytes, *byteSize(view.getType()));
    views.push_back({view, static_cast<unsigned>(it - slots.begin())});
  });

  MLIRContext *context = function.getContext();
  OpBuilder b(context);
  Type byte = b.getI8Type();
  unsigned firstSlot = entry.getNumArguments();
  for (auto &[key, slot] : slots) {
    bool disjoint = arenas.size() == 1;
    for (auto &[otherKey, other] : slots)
      if (&other != &slot && slot.offset < other.offset + other.bytes &&
          other.offset < slot.offset + slot.bytes)
        disjoint = false;
    DictionaryAttr attributes;
    if (disjoint)
      attributes = b.getDictionaryAttr(b.getNamedAttr(
          LLVM::LLVMDialect::getNoAliasAttrName(), b.getUnitAttr()));
    (void)function.insertArgument(entry.getNumArguments(),
                                  MemRefType::get({slot.bytes}, byte),
                                  attributes, function.getLoc());
  }
  for (auto [view, slot] : views) {
    b.setInsertionPoint(view);
    Value zero = arith::ConstantIndexOp::create(b, view.getLoc(), 0);
    Operation *offset = view.getByteShift().getDefiningOp();
    view.getSourceMutable().assign(entry.getArgument(firstSlot + slot));
    view.getByteShiftMutable().assign(zero);
    // The offsets must go for functions alike to be equal.
    if (offset && offset->use_empty())
      offset->erase();
  }

  // The call: the slots viewed where they lie, the arenas no more.
  b.setInsertionPoint(call);
  SmallVector<Value> operands;
  for (auto [i, operand] : llvm::enumerate(call.getOperands()))
    if (!llvm::is_contained(arenas, i))
      operands.push_back(operand);
  for (auto &[key, slot] : slots) {
    Location loc = call.getLoc();
    Value offset = arith::ConstantIndexOp::create(b, loc, slot.offset);
    operands.push_back(memref::ViewOp::create(
        b, loc, MemRefType::get({slot.bytes}, byte),
        call.getOperand(slot.arena), offset, ValueRange()));
  }
  llvm::BitVector erased(entry.getNumArguments());
  for (unsigned arena : arenas)
    erased.set(arena);
  // Unused now; a func.func's arguments always erase.
  (void)function.eraseArguments(erased);
  auto merged = func::CallOp::create(b, call.getLoc(), function, operands);
  call.replaceAllUsesWith(merged.getResults());
  call.erase();
  return true;
}

/// A hash of what `isRegionEquivalentTo` compares: the operations, their
/// attributes and types, in order; not which values they use.
llvm::hash_code structuralHash(func::FuncOp function) {
  llvm::hash_code hash =
      llvm::hash_combine(function.getFunctionType(), function.getAllArgAttrs());
  function.getBody().walk([&](Operation *op) {
    hash =
        llvm::hash_combine(hash, OperationEquivalence::computeHash(
                                     op, OperationEquivalence::ignoreHashValue,
                                     OperationEquivalence::ignoreHashValue,
                                     OperationEquivalence::IgnoreLocations));
  });
  return hash;
}

bool alike(func::FuncOp a, func::FuncOp b) {
  return a.getFunctionType() == b.getFunctionType() &&
         a.getAllArgAttrs() == b.getAllArgAttrs() &&
         a->getDiscardableAttrDictionary() ==
             b->getDiscardableAttrDictionary() &&
         OperationEquivalence::isRegionEquivalentTo(
             &a.getBody(), &b.getBody(), OperationEquivalence::IgnoreLocations);
}

/// Moves the body of each parallel loop of `function` into a function of
/// its own, `<name>.body<i>`, called with the loop's indices and the values
/// the body uses; the slots `function` has as noalias are noalias there
/// too. OpenMP makes each parallel loop's body a function that gets the
/// values it uses through a struct, which would drop the slots' noalias;
/// a call of a function with noalias arguments keeps it (LLVM's inliner
/// turns it into alias scopes). Bodies with reductions stay.
void outlineParallelBodies(IRRewriter &rewriter, func::FuncOp function) {
  SmallVector<scf::ParallelOp> loops;
  function.walk([&](scf::ParallelOp loop) {
    if (loop.getNumReductions() == 0)
      loops.push_back(loop);
  });
  for (auto [i, loop] : llvm::enumerate(loops)) {
    Region &body = loop.getRegion();
    // Constants and views inside: the body function sees them folded.
    dlcc::sinkPureDefinitions(body);
    unsigned indices = body.getNumArguments();
    func::CallOp call;
    FailureOr<func::FuncOp> outlined = outlineSingleBlockRegion(
        rewriter, loop.getLoc(), body,
        (function.getSymName() + ".body" + Twine(i)).str(), &call);
    if (failed(outlined))
      continue;
    outlined->setPrivate();
    // Local to the module: once inlined, LLVM drops it.
    (*outlined)->setAttr(
        "llvm.linkage",
        LLVM::LinkageAttr::get(rewriter.getContext(), LLVM::Linkage::Internal));
    // outlineSingleBlockRegion passes the captured values in their order,
    // after the indices.
    for (auto [j, value] :
         llvm::enumerate(call.getOperands().drop_front(indices))) {
      auto slot = dyn_cast<BlockArgument>(value);
      if (slot && slot.getOwner() == &function.getBody().front() &&
          function.getArgAttr(slot.getArgNumber(),
                              LLVM::LLVMDialect::getNoAliasAttrName()))
        outlined->setArgAttr(indices + j,
                             LLVM::LLVMDialect::getNoAliasAttrName(),
                             rewriter.getUnitAttr());
    }
  }
}

struct DLMergeLoopNestsPass
    : dlcc::impl::DLMergeLoopNestsBase<DLMergeLoopNestsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTableCollection symbolTables;
    SymbolUserMap users(symbolTables, module);
    SmallVector<func::FuncOp> candidates;
    for (auto function : module.getOps<func::FuncOp>()) {
      if (!function->hasAttr(dlcc::kLoopNestAttr))
        continue;
      ArrayRef<Operation *> calls = users.getUsers(function);
      auto call = calls.size() == 1 ? dyn_cast<func::CallOp>(calls.front())
                                    : func::CallOp();
      if (call && passSlots(function, call))
        candidates.push_back(function);
    }

    // The first of each set of alike functions serves them all.
    llvm::DenseMap<llvm::hash_code, SmallVector<func::FuncOp>> kept;
    llvm::DenseMap<StringAttr, FlatSymbolRefAttr> replacement;
    SmallVector<func::FuncOp> survivors;
    for (func::FuncOp function : candidates) {
      SmallVector<func::FuncOp> &sameHash = kept[structuralHash(function)];
      auto first = llvm::find_if(
          sameHash, [&](func::FuncOp other) { return alike(other, function); });
      if (first == sameHash.end()) {
        sameHash.push_back(function);
        survivors.push_back(function);
        continue;
      }
      replacement[function.getSymNameAttr()] =
          FlatSymbolRefAttr::get(first->getSymNameAttr());
      function.erase();
    }
    module.walk([&](func::CallOp call) {
      auto it = replacement.find(call.getCalleeAttr().getAttr());
      if (it != replacement.end())
        call.setCalleeAttr(it->second);
    });
    IRRewriter rewriter(&getContext());
    for (func::FuncOp function : survivors)
      outlineParallelBodies(rewriter, function);
  }
};

} // namespace
