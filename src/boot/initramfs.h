/*
 * initramfs.h: reading --initramfs images (Linux initramfs, Multiboot
 * modules) into memory before the VM exists, and decompressing a
 * compressed initramfs on the host: the kernel takes an uncompressed cpio
 * just as well, and in KVM's instruction emulator gunzipping a 1 MiB image
 * takes the guest minutes (see docs/PERFORMANCE.md).
 */
#ifndef HYVE_BOOT_INITRAMFS_H
#define HYVE_BOOT_INITRAMFS_H

#include <stdbool.h>
#include <stddef.h>

#include "boot/boot.h"

#define INITRAMFS_MAX (1ULL << 30) /* bytes, after decompression */

/*
 * Read path into a malloc'd buffer held by m (m->name = path).  With
 * decompress, a Linux initramfs whose members are compressed becomes one
 * uncompressed cpio; how says what was done (for --verbose).  0, or a
 * negative errno with one line in err.
 */
int initramfs_read(const char *path, bool decompress, struct boot_module *m,
		   char *how, size_t howlen, char *err, size_t errlen);

void initramfs_free(struct boot_module *m);

#endif
