/* The per-step hot path, allocation-free: forward pass (SPEC §2), deltas and BP / P&M / chained-sign updates (§3),
 * and both in one call (the closed loop's learn + forward, SPEC §5). */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "net_internal.h"
#include "pm_math.h"

/* A weight bound above which learn checks every new weight exactly instead of trusting the running bound. */
#define SAFE_BOUND 1e300

/* Every helper here is inlined, also at -O0: the 16/32-byte vectors they take and return by value must never
 * cross a call between the AVX2 clone of a kernel and a baseline-compiled helper (the two pass them differently,
 * GCC's -Wpsabi note; a Debug build crashed in quad_load called from the AVX2 update_sparse_t). */
#if defined(__GNUC__)
#define PM_KINLINE __attribute__((always_inline)) static inline
#else
#define PM_KINLINE static inline
#endif

/* 1 if v is NaN or +-inf (branch-free so it can be or-ed over a loop). */
PM_KINLINE int not_finite(double v) { return !(fabs(v) <= DBL_MAX); }

PM_KINLINE double sign_of(double v) { return (double)((v > 0) - (v < 0)); } /* sign(0) = 0 (SPEC §3) */

/* Two or four doubles processed together. With GCC / Clang these are vector types (2 lanes: SSE2, NEON; 4 lanes:
 * one AVX register, or two SSE2 registers when the compiler lowers it on the baseline), elsewhere structs. Either
 * way each lane does exactly the scalar IEEE multiply and add, separately rounded, so results do not depend on the
 * width: the kernels use lanes for neurons, never to split one neuron's sum, so every sum keeps its order. */
#if defined(__GNUC__)
/* GCC and Clang warn that a 32-byte vector passed by value would use another ABI without AVX; these helpers are
 * PM_KINLINE and always inlined, so no call ever crosses an ABI boundary with one. */
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wunknown-warning-option" /* a Clang without -Wpsabi has no such warning */
#endif
#pragma GCC diagnostic ignored "-Wpsabi"
typedef double pair __attribute__((vector_size(16)));
typedef double quad __attribute__((vector_size(32)));
PM_KINLINE pair pair_splat(double x) { return (pair){x, x}; }
PM_KINLINE pair pair_add(pair a, pair b) { return a + b; }
PM_KINLINE pair pair_mul(pair a, pair b) { return a * b; }
PM_KINLINE double pair_sum(pair a) { return a[0] + a[1]; }
PM_KINLINE quad quad_splat(double x) { return (quad){x, x, x, x}; }
/* quad_splat of a value loaded from memory, as a macro: the inline function's vector constructor is lowered for the
 * baseline target (to halves) before it is inlined into an AVX2 clone, which then builds it from halves (three
 * instructions) instead of one broadcast load. (Not for values just stored: a broadcast load of them may wait.) */
#define quad_bcast(x) __extension__({ const double pm_s_ = (x); (quad){pm_s_, pm_s_, pm_s_, pm_s_}; })
PM_KINLINE quad quad_add(quad a, quad b) { return a + b; }
PM_KINLINE quad quad_mul(quad a, quad b) { return a * b; }
/* The halves of a quad and a quad of two pairs: register shuffles (a copy through memory would make the next
 * vector load wait for the stores) */
#if defined(__clang__) || __GNUC__ >= 12
PM_KINLINE pair pair_lo(quad q) { return __builtin_shufflevector(q, q, 0, 1); }
PM_KINLINE pair pair_hi(quad q) { return __builtin_shufflevector(q, q, 2, 3); }
PM_KINLINE quad quad_cat(pair a, pair b) { return __builtin_shufflevector(a, b, 0, 1, 2, 3); }
#else
PM_KINLINE pair pair_lo(quad q) { return (pair){q[0], q[1]}; }
PM_KINLINE pair pair_hi(quad q) { return (pair){q[2], q[3]}; }
PM_KINLINE quad quad_cat(pair a, pair b) { return (quad){a[0], a[1], b[0], b[1]}; }
#endif
#else
typedef struct {
    double v[2];
} pair;
typedef struct {
    double v[4];
} quad;
PM_KINLINE pair pair_splat(double x) { return (pair){{x, x}}; }
PM_KINLINE pair pair_add(pair a, pair b) { return (pair){{a.v[0] + b.v[0], a.v[1] + b.v[1]}}; }
PM_KINLINE pair pair_mul(pair a, pair b) { return (pair){{a.v[0] * b.v[0], a.v[1] * b.v[1]}}; }
PM_KINLINE double pair_sum(pair a) { return a.v[0] + a.v[1]; }
PM_KINLINE quad quad_splat(double x) { return (quad){{x, x, x, x}}; }
PM_KINLINE quad quad_add(quad a, quad b)
{
    return (quad){{a.v[0] + b.v[0], a.v[1] + b.v[1], a.v[2] + b.v[2], a.v[3] + b.v[3]}};
}
PM_KINLINE quad quad_mul(quad a, quad b)
{
    return (quad){{a.v[0] * b.v[0], a.v[1] * b.v[1], a.v[2] * b.v[2], a.v[3] * b.v[3]}};
}
#define quad_bcast(x) quad_splat(x)
PM_KINLINE pair pair_lo(quad q) { return (pair){{q.v[0], q.v[1]}}; }
PM_KINLINE pair pair_hi(quad q) { return (pair){{q.v[2], q.v[3]}}; }
PM_KINLINE quad quad_cat(pair a, pair b) { return (quad){{a.v[0], a.v[1], b.v[0], b.v[1]}}; }
#endif
PM_KINLINE pair pair_load(const double *p)
{
    pair r;
    memcpy(&r, p, sizeof r); /* unaligned-safe */
    return r;
}
PM_KINLINE void pair_store(double *p, pair v) { memcpy(p, &v, sizeof v); }
PM_KINLINE quad quad_load(const double *p)
{
    quad r;
    memcpy(&r, p, sizeof r);
    return r;
}
PM_KINLINE void quad_store(double *p, quad v) { memcpy(p, &v, sizeof v); }

/* The wide kernels are compiled twice on x86-64 GCC (glibc picks one at load time by the CPU): the baseline (SSE2)
 * and AVX2, where a quad is one register. Both do the same lane-wise IEEE operations in the same order, so they give
 * the same bits. No FMA: the "avx2" target does not enable it, and the build's -ffp-contract=off keeps a*b+c two
 * rounded operations in both versions. No AVX-512 (x86-64-v4) version: rows of ten weights as an eight-lane register
 * and a pair ran no faster in alternated runs of bench_net (November 2026), and GCC's AVX2 lowering of eight-lane
 * vectors spilled them to the stack; only the input scan has one (scan_avx512). Valgrind's virtual CPU has no
 * AVX-512 and runs the AVX2 versions. Clang (the fuzz build) and other platforms get the single baseline version;
 * -DPM_NO_TARGET_CLONES forces it (to check that both versions give the same bits). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(PM_NO_TARGET_CLONES)
#define PM_WIDE_KERNEL __attribute__((target_clones("avx2", "default")))
#else
#define PM_WIDE_KERNEL
#endif

#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 12) /* vector extensions with __builtin_shufflevector */
typedef uint64_t quad_u __attribute__((vector_size(32)));
typedef int64_t quad_m __attribute__((vector_size(32))); /* lane masks of quad comparisons (0 or -1) */
/* Lane-wise helpers, each the scalar expression of the comment lane by lane (bit operations, exact). */
PM_KINLINE quad quad_bits_(quad_u u)
{
    quad q;
    memcpy(&q, &u, sizeof q);
    return q;
}
PM_KINLINE quad_u quad_u_(quad q)
{
    quad_u u;
    memcpy(&u, &q, sizeof u);
    return u;
}
PM_KINLINE quad quad_select(quad_m m, quad a, quad b) /* m ? a : b */
{
    return quad_bits_((quad_u_(a) & (quad_u)m) | (quad_u_(b) & ~(quad_u)m));
}
PM_KINLINE quad quad_abs(quad v) /* fabs: the sign bit cleared */
{
    return quad_bits_(quad_u_(v) & (quad_u){~0ull >> 1, ~0ull >> 1, ~0ull >> 1, ~0ull >> 1});
}
PM_KINLINE quad quad_max(quad a, quad m) { return quad_select(a > m, a, m); } /* a > m ? a : m (NaN a: m) */
PM_KINLINE quad quad_sign(quad v) /* sign_of: (v > 0) - (v < 0) as a double, +0 for +-0 and NaN */
{
    const quad_u one = quad_u_(quad_splat(1.0));
    return quad_bits_((quad_u)(v > 0) & one) - quad_bits_((quad_u)(v < 0) & one);
}
PM_KINLINE quad_m quad_not_finite(quad v) { return ~(quad_abs(v) <= DBL_MAX); } /* not_finite, lane by lane */
#define PM_HAVE_LANES 1
#endif

/* f'(v) written in terms of the output y = f(v) (SPEC §2 table). */
PM_KINLINE double deriv(double y, pm_activation act)
{
    switch (act) {
    case PM_ACT_SIGMOID: return (0.5 + y) * (0.5 - y);
    case PM_ACT_TANH: return 1.0 - y * y;
    case PM_ACT_RELU: return y > 0 ? 1.0 : 0.0;
    case PM_ACT_LINEAR: break;
    }
    return 1.0;
}

