/* (b) of the study, "free from normalisation" (SPEC §9): depth x init x rule, each cell at its best rate from a
 * 3-decade sweep, with the success rate and the per-layer RMS weight change against depth. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "primod/notify.h"
#include "primod/plot.h"
#include "primod/stats.h"
#include "primod/study.h"
#include "study_parts.h"

static const int depths[PM_DEPTH_N_DEPTHS] = {1, 3, 10, 20, 40};
static const char *const init_names[PM_DEPTH_N_INITS] = {"paper", "symmetric", "tanh+symmetric"};
static const char *const depth_rules[PM_DEPTH_N_RULES] = {"bp", "pm", "sign"};
/* 3 decades around each family's best rates on the noisy preset (BP 1..10, sign rules 1e-2..1e-1) */
static const double depth_rates[PM_DEPTH_N_RULES][3] = {{0.1, 1, 10}, {1e-3, 1e-2, 1e-1}, {1e-3, 1e-2, 1e-1}};

/* The benchmark of the depth grid: the question is whether a learning signal reaches deep layers at all, which
 * SPEC §9 measured on the study preset: the base config without wheel noise, at speed 60 and the paper's hold of
 * 200 steps, where a run that learns stops at step 599 and only a failing one runs to the cap (10000 steps here,
 * fifty times the hold) -- the noisy preset would cost ten times as much for the same answer. On the last track
 * of the study, with d hidden layers of 10, the init and activation of column i, and the given rule/rate/seed. */
#define PM_DEPTH_MAX_STEPS 10000
static void depth_job(const pm_study_options *o, int d, int i, int k, double rate, unsigned long long seed,
                      pm_batch_job *job)
{
    job->cfg = o->base;
    job->cfg.speed = 60;
    job->cfg.wheel_noise = 0;
    job->cfg.hold = 200;
    if (job->cfg.max_steps > PM_DEPTH_MAX_STEPS)
        job->cfg.max_steps = PM_DEPTH_MAX_STEPS;
    job->cfg.n_hidden = 0;
    job->cfg.hidden_layers = depths[d];
    job->cfg.hidden_width = 10;
    job->cfg.init = i == 0 ? PM_CFG_INIT_PAPER : PM_CFG_INIT_SYMMETRIC;
    job->cfg.activation = i == 2 ? PM_CFG_ACT_TANH : PM_CFG_ACT_SIGMOID;
    job->cfg.rule = pm_config_rule_parse(depth_rules[k]);
    job->cfg.rate = rate;
    job->cfg.seed = seed;
    snprintf(job->cfg.track, sizeof job->cfg.track, "%s", o->tracks[o->n_tracks - 1]);
    snprintf(job->group, sizeof job->group, "d%d/%d/%s@%g", d, i, depth_rules[k], rate);
    char err[PM_CFG_ERR_MAX];   /* a built-in track has no file to read: naming cannot fail (check_setup loaded it) */
    pm_batch_job_name(job, NULL, 0, err);
}

/* Grid size of this report: --quick runs depths 1 and 3, the first two inits, the middle rate, no sweep. */
static void grid(const pm_study_options *o, int *nd, int *ni, int *nr, int *sweep_seeds, int *seeds)
{
    *nd = o->quick ? 2 : PM_DEPTH_N_DEPTHS;
    *ni = o->quick ? 2 : PM_DEPTH_N_INITS;
    *nr = o->quick ? 1 : 3;
    *sweep_seeds = o->quick ? 0 : 1;
    *seeds = o->quick ? 1 : (o->seeds < 3 ? o->seeds : 3);
}

/* Weights of layer l of a d-layer net of width 10 on this config's inputs (biases included). */
static double layer_weights(const pm_config *c, int d, int l)
{
    int in = c->predictor_rows * c->predictor_count * c->filter_n, b = c->bias ? 1 : 0;
    int n_in = l == 0 ? in : 10, n_out = l == d ? c->outputs : 10;
    return (double)n_out * (n_in + b);
}

