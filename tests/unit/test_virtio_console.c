/*
 * test_virtio_console.c: virtio-console (virtio/console.c) on the virtio
 * core with a fake transport, its thread running, and pipes for input and
 * output: the guest's output reaches the pipe in order, and waits (the
 * guest's buffer held, the thread asleep) while the pipe is full; input
 * is read only into the guest's receive buffers, so while there are none
 * the pipe keeps it; the end of input and a dead output neither spin nor
 * hang the guest; the size is in the configuration space.  No KVM.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>

#include "ring_fixture.h"
#include "virtio/console.h"

#define QSIZE 16

struct fx {
	struct ring q[2]; /* receiveq, transmitq on one RAM (q[0]'s) */
	struct virtio_console *vc;
	int in[2], out[2]; /* pipes: [0] read end, [1] write end */
	uint16_t seen[2];
};

static void driver_ok(struct fx *fx)
{
	const uint64_t f =
		1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_CONSOLE_F_SIZE;

	ring_driver_ok(&fx->vc->vdev, f, fx->q, 2);
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	ring_init(&fx->q[0], QSIZE);
	fx->q[1] = fx->q[0];
	fx->q[1].desc = RING_DESC2;
	fx->q[1].av = RING_AVAIL2;
	fx->q[1].used = RING_USED2;
	fx->q[1].data = RING_DATA + 0x100000;
	if (pipe2(fx->in, O_NONBLOCK | O_CLOEXEC) ||
	    pipe2(fx->out, O_NONBLOCK | O_CLOEXEC))
		return -1;
	if (virtio_console_create(&fx->vc, &fx->q[0].gm, fx->in[0], fx->out[1],
				  80, 25))
		return -1;
	ring_fake_transport(&fx->vc->vdev);
	if (virtio_dev_start(&fx->vc->vdev))
		return -1;
	driver_ok(fx);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	virtio_dev_destroy(&fx->vc->vdev);
	for (int i = 0; i < 2; i++) {
		if (fx->in[i] >= 0)
			close(fx->in[i]);
		if (fx->out[i] >= 0)
			close(fx->out[i]);
	}
	ring_free(&fx->q[0]);
	free(fx);
	return 0;
}

static void kick(struct fx *fx, unsigned int q)
{
	uint64_t one = 1;

	assert_int_equal(write(fx->vc->vdev.q[q].kick_fd, &one, 8), 8);
}

/* The guest writes s to the console (two descriptors when it can). */
static void guest_write(struct fx *fx, const char *s)
{
	struct ring *r = &fx->q[VIRTIO_CONSOLE_TXQ];
	uint32_t n = (uint32_t)strlen(s), half = n / 2;
	uint64_t addr[2] = { ring_buf(r, half ? half : n, 0),
			     ring_buf(r, n - half, 0) };
	uint32_t len[2] = { half ? half : n, n - half };
	bool w[2] = { false, false };

	memcpy(ring_at(r, addr[0]), s, len[0]);
	if (half)
		memcpy(ring_at(r, addr[1]), s + half, len[1]);
	ring_chain(r, half ? 2 : 1, addr, len, w);
	kick(fx, VIRTIO_CONSOLE_TXQ);
}

/* The guest offers a receive buffer of n bytes; returns its address. */
static uint64_t guest_rx_buf(struct fx *fx, uint32_t n)
{
	struct ring *r = &fx->q[VIRTIO_CONSOLE_RXQ];
	uint64_t a = ring_buf(r, n, 0);
	bool w = true;

	ring_chain(r, 1, &a, &n, &w);
	kick(fx, VIRTIO_CONSOLE_RXQ);
	return a;
}

/* The next used entry of q within ms: its length, or -1. */
static int64_t next_used(struct fx *fx, unsigned int q, int ms)
{
	uint32_t id, len;

	for (int i = 0;; i++) {
		if (ring_used_idx(&fx->q[q]) != fx->seen[q]) {
			ring_used_elem(&fx->q[q], fx->seen[q]++, &id, &len);
			return len;
		}
		if (i >= ms)
			return -1;
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	}
}

