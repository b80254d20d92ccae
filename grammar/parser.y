/*
 * parser.y — the runbook grammar (pure bison parser with locations).
 *
 * Owns: the shape of the language and the AST it builds (ast_kinds.h says which node
 * fields each kind uses), syntax error messages and recovery.  Newlines are not tokens, so
 * a statement ends where the next one cannot continue it; the few places where a token
 * could either continue an expression or start the next statement ('(' '[' '-', a `wait`
 * reason, an option word after `sh`/`wait until`) are settled towards continuing, by
 * precedence, and `;` separates statements when that is not wanted.
 *
 * Never: judge meaning (the checker does), or allocate outside the file's arena.
 */
%code requires {
#include "ast.h"
#include "pstate.h"
typedef void *yyscan_t;
}

%code provides {
int yylex(YYSTYPE *lval, YYLTYPE *lloc, yyscan_t scanner);
void yyerror(YYLTYPE *loc, yyscan_t scanner, pstate *ps, const char *msg);
}

%code {
#include <string.h>
#include "lexer.h"

#define MEM (&ps->file->mem)
#define LOC(l) ((rb_loc){(l).first_line, (l).first_column})
static rb_node *mk(pstate *ps, node_kind k, YYLTYPE l) { return ast_new(MEM, k, LOC(l)); }
static rb_node *mk1(pstate *ps, node_kind k, YYLTYPE l, rb_node *a) { rb_node *n = mk(ps, k, l); n->a = a; return n; }
/* An expression node one level above its operands; too deep is an error (AST_MAX_DEPTH). */
static rb_node *deeper(pstate *ps, rb_node *n, const rb_node *x, const rb_node *y)
{
    int d = x ? x->depth : 0;
    if (y && y->depth > d) d = y->depth;
    n->depth = d + 1;
    if (n->depth == AST_MAX_DEPTH)
        pstate_error(ps, n->loc, "expression nested too deeply (more than %d levels)", AST_MAX_DEPTH);
    return n;
}
static rb_node *binop(pstate *ps, YYLTYPE l, op_kind op, rb_node *a, rb_node *b)
{
    rb_node *n = ast_new(MEM, N_BINARY, a ? a->loc : LOC(l));
    n->num = op; n->a = a; n->b = b;
    return deeper(ps, n, a, b);
}
static rb_node *unop(pstate *ps, YYLTYPE l, op_kind op, rb_node *a)
{
    rb_node *n = mk(ps, N_UNARY, l);
    n->num = op; n->a = a;
    return deeper(ps, n, a, NULL);
}
static rb_node *opt(pstate *ps, YYLTYPE l, const char *name, rb_node *v)
{
    rb_node *n = mk(ps, N_OPT, l);
    n->str = name; n->a = v;
    return n;
}
static rb_node *call_named(pstate *ps, YYLTYPE l, const char *name, YYLTYPE nl, rb_node *args)
{
    rb_node *callee = mk(ps, N_IDENT, nl);
    callee->str = name;
    rb_node *n = mk(ps, N_CALL, l);
    n->a = callee; n->b = args;
    return n;
}
/* The member `.name` of x, the name written at nl. */
static rb_node *member(pstate *ps, YYLTYPE nl, rb_node *x, const char *name)
{
    rb_node *n = mk1(ps, N_MEMBER, nl, x);
    n->loc = x->loc; n->str = name; n->nloc = LOC(nl);
    return deeper(ps, n, x, NULL);
}
/* A reserved word where a declaration names something. */
static void reserved_name(pstate *ps, YYLTYPE l, const char *w)
{
    pstate_error(ps, LOC(l), "'%s' is a reserved word; use another name, such as %s_", w, w);
}
/* `every alias.name(args)` without a block: a module's timer, brought in. */
static rb_node *every_include(pstate *ps, YYLTYPE l, rb_node *e)
{
    if (!e || e->kind != N_CALL || e->a->kind != N_MEMBER || e->a->a->kind != N_IDENT) {
        pstate_error(ps, LOC(l), "an every timer needs a body: every 15m { … } (or every module.timer(…) to use a module's)");
        return NULL;
    }
    rb_node *n = mk(ps, N_INCLUDE, l);
    n->num = N_EVERY; n->str = e->a->str; n->nloc = e->a->nloc; n->str2 = e->a->a->str; n->a = e->b; n->c = e->a->a;
    return n;
}
/* Join a string's parts: a lone literal becomes N_STR, anything else N_INTERP. */
static rb_node *string_node(pstate *ps, YYLTYPE l, rb_node *parts)
{
    if (!parts) { rb_node *n = mk(ps, N_STR, l); n->str = ""; return n; }
    if (!parts->next && parts->kind == N_STR) { parts->loc = LOC(l); return parts; }
    return mk1(ps, N_INTERP, l, parts);
}
}

%define api.pure full
%locations
%param {yyscan_t scanner}
%parse-param {pstate *ps}
%define parse.error custom
%define parse.lac full
%expect 0

%union {
    rb_node *node;
    rb_list list;
    const char *s;
    double num;
}

%token START_FILE START_EXPR START_REPL
/* Reserved words: they start a statement or a declaration, or are operators and literals. */
%token RUNBOOK "runbook" USE "use" PARAM "param" SECRET "secret" LET "let" FN "fn"
%token EVERY "every" FOR "for" IN "in" PHASE "phase" STEP "step"
%token IF "if" ELIF "elif" ELSE "else" WHILE "while" BREAK "break" CONTINUE "continue"
%token RETURN "return" GOTO "goto" NOTE "note" WARN "warn" CONFIRM "confirm" CHOOSE "choose"
%token CHECKLIST "checklist" SH "sh" HTTP "http" WAIT "wait" RUN "run"
%token ABORT "abort" FAIL "fail" AND "and" OR "or" NOT "not" TRUE "true" FALSE "false" NIL "nil"
%token APPROVE "approve"
/* Soft keywords: special only where the grammar expects them, ordinary names elsewhere
 * (see `soft_keyword`; a new one goes there, in lexer.l's soft list and in %precedence). */
