/*
 * slirp.c: the user-mode network backend.  See slirp.h.
 *
 * What it does: QEMU's default user network with host forwarding, driven
 * from the device's event loop.  What it does not: offloads, TFTP, SMB,
 * guestfwd, restricted mode, saving state.
 *
 * How libslirp meets the event loop.  libslirp asks to be polled: before
 * each sleep slirp_pollfds_fill lists the sockets it wants watched (and
 * shortens the sleep for its TCP timers), after it slirp_pollfds_poll takes
 * their revents.  Here, after every call into libslirp, resync() runs the
 * fill, brings a private epoll fd in line with the list, and arms a loop
 * timer for the timeout.  The loop watches only that epoll fd.  When it is
 * readable or the timer fires, dispatch() asks poll(2) for the list's
 * revents and hands them to slirp_pollfds_poll: the epoll fd only wakes us,
 * poll(2) says what is ready, so an fd that libslirp closed and reopened
 * between two fills costs at most one timeout (1 s at most), never a hang.
 */
#include "backend/slirp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <slirp/libslirp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "util/evloop.h"
#include "util/log.h"

/* Guest errors logged before going quiet (a guest can send many). */
#define SLIRP_NET_GUEST_ERRORS_MAX 10

struct slirp_net_frame {
	struct slirp_net_frame *next;
	size_t len; /* header and frame */
	uint8_t data[];
};

struct slirp_net_timer {
	struct slirp_net *s;
	struct evloop_timer *t;
	SlirpTimerCb cb;
	void *cb_opaque;
};

/* What the epoll fd watches for one fd number. */
struct slirp_net_watch {
	bool on;	  /* in the epoll set */
	uint32_t events;  /* EPOLL* it was added or modified with */
	unsigned int gen; /* the last fill that listed it */
};

struct slirp_net {
	struct net_backend nb; /* first: the device's view */
	Slirp *slirp;
	int epfd;
	bool epfd_added;		   /* epfd is on the loop */
	struct evloop_timer *poll_timer;   /* libslirp's timeout */
	struct evloop_timer *notify_timer; /* rx_ready, outside the ops */
	/* The last fill: the fds libslirp wants and their revents. */
	struct pollfd *pfd;
	unsigned int npfd, pfd_cap;
	/* The epoll set, indexed by fd. */
	struct slirp_net_watch *watch;
	unsigned int watch_cap, gen;
	/* Frames for the guest, oldest first. */
	struct slirp_net_frame *head, **tail;
	unsigned int nframes;
	bool rx_on, rx_pending;
	unsigned long dropped;
	unsigned int guest_errors;
	uint8_t tx[NET_FRAME_MAX]; /* a guest frame, out of guest memory */
};

static struct slirp_net *to_slirp(struct net_backend *nb)
{
	return (struct slirp_net *)nb;
}

/* The epoll set ------------------------------------------------------- */

static int add_poll(int fd, int events, void *opaque)
{
	struct slirp_net *s = opaque;
	short ev = 0;

	if (s->npfd == s->pfd_cap) {
		unsigned int cap = s->pfd_cap ? 2 * s->pfd_cap : 16;
		struct pollfd *p = realloc(s->pfd, cap * sizeof(*p));

		if (!p)
			return -1; /* not watched this round; the timer polls */
		s->pfd = p;
		s->pfd_cap = cap;
	}
	if (events & SLIRP_POLL_IN)
		ev |= POLLIN;
	if (events & SLIRP_POLL_OUT)
		ev |= POLLOUT;
	if (events & SLIRP_POLL_PRI)
		ev |= POLLPRI;
	s->pfd[s->npfd] = (struct pollfd){ .fd = fd, .events = ev };
	return (int)s->npfd++;
}

