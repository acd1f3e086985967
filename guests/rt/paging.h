/*
 * paging.h: additions to whatever 4-level identity map the guest runs on
 * (hyve's direct 64-bit entry builds one at 0x10000, entry32.S its own for
 * PVH and Multiboot; both cover the low 4 GiB, not what lies above, such
 * as the PCI 64-bit BAR window).  Intel SDM Vol. 3A, 4.5 "4-Level Paging".
 *
 * The tables that paging_map adds come from a small static pool.  Boot
 * CPU, CPL 0, before other vCPUs run.
 */
#ifndef HYVE_GUEST_RT_PAGING_H
#define HYVE_GUEST_RT_PAGING_H

#include <stdbool.h>
#include <stdint.h>

#define PTE_P	 0x001ULL
#define PTE_RW	 0x002ULL
#define PTE_US	 0x004ULL
#define PTE_PWT	 0x008ULL
#define PTE_PCD	 0x010ULL
#define PTE_PS	 0x080ULL
#define PTE_ADDR 0x000ffffffffff000ULL

/*
 * Identity-map [addr, addr + len) with 2 MiB pages, uncached when uc,
 * where nothing maps it yet (what is mapped already is left alone).
 * 0, or -1 when the pool of page-table pages ran out or the range is
 * beyond 48 bits.  New entries are user-accessible (PTE_US).
 */
int paging_map(uint64_t addr, uint64_t len, bool uc);

/*
 * Make every present mapping user-accessible (PTE_US at each level), for
 * code that runs at CPL 3 (ring3.h); flushes the TLB.
 */
void paging_allow_user(void);

#endif
