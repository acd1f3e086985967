/*
 * test_virtq.c: the device side of the split virtqueue (virtio/virtq.c)
 * against a driver written here, on a malloc'd guest_mem: the normal cases
 * (chains, indirect tables, the in/out split, 16-bit index wrap, interrupt
 * and notification suppression) and a hostile guest's malformed rings.
 * No KVM needed.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "util/log.h"
#include "virtio/virtq.h"

/*
 * Guest RAM: one 1 MiB region at RAM_GPA and, right after it, a 4 KiB
 * region from another allocation (so a range across the boundary is
 * contiguous in guest-physical space but not in the host).
 */
#define RAM_GPA	  0x10000ULL
#define RAM_SIZE  0x100000ULL
#define TAIL_GPA  (RAM_GPA + RAM_SIZE)
#define TAIL_SIZE 0x1000ULL

/* Ring areas large enough for a 32768-entry queue, then buffers. */
#define DESC_GPA  RAM_GPA
#define AVAIL_GPA (RAM_GPA + 0x80000)
#define USED_GPA  (RAM_GPA + 0x92000)
#define DATA_GPA  (RAM_GPA + 0xe0000)
#define ITAB_GPA  (RAM_GPA + 0xd8000) /* indirect tables */

#define IOV_CAP 64

/* The driver's side of one queue. */
struct fx {
	struct guest_mem gm;
	uint8_t *ram, *tail;
	struct virtq q;
	struct virtq_config cfg;
	uint16_t avail_idx; /* the driver's next avail idx */
	struct iovec iov[IOV_CAP];
	struct virtq_chain c;
};

static uint8_t *fx_host(struct fx *f, uint64_t gpa)
{
	if (gpa >= TAIL_GPA)
		return f->tail + (gpa - TAIL_GPA);
	return f->ram + (gpa - RAM_GPA);
}

static void fx_put16(struct fx *f, uint64_t gpa, uint16_t v)
{
	memcpy(fx_host(f, gpa), &v, 2);
}

static uint16_t fx_get16(struct fx *f, uint64_t gpa)
{
	uint16_t v;

	memcpy(&v, fx_host(f, gpa), 2);
	return v;
}

static uint32_t fx_get32(struct fx *f, uint64_t gpa)
{
	uint32_t v;

	memcpy(&v, fx_host(f, gpa), 4);
	return v;
}

/* Write descriptor i of the table at table_gpa. */
static void fx_desc_at(struct fx *f, uint64_t table_gpa, uint16_t i,
		       uint64_t addr, uint32_t len, uint16_t flags,
		       uint16_t next)
{
	uint8_t *d = fx_host(f, table_gpa + 16ULL * i);

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}

static void fx_desc(struct fx *f, uint16_t i, uint64_t addr, uint32_t len,
		    uint16_t flags, uint16_t next)
{
	fx_desc_at(f, f->cfg.desc, i, addr, len, flags, next);
}

static void fx_set_avail_idx(struct fx *f, uint16_t idx)
{
	f->avail_idx = idx;
	fx_put16(f, f->cfg.avail + 2, idx);
}

/* Make the chain at head available (2.7.13). */
static void fx_avail(struct fx *f, uint16_t head)
{
	fx_put16(f, f->cfg.avail + 4 + 2ULL * (f->avail_idx % f->cfg.size),
		 head);
	fx_set_avail_idx(f, f->avail_idx + 1);
}

static uint16_t fx_used_idx(struct fx *f)
{
	return fx_get16(f, f->cfg.used + 2);
}

static void fx_used_elem(struct fx *f, uint16_t idx, uint32_t *id,
			 uint32_t *len)
{
	uint64_t e = f->cfg.used + 4 + 8ULL * (idx % f->cfg.size);

	*id = fx_get32(f, e);
	*len = fx_get32(f, e + 4);
}

static void fx_set_used_event(struct fx *f, uint16_t v)
{
	fx_put16(f, f->cfg.avail + 4 + 2ULL * f->cfg.size, v);
}

static uint16_t fx_avail_event(struct fx *f)
{
	return fx_get16(f, f->cfg.used + 4 + 8ULL * f->cfg.size);
}

/* The driver's side of 2.7.10: must it notify after moving old to new? */
static bool fx_need_event(uint16_t event, uint16_t new_idx, uint16_t old)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

static int fx_init(struct fx *f, uint16_t size, bool event_idx, bool indirect)
{
	f->cfg = (struct virtq_config){
		.size = size,
		.desc = DESC_GPA,
		.avail = AVAIL_GPA,
		.used = USED_GPA,
		.event_idx = event_idx,
		.indirect = indirect,
	};
	f->avail_idx = 0;
	return virtq_init(&f->q, &f->gm, &f->cfg);
}

static int fx_pop(struct fx *f)
{
	f->c = (struct virtq_chain){ .iov = f->iov, .iov_cap = IOV_CAP };
	return virtq_pop(&f->q, &f->c);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->ram = aligned_alloc(4096, RAM_SIZE);
	f->tail = aligned_alloc(4096, TAIL_SIZE);
	if (!f->ram || !f->tail)
		return -1;
	memset(f->ram, 0, RAM_SIZE);
	memset(f->tail, 0, TAIL_SIZE);
	if (mem_add_region(&f->gm, RAM_GPA, RAM_SIZE, f->ram) ||
	    mem_add_region(&f->gm, TAIL_GPA, TAIL_SIZE, f->tail))
		return -1;
	/* Malformed rings are expected here; keep the output quiet. */
	log_set_level(LOG_ERROR);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	free(f->ram);
	free(f->tail);
	free(f);
	return 0;
}

/* Asserts that the queue refuses the chain made available and stays so. */
static void assert_broken(struct fx *f)
{
	assert_int_equal(fx_pop(f), -EINVAL);
	assert_true(f->q.broken);
	assert_int_equal(f->c.nout + f->c.nin, 0);
	assert_int_equal(fx_pop(f), -EINVAL);
	assert_false(virtq_has_work(&f->q));
}

/* virtq_init ----------------------------------------------------------- */

