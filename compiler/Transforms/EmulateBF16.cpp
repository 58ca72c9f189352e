//===- EmulateBF16.cpp - bf16 arithmetic in f32 with integer conversions --===//
//
// Part of dlcc. Implements `dl-emulate-bf16`; see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Transforms/DialectConversion.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace dlcc {
#define GEN_PASS_DEF_DLEMULATEBF16
#include "compiler/Transforms/Passes.h.inc"
} // namespace dlcc

using namespace mlir;

namespace {

struct DLEmulateBF16Pass : dlcc::impl::DLEmulateBF16Base<DLEmulateBF16Pass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    Type f32 = Float32Type::get(ctx);
    Type bf16 = BFloat16Type::get(ctx);

    // Math on bf16 and f16 in f32.
    {
      TypeConverter converter;
      SetVector<Type> supported;
      supported.insert(f32);
      supported.insert(Float64Type::get(ctx));
      math::populateExtendToSupportedTypesTypeConverter(converter, supported,
                                                        f32);
      ConversionTarget target(*ctx);
      math::populateExtendToSupportedTypesConversionTarget(target, converter);
      RewritePatternSet patterns(ctx);
      math::populateExtendToSupportedTypesPatterns(patterns, converter);
      if (failed(applyPartialConversion(module, target, std::move(patterns))))
        return signalPassFailure();
    }
    // Arithmetic on bf16 in f32 (f16 arithmetic the LLVM backend promotes
    // itself, rounding each result).
    {
      TypeConverter converter;
      arith::populateEmulateUnsupportedFloatsConversions(converter, {bf16},
                                                         f32);
      ConversionTarget target(*ctx);
      arith::populateEmulateUnsupportedFloatsLegality(target, converter);
      RewritePatternSet patterns(ctx);
      arith::populateEmulateUnsupportedFloatsPatterns(patterns, converter);
      if (failed(applyPartialConversion(module, target, std::move(patterns))))
        return signalPassFailure();
    }
    // The emulation marks its conversions `contract`, which lets
    // extf(truncf(x)) fold to x: an intermediate result would skip its
    // rounding. Every rounding stays.
    module.walk([&](Operation *op) {
      if (isa<arith::ExtFOp, arith::TruncFOp>(op))
        op->removeAttr("fastmath");
    });
    RewritePatternSet expand(ctx);
    arith::populateExpandBFloat16Patterns(expand);
    if (failed(applyPatternsGreedily(module, std::move(expand))))
      return signalPassFailure();
  }
};

} // namespace
