/*
 * test_virtio_net.c: virtio-net (virtio/net.c) on the virtio core with a
 * fake transport and a fake backend, over calloc'd guest RAM: transmit
 * (split chains, malformed chains dropped and returned, header checks,
 * -EAGAIN keeping the chain until tx_ready), receive (one chain, several
 * with MRG_RXBUF and num_buffers, a frame waiting for buffers, frames too
 * big, unusable chains, receive turned off without buffers and on again
 * at the notify), the control queue's GUEST_OFFLOADS_SET, the offloads
 * activation asks for, reset, and a broken ring.  No KVM needed.
 */
#include <errno.h>
#include <linux/virtio_net.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ring_fixture.h"
#include "virtio/net.h"

#define BIT(n) (1ULL << (n))

/* Three queues in one RAM: rx and tx of 256, ctrl of 16. */
#define RX_DATA	  RING_DATA
#define TX_DATA	  (RING_RAM_GPA + 0x200000)
#define CTRL_DATA (RING_RAM_GPA + 0x3c0000)
#define CTRL_DESC (RING_RAM_GPA + 0xf000)
#define CTRL_AV	  (RING_RAM_GPA + 0xf400)
#define CTRL_USED (RING_RAM_GPA + 0xf800)

/* The fake backend ------------------------------------------------------ */

#define FAKE_QLEN 64

struct fake {
	struct net_backend nb;
	int send_ret; /* what send() says */
	unsigned int sends, sent;
	uint8_t last[NET_FRAME_MAX];
	size_t last_len;
	uint8_t *q[FAKE_QLEN]; /* frames for the guest, header included */
	size_t qlen[FAKE_QLEN];
	unsigned int qhead, qtail;
	unsigned int recvs, too_big;
	bool rx_on;
	unsigned int rx_switches;
	unsigned int set_offloads;
	bool destroyed;
};

static int fake_send(struct net_backend *nb, const struct iovec *iov,
		     unsigned int niov)
{
	struct fake *f = (struct fake *)nb;
	size_t len = iov_len(iov, niov);

	f->sends++;
	if (f->send_ret)
		return f->send_ret;
	assert_true(len <= NET_FRAME_MAX);
	f->last_len = iov_read(iov, niov, 0, f->last, len);
	f->sent++;
	return 0;
}

static ssize_t fake_recv(struct net_backend *nb, const struct iovec *iov,
			 unsigned int niov)
{
	struct fake *f = (struct fake *)nb;
	size_t cap = iov_len(iov, niov), len;
	uint8_t *fr;

	f->recvs++;
	if (cap < NET_HDR_LEN)
		return -EINVAL;
	if (f->qhead == f->qtail)
		return -EAGAIN;
	fr = f->q[f->qhead % FAKE_QLEN];
	len = f->qlen[f->qhead % FAKE_QLEN];
	f->qhead++;
	if (len > cap) {
		free(fr);
		f->too_big++;
		return -EMSGSIZE;
	}
	iov_write(iov, niov, 0, fr, len);
	free(fr);
	return (ssize_t)len;
}

static void fake_rx_enable(struct net_backend *nb, bool on)
{
	struct fake *f = (struct fake *)nb;

	if (f->rx_on != on)
		f->rx_switches++;
	f->rx_on = on;
}

static int fake_set_offloads(struct net_backend *nb, uint32_t tx, uint32_t rx)
{
	struct fake *f = (struct fake *)nb;

	f->set_offloads++;
	if (net_offloads_check(nb, tx, rx))
		return -EINVAL;
	nb->tx_on = tx;
	nb->rx_on = rx;
	return 0;
}

static void fake_destroy(struct net_backend *nb)
{
	struct fake *f = (struct fake *)nb;

	while (f->qhead != f->qtail)
		free(f->q[f->qhead++ % FAKE_QLEN]);
	f->destroyed = true;
}

static const struct net_backend_ops fake_ops = {
	.send = fake_send,
	.recv = fake_recv,
	.rx_enable = fake_rx_enable,
	.set_offloads = fake_set_offloads,
	.destroy = fake_destroy,
};

/* A frame for the guest: header (num_buffers 1), then len bytes of
 * pattern seed. */
static void fake_queue(struct fake *f, size_t len, uint8_t seed)
{
	uint8_t *fr = calloc(1, NET_HDR_LEN + len);

	assert_non_null(fr);
	assert_true(f->qtail - f->qhead < FAKE_QLEN);
	fr[10] = 1;
	for (size_t i = 0; i < len; i++)
		fr[NET_HDR_LEN + i] = (uint8_t)(seed + i * 7);
	f->q[f->qtail % FAKE_QLEN] = fr;
	f->qlen[f->qtail % FAKE_QLEN] = NET_HDR_LEN + len;
	f->qtail++;
}

/* The fixture ----------------------------------------------------------- */

struct fx {
	struct ring rx, tx, ctrl; /* rx owns the RAM */
	struct fake fake;
	struct virtio_net *n;
};

static int fake_open(struct net_backend **out, struct evloop *loop, void *ctx,
		     char *err, size_t errlen)
{
	struct fx *fx = ctx;

	(void)err, (void)errlen;
	fx->fake.nb.ops = &fake_ops;
	fx->fake.nb.kind = "fake";
	fx->fake.nb.loop = loop;
	*out = &fx->fake.nb;
	return 0;
}

static void ring_clone(struct ring *dst, const struct ring *src, uint16_t size,
		       uint64_t desc, uint64_t av, uint64_t used, uint64_t data)
{
	*dst = *src;
	dst->size = size;
	dst->desc = desc;
	dst->av = av;
	dst->used = used;
	dst->data = data;
	dst->avail = dst->next = 0;
}

static const uint8_t test_mac[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };

/* A device whose backend offers offloads (tx, rx). */
static struct fx *fx_new(uint32_t tx, uint32_t rx, uint16_t rx_size)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	char err[256] = "";

	assert_non_null(fx);
	ring_init(&fx->rx, rx_size);
	ring_clone(&fx->tx, &fx->rx, 256, RING_DESC2, RING_AVAIL2, RING_USED2,
		   TX_DATA);
	ring_clone(&fx->ctrl, &fx->rx, 16, CTRL_DESC, CTRL_AV, CTRL_USED,
		   CTRL_DATA);
	fx->fake.nb.tx_offloads = tx;
	fx->fake.nb.rx_offloads = rx;
	assert_int_equal(virtio_net_create_with(&fx->n, &fx->rx.gm, test_mac,
						fake_open, fx, err,
						sizeof(err)),
			 0);
	ring_fake_transport(&fx->n->vdev);
	return fx;
}

