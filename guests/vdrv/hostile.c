/*
 * hostile.c: malformed split rings, end to end (test=hostile dev=NAME).
 *
 * For each case the guest sets the device up afresh (reset, features,
 * MSI-X vector 0 for configuration changes, the queues), checks that a
 * good request completes, then writes one malformed thing and notifies.
 * The device must then do what the case expects:
 *   RESET  set DEVICE_NEEDS_RESET (virtio 1.2, 2.1.2) without completing
 *          the bad chain, and send the configuration change interrupt
 *          (4.1.5.3): MSI-X vector 0, or with msix=0 on the command line
 *          the ISR's configuration bit (4.1.4.5); or
 *   DONE0  complete the chain having written nothing (a request the
 *          device's own section allows, e.g. 5.4.6.2 for a zero-length
 *          buffer), and stay usable without a reset.
 * The guest then notifies the queue FLOOD more times (a device must not
 * log once per notification), resets the device (status 0, read back 0;
 * 4.1.4.3.2), sets it up again and checks that a good request completes.
 * Every wait is bounded by the TSC, so a device that never answers fails
 * the case instead of hanging the guest.
 *
 * Cases (2.7): buffers outside RAM (past its end, in the MMIO hole,
 * straddling its end), NEXT loops and NEXT out of range, a zero-length
 * chain, avail idx far ahead, heads out of range, bad indirect tables
 * (length, place, nesting, NEXT, loops, too long, not negotiated), a
 * device-readable descriptor after a device-writable one (2.7.4.2), a
 * buffer in the wrong direction, and ring areas outside RAM or
 * misaligned (2.7, the alignment table).
 */
#include "bootproto.h"
#include "vdrv.h"
#include "x86.h"

#define QSIZE	   16
#define VEC_CONFIG 0x40 /* IDT vectors of MSI-X table entries 0 and 1 */
#define VEC_QUEUE  0x41
#define FLOOD	   64
#define WAIT_MS	   2000
#define BAD	   4 /* the first descriptor the bad chains use */
#define MAX_QUEUES 3

enum outcome { RESET, DONE0 };

struct hctx;

/* What a device needs for the hostile cases. */
struct hdev {
	const char *name;
	uint16_t type;
	uint16_t nq;		/* queues to set up */
	uint16_t queue;		/* the one attacked */
	uint16_t dir;		/* the right direction of a data buffer */
	enum outcome zero;	/* a chain of one zero-length buffer */
	enum outcome wrong_dir; /* one buffer in the wrong direction */
	/* Put a good request at descriptor 0 and publish it. */
	void (*good)(struct hctx *h);
	/* Check the good request's completion. */
	bool (*good_ok)(struct hctx *h, uint32_t len);
};

struct hctx {
	const struct hdev *hd;
	struct virtio_dev d;
	struct virtq q[MAX_QUEUES];
	struct virtq *aq; /* the attacked queue */
	uint8_t *buf;	  /* 4 KiB for data */
	struct virtq_desc *table, *table2;
	uint64_t outside; /* an address in no RAM */
	uint64_t features;
	uint16_t used_before;
};

static volatile unsigned int config_irqs, queue_irqs;

static void on_config(uint64_t v, uint64_t e, struct rt_frame *f)
{
	(void)v, (void)e, (void)f;
	config_irqs++;
	rt_lapic_eoi();
}

static void on_queue(uint64_t v, uint64_t e, struct rt_frame *f)
{
	(void)v, (void)e, (void)f;
	queue_irqs++;
	rt_lapic_eoi();
}

/* Devices ---------------------------------------------------------------- */

static void rng_good(struct hctx *h)
{
	virtq_desc_set(h->aq, 0, (uintptr_t)h->buf, 64, VIRTQ_DESC_F_WRITE, 0);
	virtq_publish(h->aq, 0);
}

static bool rng_good_ok(struct hctx *h, uint32_t len)
{
	(void)h;
	return len > 0 && len <= 64;
}

