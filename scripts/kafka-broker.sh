#!/usr/bin/env bash
# A real single-node Apache Kafka 3.9.1 broker (KRaft, broker+controller in one JVM) for development
# and tests, without Docker. Needs java 17 and, for the first `fetch`, mvn with access to Maven Central.
#
#   bash scripts/kafka-broker.sh fetch      gather the broker's jars into .cache/kafka/lib (once)
#   bash scripts/kafka-broker.sh start [--dir D] [--port P] [--controller-port C]
#                                           prints KAFKA_BROKERS=127.0.0.1:<port> when the port accepts connections
#   bash scripts/kafka-broker.sh stop [--dir D]     SIGTERM, SIGKILL after 20 s; keeps the data in D/data
#   bash scripts/kafka-broker.sh status [--dir D]   exit 0 when running, 3 when not
#
# D defaults to .cache/kafka/run; the jars live in $FLEETSCOPE_KAFKA_HOME/lib (default .cache/kafka/lib).
# D holds server.properties, log4j.properties, cluster.id, broker.pid, broker.out (stdout/stderr),
# kafka.log (WARN and above), format.log and data/ (the log.dirs). Only KAFKA_BROKERS=... goes to stdout.
# Config: /work/shared/reference/storage.md §4.4.
set -euo pipefail

readonly REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly KAFKA_HOME="${FLEETSCOPE_KAFKA_HOME:-$REPO_ROOT/.cache/kafka}"
readonly LIB_DIR="$KAFKA_HOME/lib"
readonly POM="$REPO_ROOT/scripts/kafka/pom.xml"
readonly DEFAULT_DIR="$REPO_ROOT/.cache/kafka/run"
readonly DEFAULT_PORT=19092
readonly DEFAULT_CONTROLLER_PORT=19093
readonly START_TIMEOUT_S=60
readonly STOP_GRACE_S=20
readonly HEAP_OPTS=(-Xms256m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1)

log() { echo "kafka-broker: $*" >&2; }
fail() {
  log "$*"
  exit 1
}

usage() {
  cat >&2 <<'EOF'
usage: kafka-broker.sh fetch
       kafka-broker.sh start [--dir D] [--port P] [--controller-port C]
       kafka-broker.sh stop [--dir D]
       kafka-broker.sh status [--dir D]
EOF
  exit 2
}

# ---------------------------------------------------------------------------------------------- fetch

have_jars() { compgen -G "$LIB_DIR/kafka_2.13-*.jar" >/dev/null; }

fetch() {
  have_jars && return 0
  command -v mvn >/dev/null || fail "mvn not found: needed once to download the broker's jars into $LIB_DIR"
  mkdir -p "$KAFKA_HOME"
  # Gather into a private directory and rename it into place, so an interrupted or concurrent fetch
  # never leaves a lib/ that has the kafka jar but misses others.
  local tmp="$KAFKA_HOME/lib.partial.$$"
  rm -rf "$tmp"
  log "downloading Kafka 3.9.1 jars from Maven Central into $LIB_DIR"
  # (Maven 3.8 prints bare colour resets even with -B; they are filtered out.)
  if ! mvn -q -B -f "$POM" dependency:copy-dependencies -DoutputDirectory="$tmp" -DincludeScope=runtime 2>&1 |
    sed -e 's/\x1b\[[0-9;]*m//g' -e '/^[[:space:]]*$/d' >&2; then
    rm -rf "$tmp"
    fail "mvn dependency:copy-dependencies failed"
  fi
  compgen -G "$tmp/kafka_2.13-*.jar" >/dev/null || { rm -rf "$tmp"; fail "mvn ran but kafka_2.13 jar is missing"; }
  if ! mv -T "$tmp" "$LIB_DIR" 2>/dev/null; then
    rm -rf "$tmp" # another fetch won the race
    have_jars || fail "could not move $tmp to $LIB_DIR"
  fi
}

# ---------------------------------------------------------------------------------------------- ports

# True when nothing can be listening on 127.0.0.1:$1 for us, i.e. we could bind it.
port_free() {
  local port="$1"
  if command -v node >/dev/null; then
    node -e '
      const s = require("net").createServer();
      s.once("error", () => process.exit(1));
      s.listen(Number(process.argv[1]), "127.0.0.1", () => s.close(() => process.exit(0)));
    ' "$port"
  else
    ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
  fi
}

