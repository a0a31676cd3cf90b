// Payload store of the NI's mailboxes (docs/rtl.md "Network interface"): one
// FlitBytes-wide word per body flit, Mailboxes x MailboxDepth message slots of
// ceil(MaxMessageBytes / FlitBytes) words each. Shaped like a 1W1R SRAM macro:
// one write port, one synchronous read port (read-first: a read and a write
// of the same word in one cycle return the old word). Not reset: a slot is
// written before the message it holds becomes visible.
module xpu_ni_mbox_store #(
  parameter int unsigned Words = 16,
  parameter int unsigned Width = 64,
  localparam int unsigned Aw = Words > 1 ? $clog2(Words) : 1
) (
  input  logic             clk_i,
  input  logic             we_i,
  input  logic [Aw-1:0]    waddr_i,
  input  logic [Width-1:0] wdata_i,
  input  logic             re_i,
  input  logic [Aw-1:0]    raddr_i,
  output logic [Width-1:0] rdata_o
);

  logic [Width-1:0] mem_q [Words];
  logic [Width-1:0] rdata_q;

  always_ff @(posedge clk_i) begin
    if (we_i && 32'(waddr_i) < Words) mem_q[waddr_i] <= wdata_i;
    if (re_i && 32'(raddr_i) < Words) rdata_q <= mem_q[raddr_i];
  end

  assign rdata_o = rdata_q;

endmodule
