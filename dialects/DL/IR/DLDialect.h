//===- DLDialect.h - The dl dialect -----------------------------*- C++ -*-===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#ifndef DL_IR_DLDIALECT_H
#define DL_IR_DLDIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Dialect.h"

#include "DL/IR/DLDialect.h.inc"
#include "DL/IR/DLEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "DL/IR/DLAttrs.h.inc"

#endif // DL_IR_DLDIALECT_H
