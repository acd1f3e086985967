/*
 * virtio.c: the device status state machine, feature negotiation, queue
 * configuration and the device thread.  See virtio.h.
 */
#include "virtio/virtio.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "util/log.h"

static bool power_of_2(unsigned int v)
{
	return v && !(v & (v - 1));
}

/* The driver's registers of queue q as after a reset (2.1.2, 4.1.4.3). */
static void queue_regs_reset(struct virtio_dev *d, struct virtio_queue *q)
{
	q->size = d->ops->queue_max;
	q->enabled = false;
	q->desc = q->driver = q->device = 0;
	atomic_store(&q->vector, VIRTIO_NO_VECTOR);
}

/* Device thread: a queue was notified. */
static void on_kick(void *ctx, int fd, uint32_t events)
{
	struct virtio_queue *q = ctx;
	struct virtio_dev *d = q->dev;
	uint64_t n;

	(void)events;
	if (read(fd, &n, sizeof(n)) < 0)
		return; /* nothing there (EAGAIN) */
	if (d->active && q->vq.ready)
		d->ops->notify(d, q->index);
}

int virtio_dev_init(struct virtio_dev *d, const struct virtio_dev_ops *ops,
		    const struct guest_mem *mem)
{
	return virtio_dev_init_with(d, ops, mem, ops->num_queues,
				    ops->features);
}

int virtio_dev_init_with(struct virtio_dev *d, const struct virtio_dev_ops *ops,
			 const struct guest_mem *mem, unsigned int num_queues,
			 uint64_t features)
{
	int r;

	memset(d, 0, sizeof(*d));
	if (!ops->notify || num_queues < 1 || num_queues > VIRTIO_MAX_QUEUES ||
	    !power_of_2(ops->queue_max) || ops->queue_max > VIRTQ_MAX_SIZE)
		return -EINVAL;
	d->ops = ops;
	d->mem = mem;
	d->features = features | VIRTIO_TRANSPORT_FEATURES;
	atomic_init(&d->needs_reset, false);
	atomic_init(&d->generation, 0);
	atomic_init(&d->config_vector, VIRTIO_NO_VECTOR);
	d->q = calloc(num_queues, sizeof(*d->q));
	if (!d->q)
		return -ENOMEM;
	d->nq = num_queues;
	for (unsigned int i = 0; i < d->nq; i++)
		d->q[i].kick_fd = -1;
	r = evloop_create(&d->loop, ops->name);
	if (r)
		goto fail;
	for (unsigned int i = 0; i < d->nq; i++) {
		struct virtio_queue *q = &d->q[i];
		q->dev = d;
		q->index = i;
		atomic_init(&q->vector, VIRTIO_NO_VECTOR);
		queue_regs_reset(d, q);
		q->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (q->kick_fd < 0) {
			r = -errno;
			goto fail;
		}
		r = evloop_add_fd(d->loop, q->kick_fd, EPOLLIN, on_kick, q);
		if (r)
			goto fail;
	}
	pthread_mutex_init(&d->lock, NULL);
	return 0;
fail:
	for (unsigned int i = 0; i < d->nq; i++)
		if (d->q[i].kick_fd >= 0)
			close(d->q[i].kick_fd);
	if (d->loop)
		evloop_destroy(d->loop);
	free(d->q);
	memset(d, 0, sizeof(*d));
	return r;
}

int virtio_dev_start(struct virtio_dev *d)
{
	int r = evloop_start(d->loop);

	d->started = r == 0;
	return r;
}

void virtio_dev_stop(struct virtio_dev *d)
{
	if (d->started)
		evloop_stop(d->loop);
	d->started = false;
}

/* On the device thread (or inline, before the thread or after it). */
static void do_reset(void *ctx)
{
	struct virtio_dev *d = ctx;

	if (d->active && d->ops->reset)
		d->ops->reset(d);
	d->active = false;
	for (unsigned int i = 0; i < d->nq; i++) {
		uint64_t n;
		virtq_reset(&d->q[i].vq);
		/* Notifications from before the reset are void. */
		if (read(d->q[i].kick_fd, &n, sizeof(n)) < 0) {
			/* Nothing was there. */
		}
	}
}

