/*
 * virtio.h: what every virtio device shares, whatever its transport
 * (virtio 1.2): the contract a device fills in, the device status state
 * machine (2.1), feature negotiation (2.2), the virtqueues' configuration
 * (2.6, 4.1.4.3) and the device's own thread.
 *
 * A device (rng.c, and blk, net, console, vsock beside it) embeds struct
 * virtio_dev as its first member and fills in a static const struct
 * virtio_dev_ops: its device ID, the features it offers, its number of
 * queues and their largest size, its configuration space, and what it
 * does on activation, on a queue notification and on reset.  A transport
 * (pci.c) puts the device on a bus and turns the driver's register
 * accesses into the calls below; the device never sees the transport.
 *
 * The device thread: each device runs on its own event loop (util/
 * evloop.h), with one eventfd per queue that KVM signals when the driver
 * notifies the queue (an ioeventfd), so device work never runs on a vCPU
 * thread.  Everything a device's ops do, except config_read and
 * config_write, runs on that thread; backends add their own fds and
 * timers to the same loop (d->loop) from activate.
 *
 * Threads and locks:
 *  - d->lock guards what the driver configures (status, features, the
 *    queues' registers) and is taken by the transport around each access
 *    from a vCPU thread.  The device thread never takes it.
 *  - Activation (DRIVER_OK) and reset (status 0) are asked for on a vCPU
 *    thread with d->lock held and run on the device thread through
 *    evloop_call, which returns once they have run: a reset is complete
 *    when the driver reads the status back.
 *  - From DRIVER_OK to reset, the queues' rings (struct virtq) belong to
 *    the device thread.
 *  - needs_reset, the config generation and each queue's interrupt
 *    vector are atomics; the interrupt functions may be called from any
 *    thread and take only the transport's leaf locks.
 *
 * Not implemented: packed virtqueues, VIRTIO_F_NOTIFICATION_DATA,
 * VIRTIO_F_RING_RESET (per-queue reset), VIRTIO_F_ACCESS_PLATFORM, shared
 * memory regions.
 */
#ifndef HYVE_VIRTIO_VIRTIO_H
#define HYVE_VIRTIO_VIRTIO_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/evloop.h"
#include "virtio/virtq.h"
#include "vmm/mem.h"

/* Device status (2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 0x01
#define VIRTIO_STATUS_DRIVER	  0x02
#define VIRTIO_STATUS_DRIVER_OK	  0x04
#define VIRTIO_STATUS_FEATURES_OK 0x08
#define VIRTIO_STATUS_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED	  0x80

/* Reserved feature bits (6). */
#define VIRTIO_F_INDIRECT_DESC	28
#define VIRTIO_F_RING_EVENT_IDX 29
#define VIRTIO_F_VERSION_1	32
/* What every device offers on top of its own features. */
#define VIRTIO_TRANSPORT_FEATURES                                              \
	(1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_F_RING_EVENT_IDX |        \
	 1ULL << VIRTIO_F_INDIRECT_DESC)

#define VIRTIO_MAX_QUEUES 255	 /* one MSI-X vector each, plus config */
#define VIRTIO_NO_VECTOR  0xffff /* 4.1.4.3: no MSI-X vector */

/* Device IDs (5). */
#define VIRTIO_ID_NET	  1
#define VIRTIO_ID_BLOCK	  2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_RNG	  4
#define VIRTIO_ID_VSOCK	  19

struct virtio_dev;

/*
 * The contract of a device.  Every function is optional except notify.
 */
struct virtio_dev_ops {
	const char *name;   /* "virtio-rng": logs and the thread's name */
	uint16_t device_id; /* VIRTIO_ID_* */
	/*
	 * 1 to VIRTIO_MAX_QUEUES.  With features, what virtio_dev_init
	 * gives every instance; a device whose queues or features depend on
	 * the instance passes its own to virtio_dev_init_with.
	 */
	uint16_t num_queues;
	uint16_t queue_max; /* the size each queue offers: a power of 2 */
	/*
	 * Device feature bits (0-23, and others the device handles); the
	 * core adds VIRTIO_TRANSPORT_FEATURES.  A device whose features
	 * depend on its backend (virtio-net's offloads) adds those to
	 * d->features after virtio_dev_init, before its transport is made.
	 */
	uint64_t features;
	uint32_t config_size; /* bytes of device configuration space */
	/*
	 * The configuration space, on a vCPU thread with d->lock held;
	 * off + len <= config_size.  Unset bytes read as 0.
	 */
	void (*config_read)(struct virtio_dev *d, uint32_t off, void *buf,
			    uint32_t len);
	void (*config_write)(struct virtio_dev *d, uint32_t off,
			     const void *buf, uint32_t len);
	/*
	 * Device thread: the driver set DRIVER_OK; every enabled queue is
	 * ready (virtio_vq) and the negotiated features are fixed.  A
	 * negative errno sets DEVICE_NEEDS_RESET.  Each enabled queue gets
	 * a notify right after, in case the driver filled it early.
	 */
	int (*activate)(struct virtio_dev *d);
	/* Device thread: the driver notified queue q (only while active). */
	void (*notify)(struct virtio_dev *d, unsigned int q);
	/*
	 * Device thread: the driver reset the device (or the machine is
	 * going away): forget in-flight requests and stop touching guest
	 * memory.  Called only after a successful activate.
	 */
	void (*reset)(struct virtio_dev *d);
	/*
	 * main, after the thread has stopped and the core has let go of d:
	 * free the device's state (it may free what embeds d).  d->loop is
	 * stopped but still there, so backends can take their fds and
	 * timers off it; the core frees it after destroy returns.
	 */
	void (*destroy)(struct virtio_dev *d);
};

