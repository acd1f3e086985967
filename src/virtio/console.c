/*
 * console.c: virtio-console, one port.  See console.h for what is
 * emulated.
 *
 * The receive side holds at most one of the guest's buffers and reads
 * in_fd into it; in_fd is in the loop only while such a buffer waits, so
 * a guest that never reads leaves in_fd unread and the thread asleep.  The
 * transmit side writes one buffer at a time to out_fd and watches out_fd
 * only while a buffer is not fully written.
 */
#include "virtio/console.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "util/log.h"

static void on_fd(void *ctx, int fd, uint32_t events);

/* Change what the loop watches on fd, from *have to want. */
static void watch(struct virtio_console *vc, int fd, uint32_t *have,
		  uint32_t want)
{
	struct evloop *l = vc->vdev.loop;
	int r = 0;

	if (fd < 0 || want == *have)
		return;
	if (!*have)
		r = evloop_add_fd(l, fd, want, on_fd, vc);
	else if (!want)
		r = evloop_del_fd(l, fd);
	else
		r = evloop_mod_fd(l, fd, want);
	if (r)
		log_warn("virtio-console", "cannot watch fd %d: %s", fd,
			 strerror(-r));
	else
		*have = want;
}

/* Watch in_fd while a receive buffer waits, out_fd while output does. */
static void arm(struct virtio_console *vc)
{
	uint32_t in = vc->rx_held && !vc->in_eof ? EPOLLIN : 0;
	uint32_t out = vc->tx_held && !vc->out_dead ? EPOLLOUT : 0;

	if (vc->in_fd == vc->out_fd) {
		uint32_t both = vc->in_events | vc->out_events;
		watch(vc, vc->in_fd, &both, in | out);
		vc->in_events = both & EPOLLIN;
		vc->out_events = both & EPOLLOUT;
		return;
	}
	watch(vc, vc->in_fd, &vc->in_events, in);
	watch(vc, vc->out_fd, &vc->out_events, out);
}

/* Tell the driver the size (a configuration change), a few times unasked. */
static void size_kick(struct virtio_console *vc)
{
	if (vc->size_kicks < 3) {
		vc->size_kicks++;
		virtio_config_changed(&vc->vdev);
	}
}

/* Input: in_fd into the guest's receive buffers while both last. */
static void rx_run(struct virtio_console *vc)
{
	struct virtio_dev *d = &vc->vdev;
	bool pushed = false;

	while (vc->in_fd >= 0 && !vc->in_eof) {
		ssize_t n;

		if (!vc->rx_held) {
			vc->rx = (struct virtq_chain){
				.iov = vc->rx_iov,
				.iov_cap = VIRTIO_CONSOLE_QUEUE_SIZE
			};
			if (virtio_pop(d, VIRTIO_CONSOLE_RXQ, &vc->rx) <= 0)
				break;
			if (!vc->rx.nin) { /* nothing writable: unused */
				virtio_push(d, VIRTIO_CONSOLE_RXQ, vc->rx.head,
					    0);
				pushed = true;
				continue;
			}
			vc->rx_held = true;
		}
		n = readv(vc->in_fd, vc->rx.iov + vc->rx.nout, (int)vc->rx.nin);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break; /* the buffer waits for input */
		if (n <= 0) {
			if (n < 0)
				log_warn("virtio-console", "input: %s",
					 strerror(errno));
			vc->in_eof = true;
			break;
		}
		virtio_push(d, VIRTIO_CONSOLE_RXQ, vc->rx.head, (uint32_t)n);
		vc->rx_held = false;
		vc->in_bytes += (uint64_t)n;
		pushed = true;
	}
	if (pushed) {
		virtio_notify(d, VIRTIO_CONSOLE_RXQ);
		size_kick(vc);
	}
	arm(vc);
}

