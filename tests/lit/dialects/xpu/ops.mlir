// RUN: xpu-opt %s | xpu-opt | FileCheck %s
// RUN: xpu-opt %s --mlir-print-op-generic | xpu-opt | FileCheck %s
// RUN: xpu-opt %s --emit-bytecode | xpu-opt | FileCheck %s
// REQUIRES: mlir
// Round trip of every xpu op and attribute.

// CHECK-LABEL: xpu.module @defaults chip(#xpu.chip<>)
xpu.module @defaults chip(#xpu.chip<>) {
}

// CHECK-LABEL: xpu.module @all chip(#xpu.chip<width = 3, height = 2, sram_bytes = 8192, imem_instructions = 256, vector_lanes = 8, mailboxes = 4, mailbox_depth = 2, max_message_bytes = 64, virtual_channels = 4, buffer_depth = 8, flit_bytes = 16, router_latency = 2, link_latency = 3, multicast_groups = 16, barrier_latency = 10, clock_mhz = 5.000000e+02>)
xpu.module @all chip(#xpu.chip<width = 3, height = 2, sram_bytes = 8192, imem_instructions = 256, vector_lanes = 8, mailboxes = 4, mailbox_depth = 2, max_message_bytes = 64, virtual_channels = 4, buffer_depth = 8, flit_bytes = 16, router_latency = 2, link_latency = 3, multicast_groups = 16, barrier_latency = 10, clock_mhz = 500.0>) {
  // CHECK: xpu.channel @c01 from(0, 0) to(1, 0) mailbox 1 bytes 16 overflow drop_oldest
  xpu.channel @c01 from (0, 0) to (1, 0) mailbox 1 bytes 16 overflow drop_oldest
  // CHECK: xpu.channel @c2 from(0, 0) to(1, 0) mailbox 2 bytes 0 overflow block
  xpu.channel @c2 from (0, 0) to (1, 0) mailbox 2 bytes 0 overflow block
  // CHECK: xpu.channel @c3 from(1, 0) to(0, 0) mailbox 1 bytes 64 overflow drop_newest
  xpu.channel @c3 from (1, 0) to (0, 0) mailbox 1 bytes 64 overflow drop_newest
  // CHECK: xpu.channel @c4 from(1, 0) to(0, 0) mailbox 3 bytes 4 overflow error
  xpu.channel @c4 from (1, 0) to (0, 0) mailbox 3 bytes 4 overflow error
  // CHECK: xpu.group @g id 3 from(0, 0) to [(1, 0), (2, 1)]
  xpu.group @g id 3 from (0, 0) to [(1, 0), (2, 1)]
  // CHECK: xpu.route at(0, 0) @g ports [east]
  xpu.route at (0, 0) @g ports [east]
  // CHECK: xpu.route at(1, 0) @g ports [local, east]
  xpu.route at (1, 0) @g ports [east, local]
  // CHECK: xpu.spare at(0, 1)
  xpu.spare at (0, 1)

  // CHECK: xpu.core @src at(0, 0) {
  xpu.core @src at (0, 0) {
    // CHECK: xpu.buffer @w : tensor<16xi8> align 8 init dense<1> : tensor<16xi8>
    xpu.buffer @w : tensor<16xi8> align 8 init dense<1> : tensor<16xi8>
    // CHECK: xpu.buffer @acc : tensor<4xi32> at 64 host output
    xpu.buffer @acc : tensor<4xi32> at 64 host output
    // CHECK: xpu.buffer @in : tensor<16xi8> host input
    xpu.buffer @in : tensor<16xi8> host input
    xpu.buffer @acc2 : tensor<4xi32>
    xpu.buffer @state : tensor<9xi32>
    xpu.buffer @spikes : tensor<4xi8>
    // CHECK: xpu.label @loop
    xpu.label @loop
    // CHECK: xpu.vmacs @acc, @w[4] scale 3 count 4
    xpu.vmacs @acc, @w[4] scale 3 count 4
    // CHECK: xpu.vadd32 @acc2, @acc, @acc count 4
    xpu.vadd32 @acc2, @acc, @acc count 4
    // CHECK: xpu.vreq @spikes, @acc count 4 shift 7 relu
    xpu.vreq @spikes, @acc count 4 shift 7 relu
    // CHECK: xpu.vreq @spikes, @acc count 4 shift 0{{$}}
    xpu.vreq @spikes, @acc count 4 shift 0
    // CHECK: xpu.nstep @spikes, @state, @acc count 4 model lif reset subtract
    xpu.nstep @spikes, @state, @acc count 4 model lif reset subtract
    // CHECK: xpu.send @c01, @w
    xpu.send @c01, @w
    // CHECK: xpu.mcast @g, @spikes mailbox 2
    xpu.mcast @g, @spikes mailbox 2
    // CHECK: xpu.spawn @worker at(0, 1) arg 7
    xpu.spawn @worker at (0, 1) arg 7
    // CHECK: xpu.barrier
    xpu.barrier
    // CHECK: xpu.inst nop
    xpu.inst nop
    // CHECK: xpu.inst add r1, r2, r3
    xpu.inst add r1, r2, r3
    // CHECK: xpu.inst addi r1, r1, -5
    xpu.inst addi r1, r1, -5
    // CHECK: xpu.inst li r4, @w + 4
    xpu.inst li r4, @w + 4
    // CHECK: xpu.inst li r4, @acc - 8
    xpu.inst li r4, @acc - 8
    // CHECK: xpu.inst li r5, @acc{{$}}
    xpu.inst li r5, @acc
    // CHECK: xpu.inst lw r3, 8(r2)
    xpu.inst lw r3, 8(r2)
    // CHECK: xpu.inst sb r3, @spikes(r0)
    xpu.inst sb r3, @spikes(r0)
    // CHECK: xpu.inst bne r1, r0, @loop
    xpu.inst bne r1, r0, @loop
    // CHECK: xpu.inst jmp 3
    xpu.inst jmp 3
    // CHECK: xpu.inst jal r15, @loop
    xpu.inst jal r15, @loop
    // CHECK: xpu.inst jr r15
    xpu.inst jr r15
    // CHECK: xpu.inst csrr r1, coreid
    xpu.inst csrr r1, coreid
    // CHECK: xpu.inst csrr r1, bootarg
    xpu.inst csrr r1, 7
    // CHECK: xpu.inst vdot r1, r2, r3, r4
    xpu.inst vdot r1, r2, r3, r4
    // CHECK: xpu.inst vcopy r1, r2, r3
    xpu.inst vcopy r1, r2, r3
    // CHECK: xpu.inst vreq r1, r2, r3, 7, relu
    xpu.inst vreq r1, r2, r3, 7, relu
    // CHECK: xpu.inst vreq r1, r2, r3, 0{{$}}
    xpu.inst vreq r1, r2, r3, 0
    // CHECK: xpu.inst nstep r1, r2, r3, r4, cuba, value
    xpu.inst nstep r1, r2, r3, r4, cuba, value
    // CHECK: xpu.inst send r1, r2, r3, 1
    xpu.inst send r1, r2, r3, 1
    // CHECK: xpu.inst mcast r1, r2, r3, @c01
    xpu.inst mcast r1, r2, r3, @c01
    // CHECK: xpu.inst recv r1, r2, 0
    xpu.inst recv r1, r2, 0
    // CHECK: xpu.inst poll r1, 3
    xpu.inst poll r1, 3
    // CHECK: xpu.inst spawn r1, r2, @worker
    xpu.inst spawn r1, r2, @worker
    // CHECK: xpu.inst barrier
    xpu.inst barrier
    // CHECK: xpu.halt
    xpu.halt
  }
  // CHECK: xpu.core @dst at(1, 0) {
  xpu.core @dst at (1, 0) {
    xpu.buffer @msg : tensor<4xi32>
    // CHECK: xpu.recv @c01, @msg
    xpu.recv @c01, @msg
    // CHECK: xpu.poll @c01 -> r3
    xpu.poll @c01 -> r3
    xpu.halt
  }
  // CHECK: xpu.core @worker {
  xpu.core @worker {
    xpu.halt
  }
}
