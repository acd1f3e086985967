/*
 * debug_exit_width: writes v= (default 0x2a) to port= (default 0x501) with
 * an out of w= bytes (1, 2 or 4), as test suites do to end QEMU.  If that
 * does not end the VM it says so and halts.
 */
#include "rt.h"

int main(const struct hyve_boot_info *bi)
{
	uint16_t port = (uint16_t)rt_strtoul(rt_arg(bi, "port"), 0x501);
	uint32_t v = (uint32_t)rt_strtoul(rt_arg(bi, "v"), 0x2a);
	uint64_t w = rt_strtoul(rt_arg(bi, "w"), 1);

	rt_printf("debug-exit: out%c %#x to port %#x\n",
		  w == 4 ? 'l' : w == 2 ? 'w' : 'b', v, port);
	if (w == 4)
		outl(port, v);
	else if (w == 2)
		outw(port, (uint16_t)v);
	else
		outb(port, (uint8_t)v);
	rt_puts("debug-exit: still running\n");
	rt_halt();
}
