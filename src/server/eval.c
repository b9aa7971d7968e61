/*
 * eval.c: evaluations and continuous evaluation (ARCHITECTURE.md §3). The
 * server keeps the vulnerability DB at --db open (a pool of read handles,
 * one per concurrent evaluation: handles are not thread-safe), evaluates
 * pushed and scanned inventories against it (inventory, index, findings,
 * coverage and events in one transaction), and runs a watcher thread that
 * notices a DB swapped in beside it (`kensa db update`/`import`, or a DB
 * update job), picks it up without a restart, and re-evaluates only the
 * stored inventories the update's change set names. Nothing is rescanned:
 * re-evaluation reads the stored inventories. The DB last evaluated against
 * is recorded in the store after a complete pass, so a server killed in the
 * middle redoes the pass (each resource's evaluation is idempotent) when it
 * starts again.
 */
#include "server/server_int.h"

#include <string.h>
#include <unistd.h>

#include "inventory/inventory.h"
#include "match/match.h"
#include "report/report.h"
#include "scan/scan.h"
#include "vulndb/vulndb.h"

#include "base/banned.h"

#define LOG "server.eval"
/* Documents kept in the store are Kensa's inventory JSON, at most this big. */
#define STORED_MAX ((size_t)256 << 20)
/* Resource ids listed per account in a change log entry (the counts are always complete). */
#define CHANGELOG_MAX_IDS 1000
#define CHANGELOG_MAX_NAMES 200

/* ------------------------------------------------------------------------ */
/* The handle pool                                                          */

enum ks_code
srv_vdb_acquire(struct srv *s, struct ks_vulndb **db, uint64_t *gen, struct ks_err *err)
{
    struct srv_vdb *v = &s->vdb;
    struct ks_vulndb *h = NULL;
    uint64_t g;

    pthread_mutex_lock(&v->mu);
    g = v->gen;
    *gen = g; /* also on failure: a caller can tell that a DB appeared since */
    if (!v->available) {
        pthread_mutex_unlock(&v->mu);
        return ks_err_set(err, KS_ENOTFOUND, "no vulnerability DB is open%s%s",
                          s->cfg.vulndb_path[0] ? " at " : " (the server has no --db)",
                          s->cfg.vulndb_path[0] ? s->cfg.vulndb_path : "");
    }
    if (v->n_idle > 0)
        h = v->idle[--v->n_idle];
    pthread_mutex_unlock(&v->mu);
    /*
     * A handle opened now may already see a file newer than generation g;
     * it is labelled g all the same, so its user re-checks (see
     * srv_eval_inventory) and the pool never keeps it.
     */
    if (h == NULL) {
        enum ks_code rc = ks_vulndb_open(s->cfg.vulndb_path, &h, err);

        if (rc != KS_OK)
            return rc;
    }
    *db = h;
    *gen = g;
    return KS_OK;
}

void
srv_vdb_release(struct srv *s, struct ks_vulndb *db, uint64_t gen)
{
    struct srv_vdb *v = &s->vdb;

    if (db == NULL)
        return;
    pthread_mutex_lock(&v->mu);
    if (gen == v->gen && v->available) {
        if (v->n_idle == v->cap_idle) {
            size_t ncap = v->cap_idle ? v->cap_idle * 2 : 8;
            struct ks_vulndb **ni = ks_realloc(v->idle, ncap * sizeof(*ni));

            if (ni != NULL) {
                v->idle = ni;
                v->cap_idle = ncap;
            }
        }
        if (v->n_idle < v->cap_idle) {
            v->idle[v->n_idle++] = db;
            db = NULL;
        }
    }
    pthread_mutex_unlock(&v->mu);
    ks_vulndb_free(db);
}

static uint64_t
current_gen(struct srv *s)
{
    uint64_t g;

    pthread_mutex_lock(&s->vdb.mu);
    g = s->vdb.gen;
    pthread_mutex_unlock(&s->vdb.mu);
    return g;
}

/* ------------------------------------------------------------------------ */
/* Inventories                                                              */

enum ks_resource_type
srv_resource_type(enum ks_findings_rtype rt)
{
    switch (rt) {
    case KS_RT_CONTAINER_IMAGE: return KS_RES_CONTAINER_IMAGE;
    case KS_RT_FUNCTION: return KS_RES_FUNCTION;
    case KS_RT_CODE_REPOSITORY: return KS_RES_CODE_REPOSITORY;
    default: return KS_RES_HOST;
    }
}

/*
 * The SBOM reader says what a document describes under "describes*" keys;
 * the pushed resource is that target. Kensa's own documents round-trip:
 * what the server stores reads back to the same target.
 */
static enum ks_code
restore_target(struct ks_inventory *inv, enum ks_findings_rtype *rtype, const char *resource_id,
               struct ks_arena *a)
{
    struct ks_kvs details = {NULL, 0, 0};
    const char *name = ks_kvs_get(&inv->target.details, "describes");
    const char *type = ks_kvs_get(&inv->target.details, "describesType");

    if (*rtype == KS_RT_COUNT) {
        /* Not named by the caller: what the document says it describes, else a host. */
        *rtype = KS_RT_HOST;
        if (type != NULL && !ks_findings_rtype_parse(ks_str_c(type), rtype))
            *rtype = KS_RT_HOST;
    }

    for (size_t i = 0; i < inv->target.details.len; i++) {
        const struct ks_kv *kv = &inv->target.details.items[i];

        if (strncmp(kv->key, "describes.", 10) == 0 && ks_kvs_get(&details, kv->key + 10) == NULL &&
            ks_kvs_add(&details, a, kv->key + 10, kv->value) != KS_OK)
            return KS_ENOMEM;
    }
    inv->target.details = details;
    inv->target.type = srv_resource_type(*rtype);
    inv->target.name = name ? name : ks_arena_strdup(a, resource_id);
    inv->target.source = "push";
    return inv->target.name != NULL ? KS_OK : KS_ENOMEM;
}

