/*
 * test_reset.c: unit tests for the reset sources (src/hw/reset.c): the
 * 0xcf9 reset control register and the reset-only i8042 stand-in, driven
 * directly and through an I/O bus with every access width.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hw/reset.h"
#include "vmm/iobus.h"

struct fixture {
	struct iobus bus;
	struct reset_cf9 cf9;
	struct reset_i8042 kbc;
	unsigned int cf9_resets;
	unsigned int kbc_resets;
};

static void fx_cf9_reset(void *ctx)
{
	((struct fixture *)ctx)->cf9_resets++;
}

static void fx_kbc_reset(void *ctx)
{
	((struct fixture *)ctx)->kbc_resets++;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	iobus_init(&f->bus);
	reset_cf9_init(&f->cf9, fx_cf9_reset, f);
	reset_i8042_init(&f->kbc, fx_kbc_reset, f);
	if (iobus_register(&f->bus, IOBUS_PIO, RESET_CF9_PORT, 1,
			   &f->cf9.dev) ||
	    reset_i8042_attach(&f->kbc, &f->bus)) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
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

static void test_cf9_bits(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(in(f, 0xcf9, 1), 0);
	assert_int_equal(reset_cf9_read(&f->cf9), 0);

	/* SYS_RST alone: stored, no reset (Linux writes it first). */
	out(f, 0xcf9, 1, 0x02);
	assert_int_equal(in(f, 0xcf9, 1), 0x02);
	assert_int_equal(f->cf9_resets, 0);

	/* The FADT's RESET_VALUE: reset; RST_CPU does not stick. */
	out(f, 0xcf9, 1, RESET_CF9_FADT_VALUE);
	assert_int_equal(f->cf9_resets, 1);
	assert_int_equal(in(f, 0xcf9, 1), 0x02);

	/* A write with RST_CPU always resets, even with it already "set". */
	out(f, 0xcf9, 1, 0x06);
	assert_int_equal(f->cf9_resets, 2);

	/* FULL_RST | SYS_RST | RST_CPU (Linux's cold reboot=pci). */
	out(f, 0xcf9, 1, 0x0e);
	assert_int_equal(f->cf9_resets, 3);
	assert_int_equal(in(f, 0xcf9, 1), 0x0a);

	/* Unused bits are dropped; no RST_CPU, no reset. */
	out(f, 0xcf9, 1, 0xf9);
	assert_int_equal(in(f, 0xcf9, 1), 0x08);
	out(f, 0xcf9, 1, 0xf1);
	assert_int_equal(in(f, 0xcf9, 1), 0x00);
	assert_int_equal(f->cf9_resets, 3);

	/* Direct access for a host bridge that owns the port. */
	reset_cf9_write(&f->cf9, 0x0a);
	assert_int_equal(reset_cf9_read(&f->cf9), 0x0a);
	assert_int_equal(f->cf9_resets, 3);
	reset_cf9_write(&f->cf9, 0x04);
	assert_int_equal(f->cf9_resets, 4);
	assert_int_equal(reset_cf9_read(&f->cf9), 0);
}

static void test_cf9_widths(void **state)
{
	struct fixture *f = *state;
	static const unsigned int sizes[] = { 1, 2, 3, 4, 8 };
	uint64_t v;

	for (unsigned int i = 0; i < 5; i++) {
		unsigned int n = sizes[i];
		uint64_t ones = n == 8 ? ~0ULL : (1ULL << (8 * n)) - 1;

		/* The low byte reaches 0xcf9; the rest is unclaimed. */
		assert_int_equal(iobus_write(&f->bus, IOBUS_PIO, 0xcf9, n,
					     0xffffff0aULL & ones),
				 n == 1);
		assert_int_equal(f->cf9_resets, 0);
		assert_int_equal(iobus_read(&f->bus, IOBUS_PIO, 0xcf9, n, &v),
				 n == 1);
		assert_int_equal(v, (ones & ~0xffULL) | 0x0a);

		out(f, 0xcf9, n, 0x0206 & ones);
		assert_int_equal(f->cf9_resets, 1);
		f->cf9_resets = 0;
	}
	/* A wide access that ends at 0xcf9 gives it its last byte. */
	out(f, 0xcf8, 2, 0x0400);
	assert_int_equal(f->cf9_resets, 1);
	out(f, 0xcf6, 4, 0x08000000);
	assert_int_equal(in(f, 0xcf9, 1), 0x08);
	assert_int_equal(f->cf9_resets, 1);
}

