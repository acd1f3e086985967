/*
 * test_mptable.c: the MP table (arch/x86/mptable.c), read back with the
 * offsets of the MP spec 1.4 (4.1-4.3), not hyve's structs: the floating
 * pointer, the header and its checksum, every entry in the order the spec
 * asks, the CPUs, the buses, the I/O APIC, the ISA and PCI interrupt
 * routing and the local interrupts; the sizes for 255 CPUs; the errors.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/memmap.h"
#include "arch/x86/mptable.h"

#define MPC_GPA 0xf0000ULL
#define BUF	(64 * 1024)

static uint8_t mpf[MPTABLE_MPF_SIZE];
static uint8_t mpc[BUF];

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return rd16(p) | (uint32_t)rd16(p + 2) << 16;
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

static struct mptable_config config(unsigned int ncpus, bool pci)
{
	return (struct mptable_config){
		.ncpus = ncpus,
		.lapic_addr = 0xfee00000,
		.lapic_version = 0x14,
		.cpu_signature = 0x806f8,
		.cpu_features = 0x178bfbff,
		.ioapic_addr = 0xfec00000,
		.ioapic_id = (uint8_t)ncpus,
		.ioapic_version = 0x11,
		.sci_irq = 9,
		.pci = pci,
		.pci_gsi = { 16, 17, 18, 19 },
	};
}

/* What the walk found. */
struct seen {
	unsigned int cpus, bsps, buses, ioapics, isa_ints, pci_ints, lints;
	uint8_t apic_id_seen[256];
	int isa_pin[16]; /* -1: no entry */
	uint16_t isa_flags[16];
	int pci_pin[32][4];
	int isa_bus, pci_bus;
	bool extint_lint0, nmi_lint1;
};

static size_t build(const struct mptable_config *c)
{
	size_t used = 0;

	memset(mpc, 0xa5, sizeof(mpc));
	memset(mpf, 0xa5, sizeof(mpf));
	assert_int_equal(mptable_build(c, mpf, mpc, BUF, MPC_GPA, &used), 0);
	assert_int_equal(used, mptable_size(c));
	return used;
}

/* 4.1: the floating pointer. */
static void check_mpf(void)
{
	assert_memory_equal(mpf, "_MP_", 4);
	assert_int_equal(rd32(mpf + 4), MPC_GPA); /* PHYSICAL ADDRESS POINTER */
	assert_int_equal(mpf[8], 1);		  /* LENGTH, 16-byte units */
	assert_int_equal(mpf[9], 4);		  /* SPEC_REV 1.4 */
	assert_int_equal(sum(mpf, 16), 0);
	for (int i = 11; i < 16; i++) /* FEATURE 1-5: a table, virtual wire */
		assert_int_equal(mpf[i], 0);
}

