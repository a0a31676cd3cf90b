// The ops and interfaces of the nact dialect.
#pragma once

#include "dialects/Nact/NactDialect.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/Nact/NactInterfaces.h.inc"

#define GET_OP_CLASSES
#include "dialects/Nact/NactOps.h.inc"
