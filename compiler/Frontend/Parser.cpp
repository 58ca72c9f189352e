//===- Parser.cpp - Recursive-descent parser for .dl files ----------------===//
//
// Part of dlcc, an ahead-of-time compiler for training deep networks.
//
//===----------------------------------------------------------------------===//

#include "compiler/Frontend/Parser.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"

#include <optional>

using namespace dlcc;
using llvm::dyn_cast;

std::unique_ptr<SourceFile> dlcc::parseFile(unsigned BufferID,
                                            DiagnosticEngine &Diags) {
  return Parser(BufferID, Diags).parseFile();
}

Parser::Parser(unsigned BufferID, DiagnosticEngine &Diags)
    : Lex(BufferID, Diags), Diags(Diags), BufferID(BufferID) {
  Tok = Lex.lex();
  PrevEnd = Tok.Loc;
}

//===----------------------------------------------------------------------===//
// Tokens and recovery
//===----------------------------------------------------------------------===//

void Parser::consume() {
  if (Tok.is(TokenKind::Eof))
    return;
  PrevEnd = Tok.Loc;
  PrevEnd.Col += Tok.Text.size();
  PrevEnd.Loc = llvm::SMLoc::getFromPointer(Tok.Text.data() + Tok.Text.size());
  if (!Lookahead.empty()) {
    Tok = std::move(Lookahead.front());
    Lookahead.pop_front();
  } else {
    Tok = Lex.lex();
  }
}

const Token &Parser::peek(unsigned N) {
  if (N == 0)
    return Tok;
  while (Lookahead.size() < N) {
    if (!Lookahead.empty() && Lookahead.back().is(TokenKind::Eof))
      return Lookahead.back();
    if (Lookahead.empty() && Tok.is(TokenKind::Eof))
      return Tok;
    Lookahead.push_back(Lex.lex());
  }
  return Lookahead[N - 1];
}

void Parser::continueLine() {
  if (Tok.isNot(TokenKind::Eof) && Tok.isNot(TokenKind::RBrace) &&
      !atTopLevelKeyword())
    Tok.StartsLine = false;
}

bool Parser::consumeIf(TokenKind Kind) {
  if (Tok.isNot(Kind))
    return false;
  consume();
  return true;
}

bool Parser::deeper() {
  if (++Depth <= MaxDepth)
    return true;
  return error(Tok.Loc, "expression or body nested too deeply (more than " +
                            llvm::Twine(MaxDepth) + " levels)");
}

bool Parser::atStatementEnd() const {
  return Tok.is(TokenKind::Semicolon) || Tok.is(TokenKind::RBrace) ||
         Tok.is(TokenKind::Eof) ||
         (atLineBreak() && Tok.Loc.Loc != StatementStart);
}

bool Parser::atTopLevelKeyword() const {
  if (!Tok.StartsLine)
    return false;
  switch (Tok.Kind) {
  case TokenKind::KwImport:
  case TokenKind::KwBlock:
  case TokenKind::KwModel:
  case TokenKind::KwTrain:
  case TokenKind::KwFinetune:
    return true;
  default:
    return false;
  }
}

std::string Parser::describeToken() const {
  if (Tok.is(TokenKind::Eof))
    return "end of file";
  if (atLineBreak() && Tok.Loc.Loc != StatementStart)
    return "end of line";
  switch (Tok.Kind) {
  case TokenKind::Identifier:
  case TokenKind::Integer:
  case TokenKind::Float:
    return ("'" + Tok.Text + "'").str();
  default:
    return getTokenKindSpelling(Tok.Kind).str();
  }
}

bool Parser::error(const Location &Loc, const llvm::Twine &Msg) {
  if (Tok.isNot(TokenKind::Error))
    Diags.error(Loc, Msg);
  return false;
}

bool Parser::errorExpected(const llvm::Twine &What) {
  // What is missing belongs at the end of the previous line, even inside
  // brackets: `f(a, b` followed by a new statement lacks a ')' there.
  bool AtEnd = Tok.is(TokenKind::Eof) ||
               (Tok.StartsLine && Tok.Loc.Loc != StatementStart);
  return error(AtEnd ? PrevEnd : Tok.Loc,
               "expected " + What + ", found " + describeToken());
}

