/*
 * idle: says it is ready, then waits forever without touching a device, so
 * that tests can watch hyve itself (its CPU time, its signals, its files)
 * while a guest runs.  It waits with PAUSE, not HLT, so that it never
 * halts.
 */
#include "rt.h"

int main(const struct hyve_boot_info *bi)
{
	(void)bi;
	rt_puts("idle: ready\n");
	for (;;)
		__asm__ volatile("pause");
}