%token AS "as" ESCALATION "escalation" AT "at" UNLESS "unless" WHEN "when" REPEAT "repeat"
%token UNTIL "until" WITHIN "within" TIMEOUT "timeout" RETRIES "retries" ROLLBACK "rollback"
%token ON "on" WITH "with" READONLY "readonly" ENV "env" CWD "cwd" HEADERS "headers"
%token JSON "json" BODY "body"
%token IDEMPOTENT "idempotent" PARALLEL "parallel" TOLERATE "tolerate" FAILFAST "failfast" BY "by" ROLE "role" ALLOW_SELF "allow_self"
%token ARROW "=>" EQ "==" NE "!=" LE "<=" GE ">=" COALESCE "??"
%token <s> IDENT "name" STR_TEXT "string text" SQ_STRING "string"
%token <num> NUM "number" SEV "severity"
%token <node> DUR "duration" HEREDOC "heredoc"
%token QQ_START "quoted string" QQ_END "end of string" INTERP_START "#{" INTERP_END "}"

%type <node> decl header hfield use param opt_type_node opt_default opt_help
%type <node> secret let fn params escalation rung rung_body rung_conds every every_opts
%type <node> phase step block stmt if_tail arm
%type <node> str_lit expr postfix primary list_elems map_entry
%type <node> arg sh_opt http_opt opt_reason approve_opt test_decl
%type <node> kw_stmt id_stmt idpostfix cmd_expr sh_call repl_item
%type <node> part part_body include include_ref opt_prefix decl_ident
%type <list> repl_items decls hfields idents rungs phase_opts phase_items step_opts stmts wait_opts arms items qq_parts sh_opts http_opts approve_opts elems map_entries args
%type <s> use_as ident soft_keyword reserved_word anyname decl_name opt_step_id opt_as opt_name

/* Lowest first.  LOWEST marks rules that should yield to a shift (see the header): among
 * them a soft keyword read as a name, so that where it could be the keyword it is one. */
%precedence LOWEST
%precedence IDENT NUM SEV DUR HEREDOC QQ_START SQ_STRING TRUE FALSE NIL '{' NOT SH HTTP CONFIRM CHOOSE CHECKLIST EVERY
%precedence AS ESCALATION AT UNLESS WHEN REPEAT UNTIL WITHIN TIMEOUT RETRIES ROLLBACK ON WITH READONLY IDEMPOTENT ENV CWD HEADERS JSON BODY PARALLEL TOLERATE FAILFAST BY ROLE ALLOW_SELF

%left OR
%left AND
%precedence UNOT
%nonassoc EQ NE '<' LE '>' GE IN
%left COALESCE
%left '+' '-'
%left '*' '/' '%'
%precedence UMINUS
%precedence '[' '('

%start start

%%

start
    : START_FILE decls          { ps->result = mk1(ps, N_FILE, @$, $2.head); }
    | START_EXPR expr           { ps->result = $2; }
    | START_EXPR error          { ps->result = NULL; }
    | START_REPL repl_items     { ps->result = mk1(ps, N_FILE, @$, $2.head); }
    ;

/* What a REPL line may hold: statements, and the declarations that are not statements. */
repl_items
    : %empty                    { $$ = (rb_list){NULL, NULL}; }
    | repl_items repl_item      { $$ = list_add($1, $2); }
    | repl_items error          { $$ = $1; }
    ;

repl_item
    : stmt | use | param | secret | fn | phase
    | step %prec LOWEST         { $$ = $1; }
    ;

decls
    : %empty                    { $$ = (rb_list){NULL, NULL}; }
    | decls decl                { $$ = list_add($1, $2); }
    | decls error               { $$ = $1; }
    | decls ';'                 { $$ = $1; }
    ;

decl
    : header | use | param | secret | let | fn | part | escalation | every | phase | step | include | test_decl
    ;

/* ---- names ---- */

/* A name: an identifier or a soft keyword. */
ident
    : IDENT                     { $$ = $1; }
    | soft_keyword              { $$ = $1; }
    ;

/*
 * Soft keywords: special only right where the grammar expects them (an option after a
 * command, a clause of a rung or timer, `rollback` after a step, …), ordinary names
 * everywhere else.  Where both readings are possible the keyword wins (%prec LOWEST on
 * `ident` above).  A new soft keyword is added here, in %precedence with its fellows, and
 * in lexer.l's soft list.
 */
soft_keyword
    : AS %prec LOWEST { $$ = "as"; } | ESCALATION %prec LOWEST { $$ = "escalation"; } | AT %prec LOWEST { $$ = "at"; }
    | UNLESS %prec LOWEST { $$ = "unless"; } | WHEN %prec LOWEST { $$ = "when"; } | REPEAT %prec LOWEST { $$ = "repeat"; }
    | UNTIL %prec LOWEST { $$ = "until"; } | WITHIN %prec LOWEST { $$ = "within"; } | TIMEOUT %prec LOWEST { $$ = "timeout"; }
    | RETRIES %prec LOWEST { $$ = "retries"; } | ROLLBACK %prec LOWEST { $$ = "rollback"; } | ON %prec LOWEST { $$ = "on"; }
    | WITH %prec LOWEST { $$ = "with"; } | READONLY %prec LOWEST { $$ = "readonly"; } | ENV %prec LOWEST { $$ = "env"; }
    | IDEMPOTENT %prec LOWEST { $$ = "idempotent"; } | CWD %prec LOWEST { $$ = "cwd"; } | HEADERS %prec LOWEST { $$ = "headers"; } | JSON %prec LOWEST { $$ = "json"; } | BODY %prec LOWEST { $$ = "body"; }
    | PARALLEL %prec LOWEST { $$ = "parallel"; } | TOLERATE %prec LOWEST { $$ = "tolerate"; }
    | FAILFAST %prec LOWEST { $$ = "failfast"; } | BY %prec LOWEST { $$ = "by"; } | ROLE %prec LOWEST { $$ = "role"; }
    | ALLOW_SELF %prec LOWEST { $$ = "allow_self"; }
    ;

