#!/bin/bash
# soak.sh -- long-running mixed UDP/TCP load against dnsxld with reloads
# (SIGHUP) every few seconds and the exclusion list changing between them,
# and the client allowlist edited over the control socket at every step
# (`dnsxl acl add/pause/delete`); prints RSS over time, errors and lost
# queries. Not part of CI.
#
#   bench/soak.sh [-m MINUTES] [-r RELOAD_SECONDS] [-q QPS] [-e ENTRIES] [-V]
#     -m  run time in minutes (default 10; fractions allowed: 0.5)
#     -r  seconds between reloads (default 5)
#     -q  total queries per second, split 3:1 between UDP and TCP (default 4000)
#     -e  listed prefixes in the data file (default 100000)
#     -V  run dnsxld under valgrind (memcheck, leak check at exit); use a
#         low -q (e.g. 200) since valgrind is ~50x slower
#   BUILD=dir selects the binaries (default build).
#
# Needs dnsperf (apt-get install dnsperf) and, for -V, valgrind.
# Exit status: 0 when the server survived, answered >= 99% of the queries,
# RSS after the warm-up stayed within 20% (+8 MiB) and valgrind (with -V)
# found no error and no definite leak; 1 otherwise.
set -u

MINUTES=10 RELOAD=5 QPS=4000 ENTRIES=100000 VALGRIND=0
while getopts "m:r:q:e:V" o; do
	case $o in
	m) MINUTES=$OPTARG ;; r) RELOAD=$OPTARG ;; q) QPS=$OPTARG ;;
	e) ENTRIES=$OPTARG ;; V) VALGRIND=1 ;;
	*) sed -n '2,19p' "$0"; exit 2 ;;
	esac
done
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
DNSXLD=$BUILD/dnsxld
[ -x "$DNSXLD" ] || { echo "soak: no $DNSXLD (run make)"; exit 2; }
command -v dnsperf >/dev/null || { echo "soak: dnsperf missing (apt-get install dnsperf)"; exit 2; }
SECS=$(awk -v m="$MINUTES" 'BEGIN { printf "%d", m * 60 }')

WORK=$(mktemp -d /tmp/dnsxl-soak.XXXXXX)
SRV_PID=""; PERF_PIDS=""
cleanup() {
	for p in $PERF_PIDS; do kill "$p" 2>/dev/null; done
	[ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ZONE=soak.example.org

# Data: ENTRIES /24s in 10.0.0.0/8 and beyond, a few IPv6 prefixes, and an
# exclusion list ("allowlist") that changes at every reload.
awk -v n="$ENTRIES" 'BEGIN {
	print ":127.0.0.2:Listed $ by soak"
	for (i = 0; i < n; i++)
		printf "%d.%d.%d.0/24\n", 10 + int(i / 65536), int(i / 256) % 256, i % 256
}' > "$WORK/bl.ip4"
printf '2001:db8::/32 :127.0.0.3:v6 $\n2a01:111:f403::/48\n' > "$WORK/bl.ip6"
exclusions() {  # $1 = reload number: a different set of 1000 each time
	awk -v k="$1" 'BEGIN { for (i = 0; i < 1000; i++)
		printf "!10.%d.%d.%d\n", (k * 7 + i) % 256, i % 256, (k + i) % 256 }'
}
{ cat "$WORK/bl.ip4"; exclusions 0; } > "$WORK/data.ip4"

# Queries: listed, excluded-or-listed, not listed, IPv6, apex, TXT.
awk -v z="$ZONE" 'BEGIN {
	srand(1)
	for (i = 0; i < 20000; i++) {
		r = rand()
		a = int(rand() * 256); b = int(rand() * 256); c = int(rand() * 256)
		t = (rand() < 0.3) ? "TXT" : "A"
		if (r < 0.5)      printf "%d.%d.%d.10.%s %s\n", c, b, a, z, t
		else if (r < 0.8) printf "%d.%d.%d.99.%s %s\n", c, b, a, z, t
		else if (r < 0.9) printf "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.%s %s\n", z, t
		else if (r < 0.95) printf "%s SOA\n", z
		else              printf "%s NS\n", z
	}
}' > "$WORK/queries"

