#!/bin/bash
# reload_bench.sh -- queries lost and worst latency while the data reloads.
#
# One big ip4trie file (bench/gendata.py), served by dnsxld and then by
# rbldnsd on the same loopback port range; dnsperf sends a steady RATE
# queries/s for SECS seconds while the file is touched and the server sent
# SIGHUP every EVERY seconds. Prints, per server: reloads, queries sent,
# lost (no answer within 1 s), worst and average latency, first for the
# same load without reloads (the baseline: on a shared machine some loss
# and jitter are the machine's, not the server's). Not a test.
#
#   bench/reload_bench.sh                       # 1M prefixes, 40k q/s, 30 s
#   PREFIXES=10000000 bench/reload_bench.sh     # the issue's 10M file
#   PREFIXES RATE SECS EVERY DNSXLD RBLDNSD WORK PIN NICE (env) override;
#   RBLDNSD=none measures dnsxld alone; DNSPERF_BUF (KB) dnsperf's buffers
#
# Each run also says when its slow answers came: dnsperf -v prints one line
# per answer in the order they arrive, so at a steady rate the Nth answer
# came about N/RATE s after the start; the script prints how many answers
# took over 10 and 50 ms, in which tenths of a second they came (and the
# slowest of each), and the times of the SIGHUPs, so that slow answers can
# be told a reload's or the machine's. bench/stalls runs alongside: SCHED_FIFO
# threads on CPUs 0 and 1 that note each time the machine itself held them
# off for over 10 ms (no server thread could have), with the time.
#
# Pinning as in `make bench` (PIN=1, the default): each server, all its
# threads, on CPU 0 (so dnsxld's build thread, at SCHED_IDLE, shares the
# CPU with the worker it must not disturb), dnsperf on CPU 1. PIN=0 lets the
# scheduler place everything. NICE=-10 (as root) runs servers and dnsperf
# ahead of other work on a shared machine, like make bench's BENCH_NICE;
# dnsxld's build thread still runs at SCHED_IDLE.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
PREFIXES=${PREFIXES:-1000000}
RATE=${RATE:-40000}
SECS=${SECS:-30}
EVERY=${EVERY:-5}
DNSXLD=${DNSXLD:-$ROOT/build/dnsxld}
RBLDNSD=${RBLDNSD:-$(command -v rbldnsd || echo /usr/sbin/rbldnsd)}
WORK=${WORK:-$ROOT/build/bench/reload}
ZONE=bl.bench
SEED=7
PY=/usr/bin/python3
PIN=${PIN:-1}
DNSPERF_BUF=${DNSPERF_BUF:-4096}	# KB, dnsperf -b
if [ "$PIN" = 1 ]; then SRV=(taskset -c 0); GEN=(taskset -c 1); else SRV=(); GEN=(); fi
NICE=${NICE:-}
if [ -n "$NICE" ]; then SRV=(nice -n "$NICE" "${SRV[@]}"); GEN=(nice -n "$NICE" "${GEN[@]}"); fi

die() { echo "reload_bench: $*" >&2; exit 1; }
# stop PID: SIGTERM, then SIGKILL after 15 s (rbldnsd busy in a 10M reload
# does not act on SIGTERM until it finishes, and may never).
stop() {
	kill "$1" 2>/dev/null
	for _ in $(seq 150); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}
command -v dnsperf >/dev/null || die "dnsperf missing (apt-get install dnsperf)"
[ "$RBLDNSD" = none ] || [ -x "$RBLDNSD" ] || die "rbldnsd missing (apt-get install rbldnsd)"
[ -x "$DNSXLD" ] || die "$DNSXLD missing (make)"
STALLS=$ROOT/build/bench/stalls
[ -x "$STALLS" ] || make -s -C "$HERE" BUILD="$ROOT/build" "$STALLS" || die "cannot build $STALLS"