enum ks_code
srv_inventory_parse(struct ks_str doc, const char *name, enum ks_findings_rtype *rtype,
                    const char *resource_id, struct ks_arena *a, struct ks_inventory **out,
                    const char **format, struct ks_err *err)
{
    struct ks_inventory *inv = ks_inventory_new(a);
    const char *f;
    enum ks_code rc;

    if (inv == NULL)
        return ks_err_set(err, KS_ENOMEM, "out of memory");
    if ((rc = ks_sbom_read(doc, name, inv, err)) != KS_OK)
        return rc;
    f = ks_kvs_get(&inv->target.details, "format");
    *format = f == NULL                   ? "unknown"
              : strcmp(f, "kensa") == 0 ? "kensa-inventory"
              : strcmp(f, "cyclonedx") == 0 ? "cyclonedx"
                                            : "spdx";
    if (restore_target(inv, rtype, resource_id, a) != KS_OK)
        return ks_err_set(err, KS_ENOMEM, "out of memory");
    if ((rc = ks_inventory_finish(inv, err)) != KS_OK)
        return rc;
    *out = inv;
    return KS_OK;
}

/* The index and the distribution of an inventory, for the store. */
static enum ks_code
index_of(const struct ks_inventory *inv, struct ks_arena *a, struct ks_store_inventory *si,
         struct ks_err *err)
{
    struct ks_store_pkg_key *keys = NULL;
    struct ks_match_key *mk = NULL;
    size_t n = 0;
    enum ks_code rc;

    if ((rc = ks_match_inventory_keys(inv, a, &mk, &n, err)) != KS_OK)
        return rc;
    if (n > 0 && (keys = ks_arena_calloc(a, n, sizeof(*keys))) == NULL)
        return ks_err_set(err, KS_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        keys[i] = (struct ks_store_pkg_key){mk[i].ecosystem, mk[i].release, mk[i].name};
    si->keys = keys;
    si->n_keys = n;
    si->packages = inv->n_pkgs;
    si->os_ecosystem = si->os_release = NULL;
    if (inv->has_os && inv->os.eco != KS_ECO_UNKNOWN) {
        const char *colon = inv->os.ecosystem ? strchr(inv->os.ecosystem, ':') : NULL;

        si->os_ecosystem = ks_eco_info(inv->os.eco)->name;
        si->os_release = colon ? colon + 1 : "";
    }
    return KS_OK;
}

/*
 * Coverage after evaluating inv: nothing to monitor (no packages), a host
 * whose inventory is too old, distribution packages Kensa cannot evaluate
 * (an unknown distribution, or one the DB has no advisories for: the
 * scan's noAdvisoryData), or monitored.
 */
static void
coverage_of(const struct srv *s, const struct ks_inventory *inv, const struct ks_scan *scan,
            enum ks_findings_rtype rt, int64_t received_ms, int64_t now_ms, const char **status,
            const char **reason)
{
    bool os_pkgs = false, no_data = false;

    *status = "ACTIVE";
    *reason = "SUCCESSFUL";
    if (inv->n_pkgs == 0) {
        *status = "INACTIVE";
        *reason = "NO_INVENTORY";
        return;
    }
    if (rt == KS_RT_HOST && s->cfg.stale_inventory_ms > 0 &&
        received_ms + s->cfg.stale_inventory_ms < now_ms) {
        *status = "INACTIVE";
        *reason = "STALE_INVENTORY";
        return;
    }
    for (size_t i = 0; i < inv->n_pkgs && !os_pkgs; i++)
        os_pkgs = ks_pkg_is_os(inv->pkgs[i]);
    if (!os_pkgs)
        return;
    for (size_t i = 0; scan != NULL && inv->has_os && inv->os.ecosystem != NULL &&
                       i < scan->match.n_no_data_ecosystems;
         i++)
        no_data |= strcmp(scan->match.no_data_ecosystems[i], inv->os.ecosystem) == 0;
    if (!inv->has_os || inv->os.eco == KS_ECO_UNKNOWN || no_data) {
        *status = "INACTIVE";
        *reason = "UNSUPPORTED_OS";
    }
}

/* Scan inv (in arena, taken over) against db as the account's resource. */
static enum ks_code
scan_as(struct srv *s, struct ks_vulndb *db, const char *account_id, const char *resource_id,
        struct ks_inventory *inv, struct ks_arena *arena, struct ks_scan **scan,
        struct ks_err *err)
{
    struct ks_scan_opts o;

