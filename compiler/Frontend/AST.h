//===- AST.h - Abstract syntax tree of the .dl language ---------*- C++ -*-===//
//
// Part of dlcc, an ahead-of-time compiler for training deep networks.
//
//===----------------------------------------------------------------------===//
///
/// \file
/// The AST of `.dl` programs. A Program holds one SourceFile per loaded file
/// (imports first, the main file last); a file holds declarations: imports,
/// blocks, a model, a `train` section and `finetune` sections. Bodies are
/// lists of statements over expressions. Node classes use LLVM-style RTTI
/// (`llvm::isa`, `llvm::dyn_cast`) through a kind enum and `classof`.
///
/// Names, strings and locations refer to buffers of the llvm::SourceMgr the
/// program was parsed with: that manager must outlive the AST.
///
//===----------------------------------------------------------------------===//

#ifndef DLCC_FRONTEND_AST_H
#define DLCC_FRONTEND_AST_H

#include "compiler/Frontend/Diagnostics.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Casting.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dlcc {

struct BuiltinFunction;
class FunctionDecl;

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

/// Base class of expressions.
class Expr {
public:
  enum ExprKind {
    Number,
    String,
    Bool,
    Name,
    Call,
    List,
    Tuple,
    Binary,
    Negate,
    Index,
  };

  Expr(ExprKind Kind, Location Loc) : Kind(Kind), Loc(Loc) {}
  virtual ~Expr() = default;

  ExprKind getKind() const { return Kind; }
  const Location &getLoc() const { return Loc; }

private:
  const ExprKind Kind;
  Location Loc;
};

using ExprPtr = std::unique_ptr<Expr>;

/// An integer (`128`) or floating-point (`3e-4`, `0.9`) literal.
class NumberExpr : public Expr {
public:
  NumberExpr(Location Loc, llvm::StringRef Spelling, int64_t Value)
      : Expr(Number, Loc), Spelling(Spelling), IsInteger(true), IntValue(Value),
        FloatValue(static_cast<double>(Value)) {}
  NumberExpr(Location Loc, llvm::StringRef Spelling, double Value)
      : Expr(Number, Loc), Spelling(Spelling), IsInteger(false), IntValue(0),
        FloatValue(Value) {}

  /// The literal as written.
  llvm::StringRef getSpelling() const { return Spelling; }
  bool isInteger() const { return IsInteger; }
  /// The value of an integer literal.
  int64_t getInt() const { return IntValue; }
  /// The value as a double (integers are converted).
  double getFloat() const { return FloatValue; }

  static bool classof(const Expr *E) { return E->getKind() == Number; }

private:
  std::string Spelling;
  bool IsInteger;
  int64_t IntValue;
  double FloatValue;
};

/// A string literal, with escapes decoded.
class StringExpr : public Expr {
public:
  StringExpr(Location Loc, std::string Value)
      : Expr(String, Loc), Value(std::move(Value)) {}
  llvm::StringRef getValue() const { return Value; }
  static bool classof(const Expr *E) { return E->getKind() == String; }

private:
  std::string Value;
};

/// `true` or `false`.
class BoolExpr : public Expr {
public:
  BoolExpr(Location Loc, bool Value) : Expr(Bool, Loc), Value(Value) {}
  bool getValue() const { return Value; }
  static bool classof(const Expr *E) { return E->getKind() == Bool; }

private:
  bool Value;
};

/// A name: a variable, a parameter, `B`, or (in `train`) a word such as
/// `bf16`.
class NameExpr : public Expr {
public:
  NameExpr(Location Loc, llvm::StringRef Name)
      : Expr(Expr::Name, Loc), Name(Name) {}
  llvm::StringRef getName() const { return Name; }
  static bool classof(const Expr *E) { return E->getKind() == Expr::Name; }

private:
  std::string Name;
};

/// A keyword argument `name = value` of a call.
struct KeywordArg {
  std::string Name;
  Location Loc;
  ExprPtr Value;
};

