/*
 * vsock_unix.c: the Unix sockets of virtio-vsock: the listener at PATH,
 * the "CONNECT <port>" line, and connections to PATH_<port>.  See
 * vsock_unix.h.
 */
#include "backend/vsock_unix.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/log.h"

static int unix_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

int vsock_unix_parse_connect(const char *line, size_t len, uint32_t *port)
{
	static const char word[] = "CONNECT";
	size_t i = sizeof(word) - 1;
	uint64_t v = 0;
	bool digits = false;

	if (len < i || memcmp(line, word, i))
		return -EINVAL;
	if (i == len || line[i] != ' ')
		return -EINVAL;
	while (i < len && line[i] == ' ')
		i++;
	for (; i < len && isdigit((unsigned char)line[i]); i++) {
		v = v * 10 + (uint64_t)(line[i] - '0');
		if (v > UINT32_MAX)
			return -EINVAL;
		digits = true;
	}
	while (i < len && (line[i] == ' ' || line[i] == '\r'))
		i++;
	if (!digits || i != len)
		return -EINVAL;
	*port = (uint32_t)v;
	return 0;
}

static void pending_drop(struct vsock_unix *u, unsigned int i)
{
	evloop_del_fd(u->loop, u->pending[i].fd);
	close(u->pending[i].fd);
	u->pending[i] = u->pending[--u->npending];
}

static unsigned int pending_find(const struct vsock_unix *u, int fd)
{
	unsigned int i;

	for (i = 0; i < u->npending && u->pending[i].fd != fd; i++)
		;
	return i;
}

/*
 * A program that has not finished its line wrote more.  The line is
 * consumed up to its '\n' and no further (peek first): what follows is
 * the stream, for the guest.
 */
static void on_line(void *ctx, int fd, uint32_t events)
{
	struct vsock_unix *u = ctx;
	unsigned int i = pending_find(u, fd);
	struct vsock_unix_pending *p;
	char buf[VSOCK_UNIX_LINE_MAX];
	size_t room, take;
	ssize_t n;
	char *nl;
	uint32_t port;

	(void)events;
	if (i == u->npending)
		return;
	p = &u->pending[i];
	room = sizeof(p->line) - p->len;
	n = recv(fd, buf, room, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		pending_drop(u, i); /* gone before its line ended */
		return;
	}
	nl = memchr(buf, '\n', (size_t)n);
	take = nl ? (size_t)(nl - buf) + 1 : (size_t)n;
	n = recv(fd, p->line + p->len, take, MSG_DONTWAIT);
	if (n != (ssize_t)take) {
		pending_drop(u, i);
		return;
	}
	p->len += (unsigned int)take;
	if (!nl) {
		if (p->len == sizeof(p->line)) {
			log_info("vsock", "%s: a line too long for CONNECT",
				 u->path);
			pending_drop(u, i);
		}
		return;
	}
	if (vsock_unix_parse_connect(p->line, p->len - 1, &port)) {
		log_info("vsock", "%s: not a CONNECT line: '%.*s'", u->path,
			 (int)p->len - 1, p->line);
		pending_drop(u, i);
		return;
	}
	/* The device's from here on. */
	evloop_del_fd(u->loop, fd);
	u->pending[i] = u->pending[--u->npending];
	u->request(u->ctx, fd, port);
}

static void on_accept(void *ctx, int fd, uint32_t events)
{
	struct vsock_unix *u = ctx;
	int c;

	(void)events;
	c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (c < 0) {
		if (errno != EAGAIN && errno != EINTR)
			log_warn("vsock", "%s: accept: %s", u->path,
				 strerror(errno));
		return;
	}
	if (u->npending == VSOCK_UNIX_MAX_PENDING) {
		log_warn("vsock",
			 "%s: %d programs have not sent their CONNECT line; "
			 "closing a new one",
			 u->path, VSOCK_UNIX_MAX_PENDING);
		close(c);
		return;
	}
	if (evloop_add_fd(u->loop, c, EPOLLIN, on_line, u)) {
		close(c);
		return;
	}
	u->pending[u->npending++] =
		(struct vsock_unix_pending){ .fd = c, .len = 0 };
}

