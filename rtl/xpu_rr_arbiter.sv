// Round-robin arbiter whose pointer moves only when its grant is used
// (docs/arch.md 5.4): the search starts at the requester after the one
// granted last, and `advance_i` says the grant offered this cycle was taken.
module xpu_rr_arbiter #(
  parameter int unsigned NumReq = 5,
  // Test only: the pointer never moves (a fixed-priority arbiter). Used by
  // the co-simulation to prove that it catches an allocation bug.
  parameter bit          BugFrozenPointer = 1'b0,
  localparam int unsigned IdxW = NumReq > 1 ? $clog2(NumReq) : 1
) (
  input  logic              clk_i,
  input  logic              rst_ni,
  input  logic [NumReq-1:0] req_i,
  input  logic              advance_i,
  output logic              gnt_valid_o,
  output logic [IdxW-1:0]   gnt_idx_o
);

  // Index of the requester granted last; after reset the last one, so that
  // requester 0 has priority first (same as the C++ model).
  logic [IdxW-1:0] last_q, last_d;

  always_comb begin
    gnt_valid_o = 1'b0;
    gnt_idx_o   = last_q;
    for (int unsigned k = 1; k <= NumReq; k++) begin
      // last_q + k < 2 * NumReq: one conditional subtraction is the modulo.
      logic [IdxW:0] cand;
      cand = {1'b0, last_q} + (IdxW + 1)'(k);
      if (cand >= (IdxW + 1)'(NumReq)) cand = cand - (IdxW + 1)'(NumReq);
      if (!gnt_valid_o && req_i[cand[IdxW-1:0]]) begin
        gnt_valid_o = 1'b1;
        gnt_idx_o   = cand[IdxW-1:0];
      end
    end
  end

  always_comb begin
    last_d = last_q;
    if (advance_i && gnt_valid_o && !BugFrozenPointer) last_d = gnt_idx_o;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) last_q <= IdxW'(NumReq - 1);
    else         last_q <= last_d;
  end

endmodule
