/* pvh.c: the PVH start-of-day structures.  See pvh.h. */
#include "boot/pvh.h"

#include <string.h>

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

void pvh_start_info(const struct pvh_params *p, uint8_t *out)
{
	memset(out, 0, PVH_START_SIZE);
	put32(out + 0, PVH_START_MAGIC);
	put32(out + 4, 1); /* version: the memory map fields are valid */
	put32(out + 8, 0); /* flags */
	put32(out + 12, p->nr_modules);
	put64(out + 16, p->modlist);
	put64(out + 24, p->cmdline);
	put64(out + 32, p->rsdp);
	put64(out + 40, p->memmap);
	put32(out + 48, p->memmap_entries);
}

void pvh_module(uint64_t paddr, uint64_t size, uint64_t cmdline, uint8_t *out)
{
	memset(out, 0, PVH_MODLIST_SIZE);
	put64(out, paddr);
	put64(out + 8, size);
	put64(out + 16, cmdline);
}

void pvh_memmap(const struct e820_entry *map, unsigned int n, uint8_t *out)
{
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *e = out + i * PVH_MEMMAP_SIZE;
		put64(e, map[i].addr);
		put64(e + 8, map[i].size);
		put32(e + 16, map[i].type);
		put32(e + 20, 0);
	}
}
