/*
 * main.c: hyve's entry point.  Parses the command line (cli.c) and hands
 * the result to the machine (machine/machine.c).  Only main and the vCPU
 * loop may end the process; everything else returns errors.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "machine/machine.h"
#include "cli/cli.h"
#include "util/log.h"
#include "vmm/report.h"

extern const unsigned char hyve_demo_start[], hyve_demo_end[];

/*
 * Make sure fds 0, 1 and 2 are open (on /dev/null if they were closed), so
 * that no file hyve opens later, /dev/kvm above all, takes one of their
 * numbers and receives the guest's console output.
 */
static void main_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		int n = open("/dev/null", fd ? O_WRONLY : O_RDONLY);
		if (n >= 0 && n != fd) {
			dup2(n, fd);
			close(n);
		}
	}
}

int main(int argc, char **argv)
{
	struct hyve_config cfg;
	char err[512] = "";
	const struct machine_image demo = {
		.buf = hyve_demo_start,
		.len = (size_t)(hyve_demo_end - hyve_demo_start),
		.name = "built-in demo",
	};

	/*
	 * A reader that goes away must cost a failed write, not the process;
	 * so must a file-size limit (ulimit -f) that a disk image or the
	 * serial log reaches: the write fails with EFBIG, which the guest
	 * sees as an I/O error.
	 */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
	main_std_fds();

	switch (cli_parse(argc, argv, &cfg, err, sizeof(err))) {
	case CLI_HELP:
		cli_print_help(stdout);
		return 0;
	case CLI_RUN_HELP:
		cli_print_run_help(stdout);
		return 0;
	case CLI_PROBE:
		return machine_probe(stdout);
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
