/* Tests of the run core (src/experiment/run.c) and the batch library (batch*.c): records, stops, names, plans,
 * grouping, summaries. */
#define _POSIX_C_SOURCE 200809L /* mkstemp, dup, fileno */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "primod/batch.h"
#include "primod/version.h"
#include "primod/run.h"

static void test_result_json_round_trip(void **state)
{
    (void)state;
    pm_run_result a, b;
    memset(&a, 0, sizeof a);
    snprintf(a.rule, sizeof a.rule, "sr");
    snprintf(a.track, sizeof a.track, "a \"quoted\" path.png");
    a.seed = 123456789;
    a.rate = 1.0 / 3.0;
    a.steps = 5000;
    a.success = 0;
    a.success_step = -1;
    a.lost = 1;
    a.mean_abs_error = 0.1;
    a.error_integral = 1e300;
    a.final_mean_abs_error = 2.5e-17;
    a.n_layers = 3;
    a.weight_distance[0] = 0.7;
    a.weight_distance[1] = 1e-9;
    a.weight_distance[2] = 3;
    a.steps_per_second = 12345.5;
    a.learning_enabled = 0;
    a.saturation = NAN;   /* undefined -> null -> NaN */
    a.chatter = 6.25;
    a.max_abs_weight = 4.75;
    a.smooth_success = 1;
    pm_json j;
    pm_json_init(&j);
    pm_run_result_json(&a, NULL, &j);
    assert_non_null(strstr(pm_json_text(&j), "\"success_step\":null"));
    /* the record names the program that wrote it (batch resumption checks these) */
    assert_non_null(strstr(pm_json_text(&j), "\"primod_version\":\"" PM_VERSION_STRING "\""));
    assert_non_null(strstr(pm_json_text(&j), "\"result_format\":2"));
    assert_non_null(strstr(pm_json_text(&j), "\"interrupted\":false"));
    pm_jv *v = pm_jv_parse(pm_json_text(&j));
    assert_non_null(v);
    assert_int_equal(pm_run_result_from_json(v, &b), 0);
    assert_memory_equal(&a, &b, sizeof a);   /* every field back bit-exact (memset padding on both sides) */
    pm_jv_free(v);
    pm_json_free(&j);
    a.interrupted = 1;   /* issue 10: an interrupted run says so, and reads back so */
    pm_json_init(&j);
    pm_run_result_json(&a, NULL, &j);
    assert_non_null(strstr(pm_json_text(&j), "\"interrupted\":true"));
    v = pm_jv_parse(pm_json_text(&j));
    assert_int_equal(pm_run_result_from_json(v, &b), 0);
    assert_int_equal(b.interrupted, 1);
    pm_jv_free(v);
    pm_json_free(&j);
    v = pm_jv_parse("{\"rule\": \"pm\"}");
    assert_int_equal(pm_run_result_from_json(v, &b), -1);   /* a record without the required fields */
    pm_jv_free(v);
}

static void test_runner_refuses_bad_setups(void **state)
{
    (void)state;
    pm_config c;
    pm_runner *r = NULL;
    char err[PM_CFG_ERR_MAX];
    pm_config_defaults(&c);
    snprintf(c.track, sizeof c.track, "moebius");
    assert_int_equal(pm_runner_create(&c, NULL, &r, err), PM_EXIT_USAGE);
    assert_null(r);
    assert_non_null(strstr(err, "unknown track 'moebius'"));
    pm_config_defaults(&c);
    c.n_start = 3;
    c.start[0] = -50;   /* the world is 250 x 250 units from (0, 0) (SPEC §6) */
    c.start[1] = 100;
    assert_int_equal(pm_runner_create(&c, NULL, &r, err), PM_EXIT_USAGE);
    assert_non_null(strstr(err, "off the track"));
    pm_config_defaults(&c);
    c.predictor_rows = 1;   /* curvature relevance compares rows 1 and 2 (SPEC §3) */
    assert_int_equal(pm_runner_create(&c, NULL, &r, err), PM_EXIT_USAGE);
    assert_non_null(strstr(err, "predictor_rows"));
    c.rule = PM_CFG_RULE_REFLEX;
    assert_int_equal(pm_runner_create(&c, "/nonexistent/model", &r, err), PM_EXIT_USAGE);
    assert_null(r);
}