/*
 * The driver's bring-up with features, as a transport makes the calls:
 * rx and tx, and ctrl when CTRL_VQ is taken.
 */
static void driver_ok(struct fx *fx, uint64_t features)
{
	const struct ring r[3] = { fx->rx, fx->tx, fx->ctrl };

	ring_driver_ok(&fx->n->vdev, features | BIT(VIRTIO_F_VERSION_1), r,
		       features & BIT(VIRTIO_NET_F_CTRL_VQ) ? 3 : 2);
}

static void fx_free(struct fx *fx)
{
	virtio_dev_destroy(&fx->n->vdev); /* frees fx->n */
	assert_true(fx->fake.destroyed);
	ring_free(&fx->rx);
	free(fx);
}

static uint8_t status(struct fx *fx)
{
	return virtio_get_status(&fx->n->vdev);
}

static void kick(struct fx *fx, unsigned int q)
{
	fx->n->vdev.ops->notify(&fx->n->vdev, q);
}

static void rx_ready(struct fx *fx)
{
	fx->fake.nb.cb.rx_ready(fx->fake.nb.cb.ctx);
}

static void tx_ready(struct fx *fx)
{
	fx->fake.nb.cb.tx_ready(fx->fake.nb.cb.ctx);
}

/* A receive chain of one writable buffer of len bytes; its address. */
static uint64_t post_rx(struct fx *fx, uint32_t len)
{
	uint64_t a = ring_buf(&fx->rx, len, 0xee);
	bool w = true;

	ring_chain(&fx->rx, 1, &a, &len, &w);
	return a;
}

/* A header into p. */
static void put_hdr(uint8_t *p, uint8_t flags, uint8_t gso, uint16_t gso_size,
		    uint16_t csum_start, uint16_t csum_offset)
{
	memset(p, 0, NET_HDR_LEN);
	p[0] = flags;
	p[1] = gso;
	p[4] = (uint8_t)gso_size;
	p[5] = (uint8_t)(gso_size >> 8);
	p[6] = (uint8_t)csum_start;
	p[7] = (uint8_t)(csum_start >> 8);
	p[8] = (uint8_t)csum_offset;
	p[9] = (uint8_t)(csum_offset >> 8);
}

/* A transmit chain: the header in one buffer, len frame bytes in another. */
static uint16_t post_tx(struct fx *fx, const uint8_t *hdr, uint32_t len,
			uint8_t fill)
{
	uint64_t a[2] = { ring_buf(&fx->tx, NET_HDR_LEN, 0),
			  ring_buf(&fx->tx, len, fill) };
	uint32_t l[2] = { NET_HDR_LEN, len };
	bool w[2] = { false, false };

	memcpy(ring_at(&fx->tx, a[0]), hdr, NET_HDR_LEN);
	return ring_chain(&fx->tx, 2, a, l, w);
}

static void used(struct ring *r, uint16_t i, uint32_t want_id,
		 uint32_t want_len)
{
	uint32_t id, len;

	ring_used_elem(r, i, &id, &len);
	assert_int_equal(id, want_id);
	assert_int_equal(len, want_len);
}

static bool pattern_ok(const uint8_t *p, size_t len, uint8_t seed, size_t from)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != (uint8_t)(seed + (from + i) * 7))
			return false;
	return true;
}

#define ALL_OFFLOADS NET_OFFLOAD_ALL
#define TAP_LIKE     fx_new(ALL_OFFLOADS, ALL_OFFLOADS, 256)
#define USER_LIKE    fx_new(0, 0, 256)

/* Identity and configuration ---------------------------------------------- */

static void test_identity_and_config(void **state)
{
	struct fx *fx = USER_LIKE;
	struct virtio_dev *d = &fx->n->vdev;
	uint8_t cfg[VIRTIO_NET_CONFIG_LEN];
	uint64_t f;

	(void)state;
	assert_int_equal(d->ops->device_id, VIRTIO_ID_NET);
	assert_int_equal(d->ops->num_queues, 3);
	f = virtio_get_features(d, 0) | (uint64_t)virtio_get_features(d, 1)
						<< 32;
	/* User mode: no offloads, and so no control queue. */
	assert_int_equal(f, BIT(VIRTIO_NET_F_MAC) | BIT(VIRTIO_NET_F_STATUS) |
				    BIT(VIRTIO_NET_F_MRG_RXBUF) |
				    VIRTIO_TRANSPORT_FEATURES);
	pthread_mutex_lock(&d->lock);
	virtio_config_read(d, 0, cfg, sizeof(cfg));
	pthread_mutex_unlock(&d->lock);
	assert_memory_equal(cfg, test_mac, 6);
	assert_int_equal(cfg[6] | cfg[7] << 8, VIRTIO_NET_S_LINK_UP);
	assert_int_equal(cfg[8] | cfg[9] << 8, 1);
	fx_free(fx);

	/* A tap's offloads, each with its dependencies. */
	fx = TAP_LIKE;
	d = &fx->n->vdev;
	f = virtio_get_features(d, 0) | (uint64_t)virtio_get_features(d, 1)
						<< 32;
	assert_true(f & BIT(VIRTIO_NET_F_CSUM));
	assert_true(f & BIT(VIRTIO_NET_F_HOST_TSO4));
	assert_true(f & BIT(VIRTIO_NET_F_GUEST_TSO6));
	assert_true(f & BIT(VIRTIO_NET_F_CTRL_VQ));
	assert_true(f & BIT(VIRTIO_NET_F_CTRL_GUEST_OFFLOADS));
	assert_false(f & BIT(VIRTIO_NET_F_MQ));
	assert_false(f & BIT(VIRTIO_NET_F_CTRL_RX));
	fx_free(fx);
}

