/*
 * test_iobus.c: the port-I/O and MMIO registry (vmm/iobus.c): sorted
 * registration, overlap and limit checks, dispatch to a recording test
 * device, the all-ones answer for unclaimed reads, the port 0x80 sink and
 * logging unclaimed addresses once each.  No KVM needed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/log.h"
#include "vmm/iobus.h"

/* A device that records its last access and answers reads with a value. */
struct rec_dev {
	struct iobus_dev dev; /* first, as iobus.h asks */
	int reads, writes;
	uint64_t offset;
	unsigned int size;
	uint64_t val;	  /* last written value */
	uint64_t seen;	  /* *val as the bus handed it to read */
	uint64_t answer;  /* what read returns */
	bool leave_alone; /* read does not touch *val */
};

static void rec_read(struct iobus_dev *dev, uint64_t offset, unsigned int size,
		     uint64_t *val)
{
	struct rec_dev *d = (struct rec_dev *)dev;

	d->reads++;
	d->offset = offset;
	d->size = size;
	d->seen = *val;
	if (!d->leave_alone)
		*val = d->answer;
}

static void rec_write(struct iobus_dev *dev, uint64_t offset, unsigned int size,
		      uint64_t val)
{
	struct rec_dev *d = (struct rec_dev *)dev;

	d->writes++;
	d->offset = offset;
	d->size = size;
	d->val = val;
}

static const struct iobus_ops rec_ops = {
	.read = rec_read,
	.write = rec_write,
};

static void rec_init(struct rec_dev *d, const char *name)
{
	*d = (struct rec_dev){ .dev = { .name = name, .ops = &rec_ops } };
}

struct fx {
	struct iobus bus;
	struct rec_dev a, b, c, d;
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	iobus_init(&fx->bus);
	rec_init(&fx->a, "a");
	rec_init(&fx->b, "b");
	rec_init(&fx->c, "c");
	rec_init(&fx->d, "d");
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	log_set_level(LOG_WARN);
	free(*state);
	return 0;
}

/* Registration ----------------------------------------------------------- */

static void test_init(void **state)
{
	struct fx *fx = *state;
	const struct iobus_range *r;

	assert_int_equal(fx->bus.count[IOBUS_PIO], 1);
	assert_int_equal(fx->bus.count[IOBUS_MMIO], 0);
	r = iobus_find(&fx->bus, IOBUS_PIO, 0x80);
	assert_non_null(r);
	assert_int_equal(r->base, 0x80);
	assert_int_equal(r->len, 1);
	assert_string_equal(r->dev->name, "post-code");
	assert_null(iobus_find(&fx->bus, IOBUS_PIO, 0x7f));
	assert_null(iobus_find(&fx->bus, IOBUS_PIO, 0x81));
	assert_null(iobus_find(&fx->bus, IOBUS_MMIO, 0x80));
	assert_int_equal(fx->bus.logged_count, 0);
	assert_false(fx->bus.logged_full);
}

