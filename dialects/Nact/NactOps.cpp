// Verifiers and port lookup of the nact ops.
#include "dialects/Nact/NactOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"

using namespace mlir;
using namespace xpu::nact;

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

/// Elements of a port type: the product of a static shape, 1 for scalars.
static int64_t numElements(Type type) {
  if (auto shaped = dyn_cast<ShapedType>(type))
    return shaped.hasStaticShape() ? shaped.getNumElements() : -1;
  return 1;
}

/// Shapes with dynamic dimensions are left to nact-infer-shapes; the shape
/// checks below only apply once both sides are static.
static bool isStatic(Type type) {
  auto shaped = dyn_cast<ShapedType>(type);
  return !shaped || shaped.hasStaticShape();
}

static ArrayRef<int64_t> shapeOf(Type type) {
  if (auto shaped = dyn_cast<ShapedType>(type))
    if (shaped.hasRank())
      return shaped.getShape();
  return {};
}

static std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s = "[";
  llvm::raw_string_ostream os(s);
  llvm::interleaveComma(shape, os);
  os << "]";
  return os.str();
}

/// Calls `fn` on every numeric element of `attr` as a double; false stops.
static bool allElements(ElementsAttr attr, function_ref<bool(double)> fn) {
  auto values = attr.tryGetValues<Attribute>();
  if (!values) // e.g. dense_resource: nothing to check without the blob
    return true;
  for (Attribute value : *values) {
    double d;
    if (auto f = dyn_cast<FloatAttr>(value))
      d = f.getValueAsDouble();
    else if (auto i = dyn_cast<IntegerAttr>(value))
      d = static_cast<double>(i.getValue().getSExtValue());
    else
      continue;
    if (!fn(d))
      return false;
  }
  return true;
}

/// A per-neuron parameter has one element (broadcast) or one per neuron.
static LogicalResult checkPerNeuron(Operation *op, StringRef name,
                                    ElementsAttr attr, int64_t neurons) {
  int64_t n = attr.getNumElements();
  if (n != 1 && neurons >= 0 && n != neurons)
    return op->emitOpError() << "parameter '" << name << "' has " << n
                             << " elements; expected 1 or " << neurons;
  return success();
}

static LogicalResult checkPositive(Operation *op, StringRef name,
                                   ElementsAttr attr) {
  if (!allElements(attr, [](double d) { return d > 0; }))
    return op->emitOpError() << "parameter '" << name << "' must be positive";
  return success();
}

static LogicalResult checkSameShape(Operation *op, Type in, Type out) {
  if (!isStatic(in) || !isStatic(out))
    return success();
  if (shapeOf(in) != shapeOf(out) || numElements(in) != numElements(out))
    return op->emitOpError() << "input and output shapes must be equal, got "
                             << shapeStr(shapeOf(in)) << " and "
                             << shapeStr(shapeOf(out));
  return success();
}

/// weight is [N_out, N_in] over the flattened port shapes.
static LogicalResult checkDenseWeight(Operation *op, ElementsAttr weight,
                                      Type in, Type out) {
  if (!isStatic(in) || !isStatic(out))
    return success();
  SmallVector<int64_t, 2> expected{numElements(out), numElements(in)};
  ArrayRef<int64_t> got = shapeOf(weight.getShapedType());
  if (got != ArrayRef<int64_t>(expected))
    return op->emitOpError() << "weight has shape " << shapeStr(got)
                             << "; expected [N_out, N_in] = "
                             << shapeStr(expected);
  return success();
}

static LogicalResult checkBias(Operation *op, ElementsAttr bias,
                               int64_t expected) {
  if (bias.getNumElements() != expected)
    return op->emitOpError() << "bias has " << bias.getNumElements()
                             << " elements; expected " << expected;
  return success();
}

static LogicalResult checkPair(Operation *op, StringRef name,
                               ArrayRef<int64_t> values, int64_t min) {
  if (values.size() != 2)
    return op->emitOpError() << "'" << name << "' must have 2 entries (H, W)";
  if (values[0] < min || values[1] < min)
    return op->emitOpError() << "'" << name << "' entries must be >= " << min;
  return success();
}

