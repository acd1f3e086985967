/*
 * test_uart16550.c: unit tests for the 16550A register model (src/hw).
 *
 * Each test drives a fresh model through uart16550_read/write/rx and checks
 * exact register values, the bytes handed to tx and every irq transition.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hw/uart16550.h"

#define MAX_LOG 64

struct fixture {
	struct uart16550 u;
	uint8_t tx[MAX_LOG];
	unsigned int ntx;
	bool irq[MAX_LOG];
	unsigned int nirq;
};

static void fx_tx(void *ctx, uint8_t byte)
{
	struct fixture *f = ctx;

	assert_true(f->ntx < MAX_LOG);
	f->tx[f->ntx++] = byte;
}

static void fx_irq(void *ctx, bool level)
{
	struct fixture *f = ctx;

	assert_true(f->nirq < MAX_LOG);
	f->irq[f->nirq++] = level;
}

static const struct uart16550_backend fx_backend = {
	.tx = fx_tx,
	.irq = fx_irq,
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	uart16550_init(&f->u, &fx_backend, f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static uint8_t rd(struct fixture *f, unsigned int off)
{
	return uart16550_read(&f->u, off);
}

static void wr(struct fixture *f, unsigned int off, uint8_t val)
{
	uart16550_write(&f->u, off, val);
}

/* Exactly n irq calls so far, the last one with the given level. */
static void expect_irq(struct fixture *f, unsigned int n, bool level)
{
	assert_int_equal(f->nirq, n);
	assert_int_equal(f->irq[n - 1], level);
	assert_int_equal(uart16550_irq_level(&f->u), level);
}

static void check_power_on(struct fixture *f)
{
	assert_int_equal(rd(f, UART_IER), 0x00);
	assert_int_equal(rd(f, UART_IIR), 0x01);
	assert_int_equal(rd(f, UART_LCR), 0x00);
	assert_int_equal(rd(f, UART_MCR), 0x00);
	assert_int_equal(rd(f, UART_LSR), 0x60);
	assert_int_equal(rd(f, UART_MSR), 0xb0);
	assert_int_equal(rd(f, UART_SCR), 0x00);
	assert_int_equal(uart16550_rx_space(&f->u), 1);
	wr(f, UART_LCR, UART_LCR_DLAB);
	assert_int_equal(rd(f, UART_DLL), 12);
	assert_int_equal(rd(f, UART_DLM), 0);
	wr(f, UART_LCR, 0);
	assert_false(uart16550_irq_level(&f->u));
}

static void test_reset_values(void **state)
{
	struct fixture *f = *state;
	static const uint8_t in[3] = { 1, 2, 3 };

	check_power_on(f);
	assert_int_equal(f->nirq, 0);

	/* Dirty every register, raise the line, then reset. */
	wr(f, UART_FCR, UART_FCR_ENABLE | UART_FCR_TRIG_8);
	wr(f, UART_LCR, UART_LCR_DLAB);
	wr(f, UART_DLL, 0x34);
	wr(f, UART_DLM, 0x12);
	wr(f, UART_LCR, 0x1b);
	wr(f, UART_SCR, 0x5a);
	wr(f, UART_MCR, UART_MCR_OUT2 | UART_MCR_DTR);
	wr(f, UART_IER, UART_IER_ERBFI);
	assert_int_equal(uart16550_rx(&f->u, in, 3), 3);
	expect_irq(f, 1, true);

	uart16550_reset(&f->u);
	expect_irq(f, 2, false);
	check_power_on(f);
	assert_int_equal(f->nirq, 2);
	assert_int_equal(f->ntx, 0);
}

static void test_thr_tx(void **state)
{
	struct fixture *f = *state;

	wr(f, UART_THR, 'A');
	wr(f, UART_THR, 0x00);
	wr(f, UART_THR, 0xff);
	assert_int_equal(f->ntx, 3);
	assert_int_equal(f->tx[0], 'A');
	assert_int_equal(f->tx[1], 0x00);
	assert_int_equal(f->tx[2], 0xff);
	/* Transmission is instant: THRE and TEMT stay set. */
	assert_int_equal(rd(f, UART_LSR), 0x60);
	/* Nothing echoes into the receiver outside loopback. */
	assert_int_equal(uart16550_rx_space(&f->u), 1);
}