void Parser::skipToStatementEnd() {
  Nesting = 0;
  unsigned Braces = 0;
  while (Tok.isNot(TokenKind::Eof)) {
    // The first token of the broken statement is always skipped; a later
    // token that starts a line starts the next statement.
    bool NewLine = Tok.StartsLine && Tok.Loc.Loc != StatementStart;
    if (NewLine && atTopLevelKeyword())
      return;
    if (Braces == 0) {
      if (Tok.is(TokenKind::RBrace) || NewLine)
        return;
      if (Tok.is(TokenKind::Semicolon)) {
        consume();
        return;
      }
    }
    if (Tok.is(TokenKind::LBrace))
      ++Braces;
    else if (Tok.is(TokenKind::RBrace))
      --Braces;
    consume();
  }
}

void Parser::skipToTopLevel() {
  Nesting = 0;
  while (Tok.isNot(TokenKind::Eof) &&
         !(atTopLevelKeyword() && Tok.Loc.Loc != StatementStart))
    consume();
}

void Parser::skipPastClosing(TokenKind Open, TokenKind Close) {
  unsigned Depth = 1;
  while (Tok.isNot(TokenKind::Eof) && !atTopLevelKeyword() &&
         Tok.isNot(TokenKind::LBrace) && Tok.isNot(TokenKind::RBrace)) {
    if (Tok.is(Open)) {
      ++Depth;
    } else if (Tok.is(Close) && --Depth == 0) {
      consume();
      return;
    }
    consume();
  }
}

//===----------------------------------------------------------------------===//
// Declarations
//===----------------------------------------------------------------------===//

std::unique_ptr<SourceFile> Parser::parseFile() {
  std::vector<DeclPtr> Decls;
  while (Tok.isNot(TokenKind::Eof) && !Diags.shouldStop()) {
    StatementStart = Tok.Loc.Loc;
    DeclPtr D;
    switch (Tok.Kind) {
    case TokenKind::Semicolon:
      consume();
      continue;
    case TokenKind::KwImport:
      D = parseImport();
      if (!D)
        skipToStatementEnd();
      break;
    case TokenKind::KwBlock:
    case TokenKind::KwModel:
      D = parseFunction();
      break;
    case TokenKind::KwTrain:
      D = parseTrain();
      break;
    case TokenKind::KwFinetune:
      D = parseFinetune();
      break;
    default:
      if (Tok.is(TokenKind::Identifier) || Tok.is(TokenKind::KwInput) ||
          Tok.is(TokenKind::KwLoss) || Tok.is(TokenKind::KwReturn))
        error(Tok.Loc, "statements must be inside a 'model' or 'block' body");
      else
        errorExpected("'import', 'block', 'model', 'train' or 'finetune'");
      skipToTopLevel();
      continue;
    }
    if (D)
      Decls.push_back(std::move(D));
  }
  return std::make_unique<SourceFile>(Lex.getFileName(), BufferID,
                                      std::move(Decls));
}

DeclPtr Parser::parseImport() {
  Location Loc = Tok.Loc;
  consume(); // 'import'
  if (Tok.isNot(TokenKind::String) || atLineBreak())
    return errorExpected("a file name in quotes after 'import'"), nullptr;
  Token Path = Tok;
  consume();
  if (!parseStatementEnd())
    return nullptr;
  return std::make_unique<ImportDecl>(Loc, Path.StringValue, Path.Loc);
}

DeclPtr Parser::parseFunction() {
  bool IsModel = Tok.is(TokenKind::KwModel);
  llvm::StringRef Keyword = IsModel ? "model" : "block";
  Location Loc = Tok.Loc;
  consume();
  if (Tok.isNot(TokenKind::Identifier) || atLineBreak()) {
    errorExpected("a name after '" + Keyword + "'");
    skipToTopLevel();
    return nullptr;
  }
  std::string Name = Tok.Text.str();
  Location NameLoc = Tok.Loc;
  consume();

  std::vector<Param> Params;
  if (Tok.is(TokenKind::LParen)) {
    if (!parseParams(Params))
      skipPastClosing(TokenKind::LParen, TokenKind::RParen);
  } else if (!IsModel) {
    errorExpected("'(' and the parameters of block '" + Name + "'");
  }

  std::vector<StmtPtr> Body;
  if (!parseBody(Body, Keyword + " '" + Name + "'")) {
    skipToTopLevel();
    return nullptr;
  }
  return std::make_unique<FunctionDecl>(IsModel ? Decl::Model : Decl::Block,
                                        Loc, Name, NameLoc, std::move(Params),
                                        std::move(Body));
}

