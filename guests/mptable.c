/*
 * mptable: finds and reads hyve's MP table the way the MP spec 1.4 tells
 * an OS to (chapter 4), with the offsets taken from the spec, not from
 * hyve's headers:
 * - the floating pointer, searched on 16-byte boundaries in the first KiB
 *   of the EBDA (its segment in the BIOS data area's word at 0x40e), else
 *   the last KiB of base memory (the word at 0x413, in KiB), else the BIOS
 *   ROM area 0xf0000-0xfffff; its length, revision and checksum (4.1);
 * - the configuration table (4.2): signature, length, checksum, revision,
 *   entry count, the local APIC address;
 * - the entries (4.3), in type order: as many enabled processors as boot
 *   info's vCPUs with distinct APIC IDs and one bootstrap processor; an
 *   ISA bus; one I/O APIC at 0xfec00000 whose ID is no CPU's; ISA IRQ 0 on
 *   INTIN2 and no entry for IRQ 2; LINT0 ExtINT and LINT1 NMI.
 * It prints what it finds and returns PASS (status 85 with --debug-exit)
 * unless a check failed (FAIL, 87).
 */
#include "rt.h"
#include "x86.h"

#define PASS 0x2a
#define FAIL 0x2b

static bool ok = true;

static void check(bool cond, const char *what)
{
	if (!cond) {
		rt_printf("mptable: FAILED: %s\n", what);
		ok = false;
	}
}

/* A valid floating pointer in [base, base + len), or 0. */
static uint64_t scan(uint64_t base, uint64_t len)
{
	for (uint64_t a = base; a + 16 <= base + len; a += 16)
		if (mem_le32(a) == 0x5f504d5f /* "_MP_" */ &&
		    mmio_read8(a + 8) == 1 && mem_sum8(a, 16) == 0)
			return a;
	return 0;
}

static uint64_t find_mpf(void)
{
	uint64_t bda = 0x400, ebda, base_kib, a = 0;

	/* An address gcc cannot see: it takes one below 4 KiB for NULL's. */
	__asm__("" : "+r"(bda));
	ebda = (uint64_t)mem_le16(bda + 0x0e) << 4;
	base_kib = mem_le16(bda + 0x13);

	rt_printf("mptable: BDA: EBDA at %#lx, %lu KiB of base memory\n", ebda,
		  base_kib);
	if (ebda)
		a = scan(ebda, 1024);
	if (!a && base_kib)
		a = scan(base_kib * 1024 - 1024, 1024);
	if (!a)
		a = scan(0xf0000, 0x10000);
	return a;
}

struct found {
	unsigned int cpus, bsps, isa_buses, ioapics, lints;
	uint8_t isa_bus, ioapic_id;
	int irq0_pin, irq2_pin;
	bool ids[256], extint0, nmi1;
};

static void entry_cpu(uint64_t p, struct found *f)
{
	uint8_t id = mmio_read8(p + 1), flags = mmio_read8(p + 3);

	if (!(flags & 1))
		return;
	check(!f->ids[id], "distinct APIC IDs");
	f->ids[id] = true;
	f->cpus++;
	if (flags & 2) {
		f->bsps++;
		rt_printf("mptable: bootstrap processor APIC ID %u\n", id);
	}
}

static void entry_ioint(uint64_t p, struct found *f)
{
	uint8_t bus = mmio_read8(p + 4), irq = mmio_read8(p + 5);

	check(mmio_read8(p + 6) == f->ioapic_id, "interrupt to the I/O APIC");
	if (bus != f->isa_bus)
		return;
	if (irq == 0)
		f->irq0_pin = mmio_read8(p + 7);
	if (irq == 2)
		f->irq2_pin = mmio_read8(p + 7);
}

