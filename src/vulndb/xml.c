/*
 * xml.c: libxml2's streaming xmlTextReader over a feed stream, for the XML
 * feeds (yum updateinfo, OVAL). Feeds are untrusted: no network, no DTD
 * loading, no entity substitution, an external-entity loader that refuses
 * everything, libxml2's default size limits (no XML_PARSE_HUGE), and any
 * document carrying a DOCTYPE is refused — none of the feeds has one, and
 * refusing it closes the door on entity tricks altogether.
 */
#include "vulndb/distro_int.h"

#include <pthread.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlreader.h>

#include "base/banned.h"

struct ks_xml {
    xmlTextReaderPtr r;
    struct ks_vdb_stream *in;
    struct ks_err ioerr; /* the stream's error, reported instead of libxml2's */
    bool io_failed;
    char msg[200];       /* libxml2's first error */
    int msg_line;
    bool has_msg;
};

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static xmlParserInputPtr
no_entities(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
    (void)url;
    (void)id;
    (void)ctxt;
    return NULL; /* nothing is ever loaded from outside the document */
}

static void
xml_init(void)
{
    xmlInitParser();
    xmlSetExternalEntityLoader(no_entities);
}

static int
xml_read(void *ctx, char *buf, int len)
{
    struct ks_xml *x = ctx;
    ssize_t got;

    if (len <= 0)
        return 0;
    got = ks_vdb_read(x->in, buf, (size_t)len, &x->ioerr);
    if (got < 0) {
        x->io_failed = true;
        return -1;
    }
    return (int)got;
}

static int
xml_close(void *ctx)
{
    (void)ctx;
    return 0;
}

static void
xml_error(void *ctx, xmlErrorPtr e)
{
    struct ks_xml *x = ctx;
    size_t n;

    if (x->has_msg || e == NULL || e->level < XML_ERR_ERROR)
        return;
    snprintf(x->msg, sizeof(x->msg), "%s", e->message ? e->message : "malformed XML");
    n = strlen(x->msg);
    while (n > 0 && (x->msg[n - 1] == '\n' || x->msg[n - 1] == ' '))
        x->msg[--n] = '\0';
    x->msg_line = e->line;
    x->has_msg = true;
}

enum ks_code
ks_xml_open(struct ks_vdb_stream *in, struct ks_xml **out, struct ks_err *err)
{
    struct ks_xml *x;

    pthread_once(&xml_once, xml_init);
    x = ks_calloc(1, sizeof(*x));
    if (x == NULL)
        return ks_err_set(err, KS_ENOMEM, "out of memory");
    x->in = in;
    x->r = xmlReaderForIO(xml_read, xml_close, x, NULL, NULL,
                          XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_NOWARNING |
                              XML_PARSE_NOERROR);
    if (x->r == NULL) {
        ks_free(x);
        return ks_err_set(err, KS_ENOMEM, "%s: cannot start the XML reader", in->name);
    }
    xmlTextReaderSetStructuredErrorHandler(x->r, xml_error, x);
    *out = x;
    return KS_OK;
}

void
ks_xml_free(struct ks_xml *x)
{
    if (x == NULL)
        return;
    xmlFreeTextReader(x->r);
    ks_free(x);
}

static enum ks_code
fail(struct ks_xml *x, struct ks_err *err)
{
    if (x->io_failed)
        return ks_err_set(err, x->ioerr.code == KS_OK ? KS_EIO : x->ioerr.code, "%s",
                          x->ioerr.msg);
    if (x->has_msg)
        return ks_err_set(err, KS_EPARSE, "%s:%d: malformed XML: %s", x->in->name, x->msg_line,
                          x->msg);
    return ks_err_set(err, KS_EPARSE, "%s:%d: malformed XML", x->in->name, ks_xml_line(x));
}

