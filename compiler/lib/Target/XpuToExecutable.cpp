// Emits an XPU executable (.xpuexe) from an xpu.module: instruction encoding,
// container layout and consistency checks all come from the runtime library.
#include "compiler/lib/Target/XpuToExecutable.h"
#include "compiler/lib/Frontend/NactBridge.h"
#include "compiler/lib/Transforms/Passes.h"

#include "dialects/Xpu/XpuDialect.h"
#include "dialects/Xpu/XpuOps.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/raw_ostream.h"

#include "xpu/ChipDescriptor.h"
#include "xpu/Isa.h"
#include "xpu/Multicast.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

using namespace mlir;
using namespace xpu::mc;
using ::xpu::Instruction;
using ::xpu::Opcode;
using XpuModuleOp = ::xpu::mc::ModuleOp;

namespace {


Instruction inst(Opcode op, uint8_t rd = 0, uint8_t rs1 = 0, uint8_t rs2 = 0,
                 uint8_t rs3 = 0, int32_t imm = 0) {
  Instruction i;
  i.op = op;
  i.rd = rd;
  i.rs1 = rs1;
  i.rs2 = rs2;
  i.rs3 = rs3;
  i.imm = imm;
  return i;
}

/// Little-endian bytes of a dense initial value.
std::vector<uint8_t> initBytes(ElementsAttr init, int64_t elementBytes) {
  std::vector<uint8_t> bytes;
  // The verifier guarantees readable elements.
  auto values = init.tryGetValues<Attribute>();
  for (Attribute value : *values) {
    uint64_t raw = 0;
    if (auto i = dyn_cast<IntegerAttr>(value))
      raw = i.getValue().getZExtValue();
    else if (auto f = dyn_cast<FloatAttr>(value))
      raw = f.getValue().bitcastToAPInt().getZExtValue();
    for (int64_t b = 0; b < elementBytes; ++b)
      bytes.push_back(static_cast<uint8_t>(raw >> (8 * b)));
  }
  return bytes;
}

class ExecutableBuilder {
public:
  explicit ExecutableBuilder(XpuModuleOp module)
      : module(module), chipAttr(module.getChip()) {}

  FailureOr<::xpu::Executable> build();

private:
  LogicalResult buildImage(CoreOp core, uint32_t index);
  /// The instructions of one op (after expandBufferOps, only xpu.inst has
  /// any); labels resolve through `labels` (unknown labels read as 0, which
  /// is what the sizing pass needs).
  FailureOr<SmallVector<Instruction>> expand(Operation *op);
  FailureOr<int64_t> resolve(InstOp op, FlatSymbolRefAttr ref);
  uint32_t coreId(int64_t x, int64_t y) { return exe.chip.coreId(x, y); }

