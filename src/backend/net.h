/*
 * net.h: what a virtio-net device sees of its network backend, and the
 * `--net` specification that picks one.
 *
 * A backend moves whole Ethernet frames, each preceded by the 12-byte
 * virtio-net header of virtio 1.x (struct virtio_net_hdr_v1, virtio 1.2
 * 5.1.6: flags, gso_type, hdr_len, gso_size, csum_start, csum_offset,
 * num_buffers, little-endian).  It knows nothing of virtqueues: the device
 * hands it iovecs (host pointers into guest RAM, from virtq_pop) and the
 * backend reads or writes frames there.  Two backends implement it:
 *
 *   tap    a Linux tap device (backend/tap.h), `--net tap=NAME[,mac=M]`
 *   user   libslirp's user-mode network (backend/slirp.h),
 *          `--net user[,mac=M][,hostfwd=RULE]...`
 *
 * Threads.  A backend belongs to its device's event loop (util/evloop.h).
 * net_backend_open runs before that loop starts (on main), or on the
 * loop's thread; from then on every op is called on the loop's thread
 * only, and the backend calls the device's callbacks on that thread only.
 * Callbacks never run inside an op: a frame that arrives while the device
 * is in send() (a reply made by libslirp, say) is announced by a later
 * rx_ready, from the loop.  destroy runs on the loop's thread, or on main
 * after evloop_stop and before evloop_destroy.  Nothing here locks.
 *
 * Flow.  Receive is pulled: the device calls recv() into the buffers of one
 * receive chain until it says -EAGAIN, and rx_ready tells it when to try
 * again.  While the device has no receive buffers it calls
 * rx_enable(false); frames then wait in the backend (a tap's kernel queue,
 * libslirp's bounded queue) or are dropped, as a real NIC would.  After
 * rx_enable(true) the device calls recv() at once: frames that waited
 * while receive was off are not announced again.  Transmit is pushed: a
 * send() that returns -EAGAIN took nothing; the device keeps the chain and
 * retries after tx_ready.
 */
#ifndef HYVE_BACKEND_NET_H
#define HYVE_BACKEND_NET_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "util/iov.h"

struct evloop;

/* The header before every frame (virtio 1.2, 5.1.6). */
#define NET_HDR_LEN 12
/* The largest frame with its header a backend moves (64 KiB of GSO). */
#define NET_FRAME_MAX (NET_HDR_LEN + 14 + 4 + 65535)
#define NET_MAC_LEN   6

/*
 * Offloads, in the header's terms.  tx: what send() accepts from the
 * guest (VIRTIO_NET_F_CSUM, HOST_TSO4...).  rx: what recv() may hand to the
 * guest once set_offloads asks for it (GUEST_CSUM, GUEST_TSO4...).
 */
#define NET_OFFLOAD_CSUM (1u << 0) /* partial checksums (F_NEEDS_CSUM) */
#define NET_OFFLOAD_TSO4 (1u << 1) /* GSO_TCPV4 */
#define NET_OFFLOAD_TSO6 (1u << 2) /* GSO_TCPV6 */
#define NET_OFFLOAD_ECN	 (1u << 3) /* GSO_ECN with TSO */
#define NET_OFFLOAD_UFO	 (1u << 4) /* GSO_UDP */
#define NET_OFFLOAD_USO	 (1u << 5) /* GSO_UDP_L4, IPv4 and IPv6 */
#define NET_OFFLOAD_ALL	 ((1u << 6) - 1)

struct net_backend;

struct net_backend_cb {
	/* Frames may be waiting: call recv() until -EAGAIN. */
	void (*rx_ready)(void *ctx);
	/* After a send() that said -EAGAIN: it may succeed now. */
	void (*tx_ready)(void *ctx);
	void *ctx;
};

struct net_backend_ops {
	/*
	 * Send one frame: iov holds the header then the frame, in any
	 * split.  0 when it is sent (or lost on the way, as on a wire);
	 * -EAGAIN when the backend took nothing and will call tx_ready;
	 * -EINVAL when the frame is malformed (shorter than a header and an
	 * Ethernet header, longer than NET_FRAME_MAX, or an offload the
	 * guest did not negotiate); -EIO when the backend is gone.  Only
	 * -EAGAIN asks the device to keep the chain.
	 */
	int (*send)(struct net_backend *nb, const struct iovec *iov,
		    unsigned int niov);
	/*
	 * Receive one frame into iov: the header (num_buffers set to 1; the
	 * device changes it if it spreads a frame over several chains), then
	 * the frame.  Returns the bytes written, -EAGAIN when nothing waits
	 * (or the backend has failed, which it logs), -EMSGSIZE when the
	 * frame did not fit (it is dropped; iov may have been written),
	 * -EINVAL when iov cannot hold a header (nothing is taken), or
	 * -ENOMEM.
	 */
	ssize_t (*recv)(struct net_backend *nb, const struct iovec *iov,
			unsigned int niov);
	/* Receive on or off (off when the backend is opened). */
	void (*rx_enable)(struct net_backend *nb, bool on);
	/*
	 * The offloads the driver negotiated: tx within nb->tx_offloads and
	 * rx within nb->rx_offloads, each with CSUM if it has any other
	 * bit, ECN only with TSO4 or TSO6.  0 or -EINVAL (nothing changed);
	 * a tap may also fail with its ioctl's errno.  Both 0 at open.
	 */
	int (*set_offloads)(struct net_backend *nb, uint32_t tx, uint32_t rx);
	void (*destroy)(struct net_backend *nb);
};

