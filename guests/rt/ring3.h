/*
 * ring3.h: running a function at CPL 3.
 *
 * Why: on hosts where KVM runs guest kernel code in its instruction
 * emulator (see /work/shared/ENVIRONMENT.md: about 1 us an instruction)
 * but user code natively, a driver loop at CPL 0 measures the emulator,
 * not the device.  The same loop at CPL 3 runs at native speed and leaves
 * the exits (notifications, device registers) to dominate, as they do on
 * hardware virtualization.
 *
 * ring3_init builds a GDT (kernel and user segments, a TSS whose RSP0 is
 * a stack of its own for interrupts and exceptions taken at CPL 3),
 * reloads the IDT (rt_idt_init) with the new code selector and makes every
 * page user-accessible (paging_allow_user).  ring3_call(fn, arg) enters
 * fn(arg) at CPL 3 by IRETQ, with interrupts off, on a stack of its own,
 * and comes back when fn returns, with fn's return value: the trampoline
 * that called fn executes ud2, and the #UD handler sees where it came from
 * and resumes ring3_call's caller at CPL 0 (Intel SDM Vol. 3A, 6.12.1:
 * an exception at CPL 3 switches to RSP0).
 *
 * Why not SYSCALL and SYSRET: on this host a user-mode SYSCALL reaches
 * MSR_LSTAR without leaving CPL 3 (hyve repairs that only through a #PF
 * on the kernel page it lands on: vmm/emulate.h; QEMU does not), and
 * with every page user-accessible nothing faults.  An exception is
 * delivered correctly by every VMM.  The IOPL of 3 that ring3_call asks
 * for is not honoured here either, so code at CPL 3 must not touch ports
 * (no rt_printf): memory, MMIO and RDTSC only.
 *
 * Privileged instructions (hlt, mov to CR, wrmsr, lidt) fault at CPL 3:
 * do them around the call.  Not reentrant; boot CPU only.
 */
#ifndef HYVE_GUEST_RT_RING3_H
#define HYVE_GUEST_RT_RING3_H

#include <stdint.h>

void ring3_init(void);
uint64_t ring3_call(uint64_t (*fn)(void *), void *arg);

#endif
