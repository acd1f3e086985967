/*
 * disk_uring.c: the block backend's io_uring engine (liburing).
 *
 * One ring per disk_queue, as many SQ entries as the queue has slots (each
 * request has at most one step in the kernel), the queue's eventfd
 * registered with io_uring_register_eventfd so the kernel writes it as it
 * posts completions.  Steps map to IORING_OP_READV, WRITEV, FSYNC (with
 * IORING_FSYNC_DATASYNC) and FALLOCATE; BLKDISCARD, an ioctl, goes to a
 * small worker pool made on first use, which writes the same eventfd.
 *
 * The ring is set up without SINGLE_ISSUER or COOP_TASKRUN: it is made on
 * main's thread and used on the device's, and the device thread sleeps in
 * epoll, where only a normal task-work notification wakes it.
 */
#include <errno.h>
#include <liburing.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/disk_int.h"
#include "util/log.h"

struct disk_uring {
	struct io_uring ring;
};

static int disk_uring_probe(struct io_uring *ring)
{
	static const int need[] = { IORING_OP_READV, IORING_OP_WRITEV,
				    IORING_OP_FSYNC, IORING_OP_FALLOCATE };
	struct io_uring_probe *p = io_uring_get_probe_ring(ring);
	int r = 0;

	if (!p)
		return -EOPNOTSUPP;
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (!io_uring_opcode_supported(p, need[i]))
			r = -EOPNOTSUPP;
	io_uring_free_probe(p);
	return r;
}

static int disk_uring_init(struct disk_queue *q)
{
	struct disk_uring *u = calloc(1, sizeof(*u));
	int r;

	if (!u)
		return -ENOMEM;
	r = io_uring_queue_init(q->depth, &u->ring, 0);
	if (r < 0) {
		free(u);
		return r;
	}
	r = disk_uring_probe(&u->ring);
	if (r == 0)
		r = io_uring_register_eventfd(&u->ring, q->efd);
	if (r < 0) {
		io_uring_queue_exit(&u->ring);
		free(u);
		return r;
	}
	q->uring = u;
	return 0;
}

static void disk_uring_fini(struct disk_queue *q)
{
	disk_pool_destroy(q->pool);
	q->pool = NULL;
	if (q->uring) {
		io_uring_queue_exit(&q->uring->ring);
		free(q->uring);
		q->uring = NULL;
	}
}

/*
 * Hand what is in the SQ ring to the kernel.  Should the kernel refuse for
 * want of resources, the entries stay in the ring; writing our own eventfd
 * brings the owner back to disk_complete, which tries again.
 */
static void disk_uring_kick(struct disk_queue *q)
{
	struct io_uring *ring = &q->uring->ring;
	int r;

	while (io_uring_sq_ready(ring) > 0) {
		r = io_uring_submit(ring);
		if (r == -EINTR)
			continue;
		if (r == -EAGAIN || r == -EBUSY) {
			disk_queue_wake(q);
			return;
		}
		if (r < 0) {
			/* A bug (EBADF, EFAULT...): retrying would spin. */
			log_err("disk", "%s: io_uring_submit: %s",
				q->disk->path, strerror(-r));
			return;
		}
		if (r == 0)
			return;
	}
}

static int disk_uring_submit(struct disk_queue *q, struct disk_req *r)
{
	struct io_uring *ring = &q->uring->ring;
	struct io_uring_sqe *sqe;
	int rc;

	if (r->step > DISK_STEP_BLKDISCARD)
		return -EINVAL;
	if (r->step == DISK_STEP_BLKDISCARD) {
		if (!q->pool) {
			rc = disk_pool_create(&q->pool, q->disk->fd, q->efd, 2);
			if (rc < 0)
				return rc;
		}
		return disk_pool_submit(q->pool, r);
	}
	sqe = io_uring_get_sqe(ring);
	if (!sqe) {
		disk_uring_kick(q);
		sqe = io_uring_get_sqe(ring);
		if (!sqe)
			return -EAGAIN;
	}
	switch (r->step) {
	case DISK_STEP_READV:
		io_uring_prep_readv(sqe, q->disk->fd, r->step_iov,
				    r->step_iovcnt, r->step_off);
		break;
	case DISK_STEP_WRITEV:
		io_uring_prep_writev(sqe, q->disk->fd, r->step_iov,
				     r->step_iovcnt, r->step_off);
		break;
	case DISK_STEP_FDATASYNC:
		io_uring_prep_fsync(sqe, q->disk->fd, IORING_FSYNC_DATASYNC);
		break;
	case DISK_STEP_FALLOCATE:
		io_uring_prep_fallocate(sqe, q->disk->fd, r->step_mode,
					(off_t)r->step_off, (off_t)r->step_len);
		break;
	case DISK_STEP_BLKDISCARD:
		break; /* the pool's, above */
	}
	io_uring_sqe_set_data(sqe, r);
	if (!q->plug)
		disk_uring_kick(q);
	return 0;
}

static void disk_uring_reap(struct disk_queue *q)
{
	struct io_uring *ring = &q->uring->ring;
	struct io_uring_cqe *cqe;
	struct disk_req *r, *next;
	int res;

	/* Each entry is consumed before its step goes on, freeing its slot. */
	while (io_uring_peek_cqe(ring, &cqe) == 0) {
		r = io_uring_cqe_get_data(cqe);
		res = cqe->res;
		io_uring_cqe_seen(ring, cqe);
		disk_step_done(q, r, res);
	}
	if (q->pool)
		for (r = disk_pool_take(q->pool); r; r = next) {
			next = r->next;
			disk_step_done(q, r, r->step_res);
		}
}

const struct disk_engine_ops disk_uring_ops = {
	.engine = DISK_ENGINE_URING,
	.init = disk_uring_init,
	.fini = disk_uring_fini,
	.submit = disk_uring_submit,
	.kick = disk_uring_kick,
	.reap = disk_uring_reap,
};