static void test_init(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_init(f, 256, false, false), 0);
	assert_true(f->q.ready);
	assert_false(f->q.broken);
	assert_ptr_equal(f->q.mem, &f->gm);
	assert_ptr_equal(f->q.desc, fx_host(f, DESC_GPA));
	assert_ptr_equal(f->q.avail, fx_host(f, AVAIL_GPA));
	assert_ptr_equal(f->q.used, fx_host(f, USED_GPA));
	assert_int_equal(f->q.last_avail, 0);
	assert_int_equal(f->q.used_idx, 0);
	assert_false(virtq_has_work(&f->q));
	assert_int_equal(fx_pop(f), 0);

	/* The extremes of the size. */
	assert_int_equal(fx_init(f, 1, false, false), 0);
	assert_int_equal(fx_init(f, VIRTQ_MAX_SIZE, true, true), 0);

	virtq_reset(&f->q);
	assert_false(f->q.ready);
	assert_int_equal(fx_pop(f), 0);
	assert_false(virtq_has_work(&f->q));
}

static void test_init_bad_size(void **state)
{
	struct fx *f = *state;
	static const uint16_t bad[] = { 0,     3,     6,     255,  257,
					32767, 32769, 49152, 65535 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(fx_init(f, bad[i], false, false), -EINVAL);
		assert_false(f->q.ready);
		assert_int_equal(fx_pop(f), 0);
	}
}

static void test_init_misaligned(void **state)
{
	struct fx *f = *state;
	struct virtq_config cfg = {
		.size = 16,
		.desc = DESC_GPA,
		.avail = AVAIL_GPA,
		.used = USED_GPA,
	};

	assert_int_equal(virtq_init(&f->q, &f->gm, &cfg), 0);
	/* 2.7: desc 16, avail 2, used 4. */
	cfg.desc = DESC_GPA + 8;
	assert_int_equal(virtq_init(&f->q, &f->gm, &cfg), -EINVAL);
	assert_false(f->q.ready);
	cfg.desc = DESC_GPA + 16;
	assert_int_equal(virtq_init(&f->q, &f->gm, &cfg), 0);
	cfg.avail = AVAIL_GPA + 1;
	assert_int_equal(virtq_init(&f->q, &f->gm, &cfg), -EINVAL);
	cfg.avail = AVAIL_GPA + 2;
	assert_int_equal(virtq_init(&f->q, &f->gm, &cfg), 0);
	cfg.used = USED_GPA + 2;
	assert_int_equal(virtq_init(&f->q, &f->gm, &cfg), -EINVAL);
	cfg.used = USED_GPA + 4;
	assert_int_equal(virtq_init(&f->q, &f->gm, &cfg), 0);
}

static void test_init_outside_ram(void **state)
{
	struct fx *f = *state;
	const uint64_t end = RAM_GPA + RAM_SIZE;
	struct virtq_config good = {
		.size = 16,
		.desc = DESC_GPA,
		.avail = AVAIL_GPA,
		.used = USED_GPA,
	};
	struct virtq_config cfg;
	const uint64_t bad[] = {
		0,		      /* below RAM */
		RAM_GPA - 16,	      /* ends inside, starts below */
		end - 16,	      /* straddles into the other region */
		TAIL_GPA + TAIL_SIZE, /* past all RAM */
		UINT64_MAX - 15,      /* wraps past 2^64 */
		UINT64_MAX & ~15ULL,  /* the same, aligned */
		1ULL << 63,	      /* far away */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cfg = good;
		cfg.desc = bad[i];
		assert_int_equal(virtq_init(&f->q, &f->gm, &cfg), -EINVAL);
		cfg = good;
		cfg.avail = bad[i];
		assert_int_equal(virtq_init(&f->q, &f->gm, &cfg), -EINVAL);
		cfg = good;
		cfg.used = bad[i];
		assert_int_equal(virtq_init(&f->q, &f->gm, &cfg), -EINVAL);
		assert_false(f->q.ready);
	}

	/*
	 * Each area's last byte counts: avail is 6 + 2 * size bytes, used
	 * 6 + 8 * size (the event fields included), desc 16 * size.
	 */
	cfg = good;
	cfg.desc = end - 16 * 16;
	assert_int_equal(virtq_init(&f->q, &f->gm, &cfg), 0);
	cfg.desc = end - 16 * 16 + 16;
	assert_int_equal(virtq_init(&f->q, &f->gm, &cfg), -EINVAL);
	cfg = good;
	cfg.avail = end - (6 + 2 * 16);
	assert_int_equal(virtq_init(&f->q, &f->gm, &cfg), 0);
	cfg.avail += 2;
	assert_int_equal(virtq_init(&f->q, &f->gm, &cfg), -EINVAL);
	cfg = good;
	cfg.used = (end - (6 + 8 * 16)) & ~3ULL;
	assert_int_equal(virtq_init(&f->q, &f->gm, &cfg), 0);
	cfg.used += 4;
	assert_int_equal(virtq_init(&f->q, &f->gm, &cfg), -EINVAL);
	/* Wholly inside the second region is fine. */
	cfg = good;
	cfg.desc = TAIL_GPA;
	assert_int_equal(virtq_init(&f->q, &f->gm, &cfg), 0);
}

/* Chains --------------------------------------------------------------- */

static void test_single(void **state)
{
	struct fx *f = *state;
	uint32_t id, len;

	assert_int_equal(fx_init(f, 16, false, false), 0);
	fx_desc(f, 5, DATA_GPA, 100, 0, 0);
	fx_avail(f, 5);
	assert_true(virtq_has_work(&f->q));
	assert_int_equal(fx_pop(f), 1);
	assert_int_equal(f->c.head, 5);
	assert_int_equal(f->c.nout, 1);
	assert_int_equal(f->c.nin, 0);
	assert_int_equal(f->c.out_len, 100);
	assert_int_equal(f->c.in_len, 0);
	assert_ptr_equal(f->iov[0].iov_base, fx_host(f, DATA_GPA));
	assert_int_equal(f->iov[0].iov_len, 100);
	assert_false(virtq_has_work(&f->q));
	assert_int_equal(fx_pop(f), 0);

	virtq_push(&f->q, 5, 0);
	assert_int_equal(fx_used_idx(f), 1);
	fx_used_elem(f, 0, &id, &len);
	assert_int_equal(id, 5);
	assert_int_equal(len, 0);
	assert_int_equal(f->q.last_avail, 1);
	assert_int_equal(f->q.used_idx, 1);
}

