//===- Builtins.cpp - Built-in functions and train options ----------------===//
//
// Part of dlcc, an ahead-of-time compiler for training deep networks.
//
//===----------------------------------------------------------------------===//

#include "compiler/Frontend/Builtins.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"

#include <cmath>

using namespace dlcc;

//===----------------------------------------------------------------------===//
// Ranges
//===----------------------------------------------------------------------===//

bool NumberRange::contains(double V) const {
  if (MinExclusive ? V <= Min : V < Min)
    return false;
  return V <= Max;
}

bool NumberRange::isUnbounded() const {
  return std::isinf(Min) && std::isinf(Max);
}

/// Formats a bound without trailing zeros: 0, 1, 0.5.
static std::string formatBound(double V) {
  std::string S;
  llvm::raw_string_ostream OS(S);
  if (V == std::floor(V) && std::fabs(V) < 1e15)
    OS << static_cast<long long>(V);
  else
    OS << llvm::format("%g", V);
  return S;
}

std::string NumberRange::describe() const {
  if (isUnbounded())
    return "";
  if (std::isinf(Max))
    return (MinExclusive ? "> " : ">= ") + formatBound(Min);
  if (std::isinf(Min))
    return "<= " + formatBound(Max);
  return "between " + formatBound(Min) + " and " + formatBound(Max);
}

static NumberRange atLeast(double Min) { return {Min, INFINITY, false}; }
static NumberRange positive() { return {0, INFINITY, true}; }
static NumberRange between(double Min, double Max) { return {Min, Max, false}; }

//===----------------------------------------------------------------------===//
// The table of functions
//===----------------------------------------------------------------------===//

/// A required parameter.
static ParamSpec req(llvm::StringRef Name, ArgKind Kind, NumberRange R = {}) {
  return ParamSpec{Name, Kind, "", {}, R};
}

/// A parameter with a default.
static ParamSpec opt(llvm::StringRef Name, ArgKind Kind,
                     llvm::StringRef Default, NumberRange R = {}) {
  return ParamSpec{Name, Kind, Default, {}, R};
}

/// `name = "..."`: overrides the name derived from the call's position.
static ParamSpec nameParam() { return opt("name", ArgKind::String, "auto"); }

static BuiltinFunction fn(llvm::StringRef Name, BuiltinCategory Category,
                          std::vector<ParamSpec> Params,
                          llvm::StringRef Summary,
                          ResultKind Result = ResultKind::Tensor) {
  BuiltinFunction F;
  F.Name = Name;
  F.Category = Category;
  F.Params = std::move(Params);
  F.Result = Result;
  F.Summary = Summary;
  return F;
}

