/*
 * disk.c: the block backend's common part: opening and locking an image,
 * the request slots of a queue, checking requests before they reach the
 * kernel, and turning each request into steps (one system call each) that
 * an engine (disk_uring.c, disk_thread.c) runs.  See disk.h for the
 * interface and its threading rules, disk_int.h for the step model.
 *
 * What a step's result leads to is decided here, once for both engines:
 * a short read or write goes on from where it stopped; a read or write
 * that moves no byte fails with -EIO (the file shrank under us); EINTR and
 * EAGAIN retry the step; a write-zeroes whose fallocate mode the file
 * system lacks (EOPNOTSUPP) tries the next way, down to writing zeroes.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "backend/disk.h"
#include "backend/disk_int.h"
#include "util/log.h"

#define DISK_ZERO_CHUNK (64u * 1024)
#define DISK_RETRIES	64 /* EINTR/EAGAIN from one step, in a row */

/* Never written: the source of write-zeroes by writing (aligned for
 * O_DIRECT). */
static uint8_t disk_zeroes[DISK_ZERO_CHUNK] __attribute__((aligned(4096)));

const char *disk_engine_name(enum disk_engine e)
{
	switch (e) {
	case DISK_ENGINE_AUTO:
		return "auto";
	case DISK_ENGINE_URING:
		return "io_uring";
	case DISK_ENGINE_THREAD:
		return "thread";
	}
	return "?";
}

/* Opening --------------------------------------------------------------- */

static int disk_env_engine(enum disk_engine *e, char *err, size_t errlen)
{
	const char *s = getenv(DISK_ENGINE_ENV);

	if (!s || !*s || !strcmp(s, "auto"))
		*e = DISK_ENGINE_AUTO;
	else if (!strcmp(s, "uring") || !strcmp(s, "io_uring"))
		*e = DISK_ENGINE_URING;
	else if (!strcmp(s, "thread"))
		*e = DISK_ENGINE_THREAD;
	else {
		snprintf(err, errlen, "%s=%s: expected uring, thread or auto",
			 DISK_ENGINE_ENV, s);
		return -EINVAL;
	}
	return 0;
}

/* Can this block device discard?  Its queue says (a partition's is one
 * level up); when sysfs cannot tell, try and let BLKDISCARD answer. */
static bool disk_bdev_discard(dev_t rdev)
{
	static const char *const where[] = { "queue", "../queue" };
	char path[96];
	unsigned long long max;
	FILE *f;
	int n;

	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path),
			 "/sys/dev/block/%u:%u/%s/discard_max_bytes",
			 major(rdev), minor(rdev), where[i]);
		f = fopen(path, "re");
		if (!f)
			continue;
		n = fscanf(f, "%llu", &max);
		fclose(f);
		if (n == 1)
			return max > 0;
	}
	return true;
}

/* Direct-I/O alignment from statx; false when the kernel does not say. */
static bool disk_dio_align(int fd, uint32_t *offset_align, uint32_t *mem_align)
{
	struct statx stx;

	if (statx(fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &stx) < 0 ||
	    !(stx.stx_mask & STATX_DIOALIGN))
		return false;
	*offset_align = stx.stx_dio_offset_align;
	*mem_align = stx.stx_dio_mem_align;
	return true;
}