/// A call `callee(positional..., keyword = value...)`. Semantic analysis
/// resolves the callee to a block or a built-in and binds every argument to
/// a parameter slot (see getBoundArgs).
class CallExpr : public Expr {
public:
  CallExpr(Location Loc, llvm::StringRef Callee, std::vector<ExprPtr> Args,
           std::vector<KeywordArg> Keywords)
      : Expr(Call, Loc), Callee(Callee), Args(std::move(Args)),
        Keywords(std::move(Keywords)) {}

  llvm::StringRef getCallee() const { return Callee; }
  /// Positional arguments, in order.
  llvm::ArrayRef<ExprPtr> getArgs() const { return Args; }
  /// Keyword arguments, in source order.
  llvm::ArrayRef<KeywordArg> getKeywords() const { return Keywords; }
  /// Returns the keyword argument named `Name`, or null.
  const Expr *getKeyword(llvm::StringRef Name) const;

  /// After Sema: the block called, or null.
  const FunctionDecl *getBlock() const { return Block; }
  /// After Sema: the built-in called (ops, initializers, train-section
  /// functions), or null.
  const BuiltinFunction *getBuiltin() const { return Builtin; }
  /// After Sema: one entry per parameter of the block or built-in, in
  /// declaration order: the argument expression passed for it, or null when
  /// the parameter takes its default. Empty for a call to a built-in that
  /// takes arbitrary keywords (`npy`).
  llvm::ArrayRef<const Expr *> getBoundArgs() const { return BoundArgs; }

  /// Records what the call resolves to (a semantic annotation, hence const).
  void resolve(const FunctionDecl *B, const BuiltinFunction *F,
               std::vector<const Expr *> Bound) const {
    Block = B;
    Builtin = F;
    BoundArgs = std::move(Bound);
  }

  static bool classof(const Expr *E) { return E->getKind() == Call; }

private:
  std::string Callee;
  std::vector<ExprPtr> Args;
  std::vector<KeywordArg> Keywords;
  mutable const FunctionDecl *Block = nullptr;
  mutable const BuiltinFunction *Builtin = nullptr;
  mutable std::vector<const Expr *> BoundArgs;
};

/// A list `[a, b, c]`: shapes, lists of tensors, lists of strings.
class ListExpr : public Expr {
public:
  ListExpr(Location Loc, std::vector<ExprPtr> Elements)
      : Expr(List, Loc), Elements(std::move(Elements)) {}
  llvm::ArrayRef<ExprPtr> getElements() const { return Elements; }
  static bool classof(const Expr *E) { return E->getKind() == List; }

private:
  std::vector<ExprPtr> Elements;
};

/// A tuple `(a, b)` or `(a,)`: several values, such as `betas = (0.9, 0.95)`
/// or a block returning two tensors.
class TupleExpr : public Expr {
public:
  TupleExpr(Location Loc, std::vector<ExprPtr> Elements)
      : Expr(Tuple, Loc), Elements(std::move(Elements)) {}
  llvm::ArrayRef<ExprPtr> getElements() const { return Elements; }
  static bool classof(const Expr *E) { return E->getKind() == Tuple; }

private:
  std::vector<ExprPtr> Elements;
};

/// The binary operators, elementwise (with broadcasting) except MatMul.
enum class BinaryOp { Add, Sub, Mul, Div, MatMul };

/// Returns the operator's spelling: "+", "-", "*", "/" or "@".
llvm::StringRef getBinaryOpSpelling(BinaryOp Op);

/// `lhs op rhs`; the location is the operator's.
class BinaryExpr : public Expr {
public:
  BinaryExpr(Location Loc, BinaryOp Op, ExprPtr LHS, ExprPtr RHS)
      : Expr(Binary, Loc), Op(Op), LHS(std::move(LHS)), RHS(std::move(RHS)) {}
  BinaryOp getOp() const { return Op; }
  const Expr &getLHS() const { return *LHS; }
  const Expr &getRHS() const { return *RHS; }
  static bool classof(const Expr *E) { return E->getKind() == Binary; }

private:
  BinaryOp Op;
  ExprPtr LHS, RHS;
};

