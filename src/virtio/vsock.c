/*
 * vsock.c: virtio-vsock.  See vsock.h for what is emulated.
 *
 * In this file: the connections and their credit; the rx side (packets
 * for the guest, made when an rx buffer and something to say meet); the
 * tx side (the guest's packets, checked, then acted on); the Unix
 * sockets' events; the device's ops.
 *
 * A connection owes the guest control packets (pend bits), and data when
 * its Unix socket is readable and the guest has credit; it then waits in
 * the pending list, and each rx buffer serves the list's head, which goes
 * to the tail if it still has something to say.  Its Unix socket is in
 * the loop only for what it can act on now: EPOLLIN while the guest has
 * credit and the socket has not yet been seen readable, EPOLLOUT while
 * bytes from the guest wait; with neither it is out of the loop, so a
 * hung-up socket (EPOLLHUP is always reported) cannot make the thread
 * spin.
 */
#include "virtio/vsock.h"

#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/iov.h"
#include "util/log.h"

enum conn_state {
	CONN_CONNECTING,  /* a host program's: REQUEST owed or sent */
	CONN_ESTABLISHED, /* RESPONSE sent or received */
};

/* Control packets a connection owes the guest. */
#define PEND_REQUEST  1u
#define PEND_RESPONSE 2u
#define PEND_SHUTDOWN 4u /* SHUTDOWN(SEND): the Unix socket's data ended */
#define PEND_CREDIT   8u /* CREDIT_UPDATE (any packet carries the credit) */

#define SHUT_BOTH (VIRTIO_VSOCK_SHUTDOWN_RCV | VIRTIO_VSOCK_SHUTDOWN_SEND)

struct vsock_conn {
	struct virtio_vsock *vs;
	unsigned int slot;		/* in vs->conns */
	int fd;				/* the Unix socket */
	uint32_t local_port, peer_port; /* the host's end, the guest's end */
	enum conn_state state;
	bool announced;	     /* the guest knows it: an RST must tell it */
	unsigned int pend;   /* PEND_* */
	bool readable;	     /* the Unix socket may have data for the guest */
	bool host_eof;	     /* ... and has ended */
	bool host_wr_shut;   /* shutdown(SHUT_WR) is done */
	uint32_t guest_shut; /* VIRTIO_VSOCK_SHUTDOWN_* the guest sent */
	uint32_t armed;	     /* the events the loop watches (0: not in it) */
	/* Guest to host: this end's receive buffer (VSOCK_BUF_ALLOC). */
	uint32_t rx_cnt;   /* bytes from the guest */
	uint32_t fwd_cnt;  /* ... of which written to the Unix socket */
	uint32_t fwd_told; /* fwd_cnt as the guest last heard it */
	uint8_t *buf;	   /* rx_cnt - fwd_cnt bytes from buf_head, a ring */
	uint32_t buf_head;
	/* Host to guest: the guest's receive buffer, as it says. */
	uint32_t tx_cnt; /* bytes sent to the guest */
	uint32_t peer_buf_alloc, peer_fwd_cnt;
	struct evloop_timer *timer;	/* CONNECTING's deadline */
	struct vsock_conn *prev, *next; /* the pending list */
	bool queued;
};

static void rx_run(struct virtio_vsock *vs);

/* Connections ------------------------------------------------------------ */

static uint32_t conn_queued(const struct vsock_conn *c)
{
	return c->rx_cnt - c->fwd_cnt;
}

/* What the guest can take now (5.10.6.3), never more than it said. */
static uint32_t conn_credit(const struct vsock_conn *c)
{
	uint32_t in_flight = c->tx_cnt - c->peer_fwd_cnt;

	return in_flight >= c->peer_buf_alloc ? 0
					      : c->peer_buf_alloc - in_flight;
}

static bool conn_wants_read(const struct vsock_conn *c)
{
	return c->state == CONN_ESTABLISHED && !c->host_eof &&
	       !(c->guest_shut & VIRTIO_VSOCK_SHUTDOWN_RCV) &&
	       conn_credit(c) > 0;
}

static bool conn_has_news(const struct vsock_conn *c)
{
	return c->pend || (c->readable && conn_wants_read(c));
}

