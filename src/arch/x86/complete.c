/*
 * complete.c: the architectural effect of the instructions hyve finishes
 * for KVM.  See complete.h for what is and is not handled.
 *
 * This file decodes, dispatches and completes the integer and system
 * instructions; the x87/SSE ones are in complete_x87.c.  Each handler
 * returns a complete_step (complete_int.h); complete_insn() restores the
 * caller's registers and FPU state on STEP_UNSUP, so a handler may fail
 * after a partial update without leaving a half-done instruction behind.
 *
 * Memory operands: SDM Vol. 3A, 3.4 "Logical and Linear Addresses", 5.3
 * "Limit Checking" (expand-down segments included), 5.4 "Type Checking",
 * and 3.3.7.1 "Canonical Addressing" for 64-bit mode, where only the FS and
 * GS bases apply (3.4.4).
 */
#include "arch/x86/complete.h"

#include <errno.h>
#include <string.h>

#include <linux/kvm_para.h>

#include "arch/x86/complete_int.h"
#include "arch/x86/x86.h"

/* Not (yet) in x86.h. */
#ifndef X86_RFLAGS_RF
#define X86_RFLAGS_RF (1ULL << 16) /* resume flag */
#endif
#ifndef X86_EXC_SS
#define X86_EXC_SS 12 /* stack-segment fault */
#endif

enum decode_mode complete_mode(const struct complete_cpu *cpu)
{
	if (cpu->regs.rflags & X86_RFLAGS_VM)
		return DECODE_MODE_16;
	if ((cpu->sregs.efer & X86_EFER_LMA) && cpu->sregs.cs.l)
		return DECODE_MODE_64;
	return cpu->sregs.cs.db ? DECODE_MODE_32 : DECODE_MODE_16;
}

/* General registers by ModRM number: RAX RCX RDX RBX RSP RBP RSI RDI R8.. */
static __u64 *gpr(struct kvm_regs *r, unsigned int n)
{
	switch (n & 15) {
	case 0:
		return &r->rax;
	case 1:
		return &r->rcx;
	case 2:
		return &r->rdx;
	case 3:
		return &r->rbx;
	case 4:
		return &r->rsp;
	case 5:
		return &r->rbp;
	case 6:
		return &r->rsi;
	case 7:
		return &r->rdi;
	case 8:
		return &r->r8;
	case 9:
		return &r->r9;
	case 10:
		return &r->r10;
	case 11:
		return &r->r11;
	case 12:
		return &r->r12;
	case 13:
		return &r->r13;
	case 14:
		return &r->r14;
	default:
		return &r->r15;
	}
}

/*
 * A register write of size bytes: 16-bit writes keep the upper bits, 32-bit
 * writes zero-extend (SDM Vol. 1, 3.4.1.1).
 */
static void gpr_write(struct complete_ctx *x, unsigned int n, uint64_t v,
		      unsigned int size)
{
	__u64 *r = gpr(&x->cpu->regs, n);

	if (size == 2)
		*r = (*r & ~0xffffULL) | (v & 0xffff);
	else if (size == 4)
		*r = (uint32_t)v;
	else
		*r = v;
	x->cpu->regs_changed = true;
}

static uint64_t trunc_to(uint64_t v, unsigned int size)
{
	return size >= 8 ? v : v & ((1ULL << (8 * size)) - 1);
}

enum complete_step complete_fault(struct complete_ctx *x, uint8_t vector)
{
	x->cpu->inject = true;
	x->cpu->vector = vector;
	return STEP_FAULT;
}

enum complete_step complete_fault_err(struct complete_ctx *x, uint8_t vector,
				      uint32_t err)
{
	x->cpu->has_error_code = true;
	x->cpu->error_code = err;
	return complete_fault(x, vector);
}

/* The instruction is done: RIP past it (IP/EIP wrap), RF cleared. */
enum complete_step complete_finish(struct complete_ctx *x)
{
	struct kvm_regs *r = &x->cpu->regs;
	static const unsigned int ip_size[] = {
		[DECODE_MODE_16] = 2,
		[DECODE_MODE_32] = 4,
		[DECODE_MODE_64] = 8,
	};

	r->rip = trunc_to(r->rip + x->d.len, ip_size[x->d.mode]);
	r->rflags &= ~X86_RFLAGS_RF;
	x->cpu->regs_changed = true;
	return STEP_OK;
}