/* What the transport does for the core: interrupts, from any thread. */
struct virtio_transport {
	void (*queue_irq)(struct virtio_dev *d, unsigned int q);
	void (*config_irq)(struct virtio_dev *d);
};

struct virtio_queue {
	/* The driver's registers: d->lock. */
	uint16_t size; /* queue_size: queue_max until the driver lowers it */
	bool enabled;  /* queue_enable */
	uint64_t desc, driver, device;
	atomic_ushort vector; /* queue_msix_vector (read by any thread) */
	/* The ring: the device thread's from DRIVER_OK to reset. */
	struct virtq vq;
	int kick_fd; /* eventfd: the queue's notifications */
	struct virtio_dev *dev;
	unsigned int index;
};

struct virtio_dev {
	const struct virtio_dev_ops *ops;
	const struct guest_mem *mem;
	struct evloop *loop;
	const struct virtio_transport *tp;
	void *tp_ctx;
	pthread_mutex_t lock;
	uint8_t status;		     /* d->lock; NEEDS_RESET lives below */
	uint64_t features;	     /* offered: ops->features + transport */
	uint64_t driver_features;    /* written by the driver (d->lock) */
	atomic_bool needs_reset;     /* DEVICE_NEEDS_RESET */
	atomic_uint generation;	     /* config_generation */
	atomic_ushort config_vector; /* config_msix_vector */
	bool active;		     /* device thread: activate succeeded */
	bool started;		     /* the thread runs */
	unsigned int nq;
	struct virtio_queue *q;
};

/*
 * Set d up for ops over guest memory mem: its queues, their eventfds and
 * the event loop (not started).  0 or a negative errno; on failure
 * nothing is left to undo.
 */
int virtio_dev_init(struct virtio_dev *d, const struct virtio_dev_ops *ops,
		    const struct guest_mem *mem);
/*
 * The same with this instance's queue count and device features in place
 * of ops->num_queues and ops->features (virtio-blk: one queue per vCPU,
 * RO and DISCARD as the image allows).
 */
int virtio_dev_init_with(struct virtio_dev *d, const struct virtio_dev_ops *ops,
			 const struct guest_mem *mem, unsigned int num_queues,
			 uint64_t features);
/* Start and stop the device's thread (main). */
int virtio_dev_start(struct virtio_dev *d);
void virtio_dev_stop(struct virtio_dev *d);
/* Stop the thread if it runs, reset an active device, free everything. */
void virtio_dev_destroy(struct virtio_dev *d);

/* The transport's side: vCPU threads, d->lock held. ------------------- */

uint8_t virtio_get_status(struct virtio_dev *d);
/*
 * The driver writes device_status.  0 resets the device (on its thread,
 * before this returns).  FEATURES_OK is refused (not set) when the driver
 * took a feature that was not offered or did not take VERSION_1.
 * DRIVER_OK (after FEATURES_OK) activates the device on its thread; a
 * queue whose ring does not fit guest memory, or a failed activation,
 * sets DEVICE_NEEDS_RESET.  Bits are never cleared except by a reset.
 */
void virtio_set_status(struct virtio_dev *d, uint8_t status);
/* 32 feature bits from bit 32 * sel; sel beyond 1 reads 0. */
uint32_t virtio_get_features(struct virtio_dev *d, uint32_t sel);
uint32_t virtio_get_driver_features(struct virtio_dev *d, uint32_t sel);
/* Ignored once FEATURES_OK is set, and for sel beyond 1. */
void virtio_set_driver_features(struct virtio_dev *d, uint32_t sel,
				uint32_t val);
/*
 * A queue's registers.  Writes are ignored for a queue out of range, once
 * the queue is enabled, or once DRIVER_OK is set; a size that is 0, not a
 * power of 2 or above queue_max is ignored too.
 */
struct virtio_queue *virtio_queue(struct virtio_dev *d, unsigned int q);
void virtio_queue_set_size(struct virtio_dev *d, unsigned int q, uint16_t size);
void virtio_queue_set_addr(struct virtio_dev *d, unsigned int q, uint64_t desc,
			   uint64_t driver, uint64_t device);
void virtio_queue_enable(struct virtio_dev *d, unsigned int q);
/* The driver's bytes of the configuration space, bounds-checked. */
void virtio_config_read(struct virtio_dev *d, uint32_t off, void *buf,
			uint32_t len);
void virtio_config_write(struct virtio_dev *d, uint32_t off, const void *buf,
			 uint32_t len);

/* The device's side: its thread. ------------------------------------ */

/* A ready queue's ring, or NULL. */
struct virtq *virtio_vq(struct virtio_dev *d, unsigned int q);
/* A negotiated feature (fixed from activate to reset). */
bool virtio_has_feature(const struct virtio_dev *d, unsigned int bit);
/*
 * virtq_pop; a malformed ring (-EINVAL) sets DEVICE_NEEDS_RESET and sends
 * a configuration-change interrupt, once.
 */
int virtio_pop(struct virtio_dev *d, unsigned int q, struct virtq_chain *c);
/* virtq_push; call virtio_notify after a batch of them. */
void virtio_push(struct virtio_dev *d, unsigned int q, uint16_t head,
		 uint32_t written);
/* After pushes: the queue's interrupt, if the driver wants one now. */
void virtio_notify(struct virtio_dev *d, unsigned int q);
/* The configuration space changed: bump the generation, interrupt. */
void virtio_config_changed(struct virtio_dev *d);
/* Something is broken that only a reset mends (any thread). */
void virtio_set_needs_reset(struct virtio_dev *d);

#endif
