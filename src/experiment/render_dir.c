/* Small helpers shared by the picture commands (render, impulse, report): output directory and format options. */
#define _POSIX_C_SOURCE 200809L  /* getline, mkdir, access */
#include "primod/render.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "primod/config.h"

int pm_render_prepare_dir(const char *dir, char *err)
{
    return pm_render_prepare_dir_for("--out", dir, err);
}

int pm_render_prepare_dir_for(const char *option, const char *dir, char *err)
{
    struct stat st;
    if (!dir || !*dir) {
        snprintf(err, PM_CFG_ERR_MAX, "%s: empty directory name", option);
        return -1;
    }
    if (stat(dir, &st)) {
        if (errno != ENOENT || mkdir(dir, 0777)) {
            snprintf(err, PM_CFG_ERR_MAX, "%s %.300s: cannot create: %s", option, dir, strerror(errno));
            return -1;
        }
    } else if (!S_ISDIR(st.st_mode)) {
        snprintf(err, PM_CFG_ERR_MAX, "%s %.300s: not a directory", option, dir);
        return -1;
    }
    if (access(dir, W_OK | X_OK)) {
        snprintf(err, PM_CFG_ERR_MAX, "%s %.300s: not writable: %s", option, dir, strerror(errno));
        return -1;
    }
    return 0;
}

int pm_render_parse_format(const char *s, int *png, int *svg)
{
    if (!s)
        return -1;
    if (!strcmp(s, "png"))
        *png = 1, *svg = 0;
    else if (!strcmp(s, "svg"))
        *png = 0, *svg = 1;
    else if (!strcmp(s, "both"))
        *png = 1, *svg = 1;
    else
        return -1;
    return 0;
}
