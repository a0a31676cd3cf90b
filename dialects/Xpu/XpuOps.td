// Ops of the xpu dialect: chip module, cores, SRAM buffers, channels,
// multicast groups and routes, buffer-level program ops and ISA instructions.
#ifndef XPU_DIALECTS_XPU_XPUOPS_TD
#define XPU_DIALECTS_XPU_XPUOPS_TD

include "dialects/Xpu/XpuDialect.td"
include "dialects/Xpu/XpuAttrs.td"
include "mlir/IR/SymbolInterfaces.td"

// A 32-bit integer read back as int32_t (upstream I32Attr gives uint32_t, which
// would turn a negative count or offset into a huge one).
def Xpu_I32Attr : TypedSignlessIntegerAttrBase<I32, "int32_t",
    "32-bit signless integer attribute"> {
  let convertFromStorage =
      "static_cast<int32_t>($_self.getValue().getSExtValue())";
}

//===----------------------------------------------------------------------===//
// Structure
//===----------------------------------------------------------------------===//

def Xpu_ModuleOp : Xpu_Op<"module", [Symbol, SymbolTable, SingleBlock,
    NoTerminator, IsolatedFromAbove]> {
  let summary = "the programs of one chip";
  let description = [{
    Holds cores, spare cores, channels, multicast groups and routes for the
    chip `chip`. Every tile runs at most one program.

    ```mlir
    xpu.module @m chip(#xpu.chip<width = 2, height = 1>) {
      xpu.core @c0 at(0, 0) {
        xpu.halt
      }
    }
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, Xpu_ChipAttr:$chip);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $sym_name `chip` `(` qualified($chip) `)` attr-dict-with-keyword $body
  }];
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::Block *getBodyBlock() { return &getBody().front(); }
  }];
}

def Xpu_CoreOp : Xpu_Op<"core", [Symbol, SymbolTable, SingleBlock,
    NoTerminator, HasParent<"ModuleOp">]> {
  let summary = "a program image and the tile that boots it";
  let description = [{
    The body lists the program's SRAM buffers, labels and code in order.
    With `at(x, y)` the tile boots the image at load; without, the image is
    only booted by `xpu.spawn` on a spare core. The image index used by
    `spawn` is the position of the `xpu.core` among its siblings.
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, OptionalAttr<Xpu_I32Attr>:$x,
                       OptionalAttr<Xpu_I32Attr>:$y);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $sym_name (`at` `(` $x^ `,` $y `)`)? attr-dict-with-keyword $body
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::Block *getBodyBlock() { return &getBody().front(); }
    bool isPlaced() { return getX().has_value(); }
    ChipAttr getChip();
    /// Places the buffers in SRAM (explicit addresses first, then the rest in
    /// order, first fit); reports overlaps and overflow as errors at the op.
    ::mlir::FailureOr<::llvm::SmallVector<std::pair<BufferOp, int64_t>>>
    layoutBuffers();
  }];
}

def Xpu_SpareOp : Xpu_Op<"spare", [HasParent<"ModuleOp">]> {
  let summary = "a tile kept idle at load, for xpu.spawn";
  let arguments = (ins Xpu_I32Attr:$x, Xpu_I32Attr:$y);
  let assemblyFormat = "`at` `(` $x `,` $y `)` attr-dict";
  let hasVerifier = 1;
}

def Xpu_BufferOp : Xpu_Op<"buffer", [Symbol, HasParent<"CoreOp">]> {
  let summary = "an SRAM buffer of a core";
  let description = [{
    `type` gives the size (elements times element bytes) and, for host I/O,
    the dtype and shape. Buffers with `at` are placed first; the others
    follow in order, first fit, aligned to `align` (default 4). `init` is the initial content (a
    dense attribute of the buffer's type). `host input`/`host output` makes
    the buffer a named window the host writes or reads.

    `live [first, last]` says the buffer holds a value only from program
    phase `first` to phase `last` of every timestep (the producer numbers
    the phases of its loop; nact-lower-to-xpu uses 0 receive, 1 compute,
    2 requantise, 3 send, 4 receive output gathers). Buffers whose live
    ranges do not intersect may share SRAM: placement treats them as not
    interfering, and explicit addresses may overlap only for them. A buffer
    without `live` (weights, neuron state, host windows, anything carried
    from one step to the next) interferes with every buffer.
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       TypeAttrOf<AnyStaticShapeTensor>:$type,
                       OptionalAttr<I64Attr>:$address,
                       OptionalAttr<I64Attr>:$alignment,
                       OptionalAttr<ElementsAttr>:$init,
                       OptionalAttr<Xpu_HostAccess>:$host,
                       OptionalAttr<DenseI32ArrayAttr>:$live);
  let assemblyFormat = [{
    $sym_name `:` $type (`at` $address^)? (`align` $alignment^)?
    (`init` $init^)? (`host` $host^)? (`live` $live^)? attr-dict
  }];
  let builders = [
    // Without a live range (live for the whole program).
    OpBuilder<(ins "::mlir::StringAttr":$sym_name, "::mlir::TypeAttr":$type,
                   "::mlir::IntegerAttr":$address, "::mlir::IntegerAttr":$alignment,
                   "::mlir::ElementsAttr":$init, "::xpu::mc::HostAccessAttr":$host), [{
      build($_builder, $_state, sym_name, type, address, alignment, init, host,
            ::mlir::DenseI32ArrayAttr());
    }]>
  ];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Size in bytes: element count times whole bytes per element.
    int64_t getSizeInBytes();
    int64_t getAlignmentOrDefault() { return getAlignment().value_or(4); }
    /// False when both buffers have disjoint live ranges (they may share SRAM).
    bool interferesWith(BufferOp other);
  }];
}

def Xpu_LabelOp : Xpu_Op<"label", [Symbol, HasParent<"CoreOp">]> {
  let summary = "names the index of the next instruction of the program";
  let arguments = (ins SymbolNameAttr:$sym_name);
  let assemblyFormat = "$sym_name attr-dict";
}

def Xpu_ChannelOp : Xpu_Op<"channel", [Symbol, HasParent<"ModuleOp">]> {
  let summary = "a static message channel between two tiles";
  let description = [{
    Messages of exactly `bytes` bytes from tile `from` to mailbox `mailbox`
    of tile `to`, whose overflow policy is `overflow`. `xpu.send` and
    `xpu.recv` name the channel; both ends must use buffers of `bytes`.
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, Xpu_I32Attr:$from_x,
      Xpu_I32Attr:$from_y, Xpu_I32Attr:$to_x, Xpu_I32Attr:$to_y, Xpu_I32Attr:$mailbox,
      Xpu_I32Attr:$bytes, Xpu_MailboxPolicy:$overflow);
  let assemblyFormat = [{
    $sym_name `from` `(` $from_x `,` $from_y `)` `to` `(` $to_x `,` $to_y `)`
    `mailbox` $mailbox `bytes` $bytes `overflow` $overflow attr-dict
  }];
  let hasVerifier = 1;
}

def Xpu_GroupOp : Xpu_Op<"group", [Symbol, HasParent<"ModuleOp">]> {
  let summary = "a multicast group: one source tile, destination tiles";
  let description = [{
    Group `id` indexes every router's multicast table. By default the loader
    fills the tables with the XY tree from the source to the destinations;
    `xpu.route` ops state table entries explicitly.
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, Xpu_I32Attr:$id, Xpu_I32Attr:$src_x,
                       Xpu_I32Attr:$src_y, DenseI32ArrayAttr:$dests);
  let assemblyFormat = [{
    $sym_name `id` $id `from` `(` $src_x `,` $src_y `)` `to`
    custom<CoordList>($dests) attr-dict
  }];
  let hasVerifier = 1;
}

def Xpu_RouteOp : Xpu_Op<"route", [HasParent<"ModuleOp">,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "a multicast routing-table entry of one router";
  let description = [{
    Router `(x, y)` forwards packets of `group` to the listed output ports
    (`local`, `east`, `west`, `north`, `south`).
  }];
  let arguments = (ins Xpu_I32Attr:$x, Xpu_I32Attr:$y, FlatSymbolRefAttr:$group,
                       Xpu_I32Attr:$ports);
  let assemblyFormat = [{
    `at` `(` $x `,` $y `)` $group `ports` custom<PortMask>($ports) attr-dict
  }];
}

//===----------------------------------------------------------------------===//
// Buffer-level program ops. Operands are buffers (with a byte offset) and
// constants; expanding one into instructions uses registers r12..r15.
//===----------------------------------------------------------------------===//

class Xpu_ProgramOp<string mnemonic, list<Trait> traits = []>
    : Xpu_Op<mnemonic, !listconcat([HasParent<"CoreOp">], traits)>;

def Xpu_VmacsOp : Xpu_ProgramOp<"vmacs"> {
  let summary = "vector multiply-accumulate: i32[acc + 4i] += s8[src + i] * scale";
  let arguments = (ins FlatSymbolRefAttr:$acc, Xpu_I32Attr:$acc_offset,
      FlatSymbolRefAttr:$src, Xpu_I32Attr:$src_offset, Xpu_I32Attr:$scale,
      Xpu_I32Attr:$count);
  let assemblyFormat = [{
    custom<BufRef>($acc, $acc_offset) `,` custom<BufRef>($src, $src_offset)
    `scale` $scale `count` $count attr-dict
  }];
  let hasVerifier = 1;
}

def Xpu_Vadd32Op : Xpu_ProgramOp<"vadd32"> {
  let summary = "vector add: i32[dst + 4i] = i32[lhs + 4i] + i32[rhs + 4i]";
  let arguments = (ins FlatSymbolRefAttr:$dst, Xpu_I32Attr:$dst_offset,
      FlatSymbolRefAttr:$lhs, Xpu_I32Attr:$lhs_offset, FlatSymbolRefAttr:$rhs,
      Xpu_I32Attr:$rhs_offset, Xpu_I32Attr:$count);
  let assemblyFormat = [{
    custom<BufRef>($dst, $dst_offset) `,` custom<BufRef>($lhs, $lhs_offset)
    `,` custom<BufRef>($rhs, $rhs_offset) `count` $count attr-dict
  }];
  let hasVerifier = 1;
}

def Xpu_VreqOp : Xpu_ProgramOp<"vreq"> {
  let summary = "requantise: s8[dst + i] = clamp(round(i32[src + 4i] >> shift))";
  let arguments = (ins FlatSymbolRefAttr:$dst, Xpu_I32Attr:$dst_offset,
      FlatSymbolRefAttr:$src, Xpu_I32Attr:$src_offset, Xpu_I32Attr:$count,
      Xpu_I32Attr:$shift, UnitAttr:$relu);
  let assemblyFormat = [{
    custom<BufRef>($dst, $dst_offset) `,` custom<BufRef>($src, $src_offset)
    `count` $count `shift` $shift (`relu` $relu^)? attr-dict
  }];
  let hasVerifier = 1;
}

def Xpu_NstepOp : Xpu_ProgramOp<"nstep"> {
  let summary = "advances `count` neurons one timestep (fixed-point LIF family)";
  let description = [{
    `state` holds the five int32 parameters `dv, du, vth, v_reset, bias`,
    then `v[count]`, then for `cuba` `u[count]`; `input` holds `count` int32
    currents; one spike byte per neuron goes to `spikes` (docs/arch.md 3.3).
  }];
  let arguments = (ins FlatSymbolRefAttr:$spikes, Xpu_I32Attr:$spikes_offset,
      FlatSymbolRefAttr:$state, Xpu_I32Attr:$state_offset,
      FlatSymbolRefAttr:$input, Xpu_I32Attr:$input_offset, Xpu_I32Attr:$count,
      Xpu_NeuronModel:$model, Xpu_ResetMode:$reset);
  let assemblyFormat = [{
    custom<BufRef>($spikes, $spikes_offset) `,`
    custom<BufRef>($state, $state_offset) `,`
    custom<BufRef>($input, $input_offset) `count` $count `model` $model
    `reset` $reset attr-dict
  }];
  let hasVerifier = 1;
}

def Xpu_SendOp : Xpu_ProgramOp<"send"> {
  let summary = "sends the buffer `buffer` on channel `channel`";
  let arguments = (ins FlatSymbolRefAttr:$channel, FlatSymbolRefAttr:$buffer);
  let assemblyFormat = "$channel `,` $buffer attr-dict";
  let hasVerifier = 1;
}

def Xpu_RecvOp : Xpu_ProgramOp<"recv"> {
  let summary = "waits for a message of `channel` and copies it to `buffer`";
  let arguments = (ins FlatSymbolRefAttr:$channel, FlatSymbolRefAttr:$buffer);
  let assemblyFormat = "$channel `,` $buffer attr-dict";
  let hasVerifier = 1;
}

def Xpu_PollOp : Xpu_ProgramOp<"poll"> {
  let summary = "writes the number of messages waiting on `channel` to a register";
  let arguments = (ins FlatSymbolRefAttr:$channel, Xpu_I32Attr:$rd);
  let assemblyFormat = "$channel `->` custom<Reg>($rd) attr-dict";
  let hasVerifier = 1;
}

def Xpu_McastOp : Xpu_ProgramOp<"mcast"> {
  let summary = "multicasts `buffer` to mailbox `mailbox` of a group's tiles";
  let arguments = (ins FlatSymbolRefAttr:$group, FlatSymbolRefAttr:$buffer,
                       Xpu_I32Attr:$mailbox);
  let assemblyFormat = "$group `,` $buffer `mailbox` $mailbox attr-dict";
  let hasVerifier = 1;
}

def Xpu_BarrierOp : Xpu_ProgramOp<"barrier"> {
  let summary = "waits for the timestep barrier";
  let assemblyFormat = "attr-dict";
}

def Xpu_HaltOp : Xpu_ProgramOp<"halt"> {
  let summary = "stops the core";
  let assemblyFormat = "attr-dict";
}

def Xpu_SpawnOp : Xpu_ProgramOp<"spawn"> {
  let summary = "boots program image `image` on the spare tile (x, y)";
  let arguments = (ins FlatSymbolRefAttr:$image, Xpu_I32Attr:$x, Xpu_I32Attr:$y,
                       Xpu_I32Attr:$arg);
  let assemblyFormat = [{
    $image `at` `(` $x `,` $y `)` `arg` $arg attr-dict
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// ISA instructions
//===----------------------------------------------------------------------===//

def Xpu_InstOp : Xpu_ProgramOp<"inst"> {
  let summary = "one XPU ISA instruction, checked against Opcodes.def";
  let description = [{
    The operand syntax is the assembler's (docs/assembly.md), chosen by the
    opcode's format in `runtime/include/xpu/Opcodes.def`:

    ```mlir
    xpu.inst addi r1, r2, -5
    xpu.inst lw r3, 8(r2)
    xpu.inst li r4, @weights + 16     // SRAM address of a buffer
    xpu.inst bne r1, r0, @loop        // instruction index of a label
    xpu.inst nstep r1, r2, r3, r4, lif, zero
    ```

    A symbolic immediate (`target`, plus `imm` as an addend) names a label
    (instruction index), a buffer (SRAM address), a core (image index), a
    group (group id) or a channel (mailbox).
  }];
  let arguments = (ins StrAttr:$mnemonic, OptionalAttr<Xpu_I32Attr>:$rd,
      OptionalAttr<Xpu_I32Attr>:$rs1, OptionalAttr<Xpu_I32Attr>:$rs2,
      OptionalAttr<Xpu_I32Attr>:$rs3, OptionalAttr<Xpu_I32Attr>:$imm,
      OptionalAttr<FlatSymbolRefAttr>:$target);
  let hasCustomAssemblyFormat = 1;
  let hasVerifier = 1;
}

#endif // XPU_DIALECTS_XPU_XPUOPS_TD