static LogicalResult checkComputedShape(Operation *op, Type out,
                                        ArrayRef<int64_t> computed) {
  if (shapeOf(out) != computed)
    return op->emitOpError() << "output shape " << shapeStr(shapeOf(out))
                             << " does not match the computed shape "
                             << shapeStr(computed);
  return success();
}

/// Output size of a sliding window along one dimension.
static int64_t windowOut(int64_t in, int64_t kernel, int64_t stride,
                         int64_t pad, int64_t dilation) {
  return (in + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1;
}

static LogicalResult checkSpiking(Operation *op, ResetMode reset,
                                  std::optional<ElementsAttr> vReset,
                                  int64_t neurons) {
  if (reset == ResetMode::ToValue && !vReset)
    return op->emitOpError() << "reset to_value needs a 'v_reset' parameter";
  if (vReset)
    return checkPerNeuron(op, "v_reset", *vReset, neurons);
  return success();
}

//===----------------------------------------------------------------------===//
// Graph
//===----------------------------------------------------------------------===//

LogicalResult GraphOp::verify() {
  if (!(getDt().convertToDouble() > 0))
    return emitOpError() << "dt must be positive";
  return success();
}

Type GraphOp::getInputPortType(StringRef name) {
  if (auto input = dyn_cast_or_null<InputOp>(lookupSymbol(name)))
    return input.getType();
  return {};
}

Type GraphOp::getOutputPortType(StringRef name) {
  if (auto output = dyn_cast_or_null<OutputOp>(lookupSymbol(name)))
    return output.getType();
  return {};
}

namespace {
/// Finds a cycle of actors whose messages all arrive in the same timestep.
class CycleFinder {
public:
  explicit CycleFinder(GraphOp graph) : graph(graph), table(graph) {}

  void addEdge(SymbolRefAttr src, SymbolRefAttr dst, Operation *channel) {
    // Graph inputs and outputs are not actors: they cannot close a cycle.
    if (src.getNestedReferences().empty() || dst.getNestedReferences().empty())
      return;
    StringAttr from = src.getRootReference(), to = dst.getRootReference();
    if (delays(from) || delays(to))
      return;
    edges[from].push_back({to, channel});
  }

  /// Returns the channels of a cycle, in order, or an empty list.
  SmallVector<Operation *> find() {
    for (auto &entry : edges)
      if (color[entry.first] == White && dfs(entry.first))
        return cycle;
    return {};
  }

private:
  enum Color { White, Grey, Black };
  struct Edge {
    StringAttr to;
    Operation *channel;
  };

  bool delays(StringAttr name) {
    auto actor = dyn_cast_or_null<ActorOpInterface>(table.lookup(name));
    return actor && actor.delaysMessages();
  }

  bool dfs(StringAttr node) {
    color[node] = Grey;
    for (const Edge &edge : edges.lookup(node)) {
      path.push_back(edge.channel);
      if (color[edge.to] == Grey) {
        // The cycle is the suffix of the path that starts at edge.to.
        auto it = llvm::find_if(path, [&](Operation *ch) {
          return getSrcRoot(ch) == edge.to;
        });
        cycle.assign(it, path.end());
        return true;
      }
      if (color[edge.to] == White && dfs(edge.to))
        return true;
      path.pop_back();
    }
    color[node] = Black;
    return false;
  }

  static StringAttr getSrcRoot(Operation *channel) {
    if (auto ch = dyn_cast<ChannelOp>(channel))
      return ch.getSrc().getRootReference();
    return cast<MulticastOp>(channel).getSrc().getRootReference();
  }

  GraphOp graph;
  SymbolTable table; // hashed lookups keep the check linear in the graph
  llvm::MapVector<StringAttr, SmallVector<Edge>> edges;
  llvm::DenseMap<StringAttr, Color> color;
  SmallVector<Operation *> path, cycle;
};
} // namespace

LogicalResult GraphOp::verifyRegions() {
  if (getSync() != SyncMode::Barrier)
    return success();
  CycleFinder finder(*this);
  for (Operation &op : *getBodyBlock()) {
    if (auto ch = dyn_cast<ChannelOp>(op)) {
      if (!ch.getDelayed())
        finder.addEdge(ch.getSrc(), ch.getDst(), ch);
    } else if (auto mc = dyn_cast<MulticastOp>(op)) {
      if (!mc.getDelayed())
        for (auto dst : mc.getDsts().getAsRange<SymbolRefAttr>())
          finder.addEdge(mc.getSrc(), dst, mc);
    }
  }
  SmallVector<Operation *> cycle = finder.find();
  if (cycle.empty())
    return success();
  InFlightDiagnostic diag =
      emitOpError() << "has a cycle without a delay in a barrier graph; add a "
                       "nact.delay actor or mark a channel 'delayed'";
  for (Operation *channel : cycle)
    diag.attachNote(channel->getLoc()) << "channel of the cycle";
  return diag;
}

//===----------------------------------------------------------------------===//
// Built-in actors
//===----------------------------------------------------------------------===//

LogicalResult LinearOp::verify() {
  return checkDenseWeight(*this, getWeight(), getInType(), getOutType());
}

LogicalResult AffineOp::verify() {
  if (failed(checkDenseWeight(*this, getWeight(), getInType(), getOutType())))
    return failure();
  return checkBias(*this, getBias(), numElements(getOutType()));
}

LogicalResult ExpertOp::verify() {
  if (failed(checkDenseWeight(*this, getWeight(), getInType(), getOutType())))
    return failure();
  return checkBias(*this, getBias(), numElements(getOutType()));
}

LogicalResult PoolOp::verify() {
  auto w = getWeight().getShapedType();
  if (!w.hasRank() || w.getRank() != 2)
    return emitOpError() << "template weight must be [O, D]";
  const int64_t O = w.getDimSize(0), D = w.getDimSize(1), N = getJobs();
  if (N < 1 || N > 127)
    return emitOpError() << "'jobs' must be in 1..127, got " << N;
  if (getJobsPerWorker() < 1 || getMaxWorkers() < 1)
    return emitOpError() << "'jobs_per_worker' and 'max_workers' must be >= 1";
  if (getOnBound() != "self" && getOnBound() != "drop")
    return emitOpError() << "'on_bound' must be \"self\" or \"drop\", got \""
                         << getOnBound() << "\"";
  if (isStatic(getInType()) && numElements(getInType()) != 1 + N * D)
    return emitOpError() << "input must have 1 + jobs x D = " << 1 + N * D
                         << " elements";
  if (isStatic(getOutType()) && numElements(getOutType()) != N * O + 2)
    return emitOpError() << "output must have jobs x O + 2 = " << N * O + 2
                         << " elements";
  if (auto b = getBias())
    return checkBias(*this, *b, O);
  return success();
}

LogicalResult ScaleOp::verify() {
  if (failed(checkSameShape(*this, getInType(), getOutType())))
    return failure();
  return checkPerNeuron(*this, "scale", getScale(), numElements(getOutType()));
}

LogicalResult ThresholdOp::verify() {
  if (failed(checkSameShape(*this, getInType(), getOutType())))
    return failure();
  return checkPerNeuron(*this, "threshold", getThreshold(),
                        numElements(getOutType()));
}

LogicalResult DelayOp::verify() {
  if (failed(checkSameShape(*this, getInType(), getOutType())) ||
      failed(checkPerNeuron(*this, "delay", getDelay(),
                            numElements(getOutType()))))
    return failure();
  if (!allElements(getDelay(), [](double d) { return d >= 0; }))
    return emitOpError() << "parameter 'delay' must be non-negative";
  return success();
}

bool DelayOp::delaysMessages() { return true; }

LogicalResult Conv2dOp::verify() {
  ArrayRef<int64_t> in = shapeOf(getInType()), out = shapeOf(getOutType());
  if (in.size() != 3 || out.size() != 3)
    return emitOpError() << "ports must be [C, H, W] tensors";
  if (failed(checkPair(*this, "stride", getStride(), 1)) ||
      failed(checkPair(*this, "padding", getPadding(), 0)) ||
      failed(checkPair(*this, "dilation", getDilation(), 1)))
    return failure();
  int64_t groups = getGroups();
  if (groups < 1 || in[0] % groups != 0)
    return emitOpError() << "groups (" << groups
                         << ") must be positive and divide the " << in[0]
                         << " input channels";
  ArrayRef<int64_t> w = shapeOf(getWeight().getShapedType());
  if (w.size() != 4 || w[0] != out[0] || w[1] != in[0] / groups)
    return emitOpError() << "weight has shape " << shapeStr(w)
                         << "; expected [C_out, C_in / groups, kH, kW] with "
                            "C_out = "
                         << out[0] << " and C_in / groups = " << in[0] / groups;
  if (failed(checkBias(*this, getBias(), out[0])))
    return failure();
  SmallVector<int64_t, 3> computed{
      out[0],
      windowOut(in[1], w[2], getStride()[0], getPadding()[0], getDilation()[0]),
      windowOut(in[2], w[3], getStride()[1], getPadding()[1],
                getDilation()[1])};
  return checkComputedShape(*this, getOutType(), computed);
}

LogicalResult SumPool2dOp::verify() {
  ArrayRef<int64_t> in = shapeOf(getInType());
  if (in.size() != 3 || shapeOf(getOutType()).size() != 3)
    return emitOpError() << "ports must be [C, H, W] tensors";
  if (failed(checkPair(*this, "kernel_size", getKernelSize(), 1)) ||
      failed(checkPair(*this, "stride", getStride(), 1)) ||
      failed(checkPair(*this, "padding", getPadding(), 0)))
    return failure();
  SmallVector<int64_t, 3> computed{
      in[0],
      windowOut(in[1], getKernelSize()[0], getStride()[0], getPadding()[0], 1),
      windowOut(in[2], getKernelSize()[1], getStride()[1], getPadding()[1], 1)};
  return checkComputedShape(*this, getOutType(), computed);
}

LogicalResult FlattenOp::verify() {
  ArrayRef<int64_t> in = shapeOf(getInType());
  int64_t rank = in.size();
  int64_t start = getStartDim(), end = getEndDim();
  if (start < 0)
    start += rank;
  if (end < 0)
    end += rank;
  if (start < 0 || end >= rank || start > end)
    return emitOpError() << "dimensions " << getStartDim() << ".."
                         << getEndDim() << " are out of range for rank "
                         << rank;
  SmallVector<int64_t> computed(in.begin(), in.begin() + start);
  int64_t merged = 1;
  for (int64_t d = start; d <= end; ++d)
    merged *= in[d];
  computed.push_back(merged);
  computed.append(in.begin() + end + 1, in.end());
  return checkComputedShape(*this, getOutType(), computed);
}

LogicalResult LIOp::verify() {
  int64_t n = numElements(getOutType());
  if (failed(checkSameShape(*this, getInType(), getOutType())) ||
      failed(checkPerNeuron(*this, "tau", getTau(), n)) ||
      failed(checkPerNeuron(*this, "r", getR(), n)) ||
      failed(checkPerNeuron(*this, "v_leak", getVLeak(), n)))
    return failure();
  return checkPositive(*this, "tau", getTau());
}

LogicalResult LIFOp::verify() {
  int64_t n = numElements(getOutType());
  if (failed(checkSameShape(*this, getInType(), getOutType())) ||
      failed(checkPerNeuron(*this, "tau", getTau(), n)) ||
      failed(checkPerNeuron(*this, "r", getR(), n)) ||
      failed(checkPerNeuron(*this, "v_leak", getVLeak(), n)) ||
      failed(checkPerNeuron(*this, "v_threshold", getVThreshold(), n)) ||
      failed(checkPositive(*this, "tau", getTau())))
    return failure();
  return checkSpiking(*this, getReset(), getVReset(), n);
}

LogicalResult CubaLIFOp::verify() {
  int64_t n = numElements(getOutType());
  if (failed(checkSameShape(*this, getInType(), getOutType())) ||
      failed(checkPerNeuron(*this, "tau_mem", getTauMem(), n)) ||
      failed(checkPerNeuron(*this, "tau_syn", getTauSyn(), n)) ||
      failed(checkPerNeuron(*this, "r", getR(), n)) ||
      failed(checkPerNeuron(*this, "v_leak", getVLeak(), n)) ||
      failed(checkPerNeuron(*this, "v_threshold", getVThreshold(), n)) ||
      failed(checkPerNeuron(*this, "w_in", getWIn(), n)) ||
      failed(checkPositive(*this, "tau_mem", getTauMem())) ||
      failed(checkPositive(*this, "tau_syn", getTauSyn())))
    return failure();
  return checkSpiking(*this, getReset(), getVReset(), n);
}

LogicalResult IFOp::verify() {
  int64_t n = numElements(getOutType());
  if (failed(checkSameShape(*this, getInType(), getOutType())) ||
      failed(checkPerNeuron(*this, "r", getR(), n)) ||
      failed(checkPerNeuron(*this, "v_threshold", getVThreshold(), n)))
    return failure();
  return checkSpiking(*this, getReset(), getVReset(), n);
}

//===----------------------------------------------------------------------===//
// Mixture of experts
//===----------------------------------------------------------------------===//

FailureOr<std::pair<int64_t, int64_t>> MoERouterOp::tokenShape() {
  ArrayRef<int64_t> in = shapeOf(getInType());
  if (in.size() == 2 && (!getTokens() || static_cast<int64_t>(*getTokens()) == in[0]))
    return std::make_pair(in[0], in[1]);
  if (in.size() == 1 && getTokens() && *getTokens() >= 1 && in[0] % static_cast<int64_t>(*getTokens()) == 0)
    return std::make_pair(static_cast<int64_t>(*getTokens()), in[0] / static_cast<int64_t>(*getTokens()));
  return failure();
}

LogicalResult MoERouterOp::verify() {
  ArrayRef<int64_t> in = shapeOf(getInType()), out = shapeOf(getOutType());
  int64_t experts = getExperts().size();
  if (!isCombining()) {
    if (in.size() != 2 || out.size() != 1 || in[1] != out[0])
      return emitOpError() << "input must be [T, D] tokens and output one [D] "
                              "token, got "
                           << shapeStr(in) << " and " << shapeStr(out);
  } else {
    FailureOr<std::pair<int64_t, int64_t>> td = tokenShape();
    if (failed(td))
      return emitOpError() << "input must be [T, D] tokens, or [T*D] with "
                              "'tokens' = T, got "
                           << shapeStr(in);
    const int64_t t = td->first;
    auto outT = dyn_cast<RankedTensorType>(getOutType());
    int64_t outElems = numElements(getOutType());
    if (!outT || !outT.getElementType().isSignlessInteger(32) || outElems <= 0 || outElems % t != 0 ||
        (out.size() == 2 && out[0] != t) || out.size() > 2)
      return emitOpError() << "a combining router produces [T, O] (or [T*O]) i32 "
                              "with T = "
                           << t << ", got " << getOutType();
    if (*getCapacity() < 1 || static_cast<int64_t>(*getCapacity()) > t)
      return emitOpError() << "'capacity' must be in 1.." << t << " (tokens), got " << *getCapacity();
    if (getGateShift() && *getGateShift() > 31)
      return emitOpError() << "'gate_shift' must be in 0..31, got " << *getGateShift();
    if (getCapacityFactor())
      return emitOpError() << "takes 'capacity' or 'capacity_factor', not both";
  }
  if (experts == 0)
    return emitOpError() << "needs at least one expert";
  int64_t dim = isCombining() ? tokenShape()->second : shapeOf(getInType())[1];
  SmallVector<int64_t, 2> weightShape{experts, dim};
  if (shapeOf(getWeight().getShapedType()) != ArrayRef<int64_t>(weightShape))
    return emitOpError() << "weight has shape "
                         << shapeStr(shapeOf(getWeight().getShapedType()))
                         << "; expected [E, D] = " << shapeStr(weightShape);
  if (getMode() == RoutingMode::TokenChoice) {
    if (!getK() || static_cast<int64_t>(*getK()) < 1 ||
        static_cast<int64_t>(*getK()) > experts)
      return emitOpError() << "token_choice needs 'k' in 1.." << experts;
  } else if (getK()) {
    return emitOpError() << "only token_choice takes 'k'";
  } else if (!isCombining() && (!getCapacityFactor() ||
             !(getCapacityFactor()->convertToDouble() > 0))) {
    return emitOpError() << "expert_choice needs a positive 'capacity_factor'";
  }
  return success();
}

LogicalResult
MoERouterOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  for (auto ref : getExperts().getAsRange<FlatSymbolRefAttr>()) {
    auto expert = symbolTable.lookupNearestSymbolFrom<ExpertOp>(*this, ref);
    if (!expert)
      return emitOpError() << "'" << ref << "' is not a nact.expert";
    Type token = getOutType();
    if (isCombining())
      token = RankedTensorType::get({tokenShape()->second},
                                    cast<ShapedType>(getInType()).getElementType());
    if (expert.getInType() != token) {
      InFlightDiagnostic diag = emitOpError()
                                << "expert " << ref << " takes "
                                << expert.getInType()
                                << " but the router sends " << token;
      diag.attachNote(expert.getLoc()) << "expert defined here";
      return diag;
    }
    if (isCombining()) {
      const int64_t t = tokenShape()->first;
      Type reply = RankedTensorType::get({numElements(getOutType()) / t},
                                         IntegerType::get(getContext(), 8));
      if (expert.getOutType() != reply) {
        InFlightDiagnostic diag = emitOpError()
                                  << "expert " << ref << " produces "
                                  << expert.getOutType()
                                  << " but the router combines " << reply
                                  << " per token";
        diag.attachNote(expert.getLoc()) << "expert defined here";
        return diag;
      }
    }
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Templates and user actors
//===----------------------------------------------------------------------===//

PortOp TemplateOp::lookupPort(StringRef name, PortDirection dir) {
  auto port = dyn_cast_or_null<PortOp>(lookupSymbol(name));
  return port && port.getDirection() == dir ? port : PortOp();
}

/// Templates are found in any enclosing symbol table (graphs nest, and a
/// template may sit at module level), the innermost first.
static TemplateOp findTemplate(Operation *from, FlatSymbolRefAttr ref) {
  for (Operation *scope = from->getParentOp(); scope;
       scope = scope->getParentOp())
    if (scope->hasTrait<OpTrait::SymbolTable>())
      if (auto tmpl = dyn_cast_or_null<TemplateOp>(
              SymbolTable::lookupSymbolIn(scope, ref.getAttr())))
        return tmpl;
  return {};
}

TemplateOp ActorOp::lookupTemplate() {
  return findTemplate(*this, getTemplateNameAttr());
}

Type ActorOp::getInputPortType(StringRef name) {
  if (TemplateOp tmpl = lookupTemplate())
    if (PortOp port = tmpl.lookupPort(name, PortDirection::In))
      return port.getType();
  return {};
}

Type ActorOp::getOutputPortType(StringRef name) {
  if (TemplateOp tmpl = lookupTemplate())
    if (PortOp port = tmpl.lookupPort(name, PortDirection::Out))
      return port.getType();
  return {};
}

static LogicalResult verifyTemplateRef(Operation *op, FlatSymbolRefAttr ref,
                                       SymbolTableCollection &symbolTable) {
  if (!findTemplate(op, ref))
    return op->emitOpError() << "unknown template " << ref;
  return success();
}

LogicalResult ActorOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  return verifyTemplateRef(*this, getTemplateNameAttr(), symbolTable);
}

LogicalResult SpawnOp::verify() {
  if (!getBound())
    return emitOpError() << "spawn of " << getTemplateNameAttr()
                         << " is unbounded; give it a static 'bound'";
  if (static_cast<int64_t>(*getBound()) < 1)
    return emitOpError() << "bound must be positive, got "
                         << static_cast<int64_t>(*getBound());
  return success();
}

LogicalResult SpawnOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  return verifyTemplateRef(*this, getTemplateNameAttr(), symbolTable);
}