static void set_zf(struct complete_ctx *x, bool zf)
{
	x->cpu->regs.rflags &= ~X86_RFLAGS_ZF;
	if (zf)
		x->cpu->regs.rflags |= X86_RFLAGS_ZF;
	x->cpu->regs_changed = true;
}

static const struct kvm_segment *segment(const struct kvm_sregs *s,
					 enum decode_seg seg)
{
	switch (seg) {
	case DECODE_SEG_ES:
		return &s->es;
	case DECODE_SEG_CS:
		return &s->cs;
	case DECODE_SEG_SS:
		return &s->ss;
	case DECODE_SEG_FS:
		return &s->fs;
	case DECODE_SEG_GS:
		return &s->gs;
	default:
		return &s->ds;
	}
}

/* The memory operand's offset (effective address), SDM Vol. 1, 3.7.5. */
static uint64_t ea_offset(const struct complete_ctx *x)
{
	const struct decode_insn *d = &x->d;
	struct kvm_regs *r = &x->cpu->regs;
	uint64_t ea = (uint64_t)d->disp;

	if (d->rip_rel)
		ea += r->rip + d->len;
	if (d->ea_base != DECODE_REG_NONE)
		ea += *gpr(r, (unsigned int)d->ea_base);
	if (d->ea_index != DECODE_REG_NONE)
		ea += *gpr(r, (unsigned int)d->ea_index) * d->ea_scale;
	return trunc_to(ea, d->addr_size);
}

static bool canonical(uint64_t la, bool la57)
{
	unsigned int bits = la57 ? 57 : 48;
	int64_t s = (int64_t)(la << (64 - bits)) >> (64 - bits);

	return (uint64_t)s == la;
}

/*
 * The linear address of a size-byte memory operand, after the segment's
 * checks; STEP_FAULT with #GP(0), or #SS(0) for SS, when they fail.
 */
static enum complete_step linear(struct complete_ctx *x, unsigned int size,
				 bool write, uint64_t *lin, uint64_t *off)
{
	const struct kvm_sregs *s = &x->cpu->sregs;
	const struct kvm_segment *seg = segment(s, x->d.ea_seg);
	uint8_t vec = x->d.ea_seg == DECODE_SEG_SS ? X86_EXC_SS : X86_EXC_GP;
	uint64_t ea = ea_offset(x), last = ea + size - 1, lo, hi;

	*off = ea;
	if (x->d.mode == DECODE_MODE_64) {
		bool la57 = s->cr4 & X86_CR4_LA57;
		uint64_t base = 0;

		if (x->d.ea_seg == DECODE_SEG_FS ||
		    x->d.ea_seg == DECODE_SEG_GS)
			base = seg->base;
		*lin = base + ea;
		if (!canonical(*lin, la57) || !canonical(*lin + size - 1, la57))
			return complete_fault_err(x, vec, 0);
		return STEP_OK;
	}
	lo = 0;
	hi = seg->limit;
	if (x->protmode) {
		if (seg->unusable || !seg->present)
			return complete_fault_err(x, vec, 0);
		if (seg->type & 8) { /* code: never writable, maybe readable */
			if (write || !(seg->type & 2))
				return complete_fault_err(x, vec, 0);
		} else {
			if (write && !(seg->type & 2))
				return complete_fault_err(x, vec, 0);
			if (seg->type & 4) { /* expand-down */
				lo = (uint64_t)seg->limit + 1;
				hi = seg->db ? 0xffffffffULL : 0xffffULL;
			}
		}
	}
	if (ea < lo || last > hi || last < ea)
		return complete_fault_err(x, vec, 0);
	*lin = (uint32_t)(seg->base + ea);
	return STEP_OK;
}

/* Read the size-byte memory operand; its offset in *off if wanted. */
enum complete_step complete_read_mem(struct complete_ctx *x, void *buf,
				     unsigned int size, uint64_t *off)
{
	uint64_t lin, ea;
	enum complete_step st = linear(x, size, false, &lin, &ea);

	if (st != STEP_OK)
		return st;
	if (off)
		*off = ea;
	if (!x->mem || !x->mem->read ||
	    x->mem->read(x->mem->ctx, lin, buf, size))
		return STEP_UNSUP;
	return STEP_OK;
}

