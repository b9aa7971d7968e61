/*
 * store.c: opening the store (data dir, server key, migrations), accounts,
 * access keys sealed under the server key, per-account scan-type enablement
 * and configuration, usage and server-wide statistics.
 */
#include "store/store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/banned.h"

#define KEY_PREFIX "KSIA"

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */

enum ks_code
st_check_account_id(const char *account_id, struct ks_err *err)
{
    if (account_id == NULL || strlen(account_id) != KS_ACCOUNT_ID_LEN)
        return ks_err_set(err, KS_EINVAL, "store: account id must be 12 digits");
    for (size_t i = 0; i < KS_ACCOUNT_ID_LEN; i++)
        if (account_id[i] < '0' || account_id[i] > '9')
            return ks_err_set(err, KS_EINVAL, "store: account id '%.12s' must be 12 digits",
                              account_id);
    return KS_OK;
}

enum ks_code
st_random_hex(char *out, size_t n_bytes, struct ks_err *err)
{
    unsigned char b[64];
    enum ks_code rc;

    if (n_bytes > sizeof(b))
        return ks_err_set(err, KS_EINVAL, "store: random id too long");
    if ((rc = ks_random_bytes(b, n_bytes, err)) != KS_OK)
        return rc;
    ks_hex_encode(b, n_bytes, out);
    return KS_OK;
}

enum ks_code
st_uuid(char out[37], struct ks_err *err)
{
    unsigned char b[16];
    char hex[33];
    enum ks_code rc;

    if ((rc = ks_random_bytes(b, sizeof(b), err)) != KS_OK)
        return rc;
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    ks_hex_encode(b, 16, hex);
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
    return KS_OK;
}

enum ks_code
ks_store_default_dir(char *buf, size_t cap, struct ks_err *err)
{
    const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
    int n;

    if (geteuid() == 0)
        n = snprintf(buf, cap, "/var/lib/kensa");
    else if (xdg != NULL && xdg[0] == '/')
        n = snprintf(buf, cap, "%s/kensa", xdg);
    else if (home != NULL && home[0] != '\0')
        n = snprintf(buf, cap, "%s/.local/share/kensa", home);
    else
        return ks_err_set(err, KS_EINVAL, "store: no default data dir (HOME is unset); use --data");
    if (n < 0 || (size_t)n >= cap)
        return ks_err_set(err, KS_ETOOBIG, "store: data dir path too long");
    return KS_OK;
}

/* ------------------------------------------------------------------------ */
/* Opening                                                                  */

/*
 * Load the server key, creating it if absent. Creation publishes the file
 * with link(2), which fails if another process won the race; then we read
 * theirs, so every process ends up with the same key.
 */
static enum ks_code
load_server_key(const char *dir, unsigned char key[32], struct ks_err *err)
{
    struct ks_buf path = KS_BUF_INIT(4096), tmp = KS_BUF_INIT(4096), data = KS_BUF_INIT(64);
    enum ks_code rc = KS_EINTERNAL;
    int fd = -1;

    ks_buf_appendf(&path, "%s/%s", dir, KS_STORE_KEY_FILE);
    if ((rc = ks_buf_err(&path)) != KS_OK) {
        rc = ks_err_set(err, rc, "store: data dir path too long");
        goto out;
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        rc = ks_file_read(path.data, 64, &data, err);
        if (rc == KS_OK) {
            if (data.len != 32) {
                rc = ks_err_set(err, KS_EIO, "store: '%s' is not a 32-byte key", path.data);
                goto out;
            }
            memcpy(key, data.data, 32);
            goto out;
        }
        if (rc != KS_ENOTFOUND)
            goto out;
        if ((rc = ks_random_bytes(key, 32, err)) != KS_OK)
            goto out;
        ks_buf_reset(&tmp);
        ks_buf_appendf(&tmp, "%s.tmp.%ld", path.data, (long)getpid());
        fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || write(fd, key, 32) != 32 || fsync(fd) != 0) {
            rc = ks_err_set(err, KS_EIO, "store: cannot write '%s': %s", tmp.data,
                            strerror(errno));
            goto out;
        }
        close(fd);
        fd = -1;
        if (link(tmp.data, path.data) == 0) {
            unlink(tmp.data);
            rc = KS_OK;
            goto out;
        }
        unlink(tmp.data);
        if (errno != EEXIST) {
            rc = ks_err_set(err, KS_EIO, "store: cannot create '%s': %s", path.data,
                            strerror(errno));
            goto out;
        }
        /* Lost the race: read the winner's key. */
    }
    rc = ks_err_set(err, KS_EIO, "store: cannot load '%s'", path.data);