/* 1 if c[0..n) are all zero. */
PM_KINLINE int all_zero(const double *c, int n)
{
    for (int i = 0; i < n; i++)
        if (c[i] != 0)
            return 0;
    return 1;
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

/* ---- kernels (outputs first, then inputs, then sizes) ---------------------------------------------------------- */

/* Overwrites v[j] = sum_i W[j][i] * y[i] (SPEC §2 v_j, bias not included) for every row of W (rows, cols)
 * row-major over the first n columns. Each row keeps two running sums, even and odd i, in one pair (added at the
 * end, then the odd tail); two rows per pass over y. A fixed order: the same result on every run. */
PM_KINLINE void matvec_dense(double *restrict v, const double *restrict w, int rows, int cols,
                             const double *restrict y, int n)
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

/* One input of a ten-neuron block of matvec_sparse_t: (s0, s1, s2) += a[0..10) * xm. */
PM_KINLINE void acc10(quad *s0, quad *s1, pair *s2, const double *a, double xm)
{
    const quad xi = quad_bcast(xm); /* one broadcast for both (the pair is its low half) */
    *s0 = quad_add(*s0, quad_mul(quad_load(a), xi));
    *s1 = quad_add(*s1, quad_mul(quad_load(a + 4), xi));
    *s2 = pair_add(*s2, pair_mul(pair_load(a + 8), pair_lo(xi)));
}

/* Overwrites v[j] = sum_m Wt[idx[m]][j] * x[idx[m]] for j < rows (SPEC §2 v_j of layer 0, bias not included):
 * Wt is input-major (inputs, rows), idx lists the nonzero inputs (zeros add nothing). Ten (the paper's width), then
 * two, then one neuron per pass over idx: the sums stay in registers, each input's run of weights is loaded in
 * quads and pairs, and every v[j] is still one running sum in m order (no reassociation: the same bits on every
 * run and in either clone). */
PM_WIDE_KERNEL static void matvec_sparse_t(double *restrict v, const double *restrict wt, int rows,
                                           const double *restrict x, const int *restrict idx, int nnz)
{
    int j = 0;
    for (; j + 10 <= rows; j += 10) { /* neurons j..j+9 as quad, quad, pair */
        quad s0 = quad_splat(0), s1 = s0;
        pair s2 = pair_splat(0);
        const double *wj = wt + j; /* the block's column: input i's run at wj + i * rows */
        int m = 0;
        for (; m + 2 <= nnz; m += 2) { /* two inputs per iteration (less loop overhead), still added in m order */
            acc10(&s0, &s1, &s2, wj + (long)idx[m] * rows, x[idx[m]]);
            acc10(&s0, &s1, &s2, wj + (long)idx[m + 1] * rows, x[idx[m + 1]]);
        }
        if (m < nnz)
            acc10(&s0, &s1, &s2, wj + (long)idx[m] * rows, x[idx[m]]);
        quad_store(v + j, s0);
        quad_store(v + j + 4, s1);
        pair_store(v + j + 8, s2);
    }
    for (; j + 2 <= rows; j += 2) {
        pair s0 = pair_splat(0);
        for (int m = 0; m < nnz; m++) {
            const double xm = x[idx[m]];
            s0 = pair_add(s0, pair_mul(pair_load(wt + (long)idx[m] * rows + j), pair_splat(xm)));
        }
        pair_store(v + j, s0);
    }
    for (; j < rows; j++) {
        double s0 = 0;
        for (int m = 0; m < nnz; m++) {
            const double xm = x[idx[m]];
            s0 += wt[(long)idx[m] * rows + j] * xm;
        }
        v[j] = s0;
    }
}

#ifdef PM_HAVE_LANES
/* The sigmoid of four neurons at once, *y = 1 / (1 + e^-v) - 0.5 lane by lane, each lane doing exactly the
 * operations of the scalar 1.0 / (1.0 + pm_exp(-v)) - 0.5 on the common path of pm_exp (pm_exp_scaled_ with bias 0,
 * |v| < 708): the same multiplies, adds and table values in the same order, so the same bits, one vector instruction
 * where the scalar chain had four (the chain of ten sigmoid layers is serial, SPEC §2). Returns 0 without writing
 * if some lane is outside the common path (then the caller takes the scalar pm_exp, which handles it); so a lane it
 * writes had a finite v. On registers: the layers pass their vectors on without a round trip through memory (a
 * vector load of values just stored one by one waits for the stores, on the serial chain of the layers). */
/* The lanes of v on pm_exp's common path for -v, |v| < 708 (false for NaN too, as in pm_exp). */
PM_KINLINE quad_m sigmoid_in_range(quad v) { return (-v > -708.0) & (-v < 708.0); }
/* 1 if every lane of m is set (lanes of comparisons are 0 or -1). */
PM_KINLINE int all_set(quad_m m)
{
    const quad_m h = m & __builtin_shufflevector(m, m, 2, 3, 0, 1);
    return (h[0] & h[1]) != 0;
}
/* The sigmoid of the four lanes, all on the common path (sigmoid_in_range). */
PM_KINLINE quad sigmoid4_common(quad v)
{
    const quad x = -v;
    const quad shift = quad_splat(0x1.8p52);
    const quad z = x * quad_splat(0x1.71547652b82fep+8) + shift;
    const quad_u zb = quad_u_(z);
    const quad kd = z - shift;
    const quad r = (x - kd * quad_splat(0x1.62e42feep-9)) - kd * quad_splat(0x1.a39ef35793c76p-41);
    const quad_u tab = {pm_exp_table_[zb[0] & 255u], pm_exp_table_[zb[1] & 255u], pm_exp_table_[zb[2] & 255u],
                        pm_exp_table_[zb[3] & 255u]};
    const quad scale = quad_bits_(tab + (zb << 44));
    const quad r2 = r * r;
    const quad p = r + (r2 * (0x1p-1 + r * 0x1.5555555555555p-3) +
                        (r2 * r2) * (0x1.5555555555555p-5 + r * 0x1.1111111111111p-7));
    const quad e = scale + scale * p;
    return 1.0 / (1.0 + e) - 0.5;
}

PM_KINLINE int sigmoid4v(quad v, quad *y)
{
    if (!all_set(sigmoid_in_range(v)))
        return 0;
    *y = sigmoid4_common(v);
    return 1;
}


/* sigmoid4v of two lanes (the other two lanes 0: on the common path, discarded). */
PM_KINLINE int sigmoid2v(pair v, pair *y)
{
    quad t;
    if (!sigmoid4v(quad_cat(v, pair_splat(0)), &t))
        return 0;
    *y = pair_lo(t);
    return 1;
}
#define PM_HAVE_SIGMOID4 1
#endif

/* The scalar sigmoid of SPEC §2's table, with pm_exp (pm_math.h: the same bits on every CPU); extreme v give
 * exactly -0.5 (e^-v = inf) or +0.5 (e^-v = 0), NaN stays NaN. */
PM_KINLINE double sigmoid1(double v) { return 1.0 / (1.0 + pm_exp(-v)) - 0.5; }

/* The sigmoid layer in place, y[j] = f(v_j) for j < n; returns 1 if some v_j was not finite (the forward pass
 * refuses those: sigmoid(inf) would hide a non-finite input). Four neurons per vector step where every lane is on
 * pm_exp's common path (such lanes are finite: no check needed), then two, the rest (odd tails, extreme or
 * non-finite v) one by one: all give the bits of the scalar expression. */
PM_KINLINE int sigmoid_layer(double *restrict y, int n)
{
    int bad = 0, j = 0;
#ifdef PM_HAVE_SIGMOID4
    for (; j + 4 <= n; j += 4) {
        quad q;
        if (sigmoid4v(quad_load(y + j), &q))
            quad_store(y + j, q);
        else
            for (int k = j; k < j + 4; k++) {
                bad |= not_finite(y[k]);
                y[k] = sigmoid1(y[k]);
            }
    }
    pair p;
    if (j + 2 <= n && sigmoid2v(pair_load(y + j), &p)) {
        pair_store(y + j, p);
        j += 2;
    }
#endif
    for (; j < n; j++) {
        bad |= not_finite(y[j]);
        y[j] = sigmoid1(y[j]);
    }
    return bad;
}

#ifdef PM_HAVE_SIGMOID4
/* Ten activations in registers: y0..3, y4..7 and y8, y9 (the operands of matvec_dense's n == 10 rows). */
typedef struct {
    quad a, b;
    pair c;
} y10;

PM_KINLINE y10 y10_load(const double *y)
{
    return (y10){quad_load(y), quad_load(y + 4), pair_load(y + 8)};
}

/* Pair k of the activations, (y_2k, y_2k+1), in both halves of a quad (a register shuffle). */
PM_KINLINE quad y10_pair2(const y10 *y, int k)
{
    switch (k) {
    case 0:
        return __builtin_shufflevector(y->a, y->a, 0, 1, 0, 1);
    case 1:
        return __builtin_shufflevector(y->a, y->a, 2, 3, 2, 3);
    case 2:
        return __builtin_shufflevector(y->b, y->b, 0, 1, 0, 1);
    case 3:
        return __builtin_shufflevector(y->b, y->b, 2, 3, 2, 3);
    default:
        return quad_cat(y->c, y->c);
    }
}

/* Two rows ra, rb of matvec_dense's n == 10 path at once: (even sum, odd sum) of ra, then of rb, each in the order
 * of the scalar loops (0 + w0 y0 + w2 y2 + ... + w8 y8, and the odd indexes likewise), lane by lane. A quad per
 * pair of weights of the two rows halves the vector operations of one pair per row: the ten rows' products and sums
 * all wait for the layer below and compete for the same two multiply and two add units, so their number, not only
 * their depth, sets the time of a layer on the serial chain (SPEC §2). yk: y10_pair2 of k = 0..4. */
PM_KINLINE quad rows2(const double *ra, const double *rb, const quad yk[5])
{
    quad s = quad_add(quad_splat(0), quad_mul(quad_cat(pair_load(ra), pair_load(rb)), yk[0]));
#pragma GCC unroll 4
    for (int k = 1; k < 5; k++)
        s = quad_add(s, quad_mul(quad_cat(pair_load(ra + 2 * k), pair_load(rb + 2 * k)), yk[k]));
    return s;
}

/* v of four rows j..j+3 from rows2 of (j, j + 2) and (j + 1, j + 3): (even + odd) of each, in row order. As in
 * matvec_dense, pair_sum + 0.0 (its empty odd tail) without the + 0.0, which cannot change a bit: it changes only
 * -0 (to +0), and no sum here is -0. Each even or odd sum is a running sum that started at +0, and in round to
 * nearest x + y is -0 only if x and y are both -0 (x + (-x) is +0, and an exact sum cannot underflow to 0), so no
 * such sum is -0, nor is the sum of two. One add less on the serial chain of the layers (SPEC §2). */
PM_KINLINE quad v_of_4rows(quad s02, quad s13)
{
    return __builtin_shufflevector(s02, s13, 0, 4, 2, 6) + __builtin_shufflevector(s02, s13, 1, 5, 3, 7);
}

/* A sigmoid layer of ten neurons fed by ten inputs (the paper's hidden layers, SPEC §2), kept in registers from the
 * inputs y to the outputs *out, which are also stored at act (for learn): the same operations as matvec_dense's
 * n == 10 rows, + bias (the last column), and sigmoid_layer, lane by lane. Returns 0 (act holding v, nothing else
 * done) if some v is off pm_exp's common path; the caller then finishes the layer with sigmoid_layer. */
PM_KINLINE int layer10_sigmoid(double *restrict act, const double *restrict w, int cols, int bias, const y10 *y,
                               y10 *out)
{
    quad yk[5];
#pragma GCC unroll 5
    for (int k = 0; k < 5; k++)
        yk[k] = y10_pair2(y, k);
#define PM_ROW(j) (w + (long)(j) * cols)
    quad a = v_of_4rows(rows2(PM_ROW(0), PM_ROW(2), yk), rows2(PM_ROW(1), PM_ROW(3), yk));
    quad b = v_of_4rows(rows2(PM_ROW(4), PM_ROW(6), yk), rows2(PM_ROW(5), PM_ROW(7), yk));
    const quad s89 = rows2(PM_ROW(8), PM_ROW(9), yk);
    pair v89 = __builtin_shufflevector(s89, s89, 0, 2) + __builtin_shufflevector(s89, s89, 1, 3);
    if (bias) {
        a = a + (quad){PM_ROW(0)[10], PM_ROW(1)[10], PM_ROW(2)[10], PM_ROW(3)[10]};
        b = b + (quad){PM_ROW(4)[10], PM_ROW(5)[10], PM_ROW(6)[10], PM_ROW(7)[10]};
        v89 = v89 + (pair){PM_ROW(8)[10], PM_ROW(9)[10]};
    }
#undef PM_ROW
    const quad c = quad_cat(v89, pair_splat(0));
    if (!all_set(sigmoid_in_range(a) & sigmoid_in_range(b) & sigmoid_in_range(c))) { /* one test for the layer */
        quad_store(act, a);
        quad_store(act + 4, b);
        pair_store(act + 8, v89);
        return 0;
    }
    out->a = sigmoid4_common(a);
    out->b = sigmoid4_common(b);
    out->c = pair_lo(sigmoid4_common(c)); /* the upper two lanes (sigmoid(0)) are discarded */
    quad_store(act, out->a);
    quad_store(act + 4, out->b);
    pair_store(act + 8, out->c);
    return 1;
}
#endif

/* Adds the bias (weights bw[j * stride]) to v[0..rows), then y = f(v) in place (SPEC §2 table); returns 1 if some
 * v was not finite. */
PM_KINLINE int finish_layer(double *restrict y, int rows, const double *restrict bw, long stride, pm_activation f)
{
    if (bw) /* bias input y = 1 */
        for (int j = 0; j < rows; j++)
            y[j] += bw[j * stride];
    if (f == PM_ACT_SIGMOID)
        return sigmoid_layer(y, rows);
    int bad = 0;
    for (int j = 0; j < rows; j++)
        bad |= not_finite(y[j]); /* v, before f */
    if (f == PM_ACT_TANH)
        for (int j = 0; j < rows; j++)
            y[j] = tanh(y[j]);
    else if (f == PM_ACT_RELU)
        for (int j = 0; j < rows; j++)
            y[j] = y[j] > 0 ? y[j] : 0.0;
    return bad;
}

/* Adds W[j][i] += c[j] * y[i] (dense inputs of the hidden layers) for every row with c[j] != 0, in pairs of i, and
 * if bias, W[j][n] += c[j] (bias input 1) on every row, as before the rows were fused (+ 0 turns a -0 bias into +0).
 * The paper's width n = 10 keeps y in registers (quad, quad, pair) across the rows; each weight gets one multiply
 * and one add whatever the lane width, so both clones give the same bits. */
PM_KINLINE void update_dense(double *restrict w, int rows, int cols, const double *restrict c,
                             const double *restrict y, int n, int bias)
{
    const int n2 = n & ~1;
    if (n == 10) {
        const quad y0 = quad_load(y), y1 = quad_load(y + 4);
        const pair y2 = pair_load(y + 8);
#pragma GCC unroll 10
        for (int j = 0; j < rows; j++) {
            double *r = w + (long)j * cols;
            if (c[j] != 0) {
                const quad cj = quad_bcast(c[j]);
                quad_store(r, quad_add(quad_load(r), quad_mul(cj, y0)));
                quad_store(r + 4, quad_add(quad_load(r + 4), quad_mul(cj, y1)));
                pair_store(r + 8, pair_add(pair_load(r + 8), pair_mul(pair_lo(cj), y2)));
            }
        }
        if (bias)
            for (int j = 0; j < rows; j++)
                w[(long)j * cols + 10] += c[j];
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

/* The forward pass after layer 0's sums: layer 0's bias and activation, then every further layer (SPEC §2), into
 * act (n_act). One call per pass (the per-layer kernels are inlined: no dispatch per layer). If upd (the fused
 * learn + forward), each layer's weights first get learn's update from coef and the previous forward's activations
 * (update_dense; layer 0: its biases, its other weights are done by the caller): the update of layer l + 1 is then
 * independent work beside the serial chain of layer l's sums and sigmoid. Returns 1 if any pre-activation was not
 * finite. */
PM_WIDE_KERNEL static int forward_layers(pm_net *net, double *restrict act, int upd)
{
    const pm_activation f = net->cfg.activation;
    const int rows0 = net->sizes[0];
    const double *old = net->act[net->cur]; /* the previous forward's activations: y of learn's update */
    double *wb0 = net->bias ? pm_net_w_(net, 0) + (long)net->fan_in[0] * rows0 : NULL; /* layer 0 is input-major:
                                                                                        * its biases are the last
                                                                                        * input's run */
    if (upd && wb0)
        for (int j = 0; j < rows0; j++)
            wb0[j] += net->coef[j];
    int bad = finish_layer(act, rows0, wb0, 1, f);
#ifdef PM_HAVE_SIGMOID4
    y10 y;          /* the last layer's outputs in registers, if in_regs */
    int in_regs = 0;
#endif
    for (int l = 1; l < net->n_layers; l++) {
        double *w = pm_net_w_(net, l);
        const int rows = net->sizes[l], n_in = net->fan_in[l], cols = n_in + net->bias;
        if (upd)
            update_dense(w, rows, cols, net->coef + net->a_off[l], old + net->a_off[l - 1], n_in, net->bias);
        double *y_out = act + net->a_off[l];
        const double *y_in = act + net->a_off[l - 1];
#ifdef PM_HAVE_SIGMOID4
        if (f == PM_ACT_SIGMOID && rows == 10 && n_in == 10) { /* the paper's hidden layers: on registers */
            if (!in_regs)
                y = y10_load(y_in);
            in_regs = layer10_sigmoid(y_out, w, cols, net->bias, &y, &y);
            if (!in_regs)
                bad |= sigmoid_layer(y_out, rows);
            continue;
        }
        in_regs = 0;
#endif
        matvec_dense(y_out, w, rows, cols, y_in, n_in);
        bad |= finish_layer(y_out, rows, net->bias ? w + n_in : NULL, cols, f); /* bias: the last column */
    }
    return bad;
}

/* ---- forward ----------------------------------------------------------------------------------------------------- */

/* 1 unless *p is +0 or -0 (the sign bit is shifted out): an integer test is cheaper than a floating compare with
 * its NaN case, and NaN / inf count as nonzero, as scan_input requires. */
PM_KINLINE int nonzero(const double *p)
{
    uint64_t bits;
    memcpy(&bits, p, sizeof bits);
    return (bits << 1) != 0;
}

/* The scan of an input vector in[0..n): lists its nonzero entries in idx (increasing) and returns their count; if xs
 * is not NULL also copies in into xs; *xmax = max |in[i]| (a NaN is not taken: learn's bound of the layer-0 step,
 * backward_rule). NaN and inf are nonzero, so they reach every v of layer 0 (x * w is then NaN or inf for any w) and
 * the forward pass refuses them there. One pass for the three (the vector versions load each group of inputs once).
 * Portable version: the list is written branch-free (every index stored, the count advanced only past nonzeros),
 * since the zeros of real inputs are unpredictable. */
static int scan_scalar(int *restrict idx, double *restrict xs, const double *restrict in, int i, int k, int n,
                       double *xmax)
{
    double m = *xmax;
    for (; i < n; i++) {
        idx[k] = i;
        k += nonzero(in + i);
        m = fabs(in[i]) > m ? fabs(in[i]) : m;
        if (xs)
            xs[i] = in[i];
    }
    *xmax = m;
    return k;
}

#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
/* nz_packed_[m]: positions of the set bits of m, ascending, then padding; nz_count_[m]: number of set bits */
static const int nz_packed_[16][4] = {{0, 0, 0, 0}, {0, 0, 0, 0}, {1, 0, 0, 0}, {0, 1, 0, 0},
                                      {2, 0, 0, 0}, {0, 2, 0, 0}, {1, 2, 0, 0}, {0, 1, 2, 0},
                                      {3, 0, 0, 0}, {0, 3, 0, 0}, {1, 3, 0, 0}, {0, 1, 3, 0},
                                      {2, 3, 0, 0}, {0, 2, 3, 0}, {1, 2, 3, 0}, {0, 1, 2, 3}};
static const unsigned char nz_count_[16] = {0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4};

/* max |x| of the lanes: the maxima are exact, so lanes and groups can be taken in any order */
#define PM_ABS_MASK 0x7fffffffffffffffLL

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(PM_NO_TARGET_CLONES)
#include <immintrin.h>
/* For an 8-bit mask m: the positions of its set bits packed into bytes, ascending (byte b = the b-th set bit's
 * position, then zero bytes). Built by constant expressions: the b-th set bit is bit k
 * with b = the number of set bits below k. */
#define NZ_PC(x) (((x) & 1) + (((x) >> 1) & 1) + (((x) >> 2) & 1) + (((x) >> 3) & 1) + (((x) >> 4) & 1) + \
                  (((x) >> 5) & 1) + (((x) >> 6) & 1) + (((x) >> 7) & 1))
#define NZ_B(m, k) ((uint64_t)(((m) >> (k)) & 1) * ((uint64_t)(k) << (8 * NZ_PC((m) & ((1u << (k)) - 1)))))
#define NZ_E(m) (NZ_B(m, 0) | NZ_B(m, 1) | NZ_B(m, 2) | NZ_B(m, 3) | NZ_B(m, 4) | NZ_B(m, 5) | NZ_B(m, 6) | NZ_B(m, 7))
#define NZ_4(m) NZ_E(m), NZ_E((m) + 1), NZ_E((m) + 2), NZ_E((m) + 3)
#define NZ_16(m) NZ_4(m), NZ_4((m) + 4), NZ_4((m) + 8), NZ_4((m) + 12)
#define NZ_64(m) NZ_16(m), NZ_16((m) + 16), NZ_16((m) + 32), NZ_16((m) + 48)
static const uint64_t nz_packed8_[256] = {NZ_64(0u), NZ_64(64u), NZ_64(128u), NZ_64(192u)};

/* One group of eight inputs of scan_avx2 (copy: also store them into xs). */
__attribute__((target("avx2,popcnt"), always_inline)) static inline int
scan8_avx2(int *restrict idx, double *restrict xs, const double *restrict in, int i, int k, __m256i base,
           __m256d *mx, int copy)
{
    const __m256d zero = _mm256_setzero_pd(), abs_mask = _mm256_castsi256_pd(_mm256_set1_epi64x(PM_ABS_MASK));
    const __m256d x0 = _mm256_loadu_pd(in + i), x1 = _mm256_loadu_pd(in + i + 4);
    if (copy) {
        _mm256_storeu_pd(xs + i, x0);
        _mm256_storeu_pd(xs + i + 4, x1);
    }
    /* eight +-0 (every bit but the signs clear; NaN and inf have exponent bits): no index to list, |x| = 0 adds
     * nothing to the maximum. Common: white predictors and silent resonators come in runs (SPEC §4, §6). */
    if (_mm256_testz_si256(_mm256_castpd_si256(_mm256_or_pd(x0, x1)), _mm256_castpd_si256(abs_mask)))
        return k;
    *mx = _mm256_max_pd(_mm256_and_pd(x0, abs_mask), *mx);
    *mx = _mm256_max_pd(_mm256_and_pd(x1, abs_mask), *mx);
    const unsigned m = (unsigned)_mm256_movemask_pd(_mm256_cmp_pd(x0, zero, _CMP_NEQ_UQ)) |
                       (unsigned)_mm256_movemask_pd(_mm256_cmp_pd(x1, zero, _CMP_NEQ_UQ)) << 4;
    const __m256i pos = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128((long long)nz_packed8_[m]));
    _mm256_storeu_si256((__m256i *)(void *)(idx + k), _mm256_add_epi32(pos, base));
    return k + __builtin_popcount(m);
}

/* The same scan with AVX compares (_CMP_NEQ_UQ: unordered or unequal, like cmpneq below), eight inputs per
 * iteration: their 8-bit mask picks the packed positions, widened to eight indexes by one instruction and stored
 * at once (slots past the count are overwritten by the next group; k <= i keeps them inside idx[0..n)). Taken when
 * the CPU has AVX2 and POPCNT (the list is the same, only the instructions differ). maxpd(a, m) is a > m ? a : m,
 * which keeps the old maximum for a NaN as the scalar code does. The copy or not is decided once, outside the loop. */
__attribute__((target("avx2,popcnt"))) static int scan_avx2(int *restrict idx, double *restrict xs,
                                                            const double *restrict in, int n, double *xmax)
{
    const __m256i eight = _mm256_set1_epi32(8);
    __m256i base = _mm256_setzero_si256();
    __m256d mx = _mm256_setzero_pd();
    int k = 0, i = 0;
    if (xs)
        for (; i + 8 <= n; i += 8, base = _mm256_add_epi32(base, eight))
            k = scan8_avx2(idx, xs, in, i, k, base, &mx, 1);
    else
        for (; i + 8 <= n; i += 8, base = _mm256_add_epi32(base, eight))
            k = scan8_avx2(idx, xs, in, i, k, base, &mx, 0);
    double lanes[4];
    _mm256_storeu_pd(lanes, mx);
    *xmax = max_abs(lanes, 4); /* the lanes are |x| >= 0 and never NaN: their maximum */
    return scan_scalar(idx, xs, in, i, k, n, xmax);
}

/* One group of eight inputs of scan_avx512 (copy: also store them into xs). */
__attribute__((target("avx512f,avx512vl,popcnt"), always_inline)) static inline int
scan8_avx512(int *restrict idx, double *restrict xs, const double *restrict in, int i, int k, __m256i base,
             __m512i *mx, int copy)
{
    const __m512i abs_mask = _mm512_set1_epi64(PM_ABS_MASK);
    __m512i x = _mm512_loadu_si512((const void *)(in + i));
    __asm__("" : "+v"(x)); /* opaque: GCC would otherwise split the copy off into a memcpy call (a second pass) */
    if (copy)
        _mm512_storeu_si512((void *)(xs + i), x);
    const __mmask8 m = _mm512_test_epi64_mask(x, abs_mask); /* nonzero(): a bit other than the sign is set */
    if (m == 0)
        return k;
    *mx = _mm512_castpd_si512(_mm512_max_pd(_mm512_castsi512_pd(_mm512_and_si512(x, abs_mask)),
                                            _mm512_castsi512_pd(*mx)));
    _mm256_storeu_si256((__m256i *)(void *)(idx + k), _mm256_maskz_compress_epi32(m, base));
    return k + __builtin_popcount(m);
}

/* scan_avx2 with AVX-512 (about a quarter faster on the paper's 720 inputs): eight inputs per register, their
 * nonzero mask from one bit test (vptestmq against all bits but the sign: exactly nonzero(), NaN and inf included),
 * and the eight indexes packed by one compress instruction instead of a table. The list, count and maximum are the
 * same as scan_avx2's (maxpd keeps the old maximum for a NaN); used when the CPU has AVX-512 F and VL. */
__attribute__((target("avx512f,avx512vl,popcnt"))) static int scan_avx512(int *restrict idx, double *restrict xs,
                                                                       const double *restrict in, int n,
                                                                       double *xmax)
{
    const __m256i eight = _mm256_set1_epi32(8);
    __m256i base = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m512i mx = _mm512_setzero_si512();
    int k = 0, i = 0;
    if (xs)
        for (; i + 8 <= n; i += 8, base = _mm256_add_epi32(base, eight))
            k = scan8_avx512(idx, xs, in, i, k, base, &mx, 1);
    else
        for (; i + 8 <= n; i += 8, base = _mm256_add_epi32(base, eight))
            k = scan8_avx512(idx, xs, in, i, k, base, &mx, 0);
    double lanes[8];
    _mm512_storeu_si512((void *)lanes, mx);
    *xmax = max_abs(lanes, 8); /* the lanes are |x| >= 0 and never NaN: their maximum */
    return scan_scalar(idx, xs, in, i, k, n, xmax);
}
#define PM_HAVE_NZ_AVX2 1
#endif

/* Groups of four inputs: two SSE2 compares give a 4-bit mask of the nonzeros (cmpneq is unordered-or-unequal: NaN
 * counts as nonzero, -0 == +0 as zero, like nonzero()), and one 16-byte store writes the group's indexes packed
 * from a table (slots past the count are overwritten by the next group; k <= i keeps them inside idx[0..n)). */
static int scan_input(int *restrict idx, double *restrict xs, const double *restrict in, int n, double *xmax)
{
#ifdef PM_HAVE_NZ_AVX2
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("popcnt"))
        return scan_avx512(idx, xs, in, n, xmax);
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt"))
        return scan_avx2(idx, xs, in, n, xmax);
#endif
    const __m128d zero = _mm_setzero_pd(), abs_mask = _mm_castsi128_pd(_mm_set1_epi64x(PM_ABS_MASK));
    __m128d mx = zero;
    int k = 0, i = 0;
    for (; i + 4 <= n; i += 4) {
        const __m128d x0 = _mm_loadu_pd(in + i), x1 = _mm_loadu_pd(in + i + 2);
        if (xs) {
            _mm_storeu_pd(xs + i, x0);
            _mm_storeu_pd(xs + i + 2, x1);
        }
        /* maxpd(a, m) = a > m ? a : m: a NaN lane keeps m, as the scalar code */
        mx = _mm_max_pd(_mm_and_pd(x0, abs_mask), mx);
        mx = _mm_max_pd(_mm_and_pd(x1, abs_mask), mx);
        const int m = _mm_movemask_pd(_mm_cmpneq_pd(x0, zero)) | _mm_movemask_pd(_mm_cmpneq_pd(x1, zero)) << 2;
        const __m128i pos = _mm_add_epi32(_mm_loadu_si128((const __m128i *)(const void *)nz_packed_[m]),
                                          _mm_set1_epi32(i));
        _mm_storeu_si128((__m128i *)(void *)(idx + k), pos);
        k += nz_count_[m];
    }
    double lanes[2];
    _mm_storeu_pd(lanes, mx);
    *xmax = lanes[1] > lanes[0] ? lanes[1] : lanes[0];
    return scan_scalar(idx, xs, in, i, k, n, xmax);
}
#else
static int scan_input(int *restrict idx, double *restrict xs, const double *restrict in, int n, double *xmax)
{
    *xmax = 0;
    return scan_scalar(idx, xs, in, 0, 0, n, xmax);
}
#endif

