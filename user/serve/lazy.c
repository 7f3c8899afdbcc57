// SPDX-License-Identifier: BSD-2-Clause
/*
 * dlopen of serve's two heavy libraries (see lazy.h). Linking them made every `vmscope map`
 * pay the dynamic loader for libcurl's ~30 dependencies: about 5 ms of a 8 ms start.
 */
#include <dlfcn.h>
#include <stdbool.h>

#include "serve/lazy.h"
#include "core/util.h"

/* Opens soname and resolves every name; false after one error line. */
static bool load(const char *soname, const char *pkg, const char *const *names, void **out,
		 size_t n)
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		vms_err("serve: cannot load %s (apt-get install %s): %s", soname, pkg, dlerror());
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		dlerror();
		out[i] = dlsym(h, names[i]);
		if (!out[i]) {
			const char *e = dlerror();

			vms_err("serve: cannot load %s (apt-get install %s): %s", soname, pkg,
				e ? e : "a function resolves to NULL");
			dlclose(h);
			return false;
		}
	}
	return true;
}

/* The resolved addresses go through an array, then into the typed table one by one (no
 * punning of a struct of function pointers as an array of void *). */
#define LAZY_NAME(m, f) #f,
#define LAZY_COUNT(m, f) +1
#define LAZY_SET(m, f) t.m = (__typeof__(t.m))p[i++];

const struct lazy_curl *lazy_curl(void)
{
	static const char *const names[] = { LAZY_CURL_FNS(LAZY_NAME) };
	static struct lazy_curl t;
	static int state;	/* 0 not tried, 1 loaded, -1 failed (said once) */
	void *p[0 LAZY_CURL_FNS(LAZY_COUNT)];
	size_t i = 0;

	if (!state) {
		state = -1;
		if (load("libcurl.so.4", "libcurl4", names, p, ARRAY_SIZE(p))) {
			LAZY_CURL_FNS(LAZY_SET)
			state = 1;
		}
	}
	return state > 0 ? &t : NULL;
}

const struct lazy_mhd *lazy_mhd(void)
{
	static const char *const names[] = { LAZY_MHD_FNS(LAZY_NAME) };
	static struct lazy_mhd t;
	static int state;
	void *p[0 LAZY_MHD_FNS(LAZY_COUNT)];
	size_t i = 0;

	if (!state) {
		state = -1;
		if (load("libmicrohttpd.so.12", "libmicrohttpd12", names, p, ARRAY_SIZE(p))) {
			LAZY_MHD_FNS(LAZY_SET)
			state = 1;
		}
	}
	return state > 0 ? &t : NULL;
}
