/*
 * uart16550.h: a pure register model of a National/TI PC16550D UART, the
 * serial port of a PC (COM1 at 0x3f8, IRQ 4).
 *
 * Emulated: the eight registers of the PC16550D register map (RBR/THR, IER,
 * IIR/FCR, LCR with the divisor latch, MCR, LSR, MSR, SCR), the 16-byte
 * receive FIFO and its trigger level, the 16450 (FIFOs off) one-byte holding
 * register, the four interrupt sources in datasheet priority order, overrun,
 * and loopback mode.  Transmission completes at once, so THRE and TEMT are
 * always set and the transmit FIFO is always empty.
 *
 * Not emulated: baud-rate timing (the divisor is stored, never used), parity,
 * framing and break errors (PE, FE, BI and LSR bit 7 stay 0), DMA mode and
 * the RXRDY/TXRDY pins, and the clock behind the character timeout (see
 * uart16550.c).  The 16750's 64-byte FIFO (FCR bit 5) is not offered.
 *
 * The model never touches KVM, file descriptors or the I/O bus: the bus glue
 * calls uart16550_read()/uart16550_write() with the offset within the eight
 * ports, and the model reports transmitted bytes and its interrupt line
 * through struct uart16550_backend.
 *
 * Ownership and threads: the struct is owned by whoever embeds it (the bus
 * glue).  The model takes no lock; the caller must serialise every call on
 * one instance (vCPU accesses and host input alike) with its own lock.  The
 * callbacks run inside those calls, with that lock held, and must not call
 * back into the same instance.
 */
#ifndef HYVE_HW_UART16550_H
#define HYVE_HW_UART16550_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Register offsets.  With LCR.DLAB set, offsets 0 and 1 are DLL and DLM. */
#define UART_RBR     0 /* read: receiver buffer */
#define UART_THR     0 /* write: transmitter holding */
#define UART_DLL     0 /* DLAB=1: divisor latch, low byte */
#define UART_IER     1 /* interrupt enable */
#define UART_DLM     1 /* DLAB=1: divisor latch, high byte */
#define UART_IIR     2 /* read: interrupt identification */
#define UART_FCR     2 /* write: FIFO control */
#define UART_LCR     3 /* line control */
#define UART_MCR     4 /* modem control */
#define UART_LSR     5 /* line status */
#define UART_MSR     6 /* modem status */
#define UART_SCR     7 /* scratch */
#define UART_NR_REGS 8

/* IER: bits 4-7 always read 0. */
#define UART_IER_ERBFI 0x01 /* received data available */
#define UART_IER_ETBEI 0x02 /* transmitter holding register empty */
#define UART_IER_ELSI  0x04 /* receiver line status */
#define UART_IER_EDSSI 0x08 /* modem status */
#define UART_IER_MASK  0x0f

/* IIR: bit 0 is 0 while an interrupt is pending; bits 1-3 name it. */
#define UART_IIR_NO_INT	 0x01
#define UART_IIR_ID_MASK 0x0e
#define UART_IIR_RLS	 0x06 /* receiver line status (highest) */
#define UART_IIR_RDA	 0x04 /* received data available */
#define UART_IIR_CTI	 0x0c /* character timeout (FIFO mode) */
#define UART_IIR_THRI	 0x02 /* transmitter holding register empty */
#define UART_IIR_MSI	 0x00 /* modem status (lowest) */
#define UART_IIR_FIFO	 0xc0 /* both set while FIFOs are enabled */

/* FCR: write-only; bits 1 and 2 clear themselves. */
#define UART_FCR_ENABLE	   0x01
#define UART_FCR_CLEAR_RX  0x02
#define UART_FCR_CLEAR_TX  0x04
#define UART_FCR_DMA	   0x08
#define UART_FCR_TRIG_MASK 0xc0
#define UART_FCR_TRIG_1	   0x00
#define UART_FCR_TRIG_4	   0x40
#define UART_FCR_TRIG_8	   0x80
#define UART_FCR_TRIG_14   0xc0

/* LCR: word length, stop bits and parity are stored, not used. */
#define UART_LCR_WLEN8 0x03
#define UART_LCR_BREAK 0x40
#define UART_LCR_DLAB  0x80

