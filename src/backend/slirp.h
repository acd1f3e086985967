/*
 * slirp.h: the user-mode network backend, `--net user`, through libslirp
 * (Debian's libslirp0; the same stack as QEMU's -netdev user).
 *
 * The guest gets QEMU's default network, so guides written for QEMU work:
 * 10.0.2.0/24, gateway and host 10.0.2.2, DNS 10.0.2.3, DHCP handing out
 * 10.0.2.15 first; IPv6 fec0::/64 by router advertisement, host fec0::2,
 * DNS fec0::3.  The guest's connections become ordinary host sockets, so
 * no privilege is needed; `hostfwd=` rules listen on the host and connect
 * into the guest.  No TFTP, SMB or guestfwd.
 *
 * No offloads: libslirp reads and writes whole, checksummed frames, so the
 * device must offer neither VIRTIO_NET_F_CSUM, HOST_* nor GUEST_*
 * (tx_offloads and rx_offloads are 0); a guest frame that asks for one
 * anyway is dropped.  Frames for the guest carry a zeroed header with
 * num_buffers 1.  Up to SLIRP_NET_QUEUE_MAX of them wait while receive is
 * off or the device is slow; more are dropped, which TCP recovers from.
 *
 * Threads: libslirp is not thread-safe.  Every call into it runs on the
 * device's loop thread (or on main before the loop starts), as net.h's
 * rules already require of the ops.  Its sockets are watched through one
 * private epoll fd on the loop, its timers are evloop timers and its clock
 * is evloop_now_ns.
 */
#ifndef HYVE_BACKEND_SLIRP_H
#define HYVE_BACKEND_SLIRP_H

#include <stddef.h>

#include "backend/net.h"

struct evloop;

#define SLIRP_NET_NETWORK   "10.0.2.0"
#define SLIRP_NET_NETMASK   "255.255.255.0"
#define SLIRP_NET_HOST	    "10.0.2.2"
#define SLIRP_NET_DNS	    "10.0.2.3"
#define SLIRP_NET_DHCP	    "10.0.2.15"
#define SLIRP_NET_PREFIX6   "fec0::"
#define SLIRP_NET_HOST6	    "fec0::2"
#define SLIRP_NET_DNS6	    "fec0::3"
#define SLIRP_NET_QUEUE_MAX 256 /* frames waiting for the guest */

/*
 * Start a user network with c's hostfwd rules (each listening now), on
 * loop; 0, or a negative errno with one line in err
 * ("--net user: hostfwd ...: ...").
 */
int slirp_net_open(struct net_backend **out, const struct net_config *c,
		   struct evloop *loop, char *err, size_t errlen);

#endif
