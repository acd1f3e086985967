/*
 * tap.c: the tap backend.  See tap.h.
 *
 * What it does: one single-queue tap with the 12-byte virtio-net header,
 * offloads probed and set as negotiated, non-blocking reads and writes
 * straight between the tap and the device's iovecs.  What it does not:
 * multiqueue (IFF_MULTI_QUEUE), vhost-net, changing the host side's
 * address or bridge (that is the administrator's), big-endian hosts
 * (the header is little-endian, as x86 is; TUNSETVNETLE would be needed).
 */
#include "backend/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "util/evloop.h"
#include "util/log.h"

/* Linux 6.2's UDP segmentation offload; Debian 12's headers predate it. */
#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#define TUN_F_USO6 0x40
#endif

/* Chains with more buffers than this go through the bounce buffer. */
#define TAP_IOV_MAX 64

struct tap {
	struct net_backend nb; /* first: the device's view */
	int fd;
	char ifname[IFNAMSIZ];
	bool created;	   /* hyve made it: it goes when fd closes */
	bool rx_on;	   /* the device wants frames */
	bool tx_blocked;   /* a send said -EAGAIN: tx_ready is owed */
	bool dead;	   /* the interface went away under us */
	uint32_t watching; /* events registered on the loop; 0: none */
	uint8_t *bounce;   /* NET_FRAME_MAX bytes, allocated when needed */
};

static struct tap *to_tap(struct net_backend *nb)
{
	return (struct tap *)nb;
}

const char *tap_ifname(const struct net_backend *nb)
{
	return ((const struct tap *)nb)->ifname;
}

bool tap_created(const struct net_backend *nb)
{
	return ((const struct tap *)nb)->created;
}

/* NET_OFFLOAD_* to TUN_F_*. */
static unsigned int tap_tun_flags(uint32_t o)
{
	unsigned int f = 0;

	if (o & NET_OFFLOAD_CSUM)
		f |= TUN_F_CSUM;
	if (o & NET_OFFLOAD_TSO4)
		f |= TUN_F_TSO4;
	if (o & NET_OFFLOAD_TSO6)
		f |= TUN_F_TSO6;
	if (o & NET_OFFLOAD_ECN)
		f |= TUN_F_TSO_ECN;
	if (o & NET_OFFLOAD_UFO)
		f |= TUN_F_UFO;
	if (o & NET_OFFLOAD_USO)
		f |= TUN_F_USO4 | TUN_F_USO6;
	return f;
}

uint32_t tap_probe_offloads(int fd)
{
	/*
	 * Each needs a checksum offload under it; ECN needs TSO.  The kernel
	 * refuses a bit it does not know with EINVAL (drivers/net/tun.c,
	 * set_offload), which is what makes this a probe.
	 */
	static const uint32_t tries[] = {
		NET_OFFLOAD_TSO4,
		NET_OFFLOAD_TSO6,
		NET_OFFLOAD_TSO4 | NET_OFFLOAD_ECN,
		NET_OFFLOAD_UFO,
		NET_OFFLOAD_USO,
	};
	uint32_t got = 0;

	if (ioctl(fd, TUNSETOFFLOAD, tap_tun_flags(NET_OFFLOAD_CSUM)) == 0) {
		got = NET_OFFLOAD_CSUM;
		for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
			uint32_t o = NET_OFFLOAD_CSUM | tries[i];

			if (ioctl(fd, TUNSETOFFLOAD, tap_tun_flags(o)) == 0)
				got |= o;
		}
	}
	ioctl(fd, TUNSETOFFLOAD, 0);
	return got;
}

/* Register with the loop what the state asks to watch. */
static void tap_watch(struct tap *t);

static void tap_event(void *ctx, int fd, uint32_t events)
{
	struct tap *t = ctx;

	(void)fd;
	if (events & (EPOLLERR | EPOLLHUP)) {
		/* The interface was deleted (ip link del) while attached. */
		log_warn("net", "tap %s: the interface is gone; no more frames",
			 t->ifname);
		t->dead = true;
		tap_watch(t);
		if (t->tx_blocked && t->nb.cb.tx_ready) {
			t->tx_blocked = false;
			t->nb.cb.tx_ready(t->nb.cb.ctx); /* sends say -EIO */
		}
		return;
	}
	if ((events & EPOLLOUT) && t->tx_blocked) {
		t->tx_blocked = false;
		tap_watch(t);
		if (t->nb.cb.tx_ready)
			t->nb.cb.tx_ready(t->nb.cb.ctx);
	}
	if ((events & EPOLLIN) && t->rx_on && t->nb.cb.rx_ready)
		t->nb.cb.rx_ready(t->nb.cb.ctx);
}

