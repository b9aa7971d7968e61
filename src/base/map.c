/*
 * map.c: string-keyed hash map with open addressing (linear probing,
 * backward-shift deletion) and SipHash-2-4 keyed by a per-process random
 * seed, so keys chosen by feeds or HTTP clients cannot force collisions.
 */
#include "base/base.h"

#include <string.h>

#include "base/banned.h"

struct map_slot {
    char *key; /* NULL: empty */
    size_t key_len;
    uint64_t hash;
    void *value;
};

struct ks_map {
    struct map_slot *slots;
    size_t cap; /* power of two */
    size_t len;
};

static uint64_t sip_k0, sip_k1;
static bool sip_seeded;

static void
seed_once(void)
{
    unsigned char k[16];

    if (sip_seeded)
        return;
    if (ks_random_bytes(k, sizeof(k), NULL) != KS_OK)
        memset(k, 0x5a, sizeof(k)); /* degrade to a fixed seed, never fail */
    memcpy(&sip_k0, k, 8);
    memcpy(&sip_k1, k + 8, 8);
    sip_seeded = true;
}

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                                   \
    do {                                                                                           \
        v0 += v1;                                                                                  \
        v1 = ROTL(v1, 13);                                                                         \
        v1 ^= v0;                                                                                  \
        v0 = ROTL(v0, 32);                                                                         \
        v2 += v3;                                                                                  \
        v3 = ROTL(v3, 16);                                                                         \
        v3 ^= v2;                                                                                  \
        v0 += v3;                                                                                  \
        v3 = ROTL(v3, 21);                                                                         \
        v3 ^= v0;                                                                                  \
        v2 += v1;                                                                                  \
        v1 = ROTL(v1, 17);                                                                         \
        v1 ^= v2;                                                                                  \
        v2 = ROTL(v2, 32);                                                                         \
    } while (0)

uint64_t
ks_hash(const void *data, size_t n)
{
    const unsigned char *in = data;
    uint64_t v0, v1, v2, v3, m, b;
    size_t i, full = n & ~(size_t)7;

    seed_once();
    v0 = 0x736f6d6570736575ULL ^ sip_k0;
    v1 = 0x646f72616e646f6dULL ^ sip_k1;
    v2 = 0x6c7967656e657261ULL ^ sip_k0;
    v3 = 0x7465646279746573ULL ^ sip_k1;
    for (i = 0; i < full; i += 8) {
        m = 0;
        for (int j = 7; j >= 0; j--)
            m = (m << 8) | in[i + (size_t)j];
        v3 ^= m;
        SIPROUND;
        SIPROUND;
        v0 ^= m;
    }
    b = ((uint64_t)n) << 56;
    for (size_t j = n - full; j > 0; j--)
        b |= ((uint64_t)in[full + j - 1]) << (8 * (j - 1));
    v3 ^= b;
    SIPROUND;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

struct ks_map *
ks_map_new(void)
{
    struct ks_map *m = ks_calloc(1, sizeof(*m));

    if (m == NULL)
        return NULL;
    m->cap = 16;
    m->slots = ks_calloc(m->cap, sizeof(*m->slots));
    if (m->slots == NULL) {
        ks_free(m);
        return NULL;
    }
    return m;
}

void
ks_map_free(struct ks_map *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->cap; i++)
        ks_free(m->slots[i].key);
    ks_free(m->slots);
    ks_free(m);
}

size_t
ks_map_len(const struct ks_map *m)
{
    return m->len;
}

static size_t
find_slot(const struct ks_map *m, struct ks_str key, uint64_t h)
{
    size_t mask = m->cap - 1;
    size_t i = (size_t)h & mask;

    for (;;) {
        const struct map_slot *s = &m->slots[i];

        if (s->key == NULL)
            return i;
        if (s->hash == h && s->key_len == key.len &&
            (key.len == 0 || memcmp(s->key, key.ptr, key.len) == 0))
            return i;
        i = (i + 1) & mask;
    }
}

void *
ks_map_get(const struct ks_map *m, struct ks_str key)
{
    size_t i = find_slot(m, key, ks_hash(key.ptr, key.len));

    return m->slots[i].key ? m->slots[i].value : NULL;
}

bool
ks_map_has(const struct ks_map *m, struct ks_str key)
{
    size_t i = find_slot(m, key, ks_hash(key.ptr, key.len));

    return m->slots[i].key != NULL;
}

static enum ks_code
grow(struct ks_map *m)
{
    size_t ncap;
    struct map_slot *ns;

    if (!ks_size_mul(m->cap, 2, &ncap))
        return KS_ENOMEM;
    ns = ks_calloc(ncap, sizeof(*ns));
    if (ns == NULL)
        return KS_ENOMEM;
    for (size_t i = 0; i < m->cap; i++) {
        struct map_slot *s = &m->slots[i];
        size_t j;

        if (s->key == NULL)
            continue;
        j = (size_t)s->hash & (ncap - 1);
        while (ns[j].key != NULL)
            j = (j + 1) & (ncap - 1);
        ns[j] = *s;
    }
    ks_free(m->slots);
    m->slots = ns;
    m->cap = ncap;
    return KS_OK;
}

enum ks_code
ks_map_put(struct ks_map *m, struct ks_str key, void *value, void **old)
{
    uint64_t h = ks_hash(key.ptr, key.len);
    size_t i;

    if ((m->len + 1) * 4 > m->cap * 3 && grow(m) != KS_OK)
        return KS_ENOMEM;
    i = find_slot(m, key, h);
    if (m->slots[i].key != NULL) {
        if (old != NULL)
            *old = m->slots[i].value;
        m->slots[i].value = value;
        return KS_OK;
    }
    m->slots[i].key = ks_strndup(key.ptr ? key.ptr : "", key.len);
    if (m->slots[i].key == NULL)
        return KS_ENOMEM;
    m->slots[i].key_len = key.len;
    m->slots[i].hash = h;
    m->slots[i].value = value;
    m->len++;
    if (old != NULL)
        *old = NULL;
    return KS_OK;
}

void *
ks_map_del(struct ks_map *m, struct ks_str key)
{
    size_t mask = m->cap - 1;
    size_t i = find_slot(m, key, ks_hash(key.ptr, key.len));
    void *value;

    if (m->slots[i].key == NULL)
        return NULL;
    value = m->slots[i].value;
    ks_free(m->slots[i].key);
    m->slots[i].key = NULL;
    m->len--;
    /* Backward-shift: move later members of the probe run into the hole. */
    for (size_t j = (i + 1) & mask; m->slots[j].key != NULL; j = (j + 1) & mask) {
        size_t home = (size_t)m->slots[j].hash & mask;
        bool movable = (j > i) ? (home <= i || home > j) : (home <= i && home > j);

        if (movable) {
            m->slots[i] = m->slots[j];
            m->slots[j].key = NULL;
            i = j;
        }
    }
    return value;
}

bool
ks_map_next(const struct ks_map *m, size_t *pos, struct ks_str *key, void **value)
{
    for (size_t i = *pos; i < m->cap; i++) {
        if (m->slots[i].key != NULL) {
            if (key != NULL)
                *key = (struct ks_str){m->slots[i].key, m->slots[i].key_len};
            if (value != NULL)
                *value = m->slots[i].value;
            *pos = i + 1;
            return true;
        }
    }
    *pos = m->cap;
    return false;
}
