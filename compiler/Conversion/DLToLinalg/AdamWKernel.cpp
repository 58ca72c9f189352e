//===- AdamWKernel.cpp - dl.adamw_update to one kernel call ---------------===//
//
// Part of dlcc. See AdamWKernel.h.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/DLToLinalg/AdamWKernel.h"
#include "compiler/Conversion/DLToLinalg/KernelCalls.h"
#include "compiler/Conversion/DLToLinalg/LoweringUtils.h"
#include "compiler/Transforms/ArenaLayout.h"
#include "compiler/Transforms/RuntimeCalls.h"

#include "DL/IR/DLOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;
using namespace dlcc::lowering;
using namespace dlcc::kernels;

namespace {

/// The buffer `result` is stored into, when `input`'s new value may be
/// written over it in place: `result` is only stored into the buffer that
/// `input` was read from, and every other use of `input` comes before `op`
/// (the step's dl.assign of a parameter or moment it has read).
bufferization::MaterializeInDestinationOp
storeInPlace(Operation *op, Value input, Value result) {
  if (!result.hasOneUse())
    return {};
  auto store =
      dyn_cast<bufferization::MaterializeInDestinationOp>(*result.user_begin());
  auto read = input.getDefiningOp<bufferization::ToTensorOp>();
  if (!store || !read || !read.getRestrict() || !store.getRestrict() ||
      !isa<BaseMemRefType>(store.getDest().getType()) ||
      !dlcc::sameArenaBuffer(read.getBuffer(), store.getDest()))
    return {};
  bool readAfter = llvm::any_of(input.getUsers(), [&](Operation *user) {
    return user != op &&
           (user->getBlock() != op->getBlock() || !user->isBeforeInBlock(op));
  });
  return readAfter ? bufferization::MaterializeInDestinationOp() : store;
}

/// AdamW over every parameter in one call of `kernel`, with a table of
/// each tensor's addresses on the stack. New parameters and moments are
/// written over the old ones where they are only stored back (as the
/// step's are), else into new buffers.
struct AdamWUpdateToKernel : OpRewritePattern<dl::AdamWUpdateOp> {
  AdamWUpdateToKernel(MLIRContext *context, StringRef kernel)
      : OpRewritePattern(context), kernel(kernel) {}

  LogicalResult matchAndRewrite(dl::AdamWUpdateOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    int64_t count = op.getParams().size();
    // Per tensor: param, grad, exp_avg, exp_avg_sq, their three new
    // values; and per new value its buffer and the store it replaces.
    SmallVector<std::array<Value, 7>> operands(count);
    constexpr int kOldValue[3] = {0, 2, 3}; // Of new value k, in a row.
    SmallVector<bufferization::MaterializeInDestinationOp> stores;
    SmallVector<std::pair<Value, Value>> resultBuffers;
    for (int64_t i = 0; i < count; ++i) {
      operands[i] = {op.getParams()[i], op.getGrads()[i], op.getExpAvgs()[i],
                     op.getExpAvgSqs()[i]};
      Value results[3] = {op.getNewParams()[i], op.getNewExpAvgs()[i],
                          op.getNewExpAvgSqs()[i]};
      for (int k = 0; k < 3; ++k) {
        Value input = operands[i][kOldValue[k]];
        if (auto store = storeInPlace(op, input, results[k])) {
          // The buffer as read: the store's view of it comes after `op`.
          Value buffer =
              input.getDefiningOp<bufferization::ToTensorOp>().getBuffer();
          stores.push_back(store);
          operands[i][kOldValue[k]] = buffer;
          operands[i][4 + k] = buffer;
          continue;
        }
        auto type = cast<RankedTensorType>(results[k].getType());
        operands[i][4 + k] =
            newBuffer(b, loc, type.getShape(), type.getElementType());
        resultBuffers.push_back({results[k], operands[i][4 + k]});
      }
    }

    // The table, filled after every buffer exists (see callKernel).
    auto tableType = MemRefType::get({count, 8}, b.getI64Type());
    Value table = memref::AllocaOp::create(b, loc, tableType);
    auto index = [&](int64_t value) {
      return arith::ConstantIndexOp::create(b, loc, value).getResult();
    };
    for (int64_t i = 0; i < count; ++i) {
      for (int k = 0; k < 7; ++k) {
        Value address = dlcc::elementAddress(
            b, loc, kernelBuffer(b, loc, operands[i][k]), {});
        memref::StoreOp::create(b, loc, address, table, {index(i), index(k)});
      }
      int64_t n =
          cast<RankedTensorType>(op.getParams()[i].getType()).getNumElements();
      memref::StoreOp::create(b, loc, i64Constant(b, loc, n), table,
                              {index(i), index(7)});
    }
    SmallVector<Value> buffers{table};
    llvm::append_range(buffers, op.getHypers());
    callKernel(b, loc, kernel, buffers, {i64Constant(b, loc, count)});
    for (auto store : stores)
      b.eraseOp(store);
    for (auto [result, buffer] : resultBuffers)
      b.replaceAllUsesWith(result, asResult(b, loc, buffer));
    b.eraseOp(op);
    return success();
  }

  std::string kernel;
};

} // namespace

void dlcc::populateAdamWKernelCall(RewritePatternSet &patterns,
                                   StringRef kernel) {
  patterns.add<AdamWUpdateToKernel>(patterns.getContext(), kernel);
}
