/*
 * emulate.h: finishing, in userspace, the instructions this host's KVM
 * cannot (see vmm/probe.h and ENVIRONMENT.md), as bhyve's instruction
 * emulator does for its own exits.
 *
 * Two ways in, both on the vCPU's own thread:
 *  - KVM_EXIT_INTERNAL_ERROR with KVM_INTERNAL_ERROR_EMULATION: the bytes
 *    come from KVM's record (or are read at CS:RIP through the guest's page
 *    tables), arch/x86/complete.c decodes and executes the instruction on
 *    the vCPU's registers and x87 state, and the result is written back
 *    (KVM_SET_REGS, KVM_SET_FPU, and KVM_SET_VCPU_EVENTS for an exception
 *    such as int3's #BP);
 *  - a vCPU kicked out of KVM_RUN by the vmcall watchdog (vm.h) whose RIP
 *    sits on a vmcall or vmmcall: completed as an unknown hypercall.
 * Each completion is counted per instruction for --stats.
 */
#ifndef HYVE_VMM_EMULATE_H
#define HYVE_VMM_EMULATE_H

#include <stdbool.h>

#include "vmm/vm.h"

/*
 * The SYSCALL repair, for hosts where a user-mode SYSCALL reaches MSR_LSTAR
 * without leaving CPL 3 (vmm/probe.h), so that the first instruction there
 * faults (#PF, a kernel page fetched at CPL 3).  When the guest writes
 * MSR_LSTAR (a KVM MSR filter sends the write here), hyve has set up
 * system calls: it points the guest IDT's #PF gate at MEMMAP_TRAP_VA,
 * which one PML4 entry in the hypervisor hole maps to MMIO that nothing
 * backs, so every #PF exits to hyve on the way to the guest's handler.
 * emulate_complete then finishes a SYSCALL that faulted at MSR_LSTAR from
 * CPL 3, and sends any other fault on to the guest's own handler.
 */

/* KVM_EXIT_X86_WRMSR for a filtered MSR; false on failure. */
bool emulate_msr(struct vcpu *v);

/* An emulation failure: true if completed (re-enter), false to report. */
bool emulate_complete(struct vcpu *v);

/* After a watchdog kick: complete a vmcall at RIP, if there is one. */
void emulate_check_vmcall(struct vcpu *v);

#endif