/*
 * The part every backend embeds first; the device reads it.  ops, kind,
 * loop and the two offload sets are fixed at open (any thread may read
 * them); the rest follows the rules above.
 */
struct net_backend {
	const struct net_backend_ops *ops;
	const char *kind; /* "tap" or "user", for messages */
	struct evloop *loop;
	struct net_backend_cb cb;
	uint32_t tx_offloads;  /* what send() can take */
	uint32_t rx_offloads;  /* what recv() can give */
	uint32_t tx_on, rx_on; /* what set_offloads last asked for */
};

/* A `hostfwd=` rule of the user network. */
struct net_hostfwd {
	bool udp;
	struct in_addr host_addr;  /* INADDR_ANY when not given */
	uint16_t host_port;	   /* 1 to 65535 */
	struct in_addr guest_addr; /* INADDR_ANY: the DHCP address */
	uint16_t guest_port;	   /* 1 to 65535 */
};

enum net_kind {
	NET_NONE = 0,
	NET_TAP,
	NET_USER,
};

#define NET_HOSTFWD_MAX 32

/*
 * One `--net` option, parsed.  The MAC is the device's (virtio-net's mac
 * field): the backends do not use it.  Without mac=, the device takes one
 * from net_mac_generate.
 */
struct net_config {
	enum net_kind kind;
	char ifname[IFNAMSIZ]; /* NET_TAP */
	bool mac_set;
	uint8_t mac[NET_MAC_LEN]; /* the guest's MAC, when mac_set */
	unsigned int nhostfwd;	  /* NET_USER */
	struct net_hostfwd hostfwd[NET_HOSTFWD_MAX];
};

/*
 * Parse a `--net` value ("tap=NAME[,mac=M]" or
 * "user[,mac=M][,hostfwd=R]..."); 0, or -EINVAL with one line in err
 * ("--net: ...").  Checks the syntax only: whether the tap can be opened
 * or the port bound is for net_backend_open.
 */
int net_config_parse(struct net_config *c, const char *spec, char *err,
		     size_t errlen);

/*
 * "52:54:00:12:34:56" (hex digits, either case, colons); a multicast or
 * all-zero address is refused.  0 or -EINVAL with one line in err.
 */
int net_mac_parse(const char *s, uint8_t mac[NET_MAC_LEN], char *err,
		  size_t errlen);
/* A random locally administered unicast MAC, for a VM without mac=. */
void net_mac_generate(uint8_t mac[NET_MAC_LEN]);
/* "xx:xx:xx:xx:xx:xx"; buf holds at least 18 bytes. */
void net_mac_format(const uint8_t mac[NET_MAC_LEN], char *buf);

/*
 * One QEMU-style rule, "[tcp|udp]:[hostaddr]:hostport-[guestaddr]:guestport"
 * (an empty protocol is tcp, addresses are IPv4 dotted quads).  0, or
 * -EINVAL with one line in err naming the part that is wrong.
 */
int net_hostfwd_parse(const char *s, struct net_hostfwd *fwd, char *err,
		      size_t errlen);

/*
 * Open the backend c names, its fds and timers on loop (before
 * evloop_start, or on the loop's thread).  0, or a negative errno with one
 * line in err ("--net tap=tap0: ...").
 */
int net_backend_open(struct net_backend **out, const struct net_config *c,
		     struct evloop *loop, char *err, size_t errlen);

/* The device's callbacks; before the loop starts or on its thread. */
void net_backend_set_cb(struct net_backend *nb,
			const struct net_backend_cb *cb);

/* ops->destroy, NULL allowed; the same threads as destroy. */
void net_backend_close(struct net_backend *nb);

/*
 * The virtio-net feature bits (VIRTIO_NET_F_*, as 1ULL << bit) the device
 * may offer for this backend's offloads, and the offloads the driver's
 * accepted features ask for, to pass to set_offloads.
 */
uint64_t net_offload_features(const struct net_backend *nb);
void net_offloads_from_features(uint64_t features, uint32_t *tx, uint32_t *rx);

/* Common checks of set_offloads' arguments: 0 or -EINVAL. */
int net_offloads_check(const struct net_backend *nb, uint32_t tx, uint32_t rx);

/*
 * Whether a frame's header (12 bytes from the guest) asks only for
 * offloads within tx (the negotiated ones).
 */
bool net_hdr_allowed(const uint8_t hdr[NET_HDR_LEN], uint32_t tx);

#endif
