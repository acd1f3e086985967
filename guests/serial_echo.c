/*
 * serial_echo: reads COM1 input until a newline and echoes it back in
 * upper case, proving the receive path.  Gives up after a bounded wait.
 */
#include "rt.h"

int main(const struct hyve_boot_info *bi)
{
	char line[64];
	size_t n = 0;
	int c;

	(void)bi;
	rt_puts("echo: ready\n");
	while (n < sizeof(line) - 1 && (c = rt_getc(2000000)) >= 0 && c != '\n')
		line[n++] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
	line[n] = '\0';
	rt_printf("echo: [%s]\n", line);
	return n ? 0x40 : 0x41;
}
