/* Command-line style configuration (preset < --config files < options): the option names every command and
 * the Python package share, parsed into a pm_config without printing. */
#include "primod/config.h"
#include "primod/sim.h"

#include <stdio.h>
#include <string.h>

/* Options that are shorthands for one config key. */
static const struct {
    const char *name, *section, *key;
} aliases[] = {
    {"--track", "world", "track"}, {"--start", "world", "start"},   {"--ppu", "world", "ppu"},
    {"--seed", "run", "seed"},     {"--max-steps", "run", "max_steps"}, {"--rule", "learning", "rule"},
    {"--rate", "learning", "rate"},
};
#define N_ALIASES (sizeof aliases / sizeof aliases[0])

int pm_config_is_option(const char *name)
{
    if (!strcmp(name, "--config") || !strcmp(name, "--preset") || !strcmp(name, "--set"))
        return 1;
    for (size_t i = 0; i < N_ALIASES; i++)
        if (!strcmp(name, aliases[i].name))
            return 1;
    return 0;
}

int pm_args_next_option(int argc, char **argv, int *i, char *name, size_t n, const char **value,
                           int (*takes_value)(const char *name), char *err)
{
    const char *arg = argv[*i];
    const char *eq = strncmp(arg, "--", 2) ? NULL : strchr(arg, '=');
    *value = NULL;
    if (eq) {
        snprintf(name, n, "%.*s", (int)(eq - arg), arg);
        *value = eq + 1;
        return 0;
    }
    snprintf(name, n, "%s", arg);
    if (takes_value(name)) {
        if (*i + 1 >= argc) {
            snprintf(err, PM_CFG_ERR_MAX, "%.200s: missing value", name);
            return 2;
        }
        *value = argv[++*i];
    }
    return 0;
}

int pm_config_from_args(int argc, char **argv, int (*takes_value)(const char *), pm_config *cfg, char *err)
{
    char msg[PM_CFG_ERR_MAX], name[64];
    const char *value, *preset = "paper";
    pm_config_defaults(cfg);
    for (int pass = 0; pass < 2; pass++) {   /* pass 0: --preset; pass 1: --config files in order */
        for (int i = 1; i < argc; i++) {
            if (strncmp(argv[i], "--", 2))
                continue;
            if (pm_args_next_option(argc, argv, &i, name, sizeof name, &value, takes_value, err))
                return 2;
            if (pass == 0 && !strcmp(name, "--preset"))
                preset = value;
            if (pass == 1 && !strcmp(name, "--config") && pm_config_load_file(cfg, value, err))
                return 2;
        }
        if (pass == 0 && pm_config_preset(cfg, preset, msg)) {
            snprintf(err, PM_CFG_ERR_MAX, "--preset: %.560s", msg);
            return 2;
        }
    }
    return 0;
}

int pm_config_apply_option(pm_config *cfg, const char *name, const char *value, char *err)
{
    char msg[PM_CFG_ERR_MAX];
    if (!strcmp(name, "--preset") || !strcmp(name, "--config"))
        return 0;
    if (!strcmp(name, "--freeze")) {   /* a flag: learning.enabled = false */
        if (value) {
            snprintf(err, PM_CFG_ERR_MAX, "--freeze takes no value: '%.200s'", value);
            return 2;
        }
        cfg->learning_enabled = 0;
        return 0;
    }
    if (!strcmp(name, "--set")) {
        if (pm_config_set_arg(cfg, value, msg)) {
            snprintf(err, PM_CFG_ERR_MAX, "--set %.560s", msg);
            return 2;
        }
        return 0;
    }
    for (size_t i = 0; i < N_ALIASES; i++) {
        if (strcmp(name, aliases[i].name))
            continue;
        if (pm_config_parse_value(cfg, aliases[i].section, aliases[i].key, value, msg)) {
            snprintf(err, PM_CFG_ERR_MAX, "%s: %.300s: '%.200s'", name, msg, value);
            return 2;
        }
        return 0;
    }
    snprintf(err, PM_CFG_ERR_MAX, "unknown option '%.200s' (see --help)", name);
    return 2;
}

void pm_config_print_options_help(FILE *f)
{
    fprintf(f,
            "configuration (applied in this order: preset, --config files, then the other options as given):\n"
            "  --preset NAME          paper (default), study (paper at speed 60, SPEC §6) or noisy (speed 61,\n"
            "                         wheel noise 0.05, hold 2000, step cap 30000: the benchmark of SPEC §9)\n"
            "  --config FILE          INI file with [section] key = value lines (see configs/paper.ini)\n"
            "  --set SECTION.KEY=VAL  set any key below (repeatable)\n"
            "  --track NAME|FILE.png  world.track: built-in track or PNG (dark line on white)\n");
    int n;
    const char *const *names = pm_track_names(&n);
    fprintf(f, "                         built-in tracks:");
    for (int i = 0; i < n; i++)
        fprintf(f, " %s", names[i]);
    fprintf(f, "\n"
            "  --start X,Y,HEADING    world.start: start pose, units and degrees\n"
            "  --ppu X                world.ppu\n"
            "  --rule NAME            learning.rule: reflex, bp, pm, sr, sign, chained, sat, satsign, motion\n"
            "  --rate X               learning.rate (default learning.rate_<rule>; 0 = learn nothing)\n"
            "  --freeze               learning.enabled=false: run the network (e.g. --load-model) unchanged\n"
            "  --seed N               run.seed (network init; wheel noise uses seed ^ constant)\n"
            "  --max-steps N          run.max_steps\n"
            "keys (default, range, meaning):\n");
    pm_config_print_keys(f);
}
