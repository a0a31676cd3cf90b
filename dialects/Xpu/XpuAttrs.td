// Attributes of the xpu dialect: the chip descriptor and enumerations.
#ifndef XPU_DIALECTS_XPU_XPUATTRS_TD
#define XPU_DIALECTS_XPU_XPUATTRS_TD

include "dialects/Xpu/XpuDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

// A chip descriptor field whose default is the runtime's (ChipDescriptor.h).
class Xpu_ChipField<string member, string cppType = "uint32_t">
    : DefaultValuedParameter<cppType, "::xpu::ChipDescriptor()." # member>;

// clock_mhz is a double in the runtime; APFloat here because attribute
// parameters must be hashable.
def Xpu_ClockParameter : DefaultValuedParameter<"::llvm::APFloat",
    "::llvm::APFloat(::xpu::ChipDescriptor().clockMhz)"> {
  let printer = "$_printer << $_self.convertToDouble()";
}

def Xpu_ChipAttr : AttrDef<Xpu_Dialect, "Chip"> {
  let mnemonic = "chip";
  let summary = "the chip descriptor: mesh, core and network parameters";
  let description = [{
    The fields of the runtime's `xpu::ChipDescriptor` (docs/arch.md section
    2), with the same defaults; fields left out take the default, and the
    printer leaves out fields equal to their default. The exact valid ranges
    are checked once, by the runtime, when the module is translated; the
    verifier here rejects what no chip can have (an empty mesh, zero sizes).

    ```mlir
    #xpu.chip<width = 2, height = 2, sram_bytes = 8192>
    ```
  }];
  let parameters = (ins
    Xpu_ChipField<"width">:$width,
    Xpu_ChipField<"height">:$height,
    Xpu_ChipField<"sramBytes">:$sram_bytes,
    Xpu_ChipField<"imemInstructions">:$imem_instructions,
    Xpu_ChipField<"vectorLanes">:$vector_lanes,
    Xpu_ChipField<"mailboxes">:$mailboxes,
    Xpu_ChipField<"mailboxDepth">:$mailbox_depth,
    Xpu_ChipField<"maxMessageBytes">:$max_message_bytes,
    Xpu_ChipField<"virtualChannels">:$virtual_channels,
    Xpu_ChipField<"bufferDepth">:$buffer_depth,
    Xpu_ChipField<"flitBytes">:$flit_bytes,
    Xpu_ChipField<"routerLatency">:$router_latency,
    Xpu_ChipField<"linkLatency">:$link_latency,
    Xpu_ChipField<"multicastGroups">:$multicast_groups,
    Xpu_ChipField<"barrierLatency">:$barrier_latency,
    Xpu_ClockParameter:$clock_mhz);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    bool contains(int64_t x, int64_t y) const {
      return x >= 0 && y >= 0 && x < getWidth() && y < getHeight();
    }
    uint32_t coreId(uint32_t x, uint32_t y) const { return y * getWidth() + x; }
  }];
}

def Xpu_NeuronModel : I32EnumAttr<"NeuronModel", "neuron model of nstep", [
    I32EnumAttrCase<"IF", 0, "if">,
    I32EnumAttrCase<"LIF", 1, "lif">,
    I32EnumAttrCase<"CubaLIF", 2, "cuba">,
    I32EnumAttrCase<"LI", 3, "li">]> {
  let cppNamespace = "::xpu::mc";
}

def Xpu_ResetMode : I32EnumAttr<"ResetMode", "reset mode of nstep", [
    I32EnumAttrCase<"Zero", 0, "zero">,
    I32EnumAttrCase<"Subtract", 1, "subtract">,
    I32EnumAttrCase<"Value", 2, "value">,
    I32EnumAttrCase<"None", 3, "none">]> {
  let cppNamespace = "::xpu::mc";
}

def Xpu_MailboxPolicy : I32EnumAttr<"MailboxPolicy",
    "what a full mailbox does with an arriving message", [
    I32EnumAttrCase<"Block", 0, "block">,
    I32EnumAttrCase<"DropNewest", 1, "drop_newest">,
    I32EnumAttrCase<"DropOldest", 2, "drop_oldest">,
    I32EnumAttrCase<"Error", 3, "error">]> {
  let cppNamespace = "::xpu::mc";
}

def Xpu_HostAccess : I32EnumAttr<"HostAccess", "host I/O role of a buffer", [
    I32EnumAttrCase<"Input", 0, "input">,
    I32EnumAttrCase<"Output", 1, "output">]> {
  let cppNamespace = "::xpu::mc";
}

#endif // XPU_DIALECTS_XPU_XPUATTRS_TD
