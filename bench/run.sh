#!/usr/bin/env bash
# bench/run.sh: the kernel's speed next to Perl POE's, in one table.
#
# For each workload it runs bench/perl/<workload>.pl and the Go program
# bench/kernel, each printing one "key=value ..." line, and prints the rates,
# the ratio Go/Perl and whether the ratio meets the project's target. It
# reports; it does not fail on BELOW (exit 0 unless something cannot run at
# all).
#
# Sizes: Perl N gives 1-5 s per Perl run; Go N is 10-50x larger. Rates are
# per second, so the Ns need not match. Override with PERL_N_<W> / GO_N_<W>.
# GO_MICRO_TIMEOUT (seconds, default 60) bounds the micro-benchmarks.
#
# Then a TCP line echo: Perl's POE::Component::Server::TCP
# (bench/perl/tcp_echo_server.pl), our component/tcpserver on a POE-order
# kernel ("ours") and on a Parallel one ("ours Parallel": the same program
# with POE_KERNEL=parallel), and a plain goroutine-per-connection Go server
# (bench/tcpecho), each on a free port of 127.0.0.1, measured by the same
# Go load client (bench/tcpecho -mode client): TCP_CLIENTS connections
# (default 50), each writing TCP_WINDOW lines at once (default 4) and
# reading their echoes, for TCP_SECS seconds (default 3), every server once
# per round for TCP_ROUNDS rounds (default 3), compared by their medians.
# Two more plain Go servers are the floors of the design, with nothing of
# ours: server-hub hands every read to one goroutine that runs all the
# handlers (POE's order), server-hubs to one such goroutine per core
# (Parallel mode). The rows grade ours against plain Go (targets 0.9, and
# 0.95 for Parallel) and Perl, and, for information, against the floor of
# its mode (ours / hub, ours Parallel / hubs: how much of what is lost to
# plain Go is the design's, how much ours). Every server is killed after
# its run and on exit.
#
# Then it runs bench/ssl.sh (TLS) and bench/socks.sh (SOCKS 4), each
# against its real-world peer and plain Go, and at the end the kernel
# package's Go micro-benchmarks.
set -u
cd "$(dirname "$0")/.."

PERL_N_POST=${PERL_N_POST:-150000}
PERL_N_YIELD=${PERL_N_YIELD:-150000}
PERL_N_CALL=${PERL_N_CALL:-600000}
PERL_N_SESSIONS=${PERL_N_SESSIONS:-100000}
GO_N_POST=${GO_N_POST:-3000000}
GO_N_YIELD=${GO_N_YIELD:-3000000}
GO_N_CALL=${GO_N_CALL:-10000000}
GO_N_SESSIONS=${GO_N_SESSIONS:-1000000}
GO_MICRO_TIMEOUT=${GO_MICRO_TIMEOUT:-60}
TCP_CLIENTS=${TCP_CLIENTS:-50}
TCP_WINDOW=${TCP_WINDOW:-4}
TCP_SECS=${TCP_SECS:-3}
TCP_ROUNDS=${TCP_ROUNDS:-3}

# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_tmp

echo "building bench/kernel and bench/tcpecho ..."
if ! go build -o "$tmp/kernel" ./bench/kernel; then
	echo "bench: go build ./bench/kernel failed" >&2
	exit 1
fi
if ! go build -o "$tmp/tcpecho" ./bench/tcpecho; then
	echo "bench: go build ./bench/tcpecho failed" >&2
	exit 1
fi

have_perl=1
perl_note=""
if ! command -v perl >/dev/null 2>&1; then
	have_perl=0
	perl_note="perl not found: Perl rows skipped"
elif ! perl -MPOE -e1 >/dev/null 2>&1; then
	have_perl=0
	perl_note="Perl module POE not found (Debian: libpoe-perl): Perl rows skipped"
else
	perl_note="Perl $(perl -e 'printf "%vd", $^V') with POE $(perl -MPOE -e 'print $POE::VERSION')"
