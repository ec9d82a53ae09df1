/* The twin's world models (SPEC §10): configuration, servo dead band and lag, sensor-bar ADC bytes, pinhole camera. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "primod/twin.h"

static const double PI = 3.14159265358979323846;

void pm_twin_config_default(pm_twin_config *c)
{
    if (!c)
        return;
    *c = (pm_twin_config){
        .stop_us = 1500, .dead_band_us = 4, .lag_s = 0.05, .us_per_unit = 2, .left_sign = 1, .right_sign = -1,
        .max_wheel_speed = 100, .wheel_distance = 5.2,
        .bar_x = 10, .bar_spacing = 1.5, .bar_sigma = 0.4, .raw_black = 30, .raw_white = 220, .raw_noise = 1,
        .width = 640, .height = 480, .fps = 30, .cam_x = 4, .cam_height = 20, .cam_tilt_deg = 35,
        .cam_vfov_deg = 50,
        .speedup = 1, .seed = 1,
        .kill_host_at = -1, .hang_firmware_at = -1, .unplug_at = -1, .unplug_for = 1.5, .calibrate_sweep = 0,
    };
}

typedef enum { T_DBL, T_INT, T_U64 } key_type;

typedef struct {
    const char *name;
    key_type type;
    size_t offset;
} twin_key;

#define TK(f, t) {#f, t, offsetof(pm_twin_config, f)}
static const twin_key twin_keys[] = {
    TK(stop_us, T_DBL),        TK(dead_band_us, T_DBL),     TK(lag_s, T_DBL),          TK(us_per_unit, T_DBL),
    TK(left_sign, T_INT),      TK(right_sign, T_INT),       TK(max_wheel_speed, T_DBL), TK(wheel_distance, T_DBL),
    TK(bar_x, T_DBL),          TK(bar_spacing, T_DBL),      TK(bar_sigma, T_DBL),      TK(raw_black, T_DBL),
    TK(raw_white, T_DBL),      TK(raw_noise, T_DBL),        TK(width, T_INT),          TK(height, T_INT),
    TK(fps, T_DBL),            TK(cam_x, T_DBL),            TK(cam_height, T_DBL),     TK(cam_tilt_deg, T_DBL),
    TK(cam_vfov_deg, T_DBL),   TK(speedup, T_DBL),          TK(seed, T_U64),           TK(kill_host_at, T_DBL),
    TK(hang_firmware_at, T_DBL), TK(unplug_at, T_DBL),      TK(unplug_for, T_DBL),     TK(calibrate_sweep, T_INT),
};

pm_status pm_twin_config_set(pm_twin_config *c, const char *key, const char *value)
{
    if (!c || !key || !value)
        return PM_ERR_ARG;
    for (size_t i = 0; i < sizeof twin_keys / sizeof twin_keys[0]; i++) {
        const twin_key *k = &twin_keys[i];
        if (strcmp(k->name, key))
            continue;
        char *end;
        double d = strtod(value, &end);
        while (*end == ' ' || *end == '\t')
            end++;
        if (end == value || *end || !isfinite(d))
            return PM_ERR_ARG;
        char *field = (char *)c + k->offset;
        switch (k->type) {
        case T_DBL:
            *(double *)field = d;
            break;
        case T_INT:
            if (d != floor(d) || fabs(d) > 1e9)
                return PM_ERR_ARG;
            *(int *)field = (int)d;
            break;
        case T_U64:
            if (d != floor(d) || d < 0 || d > 9e15)
                return PM_ERR_ARG;
            *(uint64_t *)field = (uint64_t)d;
            break;
        }
        return PM_OK;
    }
    return PM_ERR_ARG;
}

static pm_status fail(char *why, const char *msg)
{
    if (why)
        snprintf(why, 160, "%s", msg);
    return PM_ERR_ARG;
}

pm_status pm_twin_config_check(const pm_twin_config *c, char *why)
{
    if (!c)
        return fail(why, "no config");
    const double num[] = {c->stop_us, c->dead_band_us, c->lag_s, c->us_per_unit, c->max_wheel_speed,
                          c->wheel_distance, c->bar_x, c->bar_spacing, c->bar_sigma, c->raw_black, c->raw_white,
                          c->raw_noise, c->fps, c->cam_x, c->cam_height, c->cam_tilt_deg, c->cam_vfov_deg,
                          c->speedup, c->kill_host_at, c->hang_firmware_at, c->unplug_at, c->unplug_for};
    for (size_t i = 0; i < sizeof num / sizeof num[0]; i++)
        if (!isfinite(num[i]))
            return fail(why, "a value is not a finite number");
    if (!(c->stop_us > 500 && c->stop_us < 2500) || c->dead_band_us < 0 || c->dead_band_us > 100)
        return fail(why, "stop_us must lie in (500, 2500) us and dead_band_us in [0, 100] us");
    if (!(c->lag_s > 0 && c->lag_s <= 10) || c->us_per_unit == 0 || abs(c->left_sign) != 1 || abs(c->right_sign) != 1)
        return fail(why, "lag_s must lie in (0, 10] s, us_per_unit be nonzero, left/right_sign +-1");
    if (!(c->max_wheel_speed > 0) || !(c->wheel_distance > 0))
        return fail(why, "max_wheel_speed and wheel_distance must be positive");
    if (!(c->bar_spacing > 0) || !(c->bar_sigma > 0) || c->bar_sigma > 10)
        return fail(why, "bar_spacing must be positive and bar_sigma in (0, 10]");
    if (!(c->raw_black >= 0 && c->raw_black < c->raw_white && c->raw_white <= 255) || c->raw_noise < 0)
        return fail(why, "need 0 <= raw_black < raw_white <= 255 and raw_noise >= 0");
    if (c->width < 2 || c->height < 2 || c->width > 4096 || c->height > 4096 || !(c->fps > 0 && c->fps <= 200))
        return fail(why, "camera width/height must lie in 2..4096 px and fps in (0, 200]");
    if (!(c->cam_height > 0) || !(c->cam_vfov_deg > 1 && c->cam_vfov_deg < 170) ||
        !(c->cam_tilt_deg > 0 && c->cam_tilt_deg <= 90) || c->cam_tilt_deg + c->cam_vfov_deg / 2 <= 0)
        return fail(why, "cam_height must be positive, cam_vfov_deg in (1, 170), cam_tilt_deg in (0, 90]");
    if (!(c->speedup >= 0.1 && c->speedup <= 10))
        return fail(why, "speedup must lie in [0.1, 10]");
    if (!(c->unplug_for > 0 && c->unplug_for <= 60))
        return fail(why, "unplug_for must lie in (0, 60] s");
    if (c->calibrate_sweep != 0 && c->calibrate_sweep != 1)
        return fail(why, "calibrate_sweep must be 0 or 1");
    return PM_OK;
}

double pm_twin_servo_target(const pm_twin_config *c, double pulse_us, int sign)
{
    if (!c || !(pulse_us > 0))
        return 0; /* no pulses: a servo without a signal does not turn */
    double off = pulse_us - c->stop_us;
    if (fabs(off) <= c->dead_band_us)
        return 0;
    /* beyond the dead band the speed grows from 0 (continuous), one unit per us_per_unit us (SPEC §10) */
    double v = sign * (off - copysign(c->dead_band_us, off)) / c->us_per_unit;
    return v > c->max_wheel_speed ? c->max_wheel_speed : (v < -c->max_wheel_speed ? -c->max_wheel_speed : v);
}