/*
 * virtio-net's transmit queue: a header (12 bytes, no offloads) and a
 * minimal Ethernet frame, device-readable, come back with length 0.
 */
static void net_good(struct hctx *h)
{
	vdrv_net_frame(h->buf, 60, 0);
	virtq_desc_set(h->aq, 0, (uintptr_t)h->buf, VDRV_NET_HDR + 60, 0, 0);
	virtq_publish(h->aq, 0);
}

static bool net_good_ok(struct hctx *h, uint32_t len)
{
	(void)h;
	return len == 0;
}

/*
 * virtio-blk: read sector 0 (header, 512 bytes, status); the used length
 * is the data and the status byte.
 */
#define BLK_DATA   512
#define BLK_STATUS 16

static void blk_good(struct hctx *h)
{
	struct vdrv_blk_hdr *hdr = (void *)h->buf;

	*hdr = (struct vdrv_blk_hdr){ .type = VDRV_BLK_T_IN, .sector = 0 };
	h->buf[BLK_STATUS] = 0xff;
	virtq_desc_set(h->aq, 0, (uintptr_t)hdr, sizeof(*hdr),
		       VIRTQ_DESC_F_NEXT, 1);
	virtq_desc_set(h->aq, 1, (uintptr_t)h->buf + BLK_DATA, VDRV_SECTOR,
		       VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
	virtq_desc_set(h->aq, 2, (uintptr_t)h->buf + BLK_STATUS, 1,
		       VIRTQ_DESC_F_WRITE, 0);
	virtq_publish(h->aq, 0);
}

static bool blk_good_ok(struct hctx *h, uint32_t len)
{
	return len == VDRV_SECTOR + 1 && h->buf[BLK_STATUS] == VDRV_BLK_S_OK;
}

static const struct hdev devices[] = {
	{
		.name = "rng",
		.type = VIRTIO_ID_RNG,
		.nq = 1,
		.queue = 0,
		.dir = VIRTQ_DESC_F_WRITE,
		/* 5.4.6.2: bytes into the buffer "unless it has zero length" */
		.zero = DONE0,
		/* rng.c: a request with a device-readable part gets nothing */
		.wrong_dir = DONE0,
		.good = rng_good,
		.good_ok = rng_good_ok,
	},
	{
		.name = "blk",
		.type = VIRTIO_ID_BLOCK,
		.nq = 1,
		.queue = 0,
		.dir = VIRTQ_DESC_F_WRITE,
		/* blk.h: no writable byte for the status: NEEDS_RESET */
		.zero = RESET,
		.wrong_dir = RESET,
		.good = blk_good,
		.good_ok = blk_good_ok,
	},
	{
		.name = "net",
		.type = VIRTIO_ID_NET,
		.nq = 2, /* receiveq1, transmitq1 */
		.queue = 1,
		.dir = 0,
		/* net.h: a frame shorter than a header is dropped, returned */
		.zero = DONE0,
		/* net.h: so is a chain with a device-writable buffer */
		.wrong_dir = DONE0,
		.good = net_good,
		.good_ok = net_good_ok,
	},
};

/* The cases ------------------------------------------------------------- */

struct hcase {
	const char *name;
	void (*inject)(struct hctx *h);
	bool bad_ring;	      /* inject sets the queue up itself */
	bool no_indirect;     /* do not negotiate VIRTIO_F_INDIRECT_DESC */
	bool needs_indirect;  /* skip when the device lacks it */
	bool zero, wrong_dir; /* the outcome is the device's (hdev) */
};

static void one(struct hctx *h, uint64_t addr, uint32_t len, uint16_t flags,
		uint16_t next)
{
	virtq_desc_set(h->aq, BAD, addr, len, flags, next);
	virtq_publish(h->aq, BAD);
}

static void addr_past_ram(struct hctx *h)
{
	one(h, h->outside, 64, h->hd->dir, 0);
}

static void addr_mmio_hole(struct hctx *h)
{
	one(h, 0xfec00000, 64, h->hd->dir, 0); /* the IOAPIC */
}

static void addr_straddles_ram_end(struct hctx *h)
{
	one(h, vdrv.ram_end - 32, 64, h->hd->dir, 0);
}

static void addr_wraps(struct hctx *h)
{
	one(h, 0xfffffffffffff000ULL, 0x2000, h->hd->dir, 0);
}

static void next_loop(struct hctx *h)
{
	uint16_t f = h->hd->dir | VIRTQ_DESC_F_NEXT;

	virtq_desc_set(h->aq, BAD + 1, (uintptr_t)h->buf + 64, 16, f, BAD);
	one(h, (uintptr_t)h->buf, 16, f, BAD + 1);
}

static void next_self(struct hctx *h)
{
	one(h, (uintptr_t)h->buf, 16, h->hd->dir | VIRTQ_DESC_F_NEXT, BAD);
}

static void next_out_of_range(struct hctx *h)
{
	one(h, (uintptr_t)h->buf, 16, h->hd->dir | VIRTQ_DESC_F_NEXT,
	    h->aq->size + 3);
}

static void zero_length_chain(struct hctx *h)
{
	one(h, (uintptr_t)h->buf, 0, h->hd->dir, 0);
}

static void avail_idx_ahead(struct hctx *h)
{
	/* No new entries, but an index a whole queue and more ahead. */
	h->aq->avail_idx = (uint16_t)(h->aq->avail_idx + h->aq->size + 1);
	h->aq->avail[1] = h->aq->avail_idx;
}

static void head_out_of_range(struct hctx *h)
{
	virtq_publish(h->aq, (uint16_t)(h->aq->size + 5));
}

static void head_ffff(struct hctx *h)
{
	virtq_publish(h->aq, 0xffff);
}

static void indirect(struct hctx *h, uint64_t table, uint32_t len,
		     uint16_t extra)
{
	one(h, table, len, VIRTQ_DESC_F_INDIRECT | extra, BAD + 1);
}

/* A good indirect table of n buffers, chained. */
static void table_fill(struct hctx *h, struct virtq_desc *t, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		t[i] = (struct virtq_desc){
			(uintptr_t)h->buf + 16 * i, 16,
			(uint16_t)(h->hd->dir |
				   (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0)),
			(uint16_t)(i + 1)
		};
}

static void indirect_len_odd(struct hctx *h)
{
	table_fill(h, h->table, 2);
	indirect(h, (uintptr_t)h->table, 20, 0);
}

static void indirect_len_zero(struct hctx *h)
{
	table_fill(h, h->table, 2);
	indirect(h, (uintptr_t)h->table, 0, 0);
}

static void indirect_outside_ram(struct hctx *h)
{
	indirect(h, h->outside, 32, 0);
}

static void indirect_nested(struct hctx *h)
{
	table_fill(h, h->table2, 1);
	h->table[0] = (struct virtq_desc){ (uintptr_t)h->table2, 16,
					   VIRTQ_DESC_F_INDIRECT, 0 };
	indirect(h, (uintptr_t)h->table, 16, 0);
}

static void indirect_with_next(struct hctx *h)
{
	table_fill(h, h->table, 1);
	virtq_desc_set(h->aq, BAD + 1, (uintptr_t)h->buf + 64, 16, h->hd->dir,
		       0);
	indirect(h, (uintptr_t)h->table, 16, VIRTQ_DESC_F_NEXT);
}

static void indirect_loop(struct hctx *h)
{
	table_fill(h, h->table, 2);
	h->table[1].flags |= VIRTQ_DESC_F_NEXT;
	h->table[1].next = 0;
	indirect(h, (uintptr_t)h->table, 32, 0);
}

static void indirect_next_out_of_range(struct hctx *h)
{
	table_fill(h, h->table, 2);
	h->table[1].flags |= VIRTQ_DESC_F_NEXT;
	h->table[1].next = 2; /* the table has 2 entries */
	indirect(h, (uintptr_t)h->table, 32, 0);
}

static void indirect_too_long(struct hctx *h)
{
	table_fill(h, h->table, h->aq->size + 1);
	indirect(h, (uintptr_t)h->table, 16u * (h->aq->size + 1u), 0);
}

static void indirect_not_negotiated(struct hctx *h)
{
	table_fill(h, h->table, 2);
	indirect(h, (uintptr_t)h->table, 32, 0);
}

/* A device-writable buffer, then a device-readable one (2.7.4.2). */
static void readable_after_writable(struct hctx *h)
{
	virtq_desc_set(h->aq, BAD + 1, (uintptr_t)h->buf + 64, 32, 0, 0);
	one(h, (uintptr_t)h->buf, 32, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT,
	    BAD + 1);
}

static void wrong_direction(struct hctx *h)
{
	one(h, (uintptr_t)h->buf, 64, h->hd->dir ^ VIRTQ_DESC_F_WRITE, 0);
}

/* Ring areas: set the attacked queue up at bad addresses. */
static void ring_at(struct hctx *h, uint64_t desc, uint64_t avail,
		    uint64_t used)
{
	virtq_setup_at(&h->d, h->aq, h->hd->queue, QSIZE, VIRTIO_NO_VECTOR,
		       desc, avail, used);
}

static void ring_desc_outside_ram(struct hctx *h)
{
	ring_at(h, h->outside, 0, 0);
}

static void ring_used_straddles_ram_end(struct hctx *h)
{
	ring_at(h, 0, 0, vdrv.ram_end - 16);
}

static void ring_desc_misaligned(struct hctx *h)
{
	ring_at(h, (uintptr_t)h->buf + 8, 0, 0); /* 2.7: 16-byte aligned */
}

#define CASE(fn, ...)                                                          \
	{                                                                      \
		.name = #fn, .inject = fn, __VA_ARGS__                         \
	}
static const struct hcase cases[] = {
	CASE(addr_past_ram),
	CASE(addr_mmio_hole),
	CASE(addr_straddles_ram_end),
	CASE(addr_wraps),
	CASE(next_loop),
	CASE(next_self),
	CASE(next_out_of_range),
	CASE(zero_length_chain, .zero = true),
	CASE(avail_idx_ahead),
	CASE(head_out_of_range),
	CASE(head_ffff),
	CASE(indirect_len_odd, .needs_indirect = true),
	CASE(indirect_len_zero, .needs_indirect = true),
	CASE(indirect_outside_ram, .needs_indirect = true),
	CASE(indirect_nested, .needs_indirect = true),
	CASE(indirect_with_next, .needs_indirect = true),
	CASE(indirect_loop, .needs_indirect = true),
	CASE(indirect_next_out_of_range, .needs_indirect = true),
	CASE(indirect_too_long, .needs_indirect = true),
	CASE(indirect_not_negotiated, .no_indirect = true),
	CASE(readable_after_writable),
	CASE(wrong_direction, .wrong_dir = true),
	CASE(ring_desc_outside_ram, .bad_ring = true),
	CASE(ring_used_straddles_ram_end, .bad_ring = true),
	CASE(ring_desc_misaligned, .bad_ring = true),
};

/* Running a case --------------------------------------------------------- */

/* Reset and set the device up; the attacked queue too unless skip_aq. */
static bool setup(struct hctx *h, bool indirect_ok, bool skip_aq)
{
	uint64_t want = VIRTIO_BIT(VIRTIO_F_VERSION_1);

	if (indirect_ok)
		want |= VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC);
	if (virtio_negotiate(&h->d, want, &h->features))
		return false;
	if (h->d.msix_on) {
		virtio_msix_set(&h->d, 0, VEC_CONFIG);
		virtio_msix_set(&h->d, 1, VEC_QUEUE);
		virtio_config_vector(&h->d, 0);
	}
	for (uint16_t i = 0; i < h->hd->nq; i++) {
		if (skip_aq && i == h->hd->queue)
			continue;
		if (virtq_setup(&h->d, &h->q[i], i, QSIZE, VIRTIO_NO_VECTOR))
			return false;
	}
	return true;
}

