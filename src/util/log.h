/*
 * log.h: the one way hyve writes diagnostics.
 *
 * Every message carries a level and a subsystem tag ("kvm", "iobus", ...)
 * and goes to stderr.  The level threshold is set once at start-up by main
 * (before any vCPU thread exists) and only read afterwards, so any thread may
 * log.  Each message is written with a single write(2) so that lines from
 * different threads do not interleave.
 */
#ifndef HYVE_UTIL_LOG_H
#define HYVE_UTIL_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_ERROR = 0, /* something failed; hyve will stop */
	LOG_WARN,      /* something is wrong but hyve goes on */
	LOG_INFO,      /* shown with --verbose */
	LOG_DEBUG,     /* shown with --verbose --verbose */
};

/* Messages at or below this level are printed.  Default: LOG_WARN. */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
static inline bool log_enabled(enum log_level level)
{
	return level <= log_get_level();
}

void log_msg(enum log_level level, const char *tag, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_err(tag, ...)  log_msg(LOG_ERROR, tag, __VA_ARGS__)
#define log_warn(tag, ...) log_msg(LOG_WARN, tag, __VA_ARGS__)
#define log_info(tag, ...)                                                     \
	do {                                                                   \
		if (log_enabled(LOG_INFO))                                     \
			log_msg(LOG_INFO, tag, __VA_ARGS__);                   \
	} while (0)
#define log_debug(tag, ...)                                                    \
	do {                                                                   \
		if (log_enabled(LOG_DEBUG))                                    \
			log_msg(LOG_DEBUG, tag, __VA_ARGS__);                  \
	} while (0)

#endif
