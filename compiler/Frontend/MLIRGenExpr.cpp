//===- MLIRGenExpr.cpp - Expressions and compile-time numbers -------------===//
//
// Part of dlcc, an ahead-of-time compiler for training deep networks.
//
//===----------------------------------------------------------------------===//
//
// Names, numbers, arithmetic (folded on compile-time numbers, broadcasting
// dl ops on tensors), indexing and slicing, and the helpers that create dl
// ops and check what users can get wrong before the dialect sees it.
//
//===----------------------------------------------------------------------===//

#include "compiler/Frontend/MLIRGenInternal.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Verifier.h"

#include "llvm/Support/MathExtras.h"

using namespace dlcc;
using namespace dlcc::gen;
using llvm::cast;

//===----------------------------------------------------------------------===//
// Creating ops
//===----------------------------------------------------------------------===//

mlir::Operation *Generator::createOp(llvm::StringRef Name, const Location &L,
                                     llvm::ArrayRef<mlir::Value> Operands,
                                     llvm::ArrayRef<mlir::NamedAttribute> Attrs,
                                     unsigned NumResults) {
  mlir::OperationState State(loc(L), Name);
  State.addOperands(Operands);
  State.addAttributes(Attrs);
  mlir::Type Placeholder =
      mlir::RankedTensorType::get({}, Builder.getF32Type());
  State.addTypes(llvm::SmallVector<mlir::Type>(NumResults, Placeholder));
  mlir::Operation *Op = Builder.create(State);
  if (failed(mlir::dl::refineResultTypes(Op)) || failed(checkResults(Op, L)) ||
      failed(mlir::verify(Op, /*verifyRecursively=*/false))) {
    Op->erase();
    return nullptr;
  }
  return Op;
}

mlir::LogicalResult Generator::checkResults(mlir::Operation *Op,
                                            const Location &L) {
  for (mlir::Type T : Op->getResultTypes())
    if (auto Tensor = llvm::dyn_cast<mlir::RankedTensorType>(T))
      if (failed(checkShape(Tensor.getShape(), L, "the result")))
        return mlir::failure();
  return mlir::success();
}

mlir::Operation *
Generator::createTyped(llvm::StringRef Name, const Location &L,
                       llvm::ArrayRef<mlir::Value> Operands, mlir::Type Result,
                       llvm::ArrayRef<mlir::NamedAttribute> Attrs) {
  mlir::OperationState State(loc(L), Name);
  State.addOperands(Operands);
  State.addAttributes(Attrs);
  State.addTypes(Result);
  mlir::Operation *Op = Builder.create(State);
  if (failed(checkResults(Op, L)) ||
      failed(mlir::verify(Op, /*verifyRecursively=*/false))) {
    Op->erase();
    return nullptr;
  }
  return Op;
}

mlir::Value Generator::reshape(mlir::Value V, llvm::ArrayRef<int64_t> Shape,
                               const Location &L) {
  auto Type = llvm::cast<mlir::RankedTensorType>(V.getType());
  if (Type.getShape() == Shape)
    return V;
  mlir::Operation *Op =
      createTyped(mlir::dl::ReshapeOp::getOperationName(), L, V,
                  mlir::RankedTensorType::get(Shape, Type.getElementType()));
  return Op ? Op->getResult(0) : mlir::Value();
}

mlir::Value Generator::makeScalar(const ConstValue &V, mlir::Type ElementType,
                                  const Location &L) {
  auto Type = mlir::RankedTensorType::get({}, ElementType);
  mlir::Attribute Element =
      llvm::isa<mlir::FloatType>(ElementType)
          ? mlir::Attribute(Builder.getFloatAttr(ElementType, V.asDouble()))
          : mlir::Attribute(Builder.getIntegerAttr(ElementType, V.Int));
  return mlir::arith::ConstantOp::create(
      Builder, loc(L), mlir::DenseElementsAttr::get(Type, Element));
}

//===----------------------------------------------------------------------===//
// Checks
//===----------------------------------------------------------------------===//

mlir::LogicalResult Generator::requireFloat(const GenValue &V, const Expr &E,
                                            const llvm::Twine &What) {
  if (isFloatTensor(V))
    return mlir::success();
  error(E) << What << " needs a floating-point tensor, but '" << printExpr(E)
           << "' is " << describe(V);
  return mlir::failure();
}

mlir::LogicalResult Generator::requireIndex(const GenValue &V, const Expr &E,
                                            const llvm::Twine &What) {
  if (isIndexTensor(V))
    return mlir::success();
  error(E) << What << ": '" << printExpr(E)
           << "' must be an integer tensor (i32 or i64), but it is "
           << describe(V);
  return mlir::failure();
}

