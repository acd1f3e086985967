/*
 * acpi.h: the ACPI firmware tables hyve gives an x86 guest (ACPI 6.5,
 * chapter 5 "ACPI Software Programming Model"), built into one buffer.
 *
 * Built: the RSDP (revision 2) pointing at an XSDT, which lists the FADT,
 * the MADT and, with a PCI host bridge, the MCFG; the FADT points at the
 * FACS and the DSDT.  No RSDT: RsdtAddress is 0, as OSes that read the
 * revision 2 RSDP use the XSDT.  The FADT describes a full (not
 * hardware-reduced) platform that is always in ACPI mode (no SMI command
 * port), with PM1a event and control blocks, an optional 32-bit PM timer
 * and a reset register; a non-hardware-reduced FADT requires a FACS
 * (5.2.10), so one is built.  The DSDT holds \_S5, one processor device
 * per CPU, and optionally COM1, the RTC and a PCI Express host bridge
 * (_CRS, _PRT); see acpi.c for what each table says.
 *
 * Not built: an RSDT, GPE blocks, sleep states other than S5, _OSC, an
 * HPET table, SSDTs, x2APIC entries (so at most 255 CPUs).
 *
 * Placement: the caller puts the buffer in guest memory at base.  With the
 * RSDP first, a base of 0xe0000 lets a guest find it by the legacy scan of
 * 0xe0000-0xfffff; the whole range must be reported to the guest as
 * reserved (not RAM), as the FACS must not be AddressRangeMemory (5.2.10).
 *
 * Pure code: nothing here touches KVM or guest memory; acpi_build() writes
 * only the caller's buffer, and any thread may call it.
 */
#ifndef HYVE_ARCH_X86_ACPI_H
#define HYVE_ARCH_X86_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACPI_MAX_CPUS 255 /* xAPIC IDs 0..254 */

struct acpi_pci {
	bool present;
	uint64_t ecam_base; /* MCFG: the ECAM address of bus 0 */
	uint8_t bus_start, bus_end;
	uint64_t mmio32_base, mmio32_size; /* _CRS 32-bit window; 0: none */
	uint64_t mmio64_base, mmio64_size; /* _CRS 64-bit window; 0: none */
	uint16_t io_base, io_size; /* _CRS I/O window, e.g. 0x1000, 0xf000 */
	/*
	 * _PRT: INTx of device (slot) s, pin p (0 = INTA .. 3 = INTD) is
	 * routed to GSI prt_gsi[(s + p) % 4] (swizzled), for slots 0..31.
	 */
	uint32_t prt_gsi[4];
};

struct acpi_config {
	/* 1..ACPI_MAX_CPUS: a MADT Local APIC each, APIC ID = UID = index */
	unsigned int ncpus;
	uint32_t lapic_addr;	  /* 0xfee00000 */
	uint32_t ioapic_addr;	  /* 0xfec00000 */
	uint8_t ioapic_id;	  /* e.g. ncpus; must not be a CPU's APIC ID */
	uint32_t ioapic_gsi_base; /* 0 */
	bool pic;		  /* dual 8259 present: MADT PCAT_COMPAT */
	uint16_t pm1a_evt;   /* PM1a event block (4 bytes: status, enable) */
	uint16_t pm1a_cnt;   /* PM1a control block (2 bytes) */
	uint16_t pm_tmr;     /* PM timer (4 bytes, 32-bit); 0: none */
	uint8_t sci_irq;     /* ISA IRQ of the SCI, e.g. 9 (not 0 or 2) */
	uint16_t reset_port; /* FADT RESET_REG, system I/O; 0: none */
	uint8_t reset_value; /* e.g. 0x06 for port 0xcf9 */
	uint8_t s5_slp_typ;  /* SLP_TYP (0-7) that \_S5 gives, e.g. 5 */
	bool com1;	     /* DSDT: COM1, PNP0501, 0x3f8-0x3ff, IRQ 4 */
	bool rtc;	     /* DSDT: RTC, PNP0B00, 0x70-0x71, IRQ 8 */
	uint8_t rtc_century; /* FADT CENTURY: CMOS index; 0: none */
	bool i8042;	     /* FADT IAPC_BOOT_ARCH 8042 bit */
	bool vga;	     /* false: IAPC_BOOT_ARCH "VGA Not Present" */
	bool power_button;   /* fixed-feature power button */
	struct acpi_pci pci;
	const char *oem_id; /* up to 6 chars, space-padded; NULL: "HYVE" */
};

/*
 * Build every table into buf, which will live at guest-physical address
 * base (16-byte aligned).  The RSDP is at the start of buf; *rsdp_gpa says
 * where that is (base) and *used how many bytes were written.  The tables
 * follow one after the other, each 16-byte aligned (the FACS 64-byte
 * aligned), with correct lengths and checksums.  -ENOSPC when len is too
 * small, -EINVAL on a bad config or argument (checked before anything is
 * written); after -ENOSPC, buf holds a partial build.
 */
