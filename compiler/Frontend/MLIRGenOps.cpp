//===- MLIRGenOps.cpp - Built-in operations, losses and initializers ------===//
//
// Part of dlcc, an ahead-of-time compiler for training deep networks.
//
//===----------------------------------------------------------------------===//
//
// The arguments of built-in calls (evaluated in source order and checked
// against the table of Builtins.cpp) and the operations without parameters:
// shapes, activations, pooling, reductions, attention, losses, metrics and
// initializers. Layers are in MLIRGenLayers.cpp.
//
//===----------------------------------------------------------------------===//

#include "compiler/Frontend/MLIRGenInternal.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>

using namespace dlcc;
using namespace dlcc::gen;

//===----------------------------------------------------------------------===//
// Arguments
//===----------------------------------------------------------------------===//

const Expr *Generator::Args::expr(llvm::StringRef Name) const {
  int I = Fn->findParam(Name);
  return I < 0 ? nullptr : Call->getBoundArgs()[I];
}

bool Generator::Args::has(llvm::StringRef Name) const {
  int I = Fn->findParam(Name);
  return I >= 0 && Values[I].has_value();
}

std::optional<Generator::Args> Generator::genArgs(const CallExpr &C) {
  Args A;
  A.Call = &C;
  A.Fn = C.getBuiltin();
  llvm::ArrayRef<const Expr *> Bound = C.getBoundArgs();
  A.Values.resize(A.Fn->Params.size());
  if (Bound.size() != A.Fn->Params.size()) {
    error(C.getLoc()) << "internal error: the arguments of '" << C.getCallee()
                      << "' were not bound";
    return std::nullopt;
  }
  // Source order: positional arguments, then keywords.
  auto Evaluate = [&](const Expr &E) -> bool {
    for (unsigned I = 0; I != Bound.size(); ++I)
      if (Bound[I] == &E) {
        GenResult V = genExpr(E);
        if (!V)
          return false;
        A.Values[I] = std::move(*V);
      }
    return true;
  };
  for (const ExprPtr &X : C.getArgs())
    if (!Evaluate(*X))
      return std::nullopt;
  for (const KeywordArg &K : C.getKeywords())
    if (!Evaluate(*K.Value))
      return std::nullopt;
  return A;
}

/// "argument 'out' of 'linear'".
static std::string argName(const Generator::Args &A, llvm::StringRef Name) {
  return ("argument '" + Name + "' of '" + A.Fn->Name + "'").str();
}

GenResult Generator::tensorArg(const Args &A, llvm::StringRef Name) {
  int I = A.Fn->findParam(Name);
  const std::optional<GenValue> &V = A.Values[I];
  if (!V) {
    error(A.Call->getLoc()) << "missing " << argName(A, Name);
    return std::nullopt;
  }
  if (!V->isTensor()) {
    const Expr &E = *A.expr(Name);
    error(E) << argName(A, Name) << " must be a tensor, but '" << printExpr(E)
             << "' is " << describe(*V);
    return std::nullopt;
  }
  return V;
}

/// Checks a number against the range of its parameter.
static bool checkRange(Generator &G, const Generator::Args &A,
                       llvm::StringRef Name, const ConstValue &V) {
  const ParamSpec &P = A.Fn->Params[A.Fn->findParam(Name)];
  if (P.Range.contains(V.asDouble()))
    return true;
  const Expr &E = *A.expr(Name);
  G.error(E) << argName(A, Name) << " must be " << P.Range.describe()
             << ", but '" << printExpr(E) << "' is " << V.str();
  return false;
}

std::optional<int64_t> Generator::intArg(const Args &A, llvm::StringRef Name,
                                         int64_t Default) {
  const std::optional<GenValue> &V = A.Values[A.Fn->findParam(Name)];
  if (!V)
    return Default;
  if (!V->isInt()) {
    const Expr &E = *A.expr(Name);
    error(E) << argName(A, Name) << " must be an integer, but '" << printExpr(E)
             << "' is " << describe(*V);
    return std::nullopt;
  }
  if (!checkRange(*this, A, Name, V->Num))
    return std::nullopt;
  return V->Num.Int;
}

