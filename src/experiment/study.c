/* The standard study behind `primod report` (SPEC §9 noisy preset): a rate sweep on seeds disjoint from the
 * evaluation seeds, each rule at its best rate and BP / P&M at the authors' rates over seeds x tracks, and the
 * per-rule analysis with the controller quality (stats.h). */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "primod/study.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "primod/notify.h"
#include "primod/stats.h"

/* The rules of the study and their rate grids, one rate per decade. SPEC §6 names BP 1e-3..10 and the sign rules
 * 1e-6..1e-1 for the study preset; on the noisy preset the best rates sit at BP 1..10, the sign rules 1e-2..1e-1
 * and the saturation-aware rules 1 (docs/study-variants.md), and the lowest decades only fail at the step cap,
 * which is the most expensive run there is: the grids are the 4 decades ending one decade above those best rates,
 * so a best rate at the top edge would show. The authors' rates are evaluated on their own (below). The
 * saturation-aware rules carry f'(v) <= 1/4 in every update, hence their higher grid. */
static const struct {
    const char *name;
    double rates[PM_STUDY_MAX_RATES];
    int n_rates;
    double quick[2];   /* --quick: two decades */
} study_rules[PM_STUDY_N_RULES] = {
    {"reflex", {0}, 0, {0, 0}},
    {"bp", {1e-2, 1e-1, 1, 10}, 4, {1e-1, 10}},
    {"pm", {1e-4, 1e-3, 1e-2, 1e-1}, 4, {1e-2, 1e-1}},
    {"sr", {1e-4, 1e-3, 1e-2, 1e-1}, 4, {1e-2, 1e-1}},
    {"sign", {1e-4, 1e-3, 1e-2, 1e-1}, 4, {1e-2, 1e-1}},
    {"sat", {1e-2, 1e-1, 1, 10}, 4, {1e-1, 1}},
    {"satsign", {1e-2, 1e-1, 1, 10}, 4, {1e-1, 1}},
    {"motion", {1e-4, 1e-3, 1e-2, 1e-1}, 4, {1e-2, 1e-1}},
};

/* The authors' rates (SPEC §6), evaluated beside the best rates. */
static const struct {
    const char *rule, *group;
    double rate;
} authors_rates[PM_STUDY_N_AUTHORS] = {{"bp", "bp@authors", 0.1}, {"pm", "pm@authors", 1e-5}};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int pm_study_check_setup(const pm_study_options *o, char *err)
{
    for (int t = 0; t < o->n_tracks; t++) {
        pm_config c = o->base;
        snprintf(c.track, sizeof c.track, "%s", o->tracks[t]);
        pm_runner *r;
        int rc = pm_runner_create(&c, NULL, &r, err);
        if (rc)
            return rc;
        pm_runner_destroy(r);
    }
    return 0;
}

int pm_study_rule_index(const pm_study_result *res, const char *name)
{
    for (int k = 0; k < PM_STUDY_N_RULES; k++)
        if (res->rule[k].rule && !strcmp(res->rule[k].rule, name))
            return k;
    return -1;
}

/* Fills one job: the base config with rule, rate, seed and track set; group as given. */
static void make_job(const pm_study_options *o, const char *rule, double rate, unsigned long long seed, int track,
                     const char *group, pm_batch_job *job)
{
    job->cfg = o->base;
    job->cfg.rule = pm_config_rule_parse(rule);
    job->cfg.rate = rate;
    job->cfg.seed = seed;
    snprintf(job->cfg.track, sizeof job->cfg.track, "%s", o->tracks[track]);
    snprintf(job->group, sizeof job->group, "%s", group);
    char err[PM_CFG_ERR_MAX];
    if (pm_batch_job_name(job, NULL, 0, err))
        snprintf(job->file, sizeof job->file, "unnamed.json");
}

