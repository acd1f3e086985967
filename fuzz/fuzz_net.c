/*
 * fuzz_net.c: libFuzzer target for virtio-net (virtio/net.c): the
 * transmit path's chains and headers, the receive path's buffer handling
 * (chains held, frames spread over them, frames waiting for room), and
 * the control queue, with a fake backend whose answers the input picks.
 *
 * The input is struct fuzz_hdr, then the image of guest RAM (zero-padded
 * to RAM_SIZE) holding three rings at fixed places and whatever
 * descriptors and buffers the input wrote.  The device is brought up as
 * a driver would (features from the input), then the ops in the header
 * run one by one: queue notifications, the backend's rx_ready/tx_ready,
 * frames of chosen sizes for the guest, the backend refusing or failing
 * sends, the driver publishing more entries, a reset.  After each op the
 * device's receive bookkeeping is checked; ASan catches any access outside
 * guest RAM and the fake's buffers.  fuzz/seeds_net.py writes the seeds.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "virtio/net.h"

#define RAM_GPA	 0x10000ULL
#define RAM_SIZE 0x20000ULL
/* Each queue's three areas, from RAM_GPA (sizes up to 128). */
#define Q_AREA(q)  (0x2000ULL * (q))
#define Q_DESC(q)  (RAM_GPA + Q_AREA(q))
#define Q_AVAIL(q) (RAM_GPA + Q_AREA(q) + 0x800)
#define Q_USED(q)  (RAM_GPA + Q_AREA(q) + 0x1000)

#define NOPS 24

struct fuzz_hdr {
	uint8_t features; /* FUZZ_F_* */
	uint8_t sizes;	  /* rx size 1 << (bits 0-2), tx 1 << (bits 4-6) */
	uint8_t ctrl_size;
	uint8_t ops[NOPS]; /* op in bits 0-2, argument in bits 3-7 */
} __attribute__((packed));

#define FUZZ_F_MRG	 1
#define FUZZ_F_OFFLOADS	 2 /* the backend has a tap's offloads */
#define FUZZ_F_CSUM	 4 /* the driver takes CSUM, TSO4, GUEST_* */
#define FUZZ_F_CTRL	 8
#define FUZZ_F_EVENT_IDX 16
#define FUZZ_F_INDIRECT	 32

enum {
	OP_NOTIFY_RX,
	OP_NOTIFY_TX,
	OP_NOTIFY_CTRL,
	OP_RX_READY,
	OP_TX_READY,
	OP_SEND_MODE, /* argument & 3: 0, -EAGAIN, -EINVAL, -EIO */
	OP_FRAME,     /* a frame of sizes[argument] for the guest */
	OP_PUBLISH,   /* argument 31: reset; else queue argument % 3's avail
			 idx moves on by argument / 3 + 1 */
};

static const size_t frame_sizes[32] = {
	0,
	1,
	11,
	12,
	13,
	14,
	59,
	60,
	61,
	100,
	1500,
	1514,
	1518,
	1524,
	1526,
	1536,
	2048,
	3000,
	4000,
	4096,
	8192,
	9000,
	16384,
	32768,
	65000,
	65535,
	NET_FRAME_MAX - NET_HDR_LEN,
	NET_FRAME_MAX - 1,
	NET_FRAME_MAX,
	NET_FRAME_MAX + 1,
	200,
	64,
};

struct fake {
	struct net_backend nb;
	int send_ret;
	size_t frames[NOPS];
	unsigned int head, tail;
	uint8_t scratch[NET_FRAME_MAX];
};

static struct fake fake;

static int fake_send(struct net_backend *nb, const struct iovec *iov,
		     unsigned int niov)
{
	size_t len = iov_len(iov, niov);

	(void)nb;
	/* Read it all, as a backend does (ASan checks every byte). */
	if (len > NET_FRAME_MAX || len < NET_HDR_LEN)
		abort(); /* the device checks lengths before sending */
	iov_read(iov, niov, 0, fake.scratch, len);
	return fake.send_ret;
}

static ssize_t fake_recv(struct net_backend *nb, const struct iovec *iov,
			 unsigned int niov)
{
	size_t cap = iov_len(iov, niov), len;

	(void)nb;
	if (cap < NET_HDR_LEN)
		return -EINVAL;
	if (fake.head == fake.tail)
		return -EAGAIN;
	len = fake.frames[fake.head++];
	if (len < NET_HDR_LEN)
		len = NET_HDR_LEN;
	if (len > NET_FRAME_MAX)
		len = NET_FRAME_MAX;
	if (len > cap)
		return -EMSGSIZE;
	memset(fake.scratch, 0x5a, len);
	memset(fake.scratch, 0, NET_HDR_LEN);
	fake.scratch[10] = 1;
	iov_write(iov, niov, 0, fake.scratch, len);
	return (ssize_t)len;
}

static void fake_rx_enable(struct net_backend *nb, bool on)
{
	(void)nb, (void)on;
}

static int fake_set_offloads(struct net_backend *nb, uint32_t tx, uint32_t rx)
{
	if (net_offloads_check(nb, tx, rx))
		return -EINVAL;
	nb->tx_on = tx;
	nb->rx_on = rx;
	return 0;
}

static void fake_destroy(struct net_backend *nb)
{
	(void)nb;
}

static const struct net_backend_ops fake_ops = {
	.send = fake_send,
	.recv = fake_recv,
	.rx_enable = fake_rx_enable,
	.set_offloads = fake_set_offloads,
	.destroy = fake_destroy,
};

static int fake_open(struct net_backend **out, struct evloop *loop, void *ctx,
		     char *err, size_t errlen)
{
	uint32_t o = *(const uint32_t *)ctx;

	(void)err, (void)errlen;
	memset(&fake.nb, 0, sizeof(fake.nb));
	fake.nb.ops = &fake_ops;
	fake.nb.kind = "fuzz";
	fake.nb.loop = loop;
	fake.nb.tx_offloads = fake.nb.rx_offloads = o;
	*out = &fake.nb;
	return 0;
}