static void test_chain_in_out(void **state)
{
	struct fx *f = *state;
	uint32_t id, len;

	assert_int_equal(fx_init(f, 16, false, false), 0);
	/* 2 readable then 3 writable, linked out of order. */
	fx_desc(f, 3, DATA_GPA, 16, VIRTQ_DESC_F_NEXT, 9);
	fx_desc(f, 9, DATA_GPA + 0x100, 512, VIRTQ_DESC_F_NEXT, 0);
	fx_desc(f, 0, DATA_GPA + 0x1000, 4096,
		VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 15);
	fx_desc(f, 15, DATA_GPA + 0x3000, 10,
		VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	fx_desc(f, 1, TAIL_GPA, 1, VIRTQ_DESC_F_WRITE, 7 /* ignored */);
	fx_avail(f, 3);
	/* A second, one-descriptor chain behind it. */
	fx_desc(f, 4, DATA_GPA + 0x5000, 8, VIRTQ_DESC_F_WRITE, 0);
	fx_avail(f, 4);

	assert_int_equal(fx_pop(f), 1);
	assert_int_equal(f->c.head, 3);
	assert_int_equal(f->c.nout, 2);
	assert_int_equal(f->c.nin, 3);
	assert_int_equal(f->c.out_len, 16 + 512);
	assert_int_equal(f->c.in_len, 4096 + 10 + 1);
	assert_ptr_equal(f->iov[0].iov_base, fx_host(f, DATA_GPA));
	assert_int_equal(f->iov[0].iov_len, 16);
	assert_ptr_equal(f->iov[1].iov_base, fx_host(f, DATA_GPA + 0x100));
	assert_int_equal(f->iov[1].iov_len, 512);
	assert_ptr_equal(f->iov[2].iov_base, fx_host(f, DATA_GPA + 0x1000));
	assert_int_equal(f->iov[2].iov_len, 4096);
	assert_ptr_equal(f->iov[3].iov_base, fx_host(f, DATA_GPA + 0x3000));
	assert_int_equal(f->iov[3].iov_len, 10);
	assert_ptr_equal(f->iov[4].iov_base, f->tail);
	assert_int_equal(f->iov[4].iov_len, 1);

	assert_int_equal(fx_pop(f), 1);
	assert_int_equal(f->c.head, 4);
	assert_int_equal(f->c.nout, 0); /* all writable: the device decides */
	assert_int_equal(f->c.nin, 1);
	assert_int_equal(fx_pop(f), 0);

	/* Completed out of order. */
	virtq_push(&f->q, 4, 8);
	virtq_push(&f->q, 3, 4107);
	assert_int_equal(fx_used_idx(f), 2);
	fx_used_elem(f, 0, &id, &len);
	assert_int_equal(id, 4);
	assert_int_equal(len, 8);
	fx_used_elem(f, 1, &id, &len);
	assert_int_equal(id, 3);
	assert_int_equal(len, 4107);
}

static void test_chain_whole_queue(void **state)
{
	struct fx *f = *state;

	/* A chain using every descriptor is as long as a chain can be. */
	assert_int_equal(fx_init(f, 32, false, false), 0);
	for (uint16_t i = 0; i < 32; i++)
		fx_desc(f, i, DATA_GPA + i, 1,
			i < 31 ? VIRTQ_DESC_F_NEXT : VIRTQ_DESC_F_WRITE, i + 1);
	fx_avail(f, 0);
	assert_int_equal(fx_pop(f), 1);
	assert_int_equal(f->c.nout, 31);
	assert_int_equal(f->c.nin, 1);

	/* A queue of one descriptor. */
	assert_int_equal(fx_init(f, 1, false, false), 0);
	fx_desc(f, 0, DATA_GPA, 8, 0, 0);
	for (int round = 0; round < 3; round++) {
		fx_avail(f, 0);
		assert_int_equal(fx_pop(f), 1);
		assert_int_equal(f->c.head, 0);
		assert_int_equal(fx_pop(f), 0);
		virtq_push(&f->q, 0, 0);
	}
	assert_int_equal(fx_used_idx(f), 3);
}

static void test_indirect(void **state)
{
	struct fx *f = *state;
	const uint64_t t = ITAB_GPA;

	assert_int_equal(fx_init(f, 8, false, true), 0);
	/* A table of 4 entries: out, out, (zero-length), in; the
	 * WRITE flag on the pointing descriptor is ignored (2.7.5.3.2). */
	fx_desc_at(f, t, 0, DATA_GPA, 64, VIRTQ_DESC_F_NEXT, 2);
	fx_desc_at(f, t, 2, DATA_GPA + 64, 64, VIRTQ_DESC_F_NEXT, 1);
	fx_desc_at(f, t, 1, 0xdead0000ULL, 0,
		   VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 3);
	fx_desc_at(f, t, 3, DATA_GPA + 0x1000, 512, VIRTQ_DESC_F_WRITE, 0);
	fx_desc(f, 6, t, 4 * 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_WRITE, 0);
	fx_avail(f, 6);
	assert_int_equal(fx_pop(f), 1);
	assert_int_equal(f->c.head, 6);
	assert_int_equal(f->c.nout, 2);
	assert_int_equal(f->c.nin, 1);
	assert_int_equal(f->c.out_len, 128);
	assert_int_equal(f->c.in_len, 512);
	assert_ptr_equal(f->iov[1].iov_base, fx_host(f, DATA_GPA + 64));
	assert_ptr_equal(f->iov[2].iov_base, fx_host(f, DATA_GPA + 0x1000));

	/* An indirect table as long as the queue: the most allowed. */
	for (uint16_t i = 0; i < 8; i++)
		fx_desc_at(f, t, i, DATA_GPA, 1, i < 7 ? VIRTQ_DESC_F_NEXT : 0,
			   i + 1);
	fx_desc(f, 2, t, 8 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	fx_avail(f, 2);
	assert_int_equal(fx_pop(f), 1);
	assert_int_equal(f->c.nout, 8);
	virtq_push(&f->q, 6, 512);
	virtq_push(&f->q, 2, 0);
	assert_int_equal(fx_used_idx(f), 2);
}

static void test_zero_length(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_init(f, 16, false, false), 0);
	/* Zero-length descriptors are skipped, whatever their address. */
	fx_desc(f, 0, UINT64_MAX, 0, VIRTQ_DESC_F_NEXT, 1);
	fx_desc(f, 1, DATA_GPA, 32, VIRTQ_DESC_F_NEXT, 2);
	fx_desc(f, 2, 0, 0, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 3);
	fx_desc(f, 3, DATA_GPA + 32, 32, VIRTQ_DESC_F_WRITE, 0);
	fx_avail(f, 0);
	assert_int_equal(fx_pop(f), 1);
	assert_int_equal(f->c.nout, 1);
	assert_int_equal(f->c.nin, 1);
	assert_ptr_equal(f->iov[0].iov_base, fx_host(f, DATA_GPA));
	assert_ptr_equal(f->iov[1].iov_base, fx_host(f, DATA_GPA + 32));

	/* A chain of nothing but zero-length descriptors is empty. */
	fx_desc(f, 4, 0, 0, 0, 0);
	fx_avail(f, 4);
	assert_int_equal(fx_pop(f), 1);
	assert_int_equal(f->c.head, 4);
	assert_int_equal(f->c.nout + f->c.nin, 0);
	assert_int_equal(f->c.out_len + f->c.in_len, 0);

	/* They take no iovec slot: 64 buffers among zero-length ones. */
	assert_int_equal(fx_init(f, 256, false, false), 0);
	for (uint16_t i = 0; i < 128; i++)
		fx_desc(f, i, DATA_GPA, i % 2, VIRTQ_DESC_F_NEXT, i + 1);
	fx_desc(f, 127, DATA_GPA, 1, 0, 0);
	fx_avail(f, 0);
	assert_int_equal(fx_pop(f), 1);
	assert_int_equal(f->c.nout, 64);
	assert_false(f->q.broken);
}

static void test_overlap(void **state)
{
	struct fx *f = *state;

	/* Overlapping buffers, even the ring itself: allowed, harmless. */
	assert_int_equal(fx_init(f, 16, false, false), 0);
	fx_desc(f, 0, DATA_GPA, 100, VIRTQ_DESC_F_NEXT, 1);
	fx_desc(f, 1, DATA_GPA + 50, 100,
		VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
	fx_desc(f, 2, DESC_GPA, 16 * 16, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT,
		3);
	fx_desc(f, 3, DATA_GPA, 100, VIRTQ_DESC_F_WRITE, 0);
	fx_avail(f, 0);
	fx_avail(f, 0); /* the same head twice */
	assert_int_equal(fx_pop(f), 1);
	assert_int_equal(f->c.nout, 1);
	assert_int_equal(f->c.nin, 3);
	assert_ptr_equal(f->iov[2].iov_base, f->q.desc);
	assert_int_equal(fx_pop(f), 1);
	assert_int_equal(f->c.head, 0);
	virtq_push(&f->q, 0, 0);
	virtq_push(&f->q, 0, 0);
	assert_int_equal(fx_used_idx(f), 2);
	assert_false(f->q.broken);
}

static void test_wrap(void **state)
{
	struct fx *f = *state;
	uint32_t id, len;

	/* Both indexes start just below 2^16 and run past it. */
	assert_int_equal(fx_init(f, 4, false, false), 0);
	f->q.last_avail = f->q.used_idx = f->q.signalled = 65533;
	fx_set_avail_idx(f, 65533);
	fx_put16(f, USED_GPA + 2, 65533);
	for (uint16_t i = 0; i < 4; i++)
		fx_desc(f, i, DATA_GPA + 0x100 * i, 0x10, VIRTQ_DESC_F_WRITE,
			0);
	for (unsigned int round = 0; round < 6; round++) {
		uint16_t head = round % 4;

		fx_avail(f, head);
		assert_true(virtq_has_work(&f->q));
		assert_int_equal(fx_pop(f), 1);
		assert_int_equal(f->c.head, head);
		assert_ptr_equal(f->iov[0].iov_base,
				 fx_host(f, DATA_GPA + 0x100 * head));
		virtq_push(&f->q, head, round);
		assert_int_equal(fx_used_idx(f), (uint16_t)(65534 + round));
		fx_used_elem(f, (uint16_t)(65533 + round), &id, &len);
		assert_int_equal(id, head);
		assert_int_equal(len, round);
	}
	assert_int_equal(f->q.last_avail, 3);
	assert_int_equal(f->q.used_idx, 3);
	assert_int_equal(fx_pop(f), 0);

	/* A full queue across the wrap: avail idx exactly size ahead. */
	for (uint16_t i = 0; i < 4; i++)
		fx_avail(f, i);
	for (uint16_t i = 0; i < 4; i++) {
		assert_int_equal(fx_pop(f), 1);
		assert_int_equal(f->c.head, i);
	}
	assert_int_equal(fx_pop(f), 0);
	assert_false(f->q.broken);
}

/* Interrupts and notifications ------------------------------------------ */

static void test_interrupt_flags(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_init(f, 8, false, false), 0);
	/* Nothing pushed: nothing to signal. */
	assert_false(virtq_need_interrupt(&f->q));
	virtq_push(&f->q, 0, 0);
	assert_true(virtq_need_interrupt(&f->q));
	assert_false(virtq_need_interrupt(&f->q)); /* already signalled */

	fx_put16(f, AVAIL_GPA, VIRTQ_AVAIL_F_NO_INTERRUPT);
	virtq_push(&f->q, 1, 0);
	assert_false(virtq_need_interrupt(&f->q));
	/* used_event is ignored without EVENT_IDX. */
	fx_put16(f, AVAIL_GPA, 0);
	fx_set_used_event(f, 100);
	virtq_push(&f->q, 2, 0);
	virtq_push(&f->q, 3, 0);
	assert_true(virtq_need_interrupt(&f->q));
}

static void test_interrupt_event_idx(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_init(f, 8, true, false), 0);
	/* The flag is ignored with EVENT_IDX (2.7.7.2). */
	fx_put16(f, AVAIL_GPA, VIRTQ_AVAIL_F_NO_INTERRUPT);
	fx_set_used_event(f, 0); /* interrupt when entry 0 is used */
	virtq_push(&f->q, 0, 0);
	assert_true(virtq_need_interrupt(&f->q));

	/* used_event 3: entries 1 and 2 need nothing, 3 does. */
	fx_set_used_event(f, 3);
	virtq_push(&f->q, 1, 0); /* used idx 2 */
	assert_false(virtq_need_interrupt(&f->q));
	virtq_push(&f->q, 2, 0); /* 3: entry 2 done, not 3 yet */
	assert_false(virtq_need_interrupt(&f->q));
	virtq_push(&f->q, 3, 0); /* 4: entry 3 done */
	assert_true(virtq_need_interrupt(&f->q));

	/* Several pushes at once that pass used_event. */
	fx_set_used_event(f, 5);
	virtq_push(&f->q, 4, 0);
	virtq_push(&f->q, 5, 0);
	virtq_push(&f->q, 6, 0); /* used idx 7, old 4: 5 in [4, 7) */
	assert_true(virtq_need_interrupt(&f->q));
	/* An event already behind: no interrupt until it comes round. */
	fx_set_used_event(f, 2);
	virtq_push(&f->q, 7, 0);
	assert_false(virtq_need_interrupt(&f->q));

	/* Across the 16-bit wrap. */
	f->q.used_idx = f->q.signalled = 65534;
	fx_set_used_event(f, 0);
	virtq_push(&f->q, 0, 0); /* 65535 */
	assert_false(virtq_need_interrupt(&f->q));
	virtq_push(&f->q, 0, 0); /* 0 */
	assert_false(virtq_need_interrupt(&f->q));
	virtq_push(&f->q, 0, 0); /* 1: entry 0 used */
	assert_true(virtq_need_interrupt(&f->q));
	fx_set_used_event(f, 65535);
	f->q.used_idx = f->q.signalled = 65530;
	for (int i = 0; i < 10; i++)
		virtq_push(&f->q, 0, 0); /* 65530 -> 4 */
	assert_true(virtq_need_interrupt(&f->q));
}