static void test_dlab(void **state)
{
	struct fixture *f = *state;

	wr(f, UART_IER, UART_IER_ERBFI);
	wr(f, UART_LCR, UART_LCR_DLAB | UART_LCR_WLEN8);
	assert_int_equal(rd(f, UART_LCR), 0x83);
	wr(f, UART_DLL, 0x01);
	wr(f, UART_DLM, 0x02);
	assert_int_equal(rd(f, UART_DLL), 0x01);
	assert_int_equal(rd(f, UART_DLM), 0x02);
	assert_int_equal(f->ntx, 0); /* DLL write is not a transmit */

	wr(f, UART_LCR, UART_LCR_WLEN8);
	assert_int_equal(rd(f, UART_IER), UART_IER_ERBFI); /* untouched */
	wr(f, UART_THR, 0x42);
	assert_int_equal(f->ntx, 1);
	assert_int_equal(f->tx[0], 0x42);

	/* The latch kept its value while DLAB was off. */
	wr(f, UART_LCR, UART_LCR_DLAB);
	assert_int_equal(rd(f, UART_DLL), 0x01);
	assert_int_equal(rd(f, UART_DLM), 0x02);
}

static void test_scratch(void **state)
{
	struct fixture *f = *state;

	wr(f, UART_SCR, 0xa5);
	assert_int_equal(rd(f, UART_SCR), 0xa5);
	wr(f, UART_SCR, 0x5a);
	assert_int_equal(rd(f, UART_SCR), 0x5a);
	assert_int_equal(f->ntx, 0);
	assert_int_equal(f->nirq, 0);
}

static void test_register_masks(void **state)
{
	struct fixture *f = *state;

	wr(f, UART_IER, 0xff);
	assert_int_equal(rd(f, UART_IER), 0x0f);
	wr(f, UART_IER, 0);
	wr(f, UART_MCR, 0xef); /* everything but loopback */
	assert_int_equal(rd(f, UART_MCR), 0x0f);
	/* LSR and MSR ignore writes. */
	wr(f, UART_LSR, 0x00);
	wr(f, UART_MSR, 0x0f);
	assert_int_equal(rd(f, UART_LSR), 0x60);
	assert_int_equal(rd(f, UART_MSR), 0xb0);
}

static void test_rx_fifo_order(void **state)
{
	struct fixture *f = *state;
	static const uint8_t in[3] = { 'a', 'b', 'c' };

	wr(f, UART_FCR, UART_FCR_ENABLE);
	assert_int_equal(uart16550_rx_space(&f->u), 16);
	assert_int_equal(uart16550_rx(&f->u, in, 3), 3);
	assert_int_equal(uart16550_rx_space(&f->u), 13);
	assert_int_equal(rd(f, UART_LSR), 0x61);
	assert_int_equal(rd(f, UART_RBR), 'a');
	assert_int_equal(rd(f, UART_RBR), 'b');
	assert_int_equal(rd(f, UART_LSR), 0x61);
	assert_int_equal(rd(f, UART_RBR), 'c');
	assert_int_equal(rd(f, UART_LSR), 0x60);
	/* An empty receiver returns the last byte again. */
	assert_int_equal(rd(f, UART_RBR), 'c');
	assert_int_equal(rd(f, UART_LSR), 0x60);
	/* A zero-length push is a no-op. */
	assert_int_equal(uart16550_rx(&f->u, NULL, 0), 0);
}

