/* Private filter-bank calls shared by the core and the loop: commit previewed outputs without recomputing them. */
#ifndef PRIMOD_CORE_FILTER_INTERNAL_H
#define PRIMOD_CORE_FILTER_INTERNAL_H

#include "primod/filter.h"

/* Makes out (n_outputs), written by a successful pm_filter_preview(f, signals, out) on the current state, the
 * state's newest values: afterwards f is exactly as pm_filter_step(f, signals, ...) would have left it.
 * If out is the bank's staging buffer (pm_filter_stage_) this is a pointer rotation, no copy: out then IS the
 * newest state (still readable, unchanged, until the second commit after this one); any other out is copied.
 * f and out must not be NULL; nothing is checked. */
void pm_filter_commit_(pm_filter *f, const double *out);

/* The bank's staging buffer (n_outputs doubles, owned by f, never NULL): preview into it, then commit it, and the
 * commit costs no copy. Its address changes with each such commit (ask again before each preview); its contents
 * before a preview are unspecified. The loop's step: st = pm_filter_stage_(f); pm_filter_preview(f, x, st);
 * (use st); pm_filter_commit_(f, st); st still holds x(n) afterwards. */
double *pm_filter_stage_(pm_filter *f);

#endif
