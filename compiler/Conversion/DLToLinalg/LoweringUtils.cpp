//===- LoweringUtils.cpp - Building blocks of the dl -> linalg lowering ---===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/DLToLinalg/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

#include <limits>

using namespace mlir;

namespace dlcc::lowering {

namespace {
SmallVector<utils::IteratorType> parallel(int64_t rank) {
  return SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel);
}

/// Maps result indices to the indices of an input of shape `in` broadcast to
/// `out` (aligned at the right; size-1 dimensions read index 0).
AffineMap broadcastMap(MLIRContext *ctx, ArrayRef<int64_t> in,
                       ArrayRef<int64_t> out) {
  SmallVector<AffineExpr> exprs;
  size_t lead = out.size() - in.size();
  for (size_t i = 0; i < in.size(); ++i)
    exprs.push_back(in[i] == 1 && out[lead + i] != 1
                        ? getAffineConstantExpr(0, ctx)
                        : getAffineDimExpr(lead + i, ctx));
  return AffineMap::get(out.size(), 0, exprs, ctx);
}

Value emptyTensor(OpBuilder &b, Location loc, RankedTensorType type) {
  return tensor::EmptyOp::create(b, loc, type.getShape(),
                                 type.getElementType());
}

Value generic(OpBuilder &b, Location loc, RankedTensorType resultType,
              ValueRange inputs, BodyBuilder body, bool withIndices) {
  MLIRContext *ctx = b.getContext();
  int64_t rank = resultType.getRank();
  SmallVector<AffineMap> maps;
  for (Value input : inputs)
    maps.push_back(
        broadcastMap(ctx, tensorType(input).getShape(), resultType.getShape()));
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, ctx));
  auto op = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, inputs,
      ValueRange{emptyTensor(b, loc, resultType)}, maps, parallel(rank),
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        SmallVector<Value> operands(args.drop_back());
        if (withIndices)
          for (int64_t d = 0; d < rank; ++d)
            operands.push_back(linalg::IndexOp::create(nb, nl, d));
        linalg::YieldOp::create(nb, nl, body(nb, nl, operands));
      });
  return op.getResult(0);
}

/// The identity of `combine` for `type`.
Value identity(OpBuilder &b, Location loc, Type type, Combine combine) {
  if (auto intType = dyn_cast<IntegerType>(type)) {
    unsigned width = intType.getWidth();
    APInt value = combine == Combine::Sum   ? APInt(width, 0)
                  : combine == Combine::Max ? APInt::getSignedMinValue(width)
                                            : APInt::getSignedMaxValue(width);
    return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, value));
  }
  double inf = std::numeric_limits<double>::infinity();
  return scalar(b, loc, type,
                combine == Combine::Sum   ? 0.0
                : combine == Combine::Max ? -inf
                                          : inf);
}

Value combineValues(OpBuilder &b, Location loc, Combine combine, Value acc,
                    Value x) {
  bool isInt = isa<IntegerType>(x.getType());
  switch (combine) {
  case Combine::Sum:
    return isInt ? (Value)arith::AddIOp::create(b, loc, acc, x)
                 : (Value)arith::AddFOp::create(b, loc, acc, x);
  case Combine::Max:
    return isInt ? (Value)arith::MaxSIOp::create(b, loc, acc, x)
                 : (Value)arith::MaximumFOp::create(b, loc, acc, x);
  case Combine::Min:
    return isInt ? (Value)arith::MinSIOp::create(b, loc, acc, x)
                 : (Value)arith::MinimumFOp::create(b, loc, acc, x);
  }
  llvm_unreachable("unknown combine");
}

/// The address of a NUL-terminated constant string in the module.
Value stringAddress(OpBuilder &b, Location loc, StringRef text) {
  auto module =
      b.getInsertionBlock()->getParentOp()->getParentOfType<ModuleOp>();
  std::string data = text.str();
  data.push_back('\0');
  auto type = LLVM::LLVMArrayType::get(b.getI8Type(), data.size());
  std::string name;
  for (int i = 0;; ++i) {
    name = "dl_message_" + std::to_string(i);
    auto existing = module.lookupSymbol<LLVM::GlobalOp>(name);
    if (!existing)
      break;
    if (auto value = dyn_cast_or_null<StringAttr>(existing.getValueOrNull());
        value && value.getValue() == data)
      return LLVM::AddressOfOp::create(b, loc, existing);
  }
  LLVM::GlobalOp global;
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    global = LLVM::GlobalOp::create(b, loc, type, /*isConstant=*/true,
                                    LLVM::Linkage::Internal, name,
                                    b.getStringAttr(data));
  }
  return LLVM::AddressOfOp::create(b, loc, global);
}

