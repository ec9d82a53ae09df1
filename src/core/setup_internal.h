/* Private helpers of the set-up options (include/primod/setup.h): the budget, the cancel poll, the detail message. */
#ifndef PRIMOD_CORE_SETUP_INTERNAL_H
#define PRIMOD_CORE_SETUP_INTERNAL_H

#include "primod/setup.h"

/* The budget of opt (NULL or 0: PM_SETUP_MAX_BYTES). */
size_t pm_setup_budget_(const pm_setup *opt);

/* 1 if opt has a cancel flag and it is raised. */
static inline int pm_setup_cancelled_(const pm_setup *opt)
{
    return opt && opt->cancel && *opt->cancel;
}

/* Writes the printf-formatted message into opt->detail (if any) and returns st, so a failure reads
 * `return pm_setup_fail_(opt, PM_ERR_LIMIT, "...", ...);`. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
pm_status pm_setup_fail_(const pm_setup *opt, pm_status st, const char *fmt, ...);

/* Bytes as MiB for messages, rounded up. */
static inline unsigned long long pm_setup_mib_(unsigned long long bytes)
{
    return (bytes + (1ull << 20) - 1) >> 20;
}

#endif
