/*
 * string_io: rep outsb to the UART and rep insb from an unclaimed port,
 * so hyve must handle KVM_EXIT_IO records with count > 1.
 */
#include "rt.h"

int main(const struct hyve_boot_info *bi)
{
	static const char msg[] = "string-io: sent with rep outsb\n";
	uint8_t buf[8] = { 0 };
	const void *src = msg;
	void *dst = buf;
	size_t cnt = sizeof(msg) - 1;

	(void)bi;
	__asm__ volatile("rep outsb"
			 : "+S"(src), "+c"(cnt)
			 : "d"((uint16_t)RT_COM1)
			 : "memory");
	cnt = sizeof(buf);
	__asm__ volatile("rep insb"
			 : "+D"(dst), "+c"(cnt)
			 : "d"((uint16_t)0x2f8)
			 : "memory");
	for (size_t i = 0; i < sizeof(buf); i++)
		if (buf[i] != 0xff)
			return 0x51;
	rt_puts("string-io: rep insb read all ones\n");
	return 0x50;
}
