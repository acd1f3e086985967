/*
 * debug_exit.c: the debug-exit port.  Emulates QEMU's isa-debug-exit write
 * semantics; there is nothing else to it (no reset, no state).
 */
#include "hw/debug_exit.h"

int debug_exit_status(uint64_t val)
{
	return (int)(((val << 1) | 1) & 0x7fffffff);
}

static void debug_exit_read(struct iobus_dev *dev, uint64_t offset,
			    unsigned int size, uint64_t *val)
{
	(void)dev, (void)offset, (void)size, (void)val; /* all ones */
}

static void debug_exit_write(struct iobus_dev *dev, uint64_t offset,
			     unsigned int size, uint64_t val)
{
	struct debug_exit *de = (struct debug_exit *)dev;

	(void)offset, (void)size;
	if (de->exit)
		de->exit(de->ctx, debug_exit_status(val));
}

static const struct iobus_ops debug_exit_ops = {
	.read = debug_exit_read,
	.write = debug_exit_write,
};

void debug_exit_init(struct debug_exit *de, void (*exit)(void *, int),
		     void *ctx)
{
	de->dev = (struct iobus_dev){ .name = "debug-exit",
				      .ops = &debug_exit_ops };
	de->exit = exit;
	de->ctx = ctx;
}
