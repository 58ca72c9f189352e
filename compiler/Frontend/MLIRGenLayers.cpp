//===- MLIRGenLayers.cpp - Layers and their parameters --------------------===//
//
// Part of dlcc, an ahead-of-time compiler for training deep networks.
//
//===----------------------------------------------------------------------===//
//
// The built-in layers create their parameters where they are called, with
// PyTorch's layouts and default initializers:
//
//   linear     weight [out, in], bias [out]    uniform(+-1/sqrt(in))
//   conv2d     weight [O, C, K, K], bias [O]   uniform(+-1/sqrt(C*K*K))
//   embedding  weight [num, dim]               normal(0, 1)
//   layernorm  weight [D] = 1, bias [D] = 0
//   rmsnorm    weight [D] = 1
//   batchnorm  weight [C] = 1, bias [C] = 0, buffers running_mean [C] = 0
//              and running_var [C] = 1, updated with dl.assign
//   param      the given shape and initializer (normal(0, 0.02) by default)
//
//===----------------------------------------------------------------------===//

#include "compiler/Frontend/MLIRGenInternal.h"

#include "compiler/Frontend/Diagnostics.h"

#include <cmath>

using namespace dlcc;
using namespace dlcc::gen;

namespace {
using mlir::dl::InitAttr;
using mlir::dl::InitKind;
} // namespace

GenResult Generator::genLayer(const CallExpr &C, const Args &A) {
  llvm::StringRef Name = A.Fn->Name;
  if (Name == "linear")
    return genLinear(C, A);
  if (Name == "conv2d")
    return genConv2D(C, A);
  if (Name == "embedding")
    return genEmbedding(C, A);
  if (Name == "layernorm" || Name == "rmsnorm")
    return genNorm(C, A);
  if (Name == "batchnorm")
    return genBatchNorm(C, A);
  if (Name == "param")
    return genParam(C, A);
  error(C.getLoc()) << "layer '" << Name
                    << "' is not supported by MLIR generation yet";
  return std::nullopt;
}

/// PyTorch's default for linear and convolution weights and biases:
/// kaiming_uniform(a = sqrt(5)) gives uniform(+-1/sqrt(fan_in)).
static InitAttr fanInUniform(mlir::MLIRContext &Context, int64_t FanIn) {
  double Bound = 1.0 / std::sqrt(static_cast<double>(FanIn));
  return InitAttr::get(&Context, InitKind::uniform, -Bound, Bound);
}

static InitAttr constantInit(mlir::MLIRContext &Context, double V) {
  return InitAttr::get(&Context, InitKind::constant, V);
}

