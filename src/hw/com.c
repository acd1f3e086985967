/*
 * com.c: bus and backend glue for a 16550A COM port.  What the UART does
 * is in uart16550.c; this file only locks, routes and writes bytes out.
 */
#include "hw/com.h"

#include <errno.h>
#include <poll.h>
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

static const struct uart16550_backend com_backend = {
	.tx = com_tx,
	.irq = NULL,
};

static void com_read(struct iobus_dev *dev, uint64_t offset, unsigned int size,
		     uint64_t *val)
{
	struct com_port *com = (struct com_port *)dev;

	/*
	 * A wider access reads the one register at the address; the bytes
	 * above it keep the bus's all-ones, as on an 8-bit ISA device.
	 */
	(void)size;
	pthread_mutex_lock(&com->lock);
	*val = (*val & ~0xffULL) |
	       uart16550_read(&com->uart, (unsigned int)offset);
	pthread_mutex_unlock(&com->lock);
}

static void com_write(struct iobus_dev *dev, uint64_t offset, unsigned int size,
		      uint64_t val)
{
	struct com_port *com = (struct com_port *)dev;

	(void)size;
	pthread_mutex_lock(&com->lock);
	uart16550_write(&com->uart, (unsigned int)offset, (uint8_t)val);
	pthread_mutex_unlock(&com->lock);
}

static const struct iobus_ops com_ops = {
	.read = com_read,
	.write = com_write,
};

void com_init(struct com_port *com, const char *name, int out_fd, int stop_fd)
{
	com->dev = (struct iobus_dev){ .name = name, .ops = &com_ops };
	pthread_mutex_init(&com->lock, NULL);
	com->out_fd = out_fd;
	com->stop_fd = stop_fd;
	uart16550_init(&com->uart, &com_backend, com);
}

void com_destroy(struct com_port *com)
{
	pthread_mutex_destroy(&com->lock);
}

size_t com_input(struct com_port *com, const uint8_t *buf, size_t len)
{
	size_t n;

	/* Never wait here: a vCPU may hold the lock while output stalls. */
	if (pthread_mutex_trylock(&com->lock))
		return 0;
	n = uart16550_rx(&com->uart, buf, len);
	pthread_mutex_unlock(&com->lock);
	return n;
}
