/*
 * pvh_guest: a PVH kernel (Xen's docs/misc/pvh.pandoc; the start-of-day
 * structure is xen/include/public/arch-x86/hvm/start_info.h).  Its ELF
 * carries the XEN_ELFNOTE_PHYS32_ENTRY note (rt/pvhnote.S); rt/entry32.S
 * saves the 32-bit entry state, enters long mode on its own page tables and
 * calls main, which checks what the loader promised:
 *   - 32-bit protected mode, paging off, interrupts off, EBX = the
 *     hvm_start_info; flat code and data segments; TR a 32-bit TSS;
 *   - magic 0x336ec578, version 1 (the memory map fields are valid);
 *   - the command line (check=WORD), the RSDP ("RSD PTR ", checksums);
 *   - the memory map (sorted, RAM total = ram_mib=), in the layout
 *     hvm_memmap_table_entry gives (addr, size, type, reserved);
 *   - the modules (mods=N, modI=TEXT): hvm_modlist_entry's paddr, size,
 *     cmdline_paddr, reserved.
 * See rt/bootproto.h for the command-line words.  Returns 0x21 (hyve exits
 * with 67) when every check passed, 0x7e (253) otherwise.
 */
#include "bootproto.h"

#define PVH_MAGIC 0x336ec578u

struct hvm_start_info {
	uint32_t magic, version, flags, nr_modules;
	uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr;
	uint64_t memmap_paddr;
	uint32_t memmap_entries, reserved;
} __attribute__((packed));

struct hvm_modlist_entry {
	uint64_t paddr, size, cmdline_paddr, reserved;
};

struct hvm_memmap_table_entry {
	uint64_t addr, size;
	uint32_t type, reserved;
};

_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info");
_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "modlist");
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "memmap");

#define CR0_PE	  (1u << 0)
#define CR0_PG	  (1u << 31)
#define EFLAGS_TF (1u << 8)
#define EFLAGS_IF (1u << 9)
#define EFLAGS_VM (1u << 17)

static void check_entry_state(void)
{
	struct bp_desc cs, ds, tr;
	uint64_t gb = rt_boot_gdtr.base;
	uint32_t gl = rt_boot_gdtr.limit;

	rt_printf("pvh: entered with ebx=%#x cr0=%#x eflags=%#x cs=%#x ds=%#x "
		  "ss=%#x tr=%#x\n",
		  rt_boot_ebx, rt_boot_cr0, rt_boot_eflags, rt_boot_cs,
		  rt_boot_ds, rt_boot_ss, rt_boot_tr);
	bp_check(rt_boot_cr0 & CR0_PE, "CR0.PE clear at entry");
	bp_check(!(rt_boot_cr0 & CR0_PG), "CR0.PG set at entry");
	bp_check(!(rt_boot_eflags & (EFLAGS_IF | EFLAGS_TF | EFLAGS_VM)),
		 "EFLAGS %#x at entry: IF, TF or VM set", rt_boot_eflags);
	/* The selectors are unspecified; the descriptors behind them are. */
	if (bp_gdt_desc(gb, gl, rt_boot_cs, &cs)) {
		bp_print_desc("pvh: cs", rt_boot_cs, &cs);
		bp_check(cs.s && (cs.type & 0xa) == 0xa && cs.db && !cs.l &&
				 cs.base == 0 && cs.limit == 0xffffffff,
			 "CS is not flat 32-bit read/execute code");
	}
	if (bp_gdt_desc(gb, gl, rt_boot_ds, &ds)) {
		bp_print_desc("pvh: ds", rt_boot_ds, &ds);
		bp_check(ds.s && (ds.type & 0xa) == 0x2 && ds.base == 0 &&
				 ds.limit == 0xffffffff,
			 "DS is not flat read/write data");
	}
	bp_check(rt_boot_ss == rt_boot_ds, "SS %#x != DS %#x", rt_boot_ss,
		 rt_boot_ds);
	if (bp_gdt_desc(gb, gl, rt_boot_tr, &tr)) {
		bp_print_desc("pvh: tr", rt_boot_tr, &tr);
		bp_check(!tr.s && (tr.type == 0x9 || tr.type == 0xb),
			 "TR is not a 32-bit TSS");
		/* pvh.pandoc: "base of '0' and a limit of '0x67'". */
		if (tr.base != 0 || tr.limit != 0x67)
			rt_printf("pvh: note: TR base %#x limit %#x; "
				  "pvh.pandoc says base 0, limit 0x67\n",
				  tr.base, tr.limit);
	}
}

