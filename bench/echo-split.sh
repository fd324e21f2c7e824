#!/usr/bin/env bash
# bench/echo-split.sh: where the TCP line echo's time goes. Each server of
# bench/tcpecho in turn, ROUNDS times, under the same load (50 clients, 4
# lines per write, SECS seconds), with the lines per second and the
# server's own CPU per line (user + system, from /proc), so that what a
# read costs (server-wheel with Stream: a read is one record) and what a
# line costs (the same with Line) stand apart from the floors:
#
#   ROUNDS=4 bash bench/echo-split.sh
#
# Loopback only; every server exits by itself after -life seconds.
set -u
cd "$(dirname "$0")/.."
. bench/lib.sh
ROUNDS=${ROUNDS:-4}
SECS=${SECS:-3}
bench_tmp
go build -o "$tmp/tcpecho" ./bench/tcpecho || exit 1
names=(plain hub wheel-stream wheel-line poe)
declare -A cmd=(
	[plain]="-mode server-go"
	[hub]="-mode server-hub"
	[wheel-stream]="-mode server-wheel -filter stream"
	[wheel-line]="-mode server-wheel -filter line"
	[poe]="-mode server-poe"
)
declare -A out
tck=$(getconf CLK_TCK)
for ((r = 1; r <= ROUNDS; r++)); do
	for n in "${names[@]}"; do
		port=$("$tmp/tcpecho" -mode freeport)
		# shellcheck disable=SC2086
		env -u POE_KERNEL "$tmp/tcpecho" ${cmd[$n]} -addr "127.0.0.1:$port" -life $((SECS + 10)) &
		pid=$!
		pids=("$pid")
		sleep 0.3
		read -r u0 s0 < <(awk '{print $14, $15}' "/proc/$pid/stat")
		line=$(timeout $((SECS + 40)) "$tmp/tcpecho" -mode client -addr "127.0.0.1:$port" -clients 50 -window 4 -secs "$SECS" | tail -1)
		read -r u1 s1 < <(awk '{print $14, $15}' "/proc/$pid/stat")
		stop_servers
		lines=$(field "$line" lines)
		rate=$(field "$line" rate)
		if [[ -z $lines || $lines == 0 ]]; then
			out[$n]+=" failed"
			continue
		fi
		out[$n]+=$(awk -v r="$rate" -v l="$lines" -v u=$((u1 - u0)) -v s=$((s1 - s0)) -v t="$tck" \
			'BEGIN { printf " %.0fk/%.2f+%.2fus", r / 1000, u * 1e6 / t / l, s * 1e6 / t / l }')
	done
done
echo "lines/s and server CPU per line (user+sys), per round:"
for n in "${names[@]}"; do
	printf "%-14s%s\n" "$n" "${out[$n]}"
done
