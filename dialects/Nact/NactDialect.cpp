// The nact dialect: registration, fixed-point type, enums and interfaces.
#include "dialects/Nact/NactDialect.h"
#include "dialects/Nact/NactOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace xpu::nact;

#include "dialects/Nact/NactDialect.cpp.inc"
#include "dialects/Nact/NactEnums.cpp.inc"
#include "dialects/Nact/NactInterfaces.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "dialects/Nact/NactTypes.cpp.inc"

void NactDialect::initialize() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "dialects/Nact/NactTypes.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "dialects/Nact/NactOps.cpp.inc"
      >();
}

LogicalResult FixedType::verify(function_ref<InFlightDiagnostic()> emitError,
                                unsigned width, int frac) {
  if (width < 1 || width > 64)
    return emitError() << "fixed-point width must be in 1..64, got " << width;
  if (frac < -64 || frac > 64)
    return emitError() << "fixed-point fraction bits must be in -64..64, got "
                       << frac;
  return success();
}