/* Copies xn[0..n) into xs and returns the number of nonzero entries (NaN and inf count, +-0 do not: nonzero()),
 * *xmax = max |xn[i]| (a NaN is not taken, as in scan_input). Four lanes of partial counts and maxima: both are
 * exact, so the lane order does not matter. */
PM_KINLINE int copy_count(double *restrict xs, const double *restrict xn, int n, double *xmax)
{
    int i = 0, k = 0;
    double m = 0;
#ifdef PM_HAVE_LANES
    quad_m cnt = {0, 0, 0, 0};
    quad mq = quad_splat(0);
    for (; i + 4 <= n; i += 4) {
        const quad x = quad_load(xn + i);
        quad_store(xs + i, x);
        cnt -= (quad_m)(x != 0.0); /* != is true for NaN: counted, like nonzero() */
        mq = quad_max(quad_abs(x), mq);
    }
    k = (int)(cnt[0] + cnt[1] + cnt[2] + cnt[3]);
    m = mq[0] > m ? mq[0] : m;
    m = mq[1] > m ? mq[1] : m;
    m = mq[2] > m ? mq[2] : m;
    m = mq[3] > m ? mq[3] : m;
#endif
    for (; i < n; i++) {
        xs[i] = xn[i];
        k += nonzero(xn + i);
        m = fabs(xn[i]) > m ? fabs(xn[i]) : m;
    }
    *xmax = m;
    return k;
}