/* Write the held transmit buffer from tx_off: its bytes written, or -1. */
static ssize_t tx_write(struct virtio_console *vc)
{
	struct iovec part[VIRTIO_CONSOLE_QUEUE_SIZE];
	uint64_t off = vc->tx_off;
	unsigned int n = 0;

	for (unsigned int i = 0; i < vc->tx.nout; i++) {
		const struct iovec *v = &vc->tx.iov[i];
		if (off >= v->iov_len) {
			off -= v->iov_len;
			continue;
		}
		part[n].iov_base = (uint8_t *)v->iov_base + off;
		part[n++].iov_len = v->iov_len - off;
		off = 0;
	}
	if (vc->out_socket) {
		struct msghdr msg = { .msg_iov = part, .msg_iovlen = n };
		return sendmsg(vc->out_fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
	}
	return writev(vc->out_fd, part, (int)n);
}

/* Output: the guest's transmit buffers to out_fd while it takes them. */
static void tx_run(struct virtio_console *vc)
{
	struct virtio_dev *d = &vc->vdev;
	bool pushed = false;

	for (;;) {
		if (!vc->tx_held) {
			vc->tx = (struct virtq_chain){
				.iov = vc->tx_iov,
				.iov_cap = VIRTIO_CONSOLE_QUEUE_SIZE
			};
			if (virtio_pop(d, VIRTIO_CONSOLE_TXQ, &vc->tx) <= 0)
				break;
			vc->tx_held = true;
			vc->tx_off = 0;
		}
		while (vc->out_fd >= 0 && !vc->out_dead &&
		       vc->tx_off < vc->tx.out_len) {
			ssize_t w = tx_write(vc);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0 && errno == EAGAIN)
				goto wait; /* out_fd is full: the guest waits */
			if (w <= 0) {
				log_warn("virtio-console",
					 "output: %s; dropping it from now on",
					 w < 0 ? strerror(errno)
					       : "no progress");
				vc->out_dead = true;
				break;
			}
			vc->tx_off += (uint64_t)w;
			vc->out_bytes += (uint64_t)w;
		}
		/* Written, or dropped (no output, or it failed). */
		virtio_push(d, VIRTIO_CONSOLE_TXQ, vc->tx.head, 0);
		vc->tx_held = false;
		pushed = true;
	}
wait:
	if (pushed) {
		virtio_notify(d, VIRTIO_CONSOLE_TXQ);
		size_kick(vc);
	}
	arm(vc);
}

static void on_fd(void *ctx, int fd, uint32_t events)
{
	struct virtio_console *vc = ctx;

	(void)events;
	if (fd == vc->out_fd && vc->out_events)
		tx_run(vc);
	if (fd == vc->in_fd && vc->in_events)
		rx_run(vc);
}

static void console_config_read(struct virtio_dev *d, uint32_t off, void *buf,
				uint32_t len)
{
	struct virtio_console *vc = (struct virtio_console *)d;
	uint32_t size = atomic_load(&vc->size);
	/* 5.3.4: le16 cols, le16 rows, le32 max_nr_ports (MULTIPORT only). */
	const uint16_t cfg[4] = { htole16((uint16_t)size),
				  htole16((uint16_t)(size >> 16)), 0, 0 };

	memcpy(buf, (const uint8_t *)cfg + off, len);
}

static int console_activate(struct virtio_dev *d)
{
	size_kick((struct virtio_console *)d);
	return 0;
}

static void console_notify(struct virtio_dev *d, unsigned int q)
{
	struct virtio_console *vc = (struct virtio_console *)d;

	if (q == VIRTIO_CONSOLE_TXQ)
		tx_run(vc);
	else
		rx_run(vc);
}

static void console_reset(struct virtio_dev *d)
{
	struct virtio_console *vc = (struct virtio_console *)d;

	vc->rx_held = vc->tx_held = false;
	vc->size_kicks = 0;
	arm(vc);
}

static void console_destroy(struct virtio_dev *d)
{
	free(d); /* the loop, and the fds' places in it, are gone */
}

static const struct virtio_dev_ops console_ops = {
	.name = "virtio-console",
	.device_id = VIRTIO_ID_CONSOLE,
	.num_queues = 2,
	.queue_max = VIRTIO_CONSOLE_QUEUE_SIZE,
	.features = 1ULL << VIRTIO_CONSOLE_F_SIZE,
	.config_size = 8,
	.config_read = console_config_read,
	.activate = console_activate,
	.notify = console_notify,
	.reset = console_reset,
	.destroy = console_destroy,
};

int virtio_console_create(struct virtio_console **out,
			  const struct guest_mem *mem, int in_fd, int out_fd,
			  uint16_t cols, uint16_t rows)
{
	struct virtio_console *vc = calloc(1, sizeof(*vc));
	struct stat st;
	int r;

	if (!vc)
		return -ENOMEM;
	r = virtio_dev_init(&vc->vdev, &console_ops, mem);
	if (r) {
		free(vc);
		return r;
	}
	vc->in_fd = in_fd;
	vc->out_fd = out_fd;
	vc->out_socket =
		out_fd >= 0 && !fstat(out_fd, &st) && S_ISSOCK(st.st_mode);
	atomic_init(&vc->size, (uint32_t)cols | (uint32_t)rows << 16);
	*out = vc;
	return 0;
}

struct resize {
	struct virtio_console *vc;
	uint32_t size;
};

static void do_resize(void *ctx)
{
	struct resize *rs = ctx;
	struct virtio_console *vc = rs->vc;

	if (atomic_exchange(&vc->size, rs->size) != rs->size && vc->vdev.active)
		virtio_config_changed(&vc->vdev);
}

void virtio_console_resize(struct virtio_console *vc, uint16_t cols,
			   uint16_t rows)
{
	struct resize rs = { vc, (uint32_t)cols | (uint32_t)rows << 16 };

	if (evloop_call(vc->vdev.loop, do_resize, &rs))
		atomic_store(&vc->size, rs.size); /* the thread has stopped */
}
