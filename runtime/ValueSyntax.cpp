//===- ValueSyntax.cpp - Option values in the syntax of .dl files ---------===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#include "runtime/ValueSyntax.h"

#include "runtime/Error.h"
#include "runtime/TextCursor.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace dlrt {

namespace {

/// A recursive-descent parser over one string, following the grammar of
/// ValueSyntax.h.
class Parser : public TextCursor<Parser> {
public:
  explicit Parser(const std::string &text) : TextCursor(text) {}

  SyntaxValue parseWhole() {
    SyntaxValue value = parseValue();
    skipSpace();
    if (pos != text.size())
      fail("unexpected '" + std::string(1, text[pos]) + "'");
    return value;
  }

  friend class TextCursor;

private:
  [[noreturn]] void fail(const std::string &message) const {
    throw Error(message + " at column " + std::to_string(pos + 1) + " of '" +
                text + "'");
  }


  static bool isWordStart(char c) {
    return std::isalpha((unsigned char)c) || c == '_';
  }
  static bool isWordChar(char c) {
    return std::isalnum((unsigned char)c) || c == '_';
  }

  SyntaxValue parseValue() {
    SyntaxValue value = parseTerm();
    for (;;) {
      skipSpace();
      if (pos >= text.size() || (text[pos] != '*' && text[pos] != '/'))
        return value;
      size_t opAt = pos;
      char op = text[pos++];
      skipSpace();
      size_t at = pos;
      SyntaxValue rhs = parseTerm();
      if (!value.isNumeric() || !rhs.isNumeric()) {
        pos = opAt;
        fail(std::string("'") + op + "' needs numbers on both sides");
      }
      if (op == '/' && rhs.number == 0) {
        pos = at;
        fail("division by zero");
      }
      value = arithmetic(value, op, rhs);
    }
  }

  SyntaxValue arithmetic(const SyntaxValue &a, char op, const SyntaxValue &b) {
    using Kind = SyntaxValue::Kind;
    SyntaxValue result;
    bool integers = a.kind == Kind::Integer && b.kind == Kind::Integer;
    // Integers stay integers when the result is exact, as in .dl files.
    if (integers && (op == '*' || a.integer % b.integer == 0)) {
      __int128 exact = op == '*' ? __int128(a.integer) * b.integer
                                 : __int128(a.integer / b.integer);
      if (exact >= INT64_MIN && exact <= INT64_MAX) {
        result.kind = Kind::Integer;
        result.integer = int64_t(exact);
        result.number = double(result.integer);
        return result;
      }
    }
    result.kind = Kind::Number;
    result.number = op == '*' ? a.number * b.number : a.number / b.number;
    if (!std::isfinite(result.number))
      fail("the number is out of range");
    return result;
  }

  SyntaxValue parseTerm() {
    skipSpace();
    if (pos >= text.size())
      fail("expected a value");
    char c = text[pos];
    if (c == '-') {
      ++pos;
      SyntaxValue value = parseTerm();
      if (!value.isNumeric())
        fail("'-' needs a number");
      if (value.integer == INT64_MIN)
        fail("the number is out of range");
      value.integer = -value.integer;
      value.number = -value.number;
      return value;
    }
    if (std::isdigit((unsigned char)c) || c == '.')
      return parseNumber();
    if (c == '"')
      return parseString();
    if (c == '(')
      return parseParenthesized();
    if (c == '[')
      return parseList();
    if (isWordStart(c))
      return parseWordOrCall();
    fail("expected a value");
  }

