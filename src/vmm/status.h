/*
 * status.h: hyve's process exit statuses, documented in hyve(1) (EXIT
 * STATUS) and in `hyve --help`.  Every failure is even, non-zero and below
 * 128, so it never collides with the debug-exit device's odd (v << 1) | 1 or
 * with a shell's 128 + signal.  Constants only.
 */
#ifndef HYVE_VMM_STATUS_H
#define HYVE_VMM_STATUS_H

#define HYVE_EXIT_OK	       0  /* powered off, halted, or Ctrl-A x */
#define HYVE_EXIT_USAGE	       2  /* bad command line, image or host */
#define HYVE_EXIT_ENTRY_FAILED 4  /* KVM_EXIT_FAIL_ENTRY */
#define HYVE_EXIT_INTERNAL     6  /* KVM_EXIT_INTERNAL_ERROR */
#define HYVE_EXIT_TRIPLE_FAULT 8  /* KVM_EXIT_SHUTDOWN */
#define HYVE_EXIT_UNHANDLED    10 /* an exit hyve does not handle */
#define HYVE_EXIT_KVM_ERROR    12 /* a KVM call failed while running */
#define HYVE_EXIT_REBOOT       14 /* the guest reset itself (not a failure) */

#endif
