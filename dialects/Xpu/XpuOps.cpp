// Verifiers, custom syntax and the ISA table of the xpu ops.
#include "dialects/Xpu/XpuOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace xpu::mc;

//===----------------------------------------------------------------------===//
// ISA table: generated from the runtime's single opcode definition
//===----------------------------------------------------------------------===//

static const IsaOpcode kIsaOpcodes[] = {
#define XPU_OPCODE(Name, Value, Mnemonic, Fmt, Class, Doc)                     \
  {::xpu::Opcode::Name, Mnemonic, ::xpu::Format::Fmt},
#include "xpu/Opcodes.def"
};

const IsaOpcode *xpu::mc::lookupIsaOpcode(StringRef mnemonic) {
  for (const IsaOpcode &entry : kIsaOpcodes)
    if (entry.mnemonic == mnemonic)
      return &entry;
  return nullptr;
}

const IsaOpcode &xpu::mc::lookupIsaOpcode(::xpu::Opcode opcode) {
  for (const IsaOpcode &entry : kIsaOpcodes)
    if (entry.opcode == opcode)
      return entry;
  llvm_unreachable("opcode missing from Opcodes.def");
}

IsaFields xpu::mc::isaFields(::xpu::Format format) {
  using F = ::xpu::Format;
  switch (format) {
  case F::None:     return {false, false, false, false, false};
  case F::RdRsRs:   return {true, true, true, false, false};
  case F::RdRsImm:  return {true, true, false, false, true};
  case F::RdImm:    return {true, false, false, false, true};
  case F::Load:     return {true, true, false, false, true};
  case F::Store:    return {false, true, true, false, true};
  case F::Branch:   return {false, true, true, false, true};
  case F::Target:   return {false, false, false, false, true};
  case F::RdTarget: return {true, false, false, false, true};
  case F::Rs:       return {false, true, false, false, false};
  case F::RdCsr:    return {true, false, false, false, true};
  case F::RdRsRsRs: return {true, true, true, true, false};
  case F::RdRsRs3:  return {true, true, false, true, false};
  case F::Vreq:     return {true, true, false, true, true};
  case F::Nstep:    return {true, true, true, true, true};
  case F::Send:     return {false, true, true, true, true};
  case F::Recv:     return {true, true, false, false, true};
  case F::RdMbox:   return {true, false, false, false, true};
  case F::Spawn:    return {false, true, true, false, true};
  }
  return {false, false, false, false, false};
}

// Operand names of the assembler (docs/assembly.md), indexed by value.
static const char *const kCsrNames[] = {"coreid", "x",        "y",     "width",
                                        "height", "timestep", "cycle", "bootarg"};
static const char *const kModelNames[] = {"if", "lif", "cuba", "li"};
static const char *const kResetNames[] = {"zero", "subtract", "value", "none"};
static const char *const kPortNames[] = {"local", "east", "west", "north",
                                         "south"};

static int lookupName(ArrayRef<const char *> names, StringRef name) {
  for (auto [i, candidate] : llvm::enumerate(names))
    if (name == candidate)
      return i;
  return -1;
}

//===----------------------------------------------------------------------===//
// Custom directives
//===----------------------------------------------------------------------===//

static ParseResult parseRegister(OpAsmParser &parser, int32_t &reg) {
  SMLoc loc = parser.getCurrentLocation();
  StringRef keyword;
  if (parser.parseKeyword(&keyword))
    return failure();
  unsigned value;
  if (!keyword.consume_front("r") || keyword.getAsInteger(10, value) ||
      value >= ::xpu::kNumRegisters)
    return parser.emitError(loc, "expected a register r0..r15");
  reg = value;
  return success();
}

static ParseResult parseReg(OpAsmParser &parser, IntegerAttr &reg) {
  int32_t value;
  if (parseRegister(parser, value))
    return failure();
  reg = parser.getBuilder().getI32IntegerAttr(value);
  return success();
}

static void printReg(OpAsmPrinter &p, Operation *, IntegerAttr reg) {
  p << "r" << reg.getInt();
}

/// `@buffer` or `@buffer[offset]` (offset in bytes).
static ParseResult parseBufRef(OpAsmParser &parser, FlatSymbolRefAttr &sym,
                               IntegerAttr &offset) {
  StringAttr name;
  if (parser.parseSymbolName(name))
    return failure();
  sym = FlatSymbolRefAttr::get(name);
  int32_t value = 0;
  if (succeeded(parser.parseOptionalLSquare()) &&
      (parser.parseInteger(value) || parser.parseRSquare()))
    return failure();
  offset = parser.getBuilder().getI32IntegerAttr(value);
  return success();
}

static void printBufRef(OpAsmPrinter &p, Operation *, FlatSymbolRefAttr sym,
                        IntegerAttr offset) {
  p.printAttributeWithoutType(sym);
  if (offset.getInt() != 0)
    p << "[" << offset.getInt() << "]";
}