    memset(&o, 0, sizeof(o));
    o.account_id = account_id;
    o.region = s->cfg.region;
    o.resource_id = resource_id;
    /* The server's DB is kept current by its updates; staleness is not a scan error here. */
    o.max_db_age = (int64_t)365 * 86400 * 100;
    return ks_scan_inventory(db, inv, arena, &o, scan, err);
}

/*
 * Re-evaluate a stored inventory against db. *applied false (KS_OK) when
 * the store refused it as out of date: a newer inventory came in, the
 * image left monitoring or its type was disabled.
 */
static enum ks_code
eval_stored(struct srv *s, struct ks_store *store, struct ks_vulndb *db, const char *account_id,
            const char *resource_id, bool *applied, struct ks_err *err)
{
    struct ks_store_inventory_meta m;
    struct ks_buf doc = KS_BUF_INIT(STORED_MAX);
    struct ks_arena *a = NULL;
    struct ks_inventory *inv = NULL;
    struct ks_scan *scan = NULL;
    struct ks_store_evaluation ev;
    const char *format, *status, *reason;
    int64_t now = ks_time_now_ms();
    enum ks_code rc;

    *applied = false;
    memset(&m, 0, sizeof(m));
    if ((rc = ks_store_inventory_load(store, account_id, resource_id, &m, &doc, err)) != KS_OK) {
        if (rc == KS_ENOTFOUND)
            rc = KS_OK; /* gone meanwhile: nothing to do */
        goto out;
    }
    if ((a = ks_arena_new(1 << 20)) == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = srv_inventory_parse(ks_buf_str(&doc), "stored inventory", &m.rtype, resource_id,
                                  a, &inv, &format, err)) != KS_OK) {
        ks_arena_free(a);
        goto out;
    }
    rc = scan_as(s, db, account_id, resource_id, inv, a, &scan, err);
    a = NULL; /* the scan owns it (or freed it) */
    if (rc != KS_OK)
        goto out;
    coverage_of(s, inv, scan, m.rtype, m.received_ms, now, &status, &reason);
    ev = (struct ks_store_evaluation){.account_id = account_id,
                                      .rtype = m.rtype,
                                      .resource_id = resource_id,
                                      .resource = scan->resource,
                                      .findings = json_object_get(scan->doc, "findings"),
                                      .now_ms = now,
                                      .inventory_sha256 = m.sha256,
                                      .scan_status = status,
                                      .scan_reason = reason};
    rc = ks_store_apply_evaluation(store, &ev, NULL, err);
    if (rc == KS_ECONFLICT) {
        ks_log(KS_LOG_DEBUG, LOG, "account=%s resource=%s not re-evaluated: %s", account_id,
               resource_id, err->msg);
        rc = KS_OK;
    } else if (rc == KS_OK) {
        *applied = true;
    }
out:
    ks_scan_free(scan);
    ks_store_inventory_meta_release(&m);
    ks_buf_release(&doc);
    return rc;
}

/*
 * A DB picked up while an evaluation ran (generation moved past gen) may
 * have had its re-evaluation pass select resources before this inventory
 * was stored: evaluate it again with the new DB, so no push is left on an
 * old DB or unevaluated.
 */
static void
reeval_if_newer(struct srv *s, struct ks_store *store, uint64_t gen, const char *account_id,
                const char *resource_id, struct srv_eval_out *out)
{
    struct ks_vulndb *db2 = NULL;
    uint64_t gen2 = 0;
    bool applied = false;
    struct ks_err e2 = KS_ERR_INIT;

    if (current_gen(s) == gen || srv_vdb_acquire(s, &db2, &gen2, &e2) != KS_OK)
        return;
    if (eval_stored(s, store, db2, account_id, resource_id, &applied, &e2) != KS_OK)
        ks_log(KS_LOG_WARN, LOG, "account=%s resource=%s re-evaluation with the new DB failed: %s",
               account_id, resource_id, e2.msg);
    else if (applied && out->evaluated) {
        out->db_seq = ks_vulndb_seq(db2);
        snprintf(out->db_lineage, sizeof(out->db_lineage), "%s", ks_vulndb_lineage(db2));
    }
    srv_vdb_release(s, db2, gen2);
}

enum ks_code
srv_eval_inventory(struct srv *s, struct ks_store *store, const char *account_id,
                   enum ks_findings_rtype rtype, const char *resource_id, struct ks_inventory *inv,
                   struct ks_arena *arena, struct srv_eval_out *out, struct ks_err *err)
{
    struct ks_store_inventory si;
    struct ks_buf doc = KS_BUF_INIT(STORED_MAX);
    struct ks_vulndb *db = NULL;
    struct ks_scan *scan = NULL;
    struct ks_store_evaluation ev;
    uint64_t gen = 0;
    int64_t now = ks_time_now_ms();
    enum ks_code rc;

    memset(out, 0, sizeof(*out));
    memset(&si, 0, sizeof(si));
    out->packages = inv->n_pkgs;
    out->status = "ACTIVE";
    out->reason = "PENDING_INITIAL_SCAN";
    if ((rc = index_of(inv, arena, &si, err)) != KS_OK)
        goto out;
    if ((rc = ks_report_inventory_json(inv, &doc, err)) != KS_OK)
        goto out;
    si.format = "kensa-inventory";
    si.doc = doc.data;
    si.len = doc.len;
    ks_sha256_hex(doc.data, doc.len, out->sha256);

    rc = srv_vdb_acquire(s, &db, &gen, err);
    if (rc != KS_OK && rc != KS_ENOMEM) {
        /* No DB (yet): keep the inventory; the first DB evaluates every stored one. */
        if (rc != KS_ENOTFOUND)
            ks_log(KS_LOG_WARN, LOG, "account=%s resource=%s stored, not evaluated: %s",
                   account_id, resource_id, err->msg);
        if ((rc = ks_store_inventory_put(store, account_id, rtype, resource_id, NULL, &si, now,
                                         err)) == KS_OK)
            reeval_if_newer(s, store, gen, account_id, resource_id, out);
        goto out;
    }
    if (rc != KS_OK)
        goto out;
    out->db_seq = ks_vulndb_seq(db);
    snprintf(out->db_lineage, sizeof(out->db_lineage), "%s", ks_vulndb_lineage(db));
    rc = scan_as(s, db, account_id, resource_id, inv, arena, &scan, err);
    arena = NULL; /* the scan owns it (or freed it) */
    if (rc != KS_OK)
        goto out;
    coverage_of(s, inv, scan, rtype, now, now, &out->status, &out->reason);
    out->findings = json_array_size(json_object_get(scan->doc, "findings"));
    ev = (struct ks_store_evaluation){.account_id = account_id,
                                      .rtype = rtype,
                                      .resource_id = resource_id,
                                      .resource = scan->resource,
                                      .findings = json_object_get(scan->doc, "findings"),
                                      .now_ms = now,
                                      .inventory = &si,
                                      .scan_status = out->status,
                                      .scan_reason = out->reason};
    if ((rc = ks_store_apply_evaluation(store, &ev, &out->res, err)) != KS_OK)
        goto out;
    out->evaluated = true;
    reeval_if_newer(s, store, gen, account_id, resource_id, out);
out:
    ks_scan_free(scan);
    srv_vdb_release(s, db, gen);
    ks_arena_free(arena);
    ks_buf_release(&doc);
    return rc;
}

