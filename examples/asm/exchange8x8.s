; exchange8x8.s: a busy 8x8 mesh for speed measurements. Every core, ITER
; times: sends a 32-byte message to core (id + 1) mod 64 (mostly one hop
; east; row ends travel back west and one south), receives its
; predecessor's message and runs a 64-element vdot over it and its weights.
; Output: every core's final accumulator (acc, core 0 and core 63).
;   xpu-as exchange8x8.s --chip ../chips/8x8.json -o ex.xpuexe
;   xpu-sim ex.xpuexe --print-outputs --stats ex-stats.json
.equ ITER, 2000
.equ BUF, 0x100
.equ RX, 0x200
.equ W, 0x300
.equ ACC, 0x400

.output acc0, 0, 0, ACC, i32, 1
.output acc63, 7, 7, ACC, i32, 1

.image exchange
.core 0, 0
.core 1, 0
.core 2, 0
.core 3, 0
.core 4, 0
.core 5, 0
.core 6, 0
.core 7, 0
.core 0, 1
.core 1, 1
.core 2, 1
.core 3, 1
.core 4, 1
.core 5, 1
.core 6, 1
.core 7, 1
.core 0, 2
.core 1, 2
.core 2, 2
.core 3, 2
.core 4, 2
.core 5, 2
.core 6, 2
.core 7, 2
.core 0, 3
.core 1, 3
.core 2, 3
.core 3, 3
.core 4, 3
.core 5, 3
.core 6, 3
.core 7, 3
.core 0, 4
.core 1, 4
.core 2, 4
.core 3, 4
.core 4, 4
.core 5, 4
.core 6, 4
.core 7, 4
.core 0, 5
.core 1, 5
.core 2, 5
.core 3, 5
.core 4, 5
.core 5, 5
.core 6, 5
.core 7, 5
.core 0, 6
.core 1, 6
.core 2, 6
.core 3, 6
.core 4, 6
.core 5, 6
.core 6, 6
.core 7, 6
.core 0, 7
.core 1, 7
.core 2, 7
.core 3, 7
.core 4, 7
.core 5, 7
.core 6, 7
.core 7, 7
        csrr  r1, coreid
        csrr  r2, width
        csrr  r3, height
        mul   r4, r2, r3
        addi  r5, r1, 1
        blt   r5, r4, nowrap
        li    r5, 0
nowrap: li    r6, ITER
        li    r7, BUF
        li    r8, 32
        li    r9, RX
        li    r10, W
        li    r11, 64
        li    r12, 0
        sw    r1, 0(r7)
loop:   send  r5, r7, r8, 0
        recv  r13, r9, 0
        vdot  r12, r9, r10, r11
        lw    r14, 0(r9)
        add   r14, r14, r1
        sw    r14, 0(r7)
        addi  r6, r6, -1
        bne   r6, r0, loop
        sw    r12, ACC(r0)
        halt
.data W
        .byte 1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -12, 13, -14, 15, -16
        .byte 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16
        .byte -1, -1, -1, -1, 2, 2, 2, 2, -3, -3, -3, -3, 4, 4, 4, 4
        .byte 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1
