/* Tests of the serial framing and CRC-8: known vectors, round trips, corruption, garbage and resync. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "primod/frame.h"
#include "primod/rng.h"

/* Independent reference CRC: long division of the message (times x^8) by x^8 + x^2 + x + 1, bit by bit
 * over a bit array, written differently from the library's byte loop. */
static uint8_t reference_crc8(const uint8_t *data, size_t n)
{
    unsigned reg = 0; /* 9-bit register holding the running remainder */
    for (size_t i = 0; i < n + 1; i++) {
        for (int b = 7; b >= 0; b--) {
            unsigned bit = i < n ? (data[i] >> b) & 1u : 0u; /* 8 appended zero bits = multiply by x^8 */
            reg = (reg << 1) | bit;
            if (reg & 0x100u)
                reg ^= 0x107u;
        }
    }
    return (uint8_t)reg;
}

static int feed_all(pm_frame_parser *p, const uint8_t *bytes, size_t n, pm_frame *frames, int max_frames)
{
    int got = 0;
    pm_frame f;
    for (size_t i = 0; i < n; i++)
        if (pm_frame_parser_feed(p, bytes[i], &f)) {
            if (got < max_frames)
                frames[got] = f;
            got++;
        }
    return got;
}

static void crc_known_vectors(void **state)
{
    (void)state;
    /* the catalogue check value of CRC-8 (poly 0x07, init 0, no reflection, no xorout) */
    assert_int_equal(pm_crc8((const uint8_t *)"123456789", 9), 0xF4);
    assert_int_equal(pm_crc8(NULL, 0), 0x00);
    /* one byte 0x01: remainder of x^8 mod (x^8+x^2+x+1) = x^2+x+1 = 0x07 */
    assert_int_equal(pm_crc8((const uint8_t[]){0x01}, 1), 0x07);
    assert_int_equal(reference_crc8((const uint8_t *)"123456789", 9), 0xF4);
    pm_rng r;
    pm_rng_seed(&r, 5);
    for (int t = 0; t < 200; t++) {
        uint8_t msg[16];
        size_t n = (size_t)(pm_rng_next(&r) % 17);
        for (size_t i = 0; i < n; i++)
            msg[i] = (uint8_t)pm_rng_next(&r);
        assert_int_equal(pm_crc8(msg, n), reference_crc8(msg, n));
    }
}

static void encode_layout_and_round_trip(void **state)
{
    (void)state;
    uint8_t buf[PM_FRAME_MAX_BYTES];
    /* M frame: seq 7, left -200 (0xFF38 LE: 38 FF), right 513 (0x0201 LE: 01 02) */
    size_t n = pm_frame_encode_motors(7, -200, 513, buf);
    assert_int_equal(n, 9);
    const uint8_t expect[8] = {0x7E, 0x4D, 5, 7, 0x38, 0xFF, 0x01, 0x02};
    assert_memory_equal(buf, expect, 8);
    assert_int_equal(buf[8], reference_crc8(buf + 1, 7));
    pm_frame_parser p;
    pm_frame_parser_init(&p);
    pm_frame f;
    assert_int_equal(feed_all(&p, buf, n, &f, 1), 1);
    uint8_t seq;
    int16_t l, r;
    assert_int_equal(pm_frame_decode_motors(&f, &seq, &l, &r), PM_OK);
    assert_int_equal(seq, 7);
    assert_int_equal(l, -200);
    assert_int_equal(r, 513);
    /* extremes of int16 survive */
    n = pm_frame_encode_motors(255, INT16_MIN, INT16_MAX, buf);
    assert_int_equal(feed_all(&p, buf, n, &f, 1), 1);
    assert_int_equal(pm_frame_decode_motors(&f, &seq, &l, &r), PM_OK);
    assert_int_equal(l, INT16_MIN);
    assert_int_equal(r, INT16_MAX);
    /* H frame: 7E 48 00 crc(48 00) */
    n = pm_frame_encode_halt(buf);
    assert_int_equal(n, 4);
    assert_int_equal(buf[3], reference_crc8((const uint8_t[]){0x48, 0x00}, 2));
    assert_int_equal(feed_all(&p, buf, n, &f, 1), 1);
    assert_int_equal(f.type, PM_FRAME_HALT);
    assert_int_equal(f.len, 0);
    /* S frame carries seq + 8 sensors */
    const uint8_t s[8] = {0, 10, 0x7E, 30, 40, 50, 60, 255};
    n = pm_frame_encode_sensors(42, s, buf);
    assert_int_equal(n, 13);
    assert_int_equal(feed_all(&p, buf, n, &f, 1), 1);
    assert_int_equal(f.type, PM_FRAME_SENSORS);
    assert_int_equal(f.payload[0], 42);
    assert_memory_equal(f.payload + 1, s, 8);
    assert_int_equal(p.n_ok, 4);
    assert_int_equal(p.n_bad_crc + p.n_bad_len + p.n_garbage, 0);
}

