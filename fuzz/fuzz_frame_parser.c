/* libFuzzer target: arbitrary bytes into the serial frame parser (SPEC §7 link) must keep its invariants. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "primod/frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

/* Counters of the parser as one array, to check that none ever decreases. */
static void counters(const pm_frame_parser *p, uint32_t c[4])
{
    c[0] = p->n_ok, c[1] = p->n_bad_crc, c[2] = p->n_bad_len, c[3] = p->n_garbage;
}

/* Feeds data[i] and checks: counters never decrease, n_ok grows by exactly one per delivered frame, the buffer
 * is the last n bytes fed and starts with a start byte, and a delivered frame is well formed and re-encodes to
 * bytes that were fed, inside that buffer window (the parser only ever looks at the last n bytes).
 * Returns 1 when a frame was delivered (*f filled). */
static int feed_checked(pm_frame_parser *p, const uint8_t *data, size_t i, pm_frame *f)
{
    uint32_t before[4], after[4];
    counters(p, before);
    size_t window = (size_t)p->n + 1;   /* bytes the parser may use: what it held plus this one */
    int got = pm_frame_parser_feed(p, data[i], f);
    counters(p, after);
    for (int k = 0; k < 4; k++)
        CHECK(after[k] >= before[k]);
    CHECK(after[0] == before[0] + (uint32_t)(got == 1));
    CHECK(got == 0 || got == 1);
    CHECK(p->n < PM_FRAME_MAX_BYTES && p->n <= i + 1);
    CHECK(p->n == 0 || p->buf[0] == PM_FRAME_START);
    CHECK(memcmp(p->buf, data + i + 1 - p->n, p->n) == 0);
    if (!got)
        return 0;
    CHECK(pm_frame_expected_len(f->type) == (int)f->len);
    for (int k = f->len; k < PM_FRAME_MAX_PAYLOAD; k++)
        CHECK(f->payload[k] == 0);
    uint8_t enc[PM_FRAME_MAX_BYTES];
    size_t n_enc = 0;
    CHECK(pm_frame_encode(f->type, f->payload, f->len, enc, sizeof enc, &n_enc) == PM_OK);
    CHECK(n_enc == (size_t)f->len + 4 && n_enc <= window);
    int found = 0;
    for (size_t start = i + 1 - window; !found && start + n_enc <= i + 1; start++)
        found = memcmp(data + start, enc, n_enc) == 0;
    CHECK(found);
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the input, then 2 x PM_FRAME_MAX_BYTES zero bytes (no start byte), then one valid sensor frame */
    enum { FLUSH = 2 * PM_FRAME_MAX_BYTES };
    static uint8_t buf[4096 + FLUSH + PM_FRAME_MAX_BYTES];
    if (size > 4096)
        size = 4096;
    memcpy(buf, data, size);
    memset(buf + size, 0, FLUSH);
    const uint8_t sensors[PM_FRAME_N_SENSORS] = {1, 2, 3, 0x7E, 5, 6, 7, 8};
    size_t n_frame = pm_frame_encode_sensors(0x7E, sensors, buf + size + FLUSH);
    CHECK(n_frame == PM_FRAME_SENSORS_LEN + 4);
    size_t total = size + FLUSH + n_frame;

    pm_frame_parser p;
    pm_frame_parser_init(&p);
    pm_frame f;
    for (size_t i = 0; i < size + FLUSH; i++)
        feed_checked(&p, buf, i, &f);
    /* resynchronisation: after a stretch of bytes without a start byte the parser is idle, whatever came
     * before, and the next valid frame is delivered on its last byte, intact */
    CHECK(p.n == 0);
    for (size_t i = size + FLUSH; i < total; i++) {
        int got = feed_checked(&p, buf, i, &f);
        CHECK(got == (i + 1 == total));
    }
    CHECK(f.type == PM_FRAME_SENSORS && f.payload[0] == 0x7E && memcmp(f.payload + 1, sensors, 8) == 0);
    CHECK(p.n == 0);
    return 0;
}
