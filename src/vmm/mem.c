/* mem.c: guest RAM regions and the bounds-checked accessors.  See mem.h. */
#include "vmm/mem.h"

#include <errno.h>
#include <string.h>

#include "arch/x86/memmap.h"

int mem_add_region(struct guest_mem *gm, uint64_t gpa, uint64_t size,
		   void *host)
{
	if (size == 0 || gpa + size < gpa || gm->count >= MEM_MAX_REGIONS)
		return -EINVAL;
	for (unsigned int i = 0; i < gm->count; i++) {
		const struct mem_region *r = &gm->region[i];
		if (gpa < r->gpa + r->size && r->gpa < gpa + size)
			return -EINVAL;
	}
	gm->region[gm->count++] = (struct mem_region){
		.gpa = gpa,
		.size = size,
		.host = host,
	};
	gm->ram_bytes += size;
	return 0;
}

int mem_layout_ram(struct guest_mem *gm, void *host, uint64_t ram_bytes)
{
	uint64_t low = ram_bytes;
	int err;

	memset(gm, 0, sizeof(*gm));
	if (low > MEMMAP_HOLE_START)
		low = MEMMAP_HOLE_START;
	err = mem_add_region(gm, 0, low, host);
	if (err || low == ram_bytes)
		return err;
	return mem_add_region(gm, MEMMAP_HOLE_END, ram_bytes - low,
			      (uint8_t *)host + low);
}

static const struct mem_region *mem_find(const struct guest_mem *gm,
					 uint64_t gpa, uint64_t len)
{
	for (unsigned int i = 0; i < gm->count; i++) {
		const struct mem_region *r = &gm->region[i];
		/* gpa - r->gpa cannot underflow once gpa >= r->gpa. */
		if (gpa >= r->gpa && gpa - r->gpa <= r->size &&
		    len <= r->size - (gpa - r->gpa))
			return r;
	}
	return NULL;
}

bool mem_range_ok(const struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	return mem_find(gm, gpa, len) != NULL;
}

void *mem_ptr(const struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	const struct mem_region *r = mem_find(gm, gpa, len);

	return r ? r->host + (gpa - r->gpa) : NULL;
}

int mem_read(const struct guest_mem *gm, uint64_t gpa, void *dst, uint64_t len)
{
	const void *p = mem_ptr(gm, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(dst, p, len);
	return 0;
}

int mem_write(const struct guest_mem *gm, uint64_t gpa, const void *src,
	      uint64_t len)
{
	void *p = mem_ptr(gm, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(p, src, len);
	return 0;
}
