/*
 * test_multiboot.c: Multiboot 1 kernels (boot/multiboot.c) per the
 * Multiboot Specification 0.6.96: the header search (3.1.1), its flags
 * and address fields (3.1.2, 3.1.3), ELF32 and ELF64 kernels with a
 * header in their first segment, and the information structure, memory
 * map and module list byte by byte (3.3).  Crafted images load into a
 * calloc'd 8 MiB guest_mem.  No KVM needed.
 */
#include "boot_fixture.h"

#include "arch/x86/e820.h"
#include "boot/loader.h"
#include "boot/multiboot.h"

#define NAME	 "mb.img"
#define RAM_SIZE (8 * MIB)
#define IMG_LEN	 0x3000
#define HDR	 0x40	   /* where the good image has its header */
#define LOAD	 0x200000u /* its load_addr */

#define FLAGS_AOUT 0x00010003u /* page-align, memory info, a.out kludge */

struct fx {
	struct ram ram;
	uint8_t img[0x4000];
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
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	if (fx->open)
		loader_close(&fx->f);
	ram_free(&fx->ram);
	free(fx);
	return 0;
}

/* magic, flags and the checksum that makes their sum zero, at off. */
static void mb_header(uint8_t *b, size_t off, uint32_t flags)
{
	le32(b + off, MULTIBOOT_HEADER_MAGIC);
	le32(b + off + 4, flags);
	le32(b + off + 8, 0u - MULTIBOOT_HEADER_MAGIC - flags);
}

/* The address fields after the header at off (3.1.3). */
static void mb_addrs(uint8_t *b, size_t off, uint32_t header_addr,
		     uint32_t load, uint32_t load_end, uint32_t bss_end,
		     uint32_t entry)
{
	le32(b + off + 12, header_addr);
	le32(b + off + 16, load);
	le32(b + off + 20, load_end);
	le32(b + off + 24, bss_end);
	le32(b + off + 28, entry);
}

/*
 * The good a.out-kludge image: IMG_LEN bytes of pattern with the header
 * at HDR, loaded from file offset 0 to LOAD: 0x2000 bytes, bss to
 * LOAD + 0x4000, entered at LOAD + 0x80.
 */
static void mb_good(struct fx *fx)
{
	memset(fx->img, 0, sizeof(fx->img));
	fx->len = IMG_LEN;
	for (size_t i = 0; i < IMG_LEN; i++)
		fx->img[i] = (uint8_t)(i * 5 + 3);
	mb_header(fx->img, HDR, FLAGS_AOUT);
	mb_addrs(fx->img, HDR, LOAD + HDR, LOAD, LOAD + 0x2000, LOAD + 0x4000,
		 LOAD + 0x80);
}

static struct loader_file file_of(const uint8_t *buf, size_t len)
{
	return (struct loader_file){
		.name = NAME, .fd = -1, .buf = buf, .size = len
	};
}

static int open_img(struct fx *fx, enum loader_format fmt)
{
	int r;

	if (fx->open)
		loader_close(&fx->f);
	fx->err[0] = '\0';
	r = loader_open_buffer(fx->img, fx->len, NAME, fmt, NULL, &fx->f,
			       fx->err, sizeof(fx->err));
	fx->open = r == 0;
	return r;
}

static int load(struct fx *fx)
{
	fx->err[0] = '\0';
	return loader_load(&fx->f, &fx->ram.gm, &fx->li, fx->err,
			   sizeof(fx->err));
}

/* Refused (opening or loading) as fmt with rc and msg; nothing written. */
static void expect_refused_as(struct fx *fx, enum loader_format fmt, int rc,
			      const char *msg)
{
	fx->err[0] = '\0';
	assert_int_equal(loader_load_buffer(fx->img, fx->len, NAME, fmt,
					    &fx->ram.gm, &fx->li, fx->err,
					    sizeof(fx->err)),
			 rc);
	assert_string_equal(fx->err, msg);
	ram_assert_all(&fx->ram, 0, RAM_SIZE, 0);
}

/* The same for auto and multiboot. */
static void expect_refused(struct fx *fx, int rc, const char *msg)
{
	expect_refused_as(fx, LOADER_AUTO, rc, msg);
	expect_refused_as(fx, LOADER_MULTIBOOT, rc, msg);
}

/* The header search --------------------------------------------------- */

