//===- Lexer.cpp - Lexer for the .dl model language -----------------------===//
//
// Part of dlcc, an ahead-of-time compiler for training deep networks.
//
//===----------------------------------------------------------------------===//

#include "compiler/Frontend/Lexer.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cmath>
#include <cstdlib>

using namespace dlcc;

llvm::StringRef dlcc::getTokenKindSpelling(TokenKind Kind) {
  switch (Kind) {
  case TokenKind::Eof:
    return "end of file";
  case TokenKind::Error:
    return "invalid token";
  case TokenKind::Identifier:
    return "a name";
  case TokenKind::Integer:
    return "an integer";
  case TokenKind::Float:
    return "a number";
  case TokenKind::String:
    return "a string";
  case TokenKind::KwImport:
    return "'import'";
  case TokenKind::KwBlock:
    return "'block'";
  case TokenKind::KwModel:
    return "'model'";
  case TokenKind::KwTrain:
    return "'train'";
  case TokenKind::KwFinetune:
    return "'finetune'";
  case TokenKind::KwFrom:
    return "'from'";
  case TokenKind::KwInput:
    return "'input'";
  case TokenKind::KwRepeat:
    return "'repeat'";
  case TokenKind::KwAs:
    return "'as'";
  case TokenKind::KwReturn:
    return "'return'";
  case TokenKind::KwLoss:
    return "'loss'";
  case TokenKind::KwMetric:
    return "'metric'";
  case TokenKind::KwFreeze:
    return "'freeze'";
  case TokenKind::KwTrue:
    return "'true'";
  case TokenKind::KwFalse:
    return "'false'";
  case TokenKind::LParen:
    return "'('";
  case TokenKind::RParen:
    return "')'";
  case TokenKind::LBracket:
    return "'['";
  case TokenKind::RBracket:
    return "']'";
  case TokenKind::LBrace:
    return "'{'";
  case TokenKind::RBrace:
    return "'}'";
  case TokenKind::Comma:
    return "','";
  case TokenKind::Colon:
    return "':'";
  case TokenKind::Semicolon:
    return "';'";
  case TokenKind::Equal:
    return "'='";
  case TokenKind::Plus:
    return "'+'";
  case TokenKind::Minus:
    return "'-'";
  case TokenKind::Star:
    return "'*'";
  case TokenKind::Slash:
    return "'/'";
  case TokenKind::At:
    return "'@'";
  case TokenKind::Dot:
    return "'.'";
  case TokenKind::Ellipsis:
    return "'...'";
  }
  return "token";
}

llvm::SMRange Token::getRange() const {
  return llvm::SMRange(Loc.Loc,
                       llvm::SMLoc::getFromPointer(Text.data() + Text.size()));
}

Lexer::Lexer(unsigned BufferID, DiagnosticEngine &Diags) : Diags(Diags) {
  const llvm::MemoryBuffer *Buffer =
      Diags.getSourceMgr().getMemoryBuffer(BufferID);
  FileName = Buffer->getBufferIdentifier();
  BufStart = Buffer->getBufferStart();
  BufEnd = Buffer->getBufferEnd();
  CurPtr = BufStart;
  LineStart = BufStart;
  // Some editors start UTF-8 files with a byte order mark; it is not text.
  if (llvm::StringRef(BufStart, BufEnd - BufStart).starts_with("\xEF\xBB\xBF"))
    CurPtr += 3;
}

Location Lexer::makeLocation(const char *Ptr) const {
  Location Loc;
  Loc.File = FileName;
  Loc.Line = Line;
  Loc.Col = static_cast<unsigned>(Ptr - LineStart) + 1;
  Loc.Loc = llvm::SMLoc::getFromPointer(Ptr);
  return Loc;
}

Token Lexer::makeToken(TokenKind Kind, const char *Start) {
  Token Tok;
  Tok.Kind = Kind;
  Tok.Text = llvm::StringRef(Start, CurPtr - Start);
  Tok.Loc = makeLocation(Start);
  Tok.StartsLine = AtLineStart;
  AtLineStart = false;
  return Tok;
}

void Lexer::skipSpaceAndComments() {
  while (CurPtr < BufEnd) {
    char C = *CurPtr;
    if (C == '\n') {
      ++CurPtr;
      ++Line;
      LineStart = CurPtr;
      AtLineStart = true;
    } else if (C == ' ' || C == '\t' || C == '\r' || C == '\f' || C == '\v') {
      ++CurPtr;
    } else if (C == '#') {
      while (CurPtr < BufEnd && *CurPtr != '\n')
        ++CurPtr;
    } else {
      return;
    }
  }
}

