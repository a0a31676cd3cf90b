// Import of actor graphs into nact, export of nact graphs (with the mapping
// attributes) back to the actor-graph model. See NactBridge.h.
#include "compiler/lib/Frontend/NactBridge.h"

#include "dialects/Nact/NactOps.h"
#include "dialects/Xpu/XpuOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"

#include <cmath>
#include <map>

using namespace mlir;

namespace xpu::bridge {
namespace {

using graph::Actor;
using graph::ActorKind;
using graph::DType;

Type elemType(MLIRContext *ctx, DType t) {
  return IntegerType::get(ctx, t == DType::I8 ? 8 : 32);
}

RankedTensorType vec(MLIRContext *ctx, uint32_t n, DType t) {
  return RankedTensorType::get({int64_t(n)}, elemType(ctx, t));
}

DenseElementsAttr f32Splat(MLIRContext *ctx, double v) {
  return DenseElementsAttr::get(RankedTensorType::get({1}, Float32Type::get(ctx)), float(v));
}

DictionaryAttr fixedPointDict(Builder &b, const sem::NeuronParams &p) {
  return b.getDictionaryAttr({
      b.getNamedAttr("dv", b.getI32IntegerAttr(p.dv)),
      b.getNamedAttr("du", b.getI32IntegerAttr(p.du)),
      b.getNamedAttr("v_threshold", b.getI32IntegerAttr(p.vth)),
      b.getNamedAttr("v_reset", b.getI32IntegerAttr(p.vReset)),
      b.getNamedAttr("bias", b.getI32IntegerAttr(p.bias)),
  });
}

nact::ResetMode toNactReset(ResetMode r) {
  switch (r) {
  case ResetMode::Subtract: return nact::ResetMode::Subtract;
  case ResetMode::ToValue: return nact::ResetMode::ToValue;
  default: return nact::ResetMode::Zero;
  }
}

/// NIR time constant equivalent to a per-step decay of dv/4096 (informative:
/// the fixed-point parameters are authoritative).
double tauOf(double dt, int32_t d) { return d > 0 ? dt * 4096.0 / d : 1.0e30; }

} // namespace

nact::GraphOp importActorGraph(ModuleOp module, const graph::ActorGraph &g) {
  MLIRContext *ctx = module.getContext();
  OpBuilder b(ctx);
  b.setInsertionPointToEnd(module.getBody());
  Location loc = b.getUnknownLoc();
  auto graphOp = b.create<nact::GraphOp>(
      loc, b.getStringAttr(g.name), b.getF64FloatAttr(g.dt),
      nact::SyncModeAttr::get(ctx, g.sync == graph::SyncMode::Barrier ? nact::SyncMode::Barrier
                                                                        : nact::SyncMode::Free));
  graphOp.getBody().emplaceBlock();
  b.setInsertionPointToEnd(graphOp.getBodyBlock());

  for (const Actor &a : g.actors) {
    Location aloc = NameLoc::get(b.getStringAttr(a.pointer.empty() ? a.name : a.pointer));
    auto name = b.getStringAttr(a.name);
    auto inT = TypeAttr::get(vec(ctx, a.inSize ? a.inSize : a.outSize, a.inType));
    auto outT = TypeAttr::get(vec(ctx, a.outSize, a.outType));
    switch (a.kind) {
    case ActorKind::Input:
      b.create<nact::InputOp>(aloc, name, outT);
      break;
    case ActorKind::Linear: {
      auto wType = RankedTensorType::get({int64_t(a.outSize), int64_t(a.inSize)}, IntegerType::get(ctx, 8));
      auto weight = DenseElementsAttr::get(wType, ArrayRef<int8_t>(a.weight));
      Operation *op;
      if (!a.bias.empty()) {
        auto bias = DenseElementsAttr::get(RankedTensorType::get({int64_t(a.outSize)}, IntegerType::get(ctx, 32)),
                                           ArrayRef<int32_t>(a.bias));
        op = b.create<nact::AffineOp>(aloc, name, inT, outT, weight, bias);
      } else {
        op = b.create<nact::LinearOp>(aloc, name, inT, outT, weight);
      }
      if (a.requantize)
        op->setAttr(kRequantizeAttr,
                    b.getDictionaryAttr({b.getNamedAttr("shift", b.getI32IntegerAttr(a.requantize->shift)),
                                         b.getNamedAttr("relu", b.getBoolAttr(a.requantize->relu))}));
      break;
    }
    case ActorKind::Moe: {
      const graph::MoeParams &m = a.moe;
      auto i8 = IntegerType::get(ctx, 8);
      SmallVector<Attribute> experts;
      for (uint32_t e = 0; e < m.experts; ++e)
        experts.push_back(FlatSymbolRefAttr::get(ctx, a.name + ".e" + std::to_string(e)));
      auto rw = DenseElementsAttr::get(RankedTensorType::get({int64_t(m.experts), int64_t(m.dim)}, i8),
                                       ArrayRef<int8_t>(m.routerWeight));
      const bool topK = m.routing == graph::MoeRouting::TopK;
      b.create<nact::MoERouterOp>(
          aloc, name, inT, outT, b.getArrayAttr(experts),
          nact::RoutingModeAttr::get(ctx, topK ? nact::RoutingMode::TokenChoice : nact::RoutingMode::ExpertChoice),
          rw, topK ? b.getI64IntegerAttr(m.k) : IntegerAttr(), FloatAttr(), b.getI64IntegerAttr(m.tokens),
          b.getI64IntegerAttr(m.capacity), b.getI64IntegerAttr(m.gateShift));
      auto tokenT = TypeAttr::get(vec(ctx, m.dim, DType::I8));
      auto replyT = TypeAttr::get(vec(ctx, m.outDim, DType::I8));
      for (uint32_t e = 0; e < m.experts; ++e) {
        const size_t rows = size_t(m.outDim);
        std::vector<int8_t> w(m.expertWeight.begin() + e * rows * m.dim, m.expertWeight.begin() + (e + 1) * rows * m.dim);
        std::vector<int32_t> bias(rows, 0);
        if (!m.expertBias.empty()) bias.assign(m.expertBias.begin() + e * rows, m.expertBias.begin() + (e + 1) * rows);
        auto op = b.create<nact::ExpertOp>(
            aloc, b.getStringAttr(a.name + ".e" + std::to_string(e)), tokenT, replyT,
            DenseElementsAttr::get(RankedTensorType::get({int64_t(m.outDim), int64_t(m.dim)}, i8), ArrayRef<int8_t>(w)),
            DenseElementsAttr::get(RankedTensorType::get({int64_t(m.outDim)}, IntegerType::get(ctx, 32)),
                                   ArrayRef<int32_t>(bias)));
        op->setAttr(kRequantizeAttr,
                    b.getDictionaryAttr({b.getNamedAttr("shift", b.getI32IntegerAttr(m.expertRequantize.shift)),
                                         b.getNamedAttr("relu", b.getBoolAttr(m.expertRequantize.relu))}));
      }
      break;
    }
    case ActorKind::Pool: {
      const graph::PoolParams &m = a.pool;
      auto w = DenseElementsAttr::get(
          RankedTensorType::get({int64_t(m.outputs), int64_t(m.features)}, IntegerType::get(ctx, 8)),
          ArrayRef<int8_t>(m.weight));
      ElementsAttr bias;
      if (!m.bias.empty())
        bias = DenseElementsAttr::get(RankedTensorType::get({int64_t(m.outputs)}, IntegerType::get(ctx, 32)),
                                      ArrayRef<int32_t>(m.bias));
      auto op = b.create<nact::PoolOp>(aloc, name, inT, outT, b.getI64IntegerAttr(m.jobs),
                                       b.getI64IntegerAttr(m.jobsPerWorker), b.getI64IntegerAttr(m.maxWorkers),
                                       b.getStringAttr(m.onBound == graph::PoolOverflow::Drop ? "drop" : "self"), w,
                                       bias);
      op->setAttr(kRequantizeAttr,
                  b.getDictionaryAttr({b.getNamedAttr("shift", b.getI32IntegerAttr(m.requantize.shift)),
                                       b.getNamedAttr("relu", b.getBoolAttr(m.requantize.relu))}));
      break;
    }
    default: {
      const sem::NeuronParams &p = a.params;
      Operation *op = nullptr;
      auto reset = nact::ResetModeAttr::get(ctx, toNactReset(a.reset));
      ElementsAttr vReset = a.reset == ResetMode::ToValue ? ElementsAttr(f32Splat(ctx, p.vReset)) : ElementsAttr();
      switch (a.kind) {
      case ActorKind::LIF:
        op = b.create<nact::LIFOp>(aloc, name, inT, outT, f32Splat(ctx, tauOf(g.dt, p.dv)), f32Splat(ctx, 1.0),
                                   f32Splat(ctx, 0.0), f32Splat(ctx, p.vth), reset, vReset);
        break;
      case ActorKind::CubaLIF:
        op = b.create<nact::CubaLIFOp>(aloc, name, inT, outT, f32Splat(ctx, tauOf(g.dt, p.dv)),
                                       f32Splat(ctx, tauOf(g.dt, p.du)), f32Splat(ctx, 1.0), f32Splat(ctx, 0.0),
                                       f32Splat(ctx, p.vth), f32Splat(ctx, 1.0), reset, vReset);
        break;
      case ActorKind::IF:
        op = b.create<nact::IFOp>(aloc, name, inT, outT, f32Splat(ctx, 1.0), f32Splat(ctx, p.vth), reset, vReset);
        break;
      default: // LI
        op = b.create<nact::LIOp>(aloc, name, inT, outT, f32Splat(ctx, tauOf(g.dt, p.dv)), f32Splat(ctx, 1.0),
                                  f32Splat(ctx, 0.0));
        break;
      }
      op->setAttr(kFixedPointAttr, fixedPointDict(b, p));
      if (a.kind != ActorKind::LI && a.reset == ResetMode::None)
        op->setAttr("nact.no_reset", b.getUnitAttr());
      break;
    }
    }
  }
  for (const graph::GraphOutput &o : g.outputs)
    b.create<nact::OutputOp>(loc, b.getStringAttr(o.name),
                             TypeAttr::get(vec(ctx, g.actors[o.actor].outSize, g.actors[o.actor].outType)));
  auto portRef = [&](const Actor &a, const char *port) -> SymbolRefAttr {
    if (a.kind == ActorKind::Input) return FlatSymbolRefAttr::get(ctx, a.name);
    return SymbolRefAttr::get(b.getStringAttr(a.name), {FlatSymbolRefAttr::get(ctx, port)});
  };
  for (const graph::Channel &c : g.channels) {
    Location cloc = NameLoc::get(b.getStringAttr(c.pointer.empty() ? "channel" : c.pointer));
    auto ch = b.create<nact::ChannelOp>(cloc, portRef(g.actors[c.from], "out"), portRef(g.actors[c.to], "in"),
                                        uint64_t(c.capacity), nact::OverflowPolicy(static_cast<uint32_t>(c.policy)),
                                        c.delay != 0);
    // Events encoding (docs/actor-graph.md "Event channels"): K per message.
    if (c.events()) ch->setAttr(kEventsAttr, b.getI64IntegerAttr(c.eventsPerMessage));
  }
  for (const graph::GraphOutput &o : g.outputs)
    b.create<nact::ChannelOp>(loc, portRef(g.actors[o.actor], "out"), FlatSymbolRefAttr::get(ctx, o.name),
                              uint64_t(1), nact::OverflowPolicy::Block, false);
  return graphOp;
}

namespace {

FailureOr<std::vector<int64_t>> intValues(Operation *op, StringRef name, ElementsAttr attr, int64_t lo, int64_t hi) {
  auto dense = dyn_cast<DenseIntElementsAttr>(attr);
  if (!dense)
    return op->emitOpError() << "parameter '" << name
                             << "' must be integer for lowering (run quantisation first)";
  std::vector<int64_t> out;
  out.reserve(dense.getNumElements());
  for (const APInt &v : dense.getValues<APInt>()) {
    int64_t x = v.getSExtValue();
    if (x < lo || x > hi)
      return op->emitOpError() << "parameter '" << name << "' value " << x << " is outside " << lo << ".." << hi;
    out.push_back(x);
  }
  return out;
}

FailureOr<uint32_t> vectorSize(Operation *op, Type t, DType &dtype) {
  auto tensor = dyn_cast<RankedTensorType>(t);
  if (!tensor || tensor.getRank() != 1 || !tensor.getElementType().isSignlessInteger() ||
      (tensor.getElementType().getIntOrFloatBitWidth() != 8 && tensor.getElementType().getIntOrFloatBitWidth() != 32))
    return op->emitOpError() << "port type " << t
                             << " is not lowered yet: the compiler handles 1-D i8 and i32 vectors";
  dtype = tensor.getElementType().getIntOrFloatBitWidth() == 8 ? DType::I8 : DType::I32;
  return uint32_t(tensor.getDimSize(0));
}

FailureOr<int32_t> dictInt(Operation *op, DictionaryAttr d, StringRef key) {
  auto v = d ? dyn_cast_or_null<IntegerAttr>(d.get(key)) : IntegerAttr();
  if (!v) return op->emitOpError() << "'" << kFixedPointAttr << "' needs an integer '" << key << "'";
  return int32_t(v.getInt());
}

std::vector<int32_t> i32Array(Attribute a) {
  std::vector<int32_t> out;
  if (auto arr = dyn_cast_or_null<DenseI32ArrayAttr>(a))
    for (int32_t v : arr.asArrayRef()) out.push_back(v);
  return out;
}

} // namespace

FailureOr<ExportedGraph> exportGraph(nact::GraphOp graphOp, const ChipDescriptor *chip) {
  ExportedGraph e;
  graph::ActorGraph &g = e.graph;
  g.name = graphOp.getSymName().str();
  g.dt = graphOp.getDt().convertToDouble();
  g.sync = graphOp.getSync() == nact::SyncMode::Barrier ? graph::SyncMode::Barrier : graph::SyncMode::Free;
  std::map<std::string, uint32_t> actorIndex;
  std::map<std::string, uint32_t> outputIndex;
  std::map<Operation *, Operation *> expertUser; // nact.expert -> its combining router

  for (Operation &op : *graphOp.getBodyBlock()) {
    Actor a;
    std::vector<Operation *> experts;
    auto symName = op.getAttrOfType<StringAttr>(SymbolTable::getSymbolAttrName());
    if (symName) a.name = symName.str();
    a.pointer = "@" + a.name;
    bool isActor = true;
    if (auto in = dyn_cast<nact::InputOp>(op)) {
      a.kind = ActorKind::Input;
      auto n = vectorSize(&op, in.getType(), a.outType);
      if (failed(n)) return failure();
      a.outSize = *n;
    } else if (isa<nact::LinearOp, nact::AffineOp>(op)) {
      a.kind = ActorKind::Linear;
      Type inT = isa<nact::LinearOp>(op) ? cast<nact::LinearOp>(op).getInType() : cast<nact::AffineOp>(op).getInType();
      Type outT = isa<nact::LinearOp>(op) ? cast<nact::LinearOp>(op).getOutType() : cast<nact::AffineOp>(op).getOutType();
      auto in = vectorSize(&op, inT, a.inType);
      auto out = vectorSize(&op, outT, a.outType);
      if (failed(in) || failed(out)) return failure();
      a.inSize = *in;
      a.outSize = *out;
      if (a.inType != DType::I8)
        return op.emitOpError() << "input must be an i8 vector for the vdot lowering, got " << inT;
      ElementsAttr w = isa<nact::LinearOp>(op) ? cast<nact::LinearOp>(op).getWeight() : cast<nact::AffineOp>(op).getWeight();
      auto wv = intValues(&op, "weight", w, -128, 127);
      if (failed(wv)) return failure();
      a.weight.assign(wv->begin(), wv->end());
      if (auto aff = dyn_cast<nact::AffineOp>(op)) {
        auto bv = intValues(&op, "bias", aff.getBias(), INT32_MIN, INT32_MAX);
        if (failed(bv)) return failure();
        if (bv->size() == 1) bv->assign(a.outSize, (*bv)[0]);
        a.bias.assign(bv->begin(), bv->end());
      }
      if (auto rq = op.getAttrOfType<DictionaryAttr>(kRequantizeAttr)) {
        auto shift = dyn_cast_or_null<IntegerAttr>(rq.get("shift"));
        auto relu = dyn_cast_or_null<BoolAttr>(rq.get("relu"));
        if (!shift || shift.getInt() < 0 || shift.getInt() > 31)
          return op.emitOpError() << "'" << kRequantizeAttr << "' needs 'shift' in 0..31";
        a.requantize = graph::Requantize{uint32_t(shift.getInt()), relu && relu.getValue()};
        if (a.outType != DType::I8)
          return op.emitOpError() << "a requantized layer must produce i8, got " << outT;
      } else if (a.outType != DType::I32) {
        return op.emitOpError() << "without '" << kRequantizeAttr << "' a layer produces i32 accumulators, got "
                                << outT;
      }
    } else if (isa<nact::LIFOp, nact::CubaLIFOp, nact::IFOp, nact::LIOp>(op)) {
      a.kind = isa<nact::LIFOp>(op) ? ActorKind::LIF
               : isa<nact::CubaLIFOp>(op) ? ActorKind::CubaLIF
               : isa<nact::IFOp>(op) ? ActorKind::IF : ActorKind::LI;
      auto actor = cast<nact::ActorOpInterface>(op);
      auto in = vectorSize(&op, actor.getInputPortType("in"), a.inType);
      auto out = vectorSize(&op, actor.getOutputPortType("out"), a.outType);
      if (failed(in) || failed(out)) return failure();
      a.inSize = *in;
      a.outSize = *out;
      auto fp = op.getAttrOfType<DictionaryAttr>(kFixedPointAttr);
      if (!fp)
        return op.emitOpError() << "has no '" << kFixedPointAttr
                                << "' parameters: quantise the graph first (--nact-quantize)";
      auto dv = dictInt(&op, fp, "dv"), du = dictInt(&op, fp, "du"), vth = dictInt(&op, fp, "v_threshold"),
           vr = dictInt(&op, fp, "v_reset"), bias = dictInt(&op, fp, "bias");
      if (failed(dv) || failed(du) || failed(vth) || failed(vr) || failed(bias)) return failure();
      a.params = sem::NeuronParams{*dv, *du, *vth, *vr, *bias};
      if (a.kind == ActorKind::LI) {
        a.reset = ResetMode::None;
      } else if (op.hasAttr("nact.no_reset")) {
        a.reset = ResetMode::None;
      } else {
        nact::ResetMode r = isa<nact::LIFOp>(op) ? cast<nact::LIFOp>(op).getReset()
                            : isa<nact::CubaLIFOp>(op) ? cast<nact::CubaLIFOp>(op).getReset()
                                                       : cast<nact::IFOp>(op).getReset();
        a.reset = r == nact::ResetMode::Subtract ? ResetMode::Subtract
                  : r == nact::ResetMode::ToValue ? ResetMode::ToValue : ResetMode::Zero;
      }
      if (a.inType != DType::I32)
        return op.emitOpError() << "a neuron population takes i32 currents, got " << actor.getInputPortType("in");
      if (a.outType != (a.kind == ActorKind::LI ? DType::I32 : DType::I8))
        return op.emitOpError() << (a.kind == ActorKind::LI ? "an LI population produces i32 membrane values"
                                                              : "a spiking population produces i8 spikes");
    } else if (auto router = dyn_cast<nact::MoERouterOp>(op)) {
      if (!router.isCombining())
        return op.emitOpError() << "a dispatch-only router is not lowered yet: give an integer 'capacity' so that "
                                   "the router also combines the experts' replies (the actor-graph 'moe' kind)";
      a.kind = ActorKind::Moe;
      graph::MoeParams &m = a.moe;
      auto td = router.tokenShape();
      DType outType;
      auto in = vectorSize(&op, RankedTensorType::get({cast<ShapedType>(router.getInType()).getNumElements()},
                                                      cast<ShapedType>(router.getInType()).getElementType()),
                           a.inType);
      auto out = vectorSize(&op, RankedTensorType::get({cast<ShapedType>(router.getOutType()).getNumElements()},
                                                       cast<ShapedType>(router.getOutType()).getElementType()),
                            outType);
      if (failed(td) || failed(in) || failed(out)) return failure();
      a.outType = outType;
      a.inSize = *in;
      a.outSize = *out;
      m.tokens = uint32_t(td->first);
      m.dim = uint32_t(td->second);
      m.outDim = a.outSize / m.tokens;
      m.experts = uint32_t(router.getExperts().size());
      m.routing = router.getMode() == nact::RoutingMode::TokenChoice ? graph::MoeRouting::TopK
                                                                     : graph::MoeRouting::ExpertChoice;
      m.k = uint32_t(router.getK().value_or(1));
      m.capacity = uint32_t(*router.getCapacity());
      m.gateShift = uint32_t(router.getGateShift().value_or(0));
      auto rw = intValues(&op, "weight", router.getWeight(), -128, 127);
      if (failed(rw)) return failure();
      m.routerWeight.assign(rw->begin(), rw->end());
      for (auto ref : router.getExperts().getAsRange<FlatSymbolRefAttr>()) {
        auto expert = dyn_cast_or_null<nact::ExpertOp>(graphOp.lookupSymbol(ref.getValue()));
        if (!expert) return op.emitOpError() << "'" << ref << "' is not a nact.expert of this graph";
        if (!expertUser.emplace(expert, &op).second) {
          InFlightDiagnostic diag = expert.emitOpError() << "is used by more than one router; each expert runs on "
                                                            "its own core for one router";
          diag.attachNote(op.getLoc()) << "used here";
          return diag;
        }
        auto w = intValues(expert, "weight", expert.getWeight(), -128, 127);
        auto bias = intValues(expert, "bias", expert.getBias(), INT32_MIN, INT32_MAX);
        if (failed(w) || failed(bias)) return failure();
        if (bias->size() == 1) bias->assign(m.outDim, (*bias)[0]);
        m.expertWeight.insert(m.expertWeight.end(), w->begin(), w->end());
        m.expertBias.insert(m.expertBias.end(), bias->begin(), bias->end());
        auto rq = expert->getAttrOfType<DictionaryAttr>(kRequantizeAttr);
        auto shift = rq ? dyn_cast_or_null<IntegerAttr>(rq.get("shift")) : IntegerAttr();
        auto relu = rq ? dyn_cast_or_null<BoolAttr>(rq.get("relu")) : BoolAttr();
        if (!shift || shift.getInt() < 0 || shift.getInt() > 31)
          return expert.emitOpError() << "needs '" << kRequantizeAttr
                                      << "' with 'shift' in 0..31: expert outputs are int8 (the gate multiplies them "
                                         "with vmacs)";
        graph::Requantize r{uint32_t(shift.getInt()), relu && relu.getValue()};
        if (experts.empty()) m.expertRequantize = r;
        else if (r.shift != m.expertRequantize.shift || r.relu != m.expertRequantize.relu)
          return expert.emitOpError() << "requantises differently from the other experts of @" << router.getSymName()
                                      << "; the moe kind has one 'requantize' for all experts";
        experts.push_back(expert);
      }
    } else if (auto pool = dyn_cast<nact::PoolOp>(op)) {
      a.kind = ActorKind::Pool;
      graph::PoolParams &m = a.pool;
      auto in = vectorSize(&op, pool.getInType(), a.inType);
      auto out = vectorSize(&op, pool.getOutType(), a.outType);
      if (failed(in) || failed(out)) return failure();
      a.inSize = *in;
      a.outSize = *out;
      auto wType = pool.getWeight().getShapedType();
      m.jobs = uint32_t(pool.getJobs());
      m.outputs = uint32_t(wType.getDimSize(0));
      m.features = uint32_t(wType.getDimSize(1));
      m.jobsPerWorker = uint32_t(pool.getJobsPerWorker());
      m.maxWorkers = uint32_t(pool.getMaxWorkers());
      m.onBound = pool.getOnBound() == "drop" ? graph::PoolOverflow::Drop : graph::PoolOverflow::Self;
      auto w = intValues(&op, "weight", pool.getWeight(), -128, 127);
      if (failed(w)) return failure();
      m.weight.assign(w->begin(), w->end());
      if (auto bias = pool.getBias()) {
        auto bv = intValues(&op, "bias", *bias, INT32_MIN, INT32_MAX);
        if (failed(bv)) return failure();
        m.bias.assign(bv->begin(), bv->end());
      }
      auto rq = op.getAttrOfType<DictionaryAttr>(kRequantizeAttr);
      auto shift = rq ? dyn_cast_or_null<IntegerAttr>(rq.get("shift")) : IntegerAttr();
      auto relu = rq ? dyn_cast_or_null<BoolAttr>(rq.get("relu")) : BoolAttr();
      if (!shift || shift.getInt() < 0 || shift.getInt() > 31)
        return op.emitOpError() << "needs '" << kRequantizeAttr << "' with 'shift' in 0..31: pool results are int8";
      m.requantize = graph::Requantize{uint32_t(shift.getInt()), relu && relu.getValue()};
    } else if (isa<nact::ExpertOp>(op)) {
      isActor = false; // part of the router that names it (checked below)
    } else if (auto out = dyn_cast<nact::OutputOp>(op)) {
      outputIndex[out.getSymName().str()] = uint32_t(outputIndex.size());
      isActor = false;
    } else if (isa<nact::ChannelOp, nact::MulticastOp>(op)) {
      isActor = false;
    } else {
      return op.emitOpError() << "is not lowered by the compiler yet (supported: nact.input, nact.output, "
                                 "nact.linear, nact.affine, nact.lif, nact.cuba_lif, nact.if, nact.li, "
                                 "nact.moe_router with 'capacity', nact.expert, nact.pool, nact.channel, nact.multicast)";
    }
    if (!isActor) continue;
    actorIndex[a.name] = uint32_t(g.actors.size());
    g.actors.push_back(std::move(a));
    e.actorOps.push_back(&op);
    e.expertOps.push_back(std::move(experts));
  }
  for (auto expert : graphOp.getBodyBlock()->getOps<nact::ExpertOp>())
    if (!expertUser.count(expert))
      return expert.emitOpError() << "is not named by any combining nact.moe_router; an expert is lowered as part "
                                     "of its router";

  // Channels (multicast = one channel per destination, in order) and outputs.
  std::vector<std::string> outputOf(outputIndex.size());
  auto addChannel = [&](Operation *op, SymbolRefAttr src, SymbolRefAttr dst, int64_t capacity,
                        nact::OverflowPolicy policy, bool delayed) -> LogicalResult {
    auto from = actorIndex.find(src.getRootReference().str());
    if (from == actorIndex.end()) return op->emitOpError() << "unknown source " << src;
    if (dst.getNestedReferences().empty()) {
      auto o = outputIndex.find(dst.getRootReference().str());
      if (o == outputIndex.end()) return op->emitOpError() << dst << " is not a graph output";
      g.outputs.push_back(graph::GraphOutput{dst.getRootReference().str(), from->second});
      return success();
    }
    auto to = actorIndex.find(dst.getRootReference().str());
    if (to == actorIndex.end()) return op->emitOpError() << "unknown destination " << dst;
    graph::Channel c;
    c.from = from->second;
    c.to = to->second;
    c.capacity = uint32_t(capacity);
    c.policy = MailboxPolicy(static_cast<uint32_t>(policy));
    c.delay = delayed ? 1 : 0;
    c.pointer = "channel";
    if (auto k = op->getAttrOfType<IntegerAttr>(kEventsAttr)) {
      c.encoding = graph::ChannelEncoding::Events;
      c.eventsPerMessage = uint32_t(k.getInt());
      // The importer names the channel's location by its JSON pointer.
      if (auto name = dyn_cast<NameLoc>(op->getLoc()); name && name.getName().strref().starts_with("/"))
        c.pointer = name.getName().str();
    }
    g.channels.push_back(c);
    return success();
  };
  for (Operation &op : *graphOp.getBodyBlock()) {
    if (auto ch = dyn_cast<nact::ChannelOp>(op)) {
      if (failed(addChannel(&op, ch.getSrc(), ch.getDst(), ch.getCapacity(), ch.getOverflow(), ch.getDelayed())))
        return failure();
    } else if (auto mc = dyn_cast<nact::MulticastOp>(op)) {
      for (Attribute d : mc.getDsts())
        if (failed(addChannel(&op, mc.getSrc(), cast<SymbolRefAttr>(d), mc.getCapacity(), mc.getOverflow(),
                              mc.getDelayed())))
          return failure();
    }
  }
  if (auto err = graph::validateActorGraph(g))
    return graphOp.emitOpError() << "cannot be lowered: " << err->message;

  // Mapping decisions already recorded.
  bool allPartitioned = true, allPlaced = true;
  for (uint32_t i = 0; i < g.actors.size(); ++i) {
    std::vector<int32_t> bounds = i32Array(e.actorOps[i]->getAttr(kPartitionAttr));
    if (bounds.empty()) {
      allPartitioned = false;
      break;
    }
    if (bounds.size() < 2 || bounds.front() != 0 || uint32_t(bounds.back()) != g.actors[i].outSize)
      return e.actorOps[i]->emitOpError() << "'" << kPartitionAttr << "' must run from 0 to "
                                          << g.actors[i].outSize;
    std::vector<int32_t> place = i32Array(e.actorOps[i]->getAttr(kPlacementAttr));
    if (place.empty()) allPlaced = false;
    else if (place.size() != 2 * (bounds.size() - 1) && g.actors[i].kind != ActorKind::Pool)
      return e.actorOps[i]->emitOpError() << "'" << kPlacementAttr << "' needs an (x, y) pair per slice";
    if (g.actors[i].kind == ActorKind::Pool) {
      // One partition for the dispatcher and one per worker; `xpu.placement`
      // lists the dispatcher's tile, then the workers' spare tiles.
      const uint32_t B = g.actors[i].pool.maxWorkers;
      if (bounds.size() != 2)
        return e.actorOps[i]->emitOpError() << "'" << kPartitionAttr << "' of a pool must be [0, "
                                            << g.actors[i].outSize << "]";
      if (!place.empty() && place.size() != 2 * (1 + B))
        return e.actorOps[i]->emitOpError() << "'" << kPlacementAttr << "' of a pool needs " << 1 + B
                                            << " (x, y) pairs: the dispatcher, then each worker";
      for (uint32_t k = 0; k <= B; ++k) {
        graph::Partition p{i, k, 0, k == 0 ? g.actors[i].outSize : 0, ~0u};
        if (!place.empty() && chip) {
          const int32_t x = place[2 * k], y = place[2 * k + 1];
          if (x < 0 || y < 0 || uint32_t(x) >= chip->width || uint32_t(y) >= chip->height)
            return e.actorOps[i]->emitOpError() << "is placed at (" << x << ", " << y << "), outside the "
                                                << chip->width << "x" << chip->height << " mesh";
          p.core = chip->coreId(uint32_t(x), uint32_t(y));
        }
        e.parts.push_back(p);
      }
      continue;
    }
    if (g.actors[i].kind == ActorKind::Moe) {
      // The router holds the whole output; each expert op its own placement.
      if (bounds.size() != 2)
        return e.actorOps[i]->emitOpError() << "'" << kPartitionAttr << "' of a router must be [0, "
                                            << g.actors[i].outSize << "]";
      for (uint32_t k = 0; k <= g.actors[i].moe.experts; ++k) {
        Operation *op = k == 0 ? e.actorOps[i] : e.expertOps[i][k - 1];
        std::vector<int32_t> at = k == 0 ? place : i32Array(op->getAttr(kPlacementAttr));
        graph::Partition p{i, k, 0, k == 0 ? g.actors[i].outSize : 0, ~0u};
        if (at.empty()) allPlaced = false;
        else if (at.size() != 2)
          return op->emitOpError() << "'" << kPlacementAttr << "' needs one (x, y) pair";
        else if (chip) {
          if (at[0] < 0 || at[1] < 0 || uint32_t(at[0]) >= chip->width || uint32_t(at[1]) >= chip->height)
            return op->emitOpError() << "is placed at (" << at[0] << ", " << at[1] << "), outside the "
                                     << chip->width << "x" << chip->height << " mesh";
          p.core = chip->coreId(uint32_t(at[0]), uint32_t(at[1]));
        }
        e.parts.push_back(p);
      }
      continue;
    }
    for (size_t k = 0; k + 1 < bounds.size(); ++k) {
      if (bounds[k + 1] <= bounds[k])
        return e.actorOps[i]->emitOpError() << "'" << kPartitionAttr << "' must be increasing";
      graph::Partition p{i, uint32_t(k), uint32_t(bounds[k]), uint32_t(bounds[k + 1]), ~0u};
      if (!place.empty() && chip) {
        const int32_t x = place[2 * k], y = place[2 * k + 1];
        if (x < 0 || y < 0 || uint32_t(x) >= chip->width || uint32_t(y) >= chip->height)
          return e.actorOps[i]->emitOpError() << "slice " << k << " is placed at (" << x << ", " << y
                                              << "), outside the " << chip->width << "x" << chip->height << " mesh";
        p.core = chip->coreId(uint32_t(x), uint32_t(y));
      }
      e.parts.push_back(p);
    }
  }
  if (!allPartitioned) {
    e.parts.clear();
    return e;
  }
  e.placed = allPlaced && chip;
  if (e.placed) {
    std::map<uint32_t, uint32_t> owner;
    for (uint32_t i = 0; i < e.parts.size(); ++i)
      if (!owner.emplace(e.parts[i].core, i).second)
        return e.actorOps[e.parts[i].actor]->emitOpError()
               << "slice " << e.parts[i].index << " shares core (" << chip->coreX(e.parts[i].core) << ", "
               << chip->coreY(e.parts[i].core) << ") with another slice; the compiler maps one slice per core";
  }
  if (auto msgs = graphOp->getAttrOfType<ArrayAttr>(kMessagesAttr)) {
    graph::Routing r;
    for (Attribute a : msgs) {
      auto d = dyn_cast<DictionaryAttr>(a);
      auto get = [&](StringRef k) { return d ? dyn_cast_or_null<IntegerAttr>(d.get(k)) : IntegerAttr(); };
      auto dsts = d ? dyn_cast_or_null<DenseI32ArrayAttr>(d.get("dsts")) : DenseI32ArrayAttr();
      if (!get("channel") || !get("src") || !dsts || !get("begin") || !get("end") || !get("bytes") ||
          !get("mailbox") || !get("group") || !get("delay"))
        return graphOp.emitOpError() << "malformed '" << kMessagesAttr << "' entry " << a;
      graph::Message m;
      m.channel = uint32_t(get("channel").getInt());
      m.srcPart = uint32_t(get("src").getInt());
      for (int32_t v : dsts.asArrayRef()) m.dstParts.push_back(uint32_t(v));
      m.begin = uint32_t(get("begin").getInt());
      m.end = uint32_t(get("end").getInt());
      m.bytes = uint32_t(get("bytes").getInt());
      m.mailbox = uint32_t(get("mailbox").getInt());
      m.group = int32_t(get("group").getInt());
      m.delay = uint32_t(get("delay").getInt());
      if (m.srcPart >= e.parts.size())
        return graphOp.emitOpError() << "message source slice " << m.srcPart << " does not exist";
      for (uint32_t dp : m.dstParts)
        if (dp >= e.parts.size()) return graphOp.emitOpError() << "message destination slice " << dp << " does not exist";
      r.messages.push_back(std::move(m));
    }
    if (auto groups = graphOp->getAttrOfType<ArrayAttr>(kGroupsAttr))
      for (Attribute a : groups) {
        auto d = dyn_cast<DictionaryAttr>(a);
        auto id = d ? dyn_cast_or_null<IntegerAttr>(d.get("id")) : IntegerAttr();
        auto src = d ? dyn_cast_or_null<IntegerAttr>(d.get("source")) : IntegerAttr();
        auto dsts = d ? dyn_cast_or_null<DenseI32ArrayAttr>(d.get("destinations")) : DenseI32ArrayAttr();
        if (!id || !src || !dsts) return graphOp.emitOpError() << "malformed '" << kGroupsAttr << "' entry " << a;
        MulticastGroup grp{uint32_t(id.getInt()), uint32_t(src.getInt()), {}};
        for (int32_t v : dsts.asArrayRef()) grp.destinations.push_back(uint32_t(v));
        r.groups.push_back(std::move(grp));
      }
    e.routing = std::move(r);
  }
  return e;
}

ChipDescriptor toChipDescriptor(mc::ChipAttr chip) {
  ChipDescriptor d;
  d.width = chip.getWidth();
  d.height = chip.getHeight();
  d.sramBytes = chip.getSramBytes();
  d.imemInstructions = chip.getImemInstructions();
  d.vectorLanes = chip.getVectorLanes();
  d.mailboxes = chip.getMailboxes();
  d.mailboxDepth = chip.getMailboxDepth();
  d.maxMessageBytes = chip.getMaxMessageBytes();
  d.virtualChannels = chip.getVirtualChannels();
  d.bufferDepth = chip.getBufferDepth();
  d.flitBytes = chip.getFlitBytes();
  d.routerLatency = chip.getRouterLatency();
  d.linkLatency = chip.getLinkLatency();
  d.multicastGroups = chip.getMulticastGroups();
  d.barrierLatency = chip.getBarrierLatency();
  d.clockMhz = chip.getClockMhz().convertToDouble();
  return d;
}

mc::ChipAttr toChipAttr(MLIRContext *ctx, const ChipDescriptor &d) {
  return mc::ChipAttr::get(ctx, d.width, d.height, d.sramBytes, d.imemInstructions, d.vectorLanes, d.mailboxes,
                           d.mailboxDepth, d.maxMessageBytes, d.virtualChannels, d.bufferDepth, d.flitBytes,
                           d.routerLatency, d.linkLatency, d.multicastGroups, d.barrierLatency,
                           llvm::APFloat(d.clockMhz));
}

FailureOr<ChipDescriptor> targetChip(ModuleOp module) {
  auto chip = module->getAttrOfType<mc::ChipAttr>(kChipAttr);
  if (!chip)
    return module.emitError() << "no target chip: set the module attribute '" << kChipAttr
                              << " = #xpu.chip<...>' (xpu-cc does this from --chip)";
  ChipDescriptor d = toChipDescriptor(chip);
  if (auto err = validateChipDescriptor(d, "xpu.chip")) return module.emitError() << err->message;
  return d;
}

void recordPartitions(const ExportedGraph &e, const std::vector<graph::Partition> &parts, bool placed,
                      const ChipDescriptor &chip) {
  std::vector<std::vector<const graph::Partition *>> byActor(e.actorOps.size());
  for (const graph::Partition &p : parts) byActor[p.actor].push_back(&p);
  for (uint32_t i = 0; i < e.actorOps.size(); ++i) {
    Operation *op = e.actorOps[i];
    Builder b(op->getContext());
    std::vector<int32_t> bounds, place;
    if (e.graph.actors[i].kind == graph::ActorKind::Pool) {
      // Dispatcher: the whole output; placement: dispatcher, then workers.
      op->setAttr(kPartitionAttr, b.getDenseI32ArrayAttr({0, int32_t(e.graph.actors[i].outSize)}));
      if (placed) {
        for (const graph::Partition *pp : byActor[i]) {
          place.push_back(int32_t(chip.coreX(pp->core)));
          place.push_back(int32_t(chip.coreY(pp->core)));
        }
        op->setAttr(kPlacementAttr, b.getDenseI32ArrayAttr(place));
      }
      continue;
    }
    if (e.graph.actors[i].kind == graph::ActorKind::Moe) {
      // Router: the whole output; experts: their own tile.
      op->setAttr(kPartitionAttr, b.getDenseI32ArrayAttr({0, int32_t(e.graph.actors[i].outSize)}));
      if (placed)
        for (const graph::Partition *pp : byActor[i]) {
          Operation *at = pp->index == 0 ? op : e.expertOps[i][pp->index - 1];
          at->setAttr(kPlacementAttr,
                      b.getDenseI32ArrayAttr({int32_t(chip.coreX(pp->core)), int32_t(chip.coreY(pp->core))}));
        }
      continue;
    }
    for (const graph::Partition *pp : byActor[i]) {
      const graph::Partition &p = *pp;
      if (bounds.empty()) bounds.push_back(int32_t(p.begin));
      bounds.push_back(int32_t(p.end));
      if (placed) {
        place.push_back(int32_t(chip.coreX(p.core)));
        place.push_back(int32_t(chip.coreY(p.core)));
      }
    }
    op->setAttr(kPartitionAttr, b.getDenseI32ArrayAttr(bounds));
    if (placed) op->setAttr(kPlacementAttr, b.getDenseI32ArrayAttr(place));
  }
}

void recordRouting(nact::GraphOp graphOp, const graph::Routing &r) {
  Builder b(graphOp.getContext());
  SmallVector<Attribute> msgs, groups;
  for (const graph::Message &m : r.messages) {
    std::vector<int32_t> dsts(m.dstParts.begin(), m.dstParts.end());
    msgs.push_back(b.getDictionaryAttr({
        b.getNamedAttr("channel", b.getI32IntegerAttr(int32_t(m.channel))),
        b.getNamedAttr("src", b.getI32IntegerAttr(int32_t(m.srcPart))),
        b.getNamedAttr("dsts", b.getDenseI32ArrayAttr(dsts)),
        b.getNamedAttr("begin", b.getI32IntegerAttr(int32_t(m.begin))),
        b.getNamedAttr("end", b.getI32IntegerAttr(int32_t(m.end))),
        b.getNamedAttr("bytes", b.getI32IntegerAttr(int32_t(m.bytes))),
        b.getNamedAttr("mailbox", b.getI32IntegerAttr(int32_t(m.mailbox))),
        b.getNamedAttr("group", b.getI32IntegerAttr(m.group)),
        b.getNamedAttr("delay", b.getI32IntegerAttr(int32_t(m.delay))),
    }));
  }
  for (const MulticastGroup &g : r.groups) {
    std::vector<int32_t> d(g.destinations.begin(), g.destinations.end());
    groups.push_back(b.getDictionaryAttr({b.getNamedAttr("id", b.getI32IntegerAttr(int32_t(g.id))),
                                          b.getNamedAttr("source", b.getI32IntegerAttr(int32_t(g.source))),
                                          b.getNamedAttr("destinations", b.getDenseI32ArrayAttr(d))}));
  }
  graphOp->setAttr(kMessagesAttr, b.getArrayAttr(msgs));
  graphOp->setAttr(kGroupsAttr, b.getArrayAttr(groups));
}

} // namespace xpu::bridge
