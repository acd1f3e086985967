/*
 * console.h: keyboard (stdin) to COM1, with flow control and the Ctrl-A
 * escape.
 *
 * Input is never dropped.  Bytes read from stdin wait in a queue until the
 * UART has room (com_input), and stdin is read only while the queue has
 * room, as a terminal stops sending when a real UART's FIFO is full.  On a
 * raw terminal the queue may grow, up to CONSOLE_RAW_MAX bytes, so that
 * hyve keeps reading and still sees Ctrl-A x while the guest reads nothing;
 * from a pipe or a file it holds CONSOLE_QUEUE bytes and the writer waits.
 * Nothing here spins: while the queue is full, main's loop waits on COM1's
 * room eventfd, not on a timer.
 *
 * Owned by main's thread.
 */
#ifndef HYVE_MACHINE_CONSOLE_H
#define HYVE_MACHINE_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/term.h"
#include "hw/com.h"

#define CONSOLE_QUEUE	(4u << 10)  /* bytes held from a pipe or a file */
#define CONSOLE_RAW_MAX (16u << 20) /* bytes held from a raw terminal */

enum console_event {
	CONSOLE_NONE = 0,
	CONSOLE_QUIT, /* Ctrl-A x */
};

struct console {
	struct com_port *com;
	int fd;	  /* stdin, or -1 once it has ended */
	bool raw; /* a raw terminal: filter Ctrl-A, grow the queue */
	struct term_escape esc;
	uint8_t *q; /* bytes for the guest: q[head .. head + len) */
	size_t head, len, cap;
};

/* fd: where input comes from (-1: none); raw: it is a raw terminal. */
int console_init(struct console *c, struct com_port *com, int fd, bool raw);
void console_destroy(struct console *c);

/* Should main poll the input fd now?  (It has room for more.) */
bool console_wants_input(const struct console *c);
/* Should main poll COM1's room fd?  (Bytes are waiting for the guest.) */
bool console_wants_room(const struct console *c);

/* The input fd is readable: read, filter, queue, feed the UART. */
enum console_event console_read(struct console *c);
/* The UART may have room: feed it what is queued. */
void console_feed(struct console *c);

#endif