static void test_sorted(void **state)
{
	struct fx *fx = *state;
	static const uint64_t bases[] = { 0x40, 0x60, 0x80, 0x2f8, 0x3f8 };
	const struct iobus_range *r = fx->bus.range[IOBUS_PIO];

	assert_int_equal(
		iobus_register(&fx->bus, IOBUS_PIO, 0x3f8, 8, &fx->a.dev), 0);
	assert_int_equal(
		iobus_register(&fx->bus, IOBUS_PIO, 0x60, 1, &fx->b.dev), 0);
	assert_int_equal(
		iobus_register(&fx->bus, IOBUS_PIO, 0x2f8, 8, &fx->c.dev), 0);
	assert_int_equal(
		iobus_register(&fx->bus, IOBUS_PIO, 0x40, 4, &fx->d.dev), 0);
	assert_int_equal(fx->bus.count[IOBUS_PIO], 5);
	for (unsigned int i = 0; i < 5; i++)
		assert_int_equal(r[i].base, bases[i]);
	assert_ptr_equal(r[0].dev, &fx->d.dev);
	assert_int_equal(r[0].len, 4);
	assert_ptr_equal(r[1].dev, &fx->b.dev);
	assert_ptr_equal(r[3].dev, &fx->c.dev);
	assert_ptr_equal(r[4].dev, &fx->a.dev);

	/* First and last byte of each range, and one either side. */
	assert_ptr_equal(iobus_find(&fx->bus, IOBUS_PIO, 0x3f8), &r[4]);
	assert_ptr_equal(iobus_find(&fx->bus, IOBUS_PIO, 0x3ff), &r[4]);
	assert_null(iobus_find(&fx->bus, IOBUS_PIO, 0x3f7));
	assert_null(iobus_find(&fx->bus, IOBUS_PIO, 0x400));
	assert_ptr_equal(iobus_find(&fx->bus, IOBUS_PIO, 0x2f8), &r[3]);
	assert_ptr_equal(iobus_find(&fx->bus, IOBUS_PIO, 0x2ff), &r[3]);
	assert_null(iobus_find(&fx->bus, IOBUS_PIO, 0x2f7));
	assert_null(iobus_find(&fx->bus, IOBUS_PIO, 0x300));
	assert_ptr_equal(iobus_find(&fx->bus, IOBUS_PIO, 0x40), &r[0]);
	assert_ptr_equal(iobus_find(&fx->bus, IOBUS_PIO, 0x43), &r[0]);
	assert_null(iobus_find(&fx->bus, IOBUS_PIO, 0x3f));
	assert_null(iobus_find(&fx->bus, IOBUS_PIO, 0x44));
	assert_ptr_equal(iobus_find(&fx->bus, IOBUS_PIO, 0x60), &r[1]);
	assert_null(iobus_find(&fx->bus, IOBUS_PIO, 0x5f));
	assert_null(iobus_find(&fx->bus, IOBUS_PIO, 0x61));
	assert_null(iobus_find(&fx->bus, IOBUS_PIO, 0));
	assert_null(iobus_find(&fx->bus, IOBUS_PIO, UINT64_MAX));
}

/* Many ranges in a scrambled order: every lookup still finds its own. */
static void test_find_many(void **state)
{
	struct fx *fx = *state;
	const struct iobus_range *r;

	for (unsigned int i = 0; i < IOBUS_MAX_RANGES; i++) {
		uint64_t slot = (i * 37) % IOBUS_MAX_RANGES; /* a permutation */
		assert_int_equal(iobus_register(&fx->bus, IOBUS_MMIO,
						0x10000000 + slot * 0x1000,
						0x100, &fx->a.dev),
				 0);
	}
	r = fx->bus.range[IOBUS_MMIO];
	for (unsigned int i = 0; i < IOBUS_MAX_RANGES; i++) {
		uint64_t base = 0x10000000 + i * 0x1000;
		assert_int_equal(r[i].base, base);
		assert_ptr_equal(iobus_find(&fx->bus, IOBUS_MMIO, base), &r[i]);
		assert_ptr_equal(iobus_find(&fx->bus, IOBUS_MMIO, base + 0xff),
				 &r[i]);
		assert_null(iobus_find(&fx->bus, IOBUS_MMIO, base + 0x100));
		assert_null(iobus_find(&fx->bus, IOBUS_MMIO, base - 1));
	}
}

