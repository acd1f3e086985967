/*
 * acpi.c: builds hyve's ACPI tables.  See acpi.h.
 *
 * Layout, from base (each table 16-byte aligned, the FACS 64-byte aligned):
 *
 *   RSDP   36 bytes, revision 2, RsdtAddress 0 (no RSDT)
 *   FACS   64 bytes
 *   DSDT   36-byte header + AML
 *   FADT   276 bytes, major version 6
 *   MADT   44 + 8 per CPU + 12 (I/O APIC) + 2 * 10 (overrides) + 6 (NMI)
 *   MCFG   44 + 16, only with a PCI host bridge
 *   XSDT   36 + 8 per table: FADT, MADT, MCFG
 *
 * What the tables say (ACPI 6.5 sections):
 * - FADT (5.2.9): always in ACPI mode: SMI_CMD, ACPI_ENABLE and
 *   ACPI_DISABLE are 0, so the OS never tries to switch modes and the PM1
 *   control model must read SCI_EN (bit 0) as 1.  PM1a event (4 bytes),
 *   PM1a control (2) and the PM timer (4, TMR_VAL_EXT: 32 bits) are given
 *   both as ports and as X_ generic addresses in system I/O.  Flags:
 *   WBINVD, PROC_C1 (HLT), SLP_BUTTON (no sleep button), PWR_BUTTON unless
 *   a fixed power button is present, RESET_REG_SUP with an 8-bit I/O
 *   RESET_REG.  P_LVL2_LAT > 100 and P_LVL3_LAT > 1000: no C2 or C3.  No
 *   GPE blocks.  IAPC_BOOT_ARCH (5.2.9.3): LEGACY_DEVICES, PCIe ASPM
 *   Controls (the OS must not touch ASPM), and 8042, VGA Not Present and
 *   CMOS RTC Not Present from the config; MSI stays supported.
 * - FACS (5.2.10): required because the FADT is not hardware-reduced; no
 *   waking vector (no S3), no global lock owner.  Only one of
 *   FIRMWARE_CTRL and X_FIRMWARE_CTRL may be set: the 32-bit field when
 *   the FACS is below 4 GiB.
 * - MADT (5.2.12): a Processor Local APIC entry per CPU (UID = APIC ID =
 *   index, enabled), the I/O APIC, and two Interrupt Source Overrides.
 *   ISA IRQs are otherwise identity-mapped to GSIs.  IRQ 0 (the PIT) goes
 *   to GSI 2 with flags 0 (ISA defaults: edge, active high), as on a PC;
 *   the machine's interrupt routing must match (PIT to I/O APIC pin 2).
 *   The SCI keeps its number but is made level-triggered and active
 *   high, so that the PM model raises the line to signal it rather than
 *   lowering it (the spec's default for the SCI is level, active low).  A
 *   Local APIC NMI entry for all processors (UID 0xff) on LINT1,
 *   edge-triggered and active high like the NMI pin.
 * - DSDT (5.2.11.1, revision 2: 64-bit integers): \_S5 ("\_Sx (System
 *   States)"), then in \_SB a processor device (ACPI0007) per CPU whose
 *   _UID matches the UID of its MADT entry (5.2.12, 8.4 "Declaring
 *   Processors"), COM1, the RTC and the PCI host bridge.
 * - MCFG (PCI Firmware Specification 3.0, 4.1.2): one ECAM window,
 *   segment 0.
 *
 * hyve runs on x86, little-endian like the tables, so the packed structs
 * of acpi.h are filled directly and copied into the buffer.
 */
#include "arch/x86/acpi.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "arch/x86/aml.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "the table structs are filled in host byte order");

#define OEM_ID_LEN	 6
#define OEM_ID_DEFAULT	 "HYVE"
#define OEM_TABLE_ID	 "HYVE"
#define OEM_REVISION	 1
#define CREATOR_ID	 "HYVE"
#define CREATOR_REVISION 1

#define RSDP_REVISION	   2 /* ACPI 2.0 and later: XSDT */
#define XSDT_REVISION	   1
#define FADT_REVISION	   6
#define FADT_MINOR_VERSION 5
#define FACS_VERSION	   2
#define MADT_REVISION	   5 /* ACPI 6.3 on: nothing used here changed */
#define DSDT_REVISION	   2 /* 2 and up: AML integers are 64 bits */
#define MCFG_REVISION	   1
#define TABLE_ALIGN	   16
#define FACS_ALIGN	   64
#define MAX_XSDT_ENTRIES   3

