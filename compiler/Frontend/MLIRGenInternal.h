//===- MLIRGenInternal.h - Shared state of MLIR generation ------*- C++ -*-===//
//
// Part of dlcc, an ahead-of-time compiler for training deep networks.
//
//===----------------------------------------------------------------------===//
///
/// \file
/// The generator shared by MLIRGen.cpp (module, statements, blocks, names,
/// parameters), MLIRGenExpr.cpp (expressions and compile-time numbers),
/// MLIRGenOps.cpp (built-in operations and losses), MLIRGenLayers.cpp
/// (layers and their parameters) and TrainConfig.cpp (the train section).
/// Not part of the front end's interface.
///
/// Every generation function reports its errors through the MLIRContext's
/// diagnostics at the location of the .dl expression concerned and returns
/// std::nullopt (or failure()); generation then stops.
///
//===----------------------------------------------------------------------===//

#ifndef DLCC_FRONTEND_MLIRGENINTERNAL_H
#define DLCC_FRONTEND_MLIRGENINTERNAL_H

#include "compiler/Frontend/AST.h"
#include "compiler/Frontend/Builtins.h"
#include "compiler/Frontend/ConstEval.h"
#include "compiler/Frontend/MLIRGen.h"

#include "DL/IR/DLOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"

#include "llvm/ADT/StringMap.h"

#include <optional>
#include <string>
#include <vector>

namespace dlcc {
namespace gen {

/// A value during generation: everything but tensors is known at compile
/// time.
struct GenValue {
  enum KindT {
    TensorKind,
    NumberKind,
    BoolKind,
    StringKind,
    ListKind,
    TupleKind,
    InitKind
  };
  KindT Kind = NumberKind;
  mlir::Value Tensor;
  ConstValue Num;
  bool Flag = false;
  std::string Str;
  /// The elements of a List or Tuple.
  std::vector<GenValue> Elements;
  mlir::dl::InitAttr InitValue;

  static GenValue tensor(mlir::Value V) {
    GenValue G;
    G.Kind = TensorKind;
    G.Tensor = V;
    return G;
  }
  static GenValue number(ConstValue V) {
    GenValue G;
    G.Kind = NumberKind;
    G.Num = V;
    return G;
  }
  static GenValue integer(int64_t V) { return number(ConstValue::ofInt(V)); }
  static GenValue boolean(bool V) {
    GenValue G;
    G.Kind = BoolKind;
    G.Flag = V;
    return G;
  }
  static GenValue string(std::string V) {
    GenValue G;
    G.Kind = StringKind;
    G.Str = std::move(V);
    return G;
  }