static void test_find(void **state)
{
	static const size_t good[] = { 0, 4, 0x40, 0x1000, 8180 };
	static const size_t bad[] = { 2, 0x41, 8184, 8188, 8192, 0x2100 };
	struct fx *fx = *state;
	struct loader_file f;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(fx->img, 0, sizeof(fx->img));
		mb_header(fx->img, good[i], 0x3);
		f = file_of(fx->img, sizeof(fx->img));
		assert_true(multiboot_find(&f));
		assert_int_equal(f.mb.offset, good[i]);
		assert_int_equal(f.mb.flags, 0x3);
		assert_int_equal(f.mb.load_addr, 0);
	}
	/* Unaligned, or not wholly in the first 8192 bytes. */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(fx->img, 0, sizeof(fx->img));
		mb_header(fx->img, bad[i], 0x3);
		f = file_of(fx->img, sizeof(fx->img));
		assert_false(multiboot_find(&f));
	}
	/* A short file: the header's 12 bytes must be in it. */
	memset(fx->img, 0, sizeof(fx->img));
	mb_header(fx->img, 0x100, 0x3);
	f = file_of(fx->img, 0x10c);
	assert_true(multiboot_find(&f));
	f = file_of(fx->img, 0x10b);
	assert_false(multiboot_find(&f));
	f = file_of(fx->img, 0);
	assert_false(multiboot_find(&f));
}

static void test_find_checksum(void **state)
{
	struct fx *fx = *state;
	struct loader_file f = file_of(fx->img, sizeof(fx->img));

	memset(fx->img, 0, sizeof(fx->img));
	mb_header(fx->img, 0x20, 0x3);
	le32(fx->img + 0x28, rd32(fx->img + 0x28) + 1);
	assert_false(multiboot_find(&f));
	/* The magic alone, or the bootloader's magic, is no header. */
	memset(fx->img, 0, sizeof(fx->img));
	le32(fx->img + 0x20, MULTIBOOT_HEADER_MAGIC);
	assert_false(multiboot_find(&f));
	mb_header(fx->img, 0x20, 0x3);
	le32(fx->img + 0x20, MULTIBOOT_BOOTLOADER_MAGIC);
	assert_false(multiboot_find(&f));

	/* A bad header first, a good one later: the good one is found. */
	memset(fx->img, 0, sizeof(fx->img));
	mb_header(fx->img, 0x20, 0x3);
	le32(fx->img + 0x24, 0x7);
	mb_header(fx->img, 0x60, 0x2);
	assert_true(multiboot_find(&f));
	assert_int_equal(f.mb.offset, 0x60);
	assert_int_equal(f.mb.flags, 0x2);
	/* Of two good ones, the first. */
	mb_header(fx->img, 0x20, 0x1);
	assert_true(multiboot_find(&f));
	assert_int_equal(f.mb.offset, 0x20);
	assert_int_equal(f.mb.flags, 0x1);
}

static void test_find_fields(void **state)
{
	struct fx *fx = *state;
	struct loader_file f;

	mb_good(fx);
	f = file_of(fx->img, fx->len);
	assert_true(multiboot_find(&f));
	assert_int_equal(f.mb.offset, HDR);
	assert_int_equal(f.mb.flags, FLAGS_AOUT);
	assert_int_equal(f.mb.header_addr, LOAD + HDR);
	assert_int_equal(f.mb.load_addr, LOAD);
	assert_int_equal(f.mb.load_end_addr, LOAD + 0x2000);
	assert_int_equal(f.mb.bss_end_addr, LOAD + 0x4000);
	assert_int_equal(f.mb.entry_addr, LOAD + 0x80);

	/* Without flag 16 the address fields are not read. */
	mb_header(fx->img, HDR, 0x3);
	assert_true(multiboot_find(&f));
	assert_int_equal(f.mb.header_addr, 0);
	assert_int_equal(f.mb.load_addr, 0);
	assert_int_equal(f.mb.entry_addr, 0);
}

/*
 * Was a bug: multiboot.c multiboot_find() accepts a header with flag 16 whose
 * 32 bytes do not all lie in the first 8192 (here at 8180: magic, flags
 * and checksum fit, the address fields do not), and then leaves the
 * address fields zero instead of reading them or refusing the header
 * (3.1.1: "The Multiboot header must be contained completely within the
 * first 8192 bytes").  multiboot_check() takes the zeros as consistent
 * (load_addr 0, entry 0, the image from file offset 8180 to the end) and
 * the load then fails with a misleading "the Multiboot image at 0 ... is
 * outside guest RAM above 1 MiB".
 */
static void test_find_straddles_8k(void **state)
{
	struct fx *fx = *state;
	struct loader_file f;

	memset(fx->img, 0, sizeof(fx->img));
	mb_header(fx->img, 8180, FLAGS_AOUT);
	mb_addrs(fx->img, 8180, LOAD + 8180, LOAD, 0, 0, LOAD);
	f = file_of(fx->img, sizeof(fx->img));
	assert_false(multiboot_find(&f));
}

