/* genre.c: genre priority tables. Each genre lists slots (a kind of picture it wants
 * among its variants), the share of the variants each slot gets (a table sums to 1)
 * and the scene types that fill it, best first.
 *
 * action, romance and adventure are the seed system's tables, value for value. The
 * others follow the same idea (what sells the genre on a thumbnail):
 *   drama        lead_emotional .30, confrontation .25, lead_closeup .20, ensemble .15,
 *                setting .10: faces and conflict first, place last
 *   comedy       ensemble .35, lead_reaction .30, pair .20, situation .15: the cast
 *                together and expressive faces
 *   horror       dread .35, victim_closeup .25, threat .20, setting .20: mood and a
 *                frightened face, the menace, the place
 *   documentary  subject .35, setting .30, activity .20, people .15: who it is
 *                about, where, doing what
 *   animation    hero .30, ensemble .25, action .25, world .20: characters and world
 *   thriller     tension .35, hero_closeup .25, action .25, setting .15
 *   scifi        world .30, hero_action .30, hero_closeup .20, ensemble .20
 *   family       ensemble .35, lead .25, warmth .20, adventure .20 */
#include <string.h>
#include <strings.h>

#include "keyart/select.h"

#define S(x) KA_SCENE_##x
#define SLOT1(n, sh, a) { n, sh, { S(a) }, 1 }
#define SLOT2(n, sh, a, b) { n, sh, { S(a), S(b) }, 2 }
#define SLOT3(n, sh, a, b, c) { n, sh, { S(a), S(b), S(c) }, 3 }
#define GENRE(name, tab) { name, tab, (int)(sizeof(tab) / sizeof(tab[0])) }

static const ka_slot ka_slots_action[] = {
    SLOT2("hero_action", 0.40f, ACTION, HERO_CLOSEUP),
    SLOT1("hero_closeup", 0.25f, HERO_CLOSEUP),
    SLOT1("ensemble", 0.20f, ENSEMBLE),
    SLOT1("heroine", 0.15f, HEROINE_CLOSEUP),
};
static const ka_slot ka_slots_romance[] = {
    SLOT1("couple", 0.35f, ROMANTIC),
    SLOT3("single_emotional", 0.30f, EMOTIONAL, HEROINE_CLOSEUP, HERO_CLOSEUP),
    SLOT2("couple_dialogue", 0.20f, ROMANTIC, CONFRONTATION),
    SLOT1("group", 0.15f, ENSEMBLE),
};
static const ka_slot ka_slots_adventure[] = {
    SLOT2("action_journey", 0.30f, ACTION, LANDSCAPE),
    SLOT1("hero_solo", 0.25f, HERO_CLOSEUP),
    SLOT1("ensemble", 0.25f, ENSEMBLE),
    SLOT1("landscape", 0.20f, LANDSCAPE),
};
static const ka_slot ka_slots_drama[] = {
    SLOT3("lead_emotional", 0.30f, EMOTIONAL, HERO_CLOSEUP, HEROINE_CLOSEUP),
    SLOT2("confrontation", 0.25f, CONFRONTATION, EMOTIONAL),
    SLOT2("lead_closeup", 0.20f, HERO_CLOSEUP, HEROINE_CLOSEUP),
    SLOT1("ensemble", 0.15f, ENSEMBLE),
    SLOT1("setting", 0.10f, LANDSCAPE),
};
static const ka_slot ka_slots_comedy[] = {
    SLOT1("ensemble", 0.35f, ENSEMBLE),
    SLOT3("lead_reaction", 0.30f, HERO_CLOSEUP, HEROINE_CLOSEUP, EMOTIONAL),
    SLOT2("pair", 0.20f, ROMANTIC, CONFRONTATION),
    SLOT2("situation", 0.15f, ACTION, LANDSCAPE),
};
static const ka_slot ka_slots_horror[] = {
    SLOT2("dread", 0.35f, EMOTIONAL, CONFRONTATION),
    SLOT2("victim_closeup", 0.25f, HEROINE_CLOSEUP, HERO_CLOSEUP),
    SLOT2("threat", 0.20f, CONFRONTATION, ACTION),
    SLOT1("setting", 0.20f, LANDSCAPE),
};
static const ka_slot ka_slots_documentary[] = {
    SLOT2("subject", 0.35f, HERO_CLOSEUP, HEROINE_CLOSEUP),
    SLOT1("setting", 0.30f, LANDSCAPE),
    SLOT2("activity", 0.20f, ACTION, ENSEMBLE),
    SLOT1("people", 0.15f, ENSEMBLE),
};
static const ka_slot ka_slots_animation[] = {
    SLOT2("hero", 0.30f, HERO_CLOSEUP, HEROINE_CLOSEUP),
    SLOT1("ensemble", 0.25f, ENSEMBLE),
    SLOT1("action", 0.25f, ACTION),
    SLOT1("world", 0.20f, LANDSCAPE),
};
static const ka_slot ka_slots_thriller[] = {
    SLOT2("tension", 0.35f, CONFRONTATION, EMOTIONAL),
    SLOT2("hero_closeup", 0.25f, HERO_CLOSEUP, HEROINE_CLOSEUP),
    SLOT1("action", 0.25f, ACTION),
    SLOT1("setting", 0.15f, LANDSCAPE),
};
static const ka_slot ka_slots_scifi[] = {
    SLOT1("world", 0.30f, LANDSCAPE),
    SLOT2("hero_action", 0.30f, ACTION, HERO_CLOSEUP),
    SLOT2("hero_closeup", 0.20f, HERO_CLOSEUP, HEROINE_CLOSEUP),
    SLOT1("ensemble", 0.20f, ENSEMBLE),
};
static const ka_slot ka_slots_family[] = {
    SLOT1("ensemble", 0.35f, ENSEMBLE),
    SLOT2("lead", 0.25f, HERO_CLOSEUP, HEROINE_CLOSEUP),
    SLOT2("warmth", 0.20f, EMOTIONAL, ROMANTIC),
    SLOT2("adventure", 0.20f, ACTION, LANDSCAPE),
};