bool Parser::parseParams(std::vector<Param> &Params) {
  NestingScope Scope(*this);
  consume(); // '('
  while (Tok.isNot(TokenKind::RParen)) {
    if (Tok.isNot(TokenKind::Identifier))
      return errorExpected("a parameter name");
    Param P;
    P.Name = Tok.Text.str();
    P.Loc = Tok.Loc;
    consume();
    if (consumeIf(TokenKind::Equal)) {
      P.Default = parseExpr();
      if (!P.Default)
        return false;
    }
    Params.push_back(std::move(P));
    if (!consumeIf(TokenKind::Comma) && Tok.isNot(TokenKind::RParen))
      return errorExpected("',' or ')' after the parameter");
  }
  consume(); // ')'
  return true;
}

DeclPtr Parser::parseTrain() {
  Location Loc = Tok.Loc;
  consume(); // 'train'
  std::vector<TrainEntry> Entries;
  if (!parseEntries(Entries, "train section"))
    return nullptr;
  return std::make_unique<TrainSection>(Loc, std::move(Entries));
}

DeclPtr Parser::parseFinetune() {
  Location Loc = Tok.Loc;
  consume(); // 'finetune'
  if (Tok.isNot(TokenKind::Identifier) || atLineBreak()) {
    errorExpected("the name of the model after 'finetune'");
    skipToTopLevel();
    return nullptr;
  }
  Token Model = Tok;
  consume();
  if (Tok.isNot(TokenKind::KwFrom) || atLineBreak()) {
    errorExpected("'from' and the weights file after 'finetune " + Model.Text +
                  "'");
    skipToTopLevel();
    return nullptr;
  }
  consume();
  if (Tok.isNot(TokenKind::String) || atLineBreak()) {
    errorExpected("a weights file name in quotes after 'from'");
    skipToTopLevel();
    return nullptr;
  }
  Token Weights = Tok;
  consume();
  std::vector<TrainEntry> Entries;
  if (!parseEntries(Entries, "finetune section"))
    return nullptr;
  return std::make_unique<FinetuneSection>(Loc, Model.Text, Model.Loc,
                                           Weights.StringValue, Weights.Loc,
                                           std::move(Entries));
}

bool Parser::parseEntries(std::vector<TrainEntry> &Entries,
                          llvm::StringRef What) {
  if (Tok.isNot(TokenKind::LBrace)) {
    errorExpected("'{' to start the " + What);
    skipToTopLevel();
    return false;
  }
  Location Open = Tok.Loc;
  consume();
  while (!Diags.shouldStop()) {
    StatementStart = Tok.Loc.Loc;
    if (consumeIf(TokenKind::RBrace))
      return true;
    if (consumeIf(TokenKind::Semicolon))
      continue;
    if (Tok.is(TokenKind::Eof) || atTopLevelKeyword()) {
      error(Tok.is(TokenKind::Eof) ? PrevEnd : Tok.Loc,
            "expected '}' to close the " + What);
      Diags.note(Open, "the " + What + " starts here");
      return true;
    }
    // Option names may be reserved words: `freeze = ["embed.*"]`.
    if (Tok.isNot(TokenKind::Identifier) &&
        !(isKeyword(Tok.Kind) && peek().is(TokenKind::Equal))) {
      errorExpected("an option name such as 'batch' or '}'");
      skipToStatementEnd();
      continue;
    }
    TrainEntry Entry;
    Entry.Name = Tok.Text.str();
    Entry.Loc = Tok.Loc;
    consume();
    if (Tok.isNot(TokenKind::Equal) || atLineBreak()) {
      errorExpected("'=' after '" + Entry.Name + "'");
      skipToStatementEnd();
      continue;
    }
    consume();
    continueLine();
    Entry.Value = parseExpr();
    if (!Entry.Value || !parseStatementEnd()) {
      skipToStatementEnd();
      continue;
    }
    Entries.push_back(std::move(Entry));
  }
  return true;
}

//===----------------------------------------------------------------------===//
// Statements
//===----------------------------------------------------------------------===//