/* Flags ------------------------------------------------------------------ */

static void test_flags_unknown(void **state)
{
	static const struct {
		uint32_t flags;
		const char *msg;
	} cases[] = {
		{ 0x00010008, NAME ": the Multiboot header requires features "
				   "hyve lacks (flags 0x8)" },
		{ 0x00018000, NAME ": the Multiboot header requires features "
				   "hyve lacks (flags 0x8000)" },
		{ 0x0001ffff, NAME ": the Multiboot header requires features "
				   "hyve lacks (flags 0xfff8)" },
		{ 0x00000010, NAME ": the Multiboot header requires features "
				   "hyve lacks (flags 0x10)" },
	};
	struct fx *fx = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mb_good(fx);
		mb_header(fx->img, HDR, cases[i].flags);
		fx->err[0] = '\0';
		assert_int_equal(open_img(fx, LOADER_AUTO), -ENOTSUP);
		assert_string_equal(fx->err, cases[i].msg);
		expect_refused(fx, -ENOTSUP, cases[i].msg);
	}
}

/* Bits 0-2 are understood; bits 17-31 are optional and ignored. */
static void test_flags_known(void **state)
{
	static const uint32_t ok[] = { 0x00010000, 0x00010001, 0x00010002,
				       0x00010004, 0x00010007, 0xfffe0003 };
	struct fx *fx = *state;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		mb_good(fx);
		mb_header(fx->img, HDR, ok[i] | 0x10000);
		assert_int_equal(open_img(fx, LOADER_AUTO), 0);
		assert_int_equal(fx->f.format, LOADER_MULTIBOOT);
		assert_int_equal(fx->f.mb.flags, ok[i] | 0x10000);
		assert_int_equal(load(fx), 0);
		assert_int_equal(fx->li.entry, LOAD + 0x80);
	}
}

/* Not an ELF and no flag 16: hyve cannot know where it goes. */
static void test_not_elf_no_addresses(void **state)
{
	struct fx *fx = *state;

	mb_good(fx);
	mb_header(fx->img, HDR, 0x3);
	expect_refused(fx, -ENOEXEC,
		       NAME ": a Multiboot kernel that is not an ELF needs the "
			    "header's address fields (flag 16)");
	mb_header(fx->img, HDR, 0xfffe0003); /* optional bits are no help */
	expect_refused(fx, -ENOEXEC,
		       NAME ": a Multiboot kernel that is not an ELF needs the "
			    "header's address fields (flag 16)");
}

static void test_forced_without_header(void **state)
{
	struct fx *fx = *state;

	mb_good(fx);
	memset(fx->img + HDR, 0, 32);
	assert_int_equal(open_img(fx, LOADER_MULTIBOOT), -ENOEXEC);
	assert_string_equal(fx->err, NAME ": not a Multiboot kernel (no header "
					  "in the first 8 KiB)");
	/* auto takes it for raw. */
	assert_int_equal(open_img(fx, LOADER_AUTO), 0);
	assert_int_equal(fx->f.format, LOADER_RAW);
}

/* The a.out kludge ---------------------------------------------------- */

static void test_aout_load(void **state)
{
	struct fx *fx = *state;

	mb_good(fx);
	assert_int_equal(open_img(fx, LOADER_AUTO), 0);
	assert_int_equal(fx->f.format, LOADER_MULTIBOOT);
	memset(fx->ram.host, 0x5a, RAM_SIZE);
	assert_int_equal(load(fx), 0);
	assert_int_equal(fx->li.format, LOADER_MULTIBOOT);
	assert_int_equal(fx->li.entry_kind, LOADER_ENTRY_MULTIBOOT);
	assert_int_equal(fx->li.entry, LOAD + 0x80);
	assert_int_equal(fx->li.start, LOAD);
	assert_int_equal(fx->li.end, LOAD + 0x4000);
	assert_ptr_equal(fx->li.mb, &fx->f.mb);
	assert_null(fx->li.bz);
	/* File bytes 0..0x2000 at LOAD, zeros to bss_end, nothing more. */
	assert_memory_equal(fx->ram.host + LOAD, fx->img, 0x2000);
	ram_assert_all(&fx->ram, LOAD + 0x2000, LOAD + 0x4000, 0);
	assert_int_equal(fx->ram.host[LOAD - 1], 0x5a);
	assert_int_equal(fx->ram.host[LOAD + 0x4000], 0x5a);

	/* Forced multiboot: the same. */
	assert_int_equal(open_img(fx, LOADER_MULTIBOOT), 0);
	assert_int_equal(load(fx), 0);
	assert_int_equal(fx->li.end, LOAD + 0x4000);
}

