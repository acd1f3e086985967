/*
 * test_virtio_vsock.c: virtio-vsock (virtio/vsock.c, backend/vsock_unix.c)
 * with the test as the guest driver (vsock_fixture.h: rings in malloc'd
 * RAM, the device's thread running) and as the host programs (real Unix
 * sockets): connections both ways in Firecracker's protocol, data and
 * credit both ways, disconnects, hostile headers, the connect timeout, the
 * transport-reset event, and an idle device that does not spin.  No KVM.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>

#include "vsock_fixture.h"

#define GPORT 1234 /* the guest's listening port */

/* A host program's CONNECT, answered: the host port the device chose. */
static uint32_t host_connect(struct fx *fx, int *fd, const char *extra)
{
	struct virtio_vsock_hdr h;
	char line[32], buf[64];
	uint32_t hport;
	int n;

	*fd = fx_unix_connect(fx->path);
	n = snprintf(line, sizeof(line), "CONNECT %u\n%s", GPORT, extra);
	assert_int_equal(write(*fd, line, (size_t)n), n);
	fx_recv(fx, &h, buf, sizeof(buf));
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_REQUEST);
	assert_int_equal(h.src_cid, VSOCK_HOST_CID);
	assert_int_equal(h.dst_port, GPORT);
	assert_true(h.src_port >= VSOCK_LOCAL_PORT_BASE);
	assert_int_equal(h.buf_alloc, VSOCK_BUF_ALLOC);
	hport = h.src_port;
	/* The guest accepts, with a 64 KiB receive buffer. */
	fx_send(fx, VIRTIO_VSOCK_OP_RESPONSE, GPORT, hport, NULL, 0, 65536, 0,
		0);
	n = snprintf(line, sizeof(line), "OK %u\n", hport);
	fx_read_all(*fd, buf, (size_t)n);
	assert_memory_equal(buf, line, (size_t)n);
	return hport;
}

static void test_identity(void **state)
{
	struct fx *fx = *state;
	struct virtio_dev *d = &fx->vs->vdev;
	uint8_t cfg[8];
	uint32_t half;
	struct stat st;

	assert_int_equal(d->ops->device_id, VIRTIO_ID_VSOCK);
	assert_int_equal(d->ops->num_queues, 3);
	/* Device bits 0-23: STREAM only (no SEQPACKET). */
	assert_int_equal(virtio_get_features(d, 0) & 0xffffff,
			 1u << VIRTIO_VSOCK_F_STREAM);
	pthread_mutex_lock(&d->lock);
	virtio_config_read(d, 0, cfg, 8);
	virtio_config_read(d, 4, &half, 4);
	pthread_mutex_unlock(&d->lock);
	assert_int_equal(cfg[0], FX_CID);
	assert_int_equal(cfg[1] | cfg[2] | cfg[3] | cfg[4], 0);
	assert_int_equal(half, 0);
	/* The listening socket is there. */
	assert_int_equal(stat(fx->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
}

/* Host-initiated: CONNECT, REQUEST, RESPONSE, OK, then data both ways. */
static void test_host_connect(void **state)
{
	struct fx *fx = *state;
	struct virtio_vsock_hdr h;
	char buf[64];
	uint32_t hport;
	int fd;

	fx_post_rx(fx, 8);
	/* Bytes written right after the line wait for the guest. */
	hport = host_connect(fx, &fd, "early");
	fx_recv(fx, &h, buf, sizeof(buf));
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_RW);
	assert_int_equal(h.src_port, hport);
	assert_int_equal(h.dst_port, GPORT);
	assert_int_equal(h.len, 5);
	assert_memory_equal(buf, "early", 5);
	assert_int_equal(write(fd, "hello", 5), 5);
	fx_recv(fx, &h, buf, sizeof(buf));
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_RW);
	assert_memory_equal(buf, "hello", 5);
	/* Guest to host. */
	fx_send(fx, VIRTIO_VSOCK_OP_RW, GPORT, hport, "world!", 6, 65536, 10,
		0);
	fx_read_all(fd, buf, 6);
	assert_memory_equal(buf, "world!", 6);
	/* The guest asks for credit: it gets an update, fwd_cnt 6. */
	fx_send(fx, VIRTIO_VSOCK_OP_CREDIT_REQUEST, GPORT, hport, NULL, 0,
		65536, 10, 0);
	fx_recv(fx, &h, buf, sizeof(buf));
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_CREDIT_UPDATE);
	assert_int_equal(h.fwd_cnt, 6);
	assert_int_equal(h.buf_alloc, VSOCK_BUF_ALLOC);
	/* The host program goes: SHUTDOWN(SEND); the guest ends it: RST. */
	close(fd);
	fx_recv(fx, &h, buf, sizeof(buf));
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_SHUTDOWN);
	assert_int_equal(h.flags, VIRTIO_VSOCK_SHUTDOWN_SEND);
	fx_send(fx, VIRTIO_VSOCK_OP_SHUTDOWN, GPORT, hport, NULL, 0, 65536, 10,
		VIRTIO_VSOCK_SHUTDOWN_RCV | VIRTIO_VSOCK_SHUTDOWN_SEND);
	fx_recv(fx, &h, buf, sizeof(buf));
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_RST);
	assert_int_equal(h.src_port, hport);
	assert_int_equal(fx->vs->stats.resets, 1);
}

