/*
 * bzimage.h: Linux bzImages (Documentation/x86/boot.rst, the boot protocol
 * 2.12 and later, 64-bit entry).  Internal to src/boot/, apart from the
 * zero-page builder, which the boot step and the unit tests use.
 *
 * Two ways to boot one (loader.h says which is taken when):
 *  - host decompression: the payload (payload_offset/payload_length) is a
 *    compressed ELF vmlinux; hyve decompresses it with Debian's libraries
 *    and, when it carries the PVH note, boots it through PVH;
 *  - the boot protocol: the protected-mode code (after the setup sectors)
 *    goes to its preferred address, the zero page (struct boot_params) gets
 *    the setup header and what the boot loader fills in, and the vCPU
 *    enters 0x200 past the load address in 64-bit mode with RSI = the zero
 *    page; the kernel decompresses itself in the guest.
 */
#ifndef HYVE_BOOT_BZIMAGE_H
#define HYVE_BOOT_BZIMAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/e820.h"
#include "boot/loader.h"

#define BZIMAGE_ZERO_PAGE_SIZE 4096
#define BZIMAGE_MIN_VERSION    0x020c /* 2.12: xloadflags, 64-bit entry */

/* True when the image has a bzImage's magic ("HdrS" at 0x202). */
bool bzimage_is_bzimage(const struct loader_file *f);

/* Step 1: read and check the setup header into f->bz. */
int bzimage_parse(struct loader_file *f, char *err, size_t errlen);

/*
 * Step 1, continued: try host decompression.  On success f->vmlinux is the
 * payload's vmlinux, opened as a PVH image, and 1 is returned; 0 means the
 * boot protocol will be used, with f->how saying why.  Negative only for a
 * payload that claims a known format but is corrupt, or forced PVH
 * (want_pvh) that cannot be had.
 */
int bzimage_unpack(struct loader_file *f, bool want_pvh, char *err,
		   size_t errlen);

/* Step 2, boot protocol: the protected-mode code at its load address. */
int bzimage_load(const struct loader_file *f, const struct guest_mem *gm,
		 struct loader_image *img, char *err, size_t errlen);

/* Where bzimage_load puts the protected-mode code. */
uint64_t bzimage_load_addr(const struct loader_bzimage *bz);

/* What the boot loader tells the kernel through the zero page. */
struct bzimage_params {
	uint64_t load_addr;
	uint64_t cmdline; /* guest-physical */
	uint64_t initrd;  /* guest-physical, 0: none */
	uint64_t initrd_size;
	uint64_t rsdp; /* 0: let the kernel scan for it */
	const struct e820_entry *e820;
	unsigned int e820_count;
};

/* Fill a zero page (BZIMAGE_ZERO_PAGE_SIZE bytes); pure. */
void bzimage_zero_page(const struct loader_bzimage *bz,
		       const struct bzimage_params *p, uint8_t *zp);

#endif
