//===- DLOps.cpp - Verifiers and symbol checks of dl ops ------------------===//
//
// Part of dlcc. Shape rules are in DLShapeInference.cpp; this file holds the
// rules that go beyond types: attribute ranges, element counts, symbols.
//
//===----------------------------------------------------------------------===//

#include "DL/IR/DLOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

#include <cmath>

using namespace mlir;
using namespace mlir::dl;

#include "DL/IR/DLInterfaces.cpp.inc"

//===----------------------------------------------------------------------===//
// dl.adamw_update's groups: `(%param, %grad, %exp_avg, %exp_avg_sq : type)`,
// one per parameter, separated by commas; all of a group and its three
// results have the one type.
//===----------------------------------------------------------------------===//

static ParseResult parseAdamWGroups(
    OpAsmParser &parser,
    SmallVectorImpl<OpAsmParser::UnresolvedOperand> &params,
    SmallVectorImpl<OpAsmParser::UnresolvedOperand> &grads,
    SmallVectorImpl<OpAsmParser::UnresolvedOperand> &expAvgs,
    SmallVectorImpl<OpAsmParser::UnresolvedOperand> &expAvgSqs,
    SmallVectorImpl<Type> &paramTypes, SmallVectorImpl<Type> &gradTypes,
    SmallVectorImpl<Type> &expAvgTypes, SmallVectorImpl<Type> &expAvgSqTypes,
    SmallVectorImpl<Type> &newParamTypes, SmallVectorImpl<Type> &newExpAvgTypes,
    SmallVectorImpl<Type> &newExpAvgSqTypes) {
  auto parseGroup = [&]() -> ParseResult {
    Type type;
    if (parser.parseLParen() || parser.parseOperand(params.emplace_back()) ||
        parser.parseComma() || parser.parseOperand(grads.emplace_back()) ||
        parser.parseComma() || parser.parseOperand(expAvgs.emplace_back()) ||
        parser.parseComma() || parser.parseOperand(expAvgSqs.emplace_back()) ||
        parser.parseColonType(type) || parser.parseRParen())
      return failure();
    for (SmallVectorImpl<Type> *types :
         {&paramTypes, &gradTypes, &expAvgTypes, &expAvgSqTypes, &newParamTypes,
          &newExpAvgTypes, &newExpAvgSqTypes})
      types->push_back(type);
    return success();
  };
  return parser.parseCommaSeparatedList(parseGroup);
}

static void printAdamWGroups(OpAsmPrinter &printer, Operation *,
                             OperandRange params, OperandRange grads,
                             OperandRange expAvgs, OperandRange expAvgSqs,
                             TypeRange paramTypes, TypeRange, TypeRange,
                             TypeRange, TypeRange, TypeRange, TypeRange) {
  for (size_t i = 0; i < params.size(); ++i) {
    if (i)
      printer << ", ";
    printer << "(" << params[i] << ", " << grads[i] << ", " << expAvgs[i]
            << ", " << expAvgSqs[i] << " : " << paramTypes[i] << ")";
  }
}

#define GET_OP_CLASSES
#include "DL/IR/DLOps.cpp.inc"

namespace {
/// Checks that `name` refers to a dl.parameter of type `type`.
LogicalResult verifyParameterUse(Operation *op, FlatSymbolRefAttr name,
                                 Type type,
                                 SymbolTableCollection &symbolTable) {
  auto param =
      symbolTable.lookupNearestSymbolFrom<ParameterOp>(op, name.getAttr());
  if (!param)
    return op->emitOpError("refers to ")
           << name << ", which is not a dl.parameter";
  if (param.getType() != type)
    return op->emitOpError("has type ")
           << type << " but parameter " << name << " is " << param.getType();
  return success();
}

LogicalResult verifyEps(Operation *op, double eps) {
  if (eps > 0 && std::isfinite(eps))
    return success();
  return op->emitOpError("eps must be positive, got ") << eps;
}
} // namespace

LogicalResult mlir::dl::refineResultTypes(Operation *op) {
  auto inferable = llvm::dyn_cast<InferTypeOpInterface>(op);
  if (!inferable)
    return success();
  SmallVector<Type> types;
  if (failed(inferable.inferReturnTypes(
          op->getContext(), op->getLoc(), op->getOperands(),
          op->getRawDictionaryAttrs(), op->getPropertiesStorage(),
          op->getRegions(), types)))
    return failure();
  if (types.size() != op->getNumResults())
    return op->emitError("expected ")
           << types.size() << " results, the op was built with "
           << op->getNumResults();
  for (auto [result, type] : llvm::zip(op->getResults(), types))
    result.setType(type);
  return success();
}

