/*
 * vsock_fixture.h: a guest driver for virtio-vsock (virtio/vsock.c) in a
 * calloc'd guest RAM, for test_virtio_vsock.c: three queues on one RAM
 * (rx, tx, event), the device's thread running, ring_fixture.h's fake
 * transport, and a fresh directory for the Unix sockets.  The test is
 * the guest (it fills rx buffers, sends tx packets and kicks the queues'
 * eventfds) and the host programs (real Unix sockets).
 */
#ifndef HYVE_TESTS_VSOCK_FIXTURE_H
#define HYVE_TESTS_VSOCK_FIXTURE_H

#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ring_fixture.h"
#include "virtio/vsock.h"

#define FX_CID	   3
#define FX_QSIZE   64
#define FX_RX_BUF  (VSOCK_HDR_LEN + 4096)
#define FX_DATA_SZ 0x100000ULL /* each queue's buffers */

struct fx {
	struct ring q[3]; /* the same RAM; q[0] owns it */
	struct virtio_vsock *vs;
	char dir[32], path[48];
	uint16_t seen[3]; /* used entries the test has looked at */
};

static inline void fx_rings(struct fx *fx)
{
	static const uint64_t at[3][3] = {
		{ RING_DESC, RING_AVAIL, RING_USED },
		{ RING_DESC2, RING_AVAIL2, RING_USED2 },
		{ RING_RAM_GPA + 0xf000, RING_RAM_GPA + 0xf400,
		  RING_RAM_GPA + 0xf800 },
	};
	uint8_t *ram = fx->q[0].ram;

	memset(ram, 0, 0x10000); /* the rings: as after a driver reset */
	for (int i = 0; i < 3; i++) {
		struct ring *r = &fx->q[i];
		struct guest_mem gm = fx->q[0].gm;
		memset(r, 0, sizeof(*r));
		r->gm = gm;
		r->ram = ram;
		r->size = FX_QSIZE;
		r->desc = at[i][0];
		r->av = at[i][1];
		r->used = at[i][2];
		r->data = RING_DATA + FX_DATA_SZ * (uint64_t)i;
	}
	memset(fx->seen, 0, sizeof(fx->seen));
}

/* The driver's bring-up (ring_fixture.h): STREAM, the three queues. */
static inline void fx_driver_ok(struct fx *fx)
{
	const uint64_t f =
		1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_VSOCK_F_STREAM;

	ring_driver_ok(&fx->vs->vdev, f, fx->q, 3);
}

static inline void fx_device_reset(struct fx *fx)
{
	struct virtio_dev *d = &fx->vs->vdev;

	pthread_mutex_lock(&d->lock);
	virtio_set_status(d, 0);
	pthread_mutex_unlock(&d->lock);
}

static inline int fx_setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	char err[256] = "";

	if (!fx)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/hyve-vsock.XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(fx->path, sizeof(fx->path), "%s/v.sock", fx->dir);
	ring_init(&fx->q[0], FX_QSIZE);
	fx_rings(fx);
	if (virtio_vsock_create(&fx->vs, &fx->q[0].gm, FX_CID, fx->path, err,
				sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	ring_fake_transport(&fx->vs->vdev);
	if (virtio_dev_start(&fx->vs->vdev))
		return -1;
	fx_driver_ok(fx);
	*state = fx;
	return 0;
}

static inline int fx_teardown(void **state)
{
	struct fx *fx = *state;
	char cmd[128];

	virtio_dev_destroy(&fx->vs->vdev); /* frees fx->vs */
	ring_free(&fx->q[0]);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	assert_int_equal(system(cmd), 0);
	free(fx);
	return 0;
}

static inline void fx_kick(struct fx *fx, unsigned int q)
{
	uint64_t one = 1;

	assert_int_equal(write(fx->vs->vdev.q[q].kick_fd, &one, 8), 8);
}

/* n rx buffers of FX_RX_BUF bytes, one descriptor each; kick. */
static inline void fx_post_rx(struct fx *fx, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		uint64_t a = ring_buf(&fx->q[VSOCK_RXQ], FX_RX_BUF, 0xee);
		uint32_t len = FX_RX_BUF;
		bool w = true;
		ring_chain(&fx->q[VSOCK_RXQ], 1, &a, &len, &w);
	}
	fx_kick(fx, VSOCK_RXQ);
}

static inline void fx_post_event(struct fx *fx)
{
	uint64_t a = ring_buf(&fx->q[VSOCK_EVQ], 4, 0xee);
	uint32_t len = 4;
	bool w = true;

	ring_chain(&fx->q[VSOCK_EVQ], 1, &a, &len, &w);
	fx_kick(fx, VSOCK_EVQ);
}

static inline uint64_t fx_desc_addr(struct ring *r, uint32_t id)
{
	uint64_t a = 0;

	memcpy(&a, ring_at(r, r->desc + 16ULL * id), 8);
	return a;
}

/*
 * The next used entry of queue q within ms: true with the buffer's
 * address and the bytes written.
 */
static inline bool fx_next_used(struct fx *fx, unsigned int q, int ms,
				uint64_t *addr, uint32_t *len)
{
	struct ring *r = &fx->q[q];
	uint32_t id;

	for (int i = 0;; i++) {
		if (ring_used_idx(r) != fx->seen[q]) {
			ring_used_elem(r, fx->seen[q]++, &id, len);
			*addr = fx_desc_addr(r, id);
			return true;
		}
		if (i >= ms)
			return false;
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	}
}

