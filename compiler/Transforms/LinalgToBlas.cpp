//===- LinalgToBlas.cpp - Matrix products to runtime GEMM calls -----------===//
//
// Part of dlcc. Implements `dl-linalg-to-blas`; see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/BufferOps.h"
#include "compiler/Transforms/Passes.h"
#include "compiler/Transforms/RuntimeCalls.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace dlcc {
#define GEN_PASS_DEF_DLLINALGTOBLAS
#include "compiler/Transforms/Passes.h.inc"
} // namespace dlcc

using namespace mlir;

namespace {

/// A row-major matrix operand: its address and its row (and batch) strides.
struct MatrixOperand {
  Value pointer;
  Value rowStride;
  Value batchStride; ///< Only for batched operands.
};

/// Whether `type` is an f32 memref whose innermost stride is 1.
bool isRowMajorF32(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  if (!memref || !memref.getElementType().isF32())
    return false;
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(memref.getStridesAndOffset(strides, offset)))
    return false;
  return !strides.empty() && strides.back() == 1;
}

MatrixOperand matrixOperand(OpBuilder &b, Location loc, Value memref,
                            bool batched) {
  auto meta = memref::ExtractStridedMetadataOp::create(b, loc, memref);
  auto i64 = b.getI64Type();
  ValueRange strides = meta.getStrides();
  MatrixOperand out;
  out.pointer = dlcc::elementPointer(b, loc, memref, {});
  out.rowStride =
      arith::IndexCastOp::create(b, loc, i64, strides[strides.size() - 2]);
  if (batched)
    out.batchStride = arith::IndexCastOp::create(b, loc, i64, strides[0]);
  return out;
}

/// Recognizes the transposition of each operand from the indexing maps of a
/// (batch) matmul: returns false when they are not a plain product.
bool readTransposes(linalg::LinalgOp op, bool batched, bool &transA,
                    bool &transB) {
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  MLIRContext *ctx = op->getContext();
  unsigned lead = batched ? 1 : 0, dims = lead + 3;
  auto d = [&](unsigned i) { return getAffineDimExpr(lead + i, ctx); };
  auto map = [&](AffineExpr x, AffineExpr y) {
    SmallVector<AffineExpr> exprs;
    if (batched)
      exprs.push_back(getAffineDimExpr(0, ctx));
    exprs.append({x, y});
    return AffineMap::get(dims, 0, exprs, ctx);
  };
  AffineExpr m = d(0), n = d(1), k = d(2);
  if (maps[2] != map(m, n))
    return false;
  if (maps[0] == map(m, k))
    transA = false;
  else if (maps[0] == map(k, m))
    transA = true;
  else
    return false;
  if (maps[1] == map(k, n))
    transB = false;
  else if (maps[1] == map(n, k))
    transB = true;
  else
    return false;
  return true;
}

/// What a product's bias epilogue replaces: `add` computes out[i, j] =
/// c[i, j] + bias[j] right after the product wrote c.
struct BiasAdd {
  linalg::GenericOp add;
  Value bias, out;
};

/// The bias add that may become the epilogue of `product` (which wrote `c`
/// from scratch): the next op that touches memory, adding a row vector to
/// c into c itself or into another buffer; in the latter case c must be a
/// fresh allocation (no views) whose plain product nothing reads after
/// the add (the next op to touch it overwrites it, or none does).
std::optional<BiasAdd> biasAddAfter(Operation *product, Value c) {
  auto add =
      dyn_cast_or_null<linalg::GenericOp>(dlcc::nextOpTouchingMemory(product));
  if (!add || !add.hasPureBufferSemantics() || add.getNumDpsInputs() != 2 ||
      add.getNumDpsInits() != 1 ||
      add.getNumParallelLoops() != add.getNumLoops() ||
      add.getNumLoops() != 2 || add.getDpsInputs()[0] != c)
    return std::nullopt;
  MLIRContext *ctx = product->getContext();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(2, ctx);
  AffineMap row = AffineMap::get(2, 0, {getAffineDimExpr(1, ctx)}, ctx);
  SmallVector<AffineMap> maps = add.getIndexingMapsArray();
  Value bias = add.getDpsInputs()[1], out = add.getDpsInits()[0];
  if (maps[0] != identity || maps[1] != row || maps[2] != identity ||
      !isRowMajorF32(bias.getType()) || !isRowMajorF32(out.getType()) ||
      out.getType() != c.getType())
    return std::nullopt;
  // The body: the sum of the two inputs, yielded.
  Block &body = add.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto sum = yield.getValues()[0].getDefiningOp<arith::AddFOp>();
  if (!sum || body.getOperations().size() != 2 ||
      !((sum.getLhs() == body.getArgument(0) &&
         sum.getRhs() == body.getArgument(1)) ||
        (sum.getLhs() == body.getArgument(1) &&
         sum.getRhs() == body.getArgument(0))))
    return std::nullopt;
  if (out == c)
    return BiasAdd{add, bias, out};
  if (!c.getDefiningOp<memref::AllocOp>())
    return std::nullopt;
  // The first user of c after the add must overwrite it (or there is none),
  // and no view of c may read it later.
  Operation *next = nullptr;
  for (Operation *user : c.getUsers()) {
    if (user == product || user == add)
      continue;
    if (user->getBlock() != add->getBlock() || isa<ViewLikeOpInterface>(user))
      return std::nullopt;
    if (user->isBeforeInBlock(product))
      continue;
    if (!next || user->isBeforeInBlock(next))
      next = user;
  }
  if (next && !dlcc::overwrites(next, c) && !isa<memref::DeallocOp>(next))
    return std::nullopt;
  return BiasAdd{add, bias, out};
}

