/*
 * com.h: a PC COM port: a 16550A (uart16550.h) wired to the I/O bus at its
 * base port, with its transmitted bytes going to a file descriptor.
 *
 * The model knows nothing of ports or descriptors; this glue does.  A vCPU
 * thread reaches it through the bus and main's thread feeds it input, so all
 * model access is under com->lock.  The interrupt line (IRQ 4 for COM1)
 * goes to the board's callback.
 */
#ifndef HYVE_HW_COM_H
#define HYVE_HW_COM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/uart16550.h"
#include "vmm/iobus.h"

#define COM1_BASE 0x3f8
#define COM_PORTS 8

struct com_port {
	struct iobus_dev dev; /* first: the bus hands us this pointer */
	pthread_mutex_t lock;
	struct uart16550 uart;
	int out_fd;  /* -1: output dropped */
	int stop_fd; /* readable once the VM stops: stop waiting on out_fd */
	int room_fd; /* eventfd: the receiver has room again */
	atomic_bool waiting;		    /* host input is waiting for room */
	void (*irq)(void *ctx, bool level); /* the interrupt line, or NULL */
	void *irq_ctx;
};

/*
 * out_fd: where transmitted bytes go, or -1 to drop them; stop_fd: an fd
 * that becomes readable when the VM stops (or -1); irq: called, with the
 * port's lock held, when the UART's interrupt line changes (NULL: not
 * wired).  0 or a negative errno (the room eventfd could not be made).
 */
int com_init(struct com_port *com, const char *name, int out_fd, int stop_fd,
	     void (*irq)(void *ctx, bool level), void *irq_ctx);
void com_destroy(struct com_port *com);

/*
 * Push host input; returns how many bytes the receiver took (0 when full,
 * or when a vCPU holds the port).  When it takes less than len, room_fd
 * becomes readable once the guest has made room again (by reading RBR,
 * resetting the FIFO, leaving loopback...), so the caller can wait on it
 * instead of retrying: host input is never dropped and never polled for.
 */
size_t com_input(struct com_port *com, const uint8_t *buf, size_t len);

/* The fd to poll while input waits; read it with com_room_ack(). */
int com_room_fd(const struct com_port *com);
void com_room_ack(struct com_port *com);

#endif
