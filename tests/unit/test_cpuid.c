/*
 * test_cpuid.c: the vCPU's CPUID (arch/x86/cpuid.c): --cpu-features
 * parsing, and cpuid_build over a hand-made KVM_GET_SUPPORTED_CPUID table:
 * the topology (leaves 1, 4, 0xb, 0x1f, 0x80000008, 0x8000001e; Intel SDM
 * Vol. 2A "CPUID", AMD APM Vol. 3), the hypervisor bit, VMX and SVM
 * hidden, KVM's leaves (Documentation/virt/kvm/x86/cpuid.rst), and the
 * user's edits applied last.  No KVM needed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/cpuid.h"

#define CAP   32 /* entries the test table has room for */
#define INDEX KVM_CPUID_FLAG_SIGNIFCANT_INDEX

/* What the hand-made "KVM" table starts with. */
#define L1_EAX	     0x000806f8u
#define L1_EBX	     0xaabb0800u /* APIC ID 0xaa, count 0xbb, CLFLUSH 8 */
#define L1_ECX	     0x7ffaf3ffu /* sse3 ... rdrand, VMX (5), no hypervisor */
#define L1_EDX	     0x078bfbffu /* no HTT (28) */
#define L4_EAX(i)    (0xfc000000u | (0x121u + (i)))
#define L7_EBX	     0x009c07abu /* ... smap (20) */
#define EXT1_ECX     0x00000125u /* lahf-lm, svm (2), abm, ... */
#define EXT1_EDX     0x2c100800u
#define EXT8_ECX     0x0001f0ffu /* bit 16 is none of hyve's */
#define KVM_FEATURES 0x01007afbu /* kvmclock ... pv-unhalt (7) ... */

struct fx {
	struct kvm_cpuid2 *c;
	struct cpuid_config cfg;
	char err[160];
};

static void add(struct kvm_cpuid2 *c, uint32_t fn, uint32_t index,
		uint32_t flags, uint32_t eax, uint32_t ebx, uint32_t ecx,
		uint32_t edx)
{
	assert_true(c->nent < CAP);
	c->entries[c->nent++] = (struct kvm_cpuid_entry2){
		.function = fn,
		.index = index,
		.flags = flags,
		.eax = eax,
		.ebx = ebx,
		.ecx = ecx,
		.edx = edx,
	};
}

/* A table shaped like KVM's: 20 entries, indexed leaves flagged. */
static void table(struct kvm_cpuid2 *c)
{
	memset(c, 0, sizeof(*c) + CAP * sizeof(c->entries[0]));
	add(c, 0, 0, 0, 0x1f, 0x756e6547, 0x6c65746e, 0x49656e69);
	add(c, 1, 0, 0, L1_EAX, L1_EBX, L1_ECX, L1_EDX);
	for (uint32_t i = 0; i < 4; i++)
		add(c, 4, i, INDEX, L4_EAX(i), 0x01c0003f, 0x3f, 0);
	add(c, 7, 0, INDEX, 1, L7_EBX, 0x4, 0x400);
	add(c, 7, 1, INDEX, 0, 0x00100000, 0, 0); /* bit 20 in 7.1 too */
	for (uint32_t i = 0; i < 3; i++)
		add(c, 0xb, i, INDEX, 0x55, 0x66, 0x77, 0x88);
	for (uint32_t i = 0; i < 3; i++)
		add(c, 0x1f, i, INDEX, 0x55, 0x66, 0x77, 0x88);
	add(c, 0x40000000, 0, 0, 0x40000001, 0x11111111, 0x22222222,
	    0x33333333);
	add(c, 0x40000001, 0, 0, KVM_FEATURES, 0, 0, 0);
	add(c, 0x80000000, 0, 0, 0x80000008, 0, 0, 0);
	add(c, 0x80000001, 0, 0, 0, 0, EXT1_ECX, EXT1_EDX);
	add(c, 0x80000008, 0, 0, 0x3030, 0, EXT8_ECX, 0);
	add(c, 0x8000001e, 0, 0, 0x99, 0x0105, 0x0303, 0);
	assert_int_equal(c->nent, 20);
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	fx->c = calloc(1, sizeof(*fx->c) + CAP * sizeof(fx->c->entries[0]));
	if (!fx->c) {
		free(fx);
		return -1;
	}
	table(fx->c);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	free(fx->c);
	free(fx);
	return 0;
}