/* A socket file that nothing listens on (a hyve that was killed). */
static bool stale_socket(const char *path, const struct sockaddr_un *sa)
{
	struct stat st;
	bool stale;
	int probe;

	if (lstat(path, &st) || !S_ISSOCK(st.st_mode))
		return false;
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe < 0)
		return false;
	stale = connect(probe, (const struct sockaddr *)sa, sizeof(*sa)) < 0 &&
		errno == ECONNREFUSED;
	close(probe);
	return stale;
}

static int listen_at(struct vsock_unix *u, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	int fd, r;

	r = unix_addr(&sa, u->path);
	if (r)
		goto fail;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		r = -errno;
		goto fail;
	}
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
	if (r == -EADDRINUSE && stale_socket(u->path, &sa)) {
		unlink(u->path);
		r = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
	}
	if (!r && listen(fd, SOMAXCONN) < 0) {
		r = -errno;
		unlink(u->path);
	}
	if (r) {
		close(fd);
		goto fail;
	}
	u->listen_fd = fd;
	return 0;
fail:
	snprintf(err, errlen, "--vsock path=%s: %s", u->path,
		 r == -EADDRINUSE ? "exists (a file, or a socket that a "
				    "program listens on)"
				  : strerror(-r));
	return r;
}

int vsock_unix_open(struct vsock_unix *u, const char *path, struct evloop *loop,
		    vsock_unix_request_fn fn, void *ctx, char *err,
		    size_t errlen)
{
	memset(u, 0, sizeof(*u));
	u->listen_fd = -1;
	if (strlen(path) > VSOCK_UNIX_PATH_MAX || !path[0]) {
		snprintf(err, errlen,
			 "--vsock path=%s: the path must be 1 to %d bytes "
			 "(PATH_PORT must fit a Unix socket address)",
			 path, VSOCK_UNIX_PATH_MAX);
		return -ENAMETOOLONG;
	}
	strcpy(u->path, path);
	u->loop = loop;
	u->request = fn;
	u->ctx = ctx;
	return listen_at(u, err, errlen);
}

void vsock_unix_enable(struct vsock_unix *u, bool on)
{
	if (u->listen_fd < 0 || on == u->enabled)
		return;
	if (on) {
		if (evloop_add_fd(u->loop, u->listen_fd, EPOLLIN, on_accept,
				  u)) {
			log_warn("vsock", "%s: cannot watch the listener",
				 u->path);
			return;
		}
	} else {
		evloop_del_fd(u->loop, u->listen_fd);
		while (u->npending)
			pending_drop(u, 0);
	}
	u->enabled = on;
}

int vsock_unix_connect(const struct vsock_unix *u, uint32_t port)
{
	struct sockaddr_un sa;
	char path[sizeof(sa.sun_path)];
	int fd, r;

	snprintf(path, sizeof(path), "%s_%u", u->path, port);
	r = unix_addr(&sa, path);
	if (r)
		return r;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A Unix stream connect does not wait: it is made, or refused. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

int vsock_unix_accepted(int fd, uint32_t host_port)
{
	char line[24];
	int n = snprintf(line, sizeof(line), "OK %u\n", host_port);
	ssize_t w = send(fd, line, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);

	/* A fresh socket's buffer is empty: the line fits. */
	return w == n ? 0 : w < 0 ? -errno : -EAGAIN;
}

void vsock_unix_close(struct vsock_unix *u)
{
	if (u->listen_fd < 0)
		return;
	vsock_unix_enable(u, false);
	close(u->listen_fd);
	u->listen_fd = -1;
	unlink(u->path);
}
