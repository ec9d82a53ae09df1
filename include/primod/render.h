/* The recorded time course of one run (from a `primod run --log` TSV or a live pm_runner) and its pictures. */
#ifndef PRIMOD_RENDER_H
#define PRIMOD_RENDER_H

#include "primod/net.h"
#include "primod/sim.h"
#include "primod/run.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PM_TRACE_MAX_LAYERS PM_RUN_MAX_LAYERS

/* One run, step by step. Arrays are (n) entries (capacity cap); dist is (n, n_layers) row-major. */
typedef struct {
    long n, cap;
    int n_layers;        /* weight-distance columns d1..dL (0 for the reflex or a log without them) */
    double *step;        /* step index */
    double *x, *y;       /* pose, world units */
    double *heading;     /* rad, CCW from +x */
    double *error;       /* E(n) */
    double *abs_error;   /* |E(n)| (for colouring the path) */
    double *relevance;   /* R(n) */
    double *steering;    /* s(n), units/s */
    double *saturated;   /* 1 where some network output was within 10 % of its bound (SPEC §9), else 0 */
    double *dist;        /* (n, n_layers) ||W^l - W^l_0|| */
} pm_trace;

/* Creates an empty trace for n_layers weight-distance columns (0..PM_TRACE_MAX_LAYERS). Returns 0, or -1 (bad
 * n_layers, no memory: *out untouched). Free with pm_trace_destroy. */
int pm_trace_create(int n_layers, pm_trace **out);
void pm_trace_destroy(pm_trace *t);   /* NULL does nothing */
/* Appends one step (dist: (n_layers) values, may be NULL when n_layers == 0). Grows the arrays by doubling.
 * Returns 0 or -1 (no memory; the trace is unchanged). */
int pm_trace_append(pm_trace *t, const pm_runner_step_info *s, const double *dist);

/* Reads a `primod run --log` TSV (header line step x y heading E R steering left right o1..oM d1..dL, heading in
 * degrees; lines starting with '#' are comments). Returns 0, or -1 with one line in err (PM_CFG_ERR_MAX bytes):
 * cannot open, missing column, bad number (with the line number), no data rows. Free with pm_trace_destroy. */
int pm_trace_read_log(const char *path, pm_trace **out, char *err);
/* Same from memory (data: size bytes; name is used in messages). Files are refused unless regular (or a pipe)
 * and at most PM_FILE_MAX_LOG bytes with lines of at most PM_FILE_MAX_LOG_LINE bytes (primod/files.h). */
int pm_trace_read_log_mem(const void *data, size_t size, const char *name, pm_trace **out, char *err);

/* Reads the configuration a `primod run --log` TSV carries in its leading '#' lines (PM_RUN_LOG_MAGIC, then
 * "# config section.key=value" per key) into *cfg, starting from the paper defaults; other '#' lines are
 * ignored. *found = 0 and cfg untouched for a log without that first line (older logs). Returns 0, or -1 with
 * one line in err (PM_CFG_ERR_MAX bytes): cannot open, another log version, a bad key or value (with the line
 * number), or keys that do not fit together; cfg untouched then. */
int pm_trace_read_log_config(const char *path, pm_config *cfg, int *found, char *err);

/* What to draw for one run. */
typedef struct {
    const pm_trace *run;           /* the run (required) */
    const pm_trace *reference;     /* optional second run drawn beside it in the signals plot (e.g. reflex only) */
    const char *run_label;         /* legend names; NULL -> "run" / "reference" */
    const char *reference_label;
    const pm_sim *sim;             /* world + sensor layout for the track pictures (NULL: no track pictures) */
    const pm_net *net;             /* optional: first-layer weights image */
    int n_filters;                 /* filters per predictor in the net's inputs (SPEC §4), for the image */
    double dt;                     /* s per step (time colouring); 0 -> colour by step */
    const char *title;             /* prefix of every figure title, e.g. "pm, seed 1, paper track" */
    const char *ext;               /* "png" or "svg" */
    int small;                     /* nonzero: smaller pictures (for the committed report) */
    int no_time_track;             /* nonzero: skip track_time (the report shows only the |E| colouring) */
} pm_render_spec;

/* Writes into dir (which must exist): track_time.EXT (path coloured by time, unless no_time_track),
 * track_error.EXT (by |E|),
 * signals.EXT (E(n) and steering over time), weights.EXT (per-layer weight distance; only if the run has
 * layers), first_layer.EXT (only with a net). prefix (may be "") is put before each file name. Names of the
 * files written are appended to the list in written (may be NULL; newline-separated, n bytes).
 * Returns 0, or -1 with a message in err (PM_CFG_ERR_MAX bytes). */
int pm_render_run(const pm_render_spec *spec, const char *dir, const char *prefix, char *written, size_t n,
                  char *err);

/* ---- output directories and formats of the pictures ---- */
/* Makes sure dir is a writable directory, creating it (one level, mode 0777 & ~umask) if it does not exist.
 * Returns 0, or -1 with a message in err (PM_CFG_ERR_MAX bytes). */
int pm_render_prepare_dir(const char *dir, char *err);
/* Same, naming option (e.g. "--plots") in the message instead of "--out". */
int pm_render_prepare_dir_for(const char *option, const char *dir, char *err);

/* Parses --format: "png", "svg" or "both" into two flags. Returns 0 or -1 for anything else. */
int pm_render_parse_format(const char *s, int *png, int *svg);

#ifdef __cplusplus
}
#endif

#endif