static void check_memmap(const struct hyve_boot_info *args,
			 const struct hvm_start_info *si)
{
	static struct bp_range m[64];
	const struct hvm_memmap_table_entry *e =
		(const void *)(uintptr_t)si->memmap_paddr;
	unsigned int n = si->memmap_entries < 64 ? si->memmap_entries : 64;

	rt_printf("pvh: memmap_paddr=%#lx entries=%u\n", si->memmap_paddr,
		  si->memmap_entries);
	bp_check(si->memmap_paddr && si->memmap_entries,
		 "version 1 but no memory map");
	if (!si->memmap_paddr)
		return;
	for (unsigned int i = 0; i < n; i++) {
		m[i] = (struct bp_range){ e[i].addr, e[i].size, e[i].type };
		bp_check(e[i].reserved == 0, "memmap entry %u: reserved %#x", i,
			 e[i].reserved);
	}
	bp_memmap(args, m, n);
}

static void check_modules(const struct hyve_boot_info *args,
			  const struct hvm_start_info *si)
{
	const struct hvm_modlist_entry *ml =
		(const void *)(uintptr_t)si->modlist_paddr;
	unsigned int want = bp_nmods(args);

	rt_printf("pvh: nr_modules=%u modlist_paddr=%#lx\n", si->nr_modules,
		  si->modlist_paddr);
	bp_check(si->nr_modules == want, "nr_modules %u, expected %u",
		 si->nr_modules, want);
	if (!si->nr_modules)
		return;
	bp_check(si->modlist_paddr != 0, "modules but no modlist_paddr");
	if (!si->modlist_paddr)
		return;
	for (unsigned int i = 0; i < si->nr_modules && i < 16; i++) {
		bp_module(args, i, ml[i].paddr, ml[i].size);
		rt_printf("module %u: cmdline_paddr=%#lx\n", i,
			  ml[i].cmdline_paddr);
		bp_check(ml[i].reserved == 0, "module %u: reserved %#lx", i,
			 ml[i].reserved);
		if (ml[i].cmdline_paddr)
			rt_printf("module %u: cmdline=[%s]\n", i,
				  (const char *)(uintptr_t)ml[i].cmdline_paddr);
	}
}

int main(const struct hyve_boot_info *bi)
{
	const struct hvm_start_info *si = (const void *)(uintptr_t)rt_boot_ebx;
	const struct hyve_boot_info *args;

	(void)bi;
	rt_puts("pvh: hello from a PVH kernel\n");
	check_entry_state();
	if (!si) {
		bp_check(false, "EBX is 0");
		return bp_result("pvh", 0x21);
	}
	rt_printf("pvh: magic=%#x version=%u flags=%#x\n", si->magic,
		  si->version, si->flags);
	bp_check(si->magic == PVH_MAGIC, "magic %#x", si->magic);
	bp_check(si->version == 1, "version %u", si->version);
	bp_check(si->reserved == 0, "start_info reserved %#x", si->reserved);
	if (si->magic != PVH_MAGIC)
		return bp_result("pvh", 0x21);
	args = bp_args(si->cmdline_paddr);
	bp_cmdline(args, "pvh:");
	bp_rsdp(args, si->rsdp_paddr);
	if (si->version >= 1)
		check_memmap(args, si);
	check_modules(args, si);
	return bp_result("pvh", 0x21);
}