static std::vector<BuiltinFunction> buildTable() {
  using K = ArgKind;
  using C = BuiltinCategory;
  std::vector<BuiltinFunction> T;
  auto Add = [&](BuiltinFunction F) { T.push_back(std::move(F)); };
  auto Unary = [&](llvm::StringRef Name, C Category, K Kind,
                   llvm::StringRef Summary) {
    Add(fn(Name, Category, {req("x", Kind)}, Summary));
  };

  // Layers: each call creates parameters named after where it is.
  Add(fn("linear", C::Layer,
         {req("x", K::Tensor), req("out", K::Int, atLeast(1)),
          opt("bias", K::Bool, "true"), nameParam(),
          opt("tie", K::String, "none")},
         "`x @ weight^T + bias`, weight `[out, in]`; `tie` reuses the weight "
         "of the layer of that name"));
  Add(fn("conv2d", C::Layer,
         {req("x", K::Tensor), req("channels", K::Int, atLeast(1)),
          req("kernel", K::Int, atLeast(1)),
          opt("stride", K::Int, "1", atLeast(1)),
          opt("padding", K::Int, "0", atLeast(0)), opt("bias", K::Bool, "true"),
          nameParam()},
         "2-D convolution of `[B, C, H, W]`, weight `[channels, C, kernel, "
         "kernel]`"));
  Add(fn("embedding", C::Layer,
         {req("ids", K::Tensor), req("num", K::Int, atLeast(1)),
          req("dim", K::Int, atLeast(1)), nameParam()},
         "rows of a `[num, dim]` table picked by integer ids"));
  Add(fn("layernorm", C::Layer,
         {req("x", K::Tensor), opt("eps", K::Number, "1e-5", positive()),
          nameParam()},
         "layer normalization over the last axis, with weight and bias"));
  Add(fn("rmsnorm", C::Layer,
         {req("x", K::Tensor), opt("eps", K::Number, "1e-6", positive()),
          nameParam()},
         "root-mean-square normalization over the last axis, with weight"));
  Add(fn("batchnorm", C::Layer,
         {req("x", K::Tensor), opt("eps", K::Number, "1e-5", positive()),
          opt("momentum", K::Number, "0.1", between(0, 1)), nameParam()},
         "batch normalization over axis 1: batch statistics in training, "
         "running statistics in evaluation"));
  Add(fn("param", C::Layer,
         {req("shape", K::Shape), opt("init", K::Init, "normal(0.02)"),
          nameParam()},
         "a parameter tensor of the given shape"));

  // Linear algebra and shapes.
  Add(fn("matmul", C::Op, {req("a", K::Tensor), req("b", K::Tensor)},
         "batched matrix product, the same as `a @ b`"));
  Add(fn("attention", C::Op,
         {req("q", K::Tensor), req("k", K::Tensor), req("v", K::Tensor),
          opt("causal", K::Bool, "false"),
          opt("scale", K::Number, "1/sqrt(dim)")},
         "`softmax(q @ k^T * scale [+ causal mask]) @ v` on `[B, heads, T, "
         "dim]`, by the flash algorithm (the `[T, T]` weights never "
         "stored); the same expression written out with `softmax`, `@`, "
         "`transpose` and `causal_mask` is rewritten into it"));
  Add(fn("reshape", C::Op, {req("x", K::Tensor), req("shape", K::Shape)},
         "the same elements in a new shape; one dimension may be -1"));
  Add(fn("transpose", C::Op,
         {req("x", K::Tensor), req("a", K::Int), req("b", K::Int)},
         "swaps axes a and b (negative axes count from the end)"));
  Add(fn("flatten", C::Op, {req("x", K::Tensor), opt("start", K::Int, "1")},
         "merges the axes from `start` to the last"));
  Add(fn("split", C::Op,
         {req("x", K::Tensor), req("n", K::Int, atLeast(1)),
          opt("axis", K::Int, "-1")},
         "n equal parts along an axis: `q, k, v = split(x, 3)`",
         ResultKind::Tuple));
  Add(fn("concat", C::Op,
         {req("list", K::TensorList), opt("axis", K::Int, "-1")},
         "joins a list of tensors along an axis"));
  Add(fn("positions", C::Op, {req("n", K::Int, atLeast(1))},
         "the integers `[0, n)` as an i32 tensor"));
  Add(fn("causal_mask", C::Op, {req("n", K::Int, atLeast(1))},
         "an `[n, n]` mask: 0 on and below the diagonal, -inf above"));
  Add(fn("dim", C::Op, {req("x", K::Tensor), req("axis", K::Int)},
         "the size of an axis, an integer", ResultKind::Int));
  Add(fn("one_hot", C::Op,
         {req("ids", K::Tensor), req("n", K::Int, atLeast(1))},
         "`[..., n]` rows with a 1 at each id"));
  Add(fn("where", C::Op,
         {req("cond", K::Tensor), req("a", K::Value), req("b", K::Value)},
         "`a` where `cond` is nonzero, else `b`"));
  Add(fn("dropout", C::Op,
         {req("x", K::Tensor), req("p", K::Number, between(0, 1))},
         "zeroes elements with probability p in training (scaled by "
         "1/(1-p)); identity in evaluation"));

  // Activations and elementwise math.
  Unary("relu", C::Op, K::Tensor, "`max(x, 0)`");
  Unary("gelu", C::Op, K::Tensor, "Gaussian error linear unit (exact, with erf)");
  Unary("silu", C::Op, K::Tensor, "`x * sigmoid(x)`");
  Unary("sigmoid", C::Op, K::Tensor, "`1 / (1 + exp(-x))`");
  Unary("tanh", C::Op, K::Tensor, "hyperbolic tangent");
  Add(fn("softmax", C::Op, {req("x", K::Tensor), opt("axis", K::Int, "-1")},
         "normalized exponentials along an axis"));
  Add(fn("log_softmax", C::Op, {req("x", K::Tensor), opt("axis", K::Int, "-1")},
         "logarithm of softmax, computed stably"));
  Unary("exp", C::Op, K::Value, "elementwise `e^x`");
  Unary("log", C::Op, K::Value, "elementwise natural logarithm");
  Unary("sqrt", C::Op, K::Value, "elementwise square root");
  Unary("abs", C::Op, K::Value, "elementwise absolute value");

  // Pooling and reductions.
  for (llvm::StringRef Name : {"maxpool", "avgpool"})
    Add(fn(Name, C::Op,
           {req("x", K::Tensor), req("kernel", K::Int, atLeast(1)),
            opt("stride", K::Int, "kernel", atLeast(1)),
            opt("padding", K::Int, "0", atLeast(0))},
           Name == "maxpool" ? "2-D max pooling of `[B, C, H, W]`"
                             : "2-D average pooling of `[B, C, H, W]`"));
  for (llvm::StringRef Name : {"sum", "mean", "max"})
    Add(fn(Name, C::Op,
           {req("x", K::Tensor), opt("axis", K::Int, "all"),
            opt("keepdim", K::Bool, "false")},
           Name == "sum"    ? "sum over an axis (all axes by default)"
           : Name == "mean" ? "mean over an axis (all axes by default)"
                            : "maximum over an axis (all axes by default)"));

  // Initializers.
  Add(fn("normal", C::Init, {req("std", K::Number, positive())},
         "normal distribution with mean 0", ResultKind::Init));
  Add(fn("normal", C::Init,
         {req("mean", K::Number), req("std", K::Number, positive())},
         "normal distribution", ResultKind::Init));
  Add(fn("uniform", C::Init, {req("a", K::Number), req("b", K::Number)},
         "uniform distribution on `[a, b)`", ResultKind::Init));
  Add(fn("zeros", C::Init, {}, "all zeros", ResultKind::Init));
  Add(fn("ones", C::Init, {}, "all ones", ResultKind::Init));

  // Losses and metrics.
  Add(fn("cross_entropy", C::Loss,
         {req("logits", K::Tensor), req("labels", K::Tensor),
          opt("label_smoothing", K::Number, "0", between(0, 1)),
          opt("ignore_index", K::Int, "-100")},
         "mean softmax cross-entropy of `[..., classes]` logits against "
         "integer labels"));
  Add(fn("binary_cross_entropy", C::Loss,
         {req("logits", K::Tensor), req("targets", K::Tensor)},
         "mean sigmoid cross-entropy of logits against targets in [0, 1]"));
  Add(fn("mse", C::Loss, {req("a", K::Tensor), req("b", K::Tensor)},
         "mean squared error (L2)"));
  Add(fn("l1", C::Loss, {req("a", K::Tensor), req("b", K::Tensor)},
         "mean absolute error"));
  Add(fn("contrastive", C::Loss,
         {req("a", K::Tensor), req("b", K::Tensor),
          opt("temperature", K::Number, "0.07", positive())},
         "symmetric InfoNCE between two `[B, dim]` batches of matching "
         "pairs"));
  Add(fn("accuracy", C::Metric,
         {req("logits", K::Tensor), req("labels", K::Tensor)},
         "fraction of rows whose largest logit is the label"));

  // Data sources.
  Add(fn("idx", C::DataSource,
         {req("images", K::String), req("labels", K::String),
          opt("scale", K::Number, "1"), opt("mean", K::Number, "0"),
          opt("std", K::Number, "1", positive())},
         "MNIST-format files (gzip or raw): `(pixel * scale - mean) / std`",
         ResultKind::Setting));
  Add(fn("text", C::DataSource,
         {req("path", K::String), req("context", K::Int, atLeast(1))},
         "byte-level tokens of a text file, next-byte targets",
         ResultKind::Setting));
  {
    BuiltinFunction F =
        fn("tokens", C::DataSource,
           {req("path", K::String), req("context", K::Int, atLeast(1)),
            opt("dtype", K::Word, "u16")},
           "a binary file of pre-tokenized ids (`u16` or `u32`), next-token "
           "targets",
           ResultKind::Setting);
    F.Params[2].Words = {"u16", "u32"};
    Add(std::move(F));
  }
  {
    BuiltinFunction F =
        fn("npy", C::DataSource, {},
           "one `.npy` file per model input: `npy(image = \"x.npy\", label "
           "= \"y.npy\")`",
           ResultKind::Setting);
    F.AnyKeywords = true;
    Add(std::move(F));
  }

  // Optimizers.
  Add(fn("sgd", C::Optimizer,
         {req("lr", K::Number, positive()),
          opt("momentum", K::Number, "0", between(0, 1)),
          opt("nesterov", K::Bool, "false"),
          opt("weight_decay", K::Number, "0", atLeast(0))},
         "stochastic gradient descent with optional momentum",
         ResultKind::Setting));
  for (llvm::StringRef Name : {"adam", "adamw", "adamw8bit"})
    Add(fn(Name, C::Optimizer,
           {opt("lr", K::Number, "1e-3", positive()),
            opt("betas", K::NumberPair, "(0.9, 0.999)"),
            opt("eps", K::Number, "1e-8", positive()),
            opt("weight_decay", K::Number, Name == "adam" ? "0" : "0.01",
                atLeast(0))},
           Name == "adam" ? "Adam; weight decay added to the gradient"
           : Name == "adamw"
               ? "Adam with decoupled weight decay"
               : "AdamW with 8-bit block-quantized moment estimates",
           ResultKind::Setting));
  Add(fn("galore", C::Optimizer,
         {opt("rank", K::Int, "128", atLeast(1)),
          opt("update_every", K::Int, "200", atLeast(1)),
          opt("scale", K::Number, "0.25", positive()),
          opt("inner", K::Optimizer, "adamw()")},
         "GaLore: the inner optimizer runs on gradients projected to a "
         "low-rank subspace, refreshed every `update_every` steps",
         ResultKind::Setting));

  // Schedules.
  Add(fn("constant", C::Schedule, {}, "the optimizer's learning rate",
         ResultKind::Setting));
  Add(fn("linear", C::Schedule, {opt("warmup", K::Int, "0", atLeast(0))},
         "linear warmup, then linear decay to 0", ResultKind::Setting));
  Add(fn("cosine", C::Schedule,
         {opt("warmup", K::Int, "0", atLeast(0)),
          opt("min_lr", K::Number, "0", atLeast(0))},
         "linear warmup, then cosine decay to `min_lr`", ResultKind::Setting));

  // Memory techniques.
  Add(fn("auto", C::Checkpoint, {opt("budget", K::MemorySize, "device")},
         "recompute the activations that do not fit in `budget` (default: "
         "the device's memory)",
         ResultKind::Setting));
  Add(fn("data", C::Parallel, {opt("zero", K::Int, "0", between(0, 3))},
         "data parallel over all ranks; ZeRO stage 1-3 shards optimizer "
         "state, gradients, parameters",
         ResultKind::Setting));
  Add(fn("pipeline", C::Parallel,
         {req("stages", K::Int, atLeast(1)),
          opt("microbatches", K::Int, "stages", atLeast(1))},
         "pipeline parallel: the model in `stages` consecutive parts",
         ResultKind::Setting));
  Add(fn("lora", C::Adapter,
         {opt("rank", K::Int, "8", atLeast(1)),
          opt("alpha", K::Number, "16", positive()),
          opt("targets", K::StringList, "[\"*\"]"),
          opt("dropout", K::Number, "0", between(0, 1))},
         "trainable low-rank adapters on the linear layers matching "
         "`targets`; other weights frozen",
         ResultKind::Setting));
  Add(fn(
      "nf4", C::Quantizer,
      {opt("block", K::Int, "64", atLeast(1)), opt("double", K::Bool, "false")},
      "frozen weights in 4-bit NormalFloat blocks (`double`: quantized "
      "block scales too)",
      ResultKind::Setting));
  Add(fn("int8", C::Quantizer, {}, "frozen weights in 8 bits, per row scales",
         ResultKind::Setting));
  return T;
}

