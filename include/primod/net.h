/* Dense feed-forward network with closed-loop back-propagation and Prime-and-Modulate learning (SPEC §2-3). */
#ifndef PRIMOD_NET_H
#define PRIMOD_NET_H

#include <stddef.h>

#include "primod/setup.h"
#include "primod/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pm_net pm_net;

/* Activation f and its derivative f' (SPEC §2 table). 0 = the paper's sigmoid - 0.5. */
typedef enum { PM_ACT_SIGMOID = 0, PM_ACT_TANH, PM_ACT_LINEAR, PM_ACT_RELU } pm_activation;

/* Learning rules (SPEC §3). dw = eta * R * phi(delta) * y, with phi = identity (BP) or sign (P&M).
 * PM_RULE_CHAINED_SIGN is the experimental variant where the sign is taken at every layer before it is passed down.
 * PM_RULE_SATURATION_PRIME (SPEC §9 "beyond the paper"): the deltas are P&M's (back-propagated with the weights
 * before the update), but the prime of neuron j is weighted by its own local slope,
 *     dw_ji = eta * R * sign(delta_j) * f'(v_j) * y_i,
 * so a saturating neuron (sigmoid: |y| -> 0.5, f' -> 0; tanh: |y| -> 1) stops growing its weights, where P&M's
 * sign(delta_j) keeps them growing at full strength (the bang-bang endings of SPEC §9). The magnitude of delta
 * from the layers above still never reaches the synapse: only the neuron's own f' does, so the update size does
 * not depend on depth (for sigmoid f' <= 1/4, for linear f' = 1: then it equals P&M). */
typedef enum { PM_RULE_BACKPROP = 0, PM_RULE_PRIME_MODULATE, PM_RULE_CHAINED_SIGN, PM_RULE_SATURATION_PRIME } pm_rule;
#define PM_N_RULES 4

/* Weight initialisation (SPEC §2).
 * PM_INIT_PAPER: U[0, init_scale) (default 1), first layer U[0, first_layer_scale) (default 0.001); biases 0.
 * PM_INIT_SYMMETRIC: U[-s, s) with s = init_scale / sqrt(fan_in) (default init_scale 1); biases 0.
 * PM_INIT_ZERO: all weights and biases 0. */
typedef enum { PM_INIT_PAPER = 0, PM_INIT_SYMMETRIC, PM_INIT_ZERO } pm_init;

/* Network shape and options. All-zero means the paper preset: 720 inputs, 10 hidden layers of 10, 2 outputs,
 * sigmoid - 0.5, no biases, paper initialisation, seed 0. If n_layers is 0 the paper shape is used and
 * n_inputs/layer_sizes are ignored. */
typedef struct {
    int n_inputs;                 /* size of the input vector x (layer 0) */
    int n_layers;                 /* hidden layers + output layer */
    const int *layer_sizes;       /* n_layers entries, last = outputs; copied at creation */
    pm_activation activation;     /* same activation for every layer */
    unsigned long long seed;      /* seeds the network's own generator (initialisation) */
    int use_bias;                 /* nonzero: each neuron has a bias (input y = 1) */
    pm_init init;                 /* initialisation mode */
    double init_scale;            /* 0 -> 1.0 (see pm_init) */
    double first_layer_scale;     /* PM_INIT_PAPER only: 0 -> 0.001 */
    /* Optional allocator for the net's single block (both NULL: malloc/free; only one NULL: PM_ERR_ARG).
     * Called only by pm_net_create / pm_net_clone / pm_net_destroy, never by forward or learn. */
    void *(*alloc_fn)(size_t size, void *ctx);
    void (*free_fn)(void *ptr, void *ctx);
    void *alloc_ctx;              /* passed to alloc_fn / free_fn */
} pm_net_config;

/* Limits that protect against absurd sizes (also enforced by the model-file loader). */
#define PM_NET_MAX_LAYERS 256
#define PM_NET_MAX_WIDTH 1000000
#define PM_NET_MAX_WEIGHTS 100000000L

