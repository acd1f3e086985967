/*
 * mptable.h: the Intel MultiProcessor Specification table (MP spec 1.4,
 * chapter 4) hyve gives an x86 guest beside its ACPI tables.
 *
 * Why both: an OS that reads ACPI ignores the MP table, but Linux looks for
 * the MP floating pointer before it reads ACPI, by scanning the first KiB
 * of memory, then the KiB at 639 KiB, then all of 0xf0000-0xfffff, mapping
 * and unmapping memory at every 16-byte step.  With no table at all the
 * third scan runs its 4,096 steps, seconds of kernel code where kernel code
 * is emulated; a floating pointer in the first KiB of the EBDA (0x9fc00)
 * ends the search at its second area, as on a PC.  An OS without ACPI
 * (Linux with acpi=off, hyve with --acpi off) takes its CPUs and interrupt
 * routing from this table, so it says the same as the MADT and the DSDT's
 * _PRT do.
 *
 * Built:
 * - the MP floating pointer structure (4.1), 16 bytes: spec revision 1.4,
 *   feature byte 1 = 0 (a configuration table is present, at PHYSICAL
 *   ADDRESS POINTER), feature byte 2 = 0 (virtual wire mode: no IMCR);
 * - the configuration table (4.2) with, in the order 4.3 asks: a
 *   processor entry per CPU (APIC ID = index, CPU 0 the bootstrap
 *   processor), the buses (PCI bus 0 if present, then ISA), the I/O APIC,
 *   an I/O interrupt entry per ISA IRQ (IRQ 0 on INTIN2, IRQ 2 left out,
 *   the others on their own pin; the SCI level-triggered and active high
 *   as in the MADT), one per PCI slot and pin (level, active low, on the
 *   GSI the _PRT names), and the local interrupts (ExtINT on LINT0, NMI on
 *   LINT1, for every local APIC).  No extended table, no OEM table.
 *
 * Pure code: mptable_build writes only the caller's buffers.
 */
#ifndef HYVE_ARCH_X86_MPTABLE_H
#define HYVE_ARCH_X86_MPTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MPTABLE_MAX_CPUS  255 /* xAPIC IDs 0..254 */
#define MPTABLE_MPF_SIZE  16
#define MPTABLE_PCI_SLOTS 32
#define MPTABLE_PCI_PINS  4

struct mptable_config {
	unsigned int ncpus; /* 1..MPTABLE_MAX_CPUS */
	uint32_t lapic_addr;
	uint8_t lapic_version;
	uint32_t cpu_signature; /* CPUID.01H:EAX: stepping, model, family */
	uint32_t cpu_features;	/* CPUID.01H:EDX */
	uint32_t ioapic_addr;
	uint8_t ioapic_id; /* must not be a CPU's APIC ID */
	uint8_t ioapic_version;
	uint8_t sci_irq; /* level, active high; 0: none */
	bool pci;	 /* PCI bus 0, with its INTx entries */
	/* INTx of slot s, pin p (0 = INTA) is on INTIN pci_gsi[(s + p) % 4] */
	uint8_t pci_gsi[MPTABLE_PCI_PINS];
	const char *oem_id; /* up to 8 chars; NULL: "HYVE" */
};

/*
 * Build the floating pointer into mpf (16 bytes, to live at a 16-byte
 * aligned guest address) and the configuration table into mpc (len bytes,
 * at guest-physical mpc_gpa, below 4 GiB).  *used: the table's size.
 * -EINVAL for a bad config, -ENOSPC when len is too small.
 */
int mptable_build(const struct mptable_config *cfg,
		  uint8_t mpf[MPTABLE_MPF_SIZE], uint8_t *mpc, size_t len,
		  uint64_t mpc_gpa, size_t *used);

/* The configuration table's size for cfg, without building it. */
size_t mptable_size(const struct mptable_config *cfg);

#endif
