/*
 * lapic_timer_smp: every vCPU runs its own local APIC timer.  The BSP
 * starts the others (boot info's cpu count) with INIT/SIPI; each CPU, the
 * BSP too, loads the shared IDT, enables its LAPIC, and runs its timer
 * periodic, divide by 16, on a vector of its own (VEC_BASE + APIC ID),
 * until it has counted TICKS ticks.  The handler checks that the tick came
 * to the CPU whose vector it is.  The BSP waits (bounded by the TSC) for
 * all of them and prints one line per CPU, then "lapic: all N cpus
 * ticked" and returns PASS (status 85).
 *
 * Output from several CPUs is serialised by a spinlock; the counters the
 * CPUs share are updated with __atomic builtins.
 */
#include "rt.h"
#include "x86.h"

#define PASS	 0x2a
#define FAIL	 0x2b
#define MAX_CPUS 32
#define VEC_BASE 0x40
#define TICKS	 5
/* 625000 at divide by 16 is 10 ms at KVM's 1 GHz APIC bus. */
#define TIMER_COUNT 625000
#define TSC_LIMIT   (5ULL * 3000000000ULL)

static volatile uint32_t ticks[MAX_CPUS];
static volatile uint32_t up[MAX_CPUS];
static uint32_t done, misrouted, print_lock;

static void lock(void)
{
	while (__atomic_exchange_n(&print_lock, 1, __ATOMIC_ACQUIRE))
		__asm__ volatile("pause");
}

static void unlock(void)
{
	__atomic_store_n(&print_lock, 0, __ATOMIC_RELEASE);
}

static void on_tick(uint64_t v, uint64_t error, struct rt_frame *f)
{
	unsigned int id = (unsigned int)(v - VEC_BASE);

	(void)error, (void)f;
	if (rt_lapic_id() != id)
		__atomic_fetch_add(&misrouted, 1, __ATOMIC_RELAXED);
	else
		ticks[id]++;
	rt_lapic_eoi();
}

static void timer_start(unsigned int id)
{
	rt_lapic_enable();
	rt_lapic_write(LAPIC_TIMER_DIV, 0x3); /* divide by 16 */
	rt_lapic_write(LAPIC_LVT_TIMER, (1u << 17) | (VEC_BASE + id));
	rt_lapic_write(LAPIC_TIMER_INIT, TIMER_COUNT);
}

static void timer_stop(unsigned int id)
{
	rt_lapic_write(LAPIC_LVT_TIMER, (1u << 16) | (VEC_BASE + id));
	rt_lapic_write(LAPIC_TIMER_INIT, 0);
	__atomic_fetch_add(&done, 1, __ATOMIC_RELEASE);
}

/* An AP: a hang here only leaves that CPU out of the BSP's count. */
static void ap_main(unsigned int apic_id)
{
	if (apic_id >= MAX_CPUS)
		return;
	rt_idt_load();
	up[apic_id] = 1;
	lock();
	rt_printf("lapic: cpu %u: up\n", apic_id);
	unlock();
	timer_start(apic_id);
	while (ticks[apic_id] < TICKS)
		rt_wait_irq();
	timer_stop(apic_id);
}

int main(const struct hyve_boot_info *bi)
{
	unsigned int n = bi ? bi->cpus : 1, bsp, ok = 0;
	uint64_t start;

	if (n > MAX_CPUS)
		n = MAX_CPUS;
	rt_idt_init();
	for (unsigned int i = 0; i < MAX_CPUS; i++)
		rt_set_handler(VEC_BASE + i, on_tick);
	rt_pic_mask_all();
	bsp = rt_lapic_id();
	rt_printf("lapic: %u cpus, bsp apic id %u\n", n, bsp);
	if (bsp >= MAX_CPUS)
		return FAIL;
	up[bsp] = 1;
	rt_smp_start(n, ap_main);

	/* The BSP's own timer, waited for with interrupts on, bounded. */
	start = rt_rdtsc();
	timer_start(bsp);
	rt_sti();
	while (ticks[bsp] < TICKS && rt_rdtsc() - start < TSC_LIMIT)
		__asm__ volatile("pause");
	rt_cli();
	timer_stop(bsp);
	while (__atomic_load_n(&done, __ATOMIC_ACQUIRE) < n &&
	       rt_rdtsc() - start < TSC_LIMIT)
		__asm__ volatile("pause");

	lock();
	for (unsigned int id = 0; id < MAX_CPUS; id++) {
		if (!up[id])
			continue;
		rt_printf("lapic: cpu %u: %u ticks\n", id, ticks[id]);
		ok += ticks[id] >= TICKS;
	}
	if (misrouted)
		rt_printf("lapic: %u ticks reached the wrong cpu\n", misrouted);
	if (ok == n && !misrouted) {
		rt_printf("lapic: all %u cpus ticked\n", n);
		unlock();
		return PASS;
	}
	rt_printf("lapic: only %u of %u cpus ticked\n", ok, n);
	unlock();
	return FAIL;
}