func::FuncOp failFunction(OpBuilder &b, Location loc) {
  auto module =
      b.getInsertionBlock()->getParentOp()->getParentOfType<ModuleOp>();
  if (auto fn = module.lookupSymbol<func::FuncOp>("dlrt_fail"))
    return fn;
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(module.getBody());
  auto fn = func::FuncOp::create(
      b, loc, "dlrt_fail",
      b.getFunctionType({LLVM::LLVMPointerType::get(b.getContext()),
                         b.getI64Type()},
                        {}));
  fn.setPrivate();
  return fn;
}

Value extractScalar(OpBuilder &b, Location loc, Value rank0) {
  return tensor::ExtractOp::create(b, loc, rank0, ValueRange{});
}
} // namespace

Value scalar(OpBuilder &b, Location loc, Type type, double value) {
  if (isa<IntegerType, IndexType>(type))
    return arith::ConstantOp::create(
        b, loc, b.getIntegerAttr(type, static_cast<int64_t>(value)));
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, value));
}

Value filled(OpBuilder &b, Location loc, RankedTensorType type, double value) {
  Value v = scalar(b, loc, type.getElementType(), value);
  return linalg::FillOp::create(b, loc, v, emptyTensor(b, loc, type))
      .getResult(0);
}

Value elementwise(OpBuilder &b, Location loc, RankedTensorType resultType,
                  ValueRange inputs, BodyBuilder body) {
  return generic(b, loc, resultType, inputs, body, /*withIndices=*/false);
}

Value elementwiseIndexed(OpBuilder &b, Location loc,
                         RankedTensorType resultType, ValueRange inputs,
                         BodyBuilder body) {
  return generic(b, loc, resultType, inputs, body, /*withIndices=*/true);
}

Value reduce(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes,
             Combine combine, bool keepdim) {
  MLIRContext *ctx = b.getContext();
  RankedTensorType type = tensorType(input);
  int64_t rank = type.getRank();
  SmallVector<bool> reduced(rank, false);
  for (int64_t axis : axes)
    reduced[axis] = true;
  SmallVector<int64_t> shape, keptShape;
  SmallVector<AffineExpr> outExprs;
  SmallVector<utils::IteratorType> iterators;
  for (int64_t d = 0; d < rank; ++d) {
    iterators.push_back(reduced[d] ? utils::IteratorType::reduction
                                   : utils::IteratorType::parallel);
    keptShape.push_back(reduced[d] ? 1 : type.getDimSize(d));
    if (!reduced[d]) {
      shape.push_back(type.getDimSize(d));
      outExprs.push_back(getAffineDimExpr(d, ctx));
    }
  }
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  Value init = linalg::FillOp::create(
                   b, loc, identity(b, loc, type.getElementType(), combine),
                   emptyTensor(b, loc, resultType))
                   .getResult(0);
  SmallVector<AffineMap> maps{AffineMap::getMultiDimIdentityMap(rank, ctx),
                              AffineMap::get(rank, 0, outExprs, ctx)};
  auto op = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, ValueRange{input}, ValueRange{init}, maps,
      iterators, [&](OpBuilder &nb, Location nl, ValueRange args) {
        linalg::YieldOp::create(
            nb, nl, combineValues(nb, nl, combine, args[1], args[0]));
      });
  Value result = op.getResult(0);
  return keepdim ? reshape(b, loc, result, keptShape) : result;
}

Value mean(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes,
           bool keepdim) {
  RankedTensorType type = tensorType(input);
  int64_t count = 1;
  for (int64_t axis : axes)
    count *= type.getDimSize(axis);
  Value sum = reduce(b, loc, input, axes, Combine::Sum, keepdim);
  Value n = scalar(b, loc, type.getElementType(), double(count));
  return elementwise(b, loc, tensorType(sum), {sum},
                     [&](OpBuilder &nb, Location nl, ValueRange args) {
                       return arith::DivFOp::create(nb, nl, args[0], n);
                     });
}

