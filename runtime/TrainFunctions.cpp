//===- TrainFunctions.cpp - Functions a train option may call -------------===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#include "runtime/TrainFunctions.h"

#include "runtime/Error.h"

#include <cstdio>
#include <cstdlib>

using nlohmann::json;

namespace dlrt {

namespace {

FunctionParam required(const char *name, ParamKind kind) {
  return {name, kind, nullptr, {}};
}

FunctionParam optional(const char *name, ParamKind kind, json byDefault,
                       std::vector<std::string> words = {}) {
  return {name, kind, std::move(byDefault), std::move(words)};
}

/// The table of docs/language.md ("Train-section functions"), restricted to
/// the categories the runtime reads.
const std::vector<TrainFunction> &trainFunctions() {
  using K = ParamKind;
  using C = FunctionCategory;
  static const std::vector<TrainFunction> functions = {
      {C::DataSource,
       "idx",
       {required("images", K::String), required("labels", K::String),
        optional("scale", K::Number, 1.0), optional("mean", K::Number, 0.0),
        optional("std", K::Number, 1.0)}},
      {C::DataSource,
       "text",
       {required("path", K::String), required("context", K::Integer)}},
      {C::DataSource,
       "tokens",
       {required("path", K::String), required("context", K::Integer),
        optional("dtype", K::Word, "u16", {"u16", "u32"})}},
      {C::DataSource, "npy", {}, /*anyKeywords=*/true},
      {C::Optimizer,
       "sgd",
       {required("lr", K::Number), optional("momentum", K::Number, 0.0),
        optional("nesterov", K::Bool, false),
        optional("weight_decay", K::Number, 0.0)}},
      {C::Optimizer,
       "adam",
       {optional("lr", K::Number, 1e-3),
        optional("betas", K::NumberPair, {0.9, 0.999}),
        optional("eps", K::Number, 1e-8),
        optional("weight_decay", K::Number, 0.0)}},
      {C::Optimizer,
       "adamw",
       {optional("lr", K::Number, 1e-3),
        optional("betas", K::NumberPair, {0.9, 0.999}),
        optional("eps", K::Number, 1e-8),
        optional("weight_decay", K::Number, 0.01)}},
      {C::Optimizer,
       "adamw8bit",
       {optional("lr", K::Number, 1e-3),
        optional("betas", K::NumberPair, {0.9, 0.999}),
        optional("eps", K::Number, 1e-8),
        optional("weight_decay", K::Number, 0.01)}},
      {C::Schedule, "constant", {}},
      {C::Schedule, "linear", {optional("warmup", K::Integer, 0)}},
      {C::Schedule,
       "cosine",
       {optional("warmup", K::Integer, 0), optional("min_lr", K::Number, 0.0)}},
  };
  return functions;
}

const char *categoryName(FunctionCategory category) {
  switch (category) {
  case FunctionCategory::DataSource:
    return "data source";
  case FunctionCategory::Optimizer:
    return "optimizer";
  case FunctionCategory::Schedule:
    return "schedule";
  }
  return "function";
}

std::string namesOf(FunctionCategory category) {
  std::vector<std::string> names;
  for (const TrainFunction &fn : trainFunctions())
    if (fn.category == category)
      names.push_back(fn.name);
  std::string list;
  for (size_t i = 0; i < names.size(); ++i)
    list += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  return list;
}

/// A number with the fewest digits that read back as the same double.
std::string shortestNumber(double value) {
  char text[32];
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(text, sizeof text, "%.*g", digits, value);
    if (std::strtod(text, nullptr) == value)
      break;
  }
  return text;
}

std::string quoted(const std::string &text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c == '\n' ? std::string("\\n") : std::string(1, c);
  }
  return out + "\"";
}

} // namespace

const FunctionParam *TrainFunction::find(const std::string &param) const {
  for (const FunctionParam &p : params)
    if (p.name == param)
      return &p;
  return nullptr;
}

const char *functionKey(FunctionCategory category) {
  return category == FunctionCategory::DataSource ? "source" : "name";
}

const TrainFunction *lookupTrainFunction(FunctionCategory category,
                                         const std::string &name) {
  for (const TrainFunction &fn : trainFunctions())
    if (fn.category == category && fn.name == name)
      return &fn;
  return nullptr;
}