/* Two programs to the same guest port get two host ports. */
static void test_host_ports_differ(void **state)
{
	struct fx *fx = *state;
	uint32_t a, b;
	int fa, fb;

	fx_post_rx(fx, 4);
	a = host_connect(fx, &fa, "");
	b = host_connect(fx, &fb, "");
	assert_int_not_equal(a, b);
	close(fa);
	close(fb);
}

/* The guest refuses: the program's socket closes, with no OK. */
static void test_host_connect_refused(void **state)
{
	struct fx *fx = *state;
	struct virtio_vsock_hdr h;
	char buf[64];
	int fd = fx_unix_connect(fx->path);

	fx_post_rx(fx, 2);
	assert_int_equal(write(fd, "CONNECT 99\n", 11), 11);
	fx_recv(fx, &h, buf, sizeof(buf));
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_REQUEST);
	fx_send(fx, VIRTIO_VSOCK_OP_RST, 99, h.src_port, NULL, 0, 0, 0, 0);
	fx_expect_eof(fd);
	fx_no_rx(fx, 50); /* an RST is not answered */
	close(fd);
}

static void test_bad_connect_line(void **state)
{
	struct fx *fx = *state;
	int a = fx_unix_connect(fx->path), b = fx_unix_connect(fx->path);
	uint32_t port;

	fx_post_rx(fx, 2);
	assert_int_equal(write(a, "HELLO 5\n", 8), 8);
	fx_expect_eof(a);
	/* No '\n' within the line's limit. */
	assert_int_equal(
		write(b, "CONNECT 0000000000000000000000000000000", 39), 39);
	fx_expect_eof(b);
	fx_no_rx(fx, 50);
	close(a);
	close(b);
	/* The parser on its own. */
	assert_int_equal(vsock_unix_parse_connect("CONNECT 52", 10, &port), 0);
	assert_int_equal(port, 52);
	assert_int_equal(vsock_unix_parse_connect("CONNECT  7 \r", 12, &port),
			 0);
	assert_int_equal(port, 7);
	assert_int_equal(
		vsock_unix_parse_connect("CONNECT 4294967296", 18, &port),
		-EINVAL);
	assert_int_equal(vsock_unix_parse_connect("CONNECT", 7, &port),
			 -EINVAL);
	assert_int_equal(vsock_unix_parse_connect("CONNECT x1", 10, &port),
			 -EINVAL);
	assert_int_equal(vsock_unix_parse_connect("connect 1", 9, &port),
			 -EINVAL);
}

