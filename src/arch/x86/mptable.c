/*
 * mptable.c: builds the MP floating pointer and configuration table.  See
 * mptable.h; the section numbers are the MP spec 1.4's.
 *
 * Entry sizes (4.3): processor 20 bytes, bus, I/O APIC, I/O interrupt and
 * local interrupt 8 bytes each; the table header 44.  With 255 CPUs and
 * PCI: 44 + 5100 + 16 + 8 + 15 * 8 + 128 * 8 + 2 * 8 = 6,328 bytes.
 */
#include "arch/x86/mptable.h"

#include <errno.h>
#include <string.h>

#include "arch/x86/acpi.h" /* acpi_checksum, acpi_put_id: the same */

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "the entries are filled in host byte order");

#define MP_SPEC_REV 4 /* 1.4 */
#define MP_ISA_IRQS 16

/* 4.1, Table 4-1 */
struct mp_floating {
	char signature[4]; /* "_MP_" */
	uint32_t physptr;
	uint8_t length; /* in 16-byte units: 1 */
	uint8_t spec_rev;
	uint8_t checksum;
	uint8_t feature[5];
} __attribute__((packed));

/* 4.2, Table 4-2 */
struct mp_header {
	char signature[4]; /* "PCMP" */
	uint16_t length;
	uint8_t spec_rev;
	uint8_t checksum;
	char oem_id[8];
	char product_id[12];
	uint32_t oem_table;
	uint16_t oem_table_size;
	uint16_t entries;
	uint32_t lapic_addr;
	uint16_t ext_length;
	uint8_t ext_checksum;
	uint8_t reserved;
} __attribute__((packed));

enum mp_entry_type {
	MP_PROCESSOR = 0,
	MP_BUS = 1,
	MP_IOAPIC = 2,
	MP_IOINT = 3,
	MP_LINT = 4,
};

/* 4.3.1, Table 4-4 */
struct mp_processor {
	uint8_t type;
	uint8_t lapic_id;
	uint8_t lapic_version;
	uint8_t flags; /* bit 0 EN, bit 1 BP */
	uint32_t signature;
	uint32_t features;
	uint32_t reserved[2];
} __attribute__((packed));

#define MP_CPU_EN 0x01
#define MP_CPU_BP 0x02

/* 4.3.2, Table 4-7 */
struct mp_bus {
	uint8_t type;
	uint8_t id;
	char bus_type[6];
} __attribute__((packed));

/* 4.3.3, Table 4-9 */
struct mp_ioapic {
	uint8_t type;
	uint8_t id;
	uint8_t version;
	uint8_t flags; /* bit 0 EN */
	uint32_t addr;
} __attribute__((packed));

/* 4.3.4 and 4.3.5, Tables 4-10 and 4-12: the same shape. */
struct mp_int {
	uint8_t type;
	uint8_t int_type; /* Table 4-11 */
	uint16_t flags;	  /* PO bits 1:0, EL bits 3:2 */
	uint8_t src_bus;
	uint8_t src_irq;
	uint8_t dst_id; /* I/O APIC ID; for LINT, 0xff: every local APIC */
	uint8_t dst_pin;
} __attribute__((packed));

enum mp_int_type { MP_INT = 0, MP_NMI = 1, MP_EXTINT = 3 };

#define MP_PO_HIGH   0x1
#define MP_PO_LOW    0x3
#define MP_EL_EDGE   (0x1 << 2)
#define MP_EL_LEVEL  (0x3 << 2)
#define MP_ALL_LAPIC 0xff

_Static_assert(sizeof(struct mp_floating) == MPTABLE_MPF_SIZE, "4.1");
_Static_assert(sizeof(struct mp_header) == 44, "4.2");
_Static_assert(sizeof(struct mp_processor) == 20, "4.3.1");
_Static_assert(sizeof(struct mp_bus) == 8 && sizeof(struct mp_ioapic) == 8 &&
		       sizeof(struct mp_int) == 8,
	       "4.3.2-4.3.5");

#define OEM_ID_DEFAULT "HYVE"
#define PRODUCT_ID     "hyve"

/* The bus IDs: PCI bus 0 keeps its number, ISA follows the PCI bus. */
static uint8_t isa_bus(const struct mptable_config *cfg)
{
	return cfg->pci ? 1 : 0;
}

static unsigned int entry_count(const struct mptable_config *cfg)
{
	unsigned int pci = cfg->pci ? MPTABLE_PCI_SLOTS * MPTABLE_PCI_PINS : 0;

	/* CPUs, buses, the I/O APIC, ISA IRQs but 2 (the cascade), PCI
	 * INTx, LINT0 and LINT1 */
	return cfg->ncpus + (cfg->pci ? 2 : 1) + 1 + (MP_ISA_IRQS - 1) + pci +
	       2;
}

size_t mptable_size(const struct mptable_config *cfg)
{
	return sizeof(struct mp_header) +
	       cfg->ncpus * sizeof(struct mp_processor) +
	       (entry_count(cfg) - cfg->ncpus) * sizeof(struct mp_int);
}

/* Appends entries to a buffer whose room was checked beforehand. */
struct mp_out {
	uint8_t *p;
};

static void put(struct mp_out *o, const void *e, size_t n)
{
	memcpy(o->p, e, n);
	o->p += n;
}

static void put_int(struct mp_out *o, uint8_t type, uint8_t int_type,
		    uint16_t flags, uint8_t bus, uint8_t irq, uint8_t dst,
		    uint8_t pin)
{
	struct mp_int e = {
		.type = type,
		.int_type = int_type,
		.flags = flags,
		.src_bus = bus,
		.src_irq = irq,
		.dst_id = dst,
		.dst_pin = pin,
	};

	put(o, &e, sizeof(e));
}

