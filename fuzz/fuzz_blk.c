/*
 * fuzz_blk.c: libFuzzer target for virtio-blk's request handling
 * (virtio/blk.c) on the virtio core.  The input is a driver's choices (the
 * features it takes, a queue's size and ring addresses) and a guest memory
 * image holding the ring, the descriptors, the headers and the data; the
 * device runs against two real 1 MiB images in memory files (memfd), one
 * writable and one read-only.  The target brings the device up, notifies
 * the queue, runs every completion, lets the guest make more chains
 * available between rounds as the input says, and resets the device (at
 * the end, or with requests in flight).  It aborts if a request stays
 * parked once the backend is idle, or a reset leaves anything in flight;
 * ASan catches any access outside the two RAM allocations, and a request
 * that never completes hangs (a libFuzzer timeout).
 *
 * Input: struct fuzz_hdr, then the image of region A (zero-padded to
 * A_SIZE), then region B's.  fuzz/seeds.py writes the seed corpus.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "backend/disk.h"
#include "util/log.h"
#include "virtio/blk.h"

#define A_GPA	 0x10000ULL
#define A_SIZE	 0x10000ULL
#define B_GPA	 (A_GPA + A_SIZE) /* adjacent, but another allocation */
#define B_SIZE	 0x1000ULL
#define IMG_SIZE (1u << 20)

struct fuzz_hdr {
	uint8_t size;  /* queue size: 1 << (size % 9) */
	uint8_t flags; /* FUZZ_F_* */
	uint16_t desc; /* offsets from A_GPA of the three areas */
	uint16_t avail;
	uint16_t used;
	uint8_t bumps[4]; /* avail idx moves between rounds, a nibble each */
} __attribute__((packed));

#define FUZZ_F_READONLY	   1
#define FUZZ_F_NO_EVENT	   2  /* the driver drops EVENT_IDX */
#define FUZZ_F_NO_INDIRECT 4  /* ... INDIRECT_DESC */
#define FUZZ_F_NO_DISCARD  8  /* ... DISCARD and WRITE_ZEROES */
#define FUZZ_F_RESET_EARLY 16 /* reset with requests in flight */

static struct guest_mem gm;
static uint8_t *ram_a, *ram_b;
static struct disk *disks[2];
static struct virtio_blk *blks[2];

/* An image in a memory file, opened by its /proc path as hyve would. */
static struct disk *open_image(bool readonly)
{
	const struct disk_opts o = { .readonly = readonly, .depth = 8 };
	char path[64], err[256];
	struct disk *d;
	int fd = memfd_create("fuzz-blk", MFD_CLOEXEC);

	if (fd < 0 || ftruncate(fd, IMG_SIZE) < 0)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (disk_open(&d, path, &o, err, sizeof(err))) {
		fprintf(stderr, "fuzz_blk: %s\n", err);
		abort();
	}
	/* The disk has its own open file; fd stays so the path lives. */
	return d;
}

static void init_once(void)
{
	static bool done;
	char err[256];

	if (done)
		return;
	done = true;
	log_set_level(getenv("FUZZ_BLK_LOG") ? LOG_DEBUG : LOG_ERROR);
	ram_a = malloc(A_SIZE);
	ram_b = malloc(B_SIZE);
	if (!ram_a || !ram_b || mem_add_region(&gm, A_GPA, A_SIZE, ram_a) ||
	    mem_add_region(&gm, B_GPA, B_SIZE, ram_b))
		abort();
	for (int i = 0; i < 2; i++) {
		const struct virtio_blk_opts bo = { .serial = "fuzz",
						    .num_queues = 1 };
		disks[i] = open_image(i == 1);
		if (virtio_blk_create(&blks[i], &gm, disks[i], &bo, err,
				      sizeof(err))) {
			fprintf(stderr, "fuzz_blk: %s\n", err);
			abort();
		}
	}
}

static void copy_region(uint8_t *dst, size_t size, const uint8_t **data,
			size_t *left)
{
	size_t n = *left < size ? *left : size;

	memset(dst, 0, size);
	memcpy(dst, *data, n);
	*data += n;
	*left -= n;
}

/* Every completion, until nothing is in flight or parked. */
static void drain(struct virtio_blk *b)
{
	struct pollfd p = { .fd = disk_queue_fd(b->dq), .events = POLLIN };

	while (disk_queue_inflight(b->dq) > 0) {
		if (poll(&p, 1, -1) < 0)
			abort();
		virtio_blk_complete(b);
	}
	if (b->parked)
		abort(); /* a parked request outlived the full queue */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t s0 = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;
	struct fuzz_hdr h;
	struct virtio_blk *b;
	struct virtio_dev *d;
	uint64_t f;
	uint16_t qsize, *avail_idx;

	init_once();
	if (size < sizeof(h))
		return 0;
	memcpy(&h, data, sizeof(h));
	data += sizeof(h);
	size -= sizeof(h);
	copy_region(ram_a, A_SIZE, &data, &size);
	copy_region(ram_b, B_SIZE, &data, &size);
	b = blks[h.flags & FUZZ_F_READONLY ? 1 : 0];
	d = &b->vdev;
	qsize = (uint16_t)(1u << (h.size % 9));

	/* The driver's bring-up (3.1.1). */
	f = virtio_get_features(d, 0) | (uint64_t)virtio_get_features(d, 1)
						<< 32;
	if (h.flags & FUZZ_F_NO_EVENT)
		f &= ~(1ULL << VIRTIO_F_RING_EVENT_IDX);
	if (h.flags & FUZZ_F_NO_INDIRECT)
		f &= ~(1ULL << VIRTIO_F_INDIRECT_DESC);
	if (h.flags & FUZZ_F_NO_DISCARD)
		f &= ~(1ULL << VIRTIO_BLK_F_DISCARD |
		       1ULL << VIRTIO_BLK_F_WRITE_ZEROES);
	pthread_mutex_lock(&d->lock);
	virtio_set_status(d, s0);
	virtio_set_driver_features(d, 0, (uint32_t)f);
	virtio_set_driver_features(d, 1, (uint32_t)(f >> 32));
	virtio_set_status(d, s0 | VIRTIO_STATUS_FEATURES_OK);
	virtio_queue_set_size(d, 0, qsize);
	virtio_queue_set_addr(d, 0, A_GPA + h.desc, A_GPA + h.avail,
			      A_GPA + h.used);
	virtio_queue_enable(d, 0);
	/* Activation notifies the queue: the first round. */
	virtio_set_status(d, s0 | VIRTIO_STATUS_FEATURES_OK |
				     VIRTIO_STATUS_DRIVER_OK);
	pthread_mutex_unlock(&d->lock);

	if (virtio_vq(d, 0)) {
		avail_idx = (uint16_t *)(void *)(ram_a + h.avail + 2);
		for (unsigned int round = 0; round < 8; round++) {
			uint8_t n = h.bumps[round / 2];

			n = round % 2 ? n >> 4 : n & 15;
			if (h.flags & FUZZ_F_RESET_EARLY && round == 4)
				break; /* reset with requests in flight */
			drain(b);
			if (!n)
				break;
			__atomic_store_n(avail_idx, (uint16_t)(*avail_idx + n),
					 __ATOMIC_RELEASE);
			d->ops->notify(d, 0);
		}
	}
	pthread_mutex_lock(&d->lock);
	virtio_set_status(d, 0);
	pthread_mutex_unlock(&d->lock);
	if (disk_queue_inflight(b->dq) || b->parked || b->bq)
		abort();
	return 0;
}
