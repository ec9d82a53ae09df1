/* Private layout of pm_net shared by net.c (lifecycle, inspection), net_kernels.c (forward, learn) and model_file.c. */
#ifndef PRIMOD_NET_INTERNAL_H
#define PRIMOD_NET_INTERNAL_H

#include <stddef.h>

#include "primod/net.h"
#include "primod/rng.h"

/* One pm_net is one block: this struct, then the arrays below carved from the same allocation (net.c, carve()).
 * The per-step state (inputs, activations, deltas) exists twice: a call writes the spare copy and flips `cur` only
 * on success, so a refused forward or learn leaves the net exactly as it was without copying anything. */
struct pm_net {
    pm_net_config cfg;   /* resolved config; cfg.layer_sizes points at `sizes` */
    size_t block_bytes;  /* size of the whole allocation (for clone) */
    pm_rng rng;          /* the net's own generator (initialisation, SPEC §2) */
    int n_inputs;
    int n_layers;        /* hidden + output */
    int bias;            /* 1 if every row has a bias weight (last column) */
    int n_act;           /* sum of layer sizes */
    long n_weights;      /* all weights incl. biases */
    long n_view0;        /* weights of layer 0 incl. biases */
    int has_forward;     /* a forward pass has stored activations */
    int cur;             /* which copy of x / nz_idx / act is current (0/1); flipped by a successful forward */
    int dcur;            /* which copy of delta is current (0/1); flipped by a successful learn */
    int nnz[2];          /* nonzero inputs of the forward pass stored in x[k] */
    int nz_ok[2];        /* 1 if nz_idx[k] lists them: the dense layer-0 pass (net_kernels.c) counts the nonzeros
                          * without listing them, and learn lists them only if its sparse update needs the list */
    double xmax[2];      /* max |x[k][i]| over those inputs (0 if none): learn's bound of the layer-0 step */
    double wmax_bound;   /* an upper bound of max |w| over all weights (guards learn against overflow) */

    /* carved arrays (shapes in comments) */
    int *sizes;          /* (n_layers) neurons per layer */
    int *fan_in;         /* (n_layers) inputs per layer, bias not counted */
    long *w_off;         /* (n_layers + 1) offset of layer l's matrix in w / w0 */
    int *a_off;          /* (n_layers + 1) offset of layer l's vector in act / delta */
    double *w;           /* (n_weights) layer 0 input-major (fan_in[0] + bias, sizes[0]); layers l >= 1 row-major
                          * (sizes[l], fan_in[l] + bias). Layer 0 is the wide one: input-major makes the weights of
                          * one input one contiguous run, so a sparse input touches only its own runs and the
                          * update / forward over them vectorise (see net_kernels.c). Bias = last input. */
    double *w0;          /* (n_weights) initial / reference weights, same layout */
    double *view0;       /* (sizes[0], fan_in[0] + bias) row-major copy of layer 0 for pm_net_layer_weights */
    double *x[2];        /* (n_inputs) each: copy of the last forward's input vector y^0 */
    int *nz_idx[2];      /* (n_inputs) each: indexes of the nonzero entries of x[k] (first nnz[k] used, valid if
                          * nz_ok[k]): zero inputs contribute nothing to v or dw, so sparse layer 0 visits only these */
    double *act[2];      /* (n_act) each: y^l of every layer, layer l at a_off[l] */
    double *delta[2];    /* (n_act) each: delta^l of the last learn (or d~ for the chained-sign rule) */
    double *coef;        /* (n_act) scratch: rate * R * phi(delta_j) per neuron */
};

/* Weights of layer l (layout above) and the number of weights per neuron (inputs + bias). */
static inline double *pm_net_w_(const pm_net *net, int l) { return net->w + net->w_off[l]; }
static inline int pm_net_cols_(const pm_net *net, int l) { return net->fan_in[l] + net->bias; }
/* Offset in w / w0 of the weight from input i (i == fan_in: bias) to neuron j of layer l (indexes not checked). */
static inline long pm_net_widx_(const pm_net *net, int l, int j, int i)
{
    return l == 0 ? net->w_off[0] + (long)i * net->sizes[0] + j
                  : net->w_off[l] + (long)j * pm_net_cols_(net, l) + i;
}

/* Recomputes wmax_bound exactly (max |w|); called after any change outside learn. */
void pm_net_refresh_bound_(pm_net *net);

#endif