/* Creates a network: one allocation, initialised from the config's seed. *out is set only on PM_OK.
 * Initialisation draws one uniform per weight from the net's own pm_rng (seeded with cfg->seed) in the order
 * layer 0 row-major (neuron by neuron, inputs in order), then layer 1, ...; biases take no draw (they start at 0).
 * PM_ERR_ARG for NULL pointers, sizes < 1 or above the limits, unknown enums, negative or non-finite scales.
 * Free with pm_net_destroy. */
pm_status pm_net_create(const pm_net_config *cfg, pm_net **out);
/* Frees the network; NULL does nothing. */
void pm_net_destroy(pm_net *net);
/* Deep copy (weights, initial weights, stored activations and deltas). Free with pm_net_destroy. */
pm_status pm_net_clone(const pm_net *net, pm_net **out);

/* Forward pass (SPEC §2); stores every layer's activations for the next pm_net_learn.
 * inputs: (n_inputs), read only during the call. PM_ERR_ARG for NULL; PM_ERR_NONFINITE if any input is NaN/inf or
 * a pre-activation overflows (huge weights of a linear / relu net); the net is then unchanged. No allocation. */
pm_status pm_net_forward(pm_net *net, const double *inputs);
/* Outputs of the last forward pass: (n_outputs). Valid until the next call that changes the net;
 * all zero before the first forward pass. */
const double *pm_net_outputs(const pm_net *net);

/* Learning step (SPEC §3) with one error broadcast to every output neuron: computes all deltas from the
 * activations of the last forward pass with the current weights, then updates every weight by
 * dw = rate * relevance * phi(delta) * y. PM_ERR_ARG before any forward pass or for an unknown rule;
 * PM_ERR_NONFINITE for non-finite error, rate, relevance or rate * relevance, or if the update would make a weight non-finite
 * (nothing is changed then). No allocation. */
pm_status pm_net_learn(pm_net *net, pm_rule rule, double error, double rate, double relevance);
/* Same with a per-output error vector errors: (n_outputs); PM_ERR_ARG if errors is NULL. */
pm_status pm_net_learn_vec(pm_net *net, pm_rule rule, const double *errors, double rate, double relevance);

/* pm_net_learn(net, rule, error, rate, relevance) followed, if it returned PM_OK, by pm_net_forward(net, inputs):
 * the closed loop's step (SPEC §5: learn with E(n) on the previous forward pass, then the forward pass of x(n)).
 * The result is that of the two calls to the last bit: the same weights, deltas, activations and outputs (the
 * update and the sums keep their orders). When (nearly) every input is nonzero, the update of layer 0 and the sums
 * of the new forward pass share one pass over layer 0's weights (they are read from memory once, not twice).
 * Statuses as for the two calls: if the learn refuses (PM_ERR_ARG before any forward pass or for an unknown rule,
 * PM_ERR_NONFINITE), nothing is changed and no forward pass is done; if then the forward pass refuses
 * (PM_ERR_NONFINITE), the update stays applied and the forward state (activations, outputs) is as before the call.
 * One difference: NULL inputs are refused up front (PM_ERR_ARG, nothing changed). No allocation. */
pm_status pm_net_learn_forward(pm_net *net, pm_rule rule, double error, double rate, double relevance,
                               const double *inputs);
/* Same with a per-output error vector errors: (n_outputs), as pm_net_learn_vec; PM_ERR_ARG if errors is NULL. */
pm_status pm_net_learn_forward_vec(pm_net *net, pm_rule rule, const double *errors, double rate, double relevance,
                                   const double *inputs);

/* Shape. layer counts from 0 (first hidden layer) to n_layers - 1 (output). Out-of-range layer: returns 0. */
int pm_net_n_inputs(const pm_net *net);
int pm_net_n_layers(const pm_net *net);
int pm_net_n_outputs(const pm_net *net);
int pm_net_layer_size(const pm_net *net, int layer);       /* neurons of the layer */
int pm_net_layer_inputs(const pm_net *net, int layer);     /* inputs of the layer, bias not counted */
int pm_net_has_bias(const pm_net *net);
long pm_net_n_weights(const pm_net *net);                   /* all weights, biases included */
/* The configuration the net was created with (layer_sizes points into the net; valid while it lives). */
pm_net_config pm_net_get_config(const pm_net *net);

