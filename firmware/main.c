/* ATmega328P firmware of the line follower: 8 light sensors out as 'S' frames, 2 servos in from 'M' frames. */
/*
 * Plain avr-libc, no Arduino core. Pins (Arduino Uno/Nano numbering in brackets):
 *   light sensors  ADC0..ADC7 (A0..A7; ADC6/ADC7 exist on the TQFP/Nano package), read as 8 bits, 0 = dark
 *   left servo     OC1A = PB1 (D9),  right servo  OC1B = PB2 (D10): 50 Hz pulses from Timer1
 *   serial         USART0 115200 8N1 (the USB bridge of the board)
 * Frames and CRC come from ../src/robot/frame.c, the very file the host uses (SPEC §7 link, docs/robot.md).
 * Safety: the servos get the stop pulse until a valid 'M' arrives, on 'H', and whenever no valid 'M' has
 * arrived for MOTOR_TIMEOUT_MS (the host died, the cable fell out); the hardware watchdog resets a hung MCU.
 */
#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/wdt.h>
#include <stdint.h>

#include "primod/frame.h"

#ifndef F_CPU
#define F_CPU 16000000UL
#endif
#define BAUD 115200UL
#define SENSOR_PERIOD_MS 10u      /* 'S' frames at 100 Hz */
#define MOTOR_TIMEOUT_MS 250u     /* stop both servos when no valid 'M' for this long */
#define SERVO_STOP_US 1500        /* pulse width at which a continuous-rotation servo stands still */
#define SERVO_PERIOD_TICKS 40000u /* 20 ms at 0.5 us per tick (16 MHz / 8) */
#define RX_SIZE 64u               /* receive ring, power of two */

static volatile uint8_t rx_buf[RX_SIZE]; /* (RX_SIZE) bytes written by the RX interrupt, read by main */
static volatile uint8_t rx_head, rx_tail;
static volatile uint16_t ms_now;         /* milliseconds, wraps every 65.5 s (differences stay valid) */

ISR(USART_RX_vect)
{
    uint8_t b = UDR0;
    uint8_t next = (uint8_t)((rx_head + 1u) & (RX_SIZE - 1u));
    if (next != rx_tail) { /* full: drop the byte; the frame CRC will reject what it broke */
        rx_buf[rx_head] = b;
        rx_head = next;
    }
}

ISR(TIMER2_COMPA_vect)
{
    ms_now++;
}

static uint16_t millis16(void)
{
    uint8_t sreg = SREG;
    cli();
    uint16_t t = ms_now; /* two-byte read must not be torn by the tick interrupt */
    SREG = sreg;
    return t;
}

static int rx_pop(uint8_t *b)
{
    if (rx_tail == rx_head)
        return 0;
    *b = rx_buf[rx_tail];
    rx_tail = (uint8_t)((rx_tail + 1u) & (RX_SIZE - 1u));
    return 1;
}

static void uart_init(void)
{
    /* U2X: UBRR = F_CPU / (8 BAUD) - 1 = 16.36 -> 16, 2.1 % fast, within the 8N1 tolerance */
    UCSR0A = (uint8_t)(1u << U2X0);
    UBRR0 = (uint16_t)(F_CPU / (8UL * BAUD) - 1UL);
    UCSR0B = (uint8_t)((1u << RXEN0) | (1u << TXEN0) | (1u << RXCIE0));
    UCSR0C = (uint8_t)((1u << UCSZ01) | (1u << UCSZ00)); /* 8N1 */
}

static void uart_write(const uint8_t *b, uint8_t n)
{
    for (uint8_t i = 0; i < n; i++) {
        while (!(UCSR0A & (1u << UDRE0)))
            ;
        UDR0 = b[i];
    }
}

static void timers_init(void)
{
    /* Timer1: fast PWM mode 14 (TOP = ICR1), prescaler 8 -> 0.5 us ticks, 20 ms period, OC1A/OC1B non-inverting */
    DDRB |= (uint8_t)((1u << PB1) | (1u << PB2));
    ICR1 = SERVO_PERIOD_TICKS - 1u;
    TCCR1A = (uint8_t)((1u << COM1A1) | (1u << COM1B1) | (1u << WGM11));
    TCCR1B = (uint8_t)((1u << WGM13) | (1u << WGM12) | (1u << CS11));
    /* Timer2: CTC, prescaler 64, OCR2A 249 -> exactly 1 kHz tick */
    TCCR2A = (uint8_t)(1u << WGM21);
    TCCR2B = (uint8_t)(1u << CS22);
    OCR2A = 249;
    TIMSK2 = (uint8_t)(1u << OCIE2A);
}

