/*
 * schema.c: the store's tables and their migrations. Each migration is one
 * script applied in a transaction; `meta.schema_version` records the last.
 * Scripts use portable types; @BLOB@ and @SERIAL@ are the only dialect
 * words (BLOB / INTEGER PRIMARY KEY AUTOINCREMENT for SQLite, BYTEA /
 * BIGSERIAL PRIMARY KEY for PostgreSQL).
 */
#include "store/store_int.h"

#include <string.h>

#include "base/banned.h"

static const char *const migrations[] = {
    /* 1: the initial schema. */
    "CREATE TABLE accounts ("
    "  account_id TEXT PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  created_at BIGINT NOT NULL,"
    "  ecr_rescan_duration TEXT NOT NULL,"
    "  ecr_pull_date_rescan_duration TEXT NOT NULL,"
    "  ecr_pull_date_rescan_mode TEXT NOT NULL,"
    "  ec2_scan_mode TEXT NOT NULL,"
    "  config_updated_at BIGINT NOT NULL);"

    "CREATE TABLE access_keys ("
    "  access_key_id TEXT PRIMARY KEY,"
    "  account_id TEXT NOT NULL REFERENCES accounts(account_id),"
    "  sealed_secret @BLOB@ NOT NULL,"
    "  created_at BIGINT NOT NULL,"
    "  revoked_at BIGINT);"
    "CREATE INDEX access_keys_account ON access_keys(account_id);"

    "CREATE TABLE scan_types ("
    "  account_id TEXT NOT NULL REFERENCES accounts(account_id),"
    "  scan_type TEXT NOT NULL,"
    "  status TEXT NOT NULL,"
    "  updated_at BIGINT NOT NULL,"
    "  PRIMARY KEY (account_id, scan_type));"

    "CREATE TABLE resources ("
    "  account_id TEXT NOT NULL REFERENCES accounts(account_id),"
    "  resource_id TEXT NOT NULL,"
    "  resource_type TEXT NOT NULL,"
    "  resource TEXT NOT NULL,"
    "  scan_status TEXT NOT NULL,"
    "  scan_reason TEXT NOT NULL,"
    "  created_at BIGINT NOT NULL,"
    "  updated_at BIGINT NOT NULL,"
    "  last_scanned_at BIGINT,"
    "  eligible_from BIGINT NOT NULL,"
    "  evaluations BIGINT NOT NULL,"
    "  PRIMARY KEY (account_id, resource_id));"

    "CREATE TABLE inventories ("
    "  account_id TEXT NOT NULL,"
    "  resource_id TEXT NOT NULL,"
    "  format TEXT NOT NULL,"
    "  sha256 TEXT NOT NULL,"
    "  size BIGINT NOT NULL,"
    "  received_at BIGINT NOT NULL,"
    "  document @BLOB@ NOT NULL,"
    "  PRIMARY KEY (account_id, resource_id),"
    "  FOREIGN KEY (account_id, resource_id) REFERENCES resources(account_id, resource_id)"
    "    ON DELETE CASCADE);"

    "CREATE TABLE findings ("
    "  account_id TEXT NOT NULL,"
    "  finding_id TEXT NOT NULL,"
    "  resource_id TEXT NOT NULL,"
    "  arn TEXT NOT NULL,"
    "  lifecycle TEXT NOT NULL,"
    "  status TEXT NOT NULL,"
    "  suppressed_by TEXT,"
    "  first_observed_at BIGINT NOT NULL,"
    "  last_observed_at BIGINT NOT NULL,"
    "  updated_at BIGINT NOT NULL,"
    "  closed_at BIGINT,"
    "  content_hash TEXT NOT NULL,"
    "  doc TEXT NOT NULL,"
    "  finding_type TEXT NOT NULL,"
    "  severity TEXT NOT NULL,"
    "  severity_rank INTEGER NOT NULL,"
    "  title TEXT,"
    "  inspector_score DOUBLE PRECISION,"
    "  epss_score DOUBLE PRECISION,"
    "  fix_available TEXT,"
    "  exploit_available TEXT,"
    "  vulnerability_id TEXT,"
    "  vulnerability_source TEXT,"
    "  vendor_severity TEXT,"
    "  resource_type TEXT NOT NULL,"
    "  ec2_image_id TEXT,"
    "  ec2_vpc_id TEXT,"
    "  ec2_subnet_id TEXT,"
    "  ec2_platform TEXT,"
    "  ecr_pushed_at BIGINT,"
    "  ecr_architecture TEXT,"
    "  ecr_registry TEXT,"
    "  ecr_repository_name TEXT,"
    "  ecr_image_hash TEXT,"
    "  ecr_last_in_use_at BIGINT,"
    "  ecr_in_use_count DOUBLE PRECISION,"
    "  network_protocol TEXT,"
    "  port_begin INTEGER,"
    "  port_end INTEGER,"
    "  lambda_function_name TEXT,"
    "  lambda_runtime TEXT,"
    "  lambda_last_modified_at BIGINT,"
    "  lambda_execution_role_arn TEXT,"
    "  code_detector_name TEXT,"
    "  code_file_path TEXT,"
    "  code_project_name TEXT,"
    "  code_provider_type TEXT,"
    "  PRIMARY KEY (account_id, finding_id),"
    "  FOREIGN KEY (account_id, resource_id) REFERENCES resources(account_id, resource_id));"
    "CREATE INDEX findings_resource ON findings(account_id, resource_id, lifecycle);"
    "CREATE INDEX findings_severity ON findings(account_id, severity_rank, finding_id);"
    "CREATE INDEX findings_severity_name ON findings(account_id, severity);"
    /* The console's question: open findings of a severity, worst first. */
    "CREATE INDEX findings_triage ON findings(account_id, status, severity, inspector_score,"
    " finding_id);"
    "CREATE INDEX findings_updated ON findings(account_id, updated_at);"
    "CREATE INDEX findings_vuln ON findings(account_id, vulnerability_id);"
    "CREATE INDEX findings_score ON findings(account_id, inspector_score);"
    "CREATE INDEX findings_title ON findings(account_id, title);"

    "CREATE TABLE finding_values ("
    "  account_id TEXT NOT NULL,"
    "  finding_id TEXT NOT NULL,"
    "  field TEXT NOT NULL,"
    "  tag_key TEXT,"
    "  value TEXT NOT NULL,"
    "  FOREIGN KEY (account_id, finding_id) REFERENCES findings(account_id, finding_id)"
    "    ON DELETE CASCADE);"
    "CREATE INDEX finding_values_finding ON finding_values(account_id, finding_id);"
    "CREATE INDEX finding_values_value ON finding_values(account_id, field, value);"

    "CREATE TABLE finding_packages ("
    "  account_id TEXT NOT NULL,"
    "  finding_id TEXT NOT NULL,"
    "  idx INTEGER NOT NULL,"
    "  name TEXT NOT NULL,"
    "  version TEXT NOT NULL,"
    "  epoch BIGINT,"
    "  release TEXT,"
    "  arch TEXT,"
    "  source_layer_hash TEXT,"
    "  source_lambda_layer_arn TEXT,"
    "  file_path TEXT,"
    "  PRIMARY KEY (account_id, finding_id, idx),"
    "  FOREIGN KEY (account_id, finding_id) REFERENCES findings(account_id, finding_id)"
    "    ON DELETE CASCADE);"
    "CREATE INDEX finding_packages_name ON finding_packages(account_id, name);"

    "CREATE TABLE filters ("
    "  account_id TEXT NOT NULL REFERENCES accounts(account_id),"
    "  arn TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  description TEXT,"
    "  reason TEXT,"
    "  action TEXT NOT NULL,"
    "  criteria TEXT NOT NULL,"
    "  tags TEXT,"
    "  created_at BIGINT NOT NULL,"
    "  updated_at BIGINT NOT NULL,"
    "  PRIMARY KEY (account_id, arn));"

    "CREATE TABLE reports ("
    "  report_id TEXT PRIMARY KEY,"
    "  account_id TEXT NOT NULL REFERENCES accounts(account_id),"
    "  kind TEXT NOT NULL,"
    "  status TEXT NOT NULL,"
    "  format TEXT NOT NULL,"
    "  criteria TEXT,"
    "  destination TEXT,"
    "  error_code TEXT,"
    "  error_message TEXT,"
    "  object_key TEXT,"
    "  local_path TEXT,"
    "  claimed_at BIGINT,"
    "  created_at BIGINT NOT NULL,"
    "  updated_at BIGINT NOT NULL);"
    "CREATE INDEX reports_account ON reports(account_id, kind);"
    "CREATE INDEX reports_status ON reports(status, created_at);"

    "CREATE TABLE scan_jobs ("
    "  job_id TEXT PRIMARY KEY,"
    "  account_id TEXT NOT NULL REFERENCES accounts(account_id),"
    "  kind TEXT NOT NULL,"
    "  status TEXT NOT NULL,"
    "  payload TEXT NOT NULL,"
    "  error TEXT,"
    "  attempts INTEGER NOT NULL,"
    "  created_at BIGINT NOT NULL,"
    "  started_at BIGINT,"
    "  finished_at BIGINT);"
    "CREATE INDEX scan_jobs_status ON scan_jobs(status, created_at);"

    "CREATE TABLE outbox ("
    "  seq @SERIAL@,"
    "  event_id TEXT NOT NULL UNIQUE,"
    "  account_id TEXT NOT NULL,"
    "  region TEXT NOT NULL,"
    "  detail_type TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  time_ms BIGINT NOT NULL,"
    "  resources TEXT NOT NULL,"
    "  detail TEXT NOT NULL);"

    "CREATE TABLE outbox_targets ("
    "  target TEXT PRIMARY KEY,"
    "  since_seq BIGINT NOT NULL,"
    "  done_seq BIGINT NOT NULL,"
    "  created_at BIGINT NOT NULL);"

    "CREATE TABLE outbox_deliveries ("
    "  target TEXT NOT NULL,"
    "  seq BIGINT NOT NULL,"
    "  attempts INTEGER NOT NULL,"
    "  next_attempt_at BIGINT NOT NULL,"
    "  delivered_at BIGINT,"
    "  dead INTEGER NOT NULL,"
    "  last_error TEXT,"
    "  PRIMARY KEY (target, seq));"

    "CREATE TABLE db_changes ("
    "  change_id @SERIAL@,"
    "  db_id TEXT NOT NULL,"
    "  change_set TEXT NOT NULL,"
    "  recorded_at BIGINT NOT NULL,"
    "  evaluated_at BIGINT,"
    "  resources_evaluated BIGINT);"

    "CREATE TABLE usage_counters ("
    "  account_id TEXT NOT NULL REFERENCES accounts(account_id),"
    "  month TEXT NOT NULL,"
    "  usage_type TEXT NOT NULL,"
    "  total DOUBLE PRECISION NOT NULL,"
    "  PRIMARY KEY (account_id, month, usage_type));",
};

