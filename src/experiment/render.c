/* The recorded time course of one run: growing arrays, the TSV log reader, and the per-run pictures (SPEC §6). */
#define _POSIX_C_SOURCE 200809L  /* fmemopen, mkdir, access */
#include "primod/render.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "primod/files.h"
#include "primod/plot.h"

#define N_SERIES_ARRAYS 9   /* step x y heading error abs_error relevance steering saturated */

/* ---- the growing trace ---- */

static double **trace_arrays(pm_trace *t, double **a)
{
    a[0] = t->step, a[1] = t->x, a[2] = t->y, a[3] = t->heading;
    a[4] = t->error, a[5] = t->abs_error, a[6] = t->relevance, a[7] = t->steering, a[8] = t->saturated;
    return a;
}

/* Reallocates every array to cap entries; on failure nothing changes (arrays that did move are kept, since
 * realloc preserved their content, and cap is only raised once all succeeded). */
static int trace_grow(pm_trace *t, long cap)
{
    double **fields[N_SERIES_ARRAYS + 1] = {&t->step,      &t->x,         &t->y,        &t->heading,
                                            &t->error,     &t->abs_error, &t->relevance, &t->steering,
                                            &t->saturated, &t->dist};
    for (int i = 0; i <= N_SERIES_ARRAYS; i++) {
        size_t width = i == N_SERIES_ARRAYS ? (size_t)(t->n_layers > 0 ? t->n_layers : 1) : 1;
        double *p = realloc(*fields[i], (size_t)cap * width * sizeof(double));
        if (!p)
            return -1;
        *fields[i] = p;
    }
    t->cap = cap;
    return 0;
}

int pm_trace_create(int n_layers, pm_trace **out)
{
    if (n_layers < 0 || n_layers > PM_TRACE_MAX_LAYERS)
        return -1;
    pm_trace *t = calloc(1, sizeof *t);
    if (!t)
        return -1;
    t->n_layers = n_layers;
    if (trace_grow(t, 1024)) {
        pm_trace_destroy(t);
        return -1;
    }
    *out = t;
    return 0;
}

void pm_trace_destroy(pm_trace *t)
{
    if (!t)
        return;
    double *a[N_SERIES_ARRAYS];
    trace_arrays(t, a);
    for (int i = 0; i < N_SERIES_ARRAYS; i++)
        free(a[i]);
    free(t->dist);
    free(t);
}

/* Adds one row from plain values (shared by the live recorder and the log reader). */
static int trace_push(pm_trace *t, const double row[N_SERIES_ARRAYS], const double *dist)
{
    if (t->n == t->cap && trace_grow(t, t->cap * 2))
        return -1;
    double *a[N_SERIES_ARRAYS];
    trace_arrays(t, a);
    for (int i = 0; i < N_SERIES_ARRAYS; i++)
        a[i][t->n] = row[i];
    for (int l = 0; l < t->n_layers; l++)
        t->dist[t->n * t->n_layers + l] = dist ? dist[l] : 0.0;
    t->n++;
    return 0;
}

int pm_trace_append(pm_trace *t, const pm_runner_step_info *s, const double *dist)
{
    double row[N_SERIES_ARRAYS] = {(double)s->step, s->x,          s->y,         s->heading,
                                   s->error,        fabs(s->error), s->relevance, s->steering,
                                   s->saturated ? 1.0 : 0.0};
    return trace_push(t, row, dist);
}

/* ---- reading a `primod run --log` TSV ---- */

/* Column indices of the log header; -1 when absent. */
typedef struct {
    int step, x, y, heading, error, relevance, steering, sat;   /* R and sat are optional */
    int dist[PM_TRACE_MAX_LAYERS];   /* column of d1..dL */
    int n_layers, n_cols;
} log_columns;

