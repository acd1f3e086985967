/*
 * cli.h: hyve's command line.
 *
 *   hyve                      boot the built-in demo guest
 *   hyve run [OPTIONS]        boot a guest (the demo if --kernel is absent)
 *   hyve --help | --version   and hyve run --help
 *
 * Parsing is pure (no I/O apart from getopt's state) so unit tests can drive
 * it; main acts on the result.
 */
#ifndef HYVE_CLI_CLI_H
#define HYVE_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "boot/loader.h"

#define CLI_DEFAULT_MEMORY (256ULL << 20)

enum cli_serial {
	CLI_SERIAL_STDIO = 0,
	CLI_SERIAL_FILE,
	CLI_SERIAL_OFF,
};

struct hyve_config {
	const char *kernel; /* NULL: the built-in demo */
	enum loader_format format;
	const char *cmdline;
	uint64_t memory; /* bytes */
	unsigned int cpus;
	enum cli_serial serial;
	const char *serial_path; /* with CLI_SERIAL_FILE */
	bool debug_exit;
	bool stats;
	int verbose;
};

enum cli_action {
	CLI_RUN,
	CLI_HELP,     /* hyve --help */
	CLI_RUN_HELP, /* hyve run --help */
	CLI_VERSION,
	CLI_ERROR, /* err holds one line */
};

enum cli_action cli_parse(int argc, char **argv, struct hyve_config *cfg,
			  char *err, size_t errlen);

/*
 * A size with an optional K, M, G or T suffix (powers of 1024, "KiB"/"KB"
 * spellings accepted).  A bare number is a count of default_unit bytes.
 * 0 or -EINVAL for garbage, -ERANGE on overflow.
 */
int cli_parse_size(const char *s, uint64_t default_unit, uint64_t *out);

/* Check a RAM size against hyve's limits and the host's RAM (0: unknown). */
int cli_check_memory(uint64_t bytes, uint64_t host_bytes, char *err,
		     size_t errlen);

void cli_print_help(FILE *out);
void cli_print_run_help(FILE *out);

#endif
