/*
 * net.c: the network backends' common part: the `--net` specification,
 * MAC addresses, hostfwd rules, offload bookkeeping and iovec helpers.
 * See net.h.
 */
#include "backend/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/virtio_net.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "backend/slirp.h"
#include "backend/tap.h"

/* Linux 6.2's UDP segmentation offload; Debian 12's headers predate it. */
#ifndef VIRTIO_NET_F_GUEST_USO4
#define VIRTIO_NET_F_GUEST_USO4 54
#define VIRTIO_NET_F_GUEST_USO6 55
#define VIRTIO_NET_F_HOST_USO	56
#endif
#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5
#endif

#define BIT(n) (1ULL << (n))

/* MAC addresses ------------------------------------------------------ */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int net_mac_parse(const char *s, uint8_t mac[NET_MAC_LEN], char *err,
		  size_t errlen)
{
	uint8_t m[NET_MAC_LEN];
	bool zero = true;

	if (strlen(s) != 3 * NET_MAC_LEN - 1)
		goto syntax;
	for (int i = 0; i < NET_MAC_LEN; i++) {
		const char *p = s + 3 * i;
		int hi = hexval(p[0]), lo = hexval(p[1]);

		if (hi < 0 || lo < 0 || (i < NET_MAC_LEN - 1 && p[2] != ':'))
			goto syntax;
		m[i] = (uint8_t)(hi << 4 | lo);
		zero = zero && !m[i];
	}
	if (m[0] & 1) {
		snprintf(err, errlen,
			 "mac '%s' is a multicast address (the first byte's "
			 "low bit is set)",
			 s);
		return -EINVAL;
	}
	if (zero) {
		snprintf(err, errlen, "mac '%s' is all zeros", s);
		return -EINVAL;
	}
	memcpy(mac, m, NET_MAC_LEN);
	return 0;
syntax:
	snprintf(err, errlen,
		 "mac '%s' is not six hex bytes with colons "
		 "(52:54:00:12:34:56)",
		 s);
	return -EINVAL;
}

void net_mac_generate(uint8_t mac[NET_MAC_LEN])
{
	if (getrandom(mac, NET_MAC_LEN, GRND_NONBLOCK) != NET_MAC_LEN) {
		/* No entropy yet (early boot): time and pid will do. */
		struct timespec ts;
		uint64_t x;

		clock_gettime(CLOCK_REALTIME, &ts);
		x = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL ^
		    (uint64_t)ts.tv_sec << 20 ^ (uint64_t)getpid();
		for (int i = 0; i < NET_MAC_LEN; i++, x >>= 8)
			mac[i] = (uint8_t)x;
	}
	/* IEEE 802: bit 1 of the first byte local, bit 0 unicast. */
	mac[0] = (uint8_t)((mac[0] & 0xfc) | 0x02);
}

void net_mac_format(const uint8_t mac[NET_MAC_LEN], char *buf)
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
		 mac[2], mac[3], mac[4], mac[5]);
}

/* hostfwd rules ------------------------------------------------------- */

