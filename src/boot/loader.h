/*
 * loader.h: putting a guest kernel into guest memory, in two steps.
 *
 *  1. loader_open_*() opens the image, identifies its format and checks
 *     everything that can be checked without guest memory: the file type,
 *     the headers, and that every byte they point at is in the file.  For a
 *     bzImage it also decompresses the payload on the host when it can.
 *     hyve does this before it opens /dev/kvm, so a bad image is reported
 *     the same way on any host.
 *  2. loader_load() checks the image against the guest's RAM and copies it
 *     in.  Every check is made before the first byte is written.
 *
 * Formats, and how the boot vCPU enters each (enum loader_entry):
 *  - elf: an x86-64 ELF executable, PT_LOAD segments at p_paddr, entered at
 *    e_entry in hyve's direct 64-bit mode (boot64.h);
 *  - raw: a flat binary at 1 MiB, entered at its first byte, 64-bit;
 *  - pvh: an ELF (32- or 64-bit) with the XEN_ELFNOTE_PHYS32_ENTRY note,
 *    entered in 32-bit protected mode with EBX = hvm_start_info (pvh.h);
 *  - multiboot: a Multiboot 1 kernel (an ELF32, or any image with the
 *    header's address fields), 32-bit protected mode, EAX = 0x2badb002
 *    (multiboot.h);
 *  - bzimage: a Linux bzImage.  When its payload is in a format hyve can
 *    decompress (boot/decompress.h) and the vmlinux inside carries the PVH
 *    note, hyve decompresses it on the host and boots it through PVH;
 *    otherwise it boots the Linux 64-bit boot protocol, and the kernel's
 *    own decompressor runs in the guest (bzimage.h).
 *  - auto (the default) tells them apart by their magic: a bzImage's
 *    "HdrS", a Multiboot header in the first 8 KiB, an ELF with the PVH
 *    note, an ELF, and raw for anything else.
 *
 * Errors are one line naming the file and the problem; a range is printed
 * as its start and its size, never as a sum that could have wrapped.
 *
 * Pure apart from reading the file: guest memory is a struct guest_mem, so
 * unit tests can load into a malloc'd buffer.  A struct loader_file belongs
 * to the thread that opened it (main).
 */
#ifndef HYVE_BOOT_LOADER_H
#define HYVE_BOOT_LOADER_H

#include <elf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/mem.h"

#define LOADER_MAX_PHDRS 64

enum loader_format {
	LOADER_AUTO = 0,
	LOADER_ELF,
	LOADER_RAW,
	LOADER_BZIMAGE,
	LOADER_PVH,
	LOADER_MULTIBOOT,
};

/* How the boot vCPU enters the loaded image. */
enum loader_entry {
	LOADER_ENTRY_HYVE64,  /* 64-bit, RDI = struct hyve_boot_info */
	LOADER_ENTRY_LINUX64, /* Linux 64-bit boot protocol, RSI = zero page */
	LOADER_ENTRY_PVH,     /* 32-bit, paging off, EBX = hvm_start_info */
	LOADER_ENTRY_MULTIBOOT, /* 32-bit, paging off, EAX magic, EBX info */
};

/* What a bzImage's setup header says (Documentation/x86/boot.rst). */
struct loader_bzimage {
	uint16_t version;    /* boot protocol, e.g. 0x020f */
	uint8_t setup_sects; /* 512-byte sectors after the boot sector */
	uint8_t loadflags;
	uint16_t xloadflags;
	uint8_t relocatable;
	uint32_t kernel_alignment;
	uint32_t initrd_addr_max;
	uint32_t cmdline_size;
	uint32_t init_size;
	uint64_t pref_address;
	uint32_t payload_offset; /* from the start of the protected-mode code */
	uint32_t payload_length;
	uint64_t setup_size; /* file bytes before the protected-mode code */
	uint8_t hdr[0x80];   /* the setup header, from offset 0x1f1 */
	size_t hdr_len;
};

/* A Multiboot 1 header (Multiboot Specification 0.6.96, 3.1). */
struct loader_multiboot {
	uint64_t offset; /* of the header in the file */
	uint32_t flags;
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr;
	uint32_t entry_addr;
};

/* An opened image: where its bytes come from and what its headers say. */
struct loader_file {
	const char *name;
	int fd;		    /* -1 when buf holds the image */
	const uint8_t *buf; /* an image in memory */
	uint64_t size;
	enum loader_format format; /* never LOADER_AUTO once opened */
	unsigned int elf_class;	   /* ELFCLASS32 or ELFCLASS64 */
	Elf64_Ehdr eh;		   /* ELF32 converted to this shape */
	Elf64_Phdr ph[LOADER_MAX_PHDRS];
	uint64_t pvh_entry;	     /* LOADER_PVH */
	struct loader_multiboot mb;  /* LOADER_MULTIBOOT */
	struct loader_bzimage bz;    /* LOADER_BZIMAGE */
	struct loader_file *vmlinux; /* a bzImage's payload, booted by PVH */
	void *vmlinux_buf;
	bool is_linux; /* a bzImage, or an ELF with Linux's notes */
	char how[160]; /* for --verbose: the path taken, and why */
};

struct loader_image {
	enum loader_format format; /* what was loaded */
	enum loader_entry entry_kind;
	uint64_t entry;	     /* where the boot vCPU starts */
	uint64_t start, end; /* lowest and highest+1 loaded address */
	const struct loader_bzimage *bz;   /* LOADER_ENTRY_LINUX64 */
	const struct loader_multiboot *mb; /* LOADER_ENTRY_MULTIBOOT */
};

struct loader_options {
	bool host_decompress; /* may a bzImage be decompressed on the host */
	bool payload;	      /* a bzImage's payload: it may not be one */
};

/* Names as --kernel-format takes them; -EINVAL for anything else. */
int loader_parse_format(const char *s, enum loader_format *fmt);
const char *loader_format_name(enum loader_format fmt);

/* Step 1.  err gets one line on failure (negative errno). */
int loader_open_file(const char *path, enum loader_format fmt,
		     const struct loader_options *opt, struct loader_file *f,
		     char *err, size_t errlen);
/* Step 1 for an image held in memory; name is for messages. */
int loader_open_buffer(const void *buf, size_t len, const char *name,
		       enum loader_format fmt, const struct loader_options *opt,
		       struct loader_file *f, char *err, size_t errlen);
/* Step 2. */
int loader_load(const struct loader_file *f, const struct guest_mem *gm,
		struct loader_image *img, char *err, size_t errlen);
/* Close and free what loader_open_* made; safe to call twice. */
void loader_close(struct loader_file *f);

/* Both steps at once (default options), for callers with guest memory. */
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
