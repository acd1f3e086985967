/*
 * elf.c: ELF64 executables for x86-64.  See elf.h and loader.h.
 *
 * ELF facts (System V ABI, "ELF-64 Object File Format"): the file header is
 * 64 bytes; e_ident holds the magic, class (2 = 64-bit) and data encoding
 * (1 = little-endian); e_machine 62 is x86-64; program headers of type
 * PT_LOAD (1) give p_filesz bytes at p_offset to copy to p_paddr,
 * zero-filled to p_memsz.
 */
#include "boot/elf.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86/memmap.h"

bool elf_is_elf(const struct loader_file *f)
{
	uint8_t magic[SELFMAG];

	return loader_read(f, 0, magic, sizeof(magic)) == 0 &&
	       !memcmp(magic, ELFMAG, SELFMAG);
}

static bool elf_loadable(const Elf64_Phdr *p)
{
	return p->p_type == PT_LOAD && p->p_memsz != 0;
}

static int elf_check_header(struct loader_file *f, char *err, size_t errlen)
{
	const Elf64_Ehdr *eh = &f->eh;

	if (loader_read(f, 0, &f->eh, sizeof(f->eh))) {
		snprintf(err, errlen,
			 "%s: truncated ELF: %" PRIu64
			 " bytes, the header alone needs %zu",
			 f->name, f->size, sizeof(f->eh));
		return -ENOEXEC;
	}
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG)) {
		snprintf(err, errlen, "%s: not an ELF file", f->name);
		return -ENOEXEC;
	}
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB) {
		snprintf(err, errlen,
			 "%s: not a 64-bit little-endian ELF (class %u, data "
			 "%u)",
			 f->name, eh->e_ident[EI_CLASS], eh->e_ident[EI_DATA]);
		return -ENOEXEC;
	}
	if (eh->e_machine != EM_X86_64) {
		snprintf(err, errlen,
			 "%s: ELF machine type is %u, not x86-64 (%u)", f->name,
			 eh->e_machine, EM_X86_64);
		return -ENOEXEC;
	}
	if (eh->e_type != ET_EXEC) {
		snprintf(err, errlen,
			 "%s: ELF type is %u; hyve loads executables (ET_EXEC)",
			 f->name, eh->e_type);
		return -ENOEXEC;
	}
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 ||
	    eh->e_phnum > LOADER_MAX_PHDRS) {
		snprintf(err, errlen,
			 "%s: bad ELF program headers (%u of %u bytes)",
			 f->name, eh->e_phnum, eh->e_phentsize);
		return -ENOEXEC;
	}
	return 0;
}

static int elf_read_phdrs(struct loader_file *f, char *err, size_t errlen)
{
	if (loader_read(f, f->eh.e_phoff, f->ph,
			(uint64_t)f->eh.e_phnum * sizeof(f->ph[0]))) {
		snprintf(err, errlen,
			 "%s: truncated ELF: program headers at %#" PRIx64
			 " run past the end of the file",
			 f->name, (uint64_t)f->eh.e_phoff);
		return -ENOEXEC;
	}
	return 0;
}

/* One segment against the file: sizes, and its bytes all in the file. */
static int elf_check_segment(const struct loader_file *f, unsigned int i,
			     char *err, size_t errlen)
{
	const Elf64_Phdr *p = &f->ph[i];

	if (p->p_filesz > p->p_memsz) {
		snprintf(err, errlen,
			 "%s: ELF segment %u has more file bytes than memory "
			 "bytes",
			 f->name, i);
		return -ENOEXEC;
	}
	if (p->p_memsz &&
	    (p->p_offset > f->size || p->p_filesz > f->size - p->p_offset)) {
		snprintf(err, errlen,
			 "%s: truncated ELF: segment %u needs %#" PRIx64
			 " bytes at file offset %#" PRIx64
			 " but the file has %" PRIu64,
			 f->name, i, (uint64_t)p->p_filesz,
			 (uint64_t)p->p_offset, f->size);
		return -ENOEXEC;
	}
	return 0;
}