LogicalResult HandlerOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto tmpl = (*this)->getParentOfType<TemplateOp>();
  PortOp port = tmpl.lookupPort(getPort(), PortDirection::In);
  if (!port)
    return emitOpError() << getPortAttr() << " is not an input port of "
                         << "@" << tmpl.getSymName();
  Block &body = getBody().front();
  if (body.getNumArguments() != 1 ||
      body.getArgument(0).getType() != port.getType())
    return emitOpError() << "body must take one argument of the port's type "
                         << port.getType();
  return success();
}

/// State ops name a state variable of the enclosing template.
static FailureOr<StateOp> lookupState(Operation *op, FlatSymbolRefAttr ref,
                                      Type type) {
  auto tmpl = op->getParentOfType<TemplateOp>();
  if (!tmpl)
    return op->emitOpError() << "must be inside a nact.template";
  auto state = dyn_cast_or_null<StateOp>(tmpl.lookupSymbol(ref.getAttr()));
  if (!state)
    return op->emitOpError() << "unknown state " << ref;
  if (state.getType() != type)
    return op->emitOpError() << "state " << ref << " has type "
                             << state.getType() << ", not " << type;
  return state;
}

LogicalResult StateReadOp::verifySymbolUses(SymbolTableCollection &) {
  return lookupState(*this, getStateAttr(), getValue().getType());
}

