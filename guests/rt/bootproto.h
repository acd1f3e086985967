/*
 * bootproto.h: what the boot-protocol test guests (pvh_guest, mb_guest,
 * bz_guest) share: the state their entry code saved (entry32.S,
 * entry64linux.S), a failure counter, and checks of the memory map, the
 * ACPI RSDP and the modules that each protocol hands over in its own
 * shape.  Expectations come from the command line as KEY=VALUE words:
 *   check=WORD   must be on the command line (it is printed back)
 *   ram_mib=N    the guest's RAM (--memory), checked against the map
 *   mods=N       how many modules (--initramfs) to expect
 *   modI=TEXT    module I starts with TEXT
 *   rsdp=0       expect no RSDP (--acpi off); 1, the default, expects one
 */
#ifndef HYVE_GUEST_RT_BOOTPROTO_H
#define HYVE_GUEST_RT_BOOTPROTO_H

#include <stdint.h>

#include "rt.h"

/* entry32.S: PVH and Multiboot. */
extern uint32_t rt_boot_eax, rt_boot_ebx, rt_boot_esp, rt_boot_cr0;
extern uint32_t rt_boot_eflags;
extern uint16_t rt_boot_cs, rt_boot_ds, rt_boot_ss, rt_boot_tr;
extern struct {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed)) rt_boot_gdtr;
/* entry64linux.S: the Linux 64-bit boot protocol. */
extern uint64_t rt_boot_rsi, rt_boot_rdi, rt_boot_rsp, rt_boot_rflags;
extern uint16_t rt_boot_es;
/* Both linker scripts. */
extern char _end[];

#define E820_RAM      1
#define E820_RESERVED 2

struct bp_range {
	uint64_t addr, size;
	uint32_t type;
};

/* Failed checks so far; bp_check prints "FAIL: ..." for each one. */
extern unsigned int bp_failures;
void bp_check(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A hyve_boot_info whose only field is cmdline, for rt_arg(). */
const struct hyve_boot_info *bp_args(uint64_t cmdline);

/* Print and check the command line: check=WORD must be in it. */
void bp_cmdline(const struct hyve_boot_info *args, const char *prefix);

/*
 * Print and check a memory map: sorted, no overlaps, RAM where the guest
 * runs, and RAM + the BIOS hole (0x9fc00-0x100000) = ram_mib.
 */
void bp_memmap(const struct hyve_boot_info *args, const struct bp_range *m,
	       unsigned int n);

/* Print and check the RSDP at addr (0: none) against rsdp=. */
void bp_rsdp(const struct hyve_boot_info *args, uint64_t addr);

/*
 * Print module i: where, how big, its first and last bytes, and check it
 * against modI=, RAM and the guest's image.
 */
void bp_module(const struct hyve_boot_info *args, unsigned int i, uint64_t addr,
	       uint64_t size);

/* Expected module count (mods=, default 0). */
unsigned int bp_nmods(const struct hyve_boot_info *args);

/* Strings in guest memory. */
bool bp_starts(const char *s, const char *prefix);
bool bp_memeq(const void *a, const void *b, size_t n);

/* A GDT descriptor, decoded (SDM Vol. 3A, 3.4.5). */
struct bp_desc {
	uint32_t base, limit; /* limit in bytes - 1, scaled by G */
	uint8_t type, dpl;
	bool s, p, l, db, g;
};
/* The descriptor of sel in the GDT at base; false past its limit. */
bool bp_gdt_desc(uint64_t base, uint32_t limit, uint16_t sel,
		 struct bp_desc *d);
void bp_print_desc(const char *what, uint16_t sel, const struct bp_desc *d);

/* The status main returns: ok_code when every check passed, else 0x7e. */
int bp_result(const char *who, int ok_code);

#endif
