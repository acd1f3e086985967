/*
 * test_virtio_blk.c: virtio-blk (virtio/blk.c) on the virtio core with a
 * fake transport, a calloc'd guest RAM (ring_fixture.h) and a real image
 * file under $TMPDIR (or /tmp).  The driver's side is written by hand:
 * every request type (IN, OUT, FLUSH, GET_ID, DISCARD, WRITE_ZEROES with
 * and without UNMAP) and the bytes they leave in the image and in guest
 * RAM; the configuration space and the features for a writable and a
 * read-only image; the hostile requests (a short or split header, no
 * status byte, a readable status, data not a multiple of 512, sectors out
 * of range or overflowing, data in the wrong direction, writes to a
 * read-only disk, unknown types and flags, too many or too large
 * segments, malformed discard ranges); many requests in flight at once
 * with no status written before completion; a backend queue that fills
 * (the parked request) and a guest that overfills its ring; two queues
 * (MQ); and a reset with requests in flight.  No KVM needed.
 */
#include <errno.h>
#include <fcntl.h>
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
#include "virtio/blk.h"

#define IMG_SIZE (8u << 20)
#define SECTORS	 (IMG_SIZE / 512)
#define QSIZE	 VIRTIO_BLK_QUEUE_SIZE
#define ST_FRESH 0xee /* a status byte the device has not written */

struct params {
	bool readonly;
	unsigned int depth; /* 0: VIRTIO_BLK_DISK_DEPTH */
	unsigned int nq;
	uint16_t qsize;
	const char *serial;
	uint64_t drop; /* features the driver does not take */
	const char *name;
};

struct fx {
	struct ring r[2]; /* queues 0 and 1, one RAM */
	char dir[256];
	char path[300];
	int fd; /* the image, for the test's own reads and writes */
	struct disk *disk;
	struct virtio_blk *blk;
	bool started;
	struct params p;
};

static uint64_t offered(struct virtio_dev *d)
{
	return virtio_get_features(d, 0) | (uint64_t)virtio_get_features(d, 1)
						   << 32;
}

/* A driver's bring-up: every offered feature but p.drop, nq queues. */
static void driver_ok(struct fx *fx)
{
	struct virtio_dev *d = &fx->blk->vdev;

	ring_driver_ok(d, offered(d) & ~fx->p.drop, fx->r,
		       d->nq < 2 ? d->nq : 2);
}

/* The image: IMG_SIZE bytes, sector i filled with (uint8_t)i. */
static void fx_image(struct fx *fx)
{
	uint8_t sec[512];

	fx->fd = open(fx->path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fx->fd >= 0);
	for (unsigned int i = 0; i < SECTORS; i++) {
		memset(sec, (uint8_t)i, sizeof(sec));
		assert_int_equal(pwrite(fx->fd, sec, 512, (off_t)i * 512), 512);
	}
}

static void fx_make(struct fx *fx, const struct params *p)
{
	const struct disk_opts o = {
		.readonly = p->readonly,
		.depth = p->depth ? p->depth : VIRTIO_BLK_DISK_DEPTH,
	};
	const struct virtio_blk_opts bo = { .serial = p->serial,
					    .num_queues = p->nq };
	char err[512];

	fx->p = *p;
	ring_init(&fx->r[0], p->qsize ? p->qsize : QSIZE);
	fx->r[1] = fx->r[0]; /* the same RAM, the second ring's place */
	fx->r[1].desc = RING_DESC2;
	fx->r[1].av = RING_AVAIL2;
	fx->r[1].used = RING_USED2;
	fx->r[1].data = RING_DATA + (2u << 20);
	snprintf(fx->path, sizeof(fx->path), "%s/%s", fx->dir,
		 p->name ? p->name : "disk.img");
	fx_image(fx);
	assert_int_equal(disk_open(&fx->disk, fx->path, &o, err, sizeof(err)),
			 0);
	assert_int_equal(virtio_blk_create(&fx->blk, &fx->r[0].gm, fx->disk,
					   &bo, err, sizeof(err)),
			 0);
	ring_fake_transport(&fx->blk->vdev);
	driver_ok(fx);
}

