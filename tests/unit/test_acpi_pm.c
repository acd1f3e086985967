/*
 * test_acpi_pm.c: unit tests for the ACPI PM1a blocks and PM timer
 * (src/hw/acpi_pm.c), driven through an I/O bus at 0x600 with every access
 * width and a fake monotonic clock; every SCI transition is logged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hw/acpi_pm.h"
#include "vmm/iobus.h"

#define BASE 0x600
#define S5   5
#define T0   1000000000000LL /* the fake clock at init: 1000 s */

struct fixture {
	struct iobus bus;
	struct acpi_pm pm;
	int64_t now;
	bool level;	   /* the SCI as the callbacks said */
	unsigned int nirq; /* irq calls so far */
	unsigned int poweroffs;
};

static int64_t fx_now(void *ctx)
{
	return ((struct fixture *)ctx)->now;
}

static void fx_irq(void *ctx, bool level)
{
	struct fixture *f = ctx;

	/* Called only on a change. */
	assert_int_not_equal(level, f->level);
	f->level = level;
	f->nirq++;
}

static void fx_poweroff(void *ctx)
{
	struct fixture *f = ctx;

	/* Called without the lock: this would deadlock otherwise. */
	(void)acpi_pm_sci_level(&f->pm);
	f->poweroffs++;
}

static const struct acpi_pm_backend fx_backend = {
	.now_ns = fx_now,
	.irq = fx_irq,
	.poweroff = fx_poweroff,
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->now = T0;
	iobus_init(&f->bus);
	acpi_pm_init(&f->pm, &fx_backend, f, S5);
	if (iobus_register(&f->bus, IOBUS_PIO, BASE, ACPI_PM_LEN, &f->pm.dev)) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	acpi_pm_destroy(&f->pm);
	free(f);
	return 0;
}

static uint64_t in(struct fixture *f, uint64_t port, unsigned int size)
{
	uint64_t v = 0;

	iobus_read(&f->bus, IOBUS_PIO, port, size, &v);
	return v;
}

static void out(struct fixture *f, uint64_t port, unsigned int size, uint64_t v)
{
	iobus_write(&f->bus, IOBUS_PIO, port, size, v);
}

/* Exactly n SCI changes so far, the last one to level. */
static void expect_sci(struct fixture *f, unsigned int n, bool level)
{
	assert_int_equal(f->nirq, n);
	assert_int_equal(f->level, level);
	assert_int_equal(acpi_pm_sci_level(&f->pm), level);
}

/* The clock reading at which the timer reaches tick t (rounded up). */
static int64_t at_tick(uint64_t t)
{
	return T0 + (int64_t)((t * 1000000000ULL + ACPI_PM_TIMER_HZ - 1) /
			      ACPI_PM_TIMER_HZ);
}

static void test_init_values(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(in(f, BASE + ACPI_PM_STS, 2), 0);
	assert_int_equal(in(f, BASE + ACPI_PM_EN, 2), 0);
	assert_int_equal(in(f, BASE + ACPI_PM_CNT, 2), ACPI_PM1_CNT_SCI_EN);
	assert_int_equal(in(f, BASE + 6, 2), 0);
	assert_int_equal(in(f, BASE + ACPI_PM_TMR, 4), 0);
	/* Every width at every offset sees the same 12-byte image. */
	assert_int_equal(in(f, BASE, 8), 0x0000000100000000ULL);
	assert_int_equal(in(f, BASE + 4, 1), 1);
	assert_int_equal(in(f, BASE + 5, 1), 0);
	assert_int_equal(in(f, BASE + 3, 4), 0x00000100);
	assert_int_equal(in(f, BASE + 4, 8), 0x0000000000000001ULL);
	/* Past the end of the block the bus answers all ones. */
	assert_int_equal(in(f, BASE + 8, 8), 0xffffffff00000000ULL);
	assert_int_equal(in(f, BASE + 11, 2), 0xff00);
	assert_false(acpi_pm_power_button_enabled(&f->pm));
	expect_sci(f, 0, false);
}