llvm::ArrayRef<BuiltinFunction> dlcc::getBuiltins() {
  static const std::vector<BuiltinFunction> Table = buildTable();
  return Table;
}

int BuiltinFunction::findParam(llvm::StringRef N) const {
  for (unsigned I = 0, E = Params.size(); I != E; ++I)
    if (Params[I].Name == N)
      return static_cast<int>(I);
  return -1;
}

unsigned BuiltinFunction::getNumRequired() const {
  return llvm::count_if(Params,
                        [](const ParamSpec &P) { return P.isRequired(); });
}

bool dlcc::isModelCategory(BuiltinCategory Category) {
  switch (Category) {
  case BuiltinCategory::Layer:
  case BuiltinCategory::Op:
  case BuiltinCategory::Loss:
  case BuiltinCategory::Metric:
    return true;
  default:
    return false;
  }
}

llvm::StringRef dlcc::getCategoryNoun(BuiltinCategory Category) {
  switch (Category) {
  case BuiltinCategory::Layer:
    return "layer";
  case BuiltinCategory::Op:
    return "operation";
  case BuiltinCategory::Init:
    return "initializer";
  case BuiltinCategory::Loss:
    return "loss";
  case BuiltinCategory::Metric:
    return "metric";
  case BuiltinCategory::DataSource:
    return "data source";
  case BuiltinCategory::Optimizer:
    return "optimizer";
  case BuiltinCategory::Schedule:
    return "schedule";
  case BuiltinCategory::Checkpoint:
    return "checkpointing policy";
  case BuiltinCategory::Parallel:
    return "parallelism";
  case BuiltinCategory::Adapter:
    return "adapter";
  case BuiltinCategory::Quantizer:
    return "quantization";
  }
  return "function";
}

