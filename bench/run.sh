#!/bin/bash
# run.sh -- make bench: floor, rbldnsd and dnsxld on the same data and queries, one run, ratios.
#
#   BUILD=/abs/build bench/run.sh        (bench/Makefile calls it so)
#
# Environment:
#   BENCH_QUICK=1     100k prefixes, 3 s runs, 2 rounds (for developing the harness)
#   BENCH_RATE=N      fixed rate for the CPU-per-query runs (default 40000 q/s)
#   BENCH_SECS=N      length of each load run (default 10 s)
#   BENCH_ROUNDS=N    rounds of (fixed rate, saturated) per server (default 3)
#   DNSXLD=path       the dnsxld binary (default $BUILD/dnsxld)
#
# Method (docs/performance.md): every server is pinned to CPU 0 and every load
# generator to CPU 1, on the same generated data and query file:
#   1. server CPU per query at a fixed rate: dnsperf -Q RATE, and utime+stime
#      of the server from /proc/PID/stat before and after;
#   2. saturated queries/s: bench/dnsgen, closed loop, 256 outstanding;
#   3. load time (process start to first real answer) and RSS after load, at
#      1M and 10M IPv4 prefixes and 1M IPv6 prefixes.
# For 1 and 2 the three servers run side by side (idle ones cost nothing) and
# are measured in turn, round after round, so a neighbour's burst on this
# shared machine hits all of them alike; the table shows each one's median.
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
	SECS=${BENCH_SECS:-3}
	ROUNDS=${BENCH_ROUNDS:-2}
else
	MAIN=ip4-1m
	LOADSETS="ip4-1m ip4-10m ip6-1m"
	SECS=${BENCH_SECS:-10}
	ROUNDS=${BENCH_ROUNDS:-3}
fi
RATE=${BENCH_RATE:-40000}

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
NEXTPORT=$(( 20000 + RANDOM % 20000 ))
declare -A PID PORT	# per running server
declare -A R		# results: R[server.metric]

# start_server NAME SET: start it on CPU 0 and wait for its first real answer;
# sets PID[NAME], PORT[NAME], R[NAME.load.SET], R[NAME.rss.SET].
start_server() {
	local name=$1 set=$2 fam=${2%%-*} t0 t1 pid port any=
	local log=$LOGS/$name-$set.log
	port=$NEXTPORT
	NEXTPORT=$(( NEXTPORT + 1 ))
	t0=$(now_ms)
	case $name in
	floor)	taskset -c 0 "$FLOOR" -b 127.0.0.1/$port >"$log" 2>&1 &
		any=-a ;;
	rbldnsd) taskset -c 0 rbldnsd -n -u rbldns -r "$DATA" -b 127.0.0.1/$port \
			$ZONE:${fam}trie:$set.txt >"$log" 2>&1 & ;;
	dnsxld)	taskset -c 0 "$DNSXLD" -n -b 127.0.0.1/$port \
			$ZONE:${fam}trie:"$DATA/$set.txt" >"$log" 2>&1 & ;;
	esac
	pid=$!
	PID[$name]=$pid
	PORT[$name]=$port
	# probe: one listed query, every 2 ms, until a NOERROR answer (any reply
	# from the floor, which only echoes)
	until taskset -c 1 "$DNSGEN" -s 127.0.0.1 -p $port -d "$DATA/$set.probe" -w 1 $any \
			>/dev/null 2>&1; do
		if ! kill -0 $pid 2>/dev/null; then
			echo "  $name did not start on $set (see $log)"
			wait $pid 2>/dev/null; unset "PID[$name]"; return 1
		fi
		if [ $(( $(now_ms) - t0 )) -gt 300000 ]; then
			echo "  $name gave no answer within 300 s on $set (see $log)"
			stop_server $name; return 1
		fi
	done
	t1=$(now_ms)
	R[$name.load.$set]=$(( t1 - t0 ))
	R[$name.rss.$set]=$(awk '/^VmRSS:/ {print $2}' /proc/$pid/status)
	R[$name.hwm.$set]=$(awk '/^VmHWM:/ {print $2}' /proc/$pid/status)
	echo "  $name $set: first answer after ${R[$name.load.$set]} ms," \
		"RSS ${R[$name.rss.$set]} kB (peak ${R[$name.hwm.$set]} kB)"
}

