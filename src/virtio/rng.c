/*
 * rng.c: virtio-rng.  See rng.h for what is emulated.
 */
#include "virtio/rng.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "util/log.h"

/* Fill len bytes at p from getrandom; returns how many were filled. */
static size_t fill(void *p, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = getrandom((char *)p + done, len - done, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_warn("virtio-rng", "getrandom: %s",
				 strerror(errno));
			break;
		}
		done += (size_t)n;
	}
	return done;
}

static void rng_notify(struct virtio_dev *d, unsigned int q)
{
	struct virtio_rng *rng = (struct virtio_rng *)d;
	struct iovec iov[VIRTIO_RNG_QUEUE_SIZE];
	struct virtq_chain c = { .iov = iov, .iov_cap = VIRTIO_RNG_QUEUE_SIZE };
	bool pushed = false;

	/* Until the ring is empty, or broken (virtio_pop flags that). */
	while (virtio_pop(d, q, &c) > 0) {
		size_t room = VIRTIO_RNG_MAX_REQUEST, written = 0;

		/* A request with a device-readable part gets nothing. */
		for (unsigned int i = 0; !c.nout && i < c.nin && room; i++) {
			struct iovec *v = &iov[c.nout + i];
			size_t want = v->iov_len < room ? v->iov_len : room;
			size_t got = fill(v->iov_base, want);

			written += got;
			room -= got;
			if (got < want)
				break;
		}
		rng->bytes += written;
		virtio_push(d, q, c.head, (uint32_t)written);
		pushed = true;
	}
	if (pushed)
		virtio_notify(d, q);
}

static void rng_destroy(struct virtio_dev *d)
{
	free(d);
}

static const struct virtio_dev_ops rng_ops = {
	.name = "virtio-rng",
	.device_id = VIRTIO_ID_RNG,
	.num_queues = 1,
	.queue_max = VIRTIO_RNG_QUEUE_SIZE,
	.features = 0,
	.config_size = 0,
	.notify = rng_notify,
	.destroy = rng_destroy,
};

int virtio_rng_create(struct virtio_rng **out, const struct guest_mem *mem)
{
	struct virtio_rng *rng = calloc(1, sizeof(*rng));
	int r;

	if (!rng)
		return -ENOMEM;
	r = virtio_dev_init(&rng->vdev, &rng_ops, mem);
	if (r) {
		free(rng);
		return r;
	}
	*out = rng;
	return 0;
}