/* Guest-initiated: to PATH_5000, data both ways, then a clean close. */
static void test_guest_connect(void **state)
{
	struct fx *fx = *state;
	struct virtio_vsock_hdr h;
	char buf[64];
	int l = fx_unix_listen(fx, 5000), fd;

	fx_post_rx(fx, 8);
	fx_send(fx, VIRTIO_VSOCK_OP_REQUEST, 777, 5000, NULL, 0, 65536, 0, 0);
	fx_recv(fx, &h, buf, sizeof(buf));
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_RESPONSE);
	assert_int_equal(h.src_cid, VSOCK_HOST_CID);
	assert_int_equal(h.src_port, 5000);
	assert_int_equal(h.dst_port, 777);
	fd = accept(l, NULL, NULL);
	assert_true(fd >= 0);
	fx_send(fx, VIRTIO_VSOCK_OP_RW, 777, 5000, "ping", 4, 65536, 0, 0);
	fx_read_all(fd, buf, 4);
	assert_memory_equal(buf, "ping", 4);
	assert_int_equal(write(fd, "pong", 4), 4);
	fx_recv(fx, &h, buf, sizeof(buf));
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_RW);
	assert_memory_equal(buf, "pong", 4);
	/* The guest is done sending: the program reads EOF, still writes. */
	fx_send(fx, VIRTIO_VSOCK_OP_SHUTDOWN, 777, 5000, NULL, 0, 65536, 4,
		VIRTIO_VSOCK_SHUTDOWN_SEND);
	fx_expect_eof(fd);
	assert_int_equal(write(fd, "bye", 3), 3);
	fx_recv(fx, &h, buf, sizeof(buf));
	assert_memory_equal(buf, "bye", 3);
	/* The program closes: SHUTDOWN(SEND), and neither sends: RST. */
	close(fd);
	fx_recv(fx, &h, buf, sizeof(buf));
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_SHUTDOWN);
	fx_recv(fx, &h, buf, sizeof(buf));
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_RST);
	assert_int_equal(fx->vs->nconns, 0);
	close(l);
}

static void test_guest_connect_refused(void **state)
{
	struct fx *fx = *state;
	struct virtio_vsock_hdr h;
	char buf[8];

	fx_post_rx(fx, 2);
	fx_send(fx, VIRTIO_VSOCK_OP_REQUEST, 778, 5001, NULL, 0, 65536, 0, 0);
	fx_recv(fx, &h, buf, sizeof(buf));
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_RST);
	assert_int_equal(h.src_port, 5001);
	assert_int_equal(h.dst_port, 778);
	assert_int_equal(fx->vs->nconns, 0);
}

/* Host to guest: never more than the guest's credit. */
static void test_credit_to_guest(void **state)
{
	struct fx *fx = *state;
	struct virtio_vsock_hdr h;
	char buf[64];
	int l = fx_unix_listen(fx, 6000), fd;

	fx_post_rx(fx, 8);
	/* A guest with an 8-byte receive buffer. */
	fx_send(fx, VIRTIO_VSOCK_OP_REQUEST, 700, 6000, NULL, 0, 8, 0, 0);
	fx_recv(fx, &h, buf, sizeof(buf));
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_RESPONSE);
	fd = accept(l, NULL, NULL);
	assert_int_equal(write(fd, "0123456789abcdefghij", 20), 20);
	fx_recv(fx, &h, buf, sizeof(buf));
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_RW);
	assert_int_equal(h.len, 8);
	assert_memory_equal(buf, "01234567", 8);
	fx_no_rx(fx, 100); /* out of credit */
	/* The guest read 8: 8 more. */
	fx_send(fx, VIRTIO_VSOCK_OP_CREDIT_UPDATE, 700, 6000, NULL, 0, 8, 8, 0);
	fx_recv(fx, &h, buf, sizeof(buf));
	assert_int_equal(h.len, 8);
	assert_memory_equal(buf, "89abcdef", 8);
	fx_no_rx(fx, 50);
	/* A bigger buffer: the last 4. */
	fx_send(fx, VIRTIO_VSOCK_OP_CREDIT_UPDATE, 700, 6000, NULL, 0, 1024, 16,
		0);
	fx_recv(fx, &h, buf, sizeof(buf));
	assert_int_equal(h.len, 4);
	assert_memory_equal(buf, "ghij", 4);
	/* A hostile fwd_cnt beyond what was sent gives no credit. */
	fx_send(fx, VIRTIO_VSOCK_OP_CREDIT_UPDATE, 700, 6000, NULL, 0, 1024,
		100000, 0);
	assert_int_equal(write(fd, "x", 1), 1);
	fx_no_rx(fx, 100);
	close(fd);
	close(l);
}