/* Reserved words: never a variable's name (docs/language.md lists them). */
reserved_word
    : RUNBOOK { $$ = "runbook"; } | USE { $$ = "use"; } | PARAM { $$ = "param"; }
    | SECRET { $$ = "secret"; } | LET { $$ = "let"; } | FN { $$ = "fn"; } | EVERY { $$ = "every"; }
    | FOR { $$ = "for"; } | IN { $$ = "in"; } | PHASE { $$ = "phase"; } | STEP { $$ = "step"; }
    | IF { $$ = "if"; } | ELIF { $$ = "elif"; } | ELSE { $$ = "else"; } | WHILE { $$ = "while"; }
    | BREAK { $$ = "break"; } | CONTINUE { $$ = "continue"; } | RETURN { $$ = "return"; }
    | GOTO { $$ = "goto"; } | NOTE { $$ = "note"; } | WARN { $$ = "warn"; }
    | CONFIRM { $$ = "confirm"; } | CHOOSE { $$ = "choose"; } | CHECKLIST { $$ = "checklist"; }
    | SH { $$ = "sh"; } | HTTP { $$ = "http"; } | WAIT { $$ = "wait"; } | RUN { $$ = "run"; }
    | ABORT { $$ = "abort"; } | FAIL { $$ = "fail"; } | AND { $$ = "and"; } | OR { $$ = "or"; }
    | NOT { $$ = "not"; } | TRUE { $$ = "true"; } | FALSE { $$ = "false"; } | NIL { $$ = "nil"; }
    | APPROVE { $$ = "approve"; }
    ;

/* Any word: after '.', before ':' in a map or a named argument, a step id, a goto target. */
anyname
    : ident                     { $$ = $1; }
    | reserved_word             { $$ = $1; }
    ;

/* The name a declaration gives (let, param, secret, fn, a fn's parameters, for): a
 * reserved word there is reported as such, and parsing goes on with it. */
decl_name
    : ident                     { $$ = $1; }
    | reserved_word             { reserved_name(ps, @1, $1); $$ = $1; }
    ;

decl_ident
    : decl_name                 { $$ = mk(ps, N_IDENT, @1); $$->str = $1; $$->nloc = LOC(@1); }
    ;

/* `test "name" { … }` (a *.test.rb file, see docs/testing.md): `test` is a soft keyword,
 * an identifier everywhere else. */
test_decl
    : IDENT str_lit block
        {
            $$ = mk(ps, N_TEST, @1); $$->str = $2->kind == N_STR ? $2->str : NULL; $$->a = $3; $$->b = $2;
            if (strcmp($1, "test") != 0)
                pstate_error(ps, (rb_loc){@1.first_line, @1.first_column}, "unexpected name '%s' at the top level", $1);
        }
    ;

/* ---- the header ---- */

header
    : RUNBOOK str_lit '{' hfields '}'
        { $$ = mk1(ps, N_HEADER, @1, $4.head); $$->str = $2->kind == N_STR ? $2->str : NULL; $$->b = $2; }
    ;

hfields
    : %empty                    { $$ = (rb_list){NULL, NULL}; }
    | hfields hfield            { $$ = list_add($1, $2); }
    | hfields error             { $$ = $1; }
    | hfields ';'               { $$ = $1; }
    ;

hfield
    : IDENT expr %prec LOWEST        { $$ = mk1(ps, N_HFIELD, @1, $2); $$->str = $1; $$->nloc = LOC(@1); }
    | IDENT WITHIN expr %prec LOWEST { $$ = mk1(ps, N_HFIELD, @1, $3); $$->str = $1; $$->nloc = LOC(@1); $$->num = 1; }
    ;

/* ---- declarations ---- */

use
    : USE ident use_as          { $$ = mk(ps, N_USE, @1); $$->str = $2; $$->str2 = $3; $$->nloc = $3 ? LOC(@3) : LOC(@2); }
    | USE reserved_word use_as
        {
            $$ = mk(ps, N_USE, @1); $$->str = $2; $$->str2 = $3; $$->nloc = $3 ? LOC(@3) : LOC(@2);
            if (!$3)
                pstate_error(ps, LOC(@2), "'%s' is a reserved word: load the module under another name, use %s as %s_",
                             $2, $2, $2);
        }
    | USE str_lit use_as        { $$ = mk1(ps, N_USE, @1, $2); $$->str = $2->str; $$->str2 = $3; $$->num = 1;
                                  $$->nloc = $3 ? LOC(@3) : $2->loc; }
    ;

use_as
    : %empty %prec LOWEST       { $$ = NULL; }
    | AS ident                  { $$ = $2; }
    ;

param
    : PARAM decl_name opt_type_node opt_default opt_help
        {
            $$ = mk(ps, N_PARAM, @1); $$->nloc = LOC(@2);
            $$->str = $2; $$->str2 = $3 ? $3->str : NULL; $$->c = $3; $$->a = $4; $$->b = $5;
        }
    ;

opt_type_node
    : %empty                    { $$ = NULL; }
    | ':' anyname               { $$ = mk(ps, N_IDENT, @2); $$->str = $2; $$->nloc = LOC(@2); }
    ;

opt_default
    : %empty                    { $$ = NULL; }
    | '=' expr %prec LOWEST     { $$ = $2; }
    ;

opt_help
    : %empty %prec LOWEST       { $$ = NULL; }
    | str_lit                   { $$ = $1; }
    ;

