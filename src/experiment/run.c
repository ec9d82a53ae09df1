/* One closed-loop run of the simulated line follower: builds world, sim and loop from a config and steps them. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, isatty, strcasecmp, open_memstream */
#include "primod/run.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "primod/notify.h"
#include "primod/quality.h"
#include "primod/version.h"

/* The wheel-noise stream is seeded from seed ^ this, the network from seed itself: one user seed, two
 * independent streams (splitmix64 inside pm_rng_seed decorrelates nearby seeds). */
#define PM_SIM_SEED_XOR 0x9E3779B97F4A7C15ULL

struct pm_runner {
    pm_config cfg;
    pm_world *world;             /* owned, unless it comes from a pm_run_cache (world_borrowed) */
    int world_borrowed;
    pm_sim *sim;
    pm_loop *loop;
    pm_quality *quality;         /* controller quality over the tail of the run (SPEC §9) */
    double sat_bound;            /* |o| at or above this counts as saturated; +inf: never (linear, relu) */
    double *predictors;          /* (n_predictors) sensor values of the current step */
    double *recent;              /* (cfg.window) ring of |E| for final_mean_abs_error */
    long steps;
    int success, lost, diverged, done;
};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int is_png_path(const char *track)
{
    size_t n = strlen(track);
    return strchr(track, '/') || (n > 4 && !strcasecmp(track + n - 4, ".png"));
}

/* Set-up status -> exit code and message; detail is the library's one-line reason (naming size and limit). */
static int setup_error(pm_status st, const char *what, const char *detail, char *err)
{
    if (st == PM_ERR_CANCELLED)
        snprintf(err, PM_CFG_ERR_MAX, "%.200s: stopped by a signal during set-up", what);
    else
        snprintf(err, PM_CFG_ERR_MAX, "%.200s: %.390s", what, detail[0] ? detail
                 : st == PM_ERR_IO ? strerror(errno) : pm_status_str(st));
    return st == PM_ERR_NOMEM || st == PM_ERR_CANCELLED ? PM_EXIT_FAILURE : PM_EXIT_USAGE;
}