static void test_overlap(void **state)
{
	struct fx *fx = *state;
	struct iobus *bus = &fx->bus;
	struct iobus_dev *dev = &fx->b.dev;

	assert_int_equal(
		iobus_register(bus, IOBUS_PIO, 0x100, 0x10, &fx->a.dev), 0);
	/* identical, partial left, partial right, containing, contained */
	assert_int_equal(iobus_register(bus, IOBUS_PIO, 0x100, 0x10, dev),
			 -EEXIST);
	assert_int_equal(iobus_register(bus, IOBUS_PIO, 0xf8, 0x10, dev),
			 -EEXIST);
	assert_int_equal(iobus_register(bus, IOBUS_PIO, 0xff, 2, dev), -EEXIST);
	assert_int_equal(iobus_register(bus, IOBUS_PIO, 0x108, 0x10, dev),
			 -EEXIST);
	assert_int_equal(iobus_register(bus, IOBUS_PIO, 0x10f, 1, dev),
			 -EEXIST);
	assert_int_equal(iobus_register(bus, IOBUS_PIO, 0xf0, 0x40, dev),
			 -EEXIST);
	assert_int_equal(iobus_register(bus, IOBUS_PIO, 0x104, 4, dev),
			 -EEXIST);
	/* The post-code port is taken too. */
	assert_int_equal(iobus_register(bus, IOBUS_PIO, 0x7c, 8, dev), -EEXIST);
	assert_int_equal(bus->count[IOBUS_PIO], 2);

	/* Adjacent on both sides is fine. */
	assert_int_equal(iobus_register(bus, IOBUS_PIO, 0xf0, 0x10, dev), 0);
	assert_int_equal(
		iobus_register(bus, IOBUS_PIO, 0x110, 0x10, &fx->c.dev), 0);
	assert_int_equal(iobus_register(bus, IOBUS_PIO, 0x81, 1, &fx->d.dev),
			 0);
	assert_int_equal(iobus_register(bus, IOBUS_PIO, 0x7f, 1, &fx->d.dev),
			 0);
	assert_int_equal(bus->count[IOBUS_PIO], 6);
	assert_ptr_equal(iobus_find(bus, IOBUS_PIO, 0xff)->dev, dev);
	assert_ptr_equal(iobus_find(bus, IOBUS_PIO, 0x100)->dev, &fx->a.dev);
	assert_ptr_equal(iobus_find(bus, IOBUS_PIO, 0x10f)->dev, &fx->a.dev);
	assert_ptr_equal(iobus_find(bus, IOBUS_PIO, 0x110)->dev, &fx->c.dev);
	assert_string_equal(iobus_find(bus, IOBUS_PIO, 0x80)->dev->name,
			    "post-code");
}

static void test_bad_ranges(void **state)
{
	struct fx *fx = *state;
	struct iobus *bus = &fx->bus;

	assert_int_equal(iobus_register(bus, IOBUS_MMIO, 0x1000, 0, &fx->a.dev),
			 -EINVAL);
	assert_int_equal(
		iobus_register(bus, IOBUS_MMIO, UINT64_MAX, 2, &fx->a.dev),
		-EINVAL);
	assert_int_equal(
		iobus_register(bus, IOBUS_MMIO, 0x1000, UINT64_MAX, &fx->a.dev),
		-EINVAL);
	assert_int_equal(bus->count[IOBUS_MMIO], 0);

	/* A range may end on the last address. */
	assert_int_equal(iobus_register(bus, IOBUS_MMIO, UINT64_MAX - 0xf, 0x10,
					&fx->a.dev),
			 0);
	assert_non_null(iobus_find(bus, IOBUS_MMIO, UINT64_MAX));
	assert_non_null(iobus_find(bus, IOBUS_MMIO, UINT64_MAX - 0xf));
	assert_null(iobus_find(bus, IOBUS_MMIO, UINT64_MAX - 0x10));
	assert_int_equal(
		iobus_register(bus, IOBUS_MMIO, UINT64_MAX, 1, &fx->b.dev),
		-EEXIST);
	/* And the whole space minus one byte from 0 is one range. */
	assert_int_equal(iobus_register(bus, IOBUS_MMIO, 0, UINT64_MAX - 0xf,
					&fx->b.dev),
			 0);
	assert_ptr_equal(iobus_find(bus, IOBUS_MMIO, 0)->dev, &fx->b.dev);
	assert_ptr_equal(iobus_find(bus, IOBUS_MMIO, UINT64_MAX - 0x10)->dev,
			 &fx->b.dev);
	assert_ptr_equal(iobus_find(bus, IOBUS_MMIO, UINT64_MAX - 0xf)->dev,
			 &fx->a.dev);
}

