/* The robot twin's engine (SPEC §10): simavr runs the firmware, a 1 ms world tick moves the robot, a thread films. */
#define _GNU_SOURCE /* posix_openpt, ptsname_r, pipe2, F_SETPIPE_SZ, mkdtemp */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "avr_adc.h"
#include "avr_timer.h"
#include "avr_uart.h"
#include "sim_avr.h"
#include "sim_elf.h"
#include "sim_irq.h"

#include "primod/frame.h"
#include "primod/rng.h"
#include "primod/twin.h"

#define MCU_HZ 16000000u               /* the board's crystal (firmware F_CPU) */
#define TICK_CYCLES (MCU_HZ / 1000u)   /* one world tick = 1 ms of emulated time */
#define N_BAR 8
#define UART_BYTES_PER_MS 11.52        /* 115200 baud 8N1 = 11520 bytes/s: the host's bytes enter at line rate */
#define SILENT_MS 40                   /* no servo edge for this long: the servo has no signal */
#define LOST_TICKS 1000                /* 1 s without the line under the bar counts as lost */
#define IN_CAP 512                     /* host -> MCU bytes waiting for the UART */
#define OUT_CAP 4096                   /* MCU -> host bytes waiting for the pty */

struct pm_twin {
    pm_twin_config cfg;
    const pm_world *world;
    pm_sim *sim;                        /* kinematics and the bar (one predictor row of 8 sensors) */
    avr_t *avr;
    avr_irq_t *uart_irq;                /* (UART_IRQ_COUNT) */
    avr_irq_t *adc_irq[N_BAR];
    void (*core_reset)(struct avr_t *); /* the MCU model's own reset hook, chained by ours */
    pm_rng rng;
    /* serial: pty master owned here (not simavr's uart_pty, SPEC §10), slave kept open in raw mode */
    int master, slave;
    char dir[64], link_path[96], slave_name[64];
    uint8_t in[IN_CAP];                 /* host -> MCU queue */
    size_t in_len;
    double in_budget;                   /* bytes the line may still carry this tick */
    int uart_xoff;                      /* the UART's input fifo is full */
    uint8_t out[OUT_CAP];               /* MCU -> host queue */
    size_t out_len;
    pm_frame_parser from_host, from_mcu;
    long n_sensor, n_motor, n_halt, n_dropped, n_resets; /* emulator thread's counters, copied into st per tick */
    /* camera */
    int cam_pipe[2];
    float *floor_xy;                    /* (height, width, 2) robot-frame floor point per pixel, NaN = sky */
    uint8_t *frame;                     /* header + (height, width) pixels */
    size_t frame_len, header_len;
    /* servos, measured on the Timer1 compare outputs */
    avr_cycle_count_t rise[2], last_edge[2];
    double pulse_us[2];
    double wheel[2];                    /* units/s, after the servo model */
    /* run state */
    avr_cycle_count_t cycle0, next_tick;
    unsigned long long ticks;
    long off_line_run;
    double last_motor_s;
    int unplugged;
    double unplug_since;
    int hung;
    pid_t host;
    int started, threads_started;
    _Atomic int stop_flag;              /* set by pm_twin_stop, read by both threads */
    _Atomic int failed;                 /* the MCU crashed or stopped */
    struct timespec wall0;
    pthread_t emu_thread, cam_thread;
    pthread_mutex_t lock;               /* guards stats, pose, pulses between the threads */
    pm_twin_stats st;
    double pose[3];                     /* x, y, heading for the camera */
    long on_line_ticks;
};

/* ------------------------------------------------------------------ helpers */

static void silent_logger(struct avr_t *avr, const int level, const char *format, va_list ap)
{
    (void)avr, (void)level, (void)format, (void)ap; /* the library never prints (DESIGN) */
}

static double now_s(const pm_twin *t)
{
    return t->avr ? (double)(t->avr->cycle - t->cycle0) / MCU_HZ : 0;
}

static void add_ns(struct timespec *ts, double s)
{
    long long ns = (long long)ts->tv_nsec + (long long)llround(fmod(s, 1.0) * 1e9);
    ts->tv_sec += (time_t)floor(s) + (time_t)(ns / 1000000000LL);
    ts->tv_nsec = (long)(ns % 1000000000LL);
}