/* Builds the world: a built-in track by name, else a PNG file; within the memory budget, stoppable by *cancel. */
static int make_world(const pm_config *cfg, volatile sig_atomic_t *cancel, pm_world **out, char *err)
{
    pm_status st;
    char detail[400] = "", what[PM_CFG_PATH_MAX + 16];
    pm_setup opt = {.cancel = cancel, .detail = detail, .detail_size = sizeof detail};
    if (is_png_path(cfg->track)) {
        st = pm_world_load_png_ex(cfg->track, cfg->ppu, &opt, out);
        snprintf(what, sizeof what, "track %.300s", cfg->track);
        if (st == PM_ERR_LIMIT)   /* the texture's size is the image's times world.ppu: name the key too */
            snprintf(what, sizeof what, "track %.300s at world.ppu = %g", cfg->track, cfg->ppu);
        return st ? setup_error(st, what, detail, err) : PM_EXIT_OK;
    }
    int w = 0, h = 0;
    if (!pm_track_size_px(cfg->ppu, &w, &h) && pm_world_estimate_bytes(w, h, NULL) > PM_SETUP_MAX_BYTES) {
        snprintf(err, PM_CFG_ERR_MAX, "[world] ppu = %g: the %d x %d px texture of track %.100s and one sensor map "
                 "need %zu MiB, over the %zu MiB budget (lower world.ppu)", cfg->ppu, w, h, cfg->track,
                 pm_world_estimate_bytes(w, h, NULL) >> 20, PM_SETUP_MAX_BYTES >> 20);
        return PM_EXIT_USAGE;
    }
    st = pm_world_create_builtin_ex(cfg->track, cfg->ppu, &opt, out);
    if (st == PM_OK)
        return PM_EXIT_OK;
    if (st != PM_ERR_ARG) {
        snprintf(what, sizeof what, "track %.200s at world.ppu = %g", cfg->track, cfg->ppu);
        return setup_error(st, what, detail, err);
    }
    int n;
    const char *const *names = pm_track_names(&n);
    char list[256] = "";
    for (int i = 0; i < n; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", names[i]);
    snprintf(err, PM_CFG_ERR_MAX, "unknown track '%.200s' (built-in: %s; or a .png file)", cfg->track, list);
    return PM_EXIT_USAGE;
}

static void sim_config(const pm_config *cfg, pm_sim_config *s)
{
    pm_sim_config_paper(s);
    s->dt = cfg->dt / cfg->substeps;
    s->wheel_distance = cfg->wheel_distance;
    s->max_wheel_speed = cfg->max_wheel_speed;
    s->wheel_noise = cfg->wheel_noise;
    s->seed = cfg->seed ^ PM_SIM_SEED_XOR;
    s->reflex_x = cfg->reflex_x;
    s->reflex_y = cfg->reflex_y;
    s->reflex_sigma = cfg->reflex_sigma;
    s->reflex_gain = cfg->reflex_gain;
    s->n_rows = cfg->predictor_rows;
    s->row_len = cfg->predictor_count;
    s->row_x0 = cfg->predictor_x0;
    s->row_dx = cfg->predictor_dx;
    s->row_spacing = cfg->predictor_spacing;
    s->predictor_sigma = cfg->predictor_sigma;
    s->line_threshold = cfg->line_threshold;
}

/* Hidden widths then the outputs into sizes: (PM_RUN_MAX_LAYERS); returns the number of layers. */
static int layer_sizes(const pm_config *cfg, int *sizes)
{
    int n = 0;
    if (cfg->n_hidden > 0)
        for (int i = 0; i < cfg->n_hidden; i++)
            sizes[n++] = cfg->hidden[i];
    else
        for (int i = 0; i < cfg->hidden_layers; i++)
            sizes[n++] = cfg->hidden_width;
    sizes[n++] = cfg->outputs;
    return n;
}

void pm_config_loop_config(const pm_config *cfg, int *sizes, pm_loop_config *l)
{
    pm_loop_config_paper(l);
    l->n_rows = cfg->predictor_rows;
    l->row_len = cfg->predictor_count;
    l->n_predictors = cfg->predictor_rows * cfg->predictor_count;
    l->filter.kind = cfg->filter_kind == PM_CFG_FILTER_DELAY ? PM_FILTER_DELAY : PM_FILTER_RESONATOR;
    l->filter.n_filters = cfg->filter_n;
    l->filter.t_min = cfg->t_min;
    l->filter.t_max = cfg->t_max;
    l->filter.q = cfg->q;
    l->net.n_layers = layer_sizes(cfg, sizes);
    l->net.layer_sizes = sizes;
    l->net.activation = (pm_activation)cfg->activation;   /* same order as pm_config_activation */
    l->net.seed = cfg->seed;
    l->net.use_bias = cfg->bias;
    l->net.init = (pm_init)cfg->init;                     /* same order as pm_config_init_kind */
    l->rule = (pm_loop_rule)cfg->rule;                    /* same order as pm_config_rule */
    l->rate = pm_config_rate(cfg);
    l->dead_band = cfg->dead_band;
    l->speed = cfg->speed;
    l->net_gain = cfg->net_gain;
    l->output_mix = cfg->output_mix;
    l->relevance_threshold = cfg->relevance_threshold;
    l->success.warmup = cfg->warmup;
    l->success.window = cfg->window;
    l->success.hold = cfg->hold;
    l->success.threshold = cfg->success_threshold;
    l->lost_steps = cfg->lost_steps;
    l->learn = cfg->learning_enabled != 0;
}

/* SPEC §9: an output is saturated within 10 % of its activation's bound (sigmoid - 0.5: 0.45; tanh: 0.9);
 * linear and relu outputs have no bound. Same rule as the quality tracker (primod/quality.h). */
static double saturation_bound(int activation)
{
    return activation == PM_CFG_ACT_SIGMOID ? 0.45 : activation == PM_CFG_ACT_TANH ? 0.9 : INFINITY;
}

/* Loads a model and swaps it into the loop after checking its whole shape against the config. */
static int load_model(pm_runner *r, const char *path, const int *sizes, int n_layers, char *err)
{
    if (r->cfg.rule == PM_CFG_RULE_REFLEX) {
        snprintf(err, PM_CFG_ERR_MAX, "--load-model: the reflex rule has no network");
        return PM_EXIT_USAGE;
    }
    /* Refused, not adapted: the run's record and log header print the config, so they must be what runs
     * (issue 13 item 1). The message names every differing key with both values. */
    pm_net *net = NULL;
    (void)sizes;
    (void)n_layers;
    int rc = pm_model_load(path, &r->cfg, pm_loop_n_inputs(r->loop), "config", &net, err);
    if (rc)
        return rc;
    if (pm_loop_replace_net(r->loop, net)) {
        snprintf(err, PM_CFG_ERR_MAX, "model %.300s: does not fit the loop", path);
        pm_net_destroy(net);
        return PM_EXIT_USAGE;
    }
    return PM_EXIT_OK;
}

static int place_robot(pm_runner *r, char *err)
{
    const pm_config *c = &r->cfg;
    if (c->n_start == 3) {
        const double deg = acos(-1.0) / 180.0;
        if (pm_sim_set_pose(r->sim, c->start[0], c->start[1], c->start[2] * deg)) {
            double w, h;
            pm_world_size(r->world, &w, &h);
            snprintf(err, PM_CFG_ERR_MAX, "start pose (%g, %g) is off the track texture (0..%g x 0..%g units)",
                     c->start[0], c->start[1], w, h);
            return PM_EXIT_USAGE;
        }
        return PM_EXIT_OK;
    }
    double x, y, h;
    if (pm_world_start_pose(r->world, &x, &y, &h)) {
        snprintf(err, PM_CFG_ERR_MAX, "track %.300s has no start pose: give --start X,Y,HEADING_DEG", c->track);
        return PM_EXIT_USAGE;
    }
    return PM_EXIT_OK;
}

static const char *loop_error(pm_status st)
{
    return st == PM_ERR_NOMEM ? "out of memory" : pm_status_str(st);
}

/* ---- a batch's shared worlds and sensor maps ------------------------------------------------------------------ */

/* What selects a world and its blurred maps: the texture (track, ppu) and the two footprint sigmas (SPEC §6). */
typedef struct {
    char track[PM_CFG_PATH_MAX];
    double ppu, reflex_sigma, predictor_sigma;
} cache_key;

/* One world and a sim holding its blurred maps, for every run whose key is this. */
typedef struct {
    cache_key key;
    pm_world *world;
    pm_sim *sim;   /* donor of the maps (pm_sim_create_shared); its own pose and seed are never used */
} cache_entry;

/* A key whose world or maps were refused (PM_EXIT_USAGE): the refusal, returned again without building. */
typedef struct {
    cache_key key;
    int rc;
    char err[PM_CFG_ERR_MAX];
} cache_failure;

struct pm_run_cache {
    int n, n_failed, builds;
    cache_entry e[PM_RUN_CACHE_MAX];
    cache_failure failed[PM_RUN_CACHE_MAX];
};

static void cache_key_of(const pm_config *cfg, cache_key *k)
{
    snprintf(k->track, sizeof k->track, "%s", cfg->track);
    k->ppu = cfg->ppu;
    k->reflex_sigma = cfg->reflex_sigma;
    k->predictor_sigma = cfg->predictor_sigma;
}

/* The maps depend on the key only (SPEC §6); everything else in cfg may differ. */
static int cache_key_equal(const cache_key *k, const pm_config *cfg)
{
    return !strcmp(k->track, cfg->track) && k->ppu == cfg->ppu && k->reflex_sigma == cfg->reflex_sigma &&
           k->predictor_sigma == cfg->predictor_sigma;
}

static const cache_entry *cache_find(const pm_run_cache *c, const pm_config *cfg)
{
    for (int i = 0; c && i < c->n; i++)
        if (cache_key_equal(&c->e[i].key, cfg))
            return &c->e[i];
    return NULL;
}

static const cache_failure *cache_find_failure(const pm_run_cache *c, const pm_config *cfg)
{
    for (int i = 0; i < c->n_failed; i++)
        if (cache_key_equal(&c->failed[i].key, cfg))
            return &c->failed[i];
    return NULL;
}

/* What a refused simulator set-up names: the keys its config comes from. */
#define SIM_WHAT "simulator ([world] ppu, [robot], [sensors])"

/* The world and the sim of r->cfg: borrowed from cache when it has them, else built (drawn or loaded, then
 * blurred within the memory budget). */
static int build_sim(pm_runner *r, const pm_run_cache *cache, volatile sig_atomic_t *cancel, char *err)
{
    const pm_config *cfg = &r->cfg;
    pm_sim_config sc;
    sim_config(cfg, &sc);
    const cache_entry *hit = cache_find(cache, cfg);
    if (hit) {   /* the world and its blurred maps were built once for the whole batch: borrow them */
        r->world = hit->world;
        r->world_borrowed = 1;
        pm_status st = pm_sim_create_shared(&sc, hit->sim, &r->sim);
        return st ? setup_error(st, SIM_WHAT, "", err) : PM_EXIT_OK;
    }
    int rc = make_world(cfg, cancel, &r->world, err);
    if (rc)
        return rc;
    char detail[400] = "";
    pm_setup opt = {.cancel = cancel, .detail = detail, .detail_size = sizeof detail};
    int w_px, h_px;
    double w_units, h_units;
    pm_world_size(r->world, &w_units, &h_units);
    w_px = (int)lround(w_units * cfg->ppu), h_px = (int)lround(h_units * cfg->ppu);
    if (pm_world_estimate_bytes(w_px, h_px, &sc) > PM_SETUP_MAX_BYTES) {
        /* the blurred maps (one per distinct sigma, SPEC §6) are what grows: name every key that sizes them */
        int one = cfg->reflex_sigma == cfg->predictor_sigma;
        snprintf(err, PM_CFG_ERR_MAX, "[world] ppu = %g with [sensors] reflex_sigma = %g and predictor_sigma = %g: "
                 "the %d x %d px world and its %d sensor map%s need %zu MiB, over the %zu MiB budget "
                 "(lower world.ppu%s)", cfg->ppu, cfg->reflex_sigma, cfg->predictor_sigma, w_px, h_px, one ? 1 : 2,
                 one ? "" : "s", pm_world_estimate_bytes(w_px, h_px, &sc) >> 20, PM_SETUP_MAX_BYTES >> 20,
                 one ? "" : ", or make the two sigmas equal to share one map");
        return PM_EXIT_USAGE;
    }
    pm_status st = pm_sim_create_ex(&sc, r->world, &opt, &r->sim);
    return st ? setup_error(st, SIM_WHAT, detail, err) : PM_EXIT_OK;
}

int pm_run_cache_create(pm_run_cache **out)
{
    if (!out)
        return PM_EXIT_USAGE;
    *out = calloc(1, sizeof **out);
    return *out ? PM_EXIT_OK : PM_EXIT_FAILURE;
}

void pm_run_cache_destroy(pm_run_cache *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->n; i++) {
        pm_sim_destroy(c->e[i].sim);
        pm_world_destroy(c->e[i].world);
    }
    free(c);
}