static void tap_watch(struct tap *t)
{
	uint32_t want = 0;
	int r;

	if (!t->dead) {
		if (t->rx_on)
			want |= EPOLLIN;
		if (t->tx_blocked)
			want |= EPOLLOUT;
	}
	if (want == t->watching)
		return;
	if (!t->watching)
		r = evloop_add_fd(t->nb.loop, t->fd, want, tap_event, t);
	else if (!want)
		r = evloop_del_fd(t->nb.loop, t->fd);
	else
		r = evloop_mod_fd(t->nb.loop, t->fd, want);
	if (r) {
		log_warn("net", "tap %s: cannot watch the fd: %s", t->ifname,
			 strerror(-r));
		return;
	}
	t->watching = want;
}

static uint8_t *tap_bounce(struct tap *t)
{
	if (!t->bounce)
		t->bounce = malloc(NET_FRAME_MAX);
	return t->bounce;
}

static int tap_send(struct net_backend *nb, const struct iovec *iov,
		    unsigned int niov)
{
	struct tap *t = to_tap(nb);
	size_t len = iov_len(iov, niov);
	uint8_t hdr[NET_HDR_LEN];
	struct iovec v[TAP_IOV_MAX];
	unsigned int n = 0;
	ssize_t r;

	if (t->dead)
		return -EIO;
	if (len < NET_HDR_LEN + 14 || len > NET_FRAME_MAX)
		return -EINVAL;
	/*
	 * The header is copied out of guest memory before it is checked, so
	 * the kernel reads what was checked; the kernel checks it again.
	 */
	iov_read(iov, niov, 0, hdr, sizeof(hdr));
	if (!net_hdr_allowed(hdr, nb->tx_on))
		return -EINVAL;
	v[n++] = (struct iovec){ hdr, sizeof(hdr) };
	if (niov < TAP_IOV_MAX) {
		size_t skip = NET_HDR_LEN;

		for (unsigned int i = 0; i < niov; i++) {
			if (skip >= iov[i].iov_len) {
				skip -= iov[i].iov_len;
				continue;
			}
			v[n++] = (struct iovec){
				(uint8_t *)iov[i].iov_base + skip,
				iov[i].iov_len - skip,
			};
			skip = 0;
		}
	} else {
		uint8_t *b = tap_bounce(t);

		if (!b)
			return -ENOMEM;
		iov_read(iov, niov, NET_HDR_LEN, b, len - NET_HDR_LEN);
		v[n++] = (struct iovec){ b, len - NET_HDR_LEN };
	}
	r = writev(t->fd, v, (int)n);
	if (r >= 0)
		return 0;
	switch (errno) {
	case EAGAIN:
		t->tx_blocked = true;
		tap_watch(t);
		return -EAGAIN;
	case EINVAL:
	case EFAULT:
		return -EINVAL; /* the kernel refused this frame */
	default:
		log_warn("net", "tap %s: write: %s", t->ifname,
			 strerror(errno));
		return -EIO;
	}
}

static ssize_t tap_recv(struct net_backend *nb, const struct iovec *iov,
			unsigned int niov)
{
	static const uint8_t one[2] = { 1, 0 }; /* num_buffers, LE */
	struct tap *t = to_tap(nb);
	size_t cap = iov_len(iov, niov);
	uint8_t *b = NULL;
	ssize_t r;

	if (cap < NET_HDR_LEN)
		return -EINVAL;
	if (t->dead)
		return -EAGAIN;
	if (niov > IOV_MAX) {
		b = tap_bounce(t);
		if (!b)
			return -ENOMEM;
		r = read(t->fd, b, NET_FRAME_MAX);
	} else {
		r = readv(t->fd, iov, (int)niov);
	}
	if (r < 0) {
		int e = errno;

		if (e != EAGAIN) {
			log_warn("net", "tap %s: read: %s", t->ifname,
				 strerror(e));
			t->dead = e == EBADFD || e == EIO;
			tap_watch(t);
		}
		return -EAGAIN;
	}
	/* tun truncates silently and reports the whole length. */
	if ((size_t)r > cap)
		return -EMSGSIZE;
	if (b)
		iov_write(iov, niov, 0, b, (size_t)r);
	/* The kernel writes only the first 10 bytes of the header. */
	iov_write(iov, niov, 10, one, sizeof(one));
	return r;
}

static void tap_rx_enable(struct net_backend *nb, bool on)
{
	struct tap *t = to_tap(nb);

	t->rx_on = on;
	tap_watch(t);
}

static int tap_set_offloads(struct net_backend *nb, uint32_t tx, uint32_t rx)
{
	struct tap *t = to_tap(nb);

	if (net_offloads_check(nb, tx, rx))
		return -EINVAL;
	if (ioctl(t->fd, TUNSETOFFLOAD, tap_tun_flags(rx)) < 0)
		return -errno;
	nb->tx_on = tx;
	nb->rx_on = rx;
	return 0;
}

static void tap_destroy(struct net_backend *nb)
{
	struct tap *t = to_tap(nb);

	if (t->watching)
		evloop_del_fd(nb->loop, t->fd);
	close(t->fd); /* a tap hyve created goes away here */
	free(t->bounce);
	free(t);
}