GenResult Generator::genLinear(const CallExpr &C, const Args &A) {
  GenResult X = tensorArg(A, "x");
  if (!X || failed(requireFloat(*X, *A.expr("x"), "linear")))
    return std::nullopt;
  if (X->getShape().empty()) {
    error(*A.expr("x")) << "linear: the input must have at least one "
                           "dimension, but '"
                        << printExpr(*A.expr("x")) << "' is " << describe(*X);
    return std::nullopt;
  }
  std::optional<int64_t> Out = intArg(A, "out", 1);
  std::optional<bool> Bias = Out ? boolArg(A, "bias", true) : std::nullopt;
  std::optional<std::optional<std::string>> Name =
      Bias ? stringArg(A, "name") : std::nullopt;
  std::optional<std::optional<std::string>> Tie =
      Name ? stringArg(A, "tie") : std::nullopt;
  if (!Tie)
    return std::nullopt;
  int64_t In = X->getShape().back();
  std::string Scope = allocateName("linear", *Name);
  InitAttr Init = fanInUniform(Context, In);

  mlir::Value Weight;
  if (*Tie) {
    // The weight of an earlier layer, such as GPT-2's tied embedding.
    std::string Target = **Tie + ".weight";
    const Expr &TieExpr = *A.expr("tie");
    mlir::dl::ParameterOp Shared = findParameter(Target);
    if (!Shared) {
      std::vector<llvm::StringRef> Layers;
      for (llvm::StringRef P : getParameterNames())
        if (P.consume_back(".weight"))
          Layers.push_back(P);
      std::string Hint = didYouMean(**Tie, Layers);
      error(TieExpr) << "tie = \"" << **Tie << "\": there is no parameter '"
                     << Target
                     << "' at this point; 'tie' names a layer created "
                        "before this one, such as embedding(ids, num, dim, "
                        "name = \""
                     << **Tie << "\")" << Hint;
      return std::nullopt;
    }
    llvm::ArrayRef<int64_t> Shape = Shared.getTensorType().getShape();
    if (Shape != llvm::ArrayRef<int64_t>{*Out, In}) {
      error(TieExpr) << "tie = \"" << **Tie << "\": '" << Target << "' is "
                     << describeType(Shared.getTensorType())
                     << " but this linear layer needs an [out, in] = "
                     << mlir::dl::formatShape({*Out, In}) << " weight";
      return std::nullopt;
    }
    Weight = readParameter(Shared, C.getLoc());
  } else {
    std::optional<mlir::dl::ParameterOp> W =
        createParameter(Scope + ".weight", {*Out, In}, Init, C.getLoc());
    if (!W)
      return std::nullopt;
    Weight = readParameter(*W, C.getLoc());
  }

  llvm::SmallVector<mlir::Value, 3> Operands{X->Tensor, Weight};
  if (*Bias) {
    std::optional<mlir::dl::ParameterOp> B =
        createParameter(Scope + ".bias", {*Out}, Init, C.getLoc());
    if (!B)
      return std::nullopt;
    Operands.push_back(readParameter(*B, C.getLoc()));
  }
  auto Op = create<mlir::dl::LinearOp>(C.getLoc(), Operands);
  if (!Op)
    return std::nullopt;
  return GenValue::tensor(Op.getResult());
}

GenResult Generator::genConv2D(const CallExpr &C, const Args &A) {
  GenResult X = tensorArg(A, "x");
  if (!X || failed(requireFloat(*X, *A.expr("x"), "conv2d")))
    return std::nullopt;
  if (X->getShape().size() != 4) {
    error(*A.expr("x")) << "conv2d: the input must be [N, C, H, W], but '"
                        << printExpr(*A.expr("x")) << "' is " << describe(*X);
    return std::nullopt;
  }
  std::optional<int64_t> Channels = intArg(A, "channels", 1);
  std::optional<int64_t> Kernel =
      Channels ? intArg(A, "kernel", 1) : std::nullopt;
  std::optional<int64_t> Stride =
      Kernel ? intArg(A, "stride", 1) : std::nullopt;
  std::optional<int64_t> Padding =
      Stride ? intArg(A, "padding", 0) : std::nullopt;
  std::optional<bool> Bias = Padding ? boolArg(A, "bias", true) : std::nullopt;
  std::optional<std::optional<std::string>> Name =
      Bias ? stringArg(A, "name") : std::nullopt;
  if (!Name)
    return std::nullopt;
  int64_t In = X->getShape()[1];
  std::string Scope = allocateName("conv2d", *Name);
  InitAttr Init = fanInUniform(Context, In * *Kernel * *Kernel);
  std::optional<mlir::dl::ParameterOp> W = createParameter(
      Scope + ".weight", {*Channels, In, *Kernel, *Kernel}, Init, C.getLoc());
  if (!W)
    return std::nullopt;
  llvm::SmallVector<mlir::Value, 3> Operands{X->Tensor,
                                             readParameter(*W, C.getLoc())};
  if (*Bias) {
    std::optional<mlir::dl::ParameterOp> B =
        createParameter(Scope + ".bias", {*Channels}, Init, C.getLoc());
    if (!B)
      return std::nullopt;
    Operands.push_back(readParameter(*B, C.getLoc()));
  }
  auto Op = create<mlir::dl::Conv2DOp>(
      C.getLoc(), Operands,
      {Builder.getNamedAttr("stride",
                            Builder.getDenseI64ArrayAttr({*Stride, *Stride})),
       Builder.getNamedAttr(
           "padding", Builder.getDenseI64ArrayAttr({*Padding, *Padding}))});
  if (!Op)
    return std::nullopt;
  return GenValue::tensor(Op.getResult());
}

