//===- TextCursor.h - A position in text parsed by hand ---------*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt). The steps the runtime's small parsers
// (option values, .npy headers) share. `Parser` derives from
// TextCursor<Parser> and provides `[[noreturn]] void fail(const
// std::string &message) const`, which reports an error its own way.
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_TEXTCURSOR_H
#define DLRT_TEXTCURSOR_H

#include <cctype>
#include <string>

namespace dlrt {

template <typename Parser> class TextCursor {
protected:
  explicit TextCursor(const std::string &text) : text(text) {}

  void skipSpace() {
    while (pos < text.size() && std::isspace((unsigned char)text[pos]))
      ++pos;
  }

  /// Skips spaces, then `c` if it comes next.
  bool consume(char c) {
    skipSpace();
    if (pos < text.size() && text[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }

  void expect(char c) {
    if (!consume(c))
      static_cast<const Parser *>(this)->fail(std::string("expected '") + c +
                                              "'");
  }

  const std::string &text;
  size_t pos = 0;
};

} // namespace dlrt

#endif // DLRT_TEXTCURSOR_H
