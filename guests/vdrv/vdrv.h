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
	unsigned int verbose;
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

/* The tests (hostile.c, blk.c, bench.c). */
void vdrv_hostile(void);
void vdrv_blk_test(void);
void vdrv_bench(void);

#endif