/* One weight; input == pm_net_layer_inputs(layer) addresses the bias when the net has biases.
 * pm_net_weight returns NaN for an out-of-range index. pm_net_set_weight refuses out-of-range (PM_ERR_ARG)
 * and non-finite values (PM_ERR_NONFINITE). */
double pm_net_weight(const pm_net *net, int layer, int neuron, int input);
pm_status pm_net_set_weight(pm_net *net, int layer, int neuron, int input, double value);

/* A layer's weights as a row-major matrix: *rows = neurons, *cols = inputs (+1 when the net has biases,
 * bias last). Valid until the next call that changes the net. NULL for an out-of-range layer. */
const double *pm_net_layer_weights(const pm_net *net, int layer, int *rows, int *cols);
/* Deltas of the last pm_net_learn for a layer: (layer_size). All zero before the first learn. NULL if out of range. */
const double *pm_net_layer_deltas(const pm_net *net, int layer);
/* Activations of the last forward pass for a layer: (layer_size). NULL if out of range. */
const double *pm_net_layer_activations(const pm_net *net, int layer);

/* Euclidean distance ||W^l - W^l_0|| of a layer's weights (biases included) from their initial values;
 * layer = -1 gives the whole net. NaN for an out-of-range layer. */
double pm_net_weight_distance(const pm_net *net, int layer);
/* Makes the current weights the new reference for pm_net_weight_distance. */
void pm_net_mark_initial(pm_net *net);
/* Restores the initial (reference) weights and forgets the last forward pass and deltas. */
void pm_net_reset(pm_net *net);

/* Model files (versioned binary, little-endian, magic + CRC-32 over everything).
 * Save writes a temporary file beside path and renames it over path (atomic); PM_ERR_IO on failure, path untouched.
 * An existing FIFO or device (/dev/stdout) is written in place, never replaced.
 * Load returns PM_ERR_IO (cannot open/read) or PM_ERR_FORMAT (truncated, damaged, foreign, unknown version,
 * absurd sizes) and never allocates more than the file's declared, validated sizes. *out set only on PM_OK. */
pm_status pm_net_save(const pm_net *net, const char *path);
pm_status pm_net_load(const char *path, pm_net **out);
/* pm_net_load with options (setup.h): opt->detail gets a message naming the file and the reason or limit;
 * opt->cancel is polled while reading. Besides the statuses above: PM_ERR_IO for a path that is not a regular file
 * (a directory, FIFO or device: opened without blocking, then refused); PM_ERR_LIMIT for a file larger than
 * PM_NET_MAX_FILE bytes; PM_ERR_CANCELLED. opt NULL: same as pm_net_load. */
pm_status pm_net_load_ex(const char *path, const pm_setup *opt, pm_net **out);

/* Largest model file: the header of PM_NET_MAX_LAYERS layers plus PM_NET_MAX_WEIGHTS weights and initial weights.
 * A valid file is always exactly as long as its header says; this bounds the read before the header is parsed. */
#define PM_NET_MAX_FILE (64L + 4L * PM_NET_MAX_LAYERS + 16L * PM_NET_MAX_WEIGHTS + 4L)

/* Compares what determines a trained network (a model file records all of it: input count, layer count, every
 * layer's width, activation, bias; init, seed and scales are irrelevant once trained) between net and a requested
 * config want (n_layers 0 = the paper shape, as in pm_net_create). PM_OK if they agree; PM_ERR_ARG if they differ,
 * and then diff (if not NULL) gets every difference, "; "-separated, e.g.
 *   "activation: model sigmoid, config tanh; bias: model off, config on; layer 3 width: model 10, config 12"
 * (layers count from 1 = the first hidden layer; the last is the output layer), truncated to size bytes. Field
 * names: "inputs", "layers", "layer N width", "activation", "bias". PM_ERR_ARG with diff "" for NULL net/want. */
pm_status pm_net_check_config(const pm_net *net, const pm_net_config *want, char *diff, size_t size);
/* The same to and from memory: *size is the buffer capacity in, bytes used out (save: PM_ERR_ARG if too small,
 * with *size set to the bytes needed). */
pm_status pm_net_save_mem(const pm_net *net, void *buf, size_t *size);
pm_status pm_net_load_mem(const void *buf, size_t size, pm_net **out);

#ifdef __cplusplus
}
#endif
#endif