Value reshape(OpBuilder &b, Location loc, Value input,
              ArrayRef<int64_t> shape) {
  RankedTensorType type = tensorType(input);
  if (type.getShape() == shape)
    return input;
  Type element = type.getElementType();
  auto flatType = RankedTensorType::get({type.getNumElements()}, element);
  auto all = [](int64_t rank) {
    ReassociationIndices group;
    for (int64_t i = 0; i < rank; ++i)
      group.push_back(i);
    return SmallVector<ReassociationIndices>{group};
  };
  Value flat = input;
  if (type.getRank() == 0)
    flat = tensor::ExpandShapeOp::create(b, loc, flatType, input,
                                         ArrayRef<ReassociationIndices>{});
  else if (type.getRank() > 1)
    flat = tensor::CollapseShapeOp::create(b, loc, flatType, input,
                                           all(type.getRank()));
  auto resultType = RankedTensorType::get(shape, element);
  if (shape.empty())
    return tensor::CollapseShapeOp::create(b, loc, resultType, flat,
                                           ArrayRef<ReassociationIndices>{});
  if (shape.size() == 1)
    return flat;
  return tensor::ExpandShapeOp::create(b, loc, resultType, flat,
                                       all(shape.size()));
}

Value transpose(OpBuilder &b, Location loc, Value input,
                ArrayRef<int64_t> perm) {
  RankedTensorType type = tensorType(input);
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(type.getDimSize(p));
  Value init = tensor::EmptyOp::create(b, loc, shape, type.getElementType());
  return linalg::TransposeOp::create(b, loc, input, init, perm).getResult()[0];
}

Value broadcastTo(OpBuilder &b, Location loc, Value input,
                  ArrayRef<int64_t> shape) {
  RankedTensorType type = tensorType(input);
  if (type.getShape() == shape)
    return input;
  return elementwise(b, loc,
                     RankedTensorType::get(shape, type.getElementType()),
                     {input}, [](OpBuilder &, Location, ValueRange args) {
                       return args[0];
                     });
}

Value matmul(OpBuilder &b, Location loc, Value lhs, Value rhs,
             bool transposeRhs) {
  MLIRContext *ctx = b.getContext();
  ArrayRef<int64_t> a = tensorType(lhs).getShape(),
                    r = tensorType(rhs).getShape();
  int64_t n = transposeRhs ? r[0] : r[1];
  auto type = RankedTensorType::get({a[0], n}, tensorType(lhs).getElementType());
  Value init = filled(b, loc, type, 0.0);
  SmallVector<NamedAttribute> attrs;
  if (transposeRhs) {
    AffineExpr m, nn, k;
    bindDims(ctx, m, nn, k);
    attrs.push_back(b.getNamedAttr(
        "indexing_maps",
        b.getAffineMapArrayAttr({AffineMap::get(3, 0, {m, k}, ctx),
                                 AffineMap::get(3, 0, {nn, k}, ctx),
                                 AffineMap::get(3, 0, {m, nn}, ctx)})));
  }
  return linalg::MatmulOp::create(b, loc, TypeRange{type},
                                  ValueRange{lhs, rhs}, ValueRange{init}, attrs)
      .getResult(0);
}

Value batchMatmul(OpBuilder &b, Location loc, Value lhs, Value rhs,
                  bool transposeRhs) {
  MLIRContext *ctx = b.getContext();
  ArrayRef<int64_t> a = tensorType(lhs).getShape(),
                    r = tensorType(rhs).getShape();
  int64_t n = transposeRhs ? r[1] : r[2];
  auto type =
      RankedTensorType::get({a[0], a[1], n}, tensorType(lhs).getElementType());
  Value init = filled(b, loc, type, 0.0);
  SmallVector<NamedAttribute> attrs;
  if (transposeRhs) {
    AffineExpr bb, m, nn, k;
    bindDims(ctx, bb, m, nn, k);
    attrs.push_back(b.getNamedAttr(
        "indexing_maps",
        b.getAffineMapArrayAttr({AffineMap::get(4, 0, {bb, m, k}, ctx),
                                 AffineMap::get(4, 0, {bb, nn, k}, ctx),
                                 AffineMap::get(4, 0, {bb, m, nn}, ctx)})));
  }
  return linalg::BatchMatmulOp::create(b, loc, TypeRange{type},
                                       ValueRange{lhs, rhs}, ValueRange{init},
                                       attrs)
      .getResult(0);
}