fi

# run_perl W N prints the Perl program's result line (empty when skipped).
run_perl() {
	[[ $have_perl == 1 ]] || return 0
	echo "  perl $1 N=$2 ..." >&2
	perl "bench/perl/$1.pl" "$2" 2>"$tmp/perl-$1.err" | tail -n 1 ||
		true
	if [[ -s $tmp/perl-$1.err ]]; then sed 's/^/    perl: /' "$tmp/perl-$1.err" >&2; fi
}

# run_go W N prints the Go program's result line.
run_go() {
	echo "  go   $1 N=$2 ..." >&2
	"$tmp/kernel" -w "$1" -n "$2" 2>"$tmp/go-$1.err" | tail -n 1 || true
	if [[ -s $tmp/go-$1.err ]]; then sed 's/^/    go: /' "$tmp/go-$1.err" >&2; fi
}

rows=()
# row NAME PERL GO TARGET_RATIO [info]: ratio = GO/PERL; PASS when ratio >=
# target. With info the target is for information: the result says so.
row() {
	rows+=("$(awk -v name="$1" -v p="$2" -v g="$3" -v t="$4" -v info="${5:-}" 'BEGIN {
		ps = (p == "") ? "-" : sprintf("%.0f", p)
		gs = (g == "") ? "-" : sprintf("%.0f", g)
		if (p == "" || g == "" || p + 0 == 0) { r = "-"; st = (g == "") ? "ERROR" : "n/a" }
		else { ratio = g / p; r = sprintf(ratio < 10 ? "%.2fx" : "%.1fx", ratio); st = (ratio >= t) ? "PASS" : "BELOW" }
		if (info != "" && st != "ERROR") st = st " (info)"
		printf "%-28s %14s %14s %9s %8s  %s", name, ps, gs, r, ">=" t "x", st
	}')")
}

echo "running workloads ($perl_note) ..."
declare -A P G
for w in post yield call sessions; do
	pn=PERL_N_${w^^}
	gn=GO_N_${w^^}
	P[$w]=$(run_perl "$w" "${!pn}")
	G[$w]=$(run_go "$w" "${!gn}")
done
# The same sessions in plain Go with no kernel (bench/kernel/floor.go): the
# most any kernel could reach on this machine.
G[floor]=$(run_go sessions-floor "$GO_N_SESSIONS")

row "post ping-pong (events/s)" "$(field "${P[post]}" rate)" "$(field "${G[post]}" rate)" 100
row "yield loop (events/s)" "$(field "${P[yield]}" rate)" "$(field "${G[yield]}" rate)" 100
row "call loop (calls/s)" "$(field "${P[call]}" rate)" "$(field "${G[call]}" rate)" 100
row "create alias session (s/s)" "$(field "${P[sessions]}" rate)" "$(field "${G[sessions]}" rate)" 30
row "  plain-Go floor (s/s)" "$(field "${P[sessions]}" rate)" "$(field "${G[floor]}" rate)" 30 info

echo
printf "%-28s %14s %14s %9s %8s  %s\n" workload "Perl rate" "Go rate" "Go/Perl" target result
for r in "${rows[@]}"; do echo "$r"; done