/* A CREDIT_UPDATE for the guest within ms: true, with its fwd_cnt. */
static bool credit_update(struct fx *fx, uint32_t *told, int ms)
{
	struct virtio_vsock_hdr h;
	uint64_t a = 0;
	uint32_t len;

	if (!fx_next_used(fx, VSOCK_RXQ, ms, &a, &len))
		return false;
	memcpy(&h, ring_at(&fx->q[VSOCK_RXQ], a), VSOCK_HDR_LEN);
	assert_int_equal(le16toh(h.op), VIRTIO_VSOCK_OP_CREDIT_UPDATE);
	*told = le32toh(h.fwd_cnt);
	return true;
}

/*
 * Guest to host: the guest sends whatever its credit allows while the
 * program reads nothing; the device takes what the socket takes, buffers
 * at most buf_alloc more, and resets a guest that goes beyond its credit.
 */
static void test_credit_from_guest(void **state)
{
	struct fx *fx = *state;
	static uint8_t chunk[4096], got[4096];
	struct virtio_vsock_hdr h;
	char buf[64];
	int l = fx_unix_listen(fx, 6001), fd;
	uint32_t sent = 0, told = 0, updates = 0, read_total = 0;
	ssize_t n;

	fx_post_rx(fx, 60);
	fx_send(fx, VIRTIO_VSOCK_OP_REQUEST, 701, 6001, NULL, 0, 65536, 0, 0);
	fx_recv(fx, &h, buf, sizeof(buf));
	fd = accept(l, NULL, NULL);
	assert_true(fd >= 0);
	for (;;) {
		while (credit_update(fx, &told, 0))
			updates++;
		if (sent - told + sizeof(chunk) <= VSOCK_BUF_ALLOC) {
			for (unsigned int i = 0; i < sizeof(chunk); i++)
				chunk[i] = (uint8_t)((sent + i) % 251);
			fx_send(fx, VIRTIO_VSOCK_OP_RW, 701, 6001, chunk,
				sizeof(chunk), 65536, 0, 0);
			sent += sizeof(chunk);
			continue;
		}
		if (!credit_update(fx, &told, 200))
			break; /* out of credit, and nothing more is said */
		updates++;
	}
	/* The socket took some, the device buffers up to 64 KiB more. */
	assert_true(updates > 0);
	assert_true(sent - told <= VSOCK_BUF_ALLOC);
	assert_true(sent - told > VSOCK_BUF_ALLOC - sizeof(chunk));
	/* One byte beyond the credit: reset. */
	fx_send(fx, VIRTIO_VSOCK_OP_RW, 701, 6001, chunk, sizeof(chunk), 65536,
		0, 0);
	fx_recv(fx, &h, buf, sizeof(buf));
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_RST);
	assert_int_equal(fx->vs->nconns, 0);
	/* What the program gets is the guest's stream, in order, cut short. */
	while ((n = read(fd, got, sizeof(got))) > 0) {
		for (ssize_t i = 0; i < n; i++)
			assert_int_equal(got[i], (read_total + i) % 251);
		read_total += (uint32_t)n;
	}
	assert_true(read_total >= told);
	assert_true(read_total <= sent);
	close(fd);
	close(l);
}