/* Runs jobs (n) through the CLI helper's worker pool; *slots allocated. Returns an exit code. */
int pm_study_batch(const pm_study_options *o, pm_batch_job *jobs, int n, pm_batch_slot **slots, double *secs,
                   char *err)
{
    *slots = calloc((size_t)n, sizeof **slots);
    if (!*slots) {
        snprintf(err, PM_CFG_ERR_MAX, "out of memory");
        return PM_EXIT_FAILURE;
    }
    double t0 = now_seconds();
    int rc = pm_batch_execute("report", jobs, n, o->jobs, o->runs_dir, !o->quiet, o->stop, *slots);
    *secs = now_seconds() - t0;
    int done = 0;
    for (int i = 0; i < n; i++)
        done += (*slots)[i].json && !(*slots)[i].interrupted;
    if (rc > 128)
        snprintf(err, PM_CFG_ERR_MAX, "stopped by signal %d: %d of %d runs of this phase finished%s", rc - 128, done,
                 n, o->runs_dir ? " (kept in --runs DIR: the next report resumes there)" : "");
    else if (rc)
        snprintf(err, PM_CFG_ERR_MAX, "a run of the study failed (see the message above)");
    return rc;
}

/* ---- phase 1: the rate sweep ---- */

static int sweep(const pm_study_options *o, pm_study_result *res, char *err)
{
    int n = 0, cap = 0;
    for (int k = 1; k < PM_STUDY_N_RULES; k++)
        cap += (o->quick ? 2 : study_rules[k].n_rates) * o->n_tracks * o->sweep_seeds;
    pm_batch_job *jobs = calloc((size_t)cap, sizeof *jobs);
    if (!jobs) {
        snprintf(err, PM_CFG_ERR_MAX, "out of memory");
        return PM_EXIT_FAILURE;
    }
    for (int k = 1; k < PM_STUDY_N_RULES; k++) {
        pm_study_rule *r = &res->rule[k];
        r->n_rates = o->quick ? 2 : study_rules[k].n_rates;
        for (int j = 0; j < r->n_rates; j++) {
            r->rates[j] = o->quick ? study_rules[k].quick[j] : study_rules[k].rates[j];
            char group[64];
            snprintf(group, sizeof group, "%s@%g", r->rule, r->rates[j]);
            for (int t = 0; t < o->n_tracks; t++)
                for (int s = 0; s < o->sweep_seeds; s++)
                    make_job(o, r->rule, r->rates[j], PM_STUDY_SWEEP_SEED0 + (unsigned long long)s, t, group, &jobs[n++]);
        }
    }
    res->n_sweep_runs = n;
    int rc = pm_study_batch(o, jobs, n, &res->sweep, &res->sweep_seconds, err);
    free(jobs);
    return rc;
}

/* Median of the error integrals of the slots of one rule and rate (buf: scratch of n). */
static double median_ei(const pm_batch_slot *s, int n, const char *rule, double rate, double *buf, int *runs,
                        int *ok)
{
    int m = 0;
    *runs = *ok = 0;
    for (int i = 0; i < n; i++)
        if (s[i].json && !strcmp(s[i].res.rule, rule) && s[i].res.rate == rate) {
            if (!s[i].res.lost && !s[i].res.diverged)   /* cut short: a lost run's integral would look good */
                buf[m++] = s[i].res.error_integral;
            (*runs)++, *ok += s[i].res.success;
        }
    double med = NAN;
    if (m)
        pm_stats_median(buf, m, &med);
    return med;
}

/* Best rate of each learning rule: most successful sweep runs, ties broken by the lower median error integral. */
static int pick_best_rates(pm_study_result *res, char *err)
{
    double *buf = malloc((size_t)(res->n_sweep_runs > 0 ? res->n_sweep_runs : 1) * sizeof *buf);
    if (!buf) {
        snprintf(err, PM_CFG_ERR_MAX, "out of memory");
        return PM_EXIT_FAILURE;
    }
    for (int k = 1; k < PM_STUDY_N_RULES; k++) {
        pm_study_rule *r = &res->rule[k];
        int best = 0;
        for (int j = 0; j < r->n_rates; j++) {
            r->sweep_ei[j] = median_ei(res->sweep, res->n_sweep_runs, r->rule, r->rates[j], buf, &r->sweep_runs[j],
                                       &r->sweep_ok[j]);
            int better = r->sweep_ok[j] > r->sweep_ok[best] ||
                         (r->sweep_ok[j] == r->sweep_ok[best] && r->sweep_ei[j] < r->sweep_ei[best]);
            if (j && better)
                best = j;
        }
        r->best_rate = r->rates[best];
    }
    free(buf);
    return 0;
}