GenResult Generator::genEmbedding(const CallExpr &C, const Args &A) {
  GenResult Ids = tensorArg(A, "ids");
  if (!Ids || failed(requireIndex(*Ids, *A.expr("ids"), "embedding ids")))
    return std::nullopt;
  std::optional<int64_t> Num = intArg(A, "num", 1);
  std::optional<int64_t> Dim = Num ? intArg(A, "dim", 1) : std::nullopt;
  std::optional<std::optional<std::string>> Name =
      Dim ? stringArg(A, "name") : std::nullopt;
  if (!Name)
    return std::nullopt;
  std::string Scope = allocateName("embedding", *Name);
  std::optional<mlir::dl::ParameterOp> W = createParameter(
      Scope + ".weight", {*Num, *Dim},
      InitAttr::get(&Context, InitKind::normal, 0.0, 1.0), C.getLoc());
  if (!W)
    return std::nullopt;
  auto Op = create<mlir::dl::EmbeddingOp>(
      C.getLoc(), {Ids->Tensor, readParameter(*W, C.getLoc())});
  if (!Op)
    return std::nullopt;
  return GenValue::tensor(Op.getResult());
}

GenResult Generator::genNorm(const CallExpr &C, const Args &A) {
  llvm::StringRef Kind = A.Fn->Name;
  bool IsLayerNorm = Kind == "layernorm";
  GenResult X = tensorArg(A, "x");
  if (!X || failed(requireFloat(*X, *A.expr("x"), Kind)))
    return std::nullopt;
  if (X->getShape().empty()) {
    error(*A.expr("x")) << Kind
                        << ": the input must have at least one "
                           "dimension, but '"
                        << printExpr(*A.expr("x")) << "' is " << describe(*X);
    return std::nullopt;
  }
  std::optional<double> Eps = numberArg(A, "eps", IsLayerNorm ? 1e-5 : 1e-6);
  std::optional<std::optional<std::string>> Name =
      Eps ? stringArg(A, "name") : std::nullopt;
  if (!Name)
    return std::nullopt;
  int64_t D = X->getShape().back();
  std::string Scope = allocateName(Kind, *Name);
  std::optional<mlir::dl::ParameterOp> W = createParameter(
      Scope + ".weight", {D}, constantInit(Context, 1), C.getLoc());
  if (!W)
    return std::nullopt;
  llvm::SmallVector<mlir::Value, 3> Operands{X->Tensor,
                                             readParameter(*W, C.getLoc())};
  if (IsLayerNorm) {
    std::optional<mlir::dl::ParameterOp> B = createParameter(
        Scope + ".bias", {D}, constantInit(Context, 0), C.getLoc());
    if (!B)
      return std::nullopt;
    Operands.push_back(readParameter(*B, C.getLoc()));
  }
  mlir::NamedAttribute EpsAttr =
      Builder.getNamedAttr("eps", Builder.getF64FloatAttr(*Eps));
  mlir::Operation *Op =
      IsLayerNorm ? createOp(mlir::dl::LayerNormOp::getOperationName(),
                             C.getLoc(), Operands, EpsAttr, 1)
                  : createOp(mlir::dl::RMSNormOp::getOperationName(),
                             C.getLoc(), Operands, EpsAttr, 1);
  if (!Op)
    return std::nullopt;
  return GenValue::tensor(Op->getResult(0));
}

