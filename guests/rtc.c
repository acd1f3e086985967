/*
 * rtc: reads the CMOS real-time clock as a PC OS does (MC146818A
 * datasheet, "Update Cycle"; the century byte at 0x32 that the FADT's
 * CENTURY names): waits for UIP to clear, reads the time registers, and
 * reads again until two readings agree; decodes BCD or binary per register
 * B's DM bit and 12- or 24-hour per its 24/12 bit.  Prints
 *
 *   rtc: YYYY-MM-DD HH:MM:SS
 *   rtc: century 0xCC, registers A 0x.. B 0x.. D 0x..
 *
 * then checks that register D's VRT bit is set, that a CMOS RAM byte
 * (0x40) keeps what is written to it, and that the clock reads the same
 * time in binary and in 12-hour mode as in the default BCD 24-hour mode.
 * Returns PASS (status 85) when every check holds.
 *
 * With irq=1 on the command line it checks IRQ 8 instead: periodic and
 * update-ended interrupts through the IOAPIC (see irq_mode()), printing
 * "rtc: N periodic interrupts (PF) on IOAPIC pin 8" and "rtc: N
 * update-ended interrupt (UF)".
 */
#include "rt.h"
#include "x86.h"

#define PASS 0x2a
#define FAIL 0x2b

#define REG_A	 0x0a
#define REG_B	 0x0b
#define REG_C	 0x0c
#define REG_D	 0x0d
#define CENTURY	 0x32
#define A_UIP	 0x80
#define B_DM	 0x04 /* binary */
#define B_24H	 0x02
#define D_VRT	 0x80
#define PM_BIT	 0x80
#define RAM_BYTE 0x40

struct rtc_time {
	unsigned int sec, min, hour, day, mon, year, century;
};

static unsigned int bcd(unsigned int v)
{
	return (v >> 4) * 10 + (v & 0xf);
}

static void read_raw(uint8_t r[7])
{
	static const uint8_t idx[7] = { 0x00, 0x02, 0x04,   0x07,
					0x08, 0x09, CENTURY };
	unsigned int spins = 100000;

	while ((rt_cmos_read(REG_A) & A_UIP) && --spins)
		;
	for (int i = 0; i < 7; i++)
		r[i] = rt_cmos_read(idx[i]);
}

/* Two equal readings in a row, decoded as register B says. */
static bool read_time(struct rtc_time *t)
{
	uint8_t a[7], b[7], regb;
	int tries = 10;
	bool same;

	read_raw(a);
	do {
		read_raw(b);
		same = true;
		for (int i = 0; i < 7; i++) {
			same = same && a[i] == b[i];
			a[i] = b[i];
		}
	} while (!same && --tries);
	if (!same)
		return false;
	regb = rt_cmos_read(REG_B);
	unsigned int hour = b[2] & ~PM_BIT;
	bool pm = b[2] & PM_BIT;
	if (!(regb & B_DM)) {
		for (int i = 0; i < 7; i++)
			b[i] = (uint8_t)bcd(b[i]);
		hour = bcd(hour);
	}
	if (!(regb & B_24H)) /* 12 AM is 00, 12 PM is 12 */
		hour = (hour % 12) + (pm ? 12 : 0);
	*t = (struct rtc_time){ .sec = b[0],
				.min = b[1],
				.hour = hour,
				.day = b[3],
				.mon = b[4],
				.year = b[5],
				.century = b[6] };
	return true;
}

static uint64_t seconds_of_day(const struct rtc_time *t)
{
	return t->hour * 3600ULL + t->min * 60ULL + t->sec;
}

/* The same time to within 2 s (the readings are moments apart). */
static bool agree(const struct rtc_time *a, const struct rtc_time *b)
{
	uint64_t x = seconds_of_day(a), y = seconds_of_day(b);

	if (a->day != b->day || a->mon != b->mon || a->year != b->year)
		return x > 86000 || y > 86000; /* midnight in between */
	return (x > y ? x - y : y - x) <= 2;
}

#define VEC_RTC	  0x38
#define VEC_WATCH 0x39
#define RS_1024HZ 0x06
#define B_PIE	  0x40
#define B_UIE	  0x10
#define C_PF	  0x40
#define C_UF	  0x10
#define PERIODIC  20
#define TSC_LIMIT (3ULL * 3000000000ULL)

static volatile unsigned int pf, uf;

/* IRQ 8: reading register C acknowledges (clears IRQF, the line drops). */
static void on_rtc(uint64_t v, uint64_t error, struct rt_frame *f)
{
	uint8_t c = rt_cmos_read(REG_C);

	(void)v, (void)error, (void)f;
	if (c & C_PF)
		pf++;
	if (c & C_UF)
		uf++;
	rt_lapic_eoi();
}

static void on_watch(uint64_t v, uint64_t error, struct rt_frame *f)
{
	(void)v, (void)error, (void)f;
	rt_lapic_eoi();
}