# Memory: RSS per session for both, and the Go million's total against 1 GiB.
prss=$(field "${P[sessions]}" rss_per)
grss=$(field "${G[sessions]}" rss_per)
gtot=$(field "${G[sessions]}" rss_total)
echo
printf "%-28s %14s %14s\n" "memory" "Perl" "Go"
printf "%-28s %14s %14s\n" "RSS per session (bytes)" "${prss:--}" "${grss:--}"
printf "%-28s %14s %14s\n" "sessions created" "$([[ -n ${P[sessions]} ]] && echo "$PERL_N_SESSIONS" || echo -)" "$GO_N_SESSIONS"
awk -v t="$gtot" -v n="$GO_N_SESSIONS" 'BEGIN {
	lim = 1024 * 1024 * 1024
	if (t == "") { printf "%-28s %14s %14s  %s\n", "Go total RSS (target <=1GiB)", "", "-", "ERROR"; exit }
	printf "%-28s %14s %14s  %s\n", "Go total RSS (target <=1GiB)", "", sprintf("%.0f MiB", t / 1048576), \
		(n < 1000000) ? "n/a (N < 1M)" : (t <= lim ? "PASS" : "BELOW")
}'
printf "%-28s %14s %14s\n" "kernel run to collect (s)" "$(field "${P[sessions]}" run_secs)" "$(field "${G[sessions]}" run_secs)"
echo
echo "raw: perl: post[${P[post]}] yield[${P[yield]}] call[${P[call]}] sessions[${P[sessions]}]"
echo "raw: go:   post[${G[post]}] yield[${G[yield]}] call[${G[call]}] sessions[${G[sessions]}] floor[${G[floor]}]"
[[ $have_perl == 1 ]] || echo "note: $perl_note"

# run_echo NAME CMD... starts the echo server CMD (its port is the last
# argument's, $port) in the background, measures it with the load client,
# kills it and prints the client's result line (empty on failure).
run_echo() {
	local name=$1
	shift
	echo "  tcp  $name on 127.0.0.1:$port ..." >&2
	"$@" 2>"$tmp/echo-$name.err" &
	pids+=($!)
	timeout $((TCP_SECS + 40)) "$tmp/tcpecho" -mode client -addr "127.0.0.1:$port" \
		-clients "$TCP_CLIENTS" -window "$TCP_WINDOW" -secs "$TCP_SECS" \
		2>>"$tmp/echo-$name.err" | tail -n 1 || true
	stop_servers
	if [[ -s $tmp/echo-$name.err ]]; then sed "s/^/    $name: /" "$tmp/echo-$name.err" >&2; fi
}

tcp_perl_note=$perl_note
if [[ $have_perl == 1 ]] && ! perl -MPOE::Component::Server::TCP -e1 >/dev/null 2>&1; then
	tcp_perl_note="Perl module POE::Component::Server::TCP not found (Debian: libpoe-perl): Perl row skipped"
fi
echo
echo "running TCP line echo: $TCP_CLIENTS clients, $TCP_WINDOW lines per write, ${TCP_SECS}s each, $TCP_ROUNDS rounds ..."
# Each round measures every server in turn; the medians are compared,
# as one run of one server moves by 10-20% on this machine.
declare -A E ER
tcp_servers=(ours par plain hub hubs)
declare -A tcp_mode=([ours]=server-poe [par]=server-poe [plain]=server-go [hub]=server-hub [hubs]=server-hubs)
# tcpecho's server-poe follows POE_KERNEL: ours is run without it, par
# with it set to parallel.
declare -A tcp_env=([ours]="-u POE_KERNEL" [par]="POE_KERNEL=parallel" [plain]="" [hub]="" [hubs]="")
for ((round = 1; round <= TCP_ROUNDS; round++)); do
	if [[ $round == 1 && $tcp_perl_note != *skipped ]]; then
		# Perl's rate is steady and far below: one run.
		port=$("$tmp/tcpecho" -mode freeport)
		E[perl]=$(run_echo perl perl bench/perl/tcp_echo_server.pl "$port")
	fi
	for s in "${tcp_servers[@]}"; do
		port=$("$tmp/tcpecho" -mode freeport)
		# shellcheck disable=SC2086 # tcp_env holds env(1) arguments
		line=$(run_echo "$s" env ${tcp_env[$s]} "$tmp/tcpecho" -mode "${tcp_mode[$s]}" -addr "127.0.0.1:$port")
		ER[$s]="${ER[$s]:-} $(field "$line" rate)"
	done
