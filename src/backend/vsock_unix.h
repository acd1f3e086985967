/*
 * vsock_unix.h: the host's end of virtio-vsock on Unix sockets, in the
 * protocol of Firecracker's vsock device (its docs/vsock.md):
 *
 *  - hyve listens on a stream socket at PATH.  A host program connects,
 *    writes one line "CONNECT <port>\n" (decimal, at most
 *    VSOCK_UNIX_LINE_MAX bytes; spaces and a '\r' before the '\n' are
 *    allowed) and may write its stream right after it.  The device then
 *    asks the guest for a connection to <port>; when the guest accepts,
 *    the program reads "OK <host port>\n" and everything after it is the
 *    guest's stream.  A bad line, or a guest that refuses, closes the
 *    program's socket.  Bytes after the line are never read here: they
 *    stay in the socket for the device.
 *  - a guest that connects to the host's port P is connected to the
 *    stream socket at PATH_P (e.g. /tmp/v.sock_52), which a host program
 *    listens on.
 *
 * PATH may name nothing, or a stale socket (nothing listens on it: it is
 * replaced); anything else is refused.  The socket file is removed when
 * the device goes.  PATH is at most VSOCK_UNIX_PATH_MAX bytes, so that
 * PATH_P fits a sockaddr_un.
 *
 * Threads: open and close on main; the rest on the device thread (the
 * sockets are in its loop).
 */
#ifndef HYVE_BACKEND_VSOCK_UNIX_H
#define HYVE_BACKEND_VSOCK_UNIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/evloop.h"

/* 108 bytes of sun_path, less "_4294967295" and the NUL. */
#define VSOCK_UNIX_PATH_MAX    96
#define VSOCK_UNIX_LINE_MAX    32 /* "CONNECT 4294967295\n" and some room */
#define VSOCK_UNIX_MAX_PENDING 16 /* programs still writing their line */

/*
 * A host program on fd asked for the guest's port; fd (non-blocking)
 * now belongs to the callee.
 */
typedef void (*vsock_unix_request_fn)(void *ctx, int fd, uint32_t port);

struct vsock_unix_pending {
	int fd;
	unsigned int len;
	char line[VSOCK_UNIX_LINE_MAX];
};

struct vsock_unix {
	char path[VSOCK_UNIX_PATH_MAX + 1];
	int listen_fd; /* -1: not open */
	bool enabled;  /* listen_fd is in the loop */
	struct evloop *loop;
	vsock_unix_request_fn request;
	void *ctx;
	struct vsock_unix_pending pending[VSOCK_UNIX_MAX_PENDING];
	unsigned int npending;
};

/*
 * Listen at path, with connections handed to fn(ctx) on loop's thread
 * once enabled.  0 or a negative errno with one line in err.
 */
int vsock_unix_open(struct vsock_unix *u, const char *path, struct evloop *loop,
		    vsock_unix_request_fn fn, void *ctx, char *err,
		    size_t errlen);

/*
 * Accept connections (the device is active) or not (they wait in the
 * backlog; programs still writing their line are closed).
 */
void vsock_unix_enable(struct vsock_unix *u, bool on);

/*
 * A guest connects to the host's port: connect, without waiting, to
 * PATH_port.  A non-blocking fd, or a negative errno (-ECONNREFUSED,
 * -ENOENT, -EAGAIN when the listener's backlog is full...).
 */
int vsock_unix_connect(const struct vsock_unix *u, uint32_t port);

/* Tell the program on fd that the guest accepted: "OK <port>\n". */
int vsock_unix_accepted(int fd, uint32_t host_port);

/*
 * Parse a line "CONNECT <port>" (len bytes up to the '\n', excluded).
 * 0 or -EINVAL.
 */
int vsock_unix_parse_connect(const char *line, size_t len, uint32_t *port);

/* Stop listening, close the pending programs, remove the socket file. */
void vsock_unix_close(struct vsock_unix *u);

#endif
