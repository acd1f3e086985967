/*
 * acpi_tables: reads hyve's ACPI tables the way an OS does (ACPI 6.5,
 * chapter 5), with the offsets taken from the spec, not from hyve's
 * headers:
 * - the RSDP by the legacy scan of 0xe0000-0xfffff on 16-byte boundaries
 *   (5.2.5.1), both its checksums (5.2.5.3);
 * - the XSDT (5.2.8) and every table it lists, each checksum (5.2.6);
 * - the FADT (5.2.9): PM1a_EVT_BLK, PM1a_CNT_BLK, PM_TMR_BLK, SCI_INT,
 *   RESET_REG/RESET_VALUE, CENTURY, the FACS (5.2.10), the DSDT (X_DSDT
 *   first);
 * - the MADT (5.2.12): Processor Local APICs (as many as boot info's
 *   vCPUs), one I/O APIC at 0xfec00000, the ISA IRQ 0 -> GSI 2 override;
 * - the DSDT: in its AML, the name _S5_ followed by a package whose first
 *   element is SLP_TYPa (7.4.2 "\_Sx (System States)").
 * Then it powers off as an OS enters S5 (16.1.7 "Transitioning from the
 * Working to the Soft Off State"): SLP_TYPa << 10 | SLP_EN to
 * PM1a_CNT_BLK; hyve ends with status 0, with or without --debug-exit.
 * A failed check ends with rt_exit(FAIL) (status 87 with --debug-exit);
 * no RSDP at all (--acpi off) with rt_exit(NO_RSDP) (status 89).
 */
#include "rt.h"
#include "x86.h"

#define FAIL	0x2b
#define NO_RSDP 0x2c

static bool ok = true;

static void check(bool cond, const char *what)
{
	if (!cond) {
		rt_printf("acpi: FAILED: %s\n", what);
		ok = false;
	}
}

static bool sig_is(uint64_t a, const char *sig, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (mmio_read8(a + i) != (uint8_t)sig[i])
			return false;
	return true;
}

static uint64_t find_rsdp(void)
{
	for (uint64_t a = 0xe0000; a < 0x100000; a += 16)
		if (sig_is(a, "RSD PTR ", 8))
			return a;
	return 0;
}

/* A table's header: print it and check its checksum; its length. */
static uint32_t table(uint64_t a)
{
	uint32_t len = mem_le32(a + 4);
	char sig[5] = { 0 };

	for (int i = 0; i < 4; i++)
		sig[i] = (char)mmio_read8(a + (uint64_t)i);
	bool good = len >= 36 && len < 0x20000 && mem_sum8(a, len) == 0;
	rt_printf("acpi: %s at %#lx, %u bytes, revision %u, checksum %s\n", sig,
		  a, len, mmio_read8(a + 8), good ? "ok" : "BAD");
	check(good, "table checksum");
	return good ? len : 0;
}

struct fadt_info {
	uint32_t pm1a_evt, pm1a_cnt, pm_tmr;
	uint16_t sci;
	uint64_t dsdt;
};

