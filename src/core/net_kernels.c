/* The per-step hot path, allocation-free: forward pass (SPEC §2), deltas and BP / P&M / chained-sign updates (§3). */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "net_internal.h"
#include "pm_math.h"

/* A weight bound above which learn checks every new weight exactly instead of trusting the running bound. */
#define SAFE_BOUND 1e300

/* 1 if v is NaN or +-inf (branch-free so it can be or-ed over a loop). */
static inline int not_finite(double v) { return !(fabs(v) <= DBL_MAX); }

static inline double sign_of(double v) { return (double)((v > 0) - (v < 0)); } /* sign(0) = 0 (SPEC §3) */

/* Two or four doubles processed together. With GCC / Clang these are vector types (2 lanes: SSE2, NEON; 4 lanes:
 * one AVX register, or two SSE2 registers when the compiler lowers it on the baseline), elsewhere structs. Either
 * way each lane does exactly the scalar IEEE multiply and add, separately rounded, so results do not depend on the
 * width: the kernels use lanes for neurons, never to split one neuron's sum, so every sum keeps its order. */
#if defined(__GNUC__)
/* GCC and Clang warn that a 32-byte vector passed by value would use another ABI without AVX; these helpers are
 * static inline and always inlined, so no call ever crosses an ABI boundary with one. */
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wunknown-warning-option" /* a Clang without -Wpsabi has no such warning */
#endif
#pragma GCC diagnostic ignored "-Wpsabi"
typedef double pair __attribute__((vector_size(16)));
typedef double quad __attribute__((vector_size(32)));
static inline pair pair_splat(double x) { return (pair){x, x}; }
static inline pair pair_add(pair a, pair b) { return a + b; }
static inline pair pair_mul(pair a, pair b) { return a * b; }
static inline double pair_sum(pair a) { return a[0] + a[1]; }
static inline quad quad_splat(double x) { return (quad){x, x, x, x}; }
static inline quad quad_add(quad a, quad b) { return a + b; }
static inline quad quad_mul(quad a, quad b) { return a * b; }
#else
typedef struct {
    double v[2];
} pair;
typedef struct {
    double v[4];
} quad;
static inline pair pair_splat(double x) { return (pair){{x, x}}; }
static inline pair pair_add(pair a, pair b) { return (pair){{a.v[0] + b.v[0], a.v[1] + b.v[1]}}; }
static inline pair pair_mul(pair a, pair b) { return (pair){{a.v[0] * b.v[0], a.v[1] * b.v[1]}}; }
static inline double pair_sum(pair a) { return a.v[0] + a.v[1]; }
static inline quad quad_splat(double x) { return (quad){{x, x, x, x}}; }
static inline quad quad_add(quad a, quad b)
{
    return (quad){{a.v[0] + b.v[0], a.v[1] + b.v[1], a.v[2] + b.v[2], a.v[3] + b.v[3]}};
}
static inline quad quad_mul(quad a, quad b)
{
    return (quad){{a.v[0] * b.v[0], a.v[1] * b.v[1], a.v[2] * b.v[2], a.v[3] * b.v[3]}};
}
#endif
static inline pair pair_load(const double *p)
{
    pair r;
    memcpy(&r, p, sizeof r); /* unaligned-safe */
    return r;
}
static inline void pair_store(double *p, pair v) { memcpy(p, &v, sizeof v); }
static inline quad quad_load(const double *p)
{
    quad r;
    memcpy(&r, p, sizeof r);
    return r;
}
static inline void quad_store(double *p, quad v) { memcpy(p, &v, sizeof v); }

/* The wide input-layer kernels are compiled twice on x86-64 GCC (glibc picks one at load time by the CPU): the
 * baseline (SSE2) and AVX2, where a quad is one register. Both do the same lane-wise IEEE operations in the same
 * order, so they give the same bits. No FMA: the "avx2" target does not enable it, and -std=c11 means
 * -ffp-contract=off, so a*b+c stays two rounded operations in both clones. No AVX-512 clone (valgrind cannot run it).
 * Clang (the fuzz build) and other platforms get the single baseline version; -DPM_NO_TARGET_CLONES forces it
 * (to check that both versions give the same bits). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(PM_NO_TARGET_CLONES)
#define PM_WIDE_KERNEL __attribute__((target_clones("avx2", "default")))
#else
#define PM_WIDE_KERNEL
#endif

/* ---- kernels (outputs first, then inputs, then sizes) ---------------------------------------------------------- */

