// RUN: xpu-opt %s -split-input-file -verify-diagnostics
// REQUIRES: mlir
// One case per xpu verifier and parser error.

// expected-error @+1 {{chip mesh must be at least 1x1, got 0x4}}
xpu.module @m chip(#xpu.chip<width = 0>) {
}

// -----

// expected-error @+1 {{chip field 'buffer_depth' must be positive}}
xpu.module @m chip(#xpu.chip<buffer_depth = 0>) {
}

// -----

// expected-error @+1 {{chip field 'clock_mhz' must be positive}}
xpu.module @m chip(#xpu.chip<clock_mhz = 0.0>) {
}

// -----

xpu.module @m chip(#xpu.chip<width = 2, height = 2>) {
  // expected-error @+1 {{core (2, 0) is outside the 2x2 mesh}}
  xpu.core @c at (2, 0) {
  }
}

// -----

xpu.module @m chip(#xpu.chip<width = 2, height = 2>) {
  // expected-error @+1 {{spare core (0, 5) is outside the 2x2 mesh}}
  xpu.spare at (0, 5)
}

// -----

xpu.module @m chip(#xpu.chip<width = 2, height = 2>) {
  // expected-note @+1 {{first assigned here}}
  xpu.core @a at (1, 1) {
  }
  // expected-error @+1 {{tile (1, 1) already has a program}}
  xpu.core @b at (1, 1) {
  }
}

// -----

xpu.module @m chip(#xpu.chip<width = 2, height = 2>) {
  // expected-note @+1 {{first assigned here}}
  xpu.core @a at (1, 1) {
  }
  // expected-error @+1 {{tile (1, 1) already has a program}}
  xpu.spare at (1, 1)
}

// -----

xpu.module @m chip(#xpu.chip<width = 2, height = 2>) {
  // expected-error @+1 {{needs both x and y, or neither}}
  "xpu.core"() <{sym_name = "c", x = 0 : i32}> ({
  ^bb0:
  }) : () -> ()
}

// -----

xpu.module @m chip(#xpu.chip<sram_bytes = 1024>) {
  // expected-error @+1 {{needs 1536 bytes of SRAM but the chip has 1024 per core}}
  xpu.core @c at (0, 0) {
    // expected-note @+1 {{buffer @a: 1024 bytes at 0}}
    xpu.buffer @a : tensor<1024xi8>
    // expected-note @+1 {{buffer @b: 512 bytes at 1024}}
    xpu.buffer @b : tensor<128xi32>
  }
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @c at (0, 0) {
    // expected-note @+1 {{other buffer here}}
    xpu.buffer @a : tensor<16xi8> at 0
    // expected-error @+1 {{overlaps buffer "a"}}
    xpu.buffer @b : tensor<4xi32> at 12
  }
}

// -----

// Overlapping explicit addresses are allowed only for disjoint live ranges.
xpu.module @m chip(#xpu.chip<>) {
  xpu.core @c at (0, 0) {
    // expected-note @+1 {{other buffer here}}
    xpu.buffer @a : tensor<16xi8> at 0 live [0, 2]
    // expected-error @+1 {{overlaps buffer "a"}}
    xpu.buffer @b : tensor<16xi8> at 8 live [2, 3]
    xpu.halt
  }
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @c at (0, 0) {
    // expected-error @+1 {{live range must be [first, last] with 0 <= first <= last}}
    xpu.buffer @a : tensor<16xi8> live [3, 1]
    xpu.halt
  }
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @c at (0, 0) {
    // expected-error @+1 {{a buffer with an initial value or host access holds it for the whole program: it cannot have a live range}}
    xpu.buffer @a : tensor<4xi8> init dense<1> : tensor<4xi8> live [0, 1]
    xpu.halt
  }
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @c at (0, 0) {
    // expected-error @+1 {{element type must be an integer or float}}
    xpu.buffer @a : tensor<4xindex>
  }
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @c at (0, 0) {
    // expected-error @+1 {{alignment must be a power of two, got 3}}
    xpu.buffer @a : tensor<4xi8> align 3
  }
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @c at (0, 0) {
    // expected-error @+1 {{address 6 is not a non-negative multiple of its alignment 4}}
    xpu.buffer @a : tensor<4xi8> at 6
  }
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @c at (0, 0) {
    // expected-error @+1 {{initial value of type 'tensor<3xi8>' does not match the buffer type 'tensor<4xi8>'}}
    xpu.buffer @a : tensor<4xi8> init dense<1> : tensor<3xi8>
  }
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @c at (0, 0) {
    // expected-error @+1 {{host-visible buffers hold i8, i16 or i32 elements}}
    xpu.buffer @a : tensor<4xf32> host input
  }
}