/// `-operand`.
class NegateExpr : public Expr {
public:
  NegateExpr(Location Loc, ExprPtr Operand)
      : Expr(Negate, Loc), Operand(std::move(Operand)) {}
  const Expr &getOperand() const { return *Operand; }
  static bool classof(const Expr *E) { return E->getKind() == Negate; }

private:
  ExprPtr Operand;
};

/// One entry of a subscript `x[...]`: an index `i`, a slice
/// `start:stop:step` (each part optional) or an ellipsis `...`.
struct Subscript {
  enum SubscriptKind { Index, Slice, Ellipsis };
  SubscriptKind Kind = Index;
  Location Loc;
  /// The index of an Index entry, or the start of a Slice (may be null).
  ExprPtr Start;
  /// The stop and step of a Slice (each may be null).
  ExprPtr Stop;
  ExprPtr Step;
};

/// Indexing and slicing `base[i, a:b, ...]`; negative indices count from the
/// end, as in Python.
class IndexExpr : public Expr {
public:
  IndexExpr(Location Loc, ExprPtr Base, std::vector<Subscript> Subscripts)
      : Expr(Index, Loc), Base(std::move(Base)),
        Subscripts(std::move(Subscripts)) {}
  const Expr &getBase() const { return *Base; }
  llvm::ArrayRef<Subscript> getSubscripts() const { return Subscripts; }
  static bool classof(const Expr *E) { return E->getKind() == Index; }

private:
  ExprPtr Base;
  std::vector<Subscript> Subscripts;
};

//===----------------------------------------------------------------------===//
// Statements
//===----------------------------------------------------------------------===//

/// Base class of statements in model and block bodies.
class Stmt {
public:
  enum StmtKind { Input, Assign, Repeat, Return, Loss, Metric, Freeze };

  Stmt(StmtKind Kind, Location Loc) : Kind(Kind), Loc(Loc) {}
  virtual ~Stmt() = default;

  StmtKind getKind() const { return Kind; }
  const Location &getLoc() const { return Loc; }

private:
  const StmtKind Kind;
  Location Loc;
};

using StmtPtr = std::unique_ptr<Stmt>;

/// The element types of model inputs.
enum class DType { F32, BF16, F16, I32, I64 };

/// Returns the spelling of a dtype: "f32", "bf16", "f16", "i32" or "i64".
llvm::StringRef getDTypeSpelling(DType Type);

/// `input NAME: dtype[dims]`: a tensor fed from the data, one per batch.
class InputStmt : public Stmt {
public:
  InputStmt(Location Loc, llvm::StringRef Name, DType Type,
            std::vector<ExprPtr> Dims)
      : Stmt(Input, Loc), Name(Name), Type(Type), Dims(std::move(Dims)) {}
  llvm::StringRef getName() const { return Name; }
  DType getType() const { return Type; }
  /// Integer expressions of the model's parameters and `B`.
  llvm::ArrayRef<ExprPtr> getDims() const { return Dims; }
  static bool classof(const Stmt *S) { return S->getKind() == Input; }

private:
  std::string Name;
  DType Type;
  std::vector<ExprPtr> Dims;
};

/// A name on the left of an assignment.
struct AssignTarget {
  std::string Name;
  Location Loc;
};

/// `a = expr`, or `q, k, v = expr` which unpacks several values.
class AssignStmt : public Stmt {
public:
  AssignStmt(Location Loc, std::vector<AssignTarget> Targets, ExprPtr Value)
      : Stmt(Assign, Loc), Targets(std::move(Targets)),
        Value(std::move(Value)) {}
  llvm::ArrayRef<AssignTarget> getTargets() const { return Targets; }
  const Expr &getValue() const { return *Value; }
  static bool classof(const Stmt *S) { return S->getKind() == Assign; }

private:
  std::vector<AssignTarget> Targets;
  ExprPtr Value;
};

