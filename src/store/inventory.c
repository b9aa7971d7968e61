/*
 * inventory.c: stored inventories and their package index (continuous
 * evaluation, ARCHITECTURE.md §3): every inventory is indexed by the
 * lookups the matcher makes for its packages, so a DB update's change set
 * selects the resources to re-evaluate with indexed queries instead of a
 * scan of every inventory. Also the selections the re-evaluation uses, the
 * sweep that marks hosts whose inventory went stale, and the record of the
 * vulnerability DB the findings were last evaluated against.
 */
#include "store/store_int.h"

#include <string.h>

#include "base/banned.h"

/* ------------------------------------------------------------------------ */
/* Writing                                                                  */

static bool
key_ok(const char *s, bool may_be_empty)
{
    size_t n;

    if (s == NULL)
        return false;
    n = strlen(s);
    return (may_be_empty || n > 0) && n <= KS_STORE_MAX_KEY_BYTES;
}

enum ks_code
st_inventory_check(const struct ks_store_inventory *inv, struct ks_err *err)
{
    if (inv == NULL || (inv->doc == NULL && inv->len > 0))
        return ks_err_set(err, KS_EINVAL, "store: no inventory document");
    if (inv->n_keys > KS_STORE_MAX_KEYS)
        return ks_err_set(err, KS_EINVAL, "store: inventory index of %zu packages is over the "
                          "limit of %d", inv->n_keys, KS_STORE_MAX_KEYS);
    for (size_t i = 0; i < inv->n_keys; i++) {
        const struct ks_store_pkg_key *k = &inv->keys[i];

        if (!key_ok(k->ecosystem, false) || !key_ok(k->release, true) || !key_ok(k->name, false))
            return ks_err_set(err, KS_EINVAL, "store: inventory index entry %zu is empty or "
                              "over %d bytes", i, KS_STORE_MAX_KEY_BYTES);
    }
    if ((inv->os_ecosystem != NULL && !key_ok(inv->os_ecosystem, false)) ||
        (inv->os_release != NULL && !key_ok(inv->os_release, true)))
        return ks_err_set(err, KS_EINVAL, "store: bad distribution of the inventory");
    return KS_OK;
}

/* The integer id of a row found or made by an upsert then a select. */
static enum ks_code
upsert_id(struct st_stmt *ins, struct st_stmt *sel, const char *const *vals, int n,
          int64_t *id, struct ks_err *err)
{
    bool row;
    enum ks_code rc;

    for (int i = 0; i < n; i++)
        st_bind_text(ins, i + 1, vals[i]);
    rc = st_run(ins, err);
    st_reset(ins);
    if (rc != KS_OK)
        return rc;
    for (int i = 0; i < n; i++)
        st_bind_text(sel, i + 1, vals[i]);
    if ((rc = st_step(sel, &row, err)) == KS_OK) {
        if (row)
            *id = st_col_int(sel, 0);
        else
            rc = ks_err_set(err, KS_EDB, "store: upserted row vanished");
    }
    st_reset(sel);
    return rc;
}

