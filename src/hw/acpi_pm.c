/*
 * acpi_pm.c: the ACPI PM1a event and control blocks and the PM timer.  See
 * acpi_pm.h for the register map and what is emulated.
 *
 * Accesses are handled byte-lane by byte-lane over a 12-byte image of the
 * block, so a guest may use any width at any offset (OSPM uses words for
 * the PM1 registers and a dword for the timer, ACPI 6.x 4.8.3; a hostile
 * guest may use anything) and each register sees exactly the bytes the
 * access covers: a byte write to PM1_STS+1 clears only bits 8-15, a word
 * write to PM1_EN leaves PM1_STS alone.
 */
#include "hw/acpi_pm.h"

#include <string.h>
#include <time.h>

#define NS_PER_SEC 1000000000LL

/* Write-1-to-clear bits of PM1_STS; the rest read 0. */
#define STS_BITS                                                               \
	(ACPI_PM1_TMR | ACPI_PM1_BM | ACPI_PM1_GBL | ACPI_PM1_PWRBTN |         \
	 ACPI_PM1_SLPBTN | ACPI_PM1_RTC | ACPI_PM1_PCIEXP_WAKE | ACPI_PM1_WAK)
/* Read/write bits of PM1_EN. */
#define EN_BITS                                                                \
	(ACPI_PM1_TMR | ACPI_PM1_GBL | ACPI_PM1_PWRBTN | ACPI_PM1_SLPBTN |     \
	 ACPI_PM1_RTC | ACPI_PM1_PCIEXP_WAKE)
/* Stored bits of PM1_CNT. */
#define CNT_BITS (ACPI_PM1_CNT_BM_RLD | ACPI_PM1_CNT_SLP_TYP)

