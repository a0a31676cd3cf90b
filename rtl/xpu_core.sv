// The XPU v0 core (docs/arch.md 3): the whole ISA of Opcodes.def, the cycle
// costs of 3.5 and the fault rules of 3.3, matching emu::Core cycle for cycle
// (docs/rtl.md "Core").
//
// Timing. An instruction issues in the cycle it is fetched (IMEM and SRAM are
// flop arrays read combinationally). Scalar instructions (ALU, MUL, loads,
// stores, branches, csrr, poll, halt, barrier) write their whole result at
// the issue edge and then count the rest of their cost in wait_q. Vector ops,
// nstep, send/mcast and recv are sequencers: the issue cycle checks operands
// and latches them, then the busy cycles do the work, so that an op of cost
// k is finished at the edge of its last cycle (c + k - 1):
//   vector, nstep : issue | ceil(n/lanes) chunk cycles of VectorLanes elements
//                   (CubaLIF: every second cycle, half-rate datapath) | final
//                   cycle writing rd (vdot, vargmax)            = 2 + ceil(n/L)
//   send, mcast   : issue = header beat on ob_* | one payload beat of
//                   FlitBytes per cycle on ob_data_o            = 1 + ceil(b/F)
//   recv          : issue = pop + rd | one payload beat per cycle from
//                   mb_data_i into SRAM                         = 1 + ceil(b/F)
// The architectural state (pc, run state, registers except a vdot/vargmax
// rd, SRAM) therefore equals the C++ model's whenever no sequencer is busy
// (busy_o low); pc, run state and fault code equal it every cycle.
//
// The NI boundary mirrors emu::CoreIo: ob_free_i = outboundFree(now),
// ob_post_o = post(), mb_count_i/mb_front_* = mailboxCount/peekMailbox,
// mb_pop_o = popMailbox, mc_source_i = isGroupSource, image_count_i =
// imageCount, bar_arrive_o = arriveBarrier, bar_release_i = releaseBarrier
// (during the cycle the next instruction may issue), timestep_i = timestep.
//
// Memories: sram_q / imem_q are written by the loader port (ld_*), as the
// tile's loader does at boot (docs/arch.md 9). Test benches read sram_q,
// imem_q and rf_q directly (verilator public_flat_rd): an observation-only
// backdoor that adds no port to the netlist.
module xpu_core #(
  parameter int unsigned SramBytes       = 65536, // multiple of 8
  parameter int unsigned ImemWords       = 4096,
  parameter int unsigned VectorLanes     = 16,    // power of two
  parameter int unsigned FlitBytes       = 8,     // power of two
  parameter int unsigned Mailboxes       = 8,     // 1..256
  parameter int unsigned MaxMessageBytes = 256,   // 4..65535
  parameter int unsigned BufferDepth     = 4,
  parameter int unsigned MeshWidth       = 4,
  parameter int unsigned MeshHeight      = 4,
  parameter int unsigned McGroups        = 64,    // 1..4096
  parameter bit          BugAddi         = 1'b0   // test only: addi with a negative imm is off by one
) (
  input  logic                          clk_i,
  input  logic                          rst_ni,
  // identity (strapped per tile) and the chip cycle counter (CSR cycle)
  input  logic [15:0]                   core_id_i,
  input  logic [7:0]                    x_i,
  input  logic [7:0]                    y_i,
  input  logic [31:0]                   cycle_i,
  // loader: one 64-bit word of IMEM or SRAM per cycle, then boot
  input  logic                          ld_we_i,
  input  logic                          ld_imem_i,   // 1: IMEM word, 0: SRAM bytes [8a, 8a+8)
  input  logic [31:0]                   ld_addr_i,
  input  logic [63:0]                   ld_data_i,
  input  logic                          boot_i,      // next cycle issues at boot_pc_i
  input  logic [31:0]                   boot_pc_i,
  input  logic [31:0]                   boot_arg_i,
  input  logic [31:0]                   code_len_i,  // instructions loaded (PcOutOfRange bound)
  // NI outbound buffer
  input  logic                          ob_free_i,
  output logic                          ob_post_o,   // header beat of send/mcast/spawn
  output logic                          ob_spawn_o,
  output logic                          ob_mcast_o,
  output logic [31:0]                   ob_dest_o,   // core, group or spawn target
  output logic [7:0]                    ob_mbox_o,
  output logic [15:0]                   ob_len_o,
  output logic [31:0]                   ob_spawn_image_o,
  output logic [31:0]                   ob_spawn_arg_o,
  output logic                          ob_data_valid_o, // payload beats follow the header
  output logic [FlitBytes*8-1:0]        ob_data_o,
  // NI mailboxes
  // Mailbox m at bits 16m +: 16 (flat: yosys 0.23 has no multi-dimensional
  // packed arrays; same layout as xpu_ni's [Mailboxes-1:0][15:0]).
  input  logic [16*Mailboxes-1:0]       mb_count_i,
  input  logic [16*Mailboxes-1:0]       mb_front_len_i,
  input  logic [16*Mailboxes-1:0]       mb_front_src_i,
  output logic                          mb_pop_o,
  output logic [7:0]                    mb_pop_idx_o,
  input  logic [FlitBytes*8-1:0]        mb_data_i,   // popped payload, one beat per cycle after the pop
  // multicast sources, images, barrier
  input  logic [McGroups-1:0]           mc_source_i,
  input  logic [31:0]                   image_count_i,
  output logic                          bar_arrive_o,
  input  logic                          bar_release_i,
  input  logic [31:0]                   timestep_i,
  // a fault raised by the NI (mailbox overflow with policy error)
  input  logic                          ni_fault_i,
  input  logic [3:0]                    ni_fault_code_i,
  // status (emu::CoreState, emu::BlockReason, sem::Fault encodings)
  output logic [2:0]                    state_o,
  output logic [1:0]                    block_o,
  output logic [3:0]                    fault_o,
  output logic [31:0]                   pc_o,
  output logic                          busy_o,      // a multi-cycle instruction is in flight
  output logic                          seq_busy_o,  // ... and it is a sequencer (memory not final yet)
  output logic                          retire_o,    // the instruction at retire_pc_o issued (emu: instructions++)
  output logic [31:0]                   retire_pc_o
);

  localparam int unsigned SramAw  = $clog2(SramBytes);
  localparam int unsigned ImemAw  = $clog2(ImemWords);
  localparam int unsigned LaneSh  = $clog2(VectorLanes);
  localparam int unsigned FlitSh  = $clog2(FlitBytes);
  localparam int unsigned NumCores = MeshWidth * MeshHeight;
  localparam int unsigned MbAw    = Mailboxes > 1 ? $clog2(Mailboxes) : 1;
  localparam int unsigned GrpAw   = McGroups > 1 ? $clog2(McGroups) : 1;

  // The ISA constants (OpAdd, ClsAlu, FaultBadAddress, ...) as local names,
  // generated with xpu_core_isa_pkg: yosys 0.23 reads no package imports
  // (docs/rtl.md "Synthesis area (yosys)").
