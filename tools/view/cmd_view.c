/* primod view: the SDL2 live viewer of a run (track, robot, sensors, trail, E/R/weight-distance plots, weights). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_common.h"
#include "commands.h"
#include "primod/run.h"
#include "view.h"

static void view_help(FILE *f)
{
    fprintf(f,
            "usage: primod view [OPTIONS]\n"
            "Shows the closed loop of `primod run` live (same options, same trajectory for the same seed):\n"
            "track, robot, sensor footprints and trail; plots of E, R and every layer's weight distance\n"
            "||W^l - W^l_0||; the first layer's weights (blue negative, red positive). The title bar shows the\n"
            "rule, the step and the success state.\n\n"
            "keys: space pause/resume, + / - steps per frame x2 / /2, L learning on/off, R reset (restart the run),\n"
            "      S save the model (--save-model FILE, default primod-view.model), Q or Esc quit.\n\n"
            "options:\n"
            "  --frames N             quit after N frames (a frame takes 1 step, x2 per '+', none when paused)\n"
            "  --screenshot FILE.png  headless: run --frames frames (default 300), write the last frame as PNG\n"
            "                         (uses the video driver if one works, else an off-screen surface)\n"
            "  --print-pose           at the end print 'step x y heading(deg) E' of the last step (the first\n"
            "                         five columns of run --log's last row, same format)\n"
            "  --keys F:K[,F:K...]    press key K (space + - l r s q) before frame F, e.g. 0:l,100:r (for tests\n"
            "                         and demos; works with --screenshot)\n"
            "  --load-model FILE      start from a saved network\n"
            "  --save-model FILE      where S saves the network\n"
            "  --help                 this text\n\n"
            "exit status: 0 ok, 1 runtime failure (SDL, screenshot), 2 usage/config error or built without SDL2.\n"
            "The run ends as `primod run` does (success with run.stop_on_success, lost, max_steps): the view then\n"
            "stays until R or Q; --set run.stop_on_success=false keeps it going after success.\n\n");
    pm_config_print_options_help(f);
}

#ifdef PRIMOD_HAVE_SDL2

static int view_takes_value(const char *name)
{
    return pm_config_is_option(name) || !strcmp(name, "--frames") || !strcmp(name, "--screenshot") ||
           !strcmp(name, "--keys") ||
           !strcmp(name, "--load-model") || !strcmp(name, "--save-model");
}

static int parse_view_args(int argc, char **argv, pm_view_options *o)
{
    const char *cmd = "view";
    memset(o, 0, sizeof *o);
    o->save_model = "primod-view.model";
    if (pm_cli_base_config(cmd, argc, argv, view_takes_value, &o->cfg))
        return 2;
    for (int i = 1; i < argc; i++) {
        char name[64];
        const char *value;
        if (pm_cli_next_option(cmd, argc, argv, &i, name, sizeof name, &value, view_takes_value))
            return 2;
        if (!strcmp(name, "--frames")) {
            if (pm_parse_long(value, &o->frames) || o->frames < 1) {
                pm_cli_error(cmd, "--frames: not a positive integer: '%s'", value);
                return 2;
            }
        } else if (!strcmp(name, "--screenshot"))
            o->screenshot = value;
        else if (!strcmp(name, "--keys")) {
            char err[PM_CFG_ERR_MAX];
            if (pm_view_parse_keys(o, value, err, sizeof err)) {
                pm_cli_error(cmd, "--keys: %s", err);
                return 2;
            }
        } else if (!strcmp(name, "--print-pose"))
            o->print_pose = 1;
        else if (!strcmp(name, "--load-model"))
            o->load_model = value;
        else if (!strcmp(name, "--save-model"))
            o->save_model = value;
        else if (pm_cli_apply_config_option(cmd, &o->cfg, name, value))
            return 2;
    }
    if (o->screenshot && !o->frames)
        o->frames = 300;
    return 0;
}

#endif

int pm_cmd_view(int argc, char **argv)
{
    if (pm_cli_wants_help(argc, argv)) {
        view_help(stdout);
        return 0;
    }
#ifdef PRIMOD_HAVE_SDL2
    pm_view_options o;
    if (parse_view_args(argc, argv, &o))
        return 2;
    return pm_view_run(&o);
#else
    pm_cli_error("view", "this primod was built without SDL2 (install libsdl2-dev and rebuild with "
                         "-DPRIMOD_BUILD_VIEWER=ON)");
    return 2;
#endif
}
