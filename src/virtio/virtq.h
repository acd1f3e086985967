/*
 * virtq.h: the device side of a virtio split virtqueue (virtio 1.2, 2.7).
 *
 * The ring lives in guest memory and the guest is hostile: every address
 * and length it writes (the three ring areas, each descriptor, each
 * indirect table) becomes a host pointer only through mem_ptr(), chains are
 * bounded by the queue size, indirect tables by their own length and the
 * queue size, and an indirect descriptor inside an indirect table, a loop,
 * a NEXT index past the table or a chain too long for the caller's iovec
 * array is a malformed chain.  A malformed chain never crashes or hangs:
 * virtq_pop() says so, the queue is marked broken, and the transport sets
 * DEVICE_NEEDS_RESET (virtio 1.2, 2.1.2).
 *
 * Threads: a virtq belongs to its device's thread once the driver has set
 * DRIVER_OK (the transport configures it before that, on a vCPU thread,
 * under the device's lock).  Nothing here locks; the ring indexes the
 * guest shares are read and written with acquire/release ordering.
 *
 * This file never calls KVM: unit tests and fuzzers run it on a malloc'd
 * guest_mem.
 */
#ifndef HYVE_VIRTIO_VIRTQ_H
#define HYVE_VIRTIO_VIRTQ_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "vmm/mem.h"

#define VIRTQ_MAX_SIZE 32768 /* virtio 1.2, 2.7: Queue Size <= 32768 */

/* Descriptor flags (2.7.5) and ring flags (2.7.6, 2.7.8). */
#define VIRTQ_DESC_F_NEXT	   1
#define VIRTQ_DESC_F_WRITE	   2
#define VIRTQ_DESC_F_INDIRECT	   4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY	   1

/* What the transport learned from the driver (common configuration). */
struct virtq_config {
	uint16_t size; /* a power of two, 1 to VIRTQ_MAX_SIZE */
	uint64_t desc; /* guest-physical addresses of the three areas */
	uint64_t avail;
	uint64_t used;
	bool event_idx; /* VIRTIO_F_RING_EVENT_IDX negotiated */
	bool indirect;	/* VIRTIO_F_INDIRECT_DESC negotiated */
};

struct virtq {
	const struct guest_mem *mem;
	struct virtq_config cfg;
	bool ready;  /* virtq_init succeeded; cleared by virtq_reset */
	bool broken; /* a malformed ring was seen: nothing more is popped */
	uint16_t last_avail; /* the next avail ring entry to consume */
	uint16_t used_idx;   /* the device's copy of used->idx */
	uint16_t signalled;  /* used_idx at the last interrupt (EVENT_IDX) */
	/* Host views of the ring areas, bounds-checked once by virtq_init. */
	void *desc;
	void *avail;
	void *used;
};

/*
 * One descriptor chain, device-readable buffers first (iov[0..nout)), then
 * device-writable ones (iov[nout..nout+nin)), as host pointers into guest
 * RAM.  Zero-length descriptors are skipped.
 */
struct virtq_chain {
	uint16_t head; /* the id to give back to virtq_push */
	unsigned int nout, nin;
	uint64_t out_len, in_len; /* byte totals of each part */
	struct iovec *iov;	  /* the caller's array ... */
	unsigned int iov_cap;	  /* ... and its length */
};

/*
 * Check the ring areas against guest memory and the alignment rules
 * (2.7: desc 16, avail 2, used 4) and make the queue ready; 0 or -EINVAL
 * (the transport then refuses the queue).
 */
int virtq_init(struct virtq *q, const struct guest_mem *mem,
	       const struct virtq_config *cfg);

/* Forget everything (device reset, 2.1.2): the queue is not ready. */
void virtq_reset(struct virtq *q);

/*
 * Take the next available chain into c (c->iov and c->iov_cap set by the
 * caller).  Returns 1 with a chain, 0 when the ring is empty, or -EINVAL
 * when the guest's ring or chain is malformed; the queue is then broken
 * and pops return -EINVAL until virtq_reset.  A device-readable
 * descriptor after a device-writable one is malformed (2.7.4.2).
 */
int virtq_pop(struct virtq *q, struct virtq_chain *c);

/* Give a chain back with the bytes the device wrote into it (2.7.8). */
void virtq_push(struct virtq *q, uint16_t head, uint32_t written);

/*
 * After one or more pushes: true when the driver wants an interrupt now
 * (VIRTQ_AVAIL_F_NO_INTERRUPT, or used_event with EVENT_IDX; 2.7.7.2).
 * Updates the record of what was signalled.
 */
bool virtq_need_interrupt(struct virtq *q);

/*
 * Ask for notifications or not (VIRTQ_USED_F_NO_NOTIFY, or avail_event
 * with EVENT_IDX; 2.7.10).  After enabling, the device must check the ring
 * again, since the driver may have added buffers just before: returns
 * true when buffers are waiting.
 */
bool virtq_notify_enable(struct virtq *q, bool enable);

/* True when the driver has made chains available that are not popped. */
bool virtq_has_work(const struct virtq *q);

#endif