mlir::LogicalResult Generator::checkShape(llvm::ArrayRef<int64_t> Shape,
                                          const Location &L,
                                          const llvm::Twine &What) {
  int64_t Count = 1;
  for (int64_t D : Shape) {
    if (D < 1) {
      error(L) << What << " has a dimension " << D << " in "
               << mlir::dl::formatShape(Shape) << "; dimensions must be >= 1";
      return mlir::failure();
    }
    // Keep byte counts of every tensor well inside int64.
    if (llvm::MulOverflow(Count, D, Count) || Count > (int64_t(1) << 48)) {
      error(L) << What << " " << mlir::dl::formatShape(Shape)
               << " has too many elements";
      return mlir::failure();
    }
  }
  return mlir::success();
}

std::optional<int64_t> Generator::resolveAxis(int64_t Axis, int64_t Rank,
                                              const Expr &E,
                                              llvm::StringRef Op) {
  if (Axis < -Rank || Axis >= Rank) {
    error(E) << Op << ": axis " << Axis
             << " is out of range for a tensor of rank " << Rank;
    return std::nullopt;
  }
  return Axis < 0 ? Axis + Rank : Axis;
}

GenResult Generator::genTensor(const Expr &E, const llvm::Twine &What) {
  GenResult V = genExpr(E);
  if (!V)
    return std::nullopt;
  if (!V->isTensor()) {
    error(E) << What << " must be a tensor, but '" << printExpr(E) << "' is "
             << describe(*V);
    return std::nullopt;
  }
  return V;
}

std::optional<int64_t> Generator::genInt(const Expr &E,
                                         const llvm::Twine &What) {
  GenResult V = genExpr(E);
  if (!V)
    return std::nullopt;
  if (!V->isInt()) {
    error(E) << What << " must be an integer, but '" << printExpr(E) << "' is "
             << describe(*V);
    return std::nullopt;
  }
  return V->Num.Int;
}

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

namespace {
/// Counts the nesting of generation functions; restores it on exit.
struct DepthGuard {
  DepthGuard(unsigned &Depth, unsigned Weight) : Depth(Depth), Saved(Depth) {
    Depth += Weight;
  }
  ~DepthGuard() { Depth = Saved; }
  unsigned &Depth;
  unsigned Saved;
};
} // namespace

GenResult Generator::genExpr(const Expr &E) {
  DepthGuard Guard(Depth, 1);
  if (Depth > MaxDepth) {
    error(E) << "expressions and the blocks they call nest too deeply here; "
                "split them with intermediate names";
    return std::nullopt;
  }
  switch (E.getKind()) {
  case Expr::Number: {
    const auto &N = cast<NumberExpr>(E);
    return GenValue::number(N.isInteger() ? ConstValue::ofInt(N.getInt())
                                          : ConstValue::ofFloat(N.getFloat()));
  }
  case Expr::String:
    return GenValue::string(cast<StringExpr>(E).getValue().str());
  case Expr::Bool:
    return GenValue::boolean(cast<BoolExpr>(E).getValue());
  case Expr::Name:
    return genName(cast<NameExpr>(E));
  case Expr::Call:
    return genCall(cast<CallExpr>(E));
  case Expr::List:
  case Expr::Tuple: {
    GenValue V;
    V.Kind =
        E.getKind() == Expr::List ? GenValue::ListKind : GenValue::TupleKind;
    llvm::ArrayRef<ExprPtr> Elements = E.getKind() == Expr::List
                                           ? cast<ListExpr>(E).getElements()
                                           : cast<TupleExpr>(E).getElements();
    for (const ExprPtr &X : Elements) {
      GenResult Element = genExpr(*X);
      if (!Element)
        return std::nullopt;
      V.Elements.push_back(std::move(*Element));
    }
    return V;
  }
  case Expr::Binary:
    return genBinary(cast<BinaryExpr>(E));
  case Expr::Negate:
    return genNegate(cast<NegateExpr>(E));
  case Expr::Index:
    return genIndex(cast<IndexExpr>(E));
  }
  return std::nullopt;
}

GenResult Generator::genName(const NameExpr &E) {
  if (GenValue *V = Vars->lookup(E.getName()))
    return *V;
  error(E) << "use of undefined name '" << E.getName() << "'";
  return std::nullopt;
}

/// Reports a failed fold at `L`; returns whether it succeeded.
static bool checkFold(FoldStatus Status, Generator &G, const Location &L) {
  switch (Status) {
  case FoldStatus::Ok:
    return true;
  case FoldStatus::DivisionByZero:
    G.error(L) << "division by zero";
    return false;
  case FoldStatus::Overflow:
    G.error(L) << "the result overflows";
    return false;
  case FoldStatus::NotFoldable:
    G.error(L) << "cannot compute this at compile time";
    return false;
  }
  return false;
}

