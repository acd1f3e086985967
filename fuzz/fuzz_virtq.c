/*
 * fuzz_virtq.c: libFuzzer target for the device side of the split
 * virtqueue (virtio/virtq.c).  The input is a queue configuration and a
 * guest memory image; the target pops chains until the ring is empty or
 * broken, uses every buffer it gets (reads the readable ones, writes the
 * writable ones, which may land on the rings: a guest may point buffers
 * there) and pushes the chains back, with the guest's avail idx moved on
 * between pops as the input says.  It aborts if a chain breaks an
 * invariant; ASan catches any access outside the two RAM allocations.
 *
 * Input: struct fuzz_hdr, then the image of region A (zero-padded to
 * A_SIZE), then region B's.  fuzz/seeds.py writes the seed corpus.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "virtio/virtq.h"

#define A_GPA  0x10000ULL
#define A_SIZE 0x10000ULL
#define B_GPA  (A_GPA + A_SIZE) /* adjacent, but another allocation */
#define B_SIZE 0x1000ULL

#define MAX_IOV 256

struct fuzz_hdr {
	uint8_t size;  /* bit 7: bits 0-6 raw; else 1 << (bits 0-3) */
	uint8_t flags; /* FUZZ_F_* */
	uint16_t desc; /* offsets from A_GPA of the three areas */
	uint16_t avail;
	uint16_t used;
	uint16_t start;	  /* last_avail and used_idx to start from */
	uint8_t iov_cap;  /* 0 means MAX_IOV */
	uint8_t bumps[7]; /* avail idx moves between pops, a nibble each */
} __attribute__((packed));

#define FUZZ_F_EVENT_IDX 1
#define FUZZ_F_INDIRECT	 2
#define FUZZ_F_DEFER	 4 /* push after the loop, in reverse order */
#define FUZZ_F_NOTIFY	 8 /* notifications off while draining */

static uint8_t *copy_region(const uint8_t **data, size_t *left, size_t size)
{
	uint8_t *p = malloc(size);
	size_t n = *left < size ? *left : size;

	if (!p)
		abort();
	memset(p, 0, size);
	memcpy(p, *data, n);
	*data += n;
	*left -= n;
	return p;
}

/* Where an iovec lies: wholly inside one of the allocations, or abort. */
static void check_iov(const struct iovec *v, const uint8_t *a, const uint8_t *b)
{
	const uint8_t *p = v->iov_base;

	if (v->iov_len == 0)
		abort(); /* zero-length descriptors are skipped */
	if (p >= a && p < a + A_SIZE && v->iov_len <= (size_t)(a + A_SIZE - p))
		return;
	if (p >= b && p < b + B_SIZE && v->iov_len <= (size_t)(b + B_SIZE - p))
		return;
	abort();
}

/*
 * The reference: what virtq_pop must answer, worked out another way
 * (through mem_read on guest addresses, loops found by a visited map
 * instead of the length bound).  1 with the chain, 0 empty, -1 malformed.
 */
struct ref_seg {
	uint64_t gpa;
	uint32_t len;
};

struct ref {
	uint16_t head;
	unsigned int nout, nin;
	uint64_t out_len, in_len;
	struct ref_seg seg[MAX_IOV];
};

static uint16_t ref_read16(const struct guest_mem *gm, uint64_t gpa)
{
	uint16_t v;

	if (mem_read(gm, gpa, &v, 2))
		abort(); /* virtq_init checked the rings */
	return v;
}

static int ref_pop(const struct guest_mem *gm, const struct virtq_config *cfg,
		   uint16_t last_avail, unsigned int cap, struct ref *r)
{
	static uint8_t visited[VIRTQ_MAX_SIZE];
	uint64_t table = cfg->desc;
	unsigned int n = cfg->size, step = 0;
	uint16_t avail_idx, i;
	bool in_indirect = false, writable = false;

	memset(r, 0, sizeof(*r));
	avail_idx = ref_read16(gm, cfg->avail + 2);
	if (avail_idx == last_avail)
		return 0;
	if ((uint16_t)(avail_idx - last_avail) > cfg->size)
		return -1;
	r->head = ref_read16(gm, cfg->avail + 4 + 2 * (last_avail % cfg->size));
	if (r->head >= cfg->size)
		return -1;
	memset(visited, 0, n);
	for (i = r->head;; step++) {
		struct {
			uint64_t addr;
			uint32_t len;
			uint16_t flags, next;
		} d;

		if (visited[i])
			return -1;
		visited[i] = 1;
		if (mem_read(gm, table + 16ULL * i, &d, 16))
			abort(); /* the table was checked */
		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			if (!cfg->indirect || in_indirect || step ||
			    (d.flags & VIRTQ_DESC_F_NEXT) || !d.len ||
			    d.len % 16 || d.len / 16 > cfg->size ||
			    !mem_range_ok(gm, d.addr, d.len))
				return -1;
			in_indirect = true;
			table = d.addr;
			n = d.len / 16;
			memset(visited, 0, n);
			i = 0;
			continue;
		}
		if (d.flags & VIRTQ_DESC_F_WRITE) {
			writable = true;
			r->in_len += d.len;
		} else if (writable) {
			return -1;
		} else {
			r->out_len += d.len;
		}
		if (r->out_len > UINT32_MAX || r->in_len > UINT32_MAX)
			return -1;
		if (d.len) {
			if (r->nout + r->nin >= cap ||
			    !mem_range_ok(gm, d.addr, d.len))
				return -1;
			r->seg[r->nout + r->nin] =
				(struct ref_seg){ d.addr, d.len };
			if (d.flags & VIRTQ_DESC_F_WRITE)
				r->nin++;
			else
				r->nout++;
		}
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return 1;
		if (d.next >= n)
			return -1;
		i = d.next;
	}
}