int acpi_build(const struct acpi_config *cfg, uint8_t *buf, size_t len,
	       uint64_t base, uint64_t *rsdp_gpa, size_t *used);

/* The 8-bit sum of len bytes: 0 for a table with a correct checksum. */
uint8_t acpi_checksum(const void *p, size_t len);

/*
 * The table layouts, for acpi.c and for tests and tools that read the
 * tables back.  All fields are little-endian and unaligned.
 */
#define ACPI_PACKED __attribute__((packed))

/* Root System Description Pointer (5.2.5.3). */
struct acpi_rsdp {
	char signature[8]; /* "RSD PTR " */
	uint8_t checksum;  /* of the first 20 bytes */
	char oem_id[6];
	uint8_t revision; /* 2 */
	uint32_t rsdt_addr;
	uint32_t length; /* 36 */
	uint64_t xsdt_addr;
	uint8_t ext_checksum; /* of all 36 bytes */
	uint8_t reserved[3];
} ACPI_PACKED;

#define ACPI_RSDP_V1_LEN 20

/* System Description Table Header (5.2.6). */
struct acpi_header {
	char signature[4];
	uint32_t length; /* of the whole table, header included */
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} ACPI_PACKED;

/* Generic Address Structure (5.2.3.2). */
struct acpi_gas {
	uint8_t space_id; /* ACPI_GAS_* */
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size; /* ACPI_GAS_ACCESS_* */
	uint64_t address;
} ACPI_PACKED;

#define ACPI_GAS_MEMORY	      0
#define ACPI_GAS_IO	      1
#define ACPI_GAS_ACCESS_BYTE  1
#define ACPI_GAS_ACCESS_WORD  2
#define ACPI_GAS_ACCESS_DWORD 3

/* Fixed ACPI Description Table (5.2.9), FADT major version 6. */
struct acpi_fadt {
	struct acpi_header h; /* "FACP" */
	uint32_t firmware_ctrl;
	uint32_t dsdt;
	uint8_t reserved0;
	uint8_t preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable;
	uint8_t acpi_disable;
	uint8_t s4bios_req;
	uint8_t pstate_cnt;
	uint32_t pm1a_evt_blk;
	uint32_t pm1b_evt_blk;
	uint32_t pm1a_cnt_blk;
	uint32_t pm1b_cnt_blk;
	uint32_t pm2_cnt_blk;
	uint32_t pm_tmr_blk;
	uint32_t gpe0_blk;
	uint32_t gpe1_blk;
	uint8_t pm1_evt_len;
	uint8_t pm1_cnt_len;
	uint8_t pm2_cnt_len;
	uint8_t pm_tmr_len;
	uint8_t gpe0_blk_len;
	uint8_t gpe1_blk_len;
	uint8_t gpe1_base;
	uint8_t cst_cnt;
	uint16_t p_lvl2_lat;
	uint16_t p_lvl3_lat;
	uint16_t flush_size;
	uint16_t flush_stride;
	uint8_t duty_offset;
	uint8_t duty_width;
	uint8_t day_alrm;
	uint8_t mon_alrm;
	uint8_t century;
	uint16_t iapc_boot_arch; /* ACPI_FADT_BOOT_* */
	uint8_t reserved1;
	uint32_t flags; /* ACPI_FADT_F_* */
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	struct acpi_gas x_pm1a_evt_blk;
	struct acpi_gas x_pm1b_evt_blk;
	struct acpi_gas x_pm1a_cnt_blk;
	struct acpi_gas x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk;
	struct acpi_gas x_pm_tmr_blk;
	struct acpi_gas x_gpe0_blk;
	struct acpi_gas x_gpe1_blk;
	struct acpi_gas sleep_control_reg;
	struct acpi_gas sleep_status_reg;
	uint64_t hypervisor_vendor_id;
} ACPI_PACKED;

/* FADT "Fixed Feature Flags" (5.2.9). */
#define ACPI_FADT_F_WBINVD	  (1U << 0)
#define ACPI_FADT_F_PROC_C1	  (1U << 2)
#define ACPI_FADT_F_PWR_BUTTON	  (1U << 4) /* set: no fixed power button */
#define ACPI_FADT_F_SLP_BUTTON	  (1U << 5) /* set: no fixed sleep button */
#define ACPI_FADT_F_TMR_VAL_EXT	  (1U << 8) /* the PM timer is 32 bits */
#define ACPI_FADT_F_RESET_REG_SUP (1U << 10)
#define ACPI_FADT_F_HW_REDUCED	  (1U << 20)

