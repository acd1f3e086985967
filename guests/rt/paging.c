/* paging.c: growing the identity map.  See paging.h. */
#include "paging.h"

#define POOL_PAGES 16
#define ENTRIES	   512
#define PAGE_2M	   (1ULL << 21)

static uint64_t pool[POOL_PAGES][ENTRIES] __attribute__((aligned(4096)));
static unsigned int pool_used;

static uint64_t read_cr3(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static void flush_tlb(void)
{
	__asm__ volatile("mov %%cr3, %%rax; mov %%rax, %%cr3"
			 :
			 :
			 : "rax", "memory");
}

/* The table entry e points to, made present first if it is not. */
static uint64_t *next_table(uint64_t *e)
{
	uint64_t *t;

	if (*e & PTE_P)
		return (uint64_t *)(uintptr_t)(*e & PTE_ADDR);
	if (pool_used == POOL_PAGES)
		return 0;
	t = pool[pool_used++];
	*e = (uintptr_t)t | PTE_P | PTE_RW | PTE_US;
	return t;
}

int paging_map(uint64_t addr, uint64_t len, bool uc)
{
	uint64_t *pml4 = (uint64_t *)(uintptr_t)(read_cr3() & PTE_ADDR);
	uint64_t a = addr & ~(PAGE_2M - 1), end = addr + len;

	if (end > 1ULL << 47 || end < addr)
		return -1;
	for (; a < end; a += PAGE_2M) {
		uint64_t *pdpt = next_table(&pml4[(a >> 39) & 511]), *pd, *e;

		if (!pdpt)
			return -1;
		e = &pdpt[(a >> 30) & 511];
		if ((*e & (PTE_P | PTE_PS)) == (PTE_P | PTE_PS))
			continue; /* a 1 GiB page maps it already */
		pd = next_table(e);
		if (!pd)
			return -1;
		e = &pd[(a >> 21) & 511];
		if (*e & PTE_P)
			continue;
		*e = a | PTE_P | PTE_RW | PTE_US | PTE_PS |
		     (uc ? PTE_PCD | PTE_PWT : 0);
	}
	flush_tlb();
	return 0;
}

/* Set US in table t (level 4: PML4 ... 2: PD) and the tables below. */
static void allow_user(uint64_t *t, unsigned int level)
{
	for (unsigned int i = 0; i < ENTRIES; i++) {
		if (!(t[i] & PTE_P))
			continue;
		t[i] |= PTE_US;
		if (level > 1 && !(level < 4 && t[i] & PTE_PS))
			allow_user((uint64_t *)(uintptr_t)(t[i] & PTE_ADDR),
				   level - 1);
	}
}

void paging_allow_user(void)
{
	allow_user((uint64_t *)(uintptr_t)(read_cr3() & PTE_ADDR), 4);
	flush_tlb();
}