/* The device's answer must be the reference's. */
static void ref_check(const struct guest_mem *gm, int want, const struct ref *r,
		      int got, const struct virtq_chain *c)
{
	if ((want < 0) != (got < 0) || (want >= 0 && want != got))
		abort();
	if (got != 1)
		return;
	if (c->head != r->head || c->nout != r->nout || c->nin != r->nin ||
	    c->out_len != r->out_len || c->in_len != r->in_len)
		abort();
	for (unsigned int i = 0; i < c->nout + c->nin; i++)
		if (c->iov[i].iov_base !=
			    mem_ptr(gm, r->seg[i].gpa, r->seg[i].len) ||
		    c->iov[i].iov_len != r->seg[i].len)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint8_t fuzz_sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_hdr h;
	struct guest_mem gm = { 0 };
	struct virtq_config cfg;
	struct virtq q;
	struct iovec iov[MAX_IOV];
	static struct ref ref;
	uint16_t heads[3 * 256 + 16];
	unsigned int npop = 0, nheads = 0, bump = 0, cap;
	uint8_t *a, *b;
	uint8_t sum = 0;

	log_set_level(LOG_ERROR);
	if (size < sizeof(h))
		return 0;
	memcpy(&h, data, sizeof(h));
	data += sizeof(h);
	size -= sizeof(h);
	a = copy_region(&data, &size, A_SIZE);
	b = copy_region(&data, &size, B_SIZE);
	if (mem_add_region(&gm, A_GPA, A_SIZE, a) ||
	    mem_add_region(&gm, B_GPA, B_SIZE, b))
		abort();

	cfg = (struct virtq_config){
		.size = h.size & 0x80 ? h.size & 0x7f : 1u << (h.size & 15),
		.desc = A_GPA + h.desc,
		.avail = A_GPA + h.avail,
		.used = A_GPA + h.used,
		.event_idx = h.flags & FUZZ_F_EVENT_IDX,
		.indirect = h.flags & FUZZ_F_INDIRECT,
	};
	cap = h.iov_cap ? h.iov_cap : MAX_IOV;
	if (virtq_init(&q, &gm, &cfg) != 0)
		goto out;
	q.last_avail = q.used_idx = q.signalled = h.start;
	if (h.flags & FUZZ_F_NOTIFY)
		virtq_notify_enable(&q, false);

	/* Each pop is bounded: at most 3 rounds of the queue, and 256. */
	while (npop < 3 * 256 + 16) {
		struct virtq_chain c = { .iov = iov, .iov_cap = cap };
		uint64_t out = 0, in = 0;
		int want =
			q.broken ? -1
				 : ref_pop(&gm, &cfg, q.last_avail, cap, &ref);
		int r = virtq_pop(&q, &c);

		ref_check(&gm, want, &ref, r, &c);

		npop++;
		if (r < 0) {
			if (!q.broken || virtq_pop(&q, &c) >= 0 ||
			    virtq_has_work(&q))
				abort();
			break;
		}
		if (r == 0) {
			uint16_t *idx = (uint16_t *)((uint8_t *)q.avail + 2);
			uint8_t n = bump < 14 ? h.bumps[bump / 2] : 0;

			/* The guest makes more available, or we are done. */
			n = bump++ % 2 ? n >> 4 : n & 15;
			if (!n)
				break;
			__atomic_store_n(idx, *idx + n, __ATOMIC_RELEASE);
			continue;
		}
		if (c.head >= cfg.size || c.nout + c.nin > cap)
			abort();
		for (unsigned int i = 0; i < c.nout + c.nin; i++) {
			check_iov(&iov[i], a, b);
			if (i < c.nout) {
				out += iov[i].iov_len;
				sum += ((uint8_t *)iov[i].iov_base)[0];
				sum += ((uint8_t *)iov[i]
						.iov_base)[iov[i].iov_len - 1];
			} else {
				in += iov[i].iov_len;
				memset(iov[i].iov_base, 0xa5, iov[i].iov_len);
			}
		}
		if (out != c.out_len || in != c.in_len || out > UINT32_MAX ||
		    in > UINT32_MAX)
			abort();
		if (h.flags & FUZZ_F_DEFER)
			heads[nheads++] = c.head;
		else
			virtq_push(&q, c.head, (uint32_t)in);
		if (virtq_need_interrupt(&q))
			sum++;
	}
	while (nheads)
		virtq_push(&q, heads[--nheads], 0);
	virtq_need_interrupt(&q);
	virtq_notify_enable(&q, true);
	virtq_has_work(&q);
	virtq_reset(&q);
out:
	free(a);
	free(b);
	fuzz_sink = sum; /* the reads are not optimised away */
	return 0;
}
