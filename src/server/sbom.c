/*
 * sbom.c: SBOM exports (CreateSbomExport, GetSbomExport, CancelSbomExport).
 * An export selects the account's covered resources with the model's
 * ResourceFilterCriteria (the same fields and comparisons as coverage
 * criteria) and writes one SBOM per resource from its stored inventory,
 * CycloneDX 1.4 or SPDX 2.3, like Inspector: to the request's S3 bucket when
 * the server has an S3-compatible endpoint (one object per resource under
 * keyPrefix/REPORT_ID/), and always into a zip kept in the data dir for
 * download at /kensa/v1/sbom-exports/{reportId}.
 */
#include "server/server_int.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "inventory/inventory.h"
#include "report/report.h"

#include "base/banned.h"

#define LOG "server.sbom"
#define PAGE 500
#define STORED_MAX ((size_t)256 << 20)
#define SBOM_MAX ((size_t)512 << 20)

/* ------------------------------------------------------------------------ */
/* Operations                                                               */

enum ks_code
srv_op_create_sbom_export(struct srv_call *c)
{
    /* ResourceFilterCriteria's members are coverage criteria members (EQUALS/NOT_EQUALS). */
    return srv_report_create(c, KS_REPORT_SBOM, &ks_fc_coverage, "resourceFilterCriteria");
}

enum ks_code
srv_op_get_sbom_export(struct srv_call *c)
{
    struct ks_err err = KS_ERR_INIT;
    struct ks_store_report r;
    enum ks_code rc;

    if ((rc = ks_store_report_get(c->store, c->account_id, KS_REPORT_SBOM,
                                  ks_json_str(c->in, "reportId"), &r, &err)) != KS_OK)
        return srv_fail_store(c, rc, &err);
    return srv_report_status_reply(c, &r, "s3Destination", true);
}

enum ks_code
srv_op_cancel_sbom_export(struct srv_call *c)
{
    return srv_report_cancel(c, KS_REPORT_SBOM);
}

/* ------------------------------------------------------------------------ */
/* Producing an export                                                      */

/*
 * A file name for a resource id: safe characters kept, others '_', and a
 * digest of the id when anything was replaced (so two ids never collide).
 */
static void
safe_name(const char *id, struct ks_buf *out)
{
    bool changed = false;
    char hex[65];

    for (const char *p = id; *p && out->len < 150; p++) {
        char ch = *p;
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                  ch == '-' || ch == '_' || (ch == '.' && p != id);

        ks_buf_putc(out, ok ? ch : '_');
        changed |= !ok;
    }
    if (changed || strlen(id) > 150) {
        ks_sha256_hex(id, strlen(id), hex);
        ks_buf_appendf(out, "-%.12s", hex);
    }
}

struct zipw {
    struct archive *a;
    time_t mtime;
};

static enum ks_code
zip_add(struct zipw *z, const char *name, const void *data, size_t len, struct ks_err *err)
{
    struct archive_entry *e = archive_entry_new();
    enum ks_code rc = KS_OK;

    if (e == NULL)
        return ks_err_set(err, KS_ENOMEM, "out of memory");
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, (la_int64_t)len);
    archive_entry_set_mtime(e, z->mtime, 0);
    if (archive_write_header(z->a, e) != ARCHIVE_OK ||
        archive_write_data(z->a, data, len) != (la_ssize_t)len)
        rc = ks_err_set(err, KS_EIO, "cannot write the export: %s",
                        archive_error_string(z->a) ? archive_error_string(z->a) : "zip error");
    archive_entry_free(e);
    return rc;
}

/* The resource ids (and types) of the covered resources matching criteria. */
static enum ks_code
select_resources(struct ks_store *store, const struct ks_store_report *r, struct ks_vec *ids,
                 struct ks_err *err)
{
    struct ks_arena *a = ks_arena_new(8192);
    struct ks_criteria *crit = NULL;
    struct ks_store_page page = {0, PAGE};
    bool more = true;
    enum ks_code rc;