std::optional<double> Generator::numberArg(const Args &A, llvm::StringRef Name,
                                           double Default) {
  const std::optional<GenValue> &V = A.Values[A.Fn->findParam(Name)];
  if (!V)
    return Default;
  if (!V->isNumber()) {
    const Expr &E = *A.expr(Name);
    error(E) << argName(A, Name) << " must be a number, but '" << printExpr(E)
             << "' is " << describe(*V);
    return std::nullopt;
  }
  if (!checkRange(*this, A, Name, V->Num))
    return std::nullopt;
  return V->Num.asDouble();
}

std::optional<bool> Generator::boolArg(const Args &A, llvm::StringRef Name,
                                       bool Default) {
  const std::optional<GenValue> &V = A.Values[A.Fn->findParam(Name)];
  if (!V)
    return Default;
  if (V->Kind != GenValue::BoolKind) {
    const Expr &E = *A.expr(Name);
    error(E) << argName(A, Name) << " must be true or false, but '"
             << printExpr(E) << "' is " << describe(*V);
    return std::nullopt;
  }
  return V->Flag;
}

std::optional<std::optional<std::string>>
Generator::stringArg(const Args &A, llvm::StringRef Name) {
  const std::optional<GenValue> &V = A.Values[A.Fn->findParam(Name)];
  if (!V)
    return std::optional<std::string>();
  const Expr &E = *A.expr(Name);
  if (V->Kind != GenValue::StringKind) {
    error(E) << argName(A, Name) << " must be a string, but '" << printExpr(E)
             << "' is " << describe(*V);
    return std::nullopt;
  }
  if (V->Str.empty()) {
    error(E) << argName(A, Name) << " must not be empty";
    return std::nullopt;
  }
  return std::optional<std::string>(V->Str);
}

std::optional<std::vector<int64_t>>
Generator::shapeArg(const Args &A, llvm::StringRef Name, bool AllowInfer) {
  const std::optional<GenValue> &V = A.Values[A.Fn->findParam(Name)];
  const Expr &E = *A.expr(Name);
  if (!V || V->Kind != GenValue::ListKind || V->Elements.empty()) {
    error(E) << argName(A, Name)
             << " must be a list of dimensions such as [B, 16], but '"
             << printExpr(E) << "' is " << (V ? describe(*V) : "missing");
    return std::nullopt;
  }
  const auto *List = llvm::dyn_cast<ListExpr>(&E);
  std::vector<int64_t> Shape;
  for (auto [I, D] : llvm::enumerate(V->Elements)) {
    const Expr &DE = List ? *List->getElements()[I] : E;
    if (!D.isInt()) {
      error(DE) << "a dimension in " << argName(A, Name)
                << " must be an integer, but '" << printExpr(DE) << "' is "
                << describe(D);
      return std::nullopt;
    }
    int64_t N = D.Num.Int;
    if (N < 1 && !(AllowInfer && N == -1)) {
      error(DE) << "a dimension in " << argName(A, Name) << " must be >= 1"
                << (AllowInfer ? " (or -1 to infer it)" : "") << ", but '"
                << printExpr(DE) << "' is " << N;
      return std::nullopt;
    }
    Shape.push_back(N);
  }
  return Shape;
}

//===----------------------------------------------------------------------===//
// Operations
//===----------------------------------------------------------------------===//

/// Reshape with one inferred (-1) dimension at most.
static GenResult genReshape(Generator &G, const CallExpr &C,
                            const Generator::Args &A) {
  GenResult X = G.tensorArg(A, "x");
  std::optional<std::vector<int64_t>> Shape =
      X ? G.shapeArg(A, "shape", /*AllowInfer=*/true) : std::nullopt;
  if (!Shape)
    return std::nullopt;
  int64_t In = X->getType().getNumElements();
  int64_t Known = 1;
  int Inferred = -1;
  for (auto [I, D] : llvm::enumerate(*Shape)) {
    if (D != -1) {
      if (llvm::MulOverflow(Known, D, Known) || Known > (int64_t(1) << 48)) {
        G.error(*A.expr("shape"))
            << "reshape: the shape " << mlir::dl::formatShape(*Shape)
            << " has too many elements";
        return std::nullopt;
      }
      continue;
    }
    if (Inferred >= 0) {
      G.error(*A.expr("shape")) << "reshape: only one dimension can be -1";
      return std::nullopt;
    }
    Inferred = I;
  }
  std::vector<int64_t> Target = *Shape;
  if (Inferred >= 0) {
    if (In % Known != 0) {
      G.error(C.getLoc()) << "reshape: cannot reshape '"
                          << printExpr(*A.expr("x")) << "' " << describe(*X)
                          << " (" << In << " elements) into "
                          << mlir::dl::formatShape(Target) << ": " << In
                          << " is not a multiple of " << Known;
      return std::nullopt;
    }
    Target[Inferred] = In / Known;
  }
  if (Known != In && Inferred < 0) {
    G.error(C.getLoc()) << "reshape: cannot reshape '"
                        << printExpr(*A.expr("x")) << "' " << describe(*X)
                        << " (" << In << " elements) into "
                        << mlir::dl::formatShape(Target) << " (" << Known
                        << " elements)";
    return std::nullopt;
  }
  mlir::Value R = G.reshape(X->Tensor, Target, C.getLoc());
  if (!R)
    return std::nullopt;
  return GenValue::tensor(R);
}