int pm_run_cache_count(const pm_run_cache *c)
{
    return c ? c->n : 0;
}

int pm_run_cache_builds(const pm_run_cache *c)
{
    return c ? c->builds : 0;
}

int pm_run_cache_add(pm_run_cache *c, const pm_config *cfg, const volatile sig_atomic_t *stop, char *err)
{
    char unused[PM_CFG_ERR_MAX];   /* err NULL: the caller wants the code only (run.h) */
    if (!err)
        err = unused;
    if (!c || !cfg)
        return PM_EXIT_USAGE;
    if (cache_find(c, cfg))
        return PM_EXIT_OK;
    const cache_failure *f = cache_find_failure(c, cfg);
    if (f) {   /* refused before for this key: building again would only be refused again (a batch's later jobs) */
        snprintf(err, PM_CFG_ERR_MAX, "%s", f->err);
        return f->rc;
    }
    if (c->n >= PM_RUN_CACHE_MAX) {
        snprintf(err, PM_CFG_ERR_MAX, "run cache: full (%d worlds); runs of other worlds build their own",
                 PM_RUN_CACHE_MAX);
        return PM_EXIT_USAGE;
    }
    /* This config's own mistakes, not its key's: refused before building anything, not remembered. */
    if (pm_config_check(cfg, err))
        return PM_EXIT_USAGE;
    pm_sim_config sc;
    char detail[400] = "";
    pm_setup opt = {.detail = detail, .detail_size = sizeof detail};
    sim_config(cfg, &sc);
    pm_status st = pm_sim_config_check(&sc, &opt);
    if (st)
        return setup_error(st, SIM_WHAT, detail, err);
    /* The world and the sim exactly as a run builds them (track, memory budget, stop); the rest of a run's set-up
     * (rule, start pose, network) is each run's own, so its refusals are left to the run. */
    pm_runner *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, PM_CFG_ERR_MAX, "out of memory");
        return PM_EXIT_FAILURE;
    }
    r->cfg = *cfg;
    c->builds++;
    int rc = build_sim(r, NULL, (volatile sig_atomic_t *)(uintptr_t)stop, err);
    if (rc) {
        /* With the config checked, a refusal here depends on the key alone (the track, the budget of its texture
         * and maps, the footprints' width): remember it. Out of memory and a stop (PM_EXIT_FAILURE) may pass: those
         * are tried again. */
        if (rc == PM_EXIT_USAGE && c->n_failed < PM_RUN_CACHE_MAX) {
            cache_failure *nf = &c->failed[c->n_failed++];
            cache_key_of(cfg, &nf->key);
            nf->rc = rc;
            snprintf(nf->err, sizeof nf->err, "%s", err);
        }
        pm_runner_destroy(r);
        return rc;
    }
    cache_entry *e = &c->e[c->n++];
    cache_key_of(cfg, &e->key);
    e->world = r->world;
    e->sim = r->sim;
    r->world_borrowed = 1;
    r->sim = NULL;
    pm_runner_destroy(r);
    return PM_EXIT_OK;
}

