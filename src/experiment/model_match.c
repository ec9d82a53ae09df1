/* Does a saved model fit a configuration? Names every config key whose network differs from the model's, so
 * that no run or picture silently uses a setting other than the one its record claims (issue 13, items 1-2). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "primod/files.h"
#include "primod/run.h"

static const char *const act_names[] = {"sigmoid", "tanh", "linear", "relu"};

static const char *act_name(int a)
{
    return a >= 0 && a < 4 ? act_names[a] : "?";
}

/* Appends "; " + text to msg (n bytes). */
static void add(char *msg, size_t n, int *count, const char *text)
{
    size_t used = strlen(msg);
    if (used + 1 < n)
        snprintf(msg + used, n - used, "%s%s", *count ? "; " : "", text);
    (*count)++;
}

int pm_config_model_diff(const pm_config *cfg, int n_inputs, const pm_net *net, char *msg, size_t n)
{
    int count = 0, sizes[PM_RUN_MAX_LAYERS];
    char item[PM_CFG_ERR_MAX];
    pm_loop_config lc;
    msg[0] = '\0';
    pm_config_loop_config(cfg, sizes, &lc);
    if (pm_net_n_inputs(net) != n_inputs) {
        snprintf(item, sizeof item, "inputs: %d in the model, %d from the config (sensors.predictor_rows %d x "
                 "sensors.predictor_count %d x filter.n %d)", pm_net_n_inputs(net), n_inputs, cfg->predictor_rows,
                 cfg->predictor_count, cfg->filter_n);
        if (n_inputs != cfg->predictor_rows * cfg->predictor_count * cfg->filter_n)   /* the robot's grid */
            snprintf(item, sizeof item, "inputs: %d in the model, %d from the config (predictors x filter.n %d)",
                     pm_net_n_inputs(net), n_inputs, cfg->filter_n);
        add(msg, n, &count, item);
    }
    int L = pm_net_n_layers(net), same = L == lc.net.n_layers;
    for (int l = 0; same && l < L - 1; l++)
        same = pm_net_layer_size(net, l) == sizes[l];
    if (!same) {
        char m[256] = "", c[256] = "";
        for (int l = 0; l < L - 1; l++)
            snprintf(m + strlen(m), sizeof m - strlen(m), "%s%d", l ? "," : "", pm_net_layer_size(net, l));
        for (int l = 0; l < lc.net.n_layers - 1; l++)
            snprintf(c + strlen(c), sizeof c - strlen(c), "%s%d", l ? "," : "", sizes[l]);
        snprintf(item, sizeof item, "hidden layers: %s in the model, %s from the config (network.hidden, or "
                 "network.hidden_layers x network.hidden_width)", *m ? m : "none", *c ? c : "none");
        add(msg, n, &count, item);
    }
    if (pm_net_n_outputs(net) != cfg->outputs) {
        snprintf(item, sizeof item, "network.outputs: %d in the model, %d in the config", pm_net_n_outputs(net),
                 cfg->outputs);
        add(msg, n, &count, item);
    }
    pm_net_config nc = pm_net_get_config(net);
    if ((int)nc.activation != cfg->activation) {
        snprintf(item, sizeof item, "network.activation: %s in the model, %s in the config",
                 act_name((int)nc.activation), act_name(cfg->activation));
        add(msg, n, &count, item);
    }
    if (pm_net_has_bias(net) != (cfg->bias != 0)) {
        snprintf(item, sizeof item, "network.bias: %s in the model, %s in the config",
                 pm_net_has_bias(net) ? "true" : "false", cfg->bias ? "true" : "false");
        add(msg, n, &count, item);
    }
    return count;
}

int pm_model_load(const char *path, const pm_config *cfg, int n_inputs, const char *against, pm_net **out,
                  char *err)
{
    FILE *f = pm_file_open(path, PM_FILE_MAX_MODEL, "model", NULL, err);
    if (!f)
        return PM_EXIT_USAGE;
    fclose(f);
    pm_net *net = NULL;
    errno = 0;
    pm_status st = pm_net_load(path, &net);
    if (st) {
        snprintf(err, PM_CFG_ERR_MAX, "model %.300s: %s", path,
                 st == PM_ERR_IO ? strerror(errno ? errno : EIO)
                 : st == PM_ERR_FORMAT ? "not a primod model file (damaged, truncated or of another format)"
                                       : pm_status_str(st));
        return st == PM_ERR_NOMEM ? PM_EXIT_FAILURE : PM_EXIT_USAGE;
    }
    char diff[PM_CFG_ERR_MAX];
    if (cfg && pm_config_model_diff(cfg, n_inputs, net, diff, sizeof diff)) {
        snprintf(err, PM_CFG_ERR_MAX, "model %.150s does not match the %.40s: %.340s", path,
                 against ? against : "config", diff);
        pm_net_destroy(net);
        return PM_EXIT_USAGE;
    }
    *out = net;
    return PM_EXIT_OK;
}