static struct kvm_cpuid_entry2 *leaf(struct fx *fx, uint32_t fn, uint32_t index)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(fx->c, fn, index);

	if (!e)
		fail_msg("no leaf %#x.%u", fn, index);
	return e;
}

static int edits(struct fx *fx, const char *s)
{
	strcpy(fx->err, "unset");
	return cpuid_parse_edits(s, &fx->cfg, fx->err, sizeof(fx->err));
}

/* The feature table ------------------------------------------------------- */

static void test_feature_table(void **state)
{
	static const struct {
		const char *name;
		uint32_t leaf, subleaf;
		enum cpuid_reg reg;
		uint8_t bit;
	} some[] = {
		{ "sse3", 1, 0, CPUID_ECX, 0 },
		{ "vmx", 1, 0, CPUID_ECX, 5 },
		{ "cx16", 1, 0, CPUID_ECX, 13 },
		{ "x2apic", 1, 0, CPUID_ECX, 21 },
		{ "tsc-deadline", 1, 0, CPUID_ECX, 24 },
		{ "xsave", 1, 0, CPUID_ECX, 26 },
		{ "hypervisor", 1, 0, CPUID_ECX, 31 },
		{ "fpu", 1, 0, CPUID_EDX, 0 },
		{ "ht", 1, 0, CPUID_EDX, 28 },
		{ "avx2", 7, 0, CPUID_EBX, 5 },
		{ "smap", 7, 0, CPUID_EBX, 20 },
		{ "umip", 7, 0, CPUID_ECX, 2 },
		{ "md-clear", 7, 0, CPUID_EDX, 10 },
		{ "xsaveopt", 0xd, 1, CPUID_EAX, 0 },
		{ "xsaves", 0xd, 1, CPUID_EAX, 3 },
		{ "svm", 0x80000001, 0, CPUID_ECX, 2 },
		{ "rdtscp", 0x80000001, 0, CPUID_EDX, 27 },
		{ "lm", 0x80000001, 0, CPUID_EDX, 29 },
		{ "kvmclock", 0x40000001, 0, CPUID_EAX, 0 },
		{ "pv-unhalt", 0x40000001, 0, CPUID_EAX, 7 },
		{ "pv-send-ipi", 0x40000001, 0, CPUID_EAX, 11 },
		{ "pv-sched-yield", 0x40000001, 0, CPUID_EAX, 13 },
		{ "hc-map-gpa-range", 0x40000001, 0, CPUID_EAX, 16 },
		{ "kvmclock-stable", 0x40000001, 0, CPUID_EAX, 24 },
	};
	unsigned int n = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(some) / sizeof(some[0]); i++) {
		const struct cpuid_feature *f =
			cpuid_feature_find(some[i].name);

		if (!f)
			fail_msg("no feature '%s'", some[i].name);
		assert_string_equal(f->name, some[i].name);
		assert_int_equal(f->leaf, some[i].leaf);
		assert_int_equal(f->subleaf, some[i].subleaf);
		assert_int_equal(f->reg, some[i].reg);
		assert_int_equal(f->bit, some[i].bit);
	}
	/* Every entry: a unique lower-case name, a bit of a register. */
	for (const struct cpuid_feature *f = cpuid_features; f->name; f++) {
		n++;
		assert_true(f->bit < 32);
		assert_true(f->reg <= CPUID_EDX);
		assert_true(strlen(f->name) > 0 && strlen(f->name) < 32);
		for (const char *p = f->name; *p; p++)
			assert_true((*p >= 'a' && *p <= 'z') ||
				    (*p >= '0' && *p <= '9') || *p == '-' ||
				    *p == '.');
		assert_ptr_equal(cpuid_feature_find(f->name), f);
		for (const struct cpuid_feature *g = f + 1; g->name; g++)
			if (g->leaf == f->leaf && g->subleaf == f->subleaf &&
			    g->reg == f->reg && g->bit == f->bit)
				fail_msg("'%s' and '%s' are the same bit",
					 f->name, g->name);
	}
	assert_int_equal(n, 86);
	assert_null(cpuid_feature_find(""));
	assert_null(cpuid_feature_find("SSE3"));
	assert_null(cpuid_feature_find("sse3 "));
	assert_null(cpuid_feature_find("+sse3"));
}