/* One input of a ten-neuron block of layer0_dense: if upd, a[0..10) += (c0, c1, c2) * xo (SPEC §3 dw_ji =
 * c_j y_i with the previous forward's input), then (s0, s1, s2) += a[0..10) * xn (SPEC §2, the new input). */
PM_KINLINE void updacc10(quad *s0, quad *s1, pair *s2, double *a, quad c0, quad c1, pair c2, int upd, double xo,
                         double xn)
{
    quad a0 = quad_load(a), a1 = quad_load(a + 4);
    pair a2 = pair_load(a + 8);
    if (upd) {
        const quad xi = quad_splat(xo);
        a0 = quad_add(a0, quad_mul(c0, xi));
        a1 = quad_add(a1, quad_mul(c1, xi));
        a2 = pair_add(a2, pair_mul(c2, pair_splat(xo)));
        quad_store(a, a0);
        quad_store(a + 4, a1);
        pair_store(a + 8, a2);
    }
    const quad xq = quad_splat(xn);
    *s0 = quad_add(*s0, quad_mul(a0, xq));
    *s1 = quad_add(*s1, quad_mul(a1, xq));
    *s2 = pair_add(*s2, pair_mul(a2, pair_splat(xn)));
}

/* The update modes of layer0_dense's blocks: none, every input (no zero among the old inputs), the nonzero old
 * inputs only (the ones the sparse update would touch). */