static void test_full(void **state)
{
	struct fx *fx = *state;
	struct iobus *bus = &fx->bus;

	/* Port 0x80 already uses one PIO slot. */
	for (unsigned int i = 0; i < IOBUS_MAX_RANGES - 1; i++)
		assert_int_equal(iobus_register(bus, IOBUS_PIO, 0x100 + i * 4,
						4, &fx->a.dev),
				 0);
	assert_int_equal(bus->count[IOBUS_PIO], IOBUS_MAX_RANGES);
	assert_int_equal(iobus_register(bus, IOBUS_PIO, 0x1000, 1, &fx->a.dev),
			 -ENOSPC);
	/* Full beats overlap: the bus is checked for room first. */
	assert_int_equal(iobus_register(bus, IOBUS_PIO, 0x100, 1, &fx->a.dev),
			 -ENOSPC);
	assert_int_equal(bus->count[IOBUS_PIO], IOBUS_MAX_RANGES);
	assert_ptr_equal(iobus_find(bus, IOBUS_PIO, 0x100 + 62 * 4 + 3)->dev,
			 &fx->a.dev);
	assert_null(iobus_find(bus, IOBUS_PIO, 0x100 + 63 * 4));

	/* MMIO has its own table, all 64 of it. */
	for (unsigned int i = 0; i < IOBUS_MAX_RANGES; i++)
		assert_int_equal(iobus_register(bus, IOBUS_MMIO, 0x100 + i * 4,
						4, &fx->b.dev),
				 0);
	assert_int_equal(iobus_register(bus, IOBUS_MMIO, 0x1000, 1, &fx->b.dev),
			 -ENOSPC);
}

static void test_spaces_independent(void **state)
{
	struct fx *fx = *state;
	struct iobus *bus = &fx->bus;
	uint64_t v;

	assert_int_equal(
		iobus_register(bus, IOBUS_PIO, 0x1000, 0x10, &fx->a.dev), 0);
	assert_int_equal(
		iobus_register(bus, IOBUS_MMIO, 0x1000, 0x10, &fx->b.dev), 0);
	assert_int_equal(iobus_register(bus, IOBUS_MMIO, 0x80, 1, &fx->c.dev),
			 0);
	assert_ptr_equal(iobus_find(bus, IOBUS_PIO, 0x1004)->dev, &fx->a.dev);
	assert_ptr_equal(iobus_find(bus, IOBUS_MMIO, 0x1004)->dev, &fx->b.dev);

	fx->a.answer = 0xaa;
	fx->b.answer = 0xbb;
	assert_true(iobus_read(bus, IOBUS_MMIO, 0x1004, 1, &v));
	assert_int_equal(v, 0xbb);
	assert_int_equal(fx->a.reads, 0);
	assert_int_equal(fx->b.reads, 1);
	assert_true(iobus_write(bus, IOBUS_PIO, 0x1004, 1, 7));
	assert_int_equal(fx->a.writes, 1);
	assert_int_equal(fx->b.writes, 0);
	assert_true(iobus_write(bus, IOBUS_MMIO, 0x80, 1, 9));
	assert_int_equal(fx->c.writes, 1);
	assert_int_equal(fx->c.val, 9);
}

/* Dispatch --------------------------------------------------------------- */

