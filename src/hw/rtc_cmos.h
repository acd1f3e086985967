/*
 * rtc_cmos.h: the CMOS real-time clock of a PC, a Motorola MC146818A (as
 * the chipset's RTC is compatible with it), at ports 0x70 (index) and 0x71
 * (data), IRQ 8.  The embedder registers &rtc->dev as one range of 2 ports
 * at 0x70.
 *
 * Emulated, following the MC146818A datasheet (Motorola, "MC146818A
 * Real-Time Clock Plus RAM (RTC)"):
 * - Port 0x70: a write selects the register (bits 0-6) and sets the NMI
 *   mask (bit 7, a PC chipset feature, not the RTC's; rtc_cmos_nmi_disabled()
 *   reads it back).  Port 0x70 is write-only: it reads 0xff.  Port 0x71
 *   reads and writes the selected byte.  A 16-bit access at 0x70 is two
 *   byte accesses, index first, as on the ISA bus.
 * - The 14 clock registers ("Address Map", "Time, Calendar and Alarm
 *   Locations"): 0x00 seconds, 0x01 seconds alarm, 0x02 minutes, 0x03
 *   minutes alarm, 0x04 hours, 0x05 hours alarm, 0x06 day of week (1-7,
 *   Sunday = 1), 0x07 day of month, 0x08 month, 0x09 year, and registers
 *   A-D; plus the century at 0x32 (an IBM PC convention the FADT's CENTURY
 *   field points at, kept with the clock here).  Values are BCD or binary
 *   as register B's DM bit says, hours 24-hour or 12-hour (bit 7 = PM) as
 *   its 24/12 bit says.  The clock is the host's UTC time (now_ns, a
 *   CLOCK_REALTIME reading) plus an offset, computed at each read, so the
 *   format bits apply at once, also to a time already set (the chip would
 *   need the time rewritten after a format change).
 * - Setting the time: while register B's SET bit is 1 the time registers
 *   are frozen and plain bytes the guest may rewrite; when SET goes back to
 *   0 the model decodes them and keeps the difference to the host clock, so
 *   the guest's time runs on from what it wrote, starting a new second at
 *   that moment.  A time register written while SET is 0 changes that one
 *   field at once, keeping the sub-second phase.  Invalid values (a month
 *   of 0x13, a BCD digit above 9, 31 February) are taken arithmetically,
 *   as a roll-over into the next field, never as an error.  The day of the
 *   week is derived from the date, but as on the chip it is a register of
 *   its own: the value the guest writes (or leaves) there is kept as an
 *   offset to the derived one and counts on from it; a value outside 1-7
 *   returns it to the derived day.
 * - Register A: UIP (bit 7, read-only) is 1 in the last 244 us before each
 *   second boundary of the guest's clock and 0 while SET is 1, so a guest
 *   that waits for UIP to drop waits at most 244 us, and once it reads
 *   UIP = 0 the time registers do not change for at least 244 us
 *   (datasheet, "Update Cycle").  DV2-0 (bits 4-6) and RS3-0 (bits 0-3)
 *   are stored; 0x26 (32.768 kHz time base, 1024 Hz periodic rate) at
 *   reset.  The divider bits do not stop the clock.
 * - Register B: all 8 bits stored (SET, PIE, AIE, UIE, SQWE, DM, 24/12,
 *   DSE); 0x02 (24-hour, BCD) at reset.  Writing SET = 1 clears UIE, as
 *   the datasheet says.  DSE does not change the time.
 * - Register C: IRQF (bit 7), PF (6), AF (5), UF (4); reading it returns
 *   them and clears them all.  PF is set at the rate RS selects (none for
 *   RS = 0; 256 Hz and 128 Hz for RS = 1 and 2; 32768 >> (RS - 1) Hz for
 *   RS = 3..15), UF after each second's update, AF when the new time
 *   matches the three alarm bytes, each of which matches any value when
 *   its two top bits are 1 (0xc0-0xff, "don't care").  No update, so no UF
 *   or AF, happens while SET is 1.  IRQF is 1 while PF&PIE, AF&AIE or
 *   UF&UIE, and the IRQ line is high exactly while IRQF is 1.
 * - Register D: VRT (bit 7) = 1, the battery is good; read-only.
 * - Bytes 0x0e-0x7f other than 0x32 are plain CMOS RAM, 0 at init; the
 *   embedder presets them with rtc_cmos_set_ram().
 *
 * Flags without a timer thread: the model has no thread and no timer.  The
 * flags of register C are brought up to date lazily from the clock: on
 * every read of register C, on writes of registers A and B and of the time,
 * and whenever the embedder calls rtc_cmos_tick().  A guest that polls
 * register C (or reads the time and checks UIP) needs nothing more.  For
 * the IRQ to rise on time, the embedder calls rtc_cmos_tick() at the
 * moment rtc_cmos_next_event() names (a CLOCK_REALTIME time, e.g. with
 * a timerfd), or at least that often.  Without ticks the line rises only
 * during one of the accesses above.
 *
 * Not emulated: the square-wave output, daylight-saving adjustment, the
 * divider chain reset (DV = 11x) and the 500 ms delay after it, the
 * 244 us..2 ms window in which the chip's time registers are unavailable
 * (they read the old time until the second boundary), the second bank
 * at 0x72/0x73, and checksums over the CMOS RAM (that is the firmware's).
 *
 * Threads and locking: vCPU threads reach the model through the bus and
 * the machine's thread calls rtc_cmos_tick(), so the model serialises
 * itself with rtc->lock.  now_ns() and irq() are called with rtc->lock
 * held; irq() is called only when the level changes, so the levels it sees
 * are in order, and it must not call back into this model.
 */
