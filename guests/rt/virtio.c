/* virtio.c: the virtio-pci driver of the test guests.  See virtio.h. */
#include "virtio.h"

#include "paging.h"
#include "rt.h"

/* struct virtio_pci_cap (4.1.4) and its types. */
#define CAP_TYPE	3
#define CAP_BAR		4
#define CAP_OFFSET	8
#define CAP_LENGTH	12
#define CAP_NOTIFY_MULT 16
#define CAP_COMMON_CFG	1
#define CAP_NOTIFY_CFG	2
#define CAP_ISR_CFG	3
#define CAP_DEVICE_CFG	4

/* The common configuration structure (4.1.4.3). */
#define CC_DFSELECT	0x00
#define CC_DF		0x04
#define CC_GFSELECT	0x08
#define CC_GF		0x0c
#define CC_MSIX_CONFIG	0x10
#define CC_NUM_QUEUES	0x12
#define CC_STATUS	0x14
#define CC_Q_SELECT	0x16
#define CC_Q_SIZE	0x18
#define CC_Q_MSIX	0x1a
#define CC_Q_ENABLE	0x1c
#define CC_Q_NOTIFY_OFF 0x1e
#define CC_Q_DESC	0x20
#define CC_Q_DRIVER	0x28
#define CC_Q_DEVICE	0x30

/* MSI-X (PCI 3.0, 6.8.2). */
#define MSIX_CTRL     2
#define MSIX_TABLE    4
#define MSIX_ENABLE   0x8000
#define MSIX_MSG_ADDR 0xfee00000u /* the boot CPU's local APIC */

#define RESET_SPINS 1000000

static uint64_t heap_next, heap_end;

void virtio_heap(uint64_t base, uint64_t end)
{
	heap_next = base;
	heap_end = end;
}

void *virtio_alloc_buf(uint64_t size, uint64_t align)
{
	uint64_t at = (heap_next + align - 1) & ~(align - 1);

	if (at + size > heap_end || at + size < at)
		return 0;
	heap_next = at + size;
	return (void *)(uintptr_t)at;
}

void *virtio_alloc(uint64_t size, uint64_t align)
{
	uint8_t *p = virtio_alloc_buf(size, align);

	for (uint64_t i = 0; p && i < size; i += 8)
		*(uint64_t *)(p + i) = 0;
	return p;
}

static uint16_t cc16(const struct virtio_dev *d, unsigned int off)
{
	return *(volatile uint16_t *)(uintptr_t)(d->common + off);
}

static void cc_w16(const struct virtio_dev *d, unsigned int off, uint16_t v)
{
	*(volatile uint16_t *)(uintptr_t)(d->common + off) = v;
}

static uint32_t cc32(const struct virtio_dev *d, unsigned int off)
{
	return mmio_read32(d->common + off);
}

static void cc_w32(const struct virtio_dev *d, unsigned int off, uint32_t v)
{
	mmio_write32(d->common + off, v);
}

/* 64-bit fields as two 32-bit halves, low first (4.1.3.1). */
static void cc_w64(const struct virtio_dev *d, unsigned int off, uint64_t v)
{
	cc_w32(d, off, (uint32_t)v);
	cc_w32(d, off + 4, (uint32_t)(v >> 32));
}

/* The address of what capability cap points at, mapped; 0 if none. */
static uint64_t cap_map(struct virtio_dev *d, unsigned int cap, uint32_t *len)
{
	uint8_t bar = pci_read8(&d->pci, cap + CAP_BAR);
	uint32_t off = pci_read32(&d->pci, cap + CAP_OFFSET);
	uint64_t base = pci_bar(&d->pci, bar);

	*len = pci_read32(&d->pci, cap + CAP_LENGTH);
	if (!base || !*len || paging_map(base + off, *len, true))
		return 0;
	return base + off;
}