static void list_remove(struct virtio_vsock *vs, struct vsock_conn *c)
{
	if (!c->queued)
		return;
	if (c->prev)
		c->prev->next = c->next;
	else
		vs->pend_head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		vs->pend_tail = c->prev;
	c->prev = c->next = NULL;
	c->queued = false;
}

static void list_append(struct virtio_vsock *vs, struct vsock_conn *c)
{
	c->prev = vs->pend_tail;
	c->next = NULL;
	if (vs->pend_tail)
		vs->pend_tail->next = c;
	else
		vs->pend_head = c;
	vs->pend_tail = c;
	c->queued = true;
}

static void on_conn_fd(void *ctx, int fd, uint32_t events);

/* Watch what the connection can act on; queue it if it has news. */
static void conn_update(struct vsock_conn *c)
{
	struct evloop *l = c->vs->vdev.loop;
	uint32_t want = 0;
	int r = 0;

	if (conn_wants_read(c) && !c->readable)
		want |= EPOLLIN;
	if (conn_queued(c))
		want |= EPOLLOUT;
	if (want != c->armed) {
		if (!c->armed)
			r = evloop_add_fd(l, c->fd, want, on_conn_fd, c);
		else if (!want)
			r = evloop_del_fd(l, c->fd);
		else
			r = evloop_mod_fd(l, c->fd, want);
		if (r)
			log_warn("vsock",
				 "port %u: cannot watch its socket: %s",
				 c->local_port, strerror(-r));
		else
			c->armed = want;
	}
	if (!c->queued && conn_has_news(c))
		list_append(c->vs, c);
}

static struct vsock_conn *conn_find(struct virtio_vsock *vs, uint32_t local,
				    uint32_t peer)
{
	for (unsigned int i = 0; i < vs->nconns; i++)
		if (vs->conns[i]->local_port == local &&
		    vs->conns[i]->peer_port == peer)
			return vs->conns[i];
	return NULL;
}

static struct vsock_conn *conn_new(struct virtio_vsock *vs, int fd,
				   uint32_t local, uint32_t peer,
				   enum conn_state state)
{
	struct vsock_conn *c;

	if (vs->nconns == VSOCK_MAX_CONNS)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->vs = vs;
	c->fd = fd;
	c->local_port = local;
	c->peer_port = peer;
	c->state = state;
	c->slot = vs->nconns;
	vs->conns[vs->nconns++] = c;
	return c;
}

/*
 * Forget a connection; its socket is closed.  loop: its fd and timer are
 * still in the device's loop (false once the loop is gone).
 */
static void conn_free(struct vsock_conn *c, bool loop)
{
	struct virtio_vsock *vs = c->vs;
	struct vsock_conn *last;

	list_remove(vs, c);
	if (loop) {
		if (c->armed)
			evloop_del_fd(vs->vdev.loop, c->fd);
		evloop_timer_free(c->timer);
	}
	close(c->fd);
	free(c->buf);
	last = vs->conns[--vs->nconns];
	vs->conns[vs->nconns] = NULL;
	if (last != c) {
		vs->conns[c->slot] = last;
		last->slot = c->slot;
	}
	free(c);
}

/* Queue an RST; false when the queue is full (the RST is lost). */
static bool rst_queue(struct virtio_vsock *vs, uint32_t local, uint32_t peer,
		      uint64_t src_cid)
{
	const unsigned int cap = sizeof(vs->rst) / sizeof(vs->rst[0]);
	unsigned int at;

	if (vs->rst_len == cap) {
		vs->stats.rst_lost++;
		return false;
	}
	at = (vs->rst_head + vs->rst_len++) % cap;
	vs->rst[at].local = local;
	vs->rst[at].peer = peer;
	vs->rst[at].src_cid = src_cid;
	return true;
}

/* Close the connection and tell the guest, if it knows of it. */
static void conn_reset(struct vsock_conn *c)
{
	if (c->announced)
		rst_queue(c->vs, c->local_port, c->peer_port, VSOCK_HOST_CID);
	conn_free(c, true);
}

