/*
 * test_loader.c: the image loader (boot/loader.c, boot/elf.c) fed crafted
 * ELF64, ELF32, raw and bzImage-looking images, from memory and from files
 * under /tmp, into a calloc'd 4 MiB guest_mem.  The bzImage, PVH and
 * Multiboot formats have their own files (test_bzimage.c, test_pvh.c,
 * test_multiboot.c).  No KVM needed.
 */
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "boot/loader.h"
#include "vmm/mem.h"

#define RAM_SIZE (4ULL << 20)
#define MIB	 0x100000ULL
#define IMG_SIZE 0x3000
#define BUF_NAME "img.bin"

struct fx {
	uint8_t *ram;
	struct guest_mem gm;
	struct loader_image img;
	char err[256];
	char path[64]; /* a temporary file, removed by teardown */
};

/* An image being crafted: header, program headers, then segment bytes. */
struct elf_img {
	_Alignas(8) uint8_t buf[IMG_SIZE];
	size_t len;
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	fx->ram = calloc(1, RAM_SIZE);
	if (!fx->ram || mem_layout_ram(&fx->gm, fx->ram, RAM_SIZE)) {
		free(fx->ram);
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	if (fx->path[0])
		unlink(fx->path);
	free(fx->ram);
	free(fx);
	return 0;
}

static void assert_contains(const char *s, const char *sub)
{
	if (!strstr(s, sub))
		fail_msg("\"%s\" does not contain \"%s\"", s, sub);
}

static Elf64_Ehdr *ehdr(struct elf_img *im)
{
	return (Elf64_Ehdr *)im->buf;
}

static Elf64_Phdr *phdr(struct elf_img *im, unsigned int i)
{
	return (Elf64_Phdr *)(im->buf + sizeof(Elf64_Ehdr) +
			      i * sizeof(Elf64_Phdr));
}

/* A valid x86-64 executable header with phnum program headers after it. */
static void elf_init(struct elf_img *im, unsigned int phnum, uint64_t entry)
{
	Elf64_Ehdr *eh = ehdr(im);

	memset(im, 0, sizeof(*im));
	im->len = IMG_SIZE;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = entry;
	eh->e_phoff = sizeof(Elf64_Ehdr);
	eh->e_ehsize = sizeof(Elf64_Ehdr);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = (Elf64_Half)phnum;
}

/* Program header i; its file bytes (if any fit) are filled with fill + k. */
static void elf_seg(struct elf_img *im, unsigned int i, uint32_t type,
		    uint64_t offset, uint64_t paddr, uint64_t filesz,
		    uint64_t memsz, uint8_t fill)
{
	*phdr(im, i) = (Elf64_Phdr){
		.p_type = type,
		.p_flags = PF_R | PF_X,
		.p_offset = offset,
		.p_vaddr = paddr,
		.p_paddr = paddr,
		.p_filesz = filesz,
		.p_memsz = memsz,
		.p_align = 0x1000,
	};
	for (uint64_t k = 0; k < filesz && offset + k < IMG_SIZE; k++)
		im->buf[offset + k] = (uint8_t)(fill + k);
}

/*
 * The good image: segment 0 is 0x20 file bytes at 1 MiB with bss to 4 KiB,
 * segment 1 is 0x10 bytes at 2 MiB; the entry is inside segment 0.
 */
static void elf_good(struct elf_img *im)
{
	elf_init(im, 2, MIB + 0x10);
	elf_seg(im, 0, PT_LOAD, 0x1000, MIB, 0x20, 0x1000, 0x10);
	elf_seg(im, 1, PT_LOAD, 0x2000, 2 * MIB, 0x10, 0x10, 0xc0);
}

static Elf32_Ehdr *ehdr32(struct elf_img *im)
{
	return (Elf32_Ehdr *)im->buf;
}

static Elf32_Phdr *phdr32(struct elf_img *im, unsigned int i)
{
	return (Elf32_Phdr *)(im->buf + sizeof(Elf32_Ehdr) +
			      i * sizeof(Elf32_Phdr));
}

/*
 * elf_good as an i386 ELF32: the same two segments, the same entry, no
 * PVH note and no Multiboot header.
 */
static void elf32_good(struct elf_img *im)
{
	Elf32_Ehdr *eh = ehdr32(im);

	memset(im, 0, sizeof(*im));
	im->len = IMG_SIZE;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS32;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_386;
	eh->e_version = EV_CURRENT;
	eh->e_entry = (Elf32_Addr)(MIB + 0x10);
	eh->e_phoff = sizeof(Elf32_Ehdr);
	eh->e_ehsize = sizeof(Elf32_Ehdr);
	eh->e_phentsize = sizeof(Elf32_Phdr);
	eh->e_phnum = 2;
	*phdr32(im, 0) = (Elf32_Phdr){ .p_type = PT_LOAD,
				       .p_offset = 0x1000,
				       .p_vaddr = (Elf32_Addr)MIB,
				       .p_paddr = (Elf32_Addr)MIB,
				       .p_filesz = 0x20,
				       .p_memsz = 0x1000 };
	*phdr32(im, 1) = (Elf32_Phdr){ .p_type = PT_LOAD,
				       .p_offset = 0x2000,
				       .p_vaddr = (Elf32_Addr)(2 * MIB),
				       .p_paddr = (Elf32_Addr)(2 * MIB),
				       .p_filesz = 0x10,
				       .p_memsz = 0x10 };
	for (unsigned int k = 0; k < 0x20; k++)
		im->buf[0x1000 + k] = (uint8_t)(0x10 + k);
	for (unsigned int k = 0; k < 0x10; k++)
		im->buf[0x2000 + k] = (uint8_t)(0xc0 + k);
}

/* Write len bytes to a new file under /tmp; its name goes to fx->path. */
static void write_tmp(struct fx *fx, const void *buf, size_t len)
{
	int fd;

	if (fx->path[0])
		unlink(fx->path);
	strcpy(fx->path, "/tmp/hyve-test-loader.XXXXXX");
	fd = mkstemp(fx->path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static int load_buf(struct fx *fx, const void *buf, size_t len,
		    enum loader_format fmt)
{
	fx->err[0] = '\0';
	return loader_load_buffer(buf, len, BUF_NAME, fmt, &fx->gm, &fx->img,
				  fx->err, sizeof(fx->err));
}

static int load_file(struct fx *fx, enum loader_format fmt)
{
	fx->err[0] = '\0';
	return loader_load_file(fx->path, fmt, &fx->gm, &fx->img, fx->err,
				sizeof(fx->err));
}

/*
 * Load a bad image both from memory and from a file: both must fail with
 * rc, leave guest memory all zero, and say the name and what.
 */
static void expect_refused(struct fx *fx, const void *buf, size_t len,
			   enum loader_format fmt, int rc, const char *what)
{
	assert_int_equal(load_buf(fx, buf, len, fmt), rc);
	assert_contains(fx->err, BUF_NAME ": ");
	assert_contains(fx->err, what);

	write_tmp(fx, buf, len);
	assert_int_equal(load_file(fx, fmt), rc);
	assert_true(strncmp(fx->err, fx->path, strlen(fx->path)) == 0);
	assert_contains(fx->err, what);

	for (size_t i = 0; i < RAM_SIZE; i++)
		if (fx->ram[i])
			fail_msg("guest byte %#zx written: %#x", i, fx->ram[i]);
}

static void expect_elf_refused(struct fx *fx, struct elf_img *im, int rc,
			       const char *what)
{
	expect_refused(fx, im->buf, im->len, LOADER_AUTO, rc, what);
	expect_refused(fx, im->buf, im->len, LOADER_ELF, rc, what);
}

/* Formats ---------------------------------------------------------------- */

static void test_parse_format(void **state)
{
	static const struct {
		const char *name;
		enum loader_format fmt;
	} names[] = {
		{ "auto", LOADER_AUTO }, { "elf", LOADER_ELF },
		{ "raw", LOADER_RAW },	 { "bzimage", LOADER_BZIMAGE },
		{ "pvh", LOADER_PVH },	 { "multiboot", LOADER_MULTIBOOT },
	};
	enum loader_format f;

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		f = (enum loader_format)99;
		assert_int_equal(loader_parse_format(names[i].name, &f), 0);
		assert_int_equal(f, names[i].fmt);
		assert_string_equal(loader_format_name(names[i].fmt),
				    names[i].name);
	}

	f = LOADER_ELF;
	assert_int_equal(loader_parse_format("", &f), -EINVAL);
	assert_int_equal(loader_parse_format("ELF", &f), -EINVAL);
	assert_int_equal(loader_parse_format("elf ", &f), -EINVAL);
	assert_int_equal(loader_parse_format("bzImage", &f), -EINVAL);
	assert_int_equal(loader_parse_format("multiboot2", &f), -EINVAL);
	assert_int_equal(loader_parse_format("pv", &f), -EINVAL);
	assert_int_equal(f, LOADER_ELF); /* untouched on error */

	/* Out of range: named as the default. */
	assert_string_equal(loader_format_name((enum loader_format)6), "auto");
	assert_string_equal(loader_format_name((enum loader_format) - 1),
			    "auto");
}

/* Good images ------------------------------------------------------------ */

static void check_good_elf(struct fx *fx)
{
	const uint8_t *seg0 = fx->ram + MIB, *seg1 = fx->ram + 2 * MIB;

	assert_int_equal(fx->img.format, LOADER_ELF);
	assert_int_equal(fx->img.entry, MIB + 0x10);
	assert_int_equal(fx->img.start, MIB);
	assert_int_equal(fx->img.end, 2 * MIB + 0x10);
	for (unsigned int k = 0; k < 0x20; k++)
		assert_int_equal(seg0[k], 0x10 + k);
	for (unsigned int k = 0x20; k < 0x1000; k++)
		assert_int_equal(seg0[k], 0); /* bss zero-filled */
	assert_int_equal(seg0[0x1000], 0x5a); /* past p_memsz: untouched */
	assert_int_equal(seg0[-1], 0x5a);
	for (unsigned int k = 0; k < 0x10; k++)
		assert_int_equal(seg1[k], 0xc0 + k);
	assert_int_equal(seg1[0x10], 0x5a);
	assert_int_equal(seg1[-1], 0x5a);
}

static void test_elf_good_buffer(void **state)
{
	struct fx *fx = *state;
	struct elf_img im;

	elf_good(&im);
	memset(fx->ram, 0x5a, RAM_SIZE);
	assert_int_equal(load_buf(fx, im.buf, im.len, LOADER_AUTO), 0);
	check_good_elf(fx);

	memset(fx->ram, 0x5a, RAM_SIZE);
	memset(&fx->img, 0, sizeof(fx->img));
	assert_int_equal(load_buf(fx, im.buf, im.len, LOADER_ELF), 0);
	check_good_elf(fx);
}

static void test_elf_good_file(void **state)
{
	struct fx *fx = *state;
	struct elf_img im;

	elf_good(&im);
	write_tmp(fx, im.buf, im.len);
	memset(fx->ram, 0x5a, RAM_SIZE);
	assert_int_equal(load_file(fx, LOADER_AUTO), 0);
	check_good_elf(fx);

	memset(fx->ram, 0x5a, RAM_SIZE);
	memset(&fx->img, 0, sizeof(fx->img));
	assert_int_equal(load_file(fx, LOADER_ELF), 0);
	check_good_elf(fx);
}

/* Program headers that are not PT_LOAD, or load nothing, are skipped. */
static void test_elf_skips_other_headers(void **state)
{
	struct fx *fx = *state;
	struct elf_img im;

	elf_init(&im, 4, MIB + 0x100);
	elf_seg(&im, 0, PT_NOTE, 0x1000, 0, 0x10, 0x10, 0);
	elf_seg(&im, 1, PT_LOAD, 0x1000, 0, 0, 0, 0); /* empty: at 0 is OK */
	elf_seg(&im, 2, PT_LOAD, 0x1000, MIB, 0x200, 0x200, 0x33);
	elf_seg(&im, 3, PT_GNU_STACK, 0, 0, 0, 0, 0);
	assert_int_equal(load_buf(fx, im.buf, im.len, LOADER_AUTO), 0);
	assert_int_equal(fx->img.format, LOADER_ELF);
	assert_int_equal(fx->img.entry, MIB + 0x100);
	assert_int_equal(fx->img.start, MIB);
	assert_int_equal(fx->img.end, MIB + 0x200);
	assert_int_equal(fx->ram[MIB], 0x33);
	assert_int_equal(fx->ram[MIB + 0x1ff], (uint8_t)(0x33 + 0x1ff));
	assert_int_equal(fx->ram[0], 0);
}

/* A segment may end exactly at the end of RAM; the entry at its last byte. */
static void test_elf_segment_at_ram_end(void **state)
{
	struct fx *fx = *state;
	struct elf_img im;

	elf_init(&im, 1, RAM_SIZE - 1);
	elf_seg(&im, 0, PT_LOAD, 0x1000, RAM_SIZE - 0x100, 0x80, 0x100, 0x01);
	memset(fx->ram, 0x5a, RAM_SIZE);
	assert_int_equal(load_buf(fx, im.buf, im.len, LOADER_AUTO), 0);
	assert_int_equal(fx->img.start, RAM_SIZE - 0x100);
	assert_int_equal(fx->img.end, RAM_SIZE);
	assert_int_equal(fx->img.entry, RAM_SIZE - 1);
	assert_int_equal(fx->ram[RAM_SIZE - 0x101], 0x5a);
	assert_int_equal(fx->ram[RAM_SIZE - 0x100], 0x01);
	assert_int_equal(fx->ram[RAM_SIZE - 0x81], 0x80);
	assert_int_equal(fx->ram[RAM_SIZE - 0x80], 0);
	assert_int_equal(fx->ram[RAM_SIZE - 1], 0);
}

static void check_raw(struct fx *fx, const uint8_t *raw, size_t len)
{
	assert_int_equal(fx->img.format, LOADER_RAW);
	assert_int_equal(fx->img.entry, 0x100000);
	assert_int_equal(fx->img.start, 0x100000);
	assert_int_equal(fx->img.end, 0x100000 + len);
	assert_memory_equal(fx->ram + MIB, raw, len);
	assert_int_equal(fx->ram[MIB + len], 0x5a);
	assert_int_equal(fx->ram[MIB - 1], 0x5a);
}

static void test_raw(void **state)
{
	struct fx *fx = *state;
	uint8_t raw[0x300];

	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)(i * 7 + 1);
	raw[0] = 0xfa, raw[1] = 0xf4; /* cli; hlt */

	memset(fx->ram, 0x5a, RAM_SIZE);
	assert_int_equal(load_buf(fx, raw, sizeof(raw), LOADER_AUTO), 0);
	check_raw(fx, raw, sizeof(raw));

	memset(fx->ram, 0x5a, RAM_SIZE);
	assert_int_equal(load_buf(fx, raw, sizeof(raw), LOADER_RAW), 0);
	check_raw(fx, raw, sizeof(raw));

	write_tmp(fx, raw, sizeof(raw));
	memset(fx->ram, 0x5a, RAM_SIZE);
	assert_int_equal(load_file(fx, LOADER_AUTO), 0);
	check_raw(fx, raw, sizeof(raw));

	memset(fx->ram, 0x5a, RAM_SIZE);
	assert_int_equal(load_file(fx, LOADER_RAW), 0);
	check_raw(fx, raw, sizeof(raw));
}

/* raw forces an ELF file to load as flat bytes; elf refuses a raw one. */
static void test_forced_format(void **state)
{
	struct fx *fx = *state;
	struct elf_img im;
	uint8_t raw[0x40];

	elf_good(&im);
	memset(fx->ram, 0x5a, RAM_SIZE);
	assert_int_equal(load_buf(fx, im.buf, im.len, LOADER_RAW), 0);
	check_raw(fx, im.buf, im.len);
	assert_int_equal(fx->ram[2 * MIB], 0x5a); /* segment 1 not placed */

	memset(fx->ram, 0, RAM_SIZE);
	memset(raw, 0x90, sizeof(raw));
	expect_refused(fx, raw, sizeof(raw), LOADER_ELF, -ENOEXEC,
		       "not an ELF file");
}

/* A raw image fills RAM from 1 MiB to the end, and not a byte more. */
static void test_raw_too_large(void **state)
{
	struct fx *fx = *state;
	size_t fits = RAM_SIZE - MIB;
	uint8_t *raw = calloc(1, fits + 1);

	assert_non_null(raw);
	memset(raw, 0x90, fits + 1);
	assert_int_equal(load_buf(fx, raw, fits, LOADER_AUTO), 0);
	assert_int_equal(fx->img.end, RAM_SIZE);
	assert_int_equal(fx->ram[RAM_SIZE - 1], 0x90);
	assert_int_equal(fx->ram[MIB - 1], 0);

	memset(fx->ram, 0, RAM_SIZE);
	expect_refused(fx, raw, fits + 1, LOADER_AUTO, -EFBIG,
		       "raw image of 3145729 bytes does not fit in guest RAM");
	expect_refused(fx, raw, fits + 1, LOADER_RAW, -EFBIG, "does not fit");
	free(raw);
}

/* Refused files ---------------------------------------------------------- */

/*
 * The bzImage magic sends an image to the bzImage parser (test_bzimage.c
 * has the rest); one it refuses writes nothing, whatever was asked.
 */
static void test_bzimage(void **state)
{
	struct fx *fx = *state;
	uint8_t bz[0x400] = { 0 };

	bz[0x1fe] = 0x55, bz[0x1ff] = 0xaa;
	memcpy(bz + 0x202, "HdrS", 4);
	expect_refused(fx, bz, sizeof(bz), LOADER_AUTO, -ENOEXEC,
		       "boot protocol 0.00; hyve needs 2.12 or later with a "
		       "64-bit entry point");
	expect_refused(fx, bz, sizeof(bz), LOADER_BZIMAGE, -ENOEXEC,
		       "boot protocol 0.00; hyve needs 2.12");
	expect_refused(fx, bz, sizeof(bz), LOADER_PVH, -ENOEXEC,
		       "boot protocol 0.00; hyve needs 2.12");

	/* 2.15, but no 64-bit entry point (xloadflags bit 0). */
	bz[0x206] = 0x0f, bz[0x207] = 0x02;
	expect_refused(fx, bz, sizeof(bz), LOADER_AUTO, -ENOEXEC,
		       "boot protocol 2.15 without a 64-bit entry point; hyve "
		       "needs 2.12 or later with a 64-bit entry point");

	/* Without the signature the same bytes are a raw image. */
	bz[0x202] = 'h';
	assert_int_equal(load_buf(fx, bz, sizeof(bz), LOADER_AUTO), 0);
	assert_int_equal(fx->img.format, LOADER_RAW);

	/* ... and forced bzimage says what is missing. */
	memset(fx->ram, 0, RAM_SIZE);
	expect_refused(fx, bz, sizeof(bz), LOADER_BZIMAGE, -ENOEXEC,
		       "not a Linux bzImage (no \"HdrS\" header)");
}

/* A file shorter than 0x206 bytes cannot be a bzImage: it is raw. */
static void test_short_raw(void **state)
{
	struct fx *fx = *state;
	uint8_t b = 0xf4;

	memset(fx->ram, 0x5a, RAM_SIZE);
	assert_int_equal(load_buf(fx, &b, 1, LOADER_AUTO), 0);
	check_raw(fx, &b, 1);
}

static void test_empty(void **state)
{
	struct fx *fx = *state;
	uint8_t none = 0;

	expect_refused(fx, &none, 0, LOADER_AUTO, -ENOEXEC,
		       "the file is empty");
	expect_refused(fx, &none, 0, LOADER_RAW, -ENOEXEC, "the file is empty");
	expect_refused(fx, &none, 0, LOADER_ELF, -ENOEXEC, "the file is empty");
}

static void test_directory(void **state)
{
	struct fx *fx = *state;
	char dir[] = "/tmp/hyve-test-loader-dir.XXXXXX";

	assert_non_null(mkdtemp(dir));
	assert_int_equal(loader_load_file(dir, LOADER_AUTO, &fx->gm, &fx->img,
					  fx->err, sizeof(fx->err)),
			 -EISDIR);
	rmdir(dir);
	assert_true(strncmp(fx->err, dir, strlen(dir)) == 0);
	assert_contains(fx->err, "is a directory");
}

static void test_missing_file(void **state)
{
	struct fx *fx = *state;
	const char *path = "/tmp/hyve-test-loader-does-not-exist/kernel";

	assert_int_equal(loader_load_file(path, LOADER_AUTO, &fx->gm, &fx->img,
					  fx->err, sizeof(fx->err)),
			 -ENOENT);
	assert_string_equal(fx->err, "/tmp/hyve-test-loader-does-not-exist/"
				     "kernel: No such file or directory");
}

static void test_not_regular(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(loader_load_file("/dev/null", LOADER_AUTO, &fx->gm,
					  &fx->img, fx->err, sizeof(fx->err)),
			 -EINVAL);
	assert_string_equal(fx->err, "/dev/null: not a regular file");
}

/* Bad ELF headers -------------------------------------------------------- */

static void test_elf_truncated_header(void **state)
{
	struct fx *fx = *state;
	struct elf_img im;

	elf_good(&im);
	im.len = 40; /* the magic, but not the whole 64-byte header */
	expect_elf_refused(
		fx, &im, -ENOEXEC,
		"truncated ELF: 40 bytes, the header alone needs 64");
}

static void test_elf_phdrs_past_eof(void **state)
{
	struct fx *fx = *state;
	struct elf_img im;

	elf_good(&im);
	ehdr(&im)->e_phoff = IMG_SIZE - sizeof(Elf64_Phdr) - 8;
	expect_elf_refused(fx, &im, -ENOEXEC,
			   "truncated ELF: program headers at 0x2fc0 run past");

	elf_good(&im);
	im.len = sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr); /* one of two */
	expect_elf_refused(fx, &im, -ENOEXEC,
			   "program headers at 0x40 run past the end");