static void fx_unmake(struct fx *fx)
{
	if (fx->blk)
		virtio_dev_destroy(&fx->blk->vdev);
	fx->blk = NULL;
	disk_close(fx->disk);
	fx->disk = NULL;
	if (fx->fd >= 0)
		close(fx->fd);
	fx->fd = -1;
	unlink(fx->path);
	ring_free(&fx->r[0]);
	fx->started = false;
	ring_irqs_reset();
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	const char *tmp = getenv("TMPDIR");
	const struct params p = { .nq = 2 };

	if (!fx)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "%s/hyve-test-blk.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(fx->dir))
		return -1;
	fx->fd = -1;
	fx_make(fx, &p);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	fx_unmake(fx);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

/* Start again with other parameters. */
static void fx_remake(struct fx *fx, const struct params *p)
{
	fx_unmake(fx);
	fx_make(fx, p);
}

/* The driver's side of a request ---------------------------------------- */

/* A 16-byte header in its own buffer. */
static uint64_t hdr(struct ring *r, uint32_t type, uint64_t sector)
{
	uint64_t a = ring_buf(r, 16, 0);

	memcpy(ring_at(r, a), &type, 4);
	memcpy(ring_at(r, a + 8), &sector, 8);
	return a;
}

/*
 * A request: the header, then n data buffers (writable or not), then a
 * status byte; returns the status byte's address.
 */
static uint64_t req(struct ring *r, uint32_t type, uint64_t sector,
		    unsigned int n, const uint64_t *addr, const uint32_t *len,
		    bool writable)
{
	uint64_t a[QSIZE];
	uint32_t l[QSIZE];
	bool w[QSIZE];
	uint64_t st = ring_buf(r, 1, ST_FRESH);

	assert_true(n + 2 <= QSIZE);
	a[0] = hdr(r, type, sector);
	l[0] = 16;
	w[0] = false;
	for (unsigned int i = 0; i < n; i++) {
		a[1 + i] = addr[i];
		l[1 + i] = len[i];
		w[1 + i] = writable;
	}
	a[n + 1] = st;
	l[n + 1] = 1;
	w[n + 1] = true;
	ring_chain(r, n + 2, a, l, w);
	return st;
}

/* One data buffer of len bytes. */
static uint64_t req1(struct ring *r, uint32_t type, uint64_t sector,
		     uint64_t buf, uint32_t len, bool writable)
{
	return req(r, type, sector, buf ? 1 : 0, &buf, &len, writable);
}

/* A discard or write-zeroes request with nseg segments. */
static uint64_t req_range(struct ring *r, uint32_t type, uint64_t sector,
			  uint32_t count, uint32_t flags, unsigned int nseg)
{
	uint64_t a = ring_buf(r, 16 * nseg, 0);

	for (unsigned int i = 0; i < nseg; i++) {
		memcpy(ring_at(r, a + 16 * i), &sector, 8);
		memcpy(ring_at(r, a + 16 * i + 8), &count, 4);
		memcpy(ring_at(r, a + 16 * i + 12), &flags, 4);
	}
	return req1(r, type, 0, a, 16 * nseg, false);
}

/* The device's work: inline before start(), else through the eventfd. */
static void kick(struct fx *fx, unsigned int q)
{
	struct virtio_dev *d = &fx->blk->vdev;
	uint64_t one = 1;

	if (fx->started)
		assert_int_equal(write(d->q[q].kick_fd, &one, 8), 8);
	else
		d->ops->notify(d, q);
}

/* The device's thread from now on: completions are handled there. */
static void start(struct fx *fx)
{
	if (!fx->started)
		assert_int_equal(virtio_dev_start(&fx->blk->vdev), 0);
	fx->started = true;
}

/* Let the requests finish: used idx of queue q reaches want. */
static void finish(struct fx *fx, unsigned int q, uint16_t want)
{
	start(fx);
	assert_true(wait_used(&fx->r[q], want));
}

static uint8_t status_at(struct fx *fx, uint64_t st)
{
	return __atomic_load_n(ring_at(&fx->r[0], st), __ATOMIC_ACQUIRE);
}

/* Used entry i of queue 0: its length. */
static uint32_t used_len(struct fx *fx, uint16_t i)
{
	uint32_t id, len;

	ring_used_elem(&fx->r[0], i, &id, &len);
	return len;
}

/* One request, run to its end: returns the status, *len its used len. */
static uint8_t run1(struct fx *fx, uint64_t st, uint32_t *len)
{
	uint16_t want = (uint16_t)(ring_used_idx(&fx->r[0]) + 1);

	kick(fx, 0);
	finish(fx, 0, want);
	if (len)
		*len = used_len(fx, (uint16_t)(want - 1));
	return status_at(fx, st);
}

static bool needs_reset(struct fx *fx)
{
	return virtio_get_status(&fx->blk->vdev) & VIRTIO_STATUS_NEEDS_RESET;
}

static void img_read(struct fx *fx, uint64_t off, void *buf, size_t len)
{
	assert_int_equal(pread(fx->fd, buf, len, (off_t)off), (ssize_t)len);
}

static bool all(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* Configuration and features -------------------------------------------- */

static uint32_t cfg32(struct fx *fx, uint32_t off)
{
	uint32_t v;

	virtio_config_read(&fx->blk->vdev, off, &v, 4);
	return v;
}

static void test_config(void **state)
{
	struct fx *fx = *state;
	struct virtio_dev *d = &fx->blk->vdev;
	const struct disk_info *in = disk_get_info(fx->disk);
	uint64_t cap, f = offered(d);
	uint16_t nq;

	assert_string_equal(d->ops->name, "virtio-blk");
	assert_int_equal(d->ops->device_id, VIRTIO_ID_BLOCK);
	assert_int_equal(d->nq, 2);
	virtio_config_read(d, VIRTIO_BLK_CFG_CAPACITY, &cap, 8);
	assert_int_equal(cap, SECTORS);
	assert_int_equal(cfg32(fx, VIRTIO_BLK_CFG_SEG_MAX), QSIZE - 2);
	assert_int_equal(cfg32(fx, VIRTIO_BLK_CFG_SIZE_MAX),
			 VIRTIO_BLK_SIZE_MAX);
	assert_int_equal(cfg32(fx, VIRTIO_BLK_CFG_BLK_SIZE), in->block_size);
	virtio_config_read(d, VIRTIO_BLK_CFG_NUM_QUEUES, &nq, 2);
	assert_int_equal(nq, 2);
	assert_int_equal(cfg32(fx, VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS),
			 VIRTIO_BLK_MAX_DISCARD);
	assert_int_equal(cfg32(fx, VIRTIO_BLK_CFG_MAX_DISCARD_SEG), 1);
	assert_int_equal(cfg32(fx, VIRTIO_BLK_CFG_DISCARD_ALIGNMENT) * 512,
			 in->phys_block_size);
	assert_int_equal(cfg32(fx, VIRTIO_BLK_CFG_MAX_WZ_SECTORS),
			 VIRTIO_BLK_MAX_WRITE_ZEROES);
	assert_int_equal(cfg32(fx, VIRTIO_BLK_CFG_MAX_WZ_SEG), 1);
	assert_int_equal(cfg32(fx, VIRTIO_BLK_CFG_WZ_MAY_UNMAP) & 0xff, 1);
	/* Topology: 2^exp logical blocks per physical one. */
	assert_int_equal(
		(uint32_t)in->block_size
			<< (cfg32(fx, VIRTIO_BLK_CFG_PHYS_BLOCK_EXP) & 0xff),
		in->phys_block_size);
	/* Past the end: zeros, no crash. */
	assert_int_equal(cfg32(fx, VIRTIO_BLK_CONFIG_SIZE - 2), 0);
	for (unsigned int b = 0; b < 64; b++) {
		bool want = b == VIRTIO_BLK_F_SIZE_MAX ||
			    b == VIRTIO_BLK_F_SEG_MAX ||
			    b == VIRTIO_BLK_F_BLK_SIZE ||
			    b == VIRTIO_BLK_F_FLUSH ||
			    b == VIRTIO_BLK_F_TOPOLOGY ||
			    b == VIRTIO_BLK_F_MQ || b == VIRTIO_BLK_F_DISCARD ||
			    b == VIRTIO_BLK_F_WRITE_ZEROES ||
			    b == VIRTIO_F_VERSION_1 ||
			    b == VIRTIO_F_RING_EVENT_IDX ||
			    b == VIRTIO_F_INDIRECT_DESC;
		if (want != !!(f & (1ULL << b)))
			fail_msg("feature bit %u: %d", b, !want);
	}
}

static void test_config_readonly(void **state)
{
	struct fx *fx = *state;
	const struct params p = { .readonly = true, .nq = 40 };
	uint64_t f;
	uint16_t nq;

	fx_remake(fx, &p);
	f = offered(&fx->blk->vdev);
	assert_true(f & (1ULL << VIRTIO_BLK_F_RO));
	assert_false(f & (1ULL << VIRTIO_BLK_F_DISCARD));
	assert_false(f & (1ULL << VIRTIO_BLK_F_WRITE_ZEROES));
	/* More queues than the device has: capped. */
	virtio_config_read(&fx->blk->vdev, VIRTIO_BLK_CFG_NUM_QUEUES, &nq, 2);
	assert_int_equal(nq, VIRTIO_BLK_MAX_QUEUES);
	assert_int_equal(fx->blk->vdev.nq, VIRTIO_BLK_MAX_QUEUES);
}

/* Requests ------------------------------------------------------------- */

static void test_write_read_round_trip(void **state)
{
	struct fx *fx = *state;
	struct ring *r = &fx->r[0];
	uint64_t a[3] = { ring_buf(r, 512, 0x11), ring_buf(r, 1024, 0x22),
			  ring_buf(r, 512, 0x33) };
	uint32_t l[3] = { 512, 1024, 512 }, len;
	uint8_t img[2048], *p;
	uint64_t st;

	st = req(r, VIRTIO_BLK_T_OUT, 100, 3, a, l, false);
	assert_int_equal(run1(fx, st, &len), VIRTIO_BLK_S_OK);
	assert_int_equal(len, 1); /* only the status was written */
	img_read(fx, 100 * 512, img, sizeof(img));
	assert_true(all(img, 512, 0x11));
	assert_true(all(img + 512, 1024, 0x22));
	assert_true(all(img + 1536, 512, 0x33));
	/* Read it back, across a sector the test wrote beside it. */
	a[0] = ring_buf(r, 2560, 0);
	st = req1(r, VIRTIO_BLK_T_IN, 100, a[0], 2560, true);
	assert_int_equal(run1(fx, st, &len), VIRTIO_BLK_S_OK);
	assert_int_equal(len, 2560 + 1);
	p = ring_at(r, a[0]);
	assert_memory_equal(p, img, 2048);
	assert_true(all(p + 2048, 512, 104)); /* sector 104's own bytes */
	assert_int_equal(fx->blk->stats.writes, 1);
	assert_int_equal(fx->blk->stats.reads, 1);
	assert_int_equal(fx->blk->stats.read_bytes, 2560);
	assert_int_equal(fx->blk->stats.write_bytes, 2048);
	assert_true(ring_irqs()->q[0] >= 1);
}

/* The last sector and a zero-length read are fine. */
static void test_edges(void **state)
{
	struct fx *fx = *state;
	struct ring *r = &fx->r[0];
	uint64_t a = ring_buf(r, 512, 0), st;
	uint32_t len;

	st = req1(r, VIRTIO_BLK_T_IN, SECTORS - 1, a, 512, true);
	assert_int_equal(run1(fx, st, &len), VIRTIO_BLK_S_OK);
	assert_true(all(ring_at(r, a), 512, (uint8_t)(SECTORS - 1)));
	st = req1(r, VIRTIO_BLK_T_IN, SECTORS, 0, 0, true);
	assert_int_equal(run1(fx, st, &len), VIRTIO_BLK_S_OK);
	assert_int_equal(len, 1);
}

/* The header and the data may share descriptors (2.6.4). */
static void test_framing(void **state)
{
	struct fx *fx = *state;
	struct ring *r = &fx->r[0];
	uint64_t h = hdr(r, VIRTIO_BLK_T_IN, 7), buf = ring_buf(r, 513, 0);
	uint64_t a[3] = { h, h + 8, buf };
	uint32_t l[3] = { 8, 8, 513 }, len;
	bool w[3] = { false, false, true };
	uint64_t out = ring_buf(r, 16 + 512, 0x5a), st2;

	ring_chain(r, 3, a, l, w);
	kick(fx, 0);
	finish(fx, 0, 1);
	assert_int_equal(used_len(fx, 0), 513);
	assert_int_equal(*ring_at(r, buf + 512), VIRTIO_BLK_S_OK);
	assert_true(all(ring_at(r, buf), 512, 7));
	/* OUT with the header and data in one readable buffer. */
	memcpy(ring_at(r, out), &(uint32_t){ VIRTIO_BLK_T_OUT }, 4);
	memset(ring_at(r, out + 4), 0, 4);
	memcpy(ring_at(r, out + 8), &(uint64_t){ 9 }, 8);
	st2 = ring_buf(r, 1, ST_FRESH);
	a[0] = out;
	l[0] = 16 + 512;
	a[1] = st2;
	l[1] = 1;
	w[0] = false;
	w[1] = true;
	ring_chain(r, 2, a, l, w);
	kick(fx, 0);
	finish(fx, 0, 2);
	assert_int_equal(status_at(fx, st2), VIRTIO_BLK_S_OK);
	{
		uint8_t img[512];
		img_read(fx, 9 * 512, img, 512);
		assert_true(all(img, 512, 0x5a));
	}
	(void)len;
}

static void test_flush(void **state)
{
	struct fx *fx = *state;
	uint64_t st = req1(&fx->r[0], VIRTIO_BLK_T_FLUSH, 0, 0, 0, true);
	uint32_t len;

	assert_int_equal(run1(fx, st, &len), VIRTIO_BLK_S_OK);
	assert_int_equal(len, 1);
	assert_int_equal(fx->blk->stats.flushes, 1);
}

static void test_get_id(void **state)
{
	struct fx *fx = *state;
	struct ring *r = &fx->r[0];
	const struct params p20 = { .nq = 1, .serial = "ABCDEFGHIJKLMNOPQRST" },
			    pdef = { .nq = 1, .name = "my\tdisk-image.raw" };
	uint64_t a = ring_buf(r, 32, 0xcc), st;
	uint32_t len;

	/* The default: from the image's name. */
	fx_remake(fx, &pdef);
	r = &fx->r[0];
	a = ring_buf(r, 32, 0xcc);
	st = req1(r, VIRTIO_BLK_T_GET_ID, 0, a, 20, true);
	assert_int_equal(run1(fx, st, &len), VIRTIO_BLK_S_OK);
	assert_int_equal(len, 21);
	assert_memory_equal(ring_at(r, a), "my_disk-image.raw\0\0\0", 20);
	/* 20 bytes: no NUL; the buffer's bytes past 20 are left alone. */
	fx_remake(fx, &p20);
	r = &fx->r[0];
	a = ring_buf(r, 32, 0xcc);
	st = req1(r, VIRTIO_BLK_T_GET_ID, 0, a, 24, true);
	assert_int_equal(run1(fx, st, &len), VIRTIO_BLK_S_OK);
	assert_int_equal(len, 21);
	assert_memory_equal(ring_at(r, a), "ABCDEFGHIJKLMNOPQRST", 20);
	assert_true(all(ring_at(r, a + 20), 4, 0xcc));
	/* A short buffer gets what fits. */
	a = ring_buf(r, 8, 0xcc);
	st = req1(r, VIRTIO_BLK_T_GET_ID, 0, a, 5, true);
	assert_int_equal(run1(fx, st, &len), VIRTIO_BLK_S_OK);
	assert_int_equal(len, 6);
	assert_memory_equal(ring_at(r, a), "ABCDE", 5);
}

static void test_default_serial(void **state)
{
	uint8_t s[VIRTIO_BLK_ID_BYTES];

	(void)state;
	virtio_blk_default_serial("/a/b/root.img", s);
	assert_memory_equal(s, "root.img\0\0\0\0\0\0\0\0\0\0\0\0", 20);
	virtio_blk_default_serial("plain", s);
	assert_memory_equal(s, "plain\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 20);
	virtio_blk_default_serial("/x/a-very-long-image-name.qcow2", s);
	assert_memory_equal(s, "a-very-long-image-na", 20);
	virtio_blk_default_serial("/x/sp ace\xff", s);
	assert_memory_equal(s, "sp_ace_\0\0\0\0\0\0\0\0\0\0\0\0\0", 20);
}

static void test_discard(void **state)
{
	struct fx *fx = *state;
	uint8_t img[8192];
	uint64_t st;
	uint32_t len;

	/* 16 sectors at 64: a hole where the file system allows. */
	st = req_range(&fx->r[0], VIRTIO_BLK_T_DISCARD, 64, 16, 0, 1);
	assert_int_equal(run1(fx, st, &len), VIRTIO_BLK_S_OK);
	assert_int_equal(len, 1);
	assert_int_equal(fx->blk->stats.discards, 1);
	img_read(fx, 64 * 512, img, 8192);
	assert_true(all(img, 8192, 0));
	/* Outside that, untouched. */
	img_read(fx, 63 * 512, img, 512);
	assert_true(all(img, 512, 63));
	img_read(fx, 80 * 512, img, 512);
	assert_true(all(img, 512, 80));
	/* Less than a block of the file: zeros or kept, but nothing else. */
	st = req_range(&fx->r[0], VIRTIO_BLK_T_DISCARD, 1, 1, 0, 1);
	assert_int_equal(run1(fx, st, NULL), VIRTIO_BLK_S_OK);
	img_read(fx, 0, img, 1536);
	assert_true(all(img, 512, 0));
	assert_true(all(img + 512, 512, 1) || all(img + 512, 512, 0));
	assert_true(all(img + 1024, 512, 2));
}

/* On a disk with 4 KiB blocks (direct), a discard keeps to whole ones. */
static void test_discard_trimmed(void **state)
{
	struct fx *fx = *state;
	struct virtio_blk *b = fx->blk;
	uint64_t st;

	if (disk_get_info(fx->disk)->block_size != 512)
		skip();
	/* Pretend the backend's blocks are 4 KiB: 6 sectors from sector 1
	 * cover no whole block, so nothing reaches the backend. */
	((struct disk_info *)b->info)->block_size = 4096;
	st = req_range(&fx->r[0], VIRTIO_BLK_T_DISCARD, 1, 6, 0, 1);
	assert_int_equal(run1(fx, st, NULL), VIRTIO_BLK_S_OK);
	assert_int_equal(fx->blk->stats.discards, 1);
	{
		uint8_t img[512];
		img_read(fx, 512, img, 512);
		assert_true(all(img, 512, 1));
	}
	((struct disk_info *)b->info)->block_size = 512;
}

static void test_write_zeroes(void **state)
{
	struct fx *fx = *state;
	uint8_t img[4096];
	uint64_t st;

	st = req_range(&fx->r[0], VIRTIO_BLK_T_WRITE_ZEROES, 201, 3, 0, 1);
	assert_int_equal(run1(fx, st, NULL), VIRTIO_BLK_S_OK);
	img_read(fx, 200 * 512, img, 2560);
	assert_true(all(img, 512, 200));
	assert_true(all(img + 512, 1536, 0));
	assert_true(all(img + 2048, 512, 204));
	st = req_range(&fx->r[0], VIRTIO_BLK_T_WRITE_ZEROES, 300, 8,
		       VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP, 1);
	assert_int_equal(run1(fx, st, NULL), VIRTIO_BLK_S_OK);
	img_read(fx, 300 * 512, img, 4096);
	assert_true(all(img, 4096, 0));
	assert_int_equal(fx->blk->stats.write_zeroes, 2);
	/* Zero sectors: nothing to do. */
	st = req_range(&fx->r[0], VIRTIO_BLK_T_WRITE_ZEROES, 10, 0, 0, 1);
	assert_int_equal(run1(fx, st, NULL), VIRTIO_BLK_S_OK);
}

/* Hostile requests ------------------------------------------------------ */

/* A request that must come back at once with status want and length 1. */
static void expect_status(struct fx *fx, uint64_t st, uint8_t want)
{
	uint32_t len;

	assert_int_equal(run1(fx, st, &len), want);
	assert_int_equal(len, 1);
	assert_false(needs_reset(fx));
}

static void test_short_header(void **state)
{
	struct fx *fx = *state;
	struct ring *r = &fx->r[0];
	uint64_t h = hdr(r, VIRTIO_BLK_T_FLUSH, 0), st = ring_buf(r, 1, 0xee);
	uint64_t a[2] = { h, st };
	uint32_t l[2] = { 15, 1 };
	bool w[2] = { false, true };

	ring_chain(r, 2, a, l, w);
	expect_status(fx, st, VIRTIO_BLK_S_IOERR);
	/* No readable part at all. */
	st = ring_buf(r, 1, 0xee);
	ring_chain(r, 1, &st, &l[1], &w[1]);
	expect_status(fx, st, VIRTIO_BLK_S_IOERR);
	assert_int_equal(fx->blk->stats.ioerr, 2);
}

/* No writable byte: the device cannot answer, it needs a reset. */
static void test_missing_status(void **state)
{
	struct fx *fx = *state;
	struct ring *r = &fx->r[0];
	uint64_t a[2] = { hdr(r, VIRTIO_BLK_T_IN, 0), ring_buf(r, 1, 0xee) };
	uint32_t l[2] = { 16, 1 };
	bool w[2] = { false, false }; /* the "status" is readable */
	uint64_t buf = ring_buf(r, 512, 0), st;

	ring_chain(r, 2, a, l, w);
	kick(fx, 0);
	assert_true(needs_reset(fx));
	assert_int_equal(ring_irqs()->config, 1);
	assert_int_equal(ring_used_idx(r), 0);
	assert_int_equal(*ring_at(r, a[1]), 0xee);
	/* Nothing more is taken until the driver resets the device. */
	st = req1(r, VIRTIO_BLK_T_IN, 0, buf, 512, true);
	kick(fx, 0);
	assert_int_equal(ring_used_idx(r), 0);
	assert_int_equal(status_at(fx, st), ST_FRESH);
	/* The reset mends it. */
	pthread_mutex_lock(&fx->blk->vdev.lock);
	virtio_set_status(&fx->blk->vdev, 0);
	pthread_mutex_unlock(&fx->blk->vdev.lock);
	assert_false(needs_reset(fx));
	ring_free(&fx->r[0]);
	ring_init(&fx->r[0], QSIZE);
	fx->blk->vdev.mem = &fx->r[0].gm;
	driver_ok(fx);
	r = &fx->r[0];
	buf = ring_buf(r, 512, 0);
	st = req1(r, VIRTIO_BLK_T_IN, 3, buf, 512, true);
	assert_int_equal(run1(fx, st, NULL), VIRTIO_BLK_S_OK);
	assert_true(all(ring_at(r, buf), 512, 3));
}

/* Only a header: no status byte either. */
static void test_header_only(void **state)
{
	struct fx *fx = *state;
	struct ring *r = &fx->r[0];
	uint64_t h = hdr(r, VIRTIO_BLK_T_FLUSH, 0);
	uint32_t l = 16;
	bool w = false;

	ring_chain(r, 1, &h, &l, &w);
	kick(fx, 0);
	assert_true(needs_reset(fx));
	assert_int_equal(ring_used_idx(r), 0);
}

static void test_bad_lengths(void **state)
{
	struct fx *fx = *state;
	struct ring *r = &fx->r[0];
	uint64_t a = ring_buf(r, 1024, 0x77), st;

	/* Not a multiple of 512, either way. */
	st = req1(r, VIRTIO_BLK_T_IN, 0, a, 100, true);
	expect_status(fx, st, VIRTIO_BLK_S_IOERR);
	assert_true(all(ring_at(r, a), 1024, 0x77));
	st = req1(r, VIRTIO_BLK_T_OUT, 0, a, 513, false);
	expect_status(fx, st, VIRTIO_BLK_S_IOERR);
	{
		uint8_t img[1024];
		img_read(fx, 0, img, 1024);
		assert_true(all(img, 512, 0));
		assert_true(all(img + 512, 512, 1));
	}
}

static void test_out_of_range(void **state)
{
	struct fx *fx = *state;
	struct ring *r = &fx->r[0];
	uint64_t a = ring_buf(r, 1024, 0x77), st;
	static const uint64_t bad[] = {
		SECTORS,		   /* one past the end */
		SECTORS - 1,		   /* two sectors, one past */
		UINT64_MAX,		   /* wraps */
		UINT64_MAX / 512 + 1,	   /* sector * 512 overflows */
		(UINT64_MAX - 1023) / 512, /* the end overflows */
		1ULL << 63,
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		st = req1(r, VIRTIO_BLK_T_IN, bad[i], a, 1024, true);
		expect_status(fx, st, VIRTIO_BLK_S_IOERR);
		st = req1(r, VIRTIO_BLK_T_OUT, bad[i], a, 1024, false);
		expect_status(fx, st, VIRTIO_BLK_S_IOERR);
		st = req_range(r, VIRTIO_BLK_T_WRITE_ZEROES, bad[i], 2, 0, 1);
		expect_status(fx, st, VIRTIO_BLK_S_IOERR);
		st = req_range(r, VIRTIO_BLK_T_DISCARD, bad[i], 2, 0, 1);
		expect_status(fx, st, VIRTIO_BLK_S_IOERR);
	}
	assert_true(all(ring_at(r, a), 1024, 0x77));
	assert_int_equal(fx->blk->stats.reads + fx->blk->stats.writes, 0);
}

/* Data in the wrong direction. */
static void test_wrong_direction(void **state)
{
	struct fx *fx = *state;
	struct ring *r = &fx->r[0];
	uint64_t a = ring_buf(r, 512, 0x77), b = ring_buf(r, 512, 0x66), st;
	uint64_t addr[2] = { a, b };
	uint32_t len[2] = { 512, 512 };
	bool w[2] = { false, true };
	uint64_t h, s2;
	uint8_t img[512];

	/* A read into a device-readable buffer. */
	st = req1(r, VIRTIO_BLK_T_IN, 5, a, 512, false);
	expect_status(fx, st, VIRTIO_BLK_S_IOERR);
	assert_true(all(ring_at(r, a), 512, 0x77));
	/* A write from a device-writable buffer. */
	st = req1(r, VIRTIO_BLK_T_OUT, 5, b, 512, true);
	expect_status(fx, st, VIRTIO_BLK_S_IOERR);
	assert_true(all(ring_at(r, b), 512, 0x66));
	img_read(fx, 5 * 512, img, 512);
	assert_true(all(img, 512, 5));
	/* A write with a writable buffer besides its data. */
	h = hdr(r, VIRTIO_BLK_T_OUT, 5);
	s2 = ring_buf(r, 1, ST_FRESH);
	{
		uint64_t ca[4] = { h, a, b, s2 };
		uint32_t cl[4] = { 16, 512, 512, 1 };
		bool cw[4] = { false, false, true, true };
		ring_chain(r, 4, ca, cl, cw);
	}
	expect_status(fx, s2, VIRTIO_BLK_S_IOERR);
	img_read(fx, 5 * 512, img, 512);
	assert_true(all(img, 512, 5));
	(void)addr, (void)len, (void)w;
}

static void test_readonly_refuses_writes(void **state)
{
	struct fx *fx = *state;
	const struct params p = { .readonly = true, .nq = 1 };
	struct ring *r;
	uint64_t a, st;
	uint8_t img[512];

	fx_remake(fx, &p);
	r = &fx->r[0];
	a = ring_buf(r, 512, 0x99);
	st = req1(r, VIRTIO_BLK_T_OUT, 2, a, 512, false);
	expect_status(fx, st, VIRTIO_BLK_S_IOERR);
	st = req_range(r, VIRTIO_BLK_T_DISCARD, 2, 1, 0, 1);
	expect_status(fx, st, VIRTIO_BLK_S_IOERR);
	st = req_range(r, VIRTIO_BLK_T_WRITE_ZEROES, 2, 1, 0, 1);
	expect_status(fx, st, VIRTIO_BLK_S_IOERR);
	img_read(fx, 2 * 512, img, 512);
	assert_true(all(img, 512, 2));
	/* Reads, flushes and GET_ID still work. */
	st = req1(r, VIRTIO_BLK_T_IN, 2, a, 512, true);
	assert_int_equal(run1(fx, st, NULL), VIRTIO_BLK_S_OK);
	assert_true(all(ring_at(r, a), 512, 2));
	st = req1(r, VIRTIO_BLK_T_FLUSH, 0, 0, 0, true);
	assert_int_equal(run1(fx, st, NULL), VIRTIO_BLK_S_OK);
}

static void test_unsupported(void **state)
{
	struct fx *fx = *state;
	struct ring *r = &fx->r[0];
	uint64_t a = ring_buf(r, 512, 0x44), st;
	static const uint32_t types[] = { 2,
					  3,
					  VIRTIO_BLK_T_GET_LIFETIME,
					  VIRTIO_BLK_T_SECURE_ERASE,
					  0x80000000,
					  UINT32_MAX };

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		st = req1(r, types[i], 0, a, 512, true);
		expect_status(fx, st, VIRTIO_BLK_S_UNSUPP);
	}
	assert_true(all(ring_at(r, a), 512, 0x44));
	assert_int_equal(fx->blk->stats.unsupp, 6);
}

static void test_bad_ranges(void **state)
{
	struct fx *fx = *state;
	struct ring *r = &fx->r[0];
	uint64_t st, a;

	/* 5.2.6.2: UNMAP on a discard, unknown flags: UNSUPP. */
	st = req_range(r, VIRTIO_BLK_T_DISCARD, 0, 8,
		       VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP, 1);
	expect_status(fx, st, VIRTIO_BLK_S_UNSUPP);
	st = req_range(r, VIRTIO_BLK_T_WRITE_ZEROES, 0, 8, 2, 1);
	expect_status(fx, st, VIRTIO_BLK_S_UNSUPP);
	/* More segments than max_*_seg, too many sectors: IOERR. */
	st = req_range(r, VIRTIO_BLK_T_DISCARD, 0, 8, 0, 2);
	expect_status(fx, st, VIRTIO_BLK_S_IOERR);
	st = req_range(r, VIRTIO_BLK_T_WRITE_ZEROES, 0,
		       VIRTIO_BLK_MAX_WRITE_ZEROES + 1, 0, 1);
	expect_status(fx, st, VIRTIO_BLK_S_IOERR);
	st = req_range(r, VIRTIO_BLK_T_DISCARD, 0, VIRTIO_BLK_MAX_DISCARD + 1,
		       0, 1);
	expect_status(fx, st, VIRTIO_BLK_S_IOERR);
	/* A segment cut short, and no segment at all. */
	a = ring_buf(r, 16, 0);
	st = req1(r, VIRTIO_BLK_T_WRITE_ZEROES, 0, a, 12, false);
	expect_status(fx, st, VIRTIO_BLK_S_IOERR);
	st = req1(r, VIRTIO_BLK_T_DISCARD, 0, 0, 0, false);
	expect_status(fx, st, VIRTIO_BLK_S_IOERR);
	/* Data written back: not for these. */
	st = req1(r, VIRTIO_BLK_T_DISCARD, 0, a, 16, true);
	expect_status(fx, st, VIRTIO_BLK_S_IOERR);
	{
		uint8_t img[512];
		img_read(fx, 0, img, 512);
		assert_true(all(img, 512, 0));
		img_read(fx, 7 * 512, img, 512);
		assert_true(all(img, 512, 7));
	}
}

/* DISCARD and WRITE_ZEROES not negotiated: UNSUPP. */
static void test_range_not_negotiated(void **state)
{
	struct fx *fx = *state;
	const struct params p = {
		.nq = 1,
		.drop = 1ULL << VIRTIO_BLK_F_DISCARD |
			1ULL << VIRTIO_BLK_F_WRITE_ZEROES,
	};
	uint64_t st;

	fx_remake(fx, &p);
	st = req_range(&fx->r[0], VIRTIO_BLK_T_DISCARD, 0, 8, 0, 1);
	expect_status(fx, st, VIRTIO_BLK_S_UNSUPP);
	st = req_range(&fx->r[0], VIRTIO_BLK_T_WRITE_ZEROES, 0, 8, 0, 1);
	expect_status(fx, st, VIRTIO_BLK_S_UNSUPP);
}

static void test_too_many_segments(void **state)
{
	struct fx *fx = *state;
	struct ring *r = &fx->r[0];
	uint64_t a[QSIZE], st, big;
	uint32_t l[QSIZE];
	bool w[QSIZE];
	unsigned int n = VIRTIO_BLK_SEG_MAX;

	/* seg_max segments: fine. */
	for (unsigned int i = 0; i < n; i++) {
		a[i] = ring_buf(r, 512, 0);
		l[i] = 512;
	}
	st = req(r, VIRTIO_BLK_T_IN, 0, n, a, l, true);
	assert_int_equal(run1(fx, st, NULL), VIRTIO_BLK_S_OK);
	for (unsigned int i = 0; i < n; i++)
		assert_true(all(ring_at(r, a[i]), 512, (uint8_t)i));
	/* One more (the header shares its buffer with the first). */
	a[0] = ring_buf(r, 16 + 512, 0x31);
	memcpy(ring_at(r, a[0]), &(uint32_t){ VIRTIO_BLK_T_OUT }, 4);
	memset(ring_at(r, a[0] + 4), 0, 12);
	l[0] = 16 + 512;
	w[0] = false;
	for (unsigned int i = 1; i <= n; i++) {
		a[i] = ring_buf(r, 512, 0x31);
		l[i] = 512;
		w[i] = false;
	}
	st = ring_buf(r, 1, ST_FRESH);
	a[n + 1] = st;
	l[n + 1] = 1;
	w[n + 1] = true;
	ring_chain(r, n + 2, a, l, w);
	expect_status(fx, st, VIRTIO_BLK_S_IOERR);
	{
		uint8_t img[512];
		img_read(fx, 0, img, 512);
		assert_true(all(img, 512, 0));
	}
	/* A segment larger than size_max. */
	big = ring_buf(r, VIRTIO_BLK_SIZE_MAX + 512, 0x31);
	st = req1(r, VIRTIO_BLK_T_IN, 0, big, VIRTIO_BLK_SIZE_MAX + 512, true);
	expect_status(fx, st, VIRTIO_BLK_S_IOERR);
	assert_true(all(ring_at(r, big), 4096, 0x31));
	/* A chain longer than the queue: the ring is malformed. */
	(void)w;
}

/* In flight, completions, order -------------------------------------- */

/* Many requests go to the backend at once; no status before the end. */
static void test_many_in_flight(void **state)
{
	struct fx *fx = *state;
	struct ring *r = &fx->r[0];
	enum { N = 64 };
	uint64_t buf[N], st[N];

	for (unsigned int i = 0; i < N; i++) {
		buf[i] = ring_buf(r, 1024, 0);
		st[i] = req1(r, VIRTIO_BLK_T_IN, 2 * i, buf[i], 1024, true);
	}
	kick(fx, 0); /* inline: submitted, not completed */
	assert_int_equal(disk_queue_inflight(fx->blk->dq), N);
	assert_int_equal(ring_used_idx(r), 0);
	for (unsigned int i = 0; i < N; i++)
		assert_int_equal(status_at(fx, st[i]), ST_FRESH);
	assert_int_equal(ring_irqs()->q[0], 0);
	finish(fx, 0, N);
	for (unsigned int i = 0; i < N; i++) {
		assert_int_equal(status_at(fx, st[i]), VIRTIO_BLK_S_OK);
		assert_true(all(ring_at(r, buf[i]), 512, (uint8_t)(2 * i)));
		assert_true(all(ring_at(r, buf[i]) + 512, 512,
				(uint8_t)(2 * i + 1)));
	}
	/* Every head came back once, whatever the order. */
	{
		bool seen[QSIZE] = { false };
		for (uint16_t i = 0; i < N; i++) {
			uint32_t id, len;
			ring_used_elem(r, i, &id, &len);
			assert_true(id < QSIZE && !seen[id]);
			seen[id] = true;
			assert_int_equal(len, 1025);
		}
	}
	assert_int_equal(disk_queue_inflight(fx->blk->dq), 0);
}

/* A write, a flush after it completes, then a read: the data is there. */
static void test_write_flush_read(void **state)
{
	struct fx *fx = *state;
	struct ring *r = &fx->r[0];
	uint64_t a = ring_buf(r, 4096, 0xab), b = ring_buf(r, 4096, 0), st;

	st = req1(r, VIRTIO_BLK_T_OUT, 1000, a, 4096, false);
	assert_int_equal(run1(fx, st, NULL), VIRTIO_BLK_S_OK);
	st = req1(r, VIRTIO_BLK_T_FLUSH, 0, 0, 0, true);
	assert_int_equal(run1(fx, st, NULL), VIRTIO_BLK_S_OK);
	st = req1(r, VIRTIO_BLK_T_IN, 1000, b, 4096, true);
	assert_int_equal(run1(fx, st, NULL), VIRTIO_BLK_S_OK);
	assert_true(all(ring_at(r, b), 4096, 0xab));
}

/* The backend's queue holds 2: the rest wait, parked, and all finish. */
static void test_backend_full(void **state)
{
	struct fx *fx = *state;
	const struct params p = { .nq = 1, .depth = 2 };
	struct ring *r;
	enum { N = 12 };
	uint64_t buf[N], st[N];

	fx_remake(fx, &p);
	r = &fx->r[0];
	for (unsigned int i = 0; i < N; i++) {
		buf[i] = ring_buf(r, 512, 0);
		st[i] = req1(r, VIRTIO_BLK_T_IN, 20 + i, buf[i], 512, true);
	}
	kick(fx, 0);
	assert_int_equal(disk_queue_inflight(fx->blk->dq), 2);
	assert_non_null(fx->blk->parked);
	assert_int_equal(fx->blk->stats.parked, 1);
	finish(fx, 0, N);
	for (unsigned int i = 0; i < N; i++) {
		assert_int_equal(status_at(fx, st[i]), VIRTIO_BLK_S_OK);
		assert_true(all(ring_at(r, buf[i]), 512, (uint8_t)(20 + i)));
	}
	assert_true(fx->blk->stats.parked >= 1);
}

/*
 * Would the driver notify after making one more chain available (2.7.10)?
 * With EVENT_IDX: when avail_event names the entry it is about to add.
 */
static bool wants_kick(struct fx *fx, unsigned int q)
{
	struct ring *r = &fx->r[q];
	uint16_t flags, event;

	memcpy(&flags, ring_at(r, r->used), sizeof(flags));
	memcpy(&event, ring_at(r, r->used + 4 + 8 * (uint64_t)r->size),
	       sizeof(event));
	if (fx->blk->vdev.q[q].vq.cfg.event_idx)
		return event == r->avail;
	return !(flags & VIRTQ_USED_F_NO_NOTIFY);
}

/*
 * Notifications are off while the device holds work it will come back to
 * (here: the backend is full, so the queue is starved), and on again once
 * it has taken everything; with and without EVENT_IDX.
 */
static void test_notifications_while_busy(void **state)
{
	struct fx *fx = *state;

	for (int pass = 0; pass < 2; pass++) {
		const struct params p = {
			.nq = 1,
			.depth = 2,
			.drop = pass ? 1ULL << VIRTIO_F_RING_EVENT_IDX : 0,
		};
		struct ring *r;
		enum { N = 8 };
		uint64_t buf[N], st[N];

		fx_remake(fx, &p);
		r = &fx->r[0];
		assert_int_equal(fx->blk->vdev.q[0].vq.cfg.event_idx, !pass);
		assert_true(wants_kick(fx, 0));
		for (unsigned int i = 0; i < N; i++) {
			buf[i] = ring_buf(r, 512, 0);
			st[i] = req1(r, VIRTIO_BLK_T_IN, 40 + i, buf[i], 512,
				     true);
		}
		kick(fx, 0); /* inline: 2 in the backend, 1 parked */
		assert_int_equal(disk_queue_inflight(fx->blk->dq), 2);
		assert_false(wants_kick(fx, 0));
		finish(fx, 0, N);
		for (unsigned int i = 0; i < N; i++)
			assert_int_equal(status_at(fx, st[i]), VIRTIO_BLK_S_OK);
		assert_true(wants_kick(fx, 0));
		/* and a request after that is seen through its kick */
		buf[0] = ring_buf(r, 512, 0);
		st[0] = req1(r, VIRTIO_BLK_T_IN, 7, buf[0], 512, true);
		kick(fx, 0);
		finish(fx, 0, N + 1);
		assert_int_equal(status_at(fx, st[0]), VIRTIO_BLK_S_OK);
		assert_true(all(ring_at(r, buf[0]), 512, 7));
		assert_true(wants_kick(fx, 0));
	}
}

/* A guest that offers more chains than its ring has entries waits. */
static void test_ring_overfilled(void **state)
{
	struct fx *fx = *state;
	const struct params p = { .nq = 1, .qsize = 8 };
	struct ring *r;
	uint64_t buf, st;
	uint16_t head;

	fx_remake(fx, &p);
	r = &fx->r[0];
	buf = ring_buf(r, 512, 0);
	st = req1(r, VIRTIO_BLK_T_IN, 1, buf, 512, true);
	head = 0;
	/* The same chain 7 more times: 8 in flight, the ring's size. */
	for (int i = 0; i < 7; i++)
		ring_publish(r, head);
	kick(fx, 0);
	assert_int_equal(disk_queue_inflight(fx->blk->dq), 8);
	/* 8 more, while those are in flight: no slot for them yet. */
	for (int i = 0; i < 8; i++)
		ring_publish(r, head);
	kick(fx, 0);
	assert_int_equal(disk_queue_inflight(fx->blk->dq), 8);
	finish(fx, 0, 16);
	assert_int_equal(status_at(fx, st), VIRTIO_BLK_S_OK);
	assert_int_equal(fx->blk->stats.reads, 16);
}

/* Two queues: each gets its own completions and interrupts. */
static void test_two_queues(void **state)
{
	struct fx *fx = *state;
	struct ring *r0 = &fx->r[0], *r1 = &fx->r[1];
	uint64_t a = ring_buf(r0, 512, 0), b = ring_buf(r1, 512, 0);
	uint64_t s0, s1;

	s0 = req1(r0, VIRTIO_BLK_T_IN, 30, a, 512, true);
	s1 = req1(r1, VIRTIO_BLK_T_IN, 31, b, 512, true);
	start(fx);
	kick(fx, 1);
	assert_true(wait_used(r1, 1));
	assert_true(wait_until(&ring_irqs()->q[1], 1));
	assert_int_equal(ring_used_idx(r0), 0);
	assert_true(all(ring_at(r1, b), 512, 31));
	assert_int_equal(*ring_at(r1, s1), VIRTIO_BLK_S_OK);
	kick(fx, 0);
	assert_true(wait_used(r0, 1));
	assert_true(wait_until(&ring_irqs()->q[0], 1));
	assert_int_equal(*ring_at(r0, s0), VIRTIO_BLK_S_OK);
	assert_true(all(ring_at(r0, a), 512, 30));
}

/* A reset waits for the requests in flight and drops their results. */
static void test_reset_in_flight(void **state)
{
	struct fx *fx = *state;
	struct ring *r = &fx->r[0];
	struct virtio_dev *d = &fx->blk->vdev;
	enum { N = 32 };
	uint64_t buf[N], st[N], w;
	uint8_t img[4096];

	w = ring_buf(r, 4096, 0xd7);
	for (unsigned int i = 0; i < N; i++) {
		buf[i] = ring_buf(r, 4096, 0);
		st[i] = req1(r, VIRTIO_BLK_T_IN, 8 * i, buf[i], 4096, true);
	}
	st[0] = req1(r, VIRTIO_BLK_T_OUT, 4000, w, 4096, false);
	kick(fx, 0);
	assert_true(disk_queue_inflight(fx->blk->dq) > 0);
	pthread_mutex_lock(&d->lock);
	virtio_set_status(d, 0);
	pthread_mutex_unlock(&d->lock);
	assert_int_equal(disk_queue_inflight(fx->blk->dq), 0);
	assert_int_equal(ring_used_idx(r), 0);
	for (unsigned int i = 0; i < N; i++)
		assert_int_equal(status_at(fx, st[i]), ST_FRESH);
	assert_null(virtio_vq(d, 0));
	/* The write did finish before the reset returned. */
	img_read(fx, 4000 * 512, img, 4096);
	assert_true(all(img, 4096, 0xd7));
	/* And the device works again after a new bring-up. */
	ring_free(&fx->r[0]);
	ring_init(&fx->r[0], QSIZE);
	fx->r[1].ram = fx->r[0].ram;
	d->mem = &fx->r[0].gm;
	driver_ok(fx);
	r = &fx->r[0];
	buf[0] = ring_buf(r, 512, 0);
	st[0] = req1(r, VIRTIO_BLK_T_IN, 3, buf[0], 512, true);
	assert_int_equal(run1(fx, st[0], NULL), VIRTIO_BLK_S_OK);
	assert_true(all(ring_at(r, buf[0]), 512, 3));
}

/* The same with the thread running and the worker-thread engine. */
static void test_reset_on_thread(void **state)
{
	struct fx *fx = *state;
	const struct params p = { .nq = 1 };
	struct virtio_dev *d;
	struct ring *r;
	enum { N = 48 };
	uint64_t buf[N];

	setenv(DISK_ENGINE_ENV, "thread", 1);
	fx_remake(fx, &p);
	unsetenv(DISK_ENGINE_ENV);
	assert_int_equal(disk_queue_engine(fx->blk->dq), DISK_ENGINE_THREAD);
	d = &fx->blk->vdev;
	r = &fx->r[0];
	for (unsigned int i = 0; i < N; i++) {
		buf[i] = ring_buf(r, 65536, 0);
		req1(r, VIRTIO_BLK_T_IN, 128 * i, buf[i], 65536, true);
	}
	start(fx);
	kick(fx, 0);
	pthread_mutex_lock(&d->lock);
	virtio_set_status(d, 0);
	pthread_mutex_unlock(&d->lock);
	/* Whatever finished before the reset was pushed; nothing after. */
	{
		uint16_t used = ring_used_idx(r);
		usleep(20000);
		assert_int_equal(ring_used_idx(r), used);
		assert_true(used <= N);
	}
	assert_null(virtio_vq(d, 0));
	virtio_dev_stop(d);
	fx->started = false;
	assert_int_equal(disk_queue_inflight(fx->blk->dq), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_config),
		T(test_config_readonly),
		T(test_write_read_round_trip),
		T(test_edges),
		T(test_framing),
		T(test_flush),
		T(test_get_id),
		T(test_default_serial),
		T(test_discard),
		T(test_discard_trimmed),
		T(test_write_zeroes),
		T(test_short_header),
		T(test_missing_status),
		T(test_header_only),
		T(test_bad_lengths),
		T(test_out_of_range),
		T(test_wrong_direction),
		T(test_readonly_refuses_writes),
		T(test_unsupported),
		T(test_bad_ranges),
		T(test_range_not_negotiated),
		T(test_too_many_segments),
		T(test_many_in_flight),
		T(test_write_flush_read),
		T(test_notifications_while_busy),
		T(test_backend_full),
		T(test_ring_overfilled),
		T(test_two_queues),
		T(test_reset_in_flight),
		T(test_reset_on_thread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