  bool isTensor() const { return Kind == TensorKind; }
  bool isNumber() const { return Kind == NumberKind; }
  bool isInt() const { return Kind == NumberKind && Num.IsInt; }
  mlir::RankedTensorType getType() const {
    return llvm::cast<mlir::RankedTensorType>(Tensor.getType());
  }
  llvm::ArrayRef<int64_t> getShape() const { return getType().getShape(); }
};

using GenResult = std::optional<GenValue>;

/// Describes a value for messages: `f32[16, 128]`, `an integer (48)`...
std::string describe(const GenValue &V);
/// Describes a tensor type as in .dl inputs: `i32[16, 128]`.
std::string describeType(mlir::RankedTensorType Type);
/// True for f16, bf16, f32 and f64 tensors.
bool isFloatTensor(const GenValue &V);
/// True for i32 and i64 tensors.
bool isIndexTensor(const GenValue &V);

/// The variables of one model or block body: nested scopes for `repeat`.
class Env {
public:
  Env() { Scopes.emplace_back(); }
  GenValue *lookup(llvm::StringRef Name);
  /// Rebinds an existing name in the scope that holds it, otherwise binds
  /// it in the innermost scope.
  void assign(llvm::StringRef Name, GenValue V);
  /// Binds a name in the innermost scope.
  void define(llvm::StringRef Name, GenValue V) {
    Scopes.back()[Name] = std::move(V);
  }
  void push() { Scopes.emplace_back(); }
  void pop() { Scopes.pop_back(); }

private:
  std::vector<llvm::StringMap<GenValue>> Scopes;
};

/// A naming scope: the prefix of the names created in it and how many
/// unnamed layers (or blocks, or repeats) of each kind it has.
struct NameScope {
  std::string Prefix;
  llvm::StringMap<unsigned> Counters;
};

/// The train configuration of the entry model, as module attributes.
struct TrainConfig {
  mlir::DictionaryAttr Attr;
  /// The batch size, when the configuration or `--batch` gives one.
  std::optional<int64_t> Batch;
  /// Glob patterns of parameters to freeze (the `freeze` option).
  std::vector<std::string> Freeze;
  /// Where the `freeze` option is set.
  Location FreezeLoc;
};

/// Builds the train configuration from the options in effect for `P`;
/// reports unsupported options and returns std::nullopt on errors.
std::optional<TrainConfig> buildTrainConfig(const Program &P,
                                            mlir::MLIRContext &Context,
                                            std::optional<int64_t> Batch);

/// Converts a .dl location to an MLIR one.
mlir::Location toLoc(mlir::MLIRContext &Context, const Location &L);

/// Turns one model into a module. One instance generates one module.
class Generator {
public:
  Generator(const Program &P, mlir::MLIRContext &Context,
            const GenOptions &Options)
      : P(P), Context(Context), Options(Options), Builder(&Context) {}

  mlir::OwningOpRef<mlir::ModuleOp> generate();

  //===--------------------------------------------------------------------===//
  // Diagnostics and locations (MLIRGen.cpp)
  //===--------------------------------------------------------------------===//

  mlir::Location loc(const Location &L) { return toLoc(Context, L); }
  mlir::Location loc(const Expr &E) { return loc(E.getLoc()); }
  mlir::InFlightDiagnostic error(const Location &L) {
    return mlir::emitError(loc(L));
  }
  mlir::InFlightDiagnostic error(const Expr &E) {
    return mlir::emitError(loc(getBeginLoc(E)));
  }

  //===--------------------------------------------------------------------===//
  // Statements and blocks (MLIRGen.cpp)
  //===--------------------------------------------------------------------===//

  /// Binds the model's arguments, applying `--set` overrides.
  mlir::LogicalResult bindModelArgs();
  /// Adds the return of @forward and names its inputs and outputs.
  mlir::LogicalResult finishOutputs();
  /// Marks the parameters matching `freeze` patterns as frozen.
  mlir::LogicalResult applyFreezes(const TrainConfig &Config);

  mlir::LogicalResult genBody(llvm::ArrayRef<StmtPtr> Body);
  mlir::LogicalResult genStmt(const Stmt &S);
  mlir::LogicalResult genAssign(const AssignStmt &S);
  mlir::LogicalResult genRepeat(const RepeatStmt &S);
  GenResult genBlockCall(const CallExpr &C, const FunctionDecl &Block);

  //===--------------------------------------------------------------------===//
  // Names and parameters (MLIRGen.cpp)
  //===--------------------------------------------------------------------===//

  /// The name of a layer of `Kind` created in the current scope: `Explicit`
  /// when given, else `<kind>` or `<kind>_<k>` for the k-th unnamed one.
  std::string allocateName(llvm::StringRef Kind,
                           const std::optional<std::string> &Explicit);
  /// Creates a module-level parameter (or buffer) named `Name`; reports a
  /// duplicate name at `L`.
  std::optional<mlir::dl::ParameterOp>
  createParameter(const std::string &Name, llvm::ArrayRef<int64_t> Shape,
                  mlir::dl::InitAttr Init, const Location &L,
                  bool IsBuffer = false);
  /// Reads a parameter where it is used.
  mlir::Value readParameter(mlir::dl::ParameterOp Param, const Location &L);
  /// The parameter named `Name`, or null.
  mlir::dl::ParameterOp findParameter(llvm::StringRef Name) const;
  /// The names of every parameter created so far, for suggestions.
  std::vector<llvm::StringRef> getParameterNames() const;

