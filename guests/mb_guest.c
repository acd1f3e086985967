/*
 * mb_guest: a Multiboot 1 kernel (the Multiboot Specification, version
 * 0.6.96).  rt/mbheader.S is its header (flags 0x3: page-aligned modules,
 * memory information; built as mb_aout with flag 16 and the address fields
 * too); rt/entry32.S saves the 32-bit entry state, enters long mode on its
 * own page tables and calls main, which checks what section 3.2 and 3.3
 * promise:
 *   - EAX = 0x2badb002, EBX = the information structure, protected mode
 *     with paging off and interrupts off, flat code and data segments;
 *   - flags: memory (0), cmdline (2), mods (3) and mmap (6) valid;
 *   - mem_lower = 639 KiB, mem_upper = RAM from 1 MiB to the first hole,
 *     from ram_mib=;
 *   - the mmap (size, base_addr, length, type; walked by size + 4);
 *   - the command line (check=WORD);
 *   - the modules (mods=N, modI=TEXT): mod_start page-aligned, mod_end,
 *     the module's string (its path), no overlaps;
 *   - the boot loader's name, when flag 9 says there is one.
 * See rt/bootproto.h for the command-line words.  Returns 0x22 (hyve exits
 * with 69) when every check passed, 0x7e (253) otherwise.
 */
#include "bootproto.h"

#define MB_BOOTLOADER_MAGIC 0x2badb002u
#define MBI_MEMORY	    (1u << 0)
#define MBI_BOOTDEV	    (1u << 1)
#define MBI_CMDLINE	    (1u << 2)
#define MBI_MODS	    (1u << 3)
#define MBI_MMAP	    (1u << 6)
#define MBI_LOADER_NAME	    (1u << 9)

struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
	uint32_t mods_count, mods_addr, syms[4];
	uint32_t mmap_length, mmap_addr, drives_length, drives_addr;
	uint32_t config_table, boot_loader_name, apm_table;
};

struct mb_module {
	uint32_t mod_start, mod_end, string, reserved;
};

struct mb_mmap {
	uint32_t size;
	uint64_t base_addr, length;
	uint32_t type;
} __attribute__((packed));

_Static_assert(sizeof(struct mb_info) == 72, "mb_info");

extern const uint32_t rt_mb_header_flags;

#define CR0_PE	  (1u << 0)
#define CR0_PG	  (1u << 31)
#define EFLAGS_IF (1u << 9)
#define EFLAGS_VM (1u << 17)
#define HOLE	  0xc0000000ULL

static void check_entry_state(void)
{
	struct bp_desc cs, ds;

	rt_printf("mb: header flags %#x; entered with eax=%#x ebx=%#x "
		  "cr0=%#x eflags=%#x cs=%#x ds=%#x ss=%#x\n",
		  rt_mb_header_flags, rt_boot_eax, rt_boot_ebx, rt_boot_cr0,
		  rt_boot_eflags, rt_boot_cs, rt_boot_ds, rt_boot_ss);
	bp_check(rt_boot_eax == MB_BOOTLOADER_MAGIC, "EAX %#x", rt_boot_eax);
	bp_check(rt_boot_cr0 & CR0_PE, "CR0.PE clear at entry");
	bp_check(!(rt_boot_cr0 & CR0_PG), "CR0.PG set at entry");
	bp_check(!(rt_boot_eflags & (EFLAGS_IF | EFLAGS_VM)),
		 "EFLAGS %#x at entry: IF or VM set", rt_boot_eflags);
	if (bp_gdt_desc(rt_boot_gdtr.base, rt_boot_gdtr.limit, rt_boot_cs,
			&cs)) {
		bp_print_desc("mb: cs", rt_boot_cs, &cs);
		bp_check(cs.s && (cs.type & 0xa) == 0xa && cs.db && !cs.l &&
				 cs.base == 0 && cs.limit == 0xffffffff,
			 "CS is not flat 32-bit read/execute code");
	}
	if (bp_gdt_desc(rt_boot_gdtr.base, rt_boot_gdtr.limit, rt_boot_ds,
			&ds)) {
		bp_print_desc("mb: ds", rt_boot_ds, &ds);
		bp_check(ds.s && (ds.type & 0xa) == 0x2 && ds.base == 0 &&
				 ds.limit == 0xffffffff,
			 "DS is not flat read/write data");
	}
	bp_check(rt_boot_ss == rt_boot_ds, "SS %#x != DS %#x", rt_boot_ss,
		 rt_boot_ds);
}

