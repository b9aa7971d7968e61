/*
 * importers.c: the importer table. Each feed format is one row: its kind
 * (the prefix of its source names), whether a document is a whole feed or
 * one record, a sniffer that scores a document's first bytes, and the
 * import function. Detection is by content, never by file name alone: the
 * best score wins. To add a feed, add import_<name>.c and one row here.
 */
#include "vulndb/vulndb_int.h"
#include "vulndb/distro_int.h"

#include "base/banned.h"

const struct ks_vdb_importer ks_vdb_importers[] = {
    /* kind, format, document, unlabeled, sniff, import, incremental[, prepare, put, release] */
    {"osv", "OSV JSON record", KS_VDB_DOC_RECORD, false, ks_vdb_osv_sniff, ks_vdb_osv_import,
     NULL, ks_vdb_osv_prepare, ks_vdb_osv_put, ks_vdb_osv_release},
    {"osv", "OSV YAML record", KS_VDB_DOC_RECORD, false, ks_vdb_osv_yaml_sniff,
     ks_vdb_osv_yaml_import, NULL, NULL, NULL, NULL},
    {"nvd", "NVD CVE API 2.0 feed", KS_VDB_DOC_FEED, false, ks_vdb_nvd_feed_sniff,
     ks_vdb_nvd_import, ks_vdb_nvd_incremental, NULL, NULL, NULL},
    {"nvd", "NVD CVE API 2.0 record", KS_VDB_DOC_RECORD, false, ks_vdb_nvd_record_sniff,
     ks_vdb_nvd_import, ks_vdb_nvd_incremental, NULL, NULL, NULL},
    {"epss", "EPSS CSV", KS_VDB_DOC_FEED, true, ks_vdb_epss_sniff, ks_vdb_epss_import, NULL, NULL,
     NULL, NULL},
    {"kev", "CISA KEV catalog", KS_VDB_DOC_FEED, true, ks_vdb_kev_sniff, ks_vdb_kev_import, NULL,
     NULL, NULL, NULL},
    /* The distro feeds (issue 4, distro_int.h, docs/feeds.md). */
    {.kind = "alas", .format = "Amazon Linux ALAS updateinfo.xml", .doc = KS_VDB_DOC_FEED,
     .sniff = ks_vdb_alas_sniff, .import = ks_vdb_alas_import},
    {.kind = "rocky", .format = "Rocky Linux updateinfo.xml", .doc = KS_VDB_DOC_FEED,
     .sniff = ks_vdb_rocky_sniff, .import = ks_vdb_rocky_import},
    {.kind = "secdb", .format = "Alpine/Wolfi/Chainguard secdb JSON", .doc = KS_VDB_DOC_FEED,
     .sniff = ks_vdb_secdb_sniff, .import = ks_vdb_secdb_import},
    {.kind = "debian", .format = "Debian security tracker data/CVE/list", .doc = KS_VDB_DOC_FEED,
     .sniff = ks_vdb_debian_cve_sniff, .import = ks_vdb_debian_cve_import},
    {.kind = "debian", .format = "Debian security tracker DSA/DLA list", .doc = KS_VDB_DOC_FEED,
     .sniff = ks_vdb_debian_dsa_sniff, .import = ks_vdb_debian_dsa_import},
    {.kind = "debian-oval", .format = "Debian OVAL", .doc = KS_VDB_DOC_FEED,
     .sniff = ks_vdb_debian_oval_sniff, .import = ks_vdb_debian_oval_import},
    {.kind = "usn-oval", .format = "Ubuntu USN OVAL", .doc = KS_VDB_DOC_FEED,
     .sniff = ks_vdb_usn_oval_sniff, .import = ks_vdb_usn_oval_import},
    {.kind = "oracle-oval", .format = "Oracle Linux OVAL (ELSA)", .doc = KS_VDB_DOC_FEED,
     .sniff = ks_vdb_oracle_oval_sniff, .import = ks_vdb_oracle_oval_import},
    {.kind = "redhat-oval", .format = "Red Hat OVAL v2", .doc = KS_VDB_DOC_FEED,
     .sniff = ks_vdb_redhat_oval_sniff, .import = ks_vdb_redhat_oval_import},
    {.kind = "azure-oval", .format = "CBL-Mariner/Azure Linux OVAL", .doc = KS_VDB_DOC_FEED,
     .sniff = ks_vdb_azure_oval_sniff, .import = ks_vdb_azure_oval_import},
    {.kind = "alma", .format = "AlmaLinux errata JSON", .doc = KS_VDB_DOC_FEED,
     .sniff = ks_vdb_alma_sniff, .import = ks_vdb_alma_import},
    {.kind = "photon", .format = "Photon OS CVE data JSON", .doc = KS_VDB_DOC_FEED,
     .sniff = ks_vdb_photon_sniff, .import = ks_vdb_photon_import},
    {.kind = "ubuntu", .format = "Ubuntu CVE tracker file", .doc = KS_VDB_DOC_RECORD,
     .sniff = ks_vdb_uct_sniff, .import = ks_vdb_uct_import},
};

const size_t ks_vdb_n_importers = KS_ARRAY_LEN(ks_vdb_importers);

const struct ks_vdb_importer *
ks_vdb_sniff(struct ks_str head, const char *name)
{
    const struct ks_vdb_importer *best = NULL;
    int best_score = KS_VDB_SNIFF_MIN - 1;

    /* Every format names itself early; scanning whole records cost 10% of an import. */
    if (head.len > KS_VDB_SNIFF_BYTES)
        head.len = KS_VDB_SNIFF_BYTES;

    for (size_t i = 0; i < ks_vdb_n_importers; i++) {
        int s = ks_vdb_importers[i].sniff(head, name);

        if (s > best_score) {
            best_score = s;
            best = &ks_vdb_importers[i];
        }
    }
    return best;
}