	elf_good(&im);
	ehdr(&im)->e_phoff = UINT64_MAX - 8; /* offset + size wraps */
	expect_elf_refused(fx, &im, -ENOEXEC, "truncated ELF: program headers");
}

static void test_elf_segment_past_eof(void **state)
{
	struct fx *fx = *state;
	struct elf_img im;

	elf_good(&im);
	phdr(&im, 1)->p_filesz = 0x1001; /* 0x2000 + 0x1001 > 0x3000 */
	phdr(&im, 1)->p_memsz = 0x1001;
	expect_elf_refused(
		fx, &im, -ENOEXEC,
		"truncated ELF: segment 1 needs 0x1001 bytes at file "
		"offset 0x2000 but the file has 12288");

	elf_good(&im);
	phdr(&im, 0)->p_offset = IMG_SIZE + 1;
	expect_elf_refused(fx, &im, -ENOEXEC, "truncated ELF: segment 0");

	elf_good(&im);
	phdr(&im, 0)->p_offset = UINT64_MAX - 0x10; /* offset + size wraps */
	expect_elf_refused(fx, &im, -ENOEXEC,
			   "truncated ELF: segment 0 needs 0x20 bytes at "
			   "file offset 0xffffffffffffffef but");
}

static void test_elf_wrong_machine(void **state)
{
	struct fx *fx = *state;
	struct elf_img im;

	elf_good(&im);
	ehdr(&im)->e_machine = EM_AARCH64;
	expect_elf_refused(fx, &im, -ENOEXEC,
			   "ELF machine type is 183, not x86-64 (62)");
}

