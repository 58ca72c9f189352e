//===- Parser.h - Recursive-descent parser for .dl files --------*- C++ -*-===//
//
// Part of dlcc, an ahead-of-time compiler for training deep networks.
//
//===----------------------------------------------------------------------===//
///
/// \file
/// A recursive-descent parser from tokens to the AST of one file. Each parse
/// function documents the rule it implements in EBNF (`{ x }` is zero or more,
/// `[ x ]` optional, `|` alternatives). A statement ends at the end of its
/// line or at `;`; inside `( )` and `[ ]` line ends are ignored, and a line
/// that ends with a binary operator or `=` continues on the next line.
///
/// On a syntax error the parser reports it, skips to the next statement (the
/// next line, `;` or `}`) and keeps going, so independent errors are all
/// reported; it gives up after the DiagnosticEngine's error limit.
///
//===----------------------------------------------------------------------===//

#ifndef DLCC_FRONTEND_PARSER_H
#define DLCC_FRONTEND_PARSER_H

#include "compiler/Frontend/AST.h"
#include "compiler/Frontend/Lexer.h"

#include <deque>
#include <memory>

namespace dlcc {

/// Parses buffer `BufferID` of the engine's SourceMgr. Always returns a file
/// holding the declarations that parsed; errors were reported when
/// `Diags.getNumErrors()` grew.
std::unique_ptr<SourceFile> parseFile(unsigned BufferID,
                                      DiagnosticEngine &Diags);

/// The parser of one file.
class Parser {
public:
  Parser(unsigned BufferID, DiagnosticEngine &Diags);

  /// file ::= { toplevel }
  /// toplevel ::= import | block | model | train | finetune | ';'
  std::unique_ptr<SourceFile> parseFile();

private:
  //===--------------------------------------------------------------------===//
  // Declarations
  //===--------------------------------------------------------------------===//

  /// import ::= 'import' STRING
  DeclPtr parseImport();
  /// block ::= 'block' NAME '(' [ params ] ')' body
  /// model ::= 'model' NAME [ '(' [ params ] ')' ] body
  DeclPtr parseFunction();
  /// params ::= param { ',' param } [ ',' ]
  /// param  ::= NAME [ '=' expr ]
  bool parseParams(std::vector<Param> &Params);
  /// train ::= 'train' entries
  DeclPtr parseTrain();
  /// finetune ::= 'finetune' NAME 'from' STRING entries
  DeclPtr parseFinetune();
  /// entries ::= '{' { NAME '=' expr end } '}'
  bool parseEntries(std::vector<TrainEntry> &Entries, llvm::StringRef What);

  //===--------------------------------------------------------------------===//
  // Statements
  //===--------------------------------------------------------------------===//

  /// body ::= '{' { statement } '}'
  /// Returns false, consuming nothing, when the '{' is missing.
  bool parseBody(std::vector<StmtPtr> &Body, const llvm::Twine &What);
  /// statement ::= input | assign | repeat | return | loss | metric | freeze
  ///             | ';'
  StmtPtr parseStatement();
  /// input ::= 'input' NAME ':' DTYPE '[' [ expr { ',' expr } ] ']' end
  /// DTYPE ::= 'f32' | 'bf16' | 'f16' | 'i32' | 'i64'
  StmtPtr parseInput();
  /// assign ::= NAME { ',' NAME } '=' expr end
  StmtPtr parseAssign();
  /// repeat ::= 'repeat' expr [ 'as' NAME ] body
  StmtPtr parseRepeat();
  /// return ::= 'return' expr end
  /// loss   ::= 'loss' expr end
  StmtPtr parseReturnOrLoss();
  /// metric ::= 'metric' [ NAME '=' ] expr end
  StmtPtr parseMetric();
  /// freeze ::= 'freeze' STRING end
  StmtPtr parseFreeze();
  /// end ::= ';' | NEWLINE | before '}' | EOF
  bool parseStatementEnd();

  //===--------------------------------------------------------------------===//
  // Expressions
  //===--------------------------------------------------------------------===//

