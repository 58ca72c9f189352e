//===- MemoryReport.cpp - What a compiled model's arena holds -------------===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#include "compiler/Pipelines/MemoryReport.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"

using namespace mlir;

namespace {

/// The classes of the report, by descriptor role.
struct MemoryClass {
  const char *key;   ///< In the JSON report.
  const char *label; ///< In the table.
  const char *roles[3];
};

constexpr MemoryClass kClasses[] = {
    {"weights", "weights (params)", {"param"}},
    {"buffers", "buffers (running statistics)", {"buffer"}},
    {"optimizer_state", "optimizer state", {"state"}},
    {"gradients", "gradients (written by --gradients)", {"grad"}},
    {"data_batch", "data batch (inputs)", {"input"}},
    {"outputs", "outputs, hyper scalars, stats", {"output", "hyper", "stat"}},
};

} // namespace

std::string dlcc::groupedDigits(int64_t value) {
  std::string digits = std::to_string(value), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && digits[i - 1] != '-' && (digits.size() - i) % 3 == 0)
      out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::optional<llvm::json::Object> dlcc::modelDescriptor(ModuleOp module) {
  auto global = module.lookupSymbol<LLVM::GlobalOp>("dl_model_json");
  auto text = global ? dyn_cast_or_null<StringAttr>(global.getValueOrNull())
                     : StringAttr();
  if (!text)
    return std::nullopt;
  StringRef source = text.getValue();
  source.consume_back(StringRef("\0", 1));
  llvm::Expected<llvm::json::Value> parsed = llvm::json::parse(source);
  if (!parsed) {
    llvm::consumeError(parsed.takeError());
    return std::nullopt;
  }
  if (llvm::json::Object *root = parsed->getAsObject())
    return std::move(*root);
  return std::nullopt;
}

std::optional<llvm::json::Object>
dlcc::planClone(ModuleOp module, StepOptions step, bool cuda, bool fuse) {
  OwningOpRef<ModuleOp> copy = module.clone();
  step.cudaKernels = cuda;
  PassManager pm(module.getContext());
  buildLinalgPipeline(pm, step);
  buildBufferizePipeline(pm, /*deviceGemms=*/cuda, fuse);
  if (failed(pm.run(*copy)))
    return std::nullopt;
  return modelDescriptor(*copy);
}

FailureOr<dlcc::UnfusedPlan>
dlcc::planWithoutFusion(ModuleOp module, StepOptions step, bool cuda) {
  // The optimizer's elementwise ops, the classifier's backward and batch
  // norms' ReLUs, unfused too.
  step.fusedAdamW = false;
  step.fuseClassifier = false;
  step.fuseBatchNormRelu = false;
  std::optional<llvm::json::Object> root =
      planClone(module, step, cuda, /*fuse=*/false);
  const llvm::json::Object *scratch =
      root ? root->getObject("scratch") : nullptr;
  if (!scratch)
    return failure();
  UnfusedPlan plan;
  plan.stepTemporaries = scratch->getInteger("bytes").value_or(0);
  if (const llvm::json::Object *steps = scratch->getObject("steps"))
    for (const auto &[name, value] : *steps)
      if (const llvm::json::Object *stepPlan = value.getAsObject())
        plan.stepPeaks[name.str()] =
            stepPlan->getInteger("peak_live_bytes").value_or(0);
  return plan;
}