static void test_elf_class32(void **state)
{
	struct fx *fx = *state;
	struct elf_img im;

	/* An ELF64 header marked class 32: read as i386, it is x86-64. */
	elf_good(&im);
	ehdr(&im)->e_ident[EI_CLASS] = ELFCLASS32;
	expect_elf_refused(fx, &im, -ENOEXEC,
			   "ELF machine type is 62, not i386 (3)");

	/* An ELF64 for i386 is as wrong. */
	elf_good(&im);
	ehdr(&im)->e_machine = EM_386;
	expect_elf_refused(fx, &im, -ENOEXEC,
			   "ELF machine type is 3, not x86-64 (62)");

	elf_good(&im);
	ehdr(&im)->e_ident[EI_DATA] = ELFDATA2MSB;
	expect_elf_refused(fx, &im, -ENOEXEC,
			   "not a little-endian ELF (class 2, data 2)");

	elf_good(&im);
	ehdr(&im)->e_ident[EI_CLASS] = ELFCLASSNONE;
	expect_elf_refused(fx, &im, -ENOEXEC,
			   "not a little-endian ELF (class 0, data 1)");

	elf_good(&im);
	ehdr(&im)->e_ident[EI_CLASS] = 3;
	expect_elf_refused(fx, &im, -ENOEXEC,
			   "not a little-endian ELF (class 3, data 1)");
}