/* IA-PC Boot Architecture Flags (5.2.9.3). */
#define ACPI_FADT_BOOT_LEGACY_DEVICES (1U << 0)
#define ACPI_FADT_BOOT_8042	      (1U << 1)
#define ACPI_FADT_BOOT_NO_VGA	      (1U << 2)
#define ACPI_FADT_BOOT_NO_MSI	      (1U << 3)
#define ACPI_FADT_BOOT_NO_ASPM	      (1U << 4) /* "PCIe ASPM Controls" */
#define ACPI_FADT_BOOT_NO_CMOS_RTC    (1U << 5)

/* Firmware ACPI Control Structure (5.2.10): no checksum. */
struct acpi_facs {
	char signature[4]; /* "FACS" */
	uint32_t length;   /* 64 */
	uint32_t hardware_signature;
	uint32_t firmware_waking_vector;
	uint32_t global_lock;
	uint32_t flags;
	uint64_t x_firmware_waking_vector;
	uint8_t version; /* 2 */
	uint8_t reserved0[3];
	uint32_t ospm_flags;
	uint8_t reserved1[24];
} ACPI_PACKED;

/*
 * Multiple APIC Description Table (5.2.12), then its entries, each named
 * after its structure in 5.2.12.
 */
struct acpi_madt {
	struct acpi_header h; /* "APIC" */
	uint32_t lapic_addr;
	uint32_t flags; /* ACPI_MADT_PCAT_COMPAT */
} ACPI_PACKED;

#define ACPI_MADT_PCAT_COMPAT 1U

#define ACPI_MADT_LAPIC	    0 /* Processor Local APIC */
#define ACPI_MADT_IOAPIC    1 /* I/O APIC */
#define ACPI_MADT_ISO	    2 /* Interrupt Source Override */
#define ACPI_MADT_LAPIC_NMI 4 /* Local APIC NMI */

struct acpi_madt_lapic {
	uint8_t type;
	uint8_t length; /* 8 */
	uint8_t uid;	/* ACPI Processor UID */
	uint8_t apic_id;
	uint32_t flags; /* ACPI_MADT_LAPIC_ENABLED */
} ACPI_PACKED;

#define ACPI_MADT_LAPIC_ENABLED 1U

struct acpi_madt_ioapic {
	uint8_t type;
	uint8_t length; /* 12 */
	uint8_t id;
	uint8_t reserved;
	uint32_t address;
	uint32_t gsi_base;
} ACPI_PACKED;

struct acpi_madt_iso {
	uint8_t type;
	uint8_t length; /* 10 */
	uint8_t bus;	/* 0: ISA */
	uint8_t source; /* ISA IRQ */
	uint32_t gsi;
	uint16_t flags; /* MPS INTI flags: ACPI_MADT_INTI_* */
} ACPI_PACKED;

/* MPS INTI flags (5.2.12): polarity bits 0-1, trigger mode bits 2-3. */
#define ACPI_MADT_INTI_CONFORMS	   0x0
#define ACPI_MADT_INTI_ACTIVE_HIGH 0x1
#define ACPI_MADT_INTI_ACTIVE_LOW  0x3
#define ACPI_MADT_INTI_EDGE	   (0x1 << 2)
#define ACPI_MADT_INTI_LEVEL	   (0x3 << 2)

struct acpi_madt_lapic_nmi {
	uint8_t type;
	uint8_t length; /* 6 */
	uint8_t uid;	/* 0xff: all processors */
	uint16_t flags; /* MPS INTI flags */
	uint8_t lint;	/* LINT0 or LINT1 */
} ACPI_PACKED;

/*
 * PCI Express memory-mapped configuration space (PCI Firmware
 * Specification 3.0, 4.1.2 "MCFG Table Description").
 */
struct acpi_mcfg {
	struct acpi_header h; /* "MCFG" */
	uint8_t reserved[8];
} ACPI_PACKED;

struct acpi_mcfg_alloc {
	uint64_t base; /* ECAM address of bus 0 of the segment */
	uint16_t segment;
	uint8_t bus_start;
	uint8_t bus_end;
	uint32_t reserved;
} ACPI_PACKED;

_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP size");
_Static_assert(sizeof(struct acpi_header) == 36, "header size");
_Static_assert(sizeof(struct acpi_gas) == 12, "GAS size");
_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT size");
_Static_assert(sizeof(struct acpi_facs) == 64, "FACS size");
_Static_assert(sizeof(struct acpi_madt) == 44, "MADT size");
_Static_assert(sizeof(struct acpi_madt_lapic) == 8, "LAPIC size");
_Static_assert(sizeof(struct acpi_madt_ioapic) == 12, "IOAPIC size");
_Static_assert(sizeof(struct acpi_madt_iso) == 10, "ISO size");
_Static_assert(sizeof(struct acpi_madt_lapic_nmi) == 6, "NMI size");
_Static_assert(sizeof(struct acpi_mcfg) == 44, "MCFG size");
_Static_assert(sizeof(struct acpi_mcfg_alloc) == 16, "MCFG entry size");

/* Copy src into an ID field of n chars, padded with spaces (no NUL). */
void acpi_put_id(char *dst, const char *src, size_t n);

#endif