/// `[(x, y), ...]` stored as a flat x, y, x, y array.
static ParseResult parseCoordList(OpAsmParser &parser,
                                  DenseI32ArrayAttr &coords) {
  SmallVector<int32_t> values;
  auto parseOne = [&]() -> ParseResult {
    int32_t x, y;
    if (parser.parseLParen() || parser.parseInteger(x) || parser.parseComma() ||
        parser.parseInteger(y) || parser.parseRParen())
      return failure();
    values.push_back(x);
    values.push_back(y);
    return success();
  };
  if (parser.parseCommaSeparatedList(OpAsmParser::Delimiter::Square, parseOne))
    return failure();
  coords = parser.getBuilder().getDenseI32ArrayAttr(values);
  return success();
}

static void printCoordList(OpAsmPrinter &p, Operation *,
                           DenseI32ArrayAttr coords) {
  ArrayRef<int32_t> values = coords.asArrayRef();
  p << "[";
  for (size_t i = 0; i + 1 < values.size(); i += 2)
    p << (i ? ", " : "") << "(" << values[i] << ", " << values[i + 1] << ")";
  p << "]";
}

/// `[east, south]`: a mask of router output ports.
static ParseResult parsePortMask(OpAsmParser &parser, IntegerAttr &mask) {
  int32_t bits = 0;
  auto parseOne = [&]() -> ParseResult {
    SMLoc loc = parser.getCurrentLocation();
    StringRef name;
    if (parser.parseKeyword(&name))
      return failure();
    int port = lookupName(kPortNames, name);
    if (port < 0)
      return parser.emitError(loc, "expected a router port: local, east, "
                                   "west, north or south");
    bits |= 1 << port;
    return success();
  };
  if (parser.parseCommaSeparatedList(OpAsmParser::Delimiter::Square, parseOne))
    return failure();
  mask = parser.getBuilder().getI32IntegerAttr(bits);
  return success();
}

static void printPortMask(OpAsmPrinter &p, Operation *, IntegerAttr mask) {
  p << "[";
  bool first = true;
  for (auto [i, name] : llvm::enumerate(kPortNames))
    if (mask.getInt() & (1 << i)) {
      p << (first ? "" : ", ") << name;
      first = false;
    }
  p << "]";
}

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

static ChipAttr chipOf(Operation *op) {
  if (auto module = op->getParentOfType<ModuleOp>())
    return module.getChip();
  return {};
}

static LogicalResult checkInMesh(Operation *op, StringRef what, int64_t x,
                                 int64_t y) {
  ChipAttr chip = chipOf(op);
  if (chip && !chip.contains(x, y))
    return op->emitOpError() << what << " (" << x << ", " << y
                             << ") is outside the " << chip.getWidth() << "x"
                             << chip.getHeight() << " mesh";
  return success();
}

/// The placed core at (x, y), or null.
static CoreOp findCoreAt(ModuleOp module, int64_t x, int64_t y) {
  for (auto core : module.getBodyBlock()->getOps<CoreOp>())
    if (core.isPlaced() && *core.getX() == x && *core.getY() == y)
      return core;
  return {};
}

static LogicalResult checkRunsProgram(Operation *op, StringRef what, int64_t x,
                                      int64_t y) {
  auto module = op->getParentOfType<ModuleOp>();
  if (failed(checkInMesh(op, what, x, y)))
    return failure();
  if (!findCoreAt(module, x, y))
    return op->emitOpError() << what << " (" << x << ", " << y
                             << ") runs no program";
  return success();
}

static FailureOr<BufferOp> lookupBuffer(Operation *op, FlatSymbolRefAttr ref) {
  auto core = op->getParentOfType<CoreOp>();
  auto buffer = dyn_cast_or_null<BufferOp>(core.lookupSymbol(ref.getAttr()));
  if (!buffer)
    return op->emitOpError() << "unknown buffer " << ref << " in core "
                             << core.getSymNameAttr();
  return buffer;
}

/// Checks that bytes [offset, offset + bytes) lie inside buffer `ref`, and
/// that 32-bit arrays (`align4`) start on a 4-byte boundary.
static LogicalResult checkAccess(Operation *op, FlatSymbolRefAttr ref,
                                 int64_t offset, int64_t bytes, bool align4) {
  FailureOr<BufferOp> buffer = lookupBuffer(op, ref);
  if (failed(buffer))
    return failure();
  int64_t size = buffer->getSizeInBytes();
  if (offset < 0 || bytes < 0 || offset + bytes > size) {
    InFlightDiagnostic diag = op->emitOpError()
                              << "accesses bytes [" << offset << ", "
                              << offset + bytes << ") of " << ref
                              << ", which has " << size << " bytes";
    diag.attachNote(buffer->getLoc()) << "buffer defined here";
    return diag;
  }
  if (align4 && (offset % 4 != 0 || buffer->getAlignmentOrDefault() % 4 != 0))
    return op->emitOpError() << "32-bit array " << ref << "[" << offset
                             << "] must be 4-byte aligned";
  return success();
}

