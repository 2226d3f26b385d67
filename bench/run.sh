#!/bin/bash
# run.sh -- make bench: floor, rbldnsd and dnsxld on the same data and queries, one run, ratios.
#
#   BUILD=/abs/build bench/run.sh        (bench/Makefile calls it so)
#
# Environment:
#   BENCH_QUICK=1     100k prefixes and short runs (for developing the harness)
#   BENCH_RATE=N      fixed rate for the CPU-per-query run (default 40000 q/s)
#   BENCH_SECS=N      length of each load run (default 10 s)
#   DNSXLD=path       the dnsxld binary (default $BUILD/dnsxld)
#
# Method (docs/performance.md): every server is pinned to CPU 0 and every load
# generator to CPU 1, one after another, on the same generated data:
#   1. server CPU per query at a fixed rate: dnsperf -Q RATE, and utime+stime
#      of the server from /proc/PID/stat before and after;
#   2. saturated queries/s: bench/dnsgen, closed loop, 256 outstanding;
#   3. load time (process start to first real answer) and RSS after load, at
#      1M and 10M IPv4 prefixes and 1M IPv6 prefixes.
# Then one table with the ratios dnsxld/floor and dnsxld/rbldnsd.
set -u

BUILD=${BUILD:?set BUILD to the absolute build directory}
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
OUT=$BUILD/bench
DATA=$OUT/data
LOGS=$OUT/log
FLOOR=$OUT/floor
DNSGEN=$OUT/dnsgen
DNSXLD=${DNSXLD:-$BUILD/dnsxld}
ZONE=bl.bench.example
SEED=5782
HZ=$(getconf CLK_TCK)

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	MAIN=ip4-100k
	LOADSETS="ip4-100k ip6-100k"
	RATE=${BENCH_RATE:-40000}
	SECS=${BENCH_SECS:-3}
else
	MAIN=ip4-1m
	LOADSETS="ip4-1m ip4-10m ip6-1m"
	RATE=${BENCH_RATE:-40000}
	SECS=${BENCH_SECS:-10}
fi

die() { echo "run.sh: $*" >&2; exit 1; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
count_of() { case $1 in *-100k) echo 100000;; *-1m) echo 1000000;; *-10m) echo 10000000;; esac; }

for b in "$FLOOR" "$DNSGEN"; do [ -x "$b" ] || die "$b missing: run make -C bench"; done
command -v dnsperf >/dev/null || die "dnsperf missing (apt-get install dnsperf)"
command -v rbldnsd >/dev/null || die "rbldnsd missing (apt-get install rbldnsd)"
command -v taskset >/dev/null || die "taskset missing (util-linux)"
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs: server on CPU 0, load on CPU 1"

# rbldnsd runs as -u rbldns chrooted (-r) into DATA: world-readable files in a
# 0755 directory. Generated once per size and seed, kept between runs.
mkdir -p "$DATA" "$LOGS"
chmod 0755 "$OUT" "$DATA"
gen() {	# gen SET: DATA/SET.txt, SET.queries, SET.probe
	local set=$1 fam=${1%%-*}
	[ -s "$DATA/$set.txt" ] && [ -s "$DATA/$set.probe" ] && return 0
	echo "generating $set (seed $SEED) ..."
	$PY "$HERE/gendata.py" "$fam" "$(count_of "$set")" "$DATA/$set.tmp" \
		--queries "$DATA/$set.queries" --probe "$DATA/$set.probe" \
		--nqueries 100000 --seed $SEED --zone $ZONE || die "gendata $set failed"
	mv "$DATA/$set.tmp" "$DATA/$set.txt"
	chmod 0644 "$DATA/$set".*
}
for s in $MAIN $LOADSETS; do gen "$s"; done

# --- servers -----------------------------------------------------------------
PORT=$(( 20000 + RANDOM % 20000 ))
SPID=
declare -A R	# results: R[server.metric]

