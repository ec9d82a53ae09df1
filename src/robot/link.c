/* Host side of the serial link (SPEC §7): termios raw port, frame parsing, stall watchdog, halt and reconnect. */
#define _DEFAULT_SOURCE /* cfmakeraw */
#include "primod/link.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

struct pm_link {
    pm_link_config cfg;
    int fd;                              /* -1 while disconnected */
    pm_link_state state;
    pm_frame_parser parser;
    long long last_frame_ms;             /* time of the newest valid 'S' frame (or of open/reconnect) */
    long long last_attempt_ms;           /* time of the last reopen attempt */
    uint8_t sensors[PM_FRAME_N_SENSORS]; /* newest 'S' payload */
    uint8_t seq;                         /* its sequence number */
    int have_seq;                        /* a frame has been seen since (re)open: seq gaps are meaningful */
    int fresh;                           /* newest frame not yet taken */
    uint8_t taken_seq;                   /* seq of the last taken frame, echoed in 'M' */
    pm_link_stats stats;
    char *path;                          /* points into this object's allocation */
};

void pm_link_config_default(pm_link_config *cfg)
{
    *cfg = (pm_link_config){.sensor_timeout_ms = 250, .reopen_interval_ms = 1000, .baud = 115200};
}

static int baud_constant(int baud, speed_t *out)
{
    static const struct { int baud; speed_t c; } table[] = {
        {9600, B9600}, {19200, B19200}, {38400, B38400}, {57600, B57600}, {115200, B115200}, {230400, B230400}};
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].baud == baud) {
            *out = table[i].c;
            return 0;
        }
    return -1;
}

/* Opens and configures the device: raw 8N1, no flow control, non-blocking reads; stale input discarded. */
static int device_open(const char *path, int baud)
{
    int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (isatty(fd)) {
        struct termios t;
        speed_t sp;
        if (tcgetattr(fd, &t) || baud_constant(baud, &sp)) {
            close(fd);
            return -1;
        }
        cfmakeraw(&t); /* no echo, no line editing, no CR/LF translation: 0x0D and 0x0A are data */
        t.c_cflag |= CLOCAL | CREAD;
        t.c_cflag &= ~(tcflag_t)(CSTOPB | PARENB | CRTSCTS);
        /* VMIN 1 with O_NONBLOCK: "no data" is EAGAIN, so a read of 0 bytes really means end of file (with
         * VMIN 0 Linux returns 0 for both and an unplugged device could not be told from a quiet one) */
        t.c_cc[VMIN] = 1;
        t.c_cc[VTIME] = 0;
        if (cfsetispeed(&t, sp) || cfsetospeed(&t, sp) || tcsetattr(fd, TCSANOW, &t)) {
            close(fd);
            return -1;
        }
        tcflush(fd, TCIFLUSH); /* whatever waited in the buffer is stale */
    }
    return fd;
}

static void mark_lost(pm_link *l, long long now_ms, unsigned *ev)
{
    if (l->fd >= 0)
        close(l->fd);
    l->fd = -1;
    l->state = PM_LINK_DISCONNECTED;
    l->fresh = 0;
    l->last_attempt_ms = now_ms;
    l->stats.disconnects++;
    *ev |= PM_LINK_EV_LOST;
}

/* Writes one whole frame; -1 on failure (a short write is a failure: the device's parser will resync). */
static int write_frame(pm_link *l, const uint8_t *b, size_t n)
{
    if (l->fd < 0)
        return -1;
    ssize_t w;
    do
        w = write(l->fd, b, n);
    while (w < 0 && errno == EINTR);
    return w == (ssize_t)n ? 0 : -1;
}

static int send_halt(pm_link *l)
{
    uint8_t b[PM_FRAME_MAX_BYTES];
    size_t n = pm_frame_encode_halt(b);
    if (write_frame(l, b, n))
        return -1;
    l->stats.halts_sent++;
    return 0;
}

/* Starts a fresh session on an open fd: parser state cleared (counters kept), 'H' sent, STALLED until frames. */
static void session_start(pm_link *l, long long now_ms)
{
    pm_frame_parser keep = l->parser;
    pm_frame_parser_init(&l->parser);
    l->parser.n_ok = keep.n_ok;
    l->parser.n_bad_crc = keep.n_bad_crc;
    l->parser.n_bad_len = keep.n_bad_len;
    l->parser.n_garbage = keep.n_garbage;
    l->state = PM_LINK_STALLED;
    l->last_frame_ms = now_ms;
    l->have_seq = 0;
    l->fresh = 0;
    send_halt(l);
}

pm_status pm_link_open(const char *path, const pm_link_config *cfg, long long now_ms, pm_link **out)
{
    speed_t sp;
    if (!path || !cfg || !out || cfg->sensor_timeout_ms < 1 || cfg->reopen_interval_ms < 1 ||
        baud_constant(cfg->baud, &sp))
        return PM_ERR_ARG;
    size_t len = strlen(path);
    pm_link *l = calloc(1, sizeof *l + len + 1);
    if (!l)
        return PM_ERR_NOMEM;
    l->path = (char *)(l + 1);
    memcpy(l->path, path, len + 1);
    l->cfg = *cfg;
    pm_frame_parser_init(&l->parser);
    l->fd = device_open(path, cfg->baud);
    if (l->fd < 0) {
        free(l);
        return PM_ERR_IO;
    }
    session_start(l, now_ms);
    *out = l;
    return PM_OK;
}