static LogicalResult checkCount(Operation *op, int64_t count) {
  if (count < 0)
    return op->emitOpError() << "count must be non-negative, got " << count;
  return success();
}

template <typename OpT>
static FailureOr<OpT> lookupInModule(Operation *op, FlatSymbolRefAttr ref,
                                     StringRef what) {
  auto module = op->getParentOfType<ModuleOp>();
  auto found = dyn_cast_or_null<OpT>(module.lookupSymbol(ref.getAttr()));
  if (!found)
    return op->emitOpError() << "unknown " << what << " " << ref;
  return found;
}

//===----------------------------------------------------------------------===//
// Structure
//===----------------------------------------------------------------------===//

LogicalResult ModuleOp::verifyRegions() {
  // One program per tile: placed cores and spare tiles are all distinct.
  llvm::DenseMap<std::pair<int64_t, int64_t>, Operation *> tiles;
  llvm::DenseMap<int64_t, GroupOp> groups;
  llvm::DenseMap<std::pair<int64_t, int64_t>, ChannelOp> mailboxes;
  for (Operation &op : *getBodyBlock()) {
    std::optional<std::pair<int64_t, int64_t>> tile;
    if (auto core = dyn_cast<CoreOp>(op); core && core.isPlaced())
      tile = {*core.getX(), *core.getY()};
    else if (auto spare = dyn_cast<SpareOp>(op))
      tile = {spare.getX(), spare.getY()};
    if (tile) {
      auto [it, inserted] = tiles.try_emplace(*tile, &op);
      if (!inserted) {
        InFlightDiagnostic diag =
            op.emitOpError() << "tile (" << tile->first << ", "
                             << tile->second << ") already has a program";
        diag.attachNote(it->second->getLoc()) << "first assigned here";
        return diag;
      }
    }
    if (auto group = dyn_cast<GroupOp>(op)) {
      auto [it, inserted] = groups.try_emplace(group.getId(), group);
      if (!inserted) {
        InFlightDiagnostic diag = group.emitOpError()
                                  << "multicast group id " << group.getId()
                                  << " is already used";
        diag.attachNote(it->second.getLoc()) << "first used here";
        return diag;
      }
    }
    if (auto channel = dyn_cast<ChannelOp>(op)) {
      ChipAttr chip = getChip();
      int64_t core = chip.coreId(channel.getToX(), channel.getToY());
      auto [it, inserted] =
          mailboxes.try_emplace({core, channel.getMailbox()}, channel);
      if (!inserted && it->second.getOverflow() != channel.getOverflow()) {
        InFlightDiagnostic diag =
            channel.emitOpError()
            << "gives mailbox " << channel.getMailbox() << " of ("
            << channel.getToX() << ", " << channel.getToY()
            << ") a different overflow policy";
        diag.attachNote(it->second.getLoc()) << "other channel here";
        return diag;
      }
    }
  }
  return success();
}

ChipAttr CoreOp::getChip() { return chipOf(*this); }

LogicalResult CoreOp::verify() {
  if (getX().has_value() != getY().has_value())
    return emitOpError() << "needs both x and y, or neither";
  if (isPlaced())
    return checkInMesh(*this, "core", *getX(), *getY());
  return success();
}

FailureOr<SmallVector<std::pair<BufferOp, int64_t>>> CoreOp::layoutBuffers() {
  SmallVector<std::pair<BufferOp, int64_t>> placed; // sorted by address
  auto insertSorted = [&](BufferOp buffer, int64_t address) {
    auto it = llvm::upper_bound(placed, address, [](int64_t a, const auto &p) {
      return a < p.second;
    });
    placed.insert(it, {buffer, address});
  };
  for (auto buffer : getBodyBlock()->getOps<BufferOp>()) {
    if (!buffer.getAddress())
      continue;
    int64_t begin = static_cast<int64_t>(*buffer.getAddress()), end = begin + buffer.getSizeInBytes();
    for (auto [other, otherBegin] : placed) {
      int64_t otherEnd = otherBegin + other.getSizeInBytes();
      if (begin < otherEnd && otherBegin < end && buffer.interferesWith(other)) {
        InFlightDiagnostic diag = buffer.emitOpError()
                                  << "overlaps buffer "
                                  << other.getSymNameAttr();
        diag.attachNote(other.getLoc()) << "other buffer here";
        return diag;
      }
    }
    insertSorted(buffer, begin);
  }
  for (auto buffer : getBodyBlock()->getOps<BufferOp>()) {
    if (buffer.getAddress())
      continue;
    int64_t align = buffer.getAlignmentOrDefault(),
            size = buffer.getSizeInBytes();
    int64_t address = 0;
    for (auto [other, otherBegin] : placed) {
      if (!buffer.interferesWith(other))
        continue; // disjoint live ranges: may share the bytes
      if (static_cast<int64_t>(llvm::alignTo(address, align)) + size <=
          otherBegin)
        break;
      address = std::max(address, otherBegin + other.getSizeInBytes());
    }
    insertSorted(buffer, llvm::alignTo(address, align));
  }
  int64_t used = 0;
  for (auto [buffer, address] : placed)
    used = std::max(used, address + buffer.getSizeInBytes());
  if (ChipAttr chip = getChip(); chip && used > chip.getSramBytes()) {
    // Name the buffers, largest first, so the user sees what to shrink.
    SmallVector<std::pair<BufferOp, int64_t>> bySize(placed.begin(), placed.end());
    llvm::stable_sort(bySize, [](std::pair<BufferOp, int64_t> a,
                                 std::pair<BufferOp, int64_t> b) {
      return a.first.getSizeInBytes() > b.first.getSizeInBytes();
    });
    InFlightDiagnostic diag = emitOpError()
                              << "needs " << used << " bytes of SRAM but the chip "
                              << "has " << chip.getSramBytes() << " per core";
    for (auto [buffer, address] : bySize)
      diag.attachNote(buffer.getLoc())
          << "buffer @" << buffer.getSymName() << ": "
          << buffer.getSizeInBytes() << " bytes at " << address;
    return diag;
  }
  // Return the buffers in program order.
  SmallVector<std::pair<BufferOp, int64_t>> layout;
  for (auto buffer : getBodyBlock()->getOps<BufferOp>())
    for (auto [b, address] : placed)
      if (b == buffer)
        layout.push_back({b, address});
  return layout;
}

