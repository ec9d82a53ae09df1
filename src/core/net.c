/* Network lifecycle and inspection: config validation, the single carved allocation, initialisation (SPEC §2). */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net_internal.h"

/* Paper preset (SPEC §6): 720 inputs, 10 hidden layers of 10, 2 outputs. */
enum { PAPER_INPUTS = 720, PAPER_HIDDEN = 10, PAPER_WIDTH = 10, PAPER_OUTPUTS = 2 };
static const int paper_sizes[PAPER_HIDDEN + 1] = {10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 2};

/* ---- allocation ---------------------------------------------------------------------------------------------- */

static void *default_alloc(size_t size, void *ctx) { (void)ctx; return malloc(size); }
static void default_free(void *ptr, void *ctx) { (void)ctx; free(ptr); }

/* The carve table: every array of the block, in order, with its byte size. Each starts on a 64-byte boundary so
 * weight rows of one layer are contiguous and the big arrays are cache-line aligned. */
enum { C_SIZES, C_FAN, C_WOFF, C_AOFF, C_W, C_W0, C_VIEW0, C_X0, C_X1, C_NZ0, C_NZ1, C_A0, C_A1, C_D0, C_D1, C_COEF,
       C_COUNT };
#define CARVE_ALIGN 64u

static uint64_t round_up(uint64_t n) { return (n + CARVE_ALIGN - 1) / CARVE_ALIGN * CARVE_ALIGN; }

/* Fills off[] with each array's byte offset from the block start (dimensions read from d); returns the block size.
 * All arithmetic in 64 bits: the limits of net.h keep it far from overflow. */
static uint64_t layout(const pm_net *d, uint64_t off[C_COUNT])
{
    const uint64_t L = (uint64_t)d->n_layers, nin = (uint64_t)d->n_inputs, na = (uint64_t)d->n_act;
    const uint64_t nw = (uint64_t)d->n_weights;
    const uint64_t bytes[C_COUNT] = {
        [C_SIZES] = L * sizeof(int),           [C_FAN] = L * sizeof(int),
        [C_WOFF] = (L + 1) * sizeof(long),     [C_AOFF] = (L + 1) * sizeof(int),
        [C_W] = nw * sizeof(double),           [C_W0] = nw * sizeof(double),
        [C_VIEW0] = (uint64_t)d->n_view0 * sizeof(double),
        [C_X0] = nin * sizeof(double),         [C_X1] = nin * sizeof(double),
        [C_NZ0] = nin * sizeof(int),           [C_NZ1] = nin * sizeof(int),
        [C_A0] = na * sizeof(double),          [C_A1] = na * sizeof(double),
        [C_D0] = na * sizeof(double),          [C_D1] = na * sizeof(double),
        [C_COEF] = na * sizeof(double),
    };
    uint64_t pos = round_up(sizeof(pm_net));
    for (int i = 0; i < C_COUNT; i++) {
        off[i] = pos;
        pos += round_up(bytes[i]);
    }
    return pos;
}

/* Points every array field of net into its own block (net must be the block start). Used by create and clone. */
static void carve(pm_net *net)
{
    uint64_t off[C_COUNT];
    layout(net, off);
    unsigned char *b = (unsigned char *)net;
    net->sizes = (int *)(void *)(b + off[C_SIZES]);
    net->fan_in = (int *)(void *)(b + off[C_FAN]);
    net->w_off = (long *)(void *)(b + off[C_WOFF]);
    net->a_off = (int *)(void *)(b + off[C_AOFF]);
    net->w = (double *)(void *)(b + off[C_W]);
    net->w0 = (double *)(void *)(b + off[C_W0]);
    net->view0 = (double *)(void *)(b + off[C_VIEW0]);
    net->x[0] = (double *)(void *)(b + off[C_X0]);
    net->x[1] = (double *)(void *)(b + off[C_X1]);
    net->nz_idx[0] = (int *)(void *)(b + off[C_NZ0]);
    net->nz_idx[1] = (int *)(void *)(b + off[C_NZ1]);
    net->act[0] = (double *)(void *)(b + off[C_A0]);
    net->act[1] = (double *)(void *)(b + off[C_A1]);
    net->delta[0] = (double *)(void *)(b + off[C_D0]);
    net->delta[1] = (double *)(void *)(b + off[C_D1]);
    net->coef = (double *)(void *)(b + off[C_COEF]);
    net->cfg.layer_sizes = net->sizes;
}

