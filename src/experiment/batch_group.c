/* Grouping and summaries of a batch, the same for compare, sweep and merge (SPEC §11: rule + every varied config
 * key), the result schema of their --json, and the one-call batch for programs. */
#define _POSIX_C_SOURCE 200809L /* strdup, strndup */
#include "primod/batch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "primod/notify.h"
#include "primod/stats.h"

/* ---- one group's statistics ---- */

/* Summarises the slots of idx (m of them, all with a result). buf: (2m) scratch. */
static void summarize(const pm_batch_slot *slots, const int *idx, int m, double *buf, pm_batch_summary *g)
{
    double final_sum = 0, *integrals = buf + m;
    memset(g, 0, sizeof *g);
    snprintf(g->group, sizeof g->group, "%s", slots[idx[0]].group);
    snprintf(g->rule, sizeof g->rule, "%s", slots[idx[0]].res.rule);
    g->rate = slots[idx[0]].res.rate;
    g->first = idx[0];
    for (int i = 0; i < m; i++) {
        const pm_run_result *r = &slots[idx[i]].res;
        if (r->success)
            buf[g->successes++] = (double)r->success_step;
        g->lost += r->lost;
        g->diverged += r->diverged;
        integrals[g->runs++] = r->error_integral;
        final_sum += r->final_mean_abs_error;
        if (r->steps_per_second > 0)
            g->wall_seconds += (double)r->steps / r->steps_per_second;
    }
    g->success_rate = (double)g->successes / g->runs;
    if (pm_stats_wilson(g->successes, g->runs, 0.95, &g->success_lo, &g->success_hi))
        g->success_lo = g->success_hi = NAN;
    g->median_success_step = g->iqr_lo = g->iqr_hi = NAN;
    if (g->successes) {
        pm_stats_median(buf, g->successes, &g->median_success_step);
        pm_stats_quantile(buf, g->successes, 0.25, &g->iqr_lo);
        pm_stats_quantile(buf, g->successes, 0.75, &g->iqr_hi);
    }
    if (pm_stats_median(integrals, g->runs, &g->median_error_integral))
        g->median_error_integral = NAN;
    g->mean_final_abs_error = final_sum / g->runs;
    /* controller quality (SPEC §9): smooth successes with their Wilson interval, median chatter (measured runs) */
    int k = 0;
    for (int i = 0; i < m; i++) {
        const pm_run_result *r = &slots[idx[i]].res;
        g->smooth_successes += r->smooth_success;
        if (!isnan(r->chatter))
            buf[k++] = r->chatter;
    }
    g->smooth_rate = (double)g->smooth_successes / g->runs;
    if (pm_stats_wilson(g->smooth_successes, g->runs, 0.95, &g->smooth_lo, &g->smooth_hi))
        g->smooth_lo = g->smooth_hi = NAN;
    if (!k || pm_stats_median(buf, k, &g->median_chatter))
        g->median_chatter = NAN;
}

int pm_batch_summarize(const pm_batch_slot *slots, int n, pm_batch_summary **out, int *n_groups)
{
    *out = calloc((size_t)(n ? n : 1), sizeof **out);
    double *buf = calloc((size_t)(2 * n + 1), sizeof *buf);
    int *idx = calloc((size_t)(n ? n : 1), sizeof *idx);
    char *seen = calloc((size_t)(n ? n : 1), 1);
    *n_groups = 0;
    if (!*out || !buf || !idx || !seen) {
        free(*out);
        *out = NULL;
    }
    for (int i = 0; *out && i < n; i++) {
        if (seen[i] || !slots[i].json || slots[i].interrupted)
            continue;
        int m = 0;
        for (int k = i; k < n; k++)
            if (!seen[k] && slots[k].json && !slots[k].interrupted && !strcmp(slots[k].group, slots[i].group)) {
                seen[k] = 1;
                idx[m++] = k;
            }
        summarize(slots, idx, m, buf, &(*out)[(*n_groups)++]);
    }
    free(buf);
    free(idx);
    free(seen);
    return *out ? 0 : -1;
}

/* ---- grouping by rule and varied keys ---- */

