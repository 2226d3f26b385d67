#!/bin/bash
# run.sh -- make bench: floor, rbldnsd and dnsxld on the same data and queries, one run, ratios.
#
#   BUILD=/abs/build bench/run.sh        (bench/Makefile calls it so)
#
# Environment:
#   BENCH_QUICK=1     100k prefixes, 3 s runs, 2 rounds (for developing the harness)
#   BENCH_RATE=N      fixed rate for the CPU-per-query runs (default 40000 q/s)
#   BENCH_SECS=N      length of each load run (default 10 s)
#   BENCH_ROUNDS=N    rounds of (fixed rate, saturated) per server (default 5)
#   BENCH_LOADS=N     starts per server and data set for load time and RSS,
#                     the median reported (default 3, quick 1; NSD once)
#   DNSXLD=path       the dnsxld binary (default $BUILD/dnsxld)
#   BENCH_DNSXLD_ARGS extra dnsxld options (default "--workers 1": one thread
#                     on its one CPU, like rbldnsd; "" for its default)
#   BENCH_NICE=N      run servers and load under `nice -n N` (e.g. -10 on a
#                     machine others use, so their jobs disturb less)
#   BENCH_NSD=0       leave NSD out
#   BENCH_AA=0        leave out the A/A check (a second floor measured against
#                     the first each round: the noise of a paired ratio)
#   BENCH_NSD_MAXPREFIXES=N  no NSD on larger sets (default 1000000: 10M
#                     IPv4 prefixes make a ~90M-line zone, tens of GB in NSD)
#
# Method (docs/performance.md): every server is pinned to CPU 0 and every load
# generator to CPU 1, on the same generated data and query file:
#   1. server CPU per query at a fixed rate: dnsperf -Q RATE, and utime+stime
#      of the server from /proc/PID/stat before and after;
#   2. saturated queries/s: bench/dnsgen, closed loop, 256 outstanding;
#   3. load time (process start to first real answer) and RSS after load, at
#      1M and 10M IPv4 prefixes and 1M IPv6 prefixes: the median of 3 starts.
# NSD serves the same data as a zone file from `dnsxld -d` (from gendata.py
# until dnsxld dumps), when the zone is small enough for this machine.
# For 1 and 2 the servers run side by side (idle ones cost nothing) and
# are measured in turn, round after round (every server's fixed-rate run,
# then every one's saturated run), so a neighbour's burst on this shared
# machine hits all of them alike; the table shows each one's median, and
# the median of dnsxld/floor taken within each round (dnsxld runs right
# after the floor), which a slow drift of the machine moves less; and the
# same for a second floor against the first (A/A): that ratio's distance
# from 1 is the noise of the paired figure in this run. Under the table,
# each target of the issue with this run's figure and "met" or "missed".
set -u
{	# parsed whole before it runs: editing this file mid-run cannot break the run

BUILD=${BUILD:?set BUILD to the absolute build directory}
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
OUT=$BUILD/bench
DATA=$OUT/data
LOGS=$OUT/log
FLOOR=$OUT/floor
DNSGEN=$OUT/dnsgen
DNSXLD=${DNSXLD:-$BUILD/dnsxld}
DNSXLD_ARGS=${BENCH_DNSXLD_ARGS---workers 1}
ZONE=bl.bench.example
SEED=5782
HZ=$(getconf CLK_TCK)

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	MAIN=ip4-100k
	LOADSETS="ip4-100k ip6-100k"
	SECS=${BENCH_SECS:-3}
	ROUNDS=${BENCH_ROUNDS:-2}
	LOADS=${BENCH_LOADS:-1}
else
	MAIN=ip4-1m
	LOADSETS="ip4-1m ip4-10m ip6-1m"
	SECS=${BENCH_SECS:-10}
	ROUNDS=${BENCH_ROUNDS:-5}
	LOADS=${BENCH_LOADS:-3}
fi
RATE=${BENCH_RATE:-40000}
CPU0=(taskset -c 0)		# servers
CPU1=(taskset -c 1)		# load generators
if [ -n "${BENCH_NICE:-}" ]; then
	CPU0+=(nice -n "$BENCH_NICE")
	CPU1+=(nice -n "$BENCH_NICE")
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
SETS=$(echo $MAIN $LOADSETS | tr ' ' '\n' | awk '!seen[$0]++')
for s in $SETS; do gen "$s"; done

# --- servers -----------------------------------------------------------------
NEXTPORT=$(( 20000 + RANDOM % 20000 ))
declare -A PID PORT	# per running server
declare -A R		# results: R[server.metric]

# start_server NAME SET: start it on CPU 0 and wait for its first real answer;
# sets PID[NAME], PORT[NAME]; adds a sample to R[NAME.load.SET], R[NAME.rss.SET].
# next_port: the next port free for UDP and TCP on loopback (others run
# servers on this machine too).
next_port() {
	while ss -Hlnut "sport = :$NEXTPORT" 2>/dev/null | grep -q .; do
		NEXTPORT=$(( NEXTPORT + 1 ))
	done
	echo $NEXTPORT
	NEXTPORT=$(( NEXTPORT + 1 ))
}

start_server() {
	local name=$1 set=$2 fam=${2%%-*} t0 t1 pid port any= try=${3:-1}
	local log=$LOGS/$name-$set.log
	port=$(next_port)
	NEXTPORT=$(( port + 1 ))
	t0=$(now_ms)
	case $name in
	floor|floor2) "${CPU0[@]}" "$FLOOR" -b 127.0.0.1/$port >"$log" 2>&1 &
		any=-a ;;
	rbldnsd) "${CPU0[@]}" rbldnsd -n -u rbldns -r "$DATA" -b 127.0.0.1/$port \
			$ZONE:${fam}trie:$set.txt >"$log" 2>&1 & ;;
	dnsxld)	"${CPU0[@]}" "$DNSXLD" $DNSXLD_ARGS -n -u rbldns -r "$DATA" -b 127.0.0.1/$port \
			$ZONE:${fam}trie:$set.txt >"$log" 2>&1 & ;;
	nsd)	nsd_conf $set $port
		"${CPU0[@]}" nsd -d -c "$OUT/nsd-$set/nsd.conf" >"$log" 2>&1 & ;;
	esac
	pid=$!
	PID[$name]=$pid
	PORT[$name]=$port
	# probe: one listed query, every 2 ms, until a NOERROR answer (any reply
	# from the floor, which only echoes)
	until "${CPU1[@]}" "$DNSGEN" -s 127.0.0.1 -p $port -d "$DATA/$set.probe" -w 1 $any \
			>/dev/null 2>&1; do
		if ! kill -0 $pid 2>/dev/null; then
			wait $pid 2>/dev/null; unset "PID[$name]"
			if [ $try = 1 ] && grep -qi "in use" "$log"; then
				echo "  $name: port $port taken meanwhile, once more"
				start_server $name $set 2; return
			fi
			echo "  $name did not start on $set (see $log)"
			return 1
		fi
		if [ $(( $(now_ms) - t0 )) -gt 300000 ]; then
			echo "  $name gave no answer within 300 s on $set (see $log)"
			stop_server $name; return 1
		fi
	done
	t1=$(now_ms)
	local ms=$(( t1 - t0 )) rss hwm
	rss=$(mem_kb $pid VmRSS)
	hwm=$(mem_kb $pid VmHWM)
	R[$name.load.$set]+=" $ms"
	R[$name.rss.$set]+=" $rss"
	echo "  $name $set: first answer after $ms ms, RSS $rss kB (peak $hwm kB)"
}

