/*
 * quirks.h: what hyve does about a host whose KVM cannot run everything a
 * guest kernel does (vmm/probe.h), decided in one place from the probe:
 *
 *  - instructions KVM fails to complete are completed by hyve
 *    (vmm/emulate.h), always: that is correctness, not a quirk;
 *  - when every vmcall hangs: withhold the KVM paravirtual features that
 *    make hypercalls, and run the vmcall watchdog;
 *  - when a SYSCALL from user mode reaches MSR_LSTAR without leaving CPL 3:
 *    the SYSCALL repair (vmm/emulate.h), without which no user program
 *    could make a system call;
 *  - CPUID bits that follow hyve are dropped when their instructions fail
 *    (CX16 for cmpxchg16b, RDTSCP for rdtscp, XSAVE, SMAP), so the guest
 *    never uses them;
 *  - for a Linux guest, kernel parameters for what cannot be completed
 *    cheaply and cannot be hidden: `noxsave` (the xsave family), and
 *    `clearcpuid=smap` (CLAC/STAC would cost an exit on every user access).
 *
 * With --no-host-quirks the CPUID drops and the parameters are left out
 * (completion and the watchdog stay).  On a host where the probe finds
 * nothing, nothing is done.  Pure.
 */
#ifndef HYVE_MACHINE_QUIRKS_H
#define HYVE_MACHINE_QUIRKS_H

#include <stdbool.h>
#include <stddef.h>

#include "arch/x86/cpuid.h"
#include "vmm/probe.h"

#define QUIRKS_CMDLINE_MAX 128

struct quirks {
	bool vmcall_watchdog;
	bool syscall_repair; /* user-mode SYSCALL lands at CPL 3 */
	uint32_t kvm_features_drop;
	struct cpuid_edit cpuid_drops[8];
	unsigned int ncpuid_drops;
	char cmdline[QUIRKS_CMDLINE_MAX]; /* " noxsave ...", or "" */
};

/* Decide, for a Linux guest (linux) or any other, with or without quirks. */
void quirks_decide(const struct probe_result *probe, bool linux_guest,
		   bool enabled, struct quirks *q);

/* One line for --verbose: what was decided and why. */
void quirks_describe(const struct quirks *q, char *buf, size_t len);

#endif