/// Elementwise functions of tensors or, folded, of numbers.
static GenResult genMath(Generator &G, const CallExpr &C,
                         const Generator::Args &A, llvm::StringRef Name) {
  const GenValue &X = *A.Values[0];
  const Expr &E = *A.expr("x");
  if (X.isNumber()) {
    double V = X.Num.asDouble();
    if (Name == "sqrt" && V < 0) {
      G.error(E) << "sqrt of a negative number: '" << printExpr(E) << "' is "
                 << X.Num.str();
      return std::nullopt;
    }
    if (Name == "log" && V <= 0) {
      G.error(E) << "log of a number <= 0: '" << printExpr(E) << "' is "
                 << X.Num.str();
      return std::nullopt;
    }
    double R = Name == "exp"    ? std::exp(V)
               : Name == "log"  ? std::log(V)
               : Name == "sqrt" ? std::sqrt(V)
                                : std::fabs(V);
    if (Name == "abs" && X.Num.IsInt)
      return GenValue::integer(X.Num.Int < 0 ? -X.Num.Int : X.Num.Int);
    if (!std::isfinite(R)) {
      G.error(C.getLoc()) << Name << "(" << X.Num.str() << ") overflows";
      return std::nullopt;
    }
    return GenValue::number(ConstValue::ofFloat(R));
  }
  if (!X.isTensor()) {
    G.error(E) << "argument 'x' of '" << Name
               << "' must be a tensor or a number, but '" << printExpr(E)
               << "' is " << describe(X);
    return std::nullopt;
  }
  if (failed(G.requireFloat(X, E, Name)))
    return std::nullopt;
  llvm::StringRef Op = llvm::StringSwitch<llvm::StringRef>(Name)
                           .Case("exp", mlir::dl::ExpOp::getOperationName())
                           .Case("log", mlir::dl::LogOp::getOperationName())
                           .Case("sqrt", mlir::dl::SqrtOp::getOperationName())
                           .Default(mlir::dl::AbsOp::getOperationName());
  mlir::Operation *R = G.createOp(Op, C.getLoc(), X.Tensor, {}, 1);
  if (!R)
    return std::nullopt;
  return GenValue::tensor(R->getResult(0));
}

