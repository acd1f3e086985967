/*
 * test_boot.c: the start-of-day state of each boot protocol (boot/boot.c)
 * over a calloc'd 64 MiB guest_mem and hand-made loader images: the
 * registers, the CPU mode, the structures at the memmap.h addresses, the
 * placement of --initramfs modules and the limits on them and on the
 * command line; and the E820 map (arch/x86/e820.c) for RAM sizes from
 * 2 MiB to 64 GiB.  No KVM needed.
 */
#include <sys/mman.h>

#include "boot_fixture.h"

#include "arch/x86/e820.h"
#include "arch/x86/memmap.h"
#include "boot/boot.h"
#include "boot/bzimage.h"
#include "boot/multiboot.h"
#include "boot/pvh.h"

#define RAM_SIZE (64 * MIB)
#define RSDP	 0xe0000

/* Never dereferenced: the host side of layouts e820_build only reads. */
static uint8_t fake_host[1];

struct fx {
	struct ram ram;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct boot_placed placed;
	struct loader_bzimage bz;
	struct loader_image img;
	struct boot_module mods[BOOT_MAX_MODULES + 1];
	uint8_t *data[BOOT_MAX_MODULES + 1];
	struct boot_plan plan;
	char err[256];
	uint8_t *big; /* a 4 GiB mapping in place of ram.host, or NULL */
	struct ram saved;
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

	for (unsigned int i = 0; i <= BOOT_MAX_MODULES; i++)
		free(fx->data[i]);
	if (fx->big) {
		munmap(fx->big, 4 * GIB);
		fx->ram = fx->saved;
	}
	ram_free(&fx->ram);
	free(fx);
	return 0;
}

/* Module i: size bytes of a pattern that says which module it is. */
static void module(struct fx *fx, unsigned int i, const char *name, size_t size)
{
	free(fx->data[i]);
	fx->data[i] = malloc(size ? size : 1);
	assert_non_null(fx->data[i]);
	for (size_t k = 0; k < size; k++)
		fx->data[i][k] = (uint8_t)(i * 31 + k * 7 + 1);
	fx->mods[i] = (struct boot_module){ .name = name,
					    .data = fx->data[i],
					    .size = size };
}

/* The images, as the loader would have made them. */
static void img_hyve64(struct fx *fx, enum loader_format fmt)
{
	fx->img = (struct loader_image){ .format = fmt,
					 .entry_kind = LOADER_ENTRY_HYVE64,
					 .entry = 0x100000,
					 .start = 0x100000,
					 .end = 0x101000 };
}

/* A bzImage of protocol 2.15 loaded at 16 MiB with 2 MiB init_size. */
static void img_linux(struct fx *fx)
{
	memset(&fx->bz, 0, sizeof(fx->bz));
	fx->bz.version = 0x020f;
	fx->bz.setup_sects = 4;
	fx->bz.loadflags = 0x80;
	fx->bz.xloadflags = 1;
	fx->bz.relocatable = 1;
	fx->bz.kernel_alignment = 0x200000;
	fx->bz.initrd_addr_max = 0x7fffffff;
	fx->bz.cmdline_size = 0x7ff;
	fx->bz.init_size = 0x200000;
	fx->bz.pref_address = 0x1000000;
	fx->bz.setup_size = 0xa00;
	fx->bz.hdr_len = 0x77;
	for (size_t i = 0; i < fx->bz.hdr_len; i++)
		fx->bz.hdr[i] = (uint8_t)(0x40 + i);
	fx->bz.hdr[0] = 4; /* 0x1f1 setup_sects */
	memcpy(fx->bz.hdr + 0x202 - 0x1f1, "HdrS", 4);
	le16(fx->bz.hdr + 0x206 - 0x1f1, 0x020f);
	fx->bz.hdr[0x210 - 0x1f1] = 0;		 /* type_of_loader */
	fx->bz.hdr[0x211 - 0x1f1] = 0x80;	 /* loadflags */
	le32(fx->bz.hdr + 0x238 - 0x1f1, 0x7ff); /* cmdline_size */
	fx->img = (struct loader_image){ .format = LOADER_BZIMAGE,
					 .entry_kind = LOADER_ENTRY_LINUX64,
					 .entry = 0x1000200,
					 .start = 0x1000000,
					 .end = 0x1200000,
					 .bz = &fx->bz };
}

static void img_pvh(struct fx *fx)
{
	fx->img = (struct loader_image){ .format = LOADER_PVH,
					 .entry_kind = LOADER_ENTRY_PVH,
					 .entry = 0x100040,
					 .start = 0x100000,
					 .end = 0x200000 };
}

static void img_multiboot(struct fx *fx)
{
	fx->img = (struct loader_image){ .format = LOADER_MULTIBOOT,
					 .entry_kind = LOADER_ENTRY_MULTIBOOT,
					 .entry = 0x10000c,
					 .start = 0x100000,
					 .end = 0x300000 };
}

static int boot(struct fx *fx, const char *cmdline, unsigned int nmods)
{
	fx->plan = (struct boot_plan){ .img = &fx->img,
				       .cmdline = cmdline,
				       .cpus = 2,
				       .mods = fx->mods,
				       .nmods = nmods,
				       .rsdp = RSDP };
	memset(&fx->regs, 0xa5, sizeof(fx->regs));
	memset(&fx->sregs, 0xff, sizeof(fx->sregs)); /* as from KVM */
	memset(&fx->placed, 0xa5, sizeof(fx->placed));
	fx->err[0] = '\0';
	return boot_setup(&fx->ram.gm, &fx->plan, &fx->regs, &fx->sregs,
			  &fx->placed, fx->err, sizeof(fx->err));
}

static const uint8_t *at(const struct fx *fx, uint64_t gpa)
{
	assert_true(gpa < fx->ram.len);
	return fx->ram.host + gpa;
}

