/*
 * cli.c: parsing and help text for hyve's command line.  Long options in
 * the Cloud Hypervisor manner; every error names the option and the value.
 */
#include "cli/cli.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/memmap.h"
#include "vmm/vm.h"

enum {
	OPT_KERNEL = 0x100,
	OPT_FORMAT,
	OPT_CMDLINE,
	OPT_MEMORY,
	OPT_CPUS,
	OPT_SERIAL,
	OPT_DEBUG_EXIT,
	OPT_STATS,
};

int cli_parse_size(const char *s, uint64_t default_unit, uint64_t *out)
{
	uint64_t v = 0, unit = default_unit;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (*p) {
		switch (toupper((unsigned char)*p++)) {
		case 'K':
			unit = 1ULL << 10;
			break;
		case 'M':
			unit = 1ULL << 20;
			break;
		case 'G':
			unit = 1ULL << 30;
			break;
		case 'T':
			unit = 1ULL << 40;
			break;
		case 'B':
			unit = 1;
			break;
		default:
			return -EINVAL;
		}
		if (unit != 1 && (!strcasecmp(p, "iB") || !strcasecmp(p, "B")))
			p += strlen(p);
		if (*p)
			return -EINVAL;
	}
	if (v > UINT64_MAX / unit)
		return -ERANGE;
	*out = v * unit;
	return 0;
}

int cli_check_memory(uint64_t bytes, uint64_t host_bytes, char *err,
		     size_t errlen)
{
	if (bytes == 0) {
		snprintf(err, errlen, "--memory: the size must not be zero");
		return -EINVAL;
	}
	if (bytes % 4096) {
		snprintf(err, errlen,
			 "--memory: %" PRIu64
			 " bytes is not a multiple of 4 KiB",
			 bytes);
		return -EINVAL;
	}
	if (bytes < MEMMAP_RAM_MIN || bytes > MEMMAP_RAM_MAX) {
		snprintf(err, errlen,
			 "--memory: %" PRIu64 " MiB is outside hyve's range of "
			 "%llu MiB to %llu GiB",
			 bytes >> 20, MEMMAP_RAM_MIN >> 20,
			 MEMMAP_RAM_MAX >> 30);
		return -ERANGE;
	}
	if (host_bytes && bytes > host_bytes) {
		snprintf(err, errlen,
			 "--memory: %" PRIu64
			 " MiB is more than this host's %" PRIu64 " MiB of RAM",
			 bytes >> 20, host_bytes >> 20);
		return -ERANGE;
	}
	return 0;
}

static int cli_parse_cpus(const char *s, unsigned int *out)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end || errno || v == 0 || v > VM_MAX_VCPUS)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

static int cli_parse_serial(const char *s, struct hyve_config *cfg)
{
	if (!strcmp(s, "stdio")) {
		cfg->serial = CLI_SERIAL_STDIO;
	} else if (!strcmp(s, "off") || !strcmp(s, "none")) {
		cfg->serial = CLI_SERIAL_OFF;
	} else if (!strncmp(s, "file=", 5) && s[5]) {
		cfg->serial = CLI_SERIAL_FILE;
		cfg->serial_path = s + 5;
	} else {
		return -EINVAL;
	}
	return 0;
}

static void cli_defaults(struct hyve_config *cfg)
{
	*cfg = (struct hyve_config){
		.format = LOADER_AUTO,
		.cmdline = "",
		.memory = CLI_DEFAULT_MEMORY,
		.cpus = 1,
		.serial = CLI_SERIAL_STDIO,
	};
}

