; ring4x4.s: examples/asm/ring.s on all 16 cores of a 4x4 chip (the code is
; size-generic; only the .core list differs): token = start + 3 * (0 + ... + 15).
;   xpu-as ring4x4.s --chip examples/chips/4x4.json -o ring4x4.xpuexe
.equ ROUNDS, 3
.equ START, 0x100          ; i32 input (core 0)
.equ TOKEN, 0x104          ; i32 output (core 0)
.equ BUF, 0x200            ; message buffer (every core)

.input start, 0, 0, START, i32, 1
.output token, 0, 0, TOKEN, i32, 1

.image ring
.core 0, 0
.core 1, 0
.core 2, 0
.core 3, 0
.core 0, 1
.core 1, 1
.core 2, 1
.core 3, 1
.core 0, 2
.core 1, 2
.core 2, 2
.core 3, 2
.core 0, 3
.core 1, 3
.core 2, 3
.core 3, 3
        csrr  r1, coreid
        csrr  r2, width
        csrr  r3, height
        mul   r4, r2, r3          ; N cores
        addi  r5, r1, 1           ; next = (id + 1) mod N
        blt   r5, r4, nowrap
        li    r5, 0
nowrap:
        li    r6, ROUNDS          ; rounds left
        li    r7, BUF
        li    r8, 4               ; token bytes
        bne   r1, r0, pass        ; cores 1..N-1 wait for the token
        lw    r9, START(r0)       ; core 0 starts the token
        sw    r9, 0(r7)
        send  r5, r7, r8, 0
wait0:  recv  r10, r7, 0          ; the token is back at core 0
        addi  r6, r6, -1
        beq   r6, r0, done0
        lw    r9, 0(r7)
        add   r9, r9, r1
        sw    r9, 0(r7)
        send  r5, r7, r8, 0
        jmp   wait0
done0:  lw    r9, 0(r7)
        sw    r9, TOKEN(r0)
        halt
pass:   recv  r10, r7, 0
        lw    r9, 0(r7)
        add   r9, r9, r1
        sw    r9, 0(r7)
        send  r5, r7, r8, 0
        addi  r6, r6, -1
        bne   r6, r0, pass
        halt
