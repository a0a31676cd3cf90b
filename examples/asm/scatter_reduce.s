; scatter_reduce.s: a 16-input, 8-output linear layer split over the 4 cores
; of a 2x2 chip, followed by an argmax. Core 0 multicasts the input vector x
; to every core (itself included); core c computes the 8 dot products of x
; with its own 8x16 int8 weight block W_c (vdot) and sends the 8 partial sums
; to core 0, which adds the four partial vectors (vadd32), takes the argmax
; (vargmax) and writes `scores` and `class`:
;   scores[j] = sum_c sum_i W_c[j][i] * x[i],   class = argmax_j scores[j]
; Every core holds all four weight blocks in its image data; core c uses
; block c, which the host may overwrite through the inputs w0..w3.
;   xpu-as scatter_reduce.s --chip ../chips/2x2.json -o sr.xpuexe
;   xpu-sim sr.xpuexe --inputs x=1,2,3,4,5,6,7,8,-1,-2,-3,-4,-5,-6,-7,-8 --print-outputs
.equ N_IN, 16
.equ N_OUT, 8
.equ BLOCK, 128            ; N_OUT * N_IN weight bytes per core
.equ PART_BYTES, 32        ; N_OUT * 4
.equ X, 0x000              ; i8[16] input vector (multicast from core 0)
.equ W, 0x100              ; i8[4][8][16] weight blocks
.equ PART, 0x400           ; i32[8] partial sums of this core
.equ ACC, 0x500            ; i32[8] scores (core 0)
.equ RX, 0x600             ; i32[8] receive buffer (core 0)
.equ CLASS, 0x700          ; i32 argmax (core 0)

.input x, 0, 0, X, i8, N_IN
.input w0, 0, 0, W, i8, BLOCK
.input w1, 1, 0, W+BLOCK, i8, BLOCK
.input w2, 0, 1, W+BLOCK+BLOCK, i8, BLOCK
.input w3, 1, 1, W+BLOCK+BLOCK+BLOCK, i8, BLOCK
.output scores, 0, 0, ACC, i32, N_OUT
.output class, 0, 0, CLASS, i32, 1

.group 0, (0,0), (0,0), (1,0), (0,1), (1,1)

.image layer
.core 0, 0
.core 1, 0
.core 0, 1
.core 1, 1
        csrr  r1, coreid
        li    r3, X
        li    r4, N_IN
        bne   r1, r0, compute
        mcast r0, r3, r4, 0       ; group 0: x to every core, mailbox 0
compute:
        recv  r5, r3, 0           ; x (core 0 receives its own copy too)
        muli  r6, r1, BLOCK
        addi  r6, r6, W           ; this core's weight block
        li    r7, PART
        li    r8, N_OUT
row:    li    r9, 0
        vdot  r9, r3, r6, r4      ; r9 = W_c[j] . x
        sw    r9, 0(r7)
        addi  r6, r6, N_IN
        addi  r7, r7, 4
        addi  r8, r8, -1
        bne   r8, r0, row
        li    r7, PART
        li    r10, PART_BYTES
        send  r0, r7, r10, 1      ; partial sums to core 0, mailbox 1
        bne   r1, r0, done
        li    r12, ACC            ; core 0: reduce the four partial vectors
        li    r14, RX
        li    r8, N_OUT
        li    r13, 4
reduce: recv  r15, r14, 1
        vadd32 r12, r12, r14, r8
        addi  r13, r13, -1
        bne   r13, r0, reduce
        vargmax r9, r12, r8
        sw    r9, CLASS(r0)
done:   halt

