/*
 * bzimage.c: Linux bzImages.  See bzimage.h.
 *
 * Facts from Documentation/x86/boot.rst and zero-page.rst (offsets into the
 * image, which are also offsets into struct boot_params):
 *   0x1f1 setup_sects (0 means 4), 0x1fe boot_flag 0xaa55, 0x201 the jump's
 *   offset byte (the header ends at 0x202 plus it), 0x202 "HdrS", 0x206
 *   version, 0x210 type_of_loader, 0x211 loadflags, 0x214 code32_start,
 *   0x218/0x21c ramdisk_image/size, 0x228 cmd_line_ptr, 0x22c
 *   initrd_addr_max, 0x230 kernel_alignment, 0x234 relocatable_kernel,
 *   0x236 xloadflags, 0x238 cmdline_size, 0x248/0x24c payload_offset/
 *   length, 0x258 pref_address, 0x260 init_size.
 *   In the zero page: 0x070 acpi_rsdp_addr (2.14+), 0x0c0/0x0c4/0x0c8 the
 *   high halves of ramdisk_image, ramdisk_size and cmd_line_ptr, 0x1e8
 *   e820_entries, 0x2d0 e820_table (20-byte entries, at most 128).  The
 *   sentinel at 0x1ef must stay 0 (the kernel takes 0xff to mean a boot
 *   loader that copied too much).
 */
#include "boot/bzimage.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/memmap.h"
#include "boot/decompress.h"
#include "boot/elf.h"

#define BZ_SETUP_SECTS	0x1f1
#define BZ_BOOT_FLAG	0x1fe
#define BZ_JUMP		0x200
#define BZ_MAGIC	0x202
#define BZ_VERSION	0x206
#define BZ_LOADER_TYPE	0x210
#define BZ_LOADFLAGS	0x211
#define BZ_CODE32	0x214
#define BZ_RAMDISK	0x218
#define BZ_RAMDISK_SIZE 0x21c
#define BZ_CMDLINE	0x228
#define BZ_INITRD_MAX	0x22c
#define BZ_ALIGN	0x230
#define BZ_RELOC	0x234
#define BZ_XLOADFLAGS	0x236
#define BZ_CMDLINE_SIZE 0x238
#define BZ_PAYLOAD_OFF	0x248
#define BZ_PAYLOAD_LEN	0x24c
#define BZ_PREF_ADDR	0x258
#define BZ_INIT_SIZE	0x260

#define ZP_ACPI_RSDP	0x070
#define ZP_EXT_RAMDISK	0x0c0
#define ZP_EXT_RD_SIZE	0x0c4
#define ZP_EXT_CMDLINE	0x0c8
#define ZP_E820_ENTRIES 0x1e8
#define ZP_E820_TABLE	0x2d0
#define ZP_E820_MAX	128
#define ZP_HDR		0x1f1

#define XLF_KERNEL_64	 (1u << 0)
#define LOADED_HIGH	 (1u << 0)
#define LOADER_UNDEFINED 0xff /* type_of_loader: no assigned ID */

#define BZ_ENTRY_64    0x200 /* the 64-bit entry, past the load address */
#define BZ_MAX_VMLINUX (512ULL << 20)

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

bool bzimage_is_bzimage(const struct loader_file *f)
{
	uint8_t m[4];

	return loader_read(f, BZ_MAGIC, m, sizeof(m)) == 0 &&
	       !memcmp(m, "HdrS", 4);
}

/* Copy the header fields hyve uses out of the first sector and a half. */
static void bzimage_fields(struct loader_bzimage *bz, const uint8_t *b)
{
	bz->setup_sects = b[BZ_SETUP_SECTS] ? b[BZ_SETUP_SECTS] : 4;
	bz->version = get16(b + BZ_VERSION);
	bz->loadflags = b[BZ_LOADFLAGS];
	bz->xloadflags = get16(b + BZ_XLOADFLAGS);
	bz->relocatable = b[BZ_RELOC];
	bz->kernel_alignment = get32(b + BZ_ALIGN);
	bz->initrd_addr_max = get32(b + BZ_INITRD_MAX);
	bz->cmdline_size = get32(b + BZ_CMDLINE_SIZE);
	bz->init_size = get32(b + BZ_INIT_SIZE);
	bz->pref_address = (uint64_t)get32(b + BZ_PREF_ADDR) |
			   (uint64_t)get32(b + BZ_PREF_ADDR + 4) << 32;
	bz->payload_offset = get32(b + BZ_PAYLOAD_OFF);
	bz->payload_length = get32(b + BZ_PAYLOAD_LEN);
	bz->setup_size = ((uint64_t)bz->setup_sects + 1) * 512;
}

