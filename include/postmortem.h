/*
 * postmortem.h — the Markdown post-mortem draft of `runbook report` (interp/postmortem.c).
 */
#ifndef RB_POSTMORTEM_H
#define RB_POSTMORTEM_H

#include <jansson.h>
#include "record.h"

/* Write the draft of run (rec_run_json's object, borrowed) on stdout, reading its events
 * from rec as it goes.  EXIT_OK, EXIT_FAILED when stdout cannot be written, EXIT_DB when
 * the record cannot be read (message on stderr). */
int report_md(recorder *rec, json_t *run);

#endif
