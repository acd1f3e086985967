/*
 * memmap.h: hyve's guest-physical memory map on x86-64.  This is the one
 * place that says where things live in the guest; everything else uses these
 * names.
 *
 *   0x0000_0000  0x0000_0fff  real-mode IVT and BIOS data area: zero but
 *                             the EBDA segment (0x40e) and the base memory
 *                             size in KiB (0x413), which say where the
 *                             EBDA and the MP floating pointer are
 *   0x0000_1000  0x0000_1fff  GDT built by the loader
 *   0x0000_2000  0x0000_2fff  TSS (64-bit, no I/O bitmap)
 *   0x0000_3000  0x0000_3fff  the boot information block: struct
 *                             hyve_boot_info, hvm_start_info or the
 *                             Multiboot information, per the protocol
 *   0x0000_4000  0x0000_4fff  kernel command line, NUL-terminated
 *   0x0000_5000  0x0000_5fff  memory map (E820-like) and module list
 *   0x0000_6000  0x0000_6fff  module command lines (Multiboot)
 *   0x0000_7000  0x0000_7fff  the Linux zero page (struct boot_params)
 *   0x0001_0000  0x0001_0fff  PML4
 *   0x0001_1000  0x0001_1fff  PDPT
 *   0x0001_2000  0x0005_2fff  page directories, one per GiB, 2 MiB pages
 *   0x0007_0000  0x0007_ffff  initial stack (RSP = 0x8_0000)
 *   0x0009_fc00  0x000d_ffff  reserved: EBDA, VGA, option ROMs (empty
 *                             but the MP floating pointer at 0x9fc00)
 *   0x000e_0000  0x000e_ffff  reserved: ACPI tables
 *   0x000f_0000  0x000f_dfff  reserved: the MP configuration table
 *   0x000f_e000  0x000f_ffff  reserved: the SYSCALL repair's page tables
 *   0x0010_0000  ...          kernel image (raw binaries load here)
 *   ...          0xbfff_ffff  RAM below the hole
 *   0xc000_0000  0xffff_ffff  MMIO hole:
 *     0xc000_0000  0xdfff_ffff    the PCI 32-bit BAR window (512 MiB)
 *     0xe000_0000  0xe00f_ffff    PCI ECAM, bus 0 only (reserved in E820
 *                                 and in the DSDT's motherboard resources)
 *     0xfe00_0000  0xfe1f_ffff    the SYSCALL repair's trap (reserved)
 *     0xfec0_0000, 0xfee0_0000    IOAPIC, LAPIC
 *     0xfffb_c000  0xfffb_ffff    KVM's identity-map page and real-mode TSS
 *                                 (reserved)
 *   0x1_0000_0000 ...         RAM above the hole, if RAM is over 3 GiB
 *   above RAM (1 GiB-aligned, at least 4 GiB): the PCI 64-bit BAR window
 *
 * Everything below 1 MiB is needed only until the guest kernel takes over;
 * the E820 map gives the guest the RAM below 0x9fc00 to reuse.
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
#define MEMMAP_MAP	     0x5000ULL /* memory map, then the module list */
#define MEMMAP_MODLIST	     0x5800ULL
#define MEMMAP_MODSTR	     0x6000ULL
#define MEMMAP_ZERO_PAGE     0x7000ULL
#define MEMMAP_EBDA	     0x9fc00ULL
#define MEMMAP_FIRMWARE	     0xe0000ULL /* ACPI tables: RSDP first */
#define MEMMAP_FIRMWARE_SIZE 0x10000ULL
/*
 * The MP tables (arch/x86/mptable.h): the floating pointer in the first KiB
 * of the EBDA, where the MP spec (4, "MP Floating Pointer Structure") has
 * an OS look first, and the configuration table in the BIOS area.  The BIOS
 * data area says where the EBDA is (a real-mode segment) and how much base
 * memory precedes it (KiB).
 */
#define MEMMAP_MPF	    MEMMAP_EBDA
#define MEMMAP_MPC	    0xf0000ULL
#define MEMMAP_MPC_SIZE	    0xe000ULL
#define MEMMAP_BDA_EBDA_SEG 0x40eULL /* 16 bits */
#define MEMMAP_BDA_BASE_KIB 0x413ULL /* 16 bits */
/*
 * The SYSCALL repair (vmm/emulate.h): two page-table pages in the reserved
 * BIOS area, and the 2 MiB of the MMIO hole they map at the start of PML4
 * slot 507 (0xfffffd8000000000).  Linux leaves that slot unused and outside
 * the range its memory-layout randomization covers (mm.rst: the hole
 * between vaddr_end and the cpu_entry_area), and copies the kernel half of
 * its page tables, slot 273 and up, into every new process.  Nothing backs
 * the 2 MiB: a guest that runs there exits to hyve.
 */
