/*
 * loader.h: putting a guest image into guest memory, in two steps.
 *
 *  1. loader_open_*() opens the image, identifies its format and checks
 *     everything that can be checked without guest memory: the file type,
 *     the headers, and that every byte they point at is in the file.  hyve
 *     does this before it opens /dev/kvm, so a bad image is reported the
 *     same way on any host.
 *  2. loader_load() checks the image against the guest's RAM and copies it
 *     in.  Every check is made before the first byte is written.
 *
 * Formats: ELF64 executables for x86-64 (PT_LOAD segments at their physical
 * addresses, entry at e_entry) and raw flat binaries (loaded at 1 MiB,
 * entered at their first byte).  `auto` picks ELF when the file starts with
 * the ELF magic and raw otherwise; it refuses a Linux bzImage, whose boot
 * protocol is not supported yet.  Errors are one line naming the file and
 * the problem; a range is printed as its start and its size, never as a sum
 * that could have wrapped.
 *
 * Pure apart from reading the file: guest memory is a struct guest_mem, so
 * unit tests can load into a malloc'd buffer.  A struct loader_file belongs
 * to the thread that opened it (main).
 */
#ifndef HYVE_BOOT_LOADER_H
#define HYVE_BOOT_LOADER_H

#include <elf.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/mem.h"

#define LOADER_MAX_PHDRS 64

enum loader_format {
	LOADER_AUTO = 0,
	LOADER_ELF,
	LOADER_RAW,
};

/* An opened image: where its bytes come from and what its headers say. */
struct loader_file {
	const char *name;
	int fd;		    /* -1 when buf holds the image */
	const uint8_t *buf; /* an image in memory (the built-in demo) */
	uint64_t size;
	enum loader_format format; /* never LOADER_AUTO once opened */
	Elf64_Ehdr eh;		   /* LOADER_ELF */
	Elf64_Phdr ph[LOADER_MAX_PHDRS];
};

struct loader_image {
	enum loader_format format; /* what was loaded */
	uint64_t entry;		   /* guest RIP at entry */
	uint64_t start, end;	   /* lowest and highest+1 loaded address */
};

/* "auto", "elf", "raw" to the enum; -EINVAL for anything else. */
int loader_parse_format(const char *s, enum loader_format *fmt);
const char *loader_format_name(enum loader_format fmt);

/* Step 1.  err gets one line on failure (negative errno). */
int loader_open_file(const char *path, enum loader_format fmt,
		     struct loader_file *f, char *err, size_t errlen);
/* Step 1 for an image held in memory; name is for messages. */
int loader_open_buffer(const void *buf, size_t len, const char *name,
		       enum loader_format fmt, struct loader_file *f, char *err,
		       size_t errlen);
/* Step 2. */
int loader_load(const struct loader_file *f, const struct guest_mem *gm,
		struct loader_image *img, char *err, size_t errlen);
/* Close what loader_open_* opened; safe to call twice. */
void loader_close(struct loader_file *f);

/* Both steps at once, for callers with guest memory already at hand. */
int loader_load_file(const char *path, enum loader_format fmt,
		     const struct guest_mem *gm, struct loader_image *img,
		     char *err, size_t errlen);
int loader_load_buffer(const void *buf, size_t len, const char *name,
		       enum loader_format fmt, const struct guest_mem *gm,
		       struct loader_image *img, char *err, size_t errlen);

/*
 * Copy [off, off + len) of the image to dst: 0, -ENODATA past its end, or
 * a read error.  For the format files in src/boot/.
 */
int loader_read(const struct loader_file *f, uint64_t off, void *dst,
		uint64_t len);

#endif