std::vector<const BuiltinFunction *>
dlcc::lookupModelBuiltin(llvm::StringRef Name) {
  std::vector<const BuiltinFunction *> Result;
  for (const BuiltinFunction &F : getBuiltins())
    if (F.Name == Name && isModelCategory(F.Category))
      Result.push_back(&F);
  return Result;
}

std::vector<const BuiltinFunction *>
dlcc::lookupBuiltin(llvm::StringRef Name, BuiltinCategory Category) {
  std::vector<const BuiltinFunction *> Result;
  for (const BuiltinFunction &F : getBuiltins())
    if (F.Name == Name && F.Category == Category)
      Result.push_back(&F);
  return Result;
}

std::vector<llvm::StringRef> dlcc::getModelBuiltinNames() {
  std::vector<llvm::StringRef> Names;
  for (const BuiltinFunction &F : getBuiltins())
    if (isModelCategory(F.Category) && !llvm::is_contained(Names, F.Name))
      Names.push_back(F.Name);
  return Names;
}

std::vector<llvm::StringRef> dlcc::getBuiltinNames(BuiltinCategory Category) {
  std::vector<llvm::StringRef> Names;
  for (const BuiltinFunction &F : getBuiltins())
    if (F.Category == Category && !llvm::is_contained(Names, F.Name))
      Names.push_back(F.Name);
  return Names;
}

