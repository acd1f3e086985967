/*
 * emul_fail: an x87 load from an MMIO address.  KVM must emulate any access
 * to MMIO, and its instruction emulator has no x87 arithmetic, so on any KVM
 * host this ends in KVM_EXIT_INTERNAL_ERROR with an emulation failure.
 */
#include "rt.h"

int main(const struct hyve_boot_info *bi)
{
	(void)bi;
	rt_puts("emul_fail: fild from MMIO\n");
	/* fild dword [rax], spelt as bytes: the guest is built integer-only. */
	__asm__ volatile(".byte 0xdb, 0x00" : : "a"(0xd0000000ULL) : "memory");
	rt_puts("emul_fail: still alive?\n");
	return 0x31;
}
