/*
 * test_tap.c: the tap backend (backend/tap.c) against the real kernel.
 *
 * Each test runs in a forked child inside a fresh network namespace
 * (unshare(CLONE_NEWNET), or with a user namespace too when that is all
 * an unprivileged user may do), so no interface or address leaks into the
 * host's network.  There the child makes taps, gives the host side an
 * address, and plays the guest: frames with a virtio-net header written
 * into the tap, the kernel's replies read back.  A test skips, saying why,
 * where no namespace can be made or there is no /dev/net/tun.
 *
 * The child cannot use cmocka's asserts (a failure would go on running
 * the other tests in the child), so it checks with CHECK and reports
 * through a pipe: exit 0 passed, 77 skipped, anything else failed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend/net.h"
#include "backend/tap.h"
#include "net_fixture.h"

#define SKIP_STATUS 77

static int report_fd = -1; /* the child's end of the pipe */
static char err[256];

static void __attribute__((noreturn)) child_fail(int line, const char *what)
{
	dprintf(report_fd, "test_tap.c:%d: %s (last errno: %s; err: %s)", line,
		what, strerror(errno), err);
	_exit(1);
}

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond))                                                   \
			child_fail(__LINE__, #cond);                           \
	} while (0)

static void __attribute__((noreturn)) child_skip(const char *why)
{
	dprintf(report_fd, "%s", why);
	_exit(SKIP_STATUS);
}

/* Into a network namespace of our own, or skip. */
static void enter_netns(void)
{
	char why[200];
	int e;

	if (unshare(CLONE_NEWNET) == 0)
		goto ns;
	e = errno;
	/* Unprivileged: a user namespace brings CAP_NET_ADMIN over its own. */
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0)
		goto ns;
	snprintf(why, sizeof(why),
		 "cannot make a network namespace (unshare: %s; with a user "
		 "namespace: %s): tap tests need CAP_NET_ADMIN in one",
		 strerror(e), strerror(errno));
	child_skip(why);
ns:
	if (access("/dev/net/tun", R_OK | W_OK) < 0) {
		snprintf(why, sizeof(why), "no usable /dev/net/tun: %s",
			 strerror(errno));
		child_skip(why);
	}
}

/* Run body in a child in its own network namespace; pass, skip or fail. */
static void in_netns(void (*body)(void))
{
	char msg[512] = "";
	int p[2], status;
	ssize_t n, got = 0;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	fflush(stdout);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		report_fd = p[1];
		err[0] = '\0';
		enter_netns();
		body();
		exit(0); /* not _exit: LeakSanitizer checks the child too */
	}
	close(p[1]);
	while (got < (ssize_t)sizeof(msg) - 1 &&
	       (n = read(p[0], msg + got, sizeof(msg) - 1 - (size_t)got)) > 0)
		got += n;
	msg[got] = '\0';
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == SKIP_STATUS) {
		printf("[  SKIPPED ] %s\n", msg);
		skip();
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("child %s %d: %s",
			 WIFEXITED(status) ? "exited" : "killed by signal",
			 WIFEXITED(status) ? WEXITSTATUS(status)
					   : WTERMSIG(status),
			 msg);
}

/* Helpers for the child ------------------------------------------------ */

static int ifreq_ioctl(const char *name, unsigned long req, struct ifreq *ifr)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r;

	if (s < 0)
		return -1;
	strncpy(ifr->ifr_name, name, IFNAMSIZ - 1);
	r = ioctl(s, req, ifr);
	close(s);
	return r;
}

static void set_addr(const char *name, const char *addr, const char *mask)
{
	struct ifreq ifr = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;

	sin->sin_family = AF_INET;
	CHECK(inet_pton(AF_INET, addr, &sin->sin_addr) == 1);
	CHECK(ifreq_ioctl(name, SIOCSIFADDR, &ifr) == 0);
	memset(&ifr, 0, sizeof(ifr));
	sin->sin_family = AF_INET;
	CHECK(inet_pton(AF_INET, mask, &sin->sin_addr) == 1);
	CHECK(ifreq_ioctl(name, SIOCSIFNETMASK, &ifr) == 0);
}

