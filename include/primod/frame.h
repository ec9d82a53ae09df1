/* Serial framing between host and robot microcontroller (SPEC §7 link): 0x7E, type, len, payload, CRC-8. */
#ifndef PRIMOD_FRAME_H
#define PRIMOD_FRAME_H

/* Portable C: this header and src/robot/frame.c also build with avr-gcc for the firmware (no libc beyond
 * <stdint.h>/<stddef.h>, no floating point, no allocation). */
#include <stddef.h>
#include <stdint.h>

#include "primod/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PM_FRAME_START 0x7E        /* every frame begins with this byte (there is no byte stuffing) */
#define PM_FRAME_SENSORS 0x53      /* 'S' device -> host: seq, 8 light sensors (uint8, 0 = dark) */
#define PM_FRAME_MOTORS 0x4D       /* 'M' host -> device: seq, left, right (int16 LE, us from the stop pulse) */
#define PM_FRAME_HALT 0x48         /* 'H' host -> device: stop both servos now */
#define PM_FRAME_N_SENSORS 8
#define PM_FRAME_SENSORS_LEN 9     /* payload length of 'S' */
#define PM_FRAME_MOTORS_LEN 5      /* payload length of 'M' */
#define PM_FRAME_MAX_PAYLOAD 9     /* the longest payload of a known type */
#define PM_FRAME_MAX_BYTES (PM_FRAME_MAX_PAYLOAD + 4) /* start, type, len, payload, crc */
#define PM_FRAME_MOTOR_LIMIT 200   /* the device clamps motor offsets to +-200 us */

/* One decoded frame. payload holds len bytes; the rest is zero. */
typedef struct {
    uint8_t type;
    uint8_t len;
    uint8_t payload[PM_FRAME_MAX_PAYLOAD];
} pm_frame;

/* Streaming parser: feed it bytes one at a time. Plain value type; initialise with pm_frame_parser_init.
 * It keeps the bytes of the frame in progress so that, when a frame turns out bad, it rescans them for the
 * next start byte (a 0x7E inside garbage or inside a payload must not hide a real frame that follows). */
typedef struct {
    uint8_t buf[PM_FRAME_MAX_BYTES]; /* (n) bytes of the frame in progress; buf[0] == PM_FRAME_START when n > 0 */
    uint8_t n;
    uint32_t n_ok;                   /* frames delivered */
    uint32_t n_bad_crc;              /* frames dropped for a CRC mismatch */
    uint32_t n_bad_len;              /* frames dropped for an unknown type or a length impossible for the type */
    uint32_t n_garbage;              /* bytes skipped while hunting for a start byte */
} pm_frame_parser;

/* CRC-8, polynomial 0x07, initial value 0x00, no reflection, no final xor, over n bytes of data
 * (CRC of ASCII "123456789" = 0xF4). data may be NULL when n == 0. */
uint8_t pm_crc8(const uint8_t *data, size_t n);
/* Folds one more byte into a running CRC (start from 0): pm_crc8 is this applied byte by byte. */
uint8_t pm_crc8_update(uint8_t crc, uint8_t byte);

/* The payload length a frame type must have, or -1 for an unknown type. */
int pm_frame_expected_len(uint8_t type);

/* Writes the frame start, type, len, payload, crc into out (cap bytes) and its size (len + 4) into *n_out.
 * PM_ERR_ARG for NULL pointers, an unknown type, a length wrong for the type, or cap too small. */
pm_status pm_frame_encode(uint8_t type, const uint8_t *payload, uint8_t len, uint8_t *out, size_t cap,
                          size_t *n_out);
/* Builders for the three frames; out must hold PM_FRAME_MAX_BYTES. They return the frame size in bytes. */
size_t pm_frame_encode_sensors(uint8_t seq, const uint8_t sensors[PM_FRAME_N_SENSORS], uint8_t *out);
size_t pm_frame_encode_motors(uint8_t seq, int16_t left, int16_t right, uint8_t *out);
size_t pm_frame_encode_halt(uint8_t *out);
/* Field readers for a decoded 'M' frame (little-endian int16); PM_ERR_ARG if the frame is not a valid 'M'. */
pm_status pm_frame_decode_motors(const pm_frame *f, uint8_t *seq, int16_t *left, int16_t *right);

/* Resets the parser: empty buffer, counters zero. */
void pm_frame_parser_init(pm_frame_parser *p);
/* Feeds one byte. Returns 1 and fills *out when a valid frame is complete, else 0 (out untouched).
 * Bad frames are counted and dropped; the parser then resynchronises on the next 0x7E. out must not be NULL. */
int pm_frame_parser_feed(pm_frame_parser *p, uint8_t byte, pm_frame *out);

#ifdef __cplusplus
}
#endif
#endif