static void test_rx_full(void **state)
{
	struct fixture *f = *state;
	uint8_t in[20];
	unsigned int i;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(0x30 + i);

	/* 16450 mode: a one-byte holding register. */
	assert_int_equal(uart16550_rx(&f->u, in, 3), 1);
	assert_int_equal(uart16550_rx(&f->u, in + 1, 2), 0);
	assert_int_equal(rd(f, UART_LSR), 0x61); /* no OE: nothing lost */
	assert_int_equal(rd(f, UART_RBR), 0x30);

	/* FIFO mode: 16 bytes, then short counts, never an overrun. */
	wr(f, UART_FCR, UART_FCR_ENABLE);
	assert_int_equal(uart16550_rx(&f->u, in, 20), 16);
	assert_int_equal(uart16550_rx_space(&f->u), 0);
	assert_int_equal(uart16550_rx(&f->u, in + 16, 4), 0);
	assert_int_equal(rd(f, UART_LSR), 0x61);
	for (i = 0; i < 16; i++)
		assert_int_equal(rd(f, UART_RBR), 0x30 + i);
	assert_int_equal(rd(f, UART_LSR), 0x60);
	assert_int_equal(uart16550_rx(&f->u, in + 16, 4), 4);
	assert_int_equal(rd(f, UART_RBR), 0x40);
}

static void test_overrun(void **state)
{
	struct fixture *f = *state;
	unsigned int i;

	/* FIFO mode: the 17th byte is lost. */
	wr(f, UART_FCR, UART_FCR_ENABLE);
	wr(f, UART_MCR, UART_MCR_LOOP);
	for (i = 0; i < 17; i++)
		wr(f, UART_THR, (uint8_t)i);
	assert_int_equal(f->ntx, 0);
	assert_int_equal(rd(f, UART_LSR), 0x63);
	assert_int_equal(rd(f, UART_LSR), 0x61); /* OE cleared by the read */
	for (i = 0; i < 16; i++)
		assert_int_equal(rd(f, UART_RBR), i);
	assert_int_equal(rd(f, UART_LSR), 0x60);

	/* 16450 mode: the new byte overwrites the unread one. */
	wr(f, UART_FCR, 0);
	wr(f, UART_THR, 0x11);
	assert_int_equal(rd(f, UART_LSR), 0x61);
	wr(f, UART_THR, 0x22);
	assert_int_equal(rd(f, UART_LSR), 0x63);
	assert_int_equal(rd(f, UART_LSR), 0x61);
	assert_int_equal(rd(f, UART_RBR), 0x22);
	assert_int_equal(rd(f, UART_LSR), 0x60);
}

static void test_iir_priority(void **state)
{
	struct fixture *f = *state;
	unsigned int i;

	wr(f, UART_FCR, UART_FCR_ENABLE | UART_FCR_TRIG_1);
	/* Loopback with RTS: CTS comes on, DCD/DSR go off (deltas). */
	wr(f, UART_MCR, UART_MCR_LOOP | UART_MCR_RTS);
	wr(f, UART_IER, UART_IER_MASK); /* ETBEI 0->1: THRE pending */
	assert_int_equal(rd(f, UART_IIR), 0xc2);
	assert_int_equal(rd(f, UART_IIR), 0xc0); /* THRE cleared: MSI next */

	for (i = 0; i < 17; i++)
		wr(f, UART_THR, (uint8_t)i);
	/* Overrun, data, THRE and modem status all pending. */
	assert_int_equal(rd(f, UART_IIR), 0xc6);
	assert_int_equal(rd(f, UART_IIR), 0xc6); /* only LSR clears RLS */
	assert_int_equal(rd(f, UART_LSR), 0x63);
	assert_int_equal(rd(f, UART_IIR), 0xc4);
	assert_int_equal(rd(f, UART_IIR), 0xc4); /* RBR reads clear RDA */
	for (i = 0; i < 16; i++)
		rd(f, UART_RBR);
	assert_int_equal(rd(f, UART_IIR), 0xc2);
	assert_int_equal(rd(f, UART_IIR), 0xc0);
	assert_int_equal(rd(f, UART_MSR), 0x1a); /* CTS | DDCD|DDSR */
	assert_int_equal(rd(f, UART_IIR), 0xc1);
	/* The line stayed low throughout: OUT2 is off (and loopback). */
	assert_int_equal(f->nirq, 0);
}