static void test_runner_stops_at_max_steps(void **state)
{
    (void)state;
    pm_config c;
    pm_runner *r;
    char err[PM_CFG_ERR_MAX];
    pm_config_defaults(&c);
    c.rule = PM_CFG_RULE_REFLEX;
    c.max_steps = 50;
    assert_int_equal(pm_runner_create(&c, NULL, &r, err), PM_EXIT_OK);
    assert_int_equal(pm_runner_n_layers(r), 0);
    pm_runner_step_info s;
    long n = 0;
    while (!pm_runner_step(r, &s)) {
        assert_int_equal(s.step, n);
        assert_null(s.outputs);
        assert_true(s.steering == s.error);   /* reflex: s(n) = E(n) (SPEC §5) */
        assert_true(s.left - s.right == 2 * s.steering);
        n++;
    }
    assert_int_equal(n, 50);
    assert_true(pm_runner_done(r));
    assert_int_equal(pm_runner_step(r, &s), -1);
    pm_runner_destroy(r);
}

/* With stop_on_success the run ends where success is declared: at success_step + hold - 1 (SPEC §6), so the
 * number of steps taken is success_step + hold. */
static void test_run_stops_at_success(void **state)
{
    (void)state;
    pm_run_options o;
    pm_run_result res;
    char err[PM_CFG_ERR_MAX];
    memset(&o, 0, sizeof o);
    pm_config_defaults(&o.cfg);
    o.cfg.rule = PM_CFG_RULE_BP;
    o.cfg.max_steps = 20000;
    assert_int_equal(pm_run(&o, &res, err), PM_EXIT_OK);
    assert_true(res.success);
    assert_true(res.success_step >= 399);   /* earliest possible with warm-up 200 and window 200 */
    assert_int_equal(res.steps, res.success_step + o.cfg.hold);
    assert_int_equal(res.n_layers, 11);     /* 10 hidden + output */
    assert_string_equal(res.rule, "bp");
    assert_true(res.rate == 10); /* BP's default: its best swept rate (tools/config.c) */
}

/* run's argv parser: preset < --config files < the other options in the order given, wherever --preset and
 * --config stand; every shorthand lands on its config key; paths point into argv. */
static void test_run_parse_args_layers_and_shorthands(void **state)
{
    (void)state;
    char ini[] = "/tmp/primod-parse-XXXXXX";
    int fd = mkstemp(ini);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("[robot]\nspeed = 50\n[learning]\nrate_pm = 0.5\n", f);
    fclose(f);
    char *argv[] = {"run", "--max-steps=7", "--set", "robot.speed=45", "--config", ini, "--preset", "study",
                    "--rule", "bp", "--seed", "9", "--rate", "0.25", "--track", "oval", "--start", "1,2,90",
                    "--json", "--quiet", "--log", "x.tsv", "--save-model", "m.out", "--load-model", "m.in"};
    pm_run_options o;
    int json = 0;
    char err[PM_CFG_ERR_MAX];
    assert_int_equal(pm_run_parse_args((int)(sizeof argv / sizeof *argv), argv, &o, &json, err), 0);
    remove(ini);
    assert_true(o.cfg.speed == 45);          /* --set beats the file (50), which beats the study preset (60) */
    assert_true(o.cfg.rate_pm == 0.5);       /* from the file */
    assert_int_equal(o.cfg.max_steps, 7);
    assert_int_equal(o.cfg.rule, PM_CFG_RULE_BP);
    assert_true(o.cfg.seed == 9);
    assert_true(o.cfg.rate == 0.25);
    assert_string_equal(o.cfg.track, "oval");
    assert_int_equal(o.cfg.n_start, 3);
    assert_true(o.cfg.start[0] == 1 && o.cfg.start[1] == 2 && o.cfg.start[2] == 90);
    assert_int_equal(json, 1);
    assert_int_equal(o.progress, 0);          /* --quiet */
    assert_ptr_equal(o.log_path, argv[21]);
    assert_ptr_equal(o.save_model, argv[23]);
    assert_ptr_equal(o.load_model, argv[25]);

    char *plain[] = {"run"};
    assert_int_equal(pm_run_parse_args(1, plain, &o, &json, err), 0);
    pm_config paper;
    pm_config_defaults(&paper);
    char which[64];
    assert_true(pm_config_equal(&o.cfg, &paper, which, sizeof which));
    assert_int_equal(json, 0);
    assert_int_equal(o.progress, 1);
    assert_null(o.log_path);
}

