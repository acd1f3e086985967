/*
 * test_bzimage.c: Linux bzImages (boot/bzimage.c) from crafted setup
 * headers: parsing (Documentation/x86/boot.rst offsets), loading for the
 * 64-bit boot protocol, the zero page byte by byte (zero-page.rst), and
 * host decompression to a PVH vmlinux, with a gzip payload made here and
 * with the small kernel under build/linux/ when one has been built.  No
 * KVM needed.
 */
#include <glob.h>
#include <zlib.h>

#include "boot_fixture.h"

#include "arch/x86/e820.h"
#include "boot/bzimage.h"
#include "boot/loader.h"

#define NAME	 "bz.img"
#define RAM_SIZE (32 * MIB)
#define SETUP	 0xa00 /* the boot sector and 4 setup sectors */
#define PM_SIZE	 0x1000
#define IMG_LEN	 (SETUP + PM_SIZE)
#define PREF	 (16 * MIB)
#define INIT	 0x200000u
#define ENTRY64	 0x200

/* Setup header offsets (boot.rst), as the tests write them. */
#define H_SETUP_SECTS	0x1f1
#define H_BOOT_FLAG	0x1fe
#define H_JUMP		0x200
#define H_MAGIC		0x202
#define H_VERSION	0x206
#define H_LOADER_TYPE	0x210
#define H_LOADFLAGS	0x211
#define H_CODE32	0x214
#define H_RAMDISK	0x218
#define H_RAMDISK_SIZE	0x21c
#define H_HEAP_END	0x224
#define H_CMDLINE	0x228
#define H_INITRD_MAX	0x22c
#define H_ALIGN		0x230
#define H_RELOC		0x234
#define H_MIN_ALIGN	0x235
#define H_XLOADFLAGS	0x236
#define H_CMDLINE_SIZE	0x238
#define H_PAYLOAD_OFF	0x248
#define H_PAYLOAD_LEN	0x24c
#define H_PREF		0x258
#define H_INIT_SIZE	0x260
#define H_HANDOVER	0x264
#define ZP_ACPI_RSDP	0x070
#define ZP_EXT_RAMDISK	0x0c0
#define ZP_EXT_RD_SIZE	0x0c4
#define ZP_EXT_CMDLINE	0x0c8
#define ZP_E820_ENTRIES 0x1e8
#define ZP_SENTINEL	0x1ef
#define ZP_E820_TABLE	0x2d0

struct fx {
	struct ram ram;
	uint8_t *img; /* the bzImage being crafted */
	size_t len;
	struct loader_file f;
	bool open;
	struct loader_image li;
	char err[256];
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx || ram_new(&fx->ram, RAM_SIZE)) {
		free(fx);
		return -1;
	}
	fx->img = calloc(1, IMG_LEN);
	if (!fx->img) {
		ram_free(&fx->ram);
		free(fx);
		return -1;
	}
	fx->len = IMG_LEN;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	if (fx->open)
		loader_close(&fx->f);
	ram_free(&fx->ram);
	free(fx->img);
	free(fx);
	return 0;
}

/*
 * A good bzImage of protocol 2.15: 4 setup sectors, relocatable, 64-bit
 * entry, preferred at 16 MiB, 2 MiB init_size, PM_SIZE bytes of
 * protected-mode code with a "payload" 0x200 bytes at 0x100 in it.
 */
static void bz_good(uint8_t *b, size_t len)
{
	memset(b, 0, len);
	memset(b, 0x77, H_SETUP_SECTS); /* never copied to the zero page */
	b[H_SETUP_SECTS] = 4;
	le16(b + 0x1f2, 1);	  /* root_flags */
	le32(b + 0x1f4, 0x12345); /* syssize */
	le16(b + H_BOOT_FLAG, 0xaa55);
	b[H_JUMP] = 0xeb;
	b[H_JUMP + 1] = 0x66; /* the header ends at 0x268 */
	memcpy(b + H_MAGIC, "HdrS", 4);
	le16(b + H_VERSION, 0x020f);
	b[H_LOADER_TYPE] = 0x00;
	b[H_LOADFLAGS] = 0x80; /* CAN_USE_HEAP */
	le32(b + H_CODE32, 0x100000);
	le16(b + H_HEAP_END, 0xfe00);
	le32(b + H_INITRD_MAX, 0x7fffffff);
	le32(b + H_ALIGN, 0x200000);
	b[H_RELOC] = 1;
	b[H_MIN_ALIGN] = 21;
	le16(b + H_XLOADFLAGS, 0x1);
	le32(b + H_CMDLINE_SIZE, 0x7ff);
	le32(b + H_PAYLOAD_OFF, 0x100);
	le32(b + H_PAYLOAD_LEN, 0x200);
	le64(b + H_PREF, PREF);
	le32(b + H_INIT_SIZE, INIT);
	le32(b + H_HANDOVER, 0x190);
	b[0x267] = 0xab; /* the header's last byte */
	b[0x268] = 0xcd; /* the first byte after it */
	for (size_t i = SETUP; i < len; i++)
		b[i] = (uint8_t)(i * 13 + 7);
}

/* Open fx->img (fx->len bytes) as fmt; the result is fx->f. */
static int open_img(struct fx *fx, enum loader_format fmt,
		    const struct loader_options *opt)
{
	int r;

	if (fx->open)
		loader_close(&fx->f);
	fx->err[0] = '\0';
	r = loader_open_buffer(fx->img, fx->len, NAME, fmt, opt, &fx->f,
			       fx->err, sizeof(fx->err));
	fx->open = r == 0;
	return r;
}

/* A loader_file over buf for calling bzimage_* directly. */
static struct loader_file file_of(const uint8_t *buf, size_t len)
{
	return (struct loader_file){
		.name = NAME, .fd = -1, .buf = buf, .size = len
	};
}

/* Parse buf directly; return the result, err in fx->err. */
static int parse(struct fx *fx, struct loader_file *f)
{
	fx->err[0] = '\0';
	return bzimage_parse(f, fx->err, sizeof(fx->err));
}

/* Detection --------------------------------------------------------------- */

static void test_is_bzimage(void **state)
{
	struct fx *fx = *state;
	struct loader_file f;

	bz_good(fx->img, fx->len);
	f = file_of(fx->img, fx->len);
	assert_true(bzimage_is_bzimage(&f));
	/* Only the magic counts: no boot flag is still "a bzImage". */
	fx->img[H_BOOT_FLAG] = 0;
	assert_true(bzimage_is_bzimage(&f));
	/* 0x206 bytes hold the magic; one fewer do not. */
	f = file_of(fx->img, 0x206);
	assert_true(bzimage_is_bzimage(&f));
	f = file_of(fx->img, 0x205);
	assert_false(bzimage_is_bzimage(&f));
	f = file_of(fx->img, fx->len);
	fx->img[H_MAGIC + 3] = 's';
	assert_false(bzimage_is_bzimage(&f));
	memcpy(fx->img + H_MAGIC - 1, "HdrS", 4); /* one byte early */
	assert_false(bzimage_is_bzimage(&f));
}

