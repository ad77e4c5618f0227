#!/usr/bin/env bash
# Makes sure PostgreSQL, Redis and NATS (with JetStream) answer on 127.0.0.1, starting each with the
# machine's own command when it does not. Exits non-zero, naming the service, if one stays down.
set -uo pipefail

wait_for() { # name, check command
  local name=$1; shift
  for _ in $(seq 1 30); do "$@" >/dev/null 2>&1 && { echo "$name: up"; return 0; }; sleep 1; done
  echo "$name: DOWN after 30 s ($*)" >&2
  return 1
}
tcp_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
jetstream_ok() { # a JetStream account-info request answers with JSON holding "memory"
  node -e "
    const s = require('net').connect(4222, '127.0.0.1'); let buf = '';
    s.on('data', d => { buf += d;
      if (buf.includes('INFO') && !buf.includes('SUB')) { s.write('CONNECT {\"verbose\":false}\r\nSUB _r 1\r\nPUB \$JS.API.INFO _r 0\r\n\r\nPING\r\n'); buf += 'SUB'; }
      if (/\"memory\"/.test(buf)) { s.end(); process.exit(0); }
      if (/-ERR|no responders/.test(buf)) process.exit(1); });
    setTimeout(() => process.exit(1), 3000);"
}

status=0
if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -n | tail -n 1)" main start || true
fi
wait_for postgresql pg_isready -h 127.0.0.1 -p 5432 -q || status=1

if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
fi
wait_for redis redis-cli -h 127.0.0.1 ping || status=1

if ! tcp_open 4222; then
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log || true
fi
wait_for "nats (jetstream)" jetstream_ok || status=1
exit $status