static void walk(const struct mptable_config *c, size_t used, struct seen *s)
{
	const uint8_t *p = mpc + 44, *end = mpc + rd16(mpc + 4);
	unsigned int entries = 0;
	int last_type = -1;

	memset(s, 0, sizeof(*s));
	memset(s->isa_pin, -1, sizeof(s->isa_pin));
	memset(s->pci_pin, -1, sizeof(s->pci_pin));
	s->isa_bus = s->pci_bus = -1;

	/* 4.2: the header. */
	assert_memory_equal(mpc, "PCMP", 4);
	assert_int_equal(rd16(mpc + 4), used); /* BASE TABLE LENGTH */
	assert_int_equal(mpc[6], 4);	       /* SPEC_REV */
	assert_int_equal(sum(mpc, used), 0);
	assert_memory_equal(mpc + 8, "HYVE    ", 8);
	assert_memory_equal(mpc + 16, "hyve        ", 12);
	assert_int_equal(rd32(mpc + 28), 0); /* no OEM table */
	assert_int_equal(rd32(mpc + 36), c->lapic_addr);
	assert_int_equal(rd16(mpc + 40), 0); /* no extended table */

	while (p < end) {
		int type = p[0];

		/* 4.3: entries sorted by type */
		assert_true(type >= last_type);
		last_type = type;
		entries++;
		switch (type) {
		case 0: /* processor, 20 bytes */
			assert_true(p + 20 <= end);
			assert_int_equal(p[2], c->lapic_version);
			assert_true(p[3] & 1); /* EN */
			assert_false(s->apic_id_seen[p[1]]);
			assert_true(p[1] < c->ncpus);
			s->apic_id_seen[p[1]] = 1;
			if (p[3] & 2) {
				s->bsps++;
				assert_int_equal(p[1], 0);
			}
			assert_int_equal(rd32(p + 4), c->cpu_signature);
			assert_int_equal(rd32(p + 8), c->cpu_features);
			s->cpus++;
			p += 20;
			continue;
		case 1: /* bus */
			if (!memcmp(p + 2, "ISA   ", 6))
				s->isa_bus = p[1];
			else if (!memcmp(p + 2, "PCI   ", 6))
				s->pci_bus = p[1];
			else
				fail_msg("bus type %.6s", (const char *)p + 2);
			s->buses++;
			break;
		case 2: /* I/O APIC */
			assert_int_equal(p[1], c->ioapic_id);
			assert_int_equal(p[2], c->ioapic_version);
			assert_int_equal(p[3] & 1, 1);
			assert_int_equal(rd32(p + 4), c->ioapic_addr);
			s->ioapics++;
			break;
		case 3: /* I/O interrupt: type, flags, bus, IRQ, APIC, INTIN */
			assert_int_equal(p[1], 0); /* INT (vectored) */
			assert_int_equal(p[6], c->ioapic_id);
			if (p[4] == s->isa_bus) {
				assert_true(p[5] < 16);
				assert_int_equal(s->isa_pin[p[5]], -1);
				s->isa_pin[p[5]] = p[7];
				s->isa_flags[p[5]] = rd16(p + 2);
				s->isa_ints++;
			} else {
				assert_int_equal(p[4], s->pci_bus);
				assert_int_equal(p[5] >> 7, 0);
				/* PCI: level, active low */
				assert_int_equal(rd16(p + 2), 0x0f);
				assert_int_equal(
					s->pci_pin[p[5] >> 2][p[5] & 3], -1);
				s->pci_pin[p[5] >> 2][p[5] & 3] = p[7];
				s->pci_ints++;
			}
			break;
		case 4:				      /* local interrupt */
			assert_int_equal(p[6], 0xff); /* every local APIC */
			if (p[1] == 3 && p[7] == 0)
				s->extint_lint0 = true;
			else if (p[1] == 1 && p[7] == 1)
				s->nmi_lint1 = true;
			else
				fail_msg("LINT type %u pin %u", p[1], p[7]);
			s->lints++;
			break;
		default:
			fail_msg("entry type %d", type);
		}
		assert_true(p + 8 <= end);
		p += 8;
	}
	assert_ptr_equal(p, end);
	assert_int_equal(rd16(mpc + 34), entries); /* ENTRY COUNT */
	assert_int_equal(mpc[used], 0xa5);	   /* nothing past the end */
}

/* The ISA routing is the MADT's: IRQ 0 on pin 2, no IRQ 2, the SCI level
 * and active high, every other IRQ on its own pin, conforming. */
static void check_isa(const struct seen *s)
{
	assert_int_equal(s->isa_ints, 15);
	assert_int_equal(s->isa_pin[0], 2);
	assert_int_equal(s->isa_pin[2], -1);
	for (int irq = 1; irq < 16; irq++) {
		if (irq == 2)
			continue;
		assert_int_equal(s->isa_pin[irq], irq);
		assert_int_equal(s->isa_flags[irq], irq == 9 ? 0x0d : 0);
	}
	assert_int_equal(s->isa_flags[0], 0);
	assert_true(s->extint_lint0);
	assert_true(s->nmi_lint1);
	assert_int_equal(s->lints, 2);
	assert_int_equal(s->ioapics, 1);
}