LogicalResult CoreOp::verifyRegions() { return layoutBuffers(); }

LogicalResult SpareOp::verify() {
  return checkInMesh(*this, "spare core", getX(), getY());
}

int64_t BufferOp::getSizeInBytes() {
  auto type = cast<ShapedType>(getType());
  if (!type.getElementType().isIntOrFloat()) // rejected by the verifier
    return 0;
  int64_t elementBytes =
      (type.getElementType().getIntOrFloatBitWidth() + 7) / 8;
  return type.getNumElements() * elementBytes;
}

bool BufferOp::interferesWith(BufferOp other) {
  std::optional<ArrayRef<int32_t>> a = getLive(), b = other.getLive();
  if (!a || !b)
    return true;
  return (*a)[0] <= (*b)[1] && (*b)[0] <= (*a)[1];
}

LogicalResult BufferOp::verify() {
  auto type = cast<ShapedType>(getType());
  if (!type.getElementType().isIntOrFloat())
    return emitOpError() << "element type must be an integer or float";
  int64_t align = getAlignmentOrDefault();
  if (align < 1 || !llvm::isPowerOf2_64(align))
    return emitOpError() << "alignment must be a power of two, got " << align;
  if (auto address = getAddress()) {
    if (static_cast<int64_t>(*address) < 0 || *address % align != 0)
      return emitOpError() << "address " << *address
                           << " is not a non-negative multiple of its "
                              "alignment "
                           << align;
  }
  if (auto init = getInit()) {
    if (!init->tryGetValues<Attribute>())
      return emitOpError() << "initial value must be a dense attribute";
    if (init->getShapedType().getNumElements() != type.getNumElements() ||
        init->getShapedType().getElementType() != type.getElementType())
      return emitOpError() << "initial value of type " << init->getType()
                           << " does not match the buffer type " << type;
  }
  if (auto live = getLive()) {
    if (live->size() != 2 || (*live)[0] < 0 || (*live)[0] > (*live)[1])
      return emitOpError() << "live range must be [first, last] with 0 <= first <= last";
    if (getInit() || getHost())
      return emitOpError() << "a buffer with an initial value or host access holds it "
                              "for the whole program: it cannot have a live range";
  }
  if (getHost()) {
    Type element = type.getElementType();
    if (!element.isInteger(8) && !element.isInteger(16) &&
        !element.isInteger(32))
      return emitOpError() << "host-visible buffers hold i8, i16 or i32 "
                              "elements";
  }
  return success();
}

LogicalResult ChannelOp::verify() {
  if (failed(checkRunsProgram(*this, "source", getFromX(), getFromY())) ||
      failed(checkRunsProgram(*this, "destination", getToX(), getToY())))
    return failure();
  ChipAttr chip = chipOf(*this);
  if (getMailbox() < 0 || static_cast<uint32_t>(getMailbox()) >= chip.getMailboxes())
    return emitOpError() << "mailbox " << getMailbox()
                         << " does not exist; the chip has "
                         << chip.getMailboxes() << " per core";
  if (getBytes() < 0 ||
      static_cast<uint32_t>(getBytes()) > chip.getMaxMessageBytes())
    return emitOpError() << "message of " << getBytes()
                         << " bytes exceeds the chip's max_message_bytes "
                         << chip.getMaxMessageBytes();
  return success();
}

