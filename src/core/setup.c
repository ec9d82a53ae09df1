/* The set-up options of include/primod/setup.h: default budget and error-detail formatting. */
#include <stdarg.h>
#include <stdio.h>

#include "setup_internal.h"

size_t pm_setup_budget_(const pm_setup *opt)
{
    return opt && opt->max_bytes ? opt->max_bytes : PM_SETUP_MAX_BYTES;
}

pm_status pm_setup_fail_(const pm_setup *opt, pm_status st, const char *fmt, ...)
{
    if (opt && opt->detail && opt->detail_size > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(opt->detail, opt->detail_size, fmt, ap);
        va_end(ap);
    }
    return st;
}
