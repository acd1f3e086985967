/*
 * pvh.h: the PVH boot protocol (Xen's docs/misc/pvh.pandoc and
 * xen/include/public/arch-x86/hvm/start_info.h), as Linux, FreeBSD and
 * many unikernels speak it: the kernel's ELF carries the
 * XEN_ELFNOTE_PHYS32_ENTRY note; the boot vCPU enters there in 32-bit
 * protected mode with paging off and EBX = struct hvm_start_info, which
 * gives the command line, the modules (the initramfs is the first), the
 * RSDP and the memory map.  Pure builders.
 */
#ifndef HYVE_BOOT_PVH_H
#define HYVE_BOOT_PVH_H

#include <stdint.h>

#include "arch/x86/e820.h"

#define PVH_START_MAGIC	 0x336ec578u
#define PVH_START_SIZE	 56 /* version 1 */
#define PVH_MODLIST_SIZE 32 /* per module */
#define PVH_MEMMAP_SIZE	 24 /* per entry */

struct pvh_params {
	uint64_t cmdline; /* guest-physical */
	uint64_t rsdp;	  /* 0: none */
	uint64_t modlist; /* guest-physical, nr_modules entries */
	uint32_t nr_modules;
	uint64_t memmap; /* guest-physical, memmap_entries entries */
	uint32_t memmap_entries;
};

/* struct hvm_start_info, version 1 (PVH_START_SIZE bytes). */
void pvh_start_info(const struct pvh_params *p, uint8_t *out);

/* One hvm_modlist_entry (PVH_MODLIST_SIZE bytes). */
void pvh_module(uint64_t paddr, uint64_t size, uint64_t cmdline, uint8_t *out);

/* The hvm_memmap_table (n entries of PVH_MEMMAP_SIZE bytes). */
void pvh_memmap(const struct e820_entry *map, unsigned int n, uint8_t *out);

#endif
