/*
 * virtq.c: the device side of a virtio split virtqueue (virtio 1.2, 2.7).
 * See virtq.h.
 *
 * Implemented: the descriptor table, available and used rings (2.7.5,
 * 2.7.6, 2.7.8), chained and indirect descriptors (2.7.5.3), and both ways
 * of suppressing notifications and interrupts: the ring flags and, with
 * VIRTIO_F_RING_EVENT_IDX, used_event/avail_event (2.7.7, 2.7.10).  Not
 * here: the packed ring (2.8), VIRTIO_F_IN_ORDER, and whatever a transport
 * does (the registers, DEVICE_NEEDS_RESET, the interrupt itself).
 *
 * How the guest is kept at bay:
 * - the three ring areas are checked once, at virtq_init, and become host
 *   pointers only through mem_ptr(), as do every buffer and indirect table;
 * - every descriptor is copied once into a local (virtq_desc_read) and only
 *   the copy is parsed, so a guest rewriting the table meanwhile cannot make
 *   us check one value and use another;
 * - the indexes the guest shares are loaded with acquire ordering (avail
 *   idx) and stored with release ordering (used idx); the notification
 *   suppression checks put a full fence between our store and our load;
 * - a chain is bounded by the queue size (and an indirect table by its own
 *   entry count), which also catches every loop;
 * - anything malformed marks the queue broken; it stays so until
 *   virtq_reset, and nothing is asserted on guest data.
 *
 * Policy where the specification leaves room (each one is a "MUST NOT" for
 * the driver that a device may treat as malformed):
 * - VIRTQ_DESC_F_INDIRECT is accepted on the head of a chain only, only
 *   when VIRTIO_F_INDIRECT_DESC was negotiated, never with NEXT, never
 *   inside an indirect table; the table's length is a nonzero multiple of
 *   16 with at most queue-size entries (2.7.5.3.1); the WRITE flag of the
 *   descriptor that points to the table is ignored (2.7.5.3.2);
 * - zero-length descriptors carry no buffer and are skipped (their address
 *   is not checked), but they count toward the chain bound and still obey
 *   "no device-readable after device-writable" (2.7.4.2);
 * - each direction's byte total must fit in 32 bits (the used ring's len is
 *   32 bits; larger totals only come from hostile overlapping buffers).
 */
#include "virtio/virtq.h"

#include <endian.h>
#include <errno.h>
#include <string.h>

#include "util/log.h"

/* One descriptor, as the guest lays it out (2.7.5; little-endian). */
struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};
_Static_assert(sizeof(struct virtq_desc) == 16, "virtq_desc is 16 bytes");

/* Offsets in the available and used rings (2.7.6, 2.7.8). */
#define VIRTQ_RING_FLAGS 0
#define VIRTQ_RING_IDX	 2
#define VIRTQ_RING_ENTS	 4
#define VIRTQ_USED_ELEM	 8 /* struct virtq_used_elem: le32 id, le32 len */

/* The largest byte total one direction of a chain may carry. */
#define VIRTQ_MAX_CHAIN_BYTES UINT32_MAX

/* Sizes of the three areas (2.7, the table of alignments and sizes). */
static uint64_t virtq_desc_bytes(uint16_t size)
{
	return 16ULL * size;
}

static uint64_t virtq_avail_bytes(uint16_t size)
{
	return 6ULL + 2ULL * size;
}

static uint64_t virtq_used_bytes(uint16_t size)
{
	return 6ULL + 8ULL * size;
}

/* The 16-bit fields the guest shares, as host pointers into the areas. */
static uint16_t *virtq_u16(void *area, size_t off)
{
	return (uint16_t *)((uint8_t *)area + off);
}

static uint16_t *virtq_avail_idx(const struct virtq *q)
{
	return virtq_u16(q->avail, VIRTQ_RING_IDX);
}

static uint16_t *virtq_avail_ent(const struct virtq *q, uint16_t i)
{
	return virtq_u16(q->avail,
			 VIRTQ_RING_ENTS + 2 * (size_t)(i & (q->cfg.size - 1)));
}

static uint16_t *virtq_used_event(const struct virtq *q)
{
	return virtq_u16(q->avail, VIRTQ_RING_ENTS + 2 * (size_t)q->cfg.size);
}

static uint16_t *virtq_avail_event(const struct virtq *q)
{
	return virtq_u16(q->used,
			 VIRTQ_RING_ENTS +
				 VIRTQ_USED_ELEM * (size_t)q->cfg.size);
}

static uint16_t virtq_load16(const uint16_t *p, int order)
{
	return le16toh(__atomic_load_n(p, order));
}

static void virtq_store16(uint16_t *p, uint16_t v, int order)
{
	__atomic_store_n(p, htole16(v), order);
}

/*
 * 2.7.7.2 / 2.7.10: with EVENT_IDX, the other side wants an event when the
 * index it named (event) is among those just moved past: old <= event < new,
 * all modulo 2^16.
 */
static bool virtq_need_event(uint16_t event, uint16_t new_idx, uint16_t old)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

