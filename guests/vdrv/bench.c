/*
 * bench.c: the driver guest's benchmarks (test=bench what=LIST ms=N).
 *
 * LIST names benchmarks with their queue depth, comma-separated:
 *   blk-randread:D   4 KiB reads at random 4 KiB-aligned offsets of the
 *                    whole disk, D in flight
 *   blk-seqwrite:D   1 MiB writes one after the other from sector 0,
 *                    wrapping at the end of the disk, D in flight, then
 *                    one flush (timed on its own)
 *   net-tx:D         60-byte Ethernet frames (vdrv_net_frame) to the
 *                    network backend, D in flight
 *   exit-notify      notifications of a queue with nothing in it: one
 *                    MMIO write each, which KVM turns into an eventfd
 *                    signal (an ioeventfd) when the VMM asked for one
 *   exit-mmio        reads of device_status: one MMIO read each, which
 *                    the VMM's userspace answers
 * (the exit-* ones use the first virtio-blk, virtio-net or virtio-rng).
 * Each runs for ms milliseconds (default 2000) after a short warm-up (at
 * CPL 3; cpl=0 runs the loops at CPL 0, to show what emulating them costs
 * on a host that emulates guest kernel code), and
 * prints one line the host parses:
 *   bench: NAME depth=D ops=N bytes=B us=T kicks=K errors=E rate=R UNIT
 * R is in operations (IOPS, frames) or bytes (MB/s) per second.
 *
 * The loops run at CPL 3 (ring3.h): on a host that emulates guest kernel
 * code they run natively, so the figures are those of the device and the
 * VMM (a notification's exit, the device thread, the backend), not of
 * the emulator.  They poll the used ring, ask for no interrupts, and
 * notify only when the device has not turned notifications off
 * (virtq_kick_needed).  Timing is the TSC, calibrated at start
 * (rt/tsc.h).
 */
#include "bootproto.h"
#include "ring3.h"
#include "vdrv.h"
#include "x86.h"

#define WARMUP_MS    200
#define DRAIN_MS     10000
#define MAX_DEPTH    256
#define RANDREAD_LEN 4096u
#define SEQWRITE_LEN (1u << 20)
#define NET_FRAME    60u
#define NET_SLOT     128u

struct run {
	/* in */
	struct vdrv_blk *b; /* blk, or */
	struct virtq *q;    /* net's transmit queue */
	uint32_t type, len;
	uint16_t depth;
	bool random;
	uint8_t *bufs; /* depth * len (blk), or depth * NET_SLOT (net) */
	uint64_t ms;
	/* out */
	uint64_t ops, errors, kicks, ticks;
	bool ok;
};

/* xorshift64 (Marsaglia 2003): a different offset every time, cheaply. */
static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* CPL 3: keep depth requests in flight for r->ms. */
static uint64_t blk_loop(void *arg)
{
	struct run *r = arg;
	struct vdrv_blk *b = r->b;
	uint16_t free[MAX_DEPTH], nfree = r->depth;
	uint64_t per = r->len / VDRV_SECTOR, units = b->capacity / per;
	uint64_t seed = 0x9e3779b97f4a7c15ULL, at = 0;
	uint64_t t0 = rt_rdtsc(), now, end = t0 + r->ms * vdrv.khz;
	uint64_t give_up = end + DRAIN_MS * vdrv.khz;
	uint32_t id, len;

	for (uint16_t i = 0; i < nfree; i++)
		free[i] = i;
	r->ok = true;
	for (;;) {
		bool added = false;

		now = rt_rdtsc();
		while (nfree && now < end) {
			uint16_t s = free[--nfree];
			uint64_t u = r->random ? next_rand(&seed) % units : at;

			vdrv_blk_submit(b, s, r->type, u * per,
					r->bufs + (uint64_t)s * r->len, r->len);
			at = at + 1 < units ? at + 1 : 0;
			added = true;
		}
		if (added)
			r->kicks += virtq_kick_needed(&b->q);
		while (virtq_get(&b->q, &id, &len)) {
			uint16_t s = (uint16_t)(id / b->stride);

			r->errors += b->status[s] != VDRV_BLK_S_OK;
			r->ops++;
			free[nfree++] = s;
		}
		if (now >= end && nfree == r->depth)
			break;
		if (now > give_up || nfree > r->depth) {
			r->ok = false;
			break;
		}
	}
	r->ticks = rt_rdtsc() - t0;
	return 0;
}

