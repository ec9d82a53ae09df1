/* The command line of the study (`primod report`): the noisy preset (SPEC §9) under the user's config options, --quick, the
 * seeds, tracks, workers and directories (pm_study_parse_args). */
#include "primod/study.h"

#include <stdlib.h>
#include <string.h>

static int takes_value(const char *name)
{
    return pm_config_is_option(name) || !strcmp(name, "--out") || !strcmp(name, "--seeds") ||
           !strcmp(name, "--sweep-seeds") || !strcmp(name, "--tracks") || !strcmp(name, "--jobs") ||
           !strcmp(name, "--runs");
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

static int parse_count(const char *name, const char *v, int max, int *out, char *err)
{
    long x;
    if (pm_parse_long(v, &x) || x < 1 || x > max) {
        snprintf(err, PM_CFG_ERR_MAX, "%s: expected an integer 1..%d: '%.200s'", name, max, v);
        return PM_EXIT_USAGE;
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

static int parse_option(pm_study_options *o, const char *name, const char *v, char *err)
{
    if (!strcmp(name, "--out"))
        o->out = v;
    else if (!strcmp(name, "--runs"))
        o->runs_dir = v;
    else if (!strcmp(name, "--quick") || !strcmp(name, "--quiet"))
        o->quiet |= !strcmp(name, "--quiet");
    else if (!strcmp(name, "--seeds"))
        return parse_count(name, v, 1000, &o->seeds, err);
    else if (!strcmp(name, "--sweep-seeds"))
        return parse_count(name, v, 1000, &o->sweep_seeds, err);
    else if (!strcmp(name, "--jobs"))
        return parse_count(name, v, 256, &o->jobs, err);
    else if (!strcmp(name, "--tracks") && parse_tracks(v, o)) {
        snprintf(err, PM_CFG_ERR_MAX, "--tracks: expected up to %d comma-separated names: '%.200s'",
                 PM_STUDY_MAX_TRACKS, v);
        return PM_EXIT_USAGE;
    } else if (strcmp(name, "--tracks"))
        return pm_config_apply_option(&o->base, name, v, err);
    return 0;
}

int pm_study_parse_args(int argc, char **argv, pm_study_options *o, char *err)
{
    memset(o, 0, sizeof *o);
    o->seeds = 20, o->sweep_seeds = 2, o->jobs = 2;   /* SPEC §9: evaluation seeds 1-20, tracks paper and s-curves */
    parse_tracks("paper,s-curves", o);
    /* "--preset noisy" goes before the user's options, so a later --preset wins and --config files apply on top */
    char **av = malloc(((size_t)argc + 2) * sizeof *av);
    if (!av) {
        snprintf(err, PM_CFG_ERR_MAX, "out of memory");
        return PM_EXIT_FAILURE;
    }
    av[0] = argv[0], av[1] = "--preset", av[2] = "noisy";
    memcpy(av + 3, argv + 1, (size_t)(argc - 1) * sizeof *av);
    int rc = pm_config_from_args(argc + 2, av, takes_value, &o->base, err);
    free(av);
    if (rc)
        return rc;
    if (given(argc, argv, "--quick")) {   /* --quick changes the defaults; explicit options then win */
        o->seeds = 2, o->sweep_seeds = 1, o->n_tracks = 1;
        o->quick = 1;
        o->base.max_steps = 3000;
    }
    for (int i = 1; i < argc && !rc; i++) {
        char name[64];
        const char *v;
        rc = pm_args_next_option(argc, argv, &i, name, sizeof name, &v, takes_value, err);
        if (!rc)
            rc = parse_option(o, name, v, err);
    }
    if (!rc && !o->out) {
        snprintf(err, PM_CFG_ERR_MAX, "--out DIR is required (see --help)");
        rc = PM_EXIT_USAGE;
    }
    return rc;
}