static int parse_header(char *line, log_columns *c, char *err)
{
    memset(c, -1, sizeof *c);
    c->n_layers = 0;
    c->n_cols = 0;
    for (char *save = NULL, *tok = strtok_r(line, "\t\r\n", &save); tok; tok = strtok_r(NULL, "\t\r\n", &save)) {
        int i = c->n_cols++;
        int l;
        char extra;
        if (!strcmp(tok, "step")) c->step = i;
        else if (!strcmp(tok, "x")) c->x = i;
        else if (!strcmp(tok, "y")) c->y = i;
        else if (!strcmp(tok, "heading")) c->heading = i;
        else if (!strcmp(tok, "E")) c->error = i;
        else if (!strcmp(tok, "R")) c->relevance = i;
        else if (!strcmp(tok, "steering")) c->steering = i;
        else if (!strcmp(tok, "sat")) c->sat = i;
        else if (sscanf(tok, "d%d%c", &l, &extra) == 1 && l == c->n_layers + 1 && l <= PM_TRACE_MAX_LAYERS)
            c->dist[c->n_layers++] = i;
    }
    const char *need[] = {"step", "x", "y", "heading", "E", "steering"};
    int have[] = {c->step, c->x, c->y, c->heading, c->error, c->steering};
    for (int k = 0; k < 6; k++)
        if (have[k] < 0) {
            snprintf(err, PM_CFG_ERR_MAX, "no column '%s' in the header (is this a primod run --log file?)",
                     need[k]);
            return -1;
        }
    return 0;
}

/* Splits one data line into exactly n_cols finite numbers (vals: n_cols). */
static int parse_row(char *line, int n_cols, double *vals)
{
    int i = 0;
    for (char *save = NULL, *tok = strtok_r(line, "\t\r\n", &save); tok; tok = strtok_r(NULL, "\t\r\n", &save)) {
        if (i == n_cols)
            return -1;
        char *end;
        errno = 0;
        vals[i] = strtod(tok, &end);
        if (*end || end == tok || errno == ERANGE || !isfinite(vals[i]))
            return -1;
        i++;
    }
    return i == n_cols ? 0 : -1;
}

/* An open log, read line by line with a bounded line length and total size (PM_FILE_MAX_LOG_LINE,
 * PM_FILE_MAX_LOG): its '#' header first (read_header), then the column line and rows. */
typedef struct {
    FILE *f;
    const char *path;
    char *line;          /* the current line (owned, PM_FILE_MAX_LOG_LINE + 2 bytes); after read_header the
                          * column line */
    long total;          /* bytes read so far */
    long line_no;        /* number of the current line, from 1 */
    int have_line;       /* line holds a line that is not a comment */
    int magic;           /* the file opened with PM_RUN_LOG_MAGIC: the header carries the configuration */
    int failed;          /* a read failed (message in err) */
} log_reader;

static int log_start(log_reader *r, FILE *f, const char *path, char *err)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    r->f = f;
    if (!f || !(r->line = malloc(PM_FILE_MAX_LOG_LINE + 2))) {
        snprintf(err, PM_CFG_ERR_MAX, "%.300s: out of memory", path);
        if (f)
            fclose(f);
        return -1;
    }
    return 0;
}

static int log_open(log_reader *r, const char *path, char *err)
{
    FILE *f = pm_file_open(path, PM_FILE_MAX_LOG, "run log", NULL, err);
    return f ? log_start(r, f, path, err) : -1;
}

static void log_close(log_reader *r)
{
    free(r->line);
    fclose(r->f);
}

/* Next line into r->line: 1, 0 at the end, -1 (too long, too much, unreadable) with the message in err. */
static int log_next(log_reader *r, char *err)
{
    int got = pm_file_getline(r->f, r->line, PM_FILE_MAX_LOG_LINE + 2, &r->total, PM_FILE_MAX_LOG, r->path,
                              r->line_no + 1, "run log", err);
    if (got == 0 && ferror(r->f)) {
        snprintf(err, PM_CFG_ERR_MAX, "%.300s: cannot read: %s", r->path, strerror(errno));
        got = -1;
    }
    if (got < 0)
        r->failed = 1;
    if (got > 0)
        r->line_no++;
    return got;
}

static int read_rows(log_reader *r, const log_columns *c, pm_trace *t, char *err)
{
    const char *path = r->path;
    double *vals = malloc((size_t)c->n_cols * sizeof *vals);
    int rc = vals ? 0 : -1, got = 0;
    if (!vals)
        snprintf(err, PM_CFG_ERR_MAX, "out of memory");
    const double rad = acos(-1.0) / 180.0;   /* the log writes the heading in degrees */
    while (!rc && (got = log_next(r, err)) > 0) {
        char *line = r->line;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        if (parse_row(line, c->n_cols, vals)) {
            snprintf(err, PM_CFG_ERR_MAX, "%.300s:%ld: expected %d numbers separated by tabs", path, r->line_no,
                     c->n_cols);
            rc = -1;
            break;
        }
        double dist[PM_TRACE_MAX_LAYERS];
        for (int l = 0; l < c->n_layers; l++)
            dist[l] = vals[c->dist[l]];
        double e = vals[c->error];
        double row[N_SERIES_ARRAYS] = {vals[c->step],  vals[c->x],  vals[c->y],
                                       vals[c->heading] * rad, e, fabs(e),
                                       c->relevance >= 0 ? vals[c->relevance] : 1.0, vals[c->steering],
                                       c->sat >= 0 && vals[c->sat] != 0 ? 1.0 : 0.0};
        if (trace_push(t, row, dist)) {
            snprintf(err, PM_CFG_ERR_MAX, "out of memory");
            rc = -1;
        }
    }
    if (got < 0)
        rc = -1;
    free(vals);
    if (!rc && t->n == 0) {
        snprintf(err, PM_CFG_ERR_MAX, "%.300s: no data rows", path);
        rc = -1;
    }
    return rc;
}