static void read_exactly(int fd, void *buf, size_t n)
{
	size_t got = 0;

	for (int i = 0; i < 5000 && got < n; i++) {
		ssize_t r = read(fd, (uint8_t *)buf + got, n - got);
		if (r > 0)
			got += (size_t)r;
		else
			nanosleep(&(struct timespec){ .tv_nsec = 1000000 },
				  NULL);
	}
	assert_int_equal(got, n);
}

static int pending(int fd)
{
	int n = -1;

	assert_int_equal(ioctl(fd, FIONREAD, &n), 0);
	return n;
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* The device's thread sleeps for 0.3 s (spinning would cost it all). */
static void assert_idle(void)
{
	double t0 = cpu_seconds();

	nanosleep(&(struct timespec){ .tv_nsec = 300000000 }, NULL);
	assert_true(cpu_seconds() - t0 < 0.1);
}

static void test_identity_and_size(void **state)
{
	struct fx *fx = *state;
	struct virtio_dev *d = &fx->vc->vdev;
	uint16_t cfg[4];

	assert_int_equal(d->ops->device_id, VIRTIO_ID_CONSOLE);
	assert_int_equal(d->ops->num_queues, 2); /* no MULTIPORT */
	assert_int_equal(virtio_get_features(d, 0) & 0xffffff,
			 1u << VIRTIO_CONSOLE_F_SIZE);
	pthread_mutex_lock(&d->lock);
	virtio_config_read(d, 0, cfg, 8);
	pthread_mutex_unlock(&d->lock);
	assert_int_equal(cfg[0], 80);
	assert_int_equal(cfg[1], 25);
	/* Linux reads the size on a configuration interrupt: one came. */
	assert_true(wait_until(&ring_irqs()->config, 1));
	virtio_console_resize(fx->vc, 132, 43);
	assert_true(wait_until(&ring_irqs()->config, 2));
	pthread_mutex_lock(&d->lock);
	virtio_config_read(d, 2, &cfg[1], 2);
	virtio_config_read(d, 0, &cfg[0], 2);
	pthread_mutex_unlock(&d->lock);
	assert_int_equal(cfg[0], 132);
	assert_int_equal(cfg[1], 43);
}

static void test_output(void **state)
{
	struct fx *fx = *state;
	char buf[32];

	guest_write(fx, "hello, world");
	assert_int_equal(next_used(fx, VIRTIO_CONSOLE_TXQ, 5000), 0);
	read_exactly(fx->out[0], buf, 12);
	assert_memory_equal(buf, "hello, world", 12);
	assert_true(wait_until(&ring_irqs()->any, 1));
}

/* A full output pipe: the guest's buffer is held until there is room. */
static void test_output_waits_for_room(void **state)
{
	struct fx *fx = *state;
	static char junk[65536], buf[65536];
	ssize_t filled = 0, n;

	assert_true(fcntl(fx->out[1], F_SETPIPE_SZ, 4096) > 0);
	while ((n = write(fx->out[1], junk, sizeof(junk))) > 0)
		filled += n;
	assert_int_equal(errno, EAGAIN);
	guest_write(fx, "after the wait");
	assert_int_equal(next_used(fx, VIRTIO_CONSOLE_TXQ, 100), -1);
	assert_idle();
	assert_int_equal(next_used(fx, VIRTIO_CONSOLE_TXQ, 0), -1);
	/* The reader catches up: the bytes follow what was there. */
	read_exactly(fx->out[0], buf, (size_t)filled);
	read_exactly(fx->out[0], buf, 14);
	assert_memory_equal(buf, "after the wait", 14);
	assert_int_equal(next_used(fx, VIRTIO_CONSOLE_TXQ, 5000), 0);
}

/* Input waits in the pipe until the guest offers a buffer. */
static void test_input(void **state)
{
	struct fx *fx = *state;
	uint64_t a;

	assert_int_equal(write(fx->in[1], "xyz", 3), 3);
	nanosleep(&(struct timespec){ .tv_nsec = 50000000 }, NULL);
	assert_int_equal(pending(fx->in[0]), 3);
	a = guest_rx_buf(fx, 16);
	assert_int_equal(next_used(fx, VIRTIO_CONSOLE_RXQ, 5000), 3);
	assert_memory_equal(ring_at(&fx->q[0], a), "xyz", 3);
	assert_int_equal(pending(fx->in[0]), 0);
	/* A buffer offered first waits for input, without spinning. */
	a = guest_rx_buf(fx, 16);
	assert_idle();
	assert_int_equal(write(fx->in[1], "k", 1), 1);
	assert_int_equal(next_used(fx, VIRTIO_CONSOLE_RXQ, 5000), 1);
	assert_memory_equal(ring_at(&fx->q[0], a), "k", 1);
}

/* No buffers: the pipe fills and its writer waits; nothing is lost. */
static void test_input_flow_control(void **state)
{
	struct fx *fx = *state;
	static uint8_t data[65536];
	uint64_t a[QSIZE];
	size_t filled = 0, got = 0;
	ssize_t n;

	assert_true(fcntl(fx->in[1], F_SETPIPE_SZ, 4096) > 0);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	while ((n = write(fx->in[1], data + filled, sizeof(data) - filled)) > 0)
		filled += (size_t)n;
	assert_int_equal(errno, EAGAIN);
	assert_idle();
	assert_int_equal(pending(fx->in[0]), (int)filled);
	/* Buffers of 512 bytes take it all, in order. */
	for (unsigned int i = 0; i < QSIZE && got < filled; i++) {
		int64_t len;
		a[i] = guest_rx_buf(fx, 512);
		len = next_used(fx, VIRTIO_CONSOLE_RXQ, 5000);
		assert_true(len > 0 && len <= 512);
		assert_memory_equal(ring_at(&fx->q[0], a[i]), data + got,
				    (size_t)len);
		got += (size_t)len;
	}
	assert_int_equal(got, filled);
}

/* The end of input: the buffer waits for nothing, the thread sleeps. */
static void test_input_eof(void **state)
{
	struct fx *fx = *state;

	guest_rx_buf(fx, 16);
	close(fx->in[1]);
	fx->in[1] = -1;
	assert_idle();
	assert_true(fx->vc->in_eof);
	assert_int_equal(next_used(fx, VIRTIO_CONSOLE_RXQ, 0), -1);
	/* Output still works. */
	guest_write(fx, "still here");
	assert_int_equal(next_used(fx, VIRTIO_CONSOLE_TXQ, 5000), 0);
}

/* A reader that went away: output is dropped, the guest never waits. */
static void test_output_dead(void **state)
{
	struct fx *fx = *state;

	close(fx->out[0]);
	fx->out[0] = -1;
	guest_write(fx, "nobody reads this");
	assert_int_equal(next_used(fx, VIRTIO_CONSOLE_TXQ, 5000), 0);
	assert_true(fx->vc->out_dead);
	guest_write(fx, "nor this");
	assert_int_equal(next_used(fx, VIRTIO_CONSOLE_TXQ, 5000), 0);
	assert_idle();
}

/* A reset forgets the held buffers; the device works after it. */
static void test_reset(void **state)
{
	struct fx *fx = *state;
	struct virtio_dev *d = &fx->vc->vdev;
	char buf[8];

	guest_rx_buf(fx, 16);
	pthread_mutex_lock(&d->lock);
	virtio_set_status(d, 0);
	pthread_mutex_unlock(&d->lock);
	assert_false(fx->vc->rx_held);
	memset(fx->q[0].ram, 0, 0x10000);
	for (int i = 0; i < 2; i++) {
		fx->q[i].avail = fx->q[i].next = 0;
		fx->seen[i] = 0;
	}
	driver_ok(fx);
	guest_write(fx, "again");
	assert_int_equal(next_used(fx, VIRTIO_CONSOLE_TXQ, 5000), 0);
	read_exactly(fx->out[0], buf, 5);
	assert_memory_equal(buf, "again", 5);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_identity_and_size),     T(test_output),
		T(test_output_waits_for_room), T(test_input),
		T(test_input_flow_control),    T(test_input_eof),
		T(test_output_dead),	       T(test_reset),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