out:
    if (fd >= 0)
        close(fd);
    sodium_memzero(data.data, data.len);
    ks_buf_release(&path);
    ks_buf_release(&tmp);
    ks_buf_release(&data);
    return rc;
}

enum ks_code
ks_store_open(const struct ks_store_options *opt, struct ks_store **out, struct ks_err *err)
{
    struct ks_store *s = NULL;
    struct ks_buf path = KS_BUF_INIT(4096);
    enum ks_code rc = KS_EINTERNAL;
    const char *region = opt->region ? opt->region : "us-east-1";

    if (sodium_init() < 0)
        return ks_err_set(err, KS_EINTERNAL, "store: libsodium failed to initialise");
    if (opt->data_dir == NULL || opt->data_dir[0] == '\0')
        return ks_err_set(err, KS_EINVAL, "store: no data dir");
    if (strlen(region) == 0 || strlen(region) >= sizeof(s->region))
        return ks_err_set(err, KS_EINVAL, "store: region '%s' is not valid", region);
    if ((s = ks_calloc(1, sizeof(*s))) == NULL)
        return ks_err_set(err, KS_ENOMEM, "store: out of memory");
    memcpy(s->region, region, strlen(region) + 1);
    if ((s->data_dir = ks_strdup(opt->data_dir)) == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "store: out of memory");
        goto out;
    }
    if ((rc = ks_mkdir_p(opt->data_dir, 0700, err)) != KS_OK)
        goto out;
    if ((rc = load_server_key(opt->data_dir, s->server_key, err)) != KS_OK)
        goto out;
    ks_buf_appendf(&path, "%s/%s", opt->data_dir, KS_STORE_DB_FILE);
    if ((rc = ks_buf_err(&path)) != KS_OK) {
        rc = ks_err_set(err, rc, "store: data dir path too long");
        goto out;
    }
    if ((s->db_path = ks_buf_detach(&path, NULL)) == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "store: out of memory");
        goto out;
    }
    if ((rc = st_db_open(s->db_path, &s->db, err)) != KS_OK ||
        (rc = st_migrate(s->db, err)) != KS_OK) {
        ks_err_prefix(err, "'%s': ", s->db_path);
        goto out;
    }
    *out = s;
    s = NULL;
    rc = KS_OK;
out:
    ks_buf_release(&path);
    ks_store_free(s);
    return rc;
}

void
ks_store_free(struct ks_store *s)
{
    if (s == NULL)
        return;
    st_db_close(s->db);
    sodium_memzero(s->server_key, sizeof(s->server_key));
    ks_free(s->data_dir);
    ks_free(s->db_path);
    ks_free(s);
}

const char *
ks_store_region(const struct ks_store *s)
{
    return s->region;
}

const char *
ks_store_data_dir(const struct ks_store *s)
{
    return s->data_dir;
}

/* ------------------------------------------------------------------------ */
/* Accounts                                                                 */

enum ks_code
ks_store_account_create(struct ks_store *s, const char *name, int64_t now_ms,
                        struct ks_account *out, struct ks_err *err)
{
    struct st_stmt *st = NULL;
    struct ks_account acc;
    enum ks_code rc = KS_EINTERNAL;

