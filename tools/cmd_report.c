/* primod report: runs the standard study (SPEC §9 noisy preset) and writes DIR/report.md with tables and pictures. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_common.h"
#include "commands.h"
#include "primod/render.h"
#include "primod/study.h"

static int report_takes_value(const char *name)
{
    return pm_config_is_option(name) || !strcmp(name, "--out") || !strcmp(name, "--seeds") ||
           !strcmp(name, "--sweep-seeds") || !strcmp(name, "--tracks") || !strcmp(name, "--jobs") ||
           !strcmp(name, "--runs");
}

static void report_help(FILE *f)
{
    fprintf(f,
            "usage: primod report --out DIR [OPTIONS]\n"
            "Runs the standard study on the noisy preset (SPEC §9) and writes DIR/report.md with its tables and PNG\n"
            "pictures: a rate sweep of every rule on seeds 1001.. (disjoint from the evaluation seeds); each rule\n"
            "at its best rate and BP / P&M at the authors' rates on seeds 1..N and every track; the depth grid,\n"
            "generalisation across tracks (frozen models), learning curves and example runs. Each claim of the\n"
            "paper gets a verdict computed from the numbers (Wilson intervals, Mann-Whitney tests).\n\n"
            "options:\n"
            "  --out DIR              report directory (created if missing; its parent must exist)\n"
            "  --seeds N              evaluation seeds per rule and track (default 20, SPEC §9)\n"
            "  --sweep-seeds N        seeds per rate and track in the sweep (default 2)\n"
            "  --tracks A,B,...       tracks (default paper,s-curves; the first is drawn, the last is the one of\n"
            "                         the depth grid and the learning curves)\n"
            "  --quick                tiny study for CI: 2 seeds, 1 sweep seed, first track, 2 rates per rule,\n"
            "                         small depth grid, max 3000 steps (explicit options still win)\n"
            "  --jobs N               worker processes (default 2)\n"
            "  --runs DIR             keep each run's result in DIR and reuse it when the report is made again\n"
            "  --help                 this text\n"
            "Base configuration: --preset noisy; the config options below change it (rule, rate, seed and\n"
            "track are set by the study).\n\n"
            "exit status: 0 report written, 1 a run or a file failed, 2 usage error.\n\n");
    pm_config_print_options_help(f);
}

/* Splits "a,b,c" into o->tracks. Returns 0 or -1 (empty item, too many, too long). */
static int parse_tracks(const char *s, pm_study_options *o)
{
    o->n_tracks = 0;
    while (*s) {
        size_t len = strcspn(s, ",");
        if (!len || len >= sizeof o->tracks[0] || o->n_tracks == PM_STUDY_MAX_TRACKS)
            return -1;
        memcpy(o->tracks[o->n_tracks], s, len);
        o->tracks[o->n_tracks++][len] = '\0';
        s += len + (s[len] == ',');
    }
    return o->n_tracks ? 0 : -1;
}

static int parse_count(const char *name, const char *v, int max, int *out)
{
    long x;
    if (pm_parse_long(v, &x) || x < 1 || x > max) {
        pm_cli_error("report", "%s: expected an integer 1..%d: '%s'", name, max, v);
        return 2;
    }
    *out = (int)x;
    return 0;
}

/* Has the user set this option anywhere on the command line? */
static int given(int argc, char **argv, const char *name)
{
    size_t n = strlen(name);
    for (int i = 1; i < argc; i++)
        if (!strncmp(argv[i], name, n) && (argv[i][n] == '\0' || argv[i][n] == '='))
            return 1;
    return 0;
}

/* Base config: "--preset noisy" is put before the user's options, so a later --preset wins and --config files
 * apply on top of it; --quick changes the defaults, explicit options then win over those. */
static int parse_options(int argc, char **argv, pm_study_options *o)
{
    const char *cmd = "report";
    memset(o, 0, sizeof *o);
    o->seeds = 20, o->sweep_seeds = 2, o->jobs = 2;
    parse_tracks("paper,s-curves", o);
    char **av = malloc(((size_t)argc + 2) * sizeof *av);
    if (!av) {
        pm_cli_error(cmd, "out of memory");
        return 1;
    }
    av[0] = argv[0], av[1] = "--preset", av[2] = "noisy";
    memcpy(av + 3, argv + 1, (size_t)(argc - 1) * sizeof *av);
    int rc = pm_cli_base_config(cmd, argc + 2, av, report_takes_value, &o->base);
    free(av);
    if (rc)
        return 2;
    if (given(argc, argv, "--quick")) {
        o->seeds = 2, o->sweep_seeds = 1, o->n_tracks = 1;
        o->quick = 1;
        o->base.max_steps = 3000;
    }
    for (int i = 1; i < argc; i++) {
        char name[64];
        const char *v;
        if (pm_cli_next_option(cmd, argc, argv, &i, name, sizeof name, &v, report_takes_value))
            return 2;
        if (!strcmp(name, "--out"))
            o->out = v;
        else if (!strcmp(name, "--runs"))
            o->runs_dir = v;
        else if (!strcmp(name, "--quick"))
            continue;
        else if (!strcmp(name, "--seeds"))
            rc = parse_count(name, v, 1000, &o->seeds);
        else if (!strcmp(name, "--sweep-seeds"))
            rc = parse_count(name, v, 1000, &o->sweep_seeds);
        else if (!strcmp(name, "--jobs"))
            rc = parse_count(name, v, 256, &o->jobs);
        else if (!strcmp(name, "--tracks")) {
            if (parse_tracks(v, o)) {
                pm_cli_error(cmd, "--tracks: expected up to %d comma-separated names: '%s'", PM_STUDY_MAX_TRACKS, v);
                rc = 2;
            }
        } else
            rc = pm_cli_apply_config_option(cmd, &o->base, name, v);
        if (rc)
            return rc;
    }
    if (!o->out) {
        pm_cli_error(cmd, "--out DIR is required (see --help)");
        return 2;
    }
    return 0;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Checks the tracks and the config once before hundreds of runs start. */
static int check_setup(const pm_study_options *o, char *err)
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

int pm_cmd_report(int argc, char **argv)
{
    const char *cmd = "report";
    if (pm_cli_wants_help(argc, argv)) {
        report_help(stdout);
        return 0;
    }
    pm_study_options o;
    char err[PM_CFG_ERR_MAX];
    int rc = parse_options(argc, argv, &o);
    if (rc)
        return rc;
    if (pm_render_prepare_dir(o.out, err) || (o.runs_dir && pm_render_prepare_dir(o.runs_dir, err)) ||
        check_setup(&o, err)) {
        pm_cli_error(cmd, "%s", err);
        return 2;
    }
    double t0 = now_seconds();
    pm_study_result res;
    pm_report_examples ex;
    rc = pm_study_run(&o, &res, err);
    if (!rc)
        rc = pm_report_summary_figures(&o, &res, err);
    if (!rc)
        rc = pm_report_examples_run(&o, &res, &ex, err);
    double wall = now_seconds() - t0;
    if (!rc)
        rc = pm_report_write_md(&o, &res, &ex, wall, err);
    int n_runs = res.n_sweep_runs + res.n_eval_runs;
    pm_study_result_free(&res);
    if (rc) {
        pm_cli_error(cmd, "%s", err);
        return rc;
    }
    printf("%s/report.md written: %d runs in %.1f s wall time with %d jobs\n", o.out, n_runs, wall,
           o.jobs);
    return fflush(stdout) ? 1 : 0;
}
