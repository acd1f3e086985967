/*
 * acpi_pm.h: the ACPI fixed-hardware power-management registers that
 * hyve's FADT points at (ACPI 6.x, 4.8 "ACPI Hardware Specification",
 * 4.8.3 "Fixed Hardware Registers"), as one I/O bus range of 12 bytes:
 *
 *   base+0  PM1a_STS  16 bits  PM1a_EVT_BLK, PM1_EVT_LEN = 4 (4.8.3.1)
 *   base+2  PM1a_EN   16 bits
 *   base+4  PM1a_CNT  16 bits  PM1a_CNT_BLK, PM1_CNT_LEN = 2 (4.8.3.2)
 *   base+6  reserved  16 bits  reads 0, writes ignored
 *   base+8  PM_TMR    32 bits  PM_TMR_BLK, PM_TMR_LEN = 4 (4.8.3.3)
 *
 * so with base 0x600 the FADT says PM1a_EVT_BLK 0x600, PM1a_CNT_BLK 0x604,
 * PM_TMR_BLK 0x608, and the embedder registers 0x600-0x60b.  Any access
 * width at any offset works: each byte of an access goes to the register
 * that holds it, and an access touching PM_TMR reads the counter once.
 *
 * Emulated:
 * - PM1_STS, write 1 to clear: TMR_STS (bit 0) is set whenever bit 31 of
 *   the timer changes; PWRBTN_STS (bit 8) by acpi_pm_press_power_button();
 *   WAK_STS (bit 15) when the guest requests a sleep state other than S5
 *   (see below).  BM_STS, GBL_STS, SLPBTN_STS, RTC_STS and PCIEXP_WAKE_STS
 *   have no source here and stay 0.
 * - PM1_EN: TMR_EN, GBL_EN, PWRBTN_EN, SLPBTN_EN, RTC_EN and
 *   PCIEXP_WAKE_DIS are stored; the other bits read 0.
 * - PM1_CNT: SCI_EN (bit 0) always reads 1 and cannot be cleared: there is
 *   no SMI command port and no legacy mode, the machine is always in ACPI
 *   mode (the FADT's SMI_CMD is 0).  BM_RLD (bit 1) and SLP_TYP (bits
 *   10-12) are stored.  GBL_RLS (bit 2) and SLP_EN (bit 13) are write-only
 *   and read 0.  Writing SLP_EN = 1 with SLP_TYP equal to the S5 value the
 *   DSDT's \_S5 package gives (acpi_pm_init's s5_slp_typ) calls poweroff().
 *   Any other SLP_TYP is not a sleep hyve can do: the write is taken as an
 *   immediate wake, setting WAK_STS, so a guest that polls for WAK_STS
 *   after SLP_EN goes on (ACPI 6.x, chapter 16 "Waking and Sleeping"; hyve's
 *   DSDT offers only \_S5).
 * - PM_TMR: a 24/32-bit read-only counter at 3.579545 MHz (the FADT sets
 *   TMR_VAL_EXT, 32 bits), computed from a monotonic clock, 0 at init.
 * - The SCI (an interrupt line, level-triggered, active high here; the
 *   FADT's SCI_INT says which GSI) is high while any of TMR, GBL, PWRBTN,
 *   SLPBTN or RTC has both its STS and its EN bit set.
 * TMR_STS is computed lazily: when any register is accessed, when the power
 * button is pressed, and in acpi_pm_tick().  A guest that enables TMR_EN
 * gets its SCI for a timer wrap only at one of those moments; an embedder
 * that wants it on time calls acpi_pm_tick() at least every 2^31 ticks
 * (about 600 s).  No guest hyve runs uses TMR_EN.
 *
 * Not emulated: PM1b blocks, PM2, GPE blocks, the SMI command port, sleep
 * states S1-S4, wake events, the sleep button and the RTC alarm wake.
 *
 * Threads and locking: the main thread presses the power button while vCPU
 * threads access the registers, so the model serialises itself with
 * pm->lock.  irq() is called with pm->lock held, and only when the level
 * changes, so the levels it sees are in order; it must not call back into
 * this model.  poweroff() is called after pm->lock is released, on the vCPU
 * thread that wrote SLP_EN.  now_ns() is called with the lock held.
 */
#ifndef HYVE_HW_ACPI_PM_H
#define HYVE_HW_ACPI_PM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vmm/iobus.h"

#define ACPI_PM_BASE_DEFAULT 0x600
#define ACPI_PM_LEN	     12 /* bytes of the one bus range */

