/* primod impulse: the reflex loop's response to one steering kick on a straight line, printed and drawn. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_common.h"
#include "commands.h"
#include "primod/impulse.h"
#include "primod/render.h"

static int impulse_takes_value(const char *name)
{
    return pm_config_is_option(name) || !strcmp(name, "--steps") || !strcmp(name, "--kick") ||
           !strcmp(name, "--kick-step") || !strcmp(name, "--line-width") || !strcmp(name, "--out") ||
           !strcmp(name, "--format");
}

static void impulse_help(FILE *f)
{
    fprintf(f,
            "usage: primod impulse [OPTIONS]\n"
            "Impulse response of the closed reflex loop (no network, no wheel noise): the robot runs centred on a\n"
            "straight line; at --kick-step the steering gets +KICK units/s for one step (left wheel +KICK, right\n"
            "-KICK), and the reflex error E(n) is recorded: the closed-loop transfer analysed in z-space.\n"
            "Prints a header line and one row per step: step E steering offset (offset = lateral distance of the\n"
            "robot's centre from the line, units, + = right of the line).\n\n"
            "options:\n"
            "  --steps N              steps recorded (default 300)\n"
            "  --kick X               steering kick, units/s (default 20)\n"
            "  --kick-step N          step of the kick (default 1)\n"
            "  --line-width X         width of the straight line, units (default 2.75, SPEC §6)\n"
            "  --out DIR              also draw DIR/impulse.png (created if missing)\n"
            "  --format png|svg|both  picture format (default png)\n"
            "  --help                 this text\n"
            "The sensors, gains, speed and time step come from the configuration options below\n"
            "(e.g. --preset study for speed 60).\n\n"
            "exit status: 0 done, 1 runtime failure, 2 usage error.\n\n");
    pm_config_print_options_help(f);
}

static int parse_int(const char *cmd, const char *name, const char *value, int *out)
{
    long v;
    if (pm_parse_long(value, &v) || v < -1000000000L || v > 1000000000L) {
        pm_cli_error(cmd, "%s: not an integer: '%s'", name, value);
        return 2;
    }
    *out = (int)v;
    return 0;
}

static int parse_options(int argc, char **argv, pm_config *cfg, pm_impulse_spec *sp, const char **out,
                         int *png, int *svg)
{
    const char *cmd = "impulse";
    *sp = (pm_impulse_spec){.steps = 300, .kick_step = 1, .kick = 20, .line_width = 2.75};
    *out = NULL, *png = 1, *svg = 0;
    if (pm_cli_base_config(cmd, argc, argv, impulse_takes_value, cfg))
        return 2;
    for (int i = 1; i < argc; i++) {
        char name[64];
        const char *v;
        int rc = 0;
        if (pm_cli_next_option(cmd, argc, argv, &i, name, sizeof name, &v, impulse_takes_value))
            return 2;
        if (!strcmp(name, "--steps"))
            rc = parse_int(cmd, name, v, &sp->steps);
        else if (!strcmp(name, "--kick-step"))
            rc = parse_int(cmd, name, v, &sp->kick_step);
        else if (!strcmp(name, "--kick") || !strcmp(name, "--line-width")) {
            double *dst = name[2] == 'k' ? &sp->kick : &sp->line_width;
            if (pm_parse_double(v, dst)) {
                pm_cli_error(cmd, "%s: not a number: '%s'", name, v);
                rc = 2;
            }
        } else if (!strcmp(name, "--out"))
            *out = v;
        else if (!strcmp(name, "--format")) {
            if (pm_render_parse_format(v, png, svg)) {
                pm_cli_error(cmd, "--format: expected png, svg or both: '%s'", v);
                rc = 2;
            }
        } else
            rc = pm_cli_apply_config_option(cmd, cfg, name, v);
        if (rc)
            return rc;
    }
    return 0;
}

int pm_cmd_impulse(int argc, char **argv)
{
    const char *cmd = "impulse";
    if (pm_cli_wants_help(argc, argv)) {
        impulse_help(stdout);
        return 0;
    }
    pm_config cfg;
    pm_impulse_spec sp;
    const char *out;
    int png, svg;
    char err[PM_CFG_ERR_MAX];
    int rc = parse_options(argc, argv, &cfg, &sp, &out, &png, &svg);
    if (rc)
        return rc;
    if (out && pm_render_prepare_dir(out, err)) {
        pm_cli_error(cmd, "%s", err);
        return 2;
    }
    size_t n = sp.steps > 0 && sp.steps <= 100000 ? (size_t)sp.steps : 1;
    double *buf = malloc(6 * n * sizeof *buf);
    if (!buf) {
        pm_cli_error(cmd, "out of memory");
        return 1;
    }
    pm_impulse_result res = {buf, buf + n, buf + 2 * n, buf + 3 * n, buf + 4 * n, buf + 5 * n};
    rc = pm_impulse_run(&cfg, &sp, &res, err);
    if (rc)
        pm_cli_error(cmd, "%s", err);
    for (int k = 0; !rc && out && k < 2; k++)
        if ((k == 0 ? png : svg) && pm_impulse_draw(&cfg, &sp, &res, out, k == 0 ? "png" : "svg", err)) {
            pm_cli_error(cmd, "%s", err);
            rc = 1;
        }
    if (!rc) {
        printf("step\tE\tsteering\toffset\n");
        for (int i = 0; i < sp.steps; i++)
            printf("%d\t%.9g\t%.9g\t%.9g\n", i, res.error[i], res.steering[i], res.offset[i]);
        rc = fflush(stdout) ? 1 : 0;
    }
    free(buf);
    return rc;
}
