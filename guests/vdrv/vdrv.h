/*
 * vdrv.h: what the parts of the virtio driver guest (guests/virtio_drv.c)
 * share: the machine it found, timing helpers, and each test's entry.
 * Boot CPU only; the timing helpers also run at CPL 3.
 */
#ifndef HYVE_GUEST_VDRV_H
#define HYVE_GUEST_VDRV_H

#include <stdbool.h>
#include <stdint.h>

#include "rt.h"
#include "virtio.h"

struct vdrv {
	const struct hyve_boot_info *args; /* the command line (rt_arg) */
	uint64_t khz;			   /* TSC ticks per millisecond */
	uint64_t ram_end;		   /* where RAM ends (all ranges) */
	uint64_t heap, heap_end;	   /* what virtio_heap was given */
};
extern struct vdrv vdrv;

/* The TSC value ms milliseconds from now, and whether it has passed. */
uint64_t vdrv_deadline(uint64_t ms);
bool vdrv_expired(uint64_t deadline);
/* TSC ticks as microseconds. */
uint64_t vdrv_us(uint64_t ticks);
/* Wait until q has a used element to read; false after ms. */
bool vdrv_wait_used(struct virtq *q, uint64_t ms);
/* Whether word KEY=VALUE is on the command line. */
bool vdrv_arg_is(const char *key, const char *value);
/* Whether item is in the comma-separated list at s (up to a space). */
bool vdrv_in_list(const char *s, const char *item);

/* virtio-net (net.c) ------------------------------------------------------ */

#define VDRV_NET_HDR 12 /* struct virtio_net_hdr_v1 (5.1.6) */

/*
 * A header with no offloads and an Ethernet frame of len bytes (60 at
 * least) at p: to 02:00:00:00:00:01 from 52:54:00:00:00:02, EtherType
 * 0x88b5 (IEEE 802 local experimental), then the sequence number seq
 * and a byte pattern.
 */
void vdrv_net_frame(uint8_t *p, unsigned int len, uint32_t seq);

/* virtio-blk (blk.c) ------------------------------------------------------ */

/* Request types and status values (5.2.6). */
#define VDRV_BLK_T_IN	  0
#define VDRV_BLK_T_OUT	  1
#define VDRV_BLK_T_FLUSH  4
#define VDRV_BLK_S_OK	  0
#define VDRV_BLK_S_IOERR  1
#define VDRV_BLK_S_UNSUPP 2
#define VDRV_SECTOR	  512

struct vdrv_blk_hdr { /* struct virtio_blk_req's header */
	uint32_t type, reserved;
	uint64_t sector;
};

/*
 * A virtio-blk device ready for requests: slot s owns descriptors
 * s * stride .. s * stride + stride - 1 (a header, the data in segments of
 * at most size_max bytes, a status byte), its header and its status.
 */
struct vdrv_blk {
	struct virtio_dev d;
	struct virtq q;
	uint64_t features;
	uint64_t capacity; /* in 512-byte sectors */
	uint32_t size_max; /* largest segment (0: no limit) */
	uint32_t seg_max;  /* most data segments (0: no limit) */
	uint32_t max_len;  /* the largest request vdrv_blk_open allowed for */
	uint16_t stride, nslots;
	struct vdrv_blk_hdr *hdr; /* nslots */
	volatile uint8_t *status; /* nslots */
};

/*
 * Find the first virtio-blk, negotiate (VERSION_1, SIZE_MAX, SEG_MAX,
 * BLK_SIZE, FLUSH), set up its queue of up to qsize entries, polled, and
 * slots for requests of up to max_len bytes; DRIVER_OK.  0 or -1.
 */
int vdrv_blk_open(struct vdrv_blk *b, uint16_t qsize, uint32_t max_len);

/* Fill slot s with a request and make it available (no notify). */
void vdrv_blk_submit(struct vdrv_blk *b, uint16_t s, uint32_t type,
		     uint64_t sector, void *data, uint32_t len);

/* One request, waited for (up to ms); its status, or -1 on time-out. */
int vdrv_blk_sync(struct vdrv_blk *b, uint32_t type, uint64_t sector,
		  void *data, uint32_t len, uint64_t ms);

/* The tests (hostile.c, blk.c, bench.c). */
void vdrv_hostile(void);
void vdrv_blk_test(void);
void vdrv_bench(void);

#endif