/* Overwrites v[j] = sum_i W[j][i] * y[i] (SPEC §2 v_j, bias not included) for every row of W (rows, cols)
 * row-major over the first n columns. Each row keeps two running sums, even and odd i, in one pair (added at the
 * end, then the odd tail); two rows per pass over y. A fixed order: the same result on every run. */
static void matvec_dense(double *restrict v, const double *restrict w, int rows, int cols, const double *restrict y,
                         int n)
{
    const int n2 = n & ~1;
    int j = 0;
    if (n == 10) { /* the paper's width: y in five registers across the rows, the row's pairs unrolled */
        const pair y0 = pair_load(y), y1 = pair_load(y + 2), y2 = pair_load(y + 4), y3 = pair_load(y + 6),
                   y4 = pair_load(y + 8);
        for (; j < rows; j++) {
            const double *r = w + (long)j * cols;
            pair s0 = pair_add(pair_splat(0), pair_mul(pair_load(r), y0));
            s0 = pair_add(s0, pair_mul(pair_load(r + 2), y1));
            s0 = pair_add(s0, pair_mul(pair_load(r + 4), y2));
            s0 = pair_add(s0, pair_mul(pair_load(r + 6), y3));
            s0 = pair_add(s0, pair_mul(pair_load(r + 8), y4));
            v[j] = pair_sum(s0) + 0.0; /* + the empty odd tail, as below */
        }
        return;
    }
    for (; j + 2 <= rows; j += 2) {
        const double *r0 = w + (long)j * cols, *r1 = r0 + cols;
        pair s0 = pair_splat(0), s1 = s0;
        for (int i = 0; i < n2; i += 2) {
            const pair yy = pair_load(y + i);
            s0 = pair_add(s0, pair_mul(pair_load(r0 + i), yy));
            s1 = pair_add(s1, pair_mul(pair_load(r1 + i), yy));
        }
        v[j] = pair_sum(s0) + (n2 < n ? r0[n2] * y[n2] : 0.0);
        v[j + 1] = pair_sum(s1) + (n2 < n ? r1[n2] * y[n2] : 0.0);
    }
    for (; j < rows; j++) {
        const double *r0 = w + (long)j * cols;
        pair s0 = pair_splat(0);
        for (int i = 0; i < n2; i += 2)
            s0 = pair_add(s0, pair_mul(pair_load(r0 + i), pair_load(y + i)));
        v[j] = pair_sum(s0) + (n2 < n ? r0[n2] * y[n2] : 0.0);
    }
}

/* One input of a ten-neuron block of matvec_sparse_t: (s0, s1, s2) += a[0..10) * xm, *xmax = max(*xmax, |xm|). */
static inline void acc10(quad *s0, quad *s1, pair *s2, double *xmax, const double *a, double xm)
{
    *xmax = fabs(xm) > *xmax ? fabs(xm) : *xmax;
    const quad xi = quad_splat(xm);
    *s0 = quad_add(*s0, quad_mul(quad_load(a), xi));
    *s1 = quad_add(*s1, quad_mul(quad_load(a + 4), xi));
    *s2 = pair_add(*s2, pair_mul(pair_load(a + 8), pair_splat(xm)));
}

/* Overwrites v[j] = sum_m Wt[idx[m]][j] * x[idx[m]] for j < rows (SPEC §2 v_j of layer 0, bias not included):
 * Wt is input-major (inputs, rows), idx lists the nonzero inputs (zeros add nothing). Ten (the paper's width), then
 * two, then one neuron per pass over idx: the sums stay in registers, each input's run of weights is loaded in
 * quads and pairs, and every v[j] is still one running sum in m order (no reassociation: the same bits on every
 * run and in either clone). Returns max |x[idx[m]]| (0 if nnz = 0), taken in passing for learn's step bound
 * (make_coef): two instructions per input here instead of a second gather pass. */
