/* Tests of model files: bit-exact round trips, refusal of every truncation, byte flip and foreign file, atomic save. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/crc32.h"
#include "primod/net.h"

/* A small trained net with biases, so weights differ from the initial weights and every field is non-default. */
static pm_net *small_trained_net(void)
{
    static const int sizes[] = {4, 3, 2};
    pm_net_config cfg = {.n_inputs = 5, .n_layers = 3, .layer_sizes = sizes, .activation = PM_ACT_TANH,
                         .seed = 0x123456789ABCDEFULL, .use_bias = 1, .init = PM_INIT_SYMMETRIC, .init_scale = 0.75,
                         .first_layer_scale = 0.002};
    pm_net *net = NULL;
    assert_int_equal(pm_net_create(&cfg, &net), PM_OK);
    const double x[5] = {0.1, 0, 0.2, 0.25, 0};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(pm_net_forward(net, x), PM_OK);
        assert_int_equal(pm_net_learn(net, PM_RULE_BACKPROP, 0.4 - 0.3 * i, 0.3, 1), PM_OK);
    }
    assert_true(pm_net_weight_distance(net, -1) > 0);
    return net;
}

/* Saves net to a malloc'ed buffer; *n = its size. */
static unsigned char *save_to_buffer(const pm_net *net, size_t *n)
{
    *n = 0;
    assert_int_equal(pm_net_save_mem(net, NULL, n), PM_ERR_ARG); /* asks for the size */
    assert_true(*n > 0);
    unsigned char *buf = malloc(*n);
    assert_non_null(buf);
    size_t cap = *n;
    assert_int_equal(pm_net_save_mem(net, buf, &cap), PM_OK);
    assert_int_equal(cap, *n);
    return buf;
}

/* Same weights (bit for bit), same initial weights (via the distance), same config. */
static void assert_same_net(const pm_net *a, const pm_net *b)
{
    pm_net_config ca = pm_net_get_config(a), cb = pm_net_get_config(b);
    assert_int_equal(ca.n_inputs, cb.n_inputs);
    assert_int_equal(ca.n_layers, cb.n_layers);
    assert_memory_equal(ca.layer_sizes, cb.layer_sizes, sizeof(int) * (size_t)ca.n_layers);
    assert_int_equal(ca.activation, cb.activation);
    assert_true(ca.seed == cb.seed);
    assert_int_equal(ca.use_bias, cb.use_bias);
    assert_int_equal(ca.init, cb.init);
    assert_true(ca.init_scale == cb.init_scale && ca.first_layer_scale == cb.first_layer_scale);
    for (int l = 0; l < ca.n_layers; l++) {
        int ra, ka, rb, kb;
        const double *wa = pm_net_layer_weights(a, l, &ra, &ka), *wb = pm_net_layer_weights(b, l, &rb, &kb);
        assert_int_equal(ra, rb);
        assert_int_equal(ka, kb);
        assert_memory_equal(wa, wb, sizeof(double) * (size_t)ra * (size_t)ka);
        double da = pm_net_weight_distance(a, l), db = pm_net_weight_distance(b, l);
        assert_memory_equal(&da, &db, sizeof da);
    }
}

/* The standard CRC-32 check value (the CRC catalogue's "123456789" -> 0xCBF43926). */
static void crc32_check_value(void **state)
{
    (void)state;
    assert_int_equal(pm_crc32_update(0, "123456789", 9), 0xCBF43926u);
    /* incremental == one shot */
    assert_int_equal(pm_crc32_update(pm_crc32_update(0, "1234", 4), "56789", 5), 0xCBF43926u);
}

