/* A plain reference network written from SPEC §2-3 (forward, deltas with the pre-update weights, BP / P&M /
 * chained-sign / saturation-aware-prime updates), shared by the tests that compare pm_net's fast paths with it value by value. */
#ifndef PRIMOD_TEST_NET_REFERENCE_H
#define PRIMOD_TEST_NET_REFERENCE_H

/* include after <cmocka.h> (assert_true) */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/pm_math.h"
#include "primod/net.h"

/* Why exact equality (==) and not a tolerance: net_kernels.c documents a fixed order for every sum, and the reference
 * below adds in that same order with the same separately rounded IEEE operations (C11: no FMA contraction):
 *   - layer 0: one running sum per neuron over the inputs in ascending order (the library skips inputs that are
 *     +0 / -0; adding w * (+-0) = +-0 to a running sum that starts at +0 never changes its value, so the plain loop
 *     over every input gives the same bits), then + bias;
 *   - layers >= 1: two running sums per neuron, even and odd inputs, added at the end, then + the odd tail (or +0.0),
 *     then + bias;
 *   - the backward sums: one running sum per neuron in ascending order of the upper layer's neurons;
 *   - the sigmoid uses pm_exp (checked against libm in test_math.c), tanh the same libm call as the library.
 * So any difference at all is a kernel reading or writing the wrong element, not rounding. The weight updates compare
 * w + c * y with c = (rate * R) * phi(delta), as SPEC §3 writes them. */

/* ---- the reference network (SPEC §2-3, plain loops) --------------------------------------------------------------- */

#define MAXL 12
typedef struct {
    int n_in, L, bias;
    int size[MAXL], fan[MAXL];
    pm_activation act;
    double *w[MAXL];          /* w[l][j * (fan + bias) + i], bias last */
    double *y[MAXL + 1];      /* y[0] = x, y[l + 1] = outputs of layer l */
    double *d[MAXL];          /* deltas of layer l */
} ref_net;

static int ref_cols(const ref_net *r, int l) { return r->fan[l] + r->bias; }

static void ref_init(ref_net *r, const pm_net *net)
{
    memset(r, 0, sizeof *r);
    r->n_in = pm_net_n_inputs(net);
    r->L = pm_net_n_layers(net);
    r->bias = pm_net_has_bias(net);
    r->act = pm_net_get_config(net).activation;
    assert_true(r->L <= MAXL);
    r->y[0] = calloc((size_t)r->n_in, sizeof(double));
    for (int l = 0; l < r->L; l++) {
        r->size[l] = pm_net_layer_size(net, l);
        r->fan[l] = pm_net_layer_inputs(net, l);
        r->w[l] = calloc((size_t)r->size[l] * (size_t)ref_cols(r, l), sizeof(double));
        r->y[l + 1] = calloc((size_t)r->size[l], sizeof(double));
        r->d[l] = calloc((size_t)r->size[l], sizeof(double));
        assert_true(r->w[l] && r->y[l + 1] && r->d[l]);
        for (int j = 0; j < r->size[l]; j++)
            for (int i = 0; i < ref_cols(r, l); i++)
                r->w[l][j * ref_cols(r, l) + i] = pm_net_weight(net, l, j, i);
    }
}

static void ref_free(ref_net *r)
{
    free(r->y[0]);
    for (int l = 0; l < r->L; l++) {
        free(r->w[l]);
        free(r->y[l + 1]);
        free(r->d[l]);
    }
}

static double ref_f(double v, pm_activation a)
{
    switch (a) {
    case PM_ACT_SIGMOID: return 1.0 / (1.0 + pm_exp(-v)) - 0.5;
    case PM_ACT_TANH: return tanh(v);
    case PM_ACT_RELU: return v > 0 ? v : 0.0;
    case PM_ACT_LINEAR: break;
    }
    return v;
}

static double ref_fprime(double y, pm_activation a) /* f' in terms of the output (SPEC §2 table) */
{
    switch (a) {
    case PM_ACT_SIGMOID: return (0.5 + y) * (0.5 - y);
    case PM_ACT_TANH: return 1.0 - y * y;
    case PM_ACT_RELU: return y > 0 ? 1.0 : 0.0;
    case PM_ACT_LINEAR: break;
    }
    return 1.0;
}

static double sgn(double v) { return (double)((v > 0) - (v < 0)); } /* sign(0) = 0 (SPEC §3) */

static void ref_forward(ref_net *r, const double *x)
{
    memcpy(r->y[0], x, sizeof(double) * (size_t)r->n_in);
    for (int l = 0; l < r->L; l++) {
        const int n = r->fan[l], cols = ref_cols(r, l);
        const double *in = r->y[l];
        for (int j = 0; j < r->size[l]; j++) {
            const double *row = r->w[l] + (long)j * cols;
            double v;
            if (l == 0) { /* one running sum, inputs in order */
                v = 0.0;
                for (int i = 0; i < n; i++)
                    v += row[i] * in[i];
            } else { /* even and odd running sums, then the odd tail */
                double se = 0.0, so = 0.0;
                const int n2 = n & ~1;
                for (int i = 0; i < n2; i += 2) {
                    se += row[i] * in[i];
                    so += row[i + 1] * in[i + 1];
                }
                v = (se + so) + (n2 < n ? row[n2] * in[n2] : 0.0);
            }
            if (r->bias)
                v += row[n];
            r->y[l + 1][j] = ref_f(v, r->act);
        }
    }
}

/* Deltas with the weights before the update (SPEC §3), then dw = rate * R * phi(delta) * y, bias input 1. */
static void ref_learn(ref_net *r, pm_rule rule, const double *err, double rate, double rel)
{
    const int top = r->L - 1, chained = rule == PM_RULE_CHAINED_SIGN;
    for (int j = 0; j < r->size[top]; j++)
        r->d[top][j] = chained ? sgn(err[j]) : err[j] * ref_fprime(r->y[top + 1][j], r->act);
    for (int l = top - 1; l >= 0; l--) {
        const int cols_up = ref_cols(r, l + 1);
        for (int j = 0; j < r->size[l]; j++) {
            double s = 0.0;
            for (int k = 0; k < r->size[l + 1]; k++)
                s += r->w[l + 1][(long)k * cols_up + j] * r->d[l + 1][k];
            const double dj = ref_fprime(r->y[l + 1][j], r->act) * s;
            r->d[l][j] = chained ? sgn(dj) : dj;
        }
    }
    const double scale = rate * rel;
    for (int l = 0; l < r->L; l++) {
        const int n = r->fan[l], cols = ref_cols(r, l);
        for (int j = 0; j < r->size[l]; j++) {
            double phi = r->d[l][j]; /* BP; chained: d is already a sign */
            if (rule == PM_RULE_PRIME_MODULATE)
                phi = sgn(r->d[l][j]);
            else if (rule == PM_RULE_SATURATION_PRIME) /* sign(delta_j) * f'(v_j) of the neuron itself */
                phi = sgn(r->d[l][j]) * ref_fprime(r->y[l + 1][j], r->act);
            const double c = scale * phi;
            double *row = r->w[l] + (long)j * cols;
            for (int i = 0; i < n; i++)
                row[i] += c * r->y[l][i];
            if (r->bias)
                row[n] += c;
        }
    }
}

#endif