static const ka_genre ka_genres[] = {
    GENRE("action", ka_slots_action),
    GENRE("romance", ka_slots_romance),
    GENRE("adventure", ka_slots_adventure),
    GENRE("drama", ka_slots_drama),
    GENRE("comedy", ka_slots_comedy),
    GENRE("horror", ka_slots_horror),
    GENRE("documentary", ka_slots_documentary),
    GENRE("animation", ka_slots_animation),
    GENRE("thriller", ka_slots_thriller),
    GENRE("scifi", ka_slots_scifi),
    GENRE("family", ka_slots_family),
};

#define KA_N_GENRES ((int)(sizeof(ka_genres) / sizeof(ka_genres[0])))

_Static_assert(KA_N_GENRES == 11, "list every genre in ka_genre_ptrs");

static const ka_genre *const ka_genre_ptrs[KA_N_GENRES] = {
    &ka_genres[0], &ka_genres[1], &ka_genres[2], &ka_genres[3], &ka_genres[4], &ka_genres[5],
    &ka_genres[6], &ka_genres[7], &ka_genres[8], &ka_genres[9], &ka_genres[10],
};

/* Case-insensitive; "sci-fi" is accepted for "scifi". */
const ka_genre *ka_genre_find(const char *name)
{
    if (!name)
        return NULL;
    if (strcasecmp(name, "sci-fi") == 0)
        name = "scifi";
    for (int i = 0; i < KA_N_GENRES; i++)
        if (strcasecmp(ka_genres[i].name, name) == 0)
            return &ka_genres[i];
    return NULL;
}

const ka_genre *const *ka_genre_list(int *count)
{
    if (count)
        *count = KA_N_GENRES;
    return ka_genre_ptrs;
}