/* ------------------------------------------------------------------ pty */

static int pty_open(pm_twin *t)
{
    t->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (t->master < 0)
        return -1;
    if (grantpt(t->master) || unlockpt(t->master) || ptsname_r(t->master, t->slave_name, sizeof t->slave_name))
        goto fail;
    /* hold the slave open in raw mode: no echo of our own bytes before the host sets its modes, and the
     * master does not see hang-ups while no host is attached */
    t->slave = open(t->slave_name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (t->slave < 0)
        goto fail;
    struct termios tio;
    if (tcgetattr(t->slave, &tio) == 0) {
        cfmakeraw(&tio);
        cfsetispeed(&tio, B115200);
        cfsetospeed(&tio, B115200);
        tcsetattr(t->slave, TCSANOW, &tio);
    }
    int fl = fcntl(t->master, F_GETFL);
    if (fl < 0 || fcntl(t->master, F_SETFL, fl | O_NONBLOCK) < 0)
        goto fail;
    /* the host's path is a symlink that is swapped atomically, so it survives an unplug */
    char tmp[128];
    snprintf(tmp, sizeof tmp, "%s/tty.new", t->dir);
    unlink(tmp);
    if (symlink(t->slave_name, tmp) || rename(tmp, t->link_path))
        goto fail;
    return 0;
fail:
    if (t->slave >= 0)
        close(t->slave);
    close(t->master);
    t->master = t->slave = -1;
    return -1;
}

static void pty_close(pm_twin *t)
{
    unlink(t->link_path);
    if (t->slave >= 0)
        close(t->slave);
    if (t->master >= 0)
        close(t->master);
    t->master = t->slave = -1;
    t->in_len = t->out_len = 0;
}

/* ------------------------------------------------------------------ simavr hooks (emulator thread) */

static void on_uart_out(struct avr_irq_t *irq, uint32_t value, void *param)
{
    (void)irq;
    pm_twin *t = param;
    pm_frame f;
    if (pm_frame_parser_feed(&t->from_mcu, (uint8_t)value, &f) && f.type == PM_FRAME_SENSORS)
        t->n_sensor++;
    if (t->out_len < OUT_CAP)
        t->out[t->out_len++] = (uint8_t)value;
    else
        t->n_dropped++;
}

static void on_uart_xon(struct avr_irq_t *irq, uint32_t value, void *param)
{
    (void)irq, (void)value;
    ((pm_twin *)param)->uart_xoff = 0;
}

static void on_uart_xoff(struct avr_irq_t *irq, uint32_t value, void *param)
{
    (void)irq;
    ((pm_twin *)param)->uart_xoff = value != 0;
}

/* Servo pulses: Timer1 mode 14 with COM1x1 clears OC1x on compare match and sets it at TOP (SPEC §10), so the
 * pulse is the time from a rising to the next falling edge of the compare output. */
static void on_comp(pm_twin *t, int i, uint32_t value)
{
    avr_cycle_count_t now = t->avr->cycle;
    if (value) {
        t->rise[i] = now;
    } else if (t->rise[i]) {
        t->pulse_us[i] = (double)(now - t->rise[i]) * 1e6 / MCU_HZ;
        t->rise[i] = 0;
    }
    t->last_edge[i] = now;
}

static void on_comp_a(struct avr_irq_t *irq, uint32_t value, void *param)
{
    (void)irq;
    on_comp(param, 0, value);
}

static void on_comp_b(struct avr_irq_t *irq, uint32_t value, void *param)
{
    (void)irq;
    on_comp(param, 1, value);
}

/* Counts resets after the start (the watchdog's) and forgets the half-measured pulses the reset cut off. */
static pm_twin *reset_owner; /* simavr's reset hook has no user pointer; one emulator per process (the CLI) */

static void on_reset(struct avr_t *avr)
{
    pm_twin *t = reset_owner;
    if (t && t->avr == avr) {
        if (t->core_reset)
            t->core_reset(avr);
        if (t->started)
            t->n_resets++;
        t->rise[0] = t->rise[1] = 0;
        t->hung = 0;
    }
}

/* simavr 1.6's ATmega328 table gives Timer1 mode 14 (fast PWM, TOP = ICR1) the wrong kind, so new OCR1A/B
 * values never reach the pulses (SPEC §10): patch the table entry before the firmware runs. */
static int fix_timer1(avr_t *avr)
{
    for (avr_io_t *p = avr->io_port; p; p = p->next)
        if (p->kind && !strcmp(p->kind, "timer") && ((avr_timer_t *)p)->name == '1') {
            ((avr_timer_t *)p)->wgm_op[14] = (avr_timer_wgm_t)AVR_TIMER_WGM_ICFASTPWM();
            return 0;
        }
    return -1;
}

/* ------------------------------------------------------------------ the world tick (emulator thread) */

/* Darkness (0 floor .. 1 line) under each bar sensor, from the sim's one predictor row: the sim reports
 * white - 1/(1+exp(-(1-d))) clipped at 0 (SPEC §6), which is inverted here exactly. */
static void bar_darkness(const pm_twin *t, double d[N_BAR])
{
    pm_sim_reading r;
    double p[N_BAR];
    pm_sim_sense(t->sim, &r, p);
    for (int i = 0; i < N_BAR; i++) {
        double reading = PM_SIM_WHITE_READING - p[i];
        double b = p[i] > 0 ? -log(1.0 / reading - 1.0) : 1.0;
        d[i] = 1.0 - b;
    }
}

static void feed_uart(pm_twin *t)
{
    if (t->master >= 0 && t->in_len < IN_CAP) {
        ssize_t r = read(t->master, t->in + t->in_len, IN_CAP - t->in_len);
        if (r > 0) {
            for (ssize_t k = 0; k < r; k++) {
                pm_frame f;
                if (!pm_frame_parser_feed(&t->from_host, t->in[t->in_len + (size_t)k], &f))
                    continue;
                if (f.type == PM_FRAME_MOTORS) {
                    t->n_motor++;
                    t->last_motor_s = now_s(t);
                } else if (f.type == PM_FRAME_HALT) {
                    t->n_halt++;
                }
            }
            t->in_len += (size_t)r;
        }
    }
    t->in_budget = fmin(t->in_budget + UART_BYTES_PER_MS, 2 * UART_BYTES_PER_MS);
    size_t n = 0;
    while (n < t->in_len && t->in_budget >= 1 && !t->uart_xoff) {
        avr_raise_irq(t->uart_irq + UART_IRQ_INPUT, t->in[n++]);
        t->in_budget -= 1;
    }
    memmove(t->in, t->in + n, t->in_len - n);
    t->in_len -= n;
}

static void flush_out(pm_twin *t)
{
    if (!t->out_len)
        return;
    if (t->master < 0) {
        t->n_dropped += (long)t->out_len; /* the cable is out */
        t->out_len = 0;
        return;
    }
    ssize_t w = write(t->master, t->out, t->out_len);
    if (w < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            if (t->out_len > OUT_CAP / 2) { /* nobody reads: keep the newest bytes only */
                t->n_dropped += (long)t->out_len;
                t->out_len = 0;
            }
            return;
        }
        t->n_dropped += (long)t->out_len;
        t->out_len = 0;
        return;
    }
    memmove(t->out, t->out + w, t->out_len - (size_t)w);
    t->out_len -= (size_t)w;
}

