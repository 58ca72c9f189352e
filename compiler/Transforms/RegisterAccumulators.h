//===- RegisterAccumulators.h - Sums kept in registers ----------*- C++ -*-===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_TRANSFORMS_REGISTERACCUMULATORS_H
#define DLCC_TRANSFORMS_REGISTERACCUMULATORS_H

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

namespace dlcc {

/// In the inner loops of a reduction as linalg lowers them, each
/// iteration loads the accumulator from the output buffer, combines and
/// stores it back: a chain through memory LLVM cannot break, since it
/// cannot prove the output apart from the inputs. When every element the
/// loop writes is such an accumulator (same buffer and indices, invariant
/// in the loop, loaded once and then stored once per iteration), this
/// carries them as iteration arguments instead, loaded before the loop and
/// stored after it. Applied innermost loop first, a sum over several loops
/// ends up carried by all of them. A sum's addition is marked reassociable, so
/// LLVM may split it into vector lanes: each sum then adds in a fixed order
/// that is no longer strictly sequential (and still independent of the
/// threads). Returns whether the loop changed.
bool keepAccumulatorsInRegisters(mlir::RewriterBase &rewriter,
                                 mlir::scf::ForOp loop);

} // namespace dlcc

#endif // DLCC_TRANSFORMS_REGISTERACCUMULATORS_H
