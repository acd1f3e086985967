/*
 * vsock.h: virtio-vsock, stream sockets between the guest and host
 * programs (virtio 1.2, 5.10 "Socket Device"), with the host's end on
 * Unix sockets in Firecracker's manner (backend/vsock_unix.h).
 *
 * Emulated: device ID 19; three queues (0 rx: packets for the guest, 1
 * tx: packets from it, 2 event); the configuration space is the guest's
 * CID (le64, 5.10.4); feature VIRTIO_VSOCK_F_STREAM.  The host is CID 2.
 * Stream connections either way:
 *  - a host program connects to the Unix socket PATH and writes
 *    "CONNECT <port>\n": the device sends the guest a REQUEST from a host
 *    port of its own (from 2^30 up) to <port>, and on the guest's RESPONSE
 *    writes "OK <host port>\n" to the program; from then on the Unix
 *    socket carries the stream.  A guest that refuses (RST) or does not
 *    answer within VSOCK_CONNECT_TIMEOUT_MS gets the program's socket
 *    closed;
 *  - a guest that connects to CID 2 port P is connected to the Unix
 *    socket PATH_P (hyve connects to it without waiting), or refused
 *    (RST) when nothing listens there.
 *
 * The stream protocol (5.10.6): REQUEST, RESPONSE, RST, SHUTDOWN, RW,
 * CREDIT_UPDATE and CREDIT_REQUEST, with credit both ways (5.10.6.3):
 *  - host to guest: hyve reads a Unix socket only while the guest has
 *    credit for the connection and an rx buffer, and reads straight into
 *    that buffer, never more than the credit: nothing is buffered here;
 *  - guest to host: each connection advertises buf_alloc =
 *    VSOCK_BUF_ALLOC; bytes the Unix socket does not take at once wait in
 *    a buffer of that size (allocated when first needed), and a guest
 *    that sends beyond its credit is reset.  fwd_cnt counts the bytes
 *    written to the Unix socket; a CREDIT_UPDATE goes out once half the
 *    buffer has been forwarded since the guest last heard.
 * Disconnects: a guest SHUTDOWN(SEND) becomes shutdown(SHUT_WR) on the
 * Unix socket once the buffer is written; the end of a Unix socket's data
 * becomes SHUTDOWN(SEND) to the guest; once neither side will send (or
 * the guest shuts down both ways) the Unix socket is closed and the guest
 * gets an RST (5.10.6.6).  A write error on the Unix socket resets.
 *
 * The guest is hostile: every packet's header is checked.  A packet whose
 * src_cid is not the guest's, or that is shorter than a header, is
 * dropped; one for another CID, of another type than STREAM, with an
 * unknown op, for no connection, out of turn (RW before RESPONSE...),
 * with a len longer than its payload or than its credit gets an RST (and
 * its connection, if any, is closed); an RST is never answered.  At most
 * VSOCK_MAX_CONNS connections exist at once (a REQUEST beyond that is
 * refused), so guest-to-host buffering is bounded by VSOCK_MAX_CONNS *
 * VSOCK_BUF_ALLOC (16 MiB), reachable only while host programs accept
 * and stop reading.
 *
 * The event queue: after a device reset (all connections closed, the Unix
 * sockets of host programs too) and the next activation, the guest gets
 * VIRTIO_VSOCK_EVENT_TRANSPORT_RESET (5.10.6.7).
 *
 * Not emulated: SEQPACKET (VIRTIO_VSOCK_F_SEQPACKET), datagrams, guest
 * connections to CIDs other than 2, host-initiated connections before the
 * driver is ready (they wait in the listen backlog).
 *
 * Threads: the Unix sockets are in the device thread's loop, and
 * everything but create/destroy runs there (virtio.h).
 */
#ifndef HYVE_VIRTIO_VSOCK_H
#define HYVE_VIRTIO_VSOCK_H

#include <stddef.h>
#include <stdint.h>

#include "backend/vsock_unix.h"
#include "virtio/virtio.h"

#define VSOCK_QUEUE_SIZE 256
#define VSOCK_HOST_CID	 2
#define VSOCK_MIN_CID	 3	    /* 0-2 are the hypervisor's and host's */
#define VSOCK_MAX_CID	 0xfffffffe /* 0xffffffff: VMADDR_CID_ANY */