/* Fills a cell from the evaluation slots of its group (buf: scratch (n)). */
static void fill_cell(const pm_study_options *o, const pm_batch_slot *s, int n, const char *group, int d,
                      pm_depth_cell *c, double *buf)
{
    c->runs = c->ok = c->smooth = 0;
    int layers[3] = {0, depths[d] / 2, depths[d] - 1};
    double *out[3] = {&c->rms_first, &c->rms_mid, &c->rms_deep};
    for (int q = 0; q < 3; q++) {
        int m = 0;
        for (int i = 0; i < n; i++)
            if (s[i].json && !strcmp(s[i].group, group) && layers[q] < s[i].res.n_layers &&
                isfinite(s[i].res.weight_distance[layers[q]]))
                buf[m++] = s[i].res.weight_distance[layers[q]] / sqrt(layer_weights(&o->base, depths[d], layers[q]));
        *out[q] = NAN;
        if (m)
            pm_stats_median(buf, m, out[q]);
    }
    int m = 0;
    for (int i = 0; i < n; i++)
        if (s[i].json && !strcmp(s[i].group, group)) {
            c->runs++;
            c->ok += s[i].res.success;
            c->smooth += s[i].res.smooth_success;
            if (isfinite(s[i].res.max_abs_weight))
                buf[m++] = s[i].res.max_abs_weight;
        }
    c->maxw = NAN;
    if (m)
        pm_stats_median(buf, m, &c->maxw);
}

int pm_study_depth(const pm_study_options *o, pm_study_result *res, char *err)
{
    pm_depth_result *D = &res->depth;
    int nd, ni, nr, sweep_seeds, seeds;
    grid(o, &nd, &ni, &nr, &sweep_seeds, &seeds);
    int cells = nd * ni * PM_DEPTH_N_RULES;
    int cap = cells * (nr * sweep_seeds + seeds);
    pm_batch_job *jobs = calloc((size_t)cap + 1, sizeof *jobs);
    double *buf = NULL;
    if (!jobs) {
        snprintf(err, PM_CFG_ERR_MAX, "out of memory");
        return PM_EXIT_FAILURE;
    }
    D->n_depths = nd;
    D->seeds = seeds;
    for (int d = 0; d < nd; d++)
        D->depths[d] = depths[d];
    pm_notify(PM_NOTE_INFO, "report", "depth grid: %d cells", cells);
    /* phase 1: the 3-decade sweep per cell; phase 2: each cell at its best rate on the evaluation seeds */
    int n = 0, rc = 0;
    pm_batch_slot *slots = NULL;
    double secs = 0;
    if (sweep_seeds) {
        for (int d = 0; d < nd; d++)
            for (int i = 0; i < ni; i++)
                for (int k = 0; k < PM_DEPTH_N_RULES; k++)
                    for (int j = 0; j < nr; j++)
                        for (int s = 0; s < sweep_seeds; s++)
                            depth_job(o, d, i, k, depth_rates[k][j], PM_STUDY_SWEEP_SEED0 + (unsigned long long)s,
                                      &jobs[n++]);
        rc = pm_study_batch(o, jobs, n, &slots, &secs, err);
        D->seconds += secs;
        D->n_runs += n;
    }
    for (int d = 0; !rc && d < nd; d++)
        for (int i = 0; i < ni; i++)
            for (int k = 0; k < PM_DEPTH_N_RULES; k++) {
                pm_depth_cell *c = &D->cell[d][i][k];
                c->depth = d, c->init = i, c->rule = k;
                c->best_rate = depth_rates[k][1];
                int best_ok = -1;
                for (int j = 0; sweep_seeds && j < nr; j++) {   /* most successes, then the lower error integral */
                    int ok = 0;
                    double ei = 0;
                    char group[PM_BATCH_GROUP_MAX];
                    snprintf(group, sizeof group, "d%d/%d/%s@%g", d, i, depth_rules[k], depth_rates[k][j]);
                    for (int q = 0; q < n; q++)
                        if (slots[q].json && !strcmp(slots[q].group, group))
                            ok += slots[q].res.success, ei += slots[q].res.error_integral;
                    if (ok > best_ok) {
                        best_ok = ok;
                        c->best_rate = depth_rates[k][j];
                    }
                }
            }
    if (slots)
        pm_batch_slots_free(slots, n);
    free(slots);
    slots = NULL;
    int m = 0;
    for (int d = 0; !rc && d < nd; d++)
        for (int i = 0; i < ni; i++)
            for (int k = 0; k < PM_DEPTH_N_RULES; k++)
                for (int s = 1; s <= seeds; s++)
                    depth_job(o, d, i, k, D->cell[d][i][k].best_rate, (unsigned long long)s, &jobs[m++]);
    if (!rc)
        rc = pm_study_batch(o, jobs, m, &slots, &secs, err);
    D->seconds += secs;
    D->n_runs += m;
    if (!rc && !(buf = malloc((size_t)m * sizeof *buf))) {
        snprintf(err, PM_CFG_ERR_MAX, "out of memory");
        rc = PM_EXIT_FAILURE;
    }
    for (int d = 0; !rc && d < nd; d++)
        for (int i = 0; i < ni; i++)
            for (int k = 0; k < PM_DEPTH_N_RULES; k++) {
                char group[PM_BATCH_GROUP_MAX];
                snprintf(group, sizeof group, "d%d/%d/%s@%g", d, i, depth_rules[k], D->cell[d][i][k].best_rate);
                fill_cell(o, slots, m, group, d, &D->cell[d][i][k], buf);
            }
    D->n_depths = rc ? 0 : nd;
    for (int i = 0; !rc && i < PM_DEPTH_N_INITS; i++)   /* an init not run is marked by runs == 0 */
        for (int d = 0; d < nd; d++)
            for (int k = 0; i >= ni && k < PM_DEPTH_N_RULES; k++)
                D->cell[d][i][k].runs = 0;
    if (slots)
        pm_batch_slots_free(slots, m);
    free(slots);
    free(buf);
    free(jobs);
    return rc;
}

