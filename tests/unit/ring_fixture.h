/*
 * ring_fixture.h: a guest driver's side of one split virtqueue (virtio
 * 1.2, 2.7), written into a calloc'd guest RAM, for the tests of virtio
 * devices and transports (test_virtio_pci.c, test_virtio_rng.c and the
 * other devices' tests).  The ring sits at fixed addresses; buffers are
 * handed out from DATA.  For the devices' tests, which run a device on
 * the virtio core with no transport: a fake transport that counts the
 * interrupts, and a driver's bring-up to DRIVER_OK.  Every helper is
 * static inline.
 */
#ifndef HYVE_TESTS_RING_FIXTURE_H
#define HYVE_TESTS_RING_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <pthread.h>

#include "virtio/virtio.h"
#include "virtio/virtq.h"
#include "vmm/mem.h"

#define RING_RAM_GPA  0x100000ULL
#define RING_RAM_SIZE (4ULL << 20)
#define RING_DESC     (RING_RAM_GPA + 0x0000)
#define RING_AVAIL    (RING_RAM_GPA + 0x4000)
#define RING_USED     (RING_RAM_GPA + 0x8000)
#define RING_DATA     (RING_RAM_GPA + 0x10000)
#define RING_DESC2    (RING_RAM_GPA + 0xc000) /* a second queue */
#define RING_AVAIL2   (RING_RAM_GPA + 0xd000)
#define RING_USED2    (RING_RAM_GPA + 0xe000)

struct ring {
	struct guest_mem gm;
	uint8_t *ram;
	uint16_t size;	/* queue size the driver chose */
	uint16_t avail; /* the driver's avail idx */
	uint16_t next;	/* next free descriptor */
	uint64_t data;	/* next free buffer address */
	uint64_t desc, av, used;
};

static inline uint8_t *ring_at(struct ring *r, uint64_t gpa)
{
	assert_true(gpa >= RING_RAM_GPA && gpa < RING_RAM_GPA + RING_RAM_SIZE);
	return r->ram + (gpa - RING_RAM_GPA);
}

static inline void ring_init(struct ring *r, uint16_t size)
{
	memset(r, 0, sizeof(*r));
	r->ram = calloc(1, RING_RAM_SIZE);
	assert_non_null(r->ram);
	assert_int_equal(
		mem_add_region(&r->gm, RING_RAM_GPA, RING_RAM_SIZE, r->ram), 0);
	r->size = size;
	r->data = RING_DATA;
	r->desc = RING_DESC;
	r->av = RING_AVAIL;
	r->used = RING_USED;
}

static inline void ring_free(struct ring *r)
{
	free(r->ram);
	r->ram = NULL;
}

/* A buffer of len bytes in guest RAM, filled with fill. */
static inline uint64_t ring_buf(struct ring *r, uint32_t len, uint8_t fill)
{
	uint64_t at = r->data;

	assert_true(at + len <= RING_RAM_GPA + RING_RAM_SIZE);
	memset(ring_at(r, at), fill, len);
	r->data += (len + 15) & ~15u;
	return at;
}

static inline void ring_desc(struct ring *r, uint16_t i, uint64_t addr,
			     uint32_t len, uint16_t flags, uint16_t next)
{
	uint8_t *d = ring_at(r, r->desc + 16ULL * i);

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}

/* Make head available and bump the index, as a driver does. */
static inline void ring_publish(struct ring *r, uint16_t head)
{
	uint16_t slot = r->avail % r->size;

	memcpy(ring_at(r, r->av + 4 + 2ULL * slot), &head, 2);
	r->avail++;
	__atomic_store_n((uint16_t *)(void *)ring_at(r, r->av + 2), r->avail,
			 __ATOMIC_RELEASE);
}