static int get_revents(int idx, void *opaque)
{
	struct slirp_net *s = opaque;
	short re;
	int r = 0;

	if (idx < 0 || (unsigned int)idx >= s->npfd)
		return 0;
	re = s->pfd[idx].revents;
	if (re & POLLIN)
		r |= SLIRP_POLL_IN;
	if (re & POLLOUT)
		r |= SLIRP_POLL_OUT;
	if (re & POLLPRI)
		r |= SLIRP_POLL_PRI;
	if (re & POLLERR)
		r |= SLIRP_POLL_ERR;
	if (re & POLLHUP)
		r |= SLIRP_POLL_HUP;
	return r;
}

static struct slirp_net_watch *watch_of(struct slirp_net *s, int fd)
{
	if (fd < 0)
		return NULL;
	if ((unsigned int)fd >= s->watch_cap) {
		unsigned int cap = s->watch_cap ? s->watch_cap : 64;
		struct slirp_net_watch *w;

		while (cap <= (unsigned int)fd)
			cap *= 2;
		w = realloc(s->watch, cap * sizeof(*w));
		if (!w)
			return NULL;
		memset(w + s->watch_cap, 0, (cap - s->watch_cap) * sizeof(*w));
		s->watch = w;
		s->watch_cap = cap;
	}
	return &s->watch[fd];
}

static void watch_set(struct slirp_net *s, int fd, uint32_t events)
{
	struct slirp_net_watch *w = watch_of(s, fd);
	struct epoll_event ev = { .events = events, .data.fd = fd };
	int op;

	if (!w)
		return;
	w->gen = s->gen;
	if (w->on && w->events == events)
		return;
	op = w->on ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	if (epoll_ctl(s->epfd, op, fd, &ev) < 0) {
		/* The set knew better than we did: the fd was reused. */
		if (errno == EEXIST)
			op = EPOLL_CTL_MOD;
		else if (errno == ENOENT)
			op = EPOLL_CTL_ADD;
		else
			goto fail;
		if (epoll_ctl(s->epfd, op, fd, &ev) < 0)
			goto fail;
	}
	w->on = true;
	w->events = events;
	return;
fail:
	log_debug("net", "user: cannot watch fd %d: %s", fd, strerror(errno));
	w->on = false;
}

static void watch_drop(struct slirp_net *s, int fd)
{
	if (fd >= 0 && (unsigned int)fd < s->watch_cap && s->watch[fd].on) {
		epoll_ctl(s->epfd, EPOLL_CTL_DEL, fd, NULL);
		s->watch[fd].on = false;
	}
}

/*
 * After any call into libslirp: what it wants watched now, and when it
 * wants to be polled at the latest.
 */
static void resync(struct slirp_net *s)
{
	uint32_t timeout = UINT32_MAX;

	s->npfd = 0;
	s->gen++;
	slirp_pollfds_fill(s->slirp, &timeout, add_poll, s);
	for (unsigned int i = 0; i < s->npfd; i++)
		watch_set(s, s->pfd[i].fd, (uint16_t)s->pfd[i].events);
	for (unsigned int fd = 0; fd < s->watch_cap; fd++)
		if (s->watch[fd].on && s->watch[fd].gen != s->gen)
			watch_drop(s, (int)fd);
	evloop_timer_arm(s->poll_timer,
			 timeout == UINT32_MAX
				 ? 0
				 : evloop_now_ns() + timeout * 1000000ULL);
}

/* Tell the device about new frames; only from the loop, never in an op. */
static void kick(struct slirp_net *s)
{
	if (s->rx_pending && s->rx_on && s->nb.cb.rx_ready) {
		s->rx_pending = false;
		s->nb.cb.rx_ready(s->nb.cb.ctx);
	}
}

static void dispatch(struct slirp_net *s)
{
	int r = s->npfd ? poll(s->pfd, s->npfd, 0) : 0;

	slirp_pollfds_poll(s->slirp, r < 0, get_revents, s);
	resync(s);
	kick(s);
}

static void on_epoll(void *ctx, int fd, uint32_t events)
{
	struct slirp_net *s = ctx;
	struct epoll_event ev[16];

	(void)events;
	/* Empty the ready list; poll(2) says what is ready. */
	while (epoll_wait(fd, ev, 16, 0) == 16)
		;
	dispatch(s);
}