int pm_runner_create(const pm_config *cfg, const char *model, pm_runner **out, char *err)
{
    return pm_runner_create_ex(cfg, model, NULL, out, err);
}

int pm_runner_create_ex(const pm_config *cfg, const char *model, const volatile sig_atomic_t *stop,
                        pm_runner **out, char *err)
{
    return pm_runner_create_cached(cfg, model, stop, NULL, out, err);
}

int pm_runner_create_cached(const pm_config *cfg, const char *model, const volatile sig_atomic_t *stop,
                            const pm_run_cache *cache, pm_runner **out, char *err)
{
    /* pm_setup takes a writable flag pointer but only reads it (setup.h) */
    volatile sig_atomic_t *cancel = (volatile sig_atomic_t *)(uintptr_t)stop;
    if (pm_config_check(cfg, err))
        return PM_EXIT_USAGE;
    if ((cfg->rule == PM_CFG_RULE_PM || cfg->rule == PM_CFG_RULE_CHAINED || cfg->rule == PM_CFG_RULE_SAT) &&
        cfg->predictor_rows < 2) {
        snprintf(err, PM_CFG_ERR_MAX, "rule %s needs [sensors] predictor_rows >= 2 (curvature relevance)",
                 pm_config_rule_name(cfg->rule));
        return PM_EXIT_USAGE;
    }
    pm_runner *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, PM_CFG_ERR_MAX, "out of memory");
        return PM_EXIT_FAILURE;
    }
    r->cfg = *cfg;
    int rc = build_sim(r, cache, cancel, err);
    if (rc)
        goto fail;
    if ((rc = place_robot(r, err)))
        goto fail;
    int sizes[PM_RUN_MAX_LAYERS];
    pm_loop_config lc;
    pm_config_loop_config(cfg, sizes, &lc);
    pm_status st = pm_loop_create(&lc, &r->loop);
    if (st) {
        snprintf(err, PM_CFG_ERR_MAX, "loop: %s (check [filter], [network], [learning], [run])", loop_error(st));
        rc = st == PM_ERR_NOMEM ? PM_EXIT_FAILURE : PM_EXIT_USAGE;
        goto fail;
    }
    if (model && (rc = load_model(r, model, sizes, lc.net.n_layers, err)))
        goto fail;
    /* The measured tail is at most run.hold steps and never more than max_steps: the ring needs no more. */
    pm_quality_config qc = {.hold = (int)(cfg->hold < cfg->max_steps ? cfg->hold : cfg->max_steps),
                            .warmup = cfg->warmup, .activation = (pm_activation)cfg->activation,
                            .max_chatter = cfg->max_chatter};
    r->sat_bound = saturation_bound(cfg->activation);
    if ((st = pm_quality_create(&qc, &r->quality))) {
        snprintf(err, PM_CFG_ERR_MAX, "quality tracker: %s", loop_error(st));
        rc = st == PM_ERR_NOMEM ? PM_EXIT_FAILURE : PM_EXIT_USAGE;
        goto fail;
    }
    r->predictors = calloc((size_t)pm_sim_n_predictors(r->sim), sizeof *r->predictors);
    r->recent = calloc((size_t)cfg->window, sizeof *r->recent);
    if (!r->predictors || !r->recent) {
        snprintf(err, PM_CFG_ERR_MAX, "out of memory");
        rc = PM_EXIT_FAILURE;
        goto fail;
    }
    *out = r;
    return PM_EXIT_OK;
