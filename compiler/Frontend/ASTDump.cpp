//===- ASTDump.cpp - Readable dump of the AST -----------------------------===//
//
// Part of dlcc, an ahead-of-time compiler for training deep networks.
//
//===----------------------------------------------------------------------===//
//
// Prints the AST as an indented tree, one node per line, each with its
// location (`dlcc model.dl --emit=ast`), and expressions as source text.
//
//===----------------------------------------------------------------------===//

#include "compiler/Frontend/AST.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Path.h"

using namespace dlcc;
using llvm::cast;
using llvm::dyn_cast;
using llvm::isa;

namespace {

/// Writes `"text"` with the escapes the lexer understands.
void printQuoted(llvm::raw_ostream &OS, llvm::StringRef Text) {
  OS << '"';
  for (char C : Text) {
    switch (C) {
    case '\\':
      OS << "\\\\";
      break;
    case '"':
      OS << "\\\"";
      break;
    case '\n':
      OS << "\\n";
      break;
    case '\t':
      OS << "\\t";
      break;
    case '\r':
      OS << "\\r";
      break;
    case '\0':
      OS << "\\0";
      break;
    default:
      OS << C;
    }
  }
  OS << '"';
}

//===----------------------------------------------------------------------===//
// Expressions as source text
//===----------------------------------------------------------------------===//

/// Binding strength of an expression, for parenthesizing.
int getPrecedence(const Expr &E) {
  if (const auto *B = dyn_cast<BinaryExpr>(&E))
    return B->getOp() == BinaryOp::Add || B->getOp() == BinaryOp::Sub ? 1 : 2;
  if (isa<NegateExpr>(E))
    return 3;
  return 4;
}

void printExprTo(llvm::raw_ostream &OS, const Expr &E);

void printList(llvm::raw_ostream &OS, llvm::ArrayRef<ExprPtr> Elements) {
  llvm::interleaveComma(Elements, OS,
                        [&](const ExprPtr &X) { printExprTo(OS, *X); });
}

void printOperand(llvm::raw_ostream &OS, const Expr &E, int MinPrecedence) {
  bool Paren = getPrecedence(E) < MinPrecedence;
  if (Paren)
    OS << '(';
  printExprTo(OS, E);
  if (Paren)
    OS << ')';
}

void printSubscript(llvm::raw_ostream &OS, const Subscript &S) {
  switch (S.Kind) {
  case Subscript::Ellipsis:
    OS << "...";
    return;
  case Subscript::Index:
    printExprTo(OS, *S.Start);
    return;
  case Subscript::Slice:
    if (S.Start)
      printExprTo(OS, *S.Start);
    OS << ':';
    if (S.Stop)
      printExprTo(OS, *S.Stop);
    if (S.Step) {
      OS << ':';
      printExprTo(OS, *S.Step);
    }
    return;
  }
}

void printExprTo(llvm::raw_ostream &OS, const Expr &E) {
  switch (E.getKind()) {
  case Expr::Number:
    OS << cast<NumberExpr>(E).getSpelling();
    return;
  case Expr::String:
    printQuoted(OS, cast<StringExpr>(E).getValue());
    return;
  case Expr::Bool:
    OS << (cast<BoolExpr>(E).getValue() ? "true" : "false");
    return;
  case Expr::Name:
    OS << cast<NameExpr>(E).getName();
    return;
  case Expr::Call: {
    const auto &C = cast<CallExpr>(E);
    OS << C.getCallee() << '(';
    printList(OS, C.getArgs());
    bool First = C.getArgs().empty();
    for (const KeywordArg &K : C.getKeywords()) {
      if (!First)
        OS << ", ";
      First = false;
      OS << K.Name << " = ";
      printExprTo(OS, *K.Value);
    }
    OS << ')';
    return;
  }
  case Expr::List:
    OS << '[';
    printList(OS, cast<ListExpr>(E).getElements());
    OS << ']';
    return;
  case Expr::Tuple: {
    llvm::ArrayRef<ExprPtr> Elements = cast<TupleExpr>(E).getElements();
    OS << '(';
    printList(OS, Elements);
    if (Elements.size() == 1)
      OS << ',';
    OS << ')';
    return;
  }
  case Expr::Binary: {
    const auto &B = cast<BinaryExpr>(E);
    int Prec = getPrecedence(B);
    printOperand(OS, B.getLHS(), Prec);
    OS << ' ' << getBinaryOpSpelling(B.getOp()) << ' ';
    printOperand(OS, B.getRHS(), Prec + 1);
    return;
  }
  case Expr::Negate:
    OS << '-';
    printOperand(OS, cast<NegateExpr>(E).getOperand(), 3);
    return;
  case Expr::Index: {
    const auto &I = cast<IndexExpr>(E);
    printOperand(OS, I.getBase(), 4);
    OS << '[';
    llvm::interleaveComma(I.getSubscripts(), OS,
                          [&](const Subscript &S) { printSubscript(OS, S); });
    OS << ']';
    return;
  }
  }
}

//===----------------------------------------------------------------------===//
// Tree dump
//===----------------------------------------------------------------------===//

class ASTDumper {
public:
  explicit ASTDumper(llvm::raw_ostream &OS) : OS(OS) {}