#ifndef HYVE_HW_RTC_CMOS_H
#define HYVE_HW_RTC_CMOS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vmm/iobus.h"

#define RTC_CMOS_PORT_INDEX 0x70
#define RTC_CMOS_PORT_DATA  0x71
#define RTC_CMOS_PORTS	    2 /* the one range the embedder registers */
#define RTC_CMOS_IRQ	    8
#define RTC_CMOS_SIZE	    128 /* bytes of CMOS, clock registers included */

/* Register indexes. */
#define RTC_CMOS_SECONDS       0x00
#define RTC_CMOS_SECONDS_ALARM 0x01
#define RTC_CMOS_MINUTES       0x02
#define RTC_CMOS_MINUTES_ALARM 0x03
#define RTC_CMOS_HOURS	       0x04
#define RTC_CMOS_HOURS_ALARM   0x05
#define RTC_CMOS_DAY_OF_WEEK   0x06
#define RTC_CMOS_DAY_OF_MONTH  0x07
#define RTC_CMOS_MONTH	       0x08
#define RTC_CMOS_YEAR	       0x09
#define RTC_CMOS_REG_A	       0x0a
#define RTC_CMOS_REG_B	       0x0b
#define RTC_CMOS_REG_C	       0x0c
#define RTC_CMOS_REG_D	       0x0d
#define RTC_CMOS_CENTURY       0x32

#define RTC_CMOS_INDEX_MASK 0x7f
#define RTC_CMOS_NMI_MASK   0x80 /* port 0x70 bit 7: NMI disabled */

#define RTC_CMOS_A_UIP	   0x80
#define RTC_CMOS_A_DV_MASK 0x70
#define RTC_CMOS_A_RS_MASK 0x0f
#define RTC_CMOS_A_RESET   0x26 /* DV = 010 (32.768 kHz), RS = 0110 */

#define RTC_CMOS_B_SET	 0x80
#define RTC_CMOS_B_PIE	 0x40
#define RTC_CMOS_B_AIE	 0x20
#define RTC_CMOS_B_UIE	 0x10
#define RTC_CMOS_B_SQWE	 0x08
#define RTC_CMOS_B_DM	 0x04 /* 1: binary, 0: BCD */
#define RTC_CMOS_B_24H	 0x02 /* 1: 24-hour, 0: 12-hour */
#define RTC_CMOS_B_DSE	 0x01
#define RTC_CMOS_B_RESET RTC_CMOS_B_24H

#define RTC_CMOS_C_IRQF 0x80
#define RTC_CMOS_C_PF	0x40
#define RTC_CMOS_C_AF	0x20
#define RTC_CMOS_C_UF	0x10

#define RTC_CMOS_D_VRT 0x80

#define RTC_CMOS_HOURS_PM	 0x80 /* 12-hour mode */
#define RTC_CMOS_ALARM_DONT_CARE 0xc0
#define RTC_CMOS_UIP_NS		 244000 /* UIP lead before an update */

