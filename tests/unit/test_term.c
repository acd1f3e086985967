/*
 * test_term.c: the Ctrl-A escape filter on keyboard input
 * (backend/term.c).  The terminal itself is not touched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "backend/term.h"

struct fx {
	struct term_escape e;
	uint8_t out[64];
	enum term_escape_event ev;
};

/* Filter a string; returns the output length. */
static size_t filter(struct fx *fx, const char *in, size_t n)
{
	memset(fx->out, 0xcc, sizeof(fx->out));
	memset(&fx->ev, 0x5a, sizeof(fx->ev)); /* neither event */
	assert_true(n <= sizeof(fx->out));
	return term_escape_filter(&fx->e, (const uint8_t *)in, n, fx->out,
				  &fx->ev);
}

#define FILTER(fx, lit) filter(fx, lit, sizeof(lit) - 1)

static void test_plain(void **state)
{
	struct fx fx = { 0 };
	uint8_t all[256], out[256];
	enum term_escape_event ev = TERM_ESCAPE_HELP;
	size_t n = 0;

	(void)state;
	assert_int_equal(FILTER(&fx, "hello\r\n"), 7);
	assert_memory_equal(fx.out, "hello\r\n", 7);
	assert_int_equal(fx.out[7], 0xcc);
	assert_int_equal(fx.ev, TERM_ESCAPE_NONE);
	assert_false(fx.e.pending);

	/* Every byte but Ctrl-A passes unchanged, NUL and ^C included. */
	for (unsigned int i = 0; i < 256; i++)
		if (i != TERM_ESCAPE_KEY)
			all[n++] = (uint8_t)i;
	assert_int_equal(term_escape_filter(&fx.e, all, n, out, &ev), 255);
	assert_memory_equal(out, all, 255);
	assert_int_equal(ev, TERM_ESCAPE_NONE);

	assert_int_equal(filter(&fx, "", 0), 0);
	assert_int_equal(fx.ev, TERM_ESCAPE_NONE);
	assert_int_equal(fx.out[0], 0xcc);
}

static void test_quit(void **state)
{
	struct fx fx = { 0 };

	(void)state;
	/* Processing stops at the quit: "cd" is not passed on. */
	assert_int_equal(FILTER(&fx, "ab\001xcd"), 2);
	assert_memory_equal(fx.out, "ab", 2);
	assert_int_equal(fx.out[2], 0xcc);
	assert_int_equal(fx.ev, TERM_ESCAPE_QUIT);
	assert_false(fx.e.pending);

	assert_int_equal(FILTER(&fx, "\001X"), 0);
	assert_int_equal(fx.ev, TERM_ESCAPE_QUIT);

	/* A quit after a help in the same buffer wins. */
	assert_int_equal(FILTER(&fx, "\001hq\001xz"), 1);
	assert_int_equal(fx.out[0], 'q');
	assert_int_equal(fx.ev, TERM_ESCAPE_QUIT);

	/* The next call starts afresh. */
	assert_int_equal(FILTER(&fx, "x"), 1);
	assert_int_equal(fx.out[0], 'x');
	assert_int_equal(fx.ev, TERM_ESCAPE_NONE);
}

static void test_literal_ctrl_a(void **state)
{
	struct fx fx = { 0 };

	(void)state;
	assert_int_equal(FILTER(&fx, "\001a"), 1);
	assert_int_equal(fx.out[0], 0x01);
	assert_int_equal(fx.out[1], 0xcc);
	assert_int_equal(fx.ev, TERM_ESCAPE_NONE);
	assert_false(fx.e.pending);

	assert_int_equal(FILTER(&fx, "\001\001"), 1);
	assert_int_equal(fx.out[0], 0x01);
	assert_int_equal(fx.ev, TERM_ESCAPE_NONE);
	assert_false(fx.e.pending);

	/* Three: one literal, and the third starts a new escape. */
	assert_int_equal(FILTER(&fx, "p\001\001\001"), 2);
	assert_memory_equal(fx.out, "p\001", 2);
	assert_true(fx.e.pending);
	assert_int_equal(FILTER(&fx, "x"), 0);
	assert_int_equal(fx.ev, TERM_ESCAPE_QUIT);
}

static void test_help(void **state)
{
	struct fx fx = { 0 };

	(void)state;
	/* Help does not stop processing. */
	assert_int_equal(FILTER(&fx, "a\001hb"), 2);
	assert_memory_equal(fx.out, "ab", 2);
	assert_int_equal(fx.ev, TERM_ESCAPE_HELP);
	assert_false(fx.e.pending);

	assert_int_equal(FILTER(&fx, "\001H"), 0);
	assert_int_equal(fx.ev, TERM_ESCAPE_HELP);
	assert_int_equal(FILTER(&fx, "\001?"), 0);
	assert_int_equal(fx.ev, TERM_ESCAPE_HELP);
}

static void test_other(void **state)
{
	struct fx fx = { 0 };

	(void)state;
	/* Not a command: the escape is dropped, the key kept. */
	assert_int_equal(FILTER(&fx, "\001z"), 1);
	assert_int_equal(fx.out[0], 'z');
	assert_int_equal(fx.ev, TERM_ESCAPE_NONE);
	assert_false(fx.e.pending);

	assert_int_equal(FILTER(&fx, "1\001c2\001\r"), 4);
	assert_memory_equal(fx.out, "1c2\r", 4);
	assert_int_equal(fx.ev, TERM_ESCAPE_NONE);

	/* Upper-case A is not the literal command. */
	assert_int_equal(FILTER(&fx, "\001A"), 1);
	assert_int_equal(fx.out[0], 'A');
}

static void test_split(void **state)
{
	struct fx fx = { 0 };

	(void)state;
	assert_int_equal(FILTER(&fx, "ab\001"), 2);
	assert_memory_equal(fx.out, "ab", 2);
	assert_int_equal(fx.ev, TERM_ESCAPE_NONE);
	assert_true(fx.e.pending);
	assert_int_equal(FILTER(&fx, "xyz"), 0);
	assert_int_equal(fx.ev, TERM_ESCAPE_QUIT);
	assert_false(fx.e.pending);

	assert_int_equal(FILTER(&fx, "\001"), 0);
	assert_true(fx.e.pending);
	assert_int_equal(FILTER(&fx, "a!"), 2);
	assert_memory_equal(fx.out, "\001!", 2);
	assert_false(fx.e.pending);

	assert_int_equal(FILTER(&fx, "\001"), 0);
	assert_int_equal(filter(&fx, "", 0), 0); /* still pending */
	assert_true(fx.e.pending);
	assert_int_equal(FILTER(&fx, "h"), 0);
	assert_int_equal(fx.ev, TERM_ESCAPE_HELP);

	assert_int_equal(FILTER(&fx, "\001"), 0);
	assert_int_equal(FILTER(&fx, "\001"), 1);
	assert_int_equal(fx.out[0], 0x01);
	assert_false(fx.e.pending);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_quit),
		cmocka_unit_test(test_literal_ctrl_a),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_other),
		cmocka_unit_test(test_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