json_t *
srv_eval_json(const char *account_id, enum ks_findings_rtype rtype, const char *resource_id,
              const char *format, const struct srv_eval_out *o)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:b, s:{s:s, s:I, s:s}, s:{s:s, s:s}}", "accountId",
                          account_id, "resourceId", resource_id, "resourceType",
                          ks_findings_rtype_name(rtype), "evaluated", o->evaluated, "inventory",
                          "format", format ? format : "kensa-inventory", "packages",
                          (json_int_t)o->packages, "sha256", o->sha256, "scanStatus",
                          "statusCode", o->status ? o->status : "ACTIVE", "reason",
                          o->reason ? o->reason : "PENDING_INITIAL_SCAN");

    if (j == NULL || !o->evaluated)
        return j;
    json_object_set_new(j, "db", json_pack("{s:I, s:s}", "seq", (json_int_t)o->db_seq, "lineage",
                                           o->db_lineage));
    json_object_set_new(
        j, "findings",
        json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "total", (json_int_t)o->findings,
                  "created", (json_int_t)o->res.created, "updated", (json_int_t)o->res.updated,
                  "reopened", (json_int_t)o->res.reopened, "closed", (json_int_t)o->res.closed,
                  "unchanged", (json_int_t)o->res.unchanged, "suppressed",
                  (json_int_t)o->res.suppressed, "unsuppressed", (json_int_t)o->res.unsuppressed));
    json_object_set_new(j, "events", json_integer((json_int_t)o->res.events));
    return j;
}

/* ------------------------------------------------------------------------ */
/* Continuous evaluation                                                    */

/* The resources a pass re-evaluates: "account\x1fresource" keys. */
struct selection {
    struct ks_map *set;
    struct ks_vec keys; /* char * (heap), in insertion order */
};

static enum ks_code
select_one(void *ctx, const char *account_id, const char *resource_id, struct ks_err *err)
{
    struct selection *sel = ctx;
    struct ks_buf k = KS_BUF_INIT(2048);
    char *key, **slot;

    ks_buf_appendf(&k, "%s\x1f%s", account_id, resource_id);
    if (ks_buf_err(&k) != KS_OK) {
        ks_buf_release(&k);
        return KS_OK; /* cannot be a real resource id */
    }
    if (ks_map_has(sel->set, ks_buf_str(&k))) {
        ks_buf_release(&k);
        return KS_OK;
    }
    key = ks_buf_detach(&k, NULL);
    if (key == NULL || (slot = ks_vec_push(&sel->keys)) == NULL) {
        ks_free(key);
        return ks_err_set(err, KS_ENOMEM, "out of memory");
    }
    *slot = key;
    if (ks_map_put(sel->set, ks_str_c(key), NULL, NULL) != KS_OK)
        return ks_err_set(err, KS_ENOMEM, "out of memory");
    return KS_OK;
}

