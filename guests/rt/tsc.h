/*
 * tsc.h: the time-stamp counter's frequency, for guests that time things.
 *
 * From the hypervisor's timing leaf when there is one (CPUID 0x40000010,
 * EAX = TSC kHz: KVM's Documentation/virt/kvm/x86/cpuid.rst, VMware's
 * convention that hyve and QEMU's vmware-cpuid-freq follow), else by
 * counting TSC ticks across 50 ms of PIT channel 2 (the gate and OUT2 bits
 * of port 0x61; Intel 8254 data sheet, mode 0), five times, the least.  Boot CPU, CPL 0 (or CPL 3
 * with IOPL 3).
 */
#ifndef HYVE_GUEST_RT_TSC_H
#define HYVE_GUEST_RT_TSC_H

#include <stdint.h>

/* Ticks per millisecond; *how says where the figure came from. */
uint64_t tsc_khz(const char **how);
/* The same measured against the PIT, whatever CPUID says. */
uint64_t tsc_khz_pit(void);

#endif