#define PM1_EVT_LEN 4 /* PM1a_STS and PM1a_EN, 16 bits each */
#define PM1_CNT_LEN 2
#define PM_TMR_LEN  4
#define NO_C2_LAT   101	 /* P_LVL2_LAT > 100: C2 not supported */
#define NO_C3_LAT   1001 /* P_LVL3_LAT > 1000: C3 not supported */

#define ISA_IRQ_PIT	0
#define GSI_PIT		2
#define LAPIC_NMI_ALL	0xff /* Local APIC NMI: every processor */
#define LAPIC_NMI_LINT1 1

#define FOUR_GIB	0x100000000ULL
#define IO_SPACE_END	0x10000U
#define PCI_CONFIG_PORT 0xcf8 /* CONFIG_ADDRESS and CONFIG_DATA */
#define PCI_CONFIG_LEN	8
#define PCI_SLOTS	32
#define PCI_PINS	4

/* The buffer being filled: bytes [0, len) are written. */
struct out {
	uint8_t *buf;
	size_t len;
	size_t cap;
	uint64_t base; /* guest-physical address of buf[0] */
	int err;       /* first error; every later call does nothing */
};

uint8_t acpi_checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum = (uint8_t)(sum + *b++);
	return sum;
}

/*
 * Zero n bytes at the next offset whose guest-physical address is a
 * multiple of align (so the padding is zero too); returns that offset.
 */
static size_t out_reserve(struct out *o, size_t n, size_t align)
{
	size_t pad = (size_t)((align - (o->base + o->len) % align) % align);
	size_t off = o->len + pad;

	if (o->err)
		return 0;
	if (pad > o->cap - o->len || n > o->cap - o->len - pad) {
		o->err = -ENOSPC;
		return 0;
	}
	memset(o->buf + o->len, 0, pad + n);
	o->len = off + n;
	return off;
}

/* Copy n bytes to the next aligned offset; returns that offset. */
static size_t out_put(struct out *o, const void *p, size_t n, size_t align)
{
	size_t off = out_reserve(o, n, align);

	if (!o->err)
		memcpy(o->buf + off, p, n);
	return off;
}

void acpi_put_id(char *dst, const char *src, size_t n)
{
	size_t len = strlen(src);

	memset(dst, ' ', n);
	memcpy(dst, src, len < n ? len : n);
}

static const char *oem_id(const struct acpi_config *cfg)
{
	return cfg->oem_id ? cfg->oem_id : OEM_ID_DEFAULT;
}

/* Every field of a table header but length and checksum (5.2.6). */
static void header_init(struct acpi_header *h, const char *sig, uint8_t rev,
			const struct acpi_config *cfg)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->signature, sig, sizeof(h->signature));
	h->revision = rev;
	acpi_put_id(h->oem_id, oem_id(cfg), sizeof(h->oem_id));
	acpi_put_id(h->oem_table_id, OEM_TABLE_ID, sizeof(h->oem_table_id));
	h->oem_revision = OEM_REVISION;
	memcpy(h->creator_id, CREATOR_ID, sizeof(h->creator_id));
	h->creator_revision = CREATOR_REVISION;
}

/*
 * The table whose header is at off ends at o->len: set its length and
 * checksum.  Returns its guest-physical address, or 0 after an error.
 */
static uint64_t table_end(struct out *o, size_t off)
{
	uint8_t *t = o->buf + off;
	uint32_t len = (uint32_t)(o->len - off);

	if (o->err)
		return 0;
	memcpy(t + offsetof(struct acpi_header, length), &len, sizeof(len));
	t[offsetof(struct acpi_header, checksum)] = 0;
	t[offsetof(struct acpi_header, checksum)] =
		(uint8_t)-acpi_checksum(t, len);
	return o->base + off;
}

static uint32_t below_4g(uint64_t gpa)
{
	return gpa < FOUR_GIB ? (uint32_t)gpa : 0;
}

/* A register block of len bytes at an I/O port. */
static bool port_ok(uint16_t port, unsigned int len)
{
	return port && port + len <= IO_SPACE_END;
}

