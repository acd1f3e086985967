/*
 * reset: resets the machine the ways a PC OS does, and tells a first boot
 * from a second by a CMOS RAM byte (0x50), which survives a reset on a PC
 * (and hyve's --on-reboot restart keeps it).  The command line's via=
 * picks the way:
 *   via=cf9     the reset control register: 0x02 (SYS_RST), then 0x06
 *               (SYS_RST | RST_CPU) to port 0xcf9, the value hyve's FADT
 *               RESET_REG asks for (Intel PCH datasheet, "Reset Control
 *               Register"; ACPI 6.5, 4.8.3.6);
 *   via=kbd     the keyboard controller: wait for the i8042's input
 *               buffer to be empty (status bit 1 clear), then command
 *               0xfe (pulse the reset line) to port 0x64;
 *   via=triple  a triple fault: an empty IDT, then int3.
 * First boot (CMOS 0x50 is 0): write 1, print "reset: first boot
 * (via=X)" and reset; if the machine goes on, print "reset: still
 * running" and rt_exit(FAIL).  Second boot (CMOS 0x50 is 1): clear it,
 * print "reset: second boot" and return PASS (status 85).
 */
#include "rt.h"
#include "x86.h"

#define PASS 0x2a
#define FAIL 0x2b

#define CMOS_FLAG 0x50

int main(const struct hyve_boot_info *bi)
{
	const char *via = rt_arg(bi, "via");
	char how[16];
	size_t n = 0;
	uint8_t flag = rt_cmos_read(CMOS_FLAG);

	while (via && via[n] && via[n] != ' ' && n < sizeof(how) - 1) {
		how[n] = via[n];
		n++;
	}
	how[n] = '\0';
	if (flag == 1) {
		rt_cmos_write(CMOS_FLAG, 0);
		rt_puts("reset: second boot\n");
		return PASS;
	}
	if (flag != 0) {
		rt_printf("reset: CMOS %#x holds %#x\n", CMOS_FLAG, flag);
		return FAIL;
	}
	rt_cmos_write(CMOS_FLAG, 1);
	rt_printf("reset: first boot (via=%s)\n", how);
	if (!rt_strcmp(how, "cf9")) {
		outb(0xcf9, 0x02);
		outb(0xcf9, 0x06);
	} else if (!rt_strcmp(how, "kbd")) {
		for (unsigned int i = 0; i < 100000 && (inb(0x64) & 0x02); i++)
			;
		outb(0x64, 0xfe);
	} else if (!rt_strcmp(how, "triple")) {
		struct {
			uint16_t limit;
			uint64_t base;
		} __attribute__((packed)) idtr = { 0, 0 };

		__asm__ volatile("lidt %0; int3" : : "m"(idtr));
	} else {
		rt_puts("reset: via= must be cf9, kbd or triple\n");
		return FAIL;
	}
	for (unsigned int i = 0; i < 100000; i++)
		__asm__ volatile("pause");
	rt_puts("reset: still running\n");
	return FAIL;
}
