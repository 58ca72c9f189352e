//===- ModelDescriptorTest.cpp - Tests of the model descriptor parser -----===//
//
// Part of dlcc. One good descriptor, then one mutation per validation rule,
// each checked for the message the user would see.
//
//===----------------------------------------------------------------------===//

#include "runtime/ModelDescriptor.h"
#include "runtime/Error.h"

#include <gtest/gtest.h>

#include <functional>

using namespace dlrt;
using nlohmann::json;

namespace {

json goodDescriptor() {
  return json::parse(R"({
    "abi": 1, "model": "mlp", "batch": 4, "arena_bytes": 384,
    "outputs": ["loss", "accuracy"],
    "tensors": [
      {"name": "fc1.weight", "role": "param", "dtype": "f32", "shape": [2, 3],
       "offset": 0, "bytes": 24,
       "init": {"kind": "uniform", "a": -0.5, "b": 0.5}, "frozen": true},
      {"name": "bn.mean", "role": "buffer", "dtype": "bf16", "shape": [3],
       "offset": 64, "bytes": 6, "init": {"kind": "constant", "a": 0}},
      {"name": "x", "role": "input", "dtype": "f32", "shape": [4, 3],
       "offset": 128, "bytes": 48},
      {"name": "label", "role": "input", "dtype": "i64", "shape": [4],
       "offset": 192, "bytes": 32},
      {"name": "accuracy", "role": "output", "dtype": "f64", "shape": [],
       "offset": 320, "bytes": 8, "note": "unknown fields are ignored"},
      {"name": "loss", "role": "output", "dtype": "f32", "shape": [],
       "offset": 256, "bytes": 4}
    ],
    "train": {"optimizer": "adamw", "lr": 0.001}
  })");
}

/// The message parseModelDescriptor throws for `descriptor`, or "".
std::string errorFor(const json &descriptor) {
  try {
    parseModelDescriptor(descriptor.dump());
  } catch (const Error &error) {
    return error.what();
  }
  return "";
}

/// The message for the good descriptor after `mutate`.
std::string errorIn(const std::function<void(json &)> &mutate) {
  json descriptor = goodDescriptor();
  mutate(descriptor);
  return errorFor(descriptor);
}

json &tensor(json &descriptor, const std::string &name) {
  for (json &t : descriptor["tensors"])
    if (t["name"] == name)
      return t;
  throw std::logic_error("no tensor " + name);
}

} // namespace

TEST(ModelDescriptor, ParsesEveryField) {
  ModelDesc model = parseModelDescriptor(goodDescriptor().dump());

  EXPECT_EQ(model.abi, 1);
  EXPECT_EQ(model.model, "mlp");
  EXPECT_EQ(model.batch, 4);
  EXPECT_EQ(model.arenaBytes, 384u);
  EXPECT_EQ(model.outputs, (std::vector<std::string>{"loss", "accuracy"}));
  ASSERT_EQ(model.tensors.size(), 6u);
  EXPECT_EQ(model.train["optimizer"], "adamw");

  const TensorDesc &weight = model.tensors[0];
  EXPECT_EQ(weight.name, "fc1.weight");
  EXPECT_EQ(weight.role, TensorRole::Param);
  EXPECT_EQ(weight.dtype, DType::F32);
  EXPECT_EQ(weight.shape, (Shape{2, 3}));
  EXPECT_EQ(weight.offset, 0u);
  EXPECT_EQ(weight.bytes, 24u);
  EXPECT_EQ(weight.numElements(), 6u);
  EXPECT_EQ(weight.init.kind, InitDesc::Kind::Uniform);
  EXPECT_EQ(weight.init.a, -0.5);
  EXPECT_EQ(weight.init.b, 0.5);
  EXPECT_TRUE(weight.frozen);

  const TensorDesc *mean = model.find("bn.mean");
  ASSERT_NE(mean, nullptr);
  EXPECT_EQ(mean->role, TensorRole::Buffer);
  EXPECT_EQ(mean->dtype, DType::BF16);
  EXPECT_EQ(mean->init.kind, InitDesc::Kind::Constant);
  EXPECT_FALSE(mean->frozen);

  EXPECT_EQ(model.find("label")->dtype, DType::I64);
  EXPECT_EQ(model.find("x")->init.kind, InitDesc::Kind::None);
  EXPECT_EQ(model.find("nothing"), nullptr);

  ASSERT_EQ(model.savedTensors().size(), 2u);
  EXPECT_EQ(model.withRole(TensorRole::Input).size(), 2u);
  std::vector<const TensorDesc *> outputs = model.outputTensors();
  ASSERT_EQ(outputs.size(), 2u);
  EXPECT_EQ(outputs[0]->name, "loss"); // The order of "outputs", loss first.
  EXPECT_EQ(outputs[1]->name, "accuracy");
}

