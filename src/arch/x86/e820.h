/*
 * e820.h: the guest's physical memory map in the PC BIOS's E820 form
 * (ACPI 6.x, 15 "System Address Map Interfaces"), which every boot
 * protocol hands over in its own wrapping: the Linux zero page, PVH's
 * hvm_memmap_table, Multiboot's mmap, fw_cfg's etc/e820.  Pure.
 */
#ifndef HYVE_ARCH_X86_E820_H
#define HYVE_ARCH_X86_E820_H

#include <stdint.h>

#include "vmm/mem.h"

#define E820_RAM      1
#define E820_RESERVED 2
#define E820_ACPI     3
#define E820_NVS      4

#define E820_MAX 16 /* entries hyve ever makes */

struct e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
};

/*
 * The map of gm per memmap.h: RAM below 640 KiB less the EBDA, the BIOS
 * area 0x9fc00-0xfffff reserved (the firmware tables live there), RAM from
 * 1 MiB to the MMIO hole, KVM's pages in the hole reserved, RAM above
 * 4 GiB.  Returns the number of entries written (at most max), sorted.
 */
unsigned int e820_build(const struct guest_mem *gm, struct e820_entry *map,
			unsigned int max);

/* The end of the RAM entry that contains 1 MiB (the usual "mem_upper"). */
uint64_t e820_low_ram_end(const struct e820_entry *map, unsigned int n);

#endif