/* The firmware hangs: interrupts off and an endless `rjmp .-2` at the last flash word (outside the program),
 * so neither the main loop nor an ISR resets the watchdog. Nothing of the firmware image changes. */
static void hang_firmware(pm_twin *t)
{
    avr_t *avr = t->avr;
    uint32_t at = (avr->flashend - 1u) & ~1u;
    avr->flash[at] = 0xFF;     /* rjmp .-2 = 0xCFFF, little-endian */
    avr->flash[at + 1] = 0xCF;
    avr->sreg[S_I] = 0;
    avr->pc = at;
    t->hung = 1;
}

static int servo_stopped(const pm_twin *t, int i)
{
    double silent = (double)(t->avr->cycle - t->last_edge[i]) * 1000.0 / MCU_HZ;
    return silent > SILENT_MS || fabs(t->pulse_us[i] - t->cfg.stop_us) < 2.0;
}

static void inject_faults(pm_twin *t, double now)
{
    const pm_twin_config *c = &t->cfg;
    if (!t->st.fault) {
        int fire = 0;
        if (c->kill_host_at >= 0 && now >= c->kill_host_at) {
            if (t->host > 0)
                kill(t->host, SIGKILL);
            fire = 1;
        } else if (c->hang_firmware_at >= 0 && now >= c->hang_firmware_at) {
            hang_firmware(t);
            fire = 1;
        } else if (c->unplug_at >= 0 && now >= c->unplug_at) {
            pty_close(t);
            t->unplugged = 1;
            t->unplug_since = now;
            fire = 1;
        }
        if (fire) {
            t->st.fault = 1;
            t->st.fault_at = now;
        }
        return;
    }
    if (t->unplugged && now - t->unplug_since >= c->unplug_for) {
        if (pty_open(t) == 0) {
            t->unplugged = 0;
            t->st.reconnects++;
        } else {
            t->unplug_since = now; /* try again after another unplug_for */
        }
    }
    int stopped = servo_stopped(t, 0) && servo_stopped(t, 1);
    if (t->st.fault_stop_ms < 0 && stopped) {
        t->st.fault_stop_ms = (now - t->st.fault_at) * 1000.0;
        if (t->last_motor_s > 0)
            t->st.stop_after_last_motor_ms = (now - t->last_motor_s) * 1000.0;
    } else if (t->st.fault_stop_ms >= 0 && !t->st.resumed && !stopped) {
        t->st.resumed = 1;
        t->st.resume_ms = (now - t->st.fault_at) * 1000.0;
    }
}