//===----------------------------------------------------------------------===//
// Parameters
//===----------------------------------------------------------------------===//

void ClassifierGradOp::build(OpBuilder &b, OperationState &state, Value logits,
                             Value labels, Value grad, Value input,
                             Value weight, double labelSmoothing,
                             int64_t ignoreIndex) {
  auto typeOf = [](Value v) { return cast<RankedTensorType>(v.getType()); };
  RankedTensorType weightType = typeOf(weight);
  auto biasType = RankedTensorType::get({weightType.getDimSize(0)},
                                        weightType.getElementType());
  build(b, state, typeOf(input), weightType, biasType, logits, labels, grad,
        input, weight, b.getF64FloatAttr(labelSmoothing),
        b.getI64IntegerAttr(ignoreIndex));
}

LogicalResult ClassifierGradOp::verify() {
  ArrayRef<int64_t> logits = getLogits().getType().getShape();
  ArrayRef<int64_t> input = getInput().getType().getShape();
  ArrayRef<int64_t> weight = getWeight().getType().getShape();
  ArrayRef<int64_t> labels = getLabels().getType().getShape();
  if (logits.size() != 2 || input.size() != 2 || weight.size() != 2 ||
      labels.size() != 1)
    return emitOpError("takes [N, C] logits, [N] labels, [N, D] input and "
                       "[C, D] weight");
  if (labels[0] != logits[0] || input[0] != logits[0] ||
      weight[0] != logits[1] || weight[1] != input[1])
    return emitOpError("shapes disagree: logits [")
           << logits[0] << ", " << logits[1] << "], labels [" << labels[0]
           << "], input [" << input[0] << ", " << input[1] << "], weight ["
           << weight[0] << ", " << weight[1] << "]";
  if (getBiasGrad().getType().getShape() != ArrayRef<int64_t>{weight[0]})
    return emitOpError("the bias's gradient must be [") << weight[0] << "]";
  return success();
}

LogicalResult AdamWUpdateOp::verify() {
  if (getParams().empty())
    return emitOpError("updates no parameter");
  for (size_t i = 0; i < getParams().size(); ++i) {
    Type type = getParams()[i].getType();
    Value group[] = {getGrads()[i],      getExpAvgs()[i],
                     getExpAvgSqs()[i],  getNewParams()[i],
                     getNewExpAvgs()[i], getNewExpAvgSqs()[i]};
    for (Value value : group)
      if (value.getType() != type)
        return emitOpError("parameter #")
               << i << " has type " << type
               << ", but its gradient, moments and results are not all "
                  "of it (found "
               << value.getType() << ")";
  }
  return success();
}

LogicalResult ParameterOp::verify() {
  if (getTensorType().getNumElements() == 0)
    return emitOpError("parameter ") << getSymNameAttr() << " has no elements";
  if (getFrozen() && getBuffer())
    return emitOpError("a buffer is never trained: 'frozen' is redundant");
  if (getState() && (getFrozen() || getBuffer()))
    return emitOpError("optimizer state is neither 'frozen' nor a 'buffer'");
  return success();
}

LogicalResult ParamOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  return verifyParameterUse(*this, getNameAttr(), getType(), symbolTable);
}

LogicalResult AssignOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  return verifyParameterUse(*this, getNameAttr(), getValue().getType(),
                            symbolTable);
}

//===----------------------------------------------------------------------===//
// Attribute ranges
//===----------------------------------------------------------------------===//

LogicalResult LayerNormOp::verify() {
  return verifyEps(*this, getEps().convertToDouble());
}
LogicalResult RMSNormOp::verify() {
  return verifyEps(*this, getEps().convertToDouble());
}

LogicalResult BatchNormOp::verify() {
  double momentum = getMomentum().convertToDouble();
  if (!(momentum >= 0 && momentum <= 1))
    return emitOpError("momentum must be in [0, 1], got ") << momentum;
  return verifyEps(*this, getEps().convertToDouble());
}

LogicalResult BatchNormGradOp::verify() {
  return verifyEps(*this, getEps().convertToDouble());
}

LogicalResult LayerNormGradOp::verify() {
  return verifyEps(*this, getEps().convertToDouble());
}