/* bzimage_parse ----------------------------------------------------------- */

static void test_parse_good(void **state)
{
	struct fx *fx = *state;
	const struct loader_bzimage *bz = &fx->f.bz;

	bz_good(fx->img, fx->len);
	assert_int_equal(open_img(fx, LOADER_BZIMAGE, NULL), 0);
	assert_int_equal(fx->f.format, LOADER_BZIMAGE);
	assert_true(fx->f.is_linux);
	assert_null(fx->f.vmlinux);
	assert_string_equal(
		fx->f.how,
		"--kernel-format bzimage asks for the boot protocol");

	assert_int_equal(bz->version, 0x020f);
	assert_int_equal(bz->setup_sects, 4);
	assert_int_equal(bz->loadflags, 0x80);
	assert_int_equal(bz->xloadflags, 1);
	assert_int_equal(bz->relocatable, 1);
	assert_int_equal(bz->kernel_alignment, 0x200000);
	assert_int_equal(bz->initrd_addr_max, 0x7fffffff);
	assert_int_equal(bz->cmdline_size, 0x7ff);
	assert_int_equal(bz->init_size, INIT);
	assert_int_equal(bz->pref_address, PREF);
	assert_int_equal(bz->payload_offset, 0x100);
	assert_int_equal(bz->payload_length, 0x200);
	assert_int_equal(bz->setup_size, SETUP);
	/* The header: 0x1f1 up to 0x202 plus the jump's byte (0x268). */
	assert_int_equal(bz->hdr_len, 0x77);
	assert_memory_equal(bz->hdr, fx->img + 0x1f1, 0x77);
	assert_int_equal(bz->hdr[0x267 - 0x1f1], 0xab);

	/* Auto-detection finds the same; here host decompression fails. */
	assert_int_equal(open_img(fx, LOADER_AUTO, NULL), 0);
	assert_int_equal(fx->f.format, LOADER_BZIMAGE);
	assert_int_equal(fx->f.bz.pref_address, PREF);
	assert_null(fx->f.vmlinux);
}

/* A 64-bit pref_address, and setup_sects 0 meaning 4. */
static void test_parse_fields(void **state)
{
	struct fx *fx = *state;
	struct loader_file f;

	bz_good(fx->img, fx->len);
	fx->img[H_SETUP_SECTS] = 0;
	le64(fx->img + H_PREF, 0x123456789abc0000ULL);
	le32(fx->img + H_INITRD_MAX, 0x37ffffff);
	fx->img[H_RELOC] = 0;
	f = file_of(fx->img, fx->len);
	assert_int_equal(parse(fx, &f), 0);
	assert_int_equal(f.bz.setup_sects, 4);
	assert_int_equal(f.bz.setup_size, 0xa00);
	assert_int_equal(f.bz.pref_address, 0x123456789abc0000ULL);
	assert_int_equal(f.bz.initrd_addr_max, 0x37ffffff);
	assert_int_equal(f.bz.relocatable, 0);

	/* One setup sector: the protected-mode code starts at 0x400. */
	fx->img[H_SETUP_SECTS] = 1;
	assert_int_equal(parse(fx, &f), 0);
	assert_int_equal(f.bz.setup_sects, 1);
	assert_int_equal(f.bz.setup_size, 0x400);
}

/* How much header is copied: from the jump's offset byte, at most 0x80. */
static void test_parse_header_length(void **state)
{
	static const struct {
		uint8_t jump;
		size_t len;
	} cases[] = {
		{ 0x00, 0x11 }, { 0x01, 0x12 }, { 0x66, 0x77 }, { 0x6a, 0x7b },
		{ 0x6e, 0x7f }, { 0x6f, 0x80 }, { 0x70, 0x80 }, { 0xff, 0x80 },
	};
	struct fx *fx = *state;
	struct loader_file f;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bz_good(fx->img, fx->len);
		fx->img[H_JUMP + 1] = cases[i].jump;
		f = file_of(fx->img, fx->len);
		memset(f.bz.hdr, 0xee, sizeof(f.bz.hdr));
		assert_int_equal(parse(fx, &f), 0);
		assert_int_equal(f.bz.hdr_len, cases[i].len);
		assert_memory_equal(f.bz.hdr, fx->img + 0x1f1, cases[i].len);
	}
}

static void test_parse_protocol(void **state)
{
	struct fx *fx = *state;
	struct loader_file f;

	bz_good(fx->img, fx->len);
	f = file_of(fx->img, fx->len);

	le16(fx->img + H_VERSION, 0x020b);
	assert_int_equal(parse(fx, &f), -ENOEXEC);
	assert_string_equal(fx->err, NAME ": boot protocol 2.11; hyve needs "
					  "2.12 or later with a 64-bit entry "
					  "point");
	le16(fx->img + H_VERSION, 0x0205);
	assert_int_equal(parse(fx, &f), -ENOEXEC);
	assert_contains(fx->err, ": boot protocol 2.05; hyve needs 2.12");

	/* 2.12 is the oldest taken ... */
	le16(fx->img + H_VERSION, 0x020c);
	assert_int_equal(parse(fx, &f), 0);
	assert_int_equal(f.bz.version, 0x020c);
	le16(fx->img + H_VERSION, 0x0300);
	assert_int_equal(parse(fx, &f), 0);

	/* ... and only with XLF_KERNEL_64. */
	le16(fx->img + H_VERSION, 0x020c);
	le16(fx->img + H_XLOADFLAGS, 0x7e);
	assert_int_equal(parse(fx, &f), -ENOEXEC);
	assert_string_equal(fx->err, NAME ": boot protocol 2.12 without a "
					  "64-bit entry point; hyve needs "
					  "2.12 or later with a 64-bit entry "
					  "point");
	le16(fx->img + H_XLOADFLAGS, 0x7f);
	assert_int_equal(parse(fx, &f), 0);
	assert_int_equal(f.bz.xloadflags, 0x7f);
}

static void test_parse_not_bzimage(void **state)
{
	struct fx *fx = *state;
	struct loader_file f;
	const char *want = NAME ": not a Linux bzImage (no \"HdrS\" header)";

	/* The magic but no boot flag: said so. */
	bz_good(fx->img, fx->len);
	le16(fx->img + H_BOOT_FLAG, 0xaa56);
	f = file_of(fx->img, fx->len);
	assert_int_equal(parse(fx, &f), -ENOEXEC);
	assert_string_equal(fx->err,
			    NAME ": not a Linux bzImage (no 0xaa55 boot flag)");

	/* The boot flag but no magic. */
	bz_good(fx->img, fx->len);
	fx->img[H_MAGIC] = 'h';
	assert_int_equal(parse(fx, &f), -ENOEXEC);
	assert_string_equal(fx->err, want);

	/* Shorter than the part of the header hyve reads (0x280 bytes). */
	bz_good(fx->img, fx->len);
	f = file_of(fx->img, 0x27f);
	assert_int_equal(parse(fx, &f), -ENOEXEC);
	assert_string_equal(fx->err, want);
}

