/*
 * test_slirp.c: the user-mode network backend (backend/slirp.c) end to
 * end, as a guest would see it and without privileges: ARP for the
 * gateway, a DHCP offer of 10.0.2.15, and a host connection through a
 * hostfwd rule carried both ways as TCP segments; then the one-line errors,
 * the frames it refuses, its receive queue's bound and the rule that the
 * device's callbacks never run inside an op.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <linux/virtio_net.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backend/net.h"
#include "backend/slirp.h"
#include "net_fixture.h"

static char err[256];

/* A TCP port on 127.0.0.1 that nobody listens on right now. */
static uint16_t free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t n = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(s >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &n), 0);
	close(s);
	return ntohs(a.sin_port);
}

/*
 * The fd of this process's TCP socket on local port, a listener or not
 * (libslirp's, found through /proc); -1 if there is none.
 */
static int find_socket(uint16_t port, bool listening)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int found = -1;

	assert_non_null(d);
	while ((e = readdir(d))) {
		struct sockaddr_in a;
		socklen_t al = sizeof(a), il = sizeof(int);
		int fd = atoi(e->d_name), acc;

		if (e->d_name[0] == '.' ||
		    getsockname(fd, (struct sockaddr *)&a, &al) ||
		    a.sin_family != AF_INET || ntohs(a.sin_port) != port ||
		    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &il))
			continue;
		if (!!acc == listening)
			found = fd;
	}
	closedir(d);
	return found;
}

/*
 * What some epoll set of this process watches fd for (0: nothing), from
 * /proc/self/fdinfo.  This sees whether libslirp's sockets are really
 * watched: without it the backend's 1-second poll would hide a miss.
 */
static unsigned int epoll_events_of(int fd)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	unsigned int events = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		char path[300], link[64], line[256];
		ssize_t n;
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = '\0';
		if (strcmp(link, "anon_inode:[eventpoll]"))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%s", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			int tfd;
			unsigned int ev;

			if (sscanf(line, "tfd: %d events: %x", &tfd, &ev) ==
				    2 &&
			    tfd == fd)
				events |= ev;
		}
		fclose(f);
	}
	closedir(d);
	return events;
}

static int open_user(struct fx *fx, const char *spec)
{
	struct net_config c;

	fx_init(fx);
	assert_int_equal(net_config_parse(&c, spec, err, sizeof(err)), 0);
	assert_int_equal(evloop_create(&fx->loop, "net-test"), 0);
	return net_backend_open(&fx->nb, &c, fx->loop, err, sizeof(err));
}

/* The header of every frame from libslirp: zeros, num_buffers 1. */
static void assert_plain_hdr(const struct fx_frame *fr)
{
	static const uint8_t want[NET_HDR_LEN] = { [10] = 1 };

	assert_memory_equal(fr->hdr, want, NET_HDR_LEN);
}

/* DHCP ------------------------------------------------------------------- */

struct dhcp_match {
	uint32_t xid;
};

static bool is_dhcp_reply(const struct fx_frame *fr, void *arg)
{
	const struct dhcp_match *m = arg;
	struct fx_ip p;

	return fx_parse(fr->data, fr->len, &p) && p.type == ETH_IPV4 &&
	       p.proto == 17 && p.l4len >= 8 + 240 && get16(p.l4) == 67 &&
	       get16(p.l4 + 2) == 68 && p.l4[8] == 2 &&
	       get32(p.l4 + 8 + 4) == m->xid;
}

/* The value of DHCP option code (its first four bytes), or -1. */
static int64_t dhcp_option(const struct fx_frame *fr, uint8_t code)
{
	struct fx_ip p;
	const uint8_t *o, *end;

	fx_parse(fr->data, fr->len, &p);
	o = p.l4 + 8 + 240;
	end = p.l4 + p.l4len;
	while (o < end && *o != 255) {
		if (*o == 0) {
			o++;
			continue;
		}
		if (o + 2 > end || o + 2 + o[1] > end)
			break;
		if (*o == code)
			return o[1] >= 4 ? (int64_t)get32(o + 2) : o[2];
		o += 2 + o[1];
	}
	return -1;
}

/* TCP -------------------------------------------------------------------- */

struct tcp_match {
	uint32_t dip;
	uint16_t dport;
	uint8_t flags, mask; /* (flags & mask) == want */
	size_t min_data;
	/* What was found. */
	uint32_t sip, seq, ack;
	uint16_t sport;
	uint8_t smac[6];
	const uint8_t *data;
	size_t ndata;
};

