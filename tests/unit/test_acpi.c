/*
 * test_acpi.c: the ACPI tables (arch/x86/acpi.c) for several machines.
 *
 * Each build is read back: the RSDP, every checksum and length, that the
 * XSDT and FADT reach every table, that no two tables overlap, the FADT
 * fields, the MADT entries and the MCFG.  Then each table goes to a fresh
 * directory under /tmp and through `iasl -d` (acpica-tools): any error,
 * warning or bad checksum it reports fails the test.  The DSDT's
 * disassembly must name the devices asked for and must compile back
 * (iasl -on) to the very same AML.  iasl cannot read an RSDP on its own,
 * so the RSDP is checked here only.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "arch/x86/acpi.h"
#include "arch/x86/memmap.h"

#define BUF_SIZE  (256 * 1024)
#define LOW_BASE  0xe0000ULL
#define FOUR_GIB  0x100000000ULL
#define MAX_TABLE 16

struct fx {
	char dir[64]; /* temporary directory, removed by teardown */
	uint8_t *buf;
};

/* One build, and where the walk found each table. */
struct tables {
	const struct acpi_config *cfg;
	const uint8_t *buf;
	uint64_t base;
	size_t used;
	uint64_t rsdp, xsdt, fadt, facs, dsdt, madt, mcfg;
	uint32_t dsdt_len;
	uint64_t start[MAX_TABLE], len[MAX_TABLE]; /* for the overlap check */
	unsigned int count;
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	fx->buf = calloc(1, BUF_SIZE);
	strcpy(fx->dir, "/tmp/hyve-test-acpi.XXXXXX");
	if (!fx->buf || !mkdtemp(fx->dir)) {
		free(fx->buf);
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	DIR *d = opendir(fx->dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlinkat(dirfd(d), e->d_name, 0);
	}
	if (d)
		closedir(d);
	rmdir(fx->dir);
	free(fx->buf);
	free(fx);
	return 0;
}

/* A PC like the one hyve builds; ncpus CPUs, PCI or not. */
static struct acpi_config make_cfg(unsigned int ncpus, bool pci)
{
	struct acpi_config c = {
		.ncpus = ncpus,
		.lapic_addr = 0xfee00000,
		.ioapic_addr = 0xfec00000,
		.ioapic_id = (uint8_t)ncpus,
		.pic = true,
		.pm1a_evt = 0x600,
		.pm1a_cnt = 0x604,
		.pm_tmr = 0x608,
		.sci_irq = 9,
		.reset_port = 0xcf9,
		.reset_value = 0x06,
		.s5_slp_typ = 5,
		.com1 = true,
		.rtc = true,
		.oem_id = "HYVE  ",
	};