PM_WIDE_KERNEL static double matvec_sparse_t(double *restrict v, const double *restrict wt, int rows,
                                           const double *restrict x, const int *restrict idx, int nnz)
{
    double xmax = 0; /* max is exact: the same value whichever passes take it */
    int j = 0;
    for (; j + 10 <= rows; j += 10) { /* neurons j..j+9 as quad, quad, pair */
        quad s0 = quad_splat(0), s1 = s0;
        pair s2 = pair_splat(0);
        int m = 0;
        for (; m + 2 <= nnz; m += 2) { /* two inputs per iteration (less loop overhead), still added in m order */
            acc10(&s0, &s1, &s2, &xmax, wt + (long)idx[m] * rows + j, x[idx[m]]);
            acc10(&s0, &s1, &s2, &xmax, wt + (long)idx[m + 1] * rows + j, x[idx[m + 1]]);
        }
        if (m < nnz)
            acc10(&s0, &s1, &s2, &xmax, wt + (long)idx[m] * rows + j, x[idx[m]]);
        quad_store(v + j, s0);
        quad_store(v + j + 4, s1);
        pair_store(v + j + 8, s2);
    }
    for (; j + 2 <= rows; j += 2) {
        pair s0 = pair_splat(0);
        for (int m = 0; m < nnz; m++) {
            const double xm = x[idx[m]];
            xmax = fabs(xm) > xmax ? fabs(xm) : xmax;
            s0 = pair_add(s0, pair_mul(pair_load(wt + (long)idx[m] * rows + j), pair_splat(xm)));
        }
        pair_store(v + j, s0);
    }
    for (; j < rows; j++) {
        double s0 = 0;
        for (int m = 0; m < nnz; m++) {
            const double xm = x[idx[m]];
            xmax = fabs(xm) > xmax ? fabs(xm) : xmax;
            s0 += wt[(long)idx[m] * rows + j] * xm;
        }
        v[j] = s0;
    }
    return xmax;
}

/* Overwrites y[j] = f(v[j]) in place (SPEC §2 table). The sigmoid uses pm_exp (pm_math.h: the same bits on every
 * CPU); extreme v give exactly -0.5 (e^-v = inf) or +0.5 (e^-v = 0), NaN stays NaN. */
static void activate(double *restrict y, int n, pm_activation act)
{
    switch (act) {
    case PM_ACT_SIGMOID:
        for (int j = 0; j < n; j++)
            y[j] = 1.0 / (1.0 + pm_exp(-y[j])) - 0.5;
        break;
    case PM_ACT_TANH:
        for (int j = 0; j < n; j++)
            y[j] = tanh(y[j]);
        break;
    case PM_ACT_RELU:
        for (int j = 0; j < n; j++)
            y[j] = y[j] > 0 ? y[j] : 0.0;
        break;
    case PM_ACT_LINEAR:
        break;
    }
}

/* f'(v) written in terms of the output y = f(v) (SPEC §2 table). */
static inline double deriv(double y, pm_activation act)
{
    switch (act) {
    case PM_ACT_SIGMOID: return (0.5 + y) * (0.5 - y);
    case PM_ACT_TANH: return 1.0 - y * y;
    case PM_ACT_RELU: return y > 0 ? 1.0 : 0.0;
    case PM_ACT_LINEAR: break;
    }
    return 1.0;
}

/* ---- forward ----------------------------------------------------------------------------------------------------- */

/* 1 unless *p is +0 or -0 (the sign bit is shifted out): an integer test is cheaper than a floating compare with
 * its NaN case, and NaN / inf count as nonzero, as load_input requires. */
static inline int nonzero(const double *p)
{
    uint64_t bits;
    memcpy(&bits, p, sizeof bits);
    return (bits << 1) != 0;
}

/* Lists the nonzero entries of in[0..n) in idx (increasing); returns their count. NaN and inf are nonzero, so
 * they reach every v of layer 0 (x * w is then NaN or inf for any w) and the forward pass refuses them there.
 * Portable version: the list is written branch-free (every index stored, the count advanced only past nonzeros),
 * since the zeros of real inputs are unpredictable. */
