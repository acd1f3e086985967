/*
 * net_fixture.h: what the network backend tests share: frames built by
 * hand (Ethernet, ARP, IPv4, UDP, TCP, ICMP, DHCP), and a harness that
 * runs a backend on an event loop, sends frames from the test's thread
 * through evloop_call and collects what the backend hands the "device".
 */
#ifndef HYVE_TESTS_NET_FIXTURE_H
#define HYVE_TESTS_NET_FIXTURE_H

#include <arpa/inet.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend/net.h"
#include "util/evloop.h"

#define ETH_ARP	 0x0806
#define ETH_IPV4 0x0800
#define ETH_HLEN 14

static const uint8_t fx_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t fx_guest_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

/* Frame building ------------------------------------------------------- */

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static inline uint32_t ip_of(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return ntohl(a.s_addr);
}

/* The Internet checksum's running sum (RFC 1071). */
static inline uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += get16(p + i);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static inline uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static inline size_t put_eth(uint8_t *f, const uint8_t *dst, const uint8_t *src,
			     uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	put16(f + 12, type);
	return ETH_HLEN;
}

static inline size_t fx_arp_request(uint8_t *f, const uint8_t *smac,
				    uint32_t sip, uint32_t tip)
{
	uint8_t *a = f + put_eth(f, fx_bcast, smac, ETH_ARP);

	put16(a, 1);	     /* Ethernet */
	put16(a + 2, 0x800); /* IPv4 */
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, 1); /* request */
	memcpy(a + 8, smac, 6);
	put32(a + 14, sip);
	memset(a + 18, 0, 6);
	put32(a + 24, tip);
	return ETH_HLEN + 28;
}

/* An IPv4 header (20 bytes, checksummed) at p; returns 20. */
static inline size_t put_ip(uint8_t *p, uint8_t proto, uint32_t src,
			    uint32_t dst, size_t payload)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	put16(p + 2, (uint16_t)(20 + payload));
	put16(p + 4, 0x1234);
	p[8] = 64;
	p[9] = proto;
	put32(p + 12, src);
	put32(p + 16, dst);
	put16(p + 10, csum_fold(csum_add(0, p, 20)));
	return 20;
}

/* The TCP/UDP pseudo-header's sum. */
static inline uint32_t pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto,
				  size_t len)
{
	uint8_t ph[12];

	put32(ph, src);
	put32(ph + 4, dst);
	ph[8] = 0;
	ph[9] = proto;
	put16(ph + 10, (uint16_t)len);
	return csum_add(0, ph, 12);
}

/* UDP in IPv4 in Ethernet; csum: fill in the checksum (else 0). */
static inline size_t fx_udp(uint8_t *f, const uint8_t *dmac,
			    const uint8_t *smac, uint32_t sip, uint32_t dip,
			    uint16_t sport, uint16_t dport, const void *data,
			    size_t n, bool csum)
{
	uint8_t *ip = f + put_eth(f, dmac, smac, ETH_IPV4);
	uint8_t *u = ip + put_ip(ip, 17, sip, dip, 8 + n);

	put16(u, sport);
	put16(u + 2, dport);
	put16(u + 4, (uint16_t)(8 + n));
	put16(u + 6, 0);
	memcpy(u + 8, data, n);
	if (csum) {
		uint16_t c = csum_fold(
			csum_add(pseudo_sum(sip, dip, 17, 8 + n), u, 8 + n));

		put16(u + 6, c ? c : 0xffff);
	}
	return ETH_HLEN + 20 + 8 + n;
}

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10

static inline size_t fx_tcp(uint8_t *f, const uint8_t *dmac,
			    const uint8_t *smac, uint32_t sip, uint32_t dip,
			    uint16_t sport, uint16_t dport, uint32_t seq,
			    uint32_t ack, uint8_t flags, const void *data,
			    size_t n)
{
	uint8_t *ip = f + put_eth(f, dmac, smac, ETH_IPV4);
	uint8_t *t = ip + put_ip(ip, 6, sip, dip, 20 + n);

	memset(t, 0, 20);
	put16(t, sport);
	put16(t + 2, dport);
	put32(t + 4, seq);
	put32(t + 8, ack);
	t[12] = 5 << 4;
	t[13] = flags;
	put16(t + 14, 65535);
	if (n)
		memcpy(t + 20, data, n);
	put16(t + 16,
	      csum_fold(csum_add(pseudo_sum(sip, dip, 6, 20 + n), t, 20 + n)));
	return ETH_HLEN + 20 + 20 + n;
}