TEST(ModelDescriptor, TrainSectionIsOptional) {
  json descriptor = goodDescriptor();
  descriptor.erase("train");
  ModelDesc model = parseModelDescriptor(descriptor.dump());
  EXPECT_TRUE(model.train.is_object());
  EXPECT_TRUE(model.train.empty());
}

TEST(ModelDescriptor, GoodDescriptorIsAccepted) {
  EXPECT_EQ(errorFor(goodDescriptor()), "");
}

TEST(ModelDescriptor, RejectsInvalidJSON) {
  try {
    parseModelDescriptor("{\"abi\": 1,");
    FAIL() << "accepted";
  } catch (const Error &error) {
    EXPECT_EQ(
        std::string(error.what()).rfind("model descriptor: invalid JSON: ", 0),
        0u)
        << error.what();
  }
  EXPECT_EQ(errorFor(json::array()), "model descriptor: is not a JSON object");
}

TEST(ModelDescriptor, RejectsAnotherABIVersion) {
  EXPECT_EQ(errorIn([](json &d) { d["abi"] = 2; }),
            "model descriptor: ABI version 2 is not the runtime's (1); rebuild "
            "the program with a matching dlcc");
  EXPECT_EQ(errorIn([](json &d) { d["abi"] = "1"; }),
            "model descriptor: field 'abi' is not an integer");
}

TEST(ModelDescriptor, RejectsMissingOrMistypedFields) {
  EXPECT_EQ(errorIn([](json &d) { d.erase("model"); }),
            "model descriptor: missing field 'model'");
  EXPECT_EQ(errorIn([](json &d) { d["batch"] = 0; }),
            "model descriptor: batch 0 is not positive");
  EXPECT_EQ(errorIn([](json &d) { d["batch"] = 4.5; }),
            "model descriptor: field 'batch' is not an integer");
  EXPECT_EQ(errorIn([](json &d) { d["arena_bytes"] = -64; }),
            "model descriptor: field 'arena_bytes' is negative (-64)");
  EXPECT_EQ(errorIn([](json &d) { d["tensors"] = json::object(); }),
            "model descriptor: field 'tensors' is not an array");
  EXPECT_EQ(errorIn([](json &d) { d["tensors"][2].erase("name"); }),
            "model descriptor: tensors[2]: missing field 'name'");
  EXPECT_EQ(errorIn([](json &d) { d["tensors"][2]["name"] = ""; }),
            "model descriptor: tensors[2]: the name is empty");
  EXPECT_EQ(errorIn([](json &d) { tensor(d, "x").erase("offset"); }),
            "model descriptor: tensor 'x': missing field 'offset'");
  EXPECT_EQ(errorIn([](json &d) { tensor(d, "x")["shape"] = 3; }),
            "model descriptor: tensor 'x': field 'shape' is not an array");
  EXPECT_EQ(errorIn([](json &d) {
              tensor(d, "x")["shape"] = {4, -3};
            }),
            "model descriptor: tensor 'x': shape [4,-3] has an extent that is "
            "not a non-negative integer");
  EXPECT_EQ(errorIn([](json &d) { tensor(d, "fc1.weight")["frozen"] = 1; }),
            "model descriptor: tensor 'fc1.weight': field 'frozen' is not "
            "true or false");
}