bool Parser::parseBody(std::vector<StmtPtr> &Body, const llvm::Twine &What) {
  std::string Description = What.str();
  if (Tok.isNot(TokenKind::LBrace))
    return errorExpected("'{' to start the body of " + Description);
  Location Open = Tok.Loc;
  consume();
  while (!Diags.shouldStop()) {
    StatementStart = Tok.Loc.Loc;
    if (consumeIf(TokenKind::RBrace))
      return true;
    if (consumeIf(TokenKind::Semicolon))
      continue;
    if (Tok.is(TokenKind::Eof) || atTopLevelKeyword()) {
      error(Tok.is(TokenKind::Eof) ? PrevEnd : Tok.Loc,
            "expected '}' to close the body of " + Description);
      Diags.note(Open, "the body starts here");
      return true;
    }
    if (StmtPtr S = parseStatement())
      Body.push_back(std::move(S));
    else
      skipToStatementEnd();
  }
  return true;
}

bool Parser::parseStatementEnd() {
  if (consumeIf(TokenKind::Semicolon))
    return true;
  if (atStatementEnd())
    return true;
  return errorExpected("end of statement (a new line or ';')");
}

StmtPtr Parser::parseStatement() {
  // Reserved words cannot be assigned to: `loss = ...` is a common slip.
  if (Tok.isNot(TokenKind::Identifier) && Tok.isNot(TokenKind::Error) &&
      Tok.Text.size() > 1 && llvm::isAlpha(Tok.Text[0]) &&
      (peek().is(TokenKind::Equal) || peek().is(TokenKind::Comma))) {
    error(Tok.Loc, "'" + Tok.Text +
                       "' is a reserved word and cannot be used as a "
                       "variable name");
    return nullptr;
  }
  switch (Tok.Kind) {
  case TokenKind::KwInput:
    return parseInput();
  case TokenKind::KwRepeat:
    return parseRepeat();
  case TokenKind::KwReturn:
  case TokenKind::KwLoss:
    return parseReturnOrLoss();
  case TokenKind::KwMetric:
    return parseMetric();
  case TokenKind::KwFreeze:
    return parseFreeze();
  case TokenKind::Identifier:
    return parseAssign();
  case TokenKind::Error:
    return nullptr;
  default:
    errorExpected("a statement (an assignment, 'input', 'repeat', 'return', "
                  "'loss', 'metric' or 'freeze')");
    return nullptr;
  }
}

/// Maps the spelling of an element type to a DType.
static std::optional<DType> parseDType(llvm::StringRef Name) {
  return llvm::StringSwitch<std::optional<DType>>(Name)
      .Case("f32", DType::F32)
      .Case("bf16", DType::BF16)
      .Case("f16", DType::F16)
      .Case("i32", DType::I32)
      .Case("i64", DType::I64)
      .Default(std::nullopt);
}

StmtPtr Parser::parseInput() {
  Location Loc = Tok.Loc;
  consume(); // 'input'
  if (Tok.isNot(TokenKind::Identifier) || atLineBreak())
    return errorExpected("the name of the input"), nullptr;
  Token Name = Tok;
  consume();
  if (Tok.isNot(TokenKind::Colon) || atLineBreak())
    return errorExpected("':' and the element type after '" + Name.Text + "'"),
           nullptr;
  consume();
  if (Tok.isNot(TokenKind::Identifier) || atLineBreak())
    return errorExpected("an element type (f32, bf16, f16, i32 or i64)"),
           nullptr;
  std::optional<DType> Type = parseDType(Tok.Text);
  if (!Type) {
    static const llvm::StringRef Types[] = {"f32", "bf16", "f16", "i32", "i64"};
    error(Tok.Loc, "unknown element type '" + Tok.Text +
                       "' (expected f32, bf16, f16, i32 or i64)" +
                       didYouMean(Tok.Text, Types));
    return nullptr;
  }
  consume();
  if (Tok.isNot(TokenKind::LBracket) || atLineBreak())
    return errorExpected("'[' and the dimensions of '" + Name.Text + "'"),
           nullptr;
  std::vector<ExprPtr> Dims;
  {
    NestingScope Scope(*this);
    consume(); // '['
    if (!parseExprList(Dims, TokenKind::RBracket, "dimension"))
      return nullptr;
  }
  if (!parseStatementEnd())
    return nullptr;
  return std::make_unique<InputStmt>(Loc, Name.Text, *Type, std::move(Dims));
}

