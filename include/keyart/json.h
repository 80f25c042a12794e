/* keyart/json.h: the number formats every JSON output of keyart shares (docs/json.md):
 * times in seconds rounded to milliseconds, counts as integers, intervals as
 * {"lo", "hi"}, and the precision every dump prints reals with, so that a rounded
 * time prints as 9.542 and not as 9.5419999999999998. */
#ifndef KEYART_JSON_H
#define KEYART_JSON_H

#ifdef __cplusplus
extern "C" {
#endif

struct json_t;

/* Significant digits of every real keyart dumps: JSON_REAL_PRECISION(KA_JSON_PRECISION).
 * 15 prints a value rounded to a few decimals back as written (17 would show the
 * binary double's tail) and still keeps a Unix time in milliseconds exact. */
#define KA_JSON_PRECISION 15
/* The dump flag itself (expands where <jansson.h> is included). */
#define KA_JSON_REAL JSON_REAL_PRECISION(KA_JSON_PRECISION)

/* x rounded to `decimals` places; non-finite values become 0 and -0 becomes 0. */
double ka_json_round(double x, int decimals);
/* A time in seconds (media time *_s or Unix time *_at / ts) rounded to milliseconds;
 * null when not finite. */
struct json_t *ka_json_time(double s);
/* A count (events, impressions, clicks, n, ...) as a JSON integer, whatever type it
 * was summed in. */
struct json_t *ka_json_count(double n);
/* A real rounded to `decimals` places (scores, rates); null when not finite. */
struct json_t *ka_json_real(double x, int decimals);
/* A number as it is (15 significant digits when dumped); null when not finite. */
struct json_t *ka_json_number(double x);
/* An interval: {"lo": lo, "hi": hi}, null for an end that is not finite. */
struct json_t *ka_json_interval(double lo, double hi);

#ifdef __cplusplus
}
#endif
#endif