static int check_pci(const struct acpi_pci *pci)
{
	if (pci->bus_start > pci->bus_end)
		return -EINVAL;
	if (pci->mmio32_size &&
	    (pci->mmio32_base >= FOUR_GIB ||
	     pci->mmio32_size > FOUR_GIB - pci->mmio32_base))
		return -EINVAL;
	if (pci->mmio64_size &&
	    pci->mmio64_size - 1 > UINT64_MAX - pci->mmio64_base)
		return -EINVAL;
	if (pci->io_size &&
	    (uint32_t)pci->io_base + pci->io_size > IO_SPACE_END)
		return -EINVAL;
	return 0;
}

static int check_config(const struct acpi_config *cfg)
{
	if (cfg->ncpus < 1 || cfg->ncpus > ACPI_MAX_CPUS)
		return -EINVAL;
	if (cfg->ioapic_id < cfg->ncpus) /* an APIC ID in use */
		return -EINVAL;
	if (!port_ok(cfg->pm1a_evt, PM1_EVT_LEN) ||
	    !port_ok(cfg->pm1a_cnt, PM1_CNT_LEN))
		return -EINVAL;
	if (cfg->pm_tmr && !port_ok(cfg->pm_tmr, PM_TMR_LEN))
		return -EINVAL;
	/* An ISA IRQ other than the PIT's and the cascade. */
	if (cfg->sci_irq > 15 || cfg->sci_irq == ISA_IRQ_PIT ||
	    cfg->sci_irq == GSI_PIT)
		return -EINVAL;
	if (cfg->s5_slp_typ > 7) /* SLP_TYP is 3 bits of PM1_CNT */
		return -EINVAL;
	if (strlen(oem_id(cfg)) > OEM_ID_LEN)
		return -EINVAL;
	return cfg->pci.present ? check_pci(&cfg->pci) : 0;
}

/* A register of bytes bytes in system I/O space (5.2.3.2). */
static struct acpi_gas gas_io(uint16_t port, unsigned int bytes, uint8_t access)
{
	struct acpi_gas g = {
		.space_id = ACPI_GAS_IO,
		.bit_width = (uint8_t)(bytes * 8),
		.access_size = access,
		.address = port,
	};

	return g;
}

static uint64_t build_fadt(struct out *o, const struct acpi_config *cfg,
			   uint64_t facs, uint64_t dsdt)
{
	struct acpi_fadt f;
	uint32_t flags = ACPI_FADT_F_WBINVD | ACPI_FADT_F_PROC_C1 |
			 ACPI_FADT_F_SLP_BUTTON;
	uint16_t boot = ACPI_FADT_BOOT_LEGACY_DEVICES | ACPI_FADT_BOOT_NO_ASPM;

	memset(&f, 0, sizeof(f));
	header_init(&f.h, "FACP", FADT_REVISION, cfg);
	f.minor_version = FADT_MINOR_VERSION;
	if (facs < FOUR_GIB)
		f.firmware_ctrl = (uint32_t)facs;
	else
		f.x_firmware_ctrl = facs;
	f.dsdt = below_4g(dsdt);
	f.x_dsdt = dsdt;
	f.sci_int = cfg->sci_irq;

	f.pm1a_evt_blk = cfg->pm1a_evt;
	f.pm1_evt_len = PM1_EVT_LEN;
	f.x_pm1a_evt_blk =
		gas_io(cfg->pm1a_evt, PM1_EVT_LEN, ACPI_GAS_ACCESS_WORD);
	f.pm1a_cnt_blk = cfg->pm1a_cnt;
	f.pm1_cnt_len = PM1_CNT_LEN;
	f.x_pm1a_cnt_blk =
		gas_io(cfg->pm1a_cnt, PM1_CNT_LEN, ACPI_GAS_ACCESS_WORD);
	if (cfg->pm_tmr) {
		f.pm_tmr_blk = cfg->pm_tmr;
		f.pm_tmr_len = PM_TMR_LEN;
		f.x_pm_tmr_blk =
			gas_io(cfg->pm_tmr, PM_TMR_LEN, ACPI_GAS_ACCESS_DWORD);
		flags |= ACPI_FADT_F_TMR_VAL_EXT;
	}
	f.p_lvl2_lat = NO_C2_LAT;
	f.p_lvl3_lat = NO_C3_LAT;
	f.century = cfg->rtc_century;

	if (cfg->i8042)
		boot |= ACPI_FADT_BOOT_8042;
	if (!cfg->vga)
		boot |= ACPI_FADT_BOOT_NO_VGA;
	if (!cfg->rtc)
		boot |= ACPI_FADT_BOOT_NO_CMOS_RTC;
	f.iapc_boot_arch = boot;

	if (!cfg->power_button)
		flags |= ACPI_FADT_F_PWR_BUTTON;
	if (cfg->reset_port) {
		f.reset_reg = gas_io(cfg->reset_port, 1, ACPI_GAS_ACCESS_BYTE);
		f.reset_value = cfg->reset_value;
		flags |= ACPI_FADT_F_RESET_REG_SUP;
	}
	f.flags = flags;
	return table_end(o, out_put(o, &f, sizeof(f), TABLE_ALIGN));
}

