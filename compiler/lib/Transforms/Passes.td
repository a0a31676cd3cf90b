// Passes over the xpu dialect.
#ifndef XPU_COMPILER_TRANSFORMS_PASSES_TD
#define XPU_COMPILER_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def ExpandBufferOps : Pass<"xpu-expand-buffer-ops", "::xpu::mc::ModuleOp"> {
  let summary = "Expand buffer-level xpu ops into xpu.inst instructions";
  let description = [{
    Rewrites `xpu.vmacs`, `xpu.vadd32`, `xpu.vreq`, `xpu.nstep`, `xpu.send`,
    `xpu.recv`, `xpu.poll`, `xpu.mcast`, `xpu.spawn`, `xpu.barrier` and
    `xpu.halt` into the `xpu.inst` sequences the executable will contain.
    Operands are loaded with `li` into the scratch registers r12..r15;
    buffers, groups and images stay symbolic (`li r12, @acc + 16`), so SRAM
    placement is still free afterwards. `xpu-translate --xpu-to-exe` runs the
    same expansion, so this pass shows exactly what is emitted.
  }];
}


//===----------------------------------------------------------------------===//
// Mapping an actor graph onto the chip (the module's `xpu.chip` attribute).
// Each pass records its decisions as attributes on the nact IR, so every
// phase can be printed and FileCheck-tested (docs/compiler.md).
//===----------------------------------------------------------------------===//

def NactInferShapes : Pass<"nact-infer-shapes", "::mlir::ModuleOp"> {
  let summary = "Fill dynamic port shapes from producers and derive output shapes";
  let description = [{
    Walks each graph in topological order: an actor whose input port type has
    dynamic dimensions takes its producer's shape; shape-preserving actors
    (neurons, scale, threshold, delay) and dense layers (`weight` rows)
    derive their output shape; graph outputs take their producer's type.
    The verifiers then check every channel.
  }];
}

def NactQuantize : Pass<"nact-quantize", "::mlir::ModuleOp"> {
  let summary = "Quantise NIR-style float parameters to the fixed-point profile";
  let description = [{
    Float weights become int8 with one symmetric scale per tensor
    (127 / max|w|); biases are scaled to the accumulator. A layer feeding
    another layer requantises to i8 with the shift that maps
    `activation-range` onto 127. Neuron populations get
    `nact.fixed_point = {dv, du, v_threshold, v_reset, bias}` from forward
    Euler of their NIR dynamics with timestep `dt`, the membrane scaled so
    that input currents add unscaled (`dv = 4096 dt / tau`). Every scale chosen
    is reported as a remark at the op; graph outputs report the factor to
    divide by. Graphs already in the profile are left unchanged.
  }];
  let options = [
    Option<"inputScale", "input-scale", "double", "1.0", "integer units per unit of a float graph input">,
    Option<"activationRange", "activation-range", "double", "4.0",
           "assumed largest |activation| between dense layers (sets requantisation shifts)">
  ];
}

def NactPartition : Pass<"nact-partition", "::mlir::ModuleOp"> {
  let summary = "Split actors that exceed a core's SRAM or compute budget";
  let description = [{
    Splits every actor into the fewest equal slices (rows of a weight matrix,
    ranges of a neuron population) that fit one core's SRAM and, with
    `max-elements-per-core`, a compute budget. Records the slice bounds as
    `xpu.partition = array<i32: b0, ..., bk>` on each actor and input. The
    scatter, multicast and gather the slices need are derived by
    `nact-route`.
  }];
  let options = [
    Option<"maxElementsPerCore", "max-elements-per-core", "unsigned", "0",
           "largest slice of an actor on one core (0: limited by SRAM only)">
  ];
}

def NactPlace : Pass<"nact-place", "::mlir::ModuleOp"> {
  let summary = "Place slices on cores, keeping communicating slices close";
  let description = [{
    One slice per core. `strategy=greedy`: deterministic, slices in
    topological order, each on the free core that minimises bytes-per-step x
    XY hops to the slices already placed (ties: lowest core id).
    `strategy=anneal` (default): simulated annealing from the greedy
    placement, swapping and moving slices over all cores to lower bytes x
    hops plus `balance-weight` x sum over directed links of load^2 / (largest
    pair traffic); deterministic per `seed`, never worse than the greedy
    start (docs/mapping.md). Records `xpu.placement = array<i32: x0, y0, ...>`;
    with `report`, a remark gives the cost, a lower bound on it, the gap
    (cost / bound) and the busiest link's load.
  }];
  let options = [
    Option<"report", "report", "bool", "false", "emit the placement cost, lower bound and gap as a remark">,
    Option<"strategy", "strategy", "std::string", "\"anneal\"", "greedy | anneal">,
    Option<"seed", "seed", "unsigned", "1", "annealing random seed">,
    Option<"iterations", "iterations", "unsigned", "0",
           "annealing moves (0: automatic, 200 per slice, at least 20000, at most 4M)">,
    Option<"balanceWeight", "balance-weight", "double", "0.1",
           "weight of the link-load balance term of the annealing objective">,
    Option<"spareCores", "spare-cores", "unsigned", "0",
           "cores (the highest ids) kept free, for spawn bounds">
  ];
}

def NactRoute : Pass<"nact-route", "::mlir::ModuleOp"> {
  let summary = "Derive every message of a timestep: XY paths, multicast, mailboxes";
  let description = [{
    Turns channels between slices into messages that fit `max_message_bytes`
    (one input buffer for multicast), uses multicast groups (XY trees) for
    fan-out, gathers partitioned graph outputs, and assigns mailboxes so
    that no mailbox ever overflows (no head-of-line blocking, no deadlock).
    Records `xpu.messages` and `xpu.groups` on the graph.
  }];
  let options = [
    Option<"multicast", "multicast", "bool", "true", "use multicast groups for fan-out">
  ];
}

def NactCheckDeadlock : Pass<"nact-check-deadlock", "::mlir::ModuleOp"> {
  let summary = "Reject routed graphs whose programs could deadlock, naming the cycle";
  let description = [{
    Builds the wait-for graph of two timesteps of the programs that
    nact-lower-to-xpu would emit for the recorded routing: program order,
    receives after sends, mailbox capacity (a message into a full mailbox
    stalls in the network and blocks packets behind it on its virtual
    channel) and the timestep barrier. A cycle is reported with every wait
    on it and the channels involved (docs/mapping.md "Deadlock check").
  }];
}

def NactLowerToXpu : Pass<"nact-lower-to-xpu", "::mlir::ModuleOp"> {
  let summary = "Lower a mapped nact graph to one xpu program per core";
  let description = [{
    Replaces each mapped `nact.graph` by an `xpu.module`: per slice an
    `xpu.core` at its placement with its SRAM buffers (weights and neuron
    state initialised, host I/O windows named after the graph's inputs and
    outputs) and a timestep loop: receive, compute (vdot rows + vreq,
    vadd32 + nstep), send or multicast, gather outputs, barrier.
  }];
}

#endif // XPU_COMPILER_TRANSFORMS_PASSES_TD
