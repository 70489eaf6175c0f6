#!/usr/bin/env bash
# The integrator's fence, set up with rabbitmqctl on a broker node (the management plugin is not needed):
#   - a user whose password comes from OFFCAMPUS_INTEGRATOR_PASSWORD (or, unset, the first line of standard
#     input) at deploy time: it is passed to rabbitmqctl on its standard input, never on a command line, and
#     nothing here or in definitions.json holds it;
#   - permissions: configure and write only `integrator.*` (declare, bind, delete its own queues), read only
#     `integrator.*` and the events exchange (bind from it, consume its own queues): it cannot publish to the
#     exchange, nor read, bind, purge or delete a service's queue;
#   - a policy bounding `integrator.*` queues (max length, dropping the oldest, a message TTL, expiry when
#     unused) and user limits bounding its connections and channels.
# Re-running it updates everything (a new password rotates it). docs/operations.md shows how to run it in
# a RabbitmqCluster pod; tests/integration/ops/test_integrator_fence.py proves each rule with real connections.
set -euo pipefail

user=${OFFCAMPUS_INTEGRATOR_USER:-integrator}
vhost=${OFFCAMPUS_RABBITMQ_VHOST:-/}
namespace=${OFFCAMPUS_BUS_NAMESPACE:-offcampus}
max_length=${OFFCAMPUS_INTEGRATOR_MAX_LENGTH:-100000}
message_ttl_ms=${OFFCAMPUS_INTEGRATOR_MESSAGE_TTL_MS:-604800000}  # 7 days
expires_ms=${OFFCAMPUS_INTEGRATOR_QUEUE_EXPIRES_MS:-1209600000}  # unused for 14 days: deleted
max_connections=${OFFCAMPUS_INTEGRATOR_MAX_CONNECTIONS:-10}
max_channels=${OFFCAMPUS_INTEGRATOR_MAX_CHANNELS:-50}
ctl=${RABBITMQCTL:-rabbitmqctl}

password=${OFFCAMPUS_INTEGRATOR_PASSWORD:-}
if [ -z "$password" ]; then
  IFS= read -r password || true
fi
if [ -z "$password" ]; then
  echo "integrator.sh: set OFFCAMPUS_INTEGRATOR_PASSWORD (or give the password on standard input)" >&2
  exit 2
fi

if "$ctl" -q list_users --no-table-headers | cut -f1 | grep -qxF "$user"; then
  printf '%s\n' "$password" | "$ctl" -q change_password "$user" >/dev/null
else
  printf '%s\n' "$password" | "$ctl" -q add_user "$user" >/dev/null
fi
"$ctl" -q set_user_tags "$user"  # no management or policy rights

exchange="${namespace//./\\.}\\.events"
"$ctl" -q set_permissions -p "$vhost" "$user" '^integrator\..*' '^integrator\..*' "^(integrator\\..*|${exchange})\$"
"$ctl" -q set_user_limits "$user" "{\"max-connections\": ${max_connections}, \"max-channels\": ${max_channels}}"
# drop-head (the default overflow), never reject-publish: a full integrator queue must not refuse the
# services' own publishes to the exchange, which would stall every outbox.
"$ctl" -q set_policy -p "$vhost" --apply-to queues --priority 10 offcampus-integrator-queues '^integrator\.' \
  "{\"max-length\": ${max_length}, \"overflow\": \"drop-head\", \"message-ttl\": ${message_ttl_ms}, \"expires\": ${expires_ms}}"
echo "integrator.sh: ${user} fenced to integrator.* on vhost ${vhost}, reading ${namespace}.events"
