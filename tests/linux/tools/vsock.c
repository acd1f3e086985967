/*
 * tests/linux/tools/vsock.c: a small stream tool for hyve's vsock tests
 * (tests/linux/vsock.sh).  It runs in the test guest, as /bin/vsock in
 * the initramfs (scripts/linux-initramfs builds it), and on the host,
 * where the test builds it the same way.  Freestanding (raw system calls,
 * no libc): it adds a few KiB to the initramfs instead of a static
 * glibc's 700, and the guest kernel unpacks the initramfs in KVM's
 * instruction emulator here, at about 15 s a MiB.
 *
 *   vsock cid                     print the guest's CID
 *   vsock listen PORT [echo]      accept one AF_VSOCK connection on PORT
 *   vsock connect CID PORT        connect to CID:PORT over AF_VSOCK
 *   vsock unix-connect PATH PORT  hyve's host side (Firecracker's
 *                                 protocol): connect to the Unix socket
 *                                 PATH, write "CONNECT PORT\n", wait for
 *                                 "OK <host port>\n"
 *   vsock unix-listen PATH        accept one connection on Unix socket PATH
 *
 * Once connected it copies stdin to the socket, then shuts down the
 * socket's sending side, and copies the socket to stdout until the socket
 * ends; with echo, the socket's bytes go back to it.  It says what happens
 * on stderr in "HYVE-VSOCK: ..." lines, exits 0 on a clean end and 1 on an
 * error (with the errno), and ends itself 120 s after connecting (alarm),
 * so that a test never hangs on a stalled stream.  Waiting for a
 * connection has no limit: the test that starts a listener ends it.
 *
 * Build: gcc -static -nostdlib -ffreestanding -fno-stack-protector
 *        -fno-pie -no-pie -Os -o vsock vsock.c
 */
#include <fcntl.h>
#include <linux/vm_sockets.h>
#include <poll.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>

#define BUF 16384

/* The system calls ------------------------------------------------------ */

static long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long r;

	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8),
			   "r"(r9)
			 : "rcx", "r11", "memory");
	return r;
}

#define sys3(n, a, b, c) sys6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)

static void sys_exit(int code)
{
	for (;;)
		sys3(SYS_exit_group, code, 0, 0);
}

/* What gcc may call even without a libc. */
void *memset(void *p, int c, size_t n)
{
	unsigned char *d = p;

	while (n--)
		*d++ = (unsigned char)c;
	return p;
}

void *memcpy(void *to, const void *from, size_t n)
{
	unsigned char *d = to;
	const unsigned char *s = from;

	while (n--)
		*d++ = *s++;
	return to;
}

/* Words ----------------------------------------------------------------- */

