/*
 * longmode.c: GDT, TSS and page tables for direct 64-bit entry.
 *
 * Facts used (Intel SDM Vol. 3A): in 64-bit mode the code segment needs
 * L = 1 and D = 0 and its base and limit are ignored (3.4.5, 5.2.1); a
 * 2 MiB page is a PDE with PS (bit 7) set (4.5); IA32_EFER.LME and LMA with
 * CR0.PG and CR4.PAE mean IA-32e mode (9.8.5).  VM entry needs a usable TR
 * that is a busy 64-bit TSS (26.3.1.2), so we give it one.
 */
#include "arch/x86/longmode.h"

#include <errno.h>
#include <string.h>

#include "arch/x86/memmap.h"

#define GIB (1ULL << 30)

/* Segment descriptor: base, limit, access byte and flags nibble. */
static uint64_t gdt_entry(uint32_t base, uint32_t limit, uint8_t access,
			  uint8_t flags)
{
	return (uint64_t)(limit & 0xffff) |
	       ((uint64_t)(base & 0xffffff) << 16) | ((uint64_t)access << 40) |
	       ((uint64_t)(limit >> 16 & 0xf) << 48) |
	       ((uint64_t)(flags & 0xf) << 52) | ((uint64_t)(base >> 24) << 56);
}

#define GDT_CODE_ACCESS	 0x9b /* present, code, execute/read, accessed */
#define GDT_DATA_ACCESS	 0x93 /* present, data, read/write, accessed */
#define GDT_TSS_ACCESS	 0x8b /* present, 64-bit (or 32-bit) TSS, busy */
#define GDT_FLAGS_CODE64 0xa  /* G, L */
#define GDT_FLAGS_CODE32 0xc  /* G, D/B */
#define GDT_FLAGS_DATA	 0xc  /* G, D/B */
#define TSS_LIMIT	 0x67

uint64_t longmode_map_top(const struct guest_mem *gm)
{
	uint64_t top = MEMMAP_HOLE_END;

	for (unsigned int i = 0; i < gm->count; i++) {
		uint64_t end = gm->region[i].gpa + gm->region[i].size;
		if (end > top)
			top = end;
	}
	return (top + GIB - 1) & ~(GIB - 1);
}

int longmode_build(const struct guest_mem *gm)
{
	uint64_t gdt[MEMMAP_GDT_ENTRIES];
	uint64_t top = longmode_map_top(gm), ngib = top / GIB;
	uint64_t *pml4, *pdpt, *pd;

	if (ngib > MEMMAP_PD_COUNT)
		return -E2BIG;
	pml4 = mem_ptr(gm, MEMMAP_PML4, 4096);
	pdpt = mem_ptr(gm, MEMMAP_PDPT, 4096);
	pd = mem_ptr(gm, MEMMAP_PD, ngib * 4096);
	if (!pml4 || !pdpt || !pd)
		return -EFAULT;

	gdt[0] = 0;
	gdt[MEMMAP_SEL_CODE32 / 8] =
		gdt_entry(0, 0xfffff, GDT_CODE_ACCESS, GDT_FLAGS_CODE32);
	gdt[MEMMAP_SEL_CODE64 / 8] =
		gdt_entry(0, 0xfffff, GDT_CODE_ACCESS, GDT_FLAGS_CODE64);
	gdt[MEMMAP_SEL_DATA / 8] =
		gdt_entry(0, 0xfffff, GDT_DATA_ACCESS, GDT_FLAGS_DATA);
	/* A 64-bit TSS descriptor takes two slots; the upper base is 0. */
	gdt[MEMMAP_SEL_TSS / 8] =
		gdt_entry((uint32_t)MEMMAP_TSS, TSS_LIMIT, GDT_TSS_ACCESS, 0);
	gdt[MEMMAP_SEL_TSS / 8 + 1] = 0;
	if (mem_write(gm, MEMMAP_GDT, gdt, sizeof(gdt)))
		return -EFAULT;

	memset(pml4, 0, 4096);
	memset(pdpt, 0, 4096);
	pml4[0] = MEMMAP_PDPT | X86_PTE_P | X86_PTE_RW;
	for (uint64_t g = 0; g < ngib; g++) {
		pdpt[g] = (MEMMAP_PD + g * 4096) | X86_PTE_P | X86_PTE_RW;
		for (uint64_t i = 0; i < 512; i++)
			pd[g * 512 + i] = (g * GIB + (i << 21)) | X86_PTE_P |
					  X86_PTE_RW | X86_PTE_PS;
	}
	return 0;
}

