/*
 * test_net.c: the network backends' common part (backend/net.c): `--net`
 * specifications, MAC addresses, hostfwd rules, the offloads and their
 * virtio-net feature bits, header checks and the iovec helpers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/virtio_net.h>

#include "backend/net.h"

#define F(bit) (1ULL << (bit))

static char err[256];

static void expect_err(int r, const char *needle)
{
	assert_int_equal(r, -EINVAL);
	if (!strstr(err, needle))
		fail_msg("error '%s' does not say '%s'", err, needle);
	/* One line. */
	assert_null(strchr(err, '\n'));
}

/* MAC addresses -------------------------------------------------------- */

static void test_mac_good(void **state)
{
	uint8_t m[6];
	char s[18];

	(void)state;
	assert_int_equal(
		net_mac_parse("52:54:00:12:34:56", m, err, sizeof(err)), 0);
	assert_memory_equal(m, "\x52\x54\x00\x12\x34\x56", 6);
	net_mac_format(m, s);
	assert_string_equal(s, "52:54:00:12:34:56");
	assert_int_equal(
		net_mac_parse("02:AB:cd:EF:00:01", m, err, sizeof(err)), 0);
	assert_memory_equal(m, "\x02\xab\xcd\xef\x00\x01", 6);
	net_mac_format(m, s);
	assert_string_equal(s, "02:ab:cd:ef:00:01");
	/* Globally administered unicast is a user's choice too. */
	assert_int_equal(
		net_mac_parse("00:1b:21:00:00:01", m, err, sizeof(err)), 0);
}

static void test_mac_bad(void **state)
{
	static const char *const syntax[] = {
		"",
		"52:54:00:12:34",
		"52:54:00:12:34:56:78",
		"52:54:00:12:34:5",
		"52-54-00-12-34-56",
		"5g:54:00:12:34:56",
		"52:54:00:12:34:56 ",
		" 52:54:00:12:34:5",
		"525400123456",
	};
	uint8_t m[6] = { 9, 9, 9, 9, 9, 9 };

	(void)state;
	for (size_t i = 0; i < sizeof(syntax) / sizeof(syntax[0]); i++) {
		expect_err(net_mac_parse(syntax[i], m, err, sizeof(err)),
			   "is not six hex bytes");
		assert_non_null(strstr(err, syntax[i]));
	}
	expect_err(net_mac_parse("01:00:5e:00:00:01", m, err, sizeof(err)),
		   "multicast");
	expect_err(net_mac_parse("ff:ff:ff:ff:ff:ff", m, err, sizeof(err)),
		   "multicast");
	expect_err(net_mac_parse("00:00:00:00:00:00", m, err, sizeof(err)),
		   "all zeros");
	/* Nothing written on failure. */
	assert_memory_equal(m, "\x09\x09\x09\x09\x09\x09", 6);
}

static void test_mac_generate(void **state)
{
	uint8_t a[6], b[6];
	char s[18];

	(void)state;
	net_mac_generate(a);
	for (int i = 0; i < 64; i++) {
		net_mac_generate(b);
		/* Locally administered, unicast, and accepted by the parser. */
		assert_int_equal(b[0] & 3, 2);
		net_mac_format(b, s);
		assert_int_equal(net_mac_parse(s, b, err, sizeof(err)), 0);
	}
	/* 46 random bits: two in a row never match in practice. */
	assert_memory_not_equal(a, b, 6);
}

/* hostfwd rules -------------------------------------------------------- */

static void test_hostfwd_good(void **state)
{
	struct net_hostfwd f;

	(void)state;
	assert_int_equal(
		net_hostfwd_parse("tcp::2222-:22", &f, err, sizeof(err)), 0);
	assert_false(f.udp);
	assert_int_equal(f.host_addr.s_addr, htonl(INADDR_ANY));
	assert_int_equal(f.host_port, 2222);
	assert_int_equal(f.guest_addr.s_addr, htonl(INADDR_ANY));
	assert_int_equal(f.guest_port, 22);

	assert_int_equal(net_hostfwd_parse("udp:127.0.0.1:5353-10.0.2.15:53",
					   &f, err, sizeof(err)),
			 0);
	assert_true(f.udp);
	assert_int_equal(f.host_addr.s_addr, htonl(0x7f000001));
	assert_int_equal(f.host_port, 5353);
	assert_int_equal(f.guest_addr.s_addr, htonl(0x0a00020f));
	assert_int_equal(f.guest_port, 53);

	/* An empty protocol is tcp, as in QEMU; the port range's ends. */
	assert_int_equal(net_hostfwd_parse("::1-:65535", &f, err, sizeof(err)),
			 0);
	assert_false(f.udp);
	assert_int_equal(f.host_port, 1);
	assert_int_equal(f.guest_port, 65535);
}