# True when 127.0.0.1:$1 accepts TCP connections.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Prints $1 distinct free ports, one a line.
free_ports() {
  local n="$1"
  if command -v node >/dev/null; then
    node -e '
      const net = require("net");
      const n = Number(process.argv[1]);
      const servers = [];
      const next = () => {
        if (servers.length === n) {
          console.log(servers.map((s) => s.address().port).join("\n"));
          servers.forEach((s) => s.close());
          return;
        }
        const s = net.createServer();
        s.listen(0, "127.0.0.1", () => { servers.push(s); next(); });
      };
      next();
    ' "$n"
  else
    local found=() p
    while ((${#found[@]} < n)); do
      p=$((20000 + RANDOM % 30000))
      [[ " ${found[*]} " == *" $p "* ]] && continue
      port_free "$p" && found+=("$p")
    done
    printf '%s\n' "${found[@]}"
  fi
}

# ---------------------------------------------------------------------------------------------- pid

# The broker's pid from D/broker.pid when that process is alive and is a kafka.Kafka JVM.
live_pid() {
  local dir="$1" pid state
  [[ -f "$dir/broker.pid" ]] || return 1
  pid="$(<"$dir/broker.pid")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [[ -r "/proc/$pid/stat" ]]; then
    # a zombie (not reaped by its parent) is not a running broker
    state="$(sed -E 's/^.*\) ([A-Za-z]).*$/\1/' "/proc/$pid/stat" 2>/dev/null || true)"
    [[ "$state" == Z ]] && return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka' || return 1
  fi
  echo "$pid"
}

prop() { sed -n "s/^$2=//p" "$1/server.properties" 2>/dev/null | tail -n 1; }
broker_port() { prop "$1" listeners | sed -E 's/^.*PLAINTEXT:\/\/127\.0\.0\.1:([0-9]+).*$/\1/'; }

show_logs() {
  local dir="$1" f
  for f in format.log broker.out kafka.log; do
    [[ -s "$dir/$f" ]] || continue
    echo "---- last lines of $dir/$f" >&2
    tail -n 40 "$dir/$f" >&2
  done
}

# ---------------------------------------------------------------------------------------------- start

new_cluster_id() {
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ ${#id} -eq 22 && "$id" != -* ]] && break
  done
  echo "$id"
}

write_config() {
  local dir="$1" port="$2" cport="$3"
  cat >"$dir/server.properties" <<EOF
# Single-node KRaft broker for development and tests, written by scripts/kafka-broker.sh.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
num.partitions=3
auto.create.topics.enable=false
# defaults are 50 partitions x RF 3 for internal topics and a 3 s join delay: slow in tests
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=2
num.recovery.threads.per.data.dir=1
log.retention.check.interval.ms=300000
EOF
  cat >"$dir/log4j.properties" <<EOF
# WARN and above into $dir/kafka.log; the line saying the server started is kept too.
log4j.rootLogger=WARN, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$dir/kafka.log
log4j.appender.file.Append=true
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaRaftServer=INFO
EOF
}

start() {
  local dir="$DEFAULT_DIR" port="" cport=""
  while (($#)); do
    case "$1" in
      --dir) dir="${2:?--dir needs a value}"; shift 2 ;;
      --port) port="${2:?--port needs a value}"; shift 2 ;;
      --controller-port) cport="${2:?--controller-port needs a value}"; shift 2 ;;
      *) usage ;;
    esac
  done
  [[ -z "$port" || "$port" =~ ^[0-9]+$ ]] || fail "--port must be a number"
  [[ -z "$cport" || "$cport" =~ ^[0-9]+$ ]] || fail "--controller-port must be a number"
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"

  local pid
  if pid="$(live_pid "$dir")"; then
    log "already running from $dir (pid $pid)"
    echo "KAFKA_BROKERS=127.0.0.1:$(broker_port "$dir")"
    return 0
  fi
  rm -f "$dir/broker.pid"

  command -v java >/dev/null || fail "java not found (the broker needs Java 17)"
  fetch

  # Ports: the ones asked for; otherwise those of the last run from this dir, then 19092/19093, when free.
  if [[ -z "$port" && -f "$dir/server.properties" ]]; then
    local old_port old_cport
    old_port="$(broker_port "$dir")"
    old_cport="$(prop "$dir" controller.quorum.voters | sed -E 's/^.*:([0-9]+)$/\1/')"
    if [[ -n "$old_port" && -n "$old_cport" && -z "$cport" ]] && port_free "$old_port" && port_free "$old_cport"; then
      port="$old_port" cport="$old_cport"
    fi
  fi
  if [[ -n "$port" ]]; then
    port_free "$port" || fail "port $port on 127.0.0.1 is in use"
  elif [[ "$cport" != "$DEFAULT_PORT" ]] && port_free "$DEFAULT_PORT"; then
    port="$DEFAULT_PORT"
  fi
  if [[ -n "$cport" ]]; then
    port_free "$cport" || fail "controller port $cport on 127.0.0.1 is in use"
  elif [[ "$port" != "$DEFAULT_CONTROLLER_PORT" ]] && port_free "$DEFAULT_CONTROLLER_PORT"; then
    cport="$DEFAULT_CONTROLLER_PORT"
  fi
  local p
  if [[ -z "$port" || -z "$cport" ]]; then
    for p in $(free_ports 3); do
      [[ "$p" == "$port" || "$p" == "$cport" ]] && continue
      if [[ -z "$port" ]]; then port="$p"; elif [[ -z "$cport" ]]; then cport="$p"; fi
    done
  fi
  [[ "$port" != "$cport" ]] || fail "--port and --controller-port must differ"

  write_config "$dir" "$port" "$cport"

  # One cluster id per dir, kept across restarts; format -g leaves an already formatted data dir alone.
  local cid
  if [[ -s "$dir/cluster.id" ]]; then
    cid="$(<"$dir/cluster.id")"
  else
    cid="$(new_cluster_id)"
    echo "$cid" >"$dir/cluster.id"
  fi
  local jvm_common=(-Dlog4j.configuration="file:$dir/log4j.properties" -Dkafka.logs.dir="$dir" -cp "$LIB_DIR/*")
  if ! (cd "$dir" && java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 "${jvm_common[@]}" \
    kafka.tools.StorageTool format -g -t "$cid" -c "$dir/server.properties") >"$dir/format.log" 2>&1; then
    show_logs "$dir"
    fail "formatting $dir/data failed"
  fi

  : >"$dir/broker.out"
  (cd "$dir" && exec nohup java "${HEAP_OPTS[@]}" "${jvm_common[@]}" kafka.Kafka "$dir/server.properties" \
    >>"$dir/broker.out" 2>&1 </dev/null) &
  pid=$!
  echo "$pid" >"$dir/broker.pid"

  local deadline=$((SECONDS + START_TIMEOUT_S))
  until port_open "$port"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$dir/broker.pid"
      show_logs "$dir"
      fail "broker exited before listening on 127.0.0.1:$port"
    fi
    if ((SECONDS >= deadline)); then
      show_logs "$dir"
      kill -KILL "$pid" 2>/dev/null || true
      rm -f "$dir/broker.pid"
      fail "broker did not listen on 127.0.0.1:$port within ${START_TIMEOUT_S}s"
    fi
    sleep 0.2
  done
  log "started pid $pid in $dir (controller 127.0.0.1:$cport, data $dir/data, log $dir/kafka.log)"
  echo "KAFKA_BROKERS=127.0.0.1:$port"
}

# ---------------------------------------------------------------------------------------------- stop

dir_arg() {
  local dir="$DEFAULT_DIR"
  while (($#)); do
    case "$1" in
      --dir) dir="${2:?--dir needs a value}"; shift 2 ;;
      *) usage ;;
    esac
  done
  [[ -d "$dir" ]] && dir="$(cd "$dir" && pwd)"
  echo "$dir"
}

stop() {
  local dir pid
  dir="$(dir_arg "$@")"
  if ! pid="$(live_pid "$dir")"; then
    rm -f "$dir/broker.pid"
    log "not running ($dir)"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + STOP_GRACE_S))
  while live_pid "$dir" >/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
  if live_pid "$dir" >/dev/null; then
    log "pid $pid still running after ${STOP_GRACE_S}s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while live_pid "$dir" >/dev/null; do sleep 0.1; done
  fi
  rm -f "$dir/broker.pid"
  log "stopped pid $pid (data kept in $dir/data)"
}

status() {
  local dir pid
  dir="$(dir_arg "$@")"
  if pid="$(live_pid "$dir")"; then
    local port
    port="$(broker_port "$dir")"
    if port_open "$port"; then
      echo "running: pid $pid, KAFKA_BROKERS=127.0.0.1:$port, dir $dir"
    else
      echo "starting: pid $pid, port $port not accepting connections yet, dir $dir"
    fi
    return 0
  fi
  echo "not running (dir $dir)"
  return 3
}

cmd="${1:-}"
[[ -n "$cmd" ]] || usage
shift
case "$cmd" in
  fetch) fetch ;;
  start) start "$@" ;;
  stop) stop "$@" ;;
  status) status "$@" ;;
  *) usage ;;
esac
