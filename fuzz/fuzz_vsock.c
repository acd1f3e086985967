/*
 * fuzz_vsock.c: libFuzzer target for virtio-vsock's packet handling
 * (virtio/vsock.c): the guest's tx packets (every header field, payloads
 * split across descriptors), the packets the device answers with, and a
 * device reset in the middle.  The device runs without its thread: the
 * target calls its notify op as the thread would.  Guest connections to
 * host port 1 or 2 reach real Unix listeners (in a directory made once),
 * so connections are made, fed, shut down and reset; any other port is
 * refused.  It aborts when an answer breaks the protocol's invariants
 * (a packet whose length is not its header's, one not for the guest's
 * CID, more connections than the limit); ASan catches the rest.
 *
 * Input: struct fuzz_hdr, then packets, each a struct fuzz_pkt, 44 header
 * bytes and its payload.  fuzz/seeds.py writes the seed corpus.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/log.h"
#include "virtio/vsock.h"

#define RAM_GPA	 0x100000ULL
#define RAM_SIZE 0x100000ULL
#define QSIZE	 64
#define CID	 3
#define MAX_PKTS 48
#define MAX_PLEN 8192

/* Ring areas per queue (rx, tx, event), then buffers. */
#define RING(q)	 (RAM_GPA + 0x1000ULL * (uint64_t)(q))
#define DESC(q)	 RING(q)
#define AVAIL(q) (RING(q) + 0x400)
#define USED(q)	 (RING(q) + 0x600)
#define DATA	 (RAM_GPA + 0x4000)

struct fuzz_hdr {
	uint8_t flags;	  /* FUZZ_F_* */
	uint8_t nrx;	  /* rx buffers (mod QSIZE) */
	uint8_t rx_size;  /* rx buffer: 40 + 16 * rx_size bytes */
	uint8_t reset_at; /* reset after this many packets (FUZZ_F_RESET) */
} __attribute__((packed));

#define FUZZ_F_EVENT_IDX 1
#define FUZZ_F_RESET	 2 /* reset, activate again, go on */
#define FUZZ_F_RX_FIRST	 4 /* rx buffers before the packets */

struct fuzz_pkt {
	uint8_t split; /* bit 7: a well-addressed header; bits 0-5: cut */
	uint16_t plen; /* payload bytes that follow the header */
} __attribute__((packed));

struct guest {
	uint8_t *ram;
	struct guest_mem gm;
	uint16_t avail[3], next[3], used_seen[3];
	uint64_t data;
	uint32_t rx_len[QSIZE]; /* each rx descriptor's length */
};

static char dir[64], path[96];
static int listeners[2] = { -1, -1 };

static uint8_t *at(struct guest *g, uint64_t gpa)
{
	return g->ram + (gpa - RAM_GPA);
}

static void desc(struct guest *g, unsigned int q, uint16_t i, uint64_t addr,
		 uint32_t len, uint16_t flags, uint16_t next)
{
	uint8_t *d = at(g, DESC(q) + 16ULL * i);

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}

static void publish(struct guest *g, unsigned int q, uint16_t head)
{
	uint16_t slot = g->avail[q] % QSIZE;

	memcpy(at(g, AVAIL(q) + 4 + 2ULL * slot), &head, 2);
	g->avail[q]++;
	memcpy(at(g, AVAIL(q) + 2), &g->avail[q], 2);
}

/* A buffer of n bytes from DATA, or 0 when RAM is used up. */
static uint64_t buf(struct guest *g, uint32_t n)
{
	uint64_t a = g->data;

	if (a + n > RAM_GPA + RAM_SIZE)
		return 0;
	g->data += (n + 15) & ~15u;
	return a;
}

/* Listeners on PATH_1 and PATH_2, made once; drained each run. */
static void host_init(void)
{
	if (dir[0])
		return;
	snprintf(dir, sizeof(dir), "/tmp/hyve-fuzz-vsock.XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/v", dir);
	for (int i = 0; i < 2; i++) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s_%d", path,
			 i + 1);
		if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
		    listen(fd, 512))
			abort();
		listeners[i] = fd;
	}
}

