//===- LossPlot.h - The loss curve as an SVG picture ------------*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt). `--plot FILE` draws the train loss of
// each logged step as a line and each evaluation's loss as a dot, with
// axes and tick labels, in a self-contained SVG file.
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_LOSSPLOT_H
#define DLRT_LOSSPLOT_H

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace dlrt {

using LossCurve = std::vector<std::pair<int64_t, double>>;

/// The SVG document of the curves of `model` over `totalSteps` steps.
std::string lossPlotSvg(const std::string &model, const LossCurve &train,
                        const LossCurve &eval, int64_t totalSteps);

/// Writes lossPlotSvg to `path`. Throws Error naming the file.
void writeLossPlot(const std::string &path, const std::string &model,
                   const LossCurve &train, const LossCurve &eval,
                   int64_t totalSteps);

} // namespace dlrt

#endif // DLRT_LOSSPLOT_H