/* header_addr says where in the file the image starts. */
static void test_aout_offsets(void **state)
{
	struct fx *fx = *state;

	/* The header is 0x20 bytes into the image: it starts at file 0x20. */
	mb_good(fx);
	mb_addrs(fx->img, HDR, LOAD + 0x20, LOAD, LOAD + 0x100, 0, LOAD + 0xff);
	assert_int_equal(open_img(fx, LOADER_AUTO), 0);
	memset(fx->ram.host, 0x5a, RAM_SIZE);
	assert_int_equal(load(fx), 0);
	assert_memory_equal(fx->ram.host + LOAD, fx->img + 0x20, 0x100);
	assert_int_equal(fx->li.start, LOAD);
	assert_int_equal(fx->li.end, LOAD + 0x100); /* no bss */
	assert_int_equal(fx->li.entry, LOAD + 0xff);
	assert_int_equal(fx->ram.host[LOAD + 0x100], 0x5a);

	/* load_end_addr 0: the rest of the file; bss_end below it: none. */
	mb_addrs(fx->img, HDR, LOAD + HDR, LOAD, 0, LOAD + 0x10,
		 LOAD + IMG_LEN - 1);
	assert_int_equal(open_img(fx, LOADER_AUTO), 0);
	memset(fx->ram.host, 0x5a, RAM_SIZE);
	assert_int_equal(load(fx), 0);
	assert_memory_equal(fx->ram.host + LOAD, fx->img, IMG_LEN);
	assert_int_equal(fx->li.end, LOAD + IMG_LEN);
	assert_int_equal(fx->ram.host[LOAD + IMG_LEN], 0x5a);

	/* The header as the image's first byte. */
	mb_addrs(fx->img, HDR, LOAD, LOAD, LOAD + 0x40, LOAD + 0x1000, LOAD);
	assert_int_equal(open_img(fx, LOADER_AUTO), 0);
	assert_int_equal(load(fx), 0);
	assert_memory_equal(fx->ram.host + LOAD, fx->img + HDR, 0x40);
	assert_int_equal(fx->li.end, LOAD + 0x1000);
}

static void test_aout_inconsistent(void **state)
{
	static const struct {
		uint32_t header_addr, load, load_end, bss_end;
	} cases[] = {
		/* header_addr below load_addr */
		{ LOAD - 1, LOAD, LOAD + 0x2000, 0 },
		/* the image would start before the file */
		{ LOAD + HDR + 4, LOAD, LOAD + 0x2000, 0 },
		{ 0xffffffff, 0, 0x2000, 0 },
		/* load_end_addr not above load_addr */
		{ LOAD + HDR, LOAD, LOAD, 0 },
		{ LOAD + HDR, LOAD, LOAD - 1, 0 },
		/* bss_end_addr below load_end_addr */
		{ LOAD + HDR, LOAD, LOAD + 0x2000, LOAD + 0x1fff },
	};
	struct fx *fx = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mb_good(fx);
		mb_addrs(fx->img, HDR, cases[i].header_addr, cases[i].load,
			 cases[i].load_end, cases[i].bss_end, cases[i].load);
		expect_refused(fx, -ENOEXEC,
			       NAME ": the Multiboot header's address fields "
				    "are inconsistent");
	}

	/*
	 * A header cut short by the end of the file is no header: auto takes
	 * the image as raw, and multiboot refuses it.
	 */
	mb_good(fx);
	fx->len = HDR + 31;
	expect_refused_as(fx, LOADER_MULTIBOOT, -ENOEXEC,
			  NAME ": not a Multiboot kernel (no header in the "
			       "first 8 KiB)");
}

static void test_aout_truncated(void **state)
{
	struct fx *fx = *state;

	mb_good(fx);
	mb_addrs(fx->img, HDR, LOAD + HDR, LOAD, LOAD + IMG_LEN + 1, 0,
		 LOAD + 0x80);
	expect_refused(fx, -ENOEXEC,
		       NAME ": truncated Multiboot image: 0x3001 bytes at file "
			    "offset 0 but the file has 12288");
	mb_addrs(fx->img, HDR, LOAD + 0x10, LOAD, LOAD + IMG_LEN - 0x2f, 0,
		 LOAD + 0x80);
	expect_refused(fx, -ENOEXEC,
		       NAME ": truncated Multiboot image: 0x2fd1 bytes at file "
			    "offset 0x30 but the file has 12288");
	/* Exactly to the end is fine. */
	mb_addrs(fx->img, HDR, LOAD + 0x10, LOAD, LOAD + IMG_LEN - 0x30, 0,
		 LOAD + 0x80);
	assert_int_equal(open_img(fx, LOADER_AUTO), 0);
	assert_int_equal(load(fx), 0);
	assert_int_equal(fx->li.end, LOAD + IMG_LEN - 0x30);
}