StmtPtr Parser::parseAssign() {
  Location Loc = Tok.Loc;
  std::vector<AssignTarget> Targets;
  Targets.push_back({Tok.Text.str(), Tok.Loc});
  consume();
  while (Tok.is(TokenKind::Comma) && !atLineBreak()) {
    consume();
    if (Tok.isNot(TokenKind::Identifier) || atLineBreak())
      return errorExpected("a name after ','"), nullptr;
    Targets.push_back({Tok.Text.str(), Tok.Loc});
    consume();
  }
  if (Tok.isNot(TokenKind::Equal) || atLineBreak()) {
    if (Targets.size() == 1 && Tok.is(TokenKind::LParen) && !atLineBreak())
      return error(Loc, "a call on its own line has no effect; assign its "
                        "value with 'name = " +
                            Targets.front().Name + "(...)'"),
             nullptr;
    return errorExpected("'=' after '" + Targets.back().Name + "'"), nullptr;
  }
  consume(); // '='
  continueLine();
  ExprPtr Value = parseExpr();
  if (!Value || !parseStatementEnd())
    return nullptr;
  return std::make_unique<AssignStmt>(Loc, std::move(Targets),
                                      std::move(Value));
}

StmtPtr Parser::parseRepeat() {
  DepthScope Level(*this);
  if (!deeper())
    return nullptr;
  Location Loc = Tok.Loc;
  consume(); // 'repeat'
  ExprPtr Count = parseExpr();
  if (!Count)
    return nullptr;
  std::string IndexName;
  Location IndexLoc;
  if (Tok.is(TokenKind::KwAs) && !atLineBreak()) {
    consume();
    if (Tok.isNot(TokenKind::Identifier) || atLineBreak())
      return errorExpected("the name of the index after 'as'"), nullptr;
    IndexName = Tok.Text.str();
    IndexLoc = Tok.Loc;
    consume();
  }
  std::vector<StmtPtr> Body;
  if (!parseBody(Body, "'repeat'"))
    return nullptr;
  return std::make_unique<RepeatStmt>(Loc, std::move(Count), IndexName,
                                      IndexLoc, std::move(Body));
}

StmtPtr Parser::parseReturnOrLoss() {
  bool IsLoss = Tok.is(TokenKind::KwLoss);
  Location Loc = Tok.Loc;
  consume();
  if (atStatementEnd())
    return errorExpected(IsLoss ? "the loss expression after 'loss'"
                                : "the returned value after 'return'"),
           nullptr;
  ExprPtr Value = parseExpr();
  if (!Value || !parseStatementEnd())
    return nullptr;
  if (IsLoss)
    return std::make_unique<LossStmt>(Loc, std::move(Value));
  return std::make_unique<ReturnStmt>(Loc, std::move(Value));
}

StmtPtr Parser::parseMetric() {
  Location Loc = Tok.Loc;
  consume(); // 'metric'
  if (atStatementEnd())
    return errorExpected("a metric after 'metric'"), nullptr;
  std::string Name;
  bool Explicit = false;
  Location NameLoc = Tok.Loc;
  if (Tok.is(TokenKind::Identifier) && peek().is(TokenKind::Equal) &&
      !peek().StartsLine) {
    Name = Tok.Text.str();
    Explicit = true;
    consume();
    consume();
  }
  ExprPtr Value = parseExpr();
  if (!Value || !parseStatementEnd())
    return nullptr;
  if (!Explicit)
    if (const auto *Call = dyn_cast<CallExpr>(Value.get()))
      Name = Call->getCallee().str();
  return std::make_unique<MetricStmt>(Loc, Name, Explicit, NameLoc,
                                      std::move(Value));
}

StmtPtr Parser::parseFreeze() {
  Location Loc = Tok.Loc;
  consume(); // 'freeze'
  if (Tok.isNot(TokenKind::String) || atLineBreak())
    return errorExpected("a parameter name pattern in quotes, such as "
                         "\"embed.*\""),
           nullptr;
  Token Pattern = Tok;
  consume();
  if (!parseStatementEnd())
    return nullptr;
  return std::make_unique<FreezeStmt>(Loc, Pattern.StringValue, Pattern.Loc);
}

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