static void test_notify_flags(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_init(f, 8, false, false), 0);
	assert_false(virtq_notify_enable(&f->q, false));
	assert_int_equal(fx_get16(f, USED_GPA), VIRTQ_USED_F_NO_NOTIFY);
	assert_false(virtq_notify_enable(&f->q, true));
	assert_int_equal(fx_get16(f, USED_GPA), 0);

	/*
	 * The race: the device disables notifications and drains the ring,
	 * the driver adds a buffer and (seeing NO_NOTIFY) does not notify,
	 * then the device enables them again: the re-check finds the buffer.
	 */
	fx_desc(f, 0, DATA_GPA, 1, 0, 0);
	assert_false(virtq_notify_enable(&f->q, false));
	assert_int_equal(fx_pop(f), 0);
	fx_avail(f, 0);
	assert_true(fx_get16(f, USED_GPA) & VIRTQ_USED_F_NO_NOTIFY);
	assert_true(virtq_notify_enable(&f->q, true));
	assert_int_equal(fx_pop(f), 1);
	assert_false(virtq_notify_enable(&f->q, true));
}

static void test_notify_event_idx(void **state)
{
	struct fx *f = *state;
	uint16_t old;

	assert_int_equal(fx_init(f, 8, true, false), 0);
	fx_put16(f, USED_GPA, 0);
	fx_desc(f, 0, DATA_GPA, 1, 0, 0);

	/* Enabled: the driver notifies when it adds entry last_avail. */
	assert_false(virtq_notify_enable(&f->q, true));
	assert_int_equal(fx_avail_event(f), 0);
	old = f->avail_idx;
	fx_avail(f, 0);
	assert_true(fx_need_event(fx_avail_event(f), f->avail_idx, old));
	/* The flag is not used with EVENT_IDX. */
	assert_int_equal(fx_get16(f, USED_GPA), 0);

	/* Disabled: however much the driver adds (up to a full queue), it
	 * does not notify. */
	assert_true(virtq_notify_enable(&f->q, false)); /* one waiting */
	assert_int_equal(fx_pop(f), 1);
	for (int i = 0; i < 8; i++) {
		old = f->avail_idx;
		fx_avail(f, 0);
		assert_false(
			fx_need_event(fx_avail_event(f), f->avail_idx, old));
	}
	for (int i = 0; i < 8; i++)
		assert_int_equal(fx_pop(f), 1);

	/* The race again, with avail_event. */
	assert_false(virtq_notify_enable(&f->q, false));
	old = f->avail_idx;
	fx_avail(f, 0);
	assert_false(fx_need_event(fx_avail_event(f), f->avail_idx, old));
	assert_true(virtq_notify_enable(&f->q, true));
	assert_int_equal(fx_avail_event(f), f->q.last_avail);
	assert_int_equal(fx_pop(f), 1);
	assert_false(virtq_notify_enable(&f->q, true));
	assert_int_equal(fx_avail_event(f), 10);

	/* Across the wrap. */
	f->q.last_avail = 65535;
	fx_set_avail_idx(f, 65535);
	assert_false(virtq_notify_enable(&f->q, true));
	assert_int_equal(fx_avail_event(f), 65535);
	old = f->avail_idx;
	fx_avail(f, 0);
	fx_avail(f, 0);
	assert_true(fx_need_event(fx_avail_event(f), f->avail_idx, old));
	assert_true(virtq_notify_enable(&f->q, false));
	assert_int_equal(fx_avail_event(f), 65534);
}