# start_server NAME SET: start it on CPU 0; sets SPID, R[NAME.load.SET], R[NAME.rss.SET]
start_server() {
	local name=$1 set=$2 fam=${2%%-*} t0 t1
	local log=$LOGS/$name-$set.log
	PORT=$(( PORT + 1 ))
	t0=$(now_ms)
	case $name in
	floor)	taskset -c 0 "$FLOOR" -b 127.0.0.1/$PORT >"$log" 2>&1 & ;;
	rbldnsd) taskset -c 0 rbldnsd -n -u rbldns -r "$DATA" -b 127.0.0.1/$PORT \
			$ZONE:${fam}trie:$set.txt >"$log" 2>&1 & ;;
	dnsxld)	taskset -c 0 "$DNSXLD" -n -b 127.0.0.1/$PORT \
			$ZONE:${fam}trie:"$DATA/$set.txt" >"$log" 2>&1 & ;;
	esac
	SPID=$!
	local any=
	[ "$name" = floor ] && any=-a
	until taskset -c 1 "$DNSGEN" -s 127.0.0.1 -p $PORT -d "$DATA/$set.probe" -w 1 $any \
			>/dev/null 2>&1; do
		if ! kill -0 $SPID 2>/dev/null; then
			echo "  $name did not start on $set (see $log)"; SPID=; return 1
		fi
		if [ $(( $(now_ms) - t0 )) -gt 300000 ]; then
			echo "  $name gave no answer within 300 s on $set (see $log)"
			stop_server; return 1
		fi
	done
	t1=$(now_ms)
	R[$name.load.$set]=$(( t1 - t0 ))
	R[$name.rss.$set]=$(awk '/^VmRSS:/ {print $2}' /proc/$SPID/status)
	R[$name.hwm.$set]=$(awk '/^VmHWM:/ {print $2}' /proc/$SPID/status)
	echo "  $name $set: first answer after ${R[$name.load.$set]} ms, RSS ${R[$name.rss.$set]} kB (peak ${R[$name.hwm.$set]} kB)"
}

stop_server() {
	[ -n "$SPID" ] || return 0
	kill $SPID 2>/dev/null
	wait $SPID 2>/dev/null
	SPID=
}
trap 'stop_server' EXIT
trap 'exit 130' INT TERM

# utime+stime of the whole process (all threads), in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# measure NAME: on the main set, CPU per query at RATE, then saturated q/s.
measure() {
	local name=$1 c0 c1 n log
	start_server "$name" $MAIN || return 0

	log=$LOGS/$name-dnsperf.txt
	c0=$(cpu_ticks $SPID)
	taskset -c 1 dnsperf -s 127.0.0.1 -p $PORT -d "$DATA/$MAIN.queries" \
		-Q $RATE -l $SECS -c 4 -q 200 >"$log" 2>&1
	c1=$(cpu_ticks $SPID)
	n=$(awk '/Queries completed:/ {print $3}' "$log")
	if [ -n "$n" ] && [ "$n" -gt 0 ]; then
		R[$name.cpu]=$(awk -v t=$((c1 - c0)) -v hz=$HZ -v n=$n 'BEGIN {printf "%.2f", t * 1e6 / hz / n}')
		R[$name.perfqps]=$(awk '/Queries per second:/ {printf "%.0f", $4}' "$log")
		R[$name.perflost]=$(awk '/Queries lost:/ {print $3}' "$log")
		echo "  $name: dnsperf -Q $RATE: $n answered (${R[$name.perflost]} lost), server CPU ${R[$name.cpu]} us/query"
	else
		echo "  $name: dnsperf got no answers (see $log)"
	fi

	log=$LOGS/$name-dnsgen.txt
	c0=$(cpu_ticks $SPID)
	taskset -c 1 "$DNSGEN" -s 127.0.0.1 -p $PORT -d "$DATA/$MAIN.queries" -l $SECS >"$log" 2>&1
	c1=$(cpu_ticks $SPID)
	local res
	res=$(grep '^RESULT' "$log")
	if [ -n "$res" ]; then
		for kv in $res; do
			case $kv in *=*) R[$name.gen.${kv%%=*}]=${kv#*=};; esac
		done
		R[$name.satcpu]=$(awk -v t=$((c1 - c0)) -v hz=$HZ -v n=${R[$name.gen.answered]} \
			'BEGIN {if (n > 0) printf "%.2f", t * 1e6 / hz / n}')
		echo "  $name: dnsgen saturated: ${R[$name.gen.qps]} q/s, lost ${R[$name.gen.lost]}," \
			"p50 ${R[$name.gen.p50_us]} us, p99 ${R[$name.gen.p99_us]} us"
	else
		echo "  $name: dnsgen failed (see $log)"
	fi
	stop_server
}

