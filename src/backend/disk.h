/*
 * disk.h: the block backend: a raw image file or a block device, read and
 * written asynchronously.  It knows nothing of virtio: it takes byte
 * offsets, iovecs and completion callbacks.
 *
 * Two objects:
 *
 *   struct disk        the open image: its fd, size, block size and lock.
 *                      Made by disk_open and freed by disk_close on main's
 *                      thread; read-only in between, so any thread may
 *                      call disk_get_info.
 *   struct disk_queue  one engine instance: request slots, an io_uring (or
 *                      a worker-thread pool) and an eventfd.  It belongs to
 *                      one thread at a time, its owner (a device thread):
 *                      only the owner submits, completes, plugs or drains.
 *                      Queues share no lock (io_uring takes none; the
 *                      thread engine's pool has its own mutex between the
 *                      owner and its workers).  disk_queue_create may
 *                      run on main before the device thread starts (the
 *                      thread's creation hands the queue over).
 *
 * Multiqueue: a device thread that serves several virtqueues of one disk
 * uses one disk_queue for all of them; a device that spreads its queues
 * over several threads makes one disk_queue per thread.  The queues of one
 * disk share its fd: positioned I/O (preadv, pwritev) needs no shared
 * file offset, so nothing is serialised between them.  vCPU threads never
 * call in here: a guest's notification wakes the device thread, which
 * submits.
 *
 * Engines: io_uring (liburing) by default; a pool of up to
 * DISK_POOL_THREADS worker threads per queue where io_uring is unavailable
 * (io_uring_queue_init or the probe of the opcodes fails: seccomp, an old
 * kernel, io_uring_disabled) or where asked for (disk_opts.engine, or
 * HYVE_DISK_ENGINE=thread|uring in the environment when engine is AUTO).
 * Both signal completions on the queue's eventfd; the owner watches it
 * (evloop_add_fd(loop, disk_queue_fd(q), EPOLLIN, ...)) and calls
 * disk_complete(q), which runs the callbacks.  The device cannot tell the
 * engines apart.
 *
 * Requests: submission either returns 0, and then the callback runs
 * exactly once, later, on the owner's thread, from disk_complete or
 * disk_drain (never from inside the submitting call), or returns a
 * negative errno and the callback never runs:
 *   -EAGAIN   the queue holds depth requests already: retry after a
 *             completion (a callback may submit);
 *   -EROFS    a write, discard or write-zeroes on a read-only disk;
 *   -ERANGE   [off, off + len) is not inside the disk;
 *   -EINVAL   no bytes, more than DISK_IOV_MAX iovecs, or, on a disk
 *             opened direct, off or len not a multiple of block_size
 *             (discard and write-zeroes on a block device too);
 *   -EOPNOTSUPP discard on a disk whose info says discard is false;
 *   -ENOMEM   no memory for a copy of a long iovec array or a bounce
 *             buffer.
 * The callback gets the request's length in bytes (0 for a flush) or a
 * negative errno (-EIO for a read that met the end of a file shrunk under
 * us, -ENOSPC, -EFBIG, -EOPNOTSUPP for a discard the file system cannot
 * do...).  Short reads and writes are resubmitted for the rest, so a
 * success is always the whole length.  Guest memory behind the iovecs must
 * stay mapped until the callback runs; the iovec array itself is copied at
 * submission.
 *
 * Flush is fdatasync(2): it completes once every write that completed
 * before the flush was submitted is on stable storage, with the metadata
 * needed to read it back (blocks allocated in a sparse image; the size
 * never changes).  mtime is all that fsync would add.  Writes still in
 * flight are not covered, as virtio-blk specifies (virtio 1.2, 5.2.6).
 *
 * Direct I/O (opts.direct, O_DIRECT): offsets and lengths must be
 * multiples of block_size (else -EINVAL, at submission).  Guest buffers
 * need no alignment: a request whose iovecs are not all aligned to
 * mem_align in address and to block_size in length goes through an
 * aligned bounce buffer, DISK_BOUNCE_MAX bytes at a time.
 *
 * Discard: fallocate(PUNCH_HOLE | KEEP_SIZE) on a file, BLKDISCARD on a
 * block device.  Write-zeroes: with unmap, PUNCH_HOLE first; then
 * fallocate(ZERO_RANGE | KEEP_SIZE); where the file system (or the block
 * device) supports neither, zeroes are written.
 *
 * Locking: flock(2), LOCK_EX for a writable disk and LOCK_SH for a
 * read-only one, non-blocking: a second writer, or a reader beside a
 * writer, is refused at disk_open.  The lock belongs to the open file
 * description and goes with its close, even on SIGKILL.
 */
#ifndef HYVE_BACKEND_DISK_H
#define HYVE_BACKEND_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define DISK_SECTOR_SIZE   512u
#define DISK_DEPTH_DEFAULT 128u		 /* requests in flight per queue */
#define DISK_DEPTH_MAX	   4096u	 /* io_uring's SQ limit is 32768 */
#define DISK_IOV_MAX	   1024u	 /* UIO_MAXIOV */
#define DISK_BOUNCE_MAX	   (256u * 1024) /* bytes per bounced step */
#define DISK_POOL_THREADS  8u /* workers per queue, started on demand */
#define DISK_ENGINE_ENV	   "HYVE_DISK_ENGINE"

