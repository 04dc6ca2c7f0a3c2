#!/usr/bin/env bash
# Brings up the local RabbitMQ and PostgreSQL (Debian packages) the way the tests, `npm start`, `npm run bench` and
# `npm run chaos` need them; safe to run again. `.ci/run` runs it first; on a fresh Debian machine run it once yourself:
#   bash tools/dev/local-infra.sh
# - PostgreSQL: started when nothing answers on 127.0.0.1:5432.
# - RabbitMQ: started when nothing answers on 127.0.0.1:5672, and restarted when it runs with fewer than 10000 file
#   descriptors. The Debian default (1024) leaves RabbitMQ ≈ 927 file handles; every quorum queue takes ≈ 3 of them and
#   the integration tests declare a few hundred queues (11 per consumer: queue, parking lot, 3 retry tiers × 3), so at
#   the limit the broker stops accepting connections and deleting queues until enough of them expire (10 minutes).
set -euo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
rabbit_fd_limit() { rabbitmqctl status 2>/dev/null | sed -n 's/.*Total: [0-9]*, limit: \([0-9]*\).*/\1/p' | head -1; }

if ! port_open 5432; then
  echo "local-infra: PostgreSQL is down; starting it"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
fi
# The packaged start script goes through `su`, so PAM's limits apply to the broker it starts.
if [ -d /etc/security/limits.d ] && [ ! -f /etc/security/limits.d/rabbitmq.conf ]; then
  printf 'rabbitmq soft nofile 20000\nrabbitmq hard nofile 20000\n' > /etc/security/limits.d/rabbitmq.conf 2>/dev/null || true
fi
if port_open 5672 && command -v rabbitmqctl >/dev/null; then
  limit=$(rabbit_fd_limit)
  if [ -n "$limit" ] && [ "$limit" -lt 10000 ]; then
    echo "local-infra: RabbitMQ runs with only $limit file descriptors; restarting it with the raised limit"
    rabbitmqctl stop >/dev/null 2>&1 || true
    for _ in $(seq 1 30); do port_open 5672 || break; sleep 1; done
  fi
fi
if ! port_open 5672; then
  echo "local-infra: RabbitMQ is down; starting it"
  rabbitmq-server -detached
fi
for _ in $(seq 1 60); do port_open 5432 && port_open 5672 && break; sleep 1; done
port_open 5432 || { echo "local-infra: PostgreSQL did not come up on 127.0.0.1:5432"; exit 1; }
port_open 5672 || { echo "local-infra: RabbitMQ did not come up on 127.0.0.1:5672"; exit 1; }
# RabbitMQ accepts TCP before the app is fully booted; wait for it to answer.
if command -v rabbitmqctl >/dev/null; then
  rabbitmqctl await_startup --timeout 60 >/dev/null 2>&1 || true
  echo "local-infra: RabbitMQ file descriptor limit $(rabbit_fd_limit || echo '?'); PostgreSQL and RabbitMQ up"
fi