#define VSOCK_MAX_CONNS		 256 /* one fd each: well under a 1024 limit */
#define VSOCK_BUF_ALLOC		 (64u << 10) /* bytes buffered per connection */
#define VSOCK_MAX_PKT		 (64u << 10) /* payload of one packet, at most */
#define VSOCK_CONNECT_TIMEOUT_MS 2000	     /* a host program's REQUEST */
#define VSOCK_LOCAL_PORT_BASE	 (1u << 30)  /* host ports for CONNECT */

/* The packet header (5.10.6), little-endian on the wire. */
struct virtio_vsock_hdr {
	uint64_t src_cid;
	uint64_t dst_cid;
	uint32_t src_port;
	uint32_t dst_port;
	uint32_t len;
	uint16_t type;
	uint16_t op;
	uint32_t flags;
	uint32_t buf_alloc;
	uint32_t fwd_cnt;
} __attribute__((packed));
#define VSOCK_HDR_LEN 44

#define VIRTIO_VSOCK_F_STREAM	 0
#define VIRTIO_VSOCK_TYPE_STREAM 1

enum virtio_vsock_op {
	VIRTIO_VSOCK_OP_INVALID = 0,
	VIRTIO_VSOCK_OP_REQUEST = 1,
	VIRTIO_VSOCK_OP_RESPONSE = 2,
	VIRTIO_VSOCK_OP_RST = 3,
	VIRTIO_VSOCK_OP_SHUTDOWN = 4,
	VIRTIO_VSOCK_OP_RW = 5,
	VIRTIO_VSOCK_OP_CREDIT_UPDATE = 6,
	VIRTIO_VSOCK_OP_CREDIT_REQUEST = 7,
};

#define VIRTIO_VSOCK_SHUTDOWN_RCV  1
#define VIRTIO_VSOCK_SHUTDOWN_SEND 2

#define VIRTIO_VSOCK_EVENT_TRANSPORT_RESET 0

enum { VSOCK_RXQ = 0, VSOCK_TXQ = 1, VSOCK_EVQ = 2 };

struct vsock_conn;

/* What the device counts (device thread; read by tests after a stop). */
struct virtio_vsock_stats {
	uint64_t tx_pkts, rx_pkts;   /* packets from and to the guest */
	uint64_t tx_bytes, rx_bytes; /* RW payload bytes */
	uint64_t dropped;	     /* packets dropped without an answer */
	uint64_t resets;	     /* RSTs sent */
	uint64_t rst_lost;	     /* RSTs lost to a full queue */
};

struct virtio_vsock {
	struct virtio_dev vdev; /* first */
	uint64_t cid;		/* the guest's */
	struct vsock_unix host; /* the Unix sockets */
	/* Device thread: */
	struct vsock_conn *conns[VSOCK_MAX_CONNS];
	unsigned int nconns;
	struct vsock_conn *pend_head, *pend_tail; /* want to send */
	struct {
		uint32_t local, peer;
		uint64_t src_cid; /* what the RST says it comes from */
	} rst[2 * VSOCK_MAX_CONNS];
	unsigned int rst_head, rst_len;
	uint32_t next_port; /* for host-initiated connections */
	bool was_active;    /* an activation happened: a reset is news */
	bool reset_event;   /* TRANSPORT_RESET waits for an event buffer */
	/* An rx chain popped and not used yet (no data came after all). */
	struct iovec rx_iov[VSOCK_QUEUE_SIZE];
	struct virtq_chain rx_chain;
	bool rx_held;
	struct virtio_vsock_stats stats;
};

/*
 * A vsock device for guest CID cid (VSOCK_MIN_CID to VSOCK_MAX_CID) over
 * guest memory mem, listening on the Unix socket path (see vsock_unix.h
 * for what happens to an existing file).  *out's vdev is initialised, not
 * started; virtio_dev_destroy closes everything, removes the socket file
 * and frees it.  0 or a negative errno with one line in err.
 */
int virtio_vsock_create(struct virtio_vsock **out, const struct guest_mem *mem,
			uint64_t cid, const char *path, char *err,
			size_t errlen);

#endif