double pm_twin_servo_step(const pm_twin_config *c, double v, double target, double dt)
{
    if (!c)
        return v;
    return v + (target - v) * (1.0 - exp(-dt / c->lag_s));
}

double pm_twin_bar_raw(const pm_twin_config *c, double darkness)
{
    if (!c)
        return 0;
    double d = darkness < 0 ? 0 : (darkness > 1 ? 1 : darkness);
    return c->raw_white - (c->raw_white - c->raw_black) * d;
}

uint32_t pm_twin_adc_millivolts(uint8_t v)
{
    /* simavr converts mV to 10 bits as mV * 1023 / AVcc (truncating); the middle of code 4v..4v+3 lands
     * exactly on 4v + 2 after the firmware's ADLAR 8-bit read (SPEC §10) */
    return ((uint32_t)v * 4u + 2u) * 5000u / 1024u;
}

int pm_twin_pixel_to_floor(const pm_twin_config *c, int u, int v, double *fx, double *fy)
{
    if (!c || !fx || !fy)
        return 0;
    double f = (c->height / 2.0) / tan(c->cam_vfov_deg * PI / 360.0); /* focal length, px */
    double du = (u + 0.5 - c->width / 2.0) / f, dv = (v + 0.5 - c->height / 2.0) / f;
    double t = c->cam_tilt_deg * PI / 180.0;
    /* ray = forward + dv * image-down + du * image-right, with forward = (cos t, 0, -sin t),
     * image-down = (-sin t, 0, -cos t), image-right = (0, -1, 0) in the robot frame (x ahead, y left, z up) */
    double rx = cos(t) - sin(t) * dv, ry = -du, rz = -sin(t) - cos(t) * dv;
    if (rz >= -1e-9)
        return 0;
    double s = c->cam_height / -rz;
    *fx = c->cam_x + s * rx;
    *fy = s * ry;
    return 1;
}
