/* pci.c: configuration space, the bus scan, BARs, capabilities.  See pci.h. */
#include "pci.h"

#include "rt.h"

#define CONFIG_ADDRESS 0xcf8
#define CONFIG_DATA    0xcfc
#define CONFIG_ENABLE  0x80000000u
#define CAP_WALK_MAX   48 /* (256 - 64) / 4: more is a loop */

static uint64_t window_next, window_end;

static void select(const struct pci_fn *f, unsigned int off)
{
	outl(CONFIG_ADDRESS, CONFIG_ENABLE | (uint32_t)f->dev << 11 |
				     (uint32_t)f->fn << 8 | (off & 0xfc));
}

uint32_t pci_read32(const struct pci_fn *f, unsigned int off)
{
	select(f, off);
	return inl(CONFIG_DATA);
}

uint16_t pci_read16(const struct pci_fn *f, unsigned int off)
{
	select(f, off);
	return inw(CONFIG_DATA + (off & 2));
}

uint8_t pci_read8(const struct pci_fn *f, unsigned int off)
{
	select(f, off);
	return inb(CONFIG_DATA + (off & 3));
}

void pci_write32(const struct pci_fn *f, unsigned int off, uint32_t v)
{
	select(f, off);
	outl(CONFIG_DATA, v);
}

void pci_write16(const struct pci_fn *f, unsigned int off, uint16_t v)
{
	select(f, off);
	outw(CONFIG_DATA + (off & 2), v);
}

void pci_write8(const struct pci_fn *f, unsigned int off, uint8_t v)
{
	select(f, off);
	outb(CONFIG_DATA + (off & 3), v);
}

bool pci_find(uint16_t vendor, uint16_t dev_lo, uint16_t dev_hi,
	      unsigned int nth, struct pci_fn *out)
{
	for (unsigned int d = 0; d < 32; d++) {
		unsigned int nfn = 1;

		for (unsigned int fn = 0; fn < nfn; fn++) {
			struct pci_fn f = { .dev = (uint8_t)d,
					    .fn = (uint8_t)fn };
			uint32_t id = pci_read32(&f, PCI_VENDOR_ID);

			if ((id & 0xffff) == 0xffff)
				continue;
			if (fn == 0 && pci_read8(&f, PCI_HEADER_TYPE) & 0x80)
				nfn = PCI_MAX_FUNCTIONS;
			f.vendor = (uint16_t)id;
			f.device = (uint16_t)(id >> 16);
			if (f.vendor != vendor || f.device < dev_lo ||
			    f.device > dev_hi)
				continue;
			if (nth-- == 0) {
				*out = f;
				return true;
			}
		}
	}
	return false;
}

void pci_assign_window(uint64_t base, uint64_t size)
{
	window_next = base;
	window_end = base + size;
}

/*
 * Size a memory BAR the standard way (6.2.5.1): write all ones, read the
 * mask back, restore.  The caller turns decoding off around it.
 */
static uint64_t bar_size(const struct pci_fn *f, unsigned int off, bool wide)
{
	uint32_t lo = pci_read32(f, off),
		 hi = wide ? pci_read32(f, off + 4) : 0;
	uint64_t mask;

	pci_write32(f, off, 0xffffffffu);
	mask = pci_read32(f, off) & 0xfffffff0u;
	if (wide) {
		pci_write32(f, off + 4, 0xffffffffu);
		mask |= (uint64_t)pci_read32(f, off + 4) << 32;
		pci_write32(f, off + 4, hi);
	} else {
		mask |= 0xffffffff00000000ULL;
	}
	pci_write32(f, off, lo);
	return mask ? ~mask + 1 : 0;
}

uint64_t pci_bar(const struct pci_fn *f, unsigned int bar)
{
	unsigned int off = PCI_BAR0 + 4 * bar;
	uint32_t lo;
	uint64_t addr, size;
	uint16_t cmd;
	bool wide;

	if (bar > 5)
		return 0;
	lo = pci_read32(f, off);
	if (lo & PCI_BAR_IO)
		return 0;
	wide = (lo & PCI_BAR_TYPE_MASK) == PCI_BAR_TYPE_64 && bar < 5;
	addr = lo & PCI_BAR_MEM_MASK;
	if (wide)
		addr |= (uint64_t)pci_read32(f, off + 4) << 32;
	if (addr || !window_next)
		return addr;
	cmd = pci_read16(f, PCI_COMMAND);
	pci_write16(f, PCI_COMMAND, cmd & (uint16_t)~PCI_CMD_MEM);
	size = bar_size(f, off, wide);
	pci_write16(f, PCI_COMMAND, cmd);
	if (!size)
		return 0;
	addr = (window_next + size - 1) & ~(size - 1);
	if (addr + size > window_end || (!wide && addr + size > 1ULL << 32))
		return 0;
	window_next = addr + size;
	pci_write32(f, off, (uint32_t)addr | (lo & 0xf));
	if (wide)
		pci_write32(f, off + 4, (uint32_t)(addr >> 32));
	return addr;
}

unsigned int pci_cap_find(const struct pci_fn *f, uint8_t id, unsigned int from)
{
	unsigned int at;

	if (!(pci_read16(f, PCI_STATUS) & PCI_STATUS_CAPS))
		return 0;
	at = from ? pci_read8(f, from + 1) : pci_read8(f, PCI_CAP_PTR);
	for (unsigned int n = 0; n < CAP_WALK_MAX && at >= 0x40; n++) {
		at &= 0xfc;
		if (pci_read8(f, at) == id)
			return at;
		at = pci_read8(f, at + 1);
	}
	return 0;
}

void pci_enable(const struct pci_fn *f, bool intx_off)
{
	uint16_t cmd = pci_read16(f, PCI_COMMAND);

	cmd |= PCI_CMD_MEM | PCI_CMD_MASTER;
	if (intx_off)
		cmd |= PCI_CMD_INTX_OFF;
	pci_write16(f, PCI_COMMAND, cmd);
}