LogicalResult GroupOp::verify() {
  ChipAttr chip = chipOf(*this);
  if (getId() < 0 || static_cast<uint32_t>(getId()) >= chip.getMulticastGroups())
    return emitOpError() << "group id " << getId()
                         << " does not fit the chip's "
                         << chip.getMulticastGroups()
                         << " multicast table entries";
  if (failed(checkRunsProgram(*this, "source", getSrcX(), getSrcY())))
    return failure();
  ArrayRef<int32_t> dests = getDests();
  if (dests.empty() || dests.size() % 2 != 0)
    return emitOpError() << "needs a non-empty list of (x, y) destinations";
  for (size_t i = 0; i < dests.size(); i += 2)
    if (failed(checkInMesh(*this, "destination", dests[i], dests[i + 1])))
      return failure();
  return success();
}

LogicalResult RouteOp::verifySymbolUses(SymbolTableCollection &) {
  if (failed(lookupInModule<GroupOp>(*this, getGroupAttr(), "group")) ||
      failed(checkInMesh(*this, "router", getX(), getY())))
    return failure();
  ChipAttr chip = chipOf(*this);
  int32_t mask = getPorts();
  if (mask <= 0 || mask >= 32)
    return emitOpError() << "needs a non-empty set of router ports";
  bool offMesh[5] = {false, getX() + 1 >= static_cast<int64_t>(chip.getWidth()),
                     getX() == 0, getY() == 0,
                     getY() + 1 >= static_cast<int64_t>(chip.getHeight())};
  for (int port = 0; port < 5; ++port)
    if ((mask & (1 << port)) && offMesh[port])
      return emitOpError() << "port " << kPortNames[port] << " of router ("
                           << getX() << ", " << getY()
                           << ") leads off the mesh";
  return success();
}

//===----------------------------------------------------------------------===//
// Buffer-level program ops
//===----------------------------------------------------------------------===//

LogicalResult VmacsOp::verify() {
  if (failed(checkCount(*this, getCount())))
    return failure();
  if (failed(checkAccess(*this, getAccAttr(), getAccOffset(), 4 * getCount(),
                         true)))
    return failure();
  return checkAccess(*this, getSrcAttr(), getSrcOffset(), getCount(), false);
}

LogicalResult Vadd32Op::verify() {
  int64_t bytes = 4 * getCount();
  if (failed(checkCount(*this, getCount())) ||
      failed(checkAccess(*this, getDstAttr(), getDstOffset(), bytes, true)) ||
      failed(checkAccess(*this, getLhsAttr(), getLhsOffset(), bytes, true)))
    return failure();
  return checkAccess(*this, getRhsAttr(), getRhsOffset(), bytes, true);
}

LogicalResult VreqOp::verify() {
  if (getShift() < 0 || getShift() > 31)
    return emitOpError() << "shift must be in 0..31, got " << getShift();
  if (failed(checkCount(*this, getCount())) ||
      failed(checkAccess(*this, getDstAttr(), getDstOffset(), getCount(),
                         false)))
    return failure();
  return checkAccess(*this, getSrcAttr(), getSrcOffset(), 4 * getCount(),
                     true);
}

LogicalResult NstepOp::verify() {
  int64_t n = getCount();
  int64_t stateWords = 5 + (getModel() == NeuronModel::CubaLIF ? 2 * n : n);
  if (failed(checkCount(*this, n)) ||
      failed(checkAccess(*this, getSpikesAttr(), getSpikesOffset(), n,
                         false)) ||
      failed(checkAccess(*this, getStateAttr(), getStateOffset(),
                         4 * stateWords, true)))
    return failure();
  return checkAccess(*this, getInputAttr(), getInputOffset(), 4 * n, true);
}

/// A send/recv/poll end of a channel: the channel exists, this core is its
/// `source`/`destination` tile, and the buffer has the channel's size.
static LogicalResult checkChannelEnd(Operation *op, FlatSymbolRefAttr ref,
                                     FlatSymbolRefAttr bufferRef,
                                     bool isSource) {
  FailureOr<ChannelOp> channel = lookupInModule<ChannelOp>(op, ref, "channel");
  if (failed(channel))
    return failure();
  auto core = op->getParentOfType<CoreOp>();
  int64_t x = isSource ? channel->getFromX() : channel->getToX();
  int64_t y = isSource ? channel->getFromY() : channel->getToY();
  // An unplaced (spawn-only) image may run on any spare tile.
  if (core.isPlaced() && (*core.getX() != x || *core.getY() != y)) {
    InFlightDiagnostic diag =
        op->emitOpError() << "runs on (" << *core.getX() << ", "
                          << *core.getY() << ") but channel " << ref
                          << (isSource ? " starts" : " ends") << " at (" << x
                          << ", " << y << ")";
    diag.attachNote(channel->getLoc()) << "channel defined here";
    return diag;
  }
  if (!bufferRef)
    return success();
  FailureOr<BufferOp> buffer = lookupBuffer(op, bufferRef);
  if (failed(buffer))
    return failure();
  if (buffer->getSizeInBytes() != channel->getBytes()) {
    InFlightDiagnostic diag = op->emitOpError()
                              << "message size mismatch: " << bufferRef
                              << " has " << buffer->getSizeInBytes()
                              << " bytes but channel " << ref << " carries "
                              << channel->getBytes();
    diag.attachNote(channel->getLoc()) << "channel defined here";
    diag.attachNote(buffer->getLoc()) << "buffer defined here";
    return diag;
  }
  return success();
}