const char *pm_batch_slot_value(const pm_batch_slot *slot, const char *key, char *buf, size_t n)
{
    size_t len = strlen(key);
    buf[0] = '\0';
    for (const char *p = slot->flat; p && *p;) {
        const char *end = strchr(p, '\n');
        if (!end)
            end = p + strlen(p);
        if (!strncmp(p, key, len) && p[len] == '=') {
            snprintf(buf, n, "%.*s", (int)(end - p - (ptrdiff_t)len - 1), p + len + 1);
            break;
        }
        p = *end ? end + 1 : end;
    }
    return buf;
}

/* Compares two value texts: as numbers (lists element by element) when both are, else as strings. */
static int cmp_values(const char *a, const char *b)
{
    for (;;) {
        char *ea, *eb;
        double x = strtod(a, &ea), y = strtod(b, &eb);
        if (ea == a || eb == b || (*ea && *ea != ',') || (*eb && *eb != ','))
            return strcmp(a, b);
        if (x != y)
            return x < y ? -1 : 1;
        if (!*ea || !*eb)
            return (*ea != 0) - (*eb != 0);
        a = ea + 1;
        b = eb + 1;
    }
}

/* Sort state of the groups (qsort has no context argument). */
static const pm_batch_slot *g_slots;
static const pm_batch_report *g_rep;

static int cmp_groups(const void *pa, const void *pb)
{
    const pm_batch_summary *a = pa, *b = pb;
    int c = strcmp(a->rule, b->rule);
    for (int k = 0; !c && k < g_rep->n_keys; k++) {
        char va[PM_CFG_PATH_MAX], vb[PM_CFG_PATH_MAX];
        c = cmp_values(pm_batch_slot_value(&g_slots[a->first], g_rep->keys[k], va, sizeof va),
                       pm_batch_slot_value(&g_slots[b->first], g_rep->keys[k], vb, sizeof vb));
    }
    return c ? c : a->first - b->first;
}

static int cmp_flat(const void *pa, const void *pb)
{
    int a = *(const int *)pa, b = *(const int *)pb, c = strcmp(g_slots[a].flat, g_slots[b].flat);
    return c ? c : a - b;
}

/* Appends " key=value" with numbers as %g ("1e-05", "20,10") to label. */
static void append_param(char *label, size_t n, const char *key, const char *value)
{
    size_t used = strlen(label);
    if (used >= n - 1)
        return;
    used += (size_t)snprintf(label + used, n - used, " %s=", key);
    for (const char *p = value; used < n - 1 && *p;) {
        char *end;
        double x = strtod(p, &end);
        if (end == p || (*end && *end != ',')) {   /* not a number list: the text as it is */
            snprintf(label + used, n - used, "%s", p);
            return;
        }
        used += (size_t)snprintf(label + used, n - used, "%s%g", p == value ? "" : ",", x);
        p = *end ? end + 1 : end;
    }
}

