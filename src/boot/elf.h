/*
 * elf.h: the ELF64 executable format, split into the loader's two steps
 * (loader.h).  Internal to src/boot/.
 */
#ifndef HYVE_BOOT_ELF_H
#define HYVE_BOOT_ELF_H

#include "boot/loader.h"

/* True when the image starts with the ELF magic. */
bool elf_is_elf(const struct loader_file *f);

/* Step 1: read and check the headers into f->eh and f->ph. */
int elf_check(struct loader_file *f, char *err, size_t errlen);

/* Step 2: check the segments against RAM, then copy them in. */
int elf_load(const struct loader_file *f, const struct guest_mem *gm,
	     struct loader_image *img, char *err, size_t errlen);

#endif