static bool isIdentifierStart(char C) { return llvm::isAlpha(C) || C == '_'; }

static bool isIdentifierChar(char C) { return llvm::isAlnum(C) || C == '_'; }

Token Lexer::lex() {
  skipSpaceAndComments();
  const char *Start = CurPtr;
  if (CurPtr >= BufEnd)
    return makeToken(TokenKind::Eof, Start);

  char C = *CurPtr;
  if (isIdentifierStart(C))
    return lexIdentifier(Start);
  if (llvm::isDigit(C) ||
      (C == '.' && CurPtr + 1 < BufEnd && llvm::isDigit(CurPtr[1])))
    return lexNumber(Start);
  if (C == '"')
    return lexString(Start);

  ++CurPtr;
  switch (C) {
  case '(':
    return makeToken(TokenKind::LParen, Start);
  case ')':
    return makeToken(TokenKind::RParen, Start);
  case '[':
    return makeToken(TokenKind::LBracket, Start);
  case ']':
    return makeToken(TokenKind::RBracket, Start);
  case '{':
    return makeToken(TokenKind::LBrace, Start);
  case '}':
    return makeToken(TokenKind::RBrace, Start);
  case ',':
    return makeToken(TokenKind::Comma, Start);
  case ':':
    return makeToken(TokenKind::Colon, Start);
  case ';':
    return makeToken(TokenKind::Semicolon, Start);
  case '=':
    return makeToken(TokenKind::Equal, Start);
  case '+':
    return makeToken(TokenKind::Plus, Start);
  case '-':
    return makeToken(TokenKind::Minus, Start);
  case '*':
    return makeToken(TokenKind::Star, Start);
  case '/':
    return makeToken(TokenKind::Slash, Start);
  case '@':
    return makeToken(TokenKind::At, Start);
  case '.':
    if (CurPtr + 1 < BufEnd && CurPtr[0] == '.' && CurPtr[1] == '.') {
      CurPtr += 2;
      return makeToken(TokenKind::Ellipsis, Start);
    }
    return makeToken(TokenKind::Dot, Start);
  default:
    CurPtr = Start;
    return lexInvalid(Start);
  }
}

Token Lexer::lexIdentifier(const char *Start) {
  while (CurPtr < BufEnd && isIdentifierChar(*CurPtr))
    ++CurPtr;
  llvm::StringRef Text(Start, CurPtr - Start);
  TokenKind Kind = llvm::StringSwitch<TokenKind>(Text)
                       .Case("import", TokenKind::KwImport)
                       .Case("block", TokenKind::KwBlock)
                       .Case("model", TokenKind::KwModel)
                       .Case("train", TokenKind::KwTrain)
                       .Case("finetune", TokenKind::KwFinetune)
                       .Case("from", TokenKind::KwFrom)
                       .Case("input", TokenKind::KwInput)
                       .Case("repeat", TokenKind::KwRepeat)
                       .Case("as", TokenKind::KwAs)
                       .Case("return", TokenKind::KwReturn)
                       .Case("loss", TokenKind::KwLoss)
                       .Case("metric", TokenKind::KwMetric)
                       .Case("freeze", TokenKind::KwFreeze)
                       .Case("true", TokenKind::KwTrue)
                       .Case("false", TokenKind::KwFalse)
                       .Default(TokenKind::Identifier);
  return makeToken(Kind, Start);
}

