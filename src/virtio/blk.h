/*
 * blk.h: virtio-blk, the block device (virtio 1.2, 5.2), over the block
 * backend (backend/disk.h): a raw image file or a host block device.
 *
 * Emulated: device ID 2; one request queue per vCPU (VIRTIO_BLK_F_MQ, up
 * to VIRTIO_BLK_MAX_QUEUES), each of VIRTIO_BLK_QUEUE_SIZE entries; the
 * requests IN, OUT, FLUSH, GET_ID, and DISCARD and WRITE_ZEROES (one
 * segment each, with WRITE_ZEROES' UNMAP flag) where the image allows
 * them; the features SIZE_MAX, SEG_MAX, BLK_SIZE (the backend's logical
 * block size), TOPOLOGY (its physical block size), FLUSH, RO (readonly=on),
 * MQ, DISCARD and WRITE_ZEROES.  The cache is write-back: a write is done
 * when it is in the host's page cache (or on the device, with direct=on),
 * and FLUSH (fdatasync) makes what completed before it durable.
 *
 * Not emulated: GEOMETRY, CONFIG_WCE (the cache mode cannot be switched),
 * GET_LIFETIME, SECURE_ERASE and zoned devices (those requests get
 * VIRTIO_BLK_S_UNSUPP), multi-segment discard and write-zeroes.
 *
 * Requests run asynchronously: the device pops every chain it can, hands
 * each to the backend and goes on; several are in flight per queue and
 * they may complete in any order (5.2.6: the driver orders what needs
 * ordering).  A request's status byte is written when it completes, and
 * the used length is the bytes written into the guest: the data read plus
 * the status byte.
 *
 * Every request is checked before it reaches the backend, making no
 * assumption about how its buffers are split into descriptors (2.6.4):
 * the 16-byte header is the start of the device-readable part, the status
 * byte the last device-writable byte, and the data what lies between.  A
 * request without a writable byte has nowhere to put its status: the
 * device cannot complete it, so it sets DEVICE_NEEDS_RESET (2.1.2) and
 * takes no more requests until the driver resets it.  Everything else
 * that is wrong gets a status: VIRTIO_BLK_S_IOERR for a short header, data
 * in the wrong direction or not a multiple of 512 bytes, sectors outside
 * the disk, more than seg_max segments, a malformed discard or
 * write-zeroes range, any write to a read-only disk (5.2.6.2), or a
 * backend error; VIRTIO_BLK_S_UNSUPP for an unknown type, a feature not
 * negotiated, or an unknown flag (5.2.6.2).
 *
 * Threads: the device's thread does everything (virtio.h); its disk_queue
 * (one for all its virtqueues, as disk.h asks of one thread) is made
 * with the device and signals completions on the same event loop.  A
 * reset waits for the requests in flight to finish (disk_drain) and drops
 * their results.  The struct disk belongs to the caller (the machine),
 * which closes it after virtio_dev_destroy.
 */
#ifndef HYVE_VIRTIO_BLK_H
#define HYVE_VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "backend/disk.h"
#include "virtio/virtio.h"

#define VIRTIO_BLK_QUEUE_SIZE 256
#define VIRTIO_BLK_MAX_QUEUES 16
/* Descriptors a request may use for data (header and status aside). */
#define VIRTIO_BLK_SEG_MAX                                                     \
	(VIRTIO_BLK_QUEUE_SIZE - 2 < DISK_IOV_MAX ? VIRTIO_BLK_QUEUE_SIZE - 2  \
						  : DISK_IOV_MAX)
#define VIRTIO_BLK_SIZE_MAX	    (1u << 20) /* bytes in one segment */
#define VIRTIO_BLK_MAX_DISCARD	    (1u << 22) /* sectors: 2 GiB */
#define VIRTIO_BLK_MAX_WRITE_ZEROES (1u << 18) /* sectors: 128 MiB */
#define VIRTIO_BLK_DISK_DEPTH	    VIRTIO_BLK_QUEUE_SIZE /* disk_opts.depth */
#define VIRTIO_BLK_ID_BYTES	    20
#define VIRTIO_BLK_CONFIG_SIZE	    60 /* up to write_zeroes_may_unmap */

/* Feature bits (5.2.3). */
#define VIRTIO_BLK_F_SIZE_MAX	  1
#define VIRTIO_BLK_F_SEG_MAX	  2
#define VIRTIO_BLK_F_GEOMETRY	  4
#define VIRTIO_BLK_F_RO		  5
#define VIRTIO_BLK_F_BLK_SIZE	  6
#define VIRTIO_BLK_F_FLUSH	  9
#define VIRTIO_BLK_F_TOPOLOGY	  10
#define VIRTIO_BLK_F_CONFIG_WCE	  11
#define VIRTIO_BLK_F_MQ		  12
#define VIRTIO_BLK_F_DISCARD	  13
#define VIRTIO_BLK_F_WRITE_ZEROES 14