/* Offsets within the range. */
#define ACPI_PM_STS 0 /* PM1a_STS */
#define ACPI_PM_EN  2 /* PM1a_EN */
#define ACPI_PM_CNT 4 /* PM1a_CNT */
#define ACPI_PM_TMR 8 /* PM_TMR */

#define ACPI_PM_EVT_LEN 4 /* FADT PM1_EVT_LEN */
#define ACPI_PM_CNT_LEN 2 /* FADT PM1_CNT_LEN */
#define ACPI_PM_TMR_LEN 4 /* FADT PM_TMR_LEN */

#define ACPI_PM_TIMER_HZ 3579545ULL

/* PM1_STS and PM1_EN bits (ACPI 6.x, 4.8.3.1.1 and 4.8.3.1.2). */
#define ACPI_PM1_TMR	     0x0001
#define ACPI_PM1_BM	     0x0010 /* STS only */
#define ACPI_PM1_GBL	     0x0020
#define ACPI_PM1_PWRBTN	     0x0100
#define ACPI_PM1_SLPBTN	     0x0200
#define ACPI_PM1_RTC	     0x0400
#define ACPI_PM1_PCIEXP_WAKE 0x4000 /* STS; in EN: PCIEXP_WAKE_DIS */
#define ACPI_PM1_WAK	     0x8000 /* STS only */
/* The bits that raise the SCI when both STS and EN are set. */
#define ACPI_PM1_SCI_MASK                                                      \
	(ACPI_PM1_TMR | ACPI_PM1_GBL | ACPI_PM1_PWRBTN | ACPI_PM1_SLPBTN |     \
	 ACPI_PM1_RTC)

/* PM1_CNT bits (ACPI 6.x, 4.8.3.2.1). */
#define ACPI_PM1_CNT_SCI_EN	   0x0001
#define ACPI_PM1_CNT_BM_RLD	   0x0002
#define ACPI_PM1_CNT_GBL_RLS	   0x0004
#define ACPI_PM1_CNT_SLP_TYP	   0x1c00
#define ACPI_PM1_CNT_SLP_TYP_SHIFT 10
#define ACPI_PM1_CNT_SLP_EN	   0x2000

struct acpi_pm_backend {
	/* CLOCK_MONOTONIC nanoseconds; NULL: clock_gettime(). */
	int64_t (*now_ns)(void *ctx);
	/* The SCI changed level; called only on a change, lock held. */
	void (*irq)(void *ctx, bool level);
	/* The guest entered S5; called without the lock. */
	void (*poweroff)(void *ctx);
};

/*
 * Public so that it can be embedded; the fields are private to acpi_pm.c
 * and guarded by lock.
 */
struct acpi_pm {
	struct iobus_dev dev; /* first: the bus hands us this pointer */
	pthread_mutex_t lock;
	const struct acpi_pm_backend *be;
	void *ctx;
	unsigned int s5_slp_typ; /* 0-7 */
	int64_t tmr_base_ns;	 /* clock reading at which the timer was 0 */
	uint64_t tmr_half;	 /* ticks >> 31 when TMR_STS was last updated */
	uint16_t sts;
	uint16_t en;
	uint16_t cnt; /* the stored bits: BM_RLD and SLP_TYP */
	bool sci;     /* last level reported through be->irq */
};

/*
 * Set up pm: registers 0 (PM1_CNT reads SCI_EN), timer 0 now, SCI low (irq
 * is not called).  be must outlive pm; be and any of its callbacks may be
 * NULL.  s5_slp_typ is the SLP_TYP value of \_S5 in hyve's DSDT (0-7; only
 * the low 3 bits count).  The embedder registers &pm->dev as one range of
 * ACPI_PM_LEN bytes.
 */
void acpi_pm_init(struct acpi_pm *pm, const struct acpi_pm_backend *be,
		  void *ctx, unsigned int s5_slp_typ);
void acpi_pm_destroy(struct acpi_pm *pm);

/*
 * What a machine reset does: PM1_STS, PM1_EN and PM1_CNT back to their
 * init values (the timer runs on); the SCI drops if it was high.
 */
void acpi_pm_reset(struct acpi_pm *pm);

/* Press the power button: sets PWRBTN_STS; the SCI rises if PWRBTN_EN. */
void acpi_pm_press_power_button(struct acpi_pm *pm);

/* Whether the guest has enabled PWRBTN_EN, so a press will reach it. */
bool acpi_pm_power_button_enabled(struct acpi_pm *pm);

/* Bring TMR_STS (and the SCI) up to date with the clock now. */
void acpi_pm_tick(struct acpi_pm *pm);

/* The SCI level now (as last reported through irq). */
bool acpi_pm_sci_level(struct acpi_pm *pm);

#endif