Value batchedProduct(OpBuilder &b, Location loc, Value lhs, Value rhs,
                     bool transposeRhs, RankedTensorType resultType) {
  ArrayRef<int64_t> a = tensorType(lhs).getShape(),
                    r = tensorType(rhs).getShape();
  ArrayRef<int64_t> out = resultType.getShape();
  ArrayRef<int64_t> batch = out.drop_back(2);
  int64_t m = a[a.size() - 2], k = a.back();
  if (batch.empty())
    return matmul(b, loc, lhs, rhs, transposeRhs);
  int64_t count = 1;
  for (int64_t d : batch)
    count *= d;
  // A shared right-hand matrix: one product over all rows of the left.
  if (r.size() == 2) {
    Value rows = reshape(b, loc, lhs, {count * m, k});
    return reshape(b, loc, matmul(b, loc, rows, rhs, transposeRhs), out);
  }
  SmallVector<int64_t> lhsShape(batch), rhsShape(batch);
  lhsShape.append({m, k});
  rhsShape.append(r.end() - 2, r.end());
  Value l = reshape(b, loc, broadcastTo(b, loc, lhs, lhsShape),
                    {count, m, k});
  Value rr = reshape(b, loc, broadcastTo(b, loc, rhs, rhsShape),
                     {count, r[r.size() - 2], r.back()});
  return reshape(b, loc, batchMatmul(b, loc, l, rr, transposeRhs), out);
}

void checkIndices(OpBuilder &b, Location loc, Value indices, int64_t bound,
                  std::optional<int64_t> allowed, StringRef message) {
  RankedTensorType type = tensorType(indices);
  Type element = type.getElementType();
  Value values = indices;
  if (allowed) {
    Value skip = scalar(b, loc, element, double(*allowed));
    Value zero = scalar(b, loc, element, 0.0);
    values = elementwise(b, loc, type, {indices},
                         [&](OpBuilder &nb, Location nl, ValueRange args) {
                           Value isAllowed = arith::CmpIOp::create(
                               nb, nl, arith::CmpIPredicate::eq, args[0], skip);
                           return arith::SelectOp::create(nb, nl, isAllowed,
                                                          zero, args[0]);
                         });
  }
  // As one run of elements: a nest of short loops with constant trip
  // counts is unrolled whole by LLVM (gpt's [16, 128] tokens: 1600 lines
  // for each of the two reductions).
  if (type.getRank() != 1)
    values = reshape(b, loc, values, {type.getNumElements()});
  Value low =
      extractScalar(b, loc, reduce(b, loc, values, {0}, Combine::Min, false));
  Value high =
      extractScalar(b, loc, reduce(b, loc, values, {0}, Combine::Max, false));
  Value zero = scalar(b, loc, element, 0.0);
  Value limit = scalar(b, loc, element, double(bound));
  Value tooLow =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, low, zero);
  Value tooHigh =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, high, limit);
  Value bad = arith::OrIOp::create(b, loc, tooLow, tooHigh);
  Value culprit = arith::SelectOp::create(b, loc, tooLow, low, high);
  // Built before the scf.if: inside its region, not yet in the IR, the
  // module cannot be reached.
  func::FuncOp fail = failFunction(b, loc);
  Value text = stringAddress(b, loc, message);
  Value wide = culprit;
  if (element.getIntOrFloatBitWidth() < 64)
    wide = arith::ExtSIOp::create(b, loc, b.getI64Type(), culprit);
  scf::IfOp::create(b, loc, bad, [&](OpBuilder &nb, Location nl) {
    func::CallOp::create(nb, nl, fail, ValueRange{text, wide});
    scf::YieldOp::create(nb, nl);
  });
}

