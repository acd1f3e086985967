/*
 * elf.h: ELF executables for x86, 64-bit and 32-bit, split into the
 * loader's two steps (loader.h), and the PVH entry note.  Internal to
 * src/boot/.
 */
#ifndef HYVE_BOOT_ELF_H
#define HYVE_BOOT_ELF_H

#include <stdbool.h>

#include "boot/loader.h"

/* True when the image starts with the ELF magic. */
bool elf_is_elf(const struct loader_file *f);

/*
 * Step 1: read and check the headers into f->eh and f->ph (ELF32 converted
 * to the 64-bit shape, f->elf_class says which it was): x86-64 for ELF64,
 * i386 for ELF32, ET_EXEC, every loadable segment in the file, no overlap.
 * The entry point is checked by the caller, which knows which one counts.
 */
int elf_parse(struct loader_file *f, char *err, size_t errlen);

/* The entry point lies inside a loaded segment; what names it in err. */
int elf_check_entry(const struct loader_file *f, uint64_t entry,
		    const char *what, char *err, size_t errlen);

/* The PVH entry point from the XEN_ELFNOTE_PHYS32_ENTRY note, if any. */
bool elf_find_pvh_entry(const struct loader_file *f, uint64_t *entry);

/* The ELF carries Linux's own notes (owner "Linux"): a vmlinux. */
bool elf_is_linux(const struct loader_file *f);

/*
 * Step 2: check the segments against RAM (at or above 1 MiB), then copy
 * them in; fills img->start and img->end.
 */
int elf_load(const struct loader_file *f, const struct guest_mem *gm,
	     struct loader_image *img, char *err, size_t errlen);

#endif