static void test_random_mac(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	char err[256];
	struct virtio_net *n;

	(void)state;
	ring_init(&fx->rx, 16);
	assert_int_equal(virtio_net_create_with(&n, &fx->rx.gm, NULL, fake_open,
						fx, err, sizeof(err)),
			 0);
	assert_int_equal(n->mac[0] & 3, 2); /* local, unicast */
	virtio_dev_destroy(&n->vdev);
	ring_free(&fx->rx);
	free(fx);
}

static int failing_open(struct net_backend **out, struct evloop *loop,
			void *ctx, char *err, size_t errlen)
{
	(void)out, (void)loop, (void)ctx;
	snprintf(err, errlen, "--net tap=x: no such thing");
	return -ENOENT;
}

static void test_backend_fails(void **state)
{
	struct ring r;
	struct virtio_net *n = NULL;
	char err[256] = "";

	(void)state;
	ring_init(&r, 16);
	assert_int_equal(virtio_net_create_with(&n, &r.gm, NULL, failing_open,
						NULL, err, sizeof(err)),
			 -ENOENT);
	assert_null(n);
	assert_string_equal(err, "--net tap=x: no such thing");
	ring_free(&r);
}

/* Offloads at activation ------------------------------------------------------ */

static void test_activate_sets_offloads(void **state)
{
	struct fx *fx = TAP_LIKE;

	(void)state;
	driver_ok(fx, BIT(VIRTIO_NET_F_CSUM) | BIT(VIRTIO_NET_F_HOST_TSO4) |
			      BIT(VIRTIO_NET_F_GUEST_CSUM) |
			      BIT(VIRTIO_NET_F_MRG_RXBUF));
	assert_int_equal(status(fx) & VIRTIO_STATUS_NEEDS_RESET, 0);
	assert_int_equal(fx->fake.nb.tx_on,
			 NET_OFFLOAD_CSUM | NET_OFFLOAD_TSO4);
	assert_int_equal(fx->fake.nb.rx_on, NET_OFFLOAD_CSUM);
	assert_true(fx->n->mrg);
	/* A reset sets them back to none. */
	pthread_mutex_lock(&fx->n->vdev.lock);
	virtio_set_status(&fx->n->vdev, 0);
	pthread_mutex_unlock(&fx->n->vdev.lock);
	assert_int_equal(fx->fake.nb.tx_on, 0);
	assert_int_equal(fx->fake.nb.rx_on, 0);
	fx_free(fx);
}

/* Transmit ------------------------------------------------------------------- */

static void test_tx_frame(void **state)
{
	struct fx *fx = USER_LIKE;
	uint8_t hdr[NET_HDR_LEN];
	uint16_t h;

	(void)state;
	driver_ok(fx, BIT(VIRTIO_NET_F_MRG_RXBUF));
	put_hdr(hdr, 0, 0, 0, 0, 0);
	h = post_tx(fx, hdr, 60, 0x42);
	kick(fx, VIRTIO_NET_TXQ);
	assert_int_equal(fx->fake.sent, 1);
	assert_int_equal(fx->fake.last_len, NET_HDR_LEN + 60);
	assert_memory_equal(fx->fake.last, hdr, NET_HDR_LEN);
	for (int i = 0; i < 60; i++)
		assert_int_equal(fx->fake.last[NET_HDR_LEN + i], 0x42);
	assert_int_equal(ring_used_idx(&fx->tx), 1);
	used(&fx->tx, 0, h, 0); /* the device writes nothing */
	assert_int_equal(ring_irqs()->q[VIRTIO_NET_TXQ], 1);
	assert_int_equal(fx->n->stats.tx_frames, 1);
	assert_int_equal(fx->n->stats.tx_bytes, NET_HDR_LEN + 60);
	fx_free(fx);
}

static void test_tx_malformed_dropped(void **state)
{
	struct fx *fx = USER_LIKE;
	uint8_t hdr[NET_HDR_LEN];
	uint64_t a[2];
	uint32_t l[2];
	bool w[2];
	uint16_t h[5];

	(void)state;
	driver_ok(fx, 0);
	put_hdr(hdr, 0, 0, 0, 0, 0);
	/* A writable buffer after the frame. */
	a[0] = ring_buf(&fx->tx, 80, 0);
	a[1] = ring_buf(&fx->tx, 16, 0x77);
	l[0] = 80, l[1] = 16;
	w[0] = false, w[1] = true;
	h[0] = ring_chain(&fx->tx, 2, a, l, w);
	/* A header and 13 bytes: no whole Ethernet header. */
	h[1] = post_tx(fx, hdr, 13, 0);
	/* Only part of a header. */
	a[0] = ring_buf(&fx->tx, 8, 0);
	l[0] = 8, w[0] = false;
	h[2] = ring_chain(&fx->tx, 1, a, l, w);
	/* A partial checksum, which user mode did not offer. */
	put_hdr(hdr, VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 0, 34, 16);
	h[3] = post_tx(fx, hdr, 60, 0);
	/* And a good one after them. */
	put_hdr(hdr, 0, 0, 0, 0, 0);
	h[4] = post_tx(fx, hdr, 60, 0x11);
	kick(fx, VIRTIO_NET_TXQ);
	assert_int_equal(fx->fake.sends, 1);
	assert_int_equal(fx->fake.last_len, NET_HDR_LEN + 60);
	assert_int_equal(ring_used_idx(&fx->tx), 5);
	for (int i = 0; i < 5; i++)
		used(&fx->tx, (uint16_t)i, h[i], 0);
	assert_int_equal(fx->n->stats.tx_dropped, 4);
	assert_int_equal(fx->n->stats.tx_frames, 1);
	assert_int_equal(status(fx) & VIRTIO_STATUS_NEEDS_RESET, 0);
	fx_free(fx);
}

static void test_tx_writable_untouched(void **state)
{
	struct fx *fx = USER_LIKE;
	uint64_t a[2];
	uint32_t l[2] = { 80, 16 };
	bool w[2] = { false, true };

	(void)state;
	driver_ok(fx, 0);
	a[0] = ring_buf(&fx->tx, 80, 0);
	a[1] = ring_buf(&fx->tx, 16, 0x77);
	ring_chain(&fx->tx, 2, a, l, w);
	kick(fx, VIRTIO_NET_TXQ);
	for (int i = 0; i < 16; i++)
		assert_int_equal(ring_at(&fx->tx, a[1])[i], 0x77);
	assert_int_equal(fx->fake.sends, 0);
	fx_free(fx);
}

