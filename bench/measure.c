/*
 * measure: run a command N times and report its wall time and peak memory.
 *
 *   measure [-n N] [-s STATUS] [-o] -- CMD ARGS...
 *
 * Each run is timed with CLOCK_MONOTONIC from just before fork() to the
 * return of wait4(); the peak resident set is ru_maxrss from wait4().  The
 * child's stdout and stderr go to /dev/null unless -o is given.  Every run
 * must exit with STATUS (default 0): a run that exits otherwise, or is killed
 * by a signal, stops measure with a message and status 1, so a broken guest
 * can never produce a fast number.
 *
 * On success measure prints one line of key=value pairs on stdout:
 *
 *   runs=N status=S median_ns=T min_ns=T max_ns=T maxrss_kib=K
 *
 * median_ns is the mean of the two middle runs when N is even; maxrss_kib is
 * the largest peak RSS over all runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct sample {
	uint64_t ns;
	long maxrss_kib;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: measure [-n RUNS] [-s STATUS] [-o] -- CMD ARGS...\n"
		"  -n RUNS    run the command RUNS times (default 1)\n"
		"  -s STATUS  the exit status every run must have (default 0)\n"
		"  -o         keep the command's stdout and stderr\n");
	exit(2);
}

/* In the child: silence the output if asked, then exec.  Never returns. */
static void child_exec(char **argv, int keep_output)
{
	/* A copy of stderr that survives the redirect, to report exec errors. */
	int err = fcntl(2, F_DUPFD_CLOEXEC, 3);

	if (!keep_output) {
		int null = open("/dev/null", O_WRONLY);
		if (null < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
			_exit(127);
		close(null);
	}
	execvp(argv[0], argv);
	dprintf(err, "measure: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Say how a run ended, e.g. "exited with status 2" or "was killed by signal 11". */
static void describe(int wstatus, char *buf, size_t size)
{
	if (WIFEXITED(wstatus))
		snprintf(buf, size, "exited with status %d",
			 WEXITSTATUS(wstatus));
	else if (WIFSIGNALED(wstatus))
		snprintf(buf, size, "was killed by signal %d (%s)",
			 WTERMSIG(wstatus), strsignal(WTERMSIG(wstatus)));
	else
		snprintf(buf, size, "ended with wait status 0x%x", wstatus);
}

/* Run the command once; return 0 with *s filled in, or -1 after a message. */
static int run_once(char **argv, int keep_output, int want_status,
		    struct sample *s)
{
	struct rusage ru;
	int wstatus;
	uint64_t start = now_ns();
	pid_t pid = fork();

	if (pid < 0) {
		perror("measure: fork");
		return -1;
	}
	if (pid == 0)
		child_exec(argv, keep_output);
	while (wait4(pid, &wstatus, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("measure: wait4");
			return -1;
		}
	}
	s->ns = now_ns() - start;
	s->maxrss_kib = ru.ru_maxrss;

	if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != want_status) {
		char how[80];

		describe(wstatus, how, sizeof(how));
		fprintf(stderr,
			"measure: FAILED: %s %s, expected status %d%s\n",
			argv[0], how, want_status,
			keep_output ? ""
				    : " (rerun with -o to see its output)");
		return -1;
	}
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Sort the times and print the summary line. */
static void report(struct sample *samples, int n, int want_status)
{
	uint64_t *ns = calloc((size_t)n, sizeof(*ns));
	long maxrss = 0;

	if (!ns) {
		perror("measure");
		exit(1);
	}
	for (int i = 0; i < n; i++) {
		ns[i] = samples[i].ns;
		if (samples[i].maxrss_kib > maxrss)
			maxrss = samples[i].maxrss_kib;
	}
	qsort(ns, (size_t)n, sizeof(*ns), cmp_u64);
	uint64_t median = n % 2 ? ns[n / 2] : (ns[n / 2 - 1] + ns[n / 2]) / 2;
	printf("runs=%d status=%d median_ns=%llu min_ns=%llu max_ns=%llu "
	       "maxrss_kib=%ld\n",
	       n, want_status, (unsigned long long)median,
	       (unsigned long long)ns[0], (unsigned long long)ns[n - 1],
	       maxrss);
	free(ns);
}

int main(int argc, char **argv)
{
	int runs = 1, want_status = 0, keep_output = 0, opt;

	while ((opt = getopt(argc, argv, "+n:s:o")) != -1) {
		switch (opt) {
		case 'n':
			runs = atoi(optarg);
			break;
		case 's':
			want_status = atoi(optarg);
			break;
		case 'o':
			keep_output = 1;
			break;
		default:
			usage();
		}
	}
	if (runs < 1 || optind >= argc)
		usage();

	struct sample *samples = calloc((size_t)runs, sizeof(*samples));
	if (!samples) {
		perror("measure");
		return 1;
	}
	for (int i = 0; i < runs; i++) {
		if (run_once(argv + optind, keep_output, want_status,
			     &samples[i]) < 0) {
			fprintf(stderr,
				"measure: run %d of %d failed; no figures "
				"reported\n",
				i + 1, runs);
			return 1;
		}
	}
	report(samples, runs, want_status);
	free(samples);
	return 0;
}