static void test_timer_rate(void **state)
{
	struct fixture *f = *state;

	f->now = T0 + 1000000000LL;
	assert_int_equal(in(f, BASE + ACPI_PM_TMR, 4), 3579545);
	/* 3579545 = 0x00369e99: byte and word reads agree. */
	assert_int_equal(in(f, BASE + 8, 1), 0x99);
	assert_int_equal(in(f, BASE + 9, 1), 0x9e);
	assert_int_equal(in(f, BASE + 10, 1), 0x36);
	assert_int_equal(in(f, BASE + 11, 1), 0x00);
	assert_int_equal(in(f, BASE + 8, 2), 0x9e99);
	assert_int_equal(in(f, BASE + 10, 2), 0x0036);
	assert_int_equal(in(f, BASE + 4, 8), 0x00369e9900000001ULL);

	/* One tick is 279.4 ns. */
	f->now = at_tick(3579546) - 1;
	assert_int_equal(in(f, BASE + ACPI_PM_TMR, 4), 3579545);
	f->now = at_tick(3579546);
	assert_int_equal(in(f, BASE + ACPI_PM_TMR, 4), 3579546);
	f->now = T0 + 10 * 1000000000LL;
	assert_int_equal(in(f, BASE + ACPI_PM_TMR, 4), 35795450);

	/* The timer is read-only. */
	out(f, BASE + ACPI_PM_TMR, 4, 0);
	assert_int_equal(in(f, BASE + ACPI_PM_TMR, 4), 35795450);

	/* A clock before init reads as 0, not as a huge count. */
	f->now = T0 - 5;
	assert_int_equal(in(f, BASE + ACPI_PM_TMR, 4), 0);
}

static void test_timer_status(void **state)
{
	struct fixture *f = *state;

	/* Bit 31 goes 0 -> 1 at tick 2^31 (about 600 s). */
	f->now = at_tick(1ULL << 31) - 1;
	assert_int_equal(in(f, BASE + ACPI_PM_TMR, 4), 0x7fffffff);
	assert_int_equal(in(f, BASE + ACPI_PM_STS, 2), 0);
	f->now = at_tick(1ULL << 31);
	assert_int_equal(in(f, BASE + ACPI_PM_TMR, 4), 0x80000000);
	assert_int_equal(in(f, BASE + ACPI_PM_STS, 2), ACPI_PM1_TMR);
	expect_sci(f, 0, false); /* TMR_EN is clear */
	out(f, BASE + ACPI_PM_STS, 2, ACPI_PM1_TMR);
	assert_int_equal(in(f, BASE + ACPI_PM_STS, 2), 0);

	/* With TMR_EN, the 1 -> 0 toggle at 2^32 (the wrap) raises SCI. */
	out(f, BASE + ACPI_PM_EN, 2, ACPI_PM1_TMR);
	expect_sci(f, 0, false);
	f->now = at_tick(1ULL << 32) - 1;
	acpi_pm_tick(&f->pm);
	expect_sci(f, 0, false);
	f->now = at_tick((1ULL << 32) + 5);
	acpi_pm_tick(&f->pm);
	expect_sci(f, 1, true);
	assert_int_equal(in(f, BASE + ACPI_PM_TMR, 4), 5);
	assert_int_equal(in(f, BASE + ACPI_PM_STS, 2), ACPI_PM1_TMR);
	out(f, BASE + ACPI_PM_STS, 1, ACPI_PM1_TMR);
	expect_sci(f, 2, false);

	/* Several half-periods at once still give one status bit. */
	f->now = at_tick(7ULL << 31);
	assert_int_equal(in(f, BASE + ACPI_PM_STS, 2), ACPI_PM1_TMR);
	expect_sci(f, 3, true);
	/* A dword write clears TMR_STS and writes PM1_EN (TMR_EN again). */
	out(f, BASE, 4, (uint32_t)ACPI_PM1_TMR << 16 | ACPI_PM1_TMR);
	expect_sci(f, 4, false);
	assert_int_equal(in(f, BASE + ACPI_PM_EN, 2), ACPI_PM1_TMR);
}

