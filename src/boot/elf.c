/*
 * elf.c: ELF executables, 64-bit and 32-bit, for x86.  See elf.h.
 *
 * ELF facts (System V ABI, "ELF-64 Object File Format" and the i386
 * supplement): the file header is 64 bytes (52 for ELF32); e_ident holds the
 * magic, class (1 = 32-bit, 2 = 64-bit) and data encoding (1 = little
 * endian); e_machine 62 is x86-64 and 3 is i386; program headers of type
 * PT_LOAD (1) give p_filesz bytes at p_offset to copy to p_paddr,
 * zero-filled to p_memsz; PT_NOTE (4) segments hold notes: namesz, descsz,
 * type, then the name and the descriptor, each padded to 4 bytes.
 *
 * The PVH boot protocol (Xen's docs/misc/pvh.pandoc) marks a kernel with the
 * note "Xen", type XEN_ELFNOTE_PHYS32_ENTRY (18), whose descriptor is the
 * 32-bit physical entry point (Linux stores it in a pointer-sized field).
 *
 * ELF32 headers are converted to the 64-bit structures as they are read, so
 * the rest of hyve sees one shape.
 */
#include "boot/elf.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86/memmap.h"

#define ELF_NOTE_XEN_PHYS32_ENTRY 18
#define ELF_MAX_NOTES		  4096 /* bytes of notes looked at */

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

/* Read an ELF32 header into the 64-bit shape. */
static int elf_read_ehdr32(struct loader_file *f)
{
	Elf32_Ehdr e;
	Elf64_Ehdr *o = &f->eh;

	if (loader_read(f, 0, &e, sizeof(e)))
		return -ENODATA;
	memcpy(o->e_ident, e.e_ident, EI_NIDENT);
	o->e_type = e.e_type;
	o->e_machine = e.e_machine;
	o->e_version = e.e_version;
	o->e_entry = e.e_entry;
	o->e_phoff = e.e_phoff;
	o->e_shoff = e.e_shoff;
	o->e_flags = e.e_flags;
	o->e_ehsize = e.e_ehsize;
	o->e_phentsize = e.e_phentsize;
	o->e_phnum = e.e_phnum;
	return 0;
}

static int elf_read_header(struct loader_file *f, char *err, size_t errlen)
{
	uint8_t ident[EI_NIDENT];
	size_t need;

	if (loader_read(f, 0, ident, sizeof(ident)) ||
	    memcmp(ident, ELFMAG, SELFMAG)) {
		snprintf(err, errlen, "%s: not an ELF file", f->name);
		return -ENOEXEC;
	}
	f->elf_class = ident[EI_CLASS];
	if ((f->elf_class != ELFCLASS64 && f->elf_class != ELFCLASS32) ||
	    ident[EI_DATA] != ELFDATA2LSB) {
		snprintf(err, errlen,
			 "%s: not a little-endian ELF (class %u, data %u)",
			 f->name, ident[EI_CLASS], ident[EI_DATA]);
		return -ENOEXEC;
	}
	need = f->elf_class == ELFCLASS64 ? sizeof(Elf64_Ehdr)
					  : sizeof(Elf32_Ehdr);
	if ((f->elf_class == ELFCLASS64
		     ? loader_read(f, 0, &f->eh, sizeof(f->eh))
		     : elf_read_ehdr32(f))) {
		snprintf(err, errlen,
			 "%s: truncated ELF: %" PRIu64
			 " bytes, the header alone needs %zu",
			 f->name, f->size, need);
		return -ENOEXEC;
	}
	return 0;
}

