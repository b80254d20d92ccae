/*
 * test_shctx.c — the shell context of interpolations and the built command (interp/shctx.c):
 * the place each context gives, the reference written there, the refused places, and the
 * variables that carry the values (never the script).
 */
#include <string.h>
#include "shctx.h"
#include "unit.h"

/* Build "BEFORE#{v}AFTER" with v = "V; touch F"; the script, or the refusal. */
static const char *build1(const char *before, const char *after, char *script, size_t cap)
{
    sh_cmd c;
    shcmd_init(&c);
    shcmd_literal(&c, before, strlen(before));
    const char *why = shcmd_value(&c, "V; touch F", 10, "V; touch F", 10, 0);
    shcmd_literal(&c, after, strlen(after));
    snprintf(script, cap, "%s", buf_cstr(&c.script));
    int ok = c.nvars == (why ? 0 : 1) && (why || (strcmp(c.vars[0].name, "RB_1") == 0 && c.vars[0].len == 10));
    shcmd_free(&c);
    return ok ? why : "(bad vars)";
}

static void place(const char *before, const char *after, const char *want)
{
    char script[200];
    const char *why = build1(before, after, script, sizeof script);
    if (!want) CHECK(why != NULL && !strstr(script, "touch"), "shctx: refused after [%s]: %s", before, why ? why : script);
    else CHECK(!why && strcmp(script, want) == 0 && !strstr(script, "touch"), "shctx: [%s…%s] → %s (got %s)", before,
               after, want, why ? why : script);
}

void test_shctx(const char *tmpdir);
void test_shctx(const char *tmpdir)
{
    (void)tmpdir;
    place("echo ", "", "echo \"${RB_1}\"");
    place("echo a", "b", "echo a\"${RB_1}\"b");
    place("echo \"a ", " b\"", "echo \"a ${RB_1} b\"");
    place("echo 'a ", " b'", "echo 'a '\"${RB_1}\"' b'");
    place("echo \"$(echo ", ")\"", "echo \"$(echo \"${RB_1}\")\"");
    place("echo \"`echo ", "`\"", "echo \"`echo \"${RB_1}\"`\"");
    place("echo ${V:-", "}", "echo ${V:-\"${RB_1}\"}");
    place("echo \"${V:-", "}\"", "echo \"${V:-${RB_1}}\"");
    place("cat <<EOF\n[", "]\nEOF", "cat <<EOF\n[${RB_1}]\nEOF");
    place("cat <<EOF\nEOF\necho ", "", "cat <<EOF\nEOF\necho \"${RB_1}\"");
    place("cat <<-EOF\n\tx\n\tEOF\necho ", "", "cat <<-EOF\n\tx\n\tEOF\necho \"${RB_1}\"");
    place("echo a#b ", "", "echo a#b \"${RB_1}\"");
    place("echo 1 # c\necho ", "", "echo 1 # c\necho \"${RB_1}\"");
    place("case ", " in x) ;; esac", "case \"${RB_1}\" in x) ;; esac");
    place("echo '$((' ", "", "echo '$((' \"${RB_1}\"");
    place("echo \\' ", "", "echo \\' \"${RB_1}\"");
    place("echo $'a", "'", NULL);
    place("echo $(( 1 + ", " ))", NULL);
    place("echo $(( $(echo ", ") ))", NULL);
    place("(( x = ", " ))", NULL);
    place("echo # ", "", NULL);
    place("cat <<'EOF'\n", "\nEOF", NULL);
    place("cat <<\\EOF\n", "\nEOF", NULL);
    place("cat <<", "\nx\n", NULL);
    place("echo \\", "", NULL);
    place("echo \"$", "\"", NULL);
    place("echo $", "", NULL);
    place("echo \\$", "", "echo \\$\"${RB_1}\"");
    place("echo '$", "'", "echo '$'\"${RB_1}\"''");

    /* values no command can receive; env entries; the environment list */
    sh_cmd c;
    shcmd_init(&c);
    shcmd_literal(&c, "echo ", 5);
    CHECK(shcmd_value(&c, "a\0b", 3, "a", 1, 0) != NULL, "shctx: a NUL byte is refused");
    CHECK(shcmd_value(&c, "x", SHCMD_VALUE_MAX + 1, "x", 1, 0) != NULL, "shctx: a value over 128 KiB is refused");
    CHECK(shcmd_value(&c, "tok", 3, "«redacted»", 12, 1) == NULL && c.vars[0].secret, "shctx: a secret value is marked");
    CHECK(strstr(buf_cstr(&c.shown), "«redacted»") && !strstr(buf_cstr(&c.script), "tok"),
          "shctx: shown holds «redacted», the script only a reference");
    CHECK(shcmd_env(&c, "RB_2", "x", 1, 0) != NULL, "shctx: env RB_<n> is reserved");
    CHECK(shcmd_env(&c, "A-B", "x", 1, 0) != NULL, "shctx: env names are checked");
    CHECK(shcmd_env(&c, "TOKEN", "t", 1, 1) == NULL, "shctx: env entries join the variables");
    char **e = shcmd_envp(&c);
    CHECK(e[0] && strcmp(e[0], "RB_1=tok") == 0 && e[1] && strcmp(e[1], "TOKEN=t") == 0 && !e[2],
          "shctx: the environment list, in order");
    shcmd_envp_free(e);
    shcmd_free(&c);
}