static void test_write_one_to_clear(void **state)
{
	struct fixture *f = *state;

	acpi_pm_press_power_button(&f->pm);
	assert_int_equal(in(f, BASE + ACPI_PM_STS, 2), ACPI_PM1_PWRBTN);
	out(f, BASE + ACPI_PM_STS, 2, 0);
	out(f, BASE + ACPI_PM_STS, 2, 0xfeff);
	assert_int_equal(in(f, BASE + ACPI_PM_STS, 2), ACPI_PM1_PWRBTN);
	/* A byte write to the low half does not reach bit 8. */
	out(f, BASE + ACPI_PM_STS, 1, 0xff);
	assert_int_equal(in(f, BASE + ACPI_PM_STS, 2), ACPI_PM1_PWRBTN);
	out(f, BASE + ACPI_PM_STS + 1, 1, 0x01);
	assert_int_equal(in(f, BASE + ACPI_PM_STS, 2), 0);

	/* A dword write clears STS bits and sets EN bits in one go. */
	acpi_pm_press_power_button(&f->pm);
	out(f, BASE, 4, (uint32_t)ACPI_PM1_PWRBTN << 16 | ACPI_PM1_PWRBTN);
	assert_int_equal(in(f, BASE + ACPI_PM_STS, 2), 0);
	assert_int_equal(in(f, BASE + ACPI_PM_EN, 2), ACPI_PM1_PWRBTN);
	expect_sci(f, 0, false);

	/* Only the defined enable bits stick. */
	out(f, BASE + ACPI_PM_EN, 2, 0xffff);
	assert_int_equal(in(f, BASE + ACPI_PM_EN, 2), 0x4721);
	out(f, BASE + ACPI_PM_EN, 1, 0);
	assert_int_equal(in(f, BASE + ACPI_PM_EN, 2), 0x4700);
}

static void test_sci_levels(void **state)
{
	struct fixture *f = *state;

	out(f, BASE + ACPI_PM_EN, 2, ACPI_PM1_PWRBTN);
	expect_sci(f, 0, false);
	acpi_pm_press_power_button(&f->pm);
	expect_sci(f, 1, true);
	acpi_pm_press_power_button(&f->pm); /* already high: no new call */
	expect_sci(f, 1, true);
	out(f, BASE + ACPI_PM_EN, 2, 0);
	expect_sci(f, 2, false);
	out(f, BASE + ACPI_PM_EN, 2, ACPI_PM1_PWRBTN);
	expect_sci(f, 3, true);
	/* Enabling another source changes nothing while one is pending. */
	out(f, BASE + ACPI_PM_EN, 2, ACPI_PM1_PWRBTN | ACPI_PM1_RTC);
	expect_sci(f, 3, true);
	out(f, BASE + ACPI_PM_STS, 2, ACPI_PM1_PWRBTN);
	expect_sci(f, 4, false);

	/* WAK_STS has no enable bit and never raises the SCI. */
	out(f, BASE + ACPI_PM_CNT, 2, 1 << 10 | ACPI_PM1_CNT_SLP_EN);
	assert_int_equal(in(f, BASE + ACPI_PM_STS, 2), ACPI_PM1_WAK);
	expect_sci(f, 4, false);

	/* Reset drops the line and clears the registers. */
	acpi_pm_press_power_button(&f->pm);
	expect_sci(f, 5, true);
	acpi_pm_reset(&f->pm);
	expect_sci(f, 6, false);
	assert_int_equal(in(f, BASE, 8), 0x0000000100000000ULL);
	assert_false(acpi_pm_power_button_enabled(&f->pm));
}

static void test_power_button_enabled(void **state)
{
	struct fixture *f = *state;

	assert_false(acpi_pm_power_button_enabled(&f->pm));
	out(f, BASE + ACPI_PM_EN + 1, 1, ACPI_PM1_PWRBTN >> 8);
	assert_true(acpi_pm_power_button_enabled(&f->pm));
	out(f, BASE + ACPI_PM_EN, 1, 0xff); /* low byte: bit 8 kept */
	assert_true(acpi_pm_power_button_enabled(&f->pm));
	out(f, BASE + ACPI_PM_EN, 2, ACPI_PM1_SLPBTN);
	assert_false(acpi_pm_power_button_enabled(&f->pm));
	out(f, BASE, 8, (uint64_t)ACPI_PM1_PWRBTN << 16);
	assert_true(acpi_pm_power_button_enabled(&f->pm));
	assert_int_equal(f->poweroffs, 0);
}