static void test_one_cpu_no_pci(void **state)
{
	const struct mptable_config c = config(1, false);
	size_t used = build(&c);
	struct seen s;

	(void)state;
	check_mpf();
	walk(&c, used, &s);
	assert_int_equal(s.cpus, 1);
	assert_int_equal(s.bsps, 1);
	assert_int_equal(s.buses, 1);
	assert_int_equal(s.isa_bus, 0);
	assert_int_equal(s.pci_ints, 0);
	check_isa(&s);
	assert_int_equal(used, 44 + 20 + 8 + 8 + 15 * 8 + 2 * 8);
}

/* The _PRT's swizzle: slot s, pin p on GSI pci_gsi[(s + p) % 4]. */
static void test_cpus_and_pci(void **state)
{
	static const unsigned int counts[] = { 2, 3, 64, MPTABLE_MAX_CPUS };

	(void)state;
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		const struct mptable_config c = config(counts[i], true);
		size_t used = build(&c);
		struct seen s;

		check_mpf();
		walk(&c, used, &s);
		assert_int_equal(s.cpus, counts[i]);
		assert_int_equal(s.bsps, 1);
		assert_int_equal(s.pci_bus, 0);
		assert_int_equal(s.isa_bus, 1);
		check_isa(&s);
		assert_int_equal(s.pci_ints, 32 * 4);
		for (int slot = 0; slot < 32; slot++)
			for (int pin = 0; pin < 4; pin++)
				assert_int_equal(s.pci_pin[slot][pin],
						 16 + (slot + pin) % 4);
		/* hyve's memory map has room for the largest */
		assert_true(used <= MEMMAP_MPC_SIZE);
	}
}

static void test_errors(void **state)
{
	struct mptable_config c = config(2, true);
	size_t used = 0, n = mptable_size(&c);

	(void)state;
	assert_int_equal(mptable_build(&c, mpf, mpc, n - 1, MPC_GPA, &used),
			 -ENOSPC);
	assert_int_equal(mptable_build(&c, mpf, mpc, n, MPC_GPA, &used), 0);
	assert_int_equal(used, n);
	assert_int_equal(mptable_build(&c, mpf, mpc, n, MPC_GPA + 2, &used),
			 -EINVAL);
	assert_int_equal(
		mptable_build(&c, mpf, mpc, n, 0x100000000ULL - 16, &used),
		-EINVAL);
	assert_int_equal(mptable_build(NULL, mpf, mpc, n, MPC_GPA, &used),
			 -EINVAL);
	c.ioapic_id = 1; /* a CPU's APIC ID */
	assert_int_equal(mptable_build(&c, mpf, mpc, BUF, MPC_GPA, &used),
			 -EINVAL);
	c = config(0, true);
	assert_int_equal(mptable_build(&c, mpf, mpc, BUF, MPC_GPA, &used),
			 -EINVAL);
	c = config(MPTABLE_MAX_CPUS + 1, true);
	c.ioapic_id = 0;
	assert_int_equal(mptable_build(&c, mpf, mpc, BUF, MPC_GPA, &used),
			 -EINVAL);
	c = config(1, true);
	c.sci_irq = 2;
	assert_int_equal(mptable_build(&c, mpf, mpc, BUF, MPC_GPA, &used),
			 -EINVAL);
	c.sci_irq = 16;
	assert_int_equal(mptable_build(&c, mpf, mpc, BUF, MPC_GPA, &used),
			 -EINVAL);
	c.sci_irq = 0; /* none: IRQ 9 conforms to the bus like the rest */
	used = build(&c);
	{
		struct seen s;

		walk(&c, used, &s);
		assert_int_equal(s.isa_flags[9], 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_cpu_no_pci),
		cmocka_unit_test(test_cpus_and_pci),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