/// `repeat N as i { body }`: the body N times, with separate weights for each
/// iteration (parameters get the index in their names). `i` is optional.
class RepeatStmt : public Stmt {
public:
  RepeatStmt(Location Loc, ExprPtr Count, llvm::StringRef IndexName,
             Location IndexLoc, std::vector<StmtPtr> Body)
      : Stmt(Repeat, Loc), Count(std::move(Count)), IndexName(IndexName),
        IndexLoc(IndexLoc), Body(std::move(Body)) {}
  const Expr &getCount() const { return *Count; }
  /// The index variable, or "" when there is no `as i`.
  llvm::StringRef getIndexName() const { return IndexName; }
  const Location &getIndexLoc() const { return IndexLoc; }
  llvm::ArrayRef<StmtPtr> getBody() const { return Body; }
  static bool classof(const Stmt *S) { return S->getKind() == Repeat; }

private:
  ExprPtr Count;
  std::string IndexName;
  Location IndexLoc;
  std::vector<StmtPtr> Body;
};

/// `return expr`: the value of a block.
class ReturnStmt : public Stmt {
public:
  ReturnStmt(Location Loc, ExprPtr Value)
      : Stmt(Return, Loc), Value(std::move(Value)) {}
  const Expr &getValue() const { return *Value; }
  static bool classof(const Stmt *S) { return S->getKind() == Return; }

private:
  ExprPtr Value;
};

/// `loss expr`: the scalar a model minimizes.
class LossStmt : public Stmt {
public:
  LossStmt(Location Loc, ExprPtr Value)
      : Stmt(Loss, Loc), Value(std::move(Value)) {}
  const Expr &getValue() const { return *Value; }
  static bool classof(const Stmt *S) { return S->getKind() == Loss; }

private:
  ExprPtr Value;
};

/// `metric expr` or `metric NAME = expr`: a value logged during training and
/// evaluation. Without an explicit name, the metric is named after the
/// function called (`metric accuracy(logits, label)` is "accuracy").
class MetricStmt : public Stmt {
public:
  MetricStmt(Location Loc, llvm::StringRef Name, bool HasExplicitName,
             Location NameLoc, ExprPtr Value)
      : Stmt(Metric, Loc), Name(Name), HasExplicitName(HasExplicitName),
        NameLoc(NameLoc), Value(std::move(Value)) {}
  /// The metric's name; "" when it has none (an error Sema reports).
  llvm::StringRef getName() const { return Name; }
  bool hasExplicitName() const { return HasExplicitName; }
  const Location &getNameLoc() const { return NameLoc; }
  const Expr &getValue() const { return *Value; }
  static bool classof(const Stmt *S) { return S->getKind() == Metric; }

private:
  std::string Name;
  bool HasExplicitName;
  Location NameLoc;
  ExprPtr Value;
};

/// `freeze "pattern"`: parameters whose names match the glob get no updates.
class FreezeStmt : public Stmt {
public:
  FreezeStmt(Location Loc, llvm::StringRef Pattern, Location PatternLoc)
      : Stmt(Freeze, Loc), Pattern(Pattern), PatternLoc(PatternLoc) {}
  llvm::StringRef getPattern() const { return Pattern; }
  const Location &getPatternLoc() const { return PatternLoc; }
  static bool classof(const Stmt *S) { return S->getKind() == Freeze; }

private:
  std::string Pattern;
  Location PatternLoc;
};

//===----------------------------------------------------------------------===//
// Declarations
//===----------------------------------------------------------------------===//

class SourceFile;

/// Base class of top-level declarations.
class Decl {
public:
  enum DeclKind { Import, Block, Model, Train, Finetune };

  Decl(DeclKind Kind, Location Loc) : Kind(Kind), Loc(Loc) {}
  virtual ~Decl() = default;

