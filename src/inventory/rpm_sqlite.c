/*
 * rpm_sqlite.c: rpm's SQLite database (rpm >= 4.16: RHEL 9, Fedora 33+,
 * Amazon Linux 2023, Azure Linux): `rpmdb.sqlite`, table Packages(hnum,
 * blob). The file's bytes (already read through the fs view) are handed to
 * SQLite with sqlite3_deserialize(), read-only, so no file in the scanned
 * tree is ever opened for writing and no -wal/-shm file appears beside it;
 * this also works for archives and images, which have no file on disk.
 * WAL-mode databases are marked rollback-mode in our private copy (bytes
 * 18-19 of the header), as `immutable=1` would read them: a WAL rpm never
 * checkpointed is not looked at. The connection is defensive (no schema
 * code trusted, cell sizes checked) because the file is untrusted input.
 */
#include "inventory/inventory_int.h"

#include <string.h>

#include <sqlite3.h>

#include "base/banned.h"

static const char sqlite_magic[16] = "SQLite format 3";

enum ks_code
ks_rpm_sqlite_each(const void *db, size_t len, ks_rpm_blob_fn fn, ks_rpm_warn_fn warn, void *ctx,
                   struct ks_err *err)
{
    sqlite3 *conn = NULL;
    sqlite3_stmt *st = NULL;
    unsigned char *copy = NULL;
    enum ks_code rc = KS_EINTERNAL;
    int src;

    (void)warn;
    if (len == 0)
        return KS_OK; /* an empty file: a database nobody wrote to */
    if (len < 100 || memcmp(db, sqlite_magic, 16) != 0)
        return ks_err_set(err, KS_EPARSE, "not an SQLite database (bad header)");
    if (len > (size_t)INT32_MAX)
        return ks_err_set(err, KS_ETOOBIG, "SQLite database of %zu bytes is too large", len);
    copy = sqlite3_malloc64(len);
    if (copy == NULL)
        return ks_err_set(err, KS_ENOMEM, "rpm sqlite: out of memory");
    memcpy(copy, db, len);
    if (copy[18] == 2 || copy[19] == 2) {
        copy[18] = 1; /* WAL -> legacy: the in-memory copy has no -wal file */
        copy[19] = 1;
    }
    src = sqlite3_open_v2(":memory:", &conn, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (src != SQLITE_OK) {
        rc = ks_err_set(err, src == SQLITE_NOMEM ? KS_ENOMEM : KS_EDB,
                        "rpm sqlite: cannot open an in-memory database: %s",
                        conn ? sqlite3_errmsg(conn) : sqlite3_errstr(src));
        goto out;
    }
    sqlite3_db_config(conn, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    sqlite3_db_config(conn, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
    sqlite3_db_config(conn, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
    sqlite3_db_config(conn, SQLITE_DBCONFIG_ENABLE_VIEW, 0, NULL);
    sqlite3_limit(conn, SQLITE_LIMIT_LENGTH, 256 << 20);
    src = sqlite3_deserialize(conn, "main", copy, (sqlite3_int64)len, (sqlite3_int64)len,
                              SQLITE_DESERIALIZE_READONLY | SQLITE_DESERIALIZE_FREEONCLOSE);
    copy = NULL; /* owned by SQLite now, even on failure */
    if (src != SQLITE_OK) {
        rc = ks_err_set(err, src == SQLITE_NOMEM ? KS_ENOMEM : KS_EDB,
                        "rpm sqlite: cannot load the database: %s", sqlite3_errmsg(conn));
        goto out;
    }
    sqlite3_exec(conn, "PRAGMA cell_size_check=ON", NULL, NULL, NULL);
    src = sqlite3_prepare_v2(conn, "SELECT hnum, blob FROM Packages ORDER BY hnum", -1, &st, NULL);
    if (src != SQLITE_OK) {
        rc = ks_err_set(err, src == SQLITE_NOMEM ? KS_ENOMEM : KS_EDB,
                        "rpm sqlite: no readable Packages table: %s", sqlite3_errmsg(conn));
        goto out;
    }
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        const void *blob = sqlite3_column_blob(st, 1);
        int n = sqlite3_column_bytes(st, 1);
        char where[48];
        enum ks_code frc;

        snprintf(where, sizeof(where), "hnum %lld", (long long)sqlite3_column_int64(st, 0));
        if (blob == NULL || n <= 0) {
            if (warn)
                warn(ctx, "Packages row with an empty blob, skipped");
            continue;
        }
        frc = fn(ctx, blob, (size_t)n, where);
        if (frc == KS_ENOMEM) {
            rc = ks_err_set(err, frc, "rpm sqlite: out of memory");
            goto out;
        }
    }
    if (src != SQLITE_DONE) {
        /* Rows read so far stay in the inventory; say where it broke. */
        rc = ks_err_set(err, src == SQLITE_NOMEM ? KS_ENOMEM : KS_EDB,
                        "rpm sqlite: reading Packages failed: %s", sqlite3_errmsg(conn));
        goto out;
    }
    rc = KS_OK;
out:
    sqlite3_free(copy);
    sqlite3_finalize(st);
    sqlite3_close(conn);
    return rc;
}