LogicalResult SendOp::verify() {
  return checkChannelEnd(*this, getChannelAttr(), getBufferAttr(), true);
}

LogicalResult RecvOp::verify() {
  return checkChannelEnd(*this, getChannelAttr(), getBufferAttr(), false);
}

LogicalResult PollOp::verify() {
  if (getRd() < 0 || getRd() >= static_cast<int32_t>(::xpu::kNumRegisters))
    return emitOpError() << "register r" << getRd() << " does not exist";
  return checkChannelEnd(*this, getChannelAttr(), {}, false);
}

LogicalResult McastOp::verify() {
  FailureOr<GroupOp> group = lookupInModule<GroupOp>(*this, getGroupAttr(),
                                                     "group");
  if (failed(group))
    return failure();
  auto core = (*this)->getParentOfType<CoreOp>();
  if (core.isPlaced() &&
      (*core.getX() != group->getSrcX() || *core.getY() != group->getSrcY())) {
    InFlightDiagnostic diag = emitOpError()
                              << "core (" << *core.getX() << ", "
                              << *core.getY() << ") is not the source of "
                              << getGroupAttr();
    diag.attachNote(group->getLoc()) << "group defined here";
    return diag;
  }
  ChipAttr chip = chipOf(*this);
  if (getMailbox() < 0 ||
      static_cast<uint32_t>(getMailbox()) >= chip.getMailboxes())
    return emitOpError() << "mailbox " << getMailbox()
                         << " does not exist; the chip has "
                         << chip.getMailboxes() << " per core";
  FailureOr<BufferOp> buffer = lookupBuffer(*this, getBufferAttr());
  if (failed(buffer))
    return failure();
  int64_t bytes = buffer->getSizeInBytes();
  // Multicast is virtual cut-through: a whole packet must fit one buffer.
  if (bytes > chip.getMaxMessageBytes() ||
      packetFlits(bytes, chip.getFlitBytes()) > chip.getBufferDepth())
    return emitOpError() << "multicast message of " << bytes
                         << " bytes needs "
                         << packetFlits(bytes, chip.getFlitBytes())
                         << " flits; a router buffer holds "
                         << chip.getBufferDepth();
  return success();
}

LogicalResult SpawnOp::verify() {
  if (failed(lookupInModule<CoreOp>(*this, getImageAttr(), "image")))
    return failure();
  auto module = (*this)->getParentOfType<ModuleOp>();
  for (auto spare : module.getBodyBlock()->getOps<SpareOp>())
    if (spare.getX() == getX() && spare.getY() == getY())
      return success();
  return emitOpError() << "target (" << getX() << ", " << getY()
                       << ") is not a spare core (xpu.spare)";
}

//===----------------------------------------------------------------------===//
// ISA instruction
//===----------------------------------------------------------------------===//

/// An immediate: an integer, or `@symbol` with an optional `+ n` / `- n`.
static ParseResult parseImmediate(OpAsmParser &parser, OperationState &result) {
  Builder &b = parser.getBuilder();
  StringAttr sym;
  if (succeeded(parser.parseOptionalSymbolName(sym))) {
    result.addAttribute("target", FlatSymbolRefAttr::get(sym));
    int32_t addend = 0;
    if (succeeded(parser.parseOptionalPlus())) {
      if (parser.parseInteger(addend))
        return failure();
    } else if (parser.parseOptionalInteger(addend).has_value()) {
      // `- n` lexes as a negative integer.
    }
    if (addend != 0)
      result.addAttribute("imm", b.getI32IntegerAttr(addend));
    return success();
  }
  int32_t value;
  if (parser.parseInteger(value))
    return failure();
  result.addAttribute("imm", b.getI32IntegerAttr(value));
  return success();
}

/// A named operand (CSR, neuron model, reset mode) or a plain integer.
static ParseResult parseNamed(OpAsmParser &parser, ArrayRef<const char *> names,
                              StringRef what, int32_t &value) {
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseOptionalInteger(value).has_value())
    return success();
  StringRef keyword;
  if (parser.parseKeyword(&keyword))
    return failure();
  int index = lookupName(names, keyword);
  if (index < 0)
    return parser.emitError(loc) << "unknown " << what << " '" << keyword
                                 << "'";
  value = index;
  return success();
}