mkdir -p "$WORK" && chmod 755 "$WORK"
DATA=$WORK/data-$PREFIXES.txt
Q=$WORK/queries-$PREFIXES.txt
P=$WORK/probe-$PREFIXES.txt
if ! [ -s "$DATA" ] || ! [ -s "$Q" ] || ! [ -s "$P" ]; then
	echo "generating $PREFIXES prefixes (seed $SEED) ..."
	$PY "$HERE/gendata.py" ip4 "$PREFIXES" "$DATA.tmp" --queries "$Q" \
	    --nqueries 200000 --seed $SEED --zone $ZONE --probe "$P" || die "gendata failed"
	mv "$DATA.tmp" "$DATA"
fi
chmod 644 "$DATA" "$Q"
PROBE=$(awk '{print $1; exit}' "$P")

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; }
trap cleanup EXIT

port_free() { ! ss -Hlun "sport = :$1" | grep -q .; }
pick_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 30000))
		port_free $p && { echo $p; return; }
	done
	die "no free port"
}

# wait_ready PORT PID: until a listed query answers (a big load takes time).
wait_ready() {
	local t=0
	while ! dig +time=1 +tries=1 +short @127.0.0.1 -p "$1" "$PROBE" A \
	    2>/dev/null | grep -q '^127\.'; do
		kill -0 "$2" 2>/dev/null || die "server exited during load"
		sleep 0.5
		t=$((t + 1))
		[ $t -lt 1200 ] || die "server not ready after 10 minutes"
	done
}

# Datagrams dropped because a receive buffer was full: on the server's
# sockets (ss's skmem d counter), and on the whole machine (RcvbufErrors
# of /proc/net/snmp), so that a loss can be told the server's or dnsperf's.
srv_drops() {
	ss -Huamn "sport = :$1" | sed -n 's/.*skmem:(.*,d\([0-9]*\)).*/\1/p' |
	    awk '{s += $1} END {print s + 0}'
}
all_drops() { awk '/^Udp:/ && $2 ~ /^[0-9]/ {print $6}' /proc/net/snmp; }

# run NAME PID PORT [reload]: load, with periodic reloads when the 4th
# argument is "reload" (else a baseline: the same load, no reload).
# dnsperf gets 4 MB socket buffers (-b; its default 208 KB overflowed when
# dnsperf itself stalled for ~30 ms, and those losses were counted as the
# server's).
run() {
	local name=$1 pid=$2 port=$3 mode=${4:-reload} out=$WORK/$1-$4-dnsperf.txt n=0
	local sd0 ad0 sd1 ad1
	sd0=$(srv_drops "$port"); ad0=$(all_drops)
	local t0=${EPOCHREALTIME/./} hups="" st=$WORK/$1-$4-stalls.txt
	"$STALLS" 0 1 >"$st" &
	local stp=$!
	"${GEN[@]}" dnsperf -s 127.0.0.1 -p "$port" -d "$Q" -Q "$RATE" -l "$SECS" -t 1 -c 4 \
	    -q 2000 -b "$DNSPERF_BUF" -v >"$out" 2>&1 &
	local perf=$!
	sleep 1
	local end=$((SECONDS + SECS - 2))
	while [ "$mode" = reload ] && [ $SECONDS -lt $end ]; do
		touch "$DATA"
		kill -HUP "$pid"
		hups+=" $(( (${EPOCHREALTIME/./} - t0) / 100000 ))"
		n=$((n + 1))
		sleep "$EVERY"
	done
	wait $perf
	kill -TERM $stp; wait $stp
	sd1=$(srv_drops "$port"); ad1=$(all_drops)
	local sent lost avg max
	sent=$(awk '/Queries sent:/ {print $3}' "$out")
	lost=$(awk '/Queries lost:/ {print $3}' "$out")
	avg=$(awk '/Average Latency/ {print $4}' "$out")
	max=$(awk '/Average Latency/ {gsub(/[),]/, "", $8); print $8}' "$out")
	printf "%-8s %-8s reloads %3d  sent %8s  lost %7s  worst latency %9s s  average %9s s\n" \
	    "$name" "$mode" "$n" "${sent:-?}" "${lost:-?}" "${max:-?}" "${avg:-?}"
	printf "%-17s dropped by a full receive buffer: server %d, elsewhere (dnsperf) %d\n" \
	    "" $((sd1 - sd0)) $((ad1 - ad0 - (sd1 - sd0)))
	when "$out" "$hups"
	printf "%-17s machine stalls over 10 ms (s: CPU, ms):%s\n" "" \
	    "$(awk '{printf " %s: %s, %s;", $5, $3, $7} END {if (!NR) printf " none"}' "$st")"
}