TEST(ModelDescriptor, RejectsUnalignedOffsets) {
  EXPECT_EQ(errorIn([](json &d) { tensor(d, "fc1.weight")["offset"] = 12; }),
            "model descriptor: tensor 'fc1.weight': offset 12 is not a "
            "multiple of 64");
}

TEST(ModelDescriptor, RejectsBytesThatDoNotMatchTheShape) {
  EXPECT_EQ(errorIn([](json &d) { tensor(d, "fc1.weight")["bytes"] = 20; }),
            "model descriptor: tensor 'fc1.weight': bytes 20 do not match f32 "
            "[2, 3] (24 bytes)");
  EXPECT_EQ(errorIn([](json &d) { tensor(d, "bn.mean")["bytes"] = 12; }),
            "model descriptor: tensor 'bn.mean': bytes 12 do not match bf16 "
            "[3] (6 bytes)");
}

TEST(ModelDescriptor, RejectsTensorsOutsideTheArena) {
  EXPECT_EQ(errorIn([](json &d) { d["arena_bytes"] = 300; }),
            "model descriptor: tensor 'accuracy': [320, 328) lies outside the "
            "arena of 300 bytes");
}

TEST(ModelDescriptor, RejectsUnknownRolesDTypesAndInitKinds) {
  EXPECT_EQ(errorIn([](json &d) { tensor(d, "x")["role"] = "weight"; }),
            "model descriptor: tensor 'x': unknown role 'weight' (expected "
            "param, buffer, input, output, grad, state, hyper or stat)");
  EXPECT_EQ(errorIn([](json &d) { tensor(d, "x")["dtype"] = "f8"; }),
            "model descriptor: tensor 'x': unknown dtype 'f8' (expected f32, "
            "f16, bf16, f64, i32 or i64)");
  EXPECT_EQ(errorIn([](json &d) {
              tensor(d, "fc1.weight")["init"]["kind"] = "xavier";
            }),
            "model descriptor: tensor 'fc1.weight': init: unknown kind "
            "'xavier' (expected constant, uniform or normal)");
}

TEST(ModelDescriptor, RejectsBadInitializers) {
  EXPECT_EQ(errorIn([](json &d) { tensor(d, "fc1.weight").erase("init"); }),
            "model descriptor: tensor 'fc1.weight': missing field 'init'");
  EXPECT_EQ(
      errorIn([](json &d) { tensor(d, "fc1.weight")["init"].erase("b"); }),
      "model descriptor: tensor 'fc1.weight': init: missing field 'b'");
  EXPECT_EQ(errorIn([](json &d) {
              tensor(d, "fc1.weight")["init"] = {
                  {"kind", "uniform"}, {"a", 1}, {"b", -1}};
            }),
            "model descriptor: tensor 'fc1.weight': init: uniform bounds are "
            "reversed (a 1.000000 > b -1.000000)");
  EXPECT_EQ(errorIn([](json &d) {
              tensor(d, "fc1.weight")["init"] = {
                  {"kind", "normal"}, {"a", 0}, {"b", -0.02}};
            }),
            "model descriptor: tensor 'fc1.weight': init: normal standard "
            "deviation b is negative (-0.020000)");
  EXPECT_EQ(errorIn([](json &d) {
              tensor(d, "x")["init"] = {{"kind", "constant"}, {"a", 0}};
            }),
            "model descriptor: tensor 'x': an input has no initializer");
  EXPECT_EQ(errorIn([](json &d) { tensor(d, "bn.mean")["frozen"] = true; }),
            "model descriptor: tensor 'bn.mean': only a param can be frozen");
}

