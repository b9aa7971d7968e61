/*
 * schema.c: the DB's tables (schema version KS_VULNDB_SCHEMA_VERSION, kept in
 * PRAGMA user_version and meta.schema_version; PRAGMA application_id marks a
 * Kensa DB). docs/vulndb.md explains every table. Enumerations are stored
 * by name, never by C enum value, so the file format does not depend on the
 * order of enum members.
 */
#include "vulndb/vulndb_int.h"

#include "base/banned.h"

const char ks_vdb_schema_sql[] =
    /* key/value: schema_version, lineage, seq, created_at, built_at, content_hash, kensa_version */
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;\n"
    /* one row per feed source ("osv:Go", "nvd:2021", "epss", "kev") */
    "CREATE TABLE sources(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  name TEXT NOT NULL UNIQUE,\n"
    "  kind TEXT NOT NULL,\n"
    "  label TEXT,\n"
    "  location TEXT,\n"
    "  etag TEXT,\n"
    "  last_modified TEXT,\n"
    "  digest TEXT,\n"
    "  data_time TEXT,\n"
    "  records INTEGER NOT NULL DEFAULT 0,\n"
    "  malformed INTEGER NOT NULL DEFAULT 0,\n"
    "  checked_at INTEGER NOT NULL DEFAULT 0,\n"
    "  changed_at INTEGER NOT NULL DEFAULT 0);\n"
    /* one row per advisory id; doc is its OSV JSON, zstd-compressed; head is */
    /* the same without the affected entries' version data (the scan's read)   */
    "CREATE TABLE advisories(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  adv_id TEXT NOT NULL UNIQUE,\n"
    "  owner INTEGER NOT NULL,\n"
    "  modified TEXT NOT NULL,\n"
    "  withdrawn INTEGER NOT NULL,\n"
    "  hash BLOB NOT NULL,\n"    /* sha256 of the JSON text */
    "  doc BLOB NOT NULL,\n"
    "  head BLOB NOT NULL);\n"
    /* which sources hold an advisory (OSV puts a record in every ecosystem's zip) */
    "CREATE TABLE adv_sources(\n"
    "  source INTEGER NOT NULL,\n"
    "  adv INTEGER NOT NULL,\n"
    "  PRIMARY KEY(source, adv)) WITHOUT ROWID;\n"
    "CREATE INDEX adv_sources_by_adv ON adv_sources(adv);\n"
    /* kind: 0 aliases, 1 upstream */
    "CREATE TABLE aliases(\n"
    "  alias TEXT NOT NULL,\n"
    "  adv INTEGER NOT NULL,\n"
    "  kind INTEGER NOT NULL,\n"
    "  PRIMARY KEY(alias, adv, kind)) WITHOUT ROWID;\n"
    "CREATE INDEX aliases_by_adv ON aliases(adv);\n"
    /* one row per affected[] entry with a package; the matcher's index */
    "CREATE TABLE affected(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  eco TEXT NOT NULL,\n"       /* family: "Debian", "PyPI" */
    "  name TEXT NOT NULL,\n"      /* normalised package name */
    "  release TEXT NOT NULL,\n"   /* "12", "v3.19", or "" */
    "  adv INTEGER NOT NULL,\n"
    "  idx INTEGER NOT NULL,\n"    /* index in the advisory's affected[] */
    "  withdrawn INTEGER NOT NULL,\n"
    "  ecosystem TEXT NOT NULL,\n" /* as written: "Debian:12" */
    "  raw_name TEXT NOT NULL,\n"
    "  purl TEXT,\n"
    "  status TEXT,\n"             /* vendor status name, NULL for none */
    "  vendor_severity TEXT,\n"
    "  ranges BLOB NOT NULL);\n"   /* ranges.c encoding */
    "CREATE INDEX affected_by_pkg ON affected(eco, name, release);\n"
    "CREATE INDEX affected_by_adv ON affected(adv);\n"
    /* NVD: doc is zstd([sourceIdentifier, published, lastModified, vulnStatus, */
    /* description, [cwe...], [[version, source, type, vector, score, severity]...]]) */
    "CREATE TABLE nvd(\n"
    "  cve TEXT PRIMARY KEY,\n"
    "  owner INTEGER NOT NULL,\n"
    "  hash INTEGER NOT NULL,\n"
    "  last_modified TEXT,\n"
    "  doc BLOB NOT NULL) WITHOUT ROWID;\n"
    "CREATE INDEX nvd_by_owner ON nvd(owner);\n"
    "CREATE TABLE epss(\n"
    "  cve TEXT PRIMARY KEY,\n"
    "  score REAL NOT NULL,\n"
    "  percentile REAL NOT NULL) WITHOUT ROWID;\n"
    "CREATE TABLE kev(\n"
    "  cve TEXT PRIMARY KEY,\n"
    "  hash INTEGER NOT NULL,\n"
    "  date_added TEXT NOT NULL,\n"
    "  due_date TEXT,\n"
    "  ransomware TEXT,\n"
    "  required_action TEXT,\n"
    "  vendor_project TEXT,\n"
    "  product TEXT,\n"
    "  name TEXT) WITHOUT ROWID;\n"
    /* the change log: the last KS_VULNDB_KEEP_CHANGESETS updates */
    "CREATE TABLE updates(\n"
    "  seq INTEGER PRIMARY KEY,\n"
    "  at INTEGER NOT NULL,\n"
    "  command TEXT NOT NULL,\n"
    "  summary TEXT NOT NULL);\n"
    "CREATE TABLE changes(\n"
    "  seq INTEGER NOT NULL,\n"
    "  kind TEXT NOT NULL,\n"    /* added, modified, withdrawn, removed */
    "  subject TEXT NOT NULL,\n" /* advisory, nvd, kev, epss */
    "  id TEXT,\n"
    "  eco TEXT,\n"
    "  release TEXT,\n"
    "  name TEXT);\n"
    "CREATE INDEX changes_by_seq ON changes(seq);\n";
