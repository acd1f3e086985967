/*
 * cpuid: prints the CPUID leaves hyve shapes, for tests to check: the
 * hypervisor signature and KVM features, KVM's timing leaf, the feature
 * bits hyve sets or clears, and the topology it reports.
 */
#include "rt.h"

int main(const struct hyve_boot_info *bi)
{
	uint32_t r[4], sig[4], max;
	char name[13];

	(void)bi;
	cpuid(1, 0, r);
	rt_printf("cpuid: apic-id=%u logical=%u hypervisor=%u vmx=%u "
		  "x2apic=%u tsc-deadline=%u cx16=%u\n",
		  r[1] >> 24, (r[1] >> 16) & 0xff, (r[2] >> 31) & 1,
		  (r[2] >> 5) & 1, (r[2] >> 21) & 1, (r[2] >> 24) & 1,
		  (r[2] >> 13) & 1);
	cpuid(0x80000001, 0, r);
	rt_printf("cpuid: svm=%u\n", (r[2] >> 2) & 1);
	cpuid(0x40000000, 0, sig);
	max = sig[0];
	for (int i = 0; i < 4; i++) {
		name[i] = (char)(sig[1] >> (8 * i));
		name[4 + i] = (char)(sig[2] >> (8 * i));
		name[8 + i] = (char)(sig[3] >> (8 * i));
	}
	name[12] = '\0';
	cpuid(0x40000001, 0, r);
	rt_printf("cpuid: signature=%s max=%#x kvm-features=%#x pv-unhalt=%u "
		  "clocksource2=%u\n",
		  name, max, r[0], (r[0] >> 7) & 1, (r[0] >> 3) & 1);
	if (max >= 0x40000010) {
		cpuid(0x40000010, 0, r);
		rt_printf("cpuid: tsc-khz=%u apic-bus-khz=%u\n", r[0], r[1]);
	}
	cpuid(0, 0, r);
	if (r[0] >= 0xb) {
		cpuid(0xb, 1, r);
		rt_printf("cpuid: topology core-level count=%u type=%u\n",
			  r[1] & 0xffff, (r[2] >> 8) & 0xff);
	}
	return 0x24;
}
