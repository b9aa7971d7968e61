/*
 * image_tree.c: the squash model of a container image. Layer tar entries
 * are applied in order to one compact tree (48-byte nodes, names in a pool,
 * a (parent, name) hash), as the OCI image-spec's changeset rules say:
 * '.wh.NAME' deletes NAME from the layers below, '.wh..wh..opq' empties a
 * directory of what the layers below put there, a later entry replaces an
 * earlier one (a non-directory over a directory removes the directory),
 * hardlinks share their target's contents, and a path through a symlink is
 * resolved inside the image root. Nothing here reads contents: a node
 * remembers which layer's tar entry (by ordinal) holds its bytes.
 */
#include "fs/image_int.h"

#include <stdlib.h>
#include <string.h>

#include "base/banned.h"

struct slot {
    uint32_t node; /* IMG_NO_NODE when empty */
    uint32_t hash;
};

struct img_tree {
    struct img_node *nodes;
    uint32_t n_nodes, cap_nodes;
    uint32_t free_head; /* free list through next_sibling */
    uint64_t max_nodes;
    uint64_t live;
    char *pool;
    size_t pool_len, pool_cap;
    struct slot *slots;
    uint32_t slot_mask; /* capacity - 1 (a power of two) */
    uint32_t slots_used;
    uint64_t whiteouts, skipped;
    struct ks_map *watch; /* canonical path -> struct watched * (NULL: none) */
};

struct watched {
    struct ks_vec versions; /* struct img_version */
};

#define POOL_MAX ((size_t)UINT32_MAX)

/* ------------------------------------------------------------------------ */
/* Paths.                                                                   */

bool
img_path_clean(struct ks_str path, struct ks_buf *out)
{
    size_t start = out->len, i = 0;

    if (path.len > 0 && path.ptr[0] == '/')
        return false;
    if (memchr(path.ptr ? path.ptr : "", '\0', path.len) != NULL)
        return false;
    while (i < path.len) {
        size_t j = i;

        while (j < path.len && path.ptr[j] != '/')
            j++;
        struct ks_str c = ks_str_make(path.ptr + i, j - i);

        i = j + 1;
        if (c.len == 0 || ks_str_eq_c(c, "."))
            continue;
        if (ks_str_eq_c(c, "..")) {
            if (out->len == start)
                goto fail;
            char *slash = NULL;

            for (size_t k = out->len; k > start; k--)
                if (out->data[k - 1] == '/') {
                    slash = out->data + k - 1;
                    break;
                }
            size_t keep = slash ? (size_t)(slash - out->data) : start;

            out->len = keep;
            out->data[keep] = '\0';
            continue;
        }
        if (out->len > start)
            ks_buf_putc(out, '/');
        ks_buf_append(out, c.ptr, c.len);
        if (out->len - start > IMG_MAX_PATH || ks_buf_err(out) != KS_OK)
            goto fail;
    }
    return true;
fail:
    if (out->cap > 0) {
        out->len = start;
        out->data[start] = '\0';
    }
    return false;
}

/* ------------------------------------------------------------------------ */
/* Hash of (parent, name).                                                  */

static uint32_t
name_hash(uint32_t parent, struct ks_str name)
{
    uint64_t h = ks_hash(name.ptr, name.len) ^ ((uint64_t)parent * 0x9e3779b97f4a7c15ull);

    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return (uint32_t)h;
}

static struct ks_str
node_name(const struct img_tree *t, const struct img_node *n)
{
    return ks_str_make(t->pool + n->name_off, n->name_len);
}

static bool
slots_grow(struct img_tree *t)
{
    uint32_t cap = t->slot_mask ? (t->slot_mask + 1) * 2 : 1024;
    struct slot *ns;

    if (cap == 0 || cap > (1u << 31))
        return false;
    ns = ks_malloc((size_t)cap * sizeof(*ns));
    if (ns == NULL)
        return false;
    for (uint32_t i = 0; i < cap; i++)
        ns[i].node = IMG_NO_NODE;
    if (t->slots != NULL) {
        for (uint32_t i = 0; i <= t->slot_mask; i++) {
            if (t->slots[i].node == IMG_NO_NODE)
                continue;
            uint32_t j = t->slots[i].hash & (cap - 1);

            while (ns[j].node != IMG_NO_NODE)
                j = (j + 1) & (cap - 1);
            ns[j] = t->slots[i];
        }
    }
    ks_free(t->slots);
    t->slots = ns;
    t->slot_mask = cap - 1;
    return true;
}

