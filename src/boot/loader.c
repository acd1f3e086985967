/*
 * loader.c: ELF64 and raw image loading.  See loader.h.
 *
 * ELF facts (System V ABI, ELF-64 object file format): the file header is 64
 * bytes; e_ident holds the magic, class (2 = 64-bit) and data encoding (1 =
 * little-endian); e_machine 62 is x86-64; program headers of type PT_LOAD (1)
 * give p_offset/p_filesz bytes to copy to p_paddr, zero-filled to p_memsz.
 * Linux boot protocol fact: a bzImage has "HdrS" at offset 0x202.
 *
 * Images are read with pread() straight into guest memory, so loading a big
 * image does not double hyve's memory use.
 */
#include "boot/loader.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch/x86/memmap.h"

#define LOADER_MAX_PHDRS 64

/* Where the image's bytes come from: a file or a buffer. */
struct loader_src {
	const char *name;
	int fd; /* -1 when buf is used */
	const uint8_t *buf;
	uint64_t size;
};

/* Copy [off, off + len) of the image; -ENODATA past its end. */
static int src_read(const struct loader_src *src, uint64_t off, void *dst,
		    uint64_t len)
{
	uint8_t *p = dst;

	if (off > src->size || len > src->size - off)
		return -ENODATA;
	if (src->fd < 0) {
		memcpy(p, src->buf + off, len);
		return 0;
	}
	while (len) {
		ssize_t n = pread(src->fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ENODATA; /* the file shrank under us */
		p += n, off += (uint64_t)n, len -= (uint64_t)n;
	}
	return 0;
}

int loader_parse_format(const char *s, enum loader_format *fmt)
{
	if (!strcmp(s, "auto"))
		*fmt = LOADER_AUTO;
	else if (!strcmp(s, "elf"))
		*fmt = LOADER_ELF;
	else if (!strcmp(s, "raw"))
		*fmt = LOADER_RAW;
	else
		return -EINVAL;
	return 0;
}

const char *loader_format_name(enum loader_format fmt)
{
	switch (fmt) {
	case LOADER_ELF:
		return "elf";
	case LOADER_RAW:
		return "raw";
	default:
		return "auto";
	}
}

/* A range may be loaded if it is RAM at or above the boot area. */
static bool loader_range_ok(const struct guest_mem *gm, uint64_t gpa,
			    uint64_t len)
{
	return gpa >= MEMMAP_BOOT_AREA_END && mem_range_ok(gm, gpa, len);
}

static int loader_raw(const struct loader_src *src, const struct guest_mem *gm,
		      struct loader_image *img, char *err, size_t errlen)
{
	void *dst;

	if (!loader_range_ok(gm, MEMMAP_KERNEL, src->size)) {
		snprintf(err, errlen,
			 "%s: raw image of %" PRIu64 " bytes does not fit in "
			 "guest RAM at %#llx",
			 src->name, src->size, MEMMAP_KERNEL);
		return -EFBIG;
	}
	dst = mem_ptr(gm, MEMMAP_KERNEL, src->size);
	if (src_read(src, 0, dst, src->size)) {
		snprintf(err, errlen, "%s: read failed", src->name);
		return -EIO;
	}
	*img = (struct loader_image){
		.format = LOADER_RAW,
		.entry = MEMMAP_KERNEL,
		.start = MEMMAP_KERNEL,
		.end = MEMMAP_KERNEL + src->size,
	};
	return 0;
}

static int loader_elf_header(const struct loader_src *src, Elf64_Ehdr *eh,
			     char *err, size_t errlen)
{
	if (src_read(src, 0, eh, sizeof(*eh))) {
		snprintf(err, errlen,
			 "%s: truncated ELF: %" PRIu64
			 " bytes, the header alone needs %zu",
			 src->name, src->size, sizeof(*eh));
		return -ENOEXEC;
	}
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG)) {
		snprintf(err, errlen, "%s: not an ELF file", src->name);
		return -ENOEXEC;
	}
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB) {
		snprintf(err, errlen,
			 "%s: not a 64-bit little-endian ELF (class %u, data "
			 "%u)",
			 src->name, eh->e_ident[EI_CLASS],
			 eh->e_ident[EI_DATA]);
		return -ENOEXEC;
	}
	if (eh->e_machine != EM_X86_64) {
		snprintf(err, errlen,
			 "%s: ELF machine type is %u, not x86-64 (%u)",
			 src->name, eh->e_machine, EM_X86_64);
		return -ENOEXEC;
	}
	if (eh->e_type != ET_EXEC) {
		snprintf(err, errlen,
			 "%s: ELF type is %u; hyve loads executables (ET_EXEC)",
			 src->name, eh->e_type);
		return -ENOEXEC;
	}
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 ||
	    eh->e_phnum > LOADER_MAX_PHDRS) {
		snprintf(err, errlen,
			 "%s: bad ELF program headers (%u of %u bytes)",
			 src->name, eh->e_phnum, eh->e_phentsize);
		return -ENOEXEC;
	}
	return 0;
}