static void test_dispatch(void **state)
{
	struct fx *fx = *state;
	struct iobus *bus = &fx->bus;
	uint64_t v = 0;

	assert_int_equal(iobus_register(bus, IOBUS_PIO, 0x3f8, 8, &fx->a.dev),
			 0);
	assert_int_equal(
		iobus_register(bus, IOBUS_MMIO, 0xfeb00000, 0x1000, &fx->b.dev),
		0);

	assert_true(iobus_write(bus, IOBUS_PIO, 0x3fb, 1, 0x83));
	assert_int_equal(fx->a.writes, 1);
	assert_int_equal(fx->a.offset, 3);
	assert_int_equal(fx->a.size, 1);
	assert_int_equal(fx->a.val, 0x83);

	fx->a.answer = 0x60;
	assert_true(iobus_read(bus, IOBUS_PIO, 0x3fd, 1, &v));
	assert_int_equal(fx->a.reads, 1);
	assert_int_equal(fx->a.offset, 5);
	assert_int_equal(fx->a.size, 1);
	assert_int_equal(fx->a.seen, 0xff); /* pre-set to all ones */
	assert_int_equal(v, 0x60);

	fx->b.answer = 0x1122334455667788ULL;
	assert_true(iobus_read(bus, IOBUS_MMIO, 0xfeb00ff8, 8, &v));
	assert_int_equal(fx->b.offset, 0xff8);
	assert_int_equal(fx->b.size, 8);
	assert_int_equal(fx->b.seen, UINT64_MAX);
	assert_int_equal(v, 0x1122334455667788ULL);

	assert_true(iobus_read(bus, IOBUS_MMIO, 0xfeb00010, 4, &v));
	assert_int_equal(fx->b.seen, 0xffffffff);
	assert_true(iobus_read(bus, IOBUS_MMIO, 0xfeb00010, 2, &v));
	assert_int_equal(fx->b.seen, 0xffff);

	assert_true(iobus_write(bus, IOBUS_MMIO, 0xfeb00000, 4, 0xdeadbeef));
	assert_int_equal(fx->b.offset, 0);
	assert_int_equal(fx->b.size, 4);
	assert_int_equal(fx->b.val, 0xdeadbeef);
	assert_int_equal(fx->b.writes, 1);

	/* A device that leaves *val alone reads as all ones. */
	fx->a.leave_alone = true;
	assert_true(iobus_read(bus, IOBUS_PIO, 0x3f8, 2, &v));
	assert_int_equal(v, 0xffff);
}

/*
 * An access that runs past the end of a range is split there: the device
 * sees the low bytes clipped to its range, the rest goes to whatever comes
 * next (another device, or nothing: all ones).
 */
static void test_straddle(void **state)
{
	struct fx *fx = *state;
	struct iobus *bus = &fx->bus;
	uint64_t v = 0;

	assert_int_equal(iobus_register(bus, IOBUS_PIO, 0x3f8, 8, &fx->a.dev),
			 0);
	assert_int_equal(iobus_register(bus, IOBUS_PIO, 0x400, 8, &fx->b.dev),
			 0);
	fx->a.answer = 0x12345678;
	assert_true(iobus_read(bus, IOBUS_PIO, 0x3fc, 4, &v)); /* fits */
	assert_int_equal(v, 0x12345678);
	assert_int_equal(fx->a.offset, 4);
	assert_int_equal(fx->a.size, 4);

	/* 0x3fd..0x3ff from a (3 bytes), 0x400 from b. */
	fx->b.answer = 0xab;
	assert_true(iobus_read(bus, IOBUS_PIO, 0x3fd, 4, &v));
	assert_int_equal(fx->a.offset, 5);
	assert_int_equal(fx->a.size, 3);
	assert_int_equal(fx->b.offset, 0);
	assert_int_equal(fx->b.size, 1);
	assert_int_equal(v, 0xab345678);

	/* A write: the low byte to a's last port, the high byte to b. */
	assert_true(iobus_write(bus, IOBUS_PIO, 0x3ff, 2, 0xabcd));
	assert_int_equal(fx->a.offset, 7);
	assert_int_equal(fx->a.size, 1);
	assert_int_equal(fx->a.val, 0xcd);
	assert_int_equal(fx->b.offset, 0);
	assert_int_equal(fx->b.size, 1);
	assert_int_equal(fx->b.val, 0xab);

	/* Past b's end there is nothing: those bytes read as all ones. */
	fx->b.answer = 0x1122334455667788ULL;
	assert_false(iobus_read(bus, IOBUS_PIO, 0x406, 4, &v));
	assert_int_equal(fx->b.offset, 6);
	assert_int_equal(fx->b.size, 2);
	assert_int_equal(v, 0xffff7788);
	assert_int_equal(fx->a.reads, 2);
	assert_int_equal(fx->a.writes, 1);
	assert_int_equal(fx->b.reads, 2);
	assert_int_equal(fx->b.writes, 1);

	/* An unclaimed gap before a range: the range still gets its bytes. */
	assert_false(iobus_write(bus, IOBUS_PIO, 0x3f6, 4, 0x44332211));
	assert_int_equal(fx->a.offset, 0);
	assert_int_equal(fx->a.size, 2);
	assert_int_equal(fx->a.val, 0x4433);
}

