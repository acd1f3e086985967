/*
 * net.c: virtio-net (virtio 1.2, 5.1).  See net.h for what is emulated,
 * and backend/net.h for the backend's side of each call.
 */
#include "virtio/net.h"

#include <errno.h>
#include <linux/virtio_net.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/evloop.h"
#include "util/log.h"

/* Linux 6.2's UDP segmentation offload; Debian 12's headers predate it. */
#ifndef VIRTIO_NET_F_GUEST_USO4
#define VIRTIO_NET_F_GUEST_USO4 54
#define VIRTIO_NET_F_GUEST_USO6 55
#endif

#define BIT(n) (1ULL << (n))

/* What every virtio-net offers; the offloads come from the backend. */
#define NET_FEATURES                                                           \
	(BIT(VIRTIO_NET_F_MAC) | BIT(VIRTIO_NET_F_STATUS) |                    \
	 BIT(VIRTIO_NET_F_MRG_RXBUF))
/* The receive offloads (5.1.6.5.6.1: what GUEST_OFFLOADS_SET may name). */
#define NET_GUEST_OFFLOADS                                                     \
	(BIT(VIRTIO_NET_F_GUEST_CSUM) | BIT(VIRTIO_NET_F_GUEST_TSO4) |         \
	 BIT(VIRTIO_NET_F_GUEST_TSO6) | BIT(VIRTIO_NET_F_GUEST_ECN) |          \
	 BIT(VIRTIO_NET_F_GUEST_UFO) | BIT(VIRTIO_NET_F_GUEST_USO4) |          \
	 BIT(VIRTIO_NET_F_GUEST_USO6))

/* Fields of struct virtio_net_hdr_v1 (5.1.6), little-endian. */
#define HDR_FLAGS	0
#define HDR_GSO_TYPE	1
#define HDR_GSO_SIZE	4
#define HDR_CSUM_START	6
#define HDR_CSUM_OFFSET 8
#define HDR_NUM_BUFFERS 10

/* Frames the backend may still hold for the guest at a reset, at most. */
#define NET_DRAIN_MAX 1024

static struct virtio_net *to_net(struct virtio_dev *d)
{
	return (struct virtio_net *)d;
}

