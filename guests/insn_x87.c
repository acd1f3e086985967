/*
 * insn_x87: the x87 and MMX instructions KVM's emulator on some hosts
 * lacks and hyve completes: FILD m16/m32/m64, FNCLEX, EMMS and FWAIT
 * (SDM Vol. 2A/2B, each instruction's page; Vol. 1, 8.1 and 8.5 for the
 * stack, the status word and overflow).  The state is read back with
 * FXSAVE64 (which KVM emulates) into an aligned buffer and checked:
 *   - FNINIT (emulated) gives FCW 0x37f, FSW 0, all tags empty;
 *   - FILD of 0, -1, 12345, INT16_MIN (m16), INT32_MAX, INT32_MIN (m32),
 *     INT64_MIN and INT64_MAX (m64), through rip-relative, base+index and
 *     FS-based memory operands: each ST(i) is the exact 80-bit value, TOP
 *     counts down, each pushed register's tag is valid;
 *   - a ninth FILD overflows the stack: with IM masked IE, SF and C1 are
 *     set and the QNaN indefinite is pushed; unmasked, ES and B are set,
 *     the stack is left alone, and the next FWAIT, EMMS or FILD raises #MF
 *     with RIP on it (the handler's FNCLEX lets the retry go through);
 *   - FNCLEX clears FSW bits 0-7 and 15 and keeps TOP;
 *   - EMMS empties every tag;
 *   - FWAIT with nothing pending changes nothing;
 *   - CR0.TS gives #NM (FWAIT needs CR0.MP too), CR0.EM gives #UD for
 *     EMMS and #NM for FILD.
 * The 80-bit values and tags are printed.  Returns 0x32 (hyve exits with
 * 101) when every check passed, else 0x7e.
 */
#include "rt.h"
#include "x86.h"

#define FSW_IE	    (1u << 0)
#define FSW_SF	    (1u << 6)
#define FSW_ES	    (1u << 7)
#define FSW_C1	    (1u << 9)
#define FSW_B	    (1u << 15)
#define FSW_TOP(s)  (((s) >> 11) & 7)
#define CR0_MP	    (1ULL << 1)
#define CR0_EM	    (1ULL << 2)
#define CR0_TS	    (1ULL << 3)
#define MSR_FS_BASE 0xc0000100

static struct rt_fxsave fx, fx2;
static unsigned int failures;
static volatile uint64_t mf_count, mf_rip, nm_count, ud_count, ud_rip;

static void check(bool ok, const char *what)
{
	if (!ok) {
		rt_printf("FAIL: %s\n", what);
		failures++;
	}
}