  //===--------------------------------------------------------------------===//
  // Expressions (MLIRGenExpr.cpp)
  //===--------------------------------------------------------------------===//

  GenResult genExpr(const Expr &E);
  GenResult genName(const NameExpr &E);
  GenResult genBinary(const BinaryExpr &E);
  GenResult genNegate(const NegateExpr &E);
  GenResult genIndex(const IndexExpr &E);
  GenResult genCall(const CallExpr &C);

  /// Evaluates `E`, which must give a tensor; `What` names it in messages.
  GenResult genTensor(const Expr &E, const llvm::Twine &What);
  /// Evaluates `E`, which must give an integer.
  std::optional<int64_t> genInt(const Expr &E, const llvm::Twine &What);
  /// A rank-0 constant tensor of `ElementType` holding `V`.
  mlir::Value makeScalar(const ConstValue &V, mlir::Type ElementType,
                         const Location &L);
  /// Checks that `V`, made by `E`, is a floating-point tensor, as `What`
  /// needs.
  mlir::LogicalResult requireFloat(const GenValue &V, const Expr &E,
                                   const llvm::Twine &What);
  /// Checks that `V`, made by `E`, is an i32 or i64 tensor.
  mlir::LogicalResult requireIndex(const GenValue &V, const Expr &E,
                                   const llvm::Twine &What);
  /// Checks that a shape has dimensions >= 1 and a representable element
  /// count; `What` names it.
  mlir::LogicalResult checkShape(llvm::ArrayRef<int64_t> Shape,
                                 const Location &L, const llvm::Twine &What);
  /// Resolves a possibly negative axis of a tensor of rank `Rank`.
  std::optional<int64_t> resolveAxis(int64_t Axis, int64_t Rank, const Expr &E,
                                     llvm::StringRef Op);

  /// Creates an op with placeholder result types, then gives it the types
  /// its shape rules infer. On failure the dialect has reported the error
  /// at the op's location; the op is erased and null returned.
  template <typename OpT>
  OpT create(const Location &L, llvm::ArrayRef<mlir::Value> Operands,
             llvm::ArrayRef<mlir::NamedAttribute> Attrs = {},
             unsigned NumResults = 1) {
    return llvm::cast_or_null<OpT>(
        createOp(OpT::getOperationName(), L, Operands, Attrs, NumResults));
  }
  mlir::Operation *createOp(llvm::StringRef Name, const Location &L,
                            llvm::ArrayRef<mlir::Value> Operands,
                            llvm::ArrayRef<mlir::NamedAttribute> Attrs,
                            unsigned NumResults);
  /// Creates an op whose result type is given (reshape, one_hot...) and
  /// verifies it.
  mlir::Operation *createTyped(llvm::StringRef Name, const Location &L,
                               llvm::ArrayRef<mlir::Value> Operands,
                               mlir::Type Result,
                               llvm::ArrayRef<mlir::NamedAttribute> Attrs = {});
  /// Checks the shapes of an op's results (see checkShape).
  mlir::LogicalResult checkResults(mlir::Operation *Op, const Location &L);
  /// `dl.reshape` of `V` to `Shape` (the element count must match).
  mlir::Value reshape(mlir::Value V, llvm::ArrayRef<int64_t> Shape,
                      const Location &L);

  //===--------------------------------------------------------------------===//
  // Built-in calls (MLIRGenOps.cpp, MLIRGenLayers.cpp)
  //===--------------------------------------------------------------------===//

  /// The evaluated arguments of a built-in call, one per parameter.
  struct Args {
    const CallExpr *Call = nullptr;
    const BuiltinFunction *Fn = nullptr;
    /// One entry per parameter of Fn: the value passed, or none.
    std::vector<std::optional<GenValue>> Values;