/* The FADT, 5.2.9 Table 5.9: byte offsets. */
static void fadt(uint64_t a, uint32_t len, struct fadt_info *fi)
{
	uint64_t x_dsdt = len >= 148 ? mem_le64(a + 140) : 0;
	uint32_t flags = mem_le32(a + 112);

	fi->sci = mem_le16(a + 46);
	fi->pm1a_evt = mem_le32(a + 56);
	fi->pm1a_cnt = mem_le32(a + 64);
	fi->pm_tmr = mem_le32(a + 76);
	fi->dsdt = x_dsdt ? x_dsdt : mem_le32(a + 40);
	rt_printf("acpi: FADT: SCI_INT %u PM1a_EVT_BLK %#x PM1a_CNT_BLK %#x "
		  "PM_TMR_BLK %#x\n",
		  fi->sci, fi->pm1a_evt, fi->pm1a_cnt, fi->pm_tmr);
	rt_printf("acpi: FADT: PM1_EVT_LEN %u PM1_CNT_LEN %u PM_TMR_LEN %u "
		  "CENTURY %#x flags %#x\n",
		  mmio_read8(a + 88), mmio_read8(a + 89), mmio_read8(a + 91),
		  mmio_read8(a + 108), flags);
	/* RESET_REG, a Generic Address Structure at 116; RESET_VALUE 128. */
	rt_printf("acpi: FADT: RESET_REG space %u width %u address %#lx "
		  "value %#x (RESET_REG_SUP %u)\n",
		  mmio_read8(a + 116), mmio_read8(a + 117), mem_le64(a + 120),
		  mmio_read8(a + 128), (flags >> 10) & 1);
	rt_printf("acpi: FADT: DSDT %#lx\n", fi->dsdt);
	/* The FACS (5.2.10): FIRMWARE_CTRL at 36, X_FIRMWARE_CTRL at 132. */
	uint64_t facs = mem_le32(a + 36);
	if (!facs && len >= 140)
		facs = mem_le64(a + 132);
	bool facs_ok =
		facs && sig_is(facs, "FACS", 4) && mem_le32(facs + 4) >= 64;
	rt_printf("acpi: FACS at %#lx %s\n", facs, facs_ok ? "ok" : "BAD");
	check(facs_ok, "a FACS");
}

/* The MADT, 5.2.12: the controller structures after byte 44. */
static void madt(uint64_t a, uint32_t len, unsigned int cpus)
{
	unsigned int lapics = 0, ioapics = 0;
	bool irq0 = false;

	rt_printf("acpi: MADT: local APIC address %#x flags %#x\n",
		  mem_le32(a + 36), mem_le32(a + 40));
	for (uint64_t p = a + 44; p + 2 <= a + len;) {
		uint8_t type = mmio_read8(p), l = mmio_read8(p + 1);

		if (l < 2 || p + l > a + len) {
			check(false, "MADT entry length");
			break;
		}
		switch (type) {
		case 0: /* Processor Local APIC */
			if (mem_le32(p + 4) & 1)
				lapics++;
			break;
		case 1: /* I/O APIC */
			ioapics++;
			rt_printf("acpi: MADT: I/O APIC id %u at %#x gsi base "
				  "%u\n",
				  mmio_read8(p + 2), mem_le32(p + 4),
				  mem_le32(p + 8));
			check(mem_le32(p + 4) == 0xfec00000,
			      "I/O APIC address");
			break;
		case 2: /* Interrupt Source Override */
			rt_printf(
				"acpi: MADT: override bus %u irq %u -> gsi %u "
				"flags %#x\n",
				mmio_read8(p + 2), mmio_read8(p + 3),
				mem_le32(p + 4), mem_le16(p + 8));
			if (mmio_read8(p + 3) == 0 && mem_le32(p + 4) == 2)
				irq0 = true;
			break;
		case 4: /* Local APIC NMI */
			rt_printf("acpi: MADT: NMI uid %#x lint%u\n",
				  mmio_read8(p + 2), mmio_read8(p + 5));
			break;
		default:
			rt_printf("acpi: MADT: entry type %u\n", type);
		}
		p += l;
	}
	rt_printf("acpi: MADT: %u local APICs, %u I/O APIC\n", lapics, ioapics);
	check(lapics == cpus, "one local APIC per vCPU");
	check(ioapics == 1, "one I/O APIC");
	check(irq0, "the IRQ 0 -> GSI 2 override");
}

/* An AML integer (20.2.3 DataObject): Zero, One, Ones, Byte..QWord. */
static bool aml_int(uint64_t p, uint64_t *v)
{
	switch (mmio_read8(p)) {
	case 0x00:
		*v = 0;
		return true;
	case 0x01:
		*v = 1;
		return true;
	case 0xff:
		*v = ~0ULL;
		return true;
	case 0x0a:
		*v = mmio_read8(p + 1);
		return true;
	case 0x0b:
		*v = mem_le16(p + 1);
		return true;
	case 0x0c:
		*v = mem_le32(p + 1);
		return true;
	case 0x0e:
		*v = mem_le64(p + 1);
		return true;
	}
	return false;
}