static int list_nonzero_scalar(int *restrict idx, const double *restrict in, int i, int k, int n)
{
    for (; i + 2 <= n; i += 2) { /* two per iteration: the loop overhead is a good part of this small loop */
        idx[k] = i;
        k += nonzero(in + i);
        idx[k] = i + 1;
        k += nonzero(in + i + 1);
    }
    if (i < n) {
        idx[k] = i;
        k += nonzero(in + i);
    }
    return k;
}

#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
/* Groups of four inputs: two SSE2 compares give a 4-bit mask of the nonzeros (cmpneq is unordered-or-unequal: NaN
 * counts as nonzero, -0 == +0 as zero, like nonzero()), and one 16-byte store writes the group's indexes packed
 * from a table (slots past the count are overwritten by the next group; k <= i keeps them inside idx[0..n)). */
static int list_nonzero(int *restrict idx, const double *restrict in, int n)
{
    /* packed[m]: positions of the set bits of m, ascending, then padding; count[m]: number of set bits */
    static const int packed[16][4] = {{0, 0, 0, 0}, {0, 0, 0, 0}, {1, 0, 0, 0}, {0, 1, 0, 0},
                                      {2, 0, 0, 0}, {0, 2, 0, 0}, {1, 2, 0, 0}, {0, 1, 2, 0},
                                      {3, 0, 0, 0}, {0, 3, 0, 0}, {1, 3, 0, 0}, {0, 1, 3, 0},
                                      {2, 3, 0, 0}, {0, 2, 3, 0}, {1, 2, 3, 0}, {0, 1, 2, 3}};
    static const unsigned char count[16] = {0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4};
    const __m128d zero = _mm_setzero_pd();
    int k = 0, i = 0;
    for (; i + 4 <= n; i += 4) {
        const int m = _mm_movemask_pd(_mm_cmpneq_pd(_mm_loadu_pd(in + i), zero)) |
                      _mm_movemask_pd(_mm_cmpneq_pd(_mm_loadu_pd(in + i + 2), zero)) << 2;
        const __m128i pos = _mm_add_epi32(_mm_loadu_si128((const __m128i *)(const void *)packed[m]),
                                          _mm_set1_epi32(i));
        _mm_storeu_si128((__m128i *)(void *)(idx + k), pos);
        k += count[m];
    }
    return list_nonzero_scalar(idx, in, i, k, n);
}
#else
static int list_nonzero(int *restrict idx, const double *restrict in, int n)
{
    return list_nonzero_scalar(idx, in, 0, 0, n);
}
#endif

/* Copies the input into x and lists its nonzero entries in idx; returns their count. */
static int load_input(double *restrict x, int *restrict idx, const double *restrict in, int n)
{
    memcpy(x, in, (size_t)n * sizeof(double));
    return list_nonzero(idx, in, n);
}

pm_status pm_net_forward(pm_net *net, const double *inputs)
{
    if (net == NULL || inputs == NULL)
        return PM_ERR_ARG;
    const int nx = net->cur ^ 1; /* write the spare copy; flip only on success (net_internal.h) */
    const int nnz = load_input(net->x[nx], net->nz_idx[nx], inputs, net->n_inputs);
    double *act = net->act[nx];
    const pm_activation f = net->cfg.activation;
    int bad = 0;
    double xmax = 0;
    for (int l = 0; l < net->n_layers; l++) {
        const double *w = pm_net_w_(net, l);
        const int rows = net->sizes[l], n_in = net->fan_in[l], cols = pm_net_cols_(net, l);
        double *y = act + net->a_off[l];
        if (l == 0)
            xmax = matvec_sparse_t(y, w, rows, net->x[nx], net->nz_idx[nx], nnz);
        else
            matvec_dense(y, w, rows, cols, act + net->a_off[l - 1], n_in);
        if (net->bias) { /* bias input y = 1: the last input's run of layer 0 (input-major), the last column above */
            const double *wb = l == 0 ? w + (long)n_in * rows : w + n_in;
            const long stride = l == 0 ? 1 : cols;
            for (int j = 0; j < rows; j++)
                y[j] += wb[j * stride];
        }
        for (int j = 0; j < rows; j++)
            bad |= not_finite(y[j]); /* v, before f: sigmoid(inf) would hide a non-finite input */
        activate(y, rows, f);
    }
    if (bad) /* non-finite input, or overflow in linear / relu nets: refuse rather than store inf or NaN */
        return PM_ERR_NONFINITE;
    net->nnz[nx] = nnz;
    net->xmax[nx] = xmax;
    net->cur = nx;
    net->has_forward = 1;
    return PM_OK;
}