`include "xpu_core_isa_names.svh"

  // emu::CoreState / emu::BlockReason values.
  typedef enum logic [2:0] {StIdle = 3'd0, StRun = 3'd1, StBlocked = 3'd2,
                            StHalted = 3'd3, StFaulted = 3'd4} state_e;
  typedef enum logic [1:0] {BlkNone = 2'd0, BlkOutbound = 2'd1, BlkMessage = 2'd2,
                            BlkBarrier = 2'd3} block_e;
  typedef enum logic [1:0] {SeqNone, SeqVec, SeqSend, SeqRecv} seq_e;

  // ------------------------------------------------------------------ state
  logic [7:0]  sram_q [SramBytes] /* verilator public_flat_rd */;
  logic [63:0] imem_q [ImemWords] /* verilator public_flat_rd */;
  logic [31:0] rf_q   [16]        /* verilator public_flat_rd */;

  state_e      state_q, state_d;
  block_e      block_q, block_d;
  logic [3:0]  fault_q, fault_d;
  logic [31:0] pc_q, pc_d;
  logic [31:0] wait_q, wait_d;     // busy cycles left after this one
  seq_e        seq_q, seq_d;
  logic [31:0] bootarg_q;

  // sequencer operands (latched at issue) and accumulators
  logic [7:0]  vop_q;
  logic [3:0]  vrd_q;
  logic [31:0] va_q, vb_q, vd_q, vn_q;
  logic [5:0]  vimm_q;             // imm bits 8, 4:0: vreq relu, shift; nstep reset, model
  logic [31:0] vbase_q;            // first element (vector) / byte offset (messages) of this cycle
  logic [31:0] vchunk_q;           // vector chunks left
  logic        vphase_q;           // CubaLIF: chunk done on phase 1
  logic        vback_q;            // vcopy with dst > src: chunks from the top (memmove)
  logic [31:0] vacc_q, vbest_q;    // vdot sum / vargmax index; vargmax best value
  logic signed [31:0] np_dv_q, np_du_q, np_vth_q, np_vreset_q, np_bias_q;

  // ------------------------------------------------------------------ helpers
  // Callers index SRAM only at addresses checked against SramBytes: the array
  // index takes the low SramAw bits, the upper address bits are known zero.
  /* verilator lint_off UNUSEDSIGNAL */
  function automatic logic [7:0] rd8(logic [31:0] addr);
    rd8 = sram_q[SramAw'(addr)];
  endfunction
  function automatic logic [31:0] s8(logic [31:0] addr);  // sign-extended byte
    logic [7:0] v;
    v = sram_q[SramAw'(addr)];
    s8 = {{24{v[7]}}, v};
  endfunction
  /* verilator lint_on UNUSEDSIGNAL */
  function automatic logic [31:0] rd32(logic [31:0] addr);
    rd32 = {sram_q[SramAw'(addr + 32'd3)], sram_q[SramAw'(addr + 32'd2)],
           sram_q[SramAw'(addr + 32'd1)], sram_q[SramAw'(addr)]};
  endfunction
  // A region of `bytes` at `addr` (docs/arch.md 3.3): outside SRAM / misaligned.
  // A zero-length region is never checked.
  function automatic logic out_of_sram(logic [31:0] addr, logic [39:0] bytes);
    out_of_sram = bytes != 40'd0 && ({8'd0, addr} + bytes > 40'(SramBytes));
  endfunction
  function automatic logic misaligned(logic [1:0] addr_lo, logic [39:0] bytes, logic [1:0] mask);
    misaligned = bytes != 40'd0 && (addr_lo & mask) != 2'd0;
  endfunction
  function automatic logic [31:0] ceil_lanes(logic [31:0] n);
    ceil_lanes = 32'(({1'b0, n} + 33'(VectorLanes - 1)) >> LaneSh);
  endfunction
  function automatic logic [31:0] ceil_flits(logic [31:0] n);
    ceil_flits = 32'(({1'b0, n} + 33'(FlitBytes - 1)) >> FlitSh);
  endfunction
  function automatic logic signed [63:0] sext64(logic [31:0] x);
    sext64 = $signed({{32{x[31]}}, x});
  endfunction
  function automatic logic signed [31:0] sat24(logic signed [63:0] x);
    if (x < -64'sd8388608)     sat24 = -32'sd8388608;
    else if (x > 64'sd8388607) sat24 = 32'sd8388607;
    else                       sat24 = x[31:0];
  endfunction
  // (x * (4096 - d)) >> 12, 64-bit product, arithmetic shift (sem::decay)
  function automatic logic signed [63:0] decay(logic [31:0] x, logic [31:0] d);
    logic signed [63:0] p;
    p = sext64(x) * (64'sd4096 - sext64(d));
    decay = p >>> 12;
  endfunction
  // sem::requantise
  function automatic logic [7:0] requantise(logic [31:0] x, logic [4:0] shift, logic relu);
    logic signed [63:0] y;
    y = sext64(x);
    if (shift != 5'd0) y = (y + (64'sd1 <<< (shift - 5'd1))) >>> shift;
    if (y > 64'sd127)            requantise = 8'd127;
    else if (relu && y < 64'sd0) requantise = 8'd0;
    else if (y < -64'sd128)      requantise = 8'h80;
    else                         requantise = y[7:0];
  endfunction

  // ------------------------------------------------------------------ fetch and decode
  logic        barrier_release, go;
  logic [31:0] fetch_pc;
  logic [63:0] inst;
  logic [7:0]  op;
  logic [3:0]  rd, rs1, rs2, rs3;
  logic [31:0] imm;
  logic [4:0]  fields;
  logic        pc_ok, legal;

  // A blocked send/mcast/spawn/recv re-executes its (already checked)
  // instruction every cycle until the NI lets it proceed, exactly as the
  // model's retry; the operand checks give the same answer every time.
  assign barrier_release = state_q == StBlocked && block_q == BlkBarrier && bar_release_i;
  assign go = !ni_fault_i &&
              ((state_q == StRun && wait_q == 32'd0) || barrier_release ||
               (state_q == StBlocked && (block_q == BlkOutbound || block_q == BlkMessage)));
  assign fetch_pc = barrier_release ? pc_q + 32'd1 : pc_q;
  assign pc_ok    = fetch_pc < code_len_i && fetch_pc < ImemWords;
  assign inst     = imem_q[ImemAw'(fetch_pc)];
  assign op       = inst[7:0];
  assign rd       = inst[11:8];
  assign rs1      = inst[15:12];
  assign rs2      = inst[19:16];
  assign rs3      = inst[23:20];
  assign imm      = inst[63:32];
  assign fields   = xpu_core_isa_pkg::op_fields(op);

  always_comb begin
    legal = xpu_core_isa_pkg::op_defined(op) && inst[31:24] == 8'd0 &&
            (fields[FieldRd]  || rd  == 4'd0) && (fields[FieldRs1] || rs1 == 4'd0) &&
            (fields[FieldRs2] || rs2 == 4'd0) && (fields[FieldRs3] || rs3 == 4'd0) &&
            (fields[FieldImm] || imm == 32'd0);
    unique case (xpu_core_isa_pkg::op_imm_rule(op))
      ImmCsr:    if (imm >= NumCsrs) legal = 1'b0;
      ImmVreq:   if ((imm & ~32'h11F) != 32'd0) legal = 1'b0;
      ImmNstep:  if ((imm & ~32'hF) != 32'd0) legal = 1'b0;
      ImmTarget: if (imm[31]) legal = 1'b0;
      default:   ;
    endcase
  end

  // ------------------------------------------------------------------ operands
  logic [31:0] a, b, n, dreg;
  assign a    = rf_q[rs1];
  assign b    = rf_q[rs2];
  assign n    = rf_q[rs3];
  assign dreg = rf_q[rd];

  // ALU and MUL (sem::alu)
  logic [31:0] alu_b, alu_res;
  logic [31:0] mulh_res;
  assign alu_b     = fields[FieldImm] ? imm : b;
  assign mulh_res  = 32'((sext64(a) * sext64(b)) >>> 32);
  always_comb begin
    unique case (op)
      OpAdd, OpAddi: alu_res = a + alu_b;
      OpSub:         alu_res = a - alu_b;
      OpMul, OpMuli: alu_res = a * alu_b;
      OpMulh:        alu_res = mulh_res;
      OpAnd, OpAndi: alu_res = a & alu_b;
      OpOr, OpOri:   alu_res = a | alu_b;
      OpXor, OpXori: alu_res = a ^ alu_b;
      OpShl, OpShli: alu_res = a << alu_b[4:0];
      OpShr, OpShri: alu_res = a >> alu_b[4:0];
      OpSra, OpSrai: alu_res = $unsigned($signed(a) >>> alu_b[4:0]);
      OpSlt, OpSlti: alu_res = {31'd0, $signed(a) < $signed(alu_b)};
      OpSltu:        alu_res = {31'd0, a < alu_b};
      OpMin:         alu_res = $signed(a) < $signed(alu_b) ? a : alu_b;
      OpMax:         alu_res = $signed(a) > $signed(alu_b) ? a : alu_b;
      OpLi:          alu_res = imm;
      default:       alu_res = 32'd0;
    endcase
    if (BugAddi && op == OpAddi && imm[31]) alu_res = alu_res + 32'd1;
  end

  logic branch_taken;
  always_comb begin
    unique case (op)
      OpBeq:   branch_taken = a == b;
      OpBne:   branch_taken = a != b;
      OpBlt:   branch_taken = $signed(a) < $signed(b);
      OpBge:   branch_taken = $signed(a) >= $signed(b);
      OpBltu:  branch_taken = a < b;
      OpBgeu:  branch_taken = a >= b;
      default: branch_taken = 1'b0;
    endcase
  end

  logic [31:0] csr_val;
  always_comb begin
    unique case (imm[2:0])
      3'd0:    csr_val = {16'd0, core_id_i};
      3'd1:    csr_val = {24'd0, x_i};
      3'd2:    csr_val = {24'd0, y_i};
      3'd3:    csr_val = 32'(MeshWidth);
      3'd4:    csr_val = 32'(MeshHeight);
      3'd5:    csr_val = timestep_i;
      3'd6:    csr_val = cycle_i;
      default: csr_val = bootarg_q;
    endcase
  end

  // loads / stores
  logic [31:0] mem_addr, load_val;
  logic [39:0] mem_size;
  logic [1:0]  mem_mask;
  logic [7:0]  hi;
  assign mem_addr = a + imm;
  assign hi       = rd8(mem_addr + 32'd1);
  always_comb begin
    unique case (op)
      OpLh, OpLhu, OpSh: begin mem_size = 40'd2; mem_mask = 2'b01; end
      OpLw, OpSw:        begin mem_size = 40'd4; mem_mask = 2'b11; end
      default:           begin mem_size = 40'd1; mem_mask = 2'b00; end
    endcase
    unique case (op)
      OpLb:    load_val = s8(mem_addr);
      OpLbu:   load_val = {24'd0, rd8(mem_addr)};
      OpLh:    load_val = {{16{hi[7]}}, hi, rd8(mem_addr)};
      OpLhu:   load_val = {16'd0, hi, rd8(mem_addr)};
      default: load_val = rd32(mem_addr);
    endcase
  end

  // vector / nstep region checks, in operand order (docs/arch.md 3.3)
  logic [39:0] n1, n4, nstate;
  logic        cuba;
  logic        vec_bad_addr, vec_misaligned, bad_params;
  assign n1     = {8'd0, n};
  assign n4     = {6'd0, n, 2'b00};
  assign cuba   = imm[1:0] == 2'd2;
  assign nstate = 40'(NeuronParamBytes) + (cuba ? {5'd0, n, 3'b000} : n4);
  always_comb begin
    vec_bad_addr   = 1'b0;
    vec_misaligned = 1'b0;
    unique case (op)
      OpVdot: begin
        vec_bad_addr   = out_of_sram(a, n1) || out_of_sram(b, n1);
      end
      OpVmacs: begin
        vec_bad_addr   = out_of_sram(dreg, n4) || out_of_sram(a, n1);
        vec_misaligned = misaligned(dreg[1:0], n4, 2'b11);
      end
      OpVadd32: begin
        vec_bad_addr   = out_of_sram(dreg, n4) || out_of_sram(a, n4) || out_of_sram(b, n4);
        vec_misaligned = misaligned(dreg[1:0], n4, 2'b11) || misaligned(a[1:0], n4, 2'b11) ||
                         misaligned(b[1:0], n4, 2'b11);
      end
      OpVreq: begin
        vec_bad_addr   = out_of_sram(dreg, n1) || out_of_sram(a, n4);
        vec_misaligned = misaligned(a[1:0], n4, 2'b11);
      end
      OpVcopy: vec_bad_addr = out_of_sram(dreg, n1) || out_of_sram(a, n1);
      OpVfill: vec_bad_addr = out_of_sram(dreg, n1);
      OpVargmax: begin
        vec_bad_addr   = out_of_sram(a, n4);
        vec_misaligned = misaligned(a[1:0], n4, 2'b11);
      end
      OpNstep: if (n != 32'd0) begin
        vec_bad_addr   = out_of_sram(a, nstate) || out_of_sram(b, n4) || out_of_sram(dreg, n1);
        vec_misaligned = misaligned(a[1:0], nstate, 2'b11) || misaligned(b[1:0], n4, 2'b11);
      end
      default: ;
    endcase
  end
  // dv and du: read only when the state area is inside SRAM and aligned
  assign bad_params = rd32(a) > 32'd4096 || rd32(a + 32'd4) > 32'd4096;

  // messages
  logic [31:0] msg_flits;
  logic        mbox_bad, group_bad;
  logic [MbAw-1:0] mbox;
  assign mbox      = MbAw'(imm);
  assign mbox_bad  = imm >= Mailboxes;
  assign group_bad = !(a < McGroups && mc_source_i[GrpAw'(a)]);
  assign msg_flits = ceil_flits(n);

  // ------------------------------------------------------------------ execute
  logic        raise;
  logic [3:0]  raise_code;
  logic        rf_we;
  logic [3:0]  rf_waddr;
  logic [31:0] rf_wdata;
  logic        st_we;
  logic        vstart, sstart, rstart;
  logic [15:0] recv_len;

  assign recv_len = mb_front_len_i[16*mbox +: 16];

  always_comb begin
    state_d    = state_q;
    block_d    = block_q;
    fault_d    = fault_q;
    pc_d       = pc_q;
    wait_d     = wait_q != 32'd0 ? wait_q - 32'd1 : 32'd0;
    seq_d      = wait_q <= 32'd1 ? SeqNone : seq_q;
    raise      = 1'b0;
    raise_code = FaultNone;
    rf_we      = 1'b0;
    rf_waddr   = rd;
    rf_wdata   = alu_res;
    st_we      = 1'b0;
    vstart     = 1'b0;
    sstart     = 1'b0;
    rstart     = 1'b0;
    ob_post_o  = 1'b0;
    mb_pop_o   = 1'b0;
    bar_arrive_o = 1'b0;

    // last cycle of vdot / vargmax: the scalar result
    if (seq_q == SeqVec && wait_q == 32'd1 && (vop_q == OpVdot || vop_q == OpVargmax)) begin
      rf_we    = 1'b1;
      rf_waddr = vrd_q;
      rf_wdata = vacc_q;
    end

    if (go) begin
      pc_d    = fetch_pc;
      state_d = StRun;
      block_d = BlkNone;
      if (!pc_ok) begin
        raise = 1'b1; raise_code = FaultPcOutOfRange;
      end else if (!legal) begin
        raise = 1'b1; raise_code = FaultIllegalInstruction;
      end else begin
        unique case (xpu_core_isa_pkg::op_class(op))
          ClsControl: begin
            if (op == OpHalt) state_d = StHalted;  // pc stays at the halt
            else pc_d = fetch_pc + 32'd1;
          end
          ClsAlu, ClsMul: begin
            rf_we = 1'b1;
            if (op == OpCsrr) rf_wdata = csr_val;
            if (xpu_core_isa_pkg::op_class(op) == ClsMul) wait_d = 32'd1;
            pc_d = fetch_pc + 32'd1;
          end
          ClsLoad, ClsStore: begin
            if (out_of_sram(mem_addr, mem_size)) begin
              raise = 1'b1; raise_code = FaultBadAddress;
            end else if (misaligned(mem_addr[1:0], mem_size, mem_mask)) begin
              raise = 1'b1; raise_code = FaultMisaligned;
            end else if (xpu_core_isa_pkg::op_class(op) == ClsLoad) begin
              rf_we = 1'b1; rf_wdata = load_val; wait_d = 32'd1;
              pc_d = fetch_pc + 32'd1;
            end else begin
              st_we = 1'b1;
              pc_d = fetch_pc + 32'd1;
            end
          end
          ClsBranch: begin
            if (op == OpJmp || op == OpJal || op == OpJr || branch_taken) begin
              pc_d   = op == OpJr ? a : imm;
              wait_d = 32'd1;
            end else begin
              pc_d = fetch_pc + 32'd1;
            end
            if (op == OpJal) begin
              rf_we = 1'b1; rf_wdata = fetch_pc + 32'd1;
            end
          end
          ClsVector, ClsNeuron: begin
            if (vec_bad_addr) begin
              raise = 1'b1; raise_code = FaultBadAddress;
            end else if (vec_misaligned) begin
              raise = 1'b1; raise_code = FaultMisaligned;
            end else if (op == OpNstep && n != 32'd0 && bad_params) begin
              raise = 1'b1; raise_code = FaultBadNeuronParams;
            end else begin
              vstart = 1'b1;
              seq_d  = SeqVec;
              wait_d = 32'd1 + (op == OpNstep && cuba ? ceil_lanes(n) << 1 : ceil_lanes(n));
              pc_d   = fetch_pc + 32'd1;
            end
          end
          ClsSync: begin  // barrier: one busy cycle, pc moves at the release
            state_d      = StBlocked;
            block_d      = BlkBarrier;
            bar_arrive_o = 1'b1;
          end
          default: begin  // ClsMessage
            unique case (op)
              OpSend, OpMcast: begin
                if (op == OpSend && a >= NumCores) begin
                  raise = 1'b1; raise_code = FaultBadDestination;
                end else if (op == OpMcast && group_bad) begin
                  raise = 1'b1; raise_code = FaultBadGroup;
                end else if (mbox_bad) begin
                  raise = 1'b1; raise_code = FaultBadMailbox;
                end else if (n > MaxMessageBytes ||
                             (op == OpMcast && 32'd1 + msg_flits > BufferDepth)) begin
                  raise = 1'b1; raise_code = FaultBadMessage;
                end else if (out_of_sram(b, n1)) begin
                  raise = 1'b1; raise_code = FaultBadAddress;
                end else if (!ob_free_i) begin
                  state_d = StBlocked; block_d = BlkOutbound;
                end else begin
                  ob_post_o = 1'b1;
                  sstart    = 1'b1;
                  wait_d    = msg_flits;
                  seq_d     = n != 32'd0 ? SeqSend : SeqNone;
                  pc_d      = fetch_pc + 32'd1;
                end
              end
              OpSpawn: begin
                if (imm >= image_count_i) begin
                  raise = 1'b1; raise_code = FaultBadSpawn;
                end else if (a >= NumCores) begin
                  raise = 1'b1; raise_code = FaultBadDestination;
                end else if (!ob_free_i) begin
                  state_d = StBlocked; block_d = BlkOutbound;
                end else begin
                  ob_post_o = 1'b1;
                  wait_d    = 32'd1;
                  pc_d      = fetch_pc + 32'd1;
                end
              end
              OpRecv: begin
                if (mbox_bad) begin
                  raise = 1'b1; raise_code = FaultBadMailbox;
                end else if (mb_count_i[16*mbox +: 16] == 16'd0) begin
                  state_d = StBlocked; block_d = BlkMessage;
                end else if (out_of_sram(a, {24'd0, recv_len})) begin
                  raise = 1'b1; raise_code = FaultBadAddress;  // the message stays
                end else begin
                  mb_pop_o = 1'b1;
                  rstart   = 1'b1;
                  rf_we    = 1'b1;
                  rf_wdata = {mb_front_src_i[16*mbox +: 16], recv_len};
                  wait_d   = ceil_flits({16'd0, recv_len});
                  seq_d    = recv_len != 16'd0 ? SeqRecv : SeqNone;
                  pc_d     = fetch_pc + 32'd1;
                end
              end
              default: begin  // OpPoll
                if (mbox_bad) begin
                  raise = 1'b1; raise_code = FaultBadMailbox;
                end else begin
                  rf_we = 1'b1; rf_wdata = {16'd0, mb_count_i[16*mbox +: 16]};
                  pc_d = fetch_pc + 32'd1;
                end
              end
            endcase
          end
        endcase
      end
    end

    if (raise) begin  // nothing the faulting instruction would write is written
      state_d   = StFaulted;
      block_d   = BlkNone;
      fault_d   = raise_code;
      rf_we     = 1'b0;
      st_we     = 1'b0;
      wait_d    = 32'd0;
      seq_d     = SeqNone;
      vstart    = 1'b0;
      sstart    = 1'b0;
      rstart    = 1'b0;
      ob_post_o = 1'b0;
      mb_pop_o  = 1'b0;
    end
    if (ni_fault_i && state_q != StFaulted) begin  // emu::Core::fault: the first fault wins
      state_d = StFaulted;
      block_d = BlkNone;
      fault_d = ni_fault_code_i;
    end
    if (boot_i) begin
      state_d = StRun;
      block_d = BlkNone;
      fault_d = FaultNone;
      pc_d    = boot_pc_i;
      wait_d  = 32'd0;
      seq_d   = SeqNone;
    end
  end

  // outbound header fields (valid with ob_post_o)
  assign ob_spawn_o       = op == OpSpawn;
  assign ob_mcast_o       = op == OpMcast;
  assign ob_dest_o        = a;
  assign ob_mbox_o        = op == OpSpawn ? 8'd0 : imm[7:0];
  assign ob_len_o         = op == OpSpawn ? 16'd0 : n[15:0];
  assign ob_spawn_image_o = op == OpSpawn ? imm : 32'd0;
  assign ob_spawn_arg_o   = op == OpSpawn ? b : 32'd0;
  assign mb_pop_idx_o     = 8'(mbox);

  // outbound payload beats: bytes past the length are zero
  always_comb begin
    for (int unsigned j = 0; j < FlitBytes; j++) begin
      ob_data_o[8*j +: 8] = vbase_q + j < vn_q ? rd8(vb_q + vbase_q + j) : 8'd0;
    end
  end
  assign ob_data_valid_o = seq_q == SeqSend;

  assign state_o    = state_q;
  assign block_o    = block_q;
  assign fault_o    = fault_q;
  assign pc_o       = pc_q;
  assign busy_o     = state_q == StRun && wait_q != 32'd0;
  assign seq_busy_o = seq_q != SeqNone;
  // Issued: not faulted, not left waiting for the NI (a barrier counts at arrival).
  assign retire_o    = go && !boot_i && state_d != StFaulted &&
                       !(state_d == StBlocked && block_d != BlkBarrier);
  assign retire_pc_o = fetch_pc;

  // ------------------------------------------------------------------ vector lanes
  // One chunk: VectorLanes elements, each lane with SRAM write ports for one
  // word (w0: vmacs/vadd32 result, nstep v), a second word (w1: CubaLIF u)
  // and one byte (b0: vreq/vcopy/vfill result, nstep spike). Lanes read the
  // SRAM as it was at the start of the cycle; vdot/vargmax reduce in lane
  // order. CubaLIF takes two cycles per chunk (cuba_wait on the first).
  logic                          cuba_wait;
  logic [VectorLanes-1:0]        w0_en, w1_en, b0_en;
  logic [31:0]                   w0_addr [VectorLanes];
  logic [31:0]                   w1_addr [VectorLanes];
  logic [31:0]                   b0_addr [VectorLanes];
  logic [31:0]                   w0_data [VectorLanes];
  logic [31:0]                   w1_data [VectorLanes];
  logic [7:0]                    b0_data [VectorLanes];
  logic [31:0]                   lane_acc, lane_best;
  assign cuba_wait = vop_q == OpNstep && vimm_q[1:0] == 2'd2 && !vphase_q;

  always_comb begin
    logic [31:0] idx, v32, u32, vaddr, uaddr, in32;
    logic signed [63:0] vv;
    logic spike;
    lane_acc  = vacc_q;
    lane_best = vbest_q;
    for (int unsigned j = 0; j < VectorLanes; j++) begin
      idx        = vbase_q + j;
      // Temporaries start at zero in every lane, so that no path keeps an
      // old value (yosys 0.23 would infer a latch for them).
      v32        = 32'd0;
      u32        = 32'd0;
      vaddr      = 32'd0;
      uaddr      = 32'd0;
      in32       = 32'd0;
      vv         = 64'sd0;
      spike      = 1'b0;
      w0_en[j]   = 1'b0;
      w1_en[j]   = 1'b0;
      b0_en[j]   = 1'b0;
      w0_addr[j] = vd_q + (idx << 2);
      w1_addr[j] = 32'd0;
      b0_addr[j] = vd_q + idx;
      w0_data[j] = 32'd0;
      w1_data[j] = 32'd0;
      b0_data[j] = 8'd0;
      if (idx < vn_q) begin
        unique case (vop_q)
          OpVdot: lane_acc = lane_acc + s8(va_q + idx) * s8(vb_q + idx);
          OpVmacs: begin
            w0_en[j]   = 1'b1;
            w0_data[j] = rd32(vd_q + (idx << 2)) + s8(va_q + idx) * vb_q;
          end
          OpVadd32: begin
            w0_en[j]   = 1'b1;
            w0_data[j] = rd32(va_q + (idx << 2)) + rd32(vb_q + (idx << 2));
          end
          OpVreq: begin
            b0_en[j]   = 1'b1;
            b0_data[j] = requantise(rd32(va_q + (idx << 2)), vimm_q[4:0], vimm_q[5]);
          end
          OpVcopy: begin
            b0_en[j]   = 1'b1;
            b0_data[j] = rd8(va_q + idx);
          end
          OpVfill: begin
            b0_en[j]   = 1'b1;
            b0_data[j] = va_q[7:0];
          end
          OpVargmax: begin
            v32 = rd32(va_q + (idx << 2));
            if (idx == 32'd0 || $signed(v32) > $signed(lane_best)) begin
              lane_acc  = idx;
              lane_best = v32;
            end
          end
          default: begin  // OpNstep (sem::neuronStep)
            vaddr = va_q + NeuronParamBytes + (idx << 2);
            uaddr = va_q + NeuronParamBytes + (vn_q << 2) + (idx << 2);
            v32   = rd32(vaddr);
            u32   = rd32(uaddr);
            in32  = rd32(vb_q + (idx << 2));
            unique case (vimm_q[1:0])
              2'd2: begin  // CubaLIF
                u32 = sat24(decay(u32, np_du_q) + sext64(in32));
                vv  = decay(v32, np_dv_q) + sext64(u32) + sext64(np_bias_q);
              end
              2'd0:    vv = sext64(v32) + sext64(in32) + sext64(np_bias_q);
              default: vv = decay(v32, np_dv_q) + sext64(in32) + sext64(np_bias_q);
            endcase
            v32   = sat24(vv);
            spike = vimm_q[1:0] != 2'd3 && $signed(v32) > np_vth_q;
            if (spike) begin
              unique case (vimm_q[3:2])
                2'd0:    v32 = 32'd0;
                2'd1:    v32 = sat24(sext64(v32) - sext64(np_vth_q));
                2'd2:    v32 = sat24(sext64(np_vreset_q));
                default: ;
              endcase
            end
            w0_en[j]   = 1'b1;
            w0_addr[j] = vaddr;
            w0_data[j] = v32;
            w1_en[j]   = vimm_q[1:0] == 2'd2;
            w1_addr[j] = uaddr;
            w1_data[j] = u32;
            b0_en[j]   = 1'b1;
            b0_data[j] = {7'd0, spike};
          end
        endcase
      end
    end
  end

  // ------------------------------------------------------------------ flops
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q   <= StIdle;
      block_q   <= BlkNone;
      fault_q   <= FaultNone;
      pc_q      <= 32'd0;
      wait_q    <= 32'd0;
      seq_q     <= SeqNone;
      bootarg_q <= 32'd0;
    end else begin
      state_q <= state_d;
      block_q <= block_d;
      fault_q <= fault_d;
      pc_q    <= pc_d;
      wait_q  <= wait_d;
      seq_q   <= seq_d;
      if (boot_i) bootarg_q <= boot_arg_i;
    end
  end

  // Register file: one write port (an issuing instruction, or the final
  // cycle of vdot/vargmax, never both); r0 is never written.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int r = 0; r < 16; r++) rf_q[r] <= 32'd0;
    end else if (boot_i) begin
      for (int r = 0; r < 16; r++) rf_q[r] <= 32'd0;
    end else if (rf_we && rf_waddr != 4'd0) begin
      rf_q[rf_waddr] <= rf_wdata;
    end
  end

  // Memories and the sequencer datapath (no reset: memory contents and
  // operands latched before use). Vector chunks: VectorLanes elements per
  // cycle, each element behavioural (reads see the SRAM as it was at the
  // start of the cycle, writes land at the edge); see docs/rtl.md for the
  // one place that differs from element-by-element order (operand regions
  // overlapping inside one chunk, other than vcopy and in-place ops).
  always_ff @(posedge clk_i) begin
    if (ld_we_i) begin
      if (ld_imem_i) begin
        imem_q[ImemAw'(ld_addr_i)] <= ld_data_i;
      end else begin
        for (int unsigned j = 0; j < 8; j++) sram_q[SramAw'({ld_addr_i, 3'b000} + 35'(j))] <= ld_data_i[8*j +: 8];
      end
    end

    if (st_we) begin
      sram_q[SramAw'(mem_addr)] <= b[7:0];
      if (op == OpSh || op == OpSw) sram_q[SramAw'(mem_addr + 32'd1)] <= b[15:8];
      if (op == OpSw) begin
        sram_q[SramAw'(mem_addr + 32'd2)] <= b[23:16];
        sram_q[SramAw'(mem_addr + 32'd3)] <= b[31:24];
      end
    end

    if (vstart) begin
      vop_q    <= op;
      vrd_q    <= rd;
      va_q     <= a;
      vb_q     <= b;
      vd_q     <= dreg;
      vn_q     <= n;
      vimm_q   <= {imm[8], imm[4:0]};
      vchunk_q <= ceil_lanes(n);
      vphase_q <= 1'b0;
      vback_q  <= op == OpVcopy && dreg > a;
      vbase_q  <= op == OpVcopy && dreg > a && n != 32'd0 ? (ceil_lanes(n) - 32'd1) << LaneSh : 32'd0;
      vacc_q   <= op == OpVdot ? dreg : 32'd0;
      vbest_q  <= 32'd0;
      np_dv_q     <= rd32(a);
      np_du_q     <= rd32(a + 32'd4);
      np_vth_q    <= rd32(a + 32'd8);
      np_vreset_q <= rd32(a + 32'd12);
      np_bias_q   <= rd32(a + 32'd16);
    end else if (seq_q == SeqVec && vchunk_q != 32'd0) begin
      if (cuba_wait) begin
        vphase_q <= 1'b1;
      end else begin
        vphase_q <= 1'b0;
        vchunk_q <= vchunk_q - 32'd1;
        vbase_q  <= vback_q ? vbase_q - VectorLanes : vbase_q + VectorLanes;
        vacc_q   <= lane_acc;
        vbest_q  <= lane_best;
        for (int unsigned j = 0; j < VectorLanes; j++) begin
          if (w0_en[j]) for (int unsigned k = 0; k < 4; k++) sram_q[SramAw'(w0_addr[j] + k)] <= w0_data[j][8*k +: 8];
          if (w1_en[j]) for (int unsigned k = 0; k < 4; k++) sram_q[SramAw'(w1_addr[j] + k)] <= w1_data[j][8*k +: 8];
          if (b0_en[j]) sram_q[SramAw'(b0_addr[j])] <= b0_data[j];
        end
      end
    end

    if (sstart) begin
      vb_q    <= b;
      vn_q    <= n;
      vbase_q <= 32'd0;
    end else if (seq_q == SeqSend) begin
      vbase_q <= vbase_q + FlitBytes;
    end

    if (rstart) begin
      vd_q    <= a;
      vn_q    <= {16'd0, recv_len};
      vbase_q <= 32'd0;
    end else if (seq_q == SeqRecv) begin
      for (int unsigned j = 0; j < FlitBytes; j++) begin
        if (vbase_q + j < vn_q) sram_q[SramAw'(vd_q + vbase_q + j)] <= mb_data_i[8*j +: 8];
      end
      vbase_q <= vbase_q + FlitBytes;
    end
  end

endmodule