/* The E820 map of 64 MiB, as every protocol gets it. */
static const struct e820_entry map64m[] = {
	{ 0, 0x9fc00, E820_RAM },
	{ 0x9fc00, 0x60400, E820_RESERVED },
	{ 0x100000, 0x3f00000, E820_RAM },
	{ 0xe0000000, 0x100000, E820_RESERVED },
	{ 0xfe000000, 0x200000, E820_RESERVED },
	{ 0xfffbc000, 0x4000, E820_RESERVED },
};

/* CPU state -------------------------------------------------------------- */

static void check_long_mode(const struct fx *fx)
{
	const struct kvm_sregs *s = &fx->sregs;

	assert_int_equal(s->cs.selector, 0x10);
	assert_int_equal(s->cs.l, 1);
	assert_int_equal(s->cs.db, 0);
	assert_int_equal(s->ds.selector, 0x18);
	assert_int_equal(s->es.selector, 0x18);
	assert_int_equal(s->ss.selector, 0x18);
	assert_int_equal(s->tr.selector, 0x20);
	assert_int_equal(s->cr0, 0x80010033);
	assert_int_equal(s->cr3, MEMMAP_PML4);
	assert_int_equal(s->cr4, 0x20);
	assert_int_equal(s->efer, 0x500);
	assert_int_equal(s->gdt.base, MEMMAP_GDT);
	assert_int_equal(s->gdt.limit, 47);
}

static void check_prot32(const struct fx *fx)
{
	const struct kvm_sregs *s = &fx->sregs;

	assert_int_equal(s->cs.selector, 0x08);
	assert_int_equal(s->cs.l, 0);
	assert_int_equal(s->cs.db, 1);
	assert_int_equal(s->cs.base, 0);
	assert_int_equal(s->cs.limit, 0xffffffff);
	assert_int_equal(s->ds.selector, 0x18);
	assert_int_equal(s->es.selector, 0x18);
	assert_int_equal(s->ss.selector, 0x18);
	assert_int_equal(s->tr.selector, 0x20);
	assert_int_equal(s->cr0, 0x11); /* PE | ET: paging off */
	assert_int_equal(s->cr3, 0);
	assert_int_equal(s->cr4, 0);
	assert_int_equal(s->efer, 0);
	assert_int_equal(s->gdt.base, MEMMAP_GDT);
	assert_int_equal(s->gdt.limit, 47);
}

/* The GDT and identity map longmode_build writes, every protocol. */
static void check_tables(const struct fx *fx)
{
	assert_int_equal(rd64(at(fx, MEMMAP_GDT + 0x08)),
			 0x00cf9b000000ffffULL);
	assert_int_equal(rd64(at(fx, MEMMAP_GDT + 0x10)),
			 0x00af9b000000ffffULL);
	assert_int_equal(rd64(at(fx, MEMMAP_GDT + 0x18)),
			 0x00cf93000000ffffULL);
	assert_int_equal(rd64(at(fx, MEMMAP_GDT + 0x20)),
			 0x00008b0020000067ULL);
	assert_int_equal(rd64(at(fx, MEMMAP_PML4)), 0x11003);
	assert_int_equal(rd64(at(fx, MEMMAP_PD + 8)), 0x200083);
}

/* Every register zero but the ones named. */
static void check_regs(const struct kvm_regs *r, uint64_t rip, uint64_t rax,
		       uint64_t rbx, uint64_t rsi, uint64_t rdi, uint64_t rsp)
{
	assert_int_equal(r->rip, rip);
	assert_int_equal(r->rax, rax);
	assert_int_equal(r->rbx, rbx);
	assert_int_equal(r->rsi, rsi);
	assert_int_equal(r->rdi, rdi);
	assert_int_equal(r->rsp, rsp);
	assert_int_equal(r->rflags, 2); /* interrupts off */
	assert_int_equal(r->rcx, 0);
	assert_int_equal(r->rdx, 0);
	assert_int_equal(r->rbp, 0);
	assert_int_equal(r->r8, 0);
	assert_int_equal(r->r15, 0);
}

/* hyve64 ----------------------------------------------------------------- */

static void test_hyve64(void **state)
{
	struct fx *fx = *state;
	struct hyve_boot_info bi;

	img_hyve64(fx, LOADER_RAW);
	assert_int_equal(boot(fx, "console=x", 0), 0);
	check_regs(&fx->regs, 0x100000, 0, 0, 0, MEMMAP_BOOT_INFO,
		   MEMMAP_STACK_TOP);
	check_long_mode(fx);
	check_tables(fx);
	memcpy(&bi, at(fx, MEMMAP_BOOT_INFO), sizeof(bi));
	assert_int_equal(bi.magic, HYVE_BOOT_MAGIC);
	assert_int_equal(bi.cpus, 2);
	assert_int_equal(bi.ram_bytes, RAM_SIZE);
	assert_int_equal(bi.cmdline, MEMMAP_CMDLINE);
	assert_int_equal(bi.cmdline_len, 9);
	assert_string_equal((const char *)at(fx, MEMMAP_CMDLINE), "console=x");
	for (unsigned int i = 0; i < BOOT_MAX_MODULES; i++)
		assert_int_equal(fx->placed.mod_addr[i], 0);
	/* No zero page, no E820 map: those are other protocols'. */
	ram_assert_all(&fx->ram, MEMMAP_MAP, MEMMAP_MAP + 0x1000, 0);
	ram_assert_all(&fx->ram, MEMMAP_ZERO_PAGE, MEMMAP_ZERO_PAGE + 0x1000,
		       0);
}

/* hyve's own entry has nowhere to put a module. */
static void test_hyve64_no_modules(void **state)
{
	struct fx *fx = *state;

	module(fx, 0, "initrd.img", 0x1000);
	img_hyve64(fx, LOADER_RAW);
	assert_int_equal(boot(fx, "", 1), -EINVAL);
	assert_string_equal(fx->err,
			    "--initramfs: an image in hyve's own raw format "
			    "has no way to "
			    "take one (use a Linux, PVH or Multiboot "
			    "kernel)");
	img_hyve64(fx, LOADER_ELF);
	assert_int_equal(boot(fx, "", 1), -EINVAL);
	assert_string_equal(fx->err,
			    "--initramfs: an image in hyve's own elf format "
			    "has no way to "
			    "take one (use a Linux, PVH or Multiboot "
			    "kernel)");
	ram_assert_all(&fx->ram, 0, RAM_SIZE, 0);

	img_hyve64(fx, LOADER_RAW);
	assert_int_equal(boot(fx, "", BOOT_MAX_MODULES + 1), -EINVAL);
	assert_contains(
		fx->err,
		"--initramfs: an image in hyve's own raw format has no way");
}

