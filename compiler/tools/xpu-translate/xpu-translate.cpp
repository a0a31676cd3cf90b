// xpu-translate: translations out of MLIR, e.g. `--xpu-to-exe` (xpu IR ->
// .xpuexe).
#include "compiler/lib/Target/XpuToExecutable.h"

#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"

int main(int argc, char **argv) {
  xpu::target::registerXpuToExeTranslation();
  return mlir::failed(
      mlir::mlirTranslateMain(argc, argv, "XPU translation driver\n"));
}