/* _S5_ then PackageOp PkgLength NumElements SLP_TYPa ...; -1: none. */
static int dsdt_s5(uint64_t a, uint32_t len)
{
	for (uint64_t p = a + 36; p + 8 < a + len; p++) {
		uint64_t q = p + 4, v;
		uint8_t lead;

		if (!sig_is(p, "_S5_", 4) || mmio_read8(q) != 0x12)
			continue;
		lead = mmio_read8(q + 1);
		q += 2 + (lead >> 6); /* PkgLength: 1-4 bytes */
		rt_printf("acpi: DSDT: _S5_ package of %u elements\n",
			  mmio_read8(q));
		if (aml_int(q + 1, &v) && v < 8)
			return (int)v;
		return -1;
	}
	return -1;
}

int main(const struct hyve_boot_info *bi)
{
	unsigned int cpus = bi ? bi->cpus : 1;
	struct fadt_info fi = { 0 };
	uint64_t rsdp = find_rsdp(), xsdt;
	bool have_fadt = false, have_madt = false;
	int slp_typ = -1;

	if (!rsdp) {
		rt_puts("acpi: no RSDP in 0xe0000-0xfffff\n");
		rt_exit(NO_RSDP);
	}
	rt_printf("acpi: RSDP at %#lx, revision %u, oem %c%c%c%c%c%c\n", rsdp,
		  mmio_read8(rsdp + 15), mmio_read8(rsdp + 9),
		  mmio_read8(rsdp + 10), mmio_read8(rsdp + 11),
		  mmio_read8(rsdp + 12), mmio_read8(rsdp + 13),
		  mmio_read8(rsdp + 14));
	bool c1 = mem_sum8(rsdp, 20) == 0;
	bool c2 = mem_le32(rsdp + 20) >= 36 &&
		  mem_sum8(rsdp, mem_le32(rsdp + 20)) == 0;
	rt_printf("acpi: RSDP checksum %s, extended checksum %s\n",
		  c1 ? "ok" : "BAD", c2 ? "ok" : "BAD");
	check(c1 && c2, "RSDP checksums");
	check(mmio_read8(rsdp + 15) >= 2, "RSDP revision 2 (XSDT)");
	xsdt = mem_le64(rsdp + 24);
	rt_printf("acpi: RSDT %#x XSDT %#lx\n", mem_le32(rsdp + 16), xsdt);
	if (!xsdt || !sig_is(xsdt, "XSDT", 4)) {
		check(false, "an XSDT");
		rt_exit(FAIL);
	}
	uint32_t xlen = table(xsdt);
	for (uint64_t e = xsdt + 36; xlen && e + 8 <= xsdt + xlen; e += 8) {
		uint64_t t = mem_le64(e);
		uint32_t len = table(t);

		if (!len)
			continue;
		if (sig_is(t, "FACP", 4)) {
			fadt(t, len, &fi);
			have_fadt = true;
		} else if (sig_is(t, "APIC", 4)) {
			madt(t, len, cpus);
			have_madt = true;
		}
	}
	check(have_fadt, "a FADT");
	check(have_madt, "a MADT");
	if (fi.dsdt && sig_is(fi.dsdt, "DSDT", 4)) {
		uint32_t len = table(fi.dsdt);
		if (len)
			slp_typ = dsdt_s5(fi.dsdt, len);
		rt_printf("acpi: DSDT: \\_S5 SLP_TYPa %d\n", slp_typ);
	} else {
		check(false, "a DSDT");
	}
	check(slp_typ >= 0, "\\_S5 in the DSDT");
	check(fi.pm1a_cnt != 0 && fi.pm1a_cnt < 0x10000, "PM1a_CNT_BLK");
	if (!ok)
		rt_exit(FAIL);

	rt_printf("acpi: entering S5: %#x to PM1a_CNT_BLK %#x\n",
		  (unsigned int)slp_typ << 10 | 1u << 13, fi.pm1a_cnt);
	outw((uint16_t)fi.pm1a_cnt, (uint16_t)(slp_typ << 10 | 1 << 13));
	for (unsigned int i = 0; i < 100000; i++)
		__asm__ volatile("pause");
	rt_puts("acpi: still running after S5\n");
	rt_exit(FAIL);
}