/* Success rate against depth, and the deepest hidden layer's RMS weight change against depth, one line per rule
 * and init. */
int pm_study_depth_figures(const pm_study_options *o, const pm_study_result *res, char *err)
{
    const pm_depth_result *D = &res->depth;
    if (!D->n_depths)
        return 0;
    static char names[PM_DEPTH_N_INITS * PM_DEPTH_N_RULES][40];
    double x[PM_DEPTH_N_DEPTHS], y[2][PM_DEPTH_N_INITS * PM_DEPTH_N_RULES][PM_DEPTH_N_DEPTHS];
    pm_plot_series s[2][PM_DEPTH_N_INITS * PM_DEPTH_N_RULES];
    int n = 0, positive = 1, finite = 1;
    for (int d = 0; d < D->n_depths; d++)
        x[d] = D->depths[d];
    for (int i = 0; i < PM_DEPTH_N_INITS; i++)
        for (int k = 0; k < PM_DEPTH_N_RULES; k++) {
            if (!D->cell[0][i][k].runs)
                continue;
            snprintf(names[n], sizeof names[n], "%s, %s", depth_rules[k], init_names[i]);
            for (int d = 0; d < D->n_depths; d++) {
                const pm_depth_cell *c = &D->cell[d][i][k];
                y[0][n][d] = c->runs ? (double)c->ok / c->runs : 0;
                y[1][n][d] = c->rms_deep;
                positive &= c->rms_deep > 0;
                finite &= isfinite(c->rms_deep) != 0;
            }
            s[0][n] = (pm_plot_series){names[n], x, y[0][n], D->n_depths};
            s[1][n] = (pm_plot_series){names[n], x, y[1][n], D->n_depths};
            n++;
        }
    const char *files[2] = {"depth_success.png", "depth_rms.png"};
    const char *ylabels[2] = {"success rate (fraction of runs)",
                              "median RMS weight change of the deepest hidden layer"};
    const char *titles[2] = {"Success against depth (each cell at its best rate)",
                             "Weight change of the deepest hidden layer against depth"};
    for (int f = 0; f < 2 - !finite; f++) {   /* no weight-change figure if some cell has no value */
        char path[PM_CFG_PATH_MAX + 64];
        snprintf(path, sizeof path, "%s/%s", o->out, files[f]);
        pm_plot_xy_spec xy = {.series = s[f], .n_series = n, .xlabel = "hidden layers (of 10 neurons)",
                              .ylabel = ylabels[f], .log_x = 1, .log_y = f == 1 && positive, .markers = 1,
                              .title = titles[f], .width = 820, .height = 520};
        pm_status st = pm_plot_xy(path, &xy);
        if (st) {
            snprintf(err, PM_CFG_ERR_MAX, "%.400s: %s", path, pm_status_str(st));
            return PM_EXIT_FAILURE;
        }
    }
    return 0;
}

