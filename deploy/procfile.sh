#!/bin/sh
# The container image's entrypoint: runs one process of the Procfile by its name, its line as the Procfile
# has it (${NAME:-default} from the container's environment), in place of this shell so that it gets the
# signals. The Procfile stays the one place that says how each process starts (docs/decisions/0086).
#
#   deploy/procfile.sh web|worker|beat|release
#   PROCFILE_PRINT=1 deploy/procfile.sh web     # print the command's words, one a line, and run nothing
set -eu
process=${1:?name a process of the Procfile: web, worker, beat or release}
cd "$(dirname "$0")/.."  # the Procfile names the project's files from its folder, as foreman does
procfile=Procfile
line=$(grep -m1 "^${process}:" "$procfile") || {
  echo "procfile: the Procfile has no ${process}: line" >&2
  exit 64
}
eval "set -- ${line#*:}"
if [ -n "${PROCFILE_PRINT:-}" ]; then
  printf '%s\n' "$@"
  exit 0
fi
exec "$@"
