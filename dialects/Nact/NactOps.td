// Ops of the nact dialect: graphs, NIR-like neural actors, MoE, templates,
// handlers, channels and spawn.
#ifndef XPU_DIALECTS_NACT_NACTOPS_TD
#define XPU_DIALECTS_NACT_NACTOPS_TD

include "dialects/Nact/NactDialect.td"
include "dialects/Nact/NactTypes.td"
include "dialects/Nact/NactAttrs.td"
include "dialects/Nact/NactInterfaces.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/IR/RegionKindInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Graphs and their boundary
//===----------------------------------------------------------------------===//

def Nact_GraphOp : Nact_Op<"graph", [
    Symbol, SymbolTable, SingleBlock, NoTerminator, IsolatedFromAbove,
    DeclareOpInterfaceMethods<Nact_ActorOpInterface,
        ["getInputPortType", "getOutputPortType"]>]> {
  let summary = "a graph of actors and channels with a timestep and sync mode";
  let description = [{
    A symbol table of actors, templates, graph inputs/outputs and channels.
    Graphs nest: an inner graph is an actor of the outer one whose ports are
    its `nact.input` and `nact.output` symbols.

    In a `barrier` graph every actor fires once per timestep `dt` (seconds);
    a cycle of channels must therefore contain a `nact.delay` actor or a
    `delayed` channel (the message is consumed in the next timestep).

    ```mlir
    nact.graph @net dt 1.000000e-03 sync barrier {
      nact.input @x : tensor<4xf32>
      nact.lif @l : tensor<4xf32> -> tensor<4xf32> reset zero {...}
      nact.channel @x -> @l::@in capacity 1 overflow block
    }
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, F64Attr:$dt,
                       Nact_SyncMode:$sync);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $sym_name `dt` $dt `sync` $sync attr-dict-with-keyword $body
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::Block *getBodyBlock() { return &getBody().front(); }
  }];
}

class Nact_BoundaryOp<string mnemonic, string what>
    : Nact_Op<mnemonic, [Symbol, HasParent<"GraphOp">]> {
  let summary = "a " # what # " of the enclosing graph";
  let description = [{
    Declares a graph }] # what # [{ and its message type. Channels name it as
    `@name` inside the graph, and as `@graph::@name` from the outer graph.
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, TypeAttrOf<Nact_PortType>:$type);
  let assemblyFormat = "$sym_name `:` $type attr-dict";
}

def Nact_InputOp : Nact_BoundaryOp<"input", "input">;
def Nact_OutputOp : Nact_BoundaryOp<"output", "output">;

//===----------------------------------------------------------------------===//
// Built-in neural actors (NIR primitives, same parameter names)
//===----------------------------------------------------------------------===//

// A built-in actor: one input port `in`, one output port `out`; parameters
// are attributes named as in NIR.
class Nact_BuiltinActorOp<string mnemonic, dag params, list<Trait> traits = []>
    : Nact_Op<mnemonic, !listconcat([Symbol, Nact_ActorOpInterface], traits)> {
  let arguments = !con((ins SymbolNameAttr:$sym_name,
                            TypeAttrOf<Nact_PortType>:$in_type,
                            TypeAttrOf<Nact_PortType>:$out_type), params);
  let assemblyFormat = "$sym_name `:` $in_type `->` $out_type attr-dict";
  let hasVerifier = 1;
}

// A spiking population with an explicit reset mode.
class Nact_SpikingOp<string mnemonic, dag params>
    : Nact_BuiltinActorOp<mnemonic, !con(params,
          (ins Nact_ResetMode:$reset, OptionalAttr<ElementsAttr>:$v_reset))> {
  let assemblyFormat = [{
    $sym_name `:` $in_type `->` $out_type `reset` $reset attr-dict
  }];
}

def Nact_LinearOp : Nact_BuiltinActorOp<"linear", (ins ElementsAttr:$weight)> {
  let summary = "dense layer without bias (NIR Linear): out = weight * in";
  let description = [{ `weight` has shape `[N_out, N_in]` over the flattened
    port shapes. }];
}

def Nact_AffineOp : Nact_BuiltinActorOp<"affine",
    (ins ElementsAttr:$weight, ElementsAttr:$bias)> {
  let summary = "dense layer (NIR Affine): out = weight * in + bias";
  let description = [{ `weight` is `[N_out, N_in]`, `bias` is `[N_out]`. }];
}

def Nact_ScaleOp : Nact_BuiltinActorOp<"scale", (ins ElementsAttr:$scale)> {
  let summary = "elementwise scaling (NIR Scale): out = scale * in";
  let description = [{ `scale` has one element or one per neuron. }];
}

def Nact_ThresholdOp : Nact_BuiltinActorOp<"threshold",
    (ins ElementsAttr:$threshold)> {
  let summary = "Heaviside step (NIR Threshold): out = in > threshold";
  let description = [{ `threshold` has one element or one per neuron. }];
}

def Nact_DelayOp : Nact_BuiltinActorOp<"delay", (ins ElementsAttr:$delay),
    [DeclareOpInterfaceMethods<Nact_ActorOpInterface, ["delaysMessages"]>]> {
  let summary = "delays its input (NIR Delay) by `delay` seconds, >= one step";
  let description = [{ `delay` has one element or one per neuron; a delay
    breaks a cycle in a barrier graph. }];
}

def Nact_Conv2dOp : Nact_BuiltinActorOp<"conv2d", (ins ElementsAttr:$weight,
    ElementsAttr:$bias, DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding,
    DenseI64ArrayAttr:$dilation, I64Attr:$groups)> {
  let summary = "2-D convolution (NIR Conv2d) over [C, H, W] tensors";
  let description = [{ `weight` is `[C_out, C_in / groups, kH, kW]`, `bias`
    is `[C_out]`; `stride`, `padding`, `dilation` have two entries (H, W). }];
}

def Nact_SumPool2dOp : Nact_BuiltinActorOp<"sum_pool2d", (ins
    DenseI64ArrayAttr:$kernel_size, DenseI64ArrayAttr:$stride,
    DenseI64ArrayAttr:$padding)> {
  let summary = "2-D sum pooling (NIR SumPool2d) over [C, H, W] tensors";
}

def Nact_FlattenOp : Nact_BuiltinActorOp<"flatten",
    (ins I64Attr:$start_dim, I64Attr:$end_dim)> {
  let summary = "merges dimensions start_dim..end_dim (NIR Flatten)";
  let description = [{ Dimensions count from 0 and may be negative (from the
    end), as in NIR. }];
}

def Nact_LIOp : Nact_BuiltinActorOp<"li", (ins ElementsAttr:$tau,
    ElementsAttr:$r, ElementsAttr:$v_leak)> {
  let summary = "leaky integrator population (NIR LI), never spikes";
  let description = [{ `tau * dv/dt = (v_leak - v) + r * in`. }];
}

def Nact_LIFOp : Nact_SpikingOp<"lif", (ins ElementsAttr:$tau, ElementsAttr:$r,
    ElementsAttr:$v_leak, ElementsAttr:$v_threshold)> {
  let summary = "leaky integrate-and-fire population (NIR LIF)";
  let description = [{ `tau * dv/dt = (v_leak - v) + r * in`; spikes when
    `v > v_threshold`, then applies `reset` (`to_value` needs `v_reset`). }];
}

def Nact_CubaLIFOp : Nact_SpikingOp<"cuba_lif", (ins ElementsAttr:$tau_mem,
    ElementsAttr:$tau_syn, ElementsAttr:$r, ElementsAttr:$v_leak,
    ElementsAttr:$v_threshold, ElementsAttr:$w_in)> {
  let summary = "current-based LIF population (NIR CubaLIF)";
  let description = [{ `tau_syn * di/dt = -i + w_in * in`,
    `tau_mem * dv/dt = (v_leak - v) + r * i`; spike and reset as `lif`. }];
}

def Nact_IFOp : Nact_SpikingOp<"if", (ins ElementsAttr:$r,
    ElementsAttr:$v_threshold)> {
  let summary = "integrate-and-fire population (NIR IF)";
  let description = [{ `dv/dt = r * in`; spike and reset as `lif`. }];
}

//===----------------------------------------------------------------------===//
// Mixture of experts
//===----------------------------------------------------------------------===//

def Nact_MoERouterOp : Nact_Op<"moe_router", [Symbol, Nact_ActorOpInterface,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "routes tokens to experts by content (and may combine them)";
  let description = [{
    Receives `[T, D]` tokens on `@in`, scores them with `weight` (`[E, D]`,
    one row per expert) and sends each selected token (`[D]`) to the chosen
    experts. `expert_choice`: each expert takes its top tokens (ties: lower
    token). `token_choice`: each token goes to its top `k` experts (ties:
    lower expert).

    Two forms:
    - dispatch only: `@out` is one `[D]` token (the type the experts take);
      `expert_choice` sizes experts by `capacity_factor * T / E`.
    - combining (an integer `capacity` is given): the router is the whole
      mixture, as the actor-graph `moe` kind (docs/actor-graph.md). Each
      expert takes at most `capacity` tokens per step (1..T); the experts
      (`nact.expert`, `[D] -> [O]` i8, with `nact.requantize`) reply to the
      router, which produces `@out` = `[T, O]` i32: per token, the sum over
      the experts that processed it of `gate * expert output`, with
      `gate = vreq(score, gate_shift)` (0..31, default 0). Ports may be flat
      (`[T*D] -> [T*O]`) with `tokens = T`, as actor-graph channels are.
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
      TypeAttrOf<Nact_PortType>:$in_type, TypeAttrOf<Nact_PortType>:$out_type,
      FlatSymbolRefArrayAttr:$experts, Nact_RoutingMode:$mode,
      ElementsAttr:$weight, OptionalAttr<I64Attr>:$k,
      OptionalAttr<F64Attr>:$capacity_factor,
      OptionalAttr<I64Attr>:$tokens, OptionalAttr<I64Attr>:$capacity,
      OptionalAttr<I64Attr>:$gate_shift);
  let assemblyFormat = [{
    $sym_name `:` $in_type `->` $out_type `experts` $experts `mode` $mode
    attr-dict
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// True for the combining form (an integer `capacity`).
    bool isCombining() { return getCapacity().has_value(); }
    /// T (tokens per step) and D (features per token), or failure if the
    /// input type does not say.
    ::mlir::FailureOr<std::pair<int64_t, int64_t>> tokenShape();
  }];
}

def Nact_ExpertOp : Nact_BuiltinActorOp<"expert",
    (ins ElementsAttr:$weight, ElementsAttr:$bias)> {
  let summary = "one expert of a mixture: a dense layer fed by a router";
  let description = [{ `weight` is `[N_out, N_in]`, `bias` is `[N_out]`. }];
}

def Nact_PoolOp : Nact_BuiltinActorOp<"pool",
    (ins I64Attr:$jobs, I64Attr:$jobs_per_worker, I64Attr:$max_workers,
         StrAttr:$on_bound, ElementsAttr:$weight, OptionalAttr<ElementsAttr>:$bias)> {
  let summary = "a dispatcher that spawns workers from a template (the actor-graph 'pool' kind)";
  let description = [{
    The neural actor that creates actors. `@in` is `[1 + jobs * D]` i8: the
    job count c of the step, then `jobs` jobs of D features; `@out` is
    `[jobs * O + 2]` i8: one result per job (`requant(weight x + bias)`,
    with `nact.requantize`), then the live workers and the jobs dropped.
    Workers are spawned on spare cores as load grows, up to `max_workers`,
    each taking `jobs_per_worker` jobs; `on_bound` ("self" or "drop") says
    what happens to the jobs beyond them. `weight` is `[O, D]` (the
    template every worker runs), `bias` `[O]`. docs/actor-graph.md "Pools".
  }];
}

//===----------------------------------------------------------------------===//
// User actors: templates, instances, handlers
//===----------------------------------------------------------------------===//

def Nact_TemplateOp : Nact_Op<"template", [Symbol, SymbolTable, SingleBlock,
    NoTerminator, IsolatedFromAbove]> {
  let summary = "a user actor template: ports, state and message handlers";
  let description = [{
    Holds `nact.port`, `nact.state` and `nact.handler` ops. `nact.actor`
    instantiates it statically; `nact.spawn` creates instances at run time,
    up to a static bound.
  }];
  let arguments = (ins SymbolNameAttr:$sym_name);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$sym_name attr-dict-with-keyword $body";
  let extraClassDeclaration = [{
    ::mlir::Block *getBodyBlock() { return &getBody().front(); }
    /// The port `name` with direction `dir`, or null.
    PortOp lookupPort(::llvm::StringRef name, PortDirection dir);
  }];
}

def Nact_PortOp : Nact_Op<"port", [Symbol, HasParent<"TemplateOp">]> {
  let summary = "an input or output port of a template";
  let arguments = (ins SymbolNameAttr:$sym_name, Nact_PortDirection:$direction,
                       TypeAttrOf<Nact_PortType>:$type);
  let assemblyFormat = "$sym_name $direction `:` $type attr-dict";
}

def Nact_StateOp : Nact_Op<"state", [Symbol, HasParent<"TemplateOp">]> {
  let summary = "a state variable of a template, with an initial value";
  let arguments = (ins SymbolNameAttr:$sym_name,
                       TypeAttrOf<Nact_PortType>:$type,
                       OptionalAttr<AnyAttr>:$init);
  let assemblyFormat = "$sym_name `:` $type (`=` $init^)? attr-dict";
}

def Nact_HandlerOp : Nact_Op<"handler", [HasParent<"TemplateOp">,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "the behaviour of a template when a message arrives on a port";
  let description = [{
    The body's single argument is the message received on input port
    `port`. It may read and write state, emit on output ports, send to
    addresses and spawn actors; it ends with `nact.yield`.
  }];
  let arguments = (ins FlatSymbolRefAttr:$port);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$port attr-dict-with-keyword $body";
}

def Nact_YieldOp : Nact_Op<"yield", [Terminator, Pure,
    HasParent<"HandlerOp">]> {
  let summary = "ends a handler";
  let assemblyFormat = "attr-dict";
}

def Nact_ActorOp : Nact_Op<"actor", [Symbol,
    DeclareOpInterfaceMethods<Nact_ActorOpInterface,
        ["getInputPortType", "getOutputPortType"]>,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "a static instance of a template";
  let arguments = (ins SymbolNameAttr:$sym_name, FlatSymbolRefAttr:$template_name);
  let assemblyFormat = "$sym_name `:` $template_name attr-dict";
  let extraClassDeclaration = [{
    /// The instantiated template, or null if the reference does not resolve.
    TemplateOp lookupTemplate();
  }];
}

def Nact_StateReadOp : Nact_Op<"state_read", [
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "reads a state variable of the enclosing template";
  let arguments = (ins FlatSymbolRefAttr:$state);
  let results = (outs Nact_PortType:$value);
  let assemblyFormat = "$state attr-dict `:` type($value)";
}

def Nact_StateWriteOp : Nact_Op<"state_write", [
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "writes a state variable of the enclosing template";
  let arguments = (ins FlatSymbolRefAttr:$state, Nact_PortType:$value);
  let assemblyFormat = "$state `,` $value attr-dict `:` type($value)";
}

def Nact_EmitOp : Nact_Op<"emit", [
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "sends a message on an output port of the enclosing template";
  let arguments = (ins FlatSymbolRefAttr:$port, Nact_PortType:$value);
  let assemblyFormat = "$port `,` $value attr-dict `:` type($value)";
}

def Nact_SendOp : Nact_Op<"send"> {
  let summary = "sends a message to input port `port` of the actor at `dest`";
  let description = [{
    Dynamic addressing: `dest` came from `nact.self`, `nact.spawn` or a
    message. The port is checked when the address is resolved at run time.
  }];
  let arguments = (ins Nact_AddrType:$dest, StrAttr:$port, Nact_PortType:$value);
  let assemblyFormat = "$dest `,` $port `,` $value attr-dict `:` type($value)";
}

def Nact_SelfOp : Nact_Op<"self", [Pure]> {
  let summary = "the address of the running actor";
  let results = (outs Nact_AddrType:$addr);
  let assemblyFormat = "attr-dict `:` type($addr)";
}

def Nact_SpawnOp : Nact_Op<"spawn", [
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "creates an actor from a template, up to a static bound";
  let description = [{
    `bound` is the largest number of live instances this op may create; the
    compiler reserves that many spare cores. A spawn without a bound is an
    error: the hardware cannot grow.
  }];
  let arguments = (ins FlatSymbolRefAttr:$template_name,
                       OptionalAttr<I64Attr>:$bound);
  let results = (outs Nact_AddrType:$addr);
  let assemblyFormat = [{
    $template_name (`bound` $bound^)? attr-dict `:` type($addr)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Channels
//===----------------------------------------------------------------------===//

def Nact_ChannelOp : Nact_Op<"channel", [HasParent<"GraphOp">,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "a point-to-point channel through a bounded mailbox";
  let description = [{
    Connects output port `src` to input port `dst`. An endpoint is
    `@actor::@port`, or `@name` for an input/output of the enclosing graph.
    The destination mailbox holds `capacity` messages; `overflow` says what
    happens to a message that arrives while it is full. A `delayed` channel
    delivers in the next timestep and so breaks cycles in barrier graphs.
  }];
  let arguments = (ins SymbolRefAttr:$src, SymbolRefAttr:$dst,
                       I64Attr:$capacity, Nact_OverflowPolicy:$overflow,
                       UnitAttr:$delayed);
  let assemblyFormat = [{
    $src `->` $dst `capacity` $capacity `overflow` $overflow
    (`delayed` $delayed^)? attr-dict
  }];
  let hasVerifier = 1;
}

def Nact_MulticastOp : Nact_Op<"multicast", [HasParent<"GraphOp">,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "one output port fanned out to several input ports";
  let description = [{ Every destination gets each message in a mailbox of
    `capacity` messages with the given overflow policy. }];
  let arguments = (ins SymbolRefAttr:$src, SymbolRefArrayAttr:$dsts,
                       I64Attr:$capacity, Nact_OverflowPolicy:$overflow,
                       UnitAttr:$delayed);
  let assemblyFormat = [{
    $src `->` $dsts `capacity` $capacity `overflow` $overflow
    (`delayed` $delayed^)? attr-dict
  }];
  let hasVerifier = 1;
}

#endif // XPU_DIALECTS_NACT_NACTOPS_TD
