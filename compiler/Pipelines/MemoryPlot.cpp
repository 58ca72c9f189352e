//===- MemoryPlot.cpp - The memory plan drawn as buffers over time --------===//
//
// Part of dlcc. Plain SVG 1.1 text, in the style of the runtime's loss plot
// (runtime/LossPlot.cpp); the compiler and the runtime share no library.
//
// A panel per step: the op's position in the step's body on x, the offset
// in the scratch region on y (0 at the bottom), every temporary a
// rectangle [first, last + 1) x [offset, offset + bytes) colored by class,
// the bytes live at each op as a line, and the peak marked.
//
// A step can have thousands of temporaries (gpt's training step: 371),
// many thinner than a pixel at this scale; a rectangle thinner than a pixel in
// either direction is widened to one pixel on the pixel grid, and of those
// that then coincide (same cell, same class) only one is drawn. The live
// line has one value per pixel column, the highest live there.
//
//===----------------------------------------------------------------------===//

#include "compiler/Pipelines/MemoryPlot.h"
#include "compiler/Pipelines/MemoryReport.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/Format.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <tuple>

using namespace mlir;

namespace {

constexpr double kWidth = 1000;
constexpr double kLeft = 90, kRight = 20;
constexpr double kHeaderHeight = 70;
constexpr double kPanelHeight = 380;
constexpr double kPanelTop = 40, kPanelBottom = 50; ///< Inside a panel.
constexpr double kPlotWidth = kWidth - kLeft - kRight;
constexpr double kPlotHeight = kPanelHeight - kPanelTop - kPanelBottom;

/// Fill colors by class index (the order of `class_names`).
constexpr const char *kClassColors[] = {"#1f77b4", "#aec7e8", "#ff7f0e",
                                        "#2ca02c"};
constexpr const char *kClassLabels[] = {
    "activations kept for the backward pass", "forward scratch",
    "backward (gradients, intermediates)", "optimizer update"};
constexpr const char *kPeakColor = "#d62728";

std::string escaped(StringRef text) {
  std::string out;
  for (char c : text) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else if (c == '"')
      out += "&quot;";
    else
      out += c;
  }
  return out;
}

/// 1234567 as "1,234,567", as --memory-report prints bytes.
/// The binary unit for an amount of bytes: the largest at most `bytes`.
std::pair<double, const char *> unitFor(double bytes) {
  if (bytes >= 1024.0 * 1024 * 1024)
    return {1024.0 * 1024 * 1024, "GiB"};
  if (bytes >= 1024.0 * 1024)
    return {1024.0 * 1024, "MiB"};
  if (bytes >= 1024.0)
    return {1024.0, "KiB"};
  return {1.0, "B"};
}

std::string human(int64_t bytes) {
  auto [unit, name] = unitFor(double(bytes));
  std::string text;
  llvm::raw_string_ostream os(text);
  double value = bytes / unit;
  os << llvm::format("%.*f %s",
                     value >= 100  ? 0
                     : value >= 10 ? 1
                                   : 2,
                     value, name);
  return text;
}

/// Tick values covering [0, high] at a round spacing (1, 2 or 5 times a
/// power of ten), about five of them.
std::vector<double> ticks(double high) {
  std::vector<double> result;
  if (!(high > 0))
    return {0.0};
  double raw = high / 5;
  double power = std::pow(10.0, std::floor(std::log10(raw)));
  double spacing = power * 10;
  for (double factor : {1.0, 2.0, 5.0})
    if (factor * power >= raw) {
      spacing = factor * power;
      break;
    }
  for (double t = 0; t <= high * (1 + 1e-9); t += spacing)
    result.push_back(t);
  return result;
}

/// One step's plan, as dl-plan-memory records it.
struct StepPlan {
  StringRef name;
  int64_t ops = 0, scratchBytes = 0, peak = 0, peakPosition = 0;
  ArrayRef<int64_t> offset, bytes, first, last;
  ArrayRef<int32_t> classes;
  StringRef peakOp, peakLoc;
};