/* Guest to host: the program reads, and the guest hears of the room. */
static void test_credit_update_on_read(void **state)
{
	struct fx *fx = *state;
	static uint8_t chunk[4096], got[VSOCK_BUF_ALLOC];
	struct virtio_vsock_hdr h;
	char buf[64];
	int l = fx_unix_listen(fx, 6003), fd;
	uint32_t told = 0;

	fx_post_rx(fx, 8);
	fx_send(fx, VIRTIO_VSOCK_OP_REQUEST, 703, 6003, NULL, 0, 65536, 0, 0);
	fx_recv(fx, &h, buf, sizeof(buf));
	fd = accept(l, NULL, NULL);
	/* Less than half the buffer: no update yet. */
	for (int i = 0; i < 7; i++)
		fx_send(fx, VIRTIO_VSOCK_OP_RW, 703, 6003, chunk, sizeof(chunk),
			65536, 0, 0);
	fx_read_all(fd, got, 7 * sizeof(chunk));
	assert_false(credit_update(fx, &told, 50));
	/* Past half: one, saying all that was written. */
	fx_send(fx, VIRTIO_VSOCK_OP_RW, 703, 6003, chunk, sizeof(chunk), 65536,
		0, 0);
	fx_read_all(fd, got, sizeof(chunk));
	assert_true(credit_update(fx, &told, 5000));
	assert_int_equal(told, 8 * sizeof(chunk));
	close(fd);
	close(l);
}

/* Every field of a guest's header is checked. */
static void test_hostile_headers(void **state)
{
	struct fx *fx = *state;
	struct virtio_vsock_hdr h;
	char buf[64];
	int l = fx_unix_listen(fx, 7000), fd;
	struct fx_pkt p = {
		.src_cid = FX_CID,
		.dst_cid = VSOCK_HOST_CID,
		.src_port = 9,
		.dst_port = 7000,
		.type = VIRTIO_VSOCK_TYPE_STREAM,
		.op = VIRTIO_VSOCK_OP_REQUEST,
		.buf_alloc = 4096,
		.len = -1,
	};

	fx_post_rx(fx, 16);
	/* Not from the guest's CID: dropped, no answer. */
	p.src_cid = 42;
	fx_send_raw(fx, &p, NULL, 0, VSOCK_HDR_LEN);
	p.src_cid = FX_CID;
	/* Shorter than a header: dropped. */
	fx_send_raw(fx, &p, NULL, 0, 20);
	fx_no_rx(fx, 50);
	assert_int_equal(fx->vs->stats.dropped, 2);
	assert_int_equal(fx->vs->nconns, 0);
	/* For another CID, or of another type: RST. */
	p.dst_cid = 7;
	fx_send_raw(fx, &p, NULL, 0, VSOCK_HDR_LEN);
	fx_recv(fx, &h, buf, sizeof(buf));
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_RST);
	assert_int_equal(h.src_cid, 7);
	p.dst_cid = VSOCK_HOST_CID;
	p.type = 2; /* SEQPACKET, not offered */
	fx_send_raw(fx, &p, NULL, 0, VSOCK_HDR_LEN);
	fx_recv(fx, &h, buf, sizeof(buf));
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_RST);
	p.type = VIRTIO_VSOCK_TYPE_STREAM;
	/* No connection: RW, SHUTDOWN, CREDIT_*: RST; RST: nothing. */
	fx_send(fx, VIRTIO_VSOCK_OP_RW, 9, 7000, "x", 1, 4096, 0, 0);
	fx_recv(fx, &h, buf, sizeof(buf));
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_RST);
	fx_send(fx, VIRTIO_VSOCK_OP_RST, 9, 7000, NULL, 0, 4096, 0, 0);
	fx_no_rx(fx, 50);
	assert_int_equal(fx->vs->nconns, 0);
	/* A connection, then an unknown op on it: RST, the socket closes. */
	fx_send_raw(fx, &p, NULL, 0, VSOCK_HDR_LEN);
	fx_recv(fx, &h, buf, sizeof(buf));
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_RESPONSE);
	fd = accept(l, NULL, NULL);
	fx_send(fx, 99, 9, 7000, NULL, 0, 4096, 0, 0);
	fx_recv(fx, &h, buf, sizeof(buf));
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_RST);
	fx_expect_eof(fd);
	close(fd);
	/* len longer than the payload: RST. */
	fx_send_raw(fx, &p, NULL, 0, VSOCK_HDR_LEN);
	fx_recv(fx, &h, buf, sizeof(buf));
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_RESPONSE);
	fd = accept(l, NULL, NULL);
	p.op = VIRTIO_VSOCK_OP_RW;
	p.len = 100;
	fx_send_raw(fx, &p, "abc", 3, VSOCK_HDR_LEN);
	fx_recv(fx, &h, buf, sizeof(buf));
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_RST);
	fx_expect_eof(fd);
	close(fd);
	/* A second REQUEST for a live pair voids it. */
	p.op = VIRTIO_VSOCK_OP_REQUEST;
	p.len = -1;
	fx_send_raw(fx, &p, NULL, 0, VSOCK_HDR_LEN);
	fx_recv(fx, &h, buf, sizeof(buf));
	fd = accept(l, NULL, NULL);
	fx_send_raw(fx, &p, NULL, 0, VSOCK_HDR_LEN);
	fx_recv(fx, &h, buf, sizeof(buf));
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_RST);
	fx_expect_eof(fd);
	assert_int_equal(fx->vs->nconns, 0);
	close(fd);
	close(l);
	/* Still in order. */
	assert_int_equal(virtio_get_status(&fx->vs->vdev) &
				 VIRTIO_STATUS_NEEDS_RESET,
			 0);
}

