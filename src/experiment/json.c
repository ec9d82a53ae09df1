/* Small JSON writer and reader for the CLI: run records are written with %.17g so they read back bit-exact. */
#include "primod/json.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- writer ---- */

void pm_json_init(pm_json *j)
{
    memset(j, 0, sizeof *j);
}

void pm_json_free(pm_json *j)
{
    free(j->buf);
    memset(j, 0, sizeof *j);
}

const char *pm_json_text(const pm_json *j)
{
    return (j->buf && !j->failed) ? j->buf : "";
}

static void put(pm_json *j, const char *s, size_t n)
{
    if (j->failed)
        return;
    if (j->len + n + 1 > j->cap) {
        size_t cap = j->cap ? j->cap : 256;
        while (cap < j->len + n + 1)
            cap *= 2;
        char *b = realloc(j->buf, cap);
        if (!b) {
            j->failed = 1;
            return;
        }
        j->buf = b;
        j->cap = cap;
    }
    memcpy(j->buf + j->len, s, n);
    j->len += n;
    j->buf[j->len] = '\0';
}

static void putf(pm_json *j, const char *fmt, ...)
{
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        put(j, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* Separator before a value or key: a comma unless it is the first item of its container or follows a key. */
static void before_item(pm_json *j)
{
    if (j->after_key) {
        j->after_key = 0;
        return;
    }
    if (j->depth > 0) {
        if (j->has_item[j->depth - 1])
            put(j, ",", 1);
        j->has_item[j->depth - 1] = 1;
    }
}

static void open_container(pm_json *j, char c)
{
    before_item(j);
    put(j, &c, 1);
    if (j->depth < PM_JSON_MAX_DEPTH)
        j->has_item[j->depth] = 0;
    j->depth++;
}

static void close_container(pm_json *j, char c)
{
    if (j->depth > 0)
        j->depth--;
    put(j, &c, 1);
}

void pm_json_begin_object(pm_json *j) { open_container(j, '{'); }
void pm_json_end_object(pm_json *j) { close_container(j, '}'); }
void pm_json_begin_array(pm_json *j) { open_container(j, '['); }
void pm_json_end_array(pm_json *j) { close_container(j, ']'); }

static void put_quoted(pm_json *j, const char *s)
{
    put(j, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            char e[2] = {'\\', (char)*p};
            put(j, e, 2);
        } else if (*p < 0x20) {
            putf(j, "\\u%04x", *p);
        } else {
            put(j, (const char *)p, 1);
        }
    }
    put(j, "\"", 1);
}

void pm_json_key(pm_json *j, const char *key)
{
    before_item(j);
    put_quoted(j, key);
    put(j, ":", 1);
    j->after_key = 1;
}

void pm_json_string(pm_json *j, const char *s)
{
    if (!s) {
        pm_json_null(j);
        return;
    }
    before_item(j);
    put_quoted(j, s);
}

void pm_json_double(pm_json *j, double x)
{
    if (!isfinite(x)) {
        pm_json_null(j);
        return;
    }
    before_item(j);
    putf(j, "%.17g", x);
}

void pm_json_long(pm_json *j, long long x)
{
    before_item(j);
    putf(j, "%lld", x);
}

void pm_json_ulong(pm_json *j, unsigned long long x)
{
    before_item(j);
    putf(j, "%llu", x);
}

void pm_json_bool(pm_json *j, int b)
{
    before_item(j);
    put(j, b ? "true" : "false", b ? 4 : 5);
}

void pm_json_null(pm_json *j)
{
    before_item(j);
    put(j, "null", 4);
}

void pm_json_raw(pm_json *j, const char *text)
{
    before_item(j);
    put(j, text, strlen(text));
}

/* ---- reader: recursive descent over a NUL-terminated string ---- */

typedef struct {
    const char *p;
    int depth;
} reader;

static void skip_ws(reader *r)
{
    while (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')
        r->p++;
}

void pm_jv_free(pm_jv *v)
{
    if (!v)
        return;
    for (int i = 0; i < v->n; i++) {
        pm_jv_free(v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->string);
    free(v);
}

static pm_jv *parse_value(reader *r);

/* Parses a string literal at r->p (which points at the opening quote); returns an owned copy or NULL.
 * \uXXXX escapes above 0x7f are replaced by '?': the CLI never writes them. */
static char *parse_string(reader *r)
{
    if (*r->p != '"')
        return NULL;
    r->p++;
    size_t cap = 16, n = 0;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    for (;;) {
        char c = *r->p++;
        if (c == '\0' || (unsigned char)c < 0x20)
            goto fail;
        if (c == '"')
            break;
        if (c == '\\') {
            char e = *r->p++;
            switch (e) {
            case '"': case '\\': case '/': c = e; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'u': {
                unsigned v = 0;
                for (int k = 0; k < 4; k++) {
                    char h = *r->p++;
                    v <<= 4;
                    if (h >= '0' && h <= '9') v |= (unsigned)(h - '0');
                    else if (h >= 'a' && h <= 'f') v |= (unsigned)(h - 'a' + 10);
                    else if (h >= 'A' && h <= 'F') v |= (unsigned)(h - 'A' + 10);
                    else goto fail;
                }
                c = (v >= 1 && v < 0x80) ? (char)v : '?';
                break;
            }
            default: goto fail;
            }
        }
        if (n + 2 > cap) {
            cap *= 2;
            char *t = realloc(s, cap);
            if (!t)
                goto fail;
            s = t;
        }
        s[n++] = c;
    }
    s[n] = '\0';
    return s;
fail:
    free(s);
    return NULL;
}

static pm_jv *new_value(pm_jv_type t)
{
    pm_jv *v = calloc(1, sizeof *v);
    if (v)
        v->type = t;
    return v;
}

/* Appends item (and key for objects) to a container; on failure frees them and returns -1. */
static int append(pm_jv *c, pm_jv *item, char *key)
{
    pm_jv **items = realloc(c->items, (size_t)(c->n + 1) * sizeof *items);
    if (items)
        c->items = items;
    char **keys = c->keys;
    if (items && c->type == PM_JV_OBJECT) {
        keys = realloc(c->keys, (size_t)(c->n + 1) * sizeof *keys);
        if (keys)
            c->keys = keys;
    }
    if (!items || (!keys && c->type == PM_JV_OBJECT)) {
        pm_jv_free(item);
        free(key);
        return -1;
    }
    c->items[c->n] = item;
    if (c->type == PM_JV_OBJECT)
        c->keys[c->n] = key;
    c->n++;
    return 0;
}

static pm_jv *parse_container(reader *r, pm_jv_type t)
{
    char close = t == PM_JV_OBJECT ? '}' : ']';
    pm_jv *c = new_value(t);
    if (!c || ++r->depth > PM_JSON_MAX_DEPTH)
        goto fail;
    r->p++;
    skip_ws(r);
    if (*r->p == close) {
        r->p++;
        r->depth--;
        return c;
    }
    for (;;) {
        char *key = NULL;
        skip_ws(r);
        if (t == PM_JV_OBJECT) {
            key = parse_string(r);
            if (!key)
                goto fail;
            skip_ws(r);
            if (*r->p != ':') {
                free(key);
                goto fail;
            }
            r->p++;
        }
        pm_jv *item = parse_value(r);
        if (!item) {
            free(key);
            goto fail;
        }
        if (append(c, item, key))
            goto fail;
        skip_ws(r);
        if (*r->p == ',') {
            r->p++;
            continue;
        }
        if (*r->p == close) {
            r->p++;
            r->depth--;
            return c;
        }
        goto fail;
    }
fail:
    pm_jv_free(c);
    return NULL;
}

static pm_jv *parse_literal(reader *r, const char *word, pm_jv_type t, double num)
{
    size_t n = strlen(word);
    if (strncmp(r->p, word, n))
        return NULL;
    r->p += n;
    pm_jv *v = new_value(t);
    if (v)
        v->number = num;
    return v;
}

static pm_jv *parse_number(reader *r)
{
    /* JSON grammar: -?digits(.digits)?([eE][+-]?digits)? ; strtod then accepts exactly that span. */
    const char *s = r->p;
    if (*s == '-')
        s++;
    if (*s < '0' || *s > '9')
        return NULL;
    char *end;
    double x = strtod(r->p, &end);
    if (end == r->p || !isfinite(x))
        return NULL;
    for (const char *q = r->p; q < end; q++)
        if (!strchr("0123456789+-.eE", *q))
            return NULL;   /* rejects "inf", "nan", hex floats */
    r->p = end;
    pm_jv *v = new_value(PM_JV_NUMBER);
    if (v)
        v->number = x;
    return v;
}

static pm_jv *parse_value(reader *r)
{
    skip_ws(r);
    switch (*r->p) {
    case '{': return parse_container(r, PM_JV_OBJECT);
    case '[': return parse_container(r, PM_JV_ARRAY);
    case '"': {
        char *s = parse_string(r);
        pm_jv *v = s ? new_value(PM_JV_STRING) : NULL;
        if (!v) {
            free(s);
            return NULL;
        }
        v->string = s;
        return v;
    }
    case 't': return parse_literal(r, "true", PM_JV_BOOL, 1);
    case 'f': return parse_literal(r, "false", PM_JV_BOOL, 0);
    case 'n': return parse_literal(r, "null", PM_JV_NULL, 0);
    default: return parse_number(r);
    }
}

pm_jv *pm_jv_parse(const char *text)
{
    if (!text)
        return NULL;
    reader r = {text, 0};
    pm_jv *v = parse_value(&r);
    if (!v)
        return NULL;   /* r.p may point past a NUL the failing parser consumed: do not read on */
    skip_ws(&r);
    if (*r.p != '\0') {
        pm_jv_free(v);
        return NULL;
    }
    return v;
}

const pm_jv *pm_jv_get(const pm_jv *v, const char *key)
{
    if (!v || v->type != PM_JV_OBJECT)
        return NULL;
    for (int i = 0; i < v->n; i++)
        if (!strcmp(v->keys[i], key))
            return v->items[i];
    return NULL;
}

void pm_json_kv_string(pm_json *j, const char *key, const char *s)
{
    pm_json_key(j, key);
    pm_json_string(j, s);
}

void pm_json_kv_double(pm_json *j, const char *key, double x)
{
    pm_json_key(j, key);
    pm_json_double(j, x);
}

void pm_json_kv_long(pm_json *j, const char *key, long long x)
{
    pm_json_key(j, key);
    pm_json_long(j, x);
}

void pm_json_kv_ulong(pm_json *j, const char *key, unsigned long long x)
{
    pm_json_key(j, key);
    pm_json_ulong(j, x);
}

void pm_json_kv_bool(pm_json *j, const char *key, int b)
{
    pm_json_key(j, key);
    pm_json_bool(j, b);
}