// -----

xpu.module @m chip(#xpu.chip<width = 2, height = 1>) {
  xpu.core @c at (0, 0) {
  }
  // expected-error @+1 {{destination (1, 0) runs no program}}
  xpu.channel @ch from (0, 0) to (1, 0) mailbox 0 bytes 4 overflow block
}

// -----

xpu.module @m chip(#xpu.chip<width = 2, height = 1>) {
  xpu.core @c at (0, 0) {
  }
  // expected-error @+1 {{source (0, 3) is outside the 2x1 mesh}}
  xpu.channel @ch from (0, 3) to (0, 0) mailbox 0 bytes 4 overflow block
}

// -----

xpu.module @m chip(#xpu.chip<mailboxes = 2>) {
  xpu.core @c at (0, 0) {
  }
  // expected-error @+1 {{mailbox 2 does not exist; the chip has 2 per core}}
  xpu.channel @ch from (0, 0) to (0, 0) mailbox 2 bytes 4 overflow block
}

// -----

xpu.module @m chip(#xpu.chip<max_message_bytes = 16>) {
  xpu.core @c at (0, 0) {
  }
  // expected-error @+1 {{message of 32 bytes exceeds the chip's max_message_bytes 16}}
  xpu.channel @ch from (0, 0) to (0, 0) mailbox 0 bytes 32 overflow block
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @c at (0, 0) {
  }
  // expected-note @+1 {{other channel here}}
  xpu.channel @a from (0, 0) to (0, 0) mailbox 1 bytes 4 overflow block
  // expected-error @+1 {{gives mailbox 1 of (0, 0) a different overflow policy}}
  xpu.channel @b from (0, 0) to (0, 0) mailbox 1 bytes 4 overflow error
}

// -----

xpu.module @m chip(#xpu.chip<multicast_groups = 4>) {
  xpu.core @c at (0, 0) {
  }
  // expected-error @+1 {{group id 4 does not fit the chip's 4 multicast table entries}}
  xpu.group @g id 4 from (0, 0) to [(1, 1)]
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @c at (0, 0) {
  }
  // expected-error @+1 {{needs a non-empty list of (x, y) destinations}}
  xpu.group @g id 0 from (0, 0) to []
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @c at (0, 0) {
  }
  // expected-note @+1 {{first used here}}
  xpu.group @g id 0 from (0, 0) to [(1, 0)]
  // expected-error @+1 {{multicast group id 0 is already used}}
  xpu.group @h id 0 from (0, 0) to [(2, 0)]
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  // expected-error @+1 {{unknown group @g}}
  xpu.route at (0, 0) @g ports [east]
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @c at (0, 0) {
  }
  xpu.group @g id 0 from (0, 0) to [(1, 0)]
  // expected-error @+1 {{needs a non-empty set of router ports}}
  xpu.route at (0, 0) @g ports []
}

// -----