/* RW before the guest's RESPONSE is out of turn: RST, socket closed. */
static void test_rw_out_of_turn(void **state)
{
	struct fx *fx = *state;
	struct virtio_vsock_hdr h;
	char buf[64];
	int fd = fx_unix_connect(fx->path);

	fx_post_rx(fx, 4);
	assert_int_equal(write(fd, "CONNECT 42\n", 11), 11);
	fx_recv(fx, &h, buf, sizeof(buf));
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_REQUEST);
	fx_send(fx, VIRTIO_VSOCK_OP_RW, 42, h.src_port, "x", 1, 4096, 0, 0);
	fx_recv(fx, &h, buf, sizeof(buf));
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_RST);
	fx_expect_eof(fd);
	close(fd);
}

/* A guest that never answers a REQUEST: RST and the socket closes. */
static void test_connect_timeout(void **state)
{
	struct fx *fx = *state;
	struct virtio_vsock_hdr h;
	char buf[64];
	int fd = fx_unix_connect(fx->path);
	uint32_t hport;

	fx_post_rx(fx, 4);
	assert_int_equal(write(fd, "CONNECT 43\n", 11), 11);
	fx_recv(fx, &h, buf, sizeof(buf));
	hport = h.src_port;
	fx_expect_eof(fd); /* within 5 s; the deadline is 2 s */
	fx_recv(fx, &h, buf, sizeof(buf));
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_RST);
	assert_int_equal(h.src_port, hport);
	assert_int_equal(h.dst_port, 43);
	close(fd);
}

