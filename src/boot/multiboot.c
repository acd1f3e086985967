/* multiboot.c: Multiboot 1 kernels.  See multiboot.h. */
#include "boot/multiboot.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86/memmap.h"
#include "boot/elf.h"

#define MB_PAGE_ALIGN  (1u << 0)
#define MB_MEMORY_INFO (1u << 1)
#define MB_VIDEO_MODE  (1u << 2)
#define MB_AOUT_KLUDGE (1u << 16)
#define MB_KNOWN_FLAGS (MB_PAGE_ALIGN | MB_MEMORY_INFO | MB_VIDEO_MODE)
#define MB_REQUIRED    0xffffu /* bits 0-15 must be understood */

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

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

bool multiboot_find(struct loader_file *f)
{
	uint8_t buf[MULTIBOOT_SEARCH];
	uint64_t n = f->size < sizeof(buf) ? f->size : sizeof(buf);

	if (loader_read(f, 0, buf, n))
		return false;
	/* The header is 32-bit aligned; it needs at least magic..checksum. */
	for (uint64_t off = 0; off + 12 <= n; off += 4) {
		uint32_t magic = get32(buf + off), flags = get32(buf + off + 4);

		if (magic != MULTIBOOT_HEADER_MAGIC ||
		    (uint32_t)(magic + flags + get32(buf + off + 8)) != 0)
			continue;
		/* The address fields must lie in the searched bytes too. */
		if ((flags & MB_AOUT_KLUDGE) && off + 32 > n)
			continue;
		f->mb = (struct loader_multiboot){ .offset = off,
						   .flags = flags };
		if (flags & MB_AOUT_KLUDGE) {
			f->mb.header_addr = get32(buf + off + 12);
			f->mb.load_addr = get32(buf + off + 16);
			f->mb.load_end_addr = get32(buf + off + 20);
			f->mb.bss_end_addr = get32(buf + off + 24);
			f->mb.entry_addr = get32(buf + off + 28);
		}
		return true;
	}
	return false;
}

/* The address fields: consistent, and naming bytes that are in the file. */
static int multiboot_check_aout(const struct loader_file *f, char *err,
				size_t errlen)
{
	const struct loader_multiboot *mb = &f->mb;
	uint64_t off, len;

	if (mb->offset + 32 > f->size || mb->header_addr < mb->load_addr ||
	    mb->header_addr - mb->load_addr > mb->offset ||
	    (mb->load_end_addr && mb->load_end_addr <= mb->load_addr) ||
	    (mb->bss_end_addr && mb->load_end_addr &&
	     mb->bss_end_addr < mb->load_end_addr)) {
		snprintf(err, errlen,
			 "%s: the Multiboot header's address fields are "
			 "inconsistent",
			 f->name);
		return -ENOEXEC;
	}
	off = mb->offset - (mb->header_addr - mb->load_addr);
	len = mb->load_end_addr ? mb->load_end_addr - mb->load_addr
				: f->size - off;
	if (len > f->size - off) {
		snprintf(err, errlen,
			 "%s: truncated Multiboot image: %#" PRIx64
			 " bytes at file offset %#" PRIx64 " but the file has "
			 "%" PRIu64,
			 f->name, len, off, f->size);
		return -ENOEXEC;
	}
	if (mb->entry_addr < mb->load_addr ||
	    mb->entry_addr - mb->load_addr >= len) {
		snprintf(err, errlen,
			 "%s: Multiboot entry point %#x is not inside the "
			 "loaded image",
			 f->name, mb->entry_addr);
		return -ENOEXEC;
	}
	return 0;
}

int multiboot_check(struct loader_file *f, char *err, size_t errlen)
{
	uint32_t unknown = f->mb.flags & MB_REQUIRED & ~MB_KNOWN_FLAGS;
	int r;

	if (unknown) {
		snprintf(err, errlen,
			 "%s: the Multiboot header requires features hyve "
			 "lacks (flags %#x)",
			 f->name, unknown);
		return -ENOTSUP;
	}
	if (f->mb.flags & MB_AOUT_KLUDGE)
		return multiboot_check_aout(f, err, errlen);
	if (!elf_is_elf(f)) {
		snprintf(err, errlen,
			 "%s: a Multiboot kernel that is not an ELF needs the "
			 "header's address fields (flag 16)",
			 f->name);
		return -ENOEXEC;
	}
	r = elf_parse(f, err, errlen);
	if (!r && f->eh.e_entry > UINT32_MAX) {
		snprintf(err, errlen,
			 "%s: Multiboot entry point %#" PRIx64
			 " is above 4 GiB",
			 f->name, (uint64_t)f->eh.e_entry);
		return -ENOEXEC;
	}
	return r ? r
		 : elf_check_entry(f, f->eh.e_entry, "entry point", err,
				   errlen);
}

