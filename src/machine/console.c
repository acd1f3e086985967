/* console.c: keyboard input for the guest's console.  See console.h. */
#include "machine/console.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CONSOLE_READ 4096 /* bytes read from the fd at a time, at most */

int console_init(struct console *c, struct console_sink sink, int fd, bool raw)
{
	*c = (struct console){ .sink = sink, .fd = fd, .raw = raw };
	c->cap = CONSOLE_QUEUE;
	c->q = malloc(c->cap);
	return c->q ? 0 : -ENOMEM;
}

void console_destroy(struct console *c)
{
	free(c->q);
	c->q = NULL;
}

static size_t console_limit(const struct console *c)
{
	return c->raw ? CONSOLE_RAW_MAX : CONSOLE_QUEUE;
}

bool console_wants_input(const struct console *c)
{
	return c->fd >= 0 && c->len < console_limit(c);
}

bool console_wants_room(const struct console *c)
{
	return c->len > 0;
}

int console_room_fd(const struct console *c, short *events)
{
	*events = c->sink.com ? POLLIN : POLLOUT;
	return c->sink.com ? com_room_fd(c->sink.com) : c->sink.fd;
}

/* Hand bytes to the console: how many it took. */
static size_t console_put(struct console *c, const uint8_t *buf, size_t len)
{
	ssize_t n;

	if (c->sink.com)
		return com_input(c->sink.com, buf, len);
	do
		n = write(c->sink.fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n >= 0)
		return (size_t)n;
	/* Full (EAGAIN): wait for room.  Anything else: nobody to read. */
	return errno == EAGAIN ? 0 : len;
}

/* Make room for n more bytes at the tail; false if the limit is reached. */
static bool console_reserve(struct console *c, size_t n)
{
	size_t cap = c->cap;
	uint8_t *q;

	if (c->head) {
		memmove(c->q, c->q + c->head, c->len);
		c->head = 0;
	}
	if (c->len + n <= c->cap)
		return true;
	while (cap < c->len + n)
		cap *= 2;
	if (cap > console_limit(c))
		return false;
	q = realloc(c->q, cap);
	if (!q)
		return false;
	c->q = q;
	c->cap = cap;
	return true;
}

void console_feed(struct console *c)
{
	size_t took;

	if (c->sink.com)
		com_room_ack(c->sink.com);
	if (!c->len)
		return;
	took = console_put(c, c->q + c->head, c->len);
	c->head += took;
	c->len -= took;
	if (!c->len)
		c->head = 0;
}

enum console_event console_read(struct console *c)
{
	uint8_t in[CONSOLE_READ];
	enum term_escape_event ev = TERM_ESCAPE_NONE;
	size_t want = console_limit(c) - c->len, n;
	ssize_t got;

	if (want > sizeof(in))
		want = sizeof(in);
	if (!want || !console_reserve(c, want))
		return CONSOLE_NONE; /* full: read again once the guest drains */
	got = read(c->fd, in, want);
	if (got <= 0) {
		if (got == 0 || (errno != EINTR && errno != EAGAIN))
			c->fd = -1; /* ended: the queue still drains */
		return CONSOLE_NONE;
	}
	/* The filter only ever shortens its input, so it fits the queue. */
	if (c->raw)
		n = term_escape_filter(&c->esc, in, (size_t)got,
				       c->q + c->head + c->len, &ev);
	else
		memcpy(c->q + c->head + c->len, in, n = (size_t)got);
	c->len += n;
	console_feed(c);
	if (ev == TERM_ESCAPE_QUIT)
		return CONSOLE_QUIT;
	if (ev == TERM_ESCAPE_HELP)
		fputs("\r\nhyve: Ctrl-A x quit, Ctrl-A a send Ctrl-A, "
		      "Ctrl-A h this help\r\n",
		      stderr);
	return CONSOLE_NONE;
}