static int64_t pm_now(const struct acpi_pm *pm)
{
	struct timespec ts;

	if (pm->be && pm->be->now_ns)
		return pm->be->now_ns(pm->ctx);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

/*
 * Timer ticks since init, not truncated to 32 bits.  Split into whole
 * seconds and the rest so that nothing overflows for any clock value.
 */
static uint64_t pm_ticks(const struct acpi_pm *pm, int64_t now)
{
	uint64_t d;

	/* A clock that went backwards reads as no time passed. */
	if (now <= pm->tmr_base_ns)
		return 0;
	d = (uint64_t)now - (uint64_t)pm->tmr_base_ns;
	return d / NS_PER_SEC * ACPI_PM_TIMER_HZ +
	       d % NS_PER_SEC * ACPI_PM_TIMER_HZ / NS_PER_SEC;
}

/* TMR_STS: bit 31 of the counter changed since the last look (4.8.3.3). */
static uint64_t pm_update_timer(struct acpi_pm *pm)
{
	uint64_t ticks = pm_ticks(pm, pm_now(pm));

	if (ticks >> 31 != pm->tmr_half) {
		pm->tmr_half = ticks >> 31;
		pm->sts |= ACPI_PM1_TMR;
	}
	return ticks;
}

/* Recompute the SCI and report a change; pm->lock held. */
static void pm_update_sci(struct acpi_pm *pm)
{
	bool level = (pm->sts & pm->en & ACPI_PM1_SCI_MASK) != 0;

	if (level == pm->sci)
		return;
	pm->sci = level;
	if (pm->be && pm->be->irq)
		pm->be->irq(pm->ctx, level);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* The byte lanes [*first, *end) of an access that fall in the block. */
static bool pm_lanes(uint64_t offset, unsigned int size, unsigned int *first,
		     unsigned int *end)
{
	if (offset >= ACPI_PM_LEN || size == 0)
		return false;
	if (size > 8)
		size = 8;
	*first = (unsigned int)offset;
	*end = *first + size;
	if (*end > ACPI_PM_LEN)
		*end = ACPI_PM_LEN;
	return true;
}

static void pm_read(struct iobus_dev *dev, uint64_t offset, unsigned int size,
		    uint64_t *val)
{
	struct acpi_pm *pm = (struct acpi_pm *)dev;
	uint8_t img[ACPI_PM_LEN] = { 0 };
	unsigned int first, end;
	uint64_t ticks, v = 0;

	if (!pm_lanes(offset, size, &first, &end)) {
		*val = 0;
		return;
	}
	pthread_mutex_lock(&pm->lock);
	ticks = pm_update_timer(pm);
	put16(&img[ACPI_PM_STS], pm->sts);
	put16(&img[ACPI_PM_EN], pm->en);
	put16(&img[ACPI_PM_CNT], pm->cnt | ACPI_PM1_CNT_SCI_EN);
	for (unsigned int i = 0; i < 4; i++)
		img[ACPI_PM_TMR + i] = (uint8_t)(ticks >> (8 * i));
	pm_update_sci(pm);
	pthread_mutex_unlock(&pm->lock);
	for (unsigned int i = first; i < end; i++)
		v |= (uint64_t)img[i] << (8 * (i - first));
	*val = v;
}

static void pm_write(struct iobus_dev *dev, uint64_t offset, unsigned int size,
		     uint64_t val)
{
	struct acpi_pm *pm = (struct acpi_pm *)dev;
	uint8_t img[ACPI_PM_LEN] = { 0 }, mask[ACPI_PM_LEN] = { 0 };
	unsigned int first, end;
	uint16_t w, m;
	bool poweroff = false;

	if (!pm_lanes(offset, size, &first, &end))
		return;
	for (unsigned int i = first; i < end; i++) {
		img[i] = (uint8_t)(val >> (8 * (i - first)));
		mask[i] = 0xff;
	}
	pthread_mutex_lock(&pm->lock);
	pm_update_timer(pm);

	/* PM1_STS: write 1 to clear. */
	w = get16(&img[ACPI_PM_STS]) & get16(&mask[ACPI_PM_STS]);
	pm->sts &= (uint16_t) ~(w & STS_BITS);

	/* PM1_EN */
	m = get16(&mask[ACPI_PM_EN]) & EN_BITS;
	w = get16(&img[ACPI_PM_EN]);
	pm->en = (uint16_t)((pm->en & ~m) | (w & m));

	/* PM1_CNT: SLP_TYP written in the same access as SLP_EN counts. */
	m = get16(&mask[ACPI_PM_CNT]);
	w = get16(&img[ACPI_PM_CNT]) & m;
	pm->cnt = (uint16_t)((pm->cnt & ~(m & CNT_BITS)) | (w & CNT_BITS));
	if (w & ACPI_PM1_CNT_SLP_EN) {
		unsigned int typ = (pm->cnt & ACPI_PM1_CNT_SLP_TYP) >>
				   ACPI_PM1_CNT_SLP_TYP_SHIFT;

		if (typ == pm->s5_slp_typ)
			poweroff = true;
		else
			pm->sts |=
				ACPI_PM1_WAK; /* not supported: wake at once */
	}

	/* Reserved bytes and PM_TMR are read-only. */
	pm_update_sci(pm);
	pthread_mutex_unlock(&pm->lock);
	if (poweroff && pm->be && pm->be->poweroff)
		pm->be->poweroff(pm->ctx);
}

static const struct iobus_ops acpi_pm_ops = {
	.read = pm_read,
	.write = pm_write,
};

void acpi_pm_init(struct acpi_pm *pm, const struct acpi_pm_backend *be,
		  void *ctx, unsigned int s5_slp_typ)
{
	memset(pm, 0, sizeof(*pm));
	pm->dev = (struct iobus_dev){ .name = "acpi-pm", .ops = &acpi_pm_ops };
	pthread_mutex_init(&pm->lock, NULL);
	pm->be = be;
	pm->ctx = ctx;
	pm->s5_slp_typ = s5_slp_typ & 7;
	pm->tmr_base_ns = pm_now(pm);
}

void acpi_pm_destroy(struct acpi_pm *pm)
{
	pthread_mutex_destroy(&pm->lock);
}

void acpi_pm_reset(struct acpi_pm *pm)
{
	pthread_mutex_lock(&pm->lock);
	pm_update_timer(pm); /* the wrap so far is not an event after reset */
	pm->sts = 0;
	pm->en = 0;
	pm->cnt = 0;
	pm_update_sci(pm);
	pthread_mutex_unlock(&pm->lock);
}

void acpi_pm_press_power_button(struct acpi_pm *pm)
{
	pthread_mutex_lock(&pm->lock);
	pm_update_timer(pm);
	pm->sts |= ACPI_PM1_PWRBTN;
	pm_update_sci(pm);
	pthread_mutex_unlock(&pm->lock);
}

bool acpi_pm_power_button_enabled(struct acpi_pm *pm)
{
	bool en;

	pthread_mutex_lock(&pm->lock);
	en = pm->en & ACPI_PM1_PWRBTN;
	pthread_mutex_unlock(&pm->lock);
	return en;
}

void acpi_pm_tick(struct acpi_pm *pm)
{
	pthread_mutex_lock(&pm->lock);
	pm_update_timer(pm);
	pm_update_sci(pm);
	pthread_mutex_unlock(&pm->lock);
}

bool acpi_pm_sci_level(struct acpi_pm *pm)
{
	bool level;

	pthread_mutex_lock(&pm->lock);
	level = pm->sci;
	pthread_mutex_unlock(&pm->lock);
	return level;
}
