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
#include "arch/x86/cpuid.h"
#include "vmm/vm.h"

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

/* A number in C syntax (0x.., 0.., decimal) no greater than max. */
static int cli_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (*end || errno || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Each option is one step: it checks its value and fills the config. */
typedef int (*cli_setter)(struct hyve_config *cfg, const char *arg, char *err,
			  size_t errlen);

static int set_kernel(struct hyve_config *cfg, const char *arg, char *err,
		      size_t errlen)
{
	(void)err, (void)errlen;
	cfg->kernel = arg;
	return 0;
}

static int set_format(struct hyve_config *cfg, const char *arg, char *err,
		      size_t errlen)
{
	if (!loader_parse_format(arg, &cfg->format))
		return 0;
	snprintf(err, errlen,
		 "--kernel-format: '%s' is not one of auto, bzimage, pvh, "
		 "multiboot, elf, raw",
		 arg);
	return -EINVAL;
}

static int set_initramfs(struct hyve_config *cfg, const char *arg, char *err,
			 size_t errlen)
{
	if (cfg->ninitramfs >= CONFIG_MAX_INITRAMFS) {
		snprintf(err, errlen, "--initramfs: at most %d of them",
			 CONFIG_MAX_INITRAMFS);
		return -E2BIG;
	}
	cfg->initramfs[cfg->ninitramfs++] = arg;
	return 0;
}

/* on|off, yes|no, 1|0. */
static int cli_parse_bool(const char *s, bool *out)
{
	if (!strcmp(s, "on") || !strcmp(s, "yes") || !strcmp(s, "1"))
		*out = true;
	else if (!strcmp(s, "off") || !strcmp(s, "no") || !strcmp(s, "0"))
		*out = false;
	else
		return -EINVAL;
	return 0;
}

static int set_acpi(struct hyve_config *cfg, const char *arg, char *err,
		    size_t errlen)
{
	if (!cli_parse_bool(arg, &cfg->acpi))
		return 0;
	snprintf(err, errlen, "--acpi: '%s' is not on or off", arg);
	return -EINVAL;
}

static int set_cpu_features(struct hyve_config *cfg, const char *arg, char *err,
			    size_t errlen)
{
	struct cpuid_config check = { 0 };

	/* Checked now, applied by the machine. */
	if (cpuid_parse_edits(arg, &check, err, errlen))
		return -EINVAL;
	cfg->cpu_features = arg;
	return 0;
}

static int set_no_host_quirks(struct hyve_config *cfg, const char *arg,
			      char *err, size_t errlen)
{
	(void)arg, (void)err, (void)errlen;
	cfg->host_quirks = false;
	return 0;
}

static int set_no_host_decompress(struct hyve_config *cfg, const char *arg,
				  char *err, size_t errlen)
{
	(void)arg, (void)err, (void)errlen;
	cfg->host_decompress = false;
	return 0;
}

static int set_on_reboot(struct hyve_config *cfg, const char *arg, char *err,
			 size_t errlen)
{
	if (!strcmp(arg, "exit"))
		cfg->on_reboot = CONFIG_REBOOT_EXIT;
	else if (!strcmp(arg, "restart"))
		cfg->on_reboot = CONFIG_REBOOT_RESTART;
	else {
		snprintf(err, errlen,
			 "--on-reboot: '%s' is not exit or restart", arg);
		return -EINVAL;
	}
	return 0;
}

static int set_cmdline(struct hyve_config *cfg, const char *arg, char *err,
		       size_t errlen)
{
	(void)err, (void)errlen;
	cfg->cmdline = arg;
	return 0;
}

static int set_memory(struct hyve_config *cfg, const char *arg, char *err,
		      size_t errlen)
{
	if (cli_parse_size(arg, 1ULL << 20, &cfg->memory)) {
		snprintf(err, errlen,
			 "--memory: '%s' is not a size (try 512M or 2G)", arg);
		return -EINVAL;
	}
	return config_check_memory(cfg->memory, 0, err, errlen);
}

static int set_cpus(struct hyve_config *cfg, const char *arg, char *err,
		    size_t errlen)
{
	if (!cli_parse_cpus(arg, &cfg->cpus))
		return 0;
	snprintf(err, errlen, "--cpus: '%s' is not a vCPU count from 1 to %d",
		 arg, VM_MAX_VCPUS);
	return -EINVAL;
}

/* stdio, file=PATH or off (none): where a console goes. */
static int cli_parse_console(const char *arg, enum config_serial *to,
			     const char **path)
{
	if (!strcmp(arg, "stdio")) {
		*to = CONFIG_SERIAL_STDIO;
	} else if (!strcmp(arg, "off") || !strcmp(arg, "none")) {
		*to = CONFIG_SERIAL_OFF;
	} else if (!strncmp(arg, "file=", 5) && arg[5]) {
		*to = CONFIG_SERIAL_FILE;
		*path = arg + 5;
	} else {
		return -EINVAL;
	}
	return 0;
}

static int set_serial(struct hyve_config *cfg, const char *arg, char *err,
		      size_t errlen)
{
	if (cli_parse_console(arg, &cfg->serial, &cfg->serial_path)) {
		snprintf(err, errlen,
			 "--serial: '%s' is not stdio, file=PATH or off", arg);
		return -EINVAL;
	}
	cfg->serial_set = true;
	return 0;
}

static int set_virtio_console(struct hyve_config *cfg, const char *arg,
			      char *err, size_t errlen)
{
	if (cli_parse_console(arg, &cfg->vconsole, &cfg->vconsole_path)) {
		snprintf(err, errlen,
			 "--virtio-console: '%s' is not stdio, file=PATH or "
			 "off",
			 arg);
		return -EINVAL;
	}
	return 0;
}

/* --vsock cid=N,path=PATH */
static int set_vsock(struct hyve_config *cfg, const char *arg, char *err,
		     size_t errlen)
{
	const char *p = arg, *path = NULL;
	size_t path_len = 0;
	unsigned long long cid = 0;
	bool have_cid = false;

	while (*p) {
		/* A path may hold commas: it ends only at ",cid=". */
		const char *end = strncmp(p, "path=", 5) ? strchr(p, ',')
							 : strstr(p, ",cid=");
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char *stop;

		if (n > 4 && !strncmp(p, "cid=", 4) &&
		    isdigit((unsigned char)p[4])) {
			errno = 0;
			cid = strtoull(p + 4, &stop, 10);
			if (stop != p + n || errno)
				goto bad;
			have_cid = true;
		} else if (n > 5 && !strncmp(p, "path=", 5)) {
			path = p + 5;
			path_len = n - 5;
		} else {
			goto bad;
		}
		p += n + (end != NULL);
	}
	if (!have_cid || !path)
		goto bad;
	if (cid < 3 || cid > 0xfffffffeULL) {
		snprintf(err, errlen,
			 "--vsock cid=%llu: the guest's CID must be 3 to "
			 "4294967294 (0-2 are the hypervisor's and the host's)",
			 cid);
		return -EINVAL;
	}
	if (path_len > CONFIG_VSOCK_PATH_MAX) {
		snprintf(err, errlen,
			 "--vsock path=%.*s: at most %d bytes, so that "
			 "PATH_PORT fits a Unix socket address",
			 (int)path_len, path, CONFIG_VSOCK_PATH_MAX);
		return -ENAMETOOLONG;
	}
	cfg->vsock_cid = cid;
	memcpy(cfg->vsock_path, path, path_len);
	cfg->vsock_path[path_len] = 0;
	return 0;
bad:
	snprintf(err, errlen, "--vsock: '%s' is not cid=N,path=PATH", arg);
	return -EINVAL;
}

/* --debug-exit [iobase=PORT][,iosize=1|2|4] */
static int set_debug_exit(struct hyve_config *cfg, const char *arg, char *err,
			  size_t errlen)
{
	char buf[64], *save = NULL;
	unsigned long v;

	cfg->debug_exit = true;
	if (!arg)
		return 0;
	if (strlen(arg) >= sizeof(buf))
		goto bad;
	strcpy(buf, arg);
	for (char *kv = strtok_r(buf, ",", &save); kv;
	     kv = strtok_r(NULL, ",", &save)) {
		if (!strncmp(kv, "iobase=", 7) &&
		    !cli_parse_uint(kv + 7, 0xffff, &v)) {
			cfg->debug_exit_port = (uint16_t)v;
		} else if (!strncmp(kv, "iosize=", 7) &&
			   !cli_parse_uint(kv + 7, CONFIG_DEBUG_EXIT_SIZE_MAX,
					   &v) &&
			   (v == 1 || v == 2 || v == 4)) {
			cfg->debug_exit_size = (uint8_t)v;
		} else {
			goto bad;
		}
	}
	if ((unsigned int)cfg->debug_exit_port + cfg->debug_exit_size > 0x10000)
		goto bad;
	return 0;
bad:
	snprintf(err, errlen,
		 "--debug-exit: '%s' is not iobase=PORT[,iosize=1|2|4]", arg);
	return -EINVAL;
}

static int set_profile(struct hyve_config *cfg, const char *arg, char *err,
		       size_t errlen)
{
	(void)err, (void)errlen;
	cfg->profile = arg;
	return 0;
}

static int set_rng(struct hyve_config *cfg, const char *arg, char *err,
		   size_t errlen)
{
	(void)arg, (void)err, (void)errlen;
	cfg->rng = true;
	return 0;
}

static int set_net(struct hyve_config *cfg, const char *arg, char *err,
		   size_t errlen)
{
	if (cfg->nnet >= CONFIG_MAX_NET) {
		snprintf(err, errlen, "--net: at most %d network devices",
			 CONFIG_MAX_NET);
		return -E2BIG;
	}
	/* Its messages start "--net: ". */
	if (net_config_parse(&cfg->net[cfg->nnet], arg, err, errlen))
		return -EINVAL;
	cfg->nnet++;
	return 0;
}

static int set_disk(struct hyve_config *cfg, const char *arg, char *err,
		    size_t errlen)
{
	if (cfg->ndisks >= CONFIG_MAX_DISKS) {
		snprintf(err, errlen, "--disk: at most %d of them",
			 CONFIG_MAX_DISKS);
		return -E2BIG;
	}
	if (config_disk_parse(&cfg->disk[cfg->ndisks], arg, err, errlen))
		return -EINVAL;
	cfg->ndisks++;
	return 0;
}

static int set_stats(struct hyve_config *cfg, const char *arg, char *err,
		     size_t errlen)
{
	(void)arg, (void)err, (void)errlen;
	cfg->stats = true;
	return 0;
}

static int set_verbose(struct hyve_config *cfg, const char *arg, char *err,
		       size_t errlen)
{
	(void)arg, (void)err, (void)errlen;
	cfg->verbose++;
	return 0;
}

/*
 * `hyve run`'s options, in --help order.  has_arg optional_argument also
 * takes its value as the next word when that word starts with one of the
 * option's keys ("--debug-exit iobase=0xf4").
 */
static const struct cli_option {
	const char *name;
	int has_arg;
	char short_name;
	cli_setter set;
	const char *keys; /* optional_argument: the words it takes */
} cli_options[] = {
	{ "kernel", required_argument, 0, set_kernel, NULL },
	{ "kernel-format", required_argument, 0, set_format, NULL },
	{ "initramfs", required_argument, 0, set_initramfs, NULL },
	{ "cmdline", required_argument, 0, set_cmdline, NULL },
	{ "memory", required_argument, 0, set_memory, NULL },
	{ "cpus", required_argument, 0, set_cpus, NULL },
	{ "cpu-features", required_argument, 0, set_cpu_features, NULL },
	{ "acpi", required_argument, 0, set_acpi, NULL },
	{ "serial", required_argument, 0, set_serial, NULL },
	{ "debug-exit", optional_argument, 0, set_debug_exit,
	  "iobase=iosize=" },
	{ "rng", no_argument, 0, set_rng, NULL },
	{ "disk", required_argument, 0, set_disk, NULL },
	{ "net", required_argument, 0, set_net, NULL },
	{ "virtio-console", required_argument, 0, set_virtio_console, NULL },
	{ "vsock", required_argument, 0, set_vsock, NULL },
	{ "on-reboot", required_argument, 0, set_on_reboot, NULL },
	{ "no-host-quirks", no_argument, 0, set_no_host_quirks, NULL },
	{ "no-host-decompress", no_argument, 0, set_no_host_decompress, NULL },
	{ "stats", no_argument, 0, set_stats, NULL },
	{ "profile", required_argument, 0, set_profile, NULL },
	{ "verbose", no_argument, 'v', set_verbose, NULL },
};

#define CLI_NOPTS  (sizeof(cli_options) / sizeof(cli_options[0]))
#define CLI_OPT_ID 0x100 /* getopt value of cli_options[i]: 0x100 + i */

/* An optional value given as the next word, if it looks like one. */
static const char *cli_next_word(const struct cli_option *o, int argc,
				 char **argv)
{
	const char *w = optind < argc ? argv[optind] : NULL;

	if (!w || !o->keys)
		return NULL;
	for (const char *k = o->keys; *k;) {
		size_t n = (size_t)(strchr(k, '=') - k) + 1;
		if (!strncmp(w, k, n)) {
			optind++;
			return w;
		}
		k += n;
	}
	return NULL;
}

static enum cli_action cli_bad_option(int argc, char **argv, char *err,
				      size_t errlen, int c)
{
	(void)argc;
	if (c == ':') {
		snprintf(err, errlen, "%s needs a value", argv[optind - 1]);
	} else if (optopt > 0 && optopt < 0x100) {
		/* Inside a group ("-zv") optind stays on the word. */
		snprintf(err, errlen,
			 "unknown option '-%c' (see hyve run --help)", optopt);
	} else {
		snprintf(err, errlen,
			 "unknown option '%s' (see hyve run --help)",
			 argv[optind - 1]);
	}
	return CLI_ERROR;
}

static enum cli_action cli_parse_run(int argc, char **argv,
				     struct hyve_config *cfg, char *err,
				     size_t errlen)
{
	struct option longs[CLI_NOPTS + 2];
	int c;

	for (size_t i = 0; i < CLI_NOPTS; i++)
		longs[i] = (struct option){ cli_options[i].name,
					    cli_options[i].has_arg, NULL,
					    CLI_OPT_ID + (int)i };
	longs[CLI_NOPTS] = (struct option){ "help", no_argument, NULL, 'h' };
	longs[CLI_NOPTS + 1] = (struct option){ NULL, 0, NULL, 0 };

	optind = 0; /* full re-initialisation, so parsing can run twice */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:hv", longs, NULL)) != -1) {
		const struct cli_option *o = NULL;
		const char *arg = optarg;

		if (c == 'h')
			return CLI_RUN_HELP;
		for (size_t i = 0; i < CLI_NOPTS && !o; i++)
			if (c == CLI_OPT_ID + (int)i ||
			    (c == cli_options[i].short_name && c))
				o = &cli_options[i];
		if (!o)
			return cli_bad_option(argc, argv, err, errlen, c);
		if (o->has_arg == optional_argument && !arg)
			arg = cli_next_word(o, argc, argv);
		if (o->set(cfg, arg, err, errlen))
			return CLI_ERROR;
	}
	if (optind < argc) {
		snprintf(err, errlen,
			 "unexpected argument '%s' (see hyve run --help)",
			 argv[optind]);
		return CLI_ERROR;
	}
	if (config_check_consoles(cfg, err, errlen))
		return CLI_ERROR;
	return CLI_RUN;
}

enum cli_action cli_parse(int argc, char **argv, struct hyve_config *cfg,
			  char *err, size_t errlen)
{
	config_defaults(cfg);
	if (argc < 2)
		return CLI_RUN;
	if (!strcmp(argv[1], "run"))
		return cli_parse_run(argc - 1, argv + 1, cfg, err, errlen);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help"))
		return CLI_HELP;
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))
		return CLI_VERSION;
	if (!strcmp(argv[1], "--probe")) {
		for (int i = 2; i < argc; i++) {
			if (strcmp(argv[i], "-v") &&
			    strcmp(argv[i], "--verbose")) {
				snprintf(err, errlen,
					 "unexpected argument '%s' after "
					 "--probe",
					 argv[i]);
				return CLI_ERROR;
			}
			cfg->verbose++;
		}
		return CLI_PROBE;
	}
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
