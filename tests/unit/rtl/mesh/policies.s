; policies.s (tests/unit/rtl/mesh): mailbox overflow policies on a 2x2 chip.
; Cores 1..3 each send K 8-byte messages (core id, i) to mailboxes 1
; (drop_newest), 2 (drop_oldest) and 3 (block) of core 0 while core 0 spins,
; so mailboxes 1 and 2 overflow and mailbox 3 back-pressures the senders.
; Core 0 then drains 1 and 2 (count first), receives the 3K messages of 3,
; drains 1 and 2 again and halts. `got` holds everything it received.
.equ K, 6
.equ BUF, 0x100
.equ OUT, 0x400
.output got, 0, 0, OUT, i32, 96
.mailbox 0, 0, 1, drop_newest
.mailbox 0, 0, 2, drop_oldest

.image main
.core 0, 0
        li    r1, 300
spin:   addi  r1, r1, -1
        bne   r1, r0, spin
        li    r2, OUT
        jal   r15, drain
        li    r6, 18              ; 3 * K
all3:   recv  r5, r2, 3
        addi  r2, r2, 8
        addi  r6, r6, -1
        bne   r6, r0, all3
        jal   r15, drain
        halt
drain:  poll  r4, 1
        sw    r4, 0(r2)
        addi  r2, r2, 4
d1:     poll  r4, 1
        beq   r4, r0, d2s
        recv  r5, r2, 1
        addi  r2, r2, 8
        jmp   d1
d2s:    poll  r4, 2
        sw    r4, 0(r2)
        addi  r2, r2, 4
d2:     poll  r4, 2
        beq   r4, r0, dret
        recv  r5, r2, 2
        addi  r2, r2, 8
        jmp   d2
dret:   jr    r15

.image sender
.core 1, 0
.core 0, 1
.core 1, 1
        csrr  r1, coreid
        li    r7, BUF
        sw    r1, 0(r7)
        li    r8, 8
        li    r6, 0
        li    r9, K
loop:   sw    r6, 4(r7)
        send  r0, r7, r8, 1
        send  r0, r7, r8, 2
        send  r0, r7, r8, 3
        addi  r6, r6, 1
        blt   r6, r9, loop
        halt