/* cpuid_parse_edits ------------------------------------------------------- */

static void test_edits_good(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(edits(fx, "-xsave,+avx2,sse3"), 0);
	assert_string_equal(fx->err, "unset");
	assert_int_equal(fx->cfg.nedits, 3);
	assert_ptr_equal(fx->cfg.edits[0].feature, cpuid_feature_find("xsave"));
	assert_false(fx->cfg.edits[0].set);
	assert_ptr_equal(fx->cfg.edits[1].feature, cpuid_feature_find("avx2"));
	assert_true(fx->cfg.edits[1].set);
	assert_ptr_equal(fx->cfg.edits[2].feature, cpuid_feature_find("sse3"));
	assert_true(fx->cfg.edits[2].set); /* a bare name means + */

	/* Edits add up across calls; a trailing comma is fine. */
	assert_int_equal(edits(fx, "-cx16,"), 0);
	assert_int_equal(fx->cfg.nedits, 4);
	assert_ptr_equal(fx->cfg.edits[3].feature, cpuid_feature_find("cx16"));
	assert_false(fx->cfg.edits[3].set);

	/* Nothing at all is no edit. */
	assert_int_equal(edits(fx, ""), 0);
	assert_int_equal(fx->cfg.nedits, 4);

	/* The same feature twice: both kept, in order. */
	assert_int_equal(edits(fx, "+smap,-smap"), 0);
	assert_int_equal(fx->cfg.nedits, 6);
	assert_true(fx->cfg.edits[4].set);
	assert_false(fx->cfg.edits[5].set);
}

static void test_edits_bad(void **state)
{
	static const struct {
		const char *in, *err;
		unsigned int nedits; /* taken before the bad one */
	} cases[] = {
		{ "bogus",
		  "--cpu-features: unknown feature 'bogus' (see hyve "
		  "run --help)",
		  0 },
		{ "+sse3,-SSE3",
		  "--cpu-features: unknown feature 'SSE3' (see "
		  "hyve run --help)",
		  1 },
		{ "+", "--cpu-features: '+' is not +NAME or -NAME", 0 },
		{ "-", "--cpu-features: '-' is not +NAME or -NAME", 0 },
		{ ",sse3", "--cpu-features: '' is not +NAME or -NAME", 0 },
		{ "sse3,,avx", "--cpu-features: '' is not +NAME or -NAME", 1 },
		{ "sse3,-,avx", "--cpu-features: '-' is not +NAME or -NAME",
		  1 },
		{ "+-sse3",
		  "--cpu-features: unknown feature '-sse3' (see "
		  "hyve run --help)",
		  0 },
		{ "sse3 ",
		  "--cpu-features: unknown feature 'sse3 ' (see "
		  "hyve run --help)",
		  0 },
		/* Names of 32 bytes and more cannot be features. */
		{ "+abcdefghijklmnopqrstuvwxyz012345",
		  "--cpu-features: '+abcdefghijklmnopqrstuvwxyz012345' is not "
		  "+NAME or -NAME",
		  0 },
		{ "abcdefghijklmnopqrstuvwxyz01234",
		  "--cpu-features: unknown feature "
		  "'abcdefghijklmnopqrstuvwxyz01234' (see hyve run --help)",
		  0 },
	};
	struct fx *fx = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&fx->cfg, 0, sizeof(fx->cfg));
		assert_int_equal(edits(fx, cases[i].in), -EINVAL);
		assert_string_equal(fx->err, cases[i].err);
		assert_int_equal(fx->cfg.nedits, cases[i].nedits);
	}
}

static void test_edits_too_many(void **state)
{
	struct fx *fx = *state;
	char s[64 * 5 + 8];
	size_t n = 0;

	for (int i = 0; i < 64; i++)
		n += (size_t)snprintf(s + n, sizeof(s) - n, "%s-fpu",
				      i ? "," : "");
	assert_int_equal(edits(fx, s), 0);
	assert_int_equal(fx->cfg.nedits, 64);
	assert_int_equal(edits(fx, "fpu"), -EINVAL);
	assert_string_equal(fx->err, "--cpu-features: more than 64 edits");
	assert_int_equal(fx->cfg.nedits, 64);

	/* Counted with what the config already holds. */
	memset(&fx->cfg, 0, sizeof(fx->cfg));
	fx->cfg.nedits = 62;
	assert_int_equal(edits(fx, "sse3,sse4.1,sse4.2"), -EINVAL);
	assert_string_equal(fx->err, "--cpu-features: more than 64 edits");
	assert_int_equal(fx->cfg.nedits, 64);
}