void virtio_dev_destroy(struct virtio_dev *d)
{
	const struct virtio_dev_ops *ops = d->ops;
	struct evloop *loop = d->loop;

	if (!ops)
		return;
	virtio_dev_stop(d);
	do_reset(d); /* no thread now: runs here */
	for (unsigned int i = 0; i < d->nq; i++)
		close(d->q[i].kick_fd);
	pthread_mutex_destroy(&d->lock);
	free(d->q);
	d->q = NULL;
	d->nq = 0;
	d->ops = NULL;
	/*
	 * The stopped loop outlives destroy, so that a backend can take its
	 * fds and timers off it (net.h's rule); destroy may free what holds
	 * d, so the loop is remembered here.
	 */
	if (ops->destroy)
		ops->destroy(d);
	evloop_destroy(loop);
}

/* Status and features ------------------------------------------------------ */

uint8_t virtio_get_status(struct virtio_dev *d)
{
	return (uint8_t)(d->status | (atomic_load(&d->needs_reset)
					      ? VIRTIO_STATUS_NEEDS_RESET
					      : 0));
}

static void reset(struct virtio_dev *d)
{
	int r = evloop_call(d->loop, do_reset, d);

	if (r)
		log_warn("virtio", "%s: reset: %s", d->ops->name, strerror(-r));
	d->status = 0;
	d->driver_features = 0;
	atomic_store(&d->needs_reset, false);
	atomic_store(&d->config_vector, VIRTIO_NO_VECTOR);
	for (unsigned int i = 0; i < d->nq; i++)
		queue_regs_reset(d, &d->q[i]);
}

/* 2.2.1 / 6.1: what the driver took must be offered, and VERSION_1 in. */
static bool features_ok(const struct virtio_dev *d)
{
	return !(d->driver_features & ~d->features) &&
	       (d->driver_features & (1ULL << VIRTIO_F_VERSION_1));
}

struct activation {
	struct virtio_dev *d;
	int r;
};

/* On the device thread: make the rings, start the device. */
static void do_activate(void *ctx)
{
	struct activation *a = ctx;
	struct virtio_dev *d = a->d;

	a->r = 0;
	for (unsigned int i = 0; i < d->nq && !a->r; i++) {
		struct virtio_queue *q = &d->q[i];
		const struct virtq_config c = {
			.size = q->size,
			.desc = q->desc,
			.avail = q->driver,
			.used = q->device,
			.event_idx =
				virtio_has_feature(d, VIRTIO_F_RING_EVENT_IDX),
			.indirect =
				virtio_has_feature(d, VIRTIO_F_INDIRECT_DESC),
		};
		if (!q->enabled)
			continue;
		a->r = virtq_init(&q->vq, d->mem, &c);
		if (a->r)
			log_info("virtio", "%s: queue %u does not fit: %s",
				 d->ops->name, i, strerror(-a->r));
	}
	if (!a->r && d->ops->activate)
		a->r = d->ops->activate(d);
	if (a->r) {
		for (unsigned int i = 0; i < d->nq; i++)
			virtq_reset(&d->q[i].vq);
		return;
	}
	d->active = true;
	for (unsigned int i = 0; i < d->nq; i++)
		if (d->q[i].vq.ready)
			d->ops->notify(d, i);
}

void virtio_set_status(struct virtio_dev *d, uint8_t status)
{
	uint8_t added = (uint8_t)(status & ~d->status);

	if (status == 0) {
		reset(d);
		return;
	}
	added &= (uint8_t)~VIRTIO_STATUS_NEEDS_RESET; /* the device's bit */
	if ((added & VIRTIO_STATUS_FEATURES_OK) && !features_ok(d)) {
		log_info("virtio", "%s: FEATURES_OK refused (features %#llx)",
			 d->ops->name, (unsigned long long)d->driver_features);
		added &= (uint8_t)~VIRTIO_STATUS_FEATURES_OK;
	}
	if ((added & VIRTIO_STATUS_DRIVER_OK) &&
	    !((d->status | added) & VIRTIO_STATUS_FEATURES_OK))
		added &= (uint8_t)~VIRTIO_STATUS_DRIVER_OK; /* out of order */
	d->status |= added;
	if (added & VIRTIO_STATUS_DRIVER_OK) {
		struct activation a = { .d = d };
		int r = evloop_call(d->loop, do_activate, &a);
		if (r || a.r) {
			log_info("virtio", "%s: activation failed: %s",
				 d->ops->name, strerror(-(r ? r : a.r)));
			virtio_set_needs_reset(d);
		}
	}
}