static size_t len(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static int same(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* A decimal number, or -1. */
static long number(const char *s)
{
	long v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 0xffffffffL)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v > 0xffffffffL ? -1 : v;
}

static char *put_num(char *p, unsigned long v)
{
	char tmp[24];
	int n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while (v /= 10);
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* "HYVE-VSOCK: <what><text><num>\n" on stderr (num < 0: none). */
static void say(const char *what, const char *text, long num)
{
	char line[256], *p = line;
	const char *parts[3] = { "HYVE-VSOCK: ", what, text };

	for (int i = 0; i < 3; i++)
		for (const char *s = parts[i]; *s && p < line + 200; s++)
			*p++ = *s;
	if (num >= 0)
		p = put_num(p, (unsigned long)num);
	*p++ = '\n';
	sys3(SYS_write, 2, line, p - line);
}

static void die(const char *what, long r)
{
	say(what, ": error ", -r);
	sys_exit(1);
}

/* The relay -------------------------------------------------------------- */

/* Write all of buf to a blocking fd (stdout). */
static void write_all(int fd, const char *buf, long n)
{
	while (n > 0) {
		long w = sys3(SYS_write, fd, buf, n);
		if (w == -4) /* EINTR */
			continue;
		if (w <= 0)
			die("write", w);
		buf += w;
		n -= w;
	}
}

/* Send what *n bytes at buf + *off hold, without waiting. */
static void send_some(int s, const char *buf, long *off, long *n)
{
	long w = sys6(SYS_sendto, s, (long)(buf + *off), *n,
		      MSG_DONTWAIT | MSG_NOSIGNAL, 0, 0);

	if (w < 0 && w != -11 && w != -4) /* EAGAIN, EINTR */
		die("send", w);
	if (w > 0) {
		*off += w;
		*n -= w;
	}
	if (!*n)
		*off = 0;
}

/*
 * Copy stdin to s and s to stdout (echo: back to s) until both directions
 * have ended: s's data (its peer shut its side) and stdin's (all of it
 * sent, then shutdown(SHUT_WR)); a peer that answers and shuts its side
 * first must not cut off what is still to send.  s is never waited on in
 * a write, so neither direction holds the other up.
 */
static void relay(int s, int echo)
{
	static char to_s[BUF], from_s[BUF];
	long to_n = 0, to_off = 0, from_n = 0, from_off = 0;
	int in_open = !echo, s_open = 1;

	sys3(SYS_alarm, 120, 0, 0);
	while (s_open || from_n || in_open || to_n) {
		struct pollfd p[2] = {
			{ .fd = s },
			{ .fd = in_open && !to_n ? 0 : -1, .events = POLLIN },
		};

		if (!echo && from_n) {
			write_all(1, from_s, from_n);
			from_n = 0;
			continue;
		}
		if (s_open && !from_n)
			p[0].events |= POLLIN;
		if (to_n || from_n)
			p[0].events |= POLLOUT;
		if (sys3(SYS_poll, p, 2, -1) < 0)
			continue;
		if (p[1].revents) {
			to_n = sys3(SYS_read, 0, to_s, BUF);
			if (to_n <= 0) {
				to_n = 0;
				in_open = 0;
				sys3(SYS_shutdown, s, SHUT_WR, 0);
			}
		}
		if (p[0].revents & (POLLOUT | POLLERR | POLLHUP)) {
			if (to_n)
				send_some(s, to_s, &to_off, &to_n);
			if (from_n) /* echo */
				send_some(s, from_s, &from_off, &from_n);
		}
		if ((p[0].revents & (POLLIN | POLLHUP | POLLERR)) && s_open &&
		    !from_n) {
			long r = sys3(SYS_read, s, from_s, BUF);
			if (r < 0 && r != -11 && r != -4)
				die("read", r);
			if (r == 0) {
				s_open = 0;
				if (echo)
					sys3(SYS_shutdown, s, SHUT_WR, 0);
			}
			if (r > 0)
				from_n = r;
		}
	}
	say("done", "", -1);
}

/* The commands ------------------------------------------------------------ */

static int vsock_socket(void)
{
	long s = sys3(SYS_socket, AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		die("socket", s);
	return (int)s;
}

static void cmd_cid(void)
{
	unsigned int cid = 0;
	long fd = sys3(SYS_open, "/dev/vsock", O_RDONLY | O_CLOEXEC, 0), r;

	if (fd < 0)
		die("/dev/vsock", fd);
	r = sys3(SYS_ioctl, fd, IOCTL_VM_SOCKETS_GET_LOCAL_CID, &cid);
	if (r < 0)
		die("IOCTL_VM_SOCKETS_GET_LOCAL_CID", r);
	say("cid=", "", cid);
}

static void cmd_listen(long port, int echo)
{
	struct sockaddr_vm sa = { .svm_family = AF_VSOCK,
				  .svm_port = (unsigned int)port,
				  .svm_cid = VMADDR_CID_ANY };
	socklen_t sl = sizeof(sa);
	int s = vsock_socket();
	long c, r;

	r = sys3(SYS_bind, s, &sa, sizeof(sa));
	if (!r)
		r = sys3(SYS_listen, s, 1, 0);
	if (r)
		die("listen", r);
	say("listening ", "", port);
	c = sys3(SYS_accept, s, &sa, &sl);
	if (c < 0)
		die("accept", c);
	say("accepted from cid ", "", sa.svm_cid);
	relay((int)c, echo);
}

static void cmd_connect(long cid, long port)
{
	struct sockaddr_vm sa = { .svm_family = AF_VSOCK,
				  .svm_port = (unsigned int)port,
				  .svm_cid = (unsigned int)cid };
	int s = vsock_socket();
	long r = sys3(SYS_connect, s, &sa, sizeof(sa));

	if (r)
		die("connect", r);
	say("connected to port ", "", port);
	relay(s, 0);
}

static int unix_addr(struct sockaddr_un *sa, const char *path)
{
	size_t n = len(path);

	if (n >= sizeof(sa->sun_path))
		die("path too long", -36);
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, path, n);
	return (int)sys3(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
}

static void cmd_unix_connect(const char *path, long port)
{
	struct sockaddr_un sa;
	char line[40], *p = line;
	int s = unix_addr(&sa, path);
	long r = sys3(SYS_connect, s, &sa, sizeof(sa)), host_port;

	if (r)
		die("connect", r);
	memcpy(p, "CONNECT ", 8);
	p = put_num(p + 8, (unsigned long)port);
	*p++ = '\n';
	write_all(s, line, p - line);
	/* The answer, a byte at a time: what follows it is the stream. */
	for (p = line; p < line + sizeof(line) - 1; p++) {
		r = sys3(SYS_read, s, p, 1);
		if (r <= 0) {
			say("refused", "", -1);
			sys_exit(1);
		}
		if (*p == '\n')
			break;
	}
	*p = 0;
	if (line[0] != 'O' || line[1] != 'K' || line[2] != ' ' ||
	    (host_port = number(line + 3)) < 0) {
		say("bad answer: ", line, -1);
		sys_exit(1);
	}
	say("OK ", "", host_port);
	relay(s, 0);
}

static void cmd_unix_listen(const char *path)
{
	struct sockaddr_un sa;
	int s = unix_addr(&sa, path);
	long c, r = sys3(SYS_bind, s, &sa, sizeof(sa));

	if (!r)
		r = sys3(SYS_listen, s, 1, 0);
	if (r)
		die("listen", r);
	say("listening ", path, -1);
	c = sys3(SYS_accept, s, 0, 0);
	if (c < 0)
		die("accept", c);
	say("accepted", "", -1);
	relay((int)c, 0);
}

static int usage(void)
{
	say("usage: vsock cid | listen PORT [echo] | connect CID PORT | "
	    "unix-connect PATH PORT | unix-listen PATH",
	    "", -1);
	return 2;
}

static int main(int argc, char **argv)
{
	if (argc == 2 && same(argv[1], "cid"))
		cmd_cid();
	else if ((argc == 3 || argc == 4) && same(argv[1], "listen") &&
		 number(argv[2]) >= 0 && (argc == 3 || same(argv[3], "echo")))
		cmd_listen(number(argv[2]), argc == 4);
	else if (argc == 4 && same(argv[1], "connect") &&
		 number(argv[2]) >= 0 && number(argv[3]) >= 0)
		cmd_connect(number(argv[2]), number(argv[3]));
	else if (argc == 4 && same(argv[1], "unix-connect") &&
		 number(argv[3]) >= 0)
		cmd_unix_connect(argv[2], number(argv[3]));
	else if (argc == 3 && same(argv[1], "unix-listen"))
		cmd_unix_listen(argv[2]);
	else
		return usage();
	return 0;
}

/* The entry: argc and argv on the stack, as the kernel leaves them. */
__attribute__((used)) static void start_c(long *sp)
{
	sys_exit(main((int)sp[0], (char **)(sp + 1)));
}

__asm__(".globl _start\n"
	"_start:\n"
	"	xor %rbp, %rbp\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call start_c\n"
	"	hlt\n");