xpu.module @m chip(#xpu.chip<width = 2, height = 2>) {
  xpu.core @c at (0, 0) {
  }
  xpu.group @g id 0 from (0, 0) to [(1, 0)]
  // expected-error @+1 {{port east of router (1, 0) leads off the mesh}}
  xpu.route at (1, 0) @g ports [local, east]
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @c at (0, 0) {
  }
  xpu.group @g id 0 from (0, 0) to [(1, 0)]
  // expected-error @+1 {{expected a router port: local, east, west, north or south}}
  xpu.route at (0, 0) @g ports [up]
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @c at (0, 0) {
    // expected-error @+1 {{unknown buffer @acc in core "c"}}
    xpu.vmacs @acc, @w scale 1 count 4
  }
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @c at (0, 0) {
    xpu.buffer @acc : tensor<4xi32>
    // expected-note @+1 {{buffer defined here}}
    xpu.buffer @w : tensor<4xi8>
    // expected-error @+1 {{accesses bytes [2, 6) of @w, which has 4 bytes}}
    xpu.vmacs @acc, @w[2] scale 1 count 4
  }
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @c at (0, 0) {
    xpu.buffer @a : tensor<8xi32>
    // expected-error @+1 {{32-bit array @a[2] must be 4-byte aligned}}
    xpu.vadd32 @a[2], @a, @a count 1
  }
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @c at (0, 0) {
    xpu.buffer @a : tensor<8xi32>
    // expected-error @+1 {{count must be non-negative, got -1}}
    xpu.vadd32 @a, @a, @a count -1
  }
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @c at (0, 0) {
    xpu.buffer @a : tensor<8xi32>
    xpu.buffer @b : tensor<8xi8>
    // expected-error @+1 {{shift must be in 0..31, got 32}}
    xpu.vreq @b, @a count 8 shift 32
  }
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @c at (0, 0) {
    xpu.buffer @spikes : tensor<4xi8>
    // expected-note @+1 {{buffer defined here}}
    xpu.buffer @state : tensor<9xi32>
    xpu.buffer @in : tensor<4xi32>
    // CubaLIF keeps u[4] too: 5 + 2 * 4 words.
    // expected-error @+1 {{accesses bytes [0, 52) of @state, which has 36 bytes}}
    xpu.nstep @spikes, @state, @in count 4 model cuba reset zero
  }
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @c at (0, 0) {
    xpu.buffer @b : tensor<4xi8>
    // expected-error @+1 {{unknown channel @ch}}
    xpu.send @ch, @b
  }
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @a at (0, 0) {
  }
  xpu.core @b at (1, 0) {
    xpu.buffer @buf : tensor<4xi8>
    // expected-error @+1 {{runs on (1, 0) but channel @ch starts at (0, 0)}}
    xpu.send @ch, @buf
  }
  // expected-note @+1 {{channel defined here}}
  xpu.channel @ch from (0, 0) to (1, 0) mailbox 0 bytes 4 overflow block
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @a at (0, 0) {
    xpu.buffer @buf : tensor<4xi8>
    xpu.send @ch, @buf
  }
  xpu.core @b at (1, 0) {
    // expected-note @+1 {{buffer defined here}}
    xpu.buffer @buf : tensor<8xi8>
    // expected-error @+1 {{message size mismatch: @buf has 8 bytes but channel @ch carries 4}}
    xpu.recv @ch, @buf
  }
  // expected-note @+1 {{channel defined here}}
  xpu.channel @ch from (0, 0) to (1, 0) mailbox 0 bytes 4 overflow block
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @a at (0, 0) {
    // expected-error @+1 {{register r16 does not exist}}
    "xpu.poll"() <{channel = @ch, rd = 16 : i32}> : () -> ()
  }
  xpu.channel @ch from (0, 0) to (0, 0) mailbox 0 bytes 4 overflow block
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @a at (0, 0) {
    // expected-error @+1 {{expected a register r0..r15}}
    xpu.poll @ch -> r16
  }
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @a at (0, 0) {
  }
  xpu.core @b at (1, 0) {
    xpu.buffer @buf : tensor<4xi8>
    // expected-error @+1 {{core (1, 0) is not the source of @g}}
    xpu.mcast @g, @buf mailbox 0
  }
  // expected-note @+1 {{group defined here}}
  xpu.group @g id 0 from (0, 0) to [(1, 0)]
}

// -----