/* Bad arguments: exit code 2 and the message in the buffer, nothing on stderr (capi relies on that). */
static void test_run_parse_args_errors(void **state)
{
    (void)state;
    static const struct {
        int argc;
        char *argv[3];
        const char *message;
    } cases[] = {
        {2, {"run", "--bogus"}, "unknown option '--bogus'"},
        {3, {"run", "--rate", "abc"}, "--rate: not a number: 'abc'"},
        {2, {"run", "--rate"}, "--rate: missing value"},
        {2, {"run", "--max-steps=1.5"}, "--max-steps: not an integer: '1.5'"},
        {3, {"run", "--preset", "fast"}, "unknown preset 'fast'"},
        {3, {"run", "--set", "robot.sped=3"}, "[robot] sped: unknown key"},
        {3, {"run", "--config", "/nonexistent/p.ini"}, "/nonexistent/p.ini"},
        {2, {"run", "stray"}, "unknown option 'stray'"},
        {2, {"run", "--help"}, "unknown option '--help'"},   /* the command answers --help before parsing */
    };
    char log[] = "/tmp/primod-stderr-XXXXXX";
    int fd = mkstemp(log);
    assert_true(fd >= 0);
    fflush(stderr);
    int saved = dup(fileno(stderr));
    dup2(fd, fileno(stderr));
    int codes[sizeof cases / sizeof cases[0]];
    char errs[sizeof cases / sizeof cases[0]][PM_CFG_ERR_MAX];
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        pm_run_options o;
        int json;
        char *argv[3] = {cases[k].argv[0], cases[k].argv[1], cases[k].argv[2]};
        errs[k][0] = 0;
        codes[k] = pm_run_parse_args(cases[k].argc, argv, &o, &json, errs[k]);
    }
    fflush(stderr);
    dup2(saved, fileno(stderr));
    close(saved);
    off_t printed = lseek(fd, 0, SEEK_END);
    close(fd);
    remove(log);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        if (!strstr(errs[k], cases[k].message))
            fail_msg("case %zu: '%s' lacks '%s'", k, errs[k], cases[k].message);
        assert_int_equal(codes[k], PM_EXIT_USAGE);
    }
    assert_int_equal(printed, 0);
}

/* The CLI config -> pm_loop_config mapping shared by the simulation and the robot. */
static void test_cli_loop_config_mapping(void **state)
{
    (void)state;
    pm_config c;
    pm_config_defaults(&c);
    c.n_hidden = 2;
    c.hidden[0] = 20;
    c.hidden[1] = 7;
    c.outputs = 3;
    c.rule = PM_CFG_RULE_SR;
    c.rate_sr = 0.125;
    c.filter_kind = PM_CFG_FILTER_DELAY;
    c.filter_n = 4;
    c.seed = 77;
    c.lost_steps = 33;
    int sizes[PM_RUN_MAX_LAYERS];
    pm_loop_config l;
    pm_config_loop_config(&c, sizes, &l);
    assert_int_equal(l.net.n_layers, 3);      /* the explicit list wins over hidden_layers x hidden_width */
    assert_ptr_equal(l.net.layer_sizes, sizes);
    assert_int_equal(sizes[0], 20);
    assert_int_equal(sizes[1], 7);
    assert_int_equal(sizes[2], 3);
    assert_int_equal(l.n_predictors, 3 * 48); /* paper rows x sensors per row */
    assert_int_equal(l.n_rows, 3);
    assert_int_equal(l.filter.kind, PM_FILTER_DELAY);
    assert_int_equal(l.filter.n_filters, 4);
    assert_int_equal(l.rule, PM_LOOP_SR);
    assert_true(l.rate == 0.125);             /* learning.rate = 0: the rule's own default */
    assert_true(l.net.seed == 77);
    assert_ptr_equal(l.output_mix, c.output_mix);
    assert_int_equal(l.lost_steps, 33);
    assert_int_equal(l.learn, 1);
    c.n_hidden = 0;
    c.hidden_layers = 4;
    c.hidden_width = 6;
    pm_config_loop_config(&c, sizes, &l);
    assert_int_equal(l.net.n_layers, 5);      /* 4 hidden of 6, then the 3 outputs */
    assert_int_equal(sizes[3], 6);
    assert_int_equal(sizes[4], 3);
}