TEST(ModelDescriptor, RejectsDuplicateNames) {
  EXPECT_EQ(errorIn([](json &d) { tensor(d, "label")["name"] = "x"; }),
            "model descriptor: tensor 'x': the name is used twice");
}

TEST(ModelDescriptor, RejectsOverlappingTensors) {
  EXPECT_EQ(errorIn([](json &d) {
              json &x = tensor(d, "x");
              x["shape"] = {4, 8};
              x["bytes"] = 128;
            }),
            "model descriptor: tensors 'x' [128, 256) and 'label' [192, 224) "
            "overlap");
}

TEST(ModelDescriptor, RejectsOutputsListThatDoesNotMatch) {
  EXPECT_EQ(errorIn([](json &d) { d["outputs"].push_back("x"); }),
            "model descriptor: output 'x' is a tensor of role input, not "
            "output");
  EXPECT_EQ(errorIn([](json &d) { d["outputs"].push_back("nothing"); }),
            "model descriptor: output 'nothing' is not a tensor");
  EXPECT_EQ(errorIn([](json &d) { d["outputs"].push_back("loss"); }),
            "model descriptor: output 'loss' is listed twice");
  EXPECT_EQ(errorIn([](json &d) { d["outputs"] = {"loss"}; }),
            "model descriptor: tensor 'accuracy': an output missing from the "
            "outputs list");
}

/// The good descriptor with a trained param `fc2.weight` (f32 [2]) and its
/// gradient `fc2.weight.grad`.
json withGradient() {
  json d = goodDescriptor();
  d["arena_bytes"] = 512;
  d["tensors"].push_back(json::parse(R"({
      "name": "fc2.weight", "role": "param", "dtype": "f32", "shape": [2],
      "offset": 384, "bytes": 8, "init": {"kind": "constant", "a": 0}})"));
  d["tensors"].push_back(json::parse(R"({
      "name": "fc2.weight.grad", "role": "grad", "dtype": "f32", "shape": [2],
      "offset": 448, "bytes": 8})"));
  return d;
}

TEST(ModelDescriptor, ParsesGradients) {
  ModelDesc model = parseModelDescriptor(withGradient().dump());
  std::vector<const TensorDesc *> grads = model.withRole(TensorRole::Grad);
  ASSERT_EQ(grads.size(), 1u);
  EXPECT_EQ(grads[0]->name, "fc2.weight.grad");
  EXPECT_FALSE(grads[0]->isSaved());
  EXPECT_EQ(std::string(tensorRoleName(TensorRole::Grad)), "grad");
  EXPECT_EQ(model.savedTensors().size(), 3u);
}

TEST(ModelDescriptor, RejectsGradientsWithoutTheirParam) {
  auto gradError = [](const std::function<void(json &)> &mutate) {
    json d = withGradient();
    mutate(tensor(d, "fc2.weight.grad"));
    return errorFor(d);
  };
  EXPECT_EQ(gradError([](json &g) { g["name"] = "fc3.weight.grad"; }),
            "model descriptor: tensor 'fc3.weight.grad': a grad must be named "
            "'<param>.grad' after a param that is trained");
  EXPECT_EQ(gradError([](json &g) { g["name"] = "fc1.weight.grad"; }),
            "model descriptor: tensor 'fc1.weight.grad': a grad must be named "
            "'<param>.grad' after a param that is trained");
  EXPECT_EQ(gradError([](json &g) { g["name"] = "fc2.weight"; }),
            "model descriptor: tensor 'fc2.weight': the name is used twice");
  EXPECT_EQ(gradError([](json &g) {
              g["dtype"] = "f64";
              g["bytes"] = 16;
            }),
            "model descriptor: tensor 'fc2.weight.grad': a grad must have the "
            "dtype and shape of its param 'fc2.weight' (f32 [2])");
  EXPECT_EQ(gradError([](json &g) {
              g["init"] = {{"kind", "constant"}, {"a", 0}};
            }),
            "model descriptor: tensor 'fc2.weight.grad': a grad has no "
            "initializer");
}