    memset(&acc, 0, sizeof(acc));
    if (name == NULL)
        name = "";
    if (strlen(name) >= sizeof(acc.name))
        return ks_err_set(err, KS_EINVAL, "store: account name longer than %zu bytes",
                          sizeof(acc.name) - 1);
    memcpy(acc.name, name, strlen(name) + 1);
    acc.created_ms = now_ms;
    if ((rc = st_begin(s->db, true, err)) != KS_OK)
        return rc;
    for (int attempt = 0;; attempt++) {
        unsigned char r[KS_ACCOUNT_ID_LEN];

        if ((rc = ks_random_bytes(r, sizeof(r), err)) != KS_OK)
            goto out;
        for (size_t i = 0; i < KS_ACCOUNT_ID_LEN; i++)
            acc.account_id[i] = (char)('0' + r[i] % 10);
        acc.account_id[KS_ACCOUNT_ID_LEN] = '\0';
        if ((rc = st_prepare(s->db,
                             "INSERT INTO accounts (account_id, name, created_at,"
                             " ecr_rescan_duration, ecr_pull_date_rescan_duration,"
                             " ecr_pull_date_rescan_mode, ec2_scan_mode, config_updated_at)"
                             " VALUES (?, ?, ?, 'LIFETIME', '', '', 'EC2_SSM_AGENT_BASED', ?)",
                             &st, err)) != KS_OK)
            goto out;
        st_bind_text(st, 1, acc.account_id);
        st_bind_text(st, 2, acc.name);
        st_bind_int(st, 3, now_ms);
        st_bind_int(st, 4, now_ms);
        rc = st_run(st, err);
        st_finalize(st);
        st = NULL;
        if (rc == KS_OK)
            break;
        if (rc != KS_ECONFLICT || attempt >= 5)
            goto out;
    }
    /* Inspector's one-click activation: every scan type starts enabled. */
    if ((rc = st_prepare(s->db,
                         "INSERT INTO scan_types (account_id, scan_type, status, updated_at)"
                         " VALUES (?, ?, 'ENABLED', ?)",
                         &st, err)) != KS_OK)
        goto out;
    for (int t = 0; t < KS_SCAN_TYPE_COUNT; t++) {
        st_bind_text(st, 1, acc.account_id);
        st_bind_text(st, 2, ks_findings_scan_type_name((enum ks_findings_scan_type)t));
        st_bind_int(st, 3, now_ms);
        if ((rc = st_run(st, err)) != KS_OK)
            goto out;
        st_reset(st);
    }
    if ((rc = st_commit(s->db, err)) != KS_OK)
        goto out;
    *out = acc;
out:
    st_finalize(st);
    if (rc != KS_OK)
        st_rollback(s->db);
    return rc;
}

enum ks_code
ks_store_account_get(struct ks_store *s, const char *account_id, struct ks_account *out,
                     struct ks_err *err)
{
    struct st_stmt *st = NULL;
    bool row;
    enum ks_code rc;

    if ((rc = st_check_account_id(account_id, err)) != KS_OK)
        return rc;
    if ((rc = st_prepare(s->db, "SELECT name, created_at FROM accounts WHERE account_id = ?", &st,
                         err)) != KS_OK)
        return rc;
    st_bind_text(st, 1, account_id);
    if ((rc = st_step(st, &row, err)) != KS_OK)
        goto out;
    if (!row) {
        rc = ks_err_set(err, KS_ENOTFOUND, "store: no account '%s'", account_id);
        goto out;
    }
    memset(out, 0, sizeof(*out));
    memcpy(out->account_id, account_id, KS_ACCOUNT_ID_LEN + 1);
    snprintf(out->name, sizeof(out->name), "%s", st_col_text(st, 0) ? st_col_text(st, 0) : "");
    out->created_ms = st_col_int(st, 1);
out:
    st_finalize(st);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Access keys                                                              */

enum ks_code
ks_store_key_create(struct ks_store *s, const char *account_id, int64_t now_ms,
                    struct ks_access_key *out, struct ks_err *err)
{
    static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    unsigned char idr[16], secr[30], nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
    unsigned char sealed[sizeof(nonce) + KS_SECRET_KEY_LEN +
                         crypto_aead_xchacha20poly1305_ietf_ABYTES];
    unsigned long long clen = 0;
    struct ks_access_key k;
    struct ks_account acc;
    struct st_stmt *st = NULL;
    enum ks_code rc;