static inline size_t fx_icmp_echo(uint8_t *f, const uint8_t *dmac,
				  const uint8_t *smac, uint32_t sip,
				  uint32_t dip, uint16_t id, uint16_t seq,
				  const void *data, size_t n)
{
	uint8_t *ip = f + put_eth(f, dmac, smac, ETH_IPV4);
	uint8_t *c = ip + put_ip(ip, 1, sip, dip, 8 + n);

	c[0] = 8; /* echo request */
	c[1] = 0;
	put16(c + 2, 0);
	put16(c + 4, id);
	put16(c + 6, seq);
	memcpy(c + 8, data, n);
	put16(c + 2, csum_fold(csum_add(0, c, 8 + n)));
	return ETH_HLEN + 20 + 8 + n;
}

/* A DHCPDISCOVER from mac (RFC 2131), as a 300-byte BOOTP message. */
static inline size_t fx_dhcp_discover(uint8_t *f, const uint8_t *mac,
				      uint32_t xid)
{
	uint8_t b[300] = { 0 };
	size_t o = 236;

	b[0] = 1; /* BOOTREQUEST */
	b[1] = 1; /* Ethernet */
	b[2] = 6;
	put32(b + 4, xid);
	put16(b + 10, 0x8000); /* broadcast */
	memcpy(b + 28, mac, 6);
	put32(b + o, 0x63825363); /* magic cookie */
	o += 4;
	b[o++] = 53; /* message type */
	b[o++] = 1;
	b[o++] = 1; /* DISCOVER */
	b[o++] = 255;
	return fx_udp(f, fx_bcast, mac, 0, 0xffffffff, 68, 67, b, sizeof(b),
		      false);
}

/* Frame parsing: pointers into a received frame (after its header). */
struct fx_ip {
	const uint8_t *eth, *ip, *l4;
	uint16_t type;
	uint8_t proto;
	uint32_t src, dst;
	size_t l4len;
};

static inline bool fx_parse(const uint8_t *f, size_t n, struct fx_ip *p)
{
	memset(p, 0, sizeof(*p));
	if (n < ETH_HLEN)
		return false;
	p->eth = f;
	p->type = get16(f + 12);
	if (p->type != ETH_IPV4)
		return true;
	if (n < ETH_HLEN + 20)
		return false;
	p->ip = f + ETH_HLEN;
	p->proto = p->ip[9];
	p->src = get32(p->ip + 12);
	p->dst = get32(p->ip + 16);
	p->l4 = p->ip + (p->ip[0] & 15) * 4;
	if (get16(p->ip + 2) > n - ETH_HLEN ||
	    (size_t)(p->l4 - p->ip) > get16(p->ip + 2))
		return false;
	p->l4len = get16(p->ip + 2) - (size_t)(p->l4 - p->ip);
	return true;
}

/* The harness ---------------------------------------------------------- */

#define FX_FRAMES 512

struct fx_frame {
	uint8_t hdr[NET_HDR_LEN];
	uint8_t *data; /* the frame after the header */
	size_t len;
};

struct fx {
	struct evloop *loop;
	struct net_backend *nb;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct fx_frame frames[FX_FRAMES];
	unsigned int nframes, next; /* received, first not yet examined */
	unsigned int rx_calls;	    /* rx_ready callbacks seen */
	int recv_errors;	    /* recv results other than -EAGAIN */
};

/* The device's rx_ready: drain into split buffers, like a guest's. */
static void fx_rx_ready(void *ctx)
{
	struct fx *fx = ctx;
	static uint8_t buf[NET_FRAME_MAX];

	fx->rx_calls++;
	for (;;) {
		/* 11 bytes, then the rest: num_buffers straddles them. */
		struct iovec iov[2] = { { buf, 11 },
					{ buf + 11, sizeof(buf) - 11 } };
		ssize_t r;

		/* What the backend leaves unwritten shows as 0xa5. */
		memset(buf, 0xa5, 64);
		r = fx->nb->ops->recv(fx->nb, iov, 2);

		if (r == -EAGAIN)
			break;
		pthread_mutex_lock(&fx->mu);
		if (r < NET_HDR_LEN || fx->nframes == FX_FRAMES) {
			fx->recv_errors++;
		} else {
			struct fx_frame *fr = &fx->frames[fx->nframes];

			memcpy(fr->hdr, buf, NET_HDR_LEN);
			fr->len = (size_t)r - NET_HDR_LEN;
			fr->data = malloc(fr->len);
			memcpy(fr->data, buf + NET_HDR_LEN, fr->len);
			fx->nframes++;
		}
		pthread_cond_broadcast(&fx->cv);
		pthread_mutex_unlock(&fx->mu);
	}
}

