/* Small JSON writer (into a growing buffer) and reader (a tree) for the CLI's run records. */
#ifndef PRIMOD_JSON_H
#define PRIMOD_JSON_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PM_JSON_MAX_DEPTH 32

/* Writer: call pm_json_init, then begin/key/value/end calls, read pm_json_text, then pm_json_free.
 * Commas are inserted automatically. On allocation failure the writer sets failed and drops the rest. */
typedef struct {
    char *buf;           /* NUL-terminated text, owned */
    size_t len, cap;
    int depth;
    int after_key;       /* the next value completes a "key": value pair */
    unsigned char has_item[PM_JSON_MAX_DEPTH]; /* per open container: a value was written already */
    int failed;
} pm_json;

void pm_json_init(pm_json *j);
void pm_json_free(pm_json *j);
/* The text so far ("" if nothing or after an allocation failure); valid until the next call. */
const char *pm_json_text(const pm_json *j);
void pm_json_begin_object(pm_json *j);
void pm_json_end_object(pm_json *j);
void pm_json_begin_array(pm_json *j);
void pm_json_end_array(pm_json *j);
void pm_json_key(pm_json *j, const char *key);
void pm_json_string(pm_json *j, const char *s);   /* NULL writes null */
void pm_json_double(pm_json *j, double x);         /* %.17g (round-trip exact); NaN/inf write null */
void pm_json_long(pm_json *j, long long x);
void pm_json_ulong(pm_json *j, unsigned long long x);   /* the whole 64-bit range (a seed), exact */
void pm_json_bool(pm_json *j, int b);
void pm_json_null(pm_json *j);
/* Key and value in one call, for the many flat fields of result objects. */
void pm_json_kv_string(pm_json *j, const char *key, const char *s);
void pm_json_kv_double(pm_json *j, const char *key, double x);
void pm_json_kv_long(pm_json *j, const char *key, long long x);
void pm_json_kv_ulong(pm_json *j, const char *key, unsigned long long x);
void pm_json_kv_bool(pm_json *j, const char *key, int b);
/* Writes text verbatim as the next value; the caller vouches that it is one valid JSON value. */
void pm_json_raw(pm_json *j, const char *text);

/* Reader: a parsed value tree. */
typedef enum { PM_JV_NULL, PM_JV_BOOL, PM_JV_NUMBER, PM_JV_STRING, PM_JV_ARRAY, PM_JV_OBJECT } pm_jv_type;
typedef struct pm_jv {
    pm_jv_type type;
    double number;            /* NUMBER, BOOL (0/1) */
    char *string;             /* STRING (owned, NUL-terminated) */
    struct pm_jv **items;     /* ARRAY, OBJECT: (n) values, owned */
    char **keys;              /* OBJECT: (n) keys, owned */
    int n;
} pm_jv;

/* Parses one JSON value (surrounding whitespace allowed, nothing else after it). NULL on a syntax error,
 * too deep nesting or no memory. Free with pm_jv_free (NULL does nothing). */
pm_jv *pm_jv_parse(const char *text);
void pm_jv_free(pm_jv *v);
/* Member of an object, or NULL (also when v is NULL or not an object). */
const pm_jv *pm_jv_get(const pm_jv *v, const char *key);

#ifdef __cplusplus
}
#endif

#endif