static void test_parse_truncated_setup(void **state)
{
	struct fx *fx = *state;
	struct loader_file f;

	bz_good(fx->img, fx->len);
	f = file_of(fx->img, fx->len);
	/* (12 + 1) * 512 = 6656 bytes of setup: the whole file. */
	fx->img[H_SETUP_SECTS] = 12;
	assert_int_equal(parse(fx, &f), -ENOEXEC);
	assert_string_equal(fx->err, NAME ": truncated bzImage: 12 setup "
					  "sectors but the file has 6656 "
					  "bytes");
	fx->img[H_SETUP_SECTS] = 255;
	assert_int_equal(parse(fx, &f), -ENOEXEC);
	assert_contains(fx->err, "truncated bzImage: 255 setup sectors");

	/* Setup that is the whole file leaves no kernel: refused. */
	fx->img[H_SETUP_SECTS] = 4;
	le32(fx->img + H_PAYLOAD_OFF, 0);
	le32(fx->img + H_PAYLOAD_LEN, 0);
	f = file_of(fx->img, SETUP);
	assert_int_equal(parse(fx, &f), -ENOEXEC);
	assert_string_equal(fx->err, NAME ": truncated bzImage: 4 setup "
					  "sectors but the file has 2560 "
					  "bytes");
	/* One byte of kernel is enough for the parser. */
	f = file_of(fx->img, SETUP + 1);
	assert_int_equal(parse(fx, &f), 0);
}

static void test_parse_payload_bounds(void **state)
{
	struct fx *fx = *state;
	struct loader_file f;

	bz_good(fx->img, fx->len);
	f = file_of(fx->img, fx->len);

	/* Exactly to the end of the file. */
	le32(fx->img + H_PAYLOAD_OFF, 0x100);
	le32(fx->img + H_PAYLOAD_LEN, PM_SIZE - 0x100);
	assert_int_equal(parse(fx, &f), 0);
	le32(fx->img + H_PAYLOAD_OFF, PM_SIZE);
	le32(fx->img + H_PAYLOAD_LEN, 0);
	assert_int_equal(parse(fx, &f), 0);

	/* One byte past it. */
	le32(fx->img + H_PAYLOAD_OFF, 0x100);
	le32(fx->img + H_PAYLOAD_LEN, PM_SIZE - 0x100 + 1);
	assert_int_equal(parse(fx, &f), -ENOEXEC);
	assert_string_equal(fx->err, NAME ": truncated bzImage: the payload "
					  "(0xf01 bytes at 0x100) runs past "
					  "the end of the file");
	le32(fx->img + H_PAYLOAD_OFF, PM_SIZE + 1);
	le32(fx->img + H_PAYLOAD_LEN, 0);
	assert_int_equal(parse(fx, &f), -ENOEXEC);
	assert_contains(fx->err, "the payload (0 bytes at 0x1001) runs past");

	/* Sums that would wrap in 32 bits. */
	le32(fx->img + H_PAYLOAD_OFF, 0xffffffff);
	le32(fx->img + H_PAYLOAD_LEN, 2);
	assert_int_equal(parse(fx, &f), -ENOEXEC);
	assert_contains(fx->err,
			"the payload (0x2 bytes at 0xffffffff) runs past");
	le32(fx->img + H_PAYLOAD_OFF, 0x10);
	le32(fx->img + H_PAYLOAD_LEN, 0xfffffff8);
	assert_int_equal(parse(fx, &f), -ENOEXEC);
	assert_contains(fx->err, "(0xfffffff8 bytes at 0x10) runs past");
}

/* bzimage_load ------------------------------------------------------------ */

static int load(struct fx *fx, const struct guest_mem *gm)
{
	fx->err[0] = '\0';
	return loader_load(&fx->f, gm, &fx->li, fx->err, sizeof(fx->err));
}

/* The protected-mode code at `at`, nothing around it. */
static void check_code_at(struct fx *fx, uint64_t at)
{
	assert_memory_equal(fx->ram.host + at, fx->img + SETUP, PM_SIZE);
	assert_int_equal(fx->ram.host[at - 1], 0x5a);
	assert_int_equal(fx->ram.host[at + PM_SIZE], 0x5a);
}

static void test_load_relocatable(void **state)
{
	struct fx *fx = *state;

	bz_good(fx->img, fx->len);
	assert_int_equal(open_img(fx, LOADER_BZIMAGE, NULL), 0);
	assert_int_equal(bzimage_load_addr(&fx->f.bz), PREF);
	memset(fx->ram.host, 0x5a, RAM_SIZE);
	assert_int_equal(load(fx, &fx->ram.gm), 0);
	assert_int_equal(fx->li.format, LOADER_BZIMAGE);
	assert_int_equal(fx->li.entry_kind, LOADER_ENTRY_LINUX64);
	assert_int_equal(fx->li.start, PREF);
	assert_int_equal(fx->li.entry, PREF + ENTRY64);
	assert_int_equal(fx->li.end, PREF + INIT); /* init_size > code */
	assert_ptr_equal(fx->li.bz, &fx->f.bz);
	assert_null(fx->li.mb);
	check_code_at(fx, PREF);
	/* The setup sectors are not loaded. */
	assert_int_equal(fx->ram.host[0x1f1], 0x5a);
	assert_int_equal(fx->ram.host[1 * MIB], 0x5a);

	/* init_size smaller than the code: the end is the code's. */
	le32(fx->img + H_INIT_SIZE, 0x800);
	assert_int_equal(open_img(fx, LOADER_BZIMAGE, NULL), 0);
	assert_int_equal(load(fx, &fx->ram.gm), 0);
	assert_int_equal(fx->li.end, PREF + PM_SIZE);
}

/* A relocatable kernel that prefers no sane address goes to 1 MiB. */
static void test_load_relocatable_low(void **state)
{
	static const uint64_t prefs[] = { 0, 0x1000, 0x80000, MIB - 1 };
	struct fx *fx = *state;

	for (size_t i = 0; i < sizeof(prefs) / sizeof(prefs[0]); i++) {
		bz_good(fx->img, fx->len);
		le64(fx->img + H_PREF, prefs[i]);
		assert_int_equal(open_img(fx, LOADER_BZIMAGE, NULL), 0);
		assert_int_equal(bzimage_load_addr(&fx->f.bz), MIB);
		memset(fx->ram.host, 0x5a, RAM_SIZE);
		assert_int_equal(load(fx, &fx->ram.gm), 0);
		assert_int_equal(fx->li.start, MIB);
		assert_int_equal(fx->li.entry, MIB + 0x200);
		assert_int_equal(fx->li.end, MIB + INIT);
		check_code_at(fx, MIB);
	}
	/* 1 MiB itself is sane. */
	le64(fx->img + H_PREF, MIB);
	assert_int_equal(open_img(fx, LOADER_BZIMAGE, NULL), 0);
	assert_int_equal(bzimage_load_addr(&fx->f.bz), MIB);
	le64(fx->img + H_PREF, 2 * MIB);
	assert_int_equal(open_img(fx, LOADER_BZIMAGE, NULL), 0);
	assert_int_equal(bzimage_load_addr(&fx->f.bz), 2 * MIB);
}

