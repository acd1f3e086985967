/*
 * stamp: run a command and time, from the fork, when its output first
 * shows each of some markers (and its first byte at all).  For the Linux
 * boot benchmark: "time to the serial console" and "time to /init".
 *
 *   stamp [-t SECONDS] [-m MARKER]... -- CMD ARGS...
 *
 * Prints one line per marker, "NAME<TAB>SECONDS" ("-" if never seen), with
 * "first-byte" first, then "exit<TAB>STATUS".  The command runs to its
 * end, or is killed (SIGKILL to its process group) at the timeout; its
 * output goes to the file named by $STAMP_LOG if set.  Markers are plain
 * substrings, matched across reads.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_MARKS 16
#define TAIL	  4096 /* bytes kept for matching across reads */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const char *marks[MAX_MARKS];
	double seen[MAX_MARKS], first = -1, t0, timeout = 600;
	int nmarks = 0, opt, pfd[2], status = 0, logfd = -1;
	char tail[2 * TAIL + 1];
	size_t tlen = 0;
	pid_t pid;

	while ((opt = getopt(argc, argv, "+t:m:")) != -1) {
		if (opt == 't')
			timeout = atof(optarg);
		else if (opt == 'm' && nmarks < MAX_MARKS)
			marks[nmarks++] = optarg;
		else {
			fprintf(stderr, "usage: stamp [-t S] [-m MARK]... -- CMD\n");
			return 2;
		}
	}
	if (optind >= argc || pipe(pfd) < 0)
		return 2;
	if (getenv("STAMP_LOG"))
		logfd = open(getenv("STAMP_LOG"),
			     O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	for (int i = 0; i < nmarks; i++)
		seen[i] = -1;
	t0 = now();
	pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		setpgid(0, 0);
		dup2(pfd[1], STDOUT_FILENO);
		dup2(pfd[1], STDERR_FILENO);
		close(pfd[0]);
		close(pfd[1]);
		execvp(argv[optind], argv + optind);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		double remain = timeout - (now() - t0);
		char buf[TAIL];
		ssize_t n;

		if (remain <= 0)
			break;
		if (poll(&p, 1, (int)(remain * 1000) + 1) <= 0)
			continue;
		n = read(pfd[0], buf, sizeof(buf));
		if (n <= 0)
			break;
		if (first < 0)
			first = now() - t0;
		if (logfd >= 0 && write(logfd, buf, (size_t)n) < 0)
			logfd = -1;
		if (tlen + (size_t)n > 2 * TAIL) {
			size_t keep = TAIL < tlen ? TAIL : tlen;
			memmove(tail, tail + tlen - keep, keep);
			tlen = keep;
		}
		memcpy(tail + tlen, buf, (size_t)n);
		tlen += (size_t)n;
		tail[tlen] = '\0';
		for (int i = 0; i < nmarks; i++) {
			if (seen[i] < 0 && memmem(tail, tlen, marks[i],
						  strlen(marks[i]))) {
				seen[i] = now() - t0;
			}
		}
	}
	kill(-pid, SIGKILL);
	waitpid(pid, &status, 0);
	printf("first-byte\t");
	first < 0 ? printf("-\n") : printf("%.2f\n", first);
	for (int i = 0; i < nmarks; i++) {
		printf("%s\t", marks[i]);
		seen[i] < 0 ? printf("-\n") : printf("%.2f\n", seen[i]);
	}
	printf("exit\t%d\n", WIFEXITED(status) ? WEXITSTATUS(status)
					       : 128 + WTERMSIG(status));
	return 0;
}
