/* quirks.c: host workarounds from the probe.  See quirks.h. */
#include "machine/quirks.h"

#include <stdio.h>
#include <string.h>

static void quirks_param(struct quirks *q, const char *p)
{
	size_t n = strlen(q->cmdline);

	snprintf(q->cmdline + n, sizeof(q->cmdline) - n, " %s", p);
}

/* Appends NAME to the comma-separated LIST. */
static void quirks_list(char *list, size_t len, const char *name)
{
	size_t n = strlen(list);

	snprintf(list + n, len - n, "%s%s", n ? "," : "", name);
}

static void quirks_drop(struct quirks *q, const char *name)
{
	const struct cpuid_feature *f = cpuid_feature_find(name);

	if (f && q->ncpuid_drops <
			 sizeof(q->cpuid_drops) / sizeof(q->cpuid_drops[0]))
		q->cpuid_drops[q->ncpuid_drops++] =
			(struct cpuid_edit){ .feature = f, .set = false };
}

void quirks_decide(const struct probe_result *p, bool linux_guest, bool enabled,
		   struct quirks *q)
{
	memset(q, 0, sizeof(*q));
	if (p->insn[PROBE_VMCALL] == PROBE_HANGS) {
		q->vmcall_watchdog = true;
		q->kvm_features_drop = KVM_PV_HYPERCALL_USERS;
	}
	q->syscall_repair = p->insn[PROBE_USER_SYSCALL] == PROBE_WRONG_CPL;
	if (!enabled)
		return;
	if (probe_insn_broken(p, PROBE_CMPXCHG16B) &&
	    p->cpuid[PROBE_CPUID_CX16] == PROBE_BIT_FOLLOWS)
		quirks_drop(q, "cx16");
	if (probe_insn_broken(p, PROBE_RDTSCP) &&
	    p->cpuid[PROBE_CPUID_RDTSCP] == PROBE_BIT_FOLLOWS)
		quirks_drop(q, "rdtscp");
	if ((probe_insn_broken(p, PROBE_XSAVE) ||
	     probe_insn_broken(p, PROBE_XGETBV)) &&
	    p->cpuid[PROBE_CPUID_XSAVE] == PROBE_BIT_FOLLOWS)
		quirks_drop(q, "xsave");
	if (probe_insn_broken(p, PROBE_CLAC) &&
	    p->cpuid[PROBE_CPUID_SMAP] == PROBE_BIT_FOLLOWS)
		quirks_drop(q, "smap");
	if (!linux_guest)
		return;
	if ((probe_insn_broken(p, PROBE_XSAVE) ||
	     probe_insn_broken(p, PROBE_XGETBV)) &&
	    p->cpuid[PROBE_CPUID_XSAVE] == PROBE_BIT_STUCK)
		quirks_param(q, "noxsave");
	/*
	 * Linux reads only the last clearcpuid= it is given, as one
	 * comma-separated list, so every feature goes into one parameter.
	 */
	char clear[96] = "";

	if (probe_insn_broken(p, PROBE_CLAC) &&
	    p->cpuid[PROBE_CPUID_SMAP] == PROBE_BIT_STUCK)
		quirks_list(clear, sizeof(clear), "smap");
	if (probe_insn_broken(p, PROBE_CMPXCHG16B) &&
	    p->cpuid[PROBE_CPUID_CX16] == PROBE_BIT_STUCK)
		quirks_list(clear, sizeof(clear), "cx16");
	/*
	 * SSE arithmetic cannot be finished cheaply.  Linux picks its SIMD
	 * crypto and hashing (blake2s for its RNG, crc32c, AES...) by these
	 * features; with them cleared it uses its generic code instead.
	 */
	if (probe_insn_broken(p, PROBE_PSHUFB))
		quirks_list(clear, sizeof(clear),
			    "ssse3,sse4_1,sse4_2,aes,pclmulqdq,sha_ni");
	if (clear[0]) {
		char param[sizeof(clear) + 16];

		snprintf(param, sizeof(param), "clearcpuid=%s", clear);
		quirks_param(q, param);
	}
}

void quirks_describe(const struct quirks *q, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	if (q->vmcall_watchdog)
		n += (size_t)snprintf(buf + n, len - n,
				      "vmcall hangs here: no PV hypercall "
				      "features, vmcall watchdog on; ");
	if (q->syscall_repair && n < len)
		n += (size_t)snprintf(buf + n, len - n,
				      "user SYSCALL lands at CPL 3 here: "
				      "SYSCALL repair on; ");
	for (unsigned int i = 0; i < q->ncpuid_drops && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "CPUID -%s; ",
				      q->cpuid_drops[i].feature->name);
	if (n < len && q->cmdline[0])
		n += (size_t)snprintf(buf + n, len - n,
				      "kernel parameters added:%s; ",
				      q->cmdline);
	if (n < len && !n)
		snprintf(buf, len, "none needed");
	else if (n >= 2 && n < len)
		buf[n - 2] = '\0';
}