/* Puts "path: " before the message in err. */
static void prefix_path(const char *path, const char *what, char *err)
{
    char msg[PM_CFG_ERR_MAX];
    snprintf(msg, sizeof msg, "%s", err);
    snprintf(err, PM_CFG_ERR_MAX, "%.200s: %s%.350s", path, what, msg);
}

/* One "# config section.key=value" line of the log's header into cfg; other comment lines are ignored. */
static int apply_config_line(const char *path, long line_no, char *line, pm_config *cfg, char *err)
{
    size_t n = strcspn(line, "\r\n"), plen = strlen(PM_RUN_LOG_CONFIG_PREFIX);
    line[n] = '\0';
    if (strncmp(line, PM_RUN_LOG_CONFIG_PREFIX, plen))
        return 0;
    char msg[PM_CFG_ERR_MAX];
    if (pm_config_set_arg(cfg, line + plen, msg)) {
        snprintf(err, PM_CFG_ERR_MAX, "%.200s:%ld: %.350s", path, line_no, msg);
        return -1;
    }
    return 0;
}

/* Reads the '#' lines up to the column line; with cfg, applies the configuration they carry (see
 * pm_trace_read_log_config). Returns 0 or -1 with the message in err. */
static int read_header(log_reader *r, pm_config *cfg, char *err)
{
    int got;
    while ((got = log_next(r, err)) > 0) {
        if (r->line[0] != '#') {
            r->have_line = 1;
            return 0;
        }
        if (r->line_no == 1) {
            size_t mlen = strlen(PM_RUN_LOG_MAGIC) - 1;   /* "# primod run log v" without the number */
            r->magic = !strncmp(r->line, PM_RUN_LOG_MAGIC, mlen);
            const char *v = r->line + mlen;
            if (r->magic && cfg && strcmp(v, "1\n") && strcmp(v, "1\r\n") && strcmp(v, "1")) {
                snprintf(err, PM_CFG_ERR_MAX, "%.300s:1: unsupported log version (this primod reads v1)", r->path);
                return -1;
            }
        } else if (r->magic && cfg && apply_config_line(r->path, r->line_no, r->line, cfg, err)) {
            return -1;
        }
    }
    return got;
}

/* Reads the trace from an open reader; closes it. */
static int read_log(log_reader *r, pm_trace **out, char *err)
{
    const char *path = r->path;
    int rc = -1;
    log_columns c;
    pm_trace *t = NULL;
    if (read_header(r, NULL, err))   /* skips the comments: the configuration is pm_trace_read_log_config's */
        ;
    else if (!r->have_line)
        snprintf(err, PM_CFG_ERR_MAX, "%.300s: empty log (no header line)", path);
    else if (parse_header(r->line, &c, err))
        prefix_path(path, "", err);
    else if (pm_trace_create(c.n_layers, &t))
        snprintf(err, PM_CFG_ERR_MAX, "out of memory");
    else
        rc = read_rows(r, &c, t, err);
    log_close(r);
    if (rc) {
        pm_trace_destroy(t);
        return -1;
    }
    *out = t;
    return 0;
}

int pm_trace_read_log(const char *path, pm_trace **out, char *err)
{
    log_reader r;
    if (log_open(&r, path, err))
        return -1;
    return read_log(&r, out, err);
}

int pm_trace_read_log_mem(const void *data, size_t size, const char *name, pm_trace **out, char *err)
{
    log_reader r;
    if (size == 0) {   /* fmemopen refuses an empty buffer */
        snprintf(err, PM_CFG_ERR_MAX, "%.300s: empty log (no header line)", name);
        return -1;
    }
    if (log_start(&r, fmemopen((void *)(uintptr_t)data, size, "r"), name, err))
        return -1;
    return read_log(&r, out, err);
}