enum { UPD_NONE = 0, UPD_ALL, UPD_NONZERO };

/* One ten-neuron block of layer0_dense, mode a constant after inlining (three loops without a per-input switch). */
PM_KINLINE void block0_dense(double *restrict v, double *restrict wt, int rows, const double *restrict c, int mode,
                             const double *restrict xo, const double *restrict xn, int n)
{
    quad s0 = quad_splat(0), s1 = s0, c0 = s0, c1 = s0;
    pair s2 = pair_splat(0), c2 = s2;
    if (mode != UPD_NONE) {
        c0 = quad_load(c);
        c1 = quad_load(c + 4);
        c2 = pair_load(c + 8);
    }
    for (int i = 0; i < n; i++) {
        const int upd = mode == UPD_ALL || (mode == UPD_NONZERO && nonzero(xo + i));
        updacc10(&s0, &s1, &s2, wt + (long)i * rows, c0, c1, c2, upd, mode != UPD_NONE ? xo[i] : 0.0, xn[i]);
    }
    quad_store(v, s0);
    quad_store(v + 4, s1);
    pair_store(v + 8, s2);
}

/* Layer 0 in one pass over every input, for inputs that are (nearly) all nonzero, rows a multiple of ten (the
 * dense mode, layer0_mode). Per ten-neuron block and input i ascending: if c (rows) is given and the block's c are
 * not all zero, first the update of learn, Wt[i][j] += c_j * xo[i] for the inputs the sparse update would visit
 * (xo[i] nonzero; all of them when old_all), then the forward sum v_j += Wt[i][j] * xn[i] with the updated weight.
 * So each weight gets exactly the update of update_sparse_t, and each v_j is the running sum of matvec_sparse_t in
 * the same order: the zero inputs it now adds contribute w * (+-0) = +-0 to a sum that started at +0 and so can
 * never be -0, which leaves it unchanged. One pass over the 57.6 KB of the paper's layer 0 instead of two, no index
 * list, and the update's loads and stores overlap the sums' chain of dependent adds. Copies xn into xs (the stored
 * input); returns the count of nonzero xn, *xmax = max |xn|. */
PM_WIDE_KERNEL static int layer0_dense(double *restrict v, double *restrict wt, int rows, const double *restrict c,
                                       int old_all, const double *restrict xo, const double *restrict xn,
                                       double *restrict xs, int n, double *xmax)
{
    const int nnz = copy_count(xs, xn, n, xmax);
    for (int j = 0; j + 10 <= rows; j += 10) {
        if (c == NULL || all_zero(c + j, 10))
            block0_dense(v + j, wt + j, rows, NULL, UPD_NONE, NULL, xs, n);
        else if (old_all)
            block0_dense(v + j, wt + j, rows, c + j, UPD_ALL, xo, xs, n);
        else
            block0_dense(v + j, wt + j, rows, c + j, UPD_NONZERO, xo, xs, n);
    }
    return nnz;
}