GenResult Generator::genOp(const CallExpr &C, const Args &A) {
  llvm::StringRef Name = A.Fn->Name;
  const Location &L = C.getLoc();
  auto Result = [](mlir::Operation *Op) -> GenResult {
    if (!Op)
      return std::nullopt;
    return GenValue::tensor(Op->getResult(0));
  };
  auto I64 = [&](int64_t V) { return Builder.getI64IntegerAttr(V); };
  auto Pair = [&](int64_t V) { return Builder.getDenseI64ArrayAttr({V, V}); };
  /// The tensor argument `x`, which must hold floats.
  auto FloatX = [&](llvm::StringRef Arg = "x") -> GenResult {
    GenResult X = tensorArg(A, Arg);
    if (!X || failed(requireFloat(*X, *A.expr(Arg), Name)))
      return std::nullopt;
    return X;
  };

  if (Name == "exp" || Name == "log" || Name == "sqrt" || Name == "abs")
    return genMath(*this, C, A, Name);

  if (Name == "relu" || Name == "silu" || Name == "sigmoid" || Name == "tanh" ||
      Name == "gelu") {
    GenResult X = FloatX();
    if (!X)
      return std::nullopt;
    // gelu is exact, as PyTorch's default (approximate = 'none').
    return Result(createOp(("dl." + Name).str(), L, X->Tensor, {}, 1));
  }

  if (Name == "softmax" || Name == "log_softmax") {
    GenResult X = FloatX();
    std::optional<int64_t> Axis = X ? intArg(A, "axis", -1) : std::nullopt;
    if (!Axis)
      return std::nullopt;
    return Result(createOp(("dl." + Name).str(), L, X->Tensor,
                           {Builder.getNamedAttr("axis", I64(*Axis))}, 1));
  }

  if (Name == "matmul") {
    GenResult X = FloatX("a"), Y = X ? FloatX("b") : std::nullopt;
    if (!Y)
      return std::nullopt;
    return Result(create<mlir::dl::MatmulOp>(L, {X->Tensor, Y->Tensor}));
  }

  if (Name == "attention") {
    GenResult Q = FloatX("q");
    GenResult K = Q ? FloatX("k") : std::nullopt;
    GenResult V = K ? FloatX("v") : std::nullopt;
    std::optional<bool> Causal = V ? boolArg(A, "causal", false) : std::nullopt;
    if (!Causal)
      return std::nullopt;
    llvm::SmallVector<mlir::NamedAttribute> Attrs;
    if (*Causal)
      Attrs.push_back(Builder.getNamedAttr("causal", Builder.getUnitAttr()));
    if (A.has("scale")) {
      std::optional<double> Scale = numberArg(A, "scale", 1.0);
      if (!Scale)
        return std::nullopt;
      if (!(*Scale > 0)) {
        error(*A.expr("scale")) << "argument 'scale' of 'attention' must be "
                                   "> 0, but it is "
                                << *Scale;
        return std::nullopt;
      }
      Attrs.push_back(
          Builder.getNamedAttr("scale", Builder.getF64FloatAttr(*Scale)));
    }
    // The second result, the row log-sum-exps, is for the backward.
    return Result(create<mlir::dl::AttentionOp>(
        L, {Q->Tensor, K->Tensor, V->Tensor}, Attrs, /*NumResults=*/2));
  }

  if (Name == "reshape")
    return genReshape(*this, C, A);

  if (Name == "transpose") {
    GenResult X = tensorArg(A, "x");
    std::optional<int64_t> First = X ? intArg(A, "a", 0) : std::nullopt;
    std::optional<int64_t> Second = First ? intArg(A, "b", 0) : std::nullopt;
    if (!Second)
      return std::nullopt;
    int64_t Rank = X->getShape().size();
    std::optional<int64_t> AxisA =
        resolveAxis(*First, Rank, *A.expr("a"), "transpose");
    std::optional<int64_t> AxisB =
        AxisA ? resolveAxis(*Second, Rank, *A.expr("b"), "transpose")
              : std::nullopt;
    if (!AxisB)
      return std::nullopt;
    llvm::SmallVector<int64_t> Perm;
    for (int64_t I = 0; I < Rank; ++I)
      Perm.push_back(I);
    std::swap(Perm[*AxisA], Perm[*AxisB]);
    return Result(create<mlir::dl::TransposeOp>(
        L, {X->Tensor},
        {Builder.getNamedAttr("permutation",
                              Builder.getDenseI64ArrayAttr(Perm))}));
  }

  if (Name == "flatten") {
    GenResult X = tensorArg(A, "x");
    std::optional<int64_t> Start = X ? intArg(A, "start", 1) : std::nullopt;
    if (!Start)
      return std::nullopt;
    llvm::ArrayRef<int64_t> Shape = X->getShape();
    int64_t Rank = Shape.size();
    const Expr &At = A.has("start") ? *A.expr("start") : C;
    std::optional<int64_t> Axis = resolveAxis(*Start, Rank, At, "flatten");
    if (!Axis)
      return std::nullopt;
    llvm::SmallVector<int64_t> Target(Shape.take_front(*Axis));
    int64_t Merged = 1;
    for (int64_t D : Shape.drop_front(*Axis))
      Merged *= D;
    Target.push_back(Merged);
    mlir::Value R = reshape(X->Tensor, Target, L);
    if (!R)
      return std::nullopt;
    return GenValue::tensor(R);
  }

  if (Name == "split") {
    GenResult X = tensorArg(A, "x");
    std::optional<int64_t> N = X ? intArg(A, "n", 1) : std::nullopt;
    std::optional<int64_t> Axis = N ? intArg(A, "axis", -1) : std::nullopt;
    if (!Axis)
      return std::nullopt;
    llvm::ArrayRef<int64_t> Shape = X->getShape();
    const Expr &At = A.has("axis") ? *A.expr("axis") : C;
    std::optional<int64_t> Resolved =
        resolveAxis(*Axis, Shape.size(), At, "split");
    if (!Resolved)
      return std::nullopt;
    int64_t Size = Shape[*Resolved];
    if (Size % *N != 0) {
      error(C.getLoc()) << "split: axis " << *Resolved << " of '"
                        << printExpr(*A.expr("x")) << "' " << describe(*X)
                        << " has size " << Size << ", which is not divisible "
                        << "into " << *N << " equal parts";
      return std::nullopt;
    }
    llvm::SmallVector<int64_t> Sizes(*N, Size / *N);
    mlir::Operation *Op = createOp(
        mlir::dl::SplitOp::getOperationName(), L, X->Tensor,
        {Builder.getNamedAttr("axis", I64(*Resolved)),
         Builder.getNamedAttr("sizes", Builder.getDenseI64ArrayAttr(Sizes))},
        *N);
    if (!Op)
      return std::nullopt;
    GenValue Tuple;
    Tuple.Kind = GenValue::TupleKind;
    for (mlir::Value V : Op->getResults())
      Tuple.Elements.push_back(GenValue::tensor(V));
    return Tuple;
  }

  if (Name == "concat") {
    const std::optional<GenValue> &List = A.Values[0];
    const Expr &E = *A.expr("list");
    if (!List || List->Kind != GenValue::ListKind || List->Elements.empty()) {
      error(E) << "argument 'list' of 'concat' must be a list of tensors, "
                  "but '"
               << printExpr(E) << "' is "
               << (List ? describe(*List) : "missing");
      return std::nullopt;
    }
    llvm::SmallVector<mlir::Value> Inputs;
    for (const GenValue &V : List->Elements) {
      if (!V.isTensor()) {
        error(E) << "concat joins tensors, but '" << printExpr(E) << "' holds "
                 << describe(V);
        return std::nullopt;
      }
      Inputs.push_back(V.Tensor);
    }
    std::optional<int64_t> Axis = intArg(A, "axis", -1);
    if (!Axis)
      return std::nullopt;
    std::optional<int64_t> Resolved =
        resolveAxis(*Axis, List->Elements[0].getShape().size(),
                    A.has("axis") ? *A.expr("axis") : C, "concat");
    if (!Resolved)
      return std::nullopt;
    return Result(create<mlir::dl::ConcatOp>(
        L, Inputs, {Builder.getNamedAttr("axis", I64(*Resolved))}));
  }

  if (Name == "positions" || Name == "causal_mask") {
    std::optional<int64_t> N = intArg(A, "n", 1);
    if (!N)
      return std::nullopt;
    llvm::SmallVector<int64_t> Shape{*N};
    if (Name == "causal_mask")
      Shape.push_back(*N);
    if (failed(checkShape(Shape, L, Name)))
      return std::nullopt;
    mlir::Type Element = Name == "positions" ? mlir::Type(Builder.getI32Type())
                                             : mlir::Type(Builder.getF32Type());
    return Result(createTyped(("dl." + Name).str(), L, {},
                              mlir::RankedTensorType::get(Shape, Element)));
  }

  if (Name == "dim") {
    GenResult X = tensorArg(A, "x");
    std::optional<int64_t> Axis = X ? intArg(A, "axis", 0) : std::nullopt;
    if (!Axis)
      return std::nullopt;
    std::optional<int64_t> Resolved =
        resolveAxis(*Axis, X->getShape().size(), *A.expr("axis"), "dim");
    if (!Resolved)
      return std::nullopt;
    return GenValue::integer(X->getShape()[*Resolved]);
  }

  if (Name == "one_hot") {
    GenResult Ids = tensorArg(A, "ids");
    if (!Ids || failed(requireIndex(*Ids, *A.expr("ids"), "one_hot ids")))
      return std::nullopt;
    std::optional<int64_t> N = intArg(A, "n", 1);
    if (!N)
      return std::nullopt;
    llvm::SmallVector<int64_t> Shape(Ids->getShape());
    Shape.push_back(*N);
    if (failed(checkShape(Shape, L, "the result of one_hot")))
      return std::nullopt;
    return Result(
        createTyped(mlir::dl::OneHotOp::getOperationName(), L, Ids->Tensor,
                    mlir::RankedTensorType::get(Shape, Builder.getF32Type())));
  }

  if (Name == "where") {
    const Expr &E = *A.expr("cond");
    error(E) << "where: the condition must be a boolean tensor, but '"
             << printExpr(E) << "' is "
             << (A.Values[0] ? describe(*A.Values[0]) : "missing")
             << "; the language has no comparisons yet, so no expression "
                "gives a boolean tensor";
    return std::nullopt;
  }

  if (Name == "dropout") {
    GenResult X = FloatX();
    std::optional<double> Rate = X ? numberArg(A, "p", 0) : std::nullopt;
    if (!Rate)
      return std::nullopt;
    if (*Rate >= 1) {
      error(*A.expr("p")) << "dropout: p must be < 1, but it is " << *Rate;
      return std::nullopt;
    }
    return Result(create<mlir::dl::DropoutOp>(
        L, {X->Tensor},
        {Builder.getNamedAttr("rate", Builder.getF64FloatAttr(*Rate)),
         Builder.getNamedAttr("key", I64(NextDropoutKey++))}));
  }

  if (Name == "maxpool" || Name == "avgpool") {
    GenResult X = FloatX();
    std::optional<int64_t> Kernel = X ? intArg(A, "kernel", 1) : std::nullopt;
    std::optional<int64_t> Stride =
        Kernel ? intArg(A, "stride", *Kernel) : std::nullopt;
    std::optional<int64_t> Padding =
        Stride ? intArg(A, "padding", 0) : std::nullopt;
    if (!Padding)
      return std::nullopt;
    llvm::StringRef Op = Name == "maxpool"
                             ? mlir::dl::MaxPool2DOp::getOperationName()
                             : mlir::dl::AvgPool2DOp::getOperationName();
    return Result(createOp(Op, L, X->Tensor,
                           {Builder.getNamedAttr("kernel", Pair(*Kernel)),
                            Builder.getNamedAttr("stride", Pair(*Stride)),
                            Builder.getNamedAttr("padding", Pair(*Padding))},
                           1));
  }

  if (Name == "sum" || Name == "mean" || Name == "max") {
    GenResult X = FloatX();
    if (!X)
      return std::nullopt;
    llvm::SmallVector<int64_t> Axes;
    if (A.has("axis")) {
      std::optional<int64_t> Axis = intArg(A, "axis", 0);
      std::optional<int64_t> Resolved =
          Axis ? resolveAxis(*Axis, X->getShape().size(), *A.expr("axis"), Name)
               : std::nullopt;
      if (!Resolved)
        return std::nullopt;
      Axes.push_back(*Resolved);
    }
    std::optional<bool> KeepDim = boolArg(A, "keepdim", false);
    if (!KeepDim)
      return std::nullopt;
    llvm::SmallVector<mlir::NamedAttribute> Attrs;
    if (!Axes.empty())
      Attrs.push_back(
          Builder.getNamedAttr("axes", Builder.getDenseI64ArrayAttr(Axes)));
    if (*KeepDim)
      Attrs.push_back(Builder.getNamedAttr("keepdim", Builder.getUnitAttr()));
    return Result(createOp(("dl." + Name).str(), L, X->Tensor, Attrs, 1));
  }

  error(L) << "'" << Name << "' is not supported by MLIR generation yet";
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Losses and metrics
//===----------------------------------------------------------------------===//

GenResult Generator::genLoss(const CallExpr &C, const Args &A) {
  llvm::StringRef Name = A.Fn->Name;
  const Location &L = C.getLoc();
  auto Result = [](mlir::Operation *Op) -> GenResult {
    if (!Op)
      return std::nullopt;
    return GenValue::tensor(Op->getResult(0));
  };
  auto Float = [&](llvm::StringRef Arg) -> GenResult {
    GenResult X = tensorArg(A, Arg);
    if (!X || failed(requireFloat(*X, *A.expr(Arg), Name)))
      return std::nullopt;
    return X;
  };

  if (Name == "cross_entropy" || Name == "accuracy") {
    GenResult Logits = Float("logits");
    GenResult Labels = Logits ? tensorArg(A, "labels") : std::nullopt;
    if (!Labels ||
        failed(requireIndex(*Labels, *A.expr("labels"), Name + " labels")))
      return std::nullopt;
    llvm::SmallVector<mlir::NamedAttribute> Attrs;
    if (Name == "cross_entropy") {
      std::optional<double> Smoothing = numberArg(A, "label_smoothing", 0);
      std::optional<int64_t> Ignore =
          Smoothing ? intArg(A, "ignore_index", -100) : std::nullopt;
      if (!Ignore)
        return std::nullopt;
      if (*Smoothing >= 1) {
        error(*A.expr("label_smoothing"))
            << "cross_entropy: label_smoothing must be < 1, but it is "
            << *Smoothing;
        return std::nullopt;
      }
      if (A.has("label_smoothing"))
        Attrs.push_back(Builder.getNamedAttr(
            "label_smoothing", Builder.getF64FloatAttr(*Smoothing)));
      if (A.has("ignore_index"))
        Attrs.push_back(Builder.getNamedAttr(
            "ignore_index", Builder.getI64IntegerAttr(*Ignore)));
      return Result(create<mlir::dl::CrossEntropyOp>(
          L, {Logits->Tensor, Labels->Tensor}, Attrs));
    }
    return Result(
        create<mlir::dl::AccuracyOp>(L, {Logits->Tensor, Labels->Tensor}));
  }

  llvm::StringRef First = A.Fn->Params[0].Name, Second = A.Fn->Params[1].Name;
  GenResult X = Float(First);
  GenResult Y = X ? Float(Second) : std::nullopt;
  if (!Y)
    return std::nullopt;
  if (Name == "contrastive") {
    std::optional<double> T = numberArg(A, "temperature", 0.07);
    if (!T)
      return std::nullopt;
    return Result(create<mlir::dl::ContrastiveOp>(
        L, {X->Tensor, Y->Tensor},
        {Builder.getNamedAttr("temperature", Builder.getF64FloatAttr(*T))}));
  }
  llvm::StringRef Op =
      llvm::StringSwitch<llvm::StringRef>(Name)
          .Case("binary_cross_entropy",
                mlir::dl::BinaryCrossEntropyOp::getOperationName())
          .Case("mse", mlir::dl::MSEOp::getOperationName())
          .Default(mlir::dl::L1Op::getOperationName());
  return Result(createOp(Op, L, {X->Tensor, Y->Tensor}, {}, 1));
}

//===----------------------------------------------------------------------===//
// Initializers
//===----------------------------------------------------------------------===//

GenResult Generator::genInit(const CallExpr &C, const Args &A) {
  llvm::StringRef Name = A.Fn->Name;
  mlir::dl::InitKind Kind = mlir::dl::InitKind::constant;
  double First = 0, Second = 0;
  if (Name == "zeros" || Name == "ones") {
    First = Name == "ones" ? 1 : 0;
  } else if (Name == "normal") {
    Kind = mlir::dl::InitKind::normal;
    std::optional<double> Mean =
        A.Fn->findParam("mean") >= 0 ? numberArg(A, "mean", 0) : 0.0;
    std::optional<double> Std = Mean ? numberArg(A, "std", 1) : std::nullopt;
    if (!Std)
      return std::nullopt;
    First = *Mean;
    Second = *Std;
  } else {
    Kind = mlir::dl::InitKind::uniform;
    std::optional<double> Low = numberArg(A, "a", 0);
    std::optional<double> High = Low ? numberArg(A, "b", 0) : std::nullopt;
    if (!High)
      return std::nullopt;
    if (*Low > *High) {
      error(C.getLoc()) << "uniform(a, b) needs a <= b, but it is uniform("
                        << *Low << ", " << *High << ")";
      return std::nullopt;
    }
    First = *Low;
    Second = *High;
  }
  GenValue V;
  V.Kind = GenValue::InitKind;
  V.InitValue = mlir::dl::InitAttr::get(&Context, Kind, First, Second);
  return V;
}