enum disk_engine {
	DISK_ENGINE_AUTO = 0, /* io_uring, else the thread pool */
	DISK_ENGINE_URING,    /* io_uring or fail */
	DISK_ENGINE_THREAD,   /* the worker-thread pool */
};

struct disk_opts {
	bool readonly;
	bool direct;		 /* O_DIRECT: bypass the host's page cache */
	enum disk_engine engine; /* for every queue of this disk */
	unsigned int depth;	 /* per queue; 0: DISK_DEPTH_DEFAULT */
};

/* What the device advertises; fixed at disk_open. */
struct disk_info {
	uint64_t size;	  /* bytes: a multiple of 512 and of block_size */
	uint64_t sectors; /* size / DISK_SECTOR_SIZE */
	/*
	 * The logical block size: BLKSSZGET for a block device; for a file,
	 * 512, or with direct the file system's direct-I/O offset alignment
	 * (statx STATX_DIOALIGN).  What virtio-blk's blk_size should say.
	 */
	uint32_t block_size;
	uint32_t phys_block_size; /* a hint: BLKPBSZGET, or st_blksize */
	uint32_t mem_align;	  /* direct: buffer alignment that avoids a
				     bounce (STATX_DIOALIGN's mem_align) */
	bool readonly;
	bool direct;
	bool blockdev;
	bool discard; /* discard is offered (false when read-only, or for a
			 block device whose queue says it cannot) */
};

struct disk;
struct disk_queue;

/*
 * result: the request's length (0 for a flush) or a negative errno.  Runs
 * on the queue's owner thread; may submit new requests on the same queue
 * (they are batched with the rest of the completion pass) but must not
 * call disk_complete, disk_drain or disk_queue_destroy.
 */
typedef void (*disk_done_fn)(void *ctx, int64_t result);

/*
 * Open path and lock it.  On failure err gets one line naming the path
 * ("IMG: in use by another process", "IMG: is a directory", ...) and a
 * negative errno is returned; nothing is left open.  Main's thread.
 */
int disk_open(struct disk **out, const char *path, const struct disk_opts *opts,
	      char *err, size_t errlen);
/* Close (and unlock) a disk whose queues are all destroyed; NULL is fine. */
void disk_close(struct disk *d);
const struct disk_info *disk_get_info(const struct disk *d);
const char *disk_path(const struct disk *d);

/*
 * A queue with its engine and eventfd.  0, or a negative errno with one
 * line in err (DISK_ENGINE_URING and io_uring is unavailable, no memory,
 * no eventfd).
 */
int disk_queue_create(struct disk *d, struct disk_queue **out, char *err,
		      size_t errlen);
/*
 * Wait for every request in flight to finish, without running their
 * callbacks, then free the queue.  The owner, or main once the owner has
 * stopped; before guest memory is unmapped.  NULL is fine.
 */
void disk_queue_destroy(struct disk_queue *q);
/* The eventfd to watch for EPOLLIN; then call disk_complete. */
int disk_queue_fd(const struct disk_queue *q);
/* The engine the queue runs: DISK_ENGINE_URING or DISK_ENGINE_THREAD. */
enum disk_engine disk_queue_engine(const struct disk_queue *q);
const char *disk_engine_name(enum disk_engine e);
/* Requests submitted and not yet called back. */
unsigned int disk_queue_inflight(const struct disk_queue *q);

/*
 * Batching: between disk_plug and disk_unplug, io_uring submissions are
 * queued in the ring and handed to the kernel in one system call at the
 * unplug (a device drains its virtqueue between the two).  Plugs nest.
 * disk_complete plugs around its callbacks by itself.
 */
void disk_plug(struct disk_queue *q);
void disk_unplug(struct disk_queue *q);

int disk_read(struct disk_queue *q, uint64_t off, const struct iovec *iov,
	      unsigned int iovcnt, disk_done_fn done, void *ctx);
int disk_write(struct disk_queue *q, uint64_t off, const struct iovec *iov,
	       unsigned int iovcnt, disk_done_fn done, void *ctx);
int disk_flush(struct disk_queue *q, disk_done_fn done, void *ctx);
int disk_discard(struct disk_queue *q, uint64_t off, uint64_t len,
		 disk_done_fn done, void *ctx);
/* unmap: the blocks may be deallocated (virtio-blk's WRITE_ZEROES_UNMAP). */
int disk_write_zeroes(struct disk_queue *q, uint64_t off, uint64_t len,
		      bool unmap, disk_done_fn done, void *ctx);

/*
 * Reap what the engine finished, resubmit short transfers, run the
 * callbacks of finished requests.  Reads the eventfd, so a level-triggered
 * loop stops firing; a wakeup may find nothing (its completion was reaped
 * by the pass before), and then 0 callbacks run.  Returns the number of
 * callbacks run.  Owner only.
 */
unsigned int disk_complete(struct disk_queue *q);
/*
 * Block until no request is in flight, running callbacks as requests
 * finish (for a device reset).  Owner only.
 */
void disk_drain(struct disk_queue *q);

#endif
