/*
 * uart16550.c: register model of a PC16550D UART.  See uart16550.h.
 *
 * Emulated, following the National/TI PC16550D datasheet:
 * - Register map: offsets 0-7; LCR bit 7 (DLAB) turns offsets 0 and 1 into
 *   the divisor latch (DLL, DLM).
 * - Interrupts, highest priority first: receiver line status (an error bit
 *   in LSR, IER.ELSI), received data (IER.ERBFI), transmitter holding
 *   register empty (IER.ETBEI), modem status (an MSR delta bit, IER.EDSSI).
 *   IIR reports the highest pending one; bits 6-7 read 11 with FIFOs on.
 * - Received data: in FIFO mode IIR says "data available" once the FIFO
 *   holds at least the trigger level chosen by FCR bits 6-7 (1, 4, 8 or 14
 *   bytes).  Below it, the chip raises a character timeout once no byte has
 *   moved for four character times.  This model has no clock and host input
 *   arrives in batches, so it treats that time as already passed: a FIFO
 *   holding fewer bytes than the trigger reports the timeout (IIR 0x0c) at
 *   once.  A guest thus never waits for input stuck under the trigger.
 * - THRE interrupt: raised when ETBEI goes from 0 to 1 (the holding register
 *   is always empty here) and after every THR write, because the byte leaves
 *   at once; cleared by reading IIR while it is the reported source, by
 *   writing THR (and raised again as the byte leaves), or by clearing ETBEI.
 * - FCR: bit 0 enables both FIFOs; the other bits are taken only when bit 0
 *   is written as 1.  Changing bit 0 empties the FIFOs.  Bit 1 empties the
 *   receive FIFO, bit 2 the (always empty) transmit FIFO.
 * - Overrun: a byte that arrives at a full receiver sets LSR.OE.  In FIFO
 *   mode the byte is lost; in 16450 mode it overwrites the unread one.  Only
 *   loopback can overrun: uart16550_rx() refuses what does not fit.  Reading
 *   LSR clears OE.
 * - Loopback (MCR bit 4): transmitted bytes go to the receiver, host input
 *   is refused, and MSR reads the MCR outputs: CTS = RTS, DSR = DTR,
 *   RI = OUT1, DCD = OUT2.  Outside loopback the modem inputs read as a
 *   connected terminal: DCD, DSR and CTS on, RI off (MSR 0xb0).  Changes of
 *   the inputs set the MSR delta bits (TERI only when RI turns off).
 * - Interrupt line: on a PC the chip's INTR pin reaches the PIC only while
 *   the OUT2 output is active.  Loopback forces the outputs inactive, so the
 *   line is: an enabled interrupt pending, MCR.OUT2 set, MCR.LOOP clear.
 *
 * Not emulated: timing, parity/framing/break errors, DMA mode, the scratch
 * and divisor registers beyond storing them.
 */
#include "hw/uart16550.h"

#include <string.h>

static const uint8_t uart_trigger_level[4] = { 1, 4, 8, 14 };

static bool fifo_on(const struct uart16550 *u)
{
	return u->fcr & UART_FCR_ENABLE;
}

static unsigned int rx_capacity(const struct uart16550 *u)
{
	return fifo_on(u) ? UART16550_FIFO_SIZE : 1;
}

static void rx_clear(struct uart16550 *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
}

static void rx_put(struct uart16550 *u, uint8_t byte)
{
	unsigned int tail = (u->rx_head + u->rx_count) % UART16550_FIFO_SIZE;

	u->rx_fifo[tail] = byte;
	u->rx_count++;
}

/* A byte arriving at the receiver from the line (loopback only). */
static void rx_push(struct uart16550 *u, uint8_t byte)
{
	if (u->rx_count < rx_capacity(u)) {
		rx_put(u, byte);
		return;
	}
	u->lsr_err |= UART_LSR_OE;
	if (!fifo_on(u))
		u->rx_fifo[u->rx_head] = byte; /* 16450: overwrite RBR */
}

static uint8_t rx_pop(struct uart16550 *u)
{
	if (u->rx_count) {
		u->rbr = u->rx_fifo[u->rx_head];
		u->rx_head = (u->rx_head + 1) % UART16550_FIFO_SIZE;
		u->rx_count--;
	}
	return u->rbr;
}

/* MSR bits 4-7: the modem inputs as the chip sees them now. */
static uint8_t modem_inputs(const struct uart16550 *u)
{
	uint8_t msr = 0;

	if (!(u->mcr & UART_MCR_LOOP))
		return UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
	if (u->mcr & UART_MCR_RTS)
		msr |= UART_MSR_CTS;
	if (u->mcr & UART_MCR_DTR)
		msr |= UART_MSR_DSR;
	if (u->mcr & UART_MCR_OUT1)
		msr |= UART_MSR_RI;
	if (u->mcr & UART_MCR_OUT2)
		msr |= UART_MSR_DCD;
	return msr;
}

/* The IIR bits 0-3 for the highest-priority pending, enabled interrupt. */
static uint8_t irq_source(const struct uart16550 *u)
{
	if ((u->ier & UART_IER_ELSI) && (u->lsr_err & UART_LSR_ERR_MASK))
		return UART_IIR_RLS;
	if ((u->ier & UART_IER_ERBFI) && u->rx_count) {
		unsigned int trig = uart_trigger_level[u->fcr >> 6];

		if (fifo_on(u) && u->rx_count < trig)
			return UART_IIR_CTI;
		return UART_IIR_RDA;
	}
	if ((u->ier & UART_IER_ETBEI) && u->thre_pending)
		return UART_IIR_THRI;
	if ((u->ier & UART_IER_EDSSI) && (u->msr_delta & UART_MSR_DELTA_MASK))
		return UART_IIR_MSI;
	return UART_IIR_NO_INT;
}

