/* sim_priv.h: the simulation's inside, shared by its files: the catalogue and the
 * viewers as the simulation sees them (world.c) and the runs (run.c). */
#ifndef KA_SIM_PRIV_H
#define KA_SIM_PRIV_H

#include <jansson.h>

#include "keyart/rank.h"
#include "keyart/serve.h"
#include "keyart/simulate.h"
#include "keyart/store.h"

enum { KA_SIM_TV = 0, KA_SIM_PHONE, KA_SIM_DESKTOP };

typedef struct ka_sim_variant {
    int number;
    int scene, composition;
    int n_roles;
    int roles[KA_PV_MAX_CHARS];
    double quality;                 /* the ranker's grade / 3 */
    double warmth;                  /* 0 cold .. 1 warm: the catalogue's, or fixed per
                                     * variant when it has none (keyart does not know) */
} ka_sim_variant;

typedef struct ka_sim_title {
    char id[128];
    int genre;                      /* ka_profile_genre_index, -1 unknown */
    int n_variants;
    ka_sim_variant variants[KA_POLICY_MAX_ARMS];
} ka_sim_title;

/* A viewer's hidden tastes (0..1 each) and habits. */
typedef struct ka_sim_viewer {
    char id[16];
    int segment, device;
    double hour;                    /* when they usually visit (0..24, may wrap) */
    double base_logit;
    double genre[KA_PROFILE_GENRES];
    double scene[KA_SCENE_COUNT];
    double composition[KA_COMP_COUNT];
    double role[KA_ROLE_COUNT];
    double warmth;
} ka_sim_viewer;

/* A role's index by its name (every ka_role, "lead" included), -1 when unknown. */
int ka_sim_role_index(const char *name);
int ka_sim_titles_from(const json_t *catalog, ka_sim_title **out, int *n);
int ka_sim_viewers_make(const ka_sim_scenario *s, ka_sim_viewer **out);
/* The chance w clicks v of t at that hour of the day. */
double ka_sim_click_p(const ka_sim_scenario *s, const ka_sim_viewer *w, const ka_sim_title *t,
                      const ka_sim_variant *v, double hour);
/* How much w likes t's genre (0..1): plays and completions follow it. */
double ka_sim_genre_fit(const ka_sim_viewer *w, const ka_sim_title *t);

#endif
