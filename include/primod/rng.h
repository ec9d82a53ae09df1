/* Seeded random generator owned by each object (xoshiro256** seeded by splitmix64): no global state. */
#ifndef PRIMOD_RNG_H
#define PRIMOD_RNG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Plain value type: copy it to fork a stream, embed it in any struct. Same seed -> same sequence on any machine. */
typedef struct {
    uint64_t s[4];
} pm_rng;

/* Seeds the state from one 64-bit seed through splitmix64 (any seed, 0 included, gives a valid state). */
void pm_rng_seed(pm_rng *rng, uint64_t seed);
/* Next raw 64-bit value. */
uint64_t pm_rng_next(pm_rng *rng);
/* Uniform double in [0, 1) with 53 random bits. */
double pm_rng_uniform(pm_rng *rng);
/* Standard normal deviate (Box-Muller from two uniforms; no cached spare, so the state is the only state). */
double pm_rng_gauss(pm_rng *rng);

#ifdef __cplusplus
}
#endif
#endif