static uint32_t
slot_find(const struct img_tree *t, uint32_t parent, struct ks_str name, uint32_t h)
{
    uint32_t i = h & t->slot_mask;

    for (;;) {
        uint32_t id = t->slots[i].node;

        if (id == IMG_NO_NODE)
            return IMG_NO_NODE;
        if (t->slots[i].hash == h && t->nodes[id].parent == parent &&
            ks_str_eq(node_name(t, &t->nodes[id]), name))
            return i;
        i = (i + 1) & t->slot_mask;
    }
}

static bool
hash_put(struct img_tree *t, uint32_t id)
{
    const struct img_node *n = &t->nodes[id];
    uint32_t h, i;

    if ((uint64_t)(t->slots_used + 1) * 2 > (uint64_t)t->slot_mask + 1 && !slots_grow(t))
        return false;
    h = name_hash(n->parent, node_name(t, n));
    i = h & t->slot_mask;
    while (t->slots[i].node != IMG_NO_NODE)
        i = (i + 1) & t->slot_mask;
    t->slots[i].node = id;
    t->slots[i].hash = h;
    t->slots_used++;
    return true;
}

/* Linear probing with backward-shift deletion: no tombstones to pile up. */
static void
hash_del(struct img_tree *t, uint32_t id)
{
    const struct img_node *n = &t->nodes[id];
    uint32_t h = name_hash(n->parent, node_name(t, n));
    uint32_t i = slot_find(t, n->parent, node_name(t, n), h), j;

    if (i == IMG_NO_NODE || t->slots[i].node != id)
        return;
    j = i;
    for (;;) {
        j = (j + 1) & t->slot_mask;
        if (t->slots[j].node == IMG_NO_NODE)
            break;
        uint32_t k = t->slots[j].hash & t->slot_mask;

        /* Leave slot j alone when its home k lies cyclically in (i, j]. */
        if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
            continue;
        t->slots[i] = t->slots[j];
        i = j;
    }
    t->slots[i].node = IMG_NO_NODE;
    t->slots_used--;
}

/* ------------------------------------------------------------------------ */
/* Nodes.                                                                   */

static enum ks_code
pool_add(struct img_tree *t, struct ks_str s, uint32_t *off, struct ks_err *err)
{
    if (t->pool_len + s.len > t->pool_cap) {
        size_t cap = t->pool_cap ? t->pool_cap : 64 * 1024;
        char *np;

        while (cap < t->pool_len + s.len)
            cap *= 2;
        if (cap > POOL_MAX)
            cap = POOL_MAX;
        if (t->pool_len + s.len > cap)
            return ks_err_set(err, KS_ETOOBIG, "image: name pool over %zu bytes", POOL_MAX);
        np = ks_realloc(t->pool, cap);
        if (np == NULL)
            return ks_err_set(err, KS_ENOMEM, "image: out of memory growing the name pool");
        t->pool = np;
        t->pool_cap = cap;
    }
    if (s.len > 0)
        memcpy(t->pool + t->pool_len, s.ptr, s.len);
    *off = (uint32_t)t->pool_len;
    t->pool_len += s.len;
    return KS_OK;
}

static enum ks_code
node_alloc(struct img_tree *t, uint32_t *out, struct ks_err *err)
{
    uint32_t id;

    if (t->free_head != IMG_NO_NODE) {
        id = t->free_head;
        t->free_head = t->nodes[id].next_sibling;
    } else {
        if ((uint64_t)t->n_nodes >= t->max_nodes || t->n_nodes >= IMG_NO_NODE - 1)
            return ks_err_set(err, KS_ETOOBIG, "image: more than %llu paths (limit)",
                              (unsigned long long)t->max_nodes);
        if (t->n_nodes == t->cap_nodes) {
            uint32_t cap = t->cap_nodes ? t->cap_nodes * 2 : 1024;
            struct img_node *nn;

            if ((uint64_t)cap > t->max_nodes)
                cap = (uint32_t)KS_MAX(t->max_nodes, (uint64_t)t->n_nodes + 1);
            nn = ks_realloc(t->nodes, (size_t)cap * sizeof(*nn));
            if (nn == NULL)
                return ks_err_set(err, KS_ENOMEM, "image: out of memory growing the tree");
            t->nodes = nn;
            t->cap_nodes = cap;
        }
        id = t->n_nodes++;
    }
    memset(&t->nodes[id], 0, sizeof(t->nodes[id]));
    t->nodes[id].parent = IMG_NO_NODE;
    t->nodes[id].first_child = IMG_NO_NODE;
    t->nodes[id].next_sibling = IMG_NO_NODE;
    t->nodes[id].prev_sibling = IMG_NO_NODE;
    *out = id;
    return KS_OK;
}

