/*
 * virtio.h: a small virtio 1.2 driver for the test guests: the modern PCI
 * transport (4.1: vendor capabilities, common configuration, notification,
 * ISR and device configuration structures, MSI-X vectors), the device
 * initialization sequence (3.1.1), feature negotiation (2.2) and split
 * virtqueues (2.7) whose descriptors the caller writes itself, so that it
 * can write malformed ones too.  No interrupts are taken here: the driver
 * polls the used ring; MSI-X vectors are only programmed (virtio_msix_set)
 * for callers that want them.
 *
 * Memory: rings and buffers come from a bump allocator over guest RAM
 * (virtio_heap); everything is identity-mapped, so a pointer is its
 * guest-physical address.  BARs are mapped uncached (paging_map).
 *
 * Threads: boot CPU only, at CPL 0 or CPL 3 (ring3.h) once virtio_find
 * has mapped the device's BARs.  The hot functions (virtq_add_*,
 * virtq_kick, virtq_get) are a few instructions each on purpose: at CPL 0
 * on an emulating host every instruction costs about a microsecond.
 */
#ifndef HYVE_GUEST_RT_VIRTIO_H
#define HYVE_GUEST_RT_VIRTIO_H

#include <stdbool.h>
#include <stdint.h>

#include "pci.h"

#define VIRTIO_PCI_VENDOR 0x1af4
#define VIRTIO_PCI_MODERN 0x1040 /* + the device ID (4.1.2.1) */

#define VIRTIO_ID_NET	1
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_RNG	4

/* Device status (2.1). */
#define VIRTIO_ACKNOWLEDGE 0x01
#define VIRTIO_DRIVER	   0x02
#define VIRTIO_DRIVER_OK   0x04
#define VIRTIO_FEATURES_OK 0x08
#define VIRTIO_NEEDS_RESET 0x40
#define VIRTIO_FAILED	   0x80

/* Feature bits (6). */
#define VIRTIO_F_INDIRECT_DESC	28
#define VIRTIO_F_RING_EVENT_IDX 29
#define VIRTIO_F_VERSION_1	32
#define VIRTIO_BIT(b)		(1ULL << (b))

/* Descriptor flags (2.7.5). */
#define VIRTQ_DESC_F_NEXT	   1
#define VIRTQ_DESC_F_WRITE	   2
#define VIRTQ_DESC_F_INDIRECT	   4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY	   1

#define VIRTIO_NO_VECTOR 0xffff

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

struct virtq_used_elem {
	uint32_t id, len;
};

struct virtq {
	uint16_t size;	/* entries */
	uint16_t index; /* queue number */
	volatile struct virtq_desc *desc;
	volatile uint16_t *avail; /* flags, idx, ring[size], used_event */
	volatile uint16_t *used;  /* flags, idx, then the elements */
	volatile uint16_t *notify;
	uint16_t avail_idx; /* the driver's next avail->idx */
	uint16_t last_used; /* the next used element to read */
};

struct virtio_dev {
	struct pci_fn pci;
	uint16_t type;			      /* the virtio device ID */
	uint64_t common, isr, device, notify; /* mapped structures */
	uint32_t notify_mult, device_len;
	unsigned int msix_cap;
	uint16_t msix_n; /* table entries (0: no MSI-X) */
	bool msix_on;	 /* virtio_msix_enable was called */
	uint64_t msix_table;
	uint64_t features; /* what the device offers */
	uint16_t num_queues;
};

/* The heap: [base, end) of RAM that nothing else uses. */
void virtio_heap(uint64_t base, uint64_t end);
/* size bytes aligned to align (a power of 2), zeroed; NULL when out. */
void *virtio_alloc(uint64_t size, uint64_t align);
/*
 * The same, not zeroed (data buffers: zeroing a megabyte costs a second
 * at CPL 0 in an emulator).
 */
void *virtio_alloc_buf(uint64_t size, uint64_t align);

/*
 * The nth virtio device of this type on bus 0: its capabilities are
 * walked, its BARs mapped, memory decoding and bus mastering turned on;
 * MSI-X stays off (the device then sets the ISR; INTx is disabled in the
 * Command register, since these drivers poll).  0, or -1
 * with a line saying why.
 */
int virtio_find(uint16_t type, unsigned int nth, struct virtio_dev *d);
/* Turn MSI-X on with every vector masked (virtio_msix_set unmasks). */
void virtio_msix_enable(struct virtio_dev *d);