/* ---- config ---------------------------------------------------------------------------------------------------- */

/* Validates cfg and writes the resolved config and dimensions into d (a stack pm_net, arrays not set).
 * PM_ERR_ARG on any bad field; sizes are checked against net.h's limits before anything is allocated. */
static pm_status resolve(const pm_net_config *cfg, pm_net *d)
{
    memset(d, 0, sizeof *d);
    d->cfg = *cfg;
    if (cfg->n_layers == 0) { /* paper shape; n_inputs / layer_sizes ignored (net.h) */
        d->cfg.n_inputs = PAPER_INPUTS;
        d->cfg.n_layers = PAPER_HIDDEN + 1;
        d->cfg.layer_sizes = paper_sizes;
    }
    const pm_net_config *c = &d->cfg;
    if (c->n_layers < 1 || c->n_layers > PM_NET_MAX_LAYERS || c->layer_sizes == NULL)
        return PM_ERR_ARG;
    if (c->n_inputs < 1 || c->n_inputs > PM_NET_MAX_WIDTH)
        return PM_ERR_ARG;
    if ((unsigned)c->activation > PM_ACT_RELU || (unsigned)c->init > PM_INIT_ZERO)
        return PM_ERR_ARG;
    if (!(c->init_scale >= 0 && c->init_scale <= DBL_MAX) ||
        !(c->first_layer_scale >= 0 && c->first_layer_scale <= DBL_MAX))
        return PM_ERR_ARG;
    if ((c->alloc_fn == NULL) != (c->free_fn == NULL))
        return PM_ERR_ARG;
    d->cfg.use_bias = c->use_bias ? 1 : 0;
    if (c->init_scale == 0)
        d->cfg.init_scale = 1.0;
    if (c->first_layer_scale == 0)
        d->cfg.first_layer_scale = 0.001;

    d->n_inputs = c->n_inputs;
    d->n_layers = c->n_layers;
    d->bias = d->cfg.use_bias;
    long long nw = 0, na = 0;
    int prev = c->n_inputs;
    for (int l = 0; l < c->n_layers; l++) {
        int n = c->layer_sizes[l];
        if (n < 1 || n > PM_NET_MAX_WIDTH)
            return PM_ERR_ARG;
        nw += (long long)n * (prev + d->bias); /* <= 1e6 * (1e6 + 1): no overflow in 64 bits */
        if (l == 0)
            d->n_view0 = nw;
        if (nw > PM_NET_MAX_WEIGHTS)
            return PM_ERR_ARG;
        na += n;
        prev = n;
    }
    d->n_weights = (long)nw;
    d->n_act = (int)na; /* <= 256 * 1e6 */
    return PM_OK;
}

/* Draws the initial weights (SPEC §2, order documented in net.h) and makes them the reference w0. */
static void init_weights(pm_net *net)
{
    const pm_net_config *c = &net->cfg;
    for (int l = 0; l < net->n_layers; l++) {
        const int rows = net->sizes[l], n_in = net->fan_in[l];
        double lo = 0, span = 0; /* w = lo + span * u, u ~ U[0, 1) */
        if (c->init == PM_INIT_PAPER) {
            span = l == 0 ? c->first_layer_scale : c->init_scale;
        } else if (c->init == PM_INIT_SYMMETRIC) {
            double s = c->init_scale / sqrt((double)n_in);
            lo = -s;
            span = 2 * s;
        }
        for (int j = 0; j < rows; j++) { /* draw order: row-major whatever the storage layout (net.h) */
            for (int i = 0; i < n_in; i++)
                net->w[pm_net_widx_(net, l, j, i)] =
                    c->init == PM_INIT_ZERO ? 0.0 : lo + span * pm_rng_uniform(&net->rng);
            if (net->bias)
                net->w[pm_net_widx_(net, l, j, n_in)] = 0.0;
        }
    }
    memcpy(net->w0, net->w, (size_t)net->n_weights * sizeof(double));
}