int pm_trace_read_log_config(const char *path, pm_config *cfg, int *found, char *err)
{
    log_reader r;
    *found = 0;
    if (log_open(&r, path, err))
        return -1;
    pm_config c;
    pm_config_defaults(&c);
    int rc = read_header(&r, &c, err);
    log_close(&r);
    if (!rc && r.magic && pm_config_check(&c, err)) {
        prefix_path(path, "configuration: ", err);
        rc = -1;
    }
    if (!rc && r.magic) {
        *cfg = c;
        *found = 1;
    }
    return rc;
}

/* ---- pictures of one run ---- */

typedef struct {
    const pm_render_spec *spec;
    const char *dir, *prefix;
    char *written;
    size_t n;
    char *err;
} render_ctx;

/* Builds dir/prefix+name.ext into path (PM_CFG_PATH_MAX + 64 bytes). */
static void out_path(const render_ctx *c, const char *name, char *path, size_t n)
{
    snprintf(path, n, "%s/%s%s.%s", c->dir, c->prefix, name, c->spec->ext);
}

/* Records a written file, or turns a plot status into the error message. */
static int done(const render_ctx *c, const char *path, pm_status st)
{
    if (st) {
        snprintf(c->err, PM_CFG_ERR_MAX, "%.400s: %s", path, pm_status_str(st));
        return -1;
    }
    if (c->written) {
        size_t used = strlen(c->written);
        snprintf(c->written + used, c->n - used, "%s\n", path);
    }
    return 0;
}

static int render_track(const render_ctx *c, int by_error)
{
    const pm_render_spec *s = c->spec;
    const pm_world *w = pm_sim_world(s->sim);
    int n_pred = pm_sim_n_predictors(s->sim);
    double *xy = malloc((size_t)(n_pred + 2) * 2 * sizeof *xy);
    double *sx = malloc((size_t)(n_pred + 2) * 2 * sizeof *sx);
    if (!xy || !sx) {
        free(xy), free(sx);
        snprintf(c->err, PM_CFG_ERR_MAX, "out of memory");
        return -1;
    }
    /* sensor layout in the robot frame: the reflex pair, then every predictor (SPEC §6) */
    double reflex[4];
    pm_sim_reflex_offsets(s->sim, reflex);
    pm_sim_predictor_offsets(s->sim, xy);
    double *sy = sx + n_pred + 2;
    sx[0] = reflex[0], sy[0] = reflex[1], sx[1] = reflex[2], sy[1] = reflex[3];
    for (int i = 0; i < n_pred; i++)
        sx[i + 2] = xy[2 * i], sy[i + 2] = xy[2 * i + 1];
    char title[256];
    snprintf(title, sizeof title, "%s: %s along the path", s->title ? s->title : "run",
             by_error ? "|E(n)|" : "time");
    pm_plot_track_spec t = {
        .pixels = pm_world_pixels(w), .tex_w = pm_world_width_px(w), .tex_h = pm_world_height_px(w),
        .ppu = pm_world_ppu(w), .x = s->run->x, .y = s->run->y, .n = (int)s->run->n,
        .value = by_error ? s->run->abs_error : NULL, .value_label = by_error ? "|E(n)|" : NULL,
        .dt = by_error ? 0 : s->dt, .heading = s->run->heading, .show_robot = 1, .sensor_x = sx, .sensor_y = sy,
        .n_sensors = n_pred + 2, .robot_width = pm_sim_get_config(s->sim)->wheel_distance, .title = title,
        .width = s->small ? 560 : 0};
    char path[PM_CFG_PATH_MAX + 64];
    out_path(c, by_error ? "track_error" : "track_time", path, sizeof path);
    int rc = done(c, path, pm_plot_track(path, &t));
    free(xy);
    free(sx);
    return rc;
}