/*
 * A kernel that is not relocatable is loaded at 1 MiB and moves itself
 * to pref_address, where its init_size bytes must be RAM.
 */
static void test_load_fixed(void **state)
{
	struct fx *fx = *state;
	struct guest_mem gm;

	bz_good(fx->img, fx->len);
	fx->img[H_RELOC] = 0;
	assert_int_equal(open_img(fx, LOADER_BZIMAGE, NULL), 0);
	assert_int_equal(bzimage_load_addr(&fx->f.bz), MIB);
	memset(fx->ram.host, 0x5a, RAM_SIZE);
	assert_int_equal(load(fx, &fx->ram.gm), 0);
	assert_int_equal(fx->li.start, MIB);
	assert_int_equal(fx->li.entry, MIB + 0x200);
	assert_int_equal(fx->li.end, PREF + INIT);
	assert_int_equal(fx->li.entry_kind, LOADER_ENTRY_LINUX64);
	check_code_at(fx, MIB);
	assert_int_equal(fx->ram.host[PREF], 0x5a); /* only reserved */

	/* RAM that ends exactly at pref_address + init_size will do. */
	assert_int_equal(mem_layout_ram(&gm, fx->ram.host, PREF + INIT), 0);
	assert_int_equal(load(fx, &gm), 0);

	/* One page less will not, and nothing is written. */
	memset(fx->ram.host, 0, RAM_SIZE);
	assert_int_equal(mem_layout_ram(&gm, fx->ram.host, PREF + INIT - 4096),
			 0);
	assert_int_equal(load(fx, &gm), -EFBIG);
	assert_string_equal(fx->err, NAME ": the kernel needs 0x1000 bytes at "
					  "0x100000 and 0x200000 at "
					  "0x1000000 (RAM is 17 MiB)");
	ram_assert_all(&fx->ram, 0, RAM_SIZE, 0);

	/* Not relocatable and no sane pref_address: it runs at 1 MiB. */
	le64(fx->img + H_PREF, 0x80000);
	assert_int_equal(open_img(fx, LOADER_BZIMAGE, NULL), 0);
	memset(fx->ram.host, 0x5a, RAM_SIZE);
	assert_int_equal(load(fx, &fx->ram.gm), 0);
	assert_int_equal(fx->li.start, MIB);
	assert_int_equal(fx->li.end, MIB + INIT);
	check_code_at(fx, MIB);
}

/* Kernels too big for RAM: refused with both ranges, nothing written. */
static void test_load_too_big(void **state)
{
	struct fx *fx = *state;
	struct guest_mem gm;
	uint8_t *big;
	size_t big_len = SETUP + MIB + 1;

	/* init_size past the end of 2 MiB of RAM. */
	bz_good(fx->img, fx->len);
	le64(fx->img + H_PREF, MIB);
	assert_int_equal(open_img(fx, LOADER_BZIMAGE, NULL), 0);
	assert_int_equal(mem_layout_ram(&gm, fx->ram.host, 2 * MIB), 0);
	assert_int_equal(load(fx, &gm), -EFBIG);
	assert_string_equal(fx->err, NAME ": the kernel needs 0x1000 bytes at "
					  "0x100000 and 0x200000 at 0x100000 "
					  "(RAM is 2 MiB)");
	ram_assert_all(&fx->ram, 0, RAM_SIZE, 0);

	/* pref_address past RAM, and one whose sums would wrap. */
	le64(fx->img + H_PREF, 0x40000000);
	assert_int_equal(open_img(fx, LOADER_BZIMAGE, NULL), 0);
	assert_int_equal(load(fx, &fx->ram.gm), -EFBIG);
	assert_string_equal(fx->err, NAME ": the kernel needs 0x1000 bytes at "
					  "0x40000000 and 0x200000 at "
					  "0x40000000 (RAM is 32 MiB)");
	le64(fx->img + H_PREF, 0xfffffffffffff000ULL);
	assert_int_equal(open_img(fx, LOADER_BZIMAGE, NULL), 0);
	assert_int_equal(load(fx, &fx->ram.gm), -EFBIG);
	assert_contains(fx->err, "0x1000 bytes at 0xfffffffffffff000 and");
	ram_assert_all(&fx->ram, 0, RAM_SIZE, 0);

	/* Protected-mode code one byte bigger than the RAM above 1 MiB. */
	big = calloc(1, big_len);
	assert_non_null(big);
	bz_good(big, big_len);
	le64(big + H_PREF, MIB);
	le32(big + H_INIT_SIZE, 0);
	fx->err[0] = '\0';
	if (fx->open)
		loader_close(&fx->f);
	fx->open = false;
	assert_int_equal(loader_open_buffer(big, big_len, NAME, LOADER_BZIMAGE,
					    NULL, &fx->f, fx->err,
					    sizeof(fx->err)),
			 0);
	fx->open = true;
	assert_int_equal(load(fx, &gm), -EFBIG);
	assert_string_equal(fx->err, NAME ": the kernel needs 0x100001 bytes "
					  "at 0x100000 and 0 at 0x100000 (RAM "
					  "is 2 MiB)");
	ram_assert_all(&fx->ram, 0, RAM_SIZE, 0);
	loader_close(&fx->f);
	fx->open = false;
	free(big);
}

/* The zero page ----------------------------------------------------------- */

static const struct e820_entry zp_map[] = {
	{ 0, 0x9fc00, E820_RAM },
	{ 0x9fc00, 0x60400, E820_RESERVED },
	{ 0x100000, 0x1ff00000, E820_RAM },
	{ 0xfffbc000, 0x4000, E820_RESERVED },
	{ 0x100000000ULL, 0x40000000, E820_RAM },
};

/* The zero page as boot.rst says it must be, from the header in img. */
static void zp_expect(uint8_t *want, const uint8_t *img, size_t hdr_len,
		      const struct bzimage_params *p, bool rsdp)
{
	memset(want, 0, BZIMAGE_ZERO_PAGE_SIZE);
	memcpy(want + 0x1f1, img + 0x1f1, hdr_len);
	want[H_LOADER_TYPE] = 0xff;
	want[H_LOADFLAGS] |= 0x01;
	le32(want + H_CODE32, (uint32_t)p->load_addr);
	le32(want + H_CMDLINE, (uint32_t)p->cmdline);
	le32(want + ZP_EXT_CMDLINE, (uint32_t)(p->cmdline >> 32));
	le32(want + H_RAMDISK, (uint32_t)p->initrd);
	le32(want + ZP_EXT_RAMDISK, (uint32_t)(p->initrd >> 32));
	le32(want + H_RAMDISK_SIZE, (uint32_t)p->initrd_size);
	le32(want + ZP_EXT_RD_SIZE, (uint32_t)(p->initrd_size >> 32));
	if (rsdp)
		le64(want + ZP_ACPI_RSDP, p->rsdp);
	want[ZP_E820_ENTRIES] =
		(uint8_t)(p->e820_count < 128 ? p->e820_count : 128);
	for (unsigned int i = 0; i < p->e820_count && i < 128; i++) {
		le64(want + ZP_E820_TABLE + 20 * i, p->e820[i].addr);
		le64(want + ZP_E820_TABLE + 20 * i + 8, p->e820[i].size);
		le32(want + ZP_E820_TABLE + 20 * i + 16, p->e820[i].type);
	}
}

