#!/usr/bin/env bash
# bench/ssl.sh: TLS servers side by side, measured by one load client.
#
# Three TLS echo servers on free ports of 127.0.0.1, each with the same
# certificate (a test CA and an ECDSA P-256 server certificate made at run
# time by bench/sslload -mode certs) and X25519 pinned:
#   - plain crypto/tls, a goroutine per connection (the baseline);
#   - ours: component/tcpserver whose ClientFilter is filter.SSL, so each
#     connection is a session with a wheel.ReadWrite;
#   - stunnel4 in front of a plain TCP echo (skipped, with a note, if
#     stunnel4 is not installed: Debian package stunnel4).
# The load client (bench/sslload -mode client) offers only X25519 and
# measures full TLS 1.3 handshakes per second (connect, handshake, one byte
# echoed, reset) and bulk echo throughput (64 KiB writes, MB/s echoed) on
# SSL_CONNS connections (default 4) for SSL_SECS seconds (default 2) each.
# The servers are measured in turn, SSL_ROUNDS times (default 3), and the
# medians are printed, one line per server with its ratio to plain
# crypto/tls. The issue's target is ours >= 0.9x on both. The client also
# reads each server's CPU time from /proc (-pids), so each row shows the
# server's CPU cost per handshake and per GB too: steadier than the rates
# when other programs load the machine.
#
# Two more plain Go servers show the floor of a TLS filter: crypto/tls over
# an in-memory conn, as a filter with no socket must use it, echoing each
# record through a copy the user owns; "in memory" reads the socket on the
# same goroutine, "reader apart" on a reader goroutine that hands each read
# over, as a wheel does. Neither has a kernel, events or filters of ours.
#
# SSL_PARALLEL=1 adds a row for ours on a Parallel kernel (the same server
# run with POE_KERNEL=parallel); ours itself runs with POE_KERNEL unset, so
# that an exported POE_KERNEL does not change it.
# SSL_STUNNEL=none skips stunnel4 (or names another stunnel program).
#
# The client shares the machine's cores with the server it measures, so
# the ratios understate differences between servers; compare them within
# one run only. Every server is killed after its turn and on exit. The
# script reports; it exits 0 unless something cannot run at all.
set -u
cd "$(dirname "$0")/.."

SSL_ROUNDS=${SSL_ROUNDS:-3}
SSL_SECS=${SSL_SECS:-2}
SSL_CONNS=${SSL_CONNS:-4}

# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_tmp

echo "building bench/sslload ..."
if ! go build -o "$tmp/sslload" ./bench/sslload; then
	echo "bench/ssl.sh: go build ./bench/sslload failed" >&2
	exit 1
fi
if ! "$tmp/sslload" -mode certs -dir "$tmp"; then
	echo "bench/ssl.sh: cannot make test certificates" >&2
	exit 1
fi

# SSL_STUNNEL names the stunnel program; "none" skips its row.
stunnel=""
stunnel_note=""
if [[ -n ${SSL_STUNNEL:-} ]]; then
	[[ $SSL_STUNNEL != none ]] && command -v "$SSL_STUNNEL" >/dev/null 2>&1 && stunnel=$SSL_STUNNEL
elif command -v stunnel4 >/dev/null 2>&1; then
	stunnel=stunnel4
elif command -v stunnel >/dev/null 2>&1; then
	stunnel=stunnel
fi
if [[ -z $stunnel ]]; then
	stunnel_note="stunnel4 not found (Debian: stunnel4) or SSL_STUNNEL=${SSL_STUNNEL:-}: its row is skipped"
else
	stunnel_note="$($stunnel -version 2>&1 | grep -m1 '^stunnel')"
fi

servers=(go mem1 mem ours)
[[ ${SSL_PARALLEL:-0} == 1 ]] && servers+=(par)
[[ -n $stunnel ]] && servers+=(stunnel)
declare -A label=(
	[go]="plain crypto/tls"
	[mem1]="floor: crypto/tls in memory"
	[mem]="floor: the same, reader apart"
	[ours]="ours (tcpserver+filter.SSL)"
	[par]="ours, POE_KERNEL=parallel"
	[stunnel]="stunnel4 + TCP echo"
)

# start NAME starts server NAME (and for stunnel its TCP echo backend) on
# a free port, which it stores in $port; $spids gets the processes whose
# CPU time is the server's, comma-separated.
start() {
	port=$("$tmp/sslload" -mode freeport)
	local life=$((SSL_SECS * 2 + 60))
	case $1 in
	go | mem1 | mem | ours | par)
		local mode=server-go kenv=(-u POE_KERNEL)
		[[ $1 == ours || $1 == par ]] && mode=server-poe
		[[ $1 == mem1 ]] && mode=server-memtls1
		[[ $1 == mem ]] && mode=server-memtls
		[[ $1 == par ]] && kenv=(POE_KERNEL=parallel)
		env "${kenv[@]}" "$tmp/sslload" -mode "$mode" -addr "127.0.0.1:$port" -crt "$tmp/server.crt" \
			-key "$tmp/server.key" -life "$life" 2>>"$tmp/$1.err" &
		pids+=($!)
		spids=$!
		;;
	stunnel)
		local back
		back=$("$tmp/sslload" -mode freeport)
		"$tmp/sslload" -mode server-tcp -addr "127.0.0.1:$back" -life "$life" 2>>"$tmp/$1.err" &
		pids+=($!)
		spids=$!
		# TLS 1.3's suite is pinned too: OpenSSL prefers AES-256-GCM,
		# crypto/tls AES-128-GCM with AES hardware.
		cat >"$tmp/stunnel.conf" <<-EOF
			foreground = yes
			pid =
			debug = 3
			[echo]
			accept = 127.0.0.1:$port
			connect = 127.0.0.1:$back
			cert = $tmp/server.crt
			key = $tmp/server.key
			curves = X25519
			ciphersuites = TLS_AES_128_GCM_SHA256
		EOF
		"$stunnel" "$tmp/stunnel.conf" >>"$tmp/$1.log" 2>&1 &
		pids+=($!)
		spids+=",$!"
		;;
	esac
}