static void host_drain(void)
{
	for (int i = 0; i < 2; i++) {
		int c;
		while ((c = accept(listeners[i], NULL, NULL)) >= 0)
			close(c);
	}
}

static void driver_ok(struct virtio_vsock *vs, struct guest *g, bool event_idx)
{
	struct virtio_dev *d = &vs->vdev;
	const uint8_t s = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;

	memset(g->ram, 0, 0x4000); /* fresh rings */
	memset(g->avail, 0, sizeof(g->avail));
	memset(g->next, 0, sizeof(g->next));
	memset(g->used_seen, 0, sizeof(g->used_seen));
	virtio_set_status(d, s);
	virtio_set_driver_features(d, 1, 1);
	virtio_set_driver_features(
		d, 0, event_idx ? 1u << VIRTIO_F_RING_EVENT_IDX : 0);
	virtio_set_status(d, s | VIRTIO_STATUS_FEATURES_OK);
	for (unsigned int q = 0; q < 3; q++) {
		virtio_queue_set_size(d, q, QSIZE);
		virtio_queue_set_addr(d, q, DESC(q), AVAIL(q), USED(q));
		virtio_queue_enable(d, q);
	}
	virtio_set_status(d, s | VIRTIO_STATUS_FEATURES_OK |
				     VIRTIO_STATUS_DRIVER_OK);
}

static void post_rx(struct guest *g, unsigned int n, uint32_t len)
{
	for (unsigned int i = 0; i < n; i++) {
		uint16_t me = g->next[VSOCK_RXQ]++ % QSIZE;
		uint64_t a = buf(g, len);
		if (!a)
			return;
		g->rx_len[me] = len;
		desc(g, VSOCK_RXQ, me, a, len, VIRTQ_DESC_F_WRITE, 0);
		publish(g, VSOCK_RXQ, me);
	}
}

/* What the device gave the guest: each packet as long as its header says. */
static void check_rx(struct virtio_vsock *vs, struct guest *g)
{
	uint16_t used;

	memcpy(&used, at(g, USED(VSOCK_RXQ) + 2), 2);
	while (g->used_seen[VSOCK_RXQ] != used) {
		uint16_t i = g->used_seen[VSOCK_RXQ]++ % QSIZE;
		uint32_t id, len, plen;
		uint64_t a, dst;
		memcpy(&id, at(g, USED(VSOCK_RXQ) + 4 + 8ULL * i), 4);
		memcpy(&len, at(g, USED(VSOCK_RXQ) + 8 + 8ULL * i), 4);
		if (id >= QSIZE || len > g->rx_len[id])
			abort();
		if (!len)
			continue; /* too small for a packet: unused */
		memcpy(&a, at(g, DESC(VSOCK_RXQ) + 16ULL * id), 8);
		memcpy(&dst, at(g, a + 8), 8);
		memcpy(&plen, at(g, a + 24), 4);
		if (len != VSOCK_HDR_LEN + plen || dst != CID)
			abort();
	}
	if (vs->nconns > VSOCK_MAX_CONNS ||
	    vs->rst_len > sizeof(vs->rst) / sizeof(vs->rst[0]))
		abort();
}