static void test_zero_page(void **state)
{
	struct fx *fx = *state;
	uint8_t zp[BZIMAGE_ZERO_PAGE_SIZE], want[BZIMAGE_ZERO_PAGE_SIZE];
	const struct bzimage_params p = {
		.load_addr = 0x1000000,
		.cmdline = 0x4000,
		.initrd = 0x1fff0000,
		.initrd_size = 0x123456,
		.rsdp = 0xe0000,
		.e820 = zp_map,
		.e820_count = 5,
	};

	bz_good(fx->img, fx->len);
	assert_int_equal(open_img(fx, LOADER_BZIMAGE, NULL), 0);
	memset(zp, 0xcc, sizeof(zp));
	bzimage_zero_page(&fx->f.bz, &p, zp);
	zp_expect(want, fx->img, 0x77, &p, true);
	assert_bytes(zp, want, sizeof(zp), "zero page");

	/* The same, field by field. */
	assert_memory_equal(zp + 0x1f1, fx->img + 0x1f1, 0x1f);
	assert_int_equal(zp[0x1f1], 4);			/* setup_sects */
	assert_int_equal(rd16(zp + 0x1fe), 0xaa55);	/* boot_flag */
	assert_memory_equal(zp + 0x202, "HdrS", 4);	/* header */
	assert_int_equal(rd16(zp + 0x206), 0x020f);	/* version */
	assert_int_equal(zp[0x210], 0xff);		/* type_of_loader */
	assert_int_equal(zp[0x211], 0x81);		/* LOADED_HIGH too */
	assert_int_equal(rd32(zp + 0x214), 0x1000000);	/* code32_start */
	assert_int_equal(rd32(zp + 0x218), 0x1fff0000); /* ramdisk_image */
	assert_int_equal(rd32(zp + 0x21c), 0x123456);	/* ramdisk_size */
	assert_int_equal(rd16(zp + 0x224), 0xfe00);	/* heap_end_ptr */
	assert_int_equal(rd32(zp + 0x228), 0x4000);	/* cmd_line_ptr */
	assert_int_equal(rd32(zp + 0x22c), 0x7fffffff); /* initrd_addr_max */
	assert_int_equal(rd32(zp + 0x238), 0x7ff);	/* cmdline_size */
	assert_int_equal(rd64(zp + 0x258), PREF);	/* pref_address */
	assert_int_equal(rd32(zp + 0x260), INIT);	/* init_size */
	assert_int_equal(zp[0x267], 0xab);		/* last header byte */
	assert_int_equal(zp[0x268], 0);			/* not copied */
	assert_int_equal(rd64(zp + ZP_ACPI_RSDP), 0xe0000);
	assert_int_equal(rd32(zp + ZP_EXT_RAMDISK), 0);
	assert_int_equal(rd32(zp + ZP_EXT_RD_SIZE), 0);
	assert_int_equal(rd32(zp + ZP_EXT_CMDLINE), 0);
	assert_int_equal(zp[ZP_E820_ENTRIES], 5);
	assert_int_equal(zp[ZP_SENTINEL], 0);
	assert_int_equal(rd64(zp + 0x2d0 + 20 * 2), 0x100000);
	assert_int_equal(rd64(zp + 0x2d0 + 20 * 2 + 8), 0x1ff00000);
	assert_int_equal(rd32(zp + 0x2d0 + 20 * 2 + 16), 1);
	assert_int_equal(rd64(zp + 0x2d0 + 20 * 4), 0x100000000ULL);
	assert_int_equal(rd32(zp + 0x2d0 + 20 * 4 + 16), 1);
	assert_int_equal(rd64(zp + 0x2d0 + 20 * 5), 0); /* past the last */
	/* Nothing below the header but what the loader fills in. */
	for (unsigned int i = 0; i < 0x1f1; i++)
		if (i != ZP_ACPI_RSDP && i != ZP_ACPI_RSDP + 1 &&
		    i != ZP_ACPI_RSDP + 2 && i != ZP_E820_ENTRIES)
			assert_int_equal(zp[i], 0);
}

/* Addresses and sizes above 4 GiB go to the ext_ halves. */
static void test_zero_page_high(void **state)
{
	struct fx *fx = *state;
	uint8_t zp[BZIMAGE_ZERO_PAGE_SIZE], want[BZIMAGE_ZERO_PAGE_SIZE];
	const struct bzimage_params p = {
		.load_addr = 0x200000,
		.cmdline = 0x123456789aULL,
		.initrd = 0xabcdef012000ULL,
		.initrd_size = 0x100000010ULL,
		.rsdp = 0x1122334455667788ULL,
		.e820 = zp_map,
		.e820_count = 2,
	};

	bz_good(fx->img, fx->len);
	assert_int_equal(open_img(fx, LOADER_BZIMAGE, NULL), 0);
	memset(zp, 0xcc, sizeof(zp));
	bzimage_zero_page(&fx->f.bz, &p, zp);
	zp_expect(want, fx->img, 0x77, &p, true);
	assert_bytes(zp, want, sizeof(zp), "zero page");
	assert_int_equal(rd32(zp + 0x228), 0x3456789a);
	assert_int_equal(rd32(zp + 0x0c8), 0x12);
	assert_int_equal(rd32(zp + 0x218), 0xef012000);
	assert_int_equal(rd32(zp + 0x0c0), 0xabcd);
	assert_int_equal(rd32(zp + 0x21c), 0x10);
	assert_int_equal(rd32(zp + 0x0c4), 1);
	assert_int_equal(rd64(zp + 0x070), 0x1122334455667788ULL);
	assert_int_equal(zp[0x1e8], 2);
}

/* acpi_rsdp_addr exists from protocol 2.14 on. */
static void test_zero_page_rsdp_version(void **state)
{
	struct fx *fx = *state;
	uint8_t zp[BZIMAGE_ZERO_PAGE_SIZE], want[BZIMAGE_ZERO_PAGE_SIZE];
	const struct bzimage_params p = {
		.load_addr = 0x1000000,
		.cmdline = 0x4000,
		.rsdp = 0xe0000,
		.e820 = zp_map,
		.e820_count = 5,
	};
	static const struct {
		uint16_t version;
		bool rsdp;
	} cases[] = {
		{ 0x020c, false },
		{ 0x020d, false },
		{ 0x020e, true },
		{ 0x020f, true },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bz_good(fx->img, fx->len);
		le16(fx->img + H_VERSION, cases[i].version);
		assert_int_equal(open_img(fx, LOADER_BZIMAGE, NULL), 0);
		memset(zp, 0xcc, sizeof(zp));
		bzimage_zero_page(&fx->f.bz, &p, zp);
		zp_expect(want, fx->img, 0x77, &p, cases[i].rsdp);
		assert_bytes(zp, want, sizeof(zp), "zero page");
		assert_int_equal(rd64(zp + 0x70), cases[i].rsdp ? 0xe0000 : 0);
	}
}