static void on_poll_timer(void *ctx)
{
	dispatch(ctx);
}

static void on_notify_timer(void *ctx)
{
	kick(ctx);
}

/* libslirp's callbacks --------------------------------------------------- */

static ssize_t cb_send_packet(const void *buf, size_t len, void *opaque)
{
	struct slirp_net *s = opaque;
	struct slirp_net_frame *f;

	if (len > NET_FRAME_MAX - NET_HDR_LEN ||
	    s->nframes == SLIRP_NET_QUEUE_MAX)
		goto drop;
	f = malloc(sizeof(*f) + NET_HDR_LEN + len);
	if (!f)
		goto drop;
	f->next = NULL;
	f->len = NET_HDR_LEN + len;
	memset(f->data, 0, NET_HDR_LEN);
	f->data[10] = 1; /* num_buffers, little-endian */
	memcpy(f->data + NET_HDR_LEN, buf, len);
	*s->tail = f;
	s->tail = &f->next;
	s->nframes++;
	s->rx_pending = true;
	return (ssize_t)len;
drop:
	s->dropped++; /* as a full wire would: TCP sends again */
	return (ssize_t)len;
}

static void cb_guest_error(const char *msg, void *opaque)
{
	struct slirp_net *s = opaque;

	if (s->guest_errors < SLIRP_NET_GUEST_ERRORS_MAX)
		log_warn("net", "user: guest error: %s%s", msg,
			 s->guest_errors + 1 == SLIRP_NET_GUEST_ERRORS_MAX
				 ? " (no more of these are shown)"
				 : "");
	s->guest_errors++;
}

static int64_t cb_clock_get_ns(void *opaque)
{
	(void)opaque;
	return (int64_t)evloop_now_ns();
}

static void on_slirp_timer(void *ctx)
{
	struct slirp_net_timer *t = ctx;
	struct slirp_net *s = t->s;

	t->cb(t->cb_opaque); /* may free t */
	resync(s);
	kick(s);
}

static void *cb_timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
	struct slirp_net_timer *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->s = opaque;
	t->cb = cb;
	t->cb_opaque = cb_opaque;
	t->t = evloop_timer_new(t->s->nb.loop, on_slirp_timer, t);
	if (!t->t) {
		free(t);
		return NULL;
	}
	return t;
}

static void cb_timer_free(void *timer, void *opaque)
{
	struct slirp_net_timer *t = timer;

	(void)opaque;
	if (t) {
		evloop_timer_free(t->t);
		free(t);
	}
}

/* expire_time is in ms of cb_clock_get_ns's clock. */
static void cb_timer_mod(void *timer, int64_t expire_time, void *opaque)
{
	struct slirp_net_timer *t = timer;

	(void)opaque;
	if (t)
		evloop_timer_arm(t->t, expire_time > 0
					       ? (uint64_t)expire_time * 1000000
					       : 1);
}

/* A new socket: whatever the set held under this number is stale. */
static void cb_register_poll_fd(int fd, void *opaque)
{
	struct slirp_net *s = opaque;

	if (fd >= 0 && (unsigned int)fd < s->watch_cap)
		s->watch[fd].on = false;
}

/* Called before libslirp closes fd. */
static void cb_unregister_poll_fd(int fd, void *opaque)
{
	watch_drop(opaque, fd);
}

static void cb_notify(void *opaque)
{
	/* Room in a socket buffer: the resync after every call sees it. */
	(void)opaque;
}

static const SlirpCb slirp_net_callbacks = {
	.send_packet = cb_send_packet,
	.guest_error = cb_guest_error,
	.clock_get_ns = cb_clock_get_ns,
	.timer_new = cb_timer_new,
	.timer_free = cb_timer_free,
	.timer_mod = cb_timer_mod,
	.register_poll_fd = cb_register_poll_fd,
	.unregister_poll_fd = cb_unregister_poll_fd,
	.notify = cb_notify,
};

/* The ops ------------------------------------------------------------ */

