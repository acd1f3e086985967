/*
 * test_longmode.c: the tables and registers for direct 64-bit entry and
 * for 32-bit protected mode (arch/x86/longmode.c) and the boot information
 * block (boot/boot64.c), written into a calloc'd guest_mem.  Layouts too big to allocate keep
 * their low 1 MiB in a real buffer (where every table lives) and put the
 * rest at a fake host address that is never touched.  No KVM needed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/longmode.h"
#include "arch/x86/memmap.h"
#include "boot/boot64.h"
#include "vmm/mem.h"

#define MIB (1ULL << 20)
#define GIB (1ULL << 30)

#define RAM_SIZE (64 * MIB)
#define LOW_SIZE MIB

#define PTE_P	   (1ULL << 0)
#define PTE_RW	   (1ULL << 1)
#define PTE_PS	   (1ULL << 7)
#define PDE_2M(a)  ((a) | PTE_P | PTE_RW | PTE_PS)
#define PDE_TAB(a) ((a) | PTE_P | PTE_RW)

/* Never dereferenced: the host side of RAM that the tests never touch. */
static uint8_t fake_host[1];

struct fx {
	uint8_t *ram; /* RAM_SIZE bytes, or LOW_SIZE for split layouts */
	size_t ram_len;
	struct guest_mem gm;
	char err[160];
};