void pm_link_close(pm_link *l)
{
    if (!l)
        return;
    if (l->fd >= 0) {
        send_halt(l);
        close(l->fd);
    }
    free(l);
}

static void take_frame(pm_link *l, const pm_frame *f, long long now_ms, unsigned *ev)
{
    if (f->type != PM_FRAME_SENSORS)
        return; /* the device sends nothing else; an echo of our own frames must not count as life */
    uint8_t seq = f->payload[0];
    if (l->have_seq)
        l->stats.seq_gaps += (uint8_t)(seq - l->seq - 1u); /* uint8 arithmetic handles the wrap */
    l->seq = seq;
    l->have_seq = 1;
    memcpy(l->sensors, f->payload + 1, PM_FRAME_N_SENSORS);
    l->fresh = 1;
    l->last_frame_ms = now_ms;
    l->stats.frames++;
    if (l->state == PM_LINK_STALLED) {
        l->state = PM_LINK_STREAMING;
        *ev |= PM_LINK_EV_RESUME;
    }
}

/* Drains the device; returns -1 if it has gone. */
static int read_available(pm_link *l, long long now_ms, unsigned *ev)
{
    uint8_t buf[256];
    for (;;) {
        ssize_t n = read(l->fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        if (n <= 0)
            return -1; /* EOF or EIO/ENXIO/ENODEV: unplugged, or the far end of a pty closed */
        for (ssize_t i = 0; i < n; i++) {
            pm_frame f;
            if (pm_frame_parser_feed(&l->parser, buf[i], &f))
                take_frame(l, &f, now_ms, ev);
        }
    }
}

static void try_reopen(pm_link *l, long long now_ms, unsigned *ev)
{
    if (now_ms - l->last_attempt_ms < l->cfg.reopen_interval_ms)
        return;
    l->last_attempt_ms = now_ms;
    l->stats.reopen_attempts++;
    l->fd = device_open(l->path, l->cfg.baud);
    if (l->fd < 0)
        return;
    l->stats.reconnects++;
    *ev |= PM_LINK_EV_RECONNECT;
    session_start(l, now_ms);
}

pm_status pm_link_poll(pm_link *l, long long now_ms, unsigned *events)
{
    if (!l)
        return PM_ERR_ARG;
    unsigned ev = 0;
    if (l->state == PM_LINK_DISCONNECTED)
        try_reopen(l, now_ms, &ev);
    if (l->fd >= 0 && read_available(l, now_ms, &ev))
        mark_lost(l, now_ms, &ev);
    if (l->state == PM_LINK_STREAMING && now_ms - l->last_frame_ms > l->cfg.sensor_timeout_ms) {
        /* SPEC §7 fault rule: frames stopped -> stop the wheels, stop learning, keep listening */
        l->state = PM_LINK_STALLED;
        l->fresh = 0;
        l->stats.stalls++;
        ev |= PM_LINK_EV_STALL;
        send_halt(l); /* if this fails the next read notices a vanished device; the firmware stops on its own */
    }
    l->stats.bad_crc = l->parser.n_bad_crc;
    l->stats.bad_len = l->parser.n_bad_len;
    l->stats.garbage = l->parser.n_garbage;
    if (events)
        *events = ev;
    return PM_OK;
}

pm_link_state pm_link_get_state(const pm_link *l) { return l ? l->state : PM_LINK_DISCONNECTED; }
int pm_link_fd(const pm_link *l) { return l ? l->fd : -1; }

int pm_link_take_sensors(pm_link *l, uint8_t sensors[PM_FRAME_N_SENSORS], uint8_t *seq)
{
    if (!l || !sensors || !l->fresh || l->state != PM_LINK_STREAMING)
        return 0;
    memcpy(sensors, l->sensors, PM_FRAME_N_SENSORS);
    if (seq)
        *seq = l->seq;
    l->taken_seq = l->seq;
    l->fresh = 0;
    return 1;
}

pm_status pm_link_send_motors(pm_link *l, int left, int right)
{
    if (!l)
        return PM_ERR_ARG;
    if (l->state != PM_LINK_STREAMING)
        return PM_ERR_IO;
    const int lim = PM_FRAME_MOTOR_LIMIT;
    left = left > lim ? lim : (left < -lim ? -lim : left);
    right = right > lim ? lim : (right < -lim ? -lim : right);
    uint8_t b[PM_FRAME_MAX_BYTES];
    size_t n = pm_frame_encode_motors(l->taken_seq, (int16_t)left, (int16_t)right, b);
    if (write_frame(l, b, n))
        return PM_ERR_IO;
    l->stats.motors_sent++;
    return PM_OK;
}

pm_status pm_link_halt(pm_link *l)
{
    if (!l)
        return PM_ERR_ARG;
    return send_halt(l) ? PM_ERR_IO : PM_OK;
}

pm_link_stats pm_link_get_stats(const pm_link *l)
{
    pm_link_stats s;
    memset(&s, 0, sizeof s);
    if (l) {
        s = l->stats;
        s.bad_crc = l->parser.n_bad_crc;
        s.bad_len = l->parser.n_bad_len;
        s.garbage = l->parser.n_garbage;
    }
    return s;
}