static enum cli_action cli_parse_run(int argc, char **argv,
				     struct hyve_config *cfg, char *err,
				     size_t errlen)
{
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, OPT_KERNEL },
		{ "kernel-format", required_argument, NULL, OPT_FORMAT },
		{ "cmdline", required_argument, NULL, OPT_CMDLINE },
		{ "memory", required_argument, NULL, OPT_MEMORY },
		{ "cpus", required_argument, NULL, OPT_CPUS },
		{ "serial", required_argument, NULL, OPT_SERIAL },
		{ "debug-exit", no_argument, NULL, OPT_DEBUG_EXIT },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, r;

	optind = 0; /* full re-initialisation, so parsing can run twice */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:hv", opts, NULL)) != -1) {
		switch (c) {
		case OPT_KERNEL:
			cfg->kernel = optarg;
			break;
		case OPT_FORMAT:
			if (loader_parse_format(optarg, &cfg->format)) {
				snprintf(err, errlen,
					 "--kernel-format: '%s' is not one of "
					 "auto, elf, raw",
					 optarg);
				return CLI_ERROR;
			}
			break;
		case OPT_CMDLINE:
			cfg->cmdline = optarg;
			break;
		case OPT_MEMORY:
			r = cli_parse_size(optarg, 1ULL << 20, &cfg->memory);
			if (r) {
				snprintf(err, errlen,
					 "--memory: '%s' is not a size (try "
					 "512M or 2G)",
					 optarg);
				return CLI_ERROR;
			}
			if (cli_check_memory(cfg->memory, 0, err, errlen))
				return CLI_ERROR;
			break;
		case OPT_CPUS:
			if (cli_parse_cpus(optarg, &cfg->cpus)) {
				snprintf(err, errlen,
					 "--cpus: '%s' is not a vCPU count "
					 "from 1 to %d",
					 optarg, VM_MAX_VCPUS);
				return CLI_ERROR;
			}
			break;
		case OPT_SERIAL:
			if (cli_parse_serial(optarg, cfg)) {
				snprintf(err, errlen,
					 "--serial: '%s' is not stdio, "
					 "file=PATH or off",
					 optarg);
				return CLI_ERROR;
			}
			break;
		case OPT_DEBUG_EXIT:
			cfg->debug_exit = true;
			break;
		case OPT_STATS:
			cfg->stats = true;
			break;
		case 'v':
			cfg->verbose++;
			break;
		case 'h':
			return CLI_RUN_HELP;
		case ':':
			snprintf(err, errlen, "%s needs a value",
				 argv[optind - 1]);
			return CLI_ERROR;
		default:
			/*
			 * A short option inside a group ("-zv") leaves optind
			 * on the same word, so name it by optopt.
			 */
			if (optopt > 0 && optopt < 0x100)
				snprintf(err, errlen,
					 "unknown option '-%c' (see hyve run "
					 "--help)",
					 optopt);
			else
				snprintf(err, errlen,
					 "unknown option '%s' (see hyve run "
					 "--help)",
					 argv[optind - 1]);
			return CLI_ERROR;
		}
	}
	if (optind < argc) {
		snprintf(err, errlen,
			 "unexpected argument '%s' (see hyve run --help)",
			 argv[optind]);
		return CLI_ERROR;
	}
	return CLI_RUN;
}

enum cli_action cli_parse(int argc, char **argv, struct hyve_config *cfg,
			  char *err, size_t errlen)
{
	cli_defaults(cfg);
	if (argc < 2)
		return CLI_RUN;
	if (!strcmp(argv[1], "run"))
		return cli_parse_run(argc - 1, argv + 1, cfg, err, errlen);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help"))
		return CLI_HELP;
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))
		return CLI_VERSION;
	if (argv[1][0] == '-')
		snprintf(err, errlen,
			 "unknown option '%s' (see hyve --help; options go "
			 "after 'run')",
			 argv[1]);
	else
		snprintf(err, errlen, "unknown command '%s' (see hyve --help)",
			 argv[1]);
	return CLI_ERROR;
}