static void test_aout_entry_outside(void **state)
{
	struct fx *fx = *state;

	mb_good(fx);
	mb_addrs(fx->img, HDR, LOAD + HDR, LOAD, LOAD + 0x2000, LOAD + 0x4000,
		 LOAD + 0x2000);
	expect_refused(fx, -ENOEXEC,
		       NAME ": Multiboot entry point 0x202000 is not inside "
			    "the loaded image");
	mb_addrs(fx->img, HDR, LOAD + HDR, LOAD, LOAD + 0x2000, 0, LOAD - 1);
	expect_refused(fx, -ENOEXEC,
		       NAME ": Multiboot entry point 0x1fffff is not inside "
			    "the loaded image");
	mb_addrs(fx->img, HDR, LOAD + HDR, LOAD, LOAD + 0x2000, 0,
		 LOAD + 0x1fff);
	assert_int_equal(open_img(fx, LOADER_AUTO), 0);
	assert_int_equal(load(fx), 0);
	assert_int_equal(fx->li.entry, LOAD + 0x1fff);
}

static void test_aout_outside_ram(void **state)
{
	struct fx *fx = *state;

	mb_good(fx);
	mb_addrs(fx->img, HDR, 0x80000 + HDR, 0x80000, 0x82000, 0x84000,
		 0x80080);
	expect_refused(fx, -ERANGE,
		       NAME ": the Multiboot image at 0x80000 (0x4000 bytes) "
			    "is outside guest RAM above 1 MiB");

	/* The file bytes fit, the bss does not. */
	mb_addrs(fx->img, HDR, RAM_SIZE - 0x2000 + HDR, RAM_SIZE - 0x2000,
		 RAM_SIZE, RAM_SIZE + 1, RAM_SIZE - 0x1000);
	expect_refused(fx, -ERANGE,
		       NAME ": the Multiboot image at 0x7fe000 (0x2001 bytes) "
			    "is outside guest RAM above 1 MiB");

	/* Ending exactly at the end of RAM is fine. */
	mb_addrs(fx->img, HDR, RAM_SIZE - 0x2000 + HDR, RAM_SIZE - 0x2000,
		 RAM_SIZE - 0x1000, RAM_SIZE, RAM_SIZE - 0x1800);
	assert_int_equal(open_img(fx, LOADER_AUTO), 0);
	assert_int_equal(load(fx), 0);
	assert_int_equal(fx->li.end, RAM_SIZE);

	/* At 4 GiB - 1 MiB, far past RAM: no wrapped sums. */
	mb_addrs(fx->img, HDR, 0xfff00000 + HDR, 0xfff00000, 0xfff02000,
		 0xffffffff, 0xfff00000);
	memset(fx->ram.host, 0, RAM_SIZE);
	expect_refused(fx, -ERANGE,
		       NAME ": the Multiboot image at 0xfff00000 (0xfffff "
			    "bytes) is outside guest RAM above 1 MiB");
}

/* ELF kernels ------------------------------------------------------------ */

#define ELF_PADDR 0x100000u
#define ELF_ENTRY 0x10000cu

/*
 * An ELF (class cls) with the Multiboot header (flags) at the start of its
 * first segment: 0x100 file bytes at 1 MiB with bss to 1 MiB + 0x2000,
 * and a second segment of 0x10 bytes at 3 MiB.
 */
static void mb_elf(struct elf_build *e, unsigned int cls, uint32_t flags)
{
	elfb_init(e, cls, 2, ELF_ENTRY, 0x3000);
	elfb_phdr(e, 0, PT_LOAD, 0x1000, ELF_PADDR, 0x100, 0x2000);
	elfb_phdr(e, 1, PT_LOAD, 0x2000, 3 * MIB, 0x10, 0x10);
	elfb_fill(e, 0x1000, 0x100, 0x40);
	elfb_fill(e, 0x2000, 0x10, 0xa0);
	mb_header(e->buf, 0x1000, flags);
}

static void use_elf(struct fx *fx, const struct elf_build *e)
{
	assert_true(e->len <= sizeof(fx->img));
	memcpy(fx->img, e->buf, e->len);
	fx->len = e->len;
}