static void test_hostfwd_bad(void **state)
{
	static const struct {
		const char *spec, *says;
	} bad[] = {
		{ "", "not [tcp|udp]" },
		{ "tcp", "not [tcp|udp]" },
		{ "sctp::1-:2", "protocol 'sctp' is not tcp or udp" },
		{ "TCP::1-:2", "protocol 'TCP'" },
		{ "tcp::2222:22", "no '-'" },
		{ "tcp:2222-:22", "host part '2222' is not [address]:port" },
		{ "tcp::2222-22", "guest part '22' is not [address]:port" },
		{ "tcp::0-:22", "host port '0' is not a port number" },
		{ "tcp::65536-:22", "host port '65536'" },
		{ "tcp::-1-:22", "host port ''" },
		{ "tcp::+22-:22", "host port '+22'" },
		{ "tcp::22x-:22", "host port '22x'" },
		{ "tcp::22-:", "guest port ''" },
		{ "tcp::22-:0", "guest port '0'" },
		{ "tcp::22-:100000", "guest port '100000'" },
		{ "tcp:1.2.3:22-:22", "host address '1.2.3' is not an IPv4" },
		{ "tcp:localhost:22-:22", "host address 'localhost'" },
		{ "tcp:::1:22-:22", "host address '::1'" },
		{ "tcp::22-10.0.2.256:22", "guest address '10.0.2.256'" },
	};
	struct net_hostfwd f;
	char longer[200];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = net_hostfwd_parse(bad[i].spec, &f, err, sizeof(err));

		if (r != -EINVAL)
			fail_msg("'%s' was accepted", bad[i].spec);
		expect_err(r, bad[i].says);
		/* The whole rule is quoted. */
		assert_non_null(strstr(err, bad[i].spec));
	}
	memset(longer, '1', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	memcpy(longer, "tcp::", 5);
	expect_err(net_hostfwd_parse(longer, &f, err, sizeof(err)), "too long");
}

/* --net ------------------------------------------------------------------ */

static void test_config_good(void **state)
{
	struct net_config c;

	(void)state;
	assert_int_equal(net_config_parse(&c, "user", err, sizeof(err)), 0);
	assert_int_equal(c.kind, NET_USER);
	assert_false(c.mac_set);
	assert_int_equal(c.nhostfwd, 0);

	assert_int_equal(net_config_parse(&c,
					  "user,hostfwd=tcp::2222-:22,"
					  "mac=52:54:00:aa:bb:cc,"
					  "hostfwd=udp::5353-:53",
					  err, sizeof(err)),
			 0);
	assert_int_equal(c.kind, NET_USER);
	assert_true(c.mac_set);
	assert_memory_equal(c.mac, "\x52\x54\x00\xaa\xbb\xcc", 6);
	assert_int_equal(c.nhostfwd, 2);
	assert_int_equal(c.hostfwd[0].host_port, 2222);
	assert_true(c.hostfwd[1].udp);
	assert_int_equal(c.hostfwd[1].guest_port, 53);

	assert_int_equal(net_config_parse(&c, "tap=tap0", err, sizeof(err)), 0);
	assert_int_equal(c.kind, NET_TAP);
	assert_string_equal(c.ifname, "tap0");
	assert_false(c.mac_set);

	/* Fifteen characters is Linux's longest name; tap%d is the kernel's. */
	assert_int_equal(net_config_parse(&c,
					  "tap=abcdefghijklmno,mac=02:00:00:00:"
					  "00:01",
					  err, sizeof(err)),
			 0);
	assert_string_equal(c.ifname, "abcdefghijklmno");
	assert_true(c.mac_set);
	assert_int_equal(net_config_parse(&c, "tap=hyve%d", err, sizeof(err)),
			 0);
}

