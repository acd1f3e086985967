/* bench.c: the benchmarks (test=bench). */
#include "bootproto.h"
#include "vdrv.h"

void vdrv_bench(void)
{
	bp_check(false, "bench: not written yet");
}
