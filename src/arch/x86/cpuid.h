/*
 * cpuid.h: the CPUID a vCPU sees, built from KVM_GET_SUPPORTED_CPUID.
 *
 * On top of what KVM supports, hyve gives each vCPU its APIC ID and a flat
 * topology (one core per vCPU, one thread per core, one package: leaves 1,
 * 4, 0xb/0x1f and AMD's 0x80000008/0x8000001e), sets the hypervisor bit,
 * hides VMX and SVM (no nested virtualization), shows the KVM signature and
 * the KVM features it wants (no paravirtual feature that leads to a
 * hypercall when hypercalls are known not to work), the TSC and APIC-bus
 * frequencies in KVM's timing leaf (0x40000010), x2APIC and the
 * TSC-deadline timer when the in-kernel LAPIC offers them, and last the
 * user's --cpu-features edits, which win.
 *
 * Pure: no ioctls.  Names and bit positions follow the Intel SDM Vol. 2A
 * (CPUID), the AMD APM Vol. 3 (CPUID) and Linux's
 * Documentation/virt/kvm/x86/cpuid.rst.
 */
#ifndef HYVE_ARCH_X86_CPUID_H
#define HYVE_ARCH_X86_CPUID_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CPUID_KVM_SIGNATURE 0x40000000u
#define CPUID_KVM_FEATURES  0x40000001u
#define CPUID_KVM_TIMING    0x40000010u

/* KVM paravirtual features (CPUID 0x40000001 EAX). */
#define KVM_PV_PV_UNHALT   (1u << 7)
#define KVM_PV_SEND_IPI	   (1u << 11)
#define KVM_PV_SCHED_YIELD (1u << 13)
#define KVM_PV_HC_MAP_GPA  (1u << 16)
#define KVM_PV_HYPERCALL_USERS                                                 \
	(KVM_PV_PV_UNHALT | KVM_PV_SEND_IPI | KVM_PV_SCHED_YIELD |             \
	 KVM_PV_HC_MAP_GPA)

enum cpuid_reg { CPUID_EAX, CPUID_EBX, CPUID_ECX, CPUID_EDX };

/* A named CPUID bit, as --cpu-features names it. */
struct cpuid_feature {
	const char *name;
	uint32_t leaf, subleaf;
	enum cpuid_reg reg;
	uint8_t bit;
};

#define CPUID_MAX_EDITS 64

struct cpuid_edit {
	const struct cpuid_feature *feature;
	bool set;
};

struct cpuid_config {
	unsigned int ncpus;
	uint32_t tsc_khz;	    /* 0: unknown, no timing leaf */
	bool x2apic;		    /* the in-kernel LAPIC offers x2APIC */
	bool tsc_deadline;	    /* ... and the TSC-deadline timer */
	uint32_t kvm_features_drop; /* KVM PV features to withhold */
	struct cpuid_edit edits[CPUID_MAX_EDITS]; /* --cpu-features */
	unsigned int nedits;
};

/* The table of named features; NULL-name terminated. */
extern const struct cpuid_feature cpuid_features[];

const struct cpuid_feature *cpuid_feature_find(const char *name);

/*
 * Parse "-name,+name,..." (a bare name means +) into cfg->edits.  0, or
 * -EINVAL with one line in err naming the culprit.
 */
int cpuid_parse_edits(const char *s, struct cpuid_config *cfg, char *err,
		      size_t errlen);

/*
 * Turn a copy of KVM's supported table (c, with room for cap entries) into
 * vCPU id's CPUID per cfg.  Leaves hyve adds (the timing leaf) are
 * appended; -ENOSPC if there is no room.
 */
int cpuid_build(struct kvm_cpuid2 *c, unsigned int cap,
		const struct cpuid_config *cfg, unsigned int id);

/* The entry for leaf/subleaf, or NULL. */
struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *c, uint32_t leaf,
				    uint32_t subleaf);

#endif
