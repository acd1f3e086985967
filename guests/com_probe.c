/*
 * com_probe: finds the PC's serial ports as Linux's 8250 driver and the
 * BIOS do (a 16550's scratch register keeps what is written to it; an
 * absent port's bus reads all ones).  hyve has COM1 at 0x3f8 and nothing
 * at COM2-COM4 (0x2f8, 0x3e8, 0x2e8).  For each port the guest writes
 * 0x5a and 0xa5 to the scratch register (base + 7) and reads them back,
 * and reads IER (base + 1) and LSR (base + 5):
 *
 *   com_probe: COM1 0x3f8 present (scratch 0x5a 0xa5, IER 0x0, LSR 0x60)
 *   com_probe: COM2 0x2f8 absent (scratch 0xff 0xff, IER 0xff, LSR 0xff)
 *
 * Returns PASS (status 85) when COM1 answers and the others do not.
 */
#include "rt.h"
#include "x86.h"

#define PASS 0x2a
#define FAIL 0x2b

static bool probe(unsigned int n, uint16_t base)
{
	uint8_t s1, s2, ier, lsr;
	bool present;

	outb(base + 7, 0x5a);
	s1 = inb(base + 7);
	outb(base + 7, 0xa5);
	s2 = inb(base + 7);
	ier = inb(base + 1);
	lsr = inb(base + 5);
	present = s1 == 0x5a && s2 == 0xa5;
	rt_printf("com_probe: COM%u %#x %s (scratch %#x %#x, IER %#x, LSR "
		  "%#x)\n",
		  n, base, present ? "present" : "absent", s1, s2, ier, lsr);
	return present;
}

int main(const struct hyve_boot_info *bi)
{
	static const uint16_t base[4] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };
	bool ok = true;

	(void)bi;
	for (unsigned int i = 0; i < 4; i++) {
		bool present = probe(i + 1, base[i]);

		ok = ok && present == (i == 0);
		if (i > 0)
			ok = ok && inb(base[i] + 1) == 0xff;
	}
	outb(0x3f8 + 7, 0);
	if (ok)
		rt_puts("com_probe: ok\n");
	return ok ? PASS : FAIL;
}