static int multiboot_load_aout(const struct loader_file *f,
			       const struct guest_mem *gm,
			       struct loader_image *img, char *err,
			       size_t errlen)
{
	const struct loader_multiboot *mb = &f->mb;
	uint64_t off = mb->offset - (mb->header_addr - mb->load_addr);
	uint64_t len = mb->load_end_addr ? mb->load_end_addr - mb->load_addr
					 : f->size - off;
	uint64_t end = mb->bss_end_addr > mb->load_addr + len
			       ? mb->bss_end_addr
			       : mb->load_addr + len;
	uint8_t *dst;

	if (mb->load_addr < MEMMAP_BOOT_AREA_END ||
	    !(dst = mem_ptr(gm, mb->load_addr, end - mb->load_addr))) {
		snprintf(err, errlen,
			 "%s: the Multiboot image at %#x (%#" PRIx64
			 " bytes) is outside guest RAM above 1 MiB",
			 f->name, mb->load_addr, end - mb->load_addr);
		return -ERANGE;
	}
	if (loader_read(f, off, dst, len)) {
		snprintf(err, errlen, "%s: read failed", f->name);
		return -EIO;
	}
	memset(dst + len, 0, end - mb->load_addr - len);
	img->start = mb->load_addr;
	img->end = end;
	img->entry = mb->entry_addr;
	return 0;
}

int multiboot_load(const struct loader_file *f, const struct guest_mem *gm,
		   struct loader_image *img, char *err, size_t errlen)
{
	int r;

	*img = (struct loader_image){ .format = LOADER_MULTIBOOT,
				      .entry_kind = LOADER_ENTRY_MULTIBOOT,
				      .mb = &f->mb };
	if (f->mb.flags & MB_AOUT_KLUDGE)
		return multiboot_load_aout(f, gm, img, err, errlen);
	r = elf_load(f, gm, img, err, errlen);
	img->entry = f->eh.e_entry;
	return r;
}

void multiboot_info(const struct multiboot_params *p, uint8_t *out)
{
	uint32_t flags = MULTIBOOT_INFO_MEMORY | MULTIBOOT_INFO_CMDLINE |
			 MULTIBOOT_INFO_MODS | MULTIBOOT_INFO_MEM_MAP |
			 MULTIBOOT_INFO_LOADER_NAME;

	memset(out, 0, MULTIBOOT_INFO_SIZE);
	put32(out + 0, flags);
	put32(out + 4, p->mem_lower_kib);
	put32(out + 8, p->mem_upper_kib);
	put32(out + 16, p->cmdline);
	put32(out + 20, p->mods_count);
	put32(out + 24, p->mods);
	put32(out + 44, p->mmap_length);
	put32(out + 48, p->mmap);
	put32(out + 64, p->loader_name);
}

size_t multiboot_mmap(const struct e820_entry *map, unsigned int n,
		      uint8_t *out, size_t cap)
{
	size_t len = 0;

	for (unsigned int i = 0; i < n && cap - len >= MULTIBOOT_MMAP_SIZE;
	     i++, len += MULTIBOOT_MMAP_SIZE) {
		/* size counts the bytes after itself (3.3, "mmap_*"). */
		put32(out + len, MULTIBOOT_MMAP_SIZE - 4);
		put64(out + len + 4, map[i].addr);
		put64(out + len + 12, map[i].size);
		put32(out + len + 20, map[i].type);
	}
	return len;
}

void multiboot_mods(const struct multiboot_module *mods, unsigned int n,
		    uint8_t *out)
{
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *e = out + i * MULTIBOOT_MOD_SIZE;
		put32(e, mods[i].start);
		put32(e + 4, mods[i].end);
		put32(e + 8, mods[i].string);
		put32(e + 12, 0);
	}
}
