// XPU NoC link types: flit, head header and credit (docs/arch.md section 4).
//
// Single RTL definition of the flit format; the C++ definition is
// runtime/include/xpu/Packet.h and emulator/include/xpu/emu/Flit.h, and the
// co-simulation (tests/unit/rtl) checks that the two agree bit for bit.
package xpu_pkg;

  // Router ports, in round-robin and multicast branch order (arch.md 1, 5.4).
  localparam int unsigned NumPorts = 5;
  localparam int unsigned PortW    = 3;
  localparam logic [PortW-1:0] PortLocal = 3'd0;
  localparam logic [PortW-1:0] PortEast  = 3'd1;  // x + 1
  localparam logic [PortW-1:0] PortWest  = 3'd2;  // x - 1
  localparam logic [PortW-1:0] PortNorth = 3'd3;  // y - 1 (row 0 is the top row)
  localparam logic [PortW-1:0] PortSouth = 3'd4;  // y + 1

  // Payload bytes per flit (`/noc/flit_bytes`). The link width is a property
  // of the chip, so it lives here rather than as a per-module parameter;
  // 16- or 32-byte flits need only this line changed.
  localparam int unsigned FlitBytes = 8;
  localparam int unsigned FlitDataW = 8 * FlitBytes;
  localparam int unsigned VcW       = 3;   // `vc` sideband: up to 8 VCs
  localparam int unsigned CoordW    = 8;   // mesh coordinates: up to 256 x 256
  localparam int unsigned CoreIdW   = 16;

  // Head flit payload bits 63:0 (arch.md 4); packed structs list MSB first.
  typedef struct packed {
    logic [4:0]         reserved;  // 63:59
    logic [1:0]         kind;      // 58:57  0 message, 1 spawn
    logic               mcast;     // 56
    logic [15:0]        length;    // 55:40  payload bytes
    logic [7:0]         mbox;      // 39:32
    logic [CoreIdW-1:0] source;    // 31:16
    logic [CoreIdW-1:0] dest;      // 15:0   core id, or group id if mcast
  } head_hdr_t;

  // Head header fields of a flit's data bits 63:0, for code that cannot
  // declare a head_hdr_t: yosys 0.23 reads struct members only of
  // module-level scalar variables, not of array elements or block-local
  // variables (docs/rtl.md "Synthesis area (yosys)"). Bit positions as in
  // head_hdr_t; xpu_ni checks that they agree (under Verilator). Waiver:
  // each accessor reads one field of its argument.
  /* verilator lint_off UNUSEDSIGNAL */
  function automatic logic [1:0] hdr_kind(logic [63:0] d);
    hdr_kind = d[58:57];
  endfunction
  function automatic logic hdr_mcast(logic [63:0] d);
    hdr_mcast = d[56];
  endfunction
  function automatic logic [15:0] hdr_length(logic [63:0] d);
    hdr_length = d[55:40];
  endfunction
  function automatic logic [7:0] hdr_mbox(logic [63:0] d);
    hdr_mbox = d[39:32];
  endfunction
  function automatic logic [CoreIdW-1:0] hdr_source(logic [63:0] d);
    hdr_source = d[31:16];
  endfunction
  function automatic logic [CoreIdW-1:0] hdr_dest(logic [63:0] d);
    hdr_dest = d[15:0];
  endfunction
  /* verilator lint_on UNUSEDSIGNAL */

  typedef struct packed {
    logic                 head;
    logic                 tail;
    logic [VcW-1:0]       vc;
    logic [FlitDataW-1:0] data;    // head: bits 63:0 are a head_hdr_t
  } flit_t;

  // One link direction: at most one flit per cycle.
  typedef struct packed {
    logic  valid;
    flit_t flit;
  } flit_link_t;

  // Reverse direction: at most one freed buffer slot per cycle per port
  // (an input port sends at most one flit per cycle).
  typedef struct packed {
    logic           valid;
    logic [VcW-1:0] vc;
  } credit_t;

  // One input-buffer slot: the flit plus what route computation found when
  // it arrived. out_mask is one-hot for a unicast head (the XY output port),
  // the router's multicast table entry for a multicast head, 0 for body flits.
  typedef struct packed {
    logic                mc;
    logic [NumPorts-1:0] out_mask;
    flit_t               flit;
  } buf_entry_t;

  // The link types as flat vectors, for arrays of them (a router's ports,
  // its buffers): yosys 0.23 builds a wrong netlist for an array of structs
  // and for a member of an array element (docs/rtl.md "Synthesis area
  // (yosys)"). Widths and fields exactly as the structs above; xpu_router
  // checks the widths against the structs under Verilator.
  localparam int unsigned FlitW     = 2 + VcW + FlitDataW;    // flit_t
  localparam int unsigned FlitLinkW = 1 + FlitW;              // flit_link_t
  localparam int unsigned CreditW   = 1 + VcW;                // credit_t
  localparam int unsigned BufEntryW = 1 + NumPorts + FlitW;   // buf_entry_t

  // Waiver: each accessor reads one field of its argument.
  /* verilator lint_off UNUSEDSIGNAL */
  function automatic logic link_valid(logic [FlitLinkW-1:0] l);
    link_valid = l[FlitLinkW-1];
  endfunction
  function automatic logic [FlitW-1:0] link_flit(logic [FlitLinkW-1:0] l);
    link_flit = l[FlitW-1:0];
  endfunction
  function automatic logic flit_head(logic [FlitW-1:0] f);
    flit_head = f[FlitW-1];
  endfunction
  function automatic logic flit_tail(logic [FlitW-1:0] f);
    flit_tail = f[FlitW-2];
  endfunction
  function automatic logic [VcW-1:0] flit_vc(logic [FlitW-1:0] f);
    flit_vc = f[FlitDataW +: VcW];
  endfunction
  function automatic logic [FlitDataW-1:0] flit_data(logic [FlitW-1:0] f);
    flit_data = f[FlitDataW-1:0];
  endfunction
  function automatic logic credit_valid(logic [CreditW-1:0] c);
    credit_valid = c[VcW];
  endfunction
  function automatic logic [VcW-1:0] credit_vc(logic [CreditW-1:0] c);
    credit_vc = c[VcW-1:0];
  endfunction
  function automatic logic entry_mc(logic [BufEntryW-1:0] e);
    entry_mc = e[BufEntryW-1];
  endfunction
  function automatic logic [NumPorts-1:0] entry_mask(logic [BufEntryW-1:0] e);
    entry_mask = e[FlitW +: NumPorts];
  endfunction
  function automatic logic [FlitW-1:0] entry_flit(logic [BufEntryW-1:0] e);
    entry_flit = e[FlitW-1:0];
  endfunction
  /* verilator lint_on UNUSEDSIGNAL */

  // Packet length in flits: 1 + ceil(length / FlitBytes) (arch.md 4).
  function automatic logic [16:0] packet_flits(logic [15:0] length);
    logic [16:0] rounded;
    rounded      = {1'b0, length} + 17'(FlitBytes - 1);
    packet_flits = 17'(rounded >> $clog2(FlitBytes)) + 17'd1;
  endfunction

endpackage