    memset(&k, 0, sizeof(k));
    if ((rc = ks_store_account_get(s, account_id, &acc, err)) != KS_OK)
        return rc;
    if ((rc = ks_random_bytes(idr, sizeof(idr), err)) != KS_OK ||
        (rc = ks_random_bytes(secr, sizeof(secr), err)) != KS_OK ||
        (rc = ks_random_bytes(nonce, sizeof(nonce), err)) != KS_OK)
        goto out;
    memcpy(k.access_key_id, KEY_PREFIX, 4);
    for (size_t i = 0; i < 16; i++)
        k.access_key_id[4 + i] = b32[idr[i] & 31];
    sodium_bin2base64(k.secret_access_key, sizeof(k.secret_access_key), secr, sizeof(secr),
                      sodium_base64_VARIANT_ORIGINAL);
    memcpy(k.account_id, account_id, KS_ACCOUNT_ID_LEN + 1);
    k.created_ms = now_ms;
    memcpy(sealed, nonce, sizeof(nonce));
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        sealed + sizeof(nonce), &clen, (const unsigned char *)k.secret_access_key,
        KS_SECRET_KEY_LEN, (const unsigned char *)k.access_key_id, KS_ACCESS_KEY_LEN, NULL, nonce,
        s->server_key);
    if ((rc = st_prepare(s->db,
                         "INSERT INTO access_keys (access_key_id, account_id, sealed_secret,"
                         " created_at) VALUES (?, ?, ?, ?)",
                         &st, err)) != KS_OK)
        goto out;
    st_bind_text(st, 1, k.access_key_id);
    st_bind_text(st, 2, account_id);
    st_bind_blob(st, 3, sealed, sizeof(nonce) + (size_t)clen);
    st_bind_int(st, 4, now_ms);
    if ((rc = st_run(st, err)) != KS_OK)
        goto out;
    *out = k;
out:
    st_finalize(st);
    sodium_memzero(&k, sizeof(k));
    sodium_memzero(secr, sizeof(secr));
    return rc;
}

enum ks_code
ks_store_key_lookup(struct ks_store *s, struct ks_str access_key_id, struct ks_access_key *out,
                    struct ks_err *err)
{
    struct st_stmt *st = NULL;
    struct ks_access_key k;
    const unsigned char *sealed;
    size_t n;
    unsigned long long mlen = 0;
    bool row;
    enum ks_code rc;
    const size_t nb = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;

