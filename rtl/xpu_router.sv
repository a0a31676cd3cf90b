// XPU mesh router (docs/arch.md 5 and 6.4, microarchitecture in docs/rtl.md):
// 5 ports, NumVcs input-buffered VCs per port, wormhole switching with
// credit-based flow control, XY routing, separable input-first round-robin
// allocation, table-based multicast forwarded virtual cut-through branch by
// branch. Cycle-exact with the C++ model in emulator/lib/noc/Network.cpp.
//
// Timing at the ports (a "cycle" is the combinational phase before a rising
// edge): a flit presented on in_i[p] during cycle t is in the input buffer
// from cycle t + 1 (it "arrives" at t + 1) and may be switched from
// t + 1 + RouterLatency. A flit switched at cycle s is on out_o during s and
// its freed slot is on credit_o during s. A credit on credit_i during t may
// be used from t + 1. out_o and credit_o depend on registered state only,
// so a link of latency L is L - 1 register stages (none for L = 1) between
// out_o and the neighbour's in_i, and the same for credits.
module xpu_router #(
  parameter int unsigned NumVcs        = 2,   // `/noc/virtual_channels`, 1..8
  parameter int unsigned BufDepth      = 4,   // `/noc/buffer_depth`
  parameter int unsigned RouterLatency = 1,   // `/noc/router_latency`, >= 1
  parameter int unsigned MeshWidth     = 4,   // `/mesh/width`: core id = y * MeshWidth + x
  parameter int unsigned McGroups      = 64,  // `/noc/multicast_groups`, >= 1 here
  // Test only: output-port round-robin pointers never move. The
  // co-simulation must catch it (tests/unit/rtl/RouterCosimTest.cpp).
  parameter bit          BugRr         = 1'b0,
  localparam int unsigned McAddrW = McGroups > 1 ? $clog2(McGroups) : 1
) (
  input  logic                                           clk_i,
  input  logic                                           rst_ni,
  // Position in the mesh (strapped per tile).
  input  logic [xpu_pkg::CoordW-1:0]                     x_i,
  input  logic [xpu_pkg::CoordW-1:0]                     y_i,
  // Multicast table write port (the loader fills it before traffic starts).
  input  logic                                           mc_we_i,
  input  logic [McAddrW-1:0]                             mc_addr_i,
  input  logic [xpu_pkg::NumPorts-1:0]                   mc_mask_i,
  // Links, indexed by port (xpu_pkg::Port*): port p's flit_link_t /
  // credit_t at bits p * width +: width, the layout of a packed array of the
  // structs (flat: yosys 0.23 cannot hold arrays of structs).
  input  logic [xpu_pkg::NumPorts*xpu_pkg::FlitLinkW-1:0] in_i,
  output logic [xpu_pkg::NumPorts*xpu_pkg::CreditW-1:0]   credit_o,
  output logic [xpu_pkg::NumPorts*xpu_pkg::FlitLinkW-1:0] out_o,
  input  logic [xpu_pkg::NumPorts*xpu_pkg::CreditW-1:0]   credit_i,
  // Sticky protocol errors (never set by legal traffic):
  // [0] flit into a full buffer, [1] flit on a VC >= NumVcs,
  // [2] body flit at the front of an idle VC, [3] multicast group id
  // outside the table or with an empty entry.
  output logic [3:0]                                     err_o
);

  // The xpu_pkg names used below (yosys 0.23 reads no package imports,
  // docs/rtl.md "Synthesis area (yosys)").
  localparam int unsigned NumPorts  = xpu_pkg::NumPorts;
  localparam int unsigned PortW     = xpu_pkg::PortW;
  localparam int unsigned VcW       = xpu_pkg::VcW;
  localparam int unsigned CoordW    = xpu_pkg::CoordW;
  localparam int unsigned CoreIdW   = xpu_pkg::CoreIdW;
  localparam int unsigned FlitW     = xpu_pkg::FlitW;
  localparam int unsigned FlitLinkW = xpu_pkg::FlitLinkW;
  localparam int unsigned CreditW   = xpu_pkg::CreditW;
  localparam int unsigned EntryW    = xpu_pkg::BufEntryW;