static void world_tick(pm_twin *t)
{
    const pm_twin_config *c = &t->cfg;
    const double dt = 1e-3;
    double now = now_s(t);
    feed_uart(t);
    /* servos -> wheels (SPEC §10) -> kinematics of SPEC §6 */
    const int sign[2] = {c->left_sign, c->right_sign};
    for (int i = 0; i < 2; i++) {
        double silent = (double)(t->avr->cycle - t->last_edge[i]) * 1000.0 / MCU_HZ;
        double target = pm_twin_servo_target(c, silent > SILENT_MS ? 0 : t->pulse_us[i], sign[i]);
        t->wheel[i] = pm_twin_servo_step(c, t->wheel[i], target, dt);
    }
    double x0, y0, h0;
    pm_sim_pose(t->sim, &x0, &y0, &h0);
    if (c->calibrate_sweep) {
        /* a hand slides the robot sideways across the line and back, 8 units each way, every 2 s */
        double sx, sy, sh;
        pm_world_start_pose(t->world, &sx, &sy, &sh);
        double off = 8.0 * sin(2.0 * 3.14159265358979323846 * now / 2.0);
        pm_sim_set_pose(t->sim, sx - off * sin(sh), sy + off * cos(sh), sh);
    } else {
        pm_sim_step(t->sim, t->wheel[0], t->wheel[1]);
    }
    double x, y, h;
    pm_sim_pose(t->sim, &x, &y, &h);
    /* the bar: darkness -> ADC byte (+ noise) -> millivolts the firmware reads back exactly (SPEC §10) */
    double d[N_BAR];
    bar_darkness(t, d);
    int on_line = 0;
    for (int i = 0; i < N_BAR; i++) {
        on_line |= d[i] > 0.5;
        double raw = pm_twin_bar_raw(c, d[i]) + (c->raw_noise > 0 ? c->raw_noise * pm_rng_gauss(&t->rng) : 0);
        long v = lround(raw);
        v = v < 0 ? 0 : (v > 255 ? 255 : v);
        avr_raise_irq(t->adc_irq[i], pm_twin_adc_millivolts((uint8_t)v));
    }
    flush_out(t);
    pthread_mutex_lock(&t->lock);
    t->st.sensor_frames = t->n_sensor;
    t->st.motor_frames = t->n_motor;
    t->st.halt_frames = t->n_halt;
    t->st.bad_crc = (long)t->from_host.n_bad_crc;
    t->st.bytes_dropped = t->n_dropped;
    t->st.watchdog_resets = t->n_resets;
    t->ticks++;
    t->on_line_ticks += on_line;
    t->off_line_run = on_line ? 0 : t->off_line_run + 1;
    if (t->off_line_run == LOST_TICKS)
        t->st.lost_episodes++;
    t->st.distance += hypot(x - x0, y - y0);
    t->st.seconds = now;
    t->st.x = x;
    t->st.y = y;
    t->st.heading = h;
    t->st.left_pulse_us = t->pulse_us[0];
    t->st.right_pulse_us = t->pulse_us[1];
    t->st.on_line_fraction = (double)t->on_line_ticks / (double)t->ticks;
    inject_faults(t, now);
    t->pose[0] = x;
    t->pose[1] = y;
    t->pose[2] = h;
    pthread_mutex_unlock(&t->lock);
}