    memset(&k, 0, sizeof(k));
    if (access_key_id.len != KS_ACCESS_KEY_LEN)
        return ks_err_set(err, KS_ENOTFOUND, "store: unknown access key");
    memcpy(k.access_key_id, access_key_id.ptr, KS_ACCESS_KEY_LEN);
    if ((rc = st_prepare(s->db,
                         "SELECT account_id, sealed_secret, created_at, revoked_at"
                         " FROM access_keys WHERE access_key_id = ?",
                         &st, err)) != KS_OK)
        return rc;
    st_bind_text(st, 1, k.access_key_id);
    if ((rc = st_step(st, &row, err)) != KS_OK)
        goto out;
    if (!row) {
        rc = ks_err_set(err, KS_ENOTFOUND, "store: unknown access key");
        goto out;
    }
    snprintf(k.account_id, sizeof(k.account_id), "%s", st_col_text(st, 0));
    sealed = st_col_blob(st, 1);
    n = st_col_bytes(st, 1);
    k.created_ms = st_col_int(st, 2);
    k.revoked = !st_col_null(st, 3);
    if (n != nb + KS_SECRET_KEY_LEN + crypto_aead_xchacha20poly1305_ietf_ABYTES ||
        crypto_aead_xchacha20poly1305_ietf_decrypt(
            (unsigned char *)k.secret_access_key, &mlen, NULL, sealed + nb, n - nb,
            (const unsigned char *)k.access_key_id, KS_ACCESS_KEY_LEN, sealed, s->server_key) != 0 ||
        mlen != KS_SECRET_KEY_LEN) {
        rc = ks_err_set(err, KS_EAUTH, "store: access key %s cannot be unsealed with this "
                        "server key", k.access_key_id);
        goto out;
    }
    k.secret_access_key[KS_SECRET_KEY_LEN] = '\0';
    *out = k;
out:
    sodium_memzero(&k, sizeof(k));
    st_finalize(st);
    return rc;
}

enum ks_code
ks_store_key_revoke(struct ks_store *s, const char *access_key_id, int64_t now_ms,
                    struct ks_err *err)
{
    struct st_stmt *st = NULL;
    enum ks_code rc;

    if ((rc = st_prepare(s->db,
                         "UPDATE access_keys SET revoked_at = COALESCE(revoked_at, ?)"
                         " WHERE access_key_id = ?",
                         &st, err)) != KS_OK)
        return rc;
    st_bind_int(st, 1, now_ms);
    st_bind_text(st, 2, access_key_id);
    if ((rc = st_run(st, err)) == KS_OK && st_changes(s->db) == 0)
        rc = ks_err_set(err, KS_ENOTFOUND, "store: no access key '%.40s'", access_key_id);
    st_finalize(st);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Enablement and configuration                                             */

enum ks_code
ks_store_scan_types_get(struct ks_store *s, const char *account_id,
                        enum ks_enable_status out[KS_SCAN_TYPE_COUNT], struct ks_err *err)
{
    struct st_stmt *st = NULL;
    struct ks_account acc;
    bool row;
    enum ks_code rc;

    if ((rc = ks_store_account_get(s, account_id, &acc, err)) != KS_OK)
        return rc;
    for (int t = 0; t < KS_SCAN_TYPE_COUNT; t++)
        out[t] = KS_DISABLED;
    if ((rc = st_prepare(s->db, "SELECT scan_type, status FROM scan_types WHERE account_id = ?",
                         &st, err)) != KS_OK)
        return rc;
    st_bind_text(st, 1, account_id);
    while ((rc = st_step(st, &row, err)) == KS_OK && row) {
        enum ks_findings_scan_type t;

        if (ks_findings_scan_type_parse(ks_str_c(st_col_text(st, 0)), &t))
            out[t] = strcmp(st_col_text(st, 1), "ENABLED") == 0 ? KS_ENABLED : KS_DISABLED;
    }
    st_finalize(st);
    return rc;
}

enum ks_code
ks_store_scan_types_set(struct ks_store *s, const char *account_id, unsigned mask,
                        enum ks_enable_status status, int64_t now_ms, struct ks_err *err)
{
    struct st_stmt *st = NULL;
    struct ks_account acc;
    enum ks_code rc;

