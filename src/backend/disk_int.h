/*
 * disk_int.h: what disk.c shares with its two engines, disk_uring.c and
 * disk_thread.c (and the unit tests).  Not for devices: they use disk.h.
 *
 * A request runs as a sequence of steps, each one system call (preadv,
 * pwritev, fdatasync, fallocate, BLKDISCARD).  disk.c decides each step
 * and what its result means (a short transfer gets another step, an
 * unsupported fallocate mode falls back to the next); an engine only runs
 * the step it is given and reports the system call's result through
 * disk_step_done, on the owner's thread, from its reap.
 */
#ifndef HYVE_BACKEND_DISK_INT_H
#define HYVE_BACKEND_DISK_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "backend/disk.h"

#define DISK_IOV_INLINE 8 /* iovecs held in the slot itself */

enum disk_op {
	DISK_OP_READ,
	DISK_OP_WRITE,
	DISK_OP_FLUSH,
	DISK_OP_DISCARD,
	DISK_OP_WRITE_ZEROES,
};

enum disk_step {
	DISK_STEP_READV,
	DISK_STEP_WRITEV,
	DISK_STEP_FDATASYNC,
	DISK_STEP_FALLOCATE,
	DISK_STEP_BLKDISCARD,
};

struct disk {
	int fd;
	char *path;
	struct disk_info info;
	enum disk_engine engine; /* opts.engine, or the environment's */
	unsigned int depth;
	/*
	 * Learned at run time, shared by the disk's queues (relaxed atomics):
	 * the file system refused this fallocate mode with EOPNOTSUPP.
	 */
	bool no_punch;
	bool no_zero_range;
};

struct disk_req {
	/* The step to run, set by disk.c and read by the engine. */
	enum disk_step step;
	uint64_t step_off;
	uint64_t step_len; /* fallocate and BLKDISCARD */
	int step_mode;	   /* fallocate's mode */
	struct iovec *step_iov;
	unsigned int step_iovcnt;
	int64_t step_res; /* the thread pool's result */
	unsigned int retries;

	/* The request. */
	enum disk_op op;
	uint64_t off, len, done;
	struct iovec *iov; /* our copy, consumed from iov_idx as bytes move */
	unsigned int iovcnt, iov_idx;
	struct iovec iov_inline[DISK_IOV_INLINE];
	void *bounce; /* direct: an aligned buffer for unaligned iovecs */
	size_t bounce_size;
	struct iovec bounce_iov;
	bool fill; /* write-zeroes by writing zeroes */
	bool unmap;
	disk_done_fn done_fn;
	void *ctx;
	int64_t result;
	struct disk_req *next; /* free list, finished list, pool lists */
};

struct disk_uring;
struct disk_pool;

struct disk_engine_ops {
	enum disk_engine engine;
	int (*init)(struct disk_queue *q);
	void (*fini)(struct disk_queue *q);
	/* Queue r's step; 0 or a negative errno (nothing queued). */
	int (*submit)(struct disk_queue *q, struct disk_req *r);
	/* Hand queued steps to the kernel (the end of a plug). */
	void (*kick)(struct disk_queue *q);
	/* Call disk_step_done for every finished step. */
	void (*reap)(struct disk_queue *q);
};

struct disk_queue {
	struct disk *disk;
	const struct disk_engine_ops *ops;
	int efd;
	unsigned int depth, inflight;
	unsigned int plug;
	bool completing; /* inside disk_complete's callbacks */
	bool quiet;	 /* destroying: finished requests get no callback */
	struct disk_req *slots;
	struct disk_req *free;
	struct disk_req *fin_head, **fin_tail;
	struct disk_uring *uring;
	/* The thread engine's pool, or io_uring's helper for BLKDISCARD. */
	struct disk_pool *pool;
};

extern const struct disk_engine_ops disk_uring_ops;
extern const struct disk_engine_ops disk_thread_ops;

/* disk.c: an engine reports a finished step (owner's thread). */
void disk_step_done(struct disk_queue *q, struct disk_req *r, int64_t res);

/* disk_thread.c: run one step synchronously; the result or -errno. */
int64_t disk_step_run(int fd, const struct disk_req *r);

/* disk_thread.c: a worker pool that writes efd as steps finish. */
int disk_pool_create(struct disk_pool **out, int fd, int efd,
		     unsigned int max_threads);
/* Join the workers; every step submitted must have been reaped. */
void disk_pool_destroy(struct disk_pool *p);
int disk_pool_submit(struct disk_pool *p, struct disk_req *r);
/* Take the finished steps, oldest first, linked through next. */
struct disk_req *disk_pool_take(struct disk_pool *p);

/* For tests: write the eventfd of q so that its owner wakes up. */
void disk_queue_wake(struct disk_queue *q);

#endif
