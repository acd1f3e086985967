/*
 * complete.h: finish, in userspace, the instructions that KVM's emulator
 * on this project's hosts lacks (it runs guest kernel code and exits with
 * KVM_INTERNAL_ERROR_EMULATION and the bytes; VMCALL hangs until the vCPU
 * is kicked), so that the vCPU thread can write the result back and resume
 * the guest, the way bhyve decodes and emulates instructions itself.
 *
 * complete_insn() decodes the bytes (decode.h) in the mode the segment
 * state says and applies the instruction's architectural effect (Intel SDM
 * Vol. 2, the instruction's page) to a struct complete_cpu copied from
 * KVM_GET_REGS, KVM_GET_SREGS and KVM_GET_FPU.  Memory operands go through
 * the caller's callbacks (which walk the guest page tables).  Pure: no
 * ioctls and no globals; the state belongs to the vCPU thread that filled
 * it, and any thread may call this on its own state.
 *
 * Completed: INT3, FWAIT, FNCLEX, EMMS, FILD m16/m32/m64, CLAC, STAC,
 * POPCNT, LAR, LSL, VERR, VERW, LDMXCSR, STMXCSR, VMCALL and VMMCALL.
 * They fault as their SDM pages say: #UD for LOCK, #NM/#UD/#MF from CR0 and
 * FSW, #UD for CLAC/STAC above CPL 0 and for LAR/LSL/VERR/VERW in real and
 * virtual-8086 mode, #GP(0) for reserved MXCSR bits, #GP(0) or #SS(0) for a
 * non-canonical address or one outside the segment limit, for a write to a
 * read-only segment, a read of an execute-only one or a use of an unusable
 * one.  Faults leave RIP on the instruction; INT3 (a trap) advances it.
 *
 * COMPLETE_UNSUPPORTED, with the state untouched, for everything else:
 *   - bytes that do not decode (truncated, longer than 15 bytes, VEX);
 *   - any other instruction, including the register forms of FILD and
 *     LDMXCSR/STMXCSR, which are other instructions or reserved encodings
 *     rather than a clear #UD (the caller reports them as before);
 *   - a memory operand the callbacks cannot reach (the CPU would raise
 *     #PF, which needs CR2 and an error code the caller knows better).
 *
 * Not modelled: #AC alignment checks, #DB single-step traps after a
 * completed instruction with RFLAGS.TF (RF is cleared as the SDM says),
 * data and I/O breakpoints, legacy FERR# reporting when CR0.NE = 0 (the
 * pending x87 error is then ignored, as with IGNNE# asserted), AMD's habit
 * of saving FIP/FDP/FOP only when an x87 exception is pending (the Intel
 * rule is followed: every FILD sets them), and CPUID feature checks (the
 * host shows SMAP, POPCNT and SSE to the guest whatever hyve says).
 * VMCALL/VMMCALL follow KVM's hypercall ABI: an unknown hypercall gives
 * RAX = -KVM_ENOSYS at CPL 0 and -KVM_EPERM above, truncated to 32 bits
 * outside 64-bit mode.
 */
#ifndef HYVE_ARCH_X86_COMPLETE_H
#define HYVE_ARCH_X86_COMPLETE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "arch/x86/decode.h"

struct complete_cpu {
	struct kvm_regs regs; /* in/out */
	/*
	 * in: segment bases, limits and types, CR0/CR4/EFER, GDT/LDT; CPL
	 * is SS.DPL (0 in real mode, 3 in virtual-8086 mode).
	 */
	struct kvm_sregs sregs;
	/*
	 * in/out: x87 and MXCSR in FXSAVE form: fpr[i] is ST(i), ftwx the
	 * abridged tag word (bit i set: physical register i is valid).
	 */
	struct kvm_fpu fpu;
	/* in: FXSAVE's MXCSR_MASK, which kvm_fpu lacks; 0 means 0xffbf. */
	uint32_t mxcsr_mask;
	bool regs_changed, fpu_changed; /* out: what to write back */
	/*
	 * out: an exception to deliver with KVM_SET_VCPU_EVENTS, RIP already
	 * set as the SDM says for it.
	 */
	bool inject;
	uint8_t vector;
	bool has_error_code;
	uint32_t error_code;
};

/* Memory operands by linear address; the caller walks the page tables. */
struct complete_mem {
	/* 0, or -EFAULT if any byte is not mapped. */
	int (*read)(void *ctx, uint64_t linear, void *buf, size_t len);
	int (*write)(void *ctx, uint64_t linear, const void *buf, size_t len);
	void *ctx;
};

enum complete_result {
	COMPLETE_DONE,	      /* cpu's outputs say what to write back */
	COMPLETE_UNSUPPORTED, /* nothing changed; report the exit */
};

/*
 * The decoder mode for this state: 64-bit when EFER.LMA and CS.L, 16-bit
 * in virtual-8086 mode, else from CS.D.
 */
enum decode_mode complete_mode(const struct complete_cpu *cpu);

/*
 * Decode bytes[0..len) in the mode the state says and complete it.  The
 * outputs (regs_changed ... error_code) are reset first.  *kind_out (if not
 * NULL) gets what was decoded, DECODE_UNKNOWN when nothing was.
 */
enum complete_result complete_insn(struct complete_cpu *cpu,
				   const uint8_t *bytes, size_t len,
				   const struct complete_mem *mem,
				   enum decode_kind *kind_out);

/* "int3", "fwait", ... for statistics; "unknown" for anything else. */
const char *complete_kind_name(enum decode_kind kind);

#endif