GenResult Generator::genBatchNorm(const CallExpr &C, const Args &A) {
  GenResult X = tensorArg(A, "x");
  if (!X || failed(requireFloat(*X, *A.expr("x"), "batchnorm")))
    return std::nullopt;
  size_t Rank = X->getShape().size();
  if (Rank != 2 && Rank != 4) {
    error(*A.expr("x")) << "batchnorm: the input must be [N, C] or "
                           "[N, C, H, W], but '"
                        << printExpr(*A.expr("x")) << "' is " << describe(*X);
    return std::nullopt;
  }
  std::optional<double> Eps = numberArg(A, "eps", 1e-5);
  std::optional<double> Momentum =
      Eps ? numberArg(A, "momentum", 0.1) : std::nullopt;
  std::optional<std::optional<std::string>> Name =
      Momentum ? stringArg(A, "name") : std::nullopt;
  if (!Name)
    return std::nullopt;
  int64_t Channels = X->getShape()[1];
  std::string Scope = allocateName("batchnorm", *Name);
  const Location &L = C.getLoc();
  std::optional<mlir::dl::ParameterOp> W = createParameter(
      Scope + ".weight", {Channels}, constantInit(Context, 1), L);
  std::optional<mlir::dl::ParameterOp> B =
      W ? createParameter(Scope + ".bias", {Channels}, constantInit(Context, 0),
                          L)
        : std::nullopt;
  std::optional<mlir::dl::ParameterOp> Mean =
      B ? createParameter(Scope + ".running_mean", {Channels},
                          constantInit(Context, 0), L, /*IsBuffer=*/true)
        : std::nullopt;
  std::optional<mlir::dl::ParameterOp> Var =
      Mean ? createParameter(Scope + ".running_var", {Channels},
                             constantInit(Context, 1), L, /*IsBuffer=*/true)
           : std::nullopt;
  if (!Var)
    return std::nullopt;
  auto Op = create<mlir::dl::BatchNormOp>(
      L,
      {X->Tensor, readParameter(*W, L), readParameter(*B, L),
       readParameter(*Mean, L), readParameter(*Var, L)},
      {Builder.getNamedAttr("eps", Builder.getF64FloatAttr(*Eps)),
       Builder.getNamedAttr("momentum", Builder.getF64FloatAttr(*Momentum)),
       Builder.getNamedAttr("training", Builder.getUnitAttr())},
      /*NumResults=*/3);
  if (!Op)
    return std::nullopt;
  // The new running statistics replace the buffers for the next step.
  mlir::dl::AssignOp::create(
      Builder, loc(L), mlir::FlatSymbolRefAttr::get(Mean->getSymNameAttr()),
      Op.getNewRunningMean());
  mlir::dl::AssignOp::create(
      Builder, loc(L), mlir::FlatSymbolRefAttr::get(Var->getSymNameAttr()),
      Op.getNewRunningVar());
  return GenValue::tensor(Op.getResult());
}

GenResult Generator::genParam(const CallExpr &C, const Args &A) {
  std::optional<std::vector<int64_t>> Shape =
      shapeArg(A, "shape", /*AllowInfer=*/false);
  if (!Shape)
    return std::nullopt;
  InitAttr Init = InitAttr::get(&Context, InitKind::normal, 0.0, 0.02);
  if (A.has("init")) {
    const GenValue &V = *A.Values[A.Fn->findParam("init")];
    if (V.Kind != GenValue::InitKind) {
      error(*A.expr("init"))
          << "argument 'init' of 'param' must be an "
             "initializer such as normal(0.02), but '"
          << printExpr(*A.expr("init")) << "' is " << describe(V);
      return std::nullopt;
    }
    Init = V.InitValue;
  }
  std::optional<std::optional<std::string>> Name = stringArg(A, "name");
  if (!Name)
    return std::nullopt;
  std::optional<mlir::dl::ParameterOp> P =
      createParameter(allocateName("param", *Name), *Shape, Init, C.getLoc());
  if (!P)
    return std::nullopt;
  return GenValue::tensor(readParameter(*P, C.getLoc()));
}
