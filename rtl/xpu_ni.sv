// XPU network interface of one tile (docs/arch.md 6, 8, 9; microarchitecture
// and port timing in docs/rtl.md "Network interface"): the core's single
// outbound message buffer and its injection into the router's Local input,
// the per-VC ejection buffers behind the router's Local output, reassembly
// into the mailboxes with their overflow policies, and spawn requests.
// Cycle-exact with emu::NetworkInterface (emulator/lib/system/NetworkInterface.cpp).
//
// Timing (a "cycle" is the combinational phase before a rising edge), with
// the router's port conventions (rtl/xpu_router.sv):
//  - inj_o during t is the flit the model injects at t; a credit on
//    inj_credit_i during t may be used from t + 1.
//  - ej_i during s is in the ejection buffer from s + 1 and may be consumed
//    then. ej_credit_o during p names the VC consumed at p (model ejectPop).
//  - Core side (port names as xpu_core's): ob_post_i at c (only while
//    ob_free_o) latches the header; the payload follows as ceil(len/F)
//    ob_data_i beats in c+1 .. c+k; the head may be injected from c+1+k
//    (spawn: from c+2), as emu::Core's readyCycle. ob_free_o rises the cycle
//    after the tail is injected.
//  - A message whose tail is consumed at t is counted in mb_count_o from
//    t + 1. mb_pop_i at c removes the front of mailbox mb_pop_idx_i; its
//    payload beats are on mb_data_o in c+1 .. c+ceil(len/F).
//  - The model's receive() runs before the core's tick in a cycle, so a
//    drop_oldest decided at c already shows in mb_count_o / mb_front_*_o at c.
//    Every output depends on registered state only (mb_data_o, a registered
//    read, on the previous cycle's pop), so the tile has no combinational
//    path through the NI.
module xpu_ni #(
  parameter int unsigned NumVcs          = 2,    // `/noc/virtual_channels`, 1..8
  parameter int unsigned BufDepth        = 4,    // `/noc/buffer_depth`: ejection FIFOs and router Local input
  parameter int unsigned Mailboxes       = 8,    // `/core/mailboxes`, 1..256
  parameter int unsigned MailboxDepth    = 4,    // `/core/mailbox_depth`, 1..1024
  parameter int unsigned MaxMessageBytes = 256,  // `/core/max_message_bytes`, 4..65535
  // Test only (tests/unit/rtl/ni): a message is counted in the cycle its tail
  // is consumed, one cycle early. The lockstep test must catch it.
  parameter bit          BugVisible      = 1'b0,
  // Test only: drop_oldest discards the newest stored message instead.
  parameter bit          BugDropOldest   = 1'b0,
  localparam int unsigned VcIdxW = NumVcs > 1 ? $clog2(NumVcs) : 1
) (
  input  logic                            clk_i,
  input  logic                            rst_ni,
  input  logic [xpu_pkg::CoreIdW-1:0]              core_id_i,       // head `source` (strapped per tile)
  // Mailbox policies (MailboxPolicy encoding: 0 block, 1 drop_newest,
  // 2 drop_oldest, 3 error), written by the loader; reset to block.
  input  logic                            policy_we_i,
  input  logic [7:0]                      policy_idx_i,
  input  logic [1:0]                      policy_i,
  // Router Local port.
  output xpu_pkg::flit_link_t                      inj_o,           // -> router in_i[PortLocal]
  input  xpu_pkg::credit_t                         inj_credit_i,    // <- router credit_o[PortLocal]
  input  xpu_pkg::flit_link_t                      ej_i,            // <- router out_o[PortLocal]
  output xpu_pkg::credit_t                         ej_credit_o,     // -> router credit_i[PortLocal]
  // Core: outbound buffer (emu::CoreIo outboundFree / post).
  output logic                            ob_free_o,
  input  logic                            ob_post_i,
  input  logic                            ob_spawn_i,
  input  logic                            ob_mcast_i,
  // Waiver: dest and spawn image are 32-bit register values on the core side;
  // the header's dest and the spawn body's image field are 16 bits (arch.md 4),
  // and the core has range-checked both (BadDestination, BadSpawn).
  /* verilator lint_off UNUSEDSIGNAL */
  input  logic [31:0]                     ob_dest_i,       // core, group or spawn target
  input  logic [7:0]                      ob_mbox_i,
  input  logic [15:0]                     ob_len_i,
  input  logic [31:0]                     ob_spawn_image_i,
  /* verilator lint_on UNUSEDSIGNAL */
  input  logic [31:0]                     ob_spawn_arg_i,
  input  logic                            ob_data_valid_i,
  input  logic [xpu_pkg::FlitDataW-1:0]            ob_data_i,
  // Core: mailboxes (mailboxCount / peekMailbox / popMailbox).
  // Mailbox m at bits 16m +: 16 (flat: yosys 0.23 has no multi-dimensional
  // packed arrays).
  output logic [16*Mailboxes-1:0]         mb_count_o,      // visible messages
  output logic [16*Mailboxes-1:0]         mb_front_len_o,  // oldest visible message (count > 0)
  output logic [16*Mailboxes-1:0]         mb_front_src_o,
  input  logic                            mb_pop_i,
  input  logic [7:0]                      mb_pop_idx_i,
  output logic [xpu_pkg::FlitDataW-1:0]            mb_data_o,       // popped payload beats, from the cycle after the pop
  // Mailbox overflow with policy error: the core faults in this cycle.
  output logic                            ni_fault_o,
  output logic [3:0]                      ni_fault_code_o, // sem::Fault::MailboxOverflow
  // A spawn packet's tail was consumed this cycle (the tile boots or rejects).
  output logic                            spawn_valid_o,
  output logic [15:0]                     spawn_image_o,
  output logic [31:0]                     spawn_arg_o,
  // Barrier quiescence (arch.md 8): outbound buffer empty, no packet being
  // reassembled, ejection buffers empty.
  output logic                            quiescent_o,
  // Dropped messages per policy (NiStats::dropped).
  output logic [31:0]                     dropped_newest_o,
  output logic [31:0]                     dropped_oldest_o,
  output logic [31:0]                     dropped_error_o
);

  // The xpu_pkg names used below (yosys 0.23 reads no package imports,
  // docs/rtl.md "Synthesis area (yosys)").
  localparam int unsigned FlitBytes  = xpu_pkg::FlitBytes;
  localparam int unsigned FlitDataW  = xpu_pkg::FlitDataW;
  localparam int unsigned VcW        = xpu_pkg::VcW;
  localparam int unsigned CoreIdW    = xpu_pkg::CoreIdW;

  localparam int unsigned EjPtrW     = BufDepth > 1 ? $clog2(BufDepth) : 1;
  localparam int unsigned EjCntW     = $clog2(BufDepth + 1);
  localparam int unsigned MbAw       = Mailboxes > 1 ? $clog2(Mailboxes) : 1;
  localparam int unsigned SlotW      = MailboxDepth > 1 ? $clog2(MailboxDepth) : 1;
  localparam int unsigned MbCntW     = $clog2(MailboxDepth + 1);
  localparam int unsigned MaxBeats   = (MaxMessageBytes + FlitBytes - 1) / FlitBytes;
  localparam int unsigned BeatW      = $clog2(MaxBeats + 1);  // 0..MaxBeats
  localparam int unsigned BeatAw     = MaxBeats > 1 ? $clog2(MaxBeats) : 1;
  localparam int unsigned Slots      = Mailboxes * MailboxDepth;
  localparam int unsigned StoreWords = Slots * MaxBeats;
  localparam int unsigned StoreAw    = StoreWords > 1 ? $clog2(StoreWords) : 1;
  localparam int unsigned FlitSh     = $clog2(FlitBytes);
  localparam logic [3:0]  FaultMailboxOverflow = 4'd10;       // sem::Fault::MailboxOverflow

  // Plain constants, not an enum: policy_i is stored as written, and yosys
  // 0.23 cannot parse the enum cast Verilator would require.
  localparam logic [1:0] PolBlock = 2'd0, PolDropNewest = 2'd1, PolDropOldest = 2'd2,
                         PolError = 2'd3;
  typedef enum logic [1:0] {ObIdle, ObCopy, ObSend} ob_state_e;
  typedef enum logic [1:0] {RxIdle, RxMessage, RxDiscard, RxSpawn} rx_mode_e;

  // s + k modulo the ring size, for k <= the ring size (one conditional
  // subtraction, no divider).
  function automatic logic [SlotW-1:0] slot_add(logic [SlotW-1:0] s, logic [31:0] k);
    logic [31:0] sum;
    sum = 32'(s) + k;
    if (sum >= MailboxDepth) sum = sum - MailboxDepth;
    slot_add = SlotW'(sum);
  endfunction

  function automatic logic [EjPtrW-1:0] ej_add(logic [EjPtrW-1:0] p, logic [31:0] k);
    logic [31:0] sum;
    sum = 32'(p) + k;
    if (sum >= BufDepth) sum = sum - BufDepth;
    ej_add = EjPtrW'(sum);
  endfunction

  function automatic logic [StoreAw-1:0] store_addr(logic [MbAw-1:0] m, logic [SlotW-1:0] s,
                                                    logic [31:0] beat);
    store_addr = StoreAw'((32'(m) * MailboxDepth + 32'(s)) * MaxBeats + beat);
  endfunction

  // =====================================================================
  // Configuration
  logic [1:0] policy_q [Mailboxes];

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int unsigned mi = 0; mi < Mailboxes; mi++) policy_q[mi] <= PolBlock;
    end else if (policy_we_i && 32'(policy_idx_i) < Mailboxes) begin
      policy_q[policy_idx_i[MbAw-1:0]] <= policy_i;
    end
  end

  // =====================================================================
  // Outbound: one message buffer, copied in by the core, injected one flit
  // per cycle on VC mbox mod V (spawn: VC 0) while credits last.
  ob_state_e            ob_state_q;
  xpu_pkg::head_hdr_t   ob_hdr_q;
  logic [VcIdxW-1:0]    ob_vc_q;
  logic [BeatW-1:0]     ob_beats_q;   // body flits
  logic [BeatW-1:0]     ob_cnt_q;     // copy: beats received; send: next flit (0 = head)
  logic [FlitDataW-1:0] ob_body_q [MaxBeats];
  logic [EjCntW-1:0]    inj_cred_q [NumVcs];

  xpu_pkg::head_hdr_t   post_hdr;
  logic [BeatW-1:0]     post_beats;
  logic                 post_take;
  logic                 inj_fire;
  logic [FlitDataW-1:0] inj_data;

  always_comb begin
    logic [16:0] beats;
    post_take = ob_post_i && ob_state_q == ObIdle;
    post_hdr          = '0;
    post_hdr.dest     = ob_dest_i[CoreIdW-1:0];
    post_hdr.source   = core_id_i;
    post_hdr.kind     = ob_spawn_i ? 2'd1 : 2'd0;
    post_hdr.mcast    = !ob_spawn_i && ob_mcast_i;
    post_hdr.mbox     = ob_spawn_i ? 8'd0 : ob_mbox_i;
    post_hdr.length   = ob_spawn_i ? 16'd8 : ob_len_i;  // the spawn body word
    // The core checks length <= MaxMessageBytes (BadMessage); clamp anyway
    // so that a longer post cannot index past the buffer.
    beats = ({1'b0, post_hdr.length} + 17'(FlitBytes - 1)) >> FlitSh;
    if (beats > 17'(MaxBeats)) beats = 17'(MaxBeats);
    post_beats = BeatW'(beats);
  end

  // Body flit bytes past the length are zero (arch.md 4), whatever the core
  // drove on those byte lanes.
  always_comb begin
    logic [31:0] base;
    base = (32'(ob_cnt_q) - 32'd1) << FlitSh;
    inj_data = '0;
    if (ob_cnt_q == '0) begin
      inj_data[63:0] = ob_hdr_q;
    end else begin
      for (int unsigned j = 0; j < FlitBytes; j++) begin
        if (base + j < 32'(ob_hdr_q.length)) begin
          inj_data[8*j +: 8] = ob_body_q[32'(ob_cnt_q) - 1][8*j +: 8];
        end
      end
    end
  end

  assign inj_fire         = ob_state_q == ObSend && inj_cred_q[ob_vc_q] != '0;
  assign inj_o.valid      = inj_fire;
  assign inj_o.flit.head  = inj_fire && ob_cnt_q == '0;
  assign inj_o.flit.tail  = inj_fire && ob_cnt_q == ob_beats_q;
  assign inj_o.flit.vc    = inj_fire ? VcW'(ob_vc_q) : '0;
  assign inj_o.flit.data  = inj_fire ? inj_data : '0;
  assign ob_free_o        = ob_state_q == ObIdle;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      ob_state_q <= ObIdle;
      ob_hdr_q   <= '0;
      ob_vc_q    <= '0;
      ob_beats_q <= '0;
      ob_cnt_q   <= '0;
    end else begin
      unique case (ob_state_q)
        ObIdle: if (post_take) begin
          ob_hdr_q   <= post_hdr;
          ob_vc_q    <= ob_spawn_i ? '0 : VcIdxW'(32'(ob_mbox_i) % NumVcs);
          ob_beats_q <= post_beats;
          ob_cnt_q   <= '0;
          // Spawn: the body word is built here; its copy cycle (cost 2) is
          // the one ObCopy cycle.
          ob_state_q <= post_beats == '0 ? ObSend : ObCopy;
        end
        ObCopy: begin
          ob_cnt_q <= ob_cnt_q + BeatW'(1);
          if (ob_cnt_q + BeatW'(1) == ob_beats_q) begin
            ob_cnt_q   <= '0;
            ob_state_q <= ObSend;
          end
        end
        ObSend: if (inj_fire) begin
          ob_cnt_q <= ob_cnt_q + BeatW'(1);
          if (ob_cnt_q == ob_beats_q) ob_state_q <= ObIdle;
        end
        default: ob_state_q <= ObIdle;
      endcase
    end
  end

  // The buffer itself: a memory, not reset (written before it is sent).
  always_ff @(posedge clk_i) begin
    if (post_take && ob_spawn_i) begin
      ob_body_q[0] <= FlitDataW'({16'd0, ob_spawn_image_i[15:0], ob_spawn_arg_i});
    end else if (ob_state_q == ObCopy && ob_data_valid_i && !ob_hdr_q.kind[0]) begin
      ob_body_q[BeatAw'(ob_cnt_q)] <= ob_data_i;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int unsigned v = 0; v < NumVcs; v++) inj_cred_q[v] <= EjCntW'(BufDepth);
    end else begin
      for (int unsigned v = 0; v < NumVcs; v++) begin
        logic up, down;
        up   = inj_credit_i.valid && 32'(inj_credit_i.vc) == v;
        down = inj_fire && 32'(ob_vc_q) == v;
        if (up && !down)      inj_cred_q[v] <= inj_cred_q[v] + EjCntW'(1);
        else if (down && !up) inj_cred_q[v] <= inj_cred_q[v] - EjCntW'(1);
      end
    end
  end

  // =====================================================================
  // Ejection buffers: one BufDepth-flit ring per VC.
  logic                 ej_head_q [NumVcs][BufDepth];
  logic                 ej_tail_q [NumVcs][BufDepth];
  logic [FlitDataW-1:0] ej_data_q [NumVcs][BufDepth];
  logic [EjPtrW-1:0]    ej_rd_q   [NumVcs];
  logic [EjCntW-1:0]    ej_cnt_q  [NumVcs];

  logic                 fr_valid [NumVcs];
  logic                 fr_head  [NumVcs];
  logic                 fr_tail  [NumVcs];
  logic [FlitDataW-1:0] fr_data  [NumVcs];

  always_comb begin
    for (int unsigned v = 0; v < NumVcs; v++) begin
      fr_valid[v] = ej_cnt_q[v] != '0;
      fr_head[v]  = ej_head_q[v][ej_rd_q[v]];
      fr_tail[v]  = ej_tail_q[v][ej_rd_q[v]];
      fr_data[v]  = ej_data_q[v][ej_rd_q[v]];
    end
  end

  // =====================================================================
  // Mailboxes: a ring of MailboxDepth slots each. cnt_q counts complete
  // (hence visible) messages from head_q; reserved_q marks a slot taken by a
  // message being reassembled (it counts towards the depth).
  logic [SlotW-1:0]  mb_head_q [Mailboxes];
  logic [MbCntW-1:0] mb_cnt_q  [Mailboxes];
  logic              mb_res_q  [Mailboxes];
  logic [15:0]       meta_len_q [Slots];
  logic [15:0]       meta_src_q [Slots];

  // Per-VC reassembly state.
  rx_mode_e          rx_mode_q  [NumVcs], rx_mode_d  [NumVcs];
  logic [MbAw-1:0]   rx_mbox_q  [NumVcs], rx_mbox_d  [NumVcs];
  logic [SlotW-1:0]  rx_slot_q  [NumVcs], rx_slot_d  [NumVcs];
  logic [BeatW-1:0]  rx_beat_q  [NumVcs], rx_beat_d  [NumVcs];
  logic [15:0]       rx_len_q   [NumVcs], rx_len_d   [NumVcs];
  logic [15:0]       rx_src_q   [NumVcs], rx_src_d   [NumVcs];
  logic              rx_sseen_q [NumVcs], rx_sseen_d [NumVcs];  // spawn body flit seen
  logic [47:0]       rx_sbody_q [NumVcs], rx_sbody_d [NumVcs];

  // Which front flits the NI may consume (emu canTake): everything except a
  // message head for a full mailbox with policy block.
  logic [NumVcs-1:0] rx_req;

  always_comb begin
    for (int unsigned v = 0; v < NumVcs; v++) begin
      logic [7:0]      mbox;
      logic [MbAw-1:0] mi;
      logic            blocked;
      mbox    = xpu_pkg::hdr_mbox(fr_data[v][63:0]);
      mi      = mbox[MbAw-1:0];
      blocked = 1'b0;
      if (rx_mode_q[v] == RxIdle && fr_head[v] && xpu_pkg::hdr_kind(fr_data[v][63:0]) == 2'd0 &&
          32'(mbox) < Mailboxes) begin
        blocked = 32'(mb_cnt_q[mi]) + 32'(mb_res_q[mi]) >= MailboxDepth && policy_q[mi] == PolBlock;
      end
      rx_req[v] = fr_valid[v] && !blocked;
    end
  end

  logic              rx_take;
  logic [VcIdxW-1:0] rx_vc;

  xpu_rr_arbiter #(.NumReq(NumVcs)) u_rx_arb (
    .clk_i,
    .rst_ni,
    .req_i      (rx_req),
    .advance_i  (1'b1),
    .gnt_valid_o(rx_take),
    .gnt_idx_o  (rx_vc)
  );

  // Consumption of one flit (emu take/finish).
  logic             drop_valid;   // drop_oldest discards a stored message of drop_mb
  logic [MbAw-1:0]  drop_mb;
  logic             res_valid;    // a head reserves a slot of res_mb
  logic [MbAw-1:0]  res_mb;
  logic             fin_valid;    // a message tail: the message is stored
  logic [MbAw-1:0]  fin_mb;
  logic [SlotW-1:0] fin_slot;
  logic [15:0]      fin_len, fin_src;
  logic             st_we;
  logic [StoreAw-1:0] st_waddr;
  logic [2:0]       drop_inc;     // [0] drop_newest [1] drop_oldest [2] error

  // The header of the front flit of the VC being consumed (a module-level
  // struct: yosys 0.23 reads members of no block-local struct).
  // Waiver: only kind, mailbox, source and length are used.
  /* verilator lint_off UNUSEDSIGNAL */
  xpu_pkg::head_hdr_t h;
  /* verilator lint_on UNUSEDSIGNAL */
  assign h = fr_data[rx_vc][63:0];

  always_comb begin
    logic [MbAw-1:0]  m;
    logic [SlotW-1:0] slot;
    rx_mode_e         mode;
    logic [47:0]      sbody;  // spawn body: image 47:32, argument 31:0
    for (int unsigned v = 0; v < NumVcs; v++) begin
      rx_mode_d[v]  = rx_mode_q[v];
      rx_mbox_d[v]  = rx_mbox_q[v];
      rx_slot_d[v]  = rx_slot_q[v];
      rx_beat_d[v]  = rx_beat_q[v];
      rx_len_d[v]   = rx_len_q[v];
      rx_src_d[v]   = rx_src_q[v];
      rx_sseen_d[v] = rx_sseen_q[v];
      rx_sbody_d[v] = rx_sbody_q[v];
    end
    drop_valid    = 1'b0;
    drop_mb       = '0;
    res_valid     = 1'b0;
    res_mb        = '0;
    fin_valid     = 1'b0;
    fin_mb        = rx_mbox_q[rx_vc];
    fin_slot      = rx_slot_q[rx_vc];
    fin_len       = rx_len_q[rx_vc];
    fin_src       = rx_src_q[rx_vc];
    st_we         = 1'b0;
    st_waddr      = store_addr(rx_mbox_q[rx_vc], rx_slot_q[rx_vc], 32'(rx_beat_q[rx_vc]));
    drop_inc      = '0;
    ni_fault_o    = 1'b0;
    spawn_valid_o = 1'b0;
    spawn_image_o = '0;
    spawn_arg_o   = '0;
    m    = h.mbox[MbAw-1:0];
    slot = '0;
    mode = rx_mode_q[rx_vc];
    sbody = '0;

    if (rx_take) begin
      if (fr_head[rx_vc]) begin
        rx_mbox_d[rx_vc]  = m;
        rx_len_d[rx_vc]   = h.length;
        rx_src_d[rx_vc]   = h.source;
        rx_beat_d[rx_vc]  = '0;
        rx_sseen_d[rx_vc] = 1'b0;
        rx_sbody_d[rx_vc] = '0;
        if (h.kind == 2'd1) begin
          mode = RxSpawn;  // consumed at once; the tile boots or rejects
        end else if (32'(h.mbox) >= Mailboxes) begin
          mode = RxDiscard;  // cannot happen with a checked sender
        end else if (32'(mb_cnt_q[m]) + 32'(mb_res_q[m]) < MailboxDepth) begin
          mode      = RxMessage;
          res_valid = 1'b1;
          res_mb    = m;
          slot      = slot_add(mb_head_q[m], 32'(mb_cnt_q[m]));
        end else begin
          unique case (policy_q[m])
            PolDropOldest: begin
              drop_inc[1] = 1'b1;
              if (mb_cnt_q[m] != '0) begin
                // The oldest message's slot takes the new one (ring order is
                // kept: head moves past it).
                drop_valid = 1'b1;
                drop_mb    = m;
                mode       = RxMessage;
                res_valid  = 1'b1;
                res_mb     = m;
                slot       = BugDropOldest ? slot_add(mb_head_q[m], 32'(mb_cnt_q[m]) - 1)
                                           : slot_add(mb_head_q[m], 32'(mb_cnt_q[m]));
              end else begin
                mode = RxDiscard;
              end
            end
            PolError: begin
              drop_inc[2] = 1'b1;
              ni_fault_o  = 1'b1;
              mode        = RxDiscard;
            end
            PolDropNewest: begin
              drop_inc[0] = 1'b1;
              mode        = RxDiscard;
            end
            default: begin
              // block: only a head of a reserved kind (2, 3) gets here:
              // emu's canTake lets it through (not a message), take() then
              // discards it (counted under block, which is not an output).
              mode = RxDiscard;
            end
          endcase
        end
        rx_slot_d[rx_vc] = slot;
        fin_mb   = m;
        fin_slot = slot;
        fin_len  = h.length;
        fin_src  = h.source;
      end else begin
        if (mode == RxMessage && 32'(rx_beat_q[rx_vc]) < MaxBeats) begin
          st_we            = 1'b1;
          rx_beat_d[rx_vc] = rx_beat_q[rx_vc] + BeatW'(1);
        end
        if (mode == RxSpawn && !rx_sseen_q[rx_vc]) begin
          rx_sseen_d[rx_vc] = 1'b1;
          rx_sbody_d[rx_vc] = fr_data[rx_vc][47:0];
        end
      end
      if (fr_tail[rx_vc]) begin
        if (mode == RxMessage) fin_valid = 1'b1;
        if (mode == RxSpawn) begin
          // The body word is the packet's second flit (emu: seq 1).
          if (fr_head[rx_vc])          sbody = '0;
          else if (!rx_sseen_q[rx_vc]) sbody = fr_data[rx_vc][47:0];
          else                         sbody = rx_sbody_q[rx_vc];
          spawn_valid_o = 1'b1;
          spawn_arg_o   = sbody[31:0];
          spawn_image_o = sbody[47:32];
        end
        mode = RxIdle;
      end
      rx_mode_d[rx_vc] = mode;
    end
  end

  assign ni_fault_code_o = FaultMailboxOverflow;
  assign ej_credit_o.valid = rx_take;
  assign ej_credit_o.vc    = rx_take ? VcW'(rx_vc) : '0;

  // Core-side view. A drop_oldest decided this cycle is already applied.
  logic             pop_valid;
  logic [MbAw-1:0]  pop_mb;
  logic [SlotW-1:0] front_slot [Mailboxes];

  always_comb begin
    for (int unsigned mi = 0; mi < Mailboxes; mi++) begin
      logic dropped_here, fresh_here;
      dropped_here   = drop_valid && 32'(drop_mb) == mi;
      fresh_here     = BugVisible && fin_valid && 32'(fin_mb) == mi;
      front_slot[mi] = (dropped_here && !BugDropOldest) ? slot_add(mb_head_q[mi], 32'd1)
                                                        : mb_head_q[mi];
      mb_count_o[16*mi +: 16]     = 16'(mb_cnt_q[mi]) - 16'(dropped_here) + 16'(fresh_here);
      mb_front_len_o[16*mi +: 16] = meta_len_q[mi * MailboxDepth + 32'(front_slot[mi])];
      mb_front_src_o[16*mi +: 16] = meta_src_q[mi * MailboxDepth + 32'(front_slot[mi])];
    end
  end

  // A block of its own: mb_count_o does not depend on mb_pop_i, and a tile
  // that feeds mb_count_o through the core back into mb_pop_i must not see a
  // (false) combinational loop (Verilator UNOPTFLAT).
  always_comb begin
    pop_mb    = mb_pop_idx_i[MbAw-1:0];
    pop_valid = mb_pop_i && 32'(mb_pop_idx_i) < Mailboxes && mb_count_o[16*pop_mb +: 16] != 16'd0;
  end

  logic [SlotW-1:0]  mb_head_d [Mailboxes];
  logic [MbCntW-1:0] mb_cnt_d  [Mailboxes];
  logic              mb_res_d  [Mailboxes];

  always_comb begin
    for (int unsigned mi = 0; mi < Mailboxes; mi++) begin
      mb_head_d[mi] = mb_head_q[mi];
      mb_cnt_d[mi]  = mb_cnt_q[mi];
      mb_res_d[mi]  = mb_res_q[mi];
      if (drop_valid && 32'(drop_mb) == mi) begin
        mb_cnt_d[mi] = mb_cnt_d[mi] - MbCntW'(1);
        if (!BugDropOldest) mb_head_d[mi] = slot_add(mb_head_d[mi], 32'd1);
      end
      if (pop_valid && 32'(pop_mb) == mi) begin
        mb_cnt_d[mi]  = mb_cnt_d[mi] - MbCntW'(1);
        mb_head_d[mi] = slot_add(mb_head_d[mi], 32'd1);
      end
      if (res_valid && 32'(res_mb) == mi) mb_res_d[mi] = 1'b1;
      if (fin_valid && 32'(fin_mb) == mi) begin
        mb_cnt_d[mi] = mb_cnt_d[mi] + MbCntW'(1);
        mb_res_d[mi] = 1'b0;
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int unsigned mi = 0; mi < Mailboxes; mi++) begin
        mb_head_q[mi] <= '0;
        mb_cnt_q[mi]  <= '0;
        mb_res_q[mi]  <= 1'b0;
      end
    end else begin
      for (int unsigned mi = 0; mi < Mailboxes; mi++) begin
        mb_head_q[mi] <= mb_head_d[mi];
        mb_cnt_q[mi]  <= mb_cnt_d[mi];
        mb_res_q[mi]  <= mb_res_d[mi];
      end
    end
  end

  // Message metadata: a memory, written at the tail.
  always_ff @(posedge clk_i) begin
    if (fin_valid) begin
      meta_len_q[32'(fin_mb) * MailboxDepth + 32'(fin_slot)] <= fin_len;
      meta_src_q[32'(fin_mb) * MailboxDepth + 32'(fin_slot)] <= fin_src;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int unsigned v = 0; v < NumVcs; v++) begin
        rx_mode_q[v]  <= RxIdle;
        rx_mbox_q[v]  <= '0;
        rx_slot_q[v]  <= '0;
        rx_beat_q[v]  <= '0;
        rx_len_q[v]   <= '0;
        rx_src_q[v]   <= '0;
        rx_sseen_q[v] <= 1'b0;
        rx_sbody_q[v] <= '0;
      end
    end else begin
      for (int unsigned v = 0; v < NumVcs; v++) begin
        rx_mode_q[v]  <= rx_mode_d[v];
        rx_mbox_q[v]  <= rx_mbox_d[v];
        rx_slot_q[v]  <= rx_slot_d[v];
        rx_beat_q[v]  <= rx_beat_d[v];
        rx_len_q[v]   <= rx_len_d[v];
        rx_src_q[v]   <= rx_src_d[v];
        rx_sseen_q[v] <= rx_sseen_d[v];
        rx_sbody_q[v] <= rx_sbody_d[v];
      end
    end
  end

  // Ejection rings: push from the router, pop by the consumer.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int unsigned v = 0; v < NumVcs; v++) begin
        ej_rd_q[v]  <= '0;
        ej_cnt_q[v] <= '0;
      end
    end else begin
      for (int unsigned v = 0; v < NumVcs; v++) begin
        logic push, pop;
        pop  = rx_take && 32'(rx_vc) == v;
        // A push into a full ring (a broken credit protocol) is dropped.
        push = ej_i.valid && 32'(ej_i.flit.vc) == v && (pop || 32'(ej_cnt_q[v]) < BufDepth);
        if (pop) ej_rd_q[v] <= ej_add(ej_rd_q[v], 32'd1);
        if (push && !pop)      ej_cnt_q[v] <= ej_cnt_q[v] + EjCntW'(1);
        else if (pop && !push) ej_cnt_q[v] <= ej_cnt_q[v] - EjCntW'(1);
      end
    end
  end

  always_ff @(posedge clk_i) begin
    for (int unsigned v = 0; v < NumVcs; v++) begin
      if (ej_i.valid && 32'(ej_i.flit.vc) == v && 32'(ej_cnt_q[v]) < BufDepth + 32'(rx_take && 32'(rx_vc) == v)) begin
        logic [EjPtrW-1:0] wr;
        wr = ej_add(ej_rd_q[v], 32'(ej_cnt_q[v]));
        ej_head_q[v][wr] <= ej_i.flit.head;
        ej_tail_q[v][wr] <= ej_i.flit.tail;
        ej_data_q[v][wr] <= ej_i.flit.data;
      end
    end
  end

  // =====================================================================
  // Payload store and the pop read-out: the front slot's beats are read in
  // the pop cycle and after, and appear on mb_data_o one cycle later. A slot
  // freed by a pop at c is rewritten at c + 2 at the earliest (head at c + 1,
  // first body flit at c + 2), one beat per cycle, so the read-out (beat j
  // read at c + j) always stays ahead of the writes.
  logic [MbAw-1:0]    rd_mb_q;
  logic [SlotW-1:0]   rd_slot_q;
  logic [BeatW-1:0]   rd_beat_q;
  logic [StoreAw-1:0] st_raddr;

  assign st_raddr = pop_valid ? store_addr(pop_mb, front_slot[pop_mb], 32'd0)
                              : store_addr(rd_mb_q, rd_slot_q, 32'(rd_beat_q));

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rd_mb_q   <= '0;
      rd_slot_q <= '0;
      rd_beat_q <= '0;
    end else if (pop_valid) begin
      rd_mb_q   <= pop_mb;
      rd_slot_q <= front_slot[pop_mb];
      rd_beat_q <= BeatW'(1);
    end else if (32'(rd_beat_q) + 1 < MaxBeats) begin
      rd_beat_q <= rd_beat_q + BeatW'(1);
    end
  end

  xpu_ni_mbox_store #(.Words(StoreWords), .Width(FlitDataW)) u_store (
    .clk_i,
    .we_i   (st_we),
    .waddr_i(st_waddr),
    .wdata_i(fr_data[rx_vc]),
    .re_i   (1'b1),
    .raddr_i(st_raddr),
    .rdata_o(mb_data_o)
  );

  // =====================================================================
  // Statistics and barrier quiescence.
  logic [31:0] dropped_q [3];

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int unsigned i = 0; i < 3; i++) dropped_q[i] <= '0;
    end else begin
      for (int unsigned i = 0; i < 3; i++) dropped_q[i] <= dropped_q[i] + 32'(drop_inc[i]);
    end
  end

  assign dropped_newest_o = dropped_q[0];
  assign dropped_oldest_o = dropped_q[1];
  assign dropped_error_o  = dropped_q[2];

  always_comb begin
    quiescent_o = ob_state_q == ObIdle;
    for (int unsigned v = 0; v < NumVcs; v++) begin
      if (rx_mode_q[v] != RxIdle || ej_cnt_q[v] != '0) quiescent_o = 1'b0;
    end
  end

endmodule

