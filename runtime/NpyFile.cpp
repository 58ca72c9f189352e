//===- NpyFile.cpp - NumPy .npy arrays ------------------------------------===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#include "runtime/NpyFile.h"

#include "runtime/Error.h"
#include "runtime/TextCursor.h"

#include <cctype>
#include <cstring>
#include <map>

namespace dlrt {

namespace {

/// A value of the header dict: a string, a boolean or a tuple of integers.
struct HeaderValue {
  enum class Kind { String, Bool, Tuple } kind = Kind::String;
  std::string text;
  bool boolean = false;
  Shape tuple;
};

/// Parses the header dict; the grammar is the subset numpy writes.
class HeaderParser : public TextCursor<HeaderParser> {
public:
  HeaderParser(const std::string &text, const std::string &path)
      : TextCursor(text), path(path) {}

  std::map<std::string, HeaderValue> parse() {
    std::map<std::string, HeaderValue> dict;
    expect('{');
    while (!consume('}')) {
      std::string key = parseString();
      expect(':');
      dict[key] = parseValue();
      if (!consume(',')) {
        expect('}');
        break;
      }
    }
    return dict;
  }

  friend class TextCursor;

private:
  [[noreturn]] void fail(const std::string &message) const {
    throw Error(path + ": malformed .npy header (" + message + "): " + text);
  }
  std::string parseString() {
    skipSpace();
    if (pos >= text.size() || (text[pos] != '\'' && text[pos] != '"'))
      fail("expected a string");
    char quote = text[pos++];
    size_t end = text.find(quote, pos);
    if (end == std::string::npos)
      fail("unterminated string");
    std::string value = text.substr(pos, end - pos);
    pos = end + 1;
    return value;
  }
  HeaderValue parseValue() {
    skipSpace();
    HeaderValue value;
    if (text.compare(pos, 4, "True") == 0 ||
        text.compare(pos, 5, "False") == 0) {
      value.kind = HeaderValue::Kind::Bool;
      value.boolean = text[pos] == 'T';
      pos += value.boolean ? 4 : 5;
      return value;
    }
    if (consume('(')) {
      value.kind = HeaderValue::Kind::Tuple;
      while (!consume(')')) {
        skipSpace();
        size_t begin = pos;
        while (pos < text.size() && std::isdigit((unsigned char)text[pos]))
          ++pos;
        // A trailing L comes from Python 2's longs.
        std::string digits = text.substr(begin, pos - begin);
        if (pos < text.size() && text[pos] == 'L')
          ++pos;
        if (digits.empty() || digits.size() > 18)
          fail("expected a dimension");
        value.tuple.push_back(std::stoll(digits));
        if (!consume(',')) {
          expect(')');
          break;
        }
      }
      return value;
    }
    value.text = parseString();
    return value;
  }

  const std::string &path;
};

} // namespace

NpyArray readNpy(const std::string &path) {
  NpyArray array{MappedFile(path)};
  const uint8_t *bytes = array.file.data();
  uint64_t size = array.file.size();
  static const char kMagic[] = "\x93NUMPY";
  if (size < 10 || std::memcmp(bytes, kMagic, 6) != 0)
    throw Error(path + ": not a .npy file (bad magic number)");
  int major = bytes[6];
  if (major < 1 || major > 3)
    throw Error(path + ": unsupported .npy version " + std::to_string(major) +
                "." + std::to_string(bytes[7]));
  uint64_t prefix = major == 1 ? 10 : 12;
  if (size < prefix)
    throw Error(path + ": truncated .npy header");
  uint64_t headerBytes =
      major == 1 ? uint64_t(bytes[8]) | uint64_t(bytes[9]) << 8
                 : uint64_t(bytes[8]) | uint64_t(bytes[9]) << 8 |
                       uint64_t(bytes[10]) << 16 | uint64_t(bytes[11]) << 24;
  if (headerBytes > size - prefix)
    throw Error(path + ": truncated .npy header");
  std::string header(reinterpret_cast<const char *>(bytes + prefix),
                     size_t(headerBytes));
  std::map<std::string, HeaderValue> dict = HeaderParser(header, path).parse();

  auto descr = dict.find("descr");
  auto order = dict.find("fortran_order");
  auto shape = dict.find("shape");
  if (descr == dict.end() || descr->second.kind != HeaderValue::Kind::String ||
      order == dict.end() || order->second.kind != HeaderValue::Kind::Bool ||
      shape == dict.end() || shape->second.kind != HeaderValue::Kind::Tuple)
    throw Error(path + ": the .npy header lacks 'descr', 'fortran_order' or "
                       "'shape'");
  if (order->second.boolean)
    throw Error(path + ": the array is in Fortran order; save it in C order "
                       "(numpy.ascontiguousarray)");

  std::string type = descr->second.text;
  static const std::pair<const char *, DType> kTypes[] = {{"f4", DType::F32},
                                                          {"f8", DType::F64},
                                                          {"f2", DType::F16},
                                                          {"i4", DType::I32},
                                                          {"i8", DType::I64}};
  bool found = false;
  if (type.size() == 3 && (type[0] == '<' || type[0] == '=' || type[0] == '|'))
    for (const auto &[name, dtype] : kTypes)
      if (type.compare(1, 2, name) == 0) {
        array.dtype = dtype;
        found = true;
      }
  if (!found)
    throw Error(path + ": dtype '" + type +
                "' is not supported (little-endian f4, f8, f2, i4 or i8)");

  array.shape = shape->second.tuple;
  std::optional<uint64_t> dataBytes =
      shapeBytes(array.shape, dtypeSize(array.dtype));
  if (!dataBytes)
    throw Error(path + ": shape " + formatShape(array.shape) + " is too large");
  uint64_t begin = prefix + headerBytes;
  if (size - begin != *dataBytes)
    throw Error(path + ": holds " + std::to_string(size - begin) +
                " bytes of data but " + dtypeName(array.dtype) + " " +
                formatShape(array.shape) + " needs " +
                std::to_string(*dataBytes) + " (truncated?)");
  array.data = bytes + begin;
  array.bytes = *dataBytes;
  return array;
}

} // namespace dlrt