/*
 * A good i386 ELF32 with neither a PVH note nor a Multiboot header: hyve
 * would have to enter it in 64-bit mode, so "elf" (and auto) refuse it.
 */
static void test_elf32_plain(void **state)
{
	struct fx *fx = *state;
	struct elf_img im;

	elf32_good(&im);
	expect_elf_refused(fx, &im, -ENOEXEC,
			   "a 32-bit ELF with neither a PVH note nor a "
			   "Multiboot header; hyve enters ELF kernels in "
			   "64-bit mode");
	expect_refused(fx, im.buf, im.len, LOADER_PVH, -ENOEXEC,
		       "not a PVH kernel: the ELF has no "
		       "XEN_ELFNOTE_PHYS32_ENTRY note");
	expect_refused(fx, im.buf, im.len, LOADER_MULTIBOOT, -ENOEXEC,
		       "not a Multiboot kernel (no header in the first 8 KiB)");

	/* raw still takes its bytes as they are. */
	memset(fx->ram, 0x5a, RAM_SIZE);
	assert_int_equal(load_buf(fx, im.buf, im.len, LOADER_RAW), 0);
	check_raw(fx, im.buf, im.len);
}

/* ELF32 headers get the ELF32 sizes in their checks and messages. */
static void test_elf32_bad_headers(void **state)
{
	struct fx *fx = *state;
	struct elf_img im;

	elf32_good(&im);
	im.len = 40; /* the magic, but not the whole 52-byte header */
	expect_elf_refused(
		fx, &im, -ENOEXEC,
		"truncated ELF: 40 bytes, the header alone needs 52");

	elf32_good(&im);
	ehdr32(&im)->e_phentsize = sizeof(Elf64_Phdr);
	expect_elf_refused(fx, &im, -ENOEXEC,
			   "bad ELF program headers (2 of 56 bytes)");

	elf32_good(&im);
	ehdr32(&im)->e_phnum = 0;
	expect_elf_refused(fx, &im, -ENOEXEC,
			   "bad ELF program headers (0 of 32 bytes)");

	elf32_good(&im);
	ehdr32(&im)->e_type = ET_DYN;
	expect_elf_refused(fx, &im, -ENOEXEC, "ELF type is 3;");

	elf32_good(&im);
	ehdr32(&im)->e_phoff = IMG_SIZE - sizeof(Elf32_Phdr);
	expect_elf_refused(fx, &im, -ENOEXEC,
			   "truncated ELF: program headers at 0x2fe0 run past");

	elf32_good(&im);
	phdr32(&im, 1)->p_filesz = 0x1001;
	phdr32(&im, 1)->p_memsz = 0x1001;
	expect_elf_refused(fx, &im, -ENOEXEC,
			   "truncated ELF: segment 1 needs 0x1001 bytes at "
			   "file offset 0x2000 but the file has 12288");

	elf32_good(&im);
	phdr32(&im, 1)->p_paddr = (Elf32_Addr)(MIB + 0x800);
	expect_elf_refused(fx, &im, -ENOEXEC,
			   "ELF segments 0 and 1 overlap at 0x100800");
}