/* ---- phase 2: every rule at its best rate ---- */

static int evaluate(const pm_study_options *o, pm_study_result *res, char *err)
{
    int n = 0, cap = (PM_STUDY_N_RULES + PM_STUDY_N_AUTHORS) * o->n_tracks * o->seeds;
    pm_batch_job *jobs = calloc((size_t)cap, sizeof *jobs);
    if (!jobs) {
        snprintf(err, PM_CFG_ERR_MAX, "out of memory");
        return PM_EXIT_FAILURE;
    }
    for (int k = 0; k < PM_STUDY_N_RULES; k++)
        for (int t = 0; t < o->n_tracks; t++)
            for (int s = 1; s <= o->seeds; s++)
                make_job(o, res->rule[k].rule, res->rule[k].best_rate, (unsigned long long)s, t, res->rule[k].group,
                         &jobs[n++]);
    for (int a = 0; a < PM_STUDY_N_AUTHORS; a++)
        for (int t = 0; t < o->n_tracks; t++)
            for (int s = 1; s <= o->seeds; s++)
                make_job(o, authors_rates[a].rule, authors_rates[a].rate, (unsigned long long)s, t,
                         authors_rates[a].group, &jobs[n++]);
    res->n_eval_runs = n;
    int rc = pm_study_batch(o, jobs, n, &res->eval, &res->eval_seconds, err);
    free(jobs);
    return rc;
}

/* Weights of each layer (biases included), for the per-weight RMS change; sizes: (PM_RUN_MAX_LAYERS). */
static int layer_weight_counts(const pm_config *c, double *w)
{
    int in = c->predictor_rows * c->predictor_count * c->filter_n, n = 0;
    int hidden = c->n_hidden > 0 ? c->n_hidden : c->hidden_layers;
    for (int l = 0; l <= hidden && n < PM_RUN_MAX_LAYERS; l++) {
        int size = l == hidden ? c->outputs : c->n_hidden > 0 ? c->hidden[l] : c->hidden_width;
        w[n++] = (double)size * (in + (c->bias ? 1 : 0));
        in = size;
    }
    return n;
}