/* Learning switched off through the runner: the weights stay at their initial values (distance exactly 0);
 * the same run with learning on moves them. */
static void test_runner_set_learning(void **state)
{
    (void)state;
    assert_int_equal(pm_runner_set_learning(NULL, 0), PM_ERR_ARG);
    pm_config c;
    pm_config_defaults(&c);
    c.rule = PM_CFG_RULE_BP;
    c.max_steps = 60;
    char err[PM_CFG_ERR_MAX];
    double d[PM_RUN_MAX_LAYERS], moved = 0;
    for (int on = 0; on <= 1; on++) {
        pm_runner *r;
        pm_runner_step_info s;
        assert_int_equal(pm_runner_create(&c, NULL, &r, err), PM_EXIT_OK);
        assert_int_equal(pm_runner_set_learning(r, on), PM_OK);
        while (!pm_runner_step(r, &s))
            ;
        pm_runner_weight_distances(r, d);
        double sum = 0;
        for (int k = 0; k < pm_runner_n_layers(r); k++)
            sum += d[k];
        if (!on)
            assert_true(sum == 0);
        moved = sum;
        pm_runner_destroy(r);
    }
    assert_true(moved > 0);
}

static pm_batch_slot slot(const char *group, int success, long step, double integral)
{
    pm_batch_slot s;
    memset(&s, 0, sizeof s);
    snprintf(s.group, sizeof s.group, "%s", group);
    snprintf(s.res.rule, sizeof s.res.rule, "%s", group);
    s.res.success = success;
    s.res.success_step = success ? step : -1;
    s.res.error_integral = integral;
    s.res.final_mean_abs_error = integral / 100;
    s.res.steps = 1000;
    s.res.steps_per_second = 500;   /* 2 s each */
    s.json = (char *)"{}";          /* a slot counts only with a result (never freed here) */
    return s;
}

