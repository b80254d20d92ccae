/*
 * rl.h — GNU readline, the terminal's line editor (prompts on a terminal, the REPL), loaded
 * with dlopen at its first use (rl.c) instead of linked: a run that never edits a line on a
 * terminal maps neither it nor libtinfo at startup.
 *
 * Include this instead of <readline/readline.h>: every readline name listed below becomes a
 * macro for a pointer filled by dlsym (typed from readline's own declarations), so the code
 * reads as plain readline.  Call rl_load() first; when it fails, use none of these names and
 * read plain lines instead.
 */
#ifndef RB_RL_H
#define RB_RL_H

#include <stdio.h>
#include <readline/history.h>
#include <readline/readline.h>

/* 0 when readline is loaded (tried once; a failure is remembered), -1 when it cannot be. */
int rl_load(void);
/* Why it could not be loaded, or NULL. */
const char *rl_load_error(void);

#define RL_FUNCS(X)                                                                         \
    X(rl_callback_handler_install) X(rl_callback_read_char) X(rl_callback_handler_remove)   \
    X(rl_callback_sigcleanup) X(rl_free_line_state) X(rl_save_prompt) X(rl_restore_prompt) \
    X(rl_clear_visible_line) X(rl_forced_update_display) X(rl_completion_matches)          \
    X(add_history) X(read_history) X(write_history) X(stifle_history)
#define RL_VARS(X)                                                                          \
    X(rl_library_version) X(rl_readline_name) X(rl_attempted_completion_function)           \
    X(rl_attempted_completion_over) X(rl_catch_signals)

#define RL_FIELD(name) __typeof__(name) *name;
struct rl_api {
    RL_FUNCS(RL_FIELD)
    RL_VARS(RL_FIELD)
};
#undef RL_FIELD
extern struct rl_api rl_api;

#ifndef RL_NO_MACROS
#define rl_callback_handler_install (*rl_api.rl_callback_handler_install)
#define rl_callback_read_char (*rl_api.rl_callback_read_char)
#define rl_callback_handler_remove (*rl_api.rl_callback_handler_remove)
#define rl_callback_sigcleanup (*rl_api.rl_callback_sigcleanup)
#define rl_free_line_state (*rl_api.rl_free_line_state)
#define rl_save_prompt (*rl_api.rl_save_prompt)
#define rl_restore_prompt (*rl_api.rl_restore_prompt)
#define rl_clear_visible_line (*rl_api.rl_clear_visible_line)
#define rl_forced_update_display (*rl_api.rl_forced_update_display)
#define rl_completion_matches (*rl_api.rl_completion_matches)
#define add_history (*rl_api.add_history)
#define read_history (*rl_api.read_history)
#define write_history (*rl_api.write_history)
#define stifle_history (*rl_api.stifle_history)
#define rl_library_version (*rl_api.rl_library_version)
#define rl_readline_name (*rl_api.rl_readline_name)
#define rl_attempted_completion_function (*rl_api.rl_attempted_completion_function)
#define rl_attempted_completion_over (*rl_api.rl_attempted_completion_over)
#define rl_catch_signals (*rl_api.rl_catch_signals)
#endif

#endif
