# lit configuration for the XPU tool tests (xpu-as, xpu-objdump, xpu-sim,
# xpu-opt, xpu-cc). Tests use %xpu_src for files in the source tree.
import os
import lit.formats

config.name = "XPU"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".s", ".mlir", ".json", ".test"]
config.excludes = ["Inputs", "lit.cfg.py", "lit.site.cfg.py", "CMakeLists.txt"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.xpu_obj_root, "tests", "lit")

config.environment["PATH"] = os.pathsep.join(
    [config.xpu_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", "")])
config.substitutions.append(("%xpu_src", config.xpu_src_root))
config.substitutions.append(("%inputs", os.path.join(config.test_source_root, "Inputs")))

if config.xpu_enable_mlir:
    config.available_features.add("mlir")
if config.xpu_enable_rtl:
    config.available_features.add("rtl")