static void driver_ok(struct hctx *h)
{
	virtio_set_status(&h->d, virtio_status(&h->d) | VIRTIO_DRIVER_OK);
}

/* A good request on the attacked queue completes as the device says. */
static bool good_request(struct hctx *h, const char *when)
{
	uint32_t id = 0, len = 0;

	h->hd->good(h);
	virtq_kick(h->aq);
	if (!vdrv_wait_used(h->aq, WAIT_MS)) {
		bp_check(false,
			 "%s: %s: a good request got no answer "
			 "(status %#x)",
			 h->hd->name, when, virtio_status(&h->d));
		return false;
	}
	virtq_get(h->aq, &id, &len);
	bp_check(id == 0 && h->hd->good_ok(h, len),
		 "%s: %s: good request: id %u len %u", h->hd->name, when, id,
		 len);
	return true;
}

/* Wait, interrupts on, for NEEDS_RESET or a used element. */
static void wait_outcome(struct hctx *h)
{
	uint64_t end = vdrv_deadline(WAIT_MS);

	while (!(virtio_status(&h->d) & VIRTIO_NEEDS_RESET) &&
	       virtq_used_idx(h->aq) == h->used_before && !vdrv_expired(end))
		__asm__ volatile("sti; pause; cli" ::: "memory");
}

