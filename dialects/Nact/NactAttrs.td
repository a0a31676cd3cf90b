// Enumerations of the nact dialect: sync mode, reset mode, overflow policy.
#ifndef XPU_DIALECTS_NACT_NACTATTRS_TD
#define XPU_DIALECTS_NACT_NACTATTRS_TD

include "mlir/IR/EnumAttr.td"

def Nact_SyncMode : I32EnumAttr<"SyncMode", "how the actors of a graph advance", [
    I32EnumAttrCase<"Barrier", 0, "barrier">,
    I32EnumAttrCase<"Free", 1, "free">]> {
  let cppNamespace = "::xpu::nact";
}

def Nact_ResetMode : I32EnumAttr<"ResetMode",
    "what a spiking neuron's membrane becomes after a spike", [
    I32EnumAttrCase<"Zero", 0, "zero">,
    I32EnumAttrCase<"Subtract", 1, "subtract">,
    I32EnumAttrCase<"ToValue", 2, "to_value">]> {
  let cppNamespace = "::xpu::nact";
}

def Nact_OverflowPolicy : I32EnumAttr<"OverflowPolicy",
    "what a full mailbox does with an arriving message", [
    I32EnumAttrCase<"Block", 0, "block">,
    I32EnumAttrCase<"DropNewest", 1, "drop_newest">,
    I32EnumAttrCase<"DropOldest", 2, "drop_oldest">,
    I32EnumAttrCase<"Error", 3, "error">]> {
  let cppNamespace = "::xpu::nact";
}

def Nact_RoutingMode : I32EnumAttr<"RoutingMode",
    "how a mixture-of-experts router assigns tokens to experts", [
    I32EnumAttrCase<"ExpertChoice", 0, "expert_choice">,
    I32EnumAttrCase<"TokenChoice", 1, "token_choice">]> {
  let cppNamespace = "::xpu::nact";
}

def Nact_PortDirection : I32EnumAttr<"PortDirection", "direction of a port", [
    I32EnumAttrCase<"In", 0, "in">,
    I32EnumAttrCase<"Out", 1, "out">]> {
  let cppNamespace = "::xpu::nact";
}

#endif // XPU_DIALECTS_NACT_NACTATTRS_TD
