/* primod render: draws the pictures of one run from its `primod run --log` TSV (track, signals, weights). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli_common.h"
#include "commands.h"
#include "primod/render.h"
#include "primod/render.h"
#include "primod/run.h"

static int render_takes_value(const char *name)
{
    return pm_config_is_option(name) || !strcmp(name, "--log") || !strcmp(name, "--out") ||
           !strcmp(name, "--reference") || !strcmp(name, "--model") || !strcmp(name, "--format") ||
           !strcmp(name, "--title");
}

static void render_help(FILE *f)
{
    fprintf(f,
            "usage: primod render --log RUN.tsv --out DIR [OPTIONS]\n"
            "Draws one run from the TSV written by `primod run --log`:\n"
            "  DIR/track_time.png    the track with the robot's path coloured by time, start pose, and the robot\n"
            "                        with its sensor layout (reflex pair + predictor rows) at the last pose\n"
            "  DIR/track_error.png   the same path coloured by |E(n)|\n"
            "  DIR/signals.png       E(n) and steering over time (with --reference: both runs overlaid)\n"
            "  DIR/weights.png       per-layer weight distance ||W^l - W^l_0|| over time (learning runs)\n"
            "  DIR/first_layer.png   first-layer |weights| as one grey image per filter (with --model)\n"
            "The log's '#' header holds the run's configuration (track, start, sensor layout ...): render uses it,\n"
            "then the config options given here on top (--track, --set ...); --preset or --config replace it.\n"
            "For a log without that header give the run's options; without --track/--config the built-in track\n"
            "whose start pose is the log's first pose is used, the sensor layout defaults to the paper preset's.\n\n"
            "options:\n"
            "  --log FILE.tsv         the run's log (required)\n"
            "  --out DIR              output directory (created if missing; its parent must exist)\n"
            "  --reference FILE.tsv   a second log drawn beside the run in signals.png (e.g. --rule reflex)\n"
            "  --model FILE           a model saved by `primod run --save-model`: first-layer weight image\n"
            "  --format png|svg|both  picture format (default png)\n"
            "  --title TEXT           title prefix of every figure (default: the log's file name)\n"
            "  --help                 this text\n\n"
            "exit status: 0 pictures written, 1 a picture could not be written, 2 usage error (bad option,\n"
            "missing or malformed log or model, bad --out).\n\n");
    pm_config_print_options_help(f);
}

typedef struct {
    const char *log, *out, *reference, *model, *title;
    int png, svg;
} render_opts;

/* 1 if the command line names a preset or config file: that base then replaces the log's configuration. */
static int base_given(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strncmp(argv[i], "--preset", 8) || !strncmp(argv[i], "--config", 8))
            return 1;
    return 0;
}

/* Configuration layers: the log's own configuration (its '#' header) or, with --preset/--config, those; then
 * the other config options as given. *from_log: the log's header was used. */
static int parse_options(int argc, char **argv, pm_config *cfg, render_opts *o, int *from_log)
{
    const char *cmd = "render";
    memset(o, 0, sizeof *o);
    o->png = 1;
    *from_log = 0;
    if (pm_cli_base_config(cmd, argc, argv, render_takes_value, cfg))
        return 2;
    for (int pass = 0; pass < 2; pass++) {   /* pass 0: render's own options; pass 1: config options */
        for (int i = 1; i < argc; i++) {
            char name[64];
            const char *value;
            if (pm_cli_next_option(cmd, argc, argv, &i, name, sizeof name, &value, render_takes_value))
                return 2;
            int own = 1;
            if (!strcmp(name, "--log"))
                o->log = value;
            else if (!strcmp(name, "--out"))
                o->out = value;
            else if (!strcmp(name, "--reference"))
                o->reference = value;
            else if (!strcmp(name, "--model"))
                o->model = value;
            else if (!strcmp(name, "--title"))
                o->title = value;
            else if (!strcmp(name, "--format")) {
                if (pm_render_parse_format(value, &o->png, &o->svg)) {
                    pm_cli_error(cmd, "--format: expected png, svg or both: '%s'", value);
                    return 2;
                }
            } else
                own = 0;
            if (pass == 1 && !own && pm_cli_apply_config_option(cmd, cfg, name, value))
                return 2;
        }
        if (pass == 1)
            break;
        if (!o->log || !o->out) {
            pm_cli_error(cmd, "%s is required (see --help)", o->log ? "--out" : "--log");
            return 2;
        }
        char err[PM_CFG_ERR_MAX];
        if (!base_given(argc, argv) && pm_trace_read_log_config(o->log, cfg, from_log, err)) {
            pm_cli_error(cmd, "%s", err);
            return 2;
        }
    }
    return 0;
}

