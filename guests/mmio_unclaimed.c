/*
 * mmio_unclaimed: writes and reads an MMIO address in the hole that no
 * device claims (above the PCI windows and ECAM, below the SYSCALL trap).
 * hyve must absorb both: the write is dropped and the read returns all
 * ones.  Also checks an unclaimed port and port 0x80.
 */
#include "rt.h"

#define NOWHERE 0xf0000000ULL

int main(const struct hyve_boot_info *bi)
{
	(void)bi;
	mmio_write32(NOWHERE, 0x12345678);
	uint32_t v32 = mmio_read32(NOWHERE);
	uint8_t v8 = mmio_read8(NOWHERE + 3);
	uint64_t v64 = mmio_read64(NOWHERE + 8);
	outb(RT_POST, 0x42);
	uint8_t p = inb(0x2f8); /* COM2: not present */
	uint16_t pw = inw(0x2fa);
	rt_printf("mmio32=%#x mmio8=%#x mmio64=%#lx port=%#x portw=%#x\n", v32,
		  v8, v64, p, pw);
	return v32 == 0xffffffff && v8 == 0xff && v64 == ~0ULL && p == 0xff &&
			       pw == 0xffff
		       ? 0x21
		       : 0x22;
}