stop_server() {
	local pid=${PID[$1]:-}
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	unset "PID[$1]"
}
stop_all() { for n in "${!PID[@]}"; do stop_server "$n"; done; }
trap 'stop_all' EXIT
trap 'exit 130' INT TERM

# utime+stime of the whole process (all threads), in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{v[NR] = $1} END {if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# fixed NAME ROUND: CPU per query at RATE (dnsperf).
fixed() {
	local name=$1 pid=${PID[$1]} c0 c1 n cpu log=$LOGS/$1-dnsperf-$2.txt
	c0=$(cpu_ticks $pid)
	taskset -c 1 dnsperf -s 127.0.0.1 -p ${PORT[$name]} -d "$DATA/$MAIN.queries" \
		-Q $RATE -l $SECS -c 4 -q 200 >"$log" 2>&1
	c1=$(cpu_ticks $pid)
	n=$(awk '/Queries completed:/ {print $3}' "$log")
	if [ -z "$n" ] || [ "$n" -eq 0 ]; then
		echo "  $name: dnsperf got no answers (see $log)"; return
	fi
	cpu=$(awk -v t=$((c1 - c0)) -v hz=$HZ -v n=$n 'BEGIN {printf "%.2f", t * 1e6 / hz / n}')
	R[$name.cpu]+=" $cpu"
	R[$name.perflost]+=" $(awk '/Queries lost:/ {print $3}' "$log")"
	echo "  $name: dnsperf -Q $RATE: $n answered, server CPU $cpu us/query"
}

# saturate NAME ROUND: saturated queries/s (dnsgen).
saturate() {
	local name=$1 pid=${PID[$1]} c0 c1 res kv log=$LOGS/$1-dnsgen-$2.txt
	local -A g
	c0=$(cpu_ticks $pid)
	taskset -c 1 "$DNSGEN" -s 127.0.0.1 -p ${PORT[$name]} -d "$DATA/$MAIN.queries" \
		-l $SECS >"$log" 2>&1
	c1=$(cpu_ticks $pid)
	res=$(grep '^RESULT' "$log")
	if [ -z "$res" ]; then
		echo "  $name: dnsgen failed (see $log)"; return
	fi
	for kv in $res; do
		case $kv in *=*) g[${kv%%=*}]=${kv#*=};; esac
	done
	R[$name.qps]+=" ${g[qps]}"
	R[$name.p99]+=" ${g[p99_us]}"
	R[$name.genlost]+=" ${g[lost]}"
	[ "${g[answered]}" -gt 0 ] && R[$name.satcpu]+=" $(awk -v t=$((c1 - c0)) -v hz=$HZ \
		-v n=${g[answered]} 'BEGIN {printf "%.2f", t * 1e6 / hz / n}')"
	echo "  $name: dnsgen saturated: ${g[qps]} q/s, lost ${g[lost]}," \
		"p50 ${g[p50_us]} us, p99 ${g[p99_us]} us"
}

SERVERS="floor rbldnsd"
if [ -x "$DNSXLD" ]; then
	SERVERS+=" dnsxld"
else
	echo "note: $DNSXLD not built; its column stays empty"
fi

echo "== start on $MAIN ($(count_of $MAIN) prefixes)"
RUNNING=
for s in $SERVERS; do start_server $s $MAIN && RUNNING+=" $s"; done
for r in $(seq 1 $ROUNDS); do
	echo "== round $r/$ROUNDS: CPU per query at $RATE q/s, then saturated q/s, ${SECS} s each"
	for s in $RUNNING; do fixed $s $r; saturate $s $r; done
