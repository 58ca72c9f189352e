//===- Lexer.h - Lexer for the .dl model language ---------------*- C++ -*-===//
//
// Part of dlcc, an ahead-of-time compiler for training deep networks.
//
//===----------------------------------------------------------------------===//
///
/// \file
/// Splits a `.dl` buffer into tokens. Comments run from `#` to the end of the
/// line. Newlines are not tokens: each token records whether it is the first
/// on its line, and the parser ends a statement there unless it is inside
/// `( )` or `[ ]`, so calls and lists can span lines.
///
//===----------------------------------------------------------------------===//

#ifndef DLCC_FRONTEND_LEXER_H
#define DLCC_FRONTEND_LEXER_H

#include "compiler/Frontend/Diagnostics.h"

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>

namespace dlcc {

/// The kinds of tokens of the language.
enum class TokenKind {
  Eof,
  /// A malformed token; the lexer has already reported it.
  Error,
  Identifier,
  Integer,
  Float,
  String,
  // Keywords.
  KwImport,
  KwBlock,
  KwModel,
  KwTrain,
  KwFinetune,
  KwFrom,
  KwInput,
  KwRepeat,
  KwAs,
  KwReturn,
  KwLoss,
  KwMetric,
  KwFreeze,
  KwTrue,
  KwFalse,
  // Punctuation.
  LParen,
  RParen,
  LBracket,
  RBracket,
  LBrace,
  RBrace,
  Comma,
  Colon,
  Semicolon,
  Equal,
  Plus,
  Minus,
  Star,
  Slash,
  At,
  Dot,
  Ellipsis,
};

/// True for the reserved words, `import` to `false`.
inline bool isKeyword(TokenKind Kind) {
  return Kind >= TokenKind::KwImport && Kind <= TokenKind::KwFalse;
}

/// Returns how a token kind is spelled in messages, e.g. `')'` or "a name".
llvm::StringRef getTokenKindSpelling(TokenKind Kind);

/// One token: its kind, its text in the buffer and where it starts.
struct Token {
  TokenKind Kind = TokenKind::Eof;
  /// The token's characters in the source buffer (quotes included for
  /// strings).
  llvm::StringRef Text;
  Location Loc;
  /// True when this token is the first one on its source line.
  bool StartsLine = false;
  /// The value of an Integer token.
  int64_t IntValue = 0;
  /// The value of a Float token.
  double FloatValue = 0;
  /// The decoded contents of a String token (escapes applied).
  std::string StringValue;

  bool is(TokenKind K) const { return Kind == K; }
  bool isNot(TokenKind K) const { return Kind != K; }
  /// The range of characters the token covers, for underlining.
  llvm::SMRange getRange() const;
};

/// Turns the text of one SourceMgr buffer into tokens, on demand.
class Lexer {
public:
  /// Lexes buffer `BufferID` of the engine's SourceMgr; errors go to `Diags`.
  Lexer(unsigned BufferID, DiagnosticEngine &Diags);

  /// Returns the next token; after the end of the buffer, Eof forever.
  Token lex();

  /// The identifier of the buffer, used as the file name in locations.
  llvm::StringRef getFileName() const { return FileName; }

private:
  Location makeLocation(const char *Ptr) const;
  Token makeToken(TokenKind Kind, const char *Start);
  void skipSpaceAndComments();
  Token lexIdentifier(const char *Start);
  Token lexNumber(const char *Start);
  Token lexString(const char *Start);
  Token lexInvalid(const char *Start);

  DiagnosticEngine &Diags;
  llvm::StringRef FileName;
  const char *BufStart;
  const char *BufEnd;
  const char *CurPtr;
  /// The start of the current line and its 1-based number.
  const char *LineStart;
  unsigned Line = 1;
  /// Whether a newline (or the start of the file) was seen since the last
  /// token.
  bool AtLineStart = true;
};

} // namespace dlcc

#endif // DLCC_FRONTEND_LEXER_H
