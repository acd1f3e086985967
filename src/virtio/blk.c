/*
 * blk.c: virtio-blk.  See blk.h for what is emulated and what is not.
 *
 * A request's life (virtio 1.2, 5.2.6): popped from its virtqueue into
 * the iov scratch, checked (blk_check) into a struct blk_io, given a
 * request slot of its queue and submitted to the backend; the backend's
 * callback (blk_done) writes the status byte and pushes the chain.  Each
 * virtqueue has as many slots as entries, so a guest that makes more
 * chains available than its ring holds waits for completions.  When the
 * backend's own queue is full (-EAGAIN), the request is parked and
 * nothing more is popped until a completion lets it go in.
 */
#include "virtio/blk.h"

#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "util/iov.h"
#include "util/log.h"

#define BLK_SECTOR  512u
#define BLK_HDR_LEN 16u	 /* le32 type, le32 reserved, le64 sector */
#define BLK_SEG_LEN 16u	 /* le64 sector, le32 num_sectors, le32 flags */
#define BLK_PENDING 0xff /* blk_check: go to the backend */

/* One request in flight. */
struct blk_req {
	struct blk_req *next; /* its queue's free list */
	struct virtio_blk *blk;
	uint8_t *status;  /* the guest's status byte */
	uint32_t written; /* the used length on success */
	uint16_t q, head;
	uint8_t type;
};

struct blk_queue {
	struct blk_req *reqs; /* as many as the queue has entries */
	struct blk_req *free;
	bool starved; /* no room (a slot, or the backend): chains may wait */
	bool pushed;  /* used entries not yet signalled */
};

static const char *blk_name(const struct virtio_blk *b)
{
	return disk_path(b->disk);
}

/* Checking a request ---------------------------------------------------- */

/* Sectors [sector, sector + count) inside the disk, without overflow. */
static bool blk_range_ok(const struct virtio_blk *b, uint64_t sector,
			 uint64_t count)
{
	return sector <= b->info->sectors && count <= b->info->sectors - sector;
}

/* IN and OUT: len bytes of data at offset skip of the iovecs. */
static uint8_t blk_check_rw(struct virtio_blk *b, struct blk_io *io,
			    uint64_t sector, const struct iovec *iov,
			    unsigned int n, uint64_t skip, uint64_t len)
{
	if (len % BLK_SECTOR || !blk_range_ok(b, sector, len / BLK_SECTOR))
		return VIRTIO_BLK_S_IOERR;
	io->off = sector * BLK_SECTOR;
	io->len = len;
	if (!len)
		return VIRTIO_BLK_S_OK; /* nothing to move */
	io->iovcnt = iov_slice(b->data, VIRTIO_BLK_SEG_MAX, iov, n, skip, len);
	if (io->iovcnt > VIRTIO_BLK_SEG_MAX)
		return VIRTIO_BLK_S_IOERR;
	for (unsigned int i = 0; i < io->iovcnt; i++)
		if (b->data[i].iov_len > VIRTIO_BLK_SIZE_MAX)
			return VIRTIO_BLK_S_IOERR;
	return BLK_PENDING;
}

