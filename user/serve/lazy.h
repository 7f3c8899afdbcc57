/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libcurl and libmicrohttpd, loaded with dlopen the first time serve needs them (the OTLP
 * pusher; the HTTP listener), so that every other command starts without loading them and
 * the ~30 libraries libcurl needs (TLS, Kerberos, LDAP, ssh...). The real headers give the
 * types and constants; the table gives the functions, with the headers' own prototypes.
 */
#ifndef VMS_SERVE_LAZY_H
#define VMS_SERVE_LAZY_H

#include <curl/curl.h>
#include <microhttpd.h>

/* X(member, symbol): every libcurl function serve calls. */
#define LAZY_CURL_FNS(X)					\
	X(global_init, curl_global_init)			\
	X(global_cleanup, curl_global_cleanup)			\
	X(easy_init, curl_easy_init)				\
	X(easy_setopt, curl_easy_setopt)			\
	X(easy_perform, curl_easy_perform)			\
	X(easy_getinfo, curl_easy_getinfo)			\
	X(easy_strerror, curl_easy_strerror)			\
	X(easy_cleanup, curl_easy_cleanup)			\
	X(slist_append, curl_slist_append)			\
	X(slist_free_all, curl_slist_free_all)

#define LAZY_MHD_FNS(X)						\
	X(start_daemon, MHD_start_daemon)			\
	X(stop_daemon, MHD_stop_daemon)				\
	X(get_daemon_info, MHD_get_daemon_info)			\
	X(create_response_from_buffer, MHD_create_response_from_buffer) \
	X(add_response_header, MHD_add_response_header)		\
	X(queue_response, MHD_queue_response)			\
	X(destroy_response, MHD_destroy_response)

/* (typeof of the bare name: libcurl's type-checking macros are function-like, not expanded) */
#define LAZY_MEMBER(m, f) __typeof__(f) *m;
struct lazy_curl { LAZY_CURL_FNS(LAZY_MEMBER) };
struct lazy_mhd { LAZY_MHD_FNS(LAZY_MEMBER) };
#undef LAZY_MEMBER

/* The loaded library's functions, or NULL after one error line naming the library and the
 * package to install. Loaded once and kept for the life of the process (never dlclose'd:
 * libcurl's TLS libraries leave exit handlers behind). Call from one thread (serve's main). */
const struct lazy_curl *lazy_curl(void);
const struct lazy_mhd *lazy_mhd(void);

#endif