xpu.module @m chip(#xpu.chip<mailboxes = 2>) {
  xpu.core @a at (0, 0) {
    xpu.buffer @buf : tensor<4xi8>
    // expected-error @+1 {{mailbox 5 does not exist; the chip has 2 per core}}
    xpu.mcast @g, @buf mailbox 5
  }
  xpu.group @g id 0 from (0, 0) to [(1, 0)]
}

// -----

xpu.module @m chip(#xpu.chip<buffer_depth = 4, flit_bytes = 8>) {
  xpu.core @a at (0, 0) {
    xpu.buffer @buf : tensor<32xi8>
    // expected-error @+1 {{multicast message of 32 bytes needs 5 flits; a router buffer holds 4}}
    xpu.mcast @g, @buf mailbox 0
  }
  xpu.group @g id 0 from (0, 0) to [(1, 0)]
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @a at (0, 0) {
    // expected-error @+1 {{unknown image @w}}
    xpu.spawn @w at (1, 1) arg 0
  }
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @a at (0, 0) {
    // expected-error @+1 {{target (1, 1) is not a spare core (xpu.spare)}}
    xpu.spawn @w at (1, 1) arg 0
  }
  xpu.core @w {
  }
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @a at (0, 0) {
    // expected-error @+1 {{unknown instruction 'fly'}}
    xpu.inst fly r1
  }
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @a at (0, 0) {
    // expected-error @+1 {{unknown instruction 'fly'}}
    "xpu.inst"() <{mnemonic = "fly"}> : () -> ()
  }
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @a at (0, 0) {
    // expected-error @+1 {{'add' needs field 'rs2'}}
    "xpu.inst"() <{mnemonic = "add", rd = 1 : i32, rs1 = 2 : i32}> : () -> ()
  }
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @a at (0, 0) {
    // expected-error @+1 {{'halt' has no field 'rd'}}
    "xpu.inst"() <{mnemonic = "halt", rd = 1 : i32}> : () -> ()
  }
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @a at (0, 0) {
    // expected-error @+1 {{register rs1 = 16 is not in r0..r15}}
    "xpu.inst"() <{mnemonic = "jr", rs1 = 16 : i32}> : () -> ()
  }
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @a at (0, 0) {
    // expected-error @+1 {{'add' has no immediate}}
    "xpu.inst"() <{mnemonic = "add", rd = 1 : i32, rs1 = 2 : i32, rs2 = 3 : i32, imm = 4 : i32}> : () -> ()
  }
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @a at (0, 0) {
    // expected-error @+1 {{vreq shift must be in 0..31}}
    xpu.inst vreq r1, r2, r3, 40
  }
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @a at (0, 0) {
    // expected-error @+1 {{nstep immediate must be model | reset << 2}}
    "xpu.inst"() <{mnemonic = "nstep", rd = 1 : i32, rs1 = 2 : i32, rs2 = 3 : i32, rs3 = 4 : i32, imm = 16 : i32}> : () -> ()
  }
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @a at (0, 0) {
    // expected-error @+1 {{unknown neuron model 'hh'}}
    xpu.inst nstep r1, r2, r3, r4, hh, zero
  }
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @a at (0, 0) {
    // expected-error @+1 {{CSR 9 does not exist}}
    xpu.inst csrr r1, 9
  }
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @a at (0, 0) {
    // expected-error @+1 {{unknown CSR 'pc'}}
    xpu.inst csrr r1, pc
  }
}

// -----

xpu.module @m chip(#xpu.chip<mailboxes = 4>) {
  xpu.core @a at (0, 0) {
    // expected-error @+1 {{mailbox 4 does not exist; the chip has 4 per core}}
    xpu.inst send r1, r2, r3, 4
  }
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @a at (0, 0) {
    // expected-error @+1 {{unknown symbol @nowhere (expected a label, buffer, core, group or channel)}}
    xpu.inst jmp @nowhere
  }
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @c at (0, 0) {
    // expected-error @+1 {{initial value must be a dense attribute}}
    xpu.buffer @a : tensor<4xi8> init dense_resource<blob> : tensor<4xi8>
  }
}