static bool is_tcp(const struct fx_frame *fr, void *arg)
{
	struct tcp_match *m = arg;
	struct fx_ip p;
	size_t off;

	if (!fx_parse(fr->data, fr->len, &p) || p.type != ETH_IPV4 ||
	    p.proto != 6 || p.l4len < 20 || p.dst != m->dip ||
	    get16(p.l4 + 2) != m->dport || (p.l4[13] & m->mask) != m->flags)
		return false;
	off = (size_t)(p.l4[12] >> 4) * 4;
	if (off < 20 || off > p.l4len || p.l4len - off < m->min_data)
		return false;
	m->sip = p.src;
	m->sport = get16(p.l4);
	m->seq = get32(p.l4 + 4);
	m->ack = get32(p.l4 + 8);
	memcpy(m->smac, fr->data + 6, 6);
	m->data = p.l4 + off;
	m->ndata = p.l4len - off;
	return true;
}

/* Send through the backend and check no callback ran inside send(). */
struct inside {
	struct fx *fx;
	const uint8_t *frame;
	size_t len;
	int result;
	unsigned int calls_during;
};

static void call_send_counting(void *ctx)
{
	struct inside *in = ctx;
	static const uint8_t zero[NET_HDR_LEN];
	struct iovec iov[2] = { { (void *)zero, NET_HDR_LEN },
				{ (void *)in->frame, in->len } };
	unsigned int before = in->fx->rx_calls;

	in->result = in->fx->nb->ops->send(in->fx->nb, iov, 2);
	in->calls_during = in->fx->rx_calls - before;
}