void pm_study_quartiles(const double *x, int n, double *med, double *q1, double *q3)
{
    *med = *q1 = *q3 = NAN;
    if (n < 1)
        return;
    pm_stats_median(x, n, med);
    pm_stats_quantile(x, n, 0.25, q1);
    pm_stats_quantile(x, n, 0.75, q3);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Distribution-free ~95% interval of the median from order statistics: with n values sorted, the ranks
 * j = n/2 - 1.96 sqrt(n)/2 and k = n/2 + 1 + 1.96 sqrt(n)/2 (1-based, rounded; normal approximation of the
 * Binomial(n, 1/2) count below the median, Conover, Practical Nonparametric Statistics §3.2), clipped to 1..n.
 * x is sorted in place. */
static void median_ci(double *x, int n, double *lo, double *hi)
{
    *lo = *hi = NAN;
    if (n < 1)
        return;
    qsort(x, (size_t)n, sizeof *x, cmp_double);
    double half = 1.96 * sqrt((double)n) / 2;
    long j = lround(n / 2.0 - half), k = lround(n / 2.0 + 1 + half);
    j = j < 1 ? 1 : j > n ? n : j;
    k = k < 1 ? 1 : k > n ? n : k;
    *lo = x[j - 1];
    *hi = x[k - 1];
}

/* Per-layer median RMS weight change of one rule's evaluation runs (buf: scratch (runs)). */
static void depth_profile(const pm_study_options *o, const pm_batch_slot *s, int n, pm_study_rule *r, double *buf)
{
    double counts[PM_RUN_MAX_LAYERS];
    int nl = layer_weight_counts(&o->base, counts);
    r->n_layers = 0;
    for (int l = 0; l < nl; l++) {
        int m = 0;
        for (int i = 0; i < n; i++)
            if (s[i].json && !strcmp(s[i].group, r->group) && l < s[i].res.n_layers)
                buf[m++] = s[i].res.weight_distance[l] / sqrt(counts[l]);
        if (!m)
            return;
        pm_stats_median(buf, m, &r->layer_rms[l]);
        r->n_layers = l + 1;
    }
}

/* Per-track success counts and median success steps. */
static void per_track(const pm_study_options *o, const pm_batch_slot *s, int n, pm_study_rule *r, double *buf)
{
    for (int t = 0; t < o->n_tracks; t++) {
        int m = 0;
        r->track_runs[t] = r->track_ok[t] = 0;
        for (int i = 0; i < n; i++) {
            if (!s[i].json || strcmp(s[i].group, r->group) || strcmp(s[i].res.track, o->tracks[t]))
                continue;
            r->track_runs[t]++;
            if (s[i].res.success)
                r->track_ok[t]++, buf[m++] = (double)s[i].res.success_step;
        }
        r->track_step[t] = NAN;
        if (m)
            pm_stats_median(buf, m, &r->track_step[t]);
    }
}

/* Median of the finite values of one per-run quality field of a rule's runs (buf: scratch (n)). */
static double quality_median(const pm_batch_slot *s, int n, const char *group, size_t field, double *buf)
{
    int m = 0;
    for (int i = 0; i < n; i++)
        if (s[i].json && !strcmp(s[i].group, group)) {
            double x = *(const double *)((const char *)&s[i].res + field);
            if (isfinite(x))
                buf[m++] = x;
        }
    double med = NAN;
    if (m)
        pm_stats_median(buf, m, &med);
    return med;
}

static int analyse_rule(const pm_study_options *o, const pm_batch_slot *s, int n, pm_study_rule *r)
{
    r->censored = malloc((size_t)(n > 0 ? n : 1) * sizeof(double));
    r->ei = malloc((size_t)(n > 0 ? n : 1) * sizeof(double));
    double *steps = malloc((size_t)(n > 0 ? n : 1) * sizeof(double));
    double *smooth_steps = malloc((size_t)(n > 0 ? n : 1) * sizeof(double));
    if (!r->censored || !r->ei || !steps || !smooth_steps) {
        free(steps);
        free(smooth_steps);
        return -1;
    }
    double final = 0, floor_step = o->base.warmup + o->base.window - 1;
    r->runs = r->ok = r->n_ei = r->lost = r->diverged = r->smooth = r->floor_ok = 0;
    for (int i = 0; i < n; i++) {
        const pm_run_result *x = &s[i].res;
        if (!s[i].json || strcmp(s[i].group, r->group))
            continue;
        /* a failed run is counted at the step cap: it converged no earlier than that (right-censored) */
        r->censored[r->runs] = x->success ? (double)x->success_step : (double)o->base.max_steps;
        /* a lost or diverged run ends early with a small integral that says nothing about control: left out */
        if (!x->lost && !x->diverged)
            r->ei[r->n_ei++] = x->error_integral;
        r->lost += x->lost;
        r->diverged += x->diverged;
        final += x->final_mean_abs_error;
        r->runs++;
        if (x->success) {
            steps[r->ok++] = (double)x->success_step;
            r->floor_ok += x->success_step == floor_step;
        }
        if (x->smooth_success)
            smooth_steps[r->smooth++] = (double)x->success_step;
    }
    r->final_err = r->runs ? final / r->runs : NAN;
    r->ok_lo = r->ok_hi = r->smooth_lo = r->smooth_hi = NAN;
    if (r->runs) {
        pm_stats_wilson(r->ok, r->runs, 0.95, &r->ok_lo, &r->ok_hi);
        pm_stats_wilson(r->smooth, r->runs, 0.95, &r->smooth_lo, &r->smooth_hi);
    }
    double q1, q3;
    pm_study_quartiles(smooth_steps, r->smooth, &r->smooth_step_median, &q1, &q3);
    pm_study_quartiles(steps, r->ok, &r->step_median, &r->step_q1, &r->step_q3);
    pm_study_quartiles(r->ei, r->n_ei, &r->ei_median, &r->ei_q1, &r->ei_q3);
    memcpy(steps, r->ei, (size_t)r->n_ei * sizeof *steps);
    median_ci(steps, r->n_ei, &r->ei_ci_lo, &r->ei_ci_hi);
    r->chatter_median = quality_median(s, n, r->group, offsetof(pm_run_result, chatter), steps);
    r->saturation_median = quality_median(s, n, r->group, offsetof(pm_run_result, saturation), steps);
    r->maxw_median = quality_median(s, n, r->group, offsetof(pm_run_result, max_abs_weight), steps);
    per_track(o, s, n, r, steps);
    depth_profile(o, s, n, r, steps);
    free(steps);
    free(smooth_steps);
    return 0;
}

int pm_study_run(const pm_study_options *o, pm_study_result *res, char *err)
{
    memset(res, 0, sizeof *res);
    for (int k = 0; k < PM_STUDY_N_RULES; k++) {
        res->rule[k].rule = study_rules[k].name;
        snprintf(res->rule[k].group, sizeof res->rule[k].group, "%s", study_rules[k].name);
    }
    for (int a = 0; a < PM_STUDY_N_AUTHORS; a++) {
        res->authors[a].rule = authors_rates[a].rule;
        res->authors[a].best_rate = authors_rates[a].rate;
        snprintf(res->authors[a].group, sizeof res->authors[a].group, "%s", authors_rates[a].group);
    }
    pm_notify(PM_NOTE_INFO, "report", "rate sweep");
    int rc = sweep(o, res, err);
    if (!rc)
        rc = pick_best_rates(res, err);
    if (!rc)
        pm_notify(PM_NOTE_INFO, "report", "evaluation at the best and the authors' rates");
    if (!rc)
        rc = evaluate(o, res, err);
    for (int k = 0; !rc && k < PM_STUDY_N_RULES + PM_STUDY_N_AUTHORS; k++)
        if (analyse_rule(o, res->eval, res->n_eval_runs,
                         k < PM_STUDY_N_RULES ? &res->rule[k] : &res->authors[k - PM_STUDY_N_RULES])) {
            snprintf(err, PM_CFG_ERR_MAX, "out of memory");
            rc = PM_EXIT_FAILURE;
        }
    /* the later parts: (b) depth, generalisation, learning curves (study_depth.c, study_generalise.c,
     * study_curves.c) */
    if (!rc)
        rc = pm_study_depth(o, res, err);
    if (!rc)
        rc = pm_study_generalise(o, res, err);
    if (!rc)
        rc = pm_study_curves(o, res, err);
    return rc;
}

void pm_study_result_free(pm_study_result *res)
{
    if (!res)
        return;
    for (int k = 0; k < PM_STUDY_N_RULES; k++) {
        free(res->rule[k].censored);
        free(res->rule[k].ei);
    }
    for (int a = 0; a < PM_STUDY_N_AUTHORS; a++) {
        free(res->authors[a].censored);
        free(res->authors[a].ei);
    }
    if (res->sweep)
        pm_batch_slots_free(res->sweep, res->n_sweep_runs);
    if (res->eval)
        pm_batch_slots_free(res->eval, res->n_eval_runs);
    free(res->sweep);
    free(res->eval);
    memset(res, 0, sizeof *res);
}
