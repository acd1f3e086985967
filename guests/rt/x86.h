/*
 * x86.h: what the guests need of the PC beyond a serial port: an IDT with
 * handlers, the local APIC and the IOAPIC (xAPIC MMIO), the PIT, starting
 * the other vCPUs, the x87/SSE state as FXSAVE shows it, and powering off
 * through hyve's ACPI PM1a control block.
 */
#ifndef HYVE_GUEST_RT_X86_H
#define HYVE_GUEST_RT_X86_H

#include <stdint.h>

#include "rt.h"

struct rt_frame { /* what the CPU pushed */
	uint64_t rip, cs, rflags, rsp, ss;
};

typedef void (*rt_handler)(uint64_t vector, uint64_t error,
			   struct rt_frame *frame);

/* Load an IDT whose every vector goes to rt_isr_dispatch. */
void rt_idt_init(void);
/* Handle vector v with h (NULL: the default, which fails on exceptions). */
void rt_set_handler(unsigned int v, rt_handler h);

static inline void rt_sti(void)
{
	__asm__ volatile("sti" ::: "memory");
}
static inline void rt_cli(void)
{
	__asm__ volatile("cli" ::: "memory");
}
/* Wait for an interrupt: sti; hlt; cli. */
static inline void rt_wait_irq(void)
{
	__asm__ volatile("sti; hlt; cli" ::: "memory");
}
static inline uint64_t rt_rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}
static inline uint64_t rt_rflags(void)
{
	uint64_t f;
	__asm__ volatile("pushfq; popq %0" : "=r"(f));
	return f;
}

/* The local APIC, xAPIC mode, at 0xfee00000. */
#define LAPIC_ID	 0x020
#define LAPIC_EOI	 0x0b0
#define LAPIC_SVR	 0x0f0
#define LAPIC_ICR_LO	 0x300
#define LAPIC_ICR_HI	 0x310
#define LAPIC_LVT_TIMER	 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR	 0x390
#define LAPIC_TIMER_DIV	 0x3e0
uint32_t rt_lapic_read(uint32_t reg);
void rt_lapic_write(uint32_t reg, uint32_t v);
unsigned int rt_lapic_id(void);
void rt_lapic_enable(void);
void rt_lapic_eoi(void);

/* The IOAPIC at 0xfec00000: route pin to vector on APIC dest, edge high. */
void rt_ioapic_route(unsigned int pin, uint8_t vector, uint8_t dest,
		     bool level);
void rt_ioapic_mask(unsigned int pin);

/* The PIT: channel 0 periodic at hz (mode 2). */
void rt_pit_periodic(unsigned int hz);

/*
 * Start vCPUs 1..n-1 (APIC IDs 1..n-1) with INIT and SIPI; each calls
 * entry(apic_id) on a stack of its own, with interrupts off.
 */
void rt_smp_start(unsigned int n, void (*entry)(unsigned int apic_id));

/* Load the IDT rt_idt_init built (on an AP, which shares it). */
void rt_idt_load(void);

/* Mask every line of both 8259 PICs, so only the IOAPIC delivers. */
void rt_pic_mask_all(void);

/* CMOS bytes (the RTC's registers and RAM) at ports 0x70/0x71. */
uint8_t rt_cmos_read(uint8_t index);
void rt_cmos_write(uint8_t index, uint8_t v);

/* FXSAVE's 512-byte image. */
struct rt_fxsave {
	uint16_t fcw, fsw;
	uint8_t ftw, rsvd1;
	uint16_t fop;
	uint64_t fip, fdp;
	uint32_t mxcsr, mxcsr_mask;
	uint8_t st[8][16];
	uint8_t xmm[16][16];
	uint8_t rsvd2[96];
} __attribute__((aligned(16)));

static inline void rt_fxsave(struct rt_fxsave *s)
{
	__asm__ volatile("fxsave64 %0" : "=m"(*s));
}

#endif