secret
    : SECRET decl_name '=' expr %prec LOWEST  { $$ = mk1(ps, N_SECRET, @1, $4); $$->str = $2; $$->nloc = LOC(@2); }
    ;

let
    : LET decl_name '=' expr %prec LOWEST     { $$ = mk1(ps, N_LET, @1, $4); $$->str = $2; $$->nloc = LOC(@2); }
    ;

fn
    : FN decl_name '(' params ')' block
        { $$ = mk(ps, N_FN, @1); $$->str = $2; $$->nloc = LOC(@2); $$->a = $4; $$->b = $6; }
    ;

params
    : %empty                    { $$ = NULL; }
    | idents                    { $$ = $1.head; }
    | idents ','                { $$ = $1.head; }
    ;

idents
    : decl_ident                { $$ = list_add((rb_list){NULL, NULL}, $1); }
    | idents ',' decl_ident     { $$ = list_add($1, $3); }
    ;

/* ---- parts: a module's phases, steps, ladders and timers, used by runbooks ---- */

/* fn NAME(PARAMS) phase "Title" { … } — a part, written like a fn whose body is the thing. */
part
    : FN decl_name '(' params ')' part_body
        { $$ = mk(ps, N_PART, @1); $$->str = $2; $$->nloc = LOC(@2); $$->a = $4; $$->b = $6; }
    ;

part_body
    : phase | step | escalation | every
    ;

/* phase common.detection(webhook) [as PREFIX], escalation p1.ladder(contacts), … */
include
    : PHASE include_ref opt_prefix    { $$ = $2; $$->loc = LOC(@1); $$->num = N_PHASE; $$->b = $3; }
    | STEP include_ref opt_prefix     { $$ = $2; $$->loc = LOC(@1); $$->num = N_STEP; $$->b = $3; }
    | ESCALATION include_ref          { $$ = $2; $$->loc = LOC(@1); $$->num = N_ESCALATION; }
    | EVERY expr %prec LOWEST         { $$ = every_include(ps, @1, $2); }
    ;

include_ref
    : ident '.' anyname '(' args ')'
        {
            $$ = mk(ps, N_INCLUDE, @1);
            $$->str2 = $1; $$->str = $3; $$->nloc = LOC(@3); $$->a = $5.head;
            $$->c = mk(ps, N_IDENT, @1); $$->c->str = $1; $$->c->nloc = LOC(@1);
        }
    ;

opt_prefix
    : %empty                    { $$ = NULL; }
    | AS ident                  { $$ = mk(ps, N_IDENT, @2); $$->str = $2; $$->nloc = LOC(@2); }
    ;

/* ---- time ---- */

escalation
    : ESCALATION '{' rungs '}'  { $$ = mk1(ps, N_ESCALATION, @1, $3.head); }
    | ESCALATION opt_name '{' rungs '}'
        { $$ = mk1(ps, N_ESCALATION, @1, $4.head); $$->str = $2; $$->nloc = LOC(@2); }
    ;

opt_name
    : str_lit                   { $$ = $1->kind == N_STR ? $1->str : "escalation"; }
    | ident                     { $$ = $1; }
    ;

rungs
    : %empty                    { $$ = (rb_list){NULL, NULL}; }
    | rungs rung                { $$ = list_add($1, $2); }
    | rungs error               { $$ = $1; }
    | rungs ';'                 { $$ = $1; }
    ;

rung
    : AT expr rung_conds rung_body
        { $$ = mk1(ps, N_RUNG, @1, $2); $$->b = $3 ? $3->a : NULL; $$->c = $3 ? $3->b : NULL; $$->d = $4; }
    | REPEAT EVERY expr %prec LOWEST
        { $$ = mk1(ps, N_REPEAT, @1, $3); }
    ;

/* A scratch N_RUNG whose a = unless-condition, b = when-condition. */
rung_conds
    : %empty                    { $$ = NULL; }
    | rung_conds UNLESS expr    { $$ = $1 ? $1 : mk(ps, N_RUNG, @2); $$->a = $3; }
    | rung_conds WHEN expr      { $$ = $1 ? $1 : mk(ps, N_RUNG, @2); $$->b = $3; }
    ;

/*
 * A rung's action is a block or one statement that cannot start with '{', an operator or
 * a soft keyword (so that it is never confused with a map, with the rest of the `at`
 * expression or with a clause).
 */
rung_body
    : block                     { $$ = $1; }
    | kw_stmt                   { $$ = mk1(ps, N_BLOCK, @1, $1); }
    | id_stmt                   { $$ = mk1(ps, N_BLOCK, @1, $1); }
    | cmd_expr                  { rb_node *e = ast_new(MEM, N_EXPRSTMT, $1->loc); e->a = $1; $1->num = 1;
                                  $$ = mk1(ps, N_BLOCK, @1, e); }
    ;

id_stmt
    : idpostfix %prec LOWEST    { $$ = ast_new(MEM, N_EXPRSTMT, $1->loc); $$->a = $1; }
    | idpostfix '=' expr %prec LOWEST { $$ = ast_new(MEM, N_ASSIGN, $1->loc); $$->a = $1; $$->b = $3; }
    ;

idpostfix
    : IDENT                     { $$ = mk(ps, N_IDENT, @1); $$->str = $1; $$->nloc = LOC(@1); }
    | sh_call                   { $$ = $1; }
    | idpostfix '.' anyname     { $$ = member(ps, @3, $1, $3); }
    | idpostfix '[' expr ']'    { $$ = mk1(ps, N_INDEX, @2, $1); $$->loc = $1->loc; $$->b = $3; deeper(ps, $$, $1, $3); }
    | idpostfix '(' args ')'    { $$ = mk1(ps, N_CALL, @2, $1); $$->loc = $1->loc; $$->b = $3.head; deeper(ps, $$, $1, NULL); }
    ;

