/*
 * test_pvh.c: the PVH boot protocol: the start-of-day structures of
 * boot/pvh.c byte by byte (xen/include/public/arch-x86/hvm/start_info.h:
 * hvm_start_info, hvm_modlist_entry, hvm_memmap_table_entry), and the
 * XEN_ELFNOTE_PHYS32_ENTRY note in ELF64 and ELF32 kernels (boot/elf.c):
 * detection by the loader, the entry checked against the segments, notes
 * with hostile sizes, and Linux's own note.  No KVM needed.
 */
#include "boot_fixture.h"

#include "arch/x86/e820.h"
#include "boot/elf.h"
#include "boot/loader.h"
#include "boot/pvh.h"

#define NAME	  "pvh.img"
#define RAM_SIZE  (4 * MIB)
#define IMG_LEN	  0x3000
#define SEG	  0x100000u /* the kernel's one PT_LOAD */
#define PVH_ENTRY 0x100040u
#define ELF_ENTRY 0x100100u /* e_entry: the 64-bit entry, not PVH's */
#define NOTES	  0x800	    /* file offset of the PT_NOTE segment */

struct fx {
	struct ram ram;
	struct elf_build e;
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
	elfb_free(&fx->e);
	ram_free(&fx->ram);
	free(fx);
	return 0;
}

/*
 * A kernel of class cls: 0x200 file bytes at 1 MiB with bss to 1 MiB +
 * 0x1000, entered at ELF_ENTRY by e_entry, and a PT_NOTE segment at NOTES
 * holding the Xen note (type 18, desc of descsz bytes) when desc is set.
 */
static void pvh_elf(struct fx *fx, unsigned int cls, const void *desc,
		    uint32_t descsz)
{
	size_t n = 0;

	elfb_free(&fx->e);
	elfb_init(&fx->e, cls, 2, ELF_ENTRY, IMG_LEN);
	elfb_phdr(&fx->e, 0, PT_LOAD, 0x1000, SEG, 0x200, 0x1000);
	elfb_fill(&fx->e, 0x1000, 0x200, 0x21);
	if (desc)
		n = elfb_note(&fx->e, NOTES, "Xen", 18, desc, descsz);
	elfb_phdr(&fx->e, 1, PT_NOTE, NOTES, 0, n, n);
}

/* The Xen note with a 4-byte descriptor holding PVH_ENTRY. */
static void pvh_elf4(struct fx *fx, unsigned int cls)
{
	uint32_t entry = PVH_ENTRY;

	pvh_elf(fx, cls, &entry, 4);
}

/* The notes segment: n bytes at NOTES. */
static void notes_len(struct fx *fx, uint64_t n)
{
	elfb_phdr(&fx->e, 1, PT_NOTE, NOTES, 0, n, n);
}