static void test_config_bad(void **state)
{
	static const struct {
		const char *spec, *says;
	} bad[] = {
		{ "", "'' is not a network backend" },
		{ "bridge", "'bridge' is not a network backend (tap=NAME or "
			    "user)" },
		{ "tap", "tap needs a name" },
		{ "tap=", "tap name '' is not an interface name" },
		{ "tap=a/b", "tap name 'a/b'" },
		{ "tap=a:b", "tap name 'a:b'" },
		{ "tap=a b", "tap name 'a b'" },
		{ "tap=..", "tap name '..'" },
		{ "tap=abcdefghijklmnop", "tap name 'abcdefghijklmnop'" },
		{ "user,mac=01:00:00:00:00:01",
		  "--net: mac '01:00:00:00:00:01' "
		  "is a multicast" },
		{ "user,mac=nope", "mac 'nope' is not six hex bytes" },
		{ "user,mac=02:00:00:00:00:01,mac=02:00:00:00:00:02",
		  "mac= is given twice" },
		{ "tap=tap0,hostfwd=tcp::1-:2", "hostfwd= is for --net user" },
		{ "user,foo=1", "unknown option 'foo=1' (mac=, hostfwd=)" },
		{ "tap=t,hostfwd", "unknown option 'hostfwd' (mac=)" },
		{ "user,", "unknown option ''" },
		{ "user,hostfwd=tcp::0-:22",
		  "--net: hostfwd 'tcp::0-:22': host "
		  "port '0'" },
		{ "tap=tap0,user", "unknown option 'user'" },
	};
	struct net_config c;
	char many[2048];
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = net_config_parse(&c, bad[i].spec, err, sizeof(err));

		if (r != -EINVAL)
			fail_msg("'%s' was accepted", bad[i].spec);
		expect_err(r, bad[i].says);
		assert_memory_equal(err, "--net: ", 7);
	}

	/* NET_HOSTFWD_MAX rules, then one too many. */
	n = (size_t)snprintf(many, sizeof(many), "user");
	for (int i = 0; i < NET_HOSTFWD_MAX; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n,
				      ",hostfwd=::%d-:%d", 1000 + i, i + 1);
	assert_int_equal(net_config_parse(&c, many, err, sizeof(err)), 0);
	assert_int_equal(c.nhostfwd, NET_HOSTFWD_MAX);
	snprintf(many + n, sizeof(many) - n, ",hostfwd=::9-:9");
	expect_err(net_config_parse(&c, many, err, sizeof(err)), "at most 32");

	memset(many, 'x', sizeof(many) - 1);
	many[sizeof(many) - 1] = '\0';
	expect_err(net_config_parse(&c, many, err, sizeof(err)), "too long");
}

static void test_open_none(void **state)
{
	struct net_config c = { .kind = NET_NONE };
	struct net_backend *nb = (void *)1;

	(void)state;
	expect_err(net_backend_open(&nb, &c, NULL, err, sizeof(err)),
		   "no backend");
	assert_null(nb);
	net_backend_close(NULL);
}

/* Offloads --------------------------------------------------------------- */

