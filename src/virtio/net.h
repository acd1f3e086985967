/*
 * net.h: virtio-net, the network device (virtio 1.2, 5.1 "Network
 * Device"), over one network backend (backend/net.h: a tap, or libslirp's
 * user-mode network).
 *
 * Emulated: device ID 1, one receive/transmit queue pair (receiveq1 = 0,
 * transmitq1 = 1) and, when the backend has receive offloads, the control
 * queue (2) for VIRTIO_NET_CTRL_GUEST_OFFLOADS_SET.  Features:
 *   MAC                   the configuration space's mac (--net ...,mac=,
 *                         or a random locally administered one)
 *   STATUS                status reads VIRTIO_NET_S_LINK_UP, always
 *   MRG_RXBUF             a frame may span several receive chains, with
 *                         num_buffers in its header (5.1.6.3.2)
 *   CSUM, HOST_TSO4/6, HOST_ECN, HOST_UFO, HOST_USO, GUEST_CSUM,
 *   GUEST_TSO4/6, GUEST_ECN, GUEST_UFO, GUEST_USO4/6
 *                         whatever the backend can do (a tap: what its
 *                         kernel accepts; user mode: none)
 *   CTRL_VQ, CTRL_GUEST_OFFLOADS
 *                         with any GUEST_* offload: the driver may turn
 *                         receive offloads off and on again (ethtool -K)
 * and VERSION_1 (the 12-byte header, struct virtio_net_hdr_v1) from the
 * core; legacy devices are not emulated.
 *
 * Not emulated: multiqueue (MQ, RSS, hash reports), CTRL_RX, CTRL_VLAN,
 * CTRL_MAC_ADDR (every frame the backend gives is delivered; the guest
 * filters), GUEST_ANNOUNCE, MTU, SPEED_DUPLEX, notification coalescing,
 * link-down reports (a tap deleted under hyve just goes quiet).
 *
 * Transmit (5.1.6.2): each chain is the header and the frame, all
 * device-readable; it goes to the backend's send() and is returned with
 * used length 0.  A malformed chain (a device-writable buffer, shorter
 * than a header and an Ethernet header, longer than NET_FRAME_MAX, or a
 * header asking for an offload that was not negotiated or pointing its
 * checksum outside the frame) is dropped and returned, counted in
 * tx_dropped: a frame is the guest's data, as on a real NIC, and
 * DEVICE_NEEDS_RESET stays for a broken ring (virtq.h), which would take
 * the link down for every frame after it.  A send() that says -EAGAIN
 * keeps the chain; transmit stops until the backend's tx_ready.
 *
 * Receive (5.1.6.3-4): the device takes receive chains from the ring as
 * it needs them and holds them until a frame fills them: the backend's
 * recv() writes straight into guest memory.  With MRG_RXBUF it holds
 * chains for NET_FRAME_MAX bytes (a 64 KiB segmentation frame), spreads
 * the frame over as many as it fills and sets num_buffers; when the ring
 * runs dry before that, the next frame waits in a host buffer until it
 * fits (or is dropped if it can never fit: the device holds the whole
 * ring).  Without MRG_RXBUF each frame goes into one chain, and a frame
 * too big for it is dropped.  A chain with a device-readable buffer or
 * fewer writable bytes than the header is returned unused (length 0).
 * With no receive buffers, the backend's receive is turned off (frames
 * wait in the backend or are dropped there) until the driver notifies
 * the receive queue.
 *
 * Reset (status 0) turns receive off, forgets the chains held and a
 * waiting frame, drops the frames waiting in the backend and sets its
 * offloads back to none.
 *
 * Threads: everything runs on the device's thread (virtio.h), the
 * backend's callbacks included; config_read runs on a vCPU thread and
 * reads only what is fixed at creation.  The counters in stats are the
 * device thread's (read them after the thread has stopped).
 */
#ifndef HYVE_VIRTIO_NET_H
#define HYVE_VIRTIO_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "backend/net.h"
#include "virtio/virtio.h"