static void
selection_release(struct selection *sel)
{
    for (size_t i = 0; i < sel->keys.len; i++)
        ks_free(*(char **)ks_vec_at(&sel->keys, i));
    ks_vec_release(&sel->keys);
    ks_map_free(sel->set);
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add str to a JSON array while it is under cap entries. */
static void
capped_push(json_t *arr, size_t cap, const char *str)
{
    if (json_array_size(arr) < cap)
        json_array_append_new(arr, json_string(str));
}

/*
 * Choose what the update from (lineage0, seq0) to db needs re-evaluated,
 * describe it in *summary (the change log entry) and fill sel.
 */
static enum ks_code
select_resources(struct srv *s, struct ks_store *store, struct ks_vulndb *db, bool found,
                 const char *lineage0, uint64_t seq0, struct selection *sel, json_t *summary,
                 struct ks_err *err)
{
    struct ks_arena *a = ks_arena_new(1 << 16);
    struct ks_vulndb_changes ch = {NULL, 0};
    struct ks_map *pkgs = NULL, *cves = NULL, *oses = NULL;
    json_t *names = json_array(), *accounts = json_object();
    const char *mode = "changes", *why = NULL;
    bool rescore_all = false;
    size_t advisory_rows = 0;
    enum ks_code rc = KS_OK;

    (void)s;
    if (a == NULL || names == NULL || accounts == NULL || (pkgs = ks_map_new()) == NULL ||
        (cves = ks_map_new()) == NULL || (oses = ks_map_new()) == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "out of memory");
        goto out;
    }
    if (!found) {
        mode = "all";
        why = "no DB evaluated against before";
    } else if (strcmp(lineage0, ks_vulndb_lineage(db)) != 0) {
        mode = "all";
        why = "another DB lineage (rebuilt from scratch)";
    } else {
        struct ks_err cerr = KS_ERR_INIT;

        rc = ks_vulndb_changes_since(db, seq0, a, &ch, &cerr);
        if (rc == KS_ENOTFOUND) {
            mode = "all";
            why = "the DB no longer holds the change sets since the last evaluation";
            rc = KS_OK;
        } else if (rc != KS_OK) {
            *err = cerr;
            goto out;
        }
    }
    if (strcmp(mode, "all") == 0) {
        if ((rc = ks_store_resources_all(store, false, select_one, sel, err)) != KS_OK)
            goto out;
    } else {
        for (size_t i = 0; i < ch.n; i++) {
            const struct ks_vulndb_change *c = &ch.items[i];
            char key[3 * 1100];

            if (strcmp(c->subject, "advisory") == 0) {
                advisory_rows++;
                if (c->ecosystem == NULL || c->name == NULL)
                    continue;
                snprintf(key, sizeof(key), "%s\x1f%s\x1f%s", c->ecosystem,
                         c->release ? c->release : "", c->name);
                if (!ks_map_has(pkgs, ks_str_c(key))) {
                    struct ks_store_pkg_key k = {c->ecosystem, c->release ? c->release : "",
                                                 c->name};
                    char label[3 * 1100];

                    if (ks_map_put(pkgs, ks_str_c(key), NULL, NULL) != KS_OK) {
                        rc = ks_err_set(err, KS_ENOMEM, "out of memory");
                        goto out;
                    }
                    snprintf(label, sizeof(label), "%s%s%s/%s", k.ecosystem, k.release[0] ? ":" : "",
                             k.release, k.name);
                    capped_push(names, CHANGELOG_MAX_NAMES, label);
                    if ((rc = ks_store_resources_with_package(store, &k, select_one, sel, err)) !=
                        KS_OK)
                        goto out;
                }
                snprintf(key, sizeof(key), "%s\x1f%s", c->ecosystem, c->release ? c->release : "");
                if (!ks_map_has(oses, ks_str_c(key))) {
                    if (ks_map_put(oses, ks_str_c(key), NULL, NULL) != KS_OK) {
                        rc = ks_err_set(err, KS_ENOMEM, "out of memory");
                        goto out;
                    }
                    /* An OS that had no advisory data may have some now. */
                    if ((rc = ks_store_resources_unsupported_os(store, c->ecosystem, c->release,
                                                                select_one, sel, err)) != KS_OK)
                        goto out;
                }
            } else if (c->id == NULL || strcmp(c->subject, "epss") == 0) {
                /* EPSS replaced, or NVD loaded for the first time: every score may move. */
                rescore_all = true;
            } else if (!ks_map_has(cves, ks_str_c(c->id))) {
                if (ks_map_put(cves, ks_str_c(c->id), NULL, NULL) != KS_OK) {
                    rc = ks_err_set(err, KS_ENOMEM, "out of memory");
                    goto out;
                }
                if ((rc = ks_store_resources_with_vuln(store, c->id, select_one, sel, err)) !=
                    KS_OK)
                    goto out;
            }
        }
        if (rescore_all &&
            (rc = ks_store_resources_all(store, true, select_one, sel, err)) != KS_OK)
            goto out;
    }
    /*
     * Sorted by account, then resource id: the order of the pass and of the
     * lists. Each account's part is kept apart: GET /kensa/v1/db shows a
     * caller its own resources only.
     */
    ks_vec_sort(&sel->keys, cmp_str);
    for (size_t i = 0; i < sel->keys.len; i++) {
        char id[2100], *rid;
        json_t *acc;

        snprintf(id, sizeof(id), "%s", *(char **)ks_vec_at(&sel->keys, i));
        if ((rid = strchr(id, '\x1f')) == NULL)
            continue;
        *rid++ = '\0';
        if ((acc = json_object_get(accounts, id)) == NULL &&
            ((acc = json_pack("{s:i, s:[]}", "resources", 0, "resourceIds")) == NULL ||
             json_object_set_new(accounts, id, acc) != 0)) {
            rc = ks_err_set(err, KS_ENOMEM, "out of memory");
            goto out;
        }
        json_object_set_new(
            acc, "resources",
            json_integer(json_integer_value(json_object_get(acc, "resources")) + 1));
        capped_push(json_object_get(acc, "resourceIds"), CHANGELOG_MAX_IDS, rid);
    }
    json_object_set_new(summary, "mode", json_string(mode));
    if (why != NULL)
        json_object_set_new(summary, "reason", json_string(why));
    if (found) {
        json_object_set_new(summary, "fromLineage", json_string(lineage0));
        json_object_set_new(summary, "fromSeq", json_integer((json_int_t)seq0));
    }
    json_object_set_new(summary, "lineage", json_string(ks_vulndb_lineage(db)));
    json_object_set_new(summary, "seq", json_integer((json_int_t)ks_vulndb_seq(db)));
    json_object_set_new(summary, "changes", json_integer((json_int_t)ch.n));
    json_object_set_new(summary, "advisoryChanges", json_integer((json_int_t)advisory_rows));
    json_object_set_new(summary, "packagesNamed", json_integer((json_int_t)ks_map_len(pkgs)));
    json_object_set_new(summary, "packages", names);
    names = NULL;
    json_object_set_new(summary, "cvesRescored", json_integer((json_int_t)ks_map_len(cves)));
    json_object_set_new(summary, "rescoreAll", json_boolean(rescore_all));
    json_object_set_new(summary, "resources", json_integer((json_int_t)sel->keys.len));
    json_object_set_new(summary, "accounts", accounts);
    accounts = NULL;
out:
    json_decref(names);
    json_decref(accounts);
    ks_map_free(pkgs);
    ks_map_free(cves);
    ks_map_free(oses);
    ks_arena_free(a);
    return rc;
}

static bool
stopping(struct srv *s)
{
    bool st;

    pthread_mutex_lock(&s->vdb.mu);
    st = s->vdb.stopping;
    pthread_mutex_unlock(&s->vdb.mu);
    return st;
}

