// nact-infer-shapes and nact-quantize: from NIR-style float graphs to the
// fixed-point profile the compiler lowers (docs/compiler.md "Quantisation").
#include "compiler/lib/Frontend/NactBridge.h"
#include "compiler/lib/Transforms/Passes.h"

#include "dialects/Nact/NactOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

#include <cmath>
#include <map>
#include <optional>
#include <sstream>

namespace xpu::transforms {
#define GEN_PASS_DEF_NACTINFERSHAPES
#define GEN_PASS_DEF_NACTQUANTIZE
#include "compiler/lib/Transforms/Passes.h.inc"
} // namespace xpu::transforms

using namespace mlir;

namespace xpu::transforms {
namespace {

/// Producers of each actor's input port, in channel order.
struct Wiring {
  std::map<Operation *, std::vector<Operation *>> producers; // consumer -> producers
  std::map<Operation *, std::vector<Operation *>> consumers; // producer -> consumers (actors or outputs)
  std::vector<Operation *> order;                             // actors/inputs, producers first where possible
};

Wiring wire(nact::GraphOp graph) {
  Wiring w;
  SymbolTable table(graph); // hashed: one lookup per endpoint, not a scan
  auto resolve = [&](SymbolRefAttr ref) { return table.lookup(ref.getRootReference()); };
  auto connect = [&](SymbolRefAttr src, SymbolRefAttr dst, bool delayed) {
    Operation *s = resolve(src), *d = resolve(dst);
    if (!s || !d) return;
    w.consumers[s].push_back(d);
    if (!delayed) w.producers[d].push_back(s);
  };
  for (Operation &op : *graph.getBodyBlock()) {
    if (auto c = dyn_cast<nact::ChannelOp>(op)) connect(c.getSrc(), c.getDst(), c.getDelayed());
    if (auto m = dyn_cast<nact::MulticastOp>(op))
      for (Attribute d : m.getDsts()) connect(m.getSrc(), cast<SymbolRefAttr>(d), m.getDelayed());
  }
  // Topological order over delay-0 channels (a barrier graph has no other cycles).
  std::map<Operation *, int> state;
  std::function<void(Operation *)> visit = [&](Operation *op) {
    if (state[op]) return;
    state[op] = 1;
    for (Operation *p : w.producers[op]) visit(p);
    w.order.push_back(op);
  };
  for (Operation &op : *graph.getBodyBlock())
    if (isa<nact::ActorOpInterface>(op) || isa<nact::InputOp>(op)) visit(&op);
  return w;
}

RankedTensorType withShape(Type t, ArrayRef<int64_t> shape) {
  auto r = cast<RankedTensorType>(t);
  return RankedTensorType::get(shape, r.getElementType());
}

struct NactInferShapesPass : impl::NactInferShapesBase<NactInferShapesPass> {
  void runOnOperation() override {
    for (auto graph : getOperation().getOps<nact::GraphOp>())
      if (failed(infer(graph))) return signalPassFailure();
  }

