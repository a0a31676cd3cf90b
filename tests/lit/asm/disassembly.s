; Assemble, then disassemble: every operand form survives the round trip.
; RUN: xpu-as %s --chip %inputs/chip-2x2.json -o %t.xpuexe
; RUN: xpu-objdump %t.xpuexe | FileCheck %s

; CHECK: XPU executable v1.0, producer 'xpu-as'
; CHECK: chip 'test-2x2': 2x2 mesh
; CHECK: image 0 'main': 10 instructions, entry 0
; CHECK-NEXT: start:
; CHECK-NEXT:    0: 0000002a0000012f  li r1, 42
; CHECK-NEXT:    1: {{[0-9a-f]+}}  addi r2, r1, -1
; CHECK-NEXT:    2: {{[0-9a-f]+}}  lw r3, 4(r2)
; CHECK-NEXT:    3: {{[0-9a-f]+}}  sw r3, 8(r2)
; CHECK-NEXT:    4: {{[0-9a-f]+}}  vreq r1, r2, r3, 7, relu
; CHECK-NEXT:    5: {{[0-9a-f]+}}  nstep r1, r2, r3, r4, cuba, subtract
; CHECK-NEXT:    6: {{[0-9a-f]+}}  csrr r5, coreid
; CHECK-NEXT:    7: {{[0-9a-f]+}}  send r5, r2, r3, 1
; CHECK-NEXT:    8: {{[0-9a-f]+}}  bne r1, r0, 0
; CHECK-NEXT: end:
; CHECK-NEXT:    9: 0000000000000001  halt
; CHECK-NEXT: data at 64, 4 bytes
; CHECK-NEXT:     64: 01 02 03 04
; CHECK: core 3 (1,1) runs image 0 'main'
; CHECK: multicast group 1 from core 3 (1,1) to 0 1 2
; CHECK: mailbox 1 of core 0 (0,0): drop_newest
; CHECK: input 'x': core 3 (1,1), address 64, 4 bytes, i8
; CHECK: output 'y': core 0 (0,0), address 128, 8 bytes, i32

.image main
.core 1, 1
start:
  li r1, 42
  addi r2, r1, -1
  lw r3, 4(r2)
  sw r3, 8(r2)
  vreq r1, r2, r3, 7, relu
  nstep r1, r2, r3, r4, cuba, subtract
  csrr r5, coreid
  send r5, r2, r3, 1
  bne r1, r0, start
end:
  halt
.data 64
  .byte 1, 2, 3, 4
.group 1, (1,1), (0,0), (1,0), (0,1)
.mailbox 0, 0, 1, drop_newest
.input x, 1, 1, 64, i8, 4
.output y, 0, 0, 128, i32, 2
