/*
 * console.h: virtio-console with one port (virtio 1.2, 5.3 "Console
 * Device"): Linux's /dev/hvc0, which console=hvc0 makes the kernel's
 * console.
 *
 * Emulated: device ID 3; queues 0 (receiveq: bytes for the guest) and 1
 * (transmitq: bytes from it); VIRTIO_CONSOLE_F_SIZE, with cols and rows
 * in the configuration space (0 when unknown) and a configuration-change
 * interrupt when they change.  Linux reads the size only on such an
 * interrupt, so one is also sent on activation and at the guest's first
 * output and first input.
 * Not emulated: VIRTIO_CONSOLE_F_MULTIPORT (a console needs one port, and
 * without it there are no control queues, port names or hot-plug), and
 * VIRTIO_CONSOLE_F_EMERG_WRITE (its bytes would be written on a vCPU
 * thread).
 *
 * Where the bytes go: two fds that the caller keeps (either may be -1;
 * they may be the same socket):
 *  - in_fd, read only while the guest has a receive buffer, straight into
 *    it: while the guest has none, in_fd is not read, so whatever writes
 *    to it waits (a pipe fills up) and nothing is lost.  Its end (EOF or an
 *    error) ends input.
 *  - out_fd, non-blocking (a regular file may block; a socket is written
 *    with MSG_DONTWAIT), written from the guest's transmit buffers.  When
 *    it takes no more, the device waits for it (EPOLLOUT) and holds the
 *    guest's buffer, so the guest waits too; nothing spins and nothing is
 *    dropped.  A write error (a reader that went away) drops the guest's
 *    output from then on, as a cut cable would.
 *
 * Threads: the fds are in the device thread's loop and everything runs
 * there (virtio.h), except virtio_console_resize (any thread) and the
 * configuration space (a vCPU thread).
 */
#ifndef HYVE_VIRTIO_CONSOLE_H
#define HYVE_VIRTIO_CONSOLE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "virtio/virtio.h"

#define VIRTIO_CONSOLE_QUEUE_SIZE 64
#define VIRTIO_CONSOLE_F_SIZE	  0

enum { VIRTIO_CONSOLE_RXQ = 0, VIRTIO_CONSOLE_TXQ = 1 };

struct virtio_console {
	struct virtio_dev vdev; /* first */
	int in_fd, out_fd;	/* the caller's */
	bool out_socket;	/* out_fd is a socket: MSG_DONTWAIT */
	atomic_uint size;	/* cols | rows << 16 */
	/* Device thread: */
	uint32_t in_events, out_events; /* what the loop watches */
	bool in_eof;			/* input ended */
	bool out_dead;			/* output failed: dropped from now on */
	unsigned int size_kicks;	/* size interrupts sent unasked */
	struct iovec rx_iov[VIRTIO_CONSOLE_QUEUE_SIZE];
	struct virtq_chain rx; /* a receive buffer waiting for input */
	bool rx_held;
	struct iovec tx_iov[VIRTIO_CONSOLE_QUEUE_SIZE];
	struct virtq_chain tx; /* a transmit buffer being written */
	bool tx_held;
	uint64_t tx_off;	      /* bytes of it written */
	uint64_t in_bytes, out_bytes; /* to and from the guest */
};

/*
 * A console over guest memory mem, with input from in_fd and output to
 * out_fd (see above), of cols x rows characters (0 x 0: unknown).  *out's
 * vdev is initialised, not started; virtio_dev_destroy frees it (the fds
 * stay open).  0 or a negative errno.
 */
int virtio_console_create(struct virtio_console **out,
			  const struct guest_mem *mem, int in_fd, int out_fd,
			  uint16_t cols, uint16_t rows);

/* The terminal's size changed (any thread; the device must be started). */
void virtio_console_resize(struct virtio_console *vc, uint16_t cols,
			   uint16_t rows);

#endif