  /// Fills dynamic dimensions from producers, then derives outputs.
  LogicalResult infer(nact::GraphOp graph) {
    Wiring w = wire(graph);
    for (Operation *op : w.order) {
      if (auto in = dyn_cast<nact::InputOp>(op)) {
        auto t = dyn_cast<RankedTensorType>(in.getType());
        if (t && !t.hasStaticShape())
          return in.emitOpError() << "graph inputs need a static shape, got " << t;
        continue;
      }
      auto inAttr = op->getAttrOfType<TypeAttr>("in_type");
      auto outAttr = op->getAttrOfType<TypeAttr>("out_type");
      if (!inAttr || !outAttr) continue; // templates, routers: shapes are explicit
      auto inType = dyn_cast<RankedTensorType>(inAttr.getValue());
      auto outType = dyn_cast<RankedTensorType>(outAttr.getValue());
      if (inType && !inType.hasStaticShape()) {
        const auto &prods = w.producers[op];
        if (prods.empty())
          return op->emitOpError() << "cannot infer the input shape " << inType << ": no producer";
        Operation *p = prods.front();
        Type pt = isa<nact::InputOp>(p) ? cast<nact::InputOp>(p).getType()
                                          : p->getAttrOfType<TypeAttr>("out_type").getValue();
        auto ptt = dyn_cast<RankedTensorType>(pt);
        if (!ptt || !ptt.hasStaticShape() || ptt.getRank() != inType.getRank())
          return op->emitOpError() << "cannot infer the input shape " << inType << " from " << pt;
        inType = withShape(inType, ptt.getShape());
        op->setAttr("in_type", TypeAttr::get(inType));
      }
      if (outType && !outType.hasStaticShape() && inType) {
        SmallVector<int64_t> shape(inType.getShape());
        if (auto lin = dyn_cast<nact::LinearOp>(op)) shape = {lin.getWeight().getShapedType().getDimSize(0)};
        else if (auto aff = dyn_cast<nact::AffineOp>(op)) shape = {aff.getWeight().getShapedType().getDimSize(0)};
        else if (!isa<nact::LIFOp, nact::CubaLIFOp, nact::IFOp, nact::LIOp, nact::ScaleOp, nact::ThresholdOp,
                       nact::DelayOp>(op))
          return op->emitOpError() << "cannot infer the output shape " << outType << " of this actor kind";
        op->setAttr("out_type", TypeAttr::get(withShape(outType, shape)));
      }
    }
    // Graph outputs take their producer's type when left dynamic.
    for (auto out : graph.getBodyBlock()->getOps<nact::OutputOp>()) {
      auto t = dyn_cast<RankedTensorType>(out.getType());
      if (!t || t.hasStaticShape()) continue;
      for (auto &[prod, cons] : w.consumers)
        for (Operation *c : cons)
          if (c == out.getOperation())
            if (auto ot = prod->getAttrOfType<TypeAttr>("out_type")) out.setTypeAttr(ot);
    }
    return success();
  }
};

/// The single value of a splat or uniform tensor attribute.
FailureOr<double> uniform(Operation *op, StringRef name, ElementsAttr attr) {
  std::optional<double> v;
  auto take = [&](double x) -> LogicalResult {
    if (v && *v != x)
      return op->emitOpError() << "parameter '" << name
                               << "' differs between neurons; the fixed-point profile has one value per population";
    v = x;
    return success();
  };
  if (auto f = dyn_cast<DenseFPElementsAttr>(attr)) {
    for (const APFloat &x : f.getValues<APFloat>())
      if (failed(take(x.convertToDouble()))) return failure();
  } else if (auto i = dyn_cast<DenseIntElementsAttr>(attr)) {
    for (const APInt &x : i.getValues<APInt>())
      if (failed(take(double(x.getSExtValue())))) return failure();
  } else {
    return op->emitOpError() << "parameter '" << name << "' must be a dense tensor";
  }
  if (!v) return op->emitOpError() << "parameter '" << name << "' is empty";
  return *v;
}

int32_t toInt(double x) { return int32_t(std::lround(x)); }

/// A scale as people write it: 10, 63.5, 6350 (diagnostics print doubles in
/// scientific notation otherwise).
std::string num(double x) {
  std::ostringstream os;
  os << x;
  return os.str();
}

struct NactQuantizePass : impl::NactQuantizeBase<NactQuantizePass> {
  using NactQuantizeBase::NactQuantizeBase;

  void runOnOperation() override {
    for (auto graph : getOperation().getOps<nact::GraphOp>())
      if (failed(quantize(graph))) return signalPassFailure();
  }