/* A decimal port, 1 to 65535, digits only. */
static bool parse_port(const char *s, uint16_t *port)
{
	unsigned long v = 0;

	if (!*s || strlen(s) > 5)
		return false;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v < 1 || v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

/* "[addr]:port": the address may be empty (INADDR_ANY). */
static int parse_endpoint(const char *rule, const char *what, char *s,
			  struct in_addr *addr, uint16_t *port, char *err,
			  size_t errlen)
{
	char *colon = strrchr(s, ':');

	if (!colon) {
		snprintf(err, errlen,
			 "hostfwd '%s': the %s part '%s' is not [address]:port",
			 rule, what, s);
		return -EINVAL;
	}
	*colon = '\0';
	addr->s_addr = htonl(INADDR_ANY);
	if (*s && inet_pton(AF_INET, s, addr) != 1) {
		snprintf(err, errlen,
			 "hostfwd '%s': %s address '%s' is not an IPv4 address",
			 rule, what, s);
		return -EINVAL;
	}
	if (!parse_port(colon + 1, port)) {
		snprintf(err, errlen,
			 "hostfwd '%s': %s port '%s' is not a port number "
			 "(1 to 65535)",
			 rule, what, colon + 1);
		return -EINVAL;
	}
	return 0;
}

int net_hostfwd_parse(const char *s, struct net_hostfwd *fwd, char *err,
		      size_t errlen)
{
	char buf[128], *host, *guest, *dash;
	struct net_hostfwd f = { 0 };
	int r;

	if (strlen(s) >= sizeof(buf)) {
		snprintf(err, errlen, "hostfwd '%.40s...': too long", s);
		return -EINVAL;
	}
	strcpy(buf, s);
	host = strchr(buf, ':');
	if (!host) {
		snprintf(err, errlen,
			 "hostfwd '%s': not "
			 "[tcp|udp]:[hostaddr]:hostport-[guestaddr]:guestport",
			 s);
		return -EINVAL;
	}
	*host++ = '\0';
	if (!strcmp(buf, "udp")) {
		f.udp = true;
	} else if (*buf && strcmp(buf, "tcp")) {
		snprintf(err, errlen,
			 "hostfwd '%s': protocol '%s' is not tcp or udp", s,
			 buf);
		return -EINVAL;
	}
	dash = strchr(host, '-');
	if (!dash) {
		snprintf(err, errlen,
			 "hostfwd '%s': no '-' between the host and the guest "
			 "parts",
			 s);
		return -EINVAL;
	}
	*dash = '\0';
	guest = dash + 1;
	r = parse_endpoint(s, "host", host, &f.host_addr, &f.host_port, err,
			   errlen);
	if (!r)
		r = parse_endpoint(s, "guest", guest, &f.guest_addr,
				   &f.guest_port, err, errlen);
	if (r)
		return r;
	*fwd = f;
	return 0;
}

/* --net ---------------------------------------------------------------- */

/* Linux's rule for interface names (dev_valid_name). */
static bool ifname_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || *s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

int net_config_parse(struct net_config *c, const char *spec, char *err,
		     size_t errlen)
{
	char buf[1024], *tok, *next, sub[256];
	struct net_config n = { 0 };
	bool first = true;

	if (strlen(spec) >= sizeof(buf)) {
		snprintf(err, errlen, "--net: the value is too long");
		return -EINVAL;
	}
	strcpy(buf, spec);
	for (tok = buf; tok; tok = next) {
		next = strchr(tok, ',');
		if (next)
			*next++ = '\0';
		if (first) {
			first = false;
			if (!strcmp(tok, "user")) {
				n.kind = NET_USER;
			} else if (!strncmp(tok, "tap=", 4)) {
				if (!ifname_ok(tok + 4)) {
					snprintf(err, errlen,
						 "--net: tap name '%s' is not "
						 "an interface name (1 to %d "
						 "characters, no '/', ':' or "
						 "spaces)",
						 tok + 4, IFNAMSIZ - 1);
					return -EINVAL;
				}
				n.kind = NET_TAP;
				strcpy(n.ifname, tok + 4);
			} else if (!strcmp(tok, "tap")) {
				snprintf(err, errlen,
					 "--net: tap needs a name: tap=NAME");
				return -EINVAL;
			} else {
				snprintf(err, errlen,
					 "--net: '%s' is not a network backend "
					 "(tap=NAME or user)",
					 tok);
				return -EINVAL;
			}
			continue;
		}
		if (!strncmp(tok, "mac=", 4)) {
			if (n.mac_set) {
				snprintf(err, errlen,
					 "--net: mac= is given twice");
				return -EINVAL;
			}
			if (net_mac_parse(tok + 4, n.mac, sub, sizeof(sub))) {
				snprintf(err, errlen, "--net: %s", sub);
				return -EINVAL;
			}
			n.mac_set = true;
		} else if (!strncmp(tok, "hostfwd=", 8)) {
			if (n.kind != NET_USER) {
				snprintf(err, errlen,
					 "--net: hostfwd= is for --net user "
					 "only");
				return -EINVAL;
			}
			if (n.nhostfwd == NET_HOSTFWD_MAX) {
				snprintf(err, errlen,
					 "--net: at most %d hostfwd rules",
					 NET_HOSTFWD_MAX);
				return -EINVAL;
			}
			if (net_hostfwd_parse(tok + 8, &n.hostfwd[n.nhostfwd],
					      sub, sizeof(sub))) {
				snprintf(err, errlen, "--net: %s", sub);
				return -EINVAL;
			}
			n.nhostfwd++;
		} else {
			snprintf(err, errlen,
				 "--net: unknown option '%s' (mac=%s)", tok,
				 n.kind == NET_USER ? ", hostfwd=" : "");
			return -EINVAL;
		}
	}
	*c = n;
	return 0;
}

/* Backends --------------------------------------------------------------- */

int net_backend_open(struct net_backend **out, const struct net_config *c,
		     struct evloop *loop, char *err, size_t errlen)
{
	*out = NULL;
	switch (c->kind) {
	case NET_TAP:
		return tap_open(out, c->ifname, loop, err, errlen);
	case NET_USER:
		return slirp_net_open(out, c, loop, err, errlen);
	case NET_NONE:
		break;
	}
	snprintf(err, errlen, "--net: no backend given");
	return -EINVAL;
}

void net_backend_set_cb(struct net_backend *nb, const struct net_backend_cb *cb)
{
	nb->cb = *cb;
}

void net_backend_close(struct net_backend *nb)
{
	if (nb)
		nb->ops->destroy(nb);
}

/* Offloads --------------------------------------------------------------- */

/* One direction's offloads and their feature bits. */
static const struct {
	uint32_t offload;
	int host, guest; /* VIRTIO_NET_F_* */
} net_offload_bits[] = {
	{ NET_OFFLOAD_CSUM, VIRTIO_NET_F_CSUM, VIRTIO_NET_F_GUEST_CSUM },
	{ NET_OFFLOAD_TSO4, VIRTIO_NET_F_HOST_TSO4, VIRTIO_NET_F_GUEST_TSO4 },
	{ NET_OFFLOAD_TSO6, VIRTIO_NET_F_HOST_TSO6, VIRTIO_NET_F_GUEST_TSO6 },
	{ NET_OFFLOAD_ECN, VIRTIO_NET_F_HOST_ECN, VIRTIO_NET_F_GUEST_ECN },
	{ NET_OFFLOAD_UFO, VIRTIO_NET_F_HOST_UFO, VIRTIO_NET_F_GUEST_UFO },
};

/* The dependencies of virtio 1.2, 5.1.3.1, applied to one direction. */
static uint32_t offloads_consistent(uint32_t o)
{
	if (!(o & NET_OFFLOAD_CSUM))
		return 0;
	if (!(o & (NET_OFFLOAD_TSO4 | NET_OFFLOAD_TSO6)))
		o &= ~NET_OFFLOAD_ECN;
	return o;
}

uint64_t net_offload_features(const struct net_backend *nb)
{
	uint32_t tx = offloads_consistent(nb->tx_offloads);
	uint32_t rx = offloads_consistent(nb->rx_offloads);
	uint64_t f = 0;

	for (size_t i = 0;
	     i < sizeof(net_offload_bits) / sizeof(net_offload_bits[0]); i++) {
		if (tx & net_offload_bits[i].offload)
			f |= BIT(net_offload_bits[i].host);
		if (rx & net_offload_bits[i].offload)
			f |= BIT(net_offload_bits[i].guest);
	}
	if (tx & NET_OFFLOAD_USO)
		f |= BIT(VIRTIO_NET_F_HOST_USO);
	if (rx & NET_OFFLOAD_USO)
		f |= BIT(VIRTIO_NET_F_GUEST_USO4) |
		     BIT(VIRTIO_NET_F_GUEST_USO6);
	return f;
}

void net_offloads_from_features(uint64_t features, uint32_t *tx, uint32_t *rx)
{
	uint64_t uso =
		BIT(VIRTIO_NET_F_GUEST_USO4) | BIT(VIRTIO_NET_F_GUEST_USO6);

	*tx = *rx = 0;
	for (size_t i = 0;
	     i < sizeof(net_offload_bits) / sizeof(net_offload_bits[0]); i++) {
		if (features & BIT(net_offload_bits[i].host))
			*tx |= net_offload_bits[i].offload;
		if (features & BIT(net_offload_bits[i].guest))
			*rx |= net_offload_bits[i].offload;
	}
	if (features & BIT(VIRTIO_NET_F_HOST_USO))
		*tx |= NET_OFFLOAD_USO;
	/* A tap segments UDP for IPv4 and IPv6 or for neither. */
	if ((features & uso) == uso)
		*rx |= NET_OFFLOAD_USO;
	*tx = offloads_consistent(*tx);
	*rx = offloads_consistent(*rx);
}

int net_offloads_check(const struct net_backend *nb, uint32_t tx, uint32_t rx)
{
	if ((tx & ~nb->tx_offloads) || (rx & ~nb->rx_offloads))
		return -EINVAL;
	if (offloads_consistent(tx) != tx || offloads_consistent(rx) != rx)
		return -EINVAL;
	return 0;
}

bool net_hdr_allowed(const uint8_t hdr[NET_HDR_LEN], uint32_t tx)
{
	uint8_t flags = hdr[0], gso = hdr[1];
	bool ecn = gso & VIRTIO_NET_HDR_GSO_ECN;
	uint32_t need;

	/* DATA_VALID and RSC_INFO are the device's to set (5.1.6.2). */
	if (flags & ~VIRTIO_NET_HDR_F_NEEDS_CSUM)
		return false;
	if ((flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && !(tx & NET_OFFLOAD_CSUM))
		return false;
	switch (gso & ~VIRTIO_NET_HDR_GSO_ECN) {
	case VIRTIO_NET_HDR_GSO_NONE:
		return !ecn;
	case VIRTIO_NET_HDR_GSO_TCPV4:
		need = NET_OFFLOAD_TSO4;
		break;
	case VIRTIO_NET_HDR_GSO_TCPV6:
		need = NET_OFFLOAD_TSO6;
		break;
	case VIRTIO_NET_HDR_GSO_UDP:
		need = NET_OFFLOAD_UFO;
		break;
	case VIRTIO_NET_HDR_GSO_UDP_L4:
		need = NET_OFFLOAD_USO;
		break;
	default:
		return false;
	}
	if (ecn) {
		if (need != NET_OFFLOAD_TSO4 && need != NET_OFFLOAD_TSO6)
			return false;
		need |= NET_OFFLOAD_ECN;
	}
	return (tx & need) == need;
}
