/*
 * mem.h: guest memory and the bounds-checked helpers that are the only way
 * hyve touches it.
 *
 * A guest_mem is a list of RAM regions, each a guest-physical range backed by
 * host memory.  Every guest-supplied address, length, index and count is
 * turned into a host pointer by mem_ptr() or copied by mem_read()/mem_write();
 * they refuse any range that is not wholly inside one region, and are written
 * so that no sum can overflow.  No raw guest pointer escapes this file.
 *
 * This file never calls KVM, so unit tests can use a malloc'd buffer.  The
 * regions are fixed once the VM is built; after that any thread may use the
 * helpers without a lock (the bytes themselves are the guest's business).
 */
#ifndef HYVE_VMM_MEM_H
#define HYVE_VMM_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEM_MAX_REGIONS 4

struct mem_region {
	uint64_t gpa;  /* first guest-physical address */
	uint64_t size; /* bytes */
	uint8_t *host; /* host address of gpa */
};

struct guest_mem {
	struct mem_region region[MEM_MAX_REGIONS];
	unsigned int count;
	uint64_t ram_bytes; /* sum of region sizes */
};

/* Add a region; refuses overlap, wrap-around and a full table (-EINVAL). */
int mem_add_region(struct guest_mem *gm, uint64_t gpa, uint64_t size,
		   void *host);

/*
 * Lay RAM of ram_bytes out per memmap.h: below the MMIO hole, then the rest
 * above 4 GiB, from one host mapping.
 */
int mem_layout_ram(struct guest_mem *gm, void *host, uint64_t ram_bytes);

/* True when [gpa, gpa + len) lies wholly inside one region. */
bool mem_range_ok(const struct guest_mem *gm, uint64_t gpa, uint64_t len);

/* Host pointer for [gpa, gpa + len), or NULL when the range is not RAM. */
void *mem_ptr(const struct guest_mem *gm, uint64_t gpa, uint64_t len);

/* Copy to or from guest memory; 0 or -EFAULT. */
int mem_read(const struct guest_mem *gm, uint64_t gpa, void *dst, uint64_t len);
int mem_write(const struct guest_mem *gm, uint64_t gpa, const void *src,
	      uint64_t len);

#endif
