//===- LossPlot.cpp - The loss curve as an SVG picture --------------------===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#include "runtime/LossPlot.h"

#include "runtime/Error.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace dlrt {

namespace {

constexpr double kWidth = 640, kHeight = 400;
constexpr double kLeft = 70, kRight = 20, kTop = 40, kBottom = 50;

/// Tick positions covering [low, high] at a round spacing (1, 2 or 5 times
/// a power of ten), about five of them.
std::vector<double> ticks(double low, double high) {
  double raw = (high - low) / 5;
  double power = std::pow(10.0, std::floor(std::log10(raw)));
  double spacing = power;
  for (double factor : {1.0, 2.0, 5.0, 10.0})
    if (factor * power >= raw) {
      spacing = factor * power;
      break;
    }
  std::vector<double> result;
  for (double t = std::ceil(low / spacing) * spacing;
       t <= high + spacing * 1e-9; t += spacing)
    result.push_back(std::abs(t) < spacing * 1e-9 ? 0.0 : t);
  return result;
}

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

std::string escaped(const std::string &text) {
  std::string out;
  for (char c : text) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else
      out += c;
  }
  return out;
}

} // namespace

std::string lossPlotSvg(const std::string &model, const LossCurve &train,
                        const LossCurve &eval, int64_t totalSteps) {
  double low = INFINITY, high = -INFINITY;
  for (const LossCurve *curve : {&train, &eval})
    for (const auto &point : *curve) {
      low = std::min(low, point.second);
      high = std::max(high, point.second);
    }
  if (!(low <= high)) { // No point at all.
    low = 0;
    high = 1;
  }
  if (high - low < 1e-12 * std::max(1.0, std::abs(high))) {
    double pad = std::max(1e-3, std::abs(high) * 0.1);
    low -= pad;
    high += pad;
  } else {
    double pad = (high - low) * 0.05;
    low -= pad;
    high += pad;
  }
  double steps = double(std::max<int64_t>(1, totalSteps));
  double plotWidth = kWidth - kLeft - kRight;
  double plotHeight = kHeight - kTop - kBottom;
  auto x = [&](double step) { return kLeft + step / steps * plotWidth; };
  auto y = [&](double loss) {
    return kTop + (high - loss) / (high - low) * plotHeight;
  };

  char buffer[256];
  std::string svg;
  auto add = [&](const char *format, auto... args) {
    std::snprintf(buffer, sizeof buffer, format, args...);
    svg += buffer;
  };
  add("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" height=\"%g\" "
      "viewBox=\"0 0 %g %g\" font-family=\"sans-serif\" font-size=\"12\">\n",
      kWidth, kHeight, kWidth, kHeight);
  add("<rect width=\"%g\" height=\"%g\" fill=\"white\"/>\n", kWidth, kHeight);
  svg += "<text x=\"" + number(kWidth / 2) +
         "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">" +
         escaped(model) + ": loss</text>\n";

  // Axes, grid lines and tick labels.
  for (double t : ticks(low, high)) {
    add("<line x1=\"%g\" y1=\"%.2f\" x2=\"%g\" y2=\"%.2f\" stroke=\"#ddd\"/>\n",
        kLeft, y(t), kWidth - kRight, y(t));
    add("<text x=\"%g\" y=\"%.2f\" text-anchor=\"end\">%s</text>\n", kLeft - 6,
        y(t) + 4, number(t).c_str());
  }
  for (double t : ticks(0, steps)) {
    add("<line x1=\"%.2f\" y1=\"%g\" x2=\"%.2f\" y2=\"%g\" stroke=\"#ddd\"/>\n",
        x(t), kTop, x(t), kHeight - kBottom);
    add("<text x=\"%.2f\" y=\"%g\" text-anchor=\"middle\">%s</text>\n", x(t),
        kHeight - kBottom + 18, number(t).c_str());
  }
  add("<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" fill=\"none\" "
      "stroke=\"black\"/>\n",
      kLeft, kTop, plotWidth, plotHeight);
  add("<text x=\"%g\" y=\"%g\" text-anchor=\"middle\">step</text>\n",
      kLeft + plotWidth / 2, kHeight - 12);

  if (!train.empty()) {
    svg += "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" "
           "points=\"";
    for (const auto &[step, loss] : train) {
      add("%.2f,%.2f ", x(double(step)), y(loss));
    }
    svg += "\"/>\n";
  }
  for (const auto &[step, loss] : eval)
    add("<circle cx=\"%.2f\" cy=\"%.2f\" r=\"3.5\" fill=\"#ff7f0e\"/>\n",
        x(double(step)), y(loss));

  // The legend.
  double legendX = kWidth - kRight - 110;
  add("<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" stroke=\"#1f77b4\" "
      "stroke-width=\"2\"/>\n",
      legendX, kTop + 14, legendX + 20, kTop + 14);
  add("<text x=\"%g\" y=\"%g\">train</text>\n", legendX + 26, kTop + 18);
  if (!eval.empty()) {
    add("<circle cx=\"%g\" cy=\"%g\" r=\"3.5\" fill=\"#ff7f0e\"/>\n",
        legendX + 10, kTop + 32);
    add("<text x=\"%g\" y=\"%g\">eval</text>\n", legendX + 26, kTop + 36);
  }
  svg += "</svg>\n";
  return svg;
}

void writeLossPlot(const std::string &path, const std::string &model,
                   const LossCurve &train, const LossCurve &eval,
                   int64_t totalSteps) {
  std::string svg = lossPlotSvg(model, train, eval, totalSteps);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out)
    throw Error(path + ": cannot create: " + std::strerror(errno));
  out << svg;
  out.close();
  if (!out)
    throw Error(path + ": cannot write the plot");
}

} // namespace dlrt
