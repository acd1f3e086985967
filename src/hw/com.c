/*
 * com.c: bus and backend glue for a 16550A COM port.  What the UART does
 * is in uart16550.c; this file only locks, routes and writes bytes out.
 */
#include "hw/com.h"

#include <errno.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

static void com_tx(void *ctx, uint8_t byte)
{
	struct com_port *com = ctx;

	struct pollfd pfd[2] = {
		{ .fd = com->out_fd, .events = POLLOUT },
		{ .fd = com->stop_fd, .events = POLLIN },
	};

	if (com->out_fd < 0)
		return;
	/*
	 * Wait for room, but never past a stop: a reader that stopped reading
	 * (a stalled pipe) must not keep hyve from ending.  Once stop_fd is
	 * readable, bytes are dropped.
	 */
	while (poll(pfd, com->stop_fd >= 0 ? 2 : 1, -1) < 0 && errno == EINTR)
		;
	if (pfd[1].revents & POLLIN)
		return;
	while (write(com->out_fd, &byte, 1) < 0 && errno == EINTR)
		;
	/* Other errors (a closed pipe) lose the byte, as a cut cable would. */
}

static void com_irq(void *ctx, bool level)
{
	struct com_port *com = ctx;

	if (com->irq)
		com->irq(com->irq_ctx, level);
}

static const struct uart16550_backend com_backend = {
	.tx = com_tx,
	.irq = com_irq,
};

/*
 * After any guest access: if host input is waiting and the receiver had
 * room when the access ended, wake the host side.  The room is judged
 * under the lock, the wake-up happens after it is dropped: a host that
 * failed to take the lock (com_input) has set waiting by then, so it is
 * always woken, whichever thread ran first.
 */
static void com_wake(struct com_port *com, bool room)
{
	uint64_t one = 1;

	if (room && atomic_exchange(&com->waiting, false) &&
	    write(com->room_fd, &one, sizeof(one)) < 0) {
		/* Cannot overflow: the host reads it before waiting. */
	}
}

static void com_read(struct iobus_dev *dev, uint64_t offset, unsigned int size,
		     uint64_t *val)
{
	struct com_port *com = (struct com_port *)dev;
	bool room;

	/*
	 * A wider access reads the one register at the address; the bytes
	 * above it keep the bus's all-ones, as on an 8-bit ISA device.
	 */
	(void)size;
	pthread_mutex_lock(&com->lock);
	*val = (*val & ~0xffULL) |
	       uart16550_read(&com->uart, (unsigned int)offset);
	room = uart16550_rx_space(&com->uart) > 0;
	pthread_mutex_unlock(&com->lock);
	com_wake(com, room);
}

static void com_write(struct iobus_dev *dev, uint64_t offset, unsigned int size,
		      uint64_t val)
{
	struct com_port *com = (struct com_port *)dev;
	bool room;

	(void)size;
	pthread_mutex_lock(&com->lock);
	uart16550_write(&com->uart, (unsigned int)offset, (uint8_t)val);
	room = uart16550_rx_space(&com->uart) > 0;
	pthread_mutex_unlock(&com->lock);
	com_wake(com, room);
}

static const struct iobus_ops com_ops = {
	.read = com_read,
	.write = com_write,
};

int com_init(struct com_port *com, const char *name, int out_fd, int stop_fd,
	     void (*irq)(void *ctx, bool level), void *irq_ctx)
{
	com->dev = (struct iobus_dev){ .name = name, .ops = &com_ops };
	com->room_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (com->room_fd < 0)
		return -errno;
	pthread_mutex_init(&com->lock, NULL);
	com->out_fd = out_fd;
	com->stop_fd = stop_fd;
	com->irq = irq;
	com->irq_ctx = irq_ctx;
	atomic_init(&com->waiting, false);
	uart16550_init(&com->uart, &com_backend, com);
	return 0;
}

void com_destroy(struct com_port *com)
{
	pthread_mutex_destroy(&com->lock);
	if (com->room_fd >= 0)
		close(com->room_fd);
	com->room_fd = -1;
}

size_t com_input(struct com_port *com, const uint8_t *buf, size_t len)
{
	size_t n;

	/*
	 * Say we wait before trying, so that a vCPU that makes room after our
	 * attempt (or while it holds the lock we fail to take) wakes us.
	 */
	atomic_store(&com->waiting, true);
	/* Never block here: a vCPU may hold the lock while output stalls. */
	if (pthread_mutex_trylock(&com->lock))
		return 0;
	n = uart16550_rx(&com->uart, buf, len);
	if (n == len)
		atomic_store(&com->waiting, false);
	pthread_mutex_unlock(&com->lock);
	return n;
}

int com_room_fd(const struct com_port *com)
{
	return com->room_fd;
}

void com_room_ack(struct com_port *com)
{
	uint64_t v;

	if (read(com->room_fd, &v, sizeof(v)) < 0) {
		/* EAGAIN: nothing to acknowledge. */
	}
}
