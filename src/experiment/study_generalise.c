/* Generalisation of the study (SPEC §9): a model trained on each built-in track, then run frozen on every track;
 * mean |E| against the reflex alone and an untrained network. */
#define _POSIX_C_SOURCE 200809L /* getpid */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "primod/notify.h"
#include "primod/run.h"
#include "primod/sim.h"
#include "primod/study.h"
#include "study_parts.h"

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One run in process (pm_run: no log, no progress); model paths may be NULL. */
static int one_run(pm_run_cache *cache, const pm_config *cfg, const char *load, const char *save, pm_run_result *r,
                   char *err)
{
    (void)pm_run_cache_add(cache, cfg, NULL, NULL);   /* refused: pm_run builds its own world and says why */
    pm_run_options opt;
    memset(&opt, 0, sizeof opt);
    opt.cfg = *cfg;
    opt.cache = cache;
    opt.load_model = load;
    opt.save_model = save;
    return pm_run(&opt, r, err);
}

int pm_study_generalise(const pm_study_options *o, pm_study_result *res, char *err)
{
    pm_gen_result *G = &res->gen;
    double t0 = seconds_now();
    int n;
    const char *const *names = pm_track_names(&n);
    G->n_tracks = n < PM_GEN_MAX_TRACKS ? n : PM_GEN_MAX_TRACKS;
    int k = pm_study_rule_index(res, "pm");
    G->rule = "pm";
    G->rate = res->rule[k].best_rate;
    G->steps = o->quick ? 600 : 3000;
    for (int t = 0; t < G->n_tracks; t++)
        snprintf(G->tracks[t], sizeof G->tracks[t], "%s", names[t]);
    pm_notify(PM_NOTE_INFO, "report", "generalisation: %d tracks", G->n_tracks);
    /* frozen runs: a fixed number of steps, no early stop at success, same seed (wheel noise) everywhere */
    pm_config frozen = o->base;
    frozen.seed = 1;
    frozen.max_steps = G->steps;
    frozen.stop_on_success = 0;
    frozen.learning_enabled = 0;
    frozen.rule = PM_CFG_RULE_PM;
    frozen.rate = G->rate;
    int rc = 0;
    pm_run_result r;
    pm_run_cache *cache = NULL;   /* each track's world and sensor maps built once for all these runs (run.h) */
    if (pm_run_cache_create(&cache))
        cache = NULL;
    for (int e = 0; !rc && e < G->n_tracks; e++) {
        pm_config c = frozen;
        snprintf(c.track, sizeof c.track, "%s", G->tracks[e]);
        c.rule = PM_CFG_RULE_REFLEX;
        if (!(rc = one_run(cache, &c, NULL, NULL, &r, err)))
            G->reflex[e] = r.mean_abs_error, G->reflex_lost[e] = r.lost;
        c.rule = PM_CFG_RULE_PM;
        if (!rc && !(rc = one_run(cache, &c, NULL, NULL, &r, err)))
            G->untrained[e] = r.mean_abs_error, G->untrained_lost[e] = r.lost;
    }
    char model[PM_CFG_PATH_MAX + 64];
    snprintf(model, sizeof model, "%s/.generalise.%ld.pmnet", o->out, (long)getpid());
    for (int t = 0; !rc && t < G->n_tracks; t++) {
        /* training: P&M at its best rate on track t until success (or the cap), seed 1 */
        pm_config c = o->base;
        c.seed = 1;
        c.rule = PM_CFG_RULE_PM;
        c.rate = G->rate;
        snprintf(c.track, sizeof c.track, "%s", G->tracks[t]);
        if ((rc = one_run(cache, &c, NULL, model, &r, err)))
            break;
        G->trained_ok[t] = r.success;
        for (int e = 0; !rc && e < G->n_tracks; e++) {
            pm_config fc = frozen;
            snprintf(fc.track, sizeof fc.track, "%s", G->tracks[e]);
            if (!(rc = one_run(cache, &fc, model, NULL, &r, err)))
                G->mean_abs_e[t][e] = r.mean_abs_error, G->lost[t][e] = r.lost;
        }
    }
    remove(model);
    pm_run_cache_destroy(cache);
    if (rc)
        G->n_tracks = 0;
    G->seconds = seconds_now() - t0;
    return rc;
}

int pm_study_md_generalise(FILE *f, const pm_study_result *res)
{
    const pm_gen_result *G = &res->gen;
    fprintf(f, "### Generalisation: trained on one track, run frozen on the others\n\n");
    if (!G->n_tracks) {
        fprintf(f, "Not measured in this report.\n\n");
        return -1;
    }
    fprintf(f, "P&M (eta %g) trained on each built-in track (seed 1, until success or the step cap), then run "
               "frozen (`--freeze --load-model`) for %ld steps on every track. Mean |E| (lower is better; \"lost\" "
               "if the robot lost the line), against the reflex alone and an untrained network run frozen:\n\n"
               "| trained on | success in training |", G->rate, G->steps);
    for (int e = 0; e < G->n_tracks; e++)
        fprintf(f, " %s |", G->tracks[e]);
    fprintf(f, "\n|---|---|");
    for (int e = 0; e < G->n_tracks; e++)
        fprintf(f, "---|");
    fprintf(f, "\n");
    char a[32];
    int beats = 0, off = 0, untrained_worse = 0;
    for (int t = 0; t < G->n_tracks; t++) {
        fprintf(f, "| %s | %s |", G->tracks[t], G->trained_ok[t] ? "yes" : "no");
        for (int e = 0; e < G->n_tracks; e++) {
            int better = !G->lost[t][e] && !G->reflex_lost[e] ? G->mean_abs_e[t][e] < G->reflex[e]
                                                              : !G->lost[t][e];
            fprintf(f, " %s%s%s |", G->lost[t][e] ? "lost, " : "", pm_study_num(a, 32, G->mean_abs_e[t][e]),
                    better ? " *" : "");
            if (e != t)
                off++, beats += better;
        }
        fprintf(f, "\n");
    }
    fprintf(f, "| reflex alone | – |");
    for (int e = 0; e < G->n_tracks; e++)
        fprintf(f, " %s%s |", G->reflex_lost[e] ? "lost, " : "", pm_study_num(a, 32, G->reflex[e]));
    fprintf(f, "\n| untrained net | – |");
    for (int e = 0; e < G->n_tracks; e++) {
        fprintf(f, " %s%s |", G->untrained_lost[e] ? "lost, " : "", pm_study_num(a, 32, G->untrained[e]));
        untrained_worse += G->untrained_lost[e] > G->reflex_lost[e] ||
                           (G->untrained_lost[e] == G->reflex_lost[e] && G->untrained[e] > G->reflex[e]);
    }
    fprintf(f, "\n\n\\* = better than the reflex alone on that track (lower mean |E|, not lost).\n\n");
    fprintf(f, "Verdict: %d of the %d models run on a track they were not trained on beat the reflex alone there; "
               "the untrained network is worse than the reflex alone on %d of %d tracks.\n\n",
            beats, off, untrained_worse, G->n_tracks);
    return beats > 0;
}