static void test_unclaimed(void **state)
{
	struct fx *fx = *state;
	struct iobus *bus = &fx->bus;
	static const struct {
		unsigned int size;
		uint64_t ones;
	} cases[] = {
		{ 1, 0xff },
		{ 2, 0xffff },
		{ 4, 0xffffffff },
		{ 8, UINT64_MAX },
	};

	for (unsigned int i = 0; i < 4; i++) {
		uint64_t v = 0x1234;
		assert_false(
			iobus_read(bus, IOBUS_PIO, 0x1234, cases[i].size, &v));
		assert_int_equal(v, cases[i].ones);
		v = 0;
		assert_false(iobus_read(bus, IOBUS_MMIO, 0xd0000000,
					cases[i].size, &v));
		assert_int_equal(v, cases[i].ones);
		assert_false(
			iobus_write(bus, IOBUS_PIO, 0x1234, cases[i].size, 0));
		assert_false(iobus_write(bus, IOBUS_MMIO, 0xd0000000,
					 cases[i].size, 0));
	}
	/* Logging is off at the default level: nothing remembered. */
	assert_int_equal(bus->logged_count, 0);
}

static void test_post_port(void **state)
{
	struct fx *fx = *state;
	uint64_t v = 0;

	assert_true(iobus_write(&fx->bus, IOBUS_PIO, 0x80, 1, 0x55));
	assert_true(iobus_read(&fx->bus, IOBUS_PIO, 0x80, 1, &v));
	assert_int_equal(v, 0xff);
	assert_false(iobus_write(&fx->bus, IOBUS_PIO, 0x80, 2, 0x55));
	assert_false(iobus_write(&fx->bus, IOBUS_MMIO, 0x80, 1, 0x55));
}

/* Logging ---------------------------------------------------------------- */

/* stderr goes to a temporary file between capture_start and capture_end. */
struct capture {
	char path[64];
	int fd, saved;
};

static void capture_start(struct capture *c)
{
	strcpy(c->path, "/tmp/hyve-test-iobus.XXXXXX");
	c->fd = mkstemp(c->path);
	assert_true(c->fd >= 0);
	c->saved = dup(STDERR_FILENO);
	assert_true(c->saved >= 0);
	assert_int_equal(dup2(c->fd, STDERR_FILENO), STDERR_FILENO);
}

/* Restore stderr; return what was written (malloc'd). */
static char *capture_end(struct capture *c)
{
	char *buf = calloc(1, 1 << 16);
	ssize_t n;

	dup2(c->saved, STDERR_FILENO);
	close(c->saved);
	assert_non_null(buf);
	n = pread(c->fd, buf, (1 << 16) - 1, 0);
	close(c->fd);
	unlink(c->path);
	assert_true(n >= 0);
	return buf;
}