void cli_print_help(FILE *out)
{
	fputs("NAME\n"
	      "    hyve - a small virtual machine monitor for Linux KVM\n"
	      "\n"
	      "SYNOPSIS\n"
	      "    hyve\n"
	      "    hyve run [--kernel PATH] [OPTIONS]\n"
	      "    hyve --help | --version\n"
	      "\n"
	      "DESCRIPTION\n"
	      "    With no arguments, hyve boots the demo guest built into "
	      "it,\n"
	      "    which prints what it finds about its virtual machine and\n"
	      "    halts; hyve then exits with status 0.\n"
	      "\n"
	      "    'hyve run' boots the guest image given by --kernel on one\n"
	      "    thread per vCPU.  See 'hyve run --help' for its options.\n"
	      "\n"
	      "COMMANDS\n"
	      "    run          boot a guest\n"
	      "    --help, -h   show this text\n"
	      "    --version    show hyve's version\n"
	      "\n"
	      "EXIT STATUS\n"
	      "    0    the guest halted or powered off, or Ctrl-A x was "
	      "typed\n"
	      "    2    bad command line, bad guest image, or unusable "
	      "/dev/kvm\n"
	      "    4    VM entry failed (KVM_EXIT_FAIL_ENTRY)\n"
	      "    6    KVM internal error, e.g. an emulation failure\n"
	      "    8    the guest triple-faulted (KVM_EXIT_SHUTDOWN)\n"
	      "    10   the guest caused an exit hyve does not handle\n"
	      "    12   a KVM call failed while the guest ran\n"
	      "    odd  (v << 1) | 1 after the guest wrote v to the "
	      "debug-exit\n"
	      "         port (--debug-exit)\n"
	      "    128+N  hyve was ended by signal N\n"
	      "\n"
	      "    Failures 4 to 10 print a report of the vCPU's registers "
	      "and\n"
	      "    the bytes at RIP on stderr.  See hyve(1).\n",
	      out);
}

void cli_print_run_help(FILE *out)
{
	fputs("NAME\n"
	      "    hyve run - boot a guest\n"
	      "\n"
	      "SYNOPSIS\n"
	      "    hyve run [--kernel PATH] [--kernel-format auto|elf|raw]\n"
	      "             [--cmdline STR] [--memory SIZE] [--cpus N]\n"
	      "             [--serial stdio|file=PATH|off] [--debug-exit]\n"
	      "             [--stats] [--verbose]\n"
	      "\n"
	      "OPTIONS\n"
	      "    --kernel PATH\n"
	      "        The guest image.  Without it, the built-in demo boots.\n"
	      "\n"
	      "    --kernel-format auto|elf|raw\n"
	      "        elf: an x86-64 ELF executable; its PT_LOAD segments go\n"
	      "        to their physical addresses (at or above 1 MiB) and it\n"
	      "        starts at its entry point.  raw: a flat binary loaded\n"
	      "        at 1 MiB and started at its first byte.  auto (the\n"
	      "        default) picks elf for files with the ELF magic and "
	      "raw\n"
	      "        otherwise.  Guests start in 64-bit long mode at CPL 0\n"
	      "        with interrupts off, RDI pointing at the boot\n"
	      "        information block (see hyve(1)).\n"
	      "\n"
	      "    --cmdline STR\n"
	      "        The command line handed to the guest (under 4 KiB).\n"
	      "\n"
	      "    --memory SIZE\n"
	      "        Guest RAM, with a K, M, G or T suffix; a bare number "
	      "is\n"
	      "        MiB.  From 2M to 64G and no more than the host's RAM.\n"
	      "        Default 256M.  RAM is reserved, not committed: the\n"
	      "        guest costs only what it touches.\n"
	      "\n"
	      "    --cpus N\n"
	      "        vCPUs, one thread each (default 1).  vCPU 0 boots;\n"
	      "        the others wait for INIT/SIPI, which a later hyve "
	      "adds.\n"
	      "\n"
	      "    --serial stdio|file=PATH|off\n"
	      "        Where the COM1 16550 UART goes.  stdio (the default)\n"
	      "        also feeds keyboard input to the guest; on a terminal,\n"
	      "        input is raw and Ctrl-A x quits, Ctrl-A a sends "
	      "Ctrl-A,\n"
	      "        Ctrl-A h shows help.  file=PATH writes output to PATH.\n"
	      "\n"
	      "    --debug-exit\n"
	      "        Add the debug-exit port at 0x501: a guest that writes "
	      "v\n"
	      "        there ends hyve with status (v << 1) | 1.\n"
	      "\n"
	      "    --stats\n"
	      "        On exit, print a table of VM exits by reason with the\n"
	      "        count and the total and mean time spent handling them.\n"
	      "\n"
	      "    --verbose, -v\n"
	      "        Say more: the machine's layout, unclaimed I/O (once "
	      "per\n"
	      "        address).  Twice for debugging detail.\n"
	      "\n"
	      "    --help, -h\n"
	      "        Show this text.\n",
	      out);
}