static void test_tx_offload_headers(void **state)
{
	struct fx *fx = TAP_LIKE;
	uint8_t hdr[NET_HDR_LEN];

	(void)state;
	driver_ok(fx, BIT(VIRTIO_NET_F_CSUM) | BIT(VIRTIO_NET_F_HOST_TSO4));
	/* Allowed: a partial checksum inside the frame, TSO4 with one. */
	put_hdr(hdr, VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 0, 34, 16);
	post_tx(fx, hdr, 60, 1);
	put_hdr(hdr, VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV4,
		1448, 34, 16);
	post_tx(fx, hdr, 3000, 2);
	/* Refused: TSO6 (not negotiated), TSO4 without NEEDS_CSUM or
	 * gso_size, ECN (not negotiated), a checksum past the end,
	 * DATA_VALID (the device's flag). */
	put_hdr(hdr, VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV6,
		1448, 54, 16);
	post_tx(fx, hdr, 3000, 3);
	put_hdr(hdr, 0, VIRTIO_NET_HDR_GSO_TCPV4, 1448, 0, 0);
	post_tx(fx, hdr, 3000, 4);
	put_hdr(hdr, VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV4, 0,
		34, 16);
	post_tx(fx, hdr, 3000, 5);
	put_hdr(hdr, VIRTIO_NET_HDR_F_NEEDS_CSUM,
		VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN, 1448, 34,
		16);
	post_tx(fx, hdr, 3000, 6);
	put_hdr(hdr, VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 0, 50, 9);
	post_tx(fx, hdr, 60, 7);
	put_hdr(hdr, VIRTIO_NET_HDR_F_DATA_VALID, 0, 0, 0, 0);
	post_tx(fx, hdr, 60, 8);
	kick(fx, VIRTIO_NET_TXQ);
	assert_int_equal(ring_used_idx(&fx->tx), 8);
	assert_int_equal(fx->fake.sent, 2);
	assert_int_equal(fx->fake.last_len, NET_HDR_LEN + 3000);
	assert_int_equal(fx->fake.last[NET_HDR_LEN], 2);
	assert_int_equal(fx->n->stats.tx_dropped, 6);
	fx_free(fx);
}

static void test_hdr_check(void **state)
{
	uint8_t h[NET_HDR_LEN];
	const uint32_t all = NET_OFFLOAD_ALL;

	(void)state;
	put_hdr(h, 0, 0, 0, 0, 0);
	assert_int_equal(virtio_net_hdr_check(h, 0, 60), 0);
	put_hdr(h, VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 0, 34, 16);
	assert_int_equal(virtio_net_hdr_check(h, 0, 60), -EINVAL);
	assert_int_equal(virtio_net_hdr_check(h, NET_OFFLOAD_CSUM, 60), 0);
	/* The two checksum bytes end exactly at the frame's end, or past. */
	assert_int_equal(virtio_net_hdr_check(h, all, 52), 0);
	assert_int_equal(virtio_net_hdr_check(h, all, 51), -EINVAL);
	put_hdr(h, VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 0, 0xffff, 0xffff);
	assert_int_equal(virtio_net_hdr_check(h, all, 65535), -EINVAL);
	put_hdr(h, VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_UDP, 1400,
		34, 6);
	assert_int_equal(virtio_net_hdr_check(h, all, 3000), 0);
	assert_int_equal(virtio_net_hdr_check(h, all & ~NET_OFFLOAD_UFO, 3000),
			 -EINVAL);
	put_hdr(h, VIRTIO_NET_HDR_F_NEEDS_CSUM, 0x7f, 1400, 34, 6);
	assert_int_equal(virtio_net_hdr_check(h, all, 3000), -EINVAL);
	put_hdr(h, VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_ECN, 0, 34,
		16);
	assert_int_equal(virtio_net_hdr_check(h, all, 3000), -EINVAL);
	put_hdr(h, VIRTIO_NET_HDR_F_RSC_INFO, 0, 0, 0, 0);
	assert_int_equal(virtio_net_hdr_check(h, all, 3000), -EINVAL);
}

static void test_tx_backpressure(void **state)
{
	struct fx *fx = USER_LIKE;
	uint8_t hdr[NET_HDR_LEN];
	uint16_t h1, h2, flags;

	(void)state;
	driver_ok(fx, 0);
	put_hdr(hdr, 0, 0, 0, 0, 0);
	h1 = post_tx(fx, hdr, 60, 1);
	h2 = post_tx(fx, hdr, 70, 2);
	fx->fake.send_ret = -EAGAIN;
	kick(fx, VIRTIO_NET_TXQ);
	assert_int_equal(fx->fake.sends, 1);
	assert_int_equal(ring_used_idx(&fx->tx), 0);
	assert_int_equal(fx->n->stats.tx_blocked, 1);
	/* The driver is asked not to notify; a notify changes nothing. */
	memcpy(&flags, ring_at(&fx->tx, fx->tx.used), 2);
	assert_int_equal(flags & VIRTQ_USED_F_NO_NOTIFY,
			 VIRTQ_USED_F_NO_NOTIFY);
	kick(fx, VIRTIO_NET_TXQ);
	assert_int_equal(fx->fake.sends, 1);
	/* tx_ready: the kept chain first, then the next, in order. */
	fx->fake.send_ret = 0;
	tx_ready(fx);
	assert_int_equal(fx->fake.sent, 2);
	assert_int_equal(fx->fake.last_len, NET_HDR_LEN + 70);
	assert_int_equal(ring_used_idx(&fx->tx), 2);
	used(&fx->tx, 0, h1, 0);
	used(&fx->tx, 1, h2, 0);
	memcpy(&flags, ring_at(&fx->tx, fx->tx.used), 2);
	assert_int_equal(flags & VIRTQ_USED_F_NO_NOTIFY, 0);
	fx_free(fx);
}

