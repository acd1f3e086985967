/*
 * pm_timer: the ACPI PM timer (ACPI 6.5, 4.8.3.3 "Power Management Timer":
 * 3.579545 MHz, 32 bits with the FADT's TMR_VAL_EXT) at PM_TMR_BLK
 * (0x608 on hyve; acpi_tables checks the FADT says so).
 *
 * 1. Monotonic: READS reads in a row never go backwards (modulo 2^32) and
 *    the timer advances.
 * 2. Rate: there is no trustworthy clock in the guest to time it against,
 *    except another device model that also counts host time: the PIT.
 *    Channel 0 runs at 100 Hz (mode 2, nothing listens to its IRQ: the
 *    PIC and the IOAPIC pins are masked); the guest polls its latched
 *    count together with the PM timer for about 200 ms, counting reloads.
 *    PM ticks * 1193182 / PIT counts should be 3579545 Hz, on a fast host
 *    or a slow one.  If a poll comes late (more than 5 ms after the last,
 *    as when the host deschedules the vCPU), a reload may have been
 *    missed and the measurement starts again; after TRIES such restarts
 *    the rate is reported as inconclusive, not as wrong.
 *
 * Prints "pm_timer: monotonic over N reads", "pm_timer: rate ok (H Hz)"
 * or "pm_timer: rate WRONG ..." or "pm_timer: rate inconclusive";
 * returns PASS (status 85) unless a check failed.
 */
#include "rt.h"
#include "x86.h"

#define PASS 0x2a
#define FAIL 0x2b

#define PM_TMR	  (PORT_ACPI_PM + 8)
#define PM_HZ	  3579545ULL
#define PIT_HZ	  1193182ULL
#define PIT_RATE  100
#define PIT_DIV	  (PIT_HZ / PIT_RATE) /* what rt_pit_periodic programs */
#define DURATION  (PM_HZ / 5)	      /* 200 ms of PM ticks */
#define MAX_GAP	  (PM_HZ / 200)	      /* 5 ms: half a PIT period */
#define PAIR_GAP  (PM_HZ / 10000)     /* 0.1 ms */
#define TRIES	  10
#define READS	  2000
#define TOLERANCE 20 /* 1/20: 5% */

static uint16_t pit_count(void)
{
	uint8_t lo, hi;

	outb(0x43, 0x00); /* latch channel 0 */
	lo = inb(0x40);
	hi = inb(0x40);
	return (uint16_t)(lo | hi << 8);
}

/*
 * One PIT count and the PM timer at the same moment: the PM timer is read
 * before and after the PIT, and the pair is kept only when both reads lie
 * close together (no host preemption in between).
 */
static bool sample(uint16_t *count, uint32_t *pm)
{
	for (int i = 0; i < 100; i++) {
		uint32_t a = inl(PM_TMR);
		uint16_t c = pit_count();
		uint32_t b = inl(PM_TMR);

		if (b - a <= PAIR_GAP) {
			*count = c;
			*pm = a + (b - a) / 2;
			return true;
		}
	}
	return false;
}

/*
 * PM ticks and PIT counts across DURATION: the PIT's elapsed counts are
 * its reloads times PIT_DIV plus the difference of the counts (mode 2
 * counts PIT_DIV..1).  0 if a poll came too late to be sure no reload was
 * missed.
 */
static uint32_t measure(uint64_t *pit_counts)
{
	uint16_t c0, prev, c;
	uint32_t p0, pm_prev, pm;
	uint64_t wraps = 0;

	if (!sample(&c0, &p0))
		return 0;
	prev = c0, pm_prev = p0;
	do {
		if (!sample(&c, &pm) || pm - pm_prev > MAX_GAP)
			return 0;
		if (c > prev)
			wraps++;
		prev = c, pm_prev = pm;
	} while (pm - p0 < DURATION);
	*pit_counts = wraps * PIT_DIV + c0 - c;
	return pm - p0;
}

int main(const struct hyve_boot_info *bi)
{
	uint32_t first, prev, cur, back = 0, moved = 0, ticks = 0;
	uint64_t counts = 0;
	bool ok = true;

	(void)bi;
	rt_pic_mask_all();
	first = prev = inl(PM_TMR);
	for (unsigned int i = 0; i < READS; i++) {
		cur = inl(PM_TMR);
		if ((int32_t)(cur - prev) < 0)
			back++;
		else if (cur != prev)
			moved++;
		prev = cur;
	}
	rt_printf("pm_timer: %#x then %#x: %u of %u reads advanced, %u went "
		  "back\n",
		  first, prev, moved, READS, back);
	if (back || !moved) {
		rt_puts("pm_timer: NOT monotonic\n");
		ok = false;
	} else {
		rt_printf("pm_timer: monotonic over %u reads\n", READS);
	}

	rt_pit_periodic(PIT_RATE);
	for (int t = 0; t < TRIES && !ticks; t++)
		ticks = measure(&counts);
	outb(0x43, 0x30); /* stop channel 0: mode 0, no count */
	if (!ticks) {
		rt_puts("pm_timer: rate inconclusive (the host kept the vCPU "
			"from polling)\n");
	} else {
		uint64_t hz = ticks * PIT_HZ / counts;
		uint64_t err = hz > PM_HZ ? hz - PM_HZ : PM_HZ - hz;

		if (err * TOLERANCE <= PM_HZ) {
			rt_printf(
				"pm_timer: rate ok (%lu Hz against the PIT)\n",
				hz);
		} else {
			rt_printf(
				"pm_timer: rate WRONG: %lu Hz against the PIT, "
				"expected %lu\n",
				hz, (uint64_t)PM_HZ);
			ok = false;
		}
	}
	return ok ? PASS : FAIL;
}