/* The configuration interrupt, interrupts on, up to WAIT_MS. */
static bool wait_config_irq(unsigned int before)
{
	uint64_t end = vdrv_deadline(WAIT_MS);

	while (config_irqs == before && !vdrv_expired(end))
		__asm__ volatile("sti; pause; cli" ::: "memory");
	return config_irqs != before;
}

static void run_case(struct hctx *h, const struct hcase *c)
{
	const char *dn = h->hd->name;
	enum outcome want = c->zero	   ? h->hd->zero
			    : c->wrong_dir ? h->hd->wrong_dir
					   : RESET;
	unsigned int irq0 = config_irqs, fails = bp_failures;
	uint8_t st;
	bool reset_seen, used_moved;

	if (c->needs_indirect &&
	    !(h->d.features & VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC))) {
		rt_printf("hostile: %s: %s: skipped (no INDIRECT_DESC)\n", dn,
			  c->name);
		return;
	}
	if (!setup(h, !c->no_indirect, c->bad_ring)) {
		bp_check(false, "%s: %s: set-up failed (status %#x)", dn,
			 c->name, virtio_status(&h->d));
		return;
	}
	if (c->bad_ring) {
		c->inject(h);
		h->used_before = 0;
		driver_ok(h);
	} else {
		driver_ok(h);
		if (!good_request(h, c->name))
			return;
		h->used_before = virtq_used_idx(h->aq);
		c->inject(h);
		virtq_kick(h->aq);
	}
	wait_outcome(h);
	st = virtio_status(&h->d);
	reset_seen = st & VIRTIO_NEEDS_RESET;
	used_moved = !c->bad_ring && virtq_used_idx(h->aq) != h->used_before;
	if (want == RESET) {
		bp_check(reset_seen,
			 "%s: %s: no DEVICE_NEEDS_RESET (status "
			 "%#x)",
			 dn, c->name, st);
		bp_check(!used_moved, "%s: %s: the bad chain was completed", dn,
			 c->name);
		if (h->d.msix_on)
			bp_check(wait_config_irq(irq0),
				 "%s: %s: no configuration interrupt", dn,
				 c->name);
		else
			bp_check(virtio_isr(&h->d) & VIRTIO_ISR_CONFIG,
				 "%s: %s: ISR without the configuration bit",
				 dn, c->name);
	} else {
		uint32_t id = 0, len = 0;

		bp_check(!reset_seen, "%s: %s: DEVICE_NEEDS_RESET (status %#x)",
			 dn, c->name, st);
		bp_check(used_moved && virtq_get(h->aq, &id, &len) &&
				 id == BAD && len == 0,
			 "%s: %s: expected completion with 0 bytes, got "
			 "moved=%d id %u len %u",
			 dn, c->name, used_moved, id, len);
		if (!reset_seen && used_moved)
			good_request(h, "after the case");
	}
	/* More notifications of a broken queue: no work, no log flood. */
	for (unsigned int i = 0; i < FLOOD && !c->bad_ring; i++)
		virtq_kick(h->aq);
	bp_check(virtio_reset(&h->d) == 0, "%s: %s: reset did not complete", dn,
		 c->name);
	if (setup(h, true, false)) {
		driver_ok(h);
		good_request(h, "after reset");
		bp_check(!(virtio_status(&h->d) & VIRTIO_NEEDS_RESET),
			 "%s: %s: NEEDS_RESET after reset and reuse", dn,
			 c->name);
	} else {
		bp_check(false, "%s: %s: set-up after reset failed", dn,
			 c->name);
	}
	virtio_reset(&h->d);
	rt_printf("hostile: %s: %s: %s%s, %s\n", dn, c->name,
		  reset_seen ? "needs_reset" : "completed",
		  want != RESET		? ""
		  : !h->d.msix_on	? " + isr config bit"
		  : config_irqs != irq0 ? " + config irq"
					: " no irq",
		  bp_failures == fails ? "ok" : "FAILED");
}