enum complete_step complete_write_mem(struct complete_ctx *x, const void *buf,
				      unsigned int size)
{
	uint64_t lin, ea;
	enum complete_step st = linear(x, size, true, &lin, &ea);

	if (st != STEP_OK)
		return st;
	if (!x->mem || !x->mem->write ||
	    x->mem->write(x->mem->ctx, lin, buf, size))
		return STEP_UNSUP;
	return STEP_OK;
}

uint64_t complete_le(const uint8_t *b, unsigned int size)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < size; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

/* The r/m source operand of size bytes: a register or memory. */
static enum complete_step read_rm(struct complete_ctx *x, unsigned int size,
				  uint64_t *v)
{
	uint8_t buf[8];
	enum complete_step st;

	if (!x->d.mem) {
		*v = trunc_to(*gpr(&x->cpu->regs, x->d.rm), size);
		return STEP_OK;
	}
	st = complete_read_mem(x, buf, size, NULL);
	if (st == STEP_OK)
		*v = complete_le(buf, size);
	return st;
}

/* INT3 (SDM Vol. 2A "INT n/INTO/INT3/INT1"): a trap, RIP after it. */
static enum complete_step do_int3(struct complete_ctx *x)
{
	complete_finish(x);
	return complete_fault(x, X86_EXC_BP);
}

/* CLAC/STAC: #UD above CPL 0 (virtual-8086 mode included). */
static enum complete_step do_ac(struct complete_ctx *x, bool set)
{
	if (x->cpl > 0)
		return complete_fault(x, X86_EXC_UD);
	if (set)
		x->cpu->regs.rflags |= X86_RFLAGS_AC;
	else
		x->cpu->regs.rflags &= ~X86_RFLAGS_AC;
	return complete_finish(x);
}

/* POPCNT (SDM Vol. 2B): ZF = (src == 0), CF OF SF AF PF cleared. */
static enum complete_step do_popcnt(struct complete_ctx *x)
{
	uint64_t src;
	enum complete_step st = read_rm(x, x->d.op_size, &src);

	if (st != STEP_OK)
		return st;
	gpr_write(x, x->d.reg, (uint64_t)__builtin_popcountll(src),
		  x->d.op_size);
	x->cpu->regs.rflags &= ~(X86_RFLAGS_CF | X86_RFLAGS_PF | X86_RFLAGS_AF |
				 X86_RFLAGS_ZF | X86_RFLAGS_SF | X86_RFLAGS_OF);
	if (!src)
		x->cpu->regs.rflags |= X86_RFLAGS_ZF;
	return complete_finish(x);
}

/* Descriptor fields (SDM Vol. 3A, 3.4.5 "Segment Descriptors"). */
struct desc {
	unsigned int type, dpl;
	bool s, g;
	uint32_t hi, limit; /* limit scaled by G */
};

/*
 * The descriptor a selector names, for LAR, LSL, VERR and VERW: 1 and *dd
 * filled, 0 when the selector is null, beyond the table's limit or in an
 * unusable LDT (ZF = 0), or STEP_UNSUP as a negative number when the table
 * cannot be read.  Only the first 8 bytes are read, also of 64-bit system
 * descriptors: the results come from them.
 */
static int descriptor(struct complete_ctx *x, uint16_t sel, struct desc *dd)
{
	const struct kvm_sregs *s = &x->cpu->sregs;
	uint64_t base, limit, off = sel & ~7u, lin;
	uint8_t b[8];
	uint32_t lo;

	if (sel & 4) {
		if (s->ldt.unusable || !s->ldt.present)
			return 0;
		base = s->ldt.base;
		limit = s->ldt.limit;
	} else {
		if (off == 0)
			return 0; /* null selector */
		base = s->gdt.base;
		limit = s->gdt.limit;
	}
	if (off + 7 > limit)
		return 0;
	lin = base + off;
	if (!x->ia32e)
		lin = (uint32_t)lin;
	if (!x->mem || !x->mem->read || x->mem->read(x->mem->ctx, lin, b, 8))
		return -1;
	lo = (uint32_t)complete_le(b, 4);
	dd->hi = (uint32_t)complete_le(b + 4, 4);
	dd->type = (dd->hi >> 8) & 15;
	dd->s = (dd->hi >> 12) & 1;
	dd->dpl = (dd->hi >> 13) & 3;
	dd->g = (dd->hi >> 23) & 1;
	dd->limit = (lo & 0xffff) | (dd->hi & 0xf0000);
	if (dd->g)
		dd->limit = (dd->limit << 12) | 0xfff;
	return 1;
}

