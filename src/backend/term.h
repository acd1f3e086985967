/*
 * term.h: the controlling terminal.
 *
 * When the serial console is on stdio and stdin is a terminal, hyve puts it
 * in raw input mode (no echo, no line editing, no signals from ^C) so that
 * every key reaches the guest; output processing stays on so "\n" still
 * starts a new line.  The saved state is restored on every way out: a normal
 * return, exit(), and every signal whose default action ends the process
 * (SIGSEGV and SIGABRT as much as SIGUSR1, SIGALRM or SIGXCPU); SIGINT,
 * SIGTERM and SIGHUP are read by main while the guest runs, and end hyve
 * through the same hook once it has stopped.
 *
 * Ctrl-A is the escape key, as in QEMU: Ctrl-A x quits, Ctrl-A Ctrl-A (or
 * Ctrl-A a) sends one Ctrl-A to the guest, Ctrl-A h prints help.
 *
 * term_raw_enter/term_restore are called by main's thread; term_restore is
 * also async-signal-safe.
 */
#ifndef HYVE_BACKEND_TERM_H
#define HYVE_BACKEND_TERM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TERM_ESCAPE_KEY 0x01 /* Ctrl-A */

/*
 * Raw mode on fd if it is a terminal; returns true if the mode changed.
 * The first call hooks the fatal signals, all but skip_signal (the vCPU
 * kick) and those that already have a handler.
 */
bool term_raw_enter(int fd, int skip_signal);
/* Put the terminal back as it was; safe to call more than once. */
void term_restore(void);

struct term_escape {
	bool pending; /* the last byte was the escape key */
};

enum term_escape_event {
	TERM_ESCAPE_NONE = 0,
	TERM_ESCAPE_QUIT, /* Ctrl-A x */
	TERM_ESCAPE_HELP, /* Ctrl-A h */
};

/*
 * Filter keyboard input: copy what goes to the guest from in to out (out
 * must hold n bytes) and return its length; *event says whether an escape
 * command was typed (processing stops at a quit).
 */
size_t term_escape_filter(struct term_escape *e, const uint8_t *in, size_t n,
			  uint8_t *out, enum term_escape_event *event);

#endif
