; spikes.s: four populations of 16 LIF neurons (one per core of a 2x2 chip)
; advanced over STEPS barrier-synchronised timesteps.
; Every step, on every core c:
;   I[i]   = ext[i] + sum over cores k of w[k] * s_k[i]   (s_k: k's spikes of
;            the previous step, received by multicast; none at step 0)
;   v, s_c = nstep(lif, reset zero; dv = 410, vth = 1000, bias = 40 * c)
;   counts[i] += s_c[i]; multicast s_c to every core (group c); barrier
; After STEPS steps every core halts; the outputs counts0..counts3 hold the
; spike counts of each population.
;   xpu-as spikes.s --chip ../chips/2x2.json -o spikes.xpuexe
;   xpu-sim spikes.xpuexe --print-outputs          (or --steps 3 to stop early)
.equ N, 16
.equ STEPS, 10
.equ STATE, 0x100          ; dv, du, vth, v_reset, bias, v[16]
.equ CUR, 0x200            ; i32[16] input current of this step
.equ OUT, 0x300            ; i8[16] spikes of this step
.equ RX, 0x320             ; i8[16] received spike vector
.equ COUNTS, 0x400         ; i32[16] spike counts
.equ EXT, 0x500            ; i32[16] external drive
.equ WTAB, 0x580           ; i32[4] synaptic weight of each source core

.output counts0, 0, 0, COUNTS, i32, N
.output counts1, 1, 0, COUNTS, i32, N
.output counts2, 0, 1, COUNTS, i32, N
.output counts3, 1, 1, COUNTS, i32, N
.input ext0, 0, 0, EXT, i32, N
.input ext1, 1, 0, EXT, i32, N
.input ext2, 0, 1, EXT, i32, N
.input ext3, 1, 1, EXT, i32, N

.group 0, (0,0), (0,0), (1,0), (0,1), (1,1)
.group 1, (1,0), (0,0), (1,0), (0,1), (1,1)
.group 2, (0,1), (0,0), (1,0), (0,1), (1,1)
.group 3, (1,1), (0,0), (1,0), (0,1), (1,1)

.image lif
.core 0, 0
.core 1, 0
.core 0, 1
.core 1, 1
        csrr  r1, coreid
        muli  r2, r1, 40
        sw    r2, STATE+16(r0)    ; bias = 40 * core id
        li    r3, N
step:   li    r4, CUR
        li    r5, EXT
        li    r6, 64
        vcopy r4, r5, r6          ; I = ext
        csrr  r7, timestep
        beq   r7, r0, integrate   ; no spikes before the first step
        li    r8, 4               ; one spike vector from every core
        li    r9, RX
gather: recv  r10, r9, 0
        shri  r11, r10, 16        ; source core
        shli  r11, r11, 2
        lw    r12, WTAB(r11)
        vmacs r4, r9, r12, r3     ; I[i] += s_k[i] * w[k]
        addi  r8, r8, -1
        bne   r8, r0, gather
integrate:
        li    r13, STATE
        li    r14, OUT
        nstep r14, r13, r4, r3, lif, zero
        li    r15, COUNTS
        li    r2, 1
        vmacs r15, r14, r2, r3    ; counts += spikes
        mcast r1, r14, r3, 0      ; group id = core id
        barrier
        csrr  r7, timestep
        slti  r7, r7, STEPS
        bne   r7, r0, step
        halt

.data STATE
        .word 410, 0, 1000, 0, 0  ; dv, du, vth, v_reset, bias (set at start)
.data EXT
        .word 0, 40, 80, 120, 160, 200, 240, 280, 320, 360, 400, 440, 480, 520, 560, 600
.data WTAB
        .word 50, -30, 40, 20
