/*
 * fs_linux.c: Linux-specific bits of the directory backend: recognising
 * pseudo filesystems by their statfs magic, so a walk that crosses mounts
 * (--cross-mounts) still leaves procfs, sysfs and friends alone. tmpfs is
 * not among them: it can hold real files.
 */
#include "fs/fs_int.h"

#include <sys/vfs.h>

#include "base/banned.h"

bool
fs_is_pseudo_fs(int dirfd)
{
    /* Values from linux/magic.h, spelled out to avoid the kernel header. */
    static const unsigned long pseudo[] = {
        0x9fa0,     /* proc */
        0x62656572, /* sysfs */
        0x1cd1,     /* devpts */
        0x27e0eb,   /* cgroup */
        0x63677270, /* cgroup2 */
        0x64626720, /* debugfs */
        0x74726163, /* tracefs */
        0x73636673, /* securityfs */
        0x6e736673, /* nsfs */
        0xcafe4a11, /* bpf */
        0x42494e4d, /* binfmt_misc */
        0x19800202, /* mqueue */
        0x50495045, /* pipefs */
        0x534f434b, /* sockfs */
        0xf97cff8c, /* selinuxfs */
        0x65735546, /* fuse control */
        0x6165676c, /* pstore */
        0xde5e81e4, /* efivarfs */
        0x958458f6, /* hugetlbfs */
    };
    struct statfs sf;

    if (fstatfs(dirfd, &sf) != 0)
        return false;
    for (size_t i = 0; i < KS_ARRAY_LEN(pseudo); i++)
        if ((unsigned long)sf.f_type == pseudo[i])
            return true;
    return false;
}
