#!/usr/bin/env bash
# Make sure PostgreSQL and RabbitMQ are running; start them when installed but stopped.
# Under CI=true a service that cannot be had fails the run (tests must not silently skip).
set -u

pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
rabbit_up() { timeout 5 bash -c '</dev/tcp/127.0.0.1/5672' 2>/dev/null; }

start_pg() {
  command -v pg_ctlcluster >/dev/null || return 1
  local version
  version=$(ls /etc/postgresql 2>/dev/null | head -n1)
  [ -n "$version" ] || return 1
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do pg_up && return 0; sleep 1; done
  return 1
}

start_rabbit() {
  command -v rabbitmq-server >/dev/null || return 1
  rabbitmq-server -detached || true
  for _ in $(seq 1 60); do rabbit_up && rabbitmqctl -q await_startup >/dev/null 2>&1 && return 0; sleep 1; done
  return 1
}

status=0
if ! pg_up; then
  echo "PostgreSQL is not running; starting it" >&2
  start_pg || { echo "PostgreSQL could not be started" >&2; status=1; }
fi
if ! rabbit_up; then
  echo "RabbitMQ is not running; starting it" >&2
  start_rabbit || { echo "RabbitMQ could not be started" >&2; status=1; }
fi
# inbound partitions need the consistent-hash exchange (bundled with RabbitMQ, off by default);
# enabling an enabled plugin is a no-op
if rabbit_up; then
  if ! rabbitmq-plugins list -e -m 2>/dev/null | grep -qx rabbitmq_consistent_hash_exchange; then
    echo "enabling rabbitmq_consistent_hash_exchange" >&2
    rabbitmq-plugins enable rabbitmq_consistent_hash_exchange >/dev/null ||
      { echo "rabbitmq_consistent_hash_exchange could not be enabled" >&2; status=1; }
  fi
fi
if [ "$status" -ne 0 ] && [ "${CI:-}" = "true" ]; then
  echo "required services are missing under CI=true: failing" >&2
  exit 1
fi
exit 0