  DeclKind getKind() const { return Kind; }
  /// The location of the declaration's keyword.
  const Location &getLoc() const { return Loc; }

private:
  const DeclKind Kind;
  Location Loc;
};

using DeclPtr = std::unique_ptr<Decl>;

/// `import "path"`: the path is relative to the importing file.
class ImportDecl : public Decl {
public:
  ImportDecl(Location Loc, llvm::StringRef Path, Location PathLoc)
      : Decl(Import, Loc), Path(Path), PathLoc(PathLoc) {}
  llvm::StringRef getPath() const { return Path; }
  const Location &getPathLoc() const { return PathLoc; }
  /// The file loaded for this import (set by the import resolver).
  const SourceFile *getImportedFile() const { return Imported; }
  void setImportedFile(const SourceFile *File) const { Imported = File; }
  static bool classof(const Decl *D) { return D->getKind() == Import; }

private:
  std::string Path;
  Location PathLoc;
  mutable const SourceFile *Imported = nullptr;
};

/// A parameter of a block or model, `name` or `name = default`.
struct Param {
  std::string Name;
  Location Loc;
  /// The default value, or null.
  ExprPtr Default;
};

/// A `block` (a reusable function of tensors) or the `model` (a function
/// from named inputs to a loss). Both have parameters and a body.
class FunctionDecl : public Decl {
public:
  FunctionDecl(DeclKind Kind, Location Loc, llvm::StringRef Name,
               Location NameLoc, std::vector<Param> Params,
               std::vector<StmtPtr> Body)
      : Decl(Kind, Loc), Name(Name), NameLoc(NameLoc),
        Params(std::move(Params)), Body(std::move(Body)) {}

  bool isModel() const { return getKind() == Model; }
  llvm::StringRef getName() const { return Name; }
  const Location &getNameLoc() const { return NameLoc; }
  llvm::ArrayRef<Param> getParams() const { return Params; }
  llvm::ArrayRef<StmtPtr> getBody() const { return Body; }

  /// Returns the parameter named `Name`, or null.
  const Param *findParam(llvm::StringRef Name) const;
  /// For a model: its `input` statements, in order.
  std::vector<const InputStmt *> getInputs() const;
  /// For a model: its `loss` statement, or null.
  const LossStmt *getLoss() const;
  /// For a model: its `metric` statements, in order.
  std::vector<const MetricStmt *> getMetrics() const;
  /// For a model: its `freeze` statements, in order.
  std::vector<const FreezeStmt *> getFreezes() const;

  static bool classof(const Decl *D) {
    return D->getKind() == Block || D->getKind() == Model;
  }

private:
  std::string Name;
  Location NameLoc;
  std::vector<Param> Params;
  std::vector<StmtPtr> Body;
};

/// `name = value` in a `train` or `finetune` section.
struct TrainEntry {
  std::string Name;
  Location Loc;
  ExprPtr Value;
};

/// `train { entries }`: how to train the file's model.
class TrainSection : public Decl {
public:
  TrainSection(Location Loc, std::vector<TrainEntry> Entries)
      : Decl(Train, Loc), Entries(std::move(Entries)) {}
  llvm::ArrayRef<TrainEntry> getEntries() const { return Entries; }
  /// Returns the entry named `Name`, or null.
  const TrainEntry *find(llvm::StringRef Name) const;
  static bool classof(const Decl *D) { return D->getKind() == Train; }

private:
  std::vector<TrainEntry> Entries;
};