static uint64_t build_facs(struct out *o)
{
	struct acpi_facs f;

	memset(&f, 0, sizeof(f));
	memcpy(f.signature, "FACS", sizeof(f.signature));
	f.length = sizeof(f);
	f.version = FACS_VERSION;
	return o->base + out_put(o, &f, sizeof(f), FACS_ALIGN);
}

static void madt_iso(struct out *o, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	struct acpi_madt_iso e = {
		.type = ACPI_MADT_ISO,
		.length = sizeof(e),
		.bus = 0, /* ISA */
		.source = irq,
		.gsi = gsi,
		.flags = flags,
	};

	out_put(o, &e, sizeof(e), 1);
}

static uint64_t build_madt(struct out *o, const struct acpi_config *cfg)
{
	struct acpi_madt m;
	struct acpi_madt_ioapic io = {
		.type = ACPI_MADT_IOAPIC,
		.length = sizeof(io),
		.id = cfg->ioapic_id,
		.address = cfg->ioapic_addr,
		.gsi_base = cfg->ioapic_gsi_base,
	};
	struct acpi_madt_lapic_nmi nmi = {
		.type = ACPI_MADT_LAPIC_NMI,
		.length = sizeof(nmi),
		.uid = LAPIC_NMI_ALL,
		.flags = ACPI_MADT_INTI_ACTIVE_HIGH | ACPI_MADT_INTI_EDGE,
		.lint = LAPIC_NMI_LINT1,
	};
	size_t off;

	memset(&m, 0, sizeof(m));
	header_init(&m.h, "APIC", MADT_REVISION, cfg);
	m.lapic_addr = cfg->lapic_addr;
	m.flags = cfg->pic ? ACPI_MADT_PCAT_COMPAT : 0;
	off = out_put(o, &m, sizeof(m), TABLE_ALIGN);

	for (unsigned int i = 0; i < cfg->ncpus; i++) {
		struct acpi_madt_lapic l = {
			.type = ACPI_MADT_LAPIC,
			.length = sizeof(l),
			.uid = (uint8_t)i,
			.apic_id = (uint8_t)i,
			.flags = ACPI_MADT_LAPIC_ENABLED,
		};

		out_put(o, &l, sizeof(l), 1);
	}
	out_put(o, &io, sizeof(io), 1);
	madt_iso(o, ISA_IRQ_PIT, GSI_PIT, ACPI_MADT_INTI_CONFORMS);
	madt_iso(o, cfg->sci_irq, cfg->sci_irq,
		 ACPI_MADT_INTI_ACTIVE_HIGH | ACPI_MADT_INTI_LEVEL);
	out_put(o, &nmi, sizeof(nmi), 1);
	return table_end(o, off);
}

static uint64_t build_mcfg(struct out *o, const struct acpi_config *cfg)
{
	struct acpi_mcfg m;
	struct acpi_mcfg_alloc e = {
		.base = cfg->pci.ecam_base,
		.segment = 0,
		.bus_start = cfg->pci.bus_start,
		.bus_end = cfg->pci.bus_end,
	};
	size_t off;

	memset(&m, 0, sizeof(m));
	header_init(&m.h, "MCFG", MCFG_REVISION, cfg);
	off = out_put(o, &m, sizeof(m), TABLE_ALIGN);
	out_put(o, &e, sizeof(e), 1);
	return table_end(o, off);
}

static uint64_t build_xsdt(struct out *o, const struct acpi_config *cfg,
			   const uint64_t *tables, unsigned int n)
{
	struct acpi_header h;
	size_t off;

	header_init(&h, "XSDT", XSDT_REVISION, cfg);
	off = out_put(o, &h, sizeof(h), TABLE_ALIGN);
	for (unsigned int i = 0; i < n; i++)
		out_put(o, &tables[i], sizeof(tables[i]), 1);
	return table_end(o, off);
}