static void test_irq_rx_data(void **state)
{
	struct fixture *f = *state;
	static const uint8_t in[2] = { 'x', 'y' };

	wr(f, UART_MCR, UART_MCR_OUT2);
	wr(f, UART_IER, UART_IER_ERBFI);
	assert_int_equal(f->nirq, 0);
	assert_int_equal(rd(f, UART_IIR), 0x01);

	assert_int_equal(uart16550_rx(&f->u, in, 2), 1);
	expect_irq(f, 1, true);
	assert_int_equal(rd(f, UART_IIR), 0x04);
	assert_int_equal(rd(f, UART_IIR), 0x04); /* IIR read does not clear */
	expect_irq(f, 1, true);
	assert_int_equal(rd(f, UART_RBR), 'x');
	expect_irq(f, 2, false);
	assert_int_equal(rd(f, UART_IIR), 0x01);

	/* Disabling the source drops the line; re-enabling raises it. */
	assert_int_equal(uart16550_rx(&f->u, in + 1, 1), 1);
	expect_irq(f, 3, true);
	wr(f, UART_IER, 0);
	expect_irq(f, 4, false);
	wr(f, UART_IER, UART_IER_ERBFI);
	expect_irq(f, 5, true);
	assert_int_equal(rd(f, UART_RBR), 'y');
	expect_irq(f, 6, false);
}

static void test_irq_thre(void **state)
{
	struct fixture *f = *state;
	static const uint8_t in = 'q';

	wr(f, UART_MCR, UART_MCR_OUT2);
	wr(f, UART_IER, UART_IER_ETBEI);
	expect_irq(f, 1, true);
	assert_int_equal(rd(f, UART_IIR), 0x02);
	expect_irq(f, 2, false);
	assert_int_equal(rd(f, UART_IIR), 0x01);
	/* Rewriting IER with ETBEI still set does not re-raise it. */
	wr(f, UART_IER, UART_IER_ETBEI);
	assert_int_equal(f->nirq, 2);

	/* A THR write empties at once and raises THRE again. */
	wr(f, UART_THR, 'z');
	assert_int_equal(f->ntx, 1);
	expect_irq(f, 3, true);
	assert_int_equal(rd(f, UART_IIR), 0x02);
	expect_irq(f, 4, false);

	/* Toggling ETBEI off and on raises it again; off drops it. */
	wr(f, UART_IER, 0);
	assert_int_equal(f->nirq, 4);
	wr(f, UART_IER, UART_IER_ETBEI);
	expect_irq(f, 5, true);
	wr(f, UART_IER, 0);
	expect_irq(f, 6, false);
	assert_int_equal(rd(f, UART_IIR), 0x01);

	/* THRE pending is hidden by RDA and shows again after it. */
	wr(f, UART_IER, UART_IER_ETBEI | UART_IER_ERBFI);
	expect_irq(f, 7, true);
	assert_int_equal(uart16550_rx(&f->u, &in, 1), 1);
	assert_int_equal(rd(f, UART_IIR), 0x04);
	assert_int_equal(rd(f, UART_RBR), 'q');
	assert_int_equal(f->nirq, 7); /* THRE keeps the line up */
	assert_int_equal(rd(f, UART_IIR), 0x02);
	expect_irq(f, 8, false);
}

static void test_irq_out2_gating(void **state)
{
	struct fixture *f = *state;
	static const uint8_t in = 'g';

	wr(f, UART_IER, UART_IER_ERBFI);
	assert_int_equal(uart16550_rx(&f->u, &in, 1), 1);
	/* Pending inside the chip, but OUT2 keeps it off the line. */
	assert_int_equal(rd(f, UART_IIR), 0x04);
	assert_int_equal(f->nirq, 0);
	assert_false(uart16550_irq_level(&f->u));

	wr(f, UART_MCR, UART_MCR_OUT2);
	expect_irq(f, 1, true);
	wr(f, UART_MCR, UART_MCR_OUT2 | UART_MCR_DTR); /* no change */
	assert_int_equal(f->nirq, 1);
	wr(f, UART_MCR, UART_MCR_DTR);
	expect_irq(f, 2, false);
	wr(f, UART_MCR, UART_MCR_OUT2);
	expect_irq(f, 3, true);
	/* Loopback forces the OUT2 pin inactive. */
	wr(f, UART_MCR, UART_MCR_OUT2 | UART_MCR_LOOP);
	expect_irq(f, 4, false);
	wr(f, UART_MCR, UART_MCR_OUT2);
	expect_irq(f, 5, true);
	assert_int_equal(rd(f, UART_RBR), 'g');
	expect_irq(f, 6, false);
}