static void entries(uint64_t mpc, struct found *f)
{
	uint64_t p = mpc + 44, end = mpc + mem_le16(mpc + 4);
	unsigned int n = 0;
	int last = -1;

	while (p < end) {
		uint8_t type = mmio_read8(p);

		check(type >= last, "entries in type order");
		last = type;
		n++;
		switch (type) {
		case 0:
			entry_cpu(p, f);
			p += 20;
			continue;
		case 1:
			if (mem_le32(p + 2) == 0x20415349 /* "ISA " */) {
				f->isa_bus = mmio_read8(p + 1);
				f->isa_buses++;
			}
			break;
		case 2:
			f->ioapic_id = mmio_read8(p + 1);
			f->ioapics++;
			rt_printf("mptable: I/O APIC id %u at %#x\n",
				  f->ioapic_id, mem_le32(p + 4));
			check(mem_le32(p + 4) == 0xfec00000,
			      "I/O APIC address");
			break;
		case 3:
			entry_ioint(p, f);
			break;
		case 4:
			f->lints++;
			if (mmio_read8(p + 1) == 3 && mmio_read8(p + 7) == 0)
				f->extint0 = true;
			if (mmio_read8(p + 1) == 1 && mmio_read8(p + 7) == 1)
				f->nmi1 = true;
			break;
		default:
			rt_printf("mptable: entry type %u\n", type);
			check(false, "known entry types");
			return;
		}
		p += 8;
	}
	check(p == end, "entries fill the table");
	check(n == mem_le16(mpc + 34), "ENTRY COUNT");
}

int main(const struct hyve_boot_info *bi)
{
	unsigned int cpus = bi ? bi->cpus : 1;
	struct found f = { .irq0_pin = -1, .irq2_pin = -1 };
	uint64_t mpf = find_mpf(), mpc;
	uint16_t len;

	if (!mpf) {
		rt_puts("mptable: no floating pointer\n");
		return FAIL;
	}
	mpc = mem_le32(mpf + 4);
	rt_printf("mptable: floating pointer at %#lx, revision 1.%u, "
		  "feature bytes %#x %#x, table at %#lx\n",
		  mpf, mmio_read8(mpf + 9), mmio_read8(mpf + 11),
		  mmio_read8(mpf + 12), mpc);
	check(mmio_read8(mpf + 9) == 4, "revision 1.4");
	check(mmio_read8(mpf + 11) == 0 && mpc, "a configuration table");
	if (!mpc || mem_le32(mpc) != 0x504d4350 /* "PCMP" */) {
		check(false, "the PCMP signature");
		return FAIL;
	}
	len = mem_le16(mpc + 4);
	rt_printf("mptable: PCMP at %#lx, %u bytes, %u entries, checksum %s, "
		  "local APIC at %#x\n",
		  mpc, len, mem_le16(mpc + 34),
		  mem_sum8(mpc, len) ? "BAD" : "ok", mem_le32(mpc + 36));
	check(mem_sum8(mpc, len) == 0, "table checksum");
	check(mem_le32(mpc + 36) == 0xfee00000, "local APIC address");
	entries(mpc, &f);
	rt_printf("mptable: %u processors, %u I/O APIC, ISA IRQ 0 on INTIN%d, "
		  "IRQ 2 %s, LINT0 %s, LINT1 %s\n",
		  f.cpus, f.ioapics, f.irq0_pin,
		  f.irq2_pin < 0 ? "unconnected" : "connected",
		  f.extint0 ? "ExtINT" : "-", f.nmi1 ? "NMI" : "-");
	check(f.cpus == cpus, "a processor per vCPU");
	check(f.bsps == 1, "one bootstrap processor");
	check(f.isa_buses == 1, "an ISA bus");
	check(f.ioapics == 1, "one I/O APIC");
	check(!f.ids[f.ioapic_id], "an I/O APIC ID that is no CPU's");
	check(f.irq0_pin == 2 && f.irq2_pin < 0, "IRQ 0 on INTIN2");
	check(f.extint0 && f.nmi1, "ExtINT on LINT0, NMI on LINT1");
	return ok ? PASS : FAIL;
}
