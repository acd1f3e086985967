/*
 * serial_irq: COM1 input by interrupt, proving the 16550 raises ISA IRQ 4.
 * The guest masks both 8259s, routes IOAPIC pin 4 (GSI 4: the MADT has no
 * override for IRQ 4, so it is identity-mapped, edge-triggered, active
 * high) to VEC_COM1, enables the received-data interrupt (IER.ERBFI) and
 * the interrupt output (MCR.OUT2, which gates the UART's interrupt onto
 * the bus on a PC), prints "serial_irq: ready", and waits with sti; hlt.
 * The handler reads IIR and then RBR while LSR.DR says data is waiting.
 * A LAPIC timer wakes the guest every ~100 ms so that the wait ends after
 * about 10 s (the TSC) without input.
 *
 * At a newline it prints "serial_irq: [LINE] N interrupts, iir 0xI" and
 * returns PASS (status 85) when the line came by interrupt.  With n=COUNT
 * on the command line it takes COUNT bytes instead of a line and prints
 * "serial_irq: COUNT of COUNT bytes, sum S, ..." (S the sum of the byte
 * values), which shows that a long stream keeps coming by interrupt.
 */
#include "rt.h"
#include "x86.h"

#define PASS 0x2a
#define FAIL 0x2b

#define COM1	  RT_COM1
#define IER	  1
#define IIR	  2
#define FCR	  2
#define MCR	  4
#define LSR	  5
#define MSR	  6
#define VEC_COM1  0x34
#define VEC_WATCH 0x35
#define TSC_LIMIT (10ULL * 3000000000ULL)

static char line[128];
static volatile unsigned int len, irqs, first_iir = 0xff;
static volatile bool eol;
static unsigned int want; /* n=: count this many bytes instead of a line */
static volatile unsigned int got;
static volatile uint32_t sum;

static void on_com1(uint64_t v, uint64_t error, struct rt_frame *f)
{
	uint8_t iir = inb(COM1 + IIR);

	(void)v, (void)error, (void)f;
	if (irqs++ == 0)
		first_iir = iir;
	if (want) {
		/* One byte per interrupt, then the line status. */
		sum += inb(COM1);
		eol = ++got >= want;
		(void)inb(COM1 + LSR);
		rt_lapic_eoi();
		return;
	}
	/* As Linux's 8250 handler: LSR, RBR while DR, then MSR. */
	while (inb(COM1 + LSR) & 0x01) {
		char c = (char)inb(COM1);

		if (c == '\n') {
			eol = true;
		} else if (!eol && len < sizeof(line) - 1) {
			line[len++] = c;
		}
	}
	(void)inb(COM1 + MSR);
	rt_lapic_eoi();
}

static void on_watch(uint64_t v, uint64_t error, struct rt_frame *f)
{
	(void)v, (void)error, (void)f;
	rt_lapic_eoi();
}

int main(const struct hyve_boot_info *bi)
{
	uint64_t start;

	want = (unsigned int)rt_strtoul(rt_arg(bi, "n"), 0);
	rt_idt_init();
	rt_set_handler(VEC_COM1, on_com1);
	rt_set_handler(VEC_WATCH, on_watch);
	rt_pic_mask_all();
	rt_lapic_enable();
	rt_ioapic_route(4, VEC_COM1, 0, false);
	rt_lapic_write(LAPIC_TIMER_DIV, 0x3);
	rt_lapic_write(LAPIC_LVT_TIMER, (1u << 17) | VEC_WATCH);
	rt_lapic_write(LAPIC_TIMER_INIT, 6250000);
	outb(COM1 + FCR, 0x00); /* FIFOs off: one interrupt per byte */
	outb(COM1 + MCR, 0x0b); /* DTR, RTS, OUT2 */
	outb(COM1 + IER, 0x01); /* received data available */
	rt_puts("serial_irq: ready\n");

	start = rt_rdtsc();
	while (!eol && rt_rdtsc() - start < TSC_LIMIT)
		rt_wait_irq();
	outb(COM1 + IER, 0x00);
	rt_ioapic_mask(4);
	rt_lapic_write(LAPIC_LVT_TIMER, 1u << 16);
	line[len] = '\0';
	if (want)
		rt_printf("serial_irq: %u of %u bytes, sum %u, %u interrupts, "
			  "iir %#x\n",
			  got, want, sum, irqs, first_iir);
	else
		rt_printf("serial_irq: [%s] %u interrupts, iir %#x\n", line,
			  irqs, first_iir);
	if (eol && irqs > 0 && (first_iir & 0x0f) == 0x04) {
		rt_puts("serial_irq: ok\n");
		return PASS;
	}
	if (!eol)
		rt_puts("serial_irq: the input stopped coming\n");
	return FAIL;
}
