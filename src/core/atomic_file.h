/* Private helper of the library's file writers (pictures, images): write a file completely or not at all. */
#ifndef PRIMOD_CORE_ATOMIC_FILE_H
#define PRIMOD_CORE_ATOMIC_FILE_H

#include <stdio.h>

#include "primod/status.h"

/* Writes what the callback produces: write(f, ctx) fills f, a temporary file in path's directory (so that the
 * rename is atomic: same file system), which then replaces path, with mode 0644. A reader never sees a half
 * file, and a failed write leaves path as it was. The callback must not close f; it returns PM_OK or a status
 * that is passed on. Returns PM_OK, PM_ERR_ARG (NULL path or write), PM_ERR_NOMEM, PM_ERR_IO (the temporary
 * file cannot be created or written, or the rename fails), or the callback's status; on any failure the
 * temporary file is removed. */
pm_status pm_atomic_write(const char *path, pm_status (*write)(FILE *f, void *ctx), void *ctx);

#endif
