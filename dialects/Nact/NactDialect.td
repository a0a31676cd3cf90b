// The nact dialect definition: neural actor graphs (actors, ports, channels).
#ifndef XPU_DIALECTS_NACT_NACTDIALECT_TD
#define XPU_DIALECTS_NACT_NACTDIALECT_TD

include "mlir/IR/OpBase.td"

def Nact_Dialect : Dialect {
  let name = "nact";
  let cppNamespace = "::xpu::nact";
  let summary = "Neural actor graphs: actors, ports, channels, spawn and time";
  let description = [{
    `nact` describes a neural network, or any message-passing computation, as
    a graph of *actors* connected by *channels*. A graph has a timestep `dt`
    and a synchronisation mode: `barrier` (all actors advance in lock-step
    timesteps, Loihi style) or `free` (dataflow, actors fire on arrival).

    Actors are either built-in neural kinds that mirror the NIR primitives
    (same names and parameter names: `linear`, `affine`, `scale`,
    `threshold`, `delay`, `conv2d`, `sum_pool2d`, `flatten`, `li`, `lif`,
    `cuba_lif`, `if`), a mixture-of-experts router and its experts, or
    instances of user-written templates with state and message handlers.

    Every actor names its ports; built-in actors have one input port `@in`
    and one output port `@out`. A channel connects `@actor::@port` to
    `@actor::@port` through a bounded mailbox with an overflow policy.
  }];
  let useDefaultTypePrinterParser = 1;
}

class Nact_Op<string mnemonic, list<Trait> traits = []>
    : Op<Nact_Dialect, mnemonic, traits>;

#endif // XPU_DIALECTS_NACT_NACTDIALECT_TD