/* A tap made by hand, persistent or not, TAP or TUN; its fd. */
static int raw_tun(const char *name, short type, bool persist)
{
	struct ifreq ifr = { 0 };
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	CHECK(fd >= 0);
	strcpy(ifr.ifr_name, name);
	ifr.ifr_flags = (short)(type | IFF_NO_PI);
	CHECK(ioctl(fd, TUNSETIFF, &ifr) == 0);
	if (persist)
		CHECK(ioctl(fd, TUNSETPERSIST, 1) == 0);
	return fd;
}

static void unpersist(const char *name, short type)
{
	int fd = raw_tun(name, type, false);

	CHECK(ioctl(fd, TUNSETPERSIST, 0) == 0);
	close(fd);
	CHECK(if_nametoindex(name) == 0);
}

static void open_tap(struct fx *fx, const char *name)
{
	fx_init(fx);
	CHECK(evloop_create(&fx->loop, "tap-test") == 0);
	CHECK(tap_open(&fx->nb, name, fx->loop, err, sizeof(err)) == 0);
}

struct offloads_args {
	struct fx *fx;
	uint32_t tx, rx;
	int result;
};

static void call_set_offloads(void *ctx)
{
	struct offloads_args *a = ctx;

	a->result = a->fx->nb->ops->set_offloads(a->fx->nb, a->tx, a->rx);
}

static int set_offloads(struct fx *fx, uint32_t tx, uint32_t rx)
{
	struct offloads_args a = { fx, tx, rx, -1 };

	CHECK(evloop_call(fx->loop, call_set_offloads, &a) == 0);
	return a.result;
}

/* Matching what the kernel sends the guest ------------------------------- */

struct icmp_match {
	uint16_t id, seq;
	const char *data;
};

static bool is_echo_reply(const struct fx_frame *fr, void *arg)
{
	const struct icmp_match *m = arg;
	struct fx_ip p;
	size_t n = strlen(m->data);

	return fx_parse(fr->data, fr->len, &p) && p.type == ETH_IPV4 &&
	       p.proto == 1 && p.l4len == 8 + n && p.l4[0] == 0 &&
	       get16(p.l4 + 4) == m->id && get16(p.l4 + 6) == m->seq &&
	       !memcmp(p.l4 + 8, m->data, n) &&
	       csum_fold(csum_add(0, p.l4, p.l4len)) == 0;
}

static bool is_udp_to(const struct fx_frame *fr, void *arg)
{
	struct fx_ip p;

	return fx_parse(fr->data, fr->len, &p) && p.type == ETH_IPV4 &&
	       p.proto == 17 && p.l4len >= 8 &&
	       get16(p.l4 + 2) == *(uint16_t *)arg;
}

/*
 * Long chains: a frame sent in one-byte buffers (more than tap.c passes to
 * writev as they are) and one received into more buffers than IOV_MAX,
 * both through the bounce buffer.  Runs on the loop's thread with receive
 * off, so nothing else takes the reply.
 */
#define MANY_RX 1100

struct many {
	struct fx *fx;
	const uint8_t *frame; /* header and frame */
	size_t len;
	struct icmp_match *want;
	int sent;
	bool found;
	uint8_t buf[2 * MANY_RX];
};

static void call_many(void *ctx)
{
	static struct iovec tx[NET_FRAME_MAX], rx[MANY_RX];
	struct many *m = ctx;
	struct net_backend *nb = m->fx->nb;
	uint64_t end = evloop_now_ns() + 5000000000ULL;

	nb->ops->rx_enable(nb, false);
	for (size_t i = 0; i < m->len; i++)
		tx[i] = (struct iovec){ (void *)(m->frame + i), 1 };
	m->sent = nb->ops->send(nb, tx, (unsigned int)m->len);
	for (int i = 0; i < MANY_RX; i++)
		rx[i] = (struct iovec){ m->buf + 2 * i, 2 };
	while (!m->found && evloop_now_ns() < end) {
		ssize_t r = nb->ops->recv(nb, rx, MANY_RX);
		struct fx_frame fr = { .data = m->buf + NET_HDR_LEN };

		if (r == -EAGAIN) {
			usleep(1000);
			continue;
		}
		if (r < NET_HDR_LEN)
			break;
		memcpy(fr.hdr, m->buf, NET_HDR_LEN);
		fr.len = (size_t)r - NET_HDR_LEN;
		m->found = is_echo_reply(&fr, m->want) && fr.hdr[10] == 1;
	}
	nb->ops->rx_enable(nb, true);
}