/* A device reset closes everything; the next driver hears of it. */
static void test_transport_reset(void **state)
{
	struct fx *fx = *state;
	uint64_t a = 0;
	uint32_t len = 0, id;
	int fd;

	fx_post_rx(fx, 4);
	fx_post_event(fx);
	host_connect(fx, &fd, "");
	/* No event before a reset. */
	assert_false(fx_next_used(fx, VSOCK_EVQ, 50, &a, &len));
	fx_device_reset(fx);
	fx_expect_eof(fd);
	close(fd);
	assert_int_equal(fx->vs->nconns, 0);
	fx_rings(fx);
	fx_driver_ok(fx);
	fx_post_event(fx);
	assert_true(fx_next_used(fx, VSOCK_EVQ, 5000, &a, &len));
	assert_int_equal(len, 4);
	memcpy(&id, ring_at(&fx->q[VSOCK_EVQ], a), 4);
	assert_int_equal(le32toh(id), VIRTIO_VSOCK_EVENT_TRANSPORT_RESET);
	/* Once. */
	fx_post_event(fx);
	assert_false(fx_next_used(fx, VSOCK_EVQ, 50, &a, &len));
	/* And the device works again. */
	fx_post_rx(fx, 4);
	host_connect(fx, &fd, "");
	close(fd);
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/*
 * A guest that takes nothing (no rx buffers, no credit) while a program
 * has data for it, and a program that reads nothing while the guest's
 * data waits: the device's thread sleeps.
 */
static void test_idle_does_not_spin(void **state)
{
	struct fx *fx = *state;
	static uint8_t chunk[4096];
	struct virtio_vsock_hdr h;
	char buf[64];
	int l = fx_unix_listen(fx, 6002), fd, small = 4096;
	double t0;

	fx_post_rx(fx, 1);
	fx_send(fx, VIRTIO_VSOCK_OP_REQUEST, 702, 6002, NULL, 0, 65536, 0, 0);
	fx_recv(fx, &h, buf, sizeof(buf));
	fd = accept(l, NULL, NULL);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	for (int i = 0; i < 7; i++) /* under half: no credit update due */
		fx_send(fx, VIRTIO_VSOCK_OP_RW, 702, 6002, chunk, sizeof(chunk),
			65536, 0, 0);
	assert_int_equal(write(fd, "data", 4), 4);
	t0 = cpu_seconds();
	nanosleep(&(struct timespec){ .tv_nsec = 300000000 }, NULL);
	/* Spinning would cost about the whole 0.3 s. */
	assert_true(cpu_seconds() - t0 < 0.1);
	/* Once it has a buffer, the data comes. */
	fx_post_rx(fx, 1);
	fx_recv(fx, &h, buf, sizeof(buf));
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_RW);
	assert_memory_equal(buf, "data", 4);
	close(fd);
	close(l);
}

/* A refused path, a live listener, a stale socket file. */
static void test_listen_path(void **state)
{
	struct fx *fx = *state;
	struct virtio_vsock *vs;
	char err[256] = "", path[64];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	/* Someone listens there (the fixture's device). */
	assert_int_equal(virtio_vsock_create(&vs, &fx->q[0].gm, 4, fx->path,
					     err, sizeof(err)),
			 -EADDRINUSE);
	assert_non_null(strstr(err, fx->path));
	/* A stale socket is replaced. */
	snprintf(path, sizeof(path), "%s/stale", fx->dir);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_int_equal(virtio_vsock_create(&vs, &fx->q[0].gm, 4, path, err,
					     sizeof(err)),
			 0);
	virtio_dev_destroy(&vs->vdev);
	assert_int_equal(access(path, F_OK), -1); /* removed */
	/* A plain file is not touched. */
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	assert_int_equal(virtio_vsock_create(&vs, &fx->q[0].gm, 4, path, err,
					     sizeof(err)),
			 -EADDRINUSE);
	assert_int_equal(access(path, F_OK), 0);
	/* CIDs 0-2 are not the guest's. */
	assert_int_equal(virtio_vsock_create(&vs, &fx->q[0].gm, 2, path, err,
					     sizeof(err)),
			 -EINVAL);
}

#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_identity),
		T(test_host_connect),
		T(test_host_ports_differ),
		T(test_host_connect_refused),
		T(test_bad_connect_line),
		T(test_guest_connect),
		T(test_guest_connect_refused),
		T(test_credit_to_guest),
		T(test_credit_from_guest),
		T(test_credit_update_on_read),
		T(test_hostile_headers),
		T(test_rw_out_of_turn),
		T(test_connect_timeout),
		T(test_transport_reset),
		T(test_idle_does_not_spin),
		T(test_listen_path),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