LogicalResult StateWriteOp::verifySymbolUses(SymbolTableCollection &) {
  return lookupState(*this, getStateAttr(), getValue().getType());
}

LogicalResult EmitOp::verifySymbolUses(SymbolTableCollection &) {
  auto tmpl = (*this)->getParentOfType<TemplateOp>();
  if (!tmpl)
    return emitOpError() << "must be inside a nact.template";
  PortOp port = tmpl.lookupPort(getPort(), PortDirection::Out);
  if (!port)
    return emitOpError() << getPortAttr() << " is not an output port of "
                         << "@" << tmpl.getSymName();
  if (port.getType() != getValue().getType())
    return emitOpError() << "port " << getPortAttr() << " carries "
                         << port.getType() << ", not "
                         << getValue().getType();
  return success();
}

//===----------------------------------------------------------------------===//
// Channels
//===----------------------------------------------------------------------===//

namespace {
struct Endpoint {
  Operation *op; // the actor, or the graph input/output
  Type type;
};
} // namespace

/// Resolves `@actor::@port` (or `@input`/`@output` of the graph) to the op
/// that owns the port and the port's message type.
static FailureOr<Endpoint> resolveEndpoint(Operation *user, SymbolRefAttr ref,
                                           bool isSource,
                                           SymbolTableCollection &tables) {
  auto graph = user->getParentOfType<GraphOp>();
  // The collection caches a hash table per graph: linear lookups here made
  // verifying a graph quadratic in its size.
  Operation *target = tables.lookupSymbolIn(graph, ref.getRootReference());
  if (ref.getNestedReferences().empty()) {
    if (isSource) {
      if (auto input = dyn_cast_or_null<InputOp>(target))
        return Endpoint{input, input.getType()};
      return user->emitOpError()
             << ref << " is not an input of the enclosing graph; name an "
                       "actor's port as @actor::@port";
    }
    if (auto output = dyn_cast_or_null<OutputOp>(target))
      return Endpoint{output, output.getType()};
    return user->emitOpError()
           << ref << " is not an output of the enclosing graph; name an "
                     "actor's port as @actor::@port";
  }
  if (ref.getNestedReferences().size() != 1)
    return user->emitOpError() << "endpoint " << ref
                               << " must be @actor::@port or @name";
  if (!target)
    return user->emitOpError() << "unknown actor @"
                               << ref.getRootReference().getValue();
  auto actor = dyn_cast<ActorOpInterface>(target);
  if (!actor) {
    InFlightDiagnostic diag = user->emitOpError()
                              << "@" << ref.getRootReference().getValue()
                              << " is not an actor";
    diag.attachNote(target->getLoc()) << "defined here";
    return diag;
  }
  StringRef port = ref.getLeafReference().getValue();
  Type type = isSource ? actor.getOutputPortType(port)
                       : actor.getInputPortType(port);
  if (!type) {
    InFlightDiagnostic diag = user->emitOpError()
                              << "actor @" << ref.getRootReference().getValue()
                              << " has no " << (isSource ? "output" : "input")
                              << " port @" << port;
    diag.attachNote(target->getLoc()) << "actor defined here";
    return diag;
  }
  return Endpoint{target, type};
}