static void update_irq(struct uart16550 *u)
{
	bool level = irq_source(u) != UART_IIR_NO_INT &&
		     (u->mcr & UART_MCR_OUT2) && !(u->mcr & UART_MCR_LOOP);

	if (level == u->irq_level)
		return;
	u->irq_level = level;
	if (u->be && u->be->irq)
		u->be->irq(u->ctx, level);
}

static void write_thr(struct uart16550 *u, uint8_t val)
{
	if (u->mcr & UART_MCR_LOOP)
		rx_push(u, val);
	else if (u->be && u->be->tx)
		u->be->tx(u->ctx, val);
	/* The byte left at once: the holding register is empty again. */
	u->thre_pending = true;
}

static void write_ier(struct uart16550 *u, uint8_t val)
{
	val &= UART_IER_MASK;
	if ((val & UART_IER_ETBEI) && !(u->ier & UART_IER_ETBEI))
		u->thre_pending = true;
	else if (!(val & UART_IER_ETBEI))
		u->thre_pending = false;
	u->ier = val;
}

static void write_fcr(struct uart16550 *u, uint8_t val)
{
	bool on = val & UART_FCR_ENABLE;

	if (on != fifo_on(u))
		rx_clear(u);
	if (!on) {
		/* The other bits are not programmed without bit 0. */
		u->fcr &= ~UART_FCR_ENABLE;
		return;
	}
	if (val & UART_FCR_CLEAR_RX)
		rx_clear(u);
	/* The transmit FIFO is always empty; UART_FCR_CLEAR_TX has no work. */
	u->fcr = val & (UART_FCR_ENABLE | UART_FCR_TRIG_MASK);
}

static void write_mcr(struct uart16550 *u, uint8_t val)
{
	uint8_t old = modem_inputs(u), now, changed;

	u->mcr = val & UART_MCR_MASK;
	now = modem_inputs(u);
	changed = old ^ now;
	if (changed & UART_MSR_CTS)
		u->msr_delta |= UART_MSR_DCTS;
	if (changed & UART_MSR_DSR)
		u->msr_delta |= UART_MSR_DDSR;
	if ((old & UART_MSR_RI) && !(now & UART_MSR_RI))
		u->msr_delta |= UART_MSR_TERI;
	if (changed & UART_MSR_DCD)
		u->msr_delta |= UART_MSR_DDCD;
}

void uart16550_init(struct uart16550 *u, const struct uart16550_backend *be,
		    void *ctx)
{
	memset(u, 0, sizeof(*u));
	u->be = be;
	u->ctx = ctx;
	uart16550_reset(u);
}

void uart16550_reset(struct uart16550 *u)
{
	rx_clear(u);
	memset(u->rx_fifo, 0, sizeof(u->rx_fifo));
	u->rbr = 0;
	u->ier = 0;
	u->fcr = 0;
	u->lcr = 0;
	u->mcr = 0;
	u->lsr_err = 0;
	u->msr_delta = 0;
	u->scr = 0;
	u->dll = 12; /* 1.8432 MHz / (16 * 12) = 9600 baud */
	u->dlm = 0;
	u->thre_pending = false;
	update_irq(u);
}

uint8_t uart16550_read(struct uart16550 *u, unsigned int offset)
{
	bool dlab = u->lcr & UART_LCR_DLAB;
	uint8_t val;

	switch (offset) {
	case UART_RBR:
		if (dlab)
			return u->dll;
		val = rx_pop(u);
		break;
	case UART_IER:
		return dlab ? u->dlm : u->ier;
	case UART_IIR:
		val = irq_source(u);
		if (val == UART_IIR_THRI)
			u->thre_pending = false;
		if (fifo_on(u))
			val |= UART_IIR_FIFO;
		break;
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		val = u->lsr_err | UART_LSR_THRE | UART_LSR_TEMT;
		if (u->rx_count)
			val |= UART_LSR_DR;
		u->lsr_err = 0;
		break;
	case UART_MSR:
		val = modem_inputs(u) | u->msr_delta;
		u->msr_delta = 0;
		break;
	case UART_SCR:
		return u->scr;
	default:
		return 0xff;
	}
	update_irq(u);
	return val;
}

void uart16550_write(struct uart16550 *u, unsigned int offset, uint8_t val)
{
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (offset) {
	case UART_THR:
		if (dlab)
			u->dll = val;
		else
			write_thr(u, val);
		break;
	case UART_IER:
		if (dlab)
			u->dlm = val;
		else
			write_ier(u, val);
		break;
	case UART_FCR:
		write_fcr(u, val);
		break;
	case UART_LCR:
		u->lcr = val;
		break;
	case UART_MCR:
		write_mcr(u, val);
		break;
	case UART_SCR:
		u->scr = val;
		break;
	default:
		/* LSR and MSR are read-only (writes are for factory test). */
		return;
	}
	update_irq(u);
}

size_t uart16550_rx_space(const struct uart16550 *u)
{
	if (u->mcr & UART_MCR_LOOP)
		return 0;
	return rx_capacity(u) - u->rx_count;
}

size_t uart16550_rx(struct uart16550 *u, const uint8_t *buf, size_t len)
{
	size_t n = uart16550_rx_space(u), i;

	if (n > len)
		n = len;
	for (i = 0; i < n; i++)
		rx_put(u, buf[i]);
	if (n)
		update_irq(u);
	return n;
}

bool uart16550_irq_level(const struct uart16550 *u)
{
	return u->irq_level;
}
