/* x86.c: the guests' interrupts, APICs, PIT, SMP and power.  See x86.h. */
#include "x86.h"

#define LAPIC_BASE  0xfee00000ULL
#define IOAPIC_BASE 0xfec00000ULL
#define TRAMPOLINE  0x8000ULL
#define AP_STACK    0x4000ULL
#define MAX_CPUS    64

struct idt_gate {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, zero;
} __attribute__((packed));

static struct idt_gate idt[256] __attribute__((aligned(16)));
static rt_handler handlers[256];
static uint8_t ap_stacks[MAX_CPUS][AP_STACK] __attribute__((aligned(16)));

extern char rt_isr_stub_base[];
extern const char rt_trampoline_start[], rt_trampoline_end[];
extern const char rt_tramp_entry[], rt_tramp_stacks[], rt_tramp_stack_size[];

void rt_isr_dispatch(uint64_t v, uint64_t error, struct rt_frame *f);
void rt_isr_dispatch(uint64_t v, uint64_t error, struct rt_frame *f)
{
	if (v < 256 && handlers[v]) {
		handlers[v](v, error, f);
		return;
	}
	if (v < 32) {
		rt_printf("rt: unexpected exception %lu at %#lx, error %#lx\n",
			  v, f->rip, error);
		rt_exit(0x7f);
	}
	rt_printf("rt: unexpected interrupt %lu\n", v);
	rt_lapic_eoi();
}

void rt_set_handler(unsigned int v, rt_handler h)
{
	if (v < 256)
		handlers[v] = h;
}

void rt_idt_init(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (uintptr_t)idt };
	uint16_t cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	for (unsigned int v = 0; v < 256; v++) {
		uint64_t a = (uintptr_t)rt_isr_stub_base + 16 * v;
		idt[v] = (struct idt_gate){
			.off_lo = (uint16_t)a,
			.sel = cs,
			.type = 0x8e, /* present, DPL 0, 64-bit interrupt gate */
			.off_mid = (uint16_t)(a >> 16),
			.off_hi = (uint32_t)(a >> 32),
		};
	}
	__asm__ volatile("lidt %0" : : "m"(idtr));
}

uint32_t rt_lapic_read(uint32_t reg)
{
	return *(volatile uint32_t *)(LAPIC_BASE + reg);
}

void rt_lapic_write(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(LAPIC_BASE + reg) = v;
}

unsigned int rt_lapic_id(void)
{
	return rt_lapic_read(LAPIC_ID) >> 24;
}

void rt_lapic_enable(void)
{
	rt_lapic_write(LAPIC_SVR, 0x1ff); /* enabled, spurious vector 0xff */
}

void rt_lapic_eoi(void)
{
	rt_lapic_write(LAPIC_EOI, 0);
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)IOAPIC_BASE = reg;
	*(volatile uint32_t *)(IOAPIC_BASE + 0x10) = v;
}

void rt_ioapic_route(unsigned int pin, uint8_t vector, uint8_t dest,
		     bool level)
{
	ioapic_write(0x10 + 2 * pin + 1, (uint32_t)dest << 24);
	ioapic_write(0x10 + 2 * pin, vector | (level ? 1u << 15 : 0));
}

void rt_ioapic_mask(unsigned int pin)
{
	ioapic_write(0x10 + 2 * pin, 1u << 16);
}

void rt_pit_periodic(unsigned int hz)
{
	unsigned int div = 1193182 / hz;

	outb(0x43, 0x34); /* channel 0, lobyte/hibyte, mode 2 */
	outb(0x40, (uint8_t)div);
	outb(0x40, (uint8_t)(div >> 8));
}

static void udelay_spin(unsigned long n)
{
	while (n--)
		__asm__ volatile("pause");
}

void rt_smp_start(unsigned int n, void (*entry)(unsigned int apic_id))
{
	uint64_t len = (uint64_t)(rt_trampoline_end - rt_trampoline_start);
	uint8_t *t = (uint8_t *)TRAMPOLINE;
	uint64_t stacks = (uintptr_t)ap_stacks, size = AP_STACK;
	uint64_t fn = (uintptr_t)entry;

	for (uint64_t i = 0; i < len; i++)
		t[i] = (uint8_t)rt_trampoline_start[i];
	*(uint64_t *)(t + (rt_tramp_entry - rt_trampoline_start)) = fn;
	*(uint64_t *)(t + (rt_tramp_stacks - rt_trampoline_start)) = stacks;
	*(uint64_t *)(t + (rt_tramp_stack_size - rt_trampoline_start)) = size;
	for (unsigned int id = 1; id < n && id < MAX_CPUS; id++) {
		rt_lapic_write(LAPIC_ICR_HI, id << 24);
		rt_lapic_write(LAPIC_ICR_LO, 0x4500); /* INIT, assert */
		udelay_spin(10000);
		for (int k = 0; k < 2; k++) {
			rt_lapic_write(LAPIC_ICR_HI, id << 24);
			/* Start-up, vector 0x08: the AP starts at 0x8000. */
			rt_lapic_write(LAPIC_ICR_LO, 0x4600 | (TRAMPOLINE >> 12));
			udelay_spin(1000);
		}
	}
}

void rt_idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (uintptr_t)idt };

	__asm__ volatile("lidt %0" : : "m"(idtr));
}

void rt_pic_mask_all(void)
{
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

uint8_t rt_cmos_read(uint8_t index)
{
	outb(0x70, index & 0x7f);
	return inb(0x71);
}

void rt_cmos_write(uint8_t index, uint8_t v)
{
	outb(0x70, index & 0x7f);
	outb(0x71, v);
}
