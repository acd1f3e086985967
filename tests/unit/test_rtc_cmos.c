/*
 * test_rtc_cmos.c: unit tests for the CMOS RTC (src/hw/rtc_cmos.c), driven
 * through ports 0x70/0x71 on an I/O bus with a fake CLOCK_REALTIME: time in
 * BCD and binary, 12- and 24-hour, across midnight, new year and leap
 * days; the NMI bit; setting the time; UIP; the flags of register C and
 * every IRQ transition; CMOS RAM; hostile accesses.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <pthread.h>

#include "hw/rtc_cmos.h"
#include "vmm/iobus.h"

#define NS 1000000000LL
#define MS 1000000LL

/* Unix times (UTC). */
#define T_2026_11_26_235958 1795737598LL /* a Thursday */
#define T_2026_12_31_235959 1798761599LL
#define T_2028_02_28_235959 1835395199LL /* a Monday; 2028 is leap */
#define T_2100_02_28_120000 4107499200LL /* a Sunday; 2100 is not */
#define T_2000_02_28_235959 951782399LL	 /* 2000 is leap */
#define T_1999_12_31_235959 946684799LL	 /* a Friday */

struct fixture {
	struct iobus bus;
	struct rtc_cmos rtc;
	int64_t now;
	bool level;	       /* the IRQ line as the callbacks said */
	unsigned int nirq;     /* irq calls so far */
	unsigned int nresched; /* reschedule calls so far */
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

static void fx_reschedule(void *ctx)
{
	struct fixture *f = ctx;

	/* Called with the lock dropped: the model can be used again. */
	assert_int_equal(pthread_mutex_trylock(&f->rtc.lock), 0);
	pthread_mutex_unlock(&f->rtc.lock);
	f->nresched++;
}

static const struct rtc_cmos_backend fx_backend = {
	.now_ns = fx_now,
	.irq = fx_irq,
	.reschedule = fx_reschedule,
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	/* Half a second in: well clear of the UIP window. */
	f->now = T_2026_11_26_235958 * NS + 500 * MS;
	iobus_init(&f->bus);
	rtc_cmos_init(&f->rtc, &fx_backend, f);
	if (iobus_register(&f->bus, IOBUS_PIO, RTC_CMOS_PORT_INDEX,
			   RTC_CMOS_PORTS, &f->rtc.dev)) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	rtc_cmos_destroy(&f->rtc);
	free(f);
	return 0;
}

static uint8_t cmos_read(struct fixture *f, uint8_t idx)
{
	uint64_t v = 0;

	assert_true(iobus_write(&f->bus, IOBUS_PIO, 0x70, 1, idx));
	assert_true(iobus_read(&f->bus, IOBUS_PIO, 0x71, 1, &v));
	assert_true(v <= 0xff);
	return (uint8_t)v;
}

static void cmos_write(struct fixture *f, uint8_t idx, uint8_t val)
{
	assert_true(iobus_write(&f->bus, IOBUS_PIO, 0x70, 1, idx));
	assert_true(iobus_write(&f->bus, IOBUS_PIO, 0x71, 1, val));
}

/* The clock registers 0-9 and the century, in one call. */
struct regs {
	uint8_t sec, min, hour, dow, mday, mon, year, cent;
};

static void expect_time(struct fixture *f, struct regs want)
{
	assert_int_equal(cmos_read(f, RTC_CMOS_SECONDS), want.sec);
	assert_int_equal(cmos_read(f, RTC_CMOS_MINUTES), want.min);
	assert_int_equal(cmos_read(f, RTC_CMOS_HOURS), want.hour);
	assert_int_equal(cmos_read(f, RTC_CMOS_DAY_OF_WEEK), want.dow);
	assert_int_equal(cmos_read(f, RTC_CMOS_DAY_OF_MONTH), want.mday);
	assert_int_equal(cmos_read(f, RTC_CMOS_MONTH), want.mon);
	assert_int_equal(cmos_read(f, RTC_CMOS_YEAR), want.year);
	assert_int_equal(cmos_read(f, RTC_CMOS_CENTURY), want.cent);
}

static void expect_irq(struct fixture *f, unsigned int n, bool level)
{
	assert_int_equal(f->nirq, n);
	assert_int_equal(f->level, level);
	assert_int_equal(rtc_cmos_irq_level(&f->rtc), level);
}

/* Read back what rtc_cmos_next_event() says; -1 for "none". */
static int64_t next_event(struct fixture *f)
{
	int64_t t = -1;

	if (!rtc_cmos_next_event(&f->rtc, &t))
		assert_int_equal(t, -1);
	return t;
}

static void test_power_on(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(cmos_read(f, RTC_CMOS_REG_A), 0x26);
	assert_int_equal(cmos_read(f, RTC_CMOS_REG_B), 0x02);
	assert_int_equal(cmos_read(f, RTC_CMOS_REG_C), 0x00);
	assert_int_equal(cmos_read(f, RTC_CMOS_REG_D), 0x80);
	assert_int_equal(cmos_read(f, RTC_CMOS_SECONDS_ALARM), 0);
	assert_int_equal(cmos_read(f, RTC_CMOS_MINUTES_ALARM), 0);
	assert_int_equal(cmos_read(f, RTC_CMOS_HOURS_ALARM), 0);
	assert_false(rtc_cmos_nmi_disabled(&f->rtc));
	expect_irq(f, 0, false);
	assert_int_equal(next_event(f), -1);
}

static void test_bcd_24h(void **state)
{
	struct fixture *f = *state;

	expect_time(f, (struct regs){ 0x58, 0x59, 0x23, 5, 0x26, 0x11, 0x26,
				      0x20 });
	/* Across midnight into Friday the 27th. */
	f->now += 2 * NS;
	expect_time(f, (struct regs){ 0x00, 0x00, 0x00, 6, 0x27, 0x11, 0x26,
				      0x20 });
}

static void test_binary_24h(void **state)
{
	struct fixture *f = *state;

	cmos_write(f, RTC_CMOS_REG_B, RTC_CMOS_B_24H | RTC_CMOS_B_DM);
	assert_int_equal(cmos_read(f, RTC_CMOS_REG_B), 0x06);
	expect_time(f, (struct regs){ 58, 59, 23, 5, 26, 11, 26, 20 });
	/* The format applies at once, both ways. */
	cmos_write(f, RTC_CMOS_REG_B, RTC_CMOS_B_24H);
	assert_int_equal(cmos_read(f, RTC_CMOS_SECONDS), 0x58);
}

static void test_12h(void **state)
{
	struct fixture *f = *state;

	/* 23:59:58 is 11 PM. */
	cmos_write(f, RTC_CMOS_REG_B, 0);
	assert_int_equal(cmos_read(f, RTC_CMOS_HOURS), 0x91);
	cmos_write(f, RTC_CMOS_REG_B, RTC_CMOS_B_DM);
	assert_int_equal(cmos_read(f, RTC_CMOS_HOURS), 0x8b);

	/* 00:00:00 is 12 AM; 12:00 is 12 PM; 01:00 is 1 AM. */
	f->now += 2 * NS;
	assert_int_equal(cmos_read(f, RTC_CMOS_HOURS), 12);
	cmos_write(f, RTC_CMOS_REG_B, 0);
	assert_int_equal(cmos_read(f, RTC_CMOS_HOURS), 0x12);
	f->now += 3600 * NS;
	assert_int_equal(cmos_read(f, RTC_CMOS_HOURS), 0x01);
	f->now += 11 * 3600 * NS;
	assert_int_equal(cmos_read(f, RTC_CMOS_HOURS), 0x92);
	cmos_write(f, RTC_CMOS_REG_B, RTC_CMOS_B_DM);
	assert_int_equal(cmos_read(f, RTC_CMOS_HOURS), 0x8c);
	f->now += 3600 * NS;
	assert_int_equal(cmos_read(f, RTC_CMOS_HOURS), 0x81);
	cmos_write(f, RTC_CMOS_REG_B, RTC_CMOS_B_DM | RTC_CMOS_B_24H);
	assert_int_equal(cmos_read(f, RTC_CMOS_HOURS), 13);
}

static void test_new_year_and_leap_days(void **state)
{
	struct fixture *f = *state;

	f->now = T_2026_12_31_235959 * NS + 1;
	expect_time(f, (struct regs){ 0x59, 0x59, 0x23, 5, 0x31, 0x12, 0x26,
				      0x20 });
	f->now += NS;
	expect_time(f, (struct regs){ 0x00, 0x00, 0x00, 6, 0x01, 0x01, 0x27,
				      0x20 });

	/* 2028 is a leap year: 28 February, 29 February, 1 March. */
	f->now = T_2028_02_28_235959 * NS;
	expect_time(f, (struct regs){ 0x59, 0x59, 0x23, 2, 0x28, 0x02, 0x28,
				      0x20 });
	f->now += NS;
	expect_time(f, (struct regs){ 0x00, 0x00, 0x00, 3, 0x29, 0x02, 0x28,
				      0x20 });
	f->now += 86400 * NS;
	expect_time(f, (struct regs){ 0x00, 0x00, 0x00, 4, 0x01, 0x03, 0x28,
				      0x20 });

	/* 2100 is not; 2000 is (divisible by 400). */
	f->now = (T_2100_02_28_120000 + 43200) * NS;
	expect_time(f, (struct regs){ 0x00, 0x00, 0x00, 2, 0x01, 0x03, 0x00,
				      0x21 });
	f->now = (T_2000_02_28_235959 + 1) * NS;
	expect_time(f, (struct regs){ 0x00, 0x00, 0x00, 3, 0x29, 0x02, 0x00,
				      0x20 });

	/* The century turns over with the year. */
	f->now = T_1999_12_31_235959 * NS;
	expect_time(f, (struct regs){ 0x59, 0x59, 0x23, 6, 0x31, 0x12, 0x99,
				      0x19 });
	f->now += NS;
	expect_time(f, (struct regs){ 0x00, 0x00, 0x00, 7, 0x01, 0x01, 0x00,
				      0x20 });

	/* Before 1970 too. */
	f->now = -NS;
	expect_time(f, (struct regs){ 0x59, 0x59, 0x23, 4, 0x31, 0x12, 0x69,
				      0x19 });
}

static void test_index_port_and_nmi(void **state)
{
	struct fixture *f = *state;
	uint64_t v;

	cmos_write(f, 0x40, 0x5a);
	/* Bit 7 masks NMIs and is not part of the index. */
	iobus_write(&f->bus, IOBUS_PIO, 0x70, 1, 0x80 | 0x40);
	assert_true(rtc_cmos_nmi_disabled(&f->rtc));
	iobus_read(&f->bus, IOBUS_PIO, 0x71, 1, &v);
	assert_int_equal(v, 0x5a);
	iobus_write(&f->bus, IOBUS_PIO, 0x70, 1, 0x80 | RTC_CMOS_REG_D);
	iobus_read(&f->bus, IOBUS_PIO, 0x71, 1, &v);
	assert_int_equal(v, 0x80);
	assert_true(rtc_cmos_nmi_disabled(&f->rtc));
	iobus_write(&f->bus, IOBUS_PIO, 0x70, 1, RTC_CMOS_REG_D);
	assert_false(rtc_cmos_nmi_disabled(&f->rtc));
	/* The index port is write-only. */
	iobus_read(&f->bus, IOBUS_PIO, 0x70, 1, &v);
	assert_int_equal(v, 0xff);
	/* The data port does not change the index or the NMI bit. */
	iobus_write(&f->bus, IOBUS_PIO, 0x70, 1, 0x80 | 0x41);
	iobus_write(&f->bus, IOBUS_PIO, 0x71, 1, 0x00);
	assert_true(rtc_cmos_nmi_disabled(&f->rtc));
	assert_int_equal(cmos_read(f, 0x40), 0x5a);
}

static void test_access_widths(void **state)
{
	struct fixture *f = *state;
	uint64_t v;

	/* A word at 0x70 is the index, then the data: outw trick. */
	iobus_write(&f->bus, IOBUS_PIO, 0x70, 2, 0x7750);
	assert_int_equal(cmos_read(f, 0x50), 0x77);
	iobus_write(&f->bus, IOBUS_PIO, 0x70, 2, 0x3351 | 0x80);
	assert_true(rtc_cmos_nmi_disabled(&f->rtc));
	assert_int_equal(cmos_read(f, 0x51), 0x33);
	/* A word read: 0xff for the index port, then the data. */
	iobus_write(&f->bus, IOBUS_PIO, 0x70, 1, 0x50);
	iobus_read(&f->bus, IOBUS_PIO, 0x70, 2, &v);
	assert_int_equal(v, 0x77ff);
	/* Wider: ports 0x72 and up are not ours. */
	assert_false(iobus_read(&f->bus, IOBUS_PIO, 0x70, 4, &v));
	assert_int_equal(v, 0xffff77ff);
	iobus_read(&f->bus, IOBUS_PIO, 0x70, 8, &v);
	assert_int_equal(v, 0xffffffffffff77ffULL);
	iobus_read(&f->bus, IOBUS_PIO, 0x71, 4, &v);
	assert_int_equal(v, 0xffffff77);
	/* A dword write at 0x6e lands its bytes 2 and 3 on 0x70, 0x71. */
	iobus_write(&f->bus, IOBUS_PIO, 0x6e, 4, 0x11520000);
	assert_int_equal(cmos_read(f, 0x52), 0x11);
	/* A wide write at 0x71 writes the data byte only. */
	iobus_write(&f->bus, IOBUS_PIO, 0x70, 1, 0x53);
	iobus_write(&f->bus, IOBUS_PIO, 0x71, 8, 0xffffffffffffff44ULL);
	assert_int_equal(cmos_read(f, 0x53), 0x44);
}

static void test_set_time(void **state)
{
	struct fixture *f = *state;

	/* SET freezes the clock (and clears UIE). */
	cmos_write(f, RTC_CMOS_REG_B,
		   RTC_CMOS_B_SET | RTC_CMOS_B_UIE | RTC_CMOS_B_24H);
	assert_int_equal(cmos_read(f, RTC_CMOS_REG_B), 0x82);
	f->now += 5 * NS;
	assert_int_equal(cmos_read(f, RTC_CMOS_SECONDS), 0x58);
	assert_int_equal(cmos_read(f, RTC_CMOS_DAY_OF_MONTH), 0x26);

	/* Write 2030-01-02 03:04:05, a Wednesday; claim Monday. */
	cmos_write(f, RTC_CMOS_SECONDS, 0x05);
	cmos_write(f, RTC_CMOS_MINUTES, 0x04);
	cmos_write(f, RTC_CMOS_HOURS, 0x03);
	cmos_write(f, RTC_CMOS_DAY_OF_WEEK, 2);
	cmos_write(f, RTC_CMOS_DAY_OF_MONTH, 0x02);
	cmos_write(f, RTC_CMOS_MONTH, 0x01);
	cmos_write(f, RTC_CMOS_YEAR, 0x30);
	cmos_write(f, RTC_CMOS_CENTURY, 0x20);
	f->now += 7 * NS; /* still frozen */
	expect_time(f, (struct regs){ 0x05, 0x04, 0x03, 2, 0x02, 0x01, 0x30,
				      0x20 });
	cmos_write(f, RTC_CMOS_REG_B, RTC_CMOS_B_24H);

	/* The clock runs on from what was written, a new second from now. */
	expect_time(f, (struct regs){ 0x05, 0x04, 0x03, 2, 0x02, 0x01, 0x30,
				      0x20 });
	f->now += NS - 1;
	assert_int_equal(cmos_read(f, RTC_CMOS_SECONDS), 0x05);
	f->now += 1;
	assert_int_equal(cmos_read(f, RTC_CMOS_SECONDS), 0x06);
	/* The written day of week runs on from its own value. */
	f->now += 86400 * NS;
	assert_int_equal(cmos_read(f, RTC_CMOS_DAY_OF_WEEK), 3);
	f->now += 5 * 86400 * NS;
	assert_int_equal(cmos_read(f, RTC_CMOS_DAY_OF_WEEK), 1);
	assert_int_equal(cmos_read(f, RTC_CMOS_DAY_OF_MONTH), 0x08);

	/* Set the time in binary 12-hour mode: 11:30:00 PM, 1999-12-31. */
	cmos_write(f, RTC_CMOS_REG_B, RTC_CMOS_B_SET | RTC_CMOS_B_DM);
	cmos_write(f, RTC_CMOS_SECONDS, 0);
	cmos_write(f, RTC_CMOS_MINUTES, 30);
	cmos_write(f, RTC_CMOS_HOURS, RTC_CMOS_HOURS_PM | 11);
	cmos_write(f, RTC_CMOS_DAY_OF_WEEK, 6);
	cmos_write(f, RTC_CMOS_DAY_OF_MONTH, 31);
	cmos_write(f, RTC_CMOS_MONTH, 12);
	cmos_write(f, RTC_CMOS_YEAR, 99);
	cmos_write(f, RTC_CMOS_CENTURY, 19);
	/* Clear SET in the format the bytes were written in... */
	cmos_write(f, RTC_CMOS_REG_B, RTC_CMOS_B_DM);
	assert_int_equal(cmos_read(f, RTC_CMOS_HOURS), RTC_CMOS_HOURS_PM | 11);
	/* ...then any format reads the same time. */
	cmos_write(f, RTC_CMOS_REG_B, RTC_CMOS_B_24H);
	expect_time(f, (struct regs){ 0x00, 0x30, 0x23, 6, 0x31, 0x12, 0x99,
				      0x19 });
	f->now += 1800 * NS;
	expect_time(f, (struct regs){ 0x00, 0x00, 0x00, 7, 0x01, 0x01, 0x00,
				      0x20 });
}

static void test_write_field_running(void **state)
{
	struct fixture *f = *state;

	/* Without SET a write changes that field at once. */
	cmos_write(f, RTC_CMOS_MINUTES, 0x10);
	expect_time(f, (struct regs){ 0x58, 0x10, 0x23, 5, 0x26, 0x11, 0x26,
				      0x20 });
	/* The sub-second phase is kept: the next second is 0.5 s away. */
	f->now += 499 * MS;
	assert_int_equal(cmos_read(f, RTC_CMOS_SECONDS), 0x58);
	f->now += 1 * MS;
	assert_int_equal(cmos_read(f, RTC_CMOS_SECONDS), 0x59);
	cmos_write(f, RTC_CMOS_YEAR, 0x28);
	cmos_write(f, RTC_CMOS_MONTH, 0x02);
	cmos_write(f, RTC_CMOS_DAY_OF_MONTH, 0x29);
	/* The day of week is a register of its own: it keeps its value. */
	assert_int_equal(cmos_read(f, RTC_CMOS_DAY_OF_WEEK), 5);
	assert_int_equal(cmos_read(f, RTC_CMOS_DAY_OF_MONTH), 0x29);
	assert_int_equal(cmos_read(f, RTC_CMOS_MONTH), 0x02);
	assert_int_equal(cmos_read(f, RTC_CMOS_YEAR), 0x28);
	assert_int_equal(cmos_read(f, RTC_CMOS_HOURS), 0x23);
	/* Out of range, it goes back to the date's: a Tuesday. */
	cmos_write(f, RTC_CMOS_DAY_OF_WEEK, 0);
	assert_int_equal(cmos_read(f, RTC_CMOS_DAY_OF_WEEK), 3);
	/* A day of week written alone sticks and runs on. */
	cmos_write(f, RTC_CMOS_DAY_OF_WEEK, 7);
	assert_int_equal(cmos_read(f, RTC_CMOS_DAY_OF_WEEK), 7);
	f->now += 86400 * NS;
	assert_int_equal(cmos_read(f, RTC_CMOS_DAY_OF_WEEK), 1);
	assert_int_equal(cmos_read(f, RTC_CMOS_DAY_OF_MONTH), 0x01);
	assert_int_equal(cmos_read(f, RTC_CMOS_MONTH), 0x03);
}

static void test_uip_window(void **state)
{
	struct fixture *f = *state;
	int64_t sec = T_2026_11_26_235958 * NS;

	f->now = sec + NS - RTC_CMOS_UIP_NS - 1;
	assert_int_equal(cmos_read(f, RTC_CMOS_REG_A), 0x26);
	f->now = sec + NS - RTC_CMOS_UIP_NS;
	assert_int_equal(cmos_read(f, RTC_CMOS_REG_A), 0xa6);
	/* During the window the old second still reads. */
	assert_int_equal(cmos_read(f, RTC_CMOS_SECONDS), 0x58);
	f->now = sec + NS - 1;
	assert_int_equal(cmos_read(f, RTC_CMOS_REG_A), 0xa6);
	f->now = sec + NS;
	assert_int_equal(cmos_read(f, RTC_CMOS_REG_A), 0x26);
	assert_int_equal(cmos_read(f, RTC_CMOS_SECONDS), 0x59);

	/* What a guest does: wait for UIP to clear; it never takes long. */
	f->now = sec + NS - 200000;
	int polls = 0;
	while (cmos_read(f, RTC_CMOS_REG_A) & RTC_CMOS_A_UIP) {
		f->now += 1000; /* 1 us a poll */
		polls++;
	}
	assert_int_equal(polls, 200);
	assert_int_equal(cmos_read(f, RTC_CMOS_SECONDS), 0x59);

	/* UIP is read-only, and 0 while SET is 1. */
	f->now = sec + NS - 1;
	cmos_write(f, RTC_CMOS_REG_A, 0x80 | 0x2f);
	assert_int_equal(cmos_read(f, RTC_CMOS_REG_A), 0xaf);
	cmos_write(f, RTC_CMOS_REG_B, RTC_CMOS_B_SET | RTC_CMOS_B_24H);
	assert_int_equal(cmos_read(f, RTC_CMOS_REG_A), 0x2f);
}

static void test_reg_c_update_flag(void **state)
{
	struct fixture *f = *state;

	/* No periodic flag (RS = 0), no alarm at midnight (it is 12:00). */
	cmos_write(f, RTC_CMOS_REG_A, 0x20);
	cmos_write(f, RTC_CMOS_HOURS_ALARM, 0x12);
	/* UF is set each second even with UIE clear; reading C clears it. */
	f->now += NS;
	assert_int_equal(cmos_read(f, RTC_CMOS_REG_C), RTC_CMOS_C_UF);
	assert_int_equal(cmos_read(f, RTC_CMOS_REG_C), 0);
	f->now += 400 * MS;
	assert_int_equal(cmos_read(f, RTC_CMOS_REG_C), 0);
	expect_irq(f, 0, false);

	/* With UIE the line rises at the next tick after the second. */
	cmos_write(f, RTC_CMOS_REG_B, RTC_CMOS_B_UIE | RTC_CMOS_B_24H);
	assert_int_equal(next_event(f), (T_2026_11_26_235958 + 2) * NS);
	rtc_cmos_tick(&f->rtc);
	expect_irq(f, 0, false);
	f->now = (T_2026_11_26_235958 + 2) * NS;
	rtc_cmos_tick(&f->rtc);
	expect_irq(f, 1, true);
	rtc_cmos_tick(&f->rtc);
	expect_irq(f, 1, true);
	/* Reading C returns IRQF|UF and drops the line. */
	assert_int_equal(cmos_read(f, RTC_CMOS_REG_C), 0x90);
	expect_irq(f, 2, false);
	assert_int_equal(cmos_read(f, RTC_CMOS_REG_C), 0);

	/* A pending flag raises the line when its enable is set. */
	cmos_write(f, RTC_CMOS_REG_B, RTC_CMOS_B_24H);
	f->now += NS;
	rtc_cmos_tick(&f->rtc);
	expect_irq(f, 2, false);
	cmos_write(f, RTC_CMOS_REG_B, RTC_CMOS_B_UIE | RTC_CMOS_B_24H);
	expect_irq(f, 3, true);
	/* ...and clearing the enable drops it; UF stays. */
	cmos_write(f, RTC_CMOS_REG_B, RTC_CMOS_B_24H);
	expect_irq(f, 4, false);
	assert_int_equal(cmos_read(f, RTC_CMOS_REG_C), RTC_CMOS_C_UF);

	/* No updates while SET is 1; and SET clears UIE. */
	cmos_write(f, RTC_CMOS_REG_B,
		   RTC_CMOS_B_SET | RTC_CMOS_B_UIE | RTC_CMOS_B_24H);
	f->now += 3 * NS;
	assert_int_equal(cmos_read(f, RTC_CMOS_REG_C), 0);
	cmos_write(f, RTC_CMOS_REG_B, RTC_CMOS_B_24H);
	assert_int_equal(cmos_read(f, RTC_CMOS_REG_C), 0);
	expect_irq(f, 4, false);
}

static void test_alarm(void **state)
{
	struct fixture *f = *state;

	cmos_write(f, RTC_CMOS_REG_A, 0x20); /* no periodic flag */
	/* Alarm at 00:00:00 (BCD); the time is 23:59:58.5. */
	cmos_write(f, RTC_CMOS_SECONDS_ALARM, 0x00);
	cmos_write(f, RTC_CMOS_MINUTES_ALARM, 0x00);
	cmos_write(f, RTC_CMOS_HOURS_ALARM, 0x00);
	cmos_write(f, RTC_CMOS_REG_B, RTC_CMOS_B_AIE | RTC_CMOS_B_24H);
	f->now += NS;
	rtc_cmos_tick(&f->rtc);
	expect_irq(f, 0, false);
	assert_int_equal(cmos_read(f, RTC_CMOS_REG_C), RTC_CMOS_C_UF);
	f->now += NS;
	rtc_cmos_tick(&f->rtc);
	expect_irq(f, 1, true);
	assert_int_equal(cmos_read(f, RTC_CMOS_REG_C), 0xb0);
	expect_irq(f, 2, false);
	f->now += NS;
	assert_int_equal(cmos_read(f, RTC_CMOS_REG_C), RTC_CMOS_C_UF);

	/* Passed while nobody looked: found on the next read of C. */
	f->now += 86400 * NS;
	assert_int_equal(cmos_read(f, RTC_CMOS_REG_C), 0xb0);
	/* Far more than a day: still found, once. */
	f->now += 40 * 86400 * NS;
	assert_int_equal(cmos_read(f, RTC_CMOS_REG_C), 0xb0);
	expect_irq(f, 6, false);

	/* "Don't care" bytes: every second matches. */
	cmos_write(f, RTC_CMOS_SECONDS_ALARM, 0xff);
	cmos_write(f, RTC_CMOS_MINUTES_ALARM, 0xc0);
	cmos_write(f, RTC_CMOS_HOURS_ALARM, 0xd5);
	f->now += NS; /* 00:00:02.5 */
	assert_int_equal(cmos_read(f, RTC_CMOS_REG_C), 0xb0);
	/* Only hours don't care: xx:00:30 matches once an hour. */
	cmos_write(f, RTC_CMOS_SECONDS_ALARM, 0x30);
	cmos_write(f, RTC_CMOS_MINUTES_ALARM, 0x00);
	cmos_write(f, RTC_CMOS_HOURS_ALARM, 0xc0);
	f->now += 27 * NS;
	assert_int_equal(cmos_read(f, RTC_CMOS_SECONDS), 0x29);
	assert_int_equal(cmos_read(f, RTC_CMOS_REG_C), 0x10);
	f->now += NS;
	assert_int_equal(cmos_read(f, RTC_CMOS_REG_C), 0xb0);
	f->now += 3599 * NS;
	assert_int_equal(cmos_read(f, RTC_CMOS_REG_C), 0x10);
	f->now += NS;
	assert_int_equal(cmos_read(f, RTC_CMOS_REG_C), 0xb0);

	/* 12-hour alarms compare with the PM bit: 12:00:30 PM is 0x92. */
	cmos_write(f, RTC_CMOS_REG_B, RTC_CMOS_B_AIE);
	cmos_write(f, RTC_CMOS_HOURS_ALARM, 0x92);
	assert_int_equal(cmos_read(f, RTC_CMOS_HOURS), 0x01);
	f->now += 11 * 3600 * NS;
	assert_int_equal(cmos_read(f, RTC_CMOS_HOURS), 0x92);
	assert_int_equal(cmos_read(f, RTC_CMOS_REG_C), 0xb0);
	f->now += 12 * 3600 * NS;
	assert_int_equal(cmos_read(f, RTC_CMOS_REG_C), 0x10);
}

static void test_periodic(void **state)
{
	struct fixture *f = *state;
	int64_t sec = T_2026_11_26_235958 * NS;

	/* RS = 6: 1024 Hz, a period of 976.5625 us. */
	f->now = sec;
	rtc_cmos_tick(&f->rtc);
	cmos_read(f, RTC_CMOS_REG_C);
	f->now = sec + 976562;
	assert_int_equal(cmos_read(f, RTC_CMOS_REG_C), 0);
	f->now = sec + 976563;
	assert_int_equal(cmos_read(f, RTC_CMOS_REG_C), RTC_CMOS_C_PF);

	cmos_write(f, RTC_CMOS_REG_B, RTC_CMOS_B_PIE | RTC_CMOS_B_24H);
	assert_int_equal(next_event(f), sec + 1953125);
	f->now = sec + 1953124;
	rtc_cmos_tick(&f->rtc);
	expect_irq(f, 0, false);
	f->now = sec + 1953125;
	rtc_cmos_tick(&f->rtc);
	expect_irq(f, 1, true);
	assert_int_equal(cmos_read(f, RTC_CMOS_REG_C), 0xc0);
	expect_irq(f, 2, false);

	/* RS = 15: 2 Hz. */
	cmos_write(f, RTC_CMOS_REG_A, 0x2f);
	assert_int_equal(next_event(f), sec + 500 * MS);
	f->now = sec + 499 * MS;
	assert_int_equal(cmos_read(f, RTC_CMOS_REG_C), 0);
	f->now = sec + 500 * MS;
	assert_int_equal(cmos_read(f, RTC_CMOS_REG_C), 0xc0);
	/* RS = 1 and 2: 256 Hz and 128 Hz. */
	cmos_write(f, RTC_CMOS_REG_A, 0x21);
	assert_int_equal(next_event(f), sec + 500 * MS + 3906250);
	cmos_write(f, RTC_CMOS_REG_A, 0x22);
	assert_int_equal(next_event(f), sec + 500 * MS + 7812500);
	/* RS = 3: 8192 Hz, 122.0703125 us (rounded up). */
	cmos_write(f, RTC_CMOS_REG_A, 0x23);
	assert_int_equal(next_event(f), sec + 500 * MS + 122071);

	/* RS = 0: no periodic flag at all. */
	cmos_write(f, RTC_CMOS_REG_A, 0x20);
	assert_int_equal(next_event(f), -1);
	f->now += 100 * MS;
	assert_int_equal(cmos_read(f, RTC_CMOS_REG_C), 0);
	expect_irq(f, 4, false);

	/* UIE and PIE: the earlier event wins. */
	cmos_write(f, RTC_CMOS_REG_A, 0x2f);
	cmos_write(f, RTC_CMOS_REG_B,
		   RTC_CMOS_B_PIE | RTC_CMOS_B_UIE | RTC_CMOS_B_24H);
	assert_int_equal(next_event(f), sec + NS);
	f->now = sec + NS;
	rtc_cmos_tick(&f->rtc);
	expect_irq(f, 5, true);
	assert_int_equal(cmos_read(f, RTC_CMOS_REG_C), 0xd0);
	expect_irq(f, 6, false);
}

static void test_cmos_ram(void **state)
{
	struct fixture *f = *state;

	for (unsigned int i = 0x0e; i < RTC_CMOS_SIZE; i++)
		if (i != RTC_CMOS_CENTURY)
			assert_int_equal(cmos_read(f, (uint8_t)i), 0);
	for (unsigned int i = 0x0e; i < RTC_CMOS_SIZE; i++)
		if (i != RTC_CMOS_CENTURY)
			cmos_write(f, (uint8_t)i, (uint8_t)(i * 3 + 1));
	for (unsigned int i = 0x0e; i < RTC_CMOS_SIZE; i++)
		if (i != RTC_CMOS_CENTURY)
			assert_int_equal(cmos_read(f, (uint8_t)i),
					 (uint8_t)(i * 3 + 1));
	/* Index bit 7 is the NMI mask: 0x8e reaches byte 0x0e. */
	assert_int_equal(cmos_read(f, 0x8e), 0x0e * 3 + 1);

	assert_int_equal(rtc_cmos_set_ram(&f->rtc, 0x0e, 0xab), 0);
	assert_int_equal(rtc_cmos_set_ram(&f->rtc, 0x7f, 0xcd), 0);
	assert_int_equal(cmos_read(f, 0x0e), 0xab);
	assert_int_equal(cmos_read(f, 0x7f), 0xcd);
	for (unsigned int i = 0; i <= RTC_CMOS_REG_D; i++)
		assert_int_equal(rtc_cmos_set_ram(&f->rtc, i, 1), -EINVAL);
	assert_int_equal(rtc_cmos_set_ram(&f->rtc, RTC_CMOS_CENTURY, 1),
			 -EINVAL);
	assert_int_equal(rtc_cmos_set_ram(&f->rtc, 0x80, 1), -EINVAL);
	assert_int_equal(rtc_cmos_set_ram(&f->rtc, ~0u, 1), -EINVAL);

	/* C and D are read-only. */
	cmos_write(f, RTC_CMOS_REG_C, 0xff);
	cmos_write(f, RTC_CMOS_REG_D, 0x00);
	assert_int_equal(cmos_read(f, RTC_CMOS_REG_C), 0);
	assert_int_equal(cmos_read(f, RTC_CMOS_REG_D), 0x80);
	/* The time is untouched by all this. */
	expect_time(f, (struct regs){ 0x58, 0x59, 0x23, 5, 0x26, 0x11, 0x26,
				      0x20 });
}

static void test_ram_sizes(void **state)
{
	struct fixture *f = *state;

	/* 3 GiB below 4 GiB, 1 GiB above. */
	rtc_cmos_set_ram_sizes(&f->rtc, 3ULL << 30, 1ULL << 30);
	assert_int_equal(cmos_read(f, 0x15), 0x80); /* 640 KiB */
	assert_int_equal(cmos_read(f, 0x16), 0x02);
	assert_int_equal(cmos_read(f, 0x17), 0xff); /* capped */
	assert_int_equal(cmos_read(f, 0x18), 0xff);
	assert_int_equal(cmos_read(f, 0x30), 0xff);
	assert_int_equal(cmos_read(f, 0x31), 0xff);
	assert_int_equal(cmos_read(f, 0x34), 0x00); /* 0xbf00 x 64 KiB */
	assert_int_equal(cmos_read(f, 0x35), 0xbf);
	assert_int_equal(cmos_read(f, 0x5b), 0x00); /* 0x4000 x 64 KiB */
	assert_int_equal(cmos_read(f, 0x5c), 0x40);
	assert_int_equal(cmos_read(f, 0x5d), 0x00);

	/* 8 MiB: 7 MiB above 1 MiB, none above 16 MiB or 4 GiB. */
	rtc_cmos_set_ram_sizes(&f->rtc, 8ULL << 20, 0);
	assert_int_equal(cmos_read(f, 0x17), 0x00);
	assert_int_equal(cmos_read(f, 0x18), 0x1c);
	assert_int_equal(cmos_read(f, 0x30), 0x00);
	assert_int_equal(cmos_read(f, 0x31), 0x1c);
	assert_int_equal(cmos_read(f, 0x34), 0);
	assert_int_equal(cmos_read(f, 0x35), 0);
	assert_int_equal(cmos_read(f, 0x5b), 0);
	assert_int_equal(cmos_read(f, 0x5c), 0);
	assert_int_equal(cmos_read(f, 0x5d), 0);

	/* Huge: every field capped. */
	rtc_cmos_set_ram_sizes(&f->rtc, ~0ULL, ~0ULL);
	assert_int_equal(cmos_read(f, 0x35), 0xff);
	assert_int_equal(cmos_read(f, 0x5d), 0xff);
	assert_int_equal(cmos_read(f, 0x5e), 0x00);
}

/* No backend: the real clock, no callbacks. */
static void test_no_backend(void **state)
{
	struct rtc_cmos rtc;
	uint64_t v = 0;
	time_t t = time(NULL);
	struct tm tm;

	(void)state;
	rtc_cmos_init(&rtc, NULL, NULL);
	rtc.dev.ops->write(&rtc.dev, 0, 1, RTC_CMOS_REG_B);
	rtc.dev.ops->write(&rtc.dev, 1, 1, 0x12);
	rtc.dev.ops->write(&rtc.dev, 0, 1, RTC_CMOS_YEAR);
	rtc.dev.ops->read(&rtc.dev, 1, 1, &v);
	gmtime_r(&t, &tm);
	/* Unless the year turned over in between. */
	assert_true(v == (uint64_t)((tm.tm_year / 10 % 10) << 4 |
				    tm.tm_year % 10) ||
		    time(NULL) != t);
	rtc_cmos_tick(&rtc);
	rtc_cmos_destroy(&rtc);
}

/* Every byte into every register, any clock: no crash, time still sane. */
static void test_hostile(void **state)
{
	struct fixture *f = *state;
	static const int64_t clocks[] = { 0, -1, INT64_MIN, INT64_MAX,
					  T_2026_11_26_235958 * NS };
	static const uint8_t b_values[] = { 0x00, 0x02, 0x04, 0x06,
					    0x80, 0x86, 0xff, 0x7f };
	struct iobus_dev *dev = &f->rtc.dev;
	uint64_t v;

	for (unsigned int c = 0; c < 5; c++) {
		f->now = clocks[c];
		for (unsigned int b = 0; b < sizeof(b_values); b++) {
			for (unsigned int idx = 0; idx < 256; idx++) {
				if ((idx & 0x7f) == RTC_CMOS_REG_B)
					continue;
				cmos_write(f, RTC_CMOS_REG_B, b_values[b]);
				for (unsigned int val = 0; val < 256;
				     val += 17) {
					cmos_write(f, (uint8_t)idx,
						   (uint8_t)val);
					cmos_read(f, (uint8_t)idx);
				}
			}
			cmos_write(f, RTC_CMOS_REG_B, 0x02);
			rtc_cmos_tick(&f->rtc);
			(void)next_event(f);
			/* About four years on, where that fits. */
			if (f->now < INT64_MAX - 1461 * 86400 * NS)
				f->now += 1461 * 86400 * NS;
		}
		for (uint64_t off = 0; off < 8; off++) {
			for (unsigned int size = 0; size <= 9; size++) {
				dev->ops->write(dev, off, size, ~0ULL);
				dev->ops->read(dev, off, size, &v);
				dev->ops->write(dev, off, size, 0x0282);
			}
		}
		dev->ops->write(dev, ~0ULL, 8, 0x80);
		dev->ops->read(dev, ~0ULL, 8, &v);
	}
	/* Set a sane time again: the model still does the right thing. */
	f->now = 0;
	cmos_write(f, RTC_CMOS_REG_A, 0x26);
	cmos_write(f, RTC_CMOS_REG_B, RTC_CMOS_B_SET | RTC_CMOS_B_24H);
	cmos_write(f, RTC_CMOS_SECONDS, 0x58);
	cmos_write(f, RTC_CMOS_MINUTES, 0x59);
	cmos_write(f, RTC_CMOS_HOURS, 0x23);
	cmos_write(f, RTC_CMOS_DAY_OF_WEEK, 0x00);
	cmos_write(f, RTC_CMOS_DAY_OF_MONTH, 0x26);
	cmos_write(f, RTC_CMOS_MONTH, 0x11);
	cmos_write(f, RTC_CMOS_YEAR, 0x26);
	cmos_write(f, RTC_CMOS_CENTURY, 0x20);
	cmos_write(f, RTC_CMOS_REG_B, RTC_CMOS_B_24H);
	f->now += 500 * MS;
	expect_time(f, (struct regs){ 0x58, 0x59, 0x23, 5, 0x26, 0x11, 0x26,
				      0x20 });
}

/* The largest values the registers can hold, and invalid ones, roll. */
static void test_extreme_dates(void **state)
{
	struct fixture *f = *state;

	/* Binary century 255, year 255: 25755; 31 February rolls over. */
	cmos_write(f, RTC_CMOS_REG_B,
		   RTC_CMOS_B_SET | RTC_CMOS_B_DM | RTC_CMOS_B_24H);
	cmos_write(f, RTC_CMOS_CENTURY, 255);
	cmos_write(f, RTC_CMOS_YEAR, 255);
	cmos_write(f, RTC_CMOS_MONTH, 2);
	cmos_write(f, RTC_CMOS_DAY_OF_MONTH, 31);
	cmos_write(f, RTC_CMOS_HOURS, 0);
	cmos_write(f, RTC_CMOS_MINUTES, 0);
	cmos_write(f, RTC_CMOS_SECONDS, 0);
	cmos_write(f, RTC_CMOS_REG_B, RTC_CMOS_B_DM | RTC_CMOS_B_24H);
	/* 25755 is not a leap year: 31 February is 3 March. */
	assert_int_equal(cmos_read(f, RTC_CMOS_MONTH), 3);
	assert_int_equal(cmos_read(f, RTC_CMOS_DAY_OF_MONTH), 3);
	assert_int_equal(cmos_read(f, RTC_CMOS_YEAR), 55);
	assert_int_equal(cmos_read(f, RTC_CMOS_CENTURY), 57);

	/* BCD 0xff is 165 and month 0 counts as 1: nothing breaks. */
	cmos_write(f, RTC_CMOS_REG_B, RTC_CMOS_B_SET | RTC_CMOS_B_24H);
	cmos_write(f, RTC_CMOS_MONTH, 0x00);
	cmos_write(f, RTC_CMOS_DAY_OF_MONTH, 0x01);
	cmos_write(f, RTC_CMOS_SECONDS, 0xff);
	cmos_write(f, RTC_CMOS_DAY_OF_WEEK, 0);
	cmos_write(f, RTC_CMOS_MINUTES, 0x00);
	cmos_write(f, RTC_CMOS_HOURS, 0x00);
	cmos_write(f, RTC_CMOS_YEAR, 0x01);
	cmos_write(f, RTC_CMOS_CENTURY, 0x20);
	cmos_write(f, RTC_CMOS_REG_B, RTC_CMOS_B_24H);
	expect_time(f, (struct regs){ 0x45, 0x02, 0x00, 2, 0x01, 0x01, 0x01,
				      0x20 });
}

/*
 * Writes that can move the next timed event (registers A and B, the clock)
 * tell the backend, so that a host loop sleeping until the old event
 * looks again; CMOS RAM, the index port and reads do not.
 */
static void test_reschedule(void **state)
{
	struct fixture *f = *state;

	cmos_write(f, RTC_CMOS_REG_B, RTC_CMOS_B_24H | RTC_CMOS_B_PIE);
	assert_int_equal(f->nresched, 1);
	cmos_write(f, RTC_CMOS_REG_A, 0x26);
	assert_int_equal(f->nresched, 2);
	cmos_write(f, 0x00, 0x30); /* seconds */
	assert_int_equal(f->nresched, 3);
	cmos_write(f, 0x40, 0x55); /* RAM */
	(void)cmos_read(f, RTC_CMOS_REG_C);
	assert_true(iobus_write(&f->bus, IOBUS_PIO, 0x70, 1, 0x0b));
	assert_int_equal(f->nresched, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_power_on, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bcd_24h, setup, teardown),
		cmocka_unit_test_setup_teardown(test_binary_24h, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_12h, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_year_and_leap_days,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_index_port_and_nmi, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_access_widths, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_set_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_field_running, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_uip_window, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reg_c_update_flag, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_alarm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_periodic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmos_ram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ram_sizes, setup,
						teardown),
		cmocka_unit_test(test_no_backend),
		cmocka_unit_test_setup_teardown(test_reschedule, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_extreme_dates, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