static int16_t clamp_offset(int16_t v)
{
    if (v > PM_FRAME_MOTOR_LIMIT)
        return PM_FRAME_MOTOR_LIMIT;
    if (v < -PM_FRAME_MOTOR_LIMIT)
        return -PM_FRAME_MOTOR_LIMIT;
    return v;
}

/* Sets both pulse widths from offsets (us) relative to the stop pulse; offsets are clamped to +-200 us. */
static void servos_set(int16_t left, int16_t right)
{
    uint16_t l = (uint16_t)(2 * (SERVO_STOP_US + clamp_offset(left)));
    uint16_t r = (uint16_t)(2 * (SERVO_STOP_US + clamp_offset(right)));
    uint8_t sreg = SREG;
    cli(); /* 16-bit timer registers share one temp byte with the ISRs' accesses */
    OCR1A = l;
    OCR1B = r;
    SREG = sreg;
}

static void adc_init(void)
{
    ADMUX = (uint8_t)((1u << REFS0) | (1u << ADLAR));                         /* AVcc reference, 8-bit result in ADCH */
    ADCSRA = (uint8_t)((1u << ADEN) | (1u << ADPS2) | (1u << ADPS1) | (1u << ADPS0)); /* 16 MHz / 128 = 125 kHz */
    DIDR0 = 0x3F;                                                             /* no digital input buffers on ADC0..5 */
}

static uint8_t adc_read(uint8_t channel)
{
    ADMUX = (uint8_t)((ADMUX & 0xF0u) | (channel & 0x07u));
    ADCSRA |= (uint8_t)(1u << ADSC);
    while (ADCSRA & (1u << ADSC))
        ;
    return ADCH;
}

int main(void)
{
    MCUSR = 0; /* a watchdog reset must not leave the watchdog armed at its shortest period */
    wdt_disable();
    servos_set(0, 0);
    timers_init();
    adc_init();
    uart_init();
    wdt_enable(WDTO_500MS);
    sei();

    pm_frame_parser parser;
    pm_frame_parser_init(&parser);
    uint8_t seq = 0;
    uint16_t last_sensor = millis16(), last_motor = last_sensor;
    uint8_t driving = 0; /* 1 while the last valid 'M' is fresh */

    for (;;) {
        wdt_reset();
        uint8_t b;
        pm_frame f;
        while (rx_pop(&b)) {
            if (!pm_frame_parser_feed(&parser, b, &f))
                continue;
            if (f.type == PM_FRAME_MOTORS) {
                uint8_t used_seq;
                int16_t left, right;
                if (pm_frame_decode_motors(&f, &used_seq, &left, &right) == PM_OK) {
                    servos_set(left, right);
                    last_motor = millis16();
                    driving = 1;
                }
            } else if (f.type == PM_FRAME_HALT) {
                servos_set(0, 0);
                driving = 0;
            }
        }
        uint16_t now = millis16();
        if (driving && (uint16_t)(now - last_motor) > MOTOR_TIMEOUT_MS) {
            servos_set(0, 0);
            driving = 0;
        }
        if ((uint16_t)(now - last_sensor) >= SENSOR_PERIOD_MS) {
            last_sensor = (uint16_t)(last_sensor + SENSOR_PERIOD_MS); /* fixed rate, no drift */
            if ((uint16_t)(now - last_sensor) >= SENSOR_PERIOD_MS)
                last_sensor = now; /* fell behind (long stall): restart the schedule instead of bursting */
            uint8_t sensors[PM_FRAME_N_SENSORS];
            for (uint8_t i = 0; i < PM_FRAME_N_SENSORS; i++)
                sensors[i] = adc_read(i);
            uint8_t out[PM_FRAME_MAX_BYTES];
            size_t n = pm_frame_encode_sensors(seq++, sensors, out);
            uart_write(out, (uint8_t)n);
        }
    }
}
