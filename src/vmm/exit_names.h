/*
 * exit_names.h: printable names for KVM exit reasons and internal-error
 * suberrors.  Pure lookups over constant tables; any thread may call them.
 */
#ifndef HYVE_VMM_EXIT_NAMES_H
#define HYVE_VMM_EXIT_NAMES_H

#include <stdint.h>

/* Highest exit reason number hyve has a name for; see exit_names.c. */
#define EXIT_REASON_MAX 40

/* "KVM_EXIT_IO" and so on; "KVM_EXIT_<n>?" style text is never returned:
 * unknown numbers give "unknown". */
const char *exit_reason_name(uint32_t reason);

/* "KVM_INTERNAL_ERROR_EMULATION" and so on, or "unknown". */
const char *exit_internal_suberror_name(uint32_t suberror);

#endif