template <typename OpTy> struct ProductToGemm : OpRewritePattern<OpTy> {
  /// `prefix` names the runtime: "dlrt_" (OpenBLAS) or "dlrt_cuda_".
  ProductToGemm(MLIRContext *context, StringRef prefix)
      : OpRewritePattern<OpTy>(context), prefix(prefix.str()) {}
  std::string prefix;
  static constexpr bool kBatched = std::is_same_v<OpTy, linalg::BatchMatmulOp>;

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureBufferSemantics())
      return failure();
    Value a = op.getDpsInputOperand(0)->get(),
          b = op.getDpsInputOperand(1)->get(),
          c = op.getDpsInitOperand(0)->get();
    if (!isRowMajorF32(a.getType()) || !isRowMajorF32(b.getType()) ||
        !isRowMajorF32(c.getType()))
      return failure();
    bool transA = false, transB = false;
    if (!readTransposes(op, kBatched, transA, transB))
      return failure();

    Location loc = op.getLoc();
    auto cType = cast<MemRefType>(c.getType());
    ArrayRef<int64_t> cShape = cType.getShape();
    ArrayRef<int64_t> aShape = cast<MemRefType>(a.getType()).getShape();
    int64_t m = cShape[cShape.size() - 2], n = cShape.back();
    int64_t k = transA ? aShape[aShape.size() - 2] : aShape.back();

    // linalg products accumulate into C: beta = 1, or 0 where C was just
    // zeroed, a fill the GEMM then makes unnecessary.
    linalg::FillOp zeros = dlcc::zeroFillOf(op, c);
    // On the GPU, a bias added to a product that starts from zero is the
    // product's epilogue (cuBLASLt's CUBLASLT_EPILOGUE_BIAS): one pass over
    // the output, not two. The call goes where the add was (only effect-free
    // ops and allocations, such as the add's output, come between).
    std::optional<BiasAdd> bias;
    if constexpr (!kBatched)
      if (prefix == "dlrt_cuda_" && zeros)
        bias = biasAddAfter(op, c);
    if (bias)
      rewriter.setInsertionPoint(bias->add);
    MatrixOperand A = matrixOperand(rewriter, loc, a, kBatched);
    MatrixOperand B = matrixOperand(rewriter, loc, b, kBatched);
    MatrixOperand C =
        matrixOperand(rewriter, loc, bias ? bias->out : c, kBatched);
    auto i32 = rewriter.getI32Type(), i64 = rewriter.getI64Type();
    auto f32 = rewriter.getF32Type();
    auto ptr = LLVM::LLVMPointerType::get(rewriter.getContext());
    auto int32 = [&](int64_t v) -> Value {
      return arith::ConstantIntOp::create(rewriter, loc, i32, v);
    };
    auto int64 = [&](int64_t v) -> Value {
      return arith::ConstantIntOp::create(rewriter, loc, i64, v);
    };
    Value one =
        arith::ConstantFloatOp::create(rewriter, loc, f32, APFloat(1.0f));
    Value beta = one;
    if (zeros) {
      rewriter.eraseOp(zeros);
      beta = arith::ConstantFloatOp::create(rewriter, loc, f32, APFloat(0.0f));
    }
    SmallVector<Value> args;
    SmallVector<Type> types;
    if (kBatched) {
      args.push_back(int64(cShape[0]));
      types.push_back(i64);
    }
    args.append({int32(transA), int32(transB), int64(m), int64(n), int64(k),
                 one, A.pointer, A.rowStride});
    types.append({i32, i32, i64, i64, i64, f32, ptr, i64});
    if (kBatched) {
      args.push_back(A.batchStride);
      types.push_back(i64);
    }
    args.append({B.pointer, B.rowStride});
    types.append({ptr, i64});
    if (kBatched) {
      args.push_back(B.batchStride);
      types.push_back(i64);
    }
    if (bias) {
      args.push_back(dlcc::elementPointer(rewriter, loc, bias->bias, {}));
      types.push_back(ptr);
    } else {
      args.push_back(beta);
      types.push_back(f32);
    }
    args.append({C.pointer, C.rowStride});
    types.append({ptr, i64});
    if (kBatched) {
      args.push_back(C.batchStride);
      types.push_back(i64);
    }
    auto module = op->template getParentOfType<ModuleOp>();
    func::FuncOp gemm =
        dlcc::declareRuntimeFunction(rewriter, module,
                                     prefix + (kBatched ? "sgemm_batched"
                                               : bias   ? "sgemm_bias"
                                                        : "sgemm"),
                                     rewriter.getFunctionType(types, {}));
    func::CallOp::create(rewriter, loc, gemm, args);
    if (bias)
      rewriter.eraseOp(bias->add);
    rewriter.eraseOp(op);
    return success();
  }
};

struct DLLinalgToBlasPass : dlcc::impl::DLLinalgToBlasBase<DLLinalgToBlasPass> {
  using DLLinalgToBlasBase::DLLinalgToBlasBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    StringRef prefix = device ? "dlrt_cuda_" : "dlrt_";
    patterns.add<ProductToGemm<linalg::MatmulOp>,
                 ProductToGemm<linalg::BatchMatmulOp>>(&getContext(), prefix);
    // A module pass: the rewrite declares the runtime functions in the module.
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
