/* Serial framing and CRC-8 of the host <-> robot link, one portable file for the host and the AVR firmware. */
#include "primod/frame.h"

/* Bitwise CRC-8 (poly x^8 + x^2 + x + 1 = 0x07, init 0, MSB first, no final xor). Table-free on purpose:
 * 256 bytes of table would cost the ATmega328P's 2 KiB RAM (or flash reads) for 13-byte frames. */
uint8_t pm_crc8_update(uint8_t crc, uint8_t byte)
{
    crc ^= byte;
    for (int bit = 0; bit < 8; bit++)
        crc = (uint8_t)((crc & 0x80u) ? (uint8_t)(crc << 1) ^ 0x07u : (uint8_t)(crc << 1));
    return crc;
}

uint8_t pm_crc8(const uint8_t *data, size_t n)
{
    uint8_t crc = 0;
    for (size_t i = 0; i < n; i++)
        crc = pm_crc8_update(crc, data[i]);
    return crc;
}

int pm_frame_expected_len(uint8_t type)
{
    switch (type) {
    case PM_FRAME_SENSORS: return PM_FRAME_SENSORS_LEN;
    case PM_FRAME_MOTORS: return PM_FRAME_MOTORS_LEN;
    case PM_FRAME_HALT: return 0;
    default: return -1;
    }
}

pm_status pm_frame_encode(uint8_t type, const uint8_t *payload, uint8_t len, uint8_t *out, size_t cap,
                          size_t *n_out)
{
    if (!out || !n_out || (len > 0 && !payload) || pm_frame_expected_len(type) != (int)len ||
        cap < (size_t)len + 4u)
        return PM_ERR_ARG;
    out[0] = PM_FRAME_START;
    out[1] = type;
    out[2] = len;
    for (uint8_t i = 0; i < len; i++)
        out[3 + i] = payload[i];
    out[3 + len] = pm_crc8(out + 1, (size_t)len + 2u); /* CRC covers type, len, payload */
    *n_out = (size_t)len + 4u;
    return PM_OK;
}

size_t pm_frame_encode_sensors(uint8_t seq, const uint8_t sensors[PM_FRAME_N_SENSORS], uint8_t *out)
{
    uint8_t payload[PM_FRAME_SENSORS_LEN];
    payload[0] = seq;
    for (int i = 0; i < PM_FRAME_N_SENSORS; i++)
        payload[1 + i] = sensors[i];
    size_t n = 0;
    pm_frame_encode(PM_FRAME_SENSORS, payload, PM_FRAME_SENSORS_LEN, out, PM_FRAME_MAX_BYTES, &n);
    return n;
}

size_t pm_frame_encode_motors(uint8_t seq, int16_t left, int16_t right, uint8_t *out)
{
    /* little-endian int16 through uint16_t: two's complement bytes without implementation-defined shifts */
    uint16_t l = (uint16_t)left, r = (uint16_t)right;
    uint8_t payload[PM_FRAME_MOTORS_LEN] = {seq, (uint8_t)(l & 0xFFu), (uint8_t)(l >> 8), (uint8_t)(r & 0xFFu),
                                            (uint8_t)(r >> 8)};
    size_t n = 0;
    pm_frame_encode(PM_FRAME_MOTORS, payload, PM_FRAME_MOTORS_LEN, out, PM_FRAME_MAX_BYTES, &n);
    return n;
}

size_t pm_frame_encode_halt(uint8_t *out)
{
    size_t n = 0;
    pm_frame_encode(PM_FRAME_HALT, NULL, 0, out, PM_FRAME_MAX_BYTES, &n);
    return n;
}

static int16_t le_int16(const uint8_t *b)
{
    uint16_t u = (uint16_t)(b[0] | ((uint16_t)b[1] << 8));
    /* map back to signed without relying on implementation-defined conversion */
    return u < 0x8000u ? (int16_t)u : (int16_t)(-(int16_t)(uint16_t)(0xFFFFu - u) - 1);
}

pm_status pm_frame_decode_motors(const pm_frame *f, uint8_t *seq, int16_t *left, int16_t *right)
{
    if (!f || !seq || !left || !right || f->type != PM_FRAME_MOTORS || f->len != PM_FRAME_MOTORS_LEN)
        return PM_ERR_ARG;
    *seq = f->payload[0];
    *left = le_int16(f->payload + 1);
    *right = le_int16(f->payload + 3);
    return PM_OK;
}

void pm_frame_parser_init(pm_frame_parser *p)
{
    p->n = 0;
    p->n_ok = p->n_bad_crc = p->n_bad_len = p->n_garbage = 0;
    for (int i = 0; i < PM_FRAME_MAX_BYTES; i++)
        p->buf[i] = 0;
}

/* Removes the first `drop` bytes, then any bytes before the next start byte (counted as garbage), so that
 * buf[0] is a start byte again or the buffer is empty. */
static void parser_shift(pm_frame_parser *p, uint8_t drop)
{
    uint8_t i = drop;
    while (i < p->n && p->buf[i] != PM_FRAME_START) {
        i++;
        p->n_garbage++;
    }
    for (uint8_t j = i; j < p->n; j++)
        p->buf[j - i] = p->buf[j];
    p->n = (uint8_t)(p->n - i);
}

/* Examines the buffered bytes: delivers the first complete valid frame, drops bad ones and rescans. */
static int parser_scan(pm_frame_parser *p, pm_frame *out)
{
    while (p->n >= 2) {
        int len = pm_frame_expected_len(p->buf[1]);
        if (len < 0 || (p->n >= 3 && p->buf[2] != (uint8_t)len)) {
            p->n_bad_len++;
            parser_shift(p, 1); /* the start byte was not a frame start after all: look for the next one */
            continue;
        }
        if (p->n < (uint8_t)(len + 4))
            return 0; /* a valid prefix: wait for more bytes */
        if (pm_crc8(p->buf + 1, (size_t)len + 2u) != p->buf[len + 3]) {
            p->n_bad_crc++;
            parser_shift(p, 1);
            continue;
        }
        out->type = p->buf[1];
        out->len = (uint8_t)len;
        for (int i = 0; i < PM_FRAME_MAX_PAYLOAD; i++)
            out->payload[i] = i < len ? p->buf[3 + i] : 0;
        p->n_ok++;
        parser_shift(p, (uint8_t)(len + 4));
        return 1;
    }
    return 0;
}

int pm_frame_parser_feed(pm_frame_parser *p, uint8_t byte, pm_frame *out)
{
    if (p->n == 0 && byte != PM_FRAME_START) {
        p->n_garbage++;
        return 0;
    }
    /* invariant: n < PM_FRAME_MAX_BYTES here (a complete frame is always consumed by the scan) */
    p->buf[p->n++] = byte;
    return parser_scan(p, out);
}
