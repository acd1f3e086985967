/*
 * complete_int.h: what complete.c and complete_x87.c share; not for other
 * callers (they use complete.h).  complete.c decodes, checks the prefixes
 * and dispatches; the handlers return a complete_step and never leave a
 * half-done instruction behind on STEP_UNSUP, because complete_insn()
 * restores the registers and FPU state it was given.  The context lives on
 * the caller's stack for one complete_insn() call.
 */
#ifndef HYVE_ARCH_X86_COMPLETE_INT_H
#define HYVE_ARCH_X86_COMPLETE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/complete.h"
#include "arch/x86/decode.h"

enum complete_step {
	STEP_OK,    /* done: RIP advanced */
	STEP_FAULT, /* cpu->inject set, RIP as the SDM says for the vector */
	STEP_UNSUP, /* give up; complete_insn() undoes any change */
};

/* The state one completion works on. */
struct complete_ctx {
	struct complete_cpu *cpu;
	const struct complete_mem *mem;
	struct decode_insn d;
	unsigned int cpl;
	bool ia32e;    /* EFER.LMA: 64-bit and compatibility mode */
	bool protmode; /* CR0.PE and not virtual-8086 mode */
};

/* Helpers in complete.c. */
enum complete_step complete_fault(struct complete_ctx *x, uint8_t vector);
enum complete_step complete_fault_err(struct complete_ctx *x, uint8_t vector,
				      uint32_t err);
/* RIP past the instruction (IP/EIP wrap outside 64-bit mode), RF cleared. */
enum complete_step complete_finish(struct complete_ctx *x);
/* The memory operand, after segment checks; *off (if wanted) gets its
 * effective address. */
enum complete_step complete_read_mem(struct complete_ctx *x, void *buf,
				     unsigned int size, uint64_t *off);
enum complete_step complete_write_mem(struct complete_ctx *x, const void *buf,
				      unsigned int size);
/* size (<= 8) little-endian bytes. */
uint64_t complete_le(const uint8_t *b, unsigned int size);

/* Handlers in complete_x87.c. */
enum complete_step complete_x87_fwait(struct complete_ctx *x);
enum complete_step complete_x87_fnclex(struct complete_ctx *x);
enum complete_step complete_x87_emms(struct complete_ctx *x);
enum complete_step complete_x87_fild(struct complete_ctx *x, unsigned int size);
enum complete_step complete_x87_mxcsr(struct complete_ctx *x, bool load);

#endif
