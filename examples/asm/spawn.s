; spawn.s: core (0,0) boots a worker image on the spare core (1,1) once per
; request; the worker doubles its boot argument, replies to core 0 and
; halts, so the next spawn finds it halted and boots it again.
; Outputs: answers[k] = 2 * args[k].
;   xpu-as spawn.s --chip ../chips/2x2.json -o spawn.xpuexe
;   xpu-sim spawn.xpuexe --inputs args=21,50 --print-outputs
.equ REQUESTS, 2
.equ ARGS, 0x100           ; i32[2] arguments (core 0)
.equ ANSWERS, 0x200        ; i32[2] replies (core 0)
.equ RX, 0x300
.equ WORKER_CORE, 3        ; tile (1, 1)

.input args, 0, 0, ARGS, i32, REQUESTS
.output answers, 0, 0, ANSWERS, i32, REQUESTS

.image main
.core 0, 0
        li    r1, WORKER_CORE
        li    r2, ARGS
        li    r3, ANSWERS
        li    r4, REQUESTS
        li    r6, RX
next:   lw    r5, 0(r2)
        spawn r1, r5, worker      ; boot `worker` on core 3 with argument r5
        recv  r7, r6, 2           ; its reply
        lw    r8, 0(r6)
        sw    r8, 0(r3)
        addi  r2, r2, 4
        addi  r3, r3, 4
        addi  r4, r4, -1
        bne   r4, r0, next
        halt
.data ARGS
        .word 21, 50

.image worker
.spare 1, 1
        csrr  r1, bootarg
        add   r1, r1, r1
        li    r2, RX
        sw    r1, 0(r2)
        li    r3, 4
        send  r0, r2, r3, 2       ; reply to core 0, mailbox 2
        halt
