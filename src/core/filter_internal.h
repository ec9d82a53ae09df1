/* Private filter-bank call shared by the core and the loop: commit previewed outputs without recomputing them. */
#ifndef PRIMOD_CORE_FILTER_INTERNAL_H
#define PRIMOD_CORE_FILTER_INTERNAL_H

#include "primod/filter.h"

/* Makes out (n_outputs), written by a successful pm_filter_preview(f, signals, out) on the current state, the
 * state's newest values: afterwards f is exactly as pm_filter_step(f, signals, ...) would have left it, at the
 * cost of a copy instead of a second pass. f and out must not be NULL; nothing is checked. */
void pm_filter_commit_(pm_filter *f, const double *out);

#endif