/* Layer 0's mode for the next pass: dense (layer0_dense) when the last forward's input had at least 7/8 nonzero
 * entries (the closed loop: the resonators ring on, SPEC §4) and the rows come in blocks of ten; else sparse, over
 * the list of nonzero inputs. Either gives the same bits; this only picks the faster one, guessing from the last
 * input (in the loop consecutive inputs differ in a few entries). */
static int layer0_dense_mode(const pm_net *net)
{
    return net->sizes[0] % 10 == 0 && net->has_forward && (long)net->nnz[net->cur] * 8 >= (long)net->n_inputs * 7;
}

/* Makes sure nz_idx[k] lists the nonzero entries of x[k] (the dense mode leaves it unlisted). */
static void list_inputs(pm_net *net, int k)
{
    if (!net->nz_ok[k]) {
        double xmax;
        net->nnz[k] = scan_input(net->nz_idx[k], NULL, net->x[k], net->n_inputs, &xmax);
        net->nz_ok[k] = 1;
    }
}

/* Layer 0's sums for input in, into the spare copy nx: dense or sparse (layer0_dense_mode); if c is given, first
 * the update of learn with the current input (dense mode: in the same pass; the sparse update is done by the caller
 * before). Returns max |in| through *xmax; sets nnz[nx] and nz_ok[nx] (not yet current: the caller flips cur). */
static void layer0_forward(pm_net *net, int nx, const double *restrict in, const double *restrict c, int dense,
                           double *xmax)
{
    double *v = net->act[nx];
    const int rows = net->sizes[0], n = net->n_inputs;
    if (dense) {
        net->nnz[nx] = layer0_dense(v, net->w, rows, c, net->nnz[net->cur] == n, net->x[net->cur], in, net->x[nx],
                                    n, xmax);
        net->nz_ok[nx] = 0;
    } else {
        net->nnz[nx] = scan_input(net->nz_idx[nx], net->x[nx], in, n, xmax);
        net->nz_ok[nx] = 1;
        matvec_sparse_t(v, net->w, rows, net->x[nx], net->nz_idx[nx], net->nnz[nx]);
    }
}

/* Stores a successful forward pass (spare copy nx) as the current one. */
static void commit_forward(pm_net *net, int nx, double xmax)
{
    net->xmax[nx] = xmax;
    net->cur = nx;
    net->has_forward = 1;
}

pm_status pm_net_forward(pm_net *net, const double *inputs)
{
    if (net == NULL || inputs == NULL)
        return PM_ERR_ARG;
    const int nx = net->cur ^ 1; /* write the spare copy; flip only on success (net_internal.h) */
    double xmax;
    layer0_forward(net, nx, inputs, NULL, layer0_dense_mode(net), &xmax);
    if (forward_layers(net, net->act[nx], 0)) /* non-finite input, or overflow in linear / relu nets: refuse rather
                                             * than store inf or NaN */
        return PM_ERR_NONFINITE;
    commit_forward(net, nx, xmax);
    return PM_OK;
}

/* ---- learn ------------------------------------------------------------------------------------------------------- */

/* s[j] = sum_k W[k][j] * dk[k] for j < n (column j of W (n_up, cols) row-major against dk): a running sum per j in
 * k ascending order, ten columns (quad, quad, pair: the paper's width) then two then one per pass over the rows, so
 * the rows are read contiguously and the sums stay in registers; lanes are columns, the same bits as a scalar loop
 * (and in both clones: the AVX2 one holds a quad in one register). */