  XpuModuleOp module;
  ChipAttr chipAttr;
  ::xpu::Executable exe;
  llvm::StringMap<uint32_t> imageIndex;
  // Per image being built:
  llvm::StringMap<int64_t> bufferAddress;
  llvm::StringMap<int64_t> labels;
};

FailureOr<::xpu::Executable> ExecutableBuilder::build() {
  exe.chip = ::xpu::bridge::toChipDescriptor(chipAttr);
  exe.producer = "xpu-translate (XPU toolchain)";
  // The runtime owns the valid ranges: round-trip through its parser.
  auto checked = ::xpu::parseChipDescriptor(::xpu::toJson(exe.chip), "chip");
  if (!checked)
    return module.emitOpError() << "invalid chip descriptor: "
                                << checked.error().message;

  for (auto core : module.getBodyBlock()->getOps<CoreOp>())
    imageIndex[core.getSymName()] = imageIndex.size();

  for (auto core : module.getBodyBlock()->getOps<CoreOp>()) {
    uint32_t index = exe.images.size();
    if (failed(::xpu::transforms::expandBufferOps(core)))
      return failure();
    if (failed(buildImage(core, index)))
      return failure();
    if (core.isPlaced())
      exe.cores.push_back({coreId(*core.getX(), *core.getY()), index});
  }
  for (auto spare : module.getBodyBlock()->getOps<SpareOp>())
    exe.spareCores.push_back(coreId(spare.getX(), spare.getY()));

  llvm::StringMap<size_t> groupIndex;
  for (auto group : module.getBodyBlock()->getOps<GroupOp>()) {
    ::xpu::MulticastGroup g;
    g.id = group.getId();
    g.source = coreId(group.getSrcX(), group.getSrcY());
    ArrayRef<int32_t> dests = group.getDests();
    for (size_t i = 0; i + 1 < dests.size(); i += 2)
      g.destinations.push_back(coreId(dests[i], dests[i + 1]));
    llvm::sort(g.destinations);
    g.destinations.erase(std::unique(g.destinations.begin(),
                                     g.destinations.end()),
                         g.destinations.end());
    groupIndex[group.getSymName()] = exe.multicastGroups.size();
    exe.multicastGroups.push_back(std::move(g));
  }
  // Explicit table entries (xpu.route): a group with any uses exactly its
  // entries, which must form a tree reaching its destinations.
  std::map<uint32_t, SmallVector<RouteOp>> routeOpsOf;
  for (auto route : module.getBodyBlock()->getOps<RouteOp>()) {
    const ::xpu::MulticastGroup &g = exe.multicastGroups[groupIndex.lookup(route.getGroup())];
    exe.multicastRoutes.push_back(
        {g.id, coreId(route.getX(), route.getY()), static_cast<uint8_t>(route.getPorts())});
    routeOpsOf[g.id].push_back(route);
  }
  for (const ::xpu::MulticastGroup &g : exe.multicastGroups) {
    auto it = routeOpsOf.find(g.id);
    if (it == routeOpsOf.end()) continue;
    std::vector<::xpu::MulticastRoute> routes;
    for (const ::xpu::MulticastRoute &r : exe.multicastRoutes)
      if (r.group == g.id) routes.push_back(r);
    if (auto err = ::xpu::checkMulticastRoutes(exe.chip, g, routes))
      return it->second.front().emitOpError() << err->message;
  }

  // A channel's optional `capacity` (events channels) bounds its mailbox
  // below the chip's depth; the largest one given wins.
  std::map<std::pair<uint32_t, uint32_t>, std::pair<::xpu::MailboxPolicy, uint32_t>> policies;
  for (auto channel : module.getBodyBlock()->getOps<ChannelOp>()) {
    auto &entry = policies[{coreId(channel.getToX(), channel.getToY()),
                            static_cast<uint32_t>(channel.getMailbox())}];
    entry.first = static_cast<::xpu::MailboxPolicy>(channel.getOverflow());
    if (auto cap = channel->getAttrOfType<IntegerAttr>("capacity")) {
      if (cap.getInt() < 1 || uint64_t(cap.getInt()) > exe.chip.mailboxDepth)
        return channel.emitOpError() << "capacity " << cap.getInt() << " is outside 1..mailbox_depth ("
                                     << exe.chip.mailboxDepth << ")";
      entry.second = std::max(entry.second, uint32_t(cap.getInt()));
    }
  }
  for (auto [key, value] : policies)
    exe.mailboxPolicies.push_back({key.first, key.second, value.first, value.second});

  if (auto error = ::xpu::validateExecutable(exe))
    return module.emitOpError() << "invalid executable: " << error->message;
  return std::move(exe);
}

LogicalResult ExecutableBuilder::buildImage(CoreOp core, uint32_t index) {
  FailureOr<SmallVector<std::pair<BufferOp, int64_t>>> layout =
      core.layoutBuffers();
  if (failed(layout))
    return failure();
  bufferAddress.clear();
  labels.clear();

  ::xpu::ProgramImage image;
  image.name = core.getSymName().str();
  for (auto [buffer, addr] : *layout) {
    bufferAddress[buffer.getSymName()] = addr;
    exe.symbols.push_back({buffer.getSymName().str(), index,
                           ::xpu::Symbol::Kind::Data,
                           static_cast<uint32_t>(addr)});
    auto type = cast<ShapedType>(buffer.getType());
    int64_t elementBytes = (type.getElementTypeBitWidth() + 7) / 8;
    if (auto init = buffer.getInit())
      image.data.push_back(
          {static_cast<uint32_t>(addr), initBytes(*init, elementBytes)});
    if (auto host = buffer.getHost()) {
      if (!core.isPlaced())
        return buffer.emitOpError()
               << "host I/O needs a core placed at load time";
      ::xpu::IoBinding io;
      io.name = buffer.getSymName().str();
      io.core = coreId(*core.getX(), *core.getY());
      io.address = addr;
      io.bytes = buffer.getSizeInBytes();
      io.dtype = "i" + std::to_string(type.getElementTypeBitWidth());
      io.shape.assign(type.getShape().begin(), type.getShape().end());
      (*host == HostAccess::Input ? exe.inputs : exe.outputs).push_back(io);
    }
  }

  // Sizing pass: instruction index of every label.
  int64_t pc = 0;
  for (Operation &op : *core.getBodyBlock()) {
    if (auto label = dyn_cast<LabelOp>(op)) {
      labels[label.getSymName()] = pc;
      exe.symbols.push_back({label.getSymName().str(), index,
                             ::xpu::Symbol::Kind::Code,
                             static_cast<uint32_t>(pc)});
      continue;
    }
    FailureOr<SmallVector<Instruction>> code = expand(&op);
    if (failed(code))
      return failure();
    pc += code->size();
  }
  // Emission pass.
  for (Operation &op : *core.getBodyBlock()) {
    FailureOr<SmallVector<Instruction>> code = expand(&op);
    if (failed(code))
      return failure();
    for (const Instruction &i : *code)
      image.code.push_back(::xpu::encode(i));
  }
  if (image.code.empty())
    return core.emitOpError() << "has no code (end it with xpu.halt)";
  if (image.code.size() > exe.chip.imemInstructions)
    return core.emitOpError() << "needs " << image.code.size()
                              << " instructions; IMEM holds "
                              << exe.chip.imemInstructions;
  exe.images.push_back(std::move(image));
  return success();
}

FailureOr<int64_t> ExecutableBuilder::resolve(InstOp op,
                                              FlatSymbolRefAttr ref) {
  StringRef name = ref.getValue();
  if (labels.count(name))
    return labels.lookup(name);
  if (bufferAddress.count(name))
    return bufferAddress.lookup(name);
  Operation *target = module.lookupSymbol(ref.getAttr());
  if (auto core = dyn_cast_or_null<CoreOp>(target))
    return imageIndex.lookup(core.getSymName());
  if (auto group = dyn_cast_or_null<GroupOp>(target))
    return group.getId();
  if (auto channel = dyn_cast_or_null<ChannelOp>(target))
    return channel.getMailbox();
  // A label that the sizing pass has not reached yet.
  if (auto core = op->getParentOfType<CoreOp>())
    if (isa_and_nonnull<LabelOp>(core.lookupSymbol(ref.getAttr())))
      return 0;
  return op.emitOpError() << "cannot resolve " << ref;
}

FailureOr<SmallVector<Instruction>> ExecutableBuilder::expand(Operation *op) {
  using Code = SmallVector<Instruction>;
  return TypeSwitch<Operation *, FailureOr<Code>>(op)
      .Case<BufferOp, LabelOp>([](auto) { return Code{}; })
      .Case([&](InstOp v) -> FailureOr<Code> {
        const IsaOpcode *opcode = lookupIsaOpcode(v.getMnemonic());
        int64_t imm = v.getImm().value_or(0);
        if (auto target = v.getTargetAttr()) {
          FailureOr<int64_t> value = resolve(v, target);
          if (failed(value))
            return failure();
          imm += *value;
        }
        return Code{inst(opcode->opcode, v.getRd().value_or(0),
                         v.getRs1().value_or(0), v.getRs2().value_or(0),
                         v.getRs3().value_or(0), static_cast<int32_t>(imm))};
      })
      .Default([](Operation *other) -> FailureOr<Code> {
        return other->emitOpError() << "cannot be emitted into a program";
      });
}

} // namespace

