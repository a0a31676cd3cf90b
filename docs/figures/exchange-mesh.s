; exchange-mesh.s: examples/asm/exchange8x8.s for any mesh size, the
; program of docs/tutorial-perf.md. xpu-sweep replaces the line {{cores}}
; with one .core per core of each point's mesh. Every core, ITER
; times: sends a 32-byte message to core (id + 1) mod N (mostly one hop
; east; row ends travel back west and one south), receives its
; predecessor's message and runs a 64-element vdot over it and its weights.
; Output: core 0's final accumulator.
;   xpu-sweep --chip ../../examples/chips/8x8.json --asm exchange-mesh.s \
;     --param mesh.width=2,4,8 --param mesh.height=2,4,8 --out sweep
.equ ITER, 2000
.equ BUF, 0x100
.equ RX, 0x200
.equ W, 0x300
.equ ACC, 0x400

.output acc0, 0, 0, ACC, i32, 1

.image exchange
{{cores}}
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