/* At most 128 E820 entries, 20 bytes each; none at all is fine. */
static void test_zero_page_e820_limit(void **state)
{
	struct fx *fx = *state;
	uint8_t zp[BZIMAGE_ZERO_PAGE_SIZE], want[BZIMAGE_ZERO_PAGE_SIZE];
	struct e820_entry map[200];
	struct bzimage_params p = {
		.load_addr = 0x100000,
		.cmdline = 0x4000,
		.e820 = map,
	};
	static const unsigned int counts[] = { 0, 1, 127, 128, 129, 200 };

	for (unsigned int i = 0; i < 200; i++)
		map[i] = (struct e820_entry){ .addr = 0x100000ULL * (i + 1),
					      .size = 0x1000 + i,
					      .type = 1 + i % 4 };
	bz_good(fx->img, fx->len);
	assert_int_equal(open_img(fx, LOADER_BZIMAGE, NULL), 0);
	for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		unsigned int n = counts[c] < 128 ? counts[c] : 128;

		p.e820_count = counts[c];
		memset(zp, 0xcc, sizeof(zp));
		bzimage_zero_page(&fx->f.bz, &p, zp);
		zp_expect(want, fx->img, 0x77, &p, true);
		assert_bytes(zp, want, sizeof(zp), "zero page");
		assert_int_equal(zp[0x1e8], n);
		if (n) {
			uint8_t *last = zp + 0x2d0 + 20 * (n - 1);
			assert_int_equal(rd64(last), 0x100000ULL * n);
			assert_int_equal(rd64(last + 8), 0x1000 + n - 1);
			assert_int_equal(rd32(last + 16), 1 + (n - 1) % 4);
		}
		/* The table ends at 0x2d0 + 128 * 20 = 0xcd0. */
		for (unsigned int k = 0x2d0 + 20 * n; k < sizeof(zp); k++)
			assert_int_equal(zp[k], 0);
		assert_int_equal(zp[ZP_SENTINEL], 0);
	}
}

/* The header copied with its own length, at most 0x80 bytes. */
static void test_zero_page_header_length(void **state)
{
	struct fx *fx = *state;
	uint8_t zp[BZIMAGE_ZERO_PAGE_SIZE], want[BZIMAGE_ZERO_PAGE_SIZE];
	const struct bzimage_params p = { .load_addr = 0x100000 };

	bz_good(fx->img, fx->len);
	memset(fx->img + 0x268, 0xd1, 0x280 - 0x268);
	fx->img[H_JUMP + 1] = 0xff;
	assert_int_equal(open_img(fx, LOADER_BZIMAGE, NULL), 0);
	assert_int_equal(fx->f.bz.hdr_len, 0x80);
	bzimage_zero_page(&fx->f.bz, &p, zp);
	zp_expect(want, fx->img, 0x80, &p, true);
	assert_bytes(zp, want, sizeof(zp), "zero page");
	assert_int_equal(zp[0x270], 0xd1);
	assert_int_equal(zp[0x271], 0);

	fx->img[H_JUMP + 1] = 0;
	assert_int_equal(open_img(fx, LOADER_BZIMAGE, NULL), 0);
	bzimage_zero_page(&fx->f.bz, &p, zp);
	zp_expect(want, fx->img, 0x11, &p, false);
	/* Only up to the magic: the version is not in the zero page. */
	assert_bytes(zp, want, sizeof(zp), "zero page");
	assert_int_equal(rd16(zp + 0x206), 0);
	assert_int_equal(zp[0x1e8], 0);
}

/* Host decompression ------------------------------------------------------ */

/* gzip in[0, n) with zlib into a malloc'd buffer. */
static uint8_t *gzip(const uint8_t *in, size_t n, size_t *out_len)
{
	z_stream zs = { 0 };
	size_t cap;
	uint8_t *out;

	assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8,
				      Z_DEFAULT_STRATEGY),
			 Z_OK);
	cap = deflateBound(&zs, n) + 64;
	out = malloc(cap);
	assert_non_null(out);
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)n;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	*out_len = zs.total_out;
	deflateEnd(&zs);
	return out;
}

#define VM_ENTRY  0x1000040
#define VM_PADDR  0x1000000
#define VM_FILESZ 0x300

/*
 * A vmlinux: an ELF64 with a PT_LOAD of VM_FILESZ bytes at 16 MiB and, when
 * pvh, the Xen PHYS32_ENTRY note (8-byte descriptor, as Linux has it)
 * and Linux's own note.
 */
static void vmlinux(struct elf_build *e, bool pvh)
{
	uint64_t entry = VM_ENTRY;
	size_t n = 0;

	elfb_init(e, ELFCLASS64, 2, VM_ENTRY, 0x1000);
	elfb_phdr(e, 0, PT_LOAD, 0x400, VM_PADDR, VM_FILESZ, 0x2000);
	elfb_fill(e, 0x400, VM_FILESZ, 0x31);
	if (pvh)
		n += elfb_note(e, 0x200, "Xen", 18, &entry, 8);
	n += elfb_note(e, 0x200 + n, "Linux", 6, "6.1", 4);
	elfb_phdr(e, 1, PT_NOTE, 0x200, 0, n, n);
}

/* fx->img: a bzImage whose payload (at 0x40 in the code) is pay. */
static void bz_with_payload(struct fx *fx, const uint8_t *pay, size_t n)
{
	free(fx->img);
	fx->len = SETUP + 0x40 + n + 4;
	fx->img = calloc(1, fx->len);
	assert_non_null(fx->img);
	bz_good(fx->img, fx->len);
	le32(fx->img + H_PAYLOAD_OFF, 0x40);
	le32(fx->img + H_PAYLOAD_LEN, (uint32_t)n);
	memcpy(fx->img + SETUP + 0x40, pay, n);
}