static bool is_conforming_code(const struct desc *dd)
{
	return dd->s && (dd->type & 0xc) == 0xc;
}

/* DPL >= CPL and DPL >= RPL, unless conforming code. */
static bool visible(const struct complete_ctx *x, const struct desc *dd,
		    uint16_t sel)
{
	if (is_conforming_code(dd))
		return true;
	return dd->dpl >= x->cpl && dd->dpl >= (sel & 3u);
}

/*
 * System descriptor types LAR and LSL accept, one bit per type: SDM Vol.
 * 2A, table "Segment and Gate Types" of LAR and of LSL, the protected-mode
 * and the IA-32e-mode columns.  In IA-32e mode LAR refuses LDTs and LSL
 * accepts type 0, the upper half of a 16-byte descriptor.  Code and data
 * segments are all accepted.
 */
#define LAR_TYPES_LEGACY 0x1a3e /* TSS16 LDT TSS16b CG16 TG TSS32 TSS32b CG32 */
#define LAR_TYPES_IA32E	 0x1a00 /* TSS64 TSS64b CG64 */
#define LSL_TYPES_LEGACY 0x0a0e /* TSS16 LDT TSS16b TSS32 TSS32b */
#define LSL_TYPES_IA32E	 0x0a05 /* upper half, LDT, TSS64, TSS64b */

/* LAR/LSL/VERR/VERW are #UD in real and virtual-8086 mode. */
static enum complete_step read_selector(struct complete_ctx *x, uint16_t *sel)
{
	uint64_t v = 0;
	enum complete_step st;

	if (!x->protmode)
		return complete_fault(x, X86_EXC_UD);
	st = read_rm(x, 2, &v);
	*sel = (uint16_t)v;
	return st;
}

/* LAR and LSL (SDM Vol. 2A "LAR", Vol. 2B "LSL"). */
static enum complete_step do_lar_lsl(struct complete_ctx *x, bool lsl)
{
	struct desc dd;
	uint16_t sel;
	uint32_t types, v;
	enum complete_step st = read_selector(x, &sel);
	int found;

	if (st != STEP_OK)
		return st;
	found = descriptor(x, sel, &dd);
	if (found < 0)
		return STEP_UNSUP;
	if (lsl)
		types = x->ia32e ? LSL_TYPES_IA32E : LSL_TYPES_LEGACY;
	else
		types = x->ia32e ? LAR_TYPES_IA32E : LAR_TYPES_LEGACY;
	if (!found || (!dd.s && !(types & (1u << dd.type))) ||
	    !visible(x, &dd, sel)) {
		set_zf(x, false);
		return complete_finish(x);
	}
	if (lsl)
		v = dd.limit;
	else
		v = dd.hi & (x->d.op_size == 2 ? 0xff00 : 0x00f0ff00);
	gpr_write(x, x->d.reg, v, x->d.op_size);
	set_zf(x, true);
	return complete_finish(x);
}

/* VERR and VERW (SDM Vol. 2B "VERR/VERW"): code or data segments only. */
static enum complete_step do_verify(struct complete_ctx *x, bool write)
{
	struct desc dd;
	uint16_t sel;
	bool ok = false;
	enum complete_step st = read_selector(x, &sel);
	int found;

	if (st != STEP_OK)
		return st;
	found = descriptor(x, sel, &dd);
	if (found < 0)
		return STEP_UNSUP;
	if (found && dd.s && visible(x, &dd, sel)) {
		bool code = dd.type & 8, rw = dd.type & 2;

		ok = write ? !code && rw : !code || rw;
	}
	set_zf(x, ok);
	return complete_finish(x);
}

/* VMCALL/VMMCALL: KVM's answer to an unknown hypercall. */
static enum complete_step do_hypercall(struct complete_ctx *x)
{
	uint64_t ret = x->cpl ? (uint64_t)-KVM_EPERM : (uint64_t)-KVM_ENOSYS;

	if (x->d.mode != DECODE_MODE_64)
		ret = (uint32_t)ret;
	x->cpu->regs.rax = ret;
	return complete_finish(x);
}