  void dumpFile(const SourceFile &File);

private:
  /// Starts a line at the current depth.
  llvm::raw_ostream &line() { return OS.indent(Depth * 2); }
  void printLoc(const Location &Loc) {
    OS << " @" << llvm::sys::path::filename(Loc.File) << ':' << Loc.Line << ':'
       << Loc.Col << '\n';
  }

  /// Indents the lines printed while it is alive.
  struct Indent {
    explicit Indent(ASTDumper &D) : D(D) { ++D.Depth; }
    ~Indent() { --D.Depth; }
    ASTDumper &D;
  };

  void dumpDecl(const Decl &D);
  void dumpFunction(const FunctionDecl &F);
  void dumpEntries(llvm::ArrayRef<TrainEntry> Entries);
  void dumpBody(llvm::ArrayRef<StmtPtr> Body);
  void dumpStmt(const Stmt &S);
  void dumpExpr(const Expr &E);
  void dumpLabeled(llvm::StringRef Label, const Expr *E);

  llvm::raw_ostream &OS;
  unsigned Depth = 0;
};

void ASTDumper::dumpFile(const SourceFile &File) {
  line() << "File ";
  printQuoted(OS, File.getPath());
  OS << '\n';
  Indent I(*this);
  for (const DeclPtr &D : File.getDecls())
    dumpDecl(*D);
}

void ASTDumper::dumpDecl(const Decl &D) {
  switch (D.getKind()) {
  case Decl::Import:
    line() << "Import ";
    printQuoted(OS, cast<ImportDecl>(D).getPath());
    printLoc(D.getLoc());
    return;
  case Decl::Block:
  case Decl::Model:
    dumpFunction(cast<FunctionDecl>(D));
    return;
  case Decl::Train:
    line() << "Train";
    printLoc(D.getLoc());
    dumpEntries(cast<TrainSection>(D).getEntries());
    return;
  case Decl::Finetune: {
    const auto &F = cast<FinetuneSection>(D);
    line() << "Finetune " << F.getModelName() << " from ";
    printQuoted(OS, F.getWeightsPath());
    printLoc(D.getLoc());
    dumpEntries(F.getEntries());
    return;
  }
  }
}

void ASTDumper::dumpFunction(const FunctionDecl &F) {
  line() << (F.isModel() ? "Model " : "Block ") << F.getName();
  printLoc(F.getNameLoc());
  Indent I(*this);
  for (const Param &P : F.getParams()) {
    line() << "Param " << P.Name;
    printLoc(P.Loc);
    if (P.Default) {
      Indent J(*this);
      dumpExpr(*P.Default);
    }
  }
  dumpBody(F.getBody());
}

void ASTDumper::dumpEntries(llvm::ArrayRef<TrainEntry> Entries) {
  Indent I(*this);
  for (const TrainEntry &E : Entries) {
    line() << "Option " << E.Name;
    printLoc(E.Loc);
    Indent J(*this);
    dumpExpr(*E.Value);
  }
}

void ASTDumper::dumpBody(llvm::ArrayRef<StmtPtr> Body) {
  for (const StmtPtr &S : Body)
    dumpStmt(*S);
}

void ASTDumper::dumpStmt(const Stmt &S) {
  switch (S.getKind()) {
  case Stmt::Input: {
    const auto &In = cast<InputStmt>(S);
    line() << "Input " << In.getName() << ": " << getDTypeSpelling(In.getType())
           << '[';
    llvm::interleaveComma(In.getDims(), OS,
                          [&](const ExprPtr &E) { printExprTo(OS, *E); });
    OS << ']';
    printLoc(S.getLoc());
    Indent I(*this);
    for (const ExprPtr &E : In.getDims())
      dumpExpr(*E);
    return;
  }
  case Stmt::Assign: {
    const auto &A = cast<AssignStmt>(S);
    line() << "Assign ";
    llvm::interleaveComma(A.getTargets(), OS,
                          [&](const AssignTarget &T) { OS << T.Name; });
    printLoc(S.getLoc());
    Indent I(*this);
    dumpExpr(A.getValue());
    return;
  }
  case Stmt::Repeat: {
    const auto &R = cast<RepeatStmt>(S);
    line() << "Repeat";
    if (!R.getIndexName().empty())
      OS << " as " << R.getIndexName();
    printLoc(S.getLoc());
    Indent I(*this);
    dumpLabeled("Count", &R.getCount());
    line() << "Body\n";
    Indent J(*this);
    dumpBody(R.getBody());
    return;
  }
  case Stmt::Return:
    line() << "Return";
    printLoc(S.getLoc());
    {
      Indent I(*this);
      dumpExpr(cast<ReturnStmt>(S).getValue());
    }
    return;
  case Stmt::Loss:
    line() << "Loss";
    printLoc(S.getLoc());
    {
      Indent I(*this);
      dumpExpr(cast<LossStmt>(S).getValue());
    }
    return;
  case Stmt::Metric: {
    const auto &M = cast<MetricStmt>(S);
    line() << "Metric " << (M.getName().empty() ? "<unnamed>" : M.getName());
    printLoc(S.getLoc());
    Indent I(*this);
    dumpExpr(M.getValue());
    return;
  }
  case Stmt::Freeze:
    line() << "Freeze ";
    printQuoted(OS, cast<FreezeStmt>(S).getPattern());
    printLoc(S.getLoc());
    return;
  }
}

void ASTDumper::dumpLabeled(llvm::StringRef Label, const Expr *E) {
  if (!E)
    return;
  line() << Label << '\n';
  Indent I(*this);
  dumpExpr(*E);
}

void ASTDumper::dumpExpr(const Expr &E) {
  switch (E.getKind()) {
  case Expr::Number: {
    const auto &N = cast<NumberExpr>(E);
    line() << (N.isInteger() ? "Integer " : "Float ") << N.getSpelling();
    printLoc(E.getLoc());
    return;
  }
  case Expr::String:
    line() << "String ";
    printQuoted(OS, cast<StringExpr>(E).getValue());
    printLoc(E.getLoc());
    return;
  case Expr::Bool:
    line() << "Bool " << (cast<BoolExpr>(E).getValue() ? "true" : "false");
    printLoc(E.getLoc());
    return;
  case Expr::Name:
    line() << "Name " << cast<NameExpr>(E).getName();
    printLoc(E.getLoc());
    return;
  case Expr::Call: {
    const auto &C = cast<CallExpr>(E);
    line() << "Call " << C.getCallee();
    if (C.getBlock())
      OS << " (block)";
    printLoc(E.getLoc());
    Indent I(*this);
    for (const ExprPtr &A : C.getArgs())
      dumpExpr(*A);
    for (const KeywordArg &K : C.getKeywords()) {
      line() << "Keyword " << K.Name;
      printLoc(K.Loc);
      Indent J(*this);
      dumpExpr(*K.Value);
    }
    return;
  }
  case Expr::List:
  case Expr::Tuple: {
    bool IsList = isa<ListExpr>(E);
    line() << (IsList ? "List" : "Tuple");
    printLoc(E.getLoc());
    Indent I(*this);
    for (const ExprPtr &X : IsList ? cast<ListExpr>(E).getElements()
                                   : cast<TupleExpr>(E).getElements())
      dumpExpr(*X);
    return;
  }
  case Expr::Binary: {
    const auto &B = cast<BinaryExpr>(E);
    line() << "Binary '" << getBinaryOpSpelling(B.getOp()) << "'";
    printLoc(E.getLoc());
    Indent I(*this);
    dumpExpr(B.getLHS());
    dumpExpr(B.getRHS());
    return;
  }
  case Expr::Negate:
    line() << "Negate";
    printLoc(E.getLoc());
    {
      Indent I(*this);
      dumpExpr(cast<NegateExpr>(E).getOperand());
    }
    return;
  case Expr::Index: {
    const auto &X = cast<IndexExpr>(E);
    line() << "Index";
    printLoc(E.getLoc());
    Indent I(*this);
    dumpExpr(X.getBase());
    for (const Subscript &S : X.getSubscripts()) {
      switch (S.Kind) {
      case Subscript::Ellipsis:
        line() << "Ellipsis";
        printLoc(S.Loc);
        break;
      case Subscript::Index:
        line() << "At";
        printLoc(S.Loc);
        {
          Indent J(*this);
          dumpExpr(*S.Start);
        }
        break;
      case Subscript::Slice: {
        line() << "Slice";
        printLoc(S.Loc);
        Indent J(*this);
        dumpLabeled("Start", S.Start.get());
        dumpLabeled("Stop", S.Stop.get());
        dumpLabeled("Step", S.Step.get());
        break;
      }
      }
    }
    return;
  }
  }
}

} // namespace

std::string dlcc::printExpr(const Expr &E) {
  std::string Text;
  llvm::raw_string_ostream OS(Text);
  printExprTo(OS, E);
  return Text;
}

void dlcc::dumpAST(const SourceFile &File, llvm::raw_ostream &OS) {
  ASTDumper(OS).dumpFile(File);
}

void dlcc::dumpAST(const Program &P, llvm::raw_ostream &OS) {
  for (const auto &File : P.getFiles())
    dumpAST(*File, OS);
}