GenResult Generator::genBinary(const BinaryExpr &E) {
  GenResult L = genExpr(E.getLHS());
  if (!L)
    return std::nullopt;
  GenResult R = genExpr(E.getRHS());
  if (!R)
    return std::nullopt;
  llvm::StringRef Op = getBinaryOpSpelling(E.getOp());
  for (const GenValue *Side : {&*L, &*R})
    if (!Side->isTensor() && !Side->isNumber()) {
      error(E.getLoc()) << "operator '" << Op << "' cannot be applied to "
                        << describe(*Side);
      return std::nullopt;
    }

  if (E.getOp() == BinaryOp::MatMul) {
    for (auto [Side, X] :
         {std::pair<const GenValue *, const Expr *>{&*L, &E.getLHS()},
          {&*R, &E.getRHS()}}) {
      if (!Side->isTensor()) {
        error(*X) << "'@' multiplies two tensors, but '" << printExpr(*X)
                  << "' is " << describe(*Side) << "; use '*'";
        return std::nullopt;
      }
      if (failed(requireFloat(*Side, *X, "'@'")))
        return std::nullopt;
    }
    auto MM = create<mlir::dl::MatmulOp>(E.getLoc(), {L->Tensor, R->Tensor});
    if (!MM)
      return std::nullopt;
    return GenValue::tensor(MM.getResult());
  }

  // Numbers fold at compile time: `d / heads`, `1 / sqrt(hd)`.
  if (L->isNumber() && R->isNumber()) {
    ConstValue V;
    if (!checkFold(foldBinary(E.getOp(), L->Num, R->Num, V), *this, E.getLoc()))
      return std::nullopt;
    return GenValue::number(V);
  }

  // A number next to a tensor becomes a rank-0 tensor of its element type.
  const GenValue &T = L->isTensor() ? *L : *R;
  for (auto [Side, X] :
       {std::pair<const GenValue *, const Expr *>{&*L, &E.getLHS()},
        {&*R, &E.getRHS()}})
    if (Side->isTensor() &&
        failed(requireFloat(*Side, *X, "operator '" + Op + "'")))
      return std::nullopt;
  mlir::Type Element = T.getType().getElementType();
  mlir::Value LV =
      L->isTensor() ? L->Tensor : makeScalar(L->Num, Element, E.getLoc());
  mlir::Value RV =
      R->isTensor() ? R->Tensor : makeScalar(R->Num, Element, E.getLoc());
  llvm::StringRef Name;
  switch (E.getOp()) {
  case BinaryOp::Add:
    Name = mlir::dl::AddOp::getOperationName();
    break;
  case BinaryOp::Sub:
    Name = mlir::dl::SubOp::getOperationName();
    break;
  case BinaryOp::Mul:
    Name = mlir::dl::MulOp::getOperationName();
    break;
  case BinaryOp::Div:
    Name = mlir::dl::DivOp::getOperationName();
    break;
  case BinaryOp::MatMul:
    break;
  }
  mlir::Operation *Result = createOp(Name, E.getLoc(), {LV, RV}, {}, 1);
  if (!Result)
    return std::nullopt;
  return GenValue::tensor(Result->getResult(0));
}

GenResult Generator::genNegate(const NegateExpr &E) {
  GenResult V = genExpr(E.getOperand());
  if (!V)
    return std::nullopt;
  if (V->isNumber()) {
    ConstValue Result;
    if (!checkFold(foldNegate(V->Num, Result), *this, E.getLoc()))
      return std::nullopt;
    return GenValue::number(Result);
  }
  if (!V->isTensor()) {
    error(E.getLoc()) << "cannot negate " << describe(*V);
    return std::nullopt;
  }
  if (failed(requireFloat(*V, E.getOperand(), "negation")))
    return std::nullopt;
  auto Neg = create<mlir::dl::NegOp>(E.getLoc(), {V->Tensor});
  if (!Neg)
    return std::nullopt;
  return GenValue::tensor(Neg.getResult());
}

