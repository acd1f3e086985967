/*
 * serial_sum: reads n= bytes (default 65536) from COM1 and prints their
 * count and CRC-32 (the zlib/gzip one: reflected, polynomial 0xedb88320),
 * so a test can check that host input arrives whole and in order.  Gives up
 * after a long silence and prints what it has.
 */
#include "rt.h"

static uint32_t crc32_byte(uint32_t crc, uint8_t b)
{
	crc ^= b;
	for (int i = 0; i < 8; i++)
		crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	return crc;
}

int main(const struct hyve_boot_info *bi)
{
	uint64_t want = rt_strtoul(rt_arg(bi, "n"), 65536), got = 0;
	uint32_t crc = 0xffffffffu;
	int c;

	rt_printf("sum: ready for %lu bytes\n", want);
	while (got < want && (c = rt_getc(50000000)) >= 0) {
		crc = crc32_byte(crc, (uint8_t)c);
		got++;
	}
	rt_printf("sum: n=%lu crc32=%08x\n", got, crc ^ 0xffffffffu);
	return got == want ? 0x30 : 0x31;
}