/* Re-evaluate what the current DB changed since the store last evaluated. */
static void
reevaluate(struct srv *s, struct ks_store *store, struct ks_vulndb *db)
{
    struct selection sel = {ks_map_new(), KS_VEC_INIT(char *)};
    struct ks_err err = KS_ERR_INIT;
    json_t *summary = json_object(), *accounts;
    char lineage0[64] = "", db_id[128];
    uint64_t seq0 = 0;
    bool found = false, complete = true;
    int64_t change_id = 0;
    size_t done = 0, skipped = 0, failed = 0;
    uint64_t t0 = ks_clock_ns();

    if (sel.set == NULL || summary == NULL) {
        ks_log(KS_LOG_ERROR, LOG, "re-evaluation: out of memory");
        goto out;
    }
    if (ks_store_vulndb_state_get(store, lineage0, &seq0, &found, &err) != KS_OK) {
        ks_log(KS_LOG_ERROR, LOG, "re-evaluation: cannot read the store's DB state: %s", err.msg);
        goto out;
    }
    if (found && strcmp(lineage0, ks_vulndb_lineage(db)) == 0 && seq0 == ks_vulndb_seq(db)) {
        pthread_mutex_lock(&s->vdb.mu);
        s->vdb.evaluated_seq = seq0;
        pthread_mutex_unlock(&s->vdb.mu);
        goto out; /* up to date */
    }
    pthread_mutex_lock(&s->vdb.mu);
    s->vdb.reevaluating = true;
    pthread_mutex_unlock(&s->vdb.mu);
    if (select_resources(s, store, db, found, lineage0, seq0, &sel, summary, &err) != KS_OK) {
        ks_log(KS_LOG_ERROR, LOG, "re-evaluation: cannot select resources: %s", err.msg);
        goto out;
    }
    snprintf(db_id, sizeof(db_id), "%s/%llu", ks_vulndb_lineage(db),
             (unsigned long long)ks_vulndb_seq(db));
    if (ks_store_changelog_add(store, db_id, summary, ks_time_now_ms(), &change_id, &err) !=
        KS_OK) {
        ks_log(KS_LOG_ERROR, LOG, "re-evaluation: cannot record the update: %s", err.msg);
        goto out;
    }
    ks_log(KS_LOG_INFO, LOG, "db=%s mode=%s resources=%zu", db_id,
           ks_json_str(summary, "mode") ? ks_json_str(summary, "mode") : "?", sel.keys.len);
    for (size_t i = 0; i < sel.keys.len; i++) {
        char key[2100], *rid;
        bool applied = false;

        if (stopping(s)) {
            complete = false;
            break;
        }
        snprintf(key, sizeof(key), "%s", *(char **)ks_vec_at(&sel.keys, i));
        if ((rid = strchr(key, '\x1f')) == NULL)
            continue;
        *rid++ = '\0';
        err = (struct ks_err)KS_ERR_INIT;
        if (eval_stored(s, store, db, key, rid, &applied, &err) != KS_OK) {
            /* One bad stored inventory must not stall every other one. */
            ks_log(KS_LOG_ERROR, LOG, "account=%s resource=%s re-evaluation failed: %s", key, rid,
                   err.msg);
            failed++;
            if (err.code == KS_EDB || err.code == KS_ENOMEM)
                complete = false; /* the store or memory: try the pass again later */
        } else if (applied) {
            json_t *acc = json_object_get(json_object_get(summary, "accounts"), key);

            done++;
            if (acc != NULL)
                json_object_set_new(
                    acc, "evaluated",
                    json_integer(json_integer_value(json_object_get(acc, "evaluated")) + 1));
            ks_events_notify(s->events);
        } else {
            skipped++;
        }
    }
    if (complete) {
        const char *acc_id;
        json_t *acc;

        /* Every account's count, zeros included: "evaluated" is there once the pass is done. */
        accounts = json_object_get(summary, "accounts");
        json_object_foreach(accounts, acc_id, acc) {
            if (json_object_get(acc, "evaluated") == NULL)
                json_object_set_new(acc, "evaluated", json_integer(0));
        }
        err = (struct ks_err)KS_ERR_INIT;
        if (ks_store_changelog_done(store, change_id, (int64_t)done, summary, ks_time_now_ms(),
                                    &err) != KS_OK ||
            ks_store_vulndb_state_set(store, ks_vulndb_lineage(db), ks_vulndb_seq(db), &err) !=
                KS_OK)
            ks_log(KS_LOG_ERROR, LOG, "re-evaluation: cannot record completion: %s", err.msg);
    }
    pthread_mutex_lock(&s->vdb.mu);
    s->vdb.reeval_runs++;
    s->vdb.reeval_resources += done;
    s->vdb.reeval_skipped += skipped;
    s->vdb.reeval_failed += failed;
    s->vdb.reeval_last_seconds = (double)(ks_clock_ns() - t0) / 1e9;
    if (complete)
        s->vdb.evaluated_seq = ks_vulndb_seq(db);
    pthread_mutex_unlock(&s->vdb.mu);
    ks_log(KS_LOG_INFO, LOG, "db=%s reevaluated=%zu skipped=%zu failed=%zu complete=%d ms=%.1f",
           db_id, done, skipped, failed, complete, (double)(ks_clock_ns() - t0) / 1e6);
out:
    pthread_mutex_lock(&s->vdb.mu);
    s->vdb.reevaluating = false;
    pthread_mutex_unlock(&s->vdb.mu);
    json_decref(summary);
    selection_release(&sel);
}

