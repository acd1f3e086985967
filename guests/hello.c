/* hello: the smallest guest that proves serial output and debug-exit. */
#include "rt.h"

int main(const struct hyve_boot_info *bi)
{
	(void)bi;
	rt_printf("hello from a hyve guest: %d %u %x %s\n", -42, 42u, 0xbeefu,
		  "ok");
	return 0x10;
}