uint8_t virtio_status(const struct virtio_dev *d);
void virtio_set_status(const struct virtio_dev *d, uint8_t s);
/* Write 0 and wait for 0 (4.1.4.3.2); -1 when it never reads 0. */
int virtio_reset(const struct virtio_dev *d);
/*
 * Reset, ACKNOWLEDGE, DRIVER, offer want & what the device has (it must
 * include VERSION_1), FEATURES_OK and check it stuck.  The features
 * agreed go to *got.  0 or -1 (status FAILED set).
 */
int virtio_negotiate(struct virtio_dev *d, uint64_t want, uint64_t *got);

/*
 * Queue setup (4.1.5.1.3): select queue index, take min(size, its max)
 * entries, place the rings (reusing q's from an earlier setup of the same
 * size), give the device their addresses, its MSI-X vector, and enable
 * it.  A queue without a vector is polled: its avail flags ask for no
 * interrupts (VIRTQ_AVAIL_F_NO_INTERRUPT, 2.7.7).  0 or -1.
 */
int virtq_setup(struct virtio_dev *d, struct virtq *q, uint16_t index,
		uint16_t size, uint16_t vector);
/* The same with ring addresses given where not 0 (to hand bad ones). */
int virtq_setup_at(struct virtio_dev *d, struct virtq *q, uint16_t index,
		   uint16_t size, uint16_t vector, uint64_t desc_at,
		   uint64_t avail_at, uint64_t used_at);

/* MSI-X: the configuration change vector, and table entry n's message. */
void virtio_config_vector(const struct virtio_dev *d, uint16_t vec);
void virtio_msix_set(const struct virtio_dev *d, unsigned int n,
		     uint8_t idt_vector);

/* Device configuration space. */
uint8_t virtio_cfg8(const struct virtio_dev *d, unsigned int off);
uint32_t virtio_cfg32(const struct virtio_dev *d, unsigned int off);
uint64_t virtio_cfg64(const struct virtio_dev *d, unsigned int off);
/* The ISR status (4.1.4.5; reading clears it). */
#define VIRTIO_ISR_QUEUE  0x1
#define VIRTIO_ISR_CONFIG 0x2
uint8_t virtio_isr(const struct virtio_dev *d);

/* Compiler barrier; x86 keeps stores in order and loads in order. */
#define virtio_barrier() __asm__ volatile("" ::: "memory")
/* A full barrier (a locked add: the emulator has it, mfence may not). */
#define virtio_mb() __asm__ volatile("lock; addl $0,(%%rsp)" ::: "memory")

static inline void virtq_desc_set(struct virtq *q, uint16_t i, uint64_t addr,
				  uint32_t len, uint16_t flags, uint16_t next)
{
	volatile struct virtq_desc *e = &q->desc[i];

	e->addr = addr;
	e->len = len;
	e->flags = flags;
	e->next = next;
}

/* Make chain head available (2.7.13): ring entry, then idx. */
static inline void virtq_publish(struct virtq *q, uint16_t head)
{
	q->avail[2 + (q->avail_idx & (q->size - 1))] = head;
	virtio_barrier();
	q->avail[1] = ++q->avail_idx;
}

/* Notify the device (4.1.5.2): the queue's index, 16 bits. */
static inline void virtq_kick(struct virtq *q)
{
	virtio_barrier();
	*q->notify = q->index;
}

/*
 * Notify unless the device said it need not be (VIRTQ_USED_F_NO_NOTIFY,
 * 2.7.10.1; EVENT_IDX is not negotiated by these drivers); true if it
 * notified.  The full barrier orders our avail idx store before the flag
 * load, or the device may have just turned notifications back on.
 */
static inline bool virtq_kick_needed(struct virtq *q)
{
	virtio_mb();
	if (q->used[0] & VIRTQ_USED_F_NO_NOTIFY)
		return false;
	*q->notify = q->index;
	return true;
}

/* A used element, if one is waiting: its id and len; true then. */
static inline bool virtq_get(struct virtq *q, uint32_t *id, uint32_t *len)
{
	volatile struct virtq_used_elem *e;

	if (q->used[1] == q->last_used)
		return false;
	virtio_barrier();
	e = (volatile struct virtq_used_elem *)(q->used + 2) +
	    (q->last_used & (q->size - 1));
	*id = e->id;
	*len = e->len;
	q->last_used++;
	return true;
}

/* The device's used->idx. */
static inline uint16_t virtq_used_idx(const struct virtq *q)
{
	return q->used[1];
}

#endif