static void test_summary_statistics(void **state)
{
    (void)state;
    pm_batch_slot s[8] = {slot("pm", 1, 1000, 4), slot("bp", 0, 0, 9), slot("pm", 1, 400, 1),
                          slot("pm", 0, 0, 10), slot("pm", 1, 700, 2), slot("pm", 1, 500, 3),
                          slot("pm", 1, 1, 0), slot("pm", 1, 2, 0)};
    s[6].json = NULL;         /* a run that did not finish: no result */
    s[7].interrupted = 1;     /* stopped by a signal: not a result either (issue 10) */
    pm_batch_summary *g;
    int n;
    assert_int_equal(pm_batch_summarize(s, 8, &g, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(g[0].group, "pm");   /* order of first appearance */
    assert_int_equal(g[0].runs, 5);
    assert_int_equal(g[0].successes, 4);
    assert_true(g[0].success_rate == 0.8);
    /* success steps sorted 400 500 700 1000: median (500 + 700)/2 = 600;
     * type-7 q1: h = 3 * 0.25 = 0.75 -> 400 + 0.75 * 100 = 475; q3: h = 2.25 -> 700 + 0.25 * 300 = 775 */
    assert_true(g[0].median_success_step == 600);
    assert_true(g[0].iqr_lo == 475 && g[0].iqr_hi == 775);
    assert_true(g[0].median_error_integral == 3);            /* of 4 1 10 2 3 */
    assert_true(fabs(g[0].mean_final_abs_error - 0.04) < 1e-15); /* (4+1+10+2+3)/100/5 = 20/500 */
    assert_true(g[0].wall_seconds == 10);
    assert_true(g[0].success_lo < 0.8 && g[0].success_hi > 0.8);
    /* controller quality (SPEC §9): slot() gives no chatter (0) and no smooth success; set some */
    free(g);
    s[0].res.smooth_success = 1, s[0].res.chatter = 0.5;
    s[2].res.smooth_success = 1, s[2].res.chatter = 0.25;
    s[3].res.chatter = NAN;                                   /* not measured: left out of the median */
    s[4].res.chatter = 6, s[5].res.chatter = 7;
    assert_int_equal(pm_batch_summarize(s, 6, &g, &n), 0);
    assert_int_equal(g[0].smooth_successes, 2);
    assert_true(g[0].smooth_rate == 0.4);                     /* 2 of 5 runs */
    /* Wilson 95 % interval of 2/5 (z = 1.959964): centre (0.4 + z^2/10) / (1 + z^2/5) = 0.47656..., half width
     * z sqrt(0.4 * 0.6 / 5 + z^2 / 100) / (1 + z^2 / 5) = 0.35891...: [0.1176, 0.7693] */
    assert_true(fabs(g[0].smooth_lo - 0.1176) < 1e-3 && fabs(g[0].smooth_hi - 0.7693) < 1e-3);
    assert_true(g[0].median_chatter == 3.25);                 /* of 0.25 0.5 6 7 */
    pm_json jq;
    pm_json_init(&jq);
    pm_batch_summary_json(&g[0], &jq);
    assert_non_null(strstr(pm_json_text(&jq), "\"smooth_successes\":2"));
    assert_non_null(strstr(pm_json_text(&jq), "\"median_chatter\":3.25"));
    pm_json_free(&jq);
    assert_int_equal(g[1].successes, 0);
    assert_true(isnan(g[1].median_success_step));             /* printed as null */
    pm_json j;
    pm_json_init(&j);
    pm_batch_summary_json(&g[1], &j);
    assert_non_null(strstr(pm_json_text(&j), "\"median_success_step\":null"));
    assert_non_null(strstr(pm_json_text(&j), "\"iqr\":null"));
    pm_json_free(&j);
    free(g);
}

static void test_job_names_and_quoting(void **state)
{
    (void)state;
    pm_batch_job a, b;
    memset(&a, 0, sizeof a);
    pm_config_defaults(&a.cfg);
    a.cfg.seed = 7;
    b = a;
    char err[PM_CFG_ERR_MAX];
    assert_int_equal(pm_batch_job_name(&a, NULL, 0, err), 0);
    assert_int_equal(pm_batch_job_name(&b, NULL, 0, err), 0);
    assert_string_equal(a.file, b.file);
    assert_int_equal(strncmp(a.file, "pm_s7_paper_", 12), 0);
    b.cfg.rate_pm = 2e-5;   /* any setting changes the name: a resumed batch never reuses another config's run */
    pm_batch_job_name(&b, NULL, 0, err);
    assert_string_not_equal(a.file, b.file);
    /* a PNG track is hashed by its contents: a missing file cannot be named */
    snprintf(b.cfg.track, sizeof b.cfg.track, "/no such dir/my track.png");
    assert_int_equal(pm_batch_job_name(&b, NULL, 0, err), -1);
    assert_non_null(strstr(err, "/no such dir/my track.png: cannot read"));
    char dir[] = "/tmp/primod-name-XXXXXX";
    assert_non_null(mkdtemp(dir));
    snprintf(b.cfg.track, sizeof b.cfg.track, "%s/my track.png", dir);
    FILE *f = fopen(b.cfg.track, "wb");
    assert_non_null(f);
    fputs("first track", f);
    fclose(f);
    assert_int_equal(pm_batch_job_name(&b, NULL, 0, err), 0);
    assert_non_null(strstr(b.file, "_my_track.png_"));
    assert_null(strchr(b.file, '/'));
    char first[PM_BATCH_FILE_MAX];
    snprintf(first, sizeof first, "%s", b.file);
    /* same path, other contents (issue 10: an edited track reused the old results): another name */
    f = fopen(b.cfg.track, "wb");
    fputs("other track", f);
    fclose(f);
    pm_batch_job_name(&b, NULL, 0, err);
    assert_string_not_equal(first, b.file);
    /* the model file and extra files (the --config INIs) count the same way */
    char model[64], ini[64];
    snprintf(model, sizeof model, "%s/m.model", dir);
    snprintf(ini, sizeof ini, "%s/c.ini", dir);
    f = fopen(model, "wb");
    fputs("model A", f);
    fclose(f);
    f = fopen(ini, "wb");
    fputs("[run]\n", f);
    fclose(f);
    b.load_model = model;
    const char *extra[1] = {ini};
    pm_batch_job_name(&b, extra, 1, err);
    snprintf(first, sizeof first, "%s", b.file);
    f = fopen(model, "wb");
    fputs("model B", f);
    fclose(f);
    pm_batch_job_name(&b, extra, 1, err);
    assert_string_not_equal(first, b.file);
    snprintf(first, sizeof first, "%s", b.file);
    f = fopen(ini, "wb");
    fputs("[run]\n# edited\n", f);
    fclose(f);
    pm_batch_job_name(&b, extra, 1, err);
    assert_string_not_equal(first, b.file);
    snprintf(first, sizeof first, "%s", b.file);
    pm_batch_job_name(&b, extra, 1, err);   /* unchanged files: the same name again */
    assert_string_equal(first, b.file);
    remove(model);
    remove(ini);
    remove(b.cfg.track);
    rmdir(dir);
    char q[64];
    assert_string_equal(pm_batch_shell_quote("a'b c", q, sizeof q), "'a'\\''b c'");
}

/* The hash in a result file name covers the primod release and the result format, then the config: computed
 * here independently (64-bit FNV-1a: offset 14695981039346656037, prime 1099511628211) over
 * "primod 0.1.0 results 1\n" + the INI text, so a new release never reuses an older release's files. */
static void test_job_name_hash_covers_version(void **state)
{
    (void)state;
    pm_batch_job a;
    memset(&a, 0, sizeof a);
    pm_config_defaults(&a.cfg);
    char err[PM_CFG_ERR_MAX];
    assert_int_equal(pm_batch_job_name(&a, NULL, 0, err), 0);
    char *ini = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&ini, &n);
    assert_non_null(f);
    fprintf(f, "primod %s results %d\n", PM_VERSION_STRING, PM_RUN_RESULT_FORMAT);
    pm_config_write_ini(&a.cfg, f);
    fprintf(f, "model none\n");   /* no --load-model; a built-in track has no file to hash */
    fclose(f);
    unsigned long long h = 14695981039346656037ULL, h_cfg_only = h;
    const char *cfg_text = strchr(ini, '\n') + 1;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)ini[i]) * 1099511628211ULL;
    for (const char *c = cfg_text; *c; c++)
        h_cfg_only = (h_cfg_only ^ (unsigned char)*c) * 1099511628211ULL;
    free(ini);
    char want[128], old[128];
    snprintf(want, sizeof want, "pm_s1_paper_%016llx.json", h);
    snprintf(old, sizeof old, "pm_s1_paper_%016llx.json", h_cfg_only);
    assert_string_equal(a.file, want);
    assert_string_not_equal(a.file, old);   /* the config-only hash of earlier releases */
    assert_int_equal(PM_RUN_RESULT_FORMAT, 2);
}