/// `finetune MODEL from "weights" { entries }`: continue training a model
/// from saved weights; the entries override those of the `train` section of
/// the file that defines the model.
class FinetuneSection : public Decl {
public:
  FinetuneSection(Location Loc, llvm::StringRef ModelName, Location ModelLoc,
                  llvm::StringRef WeightsPath, Location WeightsLoc,
                  std::vector<TrainEntry> Entries)
      : Decl(Finetune, Loc), ModelName(ModelName), ModelLoc(ModelLoc),
        WeightsPath(WeightsPath), WeightsLoc(WeightsLoc),
        Entries(std::move(Entries)) {}
  llvm::StringRef getModelName() const { return ModelName; }
  const Location &getModelLoc() const { return ModelLoc; }
  /// The safetensors file holding the weights to start from.
  llvm::StringRef getWeightsPath() const { return WeightsPath; }
  const Location &getWeightsLoc() const { return WeightsLoc; }
  llvm::ArrayRef<TrainEntry> getEntries() const { return Entries; }
  /// Returns the entry named `Name`, or null.
  const TrainEntry *find(llvm::StringRef Name) const;
  static bool classof(const Decl *D) { return D->getKind() == Finetune; }

private:
  std::string ModelName;
  Location ModelLoc;
  std::string WeightsPath;
  Location WeightsLoc;
  std::vector<TrainEntry> Entries;
};

//===----------------------------------------------------------------------===//
// Files and programs
//===----------------------------------------------------------------------===//

/// The declarations of one `.dl` file, in source order.
class SourceFile {
public:
  SourceFile(llvm::StringRef Path, unsigned BufferID,
             std::vector<DeclPtr> Decls)
      : Path(Path), BufferID(BufferID), Decls(std::move(Decls)) {}

  /// The path the file was loaded from (its SourceMgr buffer identifier).
  llvm::StringRef getPath() const { return Path; }
  unsigned getBufferID() const { return BufferID; }
  llvm::ArrayRef<DeclPtr> getDecls() const { return Decls; }

  std::vector<const ImportDecl *> getImports() const;
  std::vector<const FunctionDecl *> getBlocks() const;
  std::vector<const FunctionDecl *> getModels() const;
  std::vector<const TrainSection *> getTrainSections() const;
  std::vector<const FinetuneSection *> getFinetuneSections() const;

private:
  std::string Path;
  unsigned BufferID;
  std::vector<DeclPtr> Decls;
};

/// A main file and everything it imports.
class Program {
public:
  /// Files in dependency order: every file comes after the files it
  /// imports, so the main file is last.
  llvm::ArrayRef<std::unique_ptr<SourceFile>> getFiles() const { return Files; }
  void addFile(std::unique_ptr<SourceFile> File) {
    Files.push_back(std::move(File));
  }
  /// The file named on the command line. The program must not be empty.
  const SourceFile &getMainFile() const { return *Files.back(); }

  /// Returns the block named `Name` in any file, or null.
  const FunctionDecl *findBlock(llvm::StringRef Name) const;
  /// Returns the model named `Name` in any file, or null.
  const FunctionDecl *findModel(llvm::StringRef Name) const;

  /// The main file's `finetune` section, or null.
  const FinetuneSection *getFinetune() const;
  /// The model to compile: the one the main file's `finetune` section names,
  /// otherwise the main file's model; null if there is none.
  const FunctionDecl *getEntryModel() const;
  /// The training options in effect: the entries of the `train` section of
  /// the file that defines the entry model, overridden by those of the main
  /// file's `train` section (when the model is imported) and then by those of
  /// its `finetune` section. Setting `steps` drops an inherited `epochs`,
  /// and the reverse.
  std::vector<const TrainEntry *> getTrainOptions() const;

private:
  std::vector<std::unique_ptr<SourceFile>> Files;
};

/// Returns where the text of `E` begins: the location of a binary
/// expression is its operator, its text begins with its left operand.
const Location &getBeginLoc(const Expr &E);

/// Prints the AST of every file of `P` as an indented tree, with locations
/// as `@file:line:col` (file names without directories).
void dumpAST(const Program &P, llvm::raw_ostream &OS);
/// Prints the AST of one file.
void dumpAST(const SourceFile &File, llvm::raw_ostream &OS);
/// Prints an expression as source text (`relu(linear(x, 10))`), for
/// messages.
std::string printExpr(const Expr &E);

} // namespace dlcc

#endif // DLCC_FRONTEND_AST_H