/* Without a block, `every alias.name(args)` brings in a module's timer (top level only). */
every
    : EVERY expr every_opts block
        {
            $$ = mk1(ps, N_EVERY, @1, $2);
            $$->b = $3 ? $3->a : NULL; $$->c = $3 ? $3->b : NULL; $$->d = $4;
        }
    ;

every_opts
    : %empty                    { $$ = NULL; }
    | every_opts UNTIL expr     { $$ = $1 ? $1 : mk(ps, N_EVERY, @2); $$->a = $3; }
    | every_opts FOR expr       { $$ = $1 ? $1 : mk(ps, N_EVERY, @2); $$->b = $3; }
    ;

/* ---- phases and steps ---- */

phase
    : PHASE str_lit phase_opts '{' phase_items '}'
        {
            $$ = mk1(ps, N_PHASE, @1, $5.head);
            $$->str = $2->kind == N_STR ? $2->str : "phase"; $$->b = $2; $$->opts = $3.head;
        }
    ;

phase_opts
    : %empty                    { $$ = (rb_list){NULL, NULL}; }
    | phase_opts WITHIN expr    { $$ = list_add($1, opt(ps, @2, "within", $3)); }
    ;

phase_items
    : %empty                    { $$ = (rb_list){NULL, NULL}; }
    | phase_items step          { $$ = list_add($1, $2); }
    | phase_items escalation    { $$ = list_add($1, $2); }
    | phase_items every         { $$ = list_add($1, $2); }
    | phase_items include       { $$ = list_add($1, $2); }
    | phase_items error         { $$ = $1; }
    | phase_items ';'           { $$ = $1; }
    ;

step
    : STEP opt_step_id str_lit step_opts block
        {
            $$ = mk1(ps, N_STEP, @1, $5); $$->nloc = $2 ? LOC(@2) : $3->loc;
            $$->str = $2; $$->str2 = $3->kind == N_STR ? $3->str : NULL; $$->d = $3; $$->opts = $4.head;
        }
    | step ROLLBACK block
        { $$ = $1; if ($$->b) pstate_error(ps, LOC(@2), "step already has a rollback block"); $$->b = $3; }
    | step ON IDENT block
        {
            $$ = $1;
            if (strcmp($3, "failure") != 0)
                pstate_error(ps, LOC(@3), "expected 'on failure { … }' after a step, not 'on %s'", $3);
            else if ($$->c)
                pstate_error(ps, LOC(@2), "step already has an on failure block");
            $$->c = $4;
        }
    ;

opt_step_id
    : %empty                    { $$ = NULL; }
    | anyname                   { $$ = $1; }
    ;

step_opts
    : %empty                    { $$ = (rb_list){NULL, NULL}; }
    | step_opts WITHIN expr     { $$ = list_add($1, opt(ps, @2, "within", $3)); }
    | step_opts TIMEOUT expr    { $$ = list_add($1, opt(ps, @2, "timeout", $3)); }
    | step_opts RETRIES expr    { $$ = list_add($1, opt(ps, @2, "retries", $3)); }
    ;

/* ---- statements ---- */

block
    : '{' stmts '}'             { $$ = mk1(ps, N_BLOCK, @1, $2.head); }
    ;

stmts
    : %empty %prec LOWEST       { $$ = (rb_list){NULL, NULL}; }
    | stmts stmt                { $$ = list_add($1, $2); }
    | stmts error               { $$ = $1; }
    ;

stmt
    : kw_stmt                   { $$ = $1; }
    | expr '=' expr %prec LOWEST        { $$ = mk(ps, N_ASSIGN, @2); $$->loc = $1->loc; $$->a = $1; $$->b = $3; }
    | expr %prec LOWEST
        {
            $$ = ast_new(MEM, N_EXPRSTMT, $1->loc); $$->a = $1;
            if ($1->kind == N_SH || $1->kind == N_HTTP) $1->num = 1;
        }
    | ';'                       { $$ = NULL; }
    ;

/* Statements that begin with a keyword. */
kw_stmt
    : LET decl_name '=' expr %prec LOWEST { $$ = mk1(ps, N_LET, @1, $4); $$->str = $2; $$->nloc = LOC(@2); }
    | IF expr block if_tail     { $$ = mk1(ps, N_IF, @1, $2); $$->b = $3; $$->c = $4; }
    | WHILE expr block          { $$ = mk1(ps, N_WHILE, @1, $2); $$->b = $3; }
    | FOR decl_name IN expr block
        { $$ = mk1(ps, N_FOR, @1, $4); $$->str = $2; $$->nloc = LOC(@2); $$->b = $5; }
    | FOR decl_name ',' decl_name IN expr block
        {
            $$ = mk1(ps, N_FOR, @1, $6); $$->str = $2; $$->nloc = LOC(@2); $$->str2 = $4; $$->b = $7;
            $$->c = mk(ps, N_IDENT, @4); $$->c->str = $4; $$->c->nloc = LOC(@4);
        }
    | BREAK                     { $$ = mk(ps, N_BREAK, @1); }
    | CONTINUE                  { $$ = mk(ps, N_CONTINUE, @1); }
    | RETURN %prec LOWEST       { $$ = mk(ps, N_RETURN, @1); }
    | RETURN expr %prec LOWEST  { $$ = mk1(ps, N_RETURN, @1, $2); }
    | GOTO anyname              { $$ = mk(ps, N_GOTO, @1); $$->str = $2; $$->nloc = LOC(@2); }
    | NOTE expr %prec LOWEST    { $$ = mk1(ps, N_NOTE, @1, $2); }
    | WARN expr %prec LOWEST    { $$ = mk1(ps, N_WARN, @1, $2); }
    | CONFIRM str_lit opt_as    { $$ = mk1(ps, N_CONFIRM, @1, $2); $$->str = $3; $$->nloc = LOC(@3); }
    | CHOOSE str_lit opt_as '{' arms '}'
        { $$ = mk1(ps, N_CHOOSE, @1, $2); $$->str = $3; $$->nloc = LOC(@3); $$->b = $5.head; }
    | APPROVE str_lit opt_as approve_opts %prec LOWEST
        { $$ = mk1(ps, N_APPROVE, @1, $2); $$->str = $3; $$->nloc = LOC(@3); $$->opts = $4.head; }
    | CHECKLIST str_lit opt_as '{' items '}'
        { $$ = mk1(ps, N_CHECKLIST, @1, $2); $$->str = $3; $$->nloc = LOC(@3); $$->b = $5.head; }
    | WAIT expr opt_reason      { $$ = mk1(ps, N_WAIT, @1, $2); $$->b = $3; }
    | WAIT UNTIL expr wait_opts %prec LOWEST { $$ = mk1(ps, N_WAITUNTIL, @1, $3); $$->opts = $4.head; }
    | RUN expr %prec LOWEST     { $$ = mk1(ps, N_RUN, @1, $2); }
    | RUN expr WITH expr %prec LOWEST { $$ = mk1(ps, N_RUN, @1, $2); $$->b = $4; }
    | ABORT %prec LOWEST        { $$ = mk(ps, N_ABORT, @1); }
    | ABORT expr %prec LOWEST   { $$ = mk1(ps, N_ABORT, @1, $2); }
    | FAIL %prec LOWEST         { $$ = mk(ps, N_FAIL, @1); }
    | FAIL expr %prec LOWEST    { $$ = mk1(ps, N_FAIL, @1, $2); }
    | escalation                { $$ = $1; }
    | every                     { $$ = $1; }
    ;

