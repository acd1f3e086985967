/*
 * tap.h: the tap network backend, `--net tap=NAME`.
 *
 * Frames go through /dev/net/tun as a tap (IFF_TAP | IFF_NO_PI) with the
 * virtio-net header in front of each (IFF_VNET_HDR, TUNSETVNETHDRSZ 12),
 * so the guest's checksum and segmentation offloads pass through the
 * kernel untouched.  The fd is non-blocking and watched on the device's
 * event loop only while the device wants frames (or waits to send).
 *
 * NAME is attached to when it exists (a persistent tap made beforehand
 * with `ip tuntap add NAME mode tap user USER`, which needs no privilege
 * to use afterwards) and left as it was when hyve ends.  When it does not
 * exist hyve creates it, which needs CAP_NET_ADMIN, and brings it up; a
 * tap hyve created is not persistent and disappears with hyve.  Without
 * the capability, opening fails with one line saying so.
 *
 * Offloads are probed at open by trying TUNSETOFFLOAD: whatever the
 * kernel lets the tap hand us (checksum, TSO4/6, ECN, UFO, USO) it also
 * accepts from us, so tx_offloads and rx_offloads are the same set.
 *
 * Threads: as net.h.  tap_probe_offloads is for any thread with a tap fd.
 */
#ifndef HYVE_BACKEND_TAP_H
#define HYVE_BACKEND_TAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/net.h"

struct evloop;

/*
 * Attach to or create the tap ifname and watch it on loop; 0, or a
 * negative errno with one line in err ("--net tap=NAME: ...").
 */
int tap_open(struct net_backend **out, const char *ifname, struct evloop *loop,
	     char *err, size_t errlen);

/*
 * The offloads (NET_OFFLOAD_*) the tap behind fd can be set to, found by
 * trying TUNSETOFFLOAD with each; leaves the tap with none set.
 */
uint32_t tap_probe_offloads(int fd);

/* The interface's name as the kernel gave it (for tap%d). */
const char *tap_ifname(const struct net_backend *nb);
/* True when hyve created the tap (it goes away when the backend closes). */
bool tap_created(const struct net_backend *nb);

#endif