static uint64_t read_cr0(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static void write_cr0(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}

static void fninit(void)
{
	__asm__ volatile("fninit" ::: "memory");
}

static void fild16(const int16_t *p)
{
	__asm__ volatile("filds %0" : : "m"(*p) : "memory");
}

static void fild32(const int32_t *p)
{
	/* base + index * scale + displacement */
	__asm__ volatile("fildl 4(%0,%1,4)"
			 :
			 : "r"((uintptr_t)p - 8), "r"(1L)
			 : "memory");
}

static void fild64(const int64_t *p)
{
	__asm__ volatile("fildll (%0)" : : "r"(p) : "memory");
}

static void fnclex(void)
{
	__asm__ volatile("fnclex" ::: "memory");
}

static void emms(void)
{
	__asm__ volatile("emms" ::: "memory");
}

static void fwait(void)
{
	__asm__ volatile("fwait" ::: "memory");
}

static void fxrstor(const struct rt_fxsave *s)
{
	__asm__ volatile("fxrstor64 %0" : : "m"(*s) : "memory");
}

/* The reference: v as 80-bit double extended, computed the long way. */
static void ref80(int64_t v, uint64_t *sig, uint16_t *se)
{
	uint64_t m = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	int e = 63;

	*sig = 0;
	*se = 0;
	if (!m)
		return;
	while (!(m >> 63)) {
		m <<= 1;
		e--;
	}
	*sig = m;
	*se = (uint16_t)((16383 + e) | (v < 0 ? 0x8000 : 0));
}

static uint64_t st_sig(const struct rt_fxsave *s, int i)
{
	uint64_t v = 0;
	for (int b = 7; b >= 0; b--)
		v = v << 8 | s->st[i][b];
	return v;
}

static uint16_t st_se(const struct rt_fxsave *s, int i)
{
	return (uint16_t)(s->st[i][8] | s->st[i][9] << 8);
}

static bool fx_equal(const struct rt_fxsave *a, const struct rt_fxsave *b)
{
	const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;

	for (unsigned int i = 0; i < 160; i++) /* control words, ST(0-7) */
		if (x[i] != y[i])
			return false;
	return true;
}

static void show(const char *when, const struct rt_fxsave *s)
{
	rt_printf("x87 %s: fcw=%#x fsw=%#x top=%u ftw=%#x\n", when, s->fcw,
		  s->fsw, FSW_TOP(s->fsw), s->ftw);
}

static void on_mf(uint64_t v, uint64_t e, struct rt_frame *f)
{
	(void)v;
	(void)e;
	mf_count++;
	mf_rip = f->rip;
	fnclex(); /* clear the cause, so the instruction can be retried */
}

static void on_nm(uint64_t v, uint64_t e, struct rt_frame *f)
{
	(void)v;
	(void)e;
	(void)f;
	nm_count++;
	write_cr0(read_cr0() & ~(CR0_TS | CR0_EM));
}

static void on_ud(uint64_t v, uint64_t e, struct rt_frame *f)
{
	(void)v;
	(void)e;
	ud_count++;
	ud_rip = f->rip;
	write_cr0(read_cr0() & ~CR0_EM);
}

static const int16_t v16[4] = { 0, -1, 12345, INT16_MIN };
static const int32_t v32[2] = { INT32_MAX, INT32_MIN };
static const int64_t v64[2] = { INT64_MIN, INT64_MAX };
static const int64_t pushed[8] = {
	0, -1, 12345, INT16_MIN, INT32_MAX, INT32_MIN, INT64_MIN, INT64_MAX
}; /* in push order */

/* The eight pushes, the two m32 ones through an FS-relative operand. */
static void push_eight(void)
{
	for (int i = 0; i < 4; i++)
		fild16(&v16[i]);
	fild32(&v32[0]);
	__asm__ volatile("wrmsr"
			 :
			 : "c"(MSR_FS_BASE), "a"((uint32_t)(uintptr_t)v32),
			   "d"((uint32_t)((uintptr_t)v32 >> 32)));
	__asm__ volatile("fildl %%fs:4" ::: "memory"); /* v32[1] */
	fild64(&v64[0]);
	fild64(&v64[1]);
}

static void check_stack(const struct rt_fxsave *s, unsigned int depth)
{
	for (unsigned int i = 0; i < depth; i++) {
		uint64_t sig;
		uint16_t se;
		int64_t v = pushed[depth - 1 - i];

		ref80(v, &sig, &se);
		rt_printf("x87 st%u=%04x:%016lx (%ld)\n", i, st_se(s, (int)i),
			  st_sig(s, (int)i), v);
		if (st_se(s, (int)i) != se || st_sig(s, (int)i) != sig) {
			rt_printf("FAIL: st%u should be %04x:%016lx\n", i, se,
				  sig);
			failures++;
		}
	}
}

static void masked(void)
{
	fninit();
	rt_fxsave(&fx);
	show("after fninit", &fx);
	check(fx.fcw == 0x37f && fx.fsw == 0 && fx.ftw == 0,
	      "fninit: FCW 0x37f, FSW 0, tags empty");

	fild16(&v16[2]);
	rt_fxsave(&fx);
	show("after one fild", &fx);
	check(FSW_TOP(fx.fsw) == 7 && fx.ftw == 0x80,
	      "one fild: TOP 7, physical register 7 valid");
	fninit();

	push_eight();
	rt_fxsave(&fx);
	show("after eight filds", &fx);
	check(FSW_TOP(fx.fsw) == 0 && fx.ftw == 0xff && !(fx.fsw & 0xff),
	      "eight filds: TOP 0, all valid, no exception");
	check_stack(&fx, 8);
	rt_printf("x87 fop=%#x fip=%#lx fdp=%#lx (the last fild's)\n", fx.fop,
		  fx.fip, fx.fdp);

	/* A ninth push overflows; IM is masked: the indefinite is pushed. */
	fild16(&v16[1]);
	rt_fxsave(&fx);
	show("after a ninth fild (masked)", &fx);
	rt_printf("x87 st0=%04x:%016lx\n", st_se(&fx, 0), st_sig(&fx, 0));
	check((fx.fsw & (FSW_IE | FSW_SF | FSW_C1)) ==
		      (FSW_IE | FSW_SF | FSW_C1),
	      "stack overflow: IE, SF and C1 set");
	check(!(fx.fsw & (FSW_ES | FSW_B)), "masked overflow: ES and B clear");
	check(FSW_TOP(fx.fsw) == 7, "masked overflow: TOP 7");
	check(st_se(&fx, 0) == 0xffff && st_sig(&fx, 0) == 0xc000000000000000,
	      "masked overflow: ST(0) is the QNaN indefinite");
	check(st_se(&fx, 1) == 0x403d, "ST(1) is still INT64_MAX");

	fnclex();
	rt_fxsave(&fx2);
	show("after fnclex", &fx2);
	check(!(fx2.fsw & 0x80ff) && FSW_TOP(fx2.fsw) == 7,
	      "fnclex: exception bits, ES and B clear, TOP kept");
	check(fx2.ftw == 0xff, "fnclex: tags kept");

	/* FWAIT with nothing pending: nothing changes. */
	fwait();
	rt_fxsave(&fx);
	check(fx_equal(&fx, &fx2), "fwait changed the x87 state");

	emms();
	rt_fxsave(&fx);
	show("after emms", &fx);
	check(fx.ftw == 0, "emms: every tag empty");
	check(st_se(&fx, 1) == 0x403d, "emms: the registers keep their bits");
}

/* IM unmasked: the overflow is left pending for the next waiting insn. */
static void unmasked(void)
{
	uint64_t at;

	fninit();
	rt_fxsave(&fx);
	fx.fcw = 0x37e; /* IM clear; FLDCW is another instruction */
	fxrstor(&fx);
	push_eight();
	fild16(&v16[1]);
	rt_fxsave(&fx);
	show("after a ninth fild (unmasked)", &fx);
	check((fx.fsw & (FSW_IE | FSW_SF | FSW_C1 | FSW_ES | FSW_B)) ==
		      (FSW_IE | FSW_SF | FSW_C1 | FSW_ES | FSW_B),
	      "unmasked overflow: IE, SF, C1, ES and B set");
	check(FSW_TOP(fx.fsw) == 0 && fx.ftw == 0xff,
	      "unmasked overflow: TOP and tags unchanged");
	check_stack(&fx, 8);

	/* FWAIT raises #MF; the handler's FNCLEX lets the retry pass. */
	__asm__ volatile("lea 1f(%%rip), %0\n\t"
			 "1: fwait"
			 : "=r"(at)
			 :
			 : "memory");
	rt_printf("x87: fwait with an exception pending: #MF %lu time(s) at "
		  "%#lx (fwait at %#lx)\n",
		  mf_count, mf_rip, at);
	check(mf_count == 1 && mf_rip == at,
	      "fwait: #MF once, RIP on the fwait");
	rt_fxsave(&fx);
	check(!(fx.fsw & (FSW_ES | FSW_B)), "after #MF and fnclex: ES clear");

	/* Pending again (the stack is still full), then EMMS: #MF too. */
	fild16(&v16[1]);
	__asm__ volatile("lea 1f(%%rip), %0\n\t"
			 "1: emms"
			 : "=r"(at)
			 :
			 : "memory");
	rt_fxsave(&fx);
	show("after emms with an exception pending", &fx);
	check(mf_count == 2 && mf_rip == at, "emms: #MF, RIP on the emms");
	check(fx.ftw == 0, "emms retried: every tag empty");

	/* A pending exception (made with FXRSTOR) faults FILD before it
	 * loads; the retry after the handler's FNCLEX loads once. */
	fninit();
	rt_fxsave(&fx);
	fx.fcw = 0x37e;
	fx.fsw = FSW_IE | FSW_ES | FSW_B;
	fxrstor(&fx);
	__asm__ volatile("lea 1f(%%rip), %0\n\t"
			 "1: filds %1"
			 : "=r"(at)
			 : "m"(v16[2])
			 : "memory");
	rt_fxsave(&fx);
	show("after fild with an exception pending", &fx);
	check(mf_count == 3 && mf_rip == at, "fild: #MF, RIP on the fild");
	check(!(fx.fsw & FSW_ES) && fx.ftw == 0x80 && FSW_TOP(fx.fsw) == 7 &&
		      st_se(&fx, 0) == 0x400c,
	      "fild retried after #MF: loaded once");
	fninit();
}

/* CR0.TS and CR0.EM. */
static void unavailable(void)
{
	uint64_t cr0 = read_cr0();

	fninit();
	write_cr0(cr0 | CR0_TS);
	fwait(); /* MP is set (hyve's CR0): #NM */
	rt_printf("x87: fwait with CR0.TS: #NM %lu\n", nm_count);
	check(nm_count == 1, "fwait with CR0.MP and TS: #NM");
	write_cr0(cr0 | CR0_TS);
	fnclex();
	check(nm_count == 2, "fnclex with CR0.TS: #NM");
	write_cr0(cr0 | CR0_TS);
	fild16(&v16[2]);
	check(nm_count == 3, "fild with CR0.TS: #NM");
	write_cr0(cr0 | CR0_TS);
	emms();
	check(nm_count == 4, "emms with CR0.TS: #NM");
	write_cr0((cr0 | CR0_TS) & ~CR0_MP);
	fwait(); /* TS without MP: no #NM */
	check(nm_count == 4, "fwait with CR0.TS but not MP: no #NM");
	write_cr0(cr0 | CR0_EM);
	emms();
	rt_printf("x87: emms with CR0.EM: #UD %lu\n", ud_count);
	check(ud_count == 1, "emms with CR0.EM: #UD");
	write_cr0(cr0 | CR0_EM);
	fild16(&v16[2]);
	check(nm_count == 5, "fild with CR0.EM: #NM");
	write_cr0(cr0);
	rt_fxsave(&fx);
	show("after the #NM and #UD tests", &fx);
	/* Two filds (TS, then EM) each pushed once; EMMS emptied the tags
	 * between them but left TOP alone. */
	check(FSW_TOP(fx.fsw) == 6 && fx.ftw == 0x40,
	      "each fild retried after #NM pushed once");
	fninit();
}

int main(const struct hyve_boot_info *bi)
{
	(void)bi;
	rt_idt_init();
	rt_set_handler(16, on_mf);
	rt_set_handler(7, on_nm);
	rt_set_handler(6, on_ud);
	masked();
	unmasked();
	unavailable();
	if (failures) {
		rt_printf("x87: %u checks failed\n", failures);
		return 0x7e;
	}
	rt_puts("x87: all checks passed\n");
	return 0x32;
}
