/* The experiment layer's message hook (primod/notify.h): one process-wide handler, none by default. */
#include "primod/notify.h"

#include <stdarg.h>
#include <stdio.h>

static pm_notify_fn handler;
static void *handler_ctx;

void pm_notify_set_handler(pm_notify_fn fn, void *ctx)
{
    handler = fn;
    handler_ctx = ctx;
}

void pm_notify(pm_note_kind kind, const char *cmd, const char *fmt, ...)
{
    if (!handler)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    handler(handler_ctx, kind, cmd ? cmd : "", msg);
}
