/*
 * boot64.h: hyve's direct 64-bit boot: the state a raw or ELF guest finds
 * at its entry point.
 *
 *  - 64-bit long mode, CPL 0, interrupts off, paging on with the identity
 *    map of the low 4 GiB and all RAM (longmode.h);
 *  - RIP = the image's entry, RSP = MEMMAP_STACK_TOP;
 *  - RDI = the address of struct hyve_boot_info (memmap.h), which gives the
 *    RAM layout, the vCPU count and the command line.
 *
 * Pure: writes guest memory and fills register structures only.
 */
#ifndef HYVE_BOOT_BOOT64_H
#define HYVE_BOOT_BOOT64_H

#include <linux/kvm.h>
#include <stddef.h>

#include "vmm/mem.h"

/* Write the page tables, GDT, boot info and command line. */
int boot64_setup(const struct guest_mem *gm, unsigned int cpus,
		 const char *cmdline, char *err, size_t errlen);

/* Registers for the boot vCPU; sregs must come from KVM_GET_SREGS. */
void boot64_cpu_state(uint64_t entry, struct kvm_regs *regs,
		      struct kvm_sregs *sregs);

#endif
