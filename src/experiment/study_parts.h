/* Private to the study files (src/experiment/study*.c): the report sections written by the part files. */
#ifndef PRIMOD_STUDY_PARTS_H
#define PRIMOD_STUDY_PARTS_H

#include <stdio.h>

#include "primod/study.h"

/* Each writes its "### ..." section of report.md and returns its verdict for the summary: 1 the claim holds,
 * 0 it does not, -1 not measured. */
int pm_study_md_depth(FILE *f, const pm_study_result *res);
int pm_study_md_generalise(FILE *f, const pm_study_result *res);
void pm_study_md_curves(FILE *f, const pm_study_result *res);

/* Figures of the depth grid (depth_success.png, depth_rms.png) and of the learning curves (curves*.png). */
int pm_study_depth_figures(const pm_study_options *o, const pm_study_result *res, char *err);
int pm_study_curve_figures(const pm_study_options *o, const pm_study_result *res, char *err);

/* Number formatting shared by the sections: "–" for a non-finite value, else %.4g. */
const char *pm_study_num(char *buf, size_t n, double x);

#endif