void pm_net_refresh_bound_(pm_net *net)
{
    double m = 0;
    for (long i = 0; i < net->n_weights; i++) {
        double a = fabs(net->w[i]);
        m = a > m ? a : m;
    }
    net->wmax_bound = m;
}

/* ---- lifecycle ------------------------------------------------------------------------------------------------- */

pm_status pm_net_create(const pm_net_config *cfg, pm_net **out)
{
    if (cfg == NULL || out == NULL)
        return PM_ERR_ARG;
    pm_net d;
    pm_status st = resolve(cfg, &d);
    if (st != PM_OK)
        return st;
    uint64_t off[C_COUNT];
    uint64_t bytes = layout(&d, off);
    if (bytes > (uint64_t)(SIZE_MAX / 2))
        return PM_ERR_NOMEM;
    if (d.cfg.alloc_fn == NULL) {
        d.cfg.alloc_fn = default_alloc;
        d.cfg.free_fn = default_free;
    }
    pm_net *net = d.cfg.alloc_fn((size_t)bytes, d.cfg.alloc_ctx);
    if (net == NULL)
        return PM_ERR_NOMEM;
    memset(net, 0, (size_t)bytes); /* activations, deltas and scratch start at 0 (net.h: "all zero before") */
    *net = d;
    net->block_bytes = (size_t)bytes;
    const int *src_sizes = d.cfg.layer_sizes; /* caller's (or paper) sizes, copied into the block */
    carve(net);
    long w_pos = 0;
    int a_pos = 0, prev = net->n_inputs;
    for (int l = 0; l < net->n_layers; l++) {
        net->sizes[l] = src_sizes[l];
        net->fan_in[l] = prev;
        net->w_off[l] = w_pos;
        net->a_off[l] = a_pos;
        w_pos += (long)src_sizes[l] * (prev + net->bias);
        a_pos += src_sizes[l];
        prev = src_sizes[l];
    }
    net->w_off[net->n_layers] = w_pos;
    net->a_off[net->n_layers] = a_pos;
    pm_rng_seed(&net->rng, (uint64_t)net->cfg.seed);
    init_weights(net);
    pm_net_refresh_bound_(net);
    *out = net;
    return PM_OK;
}

void pm_net_destroy(pm_net *net)
{
    if (net != NULL)
        net->cfg.free_fn(net, net->cfg.alloc_ctx);
}

pm_status pm_net_clone(const pm_net *net, pm_net **out)
{
    if (net == NULL || out == NULL)
        return PM_ERR_ARG;
    pm_net *c = net->cfg.alloc_fn(net->block_bytes, net->cfg.alloc_ctx);
    if (c == NULL)
        return PM_ERR_NOMEM;
    memcpy(c, net, net->block_bytes); /* one block: a byte copy plus re-pointing is a deep copy */
    carve(c);
    *out = c;
    return PM_OK;
}

/* ---- shape ------------------------------------------------------------------------------------------------------ */

static int layer_ok(const pm_net *net, int layer) { return net != NULL && layer >= 0 && layer < net->n_layers; }

int pm_net_n_inputs(const pm_net *net) { return net ? net->n_inputs : 0; }
int pm_net_n_layers(const pm_net *net) { return net ? net->n_layers : 0; }
int pm_net_n_outputs(const pm_net *net) { return net ? net->sizes[net->n_layers - 1] : 0; }
int pm_net_layer_size(const pm_net *net, int layer) { return layer_ok(net, layer) ? net->sizes[layer] : 0; }
int pm_net_layer_inputs(const pm_net *net, int layer) { return layer_ok(net, layer) ? net->fan_in[layer] : 0; }
int pm_net_has_bias(const pm_net *net) { return net ? net->bias : 0; }
long pm_net_n_weights(const pm_net *net) { return net ? net->n_weights : 0; }

