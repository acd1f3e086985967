/* cpuid.c: the vCPU's CPUID.  See cpuid.h. */
#include "arch/x86/cpuid.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define F(n, l, s, r, b)                                                       \
	{                                                                      \
		.name = n, .leaf = l, .subleaf = s, .reg = CPUID_##r, .bit = b \
	}

/* clang-format off */
const struct cpuid_feature cpuid_features[] = {
	/* Leaf 1 ECX */
	F("sse3", 1, 0, ECX, 0), F("pclmulqdq", 1, 0, ECX, 1),
	F("monitor", 1, 0, ECX, 3), F("vmx", 1, 0, ECX, 5),
	F("ssse3", 1, 0, ECX, 9), F("fma", 1, 0, ECX, 12),
	F("cx16", 1, 0, ECX, 13), F("pcid", 1, 0, ECX, 17),
	F("sse4.1", 1, 0, ECX, 19), F("sse4.2", 1, 0, ECX, 20),
	F("x2apic", 1, 0, ECX, 21), F("movbe", 1, 0, ECX, 22),
	F("popcnt", 1, 0, ECX, 23), F("tsc-deadline", 1, 0, ECX, 24),
	F("aes", 1, 0, ECX, 25), F("xsave", 1, 0, ECX, 26),
	F("avx", 1, 0, ECX, 28), F("f16c", 1, 0, ECX, 29),
	F("rdrand", 1, 0, ECX, 30), F("hypervisor", 1, 0, ECX, 31),
	/* Leaf 1 EDX */
	F("fpu", 1, 0, EDX, 0), F("tsc", 1, 0, EDX, 4), F("msr", 1, 0, EDX, 5),
	F("pae", 1, 0, EDX, 6), F("cx8", 1, 0, EDX, 8), F("apic", 1, 0, EDX, 9),
	F("sep", 1, 0, EDX, 11), F("mtrr", 1, 0, EDX, 12),
	F("pge", 1, 0, EDX, 13), F("cmov", 1, 0, EDX, 15),
	F("pat", 1, 0, EDX, 16), F("clflush", 1, 0, EDX, 19),
	F("mmx", 1, 0, EDX, 23), F("fxsr", 1, 0, EDX, 24),
	F("sse", 1, 0, EDX, 25), F("sse2", 1, 0, EDX, 26),
	F("ht", 1, 0, EDX, 28),
	/* Leaf 7.0 */
	F("fsgsbase", 7, 0, EBX, 0), F("bmi1", 7, 0, EBX, 3),
	F("hle", 7, 0, EBX, 4), F("avx2", 7, 0, EBX, 5),
	F("smep", 7, 0, EBX, 7), F("bmi2", 7, 0, EBX, 8),
	F("erms", 7, 0, EBX, 9), F("invpcid", 7, 0, EBX, 10),
	F("rtm", 7, 0, EBX, 11), F("avx512f", 7, 0, EBX, 16),
	F("rdseed", 7, 0, EBX, 18), F("adx", 7, 0, EBX, 19),
	F("smap", 7, 0, EBX, 20), F("clflushopt", 7, 0, EBX, 23),
	F("clwb", 7, 0, EBX, 24), F("sha", 7, 0, EBX, 29),
	F("umip", 7, 0, ECX, 2), F("pku", 7, 0, ECX, 3),
	F("la57", 7, 0, ECX, 16), F("rdpid", 7, 0, ECX, 22),
	F("md-clear", 7, 0, EDX, 10),
	/* Leaf 0xd.1 */
	F("xsaveopt", 0xd, 1, EAX, 0), F("xsavec", 0xd, 1, EAX, 1),
	F("xsaves", 0xd, 1, EAX, 3),
	/* Leaf 0x80000001 */
	F("lahf-lm", 0x80000001, 0, ECX, 0), F("svm", 0x80000001, 0, ECX, 2),
	F("abm", 0x80000001, 0, ECX, 5), F("sse4a", 0x80000001, 0, ECX, 6),
	F("syscall", 0x80000001, 0, EDX, 11), F("nx", 0x80000001, 0, EDX, 20),
	F("pdpe1gb", 0x80000001, 0, EDX, 26),
	F("rdtscp", 0x80000001, 0, EDX, 27), F("lm", 0x80000001, 0, EDX, 29),
	/* KVM's paravirtual features, leaf 0x40000001 EAX */
	F("kvmclock", 0x40000001, 0, EAX, 0),
	F("nopiodelay", 0x40000001, 0, EAX, 1),
	F("kvmclock2", 0x40000001, 0, EAX, 3),
	F("async-pf", 0x40000001, 0, EAX, 4),
	F("steal-time", 0x40000001, 0, EAX, 5),
	F("pv-eoi", 0x40000001, 0, EAX, 6),
	F("pv-unhalt", 0x40000001, 0, EAX, 7),
	F("pv-tlb-flush", 0x40000001, 0, EAX, 9),
	F("async-pf-vmexit", 0x40000001, 0, EAX, 10),
	F("pv-send-ipi", 0x40000001, 0, EAX, 11),
	F("poll-control", 0x40000001, 0, EAX, 12),
	F("pv-sched-yield", 0x40000001, 0, EAX, 13),
	F("async-pf-int", 0x40000001, 0, EAX, 14),
	F("msi-ext-dest-id", 0x40000001, 0, EAX, 15),
	F("hc-map-gpa-range", 0x40000001, 0, EAX, 16),
	F("kvmclock-stable", 0x40000001, 0, EAX, 24),
	{ .name = NULL },
};
/* clang-format on */

