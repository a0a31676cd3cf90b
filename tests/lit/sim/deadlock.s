; Two cores receive from each other: the watchdog stops the run and names
; both blocked recv instructions; the exit code is non-zero (4).
; RUN: xpu-as %s --chip %xpu_src/examples/chips/2x2.json -o %t
; RUN: not xpu-sim %t --watchdog 200 > %t.out 2> %t.err
; RUN: FileCheck %s --check-prefix=OUT < %t.out
; RUN: FileCheck %s < %t.err
; OUT: xpu-sim: deadlock after 201 cycles, 0 timesteps
; CHECK: xpu-sim: deadlock: no instruction issued and no flit moved for 200 cycles (cycles 1..200) while cores are blocked
; CHECK: cores:
; CHECK-NEXT: core 0 (0,0) blocked on recv mailbox 0 at pc 1: recv r2, r1, 0
; CHECK-NEXT: core 1 (1,0) blocked on recv mailbox 0 at pc 1: recv r2, r1, 0
; CHECK-NEXT: core 2 (0,1) idle
; CHECK-NEXT: core 3 (1,1) idle
; CHECK: mailboxes and NI buffers:
; CHECK-NEXT: all empty
; CHECK: router buffers:
.image pair
.core 0, 0
.core 1, 0
        li    r1, 0x100
        recv  r2, r1, 0
        csrr  r3, coreid
        xori  r3, r3, 1
        li    r4, 4
        send  r3, r1, r4, 0
        halt