std::string dlcc::formatSignature(const BuiltinFunction &F) {
  std::string S;
  llvm::raw_string_ostream OS(S);
  OS << F.Name << '(';
  llvm::interleaveComma(F.Params, OS, [&](const ParamSpec &P) {
    OS << P.Name;
    if (!P.isRequired())
      OS << " = " << P.Default;
  });
  if (F.AnyKeywords)
    OS << "input = \"path\", ...";
  OS << ')';
  return S;
}

//===----------------------------------------------------------------------===//
// Train options
//===----------------------------------------------------------------------===//

static TrainOption option(llvm::StringRef Name, llvm::StringRef Summary,
                          std::optional<ArgKind> Kind, NumberRange Range,
                          std::vector<llvm::StringRef> Words,
                          std::optional<BuiltinCategory> Functions,
                          llvm::StringRef Default) {
  return TrainOption{Name,      Summary, Kind, Range, std::move(Words),
                     Functions, Default};
}

static std::vector<TrainOption> buildOptions() {
  using K = ArgKind;
  using C = BuiltinCategory;
  const NumberRange Any;
  return {
      option("data", "the training data", std::nullopt, Any, {}, C::DataSource,
             "none (set it on the command line)"),
      option("eval", "the evaluation data", std::nullopt, Any, {},
             C::DataSource, "none"),
      option("batch", "examples per step, the value of `B`", K::Int, atLeast(1),
             {}, std::nullopt, "none: required, or `dlcc --batch N`"),
      option("epochs", "passes over the data", K::Int, atLeast(1), {},
             std::nullopt, "1"),
      option("steps", "optimizer steps (instead of epochs)", K::Int, atLeast(1),
             {}, std::nullopt, "from epochs"),
      option("optimizer", "the update rule", std::nullopt, Any, {},
             C::Optimizer, "adamw()"),
      option("schedule", "the learning-rate schedule", std::nullopt, Any, {},
             C::Schedule, "constant"),
      option("clip", "clip the global gradient norm to this value", K::Number,
             positive(), {"none"}, std::nullopt, "none"),
      option("precision",
             "compute type; parameters stay f32 (fp16 uses dynamic loss "
             "scaling; f16 is the same as fp16)",
             std::nullopt, Any, {"f32", "bf16", "fp16", "f16"}, std::nullopt,
             "f32"),
      option("checkpoint",
             "activation checkpointing: none, at block boundaries, every "
             "sqrt(n) layers, or automatic under a memory budget",
             std::nullopt, Any, {"none", "blocks", "sqrt"}, C::Checkpoint,
             "none"),
      option("offload",
             "keep optimizer state (and master parameters) in host memory",
             std::nullopt, Any, {"none", "optimizer", "params"}, std::nullopt,
             "none"),
      option("parallel", "how ranks share the work", std::nullopt, Any,
             {"none"}, C::Parallel, "data(zero = 0) with several ranks"),
      option("adapt", "train adapters instead of the weights", std::nullopt,
             Any, {"none"}, C::Adapter, "none"),
      option("quantize", "store frozen weights quantized", std::nullopt, Any,
             {"none"}, C::Quantizer, "none"),
      option("init", "a safetensors file to load initial weights from",
             K::String, Any, {}, std::nullopt, "none"),
      option("freeze", "glob patterns of parameter names that get no updates",
             K::StringList, Any, {}, std::nullopt, "none"),
      option("seed", "seed of initialization, shuffling and dropout", K::Int,
             atLeast(0), {}, std::nullopt, "0"),
      option("eval_every", "evaluate every N steps (0: after each epoch)",
             K::Int, atLeast(0), {}, std::nullopt, "0"),
      option("checkpoint_every",
             "save a checkpoint every N steps (0: only at the end)", K::Int,
             atLeast(0), {}, std::nullopt, "0"),
      option("log_every", "print the loss and metrics every N steps", K::Int,
             atLeast(1), {}, std::nullopt, "10"),
  };
}