/* cpuid_find -------------------------------------------------------------- */

static void test_find(void **state)
{
	struct fx *fx = *state;

	assert_ptr_equal(cpuid_find(fx->c, 1, 0), &fx->c->entries[1]);
	/* Not indexed: any subleaf finds it. */
	assert_ptr_equal(cpuid_find(fx->c, 1, 7), &fx->c->entries[1]);
	/* Indexed: only its own. */
	assert_ptr_equal(cpuid_find(fx->c, 4, 2), &fx->c->entries[4]);
	assert_ptr_equal(cpuid_find(fx->c, 7, 1), &fx->c->entries[7]);
	assert_null(cpuid_find(fx->c, 4, 4));
	assert_null(cpuid_find(fx->c, 0xd, 0));
	assert_null(cpuid_find(fx->c, 0x40000010, 0));
}

/* cpuid_build ------------------------------------------------------------- */

static void cfg4(struct fx *fx)
{
	fx->cfg = (struct cpuid_config){
		.ncpus = 4,
		.tsc_khz = 2500000,
		.x2apic = true,
		.tsc_deadline = false,
		.kvm_features_drop = KVM_PV_HYPERCALL_USERS,
	};
}

static void test_build(void **state)
{
	struct fx *fx = *state;
	struct kvm_cpuid_entry2 *e;
	char sig[13] = { 0 };

	cfg4(fx);
	assert_int_equal(cpuid_build(fx->c, CAP, &fx->cfg, 3), 0);

	/* Leaf 1: APIC ID 3, 4 logical processors, HTT, hypervisor. */
	e = leaf(fx, 1, 0);
	assert_int_equal(e->eax, L1_EAX);
	assert_int_equal(e->ebx, 0x03040800);
	assert_int_equal(e->ebx >> 24, 3);
	assert_int_equal((e->ebx >> 16) & 0xff, 4);
	assert_int_equal(e->edx, L1_EDX | 1u << 28);
	assert_int_equal(e->ecx, (L1_ECX | 1u << 31 | 1u << 21) & ~(1u << 5) &
					 ~(1u << 24));
	assert_int_equal(e->ecx & (1u << 5), 0); /* VMX hidden */

	/* Leaf 4: EAX[31:26] = cores - 1 in every subleaf, the rest kept. */
	for (uint32_t i = 0; i < 4; i++) {
		e = leaf(fx, 4, i);
		assert_int_equal(e->eax, 0x0c000000u | (0x121u + i));
		assert_int_equal(e->ebx, 0x01c0003f);
	}

	/* Leaves 0xb and 0x1f: SMT, then core, then the end. */
	for (uint32_t fn = 0xb; fn <= 0x1f; fn += 0x1f - 0xb) {
		e = leaf(fx, fn, 0);
		assert_int_equal(e->eax, 0);
		assert_int_equal(e->ebx, 1);
		assert_int_equal(e->ecx, 0x100);
		assert_int_equal(e->edx, 3);
		e = leaf(fx, fn, 1);
		assert_int_equal(e->eax, 2); /* 2 bits number 4 cores */
		assert_int_equal(e->ebx, 4);
		assert_int_equal(e->ecx, 0x201);
		assert_int_equal(e->edx, 3);
		e = leaf(fx, fn, 2);
		assert_int_equal(e->eax, 0);
		assert_int_equal(e->ebx, 0);
		assert_int_equal(e->ecx, 2);
		assert_int_equal(e->edx, 3);
	}

	/* AMD: cores - 1 and the APIC ID width; one thread per core. */
	e = leaf(fx, 0x80000008, 0);
	assert_int_equal(e->ecx, 0x12003);
	assert_int_equal(e->eax, 0x3030);
	e = leaf(fx, 0x8000001e, 0);
	assert_int_equal(e->eax, 3);
	assert_int_equal(e->ebx, 3);
	assert_int_equal(e->ecx, 0);
	e = leaf(fx, 0x80000001, 0);
	assert_int_equal(e->ecx, EXT1_ECX & ~(1u << 2)); /* SVM hidden */
	assert_int_equal(e->edx, EXT1_EDX);

	/* KVM: the signature, the last leaf, the features less drops. */
	e = leaf(fx, 0x40000000, 0);
	assert_int_equal(e->eax, 0x40000010);
	memcpy(sig, &e->ebx, 4);
	memcpy(sig + 4, &e->ecx, 4);
	memcpy(sig + 8, &e->edx, 4);
	assert_memory_equal(sig, "KVMKVMKVM\0\0\0", 12);
	assert_int_equal(e->ebx, 0x4b4d564b);
	assert_int_equal(e->ecx, 0x564b4d56);
	assert_int_equal(e->edx, 0x4d);
	e = leaf(fx, 0x40000001, 0);
	assert_int_equal(e->eax, KVM_FEATURES & ~0x12880u);
	assert_int_equal(KVM_PV_HYPERCALL_USERS, 0x12880);

	/* The timing leaf, appended. */
	assert_int_equal(fx->c->nent, 21);
	e = &fx->c->entries[20];
	assert_int_equal(e->function, 0x40000010);
	assert_int_equal(e->index, 0);
	assert_int_equal(e->flags, 0);
	assert_int_equal(e->eax, 2500000);
	assert_int_equal(e->ebx, 1000000);
	assert_int_equal(e->ecx, 0);
	assert_int_equal(e->edx, 0);

	/* Leaves hyve has no business with are as KVM gave them. */
	e = leaf(fx, 0, 0);
	assert_int_equal(e->eax, 0x1f);
	assert_int_equal(e->ebx, 0x756e6547);
	e = leaf(fx, 7, 0);
	assert_int_equal(e->ebx, L7_EBX);
}

