/*
 * review.h — `runbook report RUN --format review`: the post-incident review pack.
 */
#ifndef RB_REVIEW_H
#define RB_REVIEW_H

struct recorder;

/* Write the review pack of run `spec` ("last", a run id or an incident id) on stdout,
 * read from the open recorder r (not closed here).  Returns 0, 1 when stdout cannot be
 * written, 2 for an unknown run, 3 when the record cannot be read. */
int report_review(struct recorder *r, const char *spec);

#endif
