/*
 * pit_ioapic: the PIT's channel 0 interrupt through the IOAPIC, as an ACPI
 * OS takes it.  Both 8259s are masked, so nothing can come through the
 * PIC.  The MADT's Interrupt Source Override says ISA IRQ 0 is GSI 2
 * (ACPI 6.5, 5.2.12.5), so IOAPIC pin 2 is routed to VEC_PIN2; pin 0 is
 * routed to VEC_PIN0 only to say where the ticks went if they miss pin 2.
 * The PIT runs at 100 Hz (mode 2); the guest waits with sti; hlt for 10
 * ticks, EOIs each, and gives up after a few seconds (the TSC), woken by a
 * slow LAPIC timer so that a missing tick cannot hang it.
 *
 * Prints "pit_ioapic: N ticks on IOAPIC pin 2" and the count on pin 0;
 * returns PASS (status 85) when 10 ticks came on pin 2 and none on pin 0.
 */
#include "rt.h"
#include "x86.h"

#define PASS 0x2a
#define FAIL 0x2b

#define VEC_PIN2  0x30
#define VEC_PIN0  0x31
#define VEC_WATCH 0x32
#define TICKS	  10
/* A few seconds on any TSC up to 3 GHz, longer on slower ones. */
#define TSC_LIMIT (3ULL * 3000000000ULL)

static volatile unsigned int pin2, pin0, watch;

static void on_irq(uint64_t v, uint64_t error, struct rt_frame *f)
{
	(void)error, (void)f;
	if (v == VEC_PIN2)
		pin2++;
	else if (v == VEC_PIN0)
		pin0++;
	else
		watch++;
	rt_lapic_eoi();
}

int main(const struct hyve_boot_info *bi)
{
	uint64_t start;
	uint8_t imr1, imr2;

	(void)bi;
	rt_idt_init();
	rt_set_handler(VEC_PIN2, on_irq);
	rt_set_handler(VEC_PIN0, on_irq);
	rt_set_handler(VEC_WATCH, on_irq);
	rt_pic_mask_all();
	imr1 = inb(0x21);
	imr2 = inb(0xa1);
	rt_lapic_enable();
	rt_ioapic_route(2, VEC_PIN2, 0, false);
	rt_ioapic_route(0, VEC_PIN0, 0, false);
	/* The watchdog: periodic, divide by 16, ~100 ms at KVM's 1 GHz. */
	rt_lapic_write(LAPIC_TIMER_DIV, 0x3);
	rt_lapic_write(LAPIC_LVT_TIMER, (1u << 17) | VEC_WATCH);
	rt_lapic_write(LAPIC_TIMER_INIT, 6250000);
	rt_pit_periodic(100);

	start = rt_rdtsc();
	while (pin2 + pin0 < TICKS && rt_rdtsc() - start < TSC_LIMIT)
		rt_wait_irq();

	/* Stop everything: PIT mode 0 with no count written, pins masked. */
	outb(0x43, 0x30);
	rt_ioapic_mask(2);
	rt_ioapic_mask(0);
	rt_lapic_write(LAPIC_LVT_TIMER, 1u << 16);
	rt_lapic_write(LAPIC_TIMER_INIT, 0);

	rt_printf("pit_ioapic: PIC masked: imr %#x %#x\n", imr1, imr2);
	rt_printf("pit_ioapic: %u ticks on IOAPIC pin 2\n", pin2);
	rt_printf("pit_ioapic: %u ticks on IOAPIC pin 0\n", pin0);
	if (pin2 >= TICKS && pin0 == 0 && imr1 == 0xff && imr2 == 0xff) {
		rt_puts("pit_ioapic: ok\n");
		return PASS;
	}
	if (pin0)
		rt_puts("pit_ioapic: the PIT reached IOAPIC pin 0, but the "
			"MADT's override says IRQ 0 is GSI 2\n");
	if (pin2 + pin0 < TICKS)
		rt_printf("pit_ioapic: gave up waiting (%u watchdog wakeups)\n",
			  watch);
	return FAIL;
}