/*
 * Processor devices (8.4 "Declaring Processors"): C000, C001, ... with
 * _HID ACPI0007 and the _UID of their MADT entry.
 */
static void dsdt_cpus(struct aml *a, unsigned int ncpus)
{
	static const char hex[] = "0123456789ABCDEF";

	for (unsigned int i = 0; i < ncpus; i++) {
		char name[5] = { 'C', hex[(i >> 8) & 0xf], hex[(i >> 4) & 0xf],
				 hex[i & 0xf], '\0' };
		size_t dev = aml_device(a, name);

		aml_name_str(a, "_HID", "ACPI0007");
		aml_name_int(a, "_UID", i);
		aml_end(a, dev);
	}
}

/* An ISA device with one fixed I/O range and one IRQ. */
static void dsdt_isa(struct aml *a, const char *name, const char *hid,
		     uint16_t port, uint8_t len, unsigned int irq)
{
	size_t dev = aml_device(a, name), res;

	aml_name_eisaid(a, "_HID", hid);
	aml_name_int(a, "_UID", 1);
	aml_name(a, "_CRS");
	res = aml_resource(a);
	aml_res_io(a, port, port, 1, len);
	aml_res_irq(a, irq);
	aml_resource_end(a, res);
	aml_end(a, dev);
}

/*
 * _PRT (6.2.13): one entry per slot and pin, {address 0xSSSSFFFF (any
 * function of slot S), pin, source 0 (a GSI, not a link device), GSI}.
 */
static void dsdt_prt(struct aml *a, const struct acpi_pci *pci)
{
	size_t prt;

	aml_name(a, "_PRT");
	prt = aml_package(a, PCI_SLOTS * PCI_PINS);
	for (unsigned int slot = 0; slot < PCI_SLOTS; slot++) {
		for (unsigned int pin = 0; pin < PCI_PINS; pin++) {
			size_t e = aml_package(a, 4);

			aml_int(a, (uint64_t)slot << 16 | 0xffff);
			aml_int(a, pin);
			aml_int(a, 0);
			aml_int(a, pci->prt_gsi[(slot + pin) % PCI_PINS]);
			aml_end(a, e);
		}
	}
	aml_end(a, prt);
}

/*
 * The PCI Express host bridge (6.1.5 _HID, 6.1.2 _CID, 6.5.6 _SEG, 6.5.5
 * _BBN, 6.2.2 _CRS): the bus range, the configuration ports, the I/O
 * below them and the I/O and memory windows it forwards.
 */
static void dsdt_pci(struct aml *a, const struct acpi_pci *pci)
{
	size_t dev = aml_device(a, "PCI0"), res;

	aml_name_eisaid(a, "_HID", "PNP0A08");
	aml_name_eisaid(a, "_CID", "PNP0A03");
	aml_name_int(a, "_SEG", 0);
	aml_name_int(a, "_BBN", pci->bus_start);
	aml_name_int(a, "_UID", 0);
	aml_name(a, "_CRS");
	res = aml_resource(a);
	aml_res_word_bus(a, pci->bus_start, pci->bus_end);
	aml_res_io(a, PCI_CONFIG_PORT, PCI_CONFIG_PORT, 1, PCI_CONFIG_LEN);
	aml_res_word_io(a, 0, PCI_CONFIG_PORT - 1);
	if (pci->io_size)
		aml_res_word_io(a, pci->io_base,
				(uint16_t)(pci->io_base + pci->io_size - 1));
	if (pci->mmio32_size)
		aml_res_dword_mem(
			a, (uint32_t)pci->mmio32_base,
			(uint32_t)(pci->mmio32_base + pci->mmio32_size - 1));
	if (pci->mmio64_size)
		aml_res_qword_mem(a, pci->mmio64_base,
				  pci->mmio64_base + pci->mmio64_size - 1);
	aml_resource_end(a, res);
	dsdt_prt(a, pci);
	aml_end(a, dev);
}

/*
 * The ECAM as a motherboard resource (PNP0C02): the PCI Firmware
 * Specification 3.2, 4.1.2, asks that the MCFG's area be reserved there,
 * and Linux uses MMCONFIG only when it is.  An area above 4 GiB cannot be
 * described by Memory32Fixed and is left out.
 */
