/* C entry points of the CLI layer for foreign callers: `primod run --json` as a function, struct sizes. */
#include "capi.h"

#include <stdlib.h>
#include <string.h>

#include "primod/loop.h"
#include "primod/sim.h"
#include "runner.h"

/* One option of argv at *i: its name and value ("--opt=value" or "--opt value"). Returns 0, or 2 with err. */
static int next_option(int argc, char **argv, int *i, char *name, size_t n, const char **value, char *err)
{
    static const char *const with_value[] = {"--preset", "--config", "--set", "--log", "--save-model",
                                             "--load-model"};
    const char *arg = argv[*i];
    const char *eq = strncmp(arg, "--", 2) ? NULL : strchr(arg, '=');
    *value = NULL;
    if (eq) {
        snprintf(name, n, "%.*s", (int)(eq - arg), arg);
        *value = eq + 1;
        return 0;
    }
    snprintf(name, n, "%s", arg);
    for (size_t k = 0; k < sizeof with_value / sizeof with_value[0]; k++) {
        if (strcmp(name, with_value[k]))
            continue;
        if (*i + 1 >= argc) {
            snprintf(err, PM_CLI_ERR_MAX, "%s: missing value", name);
            return 2;
        }
        *value = argv[++*i];
        return 0;
    }
    if (strcmp(name, "--json") && strcmp(name, "--quiet")) {
        snprintf(err, PM_CLI_ERR_MAX, "unknown option '%.200s' (supported: --preset, --config, --set, --log, "
                 "--save-model, --load-model)", name);
        return 2;
    }
    return 0;
}

/* The run options from argv, layered like run: preset (last wins), --config files in order, then the rest in
 * order (pass 2). Returns 0 or 2 with err. Pointers in opt point into argv. */
static int parse_run_args(int argc, char **argv, pm_run_options *opt, char *err)
{
    char name[64], msg[PM_CLI_ERR_MAX];
    const char *value, *preset = "paper";
    memset(opt, 0, sizeof *opt);
    pm_cli_config_defaults(&opt->cfg);
    for (int pass = 0; pass < 3; pass++) {
        for (int i = 1; i < argc; i++) {
            if (next_option(argc, argv, &i, name, sizeof name, &value, err))
                return 2;
            if (pass == 0 && !strcmp(name, "--preset"))
                preset = value;
            else if (pass == 1 && !strcmp(name, "--config") && pm_cli_config_load_file(&opt->cfg, value, msg)) {
                snprintf(err, PM_CLI_ERR_MAX, "%s", msg);
                return 2;
            } else if (pass == 2 && !strcmp(name, "--set") && pm_cli_config_set_arg(&opt->cfg, value, msg)) {
                snprintf(err, PM_CLI_ERR_MAX, "--set %.560s", msg);
                return 2;
            } else if (pass == 2 && !strcmp(name, "--log"))
                opt->log_path = value;
            else if (pass == 2 && !strcmp(name, "--save-model"))
                opt->save_model = value;
            else if (pass == 2 && !strcmp(name, "--load-model"))
                opt->load_model = value;
        }
        if (pass == 0 && pm_cli_config_preset(&opt->cfg, preset, msg)) {
            snprintf(err, PM_CLI_ERR_MAX, "--preset: %.560s", msg);
            return 2;
        }
    }
    return 0;
}

int pm_capi_run_json(int argc, char **argv, char **json, char *err, size_t errcap)
{
    char msg[PM_CLI_ERR_MAX] = "";
    int rc = PM_EXIT_USAGE;
    if (json)
        *json = NULL;
    if (!json || argc < 1 || !argv) {
        snprintf(msg, sizeof msg, "pm_capi_run_json: NULL argument");
        goto out;
    }
    pm_run_options opt;
    if ((rc = parse_run_args(argc, argv, &opt, msg)))
        goto out;
    pm_run_result res;
    if ((rc = pm_run(&opt, &res, msg)))
        goto out;
    pm_json j;
    pm_json_init(&j);
    pm_run_result_json(&res, &opt.cfg, &j);
    size_t n = strlen(pm_json_text(&j)) + 1;
    if (j.failed || !(*json = malloc(n))) {
        snprintf(msg, sizeof msg, "out of memory");
        rc = PM_EXIT_FAILURE;
    } else {
        memcpy(*json, pm_json_text(&j), n);
    }
    pm_json_free(&j);
out:
    if (rc && err && errcap)
        snprintf(err, errcap, "%s", msg);
    return rc;
}

void pm_capi_free(void *p) { free(p); }

size_t pm_capi_sizeof(const char *type)
{
    static const struct {
        const char *name;
        size_t size;
    } table[] = {
        {"pm_net_config", sizeof(pm_net_config)},     {"pm_filter_config", sizeof(pm_filter_config)},
        {"pm_loop_config", sizeof(pm_loop_config)},   {"pm_loop_input", sizeof(pm_loop_input)},
        {"pm_loop_output", sizeof(pm_loop_output)},   {"pm_success_config", sizeof(pm_success_config)},
        {"pm_sim_config", sizeof(pm_sim_config)},     {"pm_sim_reading", sizeof(pm_sim_reading)},
    };
    for (size_t i = 0; type && i < sizeof table / sizeof table[0]; i++)
        if (!strcmp(type, table[i].name))
            return table[i].size;
    return 0;
}