static void
unlink_node(struct img_tree *t, uint32_t id)
{
    struct img_node *n = &t->nodes[id];

    if (n->prev_sibling != IMG_NO_NODE)
        t->nodes[n->prev_sibling].next_sibling = n->next_sibling;
    else if (n->parent != IMG_NO_NODE)
        t->nodes[n->parent].first_child = n->next_sibling;
    if (n->next_sibling != IMG_NO_NODE)
        t->nodes[n->next_sibling].prev_sibling = n->prev_sibling;
    n->prev_sibling = n->next_sibling = IMG_NO_NODE;
}

/* Remove a leaf: out of the hash and its parent's list, onto the free list. */
static void
free_leaf(struct img_tree *t, uint32_t id)
{
    hash_del(t, id);
    unlink_node(t, id);
    t->nodes[id].flags = IMG_NF_FREE;
    t->nodes[id].parent = IMG_NO_NODE;
    t->nodes[id].next_sibling = t->free_head;
    t->free_head = id;
    t->live--;
}

/*
 * Post-order over the subtree at r. With `all` everything below r goes;
 * otherwise a node goes when it came from a layer below `below` and nothing
 * is left under it (what the current layer added stays, with its parents).
 * r itself is removed only when remove_root.
 */
static void
prune(struct img_tree *t, uint32_t r, bool all, uint16_t below, bool remove_root)
{
    uint32_t cur = r;

    while (t->nodes[cur].first_child != IMG_NO_NODE)
        cur = t->nodes[cur].first_child;
    for (;;) {
        uint32_t next = cur == r ? IMG_NO_NODE : t->nodes[cur].next_sibling;
        uint32_t par = t->nodes[cur].parent;
        const struct img_node *n = &t->nodes[cur];
        bool go =
            (cur != r || remove_root) && n->first_child == IMG_NO_NODE && (all || n->layer < below);

        if (go)
            free_leaf(t, cur);
        if (cur == r)
            break;
        if (next != IMG_NO_NODE) {
            cur = next;
            while (t->nodes[cur].first_child != IMG_NO_NODE)
                cur = t->nodes[cur].first_child;
        } else
            cur = par;
    }
}

enum ks_code
img_tree_new(uint64_t max_nodes, struct img_tree **out, struct ks_err *err)
{
    struct img_tree *t = ks_calloc(1, sizeof(*t));
    uint32_t root;
    enum ks_code rc;

    if (t == NULL)
        return ks_err_set(err, KS_ENOMEM, "image: out of memory creating the tree");
    t->free_head = IMG_NO_NODE;
    t->max_nodes = max_nodes ? max_nodes : 20u * 1000 * 1000;
    if (!slots_grow(t)) {
        img_tree_free(t);
        return ks_err_set(err, KS_ENOMEM, "image: out of memory creating the tree");
    }
    if ((rc = node_alloc(t, &root, err)) != KS_OK) {
        img_tree_free(t);
        return rc;
    }
    t->nodes[root].type = IMG_N_DIR;
    t->nodes[root].mode = 0755;
    t->nodes[root].flags = IMG_NF_IMPLICIT;
    t->live = 1;
    *out = t;
    return KS_OK;
}

enum ks_code
img_tree_watch(struct img_tree *t, const char *path, struct ks_err *err)
{
    struct watched *w;

    if (t->watch == NULL && (t->watch = ks_map_new()) == NULL)
        return ks_err_set(err, KS_ENOMEM, "image: out of memory");
    if (ks_map_has(t->watch, ks_str_c(path)))
        return KS_OK;
    w = ks_calloc(1, sizeof(*w));
    if (w == NULL)
        return ks_err_set(err, KS_ENOMEM, "image: out of memory");
    ks_vec_init(&w->versions, sizeof(struct img_version));
    if (ks_map_put(t->watch, ks_str_c(path), w, NULL) != KS_OK) {
        ks_free(w);
        return ks_err_set(err, KS_ENOMEM, "image: out of memory");
    }
    return KS_OK;
}

