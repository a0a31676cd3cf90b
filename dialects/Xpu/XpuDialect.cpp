// The xpu dialect: registration and the chip descriptor attribute.
#include "dialects/Xpu/XpuDialect.h"
#include "dialects/Xpu/XpuOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

#include "xpu/ChipDescriptor.h"

using namespace mlir;
using namespace xpu::mc;

// ODS has no parser for floating-point parameters (#xpu.chip's clock_mhz).
namespace mlir {
template <>
struct FieldParser<llvm::APFloat> {
  static FailureOr<llvm::APFloat> parse(AsmParser &parser) {
    double value;
    if (parser.parseFloat(value))
      return failure();
    return llvm::APFloat(value);
  }
};
} // namespace mlir

#include "dialects/Xpu/XpuDialect.cpp.inc"
#include "dialects/Xpu/XpuEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/Xpu/XpuAttrs.cpp.inc"

void XpuDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/Xpu/XpuAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "dialects/Xpu/XpuOps.cpp.inc"
      >();
}

LogicalResult
ChipAttr::verify(function_ref<InFlightDiagnostic()> emitError, uint32_t width,
                 uint32_t height, uint32_t sramBytes, uint32_t imemInstructions,
                 uint32_t vectorLanes, uint32_t mailboxes,
                 uint32_t mailboxDepth, uint32_t maxMessageBytes,
                 uint32_t virtualChannels, uint32_t bufferDepth,
                 uint32_t flitBytes, uint32_t routerLatency,
                 uint32_t linkLatency, uint32_t multicastGroups,
                 uint32_t barrierLatency, llvm::APFloat clockMhz) {
  // Exact ranges are the runtime's (ChipDescriptor.cpp), checked when the
  // module is translated; here only what no chip can have.
  if (width == 0 || height == 0)
    return emitError() << "chip mesh must be at least 1x1, got " << width
                       << "x" << height;
  struct Field {
    const char *name;
    uint32_t value;
  } positive[] = {{"sram_bytes", sramBytes},
                  {"imem_instructions", imemInstructions},
                  {"vector_lanes", vectorLanes},
                  {"mailboxes", mailboxes},
                  {"mailbox_depth", mailboxDepth},
                  {"max_message_bytes", maxMessageBytes},
                  {"virtual_channels", virtualChannels},
                  {"buffer_depth", bufferDepth},
                  {"flit_bytes", flitBytes},
                  {"router_latency", routerLatency},
                  {"link_latency", linkLatency}};
  for (const Field &field : positive)
    if (field.value == 0)
      return emitError() << "chip field '" << field.name
                         << "' must be positive";
  if (!(clockMhz.convertToDouble() > 0))
    return emitError() << "chip field 'clock_mhz' must be positive";
  return success();
}