/* ---- learn ------------------------------------------------------------------------------------------------------- */

/* Replaces the sums d[j] by delta_j = f'(v_j) * d[j] (or its sign for the chained rule) for j < n, y the layer's
 * outputs; returns 1 if any delta is not finite. */
static inline int finish_deltas(double *restrict d, const double *restrict y, int n, pm_activation f, int chained)
{
    int bad = 0;
    if (f == PM_ACT_SIGMOID && !chained) { /* the common case without the per-neuron switches (same arithmetic) */
        for (int j = 0; j < n; j++) {
            d[j] = deriv(y[j], PM_ACT_SIGMOID) * d[j];
            bad |= not_finite(d[j]);
        }
        return bad;
    }
    for (int j = 0; j < n; j++) {
        const double v = deriv(y[j], f) * d[j];
        d[j] = chained ? sign_of(v) : v;
        bad |= not_finite(d[j]);
    }
    return bad;
}

/* s[j] = sum_k W[k][j] * dk[k] for j < n (column j of W (n_up, cols) row-major against dk): a running sum per j in
 * k ascending order, ten columns (five pairs, the paper's width) then two then one per pass over the rows, so the
 * rows are read contiguously and the sums stay in registers; lanes are columns, the same bits as a scalar loop. */
static void matvec_transposed(double *restrict s, const double *restrict w, int n_up, int cols,
                              const double *restrict dk, int n)
{
    int j = 0;
    for (; j + 10 <= n; j += 10) {
        pair s0 = pair_splat(0), s1 = s0, s2 = s0, s3 = s0, s4 = s0;
        for (int k = 0; k < n_up; k++) {
            const double *row = w + (long)k * cols + j;
            const pair d = pair_splat(dk[k]);
            s0 = pair_add(s0, pair_mul(pair_load(row), d));
            s1 = pair_add(s1, pair_mul(pair_load(row + 2), d));
            s2 = pair_add(s2, pair_mul(pair_load(row + 4), d));
            s3 = pair_add(s3, pair_mul(pair_load(row + 6), d));
            s4 = pair_add(s4, pair_mul(pair_load(row + 8), d));
        }
        pair_store(s + j, s0);
        pair_store(s + j + 2, s1);
        pair_store(s + j + 4, s2);
        pair_store(s + j + 6, s3);
        pair_store(s + j + 8, s4);
    }
    for (; j + 2 <= n; j += 2) {
        pair s0 = pair_splat(0);
        for (int k = 0; k < n_up; k++)
            s0 = pair_add(s0, pair_mul(pair_load(w + (long)k * cols + j), pair_splat(dk[k])));
        pair_store(s + j, s0);
    }
    for (; j < n; j++) {
        double s0 = 0;
        for (int k = 0; k < n_up; k++)
            s0 += w[(long)k * cols + j] * dk[k];
        s[j] = s0;
    }
}

/* Deltas of every layer into delta (n_act), from the current weights and the stored activations (SPEC §3):
 * delta_L = E_j f'(v_L), delta_l = f'(v_l) sum_k w_kj^(l+1) delta_k^(l+1); chained sign takes sign() at each layer
 * (d~_L = sign(E_j)). errors has stride estride (0 = one error broadcast). Returns 1 if any delta is not finite.
 * The sums of a layer go through delta[l] itself (written as sums, then overwritten by the deltas in place). */