done
erate_perl=$(field "${E[perl]:-}" rate)
# shellcheck disable=SC2086 # space-separated numbers
{
	erate_ours=$(median ${ER[ours]:-})
	erate_par=$(median ${ER[par]:-})
	erate_plain=$(median ${ER[plain]:-})
	erate_hub=$(median ${ER[hub]:-})
	erate_hubs=$(median ${ER[hubs]:-})
}
rows=()
row "ours vs Perl Server::TCP" "$erate_perl" "$erate_ours" 5
row "ours vs plain Go" "$erate_plain" "$erate_ours" 0.9
row "ours vs hub floor" "$erate_hub" "$erate_ours" 1.0 info
row "ours Parallel vs plain Go" "$erate_plain" "$erate_par" 0.95
row "ours Parallel vs hubs floor" "$erate_hubs" "$erate_par" 1.0 info
echo
printf "%-28s %14s\n" "tcp line echo" "lines/s (median)"
printf "%-28s %14s\n" "Perl Server::TCP" "$([[ -n $erate_perl ]] && printf %.0f "$erate_perl" || echo -)"
printf "%-28s %14s\n" "ours (component/tcpserver)" "$([[ -n $erate_ours ]] && printf %.0f "$erate_ours" || echo -)"
printf "%-28s %14s\n" "ours Parallel (POE_KERNEL)" "$([[ -n $erate_par ]] && printf %.0f "$erate_par" || echo -)"
printf "%-28s %14s\n" "plain Go (goroutine/conn)" "$([[ -n $erate_plain ]] && printf %.0f "$erate_plain" || echo -)"
printf "%-28s %14s\n" "plain Go, one handler (hub)" "$([[ -n $erate_hub ]] && printf %.0f "$erate_hub" || echo -)"
printf "%-28s %14s\n" "plain Go, one per core" "$([[ -n $erate_hubs ]] && printf %.0f "$erate_hubs" || echo -)"
echo
printf "%-28s %14s %14s %9s %8s  %s\n" comparison "other rate" "ours rate" ours/other target result
for r in "${rows[@]}"; do echo "$r"; done
echo "raw: echo lines/s per round: perl[${E[perl]:-}] ours[${ER[ours]:-}] par[${ER[par]:-}] plain[${ER[plain]:-}] hub[${ER[hub]:-}] hubs[${ER[hubs]:-}]"
echo "hub: reader goroutines hand each read to one goroutine that runs every"
echo "handler, as POE's order requires (hubs: one such goroutine per core, as"
echo "Parallel mode); plain Go with nothing of ours, so the floor of the design."
[[ $tcp_perl_note != *skipped ]] || echo "note: $tcp_perl_note"

# The component comparisons have scripts of their own, each against its
# real-world peer and plain Go in one run.
for script in bench/ssl.sh bench/socks.sh; do
	if [[ -f $script ]]; then
		echo
		echo "== $script"
		bash "$script" || echo "note: $script exited with status $?"
	fi
done

# The micro-benchmarks, as `go test -run XXX -bench . -benchtime 1000000x
# ./kernel/`. The test binary is built first and run directly so that the
# time bound stops the benchmark process itself, not just the go command.
echo
echo "go test -run XXX -bench . -benchtime 1000000x ./kernel/ (bounded to ${GO_MICRO_TIMEOUT}s)"
if go test -c -o "$tmp/kernel.test" ./kernel/; then
	(cd kernel && timeout "$GO_MICRO_TIMEOUT" "$tmp/kernel.test" -test.run XXX -test.bench . -test.benchtime 1000000x)
	rc=$?
	if [[ $rc == 124 ]]; then
		echo "note: micro-benchmarks stopped after ${GO_MICRO_TIMEOUT}s (the benchmark then running did not finish)"
	elif [[ $rc != 0 ]]; then
		echo "note: micro-benchmarks exited with status $rc"
	fi
else
	echo "note: go test -c ./kernel/ failed"
fi
exit 0