static void test_tx_backend_refuses(void **state)
{
	struct fx *fx = USER_LIKE;
	uint8_t hdr[NET_HDR_LEN];
	uint16_t h;

	(void)state;
	driver_ok(fx, 0);
	put_hdr(hdr, 0, 0, 0, 0, 0);
	h = post_tx(fx, hdr, 60, 1);
	fx->fake.send_ret = -EIO; /* the backend is gone */
	kick(fx, VIRTIO_NET_TXQ);
	assert_int_equal(ring_used_idx(&fx->tx), 1);
	used(&fx->tx, 0, h, 0);
	assert_int_equal(fx->n->stats.tx_dropped, 1);
	fx_free(fx);
}

static void test_tx_broken_ring(void **state)
{
	struct fx *fx = USER_LIKE;
	uint64_t a = ring_buf(&fx->tx, 100, 0);

	(void)state;
	driver_ok(fx, 0);
	/* A descriptor that points to itself. */
	ring_desc(&fx->tx, 0, a, 100, VIRTQ_DESC_F_NEXT, 0);
	ring_publish(&fx->tx, 0);
	kick(fx, VIRTIO_NET_TXQ);
	assert_true(status(fx) & VIRTIO_STATUS_NEEDS_RESET);
	assert_int_equal(ring_irqs()->config, 1);
	assert_int_equal(fx->fake.sends, 0);
	assert_int_equal(ring_used_idx(&fx->tx), 0);
	fx_free(fx);
}

/* Receive -------------------------------------------------------------------- */

static uint16_t num_buffers(struct fx *fx, uint64_t buf)
{
	const uint8_t *p = ring_at(&fx->rx, buf);

	return (uint16_t)(p[10] | p[11] << 8);
}

static void test_rx_frame(void **state)
{
	struct fx *fx = USER_LIKE;
	uint64_t b[50];

	(void)state;
	driver_ok(fx, BIT(VIRTIO_NET_F_MRG_RXBUF));
	for (int i = 0; i < 50; i++)
		b[i] = post_rx(fx, 1536);
	kick(fx, VIRTIO_NET_RXQ);
	/* Buffers in hand: receive is on, notifications off. */
	assert_true(fx->fake.rx_on);
	assert_int_equal(ring_used_idx(&fx->rx), 0);
	fake_queue(&fx->fake, 88, 3);
	rx_ready(fx);
	assert_int_equal(ring_used_idx(&fx->rx), 1);
	used(&fx->rx, 0, 0, NET_HDR_LEN + 88);
	assert_int_equal(num_buffers(fx, b[0]), 1);
	assert_true(pattern_ok(ring_at(&fx->rx, b[0] + NET_HDR_LEN), 88, 3, 0));
	assert_int_equal(ring_irqs()->q[VIRTIO_NET_RXQ], 1);
	assert_int_equal(fx->n->stats.rx_frames, 1);
	/* The rest of the backend's frames, in order, each its chain. */
	fake_queue(&fx->fake, 60, 4);
	fake_queue(&fx->fake, 1500, 5);
	rx_ready(fx);
	assert_int_equal(ring_used_idx(&fx->rx), 3);
	used(&fx->rx, 1, 1, NET_HDR_LEN + 60);
	used(&fx->rx, 2, 2, NET_HDR_LEN + 1500);
	assert_true(
		pattern_ok(ring_at(&fx->rx, b[2] + NET_HDR_LEN), 1500, 5, 0));
	assert_int_equal(ring_irqs()->q[VIRTIO_NET_RXQ], 2);
	fx_free(fx);
}

static void test_rx_mergeable(void **state)
{
	struct fx *fx = USER_LIKE;
	uint64_t b[50];
	const size_t len = 5000;
	size_t at = 0;

	(void)state;
	driver_ok(fx, BIT(VIRTIO_NET_F_MRG_RXBUF));
	for (int i = 0; i < 50; i++)
		b[i] = post_rx(fx, 1536);
	fake_queue(&fx->fake, len, 9);
	kick(fx, VIRTIO_NET_RXQ);
	/* 5012 bytes: three full chains and 404 bytes of a fourth. */
	assert_int_equal(ring_used_idx(&fx->rx), 4);
	for (int i = 0; i < 3; i++)
		used(&fx->rx, (uint16_t)i, (uint32_t)i, 1536);
	used(&fx->rx, 3, 3, NET_HDR_LEN + len - 3 * 1536);
	assert_int_equal(num_buffers(fx, b[0]), 4);
	assert_true(pattern_ok(ring_at(&fx->rx, b[0] + NET_HDR_LEN),
			       1536 - NET_HDR_LEN, 9, 0));
	at = 1536 - NET_HDR_LEN;
	for (int i = 1; i < 4; i++) {
		size_t n = i < 3 ? 1536 : len - at;
		assert_true(pattern_ok(ring_at(&fx->rx, b[i]), n, 9, at));
		at += n;
	}
	assert_int_equal(at, len);
	assert_int_equal(fx->n->stats.rx_merged, 1);
	/* The next frame starts in the fifth chain. */
	fake_queue(&fx->fake, 100, 1);
	rx_ready(fx);
	used(&fx->rx, 4, 4, NET_HDR_LEN + 100);
	assert_int_equal(num_buffers(fx, b[4]), 1);
	fx_free(fx);
}

static void test_rx_largest_frame(void **state)
{
	struct fx *fx = TAP_LIKE;
	uint64_t b[60];
	const size_t len = NET_FRAME_MAX - NET_HDR_LEN;
	size_t total = 0;

	(void)state;
	driver_ok(fx, BIT(VIRTIO_NET_F_MRG_RXBUF) |
			      BIT(VIRTIO_NET_F_GUEST_CSUM) |
			      BIT(VIRTIO_NET_F_GUEST_TSO4));
	for (int i = 0; i < 60; i++)
		b[i] = post_rx(fx, 1536);
	fake_queue(&fx->fake, len, 5);
	kick(fx, VIRTIO_NET_RXQ);
	assert_int_equal(num_buffers(fx, b[0]), 43); /* 65565 / 1536 */
	assert_int_equal(ring_used_idx(&fx->rx), 43);
	for (uint16_t i = 0; i < 43; i++) {
		uint32_t id, l;
		ring_used_elem(&fx->rx, i, &id, &l);
		assert_int_equal(id, i);
		total += l;
	}
	assert_int_equal(total, NET_FRAME_MAX);
	assert_int_equal(fx->fake.too_big, 0);
	fx_free(fx);
}