int pm_batch_group(pm_batch_slot *slots, int n, pm_batch_report *rep)
{
    memset(rep, 0, sizeof *rep);
    int *idx = malloc((size_t)(n ? n : 1) * sizeof *idx), m = 0;
    if (!idx)
        return -1;
    for (int i = 0; i < n; i++) {
        rep->interrupted += slots[i].interrupted;
        rep->failed += slots[i].failed;
        if (slots[i].json && !slots[i].interrupted)
            idx[m++] = i;
    }
    rep->results = m;
    /* distinct configs (seed excluded): sorted, so equal ones are neighbours; reps[] one slot of each */
    g_slots = slots;
    qsort(idx, (size_t)m, sizeof *idx, cmp_flat);
    int *reps = malloc((size_t)(m ? m : 1) * sizeof *reps), n_reps = 0;
    if (!reps) {
        free(idx);
        return -1;
    }
    for (int i = 0; i < m; i++)
        if (!i || strcmp(slots[idx[i]].flat, slots[idx[i - 1]].flat))
            reps[n_reps++] = idx[i];
    /* the varied keys: those whose value differs between two distinct configs, in config order */
    int bad = 0;
    for (const char *p = n_reps ? slots[reps[0]].flat : ""; *p && !bad;) {
        const char *eq = strchr(p, '='), *end = strchr(p, '\n');
        if (!eq || !end)
            break;
        char key[128], v0[PM_CFG_PATH_MAX], v[PM_CFG_PATH_MAX];
        snprintf(key, sizeof key, "%.*s", (int)(eq - p), p);
        pm_batch_slot_value(&slots[reps[0]], key, v0, sizeof v0);
        int varies = 0;
        for (int r = 1; r < n_reps && !varies; r++)
            varies = strcmp(v0, pm_batch_slot_value(&slots[reps[r]], key, v, sizeof v)) != 0;
        if (varies && strcmp(key, "learning.rule")) {   /* the rule has its own field */
            char **keys = realloc(rep->keys, (size_t)(rep->n_keys + 1) * sizeof *keys);
            if (keys)
                rep->keys = keys;
            if (!keys || !(rep->keys[rep->n_keys] = strdup(key)))
                bad = 1;
            else
                rep->n_keys++;
        }
        p = end + 1;
    }
    /* labels: every slot of a config gets its config's label */
    for (int i = 0; i < m && !bad; i++) {
        pm_batch_slot *s = &slots[idx[i]];
        snprintf(s->group, sizeof s->group, "%s", s->res.rule);
        for (int k = 0; k < rep->n_keys; k++) {
            char v[PM_CFG_PATH_MAX];
            append_param(s->group, sizeof s->group, rep->keys[k], pm_batch_slot_value(s, rep->keys[k], v, sizeof v));
        }
    }
    /* summaries per distinct config (labels could coincide after %g), then sorted */
    rep->groups = calloc((size_t)(n_reps ? n_reps : 1), sizeof *rep->groups);
    double *buf = calloc((size_t)(2 * m + 1), sizeof *buf);
    if (!rep->groups || !buf)
        bad = 1;
    for (int i = 0, start = 0; !bad && i <= m; i++) {
        if (i < m && (i == start || !strcmp(slots[idx[i]].flat, slots[idx[start]].flat)))
            continue;
        if (i > start) {
            /* the group's slots in job (or file) order, so its first run is the earliest */
            int *g = idx + start, len = i - start;
            for (int a = 1; a < len; a++)
                for (int b = a; b > 0 && g[b - 1] > g[b]; b--) {
                    int t = g[b];
                    g[b] = g[b - 1];
                    g[b - 1] = t;
                }
            summarize(slots, g, len, buf, &rep->groups[rep->n_groups++]);
        }
        start = i;
    }
    free(buf);
    free(idx);
    free(reps);
    if (bad) {
        pm_batch_report_free(rep);
        return -1;
    }
    g_rep = rep;
    qsort(rep->groups, (size_t)rep->n_groups, sizeof *rep->groups, cmp_groups);
    return 0;
}

void pm_batch_report_free(pm_batch_report *rep)
{
    for (int k = 0; k < rep->n_keys; k++)
        free(rep->keys[k]);
    free(rep->keys);
    free(rep->groups);
    memset(rep, 0, sizeof *rep);
}

/* ---- output ---- */

void pm_batch_print_table(const pm_batch_summary *g, int n, FILE *f)
{
    int w = 28;   /* the group column fits the longest label */
    for (int i = 0; i < n; i++)
        if ((int)strlen(g[i].group) > w)
            w = (int)strlen(g[i].group);
    fprintf(f, "%-*s %-9s %5s %8s %12s %21s %13s %10s %9s %7s %8s\n", w, "group", "rate", "runs", "success",
            "median step", "IQR of step", "err integral", "final |E|", "wall s", "smooth", "chatter");
    for (int i = 0; i < n; i++) {
        char med[32] = "-", iqr[48] = "-";
        if (g[i].successes) {
            snprintf(med, sizeof med, "%.1f", g[i].median_success_step);
            snprintf(iqr, sizeof iqr, "[%.1f, %.1f]", g[i].iqr_lo, g[i].iqr_hi);
        }
        fprintf(f, "%-*s %-9.3g %5d %7.0f%% %12s %21s %13.5g %10.3g %9.2f %6.0f%% %8.3g\n", w, g[i].group, g[i].rate,
                g[i].runs, 100 * g[i].success_rate, med, iqr, g[i].median_error_integral, g[i].mean_final_abs_error,
                g[i].wall_seconds, 100 * g[i].smooth_rate, g[i].median_chatter);
    }
}