ExprPtr Parser::parseExpr() {
  DepthScope Level(*this);
  if (!deeper())
    return nullptr;
  ExprPtr LHS = parseTerm();
  while (LHS && !atLineBreak() &&
         (Tok.is(TokenKind::Plus) || Tok.is(TokenKind::Minus))) {
    if (!deeper())
      return nullptr;
    BinaryOp Op = Tok.is(TokenKind::Plus) ? BinaryOp::Add : BinaryOp::Sub;
    Location Loc = Tok.Loc;
    consume();
    continueLine();
    ExprPtr RHS = parseTerm();
    if (!RHS)
      return nullptr;
    LHS = std::make_unique<BinaryExpr>(Loc, Op, std::move(LHS), std::move(RHS));
  }
  return LHS;
}

ExprPtr Parser::parseTerm() {
  DepthScope Level(*this);
  ExprPtr LHS = parseUnary();
  while (LHS && !atLineBreak() &&
         (Tok.is(TokenKind::Star) || Tok.is(TokenKind::Slash) ||
          Tok.is(TokenKind::At))) {
    if (!deeper())
      return nullptr;
    BinaryOp Op = Tok.is(TokenKind::Star)    ? BinaryOp::Mul
                  : Tok.is(TokenKind::Slash) ? BinaryOp::Div
                                             : BinaryOp::MatMul;
    Location Loc = Tok.Loc;
    consume();
    continueLine();
    ExprPtr RHS = parseUnary();
    if (!RHS)
      return nullptr;
    LHS = std::make_unique<BinaryExpr>(Loc, Op, std::move(LHS), std::move(RHS));
  }
  return LHS;
}

ExprPtr Parser::parseUnary() {
  if (Tok.isNot(TokenKind::Minus) || atLineBreak())
    return parsePostfix();
  DepthScope Level(*this);
  if (!deeper())
    return nullptr;
  Location Loc = Tok.Loc;
  consume();
  ExprPtr Operand = parseUnary();
  if (!Operand)
    return nullptr;
  // Fold the sign into a literal, so `-1` is the number -1.
  if (const auto *N = dyn_cast<NumberExpr>(Operand.get())) {
    std::string Spelling = ("-" + N->getSpelling()).str();
    if (N->isInteger())
      return std::make_unique<NumberExpr>(Loc, Spelling, -N->getInt());
    return std::make_unique<NumberExpr>(Loc, Spelling, -N->getFloat());
  }
  return std::make_unique<NegateExpr>(Loc, std::move(Operand));
}

ExprPtr Parser::parsePostfix() {
  DepthScope Level(*this);
  ExprPtr Base = parsePrimary();
  while (Base && Tok.is(TokenKind::LBracket) && !atLineBreak()) {
    if (!deeper())
      return nullptr;
    Location Loc = Tok.Loc;
    NestingScope Scope(*this);
    consume(); // '['
    std::vector<Subscript> Subscripts;
    while (Tok.isNot(TokenKind::RBracket)) {
      Subscript S;
      if (!parseSubscript(S))
        return nullptr;
      Subscripts.push_back(std::move(S));
      if (!consumeIf(TokenKind::Comma) && Tok.isNot(TokenKind::RBracket))
        return errorExpected("',' or ']' after the index"), nullptr;
    }
    if (Subscripts.empty())
      return error(Tok.Loc, "expected an index or a slice inside '[]'"),
             nullptr;
    consume(); // ']'
    Base = std::make_unique<IndexExpr>(Loc, std::move(Base),
                                       std::move(Subscripts));
  }
  return Base;
}

bool Parser::parseSubscript(Subscript &S) {
  S.Loc = Tok.Loc;
  if (consumeIf(TokenKind::Ellipsis)) {
    S.Kind = Subscript::Ellipsis;
    return true;
  }
  auto EndsPart = [&] {
    return Tok.is(TokenKind::Colon) || Tok.is(TokenKind::Comma) ||
           Tok.is(TokenKind::RBracket);
  };
  if (!EndsPart()) {
    S.Start = parseExpr();
    if (!S.Start)
      return false;
  }
  if (!consumeIf(TokenKind::Colon)) {
    if (!S.Start)
      return errorExpected("an index or a slice");
    S.Kind = Subscript::Index;
    return true;
  }
  S.Kind = Subscript::Slice;
  if (!EndsPart()) {
    S.Stop = parseExpr();
    if (!S.Stop)
      return false;
  }
  if (consumeIf(TokenKind::Colon) && !EndsPart()) {
    S.Step = parseExpr();
    if (!S.Step)
      return false;
  }
  return true;
}

