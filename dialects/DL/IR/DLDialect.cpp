//===- DLDialect.cpp - The dl dialect and its attributes ------------------===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#include "DL/IR/DLDialect.h"
#include "DL/IR/DLOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::dl;

#include "DL/IR/DLDialect.cpp.inc"
#include "DL/IR/DLEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "DL/IR/DLAttrs.cpp.inc"

void DLDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "DL/IR/DLOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "DL/IR/DLAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// InitAttr: #dl.init<constant(v)> | #dl.init<uniform(lo, hi)> |
//           #dl.init<normal(mean, std)>
//===----------------------------------------------------------------------===//

Attribute InitAttr::parse(AsmParser &parser, Type) {
  StringRef keyword;
  if (parser.parseLess() || parser.parseKeyword(&keyword) ||
      parser.parseLParen())
    return {};
  std::optional<InitKind> kind = symbolizeInitKind(keyword);
  if (!kind) {
    parser.emitError(parser.getCurrentLocation(),
                     "expected constant, uniform or normal, got '")
        << keyword << "'";
    return {};
  }
  double a = 0, b = 0;
  if (parser.parseFloat(a))
    return {};
  if (*kind != InitKind::constant &&
      (parser.parseComma() || parser.parseFloat(b)))
    return {};
  if (parser.parseRParen() || parser.parseGreater())
    return {};
  return parser.getChecked<InitAttr>(parser.getContext(), *kind, APFloat(a),
                                    APFloat(b));
}

void InitAttr::print(AsmPrinter &printer) const {
  printer << "<" << stringifyInitKind(getKind()) << "(";
  printer.printFloat(getA());
  if (getKind() != InitKind::constant) {
    printer << ", ";
    printer.printFloat(getB());
  }
  printer << ")>";
}

LogicalResult InitAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                               InitKind kind, APFloat aValue, APFloat bValue) {
  double a = aValue.convertToDouble(), b = bValue.convertToDouble();
  if (kind == InitKind::uniform && !(a <= b))
    return emitError() << "uniform initializer needs low <= high, got (" << a
                       << ", " << b << ")";
  if (kind == InitKind::normal && !(b >= 0))
    return emitError() << "normal initializer needs std >= 0, got " << b;
  return success();
}