static bool disk_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* Size, block sizes and abilities of the open fd; one line in err. */
static int disk_probe(struct disk *d, const struct stat *st, char *err,
		      size_t errlen)
{
	struct disk_info *in = &d->info;
	uint32_t off_align = 0, mem_align = 0;
	bool have_dio = disk_dio_align(d->fd, &off_align, &mem_align);
	uint64_t size;
	int bs = 0, pbs = 0;

	if (in->blockdev) {
		if (ioctl(d->fd, BLKGETSIZE64, &size) < 0 ||
		    ioctl(d->fd, BLKSSZGET, &bs) < 0) {
			snprintf(err, errlen, "%s: cannot read its size: %s",
				 d->path, strerror(errno));
			return -errno;
		}
		if (ioctl(d->fd, BLKPBSZGET, &pbs) < 0 || pbs < bs)
			pbs = bs;
		in->block_size = (uint32_t)bs;
		in->phys_block_size = (uint32_t)pbs;
		in->discard = !in->readonly && disk_bdev_discard(st->st_rdev);
	} else {
		size = (uint64_t)st->st_size;
		in->block_size = DISK_SECTOR_SIZE;
		in->phys_block_size = (uint32_t)st->st_blksize;
		if (in->direct) {
			if (have_dio && off_align == 0) {
				snprintf(err, errlen,
					 "%s: direct=on: the file system "
					 "cannot do direct I/O on it",
					 d->path);
				return -EINVAL;
			}
			/* Without statx's word, st_blksize is safe. */
			in->block_size =
				have_dio ? off_align : (uint32_t)st->st_blksize;
		}
		in->discard = !in->readonly;
	}
	if (in->block_size < DISK_SECTOR_SIZE)
		in->block_size = DISK_SECTOR_SIZE;
	if (!disk_pow2(in->block_size) || in->block_size > 65536) {
		snprintf(err, errlen, "%s: odd block size %u", d->path,
			 in->block_size);
		return -EINVAL;
	}
	if (!disk_pow2(in->phys_block_size) ||
	    in->phys_block_size < in->block_size)
		in->phys_block_size = in->block_size;
	in->mem_align = have_dio && mem_align ? mem_align : in->block_size;
	if (!disk_pow2(in->mem_align))
		in->mem_align = in->block_size;

	if (size == 0) {
		snprintf(err, errlen, "%s: empty (0 bytes)", d->path);
		return -EINVAL;
	}
	if (size % DISK_SECTOR_SIZE) {
		snprintf(err, errlen,
			 "%s: size %llu is not a multiple of 512 bytes",
			 d->path, (unsigned long long)size);
		return -EINVAL;
	}
	if (size % in->block_size) {
		snprintf(err, errlen,
			 "%s: size %llu is not a multiple of its %u-byte "
			 "blocks",
			 d->path, (unsigned long long)size, in->block_size);
		return -EINVAL;
	}
	in->size = size;
	in->sectors = size / DISK_SECTOR_SIZE;
	return 0;
}

