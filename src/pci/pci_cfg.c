/* pci_cfg.c: one function's configuration space.  See pci_cfg.h. */
#include "pci/pci_cfg.h"

#include <errno.h>
#include <string.h>

#define BAR_UPPER    0x80 /* bar_flags: the upper half of a 64-bit BAR */
#define CAP_MAX_HOPS 48	  /* (256 - 64) / 4 capabilities at most */
#define CAP_ALIGN    4

uint32_t pci_cfg_get(const struct pci_cfg *c, unsigned int off,
		     unsigned int size)
{
	uint32_t v = 0;

	for (unsigned int i = 0; i < size && i < 4; i++)
		if (off + i < PCI_CFG_SIZE)
			v |= (uint32_t)c->data[off + i] << (8 * i);
	return v;
}

void pci_cfg_put(struct pci_cfg *c, unsigned int off, unsigned int size,
		 uint32_t val)
{
	for (unsigned int i = 0; i < size && i < 4; i++)
		if (off + i < PCI_CFG_SIZE)
			c->data[off + i] = (uint8_t)(val >> (8 * i));
}

void pci_cfg_set_wmask(struct pci_cfg *c, unsigned int off, unsigned int size,
		       uint32_t mask)
{
	for (unsigned int i = 0; i < size && i < 4; i++)
		if (off + i < PCI_CFG_SIZE)
			c->wmask[off + i] = (uint8_t)(mask >> (8 * i));
}

static void set_w1c(struct pci_cfg *c, unsigned int off, unsigned int size,
		    uint32_t mask)
{
	for (unsigned int i = 0; i < size; i++)
		c->w1c[off + i] = (uint8_t)(mask >> (8 * i));
}

void pci_cfg_init(struct pci_cfg *c, const struct pci_cfg_id *id)
{
	uint16_t cmd =
		PCI_CMD_MEMORY | PCI_CMD_MASTER | PCI_CMD_PARITY | PCI_CMD_SERR;

	memset(c, 0, sizeof(*c));
	pci_cfg_put(c, PCI_CFG_VENDOR_ID, 2, id->vendor);
	pci_cfg_put(c, PCI_CFG_DEVICE_ID, 2, id->device);
	pci_cfg_put(c, PCI_CFG_REVISION, 1, id->revision);
	pci_cfg_put(c, PCI_CFG_CLASS, 3, id->class_code);
	pci_cfg_put(c, PCI_CFG_SUBSYS_VENDOR, 2, id->subsys_vendor);
	pci_cfg_put(c, PCI_CFG_SUBSYS_ID, 2, id->subsys);
	pci_cfg_put(c, PCI_CFG_INTERRUPT_PIN, 1, id->irq_pin);
	if (id->irq_pin)
		cmd |= PCI_CMD_INTX_DISABLE;
	pci_cfg_set_wmask(c, PCI_CFG_COMMAND, 2, cmd);
	set_w1c(c, PCI_CFG_STATUS, 2, PCI_STATUS_RW1C);
	pci_cfg_set_wmask(c, PCI_CFG_CACHE_LINE, 1, 0xff);
	pci_cfg_set_wmask(c, PCI_CFG_LATENCY, 1, 0xff);
	pci_cfg_set_wmask(c, PCI_CFG_INTERRUPT_LINE, 1, 0xff);
	c->cap_next = PCI_CFG_HEADER_END;
}

int pci_cfg_add_bar(struct pci_cfg *c, unsigned int bar, uint64_t size,
		    unsigned int flags)
{
	bool wide = flags & PCI_BAR_MEM64;
	unsigned int off = PCI_CFG_BAR0 + 4 * bar;
	uint64_t mask;

	if (bar >= PCI_BARS || (wide && bar + 1 >= PCI_BARS) ||
	    (flags & ~(unsigned int)(PCI_BAR_MEM64 | PCI_BAR_PREFETCH)) ||
	    size < PCI_BAR_MIN_SIZE || (size & (size - 1)) ||
	    (!wide && size > (1ULL << 31)) || c->bar_size[bar] ||
	    c->bar_flags[bar] ||
	    (wide && (c->bar_size[bar + 1] || c->bar_flags[bar + 1])))
		return -EINVAL;
	mask = ~(size - 1) & ~(uint64_t)PCI_BAR_FLAGS;
	c->bar_size[bar] = size;
	c->bar_flags[bar] = (uint8_t)flags;
	pci_cfg_put(c, off, 4, flags);
	pci_cfg_set_wmask(c, off, 4, (uint32_t)mask);
	if (wide) {
		c->bar_flags[bar + 1] = BAR_UPPER;
		pci_cfg_set_wmask(c, off + 4, 4, (uint32_t)(mask >> 32));
	}
	return 0;
}