/* Pick up a new file at --db; the watcher's handle is *watch. */
static void
check_file(struct srv *s, struct ks_vulndb **watch)
{
    struct srv_vdb *v = &s->vdb;
    struct ks_vulndb *nh = NULL, **old = NULL;
    struct ks_err err = KS_ERR_INIT;
    size_t n_old = 0;

    if (*watch != NULL && !ks_vulndb_changed(*watch))
        return;
    if (ks_vulndb_open(s->cfg.vulndb_path, &nh, &err) != KS_OK) {
        bool news;

        pthread_mutex_lock(&v->mu);
        news = strncmp(v->last_error, err.msg, sizeof(v->last_error) - 6) != 0;
        snprintf(v->last_error, sizeof(v->last_error), "%.250s", err.msg);
        pthread_mutex_unlock(&v->mu);
        if (news)
            ks_log(*watch == NULL && err.code == KS_ENOTFOUND ? KS_LOG_INFO : KS_LOG_WARN, LOG,
                   "cannot open the vulnerability DB: %s", err.msg);
        return;
    }
    pthread_mutex_lock(&v->mu);
    v->gen++;
    old = v->idle;
    n_old = v->n_idle;
    v->idle = NULL;
    v->n_idle = v->cap_idle = 0;
    v->available = true;
    v->seq = ks_vulndb_seq(nh);
    snprintf(v->lineage, sizeof(v->lineage), "%s", ks_vulndb_lineage(nh));
    v->last_error[0] = '\0';
    v->pickups++;
    pthread_mutex_unlock(&v->mu);
    for (size_t i = 0; i < n_old; i++)
        ks_vulndb_free(old[i]);
    ks_free(old);
    ks_log(KS_LOG_INFO, LOG, "vulndb=%s seq=%llu lineage=%s picked up", s->cfg.vulndb_path,
           (unsigned long long)ks_vulndb_seq(nh), ks_vulndb_lineage(nh));
    ks_vulndb_free(*watch);
    *watch = nh;
}

static void *
watcher_main(void *arg)
{
    struct srv *s = arg;
    struct srv_vdb *v = &s->vdb;
    struct ks_vulndb *watch = NULL;
    struct ks_store *store = NULL;
    struct ks_err err = KS_ERR_INIT;

    pthread_mutex_lock(&v->mu);
    watch = v->first; /* opened by srv_vdb_start */
    v->first = NULL;
    v->in_round = true;
    pthread_mutex_unlock(&v->mu);
    for (;;) {
        bool stop;

        if (store == NULL && (store = srv_pool_get(s, &err)) == NULL)
            ks_log(KS_LOG_ERROR, LOG, "no store handle: %s", err.msg);
        check_file(s, &watch);
        if (store != NULL && watch != NULL)
            reevaluate(s, store, watch);
        pthread_mutex_lock(&v->mu);
        v->in_round = false;
        v->rounds++;
        pthread_cond_broadcast(&v->cv);
        if (!v->stopping && !v->wake) {
            struct timespec ts;
            int64_t ns;

            clock_gettime(CLOCK_REALTIME, &ts);
            ns = (int64_t)ts.tv_nsec + (s->cfg.vulndb_check_ms % 1000) * 1000000;
            ts.tv_sec += (time_t)(s->cfg.vulndb_check_ms / 1000 + ns / 1000000000);
            ts.tv_nsec = (long)(ns % 1000000000);
            pthread_cond_timedwait(&v->cv, &v->mu, &ts);
        }
        v->wake = false;
        v->in_round = true;
        stop = v->stopping;
        pthread_mutex_unlock(&v->mu);
        if (stop)
            break;
    }
    ks_vulndb_free(watch);
    if (store != NULL)
        srv_pool_put(s, store);
    return NULL;
}

enum ks_code
srv_vdb_start(struct srv *s, struct ks_err *err)
{
    if (s->cfg.vulndb_path[0] == '\0')
        return KS_OK;
    /* Open it now, so the first requests find it; the watcher evaluates from there. */
    check_file(s, &s->vdb.first);
    if (pthread_create(&s->vdb.thread, NULL, watcher_main, s) != 0) {
        ks_vulndb_free(s->vdb.first);
        s->vdb.first = NULL;
        return ks_err_set(err, KS_EINTERNAL, "server: cannot start the vulnerability DB watcher");
    }
    s->vdb.started = true;
    return KS_OK;
}

void
srv_vdb_stop(struct srv *s)
{
    struct srv_vdb *v = &s->vdb;
    struct ks_vulndb *first, **idle;
    size_t n_idle;

    if (v->started) {
        pthread_mutex_lock(&v->mu);
        v->stopping = true;
        pthread_cond_broadcast(&v->cv);
        pthread_mutex_unlock(&v->mu);
        pthread_join(v->thread, NULL);
        v->started = false;
    }
    pthread_mutex_lock(&v->mu);
    first = v->first;
    idle = v->idle;
    n_idle = v->n_idle;
    v->first = NULL;
    v->idle = NULL;
    v->n_idle = v->cap_idle = 0;
    v->available = false; /* handles in use are freed when they come back */
    pthread_mutex_unlock(&v->mu);
    ks_vulndb_free(first);
    for (size_t i = 0; i < n_idle; i++)
        ks_vulndb_free(idle[i]);
    ks_free(idle);
}