void pm_batch_print_best(const pm_batch_summary *g, int n, FILE *f)
{
    for (int i = 0; i < n; i++) {
        int best = i, first = 1;   /* print each rule once, at its first group */
        for (int k = 0; k < i && first; k++)
            first = strcmp(g[k].rule, g[i].rule) != 0;
        if (!first)
            continue;
        for (int k = i; k < n; k++) {
            if (strcmp(g[k].rule, g[i].rule))
                continue;
            const pm_batch_summary *x = &g[k], *b = &g[best];
            double mx = isnan(x->median_success_step) ? INFINITY : x->median_success_step;
            double mb = isnan(b->median_success_step) ? INFINITY : b->median_success_step;
            if (x->success_rate > b->success_rate ||
                (x->success_rate == b->success_rate &&
                 (mx < mb || (mx == mb && x->median_error_integral < b->median_error_integral))))
                best = k;
        }
        fprintf(f, "best for %s: %s\n", g[i].rule, g[best].group);
    }
}

/* "key": [lo, hi], an interval of the summary. */
static void kv_interval(pm_json *j, const char *key, double lo, double hi)
{
    pm_json_key(j, key);
    pm_json_begin_array(j);
    pm_json_double(j, lo);
    pm_json_double(j, hi);
    pm_json_end_array(j);
}

/* The statistics of one summary as members of the object being written. */
static void summary_fields(const pm_batch_summary *g, pm_json *j)
{
    pm_json_kv_string(j, "rule", g->rule);
    pm_json_kv_double(j, "rate", g->rate);
    pm_json_kv_long(j, "runs", g->runs);
    pm_json_kv_long(j, "successes", g->successes);
    pm_json_kv_long(j, "lost", g->lost);
    pm_json_kv_long(j, "diverged", g->diverged);
    pm_json_kv_double(j, "success_rate", g->success_rate);
    kv_interval(j, "success_rate_ci95", g->success_lo, g->success_hi);
    pm_json_kv_double(j, "median_success_step", g->median_success_step);
    if (g->successes) {
        kv_interval(j, "iqr", g->iqr_lo, g->iqr_hi);
    } else {
        pm_json_key(j, "iqr");
        pm_json_null(j);
    }
    pm_json_kv_double(j, "median_error_integral", g->median_error_integral);
    pm_json_kv_double(j, "mean_final_abs_error", g->mean_final_abs_error);
    pm_json_kv_double(j, "wall_seconds", g->wall_seconds);
    pm_json_kv_long(j, "smooth_successes", g->smooth_successes);
    pm_json_kv_double(j, "smooth_success_rate", g->smooth_rate);
    kv_interval(j, "smooth_success_rate_ci95", g->smooth_lo, g->smooth_hi);
    pm_json_kv_double(j, "median_chatter", g->median_chatter);
}

void pm_batch_summary_json(const pm_batch_summary *g, pm_json *j)
{
    pm_json_begin_object(j);
    summary_fields(g, j);
    pm_json_end_object(j);
}

/* A param value as a JSON number when the whole text is one, else as a string ("paper", "20,10", "true"). */
static void param_value(pm_json *j, const char *v)
{
    char *end;
    double x = strtod(v, &end);
    if (end != v && !*end && isfinite(x))
        pm_json_double(j, x);
    else
        pm_json_string(j, v);
}