const struct cpuid_feature *cpuid_feature_find(const char *name)
{
	for (const struct cpuid_feature *f = cpuid_features; f->name; f++)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

int cpuid_parse_edits(const char *s, struct cpuid_config *cfg, char *err,
		      size_t errlen)
{
	while (*s) {
		char name[32];
		size_t n = strcspn(s, ",");
		bool set = true;
		const char *p = s;
		const struct cpuid_feature *f;

		if (*p == '+' || *p == '-')
			set = *p++ == '+', n--;
		if (n == 0 || n >= sizeof(name)) {
			snprintf(err, errlen,
				 "--cpu-features: '%.*s' is not +NAME or -NAME",
				 (int)strcspn(s, ","), s);
			return -EINVAL;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		f = cpuid_feature_find(name);
		if (!f) {
			snprintf(err, errlen,
				 "--cpu-features: unknown feature '%s' (see "
				 "hyve run --help)",
				 name);
			return -EINVAL;
		}
		if (cfg->nedits >= CPUID_MAX_EDITS) {
			snprintf(err, errlen,
				 "--cpu-features: more than %d edits",
				 CPUID_MAX_EDITS);
			return -EINVAL;
		}
		cfg->edits[cfg->nedits++] =
			(struct cpuid_edit){ .feature = f, .set = set };
		s = p + n;
		if (*s == ',')
			s++;
	}
	return 0;
}

struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *c, uint32_t leaf,
				    uint32_t subleaf)
{
	for (unsigned int i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];
		bool indexed = e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX;

		if (e->function == leaf && (!indexed || e->index == subleaf))
			return e;
	}
	return NULL;
}

static uint32_t *cpuid_reg(struct kvm_cpuid_entry2 *e, enum cpuid_reg r)
{
	switch (r) {
	case CPUID_EAX:
		return &e->eax;
	case CPUID_EBX:
		return &e->ebx;
	case CPUID_ECX:
		return &e->ecx;
	default:
		return &e->edx;
	}
}

static void cpuid_bit(struct kvm_cpuid2 *c, uint32_t leaf, uint32_t sub,
		      enum cpuid_reg r, unsigned int bit, bool on)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(c, leaf, sub);

	if (!e)
		return;
	if (on)
		*cpuid_reg(e, r) |= 1u << bit;
	else
		*cpuid_reg(e, r) &= ~(1u << bit);
}

/* Bits needed to number n things (ceil(log2(n))). */
static unsigned int cpuid_width(unsigned int n)
{
	unsigned int w = 0;

	while ((1u << w) < n)
		w++;
	return w;
}

/* Leaf 0xb or 0x1f, subleaf e->index (SDM Vol. 2A, CPUID leaf 0BH). */
static void cpuid_extended_topology(struct kvm_cpuid_entry2 *e, unsigned int w,
				    unsigned int ncpus, unsigned int id)
{
	e->edx = id; /* the x2APIC ID */
	if (e->index == 0) {
		e->eax = 0, e->ebx = 1;
		e->ecx = 1u << 8; /* SMT level: one thread */
	} else if (e->index == 1) {
		e->eax = w, e->ebx = ncpus;
		e->ecx = 1 | 2u << 8; /* core level: every vCPU */
	} else {
		e->eax = e->ebx = 0;
		e->ecx = e->index; /* level type 0: the end */
	}
}

/*
 * KVM may give leaves 0xb and 0x1f with subleaf 0 only: make them three
 * subleaves (SMT, core, end), replacing what was there.
 */