static int slirp_net_send(struct net_backend *nb, const struct iovec *iov,
			  unsigned int niov)
{
	struct slirp_net *s = to_slirp(nb);
	size_t len = iov_len(iov, niov);

	if (len < NET_HDR_LEN + 14 || len > NET_FRAME_MAX)
		return -EINVAL;
	/* One copy: libslirp parses in place, the guest could change it. */
	iov_read(iov, niov, 0, s->tx, len);
	if (!net_hdr_allowed(s->tx, nb->tx_on))
		return -EINVAL;
	slirp_input(s->slirp, s->tx + NET_HDR_LEN, (int)(len - NET_HDR_LEN));
	resync(s);
	if (s->rx_pending && s->rx_on)
		evloop_timer_arm(s->notify_timer, evloop_now_ns());
	return 0;
}

static ssize_t slirp_net_recv(struct net_backend *nb, const struct iovec *iov,
			      unsigned int niov)
{
	struct slirp_net *s = to_slirp(nb);
	struct slirp_net_frame *f = s->head;
	size_t cap = iov_len(iov, niov);
	ssize_t r;

	if (cap < NET_HDR_LEN)
		return -EINVAL;
	if (!f)
		return -EAGAIN;
	s->head = f->next;
	if (!s->head)
		s->tail = &s->head;
	s->nframes--;
	if (f->len > cap) {
		s->dropped++;
		r = -EMSGSIZE;
	} else {
		iov_write(iov, niov, 0, f->data, f->len);
		r = (ssize_t)f->len;
	}
	free(f);
	return r;
}

static void slirp_net_rx_enable(struct net_backend *nb, bool on)
{
	to_slirp(nb)->rx_on = on;
}

static int slirp_net_set_offloads(struct net_backend *nb, uint32_t tx,
				  uint32_t rx)
{
	if (net_offloads_check(nb, tx, rx))
		return -EINVAL;
	nb->tx_on = tx;
	nb->rx_on = rx;
	return 0;
}

static void slirp_net_destroy(struct net_backend *nb)
{
	struct slirp_net *s = to_slirp(nb);

	if (s->slirp)
		slirp_cleanup(s->slirp); /* frees its timers, closes fds */
	if (s->epfd_added)
		evloop_del_fd(nb->loop, s->epfd);
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->poll_timer)
		evloop_timer_free(s->poll_timer);
	if (s->notify_timer)
		evloop_timer_free(s->notify_timer);
	while (s->head) {
		struct slirp_net_frame *f = s->head;

		s->head = f->next;
		free(f);
	}
	if (s->dropped)
		log_info("net", "user: %lu frames for the guest dropped",
			 s->dropped);
	free(s->pfd);
	free(s->watch);
	free(s);
}

static const struct net_backend_ops slirp_net_ops = {
	.send = slirp_net_send,
	.recv = slirp_net_recv,
	.rx_enable = slirp_net_rx_enable,
	.set_offloads = slirp_net_set_offloads,
	.destroy = slirp_net_destroy,
};

/* Opening ---------------------------------------------------------------- */

static struct in_addr ip4(const char *s)
{
	struct in_addr a = { 0 };

	inet_pton(AF_INET, s, &a);
	return a;
}

static struct in6_addr ip6(const char *s)
{
	struct in6_addr a = { 0 };

	inet_pton(AF_INET6, s, &a);
	return a;
}

/* A rule's guest address must be a guest's: inside the network, not ours. */
static int check_guest_addr(const struct net_hostfwd *f, char *err,
			    size_t errlen)
{
	uint32_t a = ntohl(f->guest_addr.s_addr);
	uint32_t net = ntohl(ip4(SLIRP_NET_NETWORK).s_addr);
	uint32_t mask = ntohl(ip4(SLIRP_NET_NETMASK).s_addr);
	char buf[INET_ADDRSTRLEN];

	if (!a)
		return 0; /* the DHCP address */
	inet_ntop(AF_INET, &f->guest_addr, buf, sizeof(buf));
	if ((a & mask) != net) {
		snprintf(err, errlen,
			 "--net user: hostfwd guest address %s is outside "
			 "the guest network %s/24",
			 buf, SLIRP_NET_NETWORK);
		return -EINVAL;
	}
	if (a == net || a == (net | ~mask) ||
	    f->guest_addr.s_addr == ip4(SLIRP_NET_HOST).s_addr ||
	    f->guest_addr.s_addr == ip4(SLIRP_NET_DNS).s_addr) {
		snprintf(err, errlen,
			 "--net user: hostfwd guest address %s is not a "
			 "guest's (it is the network, broadcast, host or DNS "
			 "address)",
			 buf);
		return -EINVAL;
	}
	return 0;
}

