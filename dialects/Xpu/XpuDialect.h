// The xpu dialect, its chip descriptor attribute and enumerations.
#pragma once

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Dialect.h"

#include "dialects/Xpu/XpuDialect.h.inc"
#include "dialects/Xpu/XpuEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/Xpu/XpuAttrs.h.inc"