static void test_i8042_reset(void **state)
{
	struct fixture *f = *state;

	/* Status: input and output buffers empty; no data. */
	assert_int_equal(in(f, 0x64, 1), 0);
	assert_int_equal(in(f, 0x60, 1), 0);

	/* What reboot=kbd does: wait for IBF clear, then 0xfe. */
	while (in(f, 0x64, 1) & 0x02)
		;
	out(f, 0x64, 1, RESET_I8042_CMD_RESET);
	assert_int_equal(f->kbc_resets, 1);

	/* Other pulse commands with bit 0 clear pulse the reset line too. */
	out(f, 0x64, 1, 0xf0);
	out(f, 0x64, 1, 0xfc);
	assert_int_equal(f->kbc_resets, 3);

	/* 0xff pulses nothing; other commands and data are absorbed. */
	static const uint8_t absorbed[] = { 0xff, 0xfd, 0xf1, 0xd1, 0xaa,
					    0x20, 0x60, 0xad, 0xae, 0x00 };
	for (unsigned int i = 0; i < sizeof(absorbed); i++)
		out(f, 0x64, 1, absorbed[i]);
	for (unsigned int v = 0; v < 256; v++)
		out(f, 0x60, 1, v);
	assert_int_equal(f->kbc_resets, 3);
	assert_int_equal(in(f, 0x64, 1), 0);
	assert_int_equal(in(f, 0x60, 1), 0);
	assert_int_equal(f->cf9_resets, 0);
}

static void test_i8042_widths(void **state)
{
	struct fixture *f = *state;
	static const unsigned int sizes[] = { 1, 2, 4, 8 };
	uint64_t v;

	for (unsigned int i = 0; i < 4; i++) {
		unsigned int n = sizes[i];
		uint64_t ones = n == 8 ? ~0ULL : (1ULL << (8 * n)) - 1;

		/* 0x64 and 0x60 are one port each: the rest is unclaimed. */
		iobus_read(&f->bus, IOBUS_PIO, 0x64, n, &v);
		assert_int_equal(v, ones & ~0xffULL);
		iobus_read(&f->bus, IOBUS_PIO, 0x60, n, &v);
		/* 0x61-0x63 unclaimed, 0x64 (byte 4) the status, 0. */
		assert_int_equal(v, n == 8 ? 0xffffff00ffffff00ULL
					   : ones & ~0xffULL);

		out(f, 0x64, n, 0xfe & ones);
		assert_int_equal(f->kbc_resets, 1);
		/* Only the byte that lands on 0x64 counts. */
		out(f, 0x64, n, (0xfffffffffffffffeULL & ones) ^ 1);
		assert_int_equal(f->kbc_resets, 1);
		f->kbc_resets = 0;
	}
	/* A word at 0x63 puts its high byte on 0x64. */
	out(f, 0x63, 2, 0xfe00);
	assert_int_equal(f->kbc_resets, 1);
	/* A qword at 0x60 puts byte 4 on 0x64. */
	out(f, 0x60, 8, 0x000000fe00000000ULL);
	assert_int_equal(f->kbc_resets, 2);
	out(f, 0x60, 8, 0x000000ff000000feULL);
	assert_int_equal(f->kbc_resets, 2);
}

static void test_attach_twice(void **state)
{
	struct fixture *f = *state;
	struct reset_i8042 other;

	reset_i8042_init(&other, NULL, NULL);
	assert_int_equal(reset_i8042_attach(&other, &f->bus), -EEXIST);
}

/* No callback, odd sizes and offsets, any value: nothing happens. */
static void test_hostile(void **state)
{
	struct reset_cf9 rc;
	struct reset_i8042 kbc;
	struct iobus_dev *devs[3];
	uint64_t v;

	(void)state;
	reset_cf9_init(&rc, NULL, NULL);
	reset_i8042_init(&kbc, NULL, NULL);
	devs[0] = &rc.dev;
	devs[1] = &kbc.data.dev;
	devs[2] = &kbc.cmd.dev;
	for (unsigned int d = 0; d < 3; d++) {
		for (uint64_t off = 0; off < 16; off++) {
			for (unsigned int size = 0; size <= 9; size++) {
				v = 0x5a;
				devs[d]->ops->read(devs[d], off, size, &v);
				assert_true(off == 0 || v == 0);
				devs[d]->ops->write(devs[d], off, size, ~0ULL);
				devs[d]->ops->write(devs[d], off, size, 0xfe);
				devs[d]->ops->write(devs[d], off, size, 0x06);
			}
		}
		devs[d]->ops->write(devs[d], ~0ULL, 8, 0xfe);
		devs[d]->ops->read(devs[d], ~0ULL, 8, &v);
	}
	/* Offset 0 writes did land: SYS_RST|FULL_RST from ~0 then 0x06. */
	assert_int_equal(reset_cf9_read(&rc), 0x02);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cf9_bits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cf9_widths, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_i8042_reset, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_i8042_widths, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_attach_twice, setup,
						teardown),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