    if ((rc = ks_store_account_get(s, account_id, &acc, err)) != KS_OK)
        return rc;
    if ((rc = st_begin(s->db, true, err)) != KS_OK)
        return rc;
    if ((rc = st_prepare(s->db,
                         "INSERT INTO scan_types (account_id, scan_type, status, updated_at)"
                         " VALUES (?, ?, ?, ?) ON CONFLICT (account_id, scan_type) DO UPDATE"
                         " SET status = excluded.status, updated_at = excluded.updated_at"
                         " WHERE scan_types.status <> excluded.status",
                         &st, err)) != KS_OK)
        goto out;
    for (int t = 0; t < KS_SCAN_TYPE_COUNT; t++) {
        if (!(mask & (1u << t)))
            continue;
        st_bind_text(st, 1, account_id);
        st_bind_text(st, 2, ks_findings_scan_type_name((enum ks_findings_scan_type)t));
        st_bind_text(st, 3, status == KS_ENABLED ? "ENABLED" : "DISABLED");
        st_bind_int(st, 4, now_ms);
        if ((rc = st_run(st, err)) != KS_OK)
            goto out;
        st_reset(st);
        if (status == KS_DISABLED) {
            /* Findings of the resource types this scan type covers close. */
            for (int r = 0; r < KS_RT_COUNT; r++) {
                size_t closed = 0;

                if ((int)ks_findings_rtype_scan_type((enum ks_findings_rtype)r) != t)
                    continue;
                if ((rc = st_close_findings(s, account_id, NULL,
                                            ks_findings_rtype_aws((enum ks_findings_rtype)r),
                                            now_ms, &closed, err)) != KS_OK)
                    goto out;
            }
        }
    }
    rc = st_commit(s->db, err);
out:
    st_finalize(st);
    if (rc != KS_OK)
        st_rollback(s->db);
    return rc;
}

int
ks_store_rescan_days(const char *d)
{
    static const struct {
        const char *name;
        int days;
    } table[] = {{"LIFETIME", 0},  {"DAYS_14", 14}, {"DAYS_30", 30},
                 {"DAYS_60", 60},  {"DAYS_90", 90}, {"DAYS_180", 180}};

    for (size_t i = 0; d != NULL && i < KS_ARRAY_LEN(table); i++)
        if (strcmp(d, table[i].name) == 0)
            return table[i].days;
    return -1;
}

enum ks_code
ks_store_config_get(struct ks_store *s, const char *account_id, struct ks_account_config *out,
                    struct ks_err *err)
{
    struct st_stmt *st = NULL;
    bool row;
    enum ks_code rc;

    if ((rc = st_check_account_id(account_id, err)) != KS_OK)
        return rc;
    if ((rc = st_prepare(s->db,
                         "SELECT ecr_rescan_duration, ecr_pull_date_rescan_duration,"
                         " ecr_pull_date_rescan_mode, ec2_scan_mode, config_updated_at"
                         " FROM accounts WHERE account_id = ?",
                         &st, err)) != KS_OK)
        return rc;
    st_bind_text(st, 1, account_id);
    if ((rc = st_step(st, &row, err)) != KS_OK)
        goto out;
    if (!row) {
        rc = ks_err_set(err, KS_ENOTFOUND, "store: no account '%s'", account_id);
        goto out;
    }
    memset(out, 0, sizeof(*out));
    snprintf(out->ecr_rescan_duration, sizeof(out->ecr_rescan_duration), "%s",
             st_col_text(st, 0));
    snprintf(out->ecr_pull_date_rescan_duration, sizeof(out->ecr_pull_date_rescan_duration), "%s",
             st_col_text(st, 1));
    snprintf(out->ecr_pull_date_rescan_mode, sizeof(out->ecr_pull_date_rescan_mode), "%s",
             st_col_text(st, 2));
    snprintf(out->ec2_scan_mode, sizeof(out->ec2_scan_mode), "%s", st_col_text(st, 3));
    out->updated_ms = st_col_int(st, 4);
out:
    st_finalize(st);
    return rc;
}

static bool
one_of(const char *v, const char *const *set, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v, set[i]) == 0)
            return true;
    return false;
}