/* DISCARD and WRITE_ZEROES: one segment after the header. */
static uint8_t blk_check_range(struct virtio_blk *b, struct blk_io *io,
			       uint8_t type, const struct virtq_chain *c)
{
	const bool wz = type == VIRTIO_BLK_T_WRITE_ZEROES;
	struct {
		uint64_t sector;
		uint32_t num_sectors;
		uint32_t flags;
	} seg = { 0 };
	uint64_t sector, off, end, bs = b->info->block_size;
	uint32_t count, flags;

	if (b->info->readonly)
		return VIRTIO_BLK_S_IOERR; /* 5.2.6.2: RO writes nothing */
	if (!virtio_has_feature(&b->vdev, wz ? VIRTIO_BLK_F_WRITE_ZEROES
					     : VIRTIO_BLK_F_DISCARD))
		return VIRTIO_BLK_S_UNSUPP;
	/* max_*_seg is 1: exactly one segment, nothing written back. */
	if (c->out_len != BLK_HDR_LEN + BLK_SEG_LEN || c->in_len != 1)
		return VIRTIO_BLK_S_IOERR;
	iov_read(b->iov, c->nout, BLK_HDR_LEN, &seg, sizeof(seg));
	sector = le64toh(seg.sector);
	count = le32toh(seg.num_sectors);
	flags = le32toh(seg.flags);
	/* 5.2.6.2: unknown flags, and UNMAP on a discard, are UNSUPP. */
	if (flags & ~(uint32_t)VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP ||
	    (!wz && flags))
		return VIRTIO_BLK_S_UNSUPP;
	if (count > (wz ? VIRTIO_BLK_MAX_WRITE_ZEROES
			: VIRTIO_BLK_MAX_DISCARD) ||
	    !blk_range_ok(b, sector, count))
		return VIRTIO_BLK_S_IOERR;
	off = sector * BLK_SECTOR;
	end = off + (uint64_t)count * BLK_SECTOR;
	if (!wz) {
		/* A discard is a hint: only whole blocks are worth it. */
		off = (off + bs - 1) & ~(bs - 1);
		end &= ~(bs - 1);
	}
	if (end <= off)
		return VIRTIO_BLK_S_OK;
	io->off = off;
	io->len = end - off;
	io->unmap = flags & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP;
	return BLK_PENDING;
}

/*
 * Check the chain in b->iov (c->nin >= 1) and say what it asks: a status
 * to give at once, or BLK_PENDING with *io filled.  *type and *written
 * (the used length on success) are set either way.
 */
static uint8_t blk_check(struct virtio_blk *b, const struct virtq_chain *c,
			 struct blk_io *io, uint8_t *type, uint32_t *written)
{
	const struct iovec *out = b->iov, *in = b->iov + c->nout;
	uint64_t out_data, in_data = c->in_len - 1; /* the status aside */
	struct {
		uint32_t type;
		uint32_t ioprio;
		uint64_t sector;
	} hdr = { 0 };
	uint64_t sector;
	size_t n;

	*type = 0xff;
	*written = 1;
	memset(io, 0, sizeof(*io));
	if (c->out_len < BLK_HDR_LEN)
		return VIRTIO_BLK_S_IOERR;
	iov_read(out, c->nout, 0, &hdr, sizeof(hdr));
	out_data = c->out_len - BLK_HDR_LEN;
	sector = le64toh(hdr.sector);
	switch (le32toh(hdr.type)) {
	case VIRTIO_BLK_T_IN:
		*type = VIRTIO_BLK_T_IN;
		if (out_data)
			return VIRTIO_BLK_S_IOERR;
		*written = (uint32_t)in_data + 1;
		return blk_check_rw(b, io, sector, in, c->nin, 0, in_data);
	case VIRTIO_BLK_T_OUT:
		*type = VIRTIO_BLK_T_OUT;
		if (in_data || b->info->readonly)
			return VIRTIO_BLK_S_IOERR;
		return blk_check_rw(b, io, sector, out, c->nout, BLK_HDR_LEN,
				    out_data);
	case VIRTIO_BLK_T_FLUSH:
		*type = VIRTIO_BLK_T_FLUSH;
		return BLK_PENDING;
	case VIRTIO_BLK_T_GET_ID:
		/* 20 bytes, NUL-padded; a shorter buffer gets what fits. */
		*type = VIRTIO_BLK_T_GET_ID;
		n = in_data < VIRTIO_BLK_ID_BYTES ? (size_t)in_data
						  : VIRTIO_BLK_ID_BYTES;
		iov_write(in, c->nin, 0, b->serial, n);
		*written = (uint32_t)n + 1;
		return VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		*type = (uint8_t)le32toh(hdr.type);
		return blk_check_range(b, io, *type, c);
	default:
		return VIRTIO_BLK_S_UNSUPP;
	}
}

/* Completing ------------------------------------------------------------- */

