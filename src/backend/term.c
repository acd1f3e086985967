/* term.c: raw mode, its restoration, and the Ctrl-A escape.  See term.h. */
#include "backend/term.h"

#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static struct termios term_saved;
static int term_fd = -1;
static volatile sig_atomic_t term_is_raw;

void term_restore(void)
{
	if (term_is_raw) {
		tcsetattr(term_fd, TCSAFLUSH, &term_saved);
		term_is_raw = 0;
	}
}

/* Fatal signals: put the terminal back, then die of the same signal. */
static void term_fatal(int sig)
{
	term_restore();
	signal(sig, SIG_DFL);
	raise(sig); /* pending until this handler returns, then fatal */
}

/* Default action "ignore", "stop" or "continue": nothing to restore. */
static bool term_sig_harmless(int sig)
{
	switch (sig) {
	case SIGCHLD:
	case SIGCONT:
	case SIGSTOP:
	case SIGTSTP:
	case SIGTTIN:
	case SIGTTOU:
	case SIGURG:
	case SIGWINCH:
		return true;
	default:
		return false;
	}
}

/*
 * Hook every signal whose default action ends the process, so that the
 * terminal is put back first; SIGKILL cannot be hooked, SIGPIPE is ignored,
 * and the vCPU kick (skip) is the VM's own.  A signal hyve already handles
 * keeps its handler.
 */
static void term_hook_signals(int skip)
{
	struct sigaction sa = { .sa_handler = term_fatal }, old;

	sigemptyset(&sa.sa_mask);
	for (int sig = 1; sig <= SIGRTMAX; sig++) {
		if (sig == SIGKILL || sig == SIGPIPE || sig == skip ||
		    term_sig_harmless(sig))
			continue;
		if (sigaction(sig, NULL, &old) < 0)
			continue; /* not a signal number here */
		if (old.sa_handler == SIG_DFL)
			sigaction(sig, &sa, NULL);
	}
}

bool term_raw_enter(int fd, int skip_signal)
{
	static bool hooked;
	struct termios t;

	if (!isatty(fd) || tcgetattr(fd, &term_saved) < 0)
		return false;
	t = term_saved;
	t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR |
				 IGNCR | ICRNL | IXON);
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
	t.c_cflag |= CS8;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (!hooked) {
		term_hook_signals(skip_signal);
		atexit(term_restore);
		hooked = true;
	}
	term_fd = fd;
	if (tcsetattr(fd, TCSAFLUSH, &t) < 0)
		return false;
	term_is_raw = 1;
	return true;
}

size_t term_escape_filter(struct term_escape *e, const uint8_t *in, size_t n,
			  uint8_t *out, enum term_escape_event *event)
{
	size_t o = 0;

	*event = TERM_ESCAPE_NONE;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = in[i];

		if (!e->pending) {
			if (c == TERM_ESCAPE_KEY)
				e->pending = true;
			else
				out[o++] = c;
			continue;
		}
		e->pending = false;
		switch (c) {
		case 'x':
		case 'X':
			*event = TERM_ESCAPE_QUIT;
			return o;
		case 'h':
		case 'H':
		case '?':
			*event = TERM_ESCAPE_HELP;
			break;
		case 'a':
		case TERM_ESCAPE_KEY:
			out[o++] = TERM_ESCAPE_KEY;
			break;
		default:
			/* Not a command: drop the escape, keep the key. */
			out[o++] = c;
		}
	}
	return o;
}