const struct img_version *
img_tree_versions(const struct img_tree *t, const char *path, size_t *n)
{
    struct watched *w = t->watch ? ks_map_get(t->watch, ks_str_c(path)) : NULL;

    *n = w ? w->versions.len : 0;
    return w ? w->versions.items : NULL;
}

/* After applying an entry of `layer`: note what each watched path now is. */
static enum ks_code
note_versions(struct img_tree *t, uint16_t layer, struct ks_err *err)
{
    size_t pos = 0;
    struct ks_str key;
    void *v;

    while (ks_map_next(t->watch, &pos, &key, &v)) {
        struct watched *w = v;
        uint32_t id = img_tree_lookup(t, key);
        const struct img_node *n = id == IMG_NO_NODE ? NULL : &t->nodes[id];
        struct img_version *last =
            w->versions.len ? ks_vec_at(&w->versions, w->versions.len - 1) : NULL;
        struct img_version now = {layer, 0, 0, 0, true};

        if (n != NULL && n->type == IMG_N_FILE)
            now = (struct img_version){layer, n->data_layer, n->data_entry, n->size, false};
        if (last == NULL && now.deleted)
            continue; /* never existed */
        if (last != NULL && last->deleted == now.deleted &&
            (now.deleted ||
             (last->data_layer == now.data_layer && last->data_entry == now.data_entry)))
            continue; /* unchanged */
        if (last != NULL && last->layer == layer) {
            *last = now; /* rewritten within the same layer: the last write counts */
            continue;
        }
        struct img_version *slot = ks_vec_push(&w->versions);

        if (slot == NULL)
            return ks_err_set(err, KS_ENOMEM, "image: out of memory");
        *slot = now;
    }
    return KS_OK;
}

enum ks_code
img_tree_note_layer(struct img_tree *t, uint16_t layer, struct ks_err *err)
{
    return t->watch ? note_versions(t, layer, err) : KS_OK;
}

void
img_tree_free(struct img_tree *t)
{
    if (t == NULL)
        return;
    if (t->watch != NULL) {
        size_t pos = 0;
        struct ks_str k;
        void *v;

        while (ks_map_next(t->watch, &pos, &k, &v)) {
            ks_vec_release(&((struct watched *)v)->versions);
            ks_free(v);
        }
        ks_map_free(t->watch);
    }
    ks_free(t->nodes);
    ks_free(t->pool);
    ks_free(t->slots);
    ks_free(t);
}

const struct img_node *
img_tree_node(const struct img_tree *t, uint32_t id)
{
    return id < t->n_nodes ? &t->nodes[id] : NULL;
}

struct ks_str
img_tree_name(const struct img_tree *t, uint32_t id)
{
    return id < t->n_nodes ? node_name(t, &t->nodes[id]) : KS_STR_NULL;
}

struct ks_str
img_tree_link(const struct img_tree *t, uint32_t id)
{
    if (id >= t->n_nodes || t->nodes[id].type != IMG_N_SYMLINK)
        return KS_STR_NULL;
    return ks_str_make(t->pool + t->nodes[id].link_off, t->nodes[id].link_len);
}

uint32_t
img_tree_child(const struct img_tree *t, uint32_t dir, struct ks_str name)
{
    uint32_t s = slot_find(t, dir, name, name_hash(dir, name));

    return s == IMG_NO_NODE ? IMG_NO_NODE : t->slots[s].node;
}

uint32_t
img_tree_lookup(const struct img_tree *t, struct ks_str path)
{
    uint32_t cur = IMG_ROOT;
    size_t i = 0;

    while (i < path.len && cur != IMG_NO_NODE) {
        size_t j = i;

        while (j < path.len && path.ptr[j] != '/')
            j++;
        if (j > i)
            cur = img_tree_child(t, cur, ks_str_make(path.ptr + i, j - i));
        i = j + 1;
    }
    return cur;
}

enum ks_code
img_tree_resolve(const struct img_tree *t, struct ks_str path, bool follow, uint32_t *out,
                 struct ks_err *err)
{
    struct ks_buf pend = KS_BUF_INIT(IMG_MAX_PATH * 4);
    struct ks_buf next = KS_BUF_INIT(IMG_MAX_PATH * 4);
    uint32_t cur = IMG_ROOT;
    unsigned hops = 0;
    size_t i = 0;
    enum ks_code rc = KS_OK;