static void blk_count(struct virtio_blk *b, uint8_t type, uint8_t status,
		      uint64_t bytes)
{
	struct virtio_blk_stats *s = &b->stats;

	if (status == VIRTIO_BLK_S_IOERR)
		s->ioerr++;
	else if (status == VIRTIO_BLK_S_UNSUPP)
		s->unsupp++;
	if (status != VIRTIO_BLK_S_OK)
		return;
	switch (type) {
	case VIRTIO_BLK_T_IN:
		s->reads++;
		s->read_bytes += bytes;
		break;
	case VIRTIO_BLK_T_OUT:
		s->writes++;
		s->write_bytes += bytes;
		break;
	case VIRTIO_BLK_T_FLUSH:
		s->flushes++;
		break;
	case VIRTIO_BLK_T_GET_ID:
		s->get_ids++;
		break;
	case VIRTIO_BLK_T_DISCARD:
		s->discards++;
		break;
	case VIRTIO_BLK_T_WRITE_ZEROES:
		s->write_zeroes++;
		break;
	}
}

/* The status byte, then the used entry; the interrupt comes later. */
static void blk_finish(struct virtio_blk *b, unsigned int q, uint16_t head,
		       uint8_t *status, uint8_t st, uint32_t written)
{
	*status = st;
	virtio_push(&b->vdev, q, head, st == VIRTIO_BLK_S_OK ? written : 1);
	b->bq[q].pushed = true;
}

static void blk_req_put(struct virtio_blk *b, struct blk_req *r)
{
	struct blk_queue *bq = &b->bq[r->q];

	r->next = bq->free;
	bq->free = r;
}

/* The backend's callback, on the device thread. */
static void blk_done(void *ctx, int64_t result)
{
	struct blk_req *r = ctx;
	struct virtio_blk *b = r->blk;
	uint8_t st = result < 0 ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;

	if (result < 0)
		log_debug("virtio-blk", "%s: request type %u: %s", blk_name(b),
			  r->type, strerror((int)-result));
	if (!b->resetting) {
		blk_count(b, r->type, st, result > 0 ? (uint64_t)result : 0);
		blk_finish(b, r->q, r->head, r->status, st, r->written);
	}
	blk_req_put(b, r);
}

static int blk_submit(struct virtio_blk *b, struct blk_req *r,
		      const struct blk_io *io)
{
	switch (r->type) {
	case VIRTIO_BLK_T_IN:
		return disk_read(b->dq, io->off, b->data, io->iovcnt, blk_done,
				 r);
	case VIRTIO_BLK_T_OUT:
		return disk_write(b->dq, io->off, b->data, io->iovcnt, blk_done,
				  r);
	case VIRTIO_BLK_T_FLUSH:
		return disk_flush(b->dq, blk_done, r);
	case VIRTIO_BLK_T_DISCARD:
		return disk_discard(b->dq, io->off, io->len, blk_done, r);
	case VIRTIO_BLK_T_WRITE_ZEROES:
		return disk_write_zeroes(b->dq, io->off, io->len, io->unmap,
					 blk_done, r);
	}
	return -EINVAL;
}

/* Hand a request to the backend; -EAGAIN parks it. */
static void blk_start(struct virtio_blk *b, struct blk_req *r,
		      const struct blk_io *io)
{
	int rc = blk_submit(b, r, io);

	if (rc == -EAGAIN) {
		b->parked = r;
		b->parked_io = *io;
		b->stats.parked++;
		return;
	}
	if (rc) {
		log_debug("virtio-blk", "%s: request type %u refused: %s",
			  blk_name(b), r->type, strerror(-rc));
		blk_count(b, r->type, VIRTIO_BLK_S_IOERR, 0);
		blk_finish(b, r->q, r->head, r->status, VIRTIO_BLK_S_IOERR, 1);
		blk_req_put(b, r);
	}
}