enum ks_code
st_inventory_write(struct ks_store *s, const char *account_id, const char *resource_id,
                   const struct ks_store_inventory *inv, int64_t now_ms, struct ks_err *err)
{
    struct st_stmt *st = NULL, *kins = NULL, *ksel = NULL, *pins = NULL;
    struct ks_map *seen = NULL;
    struct ks_buf key = KS_BUF_INIT(4 * KS_STORE_MAX_KEY_BYTES);
    char hash[65];
    int64_t ref = 0;
    enum ks_code rc;

    ks_sha256_hex(inv->doc ? inv->doc : "", inv->len, hash);
    if ((rc = st_prepare(s->db,
                         "INSERT INTO inventories (account_id, resource_id, format, sha256, size,"
                         " received_at, document, os_ecosystem, os_release, packages)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                         " ON CONFLICT (account_id, resource_id) DO UPDATE SET"
                         " format = excluded.format, sha256 = excluded.sha256,"
                         " size = excluded.size, received_at = excluded.received_at,"
                         " document = excluded.document, os_ecosystem = excluded.os_ecosystem,"
                         " os_release = excluded.os_release, packages = excluded.packages",
                         &st, err)) != KS_OK)
        goto out;
    st_bind_text(st, 1, account_id);
    st_bind_text(st, 2, resource_id);
    st_bind_text(st, 3, inv->format ? inv->format : "kensa-inventory");
    st_bind_text(st, 4, hash);
    st_bind_int(st, 5, (int64_t)inv->len);
    st_bind_int(st, 6, now_ms);
    st_bind_blob(st, 7, inv->doc ? inv->doc : "", inv->len);
    st_bind_text(st, 8, inv->os_ecosystem);
    st_bind_text(st, 9, inv->os_ecosystem ? (inv->os_release ? inv->os_release : "") : NULL);
    st_bind_int(st, 10, (int64_t)inv->packages);
    if ((rc = st_run(st, err)) != KS_OK)
        goto out;
    st_finalize(st);
    st = NULL;

    /* The inventory's integer id, then its index rebuilt. */
    if ((rc = st_prepare(s->db,
                         "INSERT INTO inventory_refs (account_id, resource_id) VALUES (?, ?)"
                         " ON CONFLICT (account_id, resource_id) DO NOTHING",
                         &kins, err)) != KS_OK ||
        (rc = st_prepare(s->db,
                         "SELECT ref FROM inventory_refs WHERE account_id = ? AND resource_id = ?",
                         &ksel, err)) != KS_OK)
        goto out;
    {
        const char *vals[2] = {account_id, resource_id};

        if ((rc = upsert_id(kins, ksel, vals, 2, &ref, err)) != KS_OK)
            goto out;
    }
    st_finalize(kins);
    st_finalize(ksel);
    kins = ksel = NULL;
    if ((rc = st_prepare(s->db, "DELETE FROM inventory_packages WHERE ref = ?", &st, err)) !=
        KS_OK)
        goto out;
    st_bind_int(st, 1, ref);
    if ((rc = st_run(st, err)) != KS_OK)
        goto out;
    st_finalize(st);
    st = NULL;
    if (inv->n_keys == 0) {
        rc = KS_OK;
        goto out;
    }
    if ((seen = ks_map_new()) == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "store: out of memory");
        goto out;
    }
    if ((rc = st_prepare(s->db,
                         "INSERT INTO package_keys (ecosystem, name, release) VALUES (?, ?, ?)"
                         " ON CONFLICT (ecosystem, name, release) DO NOTHING",
                         &kins, err)) != KS_OK ||
        (rc = st_prepare(s->db,
                         "SELECT key_id FROM package_keys WHERE ecosystem = ? AND name = ?"
                         " AND release = ?",
                         &ksel, err)) != KS_OK ||
        (rc = st_prepare(s->db,
                         "INSERT INTO inventory_packages (key_id, ref) VALUES (?, ?)"
                         " ON CONFLICT (key_id, ref) DO NOTHING",
                         &pins, err)) != KS_OK)
        goto out;
    for (size_t i = 0; i < inv->n_keys; i++) {
        const struct ks_store_pkg_key *k = &inv->keys[i];
        const char *vals[3] = {k->ecosystem, k->name, k->release};
        int64_t key_id = 0;

        ks_buf_reset(&key);
        ks_buf_appendf(&key, "%s\x1f%s\x1f%s", k->ecosystem, k->name, k->release);
        if ((rc = ks_buf_err(&key)) != KS_OK) {
            rc = ks_err_set(err, rc, "store: index key too long");
            goto out;
        }
        if (ks_map_has(seen, ks_str_c(key.data)))
            continue;
        if ((rc = ks_map_put(seen, ks_str_c(key.data), NULL, NULL)) != KS_OK) {
            rc = ks_err_set(err, rc, "store: out of memory");
            goto out;
        }
        if ((rc = upsert_id(kins, ksel, vals, 3, &key_id, err)) != KS_OK)
            goto out;
        st_bind_int(pins, 1, key_id);
        st_bind_int(pins, 2, ref);
        rc = st_run(pins, err);
        st_reset(pins);
        if (rc != KS_OK)
            goto out;
    }
    rc = KS_OK;