/* The tests' bodies ------------------------------------------------------ */

#define HOST_IP	 "10.77.0.1"
#define GUEST_IP "10.77.0.2"

static void print_offloads(uint32_t o)
{
	static const char *const names[] = { "csum", "tso4", "tso6",
					     "ecn",  "ufo",  "uso" };

	printf("[   NOTE   ] this kernel's tap offloads:");
	for (int i = 0; i < 6; i++)
		if (o & (1u << i))
			printf(" %s", names[i]);
	printf("\n");
	fflush(stdout);
}

/*
 * A tap hyve creates: up, offloads probed, ARP and ICMP answered by the
 * kernel, checksum offload off until asked for and on after, and gone once
 * closed.
 */
static void body_create(void)
{
	const uint32_t host = ip_of(HOST_IP), guest = ip_of(GUEST_IP);
	struct fx fx;
	struct fx_arp_match am = { host, guest };
	struct icmp_match im = { 0x4242, 7, "hyve ping" };
	const struct fx_frame *fr;
	struct ifreq ifr = { 0 };
	struct sockaddr_in to = { .sin_family = AF_INET };
	uint8_t f[256], tap_mac[6], hdr[NET_HDR_LEN] = { 0 };
	uint16_t port = 7777;
	char got[16];
	struct fx_ip p;
	size_t n;
	int s;

	CHECK(if_nametoindex("hyvet0") == 0);
	open_tap(&fx, "hyvet0");
	CHECK(tap_created(fx.nb));
	CHECK(!strcmp(tap_ifname(fx.nb), "hyvet0"));
	CHECK(!strcmp(fx.nb->kind, "tap"));
	CHECK(ifreq_ioctl("hyvet0", SIOCGIFFLAGS, &ifr) == 0);
	CHECK(ifr.ifr_flags & IFF_UP);
	/* Every tap since Linux 2.6.27 can do checksums and TSO. */
	print_offloads(fx.nb->rx_offloads);
	CHECK(fx.nb->tx_offloads == fx.nb->rx_offloads);
	CHECK((fx.nb->rx_offloads &
	       (NET_OFFLOAD_CSUM | NET_OFFLOAD_TSO4 | NET_OFFLOAD_TSO6)) ==
	      (NET_OFFLOAD_CSUM | NET_OFFLOAD_TSO4 | NET_OFFLOAD_TSO6));
	CHECK(net_offload_features(fx.nb) & (1ULL << VIRTIO_NET_F_GUEST_TSO4));
	set_addr("hyvet0", HOST_IP, "255.255.255.0");
	CHECK(ifreq_ioctl("hyvet0", SIOCGIFHWADDR, &ifr) == 0);
	memcpy(tap_mac, ifr.ifr_hwaddr.sa_data, 6);
	CHECK(fx_start(&fx) == 0);

	/* ARP: the kernel answers for its address. */
	n = fx_arp_request(f, fx_guest_mac, guest, host);
	CHECK(fx_send(&fx, f, n) == 0);
	fr = fx_wait(&fx, fx_is_arp_reply, &am, 5000);
	CHECK(fr);
	CHECK(!memcmp(fr->data, fx_guest_mac, 6));
	CHECK(!memcmp(fr->data + ETH_HLEN + 8, tap_mac, 6));
	/* The header: no offload, and num_buffers 1 (the kernel skips it). */
	CHECK(fr->hdr[0] == 0 && fr->hdr[1] == 0);
	CHECK(fr->hdr[10] == 1 && fr->hdr[11] == 0);

	/* ICMP echo. */
	n = fx_icmp_echo(f, tap_mac, fx_guest_mac, guest, host, im.id, im.seq,
			 im.data, strlen(im.data));
	CHECK(fx_send(&fx, f, n) == 0);
	CHECK(fx_wait(&fx, is_echo_reply, &im, 5000));
	{
		static struct many m;
		struct icmp_match im2 = {
			0x4243, 8, "a ping in one-byte buffers, one a piece"
		};

		memset(f, 0, NET_HDR_LEN);
		n = fx_icmp_echo(f + NET_HDR_LEN, tap_mac, fx_guest_mac, guest,
				 host, im2.id, im2.seq, im2.data,
				 strlen(im2.data));
		m = (struct many){ .fx = &fx,
				   .frame = f,
				   .len = NET_HDR_LEN + n,
				   .want = &im2 };
		CHECK(m.len > 64); /* tap.c: TAP_IOV_MAX */
		CHECK(evloop_call(fx.loop, call_many, &m) == 0);
		CHECK(m.sent == 0);
		CHECK(m.found);
	}

	/* Kernel to guest UDP: a full checksum while offloads are off. */
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	CHECK(s >= 0);
	to.sin_port = htons(port);
	to.sin_addr.s_addr = htonl(guest);
	CHECK(sendto(s, "offload?", 8, 0, (struct sockaddr *)&to, sizeof(to)) ==
	      8);
	fr = fx_wait(&fx, is_udp_to, &port, 5000);
	CHECK(fr);
	CHECK(fr->hdr[0] == 0);
	fx_parse(fr->data, fr->len, &p);
	CHECK(get16(p.l4 + 6) != 0);
	CHECK(csum_fold(csum_add(pseudo_sum(host, guest, 17, p.l4len), p.l4,
				 p.l4len)) == 0);

	/* Offloads on (as the driver negotiated): a partial checksum now. */
	CHECK(set_offloads(&fx, NET_OFFLOAD_CSUM, NET_OFFLOAD_CSUM) == 0);
	CHECK(set_offloads(&fx, 0, NET_OFFLOAD_TSO4) == -EINVAL);
	port = 7778;
	to.sin_port = htons(port);
	CHECK(sendto(s, "offload!", 8, 0, (struct sockaddr *)&to, sizeof(to)) ==
	      8);
	fr = fx_wait(&fx, is_udp_to, &port, 5000);
	CHECK(fr);
	CHECK(fr->hdr[0] & VIRTIO_NET_HDR_F_NEEDS_CSUM);
	CHECK(fr->hdr[1] == VIRTIO_NET_HDR_GSO_NONE);
	CHECK((fr->hdr[6] | fr->hdr[7] << 8) == ETH_HLEN + 20); /* start */
	CHECK((fr->hdr[8] | fr->hdr[9] << 8) == 6);		/* offset */
	CHECK(fr->hdr[10] == 1);
	close(s);

	/* Guest to kernel with a partial checksum: taken while negotiated. */
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	CHECK(s >= 0);
	to.sin_port = htons(9999);
	to.sin_addr.s_addr = htonl(host);
	CHECK(bind(s, (struct sockaddr *)&to, sizeof(to)) == 0);
	n = fx_udp(f, tap_mac, fx_guest_mac, guest, host, 5555, 9999, "partial",
		   7, false);
	/* The field holds the pseudo-header's sum, as a NIC expects. */
	put16(f + ETH_HLEN + 20 + 6,
	      (uint16_t)~csum_fold(pseudo_sum(guest, host, 17, 8 + 7)));
	hdr[0] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	hdr[6] = ETH_HLEN + 20;
	hdr[8] = 6;
	CHECK(fx_send_hdr(&fx, hdr, f, n) == 0);
	{
		struct pollfd pfd = { .fd = s, .events = POLLIN };

		CHECK(poll(&pfd, 1, 5000) == 1);
	}
	CHECK(recv(s, got, sizeof(got), 0) == 7);
	CHECK(!memcmp(got, "partial", 7));
	/* Not negotiated: refused before the kernel sees it. */
	CHECK(set_offloads(&fx, 0, 0) == 0);
	CHECK(fx_send_hdr(&fx, hdr, f, n) == -EINVAL);
	/* Malformed: shorter than a header and an Ethernet header. */
	CHECK(fx_send(&fx, f, 13) == -EINVAL);
	close(s);

	CHECK(fx.recv_errors == 0);
	fx_fini(&fx);
	/* hyve made it, so it went with hyve's fd. */
	CHECK(if_nametoindex("hyvet0") == 0);
}