Value windowGather(OpBuilder &b, Location loc, RankedTensorType resultType,
                   ArrayRef<int64_t> kernel, ArrayRef<int64_t> stride,
                   ArrayRef<int64_t> padding, ArrayRef<int64_t> outputSize,
                   WindowTerm term) {
  MLIRContext *ctx = b.getContext();
  Type element = resultType.getElementType();
  AffineExpr n, c, h, w, i, j;
  bindDims(ctx, n, c, h, w, i, j);
  SmallVector<AffineMap> maps{AffineMap::get(6, 0, {i, j}, ctx),
                              AffineMap::get(6, 0, {n, c, h, w}, ctx)};
  // The window operand only gives the loops over the kernel their extent.
  Value window = tensor::EmptyOp::create(b, loc, kernel, element);
  using utils::IteratorType;
  SmallVector<IteratorType> iterators(4, IteratorType::parallel);
  iterators.append(2, IteratorType::reduction);
  auto op = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, ValueRange{window},
      ValueRange{filled(b, loc, resultType, 0.0)}, maps, iterators,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value idx[6];
        for (int d = 0; d < 6; ++d)
          idx[d] = linalg::IndexOp::create(nb, nl, d);
        auto constant = [&](int64_t v) {
          return arith::ConstantIndexOp::create(nb, nl, v);
        };
        Value zero = constant(0);
        Value valid = arith::ConstantIntOp::create(nb, nl, 1, 1);
        Value position[2];
        for (int d = 0; d < 2; ++d) {
          // p = h + pad - i must be a multiple of the stride, p / stride
          // inside the output.
          Value p = arith::SubIOp::create(
              nb, nl,
              arith::AddIOp::create(nb, nl, idx[2 + d], constant(padding[d])),
              idx[4 + d]);
          Value s = constant(stride[d]);
          Value q = arith::DivSIOp::create(nb, nl, p, s);
          Value exact =
              arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::eq,
                                    arith::RemSIOp::create(nb, nl, p, s), zero);
          Value inside = arith::AndIOp::create(
              nb, nl,
              arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::sge, p, zero),
              arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::slt, q,
                                    constant(outputSize[d])));
          valid = arith::AndIOp::create(
              nb, nl, valid, arith::AndIOp::create(nb, nl, exact, inside));
          position[d] = q;
        }
        Value y = arith::SelectOp::create(nb, nl, valid, position[0], zero);
        Value x = arith::SelectOp::create(nb, nl, valid, position[1], zero);
        Value value =
            term(nb, nl, ValueRange{idx[0], idx[1], y, x, idx[4], idx[5]});
        Value summand = arith::SelectOp::create(nb, nl, valid, value,
                                                scalar(nb, nl, element, 0.0));
        Value total = arith::AddFOp::create(nb, nl, args[1], summand);
        linalg::YieldOp::create(nb, nl, total);
      });
  return op.getResult(0);
}

Value padSpatial(OpBuilder &b, Location loc, Value input,
                 ArrayRef<int64_t> padding, double value) {
  if (!padding[0] && !padding[1])
    return input;
  RankedTensorType type = tensorType(input);
  SmallVector<int64_t> shape(type.getShape());
  shape[2] += 2 * padding[0];
  shape[3] += 2 * padding[1];
  SmallVector<OpFoldResult> low{b.getIndexAttr(0), b.getIndexAttr(0),
                                b.getIndexAttr(padding[0]),
                                b.getIndexAttr(padding[1])};
  return tensor::PadOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), input, low,
      low, scalar(b, loc, type.getElementType(), value));
}

Value logSoftmax(OpBuilder &b, Location loc, Value input, int64_t axis) {
  RankedTensorType type = tensorType(input);
  Value max = reduce(b, loc, input, {axis}, Combine::Max, true);
  Value shifted =
      elementwise(b, loc, type, {input, max},
                  [](OpBuilder &nb, Location nl, ValueRange args) {
                    return arith::SubFOp::create(nb, nl, args[0], args[1]);
                  });
  Value exps = elementwise(b, loc, type, {shifted},
                           [](OpBuilder &nb, Location nl, ValueRange args) {
                             return math::ExpOp::create(nb, nl, args[0]);
                           });
  Value sum = reduce(b, loc, exps, {axis}, Combine::Sum, true);
  return elementwise(b, loc, type, {shifted, sum},
                     [](OpBuilder &nb, Location nl, ValueRange args) {
                       Value lse = math::LogOp::create(nb, nl, args[1]);
                       return arith::SubFOp::create(nb, nl, args[0], lse);
                     });
}

} // namespace dlcc::lowering
