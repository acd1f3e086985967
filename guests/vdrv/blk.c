/*
 * blk.c: virtio-blk requests (virtio 1.2, 5.2) and test=blk: a pattern
 * written to sectors and read back.
 *
 * test=blk sector=S count=N (defaults 8 and 16; N up to 256): write N
 * sectors from S in one request, flush, read them back in one request and
 * in single-sector requests, compare; then a read past the end must fail
 * with IOERR and leave the device usable.  Sector k's 512 bytes are "HYVE",
 * k as a 32-bit little-endian number, then bytes (k * 7 + i) & 0xff for
 * i = 8 ... 511: the host can check the image after the guest exits.
 */
#include "bootproto.h"
#include "vdrv.h"

/* Feature bits (5.2.3) and configuration offsets (5.2.4). */
#define BLK_F_SIZE_MAX 1
#define BLK_F_SEG_MAX  2
#define BLK_F_BLK_SIZE 6
#define BLK_F_FLUSH    9
#define CFG_CAPACITY   0
#define CFG_SIZE_MAX   8
#define CFG_SEG_MAX    12

#define WAIT_MS 5000

int vdrv_blk_open(struct vdrv_blk *b, uint16_t qsize, uint32_t max_len)
{
	uint32_t nseg;

	if (virtio_find(VIRTIO_ID_BLOCK, 0, &b->d))
		return -1;
	if (virtio_negotiate(&b->d,
			     VIRTIO_BIT(VIRTIO_F_VERSION_1) |
				     VIRTIO_BIT(BLK_F_SIZE_MAX) |
				     VIRTIO_BIT(BLK_F_SEG_MAX) |
				     VIRTIO_BIT(BLK_F_BLK_SIZE) |
				     VIRTIO_BIT(BLK_F_FLUSH),
			     &b->features))
		return -1;
	b->capacity = virtio_cfg64(&b->d, CFG_CAPACITY);
	b->size_max = b->features & VIRTIO_BIT(BLK_F_SIZE_MAX)
			      ? virtio_cfg32(&b->d, CFG_SIZE_MAX)
			      : 0;
	b->seg_max = b->features & VIRTIO_BIT(BLK_F_SEG_MAX)
			     ? virtio_cfg32(&b->d, CFG_SEG_MAX)
			     : 0;
	if (virtq_setup(&b->d, &b->q, 0, qsize, VIRTIO_NO_VECTOR))
		return -1;
	nseg = b->size_max ? (max_len + b->size_max - 1) / b->size_max : 1;
	if (b->seg_max && nseg > b->seg_max) {
		rt_printf(
			"blk: %u-byte requests need %u segments, seg_max %u\n",
			max_len, nseg, b->seg_max);
		return -1;
	}
	if (nseg + 2 > b->q.size) {
		rt_printf("blk: %u-byte requests need %u descriptors, the "
			  "queue has %u\n",
			  max_len, nseg + 2, b->q.size);
		return -1;
	}
	b->max_len = max_len;
	b->stride = (uint16_t)(nseg + 2);
	b->nslots = b->q.size / b->stride;
	b->hdr = virtio_alloc(sizeof(*b->hdr) * b->nslots, 16);
	b->status = virtio_alloc(b->nslots, 16);
	if (!b->hdr || !b->status)
		return -1;
	virtio_set_status(&b->d, virtio_status(&b->d) | VIRTIO_DRIVER_OK);
	return 0;
}

void vdrv_blk_submit(struct vdrv_blk *b, uint16_t s, uint32_t type,
		     uint64_t sector, void *data, uint32_t len)
{
	uint16_t i = (uint16_t)(s * b->stride);
	uint16_t dflag = type == VDRV_BLK_T_IN ? VIRTQ_DESC_F_WRITE : 0;
	uint64_t a = (uintptr_t)data;

	b->hdr[s].type = type;
	b->hdr[s].sector = sector;
	b->status[s] = 0xff;
	virtq_desc_set(&b->q, i, (uintptr_t)&b->hdr[s], sizeof(b->hdr[s]),
		       VIRTQ_DESC_F_NEXT, (uint16_t)(i + 1));
	while (len) {
		uint32_t n =
			b->size_max && len > b->size_max ? b->size_max : len;
		i++;
		virtq_desc_set(&b->q, i, a, n, dflag | VIRTQ_DESC_F_NEXT,
			       (uint16_t)(i + 1));
		a += n;
		len -= n;
	}
	virtq_desc_set(&b->q, (uint16_t)(i + 1), (uintptr_t)&b->status[s], 1,
		       VIRTQ_DESC_F_WRITE, 0);
	virtq_publish(&b->q, (uint16_t)(s * b->stride));
}