static void put_cpus(struct mp_out *o, const struct mptable_config *cfg)
{
	for (unsigned int i = 0; i < cfg->ncpus; i++) {
		struct mp_processor e = {
			.type = MP_PROCESSOR,
			.lapic_id = (uint8_t)i,
			.lapic_version = cfg->lapic_version,
			.flags = MP_CPU_EN | (i == 0 ? MP_CPU_BP : 0),
			.signature = cfg->cpu_signature,
			.features = cfg->cpu_features,
		};
		put(o, &e, sizeof(e));
	}
}

static void put_buses(struct mp_out *o, const struct mptable_config *cfg)
{
	struct mp_bus pci = { .type = MP_BUS, .id = 0 };
	struct mp_bus isa = { .type = MP_BUS, .id = isa_bus(cfg) };

	memcpy(pci.bus_type, "PCI   ", sizeof(pci.bus_type));
	memcpy(isa.bus_type, "ISA   ", sizeof(isa.bus_type));
	if (cfg->pci)
		put(o, &pci, sizeof(pci));
	put(o, &isa, sizeof(isa));
}

/*
 * The ISA IRQs as the MADT routes them (flags 0: conform to the bus,
 * which for ISA is edge-triggered, active high), then PCI INTx: the
 * source IRQ of a PCI interrupt is the device number in bits 6:2 and the
 * pin in bits 1:0 (4.3.4, "PCI bus").
 */
static void put_ioints(struct mp_out *o, const struct mptable_config *cfg)
{
	const uint8_t isa = isa_bus(cfg), id = cfg->ioapic_id;

	for (uint8_t irq = 0; irq < MP_ISA_IRQS; irq++) {
		uint16_t flags = 0;

		if (irq == 2)
			continue;
		if (cfg->sci_irq && irq == cfg->sci_irq)
			flags = MP_PO_HIGH | MP_EL_LEVEL;
		put_int(o, MP_IOINT, MP_INT, flags, isa, irq, id,
			irq == 0 ? 2 : irq);
	}
	if (!cfg->pci)
		return;
	for (uint8_t slot = 0; slot < MPTABLE_PCI_SLOTS; slot++)
		for (uint8_t pin = 0; pin < MPTABLE_PCI_PINS; pin++)
			put_int(o, MP_IOINT, MP_INT, MP_PO_LOW | MP_EL_LEVEL, 0,
				(uint8_t)(slot << 2 | pin), id,
				cfg->pci_gsi[(slot + pin) % MPTABLE_PCI_PINS]);
}

static int check_config(const struct mptable_config *cfg)
{
	if (!cfg || cfg->ncpus < 1 || cfg->ncpus > MPTABLE_MAX_CPUS)
		return -EINVAL;
	if (cfg->ioapic_id < cfg->ncpus)
		return -EINVAL;
	if (!cfg->lapic_addr || !cfg->ioapic_addr)
		return -EINVAL;
	if (cfg->sci_irq == 2 || cfg->sci_irq >= MP_ISA_IRQS)
		return -EINVAL;
	return 0;
}

int mptable_build(const struct mptable_config *cfg,
		  uint8_t mpf[MPTABLE_MPF_SIZE], uint8_t *mpc, size_t len,
		  uint64_t mpc_gpa, size_t *used)
{
	struct mp_floating f = { .length = 1, .spec_rev = MP_SPEC_REV };
	struct mp_header h = { .spec_rev = MP_SPEC_REV };
	struct mp_ioapic io = { .type = MP_IOAPIC, .flags = 1 };
	struct mp_out o = { .p = mpc };
	size_t size;
	int r = check_config(cfg);

	if (r)
		return r;
	if (mpc_gpa % 4 || mpc_gpa + len > 0x100000000ULL)
		return -EINVAL;
	size = mptable_size(cfg);
	if (size > len || size > UINT16_MAX)
		return -ENOSPC;

	memcpy(h.signature, "PCMP", sizeof(h.signature));
	h.length = (uint16_t)size;
	acpi_put_id(h.oem_id, cfg->oem_id ? cfg->oem_id : OEM_ID_DEFAULT,
		    sizeof(h.oem_id));
	acpi_put_id(h.product_id, PRODUCT_ID, sizeof(h.product_id));
	h.entries = (uint16_t)entry_count(cfg);
	h.lapic_addr = cfg->lapic_addr;
	put(&o, &h, sizeof(h));
	put_cpus(&o, cfg);
	put_buses(&o, cfg);
	io.id = cfg->ioapic_id;
	io.version = cfg->ioapic_version;
	io.addr = cfg->ioapic_addr;
	put(&o, &io, sizeof(io));
	put_ioints(&o, cfg);
	put_int(&o, MP_LINT, MP_EXTINT, 0, isa_bus(cfg), 0, MP_ALL_LAPIC, 0);
	put_int(&o, MP_LINT, MP_NMI, MP_PO_HIGH | MP_EL_EDGE, isa_bus(cfg), 0,
		MP_ALL_LAPIC, 1);
	mpc[offsetof(struct mp_header, checksum)] =
		(uint8_t)-acpi_checksum(mpc, size);

	memcpy(f.signature, "_MP_", sizeof(f.signature));
	f.physptr = (uint32_t)mpc_gpa;
	f.checksum = (uint8_t)-acpi_checksum(&f, sizeof(f));
	memcpy(mpf, &f, sizeof(f));
	*used = size;
	return 0;
}