/* MCR: bits 5-7 always read 0. */
#define UART_MCR_DTR  0x01
#define UART_MCR_RTS  0x02
#define UART_MCR_OUT1 0x04
#define UART_MCR_OUT2 0x08 /* gates the interrupt line on a PC */
#define UART_MCR_LOOP 0x10
#define UART_MCR_MASK 0x1f

/* LSR */
#define UART_LSR_DR	  0x01 /* data ready */
#define UART_LSR_OE	  0x02 /* overrun error */
#define UART_LSR_PE	  0x04 /* parity error (never set) */
#define UART_LSR_FE	  0x08 /* framing error (never set) */
#define UART_LSR_BI	  0x10 /* break interrupt (never set) */
#define UART_LSR_THRE	  0x20 /* transmitter holding register empty */
#define UART_LSR_TEMT	  0x40 /* transmitter empty */
#define UART_LSR_FIFOERR  0x80 /* error in receiver FIFO (never set) */
#define UART_LSR_ERR_MASK 0x1e /* OE|PE|FE|BI: the line status sources */

/* MSR: bits 0-3 record changes since the last MSR read. */
#define UART_MSR_DCTS	    0x01
#define UART_MSR_DDSR	    0x02
#define UART_MSR_TERI	    0x04 /* RI went from on to off */
#define UART_MSR_DDCD	    0x08
#define UART_MSR_CTS	    0x10
#define UART_MSR_DSR	    0x20
#define UART_MSR_RI	    0x40
#define UART_MSR_DCD	    0x80
#define UART_MSR_DELTA_MASK 0x0f

#define UART16550_FIFO_SIZE 16

struct uart16550_backend {
	/* A byte the guest transmitted (not called in loopback mode). */
	void (*tx)(void *ctx, uint8_t byte);
	/* The interrupt line changed level; called only on a change. */
	void (*irq)(void *ctx, bool level);
};

/*
 * Public so that it can be embedded; the fields are private to uart16550.c.
 */
struct uart16550 {
	const struct uart16550_backend *be;
	void *ctx;
	uint8_t rx_fifo[UART16550_FIFO_SIZE];
	uint8_t rx_head;  /* index of the oldest byte */
	uint8_t rx_count; /* bytes held: at most 16, or 1 with FIFOs off */
	uint8_t rbr;	  /* last byte read; an empty receiver returns it */
	uint8_t ier;
	uint8_t fcr; /* UART_FCR_ENABLE and the trigger bits */
	uint8_t lcr;
	uint8_t mcr;
	uint8_t lsr_err;   /* sticky LSR error bits, cleared by reading LSR */
	uint8_t msr_delta; /* MSR bits 0-3, cleared by reading MSR */
	uint8_t scr;
	uint8_t dll;
	uint8_t dlm;
	bool thre_pending; /* THRE interrupt raised and not yet cleared */
	bool irq_level;	   /* last level reported through be->irq */
};

/*
 * Set up u in its power-on state.  be (which must outlive u) and either of
 * its callbacks may be NULL.  The line starts low; irq is not called.
 */
void uart16550_init(struct uart16550 *u, const struct uart16550_backend *be,
		    void *ctx);

/*
 * Restore power-on register values: IER, FCR, LCR, MCR and SCR 0, LSR
 * THRE|TEMT, IIR 0x01, receiver empty, divisor 12 (9600 baud).  Calls irq
 * if the line was high.
 */
void uart16550_reset(struct uart16550 *u);

/*
 * Guest access to register offset 0..7.  Other offsets read 0xff and ignore
 * writes.  Reads have side effects (RBR, IIR, LSR, MSR), as on hardware.
 */
uint8_t uart16550_read(struct uart16550 *u, unsigned int offset);
void uart16550_write(struct uart16550 *u, unsigned int offset, uint8_t val);

/*
 * Host input for the guest.  Accepts as many bytes of buf as fit in the
 * receiver now and returns that count (0 when full, or in loopback mode,
 * where the serial input is disconnected).  The caller keeps the rest and
 * offers it again later, so host input never overruns.
 */
size_t uart16550_rx(struct uart16550 *u, const uint8_t *buf, size_t len);

/* How many bytes uart16550_rx() would accept now. */
size_t uart16550_rx_space(const struct uart16550 *u);

/* The current interrupt line level (as last reported through irq). */
bool uart16550_irq_level(const struct uart16550 *u);

#endif
