/*
 * probe.h: what this host's KVM can and cannot do for a guest at CPL 0,
 * found by trying it once in a tiny VM (a few milliseconds), and cached
 * per host kernel and KVM module.
 *
 * On a host with VT-x or AMD-V every instruction below runs and every
 * CPUID bit follows the VMM, so the probe finds nothing to work around.
 * Where KVM runs guest kernel code in its instruction emulator (see
 * ENVIRONMENT.md: PVM), some instructions stop the guest with an emulation
 * failure, `vmcall` never returns, and most CPUID bits come from the host
 * whatever KVM_SET_CPUID2 says.  The machine uses the result to decide what
 * to complete in userspace (vmm/emulate.c), which paravirtual features to
 * withhold, which CPUID bits to drop and which kernel parameters a Linux
 * guest needs.  `hyve --probe` prints it.
 *
 * Owned by main, before any vCPU of the real VM exists.
 */
#ifndef HYVE_VMM_PROBE_H
#define HYVE_VMM_PROBE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vmm/kvm.h"

/* The instructions tried, one at a time, at CPL 0 in 64-bit mode. */
enum probe_insn {
	PROBE_INT3,
	PROBE_FWAIT,
	PROBE_FNCLEX,
	PROBE_EMMS,
	PROBE_FILD,
	PROBE_CLAC,
	PROBE_STAC,
	PROBE_POPCNT,
	PROBE_LSL,
	PROBE_LAR,
	PROBE_VERW,
	PROBE_LDMXCSR,
	PROBE_STMXCSR,
	PROBE_XGETBV,
	PROBE_XSAVE,
	PROBE_CMPXCHG16B,
	PROBE_RDTSCP,
	PROBE_VMCALL,
	PROBE_USER_SYSCALL, /* SYSCALL from CPL 3 must land at CPL 0 */
	PROBE_PSHUFB,	    /* SSSE3: the kernel's SIMD crypto and hashing */
	PROBE_NINSN,
};

enum probe_outcome {
	PROBE_RUNS = 0,	 /* completed, or delivered its own exception */
	PROBE_EMUL_FAIL, /* KVM_EXIT_INTERNAL_ERROR: emulation failure */
	PROBE_HANGS,	 /* KVM_RUN never came back; RIP stayed on it */
	PROBE_FAULTS,	 /* raised an exception it should not (#UD...) */
	PROBE_ODD,	 /* anything else */
	PROBE_NOT_TRIED, /* needs a CPU feature the host lacks */
	PROBE_WRONG_CPL, /* SYSCALL from CPL 3 reached MSR_LSTAR at CPL 3 */
};

/* CPUID bits whose hiding matters, each checked from inside the guest. */
enum probe_cpuid {
	PROBE_CPUID_CX16,
	PROBE_CPUID_POPCNT,
	PROBE_CPUID_XSAVE,
	PROBE_CPUID_AVX,
	PROBE_CPUID_X2APIC,
	PROBE_CPUID_TSC_DEADLINE,
	PROBE_CPUID_FSGSBASE,
	PROBE_CPUID_SMEP,
	PROBE_CPUID_SMAP,
	PROBE_CPUID_RDTSCP,
	PROBE_NCPUID,
};

enum probe_bit {
	PROBE_BIT_ABSENT = 0, /* KVM does not offer it */
	PROBE_BIT_FOLLOWS,    /* the guest sees what hyve sets */
	PROBE_BIT_STUCK,      /* the guest sees it even when hyve clears it */
};

#define PROBE_FORMAT 3 /* bump when the result's meaning changes */

struct probe_result {
	uint8_t insn[PROBE_NINSN];   /* enum probe_outcome */
	uint8_t vector[PROBE_NINSN]; /* the exception, for PROBE_FAULTS */
	uint8_t cpuid[PROBE_NCPUID]; /* enum probe_bit */
	uint32_t micros;	     /* how long the probe took */
};

const char *probe_insn_name(enum probe_insn i);
const char *probe_cpuid_name(enum probe_cpuid c);

/* Run the probe now.  0, or a negative errno with one line in err. */
int probe_run(struct kvm_host *kvm, struct probe_result *res, char *err,
	      size_t errlen);

/*
 * The cached result for this host kernel and KVM module, or a fresh one
 * (then saved; a cache that cannot be written is no error).  *cached says
 * which.
 */
int probe_get(struct kvm_host *kvm, struct probe_result *res, bool *cached,
	      char *err, size_t errlen);

/* The cache file's path, or "" when there is nowhere to keep it. */
void probe_cache_path(char *buf, size_t len);

/* What the probe found, for people (hyve --probe). */
void probe_print(FILE *out, const struct probe_result *res);

/* Convenience: the guest cannot run this instruction at CPL 0. */
static inline bool probe_insn_broken(const struct probe_result *res,
				     enum probe_insn i)
{
	return res->insn[i] == PROBE_EMUL_FAIL || res->insn[i] == PROBE_HANGS ||
	       res->insn[i] == PROBE_WRONG_CPL;
}

#endif