static void test_elf_dyn(void **state)
{
	struct fx *fx = *state;
	struct elf_img im;

	elf_good(&im);
	ehdr(&im)->e_type = ET_DYN;
	expect_elf_refused(fx, &im, -ENOEXEC,
			   "ELF type is 3; hyve loads executables (ET_EXEC)");

	elf_good(&im);
	ehdr(&im)->e_type = ET_REL;
	expect_elf_refused(fx, &im, -ENOEXEC, "ELF type is 1;");
}

static void test_elf_bad_phdr_table(void **state)
{
	struct fx *fx = *state;
	struct elf_img im;

	elf_good(&im);
	ehdr(&im)->e_phnum = 0;
	expect_elf_refused(fx, &im, -ENOEXEC,
			   "bad ELF program headers (0 of 56 bytes)");

	elf_good(&im);
	ehdr(&im)->e_phentsize = 32;
	expect_elf_refused(fx, &im, -ENOEXEC,
			   "bad ELF program headers (2 of 32 bytes)");

	elf_good(&im);
	ehdr(&im)->e_phnum = 65;
	expect_elf_refused(fx, &im, -ENOEXEC,
			   "bad ELF program headers (65 of 56 bytes)");
}

/* Bad segments ----------------------------------------------------------- */

static void test_elf_outside_ram(void **state)
{
	struct fx *fx = *state;
	struct elf_img im;

	elf_good(&im);
	phdr(&im, 1)->p_paddr = 8 * MIB;
	expect_elf_refused(fx, &im, -ERANGE,
			   "ELF segment 1 at 0x800000 (0x10 bytes) is outside "
			   "guest RAM above 1 MiB (RAM is 4 MiB)");

	/* Starts inside RAM, runs one byte past its end. */
	elf_good(&im);
	phdr(&im, 1)->p_paddr = RAM_SIZE - 0xf;
	expect_elf_refused(fx, &im, -ERANGE,
			   "ELF segment 1 at 0x3ffff1 (0x10 bytes) is outside");

	/* p_paddr + p_memsz wraps around: the message shows no wrapped sum. */
	elf_good(&im);
	phdr(&im, 1)->p_paddr = UINT64_MAX - 7;
	expect_elf_refused(fx, &im, -ERANGE,
			   "ELF segment 1 at 0xfffffffffffffff8 (0x10 bytes) "
			   "is outside");
}