/* One vCPU: no HTT from hyve, a zero-width core level. */
static void test_build_one_cpu(void **state)
{
	struct fx *fx = *state;
	struct kvm_cpuid_entry2 *e;

	cfg4(fx);
	fx->cfg.ncpus = 1;
	assert_int_equal(cpuid_build(fx->c, CAP, &fx->cfg, 0), 0);
	e = leaf(fx, 1, 0);
	assert_int_equal(e->ebx, 0x00010800);
	assert_int_equal(e->edx, L1_EDX); /* HTT left as KVM had it */
	assert_int_equal(leaf(fx, 4, 0)->eax, 0x121);
	assert_int_equal(leaf(fx, 0xb, 1)->eax, 0);
	assert_int_equal(leaf(fx, 0xb, 1)->ebx, 1);
	assert_int_equal(leaf(fx, 0xb, 1)->edx, 0);
	assert_int_equal(leaf(fx, 0x80000008, 0)->ecx, 0x10000);
	assert_int_equal(leaf(fx, 0x8000001e, 0)->eax, 0);
}

/* APIC IDs and widths across vCPU counts. */
static void test_build_topology(void **state)
{
	static const struct {
		unsigned int ncpus, id, width;
	} cases[] = {
		{ 2, 1, 1 },	 { 3, 2, 2 },	  { 5, 4, 3 },
		{ 8, 7, 3 },	 { 9, 8, 4 },	  { 64, 63, 6 },
		{ 65, 64, 7 },	 { 128, 100, 7 }, { 255, 254, 8 },
		{ 256, 255, 8 },
	};
	struct fx *fx = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned int n = cases[i].ncpus, id = cases[i].id;

		table(fx->c);
		cfg4(fx);
		fx->cfg.ncpus = n;
		assert_int_equal(cpuid_build(fx->c, CAP, &fx->cfg, id), 0);
		assert_int_equal(leaf(fx, 1, 0)->ebx >> 24, id);
		assert_int_equal(leaf(fx, 1, 0)->ebx & 0xffff, 0x0800);
		if (n <= 255) /* the field has 8 bits */
			assert_int_equal((leaf(fx, 1, 0)->ebx >> 16) & 0xff, n);
		assert_int_equal((leaf(fx, 1, 0)->edx >> 28) & 1, 1);
		if (n <= 64) /* the field has 6 bits */
			assert_int_equal(leaf(fx, 4, 3)->eax >> 26, n - 1);
		assert_int_equal(leaf(fx, 0xb, 1)->eax, cases[i].width);
		assert_int_equal(leaf(fx, 0xb, 1)->ebx, n);
		assert_int_equal(leaf(fx, 0x1f, 0)->edx, id);
		assert_int_equal(leaf(fx, 0x1f, 2)->edx, id);
		assert_int_equal(leaf(fx, 0x80000008, 0)->ecx,
				 (EXT8_ECX & ~0xf0ffu) | cases[i].width << 12 |
					 ((n - 1) & 0xff));
		assert_int_equal(leaf(fx, 0x8000001e, 0)->eax, id);
		assert_int_equal(leaf(fx, 0x8000001e, 0)->ebx, id & 0xff);
	}
}