llvm::ArrayRef<TrainOption> dlcc::getTrainOptions() {
  static const std::vector<TrainOption> Options = buildOptions();
  return Options;
}

const TrainOption *dlcc::lookupTrainOption(llvm::StringRef Name) {
  for (const TrainOption &O : getTrainOptions())
    if (O.Name == Name)
      return &O;
  return nullptr;
}

std::string dlcc::describeArgKind(ArgKind Kind) {
  switch (Kind) {
  case ArgKind::Tensor:
    return "a tensor";
  case ArgKind::Value:
    return "a tensor or a number";
  case ArgKind::Int:
    return "an integer";
  case ArgKind::Number:
    return "a number";
  case ArgKind::Bool:
    return "true or false";
  case ArgKind::String:
    return "a string";
  case ArgKind::Shape:
    return "a list of integers such as [B, 16]";
  case ArgKind::TensorList:
    return "a list of tensors";
  case ArgKind::Init:
    return "an initializer: normal(std), normal(mean, std), uniform(a, b), "
           "zeros() or ones()";
  case ArgKind::NumberPair:
    return "a pair of numbers such as (0.9, 0.999)";
  case ArgKind::StringList:
    return "a string or a list of strings";
  case ArgKind::Optimizer:
    return "an optimizer such as adamw(lr = 1e-3)";
  case ArgKind::Word:
    return "a word";
  case ArgKind::MemorySize:
    return "a memory size such as \"1 GiB\"";
  }
  return "a value";
}