static void test_user_end_to_end(void **state)
{
	const uint32_t guest = ip_of(SLIRP_NET_DHCP), host = ip_of("10.0.2.2");
	struct fx fx;
	struct fx_arp_match am = { host, guest };
	struct dhcp_match dm = { 0x1badcafe };
	struct tcp_match tm = { 0 };
	struct inside in;
	const struct fx_frame *fr;
	uint8_t f[1024], slirp_mac[6];
	char spec[64], got[8];
	uint16_t port = free_port();
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons(port) };
	struct pollfd pfd;
	uint32_t g_seq = 1000, s_seq;
	size_t n;
	int cs, ls, as;

	(void)state;
	snprintf(spec, sizeof(spec), "user,hostfwd=tcp:127.0.0.1:%u-:80", port);
	assert_int_equal(open_user(&fx, spec), 0);
	assert_string_equal(fx.nb->kind, "user");
	assert_int_equal(fx.nb->tx_offloads, 0);
	assert_int_equal(fx.nb->rx_offloads, 0);
	assert_true(net_offload_features(fx.nb) == 0);
	assert_int_equal(fx_start(&fx), 0);
	/* The hostfwd rule's listener is watched. */
	ls = find_socket(port, true);
	assert_true(ls >= 0);
	assert_true(epoll_events_of(ls) & EPOLLIN);

	/* ARP: who has 10.0.2.2?  The reply comes later, from the loop. */
	n = fx_arp_request(f, fx_guest_mac, guest, host);
	in = (struct inside){ &fx, f, n, -1, 0 };
	assert_int_equal(evloop_call(fx.loop, call_send_counting, &in), 0);
	assert_int_equal(in.result, 0);
	assert_int_equal(in.calls_during, 0);
	fr = fx_wait(&fx, fx_is_arp_reply, &am, 5000);
	assert_non_null(fr);
	assert_plain_hdr(fr);
	assert_memory_equal(fr->data, fx_guest_mac, 6); /* to us */
	assert_memory_equal(fr->data + ETH_HLEN + 18, fx_guest_mac, 6);
	memcpy(slirp_mac, fr->data + ETH_HLEN + 8, 6);
	assert_memory_equal(slirp_mac, fr->data + 6, 6);

	/* DHCP: DISCOVER, and an OFFER of 10.0.2.15 on QEMU's network. */
	n = fx_dhcp_discover(f, fx_guest_mac, dm.xid);
	assert_int_equal(fx_send(&fx, f, n), 0);
	fr = fx_wait(&fx, is_dhcp_reply, &dm, 5000);
	assert_non_null(fr);
	assert_plain_hdr(fr);
	{
		struct fx_ip p;

		fx_parse(fr->data, fr->len, &p);
		assert_int_equal(get32(p.l4 + 8 + 16), guest); /* yiaddr */
		assert_memory_equal(p.l4 + 8 + 28, fx_guest_mac, 6);
	}
	assert_int_equal(dhcp_option(fr, 53), 2); /* OFFER */
	assert_int_equal(dhcp_option(fr, 54), host);
	assert_int_equal(dhcp_option(fr, 1), ip_of(SLIRP_NET_NETMASK));
	assert_int_equal(dhcp_option(fr, 3), host);
	assert_int_equal(dhcp_option(fr, 6), ip_of(SLIRP_NET_DNS));

	/* hostfwd: a host connection becomes a SYN to 10.0.2.15:80. */
	cs = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(cs >= 0);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(cs, (struct sockaddr *)&to, sizeof(to)), 0);
	tm = (struct tcp_match){ .dip = guest,
				 .dport = 80,
				 .flags = TCP_SYN,
				 .mask = TCP_SYN | TCP_ACK | TCP_RST };
	fr = fx_wait(&fx, is_tcp, &tm, 5000);
	assert_non_null(fr);
	assert_plain_hdr(fr);
	assert_memory_equal(fr->data, fx_guest_mac, 6);
	assert_memory_equal(tm.smac, slirp_mac, 6);
	assert_int_equal(tm.sip, host); /* forwarded from the gateway */
	s_seq = tm.seq;

	/* The guest accepts; libslirp completes the handshake. */
	n = fx_tcp(f, slirp_mac, fx_guest_mac, guest, tm.sip, 80, tm.sport,
		   g_seq, s_seq + 1, TCP_SYN | TCP_ACK, NULL, 0);
	assert_int_equal(fx_send(&fx, f, n), 0);
	tm.flags = TCP_ACK;
	tm.mask = TCP_SYN | TCP_ACK | TCP_RST;
	fr = fx_wait(&fx, is_tcp, &tm, 5000);
	assert_non_null(fr);
	assert_int_equal(tm.ack, g_seq + 1);
	/* libslirp's end of the connection is watched for data now. */
	as = find_socket(port, false);
	assert_true(as >= 0);
	assert_true(epoll_events_of(as) & EPOLLIN);

	/* Host to guest. */
	assert_int_equal(write(cs, "ping", 4), 4);
	tm.min_data = 4;
	fr = fx_wait(&fx, is_tcp, &tm, 5000);
	assert_non_null(fr);
	assert_int_equal(tm.ndata, 4);
	assert_memory_equal(tm.data, "ping", 4);
	assert_int_equal(tm.seq, s_seq + 1);

	/* Guest to host. */
	n = fx_tcp(f, slirp_mac, fx_guest_mac, guest, tm.sip, 80, tm.sport,
		   g_seq + 1, s_seq + 1 + 4, TCP_ACK | TCP_PSH, "pong", 4);
	assert_int_equal(fx_send(&fx, f, n), 0);
	pfd = (struct pollfd){ .fd = cs, .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	assert_int_equal(read(cs, got, sizeof(got)), 4);
	assert_memory_equal(got, "pong", 4);

	close(cs);
	assert_int_equal(fx.recv_errors, 0);
	fx_fini(&fx);
}

/* Errors ----------------------------------------------------------------- */

static void test_user_port_in_use(void **state)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof(a);
	struct fx fx;
	char spec[64], want[64];
	int s = socket(AF_INET, SOCK_STREAM, 0);

	(void)state;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s, 1), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &al), 0);
	snprintf(spec, sizeof(spec), "user,hostfwd=tcp:127.0.0.1:%u-:22",
		 ntohs(a.sin_port));
	assert_int_equal(open_user(&fx, spec), -EADDRINUSE);
	assert_null(fx.nb);
	snprintf(want, sizeof(want),
		 "--net user: hostfwd tcp 127.0.0.1:%u: cannot listen: ",
		 ntohs(a.sin_port));
	if (strncmp(err, want, strlen(want)) || !strstr(err, "in use"))
		fail_msg("error: %s", err);
	close(s);
	evloop_destroy(fx.loop);
}

