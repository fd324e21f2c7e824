#!/usr/bin/env bash
# bench/socks.sh: our SOCKS 4 proxy (component/socks) next to Dante's danted
# (Debian package dante-server) and a plain Go relay (io.Copy per direction,
# which splices between TCP sockets), all measured by the same Go load
# client, bench/socksload:
#
#   connect x1, x8  CONNECT to an echo destination, 64 bytes echoed, close,
#                   by 1 and by 8 clients in a loop (connections/s; client
#                   sockets reset on close, SO_LINGER 0)
#   bulk            one tunnel to a discarding destination, 64 KiB writes
#                   for SOCKS_SECS (MB/s, 10^6 bytes)
#   idle            SOCKS_IDLE tunnels (default 10000, fewer if the
#                   descriptor limit does not allow them) opened and held;
#                   the proxy's resident memory with them (its children's
#                   included, shared pages counted once: the sum of Pss),
#                   and what each tunnel added
#
# Each measurement runs SOCKS_REPS times (default 3), servers taking turns,
# and the median is printed: one line per server, the other servers with
# ours/theirs ratios, then the targets (issue 5: bulk >= 0.9 of the Go
# relay, connect x8 >= 2 x Dante). Everything listens on 127.0.0.1 and is
# killed on exit; every client run is bounded by timeout(1). Without danted
# the Dante row is skipped, with a note. It exits 0 unless something of
# ours cannot be built or run at all.
set -u
cd "$(dirname "$0")/.."

SOCKS_SECS=${SOCKS_SECS:-2}
SOCKS_REPS=${SOCKS_REPS:-3}
SOCKS_IDLE=${SOCKS_IDLE:-10000}

# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_tmp

echo "building bench/socksload ..."
if ! go build -o "$tmp/socksload" ./bench/socksload; then
	echo "socks: go build ./bench/socksload failed" >&2
	exit 1
fi
load=$tmp/socksload
freeport() { "$load" -mode freeport; }

# start NAME CMD... starts a server in a process group of its own and
# records its pid in ${PID[NAME]}.
declare -A PID PORT
start() {
	local name=$1
	shift
	setsid "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
	PID[$name]=$!
	pids+=("$!")
}

echo_port=$(freeport)
discard_port=$(freeport)
start target "$load" -mode target -echo "127.0.0.1:$echo_port" -discard "127.0.0.1:$discard_port" -life 3600

servers=(ours go)
PORT[ours]=$(freeport)
start ours "$load" -mode server-poe -addr "127.0.0.1:${PORT[ours]}" -life 3600
PORT[go]=$(freeport)
start go "$load" -mode server-go -addr "127.0.0.1:${PORT[go]}" -life 3600

dante_note=""
if ! danted=$(command -v danted); then
	dante_note="danted not found (Debian: apt-get install -y dante-server): Dante row skipped"
else
	PORT[dante]=$(freeport)
	cat >"$tmp/danted.conf" <<-EOF
		logoutput: /dev/null
		internal: 127.0.0.1 port = ${PORT[dante]}
		external: 127.0.0.1
		socksmethod: none
		clientmethod: none
		user.privileged: root
		user.unprivileged: nobody
		client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }
		socks pass { from: 127.0.0.0/8 to: 0.0.0.0/0 command: connect }
	EOF
	start dante "$danted" -f "$tmp/danted.conf" -p "$tmp/danted.pid"
	servers=(ours dante go)
	dante_note="Dante $("$danted" -v 2>&1 | head -n 1 | awk '{print $2}' | sed 's/[.]$//')"
fi

# client SERVER ARGS... runs the load client against SERVER, bounded in
# time, and prints its result line (empty on failure, the reason on
# stderr).
client() {
	local s=$1
	shift
	timeout $((SOCKS_SECS + 60)) "$load" -mode client -proxy "127.0.0.1:${PORT[$s]}" \
		-echo "127.0.0.1:$echo_port" -discard "127.0.0.1:$discard_port" "$@" \
		2>>"$tmp/client-$s.err" | tail -n 1
}

declare -A R # R[server,metric] = space-separated samples
echo "measuring ${servers[*]}: ${SOCKS_REPS} rounds of connect x1, connect x8 and bulk, ${SOCKS_SECS}s each ..."
for ((rep = 1; rep <= SOCKS_REPS; rep++)); do
	for s in "${servers[@]}"; do
		R[$s,c1]+=" $(field "$(client "$s" -work connect -clients 1 -secs "$SOCKS_SECS")" rate)"
		R[$s,c8]+=" $(field "$(client "$s" -work connect -clients 8 -secs "$SOCKS_SECS")" rate)"
		R[$s,bulk]+=" $(field "$(client "$s" -work bulk -secs "$SOCKS_SECS")" rate)"
	done