/* A slot with a result whose config is given as flat "section.key=value" lines (what merge reads from a record). */
static pm_batch_slot flat_slot(const char *rule, const char *flat, unsigned long long seed, int success)
{
    pm_batch_slot s = slot(rule, success, 500 + (long)seed, 1.0 + (double)seed);
    s.flat = (char *)flat;
    s.res.seed = seed;
    return s;
}

/* Issue 10 (1, 7): groups are rule + every key that varies (not the rate only), sorted by rule, then numerically
 * by the values (3 before 10, unlike text order); labels use %g. */
static void test_group_by_varied_keys(void **state)
{
    (void)state;
    const char *pm10 = "learning.rule=pm\nnetwork.hidden_width=10\nrobot.speed=30\nworld.track=paper\n";
    const char *pm3 = "learning.rule=pm\nnetwork.hidden_width=3\nrobot.speed=30\nworld.track=paper\n";
    const char *bp3 = "learning.rule=bp\nnetwork.hidden_width=3\nrobot.speed=30\nworld.track=paper\n";
    const char *pm3o = "learning.rule=pm\nnetwork.hidden_width=3\nrobot.speed=30\nworld.track=oval\n";
    pm_batch_slot s[7] = {flat_slot("pm", pm10, 1, 1), flat_slot("pm", pm3, 1, 1), flat_slot("pm", pm10, 2, 0),
                          flat_slot("bp", bp3, 1, 1), flat_slot("pm", pm3o, 1, 1), flat_slot("pm", pm3, 2, 1),
                          flat_slot("pm", pm3, 3, 1)};
    s[6].interrupted = 1;
    pm_batch_report rep;
    assert_int_equal(pm_batch_group(s, 7, &rep), 0);
    assert_int_equal(rep.n_keys, 2);   /* the width and the track vary; the speed and the seed do not count */
    assert_string_equal(rep.keys[0], "network.hidden_width");
    assert_string_equal(rep.keys[1], "world.track");
    assert_int_equal(rep.n_groups, 4);
    assert_int_equal(rep.results, 6);
    assert_int_equal(rep.interrupted, 1);
    assert_string_equal(rep.groups[0].group, "bp network.hidden_width=3 world.track=paper");
    assert_string_equal(rep.groups[1].group, "pm network.hidden_width=3 world.track=oval");
    assert_string_equal(rep.groups[2].group, "pm network.hidden_width=3 world.track=paper");
    assert_string_equal(rep.groups[3].group, "pm network.hidden_width=10 world.track=paper");
    assert_int_equal(rep.groups[2].runs, 2);         /* seeds 1, 2; seed 3 was interrupted */
    assert_int_equal(rep.groups[3].runs, 2);
    assert_int_equal(rep.groups[3].successes, 1);
    assert_string_equal(s[5].group, "pm network.hidden_width=3 world.track=paper");
    pm_json j;
    pm_json_init(&j);
    pm_batch_result_json(s, 7, &rep, NULL, &j);
    pm_jv *v = pm_jv_parse(pm_json_text(&j));
    assert_non_null(v);
    const pm_jv *groups = pm_jv_get(v, "groups");
    assert_true(groups && groups->type == PM_JV_ARRAY && groups->n == 4);
    const pm_jv *p = pm_jv_get(groups->items[3], "params");
    assert_true(pm_jv_get(p, "network.hidden_width")->type == PM_JV_NUMBER);   /* a number, not a string */
    assert_true(pm_jv_get(p, "network.hidden_width")->number == 10);
    assert_string_equal(pm_jv_get(p, "world.track")->string, "paper");
    assert_true(pm_jv_get(pm_jv_get(v, "skipped"), "interrupted")->number == 1);
    assert_int_equal(pm_jv_get(v, "runs")->n, 6);
    pm_jv_free(v);
    pm_json_free(&j);
    pm_batch_report_free(&rep);
}