/*
 * irq=1: the RTC's interrupts through IOAPIC pin 8 (GSI 8, no override):
 * PERIODIC periodic interrupts at 1024 Hz (PIE, RS = 6), then one
 * update-ended interrupt (UIE), each wait bounded by the TSC.
 */
static int irq_mode(void)
{
	uint8_t a = rt_cmos_read(REG_A), b = rt_cmos_read(REG_B);
	uint64_t start;
	unsigned int pf_seen;

	rt_idt_init();
	rt_set_handler(VEC_RTC, on_rtc);
	rt_set_handler(VEC_WATCH, on_watch);
	rt_pic_mask_all();
	rt_lapic_enable();
	rt_lapic_write(LAPIC_TIMER_DIV, 0x3);
	rt_lapic_write(LAPIC_LVT_TIMER, (1u << 17) | VEC_WATCH);
	rt_lapic_write(LAPIC_TIMER_INIT, 6250000); /* ~100 ms wake-ups */
	rt_ioapic_route(8, VEC_RTC, 0, false);
	(void)rt_cmos_read(REG_C);

	rt_cmos_write(REG_A, (uint8_t)((a & 0xf0) | RS_1024HZ));
	rt_cmos_write(REG_B, (uint8_t)(b | B_PIE));
	start = rt_rdtsc();
	while (pf < PERIODIC && rt_rdtsc() - start < TSC_LIMIT)
		rt_wait_irq();
	rt_cmos_write(REG_B, b);
	(void)rt_cmos_read(REG_C);
	pf_seen = pf;

	rt_cmos_write(REG_B, (uint8_t)(b | B_UIE));
	start = rt_rdtsc();
	while (!uf && rt_rdtsc() - start < TSC_LIMIT)
		rt_wait_irq();
	rt_cmos_write(REG_B, b);
	rt_cmos_write(REG_A, a);
	(void)rt_cmos_read(REG_C);
	rt_ioapic_mask(8);
	rt_lapic_write(LAPIC_LVT_TIMER, 1u << 16);

	rt_printf("rtc: %u periodic interrupts (PF) on IOAPIC pin 8\n",
		  pf_seen);
	rt_printf("rtc: %u update-ended interrupt (UF)\n", uf);
	if (pf_seen >= PERIODIC && uf >= 1) {
		rt_puts("rtc: ok\n");
		return PASS;
	}
	return FAIL;
}

int main(const struct hyve_boot_info *bi)
{
	struct rtc_time t, tb, t12;
	uint8_t a, b, d, ram;
	bool ok = true;

	if (rt_strtoul(rt_arg(bi, "irq"), 0))
		return irq_mode();
	a = rt_cmos_read(REG_A);
	b = rt_cmos_read(REG_B);
	(void)rt_cmos_read(REG_C); /* clears the flags */
	d = rt_cmos_read(REG_D);
	if (!read_time(&t)) {
		rt_puts("rtc: the time never read the same twice\n");
		return FAIL;
	}
	rt_printf("rtc: %02u%02u-%02u-%02u %02u:%02u:%02u\n", t.century, t.year,
		  t.mon, t.day, t.hour, t.min, t.sec);
	rt_printf("rtc: century %#x, registers A %#x B %#x D %#x\n",
		  rt_cmos_read(CENTURY), a & ~A_UIP, b, d);
	if (d & D_VRT) {
		rt_puts("rtc: register D: VRT set (valid RAM and time)\n");
	} else {
		rt_puts("rtc: register D: VRT clear\n");
		ok = false;
	}

	rt_cmos_write(RAM_BYTE, 0xa5);
	ram = rt_cmos_read(RAM_BYTE);
	rt_cmos_write(RAM_BYTE, 0x5a);
	rt_printf("rtc: cmos[%#x] wrote 0xa5 read %#x, wrote 0x5a read %#x\n",
		  RAM_BYTE, ram, rt_cmos_read(RAM_BYTE));
	ok = ok && ram == 0xa5 && rt_cmos_read(RAM_BYTE) == 0x5a;

	/* Binary mode, then 12-hour BCD mode: the same time. */
	rt_cmos_write(REG_B, (uint8_t)(b | B_DM));
	if (read_time(&tb) && agree(&t, &tb) && tb.century == t.century) {
		rt_puts("rtc: binary mode agrees\n");
	} else {
		rt_printf("rtc: binary mode reads %u-%u-%u %u:%u:%u\n", tb.year,
			  tb.mon, tb.day, tb.hour, tb.min, tb.sec);
		ok = false;
	}
	rt_cmos_write(REG_B, (uint8_t)(b & ~(B_DM | B_24H)));
	if (read_time(&t12) && agree(&t, &t12)) {
		rt_puts("rtc: 12-hour mode agrees\n");
	} else {
		rt_printf("rtc: 12-hour mode reads %u:%u:%u\n", t12.hour,
			  t12.min, t12.sec);
		ok = false;
	}
	rt_cmos_write(REG_B, b);

	if (ok)
		rt_puts("rtc: ok\n");
	return ok ? PASS : FAIL;
}