out:
    st_finalize(st);
    st_finalize(kins);
    st_finalize(ksel);
    st_finalize(pins);
    ks_map_free(seen);
    ks_buf_release(&key);
    return rc;
}

enum ks_code
ks_store_inventory_put(struct ks_store *s, const char *account_id, enum ks_findings_rtype rtype,
                       const char *resource_id, const json_t *resource,
                       const struct ks_store_inventory *inv, int64_t now_ms, struct ks_err *err)
{
    struct st_stmt *st = NULL;
    json_t *r = NULL;
    char *text = NULL;
    struct ks_account acc;
    int64_t pushed = -1;
    bool created;
    enum ks_code rc;

    if ((rc = ks_store_account_get(s, account_id, &acc, err)) != KS_OK)
        return rc;
    if (resource_id == NULL || resource_id[0] == '\0' || strlen(resource_id) > 1024)
        return ks_err_set(err, KS_EINVAL, "store: resource id must be 1 to 1024 bytes");
    if ((unsigned)rtype >= KS_RT_COUNT)
        return ks_err_set(err, KS_EINVAL, "store: unknown resource type");
    if ((rc = st_inventory_check(inv, err)) != KS_OK)
        return rc;
    r = json_is_object(resource) ? json_deep_copy(resource) : json_object();
    if (r == NULL ||
        json_object_set_new(r, "type", json_string(ks_findings_rtype_aws(rtype))) != 0 ||
        json_object_set_new(r, "id", json_string(resource_id)) != 0 ||
        (text = json_dumps(r, JSON_COMPACT)) == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "store: out of memory");
        goto out;
    }
    if (ks_findings_parse_time(json_object_get(json_object_get(json_object_get(r, "details"),
                                                               "awsEcrContainerImage"),
                                               "pushedAt"),
                               &pushed) != KS_OK)
        pushed = -1;
    if ((rc = st_begin(s->db, true, err)) != KS_OK)
        goto out;
    if ((rc = st_prepare(s->db,
                         "INSERT INTO resources (account_id, resource_id, resource_type, resource,"
                         " scan_status, scan_reason, created_at, updated_at, eligible_from,"
                         " evaluations) VALUES (?, ?, ?, ?, 'ACTIVE', 'PENDING_INITIAL_SCAN',"
                         " ?, ?, ?, 0) ON CONFLICT (account_id, resource_id) DO NOTHING",
                         &st, err)) != KS_OK)
        goto out;
    st_bind_text(st, 1, account_id);
    st_bind_text(st, 2, resource_id);
    st_bind_text(st, 3, ks_findings_rtype_name(rtype));
    st_bind_text(st, 4, text);
    st_bind_int(st, 5, now_ms);
    st_bind_int(st, 6, now_ms);
    st_bind_int(st, 7, pushed >= 0 ? pushed : now_ms);
    if ((rc = st_run(st, err)) != KS_OK)
        goto out;
    created = st_changes(s->db) > 0;
    st_finalize(st);
    st = NULL;
    if (!created) {
        if ((rc = st_prepare(s->db,
                             "UPDATE resources SET resource_type = ?, resource = ?, updated_at = ?"
                             " WHERE account_id = ? AND resource_id = ?",
                             &st, err)) != KS_OK)
            goto out;
        st_bind_text(st, 1, ks_findings_rtype_name(rtype));
        st_bind_text(st, 2, text);
        st_bind_int(st, 3, now_ms);
        st_bind_text(st, 4, account_id);
        st_bind_text(st, 5, resource_id);
        if ((rc = st_run(st, err)) != KS_OK)
            goto out;
        st_finalize(st);
        st = NULL;
    }
    if ((rc = st_inventory_write(s, account_id, resource_id, inv, now_ms, err)) != KS_OK)
        goto out;
    if (created && (rc = st_coverage_event(s, account_id, resource_id, now_ms, err)) != KS_OK)
        goto out;
    rc = st_commit(s->db, err);
out:
    st_finalize(st);
    if (rc != KS_OK)
        st_rollback(s->db);
    json_decref(r);
    ks_free(text);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Reading                                                                  */