/* A chain of n buffers (write[i]: device-writable); returns its head. */
static inline uint16_t ring_chain(struct ring *r, unsigned int n,
				  const uint64_t *addr, const uint32_t *len,
				  const bool *write)
{
	uint16_t head = r->next;

	for (unsigned int i = 0; i < n; i++) {
		uint16_t me = (uint16_t)((r->next + i) % r->size);
		uint16_t flags =
			(uint16_t)((write[i] ? VIRTQ_DESC_F_WRITE : 0) |
				   (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
		ring_desc(r, me, addr[i], len[i], flags,
			  (uint16_t)((me + 1) % r->size));
	}
	r->next = (uint16_t)((r->next + n) % r->size);
	ring_publish(r, head);
	return head;
}

static inline uint16_t ring_used_idx(struct ring *r)
{
	return __atomic_load_n((uint16_t *)(void *)ring_at(r, r->used + 2),
			       __ATOMIC_ACQUIRE);
}

/* Used element i: the chain's id and the bytes written. */
static inline void ring_used_elem(struct ring *r, uint16_t i, uint32_t *id,
				  uint32_t *len)
{
	const uint8_t *e = ring_at(r, r->used + 4 + 8ULL * (i % r->size));

	memcpy(id, e, 4);
	memcpy(len, e + 4, 4);
}

/* Wait (up to 5 s) until *p, read atomically, reaches want. */
static inline bool wait_until(const unsigned int *p, unsigned int want)
{
	for (int i = 0; i < 5000; i++) {
		if (__atomic_load_n(p, __ATOMIC_ACQUIRE) >= want)
			return true;
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	}
	return false;
}

static inline bool wait_used(struct ring *r, uint16_t want)
{
	for (int i = 0; i < 5000; i++) {
		if (ring_used_idx(r) == want)
			return true;
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	}
	return false;
}

/* The fake transport -------------------------------------------------- */

#define RING_IRQ_QUEUES 4 /* queues counted one by one */

/* The interrupts the fake transport took since ring_fake_transport. */
struct ring_irqs {
	unsigned int q[RING_IRQ_QUEUES]; /* queue q's (q < RING_IRQ_QUEUES) */
	unsigned int any;		 /* every queue's, together */
	unsigned int config;		 /* configuration changes */
};

/* The counters (one set: one device at a time); read with wait_until. */
static inline struct ring_irqs *ring_irqs(void)
{
	static struct ring_irqs irqs;

	return &irqs;
}

static inline void ring_irqs_reset(void)
{
	memset(ring_irqs(), 0, sizeof(struct ring_irqs));
}

static inline void ring_queue_irq(struct virtio_dev *d, unsigned int q)
{
	(void)d;
	if (q < RING_IRQ_QUEUES)
		__atomic_fetch_add(&ring_irqs()->q[q], 1, __ATOMIC_RELEASE);
	__atomic_fetch_add(&ring_irqs()->any, 1, __ATOMIC_RELEASE);
}

static inline void ring_config_irq(struct virtio_dev *d)
{
	(void)d;
	__atomic_fetch_add(&ring_irqs()->config, 1, __ATOMIC_RELEASE);
}

/* Put d on the fake transport, the counters at 0. */
static inline void ring_fake_transport(struct virtio_dev *d)
{
	static const struct virtio_transport tp = {
		.queue_irq = ring_queue_irq,
		.config_irq = ring_config_irq,
	};

	ring_irqs_reset();
	d->tp = &tp;
}

/*
 * A driver's bring-up of d through the core's calls, as a transport makes
 * them (a vCPU thread): ACKNOWLEDGE | DRIVER, the driver features
 * (VERSION_1 among them, or FEATURES_OK is refused), FEATURES_OK (which
 * must stick), queue q from r[q] (its size and its rings' addresses) for
 * each q below nq, then DRIVER_OK, which must leave the status at exactly
 * ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK.
 */
static inline void ring_driver_ok(struct virtio_dev *d, uint64_t features,
				  const struct ring *r, unsigned int nq)
{
	const uint8_t s = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;

	pthread_mutex_lock(&d->lock);
	virtio_set_status(d, s);
	virtio_set_driver_features(d, 0, (uint32_t)features);
	virtio_set_driver_features(d, 1, (uint32_t)(features >> 32));
	virtio_set_status(d, s | VIRTIO_STATUS_FEATURES_OK);
	assert_int_equal(virtio_get_status(d), s | VIRTIO_STATUS_FEATURES_OK);
	for (unsigned int q = 0; q < nq; q++) {
		virtio_queue_set_size(d, q, r[q].size);
		virtio_queue_set_addr(d, q, r[q].desc, r[q].av, r[q].used);
		virtio_queue_enable(d, q);
	}
	virtio_set_status(d, s | VIRTIO_STATUS_FEATURES_OK |
				     VIRTIO_STATUS_DRIVER_OK);
	assert_int_equal(virtio_get_status(d), s | VIRTIO_STATUS_FEATURES_OK |
						       VIRTIO_STATUS_DRIVER_OK);
	pthread_mutex_unlock(&d->lock);
}

#endif