  SyntaxValue parseNumber() {
    size_t begin = pos;
    bool integer = true;
    while (pos < text.size() && std::isdigit((unsigned char)text[pos]))
      ++pos;
    if (pos < text.size() && text[pos] == '.') {
      integer = false;
      ++pos;
      while (pos < text.size() && std::isdigit((unsigned char)text[pos]))
        ++pos;
    }
    if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
      integer = false;
      ++pos;
      if (pos < text.size() && (text[pos] == '+' || text[pos] == '-'))
        ++pos;
      if (pos >= text.size() || !std::isdigit((unsigned char)text[pos]))
        fail("expected the digits of an exponent");
      while (pos < text.size() && std::isdigit((unsigned char)text[pos]))
        ++pos;
    }
    if (pos < text.size() && isWordChar(text[pos]))
      fail("unexpected '" + std::string(1, text[pos]) + "' in a number");
    std::string digits = text.substr(begin, pos - begin);
    if (digits == ".") {
      pos = begin;
      fail("expected a value");
    }
    SyntaxValue value;
    errno = 0;
    if (integer) {
      value.kind = SyntaxValue::Kind::Integer;
      value.integer = std::strtoll(digits.c_str(), nullptr, 10);
      value.number = double(value.integer);
    } else {
      value.kind = SyntaxValue::Kind::Number;
      value.number = std::strtod(digits.c_str(), nullptr);
    }
    if (errno == ERANGE) {
      pos = begin;
      fail("the number " + digits + " is out of range");
    }
    return value;
  }

  SyntaxValue parseString() {
    ++pos; // The opening quote.
    SyntaxValue value;
    value.kind = SyntaxValue::Kind::String;
    while (pos < text.size() && text[pos] != '"') {
      char c = text[pos++];
      if (c == '\\') {
        if (pos >= text.size())
          break;
        char escaped = text[pos++];
        switch (escaped) {
        case 'n':
          c = '\n';
          break;
        case 't':
          c = '\t';
          break;
        case '"':
        case '\\':
          c = escaped;
          break;
        default:
          --pos;
          fail(std::string("unknown escape '\\") + escaped + "'");
        }
      }
      value.text += c;
    }
    if (pos >= text.size())
      fail("unterminated string");
    ++pos; // The closing quote.
    return value;
  }

  SyntaxValue parseParenthesized() {
    ++pos; // '('
    SyntaxValue first = parseValue();
    if (consume(')'))
      return first;
    expect(',');
    SyntaxValue tuple;
    tuple.kind = SyntaxValue::Kind::Tuple;
    tuple.elements.push_back(std::move(first));
    if (consume(')'))
      return tuple;
    do
      tuple.elements.push_back(parseValue());
    while (consume(','));
    expect(')');
    return tuple;
  }

  SyntaxValue parseList() {
    ++pos; // '['
    SyntaxValue list;
    list.kind = SyntaxValue::Kind::List;
    if (consume(']'))
      return list;
    do
      list.elements.push_back(parseValue());
    while (consume(','));
    expect(']');
    return list;
  }

  std::string parseWord() {
    size_t begin = pos;
    while (pos < text.size() && isWordChar(text[pos]))
      ++pos;
    return text.substr(begin, pos - begin);
  }

  SyntaxValue parseWordOrCall() {
    SyntaxValue value;
    value.text = parseWord();
    if (!consume('(')) {
      if (value.text == "true" || value.text == "false") {
        value.kind = SyntaxValue::Kind::Bool;
        value.boolean = value.text == "true";
      } else {
        value.kind = SyntaxValue::Kind::Word;
      }
      return value;
    }
    value.kind = SyntaxValue::Kind::Call;
    if (consume(')'))
      return value;
    do {
      skipSpace();
      // `name = value` is a keyword argument; anything else positional.
      size_t start = pos;
      if (pos < text.size() && isWordStart(text[pos])) {
        std::string name = parseWord();
        skipSpace();
        if (pos < text.size() && text[pos] == '=') {
          ++pos;
          for (const auto &keyword : value.keywords)
            if (keyword.first == name) {
              pos = start;
              fail("argument '" + name + "' is given twice");
            }
          value.keywords.emplace_back(name, parseValue());
          continue;
        }
        pos = start;
      }
      if (!value.keywords.empty())
        fail("a positional argument follows a keyword argument");
      value.elements.push_back(parseValue());
    } while (consume(','));
    expect(')');
    return value;
  }

};

} // namespace

SyntaxValue parseValue(const std::string &text) {
  return Parser(text).parseWhole();
}

} // namespace dlrt