std::optional<StepPlan> readStep(StringRef name, DictionaryAttr dict) {
  StepPlan step;
  step.name = name;
  auto integer = [&](StringRef key, int64_t &into) {
    auto attr = dict.getAs<IntegerAttr>(key);
    if (attr)
      into = attr.getInt();
    return bool(attr);
  };
  auto column = [&](StringRef key, ArrayRef<int64_t> &into) {
    auto attr = dict.getAs<DenseI64ArrayAttr>(key);
    if (attr)
      into = attr.asArrayRef();
    return bool(attr);
  };
  auto classes = dict.getAs<DenseI32ArrayAttr>("class");
  if (!integer("ops", step.ops) ||
      !integer("scratch_bytes", step.scratchBytes) ||
      !integer("peak_live_bytes", step.peak) ||
      !integer("peak_position", step.peakPosition) ||
      !column("offset", step.offset) || !column("bytes", step.bytes) ||
      !column("first", step.first) || !column("last", step.last) || !classes)
    return std::nullopt;
  step.classes = classes.asArrayRef();
  size_t n = step.offset.size();
  if (step.bytes.size() != n || step.first.size() != n ||
      step.last.size() != n || step.classes.size() != n)
    return std::nullopt;
  if (auto op = dict.getAs<StringAttr>("peak_op"))
    step.peakOp = op.getValue();
  if (auto loc = dict.getAs<StringAttr>("peak_loc"))
    step.peakLoc = loc.getValue();
  return step;
}