    ks_buf_append_str(&pend, path);
    if ((rc = ks_buf_err(&pend)) != KS_OK) {
        rc = ks_err_set(err, KS_ETOOBIG, "image: path too long");
        goto out;
    }
    while (i < pend.len) {
        size_t j = i;

        while (j < pend.len && pend.data[j] != '/')
            j++;
        struct ks_str c = ks_str_make(pend.data + i, j - i);
        bool last;

        i = j + 1;
        /* Is anything but '/' and '.' left after c? */
        last = true;
        for (size_t k = j; k < pend.len; k++)
            if (pend.data[k] != '/') {
                last = false;
                break;
            }
        if (c.len == 0 || ks_str_eq_c(c, "."))
            continue;
        if (ks_str_eq_c(c, "..")) {
            if (cur != IMG_ROOT)
                cur = t->nodes[cur].parent;
            continue;
        }
        if (t->nodes[cur].type != IMG_N_DIR) {
            rc = ks_err_set(err, KS_ENOTFOUND, "image: '%.*s': not a directory on the way",
                            KS_STR_ARG(path));
            goto out;
        }
        uint32_t child = img_tree_child(t, cur, c);

        if (child == IMG_NO_NODE) {
            rc = ks_err_set(err, KS_ENOTFOUND, "image: '%.*s': no such file or directory",
                            KS_STR_ARG(path));
            goto out;
        }
        if (t->nodes[child].type == IMG_N_SYMLINK && (!last || follow)) {
            struct ks_str target = img_tree_link(t, child);

            if (++hops > IMG_MAX_HOPS) {
                rc = ks_err_set(err, KS_ETOOBIG, "image: '%.*s': too many symlinks",
                                KS_STR_ARG(path));
                goto out;
            }
            ks_buf_reset(&next);
            ks_buf_append_str(&next, target);
            if (i < pend.len) {
                ks_buf_putc(&next, '/');
                ks_buf_append(&next, pend.data + i, pend.len - i);
            }
            if (ks_buf_err(&next) != KS_OK) {
                rc = ks_err_set(err, KS_ETOOBIG, "image: '%.*s': path too long", KS_STR_ARG(path));
                goto out;
            }
            /* An absolute target restarts at the image root, never the host's. */
            if (target.len > 0 && target.ptr[0] == '/')
                cur = IMG_ROOT;
            ks_buf_reset(&pend);
            ks_buf_append(&pend, next.data, next.len);
            i = 0;
            continue;
        }
        cur = child;
    }
    *out = cur;
out:
    ks_buf_release(&pend);
    ks_buf_release(&next);
    return rc;
}

void
img_tree_path(const struct img_tree *t, uint32_t id, struct ks_buf *out)
{
    uint32_t chain[IMG_MAX_PATH / 2 + 1];
    size_t n = 0;

    while (id != IMG_ROOT && id != IMG_NO_NODE && n < KS_ARRAY_LEN(chain)) {
        chain[n++] = id;
        id = t->nodes[id].parent;
    }
    while (n > 0) {
        struct ks_str name = node_name(t, &t->nodes[chain[--n]]);

        ks_buf_append_str(out, name);
        if (n > 0)
            ks_buf_putc(out, '/');
    }
}

void
img_tree_stats(const struct img_tree *t, struct img_tree_stats *out)
{
    out->nodes = t->live;
    out->slots = t->n_nodes;
    out->bytes = (uint64_t)t->cap_nodes * sizeof(struct img_node) + t->pool_cap +
                 ((uint64_t)t->slot_mask + 1) * sizeof(struct slot) + sizeof(*t);
    out->whiteouts = t->whiteouts;
    out->skipped = t->skipped;
}

/* ------------------------------------------------------------------------ */
/* Applying entries.                                                        */

static enum ks_code
new_child(struct img_tree *t, uint32_t dir, struct ks_str name, uint32_t *out, struct ks_err *err)
{
    uint32_t id, off;
    enum ks_code rc;

    if ((rc = pool_add(t, name, &off, err)) != KS_OK || (rc = node_alloc(t, &id, err)) != KS_OK)
        return rc;
    t->nodes[id].parent = dir;
    t->nodes[id].name_off = off;
    t->nodes[id].name_len = (uint16_t)name.len;
    if (!hash_put(t, id)) {
        t->nodes[id].flags = IMG_NF_FREE;
        t->nodes[id].next_sibling = t->free_head;
        t->free_head = id;
        return ks_err_set(err, KS_ENOMEM, "image: out of memory growing the path index");
    }
    t->nodes[id].next_sibling = t->nodes[dir].first_child;
    if (t->nodes[dir].first_child != IMG_NO_NODE)
        t->nodes[t->nodes[dir].first_child].prev_sibling = id;
    t->nodes[dir].first_child = id;
    t->live++;
    *out = id;
    return KS_OK;
}