int bzimage_parse(struct loader_file *f, char *err, size_t errlen)
{
	struct loader_bzimage *bz = &f->bz;
	uint8_t b[0x280];
	size_t end;

	if (loader_read(f, 0, b, sizeof(b)) ||
	    memcmp(b + BZ_MAGIC, "HdrS", 4)) {
		snprintf(err, errlen,
			 "%s: not a Linux bzImage (no \"HdrS\" header)",
			 f->name);
		return -ENOEXEC;
	}
	if (get16(b + BZ_BOOT_FLAG) != 0xaa55) {
		snprintf(err, errlen,
			 "%s: not a Linux bzImage (no 0xaa55 boot flag)",
			 f->name);
		return -ENOEXEC;
	}
	bzimage_fields(bz, b);
	if (bz->version < BZIMAGE_MIN_VERSION ||
	    !(bz->xloadflags & XLF_KERNEL_64)) {
		snprintf(
			err, errlen,
			"%s: boot protocol %u.%02u%s; hyve needs 2.12 or later "
			"with a 64-bit entry point",
			f->name, bz->version >> 8, bz->version & 0xff,
			bz->version >= BZIMAGE_MIN_VERSION
				? " without a 64-bit entry point"
				: "");
		return -ENOEXEC;
	}
	/* The header runs from 0x1f1 to 0x202 plus the jump's offset byte. */
	end = BZ_MAGIC + b[BZ_JUMP + 1];
	if (end > sizeof(b) || end - ZP_HDR > sizeof(bz->hdr))
		end = ZP_HDR + sizeof(bz->hdr);
	bz->hdr_len = end - ZP_HDR;
	memcpy(bz->hdr, b + ZP_HDR, bz->hdr_len);
	if (bz->setup_size >= f->size) {
		snprintf(err, errlen,
			 "%s: truncated bzImage: %u setup sectors but the file "
			 "has %" PRIu64 " bytes",
			 f->name, bz->setup_sects, f->size);
		return -ENOEXEC;
	}
	if (bz->payload_offset > f->size - bz->setup_size ||
	    bz->payload_length >
		    f->size - bz->setup_size - bz->payload_offset) {
		snprintf(err, errlen,
			 "%s: truncated bzImage: the payload (%#x bytes at "
			 "%#x) runs past the end of the file",
			 f->name, bz->payload_length, bz->payload_offset);
		return -ENOEXEC;
	}
	return 0;
}

/* Decompress the payload; 0 with f->how set when it is not possible. */
static int bzimage_decompress(struct loader_file *f, void **out,
			      size_t *out_len, char *err, size_t errlen)
{
	const struct loader_bzimage *bz = &f->bz;
	enum decompress_format fmt;
	uint8_t *payload;
	int r;

	*out = NULL;
	payload = malloc(bz->payload_length ? bz->payload_length : 1);
	if (!payload)
		return -ENOMEM;
	if (loader_read(f, bz->setup_size + bz->payload_offset, payload,
			bz->payload_length)) {
		free(payload);
		snprintf(err, errlen, "%s: cannot read the payload", f->name);
		return -EIO;
	}
	fmt = decompress_detect(payload, bz->payload_length);
	if (fmt == DECOMPRESS_UNKNOWN || fmt == DECOMPRESS_NONE) {
		snprintf(
			f->how, sizeof(f->how), "%s",
			bz->payload_length
				? "the payload's compression is unknown to hyve"
				: "the setup header names no payload");
		free(payload);
		return 0;
	}
	r = decompress(fmt, payload, bz->payload_length, BZ_MAX_VMLINUX, out,
		       out_len, err, errlen);
	free(payload);
	if (r) {
		char why[256];
		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "%s: %s payload: %s", f->name,
			 decompress_format_name(fmt), why);
		return r;
	}
	snprintf(f->how, sizeof(f->how), "%s payload, %zu bytes decompressed",
		 decompress_format_name(fmt), *out_len);
	return 1;
}