SPECS=("$ZONE:ip4trie:data.ip4" "$ZONE:ip6trie:bl.ip6")
# Allowlist: "lo" (127.0.0.0/8, the load's source) stays; others come and
# go. A slip in the allowlist shows up as REFUSED answers.
printf 'lo 127.0.0.0/8\n' > "$WORK/allow.list"
SOCK=$WORK/control.sock
CMD=("$DNSXLD" -n -c 0 -b "127.0.0.1/$PORT" --allowlist "$WORK/allow.list"
    --control-socket "$SOCK" "${SPECS[@]}")
if [ "$VALGRIND" = 1 ]; then
	command -v valgrind >/dev/null || { echo "soak: valgrind missing"; exit 2; }
	CMD=(valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite
	    --errors-for-leak-kinds=definite --log-file="$WORK/valgrind.log" "${CMD[@]}")
fi
(cd "$WORK" && exec "${CMD[@]}") > "$WORK/server.log" 2>&1 &
SRV_PID=$!

# Ready when the apex SOA answers (valgrind start-up can take a while).
ready=0
for _ in $(seq 1 600); do
	if /usr/bin/python3 - "$PORT" "$ZONE" <<'PY' 2>/dev/null
import sys, dns.message, dns.query
dns.query.udp(dns.message.make_query(sys.argv[2], "SOA"), "127.0.0.1",
              port=int(sys.argv[1]), timeout=0.5)
PY
	then ready=1; break; fi
	kill -0 "$SRV_PID" 2>/dev/null || break
	sleep 0.2
done
[ "$ready" = 1 ] || { echo "soak: server did not start"; cat "$WORK/server.log"; exit 1; }

rss() { awk '/^VmRSS/ { print $2 }' "/proc/$SRV_PID/status" 2>/dev/null || echo 0; }
echo "soak: $MINUTES min, $QPS q/s (UDP $((QPS * 3 / 4)), TCP $((QPS / 4))), reload every ${RELOAD}s,"
echo "      $ENTRIES prefixes + 1000 changing exclusions, valgrind=$VALGRIND, pid $SRV_PID port $PORT"

dnsperf -s 127.0.0.1 -p "$PORT" -d "$WORK/queries" -l "$SECS" -Q $((QPS * 3 / 4)) \
	-c 4 -t 2 -m udp > "$WORK/perf-udp.log" 2>&1 &
PERF_PIDS="$!"
dnsperf -s 127.0.0.1 -p "$PORT" -d "$WORK/queries" -l "$SECS" -Q $((QPS / 4)) \
	-c 4 -t 2 -m tcp > "$WORK/perf-tcp.log" 2>&1 &
PERF_PIDS="$PERF_PIDS $!"

DNSXL=$BUILD/dnsxl
acl_errs=0; acl_cmds=0
acl() {  # one control command; failures are counted, not fatal
	acl_cmds=$((acl_cmds + 1))
	"$DNSXL" -s "$SOCK" acl "$@" > /dev/null 2>> "$WORK/acl.log" ||
		acl_errs=$((acl_errs + 1))
}
# Each step: add c$k (a global IPv4 /32 or IPv6 /64), pause c$((k-1)),
# delete c$((k-2)); "lo" is never touched, so the load stays allowed.
acl_step() {
	local k=$1
	if [ $((k % 2)) = 0 ]; then acl add "c$k" "198.51.$((k / 256 % 256)).$((k % 256))"
	else acl add "c$k" "2001:db8:$((k % 65536)):1::/64"; fi
	[ "$k" -ge 2 ] && acl pause "c$((k - 1))"
	[ "$k" -ge 3 ] && acl delete "c$((k - 2))"
}
START=$(date +%s)
reloads=0
RSS_WARM=""; RSS_MAX=0; RSS_LAST=0
printf "%8s %10s %8s\n" "time_s" "rss_kb" "reloads"
while :; do
	sleep "$RELOAD"
	now=$(( $(date +%s) - START ))
	kill -0 "$SRV_PID" 2>/dev/null || { echo "soak: SERVER DIED at ${now}s"; break; }
	reloads=$((reloads + 1))
	{ cat "$WORK/bl.ip4"; exclusions "$reloads"; } > "$WORK/data.ip4.new"
	mv "$WORK/data.ip4.new" "$WORK/data.ip4"
	kill -HUP "$SRV_PID"
	acl_step "$reloads"
	r=$(rss)
	RSS_LAST=$r
	[ "$r" -gt "$RSS_MAX" ] && RSS_MAX=$r
	# warm-up: the first minute (or a fifth of the run) is not judged
	if [ -z "$RSS_WARM" ] && [ "$now" -ge $(( SECS / 5 < 60 ? SECS / 5 : 60 )) ]; then
		RSS_WARM=$r
	fi
	printf "%8d %10d %8d\n" "$now" "$r" "$reloads"
	[ "$now" -ge "$SECS" ] && break