std::string dlcc::describeAllowedValues(const TrainOption &Option) {
  std::vector<std::string> Choices;
  if (Option.Functions)
    for (llvm::StringRef Name : getBuiltinNames(*Option.Functions)) {
      bool TakesArgs = false;
      for (const BuiltinFunction &F : getBuiltins())
        if (F.Name == Name && F.Category == *Option.Functions)
          TakesArgs |= !F.Params.empty() || F.AnyKeywords;
      Choices.push_back(TakesArgs ? Name.str() + "(...)" : Name.str());
    }
  for (llvm::StringRef W : Option.Words)
    Choices.push_back(W.str());
  std::string List = llvm::join(Choices, ", ");
  if (!Option.Kind)
    return Choices.size() == 1 ? List : "one of " + List;
  std::string Kind = describeArgKind(*Option.Kind);
  std::string Range = Option.Range.describe();
  if (!Range.empty())
    Kind += " " + Range;
  if (Choices.empty())
    return Kind;
  return Kind + (Choices.size() == 1 ? " or " : " or one of ") + List;
}

//===----------------------------------------------------------------------===//
// Documentation
//===----------------------------------------------------------------------===//

/// Escapes `|` so text fits in a Markdown table cell.
static std::string cell(llvm::StringRef Text) {
  std::string S;
  for (char C : Text) {
    if (C == '|')
      S += "\\|";
    else
      S += C;
  }
  return S;
}

void dlcc::printBuiltinsMarkdown(llvm::raw_ostream &OS) {
  struct Section {
    llvm::StringRef Title;
    std::vector<BuiltinCategory> Categories;
  };
  const Section Sections[] = {
      {"Layers (they create parameters)", {BuiltinCategory::Layer}},
      {"Operations", {BuiltinCategory::Op}},
      {"Losses and metrics", {BuiltinCategory::Loss, BuiltinCategory::Metric}},
      {"Initializers (values of `init =`)", {BuiltinCategory::Init}},
      {"Train-section functions",
       {BuiltinCategory::DataSource, BuiltinCategory::Optimizer,
        BuiltinCategory::Schedule, BuiltinCategory::Checkpoint,
        BuiltinCategory::Parallel, BuiltinCategory::Adapter,
        BuiltinCategory::Quantizer}},
  };
  for (const Section &S : Sections) {
    OS << "### " << S.Title << "\n\n";
    bool TrainSection = !isModelCategory(S.Categories.front()) &&
                        S.Categories.front() != BuiltinCategory::Init;
    OS << (TrainSection ? "| Kind | Function | Meaning |\n|---|---|---|\n"
                        : "| Function | Meaning |\n|---|---|\n");
    for (BuiltinCategory Category : S.Categories)
      for (const BuiltinFunction &F : getBuiltins()) {
        if (F.Category != Category)
          continue;
        OS << "| ";
        if (TrainSection)
          OS << getCategoryNoun(Category) << " | ";
        OS << '`' << cell(formatSignature(F)) << "` | " << cell(F.Summary);
        for (const ParamSpec &P : F.Params) {
          if (!P.Words.empty()) {
            OS << "; `" << P.Name << "`: ";
            llvm::interleave(P.Words, OS, " \\| ");
          }
        }
        OS << " |\n";
      }
    OS << '\n';
  }
  OS << "### Train options\n\n| Option | Values | Default | Meaning |\n"
        "|---|---|---|---|\n";
  for (const TrainOption &O : getTrainOptions())
    OS << "| `" << O.Name << "` | " << cell(describeAllowedValues(O)) << " | "
       << cell(O.Default) << " | " << cell(O.Summary) << " |\n";
}
