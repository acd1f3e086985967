/*
 * loader.c: opening an image, telling its format, and the raw format.  See
 * loader.h; the ELF format is in elf.c.
 *
 * Linux boot protocol fact (Documentation/x86/boot.rst): a bzImage has the
 * magic "HdrS" at offset 0x202.
 *
 * Images are read with pread() straight into guest memory, so loading a big
 * image does not double hyve's memory use.
 */
#include "boot/loader.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch/x86/memmap.h"
#include "boot/bzimage.h"
#include "boot/elf.h"
#include "boot/multiboot.h"

int loader_read(const struct loader_file *f, uint64_t off, void *dst,
		uint64_t len)
{
	uint8_t *p = dst;

	if (off > f->size || len > f->size - off)
		return -ENODATA;
	if (f->fd < 0) {
		memcpy(p, f->buf + off, len);
		return 0;
	}
	while (len) {
		ssize_t n = pread(f->fd, p, len, (off_t)off);
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

static const char *const loader_names[] = {
	[LOADER_AUTO] = "auto", [LOADER_ELF] = "elf",
	[LOADER_RAW] = "raw",	[LOADER_BZIMAGE] = "bzimage",
	[LOADER_PVH] = "pvh",	[LOADER_MULTIBOOT] = "multiboot",
};

int loader_parse_format(const char *s, enum loader_format *fmt)
{
	for (size_t i = 0; i < sizeof(loader_names) / sizeof(loader_names[0]);
	     i++) {
		if (!strcmp(s, loader_names[i])) {
			*fmt = (enum loader_format)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *loader_format_name(enum loader_format fmt)
{
	return (unsigned int)fmt <
			       sizeof(loader_names) / sizeof(loader_names[0])
		       ? loader_names[fmt]
		       : "auto";
}

/* An ELF for hyve's direct 64-bit entry. */
static int loader_check_elf64(struct loader_file *f, char *err, size_t errlen)
{
	int r = elf_parse(f, err, errlen);

	if (r)
		return r;
	if (f->elf_class != ELFCLASS64) {
		snprintf(err, errlen,
			 "%s: a 32-bit ELF with neither a PVH note nor a "
			 "Multiboot header; hyve enters ELF kernels in 64-bit "
			 "mode",
			 f->name);
		return -ENOEXEC;
	}
	return elf_check_entry(f, f->eh.e_entry, "entry point", err, errlen);
}

/* An ELF with the PVH note. */
static int loader_check_pvh(struct loader_file *f, char *err, size_t errlen)
{
	int r = elf_is_elf(f) ? elf_parse(f, err, errlen) : -ENOEXEC;

	if (r == -ENOEXEC && !elf_is_elf(f)) {
		snprintf(err, errlen,
			 "%s: not a PVH kernel (neither an ELF nor a bzImage)",
			 f->name);
		return r;
	}
	if (r)
		return r;
	f->is_linux = elf_is_linux(f);
	if (!elf_find_pvh_entry(f, &f->pvh_entry)) {
		snprintf(err, errlen,
			 "%s: not a PVH kernel: the ELF has no "
			 "XEN_ELFNOTE_PHYS32_ENTRY note",
			 f->name);
		return -ENOEXEC;
	}
	return elf_check_entry(f, f->pvh_entry, "PVH entry point", err, errlen);
}

/* A bzImage: the boot protocol, or PVH after host decompression. */
static int loader_check_bzimage(struct loader_file *f, enum loader_format fmt,
				const struct loader_options *opt, char *err,
				size_t errlen)
{
	int r = bzimage_parse(f, err, errlen);

	if (r)
		return r;
	f->is_linux = true;
	if (fmt == LOADER_BZIMAGE) {
		snprintf(f->how, sizeof(f->how),
			 "--kernel-format bzimage asks for the boot protocol");
		return 0;
	}
	if (fmt == LOADER_AUTO && !opt->host_decompress) {
		snprintf(f->how, sizeof(f->how),
			 "--no-host-decompress asks for the boot protocol");
		return 0;
	}
	r = bzimage_unpack(f, fmt == LOADER_PVH, err, errlen);
	return r < 0 ? r : 0;
}

/* Tell the format (for auto) and check what needs no guest memory. */
static int loader_identify(struct loader_file *f, enum loader_format fmt,
			   const struct loader_options *opt, char *err,
			   size_t errlen)
{
	if (f->size == 0) {
		snprintf(err, errlen, "%s: the file is empty", f->name);
		return -ENOEXEC;
	}
	if (fmt == LOADER_AUTO) {
		if (bzimage_is_bzimage(f) && !opt->payload)
			fmt = LOADER_BZIMAGE;
		else if (multiboot_find(f))
			fmt = LOADER_MULTIBOOT;
		else if (elf_is_elf(f) && elf_parse(f, err, errlen) == 0 &&
			 elf_find_pvh_entry(f, &f->pvh_entry))
			fmt = LOADER_PVH;
		else if (elf_is_elf(f))
			fmt = LOADER_ELF;
		else
			fmt = LOADER_RAW;
		f->format = fmt;
		if (fmt == LOADER_BZIMAGE)
			return loader_check_bzimage(f, LOADER_AUTO, opt, err,
						    errlen);
	}
	f->format = fmt;
	switch (fmt) {
	case LOADER_ELF:
		return loader_check_elf64(f, err, errlen);
	case LOADER_PVH:
		if (bzimage_is_bzimage(f) && opt->payload) {
			snprintf(err, errlen,
				 "%s: the payload is itself a bzImage",
				 f->name);
			return -ENOEXEC;
		}
		if (bzimage_is_bzimage(f)) {
			f->format = LOADER_BZIMAGE;
			return loader_check_bzimage(f, LOADER_PVH, opt, err,
						    errlen);
		}
		return loader_check_pvh(f, err, errlen);
	case LOADER_BZIMAGE:
		return loader_check_bzimage(f, LOADER_BZIMAGE, opt, err,
					    errlen);
	case LOADER_MULTIBOOT:
		if (!multiboot_find(f)) {
			snprintf(err, errlen,
				 "%s: not a Multiboot kernel (no header in "
				 "the first 8 KiB)",
				 f->name);
			return -ENOEXEC;
		}
		return multiboot_check(f, err, errlen);
	default:
		return 0;
	}
}

static const struct loader_options loader_defaults = {
	.host_decompress = true,
};

int loader_open_file(const char *path, enum loader_format fmt,
		     const struct loader_options *opt, struct loader_file *f,
		     char *err, size_t errlen)
{
	struct stat st;
	int r;

	memset(f, 0, sizeof(*f));
	f->name = path;
	/* O_NONBLOCK: a FIFO must be refused below, not waited on here. */
	f->fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (f->fd < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	if (fstat(f->fd, &st) < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: is a directory, not a kernel image",
			 path);
		r = -EISDIR;
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		r = -EINVAL;
		goto fail;
	}
	f->size = (uint64_t)st.st_size;
	r = loader_identify(f, fmt, opt ? opt : &loader_defaults, err, errlen);
	if (r)
		goto fail;
	return 0;
fail:
	loader_close(f);
	return r;
}

int loader_open_buffer(const void *buf, size_t len, const char *name,
		       enum loader_format fmt, const struct loader_options *opt,
		       struct loader_file *f, char *err, size_t errlen)
{
	int r;

	memset(f, 0, sizeof(*f));
	f->name = name;
	f->fd = -1;
	f->buf = buf;
	f->size = len;
	r = loader_identify(f, fmt, opt ? opt : &loader_defaults, err, errlen);
	if (r)
		loader_close(f);
	return r;
}

void loader_close(struct loader_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	if (f->vmlinux) {
		loader_close(f->vmlinux);
		free(f->vmlinux);
		f->vmlinux = NULL;
	}
	free(f->vmlinux_buf);
	f->vmlinux_buf = NULL;
}

static int loader_raw(const struct loader_file *f, const struct guest_mem *gm,
		      struct loader_image *img, char *err, size_t errlen)
{
	void *dst = mem_ptr(gm, MEMMAP_KERNEL, f->size);

	if (!dst) {
		snprintf(err, errlen,
			 "%s: raw image of %" PRIu64 " bytes does not fit in "
			 "guest RAM at %#llx",
			 f->name, f->size, MEMMAP_KERNEL);
		return -EFBIG;
	}
	if (loader_read(f, 0, dst, f->size)) {
		snprintf(err, errlen, "%s: read failed", f->name);
		return -EIO;
	}
	*img = (struct loader_image){
		.format = LOADER_RAW,
		.entry_kind = LOADER_ENTRY_HYVE64,
		.entry = MEMMAP_KERNEL,
		.start = MEMMAP_KERNEL,
		.end = MEMMAP_KERNEL + f->size,
	};
	return 0;
}

int loader_load(const struct loader_file *f, const struct guest_mem *gm,
		struct loader_image *img, char *err, size_t errlen)
{
	int r;

	memset(img, 0, sizeof(*img));
	switch (f->format) {
	case LOADER_ELF:
		r = elf_load(f, gm, img, err, errlen);
		img->format = LOADER_ELF;
		img->entry_kind = LOADER_ENTRY_HYVE64;
		img->entry = f->eh.e_entry;
		return r;
	case LOADER_PVH:
		r = elf_load(f, gm, img, err, errlen);
		img->format = LOADER_PVH;
		img->entry_kind = LOADER_ENTRY_PVH;
		img->entry = f->pvh_entry;
		return r;
	case LOADER_BZIMAGE:
		if (!f->vmlinux)
			return bzimage_load(f, gm, img, err, errlen);
		r = loader_load(f->vmlinux, gm, img, err, errlen);
		img->format = LOADER_BZIMAGE;
		return r;
	case LOADER_MULTIBOOT:
		return multiboot_load(f, gm, img, err, errlen);
	default:
		return loader_raw(f, gm, img, err, errlen);
	}
}

int loader_load_file(const char *path, enum loader_format fmt,
		     const struct guest_mem *gm, struct loader_image *img,
		     char *err, size_t errlen)
{
	struct loader_file f;
	int r = loader_open_file(path, fmt, NULL, &f, err, errlen);

	if (r)
		return r;
	r = loader_load(&f, gm, img, err, errlen);
	loader_close(&f);
	return r;
}

int loader_load_buffer(const void *buf, size_t len, const char *name,
		       enum loader_format fmt, const struct guest_mem *gm,
		       struct loader_image *img, char *err, size_t errlen)
{
	struct loader_file f;
	int r = loader_open_buffer(buf, len, name, fmt, NULL, &f, err, errlen);

	if (!r)
		r = loader_load(&f, gm, img, err, errlen);
	loader_close(&f);
	return r;
}