static int find_msix(struct virtio_dev *d)
{
	unsigned int cap = pci_cap_find(&d->pci, PCI_CAP_ID_MSIX, 0);
	uint32_t t;
	uint64_t base;

	if (!cap)
		return 0; /* no MSI-X: polling works all the same */
	d->msix_cap = cap;
	d->msix_n = (pci_read16(&d->pci, cap + MSIX_CTRL) & 0x7ff) + 1;
	t = pci_read32(&d->pci, cap + MSIX_TABLE);
	base = pci_bar(&d->pci, t & 7);
	if (!base)
		return -1;
	d->msix_table = base + (t & ~7u);
	if (paging_map(d->msix_table, 16ULL * d->msix_n, true))
		return -1;
	return 0;
}

void virtio_msix_enable(struct virtio_dev *d)
{
	if (!d->msix_n)
		return;
	/* Every entry masked until virtio_msix_set; then MSI-X on. */
	for (unsigned int i = 0; i < d->msix_n; i++)
		mmio_write32(d->msix_table + 16 * i + 12, 1);
	pci_write16(&d->pci, d->msix_cap + MSIX_CTRL, MSIX_ENABLE);
	d->msix_on = true;
}

int virtio_find(uint16_t type, unsigned int nth, struct virtio_dev *d)
{
	unsigned int cap = 0;
	uint32_t len;

	*d = (struct virtio_dev){ .type = type };
	if (!pci_find(VIRTIO_PCI_VENDOR, VIRTIO_PCI_MODERN + type,
		      VIRTIO_PCI_MODERN + type, nth, &d->pci)) {
		rt_printf("virtio: no device of type %u (#%u)\n", type, nth);
		return -1;
	}
	while ((cap = pci_cap_find(&d->pci, PCI_CAP_ID_VENDOR, cap))) {
		switch (pci_read8(&d->pci, cap + CAP_TYPE)) {
		case CAP_COMMON_CFG:
			if (!d->common)
				d->common = cap_map(d, cap, &len);
			break;
		case CAP_NOTIFY_CFG:
			if (!d->notify) {
				d->notify = cap_map(d, cap, &len);
				d->notify_mult = pci_read32(
					&d->pci, cap + CAP_NOTIFY_MULT);
			}
			break;
		case CAP_ISR_CFG:
			if (!d->isr)
				d->isr = cap_map(d, cap, &len);
			break;
		case CAP_DEVICE_CFG:
			if (!d->device)
				d->device = cap_map(d, cap, &d->device_len);
			break;
		}
	}
	if (!d->common || !d->notify || !d->isr) {
		rt_printf("virtio: %02x.%x: a capability is missing or "
			  "unmapped (common %#lx notify %#lx isr %#lx)\n",
			  d->pci.dev, d->pci.fn, d->common, d->notify, d->isr);
		return -1;
	}
	pci_enable(&d->pci, true);
	if (find_msix(d)) {
		rt_printf("virtio: %02x.%x: bad MSI-X table\n", d->pci.dev,
			  d->pci.fn);
		return -1;
	}
	d->num_queues = cc16(d, CC_NUM_QUEUES);
	cc_w32(d, CC_DFSELECT, 0);
	d->features = cc32(d, CC_DF);
	cc_w32(d, CC_DFSELECT, 1);
	d->features |= (uint64_t)cc32(d, CC_DF) << 32;
	return 0;
}

uint8_t virtio_status(const struct virtio_dev *d)
{
	return mmio_read8(d->common + CC_STATUS);
}

void virtio_set_status(const struct virtio_dev *d, uint8_t s)
{
	mmio_write8(d->common + CC_STATUS, s);
}

int virtio_reset(const struct virtio_dev *d)
{
	virtio_set_status(d, 0);
	for (unsigned int i = 0; i < RESET_SPINS; i++)
		if (virtio_status(d) == 0)
			return 0;
	return -1;
}

int virtio_negotiate(struct virtio_dev *d, uint64_t want, uint64_t *got)
{
	uint64_t f;

	if (virtio_reset(d))
		return -1;
	virtio_set_status(d, VIRTIO_ACKNOWLEDGE);
	virtio_set_status(d, VIRTIO_ACKNOWLEDGE | VIRTIO_DRIVER);
	f = want & d->features;
	if (!(f & VIRTIO_BIT(VIRTIO_F_VERSION_1)))
		goto fail;
	cc_w32(d, CC_GFSELECT, 0);
	cc_w32(d, CC_GF, (uint32_t)f);
	cc_w32(d, CC_GFSELECT, 1);
	cc_w32(d, CC_GF, (uint32_t)(f >> 32));
	virtio_set_status(d, VIRTIO_ACKNOWLEDGE | VIRTIO_DRIVER |
				     VIRTIO_FEATURES_OK);
	if (!(virtio_status(d) & VIRTIO_FEATURES_OK))
		goto fail;
	if (got)
		*got = f;
	return 0;
fail:
	virtio_set_status(d, virtio_status(d) | VIRTIO_FAILED);
	return -1;
}