/* Write what waits for the Unix socket; false if c was reset. */
static bool conn_flush(struct vsock_conn *c)
{
	while (conn_queued(c)) {
		uint32_t n = conn_queued(c),
			 room = VSOCK_BUF_ALLOC - c->buf_head;
		ssize_t w =
			send(c->fd, c->buf + c->buf_head, n < room ? n : room,
			     MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (w <= 0) {
			log_debug("vsock", "port %u: write: %s", c->local_port,
				  w < 0 ? strerror(errno) : "nothing");
			conn_reset(c);
			return false;
		}
		c->fwd_cnt += (uint32_t)w;
		c->buf_head = (c->buf_head + (uint32_t)w) % VSOCK_BUF_ALLOC;
	}
	if (!conn_queued(c)) {
		free(c->buf); /* an idle connection holds no buffer */
		c->buf = NULL;
		c->buf_head = 0;
	}
	/* The guest hears of the room once half the buffer has freed up. */
	if (c->fwd_cnt - c->fwd_told >= VSOCK_BUF_ALLOC / 2)
		c->pend |= PEND_CREDIT;
	return true;
}

/*
 * After any change: half-close the Unix socket once the guest's data is
 * out, close the connection once neither side will send, and watch and
 * queue what is left to do.  False if c was closed.
 */
static bool conn_progress(struct vsock_conn *c)
{
	bool done;

	if ((c->guest_shut & VIRTIO_VSOCK_SHUTDOWN_SEND) && !conn_queued(c) &&
	    !c->host_wr_shut) {
		shutdown(c->fd, SHUT_WR);
		c->host_wr_shut = true;
	}
	done = c->guest_shut == SHUT_BOTH ||
	       ((c->guest_shut & VIRTIO_VSOCK_SHUTDOWN_SEND) && c->host_eof &&
		!(c->pend & PEND_SHUTDOWN));
	if (done && !conn_queued(c)) {
		conn_reset(c); /* 5.10.6.6: the RST that ends it */
		return false;
	}
	conn_update(c);
	return true;
}

/* The rx side: packets for the guest --------------------------------------- */

/* The header of a packet from the host for the guest's end. */
static void hdr_put(const struct virtio_vsock *vs, const struct iovec *iov,
		    unsigned int n, uint64_t src_cid, uint32_t local,
		    uint32_t peer, enum virtio_vsock_op op, uint32_t len,
		    uint32_t flags, uint32_t fwd_cnt, uint32_t buf_alloc)
{
	struct virtio_vsock_hdr h = {
		.src_cid = htole64(src_cid),
		.dst_cid = htole64(vs->cid),
		.src_port = htole32(local),
		.dst_port = htole32(peer),
		.len = htole32(len),
		.type = htole16(VIRTIO_VSOCK_TYPE_STREAM),
		.op = htole16((uint16_t)op),
		.flags = htole32(flags),
		.buf_alloc = htole32(buf_alloc),
		.fwd_cnt = htole32(fwd_cnt),
	};

	iov_write(iov, n, 0, &h, VSOCK_HDR_LEN);
}

static void conn_hdr(struct vsock_conn *c, const struct iovec *iov,
		     unsigned int n, enum virtio_vsock_op op, uint32_t len,
		     uint32_t flags)
{
	hdr_put(c->vs, iov, n, VSOCK_HOST_CID, c->local_port, c->peer_port, op,
		len, flags, c->fwd_cnt, VSOCK_BUF_ALLOC);
	c->fwd_told = c->fwd_cnt; /* every packet carries the credit */
	c->pend &= ~PEND_CREDIT;
}

/*
 * Data from the Unix socket straight into the buffer after the header
 * (room bytes), within the guest's credit.  The packet's length, or 0
 * when there was nothing (c->readable is then false) or the socket ended
 * (PEND_SHUTDOWN is set); -1 if c was reset.
 */
static int conn_read(struct vsock_conn *c, const struct iovec *iov,
		     unsigned int n, uint32_t room)
{
	struct iovec part[VSOCK_QUEUE_SIZE];
	uint32_t want = conn_credit(c);
	struct msghdr msg = { .msg_iov = part };
	ssize_t got;

	want = want < room ? want : room;
	want = want < VSOCK_MAX_PKT ? want : VSOCK_MAX_PKT;
	/* n <= VSOCK_QUEUE_SIZE (the chain's cap): the slice fits part. */
	msg.msg_iovlen =
		iov_slice(part, VSOCK_QUEUE_SIZE, iov, n, VSOCK_HDR_LEN, want);
	if (msg.msg_iovlen > VSOCK_QUEUE_SIZE)
		return 0;
	got = recvmsg(c->fd, &msg, MSG_DONTWAIT);
	if (got < 0 && (errno == EAGAIN || errno == EINTR)) {
		c->readable = false;
		return 0;
	}
	if (got < 0) {
		log_debug("vsock", "port %u: read: %s", c->local_port,
			  strerror(errno));
		conn_reset(c);
		return -1;
	}
	if (got == 0) {
		c->readable = false;
		c->host_eof = true;
		c->pend |= PEND_SHUTDOWN;
		return 0;
	}
	if ((uint32_t)got < want)
		c->readable = false; /* drained, most likely: wait for more */
	c->tx_cnt += (uint32_t)got;
	c->vs->stats.rx_bytes += (uint64_t)got;
	conn_hdr(c, iov, n, VIRTIO_VSOCK_OP_RW, (uint32_t)got, 0);
	return VSOCK_HDR_LEN + (int)got;
}

/*
 * One packet from c into the rx buffer iov (room bytes after the
 * header): its length, 0 for nothing, -1 if c is gone.
 */
static int conn_rx(struct vsock_conn *c, const struct iovec *iov,
		   unsigned int n, uint32_t room)
{
	int len = 0;

	if (c->pend & PEND_REQUEST) {
		c->pend &= ~PEND_REQUEST;
		c->announced = true;
		conn_hdr(c, iov, n, VIRTIO_VSOCK_OP_REQUEST, 0, 0);
		len = VSOCK_HDR_LEN;
	} else if (c->pend & PEND_RESPONSE) {
		c->pend &= ~PEND_RESPONSE;
		conn_hdr(c, iov, n, VIRTIO_VSOCK_OP_RESPONSE, 0, 0);
		len = VSOCK_HDR_LEN;
	} else if (c->readable && conn_wants_read(c)) {
		len = conn_read(c, iov, n, room);
		if (len < 0)
			return -1;
	}
	if (!len && (c->pend & PEND_SHUTDOWN)) {
		c->pend &= ~PEND_SHUTDOWN;
		conn_hdr(c, iov, n, VIRTIO_VSOCK_OP_SHUTDOWN, 0,
			 VIRTIO_VSOCK_SHUTDOWN_SEND);
		len = VSOCK_HDR_LEN;
	} else if (!len && (c->pend & PEND_CREDIT)) {
		conn_hdr(c, iov, n, VIRTIO_VSOCK_OP_CREDIT_UPDATE, 0, 0);
		len = VSOCK_HDR_LEN;
	}
	return conn_progress(c) || len ? len : -1;
}

/* The next packet for the guest into iov: its length, or 0 for none. */
static uint32_t rx_next(struct virtio_vsock *vs, const struct iovec *iov,
			unsigned int n, uint32_t room)
{
	const unsigned int cap = sizeof(vs->rst) / sizeof(vs->rst[0]);

	for (;;) {
		struct vsock_conn *c;
		int len;

		if (vs->rst_len) {
			unsigned int i = vs->rst_head;
			hdr_put(vs, iov, n, vs->rst[i].src_cid,
				vs->rst[i].local, vs->rst[i].peer,
				VIRTIO_VSOCK_OP_RST, 0, 0, 0, 0);
			vs->rst_head = (i + 1) % cap;
			vs->rst_len--;
			vs->stats.resets++;
			return VSOCK_HDR_LEN;
		}
		c = vs->pend_head;
		if (!c)
			return 0;
		list_remove(vs, c);
		len = conn_rx(c, iov, n, room);
		if (len > 0)
			return (uint32_t)len;
	}
}

/*
 * Serve what waits with the guest's rx buffers.  A buffer popped for
 * data that then was not there is kept for the next time.
 */
static void rx_run(struct virtio_vsock *vs)
{
	struct virtio_dev *d = &vs->vdev;
	struct virtq_chain *ch = &vs->rx_chain;
	bool pushed = false;

	while (d->active && (vs->rst_len || vs->pend_head)) {
		const struct iovec *in;
		uint32_t len;

		if (!vs->rx_held) {
			*ch = (struct virtq_chain){ .iov = vs->rx_iov,
						    .iov_cap =
							    VSOCK_QUEUE_SIZE };
			if (virtio_pop(d, VSOCK_RXQ, ch) <= 0)
				break;
			if (ch->in_len <= VSOCK_HDR_LEN) {
				/* No room past a header: given back unused. */
				virtio_push(d, VSOCK_RXQ, ch->head, 0);
				pushed = true;
				continue;
			}
			vs->rx_held = true;
		}
		in = ch->iov + ch->nout;
		len = rx_next(vs, in, ch->nin,
			      (uint32_t)(ch->in_len - VSOCK_HDR_LEN > UINT32_MAX
						 ? UINT32_MAX
						 : ch->in_len - VSOCK_HDR_LEN));
		if (!len)
			break; /* nothing after all: keep the buffer */
		virtio_push(d, VSOCK_RXQ, ch->head, len);
		vs->rx_held = false;
		vs->stats.rx_pkts++;
		pushed = true;
	}
	if (pushed)
		virtio_notify(d, VSOCK_RXQ);
}

/* The event queue: TRANSPORT_RESET, once, when the driver gives room. */
static void event_run(struct virtio_vsock *vs)
{
	struct virtio_dev *d = &vs->vdev;
	struct iovec iov[VSOCK_QUEUE_SIZE];
	struct virtq_chain ch = { .iov = iov, .iov_cap = VSOCK_QUEUE_SIZE };
	const uint32_t id = htole32(VIRTIO_VSOCK_EVENT_TRANSPORT_RESET);

	if (!vs->reset_event || virtio_pop(d, VSOCK_EVQ, &ch) <= 0)
		return;
	if (ch.in_len >= sizeof(id)) {
		iov_write(iov + ch.nout, ch.nin, 0, &id, sizeof(id));
		vs->reset_event = false;
	}
	virtio_push(d, VSOCK_EVQ, ch.head,
		    ch.in_len >= sizeof(id) ? sizeof(id) : 0);
	virtio_notify(d, VSOCK_EVQ);
}

/* The tx side: packets from the guest ------------------------------------- */

/* An RST for a packet that has no connection (never for an RST). */
static void rst_reply(struct virtio_vsock *vs, const struct virtio_vsock_hdr *h)
{
	/* Half the queue is kept for the connections' own RSTs. */
	if (vs->rst_len >= VSOCK_MAX_CONNS) {
		vs->stats.rst_lost++;
		return;
	}
	rst_queue(vs, h->dst_port, h->src_port, h->dst_cid);
}

/* The guest connects to the host's port h->dst_port. */
static void guest_request(struct virtio_vsock *vs,
			  const struct virtio_vsock_hdr *h)
{
	struct vsock_conn *c = conn_find(vs, h->dst_port, h->src_port);
	int fd;

	if (c) {
		/* The same pair again: the old connection is void. */
		conn_reset(c);
		return;
	}
	if (vs->nconns == VSOCK_MAX_CONNS) {
		log_info("vsock", "port %u: %d connections already: refused",
			 h->dst_port, VSOCK_MAX_CONNS);
		rst_reply(vs, h);
		return;
	}
	fd = vsock_unix_connect(&vs->host, h->dst_port);
	if (fd < 0) {
		log_debug("vsock", "%s_%u: %s: refused", vs->host.path,
			  h->dst_port, strerror(-fd));
		rst_reply(vs, h);
		return;
	}
	c = conn_new(vs, fd, h->dst_port, h->src_port, CONN_ESTABLISHED);
	if (!c) {
		close(fd);
		rst_reply(vs, h);
		return;
	}
	c->announced = true;
	c->peer_buf_alloc = h->buf_alloc;
	c->peer_fwd_cnt = h->fwd_cnt;
	c->pend |= PEND_RESPONSE;
	conn_update(c);
}

/* RW: len bytes after the header, for the Unix socket.  False: reset. */
static bool conn_from_guest(struct vsock_conn *c, const struct iovec *iov,
			    unsigned int n, uint32_t len)
{
	struct iovec part[VSOCK_QUEUE_SIZE];
	uint32_t queued = conn_queued(c), sent = 0, at;

	if (!queued) {
		struct msghdr msg = { .msg_iov = part };
		ssize_t w;
		msg.msg_iovlen = iov_slice(part, VSOCK_QUEUE_SIZE, iov, n,
					   VSOCK_HDR_LEN, len);
		if (msg.msg_iovlen > VSOCK_QUEUE_SIZE)
			return false;
		w = sendmsg(c->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w < 0 && errno != EAGAIN && errno != EINTR) {
			log_debug("vsock", "port %u: write: %s", c->local_port,
				  strerror(errno));
			return false;
		}
		sent = w > 0 ? (uint32_t)w : 0;
	}
	if (sent < len && !c->buf) {
		c->buf = malloc(VSOCK_BUF_ALLOC);
		if (!c->buf)
			return false;
	}
	/* The rest waits; the credit check made room for it. */
	at = (c->buf_head + queued) % VSOCK_BUF_ALLOC;
	for (uint32_t off = sent; off < len;) {
		uint32_t k = len - off, room = VSOCK_BUF_ALLOC - at;
		k = k < room ? k : room;
		iov_read(iov, n, VSOCK_HDR_LEN + off, c->buf + at, k);
		off += k;
		at = (at + k) % VSOCK_BUF_ALLOC;
	}
	c->rx_cnt += len;
	c->fwd_cnt += sent;
	c->vs->stats.tx_bytes += len;
	if (c->fwd_cnt - c->fwd_told >= VSOCK_BUF_ALLOC / 2)
		c->pend |= PEND_CREDIT;
	return true;
}

static const char *op_name(uint16_t op)
{
	static const char *const names[] = {
		[VIRTIO_VSOCK_OP_INVALID] = "INVALID",
		[VIRTIO_VSOCK_OP_REQUEST] = "REQUEST",
		[VIRTIO_VSOCK_OP_RESPONSE] = "RESPONSE",
		[VIRTIO_VSOCK_OP_RST] = "RST",
		[VIRTIO_VSOCK_OP_SHUTDOWN] = "SHUTDOWN",
		[VIRTIO_VSOCK_OP_RW] = "RW",
		[VIRTIO_VSOCK_OP_CREDIT_UPDATE] = "CREDIT_UPDATE",
		[VIRTIO_VSOCK_OP_CREDIT_REQUEST] = "CREDIT_REQUEST",
	};

	return op < sizeof(names) / sizeof(names[0]) ? names[op] : "unknown";
}

/* A packet on a known connection; false when it broke the protocol. */
static bool conn_packet(struct vsock_conn *c, const struct virtio_vsock_hdr *h,
			const struct iovec *iov, unsigned int n,
			uint64_t payload)
{
	bool established = c->state == CONN_ESTABLISHED;

	c->peer_buf_alloc = h->buf_alloc;
	c->peer_fwd_cnt = h->fwd_cnt;
	switch (h->op) {
	case VIRTIO_VSOCK_OP_RESPONSE:
		if (established)
			return false;
		c->state = CONN_ESTABLISHED;
		evloop_timer_arm(c->timer, 0);
		return vsock_unix_accepted(c->fd, c->local_port) == 0;
	case VIRTIO_VSOCK_OP_RW:
		/* len: within the payload, and within the credit we gave. */
		if (!established ||
		    (c->guest_shut & VIRTIO_VSOCK_SHUTDOWN_SEND) ||
		    h->len > payload ||
		    (uint64_t)(c->rx_cnt - c->fwd_told) + h->len >
			    VSOCK_BUF_ALLOC)
			return false;
		return !h->len || conn_from_guest(c, iov, n, h->len);
	case VIRTIO_VSOCK_OP_CREDIT_UPDATE:
		return established; /* the credit is taken above */
	case VIRTIO_VSOCK_OP_CREDIT_REQUEST:
		c->pend |= PEND_CREDIT;
		return established;
	case VIRTIO_VSOCK_OP_SHUTDOWN:
		c->guest_shut |= h->flags & SHUT_BOTH;
		return established;
	default:
		return false;
	}
}

static void tx_packet(struct virtio_vsock *vs, const struct virtq_chain *ch)
{
	struct virtio_vsock_hdr h = { 0 };
	struct vsock_conn *c;

	vs->stats.tx_pkts++;
	if (ch->out_len < VSOCK_HDR_LEN ||
	    iov_read(ch->iov, ch->nout, 0, &h, VSOCK_HDR_LEN) !=
		    VSOCK_HDR_LEN) {
		vs->stats.dropped++;
		return;
	}
	h.src_cid = le64toh(h.src_cid);
	h.dst_cid = le64toh(h.dst_cid);
	h.src_port = le32toh(h.src_port);
	h.dst_port = le32toh(h.dst_port);
	h.len = le32toh(h.len);
	h.type = le16toh(h.type);
	h.op = le16toh(h.op);
	h.flags = le32toh(h.flags);
	h.buf_alloc = le32toh(h.buf_alloc);
	h.fwd_cnt = le32toh(h.fwd_cnt);
	log_debug("vsock", "guest %u -> %llu:%u %s len %u", h.src_port,
		  (unsigned long long)h.dst_cid, h.dst_port, op_name(h.op),
		  h.len);
	if (h.src_cid != vs->cid) {
		vs->stats.dropped++; /* not from the guest's address */
		return;
	}
	c = conn_find(vs, h.dst_port, h.src_port);
	if (h.op == VIRTIO_VSOCK_OP_RST) {
		if (c)
			conn_free(c, true); /* the guest's end is gone */
		return;
	}
	if (h.dst_cid != VSOCK_HOST_CID || h.type != VIRTIO_VSOCK_TYPE_STREAM) {
		rst_reply(vs, &h); /* not for a connection of ours */
		return;
	}
	if (h.op == VIRTIO_VSOCK_OP_REQUEST) {
		guest_request(vs, &h);
		return;
	}
	if (!c) {
		rst_reply(vs, &h);
		return;
	}
	if (!conn_packet(c, &h, ch->iov, ch->nout,
			 ch->out_len - VSOCK_HDR_LEN)) {
		log_debug("vsock", "port %u: %s out of turn or too long: reset",
			  c->local_port, op_name(h.op));
		conn_reset(c);
		return;
	}
	conn_progress(c);
}

static void tx_run(struct virtio_vsock *vs)
{
	struct virtio_dev *d = &vs->vdev;
	struct iovec iov[VSOCK_QUEUE_SIZE];
	struct virtq_chain ch = { .iov = iov, .iov_cap = VSOCK_QUEUE_SIZE };
	bool pushed = false;

	while (virtio_pop(d, VSOCK_TXQ, &ch) > 0) {
		tx_packet(vs, &ch);
		virtio_push(d, VSOCK_TXQ, ch.head, 0);
		pushed = true;
	}
	if (pushed)
		virtio_notify(d, VSOCK_TXQ);
	rx_run(vs); /* answers */
}

/* The Unix sockets -------------------------------------------------------- */

static void on_conn_fd(void *ctx, int fd, uint32_t events)
{
	struct vsock_conn *c = ctx;
	struct virtio_vsock *vs = c->vs;

	(void)fd;
	if ((c->armed & EPOLLOUT) && !conn_flush(c))
		goto out;
	if ((c->armed & EPOLLIN) && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		c->readable = true;
	conn_progress(c);
out:
	rx_run(vs);
}

static void on_connect_timeout(void *ctx)
{
	struct vsock_conn *c = ctx;
	struct virtio_vsock *vs = c->vs;

	if (c->state != CONN_CONNECTING)
		return;
	log_info("vsock", "guest port %u did not answer in %d ms", c->peer_port,
		 VSOCK_CONNECT_TIMEOUT_MS);
	conn_reset(c);
	rx_run(vs);
}

/* A free host port for a connection to the guest's port peer. */
static uint32_t host_port(struct virtio_vsock *vs, uint32_t peer)
{
	uint32_t p;

	do {
		p = vs->next_port++;
		if (vs->next_port < VSOCK_LOCAL_PORT_BASE)
			vs->next_port = VSOCK_LOCAL_PORT_BASE;
	} while (conn_find(vs, p, peer));
	return p;
}

/* A host program asked for the guest's port (vsock_unix.h). */
static void host_request(void *ctx, int fd, uint32_t port)
{
	struct virtio_vsock *vs = ctx;
	struct vsock_conn *c = NULL;

	if (vs->nconns < VSOCK_MAX_CONNS)
		c = conn_new(vs, fd, host_port(vs, port), port,
			     CONN_CONNECTING);
	if (c)
		c->timer =
			evloop_timer_new(vs->vdev.loop, on_connect_timeout, c);
	if (!c || !c->timer) {
		log_warn("vsock", "CONNECT %u: %s", port,
			 c ? "out of memory" : "too many connections");
		if (c)
			conn_free(c, true);
		else
			close(fd);
		return;
	}
	evloop_timer_arm(c->timer, evloop_now_ns() + VSOCK_CONNECT_TIMEOUT_MS *
							     1000000ULL);
	c->pend |= PEND_REQUEST;
	conn_update(c);
	rx_run(vs);
}

/* The device ---------------------------------------------------------------- */

static void vsock_config_read(struct virtio_dev *d, uint32_t off, void *buf,
			      uint32_t len)
{
	struct virtio_vsock *vs = (struct virtio_vsock *)d;
	const uint64_t cid = htole64(vs->cid); /* 5.10.4: le64 guest_cid */

	memcpy(buf, (const uint8_t *)&cid + off, len);
}

static int vsock_activate(struct virtio_dev *d)
{
	struct virtio_vsock *vs = (struct virtio_vsock *)d;

	vsock_unix_enable(&vs->host, true);
	vs->was_active = true;
	return 0;
}

static void vsock_notify(struct virtio_dev *d, unsigned int q)
{
	struct virtio_vsock *vs = (struct virtio_vsock *)d;

	if (q == VSOCK_TXQ)
		tx_run(vs);
	else if (q == VSOCK_RXQ)
		rx_run(vs);
	else
		event_run(vs);
}

static void vsock_reset(struct virtio_dev *d)
{
	struct virtio_vsock *vs = (struct virtio_vsock *)d;

	vsock_unix_enable(&vs->host, false);
	while (vs->nconns)
		conn_free(vs->conns[vs->nconns - 1], true);
	vs->rst_len = vs->rst_head = 0;
	vs->rx_held = false;
	/* The guest's sockets from before are void: tell the next driver. */
	vs->reset_event = vs->was_active;
}

static void vsock_destroy(struct virtio_dev *d)
{
	struct virtio_vsock *vs = (struct virtio_vsock *)d;

	/* The loop is gone: its fds and timers went with it. */
	while (vs->nconns)
		conn_free(vs->conns[vs->nconns - 1], false);
	vsock_unix_close(&vs->host);
	free(vs);
}

static const struct virtio_dev_ops vsock_ops = {
	.name = "virtio-vsock",
	.device_id = VIRTIO_ID_VSOCK,
	.num_queues = 3,
	.queue_max = VSOCK_QUEUE_SIZE,
	.features = 1ULL << VIRTIO_VSOCK_F_STREAM,
	.config_size = sizeof(uint64_t),
	.config_read = vsock_config_read,
	.activate = vsock_activate,
	.notify = vsock_notify,
	.reset = vsock_reset,
	.destroy = vsock_destroy,
};

int virtio_vsock_create(struct virtio_vsock **out, const struct guest_mem *mem,
			uint64_t cid, const char *path, char *err,
			size_t errlen)
{
	struct virtio_vsock *vs;
	int r;

	if (cid < VSOCK_MIN_CID || cid > VSOCK_MAX_CID) {
		snprintf(err, errlen,
			 "--vsock cid=%llu: the guest's CID is 3 to %u",
			 (unsigned long long)cid, VSOCK_MAX_CID);
		return -EINVAL;
	}
	vs = calloc(1, sizeof(*vs));
	if (!vs) {
		snprintf(err, errlen, "virtio-vsock: out of memory");
		return -ENOMEM;
	}
	r = virtio_dev_init(&vs->vdev, &vsock_ops, mem);
	if (r) {
		snprintf(err, errlen, "virtio-vsock: %s", strerror(-r));
		free(vs);
		return r;
	}
	vs->cid = cid;
	vs->next_port = VSOCK_LOCAL_PORT_BASE;
	r = vsock_unix_open(&vs->host, path, vs->vdev.loop, host_request, vs,
			    err, errlen);
	if (r) {
		virtio_dev_destroy(&vs->vdev); /* frees vs */
		return r;
	}
	*out = vs;
	return 0;
}
