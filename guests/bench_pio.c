/*
 * bench_pio: 200,000 writes to port 0x80, then exit through debug-exit
 * (benchmark b).  Each out is one VM exit to userspace and back.
 */
#include "rt.h"

#define BENCH_PIO_EXITS 200000

int main(const struct hyve_boot_info *bi)
{
	(void)bi;
	for (uint32_t i = 0; i < BENCH_PIO_EXITS; i++)
		outb(RT_POST, (uint8_t)i);
	return 0;
}