static int render_signals(const render_ctx *c)
{
    const pm_render_spec *s = c->spec;
    const pm_trace *r = s->run, *ref = s->reference;
    const char *lr = s->run_label ? s->run_label : "run";
    const char *lf = s->reference_label ? s->reference_label : "reference";
    /* reference first so the run is drawn on top of it */
    pm_plot_series e[2], st[3];
    int k = 0;
    if (ref) {
        e[k] = (pm_plot_series){lf, ref->step, ref->error, (int)ref->n};
        st[k++] = (pm_plot_series){lf, ref->step, ref->steering, (int)ref->n};
    }
    e[k] = (pm_plot_series){ref ? lr : NULL, r->step, r->error, (int)r->n};
    st[k] = (pm_plot_series){ref ? lr : NULL, r->step, r->steering, (int)r->n};
    /* SPEC §9: saturated stretches (some output within 10 % of its bound) as a band along the top of the
     * steering panel: the marker sits at 1.1 max |s| while saturated and at -1.1 max |s| (the bottom) else */
    double top = 0, *mark = NULL;
    long n_sat = 0;
    for (long i = 0; i < r->n; i++)
        top = fmax(top, fabs(r->steering[i])), n_sat += r->saturated[i] != 0;
    if (n_sat && (mark = malloc((size_t)r->n * sizeof *mark))) {
        for (long i = 0; i < r->n; i++)
            mark[i] = (r->saturated[i] != 0 ? 1.1 : -1.1) * (top > 0 ? top : 1);
        st[k + 1] = (pm_plot_series){"saturated (top) / not (bottom)", r->step, mark, (int)r->n};
    }
    pm_plot_panel panels[2] = {{"reflex error E(n)", e, k + 1}, {"steering s(n) (units/s)", st, k + 1 + !!mark}};
    char title[256];
    snprintf(title, sizeof title, "%s: error and steering", s->title ? s->title : "run");
    pm_plot_timeseries_spec ts = {.panels = panels, .n_panels = 2, .xlabel = "step n", .title = title,
                                  .width = s->small ? 760 : 0, .height = s->small ? 460 : 0};
    char path[PM_CFG_PATH_MAX + 64];
    out_path(c, "signals", path, sizeof path);
    int rc = done(c, path, pm_plot_timeseries(path, &ts));
    free(mark);
    return rc;
}

static int render_weights(const render_ctx *c)
{
    const pm_render_spec *s = c->spec;
    char title[256];
    snprintf(title, sizeof title, "%s: per-layer weight distance ||W - W0||", s->title ? s->title : "run");
    pm_plot_weight_distance_spec w = {.dist = s->run->dist, .n_samples = (int)s->run->n,
                                      .n_layers = s->run->n_layers, .x0 = s->run->step[0], .dx = 1,
                                      .xlabel = "step n", .title = title, .width = s->small ? 760 : 0,
                                      .height = s->small ? 460 : 0};
    char path[PM_CFG_PATH_MAX + 64];
    out_path(c, "weights", path, sizeof path);
    return done(c, path, pm_plot_weight_distance(path, &w));
}

static int render_first_layer(const render_ctx *c)
{
    const pm_render_spec *s = c->spec;
    int rows, cols;
    const double *w = pm_net_layer_weights(s->net, 0, &rows, &cols);
    int n_in = pm_net_layer_inputs(s->net, 0);
    int nf = s->n_filters > 0 ? s->n_filters : 1;
    if (!w || n_in % nf) {
        snprintf(c->err, PM_CFG_ERR_MAX, "model: %d first-layer inputs are not a multiple of %d filters", n_in, nf);
        return -1;
    }
    int n_sig = n_in / nf;
    /* predictors laid out as the sim's look-ahead rows when the shapes agree, else one row */
    int prow = 1, plen = n_sig;
    if (s->sim && pm_sim_n_predictors(s->sim) == n_sig)
        prow = pm_sim_n_rows(s->sim), plen = pm_sim_row_len(s->sim);
    char title[256];
    snprintf(title, sizeof title, "%s: first-layer |weights| per filter", s->title ? s->title : "model");
    pm_plot_first_layer_spec f = {.w = w, .n_neurons = rows, .stride = cols, .n_signals = n_sig, .n_filters = nf,
                                  .rows = prow, .row_len = plen, .title = title, .width = s->small ? 700 : 0};
    char path[PM_CFG_PATH_MAX + 64];
    out_path(c, "first_layer", path, sizeof path);
    return done(c, path, pm_plot_first_layer(path, &f));
}

int pm_render_run(const pm_render_spec *spec, const char *dir, const char *prefix, char *written, size_t n,
                  char *err)
{
    if (!spec || !spec->run || spec->run->n < 1 || !spec->ext) {
        snprintf(err, PM_CFG_ERR_MAX, "nothing to render");
        return -1;
    }
    render_ctx c = {spec, dir, prefix ? prefix : "", written, n, err};
    if (spec->sim && ((!spec->no_time_track && render_track(&c, 0)) || render_track(&c, 1)))
        return -1;
    if (render_signals(&c))
        return -1;
    if (spec->run->n_layers > 0 && render_weights(&c))
        return -1;
    if (spec->net && render_first_layer(&c))
        return -1;
    return 0;
}