#define MEMMAP_TRAP_PDPT      0xfe000ULL
#define MEMMAP_TRAP_PD	      0xff000ULL
#define MEMMAP_TRAP_GPA	      0xfe000000ULL
#define MEMMAP_TRAP_SIZE      0x200000ULL
#define MEMMAP_TRAP_VA	      0xfffffd8000000000ULL
#define MEMMAP_TRAP_PML4_SLOT 507
#define MEMMAP_PML4	      0x10000ULL
#define MEMMAP_PDPT	      0x11000ULL
#define MEMMAP_PD	      0x12000ULL
#define MEMMAP_PD_COUNT	      65ULL /* 64 GiB of RAM plus the hole */
#define MEMMAP_STACK_TOP      0x80000ULL
#define MEMMAP_BOOT_AREA_END  0x100000ULL /* nothing may load below this */
#define MEMMAP_KERNEL	      0x100000ULL

/*
 * KVM's identity-map page and three-page real-mode TSS (used on Intel
 * hosts without unrestricted guest), in the hole.
 */
#define MEMMAP_KVM_PAGES      0xfffbc000ULL
#define MEMMAP_KVM_PAGES_SIZE 0x4000ULL
#define MEMMAP_KVM_IDENTITY   0xfffbc000ULL
#define MEMMAP_KVM_TSS	      0xfffbd000ULL

/* The interrupt controllers (their architectural defaults). */
#define MEMMAP_IOAPIC 0xfec00000ULL
#define MEMMAP_LAPIC  0xfee00000ULL

#define MEMMAP_HOLE_START 0xc0000000ULL
#define MEMMAP_HOLE_END	  0x100000000ULL

/*
 * PCI (pci/pci.h): the window where hyve places 32-bit memory BARs, the
 * ECAM of bus 0 (32 devices x 8 functions x 4 KiB), and the window for
 * 64-bit BARs, which starts at the first 1 GiB boundary at or above both
 * 4 GiB and the end of RAM (memmap_pci_mmio64_base).
 */
#define MEMMAP_PCI_MMIO32	0xc0000000ULL
#define MEMMAP_PCI_MMIO32_SIZE	0x20000000ULL
#define MEMMAP_PCI_ECAM		0xe0000000ULL
#define MEMMAP_PCI_ECAM_SIZE	0x100000ULL
#define MEMMAP_PCI_MMIO64_ALIGN (1ULL << 30)
#define MEMMAP_PCI_MMIO64_SIZE	(64ULL << 30)

/* ram_end: the first guest-physical address above all of RAM. */
static inline uint64_t memmap_pci_mmio64_base(uint64_t ram_end)
{
	uint64_t b = ram_end > MEMMAP_HOLE_END ? ram_end : MEMMAP_HOLE_END;

	return (b + MEMMAP_PCI_MMIO64_ALIGN - 1) &
	       ~(MEMMAP_PCI_MMIO64_ALIGN - 1);
}

#define MEMMAP_RAM_MIN (2ULL << 20)
#define MEMMAP_RAM_MAX (64ULL << 30)

/*
 * GDT selectors, laid out as Linux's boot protocol wants __BOOT_CS (0x10)
 * and __BOOT_DS (0x18), with a 32-bit code segment for PVH and Multiboot.
 */
#define MEMMAP_SEL_CODE32  0x08
#define MEMMAP_SEL_CODE64  0x10
#define MEMMAP_SEL_DATA	   0x18
#define MEMMAP_SEL_TSS	   0x20
#define MEMMAP_GDT_ENTRIES 6 /* the TSS descriptor takes two */

/*
 * The I/O port map of hyve's board (besides the legacy PC devices KVM
 * models in the kernel: PIC 0x20/0xa0, PIT 0x40-0x43, speaker 0x61, ELCR
 * 0x4d0/0x4d1).
 */
#define PORT_I8042_DATA 0x60
#define PORT_I8042_CMD	0x64
#define PORT_RTC	0x70 /* and 0x71 */
#define PORT_POST	0x80
#define PORT_COM1	0x3f8
#define PORT_FW_CFG	0x510 /* and 0x511 */
#define PORT_ACPI_PM	0x600 /* PM1a event +0, control +4, timer +8 */
#define PORT_RESET	0xcf9

/* ISA interrupt lines. */
#define IRQ_PIT	 0
#define IRQ_COM1 4
#define IRQ_RTC	 8
#define IRQ_SCI	 9

/*
 * PCI INTx: the IOAPIC pins the DSDT's _PRT gives INTA-INTD of slot 0
 * (swizzled by slot: slot s, pin p goes to GSI_PCI_INTA + (s + p) % 4).
 */
#define GSI_PCI_INTA 16

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