uint32_t virtio_get_features(struct virtio_dev *d, uint32_t sel)
{
	return sel < 2 ? (uint32_t)(d->features >> (32 * sel)) : 0;
}

uint32_t virtio_get_driver_features(struct virtio_dev *d, uint32_t sel)
{
	return sel < 2 ? (uint32_t)(d->driver_features >> (32 * sel)) : 0;
}

void virtio_set_driver_features(struct virtio_dev *d, uint32_t sel,
				uint32_t val)
{
	uint64_t mask;

	if (sel >= 2 || (d->status & VIRTIO_STATUS_FEATURES_OK))
		return;
	mask = 0xffffffffULL << (32 * sel);
	d->driver_features =
		(d->driver_features & ~mask) | ((uint64_t)val << (32 * sel));
}

bool virtio_has_feature(const struct virtio_dev *d, unsigned int bit)
{
	return bit < 64 && (d->driver_features >> bit) & 1;
}

/* Queues -------------------------------------------------------------------- */

struct virtio_queue *virtio_queue(struct virtio_dev *d, unsigned int q)
{
	return q < d->nq ? &d->q[q] : NULL;
}

/* The queue's registers may change: it exists, is off, no DRIVER_OK. */
static struct virtio_queue *writable(struct virtio_dev *d, unsigned int q)
{
	struct virtio_queue *vq = virtio_queue(d, q);

	if (!vq || vq->enabled || (d->status & VIRTIO_STATUS_DRIVER_OK))
		return NULL;
	return vq;
}

void virtio_queue_set_size(struct virtio_dev *d, unsigned int q, uint16_t size)
{
	struct virtio_queue *vq = writable(d, q);

	if (vq && power_of_2(size) && size <= d->ops->queue_max)
		vq->size = size;
}

void virtio_queue_set_addr(struct virtio_dev *d, unsigned int q, uint64_t desc,
			   uint64_t driver, uint64_t device)
{
	struct virtio_queue *vq = writable(d, q);

	if (vq) {
		vq->desc = desc;
		vq->driver = driver;
		vq->device = device;
	}
}

void virtio_queue_enable(struct virtio_dev *d, unsigned int q)
{
	struct virtio_queue *vq = writable(d, q);

	if (vq)
		vq->enabled = true;
}

void virtio_config_read(struct virtio_dev *d, uint32_t off, void *buf,
			uint32_t len)
{
	memset(buf, 0, len);
	if (off >= d->ops->config_size || len > d->ops->config_size - off)
		return;
	if (d->ops->config_read)
		d->ops->config_read(d, off, buf, len);
}

void virtio_config_write(struct virtio_dev *d, uint32_t off, const void *buf,
			 uint32_t len)
{
	if (off >= d->ops->config_size || len > d->ops->config_size - off)
		return;
	if (d->ops->config_write)
		d->ops->config_write(d, off, buf, len);
}

/* The device's side ------------------------------------------------------- */

struct virtq *virtio_vq(struct virtio_dev *d, unsigned int q)
{
	return q < d->nq && d->q[q].vq.ready ? &d->q[q].vq : NULL;
}

int virtio_pop(struct virtio_dev *d, unsigned int q, struct virtq_chain *c)
{
	int r;

	if (q >= d->nq || !d->q[q].vq.ready)
		return 0;
	r = virtq_pop(&d->q[q].vq, c);
	if (r == -EINVAL) {
		log_info("virtio", "%s: queue %u: malformed ring or chain",
			 d->ops->name, q);
		virtio_set_needs_reset(d);
	}
	return r;
}

void virtio_push(struct virtio_dev *d, unsigned int q, uint16_t head,
		 uint32_t written)
{
	if (q < d->nq && d->q[q].vq.ready)
		virtq_push(&d->q[q].vq, head, written);
}

void virtio_notify(struct virtio_dev *d, unsigned int q)
{
	if (q < d->nq && d->q[q].vq.ready &&
	    virtq_need_interrupt(&d->q[q].vq) && d->tp && d->tp->queue_irq)
		d->tp->queue_irq(d, q);
}

void virtio_config_changed(struct virtio_dev *d)
{
	atomic_fetch_add(&d->generation, 1);
	if (d->tp && d->tp->config_irq)
		d->tp->config_irq(d);
}

void virtio_set_needs_reset(struct virtio_dev *d)
{
	if (atomic_exchange(&d->needs_reset, true))
		return;
	if (d->tp && d->tp->config_irq)
		d->tp->config_irq(d);
}
