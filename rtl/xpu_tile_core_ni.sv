// The tile without its router: xpu_core + xpu_ni + the spawn boot request
// and status logic, with the router's Local port as its network boundary.
// xpu_tile adds the router; a mixed mesh (docs/rtl.md "Tiles and meshes")
// connects this module's Local port to a router of the C++ network model.
// Ports and timing: as xpu_tile (identity, host port without the multicast
// table, chip services, spawn, status) plus the NI's Local port (xpu_ni:
// inj_o / inj_credit_i / ej_i / ej_credit_o), and the statistics outputs
// of xpu_core (retire_o / retire_pc_o) and xpu_ni (dropped_*_o).
module xpu_tile_core_ni #(
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
  parameter int unsigned McGroups        = 64
) (
  input  logic                         clk_i,
  input  logic                         rst_ni,
  input  logic [xpu_pkg::CoreIdW-1:0]  core_id_i,
  input  logic [xpu_pkg::CoordW-1:0]   x_i,
  input  logic [xpu_pkg::CoordW-1:0]   y_i,
  input  logic [31:0]                  cycle_i,
  // the router's Local port
  output xpu_pkg::flit_link_t          inj_o,
  input  xpu_pkg::credit_t             inj_credit_i,
  input  xpu_pkg::flit_link_t          ej_i,
  output xpu_pkg::credit_t             ej_credit_o,
  // host port: loader and boot (xpu_core), mailbox policies (xpu_ni)
  input  logic                         ld_we_i,
  input  logic                         ld_imem_i,
  input  logic [31:0]                  ld_addr_i,
  input  logic [63:0]                  ld_data_i,
  input  logic                         boot_i,
  input  logic [31:0]                  boot_pc_i,
  input  logic [31:0]                  boot_arg_i,
  input  logic [31:0]                  code_len_i,
  input  logic                         policy_we_i,
  input  logic [7:0]                   policy_idx_i,
  input  logic [1:0]                   policy_i,
  // chip services
  input  logic [McGroups-1:0]          mc_source_i,
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
  output logic [2:0]                   state_o,
  output logic [1:0]                   block_o,
  output logic                         halted_o,
  output logic                         faulted_o,
  output logic [3:0]                   fault_o,
  output logic [31:0]                  pc_o,
  output logic                         ni_quiescent_o, // the NI's part of arch.md 8's condition
  // statistics (emu::CoreStats instructions / by_class, emu::NiStats dropped)
  output logic                         retire_o,       // the instruction at retire_pc_o issued
  output logic [31:0]                  retire_pc_o,
  output logic [31:0]                  dropped_newest_o,
  output logic [31:0]                  dropped_oldest_o,
  output logic [31:0]                  dropped_error_o
);

  localparam logic [2:0] StIdle = 3'd0, StRun = 3'd1, StHalted = 3'd3, StFaulted = 3'd4;

  logic                          ob_free, ob_post, ob_spawn, ob_mcast, ob_data_valid;
  logic [31:0]                   ob_dest, ob_spawn_image, ob_spawn_arg;
  logic [7:0]                    ob_mbox;
  logic [15:0]                   ob_len;
  logic [xpu_pkg::FlitDataW-1:0] ob_data, mb_data;
  logic [16*Mailboxes-1:0]       mb_count, mb_front_len, mb_front_src;  // 16 bits per mailbox
  logic                          mb_pop;
  logic [7:0]                    mb_pop_idx;
  logic                          ni_fault;
  logic [3:0]                    ni_fault_code;
  logic                          ni_spawn_valid;
  logic [15:0]                   ni_spawn_image;
  logic [31:0]                   ni_spawn_arg;
  logic [2:0]                    core_state;
  logic [1:0]                    core_block;

  // Debug outputs of the core: the cycle accounting follows from state_o.
  /* verilator lint_off UNUSEDSIGNAL */
  logic        core_busy, core_seq_busy;
  /* verilator lint_on UNUSEDSIGNAL */

  xpu_ni #(
    .NumVcs(NumVcs), .BufDepth(BufDepth), .Mailboxes(Mailboxes),
    .MailboxDepth(MailboxDepth), .MaxMessageBytes(MaxMessageBytes)
  ) u_ni (
    .clk_i, .rst_ni, .core_id_i,
    .policy_we_i, .policy_idx_i, .policy_i,
    .inj_o, .inj_credit_i, .ej_i, .ej_credit_o,
    .ob_free_o(ob_free), .ob_post_i(ob_post), .ob_spawn_i(ob_spawn), .ob_mcast_i(ob_mcast),
    .ob_dest_i(ob_dest), .ob_mbox_i(ob_mbox), .ob_len_i(ob_len),
    .ob_spawn_image_i(ob_spawn_image), .ob_spawn_arg_i(ob_spawn_arg),
    .ob_data_valid_i(ob_data_valid), .ob_data_i(ob_data),
    .mb_count_o(mb_count), .mb_front_len_o(mb_front_len), .mb_front_src_o(mb_front_src),
    .mb_pop_i(mb_pop), .mb_pop_idx_i(mb_pop_idx), .mb_data_o(mb_data),
    .ni_fault_o(ni_fault), .ni_fault_code_o(ni_fault_code),
    .spawn_valid_o(ni_spawn_valid), .spawn_image_o(ni_spawn_image), .spawn_arg_o(ni_spawn_arg),
    .quiescent_o(ni_quiescent_o),
    .dropped_newest_o, .dropped_oldest_o, .dropped_error_o
  );

  xpu_core #(
    .SramBytes(SramBytes), .ImemWords(ImemWords), .VectorLanes(VectorLanes),
    .FlitBytes(xpu_pkg::FlitBytes), .Mailboxes(Mailboxes), .MaxMessageBytes(MaxMessageBytes),
    .BufferDepth(BufDepth), .MeshWidth(MeshWidth), .MeshHeight(MeshHeight),
    .McGroups(McGroups)
  ) u_core (
    .clk_i, .rst_ni, .core_id_i, .x_i, .y_i, .cycle_i,
    .ld_we_i, .ld_imem_i, .ld_addr_i, .ld_data_i,
    .boot_i, .boot_pc_i, .boot_arg_i, .code_len_i,
    .ob_free_i(ob_free), .ob_post_o(ob_post), .ob_spawn_o(ob_spawn), .ob_mcast_o(ob_mcast),
    .ob_dest_o(ob_dest), .ob_mbox_o(ob_mbox), .ob_len_o(ob_len),
    .ob_spawn_image_o(ob_spawn_image), .ob_spawn_arg_o(ob_spawn_arg),
    .ob_data_valid_o(ob_data_valid), .ob_data_o(ob_data),
    .mb_count_i(mb_count), .mb_front_len_i(mb_front_len), .mb_front_src_i(mb_front_src),
    .mb_pop_o(mb_pop), .mb_pop_idx_o(mb_pop_idx), .mb_data_i(mb_data),
    .mc_source_i, .image_count_i,
    .bar_arrive_o, .bar_release_i, .timestep_i,
    .ni_fault_i(ni_fault), .ni_fault_code_i(ni_fault_code),
    .state_o(core_state), .block_o(core_block), .fault_o, .pc_o,
    .busy_o(core_busy), .seq_busy_o(core_seq_busy),
    .retire_o, .retire_pc_o
  );

  // ------------------------------------------------------------ spawn boot
  // The model boots a spawned core inside the NI's receive (before the
  // core's tick) when the spawn tail is consumed: the request is accepted
  // against the core's state at the start of the cycle, and the core is
  // running (waiting for its first issue) from then on. booting_q covers the
  // window until the boot ROM raises boot_i.
  logic booting_q;
  logic spawn_ok;

  assign spawn_ok = ni_spawn_valid && !booting_q &&
                    (core_state == StIdle || core_state == StHalted) &&
                    32'(ni_spawn_image) < image_count_i;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      booting_q <= 1'b0;
    end else if (boot_i) begin
      booting_q <= 1'b0;
    end else if (spawn_ok) begin
      booting_q <= 1'b1;
    end
  end

  assign spawn_req_o      = spawn_ok;
  assign spawn_image_o    = ni_spawn_image;
  assign spawn_arg_o      = ni_spawn_arg;
  assign spawn_posted_o   = ob_post && ob_spawn && ob_free;
  assign spawn_consumed_o = ni_spawn_valid;

  // ------------------------------------------------------------ status
  assign state_o   = booting_q ? StRun : core_state;
  assign block_o   = booting_q ? 2'd0 : core_block;
  assign halted_o  = state_o == StHalted;
  assign faulted_o = state_o == StFaulted;

endmodule