static int loader_elf(const struct loader_src *src, const struct guest_mem *gm,
		      struct loader_image *img, char *err, size_t errlen)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph[LOADER_MAX_PHDRS];
	unsigned int nload = 0;
	bool entry_ok = false;
	int r;

	r = loader_elf_header(src, &eh, err, errlen);
	if (r)
		return r;
	if (src_read(src, eh.e_phoff, ph, (uint64_t)eh.e_phnum * sizeof(*ph))) {
		snprintf(err, errlen,
			 "%s: truncated ELF: program headers at %#" PRIx64
			 " run past the end of the file",
			 src->name, (uint64_t)eh.e_phoff);
		return -ENOEXEC;
	}

	/* Check everything before writing anything. */
	img->start = UINT64_MAX;
	img->end = 0;
	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		const Elf64_Phdr *p = &ph[i];

		if (p->p_type != PT_LOAD)
			continue;
		if (p->p_filesz > p->p_memsz) {
			snprintf(err, errlen,
				 "%s: ELF segment %u has more file bytes "
				 "than memory bytes",
				 src->name, i);
			return -ENOEXEC;
		}
		if (p->p_memsz == 0)
			continue;
		nload++;
		if (p->p_offset > src->size ||
		    p->p_filesz > src->size - p->p_offset) {
			snprintf(err, errlen,
				 "%s: truncated ELF: segment %u needs bytes "
				 "up to %#" PRIx64 " but the file has %" PRIu64,
				 src->name, i,
				 (uint64_t)(p->p_offset + p->p_filesz),
				 src->size);
			return -ENOEXEC;
		}
		if (!loader_range_ok(gm, p->p_paddr, p->p_memsz)) {
			snprintf(err, errlen,
				 "%s: ELF segment %u at %#" PRIx64 "..%#" PRIx64
				 " is outside guest RAM above 1 MiB "
				 "(RAM is %" PRIu64 " MiB)",
				 src->name, i, (uint64_t)p->p_paddr,
				 (uint64_t)(p->p_paddr + p->p_memsz),
				 gm->ram_bytes >> 20);
			return -ERANGE;
		}
		for (unsigned int j = 0; j < i; j++) {
			const Elf64_Phdr *q = &ph[j];
			if (q->p_type != PT_LOAD || q->p_memsz == 0)
				continue;
			if (p->p_paddr < q->p_paddr + q->p_memsz &&
			    q->p_paddr < p->p_paddr + p->p_memsz) {
				snprintf(err, errlen,
					 "%s: ELF segments %u and %u overlap "
					 "at %#" PRIx64,
					 src->name, j, i,
					 (uint64_t)(p->p_paddr > q->p_paddr
							    ? p->p_paddr
							    : q->p_paddr));
				return -ENOEXEC;
			}
		}
		if (p->p_paddr < img->start)
			img->start = p->p_paddr;
		if (p->p_paddr + p->p_memsz > img->end)
			img->end = p->p_paddr + p->p_memsz;
		if (eh.e_entry >= p->p_paddr &&
		    eh.e_entry - p->p_paddr < p->p_memsz)
			entry_ok = true;
	}
	if (nload == 0) {
		snprintf(err, errlen, "%s: ELF has no loadable segment",
			 src->name);
		return -ENOEXEC;
	}
	if (!entry_ok) {
		snprintf(err, errlen,
			 "%s: ELF entry point %#" PRIx64
			 " is not inside a loaded segment",
			 src->name, (uint64_t)eh.e_entry);
		return -ENOEXEC;
	}

	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		const Elf64_Phdr *p = &ph[i];
		uint8_t *dst;

		if (p->p_type != PT_LOAD || p->p_memsz == 0)
			continue;
		dst = mem_ptr(gm, p->p_paddr, p->p_memsz);
		if (src_read(src, p->p_offset, dst, p->p_filesz)) {
			snprintf(err, errlen, "%s: read of segment %u failed",
				 src->name, i);
			return -EIO;
		}
		memset(dst + p->p_filesz, 0, p->p_memsz - p->p_filesz);
	}
	img->format = LOADER_ELF;
	img->entry = eh.e_entry;
	return 0;
}

static int loader_load(const struct loader_src *src, enum loader_format fmt,
		       const struct guest_mem *gm, struct loader_image *img,
		       char *err, size_t errlen)
{
	uint8_t magic[SELFMAG] = { 0 }, hdrs[4] = { 0 };

	if (src->size == 0) {
		snprintf(err, errlen, "%s: the file is empty", src->name);
		return -ENOEXEC;
	}
	if (fmt == LOADER_AUTO) {
		(void)src_read(src, 0, magic, sizeof(magic));
		(void)src_read(src, 0x202, hdrs, sizeof(hdrs));
		if (!memcmp(magic, ELFMAG, SELFMAG)) {
			fmt = LOADER_ELF;
		} else if (!memcmp(hdrs, "HdrS", 4)) {
			snprintf(err, errlen,
				 "%s: this is a Linux bzImage; hyve cannot "
				 "boot the Linux boot protocol yet",
				 src->name);
			return -ENOTSUP;
		} else {
			fmt = LOADER_RAW;
		}
	}
	return fmt == LOADER_ELF ? loader_elf(src, gm, img, err, errlen)
				 : loader_raw(src, gm, img, err, errlen);
}

int loader_load_file(const char *path, enum loader_format fmt,
		     const struct guest_mem *gm, struct loader_image *img,
		     char *err, size_t errlen)
{
	struct loader_src src = { .name = path, .fd = -1 };
	struct stat st;
	int r;

	/* O_NONBLOCK: a FIFO must be refused below, not waited on here. */
	src.fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (src.fd < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	if (fstat(src.fd, &st) < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: is a directory, not a kernel image",
			 path);
		r = -EISDIR;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		r = -EINVAL;
		goto out;
	}
	src.size = (uint64_t)st.st_size;
	r = loader_load(&src, fmt, gm, img, err, errlen);
out:
	close(src.fd);
	return r;
}

int loader_load_buffer(const void *buf, size_t len, const char *name,
		       enum loader_format fmt, const struct guest_mem *gm,
		       struct loader_image *img, char *err, size_t errlen)
{
	struct loader_src src = {
		.name = name,
		.fd = -1,
		.buf = buf,
		.size = len,
	};

	return loader_load(&src, fmt, gm, img, err, errlen);
}