static int open_as(struct fx *fx, enum loader_format fmt)
{
	int r;

	if (fx->open)
		loader_close(&fx->f);
	fx->err[0] = '\0';
	r = loader_open_buffer(fx->e.buf, fx->e.len, NAME, fmt, NULL, &fx->f,
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

/* Parse the image directly and look for the note: found, and where. */
static bool find_note(struct fx *fx, uint64_t *entry)
{
	struct loader_file f = {
		.name = NAME, .fd = -1, .buf = fx->e.buf, .size = fx->e.len
	};

	assert_int_equal(elf_parse(&f, fx->err, sizeof(fx->err)), 0);
	*entry = 0xdead;
	return elf_find_pvh_entry(&f, entry);
}

static bool is_linux(struct fx *fx)
{
	struct loader_file f = {
		.name = NAME, .fd = -1, .buf = fx->e.buf, .size = fx->e.len
	};

	assert_int_equal(elf_parse(&f, fx->err, sizeof(fx->err)), 0);
	return elf_is_linux(&f);
}

/* The structures ---------------------------------------------------------- */

static void test_start_info(void **state)
{
	uint8_t out[PVH_START_SIZE + 8], want[PVH_START_SIZE];
	const struct pvh_params p = {
		.cmdline = 0x4000,
		.rsdp = 0xe0000,
		.modlist = 0x5800,
		.nr_modules = 1,
		.memmap = 0x5000,
		.memmap_entries = 6,
	};

	(void)state;
	assert_int_equal(PVH_START_SIZE, 56);
	memset(out, 0xcc, sizeof(out));
	pvh_start_info(&p, out);
	memset(want, 0, sizeof(want));
	le32(want + 0, 0x336ec578);
	le32(want + 4, 1);
	le32(want + 8, 0);
	le32(want + 12, 1);
	le64(want + 16, 0x5800);
	le64(want + 24, 0x4000);
	le64(want + 32, 0xe0000);
	le64(want + 40, 0x5000);
	le32(want + 48, 6);
	assert_bytes(out, want, PVH_START_SIZE, "hvm_start_info");
	assert_int_equal(rd32(out), PVH_START_MAGIC);
	assert_int_equal(rd32(out + 52), 0); /* reserved */
	for (size_t i = PVH_START_SIZE; i < sizeof(out); i++)
		assert_int_equal(out[i], 0xcc);
}

/* 64-bit addresses keep their high halves; nothing is left over. */
static void test_start_info_high(void **state)
{
	uint8_t out[PVH_START_SIZE], want[PVH_START_SIZE];
	const struct pvh_params p = {
		.cmdline = 0x1122334455667788ULL,
		.rsdp = 0x8877665544332211ULL,
		.modlist = 0x0102030405060708ULL,
		.nr_modules = 0xfffffffe,
		.memmap = 0xa0b0c0d0e0f00010ULL,
		.memmap_entries = 0x80000001,
	};
	const struct pvh_params none = { 0 };

	(void)state;
	memset(out, 0xcc, sizeof(out));
	pvh_start_info(&p, out);
	memset(want, 0, sizeof(want));
	le32(want + 0, 0x336ec578);
	le32(want + 4, 1);
	le32(want + 12, 0xfffffffe);
	le64(want + 16, 0x0102030405060708ULL);
	le64(want + 24, 0x1122334455667788ULL);
	le64(want + 32, 0x8877665544332211ULL);
	le64(want + 40, 0xa0b0c0d0e0f00010ULL);
	le32(want + 48, 0x80000001);
	assert_bytes(out, want, sizeof(out), "hvm_start_info");

	memset(out, 0xcc, sizeof(out));
	pvh_start_info(&none, out);
	memset(want, 0, sizeof(want));
	le32(want + 0, 0x336ec578);
	le32(want + 4, 1);
	assert_bytes(out, want, sizeof(out), "hvm_start_info");
}

static void test_module(void **state)
{
	uint8_t out[PVH_MODLIST_SIZE + 4], want[PVH_MODLIST_SIZE];

	(void)state;
	assert_int_equal(PVH_MODLIST_SIZE, 32);
	memset(out, 0xcc, sizeof(out));
	pvh_module(0x1234567000ULL, 0x100000001ULL, 0x6000, out);
	memset(want, 0, sizeof(want));
	le64(want + 0, 0x1234567000ULL); /* paddr */
	le64(want + 8, 0x100000001ULL);	 /* size */
	le64(want + 16, 0x6000);	 /* cmdline_paddr */
	assert_bytes(out, want, PVH_MODLIST_SIZE, "hvm_modlist_entry");
	for (size_t i = PVH_MODLIST_SIZE; i < sizeof(out); i++)
		assert_int_equal(out[i], 0xcc);
}

static void test_memmap(void **state)
{
	static const struct e820_entry map[] = {
		{ 0, 0x9fc00, E820_RAM },
		{ 0x9fc00, 0x60400, E820_RESERVED },
		{ 0x100000, 0xbff00000, E820_RAM },
		{ 0xfe000000, 0x200000, E820_RESERVED },
		{ 0x100000000ULL, 0x40000000, E820_RAM },
		{ 0xfed00000, 0x1000, E820_NVS },
	};
	uint8_t out[6 * 24 + 4], want[24];

	(void)state;
	assert_int_equal(PVH_MEMMAP_SIZE, 24);
	memset(out, 0xcc, sizeof(out));
	pvh_memmap(map, 6, out);
	for (unsigned int i = 0; i < 6; i++) {
		memset(want, 0, sizeof(want));
		le64(want, map[i].addr);
		le64(want + 8, map[i].size);
		le32(want + 16, map[i].type);
		assert_bytes(out + 24 * i, want, 24, "hvm_memmap_table_entry");
	}
	assert_int_equal(rd64(out + 24 * 4), 0x100000000ULL);
	assert_int_equal(rd32(out + 24 * 5 + 16), 4);
	assert_int_equal(rd32(out + 24 * 5 + 20), 0); /* reserved */
	for (size_t i = 6 * 24; i < sizeof(out); i++)
		assert_int_equal(out[i], 0xcc);

	memset(out, 0xcc, sizeof(out));
	pvh_memmap(map, 0, out);
	assert_int_equal(out[0], 0xcc);
}

/* The note, found by the loader --------------------------------------- */

static void check_pvh_loaded(struct fx *fx)
{
	assert_int_equal(fx->li.format, LOADER_PVH);
	assert_int_equal(fx->li.entry_kind, LOADER_ENTRY_PVH);
	assert_int_equal(fx->li.entry, PVH_ENTRY);
	assert_int_equal(fx->li.start, SEG);
	assert_int_equal(fx->li.end, SEG + 0x1000);
	assert_memory_equal(fx->ram.host + SEG, fx->e.buf + 0x1000, 0x200);
	ram_assert_all(&fx->ram, SEG + 0x200, SEG + 0x1000, 0);
	assert_int_equal(fx->ram.host[SEG + 0x1000], 0x5a);
	assert_int_equal(fx->ram.host[SEG - 1], 0x5a);
}

static void test_elf64_note(void **state)
{
	struct fx *fx = *state;

	pvh_elf4(fx, ELFCLASS64);
	assert_int_equal(open_as(fx, LOADER_AUTO), 0);
	assert_int_equal(fx->f.format, LOADER_PVH);
	assert_int_equal(fx->f.elf_class, ELFCLASS64);
	assert_int_equal(fx->f.pvh_entry, PVH_ENTRY);
	assert_false(fx->f.is_linux);
	memset(fx->ram.host, 0x5a, RAM_SIZE);
	assert_int_equal(load(fx), 0);
	check_pvh_loaded(fx);

	assert_int_equal(open_as(fx, LOADER_PVH), 0);
	assert_int_equal(fx->f.format, LOADER_PVH);
	memset(fx->ram.host, 0x5a, RAM_SIZE);
	assert_int_equal(load(fx), 0);
	check_pvh_loaded(fx);

	/* elf: the same kernel entered at e_entry in 64-bit mode. */
	assert_int_equal(open_as(fx, LOADER_ELF), 0);
	assert_int_equal(load(fx), 0);
	assert_int_equal(fx->li.format, LOADER_ELF);
	assert_int_equal(fx->li.entry_kind, LOADER_ENTRY_HYVE64);
	assert_int_equal(fx->li.entry, ELF_ENTRY);
}

/* Linux stores the entry in a pointer-sized field: its low 32 bits. */
static void test_elf64_note8(void **state)
{
	struct fx *fx = *state;
	uint64_t entry = PVH_ENTRY, found;

	pvh_elf(fx, ELFCLASS64, &entry, 8);
	assert_true(find_note(fx, &found));
	assert_int_equal(found, PVH_ENTRY);
	assert_int_equal(open_as(fx, LOADER_AUTO), 0);
	assert_int_equal(fx->f.format, LOADER_PVH);
	assert_int_equal(fx->f.pvh_entry, PVH_ENTRY);
	memset(fx->ram.host, 0x5a, RAM_SIZE);
	assert_int_equal(load(fx), 0);
	check_pvh_loaded(fx);

	entry = 0xdeadbeef00000000ULL | PVH_ENTRY;
	pvh_elf(fx, ELFCLASS64, &entry, 8);
	assert_true(find_note(fx, &found));
	assert_int_equal(found, PVH_ENTRY);
}

static void test_elf32_note(void **state)
{
	struct fx *fx = *state;
	uint64_t entry8 = PVH_ENTRY;

	pvh_elf4(fx, ELFCLASS32);
	assert_int_equal(open_as(fx, LOADER_AUTO), 0);
	assert_int_equal(fx->f.format, LOADER_PVH);
	assert_int_equal(fx->f.elf_class, ELFCLASS32);
	assert_int_equal(fx->f.pvh_entry, PVH_ENTRY);
	assert_int_equal(fx->f.eh.e_entry, ELF_ENTRY);
	assert_int_equal(fx->f.ph[0].p_paddr, SEG);
	memset(fx->ram.host, 0x5a, RAM_SIZE);
	assert_int_equal(load(fx), 0);
	check_pvh_loaded(fx);

	pvh_elf(fx, ELFCLASS32, &entry8, 8);
	assert_int_equal(open_as(fx, LOADER_PVH), 0);
	assert_int_equal(fx->f.pvh_entry, PVH_ENTRY);

	/* Forced elf still refuses a 32-bit kernel. */
	assert_int_equal(open_as(fx, LOADER_ELF), -ENOEXEC);
	assert_string_equal(fx->err, NAME ": a 32-bit ELF with neither a PVH "
					  "note nor a Multiboot header; hyve "
					  "enters ELF kernels in 64-bit mode");
}

/* The PVH entry must be in a loaded segment, e_entry need not be. */
static void test_entry_outside(void **state)
{
	struct fx *fx = *state;
	const uint32_t outside[] = { SEG - 1, SEG + 0x1000, 0, 0xffffffff };
	uint32_t last = SEG + 0xfff;
	char want[160];

	for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
		pvh_elf(fx, i % 2 ? ELFCLASS32 : ELFCLASS64, &outside[i], 4);
		snprintf(want, sizeof(want),
			 NAME ": ELF PVH entry point %#x is not inside a "
			      "loaded segment",
			 outside[i]);
		assert_int_equal(open_as(fx, LOADER_AUTO), -ENOEXEC);
		assert_string_equal(fx->err, want);
		assert_int_equal(open_as(fx, LOADER_PVH), -ENOEXEC);
		assert_string_equal(fx->err, want);
		fx->err[0] = '\0';
		assert_int_equal(loader_load_buffer(fx->e.buf, fx->e.len, NAME,
						    LOADER_AUTO, &fx->ram.gm,
						    &fx->li, fx->err,
						    sizeof(fx->err)),
				 -ENOEXEC);
		ram_assert_all(&fx->ram, 0, RAM_SIZE, 0);
	}

	/* The last byte of the bss is inside; e_entry outside is fine. */
	pvh_elf(fx, ELFCLASS64, &last, 4);
	elfb_entry(&fx->e, 0x9000000);
	assert_int_equal(open_as(fx, LOADER_AUTO), 0);
	assert_int_equal(fx->f.pvh_entry, SEG + 0xfff);
}

static void test_forced_pvh(void **state)
{
	struct fx *fx = *state;

	/* No note. */
	pvh_elf(fx, ELFCLASS64, NULL, 0);
	assert_int_equal(open_as(fx, LOADER_PVH), -ENOEXEC);
	assert_string_equal(fx->err, NAME ": not a PVH kernel: the ELF has no "
					  "XEN_ELFNOTE_PHYS32_ENTRY note");
	/* auto: an ELF64 for hyve's 64-bit entry. */
	assert_int_equal(open_as(fx, LOADER_AUTO), 0);
	assert_int_equal(fx->f.format, LOADER_ELF);

	/* Not an ELF at all. */
	memset(fx->e.buf, 0x90, fx->e.len);
	assert_int_equal(open_as(fx, LOADER_PVH), -ENOEXEC);
	assert_string_equal(fx->err, NAME ": not a PVH kernel (neither an ELF "
					  "nor a bzImage)");

	/* A bad ELF says what is wrong with it. */
	pvh_elf4(fx, ELFCLASS64);
	fx->e.buf[offsetof(Elf64_Ehdr, e_type)] = ET_DYN;
	assert_int_equal(open_as(fx, LOADER_PVH), -ENOEXEC);
	assert_string_equal(fx->err, NAME ": ELF type is 3; hyve loads "
					  "executables (ET_EXEC)");
}

/* Notes that are not the PVH entry --------------------------------------- */

/* The notes as they are make no PVH kernel: auto takes an ELF. */
static void expect_not_pvh(struct fx *fx, const char *what)
{
	uint64_t found;

	if (find_note(fx, &found))
		fail_msg("%s: taken as a PVH entry at %#llx", what,
			 (unsigned long long)found);
	assert_int_equal(open_as(fx, LOADER_AUTO), 0);
	assert_int_equal(fx->f.format, LOADER_ELF);
	assert_int_equal(open_as(fx, LOADER_PVH), -ENOEXEC);
	assert_string_equal(fx->err, NAME ": not a PVH kernel: the ELF has no "
					  "XEN_ELFNOTE_PHYS32_ENTRY note");
}

static void test_other_notes(void **state)
{
	struct fx *fx = *state;
	uint32_t entry = PVH_ENTRY;
	uint16_t two = 0x40;
	uint8_t twelve[12] = { 0x40, 0, 0x10, 0 };
	size_t n;

	pvh_elf(fx, ELFCLASS64, NULL, 0);
	n = elfb_note(&fx->e, NOTES, "Xen", 17, &entry, 4); /* other type */
	notes_len(fx, n);
	expect_not_pvh(fx, "type 17");

	n = elfb_note(&fx->e, NOTES, "XEN", 18, &entry, 4);
	notes_len(fx, n);
	expect_not_pvh(fx, "owner XEN");

	n = elfb_note(&fx->e, NOTES, "Xen2", 18, &entry, 4);
	notes_len(fx, n);
	expect_not_pvh(fx, "owner Xen2");

	n = elfb_note(&fx->e, NOTES, "Xen", 18, &two, 2);
	notes_len(fx, n);
	expect_not_pvh(fx, "a 2-byte descriptor");

	n = elfb_note(&fx->e, NOTES, "Xen", 18, twelve, 12);
	notes_len(fx, n);
	expect_not_pvh(fx, "a 12-byte descriptor");

	n = elfb_note(&fx->e, NOTES, "Xen", 18, &entry, 0);
	notes_len(fx, n);
	expect_not_pvh(fx, "no descriptor");

	/* "Xen" without its NUL: namesz 3. */
	n = elfb_note(&fx->e, NOTES, "Xen", 18, &entry, 4);
	le32(fx->e.buf + NOTES, 3);
	notes_len(fx, n);
	expect_not_pvh(fx, "namesz 3");

	/* A note in a segment that is not PT_NOTE does not count. */
	pvh_elf4(fx, ELFCLASS64);
	elfb_phdr(&fx->e, 1, PT_NULL, NOTES, 0, 24, 24);
	expect_not_pvh(fx, "a PT_NULL segment");
}

/* The PVH note after other notes, and in a second notes segment. */
static void test_note_among_others(void **state)
{
	struct fx *fx = *state;
	uint8_t build_id[20];
	uint32_t entry = PVH_ENTRY, zero = 0;
	uint64_t found;
	size_t n = 0;

	for (size_t i = 0; i < sizeof(build_id); i++)
		build_id[i] = (uint8_t)(0xb0 + i);
	elfb_free(&fx->e);
	elfb_init(&fx->e, ELFCLASS64, 3, ELF_ENTRY, IMG_LEN);
	elfb_phdr(&fx->e, 0, PT_LOAD, 0x1000, SEG, 0x200, 0x1000);
	n += elfb_note(&fx->e, NOTES + n, "GNU", 3, build_id, 20);
	n += elfb_note(&fx->e, NOTES + n, "Xen", 6, "xen-3.0", 8);
	n += elfb_note(&fx->e, NOTES + n, "Xen", 17, &zero, 4);
	n += elfb_note(&fx->e, NOTES + n, "Xen", 18, &entry, 4);
	elfb_phdr(&fx->e, 1, PT_NOTE, NOTES, 0, n, n);
	elfb_phdr(&fx->e, 2, PT_GNU_STACK, 0, 0, 0, 0);
	assert_true(find_note(fx, &found));
	assert_int_equal(found, PVH_ENTRY);
	assert_int_equal(open_as(fx, LOADER_AUTO), 0);
	assert_int_equal(fx->f.format, LOADER_PVH);

	/* The first segment has no PVH note; the second has. */
	n = elfb_note(&fx->e, NOTES, "GNU", 3, build_id, 20);
	elfb_phdr(&fx->e, 1, PT_NOTE, NOTES, 0, n, n);
	n = elfb_note(&fx->e, 0xc00, "Xen", 18, &entry, 4);
	elfb_phdr(&fx->e, 2, PT_NOTE, 0xc00, 0, n, n);
	assert_true(find_note(fx, &found));
	assert_int_equal(found, PVH_ENTRY);

	/* Only the first PVH note counts. */
	entry = SEG + 4;
	n = elfb_note(&fx->e, NOTES, "Xen", 18, &entry, 4);
	elfb_phdr(&fx->e, 1, PT_NOTE, NOTES, 0, n, n);
	assert_true(find_note(fx, &found));
	assert_int_equal(found, SEG + 4);
}

/* Sizes that point outside the segment or the file: no note, no crash. */
static void test_note_bad_sizes(void **state)
{
	struct fx *fx = *state;
	uint32_t entry = PVH_ENTRY;
	uint64_t found;

	/* namesz and descsz that run past the segment. */
	pvh_elf4(fx, ELFCLASS64);
	le32(fx->e.buf + NOTES, 0xffffffff);
	assert_false(find_note(fx, &found));
	le32(fx->e.buf + NOTES, 0xfffffffd); /* + 3 wraps in 32 bits */
	assert_false(find_note(fx, &found));
	pvh_elf4(fx, ELFCLASS64);
	le32(fx->e.buf + NOTES + 4, 0xffffffff);
	assert_false(find_note(fx, &found));
	pvh_elf4(fx, ELFCLASS64);
	le32(fx->e.buf + NOTES + 4, 5); /* past the note's 20 bytes */
	assert_false(find_note(fx, &found));

	/* A segment one byte too short for its note, or for a header. */
	pvh_elf4(fx, ELFCLASS64);
	notes_len(fx, 19);
	assert_false(find_note(fx, &found));
	notes_len(fx, 11);
	assert_false(find_note(fx, &found));
	notes_len(fx, 0);
	assert_false(find_note(fx, &found));
	notes_len(fx, 20);
	assert_true(find_note(fx, &found));
	notes_len(fx, 21); /* trailing bytes too few for another note */
	assert_true(find_note(fx, &found));

	/* A notes segment past the end of the file, or wrapping. */
	pvh_elf4(fx, ELFCLASS64);
	elfb_phdr(&fx->e, 1, PT_NOTE, IMG_LEN - 12, 0, 24, 24);
	assert_false(find_note(fx, &found));
	elfb_phdr(&fx->e, 1, PT_NOTE, UINT64_MAX - 8, 0, 24, 24);
	assert_false(find_note(fx, &found));
	elfb_phdr(&fx->e, 1, PT_NOTE, IMG_LEN - 0x100, 0, UINT64_MAX,
		  UINT64_MAX);
	elfb_note(&fx->e, IMG_LEN - 0x100, "Xen", 18, &entry, 4);
	assert_false(find_note(fx, &found)); /* its 4 KiB run past EOF */
	/* A huge p_filesz whose first 4 KiB are in the file is read. */
	elfb_phdr(&fx->e, 1, PT_NOTE, NOTES, 0, UINT64_MAX, UINT64_MAX);
	assert_true(find_note(fx, &found));

	/* Padding to 4 bytes: a 5-byte name is followed by 3 of padding. */
	pvh_elf(fx, ELFCLASS64, NULL, 0);
	notes_len(fx,
		  elfb_note(&fx->e, NOTES, "Xen1", 5, "abcde", 5) +
			  elfb_note(&fx->e, NOTES + 28, "Xen", 18, &entry, 4));
	assert_int_equal(elfb_note(&fx->e, NOTES, "Xen1", 5, "abcde", 5), 28);
	assert_true(find_note(fx, &found));
	assert_int_equal(found, PVH_ENTRY);

	/* Nothing of this reaches the loader as a PVH kernel. */
	pvh_elf4(fx, ELFCLASS64);
	le32(fx->e.buf + NOTES + 4, 0xfffffff0);
	assert_int_equal(open_as(fx, LOADER_AUTO), 0);
	assert_int_equal(fx->f.format, LOADER_ELF);
}

/* Only the first 4 KiB of a notes segment are looked at. */
static void test_note_window(void **state)
{
	struct fx *fx = *state;
	uint32_t entry = PVH_ENTRY;
	uint8_t filler[4096];
	uint64_t found;
	size_t n;

	memset(filler, 0, sizeof(filler));
	elfb_free(&fx->e);
	elfb_init(&fx->e, ELFCLASS64, 2, ELF_ENTRY, 0x4000);
	elfb_phdr(&fx->e, 0, PT_LOAD, 0x3000, SEG, 0x200, 0x1000);
	/* A filler note that ends 20 bytes before 4 KiB, then the entry. */
	n = elfb_note(&fx->e, 0x800, "GNU", 1, filler, 4096 - 20 - 16);
	assert_int_equal(n, 4096 - 20);
	n += elfb_note(&fx->e, 0x800 + n, "Xen", 18, &entry, 4);
	assert_int_equal(n, 4096);
	elfb_phdr(&fx->e, 1, PT_NOTE, 0x800, 0, n, n);
	assert_true(find_note(fx, &found));
	assert_int_equal(found, PVH_ENTRY);

	/* Four bytes later it is past the window. */
	n = elfb_note(&fx->e, 0x800, "GNU", 1, filler, 4096 - 20 - 12);
	n += elfb_note(&fx->e, 0x800 + n, "Xen", 18, &entry, 4);
	assert_int_equal(n, 4100);
	elfb_phdr(&fx->e, 1, PT_NOTE, 0x800, 0, n, n);
	assert_false(find_note(fx, &found));
}

/*
 * Was a bug: elf.c elf_note_find(): the loop "for (uint64_t off = 0; len - off
 * >= 12;)" (line 273) steps off past len (line 291 adds the padded
 * descriptor size) when the segment's p_filesz is not a multiple of 4 and
 * its last note's descriptor ends in the padding: len - off then wraps to
 * a huge value and the loop reads a note header at off, beyond the len
 * bytes read.  With p_filesz 4093 (the last note ending at byte 4093,
 * padded to 4096) it reads buf[4096..4108), 12 bytes past the 4096-byte
 * stack buffer: UBSan and ASan report it (make test ASAN=1).  With a
 * shorter segment it reads uninitialised stack bytes.  The result happens
 * to be false either way, so only a sanitizer sees it fail.
 */
static void test_note_unaligned_end(void **state)
{
	struct fx *fx = *state;
	uint8_t filler[4096];
	uint64_t found;
	size_t n;

	memset(filler, 0x11, sizeof(filler));
	elfb_free(&fx->e);
	elfb_init(&fx->e, ELFCLASS64, 2, ELF_ENTRY, 0x4000);
	elfb_phdr(&fx->e, 0, PT_LOAD, 0x3000, SEG, 0x200, 0x1000);
	n = elfb_note(&fx->e, 0x800, "Xen", 5, filler, 4093 - 16);
	assert_int_equal(n, 4096);
	elfb_phdr(&fx->e, 1, PT_NOTE, 0x800, 0, 4093, 4093);
	assert_false(find_note(fx, &found));
}

/* Linux's own notes ------------------------------------------------------- */

static void test_is_linux(void **state)
{
	struct fx *fx = *state;
	uint32_t entry = PVH_ENTRY;
	size_t n;

	pvh_elf4(fx, ELFCLASS64);
	assert_false(is_linux(fx));

	/* The Xen note, then Linux's (any type, any descriptor). */
	n = elfb_note(&fx->e, NOTES, "Xen", 18, &entry, 4);
	n += elfb_note(&fx->e, NOTES + n, "Linux", 0x100, "6.1.0", 6);
	notes_len(fx, n);
	assert_true(is_linux(fx));
	assert_int_equal(open_as(fx, LOADER_AUTO), 0);
	assert_int_equal(fx->f.format, LOADER_PVH);
	assert_true(fx->f.is_linux);
	assert_int_equal(fx->f.pvh_entry, PVH_ENTRY);

	n = elfb_note(&fx->e, NOTES, "Linux", 6, "", 0);
	notes_len(fx, n);
	assert_true(is_linux(fx));

	/* Not "Linux": another owner, or the name without its NUL. */
	n = elfb_note(&fx->e, NOTES, "Linu", 6, "6.1", 4);
	notes_len(fx, n);
	assert_false(is_linux(fx));
	n = elfb_note(&fx->e, NOTES, "Linuxx", 6, "6.1", 4);
	notes_len(fx, n);
	assert_false(is_linux(fx));
	n = elfb_note(&fx->e, NOTES, "Linux", 6, "6.1", 4);
	le32(fx->e.buf + NOTES, 5);
	notes_len(fx, n);
	assert_false(is_linux(fx));

	/* ELF32 too; and a bad size hides it. */
	pvh_elf4(fx, ELFCLASS32);
	n = elfb_note(&fx->e, NOTES, "Linux", 1, "x", 1);
	n += elfb_note(&fx->e, NOTES + n, "Xen", 18, &entry, 4);
	notes_len(fx, n);
	assert_true(is_linux(fx));
	assert_int_equal(open_as(fx, LOADER_PVH), 0);
	assert_true(fx->f.is_linux);
	le32(fx->e.buf + NOTES + 4, 0x7fffffff);
	assert_false(is_linux(fx));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_info),
		cmocka_unit_test(test_start_info_high),
		cmocka_unit_test(test_module),
		cmocka_unit_test(test_memmap),
		T(test_elf64_note),
		T(test_elf64_note8),
		T(test_elf32_note),
		T(test_entry_outside),
		T(test_forced_pvh),
		T(test_other_notes),
		T(test_note_among_others),
		T(test_note_bad_sizes),
		T(test_note_window),
		T(test_is_linux),
		T(test_note_unaligned_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