done

# Idle tunnels: the proxy holds two descriptors per tunnel.
limit=$(ulimit -n)
tunnels=$SOCKS_IDLE
if [[ $limit != unlimited ]] && ((tunnels > (limit - 256) / 2)); then
	tunnels=$(((limit - 256) / 2))
	idle_note="idle: $tunnels tunnels, not $SOCKS_IDLE: the descriptor limit is $limit and a proxy holds two per tunnel"
fi
echo "holding $tunnels idle tunnels through each ..."
for s in "${servers[@]}"; do
	line=$(client "$s" -work idle -tunnels "$tunnels" -pid "${PID[$s]}")
	R[$s,rss]=$(field "$line" rss)
	R[$s,per]=$(field "$line" rss_per_tunnel)
	R[$s,held]=$(field "$line" tunnels)
	[[ $(field "$line" failed) == 1 ]] && R[$s,short]=1
done

declare -A M
for s in "${servers[@]}"; do
	for m in c1 c8 bulk; do
		# shellcheck disable=SC2086
		M[$s,$m]=$(median ${R[$s,$m]})
	done
done

num() { awk -v v="$1" -v f="$2" 'BEGIN { if (v == "") print "-"; else printf f, v }'; }

declare -A NAME=([ours]="ours (component/socks)" [dante]="dante (danted)" [go]="plain Go io.Copy relay")
echo
printf "%-26s %14s %14s %11s %15s %13s %8s\n" "SOCKS 4 proxy" "connect x1/s" "connect x8/s" "bulk MB/s" "idle RSS MiB" "KiB/tunnel" "tunnels"
for s in "${servers[@]}"; do
	printf "%-26s %14s %14s %11s %15s %13s %8s\n" "${NAME[$s]}" "$(num "${M[$s,c1]}" %.0f)" "$(num "${M[$s,c8]}" %.0f)" \
		"$(num "${M[$s,bulk]}" %.0f)" "$(awk -v r="${R[$s,rss]:-}" 'BEGIN { if (r == "") print "-"; else printf "%.1f", r / 1048576 }')" \
		"$(awk -v r="${R[$s,per]:-}" 'BEGIN { if (r == "") print "-"; else printf "%.1f", r / 1024 }')" "${R[$s,held]:--}"
done
for s in "${servers[@]}"; do
	[[ $s == ours ]] && continue
	printf "%-26s %14s %14s %11s %15s %13s\n" "  ours / $s" "$(ratio "${M[ours,c1]}" "${M[$s,c1]}")" "$(ratio "${M[ours,c8]}" "${M[$s,c8]}")" \
		"$(ratio "${M[ours,bulk]}" "${M[$s,bulk]}")" "$(ratio "${R[ours,rss]:-}" "${R[$s,rss]:-}")" "$(ratio "${R[ours,per]:-}" "${R[$s,per]:-}")"
done

# target NAME VALUE GOAL prints a PASS/BELOW line.
target() {
	awk -v n="$1" -v v="$2" -v g="$3" 'BEGIN {
		if (v == "") { printf "%-44s %8s %8s  %s\n", n, "-", ">=" g "x", "n/a"; exit }
		printf "%-44s %7.2fx %8s  %s\n", n, v, ">=" g "x", (v >= g ? "PASS" : "BELOW")
	}'
}
ratio_num() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b != "" && b + 0 != 0) printf "%.4f", a / b }'; }
echo
target "bulk MB/s, ours / plain Go relay" "$(ratio_num "${M[ours,bulk]}" "${M[go,bulk]}")" 0.9
if [[ -n ${M[dante,c8]:-} ]]; then
	target "connect x8, ours / Dante" "$(ratio_num "${M[ours,c8]}" "${M[dante,c8]}")" 2
fi
echo
for s in "${servers[@]}"; do
	echo "raw: $s: connect x1[${R[$s,c1]# }] connect x8[${R[$s,c8]# }] bulk[${R[$s,bulk]# }] idle[${R[$s,held]:-?} tunnels, ${R[$s,rss]:-?} bytes]"
	[[ -z ${R[$s,short]:-} ]] || echo "    $s held only ${R[$s,held]} of $tunnels idle tunnels (see the client's message)"
	if [[ -s $tmp/client-$s.err ]]; then sed "s/^/    client ($s): /" "$tmp/client-$s.err" | sort -u | head -n 5; fi
	if [[ -s $tmp/$s.err ]]; then sed "s/^/    server ($s): /" "$tmp/$s.err" | head -n 5; fi
done
echo "note: $dante_note"
[[ -z ${idle_note:-} ]] || echo "note: $idle_note"
echo "note: $(nproc) cores, shared with the load client: figures move from run to run; compare within one run."
exit 0