fail:
    pm_runner_destroy(r);
    return rc;
}

void pm_runner_destroy(pm_runner *r)
{
    if (!r)
        return;
    free(r->recent);
    free(r->predictors);
    pm_quality_destroy(r->quality);
    pm_loop_destroy(r->loop);
    pm_sim_destroy(r->sim);
    if (!r->world_borrowed)
        pm_world_destroy(r->world);
    free(r);
}

int pm_runner_step(pm_runner *r, pm_runner_step_info *info)
{
    if (r->done)
        return -1;
    pm_sim_reading rd;
    memset(info, 0, sizeof *info);
    info->step = r->steps;
    pm_sim_pose(r->sim, &info->x, &info->y, &info->heading);
    pm_sim_sense(r->sim, &rd, r->predictors);
    pm_loop_input in = {.error = rd.error, .predictors = r->predictors, .line_seen = rd.line_seen};
    pm_loop_output o;
    info->error = rd.error;
    if (pm_loop_step(r->loop, &in, &o)) {
        /* Only non-finite values are refused here (a diverging learner): the run ends without success. */
        r->diverged = info->diverged = 1;
        r->done = 1;
        return 0;
    }
    for (int k = 0; k < r->cfg.substeps; k++)
        if (pm_sim_step(r->sim, o.left, o.right)) {
            r->diverged = info->diverged = 1;
            break;
        }
    double a = fabs(rd.error);
    r->recent[r->steps % r->cfg.window] = a;
    r->steps++;
    info->relevance = o.relevance;
    info->steering = o.steering;
    info->left = o.left;
    info->right = o.right;
    info->outputs = o.outputs;
    info->n_outputs = pm_loop_n_outputs(r->loop);
    for (int m = 0; o.outputs && m < info->n_outputs; m++)
        info->saturated |= fabs(o.outputs[m]) >= r->sat_bound;
    if (pm_quality_push(r->quality, o.steering, o.outputs, o.outputs ? info->n_outputs : 0))
        r->diverged = info->diverged = 1;   /* a non-finite steering or output: the loop would refuse next */
    info->success = r->success = o.success;
    info->lost = r->lost = o.lost;
    if (r->diverged || r->lost || (r->success && r->cfg.stop_on_success) || r->steps >= r->cfg.max_steps)
        r->done = 1;
    return 0;
}

int pm_runner_done(const pm_runner *r) { return r->done; }
const pm_sim *pm_runner_sim(const pm_runner *r) { return r->sim; }
const pm_loop *pm_runner_loop(const pm_runner *r) { return r->loop; }
const pm_config *pm_runner_config(const pm_runner *r) { return &r->cfg; }

pm_status pm_runner_set_learning(pm_runner *r, int on)
{
    return r ? pm_loop_set_learning(r->loop, on) : PM_ERR_ARG;
}

void pm_runner_quality(const pm_runner *r, double *saturation, double *chatter, double *max_abs_weight,
                       int *smooth_success)
{
    pm_quality_result q;
    pm_quality_get(r->quality, &q);
    const pm_net *net = pm_loop_net(r->loop);
    if (saturation) /* the reflex has no outputs that could saturate: undefined, as for linear outputs */
        *saturation = net ? q.saturation : NAN;
    if (chatter)
        *chatter = q.chatter;
    if (max_abs_weight)
        *max_abs_weight = net ? pm_net_max_abs_weight(net) : NAN;
    if (smooth_success)
        *smooth_success = pm_quality_smooth_success(r->quality, r->success);
}

int pm_runner_n_layers(const pm_runner *r)
{
    const pm_net *net = pm_loop_net(r->loop);
    return net ? pm_net_n_layers(net) : 0;
}

void pm_runner_weight_distances(const pm_runner *r, double *d)
{
    const pm_net *net = pm_loop_net(r->loop);
    for (int l = 0; net && l < pm_net_n_layers(net); l++)
        d[l] = pm_net_weight_distance(net, l);
}

/* Fills res from a finished (or stopped) runner. */
static void collect(const pm_runner *r, double seconds, pm_run_result *res)
{
    memset(res, 0, sizeof *res);
    snprintf(res->rule, sizeof res->rule, "%s", pm_config_rule_name(r->cfg.rule));
    snprintf(res->track, sizeof res->track, "%s", r->cfg.track);
    res->seed = r->cfg.seed;
    res->rate = r->cfg.rule == PM_CFG_RULE_REFLEX ? 0 : pm_config_rate(&r->cfg);
    res->steps = r->steps;
    res->success = r->success;
    res->success_step = r->success ? pm_loop_success_step(r->loop) : -1;
    res->lost = r->lost;
    res->diverged = r->diverged;
    res->mean_abs_error = pm_loop_mean_abs_error(r->loop);
    res->error_integral = pm_loop_error_integral(r->loop);
    long n = r->steps < r->cfg.window ? r->steps : r->cfg.window;
    double sum = 0;
    for (long i = 0; i < n; i++)
        sum += r->recent[i];
    res->final_mean_abs_error = n ? sum / (double)n : 0;
    res->n_layers = pm_runner_n_layers(r);
    pm_runner_weight_distances(r, res->weight_distance);
    res->steps_per_second = seconds > 0 ? (double)r->steps / seconds : 0;
    res->learning_enabled = r->cfg.learning_enabled;
    pm_runner_quality(r, &res->saturation, &res->chatter, &res->max_abs_weight, &res->smooth_success);
}