static void check_memory(const struct hyve_boot_info *args,
			 const struct mb_info *mi)
{
	uint64_t ram = rt_strtoul(rt_arg(args, "ram_mib"), 0) << 20;
	uint64_t low = ram < HOLE ? ram : HOLE;

	rt_printf("mb: mem_lower=%u mem_upper=%u\n", mi->mem_lower,
		  mi->mem_upper);
	bp_check(mi->mem_lower == 639, "mem_lower %u KiB, not 639",
		 mi->mem_lower);
	if (ram)
		bp_check(mi->mem_upper == (low - 0x100000) >> 10,
			 "mem_upper %u KiB, expected %lu", mi->mem_upper,
			 (low - 0x100000) >> 10);
}

static void check_mmap(const struct hyve_boot_info *args,
		       const struct mb_info *mi)
{
	static struct bp_range m[64];
	uint64_t at = mi->mmap_addr, end = at + mi->mmap_length;
	unsigned int n = 0;

	rt_printf("mb: mmap_addr=%#x mmap_length=%u\n", mi->mmap_addr,
		  mi->mmap_length);
	bp_check(mi->mmap_addr && mi->mmap_length, "no memory map");
	while (at + 4 <= end && n < 64) {
		const struct mb_mmap *e = (const void *)(uintptr_t)at;

		bp_check(e->size >= 20, "mmap entry %u: size %u", n, e->size);
		if (e->size < 20 || at + 4 + e->size > end)
			break;
		m[n++] = (struct bp_range){ e->base_addr, e->length, e->type };
		at += 4 + (uint64_t)e->size;
	}
	bp_check(at == end, "the mmap does not end at mmap_length");
	bp_memmap(args, m, n);
}

static void check_modules(const struct hyve_boot_info *args,
			  const struct mb_info *mi)
{
	const struct mb_module *mods = (const void *)(uintptr_t)mi->mods_addr;
	unsigned int want = bp_nmods(args);

	rt_printf("mb: mods_count=%u mods_addr=%#x\n", mi->mods_count,
		  mi->mods_addr);
	bp_check(mi->mods_count == want, "mods_count %u, expected %u",
		 mi->mods_count, want);
	if (mi->mods_count && !mi->mods_addr) {
		bp_check(false, "modules but no mods_addr");
		return;
	}
	for (unsigned int i = 0; i < mi->mods_count && i < 16; i++) {
		const struct mb_module *m = &mods[i];

		bp_check(m->mod_end > m->mod_start,
			 "module %u: mod_end %#x <= mod_start %#x", i,
			 m->mod_end, m->mod_start);
		if (m->mod_end <= m->mod_start)
			continue;
		bp_module(args, i, m->mod_start, m->mod_end - m->mod_start);
		rt_printf("module %u: string=[%s]\n", i,
			  m->string ? (const char *)(uintptr_t)m->string
				    : "(none)");
		bp_check((m->mod_start & 0xfff) == 0,
			 "module %u at %#x is not page-aligned (flag 0)", i,
			 m->mod_start);
		for (unsigned int j = 0; j < i; j++)
			bp_check(m->mod_start >= mods[j].mod_end ||
					 m->mod_end <= mods[j].mod_start,
				 "modules %u and %u overlap", j, i);
	}
}

int main(const struct hyve_boot_info *bi)
{
	const struct mb_info *mi = (const void *)(uintptr_t)rt_boot_ebx;
	const struct hyve_boot_info *args;
	const uint32_t need = MBI_MEMORY | MBI_CMDLINE | MBI_MODS | MBI_MMAP;

	(void)bi;
	rt_puts("mb: hello from a Multiboot kernel\n");
	check_entry_state();
	if (!mi) {
		bp_check(false, "EBX is 0");
		return bp_result("mb", 0x22);
	}
	rt_printf("mb: info at %p flags=%#x\n", mi, mi->flags);
	bp_check((mi->flags & need) == need,
		 "flags %#x lack memory, cmdline, mods or mmap", mi->flags);
	args = bp_args(mi->flags & MBI_CMDLINE ? mi->cmdline : 0);
	if (mi->flags & MBI_MEMORY)
		check_memory(args, mi);
	if (mi->flags & MBI_CMDLINE)
		bp_cmdline(args, "mb:");
	if (mi->flags & MBI_MMAP)
		check_mmap(args, mi);
	if (mi->flags & MBI_MODS)
		check_modules(args, mi);
	if (mi->flags & MBI_LOADER_NAME)
		rt_printf("mb: boot_loader_name=[%s]\n",
			  (const char *)(uintptr_t)mi->boot_loader_name);
	return bp_result("mb", 0x22);
}