static void test_s5_poweroff(void **state)
{
	struct fixture *f = *state;
	const uint16_t s5 = S5 << ACPI_PM1_CNT_SLP_TYP_SHIFT;

	/* SLP_TYP alone is stored and does nothing. */
	out(f, BASE + ACPI_PM_CNT, 2, s5);
	assert_int_equal(in(f, BASE + ACPI_PM_CNT, 2),
			 s5 | ACPI_PM1_CNT_SCI_EN);
	assert_int_equal(f->poweroffs, 0);

	/* SLP_TYP = S5 with SLP_EN: off.  SLP_EN reads back 0. */
	out(f, BASE + ACPI_PM_CNT, 2, s5 | ACPI_PM1_CNT_SLP_EN);
	assert_int_equal(f->poweroffs, 1);
	assert_int_equal(in(f, BASE + ACPI_PM_CNT, 2),
			 s5 | ACPI_PM1_CNT_SCI_EN);
	assert_int_equal(in(f, BASE + ACPI_PM_STS, 2), 0);

	/* The high byte alone holds SLP_TYP and SLP_EN. */
	out(f, BASE + ACPI_PM_CNT + 1, 1, (s5 | ACPI_PM1_CNT_SLP_EN) >> 8);
	assert_int_equal(f->poweroffs, 2);
	/* A dword or qword write covering PM1_CNT works too. */
	out(f, BASE + ACPI_PM_CNT, 4, s5 | ACPI_PM1_CNT_SLP_EN);
	assert_int_equal(f->poweroffs, 3);
	out(f, BASE, 8,
	    (uint64_t)(s5 | ACPI_PM1_CNT_SLP_EN) << 32 | ACPI_PM1_PWRBTN);
	assert_int_equal(f->poweroffs, 4);
	/* A low-byte write does not reach SLP_EN. */
	out(f, BASE + ACPI_PM_CNT, 1, 0xff);
	assert_int_equal(f->poweroffs, 4);
	assert_int_equal(in(f, BASE + ACPI_PM_CNT, 2),
			 s5 | ACPI_PM1_CNT_SCI_EN | ACPI_PM1_CNT_BM_RLD);
}

static void test_sleep_other_than_s5(void **state)
{
	struct fixture *f = *state;

	for (unsigned int typ = 0; typ < 8; typ++) {
		if (typ == S5)
			continue;
		out(f, BASE + ACPI_PM_CNT, 2,
		    typ << ACPI_PM1_CNT_SLP_TYP_SHIFT | ACPI_PM1_CNT_SLP_EN);
		assert_int_equal(f->poweroffs, 0);
		/* Taken as an immediate wake. */
		assert_int_equal(in(f, BASE + ACPI_PM_STS, 2), ACPI_PM1_WAK);
		assert_int_equal(in(f, BASE + ACPI_PM_CNT, 2),
				 typ << ACPI_PM1_CNT_SLP_TYP_SHIFT |
					 ACPI_PM1_CNT_SCI_EN);
		out(f, BASE + ACPI_PM_STS, 2, ACPI_PM1_WAK);
		assert_int_equal(in(f, BASE + ACPI_PM_STS, 2), 0);
	}
	expect_sci(f, 0, false);

	/* SCI_EN cannot be cleared; GBL_RLS is write-only. */
	out(f, BASE + ACPI_PM_CNT, 2, ACPI_PM1_CNT_GBL_RLS);
	assert_int_equal(in(f, BASE + ACPI_PM_CNT, 2), ACPI_PM1_CNT_SCI_EN);
	out(f, BASE + ACPI_PM_CNT, 2, 0xdfff); /* all but SLP_EN */
	assert_int_equal(in(f, BASE + ACPI_PM_CNT, 2),
			 ACPI_PM1_CNT_SLP_TYP | ACPI_PM1_CNT_BM_RLD |
				 ACPI_PM1_CNT_SCI_EN);
	assert_int_equal(f->poweroffs, 0);
}