if_tail
    : %empty                    { $$ = NULL; }
    | ELSE block                { $$ = $2; }
    | ELSE IF expr block if_tail { $$ = mk1(ps, N_IF, @2, $3); $$->b = $4; $$->c = $5; }
    | ELIF expr block if_tail   { $$ = mk1(ps, N_IF, @1, $2); $$->b = $3; $$->c = $4; }
    ;

opt_as
    : %empty %prec LOWEST       { $$ = NULL; }
    | AS anyname                { $$ = $2; }
    | AS str_lit                { $$ = $2->kind == N_STR ? $2->str : NULL;
                                  if (!$$) pstate_error(ps, LOC(@2), "a prompt key cannot be interpolated"); }
    ;

opt_reason
    : %empty %prec LOWEST       { $$ = NULL; }
    | str_lit                   { $$ = $1; }
    ;

wait_opts
    : %empty %prec LOWEST       { $$ = (rb_list){NULL, NULL}; }
    | wait_opts EVERY expr %prec LOWEST   { $$ = list_add($1, opt(ps, @2, "every", $3)); }
    | wait_opts TIMEOUT expr %prec LOWEST { $$ = list_add($1, opt(ps, @2, "timeout", $3)); }
    ;

arms
    : %empty                    { $$ = (rb_list){NULL, NULL}; }
    | arms arm                  { $$ = list_add($1, $2); }
    | arms ','                  { $$ = $1; }
    | arms ';'                  { $$ = $1; }
    | arms error                { $$ = $1; }
    ;

arm
    : str_lit ARROW block       { $$ = mk1(ps, N_ARM, @1, $1); $$->b = $3; }
    ;

items
    : %empty                    { $$ = (rb_list){NULL, NULL}; }
    | items str_lit             { $$ = list_add($1, $2); }
    | items ','                 { $$ = $1; }
    | items ';'                 { $$ = $1; }
    | items error               { $$ = $1; }
    ;

/* ---- strings ---- */

str_lit
    : QQ_START qq_parts QQ_END  { $$ = string_node(ps, @1, $2.head); }
    | SQ_STRING                 { $$ = mk(ps, N_STR, @1); $$->str = $1; }
    | HEREDOC                   { $$ = $1; }
    ;

qq_parts
    : %empty                    { $$ = (rb_list){NULL, NULL}; }
    | qq_parts STR_TEXT         { rb_node *t = mk(ps, N_STR, @2); t->str = $2; $$ = list_add($1, t); }
    | qq_parts INTERP_START expr INTERP_END { $$ = list_add($1, $3); }
    | qq_parts INTERP_START error INTERP_END { $$ = $1; }
    ;

/* ---- expressions ---- */

expr
    : expr OR expr              { $$ = binop(ps, @2, OP_OR, $1, $3); }
    | expr AND expr             { $$ = binop(ps, @2, OP_AND, $1, $3); }
    | NOT expr %prec UNOT       { $$ = unop(ps, @1, OP_NOT, $2); }
    | expr EQ expr              { $$ = binop(ps, @2, OP_EQ, $1, $3); }
    | expr NE expr              { $$ = binop(ps, @2, OP_NE, $1, $3); }
    | expr '<' expr             { $$ = binop(ps, @2, OP_LT, $1, $3); }
    | expr LE expr              { $$ = binop(ps, @2, OP_LE, $1, $3); }
    | expr '>' expr             { $$ = binop(ps, @2, OP_GT, $1, $3); }
    | expr GE expr              { $$ = binop(ps, @2, OP_GE, $1, $3); }
    | expr IN expr              { $$ = binop(ps, @2, OP_IN, $1, $3); }
    | expr COALESCE expr        { $$ = binop(ps, @2, OP_COALESCE, $1, $3); }
    | expr '+' expr             { $$ = binop(ps, @2, OP_ADD, $1, $3); }
    | expr '-' expr             { $$ = binop(ps, @2, OP_SUB, $1, $3); }
    | expr '*' expr             { $$ = binop(ps, @2, OP_MUL, $1, $3); }
    | expr '/' expr             { $$ = binop(ps, @2, OP_DIV, $1, $3); }
    | expr '%' expr             { $$ = binop(ps, @2, OP_MOD, $1, $3); }
    | '-' expr %prec UMINUS     { $$ = unop(ps, @1, OP_NEG, $2); }
    | postfix %prec LOWEST      { $$ = $1; }
    | cmd_expr                  { $$ = $1; }
    ;