/// Draws `step` in the panel whose top is at `top`.
void drawPanel(const StepPlan &step, double top, llvm::raw_ostream &os) {
  double plotTop = top + kPanelTop, plotBottom = plotTop + kPlotHeight;
  // Headroom above the region for the peak's label.
  double yMax =
      double(std::max<int64_t>({step.scratchBytes, step.peak, 1})) * 1.12;
  double xMax = double(std::max<int64_t>(step.ops, 1));
  auto x = [&](double position) {
    return kLeft + position / xMax * kPlotWidth;
  };
  auto y = [&](double bytes) {
    return plotBottom - bytes / yMax * kPlotHeight;
  };

  size_t n = step.offset.size();
  os << llvm::format("<g id=\"%s\">\n", escaped(step.name).c_str());
  os << llvm::format("<text x=\"%g\" y=\"%g\" font-size=\"15\">", kLeft,
                     top + 24)
     << escaped(step.name) << ": " << n << " temporaries, " << step.ops
     << " ops, scratch region " << dlcc::groupedDigits(step.scratchBytes)
     << " bytes (" << human(step.scratchBytes) << ")</text>\n";

  // Grid lines and tick labels: bytes on y, op positions on x.
  auto [unit, unitName] = unitFor(yMax);
  for (double t : ticks(yMax / unit)) {
    os << llvm::format("<line x1=\"%g\" y1=\"%.2f\" x2=\"%g\" y2=\"%.2f\" "
                       "stroke=\"#ddd\"/>\n",
                       kLeft, y(t * unit), kWidth - kRight, y(t * unit));
    os << llvm::format("<text x=\"%g\" y=\"%.2f\" text-anchor=\"end\">%g "
                       "%s</text>\n",
                       kLeft - 6, y(t * unit) + 4, t, unitName);
  }
  for (double t : ticks(xMax)) {
    os << llvm::format("<line x1=\"%.2f\" y1=\"%g\" x2=\"%.2f\" y2=\"%g\" "
                       "stroke=\"#ddd\"/>\n",
                       x(t), plotTop, x(t), plotBottom);
    os << llvm::format("<text x=\"%.2f\" y=\"%g\" text-anchor=\"middle\">%g"
                       "</text>\n",
                       x(t), plotBottom + 16, t);
  }
  os << llvm::format("<text x=\"%g\" y=\"%g\" text-anchor=\"middle\">op (its "
                     "position in the step's body)</text>\n",
                     kLeft + kPlotWidth / 2, plotBottom + 36);
  os << llvm::format("<text transform=\"translate(16 %g) rotate(-90)\" "
                     "text-anchor=\"middle\">offset in the scratch "
                     "region</text>\n",
                     plotTop + kPlotHeight / 2);

  // The temporaries. Rectangles at least a pixel in both directions are
  // drawn as they are; thinner ones snap outwards to whole pixels and are
  // drawn once per cell and class (see the file comment).
  llvm::DenseSet<std::tuple<int, int, int, int, int>> thinDrawn;
  size_t drawn = 0;
  std::string rects;
  llvm::raw_string_ostream rectOs(rects);
  for (size_t i = 0; i < n; ++i) {
    int32_t cls =
        step.classes[i] >= 0 && step.classes[i] < 4 ? step.classes[i] : 1;
    double x0 = x(double(step.first[i])), x1 = x(double(step.last[i] + 1));
    double y0 = y(double(step.offset[i] + step.bytes[i]));
    double y1 = y(double(step.offset[i]));
    if (x1 - x0 < 1 || y1 - y0 < 1) {
      int px0 = int(std::floor(x0)), py0 = int(std::floor(y0));
      int px1 = std::max(int(std::ceil(x1)), px0 + 1);
      int py1 = std::max(int(std::ceil(y1)), py0 + 1);
      if (!thinDrawn.insert({cls, px0, py0, px1, py1}).second)
        continue;
      x0 = px0, y0 = py0, x1 = px1, y1 = py1;
    }
    rectOs << llvm::format("<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                           "height=\"%.1f\" fill=\"%s\"/>\n",
                           x0, y0, x1 - x0, y1 - y0, kClassColors[cls]);
    ++drawn;
  }
  os << "<!-- " << n << " temporaries as " << drawn
     << " rectangles (thinner than a pixel: widened to one, drawn once per "
        "pixel cell) -->\n";
  os << "<g fill-opacity=\"0.85\" stroke=\"white\" stroke-width=\"0.3\">\n"
     << rects << "</g>\n";

  // The bytes live at each op, the highest of each pixel column.
  if (step.ops > 0) {
    std::vector<int64_t> live(size_t(step.ops) + 1, 0);
    for (size_t i = 0; i < n; ++i) {
      live[size_t(step.first[i])] += step.bytes[i];
      live[std::min<size_t>(size_t(step.last[i]) + 1, live.size() - 1)] -=
          step.bytes[i];
    }
    for (size_t p = 1; p < live.size(); ++p)
      live[p] += live[p - 1];
    os << "<polyline fill=\"none\" stroke=\"black\" stroke-width=\"1.2\" "
          "points=\"";
    int columns = int(kPlotWidth);
    int64_t previous = -1;
    for (int c = 0; c < columns; ++c) {
      int64_t lo = int64_t(std::floor(c * xMax / columns));
      int64_t hi =
          std::max(lo + 1, int64_t(std::floor((c + 1) * xMax / columns)));
      hi = std::min(hi, step.ops);
      int64_t high = 0;
      for (int64_t p = lo; p < hi; ++p)
        high = std::max(high, live[size_t(p)]);
      if (high != previous) {
        if (previous >= 0)
          os << llvm::format("%g,%.1f ", kLeft + c, y(double(previous)));
        os << llvm::format("%g,%.1f ", kLeft + c, y(double(high)));
        previous = high;
      }
    }
    os << llvm::format("%g,%.1f", kLeft + columns, y(double(previous)));
    os << "\"/>\n";
  }

  // The peak, marked and labeled with its bytes and op.
  if (n) {
    double px = x(double(step.peakPosition) + 0.5), py = y(double(step.peak));
    os << llvm::format(
        "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/>\n", px, py,
        kPeakColor);
    std::string label;
    llvm::raw_string_ostream labelOs(label);
    labelOs << "peak " << dlcc::groupedDigits(step.peak) << " bytes ("
            << human(step.peak) << ") at op " << step.peakPosition;
    if (!step.peakOp.empty())
      labelOs << " (" << step.peakOp << (step.peakLoc.empty() ? "" : " ")
              << step.peakLoc << ")";
    // Right of the marker, moved left as far as the label (about 6.3 pixels
    // a character) needs to stay inside the plot.
    double labelWidth = 6.3 * double(label.size());
    double lx =
        std::max(kLeft + 4, std::min(px + 8, kWidth - kRight - 4 - labelWidth));
    os << llvm::format("<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\">", lx, py - 6,
                       kPeakColor)
       << escaped(label) << "</text>\n";
  }
  os << llvm::format("<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" "
                     "fill=\"none\" stroke=\"black\"/>\n",
                     kLeft, plotTop, kPlotWidth, kPlotHeight);
  os << "</g>\n";
}

} // namespace