done
for p in $PERF_PIDS; do wait "$p"; done
PERF_PIDS=""

fail=0
alive=1
kill -0 "$SRV_PID" 2>/dev/null || { alive=0; fail=1; }
for m in udp tcp; do
	f=$WORK/perf-$m.log
	sent=$(awk '/Queries sent:/ { print $3 }' "$f")
	done_=$(awk '/Queries completed:/ { print $3 }' "$f")
	lost=$(awk '/Queries lost:/ { print $3 }' "$f")
	codes=$(sed -n 's/^ *Response codes: *//p' "$f")
	qps=$(awk '/Queries per second:/ { print $4 }' "$f")
	echo "$m: sent ${sent:-?} completed ${done_:-?} lost ${lost:-?} (${qps:-?} q/s); $codes"
	if [ -z "$sent" ] || [ "$sent" = 0 ]; then
		echo "soak: dnsperf $m produced no result:"; tail -5 "$f"; fail=1
	elif [ $(( ${lost:-0} * 100 )) -gt "$sent" ]; then
		echo "soak: more than 1% of $m queries lost"; fail=1
	fi
	if echo "$codes" | grep -qE 'SERVFAIL|FORMERR|REFUSED'; then
		echo "soak: unexpected rcodes over $m"; fail=1
	fi
done
errs=$(grep -ciE 'error|keeping the loaded' "$WORK/server.log")
echo "reloads: $reloads sent, $(grep -c 'reloaded:' "$WORK/server.log") logged; server log errors: $errs"
[ "$errs" = 0 ] || { grep -iE 'error|keeping' "$WORK/server.log" | head -5; fail=1; }
echo "allowlist: $acl_cmds control commands, $acl_errs failed; $(grep -c 'control: acl' "$WORK/server.log") logged"
[ "$acl_errs" = 0 ] || { head -5 "$WORK/acl.log"; fail=1; }
RSS_WARM=${RSS_WARM:-$RSS_LAST}
echo "rss: after warm-up ${RSS_WARM} kB, max ${RSS_MAX} kB, last ${RSS_LAST} kB"
if [ "$RSS_LAST" -gt $(( RSS_WARM * 6 / 5 + 8192 )) ]; then
	echo "soak: RSS grew more than 20% (+8 MiB) after the warm-up"; fail=1
fi

if [ "$alive" = 1 ]; then
	kill -TERM "$SRV_PID"
	wait "$SRV_PID"; rc=$?
	SRV_PID=""
	echo "server exit status: $rc"
	[ "$rc" = 0 ] || fail=1
else
	echo "server: not running at the end"
fi
if [ "$VALGRIND" = 1 ]; then
	sed -n 's/^==[0-9]*== //p' "$WORK/valgrind.log" | \
	    grep -E 'ERROR SUMMARY|definitely lost|indirectly lost|possibly lost|still reachable|in use at exit'
	grep -q 'ERROR SUMMARY: 0 errors' "$WORK/valgrind.log" || { echo "soak: valgrind errors"; fail=1; }
fi
[ "$fail" = 0 ] && echo "soak: PASS" || echo "soak: FAIL"
exit "$fail"