static int disk_open_fd(struct disk *d, char *err, size_t errlen)
{
	const struct disk_info *in = &d->info;
	/* O_NONBLOCK: a FIFO must be refused, not waited on. */
	int flags = (in->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC |
		    O_NONBLOCK | (in->direct ? O_DIRECT : 0);
	int e;

	d->fd = open(d->path, flags);
	if (d->fd >= 0)
		return 0;
	e = errno;
	if (e == EISDIR)
		snprintf(err, errlen, "%s: is a directory", d->path);
	else if (e == ENXIO || e == ENODEV)
		snprintf(err, errlen, "%s: not a regular file or block device",
			 d->path);
	else if (e == EINVAL && in->direct)
		snprintf(err, errlen,
			 "%s: direct=on: the file system cannot do "
			 "direct I/O (O_DIRECT)",
			 d->path);
	else if ((e == EACCES || e == EPERM || e == EROFS) && !in->readonly)
		snprintf(err, errlen, "%s: cannot open for writing: %s",
			 d->path, strerror(e));
	else
		snprintf(err, errlen, "%s: %s", d->path, strerror(e));
	return -e;
}

int disk_open(struct disk **out, const char *path, const struct disk_opts *opts,
	      char *err, size_t errlen)
{
	static const struct disk_opts defaults;
	struct disk *d;
	struct stat st;
	int r, fl;

	*out = NULL;
	if (!opts)
		opts = &defaults;
	d = calloc(1, sizeof(*d));
	if (!d || !(d->path = strdup(path))) {
		free(d);
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	d->fd = -1;
	d->info.readonly = opts->readonly;
	d->info.direct = opts->direct;
	d->depth = opts->depth ? opts->depth : DISK_DEPTH_DEFAULT;
	if (d->depth > DISK_DEPTH_MAX) {
		snprintf(err, errlen, "%s: queue depth %u: at most %u", path,
			 d->depth, DISK_DEPTH_MAX);
		r = -EINVAL;
		goto fail;
	}
	d->engine = opts->engine;
	if (d->engine == DISK_ENGINE_AUTO) {
		r = disk_env_engine(&d->engine, err, errlen);
		if (r)
			goto fail;
	}

	r = disk_open_fd(d, err, errlen);
	if (r)
		goto fail;
	if (fstat(d->fd, &st) < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: is a directory", path);
		r = -EISDIR;
		goto fail;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file or block device",
			 path);
		r = -EINVAL;
		goto fail;
	}
	/* io_uring would honour O_NONBLOCK with -EAGAIN: drop it. */
	fl = fcntl(d->fd, F_GETFL);
	if (fl < 0 || fcntl(d->fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		goto fail;
	}
	d->info.blockdev = S_ISBLK(st.st_mode);
	r = disk_probe(d, &st, err, errlen);
	if (r)
		goto fail;

	if (flock(d->fd, (d->info.readonly ? LOCK_SH : LOCK_EX) | LOCK_NB) <
	    0) {
		r = -errno;
		if (r == -EWOULDBLOCK)
			snprintf(err, errlen, "%s: in use by another process",
				 path);
		else
			snprintf(err, errlen, "%s: cannot lock it: %s", path,
				 strerror(-r));
		goto fail;
	}
	log_info("disk",
		 "%s: %llu bytes, %u-byte blocks%s%s%s, engine %s, depth %u",
		 path, (unsigned long long)d->info.size, d->info.block_size,
		 d->info.blockdev ? ", block device" : "",
		 d->info.readonly ? ", read-only" : "",
		 d->info.direct ? ", direct" : "", disk_engine_name(d->engine),
		 d->depth);
	*out = d;
	return 0;
fail:
	disk_close(d);
	return r;
}

void disk_close(struct disk *d)
{
	if (!d)
		return;
	if (d->fd >= 0)
		close(d->fd); /* and the lock with it */
	free(d->path);
	free(d);
}

const struct disk_info *disk_get_info(const struct disk *d)
{
	return &d->info;
}

const char *disk_path(const struct disk *d)
{
	return d->path;
}

/* Queues ---------------------------------------------------------------- */

int disk_queue_create(struct disk *d, struct disk_queue **out, char *err,
		      size_t errlen)
{
	struct disk_queue *q = calloc(1, sizeof(*q));
	int r;

	*out = NULL;
	if (!q || !(q->slots = calloc(d->depth, sizeof(*q->slots)))) {
		free(q);
		snprintf(err, errlen, "%s: out of memory", d->path);
		return -ENOMEM;
	}
	q->disk = d;
	q->depth = d->depth;
	q->fin_tail = &q->fin_head;
	for (unsigned int i = d->depth; i-- > 0;) {
		q->slots[i].next = q->free;
		q->free = &q->slots[i];
	}
	q->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (q->efd < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: eventfd: %s", d->path, strerror(-r));
		goto fail;
	}
	if (d->engine != DISK_ENGINE_THREAD) {
		r = disk_uring_ops.init(q);
		if (r == 0) {
			q->ops = &disk_uring_ops;
		} else if (d->engine == DISK_ENGINE_URING) {
			snprintf(err, errlen, "%s: io_uring: %s", d->path,
				 strerror(-r));
			goto fail;
		} else {
			log_info("disk",
				 "%s: io_uring unavailable (%s), "
				 "using worker threads",
				 d->path, strerror(-r));
		}
	}
	if (!q->ops) {
		r = disk_thread_ops.init(q);
		if (r) {
			snprintf(err, errlen, "%s: worker pool: %s", d->path,
				 strerror(-r));
			goto fail;
		}
		q->ops = &disk_thread_ops;
	}
	*out = q;
	return 0;
fail:
	if (q->efd >= 0)
		close(q->efd);
	free(q->slots);
	free(q);
	return r;
}

void disk_queue_destroy(struct disk_queue *q)
{
	if (!q)
		return;
	q->quiet = true;
	disk_drain(q);
	q->ops->fini(q);
	close(q->efd);
	free(q->slots);
	free(q);
}

int disk_queue_fd(const struct disk_queue *q)
{
	return q->efd;
}

enum disk_engine disk_queue_engine(const struct disk_queue *q)
{
	return q->ops->engine;
}

unsigned int disk_queue_inflight(const struct disk_queue *q)
{
	return q->inflight;
}

void disk_queue_wake(struct disk_queue *q)
{
	const uint64_t one = 1;

	if (write(q->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn("disk", "%s: eventfd: %s", q->disk->path,
			 strerror(errno));
}

void disk_plug(struct disk_queue *q)
{
	q->plug++;
}

void disk_unplug(struct disk_queue *q)
{
	if (q->plug > 0 && --q->plug == 0)
		q->ops->kick(q);
}

/* Slots ------------------------------------------------------------------ */

static struct disk_req *disk_slot_get(struct disk_queue *q)
{
	struct disk_req *r = q->free;

	if (!r)
		return NULL;
	q->free = r->next;
	memset(r, 0, sizeof(*r));
	q->inflight++;
	return r;
}

static void disk_slot_put(struct disk_queue *q, struct disk_req *r)
{
	if (r->iov != r->iov_inline)
		free(r->iov);
	free(r->bounce);
	r->iov = NULL;
	r->bounce = NULL;
	r->next = q->free;
	q->free = r;
	q->inflight--;
}

/* The request is over: its callback runs at the end of the reap. */
static void disk_finish(struct disk_queue *q, struct disk_req *r,
			int64_t result)
{
	r->result = result;
	r->next = NULL;
	*q->fin_tail = r;
	q->fin_tail = &r->next;
}

/* Steps ------------------------------------------------------------------ */

/* Drop n bytes from the front of the request's iovecs. */
static void disk_iov_advance(struct disk_req *r, uint64_t n)
{
	while (r->iov_idx < r->iovcnt) {
		struct iovec *v = &r->iov[r->iov_idx];
		size_t k = v->iov_len < n ? v->iov_len : (size_t)n;

		if (k) {
			v->iov_base = (char *)v->iov_base + k;
			v->iov_len -= k;
			n -= k;
		}
		if (v->iov_len)
			break;
		r->iov_idx++;
	}
}

/* Copy n bytes between buf and the front of the request's iovecs. */
static void disk_iov_copy(struct disk_req *r, void *buf, size_t n, bool to_iov)
{
	char *p = buf;

	for (unsigned int i = r->iov_idx; n > 0 && i < r->iovcnt; i++) {
		size_t k = r->iov[i].iov_len < n ? r->iov[i].iov_len : n;

		if (!k)
			continue;
		if (to_iov)
			memcpy(r->iov[i].iov_base, p, k);
		else
			memcpy(p, r->iov[i].iov_base, k);
		p += k;
		n -= k;
	}
}

static uint64_t disk_min(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Set up the request's next step from its progress and queue it. */
static int disk_next_step(struct disk_queue *q, struct disk_req *r)
{
	struct disk *d = q->disk;
	uint64_t rest = r->len - r->done, n;

	r->step_off = r->off + r->done;
	r->step_len = rest;
	r->retries = 0;
	switch (r->op) {
	case DISK_OP_READ:
	case DISK_OP_WRITE:
		r->step = r->op == DISK_OP_READ ? DISK_STEP_READV
						: DISK_STEP_WRITEV;
		if (r->bounce) {
			n = disk_min(rest, r->bounce_size);
			if (r->op == DISK_OP_WRITE)
				disk_iov_copy(r, r->bounce, n, false);
			r->bounce_iov.iov_base = r->bounce;
			r->bounce_iov.iov_len = n;
			r->step_iov = &r->bounce_iov;
			r->step_iovcnt = 1;
		} else {
			r->step_iov = &r->iov[r->iov_idx];
			r->step_iovcnt = r->iovcnt - r->iov_idx;
		}
		break;
	case DISK_OP_FLUSH:
		r->step = DISK_STEP_FDATASYNC;
		break;
	case DISK_OP_DISCARD:
		if (d->info.blockdev) {
			r->step = DISK_STEP_BLKDISCARD;
		} else {
			r->step = DISK_STEP_FALLOCATE;
			r->step_mode =
				FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
		}
		break;
	case DISK_OP_WRITE_ZEROES:
		if (r->unmap && __atomic_load_n(&d->no_punch, __ATOMIC_RELAXED))
			r->unmap = false;
		if (!r->unmap && !r->fill &&
		    __atomic_load_n(&d->no_zero_range, __ATOMIC_RELAXED))
			r->fill = true;
		if (r->fill) {
			/* As many iovecs of the zero buffer as the rest needs,
			 * up to the slot's own array. */
			unsigned int i = 0;

			r->step = DISK_STEP_WRITEV;
			for (; i < DISK_IOV_INLINE && rest > 0; i++) {
				n = disk_min(rest, DISK_ZERO_CHUNK);
				r->iov_inline[i].iov_base = disk_zeroes;
				r->iov_inline[i].iov_len = n;
				rest -= n;
			}
			r->step_iov = r->iov_inline;
			r->step_iovcnt = i;
		} else {
			r->step = DISK_STEP_FALLOCATE;
			r->step_mode = FALLOC_FL_KEEP_SIZE |
				       (r->unmap ? FALLOC_FL_PUNCH_HOLE
						 : FALLOC_FL_ZERO_RANGE);
		}
		break;
	}
	return q->ops->submit(q, r);
}

static void disk_step_next(struct disk_queue *q, struct disk_req *r)
{
	int rc = disk_next_step(q, r);

	if (rc)
		disk_finish(q, r, rc);
}

void disk_step_done(struct disk_queue *q, struct disk_req *r, int64_t res)
{
	struct disk *d = q->disk;
	int rc;

	if ((res == -EINTR || res == -EAGAIN) && r->retries++ < DISK_RETRIES) {
		rc = q->ops->submit(q, r); /* the same step again */
		if (rc)
			disk_finish(q, r, rc);
		return;
	}
	switch (r->step) {
	case DISK_STEP_READV:
	case DISK_STEP_WRITEV:
		if (res < 0) {
			disk_finish(q, r, res);
			return;
		}
		if (res == 0) {
			/* No progress: a read at the end of a file that
			 * shrank under us, or a device that took nothing. */
			log_warn("disk", "%s: %s at %llu moved no bytes",
				 d->path,
				 r->step == DISK_STEP_READV ? "read" : "write",
				 (unsigned long long)r->step_off);
			disk_finish(q, r, -EIO);
			return;
		}
		if (r->bounce && r->op == DISK_OP_READ)
			disk_iov_copy(r, r->bounce, (size_t)res, true);
		if (!r->fill)
			disk_iov_advance(r, (uint64_t)res);
		r->done += (uint64_t)res;
		if (r->done >= r->len)
			disk_finish(q, r, (int64_t)r->len);
		else
			disk_step_next(q, r);
		return;
	case DISK_STEP_FDATASYNC:
		disk_finish(q, r, res < 0 ? res : 0);
		return;
	case DISK_STEP_FALLOCATE:
		if (res == -EOPNOTSUPP && r->op == DISK_OP_WRITE_ZEROES) {
			if (r->step_mode & FALLOC_FL_PUNCH_HOLE) {
				__atomic_store_n(&d->no_punch, true,
						 __ATOMIC_RELAXED);
				r->unmap = false;
			} else {
				__atomic_store_n(&d->no_zero_range, true,
						 __ATOMIC_RELAXED);
				r->fill = true;
			}
			disk_step_next(q, r);
			return;
		}
		/* fall through */
	case DISK_STEP_BLKDISCARD:
		disk_finish(q, r, res < 0 ? res : (int64_t)r->len);
		return;
	}
	disk_finish(q, r, -EINVAL);
}

/* Submission ------------------------------------------------------------- */

/* Common checks; aligned: off and len must be whole logical blocks. */
static int disk_check(const struct disk *d, uint64_t off, uint64_t len,
		      bool aligned)
{
	if (len == 0)
		return -EINVAL;
	if (off > d->info.size || len > d->info.size - off)
		return -ERANGE;
	if (aligned && ((off | len) & (d->info.block_size - 1)))
		return -EINVAL;
	return 0;
}

/* Take a slot for a request and start its first step. */
static int disk_start(struct disk_queue *q, struct disk_req *r)
{
	int rc = disk_next_step(q, r);

	if (rc)
		disk_slot_put(q, r);
	return rc;
}

static int disk_rw(struct disk_queue *q, enum disk_op op, uint64_t off,
		   const struct iovec *iov, unsigned int iovcnt,
		   disk_done_fn done, void *ctx)
{
	const struct disk_info *in = &q->disk->info;
	struct disk_req *r;
	uint64_t len = 0;
	bool bounce = false;
	size_t align;
	int rc;

	if (op == DISK_OP_WRITE && in->readonly)
		return -EROFS;
	if (!iov || iovcnt == 0 || iovcnt > DISK_IOV_MAX)
		return -EINVAL;
	for (unsigned int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > UINT64_MAX - len)
			return -EINVAL;
		len += iov[i].iov_len;
		if (in->direct &&
		    (((uintptr_t)iov[i].iov_base & (in->mem_align - 1)) ||
		     (iov[i].iov_len & (in->block_size - 1))))
			bounce = true;
	}
	rc = disk_check(q->disk, off, len, in->direct);
	if (rc)
		return rc;
	r = disk_slot_get(q);
	if (!r)
		return -EAGAIN;
	r->op = op;
	r->off = off;
	r->len = len;
	r->done_fn = done;
	r->ctx = ctx;
	r->iovcnt = iovcnt;
	r->iov = iovcnt <= DISK_IOV_INLINE ? r->iov_inline
					   : malloc(iovcnt * sizeof(*iov));
	if (!r->iov) {
		disk_slot_put(q, r);
		return -ENOMEM;
	}
	memcpy(r->iov, iov, iovcnt * sizeof(*iov));
	if (bounce) {
		align = in->mem_align > 4096 ? in->mem_align : 4096;
		r->bounce_size = (size_t)disk_min(len, DISK_BOUNCE_MAX);
		if (posix_memalign(&r->bounce, align, r->bounce_size)) {
			r->bounce = NULL;
			disk_slot_put(q, r);
			return -ENOMEM;
		}
	}
	return disk_start(q, r);
}

int disk_read(struct disk_queue *q, uint64_t off, const struct iovec *iov,
	      unsigned int iovcnt, disk_done_fn done, void *ctx)
{
	return disk_rw(q, DISK_OP_READ, off, iov, iovcnt, done, ctx);
}

int disk_write(struct disk_queue *q, uint64_t off, const struct iovec *iov,
	       unsigned int iovcnt, disk_done_fn done, void *ctx)
{
	return disk_rw(q, DISK_OP_WRITE, off, iov, iovcnt, done, ctx);
}

int disk_flush(struct disk_queue *q, disk_done_fn done, void *ctx)
{
	struct disk_req *r = disk_slot_get(q);

	if (!r)
		return -EAGAIN;
	r->op = DISK_OP_FLUSH;
	r->done_fn = done;
	r->ctx = ctx;
	return disk_start(q, r);
}

/* Discard and write-zeroes: whole blocks on a block device (the kernel
 * wants them) or with direct. */
static int disk_range_op(struct disk_queue *q, enum disk_op op, uint64_t off,
			 uint64_t len, bool unmap, disk_done_fn done, void *ctx)
{
	const struct disk_info *in = &q->disk->info;
	struct disk_req *r;
	int rc;

	if (in->readonly)
		return -EROFS;
	rc = disk_check(q->disk, off, len, in->blockdev || in->direct);
	if (rc)
		return rc;
	if (op == DISK_OP_DISCARD && !in->discard)
		return -EOPNOTSUPP;
	r = disk_slot_get(q);
	if (!r)
		return -EAGAIN;
	r->op = op;
	r->off = off;
	r->len = len;
	r->unmap = unmap;
	r->done_fn = done;
	r->ctx = ctx;
	return disk_start(q, r);
}

int disk_discard(struct disk_queue *q, uint64_t off, uint64_t len,
		 disk_done_fn done, void *ctx)
{
	return disk_range_op(q, DISK_OP_DISCARD, off, len, false, done, ctx);
}

int disk_write_zeroes(struct disk_queue *q, uint64_t off, uint64_t len,
		      bool unmap, disk_done_fn done, void *ctx)
{
	return disk_range_op(q, DISK_OP_WRITE_ZEROES, off, len, unmap, done,
			     ctx);
}

/* Completion ------------------------------------------------------------- */

unsigned int disk_complete(struct disk_queue *q)
{
	struct disk_req *r;
	unsigned int n = 0;
	disk_done_fn fn;
	uint64_t v;
	int64_t res;
	void *ctx;

	if (q->completing)
		return 0; /* from a callback: not allowed, and harmless */
	/* Read first: whatever finishes after this writes it again. */
	if (read(q->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_warn("disk", "%s: eventfd: %s", q->disk->path,
			 strerror(errno));
	q->completing = true;
	disk_plug(q);
	q->ops->reap(q);
	while ((r = q->fin_head)) {
		q->fin_head = r->next;
		if (!q->fin_head)
			q->fin_tail = &q->fin_head;
		fn = r->done_fn;
		ctx = r->ctx;
		res = r->result;
		disk_slot_put(q, r); /* first, so the callback may submit */
		if (fn && !q->quiet)
			fn(ctx, res);
		n++;
	}
	q->completing = false;
	disk_unplug(q);
	return n;
}

void disk_drain(struct disk_queue *q)
{
	struct pollfd pfd = { .fd = q->efd, .events = POLLIN };

	if (q->completing)
		return;
	while (q->inflight > 0) {
		q->ops->kick(q); /* even under a plug */
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			log_warn("disk", "%s: poll: %s", q->disk->path,
				 strerror(errno));
		disk_complete(q);
	}
}