static int compute_deltas(pm_net *net, double *restrict delta, pm_rule rule, const double *errors, int estride)
{
    const double *act = net->act[net->cur];
    const pm_activation f = net->cfg.activation;
    const int chained = rule == PM_RULE_CHAINED_SIGN;
    const int L = net->n_layers - 1;
    int bad = 0;
    {
        const double *y = act + net->a_off[L];
        double *d = delta + net->a_off[L];
        for (int j = 0; j < net->sizes[L]; j++) {
            double e = errors[j * estride];
            d[j] = chained ? sign_of(e) : e * deriv(y[j], f);
            bad |= not_finite(d[j]);
        }
    }
    for (int l = L - 1; l >= 0; l--) {
        double *d = delta + net->a_off[l];
        const int n = net->sizes[l];
        /* w_up (sizes[l+1], sizes[l] + bias) */
        matvec_transposed(d, pm_net_w_(net, l + 1), net->sizes[l + 1], pm_net_cols_(net, l + 1),
                          delta + net->a_off[l + 1], n);
        bad |= finish_deltas(d, act + net->a_off[l], n, f, chained);
    }
    return bad;
}

/* max |x| over a vector, four partial maxima (max is exact, so their order does not matter). */
static double max_abs(const double *restrict x, int n)
{
    double m0 = 0, m1 = 0, m2 = 0, m3 = 0;
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        double a0 = fabs(x[i]), a1 = fabs(x[i + 1]), a2 = fabs(x[i + 2]), a3 = fabs(x[i + 3]);
        m0 = a0 > m0 ? a0 : m0;
        m1 = a1 > m1 ? a1 : m1;
        m2 = a2 > m2 ? a2 : m2;
        m3 = a3 > m3 ? a3 : m3;
    }
    for (; i < n; i++) {
        double a = fabs(x[i]);
        m0 = a > m0 ? a : m0;
    }
    m0 = m1 > m0 ? m1 : m0;
    m2 = m3 > m2 ? m3 : m2;
    return m2 > m0 ? m2 : m0;
}

/* The inputs y^(l-1) of layer l as (values, indexes or NULL for dense, count). */
static const double *layer_input(const pm_net *net, int l, const int **idx, int *n)
{
    if (l == 0) {
        *idx = net->nz_idx[net->cur];
        *n = net->nnz[net->cur];
        return net->x[net->cur];
    }
    *idx = NULL;
    *n = net->fan_in[l];
    return net->act[net->cur] + net->a_off[l - 1];
}

/* Exact check used only when the running bound gets near overflow: 1 if some w + coef_j * y_i is not finite. */
static int update_overflows(const pm_net *net)
{
    for (int l = 0; l < net->n_layers; l++) {
        const int *idx;
        int n;
        const double *y = layer_input(net, l, &idx, &n);
        const int n_in = net->fan_in[l];
        const double *c = net->coef + net->a_off[l];
        for (int j = 0; j < net->sizes[l]; j++) {
            for (int m = 0; m < n; m++) {
                const int i = idx ? idx[m] : m;
                if (not_finite(net->w[pm_net_widx_(net, l, j, i)] + c[j] * y[i]))
                    return 1;
            }
            if (net->bias && not_finite(net->w[pm_net_widx_(net, l, j, n_in)] + c[j]))
                return 1;
        }
    }
    return 0;
}

/* 1 if c[0..n) are all zero. */
static int all_zero(const double *c, int n)
{
    for (int i = 0; i < n; i++)
        if (c[i] != 0)
            return 0;
    return 1;
}

/* One input of a ten-neuron block of update_sparse_t: a[0..10) += (c0, c1, c2) * xm. */
static inline void upd10(double *a, quad c0, quad c1, pair c2, double xm)
{
    const quad xi = quad_splat(xm);
    quad_store(a, quad_add(quad_load(a), quad_mul(c0, xi)));
    quad_store(a + 4, quad_add(quad_load(a + 4), quad_mul(c1, xi)));
    pair_store(a + 8, pair_add(pair_load(a + 8), pair_mul(c2, pair_splat(xm))));
}

/* Adds Wt[i][j] += c[j] * x[i] (SPEC §3 dw = eta R phi(delta_j) y_i) for the nonzero inputs i listed in idx;
 * Wt input-major (inputs, rows) as in matvec_sparse_t, with the same blocks of ten / two / one neurons so each
 * input's run is updated in quads and pairs. A block whose c are all 0 is skipped (nothing to do: E = 0, or P&M sign 0);
 * inside a mixed block a neuron with c = 0 gets + 0 * x, which leaves its (finite) weight's value unchanged. */
