/* Messages of the experiment layer (errors of one run in a batch, notes, progress) go to a handler the program
 * installs: the library itself never prints (the CLI's handler writes them to stderr). */
#ifndef PRIMOD_NOTIFY_H
#define PRIMOD_NOTIFY_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    PM_NOTE_ERROR = 0,     /* a failure the caller also sees as a return code, with detail ("run X: ...") */
    PM_NOTE_INFO,          /* a remark ("no run succeeded, X not drawn") */
    PM_NOTE_PROGRESS,      /* a progress line that replaces the previous one ("12/40 runs done") */
    PM_NOTE_PROGRESS_END,  /* the progress display ends (message ""): a terminal moves to a fresh line */
    PM_NOTE_BATCH_PROGRESS /* progress of a batch ("12/40 runs done, 1 failed, ETA 1m20s"), sent on every finished
                            * run and about every second: a terminal redraws it in place; a log may keep one
                            * every few seconds (the CLI: every 10 s) so batch jobs see it too */
} pm_note_kind;

/* cmd: the command or activity the message belongs to ("compare", "run"); message: one line, no newline. */
typedef void (*pm_notify_fn)(void *ctx, pm_note_kind kind, const char *cmd, const char *message);

/* Installs the handler for every later message of this process; NULL (the default) drops them. Not thread-safe:
 * install it once at start-up (the experiment layer runs one batch per process; workers are processes). */
void pm_notify_set_handler(pm_notify_fn fn, void *ctx);
/* Formats a message (printf-style, truncated to 1 KiB) and passes it to the handler, if any. */
void pm_notify(pm_note_kind kind, const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#ifdef __cplusplus
}
#endif

#endif