/* `sh` and `http` without parentheses: their options follow the command. */
cmd_expr
    : SH str_lit sh_opts %prec LOWEST  { $$ = mk1(ps, N_SH, @1, $2); $$->opts = $3.head; }
    | SH IDENT sh_opts %prec LOWEST
        { rb_node *id = mk(ps, N_IDENT, @2); id->str = $2; id->nloc = LOC(@2); $$ = mk1(ps, N_SH, @1, id); $$->opts = $3.head; }
    | HTTP anyname expr http_opts %prec LOWEST
        { $$ = mk1(ps, N_HTTP, @1, $3); $$->str = $2; $$->nloc = LOC(@2); $$->opts = $4.head; }
    ;

sh_opts
    : %empty %prec LOWEST       { $$ = (rb_list){NULL, NULL}; }
    | sh_opts sh_opt            { $$ = list_add($1, $2); }
    ;

sh_opt
    : TIMEOUT expr %prec LOWEST { $$ = opt(ps, @1, "timeout", $2); }
    | READONLY                  { $$ = opt(ps, @1, "readonly", NULL); }
    | IDEMPOTENT                { $$ = opt(ps, @1, "idempotent", NULL); }
    | ENV expr %prec LOWEST     { $$ = opt(ps, @1, "env", $2); }
    | CWD expr %prec LOWEST     { $$ = opt(ps, @1, "cwd", $2); }
    | ON expr %prec LOWEST      { $$ = opt(ps, @1, "on", $2); }
    | PARALLEL expr %prec LOWEST { $$ = opt(ps, @1, "parallel", $2); }
    | TOLERATE expr %prec LOWEST { $$ = opt(ps, @1, "tolerate", $2); }
    | FAILFAST                  { $$ = opt(ps, @1, "failfast", NULL); }
    ;

/* approve "Q" [by role "R"] [timeout D] [allow_self] */
approve_opts
    : %empty %prec LOWEST       { $$ = (rb_list){NULL, NULL}; }
    | approve_opts approve_opt  { $$ = list_add($1, $2); }
    ;

approve_opt
    : BY ROLE expr %prec LOWEST { $$ = opt(ps, @1, "role", $3); }
    | TIMEOUT expr %prec LOWEST { $$ = opt(ps, @1, "timeout", $2); }
    | ALLOW_SELF                { $$ = opt(ps, @1, "allow_self", NULL); }
    ;

http_opts
    : %empty %prec LOWEST       { $$ = (rb_list){NULL, NULL}; }
    | http_opts http_opt        { $$ = list_add($1, $2); }
    ;

http_opt
    : HEADERS expr %prec LOWEST { $$ = opt(ps, @1, "headers", $2); }
    | JSON expr %prec LOWEST    { $$ = opt(ps, @1, "json", $2); }
    | BODY expr %prec LOWEST    { $$ = opt(ps, @1, "body", $2); }
    | TIMEOUT expr %prec LOWEST { $$ = opt(ps, @1, "timeout", $2); }
    | RETRIES expr %prec LOWEST { $$ = opt(ps, @1, "retries", $2); }
    ;

postfix
    : primary                   { $$ = $1; }
    | postfix '.' anyname       { $$ = member(ps, @3, $1, $3); }
    | postfix '[' expr ']'      { $$ = mk1(ps, N_INDEX, @2, $1); $$->loc = $1->loc; $$->b = $3; deeper(ps, $$, $1, $3); }
    | postfix '(' args ')'      { $$ = mk1(ps, N_CALL, @2, $1); $$->loc = $1->loc; $$->b = $3.head; deeper(ps, $$, $1, NULL); }
    ;

primary
    : NUM                       { $$ = mk(ps, N_NUM, @1); $$->num = $1; }
    | DUR                       { $$ = $1; }
    | SEV                       { $$ = mk(ps, N_SEV, @1); $$->num = $1; }
    | str_lit                   { $$ = $1; }
    | TRUE                      { $$ = mk(ps, N_BOOL, @1); $$->num = 1; }
    | FALSE                     { $$ = mk(ps, N_BOOL, @1); $$->num = 0; }
    | NIL                       { $$ = mk(ps, N_NIL, @1); }
    | ident                     { $$ = mk(ps, N_IDENT, @1); $$->str = $1; $$->nloc = LOC(@1); }
    | '(' expr ')'              { $$ = $2; }
    | '[' list_elems ']'        { $$ = mk1(ps, N_LIST, @1, $2); }
    | '{' map_entries '}'       { $$ = mk1(ps, N_MAP, @1, $2.head); }
    | CONFIRM '(' args ')'      { $$ = call_named(ps, @1, "confirm", @1, $3.head); }
    | CHOOSE '(' args ')'       { $$ = call_named(ps, @1, "choose", @1, $3.head); }
    | CHECKLIST '(' args ')'    { $$ = call_named(ps, @1, "checklist", @1, $3.head); }
    | sh_call                   { $$ = $1; }
    ;

/* sh("cmd", timeout: 5s, readonly: true): the named arguments are the options. */
sh_call
    : SH '(' expr ')'           { $$ = mk1(ps, N_SH, @1, $3); }
    | SH '(' expr ',' args ')'
        {
            $$ = mk1(ps, N_SH, @1, $3);
            rb_list opts = {NULL, NULL};
            for (rb_node *a = $5.head; a; a = a->next) {
                if (a->kind != N_NAMEDARG) {
                    pstate_error(ps, a->loc, "sh(…) takes the command and then named options (timeout: 5s)");
                    continue;
                }
                rb_node *o = opt(ps, @5, a->str, a->a);
                o->loc = a->loc;
                opts = list_add(opts, o);
            }
            $$->opts = opts.head;
        }
    ;