PM_KINLINE void matvec_transposed(double *restrict s, const double *restrict w, int n_up, int cols,
                                  const double *restrict dk, int n)
{
    int j = 0;
    for (; j + 10 <= n; j += 10) { /* columns j..j+9 as quad, quad, pair */
        quad s0 = quad_splat(0), s1 = s0;
        pair s2 = pair_splat(0);
#pragma GCC unroll 10
        for (int k = 0; k < n_up; k++) {
            const double *row = w + (long)k * cols + j;
            const quad d = quad_bcast(dk[k]);
            s0 = quad_add(s0, quad_mul(quad_load(row), d));
            s1 = quad_add(s1, quad_mul(quad_load(row + 4), d));
            s2 = pair_add(s2, pair_mul(pair_load(row + 8), pair_lo(d)));
        }
        quad_store(s + j, s0);
        quad_store(s + j + 4, s1);
        pair_store(s + j + 8, s2);
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

/* One neuron's delta and coefficient (SPEC §3): *d holds the back-propagated sum s_j (or, for the output layer,
 * E_j); delta_j = f'(v_j) * s_j (the chained rule: its sign), then c_j = rate * R * phi(delta_j) with phi = identity
 * (BP, chained: already a sign), sign (P&M), or sign * f'(v_j) (saturation-aware prime: the prime fades as neuron j
 * saturates, SPEC §9, net.h). *cmax = max(*cmax, |c_j|) (a NaN c_j is not taken). Returns 1 if delta_j is not
 * finite. */
PM_KINLINE int delta_coef1(double *restrict d, double *restrict c, double y, pm_activation f, pm_rule rule,
                           double scale, double *cmax)
{
    const double fp = deriv(y, f), v = fp * *d;
    const double dj = rule == PM_RULE_CHAINED_SIGN ? sign_of(v) : v;
    *d = dj;
    double phi = dj;
    if (rule == PM_RULE_PRIME_MODULATE)
        phi = sign_of(dj);
    else if (rule == PM_RULE_SATURATION_PRIME)
        phi = sign_of(dj) * fp;
    *c = scale * phi;
    const double a = fabs(*c);
    *cmax = a > *cmax ? a : *cmax;
    return not_finite(dj);
}

/* delta_coef1 for the n neurons of a layer, rule and f constants after inlining. Sigmoid layers take four neurons
 * per vector step, each lane the scalar expressions above (the same bits). */
#ifdef PM_HAVE_LANES
/* delta_coef1 of four sigmoid neurons, lane by lane (the same expressions, so the same bits): dv holds the sums,
 * yv the outputs; returns the deltas, *cj the coefficients; *mq and *badm gather max |c| and non-finite deltas. */
PM_KINLINE quad delta_coef4(quad dv, quad yv, pm_rule rule, double scale, quad *cj, quad *mq, quad_m *badm)
{
    const quad fp = (0.5 + yv) * (0.5 - yv); /* deriv(y, PM_ACT_SIGMOID) */
    const quad v = fp * dv;
    const quad dj = rule == PM_RULE_CHAINED_SIGN ? quad_sign(v) : v;
    quad phi = dj;
    if (rule == PM_RULE_PRIME_MODULATE)
        phi = quad_sign(dj);
    else if (rule == PM_RULE_SATURATION_PRIME)
        phi = quad_sign(dj) * fp;
    /* quad_bcast, not quad_splat: the inline function's constructor, lowered for the baseline before inlining,
     * became "vmovq xmm, xmm" in its 66 0F D6 encoding in the AVX2 clone, which valgrind 3.19 cannot decode */
    *cj = quad_bcast(scale) * phi;
    *mq = quad_max(quad_abs(*cj), *mq);
    *badm |= quad_not_finite(dj);
    return dj;
}
#endif

#ifdef PM_HAVE_LANES
/* The end of delta_coef4's lanes: *cmax = max(*cmax, the lanes of mq); returns 1 if some lane of badm is set. */
PM_KINLINE int fold_coef_lanes(quad mq, quad_m badm, double *cmax)
{
    const quad_m b2 = badm | __builtin_shufflevector(badm, badm, 2, 3, 0, 1);
    /* max is exact, so the lanes' order does not matter; no lane holds a NaN (quad_max never takes one) */
    const quad m2 = quad_max(mq, __builtin_shufflevector(mq, mq, 2, 3, 0, 1));
    const double m1 = m2[1] > m2[0] ? m2[1] : m2[0];
    *cmax = m1 > *cmax ? m1 : *cmax;
    return (b2[0] | b2[1]) != 0;
}

/* Ten deltas of a layer in registers, lanes = neurons: q[0] = 0..3, q[1] = 4..7, q[2] = 8, 9 and two lanes of 0. */
typedef struct {
    quad q[3];
} d10;

/* Lane k of q in every lane (a register shuffle). */
#define quad_lane(q, k) __builtin_shufflevector((q), (q), (k), (k), (k), (k))

/* matvec_transposed's block of ten columns for ten upper neurons whose deltas dk are in registers: the same running
 * sums (k ascending, lanes = columns, the same multiplies and adds), so the same bits; the broadcasts come from the
 * registers instead of a reload of the deltas just stored (such a load waits for the stores, and this is the serial
 * chain of the backward pass, SPEC §3). s[2]'s upper lanes are 0. */
PM_KINLINE void tsum10(quad s[3], const double *restrict w, int cols, const d10 *dk)
{
    quad s0 = quad_splat(0), s1 = s0;
    pair s2 = pair_splat(0);
#define PM_TSUM_ROW(k, v, lane)                                                                                      \
    do {                                                                                                             \
        const double *row = w + (long)(k) * cols;                                                                  \
        const quad d = quad_lane(dk->q[v], lane);                                                                  \
        s0 = quad_add(s0, quad_mul(quad_load(row), d));                                                            \
        s1 = quad_add(s1, quad_mul(quad_load(row + 4), d));                                                        \
        s2 = pair_add(s2, pair_mul(pair_load(row + 8), pair_lo(d)));                                               \
    } while (0)
    PM_TSUM_ROW(0, 0, 0);
    PM_TSUM_ROW(1, 0, 1);
    PM_TSUM_ROW(2, 0, 2);
    PM_TSUM_ROW(3, 0, 3);
    PM_TSUM_ROW(4, 1, 0);
    PM_TSUM_ROW(5, 1, 1);
    PM_TSUM_ROW(6, 1, 2);
    PM_TSUM_ROW(7, 1, 3);
    PM_TSUM_ROW(8, 2, 0);
    PM_TSUM_ROW(9, 2, 1);
#undef PM_TSUM_ROW
    s[0] = s0;
    s[1] = s1;
    s[2] = quad_cat(s2, pair_splat(0));
}

/* delta_coef of ten sigmoid neurons whose sums are in registers (s, upper lanes of s[2] 0): the same lanes as
 * delta_coef's vector path (quad, quad, the last pair with two lanes of 0), so the same bits; writes d and c as it
 * does and returns the deltas in *out as well, for the next layer down. */
PM_KINLINE int delta_coef10(double *restrict d, double *restrict c, const double *restrict y, const quad s[3],
                            pm_rule rule, double scale, double *cmax, d10 *out)
{
    quad_m badm = {0, 0, 0, 0};
    quad mq = quad_splat(0), cj;
    out->q[0] = delta_coef4(s[0], quad_load(y), rule, scale, &cj, &mq, &badm);
    quad_store(d, out->q[0]);
    quad_store(c, cj);
    out->q[1] = delta_coef4(s[1], quad_load(y + 4), rule, scale, &cj, &mq, &badm);
    quad_store(d + 4, out->q[1]);
    quad_store(c + 4, cj);
    out->q[2] = delta_coef4(s[2], quad_cat(pair_load(y + 8), pair_splat(0)), rule, scale, &cj, &mq, &badm);
    pair_store(d + 8, pair_lo(out->q[2]));
    pair_store(c + 8, pair_lo(cj));
    return fold_coef_lanes(mq, badm, cmax);
}
#endif

/* delta_coef1 for the n neurons of a layer, rule and f constants after inlining. Sigmoid layers take four neurons
 * per vector step, a last pair in the low lanes of one more (its other lanes 0: delta 0, coefficient 0, which
 * changes neither the maximum nor the refusal), each lane the scalar expressions above (the same bits). */
PM_KINLINE int delta_coef(double *restrict d, double *restrict c, const double *restrict y, int n, pm_activation f,
                          pm_rule rule, double scale, double *cmax)
{
    int bad = 0, j = 0;
#ifdef PM_HAVE_LANES
    if (f == PM_ACT_SIGMOID && n >= 4) {
        quad_m badm = {0, 0, 0, 0};
        quad mq = quad_splat(0), cj;
        for (; j + 4 <= n; j += 4) {
            quad_store(d + j, delta_coef4(quad_load(d + j), quad_load(y + j), rule, scale, &cj, &mq, &badm));
            quad_store(c + j, cj);
        }
        if (j + 2 == n) {
            const quad zero = quad_splat(0);
            const quad dj = delta_coef4(quad_cat(pair_load(d + j), pair_lo(zero)),
                                        quad_cat(pair_load(y + j), pair_lo(zero)), rule, scale, &cj, &mq, &badm);
            pair_store(d + j, pair_lo(dj));
            pair_store(c + j, pair_lo(cj));
            j += 2;
        }
        bad = fold_coef_lanes(mq, badm, cmax);
    }
#endif
    for (; j < n; j++)
        bad |= delta_coef1(d + j, c + j, y[j], f, rule, scale, cmax);
    return bad;
}

/* The whole backward pass (SPEC §3) for one rule and activation: the deltas of every layer into delta (n_act),
 * from the current weights and the stored activations: delta_L = E_j f'(v_L), delta_l = f'(v_l) sum_k w_kj^(l+1)
 * delta_k^(l+1); chained sign takes sign() at each layer (d~_L = sign(E_j)). errors has stride estride (0 = one
 * error broadcast). With each layer's deltas, its coefficients coef = scale * phi(delta) (delta_coef1) and
 * step[l] = max|coef^l| * (a bound of |y^(l-1)|, bias input 1 included): learn's bound of the layer's largest weight
 * change. Returns 1 if any delta is not finite (then coef and step are partial: scratch, never used). The sums of a
 * layer go through delta[l] itself (written as sums, then overwritten by the deltas in place). */
PM_KINLINE int backward_rule(pm_net *net, double *restrict delta, const double *errors, int estride, double scale,
                             double *step, pm_activation f, pm_rule rule)
{
    const double *act = net->act[net->cur];
    const int L = net->n_layers - 1;
    int bad = 0;
#ifdef PM_HAVE_LANES
    d10 dr = {{quad_splat(0), quad_splat(0), quad_splat(0)}}; /* the deltas of layer l + 1, if in_regs */
    int in_regs = 0;
#endif
    for (int l = L; l >= 0; l--) {
        double *d = delta + net->a_off[l];
        const double *y = act + net->a_off[l];
        const int n = net->sizes[l];
        double cmax = 0;
        if (l == L) {
            if (rule == PM_RULE_CHAINED_SIGN) { /* d~_L = sign(E_j), not sign(f' E_j); phi = identity */
                double *c = net->coef + net->a_off[l];
                for (int j = 0; j < n; j++) {
                    d[j] = sign_of(errors[j * estride]); /* finite */
                    c[j] = scale * d[j];
                    const double a = fabs(c[j]);
                    cmax = a > cmax ? a : cmax;
                }
            } else {
                for (int j = 0; j < n; j++)
                    d[j] = errors[j * estride]; /* E_j, then delta_j = f'(v_j) E_j below */
                bad |= delta_coef(d, net->coef + net->a_off[l], y, n, f, rule, scale, &cmax);
            }
        } else {
            /* w_up (sizes[l+1], sizes[l] + bias) */
            const double *w_up = pm_net_w_(net, l + 1);
            const int n_up = net->sizes[l + 1], cols_up = pm_net_cols_(net, l + 1);
#ifdef PM_HAVE_LANES
            if (f == PM_ACT_SIGMOID && n == 10) { /* the paper's hidden layers: deltas on registers */
                quad s[3];
                if (in_regs && n_up == 10)
                    tsum10(s, w_up, cols_up, &dr);
                else {
                    matvec_transposed(d, w_up, n_up, cols_up, delta + net->a_off[l + 1], n);
                    s[0] = quad_load(d);
                    s[1] = quad_load(d + 4);
                    s[2] = quad_cat(pair_load(d + 8), pair_splat(0));
                }
                bad |= delta_coef10(d, net->coef + net->a_off[l], y, s, rule, scale, &cmax, &dr);
                in_regs = 1;
            } else
#endif
            {
                matvec_transposed(d, w_up, n_up, cols_up, delta + net->a_off[l + 1], n);
                bad |= delta_coef(d, net->coef + net->a_off[l], y, n, f, rule, scale, &cmax);
#ifdef PM_HAVE_LANES
                in_regs = 0;
#endif
            }
        }
        double ymax; /* bound of |y^(l-1)|: known for squashing activations, measured by the forward pass for x */
        if (l > 0 && f == PM_ACT_SIGMOID)
            ymax = 0.5;
        else if (l > 0 && f == PM_ACT_TANH)
            ymax = 1.0;
        else
            ymax = l == 0 ? net->xmax[net->cur] : max_abs(act + net->a_off[l - 1], net->fan_in[l]);
        if (net->bias && ymax < 1)
            ymax = 1;
        step[l] = cmax * ymax;
    }
    return bad;
}

/* backward_rule with the activation and rule fixed where it matters (the paper's sigmoid: no switch per neuron). */
PM_WIDE_KERNEL static int backward(pm_net *net, double *restrict delta, pm_rule rule, const double *errors,
                                   int estride, double scale, double *step)
{
    const pm_activation f = net->cfg.activation;
    if (f == PM_ACT_SIGMOID) {
        switch (rule) {
        case PM_RULE_BACKPROP:
            return backward_rule(net, delta, errors, estride, scale, step, PM_ACT_SIGMOID, PM_RULE_BACKPROP);
        case PM_RULE_PRIME_MODULATE:
            return backward_rule(net, delta, errors, estride, scale, step, PM_ACT_SIGMOID, PM_RULE_PRIME_MODULATE);
        case PM_RULE_CHAINED_SIGN:
            return backward_rule(net, delta, errors, estride, scale, step, PM_ACT_SIGMOID, PM_RULE_CHAINED_SIGN);
        case PM_RULE_SATURATION_PRIME:
            break;
        }
        return backward_rule(net, delta, errors, estride, scale, step, PM_ACT_SIGMOID, PM_RULE_SATURATION_PRIME);
    }
    return backward_rule(net, delta, errors, estride, scale, step, f, rule);
}

/* Exact check used only when the running bound gets near overflow: 1 if some w + coef_j * y_i is not finite.
 * Needs the list of layer 0's nonzero inputs (list_inputs). */
static int update_overflows(const pm_net *net)
{
    for (int l = 0; l < net->n_layers; l++) {
        const int n_in = net->fan_in[l];
        const double *y = l == 0 ? net->x[net->cur] : net->act[net->cur] + net->a_off[l - 1];
        const int *idx = l == 0 ? net->nz_idx[net->cur] : NULL;
        const int n = l == 0 ? net->nnz[net->cur] : n_in;
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

/* One input of a ten-neuron block of update_sparse_t: a[0..10) += (c0, c1, c2) * xm. */
PM_KINLINE void upd10(double *a, quad c0, quad c1, pair c2, double xm)
{
    const quad xi = quad_bcast(xm);
    quad_store(a, quad_add(quad_load(a), quad_mul(c0, xi)));
    quad_store(a + 4, quad_add(quad_load(a + 4), quad_mul(c1, xi)));
    pair_store(a + 8, pair_add(pair_load(a + 8), pair_mul(c2, pair_lo(xi))));
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
        double *wj = wt + j; /* the block's column: input i's run at wj + i * rows */
        int m = 0;
        for (; m + 2 <= nnz; m += 2) { /* two inputs per iteration: less loop overhead (distinct runs of weights) */
            upd10(wj + (long)idx[m] * rows, c0, c1, c2, x[idx[m]]);
            upd10(wj + (long)idx[m + 1] * rows, c0, c1, c2, x[idx[m + 1]]);
        }
        if (m < nnz)
            upd10(wj + (long)idx[m] * rows, c0, c1, c2, x[idx[m]]);
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

/* The update of layers 1.. (dense inputs: the stored activations) and layer 0's biases, from coef. */
PM_WIDE_KERNEL static void update_hidden(pm_net *net)
{
    const double *act = net->act[net->cur];
    for (int l = 1; l < net->n_layers; l++)
        update_dense(pm_net_w_(net, l), net->sizes[l], pm_net_cols_(net, l), net->coef + net->a_off[l],
                     act + net->a_off[l - 1], net->fan_in[l], net->bias);
    if (net->bias) { /* layer 0 is input-major: the biases are the last input's contiguous run */
        const int rows = net->sizes[0];
        double *wb = net->w + (long)net->fan_in[0] * rows;
        for (int j = 0; j < rows; j++)
            wb[j] += net->coef[j];
    }
}

/* 1 if a learning step with these errors provably changes no weight and makes every delta +0, so that backward and
 * the update passes can be skipped with the same bits (in the closed loop E(n) is exactly 0 whenever both reflex
 * sensors read white, SPEC §6: most steps). Every error +0 (the bits, not just == 0: a -0 error gives -0 output
 * deltas) makes each output delta f'(v) * (+0) = +0 (f' >= 0 and finite for every activation on a finite forward
 * pass; the chained rule: sign(+0) = +0), each back-propagated sum of w * (+0) terms, started at +0, stays +0, so
 * every delta is +0 and every coefficient eta R phi(+0) is 0 under each rule (SPEC §3): the update kernels skip zero
 * coefficients, so no weight is touched. Not with biases (their update adds c = 0 even when it is zero, which turns
 * a -0 bias into +0), nor near the overflow bound (learn_prepare's exact check then runs as before). */
static int zero_errors(const pm_net *net, const double *errors, int estride)
{
    if (net->bias || !(net->wmax_bound <= SAFE_BOUND))
        return 0;
    for (int j = 0; j < (estride ? net->sizes[net->n_layers - 1] : 1); j++)
        if (pm_bits_(errors[j * estride]) != 0)
            return 0;
    return 1;
}

/* Computes the deltas (into the spare copy) and coefficients of a learning step and checks that the update stays
 * finite; changes nothing observable (coef is scratch, nz_idx[cur] a cache). *bound: the new running weight bound
 * (or -1: recompute it exactly after the update). *skip = 1 (errors all +0, zero_errors): the deltas are written
 * and *bound set, and the caller applies no update; else *skip = 0. */
static pm_status learn_prepare(pm_net *net, pm_rule rule, const double *errors, int estride, double rate,
                               double relevance, double *bound, int *skip)
{
    *skip = 0;
    if (net == NULL || errors == NULL || !net->has_forward || (unsigned)rule > PM_RULE_SATURATION_PRIME)
        return PM_ERR_ARG;
    /* the product too: rate * R = inf with a zero delta would make the coefficient inf * 0 = NaN (silent NaN) */
    int bad = not_finite(rate) | not_finite(relevance) | not_finite(rate * relevance);
    for (int j = 0; j < (estride ? net->sizes[net->n_layers - 1] : 1); j++)
        bad |= not_finite(errors[j * estride]);
    if (bad)
        return PM_ERR_NONFINITE;
    if (zero_errors(net, errors, estride)) { /* nothing to learn: the deltas are +0, no weight changes */
        memset(net->delta[net->dcur ^ 1], 0, (size_t)net->n_act * sizeof(double));
        *bound = net->wmax_bound;
        *skip = 1;
        return PM_OK;
    }
    double step[PM_NET_MAX_LAYERS];
    if (backward(net, net->delta[net->dcur ^ 1], rule, errors, estride, rate * relevance, step))
        return PM_ERR_NONFINITE; /* BP deltas overflowed (huge weights): nothing changed yet */
    double worst = 0; /* the largest step over the layers, from layer 0 up (a NaN step propagates as before) */
    for (int l = 0; l < net->n_layers; l++)
        if (!(step[l] <= worst))
            worst = step[l];
    *bound = net->wmax_bound + worst;
    if (!(*bound <= SAFE_BOUND)) { /* rare: look at every new weight before touching any */
        list_inputs(net, net->cur);
        if (not_finite(worst) || update_overflows(net))
            return PM_ERR_NONFINITE;
        *bound = -1;
    }
    return PM_OK;
}

/* Stores a prepared learning step as done: the new deltas current, the weight bound updated. */
static void commit_learn(pm_net *net, double bound)
{
    if (bound < 0)
        pm_net_refresh_bound_(net);
    else
        net->wmax_bound = bound;
    net->dcur ^= 1;
}

/* Applies a prepared update to every layer, layer 0 over its list of nonzero inputs. */
static void apply_update(pm_net *net)
{
    update_hidden(net);
    list_inputs(net, net->cur);
    update_sparse_t(net->w, net->sizes[0], net->coef, net->x[net->cur], net->nz_idx[net->cur], net->nnz[net->cur]);
}

/* Shared body of pm_net_learn and pm_net_learn_vec; errors has stride estride (0 = broadcast). */
static pm_status learn(pm_net *net, pm_rule rule, const double *errors, int estride, double rate, double relevance)
{
    double bound;
    int skip;
    pm_status st = learn_prepare(net, rule, errors, estride, rate, relevance, &bound, &skip);
    if (st != PM_OK)
        return st;
    if (!skip)
        apply_update(net);
    commit_learn(net, bound);
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

/* Shared body of pm_net_learn_forward and pm_net_learn_forward_vec: learn, then forward; in layer 0's dense mode
 * the update of layer 0 and its forward sums share one pass over its weights (layer0_dense). */
static pm_status learn_forward(pm_net *net, pm_rule rule, const double *errors, int estride, double rate,
                               double relevance, const double *inputs)
{
    if (net == NULL || inputs == NULL)
        return PM_ERR_ARG;
    double bound;
    int skip;
    pm_status st = learn_prepare(net, rule, errors, estride, rate, relevance, &bound, &skip);
    if (st == PM_OK && skip) { /* no weight changes: the learn is done, the forward as pm_net_forward */
        commit_learn(net, bound);
        return pm_net_forward(net, inputs);
    }
    if (st != PM_OK)
        return st;
    if (bound < 0) { /* the rare exact check: the two steps */
        apply_update(net);
        commit_learn(net, bound);
        return pm_net_forward(net, inputs);
    }
    const int nx = net->cur ^ 1, dense = layer0_dense_mode(net);
    if (!dense) { /* layer 0's update over the old input's list, then the sums over the new one's */
        list_inputs(net, net->cur);
        update_sparse_t(net->w, net->sizes[0], net->coef, net->x[net->cur], net->nz_idx[net->cur],
                        net->nnz[net->cur]);
    }
    double xmax;
    layer0_forward(net, nx, inputs, dense ? net->coef : NULL, dense, &xmax); /* dense: update and sums in one pass */
    const int bad = forward_layers(net, net->act[nx], 1); /* the other layers' updates on the way */
    commit_learn(net, bound);
    if (bad) /* the learn stays done; the forward state is as before (net.h) */
        return PM_ERR_NONFINITE;
    commit_forward(net, nx, xmax);
    return PM_OK;
}

pm_status pm_net_learn_forward(pm_net *net, pm_rule rule, double error, double rate, double relevance,
                               const double *inputs)
{
    return learn_forward(net, rule, &error, 0, rate, relevance, inputs);
}

pm_status pm_net_learn_forward_vec(pm_net *net, pm_rule rule, const double *errors, double rate, double relevance,
                                   const double *inputs)
{
    return learn_forward(net, rule, errors, 1, rate, relevance, inputs);
}