static struct kvm_segment longmode_segment(uint16_t sel, uint8_t type,
					   bool code)
{
	return (struct kvm_segment){
		.base = 0,
		.limit = 0xffffffff,
		.selector = sel,
		.type = type,
		.present = 1,
		.dpl = 0,
		.db = code ? 0 : 1,
		.s = 1,
		.l = code ? 1 : 0,
		.g = 1,
	};
}

void longmode_sregs(struct kvm_sregs *s)
{
	struct kvm_segment data =
		longmode_segment(MEMMAP_SEL_DATA, GDT_DATA_ACCESS & 0xf, false);

	s->cs = longmode_segment(MEMMAP_SEL_CODE64, GDT_CODE_ACCESS & 0xf,
				 true);
	s->ds = s->es = s->fs = s->gs = s->ss = data;
	s->tr = (struct kvm_segment){
		.base = MEMMAP_TSS,
		.limit = TSS_LIMIT,
		.selector = MEMMAP_SEL_TSS,
		.type = GDT_TSS_ACCESS & 0xf,
		.present = 1,
	};
	s->ldt = (struct kvm_segment){ .unusable = 1, .type = 2, .present = 1 };
	s->gdt.base = MEMMAP_GDT;
	s->gdt.limit = MEMMAP_GDT_ENTRIES * 8 - 1;
	/* No IDT: an exception becomes a triple fault, which hyve reports. */
	s->idt.base = 0;
	s->idt.limit = 0;
	s->cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE |
		 X86_CR0_WP | X86_CR0_PG;
	s->cr3 = MEMMAP_PML4;
	s->cr4 = X86_CR4_PAE;
	s->efer = X86_EFER_LME | X86_EFER_LMA;
}

void longmode_regs(struct kvm_regs *r, uint64_t entry)
{
	memset(r, 0, sizeof(*r));
	r->rip = entry;
	r->rsp = MEMMAP_STACK_TOP;
	r->rdi = MEMMAP_BOOT_INFO;
	r->rflags = X86_RFLAGS_FIXED;
}

void longmode_sregs_prot32(struct kvm_sregs *s)
{
	struct kvm_segment data =
		longmode_segment(MEMMAP_SEL_DATA, GDT_DATA_ACCESS & 0xf, false);

	s->cs = longmode_segment(MEMMAP_SEL_CODE32, GDT_CODE_ACCESS & 0xf,
				 false);
	s->cs.db = 1;
	s->cs.l = 0;
	s->ds = s->es = s->fs = s->gs = s->ss = data;
	/* A 32-bit busy TSS: VM entry wants a usable TR in any mode. */
	s->tr = (struct kvm_segment){
		.base = MEMMAP_TSS,
		.limit = TSS_LIMIT,
		.selector = MEMMAP_SEL_TSS,
		.type = GDT_TSS_ACCESS & 0xf,
		.present = 1,
	};
	s->ldt = (struct kvm_segment){ .unusable = 1, .type = 2, .present = 1 };
	s->gdt.base = MEMMAP_GDT;
	s->gdt.limit = MEMMAP_GDT_ENTRIES * 8 - 1;
	s->idt.base = 0;
	s->idt.limit = 0;
	s->cr0 = X86_CR0_PE | X86_CR0_ET;
	s->cr3 = 0;
	s->cr4 = 0;
	s->efer = 0;
}