static void test_fifo_trigger(void **state)
{
	struct fixture *f = *state;
	static const uint8_t in[16] = { 0 };
	static const struct {
		uint8_t fcr;
		unsigned int level;
	} trig[] = {
		{ UART_FCR_TRIG_1, 1 },
		{ UART_FCR_TRIG_4, 4 },
		{ UART_FCR_TRIG_8, 8 },
		{ UART_FCR_TRIG_14, 14 },
	};
	unsigned int i;

	wr(f, UART_MCR, UART_MCR_OUT2);
	wr(f, UART_IER, UART_IER_ERBFI);
	for (i = 0; i < 4; i++) {
		unsigned int n = trig[i].level;

		wr(f, UART_FCR,
		   UART_FCR_ENABLE | UART_FCR_CLEAR_RX | trig[i].fcr);
		assert_int_equal(rd(f, UART_IIR), 0xc1);
		if (n > 1) {
			/* Below the trigger: a character timeout. */
			assert_int_equal(uart16550_rx(&f->u, in, n - 1), n - 1);
			assert_int_equal(rd(f, UART_IIR), 0xcc);
			assert_int_equal(uart16550_rx(&f->u, in, 1), 1);
		} else {
			assert_int_equal(uart16550_rx(&f->u, in, 1), 1);
		}
		assert_int_equal(rd(f, UART_IIR), 0xc4);
		assert_true(uart16550_irq_level(&f->u));
		rd(f, UART_RBR);
		assert_int_equal(rd(f, UART_IIR), n > 1 ? 0xcc : 0xc1);
	}
	/* Without FIFOs there is no timeout: one byte is data available. */
	wr(f, UART_FCR, 0);
	assert_int_equal(uart16550_rx(&f->u, in, 1), 1);
	assert_int_equal(rd(f, UART_IIR), 0x04);
}

static void test_fcr(void **state)
{
	struct fixture *f = *state;
	static const uint8_t in[5] = { 1, 2, 3, 4, 5 };

	/* The probe Linux uses to tell a 16550A: IIR bits 6-7 read 11. */
	wr(f, UART_FCR, 0xe7);
	assert_int_equal(rd(f, UART_IIR), 0xc1);

	assert_int_equal(uart16550_rx(&f->u, in, 5), 5);
	wr(f, UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_TX);
	assert_int_equal(rd(f, UART_LSR), 0x61); /* TX clear leaves RX */
	wr(f, UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX);
	assert_int_equal(rd(f, UART_LSR), 0x60);
	assert_int_equal(uart16550_rx_space(&f->u), 16);

	/* Turning FIFOs off empties them and clears IIR bits 6-7. */
	assert_int_equal(uart16550_rx(&f->u, in, 5), 5);
	wr(f, UART_FCR, UART_FCR_TRIG_14 | UART_FCR_CLEAR_RX);
	assert_int_equal(rd(f, UART_IIR), 0x01);
	assert_int_equal(rd(f, UART_LSR), 0x60);
	assert_int_equal(uart16550_rx_space(&f->u), 1);

	/* Turning them on empties the holding register too. */
	assert_int_equal(uart16550_rx(&f->u, in, 1), 1);
	wr(f, UART_FCR, UART_FCR_ENABLE);
	assert_int_equal(rd(f, UART_LSR), 0x60);
	/* Re-enabling without the clear bit keeps the data. */
	assert_int_equal(uart16550_rx(&f->u, in, 2), 2);
	wr(f, UART_FCR, UART_FCR_ENABLE | UART_FCR_TRIG_4);
	assert_int_equal(rd(f, UART_LSR), 0x61);
	assert_int_equal(rd(f, UART_RBR), 1);
}