/* Linux 64-bit boot protocol ---------------------------------------------- */

static void test_linux64(void **state)
{
	struct fx *fx = *state;
	const char *cmd = "console=ttyS0 root=/dev/vda";
	uint8_t want[BZIMAGE_ZERO_PAGE_SIZE];
	const uint8_t *zp;
	struct bzimage_params p;

	img_linux(fx);
	module(fx, 0, "initrd.img", 0x1234);
	assert_int_equal(boot(fx, cmd, 1), 0);
	assert_string_equal(fx->err, "");

	/* RIP at the 64-bit entry, RSI the zero page, RDI cleared. */
	check_regs(&fx->regs, 0x1000200, 0, 0, MEMMAP_ZERO_PAGE, 0,
		   MEMMAP_STACK_TOP);
	assert_int_equal(fx->regs.rsi, 0x7000);
	check_long_mode(fx);
	check_tables(fx);

	/* The initrd at the top of RAM, page-aligned. */
	assert_int_equal(fx->placed.mod_addr[0], 0x3ffe000);
	assert_memory_equal(at(fx, 0x3ffe000), fx->data[0], 0x1234);
	assert_int_equal(fx->placed.mod_addr[1], 0);

	/* The command line, NUL-terminated. */
	assert_string_equal((const char *)at(fx, MEMMAP_CMDLINE), cmd);

	/* The zero page, byte for byte, and its main fields. */
	zp = at(fx, MEMMAP_ZERO_PAGE);
	p = (struct bzimage_params){ .load_addr = 0x1000000,
				     .cmdline = 0x4000,
				     .initrd = 0x3ffe000,
				     .initrd_size = 0x1234,
				     .rsdp = RSDP,
				     .e820 = map64m,
				     .e820_count = 6 };
	bzimage_zero_page(&fx->bz, &p, want);
	assert_bytes(zp, want, sizeof(want), "zero page");
	assert_memory_equal(zp + 0x1f1, fx->bz.hdr, 0x1f);
	assert_memory_equal(zp + 0x202, "HdrS", 4);
	assert_int_equal(zp[0x210], 0xff);
	assert_int_equal(zp[0x211], 0x81);
	assert_int_equal(rd32(zp + 0x214), 0x1000000);
	assert_int_equal(rd32(zp + 0x218), 0x3ffe000);
	assert_int_equal(rd32(zp + 0x21c), 0x1234);
	assert_int_equal(rd32(zp + 0x228), 0x4000);
	assert_int_equal(rd64(zp + 0x70), RSDP);
	assert_int_equal(zp[0x1e8], 6);
	assert_int_equal(zp[0x1ef], 0);
	for (unsigned int i = 0; i < 5; i++) {
		assert_int_equal(rd64(zp + 0x2d0 + 20 * i), map64m[i].addr);
		assert_int_equal(rd64(zp + 0x2d0 + 20 * i + 8), map64m[i].size);
		assert_int_equal(rd32(zp + 0x2d0 + 20 * i + 16),
				 map64m[i].type);
	}
	/* PVH's and Multiboot's blocks are not written. */
	ram_assert_all(&fx->ram, MEMMAP_BOOT_INFO, MEMMAP_BOOT_INFO + 0x1000,
		       0);
	ram_assert_all(&fx->ram, MEMMAP_MAP, MEMMAP_MAP + 0x2000, 0);
}

static void test_linux64_no_initrd(void **state)
{
	struct fx *fx = *state;
	const uint8_t *zp = at(fx, MEMMAP_ZERO_PAGE);

	img_linux(fx);
	assert_int_equal(boot(fx, "", 0), 0);
	assert_int_equal(rd32(zp + 0x218), 0);
	assert_int_equal(rd32(zp + 0x21c), 0);
	assert_int_equal(rd32(zp + 0x0c0), 0);
	assert_int_equal(rd32(zp + 0x0c4), 0);
	assert_int_equal(fx->ram.host[MEMMAP_CMDLINE], 0);
	for (unsigned int i = 0; i < BOOT_MAX_MODULES; i++)
		assert_int_equal(fx->placed.mod_addr[i], 0);
	/* Nothing at the top of RAM. */
	ram_assert_all(&fx->ram, RAM_SIZE - 0x10000, RAM_SIZE, 0);
}

/* The initrd stays below initrd_addr_max + 1 and clear of the kernel. */
static void test_linux64_initrd_addr_max(void **state)
{
	struct fx *fx = *state;

	img_linux(fx);
	fx->bz.initrd_addr_max = 0x1ffffff;
	module(fx, 0, "initrd.img", 0x1234);
	assert_int_equal(boot(fx, "", 1), 0);
	assert_int_equal(fx->placed.mod_addr[0], 0x1ffe000);
	assert_memory_equal(at(fx, 0x1ffe000), fx->data[0], 0x1234);
	assert_int_equal(rd32(at(fx, MEMMAP_ZERO_PAGE + 0x218)), 0x1ffe000);

	/* A ceiling that leaves exactly one page above the kernel. */
	fx->bz.initrd_addr_max = 0x1200fff;
	module(fx, 0, "initrd.img", 0x1000);
	assert_int_equal(boot(fx, "", 1), 0);
	assert_int_equal(fx->placed.mod_addr[0], 0x1200000);
	module(fx, 0, "initrd.img", 0x1001);
	assert_int_equal(boot(fx, "", 1), -EFBIG);
	assert_string_equal(fx->err, "initrd.img: 4097 bytes do not fit in "
				     "guest RAM between the kernel's end at "
				     "0x1200000 and 0x1201000 (try a larger "
				     "--memory)");

	/* initrd_addr_max above RAM: RAM is the ceiling. */
	fx->bz.initrd_addr_max = 0xffffffff;
	module(fx, 0, "initrd.img", 0x1000);
	assert_int_equal(boot(fx, "", 1), 0);
	assert_int_equal(fx->placed.mod_addr[0], RAM_SIZE - 0x1000);
}