static void test_rx_one_chain_without_mrg(void **state)
{
	struct fx *fx = USER_LIKE;
	uint64_t b[2];

	(void)state;
	driver_ok(fx, 0);
	b[0] = post_rx(fx, 1526);
	b[1] = post_rx(fx, 1526);
	fake_queue(&fx->fake, 3000, 1); /* too big for one chain */
	fake_queue(&fx->fake, 100, 2);
	kick(fx, VIRTIO_NET_RXQ);
	/* The big one is dropped; the small one takes the first chain. */
	assert_int_equal(fx->fake.too_big, 1);
	assert_int_equal(fx->n->stats.rx_dropped, 1);
	assert_int_equal(ring_used_idx(&fx->rx), 1);
	used(&fx->rx, 0, 0, NET_HDR_LEN + 100);
	assert_int_equal(num_buffers(fx, b[0]), 1);
	assert_true(
		pattern_ok(ring_at(&fx->rx, b[0] + NET_HDR_LEN), 100, 2, 0));
	fx_free(fx);
}

static void test_rx_no_buffers(void **state)
{
	struct fx *fx = USER_LIKE;
	uint16_t flags;
	uint64_t b;

	(void)state;
	driver_ok(fx, BIT(VIRTIO_NET_F_MRG_RXBUF));
	kick(fx, VIRTIO_NET_RXQ);
	/* No buffers: receive stays off, notifications on. */
	assert_false(fx->fake.rx_on);
	fake_queue(&fx->fake, 100, 1);
	rx_ready(fx); /* a stray one changes nothing */
	assert_false(fx->fake.rx_on);
	assert_int_equal(fx->fake.qhead, 0);
	memcpy(&flags, ring_at(&fx->rx, fx->rx.used), 2);
	assert_int_equal(flags & VIRTQ_USED_F_NO_NOTIFY, 0);
	/* The driver adds a buffer and notifies: the frame comes. */
	b = post_rx(fx, 1536);
	kick(fx, VIRTIO_NET_RXQ);
	assert_int_equal(ring_used_idx(&fx->rx), 1);
	assert_true(pattern_ok(ring_at(&fx->rx, b + NET_HDR_LEN), 100, 1, 0));
	/* On for the frame, and off again once the buffer was used. */
	assert_int_equal(fx->fake.rx_switches, 2);
	assert_false(fx->fake.rx_on);
	fake_queue(&fx->fake, 100, 2);
	rx_ready(fx);
	assert_false(fx->fake.rx_on);
	assert_int_equal(fx->fake.qtail - fx->fake.qhead, 1);
	fx_free(fx);
}

static void test_rx_backend_empty(void **state)
{
	struct fx *fx = USER_LIKE;
	uint16_t flags;

	(void)state;
	driver_ok(fx, BIT(VIRTIO_NET_F_MRG_RXBUF));
	for (int i = 0; i < 60; i++)
		post_rx(fx, 1536);
	kick(fx, VIRTIO_NET_RXQ);
	rx_ready(fx);
	/* Nothing to receive: the buffers stay held, receive on, and the
	 * driver need not notify. */
	assert_int_equal(ring_used_idx(&fx->rx), 0);
	assert_true(fx->fake.rx_on);
	assert_int_equal(ring_irqs()->q[VIRTIO_NET_RXQ], 0);
	memcpy(&flags, ring_at(&fx->rx, fx->rx.used), 2);
	assert_int_equal(flags & VIRTQ_USED_F_NO_NOTIFY,
			 VIRTQ_USED_F_NO_NOTIFY);
	fx_free(fx);
}

static void test_rx_frame_waits_for_buffers(void **state)
{
	struct fx *fx = USER_LIKE;
	uint64_t b[4];

	(void)state;
	driver_ok(fx, BIT(VIRTIO_NET_F_MRG_RXBUF));
	b[0] = post_rx(fx, 1536);
	b[1] = post_rx(fx, 1536);
	kick(fx, VIRTIO_NET_RXQ);
	/* A small frame fits what is there. */
	fake_queue(&fx->fake, 100, 1);
	rx_ready(fx);
	assert_int_equal(ring_used_idx(&fx->rx), 1);
	used(&fx->rx, 0, 0, NET_HDR_LEN + 100);
	assert_true(
		pattern_ok(ring_at(&fx->rx, b[0] + NET_HDR_LEN), 100, 1, 0));
	/* 4000 bytes do not fit the one chain left: the frame waits. */
	fake_queue(&fx->fake, 4000, 2);
	rx_ready(fx);
	assert_int_equal(ring_used_idx(&fx->rx), 1);
	assert_false(fx->fake.rx_on);
	assert_int_equal(fx->n->stash_len, NET_HDR_LEN + 4000);
	/* Two more buffers: it goes into three chains. */
	b[2] = post_rx(fx, 1536);
	b[3] = post_rx(fx, 1536);
	kick(fx, VIRTIO_NET_RXQ);
	assert_int_equal(ring_used_idx(&fx->rx), 4);
	used(&fx->rx, 1, 1, 1536);
	used(&fx->rx, 2, 2, 1536);
	used(&fx->rx, 3, 3, NET_HDR_LEN + 4000 - 2 * 1536);
	assert_int_equal(num_buffers(fx, b[1]), 3);
	assert_true(pattern_ok(ring_at(&fx->rx, b[1] + NET_HDR_LEN),
			       1536 - NET_HDR_LEN, 2, 0));
	assert_true(pattern_ok(ring_at(&fx->rx, b[3]),
			       4000 - (2 * 1536 - NET_HDR_LEN), 2,
			       2 * 1536 - NET_HDR_LEN));
	assert_int_equal(fx->n->stats.rx_dropped, 0);
	fx_free(fx);
}

