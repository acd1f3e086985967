/*
 * rtc_cmos.c: the MC146818A-compatible CMOS RTC.  See rtc_cmos.h for what
 * is emulated.
 *
 * The guest's time is the host's CLOCK_REALTIME plus an offset, kept as
 * whole seconds and nanoseconds (so no sum overflows for any year the
 * registers can hold, 0 to 25755).  Dates are converted with day counts in
 * the proleptic Gregorian calendar, in plain integer arithmetic: days since
 * 1970-01-01 from a year, month and day and back, using the 400-year cycle
 * of 146097 days and a year that starts on 1 March so that the leap day is
 * the year's last.
 *
 * Flags are evaluated lazily (see rtc_cmos.h): each evaluation looks at the
 * time since the last one.  UF is set if a second boundary passed, AF if
 * any of the seconds that began matched the alarm (at most one day of them
 * is examined: a day holds every hour, minute and second), PF if a
 * boundary of the periodic rate passed.  Whenever the guest's time is
 * changed the evaluation restarts from that moment, so a jump in time is
 * not an update.
 */
#include "hw/rtc_cmos.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#define NS_PER_SEC  1000000000LL
#define SEC_PER_DAY 86400LL
#define TIMEBASE_HZ 32768LL /* DV = 010 */

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
	int64_t r = a % b;

	return (r != 0 && (r < 0) != (b < 0)) ? r + b : r;
}

/* Days since 1970-01-01 of y-m-d, m in 1..12, d any (d - 1 is added). */
static int64_t days_from_date(int64_t y, int m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	if (m <= 2)
		y--; /* January and February end the March-based year */
	era = floor_div(y, 400);
	yoe = y - era * 400;			       /* 0..399 */
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5; /* 0..334 */
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;   /* 0..146096 */
	return era * 146097 + doe - 719468 + (d - 1);
}

struct rtc_date {
	int64_t year;
	int mon;  /* 1-12 */
	int mday; /* 1-31 */
};

static struct rtc_date date_from_days(int64_t days)
{
	int64_t z = days + 719468, era, doe, yoe, doy, mp;
	struct rtc_date dt;

