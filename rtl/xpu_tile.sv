// One XPU tile (docs/arch.md 1): the verified xpu_core, xpu_ni (both in
// xpu_tile_core_ni, with the spawn and status logic) and xpu_router wired
// exactly as the model's tile (emulator/lib/system/Tile.cpp:
// NI receive, core tick, NI transmit, router tick within one cycle), with the
// model tile's boundary towards the mesh (docs/rtl.md "Tiles and meshes").
//
// Boundary:
//  - four mesh links (East, West, North, South; index = router port - 1), each
//    a flit and a credit per direction, with the router's timing contract
//    (link latency L = L - 1 register stages outside the tile);
//  - the host port: the core's loader (one IMEM or SRAM word per cycle), the
//    boot strobe, the router's multicast table and the NI's mailbox policies;
//    outputs are read by the host through the core's SRAM observation port
//    (verilator public_flat_rd), only while the chip is stopped (arch.md 10);
//  - barrier arrive / release and the timestep (the chip's barrier unit);
//  - spawn: spawn_req_o asks the boot ROM for image / argument when a spawn
//    packet finds the core idle or halted with a valid image; the core counts
//    as running (state_o) from that cycle, as the model's boot() does. The
//    boot ROM is the host: it loads the image through the loader port and
//    raises boot_i so that the first instruction issues exactly
//    16 + code words + ceil(data bytes / 8) cycles after the request
//    (arch.md 9). spawn_posted_o / spawn_consumed_o let the chip count spawn
//    requests in flight (a chip is not finished while one flies);
//  - status: the model's run state, halted, faulted, and quiescent (router
//    buffers, NI outbound, reassembly and ejection buffers empty: the
//    barrier's network condition, arch.md 8);
//  - statistics: the core's retire_o / retire_pc_o (the instruction issued
//    this cycle: emu::CoreStats instructions and by_class) and the NI's
//    dropped counters per policy (emu::NiStats dropped).
module xpu_tile #(
  parameter int unsigned MeshWidth       = 4,
  parameter int unsigned MeshHeight      = 4,
  parameter int unsigned SramBytes       = 65536,
  parameter int unsigned ImemWords       = 4096,
  parameter int unsigned VectorLanes     = 16,
  parameter int unsigned Mailboxes       = 8,
  parameter int unsigned MailboxDepth    = 4,
  parameter int unsigned MaxMessageBytes = 256,
  parameter int unsigned NumVcs          = 2,
  parameter int unsigned BufDepth        = 4,
  parameter int unsigned RouterLatency   = 1,
  parameter int unsigned McGroups        = 64,   // >= 1 (a chip without groups uses 1)
  // Test only: quiescent_o ignores the router's buffers, so a barrier may
  // release with flits still in the network. The mesh test must catch it.
  parameter bit          BugQuiescent    = 1'b0,
  localparam int unsigned McAddrW = McGroups > 1 ? $clog2(McGroups) : 1
) (
  input  logic                         clk_i,
  input  logic                         rst_ni,
  // identity (strapped) and the chip's cycle counter (CSR cycle)
  input  logic [xpu_pkg::CoreIdW-1:0]  core_id_i,
  input  logic [xpu_pkg::CoordW-1:0]   x_i,
  input  logic [xpu_pkg::CoordW-1:0]   y_i,
  input  logic [31:0]                  cycle_i,
  // mesh links, index = router port - 1 (East, West, North, South)
  // Side s (router port s + 1) at bits s * width +: width: the layout of a
  // packed array of xpu_pkg::flit_link_t / credit_t (flat: yosys 0.23 cannot
  // hold arrays of structs).
  input  logic [4*xpu_pkg::FlitLinkW-1:0] link_in_i,
  output logic [4*xpu_pkg::CreditW-1:0]   link_credit_o,
  output logic [4*xpu_pkg::FlitLinkW-1:0] link_out_o,
  input  logic [4*xpu_pkg::CreditW-1:0]   link_credit_i,
  // host port: loader and boot (xpu_core), multicast table, mailbox policies
  input  logic                         ld_we_i,
  input  logic                         ld_imem_i,
  input  logic [31:0]                  ld_addr_i,
  input  logic [63:0]                  ld_data_i,
  input  logic                         boot_i,
  input  logic [31:0]                  boot_pc_i,
  input  logic [31:0]                  boot_arg_i,
  input  logic [31:0]                  code_len_i,
  input  logic                         mc_we_i,
  input  logic [McAddrW-1:0]           mc_addr_i,
  input  logic [xpu_pkg::NumPorts-1:0] mc_mask_i,
  input  logic                         policy_we_i,
  input  logic [7:0]                   policy_idx_i,
  input  logic [1:0]                   policy_i,
  // chip services
  input  logic [McGroups-1:0]          mc_source_i,   // groups this core is the source of
  input  logic [31:0]                  image_count_i,
  output logic                         bar_arrive_o,
  input  logic                         bar_release_i,
  input  logic [31:0]                  timestep_i,
  // spawn
  output logic                         spawn_req_o,
  output logic [15:0]                  spawn_image_o,
  output logic [31:0]                  spawn_arg_o,
  output logic                         spawn_posted_o,
  output logic                         spawn_consumed_o,
  // status
  output logic [2:0]                   state_o,       // emu::CoreState (booting = running)
  output logic [1:0]                   block_o,       // emu::BlockReason (barrier: 3)
  output logic                         halted_o,
  output logic                         faulted_o,
  output logic [3:0]                   fault_o,
  output logic [31:0]                  pc_o,
  output logic                         quiescent_o,
  output logic [3:0]                   router_err_o,
  // statistics (xpu_tile_core_ni: instructions / by_class, NiStats dropped)
  output logic                         retire_o,
  output logic [31:0]                  retire_pc_o,
  output logic [31:0]                  dropped_newest_o,
  output logic [31:0]                  dropped_oldest_o,
  output logic [31:0]                  dropped_error_o
);

  // The xpu_pkg names used below (yosys 0.23 reads no package imports).
  localparam int unsigned NumPorts  = xpu_pkg::NumPorts;
  localparam int unsigned FlitLinkW = xpu_pkg::FlitLinkW;
  localparam int unsigned CreditW   = xpu_pkg::CreditW;
  localparam int unsigned Local     = 32'(xpu_pkg::PortLocal);
  localparam int unsigned OccW = $clog2(NumPorts * NumVcs * BufDepth + 1);

  // ------------------------------------------------------------ router
  // The router's ports, port p at bits p * width +: width (xpu_router).
  logic [NumPorts*FlitLinkW-1:0] rt_in, rt_out;
  logic [NumPorts*CreditW-1:0]   rt_credit_in, rt_credit_out;
  xpu_pkg::flit_link_t           ni_inj;
  xpu_pkg::credit_t              ni_ej_credit;

  assign rt_in         = {link_in_i, ni_inj};
  assign rt_credit_in  = {link_credit_i, ni_ej_credit};
  assign link_out_o    = rt_out[NumPorts*FlitLinkW-1:FlitLinkW];
  assign link_credit_o = rt_credit_out[NumPorts*CreditW-1:CreditW];

  xpu_router #(
    .NumVcs(NumVcs), .BufDepth(BufDepth), .RouterLatency(RouterLatency),
    .MeshWidth(MeshWidth), .McGroups(McGroups)
  ) u_router (
    .clk_i, .rst_ni, .x_i, .y_i,
    .mc_we_i, .mc_addr_i, .mc_mask_i,
    .in_i(rt_in), .credit_o(rt_credit_out),
    .out_o(rt_out), .credit_i(rt_credit_in),
    .err_o(router_err_o)
  );

  // ------------------------------------------------------------ core + NI
  logic ni_quiescent;

  xpu_tile_core_ni #(
    .MeshWidth(MeshWidth), .MeshHeight(MeshHeight), .SramBytes(SramBytes),
    .ImemWords(ImemWords), .VectorLanes(VectorLanes), .Mailboxes(Mailboxes),
    .MailboxDepth(MailboxDepth), .MaxMessageBytes(MaxMessageBytes), .NumVcs(NumVcs),
    .BufDepth(BufDepth), .McGroups(McGroups)
  ) u_cn (
    .clk_i, .rst_ni, .core_id_i, .x_i, .y_i, .cycle_i,
    .inj_o(ni_inj), .inj_credit_i(rt_credit_out[Local*CreditW +: CreditW]),
    .ej_i(rt_out[Local*FlitLinkW +: FlitLinkW]), .ej_credit_o(ni_ej_credit),
    .ld_we_i, .ld_imem_i, .ld_addr_i, .ld_data_i,
    .boot_i, .boot_pc_i, .boot_arg_i, .code_len_i,
    .policy_we_i, .policy_idx_i, .policy_i,
    .mc_source_i, .image_count_i,
    .bar_arrive_o, .bar_release_i, .timestep_i,
    .spawn_req_o, .spawn_image_o, .spawn_arg_o, .spawn_posted_o, .spawn_consumed_o,
    .state_o, .block_o, .halted_o, .faulted_o, .fault_o, .pc_o,
    .ni_quiescent_o(ni_quiescent),
    .retire_o, .retire_pc_o, .dropped_newest_o, .dropped_oldest_o, .dropped_error_o
  );

  // Router buffer occupancy: every flit pushed into an input buffer frees
  // its slot with exactly one credit (multicast: after its last branch).
  logic [OccW-1:0] occ_q;
  logic [OccW-1:0] pushes, pops;

  always_comb begin
    pushes = '0;
    pops   = '0;
    for (int unsigned p = 0; p < NumPorts; p++) begin
      pushes = pushes + OccW'(xpu_pkg::link_valid(rt_in[p*FlitLinkW +: FlitLinkW]));
      pops   = pops + OccW'(xpu_pkg::credit_valid(rt_credit_out[p*CreditW +: CreditW]));
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) occ_q <= '0;
    else         occ_q <= occ_q + pushes - pops;
  end

  assign quiescent_o = ni_quiescent && (BugQuiescent || occ_q == '0);

endmodule