bool Parser::parseExprList(std::vector<ExprPtr> &Elements, TokenKind Close,
                           llvm::StringRef What) {
  while (Tok.isNot(Close)) {
    ExprPtr E = parseExpr();
    if (!E)
      return false;
    Elements.push_back(std::move(E));
    if (!consumeIf(TokenKind::Comma) && Tok.isNot(Close))
      return errorExpected("',' or " + getTokenKindSpelling(Close) +
                           " after the " + What);
  }
  consume(); // Close
  return true;
}

ExprPtr Parser::parsePrimary() {
  if (atLineBreak() || Tok.is(TokenKind::Eof))
    return errorExpected("an expression"), nullptr;
  Token T = Tok;
  switch (T.Kind) {
  case TokenKind::Integer:
    consume();
    return std::make_unique<NumberExpr>(T.Loc, T.Text, T.IntValue);
  case TokenKind::Float:
    consume();
    return std::make_unique<NumberExpr>(T.Loc, T.Text, T.FloatValue);
  case TokenKind::String:
    consume();
    return std::make_unique<StringExpr>(T.Loc, T.StringValue);
  case TokenKind::KwTrue:
  case TokenKind::KwFalse:
    consume();
    return std::make_unique<BoolExpr>(T.Loc, T.is(TokenKind::KwTrue));
  case TokenKind::Identifier:
    if (peek().is(TokenKind::LParen) && !(Nesting == 0 && peek().StartsLine))
      return parseCall();
    consume();
    return std::make_unique<NameExpr>(T.Loc, T.Text);
  case TokenKind::LBracket: {
    NestingScope Scope(*this);
    consume();
    std::vector<ExprPtr> Elements;
    if (!parseExprList(Elements, TokenKind::RBracket, "list element"))
      return nullptr;
    return std::make_unique<ListExpr>(T.Loc, std::move(Elements));
  }
  case TokenKind::LParen: {
    NestingScope Scope(*this);
    consume();
    if (Tok.is(TokenKind::RParen))
      return error(Tok.Loc, "expected an expression inside '()'"), nullptr;
    ExprPtr First = parseExpr();
    if (!First)
      return nullptr;
    if (consumeIf(TokenKind::RParen))
      return First; // parenthesized expression
    if (Tok.isNot(TokenKind::Comma))
      return errorExpected("')'"), nullptr;
    consume(); // ','
    std::vector<ExprPtr> Elements;
    Elements.push_back(std::move(First));
    if (!parseExprList(Elements, TokenKind::RParen, "tuple element"))
      return nullptr;
    return std::make_unique<TupleExpr>(T.Loc, std::move(Elements));
  }
  case TokenKind::Error:
    return nullptr;
  default:
    return errorExpected("an expression"), nullptr;
  }
}

ExprPtr Parser::parseCall() {
  Token Callee = Tok;
  consume(); // name
  NestingScope Scope(*this);
  consume(); // '('
  std::vector<ExprPtr> Args;
  std::vector<KeywordArg> Keywords;
  while (Tok.isNot(TokenKind::RParen)) {
    // Keyword names may be reserved words: `nf4(block = 64)`.
    if ((Tok.is(TokenKind::Identifier) || isKeyword(Tok.Kind)) &&
        peek().is(TokenKind::Equal)) {
      KeywordArg K;
      K.Name = Tok.Text.str();
      K.Loc = Tok.Loc;
      consume();
      consume(); // '='
      continueLine();
      K.Value = parseExpr();
      if (!K.Value)
        return nullptr;
      Keywords.push_back(std::move(K));
    } else {
      Location ArgLoc = Tok.Loc;
      ExprPtr Arg = parseExpr();
      if (!Arg)
        return nullptr;
      if (!Keywords.empty())
        return error(ArgLoc, "positional argument after keyword argument '" +
                                 Keywords.back().Name + "'"),
               nullptr;
      Args.push_back(std::move(Arg));
    }
    if (!consumeIf(TokenKind::Comma) && Tok.isNot(TokenKind::RParen))
      return errorExpected("',' or ')' after the argument of '" + Callee.Text +
                           "'"),
             nullptr;
  }
  consume(); // ')'
  return std::make_unique<CallExpr>(Callee.Loc, Callee.Text, std::move(Args),
                                    std::move(Keywords));
}
