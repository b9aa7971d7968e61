/*
 * banned.h: included last by every .c under src/. Turns the classic unsafe
 * string functions into compile errors; use ks_buf_*, memcpy with a checked
 * length and ks_parse_u64() instead (STYLE.md §6).
 */
#ifndef KS_BANNED_H
#define KS_BANNED_H

#undef strcpy
#define strcpy(...) KS_BANNED_strcpy_use_ks_buf
#undef strcat
#define strcat(...) KS_BANNED_strcat_use_ks_buf
#undef strncpy
#define strncpy(...) KS_BANNED_strncpy_use_memcpy
#undef sprintf
#define sprintf(...) KS_BANNED_sprintf_use_snprintf
#undef vsprintf
#define vsprintf(...) KS_BANNED_vsprintf_use_vsnprintf
#undef strtok
#define strtok(...) KS_BANNED_strtok_use_ks_cur
#undef gets
#define gets(...) KS_BANNED_gets
#undef atoi
#define atoi(...) KS_BANNED_atoi_use_ks_parse_u64
#undef atol
#define atol(...) KS_BANNED_atol_use_ks_parse_u64

#endif