static void round_trip_in_memory_is_bit_exact(void **state)
{
    (void)state;
    pm_net *net = small_trained_net();
    size_t n;
    unsigned char *buf = save_to_buffer(net, &n);
    /* size: 56 fixed + 4*3 sizes + 8 count + 2 * 8 * W + 4 crc, W = 4*6 + 3*5 + 2*4 = 47 */
    assert_int_equal(n, 56 + 12 + 8 + 16 * 47 + 4);
    assert_memory_equal(buf, "PMNET\0\r\n", 8);
    pm_net *back = NULL;
    assert_int_equal(pm_net_load_mem(buf, n, &back), PM_OK);
    assert_same_net(net, back);
    /* and it behaves the same */
    const double x[5] = {0.2, 0.1, 0, 0, 0.05};
    assert_int_equal(pm_net_forward(net, x), PM_OK);
    assert_int_equal(pm_net_forward(back, x), PM_OK);
    assert_memory_equal(pm_net_outputs(net), pm_net_outputs(back), 2 * sizeof(double));
    /* a too-small buffer: PM_ERR_ARG and the needed size */
    size_t small = n - 1;
    assert_int_equal(pm_net_save_mem(net, buf, &small), PM_ERR_ARG);
    assert_int_equal(small, n);
    assert_int_equal(pm_net_save_mem(NULL, buf, &small), PM_ERR_ARG);
    assert_int_equal(pm_net_save_mem(net, buf, NULL), PM_ERR_ARG);
    assert_int_equal(pm_net_load_mem(NULL, n, &back), PM_ERR_ARG);
    assert_int_equal(pm_net_load_mem(buf, n, NULL), PM_ERR_ARG);
    free(buf);
    pm_net_destroy(back);
    pm_net_destroy(net);
}

static void every_truncation_is_refused(void **state)
{
    (void)state;
    pm_net *net = small_trained_net();
    size_t n;
    unsigned char *buf = save_to_buffer(net, &n);
    for (size_t len = 0; len < n; len++) {
        unsigned char *copy = malloc(len ? len : 1); /* exact-size copy so ASan sees any over-read */
        memcpy(copy, buf, len);
        pm_net *out = (pm_net *)(uintptr_t)0x1;
        assert_int_equal(pm_net_load_mem(copy, len, &out), PM_ERR_FORMAT);
        assert_true(out == (pm_net *)(uintptr_t)0x1);
        free(copy);
    }
    /* one byte too many is refused as well */
    unsigned char *longer = calloc(n + 1, 1);
    memcpy(longer, buf, n);
    pm_net *out = NULL;
    assert_int_equal(pm_net_load_mem(longer, n + 1, &out), PM_ERR_FORMAT);
    free(longer);
    free(buf);
    pm_net_destroy(net);
}

static void every_byte_flip_is_refused(void **state)
{
    (void)state;
    pm_net *net = small_trained_net();
    size_t n;
    unsigned char *buf = save_to_buffer(net, &n);
    const unsigned char masks[2] = {0x01, 0xFF};
    for (size_t i = 0; i < n; i++)
        for (int m = 0; m < 2; m++) {
            buf[i] ^= masks[m];
            pm_net *out = NULL;
            pm_status st = pm_net_load_mem(buf, n, &out);
            if (st != PM_ERR_FORMAT)
                print_message("byte %zu mask %02x: status %d\n", i, masks[m], (int)st);
            assert_int_equal(st, PM_ERR_FORMAT);
            assert_null(out);
            buf[i] ^= masks[m];
        }
    pm_net *out = NULL; /* the restored buffer loads again: the flips were the only reason */
    assert_int_equal(pm_net_load_mem(buf, n, &out), PM_OK);
    pm_net_destroy(out);
    free(buf);
    pm_net_destroy(net);
}