list_elems
    : %empty                    { $$ = NULL; }
    | elems                     { $$ = $1.head; }
    | elems ','                 { $$ = $1.head; }
    ;

elems
    : expr                      { $$ = list_add((rb_list){NULL, NULL}, $1); }
    | elems ',' expr            { $$ = list_add($1, $3); }
    ;

map_entries
    : %empty                    { $$ = (rb_list){NULL, NULL}; }
    | map_entry                 { $$ = list_add((rb_list){NULL, NULL}, $1); }
    | map_entries ',' map_entry { $$ = list_add($1, $3); }
    | map_entries ','           { $$ = $1; }
    ;

map_entry
    : anyname ':' expr          { $$ = mk1(ps, N_PAIR, @1, $3); $$->str = $1; $$->nloc = LOC(@1); }
    | str_lit ':' expr
        {
            $$ = mk1(ps, N_PAIR, @1, $3); $$->nloc = LOC(@1);
            $$->str = $1->kind == N_STR ? $1->str : "";
            if ($1->kind != N_STR) pstate_error(ps, LOC(@1), "a map key cannot be interpolated");
        }
    ;

args
    : %empty                    { $$ = (rb_list){NULL, NULL}; }
    | arg                       { $$ = list_add((rb_list){NULL, NULL}, $1); }
    | args ',' arg              { $$ = list_add($1, $3); }
    | args ','                  { $$ = $1; }
    ;

arg
    : expr                      { $$ = $1; }
    | anyname ':' expr          { $$ = mk1(ps, N_NAMEDARG, @1, $3); $$->str = $1; $$->nloc = LOC(@1); }
    ;

%%

/*
 * Syntax errors read "unexpected X, expecting Y or Z"; X names the token as written
 * (a name shows its text).  An unexpected end of input also says which '{' is open.
 */
/* A token's name for people: keywords and operators in quotes, classes of tokens bare. */
static const char *tok_name(yysymbol_kind_t k, char buf[64])
{
    switch (k) {
    case YYSYMBOL_QQ_START: case YYSYMBOL_SQ_STRING: case YYSYMBOL_STR_TEXT: return "string";
    case YYSYMBOL_QQ_END: return "end of string";
    default: break;
    }
    const char *s = yysymbol_name(k);
    size_t n = strlen(s);
    if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {   /* bison kept the alias's quotes */
        s++;
        n -= 2;
    }
    int quote = (k >= YYSYMBOL_RUNBOOK && k <= YYSYMBOL_COALESCE) || k == YYSYMBOL_INTERP_START;
    snprintf(buf, 64, quote ? "'%.*s'" : "%.*s", (int)(n < 60 ? n : 60), s);
    return buf;
}

static int is_soft(yysymbol_kind_t k)
{
    return k >= YYSYMBOL_AS && k <= YYSYMBOL_BODY;
}

static int yyreport_syntax_error(const yypcontext_t *ctx, yyscan_t scanner, pstate *ps)
{
    char tb[64];
    rb_buf b;
    buf_init(&b);
    yysymbol_kind_t la = yypcontext_token(ctx);
    YYLTYPE *loc = yypcontext_location(ctx);
    lexstate *ls = yyget_extra(scanner);
    if (la == YYSYMBOL_YYEOF) ps->incomplete = 1;   /* the REPL reads another line */
    if (la == YYSYMBOL_YYEOF && ps->eof_explained) {
        buf_free(&b);
        return 0;
    }
    if (la == YYSYMBOL_YYEOF && ps->start_token == START_FILE) {
        buf_adds(&b, "unexpected end of file");
        for (int i = ls->nbraces - 1; i >= 0; i--) {
            if (!ls->braces[i].interp) {
                buf_printf(&b, ": the '{' at %d:%d is never closed", ls->braces[i].at.line,
                           ls->braces[i].at.col);
                break;
            }
        }
    } else if (la == YYSYMBOL_YYEOF) {
        buf_adds(&b, "unexpected end of input");
    } else if (la == YYSYMBOL_IDENT || la == YYSYMBOL_NUM) {
        buf_printf(&b, "unexpected %s '%.40s'", tok_name(la, tb), yyget_text(scanner));
    } else {
        buf_printf(&b, "unexpected %s", tok_name(la, tb));
    }
    /* The tokens that could come next; soft keywords go without saying when a name could. */
    yysymbol_kind_t all[YYNTOKENS], exp[5];
    int nall = yypcontext_expected_tokens(ctx, all, YYNTOKENS), n = 0, want_name = 0;
    for (int i = 0; i < nall; i++) want_name |= all[i] == YYSYMBOL_IDENT;
    for (int i = 0; i < nall && n <= 4; i++)
        if (!(want_name && is_soft(all[i]))) exp[n++] = all[i];
    if (n > 0 && n < 5 && la != YYSYMBOL_YYEOF) {
        const char *names[5];
        int m = 0;
        for (int i = 0; i < n; i++) {
            char nb[64];
            const char *t = tok_name(exp[i], nb);
            int dup = 0;
            for (int j = 0; j < m; j++) dup |= strcmp(names[j], t) == 0;
            if (!dup) names[m++] = arena_strdup(MEM, t);
        }
        for (int i = 0; i < m; i++)
            buf_printf(&b, "%s%s", i == 0 ? ", expecting " : i == m - 1 ? " or " : ", ", names[i]);
    }
    pstate_error(ps, (rb_loc){loc->first_line, loc->first_column}, "%s", buf_cstr(&b));
    buf_free(&b);
    return 0;
}

void yyerror(YYLTYPE *loc, yyscan_t scanner, pstate *ps, const char *msg)
{
    (void)scanner;
    if (strcmp(msg, "memory exhausted") == 0)
        msg = "nesting too deep (more than the parser's limit of nested brackets and blocks)";
    pstate_error(ps, (rb_loc){loc->first_line, loc->first_column}, "%s", msg);
}
