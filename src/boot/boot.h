/*
 * boot.h: after the loader, the start-of-day state each boot protocol
 * promises: the modules (initramfs images) placed in RAM, the command
 * line, the memory map and the protocol's information block written to
 * the places memmap.h gives, and the boot vCPU's registers.
 *
 *   hyve64     struct hyve_boot_info, RDI (boot64.h)
 *   linux64    the zero page at MEMMAP_ZERO_PAGE, RSI (bzimage.h)
 *   pvh        struct hvm_start_info at MEMMAP_BOOT_INFO, EBX (pvh.h)
 *   multiboot  the Multiboot information at MEMMAP_BOOT_INFO, EBX, and
 *              EAX = 0x2badb002 (multiboot.h)
 *
 * Modules are placed at the top of the RAM below the MMIO hole (and below
 * the kernel's initrd_addr_max for a bzImage), page-aligned, clear of the
 * kernel.  Pure over guest memory; main calls it once before the vCPUs run.
 */
#ifndef HYVE_BOOT_BOOT_H
#define HYVE_BOOT_BOOT_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/loader.h"
#include "vmm/mem.h"

#define BOOT_MAX_MODULES 16

/* A module (initramfs) held by hyve, to be copied into guest RAM. */
struct boot_module {
	const char *name; /* its path: messages, and Multiboot's string */
	const void *data;
	size_t size;
};

struct boot_plan {
	const struct loader_image *img;
	const char *cmdline;
	size_t cmdline_added; /* bytes at its end that hyve added (quirks) */
	unsigned int cpus;
	const struct boot_module *mods;
	unsigned int nmods;
	uint64_t rsdp; /* 0: no ACPI tables */
};

/* Where boot_setup put each module; for --verbose and tests. */
struct boot_placed {
	uint64_t mod_addr[BOOT_MAX_MODULES];
};

/*
 * Write everything the protocol needs into gm and fill the registers; sregs
 * must come from KVM_GET_SREGS.  err gets one line on failure (a command
 * line the kernel cannot take, modules that do not fit, ...).
 */
int boot_setup(const struct guest_mem *gm, const struct boot_plan *plan,
	       struct kvm_regs *regs, struct kvm_sregs *sregs,
	       struct boot_placed *placed, char *err, size_t errlen);

#endif
