#!/bin/sh
# The image's entrypoint (deploy/docker/Dockerfile). Its first argument says what the container runs:
#   <process>       a process of the topology (packages/contracts/src/topology.ts): registry, identity,
#                   catalog, …, gateway; it runs services/<process>/src/main.ts, as `mercato up` does
#   setup <step>    one of compose's one-shot steps (deploy/docker/setup.ts): secrets, databases, seed
#   mercato <args>  the mercato command (packages/cli/src/bin.ts), e.g. `mercato seed --products 100000`
#   anything else   runs as given (`node …`, `sh`), so a manifest's own command works as usual
set -eu

# <VARIABLE>_FILE=/path makes the file's content <VARIABLE>, unless <VARIABLE> is already set: secrets
# arrive as files (compose's state volume, Kubernetes Secret volumes), never in the image nor in
# `docker inspect`. Only the platform's own variables (CONVENTIONS.md: MERCATO_*, DATABASE_URL and
# <SERVICE>_DATABASE_URL, NATS_URL, REDIS_URL, the service-client lists) and PGPASSWORD: a variable
# such as SSL_CERT_FILE keeps its own meaning. A named file that cannot be read stops the container.
platform_variable='^\(MERCATO_[A-Z0-9_]*\|\([A-Z][A-Z0-9_]*_\)\{0,1\}DATABASE_URL\|[A-Z]*_SERVICE_CLIENTS\|NATS_URL\|REDIS_URL\|PGPASSWORD\)'
for variable in $(env | sed -n "s/${platform_variable}_FILE=.*\$/\1/p"); do
  eval "file=\${${variable}_FILE}"
  eval "current=\${${variable}:-}"
  if [ -z "$current" ]; then
    if [ ! -r "$file" ]; then
      echo "mercato: ${variable}_FILE names $file, which cannot be read (has the setup run?)" >&2
      exit 1
    fi
    value=$(cat "$file")
    export "$variable=$value"
  fi
  unset "${variable}_FILE"
done

case "${1:-}" in
  '')
    echo "mercato: name a process to run (e.g. catalog), 'setup <step>' or 'mercato <command>'" >&2
    exit 64
    ;;
  setup)
    shift
    exec node deploy/docker/setup.ts "$@"
    ;;
  mercato)
    shift
    exec node packages/cli/src/bin.ts "$@"
    ;;
  *[!a-z0-9-]*) ;;
  *)
    if [ -f "services/$1/src/main.ts" ]; then
      main="services/$1/src/main.ts"
      shift
      exec node "$main" "$@"
    fi
    ;;
esac
exec "$@"