enum ks_code
ks_store_inventory_get(struct ks_store *s, const char *account_id, const char *resource_id,
                       struct ks_buf *buf, char format[32], int64_t *received_ms,
                       struct ks_err *err)
{
    struct ks_store_inventory_meta m;
    enum ks_code rc = ks_store_inventory_load(s, account_id, resource_id, &m, buf, err);

    if (rc != KS_OK)
        return rc;
    snprintf(format, 32, "%s", m.format);
    *received_ms = m.received_ms;
    ks_store_inventory_meta_release(&m);
    return KS_OK;
}

void
ks_store_inventory_meta_release(struct ks_store_inventory_meta *m)
{
    if (m == NULL)
        return;
    json_decref(m->resource);
    m->resource = NULL;
}

enum ks_code
ks_store_inventory_load(struct ks_store *s, const char *account_id, const char *resource_id,
                        struct ks_store_inventory_meta *meta, struct ks_buf *doc,
                        struct ks_err *err)
{
    struct st_stmt *st = NULL;
    struct ks_store_inventory_meta m;
    bool row;
    enum ks_code rc;

    memset(&m, 0, sizeof(m));
    if ((rc = st_check_account_id(account_id, err)) != KS_OK)
        return rc;
    if ((rc = st_prepare(s->db,
                         "SELECT i.format, i.sha256, i.received_at, i.document, r.resource_type,"
                         " r.scan_status, r.scan_reason, r.resource FROM inventories i"
                         " JOIN resources r ON r.account_id = i.account_id"
                         " AND r.resource_id = i.resource_id"
                         " WHERE i.account_id = ? AND i.resource_id = ?",
                         &st, err)) != KS_OK)
        return rc;
    st_bind_text(st, 1, account_id);
    st_bind_text(st, 2, resource_id);
    if ((rc = st_step(st, &row, err)) != KS_OK)
        goto out;
    if (!row) {
        rc = ks_err_set(err, KS_ENOTFOUND, "store: no inventory for '%.200s'", resource_id);
        goto out;
    }
    snprintf(m.format, sizeof(m.format), "%s", st_col_text(st, 0));
    snprintf(m.sha256, sizeof(m.sha256), "%s", st_col_text(st, 1));
    m.received_ms = st_col_int(st, 2);
    if (!ks_findings_rtype_parse(ks_str_c(st_col_text(st, 4)), &m.rtype)) {
        rc = ks_err_set(err, KS_EDB, "store: resource '%.200s' has an unknown type", resource_id);
        goto out;
    }
    snprintf(m.scan_status, sizeof(m.scan_status), "%s", st_col_text(st, 5));
    snprintf(m.scan_reason, sizeof(m.scan_reason), "%s", st_col_text(st, 6));
    if (ks_json_parse(st_col_text(st, 7), st_col_bytes(st, 7), "stored resource", &m.resource,
                      err) != KS_OK) {
        rc = err->code == KS_ENOMEM ? KS_ENOMEM : KS_EDB;
        goto out;
    }
    ks_buf_append(doc, st_col_blob(st, 3), st_col_bytes(st, 3));
    if ((rc = ks_buf_err(doc)) != KS_OK) {
        rc = ks_err_set(err, rc, "store: inventory of '%.200s' over the buffer limit",
                        resource_id);
        goto out;
    }
    *meta = m;
    m.resource = NULL;
out:
    st_finalize(st);
    ks_store_inventory_meta_release(&m);
    return rc;
}