/* ---- the TSV log: one row per step, written to a temp file renamed into place at the end ---- */

/* The log opens with its format line and the effective configuration as '#' comments (one "# config
 * section.key=value" line per key), so `primod render` can rebuild the world and sensors from the log alone;
 * readers skip '#' lines before the column header. */
static void log_header(FILE *f, const pm_config *cfg, int n_outputs, int n_layers)
{
    fprintf(f, "%s\n", PM_RUN_LOG_MAGIC);
    pm_config_write_lines(cfg, PM_RUN_LOG_CONFIG_PREFIX, f);
    fprintf(f, "step\tx\ty\theading\tE\tR\tsteering\tleft\tright\tsat");
    for (int m = 0; m < n_outputs; m++)
        fprintf(f, "\to%d", m + 1);
    for (int l = 0; l < n_layers; l++)
        fprintf(f, "\td%d", l + 1);
    fputc('\n', f);
}

/* heading in degrees; weight distances of every layer at every step (they cost about one step's arithmetic,
 * only paid when logging). */
static void log_row(FILE *f, const pm_runner_step_info *s, const double *dist, int n_layers)
{
    const double deg = 180.0 / acos(-1.0);
    fprintf(f, "%ld\t%.9g\t%.9g\t%.9g\t%.9g\t%.9g\t%.9g\t%.9g\t%.9g\t%d", s->step, s->x, s->y, s->heading * deg,
            s->error, s->relevance, s->steering, s->left, s->right, s->saturated);
    for (int m = 0; m < s->n_outputs; m++)
        fprintf(f, "\t%.9g", s->outputs ? s->outputs[m] : 0.0);
    for (int l = 0; l < n_layers; l++)
        fprintf(f, "\t%.9g", dist[l]);
    fputc('\n', f);
}

static void progress(const pm_runner *r, double t0, double *last)
{
    double t = now_seconds();
    if (t - *last < 0.5 || t - t0 < 3)   /* short runs show no progress (issue 10: only runs of a few seconds) */
        return;
    *last = t;
    pm_notify(PM_NOTE_PROGRESS, "run", "%ld/%ld steps  %.0f steps/s  mean |E| %.4g", r->steps, r->cfg.max_steps,
            (double)r->steps / (t - t0), pm_loop_mean_abs_error(r->loop));
}

/* Options of run besides the config options: the files and the output switches. */
static int run_takes_value(const char *name)
{
    return pm_config_is_option(name) || !strcmp(name, "--log") || !strcmp(name, "--save-model") ||
           !strcmp(name, "--load-model");
}

int pm_run_parse_args(int argc, char **argv, pm_run_options *opt, int *json, char *err)
{
    memset(opt, 0, sizeof *opt);
    *json = 0;
    int rc = pm_config_from_args(argc, argv, run_takes_value, &opt->cfg, err), quiet = 0;
    for (int i = 1; !rc && i < argc; i++) {
        char name[64];
        const char *value;
        if ((rc = pm_args_next_option(argc, argv, &i, name, sizeof name, &value, run_takes_value, err)))
            break;
        if (!strcmp(name, "--json"))
            *json = 1;
        else if (!strcmp(name, "--quiet"))
            quiet = 1;
        else if (!strcmp(name, "--log"))
            opt->log_path = value;
        else if (!strcmp(name, "--save-model"))
            opt->save_model = value;
        else if (!strcmp(name, "--load-model"))
            opt->load_model = value;
        else
            rc = pm_config_apply_option(&opt->cfg, name, value, err);
    }
    opt->progress = !quiet;
    return rc;
}

