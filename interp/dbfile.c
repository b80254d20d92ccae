/*
 * dbfile.c — the recording database as a file: its directory and file checked before
 * SQLite opens it (ownership, permissions, no symbolic link, a regular file), created
 * with modes 0700/0600 when a run records, and its identity (device, inode) compared with
 * the path before each commit.  Only stat/open/mkdir here: SQLite is record.c's.
 *
 * Never open and close the database file once SQLite has it open: closing any descriptor
 * of a file drops the process's POSIX locks on it, SQLite's included.  Hence stat only in
 * dbfile_same.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include "dbfile.h"
#include "util.h"

typedef struct ctx {
    const char *path;
    char *msg;
    size_t msglen;
} ctx;

__attribute__((format(printf, 2, 3)))
static int fail(ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->msg, c->msglen, fmt, ap);
    va_end(ap);
    return -1;
}

/* The directory part of path ("." or "/" when it has none), malloc'd. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) return rb_xstrdup(".");
    if (slash == path) return rb_xstrdup("/");
    return rb_xstrndup(path, (size_t)(slash - path));
}

/* mkdir -p of the path's parent directories, mode 0700 for those created. */
static int make_parents(ctx *c)
{
    char *dir = rb_xstrdup(c->path);
    int rc = 0;
    for (char *p = dir + 1; *p && rc == 0; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
            rc = fail(c, "%s: cannot create directory %s: %s", c->path, dir, strerror(errno));
        *p = '/';
    }
    rb_free(dir);
    return rc;
}

static int read_only_fs(ctx *c, const char *what)
{
    return fail(c, "%s: %s is on a read-only file system; the recording database must be writable "
                "(give another place with --db PATH or RUNBOOK_DB)", c->path, what);
}

/* Whose a file is and who may write it: what a record that others could edit would need. */
static int check_trust(ctx *c, const struct stat *st, const char *what, const char *name, int root_ok)
{
    uid_t me = geteuid();
    if (st->st_uid != me && !(root_ok && st->st_uid == 0))
        return fail(c, "%s: refusing the %s %s: it is owned by uid %ld, not by you (uid %ld); a record "
                    "must be one only you can change", c->path, what, name, (long)st->st_uid, (long)me);
    if (st->st_mode & (S_IWGRP | S_IWOTH))
        return fail(c, "%s: refusing the %s %s: it is writable by %s (mode %04o); make it yours alone "
                    "(chmod go-w %s) or use another --db", c->path, what, name,
                    (st->st_mode & S_IWOTH) ? "everyone" : "its group", (unsigned)(st->st_mode & 07777), name);
    return 0;
}

/* The directory: it exists (else there is no database in it), is trusted, and (to write)
 * is writable: SQLite creates the -wal and -shm files beside the database. */
static int check_dir(ctx *c, rec_mode mode)
{
    char *dir = dir_of(c->path);
    struct stat st;
    int rc = 0;
    if (stat(dir, &st) < 0) {
        rc = errno == ENOENT && mode != REC_CREATE
                 ? fail(c, "%s: no recording database there (directory %s does not exist; use --db PATH or "
                        "RUNBOOK_DB)", c->path, dir)
                 : fail(c, "%s: directory %s: %s", c->path, dir, strerror(errno));
    } else if (!S_ISDIR(st.st_mode)) {
        rc = fail(c, "%s: %s is not a directory", c->path, dir);
    } else {
        rc = check_trust(c, &st, "directory", dir, 1);
    }
    if (rc == 0 && mode != REC_READONLY && faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) < 0)
        rc = errno == EROFS ? read_only_fs(c, dir)
                            : fail(c, "%s: directory %s is not writable (%s); the recording database needs it",
                                   c->path, dir, strerror(errno));
    rb_free(dir);
    return rc;
}

/* Open the file itself without following a symbolic link (creating it, mode 0600, for
 * REC_CREATE); -1 after a message. */
static int open_file(ctx *c, rec_mode mode, int *created)
{
    int flags = (mode == REC_READONLY ? O_RDONLY : O_RDWR) | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
    int fd = -1;
    *created = 0;
    if (mode == REC_CREATE) {
        fd = open(c->path, flags | O_CREAT | O_EXCL, 0600);
        if (fd >= 0) *created = 1;
        else if (errno != EEXIST) fd = -2;
    }
    if (fd == -1) fd = open(c->path, flags);
    if (fd >= 0) return fd;
    int e = errno;
    struct stat st;
    if (e == ELOOP || (lstat(c->path, &st) == 0 && S_ISLNK(st.st_mode)))
        return fail(c, "%s: refusing the database: it is a symbolic link, and runbook does not follow one there "
                    "(give the real file with --db PATH)", c->path);
    if (e == ENOENT && mode != REC_CREATE)
        return fail(c, "%s: no recording database there (nothing has been recorded to it; use --db PATH or "
                    "RUNBOOK_DB)", c->path);
    if (e == EROFS) return read_only_fs(c, "the database");
    return fail(c, "%s: cannot open%s: %s", c->path, mode == REC_READONLY ? "" : " for writing", strerror(e));
}

static int check_file(ctx *c, rec_mode mode, db_ident *id)
{
    int created;
    int fd = open_file(c, mode, &created);
    if (fd < 0) return -1;
    struct stat st;
    int rc = 0;
    if (created && fchmod(fd, 0600) < 0)   /* the umask must not widen or narrow it */
        rc = fail(c, "%s: cannot set mode 0600: %s", c->path, strerror(errno));
    else if (fstat(fd, &st) < 0)
        rc = fail(c, "%s: %s", c->path, strerror(errno));
    else if (!S_ISREG(st.st_mode))
        rc = fail(c, "%s: refusing the database: it is not a regular file", c->path);
    else
        rc = check_trust(c, &st, "database", c->path, 0);
    if (rc == 0) {
        struct statvfs vfs;
        id->dev = st.st_dev;
        id->ino = st.st_ino;
        id->ro_fs = fstatvfs(fd, &vfs) == 0 && (vfs.f_flag & ST_RDONLY);
    }
    close(fd);   /* before SQLite opens the file: see the note at the top */
    return rc;
}

int dbfile_prepare(const char *path, rec_mode mode, db_ident *id, char *msg, size_t msglen)
{
    ctx c = {path, msg, msglen};
    if (!path || !*path) return fail(&c, "no recording database path given");
    if (mode == REC_CREATE && make_parents(&c) < 0) return -1;
    if (check_dir(&c, mode) < 0) return -1;
    return check_file(&c, mode, id);
}

int dbfile_same(const char *path, const db_ident *id, char *msg, size_t msglen)
{
    ctx c = {path, msg, msglen};
    struct stat st;
    if (stat(path, &st) < 0) {
        if (errno == ENOENT)
            return fail(&c, "%s: the database file was deleted while runbook was recording to it (what "
                        "this run recorded went with it)", path);
        return fail(&c, "%s: cannot check the database file: %s", path, strerror(errno));
    }
    if (st.st_dev != id->dev || st.st_ino != id->ino)
        return fail(&c, "%s: the database file was replaced by another file while runbook was recording "
                    "to it", path);
    return 0;
}

char *dbfile_immutable_uri(const char *path)
{
    rb_buf b;
    buf_init(&b);
    buf_adds(&b, "file:");
    for (const unsigned char *c = (const unsigned char *)path; *c; c++) {
        if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || strchr("/-._~", *c))
            buf_addc(&b, (char)*c);
        else
            buf_printf(&b, "%%%02X", *c);
    }
    buf_adds(&b, "?immutable=1");
    return buf_take(&b);
}