static void test_rx_frame_never_fits(void **state)
{
	struct fx *fx = fx_new(0, 0, 4); /* a ring of four */

	(void)state;
	driver_ok(fx, BIT(VIRTIO_NET_F_MRG_RXBUF));
	for (int i = 0; i < 4; i++)
		post_rx(fx, 100);
	fake_queue(&fx->fake, 1000, 1); /* 1012 > 4 * 100 */
	fake_queue(&fx->fake, 50, 2);
	kick(fx, VIRTIO_NET_RXQ);
	/* The device holds the whole ring: the big frame can never fit. */
	assert_int_equal(fx->n->stats.rx_dropped, 1);
	assert_int_equal(ring_used_idx(&fx->rx), 1);
	used(&fx->rx, 0, 0, NET_HDR_LEN + 50);
	fx_free(fx);
}

static void test_rx_bad_chains(void **state)
{
	struct fx *fx = USER_LIKE;
	uint64_t a[2], good;
	uint32_t l[2] = { 10, 1536 };
	bool w[2] = { false, true };
	uint16_t h0, h1;

	(void)state;
	driver_ok(fx, BIT(VIRTIO_NET_F_MRG_RXBUF));
	/* A readable buffer in a receive chain. */
	a[0] = ring_buf(&fx->rx, 10, 0x55);
	a[1] = ring_buf(&fx->rx, 1536, 0x66);
	h0 = ring_chain(&fx->rx, 2, a, l, w);
	/* Fewer writable bytes than a header. */
	h1 = (uint16_t)fx->rx.next;
	post_rx(fx, 8);
	good = post_rx(fx, 1536);
	fake_queue(&fx->fake, 100, 1);
	kick(fx, VIRTIO_NET_RXQ);
	assert_int_equal(ring_used_idx(&fx->rx), 3);
	used(&fx->rx, 0, h0, 0);
	used(&fx->rx, 1, h1, 0);
	used(&fx->rx, 2, 3, NET_HDR_LEN + 100);
	assert_true(
		pattern_ok(ring_at(&fx->rx, good + NET_HDR_LEN), 100, 1, 0));
	assert_int_equal(ring_at(&fx->rx, a[0])[0], 0x55);
	assert_int_equal(ring_at(&fx->rx, a[1])[0], 0x66);
	assert_int_equal(fx->n->stats.rx_bad_chains, 2);
	assert_int_equal(status(fx) & VIRTIO_STATUS_NEEDS_RESET, 0);
	fx_free(fx);
}

static void test_rx_broken_ring(void **state)
{
	struct fx *fx = USER_LIKE;
	uint16_t idx = 1000; /* far ahead of what the driver published */

	(void)state;
	driver_ok(fx, BIT(VIRTIO_NET_F_MRG_RXBUF));
	memcpy(ring_at(&fx->rx, fx->rx.av + 2), &idx, 2);
	fake_queue(&fx->fake, 100, 1);
	kick(fx, VIRTIO_NET_RXQ);
	assert_true(status(fx) & VIRTIO_STATUS_NEEDS_RESET);
	assert_int_equal(ring_used_idx(&fx->rx), 0);
	rx_ready(fx); /* and nothing more happens */
	assert_int_equal(ring_used_idx(&fx->rx), 0);
	fx_free(fx);
}

static void test_reset_drops_everything(void **state)
{
	struct fx *fx = USER_LIKE;
	struct virtio_dev *d = &fx->n->vdev;
	uint8_t hdr[NET_HDR_LEN];

	(void)state;
	driver_ok(fx, BIT(VIRTIO_NET_F_MRG_RXBUF));
	post_rx(fx, 1536);
	kick(fx, VIRTIO_NET_RXQ);
	fake_queue(&fx->fake, 4000, 1); /* waits in the device */
	rx_ready(fx);
	assert_int_equal(fx->n->stash_len, NET_HDR_LEN + 4000);
	put_hdr(hdr, 0, 0, 0, 0, 0);
	post_tx(fx, hdr, 60, 1);
	fx->fake.send_ret = -EAGAIN;
	kick(fx, VIRTIO_NET_TXQ); /* kept by the device */
	for (int i = 0; i < 5; i++)
		fake_queue(&fx->fake, 100, 1); /* wait in the backend */
	pthread_mutex_lock(&d->lock);
	virtio_set_status(d, 0);
	pthread_mutex_unlock(&d->lock);
	assert_false(fx->fake.rx_on);
	assert_int_equal(fx->fake.qhead, fx->fake.qtail);
	assert_int_equal(fx->n->stash_len, 0);
	assert_int_equal(fx->n->rx_nheld, 0);
	assert_false(fx->n->tx_held);
	/* A late tx_ready or rx_ready does nothing. */
	fx->fake.send_ret = 0;
	tx_ready(fx);
	rx_ready(fx);
	assert_int_equal(fx->fake.sent, 0);
	assert_int_equal(ring_used_idx(&fx->rx), 0);
	assert_int_equal(ring_used_idx(&fx->tx), 0);
	fx_free(fx);
}

/* The control queue ---------------------------------------------------------- */

/* A command: class, cmd and data readable, then an ack byte; the ack. */
static uint8_t ctrl(struct fx *fx, uint8_t cls, uint8_t cmd, const void *data,
		    uint32_t len, bool with_ack, uint32_t *written)
{
	uint64_t a[3];
	uint32_t l[3] = { 2, len, 1 };
	bool w[3] = { false, false, true };
	uint32_t id;
	unsigned int n = 0;
	uint16_t before = ring_used_idx(&fx->ctrl);
	uint64_t ackp;

	a[n] = ring_buf(&fx->ctrl, 2, 0);
	ring_at(&fx->ctrl, a[n])[0] = cls;
	ring_at(&fx->ctrl, a[n])[1] = cmd;
	n++;
	if (len) {
		a[n] = ring_buf(&fx->ctrl, len, 0);
		memcpy(ring_at(&fx->ctrl, a[n]), data, len);
		l[n] = len, w[n] = false;
		n++;
	}
	ackp = ring_buf(&fx->ctrl, 1, 0xaa);
	if (with_ack) {
		a[n] = ackp, l[n] = 1, w[n] = true;
		n++;
	}
	ring_chain(&fx->ctrl, n, a, l, w);
	kick(fx, VIRTIO_NET_CTRLQ);
	assert_int_equal(ring_used_idx(&fx->ctrl), (uint16_t)(before + 1));
	ring_used_elem(&fx->ctrl, before, &id, written);
	return ring_at(&fx->ctrl, ackp)[0];
}

