/* output_internal.h: helpers shared by the output module's files (paths, atomic
 * writes, the contact sheet). Not part of the public API; tests may use it. */
#ifndef KA_OUTPUT_INTERNAL_H
#define KA_OUTPUT_INTERNAL_H

#include <stddef.h>

#include "keyart/output.h"

/* Rounds x to `decimals` places; non-finite values become 0 so JSON stays valid. */
double ka_out_round(double x, int decimals);

/* dir + "/" + name into buf; KA_EINVAL (with a message) when it does not fit. */
int ka_out_path(char *buf, size_t size, const char *dir, const char *name);
/* mkdir -p; KA_EIO naming the path when a component cannot be made or is not a folder. */
int ka_out_mkdirs(const char *dir);

/* Atomic writes: into a hidden temp file beside the target, then rename(2).
 * On failure the target is untouched and the temp file removed. */
int ka_out_write_json(const char *path, struct json_t *j);
int ka_out_write_jpeg(const char *path, const ka_image *img, int quality);
int ka_out_write_csv(const char *path, const ka_title *t);

/* stage.c: the output folder swapped in whole. open checks the folder holds only what
 * an analysis writes (else KA_EIO saying which file is not), clears what killed runs
 * left, and makes the hidden sibling stage (.NAME.tmp.PID) to write into; commit puts
 * stage in dir's place at once (the old result removed), abort removes stage. */
int ka_out_stage_open(const char *dir, char *stage, size_t size);
int ka_out_stage_commit(const char *stage, const char *dir);
void ka_out_stage_abort(const char *stage);

/* Contact sheet layout: THUMB_W px wide thumbnails, up to COLS per row. */
enum { KA_SHEET_THUMB_W = 320, KA_SHEET_COLS = 4, KA_SHEET_PAD = 8,
       KA_SHEET_HEADER_H = 30, KA_SHEET_LABEL_H = 46 };

/* Height of the thumbnail box for a content area of cw x ch. */
int ka_sheet_thumb_h(int cw, int ch);
/* Size of the sheet for n variants with thumbnail boxes thumb_h px high. */
void ka_sheet_size(int n, int thumb_h, int *width, int *height);

/* The contact sheet: thumbs[i] is variant i's picture (any size, fitted into its
 * box; entries may have NULL data). Returns an RGB image the caller frees. */
int ka_sheet_render(const ka_title *t, const ka_selection *sel, const char *genre,
                    const ka_image *thumbs, ka_image *out);

/* web_files.c (made by scripts/embed-web.py at build time): the files, ended by an
 * all-zero row. */
extern const ka_web_file ka_web_files[];

#endif
