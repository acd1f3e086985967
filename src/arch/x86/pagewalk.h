/*
 * pagewalk.h: a software walk of the guest's x86 page tables, so that hyve
 * can turn a guest linear address (RIP, say) into a guest-physical one
 * without asking KVM.
 *
 * The tables live in guest memory and the guest controls them, so every
 * entry is read through mem_read() and a table pointer outside RAM gives
 * -EFAULT, never a crash.  The walk reads the tables only: it sets no
 * accessed or dirty bits and checks no permissions (U/S, R/W, NX, keys),
 * because hyve wants to know where an address points, not whether the guest
 * may use it.
 *
 * Modes, chosen from CR0.PG, CR4.PAE, CR4.PSE, CR4.LA57 and EFER.LMA
 * (SDM Vol. 3A, chapter "Paging"):
 *   paging off         gpa = va
 *   32-bit paging      4 KiB pages; 4 MiB pages when CR4.PSE
 *   PAE paging         4 KiB and 2 MiB pages; the PDPTEs are read from
 *                      memory at CR3 (the CPU caches them at MOV CR3; KVM's
 *                      kvm_sregs does not show that cache)
 *   4-level paging     4 KiB, 2 MiB and 1 GiB pages (5-level when CR4.LA57)
 *
 * Pure functions over the caller's guest_mem and kvm_sregs; any thread may
 * call them (the guest may change its tables meanwhile; the result is then
 * whatever the tables said when each entry was read).
 */
#ifndef HYVE_ARCH_X86_PAGEWALK_H
#define HYVE_ARCH_X86_PAGEWALK_H

#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "vmm/mem.h"

/*
 * Translate the linear address va.  0 and *gpa set, or -EFAULT when va is
 * not mapped: an entry not present, a table outside RAM, a non-canonical
 * address in long mode, an address above 4 GiB outside long mode, or a
 * reserved PS bit at the top level.  The gpa itself need not be RAM.
 */
int pagewalk_translate(const struct guest_mem *gm,
		       const struct kvm_sregs *sregs, uint64_t va,
		       uint64_t *gpa);

/*
 * Copy up to len bytes of guest linear memory starting at va into dst,
 * crossing page boundaries, and stop at the first byte that does not
 * translate or is not RAM.  *got (if not NULL) says how many bytes were
 * copied.  0 when all len bytes were copied, else -EFAULT.
 */
int pagewalk_read(const struct guest_mem *gm, const struct kvm_sregs *sregs,
		  uint64_t va, void *dst, size_t len, size_t *got);

/*
 * Copy len bytes from src to guest linear memory at va.  Every page is
 * translated and checked first, so a fault writes nothing: 0 or -EFAULT.
 * Sets no accessed or dirty bits and checks no permissions.
 */
int pagewalk_write(const struct guest_mem *gm, const struct kvm_sregs *sregs,
		   uint64_t va, const void *src, size_t len);

#endif
