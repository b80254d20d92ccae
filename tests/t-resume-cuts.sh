#!/bin/sh
# tests/t-resume-cuts.sh — the resume property of t-resume-prop.sh without the timing: each
# case runs to its end, its record is cut after a drawn event (as if the kill came right
# after that commit), the run is marked interrupted and resumed non-interactively; it must
# end as the uninterrupted run did and `replay --verify` must pass.  40 cuts (LONG=1: 200);
# SEED=S re-runs the same draws.
CUTS=1 exec sh "$(dirname "$0")/t-resume-prop.sh"
