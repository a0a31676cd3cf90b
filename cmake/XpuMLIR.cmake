# Finds LLVM/MLIR 19 and loads their CMake helpers (add_mlir_dialect, tablegen).
find_package(MLIR REQUIRED CONFIG HINTS /usr/lib/llvm-19/lib/cmake/mlir)
message(STATUS "Using MLIR ${LLVM_PACKAGE_VERSION} from ${MLIR_DIR}")

list(APPEND CMAKE_MODULE_PATH ${MLIR_CMAKE_DIR} ${LLVM_CMAKE_DIR})
# LLVM 19's TableGen.cmake assumes CMP0116 OLD; with NEW, Ninja reruns every
# tablegen step on every build.
cmake_policy(SET CMP0116 OLD)
set(LLVM_RUNTIME_OUTPUT_INTDIR ${XPU_TOOLS_DIR})
set(LLVM_LIBRARY_OUTPUT_INTDIR ${CMAKE_BINARY_DIR}/lib)
set(MLIR_BINARY_DIR ${CMAKE_BINARY_DIR})
include(TableGen)
include(AddLLVM)
include(AddMLIR)

separate_arguments(XPU_LLVM_DEFINITIONS NATIVE_COMMAND "${LLVM_DEFINITIONS}")

# Call from a directory that builds MLIR code: include paths and definitions
# stay scoped to that directory so non-MLIR targets never see them.
macro(xpu_use_mlir)
  include_directories(SYSTEM ${LLVM_INCLUDE_DIRS} ${MLIR_INCLUDE_DIRS})
  include_directories(${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
  add_definitions(${XPU_LLVM_DEFINITIONS})
endmacro()

set(XPU_LLVM_TOOLS_DIR /usr/lib/llvm-19/bin)
