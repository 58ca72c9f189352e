//===- ValueSyntaxTest.cpp - Tests of the train-section value parser ------===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#include "runtime/ValueSyntax.h"
#include "runtime/Error.h"

#include <gtest/gtest.h>

using namespace dlrt;
using Kind = SyntaxValue::Kind;

namespace {
std::string parseError(const std::string &text) {
  try {
    parseValue(text);
  } catch (const Error &error) {
    return error.what();
  }
  return "";
}
} // namespace

TEST(ValueSyntax, Numbers) {
  SyntaxValue v = parseValue("128");
  EXPECT_EQ(v.kind, Kind::Integer);
  EXPECT_EQ(v.integer, 128);
  v = parseValue(" 3e-4 ");
  EXPECT_EQ(v.kind, Kind::Number);
  EXPECT_DOUBLE_EQ(v.number, 3e-4);
  v = parseValue("-2.5");
  EXPECT_EQ(v.kind, Kind::Number);
  EXPECT_EQ(v.number, -2.5);
  EXPECT_EQ(parseValue(".5").number, 0.5);
  EXPECT_EQ(parseValue("-7").integer, -7);
}

TEST(ValueSyntax, ProductsOfNumbers) {
  SyntaxValue v = parseValue("1/255");
  EXPECT_EQ(v.kind, Kind::Number);
  EXPECT_EQ(v.number, 1.0 / 255);
  v = parseValue("256/4");
  EXPECT_EQ(v.kind, Kind::Integer); // Exact: stays an integer.
  EXPECT_EQ(v.integer, 64);
  v = parseValue("2 * 3 / 4");
  EXPECT_EQ(v.kind, Kind::Number);
  EXPECT_EQ(v.number, 1.5);
  EXPECT_EQ(parseValue("0.5 * 4").number, 2.0);
}

TEST(ValueSyntax, StringsWordsBools) {
  SyntaxValue v = parseValue(R"("a \"b\"\\c\n")");
  EXPECT_EQ(v.kind, Kind::String);
  EXPECT_EQ(v.text, "a \"b\"\\c\n");
  v = parseValue("none");
  EXPECT_EQ(v.kind, Kind::Word);
  EXPECT_EQ(v.text, "none");
  v = parseValue("true");
  EXPECT_EQ(v.kind, Kind::Bool);
  EXPECT_TRUE(v.boolean);
  EXPECT_FALSE(parseValue("false").boolean);
}

TEST(ValueSyntax, TuplesAndLists) {
  SyntaxValue v = parseValue("(0.9, 0.95)");
  ASSERT_EQ(v.kind, Kind::Tuple);
  ASSERT_EQ(v.elements.size(), 2u);
  EXPECT_EQ(v.elements[1].number, 0.95);
  EXPECT_EQ(parseValue("(5)").kind, Kind::Integer); // Parenthesized.
  EXPECT_EQ(parseValue("(5,)").elements.size(), 1u);
  v = parseValue(R"(["a", "b"])");
  ASSERT_EQ(v.kind, Kind::List);
  EXPECT_EQ(v.elements[0].text, "a");
  EXPECT_TRUE(parseValue("[]").elements.empty());
}

TEST(ValueSyntax, Calls) {
  SyntaxValue v = parseValue(R"(text("/usr/share/x", context = 128))");
  ASSERT_EQ(v.kind, Kind::Call);
  EXPECT_EQ(v.text, "text");
  ASSERT_EQ(v.elements.size(), 1u);
  EXPECT_EQ(v.elements[0].text, "/usr/share/x");
  ASSERT_EQ(v.keywords.size(), 1u);
  EXPECT_EQ(v.keywords[0].first, "context");
  EXPECT_EQ(v.keywords[0].second.integer, 128);

  v = parseValue("adamw(lr = 3e-4, betas = (0.9, 0.95), weight_decay=0.1)");
  ASSERT_EQ(v.keywords.size(), 3u);
  EXPECT_EQ(v.keywords[1].second.kind, Kind::Tuple);
  EXPECT_EQ(parseValue("constant()").kind, Kind::Call);
  EXPECT_TRUE(parseValue("constant()").elements.empty());
}

TEST(ValueSyntax, ErrorsPointAtTheColumn) {
  EXPECT_EQ(parseError("cosine(warmup = 5"),
            "expected ')' at column 18 of 'cosine(warmup = 5'");
  EXPECT_EQ(parseError("\"open"),
            "unterminated string at column 6 of '\"open'");
  EXPECT_EQ(parseError("f(a = 1, 2)"),
            "a positional argument follows a keyword argument at column 10 of "
            "'f(a = 1, 2)'");
  EXPECT_EQ(parseError("f(a = 1, a = 2)"),
            "argument 'a' is given twice at column 10 of 'f(a = 1, a = 2)'");
  EXPECT_EQ(parseError("1 / 0"), "division by zero at column 5 of '1 / 0'");
  EXPECT_EQ(parseError("\"a\" * 2"),
            "'*' needs numbers on both sides at column 5 of '\"a\" * 2'");
  EXPECT_EQ(parseError("12abc"), "unexpected 'a' in a number at column 3 of "
                                 "'12abc'");
  EXPECT_EQ(parseError(""), "expected a value at column 1 of ''");
  EXPECT_EQ(parseError("1 2"), "unexpected '2' at column 3 of '1 2'");
  EXPECT_EQ(parseError("99999999999999999999"),
            "the number 99999999999999999999 is out of range at column 1 of "
            "'99999999999999999999'");
}
