#!/usr/bin/env bash
# A throw-away RabbitMQ cluster on this machine, beside (never joined to) its own broker.
#
#   scripts/rabbit_cluster.sh start     N nodes, started in parallel; nodes 2..N join node 1
#   scripts/rabbit_cluster.sh stop      stop every node and delete its directory
#   scripts/rabbit_cluster.sh kill I    kill -9 node I's Erlang VM (a crash, not a shutdown)
#   scripts/rabbit_cluster.sh boot I    start node I again (it rejoins from its own data)
#   scripts/rabbit_cluster.sh status    cluster_status as node 1 sees it
#
# Node I is ${PREFIX}I@localhost, AMQP on 127.0.0.1:$((AMQP_BASE + I)), Erlang distribution on
# $((DIST_BASE + I)); its data, logs, config and enabled-plugins file live in $DIR/nodeI. The
# nodes share the Erlang cookie of the machine's broker (run as the `rabbitmq` user when this
# runs as root, so the cookie is never copied), which is what lets `rabbitmqctl -n` reach them.
# The machine's own node (rabbit@localhost, port 5672) is never stopped, reset or joined.
# Every node enables rabbitmq_consistent_hash_exchange.
#
# Settings (environment): HUB_CLUSTER_DIR (default /tmp/hub-rabbit-cluster),
# HUB_CLUSTER_NODES (3), HUB_CLUSTER_PREFIX (hubc), HUB_CLUSTER_AMQP_BASE (5700),
# HUB_CLUSTER_DIST_BASE (25700), HUB_CLUSTER_TIMEOUT (seconds to wait for a node, 120).
set -euo pipefail

DIR=${HUB_CLUSTER_DIR:-/tmp/hub-rabbit-cluster}
NODES=${HUB_CLUSTER_NODES:-3}
PREFIX=${HUB_CLUSTER_PREFIX:-hubc}
AMQP_BASE=${HUB_CLUSTER_AMQP_BASE:-5700}
DIST_BASE=${HUB_CLUSTER_DIST_BASE:-25700}
TIMEOUT=${HUB_CLUSTER_TIMEOUT:-120}
SBIN=/usr/lib/rabbitmq/bin
[ -x "$SBIN/rabbitmq-server" ] || SBIN=$(dirname "$(command -v rabbitmq-server)")

node() { echo "${PREFIX}$1@localhost"; }

log() { echo "rabbit_cluster: $*" >&2; }

# As root, the nodes run as `rabbitmq` with its home (its cookie); otherwise as the caller.
as_broker_user() {
    if [ "$(id -u)" = 0 ] && id -u rabbitmq >/dev/null 2>&1; then
        local home
        home=$(getent passwd rabbitmq | cut -d: -f6)
        runuser -u rabbitmq -- env HOME="$home" "$@"
    else
        "$@"
    fi
}

