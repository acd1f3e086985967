/*
 * power_button: the ACPI fixed-feature power button (ACPI 6.5, 4.8.4.2.1
 * "Power Button", 4.8.3.1 PM1 event registers).  The guest sets
 * PWRBTN_EN (bit 8 of PM1_EN, 0x602), routes the SCI (ISA IRQ 9, GSI 9,
 * level-triggered, active high as hyve's MADT override says) through the
 * IOAPIC, prints "power_button: waiting", and polls PM1_STS (0x600) for
 * PWRBTN_STS (bit 8) with interrupts on, for at most about a minute (the
 * TSC).  The SCI handler clears PWRBTN_STS (write 1) so that the
 * level-triggered line drops; the poll clears it too if it sees it first.
 * On a press it prints "power_button: pressed" and "power_button: SCI
 * delivered" when the SCI came, then enters S5 (hyve ends with status 0).
 *
 * With ignore=1 on the command line the guest clears each press and goes
 * on waiting ("power_button: pressed, ignoring it"), so that hyve's second
 * signal has to stop it.  No press in time: rt_exit(FAIL), status 87.
 */
#include "rt.h"
#include "x86.h"

#define FAIL 0x2b

#define PM1_STS	  (PORT_ACPI_PM + 0)
#define PM1_EN	  (PORT_ACPI_PM + 2)
#define PWRBTN	  0x0100
#define SCI_GSI	  9
#define VEC_SCI	  0x39
#define TSC_LIMIT (60ULL * 3000000000ULL)

static volatile unsigned int sci, sci_presses;

static void on_sci(uint64_t v, uint64_t error, struct rt_frame *f)
{
	(void)v, (void)error, (void)f;
	sci++;
	if (inw(PM1_STS) & PWRBTN) {
		sci_presses++;
		outw(PM1_STS, PWRBTN); /* write 1 to clear: the SCI drops */
	}
	rt_lapic_eoi();
}

int main(const struct hyve_boot_info *bi)
{
	bool ignore = rt_strtoul(rt_arg(bi, "ignore"), 0) != 0;
	unsigned int presses = 0, seen = 0;
	uint64_t start;

	rt_idt_init();
	rt_set_handler(VEC_SCI, on_sci);
	rt_pic_mask_all();
	rt_lapic_enable();
	rt_ioapic_route(SCI_GSI, VEC_SCI, 0, true);
	outw(PM1_STS, PWRBTN); /* a stale press */
	outw(PM1_EN, inw(PM1_EN) | PWRBTN);
	rt_printf("power_button: PM1_EN %#x\n", inw(PM1_EN));
	if (ignore)
		rt_puts("power_button: presses will be ignored\n");
	rt_puts("power_button: waiting\n");

	start = rt_rdtsc();
	rt_sti();
	while (rt_rdtsc() - start < TSC_LIMIT) {
		if (inw(PM1_STS) & PWRBTN) {
			seen++;
			outw(PM1_STS, PWRBTN);
		}
		if (seen + sci_presses == presses) {
			__asm__ volatile("pause");
			continue;
		}
		presses = seen + sci_presses;
		if (inw(PM1_STS) & PWRBTN) {
			rt_puts("power_button: PWRBTN_STS did not clear\n");
			break;
		}
		rt_cli();
		rt_puts("power_button: pressed\n");
		if (sci)
			rt_puts("power_button: SCI delivered\n");
		if (!ignore)
			rt_halt();
		rt_puts("power_button: pressed, ignoring it\n");
		rt_sti();
	}
	rt_cli();
	rt_printf("power_button: gave up (%u presses, %u SCIs)\n", presses,
		  sci);
	rt_exit(FAIL);
}
