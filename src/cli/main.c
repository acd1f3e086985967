/*
 * main.c: hyve's entry point.  Parses the command line (cli.c) and hands
 * the result to the machine (arch/x86/machine.c).  Only main and the vCPU
 * loop may end the process; everything else returns errors.
 */
#include <stdio.h>
#include <stdlib.h>

#include "arch/x86/machine.h"
#include "cli/cli.h"
#include "util/log.h"
#include "vmm/report.h"

extern const unsigned char hyve_demo_start[], hyve_demo_end[];

int main(int argc, char **argv)
{
	struct hyve_config cfg;
	char err[512] = "";
	const struct machine_image demo = {
		.buf = hyve_demo_start,
		.len = (size_t)(hyve_demo_end - hyve_demo_start),
		.name = "built-in demo",
	};

	switch (cli_parse(argc, argv, &cfg, err, sizeof(err))) {
	case CLI_HELP:
		cli_print_help(stdout);
		return 0;
	case CLI_RUN_HELP:
		cli_print_run_help(stdout);
		return 0;
	case CLI_VERSION:
		printf("hyve %s\n", HYVE_VERSION);
		return 0;
	case CLI_ERROR:
		fprintf(stderr, "hyve: %s\n", err);
		return HYVE_EXIT_USAGE;
	case CLI_RUN:
		break;
	}
	if (cfg.verbose)
		log_set_level(cfg.verbose > 1 ? LOG_DEBUG : LOG_INFO);
	if (argc < 2)
		printf("hyve %s: booting the built-in demo guest "
		       "(hyve --help for more)\n",
		       HYVE_VERSION);
	fflush(stdout);
	return machine_run(&cfg, &demo);
}