  /// expr ::= term { ('+' | '-') term }
  ExprPtr parseExpr();
  /// term ::= unary { ('*' | '/' | '@') unary }
  ExprPtr parseTerm();
  /// unary ::= '-' unary | postfix
  ExprPtr parseUnary();
  /// postfix ::= primary { '[' subscript { ',' subscript } [ ',' ] ']' }
  ExprPtr parsePostfix();
  /// subscript ::= '...' | expr | [ expr ] ':' [ expr ] [ ':' [ expr ] ]
  bool parseSubscript(Subscript &S);
  /// primary ::= INTEGER | FLOAT | STRING | 'true' | 'false'
  ///           | NAME | call | list | '(' expr ')' | tuple
  /// list    ::= '[' [ expr { ',' expr } [ ',' ] ] ']'
  /// tuple   ::= '(' expr ',' [ expr { ',' expr } [ ',' ] ] ')'
  ExprPtr parsePrimary();
  /// call ::= NAME '(' [ arg { ',' arg } [ ',' ] ] ')'
  /// arg  ::= [ NAME '=' ] expr
  ExprPtr parseCall();
  /// Parses `expr { ',' expr } [ ',' ] Close` after an opening bracket.
  bool parseExprList(std::vector<ExprPtr> &Elements, TokenKind Close,
                     llvm::StringRef What);

  //===--------------------------------------------------------------------===//
  // Tokens and recovery
  //===--------------------------------------------------------------------===//

  /// Moves to the next token.
  void consume();
  /// Returns the token `N` places after the current one.
  const Token &peek(unsigned N = 1);
  /// True when the current token cannot continue the statement: `;`, `}`,
  /// end of file, or the first token of a line outside brackets.
  bool atStatementEnd() const;
  /// True when the current token is the first of a line outside brackets.
  bool atLineBreak() const { return Nesting == 0 && Tok.StartsLine; }
  /// Lets the current token continue the line before it, after a token
  /// that cannot end a statement (a binary operator, `=`).
  void continueLine();
  /// Consumes the current token if it is `Kind`.
  bool consumeIf(TokenKind Kind);
  /// Reports "expected `What`, found ..." at the current token (or at the
  /// end of the previous one when the line ended). Returns false.
  bool errorExpected(const llvm::Twine &What);
  /// Reports `Msg` at `Loc` unless the current token is a lexer error, which
  /// was reported already. Returns false.
  bool error(const Location &Loc, const llvm::Twine &Msg);
  /// Describes the current token for messages: "'foo'", "end of line"...
  std::string describeToken() const;
  /// Skips the rest of a broken statement: up to the next line, past `;`, or
  /// up to the `}` that closes the enclosing body.
  void skipToStatementEnd();
  /// Skips to the next top-level keyword at the start of a line.
  void skipToTopLevel();
  /// Skips past the bracket that closes the current nesting (`Close`).
  void skipPastClosing(TokenKind Open, TokenKind Close);
  /// True for a keyword that starts a declaration at the start of a line.
  bool atTopLevelKeyword() const;

  /// The deepest an expression or body may nest. Brackets, operators of a
  /// chain (`a + b + ...` builds a tree as deep as it is long), unary minus,
  /// subscripts and repeat bodies each count one level. Deeper input is an
  /// error rather than a stack overflow here or in the passes that walk the
  /// AST.
  static constexpr unsigned MaxDepth = 256;
  /// Counts one more level; reports an error and returns false past
  /// MaxDepth.
  bool deeper();

  /// Restores the depth when it goes out of scope.
  struct DepthScope {
    explicit DepthScope(Parser &P) : P(P), Saved(P.Depth) {}
    ~DepthScope() { P.Depth = Saved; }
    Parser &P;
    unsigned Saved;
  };

  /// Increments the bracket nesting while alive; newlines inside brackets
  /// do not end statements.
  struct NestingScope {
    explicit NestingScope(Parser &P) : P(P), Saved(P.Nesting) { ++P.Nesting; }
    ~NestingScope() { P.Nesting = Saved; }
    Parser &P;
    unsigned Saved;
  };

  Lexer Lex;
  DiagnosticEngine &Diags;
  unsigned BufferID;
  Token Tok;
  std::deque<Token> Lookahead;
  /// The location just past the previous token, for errors at a line end.
  Location PrevEnd;
  /// How many ( and [ enclose the current token.
  unsigned Nesting = 0;
  /// The depth of the expression or body being parsed (see MaxDepth).
  unsigned Depth = 0;
  /// The first token of the statement being parsed.
  llvm::SMLoc StatementStart;
};

} // namespace dlcc

#endif // DLCC_FRONTEND_PARSER_H