static void test_user_guest_address(void **state)
{
	static const struct {
		const char *spec, *says;
	} bad[] = {
		{ "user,hostfwd=tcp::1-10.0.3.5:22",
		  "--net user: hostfwd guest address 10.0.3.5 is outside the "
		  "guest network 10.0.2.0/24" },
		{ "user,hostfwd=tcp::1-10.0.2.2:22",
		  "--net user: hostfwd guest address 10.0.2.2 is not a "
		  "guest's" },
		{ "user,hostfwd=udp::1-10.0.2.3:53",
		  "10.0.2.3 is not a guest's" },
		{ "user,hostfwd=tcp::1-10.0.2.255:22", "is not a guest's" },
		{ "user,hostfwd=tcp::1-10.0.2.0:22", "is not a guest's" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct fx fx;

		assert_int_equal(open_user(&fx, bad[i].spec), -EINVAL);
		assert_null(fx.nb);
		if (!strstr(err, bad[i].says))
			fail_msg("%s: error '%s'", bad[i].spec, err);
		evloop_destroy(fx.loop);
	}
}

/* What the backend refuses, and its queue; the loop is not started, so
 * this thread is the loop's. */
static void test_user_refuses(void **state)
{
	const uint32_t guest = ip_of(SLIRP_NET_DHCP), host = ip_of("10.0.2.2");
	struct fx fx;
	uint8_t f[128], hdr[NET_HDR_LEN] = { 0 }, buf[NET_FRAME_MAX];
	struct iovec one[2] = { { hdr, sizeof(hdr) }, { f, 0 } };
	struct iovec rx = { buf, sizeof(buf) };
	size_t n;
	int frames = 0;
	ssize_t r;

	(void)state;
	assert_int_equal(open_user(&fx, "user"), 0);
	n = fx_arp_request(f, fx_guest_mac, guest, host);
	one[1].iov_len = n;

	/* Offloads: none to set, none to ask for in a header. */
	assert_int_equal(fx.nb->ops->set_offloads(fx.nb, 0, 0), 0);
	assert_int_equal(fx.nb->ops->set_offloads(fx.nb, NET_OFFLOAD_CSUM, 0),
			 -EINVAL);
	assert_int_equal(fx.nb->ops->set_offloads(fx.nb, 0, NET_OFFLOAD_CSUM),
			 -EINVAL);
	hdr[0] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	assert_int_equal(fx.nb->ops->send(fx.nb, one, 2), -EINVAL);
	hdr[0] = 0;
	hdr[1] = VIRTIO_NET_HDR_GSO_TCPV4;
	assert_int_equal(fx.nb->ops->send(fx.nb, one, 2), -EINVAL);
	hdr[1] = 0;
	/* Shorter than a header and an Ethernet header; longer than any. */
	one[1].iov_len = 13;
	assert_int_equal(fx.nb->ops->send(fx.nb, one, 2), -EINVAL);
	one[1].iov_len = NET_FRAME_MAX;
	assert_int_equal(fx.nb->ops->send(fx.nb, one, 2), -EINVAL);
	one[1].iov_len = n;
	/* None of those reached libslirp: nothing to receive. */
	assert_int_equal(fx.nb->ops->recv(fx.nb, &rx, 1), -EAGAIN);

	/* Receive is off: replies wait, up to the queue's bound. */
	for (int i = 0; i < SLIRP_NET_QUEUE_MAX + 44; i++)
		assert_int_equal(fx.nb->ops->send(fx.nb, one, 2), 0);
	/* A buffer too small for a header takes nothing. */
	rx.iov_len = NET_HDR_LEN - 1;
	assert_int_equal(fx.nb->ops->recv(fx.nb, &rx, 1), -EINVAL);
	/* One too small for the frame loses it. */
	rx.iov_len = NET_HDR_LEN + 20;
	assert_int_equal(fx.nb->ops->recv(fx.nb, &rx, 1), -EMSGSIZE);
	rx.iov_len = sizeof(buf);
	while ((r = fx.nb->ops->recv(fx.nb, &rx, 1)) > 0) {
		assert_true(r >= NET_HDR_LEN + 42); /* an ARP reply, padded */
		frames++;
	}
	assert_int_equal(r, -EAGAIN);
	assert_int_equal(frames, SLIRP_NET_QUEUE_MAX - 1);

	net_backend_close(fx.nb);
	evloop_destroy(fx.loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_user_end_to_end),
		cmocka_unit_test(test_user_port_in_use),
		cmocka_unit_test(test_user_guest_address),
		cmocka_unit_test(test_user_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