static void skip(struct img_tree *t, bool *skipped, struct ks_buf *why, const char *fmt, ...)
    KS_PRINTF(4, 5);

static void
skip(struct img_tree *t, bool *skipped, struct ks_buf *why, const char *fmt, ...)
{
    va_list ap;

    *skipped = true;
    t->skipped++;
    if (why != NULL) {
        va_start(ap, fmt);
        ks_buf_appendv(why, fmt, ap);
        va_end(ap);
    }
}

static uint32_t
clamp_mtime(int64_t m)
{
    if (m <= 0)
        return 0;
    return m > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)m;
}

/*
 * Walk to the directory that will hold the last component of `clean`,
 * creating missing directories (implicit, this layer) and following
 * symlinks inside the root. *dir is IMG_NO_NODE (with why filled) when the
 * way is blocked by a file or a dangling link.
 */
static enum ks_code
parent_dir(struct img_tree *t, uint16_t layer, struct ks_str clean, struct ks_str *base,
           uint32_t *dir, struct ks_buf *why, struct ks_err *err)
{
    uint32_t cur = IMG_ROOT;
    size_t i = 0;
    enum ks_code rc;

    for (;;) {
        size_t j = i;

        while (j < clean.len && clean.ptr[j] != '/')
            j++;
        struct ks_str c = ks_str_make(clean.ptr + i, j - i);

        if (c.len > IMG_MAX_NAME) {
            ks_buf_appendf(why, "a path component is longer than %d bytes", IMG_MAX_NAME);
            *dir = IMG_NO_NODE;
            return KS_OK;
        }
        if (j >= clean.len) {
            *base = c;
            *dir = cur;
            return KS_OK;
        }
        i = j + 1;
        uint32_t child = img_tree_child(t, cur, c);

        if (child == IMG_NO_NODE) {
            if ((rc = new_child(t, cur, c, &child, err)) != KS_OK)
                return rc;
            t->nodes[child].type = IMG_N_DIR;
            t->nodes[child].mode = 0755;
            t->nodes[child].layer = layer;
            t->nodes[child].flags = IMG_NF_IMPLICIT;
        } else if (t->nodes[child].type == IMG_N_SYMLINK) {
            struct ks_buf p = KS_BUF_INIT(IMG_MAX_PATH + 1);
            uint32_t target;
            struct ks_err e2 = KS_ERR_INIT;

            img_tree_path(t, child, &p);
            rc = img_tree_resolve(t, ks_buf_str(&p), true, &target, &e2);
            if (rc == KS_ENOMEM) {
                ks_buf_release(&p);
                return ks_err_set(err, KS_ENOMEM, "%s", e2.msg);
            }
            if (rc != KS_OK || t->nodes[target].type != IMG_N_DIR) {
                ks_buf_appendf(why, "its parent '%s' is a symlink to no directory in the image",
                               p.data);
                ks_buf_release(&p);
                *dir = IMG_NO_NODE;
                return KS_OK;
            }
            ks_buf_release(&p);
            child = target;
        } else if (t->nodes[child].type != IMG_N_DIR) {
            struct ks_buf p = KS_BUF_INIT(IMG_MAX_PATH + 1);

            img_tree_path(t, child, &p);
            ks_buf_appendf(why, "its parent '%s' is not a directory", p.data);
            ks_buf_release(&p);
            *dir = IMG_NO_NODE;
            return KS_OK;
        }
        cur = child;
    }
}