int vdrv_blk_sync(struct vdrv_blk *b, uint32_t type, uint64_t sector,
		  void *data, uint32_t len, uint64_t ms)
{
	uint32_t id = 0xffff, used_len;

	vdrv_blk_submit(b, 0, type, sector, data, len);
	virtq_kick(&b->q);
	if (!vdrv_wait_used(&b->q, ms))
		return -1;
	virtq_get(&b->q, &id, &used_len);
	if (id != 0)
		return -1;
	return b->status[0];
}

/* test=blk ------------------------------------------------------------- */

static void pattern(uint8_t *p, uint64_t sector)
{
	p[0] = 'H', p[1] = 'Y', p[2] = 'V', p[3] = 'E';
	for (unsigned int i = 0; i < 4; i++)
		p[4 + i] = (uint8_t)(sector >> (8 * i));
	for (unsigned int i = 8; i < VDRV_SECTOR; i++)
		p[i] = (uint8_t)(sector * 7 + i);
}

/* The first sector whose bytes differ, or count when none do. */
static uint32_t first_diff(const uint8_t *a, const uint8_t *b, uint32_t count)
{
	for (uint32_t s = 0; s < count; s++)
		if (!bp_memeq(a + s * VDRV_SECTOR, b + s * VDRV_SECTOR,
			      VDRV_SECTOR))
			return s;
	return count;
}

void vdrv_blk_test(void)
{
	static struct vdrv_blk b;
	uint64_t sector = rt_strtoul(rt_arg(vdrv.args, "sector"), 8);
	uint32_t count = (uint32_t)rt_strtoul(rt_arg(vdrv.args, "count"), 16);
	uint8_t *out, *in;
	uint32_t bytes, d;
	int st;

	if (count == 0 || count > 256) {
		bp_check(false, "blk: count=%u: 1 to 256", count);
		return;
	}
	bytes = count * VDRV_SECTOR;
	out = virtio_alloc(bytes, 4096);
	in = virtio_alloc(bytes, 4096);
	if (!out || !in || vdrv_blk_open(&b, 64, bytes)) {
		bp_check(false, "blk: no usable virtio-blk device");
		return;
	}
	rt_printf("blk: device %02x.%x, %lu sectors, features %#lx, "
		  "size_max %u, seg_max %u, queue %u\n",
		  b.d.pci.dev, b.d.pci.fn, b.capacity, b.features, b.size_max,
		  b.seg_max, b.q.size);
	if (sector + count > b.capacity) {
		bp_check(false, "blk: sectors %lu+%u past the end (%lu)",
			 sector, count, b.capacity);
		return;
	}
	for (uint32_t s = 0; s < count; s++)
		pattern(out + s * VDRV_SECTOR, sector + s);

	st = vdrv_blk_sync(&b, VDRV_BLK_T_OUT, sector, out, bytes, WAIT_MS);
	bp_check(st == VDRV_BLK_S_OK, "blk: write: status %d", st);
	if (b.features & VIRTIO_BIT(BLK_F_FLUSH)) {
		st = vdrv_blk_sync(&b, VDRV_BLK_T_FLUSH, 0, 0, 0, WAIT_MS);
		bp_check(st == VDRV_BLK_S_OK, "blk: flush: status %d", st);
	}
	st = vdrv_blk_sync(&b, VDRV_BLK_T_IN, sector, in, bytes, WAIT_MS);
	bp_check(st == VDRV_BLK_S_OK, "blk: read: status %d", st);
	d = first_diff(out, in, count);
	bp_check(d == count, "blk: read back: sector %lu differs", sector + d);
	for (uint32_t s = 0; s < count; s++) {
		for (uint32_t i = 0; i < VDRV_SECTOR; i++)
			in[i] = 0;
		st = vdrv_blk_sync(&b, VDRV_BLK_T_IN, sector + s, in,
				   VDRV_SECTOR, WAIT_MS);
		if (st != VDRV_BLK_S_OK ||
		    first_diff(out + s * VDRV_SECTOR, in, 1) != 1) {
			bp_check(false, "blk: sector %lu alone: status %d%s",
				 sector + s, st, st ? "" : ", bytes differ");
			break;
		}
	}
	/* Past the end: an error for the request, not for the device. */
	st = vdrv_blk_sync(&b, VDRV_BLK_T_IN, b.capacity, in, VDRV_SECTOR,
			   WAIT_MS);
	bp_check(st == VDRV_BLK_S_IOERR, "blk: read past the end: status %d",
		 st);
	st = vdrv_blk_sync(&b, VDRV_BLK_T_IN, sector, in, VDRV_SECTOR, WAIT_MS);
	bp_check(st == VDRV_BLK_S_OK &&
			 !(virtio_status(&b.d) & VIRTIO_NEEDS_RESET),
		 "blk: after the error: status %d, device %#x", st,
		 virtio_status(&b.d));
	rt_printf("blk: wrote and read back sectors %lu-%lu\n", sector,
		  sector + count - 1);
	virtio_reset(&b.d);
}