.data W
; block 0 (core 0): 8 rows x 16 inputs
        .byte -7, -4, -1, 2, 5, -7, -4, -1, 2, 5, -7, -4, -1, 2, 5, -7
        .byte 0, 4, -7, -3, 1, 5, -6, -2, 2, 6, -5, -1, 3, 7, -4, 0
        .byte 7, -3, 2, 7, -3, 2, 7, -3, 2, 7, -3, 2, 7, -3, 2, 7
        .byte -1, 5, -4, 2, -7, -1, 5, -4, 2, -7, -1, 5, -4, 2, -7, -1
        .byte 6, -2, 5, -3, 4, -4, 3, -5, 2, -6, 1, -7, 0, 7, -1, 6
        .byte -2, 6, -1, 7, 0, -7, 1, -6, 2, -5, 3, -4, 4, -3, 5, -2
        .byte 5, -1, -7, 2, -4, 5, -1, -7, 2, -4, 5, -1, -7, 2, -4, 5
        .byte -3, 7, 2, -3, 7, 2, -3, 7, 2, -3, 7, 2, -3, 7, 2, -3
; block 1 (core 1): 8 rows x 16 inputs
        .byte 4, 7, -5, -2, 1, 4, 7, -5, -2, 1, 4, 7, -5, -2, 1, 4
        .byte -4, 0, 4, -7, -3, 1, 5, -6, -2, 2, 6, -5, -1, 3, 7, -4
        .byte 3, -7, -2, 3, -7, -2, 3, -7, -2, 3, -7, -2, 3, -7, -2, 3
        .byte -5, 1, 7, -2, 4, -5, 1, 7, -2, 4, -5, 1, 7, -2, 4, -5
        .byte 2, -6, 1, -7, 0, 7, -1, 6, -2, 5, -3, 4, -4, 3, -5, 2
        .byte -6, 2, -5, 3, -4, 4, -3, 5, -2, 6, -1, 7, 0, -7, 1, -6
        .byte 1, -5, 4, -2, 7, 1, -5, 4, -2, 7, 1, -5, 4, -2, 7, 1
        .byte -7, 3, -2, -7, 3, -2, -7, 3, -2, -7, 3, -2, -7, 3, -2, -7
; block 2 (core 2): 8 rows x 16 inputs
        .byte 0, 3, 6, -6, -3, 0, 3, 6, -6, -3, 0, 3, 6, -6, -3, 0
        .byte 7, -4, 0, 4, -7, -3, 1, 5, -6, -2, 2, 6, -5, -1, 3, 7
        .byte -1, 4, -6, -1, 4, -6, -1, 4, -6, -1, 4, -6, -1, 4, -6, -1
        .byte 6, -3, 3, -6, 0, 6, -3, 3, -6, 0, 6, -3, 3, -6, 0, 6
        .byte -2, 5, -3, 4, -4, 3, -5, 2, -6, 1, -7, 0, 7, -1, 6, -2
        .byte 5, -2, 6, -1, 7, 0, -7, 1, -6, 2, -5, 3, -4, 4, -3, 5
        .byte -3, 6, 0, -6, 3, -3, 6, 0, -6, 3, -3, 6, 0, -6, 3, -3
        .byte 4, -1, -6, 4, -1, -6, 4, -1, -6, 4, -1, -6, 4, -1, -6, 4
; block 3 (core 3): 8 rows x 16 inputs
        .byte -4, -1, 2, 5, -7, -4, -1, 2, 5, -7, -4, -1, 2, 5, -7, -4
        .byte 3, 7, -4, 0, 4, -7, -3, 1, 5, -6, -2, 2, 6, -5, -1, 3
        .byte -5, 0, 5, -5, 0, 5, -5, 0, 5, -5, 0, 5, -5, 0, 5, -5
        .byte 2, -7, -1, 5, -4, 2, -7, -1, 5, -4, 2, -7, -1, 5, -4, 2
        .byte -6, 1, -7, 0, 7, -1, 6, -2, 5, -3, 4, -4, 3, -5, 2, -6
        .byte 1, -6, 2, -5, 3, -4, 4, -3, 5, -2, 6, -1, 7, 0, -7, 1
        .byte -7, 2, -4, 5, -1, -7, 2, -4, 5, -1, -7, 2, -4, 5, -1, -7
        .byte 0, -5, 5, 0, -5, 5, 0, -5, 5, 0, -5, 5, 0, -5, 5, 0