/* Segment i against the loadable segments before it. */
static int elf_check_overlap(const struct loader_file *f, unsigned int i,
			     char *err, size_t errlen)
{
	const Elf64_Phdr *p = &f->ph[i];

	for (unsigned int j = 0; j < i; j++) {
		const Elf64_Phdr *q = &f->ph[j];

		if (!elf_loadable(q))
			continue;
		/* Written as differences, so that no end can wrap. */
		if (p->p_paddr >= q->p_paddr
			    ? p->p_paddr - q->p_paddr < q->p_memsz
			    : q->p_paddr - p->p_paddr < p->p_memsz) {
			snprintf(err, errlen,
				 "%s: ELF segments %u and %u overlap at "
				 "%#" PRIx64,
				 f->name, j, i,
				 (uint64_t)(p->p_paddr > q->p_paddr
						    ? p->p_paddr
						    : q->p_paddr));
			return -ENOEXEC;
		}
	}
	return 0;
}

static bool elf_entry_inside(const struct loader_file *f)
{
	for (unsigned int i = 0; i < f->eh.e_phnum; i++) {
		const Elf64_Phdr *p = &f->ph[i];

		if (elf_loadable(p) && f->eh.e_entry >= p->p_paddr &&
		    f->eh.e_entry - p->p_paddr < p->p_memsz)
			return true;
	}
	return false;
}

int elf_check(struct loader_file *f, char *err, size_t errlen)
{
	unsigned int nload = 0;
	int r;

	r = elf_check_header(f, err, errlen);
	if (!r)
		r = elf_read_phdrs(f, err, errlen);
	for (unsigned int i = 0; !r && i < f->eh.e_phnum; i++) {
		if (f->ph[i].p_type != PT_LOAD)
			continue;
		r = elf_check_segment(f, i, err, errlen);
		if (!r && elf_loadable(&f->ph[i])) {
			nload++;
			r = elf_check_overlap(f, i, err, errlen);
		}
	}
	if (r)
		return r;
	if (nload == 0) {
		snprintf(err, errlen, "%s: ELF has no loadable segment",
			 f->name);
		return -ENOEXEC;
	}
	if (!elf_entry_inside(f)) {
		snprintf(err, errlen,
			 "%s: ELF entry point %#" PRIx64
			 " is not inside a loaded segment",
			 f->name, (uint64_t)f->eh.e_entry);
		return -ENOEXEC;
	}
	return 0;
}

/* Every loadable segment must be RAM at or above the boot area. */
static int elf_check_ram(const struct loader_file *f,
			 const struct guest_mem *gm, char *err, size_t errlen)
{
	for (unsigned int i = 0; i < f->eh.e_phnum; i++) {
		const Elf64_Phdr *p = &f->ph[i];

		if (!elf_loadable(p))
			continue;
		if (p->p_paddr < MEMMAP_BOOT_AREA_END ||
		    !mem_range_ok(gm, p->p_paddr, p->p_memsz)) {
			snprintf(err, errlen,
				 "%s: ELF segment %u at %#" PRIx64 " (%#" PRIx64
				 " bytes) is outside guest RAM "
				 "above 1 MiB (RAM is %" PRIu64 " MiB)",
				 f->name, i, (uint64_t)p->p_paddr,
				 (uint64_t)p->p_memsz, gm->ram_bytes >> 20);
			return -ERANGE;
		}
	}
	return 0;
}

static int elf_copy(const struct loader_file *f, const struct guest_mem *gm,
		    struct loader_image *img, char *err, size_t errlen)
{
	img->start = UINT64_MAX;
	img->end = 0;
	for (unsigned int i = 0; i < f->eh.e_phnum; i++) {
		const Elf64_Phdr *p = &f->ph[i];
		uint8_t *dst;

		if (!elf_loadable(p))
			continue;
		dst = mem_ptr(gm, p->p_paddr, p->p_memsz);
		if (!dst || loader_read(f, p->p_offset, dst, p->p_filesz)) {
			snprintf(err, errlen, "%s: read of segment %u failed",
				 f->name, i);
			return -EIO;
		}
		memset(dst + p->p_filesz, 0, p->p_memsz - p->p_filesz);
		if (p->p_paddr < img->start)
			img->start = p->p_paddr;
		if (p->p_paddr + p->p_memsz > img->end)
			img->end = p->p_paddr + p->p_memsz;
	}
	return 0;
}

int elf_load(const struct loader_file *f, const struct guest_mem *gm,
	     struct loader_image *img, char *err, size_t errlen)
{
	int r = elf_check_ram(f, gm, err, errlen);

	if (!r)
		r = elf_copy(f, gm, img, err, errlen);
	if (r)
		return r;
	img->format = LOADER_ELF;
	img->entry = f->eh.e_entry;
	return 0;
}