  LogicalResult quantize(nact::GraphOp graph) {
    MLIRContext *ctx = graph.getContext();
    Builder b(ctx);
    const double dt = graph.getDt().convertToDouble();
    Wiring w = wire(graph);
    std::map<Operation *, double> scale; // integer units per real unit of an actor's output
    auto retype = [&](Operation *op, StringRef attr, unsigned bits) {
      auto t = dyn_cast<RankedTensorType>(op->getAttrOfType<TypeAttr>(attr).getValue());
      if (t && !t.getElementType().isSignlessInteger(bits))
        op->setAttr(attr, TypeAttr::get(RankedTensorType::get(t.getShape(), b.getIntegerType(bits))));
    };
    auto scaleOfInputs = [&](Operation *op) -> FailureOr<double> {
      std::optional<double> s;
      for (Operation *p : w.producers[op]) {
        double ps = scale.count(p) ? scale[p] : 1.0;
        if (s && std::fabs(*s - ps) > 1e-9 * std::fabs(ps)) {
          InFlightDiagnostic d = op->emitOpError() << "receives values at different scales (" << num(*s) << " and "
                                                   << num(ps) << "); give its producers equal scales";
          d.attachNote(p->getLoc()) << "producer at scale " << num(ps);
          return d;
        }
        s = ps;
      }
      return s.value_or(1.0);
    };
    auto consumesI8 = [&](Operation *op) {
      for (Operation *c : w.consumers[op])
        if (isa<nact::LinearOp, nact::AffineOp>(c)) return true;
      return false;
    };

    for (Operation *op : w.order) {
      if (auto in = dyn_cast<nact::InputOp>(op)) {
        auto t = dyn_cast<RankedTensorType>(in.getType());
        const bool isFloat = t && isa<FloatType>(t.getElementType());
        scale[op] = isFloat ? double(inputScale) : 1.0;
        if (isFloat) {
          in.setTypeAttr(TypeAttr::get(RankedTensorType::get(t.getShape(), b.getIntegerType(8))));
          op->emitRemark() << "input: values x" << num(scale[op]) << " as i8";
        }
        continue;
      }
      // Ops already in the profile keep their parameters; their outputs count
      // as integer units (scale 1) for whatever float ops follow.
      const bool floatDense = isa<nact::LinearOp, nact::AffineOp>(op) &&
                              isa<DenseFPElementsAttr>(isa<nact::LinearOp>(op) ? cast<nact::LinearOp>(op).getWeight()
                                                                               : cast<nact::AffineOp>(op).getWeight());
      const bool floatNeuron =
          isa<nact::LIFOp, nact::CubaLIFOp, nact::IFOp, nact::LIOp>(op) && !op->hasAttr(bridge::kFixedPointAttr);
      if (!floatDense && !floatNeuron) {
        scale[op] = 1.0;
        continue;
      }
      auto s = scaleOfInputs(op);
      if (failed(s)) return failure();
      if (isa<nact::LinearOp, nact::AffineOp>(op)) {
        ElementsAttr wAttr = isa<nact::LinearOp>(op) ? cast<nact::LinearOp>(op).getWeight()
                                                      : cast<nact::AffineOp>(op).getWeight();
        auto wf = dyn_cast<DenseFPElementsAttr>(wAttr);
        double sw = 1.0;
        if (wf) {
          double maxAbs = 0;
          for (const APFloat &x : wf.getValues<APFloat>()) maxAbs = std::max(maxAbs, std::fabs(x.convertToDouble()));
          sw = maxAbs > 0 ? 127.0 / maxAbs : 1.0;
          std::vector<int8_t> q;
          for (const APFloat &x : wf.getValues<APFloat>())
            q.push_back(int8_t(std::clamp<long>(std::lround(x.convertToDouble() * sw), -127, 127)));
          auto wt = RankedTensorType::get(wf.getType().getShape(), b.getIntegerType(8));
          op->setAttr("weight", DenseElementsAttr::get(wt, ArrayRef<int8_t>(q)));
        }
        double accScale = *s * sw;
        if (auto aff = dyn_cast<nact::AffineOp>(op))
          if (auto bf = dyn_cast<DenseFPElementsAttr>(aff.getBias())) {
            std::vector<int32_t> q;
            for (const APFloat &x : bf.getValues<APFloat>()) q.push_back(toInt(x.convertToDouble() * accScale));
            op->setAttr("bias", DenseElementsAttr::get(
                                    RankedTensorType::get(bf.getType().getShape(), b.getIntegerType(32)),
                                    ArrayRef<int32_t>(q)));
          }
        retype(op, "in_type", 8);
        if (consumesI8(op) && !op->hasAttr(bridge::kRequantizeAttr)) {
          // Pick the shift that maps the assumed activation range onto i8.
          const double want = double(activationRange) * accScale / 127.0;
          const int shift = want <= 1 ? 0 : std::min(31, int(std::ceil(std::log2(want))));
          op->setAttr(bridge::kRequantizeAttr,
                      b.getDictionaryAttr({b.getNamedAttr("shift", b.getI32IntegerAttr(shift)),
                                           b.getNamedAttr("relu", b.getBoolAttr(false))}));
          scale[op] = accScale / double(1u << shift);
          retype(op, "out_type", 8);
          op->emitRemark() << "weights x" << num(sw) << ", accumulators x" << num(accScale) << ", requantize shift "
                           << shift << ": outputs x" << num(scale[op]) << " as i8";
        } else {
          scale[op] = accScale;
          retype(op, "out_type", 32);
          op->emitRemark() << "weights x" << num(sw) << ", outputs x" << num(accScale) << " as i32";
        }
        continue;
      }
      // Forward Euler of the NIR dynamics, with the membrane scaled so that
      // the input current adds unscaled (the nstep datapath has no multiply).
      double vScale = *s, dv = 0, du = 0, vth = 0, vLeak = 0, vReset = 0;
      auto get = [&](StringRef n, ElementsAttr a) { return uniform(op, n, a); };
      if (auto lif = dyn_cast<nact::LIFOp>(op)) {
        auto tau = get("tau", lif.getTau()), r = get("r", lif.getR()), leak = get("v_leak", lif.getVLeak()),
             th = get("v_threshold", lif.getVThreshold());
        if (failed(tau) || failed(r) || failed(leak) || failed(th)) return failure();
        dv = 4096.0 * dt / *tau;
        vScale = *s * *tau / (dt * *r);
        vLeak = *leak * dt / *tau;
        vth = *th;
        if (auto vr = lif.getVReset()) {
          auto x = get("v_reset", *vr);
          if (failed(x)) return failure();
          vReset = *x;
        }
      } else if (auto cuba = dyn_cast<nact::CubaLIFOp>(op)) {
        auto tm = get("tau_mem", cuba.getTauMem()), ts = get("tau_syn", cuba.getTauSyn()), r = get("r", cuba.getR()),
             leak = get("v_leak", cuba.getVLeak()), th = get("v_threshold", cuba.getVThreshold()),
             win = get("w_in", cuba.getWIn());
        if (failed(tm) || failed(ts) || failed(r) || failed(leak) || failed(th) || failed(win)) return failure();
        dv = 4096.0 * dt / *tm;
        du = 4096.0 * dt / *ts;
        const double uScale = *s * *ts / (dt * *win);
        vScale = uScale * *tm / (dt * *r);
        vLeak = *leak * dt / *tm;
        vth = *th;
        if (auto vr = cuba.getVReset()) {
          auto x = get("v_reset", *vr);
          if (failed(x)) return failure();
          vReset = *x;
        }
      } else if (auto ifo = dyn_cast<nact::IFOp>(op)) {
        auto r = get("r", ifo.getR()), th = get("v_threshold", ifo.getVThreshold());
        if (failed(r) || failed(th)) return failure();
        vScale = *s / (dt * *r);
        vth = *th;
        if (auto vr = ifo.getVReset()) {
          auto x = get("v_reset", *vr);
          if (failed(x)) return failure();
          vReset = *x;
        }
      } else {
        auto li = cast<nact::LIOp>(op);
        auto tau = get("tau", li.getTau()), r = get("r", li.getR()), leak = get("v_leak", li.getVLeak());
        if (failed(tau) || failed(r) || failed(leak)) return failure();
        dv = 4096.0 * dt / *tau;
        vScale = *s * *tau / (dt * *r);
        vLeak = *leak * dt / *tau;
      }
      auto fit24 = [&](const char *what, double real) -> FailureOr<int32_t> {
        const double x = std::round(real * vScale);
        if (x < sem::kMembraneMin || x > sem::kMembraneMax)
          return op->emitOpError() << what << " " << num(real) << " x membrane scale " << num(vScale)
                                   << " does not fit the 24-bit membrane; lower the input scale";
        return int32_t(x);
      };
      if (dv > 4096 || du > 4096)
        return op->emitOpError() << "dt / tau > 1: the time constant is shorter than the timestep";
      auto th = fit24("v_threshold", vth), bias = fit24("v_leak * dt / tau", vLeak),
           reset = fit24("v_reset", vReset);
      if (failed(th) || failed(bias) || failed(reset)) return failure();
      sem::NeuronParams p{toInt(dv), toInt(du), *th, *reset, *bias};
      op->setAttr(bridge::kFixedPointAttr,
                  b.getDictionaryAttr({b.getNamedAttr("dv", b.getI32IntegerAttr(p.dv)),
                                       b.getNamedAttr("du", b.getI32IntegerAttr(p.du)),
                                       b.getNamedAttr("v_threshold", b.getI32IntegerAttr(p.vth)),
                                       b.getNamedAttr("v_reset", b.getI32IntegerAttr(p.vReset)),
                                       b.getNamedAttr("bias", b.getI32IntegerAttr(p.bias))}));
      retype(op, "in_type", 32);
      retype(op, "out_type", isa<nact::LIOp>(op) ? 32 : 8);
      scale[op] = isa<nact::LIOp>(op) ? vScale : 1.0; // spikes are exact 0/1
      op->emitRemark() << "dv " << p.dv << "/4096" << (p.du ? ", du " + std::to_string(p.du) + "/4096" : "")
                       << ", membrane x" << num(vScale) << ": threshold " << p.vth << ", bias " << p.bias;
    }
    // Graph outputs take their producers' integer types.
    for (auto out : graph.getBodyBlock()->getOps<nact::OutputOp>())
      for (auto &[prod, cons] : w.consumers)
        for (Operation *c : cons)
          if (c == out.getOperation()) {
            Type pt = isa<nact::InputOp>(prod) ? cast<nact::InputOp>(prod).getType()
                                                : prod->getAttrOfType<TypeAttr>("out_type").getValue();
            out.setTypeAttr(TypeAttr::get(pt));
            if (scale.count(prod) && scale[prod] != 1.0)
              out.emitRemark() << "output values are x" << num(scale[prod]) << " (divide to get real units)";
          }
    return success();
  }
};

} // namespace
} // namespace xpu::transforms