static int cpuid_topology_leaves(struct kvm_cpuid2 *c, unsigned int cap)
{
	static const uint32_t leaves[] = { 0xb, 0x1f };

	for (unsigned int l = 0; l < 2; l++) {
		unsigned int n = 0;

		if (!cpuid_find(c, leaves[l], 0))
			continue;
		for (unsigned int i = 0; i < c->nent; i++)
			if (c->entries[i].function != leaves[l])
				c->entries[n++] = c->entries[i];
		c->nent = n;
		if (c->nent + 3 > cap)
			return -ENOSPC;
		for (uint32_t sub = 0; sub < 3; sub++)
			c->entries[c->nent++] = (struct kvm_cpuid_entry2){
				.function = leaves[l],
				.index = sub,
				.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
			};
	}
	return 0;
}

/* One package, ncpus cores of one thread each; APIC ID = vCPU index. */
static void cpuid_topology(struct kvm_cpuid2 *c, unsigned int ncpus,
			   unsigned int id)
{
	const unsigned int w = cpuid_width(ncpus);

	for (unsigned int i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		switch (e->function) {
		case 1:
			e->ebx = (e->ebx & 0xffffu) |
				 (ncpus > 255 ? 255u : ncpus) << 16 | id << 24;
			if (ncpus > 1)
				e->edx |= 1u
					  << 28; /* HTT: the count is valid */
			break;
		case 4:
			/* EAX[31:26]: cores in the package, minus one. */
			e->eax = (e->eax & 0x03ffffffu) |
				 (ncpus > 64 ? 63u : ncpus - 1) << 26;
			break;
		case 0xb:
		case 0x1f:
			cpuid_extended_topology(e, w, ncpus, id);
			break;
		case 0x80000008:
			e->ecx = (e->ecx & ~0xf0ffu) | (w << 12) |
				 ((ncpus - 1) & 0xffu);
			break;
		case 0x8000001e:
			e->eax = id;
			e->ebx = id & 0xffu; /* core ID, one thread per core */
			e->ecx = 0;
			break;
		}
	}
}

static void cpuid_kvm_leaves(struct kvm_cpuid2 *c,
			     const struct cpuid_config *cfg)
{
	struct kvm_cpuid_entry2 *sig = cpuid_find(c, CPUID_KVM_SIGNATURE, 0);
	struct kvm_cpuid_entry2 *feat = cpuid_find(c, CPUID_KVM_FEATURES, 0);

	if (sig) {
		/* "KVMKVMKVM\0\0\0" */
		sig->ebx = 0x4b4d564b, sig->ecx = 0x564b4d56, sig->edx = 0x4d;
		sig->eax = cfg->tsc_khz ? CPUID_KVM_TIMING : CPUID_KVM_FEATURES;
	}
	if (feat)
		feat->eax &= ~cfg->kvm_features_drop;
}

int cpuid_build(struct kvm_cpuid2 *c, unsigned int cap,
		const struct cpuid_config *cfg, unsigned int id)
{
	int r = cpuid_topology_leaves(c, cap);

	if (r)
		return r;
	cpuid_topology(c, cfg->ncpus, id);
	cpuid_bit(c, 1, 0, CPUID_ECX, 31, true);	  /* hypervisor */
	cpuid_bit(c, 1, 0, CPUID_ECX, 5, false);	  /* VMX */
	cpuid_bit(c, 0x80000001, 0, CPUID_ECX, 2, false); /* SVM */
	cpuid_bit(c, 1, 0, CPUID_ECX, 21, cfg->x2apic);
	cpuid_bit(c, 1, 0, CPUID_ECX, 24, cfg->tsc_deadline);
	cpuid_kvm_leaves(c, cfg);
	if (cfg->tsc_khz && !cpuid_find(c, CPUID_KVM_TIMING, 0)) {
		if (c->nent >= cap)
			return -ENOSPC;
		c->entries[c->nent++] = (struct kvm_cpuid_entry2){
			.function = CPUID_KVM_TIMING,
			.eax = cfg->tsc_khz,
			.ebx = 1000000, /* KVM's APIC bus runs at 1 GHz */
		};
	}
	for (unsigned int i = 0; i < cfg->nedits; i++) {
		const struct cpuid_feature *f = cfg->edits[i].feature;
		cpuid_bit(c, f->leaf, f->subleaf, f->reg, f->bit,
			  cfg->edits[i].set);
	}
	return 0;
}