/* The world tick and the pacing live in this loop, not in a simavr cycle timer: a watchdog reset clears every
 * cycle timer (SPEC §10), while the cycle counter keeps running through it. */
static void *emu_main(void *arg)
{
    pm_twin *t = arg;
    struct timespec wake = t->wall0;
    const double tick_wall = 1e-3 / t->cfg.speedup;
    int since_sleep = 0;
    while (!t->stop_flag) {
        int state = avr_run(t->avr);
        if (state == cpu_Done || state == cpu_Crashed) {
            t->failed = 1;
            break;
        }
        if (t->avr->cycle < t->next_tick)
            continue;
        t->next_tick += TICK_CYCLES;
        world_tick(t);
        /* pace to speedup x real time (SPEC §10); sleeping every 2 ticks keeps the wake-ups cheap */
        add_ns(&wake, tick_wall);
        if (++since_sleep >= 2) {
            since_sleep = 0;
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            double behind = (double)(now.tv_sec - wake.tv_sec) + (now.tv_nsec - wake.tv_nsec) * 1e-9;
            if (behind > 0.1)
                wake = now; /* far behind (a loaded machine): do not race to catch up */
            else if (behind < 0)
                clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &wake, NULL);
        }
    }
    return NULL;
}

/* ------------------------------------------------------------------ camera (its own thread) */

static void render(pm_twin *t, const double pose[3])
{
    const int n = t->cfg.width * t->cfg.height;
    const float *tex = pm_world_pixels(t->world);
    const int tw = pm_world_width_px(t->world), th = pm_world_height_px(t->world);
    const float ppu = (float)pm_world_ppu(t->world), c = (float)cos(pose[2]), s = (float)sin(pose[2]);
    /* texture pixel (px, py) sits at world (px / ppu, (th - py) / ppu) (sim.h): u = wx ppu, v = th - wy ppu */
    const float u0 = (float)(pose[0] * ppu) - 0.5f, v0 = (float)(th - pose[1] * ppu) - 0.5f;
    uint8_t *px = t->frame + t->header_len;
    for (int i = 0; i < n; i++) {
        float fx = t->floor_xy[2 * i], fy = t->floor_xy[2 * i + 1];
        if (isnan(fx)) {
            px[i] = 170; /* above the horizon: a grey wall */
            continue;
        }
        float u = u0 + ppu * (c * fx - s * fy), v = v0 - ppu * (s * fx + c * fy);
        float g = 1.0f; /* white outside the texture */
        if (u >= 0 && v >= 0 && u < tw - 1 && v < th - 1) {
            int iu = (int)u, iv = (int)v;
            float au = u - (float)iu, av = v - (float)iv;
            const float *p0 = tex + (size_t)iv * (size_t)tw + iu, *p1 = p0 + tw;
            g = (1 - av) * ((1 - au) * p0[0] + au * p0[1]) + av * ((1 - au) * p1[0] + au * p1[1]);
        }
        px[i] = (uint8_t)(20.5f + 215.0f * g); /* a camera sees neither pure black nor pure white */
    }
}

/* Writes the frame to the pipe; 0 done, -1 the reader is gone or the twin stops. */
static int send_frame(pm_twin *t)
{
    size_t done = 0;
    while (done < t->frame_len) {
        if (t->stop_flag)
            return -1;
        ssize_t w = write(t->cam_pipe[1], t->frame + done, t->frame_len - done);
        if (w > 0) {
            done += (size_t)w;
            continue;
        }
        if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            return -1; /* EPIPE: the host is gone */
        struct pollfd p = {.fd = t->cam_pipe[1], .events = POLLOUT};
        poll(&p, 1, 50);
    }
    return 0;
}