/* The kernel's cmdline_size, when smaller than hyve's page, is the limit. */
static void test_linux64_cmdline_size(void **state)
{
	struct fx *fx = *state;
	char *cmd = malloc(0x2000);

	assert_non_null(cmd);
	img_linux(fx);
	memset(cmd, 'c', 0x2000);

	cmd[0x7ff] = '\0'; /* 2047: the most cmdline_size 0x7ff takes */
	assert_int_equal(boot(fx, cmd, 0), 0);
	assert_int_equal(strlen((const char *)at(fx, MEMMAP_CMDLINE)), 0x7ff);
	cmd[0x7ff] = 'c';
	cmd[0x800] = '\0';
	assert_int_equal(boot(fx, cmd, 0), -E2BIG);
	assert_string_equal(fx->err, "--cmdline is 2048 bytes; this kernel "
				     "takes at most 2047");

	/* cmdline_size 0 (unset) or bigger than the page: 4095. */
	fx->bz.cmdline_size = 0;
	cmd[0x800] = 'c';
	cmd[0xfff] = '\0';
	assert_int_equal(boot(fx, cmd, 0), 0);
	cmd[0xfff] = 'c';
	cmd[0x1000] = '\0';
	assert_int_equal(boot(fx, cmd, 0), -E2BIG);
	assert_string_equal(fx->err, "--cmdline is 4096 bytes; this kernel "
				     "takes at most 4095");
	fx->bz.cmdline_size = 0x100000;
	assert_int_equal(boot(fx, cmd, 0), -E2BIG);
	assert_string_equal(fx->err, "--cmdline is 4096 bytes; this kernel "
				     "takes at most 4095");
	fx->bz.cmdline_size = 0xff;
	cmd[0xff] = '\0';
	assert_int_equal(boot(fx, cmd, 0), 0);
	cmd[0xff] = 'c';
	cmd[0x100] = '\0';
	assert_int_equal(boot(fx, cmd, 0), -E2BIG);
	assert_string_equal(fx->err, "--cmdline is 256 bytes; this kernel "
				     "takes at most 255");
	free(cmd);
}

/* PVH --------------------------------------------------------------------- */

static void check_pvh_memmap(const struct fx *fx, const struct e820_entry *map,
			     unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		const uint8_t *e = at(fx, MEMMAP_MAP + 24 * i);
		assert_int_equal(rd64(e), map[i].addr);
		assert_int_equal(rd64(e + 8), map[i].size);
		assert_int_equal(rd32(e + 16), map[i].type);
		assert_int_equal(rd32(e + 20), 0);
	}
}

static void test_pvh(void **state)
{
	struct fx *fx = *state;
	const uint8_t *si = at(fx, MEMMAP_BOOT_INFO), *ml = at(fx, 0x5800);

	img_pvh(fx);
	module(fx, 0, "initrd.img", 0x2345);
	assert_int_equal(boot(fx, "console=hvc0", 1), 0);

	/* 32-bit protected mode, paging off, EBX = hvm_start_info. */
	check_regs(&fx->regs, 0x100040, 0, MEMMAP_BOOT_INFO, 0, 0, 0);
	assert_int_equal(fx->regs.rbx, 0x3000);
	check_prot32(fx);
	check_tables(fx);
	/* pvh.rst: TR base 0, limit 0x67. */
	assert_int_equal(fx->sregs.tr.base, 0);
	assert_int_equal(fx->sregs.tr.limit, 0x67);

	/* hvm_start_info at 0x3000 (start_info.h offsets). */
	assert_int_equal(rd32(si + 0), 0x336ec578);
	assert_int_equal(rd32(si + 4), 1);
	assert_int_equal(rd32(si + 8), 0);
	assert_int_equal(rd32(si + 12), 1);
	assert_int_equal(rd64(si + 16), 0x5800);
	assert_int_equal(rd64(si + 24), 0x4000);
	assert_int_equal(rd64(si + 32), RSDP);
	assert_int_equal(rd64(si + 40), 0x5000);
	assert_int_equal(rd32(si + 48), 6);
	assert_int_equal(rd32(si + 52), 0);
	ram_assert_all(&fx->ram, MEMMAP_BOOT_INFO + 56,
		       MEMMAP_BOOT_INFO + 0x1000, 0);

	/* The memory map and the module list. */
	check_pvh_memmap(fx, map64m, 6);
	ram_assert_all(&fx->ram, MEMMAP_MAP + 6 * 24, 0x5800, 0);
	assert_int_equal(fx->placed.mod_addr[0], 0x3ffd000);
	assert_int_equal(rd64(ml + 0), 0x3ffd000);
	assert_int_equal(rd64(ml + 8), 0x2345);
	assert_int_equal(rd64(ml + 16), 0);
	assert_int_equal(rd64(ml + 24), 0);
	ram_assert_all(&fx->ram, 0x5800 + 32, 0x7000, 0);
	assert_memory_equal(at(fx, 0x3ffd000), fx->data[0], 0x2345);

	assert_string_equal((const char *)at(fx, MEMMAP_CMDLINE),
			    "console=hvc0");
	/* No zero page. */
	ram_assert_all(&fx->ram, MEMMAP_ZERO_PAGE, MEMMAP_ZERO_PAGE + 0x1000,
		       0);
}

static void test_pvh_no_modules(void **state)
{
	struct fx *fx = *state;
	const uint8_t *si = at(fx, MEMMAP_BOOT_INFO);

	img_pvh(fx);
	assert_int_equal(boot(fx, "", 0), 0);
	assert_int_equal(rd32(si + 12), 0); /* nr_modules */
	assert_int_equal(rd64(si + 16), 0); /* modlist_paddr */
	assert_int_equal(rd32(si + 48), 6);
	ram_assert_all(&fx->ram, 0x5800, 0x6000, 0);
}