void pm_batch_result_json(const pm_batch_slot *slots, int n, const pm_batch_report *rep,
                          const pm_batch_skipped *skipped, pm_json *j)
{
    pm_json_begin_object(j);
    pm_json_key(j, "runs");
    pm_json_begin_array(j);
    for (int i = 0; i < n; i++)
        if (slots[i].json && !slots[i].interrupted)
            pm_json_raw(j, slots[i].json);
    pm_json_end_array(j);
    pm_json_key(j, "params");
    pm_json_begin_array(j);
    for (int k = 0; k < rep->n_keys; k++)
        pm_json_string(j, rep->keys[k]);
    pm_json_end_array(j);
    pm_json_key(j, "groups");
    pm_json_begin_array(j);
    for (int i = 0; i < rep->n_groups; i++) {
        const pm_batch_summary *g = &rep->groups[i];
        pm_json_begin_object(j);
        pm_json_kv_string(j, "label", g->group);
        pm_json_key(j, "params");
        pm_json_begin_object(j);
        for (int k = 0; k < rep->n_keys; k++) {
            char v[PM_CFG_PATH_MAX];
            pm_json_key(j, rep->keys[k]);
            param_value(j, pm_batch_slot_value(&slots[g->first], rep->keys[k], v, sizeof v));
        }
        pm_json_end_object(j);
        summary_fields(g, j);
        pm_json_end_object(j);
    }
    pm_json_end_array(j);
    pm_json_key(j, "skipped");
    pm_json_begin_object(j);
    pm_json_kv_long(j, "interrupted", rep->interrupted + (skipped ? skipped->interrupted : 0));
    pm_json_kv_long(j, "failed", rep->failed);
    pm_json_kv_long(j, "other_version", skipped ? skipped->other_version : 0);
    pm_json_kv_long(j, "duplicates", skipped ? skipped->duplicates : 0);
    pm_json_end_object(j);
    pm_json_end_object(j);
}

/* ---- the whole batch in one call ---- */

int pm_batch_run_request(const pm_batch_request *req, const volatile sig_atomic_t *stop, pm_batch_outcome *out,
                         char *err)
{
    memset(out, 0, sizeof *out);
    int rc = pm_batch_plan(req, &out->jobs, &out->n, err);
    if (rc)
        return rc;
    out->slots = calloc((size_t)out->n + 1, sizeof *out->slots);
    if (!out->slots) {
        snprintf(err, PM_CFG_ERR_MAX, "out of memory");
        pm_batch_outcome_free(out);
        return PM_EXIT_FAILURE;
    }
    rc = pm_batch_execute(req->cmd, out->jobs, out->n, req->workers, req->out_dir, !req->quiet, stop, out->slots);
    if (pm_batch_group(out->slots, out->n, &out->rep)) {
        snprintf(err, PM_CFG_ERR_MAX, "out of memory");
        return PM_EXIT_FAILURE;
    }
    if (rc)
        snprintf(err, PM_CFG_ERR_MAX, rc > 128 ? "stopped by signal %d: %d of %d runs finished"
                                               : "%d of %d runs finished (see the messages above)",
                 rc > 128 ? rc - 128 : out->rep.results, rc > 128 ? out->rep.results : out->n, out->n);
    return rc;
}

void pm_batch_outcome_free(pm_batch_outcome *out)
{
    pm_batch_report_free(&out->rep);
    pm_batch_slots_free(out->slots, out->n);
    free(out->slots);
    free(out->jobs);
    memset(out, 0, sizeof *out);
}

int pm_batch_json_from_args(const char *cmd, int sweep, int argc, char **argv, const volatile sig_atomic_t *stop,
                            char **json, char *err)
{
    pm_batch_request req;
    pm_batch_outcome out;
    memset(&out, 0, sizeof out);
    *json = NULL;
    int rc = pm_batch_parse_args(cmd, sweep, argc, argv, &req, err);
    if (!rc && (req.emit || req.slurm_file || req.plots_dir)) {
        snprintf(err, PM_CFG_ERR_MAX, "--emit-commands, --slurm and --plots are command-line only");
        rc = PM_EXIT_USAGE;
    }
    if (!rc)
        rc = pm_batch_check_targets(&req, err);
    if (!rc) {
        rc = pm_batch_run_request(&req, stop, &out, err);
        if (out.slots) {   /* the partial result too: after a failed run or a signal */
            pm_json j;
            pm_json_init(&j);
            pm_batch_result_json(out.slots, out.n, &out.rep, NULL, &j);
            *json = j.failed ? NULL : strdup(pm_json_text(&j));
            pm_json_free(&j);
            if (!*json) {
                snprintf(err, PM_CFG_ERR_MAX, "out of memory");
                rc = PM_EXIT_FAILURE;
            }
        }
    }
    pm_batch_outcome_free(&out);
    pm_batch_request_free(&req);
    return rc;
}