LogicalResult dlcc::printMemoryReport(ModuleOp module, bool json,
                                      llvm::raw_ostream &os,
                                      const UnfusedPlan *unfused) {
  std::optional<llvm::json::Object> root = modelDescriptor(module);
  const llvm::json::Object *scratch =
      root ? root->getObject("scratch") : nullptr;
  if (!scratch)
    return module.emitError("no memory plan: the module has no descriptor "
                            "with a scratch region (dl-plan-memory)");

  llvm::json::Object report;
  report["model"] = root->getString("model").value_or("").str();
  report["arena_bytes"] = root->getInteger("arena_bytes").value_or(0);
  llvm::json::Object classes;
  for (const MemoryClass &c : kClasses) {
    int64_t bytes = 0;
    if (const llvm::json::Array *tensors = root->getArray("tensors"))
      for (const llvm::json::Value &t : *tensors) {
        const llvm::json::Object *tensor = t.getAsObject();
        StringRef role = tensor->getString("role").value_or("");
        for (const char *r : c.roles)
          if (r && role == r)
            bytes += tensor->getInteger("bytes").value_or(0);
      }
    classes[c.key] = bytes;
  }
  classes["step_temporaries"] = scratch->getInteger("bytes").value_or(0);
  report["classes"] = std::move(classes);
  if (const llvm::json::Object *steps = scratch->getObject("steps"))
    report["steps"] = llvm::json::Object(*steps);
  if (unfused) {
    llvm::json::Object peaks;
    for (const auto &[name, bytes] : unfused->stepPeaks)
      peaks[name] = bytes;
    int64_t fused = scratch->getInteger("bytes").value_or(0);
    report["without_fusion"] =
        llvm::json::Object{{"step_temporaries", unfused->stepTemporaries},
                           {"saved_bytes", unfused->stepTemporaries - fused},
                           {"step_peaks", std::move(peaks)}};
  }

  if (json) {
    os << llvm::formatv("{0:2}", llvm::json::Value(std::move(report))) << "\n";
    return success();
  }

  const llvm::json::Object *sizes = report.getObject("classes");
  auto line = [&](StringRef label, int64_t bytes) {
    os << llvm::format("  %-40s %16s bytes\n", label.str().c_str(),
                       dlcc::groupedDigits(bytes).c_str());
  };
  os << "memory plan of '" << *report.getString("model") << "'\n";
  for (const MemoryClass &c : kClasses)
    line(c.label, *sizes->getInteger(c.key));
  line("step temporaries (planned scratch)",
       *sizes->getInteger("step_temporaries"));
  line("arena (allocated once)", *report.getInteger("arena_bytes"));
  if (unfused) {
    const llvm::json::Object *without = report.getObject("without_fusion");
    line("step temporaries without fusion",
         *without->getInteger("step_temporaries"));
    // Fusion may also lengthen what is live together (a loop's results).
    int64_t saved = *without->getInteger("saved_bytes");
    if (saved >= 0)
      line("saved by fusion", saved);
    else
      line("added by fusion", -saved);
  }
  if (const llvm::json::Object *steps = report.getObject("steps")) {
    os << "peaks of the step temporaries:\n";
    std::vector<std::string> names;
    for (const auto &entry : *steps)
      names.push_back(entry.first.str());
    llvm::sort(names);
    for (const std::string &name : names) {
      const llvm::json::Object *step = steps->getObject(name);
      os << llvm::format(
          "  %-20s %16s bytes", name.c_str(),
          dlcc::groupedDigits(step->getInteger("peak_live_bytes").value_or(0))
              .c_str());
      if (auto op = step->getString("peak_op"))
        os << " at " << *op << " " << step->getString("peak_loc").value_or("")
           << " (" << step->getString("peak_stage").value_or("forward") << ")";
      os << "\n";
      // What is live at the peak, when the step has a backward pass.
      const llvm::json::Object *byClass = step->getObject("peak_by_class");
      if (!byClass || byClass->getInteger("backward").value_or(0) +
                              byClass->getInteger("activations").value_or(0) ==
                          0)
        continue;
      for (auto [key, label] :
           {std::pair{"activations", "activations kept for the backward pass"},
            std::pair{"backward", "backward (gradients, intermediates)"},
            std::pair{"optimizer", "optimizer update"},
            std::pair{"forward_scratch", "forward scratch"}})
        os << llvm::format(
            "    %-38s %16s bytes\n", label,
            dlcc::groupedDigits(byClass->getInteger(key).value_or(0)).c_str());
    }
  }
  return success();
}