/* Rewrites the trailing CRC so a deliberately edited buffer passes the checksum and reaches the other checks. */
static void fix_crc(unsigned char *buf, size_t n)
{
    uint32_t c = pm_crc32_update(0, buf, n - 4);
    for (int i = 0; i < 4; i++)
        buf[n - 4 + i] = (unsigned char)(c >> (8 * i));
}

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void semantic_errors_behind_a_valid_crc(void **state)
{
    (void)state;
    pm_net *net = small_trained_net();
    size_t n;
    unsigned char *orig = save_to_buffer(net, &n);
    unsigned char *buf = malloc(n);
    pm_net *out = NULL;
    /* offsets from the format table in model_file.c */
    struct {
        size_t at;
        uint32_t value;
    } edits[] = {
        {8, 2},                       /* unknown format version */
        {12, 0},                      /* zero inputs */
        {16, 0},                      /* zero layers */
        {16, PM_NET_MAX_LAYERS + 1},  /* too many layers */
        {16, 2},                      /* layer count inconsistent with the rest */
        {20, 4},                      /* unknown activation */
        {24, 2},                      /* bias flag not 0/1 */
        {28, 3},                      /* unknown init */
        {56, 0},                      /* a layer of size 0 */
        {60, PM_NET_MAX_WIDTH + 1},   /* a layer too wide */
        {56 + 12, 46},                /* declared weight count does not match the sizes */
    };
    for (size_t k = 0; k < sizeof edits / sizeof edits[0]; k++) {
        memcpy(buf, orig, n);
        put32(buf + edits[k].at, edits[k].value);
        fix_crc(buf, n);
        assert_int_equal(pm_net_load_mem(buf, n, &out), PM_ERR_FORMAT);
        assert_null(out);
    }
    /* a NaN and an infinite weight, and a NaN initial weight */
    const uint64_t nan_bits = 0x7FF8000000000000ULL, inf_bits = 0x7FF0000000000000ULL;
    const size_t weights_at = 56 + 12 + 8, offsets[3] = {weights_at, weights_at + 8 * 10, weights_at + 8 * 47};
    for (int k = 0; k < 3; k++) {
        memcpy(buf, orig, n);
        uint64_t bits = k == 1 ? inf_bits : nan_bits;
        for (int i = 0; i < 8; i++)
            buf[offsets[k] + (size_t)i] = (unsigned char)(bits >> (8 * i));
        fix_crc(buf, n);
        assert_int_equal(pm_net_load_mem(buf, n, &out), PM_ERR_FORMAT);
    }
    /* control: the unedited buffer with a recomputed CRC still loads */
    memcpy(buf, orig, n);
    fix_crc(buf, n);
    assert_int_equal(pm_net_load_mem(buf, n, &out), PM_OK);
    pm_net_destroy(out);
    free(buf);
    free(orig);
    pm_net_destroy(net);
}

/* Headers declaring enormous nets are refused from the header alone: nothing that size is allocated. */
static void absurd_sizes_are_refused_without_allocation(void **state)
{
    (void)state;
    unsigned char h[56 + 4 * 3 + 8 + 4];
    memset(h, 0, sizeof h);
    memcpy(h, "PMNET\0\r\n", 8);
    put32(h + 8, 1);
    put32(h + 12, 1000000); /* inputs */
    put32(h + 16, 3);
    put32(h + 40 + 4, 0x3FF00000u); /* init_scale = 1.0 (high word of the f64) */
    put32(h + 48 + 4, 0x3F500000u); /* first_layer_scale ~ 0.001 */
    put32(h + 56, 1000000);         /* 1e6 x 1e6 weights in layer 0: over PM_NET_MAX_WEIGHTS */
    put32(h + 60, 1000000);
    put32(h + 64, 1);
    fix_crc(h, sizeof h);
    pm_net *out = NULL;
    assert_int_equal(pm_net_load_mem(h, sizeof h, &out), PM_ERR_FORMAT);
    /* within the limits (1e6 inputs x 99 + 99 + 1 = 99,000,100 weights, 1.6 GB) but the data is not there:
     * refused by the length check, before anything that size is allocated */
    put32(h + 56, 99);
    put32(h + 60, 1);
    put32(h + 64, 1);
    uint64_t nw = 99000000ULL + 99 + 1;
    for (int i = 0; i < 8; i++)
        h[68 + i] = (unsigned char)(nw >> (8 * i));
    fix_crc(h, sizeof h);
    assert_int_equal(pm_net_load_mem(h, sizeof h, &out), PM_ERR_FORMAT);
    assert_null(out);
}