/* 1 if the command line sets the track itself (--track, --config, --set world.track=...). */
static int track_given(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strncmp(argv[i], "--track", 7) || !strncmp(argv[i], "--config", 8) || strstr(argv[i], "world.track"))
            return 1;
    return 0;
}

/* A log without its configuration header does not name its track (see --help): pick the built-in track whose start pose is the log's first
 * pose (the runner logs the pose before each step's motion, so row 0 is the start). Exactly one must match;
 * otherwise cfg is left alone. Returns the chosen name or NULL. */
static const char *infer_track(pm_config *cfg, const pm_trace *t)
{
    int n;
    const char *const *names = pm_track_names(&n);
    const char *found = NULL;
    for (int i = 0; i < n; i++) {
        pm_world *w;
        double x, y, h;
        if (pm_world_create_builtin(names[i], cfg->ppu, &w))
            continue;
        int ok = !pm_world_start_pose(w, &x, &y, &h) && fabs(x - t->x[0]) < 1e-6 && fabs(y - t->y[0]) < 1e-6 &&
                 fabs(remainder(h - t->heading[0], 2 * acos(-1.0))) < 1e-6;
        pm_world_destroy(w);
        if (ok && found)
            return NULL;   /* ambiguous */
        if (ok)
            found = names[i];
    }
    if (found)
        snprintf(cfg->track, sizeof cfg->track, "%s", found);
    return found;
}

/* Everything loaded for drawing; freed by release(). */
typedef struct {
    pm_trace *run, *ref;
    pm_runner *runner;   /* builds the world and sim (sensor layout) exactly as `primod run` does */
    pm_net *net;
} render_inputs;

static void release(render_inputs *in)
{
    pm_trace_destroy(in->run);
    pm_trace_destroy(in->ref);
    pm_runner_destroy(in->runner);
    pm_net_destroy(in->net);
}

static int load_inputs(pm_config *cfg, const render_opts *o, int infer, render_inputs *in)
{
    const char *cmd = "render";
    char err[PM_CFG_ERR_MAX];
    memset(in, 0, sizeof *in);
    if (pm_trace_read_log(o->log, &in->run, err) || (o->reference && pm_trace_read_log(o->reference, &in->ref, err))) {
        pm_cli_error(cmd, "%s", err);
        return 2;
    }
    if (infer && !infer_track(cfg, in->run))
        fprintf(stderr, "primod render: note: no built-in track starts at the log's first pose; drawing on '%s' "
                        "(give --track)\n", cfg->track);
    int rc = pm_runner_create(cfg, NULL, &in->runner, err);
    if (rc) {
        pm_cli_error(cmd, "%s", err);
        return rc;
    }
    /* the model must be the network of the log's run (inputs = rows x count x filters of its config) */
    if (o->model && (rc = pm_model_load(o->model, cfg, cfg->predictor_rows * cfg->predictor_count * cfg->filter_n,
                                        "log's configuration", &in->net, err)))
        pm_cli_error(cmd, "--model: %s", err);
    return rc;
}

int pm_cmd_render(int argc, char **argv)
{
    const char *cmd = "render";
    if (pm_cli_wants_help(argc, argv)) {
        render_help(stdout);
        return 0;
    }
    pm_config cfg;
    render_opts o;
    char err[PM_CFG_ERR_MAX];
    int from_log;
    int rc = parse_options(argc, argv, &cfg, &o, &from_log);
    if (rc)
        return rc;
    render_inputs in;
    rc = load_inputs(&cfg, &o, !from_log && !track_given(argc, argv), &in);
    if (!rc && pm_render_prepare_dir(o.out, err)) {
        pm_cli_error(cmd, "%s", err);
        rc = 2;
    }
    const char *base = strrchr(o.log, '/') ? strrchr(o.log, '/') + 1 : o.log;
    pm_render_spec spec = {.run = in.run, .reference = in.ref, .run_label = base,
                           .reference_label = o.reference, .sim = in.runner ? pm_runner_sim(in.runner) : NULL, .net = in.net,
                           .n_filters = cfg.filter_n, .dt = cfg.dt, .title = o.title ? o.title : base};
    char written[4096] = "";
    for (int k = 0; !rc && k < 2; k++) {
        if (!(k == 0 ? o.png : o.svg))
            continue;
        spec.ext = k == 0 ? "png" : "svg";
        if (pm_render_run(&spec, o.out, "", written, sizeof written, err)) {
            pm_cli_error(cmd, "%s", err);
            rc = 1;
        }
    }
    if (!rc)
        fputs(written, stdout);
    release(&in);
    return rc;
}
