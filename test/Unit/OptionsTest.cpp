//===- OptionsTest.cpp - Tests of the command line of compiled programs ---===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#include "runtime/Options.h"
#include "runtime/Error.h"

#include <gtest/gtest.h>

using namespace dlrt;

namespace {

std::string usageError(const std::vector<std::string> &args) {
  try {
    parseOptions(args);
  } catch (const UsageError &error) {
    return error.what();
  }
  return "";
}

} // namespace

TEST(Options, ParsesEval) {
  Options options = parseOptions(
      {"--eval", "--data", "b.safetensors", "--init=w.safetensors", "--seed",
       "18446744073709551615", "--outputs", "o", "--save-params=p"});
  EXPECT_EQ(options.mode, Mode::Eval);
  EXPECT_EQ(options.data, "b.safetensors");
  EXPECT_EQ(options.init, "w.safetensors");
  EXPECT_EQ(options.seed, 18446744073709551615ull);
  EXPECT_EQ(options.outputs, "o");
  EXPECT_EQ(options.saveParams, "p");
}

TEST(Options, ParsesGradients) {
  Options options = parseOptions({"--gradients", "g.safetensors", "--data=b",
                                  "--init", "w", "--seed", "3"});
  EXPECT_EQ(options.mode, Mode::Gradients);
  EXPECT_EQ(options.gradients, "g.safetensors");
  EXPECT_EQ(options.data, "b");
  EXPECT_EQ(options.init, "w");
  EXPECT_EQ(options.seed, 3u);
  EXPECT_EQ(parseOptions({"--gradients=g", "--data", "b"}).gradients, "g");
}

TEST(Options, Defaults) {
  Options options = parseOptions({"--data", "b", "--eval"});
  EXPECT_EQ(options.seed, 0u);
  EXPECT_TRUE(options.init.empty());
  EXPECT_TRUE(options.outputs.empty());
  EXPECT_TRUE(options.saveParams.empty());
}

TEST(Options, HelpWinsOverEverything) {
  EXPECT_EQ(parseOptions({"--help"}).mode, Mode::Help);
  EXPECT_EQ(parseOptions({"--eval", "-h"}).mode, Mode::Help);
  EXPECT_EQ(parseOptions({"--seed", "x", "--help"}).mode, Mode::Help);
}

TEST(Options, RejectsMisuse) {
  EXPECT_EQ(usageError({"--bogus"}), "unknown option '--bogus' (see --help)");
  EXPECT_EQ(usageError({"--eval", "--data"}),
            "option --data needs a value (--data FILE)");
  EXPECT_EQ(usageError({"--eval", "--data", "--seed", "1"}),
            "option --data needs a value (--data FILE)");
  EXPECT_EQ(usageError({"--eval", "--data="}),
            "option --data has an empty value");
  EXPECT_EQ(usageError({"--eval=yes"}), "option --eval takes no value");
  EXPECT_EQ(usageError({"--eval", "--eval"}), "option --eval is given twice");
  EXPECT_EQ(usageError({"--eval", "--data", "a", "--data", "b"}),
            "option --data is given twice");
  EXPECT_EQ(usageError({"--eval", "--data", "a", "extra"}),
            "unexpected argument 'extra' (see --help)");
  EXPECT_EQ(usageError({"-x"}), "unexpected argument '-x' (see --help)");
  EXPECT_EQ(usageError({}),
            "no mode given: use --eval or --gradients (see --help)");
  EXPECT_EQ(usageError({"--data", "a"}),
            "no mode given: use --eval or --gradients (see --help)");
  EXPECT_EQ(usageError({"--gradients", "g"}), "--gradients needs --data FILE");
  EXPECT_EQ(usageError({"--gradients"}),
            "option --gradients needs a value (--gradients FILE)");
  EXPECT_EQ(usageError({"--eval", "--gradients", "g", "--data", "b"}),
            "options --eval and --gradients exclude each other");
  EXPECT_EQ(usageError({"--eval", "--data", "a", "--seed", "-1"}),
            "--seed: '-1' is not an integer in [0, 2^64)");
  EXPECT_EQ(usageError({"--eval", "--data", "a", "--seed=-1"}),
            "--seed: '-1' is not an integer in [0, 2^64)");
  EXPECT_EQ(usageError({"--eval", "--data", "a", "--seed", "12x"}),
            "--seed: '12x' is not an integer in [0, 2^64)");
  EXPECT_EQ(
      usageError({"--eval", "--data", "a", "--seed", "18446744073709551616"}),
      "--seed: '18446744073709551616' is not an integer in [0, 2^64)");
}

TEST(Options, UsageListsEveryOption) {
  std::string text = usageText("train", "mlp");
  EXPECT_EQ(text.rfind("Usage: train --eval [--data FILE] [options]\n", 0), 0u);
  for (const char *option :
       {"--eval", "--gradients FILE", "--help", "--data FILE", "--init FILE",
        "--seed N", "--outputs FILE", "--save-params FILE", "'mlp'",
        "Exit status"})
    EXPECT_NE(text.find(option), std::string::npos) << option;
}