static void foreign_data_is_refused(void **state)
{
    (void)state;
    const char *text = "[net]\nlayers = 10\nthis is a config file, not a model\n";
    const unsigned char png[16] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
    unsigned char zeros[200] = {0};
    pm_net *out = NULL;
    assert_int_equal(pm_net_load_mem(text, strlen(text), &out), PM_ERR_FORMAT);
    assert_int_equal(pm_net_load_mem(png, sizeof png, &out), PM_ERR_FORMAT);
    assert_int_equal(pm_net_load_mem(zeros, sizeof zeros, &out), PM_ERR_FORMAT);
    assert_null(out);
}

/* ---- files ------------------------------------------------------------------------------------------------------ */

/* Number of entries of dir whose name contains ".tmp." (leftover temporary files). */
static int count_temp_files(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += strstr(e->d_name, ".tmp.") != NULL;
    closedir(d);
    return n;
}

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void files_round_trip_and_atomic_save(void **state)
{
    (void)state;
    char dir[] = "/tmp/pm_model_test_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], missing[256], text[256], png[256], subdir[256];
    snprintf(path, sizeof path, "%s/model.pmnet", dir);
    snprintf(missing, sizeof missing, "%s/no/such/dir/model.pmnet", dir);
    snprintf(text, sizeof text, "%s/notes.txt", dir);
    snprintf(png, sizeof png, "%s/picture.png", dir);
    snprintf(subdir, sizeof subdir, "%s/adir", dir);
    pm_net *net = small_trained_net();

    /* save over an existing (garbage) file replaces it */
    write_file(path, "old contents", 12);
    assert_int_equal(pm_net_save(net, path), PM_OK);
    assert_int_equal(count_temp_files(dir), 0);
    pm_net *back = NULL;
    assert_int_equal(pm_net_load(path, &back), PM_OK);
    assert_same_net(net, back);
    pm_net_destroy(back);
    /* the file holds exactly what save_mem produces */
    size_t n;
    unsigned char *mem = save_to_buffer(net, &n);
    FILE *f = fopen(path, "rb");
    unsigned char *disk = malloc(n + 1);
    assert_int_equal(fread(disk, 1, n + 1, f), n);
    fclose(f);
    assert_memory_equal(disk, mem, n);

    /* a directory that does not exist: PM_ERR_IO, nothing left behind */
    assert_int_equal(pm_net_save(net, missing), PM_ERR_IO);
    assert_int_equal(count_temp_files(dir), 0);
    /* the rename fails (target is a directory): PM_ERR_IO, the temp file is removed, the target untouched */
    assert_int_equal(mkdir(subdir, 0755), 0);
    assert_int_equal(pm_net_save(net, subdir), PM_ERR_IO);
    assert_int_equal(count_temp_files(dir), 0);
    struct stat st;
    assert_int_equal(stat(subdir, &st), 0);
    assert_true(S_ISDIR(st.st_mode));

    /* a FIFO is written in place, not replaced by a renamed file (that replaced /dev/null as root) */
    char fifo[256];
    snprintf(fifo, sizeof fifo, "%s/pipe", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    FILE *rd = NULL;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) { /* reader: copies the FIFO to the pipe */
        close(fds[0]);
        FILE *in = fopen(fifo, "rb");
        int c;
        while (in && (c = fgetc(in)) != EOF)
            if (write(fds[1], &(unsigned char){(unsigned char)c}, 1) != 1)
                _exit(1);
        _exit(in ? 0 : 1);
    }
    close(fds[1]);
    assert_int_equal(pm_net_save(net, fifo), PM_OK);
    rd = fdopen(fds[0], "rb");
    unsigned char *piped = malloc(n + 1);
    assert_int_equal(fread(piped, 1, n + 1, rd), n);
    fclose(rd);
    int child_status;
    assert_int_equal(waitpid(child, &child_status, 0), child);
    assert_memory_equal(piped, mem, n);
    free(piped);
    assert_int_equal(stat(fifo, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    assert_int_equal(count_temp_files(dir), 0);
    unlink(fifo);

    /* foreign and truncated files */
    const char *words = "hello, I am a text file\n";
    const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    write_file(text, words, strlen(words));
    write_file(png, sig, sizeof sig);
    assert_int_equal(pm_net_load(text, &back), PM_ERR_FORMAT);
    assert_int_equal(pm_net_load(png, &back), PM_ERR_FORMAT);
    write_file(text, mem, n - 1); /* truncated by one byte */
    assert_int_equal(pm_net_load(text, &back), PM_ERR_FORMAT);
    write_file(text, disk, n);
    assert_int_equal(pm_net_load(text, &back), PM_OK); /* control: the full copy loads */
    pm_net_destroy(back);
    back = NULL;
    assert_int_equal(pm_net_load(missing, &back), PM_ERR_IO);
    assert_int_equal(pm_net_load(subdir, &back), PM_ERR_IO); /* a directory cannot be read */
    assert_null(back);
    assert_int_equal(pm_net_load(NULL, &back), PM_ERR_ARG);
    assert_int_equal(pm_net_save(NULL, path), PM_ERR_ARG);
    assert_int_equal(pm_net_save(net, NULL), PM_ERR_ARG);

    remove(path);
    remove(text);
    remove(png);
    rmdir(subdir);
    assert_int_equal(rmdir(dir), 0); /* empty: nothing else was left in it */
    free(mem);
    free(disk);
    pm_net_destroy(net);
}


/* A model file records everything that determines the network (issue 13); pm_net_check_config names each field in
 * which a loaded net and a requested config differ, and nothing else (init, seed and scales do not count). */
static void config_differences_are_named(void **state)
{
    (void)state;
    pm_net *net = small_trained_net(); /* 5 inputs, layers 4 3 2, tanh, bias */
    size_t n;
    unsigned char *buf = save_to_buffer(net, &n);
    pm_net *loaded = NULL;
    assert_int_equal(pm_net_load_mem(buf, n, &loaded), PM_OK);
    free(buf);
    int sizes[] = {4, 3, 2};
    pm_net_config want = {.n_inputs = 5, .n_layers = 3, .layer_sizes = sizes, .activation = PM_ACT_TANH,
                          .use_bias = 1, .init = PM_INIT_PAPER, .seed = 99}; /* init and seed differ: irrelevant */
    char diff[256];
    assert_int_equal(pm_net_check_config(loaded, &want, diff, sizeof diff), PM_OK);
    assert_string_equal(diff, "");
    want.use_bias = 0; /* only the bias differs: the case whose message used to list two identical shapes */
    assert_int_equal(pm_net_check_config(loaded, &want, diff, sizeof diff), PM_ERR_ARG);
    assert_string_equal(diff, "bias: model on, config off");
    want.use_bias = 1;
    want.activation = PM_ACT_SIGMOID;
    sizes[1] = 12;
    assert_int_equal(pm_net_check_config(loaded, &want, diff, sizeof diff), PM_ERR_ARG);
    assert_string_equal(diff, "layer 2 width: model 3, config 12; activation: model tanh, config sigmoid");
    want.activation = PM_ACT_TANH;
    sizes[1] = 3;
    want.n_inputs = 720;
    want.n_layers = 2;
    assert_int_equal(pm_net_check_config(loaded, &want, diff, sizeof diff), PM_ERR_ARG);
    assert_string_equal(diff, "inputs: model 5, config 720; layers: model 3, config 2");
    /* n_layers 0 is the paper preset: 720 inputs, 10 x 10, 2 outputs, sigmoid, no bias */
    pm_net_config paper = {0};
    assert_int_equal(pm_net_check_config(loaded, &paper, diff, sizeof diff), PM_ERR_ARG);
    assert_string_equal(diff, "inputs: model 5, config 720; layers: model 3, config 11; layer 1 width: model 4, "
                              "config 10; layer 2 width: model 3, config 10; layer 3 width: model 2, config 10; "
                              "activation: model tanh, config sigmoid; bias: model on, config off");
    /* truncation keeps a terminated string */
    char tiny[8];
    assert_int_equal(pm_net_check_config(loaded, &paper, tiny, sizeof tiny), PM_ERR_ARG);
    assert_string_equal(tiny, "inputs:");
    assert_int_equal(pm_net_check_config(NULL, &paper, diff, sizeof diff), PM_ERR_ARG);
    pm_net_destroy(loaded);
    pm_net_destroy(net);
}

/* Only regular files are read, bounded by PM_NET_MAX_FILE, with messages naming the file: a FIFO used to block
 * forever in fopen (alarm turns a hang into a failure), a huge sparse file is refused from its size. */
static void only_bounded_regular_model_files_are_read(void **state)
{
    (void)state;
    char dir[] = "/tmp/pm_model_hostile_XXXXXX", path[96], msg[512];
    assert_non_null(mkdtemp(dir));
    pm_setup opt = {.detail = msg, .detail_size = sizeof msg};
    pm_net *net = NULL;
    snprintf(path, sizeof path, "%s/missing.pmnet", dir);
    assert_int_equal(pm_net_load_ex(path, &opt, &net), PM_ERR_IO);
    assert_non_null(strstr(msg, "missing.pmnet: cannot open: No such file"));
    assert_int_equal(pm_net_load_ex(dir, &opt, &net), PM_ERR_IO);
    assert_non_null(strstr(msg, "is a directory"));
    snprintf(path, sizeof path, "%s/fifo.pmnet", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    alarm(20);
    assert_int_equal(pm_net_load(path, &net), PM_ERR_IO);
    alarm(0);
    assert_int_equal(pm_net_load_ex(path, &opt, &net), PM_ERR_IO);
    assert_non_null(strstr(msg, "fifo.pmnet: not a regular file"));
    unlink(path);
    snprintf(path, sizeof path, "%s/huge.pmnet", dir);
    pm_net *small = small_trained_net();
    assert_int_equal(pm_net_save(small, path), PM_OK);
    assert_int_equal(truncate(path, PM_NET_MAX_FILE + 1), 0); /* sparse */
    assert_int_equal(pm_net_load(path, &net), PM_ERR_LIMIT);
    assert_int_equal(pm_net_load_ex(path, &opt, &net), PM_ERR_LIMIT);
    assert_non_null(strstr(msg, "huge.pmnet: file is"));
    assert_non_null(strstr(msg, "MiB limit of a model"));
    assert_int_equal(pm_net_save(small, path), PM_OK);
    assert_int_equal(truncate(path, 200), 0);
    assert_int_equal(pm_net_load_ex(path, &opt, &net), PM_ERR_FORMAT);
    assert_non_null(strstr(msg, "huge.pmnet: truncated"));
    volatile sig_atomic_t stop = 1;
    pm_setup cancel = {.cancel = &stop};
    assert_int_equal(pm_net_save(small, path), PM_OK);
    assert_int_equal(pm_net_load_ex(path, &cancel, &net), PM_ERR_CANCELLED);
    assert_null(net);
    assert_int_equal(pm_net_load_ex(path, &opt, &net), PM_OK);
    pm_net_destroy(net);
    pm_net_destroy(small);
    unlink(path);
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crc32_check_value),
        cmocka_unit_test(round_trip_in_memory_is_bit_exact),
        cmocka_unit_test(every_truncation_is_refused),
        cmocka_unit_test(every_byte_flip_is_refused),
        cmocka_unit_test(semantic_errors_behind_a_valid_crc),
        cmocka_unit_test(absurd_sizes_are_refused_without_allocation),
        cmocka_unit_test(foreign_data_is_refused),
        cmocka_unit_test(files_round_trip_and_atomic_save),
        cmocka_unit_test(config_differences_are_named),
        cmocka_unit_test(only_bounded_regular_model_files_are_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