static void test_ctrl_guest_offloads(void **state)
{
	struct fx *fx = TAP_LIKE;
	uint64_t off;
	uint32_t written;

	(void)state;
	driver_ok(fx, BIT(VIRTIO_NET_F_CTRL_VQ) |
			      BIT(VIRTIO_NET_F_CTRL_GUEST_OFFLOADS) |
			      BIT(VIRTIO_NET_F_GUEST_CSUM) |
			      BIT(VIRTIO_NET_F_GUEST_TSO4) |
			      BIT(VIRTIO_NET_F_GUEST_TSO6));
	assert_int_equal(fx->fake.nb.rx_on, NET_OFFLOAD_CSUM |
						    NET_OFFLOAD_TSO4 |
						    NET_OFFLOAD_TSO6);
	/* Checksum only (LRO off). */
	off = BIT(VIRTIO_NET_F_GUEST_CSUM);
	assert_int_equal(ctrl(fx, VIRTIO_NET_CTRL_GUEST_OFFLOADS,
			      VIRTIO_NET_CTRL_GUEST_OFFLOADS_SET, &off, 8, true,
			      &written),
			 VIRTIO_NET_OK);
	assert_int_equal(written, 1);
	assert_int_equal(fx->fake.nb.rx_on, NET_OFFLOAD_CSUM);
	/* None. */
	off = 0;
	assert_int_equal(ctrl(fx, VIRTIO_NET_CTRL_GUEST_OFFLOADS,
			      VIRTIO_NET_CTRL_GUEST_OFFLOADS_SET, &off, 8, true,
			      &written),
			 VIRTIO_NET_OK);
	assert_int_equal(fx->fake.nb.rx_on, 0);
	/* UFO was not negotiated: refused, nothing changes. */
	off = BIT(VIRTIO_NET_F_GUEST_CSUM) | BIT(VIRTIO_NET_F_GUEST_UFO);
	assert_int_equal(ctrl(fx, VIRTIO_NET_CTRL_GUEST_OFFLOADS,
			      VIRTIO_NET_CTRL_GUEST_OFFLOADS_SET, &off, 8, true,
			      &written),
			 VIRTIO_NET_ERR);
	assert_int_equal(fx->fake.nb.rx_on, 0);
	/* Short data, other classes, no ack byte. */
	assert_int_equal(ctrl(fx, VIRTIO_NET_CTRL_GUEST_OFFLOADS,
			      VIRTIO_NET_CTRL_GUEST_OFFLOADS_SET, &off, 4, true,
			      &written),
			 VIRTIO_NET_ERR);
	assert_int_equal(ctrl(fx, VIRTIO_NET_CTRL_RX,
			      VIRTIO_NET_CTRL_RX_PROMISC, "\1", 1, true,
			      &written),
			 VIRTIO_NET_ERR);
	assert_int_equal(
		ctrl(fx, VIRTIO_NET_CTRL_MQ, 0, NULL, 0, true, &written),
		VIRTIO_NET_ERR);
	off = BIT(VIRTIO_NET_F_GUEST_CSUM);
	assert_int_equal(ctrl(fx, VIRTIO_NET_CTRL_GUEST_OFFLOADS,
			      VIRTIO_NET_CTRL_GUEST_OFFLOADS_SET, &off, 8,
			      false, &written),
			 0xaa); /* untouched */
	assert_int_equal(written, 0);
	assert_int_equal(fx->fake.nb.rx_on, 0);
	assert_int_equal(fx->n->stats.ctrl_ok, 2);
	assert_int_equal(fx->n->stats.ctrl_err, 5);
	assert_int_equal(status(fx) & VIRTIO_STATUS_NEEDS_RESET, 0);
	fx_free(fx);
}

/* On the device's thread --------------------------------------------------------- */

static void test_on_its_thread(void **state)
{
	struct fx *fx = USER_LIKE;
	struct virtio_dev *d = &fx->n->vdev;
	uint8_t hdr[NET_HDR_LEN];
	uint64_t one = 1;

	(void)state;
	driver_ok(fx, BIT(VIRTIO_NET_F_MRG_RXBUF));
	assert_int_equal(virtio_dev_start(d), 0);
	put_hdr(hdr, 0, 0, 0, 0, 0);
	post_tx(fx, hdr, 60, 1);
	/* What KVM's ioeventfd does on the guest's notify. */
	assert_int_equal(write(d->q[VIRTIO_NET_TXQ].kick_fd, &one, 8), 8);
	assert_true(wait_used(&fx->tx, 1));
	assert_true(wait_until(&ring_irqs()->q[VIRTIO_NET_TXQ], 1));
	pthread_mutex_lock(&d->lock);
	virtio_set_status(d, 0);
	pthread_mutex_unlock(&d->lock);
	virtio_dev_stop(d);
	assert_int_equal(fx->fake.sent, 1);
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identity_and_config),
		cmocka_unit_test(test_random_mac),
		cmocka_unit_test(test_backend_fails),
		cmocka_unit_test(test_activate_sets_offloads),
		cmocka_unit_test(test_tx_frame),
		cmocka_unit_test(test_tx_malformed_dropped),
		cmocka_unit_test(test_tx_writable_untouched),
		cmocka_unit_test(test_tx_offload_headers),
		cmocka_unit_test(test_hdr_check),
		cmocka_unit_test(test_tx_backpressure),
		cmocka_unit_test(test_tx_backend_refuses),
		cmocka_unit_test(test_tx_broken_ring),
		cmocka_unit_test(test_rx_frame),
		cmocka_unit_test(test_rx_mergeable),
		cmocka_unit_test(test_rx_largest_frame),
		cmocka_unit_test(test_rx_one_chain_without_mrg),
		cmocka_unit_test(test_rx_no_buffers),
		cmocka_unit_test(test_rx_backend_empty),
		cmocka_unit_test(test_rx_frame_waits_for_buffers),
		cmocka_unit_test(test_rx_frame_never_fits),
		cmocka_unit_test(test_rx_bad_chains),
		cmocka_unit_test(test_rx_broken_ring),
		cmocka_unit_test(test_reset_drops_everything),
		cmocka_unit_test(test_ctrl_guest_offloads),
		cmocka_unit_test(test_on_its_thread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