	if (pci) {
		c.pci = (struct acpi_pci){
			.present = true,
			.ecam_base = 0xe0000000,
			.bus_start = 0,
			.bus_end = 0xff,
			.mmio32_base = 0xc0000000,
			.mmio32_size = 0x20000000,
			.mmio64_base = 0x8000000000ULL,
			.mmio64_size = 0x8000000000ULL,
			.io_base = 0x1000,
			.io_size = 0xf000,
			.prt_gsi = { 16, 17, 18, 19 },
		};
	}
	return c;
}

/* The bytes of [gpa, gpa + len), which must lie inside what was built. */
static const uint8_t *at(const struct tables *t, uint64_t gpa, uint64_t len)
{
	assert_true(gpa >= t->base);
	assert_true(len <= t->used);
	assert_true(gpa - t->base <= t->used - len);
	return t->buf + (gpa - t->base);
}

static void add_range(struct tables *t, uint64_t gpa, uint64_t len)
{
	assert_true(t->count < MAX_TABLE);
	t->start[t->count] = gpa;
	t->len[t->count++] = len;
}

/* A table with a standard header: signature, length, checksum, IDs. */
static const uint8_t *check_table(struct tables *t, uint64_t gpa,
				  const char *sig, uint32_t *len)
{
	struct acpi_header h;
	const uint8_t *p;

	assert_int_equal(gpa % 16, 0);
	memcpy(&h, at(t, gpa, sizeof(h)), sizeof(h));
	assert_memory_equal(h.signature, sig, 4);
	assert_true(h.length >= sizeof(h));
	p = at(t, gpa, h.length);
	assert_int_equal(acpi_checksum(p, h.length), 0);
	assert_memory_equal(h.oem_id,
			    t->cfg->oem_id ? t->cfg->oem_id : "HYVE  ", 6);
	assert_memory_equal(h.oem_table_id, "HYVE    ", 8);
	assert_memory_equal(h.creator_id, "HYVE", 4);
	add_range(t, gpa, h.length);
	*len = h.length;
	return p;
}

static void check_rsdp(struct tables *t)
{
	struct acpi_rsdp r;

	assert_int_equal(t->rsdp, t->base); /* first, for the legacy scan */
	assert_int_equal(t->rsdp % 16, 0);
	memcpy(&r, at(t, t->rsdp, sizeof(r)), sizeof(r));
	assert_memory_equal(r.signature, "RSD PTR ", 8);
	assert_int_equal(acpi_checksum(&r, ACPI_RSDP_V1_LEN), 0);
	assert_int_equal(acpi_checksum(&r, sizeof(r)), 0);
	assert_int_equal(r.revision, 2);
	assert_int_equal(r.length, sizeof(r));
	assert_int_equal(r.rsdt_addr, 0);
	assert_memory_equal(r.oem_id, t->cfg->oem_id, 6);
	add_range(t, t->rsdp, sizeof(r));
	t->xsdt = r.xsdt_addr;
}

/* The XSDT lists the FADT, the MADT and (with PCI) the MCFG, once each. */
static void check_xsdt(struct tables *t)
{
	uint32_t len;
	const uint8_t *p = check_table(t, t->xsdt, "XSDT", &len);
	unsigned int n = (len - 36) / 8;

	assert_int_equal((len - 36) % 8, 0);
	assert_int_equal(n, t->cfg->pci.present ? 3 : 2);
	for (unsigned int i = 0; i < n; i++) {
		uint64_t gpa, *slot = NULL;
		const uint8_t *sig;

		memcpy(&gpa, p + 36 + 8 * i, sizeof(gpa));
		sig = at(t, gpa, 4);
		if (!memcmp(sig, "FACP", 4))
			slot = &t->fadt;
		else if (!memcmp(sig, "APIC", 4))
			slot = &t->madt;
		else if (!memcmp(sig, "MCFG", 4))
			slot = &t->mcfg;
		if (!slot) {
			fail_msg("XSDT entry %u: %.4s", i, (const char *)sig);
		} else {
			assert_int_equal(*slot, 0); /* listed once */
			*slot = gpa;
		}
	}
}

static void check_gas_io(struct acpi_gas g, uint16_t port, unsigned int bits)
{
	assert_int_equal(g.space_id, ACPI_GAS_IO);
	assert_int_equal(g.bit_width, bits);
	assert_int_equal(g.bit_offset, 0);
	assert_int_equal(g.address, port);
}

static void check_fadt(struct tables *t)
{
	const struct acpi_config *c = t->cfg;
	struct acpi_fadt f;
	struct acpi_facs facs;
	uint32_t len;
	uint16_t boot;

	memcpy(&f, check_table(t, t->fadt, "FACP", &len), sizeof(f));
	assert_int_equal(len, sizeof(f));
	assert_int_equal(f.h.revision, 6);
	assert_int_equal(f.minor_version, 5);

	/* FACS: exactly one of the two pointers; DSDT: both agree. */
	if (f.firmware_ctrl) {
		assert_int_equal(f.x_firmware_ctrl, 0);
		t->facs = f.firmware_ctrl;
	} else {
		assert_true(f.x_firmware_ctrl >= FOUR_GIB);
		t->facs = f.x_firmware_ctrl;
	}
	t->dsdt = f.x_dsdt;
	assert_int_equal(f.dsdt, t->dsdt < FOUR_GIB ? t->dsdt : 0);
	assert_int_equal(t->facs % 64, 0);
	memcpy(&facs, at(t, t->facs, sizeof(facs)), sizeof(facs));
	assert_memory_equal(facs.signature, "FACS", 4);
	assert_int_equal(facs.length, 64);
	assert_int_equal(facs.version, 2);
	add_range(t, t->facs, sizeof(facs));

	assert_int_equal(f.smi_cmd, 0);
	assert_int_equal(f.acpi_enable, 0);
	assert_int_equal(f.acpi_disable, 0);
	assert_int_equal(f.sci_int, c->sci_irq);
	assert_int_equal(f.pm1a_evt_blk, c->pm1a_evt);
	assert_int_equal(f.pm1_evt_len, 4);
	check_gas_io(f.x_pm1a_evt_blk, c->pm1a_evt, 32);
	assert_int_equal(f.pm1a_cnt_blk, c->pm1a_cnt);
	assert_int_equal(f.pm1_cnt_len, 2);
	check_gas_io(f.x_pm1a_cnt_blk, c->pm1a_cnt, 16);
	assert_int_equal(f.pm_tmr_blk, c->pm_tmr);
	assert_int_equal(!!(f.flags & ACPI_FADT_F_TMR_VAL_EXT), !!c->pm_tmr);
	if (c->pm_tmr) {
		assert_int_equal(f.pm_tmr_len, 4);
		check_gas_io(f.x_pm_tmr_blk, c->pm_tmr, 32);
	}
	assert_int_equal(f.gpe0_blk, 0);
	assert_true(f.p_lvl2_lat > 100);
	assert_true(f.p_lvl3_lat > 1000);

	assert_true(f.flags & ACPI_FADT_F_WBINVD);
	assert_true(f.flags & ACPI_FADT_F_SLP_BUTTON);
	assert_false(f.flags & ACPI_FADT_F_HW_REDUCED);
	assert_int_equal(!!(f.flags & ACPI_FADT_F_PWR_BUTTON),
			 !c->power_button);
	assert_int_equal(!!(f.flags & ACPI_FADT_F_RESET_REG_SUP),
			 !!c->reset_port);
	if (c->reset_port) {
		check_gas_io(f.reset_reg, c->reset_port, 8);
		assert_int_equal(f.reset_value, c->reset_value);
	}

	boot = f.iapc_boot_arch;
	assert_true(boot & ACPI_FADT_BOOT_LEGACY_DEVICES);
	assert_true(boot & ACPI_FADT_BOOT_NO_ASPM);
	assert_false(boot & ACPI_FADT_BOOT_NO_MSI);
	assert_int_equal(!!(boot & ACPI_FADT_BOOT_8042), c->i8042);
	assert_int_equal(!!(boot & ACPI_FADT_BOOT_NO_VGA), !c->vga);
	assert_int_equal(!!(boot & ACPI_FADT_BOOT_NO_CMOS_RTC), !c->rtc);
}

static void check_madt_iso(const struct acpi_config *c,
			   const struct acpi_madt_iso *e)
{
	assert_int_equal(e->bus, 0);
	if (e->source == 0) {
		assert_int_equal(e->gsi, 2);
		assert_int_equal(e->flags, 0);
	} else {
		assert_int_equal(e->source, c->sci_irq);
		assert_int_equal(e->gsi, c->sci_irq);
		assert_int_equal(e->flags, ACPI_MADT_INTI_ACTIVE_HIGH |
						   ACPI_MADT_INTI_LEVEL);
	}
}

/* Walk every entry: one enabled LAPIC per CPU, in order, and the rest. */
static void check_madt(struct tables *t)
{
	const struct acpi_config *c = t->cfg;
	unsigned int lapics = 0, ioapics = 0, isos = 0, nmis = 0;
	struct acpi_madt m;
	uint32_t len, off;
	const uint8_t *p = check_table(t, t->madt, "APIC", &len);

	memcpy(&m, p, sizeof(m));
	assert_int_equal(m.lapic_addr, c->lapic_addr);
	assert_int_equal(m.flags, c->pic ? ACPI_MADT_PCAT_COMPAT : 0);
	for (off = sizeof(m); off < len; off += p[off + 1]) {
		struct acpi_madt_lapic l;
		struct acpi_madt_ioapic io;
		struct acpi_madt_iso iso;
		struct acpi_madt_lapic_nmi nmi;

		assert_true(len - off >= 2 && p[off + 1] >= 2);
		assert_true(p[off + 1] <= len - off);
		switch (p[off]) {
		case ACPI_MADT_LAPIC:
			assert_int_equal(p[off + 1], sizeof(l));
			memcpy(&l, p + off, sizeof(l));
			assert_int_equal(l.uid, lapics);
			assert_int_equal(l.apic_id, lapics);
			assert_int_equal(l.flags, ACPI_MADT_LAPIC_ENABLED);
			lapics++;
			break;
		case ACPI_MADT_IOAPIC:
			assert_int_equal(p[off + 1], sizeof(io));
			memcpy(&io, p + off, sizeof(io));
			assert_int_equal(io.id, c->ioapic_id);
			assert_int_equal(io.address, c->ioapic_addr);
			assert_int_equal(io.gsi_base, c->ioapic_gsi_base);
			ioapics++;
			break;
		case ACPI_MADT_ISO:
			assert_int_equal(p[off + 1], sizeof(iso));
			memcpy(&iso, p + off, sizeof(iso));
			check_madt_iso(c, &iso);
			isos++;
			break;
		case ACPI_MADT_LAPIC_NMI:
			assert_int_equal(p[off + 1], sizeof(nmi));
			memcpy(&nmi, p + off, sizeof(nmi));
			assert_int_equal(nmi.uid, 0xff);
			assert_int_equal(nmi.lint, 1);
			nmis++;
			break;
		default:
			fail_msg("MADT entry type %u", p[off]);
		}
	}
	assert_int_equal(off, len);
	assert_int_equal(lapics, c->ncpus);
	assert_int_equal(ioapics, 1);
	assert_int_equal(isos, 2);
	assert_int_equal(nmis, 1);
}

static void check_mcfg(struct tables *t)
{
	const struct acpi_pci *pci = &t->cfg->pci;
	struct acpi_mcfg_alloc e;
	uint32_t len;
	const uint8_t *p;

	if (!pci->present) {
		assert_int_equal(t->mcfg, 0);
		return;
	}
	p = check_table(t, t->mcfg, "MCFG", &len);
	assert_int_equal(len, sizeof(struct acpi_mcfg) + sizeof(e));
	memcpy(&e, p + sizeof(struct acpi_mcfg), sizeof(e));
	assert_int_equal(e.base, pci->ecam_base);
	assert_int_equal(e.segment, 0);
	assert_int_equal(e.bus_start, pci->bus_start);
	assert_int_equal(e.bus_end, pci->bus_end);
}

/*
 * No two structures overlap, the last one ends at used, and every byte
 * between them is zero.
 */
static void check_layout(const struct tables *t)
{
	bool *covered = calloc(t->used, sizeof(bool));
	uint64_t end = 0;

	assert_non_null(covered);
	for (unsigned int i = 0; i < t->count; i++) {
		uint64_t off = t->start[i] - t->base;

		for (uint64_t j = off; j < off + t->len[i]; j++) {
			assert_false(covered[j]);
			covered[j] = true;
		}
		if (off + t->len[i] > end)
			end = off + t->len[i];
	}
	assert_int_equal(end, t->used);
	for (size_t i = 0; i < t->used; i++) {
		if (!covered[i])
			assert_int_equal(t->buf[i], 0);
	}
	free(covered);
}

/* Build and check everything that needs no iasl. */
static void build(struct fx *fx, struct tables *t,
		  const struct acpi_config *cfg, uint64_t base)
{
	uint64_t rsdp = 0;
	size_t used = 0;

	memset(t, 0, sizeof(*t));
	memset(fx->buf, 0xa5, BUF_SIZE); /* padding must come out zero */
	assert_int_equal(acpi_build(cfg, fx->buf, BUF_SIZE, base, &rsdp, &used),
			 0);
	t->cfg = cfg;
	t->buf = fx->buf;
	t->base = base;
	t->used = used;
	t->rsdp = rsdp;
	check_rsdp(t);
	check_xsdt(t);
	check_fadt(t);
	check_madt(t);
	check_mcfg(t);
	check_table(t, t->dsdt, "DSDT", &t->dsdt_len);
	assert_int_equal(t->buf[(t->dsdt - base) + 8], 2); /* revision */
	check_layout(t);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *s = NULL;
	size_t cap = 0, n = 0;

	assert_non_null(f);
	for (;;) {
		if (cap - n < 4096) {
			cap = cap ? 2 * cap : 65536;
			s = realloc(s, cap + 1);
			assert_non_null(s);
		}
		size_t got = fread(s + n, 1, cap - n, f);

		if (!got)
			break;
		n += got;
	}
	fclose(f);
	s[n] = '\0';
	if (len)
		*len = n;
	return s;
}

static void write_file(const char *dir, const char *name, const void *p,
		       size_t n)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/*
 * Run a command in dir (under a timeout: iasl loops on some bad tables);
 * it must exit 0.  Returns what it printed.
 */
static char *run(const char *dir, const char *cmd)
{
	char line[512];
	char *out;
	int st;

	snprintf(line, sizeof(line), "cd %s && timeout 120 %s >out.txt 2>&1",
		 dir, cmd);
	st = system(line);
	snprintf(line, sizeof(line), "%s/out.txt", dir);
	out = read_file(line, NULL);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("`%s` failed (status 0x%x; iasl is in acpica-tools):"
			 "\n%s",
			 cmd, st, out);
	return out;
}

/*
 * The first word, in any case, that iasl never prints for a good table
 * (a bad checksum shows as "Incorrect checksum" in the .dsl only), or NULL.
 */
static const char *iasl_complaint(const char *text)
{
	static const char *const bad[] = { "error", "warning", "incorrect",
					   "invalid", "****" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (strcasestr(text, bad[i]))
			return bad[i];
	}
	return NULL;
}

static void assert_clean(const char *what, const char *text)
{
	const char *word = iasl_complaint(text);

	if (word)
		fail_msg("%s: iasl says \"%s\":\n%s", what, word, text);
}

/*
 * Save len bytes as NAME.dat and disassemble them; returns the text of
 * NAME.dsl, and in *said what iasl printed.
 */
static char *disassemble(struct fx *fx, const char *name, const void *p,
			 size_t len, char **said)
{
	char file[32], cmd[64], path[128];

	snprintf(file, sizeof(file), "%s.dat", name);
	write_file(fx->dir, file, p, len);
	snprintf(cmd, sizeof(cmd), "iasl -d %s", file);
	*said = run(fx->dir, cmd);
	snprintf(path, sizeof(path), "%s/%s.dsl", fx->dir, name);
	return read_file(path, NULL);
}

/* Disassemble the table at gpa: iasl must find nothing wrong. */
static char *iasl_d(struct fx *fx, const struct tables *t, const char *name,
		    uint64_t gpa, size_t len)
{
	char *said, *dsl = disassemble(fx, name, at(t, gpa, len), len, &said);

	assert_clean(name, said);
	assert_clean(name, dsl);
	free(said);
	return dsl;
}

static unsigned int count(const char *hay, const char *needle)
{
	unsigned int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* The DSDT: what it must say, and iasl must compile it back to itself. */
static void check_dsdt_text(struct fx *fx, const struct tables *t,
			    const char *dsl)
{
	const struct acpi_config *c = t->cfg;
	char path[128];
	size_t n;
	char *out, *aml;

	assert_non_null(strstr(dsl, "Name (\\_S5, Package (0x04)"));
	assert_int_equal(count(dsl, "\"ACPI0007\""), c->ncpus);
	assert_int_equal(!!strstr(dsl, "EisaId (\"PNP0501\")"), c->com1);
	assert_int_equal(!!strstr(dsl, "EisaId (\"PNP0B00\")"), c->rtc);
	assert_int_equal(!!strstr(dsl, "EisaId (\"PNP0A08\")"), c->pci.present);
	assert_int_equal(!!strstr(dsl, "EisaId (\"PNP0A03\")"), c->pci.present);
	assert_int_equal(!!strstr(dsl, "Name (_PRT, Package (0x80)"),
			 c->pci.present);
	assert_int_equal(!!strstr(dsl, "QWordMemory"),
			 c->pci.present && c->pci.mmio64_size);
	/* The ECAM is a motherboard resource, so Linux trusts the MCFG. */
	assert_int_equal(!!strstr(dsl, "EisaId (\"PNP0C02\")"), c->pci.present);
	if (c->pci.present) {
		char ecam[96];
		snprintf(ecam, sizeof(ecam),
			 "Memory32Fixed (ReadWrite,\n"
			 "                    0x%08llX,",
			 (unsigned long long)c->pci.ecam_base);
		assert_non_null(strstr(dsl, ecam));
	}

	out = run(fx->dir, "iasl -on -p re DSDT.dsl");
	if (!strstr(out, "Compilation successful. 0 Errors, 0 Warnings"))
		fail_msg("DSDT.dsl does not compile cleanly:\n%s", out);
	free(out);
	snprintf(path, sizeof(path), "%s/re.aml", fx->dir);
	aml = read_file(path, &n);
	assert_int_equal(n, t->dsdt_len);
	assert_memory_equal(aml + 36, at(t, t->dsdt, n) + 36, n - 36);
	free(aml);
}

static void check_iasl(struct fx *fx, const struct tables *t)
{
	static const char *const names[] = { "XSDT", "FACP", "APIC", "MCFG" };
	const uint64_t gpa[] = { t->xsdt, t->fadt, t->madt, t->mcfg };
	uint32_t len;
	char *dsl;

	for (unsigned int i = 0; i < 4; i++) {
		if (!gpa[i])
			continue;
		memcpy(&len, at(t, gpa[i] + 4, 4), 4);
		free(iasl_d(fx, t, names[i], gpa[i], len));
	}
	free(iasl_d(fx, t, "FACS", t->facs, sizeof(struct acpi_facs)));
	dsl = iasl_d(fx, t, "DSDT", t->dsdt, t->dsdt_len);
	check_dsdt_text(fx, t, dsl);
	free(dsl);
}

static void test_one_cpu(void **state)
{
	struct acpi_config c = make_cfg(1, false);
	struct tables t;

	build(*state, &t, &c, LOW_BASE);
	check_iasl(*state, &t);
}

static void test_two_cpus_pci(void **state)
{
	struct acpi_config c = make_cfg(2, true);
	struct tables t;

	c.power_button = true;
	c.i8042 = true;
	c.vga = true;
	c.pic = false;
	c.oem_id = "ABCDEF";
	build(*state, &t, &c, LOW_BASE);
	check_iasl(*state, &t);
}

static void test_max_cpus_pci(void **state)
{
	struct acpi_config c = make_cfg(ACPI_MAX_CPUS, true);
	struct tables t;

	c.pci.mmio64_size = 0; /* no 64-bit window */
	c.pci.bus_start = 0;
	c.pci.bus_end = 0x3f;
	build(*state, &t, &c, LOW_BASE);
	check_iasl(*state, &t);
}

/* No COM1, RTC, PM timer or reset register. */
static void test_minimal(void **state)
{
	struct acpi_config c = make_cfg(1, false);
	struct tables t;

	c.com1 = false;
	c.rtc = false;
	c.pm_tmr = 0;
	c.reset_port = 0;
	build(*state, &t, &c, LOW_BASE);
	check_iasl(*state, &t);
}

/* Above 4 GiB, and a base that is not 64-byte aligned for the FACS. */
static void test_high_base(void **state)
{
	struct acpi_config c = make_cfg(4, true);
	struct tables t;

	build(*state, &t, &c, FOUR_GIB + 0x10);
	assert_int_equal(t.facs % 64, 0);
	assert_true(t.facs >= FOUR_GIB);
	build(*state, &t, &c, LOW_BASE + 0x30);
	check_iasl(*state, &t);
}

/* The iasl check itself: it must see a checksum that is off by one. */
static void test_iasl_sees_bad_checksum(void **state)
{
	struct fx *fx = *state;
	struct acpi_config c = make_cfg(2, false);
	struct tables t;
	char *said, *dsl;
	uint32_t len;

	build(fx, &t, &c, LOW_BASE);
	for (unsigned int i = 0; i < 2; i++) {
		uint64_t table = i ? t.dsdt : t.madt;
		uint8_t *copy;

		memcpy(&len, at(&t, table + 4, 4), 4);
		copy = malloc(len);
		assert_non_null(copy);
		memcpy(copy, at(&t, table, len), len);
		copy[9]++;
		dsl = disassemble(fx, i ? "BADDSDT" : "BADAPIC", copy, len,
				  &said);
		assert_non_null(iasl_complaint(dsl));
		free(said);
		free(dsl);
		free(copy);
	}
}

static void test_enospc(void **state)
{
	struct fx *fx = *state;
	struct acpi_config c = make_cfg(2, true);
	uint64_t rsdp;
	size_t used, n;

	assert_int_equal(
		acpi_build(&c, fx->buf, BUF_SIZE, LOW_BASE, &rsdp, &used), 0);
	n = used;
	for (size_t len = 0; len < n; len++)
		assert_int_equal(
			acpi_build(&c, fx->buf, len, LOW_BASE, &rsdp, &used),
			-ENOSPC);
	assert_int_equal(acpi_build(&c, fx->buf, n, LOW_BASE, &rsdp, &used), 0);
	assert_int_equal(used, n);
}

/* The largest machine's tables fit where hyve's memory map puts them. */
static void test_fits_memmap(void **state)
{
	struct fx *fx = *state;
	struct acpi_config c = make_cfg(ACPI_MAX_CPUS, true);
	uint64_t rsdp;
	size_t used;

	assert_int_equal(acpi_build(&c, fx->buf, MEMMAP_FIRMWARE_SIZE,
				    MEMMAP_FIRMWARE, &rsdp, &used),
			 0);
	assert_true(used <= MEMMAP_FIRMWARE_SIZE);
	assert_true(MEMMAP_FIRMWARE + MEMMAP_FIRMWARE_SIZE <= MEMMAP_MPC);
}

static void expect_einval(struct fx *fx, const struct acpi_config *c)
{
	uint64_t rsdp;
	size_t used;

	assert_int_equal(
		acpi_build(c, fx->buf, BUF_SIZE, LOW_BASE, &rsdp, &used),
		-EINVAL);
}

static void test_einval(void **state)
{
	struct fx *fx = *state;
	struct acpi_config good = make_cfg(2, true), c;
	uint64_t rsdp;
	size_t used;

#define BAD(field, value)                                                      \
	do {                                                                   \
		c = good;                                                      \
		c.field = value;                                               \
		expect_einval(fx, &c);                                         \
	} while (0)

	BAD(ncpus, 0);
	BAD(ncpus, ACPI_MAX_CPUS + 1);
	BAD(ioapic_id, 1);
	BAD(pm1a_evt, 0);
	BAD(pm1a_cnt, 0xffff);
	BAD(sci_irq, 0);
	BAD(sci_irq, 2);
	BAD(sci_irq, 16);
	BAD(s5_slp_typ, 8);
	BAD(oem_id, "SEVENCH");
	BAD(pci.mmio32_base, 0xf0000000);
	BAD(pci.mmio64_base, UINT64_MAX - 0x1000);
	BAD(pci.io_base, 0x2000);
#undef BAD
	c = good;
	c.pci.bus_start = 0x20;
	c.pci.bus_end = 0x1f;
	expect_einval(fx, &c);

	assert_int_equal(
		acpi_build(NULL, fx->buf, BUF_SIZE, LOW_BASE, &rsdp, &used),
		-EINVAL);
	assert_int_equal(
		acpi_build(&good, NULL, BUF_SIZE, LOW_BASE, &rsdp, &used),
		-EINVAL);
	assert_int_equal(acpi_build(&good, fx->buf, BUF_SIZE, LOW_BASE + 8,
				    &rsdp, &used),
			 -EINVAL);
	assert_int_equal(acpi_build(&good, fx->buf, BUF_SIZE, UINT64_MAX - 15,
				    &rsdp, &used),
			 -EINVAL);
	assert_int_equal(
		acpi_build(&good, fx->buf, BUF_SIZE, LOW_BASE, NULL, &used),
		-EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_cpu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_cpus_pci, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_max_cpus_pci, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_minimal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_high_base, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_iasl_sees_bad_checksum,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_enospc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fits_memmap, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_einval, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
