/*
 * loader.h: putting a guest image into guest memory.
 *
 * Formats: ELF64 executables for x86-64 (PT_LOAD segments at their physical
 * addresses, entry at e_entry) and raw flat binaries (loaded at 1 MiB,
 * entered at their first byte).  `auto` picks ELF when the file starts with
 * the ELF magic and raw otherwise; it refuses a Linux bzImage, whose boot
 * protocol is not supported yet.  Every check is made before the first byte
 * is written, and errors are one line naming the file and the problem.
 *
 * Pure apart from reading the file: guest memory is a struct guest_mem, so
 * unit tests can load into a malloc'd buffer.
 */
#ifndef HYVE_BOOT_LOADER_H
#define HYVE_BOOT_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/mem.h"

enum loader_format {
	LOADER_AUTO = 0,
	LOADER_ELF,
	LOADER_RAW,
};

struct loader_image {
	enum loader_format format; /* what was loaded */
	uint64_t entry;		   /* guest RIP at entry */
	uint64_t start, end;	   /* lowest and highest+1 loaded address */
};

/* "auto", "elf", "raw" to the enum; -EINVAL for anything else. */
int loader_parse_format(const char *s, enum loader_format *fmt);
const char *loader_format_name(enum loader_format fmt);

/* Load the file at path.  err gets one line on failure (negative errno). */
int loader_load_file(const char *path, enum loader_format fmt,
		     const struct guest_mem *gm, struct loader_image *img,
		     char *err, size_t errlen);

/* Load an image held in memory (the built-in demo); name is for messages. */
int loader_load_buffer(const void *buf, size_t len, const char *name,
		       enum loader_format fmt, const struct guest_mem *gm,
		       struct loader_image *img, char *err, size_t errlen);

#endif