enum ks_code
ks_store_config_set(struct ks_store *s, const char *account_id,
                    const struct ks_account_config *cfg, int64_t now_ms, struct ks_err *err)
{
    static const char *const pull_durations[] = {"DAYS_14", "DAYS_30", "DAYS_60", "DAYS_90",
                                                 "DAYS_180"};
    static const char *const pull_modes[] = {"LAST_PULL_DATE", "LAST_IN_USE_AT"};
    static const char *const ec2_modes[] = {"EC2_SSM_AGENT_BASED", "EC2_HYBRID"};
    struct st_stmt *st = NULL;
    struct ks_account_config cur;
    enum ks_code rc;

    if ((rc = ks_store_config_get(s, account_id, &cur, err)) != KS_OK)
        return rc;
    if (cfg->ecr_rescan_duration[0] && ks_store_rescan_days(cfg->ecr_rescan_duration) < 0)
        return ks_err_set(err, KS_EINVAL, "ecrConfiguration.rescanDuration: '%s' is not one of "
                          "LIFETIME, DAYS_14, DAYS_30, DAYS_60, DAYS_90, DAYS_180",
                          cfg->ecr_rescan_duration);
    if (cfg->ecr_pull_date_rescan_duration[0] &&
        !one_of(cfg->ecr_pull_date_rescan_duration, pull_durations, 5))
        return ks_err_set(err, KS_EINVAL, "ecrConfiguration.pullDateRescanDuration: '%s' is not "
                          "valid", cfg->ecr_pull_date_rescan_duration);
    if (cfg->ecr_pull_date_rescan_mode[0] && !one_of(cfg->ecr_pull_date_rescan_mode, pull_modes, 2))
        return ks_err_set(err, KS_EINVAL, "ecrConfiguration.pullDateRescanMode: '%s' is not "
                          "valid", cfg->ecr_pull_date_rescan_mode);
    if (cfg->ec2_scan_mode[0] && !one_of(cfg->ec2_scan_mode, ec2_modes, 2))
        return ks_err_set(err, KS_EINVAL, "ec2Configuration.scanMode: '%s' is not valid",
                          cfg->ec2_scan_mode);
    if ((rc = st_prepare(s->db,
                         "UPDATE accounts SET ecr_rescan_duration = ?,"
                         " ecr_pull_date_rescan_duration = ?, ecr_pull_date_rescan_mode = ?,"
                         " ec2_scan_mode = ?, config_updated_at = ? WHERE account_id = ?",
                         &st, err)) != KS_OK)
        return rc;
    st_bind_text(st, 1, cfg->ecr_rescan_duration[0] ? cfg->ecr_rescan_duration
                                                    : cur.ecr_rescan_duration);
    st_bind_text(st, 2, cfg->ecr_pull_date_rescan_duration[0] ? cfg->ecr_pull_date_rescan_duration
                                                              : cur.ecr_pull_date_rescan_duration);
    st_bind_text(st, 3, cfg->ecr_pull_date_rescan_mode[0] ? cfg->ecr_pull_date_rescan_mode
                                                          : cur.ecr_pull_date_rescan_mode);
    st_bind_text(st, 4, cfg->ec2_scan_mode[0] ? cfg->ec2_scan_mode : cur.ec2_scan_mode);
    st_bind_int(st, 5, now_ms);
    st_bind_text(st, 6, account_id);
    rc = st_run(st, err);
    st_finalize(st);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Usage and statistics                                                     */

static void
month_of(int64_t ms, char out[8], int64_t *month_start_ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, 8, "%Y-%m", &tm);
    tm.tm_mday = 1;
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    *month_start_ms = (int64_t)timegm(&tm) * 1000;
}

enum ks_code
ks_store_usage(struct ks_store *s, const char *account_id, int64_t now_ms, json_t **out,
               struct ks_err *err)
{
    static const struct {
        const char *usage, *rtype;
    } hours[] = {{"EC2_INSTANCE_HOURS", "HOST"}, {"LAMBDA_FUNCTION_HOURS", "FUNCTION"}};
    struct st_stmt *st = NULL;
    json_t *arr = json_array();
    char month[8];
    int64_t month_start;
    bool row;
    enum ks_code rc = KS_OK;

