/*
 * complete_x87.c: the x87, MMX and SSE-control instructions hyve completes:
 * FWAIT, FNCLEX, EMMS, FILD m16/m32/m64, LDMXCSR and STMXCSR.  See
 * complete.h for what is and is not handled.
 *
 * The state is kvm_fpu, which is FXSAVE's layout (SDM Vol. 1, 10.5.1
 * "FXSAVE Area"): fpr[i] is ST(i), not physical register i; ftwx is the
 * abridged tag word, bit i for physical register i; TOP is FSW bits 13:11.
 * Faults follow SDM Vol. 3A, 2.5 (CR0.EM, MP, TS, NE) and each
 * instruction's page.
 */
#include <string.h>

#include "arch/x86/complete_int.h"
#include "arch/x86/x86.h"

/* x87 status and control word bits (SDM Vol. 1, 8.1.3 and 8.1.5). */
#define FSW_IE	      (1u << 0)
#define FSW_SF	      (1u << 6)
#define FSW_ES	      (1u << 7)
#define FSW_C1	      (1u << 9)
#define FSW_TOP_SHIFT 11
#define FSW_TOP	      (7u << FSW_TOP_SHIFT)
#define FSW_B	      (1u << 15)
#define FCW_IM	      (1u << 0)

/* #NM for x87 instructions: CR0.EM or CR0.TS (SDM Vol. 3A, 2.5). */
static bool x87_unavailable(const struct complete_ctx *x)
{
	return x->cpu->sregs.cr0 & (X86_CR0_EM | X86_CR0_TS);
}

/*
 * A waiting instruction meets a pending unmasked x87 exception (FSW.ES):
 * #MF when CR0.NE; with CR0.NE clear the PC's FERR#/IGNNE# wiring is not
 * modelled and the instruction goes on (SDM Vol. 1, 8.7).
 */
static bool x87_pending(const struct complete_ctx *x)
{
	return (x->cpu->fpu.fsw & FSW_ES) && (x->cpu->sregs.cr0 & X86_CR0_NE);
}

/* FWAIT (SDM Vol. 2B "WAIT/FWAIT"): #NM only when CR0.MP and CR0.TS. */
enum complete_step complete_x87_fwait(struct complete_ctx *x)
{
	uint64_t cr0 = x->cpu->sregs.cr0;

	if ((cr0 & X86_CR0_MP) && (cr0 & X86_CR0_TS))
		return complete_fault(x, X86_EXC_NM);
	if (x87_pending(x))
		return complete_fault(x, X86_EXC_MF);
	return complete_finish(x);
}

/* FNCLEX: PE UE OE ZE DE IE SF ES and B cleared, no wait. */
enum complete_step complete_x87_fnclex(struct complete_ctx *x)
{
	if (x87_unavailable(x))
		return complete_fault(x, X86_EXC_NM);
	x->cpu->fpu.fsw &= (uint16_t) ~(0xffu | FSW_B);
	x->cpu->fpu_changed = true;
	return complete_finish(x);
}

/* EMMS (SDM Vol. 2A): every tag empty; #UD with CR0.EM, #NM with TS. */
enum complete_step complete_x87_emms(struct complete_ctx *x)
{
	if (x->cpu->sregs.cr0 & X86_CR0_EM)
		return complete_fault(x, X86_EXC_UD);
	if (x->cpu->sregs.cr0 & X86_CR0_TS)
		return complete_fault(x, X86_EXC_NM);
	if (x87_pending(x))
		return complete_fault(x, X86_EXC_MF);
	x->cpu->fpu.ftwx = 0;
	x->cpu->fpu_changed = true;
	return complete_finish(x);
}

/*
 * A signed integer as 80-bit double extended precision (SDM Vol. 1, 4.2.2
 * and table 4-3): bytes 0-7 the significand with its explicit integer bit,
 * bytes 8-9 the sign and the exponent biased by 16383.  Exact: 64 bits of
 * significand hold any int64_t.  Zero is +0.0.
 */
static void int_to_ext80(int64_t v, uint8_t out[16])
{
	uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v, sig = 0;
	uint16_t se = 0;

	memset(out, 0, 16);
	if (mag) {
		int lz = __builtin_clzll(mag);

		sig = mag << lz;
		se = (uint16_t)(16383 + 63 - lz);
		if (v < 0)
			se |= 0x8000;
	}
	for (unsigned int i = 0; i < 8; i++)
		out[i] = (uint8_t)(sig >> (8 * i));
	out[8] = (uint8_t)se;
	out[9] = (uint8_t)(se >> 8);
}