pm_net_config pm_net_get_config(const pm_net *net)
{
    pm_net_config c;
    memset(&c, 0, sizeof c);
    if (net != NULL) {
        c = net->cfg;
        if (c.alloc_fn == default_alloc) { /* report the default allocator as the caller spelled it */
            c.alloc_fn = NULL;
            c.free_fn = NULL;
        }
    }
    return c;
}

/* ---- weights ---------------------------------------------------------------------------------------------------- */

/* Index of one weight in w, or -1 if out of range (input == fan_in addresses the bias when there is one). */
static long weight_index(const pm_net *net, int layer, int neuron, int input)
{
    if (!layer_ok(net, layer) || neuron < 0 || neuron >= net->sizes[layer] || input < 0 ||
        input >= pm_net_cols_(net, layer))
        return -1;
    return pm_net_widx_(net, layer, neuron, input);
}

double pm_net_weight(const pm_net *net, int layer, int neuron, int input)
{
    long k = weight_index(net, layer, neuron, input);
    return k < 0 ? NAN : net->w[k];
}

pm_status pm_net_set_weight(pm_net *net, int layer, int neuron, int input, double value)
{
    long k = weight_index(net, layer, neuron, input);
    if (k < 0)
        return PM_ERR_ARG;
    if (!isfinite(value))
        return PM_ERR_NONFINITE;
    net->w[k] = value;
    if (fabs(value) > net->wmax_bound)
        net->wmax_bound = fabs(value);
    return PM_OK;
}

const double *pm_net_layer_weights(const pm_net *net, int layer, int *rows, int *cols)
{
    if (!layer_ok(net, layer))
        return NULL;
    if (rows)
        *rows = net->sizes[layer];
    if (cols)
        *cols = pm_net_cols_(net, layer);
    if (layer > 0)
        return pm_net_w_(net, layer);
    /* Layer 0 is stored input-major (net_internal.h): fill the row-major view the contract promises. The view is a
     * cache inside the net's own block, not observable state, so a const net may refresh it. */
    pm_net *mut = (pm_net *)net;
    const int rows0 = net->sizes[0], cols0 = pm_net_cols_(net, 0);
    for (int j = 0; j < rows0; j++)
        for (int i = 0; i < cols0; i++)
            mut->view0[(long)j * cols0 + i] = net->w[pm_net_widx_(net, 0, j, i)];
    return net->view0;
}

const double *pm_net_layer_deltas(const pm_net *net, int layer)
{
    return layer_ok(net, layer) ? net->delta[net->dcur] + net->a_off[layer] : NULL;
}

const double *pm_net_layer_activations(const pm_net *net, int layer)
{
    return layer_ok(net, layer) ? net->act[net->cur] + net->a_off[layer] : NULL;
}

const double *pm_net_outputs(const pm_net *net)
{
    return net ? net->act[net->cur] + net->a_off[net->n_layers - 1] : NULL;
}

/* ||W - W0|| over [from, to) of the flat weight array. */
static double distance(const pm_net *net, long from, long to)
{
    double s = 0;
    for (long i = from; i < to; i++) {
        double d = net->w[i] - net->w0[i];
        s += d * d;
    }
    return sqrt(s);
}

double pm_net_weight_distance(const pm_net *net, int layer)
{
    if (net != NULL && layer == -1)
        return distance(net, 0, net->n_weights);
    if (!layer_ok(net, layer))
        return NAN;
    return distance(net, net->w_off[layer], net->w_off[layer + 1]);
}

void pm_net_mark_initial(pm_net *net)
{
    if (net != NULL)
        memcpy(net->w0, net->w, (size_t)net->n_weights * sizeof(double));
}

void pm_net_reset(pm_net *net)
{
    if (net == NULL)
        return;
    memcpy(net->w, net->w0, (size_t)net->n_weights * sizeof(double));
    for (int k = 0; k < 2; k++) {
        memset(net->act[k], 0, (size_t)net->n_act * sizeof(double));
        memset(net->delta[k], 0, (size_t)net->n_act * sizeof(double));
    }
    net->has_forward = 0;
    net->nnz[0] = net->nnz[1] = 0;
    net->nz_ok[0] = net->nz_ok[1] = 0;
    net->xmax[0] = net->xmax[1] = 0;
    pm_net_refresh_bound_(net);
}
