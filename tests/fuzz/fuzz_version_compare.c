/*
 * fuzz_version_compare.c: every version scheme's parser and comparator.
 * Input: one byte choosing the scheme, then "A<TAB>B". Besides memory
 * errors it checks the order's laws on whatever parses: a = a, and
 * cmp(a, b) = -cmp(b, a); a violation aborts, so libFuzzer reports it.
 */
#include "base/base.h"
#include "version/version.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum ks_scheme scheme;
    struct ks_str in, a, b;
    int ab = 2, ba = 2, aa = 2;
    enum ks_code r1, r2;

    if (size < 1)
        return 0;
    scheme = (enum ks_scheme)(data[0] % KS_SCHEME_COUNT);
    in = ks_str_make((const char *)data + 1, size - 1);
    if (!ks_str_split2(in, '\t', &a, &b)) {
        a = in;
        b = in;
    }
    r1 = ks_ver_compare(scheme, a, b, &ab, NULL);
    r2 = ks_ver_compare(scheme, b, a, &ba, NULL);
    if (r1 != r2)
        abort(); /* validity does not depend on the side */
    if (r1 == KS_OK && (ab != -ba || ab < -1 || ab > 1))
        abort(); /* antisymmetry */
    if (ks_ver_compare(scheme, a, a, &aa, NULL) == KS_OK && aa != 0)
        abort(); /* reflexivity */
    (void)ks_ver_check(scheme, b, NULL);
    return 0;
}