static int add_hostfwd(struct slirp_net *s, const struct net_hostfwd *f,
		       char *err, size_t errlen)
{
	char host[INET_ADDRSTRLEN];
	int r;

	r = check_guest_addr(f, err, errlen);
	if (r)
		return r;
	errno = 0;
	if (slirp_add_hostfwd(s->slirp, f->udp, f->host_addr, f->host_port,
			      f->guest_addr, f->guest_port) == 0)
		return 0;
	r = errno ? -errno : -EADDRNOTAVAIL;
	inet_ntop(AF_INET, &f->host_addr, host, sizeof(host));
	snprintf(err, errlen, "--net user: hostfwd %s %s:%u: cannot listen: %s",
		 f->udp ? "udp" : "tcp", host, f->host_port, strerror(-r));
	return r;
}

int slirp_net_open(struct net_backend **out, const struct net_config *c,
		   struct evloop *loop, char *err, size_t errlen)
{
	SlirpConfig cfg = {
		.version = 4, /* through disable_dhcp (libslirp 4.5) */
		.in_enabled = true,
		.vnetwork = ip4(SLIRP_NET_NETWORK),
		.vnetmask = ip4(SLIRP_NET_NETMASK),
		.vhost = ip4(SLIRP_NET_HOST),
		.in6_enabled = true,
		.vprefix_addr6 = ip6(SLIRP_NET_PREFIX6),
		.vprefix_len = 64,
		.vhost6 = ip6(SLIRP_NET_HOST6),
		.vdhcp_start = ip4(SLIRP_NET_DHCP),
		.vnameserver = ip4(SLIRP_NET_DNS),
		.vnameserver6 = ip6(SLIRP_NET_DNS6),
	};
	struct slirp_net *s;
	int r;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "--net user: out of memory");
		return -ENOMEM;
	}
	s->nb.ops = &slirp_net_ops;
	s->nb.kind = "user";
	s->nb.loop = loop;
	s->tail = &s->head;
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0) {
		r = -errno;
		snprintf(err, errlen, "--net user: epoll_create1: %s",
			 strerror(-r));
		goto fail;
	}
	s->poll_timer = evloop_timer_new(loop, on_poll_timer, s);
	s->notify_timer = evloop_timer_new(loop, on_notify_timer, s);
	if (!s->poll_timer || !s->notify_timer) {
		r = -ENOMEM;
		snprintf(err, errlen, "--net user: cannot make its timers");
		goto fail;
	}
	s->slirp = slirp_new(&cfg, &slirp_net_callbacks, s);
	if (!s->slirp) {
		r = -ENOMEM;
		snprintf(err, errlen, "--net user: libslirp failed to start");
		goto fail;
	}
	for (unsigned int i = 0; i < c->nhostfwd; i++) {
		r = add_hostfwd(s, &c->hostfwd[i], err, errlen);
		if (r)
			goto fail;
	}
	r = evloop_add_fd(loop, s->epfd, EPOLLIN, on_epoll, s);
	if (r) {
		snprintf(err, errlen,
			 "--net user: cannot watch its sockets: %s",
			 strerror(-r));
		goto fail;
	}
	s->epfd_added = true;
	resync(s);
	log_info("net", "user: libslirp %s, %u hostfwd rules",
		 slirp_version_string(), c->nhostfwd);
	*out = &s->nb;
	return 0;
fail:
	slirp_net_destroy(&s->nb);
	return r;
}
