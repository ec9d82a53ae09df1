/* Pictures of `primod report`: summary figures of the study, example runs recorded in process, impulse response. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "primod/impulse.h"
#include "primod/plot.h"
#include "primod/render.h"
#include "primod/study.h"

/* Median per-weight RMS change per layer, one line per learning rule (SPEC §3 depth question). */
static int depth_figure(const pm_study_options *o, const pm_study_result *res, char *err)
{
    pm_plot_series s[PM_STUDY_N_RULES];
    double layer[PM_RUN_MAX_LAYERS];
    int n = 0, positive = 1;
    for (int l = 0; l < PM_RUN_MAX_LAYERS; l++)
        layer[l] = l + 1;
    for (int k = 0; k < PM_STUDY_N_RULES; k++) {
        const pm_study_rule *r = &res->rule[k];
        if (r->n_layers < 1)
            continue;
        for (int l = 0; l < r->n_layers; l++)
            positive &= r->layer_rms[l] > 0;
        s[n++] = (pm_plot_series){r->rule, layer, r->layer_rms, r->n_layers};
    }
    if (!n)
        return 0;
    char path[PM_CFG_PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/depth.png", o->out);
    pm_plot_xy_spec xy = {.series = s, .n_series = n, .xlabel = "layer (1 = first hidden, last = output)",
                          .ylabel = "median RMS weight change ||W - W0|| / sqrt(weights)", .log_y = positive,
                          .markers = 1, .title = "Weight change per layer at the end of the runs (best rates)",
                          .width = 760, .height = 480};
    pm_status st = pm_plot_xy(path, &xy);
    if (st) {
        snprintf(err, PM_CFG_ERR_MAX, "%.400s: %s", path, pm_status_str(st));
        return PM_EXIT_FAILURE;
    }
    return 0;
}

int pm_report_summary_figures(const pm_study_options *o, const pm_study_result *res, char *err)
{
    char path[PM_CFG_PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/boxes_success_step.png", o->out);
    if (pm_fig_boxes(res->eval, res->n_eval_runs, PM_FIG_SUCCESS_STEP,
                     "Success step per rule at its best rate (successful runs)", path, err)) {
        /* no successful run at all is a finding, not a failure: the text says so */
        if (!strstr(err, "no successful run"))
            return PM_EXIT_FAILURE;
    }
    snprintf(path, sizeof path, "%s/boxes_error_integral.png", o->out);
    if (pm_fig_boxes(res->eval, res->n_eval_runs, PM_FIG_LOG_ERROR_INTEGRAL, "Error integral per rule at its best rate",
                     path, err))
        return PM_EXIT_FAILURE;
    snprintf(path, sizeof path, "%s/rate_sweep.png", o->out);
    if (pm_fig_rate_sweep(res->sweep, res->n_sweep_runs, "Success rate over the learning rate (sweep seeds)", path,
                          err))
        return PM_EXIT_FAILURE;
    int rc = depth_figure(o, res, err);
    return rc ? rc : pm_study_extra_figures(o, res, err);
}

/* ---- example runs ---- */

/* Runs cfg to the end in process, recording every step; the runner stays alive for the pictures (sim, net). */
static int record(const pm_config *cfg, pm_runner **runner, pm_trace **trace, char *err)
{
    int rc = pm_runner_create(cfg, NULL, runner, err);
    if (rc)
        return rc;
    int nl = pm_runner_n_layers(*runner);
    if (pm_trace_create(nl, trace)) {
        snprintf(err, PM_CFG_ERR_MAX, "out of memory");
        return PM_EXIT_FAILURE;
    }
    double dist[PM_RUN_MAX_LAYERS];
    pm_runner_step_info info;
    while (!pm_runner_step(*runner, &info)) {
        if (info.diverged)
            break;
        pm_runner_weight_distances(*runner, dist);
        if (pm_trace_append(*trace, &info, dist)) {
            snprintf(err, PM_CFG_ERR_MAX, "out of memory");
            return PM_EXIT_FAILURE;
        }
    }
    return 0;
}

/* One learning rule's example beside the reflex reference: all per-run pictures with prefix "<rule>_". */
static int example(const pm_study_options *o, const pm_study_rule *r, const pm_trace *reflex,
                   pm_report_examples *ex, int k, char *err)
{
    pm_config cfg = o->base;
    cfg.rule = pm_config_rule_parse(r->rule);
    cfg.rate = r->best_rate;
    cfg.seed = 1;
    snprintf(cfg.track, sizeof cfg.track, "%s", o->tracks[0]);
    pm_runner *run = NULL;
    pm_trace *t = NULL;
    int rc = record(&cfg, &run, &t, err);
    if (!rc) {
        char title[128], prefix[32];
        snprintf(title, sizeof title, "%s eta %g, seed 1, %s", r->rule, r->best_rate, o->tracks[0]);
        snprintf(prefix, sizeof prefix, "%s_", r->rule);
        ex->example_steps[k] = pm_loop_steps(pm_runner_loop(run));
        ex->example_success[k] = pm_loop_success_step(pm_runner_loop(run));
        pm_render_spec spec = {.run = t, .reference = reflex, .run_label = r->rule, .reference_label = "reflex only",
                               .sim = pm_runner_sim(run), .net = pm_loop_net(pm_runner_loop(run)),
                               .n_filters = cfg.filter_n, .dt = cfg.dt, .title = title, .ext = "png", .small = 1,
                               .no_time_track = 1};
        if (pm_render_run(&spec, o->out, prefix, NULL, 0, err))
            rc = PM_EXIT_FAILURE;
    }
    pm_trace_destroy(t);
    pm_runner_destroy(run);
    return rc;
}

/* Impulse response of the reflex loop with the study's settings (SPEC §5 loop, straight line). */
static int impulse(const pm_study_options *o, pm_report_examples *ex, char *err)
{
    pm_impulse_spec sp = {.steps = 200, .kick_step = 1, .kick = 20, .line_width = 2.75};
    double *buf = malloc(6 * (size_t)sp.steps * sizeof *buf);
    if (!buf) {
        snprintf(err, PM_CFG_ERR_MAX, "out of memory");
        return PM_EXIT_FAILURE;
    }
    size_t n = (size_t)sp.steps;
    pm_impulse_result res = {buf, buf + n, buf + 2 * n, buf + 3 * n, buf + 4 * n, buf + 5 * n};
    int rc = pm_impulse_run(&o->base, &sp, &res, err);
    if (!rc && pm_impulse_draw(&o->base, &sp, &res, o->out, "png", err))
        rc = PM_EXIT_FAILURE;
    if (!rc) {
        ex->impulse_steps = sp.steps;
        ex->impulse_kick = sp.kick;
        ex->impulse_peak = 0;
        for (int i = 0; i < sp.steps; i++)
            if (fabs(res.error[i]) > ex->impulse_peak)
                ex->impulse_peak = fabs(res.error[i]), ex->impulse_peak_step = i;
        ex->impulse_settle_step = ex->impulse_again_step = -1;
        double small = 0.01 * ex->impulse_peak;
        for (int i = (int)ex->impulse_peak_step + 1; i < sp.steps; i++) {
            if (ex->impulse_settle_step < 0 && fabs(res.error[i]) < small)
                ex->impulse_settle_step = i;
            else if (ex->impulse_settle_step >= 0 && fabs(res.error[i]) >= small) {
                ex->impulse_again_step = i;
                break;
            }
        }
    }
    free(buf);
    return rc;
}

int pm_report_examples_run(const pm_study_options *o, const pm_study_result *res, pm_report_examples *ex,
                           char *err)
{
    memset(ex, 0, sizeof *ex);
    for (int k = 0; k < PM_STUDY_N_RULES; k++)
        ex->example_steps[k] = ex->example_success[k] = -1;
    pm_config cfg = o->base;
    cfg.rule = PM_CFG_RULE_REFLEX;
    cfg.seed = 1;
    snprintf(cfg.track, sizeof cfg.track, "%s", o->tracks[0]);
    pm_runner *run = NULL;
    pm_trace *reflex = NULL;
    int rc = record(&cfg, &run, &reflex, err);
    if (!rc) {
        ex->example_steps[0] = pm_loop_steps(pm_runner_loop(run));
        ex->example_success[0] = pm_loop_success_step(pm_runner_loop(run));
    }
    pm_runner_destroy(run);
    /* BP and P&M: the two rules the paper compares */
    const char *shown[] = {"bp", "pm"};
    for (int i = 0; !rc && i < 2; i++) {
        int k = pm_study_rule_index(res, shown[i]);
        rc = example(o, &res->rule[k], reflex, ex, k, err);
    }
    pm_trace_destroy(reflex);
    return rc ? rc : impulse(o, ex, err);
}