static void *cam_main(void *arg)
{
    pm_twin *t = arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* a write to a dead host gives EPIPE here, not a process signal */
    const double period = 1.0 / t->cfg.fps; /* emulated seconds */
    double next = 0;
    while (!t->stop_flag && !t->failed) {
        double now = pm_twin_elapsed(t);
        if (now < next) {
            double wait = (next - now) / t->cfg.speedup;
            struct timespec ts = {0, (long)(fmin(wait, 0.05) * 1e9)};
            nanosleep(&ts, NULL);
            continue;
        }
        next += period;
        if (next < now)
            next = now + period; /* behind: skip frames rather than burst */
        if (t->cfg.calibrate_sweep)
            continue; /* calibration does not use the camera */
        double pose[3];
        pthread_mutex_lock(&t->lock);
        memcpy(pose, t->pose, sizeof pose);
        pthread_mutex_unlock(&t->lock);
        render(t, pose);
        if (send_frame(t))
            break;
        pthread_mutex_lock(&t->lock);
        t->st.frames++;
        pthread_mutex_unlock(&t->lock);
    }
    return NULL;
}

/* ------------------------------------------------------------------ lifecycle */

/* Frees what elf_read_firmware allocated once avr_load_firmware has copied it (simavr has no function for it). */
static void free_elf(elf_firmware_t *f)
{
    free(f->flash);
    free(f->eeprom);
    free(f->fuse);
    free(f->lockbits);
#if ELF_SYMBOLS
    for (uint32_t i = 0; i < f->symbolcount; i++)
        free(f->symbol[i]);
    free(f->symbol);
#endif
    memset(f, 0, sizeof *f);
}

/* 1 if path is a readable 32-bit little-endian ELF for the AVR (e_machine 83): simavr's loader prints its own
 * complaints about anything else, and the library must not print. */
static int is_avr_elf(const char *path)
{
    uint8_t h[20];
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(h, 1, sizeof h, f);
    fclose(f);
    return n == sizeof h && h[0] == 0x7F && h[1] == 'E' && h[2] == 'L' && h[3] == 'F' && h[4] == 1 /* 32-bit */ &&
           h[5] == 1 /* little-endian */ && (h[18] | h[19] << 8) == 83 /* EM_AVR */;
}