int pm_run(const pm_run_options *opt, pm_run_result *res, char *err)
{
    memset(res, 0, sizeof *res);
    if (opt->save_model && opt->cfg.rule == PM_CFG_RULE_REFLEX) {
        snprintf(err, PM_CFG_ERR_MAX, "--save-model: the reflex rule has no network");
        return PM_EXIT_USAGE;
    }
    if (opt->save_model) {
        /* checked before the run (which may take long), as --log is: its directory must be writable */
        char dir[PM_CFG_PATH_MAX];
        const char *slash = strrchr(opt->save_model, '/');
        struct stat st;
        if (!slash)
            snprintf(dir, sizeof dir, ".");
        else
            snprintf(dir, sizeof dir, "%.*s", slash == opt->save_model ? 1 : (int)(slash - opt->save_model),
                     opt->save_model);
        if (!opt->save_model[0] || (slash && !slash[1])) {
            snprintf(err, PM_CFG_ERR_MAX, "--save-model '%.300s': not a file name", opt->save_model);
            return PM_EXIT_USAGE;
        }
        if (stat(opt->save_model, &st) == 0 && S_ISDIR(st.st_mode)) {
            snprintf(err, PM_CFG_ERR_MAX, "--save-model %.300s: %s", opt->save_model, strerror(EISDIR));
            return PM_EXIT_USAGE;
        }
        if (access(dir, W_OK | X_OK)) {
            snprintf(err, PM_CFG_ERR_MAX, "--save-model %.300s: %s", opt->save_model, strerror(errno));
            return PM_EXIT_USAGE;
        }
    }
    pm_runner *r;
    int rc = pm_runner_create_cached(&opt->cfg, opt->load_model, opt->stop, opt->cache, &r, err);
    if (rc)
        return rc;
    FILE *log = NULL;
    char tmp[PM_CFG_PATH_MAX + 32] = "";
    if (opt->log_path) {
        /* A regular file is written beside and renamed into place; anything else that exists (/dev/stdout, a
         * FIFO, /dev/null) is written directly: renaming over it would replace the device with a file. */
        struct stat st;
        if (stat(opt->log_path, &st) == 0 && !S_ISREG(st.st_mode))
            tmp[0] = '\0';
        else
            snprintf(tmp, sizeof tmp, "%s.tmp.%ld", opt->log_path, (long)getpid());
        if (!(log = fopen(tmp[0] ? tmp : opt->log_path, "w"))) {
            snprintf(err, PM_CFG_ERR_MAX, "--log %.300s: %s", opt->log_path, strerror(errno));
            pm_runner_destroy(r);
            return PM_EXIT_USAGE;
        }
        log_header(log, &r->cfg, pm_loop_n_outputs(r->loop), pm_runner_n_layers(r));
    }
    int show = opt->progress;
    double t0 = now_seconds(), last = t0;
    double dist[PM_RUN_MAX_LAYERS];
    pm_runner_step_info info;
    while (!(opt->stop && *opt->stop) && !pm_runner_step(r, &info)) {
        if (log && !info.diverged) {
            pm_runner_weight_distances(r, dist);
            log_row(log, &info, dist, pm_runner_n_layers(r));
        }
        if (show)
            progress(r, t0, &last);
    }
    double seconds = now_seconds() - t0;
    if (show)
        pm_notify(PM_NOTE_PROGRESS_END, "run", "%s", "");
    collect(r, seconds, res);
    res->interrupted = !pm_runner_done(r);   /* a stop request ended it before success / lost / max_steps */
    if (log) {
        int bad = ferror(log);
        bad |= fclose(log) != 0;
        if (bad || (tmp[0] && rename(tmp, opt->log_path))) {
            snprintf(err, PM_CFG_ERR_MAX, "--log %.300s: cannot write: %s", opt->log_path, strerror(errno));
            if (tmp[0])
                remove(tmp);
            rc = PM_EXIT_FAILURE;
        }
    }
    if (opt->save_model) {   /* saved even when the log failed: one failed output never costs the others */
        pm_status st = pm_net_save(pm_loop_net(r->loop), opt->save_model);
        if (st && !rc)
            snprintf(err, PM_CFG_ERR_MAX, "--save-model %.300s: %s", opt->save_model, pm_status_str(st));
        if (st)
            rc = PM_EXIT_FAILURE;
    }
    pm_runner_destroy(r);
    return rc;
}

/* ---- result records ---- */

void pm_run_result_json(const pm_run_result *res, const pm_config *cfg, pm_json *j)
{
    pm_json_begin_object(j);
    pm_json_kv_string(j, "rule", res->rule);
    pm_json_kv_ulong(j, "seed", res->seed);   /* the whole u64 range (a signed write made 2^64-1 "-1") */
    pm_json_kv_double(j, "rate", res->rate);
    pm_json_kv_string(j, "track", res->track);
    pm_json_kv_long(j, "steps", res->steps);
    pm_json_kv_bool(j, "success", res->success);
    pm_json_key(j, "success_step");
    if (res->success_step >= 0)
        pm_json_long(j, res->success_step);
    else
        pm_json_null(j);
    pm_json_kv_bool(j, "lost", res->lost);
    pm_json_kv_bool(j, "diverged", res->diverged);
    pm_json_kv_double(j, "mean_abs_error", res->mean_abs_error);
    pm_json_kv_double(j, "error_integral", res->error_integral);
    pm_json_kv_double(j, "final_mean_abs_error", res->final_mean_abs_error);
    pm_json_key(j, "weight_distance");
    pm_json_begin_array(j);
    for (int l = 0; l < res->n_layers; l++)
        pm_json_double(j, res->weight_distance[l]);
    pm_json_end_array(j);
    pm_json_kv_double(j, "steps_per_second", res->steps_per_second);
    pm_json_kv_bool(j, "interrupted", res->interrupted);
    pm_json_kv_bool(j, "learning_enabled", res->learning_enabled);
    /* SPEC §9 controller quality; NaN (undefined) is written as null by pm_json_double */
    pm_json_kv_double(j, "saturation", res->saturation);
    pm_json_kv_double(j, "chatter", res->chatter);
    pm_json_kv_double(j, "max_abs_weight", res->max_abs_weight);
    pm_json_kv_bool(j, "smooth_success", res->smooth_success);
    pm_json_kv_string(j, "primod_version", PM_VERSION_STRING);
    pm_json_kv_long(j, "result_format", PM_RUN_RESULT_FORMAT);
    if (cfg) {
        pm_json_key(j, "config");
        pm_config_write_json(cfg, j);
    }
    pm_json_end_object(j);
}