int pm_study_md_depth(FILE *f, const pm_study_result *res)
{
    const pm_depth_result *D = &res->depth;
    fprintf(f, "### (b) Is P&M free from the need for normalisation in deep networks?\n\n");
    if (!D->n_depths) {
        fprintf(f, "Not measured in this report.\n\n");
        return -1;
    }
    fprintf(f, "Hidden layers of 10 neurons at depths");
    for (int d = 0; d < D->n_depths; d++)
        fprintf(f, " %d", D->depths[d]);
    fprintf(f, "; init `paper`, `symmetric`, and `symmetric` with tanh units; rules BP, P&M and sign-only, each "
               "cell at its best rate of a 3-decade sweep (1 sweep seed), evaluated on seeds 1..%d; on the study "
               "preset (speed 60, no wheel noise, hold 200, cap %d steps: the setting SPEC §9 measured; whether a "
               "learning signal reaches deep layers does not need the noisy benchmark); %d runs in %.1f s. Success (successes/runs), the deepest "
               "hidden layer's RMS weight change and the median max |w|:\n\n| init | rule |",
            D->seeds, PM_DEPTH_MAX_STEPS, D->n_runs, D->seconds);
    for (int d = 0; d < D->n_depths; d++)
        fprintf(f, " depth %d |", D->depths[d]);
    fprintf(f, "\n|---|---|");
    for (int d = 0; d < D->n_depths; d++)
        fprintf(f, "---|");
    fprintf(f, "\n");
    int survives = 0, wide_d = -1, wide_i = -1;
    for (int i = 0; i < PM_DEPTH_N_INITS; i++)
        for (int k = 0; k < PM_DEPTH_N_RULES; k++) {
            if (!D->cell[0][i][k].runs)
                continue;
            fprintf(f, "| %s | %s |", init_names[i], depth_rules[k]);
            for (int d = 0; d < D->n_depths; d++) {
                const pm_depth_cell *c = &D->cell[d][i][k];
                char a[32], b[32];
                fprintf(f, " %d/%d, dW %s, max w %s (eta %g) |", c->ok, c->runs, pm_study_num(a, 32, c->rms_deep),
                        pm_study_num(b, 32, c->maxw), c->best_rate);
                const pm_depth_cell *bp = &D->cell[d][i][0];
                /* a sign rule succeeds in at least half of its runs where BP succeeds in fewer than half */
                if (k > 0 && c->runs && 2 * c->ok >= c->runs && 2 * bp->ok < bp->runs) {
                    survives = 1;
                    if (D->depths[d] > wide_d)
                        wide_d = D->depths[d], wide_i = i;
                }
            }
            fprintf(f, "\n");
        }
    fprintf(f, "\nVerdict: %s", survives ? "P&M or sign-only keep succeeding where BP does not" : "there is no depth at "
                                           "which P&M or sign-only succeed in at least half of the runs while BP does not");
    if (survives)
        fprintf(f, " (deepest such cell: %d layers, init %s). Compare the max |w| column: large weights there mean "
                   "units driven into saturation rather than a normalisation-free signal path", wide_d,
                init_names[wide_i]);
    int finite = 1;   /* the weight-change figure is drawn only when every cell has a value */
    for (int i = 0; i < PM_DEPTH_N_INITS; i++)
        for (int k = 0; k < PM_DEPTH_N_RULES; k++)
            for (int d = 0; D->cell[0][i][k].runs && d < D->n_depths; d++)
                finite &= isfinite(D->cell[d][i][k].rms_deep) != 0;
    fprintf(f, ".\n\n![success against depth](depth_success.png)\n%s\n",
            finite ? "![weight change against depth](depth_rms.png)\n" : "");
    return survives;
}
