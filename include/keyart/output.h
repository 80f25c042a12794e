/* keyart/output.h: what an analysis leaves behind: variant images and crops,
 * metadata.json, shots.json / shots.csv and a contact sheet. */
#ifndef KEYART_OUTPUT_H
#define KEYART_OUTPUT_H

#include <stdio.h>

#include "keyart/select.h"

#ifdef __cplusplus
extern "C" {
#endif

struct json_t;

/* The title's metadata: {"title": {...}, "variants": [ {seed fields, reason}, ... ]}.
 * New reference; NULL on out of memory. */
struct json_t *ka_metadata_json(const ka_title *t, const ka_selection *sel, const char *genre);
/* [{"index", "start_frame", "end_frame", "start_s", "end_s", "transition_in",
 *   "transition_span"?}, ...] */
struct json_t *ka_shots_json(const ka_title *t);
int ka_shots_write_csv(const ka_title *t, FILE *f);

typedef struct ka_output_opts {
    int jpeg_quality;               /* 92 */
    int contact_sheet;              /* 1 */
    int report;                     /* 0; 1: report.html too (ka_report_write) */
} ka_output_opts;

/* report.html in dir, which ka_output_prepare has filled (its pictures are read back):
 * the dashboard's title view as one file that opens offline, with the title view
 * model (docs/dashboard.md), the dashboard's CSS and JavaScript, and the pictures
 * inlined. */
int ka_report_write(const char *dir, const ka_title *t, const ka_selection *sel,
                    const char *genre);

/* Writes into dir (created if missing): variant_NN.jpg (full frame, bars removed),
 * variant_NN_16x9.jpg, variant_NN_2x3.jpg, variant_NN_1x1.jpg, metadata.json,
 * shots.json, shots.csv, contact_sheet.jpg, and report.html when opts->report. */
int ka_output_write(const char *dir, const ka_title *t, const ka_selection *sel,
                    const char *genre, const ka_output_opts *opts);

/* ka_output_write in two halves, for a caller that stores the result somewhere else
 * too and wants the folder to change only once that succeeded: prepare writes
 * everything into a hidden sibling of dir (its path into stage, of size bytes);
 * commit then puts it in dir's place at once, abort removes it. */
int ka_output_prepare(const char *dir, const ka_title *t, const ka_selection *sel,
                      const char *genre, const ka_output_opts *opts, char *stage,
                      size_t size);
int ka_output_commit(const char *stage, const char *dir);
void ka_output_abort(const char *stage);

#ifdef __cplusplus
}
#endif
/* The dashboard's files (web/), built into the library so that `keyart serve` and the
 * offline report need nothing from disk: a file's name ("app.js"), its media type, its
 * bytes (followed by a NUL, so text files are C strings too) and their number. */
typedef struct ka_web_file {
    const char *name, *type;
    const unsigned char *data;
    size_t size;
} ka_web_file;

/* The file called name; NULL when there is none. */
const ka_web_file *ka_web_file_find(const char *name);

#endif
