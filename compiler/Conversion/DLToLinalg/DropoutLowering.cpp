//===- DropoutLowering.cpp - dl.dropout to linalg with a counter RNG ------===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//
//
// The mask of a training-mode dropout is a pure function of the run's seed,
// the step, the op's key and the element's row-major index n, so that the
// gradient (and any recomputation) draws the same mask without storing it:
//
//   sm(z)   = SplitMix64's output function of state z (Steele et al. 2014):
//             z += 0x9e3779b97f4a7c15;
//             z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
//             z = (z ^ (z >> 27)) * 0x94d049bb133111eb;  z ^ (z >> 31)
//   k       = sm(seed ^ sm(step ^ sm(key)))        once per op and step
//   bits(n) = sm(k + n * 0x9e3779b97f4a7c15)       the n-th number of the
//                                                  SplitMix64 stream from k
//   keep(n) = (bits(n) >> 40) >= ceil(rate * 2^24)
//   y(n)    = keep(n) ? x(n) * (1 / (1 - rate)) : 0
//
// The masks are not PyTorch's (its CPU generator is a Mersenne twister), so
// comparisons with PyTorch run with dropout off.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/DLToLinalg/DLToLinalg.h"
#include "compiler/Conversion/DLToLinalg/LoweringUtils.h"

#include "DL/IR/DLOps.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace dlcc::lowering;

namespace {

constexpr uint64_t kGolden = 0x9e3779b97f4a7c15ULL;

/// SplitMix64's output for state z, on constants.
uint64_t splitMix(uint64_t z) {
  z += kGolden;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// SplitMix64's output for state z, as i64 arithmetic.
Value splitMix(OpBuilder &b, Location loc, Value z) {
  Type i64 = b.getI64Type();
  auto c = [&](uint64_t v) {
    return arith::ConstantOp::create(b, loc, i64,
                                     b.getIntegerAttr(i64, int64_t(v)));
  };
  auto xorShift = [&](Value v, int shift) {
    return arith::XOrIOp::create(b, loc, v,
                                 arith::ShRUIOp::create(b, loc, v, c(shift)));
  };
  z = arith::AddIOp::create(b, loc, z, c(kGolden));
  z = arith::MulIOp::create(b, loc, xorShift(z, 30), c(0xbf58476d1ce4e5b9ULL));
  z = arith::MulIOp::create(b, loc, xorShift(z, 27), c(0x94d049bb133111ebULL));
  return xorShift(z, 31);
}

struct DropoutLowering : OpConversionPattern<dl::DropoutOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::DropoutOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    double rate = op.getRate().convertToDouble();
    if (rate == 0.0) {
      rewriter.replaceOp(op, adaptor.getInput());
      return success();
    }
    // The pass rejects unbound dropouts before converting (DLToLinalg.cpp).
    if (adaptor.getCounter().size() != 2)
      return rewriter.notifyMatchFailure(op, "dropout without [seed, step]");

    Location loc = op.getLoc();
    Type i64 = rewriter.getI64Type();
    auto constant = [&](uint64_t v) -> Value {
      return arith::ConstantOp::create(rewriter, loc, i64,
                                       rewriter.getIntegerAttr(i64, int64_t(v)));
    };
    auto extract = [&](Value scalarTensor) -> Value {
      return tensor::ExtractOp::create(rewriter, loc, scalarTensor,
                                       ValueRange{});
    };
    uint64_t key = splitMix(uint64_t(op.getKey()));
    Value step = extract(adaptor.getCounter()[1]);
    Value seed = extract(adaptor.getCounter()[0]);
    Value k = splitMix(
        rewriter, loc,
        arith::XOrIOp::create(
            rewriter, loc, seed,
            splitMix(rewriter, loc,
                     arith::XOrIOp::create(rewriter, loc, step, constant(key)))));

    RankedTensorType type = op.getType();
    ArrayRef<int64_t> shape = type.getShape();
    auto threshold = uint64_t(std::ceil(rate * double(1 << 24)));
    Type element = type.getElementType();
    Value result = elementwiseIndexed(
        rewriter, loc, type, {adaptor.getInput()},
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          // The row-major index of the element.
          Value n = arith::ConstantIndexOp::create(b, l, 0);
          for (auto [d, extent] : llvm::enumerate(shape))
            n = arith::AddIOp::create(
                b, l,
                arith::MulIOp::create(
                    b, l, n, arith::ConstantIndexOp::create(b, l, extent)),
                args[1 + d]);
          Value index = arith::IndexCastUIOp::create(b, l, i64, n);
          Value bits = splitMix(
              b, l,
              arith::AddIOp::create(
                  b, l, k,
                  arith::MulIOp::create(
                      b, l, index,
                      arith::ConstantOp::create(
                          b, l, i64, b.getIntegerAttr(i64, int64_t(kGolden))))));
          Value top = arith::ShRUIOp::create(
              b, l, bits,
              arith::ConstantOp::create(b, l, i64, b.getIntegerAttr(i64, 40)));
          Value keep = arith::CmpIOp::create(
              b, l, arith::CmpIPredicate::uge, top,
              arith::ConstantOp::create(
                  b, l, i64, b.getIntegerAttr(i64, int64_t(threshold))));
          Value scaled = arith::MulFOp::create(
              b, l, args[0], scalar(b, l, element, 1.0 / (1.0 - rate)));
          return arith::SelectOp::create(b, l, keep, scaled,
                                         scalar(b, l, element, 0.0));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void dlcc::populateDropoutLowering(RewritePatternSet &patterns) {
  patterns.add<DropoutLowering>(patterns.getContext());
}