/* One chain just popped from queue q into b->iov. */
static void blk_request(struct virtio_blk *b, unsigned int q,
			const struct virtq_chain *c)
{
	struct blk_queue *bq = &b->bq[q];
	const struct iovec *last;
	struct blk_req *r;
	struct blk_io io;
	uint8_t *status, type, st;
	uint32_t written;

	if (!c->nin) {
		/* No status byte: nothing can tell the driver (blk.h). */
		log_info("virtio-blk",
			 "%s: queue %u: a request without a status byte",
			 blk_name(b), q);
		virtio_set_needs_reset(&b->vdev);
		return;
	}
	last = &b->iov[c->nout + c->nin - 1];
	status = (uint8_t *)last->iov_base + last->iov_len - 1;
	st = blk_check(b, c, &io, &type, &written);
	if (st != BLK_PENDING) {
		blk_count(b, type, st, 0);
		blk_finish(b, q, c->head, status, st, written);
		return;
	}
	r = bq->free; /* the caller saw one */
	bq->free = r->next;
	*r = (struct blk_req){ .blk = b,
			       .status = status,
			       .written = written,
			       .q = (uint16_t)q,
			       .head = c->head,
			       .type = type };
	blk_start(b, r, &io);
}

/*
 * Take every request queue q has, while there is room for them.  The
 * driver's notifications are off meanwhile (2.7.10): what it adds while
 * this loop runs is taken without an exit.  They stay off while the queue
 * is starved, since blk_resume comes back for the rest, and go on again
 * only when the ring is empty, with one more look for what the driver
 * added just before it saw them on.
 */
static void blk_process(struct virtio_blk *b, unsigned int q)
{
	struct blk_queue *bq = &b->bq[q];
	struct virtq *vq = virtio_vq(&b->vdev, q);

	if (!vq)
		return;
	virtq_notify_enable(vq, false);
	disk_plug(b->dq);
	for (;;) {
		struct virtq_chain c = { .iov = b->iov,
					 .iov_cap = VIRTIO_BLK_QUEUE_SIZE };
		int r;

		if (atomic_load(&b->vdev.needs_reset))
			break;
		if (b->parked || !bq->free) {
			bq->starved = true; /* blk_resume comes back */
			break;
		}
		r = virtio_pop(&b->vdev, q, &c);
		if (r < 0)
			break;
		if (r == 0) {
			if (!virtq_notify_enable(vq, true))
				break;
			virtq_notify_enable(vq, false);
			continue;
		}
		blk_request(b, q, &c);
	}
	disk_unplug(b->dq);
}

/* One interrupt per queue that has new used entries. */
static void blk_interrupts(struct virtio_blk *b)
{
	for (unsigned int q = 0; q < b->vdev.nq; q++) {
		if (b->bq[q].pushed) {
			b->bq[q].pushed = false;
			virtio_notify(&b->vdev, q);
		}
	}
}

/* After completions: the parked request first, then waiting queues. */
static void blk_resume(struct virtio_blk *b)
{
	bool all = false;

	if (b->parked) {
		struct blk_req *r = b->parked;

		b->parked = NULL;
		blk_start(b, r, &b->parked_io);
		if (b->parked)
			return; /* still full */
		all = true;
	}
	for (unsigned int q = 0; q < b->vdev.nq; q++) {
		struct blk_queue *bq = &b->bq[q];
		if ((all || bq->starved) && bq->free) {
			bq->starved = false;
			blk_process(b, q);
		}
	}
}

void virtio_blk_complete(struct virtio_blk *b)
{
	disk_complete(b->dq);
	if (!b->bq)
		return; /* not active */
	blk_resume(b);
	blk_interrupts(b);
}

/* The backend's eventfd: run its callbacks. */
static void blk_on_disk(void *ctx, int fd, uint32_t events)
{
	(void)fd, (void)events;
	virtio_blk_complete(ctx);
}

/* The device's ops -------------------------------------------------------- */

static void blk_config_read(struct virtio_dev *d, uint32_t off, void *buf,
			    uint32_t len)
{
	struct virtio_blk *b = (struct virtio_blk *)d;

	memcpy(buf, b->config + off, len); /* the core checked the range */
}