    if (arr == NULL)
        return ks_err_set(err, KS_ENOMEM, "store: out of memory");
    month_of(now_ms, month, &month_start);
    /* Monitored hours this month of the resources still covered. */
    for (size_t i = 0; i < KS_ARRAY_LEN(hours); i++) {
        double total = 0;

        if ((rc = st_prepare(s->db,
                             "SELECT created_at FROM resources WHERE account_id = ?"
                             " AND resource_type = ? AND scan_status = 'ACTIVE'",
                             &st, err)) != KS_OK)
            goto out;
        st_bind_text(st, 1, account_id);
        st_bind_text(st, 2, hours[i].rtype);
        while ((rc = st_step(st, &row, err)) == KS_OK && row) {
            int64_t from = KS_MAX(st_col_int(st, 0), month_start);

            if (now_ms > from)
                total += (double)(now_ms - from) / 3600000.0;
        }
        st_finalize(st);
        st = NULL;
        if (rc != KS_OK)
            goto out;
        if (total > 0)
            json_array_append_new(arr, json_pack("{s:s, s:f, s:f, s:s}", "type", hours[i].usage,
                                                 "total", total, "estimatedMonthlyCost", 0.0,
                                                 "currency", "USD"));
    }
    if ((rc = st_prepare(s->db,
                         "SELECT usage_type, total FROM usage_counters WHERE account_id = ?"
                         " AND month = ? ORDER BY usage_type",
                         &st, err)) != KS_OK)
        goto out;
    st_bind_text(st, 1, account_id);
    st_bind_text(st, 2, month);
    while ((rc = st_step(st, &row, err)) == KS_OK && row)
        json_array_append_new(arr, json_pack("{s:s, s:f, s:f, s:s}", "type", st_col_text(st, 0),
                                             "total", st_col_double(st, 1),
                                             "estimatedMonthlyCost", 0.0, "currency", "USD"));
    if (rc != KS_OK)
        goto out;
    *out = arr;
    arr = NULL;
out:
    st_finalize(st);
    json_decref(arr);
    return rc;
}

enum ks_code
ks_store_maintain(struct ks_store *s, bool full, struct ks_err *err)
{
    /*
     * Full: ANALYZE everything (it reads the indexes, not the rows). Else
     * PRAGMA optimize with 0x10002: re-analyse every table whose size moved a
     * lot since, not only those this connection queried. Never sampled
     * (analysis_limit): sampled statistics made an unselective status index
     * look as good as the severity one.
     */
    return st_exec(s->db, full ? "ANALYZE" : "PRAGMA optimize=0x10002", err);
}

enum ks_code
ks_store_stats(struct ks_store *s, struct ks_store_stats *out, struct ks_err *err)
{
    static const char *const queries[] = {
        "SELECT COUNT(*) FROM accounts",
        "SELECT COUNT(*) FROM resources",
        "SELECT COUNT(*) FROM findings WHERE status = 'ACTIVE'",
        "SELECT COUNT(*) FROM findings WHERE status = 'SUPPRESSED'",
        "SELECT COUNT(*) FROM findings WHERE status = 'CLOSED'",
        "SELECT COUNT(*) FROM outbox",
    };
    int64_t *fields[] = {&out->accounts,           &out->resources,
                         &out->findings_active,    &out->findings_suppressed,
                         &out->findings_closed,    &out->outbox_events};
    enum ks_code rc = KS_OK;

    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < KS_ARRAY_LEN(queries) && rc == KS_OK; i++) {
        struct st_stmt *st = NULL;
        bool row;

        if ((rc = st_prepare(s->db, queries[i], &st, err)) == KS_OK &&
            (rc = st_step(st, &row, err)) == KS_OK && row)
            *fields[i] = st_col_int(st, 0);
        st_finalize(st);
    }
    return rc;
}