PM_WIDE_KERNEL static void update_sparse_t(double *restrict wt, int rows, const double *restrict c,
                                           const double *restrict x, const int *restrict idx, int nnz)
{
    int j = 0;
    for (; j + 10 <= rows; j += 10) { /* neurons j..j+9 as quad, quad, pair */
        if (all_zero(c + j, 10))
            continue;
        const quad c0 = quad_load(c + j), c1 = quad_load(c + j + 4);
        const pair c2 = pair_load(c + j + 8);
        int m = 0;
        for (; m + 2 <= nnz; m += 2) { /* two inputs per iteration: less loop overhead (distinct runs of weights) */
            upd10(wt + (long)idx[m] * rows + j, c0, c1, c2, x[idx[m]]);
            upd10(wt + (long)idx[m + 1] * rows + j, c0, c1, c2, x[idx[m + 1]]);
        }
        if (m < nnz)
            upd10(wt + (long)idx[m] * rows + j, c0, c1, c2, x[idx[m]]);
    }
    for (; j + 2 <= rows; j += 2) {
        if (all_zero(c + j, 2))
            continue;
        const pair c0 = pair_load(c + j);
        for (int m = 0; m < nnz; m++) {
            double *a = wt + (long)idx[m] * rows + j;
            pair_store(a, pair_add(pair_load(a), pair_mul(c0, pair_splat(x[idx[m]]))));
        }
    }
    for (; j < rows; j++)
        if (c[j] != 0)
            for (int m = 0; m < nnz; m++)
                wt[(long)idx[m] * rows + j] += c[j] * x[idx[m]];
}

/* Adds W[j][i] += c[j] * y[i] (dense inputs of the hidden layers) for every row with c[j] != 0, in pairs of i, and
 * if bias, W[j][n] += c[j] (bias input 1) on every row, as before the rows were fused (+ 0 turns a -0 bias into +0).
 * The paper's width n = 10 keeps y in five registers across the rows. */
static void update_dense(double *restrict w, int rows, int cols, const double *restrict c, const double *restrict y,
                         int n, int bias)
{
    const int n2 = n & ~1;
    if (n == 10) {
        const pair y0 = pair_load(y), y1 = pair_load(y + 2), y2 = pair_load(y + 4), y3 = pair_load(y + 6),
                   y4 = pair_load(y + 8);
        for (int j = 0; j < rows; j++) {
            double *r = w + (long)j * cols;
            if (c[j] != 0) {
                const pair cj = pair_splat(c[j]);
                pair_store(r, pair_add(pair_load(r), pair_mul(cj, y0)));
                pair_store(r + 2, pair_add(pair_load(r + 2), pair_mul(cj, y1)));
                pair_store(r + 4, pair_add(pair_load(r + 4), pair_mul(cj, y2)));
                pair_store(r + 6, pair_add(pair_load(r + 6), pair_mul(cj, y3)));
                pair_store(r + 8, pair_add(pair_load(r + 8), pair_mul(cj, y4)));
            }
            if (bias)
                r[10] += c[j];
        }
        return;
    }
    for (int j = 0; j < rows; j++) {
        double *r = w + (long)j * cols;
        if (c[j] != 0) {
            const pair cj = pair_splat(c[j]);
            for (int i = 0; i < n2; i += 2)
                pair_store(r + i, pair_add(pair_load(r + i), pair_mul(cj, pair_load(y + i))));
            if (n2 < n)
                r[n2] += c[j] * y[n2];
        }
        if (bias)
            r[n] += c[j];
    }
}

/* Applies the update of every layer from coef and the stored inputs; the bias column sees input 1. */
static void apply_update(pm_net *net)
{
    for (int l = 0; l < net->n_layers; l++) {
        const int *idx;
        int n;
        const double *y = layer_input(net, l, &idx, &n);
        const int rows = net->sizes[l], cols = pm_net_cols_(net, l);
        const double *c = net->coef + net->a_off[l];
        double *w = pm_net_w_(net, l);
        if (idx) {
            update_sparse_t(w, rows, c, y, idx, n);
            if (net->bias) { /* layer 0 is input-major: the biases are the last input's contiguous run */
                double *wb = w + (long)net->fan_in[0] * rows;
                for (int j = 0; j < rows; j++)
                    wb[j] += c[j];
            }
        } else {
            update_dense(w, rows, cols, c, y, n, net->bias);
        }
    }
}

