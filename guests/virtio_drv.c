/*
 * virtio_drv: hyve's own virtio driver guest, for tests and benchmarks
 * where Linux is too slow to boot here or too well-behaved to be hostile.
 * A PVH kernel (rt/pvhnote.S, rt/entry32.S), so hyve and QEMU (-kernel)
 * both boot it.  The driver is guests/rt/virtio.[ch] over rt/pci.[ch];
 * timing is the TSC (rt/tsc.h); benchmark loops run at CPL 3 (rt/ring3.h),
 * where this host runs guest code natively.
 *
 * What it does is chosen on the command line (test=...):
 *   test=rng      read entropy from virtio-rng at CPL 0 and at CPL 3, in
 *                 plain, chained and indirect requests; check the bytes
 *   test=hostile  dev=rng|blk|net: feed the device malformed rings, one
 *                 case at a time (vdrv/hostile.c), and check that it
 *                 sets DEVICE_NEEDS_RESET and sends a configuration
 *                 interrupt (MSI-X), or completes the request as its own
 *                 rules say; then reset it and use it again
 *   test=blk      write a pattern to sectors (sector=, count=), read it
 *                 back and compare; the host checks the image after exit
 *   test=bench    the benchmarks named by what= (blk-randread,
 *                 blk-seqwrite, net-tx, exit-notify, exit-mmio;
 *                 vdrv/bench.c), figures on the console
 * Other words: cases=NAME,NAME (hostile: only these), msix=0 (hostile:
 * MSI-X off), tsc_khz=N (the TSC's frequency, rather than measuring it),
 * pci_window=ADDR (place unplaced BARs there: firmware such as qboot
 * leaves them at 0).
 *
 * Ends with "virtio_drv: all checks passed" and exit code 0x31 (hyve exits
 * 99 with --debug-exit), or "virtio_drv: N checks failed" and 0x7e (253).
 */
#include "bootproto.h"
#include "pci.h"
#include "ring3.h"
#include "tsc.h"
#include "vdrv/vdrv.h"
#include "virtio.h"
#include "x86.h"

#define PVH_MAGIC     0x336ec578u
#define E820_RAM_TYPE 1

struct hvm_start_info {
	uint32_t magic, version, flags, nr_modules;
	uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr;
	uint64_t memmap_paddr;
	uint32_t memmap_entries, reserved;
} __attribute__((packed));

struct hvm_memmap_table_entry {
	uint64_t addr, size;
	uint32_t type, reserved;
};

struct vdrv vdrv;

uint64_t vdrv_deadline(uint64_t ms)
{
	return rt_rdtsc() + ms * vdrv.khz;
}

bool vdrv_expired(uint64_t deadline)
{
	return rt_rdtsc() > deadline;
}

uint64_t vdrv_us(uint64_t ticks)
{
	return ticks * 1000 / vdrv.khz;
}

bool vdrv_wait_used(struct virtq *q, uint64_t ms)
{
	uint64_t end = vdrv_deadline(ms);

	while (virtq_used_idx(q) == q->last_used)
		if (vdrv_expired(end))
			return false;
	return true;
}

bool vdrv_in_list(const char *s, const char *item)
{
	while (s && *s && *s != ' ') {
		const char *i = item;

		while (*i && *s == *i)
			s++, i++;
		if (!*i && (!*s || *s == ' ' || *s == ','))
			return true;
		while (*s && *s != ' ' && *s != ',')
			s++;
		if (*s == ',')
			s++;
	}
	return false;
}

bool vdrv_arg_is(const char *key, const char *value)
{
	const char *v = rt_arg(vdrv.args, key);

	while (v && *value && *v == *value)
		v++, value++;
	return v && !*value && (!*v || *v == ' ');
}

/*
 * RAM from the PVH memory map: the heap is the rest of the RAM range the
 * image ends in, from the next 2 MiB; ram_end is where all RAM ends.
 */