/* The header's machine, type and program-header table. */
static int elf_check_header(const struct loader_file *f, char *err,
			    size_t errlen)
{
	const Elf64_Ehdr *eh = &f->eh;
	const bool is64 = f->elf_class == ELFCLASS64;
	const unsigned int machine = is64 ? EM_X86_64 : EM_386;
	const size_t phsize = is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);

	if (eh->e_machine != machine) {
		snprintf(err, errlen, "%s: ELF machine type is %u, not %s (%u)",
			 f->name, eh->e_machine, is64 ? "x86-64" : "i386",
			 machine);
		return -ENOEXEC;
	}
	if (eh->e_type != ET_EXEC) {
		snprintf(err, errlen,
			 "%s: ELF type is %u; hyve loads executables (ET_EXEC)",
			 f->name, eh->e_type);
		return -ENOEXEC;
	}
	if (eh->e_phentsize != phsize || eh->e_phnum == 0 ||
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
	const uint64_t n = f->eh.e_phnum;
	Elf32_Phdr p32[LOADER_MAX_PHDRS];
	int r;

	if (f->elf_class == ELFCLASS64) {
		r = loader_read(f, f->eh.e_phoff, f->ph, n * sizeof(f->ph[0]));
	} else {
		r = loader_read(f, f->eh.e_phoff, p32, n * sizeof(p32[0]));
		for (unsigned int i = 0; !r && i < n; i++)
			f->ph[i] = (Elf64_Phdr){
				.p_type = p32[i].p_type,
				.p_flags = p32[i].p_flags,
				.p_offset = p32[i].p_offset,
				.p_vaddr = p32[i].p_vaddr,
				.p_paddr = p32[i].p_paddr,
				.p_filesz = p32[i].p_filesz,
				.p_memsz = p32[i].p_memsz,
				.p_align = p32[i].p_align,
			};
	}
	if (r) {
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

int elf_parse(struct loader_file *f, char *err, size_t errlen)
{
	unsigned int nload = 0;
	int r;

	r = elf_read_header(f, err, errlen);
	if (!r)
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
	return 0;
}

int elf_check_entry(const struct loader_file *f, uint64_t entry,
		    const char *what, char *err, size_t errlen)
{
	for (unsigned int i = 0; i < f->eh.e_phnum; i++) {
		const Elf64_Phdr *p = &f->ph[i];

		if (elf_loadable(p) && entry >= p->p_paddr &&
		    entry - p->p_paddr < p->p_memsz)
			return 0;
	}
	snprintf(err, errlen,
		 "%s: ELF %s %#" PRIx64 " is not inside a loaded segment",
		 f->name, what, entry);
	return -ENOEXEC;
}

/*
 * Look through one PT_NOTE segment for a note of owner name (and type,
 * unless type is -1); its descriptor's first 4 bytes go to *desc.
 */
static bool elf_note_find(const struct loader_file *f, const Elf64_Phdr *p,
			  const char *owner, int64_t want, uint32_t *desc32)
{
	uint8_t buf[ELF_MAX_NOTES];
	uint64_t len = p->p_filesz < sizeof(buf) ? p->p_filesz : sizeof(buf);

	if (loader_read(f, p->p_offset, buf, len))
		return false;
	for (uint64_t off = 0; off <= len && len - off >= 12;) {
		uint32_t namesz, descsz, type;
		uint64_t name, desc;

		memcpy(&namesz, buf + off, 4);
		memcpy(&descsz, buf + off + 4, 4);
		memcpy(&type, buf + off + 8, 4);
		name = off + 12;
		desc = name + (((uint64_t)namesz + 3) & ~3ULL);
		if (desc > len || descsz > len - desc)
			return false;
		if ((want < 0 || type == want) && namesz == strlen(owner) + 1 &&
		    !memcmp(buf + name, owner, namesz) &&
		    (want < 0 || descsz == 4 || descsz == 8)) {
			if (descsz >= 4)
				memcpy(desc32, buf + desc, 4); /* low 32 bits */
			return true;
		}
		off = desc + (((uint64_t)descsz + 3) & ~3ULL);
	}
	return false;
}

bool elf_find_pvh_entry(const struct loader_file *f, uint64_t *entry)
{
	uint32_t e = 0;

	for (unsigned int i = 0; i < f->eh.e_phnum; i++) {
		if (f->ph[i].p_type == PT_NOTE &&
		    elf_note_find(f, &f->ph[i], "Xen",
				  ELF_NOTE_XEN_PHYS32_ENTRY, &e)) {
			*entry = e;
			return true;
		}
	}
	return false;
}

bool elf_is_linux(const struct loader_file *f)
{
	uint32_t d;

	for (unsigned int i = 0; i < f->eh.e_phnum; i++)
		if (f->ph[i].p_type == PT_NOTE &&
		    elf_note_find(f, &f->ph[i], "Linux", -1, &d))
			return true;
	return false;
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

	return r ? r : elf_copy(f, gm, img, err, errlen);
}