/* 64 MiB of RAM from gpa 0, all in the buffer. */
static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	fx->ram_len = RAM_SIZE;
	fx->ram = calloc(1, RAM_SIZE);
	if (!fx->ram || mem_layout_ram(&fx->gm, fx->ram, RAM_SIZE)) {
		free(fx->ram);
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

/* Only a real low 1 MiB; the test adds its own regions. */
static int setup_low(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	fx->ram_len = LOW_SIZE;
	fx->ram = calloc(1, LOW_SIZE);
	if (!fx->ram) {
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	free(fx->ram);
	free(fx);
	return 0;
}

static uint64_t rd64(const struct fx *fx, uint64_t gpa)
{
	uint64_t v;

	assert_true(gpa + 8 <= fx->ram_len);
	memcpy(&v, fx->ram + gpa, 8);
	return v;
}

static uint64_t pd_entry(const struct fx *fx, uint64_t index)
{
	return rd64(fx, MEMMAP_PD + index * 8);
}

static void assert_zero(const struct fx *fx, uint64_t from, uint64_t to)
{
	for (uint64_t i = from; i < to; i++)
		if (fx->ram[i])
			fail_msg("guest byte %#llx is %#x, not 0",
				 (unsigned long long)i, fx->ram[i]);
}

static void assert_contains(const char *s, const char *sub)
{
	if (!strstr(s, sub))
		fail_msg("\"%s\" does not contain \"%s\"", s, sub);
}

/* The low 1 MiB in the buffer plus `high` bytes from 4 GiB at fake_host. */
static void split_layout(struct fx *fx, uint64_t high)
{
	memset(&fx->gm, 0, sizeof(fx->gm));
	assert_int_equal(mem_add_region(&fx->gm, 0, LOW_SIZE, fx->ram), 0);
	assert_int_equal(mem_add_region(&fx->gm, 4 * GIB, high, fake_host), 0);
}

/* longmode_map_top ------------------------------------------------------- */

static void test_map_top(void **state)
{
	struct fx *fx = *state;
	struct guest_mem gm = { 0 };

	assert_int_equal(longmode_map_top(&fx->gm), 4 * GIB);
	assert_int_equal(longmode_map_top(&gm), 4 * GIB);

	/* Regions only: fake_host is never dereferenced. */
	assert_int_equal(mem_layout_ram(&gm, fake_host, 3 * GIB), 0);
	assert_int_equal(longmode_map_top(&gm), 4 * GIB);
	assert_int_equal(mem_layout_ram(&gm, fake_host, 3 * GIB + 4096), 0);
	assert_int_equal(longmode_map_top(&gm), 5 * GIB); /* rounded up */
	assert_int_equal(mem_layout_ram(&gm, fake_host, 4 * GIB), 0);
	assert_int_equal(longmode_map_top(&gm), 5 * GIB);
	assert_int_equal(mem_layout_ram(&gm, fake_host, 8 * GIB), 0);
	assert_int_equal(longmode_map_top(&gm), 9 * GIB);
	/* hyve's largest guest needs all 65 page directories ... */
	assert_int_equal(mem_layout_ram(&gm, fake_host, 64 * GIB), 0);
	assert_int_equal(longmode_map_top(&gm), 65 * GIB);
	assert_int_equal(longmode_map_top(&gm) / GIB, MEMMAP_PD_COUNT);
	/* ... and one page more would need a 66th. */
	assert_int_equal(mem_layout_ram(&gm, fake_host, 64 * GIB + 4096), 0);
	assert_int_equal(longmode_map_top(&gm), 66 * GIB);
}

/* longmode_build --------------------------------------------------------- */

static void test_build_page_tables(void **state)
{
	struct fx *fx = *state;

	memset(fx->ram, 0xee, fx->ram_len); /* the tables must be cleared */
	assert_int_equal(longmode_build(&fx->gm), 0);

	/* PML4[0] -> PDPT; the rest empty. */
	assert_int_equal(rd64(fx, MEMMAP_PML4), PDE_TAB(MEMMAP_PDPT));
	assert_int_equal(rd64(fx, MEMMAP_PML4), 0x11003);
	for (unsigned int i = 1; i < 512; i++)
		assert_int_equal(rd64(fx, MEMMAP_PML4 + i * 8), 0);

	/* PDPT[g] -> page directory g, for the 4 GiB mapped. */
	for (unsigned int g = 0; g < 4; g++)
		assert_int_equal(rd64(fx, MEMMAP_PDPT + g * 8),
				 PDE_TAB(MEMMAP_PD + g * 4096ULL));
	assert_int_equal(rd64(fx, MEMMAP_PDPT + 3 * 8), 0x15003);
	for (unsigned int g = 4; g < 512; g++)
		assert_int_equal(rd64(fx, MEMMAP_PDPT + g * 8), 0);

	/* 2 MiB identity pages. */
	assert_int_equal(pd_entry(fx, 0), 0x83);
	assert_int_equal(pd_entry(fx, 1), 0x200083);
	assert_int_equal(pd_entry(fx, 511), 0x3fe00083);
	assert_int_equal(pd_entry(fx, 512), 0x40000083);       /* 1 GiB */
	assert_int_equal(pd_entry(fx, 1536), PDE_2M(3 * GIB)); /* hole */
	assert_int_equal(pd_entry(fx, 2039), 0xfee00083);      /* LAPIC */
	assert_int_equal(pd_entry(fx, 2047), 0xffe00083);      /* last */
	for (uint64_t i = 0; i < 4 * 512; i++)
		assert_int_equal(pd_entry(fx, i), PDE_2M(i << 21));

	/* The fifth page directory is not written. */
	assert_int_equal(pd_entry(fx, 2048), 0xeeeeeeeeeeeeeeeeULL);
	/* Nor are the TSS, the boot info, the stack or the kernel. */
	assert_int_equal(rd64(fx, MEMMAP_TSS), 0xeeeeeeeeeeeeeeeeULL);
	assert_int_equal(rd64(fx, MEMMAP_BOOT_INFO), 0xeeeeeeeeeeeeeeeeULL);
	assert_int_equal(rd64(fx, MEMMAP_KERNEL), 0xeeeeeeeeeeeeeeeeULL);
}

static void test_build_gdt(void **state)
{
	struct fx *fx = *state;
	uint64_t code32, code, data, tss;

	memset(fx->ram, 0xee, fx->ram_len);
	assert_int_equal(longmode_build(&fx->gm), 0);
	code32 = rd64(fx, MEMMAP_GDT + MEMMAP_SEL_CODE32);
	code = rd64(fx, MEMMAP_GDT + MEMMAP_SEL_CODE64);
	data = rd64(fx, MEMMAP_GDT + MEMMAP_SEL_DATA);
	tss = rd64(fx, MEMMAP_GDT + MEMMAP_SEL_TSS);

	assert_int_equal(rd64(fx, MEMMAP_GDT), 0); /* null descriptor */

	/* 0x08: flat 32-bit code for PVH and Multiboot. */
	assert_int_equal(code32, 0x00cf9b000000ffffULL);
	assert_int_equal((code32 >> 53) & 1, 0); /* L */
	assert_int_equal((code32 >> 54) & 1, 1); /* D: 32-bit */
	assert_int_equal((code32 >> 55) & 1, 1); /* G */
	assert_int_equal((code32 >> 47) & 1, 1); /* P */
	assert_int_equal((code32 >> 40) & 0xf, 0xb);

	/* 0x10: 64-bit code, Linux's __BOOT_CS. */
	assert_int_equal(code, 0x00af9b000000ffffULL);
	assert_int_equal((code >> 53) & 1, 1); /* L */
	assert_int_equal((code >> 54) & 1, 0); /* D */
	assert_int_equal((code >> 47) & 1, 1); /* P */
	assert_int_equal((code >> 45) & 3, 0); /* DPL */
	assert_int_equal((code >> 44) & 1, 1); /* S: code/data */
	assert_int_equal((code >> 40) & 0xf, 0xb);

	/* 0x18: flat data, Linux's __BOOT_DS. */
	assert_int_equal(data, 0x00cf93000000ffffULL);
	assert_int_equal((data >> 53) & 1, 0);
	assert_int_equal((data >> 54) & 1, 1);
	assert_int_equal((data >> 47) & 1, 1);

	/* 0x20: busy 64-bit TSS at MEMMAP_TSS, limit 0x67; upper half 0. */
	assert_int_equal(tss, 0x00008b0020000067ULL);
	assert_int_equal((tss >> 40) & 0xf, 11);
	assert_int_equal(rd64(fx, MEMMAP_GDT + MEMMAP_SEL_TSS + 8), 0);

	/* The layout Linux's boot protocol wants, and its size. */
	assert_int_equal(MEMMAP_SEL_CODE32, 0x08);
	assert_int_equal(MEMMAP_SEL_CODE64, 0x10);
	assert_int_equal(MEMMAP_SEL_DATA, 0x18);
	assert_int_equal(MEMMAP_SEL_TSS, 0x20);
	assert_int_equal(MEMMAP_GDT_ENTRIES, 6);
	assert_int_equal(rd64(fx, MEMMAP_GDT + 8), 0x00cf9b000000ffffULL);
	assert_int_equal(rd64(fx, MEMMAP_GDT + 16), 0x00af9b000000ffffULL);
	assert_int_equal(rd64(fx, MEMMAP_GDT + 24), 0x00cf93000000ffffULL);
	assert_int_equal(rd64(fx, MEMMAP_GDT + 32), 0x00008b0020000067ULL);
	assert_int_equal(rd64(fx, MEMMAP_GDT + 40), 0);
	/* Six descriptors and not a byte more; nothing before the GDT. */
	assert_int_equal(rd64(fx, MEMMAP_GDT + 48), 0xeeeeeeeeeeeeeeeeULL);
	assert_int_equal(rd64(fx, MEMMAP_GDT - 8), 0xeeeeeeeeeeeeeeeeULL);
}

/* 64 GiB of RAM: 65 page directories, the last one mapping up to 65 GiB. */
static void test_build_64g(void **state)
{
	struct fx *fx = *state;

	split_layout(fx, 61 * GIB);
	memset(fx->ram, 0xee, fx->ram_len);
	assert_int_equal(longmode_build(&fx->gm), 0);
	for (unsigned int g = 0; g < 65; g++)
		assert_int_equal(rd64(fx, MEMMAP_PDPT + g * 8),
				 PDE_TAB(MEMMAP_PD + g * 4096ULL));
	assert_int_equal(rd64(fx, MEMMAP_PDPT + 65 * 8), 0);
	assert_int_equal(pd_entry(fx, 2048), PDE_2M(4 * GIB));
	assert_int_equal(pd_entry(fx, 64 * 512), PDE_2M(64 * GIB));
	assert_int_equal(pd_entry(fx, 65 * 512 - 1),
			 PDE_2M(65 * GIB - 2 * MIB));
	/* The page directories end where memmap.h says. */
	assert_int_equal(MEMMAP_PD + 65 * 4096, 0x53000);
	assert_int_equal(pd_entry(fx, 65 * 512), 0xeeeeeeeeeeeeeeeeULL);
}

/* More than 64 GiB above the hole: refused before anything is written. */
static void test_build_e2big(void **state)
{
	struct fx *fx = *state;

	split_layout(fx, 61 * GIB + 4096);
	assert_int_equal(longmode_map_top(&fx->gm), 66 * GIB);
	assert_int_equal(longmode_build(&fx->gm), -E2BIG);
	assert_zero(fx, 0, fx->ram_len);

	split_layout(fx, 62 * GIB);
	assert_int_equal(longmode_build(&fx->gm), -E2BIG);
	assert_zero(fx, 0, fx->ram_len);
}

/* Tables that do not fit in RAM: -EFAULT, and nothing written. */
static void test_build_efault(void **state)
{
	struct fx *fx = *state;

	/* No room for the PML4 at 64 KiB. */
	memset(&fx->gm, 0, sizeof(fx->gm));
	assert_int_equal(mem_add_region(&fx->gm, 0, 0x10000, fx->ram), 0);
	assert_int_equal(longmode_build(&fx->gm), -EFAULT);
	assert_zero(fx, 0, fx->ram_len);

	/* Room for three page directories of the four needed. */
	memset(&fx->gm, 0, sizeof(fx->gm));
	assert_int_equal(
		mem_add_region(&fx->gm, 0, MEMMAP_PD + 3 * 4096, fx->ram), 0);
	assert_int_equal(longmode_build(&fx->gm), -EFAULT);
	assert_zero(fx, 0, fx->ram_len);

	/* Tables fine but no RAM under the GDT. */
	memset(&fx->gm, 0, sizeof(fx->gm));
	assert_int_equal(
		mem_add_region(&fx->gm, 0x10000, 0x10000, fx->ram + 0x10000),
		0);
	assert_int_equal(longmode_build(&fx->gm), -EFAULT);
	assert_zero(fx, 0, fx->ram_len);

	/* Exactly enough: four page directories. */
	memset(&fx->gm, 0, sizeof(fx->gm));
	assert_int_equal(
		mem_add_region(&fx->gm, 0, MEMMAP_PD + 4 * 4096, fx->ram), 0);
	assert_int_equal(longmode_build(&fx->gm), 0);
	assert_int_equal(pd_entry(fx, 2047), 0xffe00083);
}

/* Registers -------------------------------------------------------------- */

static void test_sregs(void **state)
{
	struct kvm_sregs s;

	(void)state;
	memset(&s, 0xff, sizeof(s));
	longmode_sregs(&s);

	assert_int_equal(s.cr0 & (X86_CR0_PE | X86_CR0_PG),
			 X86_CR0_PE | X86_CR0_PG);
	assert_int_equal(s.cr0, 0x80010033);
	assert_int_equal(s.cr3, MEMMAP_PML4);
	assert_int_equal(s.cr4 & X86_CR4_PAE, X86_CR4_PAE);
	assert_int_equal(s.cr4, 0x20);
	assert_int_equal(s.efer, X86_EFER_LME | X86_EFER_LMA);
	assert_int_equal(s.efer, 0x500);

	/* Linux's 64-bit boot protocol: CS = __BOOT_CS = 0x10. */
	assert_int_equal(s.cs.selector, 0x10);
	assert_int_equal(s.cs.l, 1);
	assert_int_equal(s.cs.db, 0);
	assert_int_equal(s.cs.dpl, 0);
	assert_int_equal(s.cs.present, 1);
	assert_int_equal(s.cs.s, 1);
	assert_int_equal(s.cs.type, 11);
	assert_int_equal(s.cs.g, 1);
	assert_int_equal(s.cs.base, 0);
	assert_int_equal(s.cs.limit, 0xffffffff);
	assert_int_equal(s.cs.unusable, 0);

	/* DS, ES, SS = __BOOT_DS = 0x18. */
	assert_int_equal(s.ds.selector, 0x18);
	assert_int_equal(s.ds.type, 3);
	assert_int_equal(s.ds.l, 0);
	assert_int_equal(s.ds.db, 1);
	assert_int_equal(s.ds.present, 1);
	assert_int_equal(s.ds.limit, 0xffffffff);
	assert_int_equal(s.ss.selector, 0x18);
	assert_int_equal(s.es.selector, 0x18);
	assert_int_equal(s.fs.selector, 0x18);
	assert_int_equal(s.gs.selector, 0x18);
	assert_int_equal(s.ss.dpl, 0);

	assert_int_equal(s.tr.selector, 0x20);
	assert_int_equal(s.tr.type, 11); /* busy 64-bit TSS */
	assert_int_equal(s.tr.base, MEMMAP_TSS);
	assert_int_equal(s.tr.limit, 0x67);
	assert_int_equal(s.tr.present, 1);
	assert_int_equal(s.tr.s, 0);
	assert_int_equal(s.tr.unusable, 0);
	assert_int_equal(s.ldt.unusable, 1);

	assert_int_equal(s.gdt.base, MEMMAP_GDT);
	assert_int_equal(s.gdt.limit, 47); /* six descriptors */
	assert_int_equal(s.idt.base, 0);
	assert_int_equal(s.idt.limit, 0);
}

/* PVH and Multiboot: 32-bit protected mode, paging off. */
static void test_sregs_prot32(void **state)
{
	struct kvm_sregs s;
	const struct kvm_segment *data[] = { &s.ds, &s.es, &s.fs, &s.gs,
					     &s.ss };

	(void)state;
	memset(&s, 0xff, sizeof(s));
	longmode_sregs_prot32(&s);

	assert_int_equal(s.cr0, X86_CR0_PE | X86_CR0_ET);
	assert_int_equal(s.cr0, 0x11);
	assert_int_equal(s.cr0 & X86_CR0_PG, 0);
	assert_int_equal(s.cr3, 0);
	assert_int_equal(s.cr4, 0);
	assert_int_equal(s.efer, 0);

	/* CS: flat 32-bit execute/read code at 0x08. */
	assert_int_equal(s.cs.selector, 0x08);
	assert_int_equal(s.cs.base, 0);
	assert_int_equal(s.cs.limit, 0xffffffff);
	assert_int_equal(s.cs.type, 11);
	assert_int_equal(s.cs.present, 1);
	assert_int_equal(s.cs.dpl, 0);
	assert_int_equal(s.cs.s, 1);
	assert_int_equal(s.cs.l, 0);
	assert_int_equal(s.cs.db, 1);
	assert_int_equal(s.cs.g, 1);
	assert_int_equal(s.cs.unusable, 0);

	/* Every data segment flat read/write at 0x18. */
	for (unsigned int i = 0; i < 5; i++) {
		assert_int_equal(data[i]->selector, 0x18);
		assert_int_equal(data[i]->base, 0);
		assert_int_equal(data[i]->limit, 0xffffffff);
		assert_int_equal(data[i]->type, 3);
		assert_int_equal(data[i]->present, 1);
		assert_int_equal(data[i]->dpl, 0);
		assert_int_equal(data[i]->s, 1);
		assert_int_equal(data[i]->db, 1);
		assert_int_equal(data[i]->l, 0);
		assert_int_equal(data[i]->g, 1);
		assert_int_equal(data[i]->unusable, 0);
	}

	/* A busy TSS, as VM entry wants a usable TR in any mode. */
	assert_int_equal(s.tr.selector, 0x20);
	assert_int_equal(s.tr.type, 11);
	assert_int_equal(s.tr.base, MEMMAP_TSS);
	assert_int_equal(s.tr.limit, 0x67);
	assert_int_equal(s.tr.present, 1);
	assert_int_equal(s.tr.s, 0);
	assert_int_equal(s.tr.unusable, 0);
	assert_int_equal(s.ldt.unusable, 1);

	assert_int_equal(s.gdt.base, MEMMAP_GDT);
	assert_int_equal(s.gdt.limit, 47);
	assert_int_equal(s.idt.base, 0);
	assert_int_equal(s.idt.limit, 0);

	/* What KVM_GET_SREGS gave and mode setup does not own is kept. */
	assert_int_equal(s.apic_base, UINT64_MAX);
	assert_int_equal(s.cr2, UINT64_MAX);
	assert_int_equal(s.cr8, UINT64_MAX);
}

/* The two modes differ only where they must. */
static void test_sregs_modes_share_gdt(void **state)
{
	struct kvm_sregs l, p;

	(void)state;
	memset(&l, 0, sizeof(l));
	memset(&p, 0, sizeof(p));
	longmode_sregs(&l);
	longmode_sregs_prot32(&p);
	assert_memory_equal(&l.ds, &p.ds, sizeof(l.ds));
	assert_memory_equal(&l.ss, &p.ss, sizeof(l.ss));
	assert_memory_equal(&l.tr, &p.tr, sizeof(l.tr));
	assert_memory_equal(&l.gdt, &p.gdt, sizeof(l.gdt));
	assert_int_not_equal(l.cs.selector, p.cs.selector);
}

static void test_regs(void **state)
{
	struct kvm_regs r;

	(void)state;
	memset(&r, 0xff, sizeof(r));
	longmode_regs(&r, 0x123456);
	assert_int_equal(r.rip, 0x123456);
	assert_int_equal(r.rsp, MEMMAP_STACK_TOP);
	assert_int_equal(r.rsp, 0x80000);
	assert_int_equal(r.rdi, MEMMAP_BOOT_INFO);
	assert_int_equal(r.rflags, 2);
	assert_int_equal(r.rflags & (1 << 9), 0); /* IF clear */
	assert_int_equal(r.rax, 0);
	assert_int_equal(r.rsi, 0);
	assert_int_equal(r.rbp, 0);
	assert_int_equal(r.r15, 0);
}

/* boot64 ----------------------------------------------------------------- */

static void read_info(const struct fx *fx, struct hyve_boot_info *bi)
{
	memcpy(bi, fx->ram + MEMMAP_BOOT_INFO, sizeof(*bi));
}

static void test_boot64_setup(void **state)
{
	struct fx *fx = *state;
	struct hyve_boot_info bi;
	const char *cmd = "console=ttyS0 quiet";

	memset(fx->ram, 0xee, fx->ram_len);
	assert_int_equal(
		boot64_setup(&fx->gm, 3, cmd, fx->err, sizeof(fx->err)), 0);
	read_info(fx, &bi);
	assert_int_equal(bi.magic, HYVE_BOOT_MAGIC);
	assert_memory_equal(fx->ram + MEMMAP_BOOT_INFO, "HYVEBOOT", 8);
	assert_int_equal(bi.version, 1);
	assert_int_equal(bi.cpus, 3);
	assert_int_equal(bi.ram_bytes, RAM_SIZE);
	assert_int_equal(bi.cmdline, MEMMAP_CMDLINE);
	assert_int_equal(bi.cmdline_len, strlen(cmd));
	assert_int_equal(bi.ram_count, 1);
	assert_int_equal(bi.ram[0].base, 0);
	assert_int_equal(bi.ram[0].size, RAM_SIZE);
	for (unsigned int i = 1; i < HYVE_BOOT_MAX_RAM; i++) {
		assert_int_equal(bi.ram[i].base, 0);
		assert_int_equal(bi.ram[i].size, 0);
	}
	assert_string_equal((const char *)fx->ram + MEMMAP_CMDLINE, cmd);
	assert_int_equal(fx->ram[MEMMAP_CMDLINE + strlen(cmd) + 1], 0xee);
	/* The page tables are built too. */
	assert_int_equal(rd64(fx, MEMMAP_PML4), 0x11003);
	assert_int_equal(pd_entry(fx, 2047), 0xffe00083);
	assert_int_equal(rd64(fx, MEMMAP_GDT + 0x10), 0x00af9b000000ffffULL);
	assert_int_equal(rd64(fx, MEMMAP_GDT + 0x08), 0x00cf9b000000ffffULL);
}

static void test_boot64_empty_cmdline(void **state)
{
	struct fx *fx = *state;
	struct hyve_boot_info bi;

	memset(fx->ram, 0xee, fx->ram_len);
	assert_int_equal(boot64_setup(&fx->gm, 1, "", fx->err, sizeof(fx->err)),
			 0);
	read_info(fx, &bi);
	assert_int_equal(bi.cmdline_len, 0);
	assert_int_equal(bi.cpus, 1);
	assert_int_equal(fx->ram[MEMMAP_CMDLINE], 0);
	assert_int_equal(fx->ram[MEMMAP_CMDLINE + 1], 0xee);
}

static void test_boot64_cmdline_limit(void **state)
{
	struct fx *fx = *state;
	struct hyve_boot_info bi;
	char *cmd = malloc(MEMMAP_CMDLINE_MAX + 1);

	assert_non_null(cmd);
	memset(cmd, 'a', MEMMAP_CMDLINE_MAX);
	cmd[MEMMAP_CMDLINE_MAX] = '\0'; /* 4096 bytes and a NUL */
	assert_int_equal(
		boot64_setup(&fx->gm, 1, cmd, fx->err, sizeof(fx->err)),
		-E2BIG);
	assert_string_equal(fx->err, "--cmdline is 4096 bytes; at most 4095 "
				     "fit");
	assert_zero(fx, 0, fx->ram_len); /* checked before anything */

	cmd[MEMMAP_CMDLINE_MAX - 1] = '\0'; /* 4095: the most that fits */
	memset(fx->ram, 0xee, fx->ram_len);
	assert_int_equal(
		boot64_setup(&fx->gm, 1, cmd, fx->err, sizeof(fx->err)), 0);
	read_info(fx, &bi);
	assert_int_equal(bi.cmdline_len, 4095);
	assert_int_equal(fx->ram[MEMMAP_CMDLINE + 4094], 'a');
	assert_int_equal(fx->ram[MEMMAP_CMDLINE + 4095], 0);
	assert_int_equal(fx->ram[MEMMAP_CMDLINE + 4096], 0xee);
	free(cmd);
}

/* RAM on both sides of the hole: two ranges in the boot info. */
static void test_boot64_two_ranges(void **state)
{
	struct fx *fx = *state;
	struct hyve_boot_info bi;

	split_layout(fx, 2 * GIB);
	assert_int_equal(
		boot64_setup(&fx->gm, 4, "x", fx->err, sizeof(fx->err)), 0);
	read_info(fx, &bi);
	assert_int_equal(bi.cpus, 4);
	assert_int_equal(bi.ram_bytes, MIB + 2 * GIB);
	assert_int_equal(bi.ram_count, 2);
	assert_int_equal(bi.ram[0].base, 0);
	assert_int_equal(bi.ram[0].size, MIB);
	assert_int_equal(bi.ram[1].base, 4 * GIB);
	assert_int_equal(bi.ram[1].size, 2 * GIB);
	assert_int_equal(bi.ram[2].size, 0);
	/* Identity map up to 6 GiB. */
	assert_int_equal(rd64(fx, MEMMAP_PDPT + 5 * 8), PDE_TAB(0x17000));
	assert_int_equal(rd64(fx, MEMMAP_PDPT + 6 * 8), 0);
}

static void test_boot64_errors(void **state)
{
	struct fx *fx = *state;

	split_layout(fx, 62 * GIB);
	assert_int_equal(boot64_setup(&fx->gm, 1, "", fx->err, sizeof(fx->err)),
			 -E2BIG);
	assert_contains(fx->err, "cannot build the page tables: ");
	assert_contains(fx->err, strerror(E2BIG));
	assert_zero(fx, 0, fx->ram_len);

	memset(&fx->gm, 0, sizeof(fx->gm));
	assert_int_equal(mem_add_region(&fx->gm, 0, 0x10000, fx->ram), 0);
	assert_int_equal(boot64_setup(&fx->gm, 1, "", fx->err, sizeof(fx->err)),
			 -EFAULT);
	assert_string_equal(fx->err, "cannot build the page tables: Bad "
				     "address");
	assert_zero(fx, 0, fx->ram_len);

	/* GDT and tables in RAM, the boot info and command line not. */
	memset(&fx->gm, 0, sizeof(fx->gm));
	assert_int_equal(
		mem_add_region(&fx->gm, 0x1000, 0x1000, fx->ram + 0x1000), 0);
	assert_int_equal(mem_add_region(&fx->gm, 0x10000, LOW_SIZE - 0x10000,
					fx->ram + 0x10000),
			 0);
	assert_int_equal(boot64_setup(&fx->gm, 1, "", fx->err, sizeof(fx->err)),
			 -EFAULT);
	assert_string_equal(fx->err, "guest RAM too small for boot data");
}

static void test_boot64_cpu_state(void **state)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	(void)state;
	memset(&r, 0xff, sizeof(r));
	memset(&s, 0, sizeof(s));
	boot64_cpu_state(0x200000, &r, &s);
	assert_int_equal(r.rip, 0x200000);
	assert_int_equal(r.rsp, MEMMAP_STACK_TOP);
	assert_int_equal(r.rdi, MEMMAP_BOOT_INFO);
	assert_int_equal(r.rflags, 2);
	assert_int_equal(s.cs.l, 1);
	assert_int_equal(s.cs.selector, MEMMAP_SEL_CODE64);
	assert_int_equal(s.ds.selector, MEMMAP_SEL_DATA);
	assert_int_equal(s.tr.selector, MEMMAP_SEL_TSS);
	assert_int_equal(s.efer, 0x500);
	assert_int_equal(s.cr3, MEMMAP_PML4);
}

#define T(f)	 cmocka_unit_test_setup_teardown(f, setup, teardown)
#define T_LOW(f) cmocka_unit_test_setup_teardown(f, setup_low, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_map_top),
		T(test_build_page_tables),
		T(test_build_gdt),
		T_LOW(test_build_64g),
		T_LOW(test_build_e2big),
		T_LOW(test_build_efault),
		cmocka_unit_test(test_sregs),
		cmocka_unit_test(test_sregs_prot32),
		cmocka_unit_test(test_sregs_modes_share_gdt),
		cmocka_unit_test(test_regs),
		T(test_boot64_setup),
		T(test_boot64_empty_cmdline),
		T(test_boot64_cmdline_limit),
		T_LOW(test_boot64_two_ranges),
		T_LOW(test_boot64_errors),
		cmocka_unit_test(test_boot64_cpu_state),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