/* One packet into the tx ring, cut into up to four descriptors. */
static bool send_pkt(struct guest *g, const struct fuzz_pkt *p,
		     const uint8_t *hdr, const uint8_t *payload)
{
	uint32_t total = VSOCK_HDR_LEN + p->plen;
	uint32_t cut = (uint32_t)(p->split & 0x3f) * 2;
	uint64_t a = buf(g, total ? total : 1);
	uint32_t pieces[4], n = 0, off = 0;
	uint16_t head = g->next[VSOCK_TXQ] % QSIZE;
	struct virtio_vsock_hdr h;

	if (!a)
		return false;
	memcpy(&h, hdr, VSOCK_HDR_LEN);
	if (p->split & 0x80) {
		h.src_cid = CID;
		h.dst_cid = VSOCK_HOST_CID;
		h.type = VIRTIO_VSOCK_TYPE_STREAM;
		h.dst_port = h.dst_port % 4; /* 1 and 2 listen */
	}
	memcpy(at(g, a), &h, VSOCK_HDR_LEN);
	memcpy(at(g, a + VSOCK_HDR_LEN), payload, p->plen);
	/* Cut at `cut' and after the header, where those fall inside. */
	uint32_t first = cut && cut < total && cut < VSOCK_HDR_LEN ? cut : 0;
	if (first)
		pieces[n++] = first;
	if (VSOCK_HDR_LEN < total) {
		pieces[n++] = VSOCK_HDR_LEN - first;
		if (cut > VSOCK_HDR_LEN && cut < total) {
			pieces[n++] = cut - VSOCK_HDR_LEN;
			pieces[n++] = total - cut;
		} else {
			pieces[n++] = total - VSOCK_HDR_LEN;
		}
	} else {
		pieces[n++] = total - first;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint16_t me = g->next[VSOCK_TXQ]++ % QSIZE;
		desc(g, VSOCK_TXQ, me, a + off, pieces[i],
		     i + 1 < n ? VIRTQ_DESC_F_NEXT : 0,
		     (uint16_t)((me + 1) % QSIZE));
		off += pieces[i];
	}
	publish(g, VSOCK_TXQ, head);
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_hdr fh;
	struct guest g = { 0 };
	struct virtio_vsock *vs;
	char err[256];
	unsigned int npkts = 0;
	uint32_t rx_len;

	log_set_level(getenv("FUZZ_VSOCK_LOG") ? LOG_DEBUG : LOG_ERROR);
	if (size < sizeof(fh))
		return 0;
	memcpy(&fh, data, sizeof(fh));
	data += sizeof(fh);
	size -= sizeof(fh);
	host_init();
	g.ram = calloc(1, RAM_SIZE);
	if (!g.ram || mem_add_region(&g.gm, RAM_GPA, RAM_SIZE, g.ram))
		abort();
	g.data = DATA;
	if (virtio_vsock_create(&vs, &g.gm, CID, path, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	driver_ok(vs, &g, fh.flags & FUZZ_F_EVENT_IDX);
	rx_len = 40 + 16u * fh.rx_size;
	if (fh.flags & FUZZ_F_RX_FIRST)
		post_rx(&g, fh.nrx % QSIZE, rx_len);
	vs->vdev.ops->notify(&vs->vdev, VSOCK_RXQ);
	while (size >= sizeof(struct fuzz_pkt) + VSOCK_HDR_LEN &&
	       npkts < MAX_PKTS) {
		struct fuzz_pkt p;
		memcpy(&p, data, sizeof(p));
		data += sizeof(p);
		size -= sizeof(p);
		p.plen %= MAX_PLEN;
		if (p.plen > size - VSOCK_HDR_LEN)
			p.plen = (uint16_t)(size - VSOCK_HDR_LEN);
		if (!send_pkt(&g, &p, data, data + VSOCK_HDR_LEN))
			break;
		data += VSOCK_HDR_LEN + p.plen;
		size -= VSOCK_HDR_LEN + p.plen;
		npkts++;
		/* A few at a time, as a driver kicks. */
		if (npkts % 4 == 0 || size < sizeof(p) + VSOCK_HDR_LEN) {
			vs->vdev.ops->notify(&vs->vdev, VSOCK_TXQ);
			check_rx(vs, &g);
		}
		if ((fh.flags & FUZZ_F_RESET) && npkts == fh.reset_at) {
			virtio_set_status(&vs->vdev, 0);
			driver_ok(vs, &g, fh.flags & FUZZ_F_EVENT_IDX);
		}
	}
	vs->vdev.ops->notify(&vs->vdev, VSOCK_TXQ);
	check_rx(vs, &g);
	/* Room for every answer still owed. */
	post_rx(&g,
		QSIZE - (uint16_t)(g.avail[VSOCK_RXQ] - g.used_seen[VSOCK_RXQ]),
		rx_len);
	vs->vdev.ops->notify(&vs->vdev, VSOCK_RXQ);
	check_rx(vs, &g);
	virtio_dev_destroy(&vs->vdev);
	host_drain();
	free(g.ram);
	return 0;
}