ParseResult InstOp::parse(OpAsmParser &parser, OperationState &result) {
  Builder &b = parser.getBuilder();
  SMLoc loc = parser.getCurrentLocation();
  StringRef mnemonic;
  if (parser.parseKeyword(&mnemonic))
    return failure();
  const IsaOpcode *opcode = lookupIsaOpcode(mnemonic);
  if (!opcode)
    return parser.emitError(loc) << "unknown instruction '" << mnemonic << "'";
  result.addAttribute("mnemonic", b.getStringAttr(mnemonic));

  auto reg = [&](StringRef field) -> ParseResult {
    int32_t value;
    if (parseRegister(parser, value))
      return failure();
    result.addAttribute(field, b.getI32IntegerAttr(value));
    return success();
  };
  auto comma = [&]() { return parser.parseComma(); };
  auto imm = [&]() { return parseImmediate(parser, result); };
  auto setImm = [&](int32_t value) {
    result.addAttribute("imm", b.getI32IntegerAttr(value));
  };

  using F = ::xpu::Format;
  switch (opcode->format) {
  case F::None:
    break;
  case F::RdRsRs:
    if (reg("rd") || comma() || reg("rs1") || comma() || reg("rs2"))
      return failure();
    break;
  case F::RdRsImm:
    if (reg("rd") || comma() || reg("rs1") || comma() || imm())
      return failure();
    break;
  case F::RdImm:
  case F::RdTarget:
  case F::RdMbox:
    if (reg("rd") || comma() || imm())
      return failure();
    break;
  case F::Load:
  case F::Store:
    if (reg(opcode->format == F::Load ? "rd" : "rs2") || comma() || imm() ||
        parser.parseLParen() || reg("rs1") || parser.parseRParen())
      return failure();
    break;
  case F::Branch:
    if (reg("rs1") || comma() || reg("rs2") || comma() || imm())
      return failure();
    break;
  case F::Target:
    if (imm())
      return failure();
    break;
  case F::Rs:
    if (reg("rs1"))
      return failure();
    break;
  case F::RdCsr: {
    int32_t csr;
    if (reg("rd") || comma() || parseNamed(parser, kCsrNames, "CSR", csr))
      return failure();
    setImm(csr);
    break;
  }
  case F::RdRsRsRs:
    if (reg("rd") || comma() || reg("rs1") || comma() || reg("rs2") ||
        comma() || reg("rs3"))
      return failure();
    break;
  case F::RdRsRs3:
    if (reg("rd") || comma() || reg("rs1") || comma() || reg("rs3"))
      return failure();
    break;
  case F::Vreq: {
    int32_t shift;
    if (reg("rd") || comma() || reg("rs1") || comma() || reg("rs3") ||
        comma() || parser.parseInteger(shift))
      return failure();
    bool relu = succeeded(parser.parseOptionalComma());
    if (relu && parser.parseKeyword("relu"))
      return failure();
    setImm(shift | (relu ? 1 << 8 : 0));
    break;
  }
  case F::Nstep: {
    int32_t model, reset;
    if (reg("rd") || comma() || reg("rs1") || comma() || reg("rs2") ||
        comma() || reg("rs3") || comma() ||
        parseNamed(parser, kModelNames, "neuron model", model) || comma() ||
        parseNamed(parser, kResetNames, "reset mode", reset))
      return failure();
    setImm(model | reset << 2);
    break;
  }
  case F::Send:
    if (reg("rs1") || comma() || reg("rs2") || comma() || reg("rs3") ||
        comma() || imm())
      return failure();
    break;
  case F::Recv:
    if (reg("rd") || comma() || reg("rs1") || comma() || imm())
      return failure();
    break;
  case F::Spawn:
    if (reg("rs1") || comma() || reg("rs2") || comma() || imm())
      return failure();
    break;
  }
  return parser.parseOptionalAttrDict(result.attributes);
}