int virtq_setup_at(struct virtio_dev *d, struct virtq *q, uint16_t index,
		   uint16_t size, uint16_t vector, uint64_t desc_at,
		   uint64_t avail_at, uint64_t used_at)
{
	uint16_t max;

	cc_w16(d, CC_Q_SELECT, index);
	max = cc16(d, CC_Q_SIZE);
	if (!max)
		return -1;
	while (size > max) /* both are powers of 2 */
		size >>= 1;
	if (q->size != size || !q->desc) {
		q->desc = virtio_alloc(16ULL * size, 4096);
		q->avail = virtio_alloc(6ULL + 2ULL * size, 4096);
		q->used = virtio_alloc(6ULL + 8ULL * size, 4096);
		if (!q->desc || !q->avail || !q->used)
			return -1;
	} else {
		for (unsigned int i = 0; i < size; i++)
			virtq_desc_set(q, (uint16_t)i, 0, 0, 0, 0);
		for (unsigned int i = 0; i < 3u + size; i++)
			q->avail[i] = 0;
		for (unsigned int i = 0; i < 3u + 4u * size; i++)
			q->used[i] = 0;
	}
	q->size = size;
	q->index = index;
	q->avail_idx = q->last_used = 0;
	if (vector == VIRTIO_NO_VECTOR)
		q->avail[0] = VIRTQ_AVAIL_F_NO_INTERRUPT;
	cc_w16(d, CC_Q_SIZE, size);
	cc_w64(d, CC_Q_DESC, desc_at ? desc_at : (uintptr_t)q->desc);
	cc_w64(d, CC_Q_DRIVER, avail_at ? avail_at : (uintptr_t)q->avail);
	cc_w64(d, CC_Q_DEVICE, used_at ? used_at : (uintptr_t)q->used);
	cc_w16(d, CC_Q_MSIX, vector);
	q->notify =
		(volatile uint16_t *)(uintptr_t)(d->notify +
						 (uint64_t)cc16(
							 d, CC_Q_NOTIFY_OFF) *
							 d->notify_mult);
	cc_w16(d, CC_Q_ENABLE, 1);
	return 0;
}

int virtq_setup(struct virtio_dev *d, struct virtq *q, uint16_t index,
		uint16_t size, uint16_t vector)
{
	return virtq_setup_at(d, q, index, size, vector, 0, 0, 0);
}

void virtio_config_vector(const struct virtio_dev *d, uint16_t vec)
{
	cc_w16(d, CC_MSIX_CONFIG, vec);
}

void virtio_msix_set(const struct virtio_dev *d, unsigned int n,
		     uint8_t idt_vector)
{
	uint64_t e = d->msix_table + 16ULL * n;

	if (n >= d->msix_n)
		return;
	mmio_write32(e, MSIX_MSG_ADDR);
	mmio_write32(e + 4, 0);
	mmio_write32(e + 8, idt_vector); /* fixed, edge */
	mmio_write32(e + 12, 0);	 /* unmasked */
}

uint8_t virtio_cfg8(const struct virtio_dev *d, unsigned int off)
{
	return mmio_read8(d->device + off);
}

uint32_t virtio_cfg32(const struct virtio_dev *d, unsigned int off)
{
	return mmio_read32(d->device + off);
}

uint64_t virtio_cfg64(const struct virtio_dev *d, unsigned int off)
{
	return mmio_read32(d->device + off) |
	       (uint64_t)mmio_read32(d->device + off + 4) << 32;
}

uint8_t virtio_isr(const struct virtio_dev *d)
{
	return mmio_read8(d->isr);
}