static void dsdt_ecam(struct aml *a, const struct acpi_pci *pci)
{
	uint64_t len = (uint64_t)(pci->bus_end - pci->bus_start + 1) << 20;
	size_t dev, res;

	if (pci->ecam_base + len > FOUR_GIB)
		return;
	dev = aml_device(a, "MRES");
	aml_name_eisaid(a, "_HID", "PNP0C02");
	aml_name_int(a, "_UID", 0);
	aml_name(a, "_CRS");
	res = aml_resource(a);
	aml_res_mem32_fixed(a, true, (uint32_t)pci->ecam_base, (uint32_t)len);
	aml_resource_end(a, res);
	aml_end(a, dev);
}

static void dsdt_body(struct aml *a, const struct acpi_config *cfg)
{
	size_t pkg, sb;

	/* \_S5 ("\_Sx (System States)"): SLP_TYPa, SLP_TYPb, two reserved. */
	aml_name(a, "\\_S5");
	pkg = aml_package(a, 4);
	aml_int(a, cfg->s5_slp_typ);
	aml_int(a, cfg->s5_slp_typ);
	aml_int(a, 0);
	aml_int(a, 0);
	aml_end(a, pkg);

	sb = aml_scope(a, "\\_SB");
	dsdt_cpus(a, cfg->ncpus);
	if (cfg->com1)
		dsdt_isa(a, "COM1", "PNP0501", 0x3f8, 8, 4);
	if (cfg->rtc)
		dsdt_isa(a, "RTC", "PNP0B00", 0x70, 2, 8);
	if (cfg->pci.present) {
		dsdt_pci(a, &cfg->pci);
		dsdt_ecam(a, &cfg->pci);
	}
	aml_end(a, sb);
}

static uint64_t build_dsdt(struct out *o, const struct acpi_config *cfg)
{
	struct acpi_header h;
	struct aml a;
	size_t off;

	header_init(&h, "DSDT", DSDT_REVISION, cfg);
	off = out_put(o, &h, sizeof(h), TABLE_ALIGN);
	if (o->err)
		return 0;
	aml_init(&a, o->buf + o->len, o->cap - o->len);
	dsdt_body(&a, cfg);
	if (aml_error(&a)) {
		o->err = aml_error(&a);
		return 0;
	}
	o->len += a.len;
	return table_end(o, off);
}

static void fill_rsdp(struct out *o, size_t off, const struct acpi_config *cfg,
		      uint64_t xsdt)
{
	struct acpi_rsdp r;

	memset(&r, 0, sizeof(r));
	memcpy(r.signature, "RSD PTR ", sizeof(r.signature));
	acpi_put_id(r.oem_id, oem_id(cfg), sizeof(r.oem_id));
	r.revision = RSDP_REVISION;
	r.rsdt_addr = 0; /* no RSDT */
	r.length = sizeof(r);
	r.xsdt_addr = xsdt;
	r.checksum = (uint8_t)-acpi_checksum(&r, ACPI_RSDP_V1_LEN);
	r.ext_checksum = (uint8_t)-acpi_checksum(&r, sizeof(r));
	memcpy(o->buf + off, &r, sizeof(r));
}

int acpi_build(const struct acpi_config *cfg, uint8_t *buf, size_t len,
	       uint64_t base, uint64_t *rsdp_gpa, size_t *used)
{
	struct out o = { .buf = buf, .cap = len, .base = base };
	uint64_t tables[MAX_XSDT_ENTRIES], facs, dsdt, xsdt;
	unsigned int n = 0;
	size_t rsdp;
	int ret;

	if (!cfg || !buf || !rsdp_gpa || !used || base % TABLE_ALIGN ||
	    len > UINT64_MAX - base)
		return -EINVAL;
	ret = check_config(cfg);
	if (ret)
		return ret;

	rsdp = out_reserve(&o, sizeof(struct acpi_rsdp), TABLE_ALIGN);
	facs = build_facs(&o);
	dsdt = build_dsdt(&o, cfg);
	tables[n++] = build_fadt(&o, cfg, facs, dsdt);
	tables[n++] = build_madt(&o, cfg);
	if (cfg->pci.present)
		tables[n++] = build_mcfg(&o, cfg);
	xsdt = build_xsdt(&o, cfg, tables, n);
	if (o.err)
		return o.err;
	fill_rsdp(&o, rsdp, cfg, xsdt);

	*rsdp_gpa = base + rsdp;
	*used = o.len;
	return 0;
}
