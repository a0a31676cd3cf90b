// One input virtual channel: a Depth-entry FIFO of flits (shift register,
// entry 0 is the front) with a read port at any offset, and per-entry age
// so that a flit becomes eligible RouterLatency cycles after it arrived
// (docs/arch.md 5.1). The offset read serves multicast branches that stream
// a packet without removing it (arch.md 6.4). An entry is an
// xpu_pkg::buf_entry_t held as a vector (yosys 0.23 cannot hold arrays of
// structs, docs/rtl.md "Synthesis area (yosys)").
module xpu_vc_buffer #(
  parameter int unsigned Depth         = 4,
  parameter int unsigned RouterLatency = 1,
  localparam int unsigned OffW = Depth > 1 ? $clog2(Depth) : 1,
  localparam int unsigned CntW = $clog2(Depth + 1)
) (
  input  logic                          clk_i,
  input  logic                          rst_ni,
  input  logic                          push_i,
  input  logic [xpu_pkg::BufEntryW-1:0] push_entry_i,
  input  logic                          pop_i,         // remove the front entry
  input  logic [OffW-1:0]               rd_off_i,
  output logic [xpu_pkg::BufEntryW-1:0] rd_entry_o,
  output logic                          rd_valid_o,    // an entry exists at rd_off_i
  output logic                          rd_eligible_o, // ... and arrived >= RouterLatency cycles ago
  output logic [CntW-1:0]               count_o,
  output logic                          overflow_o     // push into a full buffer: credits were broken
);

  localparam int unsigned AgeW = $clog2(RouterLatency + 1);
  localparam logic [AgeW-1:0] AgeMax = AgeW'(RouterLatency);

  localparam int unsigned EntryW = xpu_pkg::BufEntryW;

  logic [EntryW-1:0] entry_q [Depth];
  logic [EntryW-1:0] entry_d [Depth];
  logic [AgeW-1:0] age_q   [Depth];
  logic [AgeW-1:0] age_d   [Depth];
  logic [CntW-1:0] count_q, count_d;

  function automatic logic [AgeW-1:0] older(logic [AgeW-1:0] age);
    older = age == AgeMax ? AgeMax : age + AgeW'(1);
  endfunction

  // A push lands in the first free slot after this cycle's pop, written
  // slot by slot (not through a variable index, which yosys 0.23 turns into
  // a latch in a combinational block).
  logic [CntW-1:0] kept;
  logic            push_ok;

  always_comb begin
    kept       = pop_i && count_q != '0 ? count_q - CntW'(1) : count_q;
    overflow_o = push_i && kept == CntW'(Depth);
    push_ok    = push_i && !overflow_o;
    count_d    = push_ok ? kept + CntW'(1) : kept;
    for (int unsigned i = 0; i < Depth; i++) begin
      // Entries shift towards the front on a pop; the last slot refills only
      // by a push.
      if (push_ok && kept == CntW'(i)) begin
        entry_d[i] = push_entry_i;
        age_d[i]   = '0;
      end else if (pop_i && i + 1 < Depth) begin
        entry_d[i] = entry_q[i + 1];
        age_d[i]   = older(age_q[i + 1]);
      end else begin
        entry_d[i] = entry_q[i];
        age_d[i]   = older(age_q[i]);
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      count_q <= '0;
      for (int unsigned i = 0; i < Depth; i++) begin
        entry_q[i] <= '0;
        age_q[i]   <= '0;
      end
    end else begin
      count_q <= count_d;
      for (int unsigned i = 0; i < Depth; i++) begin
        entry_q[i] <= entry_d[i];
        age_q[i]   <= age_d[i];
      end
    end
  end

  assign rd_entry_o    = entry_q[rd_off_i];
  assign rd_valid_o    = CntW'(rd_off_i) < count_q;
  assign rd_eligible_o = age_q[rd_off_i] == AgeMax;
  assign count_o       = count_q;

endmodule