bool
srv_vdb_check(struct srv *s, int64_t timeout_ms)
{
    struct srv_vdb *v = &s->vdb;
    int64_t deadline = ks_time_now_ms() + timeout_ms;
    uint64_t want;
    bool done;

    if (!v->started)
        return true;
    pthread_mutex_lock(&v->mu);
    /* A round running now may have looked before the caller's change: wait for the next. */
    want = v->rounds + (v->in_round ? 2 : 1);
    v->wake = true;
    pthread_cond_broadcast(&v->cv);
    while (v->rounds < want && !v->stopping) {
        struct timespec ts;
        int64_t left = deadline - ks_time_now_ms();

        if (left <= 0)
            break;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += (time_t)(left / 1000);
        ts.tv_nsec += (long)((left % 1000) * 1000000);
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&v->cv, &v->mu, &ts);
    }
    done = v->rounds >= want;
    pthread_mutex_unlock(&v->mu);
    return done;
}

/*
 * The caller's view of a change log entry: the DB's side (mode, packages
 * named, counts of changes) as recorded, the resources only the caller's
 * (its part of "accounts"): one account never learns another's resource
 * ids or how many it has.
 */
static void
changelog_view(json_t *entry, const char *account_id)
{
    json_t *cs = json_object_get(entry, "changeSet");
    json_t *acc = json_object_get(json_object_get(cs, "accounts"), account_id);
    json_t *ids = json_object_get(acc, "resourceIds");
    json_int_t resources = json_integer_value(json_object_get(acc, "resources"));
    json_int_t evaluated = json_integer_value(json_object_get(acc, "evaluated"));

    if (!json_is_object(cs))
        return;
    json_object_set_new(cs, "resources", json_integer(resources));
    json_object_set_new(cs, "resourceIds", ids != NULL ? json_incref(ids) : json_array());
    json_object_del(cs, "accounts"); /* acc goes with it */
    if (json_object_get(entry, "evaluatedAt") != NULL)
        json_object_set_new(entry, "resourcesEvaluated", json_integer(evaluated));
}

json_t *
srv_vdb_json(struct srv *s, struct ks_store *store, const char *account_id, struct ks_err *err)
{
    struct srv_vdb *v = &s->vdb;
    json_t *o = json_object(), *log = NULL;
    char lineage[64] = "";
    uint64_t seq = 0;
    bool found = false;

    if (o == NULL)
        return NULL;
    if (ks_store_vulndb_state_get(store, lineage, &seq, &found, err) != KS_OK ||
        ks_store_changelog_list(store, 20, &log, err) != KS_OK) {
        json_decref(o);
        return NULL;
    }
    pthread_mutex_lock(&v->mu);
    json_object_set_new(o, "path", json_string(s->cfg.vulndb_path));
    json_object_set_new(o, "available", json_boolean(v->available));
    if (v->available) {
        json_object_set_new(o, "seq", json_integer((json_int_t)v->seq));
        json_object_set_new(o, "lineage", json_string(v->lineage));
    }
    if (v->last_error[0])
        json_object_set_new(o, "error", json_string(v->last_error));
    json_object_set_new(o, "reevaluating", json_boolean(v->reevaluating));
    json_object_set_new(o, "checkSeconds", json_real((double)s->cfg.vulndb_check_ms / 1000));
    pthread_mutex_unlock(&v->mu);
    if (found)
        json_object_set_new(o, "evaluated", json_pack("{s:s, s:I}", "lineage", lineage, "seq",
                                                      (json_int_t)seq));
    {
        size_t i;
        json_t *entry;

        json_array_foreach(log, i, entry) changelog_view(entry, account_id);
    }
    json_object_set_new(o, "updates", log);
    return o;
}

void
srv_vdb_metrics(struct srv *s, struct ks_buf *out)
{
    struct srv_vdb *v = &s->vdb;

    pthread_mutex_lock(&v->mu);
    ks_buf_appendf(out,
                   "# HELP kensa_vulndb_seq Update sequence number of the DB in use.\n"
                   "# TYPE kensa_vulndb_seq gauge\nkensa_vulndb_seq %llu\n"
                   "# HELP kensa_vulndb_evaluated_seq Last update whose re-evaluation completed.\n"
                   "# TYPE kensa_vulndb_evaluated_seq gauge\nkensa_vulndb_evaluated_seq %llu\n"
                   "# HELP kensa_vulndb_pickups_total DB files picked up.\n"
                   "# TYPE kensa_vulndb_pickups_total counter\nkensa_vulndb_pickups_total %llu\n"
                   "# HELP kensa_reevaluation_runs_total Re-evaluation passes after DB updates.\n"
                   "# TYPE kensa_reevaluation_runs_total counter\n"
                   "kensa_reevaluation_runs_total %llu\n"
                   "# HELP kensa_reevaluated_resources_total Resources re-evaluated from stored "
                   "inventories.\n# TYPE kensa_reevaluated_resources_total counter\n"
                   "kensa_reevaluated_resources_total %llu\n"
                   "# HELP kensa_reevaluation_skipped_total Resources not re-evaluated (newer "
                   "inventory, expired image, disabled type).\n"
                   "# TYPE kensa_reevaluation_skipped_total counter\n"
                   "kensa_reevaluation_skipped_total %llu\n"
                   "# HELP kensa_reevaluation_failed_total Failed re-evaluations.\n"
                   "# TYPE kensa_reevaluation_failed_total counter\n"
                   "kensa_reevaluation_failed_total %llu\n"
                   "# HELP kensa_reevaluation_last_seconds Duration of the last pass.\n"
                   "# TYPE kensa_reevaluation_last_seconds gauge\n"
                   "kensa_reevaluation_last_seconds %.6f\n",
                   (unsigned long long)v->seq, (unsigned long long)v->evaluated_seq,
                   (unsigned long long)v->pickups, (unsigned long long)v->reeval_runs,
                   (unsigned long long)v->reeval_resources, (unsigned long long)v->reeval_skipped,
                   (unsigned long long)v->reeval_failed, v->reeval_last_seconds);
    pthread_mutex_unlock(&v->mu);
}