/* The QNaN floating-point indefinite (SDM Vol. 1, table 4-3). */
static void ext80_indefinite(uint8_t out[16])
{
	memset(out, 0, 16);
	out[7] = 0xc0;
	out[8] = 0xff;
	out[9] = 0xff;
}

/*
 * FILD (SDM Vol. 2A "FILD"; stack push and overflow: Vol. 1, 8.1.2 and
 * 8.5.1.1).  The value goes into ST(0) after TOP is decremented; a valid
 * destination register is a stack overflow: IE, SF and C1 set, then the
 * indefinite is pushed when IM masks it, or the stack is left as it was and
 * ES and B record the pending #MF.  FIP, FDP and FOP point at this FILD.
 */
enum complete_step complete_x87_fild(struct complete_ctx *x, unsigned int size)
{
	struct kvm_fpu *f = &x->cpu->fpu;
	uint8_t buf[8], val[16];
	uint64_t raw, dp;
	int64_t v;
	unsigned int top;
	bool push = true;
	enum complete_step st;

	if (x87_unavailable(x))
		return complete_fault(x, X86_EXC_NM);
	if (x87_pending(x))
		return complete_fault(x, X86_EXC_MF);
	st = complete_read_mem(x, buf, size, &dp);
	if (st != STEP_OK)
		return st;
	raw = complete_le(buf, size);
	if (size == 2)
		v = (int16_t)raw;
	else if (size == 4)
		v = (int32_t)raw;
	else
		v = (int64_t)raw;
	int_to_ext80(v, val);

	top = (((unsigned int)f->fsw >> FSW_TOP_SHIFT) - 1) & 7;
	f->fsw &= (uint16_t)~FSW_C1;
	if (f->ftwx & (1u << top)) {
		f->fsw |= FSW_IE | FSW_SF | FSW_C1;
		push = f->fcw & FCW_IM;
		if (push)
			ext80_indefinite(val);
		else
			f->fsw |= FSW_ES | FSW_B;
	}
	if (push) {
		memmove(f->fpr[1], f->fpr[0], sizeof(f->fpr[0]) * 7);
		memcpy(f->fpr[0], val, sizeof(f->fpr[0]));
		f->ftwx |= (uint8_t)(1u << top);
		f->fsw = (uint16_t)((f->fsw & ~FSW_TOP) |
				    (top << FSW_TOP_SHIFT));
	}
	f->last_ip = x->cpu->regs.rip;
	f->last_dp = dp;
	f->last_opcode = (uint16_t)(((x->d.opcode & 7u) << 8) | x->d.modrm);
	x->cpu->fpu_changed = true;
	return complete_finish(x);
}

/*
 * LDMXCSR/STMXCSR (SDM Vol. 2A/2B): #UD with CR0.EM or without
 * CR4.OSFXSR, #NM with CR0.TS; LDMXCSR gives #GP(0) for bits outside
 * MXCSR_MASK (Vol. 1, 11.6.6; a mask of 0 means 0xffbf, no DAZ).
 */
enum complete_step complete_x87_mxcsr(struct complete_ctx *x, bool load)
{
	const struct kvm_sregs *s = &x->cpu->sregs;
	uint32_t mask = x->cpu->mxcsr_mask ? x->cpu->mxcsr_mask : 0xffbf;
	uint8_t buf[4];
	uint32_t v;
	enum complete_step st;

	if ((s->cr0 & X86_CR0_EM) || !(s->cr4 & X86_CR4_OSFXSR))
		return complete_fault(x, X86_EXC_UD);
	if (s->cr0 & X86_CR0_TS)
		return complete_fault(x, X86_EXC_NM);
	if (!load) {
		v = x->cpu->fpu.mxcsr;
		for (unsigned int i = 0; i < 4; i++)
			buf[i] = (uint8_t)(v >> (8 * i));
		st = complete_write_mem(x, buf, 4);
		return st == STEP_OK ? complete_finish(x) : st;
	}
	st = complete_read_mem(x, buf, 4, NULL);
	if (st != STEP_OK)
		return st;
	v = (uint32_t)complete_le(buf, 4);
	if (v & ~mask)
		return complete_fault_err(x, X86_EXC_GP, 0);
	x->cpu->fpu.mxcsr = v;
	x->cpu->fpu_changed = true;
	return complete_finish(x);
}