static bool find_ram(const struct hvm_start_info *si)
{
	const struct hvm_memmap_table_entry *e =
		(const void *)(uintptr_t)si->memmap_paddr;
	uint64_t img_end = (uintptr_t)_end;

	for (unsigned int i = 0; e && i < si->memmap_entries; i++) {
		uint64_t end = e[i].addr + e[i].size;

		if (e[i].type != E820_RAM_TYPE)
			continue;
		if (end > vdrv.ram_end)
			vdrv.ram_end = end;
		if (img_end > e[i].addr && img_end <= end) {
			vdrv.heap = (img_end + (2u << 20) - 1) &
				    ~((2ULL << 20) - 1);
			vdrv.heap_end = end;
		}
	}
	if (vdrv.heap >= vdrv.heap_end)
		return false;
	virtio_heap(vdrv.heap, vdrv.heap_end);
	return true;
}

/* rng ------------------------------------------------------------------ */

/* Bytes that are all zero are not random (2^-256 says so). */
static bool all_zero(const uint8_t *p, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

struct rng_run {
	struct virtq *q;
	uint8_t *buf;
	unsigned int requests, bytes;
	uint64_t ticks;
	bool ok;
};

/* n single-descriptor requests of 64 bytes, one at a time (any CPL). */
static uint64_t rng_loop(void *arg)
{
	struct rng_run *r = arg;
	uint64_t t0 = rt_rdtsc(), end = vdrv_deadline(5000);
	uint32_t id = 0, len = 0;

	r->ok = true;
	for (unsigned int i = 0; i < r->requests; i++) {
		virtq_desc_set(r->q, 0, (uintptr_t)r->buf, 64,
			       VIRTQ_DESC_F_WRITE, 0);
		virtq_publish(r->q, 0);
		virtq_kick(r->q);
		while (!virtq_get(r->q, &id, &len))
			if (vdrv_expired(end)) {
				r->ok = false;
				return 0;
			}
		r->bytes += len;
		if (id != 0 || len == 0 || len > 64)
			r->ok = false;
	}
	r->ticks = rt_rdtsc() - t0;
	return 0;
}

/* One request of three chained descriptors, then one indirect one. */
static void rng_shapes(struct virtq *q, uint8_t *buf, bool indirect)
{
	struct virtq_desc *t = virtio_alloc(3 * sizeof(*t), 16);
	uint32_t id = 0, len = 0;

	for (unsigned int i = 0; i < 96; i++)
		buf[i] = 0;
	virtq_desc_set(q, 1, (uintptr_t)buf, 32,
		       VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
	virtq_desc_set(q, 2, (uintptr_t)buf + 32, 32,
		       VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 3);
	virtq_desc_set(q, 3, (uintptr_t)buf + 64, 32, VIRTQ_DESC_F_WRITE, 0);
	virtq_publish(q, 1);
	virtq_kick(q);
	bp_check(vdrv_wait_used(q, 2000), "rng: a chained request timed out");
	bp_check(virtq_get(q, &id, &len) && id == 1 && len == 96,
		 "rng: chained request: id %u len %u (expected 1, 96)", id,
		 len);
	bp_check(!all_zero(buf, 32) && !all_zero(buf + 64, 32),
		 "rng: chained request: a buffer stayed zero");
	if (!indirect || !t)
		return;
	for (unsigned int i = 0; i < 3; i++)
		t[i] = (struct virtq_desc){
			(uintptr_t)buf + 128 + 16 * i, 16,
			VIRTQ_DESC_F_WRITE | (i < 2 ? VIRTQ_DESC_F_NEXT : 0),
			(uint16_t)(i + 1)
		};
	virtq_desc_set(q, 4, (uintptr_t)t, 3 * sizeof(*t),
		       VIRTQ_DESC_F_INDIRECT, 0);
	virtq_publish(q, 4);
	virtq_kick(q);
	bp_check(vdrv_wait_used(q, 2000), "rng: an indirect request timed out");
	bp_check(virtq_get(q, &id, &len) && id == 4 && len == 48,
		 "rng: indirect request: id %u len %u (expected 4, 48)", id,
		 len);
	bp_check(!all_zero(buf + 128, 48),
		 "rng: indirect request: the buffer stayed zero");
}

static void test_rng(void)
{
	struct virtio_dev d;
	struct virtq q = { 0 };
	uint64_t f;
	uint8_t *buf = virtio_alloc(4096, 4096);
	struct rng_run r0 = { .q = &q, .buf = buf, .requests = 16 };
	struct rng_run r3 = { .q = &q, .buf = buf, .requests = 1000 };

	if (virtio_find(VIRTIO_ID_RNG, 0, &d)) {
		bp_check(false, "rng: no virtio-rng device");
		return;
	}
	rt_printf("rng: device %02x.%x, %u queue(s), features %#lx, "
		  "%u MSI-X vectors\n",
		  d.pci.dev, d.pci.fn, d.num_queues, d.features, d.msix_n);
	if (virtio_negotiate(&d,
			     VIRTIO_BIT(VIRTIO_F_VERSION_1) |
				     VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC),
			     &f) ||
	    virtq_setup(&d, &q, 0, 64, VIRTIO_NO_VECTOR)) {
		bp_check(false, "rng: set-up failed (status %#x)",
			 virtio_status(&d));
		return;
	}
	virtio_set_status(&d, virtio_status(&d) | VIRTIO_DRIVER_OK);
	rt_printf("rng: features %#lx agreed, queue size %u\n", f, q.size);

	rng_loop(&r0);
	bp_check(r0.ok, "rng: CPL 0 requests failed");
	bp_check(!all_zero(buf, 64), "rng: the buffer stayed zero");
	rng_shapes(&q, buf, f & VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC));
	ring3_call(rng_loop, &r3);
	bp_check(r3.ok, "rng: CPL 3 requests failed");
	rt_printf("rng: CPL 0: %u requests, %u bytes, %lu us each\n",
		  r0.requests, r0.bytes, vdrv_us(r0.ticks) / r0.requests);
	rt_printf("rng: CPL 3: %u requests, %u bytes, %lu ns each\n",
		  r3.requests, r3.bytes,
		  vdrv_us(r3.ticks) * 1000 / r3.requests);
	bp_check(!(virtio_status(&d) & VIRTIO_NEEDS_RESET),
		 "rng: NEEDS_RESET after good requests");
	bp_check(virtio_reset(&d) == 0, "rng: reset did not complete");
}