void InstOp::print(OpAsmPrinter &p) {
  const IsaOpcode *opcode = lookupIsaOpcode(getMnemonic());
  p << " " << getMnemonic();
  if (!opcode) { // only reachable when printing an invalid op
    p.printOptionalAttrDict((*this)->getAttrs(), {"mnemonic"});
    return;
  }
  auto reg = [&](std::optional<int32_t> r) { p << "r" << r.value_or(0); };
  auto imm = [&]() {
    int32_t value = getImm().value_or(0);
    if (auto target = getTargetAttr()) {
      p.printAttributeWithoutType(target);
      if (value > 0)
        p << " + " << value;
      else if (value < 0)
        p << " - " << -static_cast<int64_t>(value);
      return;
    }
    p << value;
  };
  int32_t value = getImm().value_or(0);
  using F = ::xpu::Format;
  switch (opcode->format) {
  case F::None:
    break;
  case F::RdRsRs:
    p << " "; reg(getRd()); p << ", "; reg(getRs1()); p << ", "; reg(getRs2());
    break;
  case F::RdRsImm:
    p << " "; reg(getRd()); p << ", "; reg(getRs1()); p << ", "; imm();
    break;
  case F::RdImm:
  case F::RdTarget:
  case F::RdMbox:
    p << " "; reg(getRd()); p << ", "; imm();
    break;
  case F::Load:
  case F::Store:
    p << " "; reg(opcode->format == F::Load ? getRd() : getRs2()); p << ", ";
    imm(); p << "("; reg(getRs1()); p << ")";
    break;
  case F::Branch:
    p << " "; reg(getRs1()); p << ", "; reg(getRs2()); p << ", "; imm();
    break;
  case F::Target:
    p << " "; imm();
    break;
  case F::Rs:
    p << " "; reg(getRs1());
    break;
  case F::RdCsr:
    p << " "; reg(getRd()); p << ", ";
    if (value >= 0 && value < static_cast<int32_t>(std::size(kCsrNames)))
      p << kCsrNames[value];
    else
      p << value;
    break;
  case F::RdRsRsRs:
    p << " "; reg(getRd()); p << ", "; reg(getRs1()); p << ", "; reg(getRs2());
    p << ", "; reg(getRs3());
    break;
  case F::RdRsRs3:
    p << " "; reg(getRd()); p << ", "; reg(getRs1()); p << ", "; reg(getRs3());
    break;
  case F::Vreq:
    p << " "; reg(getRd()); p << ", "; reg(getRs1()); p << ", "; reg(getRs3());
    p << ", " << (value & 0xff);
    if (value & (1 << 8))
      p << ", relu";
    break;
  case F::Nstep:
    p << " "; reg(getRd()); p << ", "; reg(getRs1()); p << ", "; reg(getRs2());
    p << ", "; reg(getRs3());
    p << ", " << kModelNames[value & 3] << ", " << kResetNames[(value >> 2) & 3];
    break;
  case F::Send:
    p << " "; reg(getRs1()); p << ", "; reg(getRs2()); p << ", "; reg(getRs3());
    p << ", "; imm();
    break;
  case F::Recv:
    p << " "; reg(getRd()); p << ", "; reg(getRs1()); p << ", "; imm();
    break;
  case F::Spawn:
    p << " "; reg(getRs1()); p << ", "; reg(getRs2()); p << ", "; imm();
    break;
  }
  p.printOptionalAttrDict((*this)->getAttrs(),
                          {"mnemonic", "rd", "rs1", "rs2", "rs3", "imm",
                           "target"});
}

LogicalResult InstOp::verify() {
  const IsaOpcode *opcode = lookupIsaOpcode(getMnemonic());
  if (!opcode)
    return emitOpError() << "unknown instruction '" << getMnemonic() << "'";
  IsaFields fields = isaFields(opcode->format);
  struct Field {
    const char *name;
    std::optional<int32_t> value;
    bool used;
  } regs[] = {{"rd", getRd(), fields.rd},
              {"rs1", getRs1(), fields.rs1},
              {"rs2", getRs2(), fields.rs2},
              {"rs3", getRs3(), fields.rs3}};
  for (const Field &field : regs) {
    if (field.used != field.value.has_value())
      return emitOpError() << "'" << getMnemonic() << "' "
                           << (field.used ? "needs" : "has no") << " field '"
                           << field.name << "'";
    if (field.value &&
        (*field.value < 0 || *field.value >= int32_t(::xpu::kNumRegisters)))
      return emitOpError() << "register " << field.name << " = "
                           << *field.value << " is not in r0..r15";
  }
  bool hasImm = getImm().has_value() || getTargetAttr();
  if (!fields.imm && hasImm)
    return emitOpError() << "'" << getMnemonic() << "' has no immediate";
  int32_t value = getImm().value_or(0);
  using F = ::xpu::Format;
  switch (opcode->format) {
  case F::Vreq:
    if ((value & ~0x1ff) || (value & 0xff) > 31)
      return emitOpError() << "vreq shift must be in 0..31";
    break;
  case F::Nstep:
    if (value & ~0xf)
      return emitOpError() << "nstep immediate must be model | reset << 2";
    break;
  case F::RdCsr:
    if (value < 0 || value >= int32_t(::xpu::kNumCsrs))
      return emitOpError() << "CSR " << value << " does not exist";
    break;
  case F::Send:
  case F::Recv:
  case F::RdMbox:
    if (!getTargetAttr()) {
      ChipAttr chip = chipOf(*this);
      if (chip && (value < 0 || uint32_t(value) >= chip.getMailboxes()))
        return emitOpError() << "mailbox " << value
                             << " does not exist; the chip has "
                             << chip.getMailboxes() << " per core";
    }
    break;
  default:
    break;
  }
  if (auto target = getTargetAttr()) {
    auto core = (*this)->getParentOfType<CoreOp>();
    Operation *found = core.lookupSymbol(target.getAttr());
    if (!found)
      if (auto module = core->getParentOfType<ModuleOp>())
        found = module.lookupSymbol(target.getAttr());
    if (!found ||
        !isa<LabelOp, BufferOp, CoreOp, GroupOp, ChannelOp>(found))
      return emitOpError() << "unknown symbol " << target
                           << " (expected a label, buffer, core, group or "
                              "channel)";
  }
  return success();
}

#define GET_OP_CLASSES
#include "dialects/Xpu/XpuOps.cpp.inc"