/* KVM may give 0xb and 0x1f with subleaf 0 only: hyve makes all three. */
static void test_build_topology_subleaves(void **state)
{
	struct fx *fx = *state;
	struct kvm_cpuid_entry2 *e;
	unsigned int n = 0;

	memset(fx->c, 0, sizeof(*fx->c) + CAP * sizeof(fx->c->entries[0]));
	add(fx->c, 1, 0, 0, L1_EAX, L1_EBX, L1_ECX, L1_EDX);
	add(fx->c, 0xb, 0, INDEX, 0x55, 0x66, 0x77, 0x88);
	cfg4(fx);
	assert_int_equal(cpuid_build(fx->c, CAP, &fx->cfg, 2), 0);
	for (unsigned int i = 0; i < fx->c->nent; i++)
		n += fx->c->entries[i].function == 0xb;
	assert_int_equal(n, 3);
	assert_int_equal(fx->c->nent, 5); /* 1, 0xb.0-2, 0x40000010 */
	for (uint32_t sub = 0; sub < 3; sub++) {
		e = leaf(fx, 0xb, sub);
		assert_int_equal(e->index, sub);
		assert_int_equal(e->flags, INDEX);
		assert_int_equal(e->edx, 2);
	}
	assert_int_equal(leaf(fx, 0xb, 0)->ecx, 0x100);
	assert_int_equal(leaf(fx, 0xb, 1)->eax, 2);
	assert_int_equal(leaf(fx, 0xb, 1)->ebx, 4);
	assert_int_equal(leaf(fx, 0xb, 1)->ecx, 0x201);
	assert_int_equal(leaf(fx, 0xb, 2)->ecx, 2);
	assert_null(cpuid_find(fx->c, 0x1f, 0)); /* not made up */

	/* No room for the two new subleaves. */
	memset(fx->c, 0, sizeof(*fx->c) + CAP * sizeof(fx->c->entries[0]));
	add(fx->c, 1, 0, 0, L1_EAX, L1_EBX, L1_ECX, L1_EDX);
	add(fx->c, 0xb, 0, INDEX, 0x55, 0x66, 0x77, 0x88);
	assert_int_equal(cpuid_build(fx->c, 3, &fx->cfg, 2), -ENOSPC);
}

/* x2APIC and the TSC-deadline timer follow the in-kernel LAPIC. */
static void test_build_lapic_bits(void **state)
{
	struct fx *fx = *state;

	cfg4(fx);
	fx->cfg.x2apic = false;
	fx->cfg.tsc_deadline = true;
	assert_int_equal(cpuid_build(fx->c, CAP, &fx->cfg, 0), 0);
	assert_int_equal((leaf(fx, 1, 0)->ecx >> 21) & 1, 0);
	assert_int_equal((leaf(fx, 1, 0)->ecx >> 24) & 1, 1);
}

/* Without a TSC frequency: no timing leaf, and none named. */
static void test_build_no_tsc(void **state)
{
	struct fx *fx = *state;

	cfg4(fx);
	fx->cfg.tsc_khz = 0;
	assert_int_equal(cpuid_build(fx->c, CAP, &fx->cfg, 0), 0);
	assert_int_equal(fx->c->nent, 20);
	assert_null(cpuid_find(fx->c, 0x40000010, 0));
	assert_int_equal(leaf(fx, 0x40000000, 0)->eax, 0x40000001);
	/* No drops: KVM's features as they were. */
	fx->cfg.kvm_features_drop = 0;
	table(fx->c);
	assert_int_equal(cpuid_build(fx->c, CAP, &fx->cfg, 0), 0);
	assert_int_equal(leaf(fx, 0x40000001, 0)->eax, KVM_FEATURES);
}