# measure NAME WORK prints the client's result line (empty on failure).
measure() {
	timeout $((SSL_SECS + 30)) "$tmp/sslload" -mode client -addr "127.0.0.1:$port" \
		-ca "$tmp/ca.crt" -work "$2" -conns "$SSL_CONNS" -secs "$SSL_SECS" -pids "$spids" \
		2>>"$tmp/$1.err" | tail -n 1 || true
}

declare -A HS HSCPU BULK BULKCPU FAILS SUITE
echo "measuring: ${servers[*]}; $SSL_ROUNDS rounds, ${SSL_SECS}s per workload, $SSL_CONNS connections ..."
for ((r = 1; r <= SSL_ROUNDS; r++)); do
	for s in "${servers[@]}"; do
		start "$s"
		h=$(measure "$s" handshake)
		b=$(measure "$s" bulk)
		stop_servers
		HS[$s]+="$(field "$h" rate) "
		HSCPU[$s]+="$(field "$h" cpu_per) "
		BULK[$s]+="$(field "$b" rate) "
		BULKCPU[$s]+="$(field "$b" cpu_per) "
		FAILS[$s]=$((${FAILS[$s]:-0} + $(field "$h" fails || true) + 0))
		[[ -n $(field "$b" cipher) ]] && SUITE[$s]="$(field "$b" version) $(field "$b" cipher) $(field "$b" curve)"
		echo "  round $r $s: handshake[$h]" >&2
		echo "  round $r $s: bulk[$b]" >&2
	done
done

declare -A mh mhc mb mbc
for s in "${servers[@]}"; do
	# shellcheck disable=SC2086 # the lists are space-separated numbers
	{
		mh[$s]=$(median ${HS[$s]})
		mhc[$s]=$(median ${HSCPU[$s]})
		mb[$s]=$(median ${BULK[$s]})
		mbc[$s]=$(median ${BULKCPU[$s]})
	}
done

echo
echo "TLS echo on 127.0.0.1, medians of $SSL_ROUNDS rounds (${SSL_SECS}s each, $SSL_CONNS connections)."
echo "rate ratio: rate / plain crypto/tls's; cpu ratio: plain crypto/tls's server CPU per unit / this one's"
echo "(both >= 1 when this server does better)."
printf "%-28s %9s %6s %8s %6s %9s %6s %8s %6s  %s\n" server "hs/s" ratio "us/hs" ratio "MB/s" ratio "ms/GB" ratio negotiated
for s in "${servers[@]}"; do
	printf "%-28s %9s %6s %8s %6s %9s %6s %8s %6s  %s\n" "${label[$s]}" \
		"${mh[$s]:--}" "$(ratio "${mh[$s]}" "${mh[go]}")" "${mhc[$s]:--}" "$(ratio "${mhc[go]}" "${mhc[$s]}")" \
		"${mb[$s]:--}" "$(ratio "${mb[$s]}" "${mb[go]}")" "${mbc[$s]:--}" "$(ratio "${mbc[go]}" "${mbc[$s]}")" \
		"${SUITE[$s]:-?}"
done
verdict() {
	awk -v h="$(ratio "$1" "$2")" -v b="$(ratio "$3" "$4")" 'BEGIN {
		ok = (h != "-" && b != "-" && h + 0 >= 0.9 && b + 0 >= 0.9)
		printf "%s (handshakes %s, bulk %s)", ok ? "PASS" : "BELOW", h, b
	}'
}
echo "target ours >= 0.90x plain crypto/tls, by rate: $(verdict "${mh[ours]}" "${mh[go]}" "${mb[ours]}" "${mb[go]}")"
echo "                                   by CPU cost: $(verdict "${mhc[go]}" "${mhc[ours]}" "${mbc[go]}" "${mbc[ours]}")"
for s in "${servers[@]}"; do
	echo "raw $s: hs/s[${HS[$s]}] us/hs[${HSCPU[$s]}] MB/s[${BULK[$s]}] ms/GB[${BULKCPU[$s]}] failed connections: ${FAILS[$s]:-0}"
done
echo "note: $stunnel_note"
for f in "$tmp"/*.err; do
	[[ -s $f ]] && sed "s|^|  $(basename "$f" .err): |" "$f" | head -n 5 >&2
done
exit 0