# loadtest NAME SET: load time and RSS only.
loadtest() {
	start_server "$1" "$2" || return 0
	stop_server
}

HAVE_DNSXLD=1
[ -x "$DNSXLD" ] || { HAVE_DNSXLD=0; echo "note: $DNSXLD not built; its column stays empty"; }

echo "== CPU per query at $RATE q/s and saturated q/s, $MAIN, ${SECS}s runs"
for s in floor rbldnsd dnsxld; do
	[ $s = dnsxld ] && [ $HAVE_DNSXLD = 0 ] && continue
	measure $s
done
echo "== load time and RSS"
for set in $LOADSETS; do
	for s in rbldnsd dnsxld; do
		[ $s = dnsxld ] && [ $HAVE_DNSXLD = 0 ] && continue
		[ $set = $MAIN ] && [ -n "${R[$s.load.$set]:-}" ] && continue	# measured above
		loadtest $s "$set"
	done
done

# --- report ------------------------------------------------------------------
get() { echo "${R[$1]:-}"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a != "" && b != "" && b + 0 > 0) printf "%.2f", a / b; else printf "-"}'; }
mb() { [ -n "$1" ] && awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
row() {	# row LABEL FLOOR RBLDNSD DNSXLD
	printf "%-34s %9s %9s %9s %6s %13s %15s\n" "$1" "${2:--}" "${3:--}" "${4:--}" "n/a" \
		"$( [ "$2" = n/a ] && echo n/a || ratio "$4" "$2")" "$(ratio "$4" "$3")"
}

{
echo
echo "dnsxld bench, $(date -u '+%Y-%m-%d %H:%M UTC'), $( [ "${BENCH_QUICK:-0}" = 1 ] && echo QUICK || echo full)"
echo "machine: $(nproc) CPUs, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), Linux $(uname -r)"
echo "tools: $(dnsperf -h 2>&1 | awk '/^Version/ {print "dnsperf " $2; exit}'), rbldnsd $(dpkg-query -W -f='${Version}' rbldnsd 2>/dev/null)," \
	"dnsxld $("$DNSXLD" --version 2>/dev/null | awk '{print $2}')"
echo "load: server on CPU 0, dnsperf/dnsgen on CPU 1; data $MAIN ($(count_of $MAIN) prefixes), 100000 queries half listed, seed $SEED"
echo
printf "%-34s %9s %9s %9s %6s %13s %15s\n" metric floor rbldnsd dnsxld nsd* dnsxld/floor dnsxld/rbldnsd
row "CPU us/query @ $RATE q/s (dnsperf)" "$(get floor.cpu)" "$(get rbldnsd.cpu)" "$(get dnsxld.cpu)"
row "queries/s saturated (dnsgen)" "$(get floor.gen.qps)" "$(get rbldnsd.gen.qps)" "$(get dnsxld.gen.qps)"
row "CPU us/query saturated" "$(get floor.satcpu)" "$(get rbldnsd.satcpu)" "$(get dnsxld.satcpu)"
row "p99 latency saturated (us)" "$(get floor.gen.p99_us)" "$(get rbldnsd.gen.p99_us)" "$(get dnsxld.gen.p99_us)"
for set in $LOADSETS; do
	row "load time $set (ms)" n/a "$(get rbldnsd.load.$set)" "$(get dnsxld.load.$set)"
	row "RSS after load $set (MB)" n/a "$(mb "$(get rbldnsd.rss.$set)")" "$(mb "$(get dnsxld.rss.$set)")"
done
echo
echo "ratios: dnsxld/X; below 1 is better for CPU, load time, RSS and latency; above 1 is better for queries/s."
echo "lost (dnsperf / dnsgen): floor $(get floor.perflost)/$(get floor.gen.lost)," \
	"rbldnsd $(get rbldnsd.perflost)/$(get rbldnsd.gen.lost), dnsxld $(get dnsxld.perflost)/$(get dnsxld.gen.lost)"
echo "* nsd: not measured. NSD needs the data as a zone file, which comes from"
echo "  'dnsxld -d' (zone dump, a later issue); the column is a placeholder."
echo "logs and raw outputs: $LOGS"
} | tee "$OUT/results.txt"