int
ks_store_schema_version(void)
{
    return (int)KS_ARRAY_LEN(migrations);
}

/* Replace the dialect words of a script. */
static enum ks_code
render_script(enum st_dialect d, const char *script, struct ks_buf *out, struct ks_err *err)
{
    static const struct {
        const char *word, *sqlite, *postgres;
    } words[] = {
        {"@BLOB@", "BLOB", "BYTEA"},
        {"@SERIAL@", "INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY"},
    };
    const char *p = script;

    while (*p) {
        bool hit = false;

        for (size_t i = 0; i < KS_ARRAY_LEN(words) && !hit; i++) {
            size_t n = strlen(words[i].word);

            if (strncmp(p, words[i].word, n) == 0) {
                ks_buf_appends(out, d == ST_SQLITE ? words[i].sqlite : words[i].postgres);
                p += n;
                hit = true;
            }
        }
        if (!hit)
            ks_buf_putc(out, *p++);
    }
    if (ks_buf_err(out) != KS_OK)
        return ks_err_set(err, KS_ENOMEM, "store: cannot render schema");
    return KS_OK;
}

enum ks_code
st_migrate(struct st_db *db, struct ks_err *err)
{
    struct st_stmt *st = NULL;
    struct ks_buf script = KS_BUF_INIT((size_t)1 << 20);
    int version = 0;
    bool row;
    enum ks_code rc;

    if ((rc = st_exec(db,
                      "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
                      err)) != KS_OK)
        return rc;
    if ((rc = st_begin(db, true, err)) != KS_OK)
        return rc;
    if ((rc = st_prepare(db, "SELECT value FROM meta WHERE key = 'schema_version'", &st, err)) !=
            KS_OK ||
        (rc = st_step(st, &row, err)) != KS_OK)
        goto out;
    if (row) {
        uint64_t v;

        if (ks_parse_u64(ks_str_c(st_col_text(st, 0)), 1000000, &v) != KS_OK) {
            rc = ks_err_set(err, KS_EDB, "store: schema_version '%s' is not a number",
                            st_col_text(st, 0) ? st_col_text(st, 0) : "");
            goto out;
        }
        version = (int)v;
    }
    st_finalize(st);
    st = NULL;
    if (version > ks_store_schema_version()) {
        rc = ks_err_set(err, KS_EDB,
                        "store: schema version %d is newer than this Kensa knows (%d); "
                        "upgrade Kensa",
                        version, ks_store_schema_version());
        goto out;
    }
    for (int v = version; v < ks_store_schema_version(); v++) {
        ks_buf_reset(&script);
        if ((rc = render_script(st_db_dialect(db), migrations[v], &script, err)) != KS_OK ||
            (rc = st_exec(db, script.data, err)) != KS_OK) {
            ks_err_prefix(err, "migration %d: ", v + 1);
            goto out;
        }
    }
    if (version != ks_store_schema_version()) {
        if ((rc = st_prepare(db,
                             "INSERT INTO meta (key, value) VALUES ('schema_version', ?) "
                             "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                             &st, err)) != KS_OK)
            goto out;
        {
            char vs[16];

            snprintf(vs, sizeof(vs), "%d", ks_store_schema_version());
            st_bind_text(st, 1, vs);
        }
        if ((rc = st_run(st, err)) != KS_OK)
            goto out;
    }
    rc = st_commit(db, err);
out:
    st_finalize(st);
    if (rc != KS_OK)
        st_rollback(db);
    ks_buf_release(&script);
    return rc;
}
