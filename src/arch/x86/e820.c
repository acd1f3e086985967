/* e820.c: the guest memory map.  See e820.h. */
#include "arch/x86/e820.h"

#include "arch/x86/memmap.h"

static unsigned int e820_add(struct e820_entry *map, unsigned int n,
			     unsigned int max, uint64_t addr, uint64_t size,
			     uint32_t type)
{
	if (size == 0 || n >= max)
		return n;
	map[n] =
		(struct e820_entry){ .addr = addr, .size = size, .type = type };
	return n + 1;
}

/*
 * What hyve uses in the MMIO hole: the PCI ECAM (the PCI Firmware
 * Specification asks firmware to reserve it), the SYSCALL trap and KVM's
 * pages.
 */
static unsigned int e820_hole(struct e820_entry *map, unsigned int n,
			      unsigned int max)
{
	n = e820_add(map, n, max, MEMMAP_PCI_ECAM, MEMMAP_PCI_ECAM_SIZE,
		     E820_RESERVED);
	n = e820_add(map, n, max, MEMMAP_TRAP_GPA, MEMMAP_TRAP_SIZE,
		     E820_RESERVED);
	return e820_add(map, n, max, MEMMAP_KVM_PAGES, MEMMAP_KVM_PAGES_SIZE,
			E820_RESERVED);
}

unsigned int e820_build(const struct guest_mem *gm, struct e820_entry *map,
			unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < gm->count; i++) {
		const struct mem_region *r = &gm->region[i];
		uint64_t end = r->gpa + r->size;

		if (r->gpa < MEMMAP_EBDA) {
			/* The low region: split around the BIOS area. */
			n = e820_add(map, n, max, r->gpa,
				     (end < MEMMAP_EBDA ? end : MEMMAP_EBDA) -
					     r->gpa,
				     E820_RAM);
			n = e820_add(map, n, max, MEMMAP_EBDA,
				     MEMMAP_BOOT_AREA_END - MEMMAP_EBDA,
				     E820_RESERVED);
			if (end > MEMMAP_BOOT_AREA_END)
				n = e820_add(map, n, max, MEMMAP_BOOT_AREA_END,
					     end - MEMMAP_BOOT_AREA_END,
					     E820_RAM);
		} else {
			if (r->gpa >= MEMMAP_HOLE_END)
				n = e820_hole(map, n, max);
			n = e820_add(map, n, max, r->gpa, r->size, E820_RAM);
		}
	}
	/* The hole's reserved parts, when no RAM lies above it. */
	if (n && map[n - 1].addr < MEMMAP_HOLE_END)
		n = e820_hole(map, n, max);
	return n;
}

uint64_t e820_low_ram_end(const struct e820_entry *map, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (map[i].type == E820_RAM &&
		    map[i].addr <= MEMMAP_BOOT_AREA_END &&
		    map[i].addr + map[i].size > MEMMAP_BOOT_AREA_END)
			return map[i].addr + map[i].size;
	return MEMMAP_BOOT_AREA_END;
}