static void test_elf_below_1mib(void **state)
{
	struct fx *fx = *state;
	struct elf_img im;

	elf_good(&im);
	phdr(&im, 0)->p_paddr = 0x10000; /* over the page tables */
	ehdr(&im)->e_entry = 0x10000;
	expect_elf_refused(
		fx, &im, -ERANGE,
		"ELF segment 0 at 0x10000 (0x1000 bytes) is outside guest "
		"RAM above 1 MiB");

	/* Ends at 1 MiB + 0xfff but starts one byte below it. */
	elf_good(&im);
	phdr(&im, 0)->p_paddr = MIB - 1;
	expect_elf_refused(fx, &im, -ERANGE, "ELF segment 0 at 0xfffff (");
}

static void test_elf_overlap(void **state)
{
	struct fx *fx = *state;
	struct elf_img im;

	elf_good(&im);
	phdr(&im, 1)->p_paddr = MIB + 0xff0; /* into segment 0's bss */
	expect_elf_refused(fx, &im, -ENOEXEC,
			   "ELF segments 0 and 1 overlap at 0x100ff0");

	elf_good(&im);
	phdr(&im, 1)->p_paddr = 2 * MIB - 8;
	phdr(&im, 0)->p_paddr = 2 * MIB; /* 0 runs into 1 */
	ehdr(&im)->e_entry = 2 * MIB;
	expect_elf_refused(fx, &im, -ENOEXEC,
			   "ELF segments 0 and 1 overlap at 0x200000");

	/* Adjacent segments are fine. */
	elf_good(&im);
	phdr(&im, 1)->p_paddr = MIB + 0x1000;
	assert_int_equal(load_buf(fx, im.buf, im.len, LOADER_AUTO), 0);
	assert_int_equal(fx->img.end, MIB + 0x1010);
	assert_int_equal(fx->ram[MIB + 0x1000], 0xc0);
}

