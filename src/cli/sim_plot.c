/* sim_plot.c: keyart simulate --plot FILE: a PNG chart of each policy's expected click
 * rate per day (the mean click probability of what it showed: the learning curve
 * without the noise of the draws), drawn in process with libgd and its built-in fonts,
 * so that the chart needs no program at run time. One line per policy in a colour of
 * its own (the colours below: tests look for them), a legend, axes with ticks and a
 * light grid. */
#include <gd.h>
#include <gdfontmb.h>
#include <gdfonts.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

enum { LEFT = 72, RIGHT = 170, TOP = 44, BOTTOM = 56 };

/* The policies' names and colours as the chart shows them; others take the spare ones. */
static const struct {
    const char *policy, *label;
    int rgb;
} known[] = {
    { "uniform", "random", 0x8c8c8c }, { "seed", "seed scorer", 0xe69f00 },
    { "egreedy", "epsilon-greedy", 0x009e73 }, { "thompson", "Thompson", 0x0072b2 },
    { "linucb", "LinUCB", 0xd55e00 }, { "oracle", "oracle", 0x000000 },
};
static const int spare[] = { 0xcc79a7, 0x56b4e9, 0xf0e442, 0x882255 };

static int style_of(const char *policy, int i, const char **label)
{
    for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
        if (!strcmp(policy, known[k].policy)) {
            *label = known[k].label;
            return known[k].rgb;
        }
    *label = policy;
    return spare[i % (int)(sizeof spare / sizeof spare[0])];
}

/* A tick step of 1, 2, 2.5 or 5 times a power of ten that gives at most max ticks. */
static double nice_step(double range, int max)
{
    double p = pow(10, floor(log10(range / max)));
    static const double m[] = { 1, 2, 2.5, 5, 10 };
    for (int i = 0; i < 5; i++)
        if (range / (m[i] * p) <= max)
            return m[i] * p;
    return 10 * p;
}

typedef struct frame {
    gdImagePtr im;
    int x0, y0, x1, y1;             /* the plot area: left, top, right, bottom */
    int days;
    double ymax;
} frame;

static int px(const frame *f, int day)
{
    return f->days > 1 ? f->x0 + (f->x1 - f->x0) * day / (f->days - 1) : (f->x0 + f->x1) / 2;
}

static int py(const frame *f, double v)
{
    return f->y1 - (int)lround((f->y1 - f->y0) * v / f->ymax);
}

static void axes(const frame *f, int ink, int grid)
{
    gdImagePtr im = f->im;
    gdFontPtr small = gdFontGetSmall();
    double step = nice_step(f->ymax, 6);
    char s[32];
    for (int k = 0; k * step <= f->ymax + 1e-12; k++) {
        int y = py(f, k * step);
        gdImageLine(im, f->x0, y, f->x1, y, grid);
        gdImageLine(im, f->x0 - 5, y, f->x0, y, ink);
        snprintf(s, sizeof s, "%.3g", k * step);
        gdImageString(im, small, f->x0 - 8 - (int)strlen(s) * small->w, y - small->h / 2,
                      (unsigned char *)s, ink);
    }
    int every = (int)ceil(nice_step(f->days > 1 ? f->days - 1 : 1, 12));
    every = every < 1 ? 1 : every;
    for (int d = 0; d < f->days; d += every) {
        int x = px(f, d);
        gdImageLine(im, x, f->y1, x, f->y1 + 5, ink);
        snprintf(s, sizeof s, "%d", d + 1);
        gdImageString(im, small, x - (int)strlen(s) * small->w / 2, f->y1 + 8,
                      (unsigned char *)s, ink);
    }
    gdImageLine(im, f->x0, f->y0, f->x0, f->y1, ink);
    gdImageLine(im, f->x0, f->y1, f->x1, f->y1, ink);
    gdImageString(im, small, (f->x0 + f->x1) / 2 - 3 * small->w / 2, f->y1 + 26,
                  (unsigned char *)"day", ink);
    const char *ylab = "expected click rate";
    gdImageStringUp(im, small, 14, (f->y0 + f->y1) / 2 + (int)strlen(ylab) * small->w / 2,
                    (unsigned char *)ylab, ink);
}

static void line_of(const frame *f, const ka_sim_result *r, int colour)
{
    gdImageSetThickness(f->im, 3);
    for (int d = 1; d < f->days; d++)
        gdImageLine(f->im, px(f, d - 1), py(f, r->day_expected_ctr[d - 1]), px(f, d),
                    py(f, r->day_expected_ctr[d]), colour);
    gdImageSetThickness(f->im, 1);
    if (f->days == 1)               /* a day is a point, not a line */
        gdImageFilledRectangle(f->im, px(f, 0) - 3, py(f, r->day_expected_ctr[0]) - 3,
                               px(f, 0) + 3, py(f, r->day_expected_ctr[0]) + 3, colour);
}

static void legend(const frame *f, const ka_sim_result *r, int n, int ink)
{
    gdFontPtr small = gdFontGetSmall();
    int x = f->x1 + 18, y = f->y0 + 4;
    for (int i = 0; i < n; i++, y += 20) {
        const char *label;
        int c = style_of(r[i].policy, i, &label);
        gdImageFilledRectangle(f->im, x, y + 5, x + 24, y + 8, c);
        gdImageString(f->im, small, x + 32, y, (unsigned char *)label, ink);
    }
}

int ka_cli_sim_plot(const char *path, const ka_sim_result *r, int n, int width, int height)
{
    if (n < 1 || r[0].days < 1)
        return ka_error(KA_EINVAL, "nothing to plot");
    frame f = { .im = gdImageCreateTrueColor(width, height), .x0 = LEFT, .y0 = TOP,
                .x1 = width - RIGHT, .y1 = height - BOTTOM, .days = r[0].days };
    if (!f.im)
        return ka_error(KA_ENOMEM, "no memory for a %dx%d chart", width, height);
    for (int i = 0; i < n; i++)
        for (int d = 0; d < f.days; d++)
            f.ymax = r[i].day_expected_ctr[d] > f.ymax ? r[i].day_expected_ctr[d] : f.ymax;
    f.ymax = f.ymax > 0 ? f.ymax : 0.01;
    double step = nice_step(f.ymax, 6);
    f.ymax = ceil(f.ymax / step - 1e-9) * step;
    int ink = 0x202020, grid = 0xe4e4e4;
    gdImageFilledRectangle(f.im, 0, 0, width - 1, height - 1, 0xffffff);
    const char *title = "Expected click rate per day, by policy";
    gdFontPtr big = gdFontGetMediumBold();
    gdImageString(f.im, big, (width - (int)strlen(title) * big->w) / 2, 14,
                  (unsigned char *)title, ink);
    axes(&f, ink, grid);
    for (int i = 0; i < n; i++) {
        const char *label;
        line_of(&f, &r[i], style_of(r[i].policy, i, &label));
    }
    legend(&f, r, n, ink);
    FILE *out = fopen(path, "wb");
    if (!out) {
        gdImageDestroy(f.im);
        return ka_error(KA_EIO, "cannot write %s", path);
    }
    gdImagePng(f.im, out);
    gdImageDestroy(f.im);
    if (fclose(out))
        return ka_error(KA_EIO, "cannot write %s", path);
    return 0;
}