pm_status pm_twin_create(const pm_twin_config *c, const pm_world *w, const char *firmware, pm_twin **out)
{
    double sx, sy, sh;
    if (!c || !w || !firmware || !out || pm_twin_config_check(c, NULL) || pm_world_start_pose(w, &sx, &sy, &sh))
        return PM_ERR_ARG;
    if (reset_owner)
        return PM_ERR_ARG; /* one twin per process at a time (simavr's reset hook carries no user pointer) */
    if (!is_avr_elf(firmware))
        return PM_ERR_FORMAT; /* before the costly world and camera set-up */
    pm_twin *t = calloc(1, sizeof *t);
    if (!t)
        return PM_ERR_NOMEM;
    pm_status st = PM_ERR_NOMEM;
    t->cfg = *c;
    t->world = w;
    t->master = t->slave = -1;
    t->cam_pipe[0] = t->cam_pipe[1] = -1;
    t->st.fault_stop_ms = t->st.stop_after_last_motor_ms = t->st.resume_ms = -1;
    pm_rng_seed(&t->rng, c->seed);
    pm_frame_parser_init(&t->from_host);
    pm_frame_parser_init(&t->from_mcu);
    if (pthread_mutex_init(&t->lock, NULL)) {
        free(t);
        return PM_ERR_NOMEM;
    }

    /* the robot: kinematics of SPEC §6, and the bar as one row of 8 sensors */
    pm_sim_config sc;
    pm_sim_config_paper(&sc);
    sc.dt = 1e-3;
    sc.wheel_distance = c->wheel_distance;
    sc.max_wheel_speed = c->max_wheel_speed;
    sc.wheel_noise = 0;
    sc.n_rows = 1;
    sc.row_len = N_BAR;
    sc.row_x0 = c->bar_x;
    sc.row_spacing = c->bar_spacing;
    sc.predictor_sigma = c->bar_sigma;
    if ((st = pm_sim_create(&sc, w, &t->sim)))
        goto fail;

    /* camera geometry once; frames are then one lookup and one bilinear sample per pixel */
    const size_t n = (size_t)c->width * (size_t)c->height;
    char header[48];
    t->header_len = (size_t)snprintf(header, sizeof header, "P5\n%d %d\n255\n", c->width, c->height);
    t->frame_len = t->header_len + n;
    t->floor_xy = malloc(n * 2 * sizeof(float));
    t->frame = malloc(t->frame_len);
    st = PM_ERR_NOMEM;
    if (!t->floor_xy || !t->frame)
        goto fail;
    memcpy(t->frame, header, t->header_len);
    for (int v = 0; v < c->height; v++)
        for (int u = 0; u < c->width; u++) {
            double fx, fy;
            size_t i = (size_t)v * (size_t)c->width + (size_t)u;
            int hit = pm_twin_pixel_to_floor(c, u, v, &fx, &fy);
            t->floor_xy[2 * i] = hit ? (float)fx : NAN;
            t->floor_xy[2 * i + 1] = hit ? (float)fy : NAN;
        }

    /* temporary directory: the serial symlink (and the CLI's host config and log) */
    st = PM_ERR_IO;
    snprintf(t->dir, sizeof t->dir, "/tmp/primod-twin-XXXXXX");
    if (!mkdtemp(t->dir)) {
        t->dir[0] = '\0';
        goto fail;
    }
    snprintf(t->link_path, sizeof t->link_path, "%s/tty", t->dir);
    if (pty_open(t))
        goto fail;
    if (pipe2(t->cam_pipe, O_CLOEXEC))
        goto fail;
    fcntl(t->cam_pipe[1], F_SETPIPE_SZ, 1 << 20); /* room for about 3 frames; best effort */
    int fl = fcntl(t->cam_pipe[1], F_GETFL);
    fcntl(t->cam_pipe[1], F_SETFL, fl | O_NONBLOCK);

    /* the MCU: the unchanged firmware ELF (no MCU section: atmega328p at 16 MHz, AVcc 5 V, SPEC §10) */
    avr_global_logger_set(silent_logger);
    elf_firmware_t f;
    memset(&f, 0, sizeof f);
    st = PM_ERR_FORMAT;
    if (!is_avr_elf(firmware) || elf_read_firmware(firmware, &f) != 0 || !f.flash || !f.flashsize)
        goto fail_elf;
    t->avr = avr_make_mcu_by_name("atmega328p");
    if (!t->avr || avr_init(t->avr) != 0 || f.flashsize > t->avr->flashend + 1u) {
        st = t->avr ? PM_ERR_FORMAT : PM_ERR_NOMEM;
        goto fail_elf;
    }
    f.frequency = MCU_HZ;
    f.vcc = f.avcc = f.aref = 5000;
    avr_load_firmware(t->avr, &f);
    free_elf(&f);
    t->avr->log = LOG_NONE;
    if (fix_timer1(t->avr))
        goto fail;
    uint32_t uflags = 0; /* no console echo, no poll sleeps: the twin paces itself */
    avr_ioctl(t->avr, AVR_IOCTL_UART_SET_FLAGS('0'), &uflags);
    t->uart_irq = avr_io_getirq(t->avr, AVR_IOCTL_UART_GETIRQ('0'), 0);
    avr_irq_t *comp_a = avr_io_getirq(t->avr, AVR_IOCTL_TIMER_GETIRQ('1'), TIMER_IRQ_OUT_COMP + 0);
    avr_irq_t *comp_b = avr_io_getirq(t->avr, AVR_IOCTL_TIMER_GETIRQ('1'), TIMER_IRQ_OUT_COMP + 1);
    for (int i = 0; i < N_BAR; i++)
        t->adc_irq[i] = avr_io_getirq(t->avr, AVR_IOCTL_ADC_GETIRQ, ADC_IRQ_ADC0 + i);
    if (!t->uart_irq || !comp_a || !comp_b || !t->adc_irq[N_BAR - 1])
        goto fail;
    avr_irq_register_notify(t->uart_irq + UART_IRQ_OUTPUT, on_uart_out, t);
    avr_irq_register_notify(t->uart_irq + UART_IRQ_OUT_XON, on_uart_xon, t);
    avr_irq_register_notify(t->uart_irq + UART_IRQ_OUT_XOFF, on_uart_xoff, t);
    avr_irq_register_notify(comp_a, on_comp_a, t);
    avr_irq_register_notify(comp_b, on_comp_b, t);
    reset_owner = t;
    t->core_reset = t->avr->reset;
    t->avr->reset = on_reset;
    pm_sim_pose(t->sim, &t->pose[0], &t->pose[1], &t->pose[2]);
    *out = t;
    return PM_OK;

fail_elf:
    free_elf(&f);
fail:
    pm_twin_destroy(t);
    return st;
}