static void blk_free_queues(struct virtio_blk *b)
{
	if (!b->bq)
		return;
	for (unsigned int q = 0; q < b->vdev.nq; q++)
		free(b->bq[q].reqs);
	free(b->bq);
	b->bq = NULL;
}

static int blk_activate(struct virtio_dev *d)
{
	struct virtio_blk *b = (struct virtio_blk *)d;

	b->bq = calloc(d->nq, sizeof(*b->bq));
	if (!b->bq)
		return -ENOMEM;
	for (unsigned int q = 0; q < d->nq; q++) {
		struct virtq *vq = virtio_vq(d, q);
		struct blk_queue *bq = &b->bq[q];

		if (!vq)
			continue;
		bq->reqs = calloc(vq->cfg.size, sizeof(*bq->reqs));
		if (!bq->reqs) {
			blk_free_queues(b);
			return -ENOMEM;
		}
		for (unsigned int i = vq->cfg.size; i-- > 0;) {
			bq->reqs[i].next = bq->free;
			bq->free = &bq->reqs[i];
		}
	}
	return 0;
}

static void blk_notify(struct virtio_dev *d, unsigned int q)
{
	struct virtio_blk *b = (struct virtio_blk *)d;

	blk_process(b, q);
	blk_interrupts(b);
}

/* Wait for what is in flight, drop its results, forget the queues. */
static void blk_reset(struct virtio_dev *d)
{
	struct virtio_blk *b = (struct virtio_blk *)d;

	b->resetting = true;
	disk_drain(b->dq);
	b->resetting = false;
	b->parked = NULL; /* never reached the backend */
	blk_free_queues(b);
}

static void blk_destroy(struct virtio_dev *d)
{
	struct virtio_blk *b = (struct virtio_blk *)d;

	disk_queue_destroy(b->dq);
	free(b);
}

static const struct virtio_dev_ops blk_ops = {
	.name = "virtio-blk",
	.device_id = VIRTIO_ID_BLOCK,
	.num_queues = 1, /* virtio_blk_create says how many */
	.queue_max = VIRTIO_BLK_QUEUE_SIZE,
	.config_size = VIRTIO_BLK_CONFIG_SIZE,
	.config_read = blk_config_read,
	.activate = blk_activate,
	.notify = blk_notify,
	.reset = blk_reset,
	.destroy = blk_destroy,
};

/* Creation ---------------------------------------------------------------- */

void virtio_blk_default_serial(const char *path,
			       uint8_t out[VIRTIO_BLK_ID_BYTES])
{
	const char *name = strrchr(path, '/');

	name = name ? name + 1 : path;
	memset(out, 0, VIRTIO_BLK_ID_BYTES);
	for (size_t i = 0; i < VIRTIO_BLK_ID_BYTES && name[i]; i++)
		out[i] = name[i] > ' ' && name[i] <= '~' ? (uint8_t)name[i]
							 : '_';
}

static void put16(uint8_t *p, uint16_t v)
{
	v = htole16(v);
	memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, 8);
}

static unsigned int log2u(uint32_t v)
{
	unsigned int n = 0;

	while (v > 1) {
		v >>= 1;
		n++;
	}
	return n;
}

