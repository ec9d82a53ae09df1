/* Host side of the robot's serial link (SPEC §7): sensor stream, motor commands, stall watchdog, reconnects. */
#ifndef PRIMOD_LINK_H
#define PRIMOD_LINK_H

#include <stdint.h>

#include "primod/frame.h"
#include "primod/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pm_link pm_link;

/* Every time argument is "now" in milliseconds on a monotonic clock the caller owns (the CLI passes
 * CLOCK_MONOTONIC, tests pass a counter), so the fault logic runs without sleeping. */
typedef struct {
    int sensor_timeout_ms;   /* no valid 'S' frame for longer than this -> send 'H', state STALLED (250) */
    int reopen_interval_ms;  /* a vanished device is reopened at most this often (1000) */
    int baud;                /* 9600, 19200, 38400, 57600, 115200 or 230400 (115200) */
} pm_link_config;

typedef enum {
    PM_LINK_STREAMING = 0,   /* fresh sensor frames arrive: the loop may drive and learn */
    PM_LINK_STALLED,         /* no valid sensor frame for too long (or none yet): 'H' sent, do not learn */
    PM_LINK_DISCONNECTED     /* the device is gone: nothing can be sent, reopening every reopen_interval_ms */
} pm_link_state;

/* Event bits reported by pm_link_poll: each transition is reported once, when it happens. */
#define PM_LINK_EV_STALL 1u      /* frames stopped: 'H' was sent */
#define PM_LINK_EV_RESUME 2u     /* frames are back after a stall, a reconnect or the start */
#define PM_LINK_EV_LOST 4u       /* the device vanished (read/write error or end of file) */
#define PM_LINK_EV_RECONNECT 8u  /* the device was reopened ('H' sent at once; frames not yet back) */

typedef struct {
    unsigned long frames;        /* valid 'S' frames received */
    unsigned long bad_crc;       /* frames dropped for a bad CRC */
    unsigned long bad_len;       /* frames dropped for an unknown type or impossible length */
    unsigned long garbage;       /* bytes skipped between frames */
    unsigned long seq_gaps;      /* 'S' frames missed according to their sequence numbers */
    unsigned long stalls, disconnects, reconnects, reopen_attempts;
    unsigned long motors_sent, halts_sent;
} pm_link_stats;

/* The defaults above. */
void pm_link_config_default(pm_link_config *cfg);

/* Opens the serial device at path (raw 8N1 at cfg->baud via termios if it is a terminal; anything else, e.g. a
 * FIFO or socket, is used as is), discards stale input and sends 'H'. The link starts STALLED until the first
 * sensor frame. PM_ERR_IO if the device cannot be opened or configured, PM_ERR_ARG for NULL or a bad config,
 * PM_ERR_NOMEM. path is copied. Free with pm_link_close. */
pm_status pm_link_open(const char *path, const pm_link_config *cfg, long long now_ms, pm_link **out);
/* Sends 'H' if it can, closes the device and frees the link; NULL does nothing. */
void pm_link_close(pm_link *l);

/* Reads whatever bytes are waiting (never blocks), keeps the newest valid sensor frame, runs the stall watchdog
 * and, when disconnected, tries to reopen. *events (may be NULL) gets the PM_LINK_EV_* bits of this call.
 * PM_ERR_ARG for NULL l; device trouble is not an error here, it is the DISCONNECTED state. */
pm_status pm_link_poll(pm_link *l, long long now_ms, unsigned *events);
pm_link_state pm_link_get_state(const pm_link *l);
/* File descriptor to wait on (poll/select) for incoming bytes, -1 while disconnected. */
int pm_link_fd(const pm_link *l);

/* Copies the newest sensor frame if it arrived since the last take and the link is STREAMING: returns 1.
 * Otherwise returns 0 and leaves sensors/seq untouched (stale data must not be used). seq may be NULL. */
int pm_link_take_sensors(pm_link *l, uint8_t sensors[PM_FRAME_N_SENSORS], uint8_t *seq);
/* Sends 'M' (left, right in us from the stop pulse, clamped here to +-PM_FRAME_MOTOR_LIMIT) carrying the seq of
 * the last taken sensor frame. PM_ERR_IO if the link is not STREAMING (nothing sent: a stalled robot stays
 * halted) or the write failed; PM_ERR_ARG for NULL. */
pm_status pm_link_send_motors(pm_link *l, int left, int right);
/* Sends 'H' now. PM_ERR_IO if disconnected or the write failed. */
pm_status pm_link_halt(pm_link *l);
/* Counters since open. */
pm_link_stats pm_link_get_stats(const pm_link *l);

#ifdef __cplusplus
}
#endif
#endif