LogicalResult dlcc::writeMemoryPlot(ModuleOp module, llvm::raw_ostream &os) {
  auto plan = module->getAttrOfType<DictionaryAttr>("dl.memory_plan");
  auto stepsAttr = plan ? plan.getAs<DictionaryAttr>("steps") : nullptr;
  if (!stepsAttr)
    return module.emitError("no memory plan: the module has no "
                            "dl.memory_plan attribute (dl-plan-memory)");
  std::vector<StepPlan> steps;
  for (NamedAttribute entry : stepsAttr) {
    auto dict = dyn_cast<DictionaryAttr>(entry.getValue());
    std::optional<StepPlan> step =
        dict ? readStep(entry.getName().getValue(), dict) : std::nullopt;
    if (!step)
      return module.emitError("malformed dl.memory_plan entry for '")
             << entry.getName().getValue() << "'";
    steps.push_back(*step);
  }
  // The training step first, the others by name (the dictionary's order).
  std::stable_partition(steps.begin(), steps.end(), [](const StepPlan &s) {
    return s.name == "dl_train_step";
  });

  double height = kHeaderHeight + kPanelHeight * double(steps.size());
  os << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  os << llvm::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
      "width=\"%g\" height=\"%g\" viewBox=\"0 0 %g %g\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n",
      kWidth, height, kWidth, height);
  os << llvm::format("<rect width=\"%g\" height=\"%g\" fill=\"white\"/>\n",
                     kWidth, height);
  std::string model;
  if (auto name = module->getAttrOfType<StringAttr>("dl.model"))
    model = " of '" + escaped(name.getValue()) + "'";
  os << llvm::format("<text x=\"%g\" y=\"24\" text-anchor=\"middle\" "
                     "font-size=\"16\">",
                     kWidth / 2)
     << "memory plan" << model
     << ": step temporaries in the scratch region over the step</text>\n";

  // The legend: the classes, the live line, the peak.
  double legendX = 20, legendY = 50;
  for (int cls = 0; cls < 4; ++cls) {
    os << llvm::format("<rect x=\"%g\" y=\"%g\" width=\"12\" height=\"12\" "
                       "fill=\"%s\"/>\n",
                       legendX, legendY - 10, kClassColors[cls]);
    os << llvm::format("<text x=\"%g\" y=\"%g\">%s</text>\n", legendX + 16,
                       legendY, kClassLabels[cls]);
    legendX += 16 + 6.3 * std::strlen(kClassLabels[cls]) + 14;
  }
  os << llvm::format("<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" "
                     "stroke=\"black\" stroke-width=\"1.5\"/>\n",
                     legendX, legendY - 4, legendX + 20, legendY - 4);
  os << llvm::format("<text x=\"%g\" y=\"%g\">bytes live</text>\n",
                     legendX + 24, legendY);
  legendX += 24 + 6.3 * 10 + 14;
  os << llvm::format("<circle cx=\"%g\" cy=\"%g\" r=\"4\" fill=\"%s\"/>\n",
                     legendX + 4, legendY - 4, kPeakColor);
  os << llvm::format("<text x=\"%g\" y=\"%g\">peak</text>\n", legendX + 12,
                     legendY);

  for (auto [i, step] : llvm::enumerate(steps))
    drawPanel(step, kHeaderHeight + kPanelHeight * double(i), os);
  os << "</svg>\n";
  return success();
}