/* The configuration space (5.2.4), fixed for the device's life. */
static void blk_build_config(struct virtio_blk *b)
{
	const struct disk_info *in = b->info;
	uint8_t *c = b->config;
	uint32_t per_phys = in->phys_block_size / in->block_size;

	memset(c, 0, sizeof(b->config));
	put64(c + VIRTIO_BLK_CFG_CAPACITY, in->sectors);
	put32(c + VIRTIO_BLK_CFG_SIZE_MAX, VIRTIO_BLK_SIZE_MAX);
	put32(c + VIRTIO_BLK_CFG_SEG_MAX, VIRTIO_BLK_SEG_MAX);
	put32(c + VIRTIO_BLK_CFG_BLK_SIZE, in->block_size);
	/* Topology: in logical blocks; a physical block is a power of 2. */
	c[VIRTIO_BLK_CFG_PHYS_BLOCK_EXP] = (uint8_t)log2u(per_phys);
	put16(c + VIRTIO_BLK_CFG_MIN_IO_SIZE, (uint16_t)per_phys);
	put16(c + VIRTIO_BLK_CFG_NUM_QUEUES, (uint16_t)b->vdev.nq);
	put32(c + VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS, VIRTIO_BLK_MAX_DISCARD);
	put32(c + VIRTIO_BLK_CFG_MAX_DISCARD_SEG, 1);
	put32(c + VIRTIO_BLK_CFG_DISCARD_ALIGNMENT,
	      in->phys_block_size / BLK_SECTOR);
	put32(c + VIRTIO_BLK_CFG_MAX_WZ_SECTORS, VIRTIO_BLK_MAX_WRITE_ZEROES);
	put32(c + VIRTIO_BLK_CFG_MAX_WZ_SEG, 1);
	c[VIRTIO_BLK_CFG_WZ_MAY_UNMAP] = 1;
}

int virtio_blk_create(struct virtio_blk **out, const struct guest_mem *mem,
		      struct disk *disk, const struct virtio_blk_opts *opts,
		      char *err, size_t errlen)
{
	const struct disk_info *in = disk_get_info(disk);
	unsigned int nq = opts->num_queues ? opts->num_queues : 1;
	uint64_t features =
		1ULL << VIRTIO_BLK_F_SIZE_MAX | 1ULL << VIRTIO_BLK_F_SEG_MAX |
		1ULL << VIRTIO_BLK_F_BLK_SIZE | 1ULL << VIRTIO_BLK_F_FLUSH |
		1ULL << VIRTIO_BLK_F_TOPOLOGY | 1ULL << VIRTIO_BLK_F_MQ;
	struct virtio_blk *b;
	int r;

	*out = NULL;
	if (nq > VIRTIO_BLK_MAX_QUEUES)
		nq = VIRTIO_BLK_MAX_QUEUES;
	if (in->readonly)
		features |= 1ULL << VIRTIO_BLK_F_RO;
	else
		features |= 1ULL << VIRTIO_BLK_F_WRITE_ZEROES;
	if (in->discard)
		features |= 1ULL << VIRTIO_BLK_F_DISCARD;
	b = calloc(1, sizeof(*b));
	if (!b) {
		snprintf(err, errlen, "%s: out of memory", disk_path(disk));
		return -ENOMEM;
	}
	r = virtio_dev_init_with(&b->vdev, &blk_ops, mem, nq, features);
	if (r) {
		snprintf(err, errlen, "%s: virtio-blk: %s", disk_path(disk),
			 strerror(-r));
		free(b);
		return r;
	}
	b->disk = disk;
	b->info = in;
	/* From here on virtio_dev_destroy frees b (blk_destroy). */
	r = disk_queue_create(disk, &b->dq, err, errlen);
	if (r)
		goto fail;
	r = evloop_add_fd(b->vdev.loop, disk_queue_fd(b->dq), EPOLLIN,
			  blk_on_disk, b);
	if (r) {
		snprintf(err, errlen, "%s: virtio-blk: %s", disk_path(disk),
			 strerror(-r));
		goto fail;
	}
	if (opts->serial && *opts->serial)
		memcpy(b->serial, opts->serial,
		       strnlen(opts->serial, VIRTIO_BLK_ID_BYTES));
	else
		virtio_blk_default_serial(disk_path(disk), b->serial);
	blk_build_config(b);
	log_info("virtio-blk", "%s: %u queue%s of %u, serial %.20s%s",
		 disk_path(disk), nq, nq == 1 ? "" : "s", VIRTIO_BLK_QUEUE_SIZE,
		 (const char *)b->serial, in->readonly ? ", read-only" : "");
	*out = b;
	return 0;
fail:
	virtio_dev_destroy(&b->vdev);
	return r;
}