enum ks_code
ks_store_inventory_count(struct ks_store *s, int64_t *n, struct ks_err *err)
{
    struct st_stmt *st = NULL;
    bool row;
    enum ks_code rc;

    *n = 0;
    if ((rc = st_prepare(s->db, "SELECT COUNT(*) FROM inventories", &st, err)) == KS_OK &&
        (rc = st_step(st, &row, err)) == KS_OK && row)
        *n = st_col_int(st, 0);
    st_finalize(st);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Selections                                                               */

/* Run st (parameters bound) and call fn with columns 0 and 1 of each row. */
static enum ks_code
each_pair(struct st_stmt *st, ks_store_resource_fn fn, void *ctx, struct ks_err *err)
{
    bool row;
    enum ks_code rc;

    while ((rc = st_step(st, &row, err)) == KS_OK && row) {
        if ((rc = fn(ctx, st_col_text(st, 0), st_col_text(st, 1), err)) != KS_OK)
            break;
    }
    st_finalize(st);
    return rc;
}

enum ks_code
ks_store_resources_with_package(struct ks_store *s, const struct ks_store_pkg_key *key,
                                ks_store_resource_fn fn, void *ctx, struct ks_err *err)
{
    struct st_stmt *st = NULL;
    enum ks_code rc;

    /* An index key without release (a language package) meets every release. */
    if ((rc = st_prepare(s->db,
                         "SELECT DISTINCT r.account_id, r.resource_id FROM package_keys k"
                         " JOIN inventory_packages p ON p.key_id = k.key_id"
                         " JOIN inventory_refs r ON r.ref = p.ref"
                         " WHERE k.ecosystem = ? AND k.name = ? AND (k.release = ? OR"
                         " k.release = '' OR ? = '')",
                         &st, err)) != KS_OK)
        return rc;
    st_bind_text(st, 1, key->ecosystem);
    st_bind_text(st, 2, key->name);
    st_bind_text(st, 3, key->release ? key->release : "");
    st_bind_text(st, 4, key->release ? key->release : "");
    return each_pair(st, fn, ctx, err);
}

enum ks_code
ks_store_resources_with_vuln(struct ks_store *s, const char *vuln_id, ks_store_resource_fn fn,
                             void *ctx, struct ks_err *err)
{
    struct st_stmt *st = NULL;
    enum ks_code rc;

    if ((rc = st_prepare(s->db,
                         "SELECT DISTINCT account_id, resource_id FROM findings"
                         " WHERE vulnerability_id = ? AND lifecycle = 'ACTIVE'",
                         &st, err)) != KS_OK)
        return rc;
    st_bind_text(st, 1, vuln_id);
    return each_pair(st, fn, ctx, err);
}

enum ks_code
ks_store_resources_unsupported_os(struct ks_store *s, const char *os_ecosystem,
                                  const char *os_release, ks_store_resource_fn fn, void *ctx,
                                  struct ks_err *err)
{
    struct st_stmt *st = NULL;
    enum ks_code rc;

    if ((rc = st_prepare(s->db,
                         "SELECT i.account_id, i.resource_id FROM inventories i"
                         " JOIN resources r ON r.account_id = i.account_id"
                         " AND r.resource_id = i.resource_id"
                         " WHERE i.os_ecosystem = ? AND (i.os_release = ? OR ? = '')"
                         " AND r.scan_reason = 'UNSUPPORTED_OS'",
                         &st, err)) != KS_OK)
        return rc;
    st_bind_text(st, 1, os_ecosystem);
    st_bind_text(st, 2, os_release ? os_release : "");
    st_bind_text(st, 3, os_release ? os_release : "");
    return each_pair(st, fn, ctx, err);
}

enum ks_code
ks_store_resources_all(struct ks_store *s, bool open_findings, ks_store_resource_fn fn,
                       void *ctx, struct ks_err *err)
{
    struct st_stmt *st = NULL;
    enum ks_code rc;

    if ((rc = st_prepare(s->db,
                         open_findings
                             ? "SELECT DISTINCT f.account_id, f.resource_id FROM findings f"
                               " JOIN inventories i ON i.account_id = f.account_id"
                               " AND i.resource_id = f.resource_id WHERE f.lifecycle = 'ACTIVE'"
                             : "SELECT account_id, resource_id FROM inventories"
                               " ORDER BY account_id, resource_id",
                         &st, err)) != KS_OK)
        return rc;
    return each_pair(st, fn, ctx, err);
}

/* ------------------------------------------------------------------------ */
/* Stale inventories                                                        */

enum ks_code
ks_store_mark_stale(struct ks_store *s, int64_t now_ms, int64_t stale_ms, size_t *n,
                    struct ks_err *err)
{
    struct st_stmt *st = NULL;
    struct ks_vec rows = KS_VEC_INIT(char *);
    bool row;
    enum ks_code rc;

    *n = 0;
    if ((rc = st_begin(s->db, true, err)) != KS_OK)
        return rc;
    if ((rc = st_prepare(s->db,
                         "SELECT r.account_id, r.resource_id FROM resources r JOIN inventories i"
                         " ON i.account_id = r.account_id AND i.resource_id = r.resource_id"
                         " WHERE r.resource_type = 'HOST' AND r.scan_status = 'ACTIVE'"
                         " AND i.received_at < ?",
                         &st, err)) != KS_OK)
        goto out;
    st_bind_int(st, 1, now_ms - stale_ms);
    while ((rc = st_step(st, &row, err)) == KS_OK && row) {
        if ((rc = st_sweep_add(&rows, st_col_text(st, 0), st_col_text(st, 1), err)) != KS_OK)
            goto out;
    }
    /* Stale hosts keep their findings: their last inventory still stands. */
    if (rc != KS_OK ||
        (rc = st_sweep_deactivate(s, &rows, "STALE_INVENTORY", false, now_ms, n, err)) != KS_OK)
        goto out;
    rc = st_commit(s->db, err);
out:
    st_finalize(st);
    if (rc != KS_OK)
        st_rollback(s->db);
    st_sweep_release(&rows);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* The vulnerability DB last evaluated against                              */

static enum ks_code
meta_get(struct ks_store *s, const char *key, char *out, size_t cap, bool *found,
         struct ks_err *err)
{
    struct st_stmt *st = NULL;
    bool row;
    enum ks_code rc;

    *found = false;
    if ((rc = st_prepare(s->db, "SELECT value FROM meta WHERE key = ?", &st, err)) != KS_OK)
        return rc;
    st_bind_text(st, 1, key);
    if ((rc = st_step(st, &row, err)) == KS_OK && row) {
        snprintf(out, cap, "%s", st_col_text(st, 0));
        *found = true;
    }
    st_finalize(st);
    return rc;
}

static enum ks_code
meta_put(struct ks_store *s, const char *key, const char *value, struct ks_err *err)
{
    struct st_stmt *st = NULL;
    enum ks_code rc;

    if ((rc = st_prepare(s->db,
                         "INSERT INTO meta (key, value) VALUES (?, ?)"
                         " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                         &st, err)) != KS_OK)
        return rc;
    st_bind_text(st, 1, key);
    st_bind_text(st, 2, value);
    rc = st_run(st, err);
    st_finalize(st);
    return rc;
}

enum ks_code
ks_store_vulndb_state_get(struct ks_store *s, char lineage[64], uint64_t *seq, bool *found,
                          struct ks_err *err)
{
    char num[32];
    bool has_l = false, has_s = false;
    uint64_t v;
    enum ks_code rc;

    *found = false;
    if ((rc = meta_get(s, "vulndb_lineage", lineage, 64, &has_l, err)) != KS_OK ||
        (rc = meta_get(s, "vulndb_seq", num, sizeof(num), &has_s, err)) != KS_OK)
        return rc;
    if (!has_l || !has_s)
        return KS_OK;
    if (ks_parse_u64(ks_str_c(num), UINT64_MAX, &v) != KS_OK)
        return ks_err_set(err, KS_EDB, "store: vulndb_seq '%s' is not a number", num);
    *seq = v;
    *found = true;
    return KS_OK;
}

enum ks_code
ks_store_vulndb_state_set(struct ks_store *s, const char *lineage, uint64_t seq,
                          struct ks_err *err)
{
    char num[32];
    enum ks_code rc;

    snprintf(num, sizeof(num), "%llu", (unsigned long long)seq);
    if ((rc = st_begin(s->db, true, err)) != KS_OK)
        return rc;
    if ((rc = meta_put(s, "vulndb_lineage", lineage, err)) != KS_OK ||
        (rc = meta_put(s, "vulndb_seq", num, err)) != KS_OK) {
        st_rollback(s->db);
        return rc;
    }
    return st_commit(s->db, err);
}