/* Fills coef = rate * R * phi(delta) from delta and returns an upper bound of the largest weight change
 * (max over layers of max|coef^l| * max|y^(l-1)|, bias input 1 included); inf or NaN if it overflows. */
static double make_coef(pm_net *net, const double *delta, pm_rule rule, double rate, double relevance)
{
    const double scale = rate * relevance;
    const pm_activation f = net->cfg.activation;
    double worst = 0;
    for (int l = 0; l < net->n_layers; l++) {
        const double *d = delta + net->a_off[l];
        const double *yl = net->act[net->cur] + net->a_off[l]; /* the layer's own outputs, for f'(v_j) */
        double *c = net->coef + net->a_off[l];
        double cmax = 0; /* max |c_j|, in the same pass (max_abs's semantics: a NaN c_j is not taken) */
        for (int j = 0; j < net->sizes[l]; j++) {
            /* BP: phi = identity; P&M: sign; chained: d is already a sign; saturation-aware prime:
             * phi_j = sign(delta_j) * f'(v_j), the prime fades as neuron j saturates (SPEC §9, net.h) */
            double phi = d[j];
            if (rule == PM_RULE_PRIME_MODULATE)
                phi = sign_of(d[j]);
            else if (rule == PM_RULE_SATURATION_PRIME)
                phi = sign_of(d[j]) * deriv(yl[j], f);
            c[j] = scale * phi;
            const double a = fabs(c[j]);
            cmax = a > cmax ? a : cmax;
        }
        const int *idx;
        int n;
        const double *y = layer_input(net, l, &idx, &n);
        double ymax; /* bound of |y^(l-1)|: known for squashing activations, measured otherwise */
        if (l > 0 && net->cfg.activation == PM_ACT_SIGMOID)
            ymax = 0.5;
        else if (l > 0 && net->cfg.activation == PM_ACT_TANH)
            ymax = 1.0;
        else
            ymax = idx ? net->xmax[net->cur] : max_abs(y, n); /* layer 0: taken by the forward pass */
        if (net->bias && ymax < 1)
            ymax = 1;
        double step = cmax * ymax;
        if (!(step <= worst)) /* also propagates NaN */
            worst = step;
    }
    return worst;
}

/* Shared body of pm_net_learn and pm_net_learn_vec; errors has stride estride (0 = broadcast). */
static pm_status learn(pm_net *net, pm_rule rule, const double *errors, int estride, double rate, double relevance)
{
    if (net == NULL || errors == NULL || !net->has_forward || (unsigned)rule > PM_RULE_SATURATION_PRIME)
        return PM_ERR_ARG;
    /* the product too: rate * R = inf with a zero delta would make the coefficient inf * 0 = NaN (silent NaN) */
    int bad = not_finite(rate) | not_finite(relevance) | not_finite(rate * relevance);
    for (int j = 0; j < (estride ? net->sizes[net->n_layers - 1] : 1); j++)
        bad |= not_finite(errors[j * estride]);
    if (bad)
        return PM_ERR_NONFINITE;
    const int nd = net->dcur ^ 1;
    double *delta = net->delta[nd];
    if (compute_deltas(net, delta, rule, errors, estride))
        return PM_ERR_NONFINITE; /* BP deltas overflowed (huge weights): nothing changed yet */
    double step = make_coef(net, delta, rule, rate, relevance);
    double bound = net->wmax_bound + step;
    if (!(bound <= SAFE_BOUND)) { /* rare: look at every new weight before touching any */
        if (not_finite(step) || update_overflows(net))
            return PM_ERR_NONFINITE;
        apply_update(net);
        pm_net_refresh_bound_(net);
    } else {
        apply_update(net);
        net->wmax_bound = bound;
    }
    net->dcur = nd;
    return PM_OK;
}

pm_status pm_net_learn(pm_net *net, pm_rule rule, double error, double rate, double relevance)
{
    return learn(net, rule, &error, 0, rate, relevance);
}

pm_status pm_net_learn_vec(pm_net *net, pm_rule rule, const double *errors, double rate, double relevance)
{
    return learn(net, rule, errors, 1, rate, relevance);
}
