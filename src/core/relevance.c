/* Relevance signals R(n) that modulate P&M learning (SPEC §3, §9): road curvature, line motion, rectified error, constant. */
#include "primod/relevance.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The strongest value of a row: *best gets the index of the first maximum among the values strictly above
 * threshold (-1 if none; NaN values are never above anything), *finite whether every value is finite. One pass,
 * branch-free: the same answer as the scalar scan "row[i] > threshold && row[i] > row[best]" (ties: lowest index). */
#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wpsabi"   /* 32-byte vectors cross no call here (all inside row_scan) */
typedef double pm_f4 __attribute__((vector_size(32)));
typedef int64_t pm_m4 __attribute__((vector_size(32)));
#if defined(__clang__)
#define PM_SWAP(v, a, b, c, d) __builtin_shufflevector(v, v, a, b, c, d)
#else
#define PM_SWAP(v, a, b, c, d) __builtin_shuffle(v, (pm_m4){a, b, c, d})
#endif

/* Lane-wise merge of two (maximum, index) candidates: the larger maximum, on equal ones the lower index. A lane that
 * found nothing has maximum = threshold (below every lane that found something) and index -1. */
#define PM_MERGE(m, at, hm, ha)                                                                                   \
    do {                                                                                                          \
        const pm_m4 take_ = (hm > m) | ((hm == m) & (ha < at));                                                   \
        m = (pm_f4)(((pm_m4)hm & take_) | ((pm_m4)m & ~take_));                                                   \
        at = (ha & take_) | (at & ~take_);                                                                        \
    } while (0)

/* Baseline and AVX2 on x86-64 GCC, chosen at load time (valgrind runs the AVX2 one); the answer is an index, the
 * same from both. */
#if defined(__x86_64__) && !defined(__clang__) && !defined(PM_NO_TARGET_CLONES)
__attribute__((target_clones("avx2", "default")))
#endif
static void row_scan(const double *row, int n, double threshold, int *best, int *finite)
{
    /* Lane j scans row[j], row[j+4], ...: m keeps its strict running maximum above threshold (starting at threshold
     * itself, so a value must exceed it; a NaN compares false and is skipped) and at its index, the first one in
     * that lane. prod is multiplied by every value: it stays +-0 while they are finite, NaN from the first that is
     * not (0 * inf, NaN). */
    pm_f4 m = {threshold, threshold, threshold, threshold}, prod = {0, 0, 0, 0};
    pm_m4 at = {-1, -1, -1, -1}, idx = {0, 1, 2, 3};
    const pm_m4 four = {4, 4, 4, 4};
    int i = 0;
#pragma GCC unroll 4
    for (; i + 4 <= n; i += 4) {
        pm_f4 v;
        memcpy(&v, row + i, sizeof v);
        const pm_m4 gt = v > m;
        m = (pm_f4)(((pm_m4)v & gt) | ((pm_m4)m & ~gt));
        at = (idx & gt) | (at & ~gt);
        prod *= v;
        idx += four;
    }
    /* Merge the lanes (each index is its lane's first maximum): lanes 2, 3 into 0, 1, then lane 1 into 0. */
    pm_f4 hm = PM_SWAP(m, 2, 3, 0, 1);
    pm_m4 ha = PM_SWAP(at, 2, 3, 0, 1);
    PM_MERGE(m, at, hm, ha);
    hm = PM_SWAP(m, 1, 0, 3, 2);
    ha = PM_SWAP(at, 1, 0, 3, 2);
    PM_MERGE(m, at, hm, ha);
    double bm = m[0], p = prod[0] + prod[1] + prod[2] + prod[3];
    int b = (int)at[0];
    for (; i < n; i++) {   /* the tail: indices above every lane's, so a tie keeps the earlier one */
        p *= row[i];
        if (row[i] > threshold && (b < 0 || row[i] > bm)) {
            bm = row[i];
            b = i;
        }
    }
    *best = b;
    *finite = p == 0.0;
}
#else
static void row_scan(const double *row, int n, double threshold, int *best, int *finite)
{
    int b = -1, fin = 1;
    for (int i = 0; i < n; i++) {
        fin &= isfinite(row[i]) != 0;
        if (row[i] > threshold && (b < 0 || row[i] > row[b]))
            b = i;
    }
    *best = b;
    *finite = fin;
}
#endif

int pm_relevance_argmax(const double *row, int n, double threshold)
{
    if (!row || n < 1)
        return -1;
    /* Strict '>' on both tests: the line must exceed the threshold, and on ties the lowest index wins. */
    int best, finite;
    row_scan(row, n, threshold, &best, &finite);
    return best;
}

pm_status pm_relevance_curvature(const double *row1, const double *row2, int n, double threshold, double *out)
{
    if (!row1 || !row2 || !out || n < 1)
        return PM_ERR_ARG;
    /* One pass per row finds both its strongest predictor and whether it is finite. */
    int k1, k2, fin1, fin2;
    row_scan(row1, n, threshold, &k1, &fin1);
    row_scan(row2, n, threshold, &k2, &fin2);
    if (!isfinite(threshold) || !fin1 || !fin2)
        return PM_ERR_NONFINITE;
    /* SPEC §3: R = 1 + |k2 - k1| from the strongest predictor of the two nearest rows; a row without line: R = 1. */
    *out = (k1 < 0 || k2 < 0) ? 1.0 : 1.0 + fabs((double)(k2 - k1));
    return PM_OK;
}

double pm_relevance_motion(int k_prev, int k_now)
{
    /* SPEC §9 variant: R = 1 + |k(n) - k(n-1)|; without a line at either step there is no motion to read: R = 1. */
    return (k_prev < 0 || k_now < 0) ? 1.0 : 1.0 + fabs((double)k_now - (double)k_prev);
}

double pm_relevance_rectified(double error)
{
    return fabs(error);
}

double pm_relevance_constant(void)
{
    return 1.0;
}