/* CPL 3: keep depth frames in flight for r->ms. */
static uint64_t net_loop(void *arg)
{
	struct run *r = arg;
	struct virtq *q = r->q;
	uint16_t free[MAX_DEPTH], nfree = r->depth;
	uint64_t t0 = rt_rdtsc(), now, end = t0 + r->ms * vdrv.khz;
	uint64_t give_up = end + DRAIN_MS * vdrv.khz;
	uint32_t id, len;

	for (uint16_t i = 0; i < nfree; i++)
		free[i] = i;
	r->ok = true;
	for (;;) {
		bool added = false;

		now = rt_rdtsc();
		while (nfree && now < end) {
			virtq_publish(q, free[--nfree]);
			added = true;
		}
		if (added)
			r->kicks += virtq_kick_needed(q);
		while (virtq_get(q, &id, &len)) {
			r->ops++;
			free[nfree++] = (uint16_t)id;
		}
		if (now >= end && nfree == r->depth)
			break;
		if (now > give_up || nfree > r->depth) {
			r->ok = false;
			break;
		}
	}
	r->ticks = rt_rdtsc() - t0;
	return 0;
}

/* CPL 3: r->ops notifications (r->type 0) or status reads (1). */
static uint64_t exit_loop(void *arg)
{
	struct run *r = arg;
	volatile uint8_t *status = (volatile uint8_t *)(uintptr_t)r->bufs;
	uint64_t t0 = rt_rdtsc(), end = t0 + r->ms * vdrv.khz;

	r->ok = true;
	while (rt_rdtsc() < end) {
		for (unsigned int i = 0; i < 64; i++) {
			if (r->type)
				(void)*status;
			else
				virtq_kick(r->q);
		}
		r->ops += 64;
	}
	r->ticks = rt_rdtsc() - t0;
	return 0;
}

/* The loop at CPL 3, or at CPL 0 with cpl=0 (to see what emulation costs). */
static void call(uint64_t (*fn)(void *), struct run *r)
{
	if (rt_strtoul(rt_arg(vdrv.args, "cpl"), 3) == 0)
		fn(r);
	else
		ring3_call(fn, r);
}

static void report(const char *name, const struct run *r, bool bytes)
{
	uint64_t us = vdrv_us(r->ticks);
	uint64_t total = r->ops * r->len;
	/* per second; MB/s is bytes per microsecond */
	uint64_t rate = !us ? 0 : bytes ? total / us : r->ops * 1000000 / us;

	bp_check(r->ok, "bench: %s: requests stopped coming back", name);
	bp_check(r->errors == 0, "bench: %s: %lu requests failed", name,
		 r->errors);
	rt_printf("bench: %s depth=%u ops=%lu bytes=%lu us=%lu kicks=%lu "
		  "errors=%lu rate=%lu %s\n",
		  name, r->depth, r->ops, total, us, r->kicks, r->errors, rate,
		  bytes		   ? "MB/s"
		  : r->b	   ? "IOPS"
		  : r->q && r->len ? "frames/s"
				   : "exits/s");
}

static void run_blk(struct vdrv_blk *b, const char *name, uint16_t depth,
		    uint64_t ms)
{
	bool rand = !rt_strcmp(name, "blk-randread");
	struct run r = {
		.b = b,
		.type = rand ? VDRV_BLK_T_IN : VDRV_BLK_T_OUT,
		.len = rand ? RANDREAD_LEN : SEQWRITE_LEN,
		.random = rand,
		.depth = depth,
	};
	uint64_t flush_us, t;

	if (depth > b->nslots) {
		bp_check(false, "bench: %s: depth %u, the queue holds %u", name,
			 depth, b->nslots);
		return;
	}
	if (r.len > b->max_len) {
		bp_check(false, "bench: %s: %u-byte requests, at most %u", name,
			 r.len, b->max_len);
		return;
	}
	r.bufs = virtio_alloc_buf((uint64_t)depth * r.len, 4096);
	if (!r.bufs) {
		bp_check(false, "bench: %s: no memory for buffers", name);
		return;
	}
	r.ms = WARMUP_MS;
	call(blk_loop, &r);
	r.ms = ms;
	r.ops = r.errors = r.kicks = 0;
	call(blk_loop, &r);
	report(name, &r, !rand);
	if (rand || !(b->features & VIRTIO_BIT(9))) /* VIRTIO_BLK_F_FLUSH */
		return;
	t = rt_rdtsc();
	bp_check(vdrv_blk_sync(b, VDRV_BLK_T_FLUSH, 0, 0, 0, DRAIN_MS) ==
			 VDRV_BLK_S_OK,
		 "bench: %s: the flush failed", name);
	flush_us = vdrv_us(rt_rdtsc() - t);
	rt_printf("bench: %s flush us=%lu\n", name, flush_us);
}

