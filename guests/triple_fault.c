/*
 * triple_fault: hyve enters guests with an empty IDT, so the first
 * exception cannot be delivered: #UD becomes #DF becomes a triple fault,
 * which KVM reports as KVM_EXIT_SHUTDOWN.
 */
#include "rt.h"

int main(const struct hyve_boot_info *bi)
{
	(void)bi;
	rt_puts("triple_fault: executing ud2 with no IDT\n");
	__asm__ volatile("ud2");
	rt_puts("triple_fault: still alive?\n");
	return 0x30;
}