/* A persistent tap: attached, not brought up, left in place. */
static void body_persistent(void)
{
	struct fx fx;
	struct net_backend *nb2 = NULL;
	struct ifreq ifr = { 0 };

	close(raw_tun("hyvep0", IFF_TAP, true));
	CHECK(if_nametoindex("hyvep0") != 0);
	open_tap(&fx, "hyvep0");
	CHECK(!tap_created(fx.nb));
	/* Left as its owner made it: down. */
	CHECK(ifreq_ioctl("hyvep0", SIOCGIFFLAGS, &ifr) == 0);
	CHECK(!(ifr.ifr_flags & IFF_UP));
	/* Single queue: a second user is told it is busy. */
	CHECK(tap_open(&nb2, "hyvep0", fx.loop, err, sizeof(err)) == -EBUSY);
	CHECK(!nb2);
	CHECK(!strcmp(err, "--net tap=hyvep0: the tap is in use by another "
			   "process"));
	fx_fini(&fx);
	CHECK(if_nametoindex("hyvep0") != 0);
	unpersist("hyvep0", IFF_TAP);
}

/* The offload probe: what it finds the kernel takes, one by one. */
static void body_probe(void)
{
	int fd = raw_tun("hyvepr0", IFF_TAP, false);
	uint32_t o = tap_probe_offloads(fd);

	CHECK(o & NET_OFFLOAD_CSUM);
	CHECK(ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4) ==
	      ((o & NET_OFFLOAD_TSO4) ? 0 : -1));
	CHECK(ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_UFO) ==
	      ((o & NET_OFFLOAD_UFO) ? 0 : -1));
	CHECK(ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | 0x20 | 0x40) ==
	      ((o & NET_OFFLOAD_USO) ? 0 : -1));
	/* What makes it a probe: a bit the kernel does not know fails. */
	CHECK(ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | 0x40000000) == -1 &&
	      errno == EINVAL);
	/* TSO needs checksums under it. */
	CHECK(ioctl(fd, TUNSETOFFLOAD, TUN_F_TSO4) == -1);
	close(fd);
}