# stop_server NAME: SIGTERM, and SIGKILL if it has not exited within 10 s
# (a server that hangs on shutdown must not hang the benchmark).
alive() {	# alive PID: running, not a zombie waiting to be reaped
	local st
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -n "$st" ] && [ "$st" != Z ]
}
stop_server() {
	local pid=${PID[$1]:-} i
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	for i in $(seq 100); do
		alive "$pid" || break
		sleep 0.1
	done
	if alive "$pid"; then
		echo "  $1 (pid $pid) still running 10 s after SIGTERM: SIGKILL"
		for i in $(tree "$pid"); do kill -KILL "$i" 2>/dev/null; done
	fi
	wait "$pid" 2>/dev/null
	unset "PID[$1]"
}
stop_all() { for n in "${!PID[@]}"; do stop_server "$n"; done; }
trap 'stop_all' EXIT
trap 'exit 130' INT TERM

# A server and its descendants (NSD forks a server and an xfrd process).
tree() {
	local c
	echo "$1"
	for c in $(ps -o pid= --ppid "$1"); do tree "$c"; done
}
# utime+stime of the server, all threads and child processes, in clock ticks.
cpu_ticks() {
	local p t=0
	for p in $(tree "$1"); do
		# fields 14 and 15, counted after the "(comm)" that may hold spaces
		t=$(( t + $(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13} END {if (!NR) print 0}') ))
	done
	echo $t
}
# mem_kb PID FIELD: the largest VmRSS/VmHWM in the tree (forked children
# share the parent's pages, so a sum would count them twice).
mem_kb() {
	local p
	for p in $(tree "$1"); do awk -v f="$2:" '$1 == f {print $2}' "/proc/$p/status" 2>/dev/null; done |
		sort -n | tail -1
}

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{v[NR] = $1} END {if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# fixed NAME ROUND [KEY]: CPU per query at RATE (dnsperf), kept under
# R[KEY.*] (default NAME; the A/A check's extra floor runs use another key,
# so that the floor's column keeps its two runs a round).
fixed() {
	local name=$1 key=${3:-$1} pid=${PID[$1]} c0 c1 n cpu qps log=$LOGS/$1-dnsperf-$2.txt
	c0=$(cpu_ticks $pid)
	"${CPU1[@]}" dnsperf -s 127.0.0.1 -p ${PORT[$name]} -d "$DATA/$MAIN.queries" \
		-Q $RATE -l $SECS -c 4 -q 200 >"$log" 2>&1
	c1=$(cpu_ticks $pid)
	n=$(awk '/Queries completed:/ {print $3}' "$log")
	if [ -z "$n" ] || [ "$n" -eq 0 ]; then
		echo "  $name: dnsperf got no answers (see $log)"; return
	fi
	cpu=$(awk -v t=$((c1 - c0)) -v hz=$HZ -v n=$n 'BEGIN {printf "%.2f", t * 1e6 / hz / n}')
	qps=$(awk '/Queries per second:/ {printf "%.0f", $4}' "$log")
	# a server that fell behind the rate answered fewer, larger batches:
	# its CPU per query is not comparable, keep it apart
	if [ "$qps" -ge $(( RATE * 95 / 100 )) ]; then
		R[$key.cpu]+=" $cpu"
		R[$key.cpu.$2]=$cpu
	else
		R[$key.cpuslow]+=" $cpu"
	fi
	R[$key.perflost]+=" $(awk '/Queries lost:/ {print $3}' "$log")"
	R[$key.perfqps]+=" $qps"
	echo "  $name: dnsperf -Q $RATE: $n answered ($qps q/s), server CPU $cpu us/query"
}

# saturate NAME ROUND: saturated queries/s (dnsgen).
saturate() {
	local name=$1 pid=${PID[$1]} c0 c1 res kv log=$LOGS/$1-dnsgen-$2.txt
	local -A g
	c0=$(cpu_ticks $pid)
	"${CPU1[@]}" "$DNSGEN" -s 127.0.0.1 -p ${PORT[$name]} -d "$DATA/$MAIN.queries" \
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
	R[$name.split]+=" ${g[noerror]}/${g[nxdomain]}/${g[other]:-?}"
	[ "${g[answered]}" -gt 0 ] && R[$name.satcpu]+=" $(awk -v t=$((c1 - c0)) -v hz=$HZ \
		-v n=${g[answered]} 'BEGIN {printf "%.2f", t * 1e6 / hz / n}')"
	echo "  $name: dnsgen saturated: ${g[qps]} q/s, lost ${g[lost]}," \
		"p50 ${g[p50_us]} us, p99 ${g[p99_us]} us"
}

# pair_round ROUND [ABBA]: dnsxld/floor of the round into R[pair]; with
# ABBA, the sum of both dnsxld runs over the sum of both floor runs (a
# linear drift cancels), else the one pair; none when a run fell behind.
pair_round() {
	local f=${R[floor.cpu.$1]:-} d=${R[dnsxld.cpu.$1]:-}
	if [ -n "${2:-}" ]; then
		local f2=${R[floor.cpu.$1b]:-} d2=${R[dnsxld.cpu.$1b]:-}
		[ -n "$f" ] && [ -n "$d" ] && [ -n "$f2" ] && [ -n "$d2" ] || return 0
		R[pair]+=" $(awk -v a=$d -v b=$f -v c=$d2 -v e=$f2 'BEGIN {printf "%.3f", (a + c) / (b + e)}')"
	elif [ -n "$f" ] && [ -n "$d" ]; then
		R[pair]+=" $(awk -v a=$d -v b=$f 'BEGIN {printf "%.3f", a / b}')"
	fi
}

# aa_round ROUND: the A/A check, floor2/floor of the round into R[aa]: the
# same program twice, so its ratio is the method's own noise (ideally 1).
# Runs floor, floor2, floor2, floor after the round's ABBA pair: the sum of
# both floor2 runs over the sum of the floor runs around them.
aa_round() {
	local f=${R[floor.cpu.$1b]:-} f2=${R[floor2.cpu.$1]:-}
	local f3=${R[floor2.cpu.$1b]:-} f4=${R[floorx.cpu.$1c]:-}
	[ -n "$f" ] && [ -n "$f2" ] && [ -n "$f3" ] && [ -n "$f4" ] || return 0
	R[aa]+=" $(awk -v a=$f2 -v b=$f -v c=$f3 -v e=$f4 'BEGIN {printf "%.3f", (a + c) / (b + e)}')"
}

# dump_dnsxld SET FILE: `dnsxld -d` into FILE; 1 unless it exits 0 with
# records and at most 12 lines a prefix (gendata.py's exact expansion needs
# ~9; a dump that writes every address of a /16 would drown NSD).
dump_dnsxld() {
	local max=$(( $(count_of $1) * 12 )) n
	local err=$LOGS/dnsxld-dump-$1.log
	timeout 600 "$DNSXLD" -d $ZONE:${1%%-*}trie:"$DATA/$1.txt" 2>"$err" |
		head -n $(( max + 1 )) >"$2"
	local rc=${PIPESTATUS[0]}
	n=$(wc -l <"$2")
	if [ "$n" -gt "$max" ]; then
		echo "  nsd: 'dnsxld -d' wrote over $max lines for $1 (12 a prefix): using gendata.py's zone"
		rm -f "$2"; return 1
	fi
	if [ "$rc" != 0 ] || ! grep -q -m1 -P '\sA\s' "$2"; then
		echo "  nsd: 'dnsxld -d' gave no zone for $1 (exit $rc: $(head -c 160 "$err" | head -1)): using gendata.py's"
		rm -f "$2"; return 1
	fi
}

# nsd_zone SET: DATA/SET.zone from `dnsxld -d`, else from gendata.py (an
# exact expansion of the prefixes into names and wildcards); 1 if too big.
# The gendata.py zone is kept between runs; a dnsxld dump is made afresh.
nsd_zone() {
	local set=$1 fam=${1%%-*} z=$DATA/$1.zone
	if [ "$(count_of $set)" -gt "${BENCH_NSD_MAXPREFIXES:-1000000}" ]; then
		echo "  nsd: $set skipped: more than BENCH_NSD_MAXPREFIXES prefixes"
		R[nsd.skip.$set]=1; return 1
	fi
	if [ -x "$DNSXLD" ] && dump_dnsxld $set "$z.dump"; then
		if ! head -50 "$z.dump" | grep -q -w SOA; then
			{ printf '$ORIGIN %s.\n$TTL 2100\n' $ZONE
			  printf '@ SOA ns.%s. hostmaster.%s. 1 3600 600 86400 60\n@ NS ns.%s.\nns A 127.0.0.1\n' \
				$ZONE $ZONE $ZONE
			  cat "$z.dump"; } >"$z.tmp"
			mv "$z.tmp" "$z.dump"
		fi
		mv "$z.dump" "$z"
		echo "dnsxld -d" >"$z.src"
	elif ! [ -s "$z" ] || [ "$(cat "$z.src" 2>/dev/null)" != gendata.py ]; then
		rm -f "$z.dump"
		$PY "$HERE/gendata.py" zone${fam#ip} 0 "$DATA/$set.txt" --zonefile "$z.tmp" \
			--zone $ZONE || return 1
		mv "$z.tmp" "$z"
		echo gendata.py >"$z.src"
	fi
	chmod 0644 "$z" "$z.src"
}

# nsd_conf SET PORT: a config serving DATA/SET.zone, RRL off, one server.
nsd_conf() {
	local d=$OUT/nsd-$1
	mkdir -p "$d"
	cat >"$d/nsd.conf" <<-EOF
	server:
	  ip-address: 127.0.0.1@$2
	  server-count: 1
	  username: ""
	  chroot: ""
	  zonesdir: "$DATA"
	  database: ""
	  zonelistfile: "$d/zone.list"
	  xfrdfile: "$d/xfrd.state"
	  xfrdir: "$d"
	  pidfile: "$d/nsd.pid"
	  rrl-ratelimit: 0
	  rrl-whitelist-ratelimit: 0
	  verbosity: 1
	remote-control:
	  control-enable: no
	zone:
	  name: $ZONE
	  zonefile: $1.zone
	EOF
}

# dnsxld right after the floor: their fixed-rate runs of a round are
# neighbours in time, and their paired ratio sees the same neighbours.
# Each round measures them twice, floor-dnsxld-dnsxld-floor (ABBA): a
# drift of the host within the round then cancels from the pair.
SERVERS="floor"
if [ -x "$DNSXLD" ]; then
	SERVERS+=" dnsxld"
else
	echo "note: $DNSXLD not built; its column stays empty"
fi
SERVERS+=" rbldnsd"
# A second floor for the A/A check (aa_round); not in the load rounds.
[ "${BENCH_AA:-1}" = 1 ] && SERVERS+=" floor2"
declare -A NSD=()	# sets NSD serves
if [ "${BENCH_NSD:-1}" = 1 ] && command -v nsd >/dev/null; then
	echo "== zone dumps for NSD"
	for set in $SETS; do
		nsd_zone $set && NSD[$set]=1 && echo "  $set: $(wc -l <"$DATA/$set.zone") lines from $(cat "$DATA/$set.zone.src")"
	done
fi

echo "== start on $MAIN ($(count_of $MAIN) prefixes)"
RUNNING=
for s in $SERVERS nsd; do
	[ $s = nsd ] && [ -z "${NSD[$MAIN]:-}" ] && continue
	start_server $s $MAIN && RUNNING+=" $s"
done
for r in $(seq 1 $ROUNDS); do
	echo "== round $r/$ROUNDS: CPU per query at $RATE q/s, then saturated q/s, ${SECS} s each"
	abba=
	for s in $RUNNING; do
		[ $s = floor2 ] && continue     # measured in the A/A check below
		fixed $s $r
		case "$s $RUNNING " in "dnsxld "*" floor dnsxld "*)
			abba=1; fixed dnsxld ${r}b; fixed floor ${r}b
			# A/A: floor2 twice, the floor once more (its own key)
			case " $RUNNING " in *" floor2 "*)
				fixed floor2 $r; fixed floor2 ${r}b; fixed floor ${r}c floorx;;
			esac;;
		esac
	done
	for s in $RUNNING; do [ $s = floor2 ] || saturate $s $r; done
	pair_round $r $abba
	aa_round $r
done
stop_all

# LOADS starts of rbldnsd and dnsxld per set, in turn (a single start
# moved by a third on this machine); NSD, not a target and slow to load,
# once. The start on MAIN before the rounds is the first of its LOADS.
echo "== load time and RSS (median of $LOADS starts, NSD one)"
for set in $LOADSETS; do
	for i in $(seq $LOADS); do
		[ $set = $MAIN ] && [ $i = $LOADS ] && continue
		for s in $SERVERS nsd; do
			case $s in floor|floor2) continue;; esac
			[ $s = nsd ] && { [ -z "${NSD[$set]:-}" ] || [ $set = $MAIN ] ||
				[ $i -gt 1 ]; } && continue
			start_server $s $set && stop_server $s
		done
	done
done

# Trie lookups on one core (CPU 0): bench/lpm_bench over random prefixes of
# the largest IPv4 set's size, random addresses, single and batched calls.
echo "== trie lookups"
LPM_N=
for set in $LOADSETS; do case $set in ip4-*) LPM_N=$(count_of $set);; esac; done
LPM_Q=$([ "${BENCH_QUICK:-0}" = 1 ] && echo 2000000 || echo 20000000)
if [ -x "$OUT/lpm_bench" ]; then
	for r in $(seq 1 $ROUNDS); do
		"${CPU0[@]}" "$OUT/lpm_bench" -4 "$LPM_N" -6 0 -q "$LPM_Q" >"$LOGS/lpm_bench-$r.log" 2>&1 || continue
		R[lpm.single]+=" $(awk '/lpm_lookup4:/ {for (i = 1; i < NF; i++) if ($(i+1) == "M/s") print $i}' "$LOGS/lpm_bench-$r.log")"
		R[lpm.batch]+=" $(awk '/lpm_lookup4_batch:/ {for (i = 1; i < NF; i++) if ($(i+1) == "M/s") print $i}' "$LOGS/lpm_bench-$r.log")"
		echo "  round $r: lpm_lookup4 ${R[lpm.single]##* } M/s, lpm_lookup4_batch ${R[lpm.batch]##* } M/s"
	done