static bool virtq_aligned(uint64_t v, uint64_t align)
{
	return (v & (align - 1)) == 0;
}

/*
 * Host view of one ring area: wholly inside one RAM region, aligned in
 * guest-physical space (2.7) and in the host too, so that the shared
 * indexes can be loaded and stored atomically.
 */
static void *virtq_area(const struct guest_mem *mem, uint64_t gpa, uint64_t len,
			uint64_t align)
{
	void *p;

	if (!virtq_aligned(gpa, align))
		return NULL;
	p = mem_ptr(mem, gpa, len);
	if (!p || !virtq_aligned((uintptr_t)p, align))
		return NULL;
	return p;
}

int virtq_init(struct virtq *q, const struct guest_mem *mem,
	       const struct virtq_config *cfg)
{
	uint16_t size = cfg->size;
	void *desc, *avail, *used;

	memset(q, 0, sizeof(*q));
	/* 2.7: a power of two no larger than 32768. */
	if (size == 0 || size > VIRTQ_MAX_SIZE || (size & (size - 1)))
		goto fail;
	desc = virtq_area(mem, cfg->desc, virtq_desc_bytes(size), 16);
	avail = virtq_area(mem, cfg->avail, virtq_avail_bytes(size), 2);
	used = virtq_area(mem, cfg->used, virtq_used_bytes(size), 4);
	if (!desc || !avail || !used)
		goto fail;
	q->mem = mem;
	q->cfg = *cfg;
	q->desc = desc;
	q->avail = avail;
	q->used = used;
	q->ready = true;
	return 0;
fail:
	log_debug("virtq",
		  "refused: size %u desc 0x%llx avail 0x%llx used 0x%llx",
		  (unsigned int)size, (unsigned long long)cfg->desc,
		  (unsigned long long)cfg->avail,
		  (unsigned long long)cfg->used);
	return -EINVAL;
}

void virtq_reset(struct virtq *q)
{
	memset(q, 0, sizeof(*q));
}

/*
 * Copy descriptor i of a table once.  The compiler barrier keeps the
 * compiler from reloading a field from guest memory later in place of the
 * copy (the guest may be rewriting the table as we read it).
 */
static void virtq_desc_read(const void *table, uint16_t i, struct virtq_desc *d)
{
	memcpy(d, (const uint8_t *)table + 16 * (size_t)i, sizeof(*d));
	__asm__ __volatile__("" ::: "memory");
	d->addr = le64toh(d->addr);
	d->len = le32toh(d->len);
	d->flags = le16toh(d->flags);
	d->next = le16toh(d->next);
}

/*
 * With EVENT_IDX, notifications stay enabled as the device consumes: when
 * avail_event names the entry just popped (virtq_notify_enable(q, true)
 * put it there, or the previous pop), move it to the next one, as the
 * flag-based scheme (a flag that stays clear) would behave.  A disabled
 * avail_event (last_avail - 1) is left alone.  The value is read back from
 * the used ring, which the driver may scribble on: it then only changes
 * how often it notifies itself.
 */