ctl() { as_broker_user "$SBIN/rabbitmqctl" -q "$@"; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pid_of() { cat "$DIR/node$1/pid" 2>/dev/null || true; }

boot() {
    local i=$1 d="$DIR/node$1"
    if port_open $((AMQP_BASE + i)); then
        log "port $((AMQP_BASE + i)) is taken: is a cluster already running? ($0 stop)"
        return 1
    fi
    as_broker_user env \
        RABBITMQ_NODENAME="$(node "$i")" \
        RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
        RABBITMQ_NODE_PORT=$((AMQP_BASE + i)) \
        RABBITMQ_DIST_PORT=$((DIST_BASE + i)) \
        RABBITMQ_CONFIG_FILE="$d/rabbitmq.conf" \
        RABBITMQ_ADVANCED_CONFIG_FILE="$d/advanced.config" \
        RABBITMQ_ENABLED_PLUGINS_FILE="$d/enabled_plugins" \
        RABBITMQ_MNESIA_BASE="$d/mnesia" \
        RABBITMQ_LOG_BASE="$d/log" \
        RABBITMQ_PID_FILE="$d/pid" \
        "$SBIN/rabbitmq-server" >>"$d/console.log" 2>&1 </dev/null &
}

await() {
    # `wait` waits for the pid file, then for the node to boot (await_startup alone fails
    # at once while the node is not registered with epmd yet)
    if ! ctl -n "$(node "$1")" wait "$DIR/node$1/pid" --timeout "$TIMEOUT" >/dev/null; then
        log "$(node "$1") did not start; see $DIR/node$1/console.log and log/"
        tail -n 20 "$DIR/node$1/console.log" >&2 || true
        return 1
    fi
}

prepare() {
    local i=$1 d="$DIR/node$1"
    mkdir -p "$d/mnesia" "$d/log"
    cat >"$d/rabbitmq.conf" <<EOF
listeners.tcp.local = 127.0.0.1:$((AMQP_BASE + i))
loopback_users.guest = true
log.file.level = info
EOF
    echo "[]." >"$d/advanced.config"
    echo "[rabbitmq_consistent_hash_exchange]." >"$d/enabled_plugins"
}

start() {
    local i pids=()
    if [ -e "$DIR" ]; then
        log "$DIR exists: stopping what is left of an earlier cluster first"
        stop
    fi
    for i in $(seq 1 "$NODES"); do prepare "$i"; done
    if [ "$(id -u)" = 0 ] && id -u rabbitmq >/dev/null 2>&1; then
        chown -R rabbitmq:rabbitmq "$DIR"
    fi
    for i in $(seq 1 "$NODES"); do boot "$i"; done
    for i in $(seq 1 "$NODES"); do await "$i" & pids+=($!); done
    for p in "${pids[@]}"; do wait "$p"; done
    # stop_app and start_app in parallel; join_cluster one node at a time (two nodes joining
    # at once can abort each other's schema change), and once more after a failure
    pids=()
    for i in $(seq 2 "$NODES"); do ctl -n "$(node "$i")" stop_app >/dev/null & pids+=($!); done
    for p in "${pids[@]}"; do wait "$p"; done
    for i in $(seq 2 "$NODES"); do
        ctl -n "$(node "$i")" join_cluster "$(node 1)" >/dev/null ||
            { sleep 1; ctl -n "$(node "$i")" join_cluster "$(node 1)" >/dev/null; }
    done
    pids=()
    for i in $(seq 2 "$NODES"); do ctl -n "$(node "$i")" start_app >/dev/null & pids+=($!); done
    for p in "${pids[@]}"; do wait "$p"; done
    local running
    running=$(ctl -n "$(node 1)" cluster_status --formatter json |
        grep -o '"running_nodes":\[[^]]*\]')
    for i in $(seq 1 "$NODES"); do
        case "$running" in
        *"\"$(node "$i")\""*) ;;
        *) log "$(node "$i") is not running in the cluster: $running"; return 1 ;;
        esac
    done
    log "cluster of $NODES up: $(node 1)..$(node "$NODES"), AMQP $((AMQP_BASE + 1))-$((AMQP_BASE + NODES))"
}

kill9() {
    local pid
    pid=$(pid_of "$1")
    [ -n "$pid" ] || { log "no pid for $(node "$1")"; return 1; }
    kill -9 "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    rm -f "$DIR/node$1/pid"
}

stop() {
    local i pid pids=()
    # read every pid first: a node deletes its pid file as soon as it begins to stop
    for i in $(seq 1 "$NODES"); do
        pid=$(pid_of "$i")
        [ -n "$pid" ] && pids+=("$pid")
    done
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do
        for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    done
    case "$DIR" in
    /tmp/* | /var/tmp/*) rm -rf "$DIR" ;;
    *) log "left $DIR in place (only a directory under /tmp is deleted)" ;;
    esac
}

case "${1:-}" in
start) start ;;
stop) stop ;;
kill) kill9 "$2" ;;
boot) boot "$2" && await "$2" ;;
status) ctl -n "$(node 1)" cluster_status ;;
*)
    echo "usage: $0 start|stop|status|kill I|boot I" >&2
    exit 2
    ;;
esac