static void test_notify_event_idx_follow(void **state)
{
	struct fx *f = *state;
	uint16_t old;

	/*
	 * Enabled, avail_event follows the pops, so the driver keeps
	 * notifying for new buffers even if the device never calls
	 * virtq_notify_enable again (like a NO_NOTIFY flag left clear).
	 */
	assert_int_equal(fx_init(f, 8, true, false), 0);
	fx_desc(f, 0, DATA_GPA, 1, 0, 0);
	assert_false(virtq_notify_enable(&f->q, true));
	for (int i = 0; i < 20; i++) {
		old = f->avail_idx;
		fx_avail(f, 0);
		assert_true(
			fx_need_event(fx_avail_event(f), f->avail_idx, old));
		assert_int_equal(fx_pop(f), 1);
		assert_int_equal(fx_avail_event(f), f->q.last_avail);
		virtq_push(&f->q, 0, 0);
	}
	/* Two at once, one pop: the event names the one still waiting. */
	fx_avail(f, 0);
	fx_avail(f, 0);
	assert_int_equal(fx_pop(f), 1);
	assert_int_equal(fx_avail_event(f), f->q.last_avail);
	assert_int_equal(fx_pop(f), 1);
	assert_int_equal(fx_avail_event(f), f->q.last_avail);

	/* Disabled, it stays behind whatever is popped. */
	assert_false(virtq_notify_enable(&f->q, false));
	for (int i = 0; i < 20; i++) {
		old = f->avail_idx;
		fx_avail(f, 0);
		assert_false(
			fx_need_event(fx_avail_event(f), f->avail_idx, old));
		assert_int_equal(fx_pop(f), 1);
		virtq_push(&f->q, 0, 0);
	}
	assert_int_equal(fx_avail_event(f), 21);
}

