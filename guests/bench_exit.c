/* bench_exit: exits at once through the debug-exit port (benchmark a). */
#include "rt.h"

int main(const struct hyve_boot_info *bi)
{
	(void)bi;
	return 0;
}