/* main ----------------------------------------------------------------- */

int main(const struct hyve_boot_info *bi)
{
	const struct hvm_start_info *si = (const void *)(uintptr_t)rt_boot_ebx;
	const char *test, *how;

	(void)bi;
	if (!si || si->magic != PVH_MAGIC) {
		rt_puts("virtio_drv: not entered by PVH\n");
		return 0x7e;
	}
	vdrv.args = bp_args(si->cmdline_paddr);
	test = rt_arg(vdrv.args, "test");
	if (!find_ram(si)) {
		rt_puts("virtio_drv: no RAM after the image\n");
		return 0x7e;
	}
	/* Firmware that leaves BARs unplaced (qboot): place them here. */
	pci_assign_window(rt_strtoul(rt_arg(vdrv.args, "pci_window"), 0),
			  256u << 20);
	ring3_init();
	rt_pic_mask_all();
	rt_lapic_enable();
	/* tsc_khz=N: the same figure for every VMM a benchmark compares. */
	vdrv.khz = rt_strtoul(rt_arg(vdrv.args, "tsc_khz"), 0);
	how = "command line";
	if (!vdrv.khz)
		vdrv.khz = tsc_khz(&how);
	rt_printf("virtio_drv: test=%s, TSC %lu kHz (%s), RAM ends at %#lx, "
		  "heap %#lx-%#lx\n",
		  test ? test : "(none)", vdrv.khz, how, vdrv.ram_end,
		  vdrv.heap, vdrv.heap_end);
	if (!test)
		bp_check(false, "no test= on the command line");
	else if (vdrv_arg_is("test", "rng"))
		test_rng();
	else if (vdrv_arg_is("test", "hostile"))
		vdrv_hostile();
	else if (vdrv_arg_is("test", "blk"))
		vdrv_blk_test();
	else if (vdrv_arg_is("test", "bench"))
		vdrv_bench();
	else
		bp_check(false, "unknown test=%s", test);
	return bp_result("virtio_drv", 0x31);
}