/* What a user is told. */
static void body_errors(void)
{
	struct evloop *l;
	struct net_backend *nb = NULL;
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { { 0 } };

	CHECK(evloop_create(&l, "tap-test") == 0);
	CHECK(tap_open(&nb, "lo", l, err, sizeof(err)) == -EINVAL);
	CHECK(!strcmp(err, "--net tap=lo: the interface exists and is not a "
			   "single-queue tap"));
	close(raw_tun("hyvetun0", IFF_TUN, true));
	CHECK(tap_open(&nb, "hyvetun0", l, err, sizeof(err)) == -EINVAL);
	CHECK(strstr(err, "is not a single-queue tap"));
	unpersist("hyvetun0", IFF_TUN);

	/* Without CAP_NET_ADMIN (the last thing this child does). */
	CHECK(syscall(SYS_capset, &h, d) == 0);
	CHECK(tap_open(&nb, "hyvenew0", l, err, sizeof(err)) == -EPERM);
	CHECK(!nb);
	CHECK(!strcmp(err, "--net tap=hyvenew0: no such tap, and creating one "
			   "needs CAP_NET_ADMIN (as root: ip tuntap add "
			   "hyvenew0 mode tap user USER)"));
	CHECK(if_nametoindex("hyvenew0") == 0);
	evloop_destroy(l);
}

/* Before any privilege is needed: a name Linux would refuse. */
static void test_tap_name(void **state)
{
	struct net_backend *nb = (void *)1;

	(void)state;
	assert_int_equal(
		tap_open(&nb, "abcdefghijklmnop", NULL, err, sizeof(err)),
		-EINVAL);
	assert_null(nb);
	assert_string_equal(err, "--net tap=abcdefghijklmnop: the name is too "
				 "long");
}

static void test_tap_create(void **state)
{
	(void)state;
	in_netns(body_create);
}

static void test_tap_persistent(void **state)
{
	(void)state;
	in_netns(body_persistent);
}

static void test_tap_probe(void **state)
{
	(void)state;
	in_netns(body_probe);
}

static void test_tap_errors(void **state)
{
	(void)state;
	in_netns(body_errors);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tap_name),
		cmocka_unit_test(test_tap_create),
		cmocka_unit_test(test_tap_persistent),
		cmocka_unit_test(test_tap_probe),
		cmocka_unit_test(test_tap_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