fi

# --- report ------------------------------------------------------------------
med() {	# med KEY [PRINTF-FORMAT]: median over the rounds
	local m
	m=$(echo "${R[$1]:-}" | median)
	[ -n "$m" ] && printf "${2:-%.0f}" "$m"
}
cpu() {	# cpu NAME: median CPU/query over the rounds that kept the rate, else
	# over all rounds, marked with a *
	local m
	m=$(med $1.cpu %.2f)
	[ -z "$m" ] && m=$(med $1.cpuslow %.2f) && [ -n "$m" ] && m="$m*"
	echo "$m"
}
ratio() {	# ratio A B [FORMAT]: A/B, or - when either is missing or not
	# comparable (*)
	case "$1$2" in *\**) echo -; return;; esac
	awk -v a="$1" -v b="$2" -v f="${3:-%.2f}" 'BEGIN {if (a != "" && b != "" && b + 0 > 0) printf f, a / b; else printf "-"}'
}
target() {	# target LABEL FIGURE AWK-TEST [NOTE]: met when TEST holds for x
	local v=missed
	case "$2" in
	""|-)	v="no figure (not measured in this run, or marked * above)";;
	*)	awk -v x="$2" "BEGIN {exit !($3)}" && v=met;;
	esac
	printf "  %-50s %7s  %s%s\n" "$1" "${2:--}" "$v" "${4:-}"
}
mb() { [ -n "$1" ] && awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
fmt="%-34s %8s %8s %8s %8s %12s %14s %10s\n"
row() {	# row LABEL FLOOR RBLDNSD DNSXLD NSD
	printf "$fmt" "$1" "${2:--}" "${3:--}" "${4:--}" "${5:--}" \
		"$( [ "$2" = n/a ] && echo n/a || ratio "$4" "$2")" "$(ratio "$4" "$3")" "$(ratio "$4" "$5")"
}
{
echo
echo "dnsxld bench, $(date -u '+%Y-%m-%d %H:%M UTC'), $( [ "${BENCH_QUICK:-0}" = 1 ] && echo QUICK || echo full)"
echo "machine: $(nproc) CPUs, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), Linux $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "tools: $(dnsperf -h 2>&1 | awk '/^Version/ {print "dnsperf " $2; exit}'), rbldnsd $(dpkg-query -W -f='${Version}' rbldnsd 2>/dev/null)," \
	"$(nsd -v 2>&1 | awk '/^NSD version/ {print "nsd " $3; exit}'), dnsxld $("$DNSXLD" --version 2>/dev/null | awk '{print $2}')"
echo "method: server on CPU 0 (dnsxld ${DNSXLD_ARGS:-with its defaults}), dnsperf/dnsgen on CPU 1; $MAIN ($(count_of $MAIN) prefixes), 100000 queries (half listed), seed $SEED;"
echo "        median of $ROUNDS rounds of ${SECS} s per measure${BENCH_NICE:+, nice $BENCH_NICE}"
echo
printf "$fmt" metric floor rbldnsd dnsxld nsd dnsxld/floor dnsxld/rbldnsd dnsxld/nsd
c_floor=$(cpu floor); c_rbldnsd=$(cpu rbldnsd); c_dnsxld=$(cpu dnsxld); c_nsd=$(cpu nsd)
row "CPU us/query @ $RATE q/s (dnsperf)" "$c_floor" "$c_rbldnsd" "$c_dnsxld" "$c_nsd"
printf "$fmt" "  same, paired per round (median)" n/a n/a n/a n/a "$(med pair %.2f)" - -
[ -n "${R[aa]:-}" ] &&
printf "$fmt" "  A/A: floor2/floor, paired (median)" n/a n/a n/a n/a "$(med aa %.2f)" - -
row "queries/s saturated (dnsgen)" "$(med floor.qps)" "$(med rbldnsd.qps)" "$(med dnsxld.qps)" "$(med nsd.qps)"
row "CPU us/query saturated (dnsgen)" "$(med floor.satcpu %.2f)" "$(med rbldnsd.satcpu %.2f)" "$(med dnsxld.satcpu %.2f)" "$(med nsd.satcpu %.2f)"
row "p99 latency saturated (us)" "$(med floor.p99)" "$(med rbldnsd.p99)" "$(med dnsxld.p99)" "$(med nsd.p99)"
for set in $LOADSETS; do
	row "load time $set (ms)" n/a "$(med rbldnsd.load.$set)" "$(med dnsxld.load.$set)" "$(med nsd.load.$set)"
	row "RSS after load $set (MB)" n/a "$(mb "$(med rbldnsd.rss.$set)")" "$(mb "$(med dnsxld.rss.$set)")" "$(mb "$(med nsd.rss.$set)")"
done
printf "$fmt" "trie M lookups/s, $LPM_N prefixes" n/a n/a "$(med lpm.single %.1f)" n/a n/a - -
printf "$fmt" "  same, batches (lpm_lookup4_batch)" n/a n/a "$(med lpm.batch %.1f)" n/a n/a - -
echo
echo "targets (docs/performance.md, \"The targets\"):"
pm=$(med pair %.3f)
# the paired figure is within this run's noise of 1.05 when it is closer
# to it than the A/A's farthest round is to 1
noise=$(echo "${R[aa]:-}" | awk -v p="$pm" '{for (i = 1; i <= NF; i++) {d = $i - 1; d = d < 0 ? -d : d; if (d > m) m = d}}
	END {d = p - 1.05; d = d < 0 ? -d : d; if (NF && p != "" && d < m) printf ", within this run'"'"'s A/A noise (%.3f)", m}')
target "CPU per query <= 1.05x the floor (paired)" "$pm" "x <= 1.05" "$noise"
target "CPU per query below rbldnsd's" "$(ratio "$c_dnsxld" "$c_rbldnsd" %.3f)" "x < 1"
target "CPU per query below NSD's" "$(ratio "$c_dnsxld" "$c_nsd" %.3f)" "x < 1"
for set in ip4-10m ip6-1m; do
	target "$set: load time <= 1/3 of rbldnsd's" "$(ratio "$(med dnsxld.load.$set)" "$(med rbldnsd.load.$set)" %.3f)" "x <= 1 / 3"
	target "$set: RSS <= 1/2 of rbldnsd's" "$(ratio "$(med dnsxld.rss.$set)" "$(med rbldnsd.rss.$set)" %.3f)" "x <= 0.5"
done
# the target is over 10M prefixes: a run over fewer (quick) does not count
target "trie >= 20 M lookups/s on one core (batches)" \
	"$([ "${LPM_N:-0}" -ge 10000000 ] && med lpm.batch %.1f)" "x >= 20"
echo
echo "ratios are dnsxld/X: below 1 is better for CPU, latency, load time and RSS; above 1 for queries/s."
echo "CPU per query at $RATE q/s: median of the rounds where dnsperf kept 95% of the rate (q/s below);"
echo "  * marks a server that kept it in no round: its figure is not comparable."
echo "paired: dnsxld/floor CPU per query within each round (floor, dnsxld, dnsxld, floor; sums):${R[pair]:-}"
[ -n "${R[aa]:-}" ] &&
echo "A/A: the floor against a second copy of itself, each round after the pair (floor2, floor2, floor; sums): ${R[aa]# }" &&
echo "  its spread around 1 is the noise of one paired figure on this machine in this run."
for s in floor rbldnsd dnsxld nsd; do
	[ -n "${R[$s.qps]:-}" ] || continue
	echo "$s per round: dnsperf q/s${R[$s.perfqps]:-}, lost${R[$s.perflost]:-}; dnsgen lost${R[$s.genlost]:-}," \
		"NOERROR/NXDOMAIN/other${R[$s.split]:-}"
done
if [ ${#NSD[@]} -gt 0 ]; then
	echo "nsd: zone files from $(for k in "${!NSD[@]}"; do cat "$DATA/$k.zone.src"; done | sort -u | paste -sd,)" \
		"(gendata.py when dnsxld -d gives no usable zone);"
	echo "     RRL off; load time excludes making the zone; RSS is the largest of its processes."
fi
for set in $LOADSETS; do
	[ -n "${R[nsd.skip.$set]:-}" ] && echo "nsd: $set not measured: over BENCH_NSD_MAXPREFIXES (its zone would have ~9 lines a prefix)."
done
[ -n "${R[nsd.load.$MAIN]:-}" ] || echo "nsd: not measured on $MAIN (BENCH_NSD=0, nsd missing, zone too large, or it did not start)."
echo "raw outputs: $LOGS"
} | tee "$OUT/results.txt"
exit
}