static enum complete_step dispatch(struct complete_ctx *x)
{
	switch (x->d.kind) {
	case DECODE_INT3:
		return do_int3(x);
	case DECODE_FWAIT:
		return complete_x87_fwait(x);
	case DECODE_FNCLEX:
		return complete_x87_fnclex(x);
	case DECODE_EMMS:
		return complete_x87_emms(x);
	case DECODE_FILD16:
		return complete_x87_fild(x, 2);
	case DECODE_FILD32:
		return complete_x87_fild(x, 4);
	case DECODE_FILD64:
		return complete_x87_fild(x, 8);
	case DECODE_CLAC:
		return do_ac(x, false);
	case DECODE_STAC:
		return do_ac(x, true);
	case DECODE_POPCNT:
		return do_popcnt(x);
	case DECODE_LAR:
		return do_lar_lsl(x, false);
	case DECODE_LSL:
		return do_lar_lsl(x, true);
	case DECODE_VERR:
		return do_verify(x, false);
	case DECODE_VERW:
		return do_verify(x, true);
	case DECODE_LDMXCSR:
		return complete_x87_mxcsr(x, true);
	case DECODE_STMXCSR:
		return complete_x87_mxcsr(x, false);
	case DECODE_VMCALL:
	case DECODE_VMMCALL:
		return do_hypercall(x);
	default:
		return STEP_UNSUP;
	}
}

static void reset_outputs(struct complete_cpu *cpu)
{
	cpu->regs_changed = cpu->fpu_changed = false;
	cpu->inject = cpu->has_error_code = false;
	cpu->vector = 0;
	cpu->error_code = 0;
}

enum complete_result complete_insn(struct complete_cpu *cpu,
				   const uint8_t *bytes, size_t len,
				   const struct complete_mem *mem,
				   enum decode_kind *kind_out)
{
	struct complete_ctx x = { .cpu = cpu, .mem = mem };
	struct kvm_regs saved_regs;
	struct kvm_fpu saved_fpu;
	enum complete_step st;

	reset_outputs(cpu);
	if (kind_out)
		*kind_out = DECODE_UNKNOWN;
	if (decode_insn(&x.d, bytes, len, complete_mode(cpu)))
		return COMPLETE_UNSUPPORTED;
	if (kind_out)
		*kind_out = x.d.kind;
	if (x.d.kind == DECODE_UNKNOWN)
		return COMPLETE_UNSUPPORTED;

	x.ia32e = cpu->sregs.efer & X86_EFER_LMA;
	x.protmode = (cpu->sregs.cr0 & X86_CR0_PE) &&
		     !(cpu->regs.rflags & X86_RFLAGS_VM);
	if (!(cpu->sregs.cr0 & X86_CR0_PE))
		x.cpl = 0;
	else if (cpu->regs.rflags & X86_RFLAGS_VM)
		x.cpl = 3;
	else
		x.cpl = cpu->sregs.ss.dpl & 3;

	/* LOCK is #UD on all of them (SDM Vol. 2A, "LOCK"). */
	if (x.d.lock) {
		complete_fault(&x, X86_EXC_UD);
		return COMPLETE_DONE;
	}
	saved_regs = cpu->regs;
	saved_fpu = cpu->fpu;
	st = dispatch(&x);
	if (st == STEP_UNSUP) {
		cpu->regs = saved_regs;
		cpu->fpu = saved_fpu;
		reset_outputs(cpu);
		return COMPLETE_UNSUPPORTED;
	}
	return COMPLETE_DONE;
}

const char *complete_kind_name(enum decode_kind kind)
{
	static const char *const names[DECODE_KIND_COUNT] = {
		[DECODE_UNKNOWN] = "unknown", [DECODE_INT3] = "int3",
		[DECODE_FWAIT] = "fwait",     [DECODE_FNCLEX] = "fnclex",
		[DECODE_EMMS] = "emms",	      [DECODE_FILD16] = "fild16",
		[DECODE_FILD32] = "fild32",   [DECODE_FILD64] = "fild64",
		[DECODE_CLAC] = "clac",	      [DECODE_STAC] = "stac",
		[DECODE_POPCNT] = "popcnt",   [DECODE_LAR] = "lar",
		[DECODE_LSL] = "lsl",	      [DECODE_VERR] = "verr",
		[DECODE_VERW] = "verw",	      [DECODE_LDMXCSR] = "ldmxcsr",
		[DECODE_STMXCSR] = "stmxcsr", [DECODE_VMCALL] = "vmcall",
		[DECODE_VMMCALL] = "vmmcall",
	};

	if ((unsigned int)kind >= DECODE_KIND_COUNT || !names[kind])
		return "unknown";
	return names[kind];
}
