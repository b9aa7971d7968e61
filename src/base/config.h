/*
 * config.h: feature macros for the whole tree. C11 + POSIX.1-2008; glibc's
 * _DEFAULT_SOURCE adds timegm() and memmem(). Included first by base.h.
 */
#ifndef KS_CONFIG_H
#define KS_CONFIG_H

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1
#endif

#define KS_VERSION_STRING "0.1.0"

#endif
