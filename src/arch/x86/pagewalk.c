/*
 * pagewalk.c: software walk of the guest's page tables.  See pagewalk.h.
 *
 * The four x86 paging modes differ only in entry size, index width, number
 * of levels and where large pages are allowed (SDM Vol. 3A, "Paging":
 * "32-Bit Paging", "PAE Paging", "4-Level Paging and 5-Level Paging"), so
 * one loop walks them all, described by a struct walk_mode.
 */
#include "arch/x86/pagewalk.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "arch/x86/x86.h"

#define PAGE_SIZE 4096ULL
#define PAGE_MASK (PAGE_SIZE - 1)

struct walk_mode {
	unsigned int levels;	   /* tables walked, top one included */
	unsigned int index_bits;   /* 10 for 32-bit paging, else 9 */
	unsigned int entry_bytes;  /* 4 for 32-bit paging, else 8 */
	unsigned int max_ps_level; /* highest level where PS maps a page */
	bool ps_ignored; /* PS above that level: ignored, not reserved */
};

/* Read one table entry; a table outside RAM is a fault like any other. */
static int read_entry(const struct guest_mem *gm, uint64_t table,
		      uint64_t index, unsigned int bytes, uint64_t *entry)
{
	uint32_t e32;

	if (bytes == 4) {
		if (mem_read(gm, table + index * 4, &e32, 4))
			return -EFAULT;
		*entry = e32;
		return 0;
	}
	return mem_read(gm, table + index * 8, entry, 8) ? -EFAULT : 0;
}

/* Where the next table or the page starts, from a present entry. */
static uint64_t entry_addr(const struct walk_mode *m, uint64_t e)
{
	return m->entry_bytes == 4 ? e & 0xfffff000ULL : e & X86_PTE_ADDR;
}

/*
 * The base of a large page.  A 4 MiB page under 32-bit paging keeps
 * physical-address bits 39:32 in entry bits 20:13 (PSE-36); 64-bit entries
 * hold the address in place, with the low bits (PAT among them) masked off.
 */
static uint64_t large_base(const struct walk_mode *m, uint64_t e, uint64_t size)
{
	if (m->entry_bytes == 4)
		return (e & 0xffc00000ULL) | (((e >> 13) & 0xffULL) << 32);
	return e & X86_PTE_ADDR & ~(size - 1);
}

static int walk(const struct guest_mem *gm, const struct walk_mode *m,
		uint64_t table, uint64_t va, uint64_t *gpa)
{
	uint64_t index_mask = (1ULL << m->index_bits) - 1;

	for (unsigned int level = m->levels; level >= 1; level--) {
		unsigned int shift = 12 + m->index_bits * (level - 1);
		uint64_t e;

		if (read_entry(gm, table, (va >> shift) & index_mask,
			       m->entry_bytes, &e))
			return -EFAULT;
		if (!(e & X86_PTE_P))
			return -EFAULT;
		if (level == 1) {
			*gpa = entry_addr(m, e) | (va & PAGE_MASK);
			return 0;
		}
		if ((e & X86_PTE_PS) && level <= m->max_ps_level) {
			uint64_t size = 1ULL << shift;

			*gpa = large_base(m, e, size) | (va & (size - 1));
			return 0;
		}
		if ((e & X86_PTE_PS) && !m->ps_ignored)
			return -EFAULT; /* reserved bit set */
		table = entry_addr(m, e);
	}
	return -EFAULT; /* not reached: level 1 always returns */
}

int pagewalk_translate(const struct guest_mem *gm,
		       const struct kvm_sregs *sregs, uint64_t va,
		       uint64_t *gpa)
{
	struct walk_mode m;
	uint64_t table;

	if (!(sregs->cr0 & X86_CR0_PG)) {
		*gpa = va;
		return 0;
	}

	if (sregs->efer & X86_EFER_LMA) {
		unsigned int bits;

		m = (struct walk_mode){
			.levels = (sregs->cr4 & X86_CR4_LA57) ? 5 : 4,
			.index_bits = 9,
			.entry_bytes = 8,
			.max_ps_level = 3,
		};
		/* Bits 63:N-1 must all equal bit N-1 (N = 48 or 57). */
		bits = 12 + 9 * m.levels;
		if ((uint64_t)((int64_t)(va << (64 - bits)) >> (64 - bits)) !=
		    va)
			return -EFAULT;
		table = sregs->cr3 & X86_PTE_ADDR;
	} else if (va > 0xffffffffULL) {
		return -EFAULT; /* linear addresses are 32 bits here */
	} else if (sregs->cr4 & X86_CR4_PAE) {
		/* The PDPT is 32-byte aligned; CR3 bits 31:5 locate it. */
		m = (struct walk_mode){
			.levels = 3,
			.index_bits = 9,
			.entry_bytes = 8,
			.max_ps_level = 2,
		};
		table = sregs->cr3 & 0xffffffe0ULL;
	} else {
		/* Without CR4.PSE the PS bit of a PDE is ignored. */
		m = (struct walk_mode){
			.levels = 2,
			.index_bits = 10,
			.entry_bytes = 4,
			.max_ps_level = (sregs->cr4 & X86_CR4_PSE) ? 2 : 1,
			.ps_ignored = true,
		};
		table = sregs->cr3 & 0xfffff000ULL;
	}
	return walk(gm, &m, table, va, gpa);
}

int pagewalk_read(const struct guest_mem *gm, const struct kvm_sregs *sregs,
		  uint64_t va, void *dst, size_t len, size_t *got)
{
	uint8_t *out = dst;
	size_t done = 0;
	int err = 0;

	while (done < len) {
		uint64_t chunk = PAGE_SIZE - (va & PAGE_MASK);
		uint64_t gpa;
		const void *src;

		if (chunk > len - done)
			chunk = len - done;
		if (pagewalk_translate(gm, sregs, va, &gpa)) {
			err = -EFAULT;
			break;
		}
		src = mem_ptr(gm, gpa, chunk);
		if (!src) {
			/* Part of the page may still be RAM: go byte by byte. */
			uint64_t n = 0;

			while (n < chunk &&
			       !mem_read(gm, gpa + n, out + done, 1)) {
				n++;
				done++;
			}
			err = -EFAULT;
			break;
		}
		memcpy(out + done, src, chunk);
		done += chunk;
		if (va + chunk < va) { /* wrapped past the top of memory */
			if (done < len)
				err = -EFAULT;
			break;
		}
		va += chunk;
	}
	if (got)
		*got = done;
	return err;
}

int pagewalk_write(const struct guest_mem *gm, const struct kvm_sregs *sregs,
		   uint64_t va, const void *src, size_t len)
{
	const uint8_t *in = src;
	uint64_t first = va;

	/* Check every page first, so that a fault writes nothing. */
	for (size_t done = 0; done < len;) {
		uint64_t chunk = PAGE_SIZE - (va & PAGE_MASK), gpa;

		if (chunk > len - done)
			chunk = len - done;
		if (pagewalk_translate(gm, sregs, va, &gpa) ||
		    !mem_range_ok(gm, gpa, chunk))
			return -EFAULT;
		done += chunk, va += chunk;
	}
	va = first;
	for (size_t done = 0; done < len;) {
		uint64_t chunk = PAGE_SIZE - (va & PAGE_MASK), gpa;

		if (chunk > len - done)
			chunk = len - done;
		if (pagewalk_translate(gm, sregs, va, &gpa) ||
		    mem_write(gm, gpa, in + done, chunk))
			return -EFAULT;
		done += chunk, va += chunk;
	}
	return 0;
}
