; Every error of the file is reported with file:line:col, and the exit code
; is non-zero.
; RUN: not xpu-as %s --chip %inputs/chip-2x2.json -o %t.xpuexe 2> %t.err
; RUN: FileCheck %s --input-file %t.err
; RUN: not test -e %t.xpuexe

.image main
.core 0, 0
; CHECK: errors.s:[[@LINE+1]]:3: error: unknown instruction 'addx'
  addx r1, r2, r3
; CHECK: errors.s:[[@LINE+1]]:15: error: expected a register r0..r15, got 'r16'
  add r1, r2, r16
; CHECK: errors.s:[[@LINE+1]]:7: error: undefined symbol 'nowhere'
  jmp nowhere
; CHECK: errors.s:[[@LINE+1]]:10: error: y (mesh height) must be in 0..1, got 2
.core 1, 2
; CHECK: errors.s:[[@LINE+1]]:16: error: mailbox (chip mailboxes) must be in 0..7, got 9
  recv r1, r2, 9
  halt