static void test_offload_features(void **state)
{
	struct net_backend nb = { 0 };
	uint32_t tx, rx;

	(void)state;
	/* None: nothing to offer (slirp). */
	assert_int_equal(net_offload_features(&nb), 0);

	/* A 6.1 tap: checksums, TSO, ECN and UFO both ways. */
	nb.tx_offloads = nb.rx_offloads = NET_OFFLOAD_CSUM | NET_OFFLOAD_TSO4 |
					  NET_OFFLOAD_TSO6 | NET_OFFLOAD_ECN |
					  NET_OFFLOAD_UFO;
	assert_true(net_offload_features(&nb) ==
		    (F(VIRTIO_NET_F_CSUM) | F(VIRTIO_NET_F_GUEST_CSUM) |
		     F(VIRTIO_NET_F_HOST_TSO4) | F(VIRTIO_NET_F_GUEST_TSO4) |
		     F(VIRTIO_NET_F_HOST_TSO6) | F(VIRTIO_NET_F_GUEST_TSO6) |
		     F(VIRTIO_NET_F_HOST_ECN) | F(VIRTIO_NET_F_GUEST_ECN) |
		     F(VIRTIO_NET_F_HOST_UFO) | F(VIRTIO_NET_F_GUEST_UFO)));

	/* USO: HOST_USO (56), GUEST_USO4 and 6 (54, 55). */
	nb.tx_offloads = nb.rx_offloads = NET_OFFLOAD_CSUM | NET_OFFLOAD_USO;
	assert_true(net_offload_features(&nb) ==
		    (F(VIRTIO_NET_F_CSUM) | F(VIRTIO_NET_F_GUEST_CSUM) | F(56) |
		     F(54) | F(55)));

	/* Without a checksum offload nothing else can be offered (5.1.3.1). */
	nb.tx_offloads = NET_OFFLOAD_TSO4;
	nb.rx_offloads = NET_OFFLOAD_CSUM | NET_OFFLOAD_ECN;
	assert_true(net_offload_features(&nb) == F(VIRTIO_NET_F_GUEST_CSUM));

	/* Back from what a driver accepted. */
	net_offloads_from_features(
		F(VIRTIO_NET_F_CSUM) | F(VIRTIO_NET_F_HOST_TSO4) |
			F(VIRTIO_NET_F_GUEST_CSUM) |
			F(VIRTIO_NET_F_GUEST_TSO6) | F(VIRTIO_NET_F_GUEST_ECN) |
			F(VIRTIO_NET_F_MAC),
		&tx, &rx);
	assert_int_equal(tx, NET_OFFLOAD_CSUM | NET_OFFLOAD_TSO4);
	assert_int_equal(rx,
			 NET_OFFLOAD_CSUM | NET_OFFLOAD_TSO6 | NET_OFFLOAD_ECN);
	/* TSO without CSUM, ECN without TSO, USO4 without USO6: dropped. */
	net_offloads_from_features(F(VIRTIO_NET_F_HOST_TSO4) |
					   F(VIRTIO_NET_F_GUEST_CSUM) |
					   F(VIRTIO_NET_F_GUEST_ECN) | F(54),
				   &tx, &rx);
	assert_int_equal(tx, 0);
	assert_int_equal(rx, NET_OFFLOAD_CSUM);
	net_offloads_from_features(F(VIRTIO_NET_F_CSUM) | F(56) |
					   F(VIRTIO_NET_F_GUEST_CSUM) | F(54) |
					   F(55),
				   &tx, &rx);
	assert_int_equal(tx, NET_OFFLOAD_CSUM | NET_OFFLOAD_USO);
	assert_int_equal(rx, NET_OFFLOAD_CSUM | NET_OFFLOAD_USO);
}

static void test_offload_check(void **state)
{
	struct net_backend nb = { 0 };

	(void)state;
	assert_int_equal(net_offloads_check(&nb, 0, 0), 0);
	assert_int_equal(net_offloads_check(&nb, NET_OFFLOAD_CSUM, 0), -EINVAL);
	nb.tx_offloads = nb.rx_offloads = NET_OFFLOAD_ALL;
	assert_int_equal(
		net_offloads_check(&nb, NET_OFFLOAD_ALL, NET_OFFLOAD_CSUM), 0);
	assert_int_equal(net_offloads_check(&nb, NET_OFFLOAD_TSO4, 0), -EINVAL);
	assert_int_equal(
		net_offloads_check(&nb, 0, NET_OFFLOAD_CSUM | NET_OFFLOAD_ECN),
		-EINVAL);
	assert_int_equal(net_offloads_check(&nb, 1u << 20, 0), -EINVAL);
	nb.rx_offloads = NET_OFFLOAD_CSUM;
	assert_int_equal(
		net_offloads_check(&nb, 0, NET_OFFLOAD_CSUM | NET_OFFLOAD_UFO),
		-EINVAL);
}

