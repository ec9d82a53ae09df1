/* Options of the long set-up calls (worlds, sims, model files): a memory budget, a cancel flag, an error message. */
#ifndef PRIMOD_SETUP_H
#define PRIMOD_SETUP_H

#include <signal.h> /* sig_atomic_t */
#include <stddef.h>

#include "primod/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Default memory budget (bytes) of one world texture plus the blurred sensor maps of a sim on it: 1 GiB. */
#define PM_SETUP_MAX_BYTES ((size_t)1 << 30)

/* Options of the *_ex set-up calls. A NULL pointer, or an all-zero struct, means: budget PM_SETUP_MAX_BYTES, no
 * cancellation, no message. The plain calls (pm_world_create_builtin, pm_sim_create, pm_net_load, ...) behave as
 * their *_ex form with NULL options.
 *
 * Cancellation: set-up work that can take more than a moment (drawing a track, decoding a PNG, blurring the sensor
 * maps, reading a model) polls *cancel about every image row; when it is non-zero the call frees what it allocated
 * and returns PM_ERR_CANCELLED, typically within a few milliseconds. The intended use is a signal handler:
 *
 *     static volatile sig_atomic_t stop;
 *     static void on_signal(int sig) { stop = sig; }      // installed with sigaction for SIGINT and SIGTERM
 *     pm_setup opt = {.cancel = &stop, .detail = msg, .detail_size = sizeof msg};
 *     st = pm_world_create_builtin_ex(name, ppu, &opt, &world);   // PM_ERR_CANCELLED soon after the signal
 *
 * after which the caller exits with 128 + the signal number. The flag is only read, never reset, by the library.
 *
 * detail: on failure a one-line English message naming the file, size or parameter and the limit (e.g. "PNG is
 * 16384 x 16384 px: its world needs 3072 MiB, over the 1024 MiB budget") is written there, NUL-terminated and
 * truncated to detail_size bytes; on success it is left untouched. */
typedef struct {
    size_t max_bytes;              /* memory budget in bytes; 0 = PM_SETUP_MAX_BYTES */
    volatile sig_atomic_t *cancel; /* NULL, or a flag the caller sets (from a signal handler) to stop the set-up */
    char *detail;                  /* NULL, or detail_size bytes for the message of a failure */
    size_t detail_size;
} pm_setup;

#ifdef __cplusplus
}
#endif
#endif