#define VIRTIO_NET_QUEUE_SIZE 256
#define VIRTIO_NET_RXQ	      0
#define VIRTIO_NET_TXQ	      1
#define VIRTIO_NET_CTRLQ      2
#define VIRTIO_NET_CONFIG_LEN 10 /* mac, status, max_virtqueue_pairs */
/* Receive buffers held at most: room for one more chain of any size. */
#define VIRTIO_NET_RX_IOV (2 * VIRTIO_NET_QUEUE_SIZE)
/* Frames (or chains) handled per turn before the loop's other events. */
#define VIRTIO_NET_BUDGET 256

struct virtio_net_stats {
	uint64_t tx_frames, tx_bytes; /* sent, header included */
	uint64_t tx_dropped;	      /* malformed, or refused by the backend */
	uint64_t tx_blocked;	      /* sends that said -EAGAIN */
	uint64_t rx_frames, rx_bytes; /* delivered, header included */
	uint64_t rx_dropped;	      /* too big for the buffers */
	uint64_t rx_bad_chains;	      /* receive chains returned unused */
	uint64_t rx_merged;	      /* frames spread over several chains */
	uint64_t ctrl_ok, ctrl_err;   /* control commands answered */
};

/* A receive chain the device holds: its iovecs are consecutive. */
struct virtio_net_held {
	uint16_t head;
	uint16_t niov;
	uint32_t len; /* writable bytes */
};

struct virtio_net {
	struct virtio_dev vdev; /* first */
	struct net_backend *nb;
	uint8_t mac[NET_MAC_LEN]; /* fixed at creation */
	/* The device thread's, from here on. */
	bool mrg;		   /* MRG_RXBUF negotiated */
	bool rx_on;		   /* the backend's receive is on */
	bool rx_kicks;		   /* receive notifications wanted */
	bool tx_held;		   /* tx_chain was refused with -EAGAIN */
	bool logged_tx, logged_rx; /* one log line each, then counts */
	struct virtio_net_held rx_held[VIRTIO_NET_RX_IOV];
	unsigned int rx_nheld, rx_niov;
	size_t rx_bytes; /* writable bytes held */
	struct iovec rx_iov[VIRTIO_NET_RX_IOV];
	uint8_t *stash; /* NET_FRAME_MAX bytes: a frame waiting for room */
	size_t stash_len;
	struct virtq_chain tx_chain;
	struct iovec tx_iov[VIRTIO_NET_QUEUE_SIZE];
	struct iovec ctrl_iov[VIRTIO_NET_QUEUE_SIZE];
	struct evloop_timer *rx_more, *tx_more; /* the budget ran out */
	struct virtio_net_stats stats;
};

/*
 * How a backend is opened on the device's loop: net_backend_open's shape,
 * so tests and fuzzers can give a fake one.
 */
typedef int (*virtio_net_open_fn)(struct net_backend **out, struct evloop *loop,
				  void *ctx, char *err, size_t errlen);

/*
 * A virtio-net over guest memory mem with the backend cfg names (opened
 * now, on the device's loop), not started; virtio_dev_destroy frees it
 * and closes the backend.  0, or a negative errno with one line in err
 * ("--net tap=tap0: ...").
 */
int virtio_net_create(struct virtio_net **out, const struct guest_mem *mem,
		      const struct net_config *cfg, char *err, size_t errlen);

/* The same with the backend open(ctx) gives; mac NULL: a random one. */
int virtio_net_create_with(struct virtio_net **out, const struct guest_mem *mem,
			   const uint8_t *mac, virtio_net_open_fn open,
			   void *ctx, char *err, size_t errlen);

/*
 * The checks a transmitted header must pass (5.1.6.2.1): only offloads
 * within tx (NET_OFFLOAD_*, the negotiated ones), a checksum position
 * inside the frame_len bytes after the header, and segmentation only with
 * NEEDS_CSUM and a nonzero gso_size.  0 or -EINVAL.
 */
int virtio_net_hdr_check(const uint8_t hdr[NET_HDR_LEN], uint32_t tx,
			 size_t frame_len);

#endif