/* The device's receive bookkeeping agrees with itself. */
static void check(const struct virtio_net *n)
{
	size_t bytes = 0;
	unsigned int iovs = 0;

	if (n->rx_nheld > VIRTIO_NET_RX_IOV || n->rx_niov > VIRTIO_NET_RX_IOV ||
	    n->stash_len > NET_FRAME_MAX)
		abort();
	for (unsigned int i = 0; i < n->rx_nheld; i++) {
		if (n->rx_held[i].len < NET_HDR_LEN || !n->rx_held[i].niov)
			abort();
		bytes += n->rx_held[i].len;
		iovs += n->rx_held[i].niov;
	}
	if (bytes != n->rx_bytes || iovs != n->rx_niov)
		abort();
	if (!n->mrg && n->rx_nheld > 1)
		abort();
}

static void publish(uint8_t *ram, unsigned int q, unsigned int by)
{
	uint8_t *idx = ram + Q_AREA(q) + 0x800 + 2;
	uint16_t v = (uint16_t)(idx[0] | idx[1] << 8);

	v = (uint16_t)(v + by);
	idx[0] = (uint8_t)v;
	idx[1] = (uint8_t)(v >> 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_hdr h;
	struct guest_mem gm = { 0 };
	struct virtio_net *n;
	struct virtio_dev *d;
	uint8_t *ram;
	uint32_t offloads;
	uint64_t f;
	char err[256];
	uint16_t qsize[3];

	log_set_level(getenv("FUZZ_NET_LOG") ? LOG_DEBUG : LOG_ERROR);
	if (size < sizeof(h))
		return 0;
	memcpy(&h, data, sizeof(h));
	data += sizeof(h);
	size -= sizeof(h);
	ram = calloc(1, RAM_SIZE);
	if (!ram)
		abort();
	memcpy(ram, data, size < RAM_SIZE ? size : RAM_SIZE);
	if (mem_add_region(&gm, RAM_GPA, RAM_SIZE, ram))
		abort();
	memset(&fake, 0, sizeof(fake));
	offloads = (h.features & FUZZ_F_OFFLOADS) ? NET_OFFLOAD_ALL : 0;
	if (virtio_net_create_with(&n, &gm, NULL, fake_open, &offloads, err,
				   sizeof(err)))
		abort();
	d = &n->vdev;

	/* The driver's bring-up. */
	f = 1ULL << VIRTIO_F_VERSION_1;
	if (h.features & FUZZ_F_MRG)
		f |= 1ULL << 15; /* MRG_RXBUF */
	if (h.features & FUZZ_F_CSUM)
		f |= (1ULL << 0 | 1ULL << 1 | 1ULL << 7 | 1ULL << 11 |
		      1ULL << 9 | 1ULL << 13);
	if (h.features & FUZZ_F_CTRL)
		f |= 1ULL << 17 | 1ULL << 2;
	if (h.features & FUZZ_F_EVENT_IDX)
		f |= 1ULL << VIRTIO_F_RING_EVENT_IDX;
	if (h.features & FUZZ_F_INDIRECT)
		f |= 1ULL << VIRTIO_F_INDIRECT_DESC;
	f &= d->features;
	qsize[0] = (uint16_t)(1u << (h.sizes & 7));
	qsize[1] = (uint16_t)(1u << ((h.sizes >> 4) & 7));
	qsize[2] = (uint16_t)(1u << (h.ctrl_size & 7));
	pthread_mutex_lock(&d->lock);
	virtio_set_status(d, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	virtio_set_driver_features(d, 0, (uint32_t)f);
	virtio_set_driver_features(d, 1, (uint32_t)(f >> 32));
	virtio_set_status(d, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				     VIRTIO_STATUS_FEATURES_OK);
	for (unsigned int q = 0; q < 3; q++) {
		virtio_queue_set_size(d, q, qsize[q]);
		virtio_queue_set_addr(d, q, Q_DESC(q), Q_AVAIL(q), Q_USED(q));
		virtio_queue_enable(d, q);
	}
	virtio_set_status(d, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				     VIRTIO_STATUS_FEATURES_OK |
				     VIRTIO_STATUS_DRIVER_OK);
	pthread_mutex_unlock(&d->lock);
	check(n);

	for (unsigned int i = 0; i < NOPS; i++) {
		unsigned int op = h.ops[i] & 7, arg = h.ops[i] >> 3;
		static const int modes[4] = { 0, -EAGAIN, -EINVAL, -EIO };

		switch (op) {
		case OP_NOTIFY_RX:
		case OP_NOTIFY_TX:
		case OP_NOTIFY_CTRL:
			if (d->active)
				d->ops->notify(d, op);
			break;
		case OP_RX_READY:
			fake.nb.cb.rx_ready(fake.nb.cb.ctx);
			break;
		case OP_TX_READY:
			fake.nb.cb.tx_ready(fake.nb.cb.ctx);
			break;
		case OP_SEND_MODE:
			fake.send_ret = modes[arg & 3];
			break;
		case OP_FRAME:
			if (fake.tail < NOPS)
				fake.frames[fake.tail++] = frame_sizes[arg];
			break;
		case OP_PUBLISH:
			if (arg == 31) {
				pthread_mutex_lock(&d->lock);
				virtio_set_status(d, 0);
				pthread_mutex_unlock(&d->lock);
			} else {
				publish(ram, arg % 3, arg / 3 + 1);
			}
			break;
		}
		check(n);
	}
	virtio_dev_destroy(d);
	free(ram);
	return 0;
}