/// withGradient() plus the state and hyper tensors of a training step.
json withTrainingState() {
  json d = withGradient();
  d["arena_bytes"] = 768;
  d["tensors"].push_back(json::parse(R"({
      "name": "fc2.weight.exp_avg", "role": "state", "dtype": "f32",
      "shape": [2], "offset": 512, "bytes": 8})"));
  d["tensors"].push_back(json::parse(R"({
      "name": "lr", "role": "hyper", "dtype": "f32", "shape": [],
      "offset": 576, "bytes": 4})"));
  d["tensors"].push_back(json::parse(R"({
      "name": "step", "role": "hyper", "dtype": "i64", "shape": [],
      "offset": 640, "bytes": 8})"));
  d["tensors"].push_back(json::parse(R"({
      "name": "grad_norm", "role": "stat", "dtype": "f32", "shape": [],
      "offset": 704, "bytes": 4})"));
  return d;
}

TEST(ModelDescriptor, ParsesTrainingState) {
  ModelDesc model = parseModelDescriptor(withTrainingState().dump());
  ASSERT_EQ(model.withRole(TensorRole::State).size(), 1u);
  EXPECT_EQ(model.withRole(TensorRole::Hyper).size(), 2u);
  EXPECT_EQ(model.withRole(TensorRole::Stat).size(), 1u);
  EXPECT_FALSE(model.find("fc2.weight.exp_avg")->isSaved());
  EXPECT_EQ(std::string(tensorRoleName(TensorRole::State)), "state");
  EXPECT_EQ(std::string(tensorRoleName(TensorRole::Hyper)), "hyper");
  EXPECT_EQ(std::string(tensorRoleName(TensorRole::Stat)), "stat");
}

TEST(ModelDescriptor, RejectsMisplacedTrainingState) {
  auto errorOf = [](const std::string &name,
                    const std::function<void(json &)> &mutate) {
    json d = withTrainingState();
    mutate(tensor(d, name));
    return errorFor(d);
  };
  EXPECT_EQ(errorOf("fc2.weight.exp_avg",
                    [](json &t) { t["name"] = "fc1.weight.exp_avg"; }),
            "model descriptor: tensor 'fc1.weight.exp_avg': a state must be "
            "named '<param>.exp_avg', '<param>.exp_avg_sq' or "
            "'<param>.momentum_buffer' after a param that is trained");
  EXPECT_EQ(errorOf("fc2.weight.exp_avg",
                    [](json &t) { t["name"] = "fc2.weight.velocity"; }),
            "model descriptor: tensor 'fc2.weight.velocity': a state must be "
            "named '<param>.exp_avg', '<param>.exp_avg_sq' or "
            "'<param>.momentum_buffer' after a param that is trained");
  EXPECT_EQ(errorOf("fc2.weight.exp_avg",
                    [](json &t) {
                      t["shape"] = {1};
                      t["bytes"] = 4;
                    }),
            "model descriptor: tensor 'fc2.weight.exp_avg': a state must have "
            "the dtype and shape of its param 'fc2.weight' (f32 [2])");
  EXPECT_EQ(errorOf("lr", [](json &t) { t["name"] = "learning_rate"; }),
            "model descriptor: tensor 'learning_rate': unknown hyper tensor "
            "(expected step, seed, lr, weight_decay, beta1, beta2, eps, "
            "momentum or max_grad_norm)");
  EXPECT_EQ(errorOf("step",
                    [](json &t) {
                      t["dtype"] = "f32";
                      t["bytes"] = 4;
                    }),
            "model descriptor: tensor 'step': a hyper tensor 'step' must be "
            "a scalar of dtype i64");
  EXPECT_EQ(errorOf("grad_norm",
                    [](json &t) {
                      t["shape"] = {1};
                    }),
            "model descriptor: tensor 'grad_norm': a stat must be a scalar");
}