uint64_t pci_cfg_bar_addr(const struct pci_cfg *c, unsigned int bar)
{
	unsigned int off = PCI_CFG_BAR0 + 4 * bar;
	uint64_t a;

	if (bar >= PCI_BARS || !c->bar_size[bar])
		return 0;
	a = pci_cfg_get(c, off, 4) & ~(uint32_t)PCI_BAR_FLAGS;
	if (c->bar_flags[bar] & PCI_BAR_MEM64)
		a |= (uint64_t)pci_cfg_get(c, off + 4, 4) << 32;
	return a;
}

void pci_cfg_set_bar_addr(struct pci_cfg *c, unsigned int bar, uint64_t addr)
{
	unsigned int off = PCI_CFG_BAR0 + 4 * bar;

	if (bar >= PCI_BARS || !c->bar_size[bar])
		return;
	addr &= ~(c->bar_size[bar] - 1);
	pci_cfg_put(c, off, 4,
		    ((uint32_t)addr & ~(uint32_t)PCI_BAR_FLAGS) |
			    c->bar_flags[bar]);
	if (c->bar_flags[bar] & PCI_BAR_MEM64)
		pci_cfg_put(c, off + 4, 4, (uint32_t)(addr >> 32));
}

int pci_cfg_add_cap(struct pci_cfg *c, uint8_t id, unsigned int len)
{
	unsigned int off = c->cap_next;

	if (len < 2 || off == 0 || len > PCI_CFG_SIZE - off)
		return -ENOSPC;
	c->data[off] = id;
	c->data[off + 1] = 0;
	if (c->cap_last)
		c->data[c->cap_last + 1] = (uint8_t)off;
	else
		c->data[PCI_CFG_CAP_PTR] = (uint8_t)off;
	c->cap_last = (uint8_t)off;
	off += (len + CAP_ALIGN - 1) & ~(unsigned int)(CAP_ALIGN - 1);
	c->cap_next = off < PCI_CFG_SIZE ? (uint8_t)off : 0;
	pci_cfg_put(c, PCI_CFG_STATUS, 2,
		    pci_cfg_get(c, PCI_CFG_STATUS, 2) | PCI_STATUS_CAP_LIST);
	return (int)c->cap_last;
}

unsigned int pci_cfg_find_cap(const struct pci_cfg *c, uint8_t id)
{
	unsigned int off = c->data[PCI_CFG_CAP_PTR] & ~3u;

	if (!(pci_cfg_get(c, PCI_CFG_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return 0;
	for (unsigned int hops = 0;
	     off >= PCI_CFG_HEADER_END && hops < CAP_MAX_HOPS; hops++) {
		if (c->data[off] == id)
			return off;
		off = c->data[off + 1] & ~3u;
	}
	return 0;
}

uint32_t pci_cfg_read(const struct pci_cfg *c, unsigned int off,
		      unsigned int size)
{
	return pci_cfg_get(c, off, size);
}

void pci_cfg_write(struct pci_cfg *c, unsigned int off, unsigned int size,
		   uint32_t val)
{
	for (unsigned int i = 0; i < size && i < 4; i++) {
		unsigned int at = off + i;
		uint8_t b = (uint8_t)(val >> (8 * i)), v;

		if (at >= PCI_CFG_SIZE)
			break;
		v = c->data[at];
		v = (uint8_t)((v & ~c->wmask[at]) | (b & c->wmask[at]));
		v &= (uint8_t) ~(b & c->w1c[at]);
		c->data[at] = v;
	}
}
