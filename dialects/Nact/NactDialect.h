// The nact dialect, its types and enumerations.
#pragma once

#include "mlir/IR/Dialect.h"
#include "mlir/IR/BuiltinTypes.h"

#include "dialects/Nact/NactDialect.h.inc"
#include "dialects/Nact/NactEnums.h.inc"

#define GET_TYPEDEF_CLASSES
#include "dialects/Nact/NactTypes.h.inc"