static void run_net(const char *name, uint16_t depth, uint64_t ms)
{
	static struct virtio_dev d;
	static struct virtq rx, tx;
	struct run r = { .q = &tx, .len = NET_FRAME, .depth = depth };
	uint64_t f;

	if (virtio_find(VIRTIO_ID_NET, 0, &d) ||
	    virtio_negotiate(&d, VIRTIO_BIT(VIRTIO_F_VERSION_1), &f) ||
	    virtq_setup(&d, &rx, 0, MAX_DEPTH, VIRTIO_NO_VECTOR) ||
	    virtq_setup(&d, &tx, 1, MAX_DEPTH, VIRTIO_NO_VECTOR)) {
		bp_check(false, "bench: %s: no usable virtio-net", name);
		return;
	}
	if (depth > tx.size) {
		bp_check(false, "bench: %s: depth %u, the queue holds %u", name,
			 depth, tx.size);
		return;
	}
	r.bufs = virtio_alloc((uint64_t)depth * NET_SLOT, 4096);
	if (!r.bufs) {
		bp_check(false, "bench: %s: no memory for frames", name);
		return;
	}
	for (uint16_t i = 0; i < depth; i++) {
		vdrv_net_frame(r.bufs + i * NET_SLOT, NET_FRAME, i);
		virtq_desc_set(&tx, i, (uintptr_t)(r.bufs + i * NET_SLOT),
			       VDRV_NET_HDR + NET_FRAME, 0, 0);
	}
	virtio_set_status(&d, virtio_status(&d) | VIRTIO_DRIVER_OK);
	r.ms = WARMUP_MS;
	call(net_loop, &r);
	rt_printf("bench: %s warm-up frames=%lu\n", name, r.ops);
	r.ms = ms;
	r.ops = r.errors = r.kicks = 0;
	call(net_loop, &r);
	report(name, &r, false);
	virtio_reset(&d);
}

static void run_exits(const char *name, uint64_t ms)
{
	static const uint16_t types[] = { VIRTIO_ID_BLOCK, VIRTIO_ID_NET,
					  VIRTIO_ID_RNG };
	static struct virtio_dev d;
	static struct virtq q;
	struct run r = { .q = &q, .type = !rt_strcmp(name, "exit-mmio") };
	unsigned int i;

	for (i = 0; i < 3; i++)
		if (pci_find(VIRTIO_PCI_VENDOR, VIRTIO_PCI_MODERN + types[i],
			     VIRTIO_PCI_MODERN + types[i], 0, &d.pci))
			break;
	if (i == 3 || virtio_find(types[i], 0, &d) ||
	    virtio_negotiate(&d, VIRTIO_BIT(VIRTIO_F_VERSION_1), 0) ||
	    virtq_setup(&d, &q, 0, 16, VIRTIO_NO_VECTOR)) {
		bp_check(false, "bench: %s: no usable virtio device", name);
		return;
	}
	virtio_set_status(&d, virtio_status(&d) | VIRTIO_DRIVER_OK);
	r.bufs = (uint8_t *)(uintptr_t)(d.common + 0x14); /* device_status */
	r.ms = WARMUP_MS;
	call(exit_loop, &r);
	r.ms = ms;
	r.ops = 0;
	call(exit_loop, &r);
	report(name, &r, false);
	rt_printf("bench: %s ns=%lu per exit (device type %u)\n", name,
		  r.ops ? vdrv_us(r.ticks) * 1000 / r.ops : 0, types[i]);
	virtio_reset(&d);
}

void vdrv_bench(void)
{
	static struct vdrv_blk b;
	const char *what = rt_arg(vdrv.args, "what");
	uint64_t ms = rt_strtoul(rt_arg(vdrv.args, "ms"), 2000);
	bool blk_open = false;
	unsigned int n = 0;

	while (what && *what && *what != ' ') {
		char name[32];
		unsigned int i = 0;
		uint16_t depth = 1;

		while (*what && *what != ':' && *what != ',' && *what != ' ' &&
		       i + 1 < sizeof(name))
			name[i++] = *what++;
		name[i] = 0;
		if (*what == ':') {
			depth = (uint16_t)rt_strtoul(++what, 1);
			while (*what >= '0' && *what <= '9')
				what++;
		}
		if (*what == ',')
			what++;
		if (depth == 0 || depth > MAX_DEPTH) {
			bp_check(false, "bench: %s: depth 1 to %u", name,
				 MAX_DEPTH);
			continue;
		}
		n++;
		if (!rt_strcmp(name, "blk-randread") ||
		    !rt_strcmp(name, "blk-seqwrite")) {
			if (!blk_open &&
			    vdrv_blk_open(&b, MAX_DEPTH, SEQWRITE_LEN)) {
				bp_check(false, "bench: no usable virtio-blk");
				continue;
			}
			if (!blk_open)
				rt_printf("bench: virtio-blk %lu sectors, "
					  "queue %u, %u slots\n",
					  b.capacity, b.q.size, b.nslots);
			blk_open = true;
			run_blk(&b, name, depth, ms);
		} else if (!rt_strcmp(name, "net-tx")) {
			run_net(name, depth, ms);
		} else if (!rt_strcmp(name, "exit-notify") ||
			   !rt_strcmp(name, "exit-mmio")) {
			run_exits(name, ms);
		} else {
			bp_check(false, "bench: unknown benchmark %s", name);
		}
	}
	bp_check(n > 0, "bench: nothing to run (what=)");
}
