//===- ValueSyntax.h - Option values in the syntax of .dl files -*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt). Command-line overrides of train options
// take the value syntax of a `train { }` section:
//
//   value  ::= term (("*" | "/") term)*        (products of numbers only)
//   term   ::= NUMBER | "-" term | STRING | WORD | WORD "(" args? ")"
//            | "(" value ")" | "(" value "," (value ("," value)*)? ")"
//            | "[" (value ("," value)*)? "]"
//   args   ::= arg ("," arg)*
//   arg    ::= WORD "=" value | value
//
// Strings are double-quoted with \" \\ \n \t escapes; `true` and `false`
// are booleans; other words stay words (`none`, `u16`, `cosine`).
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_VALUESYNTAX_H
#define DLRT_VALUESYNTAX_H

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace dlrt {

/// One parsed value.
struct SyntaxValue {
  enum class Kind { Integer, Number, String, Word, Bool, Tuple, List, Call };
  Kind kind = Kind::Integer;
  int64_t integer = 0;  ///< Integer.
  double number = 0;    ///< Number (and Integer, converted).
  bool boolean = false; ///< Bool.
  std::string text;     ///< String contents, the word, or the callee.
  /// Tuple and list elements, or the positional arguments of a call.
  std::vector<SyntaxValue> elements;
  /// Keyword arguments of a call, in order.
  std::vector<std::pair<std::string, SyntaxValue>> keywords;

  bool isNumeric() const {
    return kind == Kind::Integer || kind == Kind::Number;
  }
};

/// Parses `text` as one value. Throws Error with a message that points at
/// the offending column: "expected ')' at column 17 of 'cosine(warmup = 5'".
SyntaxValue parseValue(const std::string &text);

} // namespace dlrt

#endif // DLRT_VALUESYNTAX_H
