// xpu-opt: runs passes over nact / xpu IR (MlirOptMain), for lit tests and
// compiler engineers.
#include "compiler/lib/Transforms/Passes.h"
#include "dialects/Nact/NactDialect.h"
#include "dialects/Xpu/XpuDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<xpu::nact::NactDialect, xpu::mc::XpuDialect,
                  mlir::func::FuncDialect, mlir::arith::ArithDialect,
                  mlir::scf::SCFDialect, mlir::memref::MemRefDialect>();
  xpu::transforms::registerCompilePipeline(); // our passes and xpu-compile
  // Upstream cleanups that are useful on our IR (canonicalize, cse, ...).
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  mlir::registerSymbolDCEPass();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "XPU optimizer driver\n", registry));
}