json convertArgument(const FunctionParam &param, const SyntaxValue &value,
                     const std::string &what) {
  using Kind = SyntaxValue::Kind;
  std::string where = what + ": '" + param.name + "'";
  switch (param.kind) {
  case ParamKind::Number:
    if (value.isNumeric())
      return value.number;
    throw Error(where + " must be a number");
  case ParamKind::Integer:
    if (value.kind == Kind::Integer)
      return value.integer;
    throw Error(where + " must be an integer");
  case ParamKind::String:
    if (value.kind == Kind::String)
      return value.text;
    throw Error(where + " must be a string in double quotes");
  case ParamKind::Bool:
    if (value.kind == Kind::Bool)
      return value.boolean;
    throw Error(where + " must be true or false");
  case ParamKind::NumberPair:
    if ((value.kind == Kind::Tuple || value.kind == Kind::List) &&
        value.elements.size() == 2 && value.elements[0].isNumeric() &&
        value.elements[1].isNumeric())
      return json::array({value.elements[0].number, value.elements[1].number});
    throw Error(where + " must be a pair of numbers such as (0.9, 0.999)");
  case ParamKind::Word:
    for (const std::string &word : param.words)
      if (value.kind == Kind::Word && value.text == word)
        return word;
    {
      std::string allowed;
      for (size_t i = 0; i < param.words.size(); ++i)
        allowed += (i ? " or " : "") + param.words[i];
      throw Error(where + " must be " + allowed);
    }
  }
  throw Error(where + ": unsupported argument");
}

json bindTrainFunction(const SyntaxValue &value, FunctionCategory category,
                       const std::string &what) {
  if (value.kind != SyntaxValue::Kind::Call &&
      value.kind != SyntaxValue::Kind::Word)
    throw Error(what + ": expected a " + std::string(categoryName(category)) +
                " such as " + namesOf(category) + "(...)");
  const TrainFunction *fn = lookupTrainFunction(category, value.text);
  if (!fn)
    throw Error(what + ": unknown " + categoryName(category) + " '" +
                value.text + "' (expected " + namesOf(category) + ")");

  json result = json::object();
  result[functionKey(category)] = fn->name;
  if (fn->anyKeywords) {
    if (!value.elements.empty())
      throw Error(what + ": " + fn->name +
                  "(...) takes only keyword arguments");
    for (const auto &[name, argument] : value.keywords) {
      if (argument.kind != SyntaxValue::Kind::String)
        throw Error(what + ": '" + name +
                    "' must be a string in double quotes");
      result[name] = argument.text;
    }
    return result;
  }

  if (value.elements.size() > fn->params.size())
    throw Error(what + ": " + fn->name + "(...) takes at most " +
                std::to_string(fn->params.size()) + " arguments");
  std::vector<const SyntaxValue *> bound(fn->params.size(), nullptr);
  for (size_t i = 0; i < value.elements.size(); ++i)
    bound[i] = &value.elements[i];
  for (const auto &[name, argument] : value.keywords) {
    size_t index = 0;
    while (index < fn->params.size() && fn->params[index].name != name)
      ++index;
    if (index == fn->params.size())
      throw Error(what + ": " + fn->name + "(...) has no argument '" + name +
                  "'");
    if (bound[index])
      throw Error(what + ": argument '" + name + "' is given twice");
    bound[index] = &argument;
  }
  for (size_t i = 0; i < fn->params.size(); ++i) {
    const FunctionParam &param = fn->params[i];
    if (bound[i])
      result[param.name] = convertArgument(param, *bound[i], what);
    else if (!param.byDefault.is_null())
      result[param.name] = param.byDefault;
    else
      throw Error(what + ": " + fn->name + "(...) needs the argument '" +
                  param.name + "'");
  }
  return result;
}

std::string formatConfigValue(const json &value) {
  switch (value.type()) {
  case json::value_t::null:
    return "none";
  case json::value_t::boolean:
    return value.get<bool>() ? "true" : "false";
  case json::value_t::number_integer:
  case json::value_t::number_unsigned:
    return value.dump();
  case json::value_t::number_float:
    return shortestNumber(value.get<double>());
  case json::value_t::string:
    return quoted(value.get<std::string>());
  case json::value_t::array: {
    std::string text = "(";
    for (size_t i = 0; i < value.size(); ++i)
      text += (i ? ", " : "") + formatConfigValue(value[i]);
    return text + (value.size() == 1 ? ",)" : ")");
  }
  case json::value_t::object: {
    // A function: its name, then its arguments in the order of its
    // definition (JSON objects forget the order).
    for (FunctionCategory category :
         {FunctionCategory::DataSource, FunctionCategory::Optimizer,
          FunctionCategory::Schedule}) {
      auto name = value.find(functionKey(category));
      if (name == value.end() || !name->is_string())
        continue;
      const TrainFunction *fn =
          lookupTrainFunction(category, name->get<std::string>());
      // Optimizers and schedules share the key "name".
      if (!fn && category == FunctionCategory::Optimizer)
        continue;
      std::vector<std::string> order;
      if (fn)
        for (const FunctionParam &param : fn->params)
          order.push_back(param.name);
      for (auto it = value.begin(); it != value.end(); ++it)
        if (it.key() != functionKey(category) && (!fn || !fn->find(it.key())))
          order.push_back(it.key());
      std::string text = name->get<std::string>() + "(";
      bool first = true;
      for (const std::string &key : order) {
        auto it = value.find(key);
        if (it == value.end())
          continue;
        text += (first ? "" : ", ") + key + " = " + formatConfigValue(*it);
        first = false;
      }
      return text + ")";
    }
    return value.dump();
  }
  default:
    return value.dump();
  }
}

} // namespace dlrt
