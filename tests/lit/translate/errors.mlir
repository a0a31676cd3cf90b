// RUN: xpu-translate --xpu-to-exe %s -split-input-file -verify-diagnostics -o %t
// REQUIRES: mlir
// One case per error of the xpu -> .xpuexe emitter.

// The runtime checks the exact descriptor ranges (flit_bytes is 8, 16 or 32).
// expected-error @+1 {{invalid chip descriptor: chip: /noc/flit_bytes}}
xpu.module @m chip(#xpu.chip<flit_bytes = 12>) {
  xpu.core @c at (0, 0) {
    xpu.halt
  }
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @c at (0, 0) {
    xpu.halt
  }
  xpu.group @g id 0 from (0, 0) to [(1, 0)]
  // Explicit entries must form a tree reaching exactly the destinations.
  // expected-error @+1 {{multicast group 0: a copy reaches router (0, 1), which has no entry for the group}}
  xpu.route at (0, 0) @g ports [south]
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @c {
    // expected-error @+1 {{host I/O needs a core placed at load time}}
    xpu.buffer @b : tensor<4xi8> host input
    xpu.halt
  }
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  // expected-error @+1 {{has no code (end it with xpu.halt)}}
  xpu.core @c at (0, 0) {
    xpu.buffer @b : tensor<4xi8>
  }
}

// -----

xpu.module @m chip(#xpu.chip<imem_instructions = 16>) {
  // expected-error @+1 {{needs 20 instructions; IMEM holds 16}}
  xpu.core @c at (0, 0) {
    xpu.buffer @a : tensor<4xi32>
    xpu.vadd32 @a, @a, @a count 1
    xpu.vadd32 @a, @a, @a count 1
    xpu.vadd32 @a, @a, @a count 1
    xpu.vadd32 @a, @a, @a count 1
  }
}

// -----

xpu.module @m chip(#xpu.chip<>) {
  xpu.core @c at (0, 0) {
    // expected-error @+1 {{cannot be emitted into a program}}
    builtin.module {
    }
    xpu.halt
  }
}

// -----

// expected-error @+1 {{expected exactly one xpu.module, found 0}}
module {
}

// -----

// Host window names are chip-wide; the runtime's validateExecutable says so.
// expected-error @+1 {{invalid executable: input 'x' is defined twice}}
xpu.module @m chip(#xpu.chip<>) {
  xpu.core @a at (0, 0) {
    xpu.buffer @x : tensor<4xi8> host input
    xpu.halt
  }
  xpu.core @b at (1, 0) {
    xpu.buffer @x : tensor<4xi8> host input
    xpu.halt
  }
}