	era = floor_div(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153; /* 0 = March */
	dt.mday = (int)(doy - (153 * mp + 2) / 5 + 1);
	dt.mon = (int)(mp < 10 ? mp + 3 : mp - 9);
	dt.year = yoe + era * 400 + (dt.mon <= 2);
	return dt;
}

/* Day of week, 1-7 with Sunday = 1; 1970-01-01 was a Thursday (5). */
static int weekday(int64_t days)
{
	return (int)floor_mod(days + 4, 7) + 1;
}

/* Clock ------------------------------------------------------------------ */

static int64_t rtc_now(const struct rtc_cmos *rtc)
{
	struct timespec ts;

	if (rtc->be && rtc->be->now_ns)
		return rtc->be->now_ns(rtc->ctx);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

/* The guest's time at host time now, as seconds and nanoseconds. */
static void guest_time(const struct rtc_cmos *rtc, int64_t now, int64_t *sec,
		       int64_t *frac)
{
	int64_t s = floor_div(now, NS_PER_SEC);
	int64_t f = floor_mod(now, NS_PER_SEC) + rtc->off_frac;

	s += rtc->off_sec;
	if (f >= NS_PER_SEC) {
		f -= NS_PER_SEC;
		s++;
	}
	*sec = s;
	*frac = f;
}

/* Make the guest's time sec.000000000 at host time now. */
static void set_guest_time(struct rtc_cmos *rtc, int64_t now, int64_t sec)
{
	int64_t hs = floor_div(now, NS_PER_SEC),
		hf = floor_mod(now, NS_PER_SEC);

	if (hf == 0) {
		rtc->off_sec = sec - hs;
		rtc->off_frac = 0;
	} else {
		rtc->off_sec = sec - hs - 1;
		rtc->off_frac = NS_PER_SEC - hf;
	}
}

/* Register encoding ------------------------------------------------------ */

static bool rtc_binary(const struct rtc_cmos *rtc)
{
	return rtc->reg_b & RTC_CMOS_B_DM;
}

/* v is 0..99. */
static uint8_t enc(const struct rtc_cmos *rtc, int v)
{
	if (rtc_binary(rtc))
		return (uint8_t)v;
	return (uint8_t)((v / 10 % 10) << 4 | v % 10);
}

/* Any byte: BCD digits above 9 count arithmetically (0xff is 165). */
static int dec(const struct rtc_cmos *rtc, uint8_t v)
{
	if (rtc_binary(rtc))
		return v;
	return (v >> 4) * 10 + (v & 0x0f);
}

static uint8_t enc_hours(const struct rtc_cmos *rtc, int h)
{
	if (rtc->reg_b & RTC_CMOS_B_24H)
		return enc(rtc, h);
	return (uint8_t)((h >= 12 ? RTC_CMOS_HOURS_PM : 0) |
			 enc(rtc, h % 12 ? h % 12 : 12));
}

static int dec_hours(const struct rtc_cmos *rtc, uint8_t v)
{
	if (rtc->reg_b & RTC_CMOS_B_24H)
		return dec(rtc, v);
	return dec(rtc, v & 0x7f) % 12 + (v & RTC_CMOS_HOURS_PM ? 12 : 0);
}

static bool is_time_reg(unsigned int idx)
{
	switch (idx) {
	case RTC_CMOS_SECONDS:
	case RTC_CMOS_MINUTES:
	case RTC_CMOS_HOURS:
	case RTC_CMOS_DAY_OF_WEEK:
	case RTC_CMOS_DAY_OF_MONTH:
	case RTC_CMOS_MONTH:
	case RTC_CMOS_YEAR:
	case RTC_CMOS_CENTURY:
		return true;
	default:
		return false;
	}
}

/* The clock register idx (is_time_reg) for guest time sec. */
static uint8_t time_reg(const struct rtc_cmos *rtc, int64_t sec,
			unsigned int idx)
{
	int64_t days = floor_div(sec, SEC_PER_DAY);
	int sod = (int)(sec - days * SEC_PER_DAY);
	struct rtc_date dt;

	switch (idx) {
	case RTC_CMOS_SECONDS:
		return enc(rtc, sod % 60);
	case RTC_CMOS_MINUTES:
		return enc(rtc, sod / 60 % 60);
	case RTC_CMOS_HOURS:
		return enc_hours(rtc, sod / 3600);
	case RTC_CMOS_DAY_OF_WEEK:
		return enc(rtc, (weekday(days) - 1 + rtc->dow_adj) % 7 + 1);
	default:
		break;
	}
	dt = date_from_days(days);
	switch (idx) {
	case RTC_CMOS_DAY_OF_MONTH:
		return enc(rtc, dt.mday);
	case RTC_CMOS_MONTH:
		return enc(rtc, dt.mon);
	case RTC_CMOS_YEAR:
		return enc(rtc, (int)floor_mod(dt.year, 100));
	case RTC_CMOS_CENTURY:
		return enc(rtc, (int)floor_mod(floor_div(dt.year, 100), 100));
	default:
		return 0;
	}
}

/* Fill the clock registers of r with guest time sec. */
static void snapshot(const struct rtc_cmos *rtc, int64_t sec, uint8_t *r)
{
	for (unsigned int i = 0; i < RTC_CMOS_SIZE; i++)
		if (is_time_reg(i))
			r[i] = time_reg(rtc, sec, i);
}

/*
 * The guest time that the clock registers of r say, and in *dow_adj the
 * offset that makes the day of week read back as written (0 if it is not
 * 1-7).  Out-of-range fields roll over; every byte value is safe.
 */
static int64_t decode(const struct rtc_cmos *rtc, const uint8_t *r,
		      int *dow_adj)
{
	int64_t year = (int64_t)dec(rtc, r[RTC_CMOS_CENTURY]) * 100 +
		       dec(rtc, r[RTC_CMOS_YEAR]);
	int mon = dec(rtc, r[RTC_CMOS_MONTH]);
	int dow = dec(rtc, r[RTC_CMOS_DAY_OF_WEEK]);
	int64_t days;

	if (mon < 1)
		mon = 1;
	if (mon > 12)
		mon = 12;
	days = days_from_date(year, mon, dec(rtc, r[RTC_CMOS_DAY_OF_MONTH]));
	*dow_adj = dow >= 1 && dow <= 7 ? (int)floor_mod(dow - weekday(days), 7)
					: 0;
	return days * SEC_PER_DAY + dec_hours(rtc, r[RTC_CMOS_HOURS]) * 3600LL +
	       dec(rtc, r[RTC_CMOS_MINUTES]) * 60LL +
	       dec(rtc, r[RTC_CMOS_SECONDS]);
}

/* Flags and the interrupt line ------------------------------------------ */

/*
 * The periodic rate's period in 32.768 kHz ticks; 0: none (datasheet
 * "Periodic Interrupt Rate and Square-Wave Output Frequency" table).
 */
static int64_t periodic_ticks(const struct rtc_cmos *rtc)
{
	unsigned int rs = rtc->reg_a & RTC_CMOS_A_RS_MASK;

	if (rs == 0)
		return 0;
	if (rs <= 2)
		return 64LL << rs; /* 256 Hz, 128 Hz */
	return 1LL << (rs - 1);
}

/* Which period of the periodic rate host time now falls in. */
static int64_t periodic_index(const struct rtc_cmos *rtc, int64_t now,
			      int64_t period)
{
	int64_t sec, frac;

	guest_time(rtc, now, &sec, &frac);
	return floor_div(sec * TIMEBASE_HZ + frac * TIMEBASE_HZ / NS_PER_SEC,
			 period);
}

static bool alarm_match(const struct rtc_cmos *rtc, int64_t sec)
{
	int sod = (int)floor_mod(sec, SEC_PER_DAY);
	const uint8_t want[3] = { enc(rtc, sod % 60), enc(rtc, sod / 60 % 60),
				  enc_hours(rtc, sod / 3600) };
	const uint8_t *alarm[3] = { &rtc->ram[RTC_CMOS_SECONDS_ALARM],
				    &rtc->ram[RTC_CMOS_MINUTES_ALARM],
				    &rtc->ram[RTC_CMOS_HOURS_ALARM] };

	for (unsigned int i = 0; i < 3; i++)
		if ((*alarm[i] & RTC_CMOS_ALARM_DONT_CARE) !=
			    RTC_CMOS_ALARM_DONT_CARE &&
		    *alarm[i] != want[i])
			return false;
	return true;
}

/* Set IRQF from the flags and enables; report a change of the line. */
static void update_irq(struct rtc_cmos *rtc)
{
	/* PF/PIE, AF/AIE and UF/UIE are the same bits of C and B. */
	bool level = rtc->reg_c & rtc->reg_b &
		     (RTC_CMOS_C_PF | RTC_CMOS_C_AF | RTC_CMOS_C_UF);

	if (level)
		rtc->reg_c |= RTC_CMOS_C_IRQF;
	else
		rtc->reg_c &= (uint8_t)~RTC_CMOS_C_IRQF;
	if (level == rtc->irq_level)
		return;
	rtc->irq_level = level;
	if (rtc->be && rtc->be->irq)
		rtc->be->irq(rtc->ctx, level);
}

/* Set the flags for what happened between the last evaluation and now. */
static void evaluate(struct rtc_cmos *rtc, int64_t now)
{
	int64_t period = periodic_ticks(rtc), last = rtc->last_eval_ns;
	int64_t sec, frac, last_sec, s;

	rtc->last_eval_ns = now;
	if (now <= last)
		goto out; /* no time passed, or the host clock went back */
	if (period && periodic_index(rtc, now, period) !=
			      periodic_index(rtc, last, period))
		rtc->reg_c |= RTC_CMOS_C_PF;
	if (rtc->reg_b & RTC_CMOS_B_SET)
		goto out;
	guest_time(rtc, now, &sec, &frac);
	guest_time(rtc, last, &last_sec, &frac);
	if (sec == last_sec)
		goto out;
	rtc->reg_c |= RTC_CMOS_C_UF;
	s = sec - last_sec > SEC_PER_DAY ? sec - SEC_PER_DAY + 1 : last_sec + 1;
	for (; s <= sec; s++) {
		if (alarm_match(rtc, s)) {
			rtc->reg_c |= RTC_CMOS_C_AF;
			break;
		}
	}
out:
	update_irq(rtc);
}

/* Register access -------------------------------------------------------- */

static uint8_t rtc_read_reg(struct rtc_cmos *rtc, unsigned int idx)
{
	int64_t now, sec, frac;
	uint8_t v;

	switch (idx) {
	case RTC_CMOS_REG_A:
		v = rtc->reg_a;
		if (!(rtc->reg_b & RTC_CMOS_B_SET)) {
			guest_time(rtc, rtc_now(rtc), &sec, &frac);
			if (frac >= NS_PER_SEC - RTC_CMOS_UIP_NS)
				v |= RTC_CMOS_A_UIP;
		}
		return v;
	case RTC_CMOS_REG_B:
		return rtc->reg_b;
	case RTC_CMOS_REG_C:
		evaluate(rtc, rtc_now(rtc));
		v = rtc->reg_c;
		rtc->reg_c = 0;
		update_irq(rtc);
		return v;
	case RTC_CMOS_REG_D:
		return RTC_CMOS_D_VRT;
	default:
		break;
	}
	if (is_time_reg(idx) && !(rtc->reg_b & RTC_CMOS_B_SET)) {
		now = rtc_now(rtc);
		guest_time(rtc, now, &sec, &frac);
		return time_reg(rtc, sec, idx);
	}
	return rtc->ram[idx];
}

/* A clock register written while SET is 0: change that field now. */
static void write_time_field(struct rtc_cmos *rtc, unsigned int idx,
			     uint8_t val)
{
	uint8_t r[RTC_CMOS_SIZE] = { 0 };
	int64_t now = rtc_now(rtc), sec, frac, new_sec;
	int adj;

	evaluate(rtc, now);
	guest_time(rtc, now, &sec, &frac);
	snapshot(rtc, sec, r);
	r[idx] = val;
	new_sec = decode(rtc, r, &adj);
	rtc->off_sec += new_sec - sec;
	rtc->dow_adj = adj;
	rtc->last_eval_ns = now;
}

static void write_reg_b(struct rtc_cmos *rtc, uint8_t val)
{
	int64_t now = rtc_now(rtc), sec, frac;
	bool was_set = rtc->reg_b & RTC_CMOS_B_SET;
	int adj;

	evaluate(rtc, now);
	if (val & RTC_CMOS_B_SET)
		val &= (uint8_t)~RTC_CMOS_B_UIE; /* datasheet: SET clears UIE */
	rtc->reg_b = val;
	if (!was_set && (val & RTC_CMOS_B_SET)) {
		/* Freeze the time, in the new format, for the guest to edit. */
		guest_time(rtc, now, &sec, &frac);
		snapshot(rtc, sec, rtc->ram);
	} else if (was_set && !(val & RTC_CMOS_B_SET)) {
		set_guest_time(rtc, now, decode(rtc, rtc->ram, &adj));
		rtc->dow_adj = adj;
		rtc->last_eval_ns = now;
	}
	update_irq(rtc);
}

static void rtc_write_reg(struct rtc_cmos *rtc, unsigned int idx, uint8_t val)
{
	switch (idx) {
	case RTC_CMOS_REG_A:
		evaluate(rtc, rtc_now(rtc)); /* close out the old rate */
		rtc->reg_a = val & (uint8_t)~RTC_CMOS_A_UIP;
		return;
	case RTC_CMOS_REG_B:
		write_reg_b(rtc, val);
		return;
	case RTC_CMOS_REG_C:
	case RTC_CMOS_REG_D:
		return; /* read-only */
	default:
		break;
	}
	if (is_time_reg(idx) && !(rtc->reg_b & RTC_CMOS_B_SET))
		write_time_field(rtc, idx, val);
	else
		rtc->ram[idx] = val;
}

static void rtc_io_read(struct iobus_dev *dev, uint64_t offset,
			unsigned int size, uint64_t *val)
{
	struct rtc_cmos *rtc = (struct rtc_cmos *)dev;
	uint64_t v = 0;

	if (size > 8)
		size = 8;
	if (offset >= RTC_CMOS_PORTS) {
		*val = 0;
		return;
	}
	pthread_mutex_lock(&rtc->lock);
	for (unsigned int i = 0; i < size; i++) {
		uint64_t port = offset + i;
		uint8_t b = 0;

		if (port == 0)
			b = 0xff; /* the index port is write-only */
		else if (port == 1)
			b = rtc_read_reg(rtc, rtc->index);
		v |= (uint64_t)b << (8 * i);
	}
	pthread_mutex_unlock(&rtc->lock);
	*val = v;
}

static void rtc_io_write(struct iobus_dev *dev, uint64_t offset,
			 unsigned int size, uint64_t val)
{
	struct rtc_cmos *rtc = (struct rtc_cmos *)dev;
	bool moved = false;

	if (size > 8)
		size = 8;
	if (offset >= RTC_CMOS_PORTS)
		return;
	pthread_mutex_lock(&rtc->lock);
	for (unsigned int i = 0; i < size; i++) {
		uint64_t port = offset + i;
		uint8_t b = (uint8_t)(val >> (8 * i));

		if (port == 0) {
			rtc->index = b & RTC_CMOS_INDEX_MASK;
			rtc->nmi_disabled = b & RTC_CMOS_NMI_MASK;
		} else if (port == 1) {
			moved |= rtc->index == RTC_CMOS_REG_A ||
				 rtc->index == RTC_CMOS_REG_B ||
				 is_time_reg(rtc->index);
			rtc_write_reg(rtc, rtc->index, b);
		}
	}
	pthread_mutex_unlock(&rtc->lock);
	if (moved && rtc->be && rtc->be->reschedule)
		rtc->be->reschedule(rtc->ctx);
}

static const struct iobus_ops rtc_cmos_ops = {
	.read = rtc_io_read,
	.write = rtc_io_write,
};

/* Public ----------------------------------------------------------------- */

void rtc_cmos_init(struct rtc_cmos *rtc, const struct rtc_cmos_backend *be,
		   void *ctx)
{
	memset(rtc, 0, sizeof(*rtc));
	rtc->dev =
		(struct iobus_dev){ .name = "rtc-cmos", .ops = &rtc_cmos_ops };
	pthread_mutex_init(&rtc->lock, NULL);
	rtc->be = be;
	rtc->ctx = ctx;
	rtc->reg_a = RTC_CMOS_A_RESET;
	rtc->reg_b = RTC_CMOS_B_RESET;
	rtc->last_eval_ns = rtc_now(rtc);
}

void rtc_cmos_destroy(struct rtc_cmos *rtc)
{
	pthread_mutex_destroy(&rtc->lock);
}

int rtc_cmos_set_ram(struct rtc_cmos *rtc, unsigned int index, uint8_t val)
{
	if (index <= RTC_CMOS_REG_D || index >= RTC_CMOS_SIZE ||
	    index == RTC_CMOS_CENTURY)
		return -EINVAL;
	pthread_mutex_lock(&rtc->lock);
	rtc->ram[index] = val;
	pthread_mutex_unlock(&rtc->lock);
	return 0;
}

int rtc_cmos_get_ram(struct rtc_cmos *rtc, unsigned int index, uint8_t *val)
{
	if (index <= RTC_CMOS_REG_D || index >= RTC_CMOS_SIZE ||
	    index == RTC_CMOS_CENTURY)
		return -EINVAL;
	pthread_mutex_lock(&rtc->lock);
	*val = rtc->ram[index];
	pthread_mutex_unlock(&rtc->lock);
	return 0;
}

static void put_le(struct rtc_cmos *rtc, unsigned int index, uint64_t v,
		   unsigned int bytes)
{
	for (unsigned int i = 0; i < bytes; i++)
		rtc->ram[index + i] = (uint8_t)(v >> (8 * i));
}

void rtc_cmos_set_ram_sizes(struct rtc_cmos *rtc, uint64_t below_4g,
			    uint64_t above_4g)
{
	uint64_t ext = below_4g > (1 << 20) ? (below_4g - (1 << 20)) >> 10 : 0;
	uint64_t ext16 =
		below_4g > (16 << 20) ? (below_4g - (16 << 20)) >> 16 : 0;
	uint64_t high = above_4g >> 16;

	if (ext > 0xffff)
		ext = 0xffff;
	if (ext16 > 0xffff)
		ext16 = 0xffff;
	if (high > 0xffffff)
		high = 0xffffff;
	pthread_mutex_lock(&rtc->lock);
	put_le(rtc, 0x15, 640, 2);
	put_le(rtc, 0x17, ext, 2);
	put_le(rtc, 0x30, ext, 2);
	put_le(rtc, 0x34, ext16, 2);
	put_le(rtc, 0x5b, high, 3);
	pthread_mutex_unlock(&rtc->lock);
}

bool rtc_cmos_nmi_disabled(struct rtc_cmos *rtc)
{
	bool v;

	pthread_mutex_lock(&rtc->lock);
	v = rtc->nmi_disabled;
	pthread_mutex_unlock(&rtc->lock);
	return v;
}

void rtc_cmos_tick(struct rtc_cmos *rtc)
{
	pthread_mutex_lock(&rtc->lock);
	evaluate(rtc, rtc_now(rtc));
	pthread_mutex_unlock(&rtc->lock);
}

/*
 * The host time at which the guest's clock reads sec + ns (ns in 0..1e9),
 * saturated at the ends of the int64_t range.
 */
static int64_t host_time(const struct rtc_cmos *rtc, int64_t sec, int64_t ns)
{
	int64_t hs = sec - rtc->off_sec;

	if (hs >= INT64_MAX / NS_PER_SEC - 1)
		return INT64_MAX;
	if (hs <= INT64_MIN / NS_PER_SEC + 1)
		return INT64_MIN;
	return hs * NS_PER_SEC + (ns - rtc->off_frac);
}

bool rtc_cmos_next_event(struct rtc_cmos *rtc, int64_t *when_ns)
{
	int64_t now, sec, frac, period, t, next = 0;
	bool any = false;

	pthread_mutex_lock(&rtc->lock);
	now = rtc_now(rtc);
	period = periodic_ticks(rtc);
	if ((rtc->reg_b & RTC_CMOS_B_PIE) && period) {
		/* The first 32.768 kHz tick of the next period. */
		t = (periodic_index(rtc, now, period) + 1) * period;
		sec = floor_div(t, TIMEBASE_HZ);
		t -= sec * TIMEBASE_HZ;
		/* Round up, so that the tick has passed at that moment. */
		next = host_time(rtc, sec,
				 (t * NS_PER_SEC + TIMEBASE_HZ - 1) /
					 TIMEBASE_HZ);
		any = true;
	}
	if ((rtc->reg_b & (RTC_CMOS_B_UIE | RTC_CMOS_B_AIE)) &&
	    !(rtc->reg_b & RTC_CMOS_B_SET)) {
		guest_time(rtc, now, &sec, &frac);
		t = host_time(rtc, sec + 1, 0);
		if (!any || t < next)
			next = t;
		any = true;
	}
	pthread_mutex_unlock(&rtc->lock);
	if (any)
		*when_ns = next;
	return any;
}

bool rtc_cmos_irq_level(struct rtc_cmos *rtc)
{
	bool v;

	pthread_mutex_lock(&rtc->lock);
	v = rtc->irq_level;
	pthread_mutex_unlock(&rtc->lock);
	return v;
}
