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
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch/x86/memmap.h"
#include "boot/elf.h"

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

static bool loader_is_bzimage(const struct loader_file *f)
{
	uint8_t hdrs[4];

	return loader_read(f, 0x202, hdrs, sizeof(hdrs)) == 0 &&
	       !memcmp(hdrs, "HdrS", 4);
}

/* Tell the format (for auto) and check what needs no guest memory. */
static int loader_identify(struct loader_file *f, enum loader_format fmt,
			   char *err, size_t errlen)
{
	if (f->size == 0) {
		snprintf(err, errlen, "%s: the file is empty", f->name);
		return -ENOEXEC;
	}
	if (fmt == LOADER_AUTO) {
		if (elf_is_elf(f)) {
			fmt = LOADER_ELF;
		} else if (loader_is_bzimage(f)) {
			snprintf(err, errlen,
				 "%s: this is a Linux bzImage; hyve cannot "
				 "boot the Linux boot protocol yet",
				 f->name);
			return -ENOTSUP;
		} else {
			fmt = LOADER_RAW;
		}
	}
	f->format = fmt;
	return fmt == LOADER_ELF ? elf_check(f, err, errlen) : 0;
}

int loader_open_file(const char *path, enum loader_format fmt,
		     struct loader_file *f, char *err, size_t errlen)
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
	r = loader_identify(f, fmt, err, errlen);
	if (r)
		goto fail;
	return 0;
fail:
	loader_close(f);
	return r;
}

int loader_open_buffer(const void *buf, size_t len, const char *name,
		       enum loader_format fmt, struct loader_file *f, char *err,
		       size_t errlen)
{
	memset(f, 0, sizeof(*f));
	f->name = name;
	f->fd = -1;
	f->buf = buf;
	f->size = len;
	return loader_identify(f, fmt, err, errlen);
}

void loader_close(struct loader_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
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
		.entry = MEMMAP_KERNEL,
		.start = MEMMAP_KERNEL,
		.end = MEMMAP_KERNEL + f->size,
	};
	return 0;
}

int loader_load(const struct loader_file *f, const struct guest_mem *gm,
		struct loader_image *img, char *err, size_t errlen)
{
	return f->format == LOADER_ELF ? elf_load(f, gm, img, err, errlen)
				       : loader_raw(f, gm, img, err, errlen);
}

int loader_load_file(const char *path, enum loader_format fmt,
		     const struct guest_mem *gm, struct loader_image *img,
		     char *err, size_t errlen)
{
	struct loader_file f;
	int r = loader_open_file(path, fmt, &f, err, errlen);

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
	int r = loader_open_buffer(buf, len, name, fmt, &f, err, errlen);

	if (!r)
		r = loader_load(&f, gm, img, err, errlen);
	return r;
}