FailureOr<::xpu::Executable> xpu::target::buildExecutable(XpuModuleOp module) {
  // Buffer-level ops are expanded in place: work on a copy.
  OwningOpRef<XpuModuleOp> copy(module.clone());
  return ExecutableBuilder(*copy).build();
}

void xpu::target::registerXpuToExeTranslation() {
  TranslateFromMLIRRegistration registration(
      "xpu-to-exe", "translate an xpu.module into an XPU executable (.xpuexe)",
      [](Operation *op, raw_ostream &output) -> LogicalResult {
        SmallVector<XpuModuleOp> modules;
        if (auto module = dyn_cast<XpuModuleOp>(op))
          modules.push_back(module);
        else
          op->walk([&](XpuModuleOp module) { modules.push_back(module); });
        if (modules.size() != 1)
          return op->emitError() << "expected exactly one xpu.module, found "
                                 << modules.size();
        FailureOr<::xpu::Executable> exe = buildExecutable(modules.front());
        if (failed(exe))
          return failure();
        std::vector<uint8_t> bytes = ::xpu::serializeExecutable(*exe);
        output.write(reinterpret_cast<const char *>(bytes.data()),
                     bytes.size());
        return success();
      },
      [](DialectRegistry &registry) { registry.insert<XpuDialect>(); });
}