GenResult Generator::genIndex(const IndexExpr &E) {
  GenResult Base = genTensor(E.getBase(), "an indexed value");
  if (!Base)
    return std::nullopt;
  llvm::ArrayRef<int64_t> Shape = Base->getShape();
  int64_t Rank = Shape.size();
  llvm::ArrayRef<Subscript> Subs = E.getSubscripts();
  int64_t NumAxes = llvm::count_if(
      Subs, [](const Subscript &S) { return S.Kind != Subscript::Ellipsis; });
  if (NumAxes > Rank) {
    error(E.getLoc()) << "too many indices: " << NumAxes << " for '"
                      << printExpr(E.getBase()) << "', which is "
                      << describe(*Base);
    return std::nullopt;
  }

  llvm::SmallVector<int64_t> Starts(Rank, 0), Limits(Shape), Strides(Rank, 1);
  llvm::SmallVector<bool> Dropped(Rank, false);
  int64_t Axis = 0;
  for (const Subscript &S : Subs) {
    if (S.Kind == Subscript::Ellipsis) {
      Axis += Rank - NumAxes;
      continue;
    }
    int64_t Size = Shape[Axis];
    auto Where = [&]() {
      return "axis " + std::to_string(Axis) + " of '" + printExpr(E.getBase()) +
             "' (" + describe(*Base) + ")";
    };
    if (S.Kind == Subscript::Index) {
      std::optional<int64_t> I = genInt(*S.Start, "an index");
      if (!I)
        return std::nullopt;
      int64_t Resolved = *I < 0 ? *I + Size : *I;
      if (Resolved < 0 || Resolved >= Size) {
        error(*S.Start) << "index " << *I << " is out of range for " << Where();
        return std::nullopt;
      }
      Starts[Axis] = Resolved;
      Limits[Axis] = Resolved + 1;
      Dropped[Axis] = true;
      ++Axis;
      continue;
    }
    // A slice, Python style: negative bounds count from the end and are
    // clamped to the axis.
    auto Bound = [&](const ExprPtr &X, int64_t Default,
                     const char *What) -> std::optional<int64_t> {
      if (!X)
        return Default;
      std::optional<int64_t> V = genInt(*X, What);
      if (!V)
        return std::nullopt;
      int64_t R = *V < 0 ? *V + Size : *V;
      return std::clamp<int64_t>(R, 0, Size);
    };
    std::optional<int64_t> Start = Bound(S.Start, 0, "the slice start");
    std::optional<int64_t> Stop = Bound(S.Stop, Size, "the slice stop");
    if (!Start || !Stop)
      return std::nullopt;
    int64_t Step = 1;
    if (S.Step) {
      std::optional<int64_t> V = genInt(*S.Step, "the slice step");
      if (!V)
        return std::nullopt;
      if (*V < 1) {
        error(*S.Step) << "the slice step must be >= 1, but it is " << *V;
        return std::nullopt;
      }
      Step = *V;
    }
    if (*Start >= *Stop) {
      error(S.Loc) << "the slice " << *Start << ":" << *Stop << " is empty for "
                   << Where();
      return std::nullopt;
    }
    Starts[Axis] = *Start;
    Limits[Axis] = *Stop;
    Strides[Axis] = Step;
    ++Axis;
  }

  bool Identity = true;
  for (int64_t I = 0; I < Rank; ++I)
    Identity &= Starts[I] == 0 && Limits[I] == Shape[I] && Strides[I] == 1;
  if (Identity)
    return Base;
  auto Slice = create<mlir::dl::SliceOp>(
      E.getLoc(), {Base->Tensor},
      {Builder.getNamedAttr("starts", Builder.getDenseI64ArrayAttr(Starts)),
       Builder.getNamedAttr("limits", Builder.getDenseI64ArrayAttr(Limits)),
       Builder.getNamedAttr("strides", Builder.getDenseI64ArrayAttr(Strides))});
  if (!Slice)
    return std::nullopt;
  mlir::Value Result = Slice.getResult();
  if (llvm::is_contained(Dropped, true)) {
    // Indexed axes are dropped, as in NumPy.
    llvm::SmallVector<int64_t> Kept;
    for (int64_t I = 0; I < Rank; ++I)
      if (!Dropped[I])
        Kept.push_back(Slice.getType().getShape()[I]);
    Result = reshape(Result, Kept, E.getLoc());
    if (!Result)
      return std::nullopt;
  }
  return GenValue::tensor(Result);
}

GenResult Generator::genCall(const CallExpr &C) {
  if (const FunctionDecl *Block = C.getBlock()) {
    DepthGuard Guard(Depth, BlockCallDepth);
    if (Depth > MaxDepth) {
      error(C.getLoc()) << "blocks call blocks too deeply here (more than "
                        << MaxDepth / BlockCallDepth << " levels)";
      return std::nullopt;
    }
    return genBlockCall(C, *Block);
  }
  const BuiltinFunction *Fn = C.getBuiltin();
  if (!Fn) {
    error(C.getLoc()) << "internal error: call of '" << C.getCallee()
                      << "' was not resolved";
    return std::nullopt;
  }
  std::optional<Args> A = genArgs(C);
  if (!A)
    return std::nullopt;
  switch (Fn->Category) {
  case BuiltinCategory::Layer:
    return genLayer(C, *A);
  case BuiltinCategory::Op:
    return genOp(C, *A);
  case BuiltinCategory::Loss:
  case BuiltinCategory::Metric:
    return genLoss(C, *A);
  case BuiltinCategory::Init:
    return genInit(C, *A);
  default:
    error(C.getLoc()) << "'" << C.getCallee()
                      << "' belongs in the train section";
    return std::nullopt;
  }
}