enum ks_code
img_tree_apply(struct img_tree *t, uint16_t layer, uint32_t ordinal, const struct img_entry *e,
               bool *skipped, struct ks_buf *why, struct ks_err *err)
{
    struct ks_buf clean = KS_BUF_INIT(IMG_MAX_PATH + 1);
    struct ks_buf reason = KS_BUF_INIT(IMG_MAX_PATH + 256);
    struct ks_str base;
    uint32_t dir, id, hl = IMG_NO_NODE, link_off = 0;
    enum ks_code rc = KS_OK;

    *skipped = false;
    if (e->path.len > 0 && e->path.ptr[0] == '/') {
        skip(t, skipped, why, "absolute path");
        goto out;
    }
    if (!img_path_clean(e->path, &clean)) {
        skip(t, skipped, why, "path leaves the image root or is too long");
        goto out;
    }
    if (clean.len == 0)
        goto out; /* "./" itself: the root */
    if (e->type == IMG_E_DEVICE) {
        skip(t, skipped, why, "device node or socket");
        goto out;
    }
    if (e->type == IMG_E_SYMLINK && (e->link.len == 0 || e->link.len > IMG_MAX_LINK ||
                                     memchr(e->link.ptr, '\0', e->link.len) != NULL)) {
        skip(t, skipped, why, "symlink target empty or longer than %d bytes", IMG_MAX_LINK);
        goto out;
    }
    if ((rc = parent_dir(t, layer, ks_buf_str(&clean), &base, &dir, &reason, err)) != KS_OK)
        goto out;
    if (dir == IMG_NO_NODE) {
        skip(t, skipped, why, "%s", reason.data);
        goto out;
    }

    /* Whiteouts (image-spec layer.md): they apply to lower layers only. */
    if (ks_str_has_prefix(base, ".wh.")) {
        struct ks_str name = ks_str_sub(base, 4, base.len - 4);

        if (ks_str_eq_c(base, ".wh..wh..opq")) {
            prune(t, dir, false, layer, false);
            t->whiteouts++;
        } else if (ks_str_has_prefix(base, ".wh..wh.")) {
            /* aufs bookkeeping (.wh..wh.plnk, .wh..wh.aufs): not part of the image.
             */
        } else if (name.len == 0 || ks_str_eq_c(name, ".") || ks_str_eq_c(name, "..")) {
            skip(t, skipped, why, "whiteout of '%.*s' names no entry", KS_STR_ARG(name));
        } else {
            uint32_t victim = img_tree_child(t, dir, name);

            if (victim != IMG_NO_NODE)
                prune(t, victim, false, layer, true);
            t->whiteouts++;
        }
        goto out;
    }

    if (e->type == IMG_E_HARDLINK) {
        struct ks_buf target = KS_BUF_INIT(IMG_MAX_PATH + 1);
        struct ks_err e2 = KS_ERR_INIT;

        if (!img_path_clean(e->link, &target) || target.len == 0 ||
            (e->link.len > 0 && e->link.ptr[0] == '/')) {
            ks_buf_release(&target);
            skip(t, skipped, why, "hardlink target '%.*s' leaves the image root",
                 KS_STR_ARG(e->link));
            goto out;
        }
        rc = img_tree_resolve(t, ks_buf_str(&target), false, &hl, &e2);
        ks_buf_release(&target);
        if (rc == KS_ENOMEM) {
            rc = ks_err_set(err, KS_ENOMEM, "%s", e2.msg);
            goto out;
        }
        rc = KS_OK;
        if (hl == IMG_NO_NODE || t->nodes[hl].type == IMG_N_DIR) {
            skip(t, skipped, why, "hardlink target '%.*s' is missing or a directory",
                 KS_STR_ARG(e->link));
            goto out;
        }
    }

    id = img_tree_child(t, dir, base);
    if (id != IMG_NO_NODE && id == hl) {
        skip(t, skipped, why, "hardlink to itself");
        goto out;
    }
    if (e->type == IMG_E_SYMLINK && (rc = pool_add(t, e->link, &link_off, err)) != KS_OK)
        goto out;
    if (id == IMG_NO_NODE) {
        if ((rc = new_child(t, dir, base, &id, err)) != KS_OK)
            goto out;
    } else if (t->nodes[id].type == IMG_N_DIR && e->type != IMG_E_DIR) {
        /* A non-directory replaces a directory and everything in it. */
        prune(t, id, true, 0, false);
    }

    struct img_node *n = &t->nodes[id];

    n->layer = layer;
    n->mode = (uint16_t)(e->mode & 07777);
    n->mtime = clamp_mtime(e->mtime);
    n->flags = 0;
    n->size = 0;
    switch (e->type) {
    case IMG_E_DIR:
        n->type = IMG_N_DIR;
        break;
    case IMG_E_FILE:
        n->type = IMG_N_FILE;
        n->size = e->size;
        n->data_layer = layer;
        n->data_entry = ordinal;
        break;
    case IMG_E_SYMLINK:
        n->type = IMG_N_SYMLINK;
        n->link_off = link_off;
        n->link_len = (uint16_t)e->link.len;
        break;
    case IMG_E_HARDLINK: {
        const struct img_node *src = &t->nodes[hl];

        n->type = src->type;
        n->size = src->size;
        n->data_layer = src->data_layer;
        n->data_entry = src->data_entry;
        n->link_off = src->link_off;
        n->link_len = src->link_len;
        break;
    }
    case IMG_E_FIFO:
    case IMG_E_DEVICE:
        n->type = IMG_N_OTHER;
        break;
    }
out:
    ks_buf_release(&clean);
    ks_buf_release(&reason);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Walking.                                                                 */

struct kid {
    const char *name;
    uint32_t len;
    uint32_t id;
};

struct frame {
    struct kid *kids;
    size_t n, pos;
    size_t path_len; /* length of the directory's path */
};

static int
kid_cmp(const void *a, const void *b)
{
    const struct kid *x = a, *y = b;
    int c = memcmp(x->name, y->name, KS_MIN(x->len, y->len));

    if (c != 0)
        return c;
    return x->len < y->len ? -1 : x->len > y->len;
}

static enum ks_code
push_frame(const struct img_tree *t, struct ks_vec *stack, uint32_t dir, size_t path_len,
           struct ks_err *err)
{
    size_t n = 0;
    struct frame *f;
    struct kid *kids = NULL;

    for (uint32_t c = t->nodes[dir].first_child; c != IMG_NO_NODE; c = t->nodes[c].next_sibling)
        n++;
    if (n > 0) {
        kids = ks_malloc(n * sizeof(*kids));
        if (kids == NULL)
            return ks_err_set(err, KS_ENOMEM, "image: out of memory walking the tree");
        n = 0;
        for (uint32_t c = t->nodes[dir].first_child; c != IMG_NO_NODE;
             c = t->nodes[c].next_sibling) {
            kids[n].name = t->pool + t->nodes[c].name_off;
            kids[n].len = t->nodes[c].name_len;
            kids[n].id = c;
            n++;
        }
        qsort(kids, n, sizeof(*kids), kid_cmp);
    }
    f = ks_vec_push(stack);
    if (f == NULL) {
        ks_free(kids);
        return ks_err_set(err, KS_ENOMEM, "image: out of memory walking the tree");
    }
    f->kids = kids;
    f->n = n;
    f->path_len = path_len;
    return KS_OK;
}

enum ks_code
img_tree_walk(const struct img_tree *t, img_tree_walk_fn fn, void *ctx, struct ks_err *err)
{
    struct ks_vec stack = KS_VEC_INIT(struct frame);
    struct ks_buf path = KS_BUF_INIT(IMG_MAX_PATH * 2);
    enum ks_code rc;

    if ((rc = push_frame(t, &stack, IMG_ROOT, 0, err)) != KS_OK)
        goto out;
    while (stack.len > 0) {
        struct frame *f = ks_vec_at(&stack, stack.len - 1);

        if (f->pos == f->n) {
            ks_free(f->kids);
            stack.len--;
            continue;
        }
        struct kid k = f->kids[f->pos++];
        size_t dir_len = f->path_len;

        path.len = dir_len;
        if (path.cap > 0)
            path.data[dir_len] = '\0';
        if (dir_len > 0)
            ks_buf_putc(&path, '/');
        ks_buf_append(&path, k.name, k.len);
        if (ks_buf_err(&path) != KS_OK) {
            /* Deeper than any real image: its subtree is not listed. */
            path.err = KS_OK;
            continue;
        }
        enum img_visit v = fn(ctx, k.id, path.data, path.len);

        if (v == IMG_STOP)
            break;
        if (v == IMG_SKIP || t->nodes[k.id].type != IMG_N_DIR ||
            t->nodes[k.id].first_child == IMG_NO_NODE)
            continue;
        if ((rc = push_frame(t, &stack, k.id, path.len, err)) != KS_OK)
            goto out;
    }
    rc = KS_OK;
out:
    for (size_t i = 0; i < stack.len; i++)
        ks_free(((struct frame *)ks_vec_at(&stack, i))->kids);
    ks_vec_release(&stack);
    ks_buf_release(&path);
    return rc;
}