static LogicalResult verifyConnection(Operation *user, SymbolRefAttr srcRef,
                                      SymbolRefAttr dstRef,
                                      SymbolTableCollection &tables) {
  FailureOr<Endpoint> src = resolveEndpoint(user, srcRef, /*isSource=*/true, tables);
  if (failed(src))
    return failure();
  FailureOr<Endpoint> dst = resolveEndpoint(user, dstRef, /*isSource=*/false, tables);
  if (failed(dst))
    return failure();
  if (src->type == dst->type)
    return success();
  // A dynamic dimension on either side matches (nact-infer-shapes fills it).
  auto st = dyn_cast<RankedTensorType>(src->type);
  auto dt = dyn_cast<RankedTensorType>(dst->type);
  if (st && dt && (!st.hasStaticShape() || !dt.hasStaticShape()) &&
      st.getElementType() == dt.getElementType() &&
      succeeded(verifyCompatibleShape(st.getShape(), dt.getShape())))
    return success();
  bool shapesDiffer = shapeOf(src->type) != shapeOf(dst->type) ||
                      numElements(src->type) != numElements(dst->type);
  InFlightDiagnostic diag = user->emitOpError();
  if (shapesDiffer)
    diag << "shape mismatch: " << srcRef << " sends "
         << shapeStr(shapeOf(src->type)) << " but " << dstRef << " expects "
         << shapeStr(shapeOf(dst->type));
  else
    diag << "type mismatch: " << srcRef << " sends " << src->type << " but "
         << dstRef << " expects " << dst->type;
  diag.attachNote(src->op->getLoc()) << "source port defined here";
  diag.attachNote(dst->op->getLoc()) << "destination port defined here";
  return diag;
}

static LogicalResult checkCapacity(Operation *op, int64_t capacity) {
  if (capacity <= 0)
    return op->emitOpError() << "mailbox capacity must be positive, got "
                             << capacity;
  return success();
}

LogicalResult ChannelOp::verify() { return checkCapacity(*this, getCapacity()); }

LogicalResult ChannelOp::verifySymbolUses(SymbolTableCollection &tables) {
  return verifyConnection(*this, getSrc(), getDst(), tables);
}

LogicalResult MulticastOp::verify() {
  if (getDsts().empty())
    return emitOpError() << "needs at least one destination";
  return checkCapacity(*this, getCapacity());
}

LogicalResult MulticastOp::verifySymbolUses(SymbolTableCollection &tables) {
  for (auto dst : getDsts().getAsRange<SymbolRefAttr>())
    if (failed(verifyConnection(*this, getSrc(), dst, tables)))
      return failure();
  return success();
}

#define GET_OP_CLASSES
#include "dialects/Nact/NactOps.cpp.inc"
