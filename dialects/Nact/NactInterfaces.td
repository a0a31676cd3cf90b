// Interfaces of the nact dialect: what every actor-like op provides.
#ifndef XPU_DIALECTS_NACT_NACTINTERFACES_TD
#define XPU_DIALECTS_NACT_NACTINTERFACES_TD

include "mlir/IR/OpBase.td"

def Nact_ActorOpInterface : OpInterface<"ActorOpInterface"> {
  let cppNamespace = "::xpu::nact";
  let description = [{
    An op that channels may connect to: it names its ports and their message
    types. Built-in neural actors have one input port `in` and one output port
    `out`; templates, template instances and nested graphs name their own.
  }];
  let methods = [
    InterfaceMethod<"Type of input port `name`, or null if there is none.",
      "::mlir::Type", "getInputPortType", (ins "::llvm::StringRef":$name), [{}],
      [{ return name == "in" ? $_op.getInType() : ::mlir::Type(); }]>,
    InterfaceMethod<"Type of output port `name`, or null if there is none.",
      "::mlir::Type", "getOutputPortType", (ins "::llvm::StringRef":$name), [{}],
      [{ return name == "out" ? $_op.getOutType() : ::mlir::Type(); }]>,
    InterfaceMethod<"True if messages through this actor wait one timestep.",
      "bool", "delaysMessages", (ins), [{}], [{ return false; }]>,
  ];
}

#endif // XPU_DIALECTS_NACT_NACTINTERFACES_TD