# when FILE HUPS: the slow answers of a dnsperf -v run and when they came,
# by tenth of a second (HUPS: SIGHUP times in tenths since dnsperf started).
when() {
	awk -v rate="$RATE" -v hups="$2" '
	/^> / { n++; l = $NF + 0
		if (l > 0.010) { o10++; s = int(n * 10 / rate); c[s]++; if (l > w[s]) w[s] = l }
		if (l > 0.050) o50++ }
	END {
		printf "%-17s answers over 10 ms: %d, over 50 ms: %d\n", "", o10, o50
		k = 0
		for (s in w) k++
		if (k) {
			printf "%-17s where (s: answers over 10 ms, slowest):", ""
			m = 0
			for (s = 0; s <= n * 10 / rate && m < 12; s++) if (s in w) {
				printf " %.1f: %d, %.0f ms;", s / 10, c[s], w[s] * 1000; m++
			}
			if (k > m) printf " ... (%d tenths in all)", k
			printf "\n"
		}
		if (hups != "") {
			printf "%-17s SIGHUP at (s):", ""
			k = split(hups, h, " ")
			for (i = 1; i <= k; i++) printf " %.1f", h[i] / 10
			printf "\n"
		} }' "$1"
}

echo "data: $PREFIXES prefixes ($(du -h "$DATA" | cut -f1)); $RATE q/s for $SECS s; touch + SIGHUP every $EVERY s"
echo "pinning: $([ "$PIN" = 1 ] && echo "servers on CPU 0, dnsperf on CPU 1" || echo none)${NICE:+, nice $NICE}; load average $(cut -d' ' -f1-3 /proc/loadavg)"

# dnsxld
PORT=$(pick_port)
"${SRV[@]}" "$DNSXLD" -n -b 127.0.0.1/$PORT -c 0 --workers 1 "$ZONE:ip4trie:$DATA" \
    >"$WORK/dnsxld.log" 2>&1 &
DPID=$!
PIDS+=($DPID)
t0=$SECONDS
wait_ready $PORT $DPID
echo "dnsxld loaded in ~$((SECONDS - t0)) s"
run dnsxld $DPID $PORT baseline
run dnsxld $DPID $PORT reload
stop $DPID
echo "  dnsxld reloads logged: $(grep -c 'reloaded' "$WORK/dnsxld.log")," \
    "build time of the last: $(grep 'reloaded' "$WORK/dnsxld.log" | tail -1 | sed 's/.* in //')"

[ "$RBLDNSD" = none ] && exit 0	# RBLDNSD=none: dnsxld only
# rbldnsd (refuses to run as root: -u nobody; the file is world-readable)
PORT=$(pick_port)
"${SRV[@]}" "$RBLDNSD" -n -u nobody -b 127.0.0.1/$PORT -c 0 "$ZONE:ip4trie:$DATA" \
    >"$WORK/rbldnsd.log" 2>&1 &
RPID=$!
PIDS+=($RPID)
t0=$SECONDS
wait_ready $PORT $RPID
echo "rbldnsd loaded in ~$((SECONDS - t0)) s"
run rbldnsd $RPID $PORT baseline
run rbldnsd $RPID $PORT reload
stop $RPID
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "raw dnsperf output: $WORK/*-dnsperf.txt"