static void encode_rejects_bad_arguments(void **state)
{
    (void)state;
    uint8_t out[PM_FRAME_MAX_BYTES], pay[9] = {0};
    size_t n = 99;
    assert_int_equal(pm_frame_encode(0x41, pay, 0, out, sizeof out, &n), PM_ERR_ARG);               /* unknown type */
    assert_int_equal(pm_frame_encode(PM_FRAME_MOTORS, pay, 4, out, sizeof out, &n), PM_ERR_ARG);   /* wrong len */
    assert_int_equal(pm_frame_encode(PM_FRAME_SENSORS, pay, 9, out, 12, &n), PM_ERR_ARG);          /* too small */
    assert_int_equal(pm_frame_encode(PM_FRAME_SENSORS, NULL, 9, out, sizeof out, &n), PM_ERR_ARG);
    assert_int_equal(pm_frame_encode(PM_FRAME_HALT, NULL, 0, NULL, sizeof out, &n), PM_ERR_ARG);
    assert_int_equal(n, 99); /* untouched on error */
    pm_frame f = {.type = PM_FRAME_SENSORS, .len = 9};
    uint8_t seq;
    int16_t l, r;
    assert_int_equal(pm_frame_decode_motors(&f, &seq, &l, &r), PM_ERR_ARG);
}

/* Every single-byte corruption of a frame (every position, every other value) is rejected, and the valid frame
 * sent right after it is still received: the corrupted frame never leaks through. All three frame types. */
static void corrupt_each_byte(const uint8_t *good, size_t n, long *cases)
{
    const uint8_t s[8] = {200, 180, 20, 15, 16, 22, 190, 210};
    uint8_t next[PM_FRAME_MAX_BYTES];
    size_t n_next = pm_frame_encode_sensors(10, s, next);
    for (size_t pos = 0; pos < n; pos++) {
        for (int v = 0; v < 256; v++) {
            if (v == good[pos])
                continue;
            uint8_t bad[PM_FRAME_MAX_BYTES];
            memcpy(bad, good, n);
            bad[pos] = (uint8_t)v;
            pm_frame_parser p;
            pm_frame_parser_init(&p);
            pm_frame frames[4];
            assert_int_equal(feed_all(&p, bad, n, frames, 4), 0);
            assert_int_equal(feed_all(&p, next, n_next, frames, 4), 1);
            assert_int_equal(frames[0].type, PM_FRAME_SENSORS);
            assert_int_equal(frames[0].payload[0], 10);
            /* a corrupted start byte is garbage; anything else is a counted bad frame */
            if (pos > 0)
                assert_true(p.n_bad_crc + p.n_bad_len >= 1);
            (*cases)++;
        }
    }
}

static void every_single_byte_corruption_rejected(void **state)
{
    (void)state;
    const uint8_t s[8] = {200, 180, 20, 15, 16, 22, 190, 210};
    uint8_t f[PM_FRAME_MAX_BYTES];
    long cases = 0;
    corrupt_each_byte(f, pm_frame_encode_sensors(9, s, f), &cases);
    corrupt_each_byte(f, pm_frame_encode_motors(9, -150, 120, f), &cases);
    corrupt_each_byte(f, pm_frame_encode_halt(f), &cases);
    assert_int_equal(cases, (13 + 9 + 4) * 255); /* frame sizes 13, 9, 4 bytes; 255 wrong values per byte */
}

/* Random garbage (including 0x7E bytes and truncated frames) between valid frames: every valid frame is found. */
static void resync_after_random_garbage(void **state)
{
    (void)state;
    pm_rng r;
    pm_rng_seed(&r, 77);
    static uint8_t stream[20000];
    size_t len = 0;
    int sent = 0;
    uint8_t expect_seq[800];
    while (len + 64 < sizeof stream && sent < 800) {
        size_t g = (size_t)(pm_rng_next(&r) % 12);
        for (size_t i = 0; i < g; i++) {
            uint64_t x = pm_rng_next(&r);
            stream[len++] = (x & 3) == 0 ? PM_FRAME_START : (uint8_t)(x >> 8); /* many fake start bytes */
        }
        if (pm_rng_next(&r) % 4 == 0) { /* a truncated frame: start of a real frame, cut short */
            uint8_t tmp[PM_FRAME_MAX_BYTES], s[8] = {1, 2, 3, 4, 5, 6, 7, 8};
            size_t m = pm_frame_encode_sensors(0, s, tmp);
            size_t cut = 1 + (size_t)(pm_rng_next(&r) % (m - 1));
            memcpy(stream + len, tmp, cut);
            len += cut;
        }
        uint8_t s[8];
        for (int i = 0; i < 8; i++)
            s[i] = (uint8_t)pm_rng_next(&r);
        expect_seq[sent] = (uint8_t)sent;
        len += pm_frame_encode_sensors((uint8_t)sent, s, stream + len);
        sent++;
    }
    pm_frame_parser p;
    pm_frame_parser_init(&p);
    static pm_frame frames[1000];
    int got = feed_all(&p, stream, len, frames, 1000);
    /* Garbage can, rarely, itself form a valid frame by chance (1 in 256 for a well-formed header); every sent
     * frame must be received in order, extra chance frames are allowed but must be few. */
    int k = 0;
    for (int i = 0; i < got && k < sent; i++)
        if (frames[i].type == PM_FRAME_SENSORS && frames[i].payload[0] == expect_seq[k])
            k++;
    assert_int_equal(k, sent);
    assert_true(got - sent <= sent / 50);
    assert_true(p.n_bad_crc + p.n_bad_len > 0);
    assert_true(p.n_garbage > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crc_known_vectors),
        cmocka_unit_test(encode_layout_and_round_trip),
        cmocka_unit_test(encode_rejects_bad_arguments),
        cmocka_unit_test(every_single_byte_corruption_rejected),
        cmocka_unit_test(resync_after_random_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