static unsigned int count_lines(const char *s)
{
	unsigned int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static unsigned int count_str(const char *s, const char *sub)
{
	unsigned int n = 0;

	for (s = strstr(s, sub); s; s = strstr(s + 1, sub))
		n++;
	return n;
}

static void test_log_once(void **state)
{
	struct fx *fx = *state;
	struct iobus *bus = &fx->bus;
	struct capture c;
	uint64_t v;
	char *out;

	log_set_level(LOG_INFO);
	capture_start(&c);
	for (int i = 0; i < 5; i++)
		iobus_read(bus, IOBUS_PIO, 0x1234, 1, &v);
	iobus_write(bus, IOBUS_PIO, 0x1234, 1, 0); /* same address */
	iobus_write(bus, IOBUS_PIO, 0x1235, 2, 0);
	iobus_read(bus, IOBUS_PIO, 0x1235, 1, &v);
	iobus_read(bus, IOBUS_MMIO, 0x1234, 4, &v); /* other space */
	iobus_write(bus, IOBUS_MMIO, 0xd0000000, 4, 0);
	iobus_write(bus, IOBUS_MMIO, 0xd0000000, 4, 0);
	iobus_write(bus, IOBUS_PIO, 0x80, 1, 0); /* claimed: silent */
	out = capture_end(&c);

	assert_int_equal(count_lines(out), 4);
	assert_string_equal(out,
			    "hyve: iobus: info: unclaimed port read at 0x1234 "
			    "absorbed\n"
			    "hyve: iobus: info: unclaimed port write at 0x1235 "
			    "absorbed\n"
			    "hyve: iobus: info: unclaimed MMIO read at 0x1234 "
			    "absorbed\n"
			    "hyve: iobus: info: unclaimed MMIO write at "
			    "0xd0000000 absorbed\n");
	assert_int_equal(bus->logged_count, 4);
	free(out);
}

/* After IOBUS_MAX_LOGGED addresses, one last line says so; then quiet. */
static void test_log_full(void **state)
{
	struct fx *fx = *state;
	struct iobus *bus = &fx->bus;
	struct capture c;
	uint64_t v;
	char *out;

	log_set_level(LOG_INFO);
	capture_start(&c);
	for (int round = 0; round < 2; round++)
		for (uint64_t a = 0; a < IOBUS_MAX_LOGGED; a++)
			iobus_read(bus, IOBUS_PIO, 0x2000 + a, 1, &v);
	iobus_read(bus, IOBUS_PIO, 0x3000, 1, &v);
	iobus_read(bus, IOBUS_PIO, 0x3001, 1, &v);
	iobus_write(bus, IOBUS_MMIO, 0x3002, 1, 0);
	iobus_read(bus, IOBUS_PIO, 0x2000, 1, &v); /* already logged */
	out = capture_end(&c);

	assert_int_equal(count_lines(out), IOBUS_MAX_LOGGED + 1);
	assert_int_equal(count_str(out, "unclaimed port read at 0x2000 "), 1);
	assert_int_equal(count_str(out, "at 0x203f absorbed\n"), 1);
	assert_int_equal(count_str(out, "further unclaimed"), 1);
	assert_non_null(strstr(out, "hyve: iobus: info: unclaimed port read at "
				    "0x3000 absorbed (further unclaimed "
				    "addresses are not logged)\n"));
	assert_null(strstr(out, "0x3001"));
	assert_null(strstr(out, "0x3002"));
	assert_int_equal(bus->logged_count, IOBUS_MAX_LOGGED);
	assert_true(bus->logged_full);
	free(out);
}

/* At the default level (LOG_WARN) nothing is printed. */
static void test_log_quiet(void **state)
{
	struct fx *fx = *state;
	struct capture c;
	uint64_t v;
	char *out;

	log_set_level(LOG_WARN);
	capture_start(&c);
	iobus_read(&fx->bus, IOBUS_PIO, 0x1234, 1, &v);
	iobus_write(&fx->bus, IOBUS_MMIO, 0x1234, 1, 0);
	out = capture_end(&c);
	assert_string_equal(out, "");
	assert_int_equal(fx->bus.logged_count, 0);
	free(out);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_init),
		T(test_sorted),
		T(test_find_many),
		T(test_overlap),
		T(test_bad_ranges),
		T(test_full),
		T(test_spaces_independent),
		T(test_dispatch),
		T(test_straddle),
		T(test_unclaimed),
		T(test_post_port),
		T(test_log_once),
		T(test_log_full),
		T(test_log_quiet),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