/* No room for the timing leaf: -ENOSPC, and nothing appended. */
static void test_build_enospc(void **state)
{
	struct fx *fx = *state;

	cfg4(fx);
	assert_int_equal(cpuid_build(fx->c, 20, &fx->cfg, 0), -ENOSPC);
	assert_int_equal(fx->c->nent, 20);
	table(fx->c);
	assert_int_equal(cpuid_build(fx->c, 21, &fx->cfg, 0), 0);
	assert_int_equal(fx->c->nent, 21);
	/* A table that already has one is not given a second. */
	assert_int_equal(cpuid_build(fx->c, 21, &fx->cfg, 0), 0);
	assert_int_equal(fx->c->nent, 21);
}

/* Without KVM's leaves nothing is added but the timing leaf. */
static void test_build_sparse_table(void **state)
{
	struct fx *fx = *state;

	memset(fx->c, 0, sizeof(*fx->c) + CAP * sizeof(fx->c->entries[0]));
	add(fx->c, 0, 0, 0, 1, 0, 0, 0);
	cfg4(fx);
	assert_int_equal(edits(fx, "+avx2,-svm,+kvmclock"), 0);
	assert_int_equal(cpuid_build(fx->c, CAP, &fx->cfg, 0), 0);
	assert_int_equal(fx->c->nent, 2);
	assert_int_equal(fx->c->entries[0].eax, 1);
	assert_int_equal(fx->c->entries[0].ebx, 0);
	assert_int_equal(fx->c->entries[1].function, 0x40000010);
}

/* The user's edits come last and win over everything hyve did. */
static void test_build_user_edits_win(void **state)
{
	struct fx *fx = *state;

	cfg4(fx);
	assert_int_equal(edits(fx, "+vmx,-hypervisor,+pv-unhalt,-x2apic,"
				   "+tsc-deadline,+svm,-smap,+ht,-kvmclock"),
			 0);
	assert_int_equal(cpuid_build(fx->c, CAP, &fx->cfg, 1), 0);
	assert_int_equal((leaf(fx, 1, 0)->ecx >> 5) & 1, 1);
	assert_int_equal((leaf(fx, 1, 0)->ecx >> 31) & 1, 0);
	assert_int_equal((leaf(fx, 1, 0)->ecx >> 21) & 1, 0);
	assert_int_equal((leaf(fx, 1, 0)->ecx >> 24) & 1, 1);
	assert_int_equal(leaf(fx, 0x80000001, 0)->ecx, EXT1_ECX);
	assert_int_equal(leaf(fx, 0x40000001, 0)->eax,
			 (KVM_FEATURES & ~0x12880u & ~1u) | 1u << 7);
	/* -smap clears 7.0 EBX[20], not the same bit of 7.1. */
	assert_int_equal(leaf(fx, 7, 0)->ebx, L7_EBX & ~(1u << 20));
	assert_int_equal(leaf(fx, 7, 1)->ebx, 0x00100000);
	assert_int_equal((leaf(fx, 1, 0)->edx >> 28) & 1, 1);

	/* Edits in order: the last one for a bit wins. */
	table(fx->c);
	memset(&fx->cfg, 0, sizeof(fx->cfg));
	cfg4(fx);
	assert_int_equal(edits(fx, "-cx16,+cx16,-avx2,+avx2,-avx2"), 0);
	assert_int_equal(cpuid_build(fx->c, CAP, &fx->cfg, 0), 0);
	assert_int_equal((leaf(fx, 1, 0)->ecx >> 13) & 1, 1);
	assert_int_equal((leaf(fx, 7, 0)->ebx >> 5) & 1, 0);

	/* An edit of a leaf KVM did not give is no edit. */
	table(fx->c);
	memset(&fx->cfg, 0, sizeof(fx->cfg));
	cfg4(fx);
	assert_int_equal(edits(fx, "+xsaveopt"), 0);
	assert_int_equal(cpuid_build(fx->c, CAP, &fx->cfg, 0), 0);
	assert_null(cpuid_find(fx->c, 0xd, 1));
	assert_int_equal(fx->c->nent, 21);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_feature_table),
		T(test_edits_good),
		T(test_edits_bad),
		T(test_edits_too_many),
		T(test_find),
		T(test_build),
		T(test_build_one_cpu),
		T(test_build_topology),
		T(test_build_topology_subleaves),
		T(test_build_lapic_bits),
		T(test_build_no_tsc),
		T(test_build_enospc),
		T(test_build_sparse_table),
		T(test_build_user_edits_win),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
