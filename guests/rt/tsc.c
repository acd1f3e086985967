/* tsc.c: the TSC's frequency.  See tsc.h. */
#include "tsc.h"

#include "rt.h"
#include "x86.h"

#define CPUID_HV_BASE	0x40000000u
#define CPUID_HV_TIMING 0x40000010u
#define PIT_HZ		1193182u
#define PIT_TICKS	59659u /* 50 ms */
#define PORT_PIT_CH2	0x42
#define PORT_PIT_MODE	0x43
#define PORT_SPEAKER	0x61
#define SPK_GATE2	0x01
#define SPK_DATA	0x02
#define SPK_OUT2	0x20

/* One 50 ms measurement. */
static uint64_t pit_once(void)
{
	uint8_t spk = inb(PORT_SPEAKER);
	uint64_t t0, t1;
	unsigned long spins = 0;

	/* Gate high, speaker off; channel 2, lobyte/hibyte, mode 0. */
	outb(PORT_SPEAKER, (uint8_t)((spk & ~SPK_DATA) | SPK_GATE2));
	outb(PORT_PIT_MODE, 0xb0);
	outb(PORT_PIT_CH2, PIT_TICKS & 0xff);
	t0 = rt_rdtsc();
	outb(PORT_PIT_CH2, PIT_TICKS >> 8); /* counting starts here */
	while (!(inb(PORT_SPEAKER) & SPK_OUT2) && ++spins < 100000000)
		;
	t1 = rt_rdtsc();
	outb(PORT_SPEAKER, spk);
	return (t1 - t0) * PIT_HZ / PIT_TICKS / 1000;
}

/*
 * The least of five: every delay (a slow exit, a vCPU descheduled between
 * its last look at the PIT and its RDTSC on a busy host) makes a
 * measurement longer, never shorter.
 */
uint64_t tsc_khz_pit(void)
{
	uint64_t best = ~0ULL;

	for (unsigned int i = 0; i < 5; i++) {
		uint64_t x = pit_once();

		if (x < best)
			best = x;
	}
	return best;
}

uint64_t tsc_khz(const char **how)
{
	uint32_t r[4];

	cpuid(CPUID_HV_BASE, 0, r);
	if (r[0] >= CPUID_HV_TIMING && r[0] < CPUID_HV_BASE + 0x100) {
		cpuid(CPUID_HV_TIMING, 0, r);
		if (r[0]) {
			*how = "cpuid 0x40000010";
			return r[0];
		}
	}
	*how = "pit";
	return tsc_khz_pit();
}