void vdrv_hostile(void)
{
	static struct hctx h;
	const char *dev = rt_arg(vdrv.args, "dev");
	const char *only = rt_arg(vdrv.args, "cases");
	unsigned int n = 0;

	for (unsigned int i = 0; i < sizeof(devices) / sizeof(devices[0]); i++)
		if (!h.hd && (!dev || vdrv_in_list(dev, devices[i].name)))
			h.hd = &devices[i];
	if (!h.hd) {
		bp_check(false, "hostile: no such device: dev=%s", dev);
		return;
	}
	if (virtio_find(h.hd->type, 0, &h.d)) {
		bp_check(false, "hostile: no virtio-%s device", h.hd->name);
		return;
	}
	if (h.d.msix_n >= 2 && rt_strtoul(rt_arg(vdrv.args, "msix"), 1))
		virtio_msix_enable(&h.d);
	h.aq = &h.q[h.hd->queue];
	h.buf = virtio_alloc(4096, 4096);
	h.table = virtio_alloc(16 * (QSIZE + 1), 16);
	h.table2 = virtio_alloc(64, 16);
	/* Past the end of RAM by 256 MiB, 2 MiB-aligned: no RAM there. */
	h.outside = (vdrv.ram_end + (258u << 20)) & ~((2ULL << 20) - 1);
	rt_set_handler(VEC_CONFIG, on_config);
	rt_set_handler(VEC_QUEUE, on_queue);
	rt_printf("hostile: virtio-%s at %02x.%x, features %#lx, MSI-X %s "
		  "(%u vectors), queue %u attacked\n",
		  h.hd->name, h.d.pci.dev, h.d.pci.fn, h.d.features,
		  h.d.msix_on ? "on" : "off", h.d.msix_n, h.hd->queue);
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (only && !vdrv_in_list(only, cases[i].name))
			continue;
		run_case(&h, &cases[i]);
		n++;
	}
	rt_printf("hostile: %s: %u cases, %u configuration interrupts\n",
		  h.hd->name, n, config_irqs);
	bp_check(n > 0, "hostile: no case ran");
}
