/*
 * cli.h: hyve's command line.
 *
 *   hyve                      boot the built-in demo guest
 *   hyve run [OPTIONS]        boot a guest (the demo if --kernel is absent)
 *   hyve --help | --version   and hyve run --help
 *   hyve --probe              what this host's KVM can and cannot do
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

#include "machine/config.h"

enum cli_action {
	CLI_RUN,
	CLI_HELP,     /* hyve --help */
	CLI_RUN_HELP, /* hyve run --help */
	CLI_VERSION,
	CLI_PROBE, /* hyve --probe */
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

void cli_print_help(FILE *out);
void cli_print_run_help(FILE *out);

#endif
