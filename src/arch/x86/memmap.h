/*
 * memmap.h: hyve's guest-physical memory map on x86-64.  This is the one
 * place that says where things live in the guest; everything else uses these
 * names.
 *
 *   0x0000_0000  0x0000_0fff  real-mode IVT and BIOS data area (left zero)
 *   0x0000_1000  0x0000_1fff  GDT built by the loader
 *   0x0000_2000  0x0000_2fff  TSS (64-bit, no I/O bitmap)
 *   0x0000_3000  0x0000_3fff  struct hyve_boot_info (see below)
 *   0x0000_4000  0x0000_4fff  kernel command line, NUL-terminated
 *   0x0000_8000  0x0000_8fff  reserved: SMP start-up trampoline
 *   0x0001_0000  0x0001_0fff  PML4
 *   0x0001_1000  0x0001_1fff  PDPT
 *   0x0001_2000  0x0005_2fff  page directories, one per GiB, 2 MiB pages
 *   0x0007_0000  0x0007_ffff  initial stack (RSP = 0x8_0000)
 *   0x0009_fc00  0x000f_ffff  reserved: EBDA, VGA, BIOS, firmware tables
 *   0x0010_0000  ...          kernel image (raw binaries load here)
 *   ...          0xbfff_ffff  RAM below the hole
 *   0xc000_0000  0xffff_ffff  MMIO hole: PCI windows, IOAPIC, LAPIC,
 *                             KVM's real-mode TSS at 0xfffb_d000
 *   0x1_0000_0000 ...         RAM above the hole, if RAM is over 3 GiB
 *
 * Guest RAM is one host mapping; the part beyond 3 GiB is placed above the
 * hole.  The identity map covers the low 4 GiB and all of RAM.
 */
#ifndef HYVE_ARCH_X86_MEMMAP_H
#define HYVE_ARCH_X86_MEMMAP_H

#include <stdint.h>

#define MEMMAP_GDT	     0x1000ULL
#define MEMMAP_TSS	     0x2000ULL
#define MEMMAP_BOOT_INFO     0x3000ULL
#define MEMMAP_CMDLINE	     0x4000ULL
#define MEMMAP_CMDLINE_MAX   0x1000ULL /* bytes, including the NUL */
#define MEMMAP_PML4	     0x10000ULL
#define MEMMAP_PDPT	     0x11000ULL
#define MEMMAP_PD	     0x12000ULL
#define MEMMAP_PD_COUNT	     65ULL /* 64 GiB of RAM plus the hole */
#define MEMMAP_STACK_TOP     0x80000ULL
#define MEMMAP_BOOT_AREA_END 0x100000ULL /* nothing may load below this */
#define MEMMAP_KERNEL	     0x100000ULL

/* KVM's three-page real-mode TSS (used on Intel hosts), in the hole. */
#define MEMMAP_KVM_TSS 0xfffbd000ULL

#define MEMMAP_HOLE_START 0xc0000000ULL
#define MEMMAP_HOLE_END	  0x100000000ULL

#define MEMMAP_RAM_MIN (2ULL << 20)
#define MEMMAP_RAM_MAX (64ULL << 30)

/* GDT selectors set up for direct 64-bit entry. */
#define MEMMAP_SEL_CODE64 0x08
#define MEMMAP_SEL_DATA	  0x10
#define MEMMAP_SEL_TSS	  0x18

/*
 * The boot information block at MEMMAP_BOOT_INFO, for guests entered
 * directly in 64-bit mode (raw and ELF).  RDI holds its address at entry.
 * All fields are little-endian; the layout is ABI for hyve's guests.
 */
#define HYVE_BOOT_MAGIC	  0x544f4f4245565948ULL /* "HYVEBOOT" */
#define HYVE_BOOT_MAX_RAM 4

struct hyve_boot_ram {
	uint64_t base;
	uint64_t size;
};

struct hyve_boot_info {
	uint64_t magic;
	uint32_t version; /* 1 */
	uint32_t cpus;
	uint64_t ram_bytes; /* total RAM */
	uint64_t cmdline;   /* guest-physical address, NUL-terminated */
	uint32_t cmdline_len;
	uint32_t ram_count;
	struct hyve_boot_ram ram[HYVE_BOOT_MAX_RAM];
};

#endif
