//===- SinkDefinitions.h - Pure definitions copied into regions -*- C++ -*-===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_TRANSFORMS_SINKDEFINITIONS_H
#define DLCC_TRANSFORMS_SINKDEFINITIONS_H

#include "mlir/IR/Region.h"

namespace dlcc {

/// Copies into `region` the side-effect-free operations without regions
/// that it uses from outside (constants, index arithmetic, views of the
/// arena), transitively, so that once the region becomes a function of its
/// own (an OpenMP body, an outlined loop nest) those values are constants
/// there rather than arguments: shapes, strides and offsets LLVM folds.
void sinkPureDefinitions(mlir::Region &region);

} // namespace dlcc

#endif // DLCC_TRANSFORMS_SINKDEFINITIONS_H