static void test_unpack_pvh(void **state)
{
	struct fx *fx = *state;
	struct loader_options no_host = { .host_decompress = false };
	struct elf_build e;
	uint8_t *gz;
	size_t gz_len;
	char how[160];

	vmlinux(&e, true);
	gz = gzip(e.buf, e.len, &gz_len);
	bz_with_payload(fx, gz, gz_len);
	snprintf(how, sizeof(how), "gzip payload, %zu bytes decompressed",
		 e.len);

	/* auto: decompressed on the host, booted through PVH. */
	assert_int_equal(open_img(fx, LOADER_AUTO, NULL), 0);
	assert_int_equal(fx->f.format, LOADER_BZIMAGE);
	assert_true(fx->f.is_linux);
	assert_string_equal(fx->f.how, how);
	assert_non_null(fx->f.vmlinux);
	assert_non_null(fx->f.vmlinux_buf);
	assert_int_equal(fx->f.vmlinux->format, LOADER_PVH);
	assert_int_equal(fx->f.vmlinux->pvh_entry, VM_ENTRY);
	assert_int_equal(fx->f.vmlinux->size, e.len);
	assert_true(fx->f.vmlinux->is_linux);
	assert_string_equal(fx->f.vmlinux->name, NAME);
	assert_memory_equal(fx->f.vmlinux_buf, e.buf, e.len);

	memset(fx->ram.host, 0x5a, RAM_SIZE);
	assert_int_equal(load(fx, &fx->ram.gm), 0);
	assert_int_equal(fx->li.format, LOADER_BZIMAGE);
	assert_int_equal(fx->li.entry_kind, LOADER_ENTRY_PVH);
	assert_int_equal(fx->li.entry, VM_ENTRY);
	assert_int_equal(fx->li.start, VM_PADDR);
	assert_int_equal(fx->li.end, VM_PADDR + 0x2000);
	assert_null(fx->li.bz);
	assert_memory_equal(fx->ram.host + VM_PADDR, e.buf + 0x400, VM_FILESZ);
	ram_assert_all(&fx->ram, VM_PADDR + VM_FILESZ, VM_PADDR + 0x2000, 0);
	assert_int_equal(fx->ram.host[VM_PADDR + 0x2000], 0x5a);
	assert_int_equal(fx->ram.host[MIB], 0x5a); /* no boot protocol */

	/* pvh: the same, asked for. */
	assert_int_equal(open_img(fx, LOADER_PVH, NULL), 0);
	assert_int_equal(fx->f.format, LOADER_BZIMAGE);
	assert_non_null(fx->f.vmlinux);
	assert_string_equal(fx->f.how, how);

	/* --no-host-decompress: the boot protocol. */
	assert_int_equal(open_img(fx, LOADER_AUTO, &no_host), 0);
	assert_null(fx->f.vmlinux);
	assert_string_equal(fx->f.how,
			    "--no-host-decompress asks for the boot protocol");
	assert_int_equal(load(fx, &fx->ram.gm), 0);
	assert_int_equal(fx->li.entry_kind, LOADER_ENTRY_LINUX64);
	assert_int_equal(fx->li.entry, PREF + 0x200);

	/* ... which pvh overrides, and bzimage never decompresses. */
	assert_int_equal(open_img(fx, LOADER_PVH, &no_host), 0);
	assert_non_null(fx->f.vmlinux);
	assert_int_equal(open_img(fx, LOADER_BZIMAGE, NULL), 0);
	assert_null(fx->f.vmlinux);
	assert_string_equal(
		fx->f.how,
		"--kernel-format bzimage asks for the boot protocol");

	/* loader_close twice is safe. */
	loader_close(&fx->f);
	loader_close(&fx->f);
	fx->open = false;
	free(gz);
	elfb_free(&e);
}

/* A vmlinux without the PVH note: boot protocol, or refused for pvh. */
static void test_unpack_not_pvh(void **state)
{
	struct fx *fx = *state;
	struct elf_build e;
	uint8_t junk[0x400], *gz;
	size_t gz_len;

	vmlinux(&e, false);
	gz = gzip(e.buf, e.len, &gz_len);
	bz_with_payload(fx, gz, gz_len);
	free(gz);
	assert_int_equal(open_img(fx, LOADER_AUTO, NULL), 0);
	assert_null(fx->f.vmlinux);
	assert_null(fx->f.vmlinux_buf);
	assert_string_equal(fx->f.how, "its vmlinux cannot be booted by PVH");
	assert_int_equal(load(fx, &fx->ram.gm), 0);
	assert_int_equal(fx->li.entry_kind, LOADER_ENTRY_LINUX64);

	assert_int_equal(open_img(fx, LOADER_PVH, NULL), -ENOEXEC);
	assert_string_equal(fx->err, NAME ": not a PVH kernel: the ELF has no "
					  "XEN_ELFNOTE_PHYS32_ENTRY note");

	/* A payload that decompresses to something that is no ELF. */
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 7);
	gz = gzip(junk, sizeof(junk), &gz_len);
	bz_with_payload(fx, gz, gz_len);
	free(gz);
	assert_int_equal(open_img(fx, LOADER_AUTO, NULL), 0);
	assert_null(fx->f.vmlinux);
	assert_string_equal(fx->f.how, "its vmlinux cannot be booted by PVH");
	assert_int_equal(open_img(fx, LOADER_PVH, NULL), -ENOEXEC);
	assert_string_equal(fx->err, NAME ": not a PVH kernel (neither an ELF "
					  "nor a bzImage)");
	elfb_free(&e);
}

/* A payload hyve cannot decompress: the boot protocol, or refused. */
static void test_unpack_unknown(void **state)
{
	struct fx *fx = *state;
	static const uint8_t plain[] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, 0 };
	static const uint8_t lz4_frame[] = { 0x04, 0x22, 0x4d, 0x18,
					     0x64, 0x40, 0xa7, 0x00 };

	bz_with_payload(fx, plain, sizeof(plain));
	assert_int_equal(open_img(fx, LOADER_AUTO, NULL), 0);
	assert_null(fx->f.vmlinux);
	assert_string_equal(fx->f.how,
			    "the payload's compression is unknown to hyve");
	assert_int_equal(open_img(fx, LOADER_PVH, NULL), -ENOTSUP);
	assert_string_equal(fx->err, NAME ": cannot boot by PVH: the payload's "
					  "compression is unknown to hyve");

	bz_with_payload(fx, lz4_frame, sizeof(lz4_frame));
	assert_int_equal(open_img(fx, LOADER_AUTO, NULL), 0);
	assert_null(fx->f.vmlinux);
	assert_string_equal(fx->f.how,
			    "the payload's compression is unknown to hyve");

	/* An empty payload. */
	bz_with_payload(fx, plain, 0);
	assert_int_equal(open_img(fx, LOADER_AUTO, NULL), 0);
	assert_null(fx->f.vmlinux);
	assert_string_equal(fx->f.how, "the setup header names no payload");
}

/* A payload that claims gzip but is corrupt: refused, even for auto. */
static void test_unpack_corrupt(void **state)
{
	struct fx *fx = *state;
	struct elf_build e;
	uint8_t *gz;
	size_t gz_len;

	vmlinux(&e, true);
	gz = gzip(e.buf, e.len, &gz_len);
	bz_with_payload(fx, gz, gz_len / 2); /* cut in half */
	assert_int_equal(open_img(fx, LOADER_AUTO, NULL), -EINVAL);
	assert_contains(fx->err, NAME ": gzip payload: gzip");
	assert_false(fx->open);

	gz[gz_len / 2] ^= 0xff; /* a flipped byte: bad data or bad CRC */
	bz_with_payload(fx, gz, gz_len);
	assert_int_equal(open_img(fx, LOADER_AUTO, NULL), -EINVAL);
	assert_contains(fx->err, NAME ": gzip payload: gzip");
	assert_int_equal(open_img(fx, LOADER_PVH, NULL), -EINVAL);
	assert_contains(fx->err, NAME ": gzip payload: ");

	/* bzimage does not look at the payload at all. */
	assert_int_equal(open_img(fx, LOADER_BZIMAGE, NULL), 0);
	free(gz);
	elfb_free(&e);
}

