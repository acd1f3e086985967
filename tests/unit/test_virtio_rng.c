/*
 * test_virtio_rng.c: virtio-rng (virtio/rng.c) on the virtio core with a
 * fake transport: writable requests are filled with fresh bytes (split
 * across descriptors, capped per request), a request with a readable part
 * gets nothing, each batch interrupts once, and a notification on the
 * eventfd reaches the device's thread.  No KVM needed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ring_fixture.h"
#include "virtio/rng.h"

struct fx {
	struct ring r;
	struct virtio_rng *rng;
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	ring_init(&fx->r, 16);
	if (virtio_rng_create(&fx->rng, &fx->r.gm))
		return -1;
	ring_fake_transport(&fx->rng->vdev);
	ring_driver_ok(&fx->rng->vdev, 1ULL << VIRTIO_F_VERSION_1, &fx->r, 1);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	virtio_dev_destroy(&fx->rng->vdev); /* frees fx->rng */
	ring_free(&fx->r);
	free(fx);
	return 0;
}

/* The device's work for one notification, as its thread would do it. */
static void kick(struct fx *fx)
{
	fx->rng->vdev.ops->notify(&fx->rng->vdev, 0);
}

static bool all(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

static void test_identity(void **state)
{
	struct fx *fx = *state;
	const struct virtio_dev_ops *ops = fx->rng->vdev.ops;

	assert_string_equal(ops->name, "virtio-rng");
	assert_int_equal(ops->device_id, VIRTIO_ID_RNG);
	assert_int_equal(ops->num_queues, 1);
	assert_int_equal(ops->config_size, 0);
	assert_int_equal(ops->features, 0);
	assert_int_equal(virtio_get_features(&fx->rng->vdev, 1), 1);
}

static void test_fills_writable(void **state)
{
	struct fx *fx = *state;
	uint64_t a = ring_buf(&fx->r, 64, 0), b = ring_buf(&fx->r, 64, 0);
	uint32_t len = 64, id, got;
	bool w = true;

	ring_chain(&fx->r, 1, &a, &len, &w);
	ring_chain(&fx->r, 1, &b, &len, &w);
	kick(fx);
	assert_int_equal(ring_used_idx(&fx->r), 2);
	ring_used_elem(&fx->r, 0, &id, &got);
	assert_int_equal(id, 0);
	assert_int_equal(got, 64);
	ring_used_elem(&fx->r, 1, &id, &got);
	assert_int_equal(id, 1);
	assert_int_equal(got, 64);
	/* Random, so neither all zeros nor the same twice. */
	assert_false(all(ring_at(&fx->r, a), 64, 0));
	assert_memory_not_equal(ring_at(&fx->r, a), ring_at(&fx->r, b), 64);
	/* One interrupt for the batch. */
	assert_int_equal(ring_irqs()->any, 1);
	assert_int_equal(fx->rng->bytes, 128);
	/* Nothing new: no interrupt. */
	kick(fx);
	assert_int_equal(ring_irqs()->any, 1);
}

static void test_split_buffers(void **state)
{
	struct fx *fx = *state;
	uint64_t addr[3] = { ring_buf(&fx->r, 10, 0), ring_buf(&fx->r, 1, 0),
			     ring_buf(&fx->r, 21, 0) };
	uint32_t len[3] = { 10, 0, 21 }, id, got;
	bool w[3] = { true, true, true };

	ring_chain(&fx->r, 3, addr, len, w);
	kick(fx);
	ring_used_elem(&fx->r, 0, &id, &got);
	assert_int_equal(got, 31);
	assert_false(all(ring_at(&fx->r, addr[0]), 10, 0));
	assert_false(all(ring_at(&fx->r, addr[2]), 21, 0));
}

static void test_readable_gets_nothing(void **state)
{
	struct fx *fx = *state;
	uint64_t addr[2] = { ring_buf(&fx->r, 16, 0x55),
			     ring_buf(&fx->r, 32, 0xaa) };
	uint32_t len[2] = { 16, 32 }, id, got;
	bool w[2] = { false, true };

	ring_chain(&fx->r, 2, addr, len, w);
	kick(fx);
	assert_int_equal(ring_used_idx(&fx->r), 1);
	ring_used_elem(&fx->r, 0, &id, &got);
	assert_int_equal(got, 0);
	assert_true(all(ring_at(&fx->r, addr[0]), 16, 0x55));
	assert_true(all(ring_at(&fx->r, addr[1]), 32, 0xaa));
	assert_int_equal(fx->rng->bytes, 0);
	/* The device stays usable. */
	assert_int_equal(virtio_get_status(&fx->rng->vdev) &
				 VIRTIO_STATUS_NEEDS_RESET,
			 0);
}

static void test_request_capped(void **state)
{
	struct fx *fx = *state;
	const uint32_t big = 1u << 20;
	uint64_t a = ring_buf(&fx->r, big, 0);
	uint32_t id, got;
	bool w = true;

	ring_chain(&fx->r, 1, &a, &big, &w);
	kick(fx);
	ring_used_elem(&fx->r, 0, &id, &got);
	assert_int_equal(got, VIRTIO_RNG_MAX_REQUEST);
	assert_true(all(ring_at(&fx->r, a + VIRTIO_RNG_MAX_REQUEST),
			big - VIRTIO_RNG_MAX_REQUEST, 0));
}

static void test_on_its_thread(void **state)
{
	struct fx *fx = *state;
	struct virtio_dev *d = &fx->rng->vdev;
	uint64_t a = ring_buf(&fx->r, 8, 0), one = 1;
	uint32_t len = 8;
	bool w = true;

	assert_int_equal(virtio_dev_start(d), 0);
	ring_chain(&fx->r, 1, &a, &len, &w);
	/* What KVM's ioeventfd does on the guest's notify. */
	assert_int_equal(write(d->q[0].kick_fd, &one, sizeof(one)), 8);
	assert_true(wait_used(&fx->r, 1));
	assert_true(wait_until(&ring_irqs()->any, 1));
	/* A reset from "a vCPU" waits for the thread; then nothing runs. */
	pthread_mutex_lock(&d->lock);
	virtio_set_status(d, 0);
	pthread_mutex_unlock(&d->lock);
	assert_null(virtio_vq(d, 0));
	virtio_dev_stop(d);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_identity),	T(test_fills_writable),
		T(test_split_buffers),	T(test_readable_gets_nothing),
		T(test_request_capped), T(test_on_its_thread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