    if (a == NULL)
        return ks_err_set(err, KS_ENOMEM, "out of memory");
    if ((rc = ks_findings_criteria_parse(&ks_fc_coverage, r->criteria, "resourceFilterCriteria",
                                         a, &crit, err)) != KS_OK)
        goto out;
    while (more && rc == KS_OK) {
        json_t *list = NULL, *cr;
        size_t i;

        if ((rc = ks_store_coverage_list(store, r->account_id, crit, &page, ks_time_now_ms(),
                                         &list, &more, err)) != KS_OK)
            break;
        json_array_foreach(list, i, cr) {
            char **slot = ks_vec_push(ids);

            if (slot == NULL || (*slot = ks_strdup(ks_json_str(cr, "resourceId"))) == NULL) {
                rc = ks_err_set(err, KS_ENOMEM, "out of memory");
                break;
            }
        }
        json_decref(list);
        page.offset += page.limit;
    }
out:
    ks_arena_free(a);
    return rc;
}

/* One resource's SBOM into out; *found false when it has no stored inventory. */
static enum ks_code
resource_sbom(struct ks_store *store, const struct ks_store_report *r, const char *rid,
              struct ks_buf *out, bool *found, struct ks_err *err)
{
    struct ks_store_inventory_meta m;
    struct ks_buf doc = KS_BUF_INIT(STORED_MAX);
    struct ks_arena *a = NULL;
    struct ks_inventory *inv = NULL;
    const char *format;
    enum ks_code rc;

    *found = false;
    memset(&m, 0, sizeof(m));
    rc = ks_store_inventory_load(store, r->account_id, rid, &m, &doc, err);
    if (rc == KS_ENOTFOUND) {
        rc = KS_OK; /* a resource known from findings alone has nothing to export */
        goto out;
    }
    if (rc != KS_OK)
        goto out;
    if ((a = ks_arena_new(1 << 20)) == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = srv_inventory_parse(ks_buf_str(&doc), "stored inventory", &m.rtype, rid, a, &inv,
                                  &format, err)) != KS_OK)
        goto out;
    rc = strcmp(r->format, "SPDX_2_3") == 0 ? ks_report_spdx(inv, out, err)
                                             : ks_report_cyclonedx_spec(inv, 4, out, err);
    *found = rc == KS_OK;
out:
    ks_arena_free(a);
    ks_store_inventory_meta_release(&m);
    ks_buf_release(&doc);
    return rc;
}

