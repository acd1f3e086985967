/*
 * console.h: keyboard (stdin) to the guest's console, COM1 or the virtio
 * console, with flow control and the Ctrl-A escape.
 *
 * Input is never dropped.  Bytes read from stdin wait in a queue until the
 * console has room, and stdin is read only while the queue has room, as a
 * terminal stops sending when a real UART's FIFO is full.  On a raw
 * terminal the queue may grow, up to CONSOLE_RAW_MAX bytes, so that hyve
 * keeps reading and still sees Ctrl-A x while the guest reads nothing;
 * from a pipe or a file it holds CONSOLE_QUEUE bytes and the writer waits.
 * Nothing here spins: while the queue is full, main's loop waits on the
 * console's room fd (console_room_fd), not on a timer.
 *
 * The consoles (the sink):
 *  - COM1: bytes go into the UART's receiver (com_input); room is COM1's
 *    room eventfd, readable once the guest has read;
 *  - the virtio console: bytes go into a pipe whose other end the
 *    device's thread reads only while the guest has receive buffers
 *    (virtio/console.h); room is the pipe being writable again.
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

/* Where input goes: COM1, or (com NULL) a pipe's non-blocking write end. */
struct console_sink {
	struct com_port *com;
	int fd;
};

struct console {
	struct console_sink sink;
	int fd;	  /* stdin, or -1 once it has ended */
	bool raw; /* a raw terminal: filter Ctrl-A, grow the queue */
	struct term_escape esc;
	uint8_t *q; /* bytes for the guest: q[head .. head + len) */
	size_t head, len, cap;
};

/*
 * fd: where input comes from (-1: none); raw: it is a raw terminal; sink:
 * where it goes.
 */
int console_init(struct console *c, struct console_sink sink, int fd, bool raw);
void console_destroy(struct console *c);

/* Should main poll the input fd now?  (It has room for more.) */
bool console_wants_input(const struct console *c);
/* Should main poll the room fd?  (Bytes are waiting for the guest.) */
bool console_wants_room(const struct console *c);
/* The fd that says the console has room again, and its poll events. */
int console_room_fd(const struct console *c, short *events);

/* The input fd is readable: read, filter, queue, feed the UART. */
enum console_event console_read(struct console *c);
/* The console may have room: feed it what is queued. */
void console_feed(struct console *c);

#endif
