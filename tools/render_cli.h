/* Small helpers shared by the picture commands (render, impulse, report): output directory and format options. */
#ifndef PRIMOD_TOOLS_RENDER_CLI_H
#define PRIMOD_TOOLS_RENDER_CLI_H

/* Makes sure dir is a writable directory, creating it (one level, mode 0777 & ~umask) if it does not exist.
 * Returns 0, or -1 with a message in err (PM_CLI_ERR_MAX bytes). */
int pm_render_prepare_dir(const char *dir, char *err);
/* Same, naming option (e.g. "--plots") in the message instead of "--out". */
int pm_render_prepare_dir_for(const char *option, const char *dir, char *err);

/* Parses --format: "png", "svg" or "both" into two flags. Returns 0 or -1 for anything else. */
int pm_render_parse_format(const char *s, int *png, int *svg);

#endif