/* Multiboot --------------------------------------------------------------- */

static void test_multiboot(void **state)
{
	struct fx *fx = *state;
	const uint8_t *info = at(fx, MEMMAP_BOOT_INFO), *ml = at(fx, 0x5800);
	const char strings[] = "first.img\0second.img\0hyve";

	img_multiboot(fx);
	module(fx, 0, "first.img", 0x100);
	module(fx, 1, "second.img", 0x1800);
	assert_int_equal(boot(fx, "root=sd0", 2), 0);

	/* EAX the bootloader magic, EBX the information structure. */
	check_regs(&fx->regs, 0x10000c, 0x2badb002, MEMMAP_BOOT_INFO, 0, 0, 0);
	check_prot32(fx);
	check_tables(fx);

	/* Modules top-down: the last at the top, each page-aligned. */
	assert_int_equal(fx->placed.mod_addr[1], 0x3ffe000);
	assert_int_equal(fx->placed.mod_addr[0], 0x3ffd000);
	assert_memory_equal(at(fx, 0x3ffe000), fx->data[1], 0x1800);
	assert_memory_equal(at(fx, 0x3ffd000), fx->data[0], 0x100);

	/* The information structure (3.3). */
	assert_int_equal(rd32(info + 0), 0x24d);
	assert_int_equal(rd32(info + 4), 639);	 /* mem_lower: 0x9fc00 */
	assert_int_equal(rd32(info + 8), 64512); /* mem_upper: 63 MiB */
	assert_int_equal(rd32(info + 12), 0);
	assert_int_equal(rd32(info + 16), 0x4000);
	assert_int_equal(rd32(info + 20), 2);
	assert_int_equal(rd32(info + 24), 0x5800);
	assert_int_equal(rd32(info + 44), 144);
	assert_int_equal(rd32(info + 48), 0x5000);
	assert_int_equal(rd32(info + 64), 0x6000 + 10 + 11);
	ram_assert_all(&fx->ram, MEMMAP_BOOT_INFO + 88,
		       MEMMAP_BOOT_INFO + 0x1000, 0);

	/* The memory map: entries of 24 bytes, size field 20. */
	for (unsigned int i = 0; i < 6; i++) {
		const uint8_t *e = at(fx, MEMMAP_MAP + 24 * i);
		assert_int_equal(rd32(e), 20);
		assert_int_equal(rd64(e + 4), map64m[i].addr);
		assert_int_equal(rd64(e + 12), map64m[i].size);
		assert_int_equal(rd32(e + 20), map64m[i].type);
	}
	ram_assert_all(&fx->ram, MEMMAP_MAP + 144, 0x5800, 0);

	/* The module list, and each module's path as its string. */
	assert_int_equal(rd32(ml + 0), 0x3ffd000);
	assert_int_equal(rd32(ml + 4), 0x3ffd100);
	assert_int_equal(rd32(ml + 8), 0x6000);
	assert_int_equal(rd32(ml + 12), 0);
	assert_int_equal(rd32(ml + 16), 0x3ffe000);
	assert_int_equal(rd32(ml + 20), 0x3fff800);
	assert_int_equal(rd32(ml + 24), 0x600a);
	assert_int_equal(rd32(ml + 28), 0);
	ram_assert_all(&fx->ram, 0x5800 + 32, 0x6000, 0);
	assert_memory_equal(at(fx, 0x6000), strings, sizeof(strings));
	ram_assert_all(&fx->ram, 0x6000 + sizeof(strings), 0x8000, 0);
	assert_string_equal((const char *)at(fx, MEMMAP_CMDLINE), "root=sd0");
}

/* Up to 16 modules; the seventeenth is refused. */
static void test_multiboot_16_modules(void **state)
{
	struct fx *fx = *state;
	static const char *const names[] = {
		"m0", "m1",  "m2",  "m3",  "m4",  "m5",	 "m6",	"m7",  "m8",
		"m9", "m10", "m11", "m12", "m13", "m14", "m15", "m16",
	};
	const uint8_t *ml = at(fx, 0x5800);

	img_multiboot(fx);
	for (unsigned int i = 0; i <= BOOT_MAX_MODULES; i++)
		module(fx, i, names[i], 0x100 + i);
	assert_int_equal(boot(fx, "", BOOT_MAX_MODULES), 0);
	for (unsigned int i = 0; i < BOOT_MAX_MODULES; i++) {
		uint64_t want = 0x3fff000 - 0x1000ULL * (15 - i);
		assert_int_equal(fx->placed.mod_addr[i], want);
		assert_int_equal(rd32(ml + 16 * i), want);
		assert_int_equal(rd32(ml + 16 * i + 4), want + 0x100 + i);
		assert_memory_equal(at(fx, want), fx->data[i], 0x100 + i);
	}
	assert_int_equal(rd32(at(fx, MEMMAP_BOOT_INFO + 20)), 16);
	assert_string_equal((const char *)at(fx, rd32(ml + 16 * 15 + 8)),
			    "m15");

	assert_int_equal(boot(fx, "", BOOT_MAX_MODULES + 1), -E2BIG);
	assert_string_equal(fx->err, "at most 16 --initramfs images");
}

/*
 * Was a bug: boot.c boot_mb_strings() (lines 166-171) cuts a module path to
 * "end - at - 1" bytes, where end is 0x6ff8; after a path cut to fill the
 * page, at == end and "end - at - 1" wraps to UINT64_MAX, so the next
 * path is not cut at all and it and the loader name "hyve" are written
 * past the module-string page, over 0x7000 and up (the Linux zero page's
 * place; a long enough list of long paths reaches the page tables at
 * 0x10000).  Here: a 5000-byte path (PATH_MAX is 4096, but any path of
 * 4087 bytes or more does it), then a 100-byte one.
 */