struct rtc_cmos_backend {
	/* CLOCK_REALTIME nanoseconds (UTC); NULL: clock_gettime(). */
	int64_t (*now_ns)(void *ctx);
	/* IRQ 8 changed level; called only on a change, lock held. */
	void (*irq)(void *ctx, bool level);
	/*
	 * The next timed event (rtc_cmos_next_event) may have moved: the
	 * guest wrote register A or B or set the clock.  Called after the
	 * lock is dropped; may be NULL.
	 */
	void (*reschedule)(void *ctx);
};

/*
 * Public so that it can be embedded; the fields are private to rtc_cmos.c
 * and guarded by lock.
 */
struct rtc_cmos {
	struct iobus_dev dev; /* first: the bus hands us this pointer */
	pthread_mutex_t lock;
	const struct rtc_cmos_backend *be;
	void *ctx;
	/* CMOS bytes; the time registers are used only while SET is 1. */
	uint8_t ram[RTC_CMOS_SIZE];
	uint8_t index;
	bool nmi_disabled;
	uint8_t reg_a; /* without UIP */
	uint8_t reg_b;
	uint8_t reg_c;
	/* Guest time = host time + off_sec seconds + off_frac nanoseconds. */
	int64_t off_sec;
	int64_t off_frac;     /* 0 to 999999999 */
	int dow_adj;	      /* 0-6, added to the computed day of week */
	int64_t last_eval_ns; /* host time the flags were last brought up to */
	bool irq_level;	      /* last level reported through be->irq */
};

/*
 * Set up rtc: the host's time, A 0x26, B 0x02, C 0, D 0x80, alarms and RAM
 * 0, index 0, NMI enabled, IRQ low (irq is not called).  be must outlive
 * rtc; be and any of its callbacks may be NULL.
 */
void rtc_cmos_init(struct rtc_cmos *rtc, const struct rtc_cmos_backend *be,
		   void *ctx);
void rtc_cmos_destroy(struct rtc_cmos *rtc);

/*
 * Preset a CMOS RAM byte, 0x0e-0x7f except 0x32 (the century): 0, or
 * -EINVAL for a clock register or an index past 0x7f.
 */
int rtc_cmos_set_ram(struct rtc_cmos *rtc, unsigned int index, uint8_t val);
/* Read a CMOS RAM byte (the same indexes); 0 or -EINVAL. */
int rtc_cmos_get_ram(struct rtc_cmos *rtc, unsigned int index, uint8_t *val);

/*
 * The memory-size bytes firmware reads when it has no e820 table (the
 * layout QEMU fills and SeaBIOS reads): 0x15-0x16 base memory (640 KiB),
 * 0x17-0x18 and 0x30-0x31 KiB of RAM above 1 MiB (at most 0xffff),
 * 0x34-0x35 64 KiB units of RAM between 16 MiB and 4 GiB (at most 0xffff),
 * 0x5b-0x5d 64 KiB units of RAM above 4 GiB (at most 0xffffff); all
 * little-endian.  below_4g and above_4g are bytes of RAM.
 */
void rtc_cmos_set_ram_sizes(struct rtc_cmos *rtc, uint64_t below_4g,
			    uint64_t above_4g);

/* Port 0x70 bit 7 as last written: the guest has masked NMIs. */
bool rtc_cmos_nmi_disabled(struct rtc_cmos *rtc);

/* Bring the flags of register C and the IRQ line up to date with now. */
void rtc_cmos_tick(struct rtc_cmos *rtc);

/*
 * When the next enabled interrupt may raise the line, as a CLOCK_REALTIME
 * time in nanoseconds (the now_ns clock) in *when_ns: the next periodic
 * interrupt when PIE is set and RS is not 0, the next second boundary when
 * UIE or AIE is set and SET is clear; the earlier of the two.  Returns
 * false, leaving *when_ns alone, when no interrupt is enabled.  Call
 * rtc_cmos_tick() at that time, then ask again.  A guest write of register
 * A or B, which the embedder does not see, can change the answer: an
 * embedder that sleeps until then caps the sleep (say at 10 ms), which
 * bounds how late a newly enabled interrupt can be.
 */
bool rtc_cmos_next_event(struct rtc_cmos *rtc, int64_t *when_ns);

/* The IRQ level now (as last reported through irq). */
bool rtc_cmos_irq_level(struct rtc_cmos *rtc);

#endif
