/*
 * dbfile.h — the recording database as a file: where it may live, and whether the file
 * SQLite writes is still the one at its path.
 *
 * record.c calls these around SQLite (which never sees a path these have not checked).
 * The rules, documented in docs/recording.md:
 *   - the database's directory belongs to you (or root) and is not writable by group or
 *     others; it is created (mode 0700, with its parents) only when a run records;
 *   - the database is a regular file, opened without following a symbolic link (a link
 *     planted at runs.db is refused, not followed), owned by you, not writable by group or
 *     others; it is created (mode 0600) only when a run records;
 *   - before each commit, one stat: a file deleted or replaced at the path stops the run
 *     (exit 3) rather than recording into a file nobody will find.
 */
#ifndef RB_DBFILE_H
#define RB_DBFILE_H

#include <stddef.h>
#include <sys/types.h>
#include "record.h"

typedef struct db_ident {
    dev_t dev;
    ino_t ino;
    int ro_fs;      /* the file is on a read-only file system (nobody can write it) */
} db_ident;

/* Check (and for REC_CREATE make) the directory and the file before SQLite opens it; sets
 * *id to the file's identity.  0, or -1 with a message for people in msg. */
int dbfile_prepare(const char *path, rec_mode mode, db_ident *id, char *msg, size_t msglen);

/* Is the file at path still *id?  0, or -1 with why (deleted, replaced) in msg. */
int dbfile_same(const char *path, const db_ident *id, char *msg, size_t msglen);

/* A WAL database on a read-only file system cannot be opened the ordinary way (SQLite would
 * create its -shm file there); nobody can write it, so readers open it as immutable: the
 * SQLite URI "file:PATH?immutable=1", PATH percent-encoded.  malloc'd (rb_free). */
char *dbfile_immutable_uri(const char *path);

#endif