static void test_loopback(void **state)
{
	struct fixture *f = *state;
	static const uint8_t in = 'h';

	wr(f, UART_FCR, UART_FCR_ENABLE);
	wr(f, UART_MCR, UART_MCR_LOOP | UART_MCR_DTR);
	/* DSR follows DTR; CTS and DCD went off. */
	assert_int_equal(rd(f, UART_MSR), 0x29);
	assert_int_equal(rd(f, UART_MSR), 0x20);

	wr(f, UART_THR, 'L');
	wr(f, UART_THR, 'B');
	assert_int_equal(f->ntx, 0);
	assert_int_equal(rd(f, UART_LSR), 0x61);
	assert_int_equal(rd(f, UART_RBR), 'L');
	assert_int_equal(rd(f, UART_RBR), 'B');
	/* The serial input is disconnected. */
	assert_int_equal(uart16550_rx_space(&f->u), 0);
	assert_int_equal(uart16550_rx(&f->u, &in, 1), 0);

	wr(f, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT1);
	assert_int_equal(rd(f, UART_MSR), 0x42); /* RI on, DSR off */
	wr(f, UART_MCR, UART_MCR_LOOP);
	assert_int_equal(rd(f, UART_MSR), 0x04); /* RI trailing edge */
	wr(f, UART_MCR, UART_MCR_LOOP | UART_MCR_RTS | UART_MCR_OUT2);
	assert_int_equal(rd(f, UART_MSR), 0x99);

	/* Leaving loopback: a connected terminal again, tx works. */
	wr(f, UART_MCR, UART_MCR_DTR | UART_MCR_RTS);
	assert_int_equal(rd(f, UART_MSR), 0xb2);
	assert_int_equal(rd(f, UART_MSR), 0xb0);
	wr(f, UART_THR, 'T');
	assert_int_equal(f->ntx, 1);
	assert_int_equal(f->tx[0], 'T');
	assert_int_equal(rd(f, UART_LSR), 0x60);
	assert_int_equal(uart16550_rx(&f->u, &in, 1), 1);
	assert_int_equal(rd(f, UART_RBR), 'h');
}

static void test_out_of_range(void **state)
{
	struct fixture *f = *state;
	static const unsigned int offs[] = { 8, 9, 255, 0x3f8, UINT_MAX };
	struct uart16550 before;
	unsigned int i;

	wr(f, UART_SCR, 0x77);
	memcpy(&before, &f->u, sizeof(before));
	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		assert_int_equal(rd(f, offs[i]), 0xff);
		wr(f, offs[i], 0x00);
		wr(f, offs[i], 0xff);
	}
	assert_memory_equal(&before, &f->u, sizeof(before));
	assert_int_equal(f->ntx, 0);
	assert_int_equal(f->nirq, 0);
	assert_int_equal(rd(f, UART_SCR), 0x77);
}

static void test_null_backend(void **state)
{
	struct uart16550 u;
	static const struct uart16550_backend empty = { 0 };
	static const uint8_t in = 1;

	(void)state;
	uart16550_init(&u, NULL, NULL);
	uart16550_write(&u, UART_MCR, UART_MCR_OUT2);
	uart16550_write(&u, UART_IER, UART_IER_MASK);
	uart16550_write(&u, UART_THR, 'n');
	assert_true(uart16550_irq_level(&u));
	assert_int_equal(uart16550_rx(&u, &in, 1), 1);
	assert_int_equal(uart16550_read(&u, UART_IIR), 0x04);
	uart16550_reset(&u);
	assert_false(uart16550_irq_level(&u));

	uart16550_init(&u, &empty, NULL);
	uart16550_write(&u, UART_MCR, UART_MCR_OUT2);
	uart16550_write(&u, UART_IER, UART_IER_ETBEI);
	uart16550_write(&u, UART_THR, 'n');
	assert_true(uart16550_irq_level(&u));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reset_values, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_thr_tx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dlab, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scratch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_register_masks, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rx_fifo_order, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rx_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overrun, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iir_priority, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_irq_rx_data, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_irq_thre, setup, teardown),
		cmocka_unit_test_setup_teardown(test_irq_out2_gating, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fifo_trigger, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fcr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loopback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_range, setup,
						teardown),
		cmocka_unit_test(test_null_backend),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
