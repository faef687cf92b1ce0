#!/bin/sh
# One-shot step of docker-compose.yml: create pressrun's Temporal namespace and its custom
# search attributes, then wait until the server accepts queries on them. Safe to run again.
#
#   TEMPORAL_ADDRESS             the server's frontend, e.g. temporal:7233
#   TEMPORAL_NAMESPACE           the namespace to create
#   TEMPORAL_NAMESPACE_RETENTION how long closed workflows are kept, e.g. 7d (on creation only)
#   SEARCH_ATTRIBUTES            space-separated Name=Type pairs, e.g. "SiteId=Keyword"
set -eu

: "${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS is required}"
: "${TEMPORAL_NAMESPACE:?TEMPORAL_NAMESPACE is required}"
: "${SEARCH_ATTRIBUTES:?SEARCH_ATTRIBUTES is required}"
RETENTION="${TEMPORAL_NAMESPACE_RETENTION:-7d}"
ATTEMPTS="${SETUP_ATTEMPTS:-90}"
NS="$TEMPORAL_NAMESPACE"

# wait_for DESCRIPTION COMMAND...: retry COMMAND every 2 seconds, ATTEMPTS times at most.
wait_for() {
  what=$1
  shift
  n=1
  until "$@" >/dev/null 2>&1; do
    if [ "$n" -ge "$ATTEMPTS" ]; then
      echo "gave up waiting for $what after $n attempts; last try said:" >&2
      "$@" >&2 || true
      return 1
    fi
    n=$((n + 1))
    sleep 2
  done
}

echo "waiting for the Temporal server at $TEMPORAL_ADDRESS ..."
wait_for "the Temporal server" temporal operator cluster health

if temporal operator namespace describe --namespace "$NS" >/dev/null 2>&1; then
  echo "namespace $NS exists"
else
  echo "creating namespace $NS (retention $RETENTION)"
  temporal operator namespace create --namespace "$NS" --retention "$RETENTION"
fi
# A new namespace is visible to every part of the server once its cache refreshes.
wait_for "namespace $NS" temporal operator search-attribute list --namespace "$NS"

query=""
for pair in $SEARCH_ATTRIBUTES; do
  name=${pair%%=*}
  type=${pair#*=}
  if temporal operator search-attribute list --namespace "$NS" |
    grep -Eq "^[[:space:]]*${name}[[:space:]]+${type}[[:space:]]*\$"; then
    echo "search attribute $name ($type) exists"
  else
    echo "creating search attribute $name ($type)"
    temporal operator search-attribute create --namespace "$NS" --name "$name" --type "$type"
  fi
  if [ "$type" = "Keyword" ]; then
    query="${query:+$query AND }$name = \"0\""
  fi
done

# Workflows can set the attributes once the server's cache has them: wait for a query on them.
if [ -n "$query" ]; then
  wait_for "the search attributes" \
    temporal workflow list --namespace "$NS" --limit 1 --query "$query"
fi
echo "namespace $NS is ready"