`ifdef VERILATOR
  // The flat layout of xpu_pkg describes its structs (yosys cannot check it).
  if (FlitLinkW != $bits(xpu_pkg::flit_link_t) || CreditW != $bits(xpu_pkg::credit_t) ||
      EntryW != $bits(xpu_pkg::buf_entry_t)) begin : g_layout_mismatch
    $error("xpu_pkg: FlitLinkW / CreditW / BufEntryW disagree with the structs");
  end
`endif

  localparam int unsigned VcIdxW = NumVcs > 1 ? $clog2(NumVcs) : 1;
  localparam int unsigned OffW   = BufDepth > 1 ? $clog2(BufDepth) : 1;
  localparam int unsigned CntW   = $clog2(BufDepth + 1);
  localparam logic [CntW-1:0] FullCredits = CntW'(BufDepth);

  // ---------------------------------------------------------------------
  // Multicast table: one 5-bit output mask per group id. A memory, so not
  // reset: the loader writes every entry the executable uses before traffic
  // starts (arch.md 9), and must not rewrite one while its packets fly.
  logic [NumPorts-1:0] mc_table_q [McGroups];

  always_ff @(posedge clk_i) begin
    if (mc_we_i && 32'(mc_addr_i) < McGroups) mc_table_q[mc_addr_i] <= mc_mask_i;
  end

  // ---------------------------------------------------------------------
  // Route computation, once per arriving head (one per input port per
  // cycle): the XY output port, or the multicast table entry.
  logic [EntryW-1:0]   push_entry [NumPorts];
  logic [NumPorts-1:0] push_bad_vc;
  logic [NumPorts-1:0] push_bad_group;

  function automatic logic [NumPorts-1:0] route_xy(logic [CoreIdW-1:0] dest,
                                                   logic [CoordW-1:0]  x,
                                                   logic [CoordW-1:0]  y);
    logic [CoreIdW-1:0] dx, dy;
    dx = CoreIdW'(dest % CoreIdW'(MeshWidth));
    dy = CoreIdW'(dest / CoreIdW'(MeshWidth));
    if (dx > CoreIdW'(x))      route_xy = NumPorts'(1) << xpu_pkg::PortEast;
    else if (dx < CoreIdW'(x)) route_xy = NumPorts'(1) << xpu_pkg::PortWest;
    else if (dy < CoreIdW'(y)) route_xy = NumPorts'(1) << xpu_pkg::PortNorth;
    else if (dy > CoreIdW'(y)) route_xy = NumPorts'(1) << xpu_pkg::PortSouth;
    else                       route_xy = NumPorts'(1) << xpu_pkg::PortLocal;
  endfunction

  always_comb begin
    for (int unsigned p = 0; p < NumPorts; p++) begin
      logic                          valid;
      logic [FlitW-1:0]              flit;
      logic [xpu_pkg::FlitDataW-1:0] data;
      logic [63:0]                   hdr;
      logic [CoreIdW-1:0]            dest;
      logic                          mc;
      logic [NumPorts-1:0]           out_mask;
      valid             = xpu_pkg::link_valid(in_i[p*FlitLinkW +: FlitLinkW]);
      flit              = xpu_pkg::link_flit(in_i[p*FlitLinkW +: FlitLinkW]);
      data              = xpu_pkg::flit_data(flit);
      hdr               = data[63:0];
      dest              = xpu_pkg::hdr_dest(hdr);
      mc                = 1'b0;
      out_mask          = '0;
      push_bad_vc[p]    = valid && 32'(xpu_pkg::flit_vc(flit)) >= NumVcs;
      push_bad_group[p] = 1'b0;
      if (xpu_pkg::flit_head(flit)) begin
        if (xpu_pkg::hdr_mcast(hdr)) begin
          mc = 1'b1;
          if (32'(dest) < McGroups) out_mask = mc_table_q[dest[McAddrW-1:0]];
          push_bad_group[p] = valid && out_mask == '0;
        end else begin
          out_mask = route_xy(dest, x_i, y_i);
        end
      end
      push_entry[p] = {mc, out_mask, flit};  // buf_entry_t
    end
  end

  // ---------------------------------------------------------------------
  // Input VC buffers and per-VC packet state.
  logic [EntryW-1:0]   rd_entry    [NumPorts][NumVcs];
  logic                rd_valid    [NumPorts][NumVcs];
  logic                rd_eligible [NumPorts][NumVcs];
  logic [CntW-1:0]     count       [NumPorts][NumVcs];
  logic                buf_push    [NumPorts][NumVcs];
  logic                buf_pop     [NumPorts][NumVcs];
  logic [NumPorts*NumVcs-1:0] overflow;

  // A VC is "in a packet" from its head's grant to its tail's grant on the
  // current branch; mask_q holds the branches not yet finished (including
  // the current one; one-hot for unicast), rd_off_q the next flit to send
  // on a branch that must leave the packet in the buffer.
  logic                in_pkt_q [NumPorts][NumVcs], in_pkt_d [NumPorts][NumVcs];
  logic [NumPorts-1:0] mask_q   [NumPorts][NumVcs], mask_d   [NumPorts][NumVcs];
  logic [OffW-1:0]     rd_off_q [NumPorts][NumVcs], rd_off_d [NumPorts][NumVcs];

  for (genvar p = 0; p < NumPorts; p++) begin : g_in_port
    for (genvar v = 0; v < NumVcs; v++) begin : g_vc
      assign buf_push[p][v] = xpu_pkg::link_valid(in_i[p*FlitLinkW +: FlitLinkW]) &&
                              xpu_pkg::flit_vc(xpu_pkg::link_flit(in_i[p*FlitLinkW +: FlitLinkW])) ==
                              VcW'(v);
      xpu_vc_buffer #(
        .Depth        (BufDepth),
        .RouterLatency(RouterLatency)
      ) u_buf (
        .clk_i,
        .rst_ni,
        .push_i       (buf_push[p][v]),
        .push_entry_i (push_entry[p]),
        .pop_i        (buf_pop[p][v]),
        .rd_off_i     (rd_off_q[p][v]),
        .rd_entry_o   (rd_entry[p][v]),
        .rd_valid_o   (rd_valid[p][v]),
        .rd_eligible_o(rd_eligible[p][v]),
        .count_o      (count[p][v]),
        .overflow_o   (overflow[p * NumVcs + v])
      );
    end
  end

  // Output VC state: credits for the downstream buffer, ownership.
  logic [CntW-1:0] credits_q [NumPorts][NumVcs], credits_d [NumPorts][NumVcs];
  logic            owned_q   [NumPorts][NumVcs], owned_d   [NumPorts][NumVcs];

  // ---------------------------------------------------------------------
  // 1. Requests: each input VC asks for the output of its packet or branch.
  function automatic logic [PortW-1:0] lowest_port(logic [NumPorts-1:0] mask);
    // From the top down, so that the lowest set bit is assigned last.
    lowest_port = xpu_pkg::PortLocal;
    for (int i = NumPorts - 1; i >= 0; i--) begin
      if (mask[i]) lowest_port = PortW'(i);
    end
  endfunction

  logic [NumPorts-1:0] mask_eff [NumPorts][NumVcs];
  logic [PortW-1:0]    want     [NumPorts][NumVcs];
  logic [NumVcs-1:0]   vc_req   [NumPorts];
  logic [NumPorts-1:0] front_not_head;

  always_comb begin
    for (int unsigned p = 0; p < NumPorts; p++) begin
      front_not_head[p] = 1'b0;
      for (int unsigned v = 0; v < NumVcs; v++) begin
        logic [EntryW-1:0]             e;
        logic [FlitW-1:0]              flit;
        logic [xpu_pkg::FlitDataW-1:0] data;
        logic [CntW-1:0]               cr;
        logic                          own;
        e    = rd_entry[p][v];
        flit = xpu_pkg::entry_flit(e);
        data = xpu_pkg::flit_data(flit);
        // Between multicast branches the remaining mask is in mask_q; a new
        // packet's branches come from its head's route.
        mask_eff[p][v] = mask_q[p][v] != '0 ? mask_q[p][v] : xpu_pkg::entry_mask(e);
        want[p][v]     = lowest_port(mask_eff[p][v]);
        cr             = credits_q[want[p][v]][v];
        own            = owned_q[want[p][v]][v];
        vc_req[p][v]   = 1'b0;
        if (rd_valid[p][v] && rd_eligible[p][v]) begin
          if (in_pkt_q[p][v]) begin
            vc_req[p][v] = cr != '0;
          end else if (!xpu_pkg::flit_head(flit)) begin
            front_not_head[p] = 1'b1;
          end else if (xpu_pkg::entry_mc(e)) begin
            // Virtual cut-through: whole packet here, downstream VC free
            // and empty.
            vc_req[p][v] = mask_eff[p][v] != '0 && !own && cr == FullCredits &&
                           17'(count[p][v]) >=
                           xpu_pkg::packet_flits(xpu_pkg::hdr_length(data[63:0]));
          end else begin
            vc_req[p][v] = !own && cr != '0;
          end
        end
      end
    end
  end

  // 2. Each input port picks one requesting VC.
  logic                in_gnt_valid [NumPorts];
  logic [VcIdxW-1:0]   in_gnt_vc    [NumPorts];
  logic                in_won       [NumPorts];   // its output granted it
  // 3. Each output port picks one input port among those that want it.
  logic [NumPorts-1:0] out_req      [NumPorts];
  logic                out_gnt_valid[NumPorts];
  logic [PortW-1:0]    out_gnt_port [NumPorts];

  for (genvar p = 0; p < NumPorts; p++) begin : g_in_arb
    xpu_rr_arbiter #(.NumReq(NumVcs)) u_arb (
      .clk_i,
      .rst_ni,
      .req_i      (vc_req[p]),
      .advance_i  (in_won[p]),
      .gnt_valid_o(in_gnt_valid[p]),
      .gnt_idx_o  (in_gnt_vc[p])
    );
  end

  always_comb begin
    for (int unsigned o = 0; o < NumPorts; o++) begin
      for (int unsigned p = 0; p < NumPorts; p++) begin
        out_req[o][p] = in_gnt_valid[p] && want[p][in_gnt_vc[p]] == PortW'(o);
      end
    end
  end

  for (genvar o = 0; o < NumPorts; o++) begin : g_out_arb
    xpu_rr_arbiter #(.NumReq(NumPorts), .BugFrozenPointer(BugRr)) u_arb (
      .clk_i,
      .rst_ni,
      .req_i      (out_req[o]),
      .advance_i  (1'b1),
      .gnt_valid_o(out_gnt_valid[o]),
      .gnt_idx_o  (out_gnt_port[o])
    );
  end

  always_comb begin
    for (int unsigned p = 0; p < NumPorts; p++) begin
      in_won[p] = 1'b0;
      for (int unsigned o = 0; o < NumPorts; o++) begin
        if (out_gnt_valid[o] && out_gnt_port[o] == PortW'(p)) in_won[p] = 1'b1;
      end
    end
  end

  // ---------------------------------------------------------------------
  // Switch traversal and state updates.
  logic [FlitW-1:0] out_flit [NumPorts];

  always_comb begin
    for (int unsigned o = 0; o < NumPorts; o++) begin
      out_flit[o] = xpu_pkg::entry_flit(rd_entry[out_gnt_port[o]][in_gnt_vc[out_gnt_port[o]]]);
      out_o[o*FlitLinkW +: FlitLinkW] = {out_gnt_valid[o], out_flit[o]};  // flit_link_t
    end
  end

  always_comb begin
    for (int unsigned p = 0; p < NumPorts; p++) begin
      logic           freed;     // the slot this port's grant frees, if any
      logic [VcW-1:0] freed_vc;
      freed    = 1'b0;
      freed_vc = '0;
      for (int unsigned v = 0; v < NumVcs; v++) begin
        logic [NumPorts-1:0] sent;
        logic                last_copy;
        in_pkt_d[p][v] = in_pkt_q[p][v];
        mask_d[p][v]   = mask_q[p][v];
        rd_off_d[p][v] = rd_off_q[p][v];
        buf_pop[p][v]  = 1'b0;
        // Only the last branch of a multicast removes flits and returns
        // credits (unicast: the mask is the one branch).
        sent           = NumPorts'(1) << want[p][v];
        last_copy      = mask_eff[p][v] == sent;
        if (in_won[p] && in_gnt_vc[p] == VcIdxW'(v)) begin
          if (last_copy) begin
            buf_pop[p][v] = 1'b1;
            freed         = 1'b1;
            freed_vc      = VcW'(v);
          end else begin
            rd_off_d[p][v] = rd_off_q[p][v] + OffW'(1);
          end
          if (xpu_pkg::flit_tail(xpu_pkg::entry_flit(rd_entry[p][v]))) begin
            in_pkt_d[p][v] = 1'b0;
            rd_off_d[p][v] = '0;
            mask_d[p][v]   = mask_eff[p][v] & ~sent;
          end else begin
            in_pkt_d[p][v] = 1'b1;
            mask_d[p][v]   = mask_eff[p][v];
          end
        end
      end
      credit_o[p*CreditW +: CreditW] = {freed, freed_vc};  // credit_t
    end
  end

  always_comb begin
    for (int unsigned o = 0; o < NumPorts; o++) begin
      for (int unsigned v = 0; v < NumVcs; v++) begin
        logic sent, returned;
        sent     = out_gnt_valid[o] && in_gnt_vc[out_gnt_port[o]] == VcIdxW'(v);
        returned = xpu_pkg::credit_valid(credit_i[o*CreditW +: CreditW]) &&
                   xpu_pkg::credit_vc(credit_i[o*CreditW +: CreditW]) == VcW'(v);
        credits_d[o][v] = credits_q[o][v] + CntW'(returned) - CntW'(sent);
        owned_d[o][v]   = owned_q[o][v];
        if (sent) begin
          if (xpu_pkg::flit_tail(out_flit[o]))      owned_d[o][v] = 1'b0;
          else if (xpu_pkg::flit_head(out_flit[o])) owned_d[o][v] = 1'b1;
        end
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int unsigned p = 0; p < NumPorts; p++) begin
        for (int unsigned v = 0; v < NumVcs; v++) begin
          in_pkt_q[p][v]  <= 1'b0;
          mask_q[p][v]    <= '0;
          rd_off_q[p][v]  <= '0;
          credits_q[p][v] <= FullCredits;
          owned_q[p][v]   <= 1'b0;
        end
      end
    end else begin
      for (int unsigned p = 0; p < NumPorts; p++) begin
        for (int unsigned v = 0; v < NumVcs; v++) begin
          in_pkt_q[p][v]  <= in_pkt_d[p][v];
          mask_q[p][v]    <= mask_d[p][v];
          rd_off_q[p][v]  <= rd_off_d[p][v];
          credits_q[p][v] <= credits_d[p][v];
          owned_q[p][v]   <= owned_d[p][v];
        end
      end
    end
  end

  // ---------------------------------------------------------------------
  logic [3:0] err_q, err_d;
  always_comb begin
    err_d    = err_q;
    err_d[0] = err_q[0] | (|overflow);
    err_d[1] = err_q[1] | (|push_bad_vc);
    err_d[2] = err_q[2] | (|front_not_head);
    err_d[3] = err_q[3] | (|push_bad_group);
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) err_q <= '0;
    else         err_q <= err_d;
  end

  assign err_o = err_q;

endmodule