/* A packet for the guest, within 5 s; its payload into data (cap). */
static inline void fx_recv(struct fx *fx, struct virtio_vsock_hdr *h,
			   void *data, size_t cap)
{
	uint64_t a = 0;
	uint32_t len = 0;

	assert_true(fx_next_used(fx, VSOCK_RXQ, 5000, &a, &len));
	assert_true(len >= VSOCK_HDR_LEN);
	memcpy(h, ring_at(&fx->q[VSOCK_RXQ], a), VSOCK_HDR_LEN);
	h->src_cid = le64toh(h->src_cid);
	h->dst_cid = le64toh(h->dst_cid);
	h->src_port = le32toh(h->src_port);
	h->dst_port = le32toh(h->dst_port);
	h->len = le32toh(h->len);
	h->type = le16toh(h->type);
	h->op = le16toh(h->op);
	h->flags = le32toh(h->flags);
	h->buf_alloc = le32toh(h->buf_alloc);
	h->fwd_cnt = le32toh(h->fwd_cnt);
	assert_int_equal(len, VSOCK_HDR_LEN + h->len);
	assert_int_equal(h->dst_cid, FX_CID);
	assert_int_equal(h->type, VIRTIO_VSOCK_TYPE_STREAM);
	assert_true(h->len <= cap);
	memcpy(data, ring_at(&fx->q[VSOCK_RXQ], a + VSOCK_HDR_LEN), h->len);
}

/* No packet for the guest within ms. */
static inline void fx_no_rx(struct fx *fx, int ms)
{
	uint64_t a = 0;
	uint32_t len;

	assert_false(fx_next_used(fx, VSOCK_RXQ, ms, &a, &len));
}

struct fx_pkt {
	uint64_t src_cid, dst_cid;
	uint32_t src_port, dst_port;
	uint16_t type, op;
	uint32_t flags, buf_alloc, fwd_cnt;
	int32_t len; /* -1: the payload's length */
};

/*
 * A packet from the guest: the header and the payload in two
 * descriptors, as Linux sends them (hdr_len: fewer header bytes, for
 * malformed ones); waits until the device has taken it.
 */
static inline void fx_send_raw(struct fx *fx, const struct fx_pkt *p,
			       const void *data, uint32_t n, uint32_t hdr_len)
{
	struct ring *r = &fx->q[VSOCK_TXQ];
	struct virtio_vsock_hdr h = {
		.src_cid = htole64(p->src_cid),
		.dst_cid = htole64(p->dst_cid),
		.src_port = htole32(p->src_port),
		.dst_port = htole32(p->dst_port),
		.len = htole32(p->len < 0 ? n : (uint32_t)p->len),
		.type = htole16(p->type),
		.op = htole16(p->op),
		.flags = htole32(p->flags),
		.buf_alloc = htole32(p->buf_alloc),
		.fwd_cnt = htole32(p->fwd_cnt),
	};
	uint64_t addr[2] = { ring_buf(r, VSOCK_HDR_LEN, 0), 0 };
	uint32_t len[2] = { hdr_len, n };
	bool w[2] = { false, false };
	uint64_t a = 0;
	uint32_t l;

	memcpy(ring_at(r, addr[0]), &h, VSOCK_HDR_LEN);
	if (n) {
		addr[1] = ring_buf(r, n, 0);
		memcpy(ring_at(r, addr[1]), data, n);
	}
	ring_chain(r, n ? 2 : 1, addr, len, w);
	fx_kick(fx, VSOCK_TXQ);
	assert_true(fx_next_used(fx, VSOCK_TXQ, 5000, &a, &l));
}

/* A well-formed packet from the guest's port gport to the host's hport. */
static inline void fx_send(struct fx *fx, uint16_t op, uint32_t gport,
			   uint32_t hport, const void *data, uint32_t n,
			   uint32_t buf_alloc, uint32_t fwd_cnt, uint32_t flags)
{
	const struct fx_pkt p = {
		.src_cid = FX_CID,
		.dst_cid = VSOCK_HOST_CID,
		.src_port = gport,
		.dst_port = hport,
		.type = VIRTIO_VSOCK_TYPE_STREAM,
		.op = op,
		.flags = flags,
		.buf_alloc = buf_alloc,
		.fwd_cnt = fwd_cnt,
		.len = -1,
	};

	fx_send_raw(fx, &p, data, n, VSOCK_HDR_LEN);
}

static inline int fx_unix_connect(const char path[48])
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static inline int fx_unix_listen(struct fx *fx, uint32_t port)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s_%u", fx->path, port);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 8), 0);
	return fd;
}

/* Read exactly n bytes from fd within 5 s. */
static inline void fx_read_all(int fd, void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;
		assert_int_equal(poll(&p, 1, 5000), 1);
		r = read(fd, (uint8_t *)buf + got, n - got);
		assert_true(r > 0);
		got += (size_t)r;
	}
}

/* fd reaches its end (EOF or a reset) within 5 s, with no data before. */
static inline void fx_expect_eof(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	assert_int_equal(poll(&p, 1, 5000), 1);
	assert_true(read(fd, &c, 1) <= 0);
}

#endif