static const struct net_backend_ops tap_ops = {
	.send = tap_send,
	.recv = tap_recv,
	.rx_enable = tap_rx_enable,
	.set_offloads = tap_set_offloads,
	.destroy = tap_destroy,
};

/* Why TUNSETIFF failed, for a person. */
static void tap_iff_error(const char *name, bool existed, int e, char *err,
			  size_t errlen)
{
	if (e == EPERM && existed)
		snprintf(err, errlen,
			 "--net tap=%s: not allowed to use this tap (it "
			 "belongs to another user or group; see ip tuntap "
			 "add ... user)",
			 name);
	else if (e == EPERM)
		snprintf(err, errlen,
			 "--net tap=%s: no such tap, and creating one needs "
			 "CAP_NET_ADMIN (as root: ip tuntap add %s mode tap "
			 "user USER)",
			 name, name);
	else if (e == EBUSY)
		snprintf(err, errlen,
			 "--net tap=%s: the tap is in use by another process",
			 name);
	else if (e == EINVAL && existed)
		snprintf(err, errlen,
			 "--net tap=%s: the interface exists and is not a "
			 "single-queue tap",
			 name);
	else
		snprintf(err, errlen, "--net tap=%s: TUNSETIFF: %s", name,
			 strerror(e));
}

/* Bring a tap we created up; 0 or a negative errno. */
static int tap_up(const char *ifname, bool set, bool *was_up)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int r = 0;

	if (s < 0)
		return -errno;
	strcpy(ifr.ifr_name, ifname);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
		r = -errno;
		goto out;
	}
	*was_up = ifr.ifr_flags & IFF_UP;
	if (set && !*was_up) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
			r = -errno;
	}
out:
	close(s);
	return r;
}

int tap_open(struct net_backend **out, const char *ifname, struct evloop *loop,
	     char *err, size_t errlen)
{
	const unsigned int need = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	struct ifreq ifr = { 0 };
	unsigned int features = 0;
	int hdrlen = NET_HDR_LEN, r;
	struct tap *t;
	bool existed, up = false;

	*out = NULL;
	if (strlen(ifname) >= IFNAMSIZ) {
		snprintf(err, errlen, "--net tap=%s: the name is too long",
			 ifname);
		return -EINVAL;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "--net tap=%s: out of memory", ifname);
		return -ENOMEM;
	}
	t->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (t->fd < 0) {
		r = -errno;
		snprintf(err, errlen, "--net tap=%s: /dev/net/tun: %s%s",
			 ifname, strerror(-r),
			 r == -ENOENT ? " (is the tun module loaded?)" : "");
		goto fail;
	}
	if (ioctl(t->fd, TUNGETFEATURES, &features) < 0 ||
	    (features & need) != need) {
		r = -EOPNOTSUPP;
		snprintf(err, errlen,
			 "--net tap=%s: this kernel's tun driver has no "
			 "IFF_VNET_HDR",
			 ifname);
		goto fail;
	}
	existed = if_nametoindex(ifname) != 0;
	strcpy(ifr.ifr_name, ifname);
	ifr.ifr_flags = (short)need;
	if (ioctl(t->fd, TUNSETIFF, &ifr) < 0) {
		r = -errno;
		tap_iff_error(ifname, existed, -r, err, errlen);
		goto fail;
	}
	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(t->fd, TUNGETIFF, &ifr) < 0) {
		r = -errno;
		snprintf(err, errlen, "--net tap=%s: TUNGETIFF: %s", ifname,
			 strerror(-r));
		goto fail;
	}
	memcpy(t->ifname, ifr.ifr_name, IFNAMSIZ - 1);
	/* Only a persistent tap outlives its last fd: we made the other. */
	t->created = !(ifr.ifr_flags & IFF_PERSIST);
	if (ioctl(t->fd, TUNSETVNETHDRSZ, &hdrlen) < 0) {
		r = -errno;
		snprintf(err, errlen, "--net tap=%s: TUNSETVNETHDRSZ: %s",
			 ifname, strerror(-r));
		goto fail;
	}
	r = tap_up(t->ifname, t->created, &up);
	if (r) {
		snprintf(err, errlen, "--net tap=%s: cannot bring it up: %s",
			 ifname, strerror(-r));
		goto fail;
	}
	if (!t->created && !up)
		log_warn("net",
			 "tap %s is down: no frames pass until `ip link set "
			 "%s up`",
			 t->ifname, t->ifname);
	t->nb.ops = &tap_ops;
	t->nb.kind = "tap";
	t->nb.loop = loop;
	t->nb.tx_offloads = t->nb.rx_offloads = tap_probe_offloads(t->fd);
	log_info("net", "tap %s: %s, offloads %#x", t->ifname,
		 t->created ? "created" : "attached", t->nb.tx_offloads);
	*out = &t->nb;
	return 0;
fail:
	if (t->fd >= 0)
		close(t->fd);
	free(t);
	return r;
}