LogicalResult DropoutOp::verify() {
  double rate = getRate().convertToDouble();
  if (!(rate >= 0 && rate < 1))
    return emitOpError("rate must be in [0, 1), got ") << rate;
  if (!getCounter().empty() && getCounter().size() != 2)
    return emitOpError("takes either no counter or [seed, step], got ")
           << getCounter().size() << " operands";
  return success();
}

/// What dl.attention and its gradient share: a positive scale, and as many
/// queries as keys when causal.
template <typename AttentionLike>
static LogicalResult verifyAttention(AttentionLike op) {
  if (std::optional<APFloat> scale = op.getScale()) {
    double s = scale->convertToDouble();
    if (!(std::isfinite(s) && s > 0))
      return op.emitOpError("scale must be positive and finite, got ") << s;
  }
  ArrayRef<int64_t> q = op.getQuery().getType().getShape(),
                    k = op.getKey().getType().getShape();
  if (op.getCausal() && q[q.size() - 2] != k[k.size() - 2])
    return op.emitOpError(
               "causal attention needs as many queries as keys, got ")
           << formatShape(q) << " and " << formatShape(k);
  return success();
}

LogicalResult AttentionOp::verify() { return verifyAttention(*this); }

LogicalResult AttentionGradOp::verify() { return verifyAttention(*this); }

LogicalResult CrossEntropyOp::verify() {
  double smoothing = getLabelSmoothing().convertToDouble();
  if (!(smoothing >= 0 && smoothing < 1))
    return emitOpError("label_smoothing must be in [0, 1), got ") << smoothing;
  return success();
}

LogicalResult ContrastiveOp::verify() {
  double t = getTemperature().convertToDouble();
  if (!(std::isfinite(t) && t > 0))
    return emitOpError("temperature must be positive, got ") << t;
  return success();
}

//===----------------------------------------------------------------------===//
// Ops with an explicit result type
//===----------------------------------------------------------------------===//

LogicalResult CastOp::verify() {
  RankedTensorType in = getInput().getType(), out = getResult().getType();
  if (in.getShape() != out.getShape())
    return emitOpError("cannot change the shape ")
           << formatShape(in.getShape()) << " into "
           << formatShape(out.getShape());
  if (!llvm::isa<FloatType>(out.getElementType()))
    return emitOpError("can only convert to a float type, not ")
           << out.getElementType();
  return success();
}

LogicalResult ReshapeOp::verify() {
  RankedTensorType in = getInput().getType(), out = getResult().getType();
  if (in.getNumElements() != out.getNumElements())
    return emitOpError("cannot reshape ")
           << formatShape(in.getShape()) << " (" << in.getNumElements()
           << " elements) into " << formatShape(out.getShape()) << " ("
           << out.getNumElements() << " elements)";
  if (in.getElementType() != out.getElementType())
    return emitOpError("cannot change the element type from ")
           << in.getElementType() << " to " << out.getElementType();
  return success();
}

LogicalResult BroadcastOp::verify() {
  RankedTensorType in = getInput().getType(), out = getResult().getType();
  ArrayRef<int64_t> from = in.getShape(), to = out.getShape();
  bool fits = from.size() <= to.size();
  for (size_t i = 0; fits && i < from.size(); ++i) {
    int64_t f = from[from.size() - 1 - i], t = to[to.size() - 1 - i];
    fits = f == t || f == 1;
  }
  if (!fits)
    return emitOpError("cannot broadcast ")
           << formatShape(from) << " to " << formatShape(to);
  if (in.getElementType() != out.getElementType())
    return emitOpError("cannot change the element type from ")
           << in.getElementType() << " to " << out.getElementType();
  return success();
}

LogicalResult PositionsOp::verify() {
  if (getResult().getType().getNumElements() == 0)
    return emitOpError("needs at least one position");
  return success();
}

LogicalResult CausalMaskOp::verify() {
  ArrayRef<int64_t> shape = getResult().getType().getShape();
  if (shape[0] != shape[1] || shape[0] == 0)
    return emitOpError("mask must be square and non-empty, got ")
           << formatShape(shape);
  return success();
}

LogicalResult OneHotOp::verify() {
  ArrayRef<int64_t> in = getIndices().getType().getShape(),
                    out = getResult().getType().getShape();
  if (out.size() != in.size() + 1 || out.drop_back() != in || out.back() < 1)
    return emitOpError("result ")
           << formatShape(out) << " must be the indices' shape "
           << formatShape(in) << " plus a class dimension";
  return success();
}