/* Issue 10 (4): a run ended by a stop request is marked interrupted; one that ends by itself is not. */
static void test_run_stop_marks_interrupted(void **state)
{
    (void)state;
    pm_run_options opt;
    memset(&opt, 0, sizeof opt);
    pm_config_defaults(&opt.cfg);
    opt.cfg.max_steps = 50;
    volatile sig_atomic_t stop = 0;
    opt.stop = &stop;
    pm_run_result res;
    char err[PM_CFG_ERR_MAX];
    assert_int_equal(pm_run(&opt, &res, err), PM_EXIT_OK);
    assert_int_equal(res.steps, 50);
    assert_int_equal(res.interrupted, 0);
    /* a stop already requested ends the set-up itself (issue 13: signals honoured during set-up): nothing ran,
     * so there is no record to mark; a stop during the steps is checked through the CLI (cli.batch_signals) */
    stop = SIGTERM;
    memset(&res, 0, sizeof res);
    assert_int_not_equal(pm_run(&opt, &res, err), PM_EXIT_OK);
    assert_int_equal(res.steps, 0);
    assert_int_equal(res.interrupted, 0);
}

/* Issue 10 (3): a rule or a grid value given twice runs once. */
static void test_plan_drops_duplicates(void **state)
{
    (void)state;
    char *argv[] = {"sweep", "--rules", "pm,bp,pm", "--seeds", "1-2,2", "--grid", "learning.rate=1e-3,0.001,1e-2",
                    "--quiet"};
    pm_batch_request req;
    char err[PM_CFG_ERR_MAX];
    assert_int_equal(pm_batch_parse_args("sweep", 1, 8, argv, &req, err), 0);
    pm_batch_job *jobs;
    int n;
    assert_int_equal(pm_batch_plan(&req, &jobs, &n, err), 0);
    assert_int_equal(n, 2 * 2 * 2);   /* rules {pm, bp} x rates {1e-3, 1e-2} x seeds {1, 2} */
    assert_int_equal(jobs[0].cfg.rule, PM_CFG_RULE_PM);   /* first appearance order kept */
    assert_true(jobs[0].cfg.rate == 1e-3 && jobs[2].cfg.rate == 1e-2 && jobs[4].cfg.rule == PM_CFG_RULE_BP);
    for (int i = 0; i < n; i++)
        for (int k = 0; k < i; k++)
            assert_string_not_equal(jobs[i].file, jobs[k].file);
    free(jobs);
    pm_batch_request_free(&req);
    char *bad[] = {"compare", "--slurm", "x.sh"};
    assert_int_equal(pm_batch_parse_args("compare", 0, 3, bad, &req, err), PM_EXIT_USAGE);
    assert_non_null(strstr(err, "--slurm: needs --out"));
    pm_batch_request_free(&req);
}