done
stop_all

echo "== load time and RSS"
for set in $LOADSETS; do
	[ $set = $MAIN ] && continue	# measured above
	for s in $SERVERS; do
		[ $s = floor ] && continue
		start_server $s $set && stop_server $s
	done
done

# --- report ------------------------------------------------------------------
med() {	# med KEY [PRINTF-FORMAT]: median over the rounds
	local m
	m=$(echo "${R[$1]:-}" | median)
	[ -n "$m" ] && printf "${2:-%.0f}" "$m"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a != "" && b != "" && b + 0 > 0) printf "%.2f", a / b; else printf "-"}'; }
mb() { [ -n "$1" ] && awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
fmt="%-36s %9s %9s %9s %5s %13s %15s\n"
row() {	# row LABEL FLOOR RBLDNSD DNSXLD
	printf "$fmt" "$1" "${2:--}" "${3:--}" "${4:--}" "-" \
		"$( [ "$2" = n/a ] && echo n/a || ratio "$4" "$2")" "$(ratio "$4" "$3")"
}
{
echo
echo "dnsxld bench, $(date -u '+%Y-%m-%d %H:%M UTC'), $( [ "${BENCH_QUICK:-0}" = 1 ] && echo QUICK || echo full)"
echo "machine: $(nproc) CPUs, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), Linux $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "tools: $(dnsperf -h 2>&1 | awk '/^Version/ {print "dnsperf " $2; exit}'), rbldnsd $(dpkg-query -W -f='${Version}' rbldnsd 2>/dev/null)," \
	"dnsxld $("$DNSXLD" --version 2>/dev/null | awk '{print $2}')"
echo "method: server on CPU 0, dnsperf/dnsgen on CPU 1; $MAIN ($(count_of $MAIN) prefixes), 100000 queries (half listed), seed $SEED;"
echo "        median of $ROUNDS rounds of ${SECS} s per measure"
echo
printf "$fmt" metric floor rbldnsd dnsxld nsd* dnsxld/floor dnsxld/rbldnsd
row "CPU us/query @ $RATE q/s (dnsperf)" "$(med floor.cpu %.2f)" "$(med rbldnsd.cpu %.2f)" "$(med dnsxld.cpu %.2f)"
row "queries/s saturated (dnsgen)" "$(med floor.qps)" "$(med rbldnsd.qps)" "$(med dnsxld.qps)"
row "CPU us/query saturated (dnsgen)" "$(med floor.satcpu %.2f)" "$(med rbldnsd.satcpu %.2f)" "$(med dnsxld.satcpu %.2f)"
row "p99 latency saturated (us)" "$(med floor.p99)" "$(med rbldnsd.p99)" "$(med dnsxld.p99)"
for set in $LOADSETS; do
	row "load time $set (ms)" n/a "${R[rbldnsd.load.$set]:-}" "${R[dnsxld.load.$set]:-}"
	row "RSS after load $set (MB)" n/a "$(mb "${R[rbldnsd.rss.$set]:-}")" "$(mb "${R[dnsxld.rss.$set]:-}")"
done
echo
echo "ratios are dnsxld/X: below 1 is better for CPU, latency, load time and RSS; above 1 for queries/s."
echo "queries lost per round (dnsperf; dnsgen): floor${R[floor.perflost]:-};${R[floor.genlost]:-}" \
	" rbldnsd${R[rbldnsd.perflost]:-};${R[rbldnsd.genlost]:-}  dnsxld${R[dnsxld.perflost]:-};${R[dnsxld.genlost]:-}"
echo "* nsd: placeholder, not measured. NSD needs the data as a zone file, which"
echo "  'dnsxld -d' (zone dump, a later issue) will produce."
echo "raw outputs: $LOGS"
} | tee "$OUT/results.txt"
