/* Bounded reading of the files the experiment layer is given (INI configs, run logs, JSON run records, models):
 * every kind has a size limit and only regular files (or pipes, read with the same limit) are accepted. */
#ifndef PRIMOD_FILES_H
#define PRIMOD_FILES_H

#include <stddef.h>
#include <stdio.h>

#include "primod/net.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Size limits per kind of file, in bytes. Each is far above what primod itself writes for that kind: an INI file
 * of every key is ~3 KB, a run record ~3 KB, a run log ~150 bytes per step (50,000 steps: ~8 MB), and a model
 * of the largest network net.h allows holds 2 x PM_NET_MAX_WEIGHTS doubles plus a header below 2 KB. */
#define PM_FILE_MAX_INI (1L << 20)            /* 1 MiB */
#define PM_FILE_MAX_RECORD (16L << 20)        /* 16 MiB: one JSON run record or batch manifest */
#define PM_FILE_MAX_LOG (1L << 30)            /* 1 GiB: a run log (TSV) */
#define PM_FILE_MAX_LOG_LINE 65536            /* longest line of a run log */
#define PM_FILE_MAX_MODEL (2 * 8 * PM_NET_MAX_WEIGHTS + 4096L)

/* Opens path for reading after checking that it is a regular file of at most max_bytes bytes, or a pipe (FIFO,
 * e.g. a shell's <(...)): the caller then bounds what it reads by max_bytes itself (pm_file_read does).
 * Devices (/dev/zero), directories and sockets are refused. what names the kind in messages ("run log").
 * Returns the open stream, or NULL with "path: reason" in err (PM_CFG_ERR_MAX bytes); *is_pipe (may be NULL)
 * tells the caller whether it must count. */
FILE *pm_file_open(const char *path, long max_bytes, const char *what, int *is_pipe, char *err);

/* Reads a whole file (checked as pm_file_open) into a NUL-terminated buffer *text (owned by the caller, free()),
 * *len bytes without the NUL (len may be NULL). Returns 0, or -1 with "path: reason" in err: cannot open, not a
 * regular file, above the limit ("larger than the limit of N bytes for a WHAT"), read error, no memory. */
int pm_file_read(const char *path, long max_bytes, const char *what, char **text, size_t *len, char *err);

/* Reads one line (newline included, NUL-terminated) into buf (cap bytes) from f, counting the bytes read in
 * *total. Returns 1 for a line, 0 at the end of the file, -1 with a message in err (PM_CFG_ERR_MAX bytes, naming
 * path and the 1-based line_no) when the line is longer than cap - 1 bytes or *total exceeds max_bytes. */
int pm_file_getline(FILE *f, char *buf, size_t cap, long *total, long max_bytes, const char *path, long line_no,
                    const char *what, char *err);

#ifdef __cplusplus
}
#endif

#endif