static uint16_t le16_at(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

int virtio_net_hdr_check(const uint8_t hdr[NET_HDR_LEN], uint32_t tx,
			 size_t frame_len)
{
	uint8_t flags = hdr[HDR_FLAGS];
	uint8_t gso = hdr[HDR_GSO_TYPE] & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;

	/* Flags, GSO type and ECN against the negotiated offloads. */
	if (!net_hdr_allowed(hdr, tx))
		return -EINVAL;
	/* The checksum goes at csum_start + csum_offset, inside the frame. */
	if ((flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
	    (size_t)le16_at(hdr + HDR_CSUM_START) +
			    le16_at(hdr + HDR_CSUM_OFFSET) + 2 >
		    frame_len)
		return -EINVAL;
	/* Segmentation needs a partial checksum and a segment size. */
	if (gso != VIRTIO_NET_HDR_GSO_NONE &&
	    (!(flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) ||
	     le16_at(hdr + HDR_GSO_SIZE) == 0))
		return -EINVAL;
	return 0;
}

/* Configuration space (5.1.4) ------------------------------------------ */

static void net_config_read(struct virtio_dev *d, uint32_t off, void *buf,
			    uint32_t len)
{
	struct virtio_net *n = to_net(d);
	uint8_t cfg[VIRTIO_NET_CONFIG_LEN] = { 0 };

	memcpy(cfg, n->mac, NET_MAC_LEN);
	cfg[6] = VIRTIO_NET_S_LINK_UP; /* status */
	cfg[8] = 1;		       /* max_virtqueue_pairs */
	memcpy(buf, cfg + off, len);   /* the core checked off + len */
}

/* Receive (5.1.6.3, 5.1.6.4) -------------------------------------------- */

/* What rx_fill found. */
enum rx_fill {
	FILL_ENOUGH, /* the buffers asked for are held */
	FILL_DRY,    /* the ring has no more for now */
	FILL_FULL,   /* the device can hold no more: the whole ring, say */
	FILL_BROKEN, /* the queue is gone or broken */
};

/* What one step of receive did. */
enum rx_step {
	RX_PROGRESS,   /* a frame was delivered, dropped or put aside */
	RX_AGAIN,      /* the backend has nothing more */
	RX_NO_BUFFERS, /* the driver must add buffers first */
	RX_STOP,       /* give up for this turn */
};

static void rx_set(struct virtio_net *n, bool on)
{
	if (n->rx_on == on)
		return;
	n->rx_on = on;
	n->nb->ops->rx_enable(n->nb, on);
}

/*
 * Receive notifications on or off (off while the device holds buffers:
 * it takes more as frames come).  Turning them on returns true when
 * buffers arrived meanwhile, which the driver did not notify.
 */
static bool rx_kicks(struct virtio_net *n, bool on)
{
	struct virtq *vq = virtio_vq(&n->vdev, VIRTIO_NET_RXQ);
	bool work;

	if (!vq || (!on && !n->rx_kicks))
		return false;
	work = virtq_notify_enable(vq, on);
	n->rx_kicks = on;
	return on && work;
}

static void rx_dropped(struct virtio_net *n, const char *why)
{
	n->stats.rx_dropped++;
	if (!n->logged_rx) {
		n->logged_rx = true;
		log_info("virtio-net",
			 "a frame for the guest dropped: %s "
			 "(further drops are only counted)",
			 why);
	}
}

/*
 * Take receive chains until want bytes are held (without MRG_RXBUF: one
 * chain).  A chain the device cannot use is given back at once, unused
 * (*pushed).
 */
static enum rx_fill rx_fill(struct virtio_net *n, size_t want, bool *pushed)
{
	struct virtio_dev *d = &n->vdev;
	struct virtq *vq = virtio_vq(d, VIRTIO_NET_RXQ);
	unsigned int qsize;

	if (!vq)
		return FILL_BROKEN;
	qsize = vq->cfg.size;
	for (unsigned int tries = 0;
	     n->rx_bytes < want && (n->mrg || !n->rx_nheld); tries++) {
		struct virtq_chain c;
		int r;

		/*
		 * Room for a chain as long as the queue (virtq_pop refuses
		 * longer ones), and never more chains than the ring has.
		 */
		if (n->rx_nheld >= qsize ||
		    VIRTIO_NET_RX_IOV - n->rx_niov < qsize)
			return FILL_FULL;
		if (tries == qsize)
			return FILL_DRY; /* a ring of bad chains: later */
		c = (struct virtq_chain){
			.iov = n->rx_iov + n->rx_niov,
			.iov_cap = VIRTIO_NET_RX_IOV - n->rx_niov,
		};
		r = virtio_pop(d, VIRTIO_NET_RXQ, &c);
		if (r < 0)
			return FILL_BROKEN;
		if (r == 0)
			return FILL_DRY;
		if (c.nout || c.in_len < NET_HDR_LEN) {
			n->stats.rx_bad_chains++;
			log_debug("virtio-net",
				  "receive chain %u: %s; returned unused",
				  c.head,
				  c.nout ? "device-readable buffers"
					 : "shorter than the header");
			virtio_push(d, VIRTIO_NET_RXQ, c.head, 0);
			*pushed = true;
			continue;
		}
		n->rx_held[n->rx_nheld++] = (struct virtio_net_held){
			.head = c.head,
			.niov = (uint16_t)c.nin,
			.len = (uint32_t)c.in_len,
		};
		n->rx_niov += c.nin;
		n->rx_bytes += c.in_len;
	}
	return FILL_ENOUGH;
}

/* Let go of the first chains held (their iovecs are the first iovs). */
static void rx_forget(struct virtio_net *n, unsigned int chains,
		      unsigned int iovs)
{
	size_t bytes = 0;

	for (unsigned int i = 0; i < chains; i++)
		bytes += n->rx_held[i].len;
	memmove(n->rx_held, n->rx_held + chains,
		(n->rx_nheld - chains) * sizeof(n->rx_held[0]));
	memmove(n->rx_iov, n->rx_iov + iovs,
		(n->rx_niov - iovs) * sizeof(n->rx_iov[0]));
	n->rx_nheld -= chains;
	n->rx_niov -= iovs;
	n->rx_bytes -= bytes;
}

/*
 * A frame of len bytes (header included, len <= rx_bytes) is in the held
 * chains from the first on: set num_buffers and hand them back.
 */
static void rx_deliver(struct virtio_net *n, size_t len)
{
	struct virtio_dev *d = &n->vdev;
	unsigned int used = 0, iovs = 0;
	size_t left = len;

	while (left && used < n->rx_nheld)
		left -= min_size(left, n->rx_held[used++].len);
	if (n->mrg) {
		/* 5.1.6.4: the chains this frame spans; in the first one. */
		const uint8_t num[2] = { (uint8_t)used, (uint8_t)(used >> 8) };

		iov_write(n->rx_iov, n->rx_niov, HDR_NUM_BUFFERS, num,
			  sizeof(num));
	}
	left = len;
	for (unsigned int i = 0; i < used; i++) {
		size_t take = min_size(left, n->rx_held[i].len);

		virtio_push(d, VIRTIO_NET_RXQ, n->rx_held[i].head,
			    (uint32_t)take);
		left -= take;
		iovs += n->rx_held[i].niov;
	}
	rx_forget(n, used, iovs);
	n->stats.rx_frames++;
	n->stats.rx_bytes += len;
	if (used > 1)
		n->stats.rx_merged++;
}

static enum rx_step rx_one(struct virtio_net *n, bool *pushed)
{
	struct net_backend *nb = n->nb;
	size_t want = n->stash_len ? n->stash_len : n->mrg ? NET_FRAME_MAX : 1;
	enum rx_fill f = rx_fill(n, want, pushed);
	ssize_t r;

	if (f == FILL_BROKEN)
		return RX_STOP;
	if (n->stash_len) {
		/* A frame waits for room. */
		if (n->rx_bytes >= n->stash_len) {
			iov_write(n->rx_iov, n->rx_niov, 0, n->stash,
				  n->stash_len);
			rx_deliver(n, n->stash_len);
			n->stash_len = 0;
			*pushed = true;
			return RX_PROGRESS;
		}
		if (f == FILL_FULL) {
			rx_dropped(n, "larger than every receive buffer the "
				      "driver gave");
			n->stash_len = 0;
			return RX_PROGRESS;
		}
		return RX_NO_BUFFERS;
	}
	if (!n->rx_nheld)
		return RX_NO_BUFFERS;
	/* Buffers in hand: take frames, and more buffers as they come. */
	rx_kicks(n, false);
	rx_set(n, true);
	if (n->mrg && f == FILL_DRY) {
		/*
		 * Fewer buffers than the largest frame needs: this frame
		 * may fit or not.  It lands here, and goes on (or waits)
		 * by its size.
		 */
		const struct iovec v = { n->stash, NET_FRAME_MAX };

		r = nb->ops->recv(nb, &v, 1);
		if (r >= NET_HDR_LEN) {
			n->stash_len = (size_t)r;
			return RX_PROGRESS;
		}
	} else {
		r = nb->ops->recv(nb, n->rx_iov,
				  n->mrg ? n->rx_niov : n->rx_held[0].niov);
		if (r >= NET_HDR_LEN) {
			rx_deliver(n, (size_t)r);
			*pushed = true;
			return RX_PROGRESS;
		}
	}
	switch (r) {
	case -EAGAIN:
		return RX_AGAIN;
	case -EMSGSIZE:
		rx_dropped(n, n->mrg ? "larger than the receive buffers"
				     : "larger than the receive buffer "
				       "(no MRG_RXBUF)");
		return RX_PROGRESS;
	default:
		log_warn("virtio-net", "%s: receive: %s", nb->kind,
			 r < 0 ? strerror((int)-r) : "a frame without header");
		return RX_STOP;
	}
}

/* Device thread: move frames to the guest while there are both. */
static void rx_run(struct virtio_net *n)
{
	struct virtio_dev *d = &n->vdev;
	bool pushed = false;

	if (!d->active || !virtio_vq(d, VIRTIO_NET_RXQ))
		return;
	for (unsigned int budget = VIRTIO_NET_BUDGET;; budget--) {
		enum rx_step s;

		if (!budget) {
			/* More later: let the loop's other events in. */
			evloop_timer_arm(n->rx_more, evloop_now_ns());
			break;
		}
		s = rx_one(n, &pushed);
		if (s == RX_PROGRESS)
			continue;
		if (s == RX_NO_BUFFERS) {
			if (rx_kicks(n, true))
				continue; /* buffers came meanwhile */
			/* Frames wait in the backend until a notify. */
			rx_set(n, false);
		}
		break;
	}
	if (pushed)
		virtio_notify(d, VIRTIO_NET_RXQ);
}

static void net_rx_ready(void *ctx)
{
	rx_run(ctx);
}

static void net_rx_more(void *ctx)
{
	rx_run(ctx);
}

/* Transmit (5.1.6.2) ----------------------------------------------------- */

/* Why the chain in hand may not be sent, or NULL. */
static const char *tx_problem(struct virtio_net *n, const struct virtq_chain *c)
{
	uint8_t hdr[NET_HDR_LEN];

	if (c->nin)
		return "a device-writable buffer in a transmit chain";
	if (c->out_len < NET_HDR_LEN + ETH_HLEN)
		return "shorter than a header and an Ethernet header";
	if (c->out_len > NET_FRAME_MAX)
		return "longer than the largest frame";
	/* A copy: the guest may change its memory as we look. */
	iov_read(c->iov, c->nout, 0, hdr, sizeof(hdr));
	if (virtio_net_hdr_check(hdr, n->nb->tx_on, c->out_len - NET_HDR_LEN))
		return "a header with offloads not negotiated or out of "
		       "bounds";
	return NULL;
}

static void tx_dropped(struct virtio_net *n, const char *why)
{
	n->stats.tx_dropped++;
	if (!n->logged_tx) {
		n->logged_tx = true;
		log_info("virtio-net",
			 "a frame from the guest dropped: %s "
			 "(further drops are only counted)",
			 why);
	}
}

enum tx_step {
	TX_DONE,    /* a chain went back to the driver */
	TX_EMPTY,   /* nothing to send, or the queue is broken */
	TX_BLOCKED, /* the backend said -EAGAIN: the chain is kept */
};

static enum tx_step tx_one(struct virtio_net *n)
{
	struct virtio_dev *d = &n->vdev;
	struct virtq_chain *c = &n->tx_chain;
	const char *why;

	if (!n->tx_held) {
		c->iov = n->tx_iov;
		c->iov_cap = VIRTIO_NET_QUEUE_SIZE;
		if (virtio_pop(d, VIRTIO_NET_TXQ, c) <= 0)
			return TX_EMPTY;
	}
	n->tx_held = false;
	why = tx_problem(n, c);
	if (!why) {
		int r = n->nb->ops->send(n->nb, c->iov, c->nout);

		if (r == -EAGAIN) {
			n->tx_held = true;
			n->stats.tx_blocked++;
			return TX_BLOCKED;
		}
		if (r == 0) {
			n->stats.tx_frames++;
			n->stats.tx_bytes += c->out_len;
		} else {
			why = r == -EINVAL ? "refused by the backend"
					   : "the backend failed";
		}
	}
	if (why)
		tx_dropped(n, why);
	virtio_push(d, VIRTIO_NET_TXQ, c->head, 0);
	return TX_DONE;
}

/* Device thread: send what the driver queued, until the backend balks. */
static void tx_run(struct virtio_net *n)
{
	struct virtio_dev *d = &n->vdev;
	struct virtq *vq = virtio_vq(d, VIRTIO_NET_TXQ);
	bool pushed = false;

	if (!d->active || !vq)
		return;
	for (unsigned int budget = VIRTIO_NET_BUDGET;; budget--) {
		enum tx_step s;

		if (!budget) {
			evloop_timer_arm(n->tx_more, evloop_now_ns());
			break;
		}
		s = tx_one(n);
		if (s == TX_DONE) {
			pushed = true;
			continue;
		}
		if (s == TX_BLOCKED) /* no notifies until tx_ready */
			virtq_notify_enable(vq, false);
		break;
	}
	if (pushed)
		virtio_notify(d, VIRTIO_NET_TXQ);
}

static void net_tx_ready(void *ctx)
{
	struct virtio_net *n = ctx;
	struct virtq *vq = virtio_vq(&n->vdev, VIRTIO_NET_TXQ);

	if (!n->vdev.active || !vq)
		return;
	virtq_notify_enable(vq, true);
	tx_run(n);
}

static void net_tx_more(void *ctx)
{
	tx_run(ctx);
}

/* The control queue (5.1.6.5) ---------------------------------------------- */

/* 5.1.6.5.6: which receive offloads the backend applies. */
static uint8_t ctrl_guest_offloads(struct virtio_net *n, uint64_t want)
{
	uint32_t tx, rx;
	int r;

	if (want & ~(NET_GUEST_OFFLOADS & n->vdev.driver_features))
		return VIRTIO_NET_ERR; /* one that was not negotiated */
	net_offloads_from_features(want, &tx, &rx);
	r = n->nb->ops->set_offloads(n->nb, n->nb->tx_on, rx);
	if (r) {
		log_info("virtio-net", "%s: receive offloads %#x: %s",
			 n->nb->kind, rx, strerror(-r));
		return VIRTIO_NET_ERR;
	}
	log_debug("virtio-net", "receive offloads now %#x", rx);
	return VIRTIO_NET_OK;
}

/* One command: class, command, data (readable), then the ack (writable). */
static uint8_t ctrl_command(struct virtio_net *n, const struct virtq_chain *c)
{
	uint8_t cmd[2 + 8];
	size_t got = iov_read(c->iov, c->nout, 0, cmd, sizeof(cmd));

	if (got >= 2 && cmd[0] == VIRTIO_NET_CTRL_GUEST_OFFLOADS &&
	    cmd[1] == VIRTIO_NET_CTRL_GUEST_OFFLOADS_SET &&
	    c->out_len == sizeof(cmd)) {
		uint64_t want = 0;

		for (int i = 7; i >= 0; i--)
			want = want << 8 | cmd[2 + i];
		return ctrl_guest_offloads(n, want);
	}
	log_debug("virtio-net", "control command %u.%u (%llu bytes) refused",
		  got > 0 ? cmd[0] : 0, got > 1 ? cmd[1] : 0,
		  (unsigned long long)c->out_len);
	return VIRTIO_NET_ERR;
}

static void ctrl_run(struct virtio_net *n)
{
	struct virtio_dev *d = &n->vdev;
	struct virtq_chain c = { .iov = n->ctrl_iov,
				 .iov_cap = VIRTIO_NET_QUEUE_SIZE };
	bool pushed = false;

	for (unsigned int budget = VIRTIO_NET_BUDGET;
	     budget && virtio_pop(d, VIRTIO_NET_CTRLQ, &c) > 0; budget--) {
		uint8_t ack;
		uint32_t written = 0;

		if (c.nin) {
			ack = ctrl_command(n, &c);
			iov_write(c.iov + c.nout, c.nin, 0, &ack, 1);
			written = 1;
			if (ack == VIRTIO_NET_OK)
				n->stats.ctrl_ok++;
			else
				n->stats.ctrl_err++;
		} else {
			n->stats.ctrl_err++; /* nowhere to answer */
		}
		virtio_push(d, VIRTIO_NET_CTRLQ, c.head, written);
		pushed = true;
	}
	if (pushed)
		virtio_notify(d, VIRTIO_NET_CTRLQ);
}

/* The device contract ------------------------------------------------------ */

static int net_activate(struct virtio_dev *d)
{
	struct virtio_net *n = to_net(d);
	uint32_t tx, rx;
	int r;

	n->mrg = virtio_has_feature(d, VIRTIO_NET_F_MRG_RXBUF);
	net_offloads_from_features(d->driver_features, &tx, &rx);
	r = n->nb->ops->set_offloads(n->nb, tx, rx);
	if (r) {
		log_info("virtio-net", "%s: offloads tx %#x rx %#x: %s",
			 n->nb->kind, tx, rx, strerror(-r));
		return r;
	}
	n->rx_kicks = true; /* a fresh ring asks for notifications */
	log_debug("virtio-net", "%s: active, offloads tx %#x rx %#x%s",
		  n->nb->kind, tx, rx, n->mrg ? ", mergeable buffers" : "");
	return 0;
}

static void net_notify(struct virtio_dev *d, unsigned int q)
{
	struct virtio_net *n = to_net(d);

	switch (q) {
	case VIRTIO_NET_RXQ: /* buffers were added */
		rx_run(n);
		break;
	case VIRTIO_NET_TXQ:
		if (!n->tx_held) /* else tx_ready comes first */
			tx_run(n);
		break;
	case VIRTIO_NET_CTRLQ:
		ctrl_run(n);
		break;
	}
}

static void net_reset(struct virtio_dev *d)
{
	struct virtio_net *n = to_net(d);
	struct net_backend *nb = n->nb;
	const struct iovec v = { n->stash, NET_FRAME_MAX };

	rx_set(n, false);
	evloop_timer_arm(n->rx_more, 0);
	evloop_timer_arm(n->tx_more, 0);
	n->rx_nheld = n->rx_niov = 0;
	n->rx_bytes = 0;
	n->stash_len = 0;
	n->tx_held = false;
	n->mrg = false;
	nb->ops->set_offloads(nb, 0, 0);
	/* Frames that waited for the old driver are not the new one's. */
	for (int i = 0; i < NET_DRAIN_MAX; i++) {
		ssize_t r = nb->ops->recv(nb, &v, 1);

		if (r < 0 && r != -EMSGSIZE)
			break;
	}
}

static void net_destroy(struct virtio_dev *d)
{
	struct virtio_net *n = to_net(d);
	const struct virtio_net_stats *s = &n->stats;

	if (n->nb)
		log_info("virtio-net",
			 "%s: tx %llu frames (%llu dropped), rx %llu frames "
			 "(%llu dropped, %llu merged)",
			 n->nb->kind, (unsigned long long)s->tx_frames,
			 (unsigned long long)s->tx_dropped,
			 (unsigned long long)s->rx_frames,
			 (unsigned long long)s->rx_dropped,
			 (unsigned long long)s->rx_merged);
	/* The loop is stopped but still there (virtio.h). */
	if (n->rx_more)
		evloop_timer_free(n->rx_more);
	if (n->tx_more)
		evloop_timer_free(n->tx_more);
	net_backend_close(n->nb);
	free(n->stash);
	free(n);
}

static const struct virtio_dev_ops net_ops = {
	.name = "virtio-net",
	.device_id = VIRTIO_ID_NET,
	.num_queues = 3, /* receiveq1, transmitq1, controlq */
	.queue_max = VIRTIO_NET_QUEUE_SIZE,
	.features = NET_FEATURES,
	.config_size = VIRTIO_NET_CONFIG_LEN,
	.config_read = net_config_read,
	.activate = net_activate,
	.notify = net_notify,
	.reset = net_reset,
	.destroy = net_destroy,
};

/* Creation ---------------------------------------------------------------- */

int virtio_net_create_with(struct virtio_net **out, const struct guest_mem *mem,
			   const uint8_t *mac, virtio_net_open_fn open,
			   void *ctx, char *err, size_t errlen)
{
	struct virtio_net *n = calloc(1, sizeof(*n));
	uint64_t offloads;
	char macs[18];
	int r;

	if (!n || !(n->stash = malloc(NET_FRAME_MAX))) {
		free(n);
		snprintf(err, errlen, "virtio-net: out of memory");
		return -ENOMEM;
	}
	r = virtio_dev_init(&n->vdev, &net_ops, mem);
	if (r) {
		free(n->stash);
		free(n);
		snprintf(err, errlen, "virtio-net: %s", strerror(-r));
		return r;
	}
	/* From here virtio_dev_destroy frees n (net_destroy). */
	r = open(&n->nb, n->vdev.loop, ctx, err, errlen);
	if (r)
		goto fail;
	net_backend_set_cb(n->nb, &(const struct net_backend_cb){
					  .rx_ready = net_rx_ready,
					  .tx_ready = net_tx_ready,
					  .ctx = n,
				  });
	n->rx_more = evloop_timer_new(n->vdev.loop, net_rx_more, n);
	n->tx_more = evloop_timer_new(n->vdev.loop, net_tx_more, n);
	if (!n->rx_more || !n->tx_more) {
		r = -ENOMEM;
		snprintf(err, errlen, "virtio-net: out of memory");
		goto fail;
	}
	offloads = net_offload_features(n->nb);
	n->vdev.features |= offloads;
	if (offloads & NET_GUEST_OFFLOADS)
		n->vdev.features |= BIT(VIRTIO_NET_F_CTRL_VQ) |
				    BIT(VIRTIO_NET_F_CTRL_GUEST_OFFLOADS);
	if (mac)
		memcpy(n->mac, mac, NET_MAC_LEN);
	else
		net_mac_generate(n->mac);
	net_mac_format(n->mac, macs);
	log_info("virtio-net", "%s backend, mac %s, features %#llx",
		 n->nb->kind, macs, (unsigned long long)n->vdev.features);
	*out = n;
	return 0;
fail:
	virtio_dev_destroy(&n->vdev);
	return r;
}

static int open_configured(struct net_backend **out, struct evloop *loop,
			   void *ctx, char *err, size_t errlen)
{
	return net_backend_open(out, ctx, loop, err, errlen);
}

int virtio_net_create(struct virtio_net **out, const struct guest_mem *mem,
		      const struct net_config *cfg, char *err, size_t errlen)
{
	return virtio_net_create_with(out, mem, cfg->mac_set ? cfg->mac : NULL,
				      open_configured, (void *)cfg, err,
				      errlen);
}