/* Another S5 value: the model follows what the DSDT says. */
static void test_s5_value_configurable(void **state)
{
	struct fixture *f = *state;
	struct acpi_pm pm;
	uint64_t v = 0;

	acpi_pm_init(&pm, &fx_backend, f, 0);
	pm.dev.ops->write(&pm.dev, ACPI_PM_CNT, 2,
			  5 << ACPI_PM1_CNT_SLP_TYP_SHIFT |
				  ACPI_PM1_CNT_SLP_EN);
	assert_int_equal(f->poweroffs, 0);
	pm.dev.ops->write(&pm.dev, ACPI_PM_CNT, 2, ACPI_PM1_CNT_SLP_EN);
	assert_int_equal(f->poweroffs, 1);
	pm.dev.ops->read(&pm.dev, ACPI_PM_STS, 2, &v);
	assert_int_equal(v, ACPI_PM1_WAK);
	acpi_pm_destroy(&pm);
}

/* No backend at all: the real clock, no callbacks. */
static void test_no_backend(void **state)
{
	struct acpi_pm pm;
	uint64_t a = 0, b = 0;

	(void)state;
	acpi_pm_init(&pm, NULL, NULL, S5);
	acpi_pm_press_power_button(&pm);
	pm.dev.ops->write(&pm.dev, ACPI_PM_EN, 2, ACPI_PM1_PWRBTN);
	assert_true(acpi_pm_sci_level(&pm));
	pm.dev.ops->write(&pm.dev, ACPI_PM_CNT, 2,
			  S5 << ACPI_PM1_CNT_SLP_TYP_SHIFT |
				  ACPI_PM1_CNT_SLP_EN);
	pm.dev.ops->read(&pm.dev, ACPI_PM_TMR, 4, &a);
	for (int i = 0; i < 1000000 && a == b; i++)
		pm.dev.ops->read(&pm.dev, ACPI_PM_TMR, 4, &b);
	assert_true(a != b); /* the timer runs */
	acpi_pm_destroy(&pm);
}

/* Every offset and size, any value, any clock: no crash, sane state. */
static void test_hostile(void **state)
{
	struct fixture *f = *state;
	static const uint64_t vals[] = { 0, ~0ULL, 0x5555555555555555ULL,
					 0xaaaaaaaaaaaaaaaaULL,
					 0x0000340000003400ULL };
	static const int64_t clocks[] = { T0,	     0,		-1,
					  INT64_MIN, INT64_MAX, T0 + 1 };
	uint64_t v;

	for (unsigned int c = 0; c < 6; c++) {
		f->now = clocks[c];
		for (uint64_t off = 0; off < 16; off++) {
			for (unsigned int size = 0; size <= 9; size++) {
				for (unsigned int i = 0; i < 5; i++) {
					f->pm.dev.ops->write(&f->pm.dev, off,
							     size, vals[i]);
					f->pm.dev.ops->read(&f->pm.dev, off,
							    size, &v);
				}
			}
		}
		for (uint64_t port = BASE - 8; port < BASE + 20; port++) {
			for (unsigned int size = 1; size <= 8; size++) {
				out(f, port, size, ~0ULL);
				in(f, port, size);
			}
		}
		f->pm.dev.ops->read(&f->pm.dev, ~0ULL, 8, &v);
		f->pm.dev.ops->write(&f->pm.dev, ~0ULL, 8, ~0ULL);
	}
	/* The state is still what the registers allow. */
	assert_int_equal(in(f, BASE + ACPI_PM_EN, 2) & ~0x4721, 0);
	assert_int_equal(in(f, BASE + ACPI_PM_CNT, 2) & ~0x1c02, 1);
	assert_true(f->poweroffs > 0);
	assert_int_equal(acpi_pm_sci_level(&f->pm), f->level);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_values, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_timer_rate, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_timer_status, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_write_one_to_clear, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sci_levels, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_power_button_enabled,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_s5_poweroff, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sleep_other_than_s5, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_s5_value_configurable,
						setup, teardown),
		cmocka_unit_test(test_no_backend),
		cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
