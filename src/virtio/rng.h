/*
 * rng.h: virtio-rng, the entropy device (virtio 1.2, 5.4 "Entropy
 * Device"), fed from the host's getrandom(2).
 *
 * Emulated: device ID 4, one queue (requestq), no feature bits and no
 * configuration space.  Each request is a chain of device-writable
 * buffers that the device fills with random bytes, up to
 * VIRTIO_RNG_MAX_REQUEST per request (the driver asks again for more); a
 * request with any device-readable buffer is malformed and is returned
 * with nothing written (5.4.6.1).  The rate is not limited.
 *
 * Threads: everything runs on the device's thread (virtio.h).
 */
#ifndef HYVE_VIRTIO_RNG_H
#define HYVE_VIRTIO_RNG_H

#include "virtio/virtio.h"

#define VIRTIO_RNG_QUEUE_SIZE  256
#define VIRTIO_RNG_MAX_REQUEST (64u << 10)

struct virtio_rng {
	struct virtio_dev vdev; /* first */
	uint64_t bytes;		/* handed to the guest (device thread) */
};

/*
 * Allocate a virtio-rng over guest memory mem: *out's vdev is initialised
 * (not started); virtio_dev_destroy frees it.  0 or a negative errno.
 */
int virtio_rng_create(struct virtio_rng **out, const struct guest_mem *mem);

#endif