int bzimage_unpack(struct loader_file *f, bool want_pvh, char *err,
		   size_t errlen)
{
	struct loader_file *v;
	void *buf;
	size_t len;
	int r;

	r = bzimage_decompress(f, &buf, &len, err, errlen);
	if (r <= 0) {
		if (!r && want_pvh) {
			snprintf(err, errlen, "%s: cannot boot by PVH: %s",
				 f->name, f->how);
			return -ENOTSUP;
		}
		return r;
	}
	v = calloc(1, sizeof(*v));
	if (!v) {
		free(buf);
		return -ENOMEM;
	}
	r = loader_open_buffer(buf, len, f->name, LOADER_PVH,
			       &(struct loader_options){ .payload = true }, v,
			       err, errlen);
	if (r) {
		free(v);
		free(buf);
		if (want_pvh)
			return r;
		snprintf(f->how, sizeof(f->how),
			 "its vmlinux cannot be booted by PVH");
		return 0;
	}
	f->vmlinux = v;
	f->vmlinux_buf = buf;
	return 1;
}

uint64_t bzimage_load_addr(const struct loader_bzimage *bz)
{
	/*
	 * A relocatable kernel runs where it is loaded: at pref_address if
	 * that is sane.  One that is not is loaded at 1 MiB and moves itself
	 * to pref_address (boot.rst, "pref_address" and "init_size").
	 */
	return bz->relocatable && bz->pref_address >= MEMMAP_BOOT_AREA_END
		       ? bz->pref_address
		       : MEMMAP_KERNEL;
}

/* The kernel's runtime start: where init_size bytes must be free. */
static uint64_t bzimage_runtime(const struct loader_bzimage *bz)
{
	return bz->relocatable || bz->pref_address < MEMMAP_BOOT_AREA_END
		       ? bzimage_load_addr(bz)
		       : bz->pref_address;
}

int bzimage_load(const struct loader_file *f, const struct guest_mem *gm,
		 struct loader_image *img, char *err, size_t errlen)
{
	const struct loader_bzimage *bz = &f->bz;
	const uint64_t pm = f->size - bz->setup_size;
	const uint64_t at = bzimage_load_addr(bz), run = bzimage_runtime(bz);
	void *dst = mem_ptr(gm, at, pm);
	uint64_t end = at + pm;

	if (!dst || !mem_range_ok(gm, run, bz->init_size)) {
		snprintf(err, errlen,
			 "%s: the kernel needs %#" PRIx64 " bytes at %#" PRIx64
			 " and %#x at %#" PRIx64 " (RAM is %" PRIu64 " MiB)",
			 f->name, pm, at, bz->init_size, run,
			 gm->ram_bytes >> 20);
		return -EFBIG;
	}
	if (loader_read(f, bz->setup_size, dst, pm)) {
		snprintf(err, errlen, "%s: read failed", f->name);
		return -EIO;
	}
	if (run + bz->init_size > end)
		end = run + bz->init_size;
	*img = (struct loader_image){
		.format = LOADER_BZIMAGE,
		.entry_kind = LOADER_ENTRY_LINUX64,
		.entry = at + BZ_ENTRY_64,
		.start = at,
		.end = end,
		.bz = bz,
	};
	return 0;
}

void bzimage_zero_page(const struct loader_bzimage *bz,
		       const struct bzimage_params *p, uint8_t *zp)
{
	unsigned int n =
		p->e820_count < ZP_E820_MAX ? p->e820_count : ZP_E820_MAX;

	memset(zp, 0, BZIMAGE_ZERO_PAGE_SIZE);
	memcpy(zp + ZP_HDR, bz->hdr, bz->hdr_len);
	zp[BZ_LOADER_TYPE] = LOADER_UNDEFINED;
	zp[BZ_LOADFLAGS] |= LOADED_HIGH;
	put32(zp + BZ_CODE32, (uint32_t)p->load_addr);
	put32(zp + BZ_CMDLINE, (uint32_t)p->cmdline);
	put32(zp + ZP_EXT_CMDLINE, (uint32_t)(p->cmdline >> 32));
	put32(zp + BZ_RAMDISK, (uint32_t)p->initrd);
	put32(zp + ZP_EXT_RAMDISK, (uint32_t)(p->initrd >> 32));
	put32(zp + BZ_RAMDISK_SIZE, (uint32_t)p->initrd_size);
	put32(zp + ZP_EXT_RD_SIZE, (uint32_t)(p->initrd_size >> 32));
	if (bz->version >= 0x020e)
		put64(zp + ZP_ACPI_RSDP, p->rsdp);
	zp[ZP_E820_ENTRIES] = (uint8_t)n;
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *e = zp + ZP_E820_TABLE + 20 * i;
		put64(e, p->e820[i].addr);
		put64(e + 8, p->e820[i].size);
		put32(e + 16, p->e820[i].type);
	}
}
