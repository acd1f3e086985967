/*
 * reset.c: the 0xcf9 reset control register and the reset-only i8042
 * stand-in.  See reset.h for what is emulated and what is not.
 *
 * Every port here is one byte wide and registered as a one-port range, so
 * the bus clips wider accesses to the first byte (the low-order byte of the
 * value); a wider read returns the byte zero-extended.  Offsets other than 0
 * cannot reach us through the bus and are ignored all the same.
 */
#include "hw/reset.h"

#include <stdbool.h>

/* 0xcf9 ------------------------------------------------------------------ */

uint8_t reset_cf9_read(struct reset_cf9 *rc)
{
	return atomic_load(&rc->value);
}

void reset_cf9_write(struct reset_cf9 *rc, uint8_t val)
{
	atomic_store(&rc->value, (unsigned char)(val & RESET_CF9_STORED));
	if ((val & RESET_CF9_RST_CPU) && rc->reset)
		rc->reset(rc->ctx);
}

static void cf9_read(struct iobus_dev *dev, uint64_t offset, unsigned int size,
		     uint64_t *val)
{
	struct reset_cf9 *rc = (struct reset_cf9 *)dev;

	(void)size;
	*val = offset == 0 ? reset_cf9_read(rc) : 0;
}

static void cf9_write(struct iobus_dev *dev, uint64_t offset, unsigned int size,
		      uint64_t val)
{
	struct reset_cf9 *rc = (struct reset_cf9 *)dev;

	(void)size;
	if (offset == 0)
		reset_cf9_write(rc, (uint8_t)val);
}

static const struct iobus_ops cf9_ops = {
	.read = cf9_read,
	.write = cf9_write,
};

void reset_cf9_init(struct reset_cf9 *rc, void (*reset)(void *), void *ctx)
{
	rc->dev = (struct iobus_dev){ .name = "reset-cf9", .ops = &cf9_ops };
	rc->reset = reset;
	rc->ctx = ctx;
	atomic_init(&rc->value, 0);
}

/* i8042 stand-in ----------------------------------------------------------- */

/*
 * 0xf0-0xff: pulse the output port bits whose command bit (3-0) is 0 for
 * about 6 us.  Output bit 0 drives the CPU reset line.
 */
static bool i8042_is_reset(uint8_t cmd)
{
	return (cmd & 0xf0) == 0xf0 && !(cmd & 0x01);
}

static void i8042_read(struct iobus_dev *dev, uint64_t offset,
		       unsigned int size, uint64_t *val)
{
	/* Data: nothing to read.  Status: OBF, IBF and every flag clear. */
	(void)dev, (void)offset, (void)size;
	*val = 0;
}

static void i8042_data_write(struct iobus_dev *dev, uint64_t offset,
			     unsigned int size, uint64_t val)
{
	(void)dev, (void)offset, (void)size, (void)val; /* no keyboard */
}

static void i8042_cmd_write(struct iobus_dev *dev, uint64_t offset,
			    unsigned int size, uint64_t val)
{
	struct reset_i8042 *kbc = ((struct reset_i8042_port *)dev)->kbc;

	(void)size;
	if (offset == 0 && i8042_is_reset((uint8_t)val) && kbc->reset)
		kbc->reset(kbc->ctx);
}

static const struct iobus_ops i8042_data_ops = {
	.read = i8042_read,
	.write = i8042_data_write,
};

static const struct iobus_ops i8042_cmd_ops = {
	.read = i8042_read,
	.write = i8042_cmd_write,
};

void reset_i8042_init(struct reset_i8042 *kbc, void (*reset)(void *), void *ctx)
{
	kbc->data = (struct reset_i8042_port){
		.dev = { .name = "i8042-data", .ops = &i8042_data_ops },
		.kbc = kbc,
	};
	kbc->cmd = (struct reset_i8042_port){
		.dev = { .name = "i8042-cmd", .ops = &i8042_cmd_ops },
		.kbc = kbc,
	};
	kbc->reset = reset;
	kbc->ctx = ctx;
}

int reset_i8042_attach(struct reset_i8042 *kbc, struct iobus *bus)
{
	int err;

	err = iobus_register(bus, IOBUS_PIO, RESET_I8042_DATA_PORT, 1,
			     &kbc->data.dev);
	if (err)
		return err;
	return iobus_register(bus, IOBUS_PIO, RESET_I8042_CMD_PORT, 1,
			      &kbc->cmd.dev);
}