static void check_elf_loaded(struct fx *fx, const struct elf_build *e)
{
	assert_int_equal(fx->li.format, LOADER_MULTIBOOT);
	assert_int_equal(fx->li.entry_kind, LOADER_ENTRY_MULTIBOOT);
	assert_int_equal(fx->li.entry, ELF_ENTRY);
	assert_int_equal(fx->li.start, ELF_PADDR);
	assert_int_equal(fx->li.end, 3 * MIB + 0x10);
	assert_ptr_equal(fx->li.mb, &fx->f.mb);
	assert_memory_equal(fx->ram.host + ELF_PADDR, e->buf + 0x1000, 0x100);
	ram_assert_all(&fx->ram, ELF_PADDR + 0x100, ELF_PADDR + 0x2000, 0);
	assert_int_equal(fx->ram.host[ELF_PADDR + 0x2000], 0x5a);
	assert_memory_equal(fx->ram.host + 3 * MIB, e->buf + 0x2000, 0x10);
	assert_int_equal(fx->ram.host[3 * MIB + 0x10], 0x5a);
}

static void test_elf32(void **state)
{
	struct fx *fx = *state;
	struct elf_build e;

	mb_elf(&e, ELFCLASS32, 0x3);
	use_elf(fx, &e);
	assert_int_equal(open_img(fx, LOADER_AUTO), 0);
	assert_int_equal(fx->f.format, LOADER_MULTIBOOT);
	assert_int_equal(fx->f.elf_class, ELFCLASS32);
	assert_int_equal(fx->f.mb.offset, 0x1000);
	assert_int_equal(fx->f.mb.flags, 0x3);
	memset(fx->ram.host, 0x5a, RAM_SIZE);
	assert_int_equal(load(fx), 0);
	check_elf_loaded(fx, &e);

	/* Forced multiboot: the same. */
	assert_int_equal(open_img(fx, LOADER_MULTIBOOT), 0);
	memset(fx->ram.host, 0x5a, RAM_SIZE);
	assert_int_equal(load(fx), 0);
	check_elf_loaded(fx, &e);
	elfb_free(&e);
}

static void test_elf64(void **state)
{
	struct fx *fx = *state;
	struct elf_build e;

	mb_elf(&e, ELFCLASS64, 0x7);
	use_elf(fx, &e);
	assert_int_equal(open_img(fx, LOADER_AUTO), 0);
	assert_int_equal(fx->f.format, LOADER_MULTIBOOT);
	assert_int_equal(fx->f.elf_class, ELFCLASS64);
	memset(fx->ram.host, 0x5a, RAM_SIZE);
	assert_int_equal(load(fx), 0);
	check_elf_loaded(fx, &e);

	/* A 32-bit entry is all a Multiboot kernel can have. */
	elfb_phdr(&e, 1, PT_LOAD, 0x2000, 4 * GIB, 0x10, 0x10);
	elfb_entry(&e, 4 * GIB);
	use_elf(fx, &e);
	memset(fx->ram.host, 0, RAM_SIZE);
	expect_refused(fx, -ENOEXEC,
		       NAME ": Multiboot entry point 0x100000000 is above "
			    "4 GiB");
	elfb_free(&e);
}

/* Bad ELF kernels are refused as ELF kernels are, nothing written. */
static void test_elf_refused(void **state)
{
	struct fx *fx = *state;
	struct elf_build e;

	mb_elf(&e, ELFCLASS32, 0x3);
	elfb_entry(&e, ELF_PADDR + 0x2000);
	use_elf(fx, &e);
	expect_refused(fx, -ENOEXEC,
		       NAME ": ELF entry point 0x102000 is not inside a loaded "
			    "segment");
	elfb_free(&e);

	mb_elf(&e, ELFCLASS32, 0x3);
	elfb_phdr(&e, 1, PT_LOAD, 0x2000, 0x8000, 0x10, 0x10);
	use_elf(fx, &e);
	expect_refused(fx, -ERANGE,
		       NAME ": ELF segment 1 at 0x8000 (0x10 bytes) is outside "
			    "guest RAM above 1 MiB (RAM is 8 MiB)");
	elfb_free(&e);

	mb_elf(&e, ELFCLASS32, 0x3);
	e.buf[offsetof(Elf32_Ehdr, e_machine)] = EM_X86_64;
	use_elf(fx, &e);
	expect_refused(fx, -ENOEXEC,
		       NAME ": ELF machine type is 62, not i386 (3)");
	elfb_free(&e);

	/* Unknown required flags are checked before the ELF. */
	mb_elf(&e, ELFCLASS32, 0x8);
	use_elf(fx, &e);
	expect_refused(fx, -ENOTSUP,
		       NAME ": the Multiboot header requires features hyve "
			    "lacks (flags 0x8)");
	elfb_free(&e);
}