static void test_multiboot_long_paths(void **state)
{
	struct fx *fx = *state;
	char *first = malloc(5001), second[101];

	assert_non_null(first);
	memset(first, 'a', 5000);
	first[5000] = '\0';
	memset(second, 'b', 100);
	second[100] = '\0';
	img_multiboot(fx);
	module(fx, 0, first, 0x100);
	module(fx, 1, second, 0x100);
	assert_int_equal(boot(fx, "", 2), 0);
	/* Every string, the loader name included, within 0x6000-0x6fff. */
	ram_assert_all(&fx->ram, 0x7000, 0x8000, 0);
	assert_true(rd32(at(fx, MEMMAP_BOOT_INFO + 64)) + 5 <= 0x7000);
	assert_true(rd32(at(fx, 0x5800 + 16 + 8)) < 0x7000);
	free(first);
}

/* A path longer than the string page is cut short, still terminated. */
static void test_multiboot_long_path(void **state)
{
	struct fx *fx = *state;
	char *name = malloc(5001);
	uint32_t loader_name;

	assert_non_null(name);
	memset(name, 'p', 5000);
	name[5000] = '\0';
	img_multiboot(fx);
	module(fx, 0, name, 0x100);
	assert_int_equal(boot(fx, "", 1), 0);
	assert_int_equal(rd32(at(fx, 0x5808)), 0x6000);
	/* Each path is cut to 200 bytes, so that 16 always fit. */
	assert_int_equal(strlen((const char *)at(fx, 0x6000)), 200);
	loader_name = rd32(at(fx, MEMMAP_BOOT_INFO + 64));
	assert_int_equal(loader_name, 0x60c9);
	assert_string_equal((const char *)at(fx, loader_name), "hyve");
	ram_assert_all(&fx->ram, 0x60ce, 0x7000, 0);
	free(name);
}

/* Modules ----------------------------------------------------------------- */

static void test_modules_more_than_one(void **state)
{
	struct fx *fx = *state;

	module(fx, 0, "a.img", 0x100);
	module(fx, 1, "b.img", 0x100);
	img_linux(fx);
	assert_int_equal(boot(fx, "", 2), -EINVAL);
	assert_string_equal(fx->err, "--initramfs: only a Multiboot kernel "
				     "takes more than one");
	img_pvh(fx);
	assert_int_equal(boot(fx, "", 2), -EINVAL);
	assert_string_equal(fx->err, "--initramfs: only a Multiboot kernel "
				     "takes more than one");
	assert_int_equal(boot(fx, "", BOOT_MAX_MODULES + 1), -EINVAL);
	assert_string_equal(fx->err, "--initramfs: only a Multiboot kernel "
				     "takes more than one");
	ram_assert_all(&fx->ram, 0, RAM_SIZE, 0);
}

static void test_modules_do_not_fit(void **state)
{
	struct fx *fx = *state;

	/* Bigger than all the RAM below the ceiling. */
	img_pvh(fx);
	module(fx, 0, "big.img", 0x5000000);
	assert_int_equal(boot(fx, "", 1), -EFBIG);
	assert_string_equal(fx->err, "big.img: 83886080 bytes do not fit in "
				     "guest RAM between the kernel's end at "
				     "0x200000 and 0x4000000 (try a larger "
				     "--memory)");

	/* Exactly the RAM between the kernel and the top: fits. */
	module(fx, 0, "exact.img", RAM_SIZE - 0x200000);
	assert_int_equal(boot(fx, "", 1), 0);
	assert_int_equal(fx->placed.mod_addr[0], 0x200000);
	/* One byte more would overlap the kernel. */
	module(fx, 0, "over.img", RAM_SIZE - 0x200000 + 1);
	assert_int_equal(boot(fx, "", 1), -EFBIG);
	assert_string_equal(fx->err, "over.img: 65011713 bytes do not fit in "
				     "guest RAM between the kernel's end at "
				     "0x200000 and 0x4000000 (try a larger "
				     "--memory)");
	/* A kernel ending mid-page: the module starts on the next page. */
	fx->img.end = 0x200001;
	module(fx, 0, "exact.img", RAM_SIZE - 0x201000);
	assert_int_equal(boot(fx, "", 1), 0);
	assert_int_equal(fx->placed.mod_addr[0], 0x201000);
	module(fx, 0, "exact.img", RAM_SIZE - 0x201000 + 1);
	assert_int_equal(boot(fx, "", 1), -EFBIG);

	/* Never below 1 MiB, even for a kernel that ends below it. */
	fx->img.end = 0x50000;
	module(fx, 0, "low.img", RAM_SIZE - MIB + 1);
	assert_int_equal(boot(fx, "", 1), -EFBIG);
	assert_string_equal(fx->err, "low.img: 66060289 bytes do not fit in "
				     "guest RAM between the kernel's end at "
				     "0x50000 and 0x4000000 (try a larger "
				     "--memory)");

	/* Two Multiboot modules that each fit but not together. */
	img_multiboot(fx);
	module(fx, 0, "one.img", 0x2000000);
	module(fx, 1, "two.img", 0x1e00000);
	assert_int_equal(boot(fx, "", 2), -EFBIG);
	assert_string_equal(fx->err, "one.img: 33554432 bytes do not fit in "
				     "guest RAM between the kernel's end at "
				     "0x300000 and 0x2200000 (try a larger "
				     "--memory)");
	module(fx, 1, "two.img", 0x1d00000);
	assert_int_equal(boot(fx, "", 2), 0);
	assert_int_equal(fx->placed.mod_addr[1], 0x2300000);
	assert_int_equal(fx->placed.mod_addr[0], 0x300000);
}