static void test_elf_filesz_gt_memsz(void **state)
{
	struct fx *fx = *state;
	struct elf_img im;

	elf_good(&im);
	phdr(&im, 1)->p_memsz = 0xf;
	expect_elf_refused(fx, &im, -ENOEXEC,
			   "ELF segment 1 has more file bytes than memory "
			   "bytes");
}

static void test_elf_no_load(void **state)
{
	struct fx *fx = *state;
	struct elf_img im;

	elf_good(&im);
	phdr(&im, 0)->p_type = PT_NOTE;
	phdr(&im, 1)->p_type = PT_DYNAMIC;
	expect_elf_refused(fx, &im, -ENOEXEC, "ELF has no loadable segment");

	elf_good(&im);
	phdr(&im, 0)->p_memsz = 0;
	phdr(&im, 0)->p_filesz = 0;
	phdr(&im, 1)->p_type = PT_NULL;
	expect_elf_refused(fx, &im, -ENOEXEC, "ELF has no loadable segment");
}

static void test_elf_entry_outside(void **state)
{
	struct fx *fx = *state;
	struct elf_img im;

	elf_good(&im);
	ehdr(&im)->e_entry = MIB + 0x1000; /* one past segment 0 */
	expect_elf_refused(fx, &im, -ENOEXEC,
			   "ELF entry point 0x101000 is not inside a loaded "
			   "segment");

	elf_good(&im);
	ehdr(&im)->e_entry = MIB - 1;
	expect_elf_refused(fx, &im, -ENOEXEC, "ELF entry point 0xfffff is not");

	/* Entry at the last byte of segment 1 is fine. */
	elf_good(&im);
	ehdr(&im)->e_entry = 2 * MIB + 0xf;
	assert_int_equal(load_buf(fx, im.buf, im.len, LOADER_AUTO), 0);
	assert_int_equal(fx->img.entry, 2 * MIB + 0xf);
}