void pm_twin_destroy(pm_twin *t)
{
    if (!t)
        return;
    pm_twin_stop(t);
    pty_close(t);
    for (int i = 0; i < 2; i++)
        if (t->cam_pipe[i] >= 0)
            close(t->cam_pipe[i]);
    if (t->avr) {
        t->avr->reset = t->core_reset;
        avr_terminate(t->avr);
        free(t->avr);
    }
    if (reset_owner == t)
        reset_owner = NULL;
    if (t->dir[0]) {
        char tmp[128];
        snprintf(tmp, sizeof tmp, "%s/tty.new", t->dir);
        unlink(tmp);
        rmdir(t->dir); /* fails, harmlessly, if the caller left files there */
    }
    pm_sim_destroy(t->sim);
    free(t->floor_xy);
    free(t->frame);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

const char *pm_twin_device(const pm_twin *t) { return t ? t->link_path : NULL; }
int pm_twin_camera_fd(const pm_twin *t) { return t ? t->cam_pipe[0] : -1; }
const char *pm_twin_dir(const pm_twin *t) { return t ? t->dir : NULL; }

void pm_twin_camera_handed_over(pm_twin *t)
{
    if (t && t->cam_pipe[0] >= 0) {
        close(t->cam_pipe[0]);
        t->cam_pipe[0] = -1;
    }
}

void pm_twin_set_host(pm_twin *t, pid_t pid)
{
    if (!t)
        return;
    pthread_mutex_lock(&t->lock);
    t->host = pid;
    pthread_mutex_unlock(&t->lock);
}

pm_status pm_twin_start(pm_twin *t)
{
    if (!t || t->started)
        return PM_ERR_ARG;
    t->cycle0 = t->avr->cycle;
    t->next_tick = t->cycle0 + TICK_CYCLES;
    t->last_edge[0] = t->last_edge[1] = t->cycle0;
    clock_gettime(CLOCK_MONOTONIC, &t->wall0);
    t->started = 1;
    if (pthread_create(&t->emu_thread, NULL, emu_main, t))
        return PM_ERR_NOMEM;
    if (pthread_create(&t->cam_thread, NULL, cam_main, t)) {
        t->stop_flag = 1;
        pthread_join(t->emu_thread, NULL);
        return PM_ERR_NOMEM;
    }
    t->threads_started = 1;
    return PM_OK;
}

double pm_twin_elapsed(const pm_twin *t)
{
    if (!t)
        return 0;
    pthread_mutex_lock((pthread_mutex_t *)&t->lock);
    double s = t->st.seconds;
    pthread_mutex_unlock((pthread_mutex_t *)&t->lock);
    return s;
}

int pm_twin_failed(const pm_twin *t) { return t ? t->failed : 0; }

void pm_twin_stop(pm_twin *t)
{
    if (!t || !t->threads_started)
        return;
    t->stop_flag = 1;
    pthread_join(t->emu_thread, NULL);
    pthread_join(t->cam_thread, NULL);
    t->threads_started = 0;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double wall = (double)(now.tv_sec - t->wall0.tv_sec) + (now.tv_nsec - t->wall0.tv_nsec) * 1e-9;
    t->st.realtime_factor = wall > 0 ? t->st.seconds / wall : 0;
}

pm_twin_stats pm_twin_get_stats(const pm_twin *t)
{
    pm_twin_stats s;
    memset(&s, 0, sizeof s);
    if (!t)
        return s;
    pthread_mutex_lock((pthread_mutex_t *)&t->lock);
    s = t->st;
    pthread_mutex_unlock((pthread_mutex_t *)&t->lock);
    return s;
}
