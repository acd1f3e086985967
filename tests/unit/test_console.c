/*
 * test_console.c: keyboard input to a console (machine/console.c) with
 * the virtio console's sink, a pipe: bytes reach the pipe in order; when
 * the pipe is full they wait in the queue, main is told to poll the
 * pipe for room (POLLOUT) and to stop reading input once the queue is
 * full, and nothing is lost; on a raw terminal Ctrl-A x is still seen
 * while the guest reads nothing.  No KVM.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "machine/console.h"

struct fx {
	int in[2];   /* the keyboard: the test writes in[1] */
	int sink[2]; /* the virtio console's pipe: the "device" reads [0] */
	struct console con;
};

static int setup_mode(void **state, bool raw)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx || pipe2(fx->in, O_NONBLOCK | O_CLOEXEC) ||
	    pipe2(fx->sink, O_NONBLOCK | O_CLOEXEC) ||
	    fcntl(fx->sink[1], F_SETPIPE_SZ, 4096) < 0)
		return -1;
	if (console_init(
		    &fx->con,
		    (struct console_sink){ .com = NULL, .fd = fx->sink[1] },
		    fx->in[0], raw))
		return -1;
	*state = fx;
	return 0;
}

static int setup(void **state)
{
	return setup_mode(state, false);
}

static int setup_raw(void **state)
{
	return setup_mode(state, true);
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	console_destroy(&fx->con);
	for (int i = 0; i < 2; i++) {
		close(fx->in[i]);
		close(fx->sink[i]);
	}
	free(fx);
	return 0;
}

static size_t drain(int fd, uint8_t *buf, size_t cap)
{
	size_t got = 0;
	ssize_t n;

	while (got < cap && (n = read(fd, buf + got, cap - got)) > 0)
		got += (size_t)n;
	return got;
}

static void test_bytes_reach_the_pipe(void **state)
{
	struct fx *fx = *state;
	uint8_t buf[16];

	assert_int_equal(write(fx->in[1], "ls -l\n", 6), 6);
	assert_true(console_wants_input(&fx->con));
	assert_int_equal(console_read(&fx->con), CONSOLE_NONE);
	assert_int_equal(drain(fx->sink[0], buf, sizeof(buf)), 6);
	assert_memory_equal(buf, "ls -l\n", 6);
	assert_false(console_wants_room(&fx->con));
}

/* A guest that reads nothing: the queue fills, input stops, none lost. */
static void test_flow_control(void **state)
{
	struct fx *fx = *state;
	static uint8_t data[32768], got[32768];
	size_t written = 0, received = 0;
	short events = 0;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + 1);
	/* Type until hyve stops reading: the pipe and the queue are full. */
	while (console_wants_input(&fx->con)) {
		ssize_t n = write(fx->in[1], data + written,
				  sizeof(data) - written);
		if (n > 0)
			written += (size_t)n;
		console_read(&fx->con);
	}
	assert_true(console_wants_room(&fx->con));
	assert_int_equal(console_room_fd(&fx->con, &events), fx->sink[1]);
	assert_int_equal(events, POLLOUT);
	/* The pipe has no room: nothing to poll for yet. */
	struct pollfd p = { .fd = fx->sink[1], .events = events };
	assert_int_equal(poll(&p, 1, 0), 0);
	/* The "device" reads; main feeds and reads again until all is in. */
	while (received < written || console_wants_room(&fx->con)) {
		received += drain(fx->sink[0], got + received,
				  sizeof(got) - received);
		console_feed(&fx->con);
		if (console_wants_input(&fx->con)) {
			ssize_t n = write(fx->in[1], data + written,
					  sizeof(data) - written);
			if (n > 0)
				written += (size_t)n;
			console_read(&fx->con);
		}
		if (written == sizeof(data) && received == written)
			break;
	}
	assert_int_equal(received, sizeof(data));
	assert_memory_equal(got, data, sizeof(data));
}

/* A raw terminal: Ctrl-A x is seen though the guest reads nothing. */
static void test_raw_quit_while_full(void **state)
{
	struct fx *fx = *state;
	static uint8_t junk[8192];
	enum console_event ev;

	memset(junk, 'j', sizeof(junk));
	/* 32 KiB: more than the pipe (4 KiB) and the usual queue hold. */
	for (int i = 0; i < 4; i++) {
		struct pollfd p = { .fd = fx->in[0], .events = POLLIN };
		assert_int_equal(write(fx->in[1], junk, sizeof(junk)),
				 sizeof(junk));
		while (poll(&p, 1, 0) == 1)
			assert_int_equal(console_read(&fx->con), CONSOLE_NONE);
	}
	assert_true(console_wants_room(&fx->con));
	assert_true(console_wants_input(&fx->con)); /* raw: still reading */
	assert_int_equal(write(fx->in[1], "\x01x", 2), 2);
	ev = console_read(&fx->con);
	assert_int_equal(ev, CONSOLE_QUIT);
}

/* Ctrl-A a sends one Ctrl-A; Ctrl-A itself is not passed on. */
static void test_raw_escape(void **state)
{
	struct fx *fx = *state;
	uint8_t buf[8];

	assert_int_equal(write(fx->in[1],
			       "a\x01"
			       "ab",
			       4),
			 4);
	assert_int_equal(console_read(&fx->con), CONSOLE_NONE);
	assert_int_equal(drain(fx->sink[0], buf, sizeof(buf)), 3);
	assert_memory_equal(buf,
			    "a\x01"
			    "b",
			    3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bytes_reach_the_pipe,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_flow_control, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_raw_quit_while_full,
						setup_raw, teardown),
		cmocka_unit_test_setup_teardown(test_raw_escape, setup_raw,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