/* A hostile guest ------------------------------------------------------- */

static void test_buffer_outside_ram(void **state)
{
	struct fx *f = *state;
	const struct {
		uint64_t addr;
		uint32_t len;
	} bad[] = {
		{ 0, 1 },			 /* below RAM */
		{ RAM_GPA - 1, 2 },		 /* straddles the start */
		{ TAIL_GPA - 8, 16 },		 /* straddles two regions */
		{ TAIL_GPA + TAIL_SIZE - 1, 2 }, /* straddles the end */
		{ TAIL_GPA + TAIL_SIZE, 1 },	 /* just past the end */
		{ UINT64_MAX - 7, 16 },		 /* wraps past 2^64 */
		{ UINT64_MAX, 1 },
		{ RAM_GPA, UINT32_MAX }, /* longer than RAM */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		for (int w = 0; w < 2; w++) {
			assert_int_equal(fx_init(f, 16, false, false), 0);
			fx_desc(f, 0, DATA_GPA, 8, VIRTQ_DESC_F_NEXT, 1);
			fx_desc(f, 1, bad[i].addr, bad[i].len,
				w ? VIRTQ_DESC_F_WRITE : 0, 0);
			fx_avail(f, 0);
			assert_broken(f);
		}
	}
	/* The last bytes of each region are fine. */
	assert_int_equal(fx_init(f, 16, false, false), 0);
	fx_desc(f, 0, TAIL_GPA - 8, 8, VIRTQ_DESC_F_NEXT, 1);
	fx_desc(f, 1, TAIL_GPA + TAIL_SIZE - 1, 1, 0, 0);
	fx_avail(f, 0);
	assert_int_equal(fx_pop(f), 1);
	assert_int_equal(f->c.nout, 2);
}

static void test_loop(void **state)
{
	struct fx *f = *state;

	/* A self-loop. */
	assert_int_equal(fx_init(f, 16, false, false), 0);
	fx_desc(f, 2, DATA_GPA, 1, VIRTQ_DESC_F_NEXT, 2);
	fx_avail(f, 2);
	assert_broken(f);

	/* A cycle through three descriptors, with zero lengths so no
	 * iovec bound catches it first. */
	assert_int_equal(fx_init(f, 16, false, false), 0);
	fx_desc(f, 0, DATA_GPA, 0, VIRTQ_DESC_F_NEXT, 1);
	fx_desc(f, 1, DATA_GPA, 0, VIRTQ_DESC_F_NEXT, 2);
	fx_desc(f, 2, DATA_GPA, 0, VIRTQ_DESC_F_NEXT, 0);
	fx_avail(f, 0);
	assert_broken(f);

	/* The tail of a chain loops back into its middle. */
	assert_int_equal(fx_init(f, 16, false, false), 0);
	fx_desc(f, 5, DATA_GPA, 1, VIRTQ_DESC_F_NEXT, 6);
	fx_desc(f, 6, DATA_GPA, 1, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 7);
	fx_desc(f, 7, DATA_GPA, 1, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 6);
	fx_avail(f, 5);
	assert_broken(f);

	/* A cycle inside an indirect table. */
	assert_int_equal(fx_init(f, 16, false, true), 0);
	fx_desc_at(f, ITAB_GPA, 0, DATA_GPA, 0, VIRTQ_DESC_F_NEXT, 1);
	fx_desc_at(f, ITAB_GPA, 1, DATA_GPA, 0, VIRTQ_DESC_F_NEXT, 0);
	fx_desc(f, 0, ITAB_GPA, 2 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	fx_avail(f, 0);
	assert_broken(f);
}

static void test_next_out_of_range(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_init(f, 16, false, false), 0);
	fx_desc(f, 0, DATA_GPA, 1, VIRTQ_DESC_F_NEXT, 16);
	fx_avail(f, 0);
	assert_broken(f);

	assert_int_equal(fx_init(f, 16, false, false), 0);
	fx_desc(f, 0, DATA_GPA, 1, VIRTQ_DESC_F_NEXT, 0xffff);
	fx_avail(f, 0);
	assert_broken(f);

	/* In an indirect table, next is bounded by the table, not the
	 * queue. */
	assert_int_equal(fx_init(f, 16, false, true), 0);
	fx_desc_at(f, ITAB_GPA, 0, DATA_GPA, 1, VIRTQ_DESC_F_NEXT, 2);
	fx_desc_at(f, ITAB_GPA, 2, DATA_GPA, 1, 0, 0);
	fx_desc(f, 0, ITAB_GPA, 2 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	fx_avail(f, 0);
	assert_broken(f);
}

static void test_avail_idx_too_far(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_init(f, 16, false, false), 0);
	fx_desc(f, 0, DATA_GPA, 1, 0, 0);
	fx_set_avail_idx(f, 17);
	assert_broken(f);

	/* Running backwards is running 65535 ahead. */
	assert_int_equal(fx_init(f, 16, false, false), 0);
	fx_avail(f, 0);
	assert_int_equal(fx_pop(f), 1);
	fx_set_avail_idx(f, 0);
	assert_broken(f);
	/* Pushing completions is still possible (harmless). */
	virtq_push(&f->q, 0, 0);
	assert_int_equal(fx_used_idx(f), 1);
}