/* An ELF with flag 16 is loaded by its address fields, not its segments. */
static void test_elf_with_addresses(void **state)
{
	struct fx *fx = *state;
	struct elf_build e;

	mb_elf(&e, ELFCLASS32, FLAGS_AOUT);
	mb_addrs(e.buf, 0x1000, 4 * MIB + 0x1000, 4 * MIB, 4 * MIB + 0x1800,
		 4 * MIB + 0x3000, 4 * MIB + 0x1010);
	use_elf(fx, &e);
	assert_int_equal(open_img(fx, LOADER_AUTO), 0);
	assert_int_equal(fx->f.format, LOADER_MULTIBOOT);
	memset(fx->ram.host, 0x5a, RAM_SIZE);
	assert_int_equal(load(fx), 0);
	assert_int_equal(fx->li.start, 4 * MIB);
	assert_int_equal(fx->li.end, 4 * MIB + 0x3000);
	assert_int_equal(fx->li.entry, 4 * MIB + 0x1010);
	assert_memory_equal(fx->ram.host + 4 * MIB, e.buf, 0x1800);
	ram_assert_all(&fx->ram, 4 * MIB + 0x1800, 4 * MIB + 0x3000, 0);
	/* The segments were not placed. */
	assert_int_equal(fx->ram.host[ELF_PADDR], 0x5a);
	assert_int_equal(fx->ram.host[3 * MIB], 0x5a);
	elfb_free(&e);
}

/* A header past the first 8 KiB does not make a Multiboot kernel. */
static void test_elf_header_too_late(void **state)
{
	struct fx *fx = *state;
	struct elf_build e;

	elfb_init(&e, ELFCLASS32, 1, 0x100000, 0x4000);
	elfb_phdr(&e, 0, PT_LOAD, 0x2000, 0x100000, 0x100, 0x100);
	mb_header(e.buf, 0x2000, 0x3);
	use_elf(fx, &e);
	expect_refused_as(fx, LOADER_AUTO, -ENOEXEC,
			  NAME ": a 32-bit ELF with neither a PVH note nor a "
			       "Multiboot header; hyve enters ELF kernels in "
			       "64-bit mode");
	expect_refused_as(fx, LOADER_MULTIBOOT, -ENOEXEC,
			  NAME ": not a Multiboot kernel (no header in the "
			       "first 8 KiB)");
	/* 4 bytes earlier it is (the last 12 bytes of the 8 KiB). */
	memset(e.buf + 0x2000, 0, 12);
	mb_header(e.buf, 0x1ff4, 0x3);
	elfb_phdr(&e, 0, PT_LOAD, 0x1ff4, 0x100000, 0x100, 0x100);
	use_elf(fx, &e);
	assert_int_equal(open_img(fx, LOADER_AUTO), 0);
	assert_int_equal(fx->f.format, LOADER_MULTIBOOT);
	assert_int_equal(fx->f.mb.offset, 0x1ff4);
	elfb_free(&e);
}

/* The information structure (3.3) --------------------------------------- */

static void test_info(void **state)
{
	uint8_t out[MULTIBOOT_INFO_SIZE + 8], want[MULTIBOOT_INFO_SIZE];
	const struct multiboot_params p = {
		.mem_lower_kib = 639,
		.mem_upper_kib = 0x3fc00,
		.cmdline = 0x4000,
		.mods = 0x5800,
		.mods_count = 3,
		.mmap = 0x5000,
		.mmap_length = 120,
		.loader_name = 0x6012,
	};

	(void)state;
	assert_int_equal(MULTIBOOT_INFO_SIZE, 88);
	memset(out, 0xcc, sizeof(out));
	multiboot_info(&p, out);

	memset(want, 0, sizeof(want));
	le32(want + 0, 0x24d); /* mem, cmdline, mods, mmap, loader name */
	le32(want + 4, 639);
	le32(want + 8, 0x3fc00);
	le32(want + 16, 0x4000);
	le32(want + 20, 3);
	le32(want + 24, 0x5800);
	le32(want + 44, 120);
	le32(want + 48, 0x5000);
	le32(want + 64, 0x6012);
	assert_bytes(out, want, MULTIBOOT_INFO_SIZE, "multiboot_info");
	assert_int_equal(rd32(out),
			 MULTIBOOT_INFO_MEMORY | MULTIBOOT_INFO_CMDLINE |
				 MULTIBOOT_INFO_MODS | MULTIBOOT_INFO_MEM_MAP |
				 MULTIBOOT_INFO_LOADER_NAME);
	assert_int_equal(rd32(out + 12), 0); /* no boot_device */
	assert_int_equal(rd32(out + 28), 0); /* no symbols */
	assert_int_equal(rd32(out + 52), 0); /* no drives */
	assert_int_equal(rd32(out + 68), 0); /* no APM table */
	for (size_t i = MULTIBOOT_INFO_SIZE; i < sizeof(out); i++)
		assert_int_equal(out[i], 0xcc);
}