/* With RAM over 3 GiB, modules stay below the MMIO hole. */
static void test_modules_below_hole(void **state)
{
	struct fx *fx = *state;
	const uint64_t size = 4 * GIB;
	uint8_t *host =
		mmap(NULL, size, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	static const struct e820_entry map4g[] = {
		{ 0, 0x9fc00, E820_RAM },
		{ 0x9fc00, 0x60400, E820_RESERVED },
		{ 0x100000, 0xbff00000, E820_RAM },
		{ 0xe0000000, 0x100000, E820_RESERVED },
		{ 0xfe000000, 0x200000, E820_RESERVED },
		{ 0xfffbc000, 0x4000, E820_RESERVED },
		{ 0x100000000ULL, 0x40000000, E820_RAM },
	};

	if (host == MAP_FAILED) {
		printf("skipped: cannot reserve 4 GiB of address space\n");
		skip();
		return;
	}
	fx->big = host;
	fx->saved = fx->ram;
	fx->ram.host = host;
	fx->ram.len = size;
	assert_int_equal(mem_layout_ram(&fx->ram.gm, host, size), 0);

	img_pvh(fx);
	module(fx, 0, "initrd.img", 0x10000);
	assert_int_equal(boot(fx, "", 1), 0);
	assert_int_equal(fx->placed.mod_addr[0], 0xbfff0000);
	assert_memory_equal(host + 0xbfff0000, fx->data[0], 0x10000);
	assert_int_equal(rd32(at(fx, MEMMAP_BOOT_INFO + 48)), 7);
	check_pvh_memmap(fx, map4g, 7);

	/* A bzImage's initrd_addr_max is lower still. */
	img_linux(fx);
	assert_int_equal(boot(fx, "", 1), 0);
	assert_int_equal(fx->placed.mod_addr[0], 0x7fff0000);
	assert_int_equal(rd32(at(fx, MEMMAP_ZERO_PAGE + 0x218)), 0x7fff0000);
	assert_int_equal(at(fx, MEMMAP_ZERO_PAGE)[0x1e8], 7);

	/* Multiboot's mem_upper: 1 MiB to the hole, in KiB. */
	img_multiboot(fx);
	assert_int_equal(boot(fx, "", 1), 0);
	assert_int_equal(rd32(at(fx, MEMMAP_BOOT_INFO + 8)),
			 (0xc0000000 - MIB) >> 10);
	assert_int_equal(rd32(at(fx, MEMMAP_BOOT_INFO + 44)), 7 * 24);
}

/* Command line and RAM limits for every protocol -------------------------- */

static void test_cmdline_limit(void **state)
{
	struct fx *fx = *state;
	char *cmd = malloc(0x1001);

	assert_non_null(cmd);
	memset(cmd, 'x', 0x1000);
	cmd[0x1000] = '\0';
	img_pvh(fx);
	assert_int_equal(boot(fx, cmd, 0), -E2BIG);
	assert_string_equal(fx->err, "--cmdline is 4096 bytes; this kernel "
				     "takes at most 4095");
	img_multiboot(fx);
	assert_int_equal(boot(fx, cmd, 0), -E2BIG);
	assert_string_equal(fx->err, "--cmdline is 4096 bytes; this kernel "
				     "takes at most 4095");
	ram_assert_all(&fx->ram, 0, RAM_SIZE, 0);

	cmd[0xfff] = '\0';
	assert_int_equal(boot(fx, cmd, 0), 0);
	assert_int_equal(fx->ram.host[MEMMAP_CMDLINE + 0xffe], 'x');
	assert_int_equal(fx->ram.host[MEMMAP_CMDLINE + 0xfff], 0);
	free(cmd);
}

static void test_ram_too_small(void **state)
{
	struct fx *fx = *state;
	static const enum loader_entry kinds[] = { LOADER_ENTRY_LINUX64,
						   LOADER_ENTRY_PVH,
						   LOADER_ENTRY_MULTIBOOT };

	/* 64 KiB: the command line fits, the page tables do not. */
	memset(&fx->ram.gm, 0, sizeof(fx->ram.gm));
	assert_int_equal(mem_add_region(&fx->ram.gm, 0, 0x10000, fx->ram.host),
			 0);
	for (size_t i = 0; i < 3; i++) {
		img_linux(fx);
		fx->img.entry_kind = kinds[i];
		assert_int_equal(boot(fx, "x", 0), -EFAULT);
		assert_string_equal(fx->err,
				    "guest RAM too small for boot data");
	}
	/* No RAM under the command line. */
	memset(&fx->ram.gm, 0, sizeof(fx->ram.gm));
	assert_int_equal(mem_add_region(&fx->ram.gm, 0x10000,
					RAM_SIZE - 0x10000,
					fx->ram.host + 0x10000),
			 0);
	img_pvh(fx);
	assert_int_equal(boot(fx, "x", 0), -EFAULT);
	assert_string_equal(fx->err, "guest RAM too small for boot data");
}

/* E820 -------------------------------------------------------------------- */

static unsigned int map_of(uint64_t ram, struct e820_entry *map,
			   unsigned int max)
{
	struct guest_mem gm;

	assert_int_equal(mem_layout_ram(&gm, fake_host, ram), 0);
	memset(map, 0xee, sizeof(*map) * max);
	return e820_build(&gm, map, max);
}

static void check_map(const struct e820_entry *got, unsigned int n,
		      const struct e820_entry *want, unsigned int nwant)
{
	assert_int_equal(n, nwant);
	for (unsigned int i = 0; i < n; i++) {
		if (got[i].addr != want[i].addr ||
		    got[i].size != want[i].size || got[i].type != want[i].type)
			fail_msg("entry %u is %#llx+%#llx type %u, not "
				 "%#llx+%#llx type %u",
				 i, (unsigned long long)got[i].addr,
				 (unsigned long long)got[i].size, got[i].type,
				 (unsigned long long)want[i].addr,
				 (unsigned long long)want[i].size,
				 want[i].type);
		/* Sorted, without overlap. */
		if (i)
			assert_true(got[i - 1].addr + got[i - 1].size <=
				    got[i].addr);
	}
}

static void test_e820_2m(void **state)
{
	static const struct e820_entry want[] = {
		{ 0, 0x9fc00, E820_RAM },
		{ 0x9fc00, 0x60400, E820_RESERVED },
		{ 0x100000, 0x100000, E820_RAM },
		{ 0xe0000000, 0x100000, E820_RESERVED },
		{ 0xfe000000, 0x200000, E820_RESERVED },
		{ 0xfffbc000, 0x4000, E820_RESERVED },
	};
	struct e820_entry map[E820_MAX];

	(void)state;
	check_map(map, map_of(2 * MIB, map, E820_MAX), want, 6);
	assert_int_equal(e820_low_ram_end(map, 6), 2 * MIB);
}

static void test_e820_256m(void **state)
{
	static const struct e820_entry want[] = {
		{ 0, 0x9fc00, E820_RAM },
		{ 0x9fc00, 0x60400, E820_RESERVED },
		{ 0x100000, 0xff00000, E820_RAM },
		{ 0xe0000000, 0x100000, E820_RESERVED },
		{ 0xfe000000, 0x200000, E820_RESERVED },
		{ 0xfffbc000, 0x4000, E820_RESERVED },
	};
	struct e820_entry map[E820_MAX];

	(void)state;
	check_map(map, map_of(256 * MIB, map, E820_MAX), want, 6);
	assert_int_equal(e820_low_ram_end(map, 6), 256 * MIB);
	/* The EBDA, VGA, ROM and firmware area is one reserved range. */
	assert_int_equal(map[1].addr + map[1].size, MEMMAP_BOOT_AREA_END);
	assert_true(map[1].addr <= MEMMAP_FIRMWARE);
}

static void test_e820_3g(void **state)
{
	static const struct e820_entry want[] = {
		{ 0, 0x9fc00, E820_RAM },
		{ 0x9fc00, 0x60400, E820_RESERVED },
		{ 0x100000, 0xbff00000, E820_RAM },
		{ 0xe0000000, 0x100000, E820_RESERVED },
		{ 0xfe000000, 0x200000, E820_RESERVED },
		{ 0xfffbc000, 0x4000, E820_RESERVED },
	};
	struct e820_entry map[E820_MAX];

	(void)state;
	check_map(map, map_of(3 * GIB, map, E820_MAX), want, 6);
	assert_int_equal(e820_low_ram_end(map, 6), 3 * GIB);
}

/* 4 GiB: 3 below the hole, 1 above 4 GiB. */
static void test_e820_4g(void **state)
{
	static const struct e820_entry want[] = {
		{ 0, 0x9fc00, E820_RAM },
		{ 0x9fc00, 0x60400, E820_RESERVED },
		{ 0x100000, 0xbff00000, E820_RAM },
		{ 0xe0000000, 0x100000, E820_RESERVED },
		{ 0xfe000000, 0x200000, E820_RESERVED },
		{ 0xfffbc000, 0x4000, E820_RESERVED },
		{ 0x100000000ULL, 0x40000000, E820_RAM },
	};
	struct e820_entry map[E820_MAX];

	(void)state;
	check_map(map, map_of(4 * GIB, map, E820_MAX), want, 7);
	assert_int_equal(e820_low_ram_end(map, 7), 3 * GIB);
	assert_int_equal(map[5].addr + map[5].size, 0xfffc0000);
	/* One page more than 3 GiB: one page above 4 GiB. */
	assert_int_equal(map_of(3 * GIB + 4096, map, E820_MAX), 7);
	assert_int_equal(map[6].addr, 4 * GIB);
	assert_int_equal(map[6].size, 4096);
}

static void test_e820_64g(void **state)
{
	struct e820_entry map[E820_MAX];

	(void)state;
	assert_int_equal(map_of(64 * GIB, map, E820_MAX), 7);
	assert_int_equal(map[6].addr, 4 * GIB);
	assert_int_equal(map[6].size, 61 * GIB);
	assert_int_equal(map[6].type, E820_RAM);
	assert_int_equal(map[2].size, 3 * GIB - MIB);
}

/* The table is never written past max; what fits is a prefix. */
static void test_e820_max(void **state)
{
	struct e820_entry map[E820_MAX + 1];
	struct guest_mem gm = { 0 };

	(void)state;
	for (unsigned int max = 0; max <= 6; max++) {
		memset(map, 0xee, sizeof(map));
		assert_int_equal(map_of(4 * GIB, map, max), max);
		assert_int_equal(map[max].addr, 0xeeeeeeeeeeeeeeeeULL);
		if (max >= 3)
			assert_int_equal(map[2].size, 0xbff00000);
	}
	/* No RAM, no map. */
	memset(map, 0xee, sizeof(map));
	assert_int_equal(e820_build(&gm, map, E820_MAX), 0);
	assert_int_equal(map[0].addr, 0xeeeeeeeeeeeeeeeeULL);
}

static void test_e820_low_ram_end(void **state)
{
	static const struct e820_entry only_low[] = {
		{ 0, 0x9fc00, E820_RAM },
		{ 0x9fc00, 0x60400, E820_RESERVED },
	};
	static const struct e820_entry reserved_at_1m[] = {
		{ 0x100000, 0x100000, E820_RESERVED },
	};
	static const struct e820_entry from_zero[] = {
		{ 0, 0x800000, E820_RAM },
	};

	(void)state;
	assert_int_equal(e820_low_ram_end(NULL, 0), MIB);
	assert_int_equal(e820_low_ram_end(only_low, 2), MIB);
	assert_int_equal(e820_low_ram_end(reserved_at_1m, 1), MIB);
	assert_int_equal(e820_low_ram_end(from_zero, 1), 0x800000);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_hyve64),
		T(test_hyve64_no_modules),
		T(test_linux64),
		T(test_linux64_no_initrd),
		T(test_linux64_initrd_addr_max),
		T(test_linux64_cmdline_size),
		T(test_pvh),
		T(test_pvh_no_modules),
		T(test_multiboot),
		T(test_multiboot_16_modules),
		T(test_multiboot_long_path),
		T(test_modules_more_than_one),
		T(test_modules_do_not_fit),
		T(test_modules_below_hole),
		T(test_cmdline_limit),
		T(test_ram_too_small),
		cmocka_unit_test(test_e820_2m),
		cmocka_unit_test(test_e820_256m),
		cmocka_unit_test(test_e820_3g),
		cmocka_unit_test(test_e820_4g),
		cmocka_unit_test(test_e820_64g),
		cmocka_unit_test(test_e820_max),
		cmocka_unit_test(test_e820_low_ram_end),
		T(test_multiboot_long_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
