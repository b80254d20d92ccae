/*
 * rl.c — GNU readline loaded on first use (rl.h): dlopen("libreadline.so.8") and one dlsym
 * per name the prompts and the REPL use.  A missing library or name is remembered with its
 * reason and not tried again; the callers then read plain lines.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#define RL_NO_MACROS
#include "rl.h"

struct rl_api rl_api;
static int loaded;
static char load_error[200];

int rl_load(void)
{
    if (loaded || load_error[0]) return loaded ? 0 : -1;
    const char *name = getenv("RUNBOOK_LIBREADLINE");   /* a test switch: another file to load */
    void *lib = dlopen(name && *name ? name : "libreadline.so.8", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        snprintf(load_error, sizeof load_error, "%s", dlerror());
        return -1;
    }
    void *p;
#define RL_SYM(sym)                                                                                \
    if (!load_error[0] && !(p = dlsym(lib, #sym)))                                                 \
        snprintf(load_error, sizeof load_error, "libreadline.so.8 has no %s (too old)", #sym);      \
    else if (!load_error[0])                                                                       \
        memcpy(&rl_api.sym, &p, sizeof p);
    RL_FUNCS(RL_SYM)
    RL_VARS(RL_SYM)
#undef RL_SYM
    if (load_error[0]) return -1;
    loaded = 1;
    return 0;
}

const char *rl_load_error(void) { return load_error[0] ? load_error : NULL; }