static void test_head_out_of_range(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_init(f, 16, false, false), 0);
	fx_desc(f, 0, DATA_GPA, 1, 0, 0);
	fx_avail(f, 0);
	fx_avail(f, 16);
	assert_int_equal(fx_pop(f), 1);
	assert_broken(f);
	assert_int_equal(f->q.last_avail, 1);

	assert_int_equal(fx_init(f, 16, false, false), 0);
	fx_avail(f, 0xffff);
	assert_broken(f);
}

static void test_readable_after_writable(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_init(f, 16, false, false), 0);
	fx_desc(f, 0, DATA_GPA, 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	fx_desc(f, 1, DATA_GPA, 8, 0, 0);
	fx_avail(f, 0);
	assert_broken(f);

	/* Zero lengths do not hide it. */
	assert_int_equal(fx_init(f, 16, false, false), 0);
	fx_desc(f, 0, DATA_GPA, 0, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	fx_desc(f, 1, DATA_GPA, 8, 0, 0);
	fx_avail(f, 0);
	assert_broken(f);

	/* Nor does an indirect table. */
	assert_int_equal(fx_init(f, 16, false, true), 0);
	fx_desc_at(f, ITAB_GPA, 0, DATA_GPA, 8, VIRTQ_DESC_F_NEXT, 1);
	fx_desc_at(f, ITAB_GPA, 1, DATA_GPA, 8,
		   VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
	fx_desc_at(f, ITAB_GPA, 2, DATA_GPA, 8, 0, 0);
	fx_desc(f, 0, ITAB_GPA, 3 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	fx_avail(f, 0);
	assert_broken(f);
}

static void test_indirect_malformed(void **state)
{
	struct fx *f = *state;
	const uint32_t bad_len[] = { 0,		  8,	   17,
				     16 * 16 + 1, 17 * 16, UINT32_MAX & ~15U };

	/* Not negotiated. */
	assert_int_equal(fx_init(f, 16, false, false), 0);
	fx_desc_at(f, ITAB_GPA, 0, DATA_GPA, 8, 0, 0);
	fx_desc(f, 0, ITAB_GPA, 16, VIRTQ_DESC_F_INDIRECT, 0);
	fx_avail(f, 0);
	assert_broken(f);

	/* Lengths: zero, not a multiple of 16, more entries than the queue. */
	for (size_t i = 0; i < sizeof(bad_len) / sizeof(bad_len[0]); i++) {
		assert_int_equal(fx_init(f, 16, false, true), 0);
		fx_desc(f, 0, ITAB_GPA, bad_len[i], VIRTQ_DESC_F_INDIRECT, 0);
		fx_avail(f, 0);
		assert_broken(f);
	}

	/* The table outside RAM, or straddling two regions. */
	assert_int_equal(fx_init(f, 16, false, true), 0);
	fx_desc(f, 0, TAIL_GPA - 16, 32, VIRTQ_DESC_F_INDIRECT, 0);
	fx_avail(f, 0);
	assert_broken(f);
	assert_int_equal(fx_init(f, 16, false, true), 0);
	fx_desc(f, 0, UINT64_MAX - 15, 32, VIRTQ_DESC_F_INDIRECT, 0);
	fx_avail(f, 0);
	assert_broken(f);

	/* NEXT with INDIRECT. */
	assert_int_equal(fx_init(f, 16, false, true), 0);
	fx_desc_at(f, ITAB_GPA, 0, DATA_GPA, 8, 0, 0);
	fx_desc(f, 0, ITAB_GPA, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT,
		1);
	fx_desc(f, 1, DATA_GPA, 8, 0, 0);
	fx_avail(f, 0);
	assert_broken(f);

	/* Nested: an indirect descriptor inside the table. */
	assert_int_equal(fx_init(f, 16, false, true), 0);
	fx_desc_at(f, ITAB_GPA, 0, DATA_GPA, 8, VIRTQ_DESC_F_NEXT, 1);
	fx_desc_at(f, ITAB_GPA, 1, ITAB_GPA + 0x100, 16, VIRTQ_DESC_F_INDIRECT,
		   0);
	fx_desc_at(f, ITAB_GPA + 0x100, 0, DATA_GPA, 8, 0, 0);
	fx_desc(f, 0, ITAB_GPA, 2 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	fx_avail(f, 0);
	assert_broken(f);

	/* A table pointing at itself. */
	assert_int_equal(fx_init(f, 16, false, true), 0);
	fx_desc_at(f, ITAB_GPA, 0, ITAB_GPA, 16, VIRTQ_DESC_F_INDIRECT, 0);
	fx_desc(f, 0, ITAB_GPA, 16, VIRTQ_DESC_F_INDIRECT, 0);
	fx_avail(f, 0);
	assert_broken(f);

	/* Indirect after a direct descriptor (not at the head). */
	assert_int_equal(fx_init(f, 16, false, true), 0);
	fx_desc_at(f, ITAB_GPA, 0, DATA_GPA, 8, 0, 0);
	fx_desc(f, 0, DATA_GPA, 8, VIRTQ_DESC_F_NEXT, 1);
	fx_desc(f, 1, ITAB_GPA, 16, VIRTQ_DESC_F_INDIRECT, 0);
	fx_avail(f, 0);
	assert_broken(f);
}

static void test_iov_cap(void **state)
{
	struct fx *f = *state;
	struct iovec iov[3];

	assert_int_equal(fx_init(f, 16, false, false), 0);
	for (uint16_t i = 0; i < 4; i++)
		fx_desc(f, i, DATA_GPA + 8 * i, 8,
			i < 3 ? VIRTQ_DESC_F_NEXT : 0, i + 1);
	fx_desc(f, 8, DATA_GPA, 8, VIRTQ_DESC_F_NEXT, 9);
	fx_desc(f, 9, DATA_GPA, 8, VIRTQ_DESC_F_NEXT, 10);
	fx_desc(f, 10, DATA_GPA, 8, 0, 0);
	fx_avail(f, 8); /* 3 segments: fits exactly */
	fx_avail(f, 0); /* 4 segments: too many */

	f->c = (struct virtq_chain){ .iov = iov, .iov_cap = 3 };
	assert_int_equal(virtq_pop(&f->q, &f->c), 1);
	assert_int_equal(f->c.nout, 3);
	f->c = (struct virtq_chain){ .iov = iov, .iov_cap = 3 };
	assert_int_equal(virtq_pop(&f->q, &f->c), -EINVAL);
	assert_true(f->q.broken);

	/* No room at all. */
	assert_int_equal(fx_init(f, 16, false, false), 0);
	fx_avail(f, 0);
	f->c = (struct virtq_chain){ .iov = NULL, .iov_cap = 0 };
	assert_int_equal(virtq_pop(&f->q, &f->c), -EINVAL);
}

static void test_chain_too_large(void **state)
{
	struct fx *f = *state;
	const uint64_t big_gpa = 1ULL << 36, big_size = 1ULL << 33;
	uint8_t *big;

	/*
	 * Overlapping buffers can add up to more than any RAM; a direction's
	 * total is at most 4 GiB - 1 (the used ring's 32-bit len).  The
	 * 8 GiB region is address space only: nothing touches it.
	 */
	big = mmap(NULL, big_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(big != MAP_FAILED);
	assert_int_equal(mem_add_region(&f->gm, big_gpa, big_size, big), 0);

	assert_int_equal(fx_init(f, 16, false, false), 0);
	fx_desc(f, 0, big_gpa, UINT32_MAX, VIRTQ_DESC_F_WRITE, 0);
	fx_avail(f, 0);
	assert_int_equal(fx_pop(f), 1);
	assert_int_equal(f->c.in_len, UINT32_MAX);

	fx_desc(f, 1, big_gpa, UINT32_MAX, VIRTQ_DESC_F_NEXT, 2);
	fx_desc(f, 2, big_gpa, UINT32_MAX, VIRTQ_DESC_F_WRITE, 0);
	fx_avail(f, 1);
	assert_int_equal(fx_pop(f), 1);
	assert_int_equal(f->c.out_len, UINT32_MAX);
	assert_int_equal(f->c.in_len, UINT32_MAX);

	fx_desc(f, 3, big_gpa, UINT32_MAX, VIRTQ_DESC_F_NEXT, 4);
	fx_desc(f, 4, big_gpa, 1, 0, 0);
	fx_avail(f, 3);
	assert_broken(f);

	f->gm.count--;
	munmap(big, big_size);
}

static void test_broken_until_reset(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_init(f, 16, false, false), 0);
	fx_avail(f, 99);
	assert_broken(f);
	/* Repairing the ring does not help... */
	fx_put16(f, AVAIL_GPA + 4, 0);
	fx_desc(f, 0, DATA_GPA, 1, 0, 0);
	assert_int_equal(fx_pop(f), -EINVAL);
	assert_false(virtq_has_work(&f->q));
	assert_false(virtq_notify_enable(&f->q, true));
	/* ...a reset and a new init do. */
	virtq_reset(&f->q);
	assert_false(f->q.broken);
	assert_int_equal(fx_pop(f), 0);
	assert_int_equal(fx_init(f, 16, false, false), 0);
	fx_avail(f, 0);
	assert_int_equal(fx_pop(f), 1);
	assert_int_equal(f->c.head, 0);
}

/*
 * The guest rewrites a descriptor while the device parses it: every
 * buffer popped must still lie wholly in RAM, whichever version of the
 * descriptor was read (ASan checks the host side).
 */
struct flipper {
	struct fx *f;
	int stop;
};

static void *flip(void *arg)
{
	struct flipper *fl = arg;
	uint8_t *d = fx_host(fl->f, DESC_GPA);
	uint64_t addrs[2] = { DATA_GPA, UINT64_MAX - 3 };
	uint32_t lens[2] = { 16, 0x100000 };
	unsigned int n = 0;

	while (!__atomic_load_n(&fl->stop, __ATOMIC_RELAXED)) {
		__atomic_store_n((uint64_t *)d, addrs[n & 1], __ATOMIC_RELAXED);
		__atomic_store_n((uint32_t *)(d + 8), lens[(n >> 1) & 1],
				 __ATOMIC_RELAXED);
		n++;
	}
	return NULL;
}

static void test_concurrent_rewrite(void **state)
{
	struct fx *f = *state;
	struct flipper fl = { .f = f };
	pthread_t t;
	int ok = 0, bad = 0;

	assert_int_equal(fx_init(f, 16, false, false), 0);
	fx_desc(f, 0, DATA_GPA, 16, 0, 0);
	assert_int_equal(pthread_create(&t, NULL, flip, &fl), 0);
	/* Until both outcomes were seen often, or a bound on the work. */
	for (int i = 0; i < 2000000 && (ok < 1000 || bad < 1000); i++) {
		int r;

		fx_avail(f, 0);
		r = fx_pop(f);
		if (r == 1) {
			uint8_t *p = f->iov[0].iov_base;

			assert_int_equal(f->c.nout, 1);
			assert_true(
				p >= f->ram && f->iov[0].iov_len <= RAM_SIZE &&
				p - f->ram <= (ptrdiff_t)(RAM_SIZE -
							  f->iov[0].iov_len));
			assert_int_equal(f->c.out_len, f->iov[0].iov_len);
			ok++;
			virtq_push(&f->q, 0, 0);
		} else {
			assert_int_equal(r, -EINVAL);
			bad++;
			assert_int_equal(fx_init(f, 16, false, false), 0);
		}
	}
	__atomic_store_n(&fl.stop, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	print_message("popped %d, refused %d\n", ok, bad);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_init),
		T(test_init_bad_size),
		T(test_init_misaligned),
		T(test_init_outside_ram),
		T(test_single),
		T(test_chain_in_out),
		T(test_chain_whole_queue),
		T(test_indirect),
		T(test_zero_length),
		T(test_overlap),
		T(test_wrap),
		T(test_interrupt_flags),
		T(test_interrupt_event_idx),
		T(test_notify_flags),
		T(test_notify_event_idx),
		T(test_notify_event_idx_follow),
		T(test_buffer_outside_ram),
		T(test_loop),
		T(test_next_out_of_range),
		T(test_avail_idx_too_far),
		T(test_head_out_of_range),
		T(test_readable_after_writable),
		T(test_indirect_malformed),
		T(test_iov_cap),
		T(test_chain_too_large),
		T(test_broken_until_reset),
		T(test_concurrent_rewrite),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