static inline void fx_init(struct fx *fx)
{
	memset(fx, 0, sizeof(*fx));
	pthread_mutex_init(&fx->mu, NULL);
	pthread_cond_init(&fx->cv, NULL);
}

/* Callbacks set, the loop started, receive on. */
static void fx_call_rx_on(void *ctx)
{
	struct fx *fx = ctx;

	fx->nb->ops->rx_enable(fx->nb, true);
	fx_rx_ready(fx); /* what waited while receive was off */
}

static inline int fx_start(struct fx *fx)
{
	struct net_backend_cb cb = { .rx_ready = fx_rx_ready, .ctx = fx };
	int r;

	net_backend_set_cb(fx->nb, &cb);
	r = evloop_start(fx->loop);
	if (!r)
		r = evloop_call(fx->loop, fx_call_rx_on, fx);
	return r;
}

static inline void fx_fini(struct fx *fx)
{
	evloop_stop(fx->loop);
	net_backend_close(fx->nb);
	evloop_destroy(fx->loop);
	for (unsigned int i = 0; i < fx->nframes; i++)
		free(fx->frames[i].data);
	pthread_mutex_destroy(&fx->mu);
	pthread_cond_destroy(&fx->cv);
}

struct fx_send {
	struct fx *fx;
	const uint8_t *hdr, *frame;
	size_t len;
	int result;
};

static void fx_call_send(void *ctx)
{
	struct fx_send *s = ctx;
	/* The header in a piece of its own, the frame split after 20 bytes. */
	size_t cut = s->len < 20 ? s->len : 20;
	struct iovec iov[3] = {
		{ (void *)s->hdr, NET_HDR_LEN },
		{ (void *)s->frame, cut },
		{ (void *)(s->frame + cut), s->len - cut },
	};

	s->result = s->fx->nb->ops->send(s->fx->nb, iov, 3);
}

/* Send a frame with hdr (NULL: a zeroed header), on the loop's thread. */
static inline int fx_send_hdr(struct fx *fx, const uint8_t *hdr,
			      const uint8_t *frame, size_t len)
{
	static const uint8_t zero[NET_HDR_LEN];
	struct fx_send s = { fx, hdr ? hdr : zero, frame, len, -1 };

	if (evloop_call(fx->loop, fx_call_send, &s))
		return -ESHUTDOWN;
	return s.result;
}

static inline int fx_send(struct fx *fx, const uint8_t *frame, size_t len)
{
	return fx_send_hdr(fx, NULL, frame, len);
}

typedef bool (*fx_match_fn)(const struct fx_frame *fr, void *arg);

/*
 * Wait up to ms for a frame that match accepts, looking only at frames
 * not examined before; returns it (owned by fx) or NULL.
 */
static inline const struct fx_frame *fx_wait(struct fx *fx, fx_match_fn match,
					     void *arg, int ms)
{
	struct timespec dl;
	const struct fx_frame *found = NULL;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += ms / 1000;
	dl.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&fx->mu);
	while (!found) {
		while (fx->next < fx->nframes && !found) {
			const struct fx_frame *fr = &fx->frames[fx->next++];

			if (match(fr, arg))
				found = fr;
		}
		if (found || pthread_cond_timedwait(&fx->cv, &fx->mu, &dl) != 0)
			break;
	}
	pthread_mutex_unlock(&fx->mu);
	return found;
}

/* An ARP reply to target from sip. */
struct fx_arp_match {
	uint32_t sip, tip;
};

static inline bool fx_is_arp_reply(const struct fx_frame *fr, void *arg)
{
	const struct fx_arp_match *m = arg;
	const uint8_t *a = fr->data + ETH_HLEN;

	return fr->len >= ETH_HLEN + 28 && get16(fr->data + 12) == ETH_ARP &&
	       get16(a + 6) == 2 && get32(a + 14) == m->sip &&
	       get32(a + 24) == m->tip;
}

#endif
