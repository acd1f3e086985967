/*
 * longmode.h: the CPU state for entering a guest directly in 64-bit mode.
 *
 * longmode_build() writes a GDT, a TSS and identity-mapped page tables into
 * guest memory at the places memmap.h gives; longmode_sregs()/_regs() fill
 * the register structures for KVM_SET_SREGS/KVM_SET_REGS.  Pure: no ioctls,
 * so unit tests can check the tables and registers.  Used by main before
 * any vCPU runs.
 */
#ifndef HYVE_ARCH_X86_LONGMODE_H
#define HYVE_ARCH_X86_LONGMODE_H

#include <linux/kvm.h>
#include <stdint.h>

#include "arch/x86/x86.h"
#include "vmm/mem.h"

/*
 * The identity map covers [0, top) with 2 MiB pages, where top is the larger
 * of 4 GiB and the end of RAM; -E2BIG if that needs more page directories
 * than memmap.h reserves, -EFAULT if the tables do not fit in RAM.
 */
int longmode_build(const struct guest_mem *gm);

/* The end of the identity map longmode_build makes for this RAM. */
uint64_t longmode_map_top(const struct guest_mem *gm);

/* Long mode, paging on, CS = 64-bit code at CPL 0, TR = the TSS. */
void longmode_sregs(struct kvm_sregs *s);

/*
 * 32-bit protected mode with paging off, as PVH and Multiboot want: CS a
 * flat 32-bit code segment (0x08), the data segments flat (0x18), TR a busy
 * TSS, CR0 = PE|ET, CR4 = 0, EFER = 0.  The GDT of longmode_build.
 */
void longmode_sregs_prot32(struct kvm_sregs *s);

/* RIP = entry, RSP = memmap.h's stack, RDI = boot info, interrupts off. */
void longmode_regs(struct kvm_regs *r, uint64_t entry);

#endif
