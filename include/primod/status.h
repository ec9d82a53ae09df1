/* Status codes shared by every primod module: one table of codes and messages (DESIGN.md "Errors"). */
#ifndef PRIMOD_STATUS_H
#define PRIMOD_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

/* Every fallible call returns one of these; PM_OK is 0 so `if (st)` tests for failure.
 * A call that returns anything but PM_OK has left its object exactly as it was. */
typedef enum {
    PM_OK = 0,        /* success */
    PM_ERR_ARG,       /* bad argument: NULL, out of range, wrong size, wrong call order */
    PM_ERR_NOMEM,     /* an allocation failed (only at creation or load time) */
    PM_ERR_IO,        /* a file could not be opened, read, written or renamed */
    PM_ERR_FORMAT,    /* a file is truncated, damaged, foreign or of an unknown version */
    PM_ERR_NONFINITE, /* an input, error, rate or relevance is NaN or infinite */
    PM_ERR_LIMIT,     /* a size or memory limit would be exceeded (image, file, world maps); nothing allocated */
    PM_ERR_CANCELLED  /* the caller's cancel flag was raised during a long set-up; nothing kept */
} pm_status;

/* One-line English message for a status; never NULL, static storage. Unknown codes get a generic message. */
const char *pm_status_str(pm_status s);

#ifdef __cplusplus
}
#endif
#endif