/* Request types (5.2.6). */
#define VIRTIO_BLK_T_IN		  0
#define VIRTIO_BLK_T_OUT	  1
#define VIRTIO_BLK_T_FLUSH	  4
#define VIRTIO_BLK_T_GET_ID	  8
#define VIRTIO_BLK_T_GET_LIFETIME 10
#define VIRTIO_BLK_T_DISCARD	  11
#define VIRTIO_BLK_T_WRITE_ZEROES 13
#define VIRTIO_BLK_T_SECURE_ERASE 14

/* The status byte (5.2.6). */
#define VIRTIO_BLK_S_OK	    0
#define VIRTIO_BLK_S_IOERR  1
#define VIRTIO_BLK_S_UNSUPP 2

/* A discard or write-zeroes segment's flags (5.2.6). */
#define VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP 1

/* The configuration space's fields (5.2.4), byte offsets. */
#define VIRTIO_BLK_CFG_CAPACITY		   0
#define VIRTIO_BLK_CFG_SIZE_MAX		   8
#define VIRTIO_BLK_CFG_SEG_MAX		   12
#define VIRTIO_BLK_CFG_BLK_SIZE		   20
#define VIRTIO_BLK_CFG_PHYS_BLOCK_EXP	   24
#define VIRTIO_BLK_CFG_ALIGNMENT_OFFSET	   25
#define VIRTIO_BLK_CFG_MIN_IO_SIZE	   26
#define VIRTIO_BLK_CFG_OPT_IO_SIZE	   28
#define VIRTIO_BLK_CFG_NUM_QUEUES	   34
#define VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS 36
#define VIRTIO_BLK_CFG_MAX_DISCARD_SEG	   40
#define VIRTIO_BLK_CFG_DISCARD_ALIGNMENT   44
#define VIRTIO_BLK_CFG_MAX_WZ_SECTORS	   48
#define VIRTIO_BLK_CFG_MAX_WZ_SEG	   52
#define VIRTIO_BLK_CFG_WZ_MAY_UNMAP	   56

struct virtio_blk_opts {
	/* 1 to 20 bytes; NULL or "": virtio_blk_default_serial's. */
	const char *serial;
	unsigned int num_queues; /* 0 is 1; above MAX_QUEUES is MAX_QUEUES */
};

/* Counters (device thread; read after it stops, or racily in tests). */
struct virtio_blk_stats {
	uint64_t reads, writes, flushes, discards, write_zeroes, get_ids;
	uint64_t read_bytes, write_bytes;
	uint64_t ioerr, unsupp; /* statuses other than OK */
	uint64_t parked;	/* times the backend's queue was full */
};

struct blk_req;
struct blk_queue;

/* What a checked request asks of the backend. */
struct blk_io {
	uint64_t off, len;   /* bytes */
	unsigned int iovcnt; /* IN and OUT: the data, in data[] */
	bool unmap;	     /* WRITE_ZEROES */
};

struct virtio_blk {
	struct virtio_dev vdev; /* first */
	struct disk *disk;	/* the caller's */
	const struct disk_info *info;
	struct disk_queue *dq;
	uint8_t serial[VIRTIO_BLK_ID_BYTES]; /* NUL-padded */
	uint8_t config[VIRTIO_BLK_CONFIG_SIZE];
	/* Device thread, from activate to reset: */
	struct blk_queue *bq;	/* one per virtqueue */
	bool resetting;		/* completions are dropped */
	struct blk_req *parked; /* refused with -EAGAIN; io in parked_io */
	struct blk_io parked_io;
	struct virtio_blk_stats stats;
	/* Scratch of the device thread: a chain, and a request's data
	 * (kept while a request is parked: nothing is popped then). */
	struct iovec iov[VIRTIO_BLK_QUEUE_SIZE];
	struct iovec data[VIRTIO_BLK_QUEUE_SIZE];
};

/*
 * A virtio-blk over disk (opened by the caller, best with depth
 * VIRTIO_BLK_DISK_DEPTH), on guest memory mem: *out's vdev is initialised
 * (not started), with the disk's queue on its event loop;
 * virtio_dev_destroy frees it (not the disk).  0, or a negative errno
 * with one line in err.  Main's thread.
 */
int virtio_blk_create(struct virtio_blk **out, const struct guest_mem *mem,
		      struct disk *disk, const struct virtio_blk_opts *opts,
		      char *err, size_t errlen);

/*
 * What the backend's eventfd triggers on the device thread: run the
 * completions, resume what waited, interrupt.  Tests and fuzzers call it
 * themselves before the thread starts (then it is theirs).
 */
void virtio_blk_complete(struct virtio_blk *b);

/*
 * The serial a disk gets without serial=: the first 20 bytes of the
 * image's file name (the part after the last '/'), spaces and bytes
 * outside printable ASCII as '_'; out is NUL-padded, not terminated when
 * 20 bytes long.
 */
void virtio_blk_default_serial(const char *path,
			       uint8_t out[VIRTIO_BLK_ID_BYTES]);

#endif
