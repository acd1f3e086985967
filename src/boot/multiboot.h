/*
 * multiboot.h: Multiboot 1 kernels (the Multiboot Specification, version
 * 0.6.96): finding and checking the header, loading the kernel, and the
 * Multiboot information structure handed to it.
 *
 * The boot vCPU enters in 32-bit protected mode with paging off, EAX =
 * 0x2badb002 and EBX = the information structure, as section 3.2 asks.
 * Header flags: bit 0 (page-aligned modules) and bit 1 (memory
 * information) are honoured, bit 2 (a video mode) is accepted but no video
 * information is given (hyve has no display), bit 16 (the address fields)
 * loads the image by them; any other bit in 0-15 makes hyve refuse the
 * kernel, as the specification requires.  Without bit 16 the image must
 * be an ELF, and its segments are loaded.
 */
#ifndef HYVE_BOOT_MULTIBOOT_H
#define HYVE_BOOT_MULTIBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86/e820.h"
#include "boot/loader.h"

#define MULTIBOOT_HEADER_MAGIC	   0x1badb002u
#define MULTIBOOT_BOOTLOADER_MAGIC 0x2badb002u
#define MULTIBOOT_SEARCH	   8192 /* the header lies in these bytes */
#define MULTIBOOT_INFO_SIZE	   88	/* up to and including the APM table */
#define MULTIBOOT_MOD_SIZE	   16
#define MULTIBOOT_MMAP_SIZE	   24 /* one entry with its size field */

/* Flags in the information structure (3.3). */
#define MULTIBOOT_INFO_MEMORY	   (1u << 0)
#define MULTIBOOT_INFO_CMDLINE	   (1u << 2)
#define MULTIBOOT_INFO_MODS	   (1u << 3)
#define MULTIBOOT_INFO_MEM_MAP	   (1u << 6)
#define MULTIBOOT_INFO_LOADER_NAME (1u << 9)

/* True, with f->mb filled, when a valid header is in the first 8 KiB. */
bool multiboot_find(struct loader_file *f);

/* Step 1: check the header's flags and the image it describes. */
int multiboot_check(struct loader_file *f, char *err, size_t errlen);

/* Step 2: load the kernel (by the address fields or as an ELF). */
int multiboot_load(const struct loader_file *f, const struct guest_mem *gm,
		   struct loader_image *img, char *err, size_t errlen);

struct multiboot_module {
	uint32_t start, end; /* [start, end) in guest memory */
	uint32_t string;     /* its command line, guest-physical */
};

/* What the information structure says. */
struct multiboot_params {
	uint32_t mem_lower_kib; /* RAM below 640 KiB */
	uint32_t mem_upper_kib; /* RAM from 1 MiB to the first hole */
	uint32_t cmdline;	/* guest-physical, NUL-terminated */
	uint32_t mods;		/* the module list, guest-physical */
	uint32_t mods_count;
	uint32_t mmap; /* the memory map, guest-physical */
	uint32_t mmap_length;
	uint32_t loader_name;
};

/* The information structure (MULTIBOOT_INFO_SIZE bytes); pure. */
void multiboot_info(const struct multiboot_params *p, uint8_t *out);

/* The memory map: returns its length in bytes (at most cap). */
size_t multiboot_mmap(const struct e820_entry *map, unsigned int n,
		      uint8_t *out, size_t cap);

/* The module list: n entries of MULTIBOOT_MOD_SIZE bytes. */
void multiboot_mods(const struct multiboot_module *mods, unsigned int n,
		    uint8_t *out);

#endif
