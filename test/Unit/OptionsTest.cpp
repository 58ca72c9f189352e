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
  EXPECT_EQ(*options.override("data"), "b.safetensors");
  EXPECT_EQ(options.init, "w.safetensors");
  EXPECT_EQ(*options.override("seed"), "18446744073709551615");
  EXPECT_EQ(options.outputs, "o");
  EXPECT_EQ(options.saveParams, "p");
}

TEST(Options, ParsesGradients) {
  Options options = parseOptions({"--gradients", "g.safetensors", "--data=b",
                                  "--init", "w", "--seed", "3"});
  EXPECT_EQ(options.mode, Mode::Gradients);
  EXPECT_EQ(options.gradients, "g.safetensors");
  EXPECT_EQ(*options.override("data"), "b");
  EXPECT_EQ(options.init, "w");
  EXPECT_EQ(*options.override("seed"), "3");
  EXPECT_EQ(parseOptions({"--gradients=g", "--data", "b"}).gradients, "g");
}

TEST(Options, TrainsWithoutAMode) {
  Options options = parseOptions(
      {"--steps=5", "--optimizer.lr", "1e-3", "--schedule=cosine(warmup = 2)",
       "--resume", "c.safetensors", "--checkpoint=out.safetensors", "--log",
       "m.jsonl", "--plot=loss.svg", "--eval=none"});
  EXPECT_EQ(options.mode, Mode::Train);
  std::vector<std::pair<std::string, std::string>> expected = {
      {"steps", "5"},
      {"optimizer.lr", "1e-3"},
      {"schedule", "cosine(warmup = 2)"},
      {"eval", "none"}};
  EXPECT_EQ(options.overrides, expected);
  EXPECT_EQ(options.resume, "c.safetensors");
  EXPECT_EQ(options.checkpoint, "out.safetensors");
  EXPECT_EQ(options.log, "m.jsonl");
  EXPECT_EQ(options.plot, "loss.svg");
  EXPECT_EQ(parseOptions({}).mode, Mode::Train);
}

TEST(Options, EvalIsTheModeWithoutAValue) {
  Options options = parseOptions({"--eval", "--eval=npy(x = \"a.npy\")"});
  EXPECT_EQ(options.mode, Mode::Eval);
  EXPECT_EQ(*options.override("eval"), "npy(x = \"a.npy\")");
  EXPECT_EQ(parseOptions({"--eval=none"}).mode, Mode::Train);
}

TEST(Options, Defaults) {
  Options options = parseOptions({"--data", "b", "--eval"});
  EXPECT_EQ(options.override("seed"), nullptr);
  EXPECT_TRUE(options.init.empty());
  EXPECT_TRUE(options.outputs.empty());
  EXPECT_TRUE(options.saveParams.empty());
  EXPECT_TRUE(options.resume.empty());
  EXPECT_TRUE(options.checkpoint.empty());
}

TEST(Options, HelpWinsOverEverything) {
  EXPECT_EQ(parseOptions({"--help"}).mode, Mode::Help);
  EXPECT_EQ(parseOptions({"--eval", "-h"}).mode, Mode::Help);
  EXPECT_EQ(parseOptions({"--bogus", "x", "--help"}).mode, Mode::Help);
}

TEST(Options, RejectsMisuse) {
  EXPECT_EQ(usageError({"--bogus"}), "unknown option '--bogus' (see --help)");
  EXPECT_EQ(usageError({"--optimizer.lr.x=1", "--bogus.lr=1"}),
            "unknown option '--bogus.lr' (see --help)");
  EXPECT_EQ(usageError({"--eval", "--data"}),
            "option --data needs a value (--data SOURCE)");
  EXPECT_EQ(usageError({"--eval", "--data", "--seed", "1"}),
            "option --data needs a value (--data SOURCE)");
  EXPECT_EQ(usageError({"--eval", "--data="}),
            "option --data has an empty value");
  EXPECT_EQ(usageError({"--eval", "--eval"}), "option --eval is given twice");
  EXPECT_EQ(usageError({"--eval", "--data", "a", "--data", "b"}),
            "option --data is given twice");
  EXPECT_EQ(usageError({"--optimizer.lr=1", "--optimizer.lr=2"}),
            "option --optimizer.lr is given twice");
  EXPECT_EQ(usageError({"--eval", "--data", "a", "extra"}),
            "unexpected argument 'extra' (see --help)");
  EXPECT_EQ(usageError({"-x"}), "unexpected argument '-x' (see --help)");
  EXPECT_EQ(usageError({"--gradients", "g"}), "--gradients needs --data FILE");
  EXPECT_EQ(usageError({"--gradients"}),
            "option --gradients needs a value (--gradients FILE)");
  EXPECT_EQ(usageError({"--eval", "--gradients", "g", "--data", "b"}),
            "options --eval and --gradients exclude each other");
  EXPECT_EQ(usageError({"--init", "w", "--resume", "c"}),
            "options --init and --resume exclude each other (a checkpoint "
            "holds the params)");
  EXPECT_EQ(usageError({"--eval", "--log", "m.jsonl"}),
            "option --log is for training; it does not go with --eval");
  EXPECT_EQ(usageError({"--checkpoint=blocks"}),
            "--checkpoint=blocks: activation checkpointing is compiled into "
            "this program; change the train section and recompile with dlcc "
            "(--checkpoint FILE names the file training checkpoints go to)");
  EXPECT_EQ(usageError({"--help=yes"}), "option --help takes no value");
}

TEST(Options, UsageListsEveryOption) {
  std::string text = usageText("train", "mlp", "Train options:\n  --steps N\n");
  EXPECT_EQ(text.rfind("Usage: train [--name=value ...] [--resume FILE] "
                       "[options]\n",
                       0),
            0u);
  for (const char *option :
       {"--eval [--data SOURCE]", "--gradients FILE", "--help", "--init FILE",
        "--resume FILE", "--checkpoint FILE", "--log FILE", "--plot FILE",
        "--outputs FILE", "--save-params FILE", "'mlp'", "--steps N",
        "Exit status"})
    EXPECT_NE(text.find(option), std::string::npos) << option;
}