static void virtq_avail_event_follow(struct virtq *q)
{
	uint16_t *p;

	if (!q->cfg.event_idx)
		return;
	p = virtq_avail_event(q);
	if (virtq_load16(p, __ATOMIC_RELAXED) != (uint16_t)(q->last_avail - 1))
		return;
	virtq_store16(p, q->last_avail, __ATOMIC_RELAXED);
	/*
	 * As in virtq_notify_enable: the next pop's look at avail idx comes
	 * after this store, so a device that pops until the ring is empty
	 * misses no buffer the driver added without notifying.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static int virtq_malformed(struct virtq *q, struct virtq_chain *c,
			   const char *why)
{
	q->broken = true;
	c->nout = c->nin = 0;
	c->out_len = c->in_len = 0;
	log_warn("virtq", "malformed ring (%s): the queue is broken", why);
	return -EINVAL;
}

int virtq_pop(struct virtq *q, struct virtq_chain *c)
{
	const void *table;
	uint16_t avail_idx, pending, head, i, table_len, seen = 0;
	bool indirect = false, writable = false;
	struct virtq_desc d;

	c->nout = c->nin = 0;
	c->out_len = c->in_len = 0;
	if (q->broken)
		return -EINVAL;
	if (!q->ready)
		return 0; /* nothing is available on a queue not set up */

	/* The ring entries and descriptors are read after this load. */
	avail_idx = virtq_load16(virtq_avail_idx(q), __ATOMIC_ACQUIRE);
	pending = (uint16_t)(avail_idx - q->last_avail);
	if (pending == 0)
		return 0;
	if (pending > q->cfg.size)
		return virtq_malformed(q, c, "avail idx too far ahead");

	head = virtq_load16(virtq_avail_ent(q, q->last_avail),
			    __ATOMIC_RELAXED);
	if (head >= q->cfg.size)
		return virtq_malformed(q, c, "head out of range");

	table = q->desc;
	table_len = q->cfg.size;
	i = head;
	for (;;) {
		/*
		 * A chain visits each descriptor of its table at most once,
		 * so more than table_len steps means a loop.
		 */
		if (seen++ >= table_len)
			return virtq_malformed(q, c, "chain too long or loop");
		virtq_desc_read(table, i, &d);

		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			uint32_t n = d.len / 16;

			if (!q->cfg.indirect)
				return virtq_malformed(
					q, c, "indirect not negotiated");
			if (indirect)
				return virtq_malformed(q, c, "nested indirect");
			if (seen != 1)
				return virtq_malformed(
					q, c, "indirect not at the head");
			if (d.flags & VIRTQ_DESC_F_NEXT)
				return virtq_malformed(q, c,
						       "indirect with next");
			if (d.len == 0 || d.len % 16 || n > q->cfg.size)
				return virtq_malformed(q, c,
						       "indirect table length");
			table = mem_ptr(q->mem, d.addr, d.len);
			if (!table)
				return virtq_malformed(
					q, c, "indirect table not RAM");
			indirect = true;
			table_len = (uint16_t)n;
			seen = 0;
			i = 0;
			continue;
		}

		if (d.flags & VIRTQ_DESC_F_WRITE) {
			writable = true;
			c->in_len += d.len;
		} else {
			if (writable)
				return virtq_malformed(
					q, c, "readable after writable");
			c->out_len += d.len;
		}
		if (c->out_len > VIRTQ_MAX_CHAIN_BYTES ||
		    c->in_len > VIRTQ_MAX_CHAIN_BYTES)
			return virtq_malformed(q, c, "chain too large");

		if (d.len) {
			unsigned int n = c->nout + c->nin;
			void *p;

			if (n >= c->iov_cap)
				return virtq_malformed(q, c,
						       "too many segments");
			p = mem_ptr(q->mem, d.addr, d.len);
			if (!p)
				return virtq_malformed(q, c, "buffer not RAM");
			c->iov[n].iov_base = p;
			c->iov[n].iov_len = d.len;
			if (d.flags & VIRTQ_DESC_F_WRITE)
				c->nin++;
			else
				c->nout++;
		}

		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			break;
		if (d.next >= table_len)
			return virtq_malformed(q, c, "next out of range");
		i = d.next;
	}

	c->head = head;
	q->last_avail++;
	virtq_avail_event_follow(q);
	return 1;
}

void virtq_push(struct virtq *q, uint16_t head, uint32_t written)
{
	uint8_t *elem;

	if (!q->ready)
		return;
	elem = (uint8_t *)q->used + VIRTQ_RING_ENTS +
	       VIRTQ_USED_ELEM * (size_t)(q->used_idx & (q->cfg.size - 1));
	__atomic_store_n((uint32_t *)elem, htole32(head), __ATOMIC_RELAXED);
	__atomic_store_n((uint32_t *)(elem + 4), htole32(written),
			 __ATOMIC_RELAXED);
	q->used_idx++;
	/* The element is visible before the index that hands it over. */
	virtq_store16(virtq_u16(q->used, VIRTQ_RING_IDX), q->used_idx,
		      __ATOMIC_RELEASE);
}

bool virtq_need_interrupt(struct virtq *q)
{
	uint16_t old = q->signalled;
	bool need;

	if (!q->ready)
		return false;
	q->signalled = q->used_idx;
	/*
	 * The used idx we stored must be visible before we read what the
	 * driver asks for, or we and the driver may each miss the other's
	 * update (2.7.7.2's note on memory barriers).
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (q->cfg.event_idx) {
		uint16_t event =
			virtq_load16(virtq_used_event(q), __ATOMIC_RELAXED);
		need = virtq_need_event(event, q->used_idx, old);
	} else {
		uint16_t flags =
			virtq_load16(virtq_u16(q->avail, VIRTQ_RING_FLAGS),
				     __ATOMIC_RELAXED);
		need = q->used_idx != old &&
		       !(flags & VIRTQ_AVAIL_F_NO_INTERRUPT);
	}
	return need;
}

bool virtq_notify_enable(struct virtq *q, bool enable)
{
	if (!q->ready)
		return false;
	if (q->cfg.event_idx) {
		/*
		 * 2.7.10: the driver notifies when it makes entry avail_event
		 * available.  Enabled: the next entry we have not consumed.
		 * Disabled: the entry just behind it, which the driver cannot
		 * reach again without running more than a whole queue ahead of
		 * us (malformed).
		 */
		uint16_t event = enable ? q->last_avail : q->last_avail - 1;

		virtq_store16(virtq_avail_event(q), event, __ATOMIC_RELAXED);
	} else {
		virtq_store16(virtq_u16(q->used, VIRTQ_RING_FLAGS),
			      enable ? 0 : VIRTQ_USED_F_NO_NOTIFY,
			      __ATOMIC_RELAXED);
	}
	/*
	 * Our store must be visible before we look at avail idx again: a
	 * driver that added buffers before seeing it did not notify us.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return virtq_has_work(q);
}

bool virtq_has_work(const struct virtq *q)
{
	if (!q->ready || q->broken)
		return false;
	return virtq_load16(virtq_avail_idx(q), __ATOMIC_ACQUIRE) !=
	       q->last_avail;
}