static const struct e820_entry mb_map[] = {
	{ 0, 0x9fc00, E820_RAM },
	{ 0x9fc00, 0x60400, E820_RESERVED },
	{ 0x100000, 0xbff00000, E820_RAM },
	{ 0xfffbc000, 0x4000, E820_RESERVED },
	{ 0x100000000ULL, 0x140000000ULL, E820_RAM },
};

static void test_mmap(void **state)
{
	uint8_t out[5 * 24 + 8], want[24];

	(void)state;
	assert_int_equal(MULTIBOOT_MMAP_SIZE, 24);
	memset(out, 0xcc, sizeof(out));
	assert_int_equal(multiboot_mmap(mb_map, 5, out, sizeof(out)), 120);
	for (unsigned int i = 0; i < 5; i++) {
		const uint8_t *e = out + 24 * i;
		assert_int_equal(rd32(e), 20); /* size: the bytes after it */
		assert_int_equal(rd64(e + 4), mb_map[i].addr);
		assert_int_equal(rd64(e + 12), mb_map[i].size);
		assert_int_equal(rd32(e + 20), mb_map[i].type);
	}
	/* Entry 4, byte for byte: RAM above 4 GiB. */
	memset(want, 0, sizeof(want));
	le32(want, 20);
	le64(want + 4, 0x100000000ULL);
	le64(want + 12, 0x140000000ULL);
	le32(want + 20, E820_RAM);
	assert_bytes(out + 96, want, 24, "mmap entry 4");
	assert_int_equal(out[96 + 8], 1);  /* addr bit 32 */
	assert_int_equal(out[96 + 16], 1); /* size bit 32 */
	assert_int_equal(out[96 + 15], 0x40);
	for (size_t i = 120; i < sizeof(out); i++)
		assert_int_equal(out[i], 0xcc);
}

/* Only whole entries, and only as many as fit in cap. */
static void test_mmap_cap(void **state)
{
	static const struct {
		size_t cap, len;
	} cases[] = { { 0, 0 },	  { 23, 0 },   { 24, 24 },   { 47, 24 },
		      { 48, 48 }, { 119, 96 }, { 120, 120 }, { 500, 120 } };
	uint8_t out[600];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(out, 0xcc, sizeof(out));
		assert_int_equal(multiboot_mmap(mb_map, 5, out, cases[i].cap),
				 cases[i].len);
		for (size_t k = cases[i].len; k < sizeof(out); k++)
			assert_int_equal(out[k], 0xcc);
	}
	memset(out, 0xcc, sizeof(out));
	assert_int_equal(multiboot_mmap(mb_map, 0, out, sizeof(out)), 0);
	assert_int_equal(out[0], 0xcc);
}

static void test_mods(void **state)
{
	const struct multiboot_module mods[] = {
		{ .start = 0x7f00000, .end = 0x7f01234, .string = 0x6000 },
		{ .start = 0x7ff0000, .end = 0x8000000, .string = 0x600a },
	};
	uint8_t out[2 * 16 + 4], want[32];

	(void)state;
	assert_int_equal(MULTIBOOT_MOD_SIZE, 16);
	memset(out, 0xcc, sizeof(out));
	multiboot_mods(mods, 2, out);
	memset(want, 0, sizeof(want));
	le32(want + 0, 0x7f00000);
	le32(want + 4, 0x7f01234);
	le32(want + 8, 0x6000);
	le32(want + 16, 0x7ff0000);
	le32(want + 20, 0x8000000);
	le32(want + 24, 0x600a);
	assert_bytes(out, want, 32, "module list"); /* reserved words 0 */
	for (size_t i = 32; i < sizeof(out); i++)
		assert_int_equal(out[i], 0xcc);
	memset(out, 0xcc, sizeof(out));
	multiboot_mods(mods, 0, out);
	assert_int_equal(out[0], 0xcc);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_find),
		T(test_find_checksum),
		T(test_find_fields),
		T(test_flags_unknown),
		T(test_flags_known),
		T(test_not_elf_no_addresses),
		T(test_forced_without_header),
		T(test_aout_load),
		T(test_aout_offsets),
		T(test_aout_inconsistent),
		T(test_aout_truncated),
		T(test_aout_entry_outside),
		T(test_aout_outside_ram),
		T(test_elf32),
		T(test_elf64),
		T(test_elf_refused),
		T(test_elf_with_addresses),
		T(test_elf_header_too_late),
		cmocka_unit_test(test_info),
		cmocka_unit_test(test_mmap),
		cmocka_unit_test(test_mmap_cap),
		cmocka_unit_test(test_mods),
		T(test_find_straddles_8k),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