static int get_number(const pm_jv *v, const char *key, double *x)
{
    const pm_jv *f = pm_jv_get(v, key);
    if (!f || (f->type != PM_JV_NUMBER && f->type != PM_JV_BOOL))
        return -1;
    *x = f->number;
    return 0;
}

int pm_run_result_from_json(const pm_jv *v, pm_run_result *res)
{
    memset(res, 0, sizeof *res);
    const pm_jv *rule = pm_jv_get(v, "rule"), *track = pm_jv_get(v, "track"), *ss = pm_jv_get(v, "success_step");
    const pm_jv *wd = pm_jv_get(v, "weight_distance");
    double seed, steps, success, lost, diverged = 0;
    if (!rule || rule->type != PM_JV_STRING || !track || track->type != PM_JV_STRING || !ss || !wd ||
        wd->type != PM_JV_ARRAY || wd->n > PM_RUN_MAX_LAYERS || get_number(v, "seed", &seed) ||
        get_number(v, "rate", &res->rate) || get_number(v, "steps", &steps) || get_number(v, "success", &success) ||
        get_number(v, "lost", &lost) || get_number(v, "mean_abs_error", &res->mean_abs_error) ||
        get_number(v, "error_integral", &res->error_integral) ||
        get_number(v, "steps_per_second", &res->steps_per_second))
        return -1;
    /* integers in range before the casts (a cast of 1e300 or NaN to long is undefined): a record primod did not
     * write is refused, not misread */
    const double max_int = 9007199254740992.0;   /* 2^53: every integer up to it is exact in a double */
    if (!(seed >= 0 && seed < 9223372036854775808.0) || !(steps >= 0 && steps <= max_int) ||
        (ss->type == PM_JV_NUMBER && !(ss->number >= 0 && ss->number <= max_int)) ||
        (ss->type != PM_JV_NUMBER && ss->type != PM_JV_NULL))
        return -1;
    get_number(v, "diverged", &diverged);
    double interrupted = 0;
    get_number(v, "interrupted", &interrupted);
    res->interrupted = interrupted != 0;
    /* quality fields (result_format 2): null or missing read as NaN / not smooth */
    double learning = 1, smooth = 0;
    get_number(v, "learning_enabled", &learning);
    get_number(v, "smooth_success", &smooth);
    res->learning_enabled = learning != 0;
    res->smooth_success = smooth != 0;
    if (get_number(v, "saturation", &res->saturation))
        res->saturation = NAN;
    if (get_number(v, "chatter", &res->chatter))
        res->chatter = NAN;
    if (get_number(v, "max_abs_weight", &res->max_abs_weight))
        res->max_abs_weight = NAN;
    if (get_number(v, "final_mean_abs_error", &res->final_mean_abs_error))
        res->final_mean_abs_error = res->mean_abs_error;
    snprintf(res->rule, sizeof res->rule, "%s", rule->string);
    snprintf(res->track, sizeof res->track, "%s", track->string);
    res->seed = (unsigned long long)seed;
    res->steps = (long)steps;
    res->success = success != 0;
    res->success_step = ss->type == PM_JV_NUMBER ? (long)ss->number : -1;
    res->lost = lost != 0;
    res->diverged = diverged != 0;
    res->n_layers = wd->n;
    for (int l = 0; l < wd->n; l++)
        res->weight_distance[l] = wd->items[l]->type == PM_JV_NUMBER ? wd->items[l]->number : NAN;
    return 0;
}

void pm_run_result_print(const pm_run_result *res, FILE *f)
{
    fprintf(f, "rule %s  rate %g%s  seed %llu  track %s\n", res->rule, res->rate,
            res->learning_enabled ? "" : " (frozen)", res->seed, res->track);
    fprintf(f, "steps %ld  ", res->steps);
    if (res->success)
        fprintf(f, "success at step %ld", res->success_step);
    else
        fprintf(f, "no success%s%s", res->lost ? " (line lost)" : "", res->diverged ? " (diverged)" : "");
    fprintf(f, "%s\nerror integral %.6g  mean |E| %.6g  final mean |E| %.6g\n",
            res->success ? (res->smooth_success ? " (smooth)" : " (not smooth: chatter above run.max_chatter)") : "",
            res->error_integral, res->mean_abs_error, res->final_mean_abs_error);
    /* SPEC §9: a bang-bang controller shows saturation near 1 and chatter about 6 */
    char sat[32] = "n/a";
    if (!isnan(res->saturation))
        snprintf(sat, sizeof sat, "%.3g", res->saturation);
    fprintf(f, "quality: saturation %s  chatter %.4g  max |w| %.4g\n", sat, res->chatter, res->max_abs_weight);
    if (res->n_layers) {
        fprintf(f, "weight distance per layer:");
        for (int l = 0; l < res->n_layers; l++)
            fprintf(f, " %.4g", res->weight_distance[l]);
        fputc('\n', f);
    }
    fprintf(f, "%.0f steps/s%s\n", res->steps_per_second, res->interrupted ? "  (interrupted)" : "");
}