void
srv_sbom_export_process(struct srv *s, struct ks_store *store, struct ks_store_report *r)
{
    struct ks_vec ids = KS_VEC_INIT(char *);
    struct ks_buf dir = KS_BUF_INIT(8192), tmp = KS_BUF_INIT(8192), path = KS_BUF_INIT(8192);
    struct ks_buf prefix = KS_BUF_INIT(2048), key = KS_BUF_INIT(4096), name = KS_BUF_INIT(1024);
    struct ks_buf sbom = KS_BUF_INIT(SBOM_MAX);
    struct ks_err err = KS_ERR_INIT;
    struct zipw z = {NULL, (time_t)(ks_time_now_ms() / 1000)};
    const char *bucket = ks_json_str(r->destination, "bucketName");
    const char *kp = ks_json_str(r->destination, "keyPrefix");
    const char *ext = strcmp(r->format, "SPDX_2_3") == 0 ? "spdx.json" : "cyclonedx.json";
    bool to_s3 = s->s3.endpoint[0] != '\0' && bucket != NULL, cancelled = false;
    size_t n = 0;
    uint64_t t0 = ks_clock_ns();
    enum ks_code rc;

    snprintf(r->status, sizeof(r->status), "FAILED");
    snprintf(r->error_code, sizeof(r->error_code), "INTERNAL_ERROR");
    if ((rc = select_resources(store, r, &ids, &err)) != KS_OK) {
        snprintf(r->error_message, sizeof(r->error_message), "%.200s", err.msg);
        goto finish;
    }
    ks_buf_appendf(&dir, "%s/sbom-exports/%s", s->cfg.data_dir, r->account_id);
    ks_buf_appendf(&path, "%s/%s.zip", dir.data, r->report_id);
    ks_buf_appendf(&tmp, "%s.tmp", path.data);
    if (kp != NULL && kp[0] != '\0')
        ks_buf_appendf(&prefix, "%s%s", kp, kp[strlen(kp) - 1] == '/' ? "" : "/");
    ks_buf_appendf(&prefix, "%s/", r->report_id);
    if (ks_buf_err(&dir) != KS_OK || ks_buf_err(&path) != KS_OK || ks_buf_err(&tmp) != KS_OK ||
        ks_buf_err(&prefix) != KS_OK || ks_mkdir_p(dir.data, 0700, &err) != KS_OK) {
        snprintf(r->error_message, sizeof(r->error_message), "cannot keep the export: %.200s",
                 err.msg);
        goto finish;
    }
    if ((z.a = archive_write_new()) == NULL || archive_write_set_format_zip(z.a) != ARCHIVE_OK ||
        archive_write_open_filename(z.a, tmp.data) != ARCHIVE_OK) {
        snprintf(r->error_message, sizeof(r->error_message), "cannot write '%.200s'", tmp.data);
        goto finish;
    }
    for (size_t i = 0; i < ids.len; i++) {
        const char *rid = *(char **)ks_vec_at(&ids, i);
        bool found = false;

        ks_buf_reset(&sbom);
        ks_buf_reset(&name);
        err = (struct ks_err)KS_ERR_INIT;
        if ((rc = resource_sbom(store, r, rid, &sbom, &found, &err)) != KS_OK) {
            snprintf(r->error_message, sizeof(r->error_message), "resource '%.100s': %.140s", rid,
                     err.msg);
            goto finish;
        }
        if (!found)
            continue;
        safe_name(rid, &name);
        ks_buf_appendf(&name, ".%s", ext);
        if ((rc = ks_buf_err(&name)) != KS_OK ||
            (rc = zip_add(&z, name.data, sbom.data, sbom.len, &err)) != KS_OK) {
            snprintf(r->error_message, sizeof(r->error_message), "%.200s", err.msg);
            goto finish;
        }
        if (to_s3) {
            ks_buf_reset(&key);
            ks_buf_appendf(&key, "%s%s", prefix.data, name.data);
            rc = ks_buf_err(&key);
            if (rc == KS_OK)
                rc = srv_s3_put(&s->s3, bucket, key.data, "application/json", sbom.data,
                                sbom.len, &err);
            if (rc != KS_OK) {
                snprintf(r->error_code, sizeof(r->error_code), "%s",
                         rc == KS_ENOTFOUND ? "BUCKET_NOT_FOUND"
                         : rc == KS_EAUTH   ? "INVALID_PERMISSIONS"
                                            : "INTERNAL_ERROR");
                snprintf(r->error_message, sizeof(r->error_message), "%.200s", err.msg);
                goto finish;
            }
        }
        n++;
    }
    if (n == 0) {
        snprintf(r->error_code, sizeof(r->error_code), "NO_FINDINGS_FOUND");
        snprintf(r->error_message, sizeof(r->error_message),
                 "no resource with a stored inventory matches the export's criteria");
        goto finish;
    }
    if (archive_write_close(z.a) != ARCHIVE_OK || rename(tmp.data, path.data) != 0) {
        snprintf(r->error_message, sizeof(r->error_message), "cannot keep the export in '%.200s'",
                 path.data);
        goto finish;
    }
    snprintf(r->local_path, sizeof(r->local_path), "%s", path.data);
    if (to_s3)
        snprintf(r->object_key, sizeof(r->object_key), "%s", prefix.data);
    snprintf(r->status, sizeof(r->status), "SUCCEEDED");
    r->error_code[0] = r->error_message[0] = '\0';
finish:
    if (z.a != NULL)
        archive_write_free(z.a); /* closes if still open */
    if (r->local_path[0] == '\0' && tmp.len > 0)
        unlink(tmp.data);
    if (ks_store_report_finish(store, r, ks_time_now_ms(), &cancelled, &err) != KS_OK)
        ks_log(KS_LOG_ERROR, LOG, "export=%s cannot record its result: %s", r->report_id,
               err.msg);
    if (cancelled && r->local_path[0] != '\0')
        unlink(r->local_path);
    ks_log(KS_LOG_INFO, LOG, "export=%s account=%s format=%s resources=%zu status=%s%s%s ms=%.1f",
           r->report_id, r->account_id, r->format, n, cancelled ? "CANCELLED" : r->status,
           r->error_code[0] ? " error=" : "", r->error_code, (double)(ks_clock_ns() - t0) / 1e6);
    for (size_t i = 0; i < ids.len; i++)
        ks_free(*(char **)ks_vec_at(&ids, i));
    ks_vec_release(&ids);
    ks_buf_release(&dir);
    ks_buf_release(&tmp);
    ks_buf_release(&path);
    ks_buf_release(&prefix);
    ks_buf_release(&key);
    ks_buf_release(&name);
    ks_buf_release(&sbom);
}