/*
 * Was a bug: bzimage.c bzimage_unpack() opens the decompressed payload with
 * loader_open_buffer(..., LOADER_PVH, ...), and loader_identify() takes a
 * bzImage for LOADER_PVH as well, so a payload that is itself a bzImage is
 * unpacked in turn, with no limit on the depth: a bzImage inside a
 * bzImage is taken as "the vmlinux" (f->vmlinux->format is
 * LOADER_BZIMAGE), and a payload that decompresses to the bzImage around
 * it (a gzip quine, which can carry any header and trailer) recurses
 * until the stack or memory runs out.  The payload should be an ELF.
 */
static void test_unpack_nested(void **state)
{
	struct fx *fx = *state;
	struct elf_build e;
	uint8_t *gz, *inner;
	size_t gz_len, inner_len;

	vmlinux(&e, true);
	gz = gzip(e.buf, e.len, &gz_len);
	bz_with_payload(fx, gz, gz_len);
	free(gz);
	inner = fx->img, inner_len = fx->len;
	fx->img = NULL;
	gz = gzip(inner, inner_len, &gz_len);
	bz_with_payload(fx, gz, gz_len);
	free(gz);
	free(inner);

	assert_int_equal(open_img(fx, LOADER_AUTO, NULL), 0);
	if (fx->f.vmlinux)
		assert_int_equal(fx->f.vmlinux->format, LOADER_PVH);
	elfb_free(&e);
}

/* The small kernel the Linux tier builds, when it is there. */
static void test_real_bzimage(void **state)
{
	struct fx *fx = *state;
	struct loader_options no_host = { .host_decompress = false };
	struct loader_file ff;
	struct ram big;
	glob_t g;
	FILE *in;
	long size;
	char want[160];
	const uint8_t *pay;
	uint64_t pm;

	if (glob("build/linux/small-*/bzImage", 0, NULL, &g) != 0) {
		printf("skipped: no build/linux/small-*/bzImage (the Linux "
		       "test tier builds one)\n");
		globfree(&g);
		skip();
		return;
	}
	in = fopen(g.gl_pathv[0], "rb");
	assert_non_null(in);
	assert_int_equal(fseek(in, 0, SEEK_END), 0);
	size = ftell(in);
	assert_true(size > 0x1000);
	rewind(in);
	free(fx->img);
	fx->len = (size_t)size;
	fx->img = malloc(fx->len);
	assert_non_null(fx->img);
	assert_int_equal(fread(fx->img, 1, fx->len, in), fx->len);
	fclose(in);

	assert_int_equal(open_img(fx, LOADER_AUTO, NULL), 0);
	assert_int_equal(fx->f.format, LOADER_BZIMAGE);
	assert_true(fx->f.is_linux);
	assert_int_equal(fx->f.bz.version, rd16(fx->img + H_VERSION));
	assert_true(fx->f.bz.version >= 0x020c);
	assert_int_equal(fx->f.bz.setup_size,
			 (fx->img[H_SETUP_SECTS] + 1u) * 512);
	assert_int_equal(fx->f.bz.pref_address, rd64(fx->img + H_PREF));
	assert_int_equal(fx->f.bz.init_size, rd32(fx->img + H_INIT_SIZE));

	/* A gzip payload ends with its uncompressed size (RFC 1952). */
	pay = fx->img + fx->f.bz.setup_size + fx->f.bz.payload_offset;
	if (pay[0] == 0x1f && pay[1] == 0x8b) {
		snprintf(want, sizeof(want),
			 "gzip payload, %u bytes decompressed",
			 rd32(pay + fx->f.bz.payload_length - 4));
		assert_string_equal(fx->f.how, want);
	}
	assert_contains(fx->f.how, " payload, ");
	assert_non_null(fx->f.vmlinux);
	assert_int_equal(fx->f.vmlinux->format, LOADER_PVH);
	assert_true(fx->f.vmlinux->is_linux);
	assert_int_equal(fx->f.vmlinux->elf_class, ELFCLASS64);

	/* From the file: the same answer. */
	fx->err[0] = '\0';
	assert_int_equal(loader_open_file(g.gl_pathv[0], LOADER_AUTO, NULL, &ff,
					  fx->err, sizeof(fx->err)),
			 0);
	assert_string_equal(ff.how, fx->f.how);
	assert_non_null(ff.vmlinux);
	assert_int_equal(ff.vmlinux->pvh_entry, fx->f.vmlinux->pvh_entry);
	loader_close(&ff);

	/* Both ways into 128 MiB of RAM (calloc'd, touched where loaded). */
	assert_int_equal(ram_new(&big, 128 * MIB), 0);
	fx->err[0] = '\0';
	assert_int_equal(load(fx, &big.gm), 0);
	assert_int_equal(fx->li.format, LOADER_BZIMAGE);
	assert_int_equal(fx->li.entry_kind, LOADER_ENTRY_PVH);
	assert_int_equal(fx->li.entry, fx->f.vmlinux->pvh_entry);
	assert_true(fx->li.entry >= fx->li.start && fx->li.entry < fx->li.end);

	assert_int_equal(open_img(fx, LOADER_AUTO, &no_host), 0);
	assert_null(fx->f.vmlinux);
	memset(big.host, 0, 128 * MIB);
	assert_int_equal(load(fx, &big.gm), 0);
	assert_int_equal(fx->li.entry_kind, LOADER_ENTRY_LINUX64);
	assert_int_equal(fx->li.start, bzimage_load_addr(&fx->f.bz));
	assert_int_equal(fx->li.entry, fx->li.start + 0x200);
	pm = fx->len - fx->f.bz.setup_size;
	assert_memory_equal(big.host + fx->li.start,
			    fx->img + fx->f.bz.setup_size, pm);
	assert_true(fx->li.end >= fx->li.start + pm);
	ram_free(&big);
	globfree(&g);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_is_bzimage),
		T(test_parse_good),
		T(test_parse_fields),
		T(test_parse_header_length),
		T(test_parse_protocol),
		T(test_parse_not_bzimage),
		T(test_parse_truncated_setup),
		T(test_parse_payload_bounds),
		T(test_load_relocatable),
		T(test_load_relocatable_low),
		T(test_load_fixed),
		T(test_load_too_big),
		T(test_zero_page),
		T(test_zero_page_high),
		T(test_zero_page_rsdp_version),
		T(test_zero_page_e820_limit),
		T(test_zero_page_header_length),
		T(test_unpack_pvh),
		T(test_unpack_not_pvh),
		T(test_unpack_unknown),
		T(test_unpack_corrupt),
		T(test_real_bzimage),
		T(test_unpack_nested),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