/* Every segment is checked before the first byte is written. */
static void test_elf_nothing_written(void **state)
{
	struct fx *fx = *state;
	struct elf_img im;

	elf_init(&im, 3, MIB);
	elf_seg(&im, 0, PT_LOAD, 0x1000, MIB, 0x100, 0x100, 0x11);
	elf_seg(&im, 1, PT_LOAD, 0x1100, MIB + 0x100, 0x100, 0x100, 0x22);
	elf_seg(&im, 2, PT_LOAD, 0x2000, 16 * MIB, 0x10, 0x10, 0x33);
	/* expect_refused checks that all of RAM is still zero. */
	expect_elf_refused(fx, &im, -ERANGE, "ELF segment 2 at 0x1000000");
	assert_int_equal(fx->ram[MIB], 0);
	assert_int_equal(fx->ram[MIB + 0x100], 0);

	/* The same with a later header problem: a truncated segment. */
	elf_seg(&im, 2, PT_LOAD, 0x2ff8, 3 * MIB, 0x10, 0x10, 0x33);
	expect_elf_refused(fx, &im, -ENOEXEC, "truncated ELF: segment 2");
	assert_int_equal(fx->ram[MIB], 0);
}

/* A message that does not fit is cut, not overrun. */
static void test_err_truncated(void **state)
{
	struct fx *fx = *state;
	char err[8];
	uint8_t none = 0;

	memset(err, 'z', sizeof(err));
	assert_int_equal(loader_load_buffer(&none, 0, "kernel", LOADER_AUTO,
					    &fx->gm, &fx->img, err, 8),
			 -ENOEXEC);
	assert_string_equal(err, "kernel:");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_format),
		T(test_elf_good_buffer),
		T(test_elf_good_file),
		T(test_elf_skips_other_headers),
		T(test_elf_segment_at_ram_end),
		T(test_raw),
		T(test_forced_format),
		T(test_raw_too_large),
		T(test_bzimage),
		T(test_short_raw),
		T(test_empty),
		T(test_directory),
		T(test_missing_file),
		T(test_not_regular),
		T(test_elf_truncated_header),
		T(test_elf_phdrs_past_eof),
		T(test_elf_segment_past_eof),
		T(test_elf_wrong_machine),
		T(test_elf_class32),
		T(test_elf32_plain),
		T(test_elf32_bad_headers),
		T(test_elf_dyn),
		T(test_elf_bad_phdr_table),
		T(test_elf_outside_ram),
		T(test_elf_below_1mib),
		T(test_elf_overlap),
		T(test_elf_filesz_gt_memsz),
		T(test_elf_no_load),
		T(test_elf_entry_outside),
		T(test_elf_nothing_written),
		T(test_err_truncated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