static void test_hdr_allowed(void **state)
{
	uint8_t h[NET_HDR_LEN] = { 0 };
	const uint32_t all = NET_OFFLOAD_ALL;

	(void)state;
	assert_true(net_hdr_allowed(h, 0));
	h[0] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	assert_false(net_hdr_allowed(h, 0));
	assert_true(net_hdr_allowed(h, NET_OFFLOAD_CSUM));
	/* The device's flags, from a driver: refused. */
	h[0] = VIRTIO_NET_HDR_F_DATA_VALID;
	assert_false(net_hdr_allowed(h, all));
	h[0] = 0x80;
	assert_false(net_hdr_allowed(h, all));
	h[0] = VIRTIO_NET_HDR_F_NEEDS_CSUM;

	h[1] = VIRTIO_NET_HDR_GSO_TCPV4;
	assert_false(net_hdr_allowed(h, NET_OFFLOAD_CSUM | NET_OFFLOAD_TSO6));
	assert_true(net_hdr_allowed(h, NET_OFFLOAD_CSUM | NET_OFFLOAD_TSO4));
	h[1] = VIRTIO_NET_HDR_GSO_TCPV6 | VIRTIO_NET_HDR_GSO_ECN;
	assert_false(net_hdr_allowed(h, NET_OFFLOAD_CSUM | NET_OFFLOAD_TSO6));
	assert_true(net_hdr_allowed(h, NET_OFFLOAD_CSUM | NET_OFFLOAD_TSO6 |
					       NET_OFFLOAD_ECN));
	h[1] = VIRTIO_NET_HDR_GSO_UDP;
	assert_false(net_hdr_allowed(h, all & ~NET_OFFLOAD_UFO));
	assert_true(net_hdr_allowed(h, all));
	h[1] = VIRTIO_NET_HDR_GSO_UDP | VIRTIO_NET_HDR_GSO_ECN;
	assert_false(net_hdr_allowed(h, all));
	h[1] = 5; /* GSO_UDP_L4 */
	assert_false(net_hdr_allowed(h, all & ~NET_OFFLOAD_USO));
	assert_true(net_hdr_allowed(h, all));
	h[1] = VIRTIO_NET_HDR_GSO_ECN; /* ECN on no segmentation */
	assert_false(net_hdr_allowed(h, all));
	h[1] = 2; /* no such type */
	assert_false(net_hdr_allowed(h, all));
	h[1] = 0x7f;
	assert_false(net_hdr_allowed(h, all));
}

/* iovecs ----------------------------------------------------------------- */

static void test_iov(void **state)
{
	uint8_t a[3], b[1], c[8], out[12];
	struct iovec iov[4] = { { a, sizeof(a) },
				{ NULL, 0 },
				{ b, sizeof(b) },
				{ c, sizeof(c) } };

	(void)state;
	assert_int_equal(iov_len(iov, 4), 12);
	assert_int_equal(iov_len(iov, 0), 0);
	assert_int_equal(iov_write(iov, 4, 0, "0123456789ab", 12), 12);
	assert_memory_equal(a, "012", 3);
	assert_memory_equal(b, "3", 1);
	assert_memory_equal(c, "456789ab", 8);
	/* Across the empty and the one-byte piece. */
	assert_int_equal(iov_write(iov, 4, 2, "XYZ", 3), 3);
	assert_memory_equal(a, "01X", 3);
	assert_memory_equal(b, "Y", 1);
	assert_int_equal(c[0], 'Z');
	assert_int_equal(iov_read(iov, 4, 1, out, 5), 5);
	assert_memory_equal(out, "1XYZ5", 5);
	/* Short at the end, nothing past it. */
	assert_int_equal(iov_read(iov, 4, 10, out, 5), 2);
	assert_memory_equal(out, "ab", 2);
	assert_int_equal(iov_write(iov, 4, 12, "q", 1), 0);
	assert_int_equal(iov_read(iov, 4, 100, out, 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mac_good),
		cmocka_unit_test(test_mac_bad),
		cmocka_unit_test(test_mac_generate),
		cmocka_unit_test(test_hostfwd_good),
		cmocka_unit_test(test_hostfwd_bad),
		cmocka_unit_test(test_config_good),
		cmocka_unit_test(test_config_bad),
		cmocka_unit_test(test_open_none),
		cmocka_unit_test(test_offload_features),
		cmocka_unit_test(test_offload_check),
		cmocka_unit_test(test_hdr_allowed),
		cmocka_unit_test(test_iov),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