enum ks_code
ks_xml_next(struct ks_xml *x, enum ks_xml_node *type, struct ks_err *err)
{
    int r = xmlTextReaderRead(x->r);

    if (r == 0) {
        if (x->io_failed || x->has_msg)
            return fail(x, err);
        return KS_ENOTFOUND;
    }
    if (r < 0)
        return fail(x, err);
    switch (xmlTextReaderNodeType(x->r)) {
    case XML_READER_TYPE_ELEMENT:
        *type = KS_XML_START;
        break;
    case XML_READER_TYPE_END_ELEMENT:
        *type = KS_XML_END;
        break;
    case XML_READER_TYPE_TEXT:
    case XML_READER_TYPE_CDATA:
    case XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
        *type = KS_XML_TEXT;
        break;
    case XML_READER_TYPE_DOCUMENT_TYPE:
    case XML_READER_TYPE_ENTITY_REFERENCE:
    case XML_READER_TYPE_ENTITY:
        return ks_err_set(err, KS_EPARSE, "%s:%d: DTDs and entities are not accepted in feeds",
                          x->in->name, ks_xml_line(x));
    default:
        *type = KS_XML_OTHER;
        break;
    }
    return KS_OK;
}

const char *
ks_xml_name(struct ks_xml *x)
{
    const xmlChar *n = xmlTextReaderConstLocalName(x->r);

    return n ? (const char *)n : "";
}

int
ks_xml_depth(struct ks_xml *x)
{
    return xmlTextReaderDepth(x->r);
}

bool
ks_xml_empty(struct ks_xml *x)
{
    return xmlTextReaderIsEmptyElement(x->r) == 1;
}

int
ks_xml_line(struct ks_xml *x)
{
    return xmlTextReaderGetParserLineNumber(x->r);
}

/* Attribute values are kept per element: libxml2 hands out copies. */
const char *
ks_xml_attr(struct ks_xml *x, const char *name)
{
    const xmlChar *v;

    /* xmlTextReaderGetAttribute allocates; the const variant interns in the */
    /* reader's dictionary, valid until the reader moves on.                 */
    if (xmlTextReaderMoveToAttribute(x->r, (const xmlChar *)name) != 1)
        return NULL;
    v = xmlTextReaderConstValue(x->r);
    xmlTextReaderMoveToElement(x->r);
    return (const char *)v;
}

enum ks_code
ks_xml_text(struct ks_xml *x, struct ks_arena *a, const char **out, struct ks_err *err)
{
    struct ks_buf b = KS_BUF_INIT(KS_DF_MAX_TEXT + 1);
    int depth = ks_xml_depth(x);
    enum ks_code rc = KS_OK;
    bool too_big = false;
    struct ks_str t;

    *out = NULL;
    if (!ks_xml_empty(x)) {
        for (;;) {
            enum ks_xml_node type;

            if ((rc = ks_xml_next(x, &type, err)) != KS_OK) {
                if (rc == KS_ENOTFOUND)
                    rc = ks_err_set(err, KS_EPARSE, "%s: truncated XML", x->in->name);
                goto out;
            }
            if (type == KS_XML_END && ks_xml_depth(x) == depth)
                break;
            if (type == KS_XML_TEXT && !too_big) {
                const xmlChar *v = xmlTextReaderConstValue(x->r);
                size_t n = v != NULL ? strlen((const char *)v) : 0;

                if (b.len + n > KS_DF_MAX_TEXT)
                    too_big = true; /* read on to the end, then say so */
                else
                    ks_buf_append(&b, v, n);
            }
        }
    }
    if (too_big) {
        rc = ks_err_set(err, KS_ETOOBIG, "%s:%d: <%s> holds more than %zu bytes of text",
                        x->in->name, ks_xml_line(x), ks_xml_name(x), KS_DF_MAX_TEXT);
        goto out;
    }
    if (ks_buf_err(&b) != KS_OK) {
        rc = ks_err_set(err, KS_ENOMEM, "out of memory");
        goto out;
    }
    t = ks_str_trim(ks_buf_str(&b));
    *out = ks_arena_strdup_str(a, t);
    if (*out == NULL)
        rc = ks_err_set(err, KS_ENOMEM, "out of memory");
out:
    ks_buf_release(&b);
    return rc;
}

enum ks_code
ks_xml_skip(struct ks_xml *x, struct ks_err *err)
{
    int depth = ks_xml_depth(x);

    if (ks_xml_empty(x))
        return KS_OK;
    for (;;) {
        enum ks_xml_node type;
        enum ks_code rc = ks_xml_next(x, &type, err);

        if (rc == KS_ENOTFOUND)
            return ks_err_set(err, KS_EPARSE, "%s: truncated XML", x->in->name);
        if (rc != KS_OK)
            return rc;
        if (type == KS_XML_END && ks_xml_depth(x) == depth)
            return KS_OK;
    }
}