/* The one-call batch for programs (Python's primod.compare/sweep): argv in, the result schema's JSON out, nothing
 * printed; --emit-commands is command-line only. */
static void test_batch_json_from_args(void **state)
{
    (void)state;
    char *argv[] = {"compare", "--rules", "reflex,pm", "--seeds", "1-2", "--max-steps", "200", "--jobs", "2",
                    "--quiet"};
    char *json = NULL, err[PM_CFG_ERR_MAX];
    assert_int_equal(pm_batch_json_from_args("compare", 0, 10, argv, NULL, &json, err), 0);
    assert_non_null(json);
    pm_jv *v = pm_jv_parse(json);
    assert_non_null(v);
    const pm_jv *groups = pm_jv_get(v, "groups");
    assert_true(groups && groups->n == 2);
    assert_string_equal(pm_jv_get(groups->items[0], "rule")->string, "pm");   /* sorted by rule */
    assert_true(pm_jv_get(groups->items[1], "runs")->number == 2);
    assert_int_equal(pm_jv_get(v, "runs")->n, 4);
    pm_jv_free(v);
    free(json);
    char *emit[] = {"sweep", "--emit-commands"};
    assert_int_equal(pm_batch_json_from_args("sweep", 1, 2, emit, NULL, &json, err), PM_EXIT_USAGE);
    assert_null(json);
    assert_non_null(strstr(err, "command-line only"));
    char *bad[] = {"compare", "--rules", "hebb"};
    assert_int_equal(pm_batch_json_from_args("compare", 0, 3, bad, NULL, &json, err), PM_EXIT_USAGE);
    assert_non_null(strstr(err, "unknown rule 'hebb'"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_result_json_round_trip),
        cmocka_unit_test(test_runner_refuses_bad_setups),
        cmocka_unit_test(test_runner_stops_at_max_steps),
        cmocka_unit_test(test_run_stops_at_success),
        cmocka_unit_test(test_run_parse_args_layers_and_shorthands),
        cmocka_unit_test(test_run_parse_args_errors),
        cmocka_unit_test(test_cli_loop_config_mapping),
        cmocka_unit_test(test_runner_set_learning),
        cmocka_unit_test(test_summary_statistics),
        cmocka_unit_test(test_job_names_and_quoting),
        cmocka_unit_test(test_job_name_hash_covers_version),
        cmocka_unit_test(test_group_by_varied_keys),
        cmocka_unit_test(test_run_stop_marks_interrupted),
        cmocka_unit_test(test_plan_drops_duplicates),
        cmocka_unit_test(test_batch_json_from_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
