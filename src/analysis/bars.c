/* bars.c: letterbox and pillarbox bars, decided once per title by majority: every
 * picture frame votes with the dark uniform borders of its small copy, and the
 * title's bars are the median vote, so a dark scene cannot crop the picture. */
#include <string.h>

#include "pipeline_priv.h"

void ka_bars_add(ka_bars *b, const ka_signals *sig, int small_w, int small_h)
{
    if (sig->flags & (KA_FRAME_BLACK | KA_FRAME_BLANK))
        return;
    if (b->frames == 0) {
        b->small_w = small_w;
        b->small_h = small_h;
    }
    if (small_w != b->small_w || small_h != b->small_h)
        return;
    int v[4] = { sig->bar_top, sig->bar_bottom, sig->bar_left, sig->bar_right };
    for (int i = 0; i < 4; i++)
        b->hist[i][v[i] < BARS_MAX ? v[i] : BARS_MAX - 1]++;
    b->frames++;
}

static int median(const uint32_t *hist, int64_t n)
{
    int64_t seen = 0;
    for (int v = 0; v < BARS_MAX; v++) {
        seen += hist[v];
        if (2 * seen > n)
            return v;
    }
    return 0;
}

ka_rect ka_bars_content(const ka_bars *b, int width, int height)
{
    ka_rect full = { 0, 0, width, height };
    if (b->frames == 0 || b->small_w <= 0 || b->small_h <= 0)
        return full;
    double sx = (double)width / b->small_w, sy = (double)height / b->small_h;
    /* One small pixel more, so the soft edge of a bar stays out of the crops. */
    int top = median(b->hist[0], b->frames), bottom = median(b->hist[1], b->frames);
    int left = median(b->hist[2], b->frames), right = median(b->hist[3], b->frames);
    int y0 = top ? (int)((top + 1) * sy) : 0, y1 = height - (bottom ? (int)((bottom + 1) * sy) : 0);
    int x0 = left ? (int)((left + 1) * sx) : 0, x1 = width - (right ? (int)((right + 1) * sx) : 0);
    if (y1 - y0 < height / 4 || x1 - x0 < width / 4)
        return full;
    ka_rect r = { x0, y0, x1 - x0, y1 - y0 };
    return r;
}
