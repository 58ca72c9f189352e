//===- ModelDescriptor.cpp - The model a compiled program carries ---------===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#include "runtime/ModelDescriptor.h"

#include "dlrt/ModelABI.h"
#include "runtime/Arena.h"
#include "runtime/Error.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>

using nlohmann::json;

namespace dlrt {

const char *tensorRoleName(TensorRole role) {
  switch (role) {
  case TensorRole::Param:
    return "param";
  case TensorRole::Buffer:
    return "buffer";
  case TensorRole::Input:
    return "input";
  case TensorRole::Output:
    return "output";
  case TensorRole::Grad:
    return "grad";
  case TensorRole::State:
    return "state";
  case TensorRole::Hyper:
    return "hyper";
  case TensorRole::Stat:
    return "stat";
  }
  return "?";
}

namespace {

/// Reads the fields of one JSON object, throwing errors that say where.
class Fields {
public:
  /// `where` prefixes every message: "model descriptor: tensor 'x'".
  Fields(const json &object, std::string where)
      : object(object), where(std::move(where)) {
    if (!object.is_object())
      fail("is not a JSON object");
  }

  [[noreturn]] void fail(const std::string &message) const {
    throw Error(where + ": " + message);
  }

  bool has(const char *key) const { return object.contains(key); }

  const json &get(const char *key) const {
    auto it = object.find(key);
    if (it == object.end())
      fail(std::string("missing field '") + key + "'");
    return *it;
  }

  std::string string(const char *key) const {
    const json &value = get(key);
    if (!value.is_string())
      fail(std::string("field '") + key + "' is not a string");
    return value.get<std::string>();
  }

  int64_t integer(const char *key) const {
    const json &value = get(key);
    if (!value.is_number_integer() ||
        (value.is_number_unsigned() &&
         value.get<uint64_t>() > uint64_t(INT64_MAX)))
      fail(std::string("field '") + key + "' is not an integer");
    return value.get<int64_t>();
  }

  uint64_t nonNegative(const char *key) const {
    int64_t value = integer(key);
    if (value < 0)
      fail(std::string("field '") + key + "' is negative (" +
           std::to_string(value) + ")");
    return uint64_t(value);
  }

  double number(const char *key) const {
    const json &value = get(key);
    if (!value.is_number())
      fail(std::string("field '") + key + "' is not a number");
    double result = value.get<double>();
    if (!std::isfinite(result))
      fail(std::string("field '") + key + "' is not finite");
    return result;
  }

  bool boolean(const char *key, bool otherwise) const {
    if (!has(key))
      return otherwise;
    const json &value = get(key);
    if (!value.is_boolean())
      fail(std::string("field '") + key + "' is not true or false");
    return value.get<bool>();
  }

  const json &array(const char *key) const {
    const json &value = get(key);
    if (!value.is_array())
      fail(std::string("field '") + key + "' is not an array");
    return value;
  }