    const Expr *expr(llvm::StringRef Name) const;
    bool has(llvm::StringRef Name) const;
  };
  std::optional<Args> genArgs(const CallExpr &C);
  /// Typed access to arguments, with the kind and range checks of the
  /// built-in's table; the `Default` is used when none is passed.
  GenResult tensorArg(const Args &A, llvm::StringRef Name);
  std::optional<int64_t> intArg(const Args &A, llvm::StringRef Name,
                                int64_t Default);
  std::optional<double> numberArg(const Args &A, llvm::StringRef Name,
                                  double Default);
  std::optional<bool> boolArg(const Args &A, llvm::StringRef Name,
                              bool Default);
  /// A string argument; an empty optional inside when not passed.
  std::optional<std::optional<std::string>> stringArg(const Args &A,
                                                      llvm::StringRef Name);
  /// A list of integers (a shape); `AllowInfer` accepts one -1.
  std::optional<std::vector<int64_t>>
  shapeArg(const Args &A, llvm::StringRef Name, bool AllowInfer);

  GenResult genOp(const CallExpr &C, const Args &A);
  GenResult genLoss(const CallExpr &C, const Args &A);
  GenResult genLayer(const CallExpr &C, const Args &A);
  GenResult genInit(const CallExpr &C, const Args &A);

  GenResult genLinear(const CallExpr &C, const Args &A);
  GenResult genConv2D(const CallExpr &C, const Args &A);
  GenResult genEmbedding(const CallExpr &C, const Args &A);
  GenResult genNorm(const CallExpr &C, const Args &A);
  GenResult genBatchNorm(const CallExpr &C, const Args &A);
  GenResult genParam(const CallExpr &C, const Args &A);

  //===--------------------------------------------------------------------===//
  // State
  //===--------------------------------------------------------------------===//

  const Program &P;
  mlir::MLIRContext &Context;
  const GenOptions &Options;
  mlir::OpBuilder Builder;
  mlir::ModuleOp Module;
  mlir::func::FuncOp Forward;
  const FunctionDecl *Model = nullptr;
  int64_t Batch = 0;
  /// The values of the model's arguments.
  llvm::StringMap<ConstValue> ModelArgs;
  /// The variables of the body being generated.
  Env *Vars = nullptr;
  /// The model's variables (inputs and model arguments are found here).
  Env *ModelVars = nullptr;
  /// Naming scopes, innermost last.
  std::vector<NameScope> Scopes;
  /// A block call that takes the current (repeat iteration) scope as its
  /// own instead of opening one.
  const CallExpr *CollapsedCall = nullptr;
  /// The names of the model's inputs, in argument order.
  std::vector<std::string> InputNames;

  struct ParamRecord {
    mlir::dl::ParameterOp Op;
    Location Loc;
  };
  llvm::StringMap<ParamRecord> Params;
  std::vector<std::string> ParamOrder;
  /// How deeply expressions (and the blocks they inline) nest: generation
  /// recurses that deep, so it is bounded.
  unsigned Depth = 0;
  static constexpr unsigned MaxDepth = 1024;
  /// The depth one inlined block call adds.
  static constexpr unsigned BlockCallDepth = 16;
  /// Dropout ops get distinct keys.
  int64_t NextDropoutKey = 0;
  /// Block calls being generated, innermost last; the ops of an outermost
  /// call (one made by the model itself) are tagged `dl.block` with its
  /// index, for activation checkpointing.
  unsigned BlockCallNesting = 0;
  int64_t NextBlockIndex = 0;

  /// The outputs found so far.
  mlir::Value Loss;
  std::vector<std::pair<std::string, mlir::Value>> Metrics;
  std::vector<Location> MetricLocs;
  /// The model's `freeze` statements.
  std::vector<std::pair<std::string, Location>> FreezePatterns;
  /// The value a block's `return` gave.
  std::optional<GenValue> ReturnValue;
};

} // namespace gen
} // namespace dlcc

#endif // DLCC_FRONTEND_MLIRGENINTERNAL_H