/// Lexes `digits [. digits] [(e|E) [+|-] digits]`, or `. digits ...`.
Token Lexer::lexNumber(const char *Start) {
  bool IsFloat = false;
  auto SkipDigits = [&] {
    while (CurPtr < BufEnd && llvm::isDigit(*CurPtr))
      ++CurPtr;
  };
  SkipDigits();
  // A '.' starts a fraction unless it starts '...' (as in `x[0...]`).
  if (CurPtr < BufEnd && *CurPtr == '.' &&
      !(CurPtr + 1 < BufEnd && CurPtr[1] == '.')) {
    IsFloat = true;
    ++CurPtr;
    SkipDigits();
  }
  bool BadExponent = false;
  if (CurPtr < BufEnd && (*CurPtr == 'e' || *CurPtr == 'E')) {
    const char *ExpStart = CurPtr;
    ++CurPtr;
    if (CurPtr < BufEnd && (*CurPtr == '+' || *CurPtr == '-'))
      ++CurPtr;
    if (CurPtr < BufEnd && llvm::isDigit(*CurPtr)) {
      IsFloat = true;
      SkipDigits();
    } else {
      BadExponent = true;
      CurPtr = ExpStart + 1;
    }
  }
  // A number glued to letters (`3d`, `1e`, `0x10`) is one malformed token.
  if (BadExponent || (CurPtr < BufEnd && isIdentifierChar(*CurPtr))) {
    while (CurPtr < BufEnd && (isIdentifierChar(*CurPtr) || *CurPtr == '.'))
      ++CurPtr;
    Token Tok = makeToken(TokenKind::Error, Start);
    Diags.error(Tok.Loc.Loc, "invalid number '" + Tok.Text + "'",
                Tok.getRange());
    return Tok;
  }

  Token Tok = makeToken(IsFloat ? TokenKind::Float : TokenKind::Integer, Start);
  if (!IsFloat) {
    if (Tok.Text.getAsInteger(10, Tok.IntValue)) {
      Tok.Kind = TokenKind::Error;
      Diags.error(Tok.Loc.Loc,
                  "integer literal '" + Tok.Text + "' is too large",
                  Tok.getRange());
    }
    return Tok;
  }
  std::string Spelling = Tok.Text.str();
  Tok.FloatValue = std::strtod(Spelling.c_str(), nullptr);
  if (!std::isfinite(Tok.FloatValue)) {
    Tok.Kind = TokenKind::Error;
    Diags.error(Tok.Loc.Loc,
                "floating-point literal '" + Tok.Text + "' is out of range",
                Tok.getRange());
  }
  return Tok;
}

/// Lexes `"..."` with the escapes \\ \" \' \n \t \r \0. A string ends at its
/// line: one without a closing quote there is an error.
Token Lexer::lexString(const char *Start) {
  ++CurPtr; // the opening quote
  std::string Value;
  bool Bad = false;
  while (true) {
    if (CurPtr >= BufEnd || *CurPtr == '\n' || *CurPtr == '\r') {
      Token Tok = makeToken(TokenKind::Error, Start);
      Diags.error(Tok.Loc, "unterminated string: missing '\"' before the end "
                           "of the line");
      return Tok;
    }
    char C = *CurPtr++;
    if (C == '"')
      break;
    if (C != '\\') {
      Value.push_back(C);
      continue;
    }
    if (CurPtr >= BufEnd || *CurPtr == '\n' || *CurPtr == '\r')
      continue; // reported as unterminated on the next iteration
    char E = *CurPtr++;
    switch (E) {
    case '\\':
    case '"':
    case '\'':
      Value.push_back(E);
      break;
    case 'n':
      Value.push_back('\n');
      break;
    case 't':
      Value.push_back('\t');
      break;
    case 'r':
      Value.push_back('\r');
      break;
    case '0':
      Value.push_back('\0');
      break;
    default: {
      const char *EscStart = CurPtr - 2;
      llvm::SMRange Range(llvm::SMLoc::getFromPointer(EscStart),
                          llvm::SMLoc::getFromPointer(CurPtr));
      if (llvm::isPrint(E))
        Diags.error(Range.Start,
                    llvm::Twine("unknown escape sequence '\\") +
                        llvm::Twine(E) + "'",
                    Range);
      else
        Diags.error(Range.Start, "unknown escape sequence", Range);
      Bad = true;
      break;
    }
    }
  }
  Token Tok = makeToken(Bad ? TokenKind::Error : TokenKind::String, Start);
  Tok.StringValue = std::move(Value);
  return Tok;
}

/// Consumes a run of characters that cannot start a token and reports them
/// once.
Token Lexer::lexInvalid(const char *Start) {
  auto IsInvalid = [](char C) {
    return !(isIdentifierChar(C) || llvm::isSpace(C) ||
             llvm::StringRef("()[]{},:;=+-*/@.#\"").contains(C));
  };
  while (CurPtr < BufEnd && IsInvalid(*CurPtr))
    ++CurPtr;
  Token Tok = makeToken(TokenKind::Error, Start);
  unsigned char C = static_cast<unsigned char>(*Start);
  if (llvm::isPrint(C))
    Diags.error(Tok.Loc.Loc,
                llvm::Twine("unexpected character '") +
                    llvm::Twine(static_cast<char>(C)) + "'",
                Tok.getRange());
  else
    Diags.error(Tok.Loc.Loc,
                "unexpected non-ASCII or control character (byte 0x" +
                    llvm::utohexstr(C, /*LowerCase=*/false, /*Width=*/2) +
                    "); names and operators must be ASCII",
                Tok.getRange());
  return Tok;
}