  const std::string &context() const { return where; }

private:
  const json &object;
  std::string where;
};

constexpr const char *kPrefix = "model descriptor";

std::string tensorContext(const std::string &name) {
  return std::string(kPrefix) + ": tensor '" + name + "'";
}

InitDesc parseInit(const Fields &tensor) {
  Fields init(tensor.get("init"), tensor.context() + ": init");
  std::string kind = init.string("kind");
  InitDesc result;
  if (kind == "constant") {
    result.kind = InitDesc::Kind::Constant;
    result.a = init.number("a");
  } else if (kind == "uniform") {
    result.kind = InitDesc::Kind::Uniform;
    result.a = init.number("a");
    result.b = init.number("b");
    if (result.a > result.b)
      init.fail("uniform bounds are reversed (a " + std::to_string(result.a) +
                " > b " + std::to_string(result.b) + ")");
  } else if (kind == "normal") {
    result.kind = InitDesc::Kind::Normal;
    result.a = init.number("a");
    result.b = init.number("b");
    if (result.b < 0)
      init.fail("normal standard deviation b is negative (" +
                std::to_string(result.b) + ")");
  } else {
    init.fail("unknown kind '" + kind +
              "' (expected constant, uniform or normal)");
  }
  return result;
}

TensorDesc parseTensor(const json &value, size_t index, uint64_t arenaBytes) {
  Fields unnamed(value, std::string(kPrefix) + ": tensors[" +
                            std::to_string(index) + "]");
  TensorDesc tensor;
  tensor.name = unnamed.string("name");
  if (tensor.name.empty())
    unnamed.fail("the name is empty");
  Fields fields(value, tensorContext(tensor.name));

  std::string role = fields.string("role");
  if (role == "param")
    tensor.role = TensorRole::Param;
  else if (role == "buffer")
    tensor.role = TensorRole::Buffer;
  else if (role == "input")
    tensor.role = TensorRole::Input;
  else if (role == "output")
    tensor.role = TensorRole::Output;
  else if (role == "grad")
    tensor.role = TensorRole::Grad;
  else if (role == "state")
    tensor.role = TensorRole::State;
  else if (role == "hyper")
    tensor.role = TensorRole::Hyper;
  else if (role == "stat")
    tensor.role = TensorRole::Stat;
  else
    fields.fail("unknown role '" + role +
                "' (expected param, buffer, input, output, grad, state, "
                "hyper or stat)");

  std::string dtype = fields.string("dtype");
  std::optional<DType> type = parseDTypeName(dtype);
  if (!type)
    fields.fail("unknown dtype '" + dtype +
                "' (expected f32, f16, bf16, f64, i32 or i64)");
  tensor.dtype = *type;

  for (const json &extent : fields.array("shape")) {
    if (!extent.is_number_integer() || extent.get<int64_t>() < 0 ||
        (extent.is_number_unsigned() &&
         extent.get<uint64_t>() > uint64_t(INT64_MAX)))
      fields.fail("shape " + fields.get("shape").dump() +
                  " has an extent that is not a non-negative integer");
    tensor.shape.push_back(extent.get<int64_t>());
  }

  tensor.offset = fields.nonNegative("offset");
  tensor.bytes = fields.nonNegative("bytes");
  if (tensor.offset % kArenaAlignment != 0)
    fields.fail("offset " + std::to_string(tensor.offset) +
                " is not a multiple of " + std::to_string(kArenaAlignment));
  std::optional<uint64_t> expected =
      shapeBytes(tensor.shape, dtypeSize(tensor.dtype));
  if (!expected)
    fields.fail("shape " + formatShape(tensor.shape) + " is too large");
  if (tensor.bytes != *expected)
    fields.fail("bytes " + std::to_string(tensor.bytes) + " do not match " +
                dtype + " " + formatShape(tensor.shape) + " (" +
                std::to_string(*expected) + " bytes)");
  if (tensor.offset > arenaBytes || tensor.bytes > arenaBytes - tensor.offset)
    fields.fail("[" + std::to_string(tensor.offset) + ", " +
                std::to_string(tensor.offset + tensor.bytes) +
                ") lies outside the arena of " + std::to_string(arenaBytes) +
                " bytes");

  if (tensor.isSaved())
    tensor.init = parseInit(fields);
  else if (fields.has("init"))
    fields.fail(
        std::string(role == "input" || role == "output" ? "an " : "a ") + role +
        " has no initializer");

  tensor.frozen = fields.boolean("frozen", false);
  if (tensor.frozen && tensor.role != TensorRole::Param)
    fields.fail("only a param can be frozen");
  return tensor;
}

/// No two tensors may share bytes: the runtime writes inputs and params and
/// reads outputs, so an overlap is a memory plan that would corrupt them.
void checkNoOverlap(const std::vector<TensorDesc> &tensors) {
  std::vector<const TensorDesc *> sorted;
  for (const TensorDesc &tensor : tensors)
    if (tensor.bytes != 0)
      sorted.push_back(&tensor);
  std::sort(sorted.begin(), sorted.end(),
            [](const TensorDesc *x, const TensorDesc *y) {
              return x->offset < y->offset;
            });
  auto range = [](const TensorDesc *t) {
    return "[" + std::to_string(t->offset) + ", " +
           std::to_string(t->offset + t->bytes) + ")";
  };
  for (size_t i = 1; i < sorted.size(); ++i) {
    const TensorDesc *before = sorted[i - 1], *after = sorted[i];
    if (before->offset + before->bytes > after->offset)
      throw Error(std::string(kPrefix) + ": tensors '" + before->name + "' " +
                  range(before) + " and '" + after->name + "' " + range(after) +
                  " overlap");
  }
}

/// The trained param that a grad (`<param>.grad`) or optimizer state
/// (`<param>.<kind>`) belongs to: `name` must be a param's name, a dot and
/// one of `suffixes`.
const TensorDesc *companionParam(const ModelDesc &model,
                                 const std::string &name,
                                 std::initializer_list<const char *> suffixes) {
  for (const char *suffix : suffixes) {
    std::string tail = std::string(".") + suffix;
    if (name.size() > tail.size() &&
        name.compare(name.size() - tail.size(), tail.size(), tail) == 0)
      if (const TensorDesc *param =
              model.find(name.substr(0, name.size() - tail.size())))
        return param->role == TensorRole::Param && !param->frozen ? param
                                                                  : nullptr;
  }
  return nullptr;
}

/// The dtype each hyper tensor must have, or nullopt for an unknown name.
std::optional<DType> hyperDType(const std::string &name) {
  if (name == "step" || name == "seed")
    return DType::I64;
  for (const char *f32 : {"lr", "weight_decay", "beta1", "beta2", "eps",
                          "momentum", "max_grad_norm"})
    if (name == f32)
      return DType::F32;
  return std::nullopt;
}

/// The rules that tie a tensor of role grad, state, hyper or stat to the
/// rest of the model.
void checkRoleRules(const ModelDesc &model, const TensorDesc &tensor) {
  auto fail = [&](const std::string &message) {
    throw Error(tensorContext(tensor.name) + ": " + message);
  };
  switch (tensor.role) {
  case TensorRole::Grad:
  case TensorRole::State: {
    bool grad = tensor.role == TensorRole::Grad;
    const TensorDesc *param =
        grad ? companionParam(model, tensor.name, {"grad"})
             : companionParam(model, tensor.name,
                              {"exp_avg", "exp_avg_sq", "momentum_buffer"});
    if (!param)
      fail(grad ? "a grad must be named '<param>.grad' after a param that is "
                  "trained"
                : "a state must be named '<param>.exp_avg', "
                  "'<param>.exp_avg_sq' or '<param>.momentum_buffer' after a "
                  "param that is trained");
    if (param->dtype != tensor.dtype || param->shape != tensor.shape)
      fail(std::string("a ") + tensorRoleName(tensor.role) +
           " must have the dtype and shape of its param '" + param->name +
           "' (" + dtypeName(param->dtype) + " " + formatShape(param->shape) +
           ")");
    return;
  }
  case TensorRole::Hyper: {
    std::optional<DType> dtype = hyperDType(tensor.name);
    if (!dtype)
      fail("unknown hyper tensor (expected step, seed, lr, weight_decay, "
           "beta1, beta2, eps, momentum or max_grad_norm)");
    if (tensor.dtype != *dtype || !tensor.shape.empty())
      fail(std::string("a hyper tensor '") + tensor.name +
           "' must be a scalar of dtype " + dtypeName(*dtype));
    return;
  }
  case TensorRole::Stat:
    if (!tensor.shape.empty())
      fail("a stat must be a scalar");
    return;
  default:
    return;
  }
}

} // namespace

ModelDesc parseModelDescriptor(const std::string &text) {
  json document;
  try {
    document = json::parse(text);
  } catch (const json::exception &error) {
    throw Error(std::string(kPrefix) + ": invalid JSON: " + error.what());
  }
  Fields fields(document, kPrefix);

  ModelDesc model;
  model.abi = fields.integer("abi");
  if (model.abi != DL_ABI_VERSION)
    fields.fail("ABI version " + std::to_string(model.abi) +
                " is not the runtime's (" + std::to_string(DL_ABI_VERSION) +
                "); rebuild the program with a matching dlcc");
  model.model = fields.string("model");
  model.batch = fields.integer("batch");
  if (model.batch <= 0)
    fields.fail("batch " + std::to_string(model.batch) + " is not positive");
  model.arenaBytes = fields.nonNegative("arena_bytes");

  const json &tensors = fields.array("tensors");
  std::set<std::string> names;
  for (size_t i = 0; i < tensors.size(); ++i) {
    TensorDesc tensor = parseTensor(tensors[i], i, model.arenaBytes);
    if (!names.insert(tensor.name).second)
      throw Error(tensorContext(tensor.name) + ": the name is used twice");
    model.tensors.push_back(std::move(tensor));
  }
  checkNoOverlap(model.tensors);

  std::set<std::string> listed;
  for (const json &name : fields.array("outputs")) {
    if (!name.is_string())
      fields.fail("outputs " + fields.get("outputs").dump() +
                  " has an entry that is not a string");
    std::string output = name.get<std::string>();
    const TensorDesc *tensor = model.find(output);
    if (!tensor)
      fields.fail("output '" + output + "' is not a tensor");
    if (tensor->role != TensorRole::Output)
      fields.fail("output '" + output + "' is a tensor of role " +
                  tensorRoleName(tensor->role) + ", not output");
    if (!listed.insert(output).second)
      fields.fail("output '" + output + "' is listed twice");
    model.outputs.push_back(output);
  }
  for (const TensorDesc &tensor : model.tensors)
    if (tensor.role == TensorRole::Output && !listed.count(tensor.name))
      throw Error(tensorContext(tensor.name) +
                  ": an output missing from the outputs list");

  for (const TensorDesc &tensor : model.tensors)
    checkRoleRules(model, tensor);

  model.train = fields.has("train") ? fields.get("train") : json::object();
  if (fields.has("scratch")) {
    const json &scratch = fields.get("scratch");
    if (scratch.is_object() && scratch.contains("bytes") &&
        scratch["bytes"].is_number_unsigned() &&
        scratch["bytes"].get<uint64_t>() <= model.arenaBytes)
      model.scratchBytes = scratch["bytes"].get<uint64_t>();
    else
      fields.fail("scratch " + scratch.dump() +
                  " does not give its bytes as a count within the arena");
  }
  return model;
}

const TensorDesc *ModelDesc::find(const std::string &name) const {
  for (const TensorDesc &tensor : tensors)
    if (tensor.name == name)
      return &tensor;
  return nullptr;
}

std::vector<const TensorDesc *> ModelDesc::withRole(TensorRole role) const {
  std::vector<const TensorDesc *> result;
  for (const TensorDesc &tensor : tensors)
    if (tensor.role == role)
      result.push_back(&tensor);
  return result;
}

std::vector<const TensorDesc *> ModelDesc::savedTensors() const {
  std::vector<const TensorDesc *> result;
  for (const TensorDesc &tensor : tensors)
    if (tensor.isSaved())
      result.push_back(&tensor);
  return result;
}

std::vector<const TensorDesc *> ModelDesc::outputTensors() const {
  std::vector<const TensorDesc *> result;
  for (const std::string &name : outputs)
    result.push_back(find(name));
  return result;
}

} // namespace dlrt
